"""Downloadmanager's identity in DICOM, the same for the program and the portal.

The root is a UUID-derived UID (``2.25.<128-bit integer>``, PS3.5 B.2): it is
globally unique without registering an organisation root, and it is ours
(not pydicom's ``1.2.826.0.1.3680043.8.498``).
"""

from __future__ import annotations

#: The project's UID root (a fixed UUID, generated once for Downloadmanager).
UID_ROOT = "2.25.312679361022133061762463472992952959271"

#: Implementation Class UID: the root plus ".1" (changes only with incompatible releases).
IMPLEMENTATION_CLASS_UID = UID_ROOT + ".1"
