"""WADO-RS: retrieve studies, series and instances (multipart/related) and metadata.

Instances are sent as stored, byte for byte (no transcoding): a request
naming only transfer syntaxes we do not have gets 406.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from portal import audit
from portal.access import visible_instances
from portal.auth import Principal, require_principal
from portal.blobstore import blob_store_for
from portal.dicomweb.dicomjson import dicom_json_response
from portal.errors import ApiError
from portal.part10 import StoredFileError, part10_prefix, read_stored_dataset
from portal.segments import segments_of, stream_range

router = APIRouter(prefix="/dicomweb", tags=["DICOMweb"])

_RESPONSES = {
    200: {"description": 'multipart/related; type="application/dicom": the Part-10 files.',
          "content": {'multipart/related; type="application/dicom"': {}}},
    401: {"description": "No valid token."},
    404: {"description": "Not found, or not yours to see."},
    406: {"description": "Only transfer syntaxes or media types we cannot send were accepted."},
}
_META_RESPONSES = {
    200: {"description": "application/dicom+json of every instance (without pixel data).",
          "content": {"application/dicom+json": {}}},
    401: _RESPONSES[401], 404: _RESPONSES[404],
}


def _accepted_syntaxes(request: Request) -> set[str] | None:
    """Transfer syntaxes the Accept header allows; None = any; raises 406 if no DICOM."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return None
    syntaxes: set[str] = set()
    dicom_ok = False
    for entry in accept.split(","):
        media, *params = [p.strip() for p in entry.split(";")]
        values = {k.strip().lower(): v.strip().strip('"') for k, _, v in
                  (p.partition("=") for p in params)}
        media = media.lower()
        if media in ("*/*", "multipart/*") or (
                media == "multipart/related"
                and values.get("type", "application/dicom") in ("application/dicom", "*/*")):
            dicom_ok = True
            syntax = values.get("transfer-syntax", "*")
            if syntax == "*":
                return None
            syntaxes.add(syntax)
    if not dicom_ok:
        raise ApiError(406, "not_acceptable",
                       'this resource is sent as multipart/related; type="application/dicom"')
    return syntaxes


def _retrieve(request: Request, principal: Principal, study_uid: str, event: str,
              series_uid: str | None = None, sop_uid: str | None = None) -> StreamingResponse:
    syntaxes = _accepted_syntaxes(request)
    engine = request.app.state.engine
    rows, items = visible_instances(engine, principal, study_uid, series_uid=series_uid,
                                    sop_uid=sop_uid)
    if syntaxes is not None:
        missing = {i.transfer_syntax_uid for i in items} - syntaxes
        if missing:
            raise ApiError(406, "not_acceptable",
                           "stored in transfer syntax " + ", ".join(sorted(missing))
                           + "; this portal does not transcode (accept transfer-syntax=*)")
    store = blob_store_for(request.app.state.settings.data_dir)
    boundary = secrets.token_hex(16)
    heads = [(f"--{boundary}\r\nContent-Type: application/dicom; "
              f"transfer-syntax={i.transfer_syntax_uid}\r\n\r\n").encode("ascii")
             for i in items]
    tail = f"--{boundary}--\r\n".encode("ascii")
    parts: list[bytes | tuple[str, int]] = []
    for head, item in zip(heads, items):
        if not store.exists(item.sha256):
            raise ApiError(500, "storage_error", "a stored file is missing; tell the operator")
        with store.open(item.sha256) as handle:
            prefix = part10_prefix(handle)  # bare datasets from old uploads go out as Part 10
        parts += [head, prefix, (item.sha256, int(item.size)), b"\r\n"]
    segments, length = segments_of(parts + [tail])

    audit.record(engine, event, user_id=principal.user_id, code_id=principal.code_id,
                 client=audit.client_address(request),
                 detail={"studies": [r.id for r in rows], "instances": len(items)})
    media = f'multipart/related; type="application/dicom"; boundary={boundary}'
    return StreamingResponse(stream_range(segments, store, 0, length - 1), media_type=media,
                             headers={"Content-Length": str(length)})


@router.get("/studies/{study_uid}", responses=_RESPONSES, response_class=StreamingResponse,
            response_description="Every instance of the study.")
def retrieve_study(study_uid: str, request: Request,
                   principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Study."""
    return _retrieve(request, principal, study_uid, "download_study")


@router.get("/studies/{study_uid}/series/{series_uid}", responses=_RESPONSES,
            response_class=StreamingResponse, response_description="Every instance of the series.")
def retrieve_series(study_uid: str, series_uid: str, request: Request,
                    principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Series."""
    return _retrieve(request, principal, study_uid, "download_series", series_uid=series_uid)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}",
            responses=_RESPONSES, response_class=StreamingResponse,
            response_description="The instance (one part).")
def retrieve_instance(study_uid: str, series_uid: str, sop_uid: str, request: Request,
                      principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Instance."""
    return _retrieve(request, principal, study_uid, "download_instance",
                     series_uid=series_uid, sop_uid=sop_uid)


def _metadata(request: Request, principal: Principal, study_uid: str,
              series_uid: str | None = None, sop_uid: str | None = None):
    engine = request.app.state.engine
    rows, items = visible_instances(engine, principal, study_uid, series_uid=series_uid,
                                    sop_uid=sop_uid)
    store = blob_store_for(request.app.state.settings.data_dir)
    out = []
    for item in items:
        out.append(_instance_metadata(store, item))
    audit.record(engine, "download_metadata", user_id=principal.user_id,
                 code_id=principal.code_id, client=audit.client_address(request),
                 detail={"studies": [r.id for r in rows], "instances": len(items)})
    return dicom_json_response(out)


def _instance_metadata(store, item) -> dict:
    """DICOM JSON of one stored instance: Part 10 or a bare dataset from an old upload.

    A stored file that cannot be parsed (it passed ingest with a readable
    header, so this means damage) still gets an entry with the UIDs the
    database knows, instead of failing the whole answer.
    """
    try:
        with store.open(item.sha256) as handle:
            ds = read_stored_dataset(handle)
        # suppress_invalid_tags: a damaged element is left out instead of failing the instance.
        meta = ds.to_json_dict(bulk_data_threshold=1 << 30, suppress_invalid_tags=True)
    except StoredFileError:
        meta = {}
    except Exception:  # noqa: BLE001 - a damaged value must not turn the study's answer into a 500
        meta = {}
    meta.setdefault("00080016", {"vr": "UI", "Value": [item.sop_class_uid]})
    meta.setdefault("00080018", {"vr": "UI", "Value": [item.sop_instance_uid]})
    meta.setdefault("00083002", {"vr": "UI", "Value": [item.transfer_syntax_uid]})
    return meta


@router.get("/studies/{study_uid}/metadata", responses=_META_RESPONSES,
            response_description="Metadata of every instance of the study.")
def study_metadata(study_uid: str, request: Request,
                   principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Study Metadata (read from the stored files' headers)."""
    return _metadata(request, principal, study_uid)


@router.get("/studies/{study_uid}/series/{series_uid}/metadata", responses=_META_RESPONSES,
            response_description="Metadata of every instance of the series.")
def series_metadata(study_uid: str, series_uid: str, request: Request,
                    principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Series Metadata."""
    return _metadata(request, principal, study_uid, series_uid=series_uid)


@router.get("/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/metadata",
            responses=_META_RESPONSES, response_description="Metadata of the instance.")
def instance_metadata(study_uid: str, series_uid: str, sop_uid: str, request: Request,
                      principal: Principal = Depends(require_principal)):
    """WADO-RS Retrieve Instance Metadata."""
    return _metadata(request, principal, study_uid, series_uid=series_uid, sop_uid=sop_uid)


__all__ = ["router"]
