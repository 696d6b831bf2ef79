"""Per-user folders of the program (data, config, cache, staging, logs).

The folders come from ``platformdirs`` (``%LOCALAPPDATA%\\Downloadmanager`` on
Windows, XDG folders on Linux, ``~/Library/...`` on macOS). The environment
variable ``DOWNLOADMANAGER_HOME`` overrides all of them at once: every folder
then lives below that one directory. Tests, portable installs and developers
use it so that nothing touches the real user profile.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Downloadmanager"
APP_AUTHOR = "Downloadmanager"
HOME_ENV = "DOWNLOADMANAGER_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Folder for durable data (the transfer queue database)."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "data")
    return _ensure(Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def config_dir() -> Path:
    """Folder for settings files (never secrets: those live in the OS keyring)."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "config")
    return _ensure(Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def cache_dir() -> Path:
    """Folder for data that may be deleted at any time."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "cache")
    return _ensure(Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)))


def staging_dir() -> Path:
    """Folder where studies are copied from the medium before they are uploaded.

    It sits below the data folder (not the cache) because a staged study must
    survive until its upload is verified.
    """
    home = _home_override()
    if home is not None:
        return _ensure(home / "staging")
    return _ensure(data_dir() / "staging")


def logs_dir() -> Path:
    """Folder for log files."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "logs")
    return _ensure(Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


def queue_db_path() -> Path:
    """The SQLite file holding the transfer queue."""
    return data_dir() / "transfers.sqlite3"
