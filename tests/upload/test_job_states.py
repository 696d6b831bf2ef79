"""The queue's write transactions and the job state table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from downloadmanager.core import paths
from downloadmanager.core.errors import AppError, decode_stored, render_stored
from downloadmanager.core.transfers import controls, schema
from downloadmanager.core.transfers.model import (
    FINAL,
    RUNNABLE,
    IllegalTransitionError,
    JobState,
    Move,
    legal_sources,
)
from downloadmanager.core.transfers.store import QueueStore
from tests.upload.conftest import items_of


def _add(store, study):
    return store.add_job(server="http://portal", account="a@example.org", community="bM1X",
                         study_instance_uid=study.study_instance_uid, items=items_of(study))


def test_a_failure_inside_a_transaction_rolls_back_and_the_connection_stays_usable(
        dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study)
        with pytest.raises(RuntimeError):
            with store.transaction() as conn:
                conn.execute("UPDATE jobs SET note='half done' WHERE id=?", (job_id,))
                raise RuntimeError("boom")
        assert store.get_job(job_id).note is None  # rolled back
        # The shared connection is not left inside a transaction: other writers go on.
        assert not store._conn.in_transaction
        assert store.move(job_id, Move.PAUSE)
        with QueueStore() as other:  # and another connection can write at once
            assert other.move(job_id, Move.RESUME)
        # A failing statement (constraint) inside a multi-statement write also rolls back.
        with pytest.raises(sqlite3.IntegrityError):
            with store.transaction() as conn:
                conn.execute("UPDATE jobs SET note='x' WHERE id=?", (job_id,))
                seq = conn.execute("SELECT MIN(seq) FROM job_items WHERE job_id=?",
                                   (job_id,)).fetchone()[0]
                conn.execute("INSERT INTO job_items (job_id, seq, kind, name, source_path, size) "
                             "VALUES (?, ?, 'dicom', 'dup', 'p', 1)", (job_id, seq))
        assert store.get_job(job_id).note is None
        assert store.set_state(job_id, JobState.STAGING, only_from=[JobState.QUEUED])


def test_an_illegal_transition_is_refused(dm_home, small_study):
    with QueueStore() as store:
        job_id = _add(store, small_study)
        with pytest.raises(IllegalTransitionError):
            store.set_state(job_id, JobState.DONE, only_from=[JobState.QUEUED])
        with pytest.raises(IllegalTransitionError):
            store.set_state(job_id, JobState.UPLOADING, only_from=[JobState.DONE])
        assert store.state_of(job_id) is JobState.QUEUED
        # A legal move from the wrong current state does nothing (conditional update).
        assert not store.move(job_id, Move.FINISH)
        assert not store.move(job_id, Move.RESUME)
        assert store.state_of(job_id) is JobState.QUEUED
        # Without ONLY_FROM the table decides: DONE is reached from verifying only.
        assert not store.set_state(job_id, JobState.DONE)
        assert store.move(job_id, Move.UPLOAD) and store.move(job_id, Move.VERIFY)
        assert store.set_state(job_id, JobState.DONE)
        # Done is final: no move leaves it, and the controls say so in both languages.
        assert not any(JobState.DONE in m.sources for m in Move)
        with pytest.raises(controls.ControlError) as info:
            controls.cancel(store, job_id)
        assert info.value.code == "cannot_cancel"
        assert "fertig" in info.value.message("de") and "is done" in info.value.message("en")


def test_the_table_is_the_one_place_for_states():
    assert RUNNABLE == {JobState.QUEUED, JobState.STAGING, JobState.UPLOADING, JobState.VERIFYING}
    assert all(s.is_runnable == (s in RUNNABLE) for s in JobState)
    assert all(s.is_final == (s in FINAL) for s in JobState)
    assert legal_sources(JobState.DONE) == {JobState.VERIFYING}
    assert legal_sources(JobState.QUEUED) == RUNNABLE | {JobState.PAUSED, JobState.FAILED,
                                                        JobState.CANCELLED}
    # Every state is reached by some move.
    assert {m.target for m in Move} == set(JobState)
    for module in ("job_runner", "runner", "controls"):
        text = (Path(__file__).resolve().parents[2] / "downloadmanager" / "core" /
                "transfers" / f"{module}.py").read_text(encoding="utf-8")
        assert "only_from" not in text, module  # everything goes through the table


def test_old_prose_errors_are_migrated_to_the_legacy_code(dm_home):
    db = paths.queue_db_path()
    conn = sqlite3.connect(db, isolation_level=None)
    schema.migrate(conn, target=3)
    for error in ("Waiting for the upload time window.", None,
                  AppError("disk_full", path="/x", need="1 GB", free="1 MB").stored()):
        conn.execute(
            "INSERT INTO jobs (created_at, updated_at, server, account, community, "
            "study_instance_uid, state, error) VALUES ('t','t','http://p','a','bM1X','1.2.3',"
            "'failed', ?)", (error,))
    conn.close()
    with QueueStore() as store:
        old, none, new = store.list_jobs()
    assert decode_stored(old.error) == {"code": "legacy_text",
                                        "params": {"text": "Waiting for the upload time window."}}
    assert render_stored(old.error, "de") == (
        "Meldung einer früheren Programmversion: Waiting for the upload time window.")
    assert none.error is None
    assert decode_stored(new.error)["code"] == "disk_full"  # already in the new form: kept
    assert old.to_json()["error_code"]["code"] == "legacy_text"
