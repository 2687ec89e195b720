"""The RIS's patients through the API, as the reception screens and an integrator use it:
registration with per-field errors and the duplicate warning, edits refused on a stale copy,
search, who may do what, and bad input answered in the API's terms with nothing changed."""
import json
import unittest
import urllib.parse

from harness import Server


class RisPatientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"VIREO_MRN_PATTERN": "T{seq:5}", "VIREO_MRN_ISSUER": "TESTCLINIC"}).start()
        for name, role in (("rosa", "receptionist"), ("tomas", "technician"), ("ref", "referring")):
            cls.server.add_user(name, role, physician="Dr Who" if role == "referring" else None)
        cls.reception = cls.server.create_token("rosa")
        cls.technician = cls.server.create_token("tomas")
        cls.referring = cls.server.create_token("ref")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def call(self, method, path, body=None, token=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        status, _, out = self.server.http(method, path, body=data, headers={"Content-Type": "application/json"},
                                          token=token or self.reception)
        return status, json.loads(out) if out else None

    def register(self, **fields):
        status, body = self.call("POST", "/api/ris/patients", fields)
        self.assertEqual(status, 201, body)
        return body

    def search(self, **params):
        status, body = self.call("GET", "/api/ris/patients?" + urllib.parse.urlencode(params))
        self.assertEqual(status, 200, body)
        return [p["mrn"] for p in body["patients"]]

    def everyone(self):
        return self.call("GET", "/api/ris/patients?limit=500")[1]["patients"]

    def test_registration_search_and_the_audit_trail(self):
        ana = self.register(familyName="Ferrer Puig", givenName="Àngela", birthDate="1984-03-12", sex="F",
                            phone="+34 93 555 01 23", nationalId="44556677-K", contrastAllergy=True,
                            allergies="iodinated contrast: urticaria")
        self.assertRegex(ana["mrn"], r"^T\d{5}$")
        self.assertEqual(ana["mrnIssuer"], "TESTCLINIC")
        self.assertTrue(ana["contrastAllergy"])
        self.assertEqual(self.call("GET", f"/api/ris/patients/{ana['id']}", token=self.technician)[1]["givenName"],
                         "Àngela")
        self.assertIn(ana["mrn"], self.search(q="ferrer"))
        self.assertIn(ana["mrn"], self.search(q="Ferrer, ang"))
        self.assertEqual(self.search(q="93 555 01 23"), [ana["mrn"]])
        self.assertEqual(self.search(q=ana["mrn"]), [ana["mrn"]])
        self.assertEqual(self.search(q="ferrer", birthDate="1984-03-12"), [ana["mrn"]])
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"patient": ana["mrn"]}))
        self.assertTrue(any(e["actor"] == "rosa" and "registered RIS patient" in e["detail"] for e in audit), audit)
        self.assertTrue(any(e["actor"] == "tomas" and "read RIS patient" in e["detail"] for e in audit), audit)
        searches = self.server.json("/api/audit?" + urllib.parse.urlencode({"user": "rosa", "action": "query"}))
        self.assertTrue(any("q=Ferrer, ang" in e["detail"] for e in searches), "who looked for whom is recorded")

    def test_a_name_in_another_script_is_kept_and_found_as_typed(self):
        p = self.register(familyName="山田", givenName="太郎", birthDate="1985-07-07", sex="M")
        self.assertEqual((p["familyName"], p["givenName"]), ("山田", "太郎"))
        self.assertEqual(self.search(q="山田"), [p["mrn"]])
        status, body = self.call("POST", "/api/ris/patients",
                                 {"familyName": "山田", "givenName": "太郎", "birthDate": "1985-07-07", "sex": "M"})
        self.assertEqual((status, body["duplicates"][0]["patient"]["id"]), (409, p["id"]))

    def test_a_second_registration_of_the_same_person_is_warned_and_can_be_confirmed(self):
        first = self.register(familyName="Martínez", givenName="José", birthDate="1950-11-02", sex="M")
        before = len(self.everyone())
        status, body = self.call("POST", "/api/ris/patients",
                                 {"familyName": "Martines", "givenName": "Jose", "birthDate": "1950-11-02", "sex": "M"})
        self.assertEqual(status, 409, body)
        self.assertEqual([(d["reason"], d["patient"]["id"]) for d in body["duplicates"]],
                         [("name_and_birth_date", first["id"])])
        self.assertEqual(len(self.everyone()), before, "nothing saved until confirmed")
        second = self.register(familyName="Martines", givenName="Jose", birthDate="1950-11-02", sex="M",
                               confirmedNew=True)
        self.assertNotEqual(second["mrn"], first["mrn"])

    def test_each_invalid_field_is_named_and_nothing_is_saved(self):
        before = self.everyone()
        status, body = self.call("POST", "/api/ris/patients",
                                 {"givenName": "Nadie", "birthDate": "2999-01-01", "sex": "Q", "email": "nope",
                                  "phone": "12"})
        self.assertEqual(status, 400, body)
        self.assertEqual({(e["field"], e["rule"]) for e in body["errors"]},
                         {("familyName", "required"), ("birthDate", "future"), ("sex", "unknown"),
                          ("email", "format"), ("phone", "format")})
        self.assertTrue(all(e["message"] for e in body["errors"]))
        for raw, expected in ((b"{not json", 400), (b"[1, 2]", 400), (b'{"familyName": 7}', 400),
                              (b'{"familyName": "A", "surname": "B"}', 400),
                              (b'{"familyName": "A", "contrastAllergy": "yes"}', 400),
                              (json.dumps({"familyName": "A" * 70000}).encode(), 413)):
            status, body = self.call("POST", "/api/ris/patients", raw=raw)
            self.assertEqual(status, expected, (raw[:40], body))
            self.assertEqual(body["status"], expected)
        self.assertEqual(self.everyone(), before)

    def test_an_edit_on_a_stale_copy_is_refused_and_the_mrn_cannot_change(self):
        p = self.register(familyName="Vidal", givenName="Pere", birthDate="1961-07-30", sex="M",
                          allergies="latex", contrastAllergy=True)
        fields = {k: v for k, v in p.items() if k not in ("id", "mrn", "mrnIssuer", "version", "createdAt", "updatedAt")}
        # An edit that leaves a field out would empty it (the allergies): refused, naming each.
        status, body = self.call("PUT", f"/api/ris/patients/{p['id']}",
                                 {"familyName": "Vidal", "birthDate": "1961-07-30", "sex": "M", "version": 1})
        self.assertEqual(status, 400, body)
        self.assertIn(("allergies", "required"), {(e["field"], e["rule"]) for e in body["errors"]})
        self.assertIn(("contrastAllergy", "required"), {(e["field"], e["rule"]) for e in body["errors"]})
        status, body = self.call("PUT", f"/api/ris/patients/{p['id']}", dict(fields, givenName="Pere Joan",
                                                                              version=p["version"]))
        self.assertEqual((status, body["givenName"], body["version"]), (200, "Pere Joan", 2))
        status, body = self.call("PUT", f"/api/ris/patients/{p['id']}", dict(fields, version=p["version"]))
        self.assertEqual(status, 409, body)
        status, body = self.call("PUT", f"/api/ris/patients/{p['id']}", dict(fields, version=2, mrn="OTHER"))
        self.assertEqual((status, body["errors"][0]["field"]), (400, "mrn"))
        status, body = self.call("PUT", f"/api/ris/patients/{p['id']}", fields)
        self.assertEqual((status, body["errors"][0]["field"]), (400, "version"))
        kept = self.call("GET", f"/api/ris/patients/{p['id']}")[1]
        self.assertEqual((kept["givenName"], kept["allergies"], kept["contrastAllergy"]), ("Pere Joan", "latex", True))
        for bad in ("999999", "abc", "-1"):
            self.assertEqual(self.call("GET", f"/api/ris/patients/{bad}")[0], 404)
            self.assertEqual(self.call("PUT", f"/api/ris/patients/{bad}", dict(fields, version=1))[0], 404)

    def test_another_issuers_patient_is_registered_with_its_own_mrn(self):
        status, body = self.call("POST", "/api/ris/patients", {"familyName": "Vives", "birthDate": "1970-01-01",
                                                               "sex": "M", "mrnIssuer": "OTHERHOSP"})
        self.assertEqual((status, body["errors"][0]["field"]), (400, "mrn"))
        p = self.register(familyName="Vives", birthDate="1970-01-01", sex="M", mrnIssuer="OTHERHOSP", mrn="H-77")
        self.assertEqual((p["mrn"], p["mrnIssuer"]), ("H-77", "OTHERHOSP"))

    def test_who_may_read_and_register(self):
        fields = {"familyName": "Roig", "givenName": "Laia", "birthDate": "2001-01-01", "sex": "F"}
        self.assertEqual(self.call("POST", "/api/ris/patients", fields, token=self.technician)[0], 403)
        self.assertEqual(self.call("GET", "/api/ris/patients", token=self.technician)[0], 200)
        self.assertEqual(self.call("GET", "/api/ris/patients", token=self.referring)[0], 403)
        self.assertEqual(self.server.http("GET", "/api/ris/patients", token=None)[0], 401)

    def test_search_parameters_are_checked(self):
        for query in ("birthDate=1980-02-30", "limit=0", "limit=abc", "nmae=x", "q=" + "x" * 201, "offset=10001",
                      "offset=2147483648", "q=%FF%FE", "q=a%00b"):
            status, body = self.call("GET", "/api/ris/patients?" + query)
            self.assertEqual(status, 400, (query, body))


if __name__ == "__main__":
    unittest.main()
