"""The transfer queue database: jobs survive restarts, states, leases, migration."""

from __future__ import annotations

import sqlite3

from downloadmanager.core import paths
from downloadmanager.core.transfers import schema
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.store import QueueStore
from tests.upload.conftest import items_of


def _add(store, study, **kw):
    return store.add_job(server="http://portal", account="a@example.org", community="bM1X",
                         study_instance_uid=study.study_instance_uid, items=items_of(study), **kw)


def test_paths_follow_downloadmanager_home(dm_home):
    assert paths.data_dir() == dm_home / "data"
    assert paths.config_dir() == dm_home / "config"
    assert paths.cache_dir() == dm_home / "cache"
    assert paths.staging_dir() == dm_home / "staging"
    assert paths.logs_dir() == dm_home / "logs"
    assert paths.queue_db_path().parent == dm_home / "data"


def test_job_survives_reopening(dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study, note="Bitte befunden")
        assert store.set_state(job_id, JobState.UPLOADING, only_from=[JobState.QUEUED])
        store.set_progress(job_id, 1234)
    with QueueStore() as store:
        job = store.get_job(job_id)
    assert job.state is JobState.UPLOADING
    assert job.bytes_done == 1234
    assert job.note == "Bitte befunden"
    assert [i.name for i in job.items][:2] == ["dicom/000001.dcm", "dicom/000002.dcm"]
    assert len(job.items) == 6
    assert {i.sop_instance_uid for i in job.items} == {
        i.sop_instance_uid for i in small_study.instances}


def test_progress_and_leases_skip_the_fsync_everything_else_waits_for_it(dm_home, small_study):
    """Progress and lease renewals are written after every chunk: they commit with
    synchronous=NORMAL (no fsync); every other write stays FULL (an upload URL
    must survive a power loss)."""
    with QueueStore() as store:
        job_id = _add(store, small_study)
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        store.set_progress(job_id, 4096)
        store.renew(job_id, "me")
        store.set_error(job_id, None)
        store._conn.set_trace_callback(None)
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    modes = [s.split("=")[1] if s.startswith("PRAGMA synchronous") else s.split()[0]
             for s in statements]
    assert modes == ["NORMAL", "BEGIN", "UPDATE", "COMMIT", "FULL",
                     "NORMAL", "BEGIN", "UPDATE", "COMMIT", "FULL",
                     "BEGIN", "UPDATE", "COMMIT"]
    with QueueStore() as store:
        assert store.get_job(job_id).bytes_done == 4096


def test_conditional_state_change_does_not_override_pause(dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study)
        store.set_state(job_id, JobState.PAUSED)
        moved = store.set_state(job_id, JobState.UPLOADING, only_from=[JobState.QUEUED])
        assert not moved
        assert store.state_of(job_id) is JobState.PAUSED


def test_a_receipt_is_kept_in_the_commit_that_moves_the_job(dm_home, small_study):
    """The verdict's receipt and the job's new state are one durable commit; the
    receipt is kept also when the job does not move (paused meanwhile)."""
    from downloadmanager.core.transfers.model import Move

    receipt = {"state": "done", "totals": {"accepted": 6}}
    with QueueStore() as store:
        job_id = _add(store, small_study)
        for state in (JobState.STAGING, JobState.UPLOADING, JobState.VERIFYING):
            assert store.set_state(job_id, state)
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        assert store.move(job_id, Move.FINISH, receipt=receipt)
        store._conn.set_trace_callback(None)
        paused = _add(store, small_study)
        store.set_state(paused, JobState.PAUSED)
        assert not store.move(paused, Move.FINISH, receipt=receipt)
    assert [s.split()[0] for s in statements] == ["BEGIN", "UPDATE", "UPDATE", "COMMIT"]
    with QueueStore() as store:
        assert store.get_job(job_id).state is JobState.DONE
        assert store.get_job(job_id).receipt == receipt
        assert store.get_job(paused).state is JobState.PAUSED
        assert store.get_job(paused).receipt == receipt


def test_upload_url_is_keyed_by_server_account_fingerprint(dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study)
        job = store.get_job(job_id)
        job.fingerprint = "f" * 64
        store.set_prepared(job_id, job.items, b"{}", job.fingerprint, 100)
        store.remember_upload_url(job, "http://portal/uploads/abc")
    with QueueStore() as store:
        assert store.lookup_upload_url("http://portal", "a@example.org", "f" * 64) == \
            "http://portal/uploads/abc"
        assert store.lookup_upload_url("http://other", "a@example.org", "f" * 64) is None
        assert store.get_job(job_id).upload_url == "http://portal/uploads/abc"
        store.forget_upload_url(store.get_job(job_id))
        assert store.lookup_upload_url("http://portal", "a@example.org", "f" * 64) is None


def test_lease_blocks_a_second_live_owner_but_not_a_dead_one(dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study)
        assert store.claim(job_id, "otherhost:1:x")
        assert not store.claim(job_id, "mine")  # live (unknown host) and not expired
        store.release(job_id, "otherhost:1:x")
        assert store.claim(job_id, "mine")
        # A process on this host that does not exist any more holds no lease.
        import socket
        store.release(job_id, "mine")
        assert store.claim(job_id, f"{socket.gethostname()}:999999999:dead")
        assert store.claim(job_id, "mine")


def test_migration_from_version_1_keeps_jobs_and_backs_up(dm_home, small_study):
    db = paths.queue_db_path()
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn, target=1)
    conn.execute(
        "INSERT INTO jobs (created_at, updated_at, server, account, community, "
        "study_instance_uid, state, fingerprint, upload_url) VALUES "
        "('t','t','http://p','a','bM1X','1.2.3','uploading','fp1','http://p/uploads/u1')")
    conn.close()

    with QueueStore() as store:
        assert store.backup_path is not None and store.backup_path.exists()
        assert store.lookup_upload_url("http://p", "a", "fp1") == "http://p/uploads/u1"
        job = store.list_jobs()[0]
        assert job.state is JobState.UPLOADING and job.study_instance_uid == "1.2.3"
        assert store.claim(job.id, "me")  # v2 lease columns exist
    backup = sqlite3.connect(db.with_name(db.name + ".v1.bak"))
    assert backup.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "1"
    assert backup.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1
    backup.close()
    check = sqlite3.connect(db)
    assert schema.schema_version(check) == schema.SCHEMA_VERSION
    check.close()


def test_newer_schema_is_refused(dm_home):
    db = paths.queue_db_path()
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn)
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.close()
    import pytest
    with pytest.raises(schema.SchemaTooNewError, match="newer Downloadmanager"):
        QueueStore()


def test_a_new_queue_opened_by_several_threads_at_once_opens_for_all(tmp_path):
    """The window's runner and its first poll open a fresh queue together: both must succeed.

    SQLite refuses the switch to WAL with "database is locked" (without its
    busy timeout) while another connection sets up the same new file.
    """
    import threading

    failures = []
    for attempt in range(40):
        path = tmp_path / f"queue-{attempt}.sqlite3"
        barrier = threading.Barrier(4)

        def open_queue(path=path, barrier=barrier):
            barrier.wait()
            try:
                QueueStore(path).close()
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=open_queue) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
