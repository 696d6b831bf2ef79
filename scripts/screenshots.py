"""Take screenshots of every page of the window, in German and English.

Run through ``scripts/screenshots.sh`` (it starts a virtual X display). A
synthetic demo CD is generated first (no patient data): two patients with
phantom CT and MR series, a report without images, pydicom's sample images,
a JPEG 2000 image (no codec installed: placeholder), a damaged file and an
autorun.inf. The real scanner reads it, as if the CD had been dropped.

The window is logged in to the demo portal of ``downloadmanager demo`` (in
this process, passwords in memory only): the Receive page lists the study
behind the demo access code, and the Transfers page shows the demo CD's
checked study sent to "Radiologie Klinikum Saarbrücken" and verified.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dicom_factory import StudySpec, make_ct_dataset  # noqa: E402
from tests.gui.helpers import write_sr  # noqa: E402


def phantom(size: int, variant: int) -> np.ndarray:
    """A head-like phantom in Hounsfield units (air, skull, brain, ventricles)."""
    yy, xx = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]
    hu = np.full((size, size), -1000.0)
    head = (xx / 0.72) ** 2 + (yy / 0.9) ** 2
    hu[head <= 1.0] = 900.0  # skull
    hu[head <= 0.86] = 35.0  # brain
    shift = 0.04 * variant
    for cx in (-0.18, 0.18):
        hu[((xx - cx) / (0.09 + shift)) ** 2 + ((yy + 0.1) / 0.3) ** 2 <= 1.0] = 5.0  # ventricles
    hu[((xx - 0.3) / 0.1) ** 2 + ((yy - 0.4) / 0.1) ** 2 <= 1.0] = 70.0  # a bleed
    noise = np.random.default_rng(variant).normal(0, 6, hu.shape)
    return hu + noise


def write_series(folder: Path, spec: StudySpec, *, number: int, description: str,
                 modality: str, images: int, size: int = 256) -> None:
    series_uid = generate_uid()
    for i in range(1, images + 1):
        ds = make_ct_dataset(spec, series_uid=series_uid, series_number=number, instance_number=i,
                             rows=size, columns=size, modality=modality,
                             series_description=description)
        hu = phantom(size, i % 4)
        if modality == "MR":
            hu = np.clip((hu + 100) * 2.5, 0, 4000)  # a T1-ish contrast: skull dark below
            ds.RescaleIntercept, ds.RescaleSlope = 0, 1
            ds.WindowCenter, ds.WindowWidth = 300, 600
        else:
            ds.WindowCenter, ds.WindowWidth = (40, 80) if number == 1 else (600, 2800)
        stored = np.clip(hu - float(ds.RescaleIntercept), 0, 4095).astype(np.uint16)
        ds.PixelData = stored.tobytes()
        folder.mkdir(parents=True, exist_ok=True)
        ds.save_as(folder / f"S{number:02d}I{i:03d}.dcm", enforce_file_format=True)


def build_demo_cd(root: Path) -> Path:
    """Write the demo CD into ROOT; return ROOT."""
    head = StudySpec(patient_name="Muster^Max", patient_id="PAT-4711", birth_date="19580312",
                     study_description="CT Schädel nativ", study_date="20261118",
                     accession_number="A-2026-1182")
    write_series(root / "CT1", head, number=1, description="Hirn 5 mm", modality="CT", images=12)
    write_series(root / "CT1", head, number=2, description="Knochen 1 mm", modality="CT", images=20)
    write_sr(root / "CT1", head)
    mr = StudySpec(patient_name="Muster^Max", patient_id="PAT-4711", birth_date="19580312",
                   study_description="MRT Kopf", study_date="20250607", accession_number="A-2025-0931")
    write_series(root / "MR1", mr, number=1, description="T1 axial", modality="MR", images=10,
                 size=192)
    other = StudySpec(patient_name="Schmidt^Anna", patient_id="PAT-0815", birth_date="19850612",
                      sex="F", study_description="Beispielbilder", study_date="20260902",
                      accession_number="A-2026-0777")
    samples = root / "SAMPLES"
    samples.mkdir(parents=True)
    for number, name in enumerate(("CT_small.dcm", "MR_small.dcm", "MR_small_jp2klossless.dcm"), 1):
        source = get_testdata_file(name)
        if source is None:
            continue
        ds = pydicom.dcmread(source)
        ds.PatientName, ds.PatientID, ds.PatientBirthDate = (other.patient_name, other.patient_id,
                                                            other.birth_date)
        ds.StudyInstanceUID, ds.StudyDate = other.study_uid, other.study_date
        ds.StudyDescription, ds.AccessionNumber = other.study_description, other.accession_number
        ds.SeriesInstanceUID, ds.SeriesNumber = generate_uid(), number
        ds.SeriesDescription = {1: "CT Probe", 2: "MR Probe", 3: "MR JPEG 2000"}[number]
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.save_as(samples / f"IMG{number:04d}.dcm")
    first = next((root / "CT1").glob("*.dcm")).read_bytes()
    (root / "CT1" / "DEFEKT.dcm").write_bytes(first[:900])
    (root / "AUTORUN.INF").write_text("[autorun]\nopen=viewer.exe\n", encoding="ascii")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dm-screens-"))
    os.environ["DOWNLOADMANAGER_HOME"] = str(work / "home")
    from downloadmanager.cli.demo_setup import install_demo_keyring, prepare_demo

    install_demo_keyring()
    environment = prepare_demo(work / "home")
    try:
        return take(build_demo_cd(work / "PRAXIS_CD"), args.out, environment)
    finally:
        environment.close()
        shutil.rmtree(work, ignore_errors=True)


def take(demo: Path, out: Path, environment) -> int:
    from PySide6.QtWidgets import QApplication

    from downloadmanager.core.settings import Settings
    from downloadmanager.gui.app import create_application
    from downloadmanager.gui.main_window import MainWindow
    from downloadmanager.gui.scan_tree_model import ThumbnailStateRole

    app = create_application(sys.argv[:1])
    print(f"Qt platform: {app.platformName()}")
    out.mkdir(parents=True, exist_ok=True)
    names = ("send", "receive", "transfers", "settings")
    for language in ("de", "en"):
        window = MainWindow(settings=Settings(language=language, portal_url=environment.url),
                            volume_lister=list)
        window.confirm_quit = lambda: True
        window.session.remember_communities([{"name": environment.community_name,
                                              "code": environment.community_code}])
        window.session.use_client(environment.client)
        window.resize(1280, 800)
        window.show()
        page = window.send_page
        page.start_scan(demo)
        wait_until(app, lambda: page._result is not None, "scan")
        series = [page.model.index(r, 0, s) for s in _studies(page.model)
                  for r in range(page.model.rowCount(s))]
        wait_until(app, lambda: all(i.data(ThumbnailStateRole) != "loading" for i in series),
                   "thumbnails")
        page.model.setData(page.model.index(0, 0, page.model.index(0, 0)), 2, 10)  # check a study
        page.problems.set_expanded(True)
        receive = window.receive_page
        receive.code_edit.setText(environment.access_code)
        receive.birth_date_edit.set_birth_date(environment.birth_date)
        receive.show_studies()
        wait_until(app, lambda: receive.session is not None, "the studies behind the code")
        if language == "de":  # the queue is kept: the English window shows the same transfer
            send_checked_study(app, window, environment)
        window.send_panel.picker.set_recipient({"name": environment.community_name,
                                                "code": environment.community_code})
        for index, name in enumerate(names):
            window.show_page(index)
            for _ in range(5):
                app.processEvents()
            path = out / f"{name}-{language}.png"
            window.grab().save(str(path))
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KiB")
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    return 0


def send_checked_study(app, window, environment) -> None:
    """Send the checked study to the demo community and wait until the portal verified it."""
    from downloadmanager.core.transfers.model import JobState

    panel = window.send_panel
    panel.picker.set_recipient({"name": environment.community_name,
                                "code": environment.community_code})
    panel.note.edit.setPlainText("Bitte an Dr. Weiß, Neurochirurgie")
    panel.send_button.click()
    transfers = window.transfers_page
    model = transfers.model
    wait_until(app, lambda: model.rowCount() > 0 and all(
        model.job(row).state == JobState.DONE for row in range(model.rowCount())),
        "the verified transfer", timeout=120)
    transfers.select_job(model.job(0).id)
    window.send_page.model.setData(  # tick it again for the Send page's picture
        window.send_page.model.index(0, 0, window.send_page.model.index(0, 0)), 2, 10)


def _studies(model):
    return [model.index(s, 0, model.index(p, 0))
            for p in range(model.rowCount()) for s in range(model.rowCount(model.index(p, 0)))]


def wait_until(app, condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    raise SystemExit(main())
