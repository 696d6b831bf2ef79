"""QIDO-RS: search studies, series and instances the caller may see."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import exists, func, select

from portal.access import visible_condition, visible_studies
from portal.auth import Principal, require_principal
from portal.dicomweb.dicomjson import dataset, dicom_json_response
from portal.dicomweb.matching import condition, modality_condition, parse_query
from portal.errors import not_found
from portal.schema import instances, series, studies

router = APIRouter(prefix="/dicomweb", tags=["DICOMweb"])

STUDY_KEYS = {"StudyInstanceUID", "PatientID", "PatientName", "StudyDate",
              "AccessionNumber", "ModalitiesInStudy", "StudyDescription"}
SERIES_KEYS = {"SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription"}
INSTANCE_KEYS = {"SOPInstanceUID", "SOPClassUID", "InstanceNumber"}

_RESPONSES = {
    200: {"description": "Matches as application/dicom+json (an empty array for none).",
          "content": {"application/dicom+json": {}}},
    400: {"description": "A matching value or limit/offset is malformed."},
    401: {"description": "No valid token."},
    404: {"description": "The study (or series) does not exist or is not yours to see."},
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/dicomweb"


def _study_conditions(query) -> list:
    conds = []
    for keyword, value in query.filters.items():
        if keyword == "ModalitiesInStudy":
            conds.append(exists().where(series.c.study_id == studies.c.id,
                                        modality_condition(series.c.modality, value)))
        elif keyword in STUDY_KEYS:
            column = {"PatientName": studies.c.patient_name, "PatientID": studies.c.patient_id,
                      "StudyDate": studies.c.study_date,
                      "AccessionNumber": studies.c.accession_number,
                      "StudyDescription": studies.c.study_description,
                      "StudyInstanceUID": studies.c.study_instance_uid}[keyword]
            conds.append(condition(keyword, column, value))
    return conds


def _series_conditions(query) -> list:
    columns = {"SeriesInstanceUID": series.c.series_instance_uid, "Modality": series.c.modality,
               "SeriesNumber": series.c.series_number,
               "SeriesDescription": series.c.series_description}
    return [condition(k, columns[k], v) for k, v in query.filters.items() if k in columns]


def _instance_conditions(query) -> list:
    columns = {"SOPInstanceUID": instances.c.sop_instance_uid,
               "SOPClassUID": instances.c.sop_class_uid,
               "InstanceNumber": instances.c.instance_number}
    return [condition(k, columns[k], v) for k, v in query.filters.items() if k in columns]


def _study_attributes(row) -> dict:
    return {"StudyInstanceUID": row.study_instance_uid, "PatientName": row.patient_name,
            "PatientID": row.patient_id, "PatientBirthDate": row.patient_birth_date,
            "PatientSex": row.patient_sex, "StudyDate": row.study_date,
            "StudyTime": row.study_time, "AccessionNumber": row.accession_number,
            "StudyDescription": row.study_description}


@router.get("/studies", responses=_RESPONSES, response_description="Matching studies.")
def search_studies(request: Request, principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Studies."""
    query = parse_query(request, STUDY_KEYS)
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(
            select(studies).where(visible_condition(principal), *_study_conditions(query))
            .order_by(studies.c.study_date.desc(), studies.c.received_at.desc())
        ).all()
        seen, unique = set(), []
        for row in rows:  # one study sent to two of the caller's communities: once
            if row.study_instance_uid not in seen:
                seen.add(row.study_instance_uid)
                unique.append(row)
        page = query.page(unique)
        ids = [r.id for r in page]
        counts = {r.study_id: (r.n_series, r.n_instances) for r in conn.execute(
            select(series.c.study_id, func.count(func.distinct(series.c.id)).label("n_series"),
                   func.count(instances.c.id).label("n_instances"))
            .select_from(series.outerjoin(instances, instances.c.series_id == series.c.id))
            .where(series.c.study_id.in_(ids)).group_by(series.c.study_id))} if ids else {}
        modalities: dict[int, set] = {}
        for study_id, modality in conn.execute(
                select(series.c.study_id, series.c.modality).distinct()
                .where(series.c.study_id.in_(ids))) if ids else ():
            if modality:
                modalities.setdefault(study_id, set()).add(modality)
    base = _base(request)
    items = []
    for row in page:
        n_series, n_instances = counts.get(row.id, (0, 0))
        items.append(dataset(
            **_study_attributes(row),
            ModalitiesInStudy=sorted(modalities.get(row.id, ())),
            NumberOfStudyRelatedSeries=n_series,
            NumberOfStudyRelatedInstances=n_instances,
            RetrieveURL=f"{base}/studies/{row.study_instance_uid}",
        ))
    return dicom_json_response(items, query.warning_headers())


def _series_items(request: Request, principal: Principal, study_uid: str | None) -> list[dict]:
    matchable = SERIES_KEYS | (STUDY_KEYS if study_uid is None else set())
    query = parse_query(request, matchable)
    base = _base(request)
    with request.app.state.engine.connect() as conn:
        if study_uid is not None:
            study_ids = [r.id for r in visible_studies(conn, principal, study_uid)]
            scope = [studies.c.id.in_(study_ids)]
        else:
            scope = [visible_condition(principal), *_study_conditions(query)]
        n_instances = (select(func.count()).where(instances.c.series_id == series.c.id)
                       .scalar_subquery())
        rows = conn.execute(
            select(series, studies, n_instances.label("n_instances"))
            .join(studies, studies.c.id == series.c.study_id)
            .where(*scope, *_series_conditions(query))
            .order_by(studies.c.study_date.desc(), studies.c.id, series.c.series_number,
                      series.c.id)
        ).all()
    seen, items = set(), []
    for row in rows:
        if row.series_instance_uid in seen:
            continue
        seen.add(row.series_instance_uid)
        items.append(dataset(
            **_study_attributes(row),
            SeriesInstanceUID=row.series_instance_uid, Modality=row.modality,
            SeriesNumber=row.series_number, SeriesDescription=row.series_description,
            NumberOfSeriesRelatedInstances=row.n_instances,
            RetrieveURL=f"{base}/studies/{row.study_instance_uid}/series/"
                        f"{row.series_instance_uid}",
        ))
    return dicom_json_response(query.page(items), query.warning_headers())


@router.get("/series", responses=_RESPONSES, response_description="Matching series.")
def search_all_series(request: Request, principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Series (over every visible study)."""
    return _series_items(request, principal, None)


@router.get("/studies/{study_uid}/series", responses=_RESPONSES,
            response_description="Matching series of the study.")
def search_series(study_uid: str, request: Request,
                  principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Series of one study."""
    return _series_items(request, principal, study_uid)


def _instance_items(request: Request, principal: Principal, study_uid: str | None,
                    series_uid: str | None):
    matchable = INSTANCE_KEYS | (SERIES_KEYS if series_uid is None else set()) | (
        STUDY_KEYS if study_uid is None else set())
    query = parse_query(request, matchable)
    base = _base(request)
    with request.app.state.engine.connect() as conn:
        if study_uid is not None:
            study_ids = [r.id for r in visible_studies(conn, principal, study_uid)]
            scope = [studies.c.id.in_(study_ids)]
        else:
            scope = [visible_condition(principal), *_study_conditions(query)]
        if series_uid is not None:
            scope.append(series.c.series_instance_uid == series_uid)
            if conn.execute(select(series.c.id).where(
                    series.c.study_id.in_(study_ids),
                    series.c.series_instance_uid == series_uid)).first() is None:
                raise not_found("series")
        rows = conn.execute(
            select(instances, series.c.series_instance_uid, series.c.series_number,
                   series.c.modality, series.c.series_description, studies)
            .join(series, series.c.id == instances.c.series_id)
            .join(studies, studies.c.id == series.c.study_id)
            .where(*scope, *_series_conditions(query), *_instance_conditions(query))
            .order_by(studies.c.id, series.c.series_number, series.c.id,
                      instances.c.instance_number, instances.c.id)
        ).all()
    seen, items = set(), []
    for row in rows:
        if row.sop_instance_uid in seen:
            continue
        seen.add(row.sop_instance_uid)
        items.append(dataset(
            **_study_attributes(row),
            SeriesInstanceUID=row.series_instance_uid, Modality=row.modality,
            SeriesNumber=row.series_number, SOPClassUID=row.sop_class_uid,
            SOPInstanceUID=row.sop_instance_uid, InstanceNumber=row.instance_number,
            AvailableTransferSyntaxUID=row.transfer_syntax_uid,
            RetrieveURL=f"{base}/studies/{row.study_instance_uid}/series/"
                        f"{row.series_instance_uid}/instances/{row.sop_instance_uid}",
        ))
    return dicom_json_response(query.page(items), query.warning_headers())


@router.get("/instances", responses=_RESPONSES, response_description="Matching instances.")
def search_all_instances(request: Request, principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Instances (over every visible study)."""
    return _instance_items(request, principal, None, None)


@router.get("/studies/{study_uid}/instances", responses=_RESPONSES,
            response_description="Matching instances of the study.")
def search_study_instances(study_uid: str, request: Request,
                           principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Instances of one study."""
    return _instance_items(request, principal, study_uid, None)


@router.get("/studies/{study_uid}/series/{series_uid}/instances", responses=_RESPONSES,
            response_description="Matching instances of the series.")
def search_series_instances(study_uid: str, series_uid: str, request: Request,
                            principal: Principal = Depends(require_principal)):
    """QIDO-RS Search For Instances of one series."""
    return _instance_items(request, principal, study_uid, series_uid)
