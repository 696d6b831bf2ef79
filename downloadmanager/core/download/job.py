"""The whole download flow, shared by the CLI and the GUI: fetch, verify, lay out, publish, send.

Plan, then run: :class:`DownloadJob` is built from a :class:`StudySource`
and the Study Instance UIDs to fetch; :meth:`DownloadJob.run` downloads every
study into the partial area (resuming an earlier run of the same job), scans
the verified files (from the headers read while streaming; bare datasets are
wrapped into Part-10 files), moves the finished layout into the target folder
and then, if asked, sends what it published to a PACS - publishing first, so
a PACS that stalls or fails never keeps the files from the user.

:func:`redeem_and_list` is the first step for an access code: redeem it and
read the studies behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from downloadmanager.core.access_code import CodeInput
from downloadmanager.core.download.catalog import catalog_from_headers
from downloadmanager.core.portal_client import DownloadError, StudySource, new_session, redeem_code
from downloadmanager.core.download.fetcher import StudyFetcher, check_free_space
from downloadmanager.core.download.partial import PartialArea, job_key
from downloadmanager.core.download.publish import OutputOptions, publish
from downloadmanager.core.part10 import wrap_file_in_place
from downloadmanager.core.scan import ProblemKind, scan

if TYPE_CHECKING:
    # The DICOM network code imports pydicom: loaded only when a job sends to a PACS.
    from downloadmanager.core.dicomnet import DicomNode, Reconciliation, SendReport


@dataclass(frozen=True, slots=True)
class StudyListing:
    """One study behind a code, as shown before downloading."""

    study_instance_uid: str
    patient_name: str
    patient_birth_date: str
    study_date: str
    study_description: str
    modalities: list[str]
    series_count: int
    instance_count: int
    bytes: int
    expires_at: str

    @classmethod
    def from_summary(cls, s: dict) -> StudyListing:
        return cls(str(s.get("study_instance_uid", "")), str(s.get("patient_name") or ""),
                   str(s.get("patient_birth_date") or ""), str(s.get("study_date") or ""),
                   str(s.get("study_description") or ""), list(s.get("modalities") or []),
                   int(s.get("series_count") or 0), int(s.get("instance_count") or 0),
                   int(s.get("bytes") or 0), str(s.get("expires_at") or ""))


@dataclass(slots=True)
class CodeSession:
    """A redeemed code: the portal access and the studies behind it."""

    server: str
    source: StudySource
    code_expires: str
    studies: list[StudyListing]
    key: str


def redeem_and_list(server: str, code: CodeInput, birth_date_iso: str) -> CodeSession:
    """Redeem CODE with the birth date and list its studies (messages in German/English)."""
    session = new_session()
    redemption = redeem_code(server, code.code, birth_date_iso, session)
    source = StudySource(server, redemption.token, session)
    body = source.code_studies()
    studies = [StudyListing.from_summary(s) for s in body["studies"] if isinstance(s, dict)]
    # The key depends on the code only (not on the address the portal was
    # reached at), so a resume through another URL finds the partial data.
    return CodeSession(server, source, str(body.get("expires") or redemption.code_expires), studies,
                       job_key("code", code.code))


@dataclass(slots=True)
class DownloadResult:
    """What a finished download produced."""

    outputs: list[Path] = field(default_factory=list)
    instance_count: int = 0
    bytes: int = 0
    study_uids: list[str] = field(default_factory=list)
    send_report: SendReport | None = None

    @property
    def ok(self) -> bool:
        return self.send_report is None or self.send_report.ok


ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)


class DownloadJob:
    """Download STUDY_UIDS from SOURCE into TARGET (see module docstring)."""

    def __init__(self, source: StudySource, study_uids: list[str], target: Path, key: str, *,
                 output: OutputOptions | None = None, send_to: DicomNode | None = None,
                 reconcile: Reconciliation | None = None,
                 progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, retry_delay: float = 1.0) -> None:
        self.source = source
        self.study_uids = list(study_uids)
        self.target = Path(target)
        self.key = key
        self.output = output or OutputOptions()
        self.send_to = send_to
        self.reconcile = reconcile
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.retry_delay = retry_delay

    def run(self) -> DownloadResult:
        """Run every step; raises :class:`DownloadError` (partial data stay for a resume)."""
        try:
            area = PartialArea(self.target, self.key).create()
        except OSError as exc:
            raise DownloadError("target_not_writable", path=str(self.target),
                                detail=exc.strerror or str(exc)) from None
        result = DownloadResult(study_uids=self.study_uids)
        documents: dict[str, list[tuple[str, Path]]] = {}
        headers: list[tuple[Path, int, object]] = []
        for uid in self.study_uids:
            def report(done: int, total: int, _uid: str = uid) -> None:
                if self.progress:
                    self.progress("download", done, total)
            files = StudyFetcher(self.source, uid, area, progress=report, cancel=self.cancel,
                                 retry_delay=self.retry_delay).run()
            documents[uid] = files.documents
            result.bytes += files.bytes
            for path in files.instance_files:
                # Old uploads may hold bare datasets: every file we write is Part 10.
                wrap_file_in_place(path)
            headers += [(path, path.stat().st_size, header)
                        for path, header in zip(files.instance_files, files.instance_headers)]
        # The headers were read while the files streamed in: no second pass over them.
        catalog = catalog_from_headers(area.instances_dir(), headers)
        bad = [p for p in catalog.problems if p.kind != ProblemKind.DUPLICATE]
        if bad:
            raise DownloadError("server_sent_garbage", detail=f"{len(bad)} files are not readable DICOM")
        result.instance_count = len(catalog.instances())
        if self.output.zip:
            check_free_space(self.target, result.bytes)
        # Publish first: a PACS that stalls or fails must not keep the user's files hidden
        # in the partial area. Then send what was published (StoreJob.run never raises).
        result.outputs = publish(catalog, documents, area, self.output)
        area.remove()
        if self.send_to is not None:
            from downloadmanager.core.dicomnet import StoreJob

            def sent(done: int, total: int, _outcome) -> None:
                if self.progress:
                    self.progress("send", done, total)
            instances = [i for output in result.outputs for i in scan(output).instances()]
            result.send_report = StoreJob(instances, self.send_to, reconcile=self.reconcile,
                                          progress=sent, cancel=self.cancel).run()
        return result
