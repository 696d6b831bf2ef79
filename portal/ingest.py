"""Verified ingest of a completed upload: check, store, index, answer with a receipt.

:func:`ingest_upload` runs in the ingest worker, never in a request. It
opens the bundle (:mod:`portal.bundle`), streams every member through SHA-256,
checks each instance against the manifest and parses its DICOM header, keeps
the accepted instances in the content-addressed blob store
(:mod:`portal.blobstore`) as ranges of the upload file they arrived in
(:meth:`BlobStore.store_ranges`: nothing is copied), then indexes
patient/study/series/instance rows and documents in one transaction together
with the receipt. Nothing of a rejected bundle stays in the blob store.

Members already hashed and parsed while the upload arrived
(:mod:`portal.tus.follower`) are not read again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select, update

from portal.blobstore import BlobStore, PendingBlob, StoredRanges
from dicomkit.bounded_io import FileWindow
from dicomkit.header import HeaderError, HeaderInfo
from dicomkit.header import read_header as parse_header
from portal.bundle import Bundle, BundleError, ManifestDocument, ManifestInstance, open_bundle
from portal.config import Settings
from portal.schema import blobs as blobs_table
from portal.schema import communities, uploads
from portal.tus.follower import BundleFollower, Prepared
from portal.tus.holdings import held_instances
from portal.tus.indexing import StudyIndexer
from portal.tus.store import DONE, INGESTING, REJECTED, UploadStore

log = logging.getLogger(__name__)

_READ_SIZE = 1024 * 1024
PDF_MAGIC = b"%PDF-"


@dataclass
class InstanceResult:
    """The verdict on one manifest instance; ``header`` holds the parsed attributes."""

    entry: ManifestInstance
    status: str = "rejected"
    reason: str | None = None
    header: dict | None = None


@dataclass
class DocumentResult:
    """The verdict on one manifest document."""

    entry: ManifestDocument
    status: str = "rejected"
    reason: str | None = None


@dataclass
class Verification:
    """What :func:`verify_bundle` found and which blobs it created."""

    instances: list[InstanceResult] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)
    created_blobs: list[str] = field(default_factory=list)
    # The accepted instances still to be stored: (sha256, offset, size) in the bundle.
    to_keep: list[tuple[str, int, int]] = field(default_factory=list)
    # Where they were stored; the rest of the file is discarded after the commit.
    stored: StoredRanges | None = None


def _text(value, limit: int) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def read_header(path, head: bytes | None = None, size: int | None = None,
                offset: int = 0) -> dict:
    """Parse the DICOM header of the file at PATH into the attributes we index.

    The program's reader (:mod:`dicomkit.header`), so that the portal and the
    program understand a file alike. Accepts Part-10 files and, as found on
    old media, bare datasets without preamble. Raises ValueError if the bytes
    are not DICOM. Names are decoded with the dataset's Specific Character Set.

    HEAD, the file's first bytes (SIZE the file's length), is read instead of
    the file as far as it goes: the caller has just read them, and the file
    may not be in the page cache (written with direct I/O). With OFFSET the
    file is the SIZE bytes at OFFSET of PATH (a bundle member).
    """
    try:
        if head is not None and size is not None:
            with FileWindow(path, offset, size, head) as reader:
                info = parse_header(reader, size, need_series=False)
        else:
            with open(path, "rb") as reader:
                info = parse_header(reader, os.fstat(reader.fileno()).st_size,
                                    need_series=False)
    except HeaderError as exc:
        raise ValueError(exc.detail) from None
    except OSError as exc:
        raise ValueError(f"cannot read the stored file ({exc})") from None
    if info.is_dicomdir:
        raise ValueError("a DICOMDIR (a media directory), not an instance")
    return _indexed_fields(info)


def _indexed_fields(info: HeaderInfo) -> dict:
    """The attributes we index, from what the header reader found ("" becomes None)."""
    return {
        "sop_instance_uid": info.sop_instance_uid,
        "study_instance_uid": info.study_instance_uid,
        "sop_class_uid": info.sop_class_uid,
        # Only what the file declares: a bare dataset's encoding is not a transfer syntax.
        "transfer_syntax_uid": _text(info.transfer_syntax_uid, 64) if info.file_meta else None,
        "series_instance_uid": _text(info.series_instance_uid, 64),
        "series_number": info.series_number,
        "modality": _text(info.modality, 16),
        "series_description": _text(info.series_description, 200),
        "instance_number": info.instance_number,
        "patient_name": _text(info.patient_name, 200),
        "patient_id": _text(info.patient_id, 64),
        "patient_birth_date": _text(info.birth_date, 8),
        "patient_sex": _text(info.sex, 16),
        "study_date": _text(info.study_date, 8),
        "study_time": _text(info.study_time, 16),
        "study_description": _text(info.study_description, 200),
        "accession_number": _text(info.accession_number, 64),
    }


def _hash_member(bundle: Bundle, name: str) -> tuple[str, bytes]:
    """SHA-256 of member NAME, read in blocks and written nowhere, and its first bytes."""
    digest = hashlib.sha256()
    head = b""
    with bundle.open_member(name) as reader:
        while chunk := reader.read(_READ_SIZE):
            head = head or chunk
            digest.update(chunk)
    return digest.hexdigest(), head


def _store_member(bundle: Bundle, name: str, blobs: BlobStore) -> PendingBlob:
    """Stream member NAME through SHA-256 into a pending (not yet committed) blob."""
    pending = blobs.begin()
    try:
        with bundle.open_member(name) as reader:
            while chunk := reader.read(_READ_SIZE):
                pending.write(chunk)
        return pending
    except BaseException:
        pending.discard()
        raise


def _confirm_held(entry: ManifestInstance, held: dict[str, dict]) -> InstanceResult:
    """The verdict on an instance the client left out because the portal holds it."""
    result = InstanceResult(entry)
    row = held.get(entry.sha256)
    if row is None or row["sop_instance_uid"] != entry.sop_instance_uid:
        # Not held (any more), or not as far as this sender may know: it had to be sent.
        result.reason = "missing from bundle"
    elif row["size"] != entry.size:
        result.reason = "size mismatch"
    else:
        result.status = "already_present"
        result.header = {"sop_instance_uid": row["sop_instance_uid"],
                         "series_instance_uid": row["series_instance_uid"],
                         "sop_class_uid": row["sop_class_uid"],
                         "transfer_syntax_uid": row["transfer_syntax_uid"],
                         "instance_number": row["instance_number"]}
    return result


def _check_header(result: InstanceResult, header: dict | None, study_uid: str) -> None:
    """Set RESULT's reason if the parsed HEADER (None: not DICOM) contradicts the manifest."""
    if header is None:
        result.reason = "not DICOM"
    elif header["sop_instance_uid"] != result.entry.sop_instance_uid:
        result.reason = "SOP Instance UID differs from manifest"
    elif header["study_instance_uid"] != study_uid:
        result.reason = "study differs from manifest"


def _accept(result: InstanceResult, header: dict) -> InstanceResult:
    header["series_instance_uid"] = header["series_instance_uid"] or \
        result.entry.series_instance_uid
    header["sop_class_uid"] = header["sop_class_uid"] or result.entry.sop_class_uid
    result.status, result.header = "accepted", header
    return result


def _verify_instance(bundle: Bundle, entry: ManifestInstance, study_uid: str,
                     found: Verification, held: dict[str, dict] | None = None,
                     follower: BundleFollower | None = None) -> InstanceResult:
    if not entry.in_bundle:
        return _confirm_held(entry, held or {})
    result = InstanceResult(entry)
    member = bundle.members.get(entry.name)
    if member is None:
        result.reason = "missing from bundle"
        return result
    if member.size != entry.size:
        result.reason = "size mismatch"
        return result
    ready = follower.take(entry.name, member.offset_data, member.size) \
        if follower is not None else None
    # Read while it arrived, from bytes a later request may have replaced:
    # only a match counts (those are the right bytes); otherwise judge the final file.
    if ready is not None and ready.sha256 == entry.sha256 and ready.header is not None:
        header = dict(ready.header)
    else:
        sha, head = _hash_member(bundle, entry.name)
        if sha != entry.sha256:
            result.reason = "sha256 mismatch"
            return result
        try:
            header = read_header(bundle.path, head, entry.size, member.offset_data)
        except ValueError:
            header = None
    _check_header(result, header, study_uid)
    if result.reason is not None:
        return result
    found.to_keep.append((entry.sha256, member.offset_data, member.size))
    return _accept(result, header)


def _verify_document(bundle: Bundle, entry: ManifestDocument, blobs: BlobStore,
                     created: list[str]) -> DocumentResult:
    result = DocumentResult(entry)
    member = bundle.members.get(entry.name)
    if member is None:
        result.reason = "missing from bundle"
        return result
    if member.size != entry.size:
        result.reason = "size mismatch"
        return result
    with bundle.open_member(entry.name) as reader:
        if reader.read(len(PDF_MAGIC)) != PDF_MAGIC:
            result.reason = "not a PDF document"
            return result
    pending = _store_member(bundle, entry.name, blobs)
    if pending.sha256 != entry.sha256:
        pending.discard()
        result.reason = "sha256 mismatch"
        return result
    sha, was_created = blobs.commit(pending, entry.sha256)
    if was_created:
        created.append(sha)
    result.status = "accepted"
    return result


def verify_bundle(bundle: Bundle, blobs: BlobStore,
                  held: dict[str, dict] | None = None,
                  follower: BundleFollower | None = None) -> Verification:
    """Check every instance and document of BUNDLE, storing the good ones as blobs.

    HELD (from :func:`portal.tus.holdings.held_instances`) confirms the
    instances the manifest marks ``in_bundle: false``. FOLLOWER holds the
    members read while the bundle arrived (:mod:`portal.tus.follower`).
    Accepted instances stay where they are in the upload file
    (:meth:`BlobStore.store_ranges`); everything else in it is discarded by
    ``found.stored.discard_rest()``, which the caller runs once its verdict
    is committed.
    """
    found = Verification()
    manifest = bundle.manifest
    for entry in manifest.instances:
        found.instances.append(_verify_instance(bundle, entry, manifest.study_instance_uid,
                                                found, held, follower))
    if any(r.status != "rejected" for r in found.instances):
        for entry in manifest.documents:
            found.documents.append(_verify_document(bundle, entry, blobs,
                                                    found.created_blobs))
    else:
        found.documents = [DocumentResult(d, reason="no instance of the study was accepted")
                           for d in manifest.documents]
    if found.to_keep:
        kept = {offset for _, offset, _ in found.to_keep}
        others = [(offset, size) for offset, size in bundle.data_ranges() if offset not in kept]
        found.stored = blobs.store_ranges(bundle.path, found.to_keep, others)
        found.created_blobs.extend(sha for sha, created in found.stored.created if created)
    return found


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_receipt(upload_id: str, community: str, received_at: datetime,
                  study_uid: str | None, found: Verification | None,
                  reason: str | None = None, expected: int = 0) -> dict:
    """The receipt document described in ``docs/protocol.md``."""
    instances = found.instances if found else []
    documents = found.documents if found else []
    accepted = [r for r in instances if r.status != "rejected"]
    rejected = len(instances) - len(accepted) if found else expected
    if found is not None and not accepted:
        reason = reason or "no instance of the bundle passed verification"
    if reason is not None:
        state = REJECTED
    elif rejected or any(d.status == "rejected" for d in documents):
        state = "partial"
    else:
        state = DONE
    stored_bytes = sum(r.entry.size for r in accepted) + sum(
        d.entry.size for d in documents if d.status != "rejected")
    return {
        "upload_id": upload_id,
        "state": state,
        "community": community,
        "study_instance_uid": study_uid,
        "received_at": _iso(received_at),
        "totals": {
            "expected": len(instances) if found else expected,
            "accepted": len(accepted) if state != REJECTED else 0,
            "already_present": sum(1 for r in accepted if r.status == "already_present"),
            "rejected": rejected if state != REJECTED else (len(instances) or expected),
            "documents": sum(1 for d in documents if d.status != "rejected"),
            "bytes": stored_bytes if state != REJECTED else 0,
        },
        "instances": [{"name": r.entry.name, "sop_instance_uid": r.entry.sop_instance_uid,
                       "status": r.status if state != REJECTED else "rejected",
                       "reason": r.reason} for r in instances],
        "documents": [{"name": d.entry.name, "title": d.entry.title,
                       "status": d.status if state != REJECTED else "rejected",
                       "reason": d.reason} for d in documents],
        "reason": reason,
    }


def ingest_upload(store: UploadStore, blobs: BlobStore, settings: Settings,
                  upload_id: str, follower: BundleFollower | None = None,
                  on_verdict: Callable[[], None] | None = None) -> dict | None:
    """Verify, store and index the completed upload UPLOAD_ID; returns its receipt.

    Does nothing (returns None) unless the upload is in state ``ingesting``,
    so running it twice for one upload is harmless. ON_VERDICT is called
    once the receipt is committed, before the upload's unused bytes and its
    file are cleaned up.
    """
    engine = store.engine
    with engine.connect() as conn:
        row = conn.execute(
            select(uploads.c.state, uploads.c.user_id, uploads.c.community_id,
                   communities.c.code)
            .join(communities, communities.c.id == uploads.c.community_id)
            .where(uploads.c.id == upload_id)
        ).first()
    if row is None or row.state != INGESTING:
        return None
    received_at = datetime.now(timezone.utc)
    path = store.file_path(upload_id)
    found: Verification | None = None
    study_uid = None
    study_id = None
    started = verified = time.monotonic()
    headers_walked = headers_total = 0
    try:
        # The headers the follower walked are not read again (see portal.bundle).
        walked = follower.walked() if follower is not None else None
        with open_bundle(path, walked) as bundle:
            headers_walked, headers_total = bundle.headers_walked, bundle.header_count
            study_uid = bundle.manifest.study_instance_uid
            found = verify_bundle(bundle, blobs, _held(engine, row, bundle.manifest),
                                  follower)
            receipt = build_receipt(upload_id, row.code, received_at, study_uid, found)
            verified = time.monotonic()
            with engine.begin() as conn:
                if receipt["state"] != REJECTED:
                    indexer = StudyIndexer(conn, settings, row.community_id, row.user_id)
                    study_id = indexer.index(bundle.manifest, found, received_at)
                    receipt = build_receipt(upload_id, row.code, received_at, study_uid, found)
                _finish(conn, upload_id, receipt, study_id)
    except BundleError as exc:
        receipt = build_receipt(upload_id, row.code, received_at, study_uid, None,
                                reason=str(exc))
        with engine.begin() as conn:
            _finish(conn, upload_id, receipt, None)
    except FileNotFoundError:
        receipt = build_receipt(upload_id, row.code, received_at, study_uid, None,
                                reason="the uploaded bytes are missing on the portal; "
                                       "please send the study again")
        with engine.begin() as conn:
            _finish(conn, upload_id, receipt, None)
    except Exception:
        log.exception("ingest of upload %s failed", upload_id)
        _drop_unreferenced(engine, blobs, found.created_blobs if found else [])
        receipt = build_receipt(upload_id, row.code, received_at, study_uid, None,
                                reason="the portal could not verify the bundle (internal "
                                       "error); please send the study again")
        with engine.begin() as conn:
            _finish(conn, upload_id, receipt, None)
    if on_verdict is not None:
        on_verdict()
    if receipt["state"] == REJECTED and found is not None:
        _drop_unreferenced(engine, blobs, found.created_blobs)
    if found is not None and found.stored is not None:
        # Only now: until the verdict was committed, a restarted ingest had
        # to find the upload file (the pack's other name) as it arrived.
        try:
            found.stored.discard_rest()
        except Exception:  # the verdict stands; the bytes stay until the pack goes
            log.exception("upload %s: could not discard the unused bytes of its pack",
                          upload_id)
    try:
        path.unlink(missing_ok=True)
    except PermissionError:
        # Windows, while its pack (the same file) is being read: retention
        # removes finished uploads' files later.
        log.warning("upload %s: its file could not be removed yet", upload_id)
    log.info("upload %s verified: %s, %d accepted, %d rejected, %d read while arriving, "
             "%d of %d headers walked while arriving (after the last byte: %.2f s checking "
             "and storing, %.2f s indexing)",
             upload_id, receipt["state"], receipt["totals"]["accepted"],
             receipt["totals"]["rejected"], follower.taken if follower is not None else 0,
             headers_walked, headers_total, verified - started, time.monotonic() - verified)
    return receipt


def _held(engine, row, manifest) -> dict[str, dict]:
    """What the recipient holds of the instances the sender left out (see holdings)."""
    left_out = [i.sha256 for i in manifest.instances if not i.in_bundle]
    if not left_out:
        return {}
    with engine.connect() as conn:
        return held_instances(conn, user_id=row.user_id, community_id=row.community_id,
                              study_instance_uid=manifest.study_instance_uid,
                              sha256s=left_out)


def _finish(conn, upload_id: str, receipt: dict, study_id: int | None) -> None:
    conn.execute(update(uploads).where(uploads.c.id == upload_id).values(
        state=REJECTED if receipt["state"] == REJECTED else DONE,
        receipt=receipt, study_id=study_id))


def _drop_unreferenced(engine, blobs: BlobStore, shas: list[str]) -> None:
    """Delete blobs this ingest created that no row refers to."""
    if not shas:
        return
    with engine.connect() as conn:
        referenced = set(conn.execute(
            select(blobs_table.c.sha256).where(blobs_table.c.sha256.in_(shas))
        ).scalars())
    for sha in shas:
        if sha not in referenced:
            blobs.delete(sha)
