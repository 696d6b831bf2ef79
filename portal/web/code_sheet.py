"""The access-code sheet the web inbox prints: one A4 page, German and English.

Shows the code in large type, its QR code (``<public_url>/c/<code>``, the
payload the program and the QR landing page read), the expiry date, the
portal address, the studies by date and description, and short instructions
in both languages, since the sheet may travel to a practice abroad. The
birth date and the patient's name are deliberately *not* printed: the birth
date is the second key, and a lost sheet alone must not open the studies.

The portal does not import the program's PDF code (``downloadmanager`` is
off limits to ``portal``), so this is its own small layout in fpdf2's core
font Helvetica, which covers German; other characters get a close form.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import segno
from fpdf import FPDF

from portal import __version__, codes
from portal.web.texts import Texts, format_date, format_dicom_date

QR_SIZE_MM = 50  # large enough for a phone camera and a flatbed scan at 150 dpi

_ASCII_FORMS = {"–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'",
                "’": "'", "…": "...", "€": "EUR", "•": "-", "ł": "l", "Ł": "L", "ø": "o",
                "Ø": "O", "đ": "d", "Đ": "D", "ı": "i"}


def latin1(text: str) -> str:
    """TEXT as the PDF core font can show it (German stays as it is)."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        elif ch in _ASCII_FORMS:
            out.append(_ASCII_FORMS[ch])
        else:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


@dataclass
class SheetStudy:
    """A study as the sheet names it (no patient data)."""

    study_date: str = ""
    description: str = ""


@dataclass
class SheetContent:
    """What one code sheet shows."""

    code: str  # any typed form; printed as XXXX-XXXX-XXXX
    expires: datetime
    public_url: str
    studies: list[SheetStudy] = field(default_factory=list)

    @property
    def normalised(self) -> str:
        code = codes.normalise_code(self.code)
        if code is None:
            raise ValueError("not an access code")
        return code

    @property
    def qr_payload(self) -> str:
        return codes.qr_payload(self.public_url, self.normalised)


def qr_png(payload: str, scale: int = 10) -> bytes:
    """PAYLOAD's QR code as PNG (error correction M, quiet zone of 4 modules)."""
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


class _Sheet(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(18, 15, 18)
        self.set_auto_page_break(False)
        self.set_creator(f"Downloadmanager portal {__version__}")

    def text_line(self, text: str, size: float, *, bold: bool = False, height: float | None = None,
                  grey: bool = False, **kwargs) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.set_text_color(*((95, 95, 95) if grey else (0, 0, 0)))
        self.multi_cell(kwargs.pop("w", 0), height or size * 0.48, latin1(text), align="L",
                        new_x="LMARGIN", new_y="NEXT", **kwargs)
        self.set_text_color(0, 0, 0)


def code_sheet_pdf(sheet: SheetContent) -> bytes:
    """The one-page bilingual PDF for SHEET."""
    de, en = Texts("de"), Texts("en")
    pdf = _Sheet()
    pdf.set_title(latin1(f"{de.sheet_title} / {en.sheet_title}"))
    pdf.set_lang("de")
    pdf.add_page()
    pdf.text_line(de.sheet_title, 19, bold=True)
    pdf.text_line(en.sheet_title, 13, grey=True)
    pdf.ln(2)
    pdf.text_line(de.sheet_intro, 10.5)
    pdf.text_line(en.sheet_intro, 9.5, grey=True)
    pdf.ln(4)

    # The code across the whole width, in a box: the one thing that must be read right.
    pdf.text_line(f"{de.sheet_code} / {en.sheet_code}", 10, grey=True, height=6)
    pdf.set_font("Helvetica", "B", 34)
    pdf.set_line_width(0.6)
    pdf.cell(0, 20, codes.format_code(sheet.normalised), border=1, align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.2)
    pdf.ln(5)

    top = pdf.get_y()
    text_width = pdf.w - pdf.l_margin - pdf.r_margin - QR_SIZE_MM - 6
    pdf.text_line(f"{de.sheet_valid_until} / {en.sheet_valid_until}", 10, grey=True, height=6)
    pdf.text_line(f"{format_date(sheet.expires, 'de')}  ({format_date(sheet.expires, 'en')})",
                  18, bold=True, height=10, w=text_width)
    pdf.ln(2)
    pdf.text_line(f"{de.sheet_portal} / {en.sheet_portal}", 9, grey=True, height=5)
    pdf.text_line(sheet.public_url.rstrip("/"), 11, height=6, w=text_width)
    if sheet.studies:
        pdf.ln(3)
        pdf.text_line(f"{de.sheet_studies} / {en.sheet_studies}", 9, grey=True, height=5)
        for study in sheet.studies[:6]:
            line = f"- {format_dicom_date(study.study_date, 'de')}  {study.description}"
            pdf.text_line(line.rstrip(), 10, height=5.5, w=text_width)
    qr_x = pdf.w - pdf.r_margin - QR_SIZE_MM
    pdf.image(io.BytesIO(qr_png(sheet.qr_payload)), x=qr_x, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
    below = pdf.get_y()
    pdf.set_xy(qr_x, top + QR_SIZE_MM + 1)
    pdf.set_font("Helvetica", "", 7.5)
    pdf.multi_cell(QR_SIZE_MM, 3.5, latin1(f"{de.sheet_qr_note}\n{en.sheet_qr_note}"), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(below, pdf.get_y()) + 4)

    for t, size in ((de, 10), (en, 9.5)):
        pdf.text_line(t.sheet_steps_title, size + 2, bold=True, height=7)
        pdf.text_line(t.sheet_steps, size, grey=t is en)
        pdf.ln(2)
    pdf.set_fill_color(245, 240, 225)
    pdf.text_line(f"{de.sheet_birth_note}\n{en.sheet_birth_note}", 9.5, bold=True, height=5,
                  fill=True)
    pdf.ln(3)
    pdf.text_line(f"{de.sheet_keep_safe}\n{en.sheet_keep_safe}", 9, grey=True, height=4.6)
    return bytes(pdf.output())


__all__ = ["SheetContent", "SheetStudy", "code_sheet_pdf", "qr_png", "latin1"]
