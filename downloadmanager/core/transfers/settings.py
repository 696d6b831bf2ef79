"""Settings of the upload engine (chunk size, bandwidth, time window, concurrency).

The options are declared in the settings registry (``downloadmanager.core.settings``,
section ``transfers``) and stored in its one file; this module gives them a type
and the rules that span several values (:meth:`TransferSettings.validate`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from downloadmanager.core.errors import InputError
from downloadmanager.core.settings import declared_field, read_section, write_section
from downloadmanager.core.transfers.window import TimeWindow

log = logging.getLogger(__name__)

SECTION = "transfers"


@dataclass
class TransferSettings:
    """Every setting of the upload engine with its default."""

    #: Bytes of the first PATCH request, and the smallest chunk.
    chunk_size: int = declared_field(SECTION, "chunk_size")
    #: Chunks grow up to this on fast links (about 2 s per request); equal to
    #: chunk_size for fixed chunks.
    max_chunk_size: int = declared_field(SECTION, "max_chunk_size")
    #: Global limit in bytes per second for all uploads together (0 = unlimited).
    bandwidth_limit: int = declared_field(SECTION, "bandwidth_limit")
    #: Daily window such as "19:00-07:00" ("" = any time).
    time_window: str = declared_field(SECTION, "time_window")
    #: How many studies upload at the same time.
    max_concurrent_jobs: int = declared_field(SECTION, "max_concurrent_jobs")
    #: Copy studies from CDs, USB media and network drives to the staging area
    #: ("auto"); False: never copy (ZIP files always are).
    staging: bool = declared_field(SECTION, "staging")

    @property
    def staging_policy(self) -> str:
        """The policy for :func:`~downloadmanager.core.transfers.enqueue.queue_studies`."""
        return "auto" if self.staging else "never"

    def window(self) -> TimeWindow | None:
        """The parsed time window, or None for 'any time'."""
        return TimeWindow.parse(self.time_window) if self.time_window else None

    def validate(self) -> None:
        """Raise :class:`InputError` (a ValueError) for an impossible value."""
        if self.chunk_size < 64 * 1024:
            raise InputError("chunk_size_too_small")
        if self.max_chunk_size < self.chunk_size:
            raise InputError("max_chunk_below_chunk_size")
        if self.bandwidth_limit < 0:
            raise InputError("bandwidth_negative")
        if self.max_concurrent_jobs < 1:
            raise InputError("concurrent_uploads_too_few")
        self.window()


def load_transfer_settings(path: Path | None = None) -> TransferSettings:
    """The upload settings; values that do not fit together give the defaults."""
    settings = TransferSettings(**read_section(SECTION, path))
    try:
        settings.validate()
    except ValueError as exc:
        log.warning("transfer settings invalid (%s); using defaults", exc)
        return TransferSettings()
    return settings


def save_transfer_settings(settings: TransferSettings, path: Path | None = None) -> Path:
    """Validate and write the settings atomically; return the settings file."""
    settings.validate()
    return write_section(SECTION, asdict(settings), path)
