"""The page frame shared by the documents: A4, font set-up, header line and page numbers."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from downloadmanager import __version__
from downloadmanager.core.atomic_file import write_bytes_atomic
from downloadmanager.core.documents.fonts import CORE_FONT, FontChoice, core_font_text, find_unicode_font
from downloadmanager.core.documents.texts import t
from downloadmanager.core.errors import AppError

FAMILY = "DocFont"


class DocumentError(AppError):
    """A document could not be made or written (the message names the file and what to do)."""


class DocumentPDF(FPDF):
    """An A4 page with our header and footer, in a Unicode font when the system has one."""

    def __init__(self, lang: str, title: str, font: FontChoice | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.doc_title = title
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=20)
        self.set_title(title)
        self.set_creator(f"Downloadmanager {__version__}")
        self.set_lang(lang)
        font = font if font is not None else find_unicode_font()
        self.unicode = font is not None
        if font is not None:
            self.add_font(FAMILY, "", str(font.regular))
            # Without a bold face the regular one stands in (fpdf2 needs a face per style).
            self.add_font(FAMILY, "B", str(font.bold or font.regular))
            self.family = FAMILY
        else:
            self.family = CORE_FONT
        self.alias_nb_pages("{nb}")

    def clean(self, text: str) -> str:
        """TEXT as the chosen font can show it."""
        return text if self.unicode else core_font_text(text)

    def use(self, size: float, bold: bool = False) -> None:
        """Switch to the document font at SIZE points."""
        self.set_font(self.family, "B" if bold else "", size)

    def header(self) -> None:
        self.use(8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, self.clean(f"Downloadmanager · {self.doc_title}"), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(190, 190, 190)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.use(8)
        self.set_text_color(110, 110, 110)
        page = t(self.lang, "page", n=self.page_no(), total="{nb}")
        self.cell(0, 5, self.clean(page), align="R")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 18) -> None:
        """A bold heading on its own line."""
        self.use(size, bold=True)
        self.multi_cell(0, size * 0.5, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def paragraph(self, text: str, size: float = 10.5) -> None:
        """Wrapped body text."""
        self.use(size)
        self.multi_cell(0, size * 0.5, self.clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def field(self, label: str, value: str, label_width: float = 38) -> None:
        """``Label   value`` on one line (the value wraps)."""
        self.use(10.5, bold=True)
        self.cell(label_width, 6, self.clean(label))
        self.use(10.5)
        self.multi_cell(0, 6, self.clean(value or "–"), align="L", new_x="LMARGIN", new_y="NEXT")

    def save(self, path: Path) -> Path:
        """Write the PDF to PATH atomically (a crash never leaves half a document)."""
        path = Path(path)
        try:
            write_bytes_atomic(path, bytes(self.output()))
        except OSError as exc:
            raise DocumentError("pdf_not_writable", path=str(path),
                                detail=str(exc.strerror or exc)) from None
        return path
