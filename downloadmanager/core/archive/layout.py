"""Where every instance of a catalog goes: readable folders or a DICOM medium.

Two layouts, both pure plans (nothing is written here):

* **readable** – ``Muster_Max_1970-01-01/2026-11-20_CT-Thorax/Series_001_Axial/IM000001.dcm``,
  names made safe for every file system (:mod:`.names`);
* **media** – the IHE PDI / DICOM media layout a viewer expects next to a
  DICOMDIR: ``DICOM/PAT00001/STU00001/SER00001/IMG00001`` (ISO 9660 names:
  8 upper-case characters, no extension).

Names are always built from sanitised catalog values and counters, never
taken from a server or from the source medium's file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from downloadmanager.core.archive.names import (
    dicom_date_component,
    iso_name,
    person_name_component,
    safe_component,
    unique_name,
)
from downloadmanager.core.scan.model import Instance, Patient, ScanResult, Series, Study

MEDIA_ROOT = "DICOM"


@dataclass(frozen=True, slots=True)
class PlannedFile:
    """One instance and the relative path it gets in the layout ("/" separated)."""

    instance: Instance
    patient: Patient
    study: Study
    series: Series
    relpath: PurePosixPath


def _sorted_instances(series: Series) -> list[Instance]:
    big = 1 << 62
    return sorted(series.instances, key=lambda i: (
        i.instance_number if i.instance_number is not None else big, i.sop_instance_uid))


def _sorted_series(study: Study) -> list[Series]:
    big = 1 << 62
    return sorted(study.series.values(), key=lambda s: (
        s.series_number if s.series_number is not None else big, s.series_instance_uid))


def _sorted_studies(patient: Patient) -> list[Study]:
    return sorted(patient.studies.values(), key=lambda st: (
        st.study_date or "99999999", st.study_time or "", st.study_instance_uid))


def _sorted_patients(result: ScanResult) -> list[Patient]:
    return sorted(result.patients, key=lambda p: (p.patient_name, p.patient_id, p.birth_date))


def patient_folder_name(patient: Patient) -> str:
    """``Nachname_Vorname_1970-01-01`` (birth date left out when unknown)."""
    name = person_name_component(patient.patient_name)
    birth = dicom_date_component(patient.birth_date)
    if name == "Unbekannt" and patient.patient_id:
        name = safe_component(patient.patient_id, fallback="Unbekannt", max_len=32)
    return safe_component(f"{name}_{birth}" if birth else name, max_len=60)


def study_folder_name(study: Study) -> str:
    """``2026-11-20_CT-Thorax``: date and description (or modalities)."""
    date = dicom_date_component(study.study_date) or "ohne-Datum"
    label = study.study_description.strip() or "-".join(study.modalities) or "Studie"
    return safe_component(f"{date}_{label}", max_len=60)


def series_folder_name(series: Series) -> str:
    """``Series_001_Axial``: number and description (or modality)."""
    number = f"{series.series_number:03d}" if series.series_number is not None else "000"
    label = series.series_description.strip() or series.modality or ""
    return safe_component(f"Series_{number}_{label}" if label else f"Series_{number}", max_len=48)


def plan_readable(result: ScanResult) -> list[PlannedFile]:
    """The readable folder layout of every instance in RESULT."""
    planned: list[PlannedFile] = []
    patient_names: set[str] = set()
    for patient in _sorted_patients(result):
        p_dir = unique_name(patient_folder_name(patient), patient_names)
        study_names: set[str] = set()
        for study in _sorted_studies(patient):
            st_dir = unique_name(study_folder_name(study), study_names)
            series_names: set[str] = set()
            for series in _sorted_series(study):
                se_dir = unique_name(series_folder_name(series), series_names)
                for n, instance in enumerate(_sorted_instances(series), start=1):
                    rel = PurePosixPath(p_dir, st_dir, se_dir, f"IM{n:06d}.dcm")
                    planned.append(PlannedFile(instance, patient, study, series, rel))
    return planned


def plan_media(result: ScanResult) -> list[PlannedFile]:
    """The DICOM media layout (``DICOM/PAT00001/STU00001/SER00001/IMG00001``)."""
    planned: list[PlannedFile] = []
    for p_no, patient in enumerate(_sorted_patients(result), start=1):
        for st_no, study in enumerate(_sorted_studies(patient), start=1):
            for se_no, series in enumerate(_sorted_series(study), start=1):
                for i_no, instance in enumerate(_sorted_instances(series), start=1):
                    rel = PurePosixPath(MEDIA_ROOT, iso_name("PAT", p_no), iso_name("STU", st_no),
                                        iso_name("SER", se_no), iso_name("IMG", i_no))
                    planned.append(PlannedFile(instance, patient, study, series, rel))
    return planned
