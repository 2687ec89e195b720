#!/usr/bin/env python3
"""A loopback RFC 3161 time-stamping authority for tests: it answers each HTTP POST of an
application/timestamp-query (RFC 3161 3.4) with the application/timestamp-reply that
`openssl ts -reply` makes with the authority of make_tsa.sh.

usage: tsa_server.py DIR [PORT]   (DIR made by make_tsa.sh; PORT 0 or absent: any free port)
It prints "listening on PORT" once ready and serves until killed."""
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

MAX_QUERY = 64 * 1024  # a TimeStampReq is a few hundred bytes


class TsaHandler(BaseHTTPRequestHandler):
    config = None
    lock = threading.Lock()  # `openssl ts -reply` increments one serial file

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get_content_type() != "application/timestamp-query":
            return self.answer(415, b"expected application/timestamp-query", "text/plain")
        if not 0 < length <= MAX_QUERY:
            return self.answer(400, b"a query needs a body of at most 64 KiB", "text/plain")
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as work, self.lock:
            query_file, reply_file = Path(work) / "q.tsq", Path(work) / "r.tsr"
            query_file.write_bytes(query)
            made = subprocess.run(["openssl", "ts", "-reply", "-config", str(self.config),
                                   "-queryfile", str(query_file), "-out", str(reply_file)],
                                  capture_output=True, check=False)
            if made.returncode != 0 or not reply_file.exists():
                return self.answer(400, made.stderr or b"openssl ts -reply failed", "text/plain")
            self.answer(200, reply_file.read_bytes(), "application/timestamp-reply")

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: tests read stdout for the port only
        pass


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    TsaHandler.config = Path(sys.argv[1]).resolve() / "tsa.cnf"
    if not TsaHandler.config.exists():
        sys.exit(f"{TsaHandler.config} is missing: run make_tsa.sh first")
    server = HTTPServer(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) == 3 else 0), TsaHandler)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
