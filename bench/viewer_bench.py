#!/usr/bin/env python3
"""The browser viewer's speed, as a radiologist meets it: Debian's Chromium (headless,
software WebGL) driven by playwright-core against `vireo serve` on loopback holding one
200-slice 512x512 CT. Measures time to the first image on the canvas when navigating to
/viewer/{study} (cache empty, and application cached), when opening the study from a loaded
worklist, and until all slices are loaded; median and worst of several runs. Writes its
section of docs/PERFORMANCE.md with --write.

Side by side (unless --skip-orthanc): the same viewer reading Orthanc's DICOMweb (Orthanc
1.10 + its DICOMweb plugin, Debian packages) and Vireo's, each through the same plain-HTTP
proxy that serves the application (bench/viewer_proxy.py), inside a private network
namespace as the other side-by-side benchmarks (needs root)."""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import BUILD, ROOT, ensure_netns, ensure_orthanc, write_section  # noqa: E402
from viewer_proxy import ViewerProxy  # noqa: E402

PASSWORD = "Reading-Room-Figures-2026!"


def median(values):
    s = sorted(values)
    return s[len(s) // 2]


def spki(cert):
    """The base64 SHA-256 of a certificate's public key, as Chromium's
    --ignore-certificate-errors-spki-list takes it."""
    der = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", cert], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=der, check=True,
                         capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def measure(url, study, slices, runs, user=None, cert=None):
    """bench/viewer_bench.mjs against `url`; signs in as `user` when given, trusting `cert`."""
    env = dict(os.environ, VIREO_URL=url, VIREO_STUDY=study, VIREO_SLICES=str(slices), VIREO_RUNS=str(runs))
    if user:
        env.update(VIREO_USER=user, VIREO_PASSWORD=PASSWORD)
    if cert:
        env.update(VIREO_SPKI=spki(cert))
    r = subprocess.run(["node", ROOT / "bench" / "viewer_bench.mjs"], capture_output=True, text=True, env=env,
                       timeout=1800)
    if r.returncode != 0:
        sys.exit(r.stdout + r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def serve(env, log):
    server = subprocess.Popen([BUILD / "vireo", "serve"], env=env, stdout=log, stderr=log)
    time.sleep(2)
    return server


def stop(proc):
    proc.terminate()
    proc.wait(timeout=60)


def side_by_side(tmp, env, study, slices, runs):
    """The viewer through the same proxy in front of Vireo (plain HTTP, a bearer token added)
    and in front of Orthanc."""
    from dicomweb_bench import Orthanc
    dist = ROOT / "web" / "dist"
    results = {}
    plain = dict(env, VIREO_HTTP_TLS="off", VIREO_HTTP_PORT="18481")
    token = subprocess.run([BUILD / "vireo", "token", "create", "bench", "--name", "viewer bench"], env=plain,
                           check=True, capture_output=True, text=True).stdout.strip()
    server = serve(plain, open(tmp / "serve-plain.log", "w"))
    proxy = ViewerProxy(dist, 18490, 18481, {"Authorization": f"Bearer {token}"})
    try:
        results["Vireo"] = measure("http://127.0.0.1:18490", study, slices, runs)
    finally:
        proxy.stop()
        stop(server)
    orthanc = Orthanc(tmp)
    proxy = None
    try:
        subprocess.run(["storescu", "-aet", "BENCH", "-aec", orthanc.aet, "+sd", "+r", "127.0.0.1", str(orthanc.port),
                        tmp / "ct"], check=True, capture_output=True, env=dict(os.environ, TCP_NODELAY="1"))
        proxy = ViewerProxy(dist, 18491, orthanc.http_port, multipart_only=True)
        results["Orthanc"] = measure("http://127.0.0.1:18491", study, slices, runs)
    finally:
        if proxy:
            proxy.stop()
        orthanc.stop()
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slices", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-orthanc", action="store_true", help="only Vireo, directly (no root needed)")
    ap.add_argument("--write", help="Markdown file whose viewer section is replaced with the results")
    args = ap.parse_args()
    if not (ROOT / "web" / "dist" / "index.html").exists():
        sys.exit("build the web application first: make build")
    if not args.skip_orthanc:
        from dicomweb_bench import in_namespace
        ensure_orthanc()
        ensure_netns()
        in_namespace()  # Vireo, Orthanc, the proxy and Chromium: loopback of a private namespace
    tmp = Path(tempfile.mkdtemp(prefix="vireo-viewerbench-", dir="/var/tmp"))
    env = dict(os.environ, VIREO_DATA_DIR=str(tmp / "var"), VIREO_HTTP_PORT="18480", VIREO_DICOM_PORT="11480",
               VIREO_LOG_LEVEL="warn")
    env.pop("VIREO_CONFIG", None)
    try:
        subprocess.run([BUILD / "vireo-synth", "ct", tmp / "ct", "1", str(args.slices)], check=True,
                       capture_output=True)
        subprocess.run([BUILD / "vireo", "user", "add", "bench", "--create", "--role", "radiologist", "--password-stdin"],
                       input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
        subprocess.run([BUILD / "vireo", "import", tmp / "ct"], env=env, check=True, capture_output=True)
        first = sorted((tmp / "ct").rglob("*.dcm"))[0]
        study = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", str(first)], capture_output=True,
                               text=True).stdout.split("[")[1].split("]")[0]
        server = serve(env, open(tmp / "serve.log", "w"))
        try:
            res = measure("https://127.0.0.1:18480", study, args.slices, args.runs, user="bench",
                          cert=tmp / "var" / "tls" / "cert.pem")
        finally:
            stop(server)
        both = None if args.skip_orthanc else side_by_side(tmp, env, study, args.slices, args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(label, key, goal):
        v = res[key]
        return f"| {label} | {median(v) / 1000:.2f} s | {max(v) / 1000:.2f} s | {goal} |"

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/viewer_bench.py` on this 2-core machine: Debian Chromium "
        f"headless (WebGL in software, SwiftShader), `vireo serve` on loopback over HTTPS, one {args.slices}-slice "
        f"512×512 CT (uncompressed), {args.runs} runs.",
        "",
        "| first image on the canvas | median | worst | goal |",
        "| --- | --- | --- | --- |",
        row("navigating to /viewer/{study}, browser cache empty", "coldEmptyCache", "< 1.5 s"),
        row("navigating to /viewer/{study}, application cached (a later visit)", "coldCachedApp", "< 1.5 s"),
        row("… the second visit (Chromium stores the compiled scripts)", "coldSecondVisit", ""),
        row("opening the study from the loaded worklist", "warm", "< 0.3 s"),
        row(f"… until all {args.slices} slices are loaded", "allSlices", "< 3 s"),
    ]
    if both:
        def pair(label, key):
            v, o = median(both["Vireo"][key]), median(both["Orthanc"][key])
            return f"| {label} | {v / 1000:.2f} s | {o / 1000:.2f} s |"
        lines += [
            "",
            "The same viewer through the same plain-HTTP proxy (`bench/viewer_proxy.py`), reading each "
            f"archive's DICOMweb (medians of {args.runs} runs):",
            "",
            "| | Vireo | Orthanc 1.10.1 + DICOMweb plugin 1.7 |",
            "| --- | --- | --- |",
            pair("first image, navigating to /viewer/{study}, cache empty", "coldEmptyCache"),
            pair("first image, opening the study from the worklist", "warm"),
            pair(f"all {args.slices} slices loaded", "allSlices"),
        ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(ROOT / args.write, "viewer-bench", text)


if __name__ == "__main__":
    main()
