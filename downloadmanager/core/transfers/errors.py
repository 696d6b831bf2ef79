"""Typed errors of the transfer engine: codes of the one error model (``core.errors``)."""

from __future__ import annotations

from downloadmanager.core.errors import AppError, AuthenticationError, NetworkError

__all__ = [
    "AuthenticationError", "DiskFullError", "JobControlInterrupt", "NetworkError",
    "SourceChangedError", "StagingError", "TransferError", "UploadError",
    "UploadExpiredError", "VerificationError",
]


class TransferError(AppError):
    """Base class: something stopped a transfer; ``message(lang)`` tells the user what happened."""


class StagingError(TransferError):
    """Copying a study from the medium to the staging area failed."""


class DiskFullError(StagingError):
    """Not enough free space for the staging area."""


class SourceChangedError(TransferError):
    """A file that is uploaded straight from its folder changed since it was queued."""


class UploadError(TransferError):
    """The tus upload failed in a way that retrying will not fix."""


class UploadExpiredError(UploadError):
    """The server no longer knows the upload (404/410): start a new one."""


class VerificationError(TransferError):
    """The portal's receipt does not confirm every instance."""


class JobControlInterrupt(Exception):
    """Raised inside a running job when another process paused or cancelled it."""

    def __init__(self, state: str) -> None:
        super().__init__(f"job was {state}")
        self.state = state
