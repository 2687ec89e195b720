"""The scale-out backends failing under a running server (run on the PostgreSQL + S3 pass only):
the object store answering errors, PostgreSQL going away in the middle of an ingest, and a wrong
database or bucket at start. Acknowledged means stored; refused means nothing half-kept; and the
node recovers by itself when the backend is back."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import DICOM, ROOT, VIREO, Server, read_meta

S3_DIR = Path(os.environ.get("VIREO_TEST_S3_DIR", "/nonexistent"))
PG_SCRIPT = ROOT / "tests" / "pg" / "server.sh"
FILES = [DICOM / "modality/MR_small.dcm", DICOM / "modality/CT_small.dcm"]
OUT_OF_RESOURCES = 0xA700
FAILURE_STATUSES = {OUT_OF_RESOURCES, 0x0110}  # PS3.4 C.4.1.1.4: out of resources, processing failure


def stow_body(*files):
    return b"".join(b"--b\r\nContent-Type: application/dicom\r\n\r\n" + f.read_bytes() + b"\r\n" for f in files) + b"--b--\r\n"


STOW_HEADERS = {"Content-Type": 'multipart/related; type="application/dicom"; boundary=b'}


@unittest.skipUnless(os.environ.get("VIREO_TEST_S3_DIR"), "needs the S3 test server (ctest's pg_s3 pass)")
class ObjectStoreFaultTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        for f in ("fail", "fail-writes"):
            (S3_DIR / f).unlink(missing_ok=True)
        self.server.cleanup()

    def test_a_failing_store_refuses_ingest_in_protocol_terms_and_ingest_resumes_when_it_answers(self):
        (S3_DIR / "fail-writes").write_text("500")
        statuses, out = self.server.store(FILES[0])
        self.assertEqual(statuses[str(FILES[0])], OUT_OF_RESOURCES, out)
        status, headers, body = self.server.http("POST", "/dicom-web/studies", body=stow_body(FILES[1]),
                                                 headers=STOW_HEADERS)
        self.assertEqual(status, 503, body[:300])
        self.assertEqual(headers["Retry-After"], "10")
        failed = json.loads(body)["00081198"]["Value"]
        self.assertEqual(failed[0]["00081197"]["Value"], [OUT_OF_RESOURCES])
        self.assertEqual(self.server.json("/api/stats")["instances"], 0, "nothing indexed without its object")
        self.assertEqual(self.server.blobs.keys(), [], "no object left from a refused write")
        self.assertIn("500", self.server.logs(), "the log says what the store answered")

        (S3_DIR / "fail-writes").unlink()
        statuses, out = self.server.store(FILES[0])
        self.assertEqual(statuses[str(FILES[0])], 0, out)
        status, _, body = self.server.http("POST", "/dicom-web/studies", body=stow_body(FILES[1]), headers=STOW_HEADERS)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(self.server.json("/api/stats")["instances"], 2)
        self.assertEqual(len(self.server.blobs.keys()), 2)

        # Reads: an object this node holds no copy of, while the store fails, is a 503 to retry,
        # never a wrong or partial file; once it answers, the same request succeeds.
        uid = read_meta(FILES[0])[1][(2, 3)]
        key = self.server.blobs.keys(uid + "-")[0]
        self.server.blobs.write(key, self.server.blobs.read(key))  # drops the node's copy
        (S3_DIR / "fail").write_text("503")
        status, headers, _ = self.server.http("GET", f"/api/instances/{uid}/file")
        self.assertEqual(status, 503)
        self.assertEqual(headers["Retry-After"], "10")
        (S3_DIR / "fail").unlink()
        status, _, body = self.server.http("GET", f"/api/instances/{uid}/file")
        self.assertEqual(status, 200)
        self.assertEqual(body, self.server.blobs.read(key), "the stored object, whole")


@unittest.skipUnless(os.environ.get("VIREO_TEST_S3_DIR"), "needs the S3 test server (ctest's pg_s3 pass)")
class SharedRemovalTest(unittest.TestCase):
    """On a bucket several nodes share, an object given up goes a while later (an hour; here
    five seconds), and only if no index row names it by then and nobody wrote it since: another
    node may be storing the same content under the same key at the moment it is given up."""
    DELAY = 5

    def setUp(self):
        self.server = Server(extra_env={"VIREO_SHARED_REMOVAL_DELAY": str(self.DELAY)}).start()

    def tearDown(self):
        self.server.cleanup()

    def repair(self):
        r = self.server.cli("check", "--repair")
        self.assertIn("Checked", r.stdout, r.stderr)
        return r

    def queued(self):
        return sorted(r[0] for r in self.server.sql_rows("SELECT blob_key FROM blob_deletions"))

    def test_deleted_instances_leave_the_bucket_later_unless_named_or_written_again(self):
        statuses, out = self.server.store(*FILES)
        self.assertTrue(all(v == 0 for v in statuses.values()), out)
        uids = [read_meta(f)[1][(2, 3)] for f in FILES]
        studies = [self.server.json(f"/api/instances/{u}")["StudyInstanceUID"] for u in uids]
        keys = [self.server.blobs.keys(u + "-")[0] for u in uids]
        for study in studies:
            self.assertEqual(self.server.http("DELETE", f"/api/studies/{study}")[0], 200)
        self.assertEqual(self.server.json("/api/stats")["instances"], 0)
        self.assertEqual(sorted(self.server.blobs.keys()), sorted(keys), "given up, not yet removed")
        self.assertEqual(self.queued(), sorted(keys))
        self.repair()
        self.assertEqual(len(self.server.blobs.keys()), 2, "not before the delay")

        # The first instance is stored again (the same key); the second's object is written again
        # behind the index, as a node about to commit it would.
        statuses, out = self.server.store(FILES[0])
        self.assertEqual(statuses[str(FILES[0])], 0, out)
        time.sleep(1.1)  # the store's clock has whole seconds
        self.server.blobs.write(keys[1], self.server.blobs.read(keys[1]))
        time.sleep(self.DELAY + 1)
        self.repair()
        self.assertEqual(sorted(self.server.blobs.keys()), sorted(keys), "named again, or written after the request")
        self.assertEqual(self.queued(), [keys[1]], "the unnamed one is queued again, as the orphan it now is")

        # Given up again and left alone: it goes; the orphan goes once its own delay has passed.
        self.assertEqual(self.server.http("DELETE", f"/api/studies/{studies[0]}")[0], 200)
        time.sleep(self.DELAY + 1)
        r = self.repair()
        self.assertIn("Removed 2 files given up earlier", r.stdout)
        self.assertEqual(self.server.blobs.keys(), [])
        self.assertEqual(self.queued(), [])
        self.assertEqual(self.server.echo(), 0)


@unittest.skipUnless(os.environ.get("VIREO_TEST_DATABASE_URL_FILE"), "needs PostgreSQL (ctest's pg_s3 pass)")
class DatabaseFaultTest(unittest.TestCase):
    """A PostgreSQL of this test's own, stopped and started again under a running server."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="vireo-pgfault-"))
        url = subprocess.run([str(PG_SCRIPT), "start", str(self.tmp / "pg")], capture_output=True, text=True,
                             check=True).stdout.strip()
        self.server = Server(extra_env={"VIREO_DATABASE_URL": url}).start()

    def tearDown(self):
        self.server.cleanup()
        subprocess.run([str(PG_SCRIPT), "stop", str(self.tmp / "pg")], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_postgresql_going_away_refuses_ingest_and_the_node_reconnects_by_itself(self):
        statuses, out = self.server.store(FILES[0])
        self.assertEqual(statuses[str(FILES[0])], 0, out)
        subprocess.run([str(PG_SCRIPT), "pause", str(self.tmp / "pg")], check=True)
        try:
            statuses, out = self.server.store(FILES[1])
            self.assertIn(statuses[str(FILES[1])], FAILURE_STATUSES, out)
            status, headers, body = self.server.http("POST", "/dicom-web/studies", body=stow_body(FILES[1]),
                                                     headers=STOW_HEADERS)
            self.assertEqual(status, 503, body[:300])
            self.assertEqual(headers["Retry-After"], "10")
        finally:
            subprocess.run([str(PG_SCRIPT), "resume", str(self.tmp / "pg")], check=True)
        # No restart: the next association and the next request work.
        statuses, out = self.server.store(FILES[1])
        self.assertEqual(statuses[str(FILES[1])], 0, out)
        self.assertEqual(self.server.json("/api/stats")["instances"], 2)
        for f in FILES:
            uid = read_meta(f)[1][(2, 3)]
            status, _, body = self.server.http("GET", f"/api/instances/{uid}/file")
            self.assertEqual(status, 200)
        self.assertEqual(self.server.echo(), 0)


@unittest.skipUnless(os.environ.get("VIREO_TEST_S3_DIR"), "needs the S3 test server (ctest's pg_s3 pass)")
class WrongBackendAtStartTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()

    def tearDown(self):
        self.server.cleanup()

    def serve(self, **env):
        return subprocess.run([str(VIREO), "serve"], env=dict(self.server.env, **env), capture_output=True, text=True,
                              timeout=120)

    def test_a_wrong_database_or_bucket_stops_the_start_with_one_line_that_says_what_to_check(self):
        cases = [
            ({"VIREO_DATABASE_URL": "postgresql://vireo@127.0.0.1:1/nothing"}, "127.0.0.1"),
            ({"VIREO_BLOB_STORE": "s3://no-such-bucket/x/"}, "check the bucket's name"),
            ({"VIREO_S3_ENDPOINT": "http://127.0.0.1:1"}, "cannot reach the object store"),
            ({"AWS_SECRET_ACCESS_KEY": "wrong"}, "check the credentials"),
        ]
        for env, says in cases:
            r = self.serve(**env)
            self.assertNotEqual(r.returncode, 0, env)
            errors = [line for line in (r.stdout + r.stderr).splitlines() if "cannot open" in line]
            self.assertEqual(len(errors), 1, r.stdout + r.stderr)
            self.assertIn(says, errors[0])
            self.assertNotIn("wrong", errors[0], "no secret in the message")


if __name__ == "__main__":
    unittest.main()
