"""Calls of the C library that Python does not offer (Linux only, each an optimisation or a
privacy measure with a portable fallback at its caller)."""

from __future__ import annotations

import ctypes
import sys


def libc_function(name: str, argtypes: list, restype=ctypes.c_int):
    """The C library's function NAME (errno kept for ``ctypes.get_errno``), or None.

    None off Linux or where the library lacks it; the caller then takes its
    portable path.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = restype
    return function
