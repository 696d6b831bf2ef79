"""Typed errors of the DICOM network code: codes of the one error model (``core.errors``)."""

from __future__ import annotations

from downloadmanager.core.errors import AppError


class DicomNetError(AppError):
    """Base class of DICOM network errors."""


class NodeError(DicomNetError):
    """A DICOM node is described wrongly (AE title, host, port) or unknown."""


class AssociationError(DicomNetError):
    """No association, or it broke: connection refused, rejected, aborted, lost."""


class DimseError(DicomNetError):
    """A DIMSE exchange went wrong (no response in time, unexpected message)."""
