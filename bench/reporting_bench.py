#!/usr/bin/env python3
"""Reporting at size, on SQLite and on PostgreSQL side by side.

Each engine gets a reading room's backlog: 5,000 exams acquired and waiting for their report
(stat, urgent and routine, their images acquired over the last days; each patient with two signed
reports of a year before, the worklist's prior reports), loaded by SQL into the
tables the server made; then, through the API, as a radiologist:

- the reading worklist's first page (GET /api/reading, 50 of 5,000; goal: p95 under 50 ms);
- the editor's autosave round trip (PUT /api/reading/{order}/report with the revision it saw,
  a two-page report's text and two key images; goal: p95 under 50 ms);
- Sign to the signed PDF stored (POST /api/reading/{order}/report/sign: re-authentication with
  the password, two key images drawn from the archive's 512 x 512 CT slices, the PDF laid out and
  PAdES-signed, stored with its hash; goal: p95 under 300 ms), each on an exam of its own, opened
  and written first.

Needs root (network namespace; PostgreSQL runs as the postgres user).

  bench/reporting_bench.py [--exams 5000] [--rounds 200] [--signatures 40] [--write docs/PERFORMANCE.md]
"""
import argparse
import http.client
import json
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
from archive_bench import BUILD, ensure_netns, pct, write_section  # noqa: E402
from backends_bench import Backends, Node  # noqa: E402
from dicomweb_bench import in_namespace  # noqa: E402
from ris_bench import COLUMNS as PATIENT_COLUMNS, patients  # noqa: E402
from schedule_bench import APPOINTMENT_COLUMNS, ORDER_COLUMNS, STAMP, admin_token, call  # noqa: E402

PASSWORD = "Reading-Bench-Figures-2026!"
# A two-page report's text (findings and impression of a staging CT, about 5 kB).
FINDINGS = ("Lungs: a solid nodule in the posterior segment of the right upper lobe with spiculated margins, "
            "larger than on the comparison study. No other nodules. No consolidation, no pleural effusion. ") * 14
IMPRESSION = ("1. Growing spiculated nodule of the right upper lobe, highly suspicious for primary lung cancer. "
              "2. New right lower paratracheal lymph node, suspicious for nodal spread. ") * 6


def report_body(revision, key_images=()):
    return {"revision": revision, "templateCode": "VIR-CT-CHEST", "keyImages": list(key_images), "sections": [
        {"key": "indication", "title": "Clinical information", "text": "Staging of a lung nodule."},
        {"key": "technique", "title": "Technique", "text": "Helical CT of the thorax with contrast."},
        {"key": "findings", "title": "Findings", "text": FINDINGS},
        {"key": "impression", "title": "Impression", "text": IMPRESSION}]}


# Two key images per signed report: a 512 x 512 CT slice (vireo-synth's) in the lung window and in
# the mediastinal.
WINDOWS = ((-600, 1500, "Nodule, lung window"), (40, 400, "Paratracheal node"))


def store_key_images(node, studies, tmp):
    """Two CT images in each of `studies` (their series and SOP UIDs made from the study's); the
    key images of each report, as {study: [key image]}."""
    files, keys = [], {}
    source = tmp / "key-source" / "study0" / "0.dcm"
    if not source.exists():
        subprocess.run([BUILD / "vireo-synth", "ct", str(tmp / "key-source"), "1", "1"], check=True, capture_output=True)
    for study in studies:
        keys[study] = []
        for k, (center, width, caption) in enumerate(WINDOWS, 1):
            series, sop = f"{study}.1", f"{study}.1.{k}"
            out = tmp / f"key-{sop}.dcm"
            shutil.copy(source, out)
            subprocess.run(["dcmodify", "-nb", "-i", f"(0020,000D)={study}", "-i", f"(0020,000E)={series}",
                            "-i", f"(0008,0018)={sop}", "-i", "(0020,0011)=3", "-i", f"(0020,0013)={k * 20}", str(out)],
                           check=True, capture_output=True)
            files.append(out)
            keys[study].append({"seriesInstanceUid": series, "sopInstanceUid": sop, "frame": 1, "windowCenter": center,
                                "windowWidth": width, "caption": caption})
    subprocess.run(["storescu", "-aec", node.aet, "127.0.0.1", str(node.port), *map(str, files)], check=True,
                   capture_output=True)
    return keys


def backlog_rows(n, procedure_id):
    """(order, order procedure, appointment) rows of n exams acquired over the last five days."""
    now = time.time()
    rnd = random.Random(7)
    for i in range(n):
        priority = "stat" if i % 50 == 0 else "urgent" if i % 7 == 0 else "routine"
        acquired = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - rnd.randint(600, 5 * 86400)))
        order = [1 + i % 1000, f"RB{i:08d}", priority, "Staging", "", "Dr. Pau Casals", "Oncology", "acquired", "", 1,
                 STAMP, "bench", STAMP, "bench", "CASALS^PAU", f"1.2.826.0.1.3680043.10.543.{i + 1}"]
        step = [i + 1, 0, procedure_id]
        book = [i + 1, 1, acquired, acquired, acquired, 0, 0, "arrived", "", acquired, 1, STAMP, "bench", STAMP, "bench"]
        yield order, step, book, acquired


REPORT_COLUMNS = ("order_id status template_code draft_revision draft_saved_at draft_saved_by versions created_at "
                  "created_by updated_at updated_by").split()


def prior_rows(n, m, procedure_id):
    """(order, order procedure, appointment, report) rows of m exams of the same patients a year
    before, their reports signed (the worklist counts each exam's prior reports): orders n+1..n+m."""
    now = time.time()
    for j in range(m):
        order_id = n + j + 1
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 365 * 86400 - j * 900))
        order = [1 + j % 1000, f"RP{j:08d}", "routine", "Staging", "", "Dr. Pau Casals", "Oncology", "final", "", 1,
                 STAMP, "bench", STAMP, "bench", "CASALS^PAU", f"1.2.826.0.1.3680043.10.544.{j + 1}"]
        step = [order_id, 0, procedure_id]
        book = [order_id, 1, at, at, at, 0, 0, "arrived", "", at, 1, STAMP, "bench", STAMP, "bench"]
        report = [order_id, "final", "", 1, STAMP, "bench", 1, STAMP, "bench", STAMP, "bench"]
        yield order, step, book, at, report


def fill(node, label, n, tmp):
    node.start()
    admin_token(node)
    hours = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
    call(node, "POST", "/api/ris/rooms", {"name": "CT 1", "modality": "CT", "hours": hours})
    procedure, _ = call(node, "POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                              "durationMinutes": 15})
    node.stop()
    t0 = time.perf_counter()
    # Each patient of the backlog has two exams of a year before, their reports signed.
    rows = list(backlog_rows(n, procedure["id"]))
    priors = list(prior_rows(n, 2 * min(n, 1000), procedure["id"]))
    rows += [(o, s_, b, a) for o, s_, b, a, _ in priors]
    reports = [r for *_, r in priors]
    people = list(patients(1000))
    ins = lambda table, cols: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    if label == "SQLite":
        db = sqlite3.connect(node.dir / "index.sqlite")
        db.executemany(ins("ris_patients", PATIENT_COLUMNS), people)
        db.executemany(ins("ris_orders", ORDER_COLUMNS + ["acquired_at"]), [o + [a] for o, _, _, a in rows])
        db.executemany(ins("ris_order_procedures", ["order_id", "position", "procedure_id"]), [s for _, s, _, _ in rows])
        db.executemany(ins("ris_appointments", APPOINTMENT_COLUMNS), [b for _, _, b, _ in rows])
        db.executemany(ins("rep_reports", REPORT_COLUMNS), reports)
        db.commit()
        db.execute("ANALYZE")
        db.close()
    else:
        import csv
        url = node.env["VIREO_DATABASE_URL"]
        tables = {"ris_patients": (PATIENT_COLUMNS, people),
                  "ris_orders": (ORDER_COLUMNS + ["acquired_at"], [o + [a] for o, _, _, a in rows]),
                  "ris_order_procedures": (["order_id", "position", "procedure_id"], [s for _, s, _, _ in rows]),
                  "ris_appointments": (APPOINTMENT_COLUMNS, [b for _, _, b, _ in rows]),
                  "rep_reports": (REPORT_COLUMNS, reports)}
        for table, (cols, data) in tables.items():
            path = tmp / f"{table}.csv"
            with open(path, "w", newline="") as f:
                csv.writer(f).writerows(data)
            os.chmod(path, 0o644)
            subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                            f"\\copy {table} ({', '.join(cols)}) FROM '{path}' WITH (FORMAT csv, NULL '\\N')"],
                           check=True)
        subprocess.run(["psql", url, "-q", "-c", "ANALYZE"], check=True)
    return time.perf_counter() - t0


def radiologist(node):
    subprocess.run([BUILD / "vireo", "user", "add", "reader", "--role", "radiologist", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=node.env, capture_output=True, check=True)
    out = subprocess.run([BUILD / "vireo", "token", "create", "reader", "--name", "bench"], env=node.env,
                         capture_output=True, text=True, check=True)
    return {"Authorization": "Bearer " + out.stdout.strip()}


def timed(node, headers, method, path, body=None, conn=None):
    saved = node.headers
    node.headers = headers
    try:
        data, elapsed = call(node, method, path, body, conn)
    finally:
        node.headers = saved
    return data, elapsed * 1000


def measure(node, rounds, signatures, tmp):
    reader = radiologist(node)
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=300)
    listing = []
    for i in range(rounds + 10):
        data, ms = timed(node, reader, "GET", "/api/reading", conn=conn)
        if i >= 10:
            listing.append(ms)
    total = data["total"]
    order, study = data["items"][0]["orderId"], data["items"][0]["appointment"]["studyInstanceUid"]
    timed(node, reader, "POST", f"/api/reading/{order}/claim", conn=conn)
    shown = store_key_images(node, [study], tmp)[study]
    autosave, revision = [], 0
    for i in range(rounds + 10):
        data, ms = timed(node, reader, "PUT", f"/api/reading/{order}/report", report_body(revision, shown), conn=conn)
        revision = data["report"]["revision"]
        if i >= 10:
            autosave.append(ms)
    signing, sizes = [], []
    items = timed(node, reader, "GET", "/api/reading?limit=200&offset=100", conn=conn)[0]["items"][:signatures + 2]
    keys = store_key_images(node, [i["appointment"]["studyInstanceUid"] for i in items], tmp)
    for item in items:
        order = item["orderId"]
        timed(node, reader, "POST", f"/api/reading/{order}/claim", conn=conn)
        data, _ = timed(node, reader, "PUT", f"/api/reading/{order}/report",
                        report_body(0, keys[item["appointment"]["studyInstanceUid"]]), conn=conn)
        data, ms = timed(node, reader, "POST", f"/api/reading/{order}/report/sign",
                         {"revision": data["report"]["revision"], "reauthentication": PASSWORD}, conn=conn)
        signing.append(ms)
        version = data["report"]["versions"][-1]["number"]
        c = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=60)
        c.request("GET", f"/api/reading/{order}/report/versions/{version}/pdf", headers=reader)
        sizes.append(len(c.getresponse().read()))
        c.close()
    conn.close()
    signing = signing[2:]  # the first ones make the clinic's CA and the radiologist's certificate
    return {"total": total, "listing": sorted(listing), "autosave": sorted(autosave), "signing": sorted(signing),
            "pdf_kb": sum(sizes) / len(sizes) / 1024}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exams", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--signatures", type=int, default=40)
    ap.add_argument("--write", help="Markdown file whose reporting-bench section is replaced")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("reporting_bench.py needs root (network namespace; PostgreSQL runs as the postgres user)")
    ensure_netns()
    in_namespace()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-reporting-", dir="/var/tmp"))
    os.chmod(tmp, 0o755)
    backends = Backends(tmp)
    nodes = {"SQLite": Node(tmp, "sqlite", {}, 11560, 18560),
             "PostgreSQL": Node(tmp, "postgresql", {"VIREO_DATABASE_URL": backends.fresh()["VIREO_DATABASE_URL"]},
                                11561, 18561)}
    results = {}
    try:
        for label, node in nodes.items():
            node.env["VIREO_CLINIC_TIME_ZONE"] = "UTC"
            filled = fill(node, label, args.exams, tmp)
            node.start()
            r = measure(node, args.rounds, args.signatures, tmp)
            node.stop()
            r["filled"] = filled
            results[label] = r
            print(f"== {label}: {r['total']} waiting; list p50 {pct(r['listing'], 50):.1f} p95 {pct(r['listing'], 95):.1f} ms; "
                  f"autosave p50 {pct(r['autosave'], 50):.1f} p95 {pct(r['autosave'], 95):.1f} ms; "
                  f"sign p50 {pct(r['signing'], 50):.0f} p95 {pct(r['signing'], 95):.0f} ms ({r['pdf_kb']:.0f} kB)",
                  flush=True)
    finally:
        for node in nodes.values():
            if getattr(node, "proc", None) and node.proc.poll() is None:
                node.stop()
        backends.stop()
        if not os.environ.get("VIREO_BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    s, p = results["SQLite"], results["PostgreSQL"]
    row = lambda name, key, fmt: f"| {name} | " + " | ".join(
        f"{pct(r[key], 50):{fmt}} / {pct(r[key], 95):{fmt}} ms" for r in (s, p)) + " |"
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `bench/reporting_bench.py --exams {args.exams} --rounds "
             f"{args.rounds} --signatures {args.signatures}` on this 2-core machine: {args.exams} exams waiting for "
             "their report on each engine (of 1,000 patients, each with two signed reports of a year before, "
             "counted on the worklist as prior reports), one node, plain HTTP on loopback, as a radiologist with a "
             "bearer token; "
             "PostgreSQL 15 (Debian, default settings).", "",
             "| p50 / p95 | SQLite | PostgreSQL |", "| --- | --- | --- |",
             row(f"the reading worklist's first page (50 of {s['total']})", "listing", ".1f"),
             row("autosave of a two-page report with two key images (PUT with its revision)", "autosave", ".1f"),
             row("Sign to the signed PDF stored (re-authentication by password, two key images drawn from the "
                 f"archive, layout, PAdES; {s['pdf_kb']:.0f} kB)",
                 "signing", ".0f")]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(Path(args.write), "reporting-bench", text)


if __name__ == "__main__":
    main()
