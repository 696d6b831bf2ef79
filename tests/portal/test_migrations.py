"""Portal schema migrations (Alembic): fresh databases at head, old ones upgraded with data intact,
outdated ones refused, and ``schema.py`` never ahead of the migrations."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal.config import Settings
from portal.db import create_engine_for, open_database
from portal.migrate import (
    BASELINE,
    OutdatedSchemaError,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from portal.schema import metadata
from tests.portal.conftest import ROOT, portal_cli

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    data = tmp_path / "data"
    if request.param == "sqlite":
        return Settings(data_dir=data)
    return Settings(data_dir=data, database_url=request.getfixturevalue("postgres_url"))


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    extra = [] if settings.database.startswith("sqlite") else ["--database", settings.database]
    return subprocess.run([*portal_cli(), *args, "--data", str(settings.data_dir), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def make_pre_alembic_database(settings: Settings) -> None:
    """A database as the portal made it before migrations: the baseline tables, no stamp, some data."""
    engine = create_engine_for(settings)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), BASELINE)  # the baseline is that create_all schema
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO schema_info (id, version) VALUES (1, 1)"))
        conn.execute(text("INSERT INTO communities (id, code, name, name_folded, created_at) "
                          "VALUES (7, 'Ab12', 'Klinik Süd', 'klinik sud', :now)"), {"now": NOW})
        conn.execute(text("INSERT INTO users (id, email, password_hash, is_admin, created_at) "
                          "VALUES (3, 'arzt@praxis.de', 'hash', :f, :now)"), {"f": False, "now": NOW})
        conn.execute(text("INSERT INTO memberships (user_id, community_id) VALUES (3, 7)"))
        assert current_revision(conn) is None
    engine.dispose()


def _data(engine) -> tuple:
    with engine.connect() as conn:
        return (conn.execute(text("SELECT id, code, name FROM communities")).all(),
                conn.execute(text("SELECT id, email FROM users")).all(),
                conn.execute(text("SELECT user_id, community_id FROM memberships")).all())


def test_fresh_database_is_created_at_head(settings):
    engine = open_database(settings)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert set(metadata.tables) <= set(inspect(conn).get_table_names())
    engine.dispose()


def test_old_database_is_refused_then_migrated_with_its_data(settings):
    make_pre_alembic_database(settings)
    with pytest.raises(OutdatedSchemaError, match="downloadmanager-portal migrate"):
        open_database(settings)
    refused = _cli(settings, "create-community", "--name", "X")
    assert refused.returncode == 2 and "downloadmanager-portal migrate" in refused.stderr

    result = _cli(settings, "migrate")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"from": None, "to": head_revision(), "changed": True}
    engine = open_database(settings)  # accepted now
    assert _data(engine) == ([(7, "Ab12", "Klinik Süd")], [(3, "arzt@praxis.de")], [(3, 7)])
    engine.dispose()
    again = _cli(settings, "migrate")
    assert json.loads(again.stdout)["changed"] is False


def test_migrate_creates_a_new_database(tmp_path):
    settings = Settings(data_dir=tmp_path / "new")
    engine = create_engine_for(settings)
    assert upgrade(engine) == (None, head_revision())
    engine.dispose()
    open_database(settings).dispose()


def test_schema_py_and_the_migrations_head_do_not_differ(settings):
    """A change to portal/schema.py without a migration fails here: add one (see docs/portal.md)."""
    engine = open_database(settings)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


OPEN_ONE = """
import sys
from pathlib import Path
from portal.config import Settings
from portal.db import open_database
open_database(Settings(data_dir=Path(sys.argv[1]))).dispose()
print("opened")
"""


def test_concurrent_first_opens_of_a_new_sqlite_database(tmp_path):
    """Portal processes starting together on one new SQLite file all come up (WAL switch retried)."""
    import sys

    data = tmp_path / "data"
    data.mkdir()
    starts = [subprocess.Popen([sys.executable, "-c", OPEN_ONE, str(data)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(3)]
    for process in starts:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and out.strip() == "opened", err
    check = create_engine(Settings(data_dir=data).database)
    with check.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert current_revision(conn) == head_revision()
    check.dispose()
