"""User settings of the client, declared once with their defaults.

Settings are plain, non-secret preferences (language, portal address, where
downloads go, recently used recipients). They live as JSON in the per-user
configuration folder. Passwords and tokens never go here: they belong in the
OS keyring (see ``downloadmanager.core.credentials``).

A damaged or hand-edited file never stops the program: unknown keys are
dropped and values of the wrong type fall back to their default.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from downloadmanager.core import paths
from downloadmanager.core.atomic_file import write_text_atomic

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.json"

#: Values accepted for :attr:`Settings.language`.
LANGUAGES = ("system", "de", "en")

MAX_RECENT_RECIPIENTS = 10


@dataclass
class Settings:
    """Every user setting with its default. Add new settings here only."""

    #: "system" follows the operating system's locale; "de" or "en" force one.
    language: str = "system"
    #: Base address of the portal, e.g. "https://portal.example.org".
    portal_url: str = ""
    #: Folder that downloaded studies are written into ("" = ask every time).
    storage_folder: str = ""
    #: Community codes used last, newest first.
    recent_recipients: list[str] = field(default_factory=list)
    #: The user has been told once that closing the window keeps transfers running.
    tray_hint_shown: bool = False

    def remember_recipient(self, code: str) -> None:
        """Move CODE to the front of the recent recipients (kept short)."""
        rest = [c for c in self.recent_recipients if c != code]
        self.recent_recipients = [code, *rest][:MAX_RECENT_RECIPIENTS]


def settings_path() -> Path:
    """Where the settings file lives (honours ``DOWNLOADMANAGER_HOME``)."""
    return paths.config_dir() / SETTINGS_FILE_NAME


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings; missing or damaged files give the defaults."""
    path = path or settings_path()
    defaults = Settings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return defaults
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, type(exc).__name__)
        return defaults
    if not isinstance(raw, dict):
        return defaults
    values = {}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        default = getattr(defaults, f.name)
        if isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, type(default))
        if ok:
            values[f.name] = value
        else:
            log.warning("setting %r has the wrong type; using its default", f.name)
    settings = Settings(**values)
    if settings.language not in LANGUAGES:
        settings.language = defaults.language
    return settings


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically (a crash never leaves half a file); return the path."""
    path = path or settings_path()
    return write_text_atomic(path, json.dumps(asdict(settings), indent=2, ensure_ascii=False) + "\n")
