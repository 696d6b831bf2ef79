"""Per-study downloads besides DICOMweb: the manifest and the attached documents."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from urllib.parse import quote

from portal import audit
from portal.access import documents_of, visible_studies
from portal.archive import study_layout
from portal.auth import Principal, require_principal
from portal.blobstore import blob_store_for
from portal.errors import not_found

router = APIRouter(tags=["downloads"])
_CHUNK = 1024 * 1024
_COMMON = {401: {"description": "No valid token."},
           404: {"description": "Not found, or not yours to see."}}


@router.get("/api/studies/{study_uid}/manifest", responses=_COMMON,
            response_description="Every instance and document with size and SHA-256.")
def manifest(study_uid: str, request: Request,
             principal: Principal = Depends(require_principal)) -> dict:
    """What the study consists of, to verify a download against (also in the archive)."""
    _rows, layout = study_layout(request, principal, study_uid)
    return {**layout.manifest,
            "archive": {"format": "tar", "size": layout.size, "etag": layout.etag,
                        "url": f"/api/studies/{study_uid}/archive"}}


@router.get("/api/studies/{study_uid}/documents", responses=_COMMON,
            response_description="The documents (PDFs) that came with the study.")
def list_documents(study_uid: str, request: Request,
                   principal: Principal = Depends(require_principal)) -> list[dict]:
    """List the study's documents: id, file name, type, size, SHA-256, download URL."""
    with request.app.state.engine.connect() as conn:
        rows = visible_studies(conn, principal, study_uid)
        per_study = documents_of(conn, [r.id for r in rows])
    return [{**d, "url": f"/api/studies/{study_uid}/documents/{d['id']}"}
            for docs in per_study.values() for d in docs]


@router.get("/api/studies/{study_uid}/documents/{document_id}", response_class=StreamingResponse,
            responses={**_COMMON, 200: {"description": "The document's bytes.",
                                        "content": {"application/pdf": {}}}},
            response_description="The document.")
def download_document(study_uid: str, document_id: int, request: Request,
                      principal: Principal = Depends(require_principal)):
    """Download one document of the study."""
    engine = request.app.state.engine
    with engine.connect() as conn:
        rows = visible_studies(conn, principal, study_uid)
        docs = [d for docs in documents_of(conn, [r.id for r in rows]).values() for d in docs
                if d["id"] == document_id]
    if not docs:
        raise not_found("document")
    doc = docs[0]
    store = blob_store_for(request.app.state.settings.data_dir)
    handle = store.open(doc["sha256"])

    def body():
        with handle:
            while chunk := handle.read(_CHUNK):
                yield chunk

    audit.record(engine, "download_document", user_id=principal.user_id,
                 code_id=principal.code_id, client=audit.client_address(request),
                 detail={"studies": [r.id for r in rows], "document": document_id})
    disposition = f"attachment; filename*=UTF-8''{quote(doc['filename'])}"
    return StreamingResponse(body(), media_type=doc["content_type"], headers={
        "Content-Length": str(doc["size"]), "Content-Disposition": disposition,
        "X-Content-SHA256": doc["sha256"]})
