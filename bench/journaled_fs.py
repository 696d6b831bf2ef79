"""A journaled ext4 mounted for a benchmark's output (Linux, root): create, mount, clean up.

Why: this project's build VM has an ext4 root *without a journal*, where
creating thousands of files right after others were deleted is slow (ext4
skips inodes freed in the last minute, ``recently_deleted``, a check made
only without a journal). Desktop file systems do not behave like that, so
benchmarks that create many files write into one of these instead. The
loop device uses direct I/O, so the image's pages are not cached twice.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def has_journal(path: Path) -> bool | None:
    """Whether the ext4 holding PATH has a journal (None: not ext4, or unknown)."""
    try:
        device = os.stat(path).st_dev
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            fields = line.split()
            major, minor = (int(n) for n in fields[2].split(":"))
            if os.makedev(major, minor) != device:
                continue
            fstype, source = fields[fields.index("-") + 1], fields[fields.index("-") + 2]
            if fstype != "ext4":
                return None
            # jbd2 lists each journal as <device>-<journal inode>.
            return any(Path("/proc/fs/jbd2").glob(f"{Path(source).name}-*"))
    except (OSError, ValueError):
        return None
    return None


@contextlib.contextmanager
def journaled_ext4(size_gib: int) -> Iterator[Path]:
    """Yield the mount point of a fresh SIZE_GIB journaled ext4; unmount and delete it after."""
    for tool in ("mkfs.ext4", "losetup", "mount", "umount"):
        if shutil.which(tool) is None:
            raise SystemExit(f"--journaled-fs needs {tool} (and root)")
    work = Path(tempfile.mkdtemp(prefix="bench-fs-"))
    image, mountpoint = work / "fs.img", work / "mnt"
    mountpoint.mkdir()
    device = None
    try:
        with open(image, "wb") as handle:
            handle.truncate(size_gib << 30)
        subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
        device = subprocess.run(["losetup", "-f", "--show", "--direct-io=on", str(image)],
                                check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run(["mount", device, str(mountpoint)], check=True)
        yield mountpoint
    finally:
        if device:
            subprocess.run(["umount", str(mountpoint)], check=False)
            subprocess.run(["losetup", "-d", device], check=False)
        shutil.rmtree(work, ignore_errors=True)
