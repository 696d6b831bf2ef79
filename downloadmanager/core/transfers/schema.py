"""Schema of the transfer queue database and its migrations.

The database carries its version in ``meta(key='schema_version')``. Each
entry of ``MIGRATIONS`` lifts the schema by one version; a new database runs
all of them, an old one the missing ones. Before migrating an existing file
the store copies it next to itself (``transfers.sqlite3.v1.bak``), so a
failed or unwanted upgrade never loses the queue.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# Version 1: jobs and their items; the upload URL lived only on the job row.
_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    server TEXT NOT NULL,
    account TEXT NOT NULL,
    community TEXT NOT NULL,
    study_instance_uid TEXT NOT NULL,
    note TEXT,
    source TEXT NOT NULL DEFAULT '',
    use_staging INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    error TEXT,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    manifest BLOB,
    fingerprint TEXT,
    upload_url TEXT,
    receipt TEXT
);
CREATE TABLE job_items (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    source_path TEXT NOT NULL,
    zip_member TEXT,
    staged_path TEXT,
    size INTEGER NOT NULL,
    mtime_ns INTEGER,
    sha256 TEXT,
    sop_instance_uid TEXT,
    sop_class_uid TEXT,
    series_instance_uid TEXT,
    transfer_syntax_uid TEXT,
    title TEXT,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX jobs_state ON jobs(state);
"""

# Version 2: upload URLs keyed by (server, account, bundle fingerprint), so a
# re-queued identical bundle resumes the same server-side upload; a lease so
# that two runners (two processes) never work on the same job.
_V2 = """
CREATE TABLE upload_urls (
    server TEXT NOT NULL,
    account TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (server, account, fingerprint)
);
INSERT OR IGNORE INTO upload_urls (server, account, fingerprint, url, created_at)
    SELECT server, account, fingerprint, upload_url, updated_at FROM jobs
    WHERE upload_url IS NOT NULL AND fingerprint IS NOT NULL;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN lease_expires REAL;
"""

# Version 3: what the study is (description and date from the medium), so the
# window can show "CT Thorax, 20.11.2026" for a job after a restart.
_V3 = """
ALTER TABLE jobs ADD COLUMN study_description TEXT;
ALTER TABLE jobs ADD COLUMN study_date TEXT
"""

# Version 4: jobs.error holds an error of the one error model (core/errors.py)
# as JSON {"code", "params"}; older rows hold English prose, which becomes the
# generic code "legacy_text" with the old text as its parameter.
_V4 = """
UPDATE jobs SET error = json_object('code', 'legacy_text', 'params', json_object('text', error))
    WHERE error IS NOT NULL
      AND CASE WHEN json_valid(error) THEN json_type(error, '$.code') IS NOT 'text' ELSE 1 END
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer program version."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The version of the open database (0 for an empty file)."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the open database up to version TARGET; returns the old version.

    Each step runs in its own transaction together with its version bump, so
    an interrupted migration leaves a consistent database of the old version.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"The transfer queue was written by a newer Downloadmanager (schema "
            f"{current}, this program knows {SCHEMA_VERSION}). Please update the program.")
    for version in range(current + 1, target + 1):
        script = MIGRATIONS[version - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another connection (a second thread or process opening the queue
            # at the same moment) may have done this step while we waited.
            if schema_version(conn) >= version:
                conn.execute("COMMIT")
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(version),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return current


def backup_before_migrating(db_path: Path, conn: sqlite3.Connection) -> Path | None:
    """Copy the database file before an upgrade; returns the backup path (or None).

    Uses SQLite's online backup so a WAL file's content is included.
    """
    current = schema_version(conn)
    if current == 0 or current >= SCHEMA_VERSION:
        return None
    backup = db_path.with_name(f"{db_path.name}.v{current}.bak")
    target = sqlite3.connect(str(backup))
    try:
        conn.backup(target)
    finally:
        target.close()
    return backup


def _statements(script: str) -> list[str]:
    # executescript() would commit on its own; split so each step is one transaction.
    return [s.strip() for s in script.split(";") if s.strip()]

