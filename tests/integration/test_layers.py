"""Dependencies point downward only (DESIGN.md "Layers"): this reads every source file's
#include lines and fails on one that reaches up, or across into a layer it must not know."""
import re
import unittest
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# The layer of each top-level folder, lowest first; a file may include its own layer or below.
RANK = {
    "core": 0,
    "store": 1, "dicom": 1, "pdf": 1,  # ports and format adapters
    "events": 2,
    "access": 3, "audit": 3, "auth": 3, "archive": 3, "annotations": 3, "ai": 3, "ris": 3, "reporting": 3,  # domains
    "net": 4,
    "api": 5,
    "app": 6,
}
# Within a layer, what a folder must not include although it sits at the same height.
FORBIDDEN = {
    "access": {"auth", "archive", "audit"},  # access rules know Principals, not how they are made
    "archive": {"auth", "annotations", "ai"},  # takes a Scope, never a user; tells others by events
    "annotations": {"archive"},                # learn of deleted studies by events
    "ai": {"archive"},
    "ris": {"archive", "auth", "annotations", "ai"},  # links to studies by Patient ID and events
    # reads the exam through ris/'s public header; never the archive's tables
    "reporting": {"archive", "auth", "annotations", "ai"},
    "dicom": {"store"},
    "pdf": {"store", "dicom"},  # lays out and signs what it is given; reads no tables or files
    "store": {"dicom"},
    # Listeners and clients only: the services that use a domain live in api/ (api/dimse).
    "net": {"archive", "ris", "auth", "annotations", "ai", "events"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/', re.M)


def bad_includes(here, text):
    return [t for t in INCLUDE.findall(text)
            if t in RANK and t != here and (RANK[t] > RANK[here] or t in FORBIDDEN.get(here, ()))]


def violations():
    found = []
    for path in sorted(SRC.rglob("*")):
        here = path.relative_to(SRC).parts[0]
        if path.suffix in (".cpp", ".hpp") and here in RANK:
            found += [f"{path.relative_to(SRC)} includes {t}/" for t in bad_includes(here, path.read_text(errors="replace"))]
    return found


class LayersTest(unittest.TestCase):
    def test_every_folder_has_a_layer(self):
        folders = {p.name for p in SRC.iterdir() if p.is_dir()}
        self.assertEqual(folders - set(RANK), set(), "add the new folder to RANK (and DESIGN.md)")

    def test_includes_point_downward(self):
        self.assertEqual(violations(), [])

    def test_the_check_finds_what_it_looks_for(self):
        text = '#include "net/http/http_types.hpp"\n#include "auth/auth_service.hpp"\n#include "core/log.hpp"\n'
        self.assertEqual(bad_includes("archive", text), ["net", "auth"])
        self.assertEqual(bad_includes("api", text), [])
        self.assertEqual(bad_includes("net", '#include "archive/archive.hpp"\n#include "audit/audit_log.hpp"\n'), ["archive"])


if __name__ == "__main__":
    unittest.main()
