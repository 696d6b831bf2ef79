"""The scan result as the plain JSON document of ``downloadmanager scan --json``.

The names and types here are a public contract (documented in docs/cli.md):
add keys if needed, never rename or retype the existing ones.
"""

from __future__ import annotations

from typing import Any

from downloadmanager.core.scan.model import ScanResult, Series, Study


def result_document(result: ScanResult) -> dict[str, Any]:
    """The JSON-ready document for ``result``."""
    return {
        "root": str(result.root),
        "mode": result.mode,
        "files_examined": result.files_examined,
        "dicomdirs": list(result.dicomdirs),
        "patients": [
            {
                "patient_id": patient.patient_id,
                "patient_name": patient.patient_name,
                "birth_date": patient.birth_date,
                "sex": patient.sex,
                "studies": [_study(study) for study in patient.studies.values()],
            }
            for patient in result.patients
        ],
        "problems": [
            {"path": problem.path, "kind": problem.kind.value, "detail": problem.detail}
            for problem in result.problems
        ],
    }


def _study(study: Study) -> dict[str, Any]:
    return {
        "study_instance_uid": study.study_instance_uid,
        "study_date": study.study_date,
        "study_time": study.study_time,
        "study_description": study.study_description,
        "accession_number": study.accession_number,
        "modalities": study.modalities,
        "instances": study.instance_count,
        "bytes": study.bytes,
        "sop_classes": study.sop_classes,
        "transfer_syntaxes": study.transfer_syntaxes,
        "series": [_series(series) for series in study.series.values()],
    }


def _series(series: Series) -> dict[str, Any]:
    return {
        "series_instance_uid": series.series_instance_uid,
        "series_number": series.series_number,
        "modality": series.modality,
        "series_description": series.series_description,
        "instances": series.instance_count,
        "bytes": series.bytes,
    }
