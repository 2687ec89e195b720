"""Domain code writes one SQL text for SQLite and PostgreSQL (DESIGN.md): what differs between
the engines lives in src/store/ only. This reads every other source file's string literals and
fails on SQL that only one engine understands."""
import re
import unittest
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Each engine's own words, as they would appear in SQL text.
ENGINE_SPECIFIC = [
    (r"\bINSERT\s+OR\s+(IGNORE|REPLACE)\b", "INSERT ... ON CONFLICT"),
    (r"\bREPLACE\s+INTO\b", "INSERT ... ON CONFLICT DO UPDATE"),
    (r"\bPRAGMA\b", "the store's own settings"),
    (r"\bGLOB\b", "Dialect::wildcard_condition"),
    (r"\bgroup_concat\s*\(|\bstring_agg\s*\(", "Dialect::string_aggregate"),
    (r"\bAUTOINCREMENT\b|\bSERIAL\b|\bIDENTITY\b", "${PK}"),
    (r"\bILIKE\b|::\s*[a-z]+\b|\bpg_[a-z_]+\s*\(", "portable SQL (or the Dialect)"),
    (r"\b(julianday|strftime|datetime|last_insert_rowid|ifnull)\s*\(", "portable SQL (or the Dialect)"),
    (r"\bCREATE\s+TRIGGER\b", "${APPEND_ONLY:table}"),
]

SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WHERE|VALUES)\b")


def string_literals(text):
    """C++ string literals, raw ones included, with their line numbers."""
    for m in re.finditer(r'R"\((.*?)\)"|"((?:[^"\\\n]|\\.)*)"', text, re.S):
        yield text.count("\n", 0, m.start()) + 1, m.group(1) if m.group(1) is not None else m.group(2)


class PortableSqlTest(unittest.TestCase):
    def test_no_engine_specific_sql_outside_the_store(self):
        found = []
        files = [p for p in SRC.rglob("*") if p.suffix in (".cpp", ".hpp") and "store" not in p.relative_to(SRC).parts[:1]]
        self.assertGreater(len(files), 50)
        for path in files:
            for line, literal in string_literals(path.read_text(errors="replace")):
                if not SQL_WORDS.search(literal) and "${" not in literal:
                    continue
                for pattern, instead in ENGINE_SPECIFIC:
                    if re.search(pattern, literal, re.I if "pg_" in pattern else 0):
                        found.append(f"{path.relative_to(SRC)}:{line}: {literal.strip()[:80]!r}: use {instead}")
        self.assertEqual(found, [], "\n".join(found))

    def test_the_check_finds_what_it_looks_for(self):
        sample = 'conn.execute("INSERT OR IGNORE INTO t (a) VALUES (?)"); q = "SELECT x FROM t WHERE a GLOB ?";'
        hits = [p for _, lit in string_literals(sample) for p, _ in ENGINE_SPECIFIC if re.search(p, lit)]
        self.assertEqual(len(hits), 2)


if __name__ == "__main__":
    unittest.main()
