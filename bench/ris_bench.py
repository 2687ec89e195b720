#!/usr/bin/env python3
"""The RIS's patient search at size, on SQLite and on PostgreSQL side by side.

Fills each engine's ris_patients table with generated patients (two family names and a given
name from common Spanish, Catalan and English names, birth dates 1930-2020, phone numbers), by
SQL straight into the table the server made (a million registrations through the API would
take hours and measure the form, not the search), then starts both nodes and runs the
reception's searches through GET /api/ris/patients in alternating rounds: a family name's first
three letters, a whole family name, "family, given" fragments, an MRN, a phone number's last
nine digits, a name with a birth date. p50/p95 per kind and engine. Needs root (network
namespace; PostgreSQL runs as the postgres user).

  bench/ris_bench.py [--patients 1000000] [--rounds 4] [--write docs/PERFORMANCE.md]
"""
import argparse
import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import ROOT, ensure_netns, pct, write_section  # noqa: E402
from backends_bench import Backends, Node  # noqa: E402
from dicomweb_bench import Client, in_namespace  # noqa: E402

FAMILY = ("GARCIA RODRIGUEZ GONZALEZ FERNANDEZ LOPEZ MARTINEZ SANCHEZ PEREZ GOMEZ MARTIN JIMENEZ RUIZ "
          "HERNANDEZ DIAZ MORENO MUNOZ ALVAREZ ROMERO ALONSO GUTIERREZ NAVARRO TORRES DOMINGUEZ VAZQUEZ "
          "RAMOS GIL RAMIREZ SERRANO BLANCO MOLINA MORALES SUAREZ ORTEGA DELGADO CASTRO ORTIZ RUBIO MARIN "
          "SANZ NUNEZ IGLESIAS MEDINA GARRIDO CORTES CASTILLO SANTOS LOZANO GUERRERO CANO PRIETO MENDEZ "
          "PUIG FERRER VIDAL SOLER ROCA FONT CASALS RIBAS PONS SERRA SMITH JONES WILLIAMS BROWN TAYLOR").split()
GIVEN = ("MARIA CARMEN JOSEFA ISABEL ANA LAURA MARTA CRISTINA PILAR LUCIA ELENA SARA PAULA NURIA MONTSERRAT "
         "ROSA JORDI JOSEP ANTONIO MANUEL JOSE FRANCISCO DAVID JUAN JAVIER DANIEL CARLOS MIGUEL RAFAEL PEDRO "
         "ALEJANDRO PABLO SERGIO FERNANDO LUIS ALBERTO MARC POL ORIOL PAU JOAN XAVIER JOHN MARY JAMES EMMA").split()
COLUMNS = ("mrn mrn_issuer family_name given_name middle_name name_prefix name_suffix family_key family_sound given_key "
           "birth_date sex phone phone_key email address national_id national_id_key insurance_number "
           "allergies contrast_allergy notes version created_at created_by updated_at updated_by").split()


# family_sound (the duplicate check's key) is left empty: registrations are not measured here.
def patients(n, seed=7):
    rnd = random.Random(seed)
    for i in range(1, n + 1):
        family = f"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}"
        given = rnd.choice(GIVEN)
        birth = f"{rnd.randint(1930, 2020)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        phone = f"6{rnd.randint(0, 99999999):08d}"
        nid = f"{rnd.randint(0, 99999999):08d}{chr(65 + rnd.randint(0, 25))}"
        yield (f"B{i:08d}", "VIREO", family.title(), given.title(), "", "", "", family, "", given, birth,
               rnd.choice("FM"), phone, phone[::-1], "", "", nid, nid, "", "", 0, "", 1,
               "2026-01-01T00:00:00Z", "bench", "2026-01-01T00:00:00Z", "bench")


def fill(node, label, n, tmp):
    node.start()  # makes the tables
    node.stop()
    t0 = time.perf_counter()
    if label == "SQLite":
        db = sqlite3.connect(node.dir / "index.sqlite")
        db.executemany(f"INSERT INTO ris_patients ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                       patients(n))
        db.commit()
        db.execute("ANALYZE")
        db.close()
    else:
        path = tmp / "patients.csv"
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(patients(n))
        os.chmod(path, 0o644)
        url = node.env["VIREO_DATABASE_URL"]
        subprocess.run(["psql", url, "-q", "-c", f"\\copy ris_patients ({', '.join(COLUMNS)}) FROM '{path}' WITH (FORMAT csv, NULL '\\N')"],
                       check=True)
        subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE ris_patients"], check=True)
        path.unlink()
    return time.perf_counter() - t0


def queries(n, seed=11):
    rnd = random.Random(seed)
    sample = list(patients(min(n, 20000)))
    out = []
    for _ in range(20):
        p = rnd.choice(sample)
        family, given = p[7], p[9]
        out += [("family name, first 3 letters", f"q={family[:3].lower()}"),
                ("whole family name", f"q={family.split()[0].lower()}"),
                ("family, given fragments", f"q={family.split()[0][:4].lower()},%20{given[:2].lower()}"),
                ("MRN", f"q=B{rnd.randint(1, n):08d}"),
                ("phone number", f"q={p[12]}"),
                ("name and birth date", f"q={family.split()[0].lower()}&birthDate={p[10]}")]
    return out


def run(nodes, qs, rounds):
    samples = {label: {} for label in nodes}
    clients = {label: Client(node) for label, node in nodes.items()}
    for label, c in clients.items():  # warm
        for _, q in qs[:12]:
            c.get("/api/ris/patients?" + q)
    for r in range(rounds):
        for label in (list(nodes) if r % 2 == 0 else list(reversed(nodes))):
            for kind, q in qs:
                _, _, total = clients[label].get("/api/ris/patients?" + q)
                samples[label].setdefault(kind, []).append(total * 1000)
    return {label: {k: sorted(v) for k, v in s.items()} for label, s in samples.items()}


def report(res, fills, args):
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `bench/ris_bench.py --patients {args.patients} --rounds "
             f"{args.rounds}` on this 2-core machine: {args.patients} patients on each engine, both nodes up at once, "
             f"GET /api/ris/patients over one keep-alive connection (plain HTTP on loopback), 50 results a page; "
             f"PostgreSQL 15 (Debian, default settings).", "",
             "| search | SQLite p50 / p95 | PostgreSQL p50 / p95 |", "| --- | --- | --- |"]
    for kind in res["SQLite"]:
        s, p = res["SQLite"][kind], res["PostgreSQL"][kind]
        lines.append(f"| {kind} | {pct(s, 50):.1f} / {pct(s, 95):.1f} ms | {pct(p, 50):.1f} / {pct(p, 95):.1f} ms |")
    lines.append(f"| filling the table (SQL, not the API) | {fills['SQLite']:.0f} s | {fills['PostgreSQL']:.0f} s |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--write", help="Markdown file whose ris-bench section is replaced with the results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("ris_bench.py needs root (network namespace; PostgreSQL runs as the postgres user)")
    ensure_netns()
    in_namespace()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-ris-", dir="/var/tmp"))
    os.chmod(tmp, 0o755)
    backends = Backends(tmp)
    nodes = {"SQLite": Node(tmp, "sqlite", {}, 11540, 18540),
             "PostgreSQL": Node(tmp, "postgresql", {"VIREO_DATABASE_URL": backends.fresh()["VIREO_DATABASE_URL"]},
                                11541, 18541)}
    fills = {}
    try:
        for label, node in nodes.items():
            fills[label] = fill(node, label, args.patients, tmp)
            print(f"== {label}: {args.patients} patients in {fills[label]:.0f} s", flush=True)
        for node in nodes.values():
            node.start().token()
        res = run(nodes, queries(args.patients), args.rounds)
    finally:
        for node in nodes.values():
            if getattr(node, "proc", None) and node.proc.poll() is None:
                node.stop()
        backends.stop()
        for node in nodes.values():
            node.log.flush()
            if "error" in (tmp / f"{node.name}.log").read_text(errors="replace").lower():
                print((tmp / f"{node.name}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    text = report(res, fills, args)
    print(text)
    if args.write:
        write_section(ROOT / args.write, "ris-bench", text)


if __name__ == "__main__":
    main()
