"""Upload records (``uploads`` table) and their byte files (``DATA/uploads/<id>``).

States of an upload:

``uploading``
    bytes are still coming;
``ingesting``
    every byte arrived, the ingest worker verifies the bundle;
``done`` / ``rejected``
    verified; the receipt is in ``uploads.receipt``;
``terminated`` / ``expired``
    tombstones: the bytes are gone, the row stays so that the server can
    answer 410 Gone instead of 404 Not Found.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection, Engine

from portal.db import as_utc, utcnow
from portal.schema import communities, uploads
from portal.tus.headers import TusError

UPLOADING = "uploading"
INGESTING = "ingesting"
DONE = "done"
REJECTED = "rejected"
TERMINATED = "terminated"
EXPIRED = "expired"
TOMBSTONES = (TERMINATED, EXPIRED)


@dataclass(frozen=True)
class UploadRecord:
    """One row of ``uploads`` as the tus handlers need it."""

    id: str
    user_id: int
    community_id: int
    length: int
    offset: int
    metadata: dict
    state: str
    created_at: datetime
    expires_at: datetime

    @property
    def is_expired(self) -> bool:
        """True once an unfinished upload passed its expiry time."""
        return self.state == UPLOADING and self.expires_at <= utcnow()


def _record(row) -> UploadRecord:
    return UploadRecord(
        id=row.id, user_id=row.user_id, community_id=row.community_id,
        length=int(row.length), offset=int(row.offset), metadata=dict(row.metadata or {}),
        state=row.state, created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
    )


class UploadStore:
    """Creates, finds and advances uploads; owns the folder of upload byte files."""

    def __init__(self, engine: Engine, uploads_dir: Path, expiry_seconds: int) -> None:
        self.engine = engine
        self.uploads_dir = Path(uploads_dir)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self.expiry_seconds = expiry_seconds

    def file_path(self, upload_id: str) -> Path:
        """The file holding the bytes received so far for UPLOAD_ID."""
        return self.uploads_dir / upload_id

    # -- creation ------------------------------------------------------------
    def create(self, *, user_id: int, community_code: str, length: int,
               metadata: dict[str, str | None]) -> UploadRecord:
        """Create an upload to the community with code COMMUNITY_CODE (404 if unknown)."""
        now = utcnow()
        upload_id = secrets.token_hex(16)
        with self.engine.begin() as conn:
            community_id = conn.execute(
                select(communities.c.id).where(communities.c.code == community_code)
            ).scalar()
            if community_id is None:
                raise TusError(404, f"no community with code {community_code!r} "
                                    "(codes are 4 characters, case-sensitive)")
            conn.execute(uploads.insert().values(
                id=upload_id, user_id=user_id, community_id=community_id, length=length,
                offset=0, metadata=metadata, state=UPLOADING, created_at=now,
                expires_at=now + timedelta(seconds=self.expiry_seconds),
            ))
        # The file exists from the start so that HEAD/PATCH never race its creation.
        self.file_path(upload_id).touch()
        return self.get(upload_id)

    # -- lookup --------------------------------------------------------------
    def get(self, upload_id: str, conn: Connection | None = None) -> UploadRecord | None:
        """The upload with this id, or None."""
        query = select(uploads).where(uploads.c.id == upload_id)
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        return _record(row) if row is not None else None

    def get_for_owner(self, upload_id: str, user_id: int) -> UploadRecord:
        """The caller's own live upload: 404 if unknown or someone else's, 410 if gone."""
        record = self.get(upload_id)
        if record is None or record.user_id != user_id:
            raise TusError(404, "no such upload")
        if record.state in TOMBSTONES:
            raise TusError(410, f"upload was {record.state}")
        if record.is_expired:
            self.mark_gone(upload_id, EXPIRED)
            raise TusError(410, "upload expired")
        return record

    # -- changes -------------------------------------------------------------
    def advance(self, conn: Connection, upload_id: str, start: int, new_offset: int,
                length: int) -> bool:
        """Move the offset from START to NEW_OFFSET (never backwards); True on success.

        When the last byte arrived the state becomes ``ingesting`` in the same
        statement. The condition on the old offset makes a lost race fail
        instead of overwriting a newer offset.
        """
        values: dict = {"offset": new_offset}
        if new_offset == length:
            values.update(state=INGESTING, completed_at=utcnow())
        result = conn.execute(
            update(uploads)
            .where(and_(uploads.c.id == upload_id, uploads.c.offset == start,
                        uploads.c.state == UPLOADING))
            .values(**values)
        )
        return result.rowcount == 1

    def mark_gone(self, upload_id: str, state: str) -> None:
        """Turn an upload into a tombstone (terminated or expired) and drop its bytes."""
        with self.engine.begin() as conn:
            conn.execute(update(uploads).where(uploads.c.id == upload_id).values(state=state))
        self.file_path(upload_id).unlink(missing_ok=True)

    def expire_stale(self) -> int:
        """Tombstone every unfinished upload past its expiry; returns how many."""
        now = utcnow()
        with self.engine.connect() as conn:
            ids = conn.execute(
                select(uploads.c.id).where(and_(uploads.c.state == UPLOADING,
                                                uploads.c.expires_at <= now))
            ).scalars().all()
        for upload_id in ids:
            self.mark_gone(upload_id, EXPIRED)
        return len(ids)
