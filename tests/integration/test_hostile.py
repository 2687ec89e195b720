"""Hostile clients, as an attacker or a broken device would behave: stalled and trickling DICOM
associations, PDUs with absurd lengths, request smuggling, heads trickled in a byte at a
time, and oversized and endless bodies on every route that takes a body. Each probe found a
defect once (issue 21); these keep them found. The server must answer in the protocol's own
terms, change nothing, and go on serving everyone else."""
import json
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import DICOM, VIREO, Server, read_meta
from hostile import associate_rq, dicom_connect, read_if_any, read_pdu, read_responses, wait_closed

ACSE_TIMEOUT = 3


class HostileDicomTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # 127.0.0.11 is a configured peer (a router, say): only everyone's limit holds it.
        cls.server = Server(extra_env={"VIREO_DICOM_ACSE_TIMEOUT": str(ACSE_TIMEOUT),
                                       "VIREO_DICOM_MAX_CONNECTING_PER_ADDRESS": "4",
                                       "VIREO_DICOM_DIMSE_TIMEOUT": "3"}, peers="ROUTER@127.0.0.11:104").start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def stalled(self, source):
        """A connection that sends the first bytes of an association request, then nothing."""
        s = dicom_connect(self.server.dicom_port, source)
        s.sendall(associate_rq()[:16])
        return s

    def echo_at_once(self):
        # -ta 2: echoscu gives up unless the association is accepted within two seconds (it takes
        # milliseconds; behind one stalled caller it used to take the whole timeout).
        r = self.server.tool("echoscu", "-ta", "2", "-aec", "VIREO", "127.0.0.1", str(self.server.dicom_port))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_stalled_connections_hold_up_nobody_and_are_cut_at_the_acse_timeout(self):
        sources = [f"127.0.0.{2 + i % 5}" for i in range(20)]  # four from each of five machines
        started = time.monotonic()
        socks = [self.stalled(src) for src in sources]
        self.echo_at_once()
        statuses, out = self.server.store(DICOM / "modality/CT_small.dcm", extra=("-ta", "2"))
        self.assertEqual(list(statuses.values()), [0], out)
        for s in socks:
            closed = wait_closed(s, ACSE_TIMEOUT + 5)
            self.assertIsNotNone(closed, "a stalled connection is closed")
            after = time.monotonic() - started
            self.assertGreater(after, ACSE_TIMEOUT - 0.5, "not before the ACSE timeout")
            s.close()
        self.echo_at_once()
        # Each address's first stall is in the audit trail (the others follow as a summary a
        # minute later, so that a caller stalling on purpose cannot fill the trail).
        deadline, dropped = time.monotonic() + 10, []
        while time.monotonic() < deadline:
            self.server.http("GET", "/api/audit/verify")  # flushes the trail
            events = self.server.json("/api/audit?action=dicom-association&limit=1000")
            dropped = [e for e in events if e["source"] in sources and e["outcome"] == "failure"]
            if len(dropped) >= 5:
                break
            time.sleep(0.2)
        self.assertEqual(sorted(e["source"] for e in dropped), sorted(set(sources)), dropped)
        self.assertTrue(all(e["actor"] == "unknown" and "no complete association request" in e["detail"]
                            for e in dropped), dropped)
        deadline, counted = time.monotonic() + 10, 0
        while time.monotonic() < deadline and counted < 20:
            metrics = self.server.http("GET", "/metrics")[2].decode()
            counted = int(re.search(r"^vireo_dicom_negotiation_timeouts_total (\d+)", metrics, re.M).group(1))
            time.sleep(0.1)
        self.assertGreaterEqual(counted, 20, "every one is counted")

    def test_one_address_holds_only_its_share_of_connections(self):
        started = time.monotonic()
        socks = [self.stalled("127.0.0.9") for _ in range(6)]
        peer = [self.stalled("127.0.0.11") for _ in range(6)]
        # Accepted in order: the first four wait for their deadline, the rest are closed at once.
        self.assertIsNotNone(wait_closed(socks[5], ACSE_TIMEOUT - 1), "the sixth is closed at once")
        self.assertIsNotNone(wait_closed(socks[4], 0.5), "the fifth too")
        self.assertLess(time.monotonic() - started, ACSE_TIMEOUT - 0.5, "too slow to tell the two kinds apart")
        self.assertEqual([read_if_any(s) for s in socks[:4] + peer], [None] * 10,
                         "the first four, and all of the configured peer's, wait for their deadline")
        self.echo_at_once()  # another address is not affected
        for s in socks + peer:
            s.close()
        metrics = self.server.http("GET", "/metrics")[2].decode()
        refused = re.search(r"^vireo_dicom_connections_refused_total (\d+)", metrics, re.M)
        self.assertGreaterEqual(int(refused.group(1)), 2, metrics)

    def test_a_request_trickled_in_is_cut_at_the_acse_timeout(self):
        s = dicom_connect(self.server.dicom_port, "127.0.0.10")
        started = time.monotonic()
        rq = associate_rq()
        closed = None
        for i in range(len(rq)):  # each byte well within any per-read timeout
            try:
                s.sendall(rq[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = time.monotonic() - started
                break
            time.sleep(0.1)
            if time.monotonic() - started > ACSE_TIMEOUT + 5:
                break
        if closed is None:
            closed = time.monotonic() - started if wait_closed(s, 1) is not None else None
        s.close()
        self.assertIsNotNone(closed, "the trickling request is cut")
        self.assertLess(closed, ACSE_TIMEOUT + 4)
        self.echo_at_once()

    def test_a_whole_request_by_hand_is_accepted(self):
        """The raw client speaks correct DICOM: the refusals below are about what it sends."""
        s = dicom_connect(self.server.dicom_port)
        s.sendall(associate_rq())
        kind, _ = read_pdu(s)
        self.assertEqual(kind, 0x02, "A-ASSOCIATE-AC")
        s.sendall(bytes([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0]))  # A-RELEASE-RQ
        self.assertEqual(read_pdu(s)[0], 0x06, "A-RELEASE-RP")
        s.close()

    def test_what_a_caller_names_itself_cannot_forge_a_log_line(self):
        s = dicom_connect(self.server.dicom_port)
        s.sendall(associate_rq(called="NOT\nforged line", calling="EVIL\r\nforged"))
        self.assertEqual(read_pdu(s)[0], 0x03, "A-ASSOCIATE-RJ: the called title is not ours")
        s.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "EVIL" not in self.server.logs():
            time.sleep(0.1)
        logs = self.server.logs()
        self.assertIn("EVIL\\x0d\\x0aforged", logs)
        self.assertFalse([line for line in logs.splitlines() if line.startswith("forged")], logs[-2000:])

    def test_pdus_with_absurd_lengths_or_types_are_refused_and_the_server_goes_on(self):
        probes = {
            "request of 4 GiB": b"\x01\x00\xff\xff\xff\xff" + associate_rq()[6:],
            "request shorter than its fixed fields": b"\x01\x00\x00\x00\x00\x04\x00\x01\x00\x00",
            "unknown PDU type": b"\x99\x00\x00\x00\x00\x04abcd",
            "data before any association": b"\x04\x00\x00\x00\x00\x06\x00\x00\x00\x02\x01\x03",
        }
        for name, pdu in probes.items():
            with self.subTest(name):
                s = dicom_connect(self.server.dicom_port)
                s.sendall(pdu)
                answer = read_pdu(s)
                self.assertTrue(answer is None or answer[0] in (0x03, 0x07), f"{name}: {answer}")  # RJ, abort or close
                self.assertIsNotNone(wait_closed(s, ACSE_TIMEOUT + 5), name)
                s.close()
        # After a good association, a P-DATA-TF claiming almost 4 GiB.
        s = dicom_connect(self.server.dicom_port)
        s.sendall(associate_rq())
        self.assertEqual(read_pdu(s)[0], 0x02)
        s.sendall(b"\x04\x00\xff\xff\xff\xf0" + b"\0" * 64)
        self.assertIsNotNone(wait_closed(s, 10), "the association is ended")
        s.close()
        self.assertIsNone(self.server.proc.poll(), "the server is running")
        self.echo_at_once()


class HostileHttpTest(unittest.TestCase):
    STOW_LIMIT = 1 << 20
    PART_LIMIT = 512 << 10
    BODY_LIMIT = 64 << 10
    IDLE = 4

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"VIREO_HTTP_HEADER_TIMEOUT": "2", "VIREO_HTTP_IDLE_TIMEOUT": str(cls.IDLE),
                                       "VIREO_HTTP_MAX_BODY_BYTES": str(cls.BODY_LIMIT),
                                       "VIREO_STOW_MAX_BYTES": str(cls.STOW_LIMIT),
                                       "VIREO_STOW_MAX_PART_BYTES": str(cls.PART_LIMIT)}).start()
        cls.model = json.loads(cls.server.cli("access").stdout)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def head(self, method, path, *fields):
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {self.server.token}", *fields]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def test_doubtful_framing_is_refused_before_any_route_and_the_connection_closed(self):
        login = json.dumps({"username": "te-probe", "password": "whatever-it-is-long"}).encode()
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(login), login)
        queued = self.head("GET", "/api/stats")  # must never be answered
        cases = [  # RFC 9112 6.3: chunked not last is 400; 6.1: an unknown coding before it 501
            (["Transfer-Encoding: xchunked"], login, 400),
            (["Transfer-Encoding: identity"], login, 400),
            (["Transfer-Encoding: chunked, gzip"], chunked, 400),
            (["Transfer-Encoding: ;q=1, chunked"], chunked, 400),
            (["Transfer-Encoding: gzip, chunked"], chunked, 501),
            (["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], chunked, 400),
            (["Transfer-Encoding: chunked", f"Content-Length: {len(chunked)}"], chunked, 400),
            ([f"Content-Length: {len(login)}", f"Content-Length: {len(login) + 1}"], login, 400),
        ]
        for fields, body, status in cases:
            with self.subTest(fields=fields):
                raw = self.head("POST", "/api/auth/login", "Content-Type: application/json", *fields) + body + queued
                answers = read_responses_of(self, raw, after_close=1)
                self.assertEqual([a.status for a in answers], [status], answers)
                self.assertEqual(answers[0].headers["content-type"], "application/problem+json")
                self.assertEqual(answers[0].headers.get("connection"), "close")
                self.assertTrue(json.loads(answers[0].body)["detail"])
        # HTTP/1.0 knows no chunked bodies.
        raw = (b"POST /api/auth/login HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        self.assertEqual([a.status for a in read_responses_of(self, raw)], [400])
        # The same exchange framed properly: both requests are answered on the one connection.
        raw = self.head("POST", "/api/auth/login", "Content-Type: application/json",
                        "Transfer-Encoding: chunked") + chunked + queued
        self.assertEqual([a.status for a in read_responses_of(self, raw, timeout=3)], [401, 200])
        self.server.http("GET", "/api/audit/verify")
        logins = self.server.json("/api/audit?user=te-probe")
        self.assertEqual(len(logins), 1, "only the well-framed sign-in reached the route")

    def test_a_head_trickled_in_is_cut_but_an_idle_connection_is_kept(self):
        with self.server.tls_socket() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            started, closed = time.monotonic(), None
            while time.monotonic() - started < 10:
                try:
                    s.sendall(b"a")
                except OSError:
                    closed = time.monotonic() - started
                    break
                time.sleep(0.2)
            self.assertIsNotNone(closed, "a head trickled in is cut")
            self.assertGreater(closed, 1.5)
        with self.server.tls_socket() as s:
            time.sleep(3)  # longer than the head's deadline, shorter than the idle timeout
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            self.assertEqual([a.status for a in read_responses(s)], [200])

    def test_a_slow_reader_gets_a_large_answer_whole(self):
        """The deadlines are for requests, not answers: a series that takes longer to download
        than a head may take to arrive comes whole to a client that keeps reading."""
        tmp = Path(tempfile.mkdtemp(prefix="vireo-slow-"))
        try:
            subprocess.run([VIREO.parent / "vireo-synth", "ct", tmp, "1", "24"], check=True, capture_output=True)
            files = sorted(tmp.rglob("*.dcm"))
            statuses, out = self.server.store(*files)
            self.assertTrue(statuses and all(v == 0 for v in statuses.values()), out)
            uid = read_meta(files[0])[1][(2, 3)]
            inst = self.server.json(f"/api/instances/{uid}")
            path = f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}"
            raw = self.head("GET", path, 'Accept: multipart/related; type="application/dicom"; transfer-syntax=*',
                            "Connection: close")
            expected = sum(len(f.read_bytes()) for f in files)
            with self.server.tls_socket() as s:
                s.sendall(raw)
                started, data = time.monotonic(), b""
                while True:
                    piece = s.recv(65536)
                    if not piece:
                        break
                    data += piece
                    time.sleep(0.02)  # a slow link: about 3 MB/s
                took = time.monotonic() - started
            self.assertGreater(took, 2, "slower than the head's deadline, or the test proves nothing")
            self.assertIn(b" 200 ", data[:20])
            self.assertGreater(len(data), expected, "every instance arrived")
            self.assertTrue(data.rstrip().endswith(b"--"), "up to the closing boundary")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_a_client_that_sends_its_whole_body_before_reading_gets_the_413(self):
        """What most simple clients do: the 413 is answered at once, and the server goes on
        reading (and dropping) for a while, so the client's sending is not cut by a reset and it
        reads the answer when it is done."""
        body = b"\0" * (16 << 20)
        raw = socket.create_connection(("127.0.0.1", self.server.http_port), timeout=30)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)  # paced by the server's reading
        with self.server.tls_context().wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(self.head("POST", "/dicom-web/studies", f"Content-Length: {len(body)}",
                                'Content-Type: multipart/related; type="application/dicom"; boundary=b'))
            s.sendall(body)  # a reset would raise here
            answers = read_responses(s)
        self.assertEqual([a.status for a in answers], [413], answers)

    def test_a_slow_but_steady_upload_is_not_cut(self):
        """The idle timeout is for a body that stops, not for one that comes slowly: CT_small
        sent 4 KiB at a time, half a second apart, takes longer than the idle timeout in all."""
        stored = self.server.json("/api/stats")["instances"]
        good = (DICOM / "modality/CT_small.dcm").read_bytes()
        body = b"--b\r\nContent-Type: application/dicom\r\n\r\n" + good + b"\r\n--b--\r\n"
        with self.server.tls_socket() as s:
            s.sendall(self.head("POST", "/dicom-web/studies", f"Content-Length: {len(body)}", "Connection: close",
                                'Content-Type: multipart/related; type="application/dicom"; boundary=b'))
            started = time.monotonic()
            for i in range(0, len(body), 4096):
                s.sendall(body[i:i + 4096])
                time.sleep(0.5)
            self.assertGreater(time.monotonic() - started, self.IDLE)
            answers = read_responses(s)
        self.assertEqual([a.status for a in answers], [200], answers)
        self.assertEqual(self.server.json("/api/stats")["instances"], stored + 1)

    def test_stow_over_its_limit_is_413_before_its_body(self):
        stored = self.server.json("/api/stats")["instances"]
        raw = self.head("POST", "/dicom-web/studies", f"Content-Length: {self.STOW_LIMIT + 1}",
                        'Content-Type: multipart/related; type="application/dicom"; boundary=b')
        answers = read_responses_of(self, raw)  # the body is never sent
        self.assertEqual([a.status for a in answers], [413], answers)
        self.assertEqual(answers[0].headers["content-type"], "application/problem+json")
        self.assertIn("limit", json.loads(answers[0].body)["detail"])
        self.assertEqual(self.server.json("/api/stats")["instances"], stored)

    def test_an_endless_chunked_stow_is_cut_at_its_limit(self):
        stored = self.server.json("/api/stats")["instances"]
        raw = self.head("POST", "/dicom-web/studies", "Transfer-Encoding: chunked",
                        'Content-Type: multipart/related; type="application/dicom"; boundary=b')
        # Part after part, each within the part limit: the request as a whole is what is too big.
        part = b"\r\n--b\r\nContent-Type: application/dicom\r\n\r\n" + b"\0" * 65000
        status, sent = endless_body(self.server, raw, part)
        self.assertEqual(status, 413)
        self.assertLess(sent, self.STOW_LIMIT + (32 << 20), "cut soon after the limit, not at the client's will")
        self.assertEqual(self.server.json("/api/stats")["instances"], stored)
        self.assertEqual(list(self.server.blobs.temp_dir.iterdir()), [], "no temporary file left")

    def test_one_instance_over_the_part_limit_is_413_and_a_small_one_is_stored(self):
        stored = self.server.json("/api/stats")["instances"]
        big = b"\0" * (self.PART_LIMIT + 1)
        body = b"--b\r\nContent-Type: application/dicom\r\n\r\n" + big + b"\r\n--b--\r\n"
        raw = self.head("POST", "/dicom-web/studies", f"Content-Length: {len(body)}", "Connection: close",
                        'Content-Type: multipart/related; type="application/dicom"; boundary=b') + body
        answers = read_responses_of(self, raw)
        self.assertEqual([a.status for a in answers], [413], answers)
        self.assertIn("stow_max_part_bytes", json.loads(answers[0].body)["detail"])
        self.assertEqual(self.server.json("/api/stats")["instances"], stored)
        # A part that declares its size is refused on its headers, before its bytes are all sent:
        # here the first 300 KiB of a part that says it holds more than the limit.
        head = b"--b\r\nContent-Type: application/dicom\r\nContent-Length: %d\r\n\r\n" % (self.PART_LIMIT + 1)
        raw = self.head("POST", "/dicom-web/studies", "Transfer-Encoding: chunked",
                        'Content-Type: multipart/related; type="application/dicom"; boundary=b')
        part = head + b"\0" * (300 << 10)
        raw += b"%x\r\n%s\r\n" % (len(part), part)
        answers = read_responses_of(self, raw)
        self.assertEqual([a.status for a in answers], [413], answers)
        good = (DICOM / "modality/MR_small.dcm").read_bytes()  # stored by no other test here
        body = b"--b\r\nContent-Type: application/dicom\r\n\r\n" + good + b"\r\n--b--\r\n"
        status, _, _ = self.server.http("POST", "/dicom-web/studies", body=body, headers={
            "Content-Type": 'multipart/related; type="application/dicom"; boundary=b'})
        self.assertEqual(status, 200, "within the limits, STOW stores")
        self.assertEqual(self.server.json("/api/stats")["instances"], stored + 1)

    def test_every_route_that_takes_a_body_refuses_oversized_and_endless_ones(self):
        routes = [r for r in self.model["routes"] if r["method"] in ("POST", "PUT", "PATCH")]
        self.assertGreater(len(routes), 10)
        for route in routes:
            path = re.sub(r"\{[a-z_]+\}", "1.2.3", route["path"]).replace("/users/1.2.3", "/users/tester")
            stow = route["path"].startswith("/dicom-web/studies")
            limit = self.STOW_LIMIT if stow else self.BODY_LIMIT
            media = 'multipart/related; type="application/dicom"; boundary=b' if stow else "application/json"
            with self.subTest(route=f"{route['method']} {route['path']}"):
                raw = self.head(route["method"], path, f"Content-Length: {limit + 1}", f"Content-Type: {media}")
                answers = read_responses_of(self, raw)
                self.assertEqual([a.status for a in answers], [413], answers)
                raw = self.head(route["method"], path, "Transfer-Encoding: chunked", f"Content-Type: {media}")
                status, sent = endless_body(self.server, raw, b"[" * 16384)
                self.assertEqual(status, 413)
                self.assertLess(sent, limit + (32 << 20))
        self.assertEqual(self.server.http("GET", "/healthz")[0], 200)


def read_responses_of(test, raw, timeout=10, after_close=0.0):
    with test.server.tls_socket() as s:
        try:
            s.sendall(raw)
        except OSError:
            pass  # answered and closed before all of it was sent: the answer is still there
        return read_responses(s, timeout, after_close=after_close)


def endless_body(server, head, chunk_data):
    """Sends `head`, then chunk after chunk of `chunk_data` until the server answers or stops
    reading; returns the answer's status and how many body bytes went out."""
    frame = b"%x\r\n%s\r\n" % (len(chunk_data), chunk_data)
    sent, early = 0, b""
    raw = socket.create_connection(("127.0.0.1", server.http_port), timeout=30)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)  # little parked in our own buffers
    with server.tls_context().wrap_socket(raw, server_hostname="127.0.0.1") as s:
        s.sendall(head)
        try:
            while sent < (256 << 20):
                early = read_if_any(s)
                if early is not None:
                    break  # the server has answered (or closed)
                s.sendall(frame)
                sent += len(chunk_data)
        except OSError:
            pass  # it stopped reading: its answer is on the way
        answers = read_responses(s, 10, early or b"")
    return (answers[0].status if answers else None), sent


class LifecycleTest(unittest.TestCase):
    def test_stop_closes_the_port_at_once_and_cuts_an_idle_association_after_ten_seconds(self):
        server = Server().start()  # the DIMSE timeout (60 s) would hold the association longer
        try:
            s = dicom_connect(server.dicom_port)
            s.sendall(associate_rq())
            self.assertEqual(read_pdu(s)[0], 0x02)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            refused = None
            while refused is None and time.monotonic() - started < 8:
                try:
                    dicom_connect(server.dicom_port, timeout=1).close()
                    time.sleep(0.1)
                except ConnectionResetError:
                    continue  # it was in the backlog as the port closed: the next one is refused
                except ConnectionRefusedError:
                    refused = time.monotonic() - started
            self.assertIsNotNone(refused, "the DICOM port closes when stopping begins")
            closed = wait_closed(s, 30)
            self.assertIsNotNone(closed, "the association is cut")
            self.assertGreater(time.monotonic() - started, 9, "after its ten seconds to finish")
            self.assertEqual(server.proc.wait(30), 0)
            self.assertIn("cutting them", server.logs())
            self.assertIn("stopped cleanly", server.logs())
            s.close()
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
