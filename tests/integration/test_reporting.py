"""Reporting as radiologists live it, over HTTP: the reading worklist, opening an exam (two
radiologists racing for it, one wins), the report's working text saved and refused when stale or
not theirs, a wrong re-authentication that signs nothing, the signature as a PAdES PDF that
poppler's pdfsig finds valid and whole, our own check of it, a byte flipped in the stored PDF that
both notice, an addendum that leaves the signed version as it was, and the audit trail."""
import base64
import datetime
import hashlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

import test_mwl
from test_dicomweb import multipart_parts
from test_mwl import ScannerServer
from harness import VIREO, Server
from test_web import built, run_e2e

PASSWORD = "Correct-Horse-Battery-9"
TSA = Path(__file__).resolve().parent.parent / "tsa"
CERTIFICATES = Path(__file__).resolve().parent.parent / "fixtures" / "certificates"
MRRT = Path(__file__).resolve().parent.parent / "fixtures" / "mrrt"


def pdfsig(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        r = subprocess.run(["pdfsig", f.name], capture_output=True, text=True)
    return r.stdout + r.stderr


REPORT_CLASSES = ("1.2.840.10008.5.1.4.1.1.104.1", "1.2.840.10008.5.1.4.1.1.88.11")  # Encapsulated PDF, Basic Text SR


def report_objects(test, study, count):
    """The report's DICOM objects in the study once the archive holds `count` of them (they go in
    through the outbox, just after the signature): [(SOP Class UID, series, instance, number)]."""
    found = []

    def look():
        status, _, body = test.server.http(
            "GET", f"/dicom-web/studies/{study}/instances?includefield=0020000E",
            headers={"Accept": "application/dicom+json"})
        test.assertIn(status, (200, 204), body)
        rows = json.loads(body) if status == 200 else []
        found[:] = sorted((r["00080016"]["Value"][0], r["0020000E"]["Value"][0], r["00080018"]["Value"][0],
                           r["00200013"]["Value"][0]) for r in rows if r["00080016"]["Value"][0] in REPORT_CLASSES)
        return len(found) >= count

    deadline = time.monotonic() + 30
    while not look():
        test.assertLess(time.monotonic(), deadline, f"the report's objects did not reach the archive: {found}")
        time.sleep(0.2)
    test.assertEqual(len(found), count, found)
    return found


def wado_file(test, study, series, instance, out):
    """The instance as WADO-RS gives it, written to `out`."""
    status, headers, body = test.server.http(
        "GET", f"/dicom-web/studies/{study}/series/{series}/instances/{instance}",
        headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
    test.assertEqual(status, 200)
    (_, data), = multipart_parts(headers["Content-Type"], body)
    out.write_bytes(data)
    return out


def encapsulated_pdf(test, path):
    """The PDF inside an Encapsulated PDF object, as DCMTK's dcm2pdf takes it out."""
    pdf = path.with_suffix(".pdf")
    r = subprocess.run(["dcm2pdf", str(path), str(pdf)], capture_output=True, text=True)
    test.assertEqual(r.returncode, 0, r.stderr)
    return pdf.read_bytes()


def sr_text(test, path):
    r = subprocess.run(["dsrdump", "+Pc", "+Pl", str(path)], capture_output=True)
    test.assertEqual(r.returncode, 0, r.stderr)
    return r.stdout.decode("utf-8")


class ReportingTest(ScannerServer):
    send = test_mwl.ImagesMeetTheirOrdersTest.send
    SOURCE = test_mwl.TESTDATA / "dicom" / "modality" / "CT_small.dcm"
    EXTRA_ENV = {"VIREO_CRITICAL_RESULT_ESCALATION_S": "2", "VIREO_SENSITIVE_RELEASE_DELAY_H": "72"}

    @classmethod
    def setUpClass(cls):
        # The clinic's time-stamping authority: OpenSSL's, on loopback. Every signature of this
        # class is PAdES B-T (the browser test's are B-B).
        cls.tsa_dir = Path(tempfile.mkdtemp(prefix="vireo-tsa-"))
        subprocess.run([str(TSA / "make_tsa.sh"), str(cls.tsa_dir)], check=True, capture_output=True)
        cls.tsa = subprocess.Popen([sys.executable, str(TSA / "tsa_server.py"), str(cls.tsa_dir), "0"],
                                   stdout=subprocess.PIPE, text=True)
        port = cls.tsa.stdout.readline().split()[-1]
        # The authorities the clinic trusts besides its own CA: the one that issued a radiologist's own
        # certificate (tests/fixtures/certificates), and the time-stamping authority's root.
        subprocess.run([str(CERTIFICATES / "make_p12.sh"), str(cls.tsa_dir / "certificates")], check=True,
                       capture_output=True)
        # Her authority answers revocation queries on loopback; two more certificates of hers name it.
        cls.ocsp = subprocess.Popen([sys.executable, str(TSA / "ocsp_server.py"),
                                     str(cls.tsa_dir / "certificates"), "0"], stdout=subprocess.PIPE, text=True)
        ocsp_port = cls.ocsp.stdout.readline().split()[-1]
        subprocess.run([str(CERTIFICATES / "make_ocsp.sh"), str(cls.tsa_dir / "certificates"),
                        f"http://127.0.0.1:{ocsp_port}/"], check=True, capture_output=True)
        # The clinic's hardware security module (SoftHSM) with radiologists' keys on it.
        subprocess.run([str(CERTIFICATES / "make_token.sh"), str(cls.tsa_dir / "certificates")], check=True,
                       capture_output=True)
        trusted = cls.tsa_dir / "trusted.pem"
        trusted.write_bytes((cls.tsa_dir / "certificates" / "authority.pem").read_bytes() +
                            (cls.tsa_dir / "root.pem").read_bytes())
        cls.EXTRA_ENV = {**cls.EXTRA_ENV, "VIREO_REPORT_TSA_URL": f"http://127.0.0.1:{port}/",
                         "VIREO_REPORT_TRUSTED_CA_FILE": str(trusted),
                         "VIREO_REPORT_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so",
                         "VIREO_REPORT_PKCS11_TOKEN": "Vireo HSM",
                         "VIREO_REPORT_PKCS11_PIN_FILE": str(cls.tsa_dir / "certificates" / "pin"),
                         "SOFTHSM2_CONF": str(cls.tsa_dir / "certificates" / "softhsm2.conf")}
        super().setUpClass()
        s = cls.server
        for name in ("serra", "vila"):
            s.add_user(name, "radiologist", password=PASSWORD)
        cls.serra, cls.vila = s.create_token("serra"), s.create_token("vila")
        cls.admin_user = s.add_user("ada", "admin")
        cls.admin = s.create_token("ada")
        for user, name in (("serra", "Dr. Joan Serra"), ("vila", "Dra. Marta Vila")):
            status, body = cls.call.__get__(cls)("POST", "/api/ris/staff", {
                "username": user, "displayName": name, "radiologist": True, "contrastTechnician": False,
                "active": True}, token=cls.admin)
            assert status == 201, body

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for peer in (cls.tsa, cls.ocsp):
            peer.terminate()
            peer.wait(timeout=10)
        shutil.rmtree(cls.tsa_dir, ignore_errors=True)

    def acquired(self, family, minutes, room=None):
        """An exam performed today (in CT 1 unless another room is given), its images acquired: (patient, order)."""
        patient, order, appointment = self.booked(family, "Núria", room or self.ct1, minutes)
        for step in ("arrive", "start", "acquired"):
            token = self.reception if step == "arrive" else self.technician
            status, appointment = self.call("POST", f"/api/ris/appointments/{appointment['id']}/{step}",
                                            {"version": appointment["version"]}, token=token)
            self.assertEqual(status, 200, appointment)
        return patient, order

    def report_state(self, order_id):
        """What a refusal must leave as it was."""
        return (self.server.sql_rows(f"SELECT status, reading_by, version FROM ris_orders WHERE id = {order_id}"),
                self.server.sql_rows(f"SELECT status, draft_revision, versions FROM rep_reports WHERE order_id = {order_id}"),
                self.server.sql_rows("SELECT report_id, number, kind FROM rep_versions ORDER BY report_id, number"),
                self.server.sql_rows("SELECT report_id, number, pdf_sha256 FROM rep_signatures ORDER BY report_id, number"))

    def draft(self, findings, impression="", revision=0):
        return {"revision": revision, "templateCode": "VIR-CT-CHEST", "sections": [
            {"key": "findings", "title": "Findings", "text": findings},
            {"key": "impression", "title": "Impression", "text": impression}]}

    def test_two_radiologists_race_for_one_exam_and_one_reads_it(self):
        _, order = self.acquired("Race", 0)
        o = order["id"]
        status, mine = self.call("GET", "/api/reading", token=self.serra)
        self.assertEqual(status, 200, mine)
        self.assertIn(o, [i["orderId"] for i in mine["items"]])
        item = next(i for i in mine["items"] if i["orderId"] == o)
        self.assertEqual(item["procedures"], ["CT chest"])
        self.assertEqual(item["appointment"]["orderStatus"], "acquired")
        self.assertTrue(item["waitingSince"])
        results = {}

        def claim(name, token):
            results[name] = self.call("POST", f"/api/reading/{o}/claim", token=token)

        racers = [threading.Thread(target=claim, args=(n, t)) for n, t in (("serra", self.serra), ("vila", self.vila))]
        for t in racers:
            t.start()
        for t in racers:
            t.join()
        statuses = sorted(r[0] for r in results.values())
        self.assertEqual(statuses, [200, 409], results)
        winner = next(n for n, r in results.items() if r[0] == 200)
        loser = next(n for n, r in results.items() if r[0] == 409)
        self.assertEqual(results[loser][1]["conflict"]["rule"], "reading_claimed")
        self.assertIn("is reading this exam", results[loser][1]["detail"])
        status, exam = self.call("GET", f"/api/reading/{o}", token=self.admin)
        self.assertEqual(exam["exam"]["readingBy"], winner)
        self.assertEqual(exam["exam"]["appointment"]["orderStatus"], "in_reading")
        # The loser sees who reads it, and cannot write its report.
        token = self.vila if loser == "vila" else self.serra
        status, body = self.call("PUT", f"/api/reading/{o}/report", self.draft("Mine"), token=token)
        self.assertEqual((status, body["conflict"]["rule"]), (409, "reading_claimed"), body)
        # Bad requests: the protocol's answer, nothing changed.
        before = self.report_state(o)
        for method, path, body, code in (
                ("GET", "/api/reading/999999", None, 404), ("POST", "/api/reading/999999/claim", None, 404),
                ("GET", "/api/reading/x1/report/versions/1/pdf", None, 404),
                ("GET", f"/api/reading/{o}/report/versions/9/pdf", None, 404),
                ("PUT", f"/api/reading/{o}/report", {"revision": -1, "sections": []}, 400),
                ("PUT", f"/api/reading/{o}/report", {"revision": 0, "sections": "findings"}, 400),
                ("PUT", f"/api/reading/{o}/report", {"revision": 0, "sections": [{"key": "findings", "text": 7}]}, 400),
                ("POST", f"/api/reading/{o}/report/preliminary", {"revision": 0, "extra": 1}, 400)):
            status, problem = self.call(method, path, body, token=self.serra if winner == "serra" else self.vila)
            self.assertEqual(status, code, (method, path, problem))
        status, _, _ = self.server.http("PUT", f"/api/reading/{o}/report", body=b"{not json",
                                        headers={"Content-Type": "application/json"}, token=self.serra)
        self.assertEqual(status, 400)
        self.assertEqual(self.report_state(o), before)
        self.assertEqual(self.call("GET", "/api/reading?scope=whose", token=token)[0], 400)
        self.assertEqual(self.call("GET", "/api/reading?unknown=1", token=token)[0], 400)
        self.assertEqual(self.call("GET", "/api/reading", token=self.technician)[0], 403)

    def test_a_report_is_written_signed_verified_and_amended(self):
        patient, order = self.acquired("Puigdemont i Soler", 15)
        o = order["id"]
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        status, saved = self.call("PUT", f"/api/reading/{o}/report", self.draft("No nodule."), token=self.serra)
        self.assertEqual(status, 200, saved)
        self.assertEqual(saved["report"]["revision"], 1)
        # The vocabularies, in the reader's language; a finding in them is saved with the text.
        status, vocabularies = self.call("GET", "/api/reporting/vocabularies?language=ca", token=self.serra)
        self.assertEqual(status, 200, vocabularies)
        self.assertEqual([v["key"] for v in vocabularies], ["birads", "lungrads", "tirads", "lirads", "pirads", "tnm"])
        lung = next(v for v in vocabularies if v["key"] == "lungrads")
        self.assertIn({"code": "4A", "label": "Sospitós",
                       "management": "TCBD en 3 mesos; PET/TC si hi ha un component sòlid de 8 mm o més"},
                      lung["fields"][0]["choices"])
        self.assertEqual(self.call("GET", "/api/reporting/vocabularies?language=fr", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/vocabularies", token=self.technician)[0], 403)
        status, templates = self.call("GET", "/api/reporting/templates?modality=MG", token=self.serra)
        self.assertEqual((status, [t["code"] for t in templates]), (200, ["VIR-MG-BREAST"]))
        self.assertEqual(templates[0]["findingsSystem"], "birads")
        status, templates = self.call("GET", "/api/reporting/templates?modality=CT", token=self.serra)
        self.assertEqual([t["code"] for t in templates], ["VIR-CT-ABDPEL", "VIR-CT-CHEST", "VIR-CT-HEAD"], "by name")
        self.assertEqual(self.call("GET", "/api/reporting/templates?body=chest", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/templates", token=self.technician)[0], 403)
        draft = self.draft("No pulmonary nodule. No effusion.", "Normal CT chest.", 1)
        draft["findings"] = [{"system": "lungrads", "values": {"category": "2", "nodule": "solid", "size_mm": 4}}]
        status, saved = self.call("PUT", f"/api/reading/{o}/report", draft, token=self.serra)
        self.assertEqual(status, 200, saved)
        self.assertEqual(saved["report"]["draft"]["findings"],
                         [{"system": "lungrads", "values": {"category": "2", "nodule": "solid", "size_mm": "4"}}])

        # Refusals, each naming its rule, each changing nothing.
        before = self.report_state(o)
        for body, rule, code in (
                (self.draft("typed in another window", "", 1), "stale", 409),
                ({"revision": 2, "sections": [{"key": "Bad Key", "title": "x", "text": "y"}]}, None, 400),
                ({"revision": 2, "sections": [], "colour": "red"}, None, 400),
                # Invalid codes: no BI-RADS 7, no M2, nothing outside the vocabulary.
                ({"revision": 2, "sections": [], "findings": [
                    {"system": "birads", "values": {"assessment": "7", "laterality": "L"}}]}, "findings/0/assessment", 400),
                ({"revision": 2, "sections": [], "findings": [
                    {"system": "tnm", "values": {"t": "T2", "n": "N0", "m": "M2"}}]}, "findings/0/m", 400),
                ({"revision": 2, "sections": [], "findings": [{"system": "radlex", "values": {}}]},
                 "findings/0/system", 400),
                ({"revision": 2, "sections": [], "findings": [{"system": "birads", "colour": 1}]}, None, 400),
                # A template for another kind of exam, and one that does not exist.
                ({"revision": 2, "templateCode": "VIR-MR-KNEE", "sections": []}, "template_mismatch", 409),
                ({"revision": 2, "templateCode": "NO-SUCH", "sections": []}, "templateCode", 400)):
            status, problem = self.call("PUT", f"/api/reading/{o}/report", body, token=self.serra)
            self.assertEqual(status, code, problem)
            if rule and code == 409:
                self.assertEqual(problem["conflict"]["rule"], rule)
            elif rule:
                self.assertIn(rule, [e["field"] for e in problem["errors"]], problem)
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 2, "reauthentication": "wrong password"}, token=self.serra)
        self.assertEqual(status, 403, problem)
        self.assertEqual(problem["conflict"]["rule"], "reauthentication")
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign", {"revision": 2}, token=self.serra)
        self.assertEqual(status, 400, problem)
        status, problem = self.call("PUT", f"/api/reading/{o}/report/addendum", self.draft("x", "", 2), token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "not_signed"))
        self.assertEqual(self.report_state(o), before)

        status, signed = self.call("POST", f"/api/reading/{o}/report/sign",
                                   {"revision": 2, "reauthentication": PASSWORD}, token=self.serra)
        self.assertEqual(status, 200, signed)
        report = signed["report"]
        self.assertEqual(report["status"], "final")
        self.assertEqual(signed["exam"]["appointment"]["orderStatus"], "released", "not sensitive: out when signed")
        self.assertTrue(signed["report"]["versions"][-1]["release"]["releasedAt"])
        final = report["versions"][-1]
        self.assertEqual(final["kind"], "final")
        self.assertEqual(final["signature"]["signerName"], "Dr. Joan Serra")
        self.assertIn("Dr. Joan Serra", final["signature"]["certificateSubject"])

        status, _, pdf = self.server.http("GET", f"/api/reading/{o}/report/versions/{final['number']}/pdf",
                                          token=self.vila)
        self.assertEqual(status, 200)
        self.assertTrue(pdf.startswith(b"%PDF-"))
        found = pdfsig(pdf)
        self.assertIn("ETSI.CAdES.detached", found)
        self.assertIn("Signature is Valid", found)
        self.assertIn("Total document signed", found)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        self.assertIn("No pulmonary nodule. No effusion.", text)
        self.assertIn("Puigdemont i Soler", text)
        self.assertIn("Structured findings", text)
        self.assertRegex(text, r"Lung-RADS\s+2")
        self.assertIn(order["accessionNumber"], text)
        self.assertIn("Dr. Joan Serra", text)
        status, check = self.call("GET", f"/api/reading/{o}/report/versions/{final['number']}/verify", token=self.vila)
        self.assertEqual(status, 200, check)
        self.assertTrue(check["valid"], check)
        self.assertEqual(check["sha256"], final["signature"]["sha256"])
        # PAdES B-T: time-stamped by the clinic's authority at signing.
        self.assertTrue(check["timestamped"], check)
        stamped = datetime.datetime.fromisoformat(check["timestampTime"].replace("Z", "+00:00"))
        signed_at = datetime.datetime.fromisoformat(final["signature"]["signedAt"].replace("Z", "+00:00"))
        self.assertLess(abs((stamped - signed_at).total_seconds()), 10)
        # The command line says the same of a file that comes back, and of one changed.
        signed_file = self.server.tmp / "report.pdf"
        signed_file.write_bytes(pdf)
        r = self.server.cli("report", "verify", str(signed_file))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("verified: this is the report as signed", r.stdout)
        self.assertIn(order["accessionNumber"], r.stdout)
        changed = bytearray(pdf)
        changed[len(changed) // 2] ^= 0x20
        signed_file.write_bytes(bytes(changed))
        r = self.server.cli("report", "verify", str(signed_file))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("NOT VERIFIED", r.stdout)

        # The signed report is in the study as DICOM (this exam's images never came: the order's
        # study, its patient as the RIS has it): the PDF by WADO-RS, byte for byte, and the SR.
        study = order["studyInstanceUid"]
        (pdf_class, pdf_series, pdf_uid, _), (sr_class, sr_series, sr_uid, _) = report_objects(self, study, 2)
        self.assertEqual((pdf_class, sr_class), ("1.2.840.10008.5.1.4.1.1.104.1", "1.2.840.10008.5.1.4.1.1.88.11"))
        archived = self.server.tmp / "archived"
        archived.mkdir(exist_ok=True)
        got = wado_file(self, study, pdf_series, pdf_uid, archived / "final-pdf.dcm")
        self.assertEqual(encapsulated_pdf(self, got), pdf, "the archive holds the signed PDF as signed")
        got = wado_file(self, study, sr_series, sr_uid, archived / "final-sr.dcm")
        text = sr_text(self, got)
        for expected in ("Basic Text SR", "No pulmonary nodule. No effusion.", "Normal CT chest.", "Findings",
                         "Lung-RADS 2: Benign. Nodule: solid; Size: 4 mm. 12-month screening LDCT.",
                         "Impressions", "VERIFIED", "Dr. Joan Serra", patient["mrn"]):
            self.assertIn(expected, text)
        self.assertIn(f"[{order['accessionNumber']}]", subprocess.run(["dcmdump", "+P", "0008,0050", str(got)],
                                                                      capture_output=True, text=True).stdout)
        self.assertIn("Puigdemont i Soler", text)

        # Signed: neither signed again nor edited.
        before = self.report_state(o)
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": report["revision"], "reauthentication": PASSWORD}, token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "already_signed"))
        status, problem = self.call("PUT", f"/api/reading/{o}/report", self.draft("edited", "", report["revision"]),
                                    token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "already_signed"))
        self.assertEqual(self.report_state(o), before)

        # An addendum by a colleague: a new signed version; the first stays as it was, and verifies.
        addendum = {"revision": report["revision"], "templateCode": "",
                    "sections": [{"key": "addendum", "title": "Addendum", "text": "Compared with 2026: unchanged."}]}
        status, drafted = self.call("PUT", f"/api/reading/{o}/report/addendum", addendum, token=self.vila)
        self.assertEqual(status, 200, drafted)
        status, amended = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": drafted["report"]["revision"], "reauthentication": PASSWORD},
                                    token=self.vila)
        self.assertEqual(status, 200, amended)
        self.assertEqual(amended["report"]["status"], "amended")
        self.assertEqual([v["kind"] for v in amended["report"]["versions"]], ["final", "addendum"])
        self.assertEqual(amended["report"]["versions"][0], final, "the signed version as it was")
        status, _, again = self.server.http("GET", f"/api/reading/{o}/report/versions/1/pdf", token=self.vila)
        self.assertEqual(again, pdf)
        status, _, second = self.server.http("GET", f"/api/reading/{o}/report/versions/2/pdf", token=self.vila)
        self.assertIn("Signature is Valid", pdfsig(second))
        text = subprocess.run(["pdftotext", "-", "-"], input=second, capture_output=True, check=True).stdout.decode()
        self.assertIn("Compared with 2026: unchanged.", text)
        self.assertIn("No pulmonary nodule", text, "the addendum's PDF shows what it adds to")
        # The addendum adds two objects, in the same series; what was stored stays, and C-GET
        # brings all four, the new SR naming the one it amends.
        objects = report_objects(self, study, 4)
        self.assertIn((pdf_class, pdf_series, pdf_uid, 1), objects)
        self.assertIn((sr_class, sr_series, sr_uid, 1), objects)
        self.assertEqual({o[1] for o in objects}, {pdf_series, sr_series})
        with tempfile.TemporaryDirectory() as out:
            r = self.server.tool("getscu", "-S", "-od", out, "-aec", "VIREO", "-k", "QueryRetrieveLevel=STUDY",
                                 "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)
            files = sorted(Path(out).iterdir())
            self.assertEqual(len(files), 4, files)
            srs = [f for f in files if "=BasicTextSRStorage" in
                   subprocess.run(["dcmdump", "+P", "0008,0016", str(f)], capture_output=True, text=True).stdout]
            self.assertEqual(len(srs), 2)
            amended = next(f for f in srs if sr_uid not in f.name)
            text = sr_text(self, amended)
            self.assertIn("Compared with 2026: unchanged.", text)
            self.assertIn("No pulmonary nodule. No effusion.", text, "the amended SR holds the whole report")
            self.assertIn("Addendum", text)
            dump = subprocess.run(["dcmdump", "+P", "0040,a360", "+P", "0008,1155", str(amended)],
                                  capture_output=True, text=True).stdout
            self.assertIn(sr_uid, dump, "the amended SR names the SR it amends")
            pdfs = [f for f in files if f not in srs]
            self.assertEqual(sorted(encapsulated_pdf(self, f) for f in pdfs), sorted([pdf, second]))
        stored = self.server.sql_rows("SELECT detail FROM audit_events WHERE resource = 'archive study report objects' "
                                      f"AND study_uid = '{study}' ORDER BY id")
        self.assertEqual(len(stored), 2, stored)
        self.assertIn("report version 2 (addendum, signed by vila)", stored[1][0])


        # One byte of the stored PDF flipped behind Vireo's back: our check and pdfsig both say so.
        report_id = report["id"]
        stored = self.server.sql_rows(f"SELECT pdf FROM rep_signed_pdfs WHERE report_id = {report_id} AND number = 1")[0][0]
        import base64
        raw = bytearray(base64.b64decode(stored))
        raw[len(raw) // 10] ^= 0x01  # in the signed range (a B-T signature's /Contents fills the middle)
        self.drop_append_only("rep_signed_pdfs")
        self.server.sql(f"UPDATE rep_signed_pdfs SET pdf = '{base64.b64encode(bytes(raw)).decode()}' "
                        f"WHERE report_id = {report_id} AND number = 1")
        status, check = self.call("GET", f"/api/reading/{o}/report/versions/1/verify", token=self.vila)
        self.assertEqual(status, 200, check)
        self.assertFalse(check["valid"], check)
        self.assertFalse(check["sha256Matches"])
        self.assertTrue(check["problem"])
        status, _, tampered = self.server.http("GET", f"/api/reading/{o}/report/versions/1/pdf", token=self.vila)
        self.assertNotIn("Signature is Valid", pdfsig(tampered))

        # The trail: who signed, from where, for which patient.
        rows = self.server.sql_rows("SELECT actor, action, resource, patient_id, detail FROM audit_events "
                                    "WHERE resource LIKE '%/report/sign' ORDER BY id")
        self.assertTrue(any(r[0] == "serra" and r[3] == patient["mrn"] and "signed version 1 (final, PDF SHA-256 "
                            + final["signature"]["sha256"] in r[4] for r in rows), rows)
        self.assertTrue(any(r[3] == patient["mrn"] and "re-authentication failed" in r[4] for r in rows),
                        "a refusal names the patient too")
        checks = self.server.sql_rows("SELECT patient_id FROM audit_events WHERE resource LIKE "
                                      f"'%/reading/{o}/report/versions/%/verify' ORDER BY id")
        self.assertTrue(checks and all(r[0] == patient["mrn"] for r in checks), checks)
        self.assertTrue(any("re-authentication failed" in r[4] for r in rows), rows)

    def test_a_report_naming_the_other_side_is_stopped_at_signing(self):
        status, knee = self.call("POST", "/api/ris/procedures", {
            "code": "CT-KNEE-R", "name": "CT right knee", "modality": "CT", "durationMinutes": 15}, token=self.admin)
        self.assertEqual(status, 201, knee)
        _, order, appointment = self.booked("Costa", "Núria", self.ct1, 240, [knee["id"]])
        for step in ("arrive", "start", "acquired"):
            token = self.reception if step == "arrive" else self.technician
            status, appointment = self.call("POST", f"/api/ris/appointments/{appointment['id']}/{step}",
                                            {"version": appointment["version"]}, token=token)
            self.assertEqual(status, 200, appointment)
        o = order["id"]
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/checks", token=self.serra), (200, {"checks": []}))
        # A knee whose side neither the order nor the images state: no side check can run, and
        # the radiologist is told so.
        status, sideless = self.call("POST", "/api/ris/procedures", {
            "code": "CT-KNEE", "name": "CT knee", "modality": "CT", "durationMinutes": 15}, token=self.admin)
        self.assertEqual(status, 201, sideless)
        _, unknown, appointment = self.booked("Costa", "Pere", self.ct1, 255, [sideless["id"]])
        for step in ("arrive", "start", "acquired"):
            token = self.reception if step == "arrive" else self.technician
            status, appointment = self.call("POST", f"/api/ris/appointments/{appointment['id']}/{step}",
                                            {"version": appointment["version"]}, token=token)
            self.assertEqual(status, 200, appointment)
        self.assertEqual(self.call("POST", f"/api/reading/{unknown['id']}/claim", token=self.serra)[0], 200)
        self.assertEqual(self.call("PUT", f"/api/reading/{unknown['id']}/report", {**self.draft("Effusion."), "templateCode": ""},
                                   token=self.serra)[0], 200)
        status, checks = self.call("GET", f"/api/reading/{unknown['id']}/report/checks", token=self.serra)
        self.assertEqual([(c["rule"], c["level"]) for c in checks["checks"]], [("side_unknown", "warn")], checks)
        draft = self.draft("Undisplaced fracture of the left lateral tibial plateau.", "Fracture.")
        draft["templateCode"] = ""
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", draft, token=self.serra)[0], 200)
        text_side = {"rule": "text_side", "level": "warn", "field": "findings", "examSide": "right", "namedSide": "left",
                     "blank": "",
                     "detail": "The findings name the left side; this exam is of the right side"}
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/checks", token=self.serra),
                         (200, {"checks": [text_side]}))
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/checks", token=self.technician)[0], 403)
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/checks?x=1", token=self.serra)[0], 400)

        # Not acknowledged: refused before the password is checked, naming the check; nothing changes.
        before = self.report_state(o)
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 1, "reauthentication": "wrong password"}, token=self.serra)
        self.assertEqual(status, 409, problem)
        self.assertEqual(problem["conflict"], {"rule": "text_side", "checks": [text_side]})
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 1, "reauthentication": PASSWORD, "acknowledged": "text_side"},
                                    token=self.serra)
        self.assertEqual(status, 400, problem)
        self.assertEqual(self.report_state(o), before)
        # Another section's acknowledged: still refused. Acknowledged: signed, and the audit trail
        # says which warning it was signed past.
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 1, "reauthentication": PASSWORD,
                                     "acknowledged": ["text_side/impression"]}, token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "text_side"))
        self.assertEqual(self.report_state(o), before)
        status, signed = self.call("POST", f"/api/reading/{o}/report/sign",
                                   {"revision": 1, "reauthentication": PASSWORD, "acknowledged": ["text_side/findings"]},
                                   token=self.serra)
        self.assertEqual(status, 200, signed)
        self.assertEqual(signed["report"]["status"], "final")
        for _ in range(50):  # (the audit trail is written after the answer)
            details = [r[0] for r in self.server.sql_rows(
                "SELECT detail FROM audit_events WHERE resource LIKE '%/report/sign' ORDER BY id")]
            if details[-1].startswith("acknowledged"):
                break
            time.sleep(0.1)
        self.assertTrue(details[-1].startswith(
            "acknowledged the warnings text_side (The findings name the left side; this exam is of the right side) "
            "and signed version 1"), details[-1])

    def test_key_images_are_the_exams_own_and_one_deleted_since_stops_the_signature(self):
        patient, order = self.acquired("Clau", 120)
        o = order["id"]
        study = order["studyInstanceUid"]
        self.send(patient["mrn"], patient["mrnIssuer"], order["accessionNumber"], study_uid=study)
        other = self.send(patient["mrn"], patient["mrnIssuer"], "ELSEWHERE-1")
        image = lambda uid: next(i for i in self.call("GET", f"/dicom-web/studies/{uid}/instances", token=self.serra)[1])
        ours, theirs = image(study), image(other)
        key = lambda i, **more: {"seriesInstanceUid": i["0020000E"]["Value"][0], "sopInstanceUid": i["00080018"]["Value"][0],
                                 "frame": 1, "caption": "Meniscal tear", **more}
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        draft = {**self.draft("Tear of the posterior horn of the medial meniscus.", "Meniscal tear."), "templateCode": ""}
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", draft, token=self.serra)[0], 200)

        # Another study's image, a malformed one, an unknown member: each refused, nothing changed.
        before = self.report_state(o)
        for keys, field in (([key(theirs)], "keyImages/0/sopInstanceUid"),
                            ([key(ours), key(ours)], "keyImages/1"),
                            ([key(ours, frame="1")], "keyImages/0/frame"),
                            ([key(ours, frame=2)], "keyImages/0/sopInstanceUid"),  # a single-frame image
                            ([key(ours, windowCenter=40)], "keyImages/0/windowWidth"),
                            ([key(ours, colour="red")], None)):
            status, problem = self.call("PUT", f"/api/reading/{o}/report", {**draft, "revision": 1, "keyImages": keys},
                                        token=self.serra)
            self.assertEqual(status, 400, problem)
            if field:
                self.assertIn(field, [e["field"] for e in problem["errors"]], problem)
        self.assertEqual(self.report_state(o), before)
        self.assertEqual(int(self.server.sql_rows("SELECT COUNT(*) FROM rep_draft_key_images")[0][0]), 0)

        # The exam's own image, in the window it was read in: kept as sent.
        chosen = key(ours, windowCenter=300.5, windowWidth=1200)
        status, saved = self.call("PUT", f"/api/reading/{o}/report", {**draft, "revision": 1, "keyImages": [chosen]},
                                  token=self.serra)
        self.assertEqual(status, 200, saved)
        self.assertEqual(saved["report"]["draft"]["keyImages"], [chosen])

        # Its series deleted from the archive since: the text still saves, but the signature is
        # refused before the password is checked, and nothing is signed.
        series = chosen["seriesInstanceUid"]
        self.assertEqual(self.call("DELETE", f"/api/series/{series}", token=self.admin)[0], 200)
        status, saved = self.call("PUT", f"/api/reading/{o}/report",
                                  {**draft, "revision": 2, "keyImages": [{**chosen, "caption": "Tear"}]}, token=self.serra)
        self.assertEqual(status, 200, saved)
        before = self.report_state(o)
        status, problem = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 3, "reauthentication": "wrong password"}, token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "key_image_missing"), problem)
        self.assertIn("Key image 1", problem["detail"])
        self.assertEqual(self.report_state(o), before)
        status, saved = self.call("PUT", f"/api/reading/{o}/report", {**draft, "revision": 3, "keyImages": []},
                                  token=self.serra)
        self.assertEqual(status, 200, saved)
        status, signed = self.call("POST", f"/api/reading/{o}/report/sign", {"revision": 4, "reauthentication": PASSWORD},
                                   token=self.serra)
        self.assertEqual(status, 200, signed)
        self.assertEqual(signed["report"]["versions"][0]["content"]["keyImages"], [])

    def written(self, family, minutes, token):
        """An acquired exam claimed by the radiologist of `token`, its report's text saved: its order id."""
        _, order = self.acquired(family, minutes)
        o = order["id"]
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=token)[0], 200)
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", self.draft("No nodule.", "Normal."),
                                   token=token)[0], 200)
        return o

    def signed_by_laia(self, o, token, serial):
        """Signs the report of order `o` with Dr. Laia Ferrer's certificate of `serial`; pdfsig and our
        check must find it valid: our check's answer."""
        status, signed = self.call("POST", f"/api/reading/{o}/report/sign", {"revision": 1, "reauthentication": PASSWORD},
                                   token=token)
        self.assertEqual(status, 200, signed)
        self.assertEqual(signed["report"]["versions"][0]["signature"]["certificateSerial"], serial)
        _, _, pdf = self.server.http("GET", f"/api/reading/{o}/report/versions/1/pdf", token=token)
        found = pdfsig(pdf)
        self.assertIn("Signer Certificate Common Name: Laia Ferrer i Puig", found)
        self.assertIn("Signature is Valid", found)
        self.assertIn("Signature Type: ETSI.CAdES.detached", found)
        status, check = self.call("GET", f"/api/reading/{o}/report/versions/1/verify", token=token)
        self.assertEqual(status, 200, check)
        self.assertTrue(check["valid"] and check["chainTrusted"], check)
        return check

    def radiologist(self, user, name):
        """A radiologist on the staff list (signing with a password: no authenticator set up)."""
        self.server.add_user(user, "radiologist", password=PASSWORD)
        status, body = self.call("POST", "/api/ris/staff", {"username": user, "displayName": name, "radiologist": True,
                                                            "contrastTechnician": False, "active": True}, token=self.admin)
        self.assertEqual(status, 201, body)
        return self.server.create_token(user)

    def test_a_radiologists_worklist_has_the_unassigned_exams_of_the_modalities_she_reads(self):
        ona = self.radiologist("ona", "Dra. Ona Pujol")
        _, order = self.acquired("Modalitat", 150)  # a CT, nobody assigned
        mine = lambda: [i["orderId"] for i in self.call("GET", "/api/reading?limit=200", token=ona)[1]["items"]]
        self.assertIn(order["id"], mine(), "no modalities: every one")
        staff = next(m for m in self.call("GET", "/api/ris/staff", token=self.admin)[1]["staff"] if m["username"] == "ona")
        fields = {"username": "ona", "displayName": "Dra. Ona Pujol", "radiologist": True, "contrastTechnician": False,
                  "active": True, "readsSites": [], "version": staff["version"]}
        status, saved = self.call("PUT", f"/api/ris/staff/{staff['id']}", {**fields, "readsModalities": ["mr", "MG"]},
                                  token=self.admin)
        self.assertEqual((status, saved["readsModalities"]), (200, ["MR", "MG"]), saved)
        self.assertNotIn(order["id"], mine(), "a CT, and she reads MR and mammography")
        self.assertIn(order["id"], [i["orderId"] for i in self.call("GET", "/api/reading?scope=all&limit=200",
                                                                      token=ona)[1]["items"]])
        status, problem = self.call("PUT", f"/api/ris/staff/{staff['id']}",
                                    {**fields, "version": saved["version"], "readsModalities": ["CT", "XX"]}, token=self.admin)
        self.assertEqual(status, 400, problem)
        self.assertEqual([e["field"] for e in problem["errors"]], ["readsModalities"])
        status, saved = self.call("PUT", f"/api/ris/staff/{staff['id']}",
                                  {**fields, "version": saved["version"], "readsModalities": ["CT"]}, token=self.admin)
        self.assertEqual(status, 200, saved)
        self.assertIn(order["id"], mine())

    def test_a_radiologists_worklist_has_the_unassigned_exams_of_the_sites_she_reads(self):
        every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
        rooms = {}
        for name, site in (("CT Diagonal", "Diagonal"), ("CT Sant Cugat", "Sant Cugat")):
            status, rooms[site] = self.call("POST", "/api/ris/rooms", {"name": name, "site": f" {site} ", "modality": "CT",
                                                                      "hours": every_day}, token=self.admin)
            self.assertEqual((status, rooms[site]["site"]), (201, site), rooms[site])
        _, at_diagonal = self.acquired("Centre Diagonal", 0, rooms["Diagonal"])
        _, at_cugat = self.acquired("Centre Sant Cugat", 0, rooms["Sant Cugat"])
        bet = self.radiologist("bet", "Dra. Bet Soler")
        mine = lambda: {i["orderId"]: i["site"] for i in self.call("GET", "/api/reading?limit=200", token=bet)[1]["items"]}
        self.assertEqual((mine()[at_diagonal["id"]], mine()[at_cugat["id"]]), ("Diagonal", "Sant Cugat"), "no sites: all")
        staff = next(m for m in self.call("GET", "/api/ris/staff", token=self.admin)[1]["staff"] if m["username"] == "bet")
        fields = {"username": "bet", "displayName": "Dra. Bet Soler", "radiologist": True, "contrastTechnician": False,
                  "active": True, "readsModalities": [], "version": staff["version"]}
        for sites, rule in ((["Sarrià"], "unknown"), (["x" * 65], "too_long"), (["Diagonal\u0007"], "format")):
            status, problem = self.call("PUT", f"/api/ris/staff/{staff['id']}", {**fields, "readsSites": sites},
                                        token=self.admin)
            self.assertEqual(status, 400, problem)
            self.assertEqual([(e["field"], e["rule"]) for e in problem["errors"]], [("readsSites", rule)], problem)
        status, saved = self.call("PUT", f"/api/ris/staff/{staff['id']}", {**fields, "readsSites": ["Sant Cugat"]},
                                  token=self.admin)
        self.assertEqual((status, saved["readsSites"]), (200, ["Sant Cugat"]), saved)
        self.assertNotIn(at_diagonal["id"], mine(), "Diagonal's, and she reads for Sant Cugat")
        self.assertIn(at_cugat["id"], mine())
        self.assertIn(at_diagonal["id"], [i["orderId"] for i in self.call("GET", "/api/reading?scope=all&limit=200",
                                                                          token=bet)[1]["items"]])
        # The centre renamed: what she reads follows it.
        room = rooms["Sant Cugat"]
        edited = {k: v for k, v in room.items() if k not in ("id", "updatedAt")}
        status, renamed = self.call("PUT", f"/api/ris/rooms/{room['id']}", dict(edited, site="Sant Cugat del Vallès"),
                                    token=self.admin)
        self.assertEqual(status, 200, renamed)
        staff = next(m for m in self.call("GET", "/api/ris/staff", token=self.admin)[1]["staff"] if m["username"] == "bet")
        self.assertEqual(staff["readsSites"], ["Sant Cugat del Vallès"])
        self.assertEqual(mine().get(at_cugat["id"]), "Sant Cugat del Vallès")

    def test_a_radiologist_signs_with_their_own_certificate_then_the_clinics_again(self):
        path = "/api/account/signing-certificate"
        files = self.tsa_dir / "certificates"
        p12 = lambda name: base64.b64encode((files / f"{name}.p12").read_bytes()).decode()
        laia = self.radiologist("laia", "Dra. Laia Ferrer i Puig")
        status, now = self.call("GET", path, token=laia)
        self.assertEqual((status, now["source"]), (200, "clinic"), now)
        self.assertEqual(self.call("GET", path, token=self.technician)[0], 403)
        # Refused, each saying why in a rule the browser words; nothing changes.
        for token, body, status, field, rule in (
                (laia, {"pkcs12": p12("stranger"), "password": "s3cret", "reauthentication": PASSWORD}, 400, "pkcs12",
                 "untrusted"),
                (laia, {"pkcs12": p12("encipher"), "password": "s3cret", "reauthentication": PASSWORD}, 400, "pkcs12",
                 "not_for_signing"),
                (laia, {"pkcs12": p12("person"), "password": "guess", "reauthentication": PASSWORD}, 400, "pkcs12",
                 "wrong_password"),
                (laia, {"pkcs12": "bm90IGEgcDEy", "password": "s3cret", "reauthentication": PASSWORD}, 400, "pkcs12",
                 "not_pkcs12"),
                (laia, {"pkcs12": "%%%", "password": "s3cret", "reauthentication": PASSWORD}, 400, "pkcs12", "format"),
                (laia, {"pkcs12": p12("person"), "password": "s3cret"}, 400, "reauthentication", "required"),
                (laia, {"pkcs12": p12("person"), "password": "s3cret", "reauthentication": PASSWORD, "colour": 1}, 400,
                 None, None),
                (laia, {"pkcs12": p12("person"), "password": "s3cret", "reauthentication": "wrong password"}, 403, None,
                 None),
                # Her certificate is not a colleague's to sign with.
                (self.vila, {"pkcs12": p12("person"), "password": "s3cret", "reauthentication": PASSWORD}, 400, "pkcs12",
                 "other_person")):
            code, problem = self.call("PUT", path, body, token=token)
            self.assertEqual(code, status, problem)
            if field:
                self.assertIn({"field": field, "rule": rule}, [{"field": e["field"], "rule": e["rule"]}
                                                               for e in problem["errors"]], problem)
        self.assertEqual(self.call("GET", path, token=laia)[1]["source"], "clinic")
        self.assertEqual(self.call("GET", path, token=self.vila)[1]["source"], "clinic")
        self.assertEqual(self.call("DELETE", path, {"reauthentication": PASSWORD}, token=laia)[0], 404)

        status, own = self.call("PUT", path, {"pkcs12": p12("person"), "password": "s3cret", "reauthentication": PASSWORD},
                                token=laia)
        self.assertEqual((status, own["source"]), (200, "own"), own)
        self.assertIn("CN=Laia Ferrer i Puig", own["subject"])
        self.assertIn("O=Col·legi Oficial de Metges de Barcelona", own["issuer"])
        self.assertEqual(self.call("GET", path, token=laia)[1], own)

        # Her next report is signed with it: pdfsig and our check agree, the time-stamp's authority trusted too.
        o = self.written("Certificat Propi", 135, laia)
        check = self.signed_by_laia(o, laia, own["serial"])
        self.assertEqual((check["signer"], check["timestamped"], check["timestampTrusted"]),
                         ("Laia Ferrer i Puig", True, True), check)

        # Back to the clinic's, confirmed like the change: what she signed with her own stays valid.
        self.assertEqual(self.call("DELETE", path, {}, token=laia)[0], 400)
        self.assertEqual(self.call("DELETE", path, {"reauthentication": "wrong password"}, token=laia)[0], 403)
        status, now = self.call("DELETE", path, {"reauthentication": PASSWORD}, token=laia)
        self.assertEqual((status, now["source"]), (200, "clinic"), now)
        self.assertTrue(self.call("GET", f"/api/reading/{o}/report/versions/1/verify", token=laia)[1]["valid"])
        for _ in range(50):  # (the audit trail is written after the answer)
            audit = [r[0] for r in self.server.sql_rows("SELECT detail FROM audit_events WHERE resource LIKE "
                                                         "'%/signing-certificate' ORDER BY id")]
            if "signs reports from now on with the clinic's certificate again" in audit:
                break
            time.sleep(0.1)
        self.assertTrue(any(d.startswith("signs reports from now on with their own certificate") and
                            "CN=Laia Ferrer i Puig" in d and own["serial"] in d for d in audit), audit)
        self.assertIn("signs reports from now on with the clinic's certificate again", audit)

    def test_a_radiologist_signs_with_her_key_on_the_clinics_security_module(self):
        path = "/api/account/signing-certificate/token"
        puig = self.radiologist("lpuig", "Dra. Laia Ferrer i Puig")
        status, listed = self.call("GET", path, token=puig)
        self.assertEqual(status, 200, listed)
        self.assertTrue(listed["configured"])
        by_object = {c["object"]: c for c in listed["certificates"]}
        # (02, her encryption certificate, names "Laia Ferrer i Puig (cifrado)": not her exactly)
        self.assertEqual(sorted(by_object), ["01", "03"], listed)
        self.assertEqual((by_object["01"]["problem"], by_object["01"]["rule"], by_object["01"]["label"]),
                         ("", "", "Laia Ferrer"))
        self.assertIn("CN=Laia Ferrer i Puig", by_object["01"]["subject"])
        self.assertEqual(by_object["03"]["rule"], "untrusted")
        hers, untrusted = by_object["01"]["fingerprint"], by_object["03"]["fingerprint"]
        authority = hashlib.sha256(ssl.PEM_cert_to_DER_cert(
            (self.tsa_dir / "certificates" / "authority.pem").read_text())).hexdigest()
        self.assertEqual(self.call("GET", path, token=self.vila)[1]["certificates"], [], "only one's own are listed")
        self.assertEqual(self.call("GET", path, token=self.technician)[0], 403)
        for token, body, status, field, rule in (
                (puig, {"certificate": untrusted, "reauthentication": PASSWORD}, 400, "certificate", "untrusted"),
                (puig, {"certificate": "f" * 64, "reauthentication": PASSWORD}, 400, "certificate", "not_on_token"),
                (puig, {"certificate": authority, "reauthentication": PASSWORD}, 400, "certificate", "not_on_token"),
                (puig, {"certificate": hers[:-2] + "'-", "reauthentication": PASSWORD}, 400, "certificate", "format"),
                (puig, {"certificate": hers.upper(), "reauthentication": PASSWORD}, 400, "certificate", "format"),
                (puig, {"certificate": hers}, 400, "reauthentication", "required"),
                (puig, {"certificate": hers, "reauthentication": "wrong password"}, 403, None, None),
                # Hers to a colleague: as if it were not there (nothing of it is told).
                (self.vila, {"certificate": hers, "reauthentication": PASSWORD}, 400, "certificate", "not_on_token")):
            code, problem = self.call("PUT", path, body, token=token)
            self.assertEqual(code, status, (body, problem))
            self.assertNotIn("Laia", json.dumps(problem) if token == self.vila else "")
            if field:
                self.assertIn({"field": field, "rule": rule}, [{"field": e["field"], "rule": e["rule"]}
                                                               for e in problem["errors"]], problem)
        self.assertEqual(self.call("GET", "/api/account/signing-certificate", token=puig)[1]["source"], "clinic")

        status, chosen = self.call("PUT", path, {"certificate": hers, "reauthentication": PASSWORD}, token=puig)
        self.assertEqual((status, chosen["source"]), (200, "token"), chosen)
        self.assertEqual(self.call("GET", "/api/account/signing-certificate", token=puig)[1], chosen)
        # The key never left the module: nothing of it is in the database.
        kept = self.server.sql_rows("SELECT encrypted_key_pem, token_object FROM rep_signing_identities "
                                    "WHERE name LIKE 'own:lpuig@%'")
        self.assertEqual(len(kept), 1)
        self.assertTrue(kept[0][0].startswith("seal:") and "PRIVATE KEY" not in kept[0][0], kept)
        self.assertEqual(kept[0][1], "01")

        o = self.written("Clau Maquinari", 165, puig)
        check = self.signed_by_laia(o, puig, chosen["serial"])
        self.assertTrue(check["timestampTrusted"], check)

        status, now = self.call("DELETE", "/api/account/signing-certificate", {"reauthentication": PASSWORD}, token=puig)
        self.assertEqual((status, now["source"]), (200, "clinic"), now)
        for _ in range(50):  # (the audit trail is written after the answer)
            audit = [r[0] for r in self.server.sql_rows("SELECT detail FROM audit_events WHERE resource LIKE "
                                                         "'%/signing-certificate%' ORDER BY id")]
            if any("their key on the security module" in d for d in audit):
                break
            time.sleep(0.1)
        self.assertTrue(any(d.startswith("signs reports from now on with their key on the security module, certificate")
                            and chosen["serial"] in d for d in audit), audit)
        self.assertTrue(any(d.startswith("refused a signing key on the security module") for d in audit), audit)

    def test_a_revoked_certificate_is_refused_when_brought_and_before_a_signature(self):
        path = "/api/account/signing-certificate"
        files = self.tsa_dir / "certificates"
        p12 = lambda name: base64.b64encode((files / f"{name}.p12").read_bytes()).decode()
        rosa = self.radiologist("rferrer", "Dra. Laia Ferrer i Puig")
        status, problem = self.call("PUT", path, {"pkcs12": p12("ocsp-revoked"), "password": "s3cret",
                                                  "reauthentication": PASSWORD}, token=rosa)
        self.assertEqual(status, 400, problem)
        self.assertEqual([(e["field"], e["rule"]) for e in problem["errors"]], [("pkcs12", "revoked")], problem)
        self.assertIn("keyCompromise", problem["errors"][0]["message"])
        status, own = self.call("PUT", path, {"pkcs12": p12("ocsp-good"), "password": "s3cret",
                                              "reauthentication": PASSWORD}, token=rosa)
        self.assertEqual((status, own["source"]), (200, "own"), own)
        o = self.written("Revocada", 180, rosa)
        # Her card is lost and her authority revokes it: her signature is refused, nothing signed.
        index = files / "index.txt"
        serial = "0A11CE01"
        index.write_text("".join(
            ("R" + line[1:line.index("\t", 2) + 1] + "200101000000Z,keyCompromise" + line[line.index("\t", 2) + 1:]
             if line.startswith("V\t") and f"\t{serial}\t" in line else line)
            for line in index.read_text().splitlines(keepends=True)))
        status, refused = self.call("POST", f"/api/reading/{o}/report/sign",
                                    {"revision": 1, "reauthentication": PASSWORD}, token=rosa)
        self.assertEqual(status, 409, refused)
        self.assertEqual(refused["conflict"]["rule"], "certificate_unusable", refused)
        self.assertIn("was revoked", refused["detail"])
        self.assertEqual(self.call("GET", f"/api/reading/{o}", token=rosa)[1]["report"]["versions"], [])
        self.assertEqual(self.call("DELETE", path, {"reauthentication": PASSWORD}, token=rosa)[0], 200)

    def test_a_radiologist_brings_her_own_certificate_in_the_browser(self):
        built()
        lferrer = self.radiologist("lferrer", "Laia Ferrer i Puig")
        out = run_e2e(self, "certificate", self.server, "lferrer", PASSWORD,
                      VIREO_CERTIFICATES=str(self.tsa_dir / "certificates"))
        self.assertIn("her own certificate: Laia Ferrer i Puig (serialNumber=IDCES-12345678Z,CN=Laia Ferrer i Puig,C=ES)",
                      out)
        self.assertIn("her key on the security module: Laia Ferrer i Puig", out)
        self.assertEqual(self.call("GET", "/api/account/signing-certificate", token=lferrer)[1]["source"], "token")

    def test_a_report_without_a_birads_assessment_has_no_patient_letter(self):
        _, order = self.acquired("Sense Carta", 75)
        o = order["id"]
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/letter", token=self.serra)[1]["conflict"]["rule"],
                         "no_letter")
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", self.draft("No nodule.", "Normal."),
                                   token=self.serra)[0], 200)
        self.assertEqual(self.call("POST", f"/api/reading/{o}/report/sign", {"revision": 1, "reauthentication": PASSWORD},
                                   token=self.serra)[0], 200)
        status, problem = self.call("GET", f"/api/reading/{o}/report/letter", token=self.serra)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "no_letter"))
        self.assertEqual(self.call("GET", f"/api/reading/{o}/report/letter", token=self.technician)[0], 403)
        self.assertEqual(self.call("GET", "/api/reading/999999/report/letter", token=self.serra)[0], 404)

    def test_a_sensitive_result_is_held_until_the_radiologist_releases_it(self):
        _, order = self.acquired("Retinguda", 300)
        o = order["id"]
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        draft = self.draft("Spiculated 25 mm mass in the right upper lobe.", "Suspicious for lung cancer.")
        draft["findings"] = [{"system": "lungrads", "values": {"category": "4B", "nodule": "solid", "size_mm": 25}}]
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", draft, token=self.serra)[0], 200)
        status, signed = self.call("POST", f"/api/reading/{o}/report/sign",
                                   {"revision": 1, "reauthentication": PASSWORD}, token=self.serra)
        self.assertEqual(status, 200, signed)
        release = signed["report"]["versions"][-1]["release"]
        self.assertEqual((release["sensitive"], release["releasedAt"]), (True, ""))
        due = datetime.datetime.fromisoformat(release["dueAt"].replace("Z", "+00:00"))
        signed_at = datetime.datetime.fromisoformat(
            signed["report"]["versions"][-1]["signature"]["signedAt"].replace("Z", "+00:00"))
        self.assertAlmostEqual((due - signed_at).total_seconds(), 72 * 3600, delta=2)
        self.assertEqual(signed["exam"]["appointment"]["orderStatus"], "final", "held: not yet released")
        # Held, it is not in the study, where the referrer and the patient could read it.
        study = signed["exam"]["appointment"]["studyInstanceUid"]
        time.sleep(2)  # (the time the outbox takes to deliver what would have gone)
        status, _, body = self.server.http("GET", f"/dicom-web/studies/{study}/series", token=self.admin)
        self.assertTrue(status in (204, 404) or json.loads(body) == [], f"a held report's objects are in the study: {body}")

        self.assertEqual(self.call("POST", f"/api/reading/{o}/report/release", token=self.technician)[0], 403)
        self.assertEqual(self.call("POST", f"/api/reading/{o}/report/release?now=1", token=self.serra)[0], 400)
        self.assertEqual(self.call("POST", "/api/reading/999999/report/release", token=self.serra)[0], 404)
        status, released = self.call("POST", f"/api/reading/{o}/report/release", token=self.vila)
        self.assertEqual(status, 200, released)
        release = released["report"]["versions"][-1]["release"]
        self.assertEqual(release["releasedBy"], "vila")
        self.assertTrue(release["releasedAt"])
        self.assertEqual(released["exam"]["appointment"]["orderStatus"], "released")
        status, problem = self.call("POST", f"/api/reading/{o}/report/release", token=self.vila)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "not_held"))
        for _ in range(100):  # released, it goes into the study: the SR and the PDF, each in its own series
            status, _, body = self.server.http("GET", f"/dicom-web/studies/{study}/series", token=self.admin)
            if status == 200 and len(json.loads(body)) >= 2:
                break
            time.sleep(0.1)
        self.assertEqual(status, 200, "the released report's objects are not in the study")
        self.assertEqual(sorted(s["00200011"]["Value"][0] for s in json.loads(body)), [9001, 9002])

    def test_an_administrator_imports_an_mrrt_template_edits_exports_and_retires_it(self):
        def imported(name, query=""):
            status, _, body = self.server.http("POST", f"/api/admin/report-templates/import{query}",
                                               body=(MRRT / name).read_bytes(),
                                               headers={"Content-Type": "text/html"}, token=self.admin)
            return status, json.loads(body)

        before = self.server.sql_rows("SELECT code, revision FROM rep_templates ORDER BY code")
        status, problem = imported("cardiac_mr.html", "?x=1")
        self.assertEqual(status, 400, problem)
        status, _, body = self.server.http("POST", "/api/admin/report-templates/import", body=b"%PDF-1.7 no",
                                           headers={"Content-Type": "text/html"}, token=self.admin)
        problem = json.loads(body)
        self.assertEqual((status, problem["errors"][0]["field"]), (400, "file"), problem)
        self.assertIn("not an MRRT template", problem["detail"])
        status, _, _ = self.server.http("POST", "/api/admin/report-templates/import", body=(MRRT / "cardiac_mr.html").read_bytes(),
                                        headers={"Content-Type": "text/html"}, token=self.serra)
        self.assertEqual(status, 403)
        self.assertEqual(self.server.sql_rows("SELECT code, revision FROM rep_templates ORDER BY code"), before,
                         "refused, nothing changed")

        status, cardiac = imported("cardiac_mr.html", "?modalities=MR")
        self.assertEqual(status, 201, cardiac)
        self.assertEqual((cardiac["code"], cardiac["source"], cardiac["revision"]), ("RADREPORT-0009901", "clinic", 1))
        self.assertEqual(imported("cardiac_mr.html")[1]["conflict"]["rule"], "exists")
        status, listed = self.call("GET", "/api/admin/report-templates", token=self.admin)
        self.assertIn("RADREPORT-0009901", [t["code"] for t in listed["items"]])
        self.assertEqual(self.call("GET", "/api/admin/report-templates", token=self.serra)[0], 403)
        # The radiologist's picker offers it for an MR, with its blanks and their rules.
        status, offered = self.call("GET", "/api/reporting/templates?modality=MR", token=self.serra)
        mine = next(t for t in offered if t["code"] == "RADREPORT-0009901")
        self.assertEqual({f["label"]: f["completion"] for f in mine["fields"]},
                         {"End diastolic volume": "ALERT", "Ejection fraction": "PROHIBIT", "Wall motion": "NONE",
                          "Impression": "PROHIBIT"})

        # An edit at the revision loaded; a second one from the same revision is told.
        cardiac["name"] = "Cardiac MRI (clinic)"
        cardiac["macros"][0]["shortcut"] = "Alt+5"
        status, saved = self.call("PUT", "/api/admin/report-templates/RADREPORT-0009901", cardiac, token=self.admin)
        self.assertEqual((status, saved.get("revision")), (200, 2), saved)
        status, stale = self.call("PUT", "/api/admin/report-templates/RADREPORT-0009901", cardiac, token=self.admin)
        self.assertEqual((status, stale["conflict"]["rule"]), (409, "stale"))
        for bad, field in (({**saved, "modalities": ["XX"]}, "modalities/0"), ({**saved, "code": "OTHER"}, "code"),
                           ({**saved, "macros": [{**saved["macros"][0], "shortcut": "F5"}]}, "macros/0/shortcut")):
            status, problem = self.call("PUT", "/api/admin/report-templates/RADREPORT-0009901", bad, token=self.admin)
            self.assertEqual((status, problem["errors"][0]["field"]), (400, field), problem)
        self.assertEqual(self.call("PUT", "/api/admin/report-templates/RADREPORT-0009901", {**saved, "colour": "red"},
                                   token=self.admin)[0], 400)

        # Exported as MRRT, it imports again as the same template.
        status, headers, body = self.server.http("GET", "/api/admin/report-templates/RADREPORT-0009901/mrrt",
                                                 token=self.admin)
        self.assertEqual(status, 200)
        self.assertIn('filename="RADREPORT-0009901.html"', headers["Content-Disposition"])
        self.assertIn(b'<meta name="dcterms.identifier" content="http://www.radreport.org/template/0009901"/>', body)
        status, _, again = self.server.http("POST", "/api/admin/report-templates/import?code=CLINIC-CARDIAC-2",
                                            body=body, headers={"Content-Type": "text/html"}, token=self.admin)
        again = json.loads(again)
        self.assertEqual(status, 201, again)
        for key in ("name", "modalities", "sections", "fields", "macros", "language"):
            self.assertEqual(again[key], saved[key], key)
        self.assertEqual(self.server.http("GET", "/api/admin/report-templates/NOPE/mrrt", token=self.admin)[0], 404)

        # Retired: no longer offered.
        status, retired = self.call("PUT", "/api/admin/report-templates/CLINIC-CARDIAC-2", {**again, "status": "RETIRED"},
                                    token=self.admin)
        self.assertEqual(status, 200, retired)
        status, offered = self.call("GET", "/api/reporting/templates?modality=MR", token=self.serra)
        self.assertNotIn("CLINIC-CARDIAC-2", [t["code"] for t in offered])
        # Vireo's own, edited then restored.
        status, head = self.call("GET", "/api/admin/report-templates/VIR-CT-HEAD", token=self.admin)
        self.assertEqual((head["source"], head["revision"]), ("vireo", 0))
        status, copy = self.call("PUT", "/api/admin/report-templates/VIR-CT-HEAD", {**head, "name": "Head CT"},
                                 token=self.admin)
        self.assertEqual((status, copy["source"], copy["revision"]), (200, "clinic", 1), copy)
        status, restored = self.call("POST", "/api/admin/report-templates/VIR-CT-HEAD/restore", {"revision": 1},
                                     token=self.admin)
        self.assertEqual((status, restored["name"], restored["source"], restored["revision"]), (200, "CT head", "vireo", 2),
                         restored)
        for _ in range(50):  # (the audit trail is written after the answer)
            details = [r[0] for r in self.server.sql_rows(
                "SELECT detail FROM audit_events WHERE resource LIKE '%/api/admin/report-templates%' ORDER BY id")]
            if any(d.startswith("restored") for d in details):
                break
            time.sleep(0.1)
        self.assertIn("imported (IHE MRRT) report template RADREPORT-0009901 (Cardiac MRI: function)", details)
        self.assertIn("restored Vireo's report template VIR-CT-HEAD (CT head)", details)

    def test_an_administrator_imports_templates_and_a_radiologist_fills_their_blanks_in_the_browser(self):
        built()
        self.server.add_user("plantilles", "admin", password=PASSWORD)
        self.server.add_user("nuria", "radiologist", password=PASSWORD)
        status, body = self.call("POST", "/api/ris/staff", {"username": "nuria", "displayName": "Dra. Núria Bosch",
                                                            "radiologist": True, "contrastTechnician": False,
                                                            "active": True}, token=self.admin)
        self.assertEqual(status, 201, body)
        _, order = self.acquired("Plantilla", 60)
        run_e2e(self, "templates", self.server, "plantilles", PASSWORD, VIREO_READER="nuria",
                VIREO_READER_PASSWORD=PASSWORD, VIREO_ORDER=str(order["id"]), VIREO_MRRT=str(MRRT))
        status, cardiac = self.call("GET", "/api/admin/report-templates/CLINIC-CARDIAC", token=self.admin)
        self.assertEqual((status, cardiac["name"], cardiac["macros"][0]["shortcut"]), (200, "Cardiac CT: function", "Alt+1"))
        # What the browser typed was saved as it went: the blanks filled, the required one left.
        saved = ("SELECT COUNT(*) FROM rep_draft_sections s JOIN rep_reports r ON r.id = s.report_id "
                 f"WHERE r.order_id = {order['id']} AND s.section_key = 'findings' "
                 "AND s.body LIKE '%Ejection fraction: 58 _%' AND s.body LIKE '%[[End diastolic volume]]%'")
        for _ in range(50):
            if self.server.sql_rows(saved) == [["1"]]:
                break
            time.sleep(0.1)
        self.assertEqual(self.server.sql_rows(saved), [["1"]])
        self.assertEqual(self.server.sql_rows(f"SELECT status FROM rep_reports WHERE order_id = {order['id']}"), [["draft"]])

    def test_turnaround_counts_each_report_signed_and_what_waits(self):
        def turnaround():
            status, t = self.call("GET", "/api/reporting/turnaround?days=7", token=self.admin)
            self.assertEqual(status, 200, t)
            return t
        before = turnaround()
        _, order = self.acquired("Temps", 90)  # (offsets stay under 5 hours: the day ends)
        o = order["id"]
        waiting = turnaround()
        ct = lambda t: next((p["count"] for p in t["pending"]
                             if p["modality"] == "CT" and p["priority"] == order["priority"]), 0)
        self.assertEqual(ct(waiting), ct(before) + 1, waiting["pending"])
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=self.serra)[0], 200)
        self.assertEqual(self.call("PUT", f"/api/reading/{o}/report", self.draft("No nodule.", "Normal."),
                                   token=self.serra)[0], 200)
        self.assertEqual(self.call("POST", f"/api/reading/{o}/report/sign", {"revision": 1, "reauthentication": PASSWORD},
                                   token=self.serra)[0], 200)
        after = turnaround()
        self.assertEqual(after["overall"]["reports"], before["overall"]["reports"] + 1)
        self.assertEqual(ct(after), ct(before))
        serra = next(g for g in after["byRadiologist"] if g["key"] == "Dr. Joan Serra")
        self.assertGreaterEqual(serra["acquiredToSigned"]["count"], 1)
        self.assertGreaterEqual(serra["acquiredToSigned"]["p90Minutes"], serra["acquiredToSigned"]["medianMinutes"])
        self.assertEqual(self.call("GET", "/api/reporting/turnaround", token=self.serra)[0], 200)
        self.assertEqual(self.call("GET", "/api/reporting/turnaround?days=0", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/turnaround?days=367", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/turnaround?modality=CT", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/turnaround", token=self.technician)[0], 403)

    def test_a_critical_result_is_flagged_escalates_and_its_communication_is_recorded(self):
        patient, order = self.acquired("Critical", 30)
        o = order["id"]
        status, clinic = self.call("GET", "/api/reporting/critical-findings", token=self.serra)
        self.assertEqual(status, 200, clinic)
        self.assertIn("Pulmonary embolism", clinic["findings"])
        self.assertEqual(clinic["methods"], ["phone", "in_person", "secure_message"])
        # Refused: a finding not on the clinic's list, a technician, unknown members; nothing flagged.
        status, problem = self.call("POST", f"/api/reading/{o}/critical", {"finding": "Mild scoliosis"}, token=self.serra)
        self.assertEqual((status, [e["field"] for e in problem["errors"]]), (400, ["finding"]))
        self.assertEqual(self.call("POST", f"/api/reading/{o}/critical", {"finding": "Pulmonary embolism"},
                                   token=self.technician)[0], 403)
        self.assertEqual(self.call("POST", f"/api/reading/{o}/critical", {"finding": "Pulmonary embolism", "x": 1},
                                   token=self.serra)[0], 400)
        self.assertEqual(self.call("POST", "/api/reading/999999/critical", {"finding": "Pulmonary embolism"},
                                   token=self.serra)[0], 404)
        self.assertEqual(self.call("GET", f"/api/reading/{o}/critical", token=self.serra)[1]["results"], [])
        self.assertEqual(self.call("GET", "/api/reporting/critical-findings", token=self.technician)[0], 403)
        self.assertEqual(self.call("GET", "/api/reporting/critical?status=closed", token=self.serra)[0], 400)
        self.assertEqual(self.call("GET", "/api/reporting/critical", token=self.technician)[0], 403)

        status, flagged = self.call("POST", f"/api/reading/{o}/critical",
                                    {"finding": "Pulmonary embolism", "note": "Saddle embolus"}, token=self.serra)
        self.assertEqual(status, 201, flagged)
        self.assertEqual((flagged["status"], flagged["foundByName"], flagged["mrn"]), ("open", "Dr. Joan Serra", patient["mrn"]))
        # Not communicated within the clinic's time (2 s here): it escalates, and again.
        deadline = time.monotonic() + 20
        while True:
            status, open_ = self.call("GET", "/api/reporting/critical", token=self.vila)
            mine = [r for r in open_["results"] if r["id"] == flagged["id"]]
            if mine and mine[0]["escalations"] >= 2:
                break
            self.assertLess(time.monotonic(), deadline, f"it did not escalate: {mine}")
            time.sleep(0.5)

        c = flagged["id"]
        # An unknown result, or one of another exam, is not found; nothing recorded.
        body = {"to": "Dr. Puig", "method": "phone", "receivedAt": "2026-01-01T00:00:00Z"}
        self.assertEqual(self.call("POST", f"/api/reading/{o}/critical/999999/communicated", body, token=self.vila)[0], 404)
        _, other = self.acquired("Other", 45)
        self.assertEqual(self.call("POST", f"/api/reading/{other['id']}/critical/{c}/communicated", body,
                                   token=self.vila)[0], 404)
        self.assertEqual(self.call("POST", f"/api/reading/{o}/critical/{c}/communicated", body,
                                   token=self.technician)[0], 403)
        for body, field in (({"to": "", "method": "phone", "receivedAt": "2026-01-01T00:00:00Z"}, "to"),
                            ({"to": "Dr. Puig", "method": "fax", "receivedAt": "2026-01-01T00:00:00Z"}, "method"),
                            ({"to": "Dr. Puig", "method": "phone", "receivedAt": "tomorrow"}, "receivedAt"),
                            ({"to": "Dr. Puig", "method": "phone", "receivedAt": "2099-01-01T00:00:00Z"}, "receivedAt"),
                            ({"to": "Dr. Puig", "method": "phone", "receivedAt": "2020-01-01T00:00:00Z"}, "receivedAt")):
            status, problem = self.call("POST", f"/api/reading/{o}/critical/{c}/communicated", body, token=self.vila)
            self.assertEqual(status, 400, (body, problem))
            self.assertIn(field, [e["field"] for e in problem["errors"]], problem)
        received = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        status, closed = self.call("POST", f"/api/reading/{o}/critical/{c}/communicated",
                                   {"to": "Dr. Anna Puig, emergency", "method": "phone", "receivedAt": received},
                                   token=self.vila)
        self.assertEqual(status, 200, closed)
        self.assertEqual((closed["status"], closed["communicatedTo"], closed["receivedAt"], closed["recordedBy"]),
                         ("communicated", "Dr. Anna Puig, emergency", received, "vila"))
        status, again = self.call("POST", f"/api/reading/{o}/critical/{c}/communicated",
                                  {"to": "x", "method": "phone", "receivedAt": received}, token=self.serra)
        self.assertEqual((status, again["conflict"]["rule"]), (409, "already_communicated"))
        status, open_ = self.call("GET", "/api/reporting/critical", token=self.vila)
        self.assertNotIn(c, [r["id"] for r in open_["results"]])
        escalations = self.call("GET", f"/api/reading/{o}/critical", token=self.vila)[1]["results"][0]["escalations"]
        time.sleep(3)
        self.assertEqual(self.call("GET", f"/api/reading/{o}/critical", token=self.vila)[1]["results"][0]["escalations"],
                         escalations, "a closed loop escalates no more")
        rows = self.server.sql_rows("SELECT actor, patient_id, detail FROM audit_events WHERE resource LIKE '%/critical%' "
                                    "AND outcome = 'success' AND action <> 'read' ORDER BY id")
        self.assertTrue(any(r[0] == "serra" and r[1] == patient["mrn"] and "flagged critical result" in r[2] for r in rows), rows)
        self.assertTrue(any(r[0] == "vila" and "recorded the communication of" in r[2] for r in rows), rows)

    def drop_append_only(self, table):
        if self.server.database:
            self.server.sql(f"DROP TRIGGER {table}_no_change ON {table}")
        else:
            self.server.sql(f"DROP TRIGGER {table}_no_update")


class ReportingBrowserTest(ScannerServer):
    """A screening mammogram read in Chromium (web/e2e/reporting.e2e.mjs), its image from the
    mammography unit: the radiologist opens it from the reading worklist, writes it from the
    mammography template with a BI-RADS 4 finding and a measurement from the viewer, signs with a
    TOTP code, adds an addendum. Then here: the PDFs with pdfsig and our check, the report back
    from the archive as DICOM by getscu and WADO-RS, the first version intact."""
    # (the module, not the class, is imported: unittest would run that class's tests here too)
    send = test_mwl.ImagesMeetTheirOrdersTest.send
    SOURCE = test_mwl.TESTDATA / "dicom" / "modality" / "MG_OutOfBoundsOverlay.dcm"
    # The BI-RADS 4 is held, then released early; every report is offered for peer review.
    EXTRA_ENV = {"VIREO_SENSITIVE_RELEASE_DELAY_H": "72", "VIREO_PEER_REVIEW_PERCENT": "100"}
    eventually = test_mwl.ImagesMeetTheirOrdersTest.eventually

    def mammography_waiting(self, *patients):
        """Two radiologists (marta, joan), an administrator (cap), a mammography unit at Sant Cugat
        and screening mammograms acquired for `patients` ((family, given, minutes from now)); their
        (patient, order) and a function reading an order's status."""
        self.server.add_user("cap", "admin", password=PASSWORD)
        admin = self.server.create_token("cap")
        for user, name in (("marta", "Dra. Marta Puig"), ("joan", "Dr. Joan Riera")):
            self.server.add_user(user, "radiologist", password=PASSWORD)
            status, body = self.call("POST", "/api/ris/staff", {"username": user, "displayName": name, "radiologist": True,
                                                                "contrastTechnician": False, "active": True}, token=admin)
            self.assertEqual(status, 201, body)
        every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
        status, mammography = self.call("POST", "/api/ris/rooms", {"name": "Mammography 1", "site": "Sant Cugat",
                                                                  "modality": "MG", "aeTitle": "MGSCAN1",
                                                                  "hours": every_day}, token=admin)
        self.assertEqual(status, 201, mammography)
        status, screening = self.call("POST", "/api/ris/procedures", {
            "code": "MG-SCREEN", "name": "Screening mammography", "modality": "MG", "durationMinutes": 15,
            "reportTemplate": "VIR-MG-BREAST"}, token=admin)
        self.assertEqual(status, 201, screening)
        self.mammography, self.screening = mammography, screening
        status = lambda order: self.call("GET", f"/api/ris/orders/{order['id']}", token=self.reception)[1]["status"]
        waiting = []
        for family, given, minutes in patients:
            patient, order, _ = self.booked(family, given, mammography, minutes, [screening["id"]],
                                            reason="Screening, 52 years old", sex="F")
            self.send(patient["mrn"], patient["mrnIssuer"], order["accessionNumber"],
                      study_uid=order["studyInstanceUid"], name=f"{family}^{given}")
            self.eventually(lambda: status(order) == "acquired", "the images did not close out the exam")
            waiting.append((patient, order))
        return waiting, status

    def test_a_radiologist_reads_writes_signs_and_amends_in_the_browser(self):
        built()
        [(patient, order)], status_of = self.mammography_waiting(("Ferrer i Vidal", "Montserrat", 30))
        status = lambda: status_of(order)
        admin = self.server.create_token("cap")
        run_e2e(self, "reporting", self.server, "marta", PASSWORD, VIREO_OTHER_USER="joan",
                VIREO_OTHER_PASSWORD=PASSWORD, VIREO_PATIENT="Ferrer i Vidal", VIREO_ADMIN_USER="cap",
                VIREO_ADMIN_PASSWORD=PASSWORD)
        self.assertEqual(status(), "amended")
        # The patient's letter of the BI-RADS 4 result, in plain words, in her language.
        marta = self.server.create_token("marta")
        for language, words, born in (("en", "needs a closer look with a biopsy", "9 July 1961"),
                                      ("es", "hay que estudiar con una biopsia", "9 de julio de 1961")):
            code, headers, pdf = self.server.http("GET", f"/api/reading/{order['id']}/report/letter?language={language}",
                                                  token=marta)
            self.assertEqual((code, headers["Content-Type"]), (200, "application/pdf"))
            if os.environ.get("VIREO_SCREENSHOTS"):  # to look at
                Path(os.environ["VIREO_SCREENSHOTS"], f"patient-letter-{language}.pdf").write_bytes(pdf)
            text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
                            .stdout.decode().split())
            self.assertIn(words, text)
            self.assertIn(born, text, "dates as a letter writes them")
            self.assertIn("Ferrer i Vidal", text)
            self.assertNotIn("BI-RADS", text, "the letter speaks plainly")
        self.assertEqual(self.server.http("GET", f"/api/reading/{order['id']}/report/letter?language=de", token=marta)[0],
                         400)
        # The colleague's peer review, for the administrator only; nothing of it in the report.
        code, results = self.call("GET", "/api/reporting/peer-review/summary", token=admin)
        self.assertEqual(code, 200, results)
        self.assertEqual([(r["readerName"], r["reviewed"], r["scores"]["2a"], r["significant"]) for r in results["items"]],
                         [("Dra. Marta Puig", 1, 1, 0)])
        self.assertEqual(self.call("GET", "/api/reporting/peer-review/summary",
                                   token=self.server.create_token("marta"))[0], 403)
        self.assertEqual(self.call("GET", "/api/reporting/peer-review/summary?days=0", token=admin)[0], 400)
        joan = self.server.create_token("joan")
        for body, status_, rule in (({"score": "9"}, 400, None), ({"score": "1", "colour": 1}, 400, None),
                                    ({"score": "1"}, 409, "already_reviewed")):
            code, problem = self.call("POST", f"/api/reading/{order['id']}/peer-review", body, token=joan)
            self.assertEqual(code, status_, problem)
            if rule:
                self.assertEqual(problem["conflict"]["rule"], rule)
        self.assertEqual(self.call("POST", f"/api/reading/{order['id']}/peer-review", {"score": "1"}, token=admin)[0], 403)
        self.assertEqual(self.call("POST", "/api/reading/999999/peer-review", {"score": "1"}, token=joan)[0], 404)
        scored = self.server.sql_rows("SELECT patient_id, detail FROM audit_events WHERE resource LIKE '%/peer-review' "
                                      "AND detail LIKE 'scored%'")
        self.assertEqual([r[0] for r in scored], [self.call("GET", f"/api/reading/{order['id']}", token=joan)[1]
                                                  ["exam"]["appointment"]["patient"]["mrn"]])
        reader = self.server.create_token("joan")
        for number in (1, 2):
            code, _, pdf = self.server.http("GET", f"/api/reading/{order['id']}/report/versions/{number}/pdf",
                                            token=reader)
            self.assertEqual(code, 200)
            found = pdfsig(pdf)
            self.assertIn("Signature is Valid", found)
            self.assertIn("ETSI.CAdES.detached", found)
            if os.environ.get("VIREO_SCREENSHOTS"):  # to look at, with pdftoppm
                Path(os.environ["VIREO_SCREENSHOTS"], f"report-version-{number}.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        self.assertIn("Compared with the prior study: unchanged.", text)
        self.assertRegex(text, r"Length: \d+(\.\d)?\s+mm\s+\(estimated\s+at\s+the\s+patient\)")
        self.assertRegex(text, r"BI-RADS\s+4:\s+Suspicious", "the structured finding is in the signed PDF's table")
        self.assertIn("Structured findings", text)
        self.assertIn("Tissue diagnosis", text)
        # The key image chosen in the viewer is printed under its caption, where the study has it.
        self.assertRegex(text, r"Key images[\s\S]*1\. Spiculated mass, left breast — Series \d+, image \d+")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            listed = subprocess.run(["pdfimages", "-list", f.name], capture_output=True, text=True, check=True).stdout
        self.assertGreaterEqual(len([l for l in listed.splitlines()[2:] if " image " in l]), 1, listed)
        # Both signed versions check out by the API too, and the first is as it was signed.
        for number in (1, 2):
            code, check = self.call("GET", f"/api/reading/{order['id']}/report/versions/{number}/verify", token=reader)
            self.assertTrue(check["valid"], check)
        # Both signed versions joined the scanner's study, filed as its images name the patient.
        study = order["studyInstanceUid"]
        objects = report_objects(self, study, 4)
        sr = max((o for o in objects if o[0] == REPORT_CLASSES[1]), key=lambda o: o[3])  # the addendum's
        got = wado_file(self, study, sr[1], sr[2], self.server.tmp / "browser-sr.dcm")
        text = sr_text(self, got)
        self.assertIn("Ferrer i Vidal^Montserrat", text)
        self.assertIn("Compared with the prior study: unchanged.", text)
        self.assertIn("BI-RADS 4: Suspicious", text, "the SR writes the structured finding out")
        # The SR refers to the key image, under its caption, and names it as the request's evidence.
        mammogram = self.server.sql_rows("SELECT i.sop_instance_uid FROM instances i JOIN series s ON s.id = "
                                         "i.series_fk JOIN studies t ON t.id = s.study_fk WHERE t.study_uid = "
                                         f"'{study}' AND i.sop_class_uid = '1.2.840.10008.5.1.4.1.1.1.2'")
        self.assertIn("Key Images", text)
        self.assertIn("Spiculated mass, left breast", text)
        referenced = subprocess.run(["dcmdump", "+P", "0008,1155", str(got)], capture_output=True, text=True).stdout
        self.assertGreaterEqual(referenced.count(mammogram[0][0]), 2, "in the tree and in the evidence")
        first_pdf = next(o for o in objects if o[0] == REPORT_CLASSES[0] and o[3] == 1)
        got = wado_file(self, study, first_pdf[1], first_pdf[2], self.server.tmp / "browser-pdf.dcm")
        _, _, signed = self.server.http("GET", f"/api/reading/{order['id']}/report/versions/1/pdf", token=reader)
        self.assertEqual(encapsulated_pdf(self, got), signed, "the first signed version, as signed")
        # C-GET brings the mammogram and the four report objects.
        with tempfile.TemporaryDirectory() as out:
            r = self.server.tool("getscu", "-S", "-od", out, "-aec", "VIREO", "-k", "QueryRetrieveLevel=STUDY",
                                 "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)
            classes = sorted(subprocess.run(["dcmdump", "-q", "+P", "0008,0016", str(f)], capture_output=True,
                                            text=True).stdout.split("=")[-1].split()[0] for f in Path(out).iterdir())
            self.assertEqual(classes, ["BasicTextSRStorage", "BasicTextSRStorage", "DigitalMammographyXRayImageStorageForPresentation",
                                       "EncapsulatedPDFStorage", "EncapsulatedPDFStorage"])



class ASecurityModuleThatCannotBeUsedStopsTheStartTest(unittest.TestCase):
    """A node configured with a security module it cannot log in to does not start (its radiologists
    could not sign), and says what to fix without printing the PIN."""

    def setUp(self):
        self.server = Server()
        self.dir = Path(tempfile.mkdtemp(prefix="vireo-hsm-"))
        for script in ("make_p12.sh", "make_token.sh"):
            subprocess.run([str(CERTIFICATES / script), str(self.dir)], check=True, capture_output=True)
        (self.dir / "wrong-pin").write_text("987654\n")

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_each_mistake_is_named(self):
        module = "/usr/lib/softhsm/libsofthsm2.so"
        base = {"SOFTHSM2_CONF": str(self.dir / "softhsm2.conf"), "VIREO_REPORT_PKCS11_MODULE": module,
                "VIREO_REPORT_PKCS11_TOKEN": "Vireo HSM", "VIREO_REPORT_PKCS11_PIN_FILE": str(self.dir / "pin")}
        cases = [
            ({"VIREO_REPORT_PKCS11_TOKEN": ""}, "all three"),
            ({"VIREO_REPORT_PKCS11_MODULE": str(self.dir / "absent.so")}, "does not load"),
            ({"VIREO_REPORT_PKCS11_TOKEN": "Elsewhere"}, 'no token labelled "Elsewhere"'),
            ({"VIREO_REPORT_PKCS11_PIN_FILE": str(self.dir / "wrong-pin")}, "refused the PIN"),
            ({"VIREO_REPORT_PKCS11_PIN_FILE": str(self.dir / "absent")}, "is empty or unreadable"),
        ]
        for change, says in cases:
            r = subprocess.run([str(VIREO), "serve"], env={**self.server.env, **base, **change}, capture_output=True,
                               text=True, timeout=120)
            self.assertNotEqual(r.returncode, 0, change)
            self.assertIn(says, r.stdout + r.stderr, change)
            self.assertNotIn("987654", r.stdout + r.stderr, "no PIN in the message")
            self.assertNotIn("123456", r.stdout + r.stderr, "no PIN in the message")


class ReadingWindowBrowserTest(ScannerServer):
    """The images on a second screen, in Chromium (web/e2e/reading-window.e2e.mjs): the report full
    width in one window, the images in their own; a measurement and a key image from there, a
    warning while that window shows another patient, and the window following the report to the
    next exam."""
    send = ReportingBrowserTest.send
    SOURCE = ReportingBrowserTest.SOURCE
    eventually = ReportingBrowserTest.eventually
    mammography_waiting = ReportingBrowserTest.mammography_waiting

    def test_a_radiologist_reads_with_the_images_in_a_window_of_their_own(self):
        built()
        [(_, first), (soler, second)], status = self.mammography_waiting(("Ferrer i Vidal", "Montserrat", 30),
                                                                         ("Soler Mas", "Carme", 45))
        # Her screening of earlier today, read and signed by Dr. Riera: the prior report beside the new one.
        prior = self.signed_earlier(soler, "Scattered fibroglandular densities.", "BI-RADS 1: negative.")
        # An exam the technician marked acquired whose images have not reached the archive.
        _, no_images, appointment = self.booked("Roca Font", "Laia", self.mammography, 60, [self.screening["id"]],
                                              reason="Screening", sex="F")
        for step in ("arrive", "start", "acquired"):
            status_, appointment = self.call("POST", f"/api/ris/appointments/{appointment['id']}/{step}",
                                             {"version": appointment["version"]},
                                             token=self.reception if step == "arrive" else self.technician)
            self.assertEqual(status_, 200, appointment)
        run_e2e(self, "reading-window", self.server, "marta", PASSWORD, VIREO_FIRST_ORDER=str(first["id"]),
                VIREO_SECOND_ORDER=str(second["id"]), VIREO_PRIOR_ACCESSION=prior["accessionNumber"])
        marta = self.server.create_token("marta")
        # Her prior report, for whoever reads her next exam: signed versions only, audited as read.
        code, priors = self.call("GET", f"/api/reading/{second['id']}/priors", token=marta)
        self.assertEqual(code, 200, priors)
        self.assertEqual([(p["exam"]["appointment"]["accessionNumber"], p["status"], [v["kind"] for v in p["versions"]])
                          for p in priors["items"]], [(prior["accessionNumber"], "final", ["final"])])
        self.assertEqual(priors["items"][0]["versions"][0]["signature"]["signerName"], "Dr. Joan Riera")
        self.assertEqual(priors["total"], 1)
        self.assertEqual(self.call("GET", f"/api/reading/{first['id']}/priors", token=marta)[1], {"items": [], "total": 0})
        self.assertEqual(self.call("GET", "/api/reading/999999/priors", token=marta)[0], 404)
        self.assertEqual(self.call("GET", f"/api/reading/{second['id']}/priors?all=1", token=marta)[0], 400)
        self.assertEqual(self.call("GET", f"/api/reading/{second['id']}/priors", token=self.technician)[0], 403)
        code, waiting = self.call("GET", "/api/reading?scope=all", token=marta)
        self.assertEqual({i["orderId"]: i["priorReports"] for i in waiting["items"]},
                         {first["id"]: 0, second["id"]: 1, no_images["id"]: 0})
        read = self.server.sql_rows("SELECT patient_id, detail FROM audit_events WHERE resource LIKE '%/priors'")
        self.assertIn((soler["mrn"], f"read the prior reports of exam {second['accessionNumber']} "
                                     f"({prior['accessionNumber']})"), [tuple(r) for r in read])
        # What came from the images window is in the saved draft of the first exam's report.
        code, exam = self.call("GET", f"/api/reading/{first['id']}", token=marta)
        self.assertEqual(code, 200, exam)
        draft = exam["report"]["draft"]
        findings = next(s["text"] for s in draft["sections"] if s["key"] == "findings")
        self.assertRegex(findings, r"Length: \d+(\.\d)? mm")
        self.assertEqual([k["sopInstanceUid"] for k in draft["keyImages"]],
                         [self.instances_of(first["studyInstanceUid"], marta)[0]])
        self.assertEqual((status(first), status(second)), ("acquired", "in_reading"))

    def signed_earlier(self, patient, findings, impression):
        """Another screening mammogram of `patient`, performed before the exams waiting, its report
        signed by joan: its order."""
        status, order = self.call("POST", "/api/ris/orders", {
            "patientId": patient["id"], "procedureIds": [self.screening["id"]], "priority": "routine",
            "reason": "Screening", "referringPhysician": "Dr. Elena Serra"}, token=self.reception)
        self.assertEqual(status, 201, order)
        at = (self.start + datetime.timedelta(minutes=0)).strftime("%H:%M")
        status, appointment = self.call("POST", "/api/ris/appointments", {
            "orderId": order["id"], "roomId": self.mammography["id"],
            "startsAt": test_mwl.local_time(self.zone, self.today, at)}, token=self.reception)
        self.assertEqual(status, 201, appointment)
        self.send(patient["mrn"], patient["mrnIssuer"], order["accessionNumber"], study_uid=order["studyInstanceUid"],
                  name="Soler Mas^Carme")
        joan = self.server.create_token("joan")
        o = order["id"]
        self.eventually(lambda: self.call("GET", f"/api/ris/orders/{o}", token=self.reception)[1]["status"] == "acquired",
                        "the images did not close out the earlier exam")
        self.assertEqual(self.call("POST", f"/api/reading/{o}/claim", token=joan)[0], 200)
        status, saved = self.call("PUT", f"/api/reading/{o}/report", {"revision": 0, "templateCode": "", "sections": [
            {"key": "findings", "title": "Findings", "text": findings},
            {"key": "impression", "title": "Impression", "text": impression}],
            "findings": [{"system": "birads", "values": {"assessment": "1", "laterality": "L"}}]}, token=joan)
        self.assertEqual(status, 200, saved)
        status, signed = self.call("POST", f"/api/reading/{o}/report/sign", {
            "revision": saved["report"]["revision"], "reauthentication": PASSWORD}, token=joan)
        self.assertEqual(status, 200, signed)
        return order

    def instances_of(self, study, token):
        code, body = self.call("GET", f"/dicom-web/studies/{study}/instances", token=token)
        self.assertEqual(code, 200, body)
        return [i["00080018"]["Value"][0] for i in body]


if __name__ == "__main__":
    unittest.main()
