"""Typed errors of the media scanner."""

from __future__ import annotations

from dicomkit.header import HeaderError
from downloadmanager.core.errors import AppError

__all__ = ["HeaderError", "ScanCancelled", "ScanError"]


class ScanError(AppError):
    """The scan could not run at all (the path is missing or cannot be read).

    Problems with single files never raise; they are reported in
    ``ScanResult.problems``. This error is for the medium as a whole.
    """


class ScanCancelled(ScanError):
    """The caller asked the scan to stop (``cancel`` was set); nothing is returned."""

    def __init__(self, files_done: int = 0) -> None:
        super().__init__("scan_cancelled", files=files_done)
        self.files_done = files_done
