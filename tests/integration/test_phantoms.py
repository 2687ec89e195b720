"""The demo's phantoms (`vireo-synth phantoms`, loaded by `make run`): each tissue at a plausible
value where the anatomy puts it, oriented as a real acquisition, and accepted by the archive."""
import re
import shutil
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import VIREO, Server

SYNTH = VIREO.parent / "vireo-synth"


def tag(path, element):
    out = subprocess.run(["dcmdump", "+P", element, str(path)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"\[([^\]]*)\]", out) or re.search(r"\) [A-Z]{2} (\S+)", out)  # strings, or numbers (US)
    return m.group(1) if m else ""


def pixels(path, rows, columns):
    """The stored values of an uncompressed 16-bit image: the file's last rows×columns×2 bytes."""
    data = Path(path).read_bytes()[-rows * columns * 2:]
    return struct.unpack(f"<{rows * columns}H", data)


class PhantomTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = Path(tempfile.mkdtemp(prefix="vireo-phantoms-"))
        subprocess.run([SYNTH, "phantoms", cls.out], check=True, capture_output=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def hu(self, path, x_mm, y_mm, mm, n=512, patch=2):
        """The median Hounsfield value around a point (mm from the image centre; x to the
        patient's left, y to posterior)."""
        px = pixels(path, n, n)
        i, j = round(n / 2 + x_mm / mm), round(n / 2 + y_mm / mm)
        values = sorted(px[(j + dy) * n + i + dx] - 1024 for dy in range(-patch, patch + 1) for dx in range(-patch, patch + 1))
        return values[len(values) // 2]

    def test_head_ct_has_brain_ventricles_and_skull_where_they_belong(self):
        files = sorted(self.out.glob("head/*.dcm"), key=lambda p: int(p.stem))
        self.assertEqual(len(files), 32)
        self.assertEqual(tag(files[0], "0028,1050"), "40\\600")  # brain and bone windows
        mid = files[12]  # z = 26 mm: the lateral ventricles' level
        z = float(tag(mid, "0020,0032").split("\\")[2])
        self.assertAlmostEqual(z, 26, places=3)
        self.assertTrue(20 <= self.hu(mid, 35, 30, 0.45) <= 50, "white or grey matter beside the ventricles")
        self.assertTrue(-5 <= self.hu(mid, -9, -4, 0.45) <= 15, "CSF in the right lateral ventricle")
        half_width = 74 * (1 - ((z - 10) / 95) ** 2) ** 0.5  # the head narrows towards the vertex
        self.assertGreater(self.hu(mid, half_width - 6, 4, 0.45, patch=0), 800, "the outer table of the skull")
        self.assertLess(self.hu(mid, 0, -120, 0.45), -900, "air in front of the head")

    def test_chest_ct_has_lungs_enhanced_aorta_and_bone(self):
        files = sorted(self.out.glob("chest/*.dcm"), key=lambda p: int(p.stem))
        self.assertEqual(len(files), 44)
        self.assertEqual(tag(files[0], "0028,1051"), "400\\1500")  # mediastinum and lung windows
        heart = files[26]  # z = -30 mm
        self.assertLess(self.hu(heart, -110, -60, 0.7), -700, "the right lung (patient's right: image left)")
        self.assertGreater(self.hu(heart, 24, 50, 0.7), 250, "the descending aorta, with contrast, left of the spine")
        self.assertGreater(self.hu(heart, 0, 76, 0.7), 200, "a vertebral body")

    def test_mammograms_are_oriented_as_acquired_with_laterality_and_view(self):
        views = {}
        for f in self.out.glob("mammo/*.dcm"):
            side, view = tag(f, "0020,0062"), tag(f, "0018,5101")
            views[(side, view)] = f
            self.assertEqual(tag(f, "0008,0068"), "FOR PRESENTATION")
            rows, columns = int(tag(f, "0028,0010")), int(tag(f, "0028,0011"))
            px = pixels(f, rows, columns)
            # The chest wall (bright tissue across the whole edge) is where Patient Orientation
            # says posterior is: the right edge of a right breast's image, the left of a left one.
            left = sum(px[j * columns] for j in range(rows)) / rows
            right = sum(px[j * columns + columns - 1] for j in range(rows)) / rows
            orientation = tag(f, "0020,0020")
            self.assertEqual(orientation.split("\\")[0], "P" if side == "R" else "A", f)
            if side == "R":
                self.assertGreater(right, left * 4, f)
            else:
                self.assertGreater(left, right * 4, f)
        self.assertEqual(set(views), {("R", "CC"), ("L", "CC"), ("R", "MLO"), ("L", "MLO")})
        self.assertEqual(tag(views[("R", "MLO")], "0008,0100"), "399368009")  # SNOMED CT medio-lateral oblique

    def test_the_archive_takes_every_phantom(self):
        server = Server()
        try:
            r = server.cli("import", self.out)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            server.start()
            studies = server.json("/api/studies")
            self.assertEqual(sorted(s["StudyDescription"] for s in studies),
                             ["CT CHEST WITH CONTRAST", "CT HEAD WO CONTRAST", "MAMMO SCREENING BILATERAL"])
            self.assertEqual(server.json("/api/stats")["instances"], 32 + 44 + 4)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
