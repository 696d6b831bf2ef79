"""Typed errors of the media scanner."""

from __future__ import annotations

from downloadmanager.core.errors import AppError


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


class HeaderError(Exception):
    """A file's header could not be read as DICOM.

    ``kind`` is one of the problem kinds (``corrupt``, ``not_dicom``,
    ``unreadable``); ``detail`` says what is wrong in words a user can act on.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
