"""docs/openapi.yaml and the server's route table say the same: every documented operation is
a route with the permission the document names, and every route of the documented API families
is in the document (the web app's types are generated from it, so a route missing there is a
route the browser cannot be typed against)."""
import json
import unittest
from pathlib import Path

import yaml

from harness import Server

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
# The API families the document covers in full; others are added as they are described.
DOCUMENTED = ("/api/ris/", "/api/reading", "/api/reporting/")
METHODS = {"get", "put", "post", "delete", "patch"}


def documented_operations(doc):
    return {(method.upper(), path): op.get("x-permission")
            for path, item in doc["paths"].items() for method, op in item.items() if method in METHODS}


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        server = Server().start()
        try:
            out = server.cli("access")
            assert out.returncode == 0, out.stderr
            cls.routes = {(r["method"], r["path"]): r["permission"] for r in json.loads(out.stdout)["routes"]}
        finally:
            server.cleanup()
        cls.doc = yaml.safe_load(DOC.read_text())

    def test_every_documented_operation_is_a_route_with_its_permission(self):
        ops = documented_operations(self.doc)
        self.assertGreater(len(ops), 3)
        for key, permission in ops.items():
            self.assertIn(key, self.routes, f"{key} is documented but the server has no such route")
            self.assertEqual(permission, self.routes[key], f"{key}: x-permission differs from the route table")

    def test_every_route_of_a_documented_family_is_documented(self):
        ops = documented_operations(self.doc)
        missing = [k for k in self.routes if k[1].startswith(DOCUMENTED) and k not in ops]
        self.assertEqual(missing, [])

    def test_every_reference_resolves(self):
        text = DOC.read_text()
        refs = {line.split('"#/')[1].split('"')[0] for line in text.splitlines() if '"#/' in line}
        for ref in refs:
            node = self.doc
            for part in ref.split("/"):
                self.assertIn(part, node, f"#/{ref} does not resolve")
                node = node[part]

    def test_the_check_finds_what_it_looks_for(self):
        doc = {"paths": {"/api/ris/x": {"get": {"x-permission": "p"}, "parameters": []}}}
        self.assertEqual(documented_operations(doc), {("GET", "/api/ris/x"): "p"})


if __name__ == "__main__":
    unittest.main()
