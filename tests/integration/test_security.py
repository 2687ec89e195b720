"""Identity, authorization and audit, driven over HTTP like a browser and a script would:
the role matrix over every route, two patients who must never see each other, lockout,
TOTP sign-in with an independent TOTP implementation (oathtool), CSRF, hostile
credentials, and the audit trail's tamper evidence."""
import http.cookies
import json
import re
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
import subprocess
import unittest

from harness import DICOM, Server

PASSWORD = "velvet-tractor-on-the-moon"
GENERIC = "sign-in failed: check the user name, password and code"


def oathtool(secret, offset_s=0):
    args = ["oathtool", "--totp", "-b", secret]
    if offset_s:
        args += ["--now", f"now + {offset_s} seconds"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


class Browser:
    """A cookie jar and the CSRF token, as the web application keeps them."""

    def __init__(self, server):
        self.server, self.cookie, self.csrf = server, None, None

    def login(self, username, password, **extra):
        status, headers, body = self.server.http("POST", "/api/auth/login", token=None,
                                                 body=json.dumps(dict(username=username, password=password,
                                                                      **extra)).encode())
        if status == 200:
            jar = http.cookies.SimpleCookie(headers["Set-Cookie"])
            self.cookie = f"vireo_session={jar['vireo_session'].value}"
            self.csrf = json.loads(body)["csrfToken"]
            flags = headers["Set-Cookie"].lower()
            for flag in ("httponly", "secure", "samesite=strict"):
                assert flag in flags, headers["Set-Cookie"]
        return status, json.loads(body) if body else None

    def call(self, method, path, body=None, csrf=True):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if csrf and self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        status, _, data = self.server.http(method, path, body=json.dumps(body).encode() if body is not None else None,
                                           headers=headers, token=None)
        return status, data


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"VIREO_LOGIN_MAX_FAILURES": "3"}).start()
        s = cls.server
        # Two patients (PatientID 77654033 and 98890234) and a CT referred by Dr Hopper.
        files = [p for p in (DICOM / "dicomdir/77654033").rglob("*") if p.is_file()]
        files += [p for p in (DICOM / "dicomdir/98892001").rglob("*") if p.is_file()]
        statuses, _ = s.store(*files)
        assert all(v == 0 for v in statuses.values()), statuses
        referred = s.tmp / "referred.dcm"
        referred.write_bytes((DICOM / "modality/CT_small.dcm").read_bytes())
        subprocess.run(["dcmodify", "-nb", "-m", "(0008,0090)=HOPPER^GRACE", str(referred)], check=True)
        assert s.store(referred)[0][str(referred)] == 0
        cls.model = json.loads(s.cli("access").stdout)
        cls.tokens = {}
        for role in cls.model["roles"]:
            extra = {"patient_id": "77654033"} if role == "patient" else {}
            if role == "referring":
                extra = {"physician": "Hopper^Grace"}
            s.add_user(f"u_{role}", role, password=PASSWORD, **extra)
            cls.tokens[role] = s.create_token(f"u_{role}")
        s.add_user("p1", "patient", password=PASSWORD, patient_id="77654033")
        s.add_user("p2", "patient", password=PASSWORD, patient_id="98890234")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def grants(self, role, permission):
        return permission == "authenticated" or permission in self.model["roles"][role]

    def stream_status(self, path, token):
        with self.server.tls_socket() as sock:
            auth = f"Authorization: Bearer {token}\r\n" if token else ""
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode())
            return int(sock.makefile("rb").readline().split()[1])

    def test_every_route_as_every_role_and_anonymously(self):
        fill = {"{study}": "1.2.3.4", "{series}": "1.2.3.4", "{instance}": "1.2.3.4", "{username}": "nosuchuser",
                "{id}": "999999"}
        routes = self.model["routes"]
        self.assertGreater(len(routes), 25)
        for route in routes:
            path = route["path"]
            for k, v in fill.items():
                path = path.replace(k, v)
            body = b"{}" if route["method"] in ("POST", "PUT", "PATCH") else None
            for who in [None, *self.model["roles"]]:
                token = self.tokens[who] if who else None
                if route["path"] == "/api/ris/events":  # a stream that stays open: its head only
                    status, data = self.stream_status(path, token), b'{"status": 403}'
                else:
                    status, _, data = self.server.http(route["method"], path, body=body, token=token)
                label = f"{route['method']} {route['path']} as {who or 'anonymous'}: {status} {data[:200]!r}"
                if route["permission"] == "public":
                    self.assertNotIn(status, (403,), label)
                elif who is None:
                    self.assertEqual(status, 401, label)
                elif self.grants(who, route["permission"]):
                    self.assertNotIn(status, (401, 403), label)
                else:
                    self.assertEqual(status, 403, label)
                    self.assertEqual(json.loads(data)["status"], 403, label)

    def test_two_patients_never_see_each_other(self):
        s = self.server
        all_studies = s.json("/api/studies")
        theirs = [st for st in all_studies if st["PatientID"] == "98890234"]
        mine = [st for st in all_studies if st["PatientID"] == "77654033"]
        self.assertTrue(theirs and mine)
        other_study = theirs[0]["StudyInstanceUID"]
        other_series = s.json(f"/api/studies/{other_study}")["Series"][0]["SeriesInstanceUID"]
        other_instance = s.json(f"/api/series/{other_series}")["Instances"][0]["SOPInstanceUID"]
        p1 = Browser(s)
        self.assertEqual(p1.login("p1", PASSWORD)[0], 200)  # patients sign in without TOTP by default
        status, body = p1.call("GET", "/api/studies")
        self.assertEqual(status, 200)
        self.assertEqual(sorted(x["StudyInstanceUID"] for x in json.loads(body)),
                         sorted(x["StudyInstanceUID"] for x in mine))
        status, body = p1.call("GET", "/api/patients")
        self.assertEqual([x["PatientID"] for x in json.loads(body)], ["77654033"])
        for path in (f"/api/studies/{other_study}", f"/api/series/{other_series}",
                     f"/api/instances/{other_instance}", f"/api/instances/{other_instance}/file"):
            self.assertEqual(p1.call("GET", path)[0], 404, path)
        for path in (f"/api/studies/{other_study}/series", f"/api/series/{other_series}/instances",
                     "/api/studies?PatientID=98890234", "/api/studies?PatientID=*"):
            status, body = p1.call("GET", path)
            self.assertEqual(status, 200, path)
            self.assertTrue(all(x.get("PatientID", "77654033") == "77654033" for x in json.loads(body)), path)
            if "98890234" in path or other_study in path or other_series in path:
                self.assertEqual(json.loads(body), [], path)
        # The same rule through a bearer token, and for the other patient the other way round.
        p2_token = s.create_token("p2")
        self.assertEqual(s.http("GET", f"/api/studies/{mine[0]['StudyInstanceUID']}", token=p2_token)[0], 404)
        self.assertEqual(s.http("GET", f"/api/studies/{other_study}", token=p2_token)[0], 200)
        # A referring physician sees the patient of the study that names them, nobody else.
        status, _, body = s.http("GET", "/api/studies", token=self.tokens["referring"])
        self.assertEqual({x["PatientID"] for x in json.loads(body)}, {"1CT1"})

    def test_lockout_then_an_admin_lifts_it(self):
        s = self.server
        s.add_user("locky", "technician", password=PASSWORD)
        b = Browser(s)
        answers = set()
        for _ in range(3):
            status, body = b.login("locky", "not-the-password-at-all")
            self.assertEqual(status, 401)
            answers.add(body["detail"])
        status, body = b.login("locky", PASSWORD)
        self.assertEqual(status, 401, "locked: the right password is refused")
        answers.add(body["detail"])
        answers.add(b.login("nobody-here", PASSWORD)[1]["detail"])
        self.assertEqual(answers, {GENERIC}, "every failure reads the same")
        status, _, body = s.http("POST", "/api/users/locky/unlock")
        self.assertEqual(status, 200, body)
        self.assertEqual(b.login("locky", PASSWORD)[0], 200)
        events = s.json("/api/audit?user=locky&action=login")
        self.assertEqual([e["outcome"] for e in events][:2], ["success", "failure"])
        self.assertIn("account locked", [e["detail"] for e in events])

    def test_totp_enrolment_sign_in_recovery_and_csrf(self):
        s = self.server
        s.add_user("drtotp", "radiologist", password=PASSWORD)
        b = Browser(s)
        status, info = b.login("drtotp", PASSWORD)
        self.assertEqual(status, 200)
        self.assertTrue(info["totpEnrolmentRequired"])
        self.assertEqual(b.call("GET", "/api/studies")[0], 403, "nothing but enrolment before TOTP")
        self.assertEqual(b.call("POST", "/api/auth/totp", csrf=False)[0], 403, "CSRF token required")
        status, body = b.call("POST", "/api/auth/totp")
        self.assertEqual(status, 200, body)
        secret = json.loads(body)["secret"]
        self.assertIn(f"secret={secret}", json.loads(body)["otpauthUri"])
        status, body = b.call("POST", "/api/auth/totp/confirm", {"code": oathtool(secret)})
        self.assertEqual(status, 200, body)
        recovery = json.loads(body)["recoveryCodes"]
        self.assertEqual(len(recovery), 10)
        self.assertEqual(b.call("GET", "/api/studies")[0], 200)
        self.assertEqual(b.call("POST", "/api/auth/logout")[0], 204)
        self.assertEqual(b.call("GET", "/api/studies")[0], 401, "logout revokes the session")

        fresh = Browser(s)
        self.assertEqual(fresh.login("drtotp", PASSWORD)[0], 401, "the code is required now")
        self.assertEqual(fresh.login("drtotp", PASSWORD, totp="000000")[0], 401)
        self.assertEqual(fresh.login("drtotp", PASSWORD, totp=oathtool(secret, 30))[0], 200)
        self.assertEqual(Browser(s).login("drtotp", PASSWORD, recoveryCode=recovery[0])[0], 200)
        self.assertEqual(Browser(s).login("drtotp", PASSWORD, recoveryCode=recovery[0])[0], 401, "used once")

    def test_hostile_credentials_get_clean_4xx_and_are_audited(self):
        s = self.server
        good = self.tokens["radiologist"]
        for headers in ({"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "Bearer"},
                        {"Authorization": "Bearer " + good[:-1] + ("A" if good[-1] != "A" else "B")},
                        {"Authorization": "Bearer x' OR '1'='1"}, {"Authorization": "Bearer " + "a" * 600},
                        {"Cookie": "vireo_session=forged"}, {"Cookie": "vireo_session=\"\\x00;;;===; a=b"},
                        {"Cookie": "vireo_session=" + "z" * 5000}):
            status, _, body = s.http("GET", "/api/studies", headers=headers, token=None)
            self.assertEqual(status, 401, headers)
            self.assertEqual(json.loads(body)["status"], 401)
        # Injection attempts in parameters are data, never SQL.
        for path in ("/api/studies?PatientName=%27%20OR%201%3D1%20--", "/api/studies?PatientID=1%27%3B%20DROP%20TABLE%20users%3B--",
                     "/api/audit?user=%27%20OR%20%271%27%3D%271"):
            status, _, body = s.http("GET", path)
            self.assertEqual(status, 200, path)
            self.assertEqual(json.loads(body), [], path)
        self.assertEqual(s.http("GET", "/api/studies/..%2F..%2Fetc%2Fpasswd")[0], 404)
        self.assertEqual(s.http("GET", "/api/audit?limit=99999999999")[0], 400)
        # Searches know their parameters: a misspelt filter is refused, never silently ignored.
        for path in ("/api/audit?patinet=98890234", "/api/studies?PatinetID=98890234", "/api/conflicts?limit=5&x=1",
                     "/dicom-web/studies?PatinetID=98890234"):
            status, _, body = s.http("GET", path)
            self.assertEqual(status, 400, path)
            self.assertIn("'", json.loads(body)["detail"], path)
        status, _, body = s.http("GET", "/api/users/no-such-user/tokens")
        self.assertEqual((status, json.loads(body)["status"]), (404, 404))
        self.assertEqual(s.http("GET", "/api/users/tester/tokens")[0], 200)
        self.assertEqual(s.http("POST", "/api/auth/login", body=b"{not json", token=None)[0], 400)
        self.assertIn("tester\t", s.cli("user", "list").stdout, "nothing changed")
        refused = s.json("/api/audit?action=refused&limit=50")
        self.assertTrue(any("unknown token" in e["detail"] for e in refused))
        self.assertTrue(any("unsupported Authorization scheme" in e["detail"] for e in refused))

    def test_oauth_client_credentials(self):
        import base64
        import urllib.parse
        s = self.server
        r = s.cli("client", "add", "u_radiologist", "--name", "ai pipeline", "--scope", "archive.read")
        self.assertEqual(r.returncode, 0, r.stderr)
        client_id = re.search(r"client_id:\s+(\S+)", r.stdout).group(1)
        secret = re.search(r"client_secret:\s+(\S+)", r.stdout).group(1)

        def token_request(body, basic=None):
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if basic:
                headers["Authorization"] = "Basic " + base64.b64encode(":".join(basic).encode()).decode()
            status, _, data = s.http("POST", "/oauth/token", body=urllib.parse.urlencode(body).encode(),
                                     headers=headers, token=None)
            return status, json.loads(data)

        status, answer = token_request({"grant_type": "client_credentials"}, basic=(client_id, secret))
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["token_type"], "Bearer")
        self.assertEqual(answer["expires_in"], 3600)
        access = answer["access_token"]
        self.assertEqual(s.http("GET", "/api/studies", token=access)[0], 200)
        self.assertEqual(s.http("GET", "/api/instances/1.2.3/file", token=access)[0], 403, "outside the client's scope")
        status, answer = token_request({"grant_type": "client_credentials", "client_id": client_id,
                                        "client_secret": secret, "scope": "archive.read"})
        self.assertEqual(status, 200, "credentials in the form body work too")
        self.assertEqual(token_request({"grant_type": "client_credentials", "scope": "archive.export"},
                                       basic=(client_id, secret)), (400, {"error": "invalid_scope",
                                       "error_description": "scope 'archive.export' is not granted to this client"}))
        self.assertEqual(token_request({"grant_type": "client_credentials"}, basic=(client_id, "wrong"))[1]["error"],
                         "invalid_client")
        self.assertEqual(token_request({"grant_type": "password"}, basic=(client_id, secret))[1]["error"],
                         "unsupported_grant_type")
        self.assertEqual(s.cli("client", "revoke", client_id).returncode, 0)
        self.assertEqual(s.http("GET", "/api/studies", token=access)[0], 401, "revoking the client ends its tokens")

    def test_reads_are_audited_and_the_chain_shows_tampering(self):
        s = self.server
        study = [x for x in s.json("/api/studies") if x["PatientID"] == "98890234"][0]["StudyInstanceUID"]
        s.http("GET", f"/api/studies/{study}", token=self.tokens["radiologist"])
        events = s.json("/api/audit?patient=98890234&user=u_radiologist")
        self.assertTrue(events, "the read names the patient")
        self.assertEqual(events[0]["action"], "read")
        self.assertEqual(events[0]["studyInstanceUid"], study)
        self.assertEqual(events[0]["role"], "radiologist")
        self.assertEqual(events[0]["source"], "127.0.0.1")
        fhir = json.loads(s.http("GET", "/api/audit?patient=98890234&format=fhir")[2])
        self.assertEqual(fhir["resourceType"], "Bundle")
        self.assertEqual(fhir["entry"][0]["resource"]["resourceType"], "AuditEvent")
        self.assertTrue(json.loads(s.http("GET", "/api/audit/verify")[2])["ok"])
        self.assertEqual(s.cli("audit", "verify").returncode, 0)
        # Edit one event behind Vireo's back (with the guard trigger removed first).
        target = events[0]["id"]
        guard = "DROP TRIGGER audit_events_no_change ON audit_events" if s.database else "DROP TRIGGER audit_events_no_update"
        s.sql(guard, f"UPDATE audit_events SET actor = 'someone-else' WHERE id = {int(target)}")
        r = s.cli("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"BROKEN at event {target}", r.stdout)


class TrustedProxyTest(unittest.TestCase):
    """Behind a reverse proxy (trusted_proxies), the audit trail names the address the proxy
    forwarded for; anyone else's X-Forwarded-For changes nothing."""

    def failed_sign_in_source(self, server, forwarded_for):
        server.http("POST", "/api/auth/login", body=json.dumps({"username": "nobody", "password": "wrong"}).encode(),
                    headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}, token=None)
        for _ in range(50):  # (the audit trail is written after the answer)
            rows = server.sql_rows("SELECT source FROM audit_events WHERE action = 'login' ORDER BY id DESC LIMIT 1")
            if rows:
                return rows[0][0]
            time.sleep(0.1)
        self.fail("no sign-in was audited")

    def test_the_address_a_trusted_proxy_forwarded_for_is_the_one_audited(self):
        for trusted, forwarded, expected in (("127.0.0.1", "203.0.113.9, 198.51.100.7", "198.51.100.7"),
                                             ("", "198.51.100.7", "127.0.0.1"),
                                             ("127.0.0.1", "not-an-address", "127.0.0.1")):
            server = Server(extra_env={"VIREO_TRUSTED_PROXIES": trusted}).start()
            try:
                self.assertEqual(self.failed_sign_in_source(server, forwarded), expected, (trusted, forwarded))
            finally:
                server.cleanup()
        bad = Server(extra_env={"VIREO_TRUSTED_PROXIES": "127.0.0.1, proxy.example"})
        try:
            r = bad.cli("user", "list")  # (any command that reads the configuration)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("trusted_proxies lists IP addresses (proxy.example is not one)", r.stderr)
        finally:
            bad.cleanup()


class DicomPeersTest(unittest.TestCase):
    """DICOM callers are known AE titles from known hosts; everything they do is audited."""

    def test_unknown_and_misplaced_callers_are_refused_and_operations_audited(self):
        server = Server(extra_env={"VIREO_DICOM_UNKNOWN_CALLERS": "refuse",
                                   "VIREO_PEERS": "MODALITY@127.0.0.1:104,FARAWAY@192.0.2.10:104,DEST@localhost:11999"})
        server.calling = "MODALITY"
        server.start()
        try:
            for aet, ok in (("MODALITY", True), ("STRANGER", False), ("FARAWAY", False)):
                r = server.tool("echoscu", "-aet", aet, "-aec", server.aet, "127.0.0.1", str(server.dicom_port))
                self.assertEqual(r.returncode == 0, ok, (aet, r.stdout + r.stderr))
                if not ok:
                    self.assertIn("Calling AE Title Not Recognized", r.stdout + r.stderr)
            files = sorted(p for p in (DICOM / "dicomdir/98892001").rglob("*") if p.is_file())
            statuses, _ = server.store(*files)
            self.assertTrue(all(v == 0 for v in statuses.values()), statuses)
            results, _ = server.find("QueryRetrieveLevel=STUDY", "PatientID=98890234", "StudyInstanceUID")
            self.assertTrue(results)
            study = results[0]["(0020,000D)"]
            getdir = server.tmp / "got"
            getdir.mkdir()
            r = server.tool("getscu", "-S", "-aec", server.aet, "-od", str(getdir), "-k", "QueryRetrieveLevel=STUDY",
                            "-k", f"StudyInstanceUID={study}", "127.0.0.1", str(server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)

            events = server.json("/api/audit?user=MODALITY&limit=200")
            actions = {e["action"] for e in events}
            self.assertTrue({"dicom-association", "dicom-store", "dicom-find", "dicom-get"} <= actions, actions)
            stored = [e for e in events if e["action"] == "dicom-store"]
            self.assertEqual({e["patientId"] for e in stored}, {"98890234"})
            self.assertEqual(sum(int(e["detail"].split()[0]) for e in stored), len(files))
            finds = [e for e in events if e["action"] == "dicom-find"]
            self.assertIn("PatientID=98890234", finds[0]["detail"])
            self.assertEqual(finds[0]["patientId"], "98890234")
            got = [e for e in events if e["action"] == "dicom-get"]
            self.assertEqual(got[0]["studyInstanceUid"], study)
            self.assertEqual(got[0]["source"], "127.0.0.1")
            refusals = [e for e in server.json("/api/audit?action=dicom-association&limit=50") if e["outcome"] == "failure"]
            self.assertEqual({e["actor"] for e in refusals}, {"STRANGER", "FARAWAY"})
            self.assertTrue(any("configured for host 192.0.2.10" in e["detail"] for e in refusals))
            self.assertNotIn("98890234", server.logs(), "no PHI in the ordinary log")
        finally:
            server.cleanup()


class DicomTlsTest(unittest.TestCase):
    """DICOM TLS with DCMTK's own TLS client: the server's certificate verified, plain DICOM
    refused on the TLS port, and, with a client CA, node authentication."""

    def tls_tool(self, server, *args, files=()):
        return server.tool(args[0], *args[1:], "-aec", server.aet, "127.0.0.1", str(server.tls_port), *files)

    def start(self, **env):
        from harness import free_port
        tls_port = free_port()
        server = Server(extra_env={"VIREO_DICOM_TLS_PORT": str(tls_port), **env}).start()
        server.tls_port = tls_port
        return server

    def test_tls_port_stores_and_refuses_plain_dicom(self):
        server = self.start()
        try:
            cert = str(server.data_dir / "tls" / "cert.pem")
            self.assertEqual(self.tls_tool(server, "echoscu", "+tla", "+cf", cert).returncode, 0)
            self.assertNotEqual(self.tls_tool(server, "echoscu").returncode, 0, "plain DICOM on the TLS port")
            # A caller that connects and never starts its TLS handshake holds up nobody.
            with socket.create_connection(("127.0.0.1", server.tls_port)):
                self.assertEqual(self.tls_tool(server, "echoscu", "-ta", "2", "+tla", "+cf", cert).returncode, 0)
            other = server.tmp / "other.pem"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                            "-nodes", "-keyout", str(server.tmp / "other.key"), "-out", str(other), "-subj",
                            "/CN=impostor", "-days", "1"], check=True, capture_output=True)
            self.assertNotEqual(self.tls_tool(server, "echoscu", "+tla", "+cf", str(other)).returncode, 0,
                                "a client that checks the certificate refuses a server it does not trust")
            f = DICOM / "modality/CT_small.dcm"
            r = self.tls_tool(server, "storescu", "+tla", "+cf", cert, files=[str(f)])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(server.json("/api/stats")["instances"], 1)
        finally:
            server.cleanup()

    def test_client_certificates_are_required_when_a_client_ca_is_set(self):
        import tempfile
        from pathlib import Path
        tmp = Path(tempfile.mkdtemp(prefix="vireo-ca-"))
        key, crt = tmp / "modality.key", tmp / "modality.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", str(key), "-out", str(crt), "-subj", "/CN=CT1", "-days", "1"],
                       check=True, capture_output=True)
        server = self.start(VIREO_DICOM_TLS_CLIENT_CA=str(crt))
        try:
            cert = str(server.data_dir / "tls" / "cert.pem")
            r = self.tls_tool(server, "echoscu", "+tls", str(key), str(crt), "+cf", cert)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertNotEqual(self.tls_tool(server, "echoscu", "+tla", "+cf", cert).returncode, 0,
                                "no client certificate, no association")
            self.assertEqual(server.echo(), 0, "the plain port is unaffected")
        finally:
            server.cleanup()
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)


class Collector:
    """A syslog collector (audit repository) on udp, tcp or tls, keeping what it receives."""

    def __init__(self, transport, tmp):
        self.messages, self.transport = [], transport
        kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.ca = None
        if transport == "tls":
            self.ca = tmp / "collector.pem"
            key = tmp / "collector.key"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                            "-keyout", str(key), "-out", str(self.ca), "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost", "-days", "1"], check=True, capture_output=True)
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(str(self.ca), str(key))
        if kind == socket.SOCK_STREAM:
            self.sock.listen()
        threading.Thread(target=self.run, daemon=True).start()

    def target(self):
        return f"{self.transport}://{'localhost' if self.transport == 'tls' else '127.0.0.1'}:{self.port}"

    def run(self):
        if self.transport == "udp":
            while True:
                self.messages.append(self.sock.recv(65536).decode())
        while True:
            conn, _ = self.sock.accept()
            if self.transport == "tls":
                conn = self.ctx.wrap_socket(conn, server_side=True)
            threading.Thread(target=self.frames, args=(conn,), daemon=True).start()

    def frames(self, conn):
        with conn:
            self.read_frames(conn)

    def read_frames(self, conn):
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b" " in buf:
                length, rest = buf.split(b" ", 1)
                if len(rest) < int(length):
                    break
                self.messages.append(rest[:int(length)].decode())
                buf = rest[int(length):]

    def wait_for(self, text, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.messages if text in m]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no syslog message with {text!r}; got {self.messages[-3:]}")


class AuditSyslogTest(unittest.TestCase):
    """Audit events leave as DICOM PS3.15 audit messages in RFC 5424 syslog, over each transport."""

    def check_transport(self, transport):
        import tempfile
        from pathlib import Path
        tmp = Path(tempfile.mkdtemp(prefix="vireo-syslog-"))
        collector = Collector(transport, tmp)
        env = {"VIREO_AUDIT_SYSLOG": collector.target()}
        if collector.ca:
            env["VIREO_AUDIT_SYSLOG_CA"] = str(collector.ca)
        server = Server(extra_env=env).start()
        try:
            probe = f"probe-{transport}"
            server.http("POST", "/api/auth/login", token=None,
                        body=json.dumps({"username": probe, "password": "wrong-password-here"}).encode())
            line = collector.wait_for(f'UserID="{probe}"')[0]
            m = re.match(r"^<(\d+)>1 (\S+) (\S+) vireo (\d+) IHE\+RFC-3881 - \ufeff(<\?xml.*)$", line, re.S)
            self.assertTrue(m, line[:200])
            self.assertEqual(int(m.group(1)), 10 * 8 + 5, "authpriv.notice")
            msg = ET.fromstring(m.group(5).encode())
            event = msg.find("EventIdentification")
            self.assertEqual(event.get("EventOutcomeIndicator"), "4")
            self.assertEqual(event.find("EventID").get("csd-code"), "110114")  # User Authentication
            self.assertEqual(msg.find("ActiveParticipant").get("NetworkAccessPointID"), "127.0.0.1")
            self.assertEqual(msg.find("AuditSourceIdentification").get("AuditSourceID"), "Vireo")
            # A patient-data access names the patient as a participant object.
            f = DICOM / "modality/CT_small.dcm"
            self.assertEqual(server.store(f)[0][str(f)], 0)
            line = collector.wait_for('csd-code="110104"')[0]  # DICOM Instances Transferred
            objects = ET.fromstring(line.split("\ufeff", 1)[1].encode()).findall("ParticipantObjectIdentification")
            self.assertEqual(objects[0].get("ParticipantObjectID"), "1CT1")
        finally:
            server.cleanup()
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)

    def test_udp(self):
        self.check_transport("udp")

    def test_tcp(self):
        self.check_transport("tcp")

    def test_tls_with_the_collectors_ca(self):
        self.check_transport("tls")


if __name__ == "__main__":
    unittest.main()
