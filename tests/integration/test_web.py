"""The browser application: its files as `vireo serve` answers them (isolation headers,
caching, the application's own paths, what is not there), and the viewer driven end to
end in Debian's Chromium through playwright-core (web/e2e/viewer.e2e.mjs)."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import ROOT, VIREO, Server

WEB = ROOT / "web"
DIST = WEB / "dist"


def built():
    if not (DIST / "index.html").exists():
        raise AssertionError("web/dist is not built: run make build (scripts/build_web.sh)")


class WebAppFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        built()
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def get(self, path, headers=None):
        return self.server.http("GET", path, token=None, headers=headers)

    def test_index_and_the_applications_own_paths_are_the_page_with_isolation_headers(self):
        index = (DIST / "index.html").read_bytes()
        for path in ("/", "/viewer/1.2.840.113619.2.55.3", "/login", "/worklist/today"):
            status, h, body = self.get(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, index, path)
            self.assertTrue(h["Content-Type"].startswith("text/html"), path)
            self.assertEqual(h["Cross-Origin-Opener-Policy"], "same-origin")
            self.assertEqual(h["Cross-Origin-Embedder-Policy"], "require-corp")
            self.assertEqual(h["Cross-Origin-Resource-Policy"], "same-origin")
            self.assertIn("frame-ancestors 'none'", h["Content-Security-Policy"])
            self.assertEqual(h["Cache-Control"], "no-cache", "the page is checked on every load")

    def test_assets_are_typed_and_cached_for_good_and_the_page_revalidates(self):
        assets = {p.suffix: p for p in (DIST / "assets").iterdir()}
        for suffix, mime in ((".js", "text/javascript"), (".wasm", "application/wasm"), (".css", "text/css")):
            path = assets[suffix]
            status, h, body = self.get(f"/assets/{path.name}")
            self.assertEqual(status, 200, path)
            self.assertTrue(h["Content-Type"].startswith(mime), (path, h["Content-Type"]))
            self.assertIn("immutable", h["Cache-Control"])
            self.assertEqual(body, path.read_bytes())
        status, h, _ = self.get("/")
        etag = h["ETag"]
        status, h, body = self.get("/", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))

    def test_what_is_not_there_is_a_404_and_nothing_leaves_the_folder(self):
        for path in ("/assets/missing-1234.js", "/favicon.ico", "/../../etc/passwd", "/assets/../../CMakeLists.txt",
                     "/.git/config", "/%2e%2e/%2e%2e/etc/passwd"):
            status, h, body = self.get(path)
            if status == 200:
                self.assertEqual(body, (DIST / "index.html").read_bytes(), path)  # the page, never the file
            else:
                self.assertEqual(status, 404, path)
        # Unknown API paths stay API answers (JSON problems), never the page.
        for path in ("/api/nothing", "/dicom-web/nothing/here", "/fhir/Nothing"):
            status, h, _ = self.get(path)
            self.assertEqual(status, 404, path)
            self.assertEqual(h["Content-Type"], "application/problem+json", path)
        status, _, _ = self.server.http("POST", "/viewer/1.2.3", token=None, body=b"{}")
        self.assertEqual(status, 404, "only GET and HEAD reach the application's files")

    def test_an_unbuilt_application_says_what_to_do(self):
        empty = Path(tempfile.mkdtemp(prefix="vireo-noweb-"))
        server = Server(extra_env={"VIREO_WEB_ROOT": str(empty)}).start()
        try:
            status, h, body = server.http("GET", "/", token=None)
            self.assertEqual(status, 503)
            self.assertIn(b"make build", body)
        finally:
            server.cleanup()
            shutil.rmtree(empty, ignore_errors=True)


class ViewerEndToEndTest(unittest.TestCase):
    """Sign in as a radiologist (setting up the second factor), open a CT from the
    worklist, check the image is drawn, scroll, change the window, measure a length."""

    def test_a_radiologist_reads_a_ct_in_chromium(self):
        built()
        if not shutil.which("chromium"):
            self.fail("Debian's chromium is missing: run scripts/bootstrap.sh")
        if not (WEB / "node_modules" / "playwright-core").exists():
            self.fail("web/node_modules is missing: run scripts/bootstrap.sh")
        tmp = Path(tempfile.mkdtemp(prefix="vireo-e2e-"))
        server = Server()
        try:
            subprocess.run([VIREO.parent / "vireo-synth", "ct", tmp / "ct", "1", "24"], check=True, capture_output=True)
            files = sorted((tmp / "ct").rglob("*.dcm"))
            server.add_user("drreader", "radiologist", password="Reading-Room-2026!")
            server.start()
            statuses, out = server.store(*files)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            study = server.json("/api/studies")[0]["StudyInstanceUID"]
            shots = os.environ.get("VIREO_SCREENSHOTS") or str(tmp)
            env = dict(os.environ, VIREO_URL=f"https://127.0.0.1:{server.http_port}", VIREO_USER="drreader",
                       VIREO_PASSWORD="Reading-Room-2026!", VIREO_STUDY=study, VIREO_SLICES="24",
                       VIREO_SPACING="0.9765625", VIREO_SCREENSHOTS=shots)
            r = subprocess.run(["node", "e2e/viewer.e2e.mjs"], cwd=WEB, env=env, capture_output=True, text=True,
                               timeout=300)
            print(r.stdout)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("viewer end-to-end: ok", r.stdout)
            self.assertTrue(re.search(r"length [\d.]+ mm", r.stdout))
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
