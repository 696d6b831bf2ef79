"""tus 1.0.0 endpoints at ``/uploads/`` and the receipt at ``/api/uploads/{id}/receipt``.

Extensions: creation, creation-with-upload, termination, expiration and
checksum (sha1, sha256, crc32). See ``docs/protocol.md`` for the contract. Every
blocking step (database, file I/O) runs in a worker thread so one slow
upload never stalls the others.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from portal.auth import Principal, require_user
from portal.bundle import is_sha256_hex, is_uid
from portal.errors import error_response
from portal.tus import headers as th
from portal.tus.headers import TusError
from portal.tus.holdings import MAX_QUESTION, held_instances
from portal.tus.receive import run_io, stream_body
from portal.tus.service import TusService, service_for, start_ingest_worker, stop_ingest_worker
from portal.schema import communities
from portal.tus.store import INGESTING, TOMBSTONES, UPLOADING, UploadRecord
from portal.tus.writer import ChunkWriter, Superseded


@asynccontextmanager
async def _lifespan(app: FastAPI):
    # Included routers' lifespans run with the application's: the ingest
    # worker starts with the portal and resumes bundles left "ingesting".
    start_ingest_worker(app)
    try:
        yield
    finally:
        await asyncio.get_running_loop().run_in_executor(None, stop_ingest_worker, app)


router = APIRouter(lifespan=_lifespan)

# Machine codes of the portal's error shape (portal.errors) for tus answers.
_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                409: "offset_mismatch", 410: "gone", 412: "unsupported_tus_version",
                413: "too_large", 415: "unsupported_media_type", 460: "checksum_mismatch"}


# -- helpers -------------------------------------------------------------------
def _response(request: Request, status: int, headers: dict[str, str] | None = None,
              detail: str | None = None, error: str | None = None) -> Response:
    all_headers = {"Tus-Resumable": th.TUS_VERSION, **th.cors_headers(request.headers.get("origin"))}
    all_headers.update(headers or {})
    if detail is not None and request.method != "HEAD":
        return error_response(status, error or _ERROR_CODES.get(status, "upload_error"),
                              detail, all_headers)
    return Response(status_code=status, headers=all_headers)


def _error(request: Request, exc: TusError) -> Response:
    return _response(request, exc.status, exc.headers, exc.message, exc.error)


async def _user(request: Request) -> Principal:
    th.check_tus_resumable(request.headers.get("tus-resumable"))
    try:
        return await run_io(require_user, request)
    except HTTPException as exc:
        raise TusError(exc.status_code, str(exc.detail), dict(exc.headers or {})) from None


def _expires(record: UploadRecord) -> dict[str, str]:
    if record.state != UPLOADING:
        return {}
    return {"Upload-Expires": th.http_date(record.expires_at)}


def _upload_path(request: Request, upload_id: str) -> str:
    # A path without host: clients resolve it against the URL they used,
    # which stays right behind reverse proxies.
    return f"{request.scope.get('root_path', '')}/uploads/{upload_id}"


async def _write_body(request: Request, service: TusService, record: UploadRecord,
                      offset: int, checksum: tuple[str, bytes] | None,
                      content_length: int | None) -> int:
    """Receive the body at OFFSET into RECORD's file; returns the committed offset.

    Raises TusError for 409/413/460. Implements the durability and
    stale-request rules described in :mod:`portal.tus.writer`.
    """
    slot = service.slots.acquire(record.id)
    writer = ChunkWriter(service.store, slot, record.id, checksum[0] if checksum else None,
                         on_cut=lambda size: service.ingest.rewind(record.id, size))
    try:
        committed, state = await run_io(writer.claim)
        if offset != committed:
            raise TusError(409, f"Upload-Offset {offset} does not match the upload's "
                                f"offset {committed}", {"Upload-Offset": str(committed)})
        remaining = record.length - committed
        if state != UPLOADING:
            if content_length:
                raise TusError(413, "the upload is already complete")
            return committed
        if content_length is not None and content_length > remaining:
            raise TusError(413, f"{content_length} bytes would exceed Upload-Length "
                                f"({remaining} bytes remain)")
        try:
            # The verifier reads the members complete so far while the body
            # still streams in (a request may carry hundreds of megabytes).
            body = await stream_body(request, writer, remaining,
                                     on_written=lambda: service.ingest.follow(record.id))
        except TusError:
            await run_io(writer.discard)
            raise
        if checksum is not None:
            if body.disconnected or not writer.checksum_matches(checksum[1]):
                # A chunk with a checksum is all or nothing.
                await run_io(writer.discard)
                raise TusError(460, "checksum mismatch: the chunk was discarded",
                               {"Upload-Offset": str(committed)})
        new_offset = await run_io(writer.commit)
        if new_offset == record.length and new_offset > committed:
            service.ingest.enqueue(record.id)
        elif new_offset > committed:
            service.ingest.follow(record.id)

        return new_offset
    except Superseded:
        current = await run_io(service.store.get, record.id)
        raise TusError(409, "a newer request for this upload took over",
                       {"Upload-Offset": str(current.offset if current else 0)},
                       error="superseded") from None
    finally:
        try:
            writer.close()
        finally:
            service.slots.release(record.id)


def _check_patch_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != th.OFFSET_CONTENT_TYPE:
        raise TusError(415, f"Content-Type must be {th.OFFSET_CONTENT_TYPE}")


# -- endpoints -----------------------------------------------------------------
@router.options("/uploads", include_in_schema=False)
@router.options("/uploads/", tags=["uploads"])
@router.options("/uploads/{upload_id}", include_in_schema=False)
async def tus_options(request: Request) -> Response:
    """Announce the server's tus capabilities (also answers CORS preflights)."""
    settings = request.app.state.settings
    return _response(request, 204, {
        "Tus-Version": th.TUS_VERSION,
        "Tus-Extension": ",".join(th.TUS_EXTENSIONS),
        "Tus-Max-Size": str(settings.max_upload_bytes),
        "Tus-Checksum-Algorithm": ",".join(th.CHECKSUM_ALGORITHMS),
        "Access-Control-Allow-Methods": th.CORS_ALLOW_METHODS,
        "Access-Control-Allow-Headers": th.CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age": "86400",
    })


@router.post("/uploads", include_in_schema=False)
@router.post("/uploads/", tags=["uploads"], status_code=201)
async def tus_create(request: Request) -> Response:
    """Create an upload (metadata ``community`` required); optionally with its first bytes."""
    try:
        principal = await _user(request)
        settings = request.app.state.settings
        if "upload-defer-length" in request.headers:
            raise TusError(400, "Upload-Defer-Length is not supported: send Upload-Length")
        length = th.parse_non_negative("Upload-Length", request.headers.get("upload-length"))
        if length > settings.max_upload_bytes:
            raise TusError(413, f"Upload-Length {length} exceeds Tus-Max-Size "
                                f"{settings.max_upload_bytes}")
        metadata = th.parse_metadata(request.headers.get("upload-metadata"))
        community = metadata.get("community")
        if not community or len(community) != 4 or not community.isalnum():
            raise TusError(400, "Upload-Metadata needs 'community': the recipient's "
                                "4-character community code")
        checksum = th.parse_checksum(request.headers.get("upload-checksum"))
        content_length = th.parse_non_negative("Content-Length",
                                               request.headers.get("content-length"),
                                               required=False)
        has_body = content_length != 0 and (
            content_length is not None or "transfer-encoding" in request.headers)
        if has_body:
            _check_patch_content_type(request)
        service = service_for(request.app)
        record = await run_io(lambda: service.store.create(
            user_id=principal.user_id, community_code=community, length=length,
            metadata=metadata))
        reply = {"Location": _upload_path(request, record.id), **_expires(record)}
        if has_body:
            try:
                offset = await _write_body(request, service, record, 0, checksum,
                                           content_length)
            except TusError as exc:
                if exc.status != 460:
                    raise
                offset = 0
            reply["Upload-Offset"] = str(offset)
        elif length == 0:
            await run_io(_finish_empty, service, record)
        return _response(request, 201, reply)
    except TusError as exc:
        return _error(request, exc)


def _finish_empty(service: TusService, record: UploadRecord) -> None:
    # A zero-length upload is complete at creation; verify it like any other.
    with service.store.engine.begin() as conn:
        service.store.advance(conn, record.id, 0, 0, 0)
    service.ingest.enqueue(record.id)


@router.head("/uploads/{upload_id}", include_in_schema=False)
async def tus_head(upload_id: str, request: Request) -> Response:
    """Tell the client how many bytes of its upload are stored."""
    try:
        principal = await _user(request)
        service = service_for(request.app)
        record = await run_io(service.store.get_for_owner, upload_id, principal.user_id)
        reply = {"Upload-Offset": str(record.offset), "Upload-Length": str(record.length),
                 "Cache-Control": "no-store", **_expires(record)}
        if record.metadata:
            reply["Upload-Metadata"] = th.encode_metadata(record.metadata)
        return _response(request, 200, reply)
    except TusError as exc:
        return _error(request, exc)


@router.patch("/uploads/{upload_id}", tags=["uploads"], status_code=204)
async def tus_patch(upload_id: str, request: Request) -> Response:
    """Append the request body at ``Upload-Offset``."""
    try:
        principal = await _user(request)
        _check_patch_content_type(request)
        offset = th.parse_non_negative("Upload-Offset", request.headers.get("upload-offset"))
        checksum = th.parse_checksum(request.headers.get("upload-checksum"))
        content_length = th.parse_non_negative("Content-Length",
                                               request.headers.get("content-length"),
                                               required=False)
        service = service_for(request.app)
        record = await run_io(service.store.get_for_owner, upload_id, principal.user_id)
        new_offset = await _write_body(request, service, record, offset, checksum,
                                       content_length)
        reply = {"Upload-Offset": str(new_offset)}
        if new_offset < record.length:
            reply.update(_expires(record))
        return _response(request, 204, reply)
    except TusError as exc:
        return _error(request, exc)


@router.delete("/uploads/{upload_id}", tags=["uploads"], status_code=204)
async def tus_delete(upload_id: str, request: Request) -> Response:
    """Terminate an upload: its bytes are deleted, later requests get 410."""
    try:
        principal = await _user(request)
        service = service_for(request.app)
        record = await run_io(service.store.get_for_owner, upload_id, principal.user_id)
        if record.state == INGESTING:
            raise TusError(409, "the upload is being verified; try again when its receipt "
                                "is ready", error="upload_verifying")
        await run_io(service.terminate, upload_id)
        return _response(request, 204)
    except TusError as exc:
        return _error(request, exc)


# Longest ``?wait=`` a receipt request may ask for (seconds).
MAX_RECEIPT_WAIT = 20.0
# Without a verdict of this process's verifier the receipt is looked up again
# this often while waiting (another portal process may verify the upload).
_RECEIPT_RECHECK = 0.5


@router.get("/api/uploads/{upload_id}/receipt", tags=["uploads"])
async def upload_receipt(upload_id: str, request: Request) -> Response:
    """The verification receipt: 202 while uploading or verifying, 200 when done.

    ``?wait=SECONDS`` (at most 20): while the upload is being verified, the
    answer waits until its receipt exists or that time passed, so the client
    learns the verdict the moment it is there instead of polling.
    """
    principal = await run_io(require_user, request)
    service = service_for(request.app)
    record = await run_io(service.store.get, upload_id)
    if record is None or record.user_id != principal.user_id:
        return error_response(404, "not_found", "no such upload")
    wait = _receipt_wait(request)
    if wait is None:
        return error_response(400, "bad_request", "wait must be a number of seconds")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    verdict = asyncio.Event()

    def wake() -> None:
        # Called from the worker's thread after each verdict it commits.
        try:
            loop.call_soon_threadsafe(verdict.set)
        except RuntimeError:
            pass  # the loop has closed (the portal is stopping): nobody waits any more

    with service.ingest.listening(wake):
        while True:
            verdict.clear()  # before the look-up: a verdict after it wakes the wait
            receipt = await run_io(service.receipt_of, upload_id)
            if receipt is not None:
                return JSONResponse(receipt, status_code=200)
            if record.state != INGESTING or loop.time() >= deadline:
                break
            recheck = min(deadline, loop.time() + _RECEIPT_RECHECK)
            try:
                await asyncio.wait_for(verdict.wait(), max(0.0, recheck - loop.time()))
            except asyncio.TimeoutError:
                pass
            record = await run_io(service.store.get, upload_id) or record
    if record.state in TOMBSTONES or record.is_expired:
        state = "expired" if record.is_expired else record.state
        return error_response(410, "gone", f"upload was {state}", state=state)
    return JSONResponse({"state": record.state, "offset": record.offset,
                         "length": record.length}, status_code=202)


def _receipt_wait(request: Request) -> float | None:
    """The request's ``wait`` parameter in seconds (0 when absent; None when not a number)."""
    try:
        wait = float(request.query_params.get("wait", "0"))
    except ValueError:
        return None
    return min(wait, MAX_RECEIPT_WAIT) if wait >= 0 else None  # NaN fails the test too


def _present(service: TusService, user_id: int, code: str, study_uid: str,
             shas: list[str], sops: list[str]) -> dict | None:
    with service.store.engine.connect() as conn:
        community_id = conn.execute(
            select(communities.c.id).where(communities.c.code == code)).scalar()
        if community_id is None:
            return None
        held = held_instances(conn, user_id=user_id, community_id=community_id,
                              study_instance_uid=study_uid, sha256s=shas,
                              sop_instance_uids=sops)
    answer: dict = {"present": sorted(sha for sha in held if sha in set(shas))}
    if sops:
        answer["present_sop_instance_uids"] = sorted(
            r["sop_instance_uid"] for r in held.values() if r["sop_instance_uid"] in set(sops))
    return answer


@router.post("/api/uploads/present", tags=["uploads"])
async def uploads_present(request: Request) -> Response:
    """Which of a study's instances (by SHA-256) the recipient community already holds.

    Body: ``{"community": "bM1X", "study_instance_uid": "1.2...", "sha256": ["hex", ...]}``,
    optionally ``"sop_instance_uid": [...]`` instead of or with ``sha256``.
    Answers ``{"present": [...]}`` (and ``"present_sop_instance_uids"``) with only
    what the caller may know (see :mod:`portal.tus.holdings`); the client leaves
    those instances out of the bundle.
    """
    principal = await run_io(require_user, request)
    try:
        body = await request.json()
    except ValueError:
        return error_response(400, "bad_request", "the body must be JSON")
    if not isinstance(body, dict):
        return error_response(400, "bad_request", "the body must be a JSON object")
    code, study_uid, shas = body.get("community"), body.get("study_instance_uid"), \
        body.get("sha256", [])
    sops = body.get("sop_instance_uid", [])
    if not isinstance(code, str) or len(code) != 4 or not code.isalnum():
        return error_response(400, "bad_request", "'community' must be a 4-character code")
    if not isinstance(study_uid, str) or not is_uid(study_uid):
        return error_response(400, "bad_request", "'study_instance_uid' must be a DICOM UID")
    if (not isinstance(shas, list) or len(shas) > MAX_QUESTION
            or not all(isinstance(s, str) and is_sha256_hex(s) for s in shas)):
        return error_response(400, "bad_request", f"'sha256' must be a list of at most "
                                                  f"{MAX_QUESTION} lowercase hex SHA-256 values")
    if (not isinstance(sops, list) or len(sops) > MAX_QUESTION
            or not all(isinstance(u, str) and is_uid(u) for u in sops)):
        return error_response(400, "bad_request", f"'sop_instance_uid' must be a list of at "
                                                  f"most {MAX_QUESTION} DICOM UIDs")
    service = service_for(request.app)
    answer = await run_io(_present, service, principal.user_id, code, study_uid, shas, sops)
    if answer is None:
        return error_response(404, "not_found", f"no community with code {code!r}")
    return JSONResponse(answer)
