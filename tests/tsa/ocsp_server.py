#!/usr/bin/env python3
"""A loopback OCSP responder (RFC 6960) for tests: it answers each HTTP POST of an
application/ocsp-request with the application/ocsp-response that `openssl ocsp` makes as the
authority of tests/fixtures/certificates/make_p12.sh, from the database make_ocsp.sh writes
(DIR/index.txt, read at each request: a certificate revoked in it meanwhile is answered revoked).

usage: ocsp_server.py DIR [PORT]   (PORT 0 or absent: any free port)
It prints "listening on PORT" once ready (make_ocsp.sh can then name http://127.0.0.1:PORT/) and
serves until killed."""
import sys
from pathlib import Path

from der_server import DerResponder, serve


class OcspHandler(DerResponder):
    request_type, reply_type = "application/ocsp-request", "application/ocsp-response"
    dir = None

    def openssl_args(self, request_file, response_file):
        d = self.dir
        return ["openssl", "ocsp", "-index", str(d / "index.txt"), "-CA", str(d / "authority.pem"),
                "-rsigner", str(d / "authority.pem"), "-rkey", str(d / "authority.key"),
                "-reqin", str(request_file), "-respout", str(response_file)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    OcspHandler.dir = Path(sys.argv[1]).resolve()
    serve(OcspHandler, int(sys.argv[2]) if len(sys.argv) == 3 else 0)


if __name__ == "__main__":
    main()
