"""Verified ingest of a completed upload: check, store, index, answer with a receipt.

:func:`ingest_upload` runs in the ingest worker, never in a request. It
opens the bundle (:mod:`portal.bundle`), streams every member through SHA-256
into the content-addressed blob store (:mod:`portal.blobstore`), checks each
instance against the manifest and parses its DICOM header, then indexes
patient/study/series/instance rows and documents in one transaction together
with the receipt. Nothing of a rejected bundle stays in the blob store.

Members already read while the upload arrived (:mod:`portal.tus.follower`)
are not read again, and their blobs were committed while they arrived;
blobs of the members read here are made durable together
(:meth:`BlobStore.commit_many`) before the transaction that indexes them.
Blobs committed early that no accepted instance uses are removed after it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select, update

from portal.blobstore import BlobStore, PendingBlob
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
    """What :func:`verify_bundle` found and which blob files it created."""

    instances: list[InstanceResult] = field(default_factory=list)
    documents: list[DocumentResult] = field(default_factory=list)
    created_blobs: list[str] = field(default_factory=list)
    # Of those, the ones no accepted instance uses (committed while the upload
    # arrived, then refused or not in the manifest): removed after indexing
    # unless a row refers to them.
    stray_blobs: list[str] = field(default_factory=list)


def _text(value, limit: int) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def read_header(path, head: bytes | None = None, size: int | None = None) -> dict:
    """Parse the DICOM header of the file at PATH into the attributes we index.

    The program's reader (:mod:`dicomkit.header`), so that the portal and the
    program understand a file alike. Accepts Part-10 files and, as found on
    old media, bare datasets without preamble. Raises ValueError if the bytes
    are not DICOM. Names are decoded with the dataset's Specific Character Set.

    HEAD, the file's first bytes (SIZE the file's length), is read instead of
    the file as far as it goes: the caller has just read them, and the file
    may not be in the page cache (written with direct I/O).
    """
    try:
        if head is not None and size is not None:
            with _HeadThenFile(head, path) as reader:
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


class _HeadThenFile(io.RawIOBase):
    """A file's first bytes from memory, the rest (rarely needed) from the file itself."""

    def __init__(self, head: bytes, path) -> None:
        self._head = head
        self._path = path
        self._file = None
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            size = os.stat(self._path).st_size
            self._position = size + offset
        else:
            self._position = offset if whence == io.SEEK_SET else self._position + offset
        return self._position

    def readinto(self, buffer) -> int:
        """Fill BUFFER as far as the file goes (across the end of the head)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view):
            wanted = len(view) - filled
            if self._position < len(self._head):
                part = self._head[self._position:self._position + wanted]
            else:
                if self._file is None:
                    self._file = open(self._path, "rb")
                self._file.seek(self._position)
                part = self._file.read(wanted)
            if not part:
                break
            view[filled:filled + len(part)] = part
            filled += len(part)
            self._position += len(part)
        return filled

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


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


def _hash_only(bundle: Bundle, name: str) -> str:
    """SHA-256 of member NAME, read in blocks and written nowhere."""
    digest = hashlib.sha256()
    with bundle.open_member(name) as reader:
        while chunk := reader.read(_READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _store_member(bundle: Bundle, name: str, blobs: BlobStore) -> tuple[PendingBlob, bytes]:
    """Stream member NAME through SHA-256 into a pending (not yet committed) blob.

    Returns the blob and the member's first bytes (for :func:`read_header`).
    """
    pending = blobs.begin()
    head = b""
    try:
        with bundle.open_member(name) as reader:
            while chunk := reader.read(_READ_SIZE):
                head = head or chunk
                pending.write(chunk)
        # Synced later, together with the bundle's other blobs (commit_many).
        pending.close(sync=False)
        return pending, head
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


def _verify_prepared(result: InstanceResult, ready: Prepared, study_uid: str,
                     found: Verification, blobs: BlobStore) -> InstanceResult | None:
    """The rest of :func:`_verify_instance`'s checks for a member read while it arrived.

    READY has the manifest's SHA-256 and parsed as DICOM already; its blob
    was committed in the background or existed. None if that blob is not
    there (any more): the member is then read from the bundle.
    """
    created = ready.created()
    if not blobs.exists(ready.sha256):
        # Existed when it was read (another upload's) and was removed since,
        # its commit failed, or retention took it (an upload paused for
        # hours): this member brings it again.
        return None
    if created:
        found.created_blobs.append(ready.sha256)
    _check_header(result, ready.header, study_uid)
    if result.reason is not None:
        if created:
            found.stray_blobs.append(ready.sha256)
        return result
    return _accept(result, dict(ready.header))


def _verify_instance(bundle: Bundle, entry: ManifestInstance, study_uid: str,
                     blobs: BlobStore, to_commit: list[tuple[PendingBlob, str]],
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
    if ready is not None:
        if ready.sha256 == entry.sha256 and not ready.not_dicom:
            verdict = _verify_prepared(result, ready, study_uid, found, blobs)
            if verdict is not None:
                return verdict
        elif ready.created():
            # Read from bytes a later request may have replaced: only a match
            # counts (those are the right bytes); otherwise judge the final file.
            found.created_blobs.append(ready.sha256)
            found.stray_blobs.append(ready.sha256)
    pending: PendingBlob | None = None
    head: bytes | None = None
    if blobs.exists(entry.sha256):
        # Identical bytes are stored already: hash to verify, write nothing.
        if _hash_only(bundle, entry.name) != entry.sha256:
            result.reason = "sha256 mismatch"
            return result
        header_path = blobs.path(entry.sha256)
    else:
        pending, head = _store_member(bundle, entry.name, blobs)
        if pending.sha256 != entry.sha256:
            pending.discard()
            result.reason = "sha256 mismatch"
            return result
        header_path = pending.temp_path
    try:
        header = read_header(header_path, head, entry.size)
    except ValueError:
        header = None
    _check_header(result, header, study_uid)
    if result.reason is not None:
        if pending is not None:
            pending.discard()
        return result
    if pending is not None:
        to_commit.append((pending, entry.sha256))
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
    pending, _ = _store_member(bundle, entry.name, blobs)
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
    """
    found = Verification()
    manifest = bundle.manifest
    to_commit: list[tuple[PendingBlob, str]] = []
    try:
        for entry in manifest.instances:
            found.instances.append(_verify_instance(bundle, entry, manifest.study_instance_uid,
                                                    blobs, to_commit, found, held, follower))
        committed = blobs.commit_many(to_commit)
        if follower is not None:
            untaken = follower.untaken_blobs()
            found.created_blobs.extend(untaken)
            found.stray_blobs.extend(untaken)
    except BaseException:
        for pending, _ in to_commit:
            pending.discard()
        raise
    found.created_blobs.extend(sha for sha, created in committed if created)
    if any(r.status != "rejected" for r in found.instances):
        for entry in manifest.documents:
            found.documents.append(_verify_document(bundle, entry, blobs,
                                                    found.created_blobs))
    else:
        found.documents = [DocumentResult(d, reason="no instance of the study was accepted")
                           for d in manifest.documents]
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
                  upload_id: str, follower: BundleFollower | None = None) -> dict | None:
    """Verify, store and index the completed upload UPLOAD_ID; returns its receipt.

    Does nothing (returns None) unless the upload is in state ``ingesting``,
    so running it twice for one upload is harmless.
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
    if receipt["state"] == REJECTED and found is not None:
        _drop_unreferenced(engine, blobs, found.created_blobs)
    elif found is not None:
        _drop_unreferenced(engine, blobs, found.stray_blobs)
    path.unlink(missing_ok=True)
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
    """Delete blob files this ingest created that no row refers to."""
    if not shas:
        return
    with engine.connect() as conn:
        referenced = set(conn.execute(
            select(blobs_table.c.sha256).where(blobs_table.c.sha256.in_(shas))
        ).scalars())
    for sha in shas:
        if sha not in referenced:
            blobs.delete(sha)
