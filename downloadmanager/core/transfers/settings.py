"""Settings of the upload engine (chunk size, bandwidth, time window, concurrency).

Stored as ``transfers.json`` in the per-user config folder, next to the
general user settings; a damaged file falls back to the defaults.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from downloadmanager.core import paths
from downloadmanager.core.atomic_file import write_text_atomic
from downloadmanager.core.transfers.tus_client import DEFAULT_CHUNK, DEFAULT_MAX_CHUNK
from downloadmanager.core.transfers.window import TimeWindow

log = logging.getLogger(__name__)

FILE_NAME = "transfers.json"


@dataclass
class TransferSettings:
    """Every setting of the upload engine with its default."""

    #: Bytes of the first PATCH request, and the smallest chunk.
    chunk_size: int = DEFAULT_CHUNK
    #: Chunks grow up to this on fast links (about 2 s per request); equal to
    #: chunk_size for fixed chunks.
    max_chunk_size: int = DEFAULT_MAX_CHUNK
    #: Global limit in bytes per second for all uploads together (0 = unlimited).
    bandwidth_limit: int = 0
    #: Daily window such as "19:00-07:00" ("" = any time).
    time_window: str = ""
    #: How many studies upload at the same time.
    max_concurrent_jobs: int = 2
    #: Copy studies to the local staging area before uploading (needed for CDs).
    staging: bool = True

    def window(self) -> TimeWindow | None:
        """The parsed time window, or None for 'any time'."""
        return TimeWindow.parse(self.time_window) if self.time_window else None

    def validate(self) -> None:
        """Raise ValueError with a readable message for an impossible value."""
        if self.chunk_size < 64 * 1024:
            raise ValueError("The chunk size must be at least 64 KiB.")
        if self.max_chunk_size < self.chunk_size:
            raise ValueError("The largest chunk cannot be smaller than the chunk size.")
        if self.bandwidth_limit < 0:
            raise ValueError("The bandwidth limit cannot be negative.")
        if self.max_concurrent_jobs < 1:
            raise ValueError("At least one upload must be allowed to run.")
        self.window()


def settings_path() -> Path:
    """Where the transfer settings live."""
    return paths.config_dir() / FILE_NAME


def load_transfer_settings(path: Path | None = None) -> TransferSettings:
    """Read the settings; a missing or damaged file gives the defaults."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return TransferSettings()
    except (OSError, ValueError):
        log.warning("transfer settings %s unreadable; using defaults", path)
        return TransferSettings()
    defaults = TransferSettings()
    values = {f.name: raw[f.name] for f in fields(TransferSettings)
              if isinstance(raw, dict) and f.name in raw
              and isinstance(raw[f.name], type(getattr(defaults, f.name)))}
    settings = TransferSettings(**values)
    try:
        settings.validate()
    except ValueError as exc:
        log.warning("transfer settings invalid (%s); using defaults", exc)
        return defaults
    return settings


def save_transfer_settings(settings: TransferSettings, path: Path | None = None) -> Path:
    """Validate and write the settings atomically."""
    settings.validate()
    path = path or settings_path()
    return write_text_atomic(path, json.dumps(asdict(settings), indent=2) + "\n")
