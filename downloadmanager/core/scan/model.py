"""The catalog a scan builds: Patient -> Study -> Series -> Instance, plus problems.

Instances carry everything later steps need (where the bytes are, their size,
UIDs, transfer syntax), so the upload engine and the GUI never have to read
the medium's headers again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class ProblemKind(str, enum.Enum):
    """What is wrong with one path on the medium."""

    MISSING = "missing"  # referenced by a DICOMDIR, but absent
    CORRUPT = "corrupt"  # truncated or unparsable DICOM
    NOT_DICOM = "not_dicom"  # viewer programs, autorun.inf, HTML, ...
    UNREADABLE = "unreadable"  # permissions, I/O error, not a regular file
    DUPLICATE = "duplicate"  # same SOP Instance UID seen before; counted once


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem, with the path relative to the scanned root ("/" separators)."""

    path: str
    kind: ProblemKind
    detail: str


@dataclass(frozen=True, slots=True)
class InstanceSource:
    """Where an instance's bytes live.

    ``path`` is the file on disk, or the ZIP archive when ``member`` is set
    (``member`` is then the exact name inside the archive). ``display`` is the
    path relative to the scanned root, e.g. ``archive.zip/dir/IM1``.
    """

    path: Path
    member: str | None = None
    display: str = ""


@dataclass(slots=True)
class Instance:
    """One DICOM object found on the medium."""

    source: InstanceSource
    size: int
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    instance_number: int | None
    series_instance_uid: str
    study_instance_uid: str
    in_dicomdir: bool = False  # referenced by a DICOMDIR of the medium
    verified: bool = True  # header read from the file itself (False in quick mode)

    @property
    def path(self) -> Path:
        """The file on disk, or the ZIP archive holding the instance."""
        return self.source.path

    @property
    def zip_member(self) -> str | None:
        """The member name inside the ZIP archive at ``path``, or None for a plain file."""
        return self.source.member


@dataclass(slots=True)
class Series:
    """A series and its instances."""

    series_instance_uid: str
    series_number: int | None = None
    modality: str = ""
    series_description: str = ""
    instances: list[Instance] = field(default_factory=list)

    @property
    def instance_count(self) -> int:
        return len(self.instances)

    @property
    def bytes(self) -> int:
        return sum(i.size for i in self.instances)


@dataclass(slots=True)
class Study:
    """A study, keyed by its Study Instance UID."""

    study_instance_uid: str
    study_date: str = ""
    study_time: str = ""
    study_description: str = ""
    accession_number: str = ""
    series: dict[str, Series] = field(default_factory=dict)

    @property
    def modalities(self) -> list[str]:
        return sorted({s.modality for s in self.series.values() if s.modality})

    @property
    def instance_count(self) -> int:
        return sum(s.instance_count for s in self.series.values())

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.series.values())

    @property
    def sop_classes(self) -> list[str]:
        return sorted({i.sop_class_uid for i in self.instances() if i.sop_class_uid})

    @property
    def transfer_syntaxes(self) -> list[str]:
        return sorted({i.transfer_syntax_uid for i in self.instances() if i.transfer_syntax_uid})

    def instances(self) -> list[Instance]:
        """All instances of the study, series by series."""
        return [i for s in self.series.values() for i in s.instances]


@dataclass(slots=True)
class Patient:
    """A patient, keyed by (patient ID, name, birth date)."""

    patient_id: str
    patient_name: str
    birth_date: str = ""
    sex: str = ""
    studies: dict[str, Study] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.patient_id, self.patient_name, self.birth_date)


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Where a running scan is; handed to the ``progress`` callback.

    ``files_total`` is None while the medium is still being listed;
    ``current_path`` is the path (relative to the root) just examined.
    """

    files_done: int
    files_total: int | None
    current_path: str


@dataclass(slots=True)
class ScanResult:
    """What a scan found.

    ``mode`` is ``"full"`` (every file's header read) or ``"quick"`` (the
    DICOMDIR alone; referenced files checked for existence, not opened).
    ``files_examined`` counts files and ZIP members looked at (DICOMDIRs
    included).
    """

    root: Path
    mode: str
    patients: list[Patient]
    problems: list[Problem]
    files_examined: int
    dicomdirs: list[str] = field(default_factory=list)

    def instances(self) -> list[Instance]:
        """Every instance of the catalog."""
        return [i for p in self.patients for st in p.studies.values() for i in st.instances()]

    def studies(self) -> list[Study]:
        """Every study of the catalog."""
        return [st for p in self.patients for st in p.studies.values()]
