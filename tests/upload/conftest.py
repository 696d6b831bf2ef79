"""Fixtures of the upload tests: a private DOWNLOADMANAGER_HOME, synthetic studies,
an in-memory keyring."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from downloadmanager.core.transfers.model import JobItem
from downloadmanager.core.transfers.sources import InstanceSource, StudySource, job_items_for
from tests.dicom_factory import StudySpec, write_study


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps secrets in a dict (tests only)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


@pytest.fixture
def dm_home(tmp_path, monkeypatch) -> Path:
    """Every per-user folder below a temporary directory."""
    home = tmp_path / "dmhome"
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(home))
    return home


@pytest.fixture
def memory_keyring():
    """Install an in-memory keyring for the test; restore the previous one after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def study_source(folder: Path, *, series: int = 2, per_series: int = 3,
                 rows: int = 64, columns: int = 64) -> StudySource:
    """Write a synthetic study into FOLDER and describe it as an upload source."""
    import pydicom

    spec = StudySpec()
    files = write_study(folder, spec, series=series, per_series=per_series, rows=rows,
                        columns=columns)
    instances = []
    for path in files:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        instances.append(InstanceSource(
            path=str(path), size=path.stat().st_size, sop_instance_uid=ds.SOPInstanceUID,
            sop_class_uid=ds.SOPClassUID, series_instance_uid=ds.SeriesInstanceUID,
            transfer_syntax_uid=ds.file_meta.TransferSyntaxUID))
    return StudySource(spec.study_uid, instances)


@pytest.fixture
def small_study(tmp_path) -> StudySource:
    """Six small CT instances in two series."""
    return study_source(tmp_path / "medium")


def items_of(study: StudySource, attachments=()) -> list[JobItem]:
    """Job items of a study source."""
    return job_items_for(study, attachments)
