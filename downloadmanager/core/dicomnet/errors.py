"""Typed errors of the DICOM network code: codes of the one error model (``core.errors``).

``str(error)`` is the English text (logs, tests); ``message(lang)`` gives it
in the user's language; the codes live in ``core/error_catalogue.py``.
"""

from __future__ import annotations

from downloadmanager.core.errors import AppError


class DicomNetError(AppError):
    """Base class of DICOM network errors."""


class NodeError(DicomNetError):
    """A DICOM node is described wrongly (AE title, host, port) or unknown."""


class AssociationError(DicomNetError):
    """No association, or it broke: connection refused, rejected, aborted, lost."""


class AssociationRejected(AssociationError):
    """The peer answered A-ASSOCIATE-RJ; ``transient`` when it may work later (PS3.8 result 2)."""

    def __init__(self, result: int, source: int, reason: int, attempts: int = 1) -> None:
        from downloadmanager.core.dicomnet.messages import reject_reason

        self.result, self.source, self.reason = result, source, reason
        self.transient = result == 2
        why = reject_reason(source, reason)  # a term: rendered in the reader's language
        if self.transient:
            super().__init__("rejected_transient", reason=why, attempts=attempts)
        else:
            super().__init__("rejected_permanent", reason=why)


class DimseError(DicomNetError):
    """A DIMSE exchange went wrong (no response in time, unexpected message)."""
