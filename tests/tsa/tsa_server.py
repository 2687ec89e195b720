#!/usr/bin/env python3
"""A loopback RFC 3161 time-stamping authority for tests: it answers each HTTP POST of an
application/timestamp-query (RFC 3161 3.4) with the application/timestamp-reply that
`openssl ts -reply` makes with the authority of make_tsa.sh.

usage: tsa_server.py DIR [PORT]   (DIR made by make_tsa.sh; PORT 0 or absent: any free port)
It prints "listening on PORT" once ready and serves until killed."""
import sys
from pathlib import Path

from der_server import DerResponder, serve


class TsaHandler(DerResponder):
    request_type, reply_type = "application/timestamp-query", "application/timestamp-reply"
    config = None

    def openssl_args(self, request_file, response_file):
        return ["openssl", "ts", "-reply", "-config", str(self.config), "-queryfile", str(request_file),
                "-out", str(response_file)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    TsaHandler.config = Path(sys.argv[1]).resolve() / "tsa.cnf"
    if not TsaHandler.config.exists():
        sys.exit(f"{TsaHandler.config} is missing: run make_tsa.sh first")
    serve(TsaHandler, int(sys.argv[2]) if len(sys.argv) == 3 else 0)


if __name__ == "__main__":
    main()
