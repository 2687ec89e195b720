"""Acknowledged means durable: SIGKILL in the middle of a few thousand C-STOREs loses no
acknowledged instance and leaves no half-indexed one; a full disk answers 0xA700."""
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

from harness import backend_env, blobs_of, DICOM, TOOL_ENV, VIREO, Server, dataset_bytes, parse_status, read_meta

SOURCE = DICOM / "modality/CT_small.dcm"


def make_instances(folder, count):
    """`count` copies of a real CT, each with its own SOP Instance UID (dcmodify -gin)."""
    folder.mkdir(parents=True)
    files = []
    for i in range(count):
        f = folder / f"{i:05d}.dcm"
        shutil.copyfile(SOURCE, f)
        files.append(f)
    for start in range(0, count, 500):
        subprocess.run(["dcmodify", "-nb", "-gin", *map(str, files[start:start + 500])], check=True,
                       capture_output=True)
    return files


def storescu_acknowledged(output):
    """Files that got a C-STORE response with status Success."""
    acked, current = [], None
    for line in output.splitlines():
        if "Sending file: " in line:
            current = line.split("Sending file: ", 1)[1].strip()
        elif "Received Store Response" in line and current and parse_status(line) == 0:
            acked.append(Path(current))
    return acked


def check(data_dir, *flags):
    return subprocess.run([str(VIREO), "check", "--data-dir", str(data_dir), *flags], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, **backend_env(data_dir)))


class CrashDurabilityTest(unittest.TestCase):
    def test_sigkill_during_ingest_loses_no_acknowledged_instance(self):
        tmp = Path(tempfile.mkdtemp(prefix="vireo-crash-"))
        try:
            files = make_instances(tmp / "in", 2400)
            server = Server(data_dir=tmp / "var").start()
            outputs = [None] * 4
            chunks = [files[i::4] for i in range(4)]

            def send(i):
                r = subprocess.run(["storescu", "-v", "-aec", "VIREO", "127.0.0.1", str(server.dicom_port),
                                    *map(str, chunks[i])], env=TOOL_ENV, capture_output=True, text=True)
                outputs[i] = r.stdout + r.stderr

            senders = [threading.Thread(target=send, args=(i,)) for i in range(4)]
            for t in senders:
                t.start()
            deadline = time.time() + 120
            while time.time() < deadline and server.json("/api/stats")["instances"] < 700:
                time.sleep(0.01)
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            for t in senders:
                t.join()
            acked = [f for out in outputs for f in storescu_acknowledged(out)]
            self.assertGreater(len(acked), 500)
            self.assertLess(len(acked), len(files), "the kill must land in the middle of the transfer")

            restarted = Server(data_dir=tmp / "var").start()
            try:
                self.assertIn("did not stop cleanly", restarted.logs())
                for f in acked:
                    uid = read_meta(f)[1][(2, 3)]
                    status, _, body = restarted.http("GET", f"/api/instances/{uid}/file")  # hash-checked read
                    self.assertEqual(status, 200, f"acknowledged instance {uid} lost")
                    got = tmp / "got.dcm"
                    got.write_bytes(body)
                    self.assertEqual(dataset_bytes(got), dataset_bytes(f))
                indexed = restarted.json("/api/stats")["instances"]
                self.assertGreaterEqual(indexed, len(acked))
            finally:
                restarted.stop()
            # Every index row has its intact file, and no file is left without a row. On a bucket
            # (shared by design: another node could be storing the same object) the restart's
            # check queues the orphans for removal an hour later instead.
            r = check(tmp / "var", "--deep")
            self.assertIn("missing files: 0", r.stdout)
            self.assertIn("damaged files: 0", r.stdout)
            store = blobs_of(tmp / "var")
            if store.shared:
                late = len(store.keys()) - indexed
                self.assertLessEqual(late, 4, r.stdout)  # at most the writes in flight, one per association
                queued = {row[0] for row in restarted.sql_rows("SELECT blob_key FROM blob_deletions")}
                indexed_keys = {row[0] for row in restarted.sql_rows("SELECT blob_key FROM instances")}
                self.assertEqual(set(store.keys()) - indexed_keys, queued & set(store.keys()))
            else:
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("orphan files:  0", r.stdout)
                self.assertEqual(len(store.keys()), indexed)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_check_reports_a_damaged_and_a_missing_file(self):
        tmp = Path(tempfile.mkdtemp(prefix="vireo-check-"))
        try:
            data = tmp / "var"
            r = subprocess.run([str(VIREO), "import", "--data-dir", str(data), str(DICOM / "dicomdir/98892003")],
                               capture_output=True, text=True, env=dict(os.environ, **backend_env(data)))
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertEqual(check(data, "--deep").returncode, 0)
            store = blobs_of(data)
            blobs = store.keys()
            damaged = bytearray(store.read(blobs[0]))
            damaged[-1] ^= 0xFF
            store.write(blobs[0], bytes(damaged))
            store.delete(blobs[1])
            # As a crash between writing a file and committing its row would leave it.
            orphan = hashlib.sha256(b"1.2.3").hexdigest()[:4] + "/1.2.3.4-0000000000000000"
            store.write(orphan, b"x")
            r = check(data, "--deep")
            self.assertEqual(r.returncode, 1)
            self.assertIn("missing files: 1", r.stdout)
            self.assertIn("damaged files: 1", r.stdout)
            self.assertIn("orphan files:  1", r.stdout)
            r = check(data, "--repair")
            if store.shared:
                # A bucket other nodes write to: an orphan may be one's write about to be
                # committed, so it is queued, and goes an hour later if still unnamed.
                self.assertIn(orphan, store.keys())
                self.assertIn("queued for removal", r.stdout)
            else:
                self.assertNotIn(orphan, store.keys())
            server = Server(data_dir=data).start()
            try:
                uid = blobs[0][5:].rsplit("-", 1)[0]
                status, _, body = server.http("GET", f"/api/instances/{uid}/file")
                self.assertEqual(status, 500, "a damaged file is never served")
                self.assertIn(b"integrity", body.lower())
            finally:
                server.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@unittest.skipUnless(os.geteuid() == 0, "needs root to mount a small tmpfs")
class DiskFullTest(unittest.TestCase):
    @contextlib.contextmanager
    def small_disk(self, size):
        """A temporary folder holding a tmpfs of `size` ("16m") at ./small."""
        tmp = Path(tempfile.mkdtemp(prefix="vireo-full-"))
        mount = tmp / "small"
        mount.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
        try:
            yield tmp, mount
        finally:
            subprocess.run(["umount", str(mount)])
            shutil.rmtree(tmp, ignore_errors=True)

    def test_full_storage_answers_out_of_resources_and_keeps_serving(self):
        with self.small_disk("16m") as (tmp, mount):
            files = make_instances(tmp / "in", 450)  # 450 x 38 KiB > 16 MiB
            server = Server(data_dir=mount / "var", extra_env={"VIREO_MIN_FREE_SPACE_MB": "6"}).start()
            try:
                statuses, out = server.store(*files)
                codes = list(statuses.values())
                self.assertIn(0x0000, codes)
                self.assertIn(0xA700, codes, out[-1500:] + server.logs()[-1500:])
                self.assertEqual(server.echo(), 0, "still serving")
                stored = server.json("/api/stats")["instances"]
                self.assertEqual(stored, codes.count(0))
            finally:
                server.stop()
            r = check(mount / "var")
            self.assertEqual(r.returncode, 0, r.stdout)

    def test_a_stow_upload_bigger_than_the_free_space_is_refused_midway_and_leaves_nothing(self):
        with self.small_disk("64m") as (_, mount):
            server = Server(data_dir=mount / "var", extra_env={"VIREO_MIN_FREE_SPACE_MB": "40",
                                                                "VIREO_RENDER_CACHE_MB": "0"}).start()
            try:
                # One 40 MB part: admitted (the floor holds at the start), refused once the
                # bytes written would take the disk below it, long before it is full.
                body = b"--b\r\nContent-Type: application/dicom\r\n\r\n" + b"\0" * (40 << 20) + b"\r\n--b--\r\n"
                status, _, answer = server.http("POST", "/dicom-web/studies", body=body,
                                                headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=b'})
                self.assertEqual(status, 507, answer[:300])
                self.assertEqual(json.loads(answer)["status"], 507)
                self.assertEqual(list(server.blobs.temp_dir.iterdir()), [], "no part left behind")
                self.assertEqual(server.json("/api/stats")["instances"], 0)
                self.assertEqual(server.echo(), 0, "still serving")
            finally:
                server.stop()


if __name__ == "__main__":
    unittest.main()
