"""The RIS's patients through the API, as the reception screens and an integrator use it:
registration with per-field errors and the duplicate warning, edits refused on a stale copy,
search, who may do what, and bad input answered in the API's terms with nothing changed."""
import concurrent.futures
import datetime
import json
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import zoneinfo
from pathlib import Path

from harness import TESTDATA, Server


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

    def test_the_allergies_of_the_patients_studies_name(self):
        """What the study list and the viewer ask: registered patients by MRN and issuer exactly."""
        allergic = self.register(familyName="Soler", givenName="Núria", birthDate="1959-02-03", sex="F",
                                 contrastAllergy=True, allergies="Iodinated contrast: anaphylaxis")
        plain = self.register(familyName="Mas", givenName="Pere", birthDate="1961-04-05", sex="M")
        asked = [{"mrn": plain["mrn"], "issuer": "TESTCLINIC"}, {"mrn": allergic["mrn"], "issuer": "OTHER"},
                 {"mrn": "NOBODY", "issuer": "TESTCLINIC"}, {"mrn": allergic["mrn"], "issuer": "TESTCLINIC"}]
        status, body = self.call("POST", "/api/ris/allergies", {"patients": asked}, token=self.technician)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["patients"], [
            {"id": plain["id"], "mrn": plain["mrn"], "issuer": "TESTCLINIC", "contrastAllergy": False, "allergies": ""},
            {"id": allergic["id"], "mrn": allergic["mrn"], "issuer": "TESTCLINIC", "contrastAllergy": True,
             "allergies": "Iodinated contrast: anaphylaxis"}])
        # A study without its issuer is taken as the clinic's own MRN; a registration merged into
        # another answers with the patient kept, whose record holds both allergies.
        twice = self.register(familyName="Soller", givenName="Nuria", birthDate="1959-02-03", sex="F", confirmedNew=True)
        status, merged = self.call("POST", "/api/ris/patient-merges", {
            "sourceId": twice["id"], "sourceVersion": twice["version"], "targetId": allergic["id"],
            "targetVersion": allergic["version"], "reason": "Registered twice"})
        self.assertEqual(status, 201, merged)
        status, body = self.call("POST", "/api/ris/allergies", {"patients": [
            {"mrn": allergic["mrn"], "issuer": ""}, {"mrn": twice["mrn"], "issuer": "TESTCLINIC"}]}, token=self.technician)
        self.assertEqual(status, 200, body)
        self.assertEqual([(p["mrn"], p["issuer"], p["id"], p["contrastAllergy"]) for p in body["patients"]],
                         [(allergic["mrn"], "", allergic["id"], True), (twice["mrn"], "TESTCLINIC", allergic["id"], True)])
        for bad in ({}, {"patients": {}}, {"patients": [{"mrn": "X"}]}, {"patients": [{"mrn": "", "issuer": ""}]},
                    {"patients": [{"mrn": 7, "issuer": ""}]}, {"patients": [], "more": 1},
                    {"patients": [{"mrn": "X", "issuer": ""}] * 201}):
            self.assertEqual(self.call("POST", "/api/ris/allergies", bad, token=self.technician)[0], 400, bad)
        self.assertEqual(self.call("POST", "/api/ris/allergies", raw=b"{not json", token=self.technician)[0], 400)
        self.assertEqual(self.call("POST", "/api/ris/allergies", {"patients": asked}, token=self.referring)[0], 403)
        reads = self.server.json("/api/audit?" + urllib.parse.urlencode({"user": "tomas", "action": "query"}))
        self.assertTrue(any("read the allergies of 2 patients" in e["detail"] and allergic["mrn"] in e["detail"]
                            for e in reads), reads)

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


class RisCatalogueTest(unittest.TestCase):
    """The procedure catalogue, rooms and closures: kept by an administrator, read by the staff
    who book and perform; every bad input named in the API's terms with nothing changed."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.server.add_user("rosa", "receptionist")
        cls.server.add_user("tomas", "technician")
        cls.reception = cls.server.create_token("rosa")
        cls.technician = cls.server.create_token("tomas")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def call(self, method, path, body=None, token="default", raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        status, _, out = self.server.http(method, path, body=data, headers={"Content-Type": "application/json"},
                                          token=token)
        return status, json.loads(out) if out else None

    def rows(self, table):
        return self.server.sql_rows(f"SELECT * FROM {table} ORDER BY 1")

    MRI = {"code": "MR-KNEE", "name": "MRI knee", "modality": "MR", "bodyPart": "KNEE", "durationMinutes": 30,
           "preparation": "Remove all metal.\nTell us about implants.", "consentTypes": ["mri_safety"],
           "priceCents": 25000, "dailyLimit": 4}

    def test_procedures_are_kept_by_an_administrator_and_read_by_the_staff(self):
        status, mri = self.call("POST", "/api/ris/procedures", self.MRI)
        self.assertEqual(status, 201, mri)
        self.assertEqual((mri["modality"], mri["consentTypes"], mri["active"], mri["version"]), ("MR", ["mri_safety"], True, 1))
        status, again = self.call("POST", "/api/ris/procedures", self.MRI)
        self.assertEqual(status, 400)
        self.assertEqual([(e["field"], e["rule"]) for e in again["errors"]], [("code", "taken")])
        # The staff read; only an administrator changes.
        status, listed = self.call("GET", "/api/ris/procedures?modality=MR", token=self.technician)
        self.assertEqual(status, 200, listed)
        self.assertEqual([p["code"] for p in listed["procedures"]], ["MR-KNEE"])
        status, _ = self.call("POST", "/api/ris/procedures", dict(self.MRI, code="MR-HIP"), token=self.reception)
        self.assertEqual(status, 403)
        # An edit sends every field with the version read; a stale one is refused.
        edit = dict(mri, durationMinutes=40, active=False)
        status, saved = self.call("PUT", f"/api/ris/procedures/{mri['id']}", edit)
        self.assertEqual(status, 200, saved)
        self.assertEqual((saved["durationMinutes"], saved["version"]), (40, 2))
        status, stale = self.call("PUT", f"/api/ris/procedures/{mri['id']}", edit)
        self.assertEqual(status, 409, stale)
        self.assertIn("Someone else changed this procedure", stale["title"])
        partial = {k: v for k, v in saved.items() if k != "preparation"}
        status, body = self.call("PUT", f"/api/ris/procedures/{mri['id']}", partial)
        self.assertEqual(status, 400, body)
        self.assertIn(("preparation", "required"), [(e["field"], e["rule"]) for e in body["errors"]])
        self.assertEqual(self.call("GET", "/api/ris/procedures")[1]["procedures"], [], "retired: not offered")
        self.assertEqual(len(self.call("GET", "/api/ris/procedures?retired=true")[1]["procedures"]), 1)
        self.assertEqual(self.call("GET", "/api/ris/procedures/999999")[0], 404)
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"action": "update", "limit": 50}))
        self.assertTrue(any(f"edited procedure {mri['id']}" in e["detail"] for e in audit), audit)

    def test_bad_procedures_are_refused_field_by_field_and_nothing_changes(self):
        before = self.rows("ris_procedures")
        cases = [
            (dict(self.MRI, code="CT ABD", modality="XR", durationMinutes=7), {("code", "format"), ("modality", "unknown"), ("durationMinutes", "range")}),
            (dict(self.MRI, code="X1", consentTypes="contrast"), {("consentTypes", "type")}),
            (dict(self.MRI, code="X2", priceCents="250.00"), {("priceCents", "type")}),
            (dict(self.MRI, code="X3", name="MRI\\knee", dailyLimit=-1), {("name", "format"), ("dailyLimit", "range")}),
            ({"code": "X4"}, {("name", "required"), ("modality", "required"), ("durationMinutes", "range")}),
        ]
        for body, expected in cases:
            status, problem = self.call("POST", "/api/ris/procedures", body)
            self.assertEqual(status, 400, problem)
            self.assertEqual({(e["field"], e["rule"]) for e in problem["errors"]}, expected, body)
        for raw in (b"{not json", b"[]", json.dumps(dict(self.MRI, code="X5", colour="red")).encode()):
            status, problem = self.call("POST", "/api/ris/procedures", raw=raw)
            self.assertEqual(status, 400, problem)
        status, _ = self.call("POST", "/api/ris/procedures", raw=json.dumps(dict(self.MRI, preparation="x" * 70000)).encode())
        self.assertEqual(status, 413)
        status, _ = self.call("GET", "/api/ris/procedures?modality=XR")
        self.assertEqual(status, 400)
        self.assertEqual(self.rows("ris_procedures"), before)

    def test_rooms_keep_their_opening_hours_and_closures(self):
        hours = [{"weekday": d, "opens": "08:00", "closes": "14:00"} for d in range(1, 6)] + \
                [{"weekday": d, "opens": "15:00", "closes": "20:00"} for d in range(1, 6)]
        status, room = self.call("POST", "/api/ris/rooms", {"name": "CT 2", "modality": "CT", "aeTitle": "CT2_REVOLUTION",
                                                            "hours": hours})
        self.assertEqual(status, 201, room)
        self.assertEqual(len(room["hours"]), 10)
        self.assertEqual(room["hours"][0], {"weekday": 1, "opens": "08:00", "closes": "14:00"})
        before = (self.rows("ris_rooms"), self.rows("ris_room_hours"))
        for bad, rule in ((hours + [{"weekday": 1, "opens": "13:00", "closes": "16:00"}], "overlap"),
                          ([{"weekday": 1, "opens": "14:00", "closes": "08:00"}], "order"),
                          ([{"weekday": 9, "opens": "08:00", "closes": "14:00"}], "format"),
                          ([{"weekday": 1, "opens": "8am", "closes": "14:00"}], "format"),
                          ([{"weekday": "monday", "opens": "08:00", "closes": "14:00"}], "type"),
                          ("mornings", "type")):
            status, problem = self.call("PUT", f"/api/ris/rooms/{room['id']}", dict(room, hours=bad))
            self.assertEqual(status, 400, (bad, problem))
            self.assertEqual([(e["field"], e["rule"]) for e in problem["errors"]], [("hours", rule)], bad)
        self.assertEqual((self.rows("ris_rooms"), self.rows("ris_room_hours")), before, "nothing changed")
        status, saved = self.call("PUT", f"/api/ris/rooms/{room['id']}", dict(room, hours=hours[:5]))
        self.assertEqual(status, 200, saved)
        self.assertEqual(len(saved["hours"]), 5)
        status, _ = self.call("PUT", f"/api/ris/rooms/{room['id']}", dict(room, hours=hours))
        self.assertEqual(status, 409, "the version read was 1, the room is at 2")
        self.assertEqual(self.call("GET", "/api/ris/rooms", token=self.reception)[1]["rooms"][0]["name"], "CT 2")

        status, closure = self.call("POST", "/api/ris/closures", {"roomId": room["id"], "startsOn": "2026-12-14",
                                                                  "endsOn": "2026-12-16", "reason": "Tube replacement"})
        self.assertEqual(status, 201, closure)
        status, _ = self.call("POST", "/api/ris/closures", {"startsOn": "2026-12-25", "endsOn": "2026-12-25", "reason": "Christmas"})
        self.assertEqual(status, 201)
        status, problem = self.call("POST", "/api/ris/closures", {"roomId": 424242, "startsOn": "2026-12-25",
                                                                  "endsOn": "2026-12-24", "reason": ""})
        self.assertEqual(status, 400)
        self.assertEqual({(e["field"], e["rule"]) for e in problem["errors"]}, {("endsOn", "order"), ("reason", "required")})
        december = self.call("GET", f"/api/ris/closures?room={room['id']}&from=2026-12-01&to=2026-12-31", token=self.technician)[1]
        self.assertEqual([c["reason"] for c in december["closures"]], ["Tube replacement", "Christmas"])
        self.assertEqual(self.call("GET", "/api/ris/closures?from=2026-12-31&to=2026-12-01")[0], 400)
        self.assertEqual(self.call("DELETE", f"/api/ris/closures/{closure['id']}", token=self.reception)[0], 403)
        self.assertEqual(self.call("DELETE", f"/api/ris/closures/{closure['id']}")[0], 204)
        self.assertEqual(self.call("DELETE", f"/api/ris/closures/{closure['id']}")[0], 404)


class RisOrdersTest(unittest.TestCase):
    """Orders through the API: an accession number from the configured pattern, the catalogue's
    procedures, cancellation with a reason, who may do what, bad input named with nothing saved."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"VIREO_ACCESSION_PATTERN": "ACC{seq:6}"}).start()
        cls.server.add_user("rosa", "receptionist")
        cls.server.add_user("tomas", "technician")
        cls.reception = cls.server.create_token("rosa")
        cls.technician = cls.server.create_token("tomas")
        call = RisCatalogueTest.call.__get__(cls)
        cls.procedures = [call("POST", "/api/ris/procedures", dict(RisCatalogueTest.MRI, code=code, name=name))[1]["id"]
                          for code, name in (("MR-KNEE", "MRI knee"), ("MR-HIP", "MRI hip"))]
        cls.ct_chest = call("POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                            "durationMinutes": 15})[1]["id"]
        cls.patient = call("POST", "/api/ris/patients", {"familyName": "Vidal", "givenName": "Marc", "birthDate": "1969-10-02",
                                                         "sex": "M"}, token=cls.reception)[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    call = RisCatalogueTest.call

    def order(self, **fields):
        body = {"patientId": self.patient["id"], "procedureIds": self.procedures, "priority": "routine",
                "reason": "Knee pain after a fall", "referringPhysician": "Dr. Serra"}
        body.update(fields)
        return self.call("POST", "/api/ris/orders", body, token=self.reception)

    def test_an_order_is_made_read_and_cancelled(self):
        status, order = self.order(priority="urgent", clinicalInfo="No implants")
        self.assertEqual(status, 201, order)
        self.assertRegex(order["accessionNumber"], r"^ACC\d{6}$")
        self.assertEqual((order["status"], order["priority"], order["procedureIds"]), ("requested", "urgent", self.procedures))
        status, listed = self.call("GET", f"/api/ris/orders?patient={self.patient['id']}", token=self.technician)
        self.assertEqual(status, 200, listed)
        self.assertIn(order["id"], [o["id"] for o in listed["orders"]])
        self.assertEqual(self.call("POST", f"/api/ris/orders/{order['id']}/cancel", {"version": 1, "reason": "x"},
                                   token=self.technician)[0], 403)
        status, stale = self.call("POST", f"/api/ris/orders/{order['id']}/cancel", {"version": 7, "reason": "Moved away"},
                                  token=self.reception)
        self.assertEqual(status, 409, stale)
        self.assertEqual(stale["conflict"]["rule"], "stale")
        status, cancelled = self.call("POST", f"/api/ris/orders/{order['id']}/cancel", {"version": 1, "reason": "Moved away"},
                                      token=self.reception)
        self.assertEqual(status, 200, cancelled)
        self.assertEqual((cancelled["status"], cancelled["cancelReason"]), ("cancelled", "Moved away"))
        status, again = self.call("POST", f"/api/ris/orders/{order['id']}/cancel", {"version": 2, "reason": "again"},
                                  token=self.reception)
        self.assertEqual(status, 409, again)
        self.assertIn("cannot be cancelled", again["detail"])
        self.assertEqual(again["conflict"]["rule"], "order_state")
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"patient": self.patient["mrn"], "limit": 100}))
        said = [(e["actor"], e["detail"]) for e in audit]
        self.assertIn(("rosa", f"created order {order['id']} (accession {order['accessionNumber']})"), said)
        self.assertIn(("rosa", f"cancelled order {order['id']} (accession {order['accessionNumber']})"), said)
        # Reads name the patient too: the list by patient, and one order.
        self.assertEqual(self.call("GET", f"/api/ris/orders/{order['id']}", token=self.technician)[0], 200)
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"patient": self.patient["mrn"], "limit": 100}))
        said = [(e["actor"], e["detail"]) for e in audit]
        self.assertIn(("tomas", f"read orders of RIS patient {self.patient['id']}"), said)
        self.assertIn(("tomas", f"read order {order['id']} (accession {order['accessionNumber']})"), said)
        # The event went to the outbox with the order (no consumer routed yet: nothing queued is also right).
        self.assertEqual(self.call("GET", "/api/ris/orders/999999")[0], 404)

    def test_bad_orders_are_refused_field_by_field_and_nothing_is_saved(self):
        before = self.server.sql_rows("SELECT COUNT(*) FROM ris_orders")
        cases = [
            ({"patientId": 999999}, {("patientId", "unknown")}),
            ({"procedureIds": []}, {("procedureIds", "required")}),
            ({"procedureIds": [self.procedures[0], self.procedures[0]]}, {("procedureIds", "format")}),
            ({"procedureIds": [424242]}, {("procedureIds", "unknown")}),
            ({"procedureIds": [self.procedures[0], self.ct_chest]}, {("procedureIds", "modalities")}),
            ({"procedureIds": "MR-KNEE"}, {("procedureIds", "type")}),
            ({"priority": "asap", "reason": ""}, {("priority", "unknown"), ("reason", "required")}),
            ({"patientId": "12"}, {("patientId", "type")}),
        ]
        for fields, expected in cases:
            status, problem = self.order(**fields)
            self.assertEqual(status, 400, (fields, problem))
            self.assertEqual({(e["field"], e["rule"]) for e in problem["errors"]}, expected, fields)
        status, _ = self.order(colour="red")
        self.assertEqual(status, 400)
        status, _ = self.call("POST", "/api/ris/orders", raw=b"{", token=self.reception)
        self.assertEqual(status, 400)
        status, _ = self.order(clinicalInfo="x" * 70000)
        self.assertEqual(status, 413)
        self.assertEqual(self.call("GET", "/api/ris/orders", token=self.reception)[0], 400, "a patient is required")
        self.assertEqual(self.server.sql_rows("SELECT COUNT(*) FROM ris_orders"), before)


def daytime_zone():
    """A clinic zone where it is now day (06:00 to 17:59), so that today's slots exist whenever the
    tests run: check-in is only on the appointment's day."""
    for name in ("Europe/Madrid", "America/New_York", "Pacific/Honolulu", "Asia/Tokyo", "Asia/Kolkata",
                 "Pacific/Auckland", "America/Los_Angeles", "Asia/Dubai"):
        if 6 <= datetime.datetime.now(zoneinfo.ZoneInfo(name)).hour < 18:
            return name
    raise AssertionError("no zone of the list is in its daytime")


def local_time(zone, day, hhmm):
    """The instant of a wall-clock time in `zone` on `day`, as the API takes it (with its offset)."""
    h, m = map(int, hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(h, m), zoneinfo.ZoneInfo(zone)).isoformat()


def utc(iso):
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)


class ScheduleServer(unittest.TestCase):
    """A server in a clinic zone where it is now day, with a CT and an MR room open all day, two CT
    procedures, and a receptionist (rosa), a technician (tomas) and a radiologist (rad)."""

    @classmethod
    def setUpClass(cls):
        cls.zone = daytime_zone()
        cls.server = Server(extra_env={"VIREO_CLINIC_TIME_ZONE": cls.zone}).start()
        cls.server.add_user("rosa", "receptionist")
        cls.server.add_user("tomas", "technician")
        cls.server.add_user("rad", "radiologist")
        cls.reception = cls.server.create_token("rosa")
        cls.technician = cls.server.create_token("tomas")
        cls.radiologist = cls.server.create_token("rad")
        call = RisCatalogueTest.call.__get__(cls)
        every_day = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
        cls.room = call("POST", "/api/ris/rooms", {"name": "CT 1", "modality": "CT", "hours": every_day,
                                                   "bufferMinutes": 5})[1]
        cls.mr_room = call("POST", "/api/ris/rooms", {"name": "MR 1", "modality": "MR", "hours": every_day})[1]
        cls.chest = call("POST", "/api/ris/procedures", {"code": "CT-THX", "name": "CT chest", "modality": "CT",
                                                         "durationMinutes": 15})[1]["id"]
        cls.abdomen = call("POST", "/api/ris/procedures", {"code": "CT-ABD", "name": "CT abdomen", "modality": "CT",
                                                           "durationMinutes": 20})[1]["id"]
        cls.today = datetime.datetime.now(zoneinfo.ZoneInfo(cls.zone)).date()
        cls.later = cls.today + datetime.timedelta(days=10)
        cls.count = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    call = RisCatalogueTest.call

    def order(self, procedures=None):
        type(self).count += 1
        status, patient = self.call("POST", "/api/ris/patients",
                                    {"familyName": f"Booked{self.count}", "givenName": "Ana", "birthDate": "1975-03-14",
                                     "sex": "F", "confirmedNew": True}, token=self.reception)
        self.assertEqual(status, 201, patient)
        status, order = self.call("POST", "/api/ris/orders", {"patientId": patient["id"],
                                                              "procedureIds": procedures or [self.chest],
                                                              "reason": "Staging", "referringPhysician": "Dr. Serra"},
                                  token=self.reception)
        self.assertEqual(status, 201, order)
        return order

    def book(self, order, at, room=None, token=None):
        return self.call("POST", "/api/ris/appointments", {"orderId": order["id"], "roomId": (room or self.room)["id"],
                                                           "startsAt": at}, token=token or self.reception)


class RisScheduleTest(ScheduleServer):
    """The appointment book through the API: free slots, booking (and 50 racing for one slot:
    exactly one wins), conflicts named, moves, cancellation, check-in and no-show with the
    order's lifecycle, who may do what, and bad input refused with nothing changed."""

    def rows(self):
        return (self.server.sql_rows("SELECT id, room_id, starts_at, status, version FROM ris_appointments ORDER BY id"),
                self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"))

    def test_slots_booking_and_the_lifecycle_of_an_appointment(self):
        order = self.order([self.chest, self.abdomen])
        status, slots = self.call("GET", f"/api/ris/slots?order={order['id']}&from={self.later}&days=1",
                                  token=self.reception)
        self.assertEqual(status, 200, slots)
        self.assertEqual((slots["timeZone"], slots["durationMinutes"], slots["modality"]), (self.zone, 35, "CT"))
        self.assertEqual([(w["roomId"], utc(w["first"]), utc(w["last"])) for w in slots["windows"]],
                         [(self.room["id"], utc(local_time(self.zone, self.later, "00:00")),
                           utc(local_time(self.zone, self.later, "23:25")))])
        status, booked = self.book(order, local_time(self.zone, self.later, "10:00"))
        self.assertEqual(status, 201, booked)
        self.assertEqual((booked["status"], booked["orderStatus"], booked["accessionNumber"]),
                         ("booked", "scheduled", order["accessionNumber"]))
        self.assertEqual(utc(booked["endsAt"]) - utc(booked["startsAt"]), datetime.timedelta(minutes=35))
        self.assertEqual(booked["patient"]["name"], f"Booked{self.count}, Ana")
        # The time it holds (and its buffer) is gone from everyone else's slots.
        other = self.order()
        windows = self.call("GET", f"/api/ris/slots?order={other['id']}&from={self.later}&days=1")[1]["windows"]
        self.assertEqual([utc(w["first"]) for w in windows][1], utc(local_time(self.zone, self.later, "10:40")))
        status, problem = self.book(other, local_time(self.zone, self.later, "10:30"))
        self.assertEqual(status, 409, problem)
        self.assertEqual(problem["conflict"], {"rule": "slot_taken", "appointmentId": booked["id"]})
        # Moved to today, an hour from now; then checked in by the technician.
        soon = (datetime.datetime.now(zoneinfo.ZoneInfo(self.zone)) + datetime.timedelta(hours=1)).replace(
            second=0, microsecond=0)
        soon = soon.replace(minute=soon.minute - soon.minute % 5)
        if soon.date() != self.today:
            self.skipTest("too close to the clinic's midnight")
        status, moved = self.call("POST", f"/api/ris/appointments/{booked['id']}/move",
                                  {"version": booked["version"], "roomId": self.room["id"], "startsAt": soon.isoformat()},
                                  token=self.reception)
        self.assertEqual(status, 200, moved)
        self.assertEqual(utc(moved["startsAt"]), soon.astimezone(datetime.timezone.utc))
        status, problem = self.call("POST", f"/api/ris/appointments/{booked['id']}/arrive",
                                    {"version": booked["version"]}, token=self.technician)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "stale"))
        status, problem = self.call("POST", f"/api/ris/appointments/{booked['id']}/no-show",
                                    {"version": moved["version"]}, token=self.reception)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "appointment_time"))
        self.assertEqual(self.call("POST", f"/api/ris/appointments/{booked['id']}/arrive",
                                   {"version": moved["version"]}, token=self.radiologist)[0], 403)
        status, arrived = self.call("POST", f"/api/ris/appointments/{booked['id']}/arrive",
                                    {"version": moved["version"]}, token=self.technician)
        self.assertEqual(status, 200, arrived)
        self.assertEqual((arrived["status"], arrived["orderStatus"]), ("arrived", "arrived"))
        status, problem = self.call("POST", f"/api/ris/appointments/{booked['id']}/cancel",
                                    {"version": arrived["version"], "reason": "Too late"}, token=self.reception)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "appointment_state"))
        # The calendar shows it, the audit trail names who did each step.
        cal = self.call("GET", f"/api/ris/calendar?from={self.today}&days=1", token=self.radiologist)[1]
        self.assertIn(booked["id"], [a["id"] for a in cal["appointments"]])
        self.assertEqual({d["roomId"] for d in cal["days"]}, {self.room["id"], self.mr_room["id"]})
        audit = self.server.json(f"/api/audit?patient={booked['patient']['mrn']}&limit=100")
        steps = [(e["actor"], e["detail"].split(" appointment")[0]) for e in sorted(audit, key=lambda e: e["id"])
                 if " appointment " in e["detail"] and not e["detail"].startswith("read")]
        self.assertEqual(steps, [("rosa", "booked"), ("rosa", "moved"), ("tomas", "checked in")])

    def test_cancel_and_no_show_give_the_order_back_to_be_booked(self):
        day = self.later + datetime.timedelta(days=1)  # a day of its own: the tests share the server
        order = self.order()
        booked = self.book(order, local_time(self.zone, day, "12:00"))[1]
        status, problem = self.call("POST", f"/api/ris/appointments/{booked['id']}/cancel",
                                    {"version": booked["version"], "reason": " "}, token=self.reception)
        self.assertEqual((status, [e["rule"] for e in problem["errors"]]), (400, ["required"]))
        status, cancelled = self.call("POST", f"/api/ris/appointments/{booked['id']}/cancel",
                                      {"version": booked["version"], "reason": "Patient asked"}, token=self.reception)
        self.assertEqual((status, cancelled["status"], cancelled["orderStatus"]), (200, "cancelled", "requested"))
        again = self.book(order, local_time(self.zone, day, "12:00"))
        self.assertEqual(again[0], 201, again[1])
        listed = self.call("GET", f"/api/ris/appointments?order={order['id']}")[1]["appointments"]
        self.assertEqual([a["status"] for a in listed], ["booked", "cancelled"])

    def test_fifty_requests_racing_for_one_slot_exactly_one_wins(self):
        orders = [self.order() for _ in range(50)]
        at = local_time(self.zone, self.later + datetime.timedelta(days=2), "16:00")
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda o: self.book(o, at), orders))
        self.assertEqual(sorted(s for s, _ in answers), [201] + [409] * 49)
        winner = next(b for s, b in answers if s == 201)
        self.assertTrue(all(b["conflict"] == {"rule": "slot_taken", "appointmentId": winner["id"]}
                            for s, b in answers if s == 409))
        held = self.server.sql_rows(f"SELECT COUNT(*) FROM ris_appointments WHERE starts_at = '{winner['startsAt']}'")
        self.assertEqual(held, [["1"]])

    def test_bad_bookings_are_refused_in_the_apis_terms_and_nothing_changes(self):
        order = self.order()
        before = self.rows()
        yesterday = self.today - datetime.timedelta(days=1)
        for body, field, rule in (
                ({"startsAt": local_time(self.zone, yesterday, "10:00")}, "startsAt", "past"),
                ({"roomId": self.mr_room["id"]}, "roomId", "modality"),
                ({"roomId": 424242}, "roomId", "unknown"),
                ({"startsAt": "tomorrow at ten"}, "startsAt", "format"),
                ({"startsAt": "2027-03-01T10:00"}, "startsAt", "format"),
                ({"roomId": "1"}, "roomId", "type"),
                ({"startsAt": None}, "startsAt", "required"),
                ({"startsAt": 20270301}, "startsAt", "type")):
            full = dict({"orderId": order["id"], "roomId": self.room["id"],
                         "startsAt": local_time(self.zone, self.later, "09:00")}, **body)
            status, problem = self.call("POST", "/api/ris/appointments", full, token=self.reception)
            self.assertEqual(status, 400, (body, problem))
            self.assertIn((field, rule), [(e["field"], e["rule"]) for e in problem["errors"]], body)
        status, problem = self.call("POST", "/api/ris/appointments", {"orderId": order["id"]}, token=self.reception)
        self.assertEqual({(e["field"], e["rule"]) for e in problem["errors"]},
                         {("roomId", "required"), ("startsAt", "required")})
        self.assertEqual(self.call("POST", "/api/ris/appointments", raw=b"{not json", token=self.reception)[0], 400)
        self.assertEqual(self.call("POST", "/api/ris/appointments", raw=b"[]", token=self.reception)[0], 400)
        self.assertEqual(self.call("POST", "/api/ris/appointments", dict(orderId=order["id"], roomId=1, startsAt="x", extra=1),
                                   token=self.reception)[0], 400)
        self.assertEqual(self.call("POST", "/api/ris/appointments", raw=b"{" + b" " * 70000 + b"}",
                                   token=self.reception)[0], 413)
        self.assertEqual(self.book({"id": 424242}, local_time(self.zone, self.later, "09:00"))[0], 404)
        self.assertEqual(self.book(order, local_time(self.zone, self.later, "09:00"), token=self.technician)[0], 403)
        for path, body in (("/api/ris/appointments/424242/arrive", {"version": 1}),
                           ("/api/ris/appointments/424242/no-show", {"version": 1}),
                           ("/api/ris/appointments/abc/cancel", {"version": 1, "reason": "x"}),
                           ("/api/ris/appointments/424242/move", {"version": 1, "roomId": 1,
                                                                  "startsAt": "2027-03-01T10:00:00Z"})):
            self.assertEqual(self.call("POST", path, body, token=self.reception)[0], 404, path)
        for query in (f"order={order['id']}&from=2027-13-01", f"order={order['id']}&from={self.later}&days=90",
                      f"from={self.later}", f"order={order['id']}&from={self.later}&colour=red"):
            self.assertEqual(self.call("GET", "/api/ris/slots?" + query)[0], 400, query)
        self.assertEqual(self.call("GET", f"/api/ris/slots?order=424242&from={self.later}")[0], 404)
        self.assertEqual(self.call("GET", "/api/ris/calendar?from=yesterday")[0], 400)
        self.assertEqual(self.rows(), before, "nothing changed")


class LiveChanges:
    """An open /api/ris/events stream, read on a thread of its own, as a browser's EventSource:
    its events (name, data, the moment read) in `events`."""

    def __init__(self, server, token):
        self.events = queue.Queue()
        self.sock = server.tls_socket()
        self.sock.sendall(f"GET /api/ris/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        self.status = self.file.readline().decode()
        while self.file.readline() not in (b"\r\n", b""):
            pass
        self.ended = threading.Event()  # the server ended the stream
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name = None
        try:
            for raw in self.file:
                line = raw.decode().strip()
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: ") and name:
                    self.events.put((name, json.loads(line[6:]), time.perf_counter()))  # when it was read
        except (OSError, ValueError):
            pass
        self.ended.set()

    def wait_for(self, topic, appointment, seconds=3):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                name, data, _ = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if name == "change" and data.get("topic") == topic and data.get("appointmentId") == appointment:
                return data
        raise AssertionError(f"no {topic} of appointment {appointment} within {seconds} s")

    def close(self):
        self.sock.close()


class RisWorklistTest(ScheduleServer):
    """The technicians' worklist through the API: the day's exams, stat first; every open stream
    hears of a check-in at once; arrived → in progress → acquired, each step by a role that may,
    at the right moment; the radiologist who will read them, by hand or by the clinic's rule; bad
    input refused with nothing changed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        call = RisCatalogueTest.call.__get__(cls)
        cls.readers = [call("POST", "/api/ris/staff", {"username": name, "displayName": name.title(),
                                                        "radiologist": True, "contrastTechnician": False,
                                                        "active": True})[1]["id"] for name in ("ana", "bruno")]
        cls.nurse = call("POST", "/api/ris/staff", {"username": "carla", "displayName": "Carla", "radiologist": False,
                                                    "contrastTechnician": True, "active": True})[1]["id"]
        now = datetime.datetime.now(zoneinfo.ZoneInfo(cls.zone)).replace(second=0, microsecond=0)
        cls.next_time = now.replace(minute=now.minute - now.minute % 5) + datetime.timedelta(minutes=30)

    def rows(self):
        return (self.server.sql_rows("SELECT id, status, version FROM ris_appointments ORDER BY id"),
                self.server.sql_rows("SELECT id, status, reader_id, version FROM ris_orders ORDER BY id"),
                self.server.sql_rows("SELECT name, value FROM ris_settings ORDER BY name"))

    def arrived_today(self, priority="routine"):
        """An exam booked today (each at a time of its own) and checked in."""
        at = type(self).next_time
        type(self).next_time += datetime.timedelta(minutes=20)
        if at.date() != self.today:
            self.skipTest("too close to the clinic's midnight")
        order = self.order()
        if priority != "routine":
            self.server.sql(f"UPDATE ris_orders SET priority = '{priority}' WHERE id = {order['id']}")
        status, booked = self.book(order, at.isoformat())
        self.assertEqual(status, 201, booked)
        status, arrived = self.call("POST", f"/api/ris/appointments/{booked['id']}/arrive",
                                    {"version": booked["version"]}, token=self.reception)
        self.assertEqual(status, 200, arrived)
        return arrived

    def step(self, appointment, what, token=None, version=None):
        return self.call("POST", f"/api/ris/appointments/{appointment['id']}/{what}",
                         {"version": appointment["version"] if version is None else version},
                         token=token or self.technician)

    def test_an_exam_goes_from_check_in_to_acquired_and_every_open_worklist_hears_of_it(self):
        stream = LiveChanges(self.server, self.technician)
        self.addCleanup(stream.close)
        self.assertIn(" 200 ", stream.status)
        exam = self.arrived_today()
        heard = stream.wait_for("ris.appointment.arrived", exam["id"])
        self.assertEqual((heard["orderId"], heard["roomId"]), (exam["orderId"], self.room["id"]))
        self.assertEqual(set(heard), {"topic", "appointmentId", "orderId", "roomId"}, "ids only, never whose")
        status, day = self.call("GET", f"/api/ris/worklist?room={self.room['id']}", token=self.technician)
        self.assertEqual(status, 200, day)
        self.assertEqual(day["day"], str(self.today))
        row = next(i for i in day["items"] if i["id"] == exam["id"])
        self.assertEqual((row["orderStatus"], row["reason"], row["patient"]["contrastAllergy"]),
                         ("arrived", "Staging", False))
        # Only a role that performs exams starts one; the wrong moment is a conflict; then in progress.
        self.assertEqual(self.step(exam, "start", token=self.reception)[0], 403)
        status, problem = self.step(exam, "acquired")
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "exam_state"), problem)
        self.assertIn("not been started", problem["detail"])
        status, started = self.step(exam, "start")
        self.assertEqual((status, started["orderStatus"]), (200, "in_progress"), started)
        stream.wait_for("ris.exam.started", exam["id"])
        self.assertEqual(self.step(exam, "acquired")[1]["conflict"]["rule"], "stale", "the version seen before")
        status, acquired = self.step(started, "acquired", token=self.radiologist)
        self.assertEqual((status, acquired["orderStatus"], acquired["readerId"]), (200, "acquired", 0),
                         "manual assignment: nobody yet")
        stream.wait_for("ris.exam.acquired", exam["id"])
        # Assigned by hand to a radiologist of the staff, never to anyone else.
        status, problem = self.call("POST", f"/api/ris/appointments/{exam['id']}/reader",
                                    {"version": acquired["version"], "radiologistId": self.nurse}, token=self.technician)
        self.assertEqual((status, problem["errors"][0]["field"]), (400, "radiologistId"))
        status, assigned = self.call("POST", f"/api/ris/appointments/{exam['id']}/reader",
                                     {"version": acquired["version"], "radiologistId": self.readers[1]},
                                     token=self.technician)
        self.assertEqual((status, assigned["readerId"]), (200, self.readers[1]), assigned)
        audit = self.server.json(f"/api/audit?patient={exam['patient']['mrn']}&limit=100")
        steps = [(e["actor"], e["detail"].split(" appointment")[0]) for e in sorted(audit, key=lambda e: e["id"])
                 if " appointment " in e["detail"] and not e["detail"].startswith("read")]
        self.assertEqual(steps, [("rosa", "booked"), ("rosa", "checked in"), ("tomas", "started the exam of"),
                                 ("rad", "acquired the images of"),
                                 ("tomas", f"assigned radiologist {self.readers[1]} to")])

    def test_a_stream_ends_once_its_account_may_no_longer_listen(self):
        self.server.add_user("leaver", "technician")
        stream = LiveChanges(self.server, self.server.create_token("leaver"))
        self.addCleanup(stream.close)
        self.assertIn(" 200 ", stream.status)
        self.assertFalse(stream.ended.wait(1), "open while the account holds")
        self.assertEqual(self.server.http("POST", "/api/users/leaver/disable")[0], 200)
        self.assertTrue(stream.ended.wait(30), "still open 30 s after the account was disabled")

    def test_the_clinics_rule_assigns_acquired_exams_in_turn(self):
        self.assertEqual(self.call("PUT", "/api/ris/settings", {"readingAssignment": "round_robin"},
                                   token=self.technician)[0], 403, "an administrator's setting")
        status, settings = self.call("PUT", "/api/ris/settings", {"readingAssignment": "round_robin"})
        self.assertEqual((status, settings["readingAssignment"]), (200, "round_robin"), settings)
        self.addCleanup(self.call, "PUT", "/api/ris/settings", {"readingAssignment": "manual"})
        readers = []
        for _ in range(3):
            started = self.step(self.arrived_today(), "start")[1]
            readers.append(self.step(started, "acquired")[1]["readerId"])
        self.assertEqual(readers[2], readers[0])
        self.assertEqual(sorted(readers[:2]), sorted(self.readers), "each radiologist in turn")
        # Least loaded: the one with fewer exams waiting for their report, though not the first by id.
        def load(reader):
            return int(self.server.sql_rows(f"SELECT COUNT(*) FROM ris_orders WHERE reader_id = {reader} "
                                            "AND status = 'acquired'")[0][0])
        self.call("PUT", "/api/ris/settings", {"readingAssignment": "manual"})
        while load(self.readers[0]) <= load(self.readers[1]):
            acquired = self.step(self.step(self.arrived_today(), "start")[1], "acquired")[1]
            self.call("POST", f"/api/ris/appointments/{acquired['id']}/reader",
                      {"version": acquired["version"], "radiologistId": self.readers[0]}, token=self.technician)
        self.call("PUT", "/api/ris/settings", {"readingAssignment": "least_loaded"})
        started = self.step(self.arrived_today(), "start")[1]
        self.assertEqual(self.step(started, "acquired")[1]["readerId"], self.readers[1])

    def test_stat_exams_come_first_and_the_filters_narrow_the_day(self):
        routine = self.arrived_today()
        stat = self.arrived_today("stat")
        items = self.call("GET", f"/api/ris/worklist?room={self.room['id']}&status=arrived",
                          token=self.technician)[1]["items"]
        ids = [i["id"] for i in items]
        self.assertLess(ids.index(stat["id"]), ids.index(routine["id"]), "stat first, though later")
        self.assertEqual({i["orderStatus"] for i in items}, {"arrived"})
        only = self.call("GET", "/api/ris/worklist?priority=stat&modality=CT", token=self.technician)[1]["items"]
        self.assertIn(stat["id"], [i["id"] for i in only])
        self.assertNotIn(routine["id"], [i["id"] for i in only])
        self.assertEqual(self.call("GET", "/api/ris/worklist?modality=MR")[1]["items"], [])

    def test_bad_steps_and_queries_are_refused_and_nothing_changes(self):
        exam = self.arrived_today()
        before = self.rows()
        for path, body, expected in [
            (f"/api/ris/appointments/{exam['id']}/start", b"{", 400),
            (f"/api/ris/appointments/{exam['id']}/start", b'{"version": "1"}', 400),
            (f"/api/ris/appointments/{exam['id']}/start", b'{"version": 1, "extra": 2}', 400),
            (f"/api/ris/appointments/{exam['id']}/start", b"{}", 400),
            ("/api/ris/appointments/999999/start", b'{"version": 1}', 404),
            ("/api/ris/appointments/x/acquired", b'{"version": 1}', 404),
            (f"/api/ris/appointments/{exam['id']}/reader", b'{"version": 1, "radiologistId": -1}', 400),
            (f"/api/ris/appointments/{exam['id']}/start", b'{"version": 1' + b" " * 70000 + b"}", 413),
        ]:
            status, _ = self.call("POST", path, raw=body, token=self.technician)
            self.assertEqual(status, expected, (path, body[:40]))
        for query in ("day=2027-02-30", "status=done", "priority=high", "room=-1", "unknown=1"):
            self.assertEqual(self.call("GET", f"/api/ris/worklist?{query}", token=self.technician)[0], 400, query)
        self.assertEqual(self.call("PUT", "/api/ris/settings", {"readingAssignment": "alphabetical"})[0], 400)
        self.assertEqual(self.call("GET", "/api/ris/worklist", token=self.server.create_token("rosa"))[0], 200)
        self.assertEqual(self.rows(), before, "nothing changed")


class RisRequestsTest(ScheduleServer):
    """Appointment requests through the API: asked for with the days and part of the day that
    suit, listed for reception (the longest waiting first), confirmed by booking a time (the
    rules of any booking; refused, nothing changes), declined with a reason; who may do what; bad
    input answered in the API's terms."""

    def rows(self):
        return (self.server.sql_rows("SELECT id, status, version FROM ris_appointment_requests ORDER BY id"),
                self.server.sql_rows("SELECT id, status, version FROM ris_appointments ORDER BY id"),
                self.server.sql_rows("SELECT id, status, version FROM ris_orders ORDER BY id"))

    def ask(self, order, token=None, **fields):
        body = {"orderId": order["id"], "preferredFrom": str(self.later), "preferredTo": str(self.later + datetime.timedelta(days=4)),
                "preferredTime": "morning", "note": "Mornings only, please"} | fields
        return self.call("POST", "/api/ris/appointment-requests", body, token=token or self.reception)

    def test_a_request_is_listed_then_confirmed_by_booking_it(self):
        order = self.order()
        status, asked = self.ask(order)
        self.assertEqual(status, 201, asked)
        self.assertEqual((asked["status"], asked["source"], asked["preferredTime"], asked["patient"]["name"]),
                         ("pending", "staff", "morning", f"Booked{self.count}, Ana"))
        self.assertEqual(self.ask(order)[1]["conflict"]["rule"], "request_pending")
        listed = self.call("GET", "/api/ris/appointment-requests", token=self.reception)[1]["requests"]
        self.assertIn(asked["id"], [r["id"] for r in listed])
        self.assertEqual(self.call("GET", "/api/ris/appointment-requests", token=self.technician)[0], 200)
        # A time someone holds: refused, nothing changes. Then a free one: booked and confirmed.
        other = self.order()
        at = local_time(self.zone, self.later, "09:00")
        self.assertEqual(self.book(other, at)[0], 201)
        before = self.rows()
        status, problem = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/confirm",
                                    {"version": asked["version"], "orderId": order["id"], "roomId": self.room["id"],
                                     "startsAt": at},
                                    token=self.reception)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "slot_taken"), problem)
        self.assertEqual(self.rows(), before, "nothing changed")
        self.assertEqual(self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/confirm",
                                   {"version": asked["version"], "orderId": order["id"], "roomId": self.room["id"],
                                    "startsAt": local_time(self.zone, self.later, "11:00")},
                                   token=self.technician)[0], 403)
        status, problem = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/confirm",
                                    {"version": asked["version"], "orderId": other["id"], "roomId": self.room["id"],
                                     "startsAt": local_time(self.zone, self.later, "11:00")}, token=self.reception)
        self.assertEqual((status, problem["errors"][0]["rule"]), (400, "mismatch"), "another order than the request's")
        self.assertEqual(self.rows(), before, "nothing changed")
        status, booked = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/confirm",
                                   {"version": asked["version"], "orderId": order["id"], "roomId": self.room["id"],
                                    "startsAt": local_time(self.zone, self.later, "11:00")}, token=self.reception)
        self.assertEqual((status, booked["orderStatus"]), (201, "scheduled"), booked)
        now = self.call("GET", f"/api/ris/appointment-requests/{asked['id']}")[1]
        self.assertEqual((now["status"], now["appointmentId"]), ("confirmed", booked["id"]))
        confirmed = self.call("GET", "/api/ris/appointment-requests?status=confirmed")[1]["requests"]
        self.assertIn(asked["id"], [r["id"] for r in confirmed])
        audit = self.server.json(f"/api/audit?patient={asked['patient']['mrn']}&limit=100")
        self.assertIn(("rosa", f"asked for appointment request {asked['id']}"),
                      [(e["actor"], e["detail"].split(" (")[0]) for e in audit])

    def test_a_request_is_declined_with_a_reason_and_may_be_asked_again(self):
        order = self.order()
        asked = self.ask(order)[1]
        status, problem = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/decline",
                                    {"version": asked["version"], "reason": " "}, token=self.reception)
        self.assertEqual((status, problem["errors"][0]["rule"]), (400, "required"))
        status, declined = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/decline",
                                     {"version": asked["version"], "reason": "No contrast nurse that week"},
                                     token=self.reception)
        self.assertEqual((status, declined["status"], declined["declineReason"]),
                         (200, "declined", "No contrast nurse that week"))
        status, problem = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/decline",
                                    {"version": declined["version"], "reason": "Again"}, token=self.reception)
        self.assertEqual((status, problem["conflict"]["rule"]), (409, "request_state"))
        self.assertEqual(self.ask(order)[0], 201, "declined: the order may be asked for again")

    def test_bad_requests_are_refused_in_the_apis_terms_and_nothing_changes(self):
        order = self.order()
        before = self.rows()
        for body, field, rule in [
            ({"preferredFrom": "2020-01-01"}, "preferredFrom", "past"),
            ({"preferredFrom": "", "preferredTo": "2020-01-01"}, "preferredTo", "past"),
            ({"preferredFrom": "2027-02-30"}, "preferredFrom", "format"),
            ({"preferredTo": str(self.later - datetime.timedelta(days=1))}, "preferredTo", "order"),
            ({"preferredTime": "night"}, "preferredTime", "unknown"),
            ({"note": "x" * 1001}, "note", "too_long"),
            ({"orderId": 999999}, "orderId", "unknown"),
        ]:
            status, problem = self.ask(order, **body)
            self.assertEqual(status, 400, (body, problem))
            self.assertIn({"field": field, "rule": rule}, [{k: e[k] for k in ("field", "rule")} for e in problem["errors"]])
        for raw in (b"{", b"[]", b'{"orderId": "1"}', b'{"orderId": 1, "extra": 1}', b"{}"):
            self.assertEqual(self.call("POST", "/api/ris/appointment-requests", raw=raw, token=self.reception)[0], 400, raw)
        self.assertEqual(self.ask(order, token=self.technician)[0], 403)
        self.assertEqual(self.rows(), before, "nothing changed")
        self.assertEqual(self.call("GET", "/api/ris/appointment-requests?status=lost")[0], 400)
        self.assertEqual(self.call("GET", "/api/ris/appointment-requests/999999")[0], 404)
        self.assertEqual(self.call("POST", "/api/ris/appointment-requests/999999/decline",
                                   {"version": 1, "reason": "x"}, token=self.reception)[0], 404)
        cancelled = self.order()
        self.call("POST", f"/api/ris/orders/{cancelled['id']}/cancel", {"version": cancelled["version"], "reason": "Dup"},
                  token=self.reception)
        before = self.rows()
        self.assertEqual(self.ask(cancelled)[1]["conflict"]["rule"], "order_state")
        self.assertEqual(self.rows(), before, "nothing changed")


def store_as(test, server, patient, files, extra=()):
    """`files`, made to name the RIS `patient` (as a modality given the worklist would), stored;
    `extra`: more of dcmodify's "(gggg,eeee)=value"."""
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for i, f in enumerate(files):
            copy = Path(tmp) / f"{i}.dcm"
            shutil.copy(f, copy)
            subprocess.run(["dcmodify", "-nb", "-i", f"(0010,0020)={patient['mrn']}",
                            "-i", f"(0010,0021)={patient['mrnIssuer']}", *[a for e in extra for a in ("-i", e)],
                            str(copy)], check=True, capture_output=True)
            copies.append(copy)
        statuses, out = server.store(*copies)
        test.assertTrue(copies and all(v == 0 for v in statuses.values()), out)


MERGE_FILES = [TESTDATA / "dicom" / "dicomdir" / "98892003" / part for part in ("MR1/15820", "MR1/4919", "MR2/4950")]


class RisMergeTest(ScheduleServer):
    """Two registrations of one person merged through the API: the orders and requests move at once,
    the archive's studies follow (their files rewritten to name the patient kept, the replaced values
    kept inside), the duplicate stays found but inert, an administrator undoes it; wrong merges are
    refused in the API's terms and change nothing."""

    FILES = MERGE_FILES

    def patient(self, family):
        status, p = self.call("POST", "/api/ris/patients", {"familyName": family, "givenName": "Ana",
                                                            "birthDate": "1975-03-14", "sex": "F", "confirmedNew": True},
                              token=self.reception)
        self.assertEqual(status, 201, p)
        return p

    def store_for(self, patient):
        store_as(self, self.server, patient, self.FILES)

    def studies_of(self, patient):
        q = urllib.parse.urlencode({"PatientID": patient["mrn"], "IssuerOfPatientID": patient["mrnIssuer"]})
        status, _, body = self.server.http("GET", f"/dicom-web/studies?{q}", headers={"Accept": "application/dicom+json"})
        self.assertIn(status, (200, 204))
        return sorted(s["0020000D"]["Value"][0] for s in json.loads(body or b"[]"))

    def wait_for_studies(self, merge_id, direction, count):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            merge = self.call("GET", f"/api/ris/patient-merges/{merge_id}")[1]
            if sum(1 for s in merge["studies"] if s["direction"] == direction) == count:
                return merge
            time.sleep(0.2)
        self.fail(f"the studies did not follow the merge: {merge}")

    def rows(self):
        return [self.server.sql_rows(q) for q in (
            "SELECT id, merged_into, version FROM ris_patients ORDER BY id",
            "SELECT id, patient_id, version FROM ris_orders ORDER BY id",
            "SELECT id, status, version FROM ris_patient_merges ORDER BY id",
            "SELECT study_uid, patient_fk FROM studies ORDER BY study_uid")]

    def test_a_merge_moves_orders_requests_and_studies_and_an_administrator_undoes_it(self):
        kept, twice = self.patient("Merged Kept"), self.patient("Merged Twice")
        self.store_for(twice)
        studies = self.studies_of(twice)
        self.assertEqual(len(studies), 2)
        order = self.call("POST", "/api/ris/orders", {"patientId": twice["id"], "procedureIds": [self.chest],
                                                      "reason": "Staging", "referringPhysician": "Dr. Serra"},
                          token=self.reception)[1]
        status, asked = self.call("POST", "/api/ris/appointment-requests", {"orderId": order["id"]}, token=self.reception)
        self.assertEqual(status, 201, asked)

        status, merge = self.call("POST", "/api/ris/patient-merges", {
            "sourceId": twice["id"], "sourceVersion": twice["version"], "targetId": kept["id"],
            "targetVersion": kept["version"], "reason": "Registered twice at the desk"}, token=self.reception)
        self.assertEqual(status, 201, merge)
        self.assertEqual((merge["status"], merge["ordersMoved"], merge["requestsMoved"], merge["mergedBy"]),
                         ("merged", 1, 1, "rosa"))
        self.assertEqual(self.call("GET", f"/api/ris/orders/{order['id']}")[1]["patientId"], kept["id"])
        merge = self.wait_for_studies(merge["id"], "merged", 2)
        self.assertEqual(sorted(s["studyInstanceUid"] for s in merge["studies"]), studies)
        self.assertEqual(self.studies_of(kept), studies)
        self.assertEqual(self.studies_of(twice), [])
        self.assertEqual(merge["studiesWaiting"], 0)
        # The modality sends them again under the old ID: accepted, filed under the patient kept.
        self.store_for(twice)
        self.assertEqual(self.studies_of(twice), [])
        self.assertEqual(self.studies_of(kept), studies)

        # What a viewer reads and what a peer receives name the patient kept, and keep the old ID.
        status, _, meta = self.server.http("GET", f"/dicom-web/studies/{studies[0]}/metadata")
        self.assertEqual(status, 200)
        first = json.loads(meta)[0]
        self.assertEqual(first["00100020"]["Value"][0], kept["mrn"])
        self.assertIn(twice["mrn"], json.dumps(first["04000561"]))
        sop = first["00080018"]["Value"][0]
        series = first["0020000E"]["Value"][0]
        status, _, part10 = self.server.http("GET", f"/dicom-web/studies/{studies[0]}/series/{series}/instances/{sop}",
                                             headers={"Accept": 'multipart/related; type="application/dicom"'})
        self.assertEqual(status, 200)
        self.assertIn(kept["mrn"].encode(), part10)
        self.assertIn(b"\x00\x04\x61\x05", part10, "the Original Attributes Sequence travels with the file")

        gone = self.call("GET", f"/api/ris/patients/{twice['id']}")[1]
        self.assertEqual(gone["mergedInto"], kept["id"])
        status, body = self.call("PUT", f"/api/ris/patients/{twice['id']}", {
            k: v for k, v in gone.items() if k not in ("id", "mrn", "mrnIssuer", "createdAt", "updatedAt", "mergedInto")},
            token=self.reception)
        self.assertEqual((status, body["conflict"]["rule"]), (409, "merged"), body)
        merges = self.call("GET", f"/api/ris/patients/{kept['id']}/merges")[1]["merges"]
        self.assertEqual([m["id"] for m in merges], [merge["id"]])
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"patient": kept["mrn"]}))
        self.assertTrue(any("read the merges of RIS patient" in e["detail"] for e in audit), audit)
        self.assertTrue(any(e["actor"] == "rosa" and "merged RIS patient" in e["detail"] and twice["mrn"] in e["detail"]
                            for e in audit), audit)

        status, _ = self.call("POST", f"/api/ris/patient-merges/{merge['id']}/undo",
                              {"version": merge["version"], "reason": "Not the same person"}, token=self.reception)
        self.assertEqual(status, 403)
        status, undone = self.call("POST", f"/api/ris/patient-merges/{merge['id']}/undo",
                                   {"version": merge["version"], "reason": "Twins, not one person"})
        self.assertEqual(status, 200, undone)
        self.assertEqual(undone["status"], "undone")
        self.assertEqual(self.call("GET", f"/api/ris/orders/{order['id']}")[1]["patientId"], twice["id"])
        self.wait_for_studies(merge["id"], "undone", 2)
        self.assertEqual(self.studies_of(twice), studies)
        self.assertEqual(self.studies_of(kept), [])
        self.assertEqual(self.call("GET", f"/api/ris/patients/{twice['id']}")[1]["mergedInto"], 0)

    def test_wrong_merges_are_refused_in_the_apis_terms_and_nothing_changes(self):
        a, b = self.patient("Refused One"), self.patient("Refused Two")
        before = self.rows()
        ok = {"sourceId": a["id"], "sourceVersion": a["version"], "targetId": b["id"], "targetVersion": b["version"],
              "reason": "same"}
        for body, status, expect in (
                (ok | {"targetId": a["id"], "targetVersion": a["version"]}, 400, ("targetId", "self")),
                (ok | {"reason": ""}, 400, ("reason", "required")),
                (ok | {"targetId": "b"}, 400, ("targetId", "type")),
                ({k: v for k, v in ok.items() if k != "sourceVersion"}, 400, ("sourceVersion", "required")),
                (ok | {"targetVersion": b["version"] + 5}, 409, "stale"),
                (ok | {"targetId": 999999}, 404, None),
                (ok | {"extra": 1}, 400, None)):
            got, answer = self.call("POST", "/api/ris/patient-merges", body, token=self.reception)
            self.assertEqual(got, status, (body, answer))
            if isinstance(expect, tuple):
                self.assertIn({"field": expect[0], "rule": expect[1]},
                              [{"field": e["field"], "rule": e["rule"]} for e in answer["errors"]], answer)
            elif expect:
                self.assertEqual(answer["conflict"]["rule"], expect)
        self.assertEqual(self.call("POST", "/api/ris/patient-merges", raw=b"{not json", token=self.reception)[0], 400)
        self.assertEqual(self.call("POST", "/api/ris/patient-merges", ok, token=self.technician)[0], 403)
        self.assertEqual(self.call("POST", "/api/ris/patient-merges/999999/undo", {"version": 1, "reason": "x"})[0], 404)
        self.assertEqual(self.rows(), before)

        status, merge = self.call("POST", "/api/ris/patient-merges", ok, token=self.reception)
        self.assertEqual(status, 201, merge)
        merged = self.rows()
        c = self.patient("Refused Three")
        status, answer = self.call("POST", "/api/ris/patient-merges", {
            "sourceId": c["id"], "sourceVersion": c["version"], "targetId": a["id"],
            "targetVersion": a["version"] + 1, "reason": "again"}, token=self.reception)
        self.assertEqual((status, answer["errors"][0]["rule"]), (400, "merged"), answer)
        status, answer = self.call("POST", f"/api/ris/patient-merges/{merge['id']}/undo",
                                   {"version": merge["version"] + 1, "reason": "x"})
        self.assertEqual((status, answer["conflict"]["rule"]), (409, "stale"), answer)
        self.assertEqual(self.rows()[1:], merged[1:])


class RisReferralsTest(ScheduleServer):
    """A referring physician's view through the API: the orders that name them however the name was
    typed, with patients and bookings, and nothing else of the RIS; the rows come from the account."""

    def test_a_referrer_sees_only_the_orders_that_name_them(self):
        self.server.add_user("welby", "referring", physician="WELBY^MARCUS")
        welby = self.server.create_token("welby")
        made = []
        for referrer in ("Dr. Marcus Welby", "Dr. Elena Serra", "Welby, Marcus"):
            order = self.order()
            status, order = self.call("POST", "/api/ris/orders", {
                "patientId": order["patientId"], "procedureIds": [self.chest], "reason": "Cough",
                "referringPhysician": referrer}, token=self.reception)
            self.assertEqual(status, 201, order)
            made.append(order)
        at = datetime.datetime.combine(self.later, datetime.time(10, 0), zoneinfo.ZoneInfo(self.zone))
        status, booked = self.book(made[0], at.isoformat())
        self.assertEqual(status, 201, booked)
        status, _ = self.call("POST", f"/api/ris/orders/{made[2]['id']}/cancel",
                              {"version": made[2]["version"], "reason": "Asked twice"}, token=self.reception)
        self.assertEqual(status, 200)

        status, body = self.call("GET", "/api/ris/referrals", token=welby)
        self.assertEqual(status, 200, body)
        self.assertEqual([r["order"]["id"] for r in body["referrals"]], [made[0]["id"]])
        seen = body["referrals"][0]
        self.assertEqual((seen["procedures"], seen["patient"]["mrn"], seen["appointment"]["room"]),
                         (["CT chest"], self.call("GET", f"/api/ris/patients/{made[0]['patientId']}")[1]["mrn"], "CT 1"))
        status, body = self.call("GET", "/api/ris/referrals?status=all", token=welby)
        self.assertEqual([r["order"]["id"] for r in body["referrals"]], [made[2]["id"], made[0]["id"]])
        # Nothing else of the RIS, and no way to ask for another physician's rows.
        for path in ("/api/ris/patients?q=Booked", f"/api/ris/orders/{made[1]['id']}", f"/api/ris/patients/{made[1]['patientId']}",
                     "/api/ris/calendar?from=2030-01-01&days=1"):
            self.assertEqual(self.call("GET", path, token=welby)[0], 403, path)
        self.assertEqual(self.call("GET", "/api/ris/referrals?physician=SERRA%5EELENA", token=welby)[0], 400)
        self.assertEqual(self.call("GET", "/api/ris/referrals?status=mine", token=welby)[0], 400)
        self.assertEqual(self.call("GET", "/api/ris/referrals", token=self.reception)[0], 403)
        self.assertEqual(self.call("GET", "/api/ris/clinic", token=welby)[0], 200)
        audit = self.server.json("/api/audit?" + urllib.parse.urlencode({"user": "welby"}))
        self.assertTrue(any("of their referrals" in e["detail"] and seen["patient"]["mrn"] in e["detail"]
                            for e in audit), audit)

    def test_a_referrer_asks_for_an_appointment_for_their_own_orders_only(self):
        self.server.add_user("casals", "referring", physician="CASALS^ANNA")
        self.server.add_user("serra", "referring", physician="SERRA")  # one word: names too many to own an order
        casals, serra = self.server.create_token("casals"), self.server.create_token("serra")
        made = []
        for referrer in ("Dra. Anna Casals", "Dr. Elena Serra"):
            status, order = self.call("POST", "/api/ris/orders", {
                "patientId": self.order()["patientId"], "procedureIds": [self.chest], "reason": "Cough",
                "referringPhysician": referrer}, token=self.reception)
            self.assertEqual(status, 201, order)
            made.append(order)
        ask = {"preferredFrom": str(self.later), "preferredTo": str(self.later + datetime.timedelta(days=4)),
               "preferredTime": "morning", "note": "Mornings suit her"}
        before = self.server.sql_rows("SELECT COUNT(*) FROM ris_appointment_requests")
        for order, token in ((made[1], casals), (made[1], serra), ({"id": 999999}, casals)):
            status, body = self.call("POST", "/api/ris/appointment-requests", dict(ask, orderId=order["id"]), token=token)
            self.assertEqual(status, 400, body)
            self.assertEqual([(e["field"], e["rule"]) for e in body["errors"]], [("orderId", "unknown")])
        self.assertEqual(self.server.sql_rows("SELECT COUNT(*) FROM ris_appointment_requests"), before)
        status, asked = self.call("POST", "/api/ris/appointment-requests", dict(ask, orderId=made[0]["id"]), token=casals)
        self.assertEqual(status, 201, asked)
        self.assertEqual((asked["source"], asked["status"]), ("referrer", "pending"))
        # Still no reading of the requests list: that is the desk's.
        self.assertEqual(self.call("GET", "/api/ris/appointment-requests", token=casals)[0], 403)
        status, body = self.call("GET", "/api/ris/referrals", token=casals)
        self.assertEqual(body["referrals"][0]["request"], {"status": "pending", "declineReason": ""})
        status, _ = self.call("POST", f"/api/ris/appointment-requests/{asked['id']}/decline",
                              {"version": asked["version"], "reason": "No scanner that week"}, token=self.reception)
        self.assertEqual(status, 200)
        status, body = self.call("GET", "/api/ris/referrals", token=casals)
        self.assertEqual(body["referrals"][0]["request"], {"status": "declined", "declineReason": "No scanner that week"})


class RisDemoTest(unittest.TestCase):
    """`vireo demo` (run by `make run`): a working centre's RIS, added once."""

    def test_the_demo_fills_an_empty_ris_once(self):
        server = Server().start()
        try:
            r = server.cli("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("5 rooms, 40 procedures, 200 patients, 160 orders", r.stdout)
            rooms = server.json("/api/ris/rooms")["rooms"]
            self.assertEqual(sorted(room["modality"] for room in rooms), ["CR", "CT", "MG", "MR", "US"])
            self.assertTrue(all(room["hours"] for room in rooms))
            procedures = server.json("/api/ris/procedures")["procedures"]
            self.assertEqual(len(procedures), 40)
            self.assertTrue(any(p["needsContrastTechnician"] and "creatinine" in p["preparation"] for p in procedures))
            patients = server.json("/api/ris/patients?limit=500")["patients"]
            self.assertEqual(len(patients), 200)
            self.assertTrue(any(p["contrastAllergy"] for p in patients))
            orders = [o for p in patients[:40] for o in server.json(f"/api/ris/orders?patient={p['id']}")["orders"]]
            self.assertTrue(orders and all(o["accessionNumber"] for o in orders))
            # Two weeks of appointments around today, in every state, made by the schedule's rules.
            today = datetime.date.today()
            cal = server.json(f"/api/ris/calendar?from={today - datetime.timedelta(days=8)}&days=17")
            self.assertGreater(len(cal["appointments"]), 100)
            self.assertEqual({a["status"] for a in cal["appointments"]}, {"booked", "arrived", "no_show"})
            self.assertEqual(server.sql_rows("SELECT COUNT(*) > 0 FROM ris_appointments WHERE status = 'cancelled'")[0][0],
                             "t" if server.database else "1")
            self.assertTrue({"acquired", "no_show"} <= {a["orderStatus"] for a in cal["appointments"]})
            self.assertEqual(server.sql_rows("SELECT COUNT(*) FROM ris_orders WHERE status = 'acquired' AND "
                                             "reader_id = 0"), [["0"]], "each acquired exam has its radiologist")
            staff = server.json("/api/ris/staff")["staff"]
            self.assertTrue(any(m["radiologist"] for m in staff) and any(m["contrastTechnician"] for m in staff))
            # The demo's radiologist account (make run) finds exams of hers waiting to be read.
            server.add_user("radiologist", "radiologist")
            status, _, body = server.http("GET", "/api/reading", token=server.create_token("radiologist"))
            self.assertEqual(status, 200, body)
            reading = json.loads(body)
            acquired = int(server.sql_rows("SELECT COUNT(*) FROM ris_orders WHERE status = 'acquired'")[0][0])
            self.assertTrue(0 < reading["total"] < acquired, (reading["total"], acquired))
            # The CT scanner asks for its coming week (as the README shows) and gets its own room's steps.
            week = f"{today:%Y%m%d}-{today + datetime.timedelta(days=7):%Y%m%d}"
            answers = server.tmp / "worklist"
            answers.mkdir()
            r = server.tool("findscu", "-v", "-W", "-X", "-od", str(answers), "-aet", "CT1_SOMATOM", "-aec", server.aet,
                            "-k", "(0040,0100)[0].ScheduledStationAETitle=CT1_SOMATOM",
                            "-k", f"(0040,0100)[0].ScheduledProcedureStepStartDate={week}",
                            "-k", "PatientName", "-k", "AccessionNumber", "127.0.0.1", str(server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)
            steps = [subprocess.run(["dcmdump", str(f)], capture_output=True, text=True).stdout
                     for f in answers.glob("rsp*.dcm")]
            self.assertGreater(len(steps), 3, r.stdout[-2000:])
            self.assertTrue(all("[CT1_SOMATOM]" in step for step in steps), "another room's step")
            again = server.cli("demo")
            self.assertEqual(again.returncode, 0, again.stderr)
            self.assertIn("no demo data added", again.stdout)
            self.assertEqual(len(server.json("/api/ris/patients?limit=500")["patients"]), 200)
        finally:
            server.cleanup()

    def test_the_demo_links_the_clinics_own_studies_to_their_patients_and_orders(self):
        server = Server().start()
        try:
            # A study of the clinic's own patient (its issuer), as the demo's phantoms are.
            store_as(self, server, {"mrn": "P900001", "mrnIssuer": "VIREO"}, MERGE_FILES[:1],
                     extra=("(0010,0010)=RIBAS^NURIA", "(0010,0030)=19800212", "(0010,0040)=F",
                            "(0008,0050)=A900001", "(0008,0020)=20261201", "(0008,0030)=101500"))
            r = server.cli("demo")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("1 studies of the archive linked to their patients and orders, 1 of their patients with a "
                          "signed report of the year before", r.stdout)
            found = server.json("/api/ris/patients?q=P900001")["patients"]
            self.assertEqual([(p["familyName"], p["givenName"], p["birthDate"], p["mrnIssuer"]) for p in found],
                             [("Ribas", "Nuria", "1980-02-12", "VIREO")])
            orders = server.json(f"/api/ris/orders?patient={found[0]['id']}")["orders"]
            linked = [o for o in orders if o["accessionNumber"] == "A900001"]
            self.assertEqual([o["status"] for o in linked], ["acquired"])
            # A year before, the same exam, its report signed by Dr. Welby: her prior report.
            self.assertEqual(len(orders), 2, orders)
            server.add_user("radiologist", "radiologist")
            status, _, body = server.http("GET", f"/api/reading/{linked[0]['id']}/priors",
                                          token=server.create_token("radiologist"))
            self.assertEqual(status, 200, body)
            priors = json.loads(body)["items"]
            self.assertEqual(len(priors), 1, priors)
            self.assertTrue(priors[0]["exam"]["appointment"]["startsAt"].startswith("2025-12"), priors[0]["exam"])
            self.assertEqual([v["signature"]["signerName"] for v in priors[0]["versions"]], ["Dr. Marcus Welby"])
            orders = linked
            studies = server.json("/dicom-web/studies?AccessionNumber=A900001")
            self.assertEqual(orders[0]["studyInstanceUid"], studies[0]["0020000D"]["Value"][0],
                             "the order names the study its images are in")
        finally:
            server.cleanup()
