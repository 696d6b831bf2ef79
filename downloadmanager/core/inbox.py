"""Community inbox (hospital side): fetch new studies, optionally forward them to the PACS, mark them imported.

One :meth:`InboxImporter.poll_once` lists the community's studies not yet
imported, downloads each (verified, resumable, same engine as downloads by
code), sends it to the PACS when asked, and marks it imported on the portal
only when everything worked - a study that failed stays in the inbox and is
tried again at the next poll. :meth:`InboxImporter.watch` polls until stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from downloadmanager.core.dicomnet import DicomNode, Reconciliation
from downloadmanager.core.download.job import DownloadJob, DownloadResult
from downloadmanager.core.errors import AppError
from downloadmanager.core.portal_client import StudySource
from downloadmanager.core.download.partial import job_key
from downloadmanager.core.download.publish import OutputOptions

log = logging.getLogger(__name__)


@dataclass(slots=True)
class InboxOutcome:
    """What happened to one inbox study."""

    study_instance_uid: str
    imported: bool
    result: DownloadResult | None = None
    #: Why it was not imported (``error.message(lang)`` for people), or None.
    error: AppError | None = None


@dataclass(slots=True)
class PollReport:
    """One poll: every study tried."""

    outcomes: list[InboxOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.imported for o in self.outcomes)


class InboxImporter:
    """Import COMMUNITY's new studies into TARGET (and the PACS).

    Parameters
    ----------
    server : portal address
    token_provider : returns a valid user token (e.g. ``PortalClient.headers``-based);
        called at every poll so renewed tokens are picked up
    community : the community code (case-sensitive)
    target : folder the studies are written to
    """

    def __init__(self, server: str, token_provider: Callable[[], str], community: str, target: Path, *,
                 output: OutputOptions | None = None, send_to: DicomNode | None = None,
                 reconcile: Reconciliation | None = None, retry_delay: float = 1.0) -> None:
        self.server = server
        self.token_provider = token_provider
        self.community = community
        self.target = Path(target)
        self.output = output or OutputOptions()
        self.send_to = send_to
        self.reconcile = reconcile
        self.retry_delay = retry_delay

    def poll_once(self, on_outcome: Callable[[InboxOutcome], None] | None = None) -> PollReport:
        """Import every study not yet imported; raises only when the inbox cannot be listed."""
        source = StudySource(self.server, self.token_provider())
        inbox = source.inbox(self.community, imported=False)
        report = PollReport()
        for summary in inbox.get("studies", []):
            uid = str(summary.get("study_instance_uid", ""))
            if not uid or summary.get("imported"):
                continue
            outcome = self._import(source, uid)
            report.outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        return report

    def _import(self, source: StudySource, uid: str) -> InboxOutcome:
        job = DownloadJob(source, [uid], self.target, job_key("inbox", self.community, uid),
                          output=self.output, send_to=self.send_to, reconcile=self.reconcile,
                          retry_delay=self.retry_delay)
        try:
            result = job.run()
        except AppError as exc:
            log.warning("inbox study could not be downloaded: %s", exc.key)
            return InboxOutcome(uid, False, None, exc)
        if not result.ok:
            failed = result.send_report.failed if result.send_report else 0
            return InboxOutcome(uid, False, result, AppError("inbox_pacs_incomplete", failed=failed))
        try:
            source.mark_imported(self.community, uid)
        except AppError as exc:
            return InboxOutcome(uid, False, result, AppError("inbox_not_marked", cause=exc))
        return InboxOutcome(uid, True, result)

    def watch(self, interval: float, stop: threading.Event,
              on_outcome: Callable[[InboxOutcome], None] | None = None,
              on_error: Callable[[Exception], None] | None = None) -> None:
        """Poll every INTERVAL seconds until STOP is set; listing errors are reported and retried."""
        while not stop.is_set():
            try:
                self.poll_once(on_outcome)
            except AppError as exc:
                if on_error:
                    on_error(exc)
            stop.wait(interval)
