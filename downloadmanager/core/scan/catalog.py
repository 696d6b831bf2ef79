"""Group instances into the catalog: Patient -> Study -> Series -> Instance.

Patients are keyed by (patient ID, name, birth date), studies by Study
Instance UID (a study stays with the first patient it was seen under, even if
later files spell the name differently), series by Series Instance UID within
their study. The same SOP Instance UID twice is a duplicate: counted once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # header.py brings pydicom, which a scan loads only once it reads a file
    from dicomkit.header import HeaderInfo
from downloadmanager.core.scan.model import (
    Instance,
    InstanceSource,
    Patient,
    Problem,
    ProblemKind,
    Series,
    Study,
)


class CatalogBuilder:
    """Collects instances and files them under patient, study and series."""

    def __init__(self) -> None:
        self._patients: dict[tuple[str, str, str], Patient] = {}
        self._studies: dict[str, Study] = {}
        self._seen: dict[str, str] = {}  # SOP Instance UID -> where it was first seen

    def add(self, info: HeaderInfo, source: InstanceSource, size: int, *,
            in_dicomdir: bool = False, verified: bool = True) -> Instance | Problem:
        """File one instance; return it, or a ``duplicate`` problem if its UID was seen before."""
        first = self._seen.get(info.sop_instance_uid)
        if first is not None:
            return Problem(source.display, ProblemKind.DUPLICATE,
                           f"same SOP Instance UID as {first}; counted once")
        self._seen[info.sop_instance_uid] = source.display
        instance = Instance(
            source=source, size=size,
            sop_instance_uid=info.sop_instance_uid, sop_class_uid=info.sop_class_uid,
            transfer_syntax_uid=info.transfer_syntax_uid, instance_number=info.instance_number,
            series_instance_uid=info.series_instance_uid, study_instance_uid=info.study_instance_uid,
            in_dicomdir=in_dicomdir, verified=verified,
        )
        self._series_for(info).instances.append(instance)
        return instance

    def patients(self) -> list[Patient]:
        """The catalog, patients and their studies in a stable, readable order."""
        patients = sorted(self._patients.values(), key=lambda p: (p.patient_name, p.patient_id, p.birth_date))
        for patient in patients:
            patient.studies = dict(sorted(patient.studies.items(),
                                          key=lambda kv: (kv[1].study_date, kv[1].study_time, kv[0])))
            for study in patient.studies.values():
                study.series = dict(sorted(study.series.items(),
                                           key=lambda kv: (_number_key(kv[1].series_number), kv[0])))
                for series in study.series.values():
                    series.instances.sort(key=lambda i: (_number_key(i.instance_number), i.source.display))
        return patients

    def _series_for(self, info: HeaderInfo) -> Series:
        study = self._studies.get(info.study_instance_uid)
        if study is None:
            key = (info.patient_id, info.patient_name, info.birth_date)
            patient = self._patients.get(key)
            if patient is None:
                patient = self._patients[key] = Patient(info.patient_id, info.patient_name,
                                                        info.birth_date, info.sex)
            study = Study(info.study_instance_uid)
            patient.studies[info.study_instance_uid] = study
            self._studies[info.study_instance_uid] = study
        _fill_blanks(study, info, ("study_date", "study_time", "study_description", "accession_number"))
        series = study.series.get(info.series_instance_uid)
        if series is None:
            series = study.series[info.series_instance_uid] = Series(info.series_instance_uid)
        _fill_blanks(series, info, ("series_number", "modality", "series_description"))
        return series


def _fill_blanks(target: object, info: HeaderInfo, names: tuple[str, ...]) -> None:
    """Take attributes from the first instance that has them."""
    for name in names:
        if getattr(target, name) in ("", None):
            value = getattr(info, name)
            if value not in ("", None):
                setattr(target, name, value)


def _number_key(number: int | None) -> tuple[int, int]:
    return (0, number) if number is not None else (1, 0)
