"""The administrator's API behind the admin pages, against real peers: DICOM peers and their
echo (DCMTK's storescp as the peer), system status with refused instances and their reasons,
personal tokens and OAuth clients."""
import base64
import json
import subprocess
import time
import unittest
import urllib.parse

from harness import DICOM, Server, free_port, wait_port


class AdminApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.up_port, cls.refusing_port, cls.down_port = free_port(), free_port(), free_port()
        peers = f"UP@127.0.0.1:{cls.up_port},REFUSING@127.0.0.1:{cls.refusing_port},DOWN@127.0.0.1:{cls.down_port}"
        cls.server = Server(peers=peers).start()
        cls.scps = [subprocess.Popen(["storescp", "-aet", "UP", str(cls.up_port)], stderr=subprocess.DEVNULL),
                    subprocess.Popen(["storescp", "--refuse", "-aet", "REFUSING", str(cls.refusing_port)],
                                     stderr=subprocess.DEVNULL)]
        wait_port(cls.up_port)
        wait_port(cls.refusing_port)
        cls.server.add_user("reader", "radiologist")
        cls.reader = cls.server.create_token("reader")

    @classmethod
    def tearDownClass(cls):
        for p in cls.scps:
            p.terminate()
            p.wait()
        cls.server.cleanup()

    def post(self, path, body=None, token="default"):
        data = json.dumps(body).encode() if body is not None else None
        status, _, out = self.server.http("POST", path, body=data, headers={"Content-Type": "application/json"},
                                          token=token)
        return status, json.loads(out) if out else None

    def test_peers_list_names_our_side_and_each_configured_peer(self):
        got = self.server.json("/api/dicom/peers")
        self.assertEqual(got["aet"], "VIREO")
        self.assertEqual(got["port"], self.server.dicom_port)
        self.assertEqual(got["unknownCallers"], "loopback")
        self.assertEqual([(p["aet"], p["host"], p["port"]) for p in got["peers"]],
                         [("UP", "127.0.0.1", self.up_port), ("REFUSING", "127.0.0.1", self.refusing_port),
                          ("DOWN", "127.0.0.1", self.down_port)])

    def test_echo_says_whether_a_peer_answers_and_why_not(self):
        status, up = self.post("/api/dicom/peers/UP/echo")
        self.assertEqual(status, 200, up)
        self.assertTrue(up["ok"], up)
        self.assertGreater(up["milliseconds"], 0)
        status, refusing = self.post("/api/dicom/peers/REFUSING/echo")
        self.assertEqual(status, 200, refusing)
        self.assertFalse(refusing["ok"])
        self.assertIn("REFUSING", refusing["detail"])
        self.assertIn("rejected", refusing["detail"])
        status, down = self.post("/api/dicom/peers/DOWN/echo")
        self.assertEqual(status, 200, down)
        self.assertFalse(down["ok"])
        self.assertIn(f"127.0.0.1:{self.down_port}", down["detail"])
        self.assertIn("connection refused", down["detail"])
        status, _ = self.post("/api/dicom/peers/NOBODY/echo")
        self.assertEqual(status, 404)
        # The echo is the administrator's: a radiologist may not probe the network.
        status, _ = self.post("/api/dicom/peers/UP/echo", token=self.reader)
        self.assertEqual(status, 403)
        events = self.server.json("/api/audit?action=create&limit=50") + self.server.json("/api/audit?limit=200")
        self.assertTrue(any("/api/dicom/peers/UP/echo" in e["resource"] for e in events), "the echo is audited")

    def test_status_counts_storage_and_refusals_with_reasons(self):
        good = (DICOM / "modality/CT_small.dcm").read_bytes()
        boundary = "b0undary"
        body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n"
                        for p in (b"not dicom at all", good)) + b"--" + boundary.encode() + b"--\r\n"
        status, _, _ = self.server.http("POST", "/dicom-web/studies", body=body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
        self.assertEqual(status, 202)
        got = self.server.json("/api/system/status")
        self.assertGreaterEqual(got["counts"]["instances"], 1)
        self.assertGreaterEqual(got["counts"]["studies"], 1)
        self.assertGreater(got["storage"]["archiveBytes"], 0)
        self.assertGreater(got["storage"]["freeBytes"], 0)
        self.assertEqual(got["storage"]["minFreeBytes"], 100 << 20)
        self.assertTrue(got["rejections"], got)
        newest = got["rejections"][0]
        self.assertEqual(newest["source"], "stow:tester")
        self.assertTrue(newest["reason"])
        self.assertEqual(self.server.json("/api/rejections?limit=1")[0], newest)
        # Sent again with other content under the same UID: a conflict, listed with what was kept.
        other = bytearray(good)
        other[-2:] = bytes([other[-2] ^ 0xFF, other[-1] ^ 0xFF])
        body = (b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + bytes(other) + b"\r\n--"
                + boundary.encode() + b"--\r\n")
        self.server.http("POST", "/dicom-web/studies", body=body, headers={
            "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
        conflicts = self.server.json("/api/system/status")["conflicts"]
        self.assertEqual(conflicts[0]["resolution"], "kept_first")
        status, _, _ = self.server.http("GET", "/api/system/status", token=self.reader)
        self.assertEqual(status, 403)

    def test_failed_follow_up_work_is_listed_and_tried_again(self):
        """A delivery the dispatcher gave up (a dead letter in the outbox) is on the status page
        with its last error; an administrator's retry hands it back and it is delivered."""
        self.server.sql("INSERT INTO outbox (consumer, topic, ids, created_at, due_at, attempts, last_error, dead) "
                        "VALUES ('ai.study-deleted', 'study.deleted', 'study=1.2.3.9&deleted_at=2026-12-01T10%3A00%3A00.000Z', "
                        "1796119200, 1796119200, 20, 'database is locked', 1)")
        events = self.server.json("/api/system/status")["events"]
        self.assertEqual(events["failed"], 1)
        failure = events["failures"][0]
        self.assertEqual((failure["topic"], failure["consumer"], failure["attempts"], failure["lastError"]),
                         ("study.deleted", "ai.study-deleted", 20, "database is locked"))
        self.assertEqual(failure["at"], "2026-12-01T10:00:00Z")
        self.assertEqual(self.post(f"/api/events/failed/{failure['id']}/retry", token=self.reader)[0], 403)
        self.assertEqual(self.post("/api/events/failed/999999/retry")[0], 404)
        self.assertEqual(self.post("/api/events/failed/not-a-number/retry")[0], 404)
        self.assertEqual(self.post(f"/api/events/failed/{failure['id']}/retry")[0], 204)
        self.assertEqual(self.post(f"/api/events/failed/{failure['id']}/retry")[0], 404, "no longer a failure")
        deadline = time.time() + 10
        while self.server.sql_rows("SELECT COUNT(*) FROM outbox") != [["0"]] and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.server.sql_rows("SELECT COUNT(*) FROM outbox"), [["0"]], "delivered once tried again")
        self.assertEqual(self.server.json("/api/system/status")["events"], {"pending": 0, "failed": 0, "failures": []})

    def test_oauth_client_lifecycle_and_token_list(self):
        status, created = self.post("/api/oauth-clients", {"username": "reader", "name": "RIS bridge",
                                                           "scopes": ["archive.read"]})
        self.assertEqual(status, 201, created)
        self.assertTrue(created["clientSecret"])
        listed = {c["clientId"]: c for c in self.server.json("/api/oauth-clients")}
        self.assertNotIn("clientSecret", listed[created["clientId"]], "the secret is shown once")
        self.assertEqual(listed[created["clientId"]]["scopes"], ["archive.read"])

        def token():
            form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": created["clientId"],
                                           "client_secret": created["clientSecret"]}).encode()
            return self.server.http("POST", "/oauth/token", body=form, token=None,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})

        status, _, body = token()
        self.assertEqual(status, 200, body)
        access = json.loads(body)["access_token"]
        self.assertEqual(self.server.http("GET", "/api/studies", token=access)[0], 200)
        # Client-issued tokens belong to their client, not to the list of personal tokens.
        names = [t["name"] for t in self.server.json("/api/tokens")]
        self.assertIn("integration tests", names)
        self.assertFalse(any(n.startswith("oauth client") for n in names), names)

        status, _, _ = self.server.http("DELETE", f"/api/oauth-clients/{created['clientId']}")
        self.assertEqual(status, 204)
        self.assertEqual(self.server.http("GET", "/api/studies", token=access)[0], 401, "its tokens went with it")
        self.assertEqual(token()[0], 401)
        self.assertTrue({c["clientId"]: c for c in self.server.json("/api/oauth-clients")}[created["clientId"]]["revoked"])
        self.assertEqual(self.server.http("DELETE", "/api/oauth-clients/vireo-client-none")[0], 404)
        status, problem = self.post("/api/oauth-clients", {"username": "nobody-here", "name": "x"})
        self.assertEqual(status, 404, problem)
        status, problem = self.post("/api/oauth-clients", {"username": "reader", "name": "x", "scopes": ["archive.fly"]})
        self.assertEqual(status, 400, problem)
        self.assertEqual(self.post("/api/oauth-clients", {"username": "reader", "name": "x"}, token=self.reader)[0], 403)


if __name__ == "__main__":
    unittest.main()
