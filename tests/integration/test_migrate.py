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
    """Every file's hash; the index by its content (SQLite moves pages between its WAL and the
    database file whenever a connection closes, without a change of content), but for the
    audit trail, which records the move."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.name == "index.sqlite":
            db = sqlite3.connect(p)
            dump = [line for line in db.iterdump() if 'INTO "audit_events"' not in line]
            out[p.name] = hashlib.sha256("\n".join(dump).encode()).hexdigest()
            db.close()
        elif p.is_file() and not p.name.startswith("index.sqlite"):
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


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
        for name in ("carol", "dave"):
            r = self.vireo("user", "add", name, "--role", "technician", "--password-stdin", "--data-dir", self.source,
                           stdin=PASSWORD + "\n")
            self.assertEqual(r.returncode, 0, r.stderr)
        # An integration's OAuth client and a token issued to it (its row references the client's).
        r = self.vireo("client", "add", "dave", "--name", "RIS bridge", "--data-dir", self.source)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.vireo("token", "create", "dave", "--name", "issued to the client", "--data-dir", self.source)
        self.assertEqual(r.returncode, 0, r.stderr)
        with sqlite3.connect(self.source / "index.sqlite") as db:
            db.execute("UPDATE api_tokens SET client_fk = (SELECT MIN(id) FROM oauth_clients)")
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
        with sqlite3.connect(self.source / "index.sqlite") as db:
            moves = db.execute("SELECT actor, detail FROM audit_events WHERE action = 'migrate'").fetchall()
        self.assertEqual(len(moves), 1, "the move is in the source's audit trail")
        self.assertTrue(moves[0][0].startswith("cli:"))
        self.assertIn(self.target["VIREO_BLOB_STORE"], moves[0][1])

        self.assertIn(f"files: {instances} sent, 0 already in the bucket", r.stderr)
        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn(f"files: 0 sent, {instances} already in the bucket", again.stderr, "it resumes")
        # A change in the source after a run (an account disabled) is carried by the next run.
        self.assertEqual(self.vireo("user", "disable", "carol", "--data-dir", self.source).returncode, 0)
        again = self.migrate()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)

        bucket = S3Blobs(self.tmp / "target")
        self.assertEqual(len(bucket.keys()), instances)
        node = Server(data_dir=self.tmp / "node", extra_env=self.target).start()
        try:
            self.assertEqual(node.json("/api/stats")["instances"], instances)
            status, _, body = node.http("GET", f"/api/instances/{first_uid}/file")
            self.assertEqual(status, 200)
            self.assertEqual(body, FileBlobs(self.source).read(FileBlobs(self.source).keys(first_uid + "-")[0]))
            self.assertEqual(Browser(node).login("dave", PASSWORD)[0], 200, "accounts moved with their passwords")
            self.assertEqual(Browser(node).login("carol", PASSWORD)[0], 401, "and as the last run found them")
            self.assertEqual(len(node.json("/api/oauth-clients")), 1)
            verdict = node.json("/api/audit/verify")
            self.assertTrue(verdict["ok"], verdict)
            self.assertTrue(node.json("/api/audit?action=migrate"), "the record of the move travelled with the trail")
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
