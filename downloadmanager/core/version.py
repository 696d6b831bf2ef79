"""The program's identity in DICOM: its own UID root, Implementation Class UID and version name.

The root is a UUID-derived UID (``2.25.<128-bit integer>``, PS3.5 B.2): it is
globally unique without registering an organisation root, and it is ours
(not pydicom's ``1.2.826.0.1.3680043.8.498``). It names this implementation in
A-ASSOCIATE-RQ user information and in the File Meta Information of the
Part-10 files the program writes.
"""

from __future__ import annotations

from dicomkit.identity import IMPLEMENTATION_CLASS_UID, UID_ROOT
from downloadmanager import __version__

__all__ = ["IMPLEMENTATION_CLASS_UID", "IMPLEMENTATION_VERSION_NAME", "UID_ROOT"]

#: Implementation Version Name (SH, at most 16 characters): "DLMGR_" + program version.
IMPLEMENTATION_VERSION_NAME = ("DLMGR_" + __version__)[:16]
