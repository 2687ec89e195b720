"""`vireo import` over the corpus (progress, summary, rejections with reasons, exit
status), malformed files refused without changing anything, duplicates, and the REST API."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import backend_env, blobs_of, DICOM, ROOT, VIREO, Server, dataset_bytes, read_meta

# Structurally broken files (truncated, overrunning lengths, garbage): must be refused.
MUST_REJECT = [
    "malformed/3gb_bulk_data_truncated.dcm", "malformed/MR_truncated.dcm", "malformed/rtplan_truncated.dcm",
    "malformed/derived/bad_magic_DICN.dcm", "malformed/derived/deflate_stream_corrupt.dcm",
    "malformed/derived/element_length_odd_overrun.dcm", "malformed/derived/jpeg_fragment_truncated.dcm",
    "malformed/derived/pixeldata_length_beyond_eof.dcm", "malformed/derived/preamble_only.dcm",
    "malformed/derived/random_after_DICM.dcm", "malformed/derived/sq_undefined_length_unterminated.dcm",
    "malformed/derived/truncated_in_dataset_header.dcm", "malformed/derived/truncated_in_meta.dcm",
    "malformed/derived/zero_bytes.dcm", "malformed/emri_small_jpeg_2k_lossless_too_short.dcm",
]
# (structure/no_meta_CT_small.dcm starts with a stray byte before (0008,0005); DCMTK 3.6.7
# cannot read it and it is refused with the parser's reason: a known gap.)
# (structure/no_meta_group_length.dcm parses, but its dataset has no SOP Instance UID: refused.)
# (malformed/GH177_BigEndian_undefined_length.dcm is read whole by DCMTK, so it is stored as
# received: the "recover" branch of the corpus contract.)
# Odd but valid files (no meta header, no preamble, padding): must be accepted.
MUST_ACCEPT = [
    "structure/CR_MONO1_10_chest_nometa.dcm", "structure/ExplVR_BigEndNoMeta.dcm",
    "structure/ExplVR_LitEndNoMeta.dcm", "structure/MR_small_padded.dcm",
    "structure/SR_nested_400_levels.dcm", "structure/CT_small_long_values.dcm",
    "transfer_syntax/Issue1097_deflated_with_SQ.dcm", "transfer_syntax/liver_deflated_image_frame.dcm",
    "modality/RTSTRUCT_rtstruct.dcm",
]


def run_import(data_dir, *paths):
    return subprocess.run([str(VIREO), "import", "--data-dir", str(data_dir), *map(str, paths)],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, **backend_env(data_dir)))


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="vireo-import-"))
        self.data = self.tmp / "var"

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stats(self):
        server = Server(data_dir=self.data).start()
        try:
            return server.json("/api/stats"), server
        finally:
            server.stop()

    def test_malformed_files_are_rejected_with_a_reason_and_change_nothing(self):
        for name in MUST_REJECT:
            r = run_import(self.data, DICOM / name)
            self.assertEqual(r.returncode, 1, f"{name}: {r.stdout}{r.stderr}")
            self.assertIn("rejected (1): ", r.stdout, name)
        stats, _ = self.stats()
        self.assertEqual(stats["instances"], 0)
        self.assertEqual(blobs_of(self.data).keys(), [])

    def test_odd_but_valid_files_are_accepted_with_dataset_bytes_unchanged(self):
        for i, name in enumerate(MUST_ACCEPT):
            f = DICOM / name
            data = self.tmp / f"var{i}"
            r = run_import(data, f)
            self.assertEqual(r.returncode, 0, f"{name}: {r.stdout}{r.stderr}")
            store = blobs_of(data)
            blobs = store.keys()
            self.assertEqual(len(blobs), 1, name)
            stored = self.tmp / f"stored{i}.dcm"
            stored.write_bytes(store.read(blobs[0]))
            offset, meta = read_meta(stored)
            self.assertGreater(offset, 0, f"{name}: stored as a Part 10 file")
            self.assertTrue(meta.get((2, 0x10)), f"{name}: with a transfer syntax in its meta header")
            self.assertEqual(stored.read_bytes()[offset:], dataset_bytes(f), name)

    def test_import_corpus_summary_and_reimport_is_idempotent(self):
        r = run_import(self.data, DICOM)
        self.assertEqual(r.returncode, 1, "the corpus holds malformed files")
        summary = [l for l in r.stdout.splitlines() if l.startswith("Imported ")][0]
        self.assertRegex(summary, r"Imported \d+ files: \d+ stored, \d+ duplicate, \d+ rejected\.")
        stored = int(summary.split(": ")[1].split(" stored")[0])
        self.assertGreater(stored, 80)
        self.assertIn("[##############################]", r.stderr)  # the progress bar finished
        r2 = run_import(self.data, DICOM)
        summary2 = [l for l in r2.stdout.splitlines() if l.startswith("Imported ")][0]
        self.assertIn(" 0 stored,", summary2)
        server = Server(data_dir=self.data).start()
        try:
            self.assertEqual(server.json("/api/stats")["instances"], stored)
            imported = server.json("/api/audit?action=create&limit=1000")
            imported = [e for e in imported if e["resource"] == "vireo import"]
            self.assertEqual(sum(int(e["detail"].split()[0]) for e in imported), stored, "each study's import audited")
            self.assertTrue(all(e["actor"].startswith("cli:") and e["studyInstanceUid"] for e in imported))
        finally:
            server.stop()

    def test_missing_path_is_a_usage_error(self):
        r = run_import(self.data, self.tmp / "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a file or folder", r.stderr)


class RestAndDuplicatesTest(unittest.TestCase):
    def test_rest_lists_reads_downloads_and_guards_delete(self):
        server = Server().start()
        try:
            statuses, out = server.store(*sorted(p for p in (DICOM / "dicomdir/98892003").rglob("*") if p.is_file()))
            self.assertTrue(all(s == 0 for s in statuses.values()), out)
            patients = server.json("/api/patients")
            self.assertEqual(len(patients), 1)
            self.assertEqual(patients[0]["NumberOfPatientRelatedInstances"], len(statuses))
            studies = server.json("/api/studies?PatientID=" + patients[0]["PatientID"])
            study = server.json(f"/api/studies/{studies[0]['StudyInstanceUID']}")
            self.assertEqual(len(study["Series"]), study["NumberOfStudyRelatedSeries"])
            series_uid = study["Series"][0]["SeriesInstanceUID"]
            series = server.json(f"/api/series/{series_uid}")
            self.assertEqual(len(series["Instances"]), series["NumberOfSeriesRelatedInstances"])
            inst = series["Instances"][0]
            status, headers, body = server.http("GET", f"/api/instances/{inst['SOPInstanceUID']}/file")
            self.assertEqual(status, 200)
            self.assertEqual(body[128:132], b"DICM")
            # Paging and filters
            self.assertEqual(len(server.json("/api/studies?limit=1")), 1)
            self.assertEqual(server.json("/api/studies?PatientName=nobody*"), [])
            # Bad requests: clean 4xx with a problem body, nothing changed
            for path, code in [("/api/studies?limit=abc", 400), ("/api/studies?limit=100000", 400),
                               ("/api/studies?Bogus=1", 400), ("/api/studies/1.2.3", 404),
                               ("/api/studies/..%2F..%2Fetc", 404), ("/api/instances/1.2.3/file", 404),
                               ("/api/nothing", 404), ("/api/studies?StudyDate=2020-13-45x", 400)]:
                status, headers, body = server.http("GET", path)
                self.assertEqual(status, code, path)
                self.assertEqual(headers["Content-Type"], "application/problem+json", path)
                self.assertEqual(json.loads(body)["status"], code)
            status, _, _ = server.http("POST", "/api/studies")
            self.assertEqual(status, 405)
            server.add_user("reader", "radiologist")  # the CLI works beside the running server
            status, _, body = server.http("DELETE", f"/api/series/{series_uid}", token=server.create_token("reader"))
            self.assertEqual(status, 403, body)  # deleting is for admins
            self.assertEqual(server.json("/api/stats")["instances"], len(statuses))
            metrics = server.http("GET", "/metrics")[2].decode()
            self.assertIn(f"vireo_instances_stored_total {len(statuses)}", metrics)
            self.assertIn("vireo_http_request_seconds_bucket", metrics)
        finally:
            server.cleanup()

    def test_oversized_and_malformed_http_requests_get_clean_4xx(self):
        import socket
        server = Server(extra_env={"VIREO_HTTP_MAX_BODY_BYTES": "1024"}).start()
        try:
            status, headers, body = server.http("POST", "/api/studies", body=b"x" * 4096,
                                                headers={"Content-Type": "application/json"})
            self.assertEqual(status, 413)
            self.assertEqual(headers["Content-Type"], "application/problem+json")
            status, _, _ = server.http("GET", "/api/stats", headers={"X-Big": "y" * 20000})
            self.assertEqual(status, 431)
            with server.tls_socket() as s:
                s.sendall(b"GARBAGE\r\n\r\n")
                self.assertIn(b" 400 ", s.recv(4096))
            # Plain HTTP to the HTTPS port is not answered in clear text (no PHI leaks).
            with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as raw:
                raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertNotIn(b"HTTP/1.1", raw.recv(4096))
            self.assertEqual(server.http("GET", "/healthz")[0], 200, "still serving")
        finally:
            server.cleanup()

    def test_delete_by_an_admin_removes_rows_and_files(self):
        server = Server().start()
        try:
            files = sorted(p for p in (DICOM / "dicomdir/77654033").rglob("*") if p.is_file())
            statuses, _ = server.store(*files)
            studies = server.json("/api/studies")
            before = server.json("/api/stats")
            victim = server.json(f"/api/studies/{studies[0]['StudyInstanceUID']}")
            status, _, body = server.http("DELETE", f"/api/studies/{victim['StudyInstanceUID']}")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["deletedInstances"], victim["NumberOfStudyRelatedInstances"])
            after = server.json("/api/stats")
            self.assertEqual(after["instances"], before["instances"] - victim["NumberOfStudyRelatedInstances"])
            self.assertEqual(len(server.blobs.keys()) - len(server.given_up_blobs()), after["instances"])
            self.assertEqual(server.unindexed_blobs(), server.given_up_blobs(), "removed, or queued for removal")
            status, _, _ = server.http("GET", f"/api/studies/{victim['StudyInstanceUID']}")
            self.assertEqual(status, 404)
        finally:
            server.cleanup()

    def test_identical_resend_is_idempotent_and_different_content_is_reported(self):
        server = Server().start()
        try:
            original = DICOM / "modality/MR_small.dcm"
            self.assertEqual(server.store(original)[0][str(original)], 0)
            self.assertEqual(server.store(original)[0][str(original)], 0, "identical re-send succeeds")
            variant = DICOM / "transfer_syntax/MR_small_RLE.dcm"  # same SOP Instance UID, other bytes
            self.assertEqual(server.store(variant)[0][str(variant)], 0x0111)
            conflicts = server.json("/api/conflicts")
            self.assertEqual(len(conflicts), 1)
            self.assertEqual(conflicts[0]["resolution"], "kept_first")
            uid = read_meta(original)[1][(2, 3)]
            body = server.http("GET", f"/api/instances/{uid}/file")[2]
            offset = body.index(b"DICM") + 4
            self.assertEqual(server.json("/api/stats")["instances"], 1)
        finally:
            server.cleanup()
        server = Server(extra_env={"VIREO_DUPLICATE_POLICY": "overwrite"}).start()
        try:
            self.assertEqual(server.store(original)[0][str(original)], 0)
            self.assertEqual(server.store(variant)[0][str(variant)], 0)
            conflicts = server.json("/api/conflicts")
            self.assertEqual(conflicts[0]["resolution"], "overwritten")
            inst = server.json(f"/api/instances/{uid}")
            self.assertEqual(inst["AvailableTransferSyntaxUID"], "1.2.840.10008.1.2.5")
            self.assertEqual(server.unindexed_blobs(), server.given_up_blobs(), "the replaced file is removed (or queued)")
            self.assertEqual(len(server.blobs.keys()) - len(server.given_up_blobs()), 1)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()


class StudyDownloadTest(unittest.TestCase):
    """A study to take away (IHE PDI style): a ZIP of its DICOM files as stored with a DICOMDIR
    that DCMTK reads and that indexes every file, or of its images as JPEGs; within the
    caller's scope, audited."""

    def test_dicom_with_a_dicomdir_and_jpegs_for_the_patient_only(self):
        import io
        import zipfile
        server = Server()
        try:
            server.add_user("p77", "patient", password="Harbour-Kite-2026", patient_id="77654033")
            server.start()
            ct2 = sorted((DICOM / "dicomdir" / "77654033" / "CT2").iterdir())
            seg = DICOM / "modality" / "SEG_ct_binary_3frame.dcm"  # the same study: a segmentation of CT2
            other = DICOM / "modality" / "MR_small.dcm"
            statuses, out = server.store(*ct2, seg, other)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            study = server.json(f"/api/instances/{read_meta(seg)[1][(2, 3)]}")["StudyInstanceUID"]
            other_study = server.json(f"/api/instances/{read_meta(other)[1][(2, 3)]}")["StudyInstanceUID"]
            patient = server.create_token("p77")

            status, headers, body = server.http("GET", f"/api/studies/{study}/download", token=patient)
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(headers["Content-Type"], "application/zip")
            z = zipfile.ZipFile(io.BytesIO(body))
            self.assertIsNone(z.testzip())
            names = z.namelist()
            files = [n for n in names if n.startswith("DICOM/")]
            self.assertEqual(len(files), len(ct2) + 1)
            self.assertIn("README.TXT", names)
            tmp = Path(tempfile.mkdtemp(prefix="vireo-media-"))
            try:
                z.extractall(tmp)
                dump = subprocess.run(["dcmdump", "+P", "0004,1500", str(tmp / "DICOMDIR")], capture_output=True, text=True)
                self.assertEqual(dump.returncode, 0, dump.stderr)
                referenced = sorted(line.split("[")[1].split("]")[0].replace("\\", "/") for line in dump.stdout.splitlines())
                self.assertEqual(referenced, sorted(files), "the DICOMDIR indexes every file and nothing else")
                # The files are the stored ones, byte for byte.
                stored = {read_meta(tmp / f)[1][(2, 3)]: (tmp / f).read_bytes() for f in files}
                for sop, data in stored.items():
                    self.assertEqual(server.http("GET", f"/api/instances/{sop}/file")[2], data, sop)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

            status, _, body = server.http("GET", f"/api/studies/{study}/download?format=jpeg", token=patient)
            self.assertEqual(status, 200)
            z = zipfile.ZipFile(io.BytesIO(body))
            pictures = [n for n in z.namelist() if n.startswith("IMAGES/")]
            self.assertEqual(len(pictures), len(ct2) + 3, "each CT image and each frame of the segmentation")
            self.assertTrue(all(z.read(n)[:3] == b"\xff\xd8\xff" for n in pictures))

            # Another patient's study is not there for this patient; bad requests change nothing.
            self.assertEqual(server.http("GET", f"/api/studies/{other_study}/download", token=patient)[0], 404)
            self.assertEqual(server.http("GET", f"/api/studies/{study}/download?format=png")[0], 400)
            self.assertEqual(server.http("GET", f"/api/studies/{study}/download?zip=1")[0], 400)
            audit = server.http("GET", "/api/audit?limit=50")[2].decode()
            self.assertIn("instances as dicom", audit, "the download is audited")
        finally:
            server.cleanup()


class ConfigurationTest(unittest.TestCase):
    def test_file_then_environment_then_flags(self):
        tmp = Path(tempfile.mkdtemp(prefix="vireo-config-"))
        try:
            from harness import free_port
            file_port, env_port, flag_port, dicom_port = free_port(), free_port(), free_port(), free_port()
            conf = tmp / "vireo.conf"
            conf.write_text(f"# test\nhttp_port = {file_port}\ndicom_port = {dicom_port}\naet = FROMFILE\n"
                            f"data_dir = {tmp / 'var'}\nhttp_tls = off\n")
            env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("VIREO_")}
            env["VIREO_HTTP_PORT"] = str(env_port)
            proc = subprocess.Popen([str(VIREO), "serve", "--config", str(conf), "--http-port", str(flag_port)],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            try:
                banner = ""
                while "Stop with" not in banner:
                    line = proc.stdout.readline()
                    self.assertTrue(line, banner)
                    banner += line
                self.assertIn(f"http://127.0.0.1:{flag_port}/", banner)  # http_tls = off: behind a proxy
                self.assertIn("AE title FROMFILE", banner)
                self.assertIn(f"port {dicom_port}", banner)
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(timeout=30), 0, "SIGTERM stops the server cleanly")
            bad = subprocess.run([str(VIREO), "serve", "--config", str(conf)], env=dict(env, VIREO_HTTP_PORT="x"),
                                 capture_output=True, text=True)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("VIREO_HTTP_PORT: http_port must be a whole number", bad.stderr)
            reference = subprocess.run([str(VIREO), "config"], capture_output=True, text=True).stdout
            for key in ("data_dir", "http_port", "dicom_port", "aet", "peers", "duplicate_policy"):
                self.assertIn(f"\n{key} = ", reference)
            self.assertEqual((ROOT / "docs" / "vireo.conf.example").read_text(), reference,
                             "docs/vireo.conf.example is out of date: build/vireo config > docs/vireo.conf.example")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_subcommands_use_the_servers_archive_from_any_folder_and_never_make_an_empty_one(self):
        tmp = Path(tempfile.mkdtemp(prefix="vireo-cli-"))
        try:
            env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("VIREO_")}
            elsewhere = tmp / "elsewhere"
            elsewhere.mkdir()

            def vireo(*args, cwd=elsewhere, extra=None):
                return subprocess.run([str(VIREO), *map(str, args)], cwd=cwd, env=dict(env, **(extra or {})),
                                      capture_output=True, text=True, timeout=60)

            # No archive where the configuration points: refused, named, and nothing made.
            missing = tmp / "site" / "var"
            r = vireo("user", "list", "--data-dir", missing)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"there is no archive in {missing}", r.stderr)
            self.assertIn("--create", r.stderr)
            for args in (["token", "list"], ["audit", "verify"], ["check"], ["access"]):
                r = vireo(*args, extra={"VIREO_DATA_DIR": str(missing)})
                self.assertEqual(r.returncode, 1, args)
                self.assertIn("there is no archive in", r.stderr, args)
            self.assertFalse(missing.exists())
            self.assertEqual(list(elsewhere.iterdir()), [], "nothing made in the current folder")

            # A configuration file's relative data_dir is the file's folder's, from any folder.
            site = tmp / "site"
            site.mkdir()
            (site / "vireo.conf").write_text("data_dir = var\n")
            r = vireo("user", "add", "first", "--role", "admin", "--create", "--config", site / "vireo.conf")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"archive in {missing}", r.stderr)
            self.assertTrue((missing / "index.sqlite").exists())
            other = tmp / "other"
            other.mkdir()
            r = vireo("user", "list", cwd=other, extra={"VIREO_CONFIG": str(site / "vireo.conf")})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("first\t", r.stdout)
            self.assertEqual(list(other.iterdir()), [])

            # Unset, data_dir is var/ of the installation (beside the binary's folder), not ./var.
            r = vireo("access")
            self.assertIn(str(VIREO.resolve().parent.parent / "var"), r.stderr)
            self.assertEqual(list(elsewhere.iterdir()), [])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
