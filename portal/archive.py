"""Whole-study archive: one deterministic tar per study, resumable with HTTP ranges.

The archive is never written to disk: its layout (tar headers, file bytes
from the blob store, padding) is computed from the database, so any byte
range can be served directly and the same study always gives the same bytes
and the same ``ETag``. Members, in order::

    manifest.json                         (same content as GET .../manifest)
    dicom/<series uid>/<sop uid>.dcm      (Part-10 files, as received)
    documents/NN-<file name>              (attached PDFs)

Long or non-ASCII names use pax headers (POSIX.1-2001); every reader we
care about (Python tarfile, GNU tar, bsdtar, 7-Zip) reads them.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
import threading
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from portal import audit
from portal.access import documents_of, study_instances, visible_studies
from portal.auth import Principal, require_principal
from portal.blobstore import blob_store_for
from portal.db import as_utc
from portal.errors import ApiError
from portal.segments import Segment, segments_of, stream_range

router = APIRouter(tags=["downloads"])
BLOCK = 512
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


def safe_filename(name: str) -> str:
    """A document name that is one harmless path component on every system."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "document"
    return cleaned[:150]


def _header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


def build_manifest(study_uid: str, items: list, docs: list[dict]) -> dict:
    """The study's manifest: what to expect, with SHA-256s to verify against."""
    instances = [{
        "path": f"dicom/{i.series_instance_uid}/{i.sop_instance_uid}.dcm",
        "sop_instance_uid": i.sop_instance_uid, "sop_class_uid": i.sop_class_uid,
        "series_instance_uid": i.series_instance_uid, "series_number": i.series_number,
        "modality": i.modality, "instance_number": i.instance_number,
        "transfer_syntax_uid": i.transfer_syntax_uid, "size": int(i.size), "sha256": i.sha256,
    } for i in items]
    documents = [{
        **d, "path": f"documents/{n:02d}-{safe_filename(d['filename'])}",
        "url": f"/api/studies/{study_uid}/documents/{d['id']}",
    } for n, d in enumerate(docs, start=1)]
    return {
        "format": "downloadmanager-study-manifest", "version": 1,
        "study_instance_uid": study_uid, "instances": instances, "documents": documents,
        "totals": {"instances": len(instances), "documents": len(documents),
                   "bytes": sum(i["size"] for i in instances) + sum(d["size"] for d in documents)},
    }


@dataclass(frozen=True)
class ArchiveLayout:
    """Where every byte of a study's archive comes from."""

    segments: tuple[Segment, ...]
    size: int
    etag: str
    manifest: dict


def layout_for(study_uid: str, items: list, docs: list[dict], mtime: int) -> ArchiveLayout:
    """Lay out the tar for the given instances and documents."""
    manifest = build_manifest(study_uid, items, docs)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1,
                                sort_keys=True).encode("utf-8")
    members: list[tuple[str, int, bytes | None, str | None]] = [
        ("manifest.json", len(manifest_bytes), manifest_bytes, None)]
    members += [(m["path"], m["size"], None, m["sha256"]) for m in manifest["instances"]]
    members += [(d["path"], d["size"], None, d["sha256"]) for d in manifest["documents"]]
    parts: list[bytes | tuple[str, int]] = []
    digest = hashlib.sha256()
    for name, size, data, sha in members:
        head = _header(name, size, mtime)
        parts += [head, data if data is not None else (sha, size), bytes(-size % BLOCK)]
        digest.update(head)
        digest.update((sha or hashlib.sha256(data).hexdigest()).encode("ascii"))
    parts.append(bytes(2 * BLOCK))
    segments, offset = segments_of(parts)
    return ArchiveLayout(tuple(segments), offset, f'"{digest.hexdigest()[:40]}"', manifest)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range asked for, or None for the whole body.

    Several ranges are answered with the whole body (RFC 9110 allows it);
    an unsatisfiable range raises the 416 ApiError.
    """
    if not header:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        raise ApiError(416, "range_not_satisfiable", f"the archive has {size} bytes",
                       headers={"Content-Range": f"bytes */{size}"})
    return start, end


class LayoutCache:
    """The last few archive layouts, keyed by everything they are computed from.

    A download asks for the manifest and then for the archive (and a resume
    asks again); building the tar headers of 2,000 instances takes about
    0.1 s of CPU, so the portal builds each layout once. The key holds the
    database rows themselves: any change to the study gives a new key.
    """

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, study_uid: str, items: list, docs: list[dict], mtime: int) -> ArchiveLayout:
        key = (study_uid, mtime, tuple(tuple(i) for i in items),
               json.dumps(docs, sort_keys=True, default=str))
        with self._lock:
            layout = self._entries.get(key)
            if layout is not None:
                self._entries.move_to_end(key)
                return layout
        layout = layout_for(study_uid, items, docs, mtime)
        with self._lock:
            self._entries[key] = layout
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return layout


_LAYOUTS = LayoutCache()


def study_layout(request: Request, principal: Principal, study_uid: str):
    """The visible study rows and the archive layout for them (404 if not visible)."""
    with request.app.state.engine.connect() as conn:
        rows = visible_studies(conn, principal, study_uid)
        ids = [r.id for r in rows]
        items = study_instances(conn, ids)
        docs, seen = [], set()
        for per_study in documents_of(conn, ids).values():
            for doc in per_study:
                if doc["sha256"] not in seen:
                    seen.add(doc["sha256"])
                    docs.append(doc)
    mtime = int(max(as_utc(r.received_at) for r in rows).timestamp())
    return rows, _LAYOUTS.get(study_uid, items, docs, mtime)


_ARCHIVE_RESPONSES = {
    200: {"content": {"application/x-tar": {}}, "description": "The whole archive."},
    206: {"description": "The requested byte range."},
    304: {"description": "If-None-Match matched the ETag."},
    401: {"description": "No valid token."},
    404: {"description": "Not found, or not yours to see."},
    416: {"description": "The range lies outside the archive."},
}


@router.get("/api/studies/{study_uid}/archive", response_class=StreamingResponse,
            responses=_ARCHIVE_RESPONSES,
            response_description="The study as a tar archive (206 for a range).")
def archive(study_uid: str, request: Request, principal: Principal = Depends(require_principal)):
    """Download the whole study as one tar; supports Range, If-Range, ETag and HEAD."""
    rows, layout = study_layout(request, principal, study_uid)
    headers = {"ETag": layout.etag, "Accept-Ranges": "bytes",
               "Content-Disposition": f'attachment; filename="{study_uid}.tar"',
               "Cache-Control": "private, no-transform"}
    if request.headers.get("if-none-match") == layout.etag:
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range.strip() != layout.etag:
        wanted = None  # the archive changed: send all of it
    span = parse_range(wanted, layout.size)
    start, end = span or (0, layout.size - 1)
    headers["Content-Length"] = str(end - start + 1)
    status = 200
    if span is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{layout.size}"
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type="application/x-tar")
    audit.record(request.app.state.engine, "download_archive", user_id=principal.user_id,
                 code_id=principal.code_id, client=audit.client_address(request),
                 detail={"studies": [r.id for r in rows], "start": start, "end": end})
    store = blob_store_for(request.app.state.settings.data_dir)
    return StreamingResponse(stream_range(layout.segments, store, start, end), status_code=status,
                             media_type="application/x-tar", headers=headers)


@router.head("/api/studies/{study_uid}/archive", responses=_ARCHIVE_RESPONSES,
             response_description="The archive's headers (size, ETag) without the body.")
def archive_head(study_uid: str, request: Request,
                 principal: Principal = Depends(require_principal)):
    """Size and ETag of the study's archive, e.g. before resuming a download."""
    return archive(study_uid, request, principal)


__all__ = ["router", "layout_for", "LayoutCache", "parse_range", "build_manifest"]
