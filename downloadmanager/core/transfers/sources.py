"""What the engine needs to know about the files it uploads, and how to open them.

A study to upload is a study UID plus instance records. The scanner's
catalog provides them (``from_catalog_instance``); tests may build them
directly. A record names a file on the medium, optionally a member of a
ZIP file.
"""

from __future__ import annotations

import os
import threading
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from downloadmanager.core.transfers.bundle import dicom_member_name, document_member_name
from downloadmanager.core.transfers.model import JobItem


@dataclass(frozen=True)
class InstanceSource:
    """One DICOM instance as found on a medium."""

    path: str
    size: int
    sop_instance_uid: str
    sop_class_uid: str
    series_instance_uid: str
    transfer_syntax_uid: str
    zip_member: str | None = None

    def open(self) -> BinaryIO:
        """Open the instance's bytes for reading."""
        return open_source(self.path, self.zip_member)


@dataclass(frozen=True)
class StudySource:
    """The instances of one study chosen for upload."""

    study_instance_uid: str
    instances: list[InstanceSource]


#: Test and benchmark hook: read sources at most this fast (bytes per second)
#: to simulate an optical drive (a 52x CD drive reads about 7.8 MB/s).
SIMULATED_READ_RATE_ENV = "DOWNLOADMANAGER_SIMULATED_READ_RATE"


class _SimulatedDrive:
    """One drive for the whole process: reads share its rate, as on a real drive."""

    lock = threading.Lock()
    next_free = 0.0

    @classmethod
    def take(cls, n: int, rate: float) -> None:
        with cls.lock:
            now = time.monotonic()
            start = max(now, cls.next_free)
            cls.next_free = start + n / rate
            wait = cls.next_free - now
        if wait > 0:
            time.sleep(wait)


class _ThrottledReader:
    """Wraps a source handle so reads take as long as on the simulated drive."""

    def __init__(self, handle: BinaryIO, rate: float) -> None:
        self._handle, self._rate = handle, rate

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        if data:
            _SimulatedDrive.take(len(data), self._rate)
        return data

    def close(self) -> None:
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


def _simulated_rate() -> float | None:
    value = os.environ.get(SIMULATED_READ_RATE_ENV, "")
    try:
        rate = float(value)
    except ValueError:
        return None
    return rate if rate > 0 else None


def open_source(path: str, zip_member: str | None = None) -> BinaryIO:
    """Open a file, or a member of a ZIP file, for reading bytes."""
    rate = _simulated_rate()
    if rate is not None:
        return _ThrottledReader(_open_source(path, zip_member), rate)  # type: ignore[return-value]
    return _open_source(path, zip_member)


def _open_source(path: str, zip_member: str | None) -> BinaryIO:
    if zip_member is None:
        return open(path, "rb")  # noqa: SIM115 - returned to the caller
    archive = zipfile.ZipFile(path)
    try:
        member = archive.open(zip_member)
    except BaseException:
        archive.close()
        raise
    # Keep the archive open as long as the member stream lives.
    member._downloadmanager_archive = archive  # type: ignore[attr-defined]
    return member


def close_source(handle: BinaryIO) -> None:
    """Close a handle from ``open_source`` (and its ZIP archive, if any)."""
    handle.close()
    handle = getattr(handle, "_handle", handle)
    archive = getattr(handle, "_downloadmanager_archive", None)
    if archive is not None:
        archive.close()


def job_items_for(study: StudySource, attachments: Iterable[Path] = ()) -> list[JobItem]:
    """The bundle members of a job: the study's instances, then the attached PDFs."""
    items: list[JobItem] = []
    ordered = sorted(study.instances, key=lambda i: (i.series_instance_uid, i.path,
                                                     i.zip_member or ""))
    for index, inst in enumerate(ordered, start=1):
        items.append(JobItem(
            seq=index, kind="dicom", name=dicom_member_name(index), source_path=inst.path,
            zip_member=inst.zip_member, size=inst.size,
            sop_instance_uid=inst.sop_instance_uid, sop_class_uid=inst.sop_class_uid,
            series_instance_uid=inst.series_instance_uid,
            transfer_syntax_uid=inst.transfer_syntax_uid))
    for index, doc in enumerate(attachments, start=1):
        doc = Path(doc)
        items.append(JobItem(
            seq=len(ordered) + index, kind="document", name=document_member_name(index, doc.name),
            source_path=str(doc.resolve()), size=doc.stat().st_size, title=doc.name))
    return items


def from_catalog_instance(instance) -> InstanceSource:
    """Adapt an instance of the scanner's catalog (``downloadmanager.core.scan.Instance``).

    For an instance inside a ZIP archive, ``path`` is the archive and
    ``zip_member`` the member name.
    """
    return InstanceSource(
        path=str(instance.path), size=int(instance.size),
        sop_instance_uid=instance.sop_instance_uid, sop_class_uid=instance.sop_class_uid,
        series_instance_uid=instance.series_instance_uid,
        transfer_syntax_uid=instance.transfer_syntax_uid, zip_member=instance.zip_member)


def from_catalog_study(study) -> StudySource:
    """Adapt a study of the scanner's catalog (``downloadmanager.core.scan.Study``)."""
    return StudySource(study.study_instance_uid,
                       [from_catalog_instance(i) for i in study.instances()])
