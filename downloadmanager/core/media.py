"""What kind of medium a path lies on: a CD/DVD, a USB medium, a network drive, or a fixed disk.

Staging (copying a study to the local staging area before and while it is
sent) exists for media that go away: a CD is taken out, a USB stick pulled,
a network drive drops. A folder on the computer's own disk stays, and copying
it would only double the disk space a study needs (and, on the machine we
measure on, cost more CPU than sending it): :func:`must_stage` says which is
which. When the answer is not certain, it is "stage": that is never wrong,
only slower.

Linux: the mount table (``/proc/self/mountinfo``) names the file system of
the path's mount; optical, network and the file systems of USB media
(FAT, exFAT, NTFS) are staged, and so is everything mounted where desktops
mount removable media (``/media``, ``/run/media``) or on a block device the
kernel marks removable. Windows: ``GetDriveTypeW`` (fixed and RAM disks are
read in place). macOS: volumes under ``/Volumes`` are staged.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

OPTICAL_FILE_SYSTEMS = {"iso9660", "udf", "cdfs"}
NETWORK_FILE_SYSTEMS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "sshfs",
    "fuse.sshfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.gvfsd-fuse", "ncpfs",
}
# File systems of USB sticks and external disks (rare on a Linux system disk).
REMOVABLE_FILE_SYSTEMS = {"vfat", "msdos", "exfat", "ntfs", "ntfs3", "fuseblk", "hfsplus"}
# Where desktop Linux mounts CDs and USB sticks (udisks); /mnt is left out on
# purpose: servers and WSL mount fixed and network drives there.
REMOVABLE_MOUNT_PREFIXES = ("/media/", "/run/media/")

FIXED, REMOVABLE, OPTICAL, NETWORK, UNKNOWN = "fixed", "removable", "optical", "network", "unknown"


def looks_removable(root: str, file_system: str, platform: str = sys.platform) -> bool:
    """Guess from its mount point and file system whether a volume is a CD/DVD or removable medium.

    For offering volumes in a list (cheap, no system calls); :func:`medium_kind`
    is the careful answer for one path.
    """
    if file_system.lower() in OPTICAL_FILE_SYSTEMS:
        return True
    if platform.startswith("win"):
        drive = root.rstrip("\\/").upper()
        # The system drive is C: on nearly every practice PC; network shares
        # have no drive root of this form.
        return len(drive) == 2 and drive[1] == ":" and drive != "C:"
    if platform == "darwin":
        return root.startswith("/Volumes/")
    return root.startswith(REMOVABLE_MOUNT_PREFIXES)


@dataclass(frozen=True)
class Mount:
    """One line of the Linux mount table."""

    point: str
    file_system: str
    device: str  # "major:minor"


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts listed in TEXT, in the format of ``/proc/self/mountinfo``."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        # Mount points escape blanks and backslashes as octal (\040).
        point = fields[4].encode("latin-1").decode("unicode_escape")
        mounts.append(Mount(point=point, file_system=right.split()[0], device=fields[2]))
    return mounts


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount PATH (absolute, resolved) lies on: the last one of the longest point."""
    best: Mount | None = None
    target = PurePosixPath(path)
    for mount in mounts:
        point = PurePosixPath(mount.point)
        if target == point or point in target.parents:
            if best is None or len(point.parts) >= len(PurePosixPath(best.point).parts):
                best = mount
    return best


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _block_device_removable(device: str, read: Callable[[str], str | None]) -> bool:
    """Whether the kernel marks DEVICE ("major:minor", a disk or its partition) removable."""
    base = f"/sys/dev/block/{device}"
    for flag in (f"{base}/removable", f"{base}/../removable"):
        value = read(flag)
        if value is not None:
            return value.strip() == "1"
    return False


def linux_medium_kind(path: str, mountinfo: str | None,
                      read: Callable[[str], str | None] = _read_text) -> str:
    """The kind of medium PATH lies on, from the mount table MOUNTINFO (None: unreadable)."""
    if mountinfo is None:
        return UNKNOWN
    mount = mount_of(path, parse_mountinfo(mountinfo))
    if mount is None:
        return UNKNOWN
    file_system = mount.file_system.lower()
    if file_system in OPTICAL_FILE_SYSTEMS:
        return OPTICAL
    if file_system in NETWORK_FILE_SYSTEMS or file_system.startswith("fuse.sshfs"):
        return NETWORK
    if file_system in REMOVABLE_FILE_SYSTEMS or \
            (mount.point + "/").startswith(REMOVABLE_MOUNT_PREFIXES) or \
            _block_device_removable(mount.device, read):
        return REMOVABLE
    return FIXED


# GetDriveTypeW's answers.
_WINDOWS_DRIVE_KINDS = {2: REMOVABLE, 3: FIXED, 4: NETWORK, 5: OPTICAL, 6: FIXED}


def windows_medium_kind(path: str, drive_type: Callable[[str], int] | None = None) -> str:
    """The kind of medium PATH lies on, from the drive's type (DRIVE_TYPE: GetDriveTypeW)."""
    anchor = PureWindowsPath(path).anchor
    if anchor.startswith("\\\\") and not anchor.startswith(("\\\\?\\", "\\\\.\\")):
        return NETWORK  # \\server\share
    if drive_type is None:
        import ctypes

        drive_type = ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]
    try:
        return _WINDOWS_DRIVE_KINDS.get(int(drive_type(anchor or path)), UNKNOWN)
    except (OSError, ValueError):
        return UNKNOWN


def medium_kind(path: str | Path) -> str:
    """What PATH lies on: ``fixed``, ``removable``, ``optical``, ``network`` or ``unknown``."""
    try:
        resolved = str(Path(path).resolve())
    except OSError:
        return UNKNOWN
    if sys.platform.startswith("win"):
        return windows_medium_kind(resolved)
    if sys.platform == "darwin":
        return REMOVABLE if resolved.startswith("/Volumes/") else FIXED
    return linux_medium_kind(resolved, _read_text("/proc/self/mountinfo"))


def must_stage(path: str | Path) -> bool:
    """True unless PATH lies on one of the computer's own disks (then it is read in place)."""
    return medium_kind(path) != FIXED


__all__ = ["FIXED", "NETWORK", "OPTICAL", "REMOVABLE", "UNKNOWN", "Mount", "looks_removable",
           "linux_medium_kind", "medium_kind", "mount_of", "must_stage", "parse_mountinfo",
           "windows_medium_kind"]
