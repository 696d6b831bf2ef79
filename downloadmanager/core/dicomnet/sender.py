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
association is reopened once per batch to carry on with the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from downloadmanager.core.dicomnet.association import Association
from downloadmanager.core.dicomnet.contexts import UNCOMPRESSED, ContextBatch, plan_batches
from downloadmanager.core.dicomnet.dimse import C_STORE_RSP, c_store_rq, status_category, status_text
from downloadmanager.core.dicomnet.encoding import (
    DEFLATED,
    EncodingError,
    locate_dataset,
    reencode,
)
from downloadmanager.core.dicomnet.errors import AssociationError, DicomNetError
from downloadmanager.core.dicomnet.nodes import DicomNode
from downloadmanager.core.dicomnet.reconcile import Reconciliation
from downloadmanager.core.scan import Instance, open_instance

STORED = "stored"
WARNING = "warning"
FAILED = "failed"
_STREAM_ABOVE = 256 << 20  # bigger files are streamed, not read whole
_CHUNK = 1 << 20


@dataclass(slots=True)
class InstanceOutcome:
    """What happened to one instance."""

    sop_instance_uid: str
    path: str
    state: str  # "stored", "warning" or "failed"
    status: int | None = None
    detail: str = ""
    sent_transfer_syntax: str = ""

    @property
    def stored(self) -> bool:
        return self.state in (STORED, WARNING)


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
    def ok(self) -> bool:
        """True when every instance was stored (warnings included)."""
        return self.failed == 0 and bool(self.outcomes)

    def as_json(self) -> dict:
        """JSON-ready form (no patient data: UIDs, paths, statuses)."""
        return {"node": self.node, "total": len(self.outcomes), "stored": self.stored,
                "failed": self.failed, "ok": self.ok,
                "instances": [asdict(o) for o in self.outcomes]}


ProgressCallback = Callable[[int, int, InstanceOutcome], None]


class StoreJob:
    """Send INSTANCES to NODE; :meth:`run` returns the :class:`SendReport`.

    Parameters
    ----------
    instances : instances from a scan (``downloadmanager.core.scan``)
    node : the receiving DICOM node
    reconcile : replace the patient identity before sending (IHE import reconciliation)
    progress : called after each instance with (done, total, outcome)
    cancel : set to stop after the current instance (the rest are reported as failed)
    timeout : seconds for connecting and for each response
    """

    def __init__(self, instances: Iterable[Instance], node: DicomNode, *,
                 reconcile: Reconciliation | None = None,
                 progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, timeout: float = 30.0) -> None:
        self.instances = list(instances)
        self.node = node
        self.reconcile = reconcile
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.timeout = timeout
        self.batches: list[ContextBatch] = plan_batches(
            (i.sop_class_uid, i.transfer_syntax_uid) for i in self.instances)
        self._done = 0

    def run(self) -> SendReport:
        """Send everything; never raises for per-instance or connection problems (they are reported)."""
        report = SendReport(self.node.spec)
        for batch in self.batches:
            items = [i for i in self.instances if i.sop_class_uid in batch.sop_classes]
            self._run_batch(batch, items, report)
        return report

    # -- one association ---------------------------------------------------------------

    def _open(self, batch: ContextBatch) -> Association:
        assoc = Association.open(self.node.host, self.node.port, self.node.ae_title,
                                 self.node.calling_ae, list(batch.contexts), self.timeout)
        assoc.set_timeout(self.timeout)
        return assoc

    def _run_batch(self, batch: ContextBatch, items: list[Instance], report: SendReport) -> None:
        reopened = False
        index = 0
        while index < len(items):
            try:
                assoc = self._open(batch)
            except AssociationError as exc:
                for instance in items[index:]:
                    self._record(report, _failed(instance, f"no association: {exc}"))
                return
            try:
                while index < len(items):
                    if self.cancel.is_set():
                        for instance in items[index:]:
                            self._record(report, _failed(instance, "cancelled"))
                        index = len(items)
                        break
                    instance = items[index]
                    try:
                        outcome = self._send_one(assoc, instance)
                    except AssociationError as exc:
                        self._record(report, _failed(instance, str(exc)))
                        index += 1
                        raise
                    self._record(report, outcome)
                    index += 1
            except AssociationError:
                assoc.abort()
                if reopened:
                    for instance in items[index:]:
                        self._record(report, _failed(instance, "association lost again; not sent"))
                    return
                reopened = True
                continue
            assoc.release()

    def _record(self, report: SendReport, outcome: InstanceOutcome) -> None:
        report.outcomes.append(outcome)
        self._done += 1
        if self.progress:
            self.progress(self._done, len(self.instances), outcome)

    # -- one instance ------------------------------------------------------------------

    def _choose(self, assoc: Association, instance: Instance, file_ts: str) -> tuple[int, str, bool]:
        """(context ID, transfer syntax to send, send-as-stored?) or raise EncodingError."""
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
        why = "rejected" if answers else "not answered"
        raise EncodingError(f"the PACS does not accept this SOP class ({sop}; context {why})")

    def _send_one(self, assoc: Association, instance: Instance) -> InstanceOutcome:
        path = instance.source.display or str(instance.source.path)
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
        except EncodingError as exc:
            return _failed(instance, str(exc))
        except OSError as exc:
            return _failed(instance, f"cannot read the file ({exc.strerror or exc})")
        _, response = assoc.receive_response()
        if response.command_field != C_STORE_RSP or response.message_id_responded != message_id:
            raise AssociationError("dimse_unexpected_answer")
        category = status_category(response.status)
        detail = status_text(response.status)
        if response.error_comment:
            detail += f": {response.error_comment}"
        state = {"success": STORED, "warning": WARNING}.get(category, FAILED)
        return InstanceOutcome(instance.sop_instance_uid, path, state, response.status,
                               "" if state == STORED else detail, send_ts)


def _failed(instance: Instance, detail: str) -> InstanceOutcome:
    path = instance.source.display or str(instance.source.path)
    return InstanceOutcome(instance.sop_instance_uid, path, FAILED, None, detail)


def send_instances(instances: Iterable[Instance], node: DicomNode, **options) -> SendReport:
    """Shortcut for ``StoreJob(instances, node, **options).run()``."""
    return StoreJob(instances, node, **options).run()


__all__ = ["DicomNetError", "InstanceOutcome", "SendReport", "StoreJob", "send_instances"]
