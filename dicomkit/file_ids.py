"""DICOM File IDs (PS3.10 8.5, PS3.12 Annex F): ISO 9660 names of 1 to 8 characters."""

from __future__ import annotations

import re

_NOT_ISO = re.compile(r"[^A-Z0-9_]")


def is_iso_component(name: str) -> bool:
    """True when NAME is a valid DICOM File-ID component (1-8 of ``A-Z 0-9 _``)."""
    return 0 < len(name) <= 8 and not _NOT_ISO.search(name)
