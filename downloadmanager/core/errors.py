"""The client core's one error model: a stable code plus parameters, rendered late.

Every failure a user may see is an :class:`AppError` (or a subclass) with a
``code`` from :data:`~downloadmanager.core.error_catalogue.CATALOGUE` and
parameters for its placeholders. The error is stored as such (``stored()``
gives JSON for the queue database) and turned into words only where it is
shown, in the reader's language: the window uses its language setting, the
command line the settings' language or else ``LC_ALL``/``LC_MESSAGES``/``LANG``.

Core messages never give command-line advice; the command line adds its own
hint (``downloadmanager.cli.messages``) where one helps.

A parameter may itself be an error (or ``term(code)``, a catalogue word such
as a job state, or a bilingual word ``{"de": ..., "en": ...}`` such as a DICOM
protocol reason): it is rendered in the same language, so an outer message can
wrap an inner one ("… It continues automatically …").
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from downloadmanager.core.error_catalogue import CATALOGUE

LANGUAGES = ("de", "en")

#: The code an old queue row's prose is shown with (the text is its parameter ``text``).
LEGACY_CODE = "legacy_text"

_UNITS = {"de": ("Sekunden", "Minuten", "Stunden"), "en": ("seconds", "minutes", "hours")}


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``"de"`` when LC_ALL/LC_MESSAGES/LANG (the first one set) starts with ``de``, else ``"en"``."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def format_wait(seconds: int, lang: str) -> str:
    """A waiting time in words: ``"15 Minuten"`` / ``"45 seconds"`` (rounded up)."""
    seconds = max(0, int(seconds))
    units = _UNITS.get(lang, _UNITS["en"])
    if seconds < 120:
        return f"{seconds} {units[0]}"
    minutes = -(-seconds // 60)
    if minutes < 120:
        return f"{minutes} {units[1]}"
    return f"{-(-minutes // 60)} {units[2]}"


def term(code: str) -> dict:
    """A catalogue word (e.g. ``term("state_failed")``) to pass as a parameter."""
    if code not in CATALOGUE:
        raise KeyError(f"unknown message code {code!r}")
    return {"code": code, "params": {}}


def _plain(value: Any) -> Any:
    """A parameter in its JSON-able form (errors become ``{"code", "params"}``)."""
    if isinstance(value, AppError):
        return value.as_dict()
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict) and "code" in value:
        return {"code": value["code"], "params": {k: _plain(v) for k, v in
                                                  (value.get("params") or {}).items()}}
    if is_word(value):
        return {"de": str(value["de"]), "en": str(value["en"])}
    return str(value)


def is_word(value: Any) -> bool:
    """True for a bilingual word ``{"de": ..., "en": ...}`` (e.g. a DICOM reject reason)."""
    return isinstance(value, dict) and set(value) == set(LANGUAGES)


def render(code: str, params: Mapping[str, Any] | None = None, lang: str = "en") -> str:
    """The message CODE in LANG ("de" or "en"), filled with PARAMS.

    ``wait_seconds`` also provides ``{wait}`` in words; a parameter that is a
    nested ``{"code", "params"}`` is rendered in the same language.
    """
    entry = CATALOGUE.get(code)
    if entry is None:  # a code from a newer program version: show what we have
        entry = CATALOGUE["unknown_code"]
        params = {"code": code}
    values: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if isinstance(value, AppError):
            value = value.as_dict()
        if isinstance(value, dict) and "code" in value:
            value = render(value["code"], value.get("params") or {}, lang)
        elif is_word(value):
            value = value.get(lang) or value["en"]
        values[key] = value
    if "wait_seconds" in values and "wait" not in values:
        values["wait"] = format_wait(values["wait_seconds"], lang)
    template = entry.get(lang) or entry["en"]
    return template.format(**values)


class AppError(Exception):
    """A failure a user may see: ``code`` from the catalogue plus ``params``.

    ``str(error)`` is the English text (for logs and tests);
    ``message(lang)`` is the text for the user; ``stored()`` is what the
    queue database keeps.
    """

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown message code {code!r}")
        self.code = code
        self.params = {k: _plain(v) for k, v in params.items()}
        super().__init__(render(code, self.params, "en"))

    @property
    def key(self) -> str:
        """The code (the name the download catalogue used)."""
        return self.code

    def message(self, lang: str = "en") -> str:
        """The user message in LANG."""
        return render(self.code, self.params, lang)

    def as_dict(self) -> dict:
        """``{"code": ..., "params": {...}}``."""
        return {"code": self.code, "params": dict(self.params)}

    def stored(self) -> str:
        """The JSON text the queue database keeps in ``jobs.error``."""
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)


class InputError(AppError, ValueError):
    """A value a user entered (setting, size, time window, proxy) that cannot be used.

    Also a :class:`ValueError`, so callers that check input that way keep working.
    """


class DownloadError(AppError):
    """A download step failed (code redemption, transfer, verification, writing the result)."""


class PortalError(AppError):
    """The portal answered with an error a user has to act on (uploads, downloads, inbox)."""


class NetworkError(PortalError):
    """The portal could not be reached (for long enough); the work can continue later."""


class AuthenticationError(PortalError):
    """The portal refused the credentials (wrong password, no login stored)."""


def decode_stored(text: str | None) -> dict | None:
    """``{"code", "params"}`` of a stored error; old prose becomes :data:`LEGACY_CODE`."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("code"), str):
        return {"code": value["code"], "params": dict(value.get("params") or {})}
    return {"code": LEGACY_CODE, "params": {"text": text}}


def render_stored(text: str | None, lang: str = "en") -> str:
    """A stored error (``jobs.error``) as words in LANG; "" for none."""
    value = decode_stored(text)
    return render(value["code"], value["params"], lang) if value else ""


def error_from_stored(text: str | None) -> AppError | None:
    """The stored error as an :class:`AppError` again (None for none)."""
    value = decode_stored(text)
    if value is None:
        return None
    if value["code"] not in CATALOGUE:
        return AppError("unknown_code", code=value["code"])
    return AppError(value["code"], **value["params"])
