"""The program's identity in DICOM: its own UID root, Implementation Class UID and version name.

The root is a UUID-derived UID (``2.25.<128-bit integer>``, PS3.5 B.2): it is
globally unique without registering an organisation root, and it is ours
(not pydicom's ``1.2.826.0.1.3680043.8.498``). It names this implementation in
A-ASSOCIATE-RQ user information and in the File Meta Information of the
Part-10 files the program writes.
"""

from __future__ import annotations

from downloadmanager import __version__

#: The project's UID root (a fixed UUID, generated once for Downloadmanager).
UID_ROOT = "2.25.312679361022133061762463472992952959271"

#: Implementation Class UID: the root plus ".1" (changes only with incompatible releases).
IMPLEMENTATION_CLASS_UID = UID_ROOT + ".1"

#: Implementation Version Name (SH, at most 16 characters): "DLMGR_" + program version.
IMPLEMENTATION_VERSION_NAME = ("DLMGR_" + __version__)[:16]
