"""File and folder names that are safe on Windows, macOS and Linux, and ISO 9660 names.

Readable names come from DICOM text (patient name, study description, ...),
which may hold anything. :func:`safe_component` turns such text into one
path component that every file system accepts: no ``<>:"/\\|?*`` or control
characters, no trailing dots or spaces, none of the reserved device names
(``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``, ``LPT1``-``LPT9``, also
with an extension), never ``.`` or ``..``, and at most ``max_len`` characters
so that deep layouts stay below Windows' 260-character path limit.
"""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WHITESPACE = re.compile(r"\s+")
_REPEATS = re.compile(r"([_\-])[_\-]+")
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in list("123456789") + ["¹", "²", "³"]
}
_ISO_ALLOWED = re.compile(r"[^A-Z0-9_]")
DEFAULT_MAX_LEN = 60


def safe_component(text: str, fallback: str = "unbenannt", max_len: int = DEFAULT_MAX_LEN) -> str:
    """One path component made from arbitrary TEXT (Unicode kept, NFC-normalised).

    Spaces become ``-``, forbidden characters ``_``; the result is never
    empty (``fallback``), never a reserved device name and never ends in a dot
    or a space.
    """
    value = unicodedata.normalize("NFC", text or "")
    value = _FORBIDDEN.sub("_", value)
    value = _WHITESPACE.sub("-", value.strip())
    value = _REPEATS.sub(r"\1", value)
    value = value[:max_len]
    value = value.rstrip(". -_").lstrip(" ")
    if value in ("", ".", ".."):
        value = fallback
    stem = value.split(".")[0].upper()
    if stem in _RESERVED:
        value = "_" + value
    return value[:max_len].rstrip(". ")


def person_name_component(name: str) -> str:
    """``Muster^Max^^Dr`` -> ``Muster_Max`` (family and given name only)."""
    parts = [p.strip() for p in (name or "").split("=")[0].split("^")]
    used = [p for p in parts[:2] if p]
    return safe_component("_".join(used), fallback="Unbekannt")


def dicom_date_component(value: str) -> str:
    """``20261120`` -> ``2026-11-20``; anything else as a safe component or empty."""
    value = (value or "").strip()
    if re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return safe_component(value, fallback="") if value else ""


def unique_name(name: str, taken: set[str]) -> str:
    """NAME, or NAME_2, NAME_3, ... so that it is not in TAKEN (case-insensitively); adds it."""
    candidate = name
    n = 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate.casefold())
    return candidate


def iso_name(prefix: str, number: int) -> str:
    """An ISO 9660 / DICOM File-ID component: ``PAT00001``, ``IMG00042``.

    DICOM media (PS3.12, PS3.10 8.5) allow at most 8 characters from
    ``A-Z 0-9 _``, no extension. Numbers too big for the prefix spill into it
    (``IMG99999`` -> ``IM100000`` -> ``I1000000``).
    """
    prefix = _ISO_ALLOWED.sub("", prefix.upper())
    digits = str(number)
    if len(digits) > 8:
        raise ValueError(f"number {number} does not fit in an ISO 9660 name")
    keep = max(0, 8 - max(5, len(digits)))
    return prefix[:keep] + digits.rjust(8 - keep, "0")


