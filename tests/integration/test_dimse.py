"""The archive driven by DCMTK's own tools over the whole test corpus: C-ECHO, C-STORE,
C-FIND (patient and study root, every level, every matching kind), C-MOVE and C-GET,
comparing what comes back with what was sent, byte for byte."""
import shutil
import struct
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import DICOM, Server, dataset_bytes, free_port, read_meta, transfer_syntax, wait_port

CT_SMALL_STUDY = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
DICOMDIR_CT_STUDY_PATIENT = "77654033"


def corpus_files():
    return sorted(p for p in DICOM.rglob("*") if p.is_file() and p.suffix not in (".txt",))


class DimseCorpusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest_port = free_port()
        cls.server = Server(peers=f"DEST@127.0.0.1:{cls.dest_port}").start()
        # A reference receiver: storescp writes exactly the bytes storescu puts on the wire
        # (storescu re-encodes a file's dataset as it sends it).
        cls.ref_dir = Path(tempfile.mkdtemp(prefix="vireo-ref-"))
        ref_port = free_port()
        incoming = cls.ref_dir / "incoming"
        incoming.mkdir()
        ref = subprocess.Popen(["storescp", "+B", "+xa", "-aet", "REF", "-od", str(incoming), str(ref_port)],
                               env=cls.server.env | {"TCP_NODELAY": "1"})
        wait_port(ref_port)
        cls.status, cls.sent = {}, {}
        try:
            for i, f in enumerate(corpus_files()):
                statuses, _ = cls.server.store(f)
                cls.status[f] = statuses.get(str(f))
                if cls.status[f] == 0:
                    ref_server = Server.__new__(Server)
                    ref_server.aet, ref_server.dicom_port, ref_server.calling = "REF", ref_port, None
                    ref_server.store(f)
                    for got in incoming.iterdir():
                        got.rename(cls.ref_dir / f"{i}.dcm")
                        cls.sent[f] = cls.ref_dir / f"{i}.dcm"
        finally:
            ref.terminate()
            ref.wait()
        # The first file sent with a given SOP Instance UID and a success status is the one kept.
        cls.kept = {}
        for f, st in cls.status.items():
            if st == 0:
                uid = cls.server_uid_of(f)
                cls.kept.setdefault(uid, f)

    @classmethod
    def server_uid_of(cls, f):
        r = subprocess.run(["dcmdump", "+P", "0008,0018", str(f)], capture_output=True, text=True)
        line = r.stdout.strip().splitlines()[0] if r.stdout.strip() else ""
        return line[line.index("[") + 1:line.index("]")] if "[" in line else ""

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.ref_dir, ignore_errors=True)

    def download(self, uid):
        status, headers, body = self.server.http("GET", f"/api/instances/{uid}/file")
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(headers["Content-Type"], "application/dicom")
        with tempfile.NamedTemporaryFile(suffix=".dcm", delete=False) as t:
            t.write(body)
        return Path(t.name)

    def test_echo(self):
        self.assertEqual(self.server.echo(), 0)

    def test_wrong_called_ae_title_is_rejected(self):
        r = self.server.tool("echoscu", "-v", "-aec", "NOTVIREO", "127.0.0.1", str(self.server.dicom_port))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Called AE Title Not Recognized", r.stdout + r.stderr)

    def test_every_readable_instance_is_stored(self):
        for name in ["modality/MR_small.dcm", "modality/ECG_waveform_ecg.dcm", "modality/SEG_liver_1frame.dcm",
                     "modality/SR_tid1500_sr_document.dcm", "modality/XA_multiframe_jpeg.dcm",
                     "modality/ENCAPSULATED_PDF_from_oru.dcm", "charset/chrX2.dcm", "charset/chrH31.dcm",
                     "structure/SC_rgb_small_odd.dcm", "transfer_syntax/image_dfl.dcm",
                     "transfer_syntax/report_dfl.dcm", "dicomdir/98892003/MR700/4467"]:
            self.assertEqual(self.status[DICOM / name], 0, name)
        stats = self.server.json("/api/stats")
        self.assertEqual(stats["instances"], len(self.kept))

    def test_every_answer_is_success_or_a_defined_refusal(self):
        for f, st in self.status.items():
            if st is None:
                continue  # storescu could not send it (no SOP UID, unknown transfer syntax)
            self.assertIn(st, (0x0000, 0x0111, 0xA900, 0xC000), f"{f}: status {st:#06x}")

    def test_stored_bytes_are_the_sent_bytes(self):
        mismatched = []
        for uid, f in self.kept.items():
            got = self.download(uid)
            try:
                if dataset_bytes(got) != dataset_bytes(self.sent[f]):
                    mismatched.append(str(f))
                self.assertEqual(transfer_syntax(got), transfer_syntax(self.sent[f]), f)
            finally:
                got.unlink()
        self.assertEqual(mismatched, [])
        self.assertGreater(len(self.kept), 80)

    def test_compressed_syntaxes_are_stored_as_received(self):
        for name, ts in [("transfer_syntax/CT_JPEGLosslessSV1.dcm", "1.2.840.10008.1.2.4.70"),
                         ("transfer_syntax/MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"),
                         ("transfer_syntax/CT2_JLSN.dcm", "1.2.840.10008.1.2.4.81"),
                         ("transfer_syntax/CT1_J2KI.dcm", "1.2.840.10008.1.2.4.91"),
                         ("transfer_syntax/SC_rgb_rle_32bit_2frame.dcm", "1.2.840.10008.1.2.5"),
                         ("modality/US_multiframe_ybr_jpeg.dcm", "1.2.840.10008.1.2.4.50"),
                         ("modality/XA1_JPLY.dcm", "1.2.840.10008.1.2.4.51"),
                         ("transfer_syntax/image_dfl.dcm", "1.2.840.10008.1.2.1.99")]:
            f = DICOM / name
            self.assertIn(self.status[f], (0, 0x0111), name)
            if self.status[f] == 0:
                uid = read_meta(f)[1][(2, 3)]
                inst = self.server.json(f"/api/instances/{uid}")
                self.assertEqual(inst["AvailableTransferSyntaxUID"], ts, name)

    # --- C-FIND ---
    def find_studies(self, *keys, model="-S"):
        results, r = self.server.find("QueryRetrieveLevel=STUDY", "StudyInstanceUID", *keys, model=model)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {x["(0020,000D)"] for x in results}

    def test_find_single_value_and_universal(self):
        results, _ = self.server.find("QueryRetrieveLevel=STUDY", "StudyInstanceUID", "PatientID=1CT1")
        self.assertIn(CT_SMALL_STUDY, {x["(0020,000D)"] for x in results})
        self.assertEqual({x["(0010,0020)"] for x in results}, {"1CT1"})
        all_studies = self.find_studies()
        self.assertEqual(len(all_studies), self.server.json("/api/stats")["studies"])

    def test_find_wildcards_on_person_names_are_case_and_accent_insensitive(self):
        self.assertIn(CT_SMALL_STUDY, self.find_studies("PatientName=Compressed*"))
        self.assertIn(CT_SMALL_STUDY, self.find_studies("PatientName=*samples^CT?"))
        self.assertIn(CT_SMALL_STUDY, self.find_studies("PatientName=compressedsamples^ct1"))
        self.assertNotIn(CT_SMALL_STUDY, self.find_studies("PatientName=Compressed"))

    def test_find_date_and_time_ranges(self):
        self.assertIn(CT_SMALL_STUDY, self.find_studies("StudyDate=20040101-20040131"))
        self.assertIn(CT_SMALL_STUDY, self.find_studies("StudyDate=-20040119"))
        self.assertIn(CT_SMALL_STUDY, self.find_studies("StudyDate=20040119-"))
        self.assertNotIn(CT_SMALL_STUDY, self.find_studies("StudyDate=20040120-"))
        self.assertIn(CT_SMALL_STUDY, self.find_studies("StudyDate=20040119", "StudyTime=0700-0800"))
        self.assertNotIn(CT_SMALL_STUDY, self.find_studies("StudyTime=0800-"))

    def test_find_uid_list(self):
        other = sorted(self.find_studies("PatientID=" + DICOMDIR_CT_STUDY_PATIENT))
        self.assertTrue(other)
        got = self.find_studies("StudyInstanceUID=" + "\\".join([CT_SMALL_STUDY, other[0]]))
        self.assertEqual(got, {CT_SMALL_STUDY, other[0]})

    def test_find_modalities_in_study(self):
        results, _ = self.server.find("QueryRetrieveLevel=STUDY", "StudyInstanceUID", "ModalitiesInStudy=MR",
                                      "NumberOfStudyRelatedInstances")
        self.assertTrue(results)
        for r in results:
            self.assertIn("MR", r["(0008,0061)"].split("\\"))
            self.assertGreater(int(r["(0020,1208)"]), 0)

    def test_find_patient_root_every_level(self):
        patients, r = self.server.find("QueryRetrieveLevel=PATIENT", "PatientID=1CT1", "PatientName",
                                       "NumberOfPatientRelatedStudies", model="-P")
        self.assertTrue(patients, r.stdout)
        self.assertEqual({p["(0010,0020)"] for p in patients}, {"1CT1"})
        self.assertIn("CompressedSamples^CT1", {p["(0010,0010)"] for p in patients})
        studies = self.find_studies("PatientID=1CT1", model="-P")
        self.assertIn(CT_SMALL_STUDY, studies)
        series, _ = self.server.find("QueryRetrieveLevel=SERIES", "PatientID=1CT1",
                                     f"StudyInstanceUID={CT_SMALL_STUDY}", "SeriesInstanceUID", "Modality",
                                     model="-P")
        self.assertEqual([s["(0008,0060)"] for s in series], ["CT"])
        images, _ = self.server.find("QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={CT_SMALL_STUDY}",
                                     "SeriesInstanceUID=" + series[0]["(0020,000E)"], "SOPInstanceUID",
                                     "SOPClassUID", "InstanceNumber", model="-P")
        self.assertIn("1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322", {i["(0008,0018)"] for i in images})
        self.assertIn("=CTImageStorage", {i["(0008,0016)"] for i in images})

    def test_find_study_root_rejects_patient_level(self):
        results, r = self.server.find("QueryRetrieveLevel=PATIENT", "PatientID", model="-S")
        self.assertEqual(results, [])
        self.assertIn("datasetdoesnotmatchsopclass", (r.stdout + r.stderr).lower())  # A900

    def test_find_bad_date_is_refused_with_a900(self):
        results, r = self.server.find("QueryRetrieveLevel=STUDY", "StudyDate=2004-01-19x", model="-S")
        self.assertEqual(results, [])
        self.assertIn("datasetdoesnotmatchsopclass", (r.stdout + r.stderr).lower())  # A900
        self.assertEqual(self.server.echo(), 0)

    def test_find_unsupported_return_key_comes_back_empty(self):
        results, _ = self.server.find("QueryRetrieveLevel=STUDY", f"StudyInstanceUID={CT_SMALL_STUDY}",
                                      "InstitutionAddress")
        self.assertEqual(len(results), 1)
        self.assertEqual(results[0]["(0008,0081)"], "")

    # --- C-MOVE and C-GET ---
    def stored_bytes_by_uid(self, study_uid):
        out = {}
        for series in self.server.json(f"/api/studies/{study_uid}")["Series"]:
            for inst in self.server.json(f"/api/series/{series['SeriesInstanceUID']}")["Instances"]:
                got = self.download(inst["SOPInstanceUID"])
                out[inst["SOPInstanceUID"]] = dataset_bytes(got)
                got.unlink()
        return out

    def received_bytes_by_uid(self, folder):
        out = {}
        for f in Path(folder).iterdir():
            _, meta = read_meta(f)
            out[meta[(2, 3)]] = dataset_bytes(f)
        return out

    def move_to_storescp(self, study_uids):
        """C-MOVE of the studies to a bit-preserving storescp; returns (movescu run, bytes by UID)."""
        with tempfile.TemporaryDirectory() as out:
            scp = subprocess.Popen(["storescp", "+B", "+xa", "-aet", "DEST", "-od", out, str(self.dest_port)],
                                   env=self.server.env | {"TCP_NODELAY": "1"})
            try:
                wait_port(self.dest_port)
                r = self.server.tool("movescu", "-v", "-S", "-aec", "VIREO", "-aem", "DEST", "-k",
                                     "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + "\\".join(study_uids),
                                     "127.0.0.1", str(self.server.dicom_port), timeout=300)
                return r, self.received_bytes_by_uid(out)
            finally:
                scp.terminate()
                scp.wait()

    def test_move_study_to_storescp_is_byte_identical(self):
        study = sorted(self.find_studies("PatientID=" + DICOMDIR_CT_STUDY_PATIENT))[0]
        r, received = self.move_to_storescp([study])
        self.assertEqual(r.returncode, 0, r.stderr)
        stored = self.stored_bytes_by_uid(study)
        self.assertTrue(stored)
        self.assertEqual(set(received), set(stored))
        for uid in stored:
            self.assertEqual(received[uid], stored[uid], uid)

    def test_move_of_the_whole_archive_is_byte_identical(self):
        studies = [s["StudyInstanceUID"] for s in self.server.json("/api/studies?limit=1000")]
        r, received = self.move_to_storescp(studies)
        stored_uids = {i["SOPInstanceUID"]: i["SOPClassUID"] for i in
                       [x for s in studies for se in self.server.json(f"/api/studies/{s}")["Series"]
                        for x in self.server.json(f"/api/series/{se['SeriesInstanceUID']}")["Instances"]]}
        self.assertEqual(len(stored_uids), self.server.json("/api/stats")["instances"])
        for uid, data in received.items():
            got = self.download(uid)
            self.assertEqual(data, dataset_bytes(got), uid)
            got.unlink()
        # storescp refuses SOP classes it does not know (private ones); everything else arrives.
        missing = {uid: cls for uid, cls in stored_uids.items() if uid not in received}
        for uid, cls in missing.items():
            self.assertFalse(cls.startswith("1.2.840.10008.5.1.4.1.1."), f"{uid} ({cls}) was not moved")
        self.assertGreater(len(received), 0.9 * len(stored_uids), r.stdout[-2000:])

    def test_move_to_unknown_destination_is_a801(self):
        r = self.server.tool("movescu", "-v", "-S", "-aec", "VIREO", "-aem", "NOBODY", "-k",
                             "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={CT_SMALL_STUDY}", "127.0.0.1",
                             str(self.server.dicom_port))
        self.assertIn("movedestinationunknown", (r.stdout + r.stderr).lower())  # A801

    def test_get_series_is_byte_identical(self):
        series, _ = self.server.find("QueryRetrieveLevel=SERIES", f"StudyInstanceUID={CT_SMALL_STUDY}",
                                     "SeriesInstanceUID")
        uid = series[0]["(0020,000E)"]
        with tempfile.TemporaryDirectory() as out:
            r = self.server.tool("getscu", "-v", "-S", "+B", "-od", out, "-aec", "VIREO", "-k",
                                 "QueryRetrieveLevel=SERIES", "-k", f"StudyInstanceUID={CT_SMALL_STUDY}", "-k",
                                 f"SeriesInstanceUID={uid}", "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)
            received = self.received_bytes_by_uid(out)
        stored = self.stored_bytes_by_uid(CT_SMALL_STUDY)
        self.assertEqual(received, stored)

    def test_get_of_compressed_instance_is_decompressed_for_an_uncompressed_only_peer(self):
        # JPEG by DCMTK's decoders, JPEG 2000 (lossy and lossless) by ours (OpenJPEG).
        tested = []
        for name in ("CT_JPEGLosslessSV1.dcm", "CT1_J2KI.dcm", "MR_small_jp2klossless.dcm"):
            f = DICOM / "transfer_syntax" / name
            if self.status.get(f) != 0:
                continue  # stored under another file with the same SOP Instance UID
            tested.append(name)
            uid = read_meta(f)[1][(2, 3)]
            with self.subTest(name), tempfile.TemporaryDirectory() as out:
                r = self.server.tool("getscu", "-v", "-S", "-od", out, "-aec", "VIREO", "-k", "QueryRetrieveLevel=IMAGE",
                                     "-k", f"SOPInstanceUID={uid}", "127.0.0.1", str(self.server.dicom_port))
                self.assertEqual(r.returncode, 0, r.stderr)
                files = list(Path(out).iterdir())
                self.assertEqual(len(files), 1, r.stdout + r.stderr)
                self.assertEqual(read_meta(files[0])[1][(2, 0x10)], "1.2.840.10008.1.2.1")
                # DCMTK reads back every pixel of what it received.
                dump = self.server.tool("dcmdump", "+P", "PixelData", "+L", str(files[0]))
                self.assertEqual(dump.returncode, 0, dump.stderr)
        self.assertIn("CT1_J2KI.dcm", tested)

    def test_get_of_lossless_jpeg_2000_gives_the_original_pixels(self):
        # The corpus's lossless JPEG 2000 MR shares its SOP Instance UID with the uncompressed
        # one, so it is sent here under a new one; a peer that takes only uncompressed pixels
        # must get exactly the original's.
        def pixels(path):
            data = Path(path).read_bytes()
            at = data.rfind(b"\xe0\x7f\x10\x00OW")
            return data[at + 12:at + 12 + struct.unpack_from("<I", data, at + 8)[0]]

        with tempfile.TemporaryDirectory() as tmp:
            j2k = Path(tmp) / "mr_j2k.dcm"
            shutil.copy(DICOM / "transfer_syntax/MR_small_jp2klossless.dcm", j2k)
            uid = "2.25.%d" % (time.time_ns())
            r = self.server.tool("dcmodify", "-nb", "-m", f"(0008,0018)={uid}", str(j2k))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(read_meta(j2k)[1][(2, 3)], uid)
            statuses, out = self.server.store(j2k)
            self.assertEqual(statuses.get(str(j2k)), 0, out)
            got = Path(tmp) / "got"
            got.mkdir()
            r = self.server.tool("getscu", "-S", "-od", str(got), "-aec", "VIREO", "-k", "QueryRetrieveLevel=IMAGE",
                                 "-k", f"SOPInstanceUID={uid}", "127.0.0.1", str(self.server.dicom_port))
            self.assertEqual(r.returncode, 0, r.stderr)
            [received] = list(got.iterdir())
            self.assertEqual(read_meta(received)[1][(2, 0x10)], "1.2.840.10008.1.2.1")
            original = pixels(DICOM / "modality/MR_small.dcm")
            self.assertEqual(len(original), 64 * 64 * 2)
            self.assertEqual(pixels(received), original)


if __name__ == "__main__":
    unittest.main()


class StorageSyntaxTest(unittest.TestCase):
    """dcmsend proposes a compressed file's own syntax and the uncompressed ones in one
    presentation context, as scanners do: the archive takes the sender's first choice (and
    stores the compressed bytes), unless the site configured its own order."""

    JPEG_LOSSLESS = DICOM / "transfer_syntax" / "CT_JPEGLosslessSV1.dcm"

    def send(self, server, f):
        r = subprocess.run(["dcmsend", "-d", "-aec", server.aet, "127.0.0.1", str(server.dicom_port), str(f)],
                           env=server.env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout + r.stderr

    def stored_syntax(self, server, f):
        uid = read_meta(f)[1][(2, 3)]
        return server.json(f"/api/instances/{uid}")["AvailableTransferSyntaxUID"]

    def test_a_senders_lossless_compression_is_kept(self):
        server = Server().start()
        try:
            out = self.send(server, self.JPEG_LOSSLESS)
            # One context offered the file's syntax and the uncompressed ones: the choice was the archive's.
            proposed = out[out.index("Proposed Transfer Syntax(es):"):out.index("END A-ASSOCIATE-RQ")]
            self.assertIn("=JPEGLossless:Non-hierarchical-1stOrderPrediction", proposed)
            self.assertIn("=LittleEndianExplicit", proposed)
            self.assertEqual(self.stored_syntax(server, self.JPEG_LOSSLESS), "1.2.840.10008.1.2.4.70")
            _, _, body = server.http("GET", f"/api/instances/{read_meta(self.JPEG_LOSSLESS)[1][(2, 3)]}/file")
            self.assertLess(len(body), self.JPEG_LOSSLESS.stat().st_size * 1.1, "stored compressed")
        finally:
            server.cleanup()

    def test_a_sites_own_order_comes_first(self):
        server = Server(extra_env={"VIREO_DICOM_STORAGE_TRANSFER_SYNTAXES": "1.2.840.10008.1.2.1"}).start()
        try:
            self.send(server, self.JPEG_LOSSLESS)
            self.assertEqual(self.stored_syntax(server, self.JPEG_LOSSLESS), "1.2.840.10008.1.2.1")
        finally:
            server.cleanup()

    def test_an_order_naming_a_syntax_the_archive_does_not_store_stops_the_start(self):
        server = Server(extra_env={"VIREO_DICOM_STORAGE_TRANSFER_SYNTAXES": "1.2.3.4"})
        try:
            with self.assertRaises(RuntimeError) as e:
                server.start()
            self.assertIn("does not store transfer syntax 1.2.3.4", str(e.exception))
        finally:
            server.cleanup()
