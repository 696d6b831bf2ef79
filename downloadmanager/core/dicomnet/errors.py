"""Typed errors of the DICOM network code, with messages a user can act on, in German and English.

An error carries a catalogue key and parameters (:mod:`.messages`);
``str(error)`` is the English text (logs, tests), :meth:`DicomNetError.message`
gives it in the user's language. Errors raised with a plain sentence (older
call sites) use the ``plain`` entry.
"""

from __future__ import annotations

from typing import Any

from downloadmanager.core.dicomnet.messages import CATALOGUE, text


class DicomNetError(Exception):
    """Base class of DICOM network errors."""

    def __init__(self, key_or_text: str = "", **params: Any) -> None:
        if key_or_text in CATALOGUE and key_or_text != "plain":
            self.key, self.params = key_or_text, params
        else:
            self.key, self.params = "plain", {"text": key_or_text}
        super().__init__(text(self.key, "en", **self.params))

    def message(self, lang: str = "en") -> str:
        """The message in LANG ("de" or "en")."""
        return text(self.key, lang, **self.params)


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
        why = lambda lang: reject_reason(source, reason, lang)  # noqa: E731 - rendered per language
        if self.transient:
            super().__init__("rejected_transient", reason=why, attempts=attempts)
        else:
            super().__init__("rejected_permanent", reason=why)


class DimseError(DicomNetError):
    """A DIMSE exchange went wrong (no response in time, unexpected message)."""
