"""Document tests: PDFs are read back as text (pypdf) and as pixels (pdftoppm + zxing-cpp)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.portal.conftest import make_user, portal, portal_factory  # noqa: F401
from tests.upload.conftest import dm_home, memory_keyring, real_portal  # noqa: F401


def pdf_text(path: Path) -> str:
    """The text of every page, as a PDF reader extracts it (whitespace collapsed)."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return " ".join(text.split())


def render_first_page(pdf: Path, out_dir: Path, dpi: int = 150) -> Path:
    """Render page 1 of PDF to a PNG with poppler's pdftoppm."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (scripts/setup.sh does)")
    prefix = out_dir / pdf.stem
    subprocess.run([exe, "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(prefix)], check=True, timeout=60)
    return prefix.with_suffix(".png")


def qr_texts(png: Path) -> list[str]:
    """Every QR code zxing-cpp finds in PNG."""
    import zxingcpp
    from PIL import Image

    with Image.open(png) as img:
        return [r.text for r in zxingcpp.read_barcodes(img.convert("L"),
                                                      formats=zxingcpp.BarcodeFormat.QRCode)]
