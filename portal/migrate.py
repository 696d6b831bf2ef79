"""Schema migrations of the portal database (Alembic), and the check every command makes.

``portal/schema.py`` describes the tables as they should be; the migrations in
``portal/migrations/versions`` take a database there step by step. Rules:

* A new, empty database is created at the newest revision (head): the tables
  of ``schema.py``, stamped head (equal to running every migration; see
  :func:`_ensure_current` for why not the migrations themselves).
* ``downloadmanager-portal migrate`` upgrades an existing database. A database
  made before migrations existed (tables, no ``alembic_version``) is today's
  baseline (revision ``0001``): it is stamped so and then upgraded.
* Every other command (``serve``, ``create-user``...) refuses a database that
  is not at head with :class:`OutdatedSchemaError`, which names the command
  above: a newer portal never runs against old tables.

A test compares ``schema.py`` with the head of the migrations (Alembic's
autogenerate comparison), so a table change without a migration fails there.
"""

from __future__ import annotations

import threading
import time

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from portal.schema import metadata

_CREATE_ATTEMPTS = 20

# Alembic's op/context are module-wide proxies: one migration at a time per process.
_lock = threading.Lock()

#: The revision that equals the schema of the portal before migrations existed.
BASELINE = "0001"


class OutdatedSchemaError(RuntimeError):
    """The database is older than this portal: ``downloadmanager-portal migrate`` brings it up."""


class SchemaVersionError(RuntimeError):
    """The database was written by a newer portal than this one."""


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration (migrations inside the ``portal`` package)."""
    config = Config()
    config.set_main_option("script_location", "portal:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the migrations know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the database is stamped with (None: never stamped)."""
    return MigrationContext.configure(connection).get_current_revision()


def _known(revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    return any(r.revision == revision for r in script.walk_revisions())


def _outdated(url: str, current: str | None) -> OutdatedSchemaError:
    found = f"revision {current}" if current else "a schema from before migrations"
    return OutdatedSchemaError(
        f"The portal database ({url}) has {found}; this portal needs revision {head_revision()}. "
        f"Back it up, then run 'downloadmanager-portal migrate --data DIR' (with the same "
        f"--database) and start again.")


def ensure_current(engine: Engine) -> None:
    """Create a new, empty database at head; refuse one that is older or newer than this portal."""
    with _lock:
        _ensure_current(engine)


def _being_created(connection: Connection) -> bool:
    """True for an empty database, or one whose creation has not finished (or is going on).

    A portal from before migrations always wrote the ``schema_info`` row right after
    creating its tables, so a database without that row was never in use.
    """
    tables = inspect(connection).get_table_names()
    if "schema_info" not in tables:
        return True
    return connection.execute(text("SELECT COUNT(*) FROM schema_info")).scalar() == 0


def _ensure_current(engine: Engine) -> None:
    head = head_revision()
    for attempt in range(_CREATE_ATTEMPTS):
        try:
            with engine.begin() as conn:
                current = current_revision(conn)
                if current is None and _being_created(conn):
                    # A new database: the tables of schema.py, stamped head. A test keeps
                    # schema.py equal to the migrations' head, so this is the same as
                    # running them all; unlike DDL on SQLite (not transactional there),
                    # it also completes a creation that was killed halfway, or that
                    # another process is doing at the same moment.
                    metadata.create_all(conn)
                    command.stamp(alembic_config(conn), "head")
                    return
            break
        except (OperationalError, IntegrityError, ProgrammingError):
            # Another process is creating the same new database right now ("table
            # already exists", a duplicate stamp): look again in a moment.
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is not None and not _known(current):
        raise SchemaVersionError(f"The portal database ({url}) has revision {current}, which is "
                                 f"newer than this portal (head {head}): update the portal.")
    raise _outdated(url, current)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade the database to head; returns (revision before, revision after)."""
    with _lock, engine.begin() as conn:
        before = current_revision(conn)
        if before is None and _being_created(conn):
            metadata.create_all(conn)  # a new (or half-created) database, as in ensure_current
            command.stamp(alembic_config(conn), "head")
        elif before is None:
            # Made by the portal before migrations: that schema is the baseline.
            command.stamp(alembic_config(conn), BASELINE)
        if before is not None and not _known(before):
            raise SchemaVersionError(f"The database has revision {before}, newer than this portal.")
        command.upgrade(alembic_config(conn), "head")
        return before, current_revision(conn)
