"""Typed errors of the transfer engine, each with a message a user can act on."""

from __future__ import annotations


class TransferError(Exception):
    """Base class: something stopped a transfer; ``str(error)`` tells the user what to do."""


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


class NetworkError(TransferError):
    """The server could not be reached for too long; the job can be retried later."""


class AuthenticationError(TransferError):
    """The portal refused the credentials (wrong password, no login stored)."""


class VerificationError(TransferError):
    """The portal's receipt does not confirm every instance."""


class JobControlInterrupt(Exception):
    """Raised inside a running job when another process paused or cancelled it."""

    def __init__(self, state: str) -> None:
        super().__init__(f"job was {state}")
        self.state = state
