"""Two `vireo serve` nodes on one PostgreSQL database and one bucket (the PostgreSQL + S3 pass):
what one node stores the other finds and serves at once, a session and a lockout hold on both,
the audit trail stays one chain, the same instance arriving at both at once is stored once, a
node killed in the middle of an ingest loses nothing it acknowledged, and of fifty bookings racing
for one slot through both nodes exactly one wins, and both nodes' open screens hear of it."""
import concurrent.futures
import datetime
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

from harness import DICOM, TOOL_ENV, Server, dataset_bytes, free_port, read_meta, wait_port
from test_dicomweb import CLIENT_DIR, multipart_parts
from test_durability import make_instances, storescu_acknowledged
from test_ris import LiveChanges
from test_security import Browser, PASSWORD

BACKENDS = ("VIREO_DATABASE_URL", "VIREO_BLOB_STORE", "VIREO_S3_ENDPOINT")


@unittest.skipUnless(os.environ.get("VIREO_TEST_S3_DIR") and os.environ.get("VIREO_TEST_DATABASE_URL_FILE"),
                     "needs PostgreSQL and the S3 test server (ctest's pg_s3 pass)")
class TwoNodesTest(unittest.TestCase):
    def setUp(self):
        self.dest_port = free_port()
        peers = f"DEST@127.0.0.1:{self.dest_port}"
        self.a = Server(peers=peers, extra_env={"VIREO_LOGIN_MAX_FAILURES": "3"}).start()
        self.b = self.second_node(self.a, peers=peers, extra_env={"VIREO_LOGIN_MAX_FAILURES": "3"})

    def tearDown(self):
        self.b.cleanup()
        self.a.cleanup()

    @staticmethod
    def second_node(a, **kw):
        """A node with a data folder of its own on `a`'s database and bucket."""
        extra = dict(kw.pop("extra_env", {}), **{k: a.env[k] for k in BACKENDS})
        b = Server(extra_env=extra, **kw)
        b.token = a.token  # the accounts are the database's: a token made through A works on B
        return b.start()

    def test_what_one_node_stores_the_other_finds_and_serves_at_once(self):
        files = sorted(p for p in (DICOM / "dicomdir/98892003").rglob("*") if p.is_file())[:6]
        statuses, out = self.a.store(*files)
        self.assertTrue(all(v == 0 for v in statuses.values()), out)
        study = read_meta(files[0])
        study_uid = self.b.json(f"/api/instances/{study[1][(2, 3)]}")["StudyInstanceUID"]
        # C-FIND and QIDO-RS on B.
        found, _ = self.b.find("QueryRetrieveLevel=STUDY", f"StudyInstanceUID={study_uid}", "NumberOfStudyRelatedInstances")
        self.assertEqual(len(found), 1)
        qido = self.b.json(f"/dicom-web/studies?StudyInstanceUID={study_uid}")
        self.assertEqual(len(qido), 1)
        # WADO-RS on B: the bytes A stored (B has no copy of its own yet: read from the bucket).
        for f in files:
            uid = read_meta(f)[1][(2, 3)]
            status, _, body = self.b.http("GET", f"/api/instances/{uid}/file")
            self.assertEqual(status, 200)
            self.assertEqual(body, self.a.http("GET", f"/api/instances/{uid}/file")[2], "the same object on both")
        # C-MOVE through B to a receiver.
        with tempfile.TemporaryDirectory() as received:
            scp = subprocess.Popen(["storescp", "+B", "+xa", "-aet", "DEST", "-od", received, str(self.dest_port)],
                                   env=TOOL_ENV)
            try:
                wait_port(self.dest_port)
                r = self.b.tool("movescu", "-v", "-S", "-aec", "VIREO", "-aem", "DEST", "-k",
                                "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study_uid}",
                                "127.0.0.1", str(self.b.dicom_port), timeout=300)
            finally:
                scp.terminate()
                scp.wait()
            self.assertEqual(r.returncode, 0, r.stderr)
            in_study = self.b.json(f"/api/studies/{study_uid}")["NumberOfStudyRelatedInstances"]
            self.assertGreater(in_study, 0)
            self.assertEqual(len(list(Path(received).iterdir())), in_study, r.stdout + r.stderr)

    def test_one_frame_of_a_multiframe_image_is_read_from_the_bucket_by_range(self):
        """B has no copy of what A stored: one frame of 96 costs B a ranged read of that frame,
        not the whole object, and is the frame A serves from its own copy."""
        xa = DICOM / "modality/XA_multiframe_jpeg.dcm"
        statuses, out = self.a.store(xa)
        self.assertTrue(all(v == 0 for v in statuses.values()), out)
        uid = read_meta(xa)[1][(2, 3)]
        inst = self.b.json(f"/api/instances/{uid}")
        path = (f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}"
                "/frames/50,51")
        accept = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
        answers = []
        for node in (self.b, self.a):
            status, headers, body = node.http("GET", path, headers=accept)
            self.assertEqual(status, 200, body[:300])
            answers.append([data for _, data in multipart_parts(headers["Content-Type"], body)])
        self.assertEqual(len(answers[0]), 2)
        self.assertEqual(answers[0], answers[1], "the same frames from the bucket by range and from A's copy")
        status, headers, body = self.b.http("GET", path.replace("50,51", "51"), headers={"Accept": "image/jpeg"})
        self.assertEqual((status, headers["Content-Type"].split(";")[0]), (200, "image/jpeg"))
        self.assertEqual(body, answers[1][1])

        metrics = self.b.http("GET", "/metrics")[2].decode()
        value = lambda name: float(re.search(rf"^{name} (\S+)", metrics, re.M).group(1))
        self.assertEqual(value("vireo_s3_range_reads_total"), 2, "50 and 51 in one request, then 51 alone")
        self.assertLess(value("vireo_s3_range_bytes_total"), xa.stat().st_size / 20)
        self.assertEqual(value("vireo_s3_get_seconds_count"), 0, "no whole object fetched")
        # Asked for a frame that is not there: the answer names the instance's frames.
        status, _, body = self.b.http("GET", path.replace("50,51", "97"), headers=accept)
        self.assertEqual(status, 400, body)
        self.assertIn(b"96 frames", body)

        # The whole instance through B: streamed from the bucket in ranges, not first copied.
        whole = self.a.http("GET", f"/api/instances/{uid}/file")[2]
        status, headers, body = self.b.http("GET", path.rsplit("/frames/", 1)[0],
                                            headers={"Accept": 'multipart/related; type="application/dicom"; '
                                                               "transfer-syntax=*"})
        self.assertEqual(status, 200, body[:300])
        self.assertEqual([data for _, data in multipart_parts(headers["Content-Type"], body)], [whole])
        metrics = self.b.http("GET", "/metrics")[2].decode()
        self.assertEqual(value("vireo_s3_get_seconds_count"), 0, "streamed, not fetched whole first")
        self.assertGreater(value("vireo_s3_range_bytes_total"), len(whole))

        # The same through dicomweb-client, the client OHIF uses: one frame as stored, from B;
        # still nothing fetched whole.
        env = dict(os.environ, VIREO_DICOMWEB=f"https://127.0.0.1:{self.b.http_port}/dicom-web",
                   VIREO_TOKEN=self.b.token, NODE_EXTRA_CA_CERTS=str(self.b.data_dir / "tls" / "cert.pem"))
        r = subprocess.run(["node", "frames_client.mjs", inst["StudyInstanceUID"], inst["SeriesInstanceUID"], uid,
                            "1.2.840.10008.1.2.4.50", "51"], cwd=CLIENT_DIR, env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got, {"frames": [hashlib.sha256(answers[1][1]).hexdigest()]})
        metrics = self.b.http("GET", "/metrics")[2].decode()
        self.assertEqual(value("vireo_s3_get_seconds_count"), 0, "dicomweb-client's reads came by range too")

    def test_a_session_and_a_lockout_hold_on_both_nodes(self):
        self.a.add_user("tech1", "technician", password=PASSWORD)
        on_a = Browser(self.a)
        self.assertEqual(on_a.login("tech1", PASSWORD)[0], 200)
        on_b = Browser(self.b)
        on_b.cookie, on_b.csrf = on_a.cookie, on_a.csrf  # the load balancer sent the next request to B
        self.assertEqual(on_b.call("GET", "/api/auth/session")[0], 200, "a session opened on A works on B")
        self.assertEqual(on_b.call("POST", "/api/auth/logout")[0], 204)
        self.assertEqual(on_a.call("GET", "/api/auth/session")[0], 401, "signed out on B: ended on A too")

        self.a.add_user("locky2", "technician", password=PASSWORD)
        for node in (self.a, self.b, self.a):  # failures counted together, whichever node saw them
            self.assertEqual(Browser(node).login("locky2", "not-the-password-at-all")[0], 401)
        self.assertEqual(Browser(self.b).login("locky2", PASSWORD)[0], 401, "locked on B by failures on both")

    def test_the_audit_trail_is_one_chain_whichever_node_writes(self):
        statuses = []

        def attempts(node):  # each sign-in attempt is an audit event, appended by its node
            for _ in range(10):
                statuses.append(Browser(node).login("nobody-at-all", "not-the-password-at-all")[0])

        racers = [threading.Thread(target=attempts, args=(node,)) for node in (self.a, self.b, self.a, self.b)]
        for t in racers:
            t.start()
        for t in racers:
            t.join()
        self.assertEqual(statuses, [401] * 40)
        deadline = time.time() + 20
        while time.time() < deadline and len(self.a.json("/api/audit?user=nobody-at-all&limit=100")) < 40:
            time.sleep(0.1)
        self.assertEqual(len(self.a.json("/api/audit?user=nobody-at-all&limit=100")), 40)
        verdict = json.loads(self.b.http("GET", "/api/audit/verify")[2])
        self.assertTrue(verdict["ok"], verdict)
        ids = sorted(e["id"] for e in self.a.json("/api/audit?limit=1000"))
        self.assertEqual(ids, list(range(ids[0], ids[0] + len(ids))), "one sequence, no gap, no repeat")

    def test_the_same_instance_arriving_at_both_nodes_at_once_is_stored_once(self):
        with tempfile.TemporaryDirectory() as tmp:
            same = make_instances(Path(tmp) / "same", 40)
            results = {}

            def send(name, node):
                results[name] = node.store(*same)

            senders = [threading.Thread(target=send, args=(n, node)) for n, node in (("a", self.a), ("b", self.b))]
            for t in senders:
                t.start()
            for t in senders:
                t.join()
            for name, (statuses, out) in results.items():
                self.assertTrue(all(v == 0 for v in statuses.values()), f"{name}: {out}")
            self.assertEqual(self.a.json("/api/stats")["instances"], len(same))
            self.assertEqual(len(self.a.blobs.keys()), len(same), "one object per instance")
            self.assertEqual(self.b.json("/api/conflicts"), [])

    def test_a_node_killed_during_ingest_loses_nothing_it_acknowledged(self):
        with tempfile.TemporaryDirectory() as tmp:
            files = make_instances(Path(tmp) / "in", 1200)
            chunks = [files[i::4] for i in range(4)]
            outputs = [None] * 4
            nodes = [self.a, self.b, self.a, self.b]

            def send(i):
                r = subprocess.run(["storescu", "-v", "-aec", "VIREO", "127.0.0.1", str(nodes[i].dicom_port),
                                    *map(str, chunks[i])], env=TOOL_ENV, capture_output=True, text=True)
                outputs[i] = r.stdout + r.stderr

            senders = [threading.Thread(target=send, args=(i,)) for i in range(4)]
            for t in senders:
                t.start()
            deadline = time.time() + 120
            while time.time() < deadline and self.b.json("/api/stats")["instances"] < 300:
                time.sleep(0.02)
            self.a.proc.send_signal(signal.SIGKILL)
            self.a.proc.wait()
            for t in senders:
                t.join()
            acked = [f for out in outputs for f in storescu_acknowledged(out)]
            acked_on_a = [f for i in (0, 2) for f in storescu_acknowledged(outputs[i])]
            self.assertLess(len(acked_on_a), len(chunks[0]) + len(chunks[2]), "the kill lands mid-transfer")
            self.assertGreater(len(acked_on_a), 0)
            for f in acked:
                uid = read_meta(f)[1][(2, 3)]
                status, _, body = self.b.http("GET", f"/api/instances/{uid}/file")
                self.assertEqual(status, 200, f"acknowledged instance {uid} lost")
                got = Path(tmp) / "got.dcm"
                got.write_bytes(body)
                self.assertEqual(dataset_bytes(got), dataset_bytes(f))
            # A, restarted, queues what its crash left in the bucket for removal (an hour later,
            # if still unnamed) and removes nothing: every indexed instance keeps its object.
            self.a.start()
            self.assertIn("did not stop cleanly", self.a.logs())
            in_bucket = set(self.a.blobs.keys())
            indexed = {row[0] for row in self.b.sql_rows("SELECT blob_key FROM instances")}
            self.assertLessEqual(indexed, in_bucket, "no indexed instance without its object")
            queued = {row[0] for row in self.b.sql_rows("SELECT blob_key FROM blob_deletions")}
            self.assertLessEqual(in_bucket - indexed, queued, "every orphan queued")
            self.assertLessEqual(len(in_bucket - indexed), 2, "at most A's writes in flight, one per association")


    def test_fifty_bookings_racing_for_one_slot_on_two_nodes_exactly_one_wins(self):
        def call(node, method, path, body):
            status, _, out = node.http(method, path, body=json.dumps(body).encode(),
                                       headers={"Content-Type": "application/json"})
            return status, json.loads(out)
        every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
        room = call(self.a, "POST", "/api/ris/rooms", {"name": "CT 1", "modality": "CT", "hours": every_day})[1]
        chest = call(self.a, "POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                             "durationMinutes": 15})[1]
        orders = []
        for i in range(50):
            patient = call(self.a, "POST", "/api/ris/patients", {"familyName": f"Racer{i}", "givenName": "Ana",
                                                                 "birthDate": "1980-01-01", "sex": "F",
                                                                 "confirmedNew": True})[1]
            orders.append(call(self.b, "POST", "/api/ris/orders", {"patientId": patient["id"], "procedureIds": [chest["id"]],
                                                                   "reason": "Staging"})[1])
        day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10)).date()
        at = f"{day}T10:00:00Z"
        streams = [LiveChanges(node, node.token) for node in (self.a, self.b)]  # open calendars on each node
        for stream in streams:
            self.addCleanup(stream.close)
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda i: call((self.a, self.b)[i % 2], "POST", "/api/ris/appointments",
                                                   {"orderId": orders[i]["id"], "roomId": room["id"], "startsAt": at}),
                                    range(50)))
        self.assertEqual(sorted(s for s, _ in answers), [201] + [409] * 49, answers[:3])
        winner = next(b for s, b in answers if s == 201)
        self.assertTrue(all(b["conflict"] == {"rule": "slot_taken", "appointmentId": winner["id"]}
                            for s, b in answers if s == 409))
        self.assertEqual(self.a.sql_rows("SELECT COUNT(*) FROM ris_appointments"), [["1"]])
        for stream in streams:  # whichever node took it, both nodes' screens hear of it at once
            stream.wait_for("ris.appointment.booked", winner["id"])


if __name__ == "__main__":
    unittest.main()
