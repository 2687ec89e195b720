#!/usr/bin/env python3
"""Modality Worklist C-FIND side by side: Vireo's worklist SCP (served from the RIS's tables) and
Orthanc 1.10's ModalityWorklists plugin (Debian's `orthanc`, libModalityWorklists.so, serving one
worklist file per step, which it reads and matches all of at every query).

Both get the same scheduled procedure steps (default 10,000: the busy month of a large
department): `--rooms` rooms, each its scanner's AE title, open 08:00-20:00, the steps spread
over `--days` days from today (about 330 a day, some 17 per room), each for a patient of its own
with generated Spanish, Catalan and English names (bench/ris_bench.py's generator). Vireo gets
them by SQL straight into the tables it made (ris_patients, ris_orders 'scheduled',
ris_order_procedures, ris_appointments 'booked'; rooms and procedures through the API); Orthanc
gets them as .wl files (DICOM, written here) with the same Patient's Name, Patient ID, Accession
Number, Study Instance UID, Requested Procedure ID and Description, and the same Scheduled
Procedure Step (station AE, start date and time in the clinic's zone, UTC, modality, description).

Measured, with both servers up at once and the queries alternating between them (so that the
machine's drift falls on both alike), the same client and keys for both: each query over an
association of its own, as a scanner asks, timed end to end (connect, A-ASSOCIATE, C-FIND, every
answer received, release) by a small DICOM upper-layer client in this script, so that no process
start is timed (a `findscu` run costs ~90 ms before it sends anything, which would hide both
servers' own time):
  - a scanner's own list: ScheduledStationAETitle=<its AE> and ScheduledProcedureStepStartDate=
    <today>, the calling AE the scanner's;
  - a patient name prefix ("GARC*"-style prefixes of names in the set, a different one each query),
    without a date;
asking for a scanner's usual return keys (PatientName, PatientID, birth date, sex,
AccessionNumber, StudyInstanceUID, RequestedProcedureID and Description, ReferringPhysicianName,
and in the Scheduled Procedure Step Sequence the station AE, start date and time, modality,
description, step ID, station name). p50 / p95 / max per query kind and server, the server's CPU
per query, and the ratio of the p95s (the issue's goal: Orthanc's p95 at least 20x Vireo's). Every
distinct query is first run once on each server, untimed, by DCMTK's `findscu -W -X` (answers
written out and counted) and by the client: a warning is printed where the servers, or the two
clients, count different numbers of matches. A floor is measured too: Vireo asked for an
accession number that does not exist (association, one indexed look-up, release).

Everything runs in the private, loopback-only network namespace of the other benchmarks. Needs
root (network namespace, apt-get).

  bench/mwl_bench.py [--steps 10000] [--days 30] [--rooms 20] [--queries 50]
                     [--write docs/PERFORMANCE.md]
"""
import argparse
import datetime
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import ENV, ROOT, Orthanc, cpu_seconds, ensure_netns, ensure_orthanc, pct, popen, wait_port  # noqa: E402
from archive_bench import write_section  # noqa: E402
from backends_bench import Node  # noqa: E402
from dicomweb_bench import in_namespace  # noqa: E402
from ris_bench import COLUMNS as PATIENT_COLUMNS, patients  # noqa: E402
from schedule_bench import APPOINTMENT_COLUMNS, ORDER_COLUMNS, STAMP, admin_token, call, iso  # noqa: E402

# The department: rooms by modality (AE title, room name), one procedure per modality.
MODALITIES = ["CT"] * 5 + ["MR"] * 5 + ["US"] * 3 + ["DX"] * 3 + ["MG"] * 2 + ["NM", "XA"]
PROCEDURES = {"CT": ("CT-THX", "CT chest with contrast", 20), "MR": ("MR-KNEE", "MR knee", 30),
              "US": ("US-ABD", "US abdomen", 20), "DX": ("DX-CHEST", "Chest X-ray, two views", 10),
              "MG": ("MG-SCREEN", "Screening mammography", 15), "NM": ("NM-BONE", "Bone scintigraphy", 45),
              "XA": ("XA-CORO", "Coronary angiography", 60)}
REFERRING, REFERRING_KEY = "Dr. Marcus Welby", "MARCUS WELBY"
OPENS, CLOSES = 8 * 60, 20 * 60  # minutes of the day
VIREO_DICOM, VIREO_HTTP = 11560, 18560
ORTHANC_HTTP = 18562
MWL_FIND = "1.2.840.10008.5.1.4.31"


# ---------------------------------------------------------------------------------------------
# The steps, one description for both servers.

def rooms(n):
    """(AE title, room name, modality) of each room: CT01 'CT 1' CT, ..."""
    out, seen = [], {}
    for i in range(n):
        modality = MODALITIES[i % len(MODALITIES)]
        seen[modality] = seen.get(modality, 0) + 1
        out.append((f"{modality}{seen[modality]:02d}", f"{modality} {seen[modality]}", modality))
    return out


def steps(n, days, room_list, today, seed=5):
    """n scheduled steps over `days` days from today, each day's share spread over the rooms, and in
    each room evenly between opening and closing time (on five-minute marks). One dict per step;
    step i is for patient i + 1 of ris_bench.patients(n)."""
    rnd = random.Random(seed)
    people = list(patients(n))
    per_day = [sum(1 for i in range(n) if i * days // n == d) for d in range(days)]
    out, i = [], 0
    for day, count in enumerate(per_day):
        date = today + datetime.timedelta(days=day)
        slots = -(-count // len(room_list))  # the most exams a room has that day
        for k in range(count):
            ae, room_name, modality = room_list[k % len(room_list)]
            slot = k // len(room_list)
            minute = OPENS + (slot * (CLOSES - OPENS) // slots) // 5 * 5
            starts = datetime.datetime.combine(date, datetime.time(minute // 60, minute % 60))
            code, name, minutes = PROCEDURES[modality]
            p = people[i]
            out.append({
                "patient_row": p, "mrn": p[0], "issuer": p[1], "family": p[2], "given": p[3],
                "birth": p[10].replace("-", ""), "sex": p[11],
                "accession": f"MWL{i + 1:07d}", "study_uid": f"2.25.{uuid.UUID(int=rnd.getrandbits(128)).int}",
                "ae": ae, "room": k % len(room_list), "room_name": room_name, "modality": modality,
                "procedure": name, "code": code, "starts": starts, "ends": starts + datetime.timedelta(minutes=minutes),
                "appointment_id": i + 1,
            })
            i += 1
    return out


# ---------------------------------------------------------------------------------------------
# Vireo: rooms and procedures through the API, the rest by SQL into its SQLite file.

def fill_vireo(node, room_list, step_list):
    node.start()  # makes the tables
    admin_token(node)
    hours = [{"weekday": d, "opens": "08:00", "closes": "20:00"} for d in range(1, 8)]
    room_ids = [call(node, "POST", "/api/ris/rooms", {"name": name, "modality": modality, "aeTitle": ae,
                                                      "hours": hours})[0]["id"] for ae, name, modality in room_list]
    procedure_ids = {}
    for modality, (code, name, minutes) in PROCEDURES.items():
        procedure_ids[modality] = call(node, "POST", "/api/ris/procedures", {
            "code": code, "name": name, "modality": modality, "durationMinutes": minutes})[0]["id"]
    node.stop()
    t0 = time.perf_counter()
    ins = lambda table, cols: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    db = sqlite3.connect(node.dir / "index.sqlite")
    assert db.execute("SELECT COUNT(*) FROM ris_patients").fetchone()[0] == 0
    db.executemany(ins("ris_patients", PATIENT_COLUMNS), (s["patient_row"] for s in step_list))
    # Into empty tables: step i's patient, order and appointment all get the id i + 1.
    db.executemany(ins("ris_orders", ORDER_COLUMNS), (
        (s["appointment_id"], s["accession"], "routine", "Bench", "", REFERRING, "", "scheduled", "", 1, STAMP, "bench",
         STAMP, "bench", REFERRING_KEY, s["study_uid"]) for s in step_list))
    db.executemany(ins("ris_order_procedures", ["order_id", "position", "procedure_id"]),
                   ((s["appointment_id"], 0, procedure_ids[s["modality"]]) for s in step_list))
    db.executemany(ins("ris_appointments", APPOINTMENT_COLUMNS), (
        (s["appointment_id"], room_ids[s["room"]], iso(s["starts"]), iso(s["ends"]), iso(s["ends"]), 0, 0, "booked", "",
         "", 1, STAMP, "bench", STAMP, "bench") for s in step_list))
    db.commit()
    (last,) = db.execute("SELECT MAX(id) FROM ris_appointments").fetchone()
    assert last == len(step_list), "the tables were not empty"
    db.execute("ANALYZE")
    db.close()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# Orthanc: one worklist file per step, in Explicit VR Little Endian with a meta header (what
# DCMTK's dump2dcm writes), encoded here: 10,000 dump2dcm runs would take minutes.

LONG_VRS = {"OB", "OW", "OF", "SQ", "UT", "UN"}


def element(group, elem, vr, value, explicit=True):
    """One element, little endian; a sequence's items (encoded datasets) with explicit lengths."""
    if vr == "SQ":
        body = b"".join(struct.pack("<HHI", 0xFFFE, 0xE000, len(item)) + item for item in value)
    elif isinstance(value, bytes):
        body = value
    else:
        body = value.encode("ascii")
        if len(body) % 2:
            body += b"\0" if vr == "UI" else b" "
    head = struct.pack("<HH", group, elem)
    if not explicit:
        return head + struct.pack("<I", len(body)) + body
    head += vr.encode()
    return head + (struct.pack("<HI", 0, len(body)) if vr in LONG_VRS else struct.pack("<H", len(body))) + body


def dataset(elements, explicit=True):
    return b"".join(element(*e, explicit=explicit) for e in sorted(elements, key=lambda e: (e[0], e[1])))


def worklist_file(s):
    sps = dataset([
        (0x0008, 0x0060, "CS", s["modality"]),
        (0x0040, 0x0001, "AE", s["ae"]),
        (0x0040, 0x0002, "DA", s["starts"].strftime("%Y%m%d")),
        (0x0040, 0x0003, "TM", s["starts"].strftime("%H%M00")),
        (0x0040, 0x0006, "PN", ""),
        (0x0040, 0x0007, "LO", s["procedure"]),
        (0x0040, 0x0009, "SH", str(s["appointment_id"])),
        (0x0040, 0x0010, "SH", s["room_name"]),
        (0x0040, 0x0011, "SH", s["room_name"]),
        (0x0040, 0x0020, "CS", "SCHEDULED"),
    ])
    body = dataset([
        (0x0008, 0x0050, "SH", s["accession"]),
        (0x0008, 0x0090, "PN", REFERRING),
        (0x0010, 0x0010, "PN", f"{s['family']}^{s['given']}"),
        (0x0010, 0x0020, "LO", s["mrn"]),
        (0x0010, 0x0021, "LO", s["issuer"]),
        (0x0010, 0x0030, "DA", s["birth"]),
        (0x0010, 0x0040, "CS", s["sex"]),
        (0x0020, 0x000D, "UI", s["study_uid"]),
        (0x0032, 0x1060, "LO", s["procedure"]),
        (0x0040, 0x0100, "SQ", [sps]),
        (0x0040, 0x1001, "SH", s["accession"]),
        (0x0040, 0x1003, "SH", "ROUTINE"),
    ])
    meta = dataset([
        (0x0002, 0x0001, "OB", b"\0\1"),
        (0x0002, 0x0002, "UI", MWL_FIND),
        (0x0002, 0x0003, "UI", s["study_uid"]),
        (0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1"),
        (0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.2.1143.107.104.103.115"),
    ])
    return b"\0" * 128 + b"DICM" + element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))) + meta + body


def fill_worklists(folder, step_list):
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    for s in step_list:
        (folder / f"{s['accession']}.wl").write_bytes(worklist_file(s))
    return time.perf_counter() - t0


def plugin_path():
    """Where Debian's orthanc package put the ModalityWorklists plugin."""
    files = subprocess.run(["dpkg", "-L", "orthanc"], capture_output=True, text=True, check=True).stdout.split()
    found = [f for f in files if "libModalityWorklists.so" in f and Path(f).is_file()]
    if not found:
        sys.exit("Debian's orthanc package has no libModalityWorklists.so")
    return sorted(found, key=len)[0]


class WorklistOrthanc(Orthanc):
    """bench/archive_bench.py's Orthanc, with the ModalityWorklists plugin serving `folder`; every
    room's AE title is a known modality (Orthanc answers worklist queries only to those)."""

    def __init__(self, tmp, folder, room_list, plugin):
        self.dir = tmp / "orthanc"
        self.dir.mkdir()
        config = {
            "Name": "bench", "StorageDirectory": str(self.dir / "storage"), "IndexDirectory": str(self.dir / "index"),
            "DicomAet": self.aet, "DicomPort": self.port, "HttpPort": ORTHANC_HTTP, "RemoteAccessAllowed": True,
            "AuthenticationEnabled": False, "DicomCheckCalledAet": False, "Plugins": [plugin],
            "Worklists": {"Enable": True, "Database": str(folder)},
            "DicomModalities": {ae.lower(): [ae, "127.0.0.1", 104] for ae, _, _ in room_list},
        }
        (self.dir / "orthanc.json").write_text(json.dumps(config))
        self.log = open(tmp / "orthanc.log", "w")
        self.proc = popen("/usr/sbin/Orthanc", self.dir / "orthanc.json", stdout=self.log, stderr=self.log)
        wait_port(self.port)


# ---------------------------------------------------------------------------------------------
# The queries, and the client.

KEYS = {  # keyword: (group, element, VR)
    "PatientName": (0x0010, 0x0010, "PN"), "PatientID": (0x0010, 0x0020, "LO"),
    "PatientBirthDate": (0x0010, 0x0030, "DA"), "PatientSex": (0x0010, 0x0040, "CS"),
    "AccessionNumber": (0x0008, 0x0050, "SH"), "StudyInstanceUID": (0x0020, 0x000D, "UI"),
    "RequestedProcedureID": (0x0040, 0x1001, "SH"), "RequestedProcedureDescription": (0x0032, 0x1060, "LO"),
    "ReferringPhysicianName": (0x0008, 0x0090, "PN"),
    "ScheduledStationAETitle": (0x0040, 0x0001, "AE"), "ScheduledProcedureStepStartDate": (0x0040, 0x0002, "DA"),
    "ScheduledProcedureStepStartTime": (0x0040, 0x0003, "TM"), "Modality": (0x0008, 0x0060, "CS"),
    "ScheduledProcedureStepDescription": (0x0040, 0x0007, "LO"), "ScheduledProcedureStepID": (0x0040, 0x0009, "SH"),
    "ScheduledStationName": (0x0040, 0x0010, "SH"),
}
TOP_KEYS = ["PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyInstanceUID",
            "RequestedProcedureID", "RequestedProcedureDescription", "ReferringPhysicianName"]
STEP_KEYS = ["ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
             "Modality", "ScheduledProcedureStepDescription", "ScheduledProcedureStepID", "ScheduledStationName"]


def query_keys(match):
    """findscu -k arguments: the return keys, with the matching values in `match` (keyword -> value,
    the step's keys by their own keyword)."""
    args = []
    for k in TOP_KEYS:
        args += ["-k", f"{k}={match[k]}" if k in match else k]
    for k in STEP_KEYS:
        args += ["-k", f"(0040,0100)[0].{k}={match[k]}" if k in match else f"(0040,0100)[0].{k}"]
    return args


def identifier(match, explicit):
    """The same query as query_keys(), as an encoded C-FIND identifier."""
    sps = dataset([(*KEYS[k], match.get(k, "")) for k in STEP_KEYS], explicit)
    return dataset([(*KEYS[k], match.get(k, "")) for k in TOP_KEYS] + [(0x0040, 0x0100, "SQ", [sps])], explicit)


def make_queries(step_list, room_list, today, n, seed=11):
    """n queries of each kind: (kind, calling AE, matching keys)."""
    rnd = random.Random(seed)
    day = today.strftime("%Y%m%d")
    by_station = [("AE title + today", room_list[i % len(room_list)][0],
                   {"ScheduledStationAETitle": room_list[i % len(room_list)][0], "ScheduledProcedureStepStartDate": day})
                  for i in range(n)]
    prefixes, tries = [], 0
    while len(prefixes) < n and tries < 100 * n:  # distinct prefixes while there are enough
        tries += 1
        word = rnd.choice(step_list)["family"].split()[0].upper()
        prefix = word[:rnd.choice((3, 4, 5))] + "*"
        if prefix not in prefixes or tries > 50 * n:
            prefixes.append(prefix)
    by_name = [("patient name prefix", room_list[i % len(room_list)][0], {"PatientName": p})
               for i, p in enumerate(prefixes)]
    return by_station, by_name


def findscu(server, calling, match, out_dir):
    """One DCMTK findscu -W run, its answers written to out_dir: how many."""
    args = ["findscu", "-W", "-aet", calling, "-aec", server.aet, *query_keys(match), "-X", "-od", str(out_dir)]
    r = subprocess.run([*args, "127.0.0.1", str(server.port)], capture_output=True, text=True, errors="replace",
                       env=ENV)
    if r.returncode != 0 or re.search(r"^[EF]: ", r.stdout + r.stderr, re.M):
        raise RuntimeError(f"{server.name}: findscu {match} failed: {(r.stdout + r.stderr)[-1500:]}")
    return len(list(out_dir.glob("rsp*.dcm")))


# A scanner's side of the DICOM upper layer (PS3.8) and of C-FIND (PS3.7), as small as this needs:
# one association per query, one presentation context (the worklist model, Explicit or Implicit VR
# Little Endian), every answer received and counted, not decoded.
EXPLICIT, IMPLICIT = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"
APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1"
IMPLEMENTATION_UID = "1.2.826.0.1.3680043.10.1424.1"  # (any UID: it only names the client)
PENDING = (0xFF00, 0xFF01)


def pdu_item(kind, body):
    return struct.pack(">BBH", kind, 0, len(body)) + body


def associate_rq(called, calling):
    context = pdu_item(0x20, bytes([1, 0, 0, 0]) + pdu_item(0x30, MWL_FIND.encode())
                       + pdu_item(0x40, EXPLICIT.encode()) + pdu_item(0x40, IMPLICIT.encode()))
    user = pdu_item(0x50, pdu_item(0x51, struct.pack(">I", 131072)) + pdu_item(0x52, IMPLEMENTATION_UID.encode()))
    body = (struct.pack(">HH", 1, 0) + called.encode().ljust(16) + calling.encode().ljust(16) + bytes(32)
            + pdu_item(0x10, APPLICATION_CONTEXT.encode()) + context + user)
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


def find_rq(message_id):
    """The C-FIND-RQ command set (always Implicit VR Little Endian)."""
    uid = MWL_FIND.encode() + (b"\0" if len(MWL_FIND) % 2 else b"")
    us = lambda v: struct.pack("<H", v)
    body = b"".join(struct.pack("<HHI", 0, e, len(v)) + v for e, v in [
        (0x0002, uid), (0x0100, us(0x0020)), (0x0110, us(message_id)), (0x0700, us(0)), (0x0800, us(0x0000))])
    return struct.pack("<HHII", 0, 0, 4, len(body)) + body


def p_data(context, header, data):
    return struct.pack(">BBII", 0x04, 0, len(data) + 6, len(data) + 2) + bytes([context, header]) + data


def command_values(data):
    """CommandField, CommandDataSetType and Status of a command set."""
    out, i = {}, 0
    while i + 8 <= len(data):
        _, e, n = struct.unpack_from("<HHI", data, i)
        i += 8
        if e in (0x0100, 0x0800, 0x0900) and n == 2:
            out[e] = struct.unpack_from("<H", data, i)[0]
        i += n
    return out


def mwl_find(port, called, calling, match):
    """One C-FIND in the worklist model over an association of its own: (milliseconds from connect
    to the release's answer, matches)."""
    t0 = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port), timeout=600)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb", buffering=1 << 16)

        def pdu():
            head = stream.read(6)
            if len(head) < 6:
                raise RuntimeError(f"{called}: connection closed")
            kind, _, length = struct.unpack(">BBI", head)
            return kind, stream.read(length)

        sock.sendall(associate_rq(called, calling))
        kind, body = pdu()
        if kind != 0x02:
            raise RuntimeError(f"{called}: association refused (PDU type {kind:#x})")
        syntax, i = None, 68
        while i + 4 <= len(body):  # A-ASSOCIATE-AC items: the presentation context's result
            t, _, n = struct.unpack_from(">BBH", body, i)
            if t == 0x21 and body[i + 6] == 0:
                syntax = body[i + 12:i + 4 + n].rstrip(b"\0").decode()
            i += 4 + n
        if syntax not in (EXPLICIT, IMPLICIT):
            raise RuntimeError(f"{called}: the worklist model was not accepted")
        sock.sendall(p_data(1, 0x03, find_rq(1)) + p_data(1, 0x02, identifier(match, syntax == EXPLICIT)))
        matches, command, done = 0, b"", False
        while not done:
            kind, body = pdu()
            if kind != 0x04:
                raise RuntimeError(f"{called}: PDU type {kind:#x} during the C-FIND")
            i = 0
            while i < len(body):
                n, header = struct.unpack_from(">IxB", body, i)
                data = body[i + 6:i + 4 + n]
                i += 4 + n
                if not header & 1:
                    continue  # an answer's identifier (counted by its command)
                command += data
                if header & 2:
                    values, command = command_values(command), b""
                    status = values.get(0x0900)
                    if status in PENDING:
                        matches += values.get(0x0800) != 0x0101
                    elif status == 0x0000:
                        done = True
                    else:
                        raise RuntimeError(f"{called}: C-FIND status {status:#06x} for {match}")
        sock.sendall(struct.pack(">BBI", 0x05, 0, 4) + bytes(4))
        if pdu()[0] != 0x06:
            raise RuntimeError(f"{called}: no A-RELEASE-RP")
    finally:
        sock.close()
    return (time.perf_counter() - t0) * 1000, matches


def count_matches(servers, queries, tmp):
    """Every distinct query once on each server, untimed (the warm-up too), by findscu, its answers
    written and counted, and by mwl_find(). {(kind, match): {server name: matches}}; a warning
    where the two clients disagree."""
    counts = {}
    for kind, calling, match in queries:
        key = (kind, json.dumps(match, sort_keys=True))
        if key in counts:
            continue
        counts[key] = {}
        for server in servers:
            out = tmp / "answers"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            counts[key][server.name] = findscu(server, calling, match, out)
            _, ours = mwl_find(server.port, server.aet, calling, match)
            if ours != counts[key][server.name]:
                print(f"WARNING: {server.name} {kind} {match}: findscu got {counts[key][server.name]} answers, "
                      f"the bench's client {ours}", flush=True)
    shutil.rmtree(tmp / "answers", ignore_errors=True)
    return counts


def measure(servers, queries):
    """Each query timed on both servers in turn, the order alternating; per kind and server the
    sorted milliseconds and the server's CPU milliseconds per query."""
    ms = {s.name: {} for s in servers}
    cpu = {s.name: {} for s in servers}
    for i, (kind, calling, match) in enumerate(queries):
        for server in (servers if i % 2 == 0 else list(reversed(servers))):
            c0 = cpu_seconds(server.pid())
            elapsed, _ = mwl_find(server.port, server.aet, calling, match)
            cpu[server.name].setdefault(kind, []).append(1000 * (cpu_seconds(server.pid()) - c0))
            ms[server.name].setdefault(kind, []).append(elapsed)
    return ({name: {k: sorted(v) for k, v in kinds.items()} for name, kinds in ms.items()},
            {name: {k: sum(v) / len(v) for k, v in kinds.items()} for name, kinds in cpu.items()})


# ---------------------------------------------------------------------------------------------

def report(res, args, today):
    v, o = res["ms"]["Vireo"], res["ms"]["Orthanc"]
    fmt = lambda xs: f"{pct(xs, 50):.1f} / {pct(xs, 95):.1f} / {max(xs):.1f} ms"
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/mwl_bench.py --steps {args.steps} --days {args.days} --rooms "
        f"{args.rooms} --queries {args.queries}` on this {os.cpu_count()}-core machine: {args.steps} scheduled steps "
        f"over {args.days} days from today in {args.rooms} rooms (one AE title each, 08:00-20:00), each for a patient "
        f"of its own; Vireo from its RIS tables (SQLite), Orthanc 1.10.1 (Debian) with its ModalityWorklists plugin "
        f"reading {args.steps} .wl files; both up at once in one loopback-only network namespace, the queries "
        f"alternating between them, each over an association of its own timed end to end (connect, association, "
        f"C-FIND, every answer received, release) by the bench's own client (no process start per query), "
        f"{args.queries} queries of each kind per server.",
        "",
        "| query | matches (mean) | Vireo p50 / p95 / max | Orthanc p50 / p95 / max | server CPU per query, Vireo / "
        "Orthanc | Orthanc p95 / Vireo p95 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind in v:
        counts = [c["Vireo"] for (k, _), c in res["counts"].items() if k == kind]
        ratio = pct(o[kind], 95) / pct(v[kind], 95)
        lines.append(f"| {kind} | {sum(counts) / len(counts):.0f} | {fmt(v[kind])} | {fmt(o[kind])} | "
                     f"{res['cpu']['Vireo'][kind]:.1f} / {res['cpu']['Orthanc'][kind]:.0f} ms | {ratio:.1f}× |")
    f = res["floor"]
    lines.append(f"| floor: Vireo asked for an accession number that does not exist | 0 | {fmt(f)} | | | |")
    lines += ["", f"Filling: Vireo's tables by SQL in {res['fill_vireo']:.1f} s; the {args.steps} worklist files "
              f"written in {res['fill_orthanc']:.1f} s. Matches compared query by query: "
              + (f"{len(res['mismatches'])} of {len(res['counts'])} distinct queries differ (see the run's output)."
                 if res["mismatches"] else f"the same on both servers for all {len(res['counts'])} distinct queries.")]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--rooms", type=int, default=20)
    ap.add_argument("--queries", type=int, default=50, help="timed queries of each kind per server")
    ap.add_argument("--write", help="Markdown file whose mwl-bench section is replaced with the results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("mwl_bench.py needs root (network namespace, apt-get)")
    ensure_orthanc()
    plugin = plugin_path()
    ensure_netns()
    in_namespace()
    today = datetime.datetime.now(datetime.timezone.utc).date()  # the clinic's zone is UTC
    room_list = rooms(args.rooms)
    step_list = steps(args.steps, args.days, room_list, today)
    tmp = Path(tempfile.mkdtemp(prefix="vireo-mwl-", dir="/var/tmp"))
    vireo = Node(tmp, "vireo", {"VIREO_CLINIC_TIME_ZONE": "UTC"}, VIREO_DICOM, VIREO_HTTP)
    vireo.name = "Vireo"
    orthanc, res = None, {}
    try:
        res["fill_vireo"] = fill_vireo(vireo, room_list, step_list)
        res["fill_orthanc"] = fill_worklists(tmp / "worklists", step_list)
        print(f"== {args.steps} steps over {args.days} days in {args.rooms} rooms; Vireo's tables filled in "
              f"{res['fill_vireo']:.1f} s, Orthanc's worklist files written in {res['fill_orthanc']:.1f} s", flush=True)
        vireo.start()
        orthanc = WorklistOrthanc(tmp, tmp / "worklists", room_list, plugin)
        servers = [vireo, orthanc]
        by_station, by_name = make_queries(step_list, room_list, today, args.queries)
        queries = [q for pair in zip(by_station, by_name) for q in pair]
        t0 = time.perf_counter()
        res["counts"] = count_matches(servers, queries, tmp)
        res["mismatches"] = {k: c for k, c in res["counts"].items() if c["Vireo"] != c["Orthanc"]}
        for (kind, match), c in res["mismatches"].items():
            print(f"WARNING: {kind} {match}: Vireo {c['Vireo']} matches, Orthanc {c['Orthanc']}", flush=True)
        print(f"   {len(res['counts'])} distinct queries run once on each (answers counted) in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
        res["ms"], res["cpu"] = measure(servers, queries)
        res["floor"] = sorted(mwl_find(vireo.port, vireo.aet, room_list[0][0], {"AccessionNumber": "NOSUCH"})[0]
                              for _ in range(20))
        for name, kinds in res["ms"].items():
            for kind, ms in kinds.items():
                print(f"   {name} {kind}: p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms, "
                      f"server CPU {res['cpu'][name][kind]:.1f} ms per query", flush=True)
    finally:
        for server in (vireo, orthanc):
            if server is not None and getattr(server, "proc", None) and server.proc.poll() is None:
                server.stop()
        vireo.log.flush()
        log = (tmp / "vireo.log").read_text(errors="replace")
        if "error" in log.lower() or "more than" in log:
            print(log[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
    if datetime.datetime.now(datetime.timezone.utc).date() != today:
        print("WARNING: the run crossed midnight UTC: the servers' today changed under the queries", flush=True)
    text = report(res, args, today)
    print(text)
    goal = all(pct(res["ms"]["Orthanc"][k], 95) >= 20 * pct(res["ms"]["Vireo"][k], 95) for k in res["ms"]["Vireo"])
    print(f"goal (Orthanc p95 at least 20x Vireo's for both kinds): {'met' if goal else 'NOT met'}")
    if args.write:
        write_section(ROOT / args.write, "mwl-bench", text)


if __name__ == "__main__":
    main()
