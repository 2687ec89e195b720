"""The scanner's side of the RIS as a modality lives it: the RIS books and checks in patients;
DCMTK's findscu (as the modality) asks for its room's steps of today by AE title and date, and by
name, patient and accession, and gets every key of PS3.4 Table K.6-1 it asks for; a second,
independent peer (dcmjs-dimse) asks the same worklist and reports the procedure step (MPPS
N-CREATE IN PROGRESS, N-SET COMPLETED or DISCONTINUED), and the order follows. Malformed
identifiers get A900, bad MPPS the N-service statuses, nothing changes, and the association
keeps working."""
import datetime
import json
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid
import zoneinfo
from pathlib import Path

from harness import ROOT, TESTDATA, Server
import test_ris
from test_ris import daytime_zone, local_time

# PS3.4 Table K.6-1: the return keys of type 1 and 2 (and the 1C/2C ones Vireo fills), asked for
# empty. Top level, then inside the Scheduled Procedure Step Sequence's item.
TOP_KEYS = ["SpecificCharacterSet", "AccessionNumber", "ReferringPhysicianName", "PatientName", "PatientID",
            "IssuerOfPatientID", "PatientBirthDate", "PatientSex", "PatientWeight", "MedicalAlerts", "Allergies",
            "PregnancyStatus", "SpecialNeeds", "PatientState", "ConfidentialityConstraintOnPatientDataDescription",
            "StudyInstanceUID", "RequestingPhysician", "RequestedProcedureDescription", "AdmissionID",
            "CurrentPatientLocation", "RequestedProcedureID", "RequestedProcedurePriority",
            "PatientTransportArrangements", "ReasonForTheRequestedProcedure"]
STEP_KEYS = ["ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
             "Modality", "ScheduledPerformingPhysicianName", "ScheduledProcedureStepDescription",
             "ScheduledProcedureStepID", "ScheduledStationName", "ScheduledProcedureStepLocation", "PreMedication",
             "RequestedContrastAgent", "ScheduledProcedureStepStatus"]
# Type 1 keys: present with a value in every answer (the others may be present and empty).
TYPE1_TOP = {"PatientName", "PatientID", "StudyInstanceUID", "RequestedProcedureID"}
TYPE1_STEP = {"ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
              "Modality", "ScheduledProcedureStepID", "ScheduledProcedureStepDescription"}

WEB = ROOT / "web"
MPPS = "1.2.840.10008.3.1.2.3.3"

# Longer than one LO value (64 characters) and on two lines, as typed at the desk.
ALLERGIES = ("Iodinated contrast: hives and wheezing after a CT in 2019\n"
             "Penicillin: rash; latex gloves cause contact dermatitis of the hands")

LINE = re.compile(r"^(\s*)\((\w{4}),(\w{4})\) (\w\w) (.*?)\s+#.*?\s(\w+)\s*$")


def parse_dump(text):
    """dcmdump's output as nested dicts: name -> value, a sequence -> list of dicts."""
    root, stack = {}, []  # stack of (indent, dict)
    current = root
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        indent, group, element, vr, raw, name = len(m.group(1)), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
        while stack and indent <= stack[-1][0]:
            stack.pop()
        current = stack[-1][1] if stack else root
        if (group, element) == ("fffe", "e000"):  # an item of the sequence above
            item = {}
            current.setdefault("__items__", []).append(item)
            stack.append((indent, item))
            continue
        if group == "fffe":
            continue
        if vr == "SQ":
            seq = {"__items__": []}
            current[name] = seq
            stack.append((indent, seq))
            continue
        value = raw[raw.index("[") + 1:raw.rindex("]")] if raw.startswith("[") else ("" if "no value" in raw else raw)
        current[name] = value
    return root


def items(seq):
    return seq["__items__"] if isinstance(seq, dict) else []


class ScannerServer(unittest.TestCase):
    """A clinic where it is day, two CT rooms with their scanners' AE titles, two procedures."""

    EXTRA_ENV = {}  # more of the server's settings, for a subclass

    @classmethod
    def setUpClass(cls):
        cls.zone = daytime_zone()
        cls.server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": cls.zone, **cls.EXTRA_ENV}).start()
        cls.server.add_user("rosa", "receptionist")
        cls.server.add_user("tomas", "technician")
        cls.reception = cls.server.create_token("rosa")
        cls.technician = cls.server.create_token("tomas")
        call = test_ris.RisCatalogueTest.call.__get__(cls)
        every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
        cls.ct1 = call("POST", "/api/ris/rooms", {"name": "CT 1", "modality": "CT", "aeTitle": "CTSCAN1",
                                                  "hours": every_day})[1]
        cls.ct2 = call("POST", "/api/ris/rooms", {"name": "CT 2", "modality": "CT", "aeTitle": "CTSCAN2",
                                                  "hours": every_day})[1]
        cls.chest = call("POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                         "durationMinutes": 15})[1]
        cls.abdomen = call("POST", "/api/ris/procedures", {"code": "CT-ABD", "name": "CT abdomen", "modality": "CT",
                                                           "durationMinutes": 20})[1]
        now = datetime.datetime.now(zoneinfo.ZoneInfo(cls.zone))
        cls.today = now.date()
        # Later today, on a quarter hour (the zone is in its daytime: this stays today).
        start = (now + datetime.timedelta(minutes=45)).replace(second=0, microsecond=0)
        cls.start = start.replace(minute=start.minute - start.minute % 15)
        cls.tmp = Path(tempfile.mkdtemp(prefix="vireo-mwl-"))
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    call = test_ris.RisCatalogueTest.call

    def booked(self, family, given, room, minutes, procedures=None, reason="Staging of a lung nodule", **patient):
        status, p = self.call("POST", "/api/ris/patients", dict({"familyName": family, "givenName": given,
                                                                 "birthDate": "1961-07-09", "sex": "M",
                                                                 "confirmedNew": True}, **patient),
                              token=self.reception)
        self.assertEqual(status, 201, p)
        status, order = self.call("POST", "/api/ris/orders", {
            "patientId": p["id"], "procedureIds": procedures or [self.chest["id"]], "priority": "urgent",
            "reason": reason, "referringPhysician": "Dr. Elena Serra",
            "requestingDepartment": "Oncology"}, token=self.reception)
        self.assertEqual(status, 201, order)
        at = (self.start + datetime.timedelta(minutes=minutes)).strftime("%H:%M")
        status, appointment = self.call("POST", "/api/ris/appointments", {
            "orderId": order["id"], "roomId": room["id"], "startsAt": local_time(self.zone, self.today, at)},
            token=self.reception)
        self.assertEqual(status, 201, appointment)
        return p, order, appointment

    def worklist(self, *keys, station=None, date=None, extra=()):
        """findscu -W as a scanner sends it; (answers parsed, the tool's result)."""
        type(self).count += 1
        out = self.tmp / f"q{self.count}"
        out.mkdir()
        args = ["findscu", "-v", "-W", "-X", "-od", str(out), "-aet", station or "CTSCAN1", "-aec", self.server.aet]
        for k in TOP_KEYS:
            args += ["-k", k]
        for k in STEP_KEYS:
            args += ["-k", f"(0040,0100)[0].{k}"]
        if station:
            args += ["-k", f"(0040,0100)[0].ScheduledStationAETitle={station}"]
        if date:
            args += ["-k", f"(0040,0100)[0].ScheduledProcedureStepStartDate={date}"]
        for k in keys:
            args += ["-k", k]
        r = subprocess.run([*args, *extra, "127.0.0.1", str(self.server.dicom_port)], capture_output=True, text=True,
                           errors="replace", timeout=60)
        answers = []
        for f in sorted(out.glob("rsp*.dcm")):
            dump = subprocess.run(["dcmdump", "-q", "+L", str(f)], capture_output=True, text=True, check=True).stdout
            answers.append(parse_dump(dump))
        return answers, r

    @staticmethod
    def status_of(r):
        m = re.findall(r"Find Response(?: \d+)? \(([^)]*)\)", r.stdout + r.stderr)
        return m[-1] if m else None

class ModalityWorklistTest(ScannerServer):
    def test_a_scanner_gets_its_rooms_steps_of_today_with_every_key(self):
        patient, order, appointment = self.booked("Núñez García", "José", self.ct1, 0,
                                                  [self.chest["id"], self.abdomen["id"]],
                                                  allergies=ALLERGIES, contrastAllergy=True)
        self.booked("Other", "Room", self.ct2, 0)
        day = self.today.strftime("%Y%m%d")
        answers, r = self.worklist(station="CTSCAN1", date=day)
        self.assertEqual(r.returncode, 0, r.stderr)
        mine = [a for a in answers if a.get("AccessionNumber") == order["accessionNumber"]]
        self.assertEqual(len(mine), 1, answers)
        self.assertTrue(all(items(a["ScheduledProcedureStepSequence"])[0]["ScheduledStationAETitle"] == "CTSCAN1"
                            for a in answers), "another room's step was offered")
        a = mine[0]
        for k in TOP_KEYS[1:]:
            self.assertIn(k, a, f"return key {k} missing")
        for k in TYPE1_TOP:
            self.assertTrue(a[k], f"type 1 key {k} is empty")
        self.assertEqual(a["SpecificCharacterSet"], "ISO_IR 192")
        self.assertEqual(a["PatientName"], "Núñez García^José")
        self.assertEqual((a["PatientID"], a["IssuerOfPatientID"]), (patient["mrn"], patient["mrnIssuer"]))
        self.assertEqual((a["PatientBirthDate"], a["PatientSex"]), ("19610709", "M"))
        self.assertEqual(a["StudyInstanceUID"], order["studyInstanceUid"])
        self.assertTrue(order["studyInstanceUid"].startswith("2.25."))
        self.assertEqual(a["RequestedProcedureID"], order["accessionNumber"])
        self.assertEqual(a["RequestedProcedureDescription"], "CT chest + CT abdomen")
        self.assertEqual(a["RequestedProcedurePriority"], "HIGH")
        self.assertEqual(a["ReferringPhysicianName"], "Dr. Elena Serra")
        self.assertEqual(a["ReasonForTheRequestedProcedure"], "Staging of a lung nodule")
        # Every word of the allergies reaches the scanner, as LO values (no line breaks, 64 at most).
        values = a["Allergies"].split("\\")
        self.assertGreater(len(values), 1, a["Allergies"])
        self.assertTrue(all(len(v) <= 64 and "\n" not in v for v in values), values)
        self.assertEqual(" ".join(values).split(), ALLERGIES.split(), "cut between words, none lost")
        self.assertEqual(a["MedicalAlerts"], "CONTRAST ALLERGY")
        steps = items(a["ScheduledProcedureStepSequence"])
        self.assertEqual(len(steps), 1)
        step = steps[0]
        for k in STEP_KEYS:
            self.assertIn(k, step, f"return key {k} missing in the step")
        for k in TYPE1_STEP:
            self.assertTrue(step[k], f"type 1 key {k} of the step is empty")
        self.assertEqual((step["Modality"], step["ScheduledProcedureStepStartDate"]), ("CT", day))
        self.assertEqual(step["ScheduledProcedureStepStartTime"], self.start.strftime("%H%M00"))
        self.assertEqual(step["ScheduledProcedureStepID"], str(appointment["id"]))
        self.assertEqual(step["ScheduledProcedureStepStatus"], "SCHEDULED")
        self.assertEqual(step["ScheduledStationName"], "CT 1")
        # Asked for empty, the protocol codes come whole: one per procedure.
        answers, _ = self.worklist(f"AccessionNumber={order['accessionNumber']}",
                                   "(0040,0100)[0].ScheduledProtocolCodeSequence")
        codes = items(items(answers[0]["ScheduledProcedureStepSequence"])[0]["ScheduledProtocolCodeSequence"])
        self.assertEqual([(c["CodeValue"], c["CodeMeaning"]) for c in codes],
                         [("CT-THX", "CT chest"), ("CT-ABD", "CT abdomen")])
        self.assertEqual({c["CodingSchemeDesignator"] for c in codes}, {"99VIREO"})
        # The query is in the audit trail, as the scanner's.
        events = self.server.json("/api/audit?user=CTSCAN1&action=dicom-find&limit=50")
        self.assertTrue(any(e["detail"].endswith("matches") and "WORKLIST" in e["resource"] for e in events), events)

    def keep_to_own_room(self, room, own):
        status, current = self.call("GET", f"/api/ris/rooms/{room['id']}")
        self.assertEqual(status, 200, current)
        status, saved = self.call("PUT", f"/api/ris/rooms/{room['id']}", dict(current, worklistOwnOnly=own))
        self.assertEqual(status, 200, saved)
        self.assertEqual(saved["worklistOwnOnly"], own)

    def test_a_scanner_kept_to_its_room_sees_only_its_steps_however_it_asks(self):
        _, mine, _ = self.booked("Own", "Room", self.ct1, 60)
        _, theirs, _ = self.booked("Next", "Door", self.ct2, 60)
        day = self.today.strftime("%Y%m%d")
        accessions = lambda answers: {a.get("AccessionNumber") for a in answers}
        loose, r = self.worklist(date=day)  # CT 1's scanner, naming no station
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLessEqual({mine["accessionNumber"], theirs["accessionNumber"]}, accessions(loose))
        self.keep_to_own_room(self.ct1, True)
        try:
            kept, r = self.worklist(date=day)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(mine["accessionNumber"], accessions(kept))
            self.assertNotIn(theirs["accessionNumber"], accessions(kept), "another room's step offered to a kept scanner")
            asked_other, _ = self.worklist("(0040,0100)[0].ScheduledStationAETitle=CTSCAN2", date=day)
            self.assertNotIn(theirs["accessionNumber"], accessions(asked_other), "naming another station is no way out")
            # CT 2's scanner is not kept: it still sees what it asks for.
            other, _ = self.worklist(station="CTSCAN2", date=day)
            self.assertIn(theirs["accessionNumber"], accessions(other))
        finally:
            self.keep_to_own_room(self.ct1, False)

    def test_matching_by_name_patient_accession_date_and_status(self):
        patient, order, appointment = self.booked("Çelik", "Ayşe", self.ct1, 120)
        accession = order["accessionNumber"]
        found = lambda *keys, **kw: {a["AccessionNumber"] for a in self.worklist(*keys, **kw)[0]}
        # Names: prefix, any case, accents folded; given name too; another name does not match.
        self.assertIn(accession, found("PatientName=celi*"))
        self.assertIn(accession, found("PatientName=CELIK^AYSE"))
        self.assertIn(accession, found("PatientName=*^ay*"))
        self.assertNotIn(accession, found("PatientName=CELIK^MEHMET"))
        # A scanner that speaks Latin-1 (ISO_IR 100) finds the name too.
        self.assertIn(accession, found("SpecificCharacterSet=ISO_IR 100", b"PatientName=\xc7ELIK*"))
        # Universal and list values; a return-key sequence asked with an empty item; a private
        # creator: none of them narrows the match or refuses the query.
        self.assertEqual(found(f"AccessionNumber={accession}", "RequestedProcedureID=*"), {accession})
        self.assertEqual(found(f"StudyInstanceUID=1.2.3\\{order['studyInstanceUid']}"), {accession})
        self.assertEqual(found(f"AccessionNumber={accession}", "(0008,0051)[0].LocalNamespaceEntityID",
                               "(0029,0010)=SIEMENS CSA HEADER"), {accession})
        self.assertEqual(found(f"AccessionNumber={accession}", "(0040,0100)[0].ScheduledProcedureStepStatus=*"),
                         {accession})
        self.assertEqual(found(f"AccessionNumber={accession}", "(0040,0100)[0].ScheduledProcedureStepStatus=READY"),
                         set(), "a status Vireo never gives matches nothing")
        self.assertEqual(found(f"PatientID={patient['mrn']}"), {accession})
        self.assertEqual(found(f"RequestedProcedureID={accession}"), {accession})
        self.assertEqual(found(f"AccessionNumber={accession}", f"RequestedProcedureID=NOT{accession}"), set())
        # Dates: a range around today, one that ends yesterday; a time window after the start.
        day = self.today
        span = f"{(day - datetime.timedelta(days=1)):%Y%m%d}-{(day + datetime.timedelta(days=1)):%Y%m%d}"
        self.assertIn(accession, found(f"AccessionNumber={accession}", date=span))
        self.assertEqual(found(f"AccessionNumber={accession}", date=f"-{(day - datetime.timedelta(days=1)):%Y%m%d}"), set())
        around = (f"{(self.start + datetime.timedelta(minutes=110)):%H%M}-"
                  f"{(self.start + datetime.timedelta(minutes=130)):%H%M}")
        self.assertEqual(found(f"AccessionNumber={accession}",
                               f"(0040,0100)[0].ScheduledProcedureStepStartTime={around}", date=f"{day:%Y%m%d}"),
                         {accession})
        self.assertEqual(found(f"AccessionNumber={accession}",
                               f"(0040,0100)[0].ScheduledProcedureStepStartTime={around}"), {accession},
                         "a time without a date: today's")
        after = (self.start + datetime.timedelta(minutes=121)).strftime("%H%M")
        self.assertEqual(found(f"AccessionNumber={accession}",
                               f"(0040,0100)[0].ScheduledProcedureStepStartTime={after}-", date=f"{day:%Y%m%d}"), set())
        # Another scanner's title and another modality see nothing of it.
        self.assertEqual(found(f"AccessionNumber={accession}", station="CTSCAN2"), set())
        self.assertEqual(found(f"AccessionNumber={accession}", "(0040,0100)[0].Modality=MR"), set())
        # Checked in: ARRIVED, still offered; asked for SCHEDULED only, not.
        status, arrived = self.call("POST", f"/api/ris/appointments/{appointment['id']}/arrive",
                                    {"version": appointment["version"]}, token=self.reception)
        self.assertEqual(status, 200, arrived)
        answers, _ = self.worklist(f"AccessionNumber={accession}")
        self.assertEqual(items(answers[0]["ScheduledProcedureStepSequence"])[0]["ScheduledProcedureStepStatus"],
                         "ARRIVED")
        self.assertEqual(found(f"AccessionNumber={accession}", "(0040,0100)[0].ScheduledProcedureStepStatus=SCHEDULED"),
                         set())
        # Cancelled: gone at once.
        other_patient, other, booked = self.booked("Cancelled", "Soon", self.ct1, 180)
        self.assertEqual(found(f"AccessionNumber={other['accessionNumber']}"), {other["accessionNumber"]})
        status, _ = self.call("POST", f"/api/ris/appointments/{booked['id']}/cancel",
                              {"version": booked["version"], "reason": "Patient called"}, token=self.reception)
        self.assertEqual(status, 200)
        self.assertEqual(found(f"AccessionNumber={other['accessionNumber']}"), set())

    def test_malformed_identifiers_get_a900_and_the_association_keeps_working(self):
        _, order, _ = self.booked("Malformed", "Query", self.ct1, 240)
        accession = order["accessionNumber"]
        cases = [
            ("an unknown key with a value", ["PatientAddress=Somewhere 1"]),
            ("a malformed date", ["(0040,0100)[0].ScheduledProcedureStepStartDate=2026-13-45"]),
            ("an impossible date", ["(0040,0100)[0].ScheduledProcedureStepStartDate=20261345"]),
            ("a malformed time", ["(0040,0100)[0].ScheduledProcedureStepStartTime=2561"]),
            ("two step items", ["(0040,0100)[1].Modality=CT"]),
            ("a sequence nested too deep",
             ["(0040,0100)[0].(0040,0008)[0].(0040,0008)[0].CodeValue=X"]),
        ]
        before = self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id")
        for why, keys in cases:
            with self.subTest(why):
                answers, r = self.worklist(f"AccessionNumber={accession}", *keys)
                self.assertEqual(answers, [], why)
                self.assertIn("DataSetDoesNotMatchSOPClass", self.status_of(r) or r.stdout + r.stderr)
        self.assertEqual(self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"), before)
        # On one association, a refused query and then a good one: the second is answered.
        queries = []
        for i, key in enumerate(["PatientAddress=Somewhere 1", None]):
            dump = self.tmp / f"assoc{i}.dump"
            lines = [f"(0008,0050) SH [{accession}]", "(0010,0010) PN []", "(0040,0100) SQ",
                     "(fffe,e000) -", "(0008,0060) CS [CT]", "(fffe,e00d) -", "(fffe,e0dd) -"]
            if key:
                lines.append("(0010,1040) LO [Somewhere 1]")
            dump.write_text("\n".join(lines) + "\n")
            query = self.tmp / f"assoc{i}.dcm"
            subprocess.run(["dump2dcm", str(dump), str(query)], check=True, capture_output=True)
            queries.append(str(query))
        out = self.tmp / "assoc"
        out.mkdir()
        r = subprocess.run(["findscu", "-v", "-W", "-X", "-od", str(out), "-aet", "CTSCAN1", "-aec", self.server.aet,
                            "127.0.0.1", str(self.server.dicom_port), *queries], capture_output=True, text=True,
                           timeout=60)
        statuses = re.findall(r"Find Response(?: \d+)? \(([^)]*)\)", r.stdout + r.stderr)
        self.assertTrue(statuses and "DataSetDoesNotMatchSOPClass" in statuses[0], r.stdout + r.stderr)
        self.assertEqual(statuses[-1], "Success", statuses)
        self.assertEqual(len(list(out.glob("rsp*.dcm"))), 1, "the good query's one match")


class PerformedProcedureStepTest(ScannerServer):
    """MPPS from dcmjs-dimse: the exam starts, completes or is discontinued as the scanner says."""

    SOURCE = TESTDATA / "dicom" / "dicomdir" / "98892003" / "MR1" / "15820"

    def peer(self, requests, station="CTSCAN1"):
        """Runs requests on one association of the dcmjs-dimse peer; their results."""
        type(self).count += 1
        spec = self.tmp / f"peer{self.count}.json"
        spec.write_text(json.dumps(requests))
        r = subprocess.run(["node", "peers/dimse.mjs", str(spec), "127.0.0.1", str(self.server.dicom_port), station,
                            self.server.aet], cwd=WEB, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout.strip().splitlines()[-1])

    def order_of(self, order):
        status, body = self.call("GET", f"/api/ris/orders/{order['id']}", token=self.reception)
        self.assertEqual(status, 200, body)
        return body

    @staticmethod
    def started(step, accession, study, patient_id):
        return {"op": "create", "uid": f"2.25.{uuid.uuid4().int}", "elements": {
            "PerformedProcedureStepStatus": "IN PROGRESS", "PerformedStationAETitle": "CTSCAN1", "Modality": "CT",
            "PatientID": patient_id, "PerformedProcedureStepStartDate": datetime.date.today().strftime("%Y%m%d"),
            "PerformedProcedureStepStartTime": "101500", "PerformedProcedureStepID": "PPS1",
            "ScheduledStepAttributesSequence": [{
                "StudyInstanceUID": study, "AccessionNumber": accession, "RequestedProcedureID": accession,
                "ScheduledProcedureStepID": step}]}}

    def test_the_scanner_reports_its_step_and_the_order_follows(self):
        patient, order, appointment = self.booked("Okafor", "Daniel", self.ct1, 0)
        # The second client finds the step in the worklist, as findscu does.
        found = self.peer([{"op": "worklist", "elements": {
            "AccessionNumber": order["accessionNumber"], "PatientName": "", "PatientID": "", "StudyInstanceUID": "",
            "RequestedProcedureID": "",
            "ScheduledProcedureStepSequence": [{"ScheduledStationAETitle": "CTSCAN1", "Modality": "",
                                                "ScheduledProcedureStepID": "", "ScheduledProcedureStepStartDate": ""}]}}])
        self.assertEqual(found[0]["status"], 0, found)
        [item] = found[0]["datasets"]
        self.assertEqual((item["PatientID"], item["StudyInstanceUID"]), (patient["mrn"], order["studyInstanceUid"]))
        step_id = item["ScheduledProcedureStepSequence"][0]["ScheduledProcedureStepID"]
        self.assertEqual(step_id, str(appointment["id"]))
        # IN PROGRESS: nobody had checked the patient in; the scanner's word is enough.
        create = self.started(step_id, order["accessionNumber"], item["StudyInstanceUID"], patient["mrn"])
        uid = create["uid"]
        series = [{"SeriesInstanceUID": f"{order['studyInstanceUid']}.{n}", "SeriesDescription": f"Axial {n}",
                   "ReferencedImageSequence": [{"ReferencedSOPClassUID": "1.2.840.10008.5.1.4.1.1.2",
                                                "ReferencedSOPInstanceUID": f"{order['studyInstanceUid']}.{n}.{k}"}
                                               for k in range(1, 4)]} for n in (1, 2)]
        done = self.peer([create])
        self.assertEqual(done[0]["status"], 0, done)
        self.assertEqual(self.order_of(order)["status"], "in_progress")
        answers, _ = self.worklist(f"AccessionNumber={order['accessionNumber']}",
                                   "(0040,0100)[0].ScheduledProcedureStepStatus=STARTED")
        self.assertEqual(len(answers), 1, "a started step is STARTED in the worklist")
        # COMPLETED with the series made: acquired, and the series are recorded.
        done = self.peer([{"op": "set", "uid": uid, "elements": {
            "PerformedProcedureStepStatus": "COMPLETED", "PerformedProcedureStepEndDate": "20261206",
            "PerformedProcedureStepEndTime": "103000", "PerformedSeriesSequence": series}}])
        self.assertEqual(done[0]["status"], 0, done)
        self.assertEqual(self.order_of(order)["status"], "acquired")
        status, performed = self.call("GET", f"/api/ris/orders/{order['id']}/performed-steps", token=self.technician)
        self.assertEqual(status, 200, performed)
        [step] = performed["steps"]
        self.assertEqual((step["uid"], step["status"], step["stationAeTitle"]), (uid, "COMPLETED", "CTSCAN1"))
        self.assertEqual([(s["seriesInstanceUid"], s["modality"], s["description"], s["images"]) for s in step["series"]],
                         [(s["SeriesInstanceUID"], "CT", s["SeriesDescription"], 3) for s in series])
        # The trail: the arrival, the start and the completion, each the scanner's.
        events = self.server.json(f"/api/audit?user=CTSCAN1&patient={patient['mrn']}&limit=50")
        said = [(e["action"], e["outcome"]) for e in events]
        self.assertIn(("dicom-mpps-create", "success"), said)
        self.assertIn(("dicom-mpps-set", "success"), said)
        self.assertTrue(any(order["accessionNumber"] in e["detail"] and "COMPLETED" in e["detail"] for e in events))

    def test_the_whole_path_as_a_modality_lives_it(self):
        """Booked and checked in at the desk; findscu -W (the scanner) gets the step by its AE title
        and today's date; dcmjs-dimse reports it IN PROGRESS then COMPLETED; storescu sends the
        images with the accession and the Study UID the worklist gave: the order is acquired with
        its study linked, and the audit trail has each step."""
        patient, order, appointment = self.booked("Bauer", "Lena", self.ct1, 180)
        status, arrived = self.call("POST", f"/api/ris/appointments/{appointment['id']}/arrive",
                                    {"version": appointment["version"]}, token=self.reception)
        self.assertEqual(status, 200, arrived)
        answers, r = self.worklist(station="CTSCAN1", date=self.today.strftime("%Y%m%d"))
        self.assertEqual(r.returncode, 0, r.stderr)
        [step] = [a for a in answers if a.get("AccessionNumber") == order["accessionNumber"]]
        item = items(step["ScheduledProcedureStepSequence"])[0]
        self.assertEqual(item["ScheduledProcedureStepStatus"], "ARRIVED")
        create = self.started(item["ScheduledProcedureStepID"], step["AccessionNumber"], step["StudyInstanceUID"],
                              step["PatientID"])
        self.assertEqual(self.peer([create])[0]["status"], 0)
        done = self.peer([{"op": "set", "uid": create["uid"], "elements": {"PerformedProcedureStepStatus": "COMPLETED"}}])
        self.assertEqual(done[0]["status"], 0, done)
        study = ImagesMeetTheirOrdersTest.send(self, step["PatientID"], step["IssuerOfPatientID"], step["AccessionNumber"],
                                               study_uid=step["StudyInstanceUID"])
        ImagesMeetTheirOrdersTest.eventually(self, lambda: self.order_of(order)["status"] == "acquired", "not acquired")
        day = self.today.isoformat()
        row = lambda: next(i for i in self.call("GET", f"/api/ris/worklist?day={day}", token=self.technician)[1]["items"]
                           if i["id"] == appointment["id"])
        ImagesMeetTheirOrdersTest.eventually(self, lambda: row()["imagesAt"] != "", "the images never met their order")
        self.assertEqual((row()["studyInstanceUid"], self.order_of(order)["studyInstanceUid"]), (study, study))
        trail = self.server.json(f"/api/audit?patient={patient['mrn']}&limit=100")
        said = {(e["actor"], e["action"]) for e in trail}
        for who, what in [("CTSCAN1", "dicom-mpps-create"), ("CTSCAN1", "dicom-mpps-set")]:
            self.assertIn((who, what), said)
        # The scanner's query named no patient: it is the AE's, with what it asked and found.
        finds = self.server.json("/api/audit?user=CTSCAN1&action=dicom-find&limit=100")
        self.assertTrue(any("ScheduledStationAETitle=CTSCAN1" in e["detail"] and "1 matches" in e["detail"]
                            for e in finds), finds[:3])
        self.assertTrue(any("arrive" in e["resource"] and e["actor"] == "rosa" for e in trail), trail[:5])
        stored = self.server.json(f"/api/audit?action=dicom-store&limit=100")
        self.assertTrue(any(e["studyInstanceUid"] == study and e["patientId"] == patient["mrn"] for e in stored), stored[:3])

    def test_a_discontinued_step_frees_the_booking_for_staff(self):
        patient, order, appointment = self.booked("Lindqvist", "Maja", self.ct1, 60)
        create = self.started(str(appointment["id"]), order["accessionNumber"], order["studyInstanceUid"],
                              patient["mrn"])
        done = self.peer([create, {"op": "set", "uid": create["uid"], "elements": {
            "PerformedProcedureStepStatus": "DISCONTINUED",
            "PerformedProcedureStepDiscontinuationReasonCodeSequence": [{
                "CodeValue": "110514", "CodingSchemeDesignator": "DCM",
                "CodeMeaning": "Incorrect worklist entry selected"}]}}])
        self.assertEqual([d["status"] for d in done], [0, 0], done)
        self.assertEqual(self.order_of(order)["status"], "requested", "back to be booked again or cancelled")
        status, a = self.call("GET", f"/api/ris/appointments/{appointment['id']}", token=self.reception)
        self.assertEqual((a["status"], a["cancelReason"]),
                         ("cancelled", "Discontinued at the scanner: Incorrect worklist entry selected"))
        self.assertEqual(self.worklist(f"AccessionNumber={order['accessionNumber']}")[0], [])

    def test_bad_reports_get_their_status_and_change_nothing(self):
        patient, order, appointment = self.booked("Refused", "Reports", self.ct1, 120)
        good = self.started(str(appointment["id"]), order["accessionNumber"], order["studyInstanceUid"], patient["mrn"])
        unknown = self.started("", "NOSUCHACC", "", "")
        other_patient = self.started(str(appointment["id"]), order["accessionNumber"], "", "SOMEONE-ELSE")
        completed_first = self.started(str(appointment["id"]), order["accessionNumber"], "", patient["mrn"])
        completed_first["elements"]["PerformedProcedureStepStatus"] = "COMPLETED"
        no_status = self.started(str(appointment["id"]), order["accessionNumber"], "", patient["mrn"])
        del no_status["elements"]["PerformedProcedureStepStatus"]
        before = (self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"),
                  self.server.sql_rows("SELECT id, status, version FROM ris_appointments ORDER BY id"))
        refused = self.peer([unknown, other_patient, completed_first, no_status,
                             {"op": "set", "uid": "2.25.424242", "elements": {"PerformedProcedureStepStatus": "COMPLETED"}}])
        self.assertEqual([r["status"] for r in refused], [0x0106, 0x0106, 0x0106, 0x0120, 0x0112], refused)
        self.assertEqual((self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"),
                          self.server.sql_rows("SELECT id, status, version FROM ris_appointments ORDER BY id")), before)
        self.assertEqual(self.server.sql_rows("SELECT COUNT(*) FROM ris_performed_steps WHERE uid IN "
                                              f"('{unknown['uid']}', '{other_patient['uid']}')"), [["0"]])
        # On one association: the step, the same UID again (0111), an unknown status (0106), the
        # completion, then a step no longer to be updated (0110); the good ones are done.
        results = self.peer([good, good,
                             {"op": "set", "uid": good["uid"], "elements": {"PerformedProcedureStepStatus": "LOST"}},
                             {"op": "set", "uid": good["uid"], "elements": {"PerformedProcedureStepStatus": "COMPLETED"}},
                             {"op": "set", "uid": good["uid"], "elements": {"PerformedProcedureStepStatus": "DISCONTINUED"}}])
        self.assertEqual([r["status"] for r in results], [0, 0x0111, 0x0106, 0, 0x0110], results)
        self.assertEqual(self.order_of(order)["status"], "acquired")
        events = self.server.json("/api/audit?user=CTSCAN1&action=dicom-mpps-set&limit=50")
        self.assertTrue(any(e["outcome"] == "failure" and "may no longer be updated" in e["detail"] for e in events))


class ImagesMeetTheirOrdersTest(ScannerServer):
    """storescu sends images as the scanner would: those carrying an order's accession number and
    its patient close the exam out (acquired, the study recorded on the order); those naming another
    patient, or no order, wait in the list of studies to reconcile, and nothing is linked by name."""

    SOURCE = TESTDATA / "dicom" / "dicomdir" / "98892003" / "MR1" / "15820"

    def send(self, patient_id, issuer, accession, birth_date="19610709", study_uid=None, name=None):
        """One new study (its own UIDs, or `study_uid`) naming this patient and accession; its Study UID."""
        copy = self.tmp / f"image{uuid.uuid4().hex}.dcm"
        shutil.copy(self.SOURCE, copy)
        study = ["-i", f"(0020,000D)={study_uid}"] if study_uid else ["-gst"]
        if name:
            study += ["-i", f"(0010,0010)={name}"]
        subprocess.run(["dcmodify", "-nb", *study, "-gse", "-gin", "-i", f"(0010,0020)={patient_id}",
                        "-i", f"(0010,0021)={issuer}", "-i", f"(0008,0050)={accession}",
                        "-i", f"(0010,0030)={birth_date}", str(copy)], check=True, capture_output=True)
        uid = subprocess.run(["dcmdump", "-q", "+P", "StudyInstanceUID", str(copy)], capture_output=True, text=True,
                             check=True).stdout
        statuses, out = self.server.store(copy)
        self.assertTrue(statuses and all(v == 0 for v in statuses.values()), out)
        return uid[uid.index("[") + 1:uid.index("]")]

    def unmatched(self):
        status, body = self.call("GET", "/api/ris/unmatched-studies", token=self.technician)
        self.assertEqual(status, 200, body)
        return {u["studyInstanceUid"]: u for u in body["studies"]}

    def eventually(self, check, what):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        self.fail(what)

    def test_images_that_came_before_their_order_meet_it_when_it_is_made(self):
        status, p = self.call("POST", "/api/ris/patients", {"familyName": "Urgent", "givenName": "Scan",
                                                            "birthDate": "1961-07-09", "sex": "M", "confirmedNew": True},
                              token=self.reception)
        self.assertEqual(status, 201, p)
        first = self.send(p["mrn"], p["mrnIssuer"], "EMERG42")
        other = self.send("SOMEONE-ELSE", p["mrnIssuer"], "EMERG43")
        self.eventually(lambda: {first, other} <= set(self.unmatched()), "the early studies are not listed")
        made = {}
        for accession in ("EMERG42", "EMERG43"):
            status, made[accession] = self.call("POST", "/api/ris/orders", {
                "patientId": p["id"], "procedureIds": [self.chest["id"]], "reason": "Trauma",
                "accessionNumber": accession}, token=self.reception)
            self.assertEqual(status, 201, made[accession])
        order = lambda accession: self.call("GET", f"/api/ris/orders/{made[accession]['id']}", token=self.reception)[1]
        self.eventually(lambda: order("EMERG42")["studyInstanceUid"] == first, "the order did not meet its images")
        self.eventually(lambda: first not in self.unmatched(), "the linked study is still listed")
        # Its accession, but another patient's ID: it waits, now naming the order it disagrees with.
        self.eventually(lambda: self.unmatched().get(other, {}).get("reason") == "patient_mismatch",
                        "a study naming another patient was not held back")
        self.assertEqual(self.unmatched()[other]["orderId"], made["EMERG43"]["id"])
        self.assertNotEqual(order("EMERG43")["studyInstanceUid"], other)

    def test_images_close_out_their_order_or_wait_to_be_reconciled(self):
        patient, order, appointment = self.booked("Parker", "Helen", self.ct1, 0)
        other, other_order, _ = self.booked("Someone", "Else", self.ct2, 0)
        before = self.server.sql_rows(f"SELECT status, version FROM ris_orders WHERE id = {other_order['id']}")
        # The other order's accession, but this patient's ID: not linked, whatever the name says.
        wrong = self.send(patient["mrn"], patient["mrnIssuer"], other_order["accessionNumber"])
        # No order has this accession number.
        stray = self.send(patient["mrn"], patient["mrnIssuer"], "NOORDER1")
        # The third order's pre-assigned Study UID (the worklist's), but another patient's ID and no
        # accession: a wrong-patient study; it must stay listed although an order holds its UID.
        third, third_order, _ = self.booked("Third", "Patient", self.ct1, 60)
        wrong_uid = self.send(patient["mrn"], patient["mrnIssuer"], "", study_uid=third_order["studyInstanceUid"])
        # The right patient and accession, as a scanner given the worklist sends them.
        study = self.send(patient["mrn"], patient["mrnIssuer"], order["accessionNumber"])
        read = lambda: self.call("GET", f"/api/ris/orders/{order['id']}", token=self.reception)[1]
        self.eventually(lambda: read()["status"] == "acquired", "the order was not closed out by its images")
        self.assertEqual(read()["studyInstanceUid"], study, "the order records its images' study")
        # The technicians' list knows the images are there, and where.
        day = self.today.isoformat()
        items = self.call("GET", f"/api/ris/worklist?day={day}", token=self.technician)[1]["items"]
        row = next(i for i in items if i["id"] == appointment["id"])
        self.assertEqual(row["studyInstanceUid"], study)
        self.assertTrue(row["imagesAt"], row)
        waiting = next(i for i in items if i["orderId"] == other_order["id"])
        self.assertEqual(waiting["imagesAt"], "", "another order's images never came")
        status, a = self.call("GET", f"/api/ris/appointments/{appointment['id']}", token=self.reception)
        self.assertEqual(a["status"], "arrived", "the patient counted as arrived: their images are here")
        self.eventually(lambda: {wrong, stray, wrong_uid} <= set(self.unmatched()), "the strays are not listed")
        listed = self.unmatched()
        self.assertEqual((listed[wrong]["reason"], listed[wrong]["orderId"]), ("patient_mismatch", other_order["id"]))
        self.assertEqual((listed[stray]["reason"], listed[stray]["accessionNumber"]), ("no_order", "NOORDER1"))
        self.assertNotIn(study, listed)
        self.assertEqual((listed[wrong_uid]["reason"], listed[wrong_uid]["orderId"]),
                         ("patient_mismatch", third_order["id"]))
        self.assertEqual(self.server.sql_rows(f"SELECT status, version FROM ris_orders WHERE id = {other_order['id']}"),
                         before, "the other patient's order is untouched")
        # Staff link the stray that named the other order to it (the images are that patient's after
        # all): its files are rewritten to name the order's patient and accession, the old values
        # kept inside, the change audited; the exam closes out.
        before_link = self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id")
        for body, status, rule in [({}, 400, "required"), ({"orderId": 999999}, 400, "unknown"),
                                   ({"orderId": "x"}, 400, "type"), ({"orderId": other_order["id"], "more": 1}, 400, None)]:
            got, answer = self.call("POST", f"/api/ris/unmatched-studies/{listed[wrong]['id']}/link", body,
                                    token=self.technician)
            self.assertEqual(got, status, answer)
            if rule:
                self.assertEqual(answer["errors"][0]["rule"], rule, answer)
        self.assertEqual(self.call("POST", "/api/ris/unmatched-studies/999999/link", {"orderId": other_order["id"]},
                                   token=self.technician)[0], 404)
        self.assertEqual(self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"), before_link,
                         "refused links change nothing")
        got, answer = self.call("POST", f"/api/ris/unmatched-studies/{listed[wrong]['id']}/link",
                                {"orderId": other_order["id"]}, token=self.technician)
        self.assertEqual(got, 202, answer)
        self.assertEqual((answer["patientId"], answer["accessionNumber"]), (other["mrn"], other_order["accessionNumber"]))
        read_other = lambda: self.call("GET", f"/api/ris/orders/{other_order['id']}", token=self.reception)[1]
        self.eventually(lambda: read_other()["status"] == "acquired", "the reconciled study did not close its exam")
        self.assertEqual(read_other()["studyInstanceUid"], wrong)
        self.assertNotIn(wrong, self.unmatched())
        metadata = self.server.json(f"/dicom-web/studies/{wrong}/metadata")
        self.assertEqual(metadata[0]["00100020"]["Value"][0], other["mrn"], "the files name the order's patient")
        self.assertEqual(metadata[0]["00080050"]["Value"][0], other_order["accessionNumber"])
        original = metadata[0]["04000561"]["Value"][-1]["04000550"]["Value"][0]
        self.assertEqual((original["00100020"]["Value"][0], original["00080050"]["Value"][0]),
                         (patient["mrn"], other_order["accessionNumber"]),
                         "the values replaced are kept in the file")
        events = self.server.json(f"/api/audit?patient={other['mrn']}&limit=50")
        self.assertTrue(any("study reconciled to order" in e["detail"] for e in events), events)
        # A referrer may not read the list.
        self.server.add_user("dr.welby", "referring", physician="WELBY^MARCUS")
        status, _ = self.call("GET", "/api/ris/unmatched-studies", token=self.server.create_token("dr.welby"))
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
