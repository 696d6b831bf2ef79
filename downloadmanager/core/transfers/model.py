"""The job model: one job uploads one study to one recipient community."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum


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
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def is_runnable(self) -> bool:
        """True for states the runner picks up (including interrupted work)."""
        return self in (JobState.QUEUED, JobState.STAGING, JobState.UPLOADING,
                        JobState.VERIFYING)


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
            "error": self.error,
            "upload_url": self.upload_url,
            "receipt": self.receipt,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def receipt_from_text(text: str | None) -> dict | None:
    """Decode a stored receipt."""
    return json.loads(text) if text else None
