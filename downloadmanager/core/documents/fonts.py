"""Finding a Unicode TrueType font for the PDF documents.

German texts need umlauts and ß, patient names may need more (Łukasz,
Øyvind, Çelik). fpdf2 embeds a TrueType font for that. The system font comes first -
DejaVu Sans on Linux (Debian ``fonts-dejavu-core``), Arial on Windows and
macOS, Liberation Sans as another Linux choice; the installed program also
ships DejaVu Sans in ``resources/fonts`` (1.5 MB, free licence) as the last
choice, so a practice PC without these fonts still prints every name.

``DOWNLOADMANAGER_PDF_FONT`` (a path to a ``.ttf``) overrides the search.
Without any TrueType font the documents still work with the PDF core font
Helvetica, which covers Western European text (Windows-1252); other
characters are replaced by a close ASCII form (see :func:`core_font_text`).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from downloadmanager.core.resources import fonts_dir

FONT_ENV = "DOWNLOADMANAGER_PDF_FONT"
CORE_FONT = "Helvetica"


@dataclass(frozen=True, slots=True)
class FontChoice:
    """A regular TrueType font and, when the system has it, its bold face."""

    regular: Path
    bold: Path | None = None


def _windows_fonts_dir() -> Path:
    return Path(os.environ.get("WINDIR") or os.environ.get("SystemRoot") or r"C:\Windows") / "Fonts"


def candidate_fonts(platform: str | None = None) -> list[FontChoice]:
    """Every (regular, bold) pair worth trying on PLATFORM (``sys.platform`` by default), best first."""
    platform = platform or sys.platform
    pairs: list[tuple[str | Path, str | Path | None]] = []
    if platform.startswith("win"):
        fonts = _windows_fonts_dir()
        pairs += [(fonts / "arial.ttf", fonts / "arialbd.ttf"),
                  (fonts / "segoeui.ttf", fonts / "segoeuib.ttf"),
                  (fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf")]
        local = os.environ.get("LOCALAPPDATA")
        if local:  # fonts installed "for this user only"
            user_fonts = Path(local) / "Microsoft" / "Windows" / "Fonts"
            pairs.append((user_fonts / "DejaVuSans.ttf", user_fonts / "DejaVuSans-Bold.ttf"))
    elif platform == "darwin":
        pairs += [("/System/Library/Fonts/Supplemental/Arial.ttf",
                   "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
                  ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
                  (Path.home() / "Library/Fonts/DejaVuSans.ttf", Path.home() / "Library/Fonts/DejaVuSans-Bold.ttf")]
    else:
        for folder in ("/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
                       "/usr/share/fonts/dejavu-sans-fonts",  # Fedora
                       "/usr/share/fonts/TTF",  # Arch
                       "/usr/share/fonts/dejavu",  # openSUSE, Alpine
                       "/usr/local/share/fonts/dejavu"):
            pairs.append((Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"))
        for folder in ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/liberation-sans"):
            pairs.append((Path(folder) / "LiberationSans-Regular.ttf",
                          Path(folder) / "LiberationSans-Bold.ttf"))
    shipped = fonts_dir()
    pairs.append((shipped / "DejaVuSans.ttf", shipped / "DejaVuSans-Bold.ttf"))
    return [FontChoice(Path(regular), Path(bold) if bold else None) for regular, bold in pairs]


def _usable(path: Path | None) -> bool:
    try:
        return path is not None and path.is_file() and path.stat().st_size > 0
    except OSError:
        return False


def find_unicode_font(platform: str | None = None, environ: dict[str, str] | None = None) -> FontChoice | None:
    """The first TrueType font that exists, or None (then the core font is used).

    ``DOWNLOADMANAGER_PDF_FONT`` wins when it names an existing file; a bold
    face next to it (``X-Bold.ttf`` / ``Xbd.ttf``) is used when present.
    """
    env = os.environ if environ is None else environ
    override = env.get(FONT_ENV, "").strip()
    if override:
        regular = Path(override).expanduser()
        if _usable(regular):
            bold = next((b for b in (regular.with_name(f"{regular.stem}-Bold{regular.suffix}"),
                                     regular.with_name(f"{regular.stem}bd{regular.suffix}"))
                         if _usable(b)), None)
            return FontChoice(regular, bold)
    for choice in candidate_fonts(platform):
        if _usable(choice.regular):
            return FontChoice(choice.regular, choice.bold if _usable(choice.bold) else None)
    return None


_ASCII_FORMS = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ı": "i",
                "–": "-", "—": "-", "„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'",
                "…": "...", "€": "EUR", "•": "*"}


def core_font_text(text: str) -> str:
    """TEXT reduced to Latin-1 for the core font: accents outside it are dropped, not lost.

    ``Łukasz Dvořák`` becomes ``Lukasz Dvorak``; German text is unchanged.
    """
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        if ch in _ASCII_FORMS:
            out.append(_ASCII_FORMS[ch])
            continue
        base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
        out.append(base or "?")
    return "".join(out)
