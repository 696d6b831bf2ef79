"""The access-code sheet: a page to hand to the patient (or send to the physician).

It shows the code ``XXXX-XXXX-XXXX`` in large type, its QR code (the portal's
documented payload ``<portal>/c/<12 characters>``, which the Receive page and
``downloadmanager fetch`` read), the expiry date and short instructions for
the practice. The birth date is deliberately *not* printed: it is the second
factor, and a lost sheet alone must not open the studies. For the same
reason no patient name is printed either; the studies are named by date and
description only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import segno

from downloadmanager.core.access_code import code_from_payload, format_code, normalise_code
from downloadmanager.core.documents.fonts import FontChoice
from downloadmanager.core.documents.pdf_base import DocumentError, DocumentPDF
from downloadmanager.core.documents.texts import (
    check_language,
    format_day,
    format_dicom_date,
    format_moment,
    parse_iso_moment,
    t,
)

QR_SIZE_MM = 55  # large enough for a phone camera and for a flatbed scan at 150 dpi


@dataclass(slots=True)
class SheetStudy:
    """A study as named on the sheet (no patient data)."""

    study_date: str = ""
    study_description: str = ""


@dataclass(slots=True)
class CodeSheet:
    """What the sheet shows."""

    code: str
    expires: str  # ISO 8601
    qr_payload: str
    studies: list[SheetStudy] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.code = format_code(normalise_code(self.code))
        # The QR payload must open the very code printed next to it.
        if code_from_payload(self.qr_payload).code != normalise_code(self.code):
            raise DocumentError("code_sheet_qr_mismatch")

    @property
    def portal_url(self) -> str:
        return code_from_payload(self.qr_payload).portal_url or ""


def qr_png(payload: str, scale: int = 10) -> bytes:
    """The QR code of PAYLOAD as PNG bytes (error correction M, quiet zone of 4 modules)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _expiry_text(expires: str, lang: str) -> str:
    moment = parse_iso_moment(expires)
    if moment is None:
        return expires or "–"
    return format_day(moment.astimezone().date(), lang)


def write_code_sheet_pdf(sheet: CodeSheet, path: Path, lang: str = "de",
                         font: FontChoice | None = None) -> Path:
    """Write SHEET as a one-page PDF to PATH in LANG ("de" or "en"); returns PATH."""
    check_language(lang)
    pdf = DocumentPDF(lang, t(lang, "sheet_title"), font)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.heading(t(lang, "sheet_title"), size=20)
    pdf.paragraph(t(lang, "sheet_intro"), size=11)
    pdf.ln(4)

    # The code across the whole width, in a box: the one thing that must be read right.
    pdf.use(11)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, pdf.clean(t(lang, "your_code")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(60, 60, 60)
    pdf.set_line_width(0.6)
    pdf.use(36, bold=True)
    pdf.cell(0, 22, sheet.code, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.2)
    pdf.ln(6)

    top = pdf.get_y()
    pdf.use(11)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, pdf.clean(t(lang, "valid_until")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.use(20, bold=True)
    pdf.cell(0, 11, pdf.clean(_expiry_text(sheet.expires, lang)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.use(9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, pdf.clean(t(lang, "portal_address")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.use(10)
    pdf.cell(0, 5, pdf.clean(sheet.portal_url), new_x="LMARGIN", new_y="NEXT")
    qr_x = pdf.w - pdf.r_margin - QR_SIZE_MM
    pdf.image(io.BytesIO(qr_png(sheet.qr_payload)), x=qr_x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
    pdf.set_y(top + QR_SIZE_MM + 1)
    pdf.use(8)
    pdf.set_x(qr_x)
    pdf.multi_cell(QR_SIZE_MM, 4, pdf.clean(t(lang, "qr_note")), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    if sheet.studies:
        pdf.heading(t(lang, "studies"), size=13)
        for study in sheet.studies[:8]:
            line = f"• {format_dicom_date(study.study_date, lang)}  {study.study_description or ''}"
            pdf.paragraph(line.rstrip(), size=10.5)
        pdf.ln(2)
    pdf.heading(t(lang, "for_physician"), size=13)
    pdf.paragraph(t(lang, "steps"), size=10.5)
    pdf.ln(2)
    pdf.set_fill_color(245, 240, 225)
    pdf.use(10, bold=True)
    pdf.multi_cell(0, 5.5, pdf.clean(t(lang, "birth_date_note")), fill=True, align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.paragraph(t(lang, "keep_safe"), size=9.5)
    pdf.ln(1)
    pdf.use(8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 5, pdf.clean(f"{t(lang, 'created')}: {format_moment(datetime.now(timezone.utc), lang)}"))
    pdf.set_text_color(0, 0, 0)
    return pdf.save(path)

