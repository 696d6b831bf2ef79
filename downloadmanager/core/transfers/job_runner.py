"""Run one job through its phases: prepare (stage or hash), upload (tus), verify (receipt).

Every phase starts by reading the job from the database, so a job resumes in
whatever phase a crash, a pause or a closed time window left it. Between
chunks the job's state is read again: another process may have paused or
cancelled it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from downloadmanager.core.background import run_in_background
from downloadmanager.core.errors import AppError, NetworkError
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers import staging
from downloadmanager.core.transfers.bundle import VirtualBundle
from downloadmanager.core.transfers.errors import JobControlInterrupt, SourceChangedError
from downloadmanager.core.transfers.model import RUNNABLE, Job, JobState, Move
from downloadmanager.core.transfers.pipeline import PipelinedPrepare
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.core.transfers.throttle import BandwidthLimiter
from downloadmanager.core.transfers.tus_client import DEFAULT_CHUNK, TusClient
from downloadmanager.core.transfers.verify import check_receipt
from downloadmanager.core.net_settings import configure_session

log = logging.getLogger(__name__)

# Seconds the portal may hold a receipt request while it verifies (``?wait=``).
RECEIPT_WAIT = 2.0

class WindowClosed(JobControlInterrupt):
    """The daily time window closed: the job waits (state back to queued)."""

    def __init__(self) -> None:
        super().__init__("waiting for the time window")


@dataclass
class JobContext:
    """What a job needs from its surroundings (injected, so tests control it)."""

    store: QueueStore
    portal: PortalClient
    owner: str
    staging_root: Path
    chunk_size: int = DEFAULT_CHUNK
    max_chunk_size: int | None = None
    limiter: BandwidthLimiter | None = None
    free_space: staging.FreeSpace = staging.disk_free
    #: Asked between two chunks: False while the upload time window is closed;
    #: raises :class:`JobControlInterrupt` when the runner shuts down.
    window_open_or_raise: Callable[[], bool] = lambda: True
    sleep: Callable[[float], None] = time.sleep
    verify_timeout: float = 30 * 60.0
    tus_max_attempts: int = 12
    tus_options: dict = field(default_factory=dict)
    # Called with the job id once its files are staged (the medium may be removed).
    on_staged: Callable[[int], None] | None = None


class _JobUrlStore:
    """Upload URL of one job, kept durably in the queue database."""

    def __init__(self, store: QueueStore, job: Job) -> None:
        self.store, self.job = store, job

    def get(self) -> str | None:
        return self.job.upload_url or self.store.lookup_upload_url(
            self.job.server, self.job.account, self.job.fingerprint)

    def save(self, url: str) -> None:
        self.store.remember_upload_url(self.job, url)

    def forget(self) -> None:
        self.store.forget_upload_url(self.job)


def _ask_capabilities(tus: TusClient) -> None:
    """Ask the portal's tus capabilities ahead (cached by TUS for its upload)."""
    try:
        tus.capabilities()
    except Exception as exc:  # the upload asks again, with its retries and error reports
        log.debug("asking the tus capabilities ahead failed: %s", exc)


def _close_when_done(tus: TusClient, asked: Future) -> None:
    """Close TUS's session now, or once the capabilities asked ahead are in."""
    if asked.done():
        tus.session.close()
    else:
        asked.add_done_callback(lambda _: tus.session.close())


def upload_id_of(url: str) -> str:
    """The upload id (last path segment) of a tus upload URL."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


class JobRunner:
    """Runs job JOB_ID to the end of what it can do now."""

    def __init__(self, job_id: int, ctx: JobContext) -> None:
        self.job_id = job_id
        self.ctx = ctx
        # Set when the portal was unreachable: the job stays queued for a later run.
        self.deferred = False
        # The phase being worked on (staging or uploading), for _control.
        self._phase: JobState | None = None

    def _control(self) -> None:
        """Stop if another process paused/cancelled the job or the window closed."""
        state = self.ctx.store.state_of(self.job_id)
        if state in (JobState.PAUSED, JobState.CANCELLED):
            raise JobControlInterrupt(state.value)
        if state is JobState.QUEUED and self._phase is not None:
            # Paused and resumed again between two chunks: this worker never
            # stopped, so it carries on and shows its phase again.
            self.ctx.store.move(self.job_id, Move.carry_on(self._phase), keep_error=True)
        if not self.ctx.window_open_or_raise():
            raise WindowClosed()
        self.ctx.store.renew(self.job_id, self.ctx.owner)

    def run(self) -> JobState:
        """Work on the job; returns the state it ends in."""
        store = self.ctx.store
        try:
            job = store.get_job(self.job_id)
            if job.manifest is None and job.state in RUNNABLE:
                job = self._stage_and_upload(job)
            if job.state in (JobState.QUEUED, JobState.STAGING, JobState.UPLOADING):
                job = self._upload(job)
            if job.state is JobState.VERIFYING:
                self._verify(job)
        except WindowClosed:
            store.move(self.job_id, Move.REQUEUE, error=AppError("waiting_for_window").stored())
        except JobControlInterrupt as stop:
            if stop.state == JobState.CANCELLED.value:
                self.cleanup_cancelled(store.get_job(self.job_id))
        except SourceChangedError as exc:
            job = store.get_job(self.job_id)
            self._terminate(job)
            store.clear_prepared(self.job_id)
            self._fail(AppError("source_changed_retry", cause=exc))
        except NetworkError as exc:
            # Not the job's fault: keep it queued; the next start of the program
            # (or 'transfers run') continues it from where the portal is.
            self.deferred = True
            store.move(self.job_id, Move.REQUEUE,
                       error=AppError("continues_later", cause=exc).stored())
        except AppError as exc:
            self._fail(exc)
        except Exception as exc:  # the runner must survive; the user sees what happened
            log.exception("job %s failed unexpectedly", self.job_id)
            self._fail(AppError("unexpected_error", detail=f"{exc.__class__.__name__}: {exc}"))
        return store.state_of(self.job_id)

    def _fail(self, error: AppError, receipt: dict | None = None) -> None:
        # RECEIPT: the portal's, kept with the job in the same commit.
        self.ctx.store.move(self.job_id, Move.FAIL, error=error.stored(), receipt=receipt)

    # -- phases -------------------------------------------------------------------

    def _prepare(self, job: Job) -> Job:
        store = self.ctx.store
        if not store.move(job.id, Move.STAGE):
            return store.get_job(job.id)
        self._phase = JobState.STAGING
        store.set_progress(job.id, 0)
        progress = lambda done, total: store.set_progress(job.id, done)  # noqa: E731
        if job.use_staging:
            items = staging.stage_items(job, self.ctx.staging_root,
                                        free_space=self.ctx.free_space, progress=progress,
                                        should_stop=self._control)
        else:
            items = staging.hash_in_place(job, progress=progress, should_stop=self._control)
        manifest, fingerprint, length = staging.freeze_manifest(
            job, items, self._held_by_portal(job, items))
        store.set_prepared(job.id, items, manifest, fingerprint, length)
        if self.ctx.on_staged is not None:
            self.ctx.on_staged(job.id)
        return store.get_job(job.id)

    def _portal_holds_some(self, job: Job) -> bool:
        """Whether the portal holds some of the study already (then it is hashed, then sent).

        A job whose upload exists before its manifest was started pipelined
        and goes on so; an error answer means no (only an optimisation).
        """
        if job.upload_url:
            return False
        sops = [i.sop_instance_uid for i in job.items if i.kind == "dicom" and i.sop_instance_uid]
        try:
            return self.ctx.portal.holds_any(job.community, job.study_instance_uid, sops)
        except AppError as exc:
            log.info("could not ask the portal which instances it holds: %s", exc.code)
            return False

    def _stage_and_upload(self, job: Job) -> Job:
        """Stage and upload at once (see :mod:`~downloadmanager.core.transfers.pipeline`).

        Unless the portal holds some of the study: then the files are staged
        and hashed first and only those it lacks are sent (:meth:`_prepare`).
        The question is asked while the bundle's layout is built and staging
        begins, so the medium is read from the start; what was staged by the
        answer is used either way.
        """
        store = self.ctx.store
        if not store.move(job.id, Move.STAGE):
            return store.get_job(job.id)
        self._phase = JobState.STAGING

        def staged() -> None:
            self._phase = JobState.UPLOADING
            if self.ctx.on_staged is not None:
                self.ctx.on_staged(job.id)

        tus = self._tus()
        # The portal is asked (which instances it holds; its tus capabilities)
        # while the bundle's layout is built and staging starts: two round
        # trips that no longer precede the first byte one after the other.
        # (Daemon threads: an unanswered request does not hold up the exit.)
        holds = run_in_background(self._portal_holds_some, job, name=f"ask-holds-{job.id}")
        asked = run_in_background(_ask_capabilities, tus, name=f"ask-tus-{job.id}")
        try:
            prepare = PipelinedPrepare(job, store, self.ctx.staging_root,
                                       free_space=self.ctx.free_space,
                                       control=self._control, on_staged=staged)
            # Keys the stored upload URL until the real manifest (and fingerprint) exists.
            job.fingerprint = job.fingerprint or prepare.layout_fingerprint
            prepare.start()
            holds_some = True  # also when asking fails unexpectedly: staging stops
            try:
                holds_some = holds.result()
            finally:
                if holds_some:
                    prepare.stop()
                    prepare.bundle.close()
            asked.result()  # the upload's first request uses the answer
        except BaseException:
            _close_when_done(tus, asked)
            raise
        if holds_some:
            _close_when_done(tus, asked)
            return self._prepare(store.get_job(job.id))
        prepare.proceed()
        try:
            tus.upload(prepare.bundle, _JobUrlStore(store, job),
                       {"community": job.community, "filename": f"study-{job.id}.tar",
                        "fingerprint": job.fingerprint},
                       on_progress=lambda offset: store.set_progress(job.id, offset),
                       between_chunks=self._control, available=prepare.prefix.wait)
        except JobControlInterrupt:
            prepare.stop()
            raise
        except BaseException:
            # The line failed: staging goes on to its end, so the medium is free
            # and the next run only uploads. A staging error is the one to report.
            prepare.finish()
            raise
        finally:
            prepare.bundle.close()
            tus.session.close()
        prepare.finish()
        store.move(job.id, Move.VERIFY)
        return store.get_job(job.id, with_items=False)

    def _held_by_portal(self, job: Job, items: list) -> set[str]:
        """SHA-256 values of the study's instances the recipient holds already: not sent again."""
        shas = [i.sha256 for i in items if i.kind == "dicom" and i.sha256]
        try:
            return self.ctx.portal.present_instances(job.community, job.study_instance_uid,
                                                     shas)
        except AppError as exc:
            # Only an optimisation: without the answer every instance is sent.
            log.info("could not ask the portal which instances it holds: %s", exc.code)
            return set()

    def _tus(self) -> TusClient:
        return TusClient(self.ctx.portal.tus_endpoint, session=configure_session(requests.Session()),
                         auth=self.ctx.portal, chunk_size=self.ctx.chunk_size,
                         max_chunk_size=self.ctx.max_chunk_size,
                         limiter=self.ctx.limiter, max_attempts=self.ctx.tus_max_attempts,
                         sleep=self.ctx.sleep, **self.ctx.tus_options)

    def _upload(self, job: Job) -> Job:
        store = self.ctx.store
        if not store.move(job.id, Move.UPLOAD):
            return store.get_job(job.id)
        self._phase = JobState.UPLOADING
        staging.check_unchanged(job.items)
        bundle = VirtualBundle.for_items(job.manifest, job.items)
        tus = self._tus()
        try:
            tus.upload(bundle, _JobUrlStore(store, job),
                       {"community": job.community, "filename": f"study-{job.id}.tar",
                        "fingerprint": job.fingerprint or ""},
                       on_progress=lambda offset: store.set_progress(job.id, offset),
                       between_chunks=self._control)
        finally:
            bundle.close()
            tus.session.close()
        store.move(job.id, Move.VERIFY)
        # Verifying needs the manifest and the upload URL, not the items.
        return store.get_job(job.id, with_items=False)

    def _verify(self, job: Job) -> None:
        store = self.ctx.store
        upload_id = upload_id_of(job.upload_url or "")
        delay, waited = 0.1, 0.0
        while True:
            self._control_verifying()
            asked = time.monotonic()
            # The portal holds the answer until the verdict exists (at most
            # RECEIPT_WAIT, so a pause still takes effect within seconds).
            status, body = self.ctx.portal.receipt(upload_id, wait=RECEIPT_WAIT)
            answered = time.monotonic() - asked
            if status == 200:
                break
            if status == 404:
                # The portal lost the upload (e.g. expired before it completed): send again.
                store.forget_upload_url(job)
                store.move(job.id, Move.REQUEUE, error=AppError("portal_lost_upload").stored())
                return
            if waited >= self.ctx.verify_timeout:
                store.set_error(job.id, AppError("receipt_pending").stored())
                return
            if answered < delay:
                # A portal that answered at once (one without ``wait``): poll.
                self.ctx.sleep(delay - answered)
            waited += max(delay, answered)
            # At most 0.5 s between polls: the portal verifies as the bytes arrive,
            # so the receipt usually exists moments after the last byte.
            delay = min(delay * 1.5, 0.5)
        try:
            verdict = check_receipt(body, job.manifest)
        except Exception as exc:  # a receipt we cannot read: failed, and kept to be looked at
            log.exception("the receipt of job %s could not be checked", job.id)
            self._fail(AppError("unexpected_error", detail=f"{exc.__class__.__name__}: {exc}"),
                       receipt=body)
            return
        # The receipt is kept with the job in the same commit as its new state.
        if verdict.ok:
            if store.move(job.id, Move.FINISH, receipt=body):
                staging.remove_staging(self.ctx.staging_root, job.id)
        else:
            self._fail(verdict.error, receipt=body)

    def _control_verifying(self) -> None:
        state = self.ctx.store.state_of(self.job_id)
        if state in (JobState.PAUSED, JobState.CANCELLED):
            raise JobControlInterrupt(state.value)
        self.ctx.store.renew(self.job_id, self.ctx.owner)

    # -- cancellation -----------------------------------------------------------

    def _terminate(self, job: Job) -> None:
        if not job.upload_url:
            return
        tus = self._tus()
        try:
            if tus.terminate(job.upload_url):
                self.ctx.store.forget_upload_url(job)
        finally:
            tus.session.close()

    def cleanup_cancelled(self, job: Job) -> None:
        """Terminate the server-side upload (tus DELETE) and remove the staged copy."""
        try:
            self._terminate(job)
        except AppError as exc:
            log.warning("could not terminate the upload of job %s: %s", job.id, exc)
        staging.remove_staging(self.ctx.staging_root, job.id)
