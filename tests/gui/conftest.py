"""GUI tests run headless: the offscreen platform is chosen before Qt is imported."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.dicom_factory import StudySpec, write_study  # noqa: E402
from tests.gui.helpers import write_sr  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"


def lrelease() -> str:
    """Path of pyside6-lrelease (next to the test interpreter when not on PATH)."""
    return shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """The .qm files, built from the .ts sources when scripts/setup.sh has not run."""
    for ts in sorted(TRANSLATIONS.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True)
    return TRANSLATIONS


@pytest.fixture(autouse=True)
def us_english_system(monkeypatch):
    """The same system locale on every machine (en_US), so texts and dates are predictable."""
    from PySide6.QtCore import QLocale

    monkeypatch.setattr(QLocale, "system", staticmethod(
        lambda: QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)))


@pytest.fixture(autouse=True)
def dm_home(tmp_path, monkeypatch):
    """Every test gets its own settings folder."""
    home = tmp_path / "dm-home"
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(home))
    return home


@pytest.fixture
def medium(tmp_path) -> Path:
    """A small synthetic CD: two patients, three studies, an SR report and a damaged file.

    Patient Muster: CT study (2 series x 3 images) with an SR series, and an
    older MR-like study (1 series x 2). Patient Schmidt: one study (1 x 4).
    """
    root = tmp_path / "cd"
    ct = StudySpec(patient_name="Muster^Max", patient_id="PID-1", study_description="CT Thorax",
                   study_date="20261120")
    write_study(root / "ct", ct, series=2, per_series=3)
    write_sr(root / "ct", ct)
    old = StudySpec(patient_name="Muster^Max", patient_id="PID-1", study_description="CT Kopf",
                    study_date="20240305", accession_number="ACC-2")
    write_study(root / "old", old, series=1, per_series=2)
    other = StudySpec(patient_name="Schmidt^Anna", patient_id="PID-2", birth_date="19850612",
                      sex="F", study_description="CT Abdomen", study_date="20250901",
                      accession_number="ACC-3")
    write_study(root / "other", other, series=1, per_series=4)
    good = (root / "ct" / "IM000001.dcm").read_bytes()
    (root / "broken.dcm").write_bytes(good[:600])  # a cut-off copy: "corrupt"
    return root


@pytest.fixture
def make_window(qtbot):
    """Factory for main windows with no real volumes; English unless settings say otherwise.

    ``saved_settings=True`` lets the window read the settings file like a real start.
    """
    from downloadmanager.core.settings import Settings
    from downloadmanager.gui.main_window import MainWindow

    windows = []

    def make(*, saved_settings: bool = False, **kwargs):
        kwargs.setdefault("volume_lister", list)
        if not saved_settings:
            kwargs.setdefault("settings", Settings(language="en"))
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.language_switcher.apply("en")  # translators are global to the application
