"""The job model: one job uploads one study to one recipient community."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum

from downloadmanager.core.errors import decode_stored, render_stored


class JobState(str, Enum):
    """Where a job is in its life; stored as text in the queue database."""

    QUEUED = "queued"
    STAGING = "staging"
    UPLOADING = "uploading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """True for states the runner never leaves on its own."""
        return self in FINAL

    @property
    def is_runnable(self) -> bool:
        """True for states the runner picks up (including interrupted work)."""
        return self in RUNNABLE


#: States a runner picks up (and that a pause or a failure may interrupt).
RUNNABLE: frozenset[JobState] = frozenset(
    {JobState.QUEUED, JobState.STAGING, JobState.UPLOADING, JobState.VERIFYING})
#: States the runner never leaves on its own.
FINAL: frozenset[JobState] = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


class Move(Enum):
    """Every state change a job may make: (the states it may come from, the state it goes to).

    This table is the only place that says which transitions are legal; the
    store refuses any other (:class:`IllegalTransitionError`) and applies a
    move only if the job is still in one of its source states (a conditional
    update, so a pause from another process is never overwritten).
    """

    #: From UPLOADING too: a pipelined job (sent while staged) interrupted before its
    #: files were all staged goes on staging, with its upload kept.
    STAGE = (frozenset({JobState.QUEUED, JobState.STAGING, JobState.UPLOADING}), JobState.STAGING)
    UPLOAD = (frozenset({JobState.QUEUED, JobState.STAGING, JobState.UPLOADING}),
              JobState.UPLOADING)
    #: Paused and resumed between two chunks: the worker never stopped and shows its phase again.
    CARRY_ON_STAGING = (frozenset({JobState.QUEUED}), JobState.STAGING)
    CARRY_ON_UPLOADING = (frozenset({JobState.QUEUED}), JobState.UPLOADING)
    VERIFY = (frozenset({JobState.UPLOADING}), JobState.VERIFYING)
    FINISH = (frozenset({JobState.VERIFYING}), JobState.DONE)
    #: Back to the queue without fault: time window closed, portal unreachable, upload lost.
    REQUEUE = (RUNNABLE, JobState.QUEUED)
    FAIL = (RUNNABLE, JobState.FAILED)
    PAUSE = (RUNNABLE, JobState.PAUSED)
    RESUME = (frozenset({JobState.PAUSED}), JobState.QUEUED)
    RETRY = (frozenset({JobState.FAILED, JobState.CANCELLED}), JobState.QUEUED)
    CANCEL = (RUNNABLE | {JobState.PAUSED, JobState.FAILED}, JobState.CANCELLED)

    @property
    def sources(self) -> frozenset[JobState]:
        """The states this move may start from."""
        return self.value[0]

    @property
    def target(self) -> JobState:
        """The state this move ends in."""
        return self.value[1]

    @classmethod
    def carry_on(cls, phase: JobState) -> "Move":
        """The move that shows PHASE (staging or uploading) again after a pause and resume."""
        return cls.CARRY_ON_STAGING if phase is JobState.STAGING else cls.CARRY_ON_UPLOADING


def legal_sources(target: JobState) -> frozenset[JobState]:
    """Every state from which some move of the table reaches TARGET."""
    return frozenset().union(*(m.sources for m in Move if m.target is target))


class IllegalTransitionError(ValueError):
    """A state change the transition table (:class:`Move`) does not allow."""

    def __init__(self, source: JobState, target: JobState) -> None:
        super().__init__(f"a job cannot go from {source.value} to {target.value}")
        self.source, self.target = source, target


@dataclass
class JobItem:
    """One member of a study bundle: a DICOM instance or an attached document."""

    seq: int
    kind: str  # "dicom" or "document"
    name: str  # member name inside the bundle, e.g. "dicom/000001.dcm"
    source_path: str
    size: int
    zip_member: str | None = None
    staged_path: str | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    sop_instance_uid: str | None = None
    sop_class_uid: str | None = None
    series_instance_uid: str | None = None
    transfer_syntax_uid: str | None = None
    title: str | None = None  # documents: the file's original name


@dataclass
class Job:
    """A queued upload of one study to one community, as stored in the queue."""

    id: int
    server: str
    account: str
    community: str
    study_instance_uid: str
    state: JobState
    created_at: str
    updated_at: str
    note: str | None = None
    source: str = ""
    use_staging: bool = True
    #: The stored error (``AppError.stored()``: code and parameters as JSON), or None.
    error: str | None = None
    bytes_done: int = 0
    bytes_total: int = 0
    manifest: bytes | None = None
    fingerprint: str | None = None
    upload_url: str | None = None
    receipt: dict | None = None
    items: list[JobItem] = field(default_factory=list)
    #: Labels for people (from the medium); None for jobs queued before schema 3.
    study_description: str | None = None
    study_date: str | None = None  # YYYYMMDD
    # Set by listings that do not load the items.
    instance_count: int | None = None

    def to_json(self) -> dict:
        """A JSON-friendly summary (used by ``transfers list --json``)."""
        return {
            "id": self.id,
            "state": self.state.value,
            "server": self.server,
            "account": self.account,
            "community": self.community,
            "study_instance_uid": self.study_instance_uid,
            "study_description": self.study_description,
            "study_date": self.study_date,
            "note": self.note,
            "source": self.source,
            "staging": self.use_staging,
            "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total,
            "instances": (self.instance_count if self.instance_count is not None
                          else sum(1 for i in self.items if i.kind == "dicom")),
            "error": render_stored(self.error, "en") or None,
            "error_code": decode_stored(self.error),
            "upload_url": self.upload_url,
            "receipt": self.receipt,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def receipt_from_text(text: str | None) -> dict | None:
    """Decode a stored receipt."""
    return json.loads(text) if text else None
