"""Getting a QR code image into the core: from a file, a drop, or the clipboard.

The core's :func:`~downloadmanager.core.access_code.decode_qr_image` reads a
file, so image *data* (a screenshot pasted or dragged from another program)
is first written to a private temporary PNG in the cache folder, decoded in
the background, and deleted again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QImage

from downloadmanager.core import paths
from downloadmanager.core.access_code import CodeInput, decode_qr_image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jfif", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def image_file_in(mime: QMimeData | None) -> Path | None:
    """The first local image file among the dropped URLs, or None."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES:
                return path
    return None


def has_qr_candidate(mime: QMimeData | None) -> bool:
    """True when MIME carries an image file or image data worth decoding."""
    return mime is not None and (image_file_in(mime) is not None or mime.hasImage())


def save_image_data(image: QImage) -> Path:
    """Write IMAGE to a new private PNG in the cache folder and return its path.

    Raises OSError when it cannot be written.
    """
    fd, name = tempfile.mkstemp(prefix="qr-", suffix=".png", dir=paths.cache_dir())
    os.close(fd)
    if image.isNull() or not image.save(name, "PNG"):
        Path(name).unlink(missing_ok=True)
        raise OSError("the image could not be saved for reading")
    return Path(name)


def decode_file(path: Path, *, delete_after: bool = False) -> CodeInput:
    """Decode the QR code in PATH with the core (run this through the bridge)."""
    try:
        return decode_qr_image(path)
    finally:
        if delete_after:
            path.unlink(missing_ok=True)
