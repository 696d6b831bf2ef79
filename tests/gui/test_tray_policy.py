"""Tray decisions: which transfers notify, and what closing the window does."""

from __future__ import annotations

from downloadmanager.core.transfers.model import Job, JobState
from downloadmanager.gui.tray_policy import (
    CloseAction,
    close_action,
    job_events,
    quit_needs_confirmation,
)


def _job(job_id: int, state: JobState) -> Job:
    return Job(id=job_id, server="https://p", account="a@b", community="bM1X",
               study_instance_uid=f"1.2.{job_id}", state=state, created_at="", updated_at="")


def test_first_look_never_notifies_old_results():
    events, known = job_events(None, [_job(1, JobState.DONE), _job(2, JobState.FAILED)])
    assert events == []
    assert known == {1: JobState.DONE, 2: JobState.FAILED}


def test_done_and_failed_notify_once_each():
    known = {1: JobState.UPLOADING, 2: JobState.VERIFYING, 3: JobState.PAUSED}
    jobs = [_job(1, JobState.DONE), _job(2, JobState.FAILED), _job(3, JobState.CANCELLED),
            _job(4, JobState.DONE)]  # queued and finished between two looks
    events, known = job_events(known, jobs)
    assert [(e.job.id, e.state) for e in events] == [(1, JobState.DONE), (2, JobState.FAILED),
                                                     (4, JobState.DONE)]
    again, _ = job_events(known, jobs)
    assert again == []
    # A retried job that fails again notifies again.
    retried, known = job_events(known, [_job(2, JobState.UPLOADING)])
    assert retried == []
    failed, _ = job_events(known, [_job(2, JobState.FAILED)])
    assert [(e.job.id, e.state) for e in failed] == [(2, JobState.FAILED)]


def test_close_actions():
    assert close_action(transfers_running=False, tray_available=True,
                        hint_shown=False) is CloseAction.QUIT
    assert close_action(transfers_running=False, tray_available=False,
                        hint_shown=False) is CloseAction.QUIT
    assert close_action(transfers_running=True, tray_available=True,
                        hint_shown=False) is CloseAction.HIDE_TO_TRAY_EXPLAINED
    assert close_action(transfers_running=True, tray_available=True,
                        hint_shown=True) is CloseAction.HIDE_TO_TRAY
    assert close_action(transfers_running=True, tray_available=False,
                        hint_shown=True) is CloseAction.ASK_QUIT
    assert quit_needs_confirmation(True) and not quit_needs_confirmation(False)


def test_window_hides_to_tray_once_explained_and_quits_from_the_menu(make_window, monkeypatch):
    """The window's close handling with a tray (forced on; offscreen has none)."""
    from downloadmanager.core.settings import load_settings

    window = make_window(use_tray=True)
    assert window.tray is not None
    window.show()
    running = [_job(7, JobState.UPLOADING)]
    monkeypatch.setattr(window.transfer_service, "running_jobs", lambda: running)
    explained, asked = [], []
    window.explain_tray = lambda: explained.append(True)
    window.confirm_quit = lambda: asked.append(True) or False
    monkeypatch.setattr("downloadmanager.gui.main_window.QApplication.quit", lambda: None)

    assert not window.close()  # hidden, not closed: the transfers go on
    assert not window.isVisible() and explained == [True]
    assert load_settings().tray_hint_shown  # remembered
    window.bring_to_front()
    assert not window.close()
    assert explained == [True]  # only once
    window.show()
    window.quit_application()  # asks while transfers run; "no" keeps everything
    assert asked == [True] and window.isVisible() and window.transfer_service._timer.isActive()
    window.confirm_quit = lambda: True
    window.quit_application()
    assert not window.isVisible() and not window.transfer_service._timer.isActive()
