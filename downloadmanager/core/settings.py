"""Every non-secret setting of the client, declared once, in one file: ``settings.json``.

This module is the settings registry. Each option is declared below with its
section, name, type and default (the way MusicBrainz Picard's ``options.py``
does it); nothing else in the program keeps a settings file or a default of
its own. The typed views that the rest of the program works with
(:class:`Settings` here, ``TransferSettings``, ``NetworkSettings``, the saved
DICOM nodes, the default login) take their defaults from these declarations
and read and write their section through :func:`read_section` and
:func:`write_section`. Passwords and tokens never go here: they belong in the
OS keyring (see ``downloadmanager.core.credentials``).

The file looks like ``{"version": 2, "general": {...}, "transfers": {...},
"network": {...}, "dicom": {"nodes": [...]}, "account": {...}}``.

Rules, the same for every section:

* **Migration.** Versions before 2 kept five files: a flat ``settings.json``
  and ``transfers.json``, ``network.json``, ``dicom_nodes.json`` and
  ``account.json``. The first load reads them once into the new file and
  renames each old file to ``<name>.migrated`` (kept as a copy, never read
  again).
* **Damaged content.** A file that is not JSON, or a value of the wrong type
  or out of its range, never stops the program: a copy of the file as it was
  is kept as ``settings.json.damaged-<time>``, the damaged part gets its
  default, the cleaned file is written back, and a :class:`Notice` says what
  happened (logged, and returned by :func:`take_notices` so the window and the
  command line can tell the user once).
* **Unknown keys are kept**: sections and keys that this version does not
  declare stay in the file untouched, so a settings file written by a newer
  version survives a run of an older one. They are not offered to the program.
"""

from __future__ import annotations

import copy
import json
import logging
import shutil
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from downloadmanager.core import paths
from downloadmanager.core.atomic_file import write_text_atomic

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.json"
#: Version of the file layout (1 = the flat ``settings.json`` of older releases).
FORMAT_VERSION = 2

#: Values accepted for :attr:`Settings.language`.
LANGUAGES = ("system", "de", "en")
#: Values accepted for the proxy mode (see ``downloadmanager.core.net_settings``).
PROXY_MODES = ("system", "manual", "none")

MAX_RECENT_RECIPIENTS = 10

_KIB = 1024
_MIB = 1024 * _KIB


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Option:
    """One declared setting: where it lives, what type it has, its default and its range."""

    section: str
    name: str
    type: type
    default: Any
    #: Extra check of a value of the right type (False: out of range -> default).
    check: Callable[[Any], bool] | None = None
    #: For lists: the type of every item.
    item_type: type | None = None
    doc: str = ""

    def accepts(self, value: Any) -> bool:
        """True when VALUE has this option's type (bool is not an int here) and passes its check."""
        if self.type is int and isinstance(value, bool):
            return False
        if not isinstance(value, self.type):
            return False
        if self.item_type is not None and not all(isinstance(v, self.item_type) for v in value):
            return False
        return self.check is None or bool(self.check(value))

    def fresh_default(self) -> Any:
        """A copy of the default (lists are never shared between readers)."""
        return copy.deepcopy(self.default)


#: Every option, by section and name, in declaration order.
OPTIONS: dict[str, dict[str, Option]] = {}


def _declare(section: str, name: str, type_: type, default: Any, doc: str, *,
             check: Callable[[Any], bool] | None = None, item_type: type | None = None) -> None:
    option = Option(section, name, type_, default, check, item_type, doc)
    if not option.accepts(default):
        raise TypeError(f"default of {section}.{name} does not fit its declaration")
    OPTIONS.setdefault(section, {})[name] = option


# --------------------------------------------------------------------------- declarations
# Add new settings here only.

# General preferences of the window and the command line.
_declare("general", "language", str, "system",
         '"system" follows the operating system\'s locale; "de" or "en" force one.',
         check=lambda v: v in LANGUAGES)
_declare("general", "portal_url", str, "", 'Base address of the portal, e.g. "https://portal.example.org".')
_declare("general", "storage_folder", str, "", 'Folder downloaded studies go into ("" = ask every time).')
_declare("general", "recent_recipients", list, [], "Community codes used last, newest first.",
         item_type=str)
_declare("general", "tray_hint_shown", bool, False,
         "The user has been told once that closing the window keeps transfers running.")

# The upload engine (``downloadmanager.core.transfers.settings``).
_declare("transfers", "chunk_size", int, 8 * _MIB, "Bytes of the first PATCH request, and the smallest chunk.",
         check=lambda v: v >= 64 * _KIB)
_declare("transfers", "max_chunk_size", int, 256 * _MIB,
         "Chunks grow up to this on fast links (about 2 s per request); equal to chunk_size for fixed chunks.",
         check=lambda v: v >= 64 * _KIB)
_declare("transfers", "bandwidth_limit", int, 0,
         "Limit in bytes per second for all uploads together (0 = unlimited).", check=lambda v: v >= 0)
_declare("transfers", "time_window", str, "", 'Daily window such as "19:00-07:00" ("" = any time).')
_declare("transfers", "max_concurrent_jobs", int, 2, "How many studies upload at the same time.",
         check=lambda v: v >= 1)
_declare("transfers", "staging", bool, True,
         "Copy studies from CDs, USB media and network drives to the local staging area "
         "while they are sent (the medium is free sooner); folders on this computer's own "
         "disks are read where they are. Off: never copy (ZIP files always are).")

# How the program reaches the portal (``downloadmanager.core.net_settings``).
_declare("network", "proxy_mode", str, "system", "system, manual or none.", check=lambda v: v in PROXY_MODES)
_declare("network", "proxy_host", str, "", "Host of a manual proxy.")
_declare("network", "proxy_port", int, 3128, "Port of a manual proxy.", check=lambda v: 0 < v < 65536)

# Saved DICOM nodes (``downloadmanager.core.dicomnet.nodes``): a list of
# {"name", "ae_title", "host", "port", "calling_ae"}; entries that do not make
# a valid node are skipped by the node list, not dropped from the file.
_declare("dicom", "nodes", list, [], "Saved DICOM nodes (PACS, workstations).", item_type=dict)

# The default login (``downloadmanager.core.credentials``); the password is in the keyring.
_declare("account", "server", str, "", "Portal address of the default login.")
_declare("account", "email", str, "", "E-mail of the default login.")


def option(section: str, name: str) -> Option:
    """The declaration of SECTION.NAME (KeyError if there is none)."""
    return OPTIONS[section][name]


def default(section: str, name: str) -> Any:
    """A fresh copy of the declared default of SECTION.NAME."""
    return option(section, name).fresh_default()


def declared_field(section: str, name: str) -> Any:
    """A dataclass field whose default is the declared one (for the typed views)."""
    return field(default_factory=lambda: default(section, name))


# --------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class Notice:
    """Something the user should hear about their settings file, in German and English."""

    key: str
    path: Path
    backup: Path | None = None
    #: Names of the settings concerned (not translated: they are the file's own keys).
    detail: str = ""

    def text(self, lang: str = "en") -> str:
        """The message in LANG ("de" or "en"), from the one catalogue (``core/errors.py``)."""
        from downloadmanager.core.errors import render

        return render(f"settings_{self.key}", {"path": str(self.path), "backup": str(self.backup),
                                               "detail": self.detail}, lang)


_notices: list[Notice] = []
_lock = threading.RLock()


def _notify(notice: Notice) -> None:
    log.warning("%s", notice.text("en"))
    _notices.append(notice)


def take_notices() -> list[Notice]:
    """Notices collected since the last call (each is returned once)."""
    with _lock:
        taken = list(_notices)
        _notices.clear()
        return taken


# --------------------------------------------------------------------------- the file


def settings_path() -> Path:
    """Where the settings file lives (honours ``DOWNLOADMANAGER_HOME``)."""
    return paths.config_dir() / SETTINGS_FILE_NAME


def _backup(path: Path) -> Path:
    """Copy PATH next to itself as ``<name>.damaged-<time>`` and return the copy."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    shutil.copy2(path, target)
    return target


def _write_document(path: Path, document: dict) -> Path:
    return write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


# Old files and how each becomes a section of the new one.
_LEGACY_FILES: dict[str, Callable[[Any], dict[str, dict]]] = {
    "transfers.json": lambda raw: {"transfers": raw},
    "network.json": lambda raw: {"network": raw},
    "dicom_nodes.json": lambda raw: {"dicom": {"nodes": raw.get("nodes", [])}},
    "account.json": lambda raw: {"account": raw},
}


def _migrate_legacy(folder: Path, document: dict) -> list[Path]:
    """Merge the old per-topic files in FOLDER into DOCUMENT; return the files taken over."""
    taken = []
    for name, to_sections in _LEGACY_FILES.items():
        legacy = folder / name
        if not legacy.is_file():
            continue
        taken.append(legacy)
        try:
            raw = json.loads(legacy.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
            sections = to_sections(raw)
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("old settings file %s: %s", legacy, type(exc).__name__)
            _notify(Notice("legacy_damaged", legacy, legacy.with_name(legacy.name + ".migrated")))
            continue
        for section, values in sections.items():
            if isinstance(values, dict):
                document.setdefault(section, {}).update(values)
    return taken


def _clean(document: dict) -> list[str]:
    """Remove declared values of the wrong type or range from DOCUMENT; return their names."""
    dropped = []
    for section, options in OPTIONS.items():
        values = document.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            document[section] = {}
            dropped.append(section)
            continue
        for name, opt in options.items():
            if name in values and not opt.accepts(values[name]):
                del values[name]
                dropped.append(f"{section}.{name}")
    return dropped


def _load_document(path: Path) -> dict:
    """The settings document at PATH, migrated and cleaned (written back when either changed it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except OSError as exc:  # unreadable (permissions, a folder): use defaults, touch nothing
        log.warning("settings file %s unreadable (%s); using defaults", path, type(exc).__name__)
        return {"version": FORMAT_VERSION}

    changed = False
    document: dict
    if text is None:
        document, changed = {"version": FORMAT_VERSION}, False
        legacy = _migrate_legacy(path.parent, document)
        changed = bool(legacy)
    else:
        legacy = []
        try:
            parsed = json.loads(text)
            if not isinstance(parsed, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            log.warning("settings file %s: %s", path, exc)
            _notify(Notice("damaged", path, _backup(path)))
            document, changed = {"version": FORMAT_VERSION}, True
        else:
            document = parsed
            if not isinstance(document.get("version"), int):
                # Version 1: the general settings at the top level, the rest in other files.
                document = {"version": FORMAT_VERSION, "general": parsed}
                legacy = _migrate_legacy(path.parent, document)
                changed = True
    dropped = _clean(document)
    if dropped and text is not None:
        _notify(Notice("values_reset", path, _backup(path), ", ".join(dropped)))
    if dropped or changed:
        _write_document(path, document)
    for old in legacy:
        old.replace(old.with_name(old.name + ".migrated"))
    return document


def read_section(section: str, path: Path | None = None) -> dict[str, Any]:
    """Every declared option of SECTION with its value (the default where none is stored)."""
    with _lock:
        document = _load_document(path or settings_path())
    stored = document.get(section) or {}
    return {name: copy.deepcopy(stored[name]) if name in stored else opt.fresh_default()
            for name, opt in OPTIONS[section].items()}


def write_section(section: str, values: dict[str, Any], path: Path | None = None) -> Path:
    """Store VALUES (declared options of SECTION) atomically, keeping everything else; return the file.

    Raises ValueError for an undeclared name or a value that does not fit its declaration,
    before anything is written.
    """
    options = OPTIONS[section]
    for name, value in values.items():
        if name not in options:
            raise ValueError(f"{section}.{name} is not a declared setting")
        if not options[name].accepts(value):
            raise ValueError(f"{value!r} is not a valid value for {section}.{name}")
    path = path or settings_path()
    with _lock:
        document = _load_document(path)
        target = document.setdefault(section, {})
        target.update(copy.deepcopy(values))
        document["version"] = FORMAT_VERSION
        return _write_document(path, document)


# --------------------------------------------------------------------------- general settings


@dataclass
class Settings:
    """The general settings (section ``general``) as a typed object."""

    language: str = declared_field("general", "language")
    portal_url: str = declared_field("general", "portal_url")
    storage_folder: str = declared_field("general", "storage_folder")
    recent_recipients: list[str] = declared_field("general", "recent_recipients")
    tray_hint_shown: bool = declared_field("general", "tray_hint_shown")

    def remember_recipient(self, code: str) -> None:
        """Move CODE to the front of the recent recipients (kept short)."""
        rest = [c for c in self.recent_recipients if c != code]
        self.recent_recipients = [code, *rest][:MAX_RECENT_RECIPIENTS]


def load_settings(path: Path | None = None) -> Settings:
    """The general settings; missing values give their defaults."""
    return Settings(**read_section("general", path))


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the general settings atomically (a crash never leaves half a file); return the path."""
    return write_section("general", asdict(settings), path)
