"""Retention: delete what the portal may no longer keep, down to the last byte.

One :func:`purge` pass (run by ``downloadmanager-portal purge`` and
periodically by ``serve``) removes

* studies past ``studies.expires_at`` (with series, instances, documents and
  code links); creating an access code extends its studies' expiry to the
  code's, so a study lives as long as its longest code;
* expired access codes: their study links and tokens at once; the code row
  itself (hashes and expiry only) stays :data:`CODE_TOMBSTONE_DAYS` so that a
  late physician is told "expired" instead of "wrong", then it goes too;
* expired tokens;
* unfinished uploads past their tus expiry: the row becomes an ``expired``
  tombstone (so tus answers 410) and ``DATA/uploads/<id>`` and ``<id>.*`` are
  deleted; finished or tombstoned upload rows go :data:`UPLOAD_ROW_DAYS`
  after their expiry, with any files left;
* blobs no longer referenced by any instance or document (a blob shared with
  another study stays; a packed blob's bytes are discarded from its pack, and
  a pack without blobs goes, see :mod:`portal.blobpacks`), and blobs without
  a row (left by a crash), temporary files and packs without blobs once they
  are older than :data:`ORPHAN_GRACE_SECONDS`.

Ingest checks whether a blob exists before it indexes the instance that
uses it; a blob deleted in between would leave an instance without its file.
So while an upload is being ingested (state ``ingesting``, completed within
:data:`INGEST_GRACE_HOURS`), blob deletion waits for the next pass (the
expired studies themselves are deleted, hence invisible, at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.engine import Engine

from portal.blobstore import blob_store_for
from portal.config import Settings
from portal.db import utcnow
from portal.schema import (
    access_codes, blobs, code_studies, documents, instances, series, studies, tokens, uploads,
)

log = logging.getLogger("portal.retention")

CODE_TOMBSTONE_DAYS = 30
UPLOAD_ROW_DAYS = 30
ORPHAN_GRACE_SECONDS = 3600
INGEST_GRACE_HOURS = 6
_BATCH = 500


@dataclass
class PurgeReport:
    """What one purge pass removed (counts only: no identifiers, no patient data)."""

    studies: int = 0
    codes_expired: int = 0
    codes_deleted: int = 0
    tokens: int = 0
    uploads_expired: int = 0
    upload_rows: int = 0
    upload_files: int = 0
    blobs: int = 0
    orphan_files: int = 0
    blobs_deferred: bool = False

    def as_dict(self) -> dict:
        """The counts as a plain dict (for JSON output)."""
        return asdict(self)


def _delete_studies(engine: Engine, study_ids: list[int]) -> None:
    """Delete studies and everything hanging off them (explicitly, not by cascade)."""
    for start in range(0, len(study_ids), _BATCH):
        chunk = study_ids[start:start + _BATCH]
        with engine.begin() as conn:
            series_ids = select(series.c.id).where(series.c.study_id.in_(chunk))
            conn.execute(delete(instances).where(instances.c.series_id.in_(series_ids)))
            conn.execute(delete(series).where(series.c.study_id.in_(chunk)))
            conn.execute(delete(documents).where(documents.c.study_id.in_(chunk)))
            conn.execute(delete(code_studies).where(code_studies.c.study_id.in_(chunk)))
            conn.execute(update(uploads).where(uploads.c.study_id.in_(chunk))
                         .values(study_id=None))
            conn.execute(delete(studies).where(studies.c.id.in_(chunk)))


def _purge_studies(engine: Engine, now, report: PurgeReport) -> None:
    with engine.connect() as conn:
        ids = conn.execute(select(studies.c.id).where(studies.c.expires_at <= now)
                           ).scalars().all()
    _delete_studies(engine, list(ids))
    report.studies = len(ids)


def _purge_codes_and_tokens(engine: Engine, now, report: PurgeReport) -> None:
    with engine.begin() as conn:
        expired = select(access_codes.c.id).where(access_codes.c.expires_at <= now)
        report.codes_expired = conn.execute(
            delete(code_studies).where(code_studies.c.code_id.in_(expired))).rowcount
        conn.execute(delete(tokens).where(tokens.c.code_id.in_(expired)))
        report.tokens = conn.execute(delete(tokens).where(tokens.c.expires_at <= now)).rowcount
        old = now - timedelta(days=CODE_TOMBSTONE_DAYS)
        report.codes_deleted = conn.execute(
            delete(access_codes).where(access_codes.c.expires_at <= old)).rowcount


def _upload_files(uploads_dir: Path, upload_id: str) -> list[Path]:
    if not uploads_dir.is_dir() or not upload_id or "/" in upload_id or "\\" in upload_id:
        return []
    found = [uploads_dir / upload_id] if (uploads_dir / upload_id).exists() else []
    found += [p for p in uploads_dir.glob(f"{upload_id}.*")]
    return found


def _remove(path: Path) -> bool:
    try:
        if path.is_dir():
            for child in sorted(path.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            path.rmdir()
        else:
            path.unlink()
        return True
    except FileNotFoundError:
        return False


def _purge_uploads(engine: Engine, settings: Settings, now, report: PurgeReport) -> None:
    uploads_dir = settings.data_dir / "uploads"
    with engine.begin() as conn:
        stale = conn.execute(select(uploads.c.id).where(and_(
            uploads.c.state == "uploading", uploads.c.expires_at <= now))).scalars().all()
        if stale:
            conn.execute(update(uploads).where(uploads.c.id.in_(stale)).values(state="expired"))
        report.uploads_expired = len(stale)
        old = now - timedelta(days=UPLOAD_ROW_DAYS)
        gone = conn.execute(select(uploads.c.id).where(and_(
            uploads.c.state.notin_(("uploading", "ingesting")), uploads.c.expires_at <= old,
        ))).scalars().all()
        if gone:
            conn.execute(delete(uploads).where(uploads.c.id.in_(gone)))
        report.upload_rows = len(gone)
        # Any upload past expiry that is not being ingested keeps no bytes.
        finished = conn.execute(select(uploads.c.id).where(and_(
            uploads.c.state.notin_(("uploading", "ingesting")), uploads.c.expires_at <= now,
        ))).scalars().all()
    for upload_id in {*stale, *gone, *finished}:
        report.upload_files += sum(_remove(p) for p in _upload_files(uploads_dir, upload_id))
    # Files whose row is gone altogether (crash between the two steps).
    if uploads_dir.is_dir():
        with engine.connect() as conn:
            known = set(conn.execute(select(uploads.c.id)).scalars().all())
        cutoff = time.time() - settings.upload_expiry_seconds
        for path in uploads_dir.iterdir():
            if path.name.split(".")[0] not in known and path.stat().st_mtime < cutoff:
                report.upload_files += _remove(path)


def _ingest_running(engine: Engine, now) -> bool:
    recent = now - timedelta(hours=INGEST_GRACE_HOURS)
    with engine.connect() as conn:
        return conn.execute(select(uploads.c.id).where(
            uploads.c.state == "ingesting", uploads.c.completed_at > recent)).first() is not None


def _purge_blobs(engine: Engine, settings: Settings, report: PurgeReport) -> None:
    if _ingest_running(engine, utcnow()):
        report.blobs_deferred = True
        return
    store = blob_store_for(settings.data_dir)
    unreferenced = select(blobs.c.sha256).where(and_(
        ~exists().where(instances.c.sha256 == blobs.c.sha256),
        ~exists().where(documents.c.sha256 == blobs.c.sha256),
    ))
    with engine.begin() as conn:
        shas = conn.execute(unreferenced).scalars().all()
        for start in range(0, len(shas), _BATCH):
            # Re-check inside the delete: a concurrent ingest may have just
            # referenced one of them again.
            conn.execute(delete(blobs).where(and_(
                blobs.c.sha256.in_(shas[start:start + _BATCH]),
                blobs.c.sha256.in_(unreferenced),
            )))
        still = set(conn.execute(select(blobs.c.sha256).where(
            blobs.c.sha256.in_(shas))).scalars().all()) if shas else set()
    for sha in shas:
        if sha not in still and store.delete(sha):
            report.blobs += 1
            _prune_empty_dirs(store.path(sha).parent, store.root)
    # Blob files without a row: a crash after the row was deleted (or before
    # it was added, hence the grace period).
    with engine.connect() as conn:
        known = set(conn.execute(select(blobs.c.sha256)).scalars().all())
    cutoff = time.time() - ORPHAN_GRACE_SECONDS
    for sha in list(store.iter_shas()):
        if sha not in known and store.modified(sha) < cutoff:
            store.delete(sha)
            report.orphan_files += 1
            _prune_empty_dirs(store.path(sha).parent, store.root)
    # Interrupted writes, and packs an ingest linked but never recorded.
    report.orphan_files += store.clean_temporary(ORPHAN_GRACE_SECONDS)


def _prune_empty_dirs(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def purge(engine: Engine, settings: Settings) -> PurgeReport:
    """Run one retention pass; returns what was removed."""
    now = utcnow()
    report = PurgeReport()
    _purge_codes_and_tokens(engine, now, report)
    _purge_studies(engine, now, report)
    _purge_uploads(engine, settings, now, report)
    _purge_blobs(engine, settings, report)
    log.info("purge: %s", report.as_dict())
    return report


async def run_periodically(engine: Engine, settings: Settings) -> None:
    """Purge every ``settings.purge_interval_seconds`` until cancelled."""
    while True:
        await asyncio.sleep(max(1, settings.purge_interval_seconds))
        try:
            await asyncio.to_thread(purge, engine, settings)
        except Exception:  # a failed pass must not stop later ones
            log.exception("purge failed")


__all__ = ["PurgeReport", "purge", "run_periodically"]
