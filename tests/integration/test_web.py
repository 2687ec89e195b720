"""The browser application: its files as `vireo serve` answers them (isolation headers,
caching, the application's own paths, what is not there), and the viewer driven end to
end in Debian's Chromium through playwright-core (web/e2e/viewer.e2e.mjs)."""
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zoneinfo
from pathlib import Path

from harness import DICOM, ROOT, TESTDATA, VIREO, Server, free_port, read_meta, wait_port, with_transfer_syntax
from test_ris import MERGE_FILES, daytime_zone, store_as

WEB = ROOT / "web"
DIST = WEB / "dist"


def built():
    if not (DIST / "index.html").exists():
        raise AssertionError("web/dist is not built: run make build (scripts/build_web.sh)")


def stored_study(test, server, *files):
    """Stores `files` (each must be accepted) and returns the Study Instance UID of the first."""
    statuses, out = server.store(*files)
    test.assertTrue(statuses and all(v == 0 for v in statuses.values()), out)
    return server.json(f"/api/instances/{read_meta(files[0])[1][(2, 3)]}")["StudyInstanceUID"]


def posting(test, server):
    """POST with a JSON body as the server's administrator, which must succeed: the answer."""
    def post(path, body):
        status, _, out = server.http("POST", path, json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        test.assertIn(status, (200, 201), out)
        return json.loads(out)
    return post


def run_e2e(test, script, server, user, password, **variables):
    """Runs web/e2e/<script>.e2e.mjs against `server` as `user` and returns what it printed;
    the test fails unless the script ends with "<script> end-to-end: ok"."""
    env = dict(os.environ, VIREO_URL=f"https://127.0.0.1:{server.http_port}", VIREO_USER=user, VIREO_PASSWORD=password,
               VIREO_SCREENSHOTS=os.environ.get("VIREO_SCREENSHOTS") or str(server.tmp))
    env.update(variables)
    r = subprocess.run(["node", f"e2e/{script}.e2e.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=300)
    print(r.stdout)
    test.assertEqual(r.returncode, 0, r.stdout + r.stderr)
    test.assertIn(f"{script} end-to-end: ok", r.stdout)
    return r.stdout


class WebAppFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        built()
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def get(self, path, headers=None):
        return self.server.http("GET", path, token=None, headers=headers)

    def test_index_and_the_applications_own_paths_are_the_page_with_isolation_headers(self):
        index = (DIST / "index.html").read_bytes()
        for path in ("/", "/viewer/1.2.840.113619.2.55.3", "/login", "/worklist/today"):
            status, h, body = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, index, path)
            self.assertTrue(h["Content-Type"].startswith("text/html"), path)
            self.assertEqual(h["Cross-Origin-Opener-Policy"], "same-origin")
            self.assertEqual(h["Cross-Origin-Embedder-Policy"], "require-corp")
            self.assertEqual(h["Cross-Origin-Resource-Policy"], "same-origin")
            self.assertIn("frame-ancestors 'none'", h["Content-Security-Policy"])
            self.assertEqual(h["Cache-Control"], "no-cache", "the page is checked on every load")

    def test_assets_are_typed_and_cached_for_good_and_the_page_revalidates(self):
        assets = {p.suffix: p for p in (DIST / "assets").iterdir()}
        for suffix, mime in ((".js", "text/javascript"), (".wasm", "application/wasm"), (".css", "text/css")):
            path = assets[suffix]
            status, h, body = self.get(f"/assets/{path.name}")
            self.assertEqual(status, 200, path)
            self.assertTrue(h["Content-Type"].startswith(mime), (path, h["Content-Type"]))
            self.assertIn("immutable", h["Cache-Control"])
            self.assertEqual(body, path.read_bytes())
        status, h, _ = self.get("/")
        etag = h["ETag"]
        status, h, body = self.get("/", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))

    def test_the_page_preloads_the_viewer_and_every_preload_is_served(self):
        # Opening /viewer/{study} directly must not wait for the application's code to run
        # before the viewer's code is fetched (vite.config.ts, preloadViewer).
        import re
        page = self.get("/viewer/1.2.840.113619.2.55.3")[2].decode()
        preloads = re.findall(r'<link rel="modulepreload" crossorigin href="(/assets/[^"]+)">', page)
        self.assertTrue(any(re.fullmatch(r"/assets/ViewerPage-[\w-]+\.js", p) for p in preloads), preloads)
        self.assertTrue(any("/esm-" in p for p in preloads), "Cornerstone3D's chunk is preloaded")
        for path in preloads:
            status, h, _ = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertTrue(h["Content-Type"].startswith("text/javascript"), path)

    def test_what_is_not_there_is_a_404_and_nothing_leaves_the_folder(self):
        for path in ("/assets/missing-1234.js", "/favicon.ico", "/../../etc/passwd", "/assets/../../CMakeLists.txt",
                     "/.git/config", "/%2e%2e/%2e%2e/etc/passwd"):
            status, h, body = self.get(path)
            if status == 200:
                self.assertEqual(body, (DIST / "index.html").read_bytes(), path)  # the page, never the file
            else:
                self.assertEqual(status, 404, path)
        # Unknown API paths stay API answers (JSON problems), never the page.
        for path in ("/api/nothing", "/dicom-web/nothing/here", "/fhir/Nothing"):
            status, h, _ = self.get(path)
            self.assertEqual(status, 404, path)
            self.assertEqual(h["Content-Type"], "application/problem+json", path)
        status, _, _ = self.server.http("POST", "/viewer/1.2.3", token=None, body=b"{}")
        self.assertEqual(status, 404, "only GET and HEAD reach the application's files")

    def test_an_unbuilt_application_says_what_to_do(self):
        empty = Path(tempfile.mkdtemp(prefix="vireo-noweb-"))
        server = Server(extra_env={"VIREO_WEB_ROOT": str(empty)}).start()
        try:
            status, h, body = server.http("GET", "/", token=None)
            self.assertEqual(status, 503)
            self.assertIn(b"make build", body)
        finally:
            server.cleanup()
            shutil.rmtree(empty, ignore_errors=True)


class StudyDocumentApi(unittest.TestCase):
    """A per-study JSON document route (DOCUMENT below /api/studies/{study}/) on a shared server."""

    DOCUMENT = ""

    @classmethod
    def start_with_ct_and_mr(cls):
        cls.server = Server()
        cls.server.start()
        statuses, out = cls.server.store(DICOM / "modality/CT_small.dcm", DICOM / "modality/MR_small.dcm")
        assert all(v == 0 for v in statuses.values()), out

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def call(self, method, token, body=None, study=None):
        data = None if body is None else json.dumps(body).encode()
        status, _, answer = self.server.http(method, f"/api/studies/{study or self.study}/{self.DOCUMENT}", body=data,
                                             token=token, headers={"Content-Type": "application/json"})
        return status, json.loads(answer) if answer else None


class AnnotationsApiTest(StudyDocumentApi):
    """Measurements kept per user and study: only on studies the user may see, validated,
    gone with the study."""

    DOCUMENT = "annotations"

    @classmethod
    def setUpClass(cls):
        cls.start_with_ct_and_mr()
        cls.studies = cls.server.json("/api/studies")
        cls.reader = cls.server.create_token("tester")
        cls.server.add_user("other", "technician")
        cls.other = cls.server.create_token("other")
        ct = [s for s in cls.studies if "CT" in str(s)][0]
        cls.study = ct["StudyInstanceUID"]
        cls.server.add_user("apatient", "patient", patient_id="NOT-THIS-ONE")
        cls.patient = cls.server.create_token("apatient")

    def test_each_user_keeps_their_own(self):
        length = {"metadata": {"toolName": "Length", "referencedImageId": "wadors:x"}, "data": {"handles": {}}}
        self.assertEqual(self.call("GET", self.reader)[1], {"annotations": [], "updatedAt": None})
        self.assertEqual(self.call("PUT", self.reader, {"annotations": [length]})[0], 204)
        status, got = self.call("GET", self.reader)
        self.assertEqual(status, 200)
        self.assertEqual(got["annotations"], [length])
        self.assertTrue(got["updatedAt"])
        self.assertNotIn(length, self.call("GET", self.other)[1]["annotations"], "another user's are not shown")
        self.assertEqual(self.call("PUT", self.reader, {"annotations": []})[0], 204)
        self.assertEqual(self.call("GET", self.reader)[1]["annotations"], [])
        # Reading and saving them are accesses to the patient's study: both in the audit trail.
        events = self.server.json("/api/audit?user=tester&limit=100")
        mine = [e for e in events if e["resource"].endswith(f"/api/studies/{self.study}/annotations")]
        self.assertEqual({e["action"] for e in mine}, {"read", "update"})
        self.assertTrue(all(e["patientId"] and e["studyInstanceUid"] == self.study for e in mine))

    def test_bad_bodies_and_hidden_studies_change_nothing(self):
        keep = {"metadata": {"toolName": "Probe"}}
        self.assertEqual(self.call("PUT", self.other, {"annotations": [keep]})[0], 204)
        for bad in ([], {"annotations": {}}, {"annotations": [1]}, {"annotations": [{"metadata": {}}]}, {"x": []}):
            status, problem = self.call("PUT", self.other, bad)
            self.assertEqual(status, 400, bad)
            self.assertTrue(problem["detail"])
        status, _, _ = self.server.http("PUT", f"/api/studies/{self.study}/annotations", body=b"{not json",
                                        token=self.other)
        self.assertEqual(status, 400)
        self.assertEqual(self.call("GET", self.other)[1]["annotations"], [keep])
        self.assertEqual(self.call("GET", self.patient)[0], 404, "a study the user may not see does not exist")
        self.assertEqual(self.call("PUT", self.patient, {"annotations": [keep]})[0], 404)
        self.assertEqual(self.call("GET", self.reader, study="1.2.3.999")[0], 404)

    def test_deleting_the_study_deletes_its_annotations(self):
        statuses, out = self.server.store(DICOM / "modality/US_PAL_8_10x_echo.dcm")
        assert all(v == 0 for v in statuses.values()), out
        us = [s for s in self.server.json("/api/studies") if s["StudyInstanceUID"] not in
              {x["StudyInstanceUID"] for x in self.studies}][0]["StudyInstanceUID"]
        self.assertEqual(self.call("PUT", self.reader, {"annotations": [{"metadata": {"toolName": "Arrow"}}]},
                                   study=us)[0], 204)
        self.assertEqual(self.server.http("DELETE", f"/api/studies/{us}", token=self.reader)[0], 200)
        statuses, out = self.server.store(DICOM / "modality/US_PAL_8_10x_echo.dcm")
        self.assertEqual(self.call("GET", self.reader, study=us)[1]["annotations"], [])

    def test_a_deleted_studys_annotations_never_show_on_the_study_sent_again(self):
        """Removing a deleted study's annotations is follow-up work (the outbox); until it is
        done (a failing delivery, a node stopped), what was saved before the study of this UID
        arrived must not be drawn on its images."""
        self.server.sql("INSERT INTO annotations (study_uid, username, json, updated_at) VALUES "
                        f"('{self.study}', 'other', '[{{\"metadata\": {{\"toolName\": \"Length\"}}}}]', "
                        "'2001-01-01T00:00:00.000Z')")
        self.assertEqual(self.call("GET", self.other)[1], {"annotations": [], "updatedAt": None})


class AiFindingsApiTest(StudyDocumentApi):
    """AI findings on a study: each AI engine's account replaces its own with PUT
    (archive.store), viewers read them all (archive.read), validated, gone with the study."""

    DOCUMENT = "ai/findings"
    CT_SOP = read_meta(DICOM / "modality/CT_small.dcm")[1][(2, 3)]
    MR_SOP = read_meta(DICOM / "modality/MR_small.dcm")[1][(2, 3)]
    NODULE = {"id": "n1", "label": "Nodule", "confidence": 0.87, "sopInstanceUid": CT_SOP, "shape": "box",
              "points": [[10, 20], [30, 45]], "model": {"name": "lung-nodules", "version": "2.1"}}

    @classmethod
    def setUpClass(cls):
        cls.start_with_ct_and_mr()
        cls.study = cls.server.json(f"/api/instances/{cls.CT_SOP}")["StudyInstanceUID"]
        cls.server.add_user("engine-a", "technician")
        cls.server.add_user("engine-b", "technician")
        cls.server.add_user("reader", "receptionist")
        cls.server.add_user("apatient", "patient", patient_id="NOT-THIS-ONE")
        cls.a = cls.server.create_token("engine-a", "archive.store", "archive.read")
        cls.b = cls.server.create_token("engine-b", "archive.store", "archive.read")
        cls.reader = cls.server.create_token("reader")
        cls.patient = cls.server.create_token("apatient")

    def test_each_source_replaces_its_own_and_viewers_see_all(self):
        contour = {"label": "Effusion", "sopInstanceUid": self.CT_SOP, "shape": "contour",
                   "points": [[1, 1], [5, 1], [3, 4]]}
        self.assertEqual(self.call("PUT", self.a, {"findings": [self.NODULE]})[0], 204)
        self.assertEqual(self.call("PUT", self.b, {"findings": [contour]})[0], 204)
        status, got = self.call("GET", self.reader)
        self.assertEqual(status, 200)
        by_source = {f["source"]: f for f in got["findings"]}
        self.assertEqual(set(by_source), {"engine-a", "engine-b"})
        self.assertEqual({k: v for k, v in by_source["engine-a"].items() if k not in ("source", "receivedAt")},
                         self.NODULE)
        self.assertTrue(by_source["engine-b"]["receivedAt"])
        # Sending again replaces that source's findings only.
        self.assertEqual(self.call("PUT", self.a, {"findings": []})[0], 204)
        self.assertEqual([f["label"] for f in self.call("GET", self.reader)[1]["findings"]], ["Effusion"])

    def test_bad_findings_and_the_wrong_callers_change_nothing(self):
        self.assertEqual(self.call("PUT", self.b, {"findings": [self.NODULE]})[0], 204)
        bad_findings = [
            {**self.NODULE, "shape": "circle"}, {**self.NODULE, "points": [[1, 2]]},
            {**self.NODULE, "points": [[1, "x"], [3, 4]]}, {**self.NODULE, "confidence": 87},
            {**self.NODULE, "label": ""}, {k: v for k, v in self.NODULE.items() if k != "sopInstanceUid"},
            {**self.NODULE, "frame": 0}, "nodule",
            {**self.NODULE, "sopInstanceUid": "1.2.3.999"},  # no such image
            {**self.NODULE, "sopInstanceUid": self.MR_SOP},  # an image of another study
        ]
        for bad in [{"findings": [f]} for f in bad_findings] + [[], {"findings": {}}, {"x": []}]:
            status, problem = self.call("PUT", self.b, bad)
            self.assertEqual(status, 400, bad)
            self.assertTrue(problem["detail"])
        # The cases the viewer's reading is tested against (tests/fixtures/ai_findings.json), on
        # an image of this study: what the viewer would not draw is refused, the rest kept.
        shared = json.loads((Path(__file__).parents[1] / "fixtures" / "ai_findings.json").read_text())
        on_image = lambda f: {**f, "sopInstanceUid": self.NODULE["sopInstanceUid"]} \
            if isinstance(f, dict) and f.get("sopInstanceUid") else f
        for case in shared["refused"]:
            status, _ = self.call("PUT", self.b, {"findings": [on_image(case["finding"])]})
            self.assertEqual(status, 400, case["case"])
        kept = [f["label"] for f in self.call("GET", self.reader)[1]["findings"] if f["source"] == "engine-b"]
        self.assertEqual(kept, [self.NODULE["label"]], "a refused body changes nothing")
        for case in shared["drawn"]:
            self.assertEqual(self.call("PUT", self.b, {"findings": [on_image(case["finding"])]})[0], 204, case["case"])
        self.assertEqual(self.call("PUT", self.b, {"findings": [self.NODULE]})[0], 204)
        self.assertEqual(self.call("PUT", self.reader, {"findings": []})[0], 403, "readers do not send findings")
        self.assertEqual(self.call("GET", self.patient)[0], 404, "a study the user may not see does not exist")
        self.assertEqual([f["source"] for f in self.call("GET", self.reader)[1]["findings"]], ["engine-b"])

    def test_deleting_the_study_deletes_its_findings(self):
        mr = self.server.json(f"/api/instances/{self.MR_SOP}")["StudyInstanceUID"]
        self.assertEqual(self.call("PUT", self.a, {"findings": [{**self.NODULE, "sopInstanceUid": self.MR_SOP}]},
                                   study=mr)[0], 204)
        self.assertEqual(self.server.http("DELETE", f"/api/studies/{mr}")[0], 200)
        self.server.store(DICOM / "modality/MR_small.dcm")
        self.assertEqual(self.call("GET", self.reader, study=mr)[1]["findings"], [])

    def test_a_deleted_studys_findings_never_show_on_the_study_sent_again(self):
        """As for annotations: findings older than the study's arrival are a deleted study's."""
        finding = json.dumps([{**self.NODULE, "id": "stale"}]).replace("'", "''")
        self.server.sql("INSERT INTO ai_findings (study_uid, source, json, updated_at) VALUES "
                        f"('{self.study}', 'engine-old', '{finding}', '2001-01-01T00:00:00.000Z')")
        self.assertNotIn("engine-old", [f["source"] for f in self.call("GET", self.reader)[1]["findings"]])


class ViewerEndToEndTest(unittest.TestCase):
    """Sign in as a radiologist (setting up the second factor), open a CT from the
    worklist, check the image is drawn, scroll, change the window, measure a length."""

    def test_a_radiologist_reads_a_ct_in_chromium(self):
        built()
        if not shutil.which("chromium"):
            self.fail("Debian's chromium is missing: run scripts/bootstrap.sh")
        if not (WEB / "node_modules" / "playwright-core").exists():
            self.fail("web/node_modules is missing: run scripts/bootstrap.sh")
        tmp = Path(tempfile.mkdtemp(prefix="vireo-e2e-"))
        server = Server()
        try:
            # Three CTs: one to read, one without Pixel Spacing, one with a damaged slice.
            subprocess.run([VIREO.parent / "vireo-synth", "ct", tmp / "ct", "5", "24"], check=True, capture_output=True)
            studies = {}
            for name in ("study0", "study1", "study2", "study3", "study4"):
                studies[name] = sorted((tmp / "ct" / name).glob("*.dcm"), key=lambda p: int(p.stem))
            for f in studies["study1"]:
                subprocess.run(["dcmodify", "-nb", "-ea", "(0028,0030)", str(f)], check=True, capture_output=True)
            # The fourth: a prior of the first study's patient, a year before.
            patient = subprocess.run(["dcmdump", "+P", "0010,0010", "+P", "0010,0020", str(studies["study0"][0])],
                                     check=True, capture_output=True, text=True).stdout
            name, pid = re.findall(r"\[([^\]]*)\]", patient)
            for f in studies["study3"]:
                subprocess.run(["dcmodify", "-nb", "-m", f"(0010,0010)={name}", "-m", f"(0010,0020)={pid}",
                                "-m", "(0008,0020)=20140101", str(f)], check=True, capture_output=True)
            # The fifth: the same name and Patient ID from another hospital (its own issuer): another
            # person, never offered as a prior.
            for f in studies["study4"]:
                subprocess.run(["dcmodify", "-nb", "-m", f"(0010,0010)={name}", "-m", f"(0010,0020)={pid}",
                                "-i", "(0010,0021)=ANOTHER-HOSPITAL", "-m", "(0008,0020)=20150101", str(f)],
                               check=True, capture_output=True)
            server.add_user("drreader", "radiologist", password="Reading-Room-2026!")
            server.start()
            statuses, out = server.store(*[f for files in studies.values() for f in files])
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            # Compressed as stored, to be decoded by the browser's codecs.
            compressed = {}
            for name in ("CT2_JLSN.dcm", "CT1_J2KI.dcm"):
                f = DICOM / "transfer_syntax" / name
                statuses, out = server.store(f)
                self.assertTrue(all(v == 0 for v in statuses.values()), out)
                sop = read_meta(f)[1][(2, 3)]
                compressed[server.json(f"/api/instances/{sop}")["StudyInstanceUID"]] = read_meta(f)[1][(2, 0x10)]
            # An object in an encoding no browser codec reads (MPEG-4 video, as endoscopes and
            # ultrasound carts send): the viewer must name it, not fail silently.
            video = with_transfer_syntax(DICOM / "transfer_syntax" / "SC_rgb_small_odd_jpeg.dcm",
                                         "1.2.840.10008.1.2.4.102", tmp / "video.dcm")
            statuses, out = server.store(video)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            unsupported = server.json(f"/api/instances/{read_meta(video)[1][(2, 3)]}")["StudyInstanceUID"]
            cine = DICOM / "modality" / "XA_multiframe_jpeg.dcm"  # 96 frames, JPEG baseline
            statuses, out = server.store(cine)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            cine_study = server.json(f"/api/instances/{read_meta(cine)[1][(2, 3)]}")["StudyInstanceUID"]
            uid = {}
            for name, files in studies.items():
                sop = read_meta(files[0])[1][(2, 3)]
                uid[name] = server.json(f"/api/instances/{sop}")["StudyInstanceUID"]
            damaged_sop = read_meta(studies["study2"][5])[1][(2, 3)]
            blob = server.blobs.keys(damaged_sop + "-")[0]
            data = bytearray(server.blobs.read(blob))
            data[-2000:-1000] = bytes(1000)  # pixel data changed, size kept: the stored hash no longer holds
            server.blobs.write(blob, bytes(data))
            study = uid["study0"]
            # AI findings from an engine's account: a box on the slice shown first (the head end)
            # and a contour on the next; the viewer draws them only when asked.
            server.add_user("ai-engine", "technician")
            engine = server.create_token("ai-engine", "archive.store", "archive.read")
            top = sorted(server.json(f"/dicom-web/studies/{study}/metadata"), key=lambda m: -m["00200032"]["Value"][2])
            findings = [
                {"id": "n1", "label": "Nodule", "confidence": 0.91, "sopInstanceUid": top[0]["00080018"]["Value"][0],
                 "shape": "box", "points": [[206, 206], [306, 306]], "model": {"name": "phantom-test", "version": "1"}},
                {"id": "e1", "label": "Effusion", "confidence": 0.55, "sopInstanceUid": top[1]["00080018"]["Value"][0],
                 "shape": "contour", "points": [[100, 100], [150, 100], [125, 140]]},
            ]
            status, _, answer = server.http("PUT", f"/api/studies/{study}/ai/findings", token=engine,
                                            body=json.dumps({"findings": findings}).encode(),
                                            headers={"Content-Type": "application/json"})
            self.assertEqual(status, 204, answer)
            shots = os.environ.get("VIREO_SCREENSHOTS") or str(tmp)
            env = dict(os.environ, VIREO_URL=f"https://127.0.0.1:{server.http_port}", VIREO_USER="drreader",
                       VIREO_PASSWORD="Reading-Room-2026!", VIREO_STUDY=study, VIREO_SLICES="24",
                       VIREO_SPACING="0.9765625", VIREO_SCREENSHOTS=shots,
                       VIREO_NOSPACING_STUDY=uid["study1"], VIREO_DAMAGED_STUDY=uid["study2"],
                       VIREO_UNSUPPORTED_STUDY=unsupported, VIREO_AI_FINDINGS=json.dumps(findings),
                       VIREO_PRIOR_STUDY=uid["study3"], VIREO_OTHER_PATIENT_STUDY=uid["study4"],
                       VIREO_MULTIFRAME_STUDY=cine_study, VIREO_MULTIFRAME_FRAMES="96",
                       VIREO_COMPRESSED_STUDIES=",".join(f"{k}={v}" for k, v in compressed.items()))
            r = subprocess.run(["node", "e2e/viewer.e2e.mjs"], cwd=WEB, env=env, capture_output=True, text=True,
                               timeout=300)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("viewer end-to-end: ok", r.stdout)
            self.assertTrue(re.search(r"length [\d.]+ mm again after a reload", r.stdout))
            self.assertIn("no pixel spacing: said so", r.stdout)
            self.assertIn("damaged image: refused with a notice, the other 23 shown", r.stdout)
            self.assertIn("unsupported transfer syntax: named in the viewport", r.stdout)
            self.assertIn("prior side by side: linked scrolling both ways", r.stdout)
            self.assertIn("a length on the prior is saved with the prior", r.stdout)
            self.assertRegex(r.stdout, r"MPR: three planes drawn; the sagittal plane moved [\d.]+ mm with the crosshairs")
            self.assertIn('AI layer: 2 findings, "AI suggestion: Nodule 91%" outlined on its image', r.stdout)
            self.assertIn("Rectangle ROI: mean", r.stdout)
            self.assertIn("markers A/P/R/L, flipped R; scale bar", r.stdout)
            self.assertIn("de-identified overlay: the patient is not named", r.stdout)
            self.assertIn("Ellipse ROI: mean", r.stdout)
            for syntax in compressed.values():
                self.assertIn(f"{syntax}: decoded in the browser from the stored syntax", r.stdout)
            self.assertIn("SR export: Saved as DICOM SR: 3 measurements", r.stdout)
            self.check_exported_sr(server, study, tmp)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


    def check_exported_sr(self, server, study, tmp):
        """The viewer's export is in the study as an Imaging Measurement Report that DCMTK reads:
        TID 1500, the length in mm on the image it was drawn on, the regions' means in HU."""
        series = server.json(f"/dicom-web/studies/{study}/series?Modality=SR")
        self.assertEqual(len(series), 1, series)
        series_uid = series[0]["0020000E"]["Value"][0]
        [instance] = server.json(f"/dicom-web/studies/{study}/series/{series_uid}/instances")
        self.assertEqual(instance["00080016"]["Value"][0], "1.2.840.10008.5.1.4.1.1.88.22", "Enhanced SR")
        status, _, data = server.http("GET", f"/api/instances/{instance['00080018']['Value'][0]}/file")
        self.assertEqual(status, 200)
        (tmp / "sr.dcm").write_bytes(data)
        dump = subprocess.run(["dsrdump", "+Pu", str(tmp / "sr.dcm")], capture_output=True, text=True)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        text = dump.stdout
        self.assertIn("Imaging Measurement Report", text)
        self.assertIn('"Person Observer Name")="drreader"', text)
        template = subprocess.run(["dcmdump", "+P", "0040,db00", str(tmp / "sr.dcm")], capture_output=True, text=True).stdout
        self.assertIn("[1500]", template, "ContentTemplateSequence names TID 1500")
        self.assertRegex(text, r"Length.*=\s*\"14[78](\.\d+)?\" \(mm")
        self.assertRegex(text, r"Mean.*=\s*\"(29\d|30\d)(\.\d+)?\" \(\[hnsf'U\]")


class OrientationEndToEndTest(unittest.TestCase):
    """The orientation cases of tests/fixtures/orientation.json (which Vitest also checks) in
    Chromium: the letters at each edge of real projection and cross-sectional images, rotated
    and flipped, none where the orientation is not known, and mammograms hung back to back."""

    def test_the_letters_at_each_edge_are_the_patients(self):
        built()
        fixture = json.loads((ROOT / "tests" / "fixtures" / "orientation.json").read_text())
        tmp = Path(tempfile.mkdtemp(prefix="vireo-orientation-"))
        server = Server()
        try:
            server.add_user("drorient", "radiologist", password="Reading-Room-2026!")
            server.add_user("drwebgl", "radiologist", password="Reading-Room-2026!")
            server.start()

            def prepared(name, file, edit, study=None):
                # A copy with the case's edits, in a study of its own (or the one given).
                out = tmp / f"{name}.dcm"
                shutil.copy(DICOM.parent / file, out)
                args = ["dcmodify", "-nb", "-gse", "-gin"]
                args += ["-m", f"(0020,000D)={study}"] if study else ["-gst"]
                for tag, element in (edit or {}).items():
                    value = "\\".join(str(v) for v in element["Value"])
                    args += ["-i", f"({tag[:4]},{tag[4:]})={value}"]
                subprocess.run(args + [str(out)], check=True, capture_output=True)
                statuses, log = server.store(out)
                self.assertTrue(all(v == 0 for v in statuses.values()), log)
                dump = subprocess.run(["dcmdump", "+P", "0020,000D", str(out)], check=True, capture_output=True, text=True)
                return re.search(r"\[([0-9.]+)\]", dump.stdout).group(1)

            studies = {"cases": [prepared(f"case{i}", c["file"], c.get("edit")) for i, c in enumerate(fixture["cases"])],
                       "hanging": []}
            for n, h in enumerate(fixture["hanging"]):
                study = f"2.25.{int.from_bytes(os.urandom(12), 'big')}"
                for i, im in enumerate(h["images"]):
                    prepared(f"hanging{n}-{i}", im["file"], im.get("edit"), study)
                studies["hanging"].append(study)
            out = run_e2e(self, "orientation", server, "drorient", "Reading-Room-2026!",
                          VIREO_ORIENTATION_STUDIES=json.dumps(studies))
            # The same letters where the viewer draws with WebGL (the default here is its CPU path):
            # the two turn a mirrored picture differently, and the toolbar must not.
            webgl = run_e2e(self, "orientation", server, "drwebgl", "Reading-Room-2026!",
                            VIREO_ORIENTATION_STUDIES=json.dumps(studies), VIREO_RENDERER="webgl",
                            VIREO_SCREENSHOTS=str(server.tmp))
            self.assertEqual(len(re.findall(r"^.*: (top|no letters)", webgl, re.M)), sum(len(c["states"]) for c in fixture["cases"]))
            states = sum(len(c["states"]) for c in fixture["cases"])
            self.assertEqual(len(re.findall(r"^.*: (top|no letters)", out, re.M)), states, "every state was checked")
            self.assertIn("hanging: R CC (A|P) · L CC (P|A) in 1x2", out)
            # DX 256/128, MG, CR 1024/550, CT, ...: each case whose file stores a window.
            self.assertGreaterEqual(int(re.search(r"stored windows shown as stored: (\d+)", out).group(1)), 3)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class DocumentsEndToEndTest(unittest.TestCase):
    """Objects that are not images, in Chromium (web/e2e/documents.e2e.mjs): a PDF drawn by
    PDF.js, a TID 1500 report as text beside its CT, an ECG on its grid, and a segmentation over
    its CT (on the CPU path and with WebGL), on the side the viewer labels R."""

    def test_pdf_report_ecg_and_segmentation_open_as_what_they_are(self):
        built()
        server = Server()
        try:
            server.add_user("drdocs", "radiologist", password="Reading-Room-2026!")
            server.add_user("drwebgl", "radiologist", password="Reading-Room-2026!")
            server.start()
            files = {"pdf": [DICOM / "modality" / "ENCAPSULATED_PDF_from_oru.dcm"],
                     "report": [DICOM / "modality" / "CT_small.dcm", DICOM / "modality" / "SR_tid1500_sr_document.dcm"],
                     "ecg": [DICOM / "modality" / "ECG_waveform_ecg.dcm"],
                     "segmentation": [DICOM / "modality" / "SEG_ct_binary_3frame.dcm",
                                      *sorted((DICOM / "dicomdir" / "77654033" / "CT2").iterdir())]}
            # The corpus's report shares its CT's series; a report gets a series of its own.
            report = server.tmp / "report.dcm"
            shutil.copy(files["report"][1], report)
            subprocess.run(["dcmodify", "-nb", "-gse", "-m", "(0020,0011)=2", str(report)], check=True, capture_output=True)
            files["report"][1] = report
            studies = {key: stored_study(self, server, *paths) for key, paths in files.items()}
            out = run_e2e(self, "documents", server, "drdocs", "Reading-Room-2026!", VIREO_DOCUMENT_STUDIES=json.dumps(studies))
            # The segmentation's mask on the picture with WebGL too (the default here is the CPU path).
            webgl = run_e2e(self, "documents", server, "drwebgl", "Reading-Room-2026!", VIREO_DOCUMENT_STUDIES=json.dumps(studies),
                            VIREO_RENDERER="webgl", VIREO_SCREENSHOTS=str(server.tmp))
            self.assertIn("none once hidden", webgl)
            self.assertIn('report: "Imaging Measurement Report"', out)
            self.assertIn("not found: /settings and an unknown study say so", out)
            self.assertIn("ECG: 12 leads drawn at 25 mm/s and 10 mm/mV", out)
            self.assertRegex(out, r'segmentation: "first segment" over .*: \d+ coloured pixels, none once hidden')
        finally:
            server.cleanup()


class WorklistEndToEndTest(unittest.TestCase):
    """The study list in Chromium (web/e2e/worklist.e2e.mjs): paging and sorting by the archive,
    today's studies, several modalities, sex and referring physician, dates on one line."""

    def test_a_receptionist_pages_sorts_and_filters_the_study_list(self):
        built()
        tmp = Path(tempfile.mkdtemp(prefix="vireo-worklist-"))
        server = Server()
        try:
            subprocess.run([VIREO.parent / "vireo-synth", "tiny", tmp / "s", "60"], check=True, capture_output=True)
            files = sorted((tmp / "s").rglob("*.dcm"))
            today = time.strftime("%Y%m%d")
            first = sorted((tmp / "s" / "study0").glob("*.dcm"))
            for f in first:
                subprocess.run(["dcmodify", "-nb", "-m", f"(0008,0020)={today}", str(f)], check=True, capture_output=True)
            server.add_user("desk", "receptionist", password="Morning-Shift-2026!")
            server.start()
            statuses, out = server.store(*files)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            today_study = server.json(f"/api/instances/{read_meta(first[0])[1][(2, 3)]}")["StudyInstanceUID"]
            out = run_e2e(self, "worklist", server, "desk", "Morning-Shift-2026!", VIREO_STUDIES="60",
                          VIREO_TODAY_STUDY=today_study)
            self.assertIn("reading-only account: no Export SR, no permission names", out)
            # The order is the archive's: a bad orderby is refused in QIDO's own terms.
            status, _, body = server.http("GET", "/dicom-web/studies?orderby=ModalitiesInStudy")
            self.assertEqual(status, 400, body)
            status, _, body = server.http("GET", "/dicom-web/studies?orderby=NoSuchThing")
            self.assertEqual(status, 400, body)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class AccountEndToEndTest(unittest.TestCase):
    """A person's own account in Chromium (web/e2e/account.e2e.mjs): password change with the
    policy's reasons as typed, an administrator's reset forcing a change, the TOTP QR code,
    and a failed sign-in that tells what to do without telling whether the account exists."""

    def test_password_change_reset_and_authenticator_qr(self):
        built()
        server = Server()
        try:
            server.add_user("tech1", "technician", password="Tech-One-Start-2026")
            server.add_user("tech2", "technician", password="Tech-Two-Start-2026")
            server.add_user("drqr", "radiologist", password="Reading-Room-2026!")
            server.start()
            status, _, body = server.http("POST", "/api/users/tech2/reset-password")
            self.assertEqual(status, 200, body)
            temporary = json.loads(body)["temporaryPassword"]
            run_e2e(self, "account", server, "tech1", "Tech-One-Start-2026", VIREO_TECH="tech1",
                    VIREO_TECH_PASSWORD="Tech-One-Start-2026", VIREO_RESET_USER="tech2", VIREO_RESET_PASSWORD=temporary,
                    VIREO_TOTP_USER="drqr", VIREO_TOTP_PASSWORD="Reading-Room-2026!")
            # The changes are in the audit trail, without the passwords.
            audit = server.http("GET", "/api/audit?limit=200")[2].decode()
            self.assertIn("password changed", audit)
            self.assertNotIn("copper-heron-winter-ledger", audit)
            self.assertNotIn(temporary, audit)
        finally:
            server.cleanup()


class PatientEndToEndTest(unittest.TestCase):
    """A patient in Chromium (web/e2e/patient.e2e.mjs): their own home in plain words, the
    simplified viewer without staff tools, and another patient's study not found."""

    def test_a_patient_sees_their_own_studies_in_a_simple_viewer(self):
        built()
        server = Server()
        try:
            server.add_user("ctpatient", "patient", password="Garden-Window-2026", patient_id="1CT1")
            server.start()
            own, other = DICOM / "modality" / "CT_small.dcm", DICOM / "modality" / "MR_small.dcm"
            uid = {f: stored_study(self, server, f) for f in (own, other)}
            out = run_e2e(self, "patient", server, "ctpatient", "Garden-Window-2026", VIREO_OWN_STUDY=uid[own],
                          VIREO_OTHER_STUDY=uid[other])
            self.assertIn("another patient's study: not found", out)
            self.assertIn("downloaded study-dicom.zip", out)
            self.assertIn("downloaded study-images.zip", out)
        finally:
            server.cleanup()


class ReceptionEndToEndTest(unittest.TestCase):
    """Reception's patient register in Chromium (web/e2e/reception.e2e.mjs): registration with
    its mistakes on their fields, the duplicate warning, search, edits and a stale edit, three
    languages, a study linked by MRN and issuer; then what the browser did, read back here."""

    def test_a_receptionist_registers_finds_and_edits_patients(self):
        built()
        tmp = Path(tempfile.mkdtemp(prefix="vireo-reception-"))
        server = Server()
        try:
            server.add_user("frontdesk", "receptionist", password="Front-Desk-Morning-2026")
            server.start()
            for code, name in (("CT-THX-C", "CT chest with contrast"), ("CT-ABD-C", "CT abdomen with contrast")):
                status, _, body = server.http("POST", "/api/ris/procedures", json.dumps({
                    "code": code, "name": name, "modality": "CT", "durationMinutes": 20}).encode(),
                    headers={"Content-Type": "application/json"})
                self.assertEqual(status, 201, body)
            status, _, body = server.http("POST", "/api/ris/patients", json.dumps({
                "mrn": "LNK-4242", "familyName": "Puig", "givenName": "Jordi", "birthDate": "1961-07-02", "sex": "M"}).encode(),
                headers={"Content-Type": "application/json"})
            self.assertEqual(status, 201, body)
            study = tmp / "linked.dcm"
            shutil.copy(DICOM / "modality" / "CT_small.dcm", study)
            subprocess.run(["dcmodify", "-nb", "-i", "(0010,0020)=LNK-4242", "-i", "(0010,0021)=VIREO", str(study)],
                           check=True, capture_output=True)
            stored_study(self, server, study)
            # Another archive patient with the same ID from another issuer is not this patient.
            other = tmp / "other-issuer.dcm"
            shutil.copy(DICOM / "modality" / "MR_small.dcm", other)
            subprocess.run(["dcmodify", "-nb", "-i", "(0010,0020)=LNK-4242", "-i", "(0010,0021)=ELSEWHERE", str(other)],
                           check=True, capture_output=True)
            stored_study(self, server, other)

            out = run_e2e(self, "reception", server, "frontdesk", "Front-Desk-Morning-2026", VIREO_LINKED_MRN="LNK-4242")
            self.assertIn("the duplicate warning opened the existing record", out)

            found = server.json("/api/ris/patients?q=garc")["patients"]
            self.assertEqual(sorted((p["familyName"], p["givenName"]) for p in found),
                             [("Garcia Lopes", "Ana"), ("García López", "Ana María")])
            ana = next(p for p in found if p["givenName"] == "Ana María")
            self.assertEqual((ana["phone"], ana["email"], ana["notes"], ana["contrastAllergy"]),
                             ("+34 699 000 111", "ana@example.org", "", True))
            # Each change was audited with its actor.
            audit = server.json("/api/audit?" + urllib.parse.urlencode({"patient": ana["mrn"], "limit": 100}))
            said = [(e["actor"], e["detail"]) for e in audit]
            self.assertTrue(any(a == "frontdesk" and "registered RIS patient" in d for a, d in said), said)
            self.assertTrue(any(a == "frontdesk" and "edited RIS patient" in d for a, d in said), said)
            self.assertTrue(any(a == "frontdesk" and "read RIS patient" in d for a, d in said), said)
            orders = server.json(f"/api/ris/orders?patient={ana['id']}")["orders"]
            self.assertEqual(sorted((len(o["procedureIds"]), o["priority"], o["status"]) for o in orders),
                             [(1, "routine", "cancelled"), (2, "urgent", "requested")])
            self.assertTrue(any(a == "frontdesk" and d.startswith("cancelled order") for a, d in said), said)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class CatalogueEndToEndTest(unittest.TestCase):
    """The catalogue kept in Chromium (web/e2e/catalogue.e2e.mjs): a room with its opening hours
    and a closure, a procedure added, refused again under the same code, and retired; then read
    back through the API."""

    def test_an_administrator_sets_up_rooms_closures_and_procedures(self):
        built()
        server = Server()
        try:
            server.add_user("chief", "admin", password="Clinic-Setup-2026!")
            server.start()
            # The clinic's other centre, whose exams a radiologist may read or not.
            status, _, body = server.http("POST", "/api/ris/rooms", json.dumps(
                {"name": "MR Sant Cugat", "site": "Sant Cugat", "modality": "MR", "hours": []}).encode(),
                {"Content-Type": "application/json"})
            self.assertEqual(status, 201, body)
            day = time.strftime("%Y-%m-%d", time.localtime(time.time() + 20 * 86400))
            out = run_e2e(self, "catalogue", server, "chief", "Clinic-Setup-2026!", VIREO_CLOSURE_DAY=day)
            self.assertIn("procedure CT-THX-C added", out)
            rooms = server.json("/api/ris/rooms")["rooms"]
            self.assertEqual([(r["name"], r["site"], r["modality"], r["aeTitle"], len(r["hours"]), r["worklistOwnOnly"])
                              for r in rooms], [("CT 1", "Diagonal", "CT", "CT1_SOMATOM", 11, True),
                                                ("MR Sant Cugat", "Sant Cugat", "MR", "", 0, False)])
            procedure = server.json("/api/ris/procedures?retired=true")["procedures"][0]
            self.assertEqual((procedure["code"], procedure["bodyPart"], procedure["durationMinutes"], procedure["priceCents"],
                              procedure["consentTypes"], procedure["needsContrastTechnician"], procedure["active"]),
                             ("CT-THX-C", "CHEST", 20, 18000, ["contrast"], True, False))
            self.assertIn("creatinine", procedure["preparation"])
            closures = server.json(f"/api/ris/closures?from={day}&to={day}")["closures"]
            self.assertEqual([(c["roomId"], c["startsOn"], c["endsOn"], c["reason"]) for c in closures],
                             [(0, day, day, "Local holiday")])
            self.assertIn("radiologist dr.serra added", out)
            staff = server.json("/api/ris/staff")["staff"]
            self.assertEqual([(m["username"], m["displayName"], m["radiologist"], m["contrastTechnician"], m["readsSites"])
                              for m in staff], [("dr.serra", "Dr. Elena Serra", True, False, ["Sant Cugat"])])
            self.assertEqual(server.json("/api/ris/settings")["readingAssignment"], "least_loaded")
        finally:
            server.cleanup()


class CalendarEndToEndTest(unittest.TestCase):
    """The appointment calendar in Chromium (web/e2e/calendar.e2e.mjs), with the browser in
    another time zone than the clinic's: booking from a patient's order with the keyboard and by
    a click on the grid, a time taken meanwhile by another desk, a move, a check-in and the
    slip; then the bookings and the audit trail read back through the API."""

    def test_a_receptionist_books_moves_and_checks_in_from_the_calendar(self):
        built()
        zone = daytime_zone()
        server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": zone})
        try:
            server.add_user("desk", "receptionist", password="Appointment-Book-2026")
            server.start()

            post = posting(self, server)
            hours = [{"weekday": d, "opens": "07:00", "closes": "21:00"} for d in range(1, 8)]
            for name, buffer in (("CT 1", 5), ("CT 2", 0)):
                post("/api/ris/rooms", {"name": name, "modality": "CT", "hours": hours, "bufferMinutes": buffer})
            ct = post("/api/ris/procedures", {"code": "CT-THX-C", "name": "CT chest with contrast", "modality": "CT",
                                              "durationMinutes": 20, "needsContrastTechnician": False,
                                              "preparation": "Bring your latest creatinine result."})
            orders = []
            for i, (family, allergy) in enumerate((("Ferrer", True), ("Vidal", False), ("Roca", False), ("Soler", False))):
                patient = post("/api/ris/patients", {"familyName": family, "givenName": "Ana", "birthDate": f"197{i}-05-0{i + 1}",
                                                     "sex": "F", "contrastAllergy": allergy,
                                                     "allergies": "Iodinated contrast: hives" if allergy else ""})
                orders.append(post("/api/ris/orders", {"patientId": patient["id"], "procedureIds": [ct["id"]],
                                                       "reason": "Staging", "referringPhysician": "Dr. Serra"}))
            out = run_e2e(self, "calendar", server, "desk", "Appointment-Book-2026", VIREO_ZONE=zone,
                          VIREO_PATIENT_ID=str(orders[0]["patientId"]), VIREO_ORDER2=str(orders[1]["id"]),
                          VIREO_ORDER3=str(orders[2]["id"]), VIREO_RIVAL_ORDER=str(orders[3]["id"]),
                          VIREO_ADMIN_TOKEN=server.token,
                          TZ="Pacific/Kiritimati" if not zone.startswith("Pacific/Kiritimati") else "America/Los_Angeles")
            self.assertIn("calendar end-to-end: ok", out)
            states = [server.json(f"/api/ris/orders/{o['id']}")["status"] for o in orders]
            self.assertEqual(states, ["arrived", "scheduled", "requested", "scheduled"])
            first = server.json(f"/api/ris/appointments?order={orders[0]['id']}")["appointments"]
            self.assertEqual([(a["status"], a["version"]) for a in first], [("arrived", 3)])
            audit = server.json(f"/api/audit?patient={first[0]['patient']['mrn']}&limit=200")
            steps = [(e["actor"], e["detail"].split(" appointment")[0]) for e in sorted(audit, key=lambda e: e["id"])
                     if " appointment " in e["detail"] and not e["detail"].startswith("read")]
            self.assertEqual(steps, [("desk", "booked"), ("desk", "moved"), ("desk", "checked in")])
        finally:
            server.cleanup()


class ExamsEndToEndTest(unittest.TestCase):
    """The issue's whole path in Chromium (web/e2e/exams.e2e.mjs), reception and a technician in
    browsers of their own: registration with the duplicate warning, an order, booked from the
    calendar and checked in; the technician's open list shows the arrival without a reload, then
    started and acquired with a click each, the radiologist chosen. Then the order's lifecycle and
    the audit trail of each step, with its actor, read back through the API."""

    def test_from_registration_to_acquired_images_with_a_live_worklist(self):
        built()
        zone = daytime_zone()
        server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": zone})
        try:
            server.add_user("desk", "receptionist", password="Reception-Morning-Live-2026")
            server.add_user("tecnic", "technician", password="Scanner-Room-Live-2026")
            server.start()

            post = posting(self, server)
            every_hour = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
            post("/api/ris/rooms", {"name": "CT 1", "modality": "CT", "hours": every_hour})
            post("/api/ris/procedures", {"code": "CT-THX-C", "name": "CT chest with contrast", "modality": "CT",
                                         "durationMinutes": 15})
            post("/api/ris/staff", {"username": "dra.vila", "displayName": "Dra. Vila", "radiologist": True,
                                    "contrastTechnician": False, "active": True})
            out = run_e2e(self, "exams", server, "desk", "Reception-Morning-Live-2026", VIREO_TECH_USER="tecnic",
                          VIREO_TECH_PASSWORD="Scanner-Room-Live-2026", VIREO_READER="Dra. Vila")
            self.assertIn("exams end-to-end: ok", out)
            patients = server.json("/api/ris/patients?q=Puig")["patients"]
            self.assertEqual(len(patients), 1, "the second registration was not saved")
            order, = server.json(f"/api/ris/orders?patient={patients[0]['id']}")["orders"]
            self.assertEqual(order["status"], "acquired")
            appointment, = server.json(f"/api/ris/appointments?order={order['id']}")["appointments"]
            self.assertEqual(appointment["readerId"], server.json("/api/ris/staff")["staff"][0]["id"])
            audit = server.json(f"/api/audit?patient={patients[0]['mrn']}&limit=200")
            steps = [(e["actor"], e["detail"].split(" appointment")[0]) for e in sorted(audit, key=lambda e: e["id"])
                     if " appointment " in e["detail"] and not e["detail"].startswith("read")]
            self.assertEqual([s for s in steps if not s[1].startswith("assigned")],
                             [("desk", "booked"), ("desk", "checked in"), ("tecnic", "started the exam of"),
                              ("tecnic", "acquired the images of")])
        finally:
            server.cleanup()


class RequestsEndToEndTest(unittest.TestCase):
    """Appointment requests answered in Chromium (web/e2e/requests.e2e.mjs): two waiting, the
    first booked from the calendar with the patient's preferences in sight, the second declined
    with a reason; then the requests, the booking and the audit trail read back through the API."""

    def test_reception_books_one_request_and_declines_another(self):
        built()
        zone = daytime_zone()
        server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": zone})
        try:
            server.add_user("frontdesk", "receptionist", password="Morning-Requests-2026")
            server.start()

            post = posting(self, server)
            hours = [{"weekday": d, "opens": "07:00", "closes": "21:00"} for d in range(1, 8)]
            post("/api/ris/rooms", {"name": "CT 1", "modality": "CT", "hours": hours})
            ct = post("/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT", "durationMinutes": 15})
            first_day = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date() + datetime.timedelta(days=3)
            requests = []
            for family, part in (("Ferrer", "afternoon"), ("Vidal", "morning")):
                patient = post("/api/ris/patients", {"familyName": family, "givenName": "Ana", "birthDate": "1970-05-01",
                                                     "sex": "F"})
                order = post("/api/ris/orders", {"patientId": patient["id"], "procedureIds": [ct["id"]], "reason": "Staging"})
                requests.append(post("/api/ris/appointment-requests", {
                    "orderId": order["id"], "preferredFrom": str(first_day),
                    "preferredTo": str(first_day + datetime.timedelta(days=4)), "preferredTime": part,
                    "note": f"{part.title()}s only, please"}))
            out = run_e2e(self, "requests", server, "frontdesk", "Morning-Requests-2026", VIREO_FIRST="Ferrer",
                          VIREO_SECOND="Vidal")
            self.assertIn("requests end-to-end: ok", out)
            booked, declined = (server.json(f"/api/ris/appointment-requests/{r['id']}") for r in requests)
            self.assertEqual((booked["status"], declined["status"]), ("confirmed", "declined"))
            self.assertEqual(declined["declineReason"], "The referrer asked for an MRI instead")
            appointment = server.json(f"/api/ris/appointments/{booked['appointmentId']}")
            starts = datetime.datetime.fromisoformat(appointment["startsAt"].replace("Z", "+00:00"))
            self.assertEqual(starts.astimezone(zoneinfo.ZoneInfo(zone)).date(), first_day,
                             "booked on the first day that suits, where the calendar opened")
            self.assertGreaterEqual(starts.astimezone(zoneinfo.ZoneInfo(zone)).hour, 14,
                                    "the first free time offered was in the afternoon asked for")
            audit = server.json(f"/api/audit?patient={booked['patient']['mrn']}&limit=100")
            self.assertIn("frontdesk", [e["actor"] for e in audit if "confirming request" in e["detail"]])
        finally:
            server.cleanup()


class ReconcileEndToEndTest(unittest.TestCase):
    """Images reconciled in Chromium (web/e2e/reconcile.e2e.mjs): a study whose accession number no
    order has waits on the Reconcile page; a technician links it to the patient's order; its files
    then name the order's patient and accession, and the exam is acquired."""

    def test_a_technician_links_stray_images_to_their_order(self):
        built()
        server = Server()
        try:
            server.add_user("tomas", "technician", password="Scanner-Images-2026")
            server.start()
            post = posting(self, server)
            ct = post("/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT", "durationMinutes": 15})
            patient = post("/api/ris/patients", {"familyName": "Okafor", "givenName": "Daniel", "birthDate": "1958-11-23",
                                                 "sex": "M"})
            order = post("/api/ris/orders", {"patientId": patient["id"], "procedureIds": [ct["id"]], "reason": "Cough"})
            source = TESTDATA / "dicom" / "dicomdir" / "98892003" / "MR1" / "15820"
            copy = server.tmp / "stray.dcm"
            shutil.copy(source, copy)
            subprocess.run(["dcmodify", "-nb", "-gst", "-gse", "-gin", "-i", "(0010,0020)=TYPED-BY-HAND",
                            "-i", "(0010,0010)=OKAFOR^D", "-i", "(0008,0050)=XX123", str(copy)],
                           check=True, capture_output=True)
            study = stored_study(self, server, copy)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not any(
                    u["studyInstanceUid"] == study for u in server.json("/api/ris/unmatched-studies")["studies"]):
                time.sleep(0.2)
            run_e2e(self, "reconcile", server, "tomas", "Scanner-Images-2026", VIREO_STUDY=study,
                    VIREO_FAMILY="Okafor", VIREO_ACCESSION=order["accessionNumber"])
            linked = server.json(f"/api/ris/orders/{order['id']}")
            self.assertEqual(linked["studyInstanceUid"], study)
            metadata = server.json(f"/dicom-web/studies/{study}/metadata")
            self.assertEqual((metadata[0]["00100020"]["Value"][0], metadata[0]["00080050"]["Value"][0]),
                             (patient["mrn"], order["accessionNumber"]))
            audit = server.json(f"/api/audit?patient={patient['mrn']}&limit=100")
            self.assertIn("tomas", [e["actor"] for e in audit if "study reconciled to order" in e["detail"]])
        finally:
            server.cleanup()


class AdminEndToEndTest(unittest.TestCase):
    """Accounts administered in Chromium (web/e2e/admin.e2e.mjs): create with a temporary
    password, disable and enable, roles, unlock a locked account, reset a password."""

    def test_an_administrator_manages_accounts(self):
        built()
        server = Server()
        try:
            server.add_user("boss", "admin", password="Admin-Desk-2026!")
            server.add_user("clumsy", "technician", password="Slippery-Keys-2026")
            server.start()
            for _ in range(6):  # more failures than login_max_failures: locked
                server.http("POST", "/api/auth/login", token=None, body=json.dumps({"username": "clumsy", "password": "nope"}).encode(),
                            headers={"Content-Type": "application/json"})
            self.assertIsNotNone(next(u for u in server.json("/api/users") if u["username"] == "clumsy")["lockedUntil"])
            out = run_e2e(self, "admin", server, "boss", "Admin-Desk-2026!", VIREO_LOCKED_USER="clumsy")
            self.assertIn("the reset password leads to choosing a new one", out)
            self.assertRegex(out, r"audit trail: \d+ failed sign-ins of clumsy, the chain holds")
            newtech = next(u for u in server.json("/api/users") if u["username"] == "newtech")
            self.assertEqual(sorted(newtech["roles"]), ["receptionist", "technician"])
        finally:
            server.cleanup()


    def test_an_administrator_looks_after_integrations_peers_and_status(self):
        """web/e2e/admin-system.e2e.mjs: an OAuth client and a token made in the browser work (and
        the revoked token does not), one peer answers a C-ECHO and one does not, and the status
        page names the refused instance."""
        built()
        up_port, down_port = free_port(), free_port()
        server = Server(peers=f"PACS2@127.0.0.1:{up_port},OFFLINE@127.0.0.1:{down_port}")
        peer = subprocess.Popen(["storescp", "-aet", "PACS2", str(up_port)], stderr=subprocess.DEVNULL)
        try:
            server.add_user("boss", "admin", password="Admin-Desk-2026!")
            server.add_user("reader", "radiologist", password="Reading-Room-2026!")
            server.start()
            wait_port(up_port)
            boundary = "b0undary"
            parts = (b"not dicom at all", (DICOM / "modality/CT_small.dcm").read_bytes())
            body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n"
                            for p in parts) + b"--" + boundary.encode() + b"--\r\n"
            status, _, _ = server.http("POST", "/dicom-web/studies", body=body, headers={
                "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
            self.assertEqual(status, 202)
            # Follow-up work given up after its retries (as the dispatcher leaves it when the
            # annotations could not be removed): the page shows it and tries it again.
            server.sql("INSERT INTO outbox (consumer, topic, ids, created_at, due_at, attempts, last_error, dead) "
                       "VALUES ('annotations.study-deleted', 'study.deleted', 'study=1.2.3.4&deleted_at=2026-12-01T10%3A00%3A00.000Z', "
                       "1796119200, 1796119200, 20, 'disk I/O error', 1)")
            out = run_e2e(self, "admin-system", server, "boss", "Admin-Desk-2026!", VIREO_READER="reader",
                          VIREO_PEER_UP="PACS2", VIREO_PEER_DOWN="OFFLINE")
            client_id, secret = re.search(r"client (\S+) secret (\S+)", out).groups()
            form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                           "client_secret": secret}).encode()
            status, _, answer = server.http("POST", "/oauth/token", body=form, token=None,
                                            headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 200, answer)
            access = json.loads(answer)
            self.assertEqual(access["scope"], "archive.read")
            self.assertEqual(server.http("GET", "/api/studies", token=access["access_token"])[0], 200)
            revoked = re.search(r"token (vireo_\S+)", out).group(1)
            self.assertEqual(server.http("GET", "/api/studies", token=revoked)[0], 401, "the token revoked in the browser")
            self.assertRegex(out, r"echo: Answered in \d+ ms; No: OFFLINE at 127.0.0.1:\d+: nothing answers")
            self.assertIn("failed follow-up work tried again", out)
            deadline = time.time() + 10
            while server.sql_rows("SELECT COUNT(*) FROM outbox") != [["0"]] and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(server.sql_rows("SELECT COUNT(*) FROM outbox"), [["0"]], "delivered once tried again")
        finally:
            peer.terminate()
            peer.wait()
            server.cleanup()


class PhantomsEndToEndTest(unittest.TestCase):
    """The demo's phantoms in Chromium (web/e2e/phantoms.e2e.mjs): the head and chest CTs in their
    stored windows with R on the screen's left, the mammogram hung in four viewports."""

    def test_the_demo_phantoms_open_as_a_reader_expects(self):
        built()
        tmp = Path(tempfile.mkdtemp(prefix="vireo-phantoms-"))
        server = Server()
        try:
            subprocess.run([VIREO.parent / "vireo-synth", "phantoms", tmp], check=True, capture_output=True)
            server.add_user("drdemo", "radiologist", password="Reading-Room-2026!")
            r = server.cli("import", tmp)
            self.assertEqual(r.returncode, 0, r.stderr)
            server.start()
            by_description = {s["StudyDescription"]: s["StudyInstanceUID"] for s in server.json("/api/studies")}
            studies = {"head": by_description["CT HEAD WO CONTRAST"], "chest": by_description["CT CHEST WITH CONTRAST"],
                       "mammo": by_description["MAMMO SCREENING BILATERAL"]}
            out = run_e2e(self, "phantoms", server, "drdemo", "Reading-Room-2026!", VIREO_PHANTOM_STUDIES=json.dumps(studies))
            self.assertIn("mammography: R CC (A|P) · L CC (P|A) · R MLO (A|P) · L MLO (P|A)", out)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class ViewerMemoryTest(unittest.TestCase):
    """Opening ten studies in a row keeps the viewer's images within the configured budget
    (viewer_image_cache_mb), and the page's memory stops growing once the cache is full."""

    def test_ten_studies_in_a_row_stay_within_the_image_cache_budget(self):
        built()
        tmp = Path(tempfile.mkdtemp(prefix="vireo-e2e-"))
        server = Server(extra_env={"VIREO_VIEWER_IMAGE_CACHE_MB": "64"})
        try:
            subprocess.run([VIREO.parent / "vireo-synth", "ct", tmp / "ct", "10", "24"], check=True, capture_output=True)
            server.add_user("drreader", "radiologist", password="Reading-Room-2026!")
            server.start()
            statuses, out = server.store(*sorted((tmp / "ct").rglob("*.dcm")))
            self.assertTrue(statuses and all(v == 0 for v in statuses.values()), out)
            # The budget reaches the application through its settings, for signed-in users only.
            self.assertEqual(server.http("GET", "/api/web/settings", token=None)[0], 401)
            self.assertEqual(server.json("/api/web/settings"), {"imageCacheBytes": 64 << 20})
            studies = [s["0020000D"]["Value"][0] for s in server.json("/dicom-web/studies")]
            self.assertEqual(len(studies), 10)
            env = dict(os.environ, VIREO_URL=f"https://127.0.0.1:{server.http_port}", VIREO_USER="drreader",
                       VIREO_PASSWORD="Reading-Room-2026!", VIREO_STUDIES=",".join(studies), VIREO_BUDGET_MB="64")
            r = subprocess.run(["node", "e2e/memory.e2e.mjs"], cwd=WEB, env=env, capture_output=True, text=True,
                               timeout=300)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("memory bounded: 10 studies", r.stdout)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()


class MergeEndToEndTest(unittest.TestCase):
    """Two registrations of one person merged in Chromium (web/e2e/merge.e2e.mjs), their images
    following onto the record kept, then undone by an administrator; the result read back through
    the API and the audit trail."""

    def test_reception_merges_a_duplicate_and_an_administrator_undoes_it(self):
        built()
        server = Server()
        try:
            server.add_user("frontdesk", "receptionist", password="Merge-Desk-2026!")
            server.add_user("chief", "admin", password="Merge-Admin-2026!")
            server.start()
            post = posting(self, server)
            kept = post("/api/ris/patients", {"familyName": "Ferrer Puig", "givenName": "Ana", "birthDate": "1970-05-01",
                                              "sex": "F", "phone": "+34 612 345 678"})
            twice = post("/api/ris/patients", {"familyName": "Ferer Puig", "givenName": "Ana", "birthDate": "1970-05-01",
                                               "sex": "F", "contrastAllergy": True, "allergies": "Iodinated contrast: hives",
                                               "confirmedNew": True})
            ct = post("/api/ris/procedures", {"code": "MR-KNEE", "name": "MRI knee", "modality": "MR", "durationMinutes": 30})
            order = post("/api/ris/orders", {"patientId": twice["id"], "procedureIds": [ct["id"]], "reason": "Knee pain"})
            store_as(self, server, twice, MERGE_FILES)
            out = run_e2e(self, "merge", server, "frontdesk", "Merge-Desk-2026!", VIREO_ADMIN="chief",
                          VIREO_ADMIN_PASSWORD="Merge-Admin-2026!", VIREO_KEPT_ID=str(kept["id"]),
                          VIREO_DUPLICATE_MRN=twice["mrn"], VIREO_STUDIES="2")
            self.assertIn("merge end-to-end: ok", out)
            merge = server.json(f"/api/ris/patients/{kept['id']}/merges")["merges"][0]
            self.assertEqual((merge["status"], merge["mergedBy"], merge["undoneBy"]), ("undone", "frontdesk", "chief"))
            self.assertEqual(server.json(f"/api/ris/orders/{order['id']}")["patientId"], twice["id"])
            audit = server.json(f"/api/audit?patient={kept['mrn']}&limit=100")
            self.assertIn("frontdesk", [e["actor"] for e in audit if "merged RIS patient" in e["detail"]])
            self.assertIn("chief", [e["actor"] for e in audit if "undid the merge" in e["detail"]])
        finally:
            server.cleanup()


class ReferralsEndToEndTest(unittest.TestCase):
    """A referring physician's own exams in Chromium (web/e2e/referrals.e2e.mjs): theirs only, the
    imaged one a click from its images, the cancelled one under All, an appointment asked for the
    one not booked (the desk's list has it, from the referrer)."""

    def test_a_referrer_follows_the_exams_they_asked_for(self):
        built()
        zone = daytime_zone()
        # A clinic in Spain: dates day first, whatever the browser's region (en-US here).
        server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": zone, "VIREO_CLINIC_REGION": "ES"})
        try:
            server.add_user("welby", "referring", password="Referrals-Desk-2026!", physician="WELBY^MARCUS")
            server.start()
            post = posting(self, server)
            hours = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
            room = post("/api/ris/rooms", {"name": "MR 1", "modality": "MR", "hours": hours})
            mr = post("/api/ris/procedures", {"code": "MR-BRAIN", "name": "MRI brain", "modality": "MR", "durationMinutes": 30})
            orders = {}
            for family, referrer in (("Imaged", "Dr. Marcus Welby"), ("Waiting", "Welby, Marcus"),
                                     ("Cancelled", "Dr. Marcus Welby"), ("Others", "Dr. Elena Serra")):
                patient = post("/api/ris/patients", {"familyName": family, "givenName": "Ana", "birthDate": "1970-05-01",
                                                     "sex": "F", "confirmedNew": True})
                orders[family] = (patient, post("/api/ris/orders", {"patientId": patient["id"], "procedureIds": [mr["id"]],
                                                                   "reason": "Headache", "referringPhysician": referrer}))
            cancelled = orders["Cancelled"][1]
            post(f"/api/ris/orders/{cancelled['id']}/cancel", {"version": cancelled["version"], "reason": "Asked twice"})
            # The imaged one: booked today, checked in, scanned; its images name the physician.
            patient, order = orders["Imaged"]
            now = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).replace(second=0, microsecond=0)
            at = now.replace(minute=now.minute - now.minute % 5) + datetime.timedelta(minutes=30)
            booked = post("/api/ris/appointments", {"orderId": order["id"], "roomId": room["id"], "startsAt": at.isoformat()})
            for step in ("arrive", "start", "acquired"):
                booked = post(f"/api/ris/appointments/{booked['id']}/{step}", {"version": booked["version"]})
            store_as(self, server, patient, MERGE_FILES[:1],
                     extra=(f"(0008,0050)={order['accessionNumber']}", "(0008,0090)=WELBY^MARCUS"))
            out = run_e2e(self, "referrals", server, "welby", "Referrals-Desk-2026!", VIREO_MINE="Imaged,Waiting",
                          VIREO_CANCELLED="Cancelled", VIREO_OTHERS="Others", VIREO_IMAGED="Imaged",
                          VIREO_WAITING="Waiting")
            self.assertIn("referrals end-to-end: ok", out)
            asked = server.json("/api/ris/appointment-requests")["requests"]
            self.assertEqual([(r["orderId"], r["source"], r["preferredTime"], r["note"], r["createdBy"]) for r in asked],
                             [(orders["Waiting"][1]["id"], "referrer", "morning", "Mornings only: she comes by bus", "welby")])
        finally:
            server.cleanup()

