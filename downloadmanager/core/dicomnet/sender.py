"""C-STORE of scanned instances to a DICOM node, with a per-instance report.

Plan then run: :func:`plan_batches` builds the presentation contexts from
the instances' SOP classes and transfer syntaxes; :class:`StoreJob` opens one
association per batch and sends every instance:

* as stored (file bytes after the file meta group) when the PACS accepted the
  file's transfer syntax - the fast path;
* re-encoded in an accepted uncompressed syntax otherwise, decompressing with
  pydicom's codecs where needed; when no codec is installed the instance is
  reported as failed with the reason;
* always re-encoded when an import reconciliation is asked for.

Every response status is checked: success and warning statuses count as
stored (warnings are reported), everything else as failed. A lost or aborted
association (peer abort, DIMSE timeout, protocol error) fails the instance it
happened on and is reopened once per batch to carry on with the rest; a
transient rejection (congestion) is retried after a pause. :meth:`StoreJob.run`
never raises: every instance ends in an :class:`InstanceOutcome` with a
reason in German and English. With a :class:`~.journal.SentJournal`, instances
the PACS already stored are skipped, so sending again sends only what failed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from downloadmanager.core.dicomnet.association import Association
from downloadmanager.core.dicomnet.contexts import UNCOMPRESSED, ContextBatch, plan_batches
from downloadmanager.core.dicomnet.dimse import C_STORE_RSP, c_store_rq, status_category, status_text
from downloadmanager.core.dicomnet.encoding import (
    DEFLATED,
    EncodingError,
    locate_dataset,
    reencode,
)
from downloadmanager.core.dicomnet.errors import AssociationError, AssociationRejected, DicomNetError
from downloadmanager.core.dicomnet.journal import SentJournal
from downloadmanager.core.dicomnet.messages import context_result, text
from downloadmanager.core.dicomnet.nodes import DicomNode
from downloadmanager.core.dicomnet.reconcile import Reconciliation
from downloadmanager.core.scan import Instance, open_instance

log = logging.getLogger(__name__)

STORED = "stored"
WARNING = "warning"
FAILED = "failed"
ALREADY = "already"  # stored by an earlier send (journal), not sent again
_STREAM_ABOVE = 256 << 20  # bigger files are streamed, not read whole
_CHUNK = 1 << 20
#: Pauses before retrying a transiently rejected association (congestion), in seconds.
RETRY_DELAYS = (1.0, 3.0, 10.0)


@dataclass(slots=True)
class InstanceOutcome:
    """What happened to one instance.

    ``detail`` is the reason in English (logs, JSON); ``messages`` has it in
    every language (``{"de": ..., "en": ...}``), ``reason`` is the catalogue key.
    """

    sop_instance_uid: str
    path: str
    state: str  # "stored", "warning", "already" or "failed"
    status: int | None = None
    detail: str = ""
    sent_transfer_syntax: str = ""
    reason: str = ""
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return self.state in (STORED, WARNING, ALREADY)

    def message(self, lang: str = "en") -> str:
        """The reason in LANG ("" for a plain success)."""
        return self.messages.get(lang) or self.detail


def _outcome(instance: Instance, state: str, key: str = "", status: int | None = None,
             sent_ts: str = "", **params: Any) -> InstanceOutcome:
    path = instance.source.display or str(instance.source.path)
    messages = {lang: text(key, lang, **params) for lang in ("de", "en")} if key else {}
    return InstanceOutcome(instance.sop_instance_uid, path, state, status, messages.get("en", ""),
                           sent_ts, key, messages)


def _failed_by(instance: Instance, error: DicomNetError) -> InstanceOutcome:
    return _outcome(instance, FAILED, error.key, **error.params)


@dataclass(slots=True)
class SendReport:
    """The outcome of every instance of one send."""

    node: str
    outcomes: list[InstanceOutcome] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for o in self.outcomes if o.stored)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.stored)

    @property
    def already(self) -> int:
        return sum(1 for o in self.outcomes if o.state == ALREADY)

    @property
    def ok(self) -> bool:
        """True when every instance was stored (warnings and earlier sends included)."""
        return self.failed == 0 and bool(self.outcomes)

    @property
    def nothing_stored(self) -> bool:
        """True when not a single instance got through (PACS unreachable, rejecting...)."""
        return bool(self.outcomes) and self.stored == 0

    def as_json(self) -> dict:
        """JSON-ready form (no patient data: UIDs, paths, statuses)."""
        return {"node": self.node, "total": len(self.outcomes), "stored": self.stored,
                "failed": self.failed, "already_stored": self.already, "ok": self.ok,
                "instances": [asdict(o) for o in self.outcomes]}


ProgressCallback = Callable[[int, int, InstanceOutcome], None]


class _Unsendable(Exception):
    """This instance cannot go over this association (key and params for the outcome)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


class StoreJob:
    """Send INSTANCES to NODE; :meth:`run` returns the :class:`SendReport`.

    Parameters
    ----------
    instances : instances from a scan (``downloadmanager.core.scan``)
    node : the receiving DICOM node (address, AE titles, timeouts, TLS)
    reconcile : replace the patient identity before sending (IHE import reconciliation)
    progress : called after each instance with (done, total, outcome)
    cancel : set to stop after the current instance (the rest are reported as failed)
    timeout : overrides the node's DIMSE timeout (seconds per response), if given
    journal : skip instances the PACS already stored, and record the new ones
    retry_delays : pauses before retrying a transiently rejected association
    """

    def __init__(self, instances: Iterable[Instance], node: DicomNode, *,
                 reconcile: Reconciliation | None = None,
                 progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, timeout: float | None = None,
                 journal: SentJournal | None = None,
                 retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.instances = list(instances)
        self.node = node
        self.reconcile = reconcile
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.timeout = timeout
        self.journal = journal
        self.retry_delays = tuple(retry_delays)
        self._done = 0
        self.batches: list[ContextBatch] = plan_batches(
            (i.sop_class_uid, i.transfer_syntax_uid) for i in self.instances)

    def run(self) -> SendReport:
        """Send everything; never raises: every problem ends in a per-instance outcome."""
        report = SendReport(self.node.spec)
        todo = self.instances
        if self.journal is not None:
            todo = []
            for instance in self.instances:
                if instance.sop_instance_uid in self.journal:
                    self._record(report, _outcome(instance, ALREADY, "already_stored"))
                else:
                    todo.append(instance)
        try:
            self.batches = plan_batches((i.sop_class_uid, i.transfer_syntax_uid) for i in todo)
            for batch in self.batches:
                items = [i for i in todo if i.sop_class_uid in batch.sop_classes]
                self._run_batch(batch, items, report)
        except Exception as exc:  # noqa: BLE001 - the promise: a report, never a traceback
            log.error("send to %s stopped by an unexpected error (%s)", self.node.spec, type(exc).__name__)
            log.debug("unexpected send error", exc_info=True)
            done = {o.sop_instance_uid for o in report.outcomes}
            for instance in todo:
                if instance.sop_instance_uid not in done:
                    self._record(report, _outcome(instance, FAILED, "internal_error",
                                                  detail=type(exc).__name__))
        finally:
            if self.journal is not None:
                self.journal.save()
        return report

    # -- one association ---------------------------------------------------------------

    def _open(self, batch: ContextBatch) -> Association:
        """Open an association, retrying a transient rejection after the configured pauses."""
        attempts = 0
        while True:
            attempts += 1
            try:
                assoc = Association.to_node(self.node, list(batch.contexts))
            except AssociationRejected as exc:
                if not exc.transient or attempts > len(self.retry_delays):
                    if exc.transient:
                        raise AssociationRejected(exc.result, exc.source, exc.reason, attempts) from None
                    raise
                delay = self.retry_delays[attempts - 1]
                log.info("association rejected transiently by %s; retrying in %gs", self.node.spec, delay)
                if self.cancel.wait(delay):
                    raise
                continue
            if self.timeout:
                assoc.set_timeout(self.timeout)
            return assoc

    def _run_batch(self, batch: ContextBatch, items: list[Instance], report: SendReport) -> None:
        reopened = False
        index = 0
        while index < len(items):
            try:
                assoc = self._open(batch)
            except DicomNetError as exc:
                for instance in items[index:]:
                    self._record(report, _outcome(instance, FAILED, "not_sent_connection",
                                                  reason=exc))
                return
            try:
                while index < len(items):
                    if self.cancel.is_set():
                        for instance in items[index:]:
                            self._record(report, _outcome(instance, FAILED, "cancelled"))
                        index = len(items)
                        break
                    instance = items[index]
                    try:
                        outcome = self._send_one(assoc, instance)
                    except DicomNetError as exc:
                        self._record(report, _failed_by(instance, exc))
                        index += 1
                        raise
                    self._record(report, outcome)
                    index += 1
            except DicomNetError:
                assoc.abort()
                if reopened:
                    for instance in items[index:]:
                        self._record(report, _outcome(instance, FAILED, "not_sent_again_lost"))
                    return
                reopened = True
                continue
            assoc.release()

    def _record(self, report: SendReport, outcome: InstanceOutcome) -> None:
        report.outcomes.append(outcome)
        if self.journal is not None and outcome.state in (STORED, WARNING):
            self.journal.add(outcome.sop_instance_uid)
        self._done += 1
        if self.progress:
            self.progress(self._done, len(self.instances), outcome)

    # -- one instance ------------------------------------------------------------------

    def _choose(self, assoc: Association, instance: Instance, file_ts: str) -> tuple[int, str, bool]:
        """(context ID, transfer syntax to send, send-as-stored?) or raise _Unsendable."""
        sop = instance.sop_class_uid
        uncompressed: tuple[int, str] | None = None
        exact: int | None = None
        for cid, ctx in assoc.contexts.items():
            proposed = assoc.proposed[cid]
            if proposed.abstract_syntax != sop:
                continue
            if proposed.transfer_syntaxes == UNCOMPRESSED:
                uncompressed = (cid, ctx.transfer_syntax)
                if ctx.transfer_syntax == file_ts:
                    exact = cid
            elif ctx.transfer_syntax == file_ts:
                exact = cid
        if exact is not None:
            if self.reconcile is None:
                return exact, file_ts, True
            if file_ts != DEFLATED:
                return exact, file_ts, False
        if uncompressed is not None:
            return uncompressed[0], uncompressed[1], False
        answers = sorted({assoc.results[c.context_id].result for c in assoc.proposed.values()
                          if c.abstract_syntax == sop and c.context_id in assoc.results})
        code = answers[0] if answers else -1
        raise _Unsendable("context_rejected", sop_class=sop,
                          reason=context_result(code))

    def _send_one(self, assoc: Association, instance: Instance) -> InstanceOutcome:
        try:
            with open_instance(instance) as fh:
                streaming = instance.size > _STREAM_ABOVE and self.reconcile is None
                data = fh.read(65536) if streaming else fh.read()
                stored = locate_dataset(data)
                file_ts = stored.transfer_syntax if stored else instance.transfer_syntax_uid
                offset = stored.offset if stored else 0
                context_id, send_ts, as_stored = self._choose(assoc, instance, file_ts)
                if streaming and not as_stored:
                    data += fh.read()
                    streaming = False
                command = c_store_rq(assoc.next_message_id(), instance.sop_class_uid,
                                     instance.sop_instance_uid)
                message_id = assoc.message_id
                if streaming:
                    def chunks():
                        yield data[offset:]
                        while block := fh.read(_CHUNK):
                            yield block
                    assoc.send_message(context_id, command, dataset_stream=chunks())
                else:
                    payload = memoryview(data)[offset:] if as_stored else reencode(data, send_ts, self.reconcile)
                    assoc.send_message(context_id, command, dataset=payload)
        except _Unsendable as exc:
            return _outcome(instance, FAILED, exc.key, **exc.params)
        except EncodingError as exc:
            return _outcome(instance, FAILED, "cannot_encode", detail=str(exc))
        except OSError as exc:
            return _outcome(instance, FAILED, "unreadable_file", detail=exc.strerror or str(exc))
        _, response = assoc.receive_response()
        if response.command_field != C_STORE_RSP or response.message_id_responded != message_id:
            assoc.abort(source=2, reason=5)
            raise AssociationError("unexpected_response")
        category = status_category(response.status)
        detail = status_text(response.status)
        if response.error_comment:
            detail += f": {response.error_comment}"
        if category == "success":
            return _outcome(instance, STORED, status=response.status, sent_ts=send_ts)
        if category == "warning":
            return _outcome(instance, WARNING, "status_warning", response.status, send_ts, answer=detail)
        return _outcome(instance, FAILED, "status_failure", response.status, send_ts, answer=detail)


def send_instances(instances: Iterable[Instance], node: DicomNode, **options) -> SendReport:
    """Shortcut for ``StoreJob(instances, node, **options).run()``."""
    return StoreJob(instances, node, **options).run()


__all__ = ["DicomNetError", "InstanceOutcome", "SendReport", "StoreJob", "send_instances"]
