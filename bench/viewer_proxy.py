"""The viewer served in front of another archive's DICOMweb, for bench/viewer_bench.py's
side-by-side: one plain-HTTP origin on loopback that serves the built application
(web/dist, with the cross-origin isolation headers `vireo serve` sends) and passes
/dicom-web/* through to an upstream DICOMweb root, so the same viewer code reads Vireo or
Orthanc the same way, through the same proxy.

The few Vireo REST calls the viewer makes besides DICOMweb (who is signed in, its settings,
the reader's measurements, AI findings) are answered here as for a signed-in radiologist
with nothing saved: Orthanc has no such API, and the figures are about reading images.
Orthanc's DICOMweb plugin (1.7) answers frames only as multipart/related, so for it a
single part Accept is turned into the multipart one (the viewer's loader reads both)."""
import http.client
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TYPES = {".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".html": "text/html",
         ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json"}
MULTIPART_FRAMES = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
SESSION = {"username": "bench", "roles": ["radiologist"], "permissions": ["archive.read"],
           "totpEnrolmentRequired": False, "csrfToken": "bench"}


class ViewerProxy:
    def __init__(self, dist, port, upstream_port, upstream_headers=None, multipart_only=False):
        self.dist = Path(dist)
        self.upstream_port = upstream_port
        self.upstream_headers = upstream_headers or {}
        self.multipart_only = multipart_only
        self.local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.answer(self)

            def do_PUT(self):
                proxy.answer(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # The browser closing a kept-alive connection (page left, run over) is not news.
                if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def upstream(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        return conn

    def answer(self, h):
        path = h.path.split("?")[0]
        if path.startswith("/dicom-web/"):
            return self.forward(h)
        if path.startswith("/api/"):
            return self.api(h, path)
        file = self.dist / path.lstrip("/")
        if not path.startswith("/assets/") or not file.is_file():
            file = self.dist / "index.html"
        body = file.read_bytes()
        self.send(h, 200, TYPES.get(file.suffix, "application/octet-stream"), body,
                  {"Cache-Control": "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"})

    def api(self, h, path):
        if int(h.headers.get("Content-Length") or 0):
            h.rfile.read(int(h.headers["Content-Length"]))
        if h.command == "PUT":
            return self.send(h, 204, None, b"")
        answers = {"/api/auth/session": SESSION, "/api/web/settings": {"imageCacheBytes": 1 << 30}}
        if path in answers:
            return self.send(h, 200, "application/json", json.dumps(answers[path]).encode())
        if re.fullmatch(r"/api/studies/[0-9.]+/annotations", path):
            return self.send(h, 200, "application/json", b'{"annotations": []}')
        if re.fullmatch(r"/api/studies/[0-9.]+/ai/findings", path):
            return self.send(h, 200, "application/json", b'{"findings": []}')
        self.send(h, 404, "application/json", b'{"title": "Not Found"}')

    def forward(self, h):
        headers = dict(self.upstream_headers)
        accept = h.headers.get("Accept")
        if accept:
            headers["Accept"] = MULTIPART_FRAMES if self.multipart_only and "/frames/" in h.path and \
                not accept.startswith("multipart/") else accept
        for attempt in (0, 1):  # a kept-alive upstream connection may have been closed meanwhile
            conn = self.upstream()
            try:
                conn.request("GET", h.path, headers=headers)
                r = conn.getresponse()
                if r.getheader("Transfer-Encoding", "").lower() == "chunked":
                    return self.relay(h, r)
                body = r.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        self.send(h, r.status, r.getheader("Content-Type"), body, {"Cache-Control": "no-store"})

    def relay(self, h, r):
        """A chunked answer (Vireo's pixel data) passed on piece by piece as it comes."""
        h.send_response(r.status)
        h.send_header("Content-Type", r.getheader("Content-Type"))
        h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Cache-Control", "no-store")
        h.send_header("Cross-Origin-Resource-Policy", "same-origin")
        h.end_headers()
        while piece := r.read1(262144):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        h.wfile.write(b"0\r\n\r\n")

    @staticmethod
    def send(h, status, content_type, body, extra=None):
        h.send_response(status)
        if content_type:
            h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Cross-Origin-Opener-Policy", "same-origin")
        h.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        h.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)
