"""Database engine for the portal: SQLite under DATA by default, PostgreSQL on request."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from dicomkit.sqlite_wal import use_wal
from portal.config import Settings
from portal.migrate import OutdatedSchemaError, SchemaVersionError, ensure_current
from portal.schema import SCHEMA_VERSION, schema_info

__all__ = ["OutdatedSchemaError", "SchemaVersionError", "as_utc", "open_database", "utcnow"]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind stored)."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Normalise a stored time to ``timezone.utc``.

    SQLite returns naive datetimes (the UTC they were stored as); psycopg
    returns ``ZoneInfo('Etc/UTC')``, which ``email.utils.format_datetime``
    (HTTP dates) refuses, so aware values are converted too.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys make
    # ON DELETE CASCADE work; busy_timeout waits for a writer instead of failing.
    use_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine_for(settings: Settings) -> Engine:
    """The engine for the configured database, without any schema check (for ``migrate``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def open_database(settings: Settings) -> Engine:
    """The engine; a new database is created at the newest schema, an outdated one refused.

    Raises :class:`OutdatedSchemaError` (message names ``downloadmanager-portal migrate``)
    or :class:`SchemaVersionError` (database of a newer portal).
    """
    engine = create_engine_for(settings)
    try:
        ensure_current(engine)
    except Exception:
        engine.dispose()
        raise
    try:
        _record_version(engine)
    except IntegrityError:
        # Another portal process starting on the same new database wrote the
        # row between our read and our insert: read it again.
        _record_version(engine)
    return engine


def _record_version(engine: Engine) -> None:
    """Write the schema version into a new database; refuse one of a newer portal."""
    with engine.begin() as conn:
        row = conn.execute(select(schema_info.c.version)).first()
        if row is None:
            conn.execute(insert(schema_info).values(id=1, version=SCHEMA_VERSION))
        elif row.version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"database schema {row.version} is newer than this portal ({SCHEMA_VERSION})"
            )
