"""What the tests' loopback PKI peers share (tsa_server.py, ocsp_server.py): an HTTP server on
127.0.0.1 that answers each POST of one DER request of `request_type` with the DER answer an
`openssl` command makes of it, as `reply_type`."""
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

MAX_REQUEST = 64 * 1024  # a time-stamp query or an OCSP request is a few hundred bytes


class DerResponder(BaseHTTPRequestHandler):
    request_type = reply_type = ""
    lock = threading.Lock()  # the openssl commands keep state in files (a serial number)

    def openssl_args(self, request_file, response_file):
        """The openssl command that reads request_file and writes response_file (not named `command`:
        that is the request's method to BaseHTTPRequestHandler)."""
        raise NotImplementedError

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get_content_type() != self.request_type:
            return self.answer(415, f"expected {self.request_type}".encode(), "text/plain")
        if not 0 < length <= MAX_REQUEST:
            return self.answer(400, b"a request needs a body of at most 64 KiB", "text/plain")
        request = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as work, self.lock:
            request_file, response_file = Path(work) / "request.der", Path(work) / "response.der"
            request_file.write_bytes(request)
            made = subprocess.run(self.openssl_args(request_file, response_file), capture_output=True, check=False)
            if made.returncode != 0 or not response_file.exists():
                return self.answer(400, made.stderr or b"openssl failed", "text/plain")
            self.answer(200, response_file.read_bytes(), self.reply_type)

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: tests read stdout for the port only
        pass


def serve(handler, port):
    """Serves on 127.0.0.1:port (0: any free port) until killed, once ready printing "listening on PORT"."""
    server = HTTPServer(("127.0.0.1", port), handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
