"""Queue studies for upload: one job per study, the way ``downloadmanager upload`` does.

The command line and the window both call :func:`queue_studies`, so a study
sent from either ends up as the same kind of job in the same queue, and
both check attachments with :func:`check_attachments`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from downloadmanager.core.media import must_stage
from downloadmanager.core.transfers.errors import TransferError
from downloadmanager.core.transfers.sources import from_catalog_study, job_items_for
from downloadmanager.core.transfers.store import QueueStore

#: When studies are copied to the staging area before (and while) they are sent.
STAGING_POLICIES = ("auto", "always", "never")

#: The portal refuses longer notes (its manifest limit).
MAX_NOTE_CHARS = 4000
PDF_MAGIC = b"%PDF-"


class AttachmentError(TransferError):
    """An attachment is missing or not a PDF document."""


class NoteTooLongError(TransferError):
    """The note is longer than the portal accepts."""


def is_pdf(path: Path) -> bool:
    """True if PATH is a readable file that starts like a PDF document."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(PDF_MAGIC)) == PDF_MAGIC
    except OSError:
        return False


def check_attachments(paths: Iterable[str | Path]) -> list[Path]:
    """PATHS as checked PDF documents; raises :class:`AttachmentError` for the first bad one."""
    checked = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise AttachmentError("attachment_missing", path=str(path))
        if not is_pdf(path):
            raise AttachmentError("attachment_not_pdf", path=str(path))
        checked.append(path)
    return checked


def check_note(note: str | None) -> str | None:
    """NOTE stripped (None when empty); raises :class:`NoteTooLongError` when too long."""
    text = (note or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise NoteTooLongError("note_too_long", count=len(text), maximum=MAX_NOTE_CHARS)
    return text or None


def staging_for(policy: str, source: str | Path) -> bool:
    """Whether a study from SOURCE is staged under POLICY (one of :data:`STAGING_POLICIES`).

    ``auto`` stages what can go away while it is sent (CDs, USB media,
    network drives; see :mod:`downloadmanager.core.media`) and reads folders
    on the computer's own disks where they are. ZIP archives are always staged.
    """
    if policy not in STAGING_POLICIES:
        raise ValueError(f"unknown staging policy {policy!r}")
    if policy == "auto":
        return must_stage(source)
    return policy == "always"


def queue_studies(store: QueueStore, studies: Sequence, *, server: str, account: str,
                  community: str, source: str | Path, note: str | None = None,
                  attachments: Sequence[Path] = (), staging: str = "auto") -> list[int]:
    """Queue one upload job per study of the scanner's catalog; returns the job ids.

    Every job carries the same NOTE and ATTACHMENTS (PDFs, checked here).
    STAGING (:func:`staging_for`) says whether the files are copied to the
    local staging area first; studies inside ZIP archives are always staged.
    The jobs are only queued: a
    :class:`~downloadmanager.core.transfers.runner.QueueRunner` sends them.
    """
    documents = check_attachments(attachments)
    text = check_note(note)
    staged_source = staging_for(staging, source)
    job_ids = []
    for study in studies:
        items = job_items_for(from_catalog_study(study), documents)
        staged = staged_source or any(i.zip_member for i in items)
        job_ids.append(store.add_job(
            server=server, account=account, community=community,
            study_instance_uid=study.study_instance_uid, items=items, note=text,
            source=str(Path(source).resolve()), use_staging=staged,
            study_description=study.study_description or None,
            study_date=study.study_date or None))
    return job_ids
