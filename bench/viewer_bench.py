#!/usr/bin/env python3
"""The browser viewer's speed, as a radiologist meets it: Debian's Chromium (headless,
software WebGL) driven by playwright-core against `vireo serve` on loopback holding one
200-slice 512x512 CT. Measures time to the first image on the canvas when navigating to
/viewer/{study} (cache empty, and application cached), when opening the study from a loaded
worklist, and until all slices are loaded; median and worst of several runs. Writes its
section of docs/PERFORMANCE.md with --write.

Not yet measured: the same viewer against Orthanc's DICOMweb (it needs the viewer to read
another origin's DICOMweb, which it does not do yet)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import BUILD, ROOT, write_section  # noqa: E402

PASSWORD = "Reading-Room-Figures-2026!"


def median(values):
    s = sorted(values)
    return s[len(s) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slices", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", help="Markdown file whose viewer section is replaced with the results")
    args = ap.parse_args()
    if not (ROOT / "web" / "dist" / "index.html").exists():
        sys.exit("build the web application first: make build")
    tmp = Path(tempfile.mkdtemp(prefix="vireo-viewerbench-", dir="/var/tmp"))
    env = dict(os.environ, VIREO_DATA_DIR=str(tmp / "var"), VIREO_HTTP_PORT="18480", VIREO_DICOM_PORT="11480",
               VIREO_LOG_LEVEL="warn")
    env.pop("VIREO_CONFIG", None)
    server = None
    try:
        subprocess.run([BUILD / "vireo-synth", "ct", tmp / "ct", "1", str(args.slices)], check=True,
                       capture_output=True)
        subprocess.run([BUILD / "vireo", "user", "add", "bench", "--role", "radiologist", "--password-stdin"],
                       input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True)
        subprocess.run([BUILD / "vireo", "import", tmp / "ct"], env=env, check=True, capture_output=True)
        log = open(tmp / "serve.log", "w")
        server = subprocess.Popen([BUILD / "vireo", "serve"], env=env, stdout=log, stderr=log)
        time.sleep(2)
        first = sorted((tmp / "ct").rglob("*.dcm"))[0]
        study = subprocess.run(["dcmdump", "+P", "StudyInstanceUID", str(first)], capture_output=True,
                               text=True).stdout.split("[")[1].split("]")[0]
        r = subprocess.run(["node", ROOT / "bench" / "viewer_bench.mjs"], capture_output=True, text=True,
                           env=dict(env, VIREO_URL="https://127.0.0.1:18480", VIREO_USER="bench",
                                    VIREO_PASSWORD=PASSWORD, VIREO_STUDY=study, VIREO_SLICES=str(args.slices),
                                    VIREO_RUNS=str(args.runs)), timeout=1200)
        if r.returncode != 0:
            sys.exit(r.stdout + r.stderr)
        res = json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)

    def row(label, key, goal):
        v = res[key]
        return f"| {label} | {median(v) / 1000:.2f} s | {max(v) / 1000:.2f} s | {goal} |"

    text = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} by `bench/viewer_bench.py` on this 2-core machine: Debian Chromium "
        f"headless (WebGL in software, SwiftShader), `vireo serve` on loopback over HTTPS, one {args.slices}-slice "
        f"512×512 CT (uncompressed), {args.runs} runs.",
        "",
        "| first image on the canvas | median | worst | goal |",
        "| --- | --- | --- | --- |",
        row("navigating to /viewer/{study}, browser cache empty", "coldEmptyCache", "< 1.5 s"),
        row("navigating to /viewer/{study}, application cached", "coldCachedApp", "< 1.5 s"),
        row("opening the study from the loaded worklist", "warm", "< 0.3 s"),
        row(f"… until all {args.slices} slices are loaded", "allSlices", "< 3 s"),
    ])
    print(text)
    if args.write:
        write_section(ROOT / args.write, "viewer-bench", text)


if __name__ == "__main__":
    main()
