"""The font lookup finds a real TrueType font per platform, honours the override, and degrades."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from downloadmanager.core.documents.fonts import (
    FONT_ENV,
    candidate_fonts,
    core_font_text,
    find_unicode_font,
)
from downloadmanager.core.documents.code_sheet import CodeSheet, write_code_sheet_pdf
from downloadmanager.core.resources import RESOURCES_ENV, fonts_dir
from tests.documents.conftest import pdf_text

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_linux_finds_dejavu_with_bold():
    choice = find_unicode_font("linux", environ={})
    assert choice is not None, "install fonts-dejavu-core (scripts/setup.sh does)"
    assert choice.regular == DEJAVU
    assert choice.bold == DEJAVU.with_name("DejaVuSans-Bold.ttf")
    # fpdf2 can load it: it is a real TrueType font, not just a file name.
    pdf = FPDF()
    pdf.add_font("X", "", str(choice.regular))
    pdf.add_page()
    pdf.set_font("X", size=12)
    assert pdf.get_string_width("Übertragungsprotokoll Łukasz") > 0


def test_windows_candidates_use_windir(monkeypatch, tmp_path):
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    first = candidate_fonts("win32")[0]
    assert first.regular == tmp_path / "Windows" / "Fonts" / "arial.ttf"
    assert first.bold == tmp_path / "Windows" / "Fonts" / "arialbd.ttf"
    # A Windows font folder with Arial (a copy of a real TTF stands in for it) is found.
    fonts = tmp_path / "Windows" / "Fonts"
    fonts.mkdir(parents=True)
    (fonts / "arial.ttf").write_bytes(DEJAVU.read_bytes())
    choice = find_unicode_font("win32", environ={})
    assert choice is not None and choice.regular == fonts / "arial.ttf" and choice.bold is None


def test_override_and_missing_files(tmp_path, monkeypatch):
    custom = tmp_path / "Mine.ttf"
    custom.write_bytes(DEJAVU.read_bytes())
    (tmp_path / "Mine-Bold.ttf").write_bytes(DEJAVU.with_name("DejaVuSans-Bold.ttf").read_bytes())
    choice = find_unicode_font("linux", environ={FONT_ENV: str(custom)})
    assert choice.regular == custom and choice.bold == tmp_path / "Mine-Bold.ttf"
    # An override naming nothing falls back to the search; an empty file is never used.
    assert find_unicode_font("linux", environ={FONT_ENV: str(tmp_path / "gone.ttf")}).regular == DEJAVU
    (tmp_path / "Empty.ttf").write_bytes(b"")
    assert find_unicode_font("linux", environ={FONT_ENV: str(tmp_path / "Empty.ttf")}).regular == DEJAVU
    # A platform without any of the known system fonts falls back to the shipped DejaVu Sans;
    # an installation without that too gives None (then the core font is used).
    shipped = find_unicode_font("darwin", environ={})
    assert shipped is not None and shipped.regular == fonts_dir() / "DejaVuSans.ttf"
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "no-resources"))
    assert find_unicode_font("darwin", environ={}) is None


def test_core_font_fallback_keeps_german_and_transliterates(tmp_path, monkeypatch):
    assert core_font_text("Übertragungsprotokoll für Müller, Größe") == \
        "Übertragungsprotokoll für Müller, Größe"
    assert core_font_text("Łukasz Dvořák – Çelik…") == "Lukasz Dvorák - Çelik..."
    # A whole document without any TrueType font (the core font Helvetica) still works.
    import downloadmanager.core.documents.pdf_base as base

    monkeypatch.setattr(base, "find_unicode_font", lambda: None)
    sheet = CodeSheet("K7PX92QDM4H3", "2026-03-01T10:00:00Z", "https://p.example/c/K7PX92QDM4H3")
    out = write_code_sheet_pdf(sheet, tmp_path / "core.pdf", "de")
    text = pdf_text(out)
    assert "K7PX-92QD-M4H3" in text and "Gültig bis" in text
