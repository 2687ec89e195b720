#!/usr/bin/env python3
"""The appointment book at size, on SQLite and on PostgreSQL side by side.

Each engine gets a clinic of 100 rooms (10 CT rooms, 90 others) open 08:00-20:00 every day, a
million patients and five million appointments (with their orders): three years of past exams,
four thousand eight hundred a day, and the coming week half booked in the CT rooms. They are
loaded by SQL straight into the tables the server made (five million bookings through the API
would take days and measure the form); the measured work goes through the API:

- a week of free times for a CT order, in all 10 CT rooms at once (GET /api/ris/slots?days=7),
  the reception's first question for every booking (goal: under 50 ms);
- booking throughput: 8 clients booking at once (each its own connection, its own room, the free
  times of the week), POST /api/ris/appointments: bookings a second and their latency;
- a change on the technicians' open worklists, in real browsers (bench/worklist_bench.mjs): today's
  exams of one room checked in one by one through the API, each timed to the frame in which every
  open exams list shows it; on PostgreSQL the check-ins go to one node and the browsers to another.

Needs root (network namespace; PostgreSQL runs as the postgres user).

  bench/schedule_bench.py [--patients 1000000] [--appointments 5000000] [--exams 60] [--browsers 2]
                          [--write docs/PERFORMANCE.md]
"""
import argparse
import csv
import datetime
import http.client
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import ROOT, ensure_netns, pct, write_section  # noqa: E402
from archive_bench import BUILD  # noqa: E402
from backends_bench import Backends, Node  # noqa: E402
from dicomweb_bench import in_namespace  # noqa: E402
from ris_bench import COLUMNS as PATIENT_COLUMNS, patients  # noqa: E402

ROOMS, CT_ROOMS, SLOTS_A_DAY = 100, 10, 48  # 08:00-20:00, 15 minutes each
ORDER_COLUMNS = ("patient_id accession_number priority reason clinical_info referring_physician requesting_department "
                 "status cancel_reason version created_at created_by updated_at updated_by referring_key study_uid").split()
APPOINTMENT_COLUMNS = ("order_id room_id starts_at ends_at busy_until radiologist_id technician_id status cancel_reason "
                       "arrived_at version created_at created_by updated_at updated_by").split()
STAMP = "2026-01-01T00:00:00Z"
TECH_PASSWORD = "Worklist-Bench-Figures-2026!"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def call(node, method, path, body=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=300)
    headers = dict(node.headers, **({"Content-Type": "application/json"} if body is not None else {}))
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = conn.getresponse()
    data = r.read()
    elapsed = time.perf_counter() - t0
    if own:
        conn.close()
    if r.status not in (200, 201):
        raise RuntimeError(f"{node.name} {method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data), elapsed


def admin_token(node):
    """The bench acts as an administrator (rooms, the catalogue, patients, orders, bookings)."""
    subprocess.run([BUILD / "vireo", "user", "add", "benchadmin", "--role", "admin"], env=node.env, capture_output=True)
    out = subprocess.run([BUILD / "vireo", "token", "create", "benchadmin", "--name", "bench"], env=node.env,
                         capture_output=True, text=True, check=True)
    node.headers = {"Authorization": "Bearer " + out.stdout.strip()}


def book_rows(appointments, tomorrow, procedure):
    """(orders, order_procedures, appointments) rows: the past, then the coming week half booked."""
    rnd = random.Random(3)
    week = [(room, day, j) for day in range(7) for room in range(1, CT_ROOMS + 1) for j in range(0, SLOTS_A_DAY, 2)]
    past = appointments - len(week)
    days_back = past // (ROOMS * SLOTS_A_DAY) + 1
    start = tomorrow - datetime.timedelta(days=days_back + 1)
    for i in range(appointments):
        if i < past:
            day, rest = divmod(i, ROOMS * SLOTS_A_DAY)
            room, j = divmod(rest, SLOTS_A_DAY)
            room += 1
            when = start + datetime.timedelta(days=day)
            status, order_status = "arrived", "acquired"
        else:
            room, day, j = week[i - past]
            when = tomorrow + datetime.timedelta(days=day)
            status, order_status = "booked", "scheduled"
        begins = when + datetime.timedelta(hours=8, minutes=15 * j)
        ends = begins + datetime.timedelta(minutes=15)
        order = (rnd.randint(1, 1000000), f"X{i + 1:010d}", "routine", "Bench", "", "Dr. Marcus Welby", "",
                 order_status, "", 1, STAMP, "bench", STAMP, "bench", "MARCUS WELBY", f"2.25.{i + 1}")
        appointment = (i + 1, room, iso(begins), iso(ends), iso(ends), 0, 0, status, "",
                       iso(begins) if status == "arrived" else "", 1, STAMP, "bench", STAMP, "bench")
        yield order, (i + 1, 0, procedure), appointment


def fill(node, label, n_patients, n_appointments, tomorrow, tmp):
    node.start()
    admin_token(node)
    hours = [{"weekday": d, "opens": "08:00", "closes": "20:00"} for d in range(1, 8)]
    for r in range(ROOMS):
        call(node, "POST", "/api/ris/rooms", {"name": f"{'CT' if r < CT_ROOMS else 'MR'} {r + 1}",
                                              "modality": "CT" if r < CT_ROOMS else "MR", "hours": hours})
    procedure, _ = call(node, "POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                              "durationMinutes": 15})
    node.stop()
    t0 = time.perf_counter()
    ins = lambda table, cols: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    if label == "SQLite":
        db = sqlite3.connect(node.dir / "index.sqlite")
        db.executemany(ins("ris_patients", PATIENT_COLUMNS), patients(n_patients))
        orders, steps, books = [], [], []
        for o, s, a in book_rows(n_appointments, tomorrow, procedure["id"]):
            orders.append(o)
            steps.append(s)
            books.append(a)
            if len(orders) == 200000:
                db.executemany(ins("ris_orders", ORDER_COLUMNS), orders)
                db.executemany(ins("ris_order_procedures", ["order_id", "position", "procedure_id"]), steps)
                db.executemany(ins("ris_appointments", APPOINTMENT_COLUMNS), books)
                orders, steps, books = [], [], []
        db.executemany(ins("ris_orders", ORDER_COLUMNS), orders)
        db.executemany(ins("ris_order_procedures", ["order_id", "position", "procedure_id"]), steps)
        db.executemany(ins("ris_appointments", APPOINTMENT_COLUMNS), books)
        db.commit()
        db.execute("ANALYZE")
        db.close()
    else:
        url = node.env["VIREO_DATABASE_URL"]
        files = {name: tmp / f"{name}.csv" for name in ("patients", "orders", "steps", "books")}
        with open(files["patients"], "w", newline="") as f:
            csv.writer(f).writerows(patients(n_patients))
        with open(files["orders"], "w", newline="") as fo, open(files["steps"], "w", newline="") as fs, \
                open(files["books"], "w", newline="") as fb:
            wo, ws, wb = csv.writer(fo), csv.writer(fs), csv.writer(fb)
            for o, s, a in book_rows(n_appointments, tomorrow, procedure["id"]):
                wo.writerow(o)
                ws.writerow(s)
                wb.writerow(a)
        for name, (table, cols) in {"patients": ("ris_patients", PATIENT_COLUMNS),
                                    "orders": ("ris_orders", ORDER_COLUMNS),
                                    "steps": ("ris_order_procedures", ["order_id", "position", "procedure_id"]),
                                    "books": ("ris_appointments", APPOINTMENT_COLUMNS)}.items():
            os.chmod(files[name], 0o644)
            subprocess.run(["psql", url, "-q", "-c", f"\\copy {table} ({', '.join(cols)}) FROM '{files[name]}' "
                            "WITH (FORMAT csv, NULL '\\N')"], check=True)
            files[name].unlink()
        # The rows were given their ids: the sequences go past them.
        for table in ("ris_patients", "ris_orders", "ris_appointments"):
            subprocess.run(["psql", url, "-q", "-c", f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT MAX(id) FROM {table}))"], check=True, capture_output=True)
        subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)
    return procedure["id"], time.perf_counter() - t0


def orders_for(node, procedure, n):
    """n orders, each of a patient of its own (one patient cannot be in two rooms at once)."""
    out = []
    for i in range(n):
        patient, _ = call(node, "POST", "/api/ris/patients", {"familyName": f"Bench{i}", "givenName": "Ana",
                                                              "birthDate": "1970-01-01", "sex": "F", "confirmedNew": True})
        out.append(call(node, "POST", "/api/ris/orders", {"patientId": patient["id"], "procedureIds": [procedure],
                                                          "reason": "Bench"})[0]["id"])
    return out


def free_week(node, order, tomorrow, rounds):
    conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=300)
    times, windows = [], 0
    for _ in range(rounds):
        body, elapsed = call(node, "GET", f"/api/ris/slots?order={order}&from={tomorrow:%Y-%m-%d}&days=7", conn=conn)
        times.append(elapsed * 1000)
        windows = len(body["windows"])
    return sorted(times), windows


def booking_throughput(node, orders, tomorrow, clients=8):
    """Each client books its own room's free times of the week (the odd quarter hours), one after
    another, over its own connection."""
    rooms = call(node, "GET", "/api/ris/rooms")[0]["rooms"]
    ct = sorted((r["id"] for r in rooms if r["modality"] == "CT"))
    per = len(orders) // clients
    latencies, refused = [], []
    lock = threading.Lock()

    def client(k):
        conn = http.client.HTTPConnection("127.0.0.1", node.http_port, timeout=300)
        mine, slots = orders[k * per:(k + 1) * per], [(d, j) for d in range(7) for j in range(1, SLOTS_A_DAY, 2)]
        for order, (day, j) in zip(mine, slots):
            at = tomorrow + datetime.timedelta(days=day, hours=8, minutes=15 * j)
            try:
                _, elapsed = call(node, "POST", "/api/ris/appointments",
                                  {"orderId": order, "roomId": ct[k], "startsAt": iso(at)}, conn=conn)
                with lock:
                    latencies.append(elapsed * 1000)
            except RuntimeError as e:
                with lock:
                    refused.append(str(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return len(latencies) / wall, sorted(latencies), refused


def todays_exams(node, n):
    """Up to n five-minute exams booked from now on in a room open round the clock (so that there is
    a day's list to check in at whatever hour the bench runs), the rest of today's being full."""
    every_hour = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
    room, _ = call(node, "POST", "/api/ris/rooms", {"name": "CT 24h", "modality": "CT", "hours": every_hour})
    quick, _ = call(node, "POST", "/api/ris/procedures", {"code": "CT-QUICK", "name": "CT quick", "modality": "CT",
                                                          "durationMinutes": 5})
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    start = now - datetime.timedelta(minutes=now.minute % 5) + datetime.timedelta(minutes=10)
    booked = []
    for i, order in enumerate(orders_for(node, quick["id"], n)):
        at = start + datetime.timedelta(minutes=5 * i)
        if at.date() != now.date():
            break
        a, _ = call(node, "POST", "/api/ris/appointments", {"orderId": order, "roomId": room["id"], "startsAt": iso(at)})
        booked.append({"id": a["id"], "version": a["version"], "accession": a["accessionNumber"]})
    return room["id"], booked


def worklist_in_browsers(writer, reader, n, browsers):
    """bench/worklist_bench.mjs: today's exams of a room checked in through `writer`'s API, watched
    in `browsers` Chromium browsers signed in as a technician on `reader`; and the list's own read."""
    room, exams = todays_exams(writer, n)
    if len(exams) < min(10, n):
        raise RuntimeError(f"only {len(exams)} exams fit before midnight UTC: run the bench earlier in the day")
    subprocess.run([BUILD / "vireo", "user", "add", "benchtech", "--role", "technician", "--password-stdin"],
                   env=writer.env, input=TECH_PASSWORD + "\n", text=True, capture_output=True, check=True)
    env = dict(os.environ, VIREO_READ_URL=f"http://127.0.0.1:{reader.http_port}",
               VIREO_WRITE_URL=f"http://127.0.0.1:{writer.http_port}",
               VIREO_TOKEN=writer.headers["Authorization"].split(" ", 1)[1], VIREO_TECH_USER="benchtech",
               VIREO_TECH_PASSWORD=TECH_PASSWORD, VIREO_ROOM=str(room), VIREO_EXAMS=json.dumps(exams),
               VIREO_BROWSERS=str(browsers))
    r = subprocess.run(["node", ROOT / "bench" / "worklist_bench.mjs"], capture_output=True, text=True, env=env,
                       timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.stdout + r.stderr)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    conn = http.client.HTTPConnection("127.0.0.1", reader.http_port, timeout=300)
    reader.headers = writer.headers
    today = datetime.datetime.now(datetime.timezone.utc).date()
    reads = sorted(call(reader, "GET", f"/api/ris/worklist?day={today}&room={room}", conn=conn)[1] * 1000
                   for _ in range(40))
    return {"exams": len(exams), "shown": sorted(out["shown"]), "slowest": sorted(out["slowest"]),
            "answered": sorted(out["answered"]),
            "rows": out["rows"], "reads": reads}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=1000000)
    ap.add_argument("--appointments", type=int, default=5000000)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--bookings", type=int, default=400, help="in all, shared by the 8 clients")
    ap.add_argument("--exams", type=int, default=60, help="check-ins watched in the browsers")
    ap.add_argument("--browsers", type=int, default=2, help="technicians' browsers with the list open")
    ap.add_argument("--write", help="Markdown file whose schedule-bench and worklist-bench sections are replaced")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("schedule_bench.py needs root (network namespace; PostgreSQL runs as the postgres user)")
    ensure_netns()
    in_namespace()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-schedule-", dir="/var/tmp"))
    os.chmod(tmp, 0o755)
    backends = Backends(tmp)
    nodes = {"SQLite": Node(tmp, "sqlite", {}, 11550, 18550),
             "PostgreSQL": Node(tmp, "postgresql", {"VIREO_DATABASE_URL": backends.fresh()["VIREO_DATABASE_URL"]},
                                11551, 18551)}
    for node in nodes.values():
        node.env["VIREO_CLINIC_TIME_ZONE"] = "UTC"
    tomorrow = datetime.datetime.combine(datetime.date.today() + datetime.timedelta(days=1), datetime.time(0, 0))
    results = {}
    try:
        for label, node in nodes.items():
            procedure, filled = fill(node, label, args.patients, args.appointments, tomorrow, tmp)
            print(f"== {label}: {args.patients} patients, {args.appointments} appointments in {filled:.0f} s", flush=True)
            node.start()
            admin_token(node)
            orders = orders_for(node, procedure, args.bookings + 1)
            free_week(node, orders[0], tomorrow, 5)  # warm
            slots, windows = free_week(node, orders[0], tomorrow, args.rounds)
            rate, latencies, refused = booking_throughput(node, orders[1:], tomorrow)
            reader = node
            if label == "PostgreSQL":
                reader = Node(tmp, "PostgreSQL-B", {"VIREO_DATABASE_URL": node.env["VIREO_DATABASE_URL"],
                                                    "VIREO_CLINIC_TIME_ZONE": "UTC"}, 11552, 18552).start()
            try:
                worklist = worklist_in_browsers(node, reader, args.exams, args.browsers)
            finally:
                if reader is not node:
                    reader.stop()
            node.stop()
            results[label] = {"filled": filled, "slots": slots, "windows": windows, "rate": rate,
                              "latencies": latencies, "refused": refused, "worklist": worklist}
            w = worklist
            print(f"   worklist: {w['exams']} check-ins x {args.browsers} browsers, shown p50 {pct(w['shown'], 50):.0f} ms, "
                  f"p95 {pct(w['shown'], 95):.0f} ms, max {max(w['shown']):.0f} ms", flush=True)
            print(f"   free week: p50 {pct(slots, 50):.1f} ms, p95 {pct(slots, 95):.1f} ms ({windows} windows); "
                  f"booking: {rate:.0f}/s, p95 {pct(latencies, 95):.1f} ms, {len(refused)} refused", flush=True)
            if refused:
                print("   first refusal:", refused[0], flush=True)
    finally:
        for node in nodes.values():
            if getattr(node, "proc", None) and node.proc.poll() is None:
                node.stop()
        backends.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    s, p = results["SQLite"], results["PostgreSQL"]
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `bench/schedule_bench.py --patients {args.patients} "
             f"--appointments {args.appointments}` on this 2-core machine: {ROOMS} rooms ({CT_ROOMS} CT) open 08:00-20:00, "
             f"{args.patients} patients and {args.appointments} appointments with their orders on each engine (the "
             f"coming week half booked in the CT rooms), one node at a time, plain HTTP on loopback; PostgreSQL 15 "
             f"(Debian, default settings).", "",
             "| | SQLite | PostgreSQL |", "| --- | --- | --- |",
             f"| a week of free times, 10 CT rooms, p50 / p95 ({s['windows']} windows) | {pct(s['slots'], 50):.1f} / "
             f"{pct(s['slots'], 95):.1f} ms | {pct(p['slots'], 50):.1f} / {pct(p['slots'], 95):.1f} ms |",
             f"| bookings a second, 8 clients at once | {s['rate']:.0f} | {p['rate']:.0f} |",
             f"| a booking's latency meanwhile, p50 / p95 | {pct(s['latencies'], 50):.1f} / {pct(s['latencies'], 95):.1f} ms "
             f"| {pct(p['latencies'], 50):.1f} / {pct(p['latencies'], 95):.1f} ms |",
             f"| bookings refused (should be none) | {len(s['refused'])} | {len(p['refused'])} |",
             f"| filling the tables (SQL, not the API) | {s['filled']:.0f} s | {p['filled']:.0f} s |"]
    text = "\n".join(lines)
    print(text)
    sw, pw = s["worklist"], p["worklist"]
    ms = lambda v: f"{pct(v, 50):.0f} / {pct(v, 95):.0f} / {max(v):.0f} ms"
    read = lambda v: f"{pct(v, 50):.1f} / {pct(v, 95):.1f} ms"
    worklist = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/schedule_bench.py --patients {args.patients} --appointments "
        f"{args.appointments} --exams {args.exams} --browsers {args.browsers}` on this 2-core machine, on the same "
        f"filled databases as above: {args.browsers} headless Chromium browsers (playwright-core), each signed in as a "
        f"technician with the exams list of one room open ({sw['rows']} exams today); each check-in sent through the "
        "API (plain HTTP on loopback) and timed in each browser, from just before the request to the first animation "
        "frame callback after the row says arrived (the frame about to be painted); each browser's time is one sample. "
        "The browsers, the server and the database share the two cores.", "",
        "| | SQLite, one node | PostgreSQL, check-in on node A, browsers on node B |", "| --- | --- | --- |",
        f"| check-ins × browsers | {sw['exams']} × {args.browsers} | {pw['exams']} × {args.browsers} |",
        f"| the change shown in the browser, p50 / p95 / max | {ms(sw['shown'])} | {ms(pw['shown'])} |",
        f"| the same, the slower browser of each check-in | {ms(sw['slowest'])} | {ms(pw['slowest'])} |",
        f"| the check-in answered, p50 / p95 / max | {ms(sw['answered'])} | {ms(pw['answered'])} |",
        f"| the day's list read again (GET /api/ris/worklist), p50 / p95 | {read(sw['reads'])} | {read(pw['reads'])} |"])
    print(worklist)
    if args.write:
        write_section(ROOT / args.write, "schedule-bench", text)
        write_section(ROOT / args.write, "worklist-bench", worklist)


if __name__ == "__main__":
    main()
