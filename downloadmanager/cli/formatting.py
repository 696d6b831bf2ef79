"""Human-readable sizes, dates and times for the command line's tables."""

from __future__ import annotations


def format_size(size: int) -> str:
    """Bytes in decimal units, e.g. ``12.3 MB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def format_date(value: str) -> str:
    """DICOM ``YYYYMMDD`` as ``YYYY-MM-DD``; anything else unchanged."""
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def format_time(value: str) -> str:
    """DICOM ``HHMMSS[.ffff]`` as ``HH:MM``; anything else unchanged."""
    if len(value) >= 4 and value[:4].isdigit():
        return f"{value[:2]}:{value[2:4]}"
    return value
