"""User controls on jobs: pause, resume, cancel, retry — from any process.

They only change the job's state in the database; a runner (possibly in
another process) notices between two chunks. Cancelling additionally
terminates the server-side upload (tus DELETE) when a portal client is
given, and removes the staged copy.
"""

from __future__ import annotations

from pathlib import Path

from downloadmanager.core import paths
from downloadmanager.core.errors import term
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers import staging
from downloadmanager.core.transfers.errors import TransferError
from downloadmanager.core.transfers.job_runner import JobContext, JobRunner
from downloadmanager.core.transfers.model import JobState, Move
from downloadmanager.core.transfers.store import QueueStore


class ControlError(TransferError):
    """The control does not apply to the job in its current state."""


def _refuse(store: QueueStore, job_id: int, code: str) -> ControlError:
    state = store.state_of(job_id)
    return ControlError(code, id=job_id, state=term(f"state_{state.value}"))


def pause(store: QueueStore, job_id: int) -> None:
    """Pause a queued or running job (a runner stops it after the current chunk)."""
    if not store.move(job_id, Move.PAUSE, keep_error=True):
        raise _refuse(store, job_id, "cannot_pause")


def resume(store: QueueStore, job_id: int) -> None:
    """Put a paused job back in the queue."""
    if not store.move(job_id, Move.RESUME):
        raise _refuse(store, job_id, "cannot_resume")


def retry(store: QueueStore, job_id: int) -> None:
    """Queue a failed or cancelled job again.

    A job whose upload completed (and was then not fully accepted) starts a
    new upload; an interrupted one continues where the server is.
    """
    job = store.get_job(job_id, with_items=False)
    if job.state not in Move.RETRY.sources:
        raise _refuse(store, job_id, "cannot_retry")
    if store.is_leased(job_id):
        # Its worker has not noticed the cancel yet and still cleans up.
        raise ControlError("still_stopping", id=job_id)
    if job.state is JobState.CANCELLED:
        store.clear_prepared(job_id)  # its staged copy and upload are gone
    elif job.receipt is not None:
        store.forget_upload_url(job)
    store.move(job_id, Move.RETRY)


def cancel(store: QueueStore, job_id: int, portal: PortalClient | None = None,
           staging_root: Path | None = None) -> bool:
    """Cancel a job; returns True if the server-side upload was terminated (or none existed).

    With PORTAL the upload is terminated here (tus DELETE); a running runner
    also does it when it notices. Without a reachable portal the job is
    still cancelled locally.
    """
    if not store.move(job_id, Move.CANCEL):
        raise _refuse(store, job_id, "cannot_cancel")
    job = store.get_job(job_id, with_items=False)
    root = staging_root or paths.staging_dir()
    if job.upload_url is None:
        staging.remove_staging(root, job_id)
        return True
    if portal is None:
        staging.remove_staging(root, job_id)
        return False
    ctx = JobContext(store=store, portal=portal, owner="cancel", staging_root=root,
                     tus_max_attempts=2)
    JobRunner(job_id, ctx).cleanup_cancelled(job)
    return store.get_job(job_id, with_items=False).upload_url is None
