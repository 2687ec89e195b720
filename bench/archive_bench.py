#!/usr/bin/env python3
"""Side-by-side DIMSE benchmark: Vireo and Orthanc on the same machine and the same data.

Measures C-STORE ingest (1 and 4 parallel storescu associations), C-FIND study-search
latency (p50/p95 over one association) with a large index, C-MOVE and C-GET of one CT
study, and Vireo's resident memory before and after filling the index. Both servers and
all clients run inside a private network namespace with only loopback (Orthanc 1.10
listens on every interface whatever its configuration says). Needs root.

  bench/archive_bench.py [--studies 20] [--slices 200] [--index-studies 100000]
                         [--skip-orthanc] [--write docs/PERFORMANCE.md]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
NS = "vireobench"
ENV = dict(os.environ, TCP_NODELAY="1")


def sh(*args, check=True, **kw):
    return subprocess.run(["ip", "netns", "exec", NS, *map(str, args)], env=ENV, check=check, **kw)


def popen(*args, **kw):
    return subprocess.Popen(["ip", "netns", "exec", NS, *map(str, args)], env=ENV, **kw)


def ensure_netns():
    subprocess.run(["ip", "netns", "delete", NS], capture_output=True)
    subprocess.run(["ip", "netns", "add", NS], check=True)
    subprocess.run(["ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"], check=True)


def ensure_orthanc():
    if shutil.which("Orthanc") or Path("/usr/sbin/Orthanc").exists():
        return
    print("installing orthanc (Debian package) ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "orthanc"], check=True, env=dict(ENV, DEBIAN_FRONTEND="noninteractive"))


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sh("bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}", check=False, capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Vireo:
    name, aet, port = "Vireo", "VIREO", 11400

    def __init__(self, tmp):
        self.dir = tmp / "vireo"
        env = dict(VIREO_DATA_DIR=str(self.dir), VIREO_HTTP_PORT="18400", VIREO_DICOM_PORT=str(self.port),
                   VIREO_PEERS="DEST@127.0.0.1:11301", VIREO_LOG_LEVEL="warn", VIREO_MIN_FREE_SPACE_MB="0")
        self.log = open(tmp / "vireo.log", "w")
        self.proc = popen("env", *[f"{k}={v}" for k, v in env.items()], BUILD / "vireo", "serve",
                          stdout=self.log, stderr=self.log)
        wait_port(self.port)

    def pid(self):
        return self.proc.pid  # ip netns exec and env exec the server: one process

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


class Orthanc:
    name, aet, port = "Orthanc", "ORTHANC", 4242

    def __init__(self, tmp):
        self.dir = tmp / "orthanc"
        self.dir.mkdir()
        config = {
            "Name": "bench", "StorageDirectory": str(self.dir / "storage"), "IndexDirectory": str(self.dir / "index"),
            "DicomAet": self.aet, "DicomPort": self.port, "HttpPort": 18042, "RemoteAccessAllowed": True,
            "AuthenticationEnabled": False, "StorageCompression": False, "Plugins": [],
            "DicomModalities": {"bench": ["BENCH", "127.0.0.1", 11300], "dest": ["DEST", "127.0.0.1", 11301]},
            "DicomCheckCalledAet": False,
        }
        (self.dir / "orthanc.json").write_text(json.dumps(config))
        self.log = open(tmp / "orthanc.log", "w")
        self.proc = popen("/usr/sbin/Orthanc", self.dir / "orthanc.json", stdout=self.log, stderr=self.log)
        wait_port(self.port)

    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def store(server, folders, parallel):
    files = [sorted(map(str, Path(f).glob("*.dcm")), key=lambda p: int(Path(p).stem)) for f in folders]
    groups = [[] for _ in range(parallel)]
    for i, fs in enumerate(files):
        groups[i % parallel].extend(fs)
    count = sum(len(g) for g in groups)
    size = sum(Path(f).stat().st_size for g in groups for f in g)
    t0 = time.perf_counter()
    procs = [popen("storescu", "-aet", "BENCH", "-aec", server.aet, "127.0.0.1", server.port, *g,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for g in groups if g]
    errors = [p.communicate()[1] for p in procs]
    elapsed = time.perf_counter() - t0
    failed = [e for p, e in zip(procs, errors) if p.returncode != 0]
    if failed:
        raise RuntimeError(f"{server.name}: storescu failed: {failed[0][-500:]}")
    return count / elapsed, size / elapsed / 1e6, elapsed


def disk_ceiling(folder, files=1600, size=512 * 1024, threads=4):
    """What the disk itself does for this workload: files of `size` written and fdatasync'd
    one by one from `threads` writers, in MB/s (the physical ceiling for ingest)."""
    import threading
    folder.mkdir(parents=True, exist_ok=True)
    payload = os.urandom(size)

    def writer(t):
        for i in range(t, files, threads):
            fd = os.open(folder / f"{i}.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, payload)
            os.fdatasync(fd)
            os.close(fd)

    t0 = time.perf_counter()
    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    shutil.rmtree(folder)
    return files * size / elapsed / 1e6


def find_latencies(server, queries_file):
    r = sh(BUILD / "vireo-findlat", "127.0.0.1", server.port, server.aet, "BENCH", queries_file,
           capture_output=True, text=True)
    rows = [line.split() for line in r.stdout.splitlines()]
    ms = sorted(float(a) for a, _ in rows)
    return ms, [int(b) for _, b in rows]


def write_section(path, name, text):
    """Replaces the block between <!-- name:begin --> and <!-- name:end --> in a Markdown file
    (appended when absent): each benchmark rewrites only its own figures."""
    doc = path.read_text() if path.exists() else ""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text}\n{end}"
    doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):] if begin in doc else doc + "\n" + block + "\n"
    path.write_text(doc)


def pct(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def retrieve(server, study_uid, how, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = ["-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={study_uid}"]
    t0 = time.perf_counter()
    if how == "move":
        scp = popen("storescp", "-aet", "DEST", "-od", out_dir, "11301", stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
        wait_port(11301)
        t0 = time.perf_counter()
        sh("movescu", "-S", "-aet", "BENCH", "-aec", server.aet, "-aem", "DEST", *keys, "127.0.0.1", server.port,
           capture_output=True)
        elapsed = time.perf_counter() - t0
        scp.terminate()
        scp.wait()
    else:
        sh("getscu", "-S", "-aet", "BENCH", "-aec", server.aet, "-od", out_dir, *keys, "127.0.0.1", server.port,
           capture_output=True)
        elapsed = time.perf_counter() - t0
    received = len(list(out_dir.iterdir()))
    shutil.rmtree(out_dir)
    return elapsed, received


def make_queries(path, index_studies, n=200):
    lines = []
    for i in range(n):
        s = (i * 7919) % max(1, index_studies)
        kind = i % 4
        if kind == 0:
            lines.append(f"PatientID=P{100000 + s // 2}")
        elif kind == 1:
            lines.append(f"AccessionNumber=A{500000 + s}")
        elif kind == 2:
            lines.append(f"PatientName=GARCIA^MARIA{(s // 256) % 40}*")
        else:
            lines.append(f"StudyDate=20{15 + s % 10:02d}{1 + s % 12:02d}01-20{15 + s % 10:02d}{1 + s % 12:02d}03;ModalitiesInStudy=CR")
    path.write_text("\n".join(lines) + "\n")


def run(server_cls, tmp, data, args):
    print(f"== {server_cls.name}", flush=True)
    server = server_cls(tmp)
    res = {}
    try:
        ct = sorted((data / "ct").iterdir(), key=lambda p: int(p.name[5:]))
        res["ingest1"] = store(server, ct[:2], 1)
        print(f"   C-STORE 1 association: {res['ingest1'][0]:.0f} instances/s", flush=True)
        cpu0 = cpu_seconds(server.pid())
        res["ingest4"] = store(server, ct[2:], 4)
        res["cpu_ms"] = 1000 * (cpu_seconds(server.pid()) - cpu0) / (res["ingest4"][0] * res["ingest4"][2])
        print(f"   C-STORE 4 associations: {res['ingest4'][0]:.0f} instances/s, server CPU "
              f"{res['cpu_ms']:.2f} ms per instance", flush=True)
        res["rss_after_ct"] = rss_mib(server.pid())
        tiny = sorted((data / "tiny").iterdir())
        t0 = time.perf_counter()
        for i in range(0, len(tiny), 2000):
            store(server, tiny[i:i + 2000], 4)
        res["index_fill_s"] = time.perf_counter() - t0
        print(f"   index filled with {len(tiny)} more studies in {res['index_fill_s']:.0f} s", flush=True)
        res["rss_after_index"] = rss_mib(server.pid())
        res["find"] = find_latencies(server, tmp / "queries.txt")
        ms = res["find"][0]
        print(f"   C-FIND p50 {pct(ms, 50):.2f} ms, p95 {pct(ms, 95):.2f} ms", flush=True)
        study = "2.25.47111.1.0"
        res["move"] = retrieve(server, study, "move", tmp / "moved")
        res["get"] = retrieve(server, study, "get", tmp / "got")
        print(f"   C-MOVE {res['move'][0]:.2f} s ({res['move'][1]} files), C-GET {res['get'][0]:.2f} s "
              f"({res['get'][1]} files)", flush=True)
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
    return res


def report(results, args):
    v, o = results.get("Vireo"), results.get("Orthanc")
    def ratio(a, b, invert=False):
        if not a or not b:
            return "n/a"
        return f"{(b / a if invert else a / b):.1f}×"
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/archive_bench.py --studies {args.studies} --slices {args.slices} "
        f"--index-studies {args.index_studies}` on this 2-core machine; Orthanc 1.10.1 (Debian), both with "
        "TCP_NODELAY, fsync per stored instance, clients and servers in one loopback-only network namespace.",
        "",
        "| measure | Vireo | Orthanc | Vireo vs Orthanc |",
        "| --- | --- | --- | --- |",
    ]
    def row(label, key, fmt, better_high=True):
        a = fmt(v[key]) if v else "-"
        b = fmt(o[key]) if o else "-"
        return a, b
    for label, key in [("C-STORE, 1 association", "ingest1"), ("C-STORE, 4 associations", "ingest4")]:
        lines.append(f"| {label} (512×512 CT) | {v[key][0]:.0f} inst/s, {v[key][1]:.0f} MB/s | "
                     + (f"{o[key][0]:.0f} inst/s, {o[key][1]:.0f} MB/s" if o else "-")
                     + f" | {ratio(v[key][0], o[key][0] if o else None)} |")
    lines.append(f"| server CPU per stored instance (user + system, 4 associations) | {v['cpu_ms']:.2f} ms | "
                 + (f"{o['cpu_ms']:.2f} ms" if o else "-") + f" | {ratio(v['cpu_ms'], o['cpu_ms'] if o else None, invert=True)} less |")
    for p in (50, 95):
        vm = pct(v["find"][0], p)
        om = pct(o["find"][0], p) if o else None
        lines.append(f"| C-FIND study search p{p} ({args.index_studies + args.studies} studies) | {vm:.2f} ms | "
                     + (f"{om:.1f} ms" if o else "-") + f" | {ratio(vm, om, invert=True)} lower |")
    for label, key in [("C-MOVE of a 200-slice CT study", "move"), ("C-GET of a 200-slice CT study", "get")]:
        lines.append(f"| {label} | {v[key][0]:.2f} s | " + (f"{o[key][0]:.2f} s" if o else "-")
                     + f" | {ratio(v[key][0], o[key][0] if o else None, invert=True)} faster |")
    lines.append(f"| Vireo resident memory after the CT ingest / after filling the index | "
                 f"{v['rss_after_ct']:.0f} MiB / {v['rss_after_index']:.0f} MiB | | |")
    if o:
        lines.append(f"| time to load the {args.index_studies} index studies (4 associations) | "
                     f"{v['index_fill_s']:.0f} s | {o['index_fill_s']:.0f} s | |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--studies", type=int, default=20)
    ap.add_argument("--slices", type=int, default=200)
    ap.add_argument("--index-studies", type=int, default=100000)
    ap.add_argument("--skip-orthanc", action="store_true")
    ap.add_argument("--data", default="/var/tmp/vireo-bench-data")
    ap.add_argument("--write", help="Markdown file whose DIMSE section is replaced with the results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("archive_bench.py needs root (network namespace, apt-get)")
    if not args.skip_orthanc:
        ensure_orthanc()
    ensure_netns()
    data = Path(args.data)
    stamp = data / f"stamp-{args.studies}-{args.slices}-{args.index_studies}"
    if not stamp.exists():
        shutil.rmtree(data, ignore_errors=True)
        print("generating the data set ...", flush=True)
        subprocess.run([BUILD / "vireo-synth", "ct", data / "ct", str(args.studies), str(args.slices)], check=True)
        subprocess.run([BUILD / "vireo-synth", "tiny", data / "tiny", str(args.index_studies)], check=True)
        stamp.touch()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-bench-", dir="/var/tmp"))
    make_queries(tmp / "queries.txt", args.index_studies)
    results, ceiling = {}, 0.0
    try:
        ceiling = disk_ceiling(tmp / "ceiling")
        print(f"disk: {ceiling:.0f} MB/s for 512 KiB files fdatasync'd by 4 writers", flush=True)
        results["Vireo"] = run(Vireo, tmp, data, args)
        if not args.skip_orthanc:
            results["Orthanc"] = run(Orthanc, tmp, data, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["ip", "netns", "delete", NS], capture_output=True)
    text = report(results, args) + (f"\n\nThe disk itself, in the same run: {ceiling:.0f} MB/s for 512 KiB files written "
                                    "and fdatasync'd one by one by 4 writers (the ceiling for ingest).")
    print(text)
    if args.write:
        write_section(ROOT / args.write, "dimse-bench", text)


if __name__ == "__main__":
    main()
