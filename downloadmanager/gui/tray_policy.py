"""Decisions about notifications and closing the window, kept free of Qt widgets.

The offscreen platform of the tests has no system tray, so what the tray
does is decided here, by plain functions that tests call directly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from downloadmanager.core.transfers.model import Job, JobState

NOTIFIED_STATES = (JobState.DONE, JobState.FAILED)


@dataclass(frozen=True)
class JobEvent:
    """A job reached STATE (done or failed) while the window was running."""

    job: Job
    state: JobState


def job_events(known: dict[int, JobState] | None, jobs: list[Job]
               ) -> tuple[list[JobEvent], dict[int, JobState]]:
    """What to notify about, given the states seen last time (KNOWN) and the JOBS now.

    The first look (KNOWN is None) never notifies: jobs finished before the
    window opened are old news. A job notifies once when it enters done or
    failed from any other state; a job that appears already done (queued and
    finished between two looks) notifies too.
    """
    now = {job.id: job.state for job in jobs}
    if known is None:
        return [], now
    events = [JobEvent(job, job.state) for job in jobs
              if job.state in NOTIFIED_STATES and known.get(job.id) != job.state]
    return events, now


class CloseAction(enum.Enum):
    """What closing the window does."""

    QUIT = "quit"  # nothing runs: end the program
    HIDE_TO_TRAY = "hide"  # keep transfers running, the window goes to the tray
    HIDE_TO_TRAY_EXPLAINED = "hide-explained"  # the same, with the one-time explanation
    ASK_QUIT = "ask"  # no tray: ask whether to quit and interrupt the transfers


def close_action(*, transfers_running: bool, tray_available: bool,
                 hint_shown: bool) -> CloseAction:
    """Decide what closing the window does.

    While transfers run and a tray exists, the window hides and the uploads
    go on (the first time with an explanation, remembered in the settings).
    Without a tray the user is asked, because the transfers would otherwise
    stop unseen.
    """
    if not transfers_running:
        return CloseAction.QUIT
    if not tray_available:
        return CloseAction.ASK_QUIT
    return CloseAction.HIDE_TO_TRAY if hint_shown else CloseAction.HIDE_TO_TRAY_EXPLAINED


def quit_needs_confirmation(transfers_running: bool) -> bool:
    """Quitting from the tray menu asks first while transfers run."""
    return transfers_running
