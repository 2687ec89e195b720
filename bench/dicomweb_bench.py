#!/usr/bin/env python3
"""Side-by-side DICOMweb benchmark: Vireo and Orthanc + its DICOMweb plugin, same machine, same data.

For each server in turn (empty storage, plain HTTP on loopback, inside a private network
namespace like bench/archive_bench.py):
  - STOW-RS ingest of CT studies (512x512, 200 slices each) over 4 connections, 10 instances
    per request;
  - the index filled with tiny single-instance studies (C-STORE, 4 associations);
  - QIDO-RS study search latency p50/p95 for PatientID, PatientName prefix wildcard and a
    StudyDate range (one keep-alive connection);
  - after a restart with the OS page cache dropped ("cold"): WADO-RS frame latency for each of
    the 200 slices of one study, then again ("warm"); rendered frames the same way ("cold",
    then "cached");
  - a 200-slice series as a browser viewer reads it, cold: series metadata, then every frame
    over 6 parallel connections (time to the first frame, and to the last);
  - the same series as one streamed WADO-RS retrieve (multipart of DICOM): time to the first
    byte of the body, and to the end.
Vireo answers with authentication on (a bearer token per request); Orthanc without.
Needs root (network namespace, drop_caches, apt-get).

  bench/dicomweb_bench.py [--index-studies 100000] [--skip-orthanc] [--write docs/PERFORMANCE.md]
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import (BUILD, ENV, NS, ROOT, ensure_netns, ensure_orthanc, pct, popen, store,  # noqa: E402
                           wait_port, write_section)

CT_STUDY = "2.25.47111.1.0"
CT_SERIES = "2.25.47111.2.0.0"
FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'


class Vireo:
    name, aet, port, http_port = "Vireo", "VIREO", 11400, 18400

    def __init__(self, tmp):
        self.dir = tmp / "vireo"
        self.env = dict(VIREO_DATA_DIR=str(self.dir), VIREO_HTTP_PORT=str(self.http_port),
                        VIREO_DICOM_PORT=str(self.port), VIREO_HTTP_TLS="off", VIREO_LOG_LEVEL="warn",
                        VIREO_MIN_FREE_SPACE_MB="0", **json.loads(os.environ.get("BENCH_VIREO_ENV", "{}")))
        self.log = open(tmp / "vireo.log", "a")
        self.start()
        out = subprocess.run([BUILD / "vireo", "user", "add", "bench", "--role", "technician"],
                             env=dict(os.environ, **self.env), capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        out = subprocess.run([BUILD / "vireo", "token", "create", "bench", "--name", "bench"],
                             env=dict(os.environ, **self.env), capture_output=True, text=True, check=True)
        self.headers = {"Authorization": "Bearer " + out.stdout.strip()}

    def start(self):
        self.proc = popen("env", *[f"{k}={v}" for k, v in self.env.items()], BUILD / "vireo", "serve",
                          stdout=self.log, stderr=self.log)
        wait_port(self.port)
        wait_port(self.http_port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


class Orthanc:
    name, aet, port, http_port = "Orthanc", "ORTHANC", 4242, 18042
    headers = {}

    def __init__(self, tmp):
        self.dir = tmp / "orthanc"
        self.dir.mkdir()
        config = {
            "Name": "bench", "StorageDirectory": str(self.dir / "storage"), "IndexDirectory": str(self.dir / "index"),
            "DicomAet": self.aet, "DicomPort": self.port, "HttpPort": self.http_port, "RemoteAccessAllowed": True,
            "AuthenticationEnabled": False, "StorageCompression": False,
            "Plugins": ["/usr/lib/orthanc/libOrthancDicomWeb.so.1.7"],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": True, "WadoRoot": "/wado",
                         "Host": f"127.0.0.1:{self.http_port}", "Ssl": False},
            "DicomModalities": {"bench": ["BENCH", "127.0.0.1", 11300]}, "DicomCheckCalledAet": False,
        }
        (self.dir / "orthanc.json").write_text(json.dumps(config))
        self.log = open(tmp / "orthanc.log", "a")
        self.start()

    def start(self):
        self.proc = popen("/usr/sbin/Orthanc", self.dir / "orthanc.json", stdout=self.log, stderr=self.log)
        wait_port(self.port)
        wait_port(self.http_port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


class Client:
    """One keep-alive HTTP connection into the namespace (through a socket opened inside it)."""

    def __init__(self, server):
        self.server = server
        self.conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=300)

    def get(self, path, accept=None, first_byte=None):
        headers = dict(self.server.headers)
        if accept:
            headers["Accept"] = accept
        t0 = time.perf_counter()
        self.conn.request("GET", path, headers=headers)
        r = self.conn.getresponse()
        first = r.read(1)
        t_first = time.perf_counter() - t0
        body = first + r.read()
        if r.status != 200:
            raise RuntimeError(f"{self.server.name} GET {path}: {r.status} {body[:300]!r}")
        return body, t_first, time.perf_counter() - t0

    def post(self, path, body, content_type):
        self.conn.request("POST", path, body=body, headers=dict(self.server.headers, **{"Content-Type": content_type}))
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"{self.server.name} POST {path}: {r.status} {data[:300]!r}")
        return data


def in_namespace():
    """The benchmark process itself joins the namespace, so its sockets reach the servers."""
    import ctypes
    fd = os.open(f"/var/run/netns/{NS}", os.O_RDONLY)
    if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns")
    os.close(fd)


def drop_caches():
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def parallel(n, work):
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def post_file(sock, server, path, body_file, content_type):
    """One POST on a kept-alive socket, the body sent from a file with sendfile(2): the load
    generator should cost as little CPU as possible, so that the servers are what is measured."""
    size = body_file.stat().st_size
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}", f"Content-Length: {size}"]
    head += [f"{k}: {v}" for k, v in server.headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    with open(body_file, "rb") as f:
        sock.sendfile(f)
    r = http.client.HTTPResponse(sock)
    r.begin()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"{server.name} POST {path}: {r.status} {data[:300]!r}")


def stow(server, files, tmp, connections=4, per_request=10):
    """Instances per second; the request bodies are written to files before the clock starts
    and sent with sendfile(2), so the client's own work is small."""
    import socket
    boundary = "bench-boundary-7d1e"
    bodies = []
    for i in range(0, len(files), per_request):
        path = tmp / f"stow-{i}.body"
        with open(path, "wb") as out:
            for f in files[i:i + per_request]:
                out.write(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f.read_bytes() + b"\r\n")
            out.write(b"--" + boundary.encode() + b"--\r\n")
        bodies.append(path)
    for b in bodies:  # in the page cache, like files a client has at hand
        b.read_bytes()
    # Written back before the clock starts, so that a server which syncs its file system does
    # not also pay for the load generator's freshly written files.
    os.sync()
    errors = []

    def work(k):
        try:
            with socket.create_connection(("127.0.0.1", server.http_port)) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for body in bodies[k::connections]:
                    post_file(sock, server, "/dicom-web/studies", body,
                              f'multipart/related; type="application/dicom"; boundary={boundary}')
        except Exception as e:  # reported below
            errors.append(e)

    t0 = time.perf_counter()
    parallel(connections, work)
    elapsed = time.perf_counter() - t0
    for b in bodies:
        b.unlink()
    if errors:
        raise errors[0]
    return len(files) / elapsed


def query_paths(index_studies, n=60):
    paths = []
    for i in range(n):
        s = (i * 7919) % max(1, index_studies)
        kind = i % 3
        if kind == 0:
            paths.append(("PatientID", f"/dicom-web/studies?PatientID=P{100000 + s // 2}"))
        elif kind == 1:
            paths.append(("PatientName", f"/dicom-web/studies?PatientName=GARCIA^MARIA{(s // 256) % 40}*"))
        else:
            y, m = 15 + s % 10, 1 + s % 12
            paths.append(("StudyDate", f"/dicom-web/studies?StudyDate=20{y:02d}{m:02d}01-20{y:02d}{m:02d}03"))
    return paths


def qido(server, paths):
    c = Client(server)
    out = {}
    for kind, path in paths:
        body, _, total = c.get(path, "application/dicom+json")
        out.setdefault(kind, []).append((total * 1000, len(json.loads(body)) if body.strip() else 0))
    return {k: (sorted(ms for ms, _ in v), sum(n for _, n in v) / len(v)) for k, v in out.items()}


def instance_paths():
    base = f"/dicom-web/studies/{CT_STUDY}/series/{CT_SERIES}/instances/2.25.47111.3.0.0."
    return [base + str(i) for i in range(200)]


def latencies(server, paths, suffix, accept):
    c = Client(server)
    return sorted(c.get(p + suffix, accept)[2] * 1000 for p in paths)


def restart_cold(server):
    server.stop()
    drop_caches()
    server.start()


def browser_series(server):
    """Series metadata, then every frame over 6 connections, as a viewer does."""
    t0 = time.perf_counter()
    Client(server).get(f"/dicom-web/studies/{CT_STUDY}/series/{CT_SERIES}/metadata", "application/dicom+json")
    paths = instance_paths()
    firsts = []

    def work(k):
        c = Client(server)
        for p in paths[k::6]:
            c.get(p + "/frames/1", FRAME_ACCEPT)
            firsts.append(time.perf_counter() - t0)

    parallel(6, work)
    return min(firsts), time.perf_counter() - t0


def streamed_series(server):
    c = Client(server)
    body, first, total = c.get(f"/dicom-web/studies/{CT_STUDY}/series/{CT_SERIES}",
                               'multipart/related; type="application/dicom"; transfer-syntax=*')
    return first, total, len(body)


def run(server_cls, tmp, data, args):
    print(f"== {server_cls.name}", flush=True)
    server = server_cls(tmp)
    res = {}
    try:
        ct = sorted((data / "ct").iterdir(), key=lambda p: int(p.name[5:]))[:args.stow_studies]
        files = [f for d in ct for f in sorted(d.glob("*.dcm"), key=lambda p: int(p.stem))]
        res["stow"] = stow(server, files, tmp)
        print(f"   STOW-RS {len(files)} instances: {res['stow']:.0f} instances/s", flush=True)
        tiny = sorted((data / "tiny").iterdir())[:args.index_studies]
        t0 = time.perf_counter()
        for i in range(0, len(tiny), 2000):
            store(server, tiny[i:i + 2000], 4)
        print(f"   index filled with {len(tiny)} studies in {time.perf_counter() - t0:.0f} s", flush=True)
        res["qido"] = qido(server, query_paths(len(tiny)))
        for k, (ms, n) in res["qido"].items():
            print(f"   QIDO {k}: p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms ({n:.0f} matches on average)",
                  flush=True)
        paths = instance_paths()
        restart_cold(server)
        res["frame_cold"] = latencies(server, paths, "/frames/1", FRAME_ACCEPT)
        res["frame_warm"] = latencies(server, paths, "/frames/1", FRAME_ACCEPT)
        restart_cold(server)
        res["rendered_cold"] = latencies(server, paths, "/rendered", "image/jpeg")
        res["rendered_cached"] = latencies(server, paths, "/rendered", "image/jpeg")
        for k in ("frame_cold", "frame_warm", "rendered_cold", "rendered_cached"):
            print(f"   {k}: p50 {pct(res[k], 50):.2f} ms, p95 {pct(res[k], 95):.2f} ms", flush=True)
        restart_cold(server)
        res["browser"] = browser_series(server)
        restart_cold(server)
        res["streamed"] = streamed_series(server)
        print(f"   series, metadata + 200 frames over 6 connections: first frame {res['browser'][0]:.3f} s, "
              f"all {res['browser'][1]:.2f} s; streamed retrieve: first byte {res['streamed'][0]:.3f} s, "
              f"all {res['streamed'][1]:.2f} s ({res['streamed'][2] / 1e6:.0f} MB)", flush=True)
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
    return res


def report(results, args):
    v, o = results["Vireo"], results.get("Orthanc")

    def cell(value, unit, digits):
        return f"{value:.{digits}f} {unit}"

    def line(label, vv, ov, unit, digits, lower_better=True):
        ratio = "n/a" if ov is None else (f"{ov / vv:.1f}× lower" if lower_better else f"{vv / ov:.1f}×")
        if ov is not None and lower_better and unit == "s":
            ratio = f"{ov / vv:.1f}× sooner"
        return f"| {label} | {cell(vv, unit, digits)} | {'-' if ov is None else cell(ov, unit, digits)} | {ratio} |"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/dicomweb_bench.py --index-studies {args.index_studies}` on "
        "this 2-core machine; Orthanc 1.10.1 with its DICOMweb plugin 1.7 (Debian packages), plain HTTP on loopback "
        "inside one network namespace, Vireo with a bearer token on every request, Orthanc without authentication.",
        "",
        "| measure | Vireo | Orthanc + DICOMweb | Vireo vs Orthanc |",
        "| --- | --- | --- | --- |",
        line(f"STOW-RS ingest, 4 connections × 10 instances per request (512×512 CT)", v["stow"],
             o["stow"] if o else None, "inst/s", 0, lower_better=False),
    ]
    for kind, label in (("PatientID", "PatientID"), ("PatientName", "PatientName prefix wildcard"),
                        ("StudyDate", "StudyDate range (3 days)")):
        for p in (50, 95):
            lines.append(line(f"QIDO-RS studies by {label}, p{p}", pct(v["qido"][kind][0], p),
                              pct(o["qido"][kind][0], p) if o else None, "ms", 1))
    for key, label in (("frame_cold", "WADO-RS frame, cold"), ("frame_warm", "WADO-RS frame, warm"),
                       ("rendered_cold", "rendered frame (JPEG), cold"),
                       ("rendered_cached", "rendered frame (JPEG), cached")):
        for p in (50, 95):
            lines.append(line(f"{label}, p{p}", pct(v[key], p), pct(o[key], p) if o else None, "ms", 2))
    lines.append(line("200-slice series, metadata + frames over 6 connections, cold: first frame", v["browser"][0],
                      o["browser"][0] if o else None, "s", 3))
    lines.append(line("… all 200 frames", v["browser"][1], o["browser"][1] if o else None, "s", 2))
    lines.append(line("200-slice series as one streamed WADO-RS retrieve, cold: first byte", v["streamed"][0],
                      o["streamed"][0] if o else None, "s", 3))
    lines.append(line("… whole series (105 MB)", v["streamed"][1], o["streamed"][1] if o else None, "s", 2))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index-studies", type=int, default=100000)
    ap.add_argument("--stow-studies", type=int, default=4)
    ap.add_argument("--skip-orthanc", action="store_true")
    ap.add_argument("--data", default="/var/tmp/vireo-bench-data")
    ap.add_argument("--write", help="Markdown file whose DICOMweb section is replaced with the results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("dicomweb_bench.py needs root (network namespace, drop_caches, apt-get)")
    if not args.skip_orthanc:
        ensure_orthanc()
        if not Path("/usr/lib/orthanc/libOrthancDicomWeb.so.1.7").exists():
            subprocess.run(["apt-get", "install", "-y", "-qq", "orthanc-dicomweb"], check=True,
                           env=dict(ENV, DEBIAN_FRONTEND="noninteractive"))
    ensure_netns()
    data = Path(args.data)
    if not (data / "ct").exists() or len(list((data / "tiny").iterdir())) < args.index_studies:
        shutil.rmtree(data, ignore_errors=True)
        print("generating the data set ...", flush=True)
        subprocess.run([BUILD / "vireo-synth", "ct", data / "ct", str(max(args.stow_studies, 1)), "200"], check=True)
        subprocess.run([BUILD / "vireo-synth", "tiny", data / "tiny", str(args.index_studies)], check=True)
    in_namespace()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-dwbench-", dir="/var/tmp"))
    results = {}
    try:
        results["Vireo"] = run(Vireo, tmp, data, args)
        if not args.skip_orthanc:
            results["Orthanc"] = run(Orthanc, tmp, data, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["ip", "netns", "delete", NS], capture_output=True)
    text = report(results, args)
    print(text)
    if args.write:
        write_section(ROOT / args.write, "dicomweb-bench", text)


if __name__ == "__main__":
    main()
