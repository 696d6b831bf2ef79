"""The transfer queue: jobs and their items in SQLite, shared by processes.

The CLI, the GUI and a background runner may open the same database at the
same time (WAL mode, busy timeout). State changes are conditional updates
(``... WHERE state IN (...)``) so a ``pause`` from another process is never
overwritten by a runner's progress update; the runner polls the state
between chunks.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from dicomkit.sqlite_wal import use_wal
from downloadmanager.core import paths
from downloadmanager.core.errors import AppError
from downloadmanager.core.transfers import lease, schema
from downloadmanager.core.transfers.model import (
    IllegalTransitionError,
    Job,
    JobItem,
    JobState,
    Move,
    legal_sources,
    receipt_from_text,
)

_ITEM_COLUMNS = ("seq", "kind", "name", "source_path", "zip_member", "staged_path", "size",
                 "mtime_ns", "sha256", "sop_instance_uid", "sop_class_uid",
                 "series_instance_uid", "transfer_syntax_uid", "title")


def utc_now_text() -> str:
    """Now as ISO-8601 UTC text with a Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class JobNotFoundError(AppError, LookupError):
    """No job with that id."""

    def __init__(self, job_id: int) -> None:
        super().__init__("job_not_found", id=job_id)


class QueueStore:
    """Access to the queue database at PATH (default: the user's data folder).

    One connection per store, guarded by a lock, so a store may be shared by
    the runner's worker threads.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else paths.queue_db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout=30000")
        use_wal(self._conn)
        # FULL: a committed upload URL survives power loss, not only a crash.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self.backup_path = schema.backup_before_migrating(self.path, self._conn)
        schema.migrate(self._conn)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "QueueStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): COMMIT on success, ROLLBACK on any error.

        Every write of the store goes through here, so a failure never leaves
        the shared connection inside an open transaction. ``durable=False``
        commits without waiting for the disk (``synchronous=NORMAL``; it
        still survives the program being killed, and the next durable commit
        syncs it too): for what only shows progress or keeps a lease alive,
        written after every chunk, where the fsync cost 4-8 ms between two
        chunks (docs/benchmarks.md).
        """
        with self._lock:
            if not durable:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                    self._conn.execute("COMMIT")
                except BaseException:
                    # Also when COMMIT itself fails (e.g. the disk is full).
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
            finally:
                if not durable:
                    self._conn.execute("PRAGMA synchronous=FULL")

    def _write(self, sql: str, params: Iterable = (), *, durable: bool = True) -> sqlite3.Cursor:
        with self.transaction(durable=durable) as conn:
            return conn.execute(sql, tuple(params))

    def add_job(self, *, server: str, account: str, community: str, study_instance_uid: str,
                items: list[JobItem], note: str | None = None, source: str = "",
                use_staging: bool = True, study_description: str | None = None,
                study_date: str | None = None) -> int:
        """Queue one study for one community; returns the new job id.

        STUDY_DESCRIPTION and STUDY_DATE (YYYYMMDD) only label the job for people.
        """
        now = utc_now_text()
        total = sum(i.size for i in items)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO jobs (created_at, updated_at, server, account, community, "
                "study_instance_uid, note, source, use_staging, state, bytes_total, "
                "study_description, study_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (now, now, server, account, community, study_instance_uid, note, source,
                 int(use_staging), JobState.QUEUED.value, total, study_description,
                 study_date))
            job_id = int(cur.lastrowid)
            conn.executemany(
                f"INSERT INTO job_items (job_id, {', '.join(_ITEM_COLUMNS)}) "
                f"VALUES (?{', ?' * len(_ITEM_COLUMNS)})",
                [(job_id, *(getattr(i, c) for c in _ITEM_COLUMNS)) for i in items])
        return job_id

    def move(self, job_id: int, move: Move, *, error: str | None = None,
             keep_error: bool = False, receipt: dict | None = None) -> bool:
        """Apply MOVE of the transition table if the job is in one of its sources; True if it moved.

        ERROR is the stored form of an :class:`~downloadmanager.core.errors.AppError`
        (``error.stored()``) or None; KEEP_ERROR leaves the current one.
        RECEIPT (the portal's) is kept with the job in the same commit, also
        when the job does not move.
        """
        return self.set_state(job_id, move.target, only_from=move.sources, error=error,
                              keep_error=keep_error, receipt=receipt)

    def set_state(self, job_id: int, state: JobState, *, only_from: Iterable[JobState] | None = None,
                  error: str | None = None, keep_error: bool = False,
                  receipt: dict | None = None) -> bool:
        """Move a job to STATE if it is in one of ONLY_FROM (default: any legal source); True if it moved.

        Raises :class:`IllegalTransitionError` when ONLY_FROM names a state
        from which the transition table (``model.Move``) never reaches STATE.
        RECEIPT: see :meth:`move`.
        """
        legal = legal_sources(state)
        if only_from is None:
            only_from = legal
        only_from = list(only_from)
        for source in only_from:
            if source not in legal:
                raise IllegalTransitionError(source, state)
        now = utc_now_text()
        sql = "UPDATE jobs SET state=?, updated_at=?"
        params: list = [state.value, now]
        if not keep_error:
            sql += ", error=?"
            params.append(error)
        sql += " WHERE id=?"
        params.append(job_id)
        states = [s.value for s in only_from]
        sql += f" AND state IN ({', '.join('?' * len(states))})"
        params.extend(states)
        with self.transaction() as conn:
            if receipt is not None:
                conn.execute("UPDATE jobs SET receipt=?, updated_at=? WHERE id=?",
                             (json.dumps(receipt, ensure_ascii=False), now, job_id))
            return conn.execute(sql, params).rowcount == 1

    def set_progress(self, job_id: int, bytes_done: int) -> None:
        """Record how many bundle bytes the server has confirmed."""
        self._write("UPDATE jobs SET bytes_done=?, updated_at=? WHERE id=?",
                    (bytes_done, utc_now_text(), job_id), durable=False)

    def set_error(self, job_id: int, message: str | None) -> None:
        """Record a stored error (``AppError.stored()``, e.g. receipt pending) without changing the state."""
        self._write("UPDATE jobs SET error=?, updated_at=? WHERE id=?",
                    (message, utc_now_text(), job_id))

    def set_prepared(self, job_id: int, items: list[JobItem], manifest: bytes,
                     fingerprint: str, bytes_total: int) -> None:
        """Store the staged/hashed items and the frozen manifest of a job in one transaction."""
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE job_items SET staged_path=?, sha256=?, mtime_ns=?, size=? "
                "WHERE job_id=? AND seq=?",
                [(i.staged_path, i.sha256, i.mtime_ns, i.size, job_id, i.seq) for i in items])
            conn.execute(
                "UPDATE jobs SET manifest=?, fingerprint=?, bytes_total=?, bytes_done=0, "
                "updated_at=? WHERE id=?",
                (manifest, fingerprint, bytes_total, utc_now_text(), job_id))

    def clear_prepared(self, job_id: int) -> None:
        """Forget a job's manifest, hashes and upload so it is prepared afresh."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE job_items SET staged_path=NULL, sha256=NULL, mtime_ns=NULL WHERE job_id=?",
                (job_id,))
            conn.execute(
                "UPDATE jobs SET manifest=NULL, fingerprint=NULL, upload_url=NULL, bytes_done=0, "
                "receipt=NULL, updated_at=? WHERE id=?", (utc_now_text(), job_id))

    def remember_upload_url(self, job: Job, url: str) -> None:
        """Durably store a freshly created upload URL (job row and fingerprint table)."""
        with self.transaction() as conn:
            conn.execute("UPDATE jobs SET upload_url=?, updated_at=? WHERE id=?",
                         (url, utc_now_text(), job.id))
            conn.execute(
                "INSERT OR REPLACE INTO upload_urls (server, account, fingerprint, url, created_at) "
                "VALUES (?,?,?,?,?)", (job.server, job.account, job.fingerprint, url, utc_now_text()))
        job.upload_url = url

    def forget_upload_url(self, job: Job) -> None:
        """Drop an upload URL the server no longer knows (or that was terminated)."""
        with self.transaction() as conn:
            conn.execute("UPDATE jobs SET upload_url=NULL, bytes_done=0, updated_at=? "
                         "WHERE id=?", (utc_now_text(), job.id))
            if job.fingerprint:
                conn.execute(
                    "DELETE FROM upload_urls WHERE server=? AND account=? AND fingerprint=?",
                    (job.server, job.account, job.fingerprint))
        job.upload_url = None

    def lookup_upload_url(self, server: str, account: str, fingerprint: str) -> str | None:
        """The stored upload URL for this bundle on this server and account, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT url FROM upload_urls WHERE server=? AND account=? AND fingerprint=?",
                (server, account, fingerprint)).fetchone()
        return row[0] if row else None

    # -- leases ----------------------------------------------------------------

    def claim(self, job_id: int, owner: str, seconds: float = lease.LEASE_SECONDS) -> bool:
        """Take the lease of a job unless a live process holds it; True on success."""
        now = time.time()
        with self.transaction() as conn:
            row = conn.execute("SELECT lease_owner, lease_expires FROM jobs WHERE id=?",
                               (job_id,)).fetchone()
            if row is None:
                return False
            holder, expires = row["lease_owner"], row["lease_expires"] or 0.0
            free = (holder is None or holder == owner or expires < now
                    or lease.owner_is_dead(holder))
            if free:
                conn.execute("UPDATE jobs SET lease_owner=?, lease_expires=? WHERE id=?",
                             (owner, now + seconds, job_id))
            return free

    def is_leased(self, job_id: int) -> bool:
        """True while a live runner holds the job (e.g. a cancelled job still stopping)."""
        with self._lock:
            row = self._conn.execute("SELECT lease_owner, lease_expires FROM jobs WHERE id=?",
                                     (job_id,)).fetchone()
        if row is None or row["lease_owner"] is None:
            return False
        return (row["lease_expires"] or 0.0) >= time.time() and \
            not lease.owner_is_dead(row["lease_owner"])

    def renew(self, job_id: int, owner: str, seconds: float = lease.LEASE_SECONDS) -> None:
        """Extend our lease on a job."""
        # Not durable: after a power loss every lease has run out anyway.
        self._write("UPDATE jobs SET lease_expires=? WHERE id=? AND lease_owner=?",
                    (time.time() + seconds, job_id, owner), durable=False)

    def release(self, job_id: int, owner: str) -> None:
        """Give our lease on a job back."""
        self._write("UPDATE jobs SET lease_owner=NULL, lease_expires=NULL "
                    "WHERE id=? AND lease_owner=?", (job_id, owner))

    # -- reading ---------------------------------------------------------------

    def state_of(self, job_id: int) -> JobState:
        """The current state of a job (cheap: polled between chunks)."""
        with self._lock:
            row = self._conn.execute("SELECT state FROM jobs WHERE id=?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(job_id)
        return JobState(row[0])

    def get_job(self, job_id: int, *, with_items: bool = True) -> Job:
        """Load one job (with its items)."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFoundError(job_id)
            job = _job_from_row(row)
            if with_items:
                job.items = self._items(job_id)
        return job

    def list_jobs(self, states: Iterable[JobState] | None = None, *,
                  with_items: bool = False) -> list[Job]:
        """All jobs (optionally only those in STATES), oldest first."""
        sql, params = "SELECT * FROM jobs", []
        if states is not None:
            params = [s.value for s in states]
            sql += f" WHERE state IN ({', '.join('?' * len(params))})"
        sql += " ORDER BY id"
        with self._lock:
            jobs = [_job_from_row(r) for r in self._conn.execute(sql, params).fetchall()]
            counts = dict(self._conn.execute(
                "SELECT job_id, COUNT(*) FROM job_items WHERE kind='dicom' GROUP BY job_id"
            ).fetchall())
            for job in jobs:
                job.items = self._items(job.id) if with_items else []
                if not with_items:
                    job.instance_count = counts.get(job.id, 0)
        return jobs

    def _items(self, job_id: int) -> list[JobItem]:
        rows = self._conn.execute(
            f"SELECT {', '.join(_ITEM_COLUMNS)} FROM job_items WHERE job_id=? ORDER BY seq",
            (job_id,)).fetchall()
        return [JobItem(**dict(r)) for r in rows]


def _job_from_row(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"], server=row["server"], account=row["account"], community=row["community"],
        study_instance_uid=row["study_instance_uid"], state=JobState(row["state"]),
        created_at=row["created_at"], updated_at=row["updated_at"], note=row["note"],
        source=row["source"], use_staging=bool(row["use_staging"]), error=row["error"],
        bytes_done=row["bytes_done"], bytes_total=row["bytes_total"],
        manifest=bytes(row["manifest"]) if row["manifest"] is not None else None,
        fingerprint=row["fingerprint"], upload_url=row["upload_url"],
        receipt=receipt_from_text(row["receipt"]),
        study_description=row["study_description"], study_date=row["study_date"])
