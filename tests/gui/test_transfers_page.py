"""Transfers page against the REAL portal: pause, resume, cancel, retry, restart of the window."""

from __future__ import annotations

from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.settings import TransferSettings, save_transfer_settings
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.gui.transfers_model import COL_PROGRESS, COL_RECIPIENT, ProgressRole
from tests.dicom_factory import StudySpec, write_study
from tests.gui.helpers import drop_paths
from tests.gui.sending import (  # noqa: F401 - fixtures
    check_all_studies,
    choose_recipient,
    demo_portal,
    memory_keyring,
    shown_states,
    store_states,
    wait_until_all_done,
)

SLOW = TransferSettings(chunk_size=64 * 1024, max_chunk_size=64 * 1024,
                        bandwidth_limit=150_000)


def _bigger_medium(tmp_path):
    root = tmp_path / "mr"
    write_study(root, StudySpec(study_description="MR Knie"), series=1, per_series=12,
                rows=256, columns=256)
    return root


def _send(qtbot, window, medium) -> int:
    page = window.send_page
    with qtbot.waitSignal(page.scan_finished, timeout=30000):
        drop_paths(page.drop_zone, [medium])
    check_all_studies(page.model)
    panel = window.send_panel
    choose_recipient(qtbot, panel.picker, "saarbr", "Radiologie Klinikum Saarbrücken (bM1X)")
    with qtbot.waitSignal(panel.sent, timeout=20000) as sent:
        panel.send_button.click()
    (job_id,) = sent.args[0]
    return job_id


def _job(window, job_id):
    model = window.transfers_page.model
    row = model.row_of(job_id)
    return model.job(row) if row is not None else None


def _sending_with_progress(window, job_id) -> bool:
    job = _job(window, job_id)
    return job is not None and job.state is JobState.UPLOADING and job.bytes_done > 0


def test_pause_resume_cancel_retry_from_the_page(qtbot, make_window, demo_portal, tmp_path,
                                                 monkeypatch):
    from downloadmanager.core.transfers import enqueue

    # The dropped folder stands for a CD: staged, so the row says when it may go.
    monkeypatch.setattr(enqueue, "must_stage", lambda source: True)
    save_transfer_settings(SLOW)
    window = make_window()
    window.confirm_quit = lambda: True
    window.session.use_client(demo_portal.client())
    job_id = _send(qtbot, window, _bigger_medium(tmp_path))
    page = window.transfers_page
    qtbot.waitUntil(lambda: _sending_with_progress(window, job_id), timeout=60000)
    assert page.select_job(job_id)
    row = page.model.row_of(job_id)
    assert page.model.data(page.model.index(row, 2)) == "Sending – the CD can be removed"  # staged: the medium is free
    assert 0 < page.model.index(row, COL_PROGRESS).data(ProgressRole) < 100
    assert page.pause_button.isEnabled() and not page.resume_button.isEnabled()

    page.pause_button.click()
    qtbot.waitUntil(lambda: shown_states(page)[job_id] == "Paused", timeout=30000)
    assert store_states(window.transfer_service.queue_path)[job_id] is JobState.PAUSED
    paused = _job(window, job_id)
    assert paused.bytes_done < paused.bytes_total
    assert page.resume_button.isEnabled() and not page.pause_button.isEnabled()

    page.resume_button.click()
    qtbot.waitUntil(lambda: _sending_with_progress(window, job_id), timeout=30000)

    # Cancel asks first: declining keeps the transfer going.
    asked = []
    page.confirm_cancel = lambda job: asked.append(job.id) or False
    page.cancel_button.click()
    assert asked == [job_id]
    assert _job(window, job_id).state is not JobState.CANCELLED
    page.confirm_cancel = lambda job: True
    page.cancel_button.click()
    qtbot.waitUntil(lambda: shown_states(page)[job_id] == "Cancelled", timeout=30000)
    assert page.retry_button.isEnabled()

    save_transfer_settings(TransferSettings())  # full speed for the retry
    for _attempt in range(100):  # refused while the worker still cleans up the cancel
        page.retry_button.click()
        qtbot.wait(200)
        if shown_states(page)[job_id] != "Cancelled":
            break
        assert not page.message.isVisible() or "still stopping" in page.message.text()
    qtbot.waitUntil(lambda: shown_states(page)[job_id] == "Done", timeout=120000)
    done = _job(window, job_id)
    assert done.receipt["totals"]["accepted"] == 12
    assert page.receipt_button.isEnabled()
    # The recipient's full name fits its column (measured from the texts, not elided).
    header, metrics = page.table.horizontalHeader(), page.table.fontMetrics()
    assert header.sectionSize(COL_RECIPIENT) > metrics.horizontalAdvance(
        "Radiologie Klinikum Saarbrücken (bM1X)")


def test_transfers_continue_after_the_window_is_created_again(qtbot, make_window, demo_portal,
                                                              tmp_path):
    save_transfer_settings(SLOW)
    demo_portal.remember_login()  # both windows restore this login at start
    first = make_window()
    qtbot.waitUntil(lambda: first.session.logged_in, timeout=10000)
    job_id = _send(qtbot, first, _bigger_medium(tmp_path))
    qtbot.waitUntil(lambda: _sending_with_progress(first, job_id), timeout=60000)

    asked = []
    first.confirm_quit = lambda: asked.append(True) or True
    assert first.close()
    assert asked == [True]  # no tray offscreen: closing with running transfers asks
    queue = first.transfer_service.queue_path
    with QueueStore(queue) as store:
        job = store.get_job(job_id, with_items=False)
    # Interrupted after a chunk: still uploading, part of it on the portal, no receipt.
    assert job.state is JobState.UPLOADING
    assert 0 < job.bytes_done < job.bytes_total and job.receipt is None

    save_transfer_settings(TransferSettings())
    second = make_window()
    second.confirm_quit = lambda: True
    qtbot.waitUntil(lambda: second.session.logged_in, timeout=10000)
    assert second.session.client.email == demo_portal.email
    qtbot.waitUntil(lambda: _job(second, job_id) is not None, timeout=10000)
    qtbot.waitUntil(lambda: shown_states(second.transfers_page)[job_id] == "Done", timeout=120000)
    assert _job(second, job_id).receipt["totals"]["accepted"] == 12
    assert store_states(queue) == {job_id: JobState.DONE}


def test_the_runner_survives_an_error_and_still_sends(qtbot, make_window, demo_portal, tmp_path,
                                                      monkeypatch, caplog):
    """A failing queue database at start-up (e.g. locked) costs a retry, not the runner."""
    import sqlite3
    import sys

    import downloadmanager.gui.transfer_service as service_module

    real_store = service_module.QueueStore
    calls = []

    def flaky_store(path):
        if sys._getframe(1).f_code.co_name == "_run_queue":  # the runner's open only
            calls.append(path)
            if len(calls) == 1:
                raise sqlite3.OperationalError("database is locked")
        return real_store(path)

    monkeypatch.setattr(service_module, "QueueStore", flaky_store)
    monkeypatch.setattr(service_module, "IDLE_RECHECK_SECONDS", 0.2)
    window = make_window()
    window.confirm_quit = lambda: True
    window.session.use_client(demo_portal.client())
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=20000)  # failed once, opened again
    job_id = _send(qtbot, window, _bigger_medium(tmp_path))
    wait_until_all_done(qtbot, window, [job_id])
    assert "the transfer queue runner failed (OperationalError)" in caplog.text
