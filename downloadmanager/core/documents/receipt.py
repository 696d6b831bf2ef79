"""The transfer receipt ("Übertragungsprotokoll") as a PDF.

It states who sent which studies to which community, how many images the
portal accepted per study (its verified receipt), the totals, the time and
the portal's upload id: a document a practice can file as proof that the
images left the house complete.

Data come from the upload queue (:class:`~downloadmanager.core.transfers.model.Job`
with the portal's receipt) plus the study's own DICOM header, read from the
staged copy or the original medium when one of them is still there (the
queue itself stores no patient data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from downloadmanager.core.documents.fonts import FontChoice
from downloadmanager.core.documents.pdf_base import DocumentError, DocumentPDF
from downloadmanager.core.documents.texts import (
    check_language,
    format_dicom_date,
    format_moment,
    format_size,
    parse_iso_moment,
    t,
)
from downloadmanager.core.transfers.model import Job
from downloadmanager.core.transfers.sources import close_source, open_source

log = logging.getLogger(__name__)


def person_name(value: str) -> str:
    """DICOM ``Family^Given`` as ``Family, Given``."""
    parts = [p.strip() for p in (value or "").split("=")[0].split("^")]
    family, given = parts[0], " ".join(p for p in parts[1:3] if p)
    return f"{family}, {given}" if family and given else family or given


@dataclass(slots=True)
class ReceiptStudy:
    """One transferred study and what the portal confirmed for it."""

    study_instance_uid: str
    patient_name: str = ""
    study_date: str = ""
    study_description: str = ""
    state: str = "pending"  # done | partial | rejected | pending
    expected: int = 0
    accepted: int = 0
    already_present: int = 0
    rejected: int = 0
    documents: int = 0
    bytes: int = 0
    upload_id: str = ""
    received_at: str = ""
    reason: str = ""

    @property
    def verified(self) -> bool:
        """True only when the portal confirmed every image and document."""
        return self.state == "done" and self.rejected == 0 and self.accepted == self.expected > 0


@dataclass(slots=True)
class TransferReceipt:
    """Everything the receipt PDF shows."""

    sender: str
    server: str
    community_code: str
    community_name: str = ""
    studies: list[ReceiptStudy] = field(default_factory=list)
    created: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def all_verified(self) -> bool:
        return bool(self.studies) and all(s.verified for s in self.studies)


def _header_of(job: Job) -> pydicom.Dataset | None:
    """The first readable DICOM header of the job's files (staged copy first)."""
    for item in job.items:
        if item.kind != "dicom":
            continue
        for path, member in ((item.staged_path, None), (item.source_path, item.zip_member)):
            if not path:
                continue
            try:
                handle = open_source(path, member)
            except (OSError, KeyError, ValueError):
                continue
            try:
                return pydicom.dcmread(handle, stop_before_pixels=True,
                                       specific_tags=["PatientName", "StudyDate", "StudyDescription"])
            except (InvalidDicomError, OSError, ValueError, EOFError):
                continue
            finally:
                close_source(handle)
        break  # one instance is enough: every file of a job belongs to one study
    return None


def study_from_job(job: Job) -> ReceiptStudy:
    """A job's study with the portal's confirmation (patient data when the files are still there)."""
    study = ReceiptStudy(job.study_instance_uid)
    header = _header_of(job)
    if header is not None:
        study.patient_name = person_name(str(header.get("PatientName", "") or ""))
        study.study_date = str(header.get("StudyDate", "") or "")
        study.study_description = str(header.get("StudyDescription", "") or "")
    else:
        # Newer queues keep date and description themselves (never the patient's name).
        study.study_date = str(getattr(job, "study_date", "") or "")
        study.study_description = str(getattr(job, "study_description", "") or "")
        log.info("transfer %s: the study's files are gone; receipt without patient name", job.id)
    receipt = job.receipt or {}
    totals = receipt.get("totals") or {}
    study.expected = int(totals.get("expected") or job.instance_count
                         or sum(1 for i in job.items if i.kind == "dicom"))
    study.accepted = int(totals.get("accepted") or 0)
    study.already_present = int(totals.get("already_present") or 0)
    study.rejected = int(totals.get("rejected") or 0)
    study.documents = int(totals.get("documents") or 0)
    study.bytes = int(totals.get("bytes") or job.bytes_total or 0)
    study.state = str(receipt.get("state") or "pending") if receipt else "pending"
    study.upload_id = str(receipt.get("upload_id") or _upload_id(job.upload_url))
    study.received_at = str(receipt.get("received_at") or "")
    study.reason = str(receipt.get("reason") or "")
    return study


def _upload_id(url: str | None) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] if url else ""


def receipt_from_jobs(jobs: list[Job], community_name: str = "") -> TransferReceipt:
    """The receipt of JOBS (all to the same community from the same account)."""
    if not jobs:
        raise DocumentError("receipt_no_transfer")
    first = jobs[0]
    if any(j.community != first.community or j.account != first.account for j in jobs):
        raise DocumentError("receipt_mixed_recipients")
    return TransferReceipt(sender=first.account, server=first.server,
                           community_code=first.community, community_name=community_name,
                           studies=[study_from_job(j) for j in jobs])


def _status_text(study: ReceiptStudy, lang: str) -> str:
    if study.verified:
        text = t(lang, "verified")
    elif study.state == "partial":
        text = t(lang, "partial", rejected=study.rejected)
    elif study.state == "rejected":
        text = t(lang, "rejected")
    else:
        text = t(lang, "pending")
    if study.already_present:
        text += "; " + t(lang, "already_present", n=study.already_present)
    return text


def write_receipt_pdf(receipt: TransferReceipt, path: Path, lang: str = "de",
                      font: FontChoice | None = None) -> Path:
    """Write RECEIPT as a PDF to PATH in LANG ("de" or "en"); returns PATH."""
    check_language(lang)
    pdf = DocumentPDF(lang, t(lang, "receipt_title"), font)
    pdf.add_page()
    pdf.heading(t(lang, "receipt_title"))
    pdf.paragraph(t(lang, "receipt_intro"))
    pdf.ln(2)
    recipient = (f"{receipt.community_name} ({receipt.community_code})" if receipt.community_name
                 else receipt.community_code)
    pdf.field(t(lang, "sender"), receipt.sender)
    pdf.field(t(lang, "recipient"), recipient)
    pdf.field(t(lang, "portal"), receipt.server)
    pdf.field(t(lang, "created"), format_moment(receipt.created, lang))
    pdf.ln(4)
    pdf.heading(t(lang, "studies"), size=13)
    for number, study in enumerate(receipt.studies, start=1):
        _study_block(pdf, number, study, lang)
    pdf.ln(2)
    pdf.heading(t(lang, "totals"), size=13)
    images = sum(s.accepted for s in receipt.studies)
    expected = sum(s.expected for s in receipt.studies)
    pdf.field(t(lang, "studies"), str(len(receipt.studies)))
    pdf.field(t(lang, "images"), f"{images} / {expected}")
    pdf.field(t(lang, "documents"), str(sum(s.documents for s in receipt.studies)))
    pdf.field(t(lang, "size"), format_size(sum(s.bytes for s in receipt.studies), lang))
    pdf.ln(3)
    pdf.use(11, bold=True)
    if receipt.all_verified:
        pdf.set_text_color(0, 110, 40)
        pdf.multi_cell(0, 6, pdf.clean(t(lang, "all_verified")), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_text_color(170, 0, 20)
        pdf.multi_cell(0, 6, pdf.clean(t(lang, "not_all_verified")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    return pdf.save(path)


def _study_block(pdf: DocumentPDF, number: int, study: ReceiptStudy, lang: str) -> None:
    if pdf.will_page_break(48):
        pdf.add_page()
    pdf.use(11, bold=True)
    title = f"{number}. {study.patient_name or '–'} · {format_dicom_date(study.study_date, lang)}"
    pdf.multi_cell(0, 6, pdf.clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.field(t(lang, "description"), study.study_description)
    pdf.field(t(lang, "images"), f"{study.accepted} / {study.expected}")
    if study.documents:
        pdf.field(t(lang, "documents"), str(study.documents))
    pdf.field(t(lang, "size"), format_size(study.bytes, lang))
    pdf.field(t(lang, "status"), _status_text(study, lang))
    if study.reason:
        pdf.field(t(lang, "reason"), study.reason)
    pdf.field(t(lang, "upload_id"), study.upload_id)
    pdf.field(t(lang, "received_at"), format_moment(parse_iso_moment(study.received_at), lang))
    pdf.field("Study UID", study.study_instance_uid)
    pdf.ln(3)


def community_name(job: Job, credentials=None) -> str:
    """The recipient community's name from the portal, or "" when it cannot be asked.

    Uses the stored login of the job's account; a receipt is still written
    (with the community code only) when the portal is unreachable.
    """
    from downloadmanager.core.portal_client import PortalClient
    from downloadmanager.core.transfers.errors import TransferError

    try:
        found = PortalClient(job.server, job.account, credentials=credentials).community(job.community)
    except (TransferError, ValueError, KeyError) as exc:
        log.info("community name not available for the receipt (%s)", type(exc).__name__)
        return ""
    return str(found["name"]) if found else ""


def save_receipt_for_jobs(jobs: list[Job], path: Path, lang: str = "de", *,
                          credentials=None, look_up_name: bool = True) -> Path:
    """Build the receipt of JOBS (asking the portal for the community's name) and write it."""
    name = community_name(jobs[0], credentials) if jobs and look_up_name else ""
    return write_receipt_pdf(receipt_from_jobs(jobs, name), path, lang)
