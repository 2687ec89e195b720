"""QIDO-RS driven over HTTPS: directly (every level, every matching kind, bad requests,
row scope) and through dicomweb-client, the npm library OHIF uses."""
import json
import os
import re
import urllib.parse
import struct
import subprocess
import time
import unittest
from pathlib import Path

import hashlib
import zlib
import http.client
import shutil
import tempfile

from harness import DICOM, ROOT, VIREO, Server, read_meta, with_transfer_syntax


def read_meta_bytes(data):
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".dcm") as f:
        f.write(data)
        f.flush()
        return read_meta(f.name)[1]

CLIENT_DIR = ROOT / "tests" / "dicomweb"


class QidoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_env={"VIREO_DICOMWEB_PUBLIC_URL": "https://pacs.example.org/dicom-web/",
                                       "VIREO_CORS_ORIGINS": "https://viewer.example.org"}).start()
        files = [p for d in ("77654033", "98892001", "98892003") for p in (DICOM / "dicomdir" / d).rglob("*")
                 if p.is_file()]
        # A CT with the request attributes and performed procedure step keys of PS3.18 Table
        # 10.6.1-5, which the corpus lacks, added with DCMTK's dcmodify.
        cls.tmp = Path(tempfile.mkdtemp(prefix="vireo-qido-"))
        cls.ct = cls.tmp / "ct.dcm"
        shutil.copy(DICOM / "modality/CT_small.dcm", cls.ct)
        subprocess.run(["dcmodify", "-nb", "-i", "(0040,0275)[0].(0040,1001)=RP-7", "-i", "(0040,0275)[0].(0040,0009)=SPS-9",
                        "-i", "(0040,0244)=20240102", "-i", "(0040,0245)=101500", str(cls.ct)], check=True)
        statuses, out = cls.server.store(*files, cls.ct)
        assert all(v == 0 for v in statuses.values()), out
        cls.rest_studies = cls.server.json("/api/studies")
        cls.ct_uids = cls.server.json(f"/api/instances/{read_meta(cls.ct)[1][(2, 3)]}")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def qido(self, path, token="default", headers=None):
        status, h, body = self.server.http("GET", "/dicom-web" + path, token=token, headers=headers)
        return status, h, json.loads(body) if body else None

    def ok(self, path):
        status, headers, body = self.qido(path)
        self.assertEqual(status, 200, (path, body))
        self.assertEqual(headers["Content-Type"], "application/dicom+json")
        return body

    @staticmethod
    def v(ds, tag):
        return ds.get(tag, {}).get("Value", [None])[0]

    def test_studies_are_the_archive_in_the_dicom_json_model(self):
        studies = self.ok("/studies")
        self.assertEqual(len(studies), len(self.rest_studies))
        s = studies[0]
        self.assertEqual(s["0020000D"]["vr"], "UI")
        self.assertEqual(s["00100010"]["vr"], "PN")
        self.assertIn("Alphabetic", s["00100010"]["Value"][0])
        self.assertIsInstance(s["00201208"]["Value"][0], int, "IS values are numbers")
        self.assertEqual(s["00080056"]["Value"], ["ONLINE"])
        self.assertEqual(s["00081190"]["Value"][0], "https://pacs.example.org/dicom-web/studies/" + self.v(s, "0020000D"),
                         "RetrieveURL from dicomweb_public_url")
        self.assertEqual(list(s), sorted(s), "attributes in tag order")

    def test_matching_kinds_at_every_level(self):
        uids = [st["StudyInstanceUID"] for st in self.rest_studies]
        self.assertEqual(len(self.ok("/studies?PatientID=77654033")),
                         len([x for x in self.rest_studies if x["PatientID"] == "77654033"]))
        self.assertEqual(len(self.ok(f"/studies?StudyInstanceUID={uids[0]},{uids[1]}")), 2, "UID list, comma")
        self.assertEqual(len(self.ok(f"/studies?0020000D={uids[0]}")), 1, "a key given by tag")
        dates = sorted(x["StudyDate"] for x in self.rest_studies if x["StudyDate"])
        in_range = self.ok(f"/studies?StudyDate={dates[0]}-{dates[0]}")
        self.assertEqual(len(in_range), dates.count(dates[0]))
        name = self.rest_studies[0]["PatientName"]
        self.assertTrue(self.ok(f"/studies?PatientName={name[:3].lower()}*&fuzzymatching=true"), "case-insensitive")
        self.assertEqual(self.ok("/studies?PatientName=nobody*"), [], "no match is 200 []")
        series = self.ok(f"/studies/{uids[0]}/series")
        self.assertTrue(all(self.v(x, "0020000D") == uids[0] for x in series))
        self.assertTrue(self.ok("/series?Modality=CT"))
        self.assertTrue(all(self.v(x, "00080060") == "CT" for x in self.ok("/series?Modality=CT")))
        first_series = self.v(series[0], "0020000E")
        instances = self.ok(f"/studies/{uids[0]}/series/{first_series}/instances")
        self.assertEqual(len(instances), self.v(series[0], "00201209"))
        self.assertTrue(instances[0]["00081190"]["Value"][0].endswith("/instances/" + self.v(instances[0], "00080018")))
        self.assertEqual(len(self.ok(f"/studies/{uids[0]}/instances")),
                         sum(self.v(x, "00201209") for x in series))
        self.assertEqual(self.ok("/studies/1.2.3.4/series"), [], "unknown study: empty, not 404")

    def test_limit_offset_includefield_and_warnings(self):
        everything = [self.v(s, "0020000D") for s in self.ok("/studies")]
        status, headers, page = self.qido("/studies?limit=1&offset=1")
        self.assertEqual([self.v(s, "0020000D") for s in page], everything[1:2])
        self.assertIn("offset=2", headers["Warning"], "more results than the limit")
        status, headers, body = self.qido("/studies?includefield=all&includefield=StudyDescription,00081030")
        self.assertEqual(status, 200)
        self.assertIn("00081030", body[0])
        status, headers, _ = self.qido("/studies?ScheduledStationAETitle=X")
        self.assertIn("not supported for matching", headers["Warning"])

    def test_sequence_keys_and_performed_procedure_step_keys_at_series_level(self):
        series = self.ct_uids["SeriesInstanceUID"]
        for query in ("RequestAttributesSequence.RequestedProcedureID=RP-7", "00400275.00400009=SPS-9",
                      "RequestAttributesSequence.ScheduledProcedureStepID=SPS*",
                      "PerformedProcedureStepStartDate=20240101-20240103&PerformedProcedureStepStartTime=1000-1100"):
            found = self.ok("/series?" + query)
            self.assertEqual([self.v(x, "0020000E") for x in found], [series], query)
        item = self.ok("/series?RequestAttributesSequence.RequestedProcedureID=RP-7")[0]["00400275"]
        self.assertEqual(item["vr"], "SQ")
        self.assertEqual(item["Value"][0]["00401001"], {"vr": "SH", "Value": ["RP-7"]})
        self.assertEqual(item["Value"][0]["00400009"], {"vr": "SH", "Value": ["SPS-9"]})
        self.assertEqual(self.ok("/series?RequestAttributesSequence.RequestedProcedureID=RP-8"), [])
        self.assertEqual(self.ok("/series?PerformedProcedureStepStartDate=20230101-20231231"), [])
        other_study = [x for x in self.rest_studies if x["StudyInstanceUID"] != self.ct_uids["StudyInstanceUID"]][0]
        other = self.ok(f"/studies/{other_study['StudyInstanceUID']}/series")[0]["00400275"]
        self.assertEqual(other, {"vr": "SQ"}, "an empty sequence when the series has no request attributes")

    def test_includefield_beyond_the_index(self):
        uid = self.ct_uids["SOPInstanceUID"]
        [inst] = self.ok(f"/instances?SOPInstanceUID={uid}&includefield=all")
        self.assertEqual(inst["00180050"], {"vr": "DS", "Value": [5]}, "SliceThickness, not indexed")
        self.assertEqual(inst["00080070"]["Value"], ["GE MEDICAL SYSTEMS"])
        self.assertEqual(inst["7FE00010"]["BulkDataURI"], f"https://pacs.example.org/dicom-web/studies/"
                         f"{self.ct_uids['StudyInstanceUID']}/series/{self.ct_uids['SeriesInstanceUID']}/instances/{uid}"
                         "/bulkdata/7FE00010")
        [study] = self.ok(f"/studies?StudyInstanceUID={self.ct_uids['StudyInstanceUID']}&includefield=Manufacturer,"
                          "00180050&includefield=PerformedProcedureStepStartDate")
        self.assertEqual(study["00080070"]["Value"], ["GE MEDICAL SYSTEMS"])
        self.assertEqual(study["00400244"]["Value"], ["20240102"])
        self.assertNotIn("00200013", study, "only what was asked for")
        [plain] = self.ok(f"/instances?SOPInstanceUID={uid}")
        self.assertNotIn("00180050", plain)

    def test_bad_requests_get_4xx_problems_and_change_nothing(self):
        for path, code in (("/studies?limit=99999999", 400), ("/studies?limit=-1", 400), ("/studies?limit=0", 400),
                           ("/studies?includefield=NoSuchThing", 400), ("/studies?Bogus=1", 400),
                           ("/studies?StudyDate=2001-13-99x", 400), ("/studies?fuzzymatching=maybe", 400),
                           ("/studies/not..a..uid/series", 400)):
            status, headers, body = self.qido(path)
            self.assertEqual(status, code, path)
            self.assertEqual(body["status"], code, path)
        for refused in ('multipart/related; type="application/dicom+xml"',
                        'multipart/related; type="application/dicom+json"',  # JSON parts are not a JSON body
                        "application/dicom+json;q=0, */*"):
            self.assertEqual(self.qido("/studies", headers={"Accept": refused})[0], 406, refused)
        self.assertEqual(self.qido("/studies", headers={"Accept": "text/html;q=0.9, application/*;q=0.1"})[0], 200)
        self.assertEqual(self.qido("/studies", token=None)[0], 401)
        self.assertEqual(len(self.ok("/studies")), len(self.rest_studies))

    def test_capabilities_describe_every_resource(self):
        import xml.etree.ElementTree as ET
        status, headers, body = self.server.http("OPTIONS", "/dicom-web")
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(headers["Content-Type"], "application/vnd.sun.wadl+xml")
        ns = {"w": "http://wadl.dev.java.net/2009/02"}
        root = ET.fromstring(body)
        self.assertEqual(root.find("w:resources", ns).get("base"), "https://pacs.example.org/dicom-web")
        methods = {(r.get("path"), m.get("name"), m.get("id")) for r in root.iter("{%s}resource" % ns["w"])
                   for m in r.findall("w:method", ns)}
        for expected in (("studies", "GET", "SearchForStudies"), ("studies", "POST", "StoreInstances"),
                         ("studies/{study}/series/{series}/metadata", "GET", "RetrieveMetadata"),
                         ("studies/{study}/series/{series}/instances/{instance}/frames/{frames}", "GET", "RetrieveFrames"),
                         ("studies/{study}/series/{series}/pixeldata", "GET", "RetrievePixelData"),
                         ("studies/{study}", "GET", "RetrieveInstances")):
            self.assertIn(expected, methods)
        self.assertEqual(self.server.http("OPTIONS", "/dicom-web", token=None)[0], 401)

    def test_cors_for_the_configured_viewer_origin(self):
        origin = {"Origin": "https://viewer.example.org"}
        status, headers, _ = self.server.http("OPTIONS", "/dicom-web/studies", token=None,
                                              headers={**origin, "Access-Control-Request-Method": "GET",
                                                       "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://viewer.example.org")
        status, headers, _ = self.server.http("GET", "/dicom-web/studies", headers=origin)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://viewer.example.org")
        status, headers, _ = self.server.http("GET", "/dicom-web/studies", headers={"Origin": "https://other.example"})
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def test_a_patient_finds_only_their_own_studies(self):
        self.server.add_user("qpatient", "patient", patient_id="98890234")
        token = self.server.create_token("qpatient")
        for path in ("/studies", "/series", "/instances", "/studies?PatientID=77654033"):
            status, _, body = self.qido(path, token=token)
            self.assertEqual(status, 200, path)
            self.assertTrue(all(self.v(x, "00100020") == "98890234" for x in body), path)
        self.assertEqual(len(self.qido("/studies", token=token)[2]),
                         len([x for x in self.rest_studies if x["PatientID"] == "98890234"]))
        other = [x["StudyInstanceUID"] for x in self.rest_studies if x["PatientID"] != "98890234"][0]
        self.assertEqual(self.qido(f"/studies/{other}/series", token=token)[2], [])

    def test_dicomweb_client_from_npm(self):
        if not (CLIENT_DIR / "node_modules" / "dicomweb-client").exists():
            self.fail("run scripts/bootstrap.sh first (npm ci in tests/dicomweb)")
        env = dict(os.environ, VIREO_DICOMWEB=f"https://127.0.0.1:{self.server.http_port}/dicom-web",
                   VIREO_TOKEN=self.server.token,
                   NODE_EXTRA_CA_CERTS=str(self.server.data_dir / "tls" / "cert.pem"))
        r = subprocess.run(["node", "qido_client.mjs"], cwd=CLIENT_DIR, env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(sorted(s["uid"] for s in got["studies"]),
                         sorted(x["StudyInstanceUID"] for x in self.rest_studies))
        for s in got["studies"]:
            rest = [x for x in self.rest_studies if x["StudyInstanceUID"] == s["uid"]][0]
            self.assertEqual(s["patientId"], rest["PatientID"])
            self.assertEqual(s["series"], rest["NumberOfStudyRelatedSeries"])
            self.assertEqual(s["name"]["Alphabetic"], rest["PatientName"])
        rest_series = self.server.json(f"/api/studies/{got['studies'][0]['uid']}/series")
        self.assertEqual(sorted(x["uid"] for x in got["series"]), sorted(x["SeriesInstanceUID"] for x in rest_series))
        self.assertEqual(len(got["instances"]), got["series"][0]["instances"])
        self.assertEqual(got["allInstances"], self.server.json("/api/stats")["instances"])
        self.assertEqual(len(got["paged"]), 1)
        self.assertEqual(got["badRequest"], 400)
        m = got["matching"]
        by_uid = {x["StudyInstanceUID"]: x for x in self.rest_studies}
        self.assertEqual(m["single"], sorted(u for u, x in by_uid.items() if x["PatientID"] == got["studies"][0]["patientId"]))
        self.assertEqual(m["uidList"], sorted(s["uid"] for s in got["studies"][:2]))
        self.assertEqual(m["wildcard"], sorted(u for u, x in by_uid.items()
                                               if x["PatientID"].startswith(got["studies"][0]["patientId"][:3])))
        self.assertEqual(m["byTag"], [got["studies"][0]["uid"]])
        self.assertEqual(m["modality"], len([1 for st in self.rest_studies
                                             for se in self.server.json(f"/api/studies/{st['StudyInstanceUID']}/series")
                                             if se["Modality"] == got["series"][0]["modality"]]))
        self.assertGreaterEqual(m["instanceByClass"], 1)
        self.assertEqual(m["dateRange"]["count"], [x["StudyDate"] for x in self.rest_studies].count(m["dateRange"]["from"]))
        self.assertGreater(m["includefield"], 40, "includefield=all: every attribute of the instance")
        self.assertGreaterEqual(got["byName"], 1)
        # What the client retrieved is what is stored (dicomweb-client asks for transfer-syntax=*
        # or the series is uncompressed: either way, byte for byte).
        stored = {}
        for uid in got["instances"]:
            status, headers, _ = self.server.http("GET", f"/api/instances/{uid}/file")
            stored[uid] = headers["ETag"].strip('"')
        self.assertEqual(sorted(got["retrieved"]), sorted(stored.values()))
        self.assertEqual(got["retrievedOne"], stored[got["instances"][0]])


PIXELS_AS_STORED = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'


def multipart_parts(content_type, body):
    """The parts of a multipart/related body: [(headers dict, bytes)]."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type).group(1).encode()
    parts = []
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        parts.append((headers, data[:-2] if data.endswith(b"\r\n") else data))
    return parts


class WadoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()
        cls.files = [p for p in (DICOM / "dicomdir/98892001").rglob("*") if p.is_file()]
        cls.jpegls = DICOM / "transfer_syntax/MR_small_jpeg_ls_lossless.dcm"
        cls.charsets = [DICOM / "charset/chrGerm.dcm", DICOM / "charset/chrX1.dcm"]
        cls.multiframe = DICOM / "modality/MR_enhanced_multiframe.dcm"
        cls.j2k = DICOM / "transfer_syntax/CT1_J2KI.dcm"
        cls.ecg = DICOM / "modality/ECG_waveform_ecg.dcm"  # two waveforms, each in its own item
        # An encoding the archive cannot decode (MPEG-4 video, as endoscopes send).
        cls.video = with_transfer_syntax(DICOM / "transfer_syntax/SC_rgb_small_odd_jpeg.dcm", "1.2.840.10008.1.2.4.102",
                                         cls.server.tmp / "video.dcm")
        for group in (cls.files, [cls.jpegls], [cls.multiframe], [cls.j2k], [cls.video], [cls.ecg],
                      *[[c] for c in cls.charsets]):
            statuses, out = cls.server.store(*group)
            assert all(v == 0 for v in statuses.values()), out

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def retrieve(self, path, accept='multipart/related; type="application/dicom"; transfer-syntax=*', token="default"):
        return self.server.http("GET", "/dicom-web" + path, headers={"Accept": accept} if accept else {}, token=token)

    def stored(self, uid):
        status, headers, body = self.server.http("GET", f"/api/instances/{uid}/file")
        return body

    def test_a_study_as_stored_byte_for_byte(self):
        study = [x for x in self.server.json("/api/studies") if x["PatientID"] == "98890234"][0]
        status, headers, body = self.retrieve(f"/studies/{study['StudyInstanceUID']}")
        self.assertEqual(status, 200, body[:300])
        self.assertTrue(headers["Content-Type"].startswith('multipart/related; type="application/dicom"'))
        parts = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(len(parts), study["NumberOfStudyRelatedInstances"])
        for part_headers, data in parts:
            uid = read_meta_bytes(data)[(2, 3)]
            self.assertEqual(data, self.stored(uid), uid)
            self.assertIn("transfer-syntax=", part_headers["Content-Type"])

    def test_default_accept_converts_to_explicit_little_endian(self):
        uid = read_meta(self.jpegls)[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        path = f"/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}"
        status, headers, body = self.retrieve(path, accept=None)
        self.assertEqual(status, 200, body[:300])
        (part_headers, data), = multipart_parts(headers["Content-Type"], body)
        self.assertIn("transfer-syntax=1.2.840.10008.1.2.1", part_headers["Content-Type"])
        self.assertEqual(read_meta_bytes(data)[(2, 0x10)], "1.2.840.10008.1.2.1")
        status, headers, body = self.retrieve(path, accept='multipart/related; type="application/dicom"; '
                                                            'transfer-syntax=1.2.840.10008.1.2.4.80')
        (part_headers, data), = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(data, self.stored(uid), "asked for the stored syntax: as stored")

    def test_metadata_of_a_series_with_bulk_data_uris(self):
        study = [x for x in self.server.json("/api/studies") if x["PatientID"] == "98890234"][0]["StudyInstanceUID"]
        series = self.server.json(f"/api/studies/{study}/series")[0]
        path = f"/studies/{study}/series/{series['SeriesInstanceUID']}"
        status, headers, body = self.server.http("GET", "/dicom-web" + path + "/metadata")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "application/dicom+json")
        items = json.loads(body)
        self.assertEqual(len(items), series["NumberOfSeriesRelatedInstances"])
        sops = sorted(x["SOPInstanceUID"] for x in self.server.json(f"/api/series/{series['SeriesInstanceUID']}/instances"))
        self.assertEqual(sorted(i["00080018"]["Value"][0] for i in items), sops)
        first = items[0]
        self.assertNotIn("InlineBinary", first["7FE00010"], "pixel data is not inlined")
        self.assertTrue(first["7FE00010"]["BulkDataURI"].endswith(
            f"/instances/{first['00080018']['Value'][0]}/bulkdata/7FE00010"))
        self.assertEqual(first["00280010"], {"vr": "US", "Value": [first["00280010"]["Value"][0]]})
        one = json.loads(self.server.http("GET", f"/dicom-web{path}/instances/{sops[0]}/metadata")[2])
        self.assertEqual(len(one), 1)
        # Kept in the index at ingest: answered without opening the files.
        store = self.server.blobs
        keys = [k for uid in sops for k in store.keys(uid + "-")]
        self.assertEqual(len(keys), len(sops))
        away = {k: store.read(k) for k in keys}
        for k in keys:
            store.delete(k)
        try:
            again = json.loads(self.server.http("GET", "/dicom-web" + path + "/metadata")[2])
        finally:
            for k, data in away.items():
                store.write(k, data)
        self.assertEqual(again, items)
        for accept, code in (("application/dicom+xml", 406), ("application/dicom+json;q=0, */*", 406),
                             ("application/dicom+xml, application/json;q=0.5", 200)):
            self.assertEqual(self.server.http("GET", f"/dicom-web{path}/metadata", headers={"Accept": accept})[0],
                             code, accept)

    def test_metadata_text_is_utf8_with_person_name_groups(self):
        expected = {"chrGerm.dcm": {"Alphabetic": "Äneas^Rüdiger"},
                    "chrX1.dcm": {"Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東"}}
        for f in self.charsets:
            uid = read_meta(f)[1][(2, 3)]
            inst = self.server.json(f"/api/instances/{uid}")
            path = f"/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}/metadata"
            item = json.loads(self.server.http("GET", "/dicom-web" + path)[2])[0]
            self.assertEqual(item["00100010"]["Value"][0], expected[f.name], f.name)

    def frames(self, f, numbers, accept=None):
        uid = read_meta(f)[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        path = (f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}"
                f"/frames/{numbers}")
        status, headers, body = self.server.http("GET", path, headers={"Accept": accept} if accept else {})
        return status, headers, body

    def test_frames_uncompressed_multiframe(self):
        pixels = self.multiframe.read_bytes()[-10 * 64 * 64 * 2:]
        status, headers, body = self.frames(self.multiframe, "2,10")
        self.assertEqual(status, 200, body[:300])
        self.assertIn('type="application/octet-stream"', headers["Content-Type"])
        parts = multipart_parts(headers["Content-Type"], body)
        self.assertEqual([data for _, data in parts], [pixels[8192:16384], pixels[9 * 8192:]])
        self.assertTrue(parts[1][0]["Content-Location"].endswith("/frames/10"))
        for bad in ("11", "0", "1,x", "-1"):
            status, _, body = self.frames(self.multiframe, bad)
            self.assertEqual(status, 400, (bad, body))

    def test_frames_compressed_as_stored_or_decoded(self):
        status, headers, body = self.frames(self.jpegls, "1", accept='multipart/related; type="image/jls"')
        self.assertEqual(status, 200, body[:300])
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertIn("transfer-syntax=1.2.840.10008.1.2.4.80", h["Content-Type"])
        self.assertEqual(data[:4], b"\xff\xd8\xff\xf7", "a JPEG-LS bitstream (SOI, SOF55)")
        status, headers, body = self.frames(self.jpegls, "1")  # default: uncompressed
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertIn("application/octet-stream", h["Content-Type"])
        original = (DICOM / "modality/MR_small.dcm").read_bytes()
        at = original.rindex(b"\xe0\x7f\x10\x00OW\x00\x00") + 12  # Pixel Data (Explicit VR LE, OW)
        self.assertEqual(data, original[at:at + len(data)], "lossless: the same pixels as the uncompressed original")
        self.assertEqual(len(data), 64 * 64 * 2)
        status, _, _ = self.frames(self.jpegls, "1", accept='multipart/related; type="image/jpeg"')
        self.assertEqual(status, 406)
        status, headers, _ = self.frames(self.jpegls, "1", accept='multipart/related; type="image/x-jls"')
        self.assertEqual(status, 200, "the older name of image/jls")
        self.assertIn('type="image/jls"', headers["Content-Type"])

    def test_one_frame_as_a_single_part(self):
        # PS3.18 8.6: a single part payload for exactly one item, when the client asks for one.
        pixels = self.multiframe.read_bytes()[-10 * 64 * 64 * 2:]
        status, headers, body = self.frames(self.multiframe, "3", accept="application/octet-stream")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
        self.assertEqual(body, pixels[2 * 8192:3 * 8192])
        # As stored, in its own media type; decoded when only uncompressed is taken.
        status, headers, body = self.frames(self.jpegls, "1", accept="application/octet-stream; transfer-syntax=*")
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(headers["Content-Type"], "image/jls; transfer-syntax=1.2.840.10008.1.2.4.80")
        self.assertEqual(body[:4], b"\xff\xd8\xff\xf7")
        status, headers, body = self.frames(self.jpegls, "1", accept="image/jls")
        self.assertEqual((status, headers["Content-Type"][:9]), (200, "image/jls"))
        status, headers, body = self.frames(self.jpegls, "1", accept="application/octet-stream")
        self.assertEqual(headers["Content-Type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
        self.assertEqual(len(body), 64 * 64 * 2)
        # Preference by q (RFC 9110 12.5.1), before the order they are listed in; q=0 refuses.
        status, headers, _ = self.frames(self.jpegls, "1", accept='multipart/related; type="application/octet-stream"; q=0.5, '
                                                                   'multipart/related; type="image/jls"; q=0.9')
        self.assertEqual((status, headers["Content-Type"].split(";")[1].strip()), (200, 'type="image/jls"'))
        status, _, body = self.frames(self.jpegls, "1", accept='multipart/related; type="application/octet-stream"; q=0')
        self.assertEqual(status, 406, body[:300])
        # The client's order decides; several frames are never a single part.
        status, headers, _ = self.frames(self.multiframe, "3",
                                         accept='multipart/related; type="application/octet-stream", application/octet-stream')
        self.assertIn("multipart/related", headers["Content-Type"])
        status, _, body = self.frames(self.multiframe, "2,3", accept="application/octet-stream")
        self.assertEqual(status, 406, body[:300])
        self.assertIn(b"one frame also as a single part", body)
        status, headers, body = self.frames(self.multiframe, "2,3",
                                            accept='application/octet-stream, multipart/related; type="application/octet-stream"')
        self.assertEqual(len(multipart_parts(headers["Content-Type"], body)), 2)
        self.assertEqual(self.frames(self.jpegls, "1", accept="image/jpeg")[0], 406)
        # A single part is the body itself: another type with transfer-syntax=* is not a JPEG-LS frame.
        status, _, body = self.frames(self.jpegls, "1", accept="image/png; transfer-syntax=*")
        self.assertEqual(status, 406, body[:300])

    def pixel_data(self, path, accept=PIXELS_AS_STORED, token="default"):
        return self.server.http("GET", path + "/pixeldata", headers={"Accept": accept} if accept else {}, token=token)

    def test_pixel_data_of_a_series_is_every_frame_named_by_its_address(self):
        # PS3.18 10.4.1.1.6: a viewer takes a whole series in one request and knows which image
        # each part is; each part is what the frame's own address answers.
        study = [x for x in self.server.json("/api/studies") if x["PatientID"] == "98890234"][0]["StudyInstanceUID"]
        for series in self.server.json(f"/dicom-web/studies/{study}/series"):
            uid = series["0020000E"]["Value"][0]
            status, headers, body = self.pixel_data(f"/dicom-web/studies/{study}/series/{uid}")
            self.assertEqual(status, 200, body[:300])
            self.assertEqual(headers["Transfer-Encoding"], "chunked", "frames are read as the answer goes out")
            self.assertTrue(headers["Content-Type"].startswith('multipart/related; type="application/octet-stream"'))
            parts = multipart_parts(headers["Content-Type"], body)
            instances = self.server.json(f"/dicom-web/studies/{study}/series/{uid}/instances")
            expected = {f"/dicom-web/studies/{study}/series/{uid}/instances/{i['00080018']['Value'][0]}/frames/1"
                        for i in instances}
            locations = [urllib.parse.urlsplit(h["Content-Location"]).path for h, _ in parts]
            self.assertEqual(sorted(locations), sorted(expected))
            # In the order a reader scrolls: highest along the slice normal first.
            meta = {i["00080018"]["Value"][0]: i for i in self.server.json(f"/dicom-web/studies/{study}/series/{uid}/metadata")}
            sops = [loc.split("/instances/")[1].split("/")[0] for loc in locations]
            if len(sops) > 1 and all("00200032" in meta[s] for s in sops):
                o = [float(v) for v in meta[sops[0]]["00200037"]["Value"]]
                normal = (o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3])
                along = [sum(float(p) * n for p, n in zip(meta[s]["00200032"]["Value"], normal)) for s in sops]
                self.assertEqual(along, sorted(along, reverse=True), "parts in reading order")
            for (h, data), location in zip(parts, locations):
                self.assertEqual(int(h["Content-Length"]), len(data))
                status, fh, frame = self.server.http("GET", location,
                                                     headers={"Accept": "application/octet-stream; transfer-syntax=*"})
                self.assertEqual((status, fh["Content-Type"]), (200, h["Content-Type"]), location)
                self.assertEqual(frame, data, location)
        # A series read this way is one event in the audit trail, naming the patient and study.
        last = max(e["id"] for e in self.server.json("/api/audit?patient=98890234"))
        self.assertEqual(self.pixel_data(f"/dicom-web/studies/{study}/series/{uid}")[0], 200)
        new = [e for e in self.server.json("/api/audit?patient=98890234") if e["id"] > last]
        self.assertEqual([(e["action"], e["studyInstanceUid"]) for e in new], [("read", study)])

    def test_pixel_data_of_a_series_numbered_from_the_feet_comes_head_first(self):
        # vireo-synth numbers its slices from the lowest: the stream must still start where a
        # reader starts (the top), or a viewer scrolling from the first image waits for the
        # whole series.
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([VIREO.parent / "vireo-synth", "ct", Path(tmp) / "ct", "1", "6"], check=True, capture_output=True)
            files = sorted((Path(tmp) / "ct").rglob("*.dcm"), key=lambda p: int(p.stem))
            statuses, out = self.server.store(*files)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)
            z_of, numbered = {}, []
            for f in files:
                dump = subprocess.run(["dcmdump", "+P", "0008,0018", "+P", "0020,0032", str(f)], check=True,
                                      capture_output=True, text=True).stdout
                sop, position = re.findall(r"\[([^\]]*)\]", dump)[:2]
                z_of[sop] = float(position.split("\\")[2])
                numbered.append(z_of[sop])
            inst = self.server.json(f"/api/instances/{read_meta(files[0])[1][(2, 3)]}")
        self.assertEqual(numbered, sorted(numbered), "the synthetic series is numbered from the feet")
        status, headers, body = self.pixel_data(f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}")
        self.assertEqual(status, 200, body[:300])
        sops = [h["Content-Location"].split("/instances/")[1].split("/")[0]
                for h, _ in multipart_parts(headers["Content-Type"], body)]
        self.assertEqual([z_of[s] for s in sops], sorted(numbered, reverse=True))

    def test_pixel_data_of_a_multiframe_instance_and_of_compressed_images(self):
        path, _ = self.instance_path(self.multiframe)
        status, headers, body = self.pixel_data(path, accept='multipart/related; type="application/octet-stream"')
        self.assertEqual(status, 200, body[:300])
        pixels = self.multiframe.read_bytes()[-10 * 8192:]
        parts = multipart_parts(headers["Content-Type"], body)
        self.assertEqual([data for _, data in parts], [pixels[i * 8192:(i + 1) * 8192] for i in range(10)])
        self.assertEqual([h["Content-Location"].rsplit("/frames/", 1)[1] for h, _ in parts],
                         [str(n) for n in range(1, 11)])
        # Compressed: as stored with transfer-syntax=*, decoded without.
        path, _ = self.instance_path(self.jpegls)
        status, headers, body = self.pixel_data(path)
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(h["Content-Type"], "image/jls; transfer-syntax=1.2.840.10008.1.2.4.80")
        self.assertEqual(data[:4], b"\xff\xd8\xff\xf7")
        status, headers, body = self.pixel_data(path, accept=None)
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(h["Content-Type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
        self.assertEqual(data, self.frames(self.jpegls, "1", accept="application/octet-stream")[2])
        # What cannot be answered is refused before anything is sent, naming the instance.
        self.assertEqual(self.pixel_data(path, accept="image/png")[0], 406)
        self.assertEqual(self.pixel_data(path, accept="application/octet-stream")[0], 406, "never a single part")
        self.assertEqual(self.pixel_data("/dicom-web/studies/1.2.3.4")[0], 404)
        self.assertEqual(self.pixel_data("/dicom-web/studies/no..uid")[0], 400)
        _, inst = self.instance_path(self.video)
        status, _, body = self.pixel_data(f"/dicom-web/studies/{inst['StudyInstanceUID']}",
                                          accept='multipart/related; type="application/octet-stream"')
        self.assertEqual(status, 406, body[:300])
        self.assertIn(read_meta(self.video)[1][(2, 3)].encode(), body)
        # JPEG 2000 is decoded by the archive (OpenJPEG) when asked uncompressed, or sent as stored.
        j2k, _ = self.instance_path(self.j2k)
        status, headers, body = self.pixel_data(j2k, accept='multipart/related; type="application/octet-stream"')
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(h["Content-Type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
        self.assertEqual(data, self.frames(self.j2k, "1", accept="application/octet-stream")[2])
        status, headers, body = self.pixel_data(j2k)
        (h, data), = multipart_parts(headers["Content-Type"], body)
        self.assertTrue(h["Content-Type"].startswith("image/jp2; transfer-syntax=1.2.840.10008.1.2.4.9"), h)
        # The caller's scope, as at every other door.
        self.assertEqual(self.pixel_data(path, token=None)[0], 401)
        self.server.add_user("ppatient", "patient", patient_id="nobody-here")
        self.assertEqual(self.pixel_data(path, token=self.server.create_token("ppatient"))[0], 404)

    def test_pixel_data_for_an_http_1_0_client_ends_with_the_connection(self):
        # Chunked bodies are HTTP/1.1: an older client gets the same parts, streamed as well,
        # the end of the body marked by the server closing the connection.
        path, _ = self.instance_path(self.multiframe)
        with self.server.tls_socket() as s:
            s.sendall(f"GET {path}/pixeldata HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.server.token}"
                      f"\r\n\r\n".encode())
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
        self.assertNotIn("Transfer-Encoding", headers)
        self.assertNotIn("Content-Length", headers)
        self.assertEqual(headers["Connection"], "close")
        self.assertTrue(body.endswith(b"--\r\n"), "the whole body, up to its closing delimiter")
        self.assertEqual(len(multipart_parts(headers["Content-Type"], body)), 10)

    def test_pixel_data_leaves_out_what_is_not_an_image(self):
        f = DICOM / "modality/SR_basic_text_reportsi.dcm"
        statuses, out = self.server.store(f)
        self.assertTrue(all(v == 0 for v in statuses.values()), out)
        path, inst = self.instance_path(f)
        for where in (path, f"/dicom-web/studies/{inst['StudyInstanceUID']}"):
            status, headers, body = self.pixel_data(where)
            self.assertEqual(status, 404, body[:300])
            self.assertIn(b"pixel data", body)

    def test_pixel_data_of_a_damaged_file_is_never_delivered_whole(self):
        f = DICOM / "modality/CT_small.dcm"
        statuses, out = self.server.store(f)
        self.assertTrue(all(v == 0 for v in statuses.values()), out)
        path, inst = self.instance_path(f)
        store = self.server.blobs
        blob = store.keys(read_meta(f)[1][(2, 3)] + "-")[0]
        original = store.read(blob)
        try:
            store.write(blob, original[:-10] + b"X" * 10)  # never read before: its hash is checked now
            try:
                status, headers, body = self.pixel_data(f"/dicom-web/studies/{inst['StudyInstanceUID']}")
                complete = status == 200 and body.endswith(b"--\r\n")
            except Exception:  # the connection was cut: http.client.IncompleteRead and friends
                complete = False
            self.assertFalse(complete, "the answer must not complete")
        finally:
            store.write(blob, original)

    def png_size(self, data):
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        return struct.unpack(">II", data[16:24])

    def instance_path(self, f):
        uid = read_meta(f)[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        return f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}", inst

    def test_rendered_frames_and_thumbnails(self):
        path, _ = self.instance_path(self.multiframe)
        status, headers, jpeg = self.server.http("GET", path + "/rendered")
        self.assertEqual(status, 200, jpeg[:200])
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertEqual(jpeg[:2], b"\xff\xd8")
        png = self.server.http("GET", path + "/frames/3/rendered", headers={"Accept": "image/png"})[2]
        self.assertEqual(self.png_size(png), (64, 64))
        small = self.server.http("GET", path + "/frames/3/rendered?viewport=32,32", headers={"Accept": "image/png"})[2]
        self.assertEqual(self.png_size(small), (32, 32))
        narrow = self.server.http("GET", path + "/frames/3/rendered?window=100,50", headers={"Accept": "image/png"})[2]
        self.assertNotEqual(narrow, png, "the window changes the picture")
        big, inst = self.instance_path(self.files[0])
        thumb = self.server.http("GET", big + "/thumbnail", headers={"Accept": "image/png"})[2]
        self.assertLessEqual(max(self.png_size(thumb)), 128)
        series_thumb = f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/thumbnail"
        self.assertEqual(self.server.http("GET", series_thumb)[0], 200)
        for bad, code in (("/frames/11/rendered", 400), ("/rendered?window=1", 400), ("/rendered?quality=0", 400),
                          ("/rendered?viewport=0,0", 400)):
            self.assertEqual(self.server.http("GET", path + bad)[0], code, bad)
        self.assertEqual(self.server.http("GET", path + "/rendered", headers={"Accept": "image/gif"})[0], 406)
        # Both taken: the client's preference decides; a refused JPEG is not sent for a wildcard.
        for accept, magic in (("image/jpeg;q=0.5, image/png", b"\x89PNG"), ("image/png;q=0.4, image/*", b"\xff\xd8"),
                              ("image/jpeg;q=0, */*", b"\x89PNG")):
            status, headers, body = self.server.http("GET", path + "/rendered", headers={"Accept": accept})
            self.assertEqual((status, body[:len(magic)]), (200, magic), accept)
        self.assertEqual(self.server.http("GET", path + "/rendered",
                                          headers={"Accept": "image/jpeg;q=0, image/png;q=0, */*"})[0], 406)

    def test_jpeg_2000_is_decoded_for_frames_and_pictures(self):
        # The viewer's series panel shows the archive's thumbnail of every series, and other
        # clients ask for frames uncompressed: JPEG 2000 needs a decoder in the archive too.
        path, inst = self.instance_path(self.j2k)
        status, headers, data = self.frames(self.j2k, "1", accept="application/octet-stream")
        self.assertEqual(status, 200, data[:300])
        self.assertEqual(headers["Content-Type"], "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1")
        values = struct.unpack(f"<{512 * 512}h", data)
        self.assertGreater(max(values) - min(values), 1000, "a CT slice, not a blank frame")
        series = f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}"
        status, headers, png = self.server.http("GET", series + "/thumbnail", headers={"Accept": "image/png"})
        self.assertEqual(status, 200, png[:300])
        self.assertEqual(max(self.png_size(png)), 128)
        status, _, jpeg = self.server.http("GET", path + "/rendered")
        self.assertEqual((status, jpeg[:2]), (200, b"\xff\xd8"))
        # What stays undecodable is still refused in DICOMweb's terms.
        video, _ = self.instance_path(self.video)
        status, _, body = self.server.http("GET", video + "/frames/1", headers={"Accept": "application/octet-stream"})
        self.assertEqual(status, 406, body[:300])

    def test_rendered_series_and_study_are_every_instance_as_a_picture(self):
        _, inst = self.instance_path(self.files[0])
        series = f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}"
        expected = len(self.server.json(f"/api/series/{inst['SeriesInstanceUID']}/instances"))
        status, headers, body = self.server.http("GET", series + "/rendered", headers={"Accept": "image/png"})
        self.assertEqual(status, 200, body[:300])
        self.assertTrue(headers["Content-Type"].startswith('multipart/related; type="image/png"'))
        parts = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(len(parts), expected)
        self.assertTrue(all(h["Content-Type"] == "image/png" and d.startswith(b"\x89PNG") for h, d in parts))
        status, headers, body = self.server.http("GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/rendered")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(multipart_parts(headers["Content-Type"], body)), expected)
        self.assertEqual(self.server.http("GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/thumbnail")[0], 200)
        self.assertEqual(self.server.http("GET", "/dicom-web/studies/1.2.3.999/rendered")[0], 404)
        # A damaged file in the series is reported, not left out of the answer.
        uid = read_meta(self.files[0])[1][(2, 3)]
        store = self.server.blobs
        blob = store.keys(uid + "-")[0]
        original = store.read(blob)
        try:
            store.write(blob, original[:-10] + b"X" * 10)
            self.server.stop()
            self.server.start()  # a process that has not checked the file yet
            status, _, body = self.server.http("GET", series + "/rendered?quality=77", headers={"Accept": "image/png"})
            self.assertEqual(status, 500, body[:200])
        finally:
            store.write(blob, original)

    def test_wado_uri(self):
        _, inst = self.instance_path(self.files[0])
        uid = read_meta(self.files[0])[1][(2, 3)]
        base = (f"/wado?requestType=WADO&studyUID={inst['StudyInstanceUID']}&seriesUID={inst['SeriesInstanceUID']}"
                f"&objectUID={uid}")
        status, headers, body = self.server.http("GET", base + "&contentType=application/dicom")
        self.assertEqual(status, 200)
        self.assertEqual(body, self.stored(uid))
        status, headers, body = self.server.http("GET", base)
        self.assertEqual(headers["Content-Type"], "image/jpeg", "image/jpeg by default")
        status, headers, body = self.server.http("GET", base + "&contentType=image/png&rows=16&columns=16")
        self.assertLessEqual(max(self.png_size(body)), 16)
        self.assertEqual(self.server.http("GET", base.replace("requestType=WADO", "requestType=X"))[0], 400)
        self.assertEqual(self.server.http("GET", base + "&contentType=text/html")[0], 406)
        self.assertEqual(self.server.http("GET", base.replace(uid, "1.2.3.4"))[0], 404)
        self.server.add_user("wreception", "receptionist")
        token = self.server.create_token("wreception")
        self.assertEqual(self.server.http("GET", base + "&contentType=application/dicom", token=token)[0], 403,
                         "the file itself needs archive.export")
        self.assertEqual(self.server.http("GET", base, token=token)[0], 200)

    def test_bulk_data_uris_of_the_metadata_resolve(self):
        for f in (self.multiframe, self.jpegls):
            path, _ = self.instance_path(f)
            item = json.loads(self.server.http("GET", path + "/metadata")[2])[0]
            uri = item["7FE00010"]["BulkDataURI"]
            status, headers, body = self.server.http("GET", "/dicom-web" + uri.split("/dicom-web", 1)[1])
            self.assertEqual(status, 200, (f.name, body[:200]))
            parts = multipart_parts(headers["Content-Type"], body)
            if f == self.multiframe:
                self.assertEqual([d for _, d in parts], [f.read_bytes()[-10 * 8192:]])
            else:
                self.assertEqual(parts[0][1][:4], b"\xff\xd8\xff\xf7")
                self.assertIn("image/jls", parts[0][0]["Content-Type"])
        # Values inside sequence items have addresses of their own: an ECG's two waveforms.
        path, _ = self.instance_path(self.ecg)
        item = json.loads(self.server.http("GET", path + "/metadata")[2])[0]
        groups = item["54000100"]["Value"]
        uris = [g["54001010"]["BulkDataURI"] for g in groups]
        self.assertEqual(len(set(uris)), 2, uris)
        waveforms = []
        for g, uri in zip(groups, uris):
            status, headers, body = self.server.http("GET", "/dicom-web" + uri.split("/dicom-web", 1)[1])
            self.assertEqual(status, 200, body[:200])
            [(_, data)] = multipart_parts(headers["Content-Type"], body)
            self.assertEqual(len(data), g["003A0005"]["Value"][0] * g["003A0010"]["Value"][0] * 2, uri)
            waveforms.append(data)
        self.assertNotEqual(waveforms[0][:4096], waveforms[1][:4096], "each address its own waveform")
        for bad in ("54000100.9.54001010", "54000100.x.54001010", "54000100.0", "54000100..54001010"):
            self.assertEqual(self.server.http("GET", path + "/bulkdata/" + bad)[0], 404, bad)
        path, _ = self.instance_path(self.multiframe)
        self.assertEqual(self.server.http("GET", path + "/bulkdata/60003000")[0], 404, "no overlay here")
        self.assertEqual(self.server.http("GET", path + "/bulkdata/PixelData")[0], 404)

    def test_refusals(self):
        study = self.server.json("/api/studies")[0]["StudyInstanceUID"]
        self.assertEqual(self.retrieve(f"/studies/{study}", accept="application/dicom+json")[0], 406)
        self.assertEqual(self.retrieve("/studies/1.2.3.4")[0], 404)
        self.assertEqual(self.retrieve("/studies/no..uid")[0], 400)
        self.assertEqual(self.retrieve(f"/studies/{study}", token=None)[0], 401)
        self.server.add_user("wpatient", "patient", patient_id="nobody-here")
        token = self.server.create_token("wpatient")
        self.assertEqual(self.retrieve(f"/studies/{study}", token=token)[0], 404, "another patient's study")
        # The same patient token through every other DICOMweb door: nothing of another patient.
        path, inst = self.instance_path(self.multiframe)
        uid = read_meta(self.multiframe)[1][(2, 3)]
        for door in (path + "/metadata", path + "/frames/1", path + "/rendered", path + "/thumbnail",
                     f"/wado?requestType=WADO&studyUID={inst['StudyInstanceUID']}&seriesUID={inst['SeriesInstanceUID']}"
                     f"&objectUID={uid}&contentType=application/dicom"):
            self.assertEqual(self.server.http("GET", door, token=token)[0], 404, door)
        self.assertEqual(self.server.http("GET", "/dicom-web/studies", token=token)[2], b"[]")

    def test_a_damaged_file_is_never_delivered_whole(self):
        uid = read_meta(self.files[0])[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        store = self.server.blobs
        blob = store.keys(uid + "-")[0]
        original = store.read(blob)
        path = f"/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}"
        try:
            # Changed bytes, a shorter file, a longer file (the length sent is the index's).
            for damaged in (original[:-10] + b"X" * 10, original[:-100], original + b"\0" * 64):
                store.write(blob, damaged)
                try:
                    status, headers, body = self.retrieve(path)
                    complete = len(body) == int(headers["Content-Length"]) and original in body
                except Exception:  # the connection was cut: http.client.IncompleteRead and friends
                    complete = False
                self.assertFalse(complete, "the response must not complete")
        finally:
            store.write(blob, original)
        self.assertEqual(self.retrieve(f"/studies/{inst['StudyInstanceUID']}")[0], 200, "still serving")


class ViewerClientTest(unittest.TestCase):
    """dicomweb-client (OHIF's library) stores files, then reads them back as a viewer does."""

    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    @staticmethod
    def pixels(path, length):
        data = path.read_bytes()
        at = data.rindex(b"\xe0\x7f\x10\x00OW\x00\x00") + 12  # Pixel Data, Explicit VR Little Endian
        return data[at:at + length]

    def test_store_then_metadata_frames_rendered_bulk_data_and_instances(self):
        ct = DICOM / "modality/CT_small.dcm"
        jls = DICOM / "transfer_syntax/MR_small_jpeg_ls_lossless.dcm"
        j2k = DICOM / "transfer_syntax/CT1_J2KI.dcm"
        env = dict(os.environ, VIREO_DICOMWEB=f"https://127.0.0.1:{self.server.http_port}/dicom-web",
                   VIREO_TOKEN=self.server.token, NODE_EXTRA_CA_CERTS=str(self.server.data_dir / "tls" / "cert.pem"))
        r = subprocess.run(["node", "wado_client.mjs", str(ct), str(jls), str(j2k)], cwd=CLIENT_DIR, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)
        self.assertEqual(got["stored"], 3)
        a = got["instances"][read_meta(ct)[1][(2, 3)]]
        self.assertEqual((a["rows"], a["columns"], a["bits"]), (128, 128, 16))
        self.assertTrue(a["seriesHasIt"])
        self.assertEqual(a["frame"], {"sha256": hashlib.sha256(self.pixels(ct, 128 * 128 * 2)).hexdigest(),
                                      "length": 128 * 128 * 2})
        self.assertEqual(a["instanceSha256"], hashlib.sha256(ct.read_bytes()).hexdigest())
        self.assertEqual(a["bulkLength"], 128 * 128 * 2)
        b = got["instances"][read_meta(jls)[1][(2, 3)]]
        self.assertEqual((b["rows"], b["columns"]), (64, 64))
        self.assertEqual(b["transferSyntax"], "1.2.840.10008.1.2.4.80")
        # Decoded, the JPEG-LS frame is the uncompressed original's pixel data (lossless).
        original = self.pixels(DICOM / "modality/MR_small.dcm", 64 * 64 * 2)
        self.assertEqual(b["frame"]["sha256"], hashlib.sha256(original).hexdigest())
        self.assertEqual(b["storedFrameHead"], "ffd8fff7", "as stored: a JPEG-LS bitstream")
        # JPEG 2000: decoded by the archive for the client's default (uncompressed) request,
        # rendered and thumbnailed; the bitstream as stored when asked for image/jp2.
        c = got["instances"][read_meta(j2k)[1][(2, 3)]]
        self.assertEqual(c["transferSyntax"], "1.2.840.10008.1.2.4.91")
        self.assertEqual(c["frame"]["length"], 512 * 512 * 2)
        self.assertEqual(c["storedFrameHead"], "ff4fff51", "as stored: a JPEG 2000 codestream (SOC, SIZ)")
        for x, size in ((a, [128, 128]), (b, [64, 64]), (c, [512, 512])):
            self.assertEqual(x["renderedHead"], "89504e470d0a1a0a")
            self.assertEqual(x["renderedSize"], size)
            self.assertEqual(x["thumbnailHead"], "ffd8")
        self.assertEqual(b["patientId"], self.server.json(f"/api/instances/{read_meta(jls)[1][(2, 3)]}")["PatientID"])


class RenderCacheTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.ct = DICOM / "modality/CT_small.dcm"
        self.assertEqual(set(self.server.store(self.ct)[0].values()), {0})
        inst = self.server.json(f"/api/instances/{read_meta(self.ct)[1][(2, 3)]}")
        self.study = inst["StudyInstanceUID"]
        self.path = f"/dicom-web/studies/{self.study}/series/{inst['SeriesInstanceUID']}/instances/{inst['SOPInstanceUID']}"
        self.cache = self.server.data_dir / "cache" / "rendered"

    def tearDown(self):
        self.server.cleanup()

    def cached_files(self):
        return [p for p in self.cache.rglob("*") if p.is_file() and p.relative_to(self.cache).parts[0] != "tmp"]

    def metric(self, name):
        text = self.server.http("GET", "/metrics")[2].decode()
        return float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))

    def test_a_frame_is_rendered_once_then_served_from_disk_until_its_instance_goes(self):
        first = self.server.http("GET", self.path + "/rendered?window=40,400")[2]
        self.assertEqual(len(self.cached_files()), 1)
        hits = self.metric("vireo_render_cache_hits_total")
        self.assertEqual(self.server.http("GET", self.path + "/rendered?window=40,400")[2], first)
        self.assertEqual(self.metric("vireo_render_cache_hits_total"), hits + 1)
        other = self.server.http("GET", self.path + "/rendered?window=40,80")[2]
        self.assertNotEqual(other, first, "other options are another entry")
        self.assertEqual(len(self.cached_files()), 2)
        for f in self.cached_files():  # deleted behind the server's back: rebuilt
            f.unlink()
        self.assertEqual(self.server.http("GET", self.path + "/rendered?window=40,400")[2], first)
        self.assertEqual(len(self.cached_files()), 1)
        # Deleting the study drops its rendered frames from the disk.
        self.assertIn(self.server.http("DELETE", f"/api/studies/{self.study}")[0], (200, 204))
        self.assertEqual(self.cached_files(), [])
        self.assertEqual(self.server.http("GET", self.path + "/rendered")[0], 404)

    def test_the_cache_stays_within_its_size(self):
        self.server.stop()
        self.server.env["VIREO_RENDER_CACHE_MB"] = "1"
        self.server.start()
        for w in range(1, 80):  # ~80 distinct PNGs of a 128x128 CT: more than 1 MiB
            self.assertEqual(self.server.http("GET", self.path + f"/rendered?window=40,{w * 10}",
                                              headers={"Accept": "image/png"})[0], 200)
        total = sum(f.stat().st_size for f in self.cached_files())
        self.assertLessEqual(total, 1 << 20)
        self.assertGreater(total, 1 << 19, "it is used up to its size")


class StowTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.cleanup()

    def stow(self, parts, path="/dicom-web/studies", boundary="vireo-test-boundary", content_type=None, token="default"):
        body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + p + b"\r\n"
                        for p in parts) + b"--" + boundary.encode() + b"--\r\n"
        ct = content_type or f'multipart/related; type="application/dicom"; boundary={boundary}'
        status, headers, data = self.server.http("POST", path, body=body, headers={"Content-Type": ct}, token=token)
        return status, json.loads(data) if data else None

    def test_frames_in_a_syntax_newer_than_dcmtk_are_served_as_stored(self):
        """Deflated Image Frame Compression (2024): DCMTK 3.6.7 parses the file but not its pixel
        data as encapsulated; each frame still goes out as stored, a raw deflate stream."""
        f = DICOM / "transfer_syntax/liver_deflated_image_frame.dcm"
        status, answer = self.stow([f.read_bytes()])
        self.assertEqual(status, 200, answer)
        uid = read_meta(f)[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        base = f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}"
        as_stored = {"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'}
        status, headers, body = self.server.http("GET", base + "/frames/1,3", headers=as_stored)
        self.assertEqual(status, 200, body[:300])
        parts = multipart_parts(headers["Content-Type"], body)
        self.assertEqual(len(parts), 2)
        for part_headers, frame in parts:
            self.assertIn("transfer-syntax=1.2.840.10008.1.2.8.1", part_headers["Content-Type"])
            self.assertIn(frame, f.read_bytes(), "the frame as stored")
            # A raw deflate stream of one 512 x 512 frame of 1-bit segments.
            self.assertEqual(len(zlib.decompressobj(-15).decompress(frame)), 512 * 512 // 8)
        self.assertNotEqual(parts[0][1], parts[1][1], "frames 1 and 3 are different slices")
        status, headers, body = self.server.http("GET", base + "/pixeldata", headers=as_stored)
        self.assertEqual(status, 200, body[:300])
        frames = [data for _, data in multipart_parts(headers["Content-Type"], body)]
        self.assertEqual((len(frames), frames[0], frames[2]), (3, parts[0][1], parts[1][1]))
        status, _, body = self.server.http("GET", base + "/frames/4", headers=as_stored)
        self.assertEqual(status, 400, body)
        self.assertIn(b"3 frames", body)

    def test_stow_then_wado_rs_returns_the_same_bytes(self):
        files = sorted(p for p in (DICOM / "dicomdir/77654033").rglob("*") if p.is_file())
        files += [DICOM / "transfer_syntax/MR_small_jpeg_ls_lossless.dcm", DICOM / "modality/US_multiframe_ybr_jpeg.dcm"]
        status, answer = self.stow([f.read_bytes() for f in files])
        self.assertEqual(status, 200, answer)
        refs = answer["00081199"]["Value"]
        self.assertEqual(len(refs), len(files))
        for f in files:
            uid = read_meta(f)[1][(2, 3)]
            ref = [x for x in refs if x["00081155"]["Value"][0] == uid][0]
            self.assertEqual(ref["00081150"]["Value"][0], read_meta(f)[1][(2, 2)])
            inst = self.server.json(f"/api/instances/{uid}")
            status, headers, body = self.server.http(
                "GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}",
                headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
            (_, data), = multipart_parts(headers["Content-Type"], body)
            self.assertEqual(data, f.read_bytes(), f.name)
        self.assertEqual(self.server.json("/api/stats")["instances"], len(files))
        events = self.server.json("/api/audit?action=create&user=tester")
        self.assertTrue(any(e["resource"] == "POST /dicom-web/studies" for e in events))

    def test_the_whole_corpus_round_trips_through_stow_and_wado(self):
        files = sorted(p for p in DICOM.rglob("*") if p.is_file() and p.suffix.lower() in ("", ".dcm")
                       and p.name != "DICOMDIR" and not p.name.startswith("DICOMDIR"))
        accepted, refused = {}, 0
        for f in files:  # one request per file: a refusal must not hide the others' outcome
            status, answer = self.stow([f.read_bytes()])
            self.assertIn(status, (200, 409), (f, answer))
            if status == 409:
                refused += 1
                continue
            uid = answer["00081199"]["Value"][0]["00081155"]["Value"][0]
            accepted.setdefault(uid, f)  # the first file with a UID is the one kept
        self.assertGreater(len(accepted), 80)
        for uid, f in accepted.items():
            inst = self.server.json(f"/api/instances/{uid}")
            status, headers, body = self.server.http(
                "GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}",
                headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
            self.assertEqual(status, 200, f)
            (_, data), = multipart_parts(headers["Content-Type"], body)
            self.assertEqual(data, f.read_bytes(), f)
        self.assertEqual(self.server.http("GET", "/healthz")[0], 200, f"still serving after {refused} refusals")

    def test_partial_failure_is_202_and_a_wrong_study_is_409(self):
        good = (DICOM / "modality/CT_small.dcm").read_bytes()
        status, answer = self.stow([b"not dicom at all", good])
        self.assertEqual(status, 202, answer)
        self.assertEqual(len(answer["00081199"]["Value"]), 1)
        self.assertEqual(answer["00081198"]["Value"][0]["00081197"]["Value"], [0xC000])
        other = (DICOM / "modality/MR_small.dcm").read_bytes()
        status, answer = self.stow([other], path="/dicom-web/studies/1.2.3.4")
        self.assertEqual(status, 409, answer)
        self.assertEqual(answer["00081198"]["Value"][0]["00081197"]["Value"], [0xA900])
        self.assertEqual(self.server.json("/api/stats")["instances"], 1, "only the good one was stored")

    def test_malformed_requests_change_nothing(self):
        good = (DICOM / "modality/CT_small.dcm").read_bytes()
        for ct, code in (("application/dicom", 415), ('multipart/related; type="application/dicom+json"; boundary=x', 415),
                         ('multipart/related; type="application/dicom"', 400), ("multipart/related; boundary=other", 400)):
            status, problem = self.stow([good], content_type=ct)
            self.assertEqual((status, problem["status"]), (code, code), ct)
            self.assertTrue(problem["detail"], "the problem says why")
        body = b"--b\r\nContent-Type: application/dicom\r\n\r\n" + good  # never closed
        status, _, _ = self.server.http("POST", "/dicom-web/studies", body=body,
                                        headers={"Content-Type": "multipart/related; boundary=b"})
        self.assertEqual(status, 400)
        self.server.add_user("sreception", "receptionist")
        self.assertEqual(self.stow([good], token=self.server.create_token("sreception"))[0], 403)
        self.assertEqual(self.server.json("/api/stats")["instances"], 0)

    def test_a_series_larger_than_the_body_limit_streams_through_in_bounded_memory(self):
        # 160 CT slices of 512x512 (84 MB) in one chunked request: over http_max_body_bytes
        # (64 MiB), which holds for bodies kept in memory, not for STOW's streamed body.
        tmp = Path(tempfile.mkdtemp(prefix="vireo-stow-"))
        subprocess.run([VIREO.parent / "vireo-synth", "ct", tmp, "1", "160"], check=True, capture_output=True)
        files = sorted(tmp.rglob("*.dcm"))
        self.assertEqual(len(files), 160)
        boundary = "big-series-boundary"

        def body():
            for f in files:
                yield b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f.read_bytes() + b"\r\n"
            yield b"--" + boundary.encode() + b"--\r\n"

        hwm_before = peak_rss_mib(self.server.proc.pid)
        status, answer = self.post_stream(body(), boundary)
        self.assertEqual(status, 200, answer)
        self.assertEqual(len(answer["00081199"]["Value"]), 160)
        self.assertEqual(self.server.json("/api/stats")["instances"], 160)
        grown = peak_rss_mib(self.server.proc.pid) - hwm_before
        self.assertLess(grown, 40, f"the server's peak memory grew {grown:.0f} MiB for an 84 MB body")
        uid = read_meta(files[7])[1][(2, 3)]
        inst = self.server.json(f"/api/instances/{uid}")
        status, headers, data = self.server.http(
            "GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/instances/{uid}",
            headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
        (_, stored), = multipart_parts(headers["Content-Type"], data)
        self.assertEqual(stored, files[7].read_bytes())
        # The series' pixel data goes out as it is read: one instance in memory, not 84 MB.
        status, headers, data = self.server.http(
            "GET", f"/dicom-web/studies/{inst['StudyInstanceUID']}/series/{inst['SeriesInstanceUID']}/pixeldata",
            headers={"Accept": 'multipart/related; type="application/octet-stream"; transfer-syntax=*'})
        self.assertEqual((status, len(multipart_parts(headers["Content-Type"], data))), (200, 160))
        grown = peak_rss_mib(self.server.proc.pid) - hwm_before
        self.assertLess(grown, 40, f"the server's peak memory grew {grown:.0f} MiB for an 84 MB series")
        subprocess.run(["rm", "-rf", str(tmp)])

    def test_an_upload_cut_off_midway_stores_nothing_and_leaves_no_temporary_files(self):
        good = (DICOM / "modality/CT_small.dcm").read_bytes()
        part = b"--cut\r\nContent-Type: application/dicom\r\n\r\n" + good + b"\r\n"
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.http_port, context=self.server.tls_context())
        conn.putrequest("POST", "/dicom-web/studies")
        conn.putheader("Authorization", f"Bearer {self.server.token}")
        conn.putheader("Content-Type", 'multipart/related; type="application/dicom"; boundary=cut')
        conn.putheader("Content-Length", str(len(part) * 3))
        conn.endheaders()
        conn.send(part + part[:1000])  # one whole part, then the client goes away
        conn.close()
        deadline = time.time() + 10
        tmp_dir = self.server.blobs.temp_dir
        while time.time() < deadline and any(tmp_dir.iterdir()):
            time.sleep(0.05)
        self.assertEqual(list(tmp_dir.iterdir()), [])
        self.assertEqual(self.server.json("/api/stats")["instances"], 0)
        self.assertEqual(self.stow([good])[0], 200, "the server goes on serving")

    def post_stream(self, chunks, boundary):
        conn = http.client.HTTPSConnection("127.0.0.1", self.server.http_port, context=self.server.tls_context(),
                                           timeout=120)
        conn.request("POST", "/dicom-web/studies", body=chunks, encode_chunked=True,
                     headers={"Authorization": f"Bearer {self.server.token}", "Transfer-Encoding": "chunked",
                              "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, json.loads(data) if data else None


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    unittest.main()


class CharacterSetTest(unittest.TestCase):
    """DICOM JSON is UTF-8 whatever the Specific Character Set: every chr*.dcm of the corpus
    against dicom/charset/FileInfo.txt (its bytes decoded here by Python's own codecs), the ISO
    2022 code extensions included; and text that declares no character set."""

    @staticmethod
    def expected(raw, charsets):
        # An independent decoder: Python's codecs, one per part of the value.
        if charsets in (["ISO_IR 100"],):
            return raw.decode("latin_1")
        plain = {"ISO_IR 127": "iso8859_6", "ISO_IR 126": "iso8859_7", "ISO_IR 138": "iso8859_8",
                 "ISO_IR 144": "iso8859_5", "ISO_IR 192": "utf_8", "GB18030": "gb18030"}
        if len(charsets) == 1 and charsets[0] in plain:
            return raw.decode(plain[charsets[0]])
        if "ISO 2022 IR 149" in charsets:
            return raw.replace(b"\x1b$)C", b"").decode("euc_kr")
        head, esc, tail = raw.partition(b"\x1b")
        return head.decode("shift_jis") + (esc + tail).decode("iso2022_jp")

    def test_every_character_set_of_the_corpus_comes_out_as_utf8(self):
        import ast
        rows = {}
        for line in (DICOM / "charset" / "FileInfo.txt").read_text().splitlines():
            m = re.match(r"(chr\w+\.dcm)\s+(\[.*?\]|ISO_IR \d+|\S+)\s+('.*')$", line)
            if m:
                sets = ast.literal_eval(m.group(2)) if m.group(2).startswith("[") else [m.group(2)]
                rows[m.group(1)] = self.expected(ast.literal_eval("b" + m.group(3)), sets)
        self.assertGreaterEqual(len(rows), 12)
        server = Server().start()
        try:
            for name, want in rows.items():
                f = DICOM / "charset" / name
                statuses, out = server.store(f)
                self.assertIn(statuses.get(str(f)), (0, 0x0111), out)
                sop = read_meta(f)[1][(2, 3)]
                study = server.json(f"/api/instances/{sop}")["StudyInstanceUID"]
                [found] = server.json(f"/dicom-web/studies?StudyInstanceUID={study}")
                pn = found["00100010"]["Value"][0]
                got = "=".join(pn.get(k, "") for k in ("Alphabetic", "Ideographic", "Phonetic"))
                self.assertEqual(got.rstrip("="), want.rstrip("="), name)
                [meta] = server.json(f"/dicom-web/studies/{study}/metadata")
                self.assertEqual(meta["00080005"]["Value"], ["ISO_IR 192"], name)
            # The index holds the same text: a kanji name is found by QIDO.
            found = server.json("/dicom-web/studies?PatientName=" + urllib.parse.quote("*山田*"))
            self.assertGreaterEqual(len(found), 1)
        finally:
            server.cleanup()

    def test_latin1_under_code_extensions_and_undeclared_text(self):
        tmp = Path(tempfile.mkdtemp(prefix="vireo-charset-"))
        server = Server(extra_env={"VIREO_DEFAULT_ENCODING": "ISO_IR 144"})
        try:
            def variant(name, *edits):
                out = tmp / name
                shutil.copy(DICOM / "charset" / "chrFren.dcm", out)
                subprocess.run([b"dcmodify", b"-nb", b"-gst", b"-gse", b"-gin", *edits, bytes(out)], check=True,
                               capture_output=True)
                return out
            extended = variant("extended.dcm", b"-m", b"(0008,0005)=ISO 2022 IR 100", b"-i", b"(0008,1030)=B\xe4cken")
            undeclared = variant("undeclared.dcm", b"-e", b"(0008,0005)", b"-m", b"(0010,0010)=\xbb\xee\xda")
            utf8 = variant("utf8.dcm", b"-e", b"(0008,0005)", b"-m", "(0010,0010)=Jérôme".encode())
            server.start()
            statuses, out = server.store(extended, undeclared, utf8)
            self.assertTrue(all(v == 0 for v in statuses.values()), out)

            def study_of(f):  # the instance's own attributes (the three share one patient)
                sop = read_meta(f)[1][(2, 3)]
                return server.json(f"/dicom-web/studies/{server.json(f'/api/instances/{sop}')['StudyInstanceUID']}/metadata")[0]
            self.assertEqual(study_of(extended)["00081030"]["Value"], ["Bäcken"])
            self.assertEqual(study_of(undeclared)["00100010"]["Value"][0]["Alphabetic"], "Люк", "default_encoding")
            self.assertEqual(study_of(utf8)["00100010"]["Value"][0]["Alphabetic"], "Jérôme", "valid UTF-8 kept")
            bad = subprocess.run([str(VIREO), "config"], env=dict(server.env, VIREO_DEFAULT_ENCODING="KLINGON"),
                                 capture_output=True, text=True)
            self.assertEqual(bad.returncode, 0, "vireo config prints the reference whatever is set")
            bad = subprocess.run([str(VIREO), "serve"], env=dict(server.env, VIREO_DEFAULT_ENCODING="KLINGON"),
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(bad.returncode, 2)
            self.assertIn("default_encoding: 'KLINGON'", bad.stderr)
        finally:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)
