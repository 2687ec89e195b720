#!/usr/bin/env python3
"""How long one DICOM association takes to open and close, against a running server: a raw
client (tests/integration/hostile.py) sends an A-ASSOCIATE-RQ for Verification, waits for the
A-ASSOCIATE-AC, releases, and closes, N times in a row on fresh connections. Modalities that
open an association per image pay this for every image.

    bench/association_setup.py PORT [N] [ROUNDS]

Prints the median and 90th percentile of each round. No Orthanc here: this checks the
archive's own accept path (docs/PERFORMANCE.md, "Association set-up")."""
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
from hostile import associate_rq, read_pdu  # noqa: E402

RELEASE_RQ = bytes([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])


def round_of(port, n):
    rq = associate_rq(calling="BENCH")
    times = []
    for _ in range(n):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(rq)
            if read_pdu(s)[0] != 0x02:
                raise SystemExit("the association was not accepted")
            s.sendall(RELEASE_RQ)
            read_pdu(s)
        times.append(time.perf_counter() - started)
    times.sort()
    return times[n // 2], times[int(n * 0.9)]


def main():
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    round_of(port, 50)  # warm-up
    for _ in range(rounds):
        median, p90 = round_of(port, n)
        print(f"{n} associations: median {median * 1000:.2f} ms, p90 {p90 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
