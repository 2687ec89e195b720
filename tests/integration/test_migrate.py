"""`vireo migrate` moves a single-machine installation (SQLite and files) to PostgreSQL and an S3
bucket (the PostgreSQL + S3 pass): everything arrives and is verified, the source is left as it
was, a second run resumes without copying again, the new storage serves (accounts, audit chain,
new keys after the copied ones), and damage in the bucket is found by the verification."""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import DICOM, VIREO, FileBlobs, S3Blobs, Server, backend_env
from test_security import Browser, PASSWORD

SOURCE_ENV = {k: v for k, v in os.environ.items()
              if not k.startswith(("VIREO_DATABASE", "VIREO_BLOB", "VIREO_S3", "AWS_"))}


def digest_tree(folder):
    # SQLite's -wal/-shm files belong to any reader; the database file itself must not change.
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@unittest.skipUnless(os.environ.get("VIREO_TEST_S3_DIR") and os.environ.get("VIREO_TEST_DATABASE_URL_FILE"),
                     "needs PostgreSQL and the S3 test server (ctest's pg_s3 pass)")
class MigrateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="vireo-migrate-"))
        self.source = self.tmp / "var"
        self.target = backend_env(self.tmp / "target")  # a fresh database and prefix of its own

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def vireo(self, *args, env=None, stdin=None):
        return subprocess.run([str(VIREO), *map(str, args)], env=env or SOURCE_ENV, input=stdin, capture_output=True,
                              text=True, timeout=600)

    def migrate(self):
        # The target bucket's address and credentials, but the source's own storage (SQLite, files).
        env = dict(SOURCE_ENV, **{k: v for k, v in self.target.items() if k.startswith(("AWS_", "VIREO_S3"))})
        return self.vireo("migrate", "--data-dir", self.source, "--to-database", self.target["VIREO_DATABASE_URL"],
                          "--to-blobs", self.target["VIREO_BLOB_STORE"], env=env)

    def test_an_installation_moves_verified_resumably_and_leaves_the_source_as_it_was(self):
        r = self.vireo("import", "--data-dir", self.source, DICOM / "dicomdir/98892003")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.vireo("user", "add", "carol", "--role", "technician", "--password-stdin", "--data-dir", self.source,
                       stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with sqlite3.connect(self.source / "index.sqlite") as db:
            instances = db.execute("SELECT COUNT(*) FROM instances").fetchone()[0]
            first_uid = db.execute("SELECT sop_instance_uid FROM instances ORDER BY id LIMIT 1").fetchone()[0]
        self.assertGreater(instances, 10)
        before = digest_tree(self.source)

        r = self.migrate()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Moved and verified", r.stdout)
        self.assertIn(f"100%  {instances}/{instances}", r.stderr, "a progress line per step")
        self.assertIn("verifying files (SHA-256)", r.stderr)
        self.assertNotIn("postgresql://", r.stdout, "the database URL (and any password in it) is not echoed")
        self.assertEqual(digest_tree(self.source), before, "the source is only read")

        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertNotIn("MB/s", again.stderr.split("verifying")[0], "nothing sent again: it resumes")

        bucket = S3Blobs(self.tmp / "target")
        self.assertEqual(len(bucket.keys()), instances)
        node = Server(data_dir=self.tmp / "node", extra_env=self.target).start()
        try:
            self.assertEqual(node.json("/api/stats")["instances"], instances)
            status, _, body = node.http("GET", f"/api/instances/{first_uid}/file")
            self.assertEqual(status, 200)
            self.assertEqual(body, FileBlobs(self.source).read(FileBlobs(self.source).keys(first_uid + "-")[0]))
            self.assertEqual(Browser(node).login("carol", PASSWORD)[0], 200, "accounts moved with their passwords")
            verdict = node.json("/api/audit/verify")
            self.assertTrue(verdict["ok"], verdict)
            self.assertGreater(verdict["events"], 0, "the audit trail moved whole")
            new = DICOM / "modality/MR_small.dcm"
            statuses, out = node.store(new)
            self.assertEqual(statuses[str(new)], 0, out)
            self.assertEqual(node.json("/api/stats")["instances"], instances + 1, "new rows take keys after the copied ones")
        finally:
            node.cleanup()

        # Bytes changed in the bucket (same size): the next run's verification names the instance.
        key = bucket.keys(first_uid + "-")[0]
        data = bytearray(bucket.read(key))
        data[-1] ^= 0xFF
        bucket.write(key, bytes(data))
        damaged = self.migrate()
        self.assertEqual(damaged.returncode, 1, damaged.stdout + damaged.stderr)
        self.assertIn(f"{first_uid}: different content in the bucket", damaged.stderr)

    def test_a_target_that_cannot_be_reached_stops_with_what_failed(self):
        r = self.vireo("import", "--data-dir", self.source, DICOM / "modality/CT_small.dcm")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.vireo("migrate", "--data-dir", self.source, "--to-database", "postgresql://vireo@127.0.0.1:1/nothing")
        self.assertEqual(r.returncode, 1)
        self.assertIn("copying the tables failed", r.stderr)
        self.assertIn("run it again to resume", r.stderr)
        self.assertEqual(self.vireo("migrate", "--data-dir", self.source).returncode, 2, "nothing asked")


if __name__ == "__main__":
    unittest.main()
