"""Starts `vireo serve` on free ports with a private data folder and drives it with real
DICOM peers (DCMTK's command-line tools). Standard library only."""
import json
import hashlib
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIREO = Path(os.environ.get("VIREO_BIN", ROOT / "build" / "vireo"))
TESTDATA = Path(os.environ.get("VIREO_TESTDATA", ROOT.parent / "shared" / "testdata"))
DICOM = TESTDATA / "dicom"

# DCMTK tools leave Nagle on unless told (../shared/notes/dicom-peers.md).
TOOL_ENV = dict(os.environ, TCP_NODELAY="1")

# storescu proposes a compressed syntax only when told which one (-x?); uncompressed
# syntaxes are always proposed.
STORESCU_TS_OPTION = {
    "1.2.840.10008.1.2.4.50": "-xy",
    "1.2.840.10008.1.2.4.51": "-xx",
    "1.2.840.10008.1.2.4.57": "-xs",
    "1.2.840.10008.1.2.4.70": "-xs",
    "1.2.840.10008.1.2.4.80": "-xt",
    "1.2.840.10008.1.2.4.81": "-xu",
    "1.2.840.10008.1.2.4.90": "-xv",
    "1.2.840.10008.1.2.4.91": "-xw",
    "1.2.840.10008.1.2.5": "-xr",
    "1.2.840.10008.1.2.1.99": "-xd",
    "1.2.840.10008.1.2.4.102": "-xn",
}


# How DCMTK's tools print the C-STORE statuses this archive answers with.
STATUS_NAMES = {
    "Success": 0x0000,
    "Refused: OutOfResources": 0xA700,
    "Error: DataSetDoesNotMatchSOPClass": 0xA900,
    "Error: CannotUnderstand": 0xC000,
}


def parse_status(line):
    text = line[line.index("(") + 1:line.rindex(")")] if "(" in line else ""
    if text in STATUS_NAMES:
        return STATUS_NAMES[text]
    if "0x" in text:
        return int(text.rsplit("0x", 1)[1], 16)
    return 0xFFFF


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    """Waits until something listens on 127.0.0.1:port (a peer started by a test)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


def read_meta(path):
    """Returns (dataset offset, {meta tag: value}) of a Part 10 file, or (0, {})."""
    data = Path(path).read_bytes()
    if len(data) < 132 or data[128:132] != b"DICM":
        return 0, {}
    pos, meta = 132, {}
    while pos + 8 <= len(data):
        group, elem = struct.unpack_from("<HH", data, pos)
        if group != 0x0002:
            break
        vr = data[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT", b"UC", b"UR"):
            length = struct.unpack_from("<I", data, pos + 8)[0]
            header = 12
        else:
            length = struct.unpack_from("<H", data, pos + 6)[0]
            header = 8
        meta[(group, elem)] = data[pos + header:pos + header + length].rstrip(b"\0 ").decode("latin-1")
        pos += header + length
    return pos, meta


def dataset_bytes(path):
    offset, _ = read_meta(path)
    return Path(path).read_bytes()[offset:]


def with_transfer_syntax(path, syntax, out):
    """Writes `path` to `out` with its file meta header naming another transfer syntax (the
    data set bytes unchanged): for objects in an encoding no tool here writes, such as video."""
    _, meta = read_meta(path)

    def element(elem, vr, value):
        value += b"\0" * (len(value) % 2)
        if vr == b"OB":
            return struct.pack("<HH2sHI", 2, elem, vr, 0, len(value)) + value
        return struct.pack("<HH2sH", 2, elem, vr, len(value)) + value

    body = (element(1, b"OB", b"\0\1") + element(2, b"UI", meta[(2, 2)].encode()) +
            element(3, b"UI", meta[(2, 3)].encode()) + element(0x10, b"UI", syntax.encode()))
    group = struct.pack("<HH2sHI", 2, 0, b"UL", 4, len(body))
    Path(out).write_bytes(b"\0" * 128 + b"DICM" + group + body + dataset_bytes(path))
    return Path(out)


def transfer_syntax(path):
    return read_meta(path)[1].get((0x0002, 0x0010), "")


def sop_instance_uid(path):
    return read_meta(path)[1].get((0x0002, 0x0003), "")


def _pg_base():
    return Path(os.environ["VIREO_TEST_DATABASE_URL_FILE"]).read_text().strip()


def database_env(data_dir):
    """On the PostgreSQL pass (VIREO_TEST_DATABASE_URL_FILE), the environment that puts the index of
    `data_dir` in a database of its own, made on first use; otherwise nothing (SQLite in data_dir)."""
    if not os.environ.get("VIREO_TEST_DATABASE_URL_FILE"):
        return {}
    base = _pg_base()
    name = "vireo_" + hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    known = subprocess.run(["psql", base, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if not known:
        subprocess.run(["psql", base, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return {"VIREO_DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name}


S3_BUCKET = "vireo-test"
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_DEFAULT_REGION": "us-east-1",
                  "AWS_EC2_METADATA_DISABLED": "true"}


def _s3_prefix(data_dir):
    return "t" + hashlib.sha1(str(Path(data_dir).resolve()).encode()).hexdigest()[:16] + "/"


def blob_env(data_dir):
    """On the S3 pass (VIREO_TEST_S3_DIR: tests/s3/server.sh), the environment that puts the blobs of
    `data_dir` under a prefix of their own in the test server's bucket; otherwise nothing (files)."""
    if not os.environ.get("VIREO_TEST_S3_DIR"):
        return {}
    endpoint = (Path(os.environ["VIREO_TEST_S3_DIR"]) / "url").read_text().strip()
    return dict(S3_CREDENTIALS, VIREO_BLOB_STORE=f"s3://{S3_BUCKET}/{_s3_prefix(data_dir)}",
                VIREO_S3_ENDPOINT=endpoint)


def backend_env(data_dir):
    """What puts `data_dir`'s index and blobs on the pass's backends (SQLite and files by default)."""
    return dict(database_env(data_dir), **blob_env(data_dir))


class FileBlobs:
    """The blobs of a data folder on the filesystem store, read and damaged behind Vireo's back."""
    shared = False

    def __init__(self, data_dir):
        self.root = Path(data_dir) / "blobs"
        self.temp_dir = self.root / "tmp"

    def keys(self, name_prefix=""):
        return sorted(f"{p.parent.parent.name}{p.parent.name}/{p.name}" for p in self.root.glob(f"*/*/{name_prefix}*")
                      if p.is_file() and p.parent.parent.name != "tmp")

    def read(self, key):
        return self._path(key).read_bytes()

    def write(self, key, data):
        self._path(key).parent.mkdir(parents=True, exist_ok=True)
        self._path(key).write_bytes(data)

    def delete(self, key):
        self._path(key).unlink()

    def _path(self, key):
        return self.root / key[:2] / key[2:4] / key[5:]


class S3Blobs:
    """The same over the test server's bucket, through awscli (an independent S3 client). A change
    also drops the node's local copy (data_dir/s3-cache), so the next read goes to the bucket."""
    shared = True

    def __init__(self, data_dir):
        self.data_dir = Path(data_dir)
        self.prefix = _s3_prefix(data_dir)
        self.endpoint = (Path(os.environ["VIREO_TEST_S3_DIR"]) / "url").read_text().strip()
        self.temp_dir = self.data_dir / "s3-cache" / "incoming"

    def _aws(self, *args, **kw):
        return subprocess.run(["/usr/bin/aws", "--endpoint-url", self.endpoint, "s3api", *args], check=True,
                              capture_output=True, env=dict(os.environ, **S3_CREDENTIALS), timeout=60, **kw)

    def keys(self, name_prefix=""):
        out = self._aws("list-objects-v2", "--bucket", S3_BUCKET, "--prefix", self.prefix, "--output", "json").stdout
        listed = [o["Key"][len(self.prefix):] for o in (json.loads(out or b"{}").get("Contents") or [])]
        return sorted(k for k in listed if k[5:].startswith(name_prefix))

    def read(self, key):
        with tempfile.TemporaryDirectory() as d:
            self._aws("get-object", "--bucket", S3_BUCKET, "--key", self.prefix + key, f"{d}/o")
            return Path(f"{d}/o").read_bytes()

    def write(self, key, data):
        with tempfile.TemporaryDirectory() as d:
            Path(f"{d}/o").write_bytes(data)
            self._aws("put-object", "--bucket", S3_BUCKET, "--key", self.prefix + key, "--body", f"{d}/o")
        self._drop_local_copy(key)

    def delete(self, key):
        self._aws("delete-object", "--bucket", S3_BUCKET, "--key", self.prefix + key)
        self._drop_local_copy(key)

    def _drop_local_copy(self, key):
        hashed = lambda s: hashlib.sha256(s.encode()).hexdigest()[:32]  # store/file_cache.cpp's layout
        group = hashed(key[:4])
        (self.data_dir / "s3-cache" / "objects" / group[:2] / group / hashed(key)).unlink(missing_ok=True)


def blobs_of(data_dir):
    return S3Blobs(data_dir) if os.environ.get("VIREO_TEST_S3_DIR") else FileBlobs(data_dir)


_RULES = None


def documented_rules():
    """The rules docs/openapi.yaml lets a RIS problem name: (field rules, conflict rules). The
    screens say each in the reader's language, and the web app's types come from these lists."""
    global _RULES
    if _RULES is None:
        import yaml
        schemas = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())["components"]["schemas"]
        conflict = schemas["ConflictProblem"]["allOf"][1]["properties"]["conflict"]["properties"]["rule"]
        _RULES = (set(schemas["FieldError"]["properties"]["rule"]["enum"]), set(conflict["enum"]))
    return _RULES


def check_documented_rules(status, headers, body):
    """Every RIS answer the tests provoke names only rules the API document lists: a rule added in
    the server and not in the document fails whichever test first meets it."""
    if "problem+json" not in (headers.get("Content-Type") or ""):
        return
    problem = json.loads(body)
    fields, conflicts = documented_rules()
    for error in problem.get("errors") or []:
        assert error.get("rule") in fields, f"{status}: field rule {error.get('rule')!r} is not in docs/openapi.yaml"
    if status == 409 and "conflict" in problem:
        rule = problem["conflict"].get("rule")
        assert rule in conflicts, f"409: conflict rule {rule!r} is not in docs/openapi.yaml"


class Server:
    """A running `vireo serve` with its own data folder."""

    def __init__(self, data_dir=None, extra_env=None, peers=""):
        self.tmp = Path(tempfile.mkdtemp(prefix="vireo-test-"))
        self.data_dir = Path(data_dir) if data_dir else self.tmp / "var"
        self.http_port = free_port()
        self.dicom_port = free_port()
        self.aet = "VIREO"
        self.env = dict(os.environ, VIREO_DATA_DIR=str(self.data_dir), VIREO_HTTP_PORT=str(self.http_port),
                        VIREO_DICOM_PORT=str(self.dicom_port), VIREO_PEERS=peers, VIREO_LOG_LEVEL="info")
        self.env.pop("VIREO_CONFIG", None)
        # On the second backend's pass (PostgreSQL and S3): the data folder's index in a database of
        # its own and its blobs under a prefix of their own; a server started again on the same
        # folder finds them again.
        self.database = None
        self.env.update(backend_env(self.data_dir))
        self.blobs = blobs_of(self.data_dir)
        if "VIREO_DATABASE_URL" in self.env and os.environ.get("VIREO_TEST_DATABASE_URL_FILE"):
            self.database = self.env["VIREO_DATABASE_URL"].rsplit("/", 1)[1]
            self.owns_database = not data_dir
        if extra_env:
            self.env.update(extra_env)
        self.proc = None
        self.log_path = self.tmp / "serve.log"
        self.token = None  # an admin's bearer token, sent by http() unless told otherwise
        self.calling = None  # the calling AE title the DCMTK tools use (None: their default)

    # --- accounts, through the CLI like an operator ---
    def cli(self, *args, stdin=None):
        return subprocess.run([str(VIREO), *map(str, args)], env=self.env, input=stdin, capture_output=True,
                              text=True, timeout=60)

    def add_user(self, name, *roles, password=None, patient_id=None, physician=None):
        args = ["user", "add", name, "--create"] + [a for r in roles for a in ("--role", r)]
        if patient_id:
            args += ["--patient-id", patient_id]
        if physician:
            args += ["--physician", physician]
        if password:
            args.append("--password-stdin")
        r = self.cli(*args, stdin=(password + "\n") if password else None)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def create_token(self, name, *scopes):
        """A bearer token for user `name` (all of its permissions unless scopes are given)."""
        args = ["token", "create", name, "--name", "integration tests"] + [a for s in scopes for a in ("--scope", s)]
        r = self.cli(*args)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def start(self):
        if self.token is None:
            fresh = not self.database and not (self.data_dir / "index.sqlite").exists()
            if fresh or "tester\t" not in self.cli("user", "list").stdout:
                self.add_user("tester", "admin")
            self.token = self.create_token("tester")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(VIREO), "serve"], env=self.env, stdout=self.log, stderr=self.log)
        # Generous: on a loaded two-core CI machine a fresh PostgreSQL database's migrations and
        # the first association can take several seconds each.
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vireo serve exited: " + self.log_path.read_text())
            try:
                if self.http("GET", "/healthz")[0] == 200 and self.echo() == 0:
                    return self
            except (OSError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.05)
        raise RuntimeError("vireo serve did not start: " + self.log_path.read_text())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def sql_rows(self, query):
        """Rows of a query on the index behind Vireo's back, as lists of strings."""
        if self.database:
            out = subprocess.run(["psql", self.env["VIREO_DATABASE_URL"], "-tA", "-F", "\t", "-c", query],
                                 check=True, capture_output=True, text=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        import sqlite3
        with sqlite3.connect(self.data_dir / "index.sqlite") as db:
            return [[str(v) for v in row] for row in db.execute(query)]

    def unindexed_blobs(self):
        """Blobs in the store that no index row names."""
        return set(self.blobs.keys()) - {row[0] for row in self.sql_rows("SELECT blob_key FROM instances")}

    def given_up_blobs(self):
        """What the store should hold beyond the index: nothing on files (removed at once); on a
        shared bucket, the objects queued for removal (blob_deletions)."""
        if not self.blobs.shared:
            return set()
        return {row[0] for row in self.sql_rows("SELECT blob_key FROM blob_deletions")} & set(self.blobs.keys())

    def sql(self, *statements):
        """Runs statements on the index behind Vireo's back (SQLite's file, or PostgreSQL)."""
        if self.database:
            for st in statements:
                subprocess.run(["psql", self.env["VIREO_DATABASE_URL"], "-q", "-v", "ON_ERROR_STOP=1", "-c", st],
                               check=True, capture_output=True)
        else:
            import sqlite3
            with sqlite3.connect(self.data_dir / "index.sqlite") as db:
                for st in statements:
                    db.execute(st)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.database and self.owns_database:
            subprocess.run(["psql", _pg_base(), "-q", "-c", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"],
                           capture_output=True)

    def logs(self):
        return self.log_path.read_text(errors="replace")

    # --- HTTP ---
    def http(self, method, path, body=None, headers=None, token="default"):
        headers = dict(headers or {})
        token = self.token if token == "default" else token
        if token and "Authorization" not in headers and "Cookie" not in headers:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(f"https://127.0.0.1:{self.http_port}{path}", method=method, data=body,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.tls_context()) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            out = e.read()
            if path.startswith("/api/ris/"):
                check_documented_rules(e.code, e.headers, out)
            return e.code, e.headers, out

    def tls_context(self):
        """Trusts exactly the server's generated certificate, and checks the host name."""
        return ssl.create_default_context(cafile=str(self.data_dir / "tls" / "cert.pem"))

    def tls_socket(self):
        raw = socket.create_connection(("127.0.0.1", self.http_port), timeout=30)
        return self.tls_context().wrap_socket(raw, server_hostname="127.0.0.1")

    def json(self, path):
        status, _, body = self.http("GET", path)
        assert status == 200, (path, status, body)
        return json.loads(body)

    # --- DIMSE via DCMTK tools ---
    def tool(self, *args, timeout=120):
        args = list(args)
        if self.calling and args[0] in ("echoscu", "storescu", "findscu", "movescu", "getscu") and "-aet" not in args:
            args[1:1] = ["-aet", self.calling]
        return subprocess.run(args, env=TOOL_ENV, capture_output=True, text=True, timeout=timeout)

    def echo(self):
        return self.tool("echoscu", "-aec", self.aet, "127.0.0.1", str(self.dicom_port), timeout=10).returncode

    def store(self, *files, extra=()):
        """storescu with the files' own transfer syntax proposed; returns (statuses, output).
        statuses maps each file to the C-STORE response status (None: not sent)."""
        options = sorted({STORESCU_TS_OPTION[ts] for ts in map(transfer_syntax, files) if ts in STORESCU_TS_OPTION})
        opt = list(options[:1])  # storescu takes one compressed proposal per run
        r = self.tool("storescu", "-v", "-R", *opt, *extra, "-aec", self.aet, "127.0.0.1", str(self.dicom_port),
                      *map(str, files))
        statuses, current = {}, None
        for line in (r.stdout + r.stderr).splitlines():
            if "Sending file: " in line:
                current = line.split("Sending file: ", 1)[1].strip()
                statuses[current] = None
            elif "Received Store Response" in line and current:
                statuses[current] = parse_status(line)
        return statuses, r.stdout + r.stderr

    def find(self, *keys, model="-S"):
        """findscu; returns a list of {tag: value} dicts parsed from the responses."""
        args = ["findscu", "-v", model, "-aec", self.aet]
        for k in keys:
            args += ["-k", k]
        r = self.tool(*args, "127.0.0.1", str(self.dicom_port))
        results, current = [], None
        for line in (r.stdout + r.stderr).splitlines():
            line = line[3:] if line.startswith("I: ") else line
            if line.startswith("Find Response:") and "Pending" in line:
                current = {}
                results.append(current)
            elif current is not None and line.startswith("("):
                tag = "(" + line[1:10].upper() + ")"
                if "[" in line and "]" in line:
                    value = line[line.index("[") + 1:line.rindex("]")].rstrip()
                elif len(line.split()) > 2 and line.split()[2].startswith("="):
                    value = line.split()[2]  # a well-known UID, printed by name: =CTImageStorage
                else:
                    value = ""
                current[tag] = value.rstrip("\0")
        return results, r
