"""UPS-RS (PS3.18 11) as a pipeline or a modern modality lives it, through plain HTTP requests and
an independent WebSocket client (the npm package ws): the RIS's bookings are workitems; a client
searches its station's worklist, reads a workitem, subscribes, claims it with its Transaction UID,
completes it, and hears each change on its event channel; the order follows (in progress,
acquired) and the audit trail shows each step. A cancellation asked for is recorded and told;
only one who keeps the schedule cancels a booking by it. A filtered subscription hears only its
station's, and keeps hearing a workitem it matched. Bad requests get the proper 4xx, change
nothing, and the next request is answered."""
import datetime
import json
import queue
import subprocess
import threading
import time
import unittest
import uuid

from test_mwl import WEB, ImagesMeetTheirOrdersTest, ScannerServer
from test_security import Browser
from test_web import built, run_e2e

GLOBAL = "1.2.840.10008.5.1.4.34.5"
FILTERED = "1.2.840.10008.5.1.4.34.5.1"
DICOM_JSON = "application/dicom+json"


def first(ds, key):
    """The first value of a DICOM JSON attribute (None when absent or empty)."""
    values = ds.get(key, {}).get("Value", [])
    return values[0] if values else None


class Channel:
    """An AE's event channel, opened by the ws peer; its lines read as they come."""

    def __init__(self, server, token, ae, count=50, seconds=120):
        url = f"wss://127.0.0.1:{server.http_port}/dicom-web/subscribers/{ae}"
        self.proc = subprocess.Popen(["node", str(WEB / "peers" / "ups_channel.mjs"), url,
                                      str(server.data_dir / "tls" / "cert.pem"), token, str(count), str(seconds)],
                                     cwd=WEB, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put({"ended": True})
        self.proc.stdout.close()

    def next(self, timeout=20):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return {"nothing": True}

    def opened(self):
        line = self.next()
        assert line.get("open"), line
        return self

    def reports(self, n, timeout=20):
        """The next n event reports (fewer if the channel ends or falls silent)."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            line = self.next(max(0.1, deadline - time.monotonic()))
            if "report" in line:
                out.append(line["report"])
            elif "nothing" not in line:
                break
        return out

    def settled(self, quiet=2):
        """Every report until the channel is quiet for `quiet` seconds."""
        out = []
        while True:
            got = self.reports(1, timeout=quiet)
            if not got:
                return out
            out += got

    def close(self):
        self.proc.kill()
        self.proc.wait()


class WorkitemsTest(ScannerServer):
    SOURCE = ImagesMeetTheirOrdersTest.SOURCE
    send = ImagesMeetTheirOrdersTest.send
    eventually = ImagesMeetTheirOrdersTest.eventually

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.add_user("ada", "admin")
        cls.admin = cls.server.create_token("ada")

    def ups(self, method, path, body=None, token=None, content_type=DICOM_JSON, accept=DICOM_JSON):
        """(status, headers, parsed body) of a UPS-RS request."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = content_type
        status, headers_out, out = self.server.http(method, "/dicom-web" + path, body=data, headers=headers,
                                                    token=token or self.technician)
        try:
            parsed = json.loads(out) if out else None
        except ValueError:
            parsed = out
        return status, headers_out, parsed

    def workitem_of(self, order):
        status, _, found = self.ups("GET", "/workitems?ReferencedRequestSequence.AccessionNumber=" +
                                    order["accessionNumber"])
        self.assertEqual(status, 200, found)
        self.assertEqual(len(found), 1, found)
        return found[0]

    def state(self, uid):
        status, _, got = self.ups("GET", f"/workitems/{uid}")
        self.assertEqual(status, 200, got)
        return first(got[0], "00741000")

    def order_status(self, order):
        return self.call("GET", f"/api/ris/orders/{order['id']}")[1]["status"]

    def set_state(self, uid, state, transaction, token=None):
        return self.ups("PUT", f"/workitems/{uid}/state", {
            "00741000": {"vr": "CS", "Value": [state]}, "00081195": {"vr": "UI", "Value": [transaction]}}, token=token)

    def test_a_pipeline_finds_claims_and_completes_its_workitem_and_hears_each_change(self):
        patient, order, _ = self.booked("Ferrer", "Pau", self.ct1, 0, [self.chest["id"], self.abdomen["id"]],
                                        contrastAllergy=True)
        _, other, _ = self.booked("Vidal", "Marta", self.ct2, 30)
        day = self.today.strftime("%Y%m%d")
        status, _, found = self.ups("GET", "/workitems?ScheduledStationNameCodeSequence.CodeValue=CTSCAN1"
                                    f"&ProcedureStepState=SCHEDULED&ScheduledProcedureStepStartDateTime={day}-{day}")
        self.assertEqual(status, 200, found)
        mine = [w for w in found if first(first(w, "0040A370"), "00080050") == order["accessionNumber"]]
        self.assertEqual(len(mine), 1, found)
        self.assertTrue(all(first(first(w, "00404025"), "00080100") == "CTSCAN1" for w in found),
                        "another station's workitem was offered")
        w = mine[0]
        uid = first(w, "00080018")
        self.assertTrue(uid.startswith("2.25."), uid)
        self.assertEqual(first(w, "00080016"), "1.2.840.10008.5.1.4.34.6.1")
        self.assertEqual(first(w, "00741000"), "SCHEDULED")
        self.assertEqual(first(w, "00404041"), "READY")
        self.assertEqual(first(w, "00100010"), {"Alphabetic": "Ferrer^Pau"})
        self.assertEqual(first(w, "00100020"), patient["mrn"])
        self.assertEqual(first(w, "0020000D"), order["studyInstanceUid"])
        self.assertEqual(first(w, "00741200"), "HIGH", "an urgent order")
        self.assertEqual(first(w, "00741204"), "CT chest + CT abdomen")
        self.assertEqual(first(w, "00102000"), "CONTRAST ALLERGY")
        self.assertTrue(first(w, "00404005").startswith(day), first(w, "00404005"))
        self.assertEqual([first(c, "00080100") for c in w["00404018"]["Value"]], ["CT-THX", "CT-ABD"])
        request = first(w, "0040A370")
        self.assertEqual(first(request, "00401001"), order["accessionNumber"])
        self.assertEqual(first(first(w, "00404026"), "00080100"), "CT")
        self.assertNotIn("00081195", json.dumps(w), "the Transaction UID is never disclosed")
        # The same workitem by its UID, and by retrieval.
        status, _, by_uid = self.ups("GET", f"/workitems?SOPInstanceUID={uid}")
        self.assertEqual([first(x, "00080018") for x in by_uid], [uid])
        status, headers, got = self.ups("GET", f"/workitems/{uid}")
        self.assertEqual(status, 200, got)
        self.assertEqual(headers["Content-Type"], DICOM_JSON)
        self.assertEqual(got, [w])

        # The pipeline's channel, then its subscription to the whole worklist: the state of each
        # workitem not ended comes at once.
        channel = Channel(self.server, self.technician, "AI_PIPE").opened()
        try:
            status, _, body = self.ups("POST", f"/workitems/{GLOBAL}/subscribers/AI_PIPE?deletionlock=true")
            self.assertEqual(status, 201, body)
            other_uid = first(self.workitem_of(other), "00080018")
            initial = {first(r, "00001000"): first(r, "00741000") for r in channel.settled()}
            self.assertEqual(initial.get(uid), "SCHEDULED", initial)
            self.assertEqual(initial.get(other_uid), "SCHEDULED", initial)

            claim = "2.25." + str(uuid.uuid4().int)
            status, _, body = self.set_state(uid, "IN PROGRESS", claim)
            self.assertEqual(status, 200, body)
            self.assertEqual(self.order_status(order), "in_progress", "claiming the workitem starts the exam")
            report = channel.reports(1)[0]
            self.assertEqual((first(report, "00001000"), first(report, "00001002"), first(report, "00741000")),
                             (uid, 1, "IN PROGRESS"))
            self.assertEqual(first(report, "00000002"), "1.2.840.10008.5.1.4.34.6.4")

            # Another's Transaction UID ends nothing.
            status, headers, body = self.set_state(uid, "COMPLETED", "2.25.12345")
            self.assertEqual(status, 409, body)
            self.assertIn("Transaction UID", headers["Warning"])
            self.assertEqual(self.order_status(order), "in_progress")

            status, headers, _ = self.set_state(uid, "COMPLETED", claim)
            self.assertEqual(status, 200)
            self.assertEqual(self.order_status(order), "acquired")
            self.assertEqual(first(channel.reports(1)[0], "00741000"), "COMPLETED")
            status, headers, _ = self.set_state(uid, "COMPLETED", claim)
            self.assertEqual(status, 200, "completed twice by its performer: done already")
            self.assertIn("already COMPLETED", headers["Warning"])

            # A technician's pipeline asks to cancel a scheduled one: recorded and told, the
            # booking left for staff.
            status, headers, body = self.ups("POST", f"/workitems/{other_uid}/cancelrequest", {
                "00741238": {"vr": "LT", "Value": ["Contrast injector out of order"]},
                "0074100C": {"vr": "LO", "Value": ["CT desk"]},
                "0074100A": {"vr": "UR", "Value": ["tel:+34930000001"]}})
            self.assertEqual(status, 202, body)
            self.assertIn("recorded", headers["Warning"])
            report = channel.reports(1)[0]
            self.assertEqual((first(report, "00001000"), first(report, "00001002")), (other_uid, 2))
            self.assertEqual((first(report, "00741238"), first(report, "0074100C"), first(report, "0074100A")),
                             ("Contrast injector out of order", "CT desk", "tel:+34930000001"))
            self.assertEqual(first(report, "00741236"), "tomas")
            self.assertEqual((self.state(other_uid), self.order_status(other)), ("SCHEDULED", "scheduled"))
            status, _, got = self.ups("GET", f"/workitems/{other_uid}")
            progress = first(got[0], "00741002")
            self.assertIn("Contrast injector out of order", first(progress, "00741238"))
            self.assertEqual(first(first(progress, "00741008"), "0074100C"), "CT desk")
            # One who keeps the schedule asks: the booking is cancelled, by the schedule's rules.
            status, headers, body = self.ups("POST", f"/workitems/{other_uid}/cancelrequest", token=self.admin)
            self.assertEqual(status, 202, body)
            self.assertIn("cancelled", headers["Warning"])
            asked, cancelled = channel.reports(2)
            self.assertEqual((first(asked, "00001002"), first(asked, "00741236")), (2, "ada"))
            self.assertEqual((first(cancelled, "00001000"), first(cancelled, "00001002"), first(cancelled, "00741000")),
                             (other_uid, 1, "CANCELED"))
            self.assertIn("Cancellation asked for through the worklist service", first(cancelled, "00741238"))
            self.assertEqual(self.order_status(other), "requested", "the order waits to be booked again")
            status, _, body = self.ups("POST", f"/workitems/{other_uid}/cancelrequest")
            self.assertEqual(status, 409, "cancelled already")
        finally:
            channel.close()

        # Each step is in the audit trail, as the technician's account's.
        events = self.server.json("/api/audit?user=tomas&limit=200")
        details = " | ".join(e.get("detail", "") for e in events)
        for said in ("set to IN PROGRESS: workitem " + uid, "set to COMPLETED: workitem " + uid,
                     "asked to cancel workitem " + other_uid, "subscribed AE AI_PIPE to the worklist",
                     "opened the workitem event channel of AE AI_PIPE"):
            self.assertIn(said, details)
        self.assertTrue(any(e["detail"].startswith("searched workitems") and patient["mrn"] in e["detail"]
                            for e in events), "a search's patients are not in the trail")
        claimed = [e for e in events if "set to IN PROGRESS: workitem " + uid in e.get("detail", "")]
        self.assertEqual(claimed[0]["patientId"], patient["mrn"])

    def test_its_performer_cancels_a_claimed_workitem_and_updates_are_checked_not_kept(self):
        _, order, _ = self.booked("Mas", "Biel", self.ct2, 150)
        uid = first(self.workitem_of(order), "00080018")
        claim = "2.25." + str(uuid.uuid4().int)
        self.assertEqual(self.set_state(uid, "IN PROGRESS", claim)[0], 200)
        dataset = {"00741216": {"vr": "SQ", "Value": []}}
        status, headers, _ = self.ups("POST", f"/workitems/{uid}?transaction={claim}", dataset)
        self.assertEqual(status, 200)
        self.assertIn("not kept", headers["Warning"])
        self.assertEqual(self.ups("POST", f"/workitems/{uid}?transaction=2.25.9", dataset)[0], 409)
        self.assertEqual(self.ups("POST", f"/workitems/{uid}", dataset)[0], 409)
        status, _, body = self.set_state(uid, "CANCELED", claim)
        self.assertEqual(status, 200, body)
        self.assertEqual((self.state(uid), self.order_status(order)), ("CANCELED", "requested"))
        self.assertEqual(self.ups("POST", f"/workitems/{uid}?transaction={claim}", dataset)[0], 409, "ended")

    def test_a_page_of_another_site_cannot_open_a_channel_with_a_session(self):
        self.server.add_user("marc", "technician", password="Scanner-Desk-2026")
        browser = Browser(self.server)
        self.assertEqual(browser.login("marc", "Scanner-Desk-2026")[0], 200)
        upgrade = {"Cookie": browser.cookie, "Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        status, _, body = self.server.http("GET", "/dicom-web/subscribers/MARC", token=None,
                                           headers=dict(upgrade, Origin="https://evil.example"))
        self.assertEqual(status, 403, body)
        # The site's own page is let through (a plain GET, then, is told to upgrade).
        status, _, body = self.server.http("GET", "/dicom-web/subscribers/MARC", token=None,
                                           headers={"Cookie": browser.cookie,
                                                    "Origin": f"https://127.0.0.1:{self.server.http_port}"})
        self.assertEqual(status, 426, body)
        # Another account does not end the pipeline's subscriptions; an administrator may.
        self.assertEqual(self.ups("POST", f"/workitems/{GLOBAL}/subscribers/OWNED")[0], 201)
        status, _, body = self.ups("DELETE", f"/workitems/{GLOBAL}/subscribers/OWNED",
                                   token=self.server.create_token("marc"))
        self.assertEqual(status, 409, body)
        self.assertEqual(self.ups("DELETE", f"/workitems/{GLOBAL}/subscribers/OWNED", token=self.admin)[0], 200)

    def test_a_filtered_subscription_hears_its_station_and_an_exam_begun_elsewhere_has_no_claim(self):
        channel = Channel(self.server, self.technician, "CT2_VIEW").opened()
        try:
            status, _, body = self.ups(
                "POST", f"/workitems/{FILTERED}/subscribers/CT2_VIEW?ScheduledStationNameCodeSequence.CodeValue=CTSCAN2")
            self.assertEqual(status, 201, body)
            channel.settled()  # the state of what it covers already
            _, mine, appointment = self.booked("Soler", "Joan", self.ct2, 60)
            self.booked("Puig", "Laia", self.ct1, 60)
            reports = channel.reports(2, timeout=8)
            uid = first(self.workitem_of(mine), "00080018")
            self.assertEqual([(first(r, "00001000"), first(r, "00741000")) for r in reports], [(uid, "SCHEDULED")],
                             "another station's booking was told")
            # A filter on SCHEDULED: the workitem it matched is still heard once it starts.
            status, _, body = self.ups(
                "POST", f"/workitems/{FILTERED}/subscribers/CT2_VIEW?ScheduledStationNameCodeSequence.CodeValue=CTSCAN2"
                "&ProcedureStepState=SCHEDULED")
            self.assertEqual(status, 201, body)
            channel.settled()
            # Started at the desk (not claimed here): IN PROGRESS, but no Transaction UID ends it.
            status, body = self.call("POST", f"/api/ris/appointments/{appointment['id']}/arrive",
                                     {"version": appointment["version"]}, token=self.technician)
            self.assertEqual(status, 200, body)
            status, body = self.call("POST", f"/api/ris/appointments/{appointment['id']}/start",
                                     {"version": body["version"]}, token=self.technician)
            self.assertEqual(status, 200, body)
            self.assertEqual([first(r, "00741000") for r in channel.reports(1)], ["IN PROGRESS"])
            status, headers, _ = self.set_state(uid, "COMPLETED", "2.25.777")
            self.assertEqual(status, 409)
            self.assertIn("without a claim", headers["Warning"])
            # Suspended, then gone: no subscription is left to tell.
            self.assertEqual(self.ups("POST", f"/workitems/{FILTERED}/subscribers/CT2_VIEW/suspend")[0], 200)
            self.assertEqual(self.ups("DELETE", f"/workitems/{GLOBAL}/subscribers/CT2_VIEW")[0], 200)
            self.assertEqual(self.ups("POST", f"/workitems/{FILTERED}/subscribers/CT2_VIEW/suspend")[0], 404)
        finally:
            channel.close()

    def test_the_technicians_list_shows_who_took_the_exam_and_a_cancellation_asked_for(self):
        """In Chromium (web/e2e/worklist-client.e2e.mjs)."""
        built()
        self.server.add_user("nuria", "technician", password="Scanner-Room-2026")
        _, order, _ = self.booked("Camps", "Aina", self.ct1, 120)
        uid = first(self.workitem_of(order), "00080018")
        self.assertEqual(self.set_state(uid, "IN PROGRESS", "2.25." + str(uuid.uuid4().int))[0], 200)
        reason = "Patient feels unwell"
        status, _, body = self.ups("POST", f"/workitems/{uid}/cancelrequest",
                                   {"00741238": {"vr": "LT", "Value": [reason]}})
        self.assertEqual(status, 202, body)
        self.assertEqual(self.state(uid), "IN PROGRESS", "in progress: its performer decides")
        # Another exam whose images came: its row opens them.
        patient, imaged, _ = self.booked("Pons", "Ot", self.ct2, 180)
        study = self.send(patient["mrn"], patient["mrnIssuer"], imaged["accessionNumber"])
        self.eventually(lambda: self.order_status(imaged) == "acquired", "the images did not meet their order")
        run_e2e(self, "worklist-client", self.server, "nuria", "Scanner-Room-2026",
                VIREO_ACCESSION=order["accessionNumber"], VIREO_PERFORMER="tomas", VIREO_REASON=reason,
                VIREO_IMAGED_ACCESSION=imaged["accessionNumber"], VIREO_STUDY=study)

    def test_bad_requests_get_4xx_and_change_nothing(self):
        _, order, _ = self.booked("Roca", "Nil", self.ct1, 90)
        uid = first(self.workitem_of(order), "00080018")
        tables = ["SELECT id, status, version FROM ris_orders ORDER BY id",
                  "SELECT id, status, version, updated_at FROM ris_appointments ORDER BY id",
                  "SELECT * FROM ris_workitems ORDER BY appointment_id",
                  "SELECT id, ae_title, kind, workitem_uid, suspended_at FROM ris_workitem_subscriptions ORDER BY id"]
        before = [self.server.sql_rows(q) for q in tables]
        refused = [
            ("GET", "/workitems?Nonsense=1", None, 400),
            ("GET", "/workitems?ScheduledProcedureStepPriority=HIGH", None, 400),  # not a matching key here
            ("GET", "/workitems?ScheduledProcedureStepStartDateTime=2027", None, 400),
            ("GET", "/workitems?ScheduledProcedureStepStartDateTime=20270230", None, 400),
            ("GET", "/workitems?limit=0", None, 400),
            ("GET", "/workitems/not-a-uid", None, 400),
            ("GET", "/workitems/2.25.1", None, 404),
            ("PUT", f"/workitems/{uid}/state", None, 400),
            ("PUT", f"/workitems/{uid}/state", b"{not json", 400),
            ("PUT", f"/workitems/{uid}/state", {"00741000": {"vr": "CS", "Value": ["IN PROGRESS"]}}, 400),
            ("PUT", f"/workitems/{uid}/state", {"00741000": {"vr": "CS", "Value": ["SCHEDULED"]},
                                                "00081195": {"vr": "UI", "Value": ["2.25.5"]}}, 400),
            ("PUT", f"/workitems/{uid}/state", {"00741000": {"vr": "CS", "Value": ["IN PROGRESS"]},
                                                "00081195": {"vr": "UI", "Value": ["not a uid"]}}, 400),
            ("PUT", f"/workitems/{uid}/state", {"00741000": {"vr": "CS", "Value": [7]},
                                                "00081195": {"vr": "UI", "Value": ["2.25.5"]}}, 400),
            ("PUT", f"/workitems/{uid}/state", {"00741000": {"vr": "CS", "Value": ["COMPLETED"]},
                                                "00081195": {"vr": "UI", "Value": ["2.25.5"]}}, 409),
            ("PUT", "/workitems/2.25.1/state", {"00741000": {"vr": "CS", "Value": ["IN PROGRESS"]},
                                                "00081195": {"vr": "UI", "Value": ["2.25.5"]}}, 404),
            ("POST", "/workitems/2.25.1/cancelrequest", None, 404),
            ("POST", f"/workitems/{uid}/subscribers/{'X' * 17}", None, 400),
            ("POST", "/workitems/2.25.1/subscribers/AE", None, 404),
            ("POST", f"/workitems/{uid}/subscribers/AE?deletionlock=maybe", None, 400),
            ("POST", f"/workitems/{GLOBAL}/subscribers/AE?PatientID=1", None, 400),
            ("POST", f"/workitems/{FILTERED}/subscribers/AE?Nonsense=1", None, 400),
            ("POST", f"/workitems/{uid}/subscribers/AE/suspend", None, 400),
            ("POST", "/workitems", {}, 405),
            ("POST", f"/workitems/{uid}", {}, 409),  # an update of a workitem nobody claimed
            ("POST", f"/workitems/{uid}?transaction=2.25.5", b"[1,", 400),
            ("GET", "/subscribers/AE", None, 426),  # not a WebSocket upgrade
        ]
        for method, path, body, expected in refused:
            with self.subTest(method=method, path=path):
                status, _, out = self.ups(method, path, body)
                self.assertEqual(status, expected, out)
        status, _, out = self.ups("PUT", f"/workitems/{uid}/state", b"<xml/>", content_type="application/xml")
        self.assertEqual(status, 415, out)
        status, _, out = self.ups("GET", f"/workitems/{uid}", accept="application/dicom+xml")
        self.assertEqual(status, 406, out)
        # A receptionist reads the worklist but does not perform exams.
        status, _, out = self.set_state(uid, "IN PROGRESS", "2.25.6", token=self.reception)
        self.assertEqual(status, 403, out)
        self.assertEqual([self.server.sql_rows(q) for q in tables], before)
        self.assertEqual(self.state(uid), "SCHEDULED", "and the service still answers")


if __name__ == "__main__":
    unittest.main()
