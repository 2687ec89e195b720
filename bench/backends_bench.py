#!/usr/bin/env python3
"""The storage backends side by side: SQLite + files against PostgreSQL + an S3-compatible store,
and two nodes sharing PostgreSQL + S3 against one.

For each backend, on empty storage: C-STORE ingest of 512x512 CT with 4 associations
(instances/s, and the CPU each process spent per stored instance: Vireo, PostgreSQL, the object
store); the index then filled with `vireo import` of small studies; QIDO-RS study searches
(p50/p95, the queries of dicomweb_bench.py); the index's size on disk. The object store alone:
awscli uploading the same CT files, so that the figure says whose time is whose (the test S3
server, s3rver, shares the two cores with everything else). Then two nodes on one fresh
PostgreSQL database and bucket, 8 associations spread over both, against one node taking all 8.

Everything runs on loopback in a private network namespace: PostgreSQL 15 and s3rver started by
the tests' scripts (tests/pg/server.sh, tests/s3/server.sh). Needs root.

  bench/backends_bench.py [--ct-studies 6] [--index-studies 10000] [--per-study 100]
                          [--write docs/PERFORMANCE.md]
  bench/backends_bench.py --index-only [--index-studies 10000] [--rounds 5] [--write ...]
With --index-only it measures only the search side at size: both engines filled by `vireo import`
(blobs on files for both, as QIDO-RS never reads them), then both nodes up at once and the query
set run in alternating rounds, so that the machine's drift falls on both alike.
On a machine with more cores the same command shows how the nodes scale; figures go to the
same table.
"""
import argparse
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
from archive_bench import BUILD, ROOT, cpu_seconds, ensure_netns, pct, store, wait_port, write_section  # noqa: E402
from dicomweb_bench import in_namespace, qido, query_paths  # noqa: E402

S3_ENV = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_DEFAULT_REGION": "us-east-1",
          "AWS_EC2_METADATA_DISABLED": "true"}


def postgres_cpu():
    """CPU seconds of every PostgreSQL process (the benchmark's server is the only one)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                    total += cpu_seconds(pid)
            except OSError:
                pass
    return total


class Node:
    """One `vireo serve` (plain HTTP) with its own data folder on the given backends."""

    def __init__(self, tmp, name, backend_env, dicom_port, http_port):
        self.name, self.aet, self.port, self.http_port = name, "VIREO", dicom_port, http_port
        self.dir = tmp / name
        self.env = dict(os.environ, VIREO_DATA_DIR=str(self.dir), VIREO_HTTP_PORT=str(http_port),
                        VIREO_DICOM_PORT=str(dicom_port), VIREO_HTTP_TLS="off", VIREO_LOG_LEVEL="warn",
                        VIREO_MIN_FREE_SPACE_MB="0", **backend_env)
        self.log = open(tmp / f"{name}.log", "a")
        self.headers = {}

    def start(self):
        self.proc = subprocess.Popen([BUILD / "vireo", "serve"], env=self.env, stdout=self.log, stderr=self.log)
        wait_port(self.port)
        wait_port(self.http_port)
        return self

    def token(self):
        subprocess.run([BUILD / "vireo", "user", "add", "bench", "--role", "technician"], env=self.env,
                       capture_output=True)
        out = subprocess.run([BUILD / "vireo", "token", "create", "bench", "--name", "bench"], env=self.env,
                             capture_output=True, text=True, check=True)
        self.headers = {"Authorization": "Bearer " + out.stdout.strip()}

    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=120)


class Backends:
    """PostgreSQL and s3rver for the whole run; a fresh database and prefix per use."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.pg_url = subprocess.run([ROOT / "tests/pg/server.sh", "start", tmp / "pg"], capture_output=True,
                                     text=True, check=True).stdout.strip()
        self.s3_url = subprocess.run([ROOT / "tests/s3/server.sh", "start", tmp / "s3"], capture_output=True,
                                     text=True, check=True).stdout.strip()
        self.s3_pid = int((tmp / "s3" / "pid").read_text())
        self.count = 0

    def fresh(self):
        self.count += 1
        name = f"bench{self.count}"
        subprocess.run(["psql", self.pg_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        return dict(S3_ENV, VIREO_DATABASE_URL=self.pg_url.rsplit("/", 1)[0] + "/" + name,
                    VIREO_BLOB_STORE=f"s3://vireo-test/{name}/", VIREO_S3_ENDPOINT=self.s3_url)

    def stop(self):
        subprocess.run([ROOT / "tests/s3/server.sh", "stop", self.tmp / "s3"], capture_output=True)
        subprocess.run([ROOT / "tests/pg/server.sh", "stop", self.tmp / "pg"], capture_output=True)


def ingest(nodes, folders, associations, backends):
    """C-STORE of the folders over `associations` storescu runs spread over the nodes; inst/s and
    CPU milliseconds per instance of Vireo (all nodes), PostgreSQL and the object store."""
    cpu0 = sum(cpu_seconds(n.pid()) for n in nodes)
    pg0, s30 = postgres_cpu(), cpu_seconds(backends.s3_pid)
    per_node = max(1, associations // len(nodes))
    t0 = time.perf_counter()
    results, threads = [], []
    shares = [folders[i::len(nodes)] for i in range(len(nodes))]
    for node, share in zip(nodes, shares):
        t = threading.Thread(target=lambda n=node, s=share: results.append(store(n, s, per_node)))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    count = sum(len(list(Path(f).glob("*.dcm"))) for f in folders)
    ms = lambda seconds: 1000 * seconds / count
    return {"rate": count / elapsed, "vireo_ms": ms(sum(cpu_seconds(n.pid()) for n in nodes) - cpu0),
            "pg_ms": ms(postgres_cpu() - pg0), "s3_ms": ms(cpu_seconds(backends.s3_pid) - s30), "count": count}


def index_size(node, backend_env):
    if "VIREO_DATABASE_URL" in backend_env:
        out = subprocess.run(["psql", backend_env["VIREO_DATABASE_URL"], "-tAc", "SELECT pg_database_size(current_database())"],
                             capture_output=True, text=True, check=True).stdout
        return int(out.strip())
    return sum(p.stat().st_size for p in node.dir.glob("index.sqlite*"))


def run_backend(label, tmp, data, backend_env, backends, args):
    print(f"== {label}", flush=True)
    res = {}
    node = Node(tmp, label.split()[0].lower(), backend_env, 11500, 18500).start()
    try:
        ct = sorted((data / "ct").iterdir(), key=lambda p: int(p.name[5:]))
        res["ingest"] = ingest([node], ct[:args.ct_studies], 4, backends)
        i = res["ingest"]
        print(f"   C-STORE 4 associations: {i['rate']:.0f} inst/s; CPU per instance: Vireo {i['vireo_ms']:.2f} ms, "
              f"PostgreSQL {i['pg_ms']:.2f} ms, object store {i['s3_ms']:.2f} ms", flush=True)
    finally:
        node.stop()
    res["fill_s"] = fill(node, data)
    res["index_instances"] = args.index_studies * args.per_study
    print(f"   index filled with {res['index_instances']} instances by vireo import in {res['fill_s']:.0f} s", flush=True)
    node.start()
    try:
        node.token()
        qido(node, query_paths(args.index_studies)[:6])  # warm the connection and the caches
        res["qido"] = qido(node, query_paths(args.index_studies))
        for kind, (ms, n) in res["qido"].items():
            print(f"   QIDO-RS by {kind}: p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms ({n:.0f} matches)", flush=True)
        res["index_bytes"] = index_size(node, backend_env)
    finally:
        node.stop()
    return res


def fill(node, data):
    t0 = time.perf_counter()
    r = subprocess.run([BUILD / "vireo", "import", "-j", "2", data / "index"], env=node.env, capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stdout[-2000:] + r.stderr[-2000:])
    return time.perf_counter() - t0


def index_only(tmp, data, backends, args):
    """Both engines filled, then the QIDO-RS set in alternating rounds against both nodes."""
    engines = {"SQLite": {}, "PostgreSQL": {"VIREO_DATABASE_URL": backends.fresh()["VIREO_DATABASE_URL"]}}
    nodes, res = {}, {}
    for i, (label, env) in enumerate(engines.items()):
        nodes[label] = Node(tmp, label.lower(), env, 11520 + i, 18520 + i)
        res[label] = {"fill_s": fill(nodes[label], data)}
        print(f"== {label}: {args.index_studies * args.per_study} instances imported in {res[label]['fill_s']:.0f} s",
              flush=True)
    try:
        for label, node in nodes.items():
            node.start().token()
            qido(node, query_paths(args.index_studies)[:6])
        samples = {label: {} for label in nodes}
        for r in range(args.rounds):
            for label, node in (nodes.items() if r % 2 == 0 else reversed(list(nodes.items()))):
                for kind, (ms, _) in qido(node, query_paths(args.index_studies)).items():
                    samples[label].setdefault(kind, []).extend(ms)
        for label, node in nodes.items():
            res[label]["qido"] = {k: sorted(v) for k, v in samples[label].items()}
            res[label]["index_bytes"] = index_size(node, engines[label])
            for kind, ms in res[label]["qido"].items():
                print(f"   {label} QIDO-RS by {kind}: p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms", flush=True)
    finally:
        for node in nodes.values():
            if getattr(node, "proc", None):
                node.stop()
    return res


def report_index(res, args):
    s, p = res["SQLite"], res["PostgreSQL"]
    n = args.index_studies * args.per_study
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `bench/backends_bench.py --index-only --index-studies "
             f"{args.index_studies} --per-study {args.per_study} --rounds {args.rounds}` on this {os.cpu_count()}-core "
             f"machine: {n} instances in {args.index_studies} studies on each engine, both nodes up at once, "
             f"{args.rounds} alternating rounds of {len(query_paths(args.index_studies))} searches; PostgreSQL 15 "
             "(Debian, default durability) on loopback.", "",
             "| measure | SQLite | PostgreSQL | ratio |", "| --- | --- | --- | --- |"]
    for kind in ("PatientID", "PatientName", "StudyDate"):
        for q in (50, 95):
            a, b = pct(s["qido"][kind], q), pct(p["qido"][kind], q)
            lines.append(f"| QIDO-RS studies by {kind}, p{q} | {a:.1f} ms | {b:.1f} ms | {b / a:.2f}× |")
    lines.append(f"| index size on disk | {s['index_bytes'] / 1e6:.0f} MB | {p['index_bytes'] / 1e6:.0f} MB | |")
    lines.append(f"| filling the index with `vireo import -j 2` | {n / s['fill_s']:.0f} inst/s | "
                 f"{n / p['fill_s']:.0f} inst/s | |")
    return "\n".join(lines)


def object_store_alone(tmp, data, backends, args):
    """awscli uploading the CT files of one study to s3rver: objects/s and s3rver CPU per object."""
    study = sorted((data / "ct").iterdir(), key=lambda p: int(p.name[5:]))[0]
    count = len(list(study.glob("*.dcm")))
    s30 = cpu_seconds(backends.s3_pid)
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/aws", "--endpoint-url", backends.s3_url, "s3", "cp", "--recursive", "--quiet", study,
                    "s3://vireo-test/alone/"], env=dict(os.environ, **S3_ENV), check=True)
    elapsed = time.perf_counter() - t0
    return {"rate": count / elapsed, "s3_ms": 1000 * (cpu_seconds(backends.s3_pid) - s30) / count}


def two_nodes(tmp, data, backends, args):
    ct = sorted((data / "ct").iterdir(), key=lambda p: int(p.name[5:]))[:args.ct_studies]
    out = {}
    for label, count in (("one node, 8 associations", 1), ("two nodes, 4 associations each", 2)):
        env = backends.fresh()
        nodes = [Node(tmp, f"n{count}{i}", env, 11510 + i, 18510 + i).start() for i in range(count)]
        try:
            out[label] = ingest(nodes, ct, 8, backends)
            print(f"   {label}: {out[label]['rate']:.0f} inst/s", flush=True)
        finally:
            for n in nodes:
                n.stop()
    return out


def report(res, args):
    s, p = res["SQLite + files"], res["PostgreSQL + S3"]
    lines = [f"Measured {time.strftime('%Y-%m-%d')} by `bench/backends_bench.py --ct-studies {args.ct_studies} "
             f"--index-studies {args.index_studies} --per-study {args.per_study}` on this {os.cpu_count()}-core machine: "
             "PostgreSQL 15 (Debian, default durability) and s3rver on loopback, sharing the cores with Vireo and the "
             "DCMTK clients.", "",
             "| measure | SQLite + files | PostgreSQL + S3 | ratio |", "| --- | --- | --- | --- |"]
    si, pi = s["ingest"], p["ingest"]
    lines.append(f"| C-STORE, 4 associations (512×512 CT, {si['count']} instances) | {si['rate']:.0f} inst/s | "
                 f"{pi['rate']:.0f} inst/s | {pi['rate'] / si['rate']:.2f}× |")
    lines.append(f"| CPU per stored instance: Vireo | {si['vireo_ms']:.2f} ms | {pi['vireo_ms']:.2f} ms | |")
    lines.append(f"| CPU per stored instance: PostgreSQL / object store | | {pi['pg_ms']:.2f} ms / {pi['s3_ms']:.2f} ms | |")
    for kind in ("PatientID", "PatientName", "StudyDate"):
        for q in (50, 95):
            a, b = pct(s["qido"][kind][0], q), pct(p["qido"][kind][0], q)
            lines.append(f"| QIDO-RS studies by {kind}, p{q} ({s['index_instances']} instances in "
                         f"{args.index_studies} studies) | {a:.1f} ms | {b:.1f} ms | {b / a:.2f}× |")
    lines.append(f"| index size on disk | {s['index_bytes'] / 1e6:.0f} MB | {p['index_bytes'] / 1e6:.0f} MB | |")
    lines.append(f"| filling the index with `vireo import -j 2` | {s['index_instances'] / s['fill_s']:.0f} inst/s | "
                 f"{p['index_instances'] / p['fill_s']:.0f} inst/s | |")
    a = res["alone"]
    lines.append(f"| the object store alone: awscli uploading the CT files | | {a['rate']:.0f} objects/s, s3rver "
                 f"{a['s3_ms']:.2f} ms CPU per object | |")
    one, two = res["nodes"]["one node, 8 associations"], res["nodes"]["two nodes, 4 associations each"]
    lines.append(f"| PostgreSQL + S3, 8 associations: one node / two nodes | | {one['rate']:.0f} / {two['rate']:.0f} "
                 f"inst/s | {two['rate'] / one['rate']:.2f}× |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ct-studies", type=int, default=6)
    ap.add_argument("--index-studies", type=int, default=10000)
    ap.add_argument("--per-study", type=int, default=100)
    ap.add_argument("--data", default="/var/tmp/vireo-backends-bench-data")
    ap.add_argument("--index-only", action="store_true", help="only the index fill and QIDO-RS at size")
    ap.add_argument("--rounds", type=int, default=5, help="alternating QIDO-RS rounds with --index-only")
    ap.add_argument("--write", help="Markdown file whose backends section is replaced with the results")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("backends_bench.py needs root (network namespace; PostgreSQL runs as the postgres user)")
    ensure_netns()
    data = Path(args.data)
    stamp = data / f"stamp-{0 if args.index_only else args.ct_studies}-{args.index_studies}-{args.per_study}"
    if not stamp.exists():
        shutil.rmtree(data, ignore_errors=True)
        print("generating the data set ...", flush=True)
        if not args.index_only:
            subprocess.run([BUILD / "vireo-synth", "ct", data / "ct", str(args.ct_studies), "200"], check=True)
        subprocess.run([BUILD / "vireo-synth", "tiny", data / "index", str(args.index_studies), str(args.per_study)],
                       check=True)
        stamp.touch()
    in_namespace()
    tmp = Path(tempfile.mkdtemp(prefix="vireo-backends-", dir="/var/tmp"))
    os.chmod(tmp, 0o755)
    backends = Backends(tmp)
    res = {}
    try:
        if args.index_only:
            res = index_only(tmp, data, backends, args)
        else:
            res["SQLite + files"] = run_backend("SQLite + files", tmp, data, {}, backends, args)
            res["PostgreSQL + S3"] = run_backend("PostgreSQL + S3", tmp, data, backends.fresh(), backends, args)
            res["alone"] = object_store_alone(tmp, data, backends, args)
            print(f"   the object store alone (awscli): {res['alone']['rate']:.0f} objects/s", flush=True)
            res["nodes"] = two_nodes(tmp, data, backends, args)
    finally:
        backends.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    text = report_index(res, args) if args.index_only else report(res, args)
    print(text)
    if args.write:
        write_section(ROOT / args.write, "backends-index-bench" if args.index_only else "backends-bench", text)

if __name__ == "__main__":
    main()
