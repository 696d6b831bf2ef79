"""Which media are staged: CDs, USB media and network drives; not the computer's own disks."""

from __future__ import annotations

import pytest

from downloadmanager.core import media
from downloadmanager.core.transfers.enqueue import staging_for

MOUNTINFO = """\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard
25 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw
30 22 0:26 / /tmp rw,nosuid shared:14 - tmpfs tmpfs rw
40 22 8:17 / /media/anna/STICK rw,nosuid shared:30 - vfat /dev/sdb1 rw
41 22 11:0 / /media/anna/CT\\040THORAX ro,nosuid shared:31 - iso9660 /dev/sr0 ro
42 22 0:50 / /srv/pacs-export rw shared:32 - nfs4 server:/export rw
43 22 8:33 / /data rw,relatime shared:33 - ext4 /dev/sdc1 rw
44 22 8:49 / /mnt/backup rw,relatime shared:34 - ext4 /dev/sdd1 rw
45 43 0:60 / /data/share rw shared:35 - cifs //nas/share rw
"""

# /sys flags: sdc is a fixed disk, sdd a USB disk (removable flag on the disk, not the partition).
SYS = {"/sys/dev/block/8:33/../removable": "0\n", "/sys/dev/block/8:49/../removable": "1\n"}


@pytest.mark.parametrize("path,kind", [
    ("/home/anna/Export/CT", media.FIXED),
    ("/tmp/upload", media.FIXED),
    ("/media/anna/STICK/DICOM", media.REMOVABLE),
    ("/media/anna/CT THORAX/DICOMDIR", media.OPTICAL),
    ("/srv/pacs-export/study", media.NETWORK),
    ("/data/studies", media.FIXED),
    ("/data/share/study", media.NETWORK),  # the later, deeper mount wins
    ("/mnt/backup/study", media.REMOVABLE),  # ext4 on a USB disk
])
def test_linux_kinds_from_the_mount_table(path, kind):
    assert media.linux_medium_kind(path, MOUNTINFO, read=SYS.get) == kind


def test_an_unreadable_mount_table_means_unknown_and_staging():
    assert media.linux_medium_kind("/home/anna", None) == media.UNKNOWN
    assert media.linux_medium_kind("/home/anna", "") == media.UNKNOWN


def test_mount_points_with_blanks_are_unescaped():
    points = [m.point for m in media.parse_mountinfo(MOUNTINFO)]
    assert "/media/anna/CT THORAX" in points


@pytest.mark.parametrize("path,drive_type,kind", [
    ("C:\\Users\\praxis\\Export", 3, media.FIXED),
    ("E:\\DICOMDIR", 5, media.OPTICAL),
    ("F:\\", 2, media.REMOVABLE),
    ("Z:\\studies", 4, media.NETWORK),
    ("R:\\", 6, media.FIXED),  # RAM disk
    ("Q:\\", 0, media.UNKNOWN),
])
def test_windows_kinds_from_the_drive_type(path, drive_type, kind, monkeypatch):
    asked = []

    def get_drive_type(root):
        asked.append(root)
        return drive_type

    assert media.windows_medium_kind(path, get_drive_type) == kind
    assert asked


def test_a_windows_share_is_network_without_asking():
    assert media.windows_medium_kind("\\\\praxis-nas\\cds\\study",
                                     lambda root: pytest.fail("asked")) == media.NETWORK


def test_this_machines_temporary_folder_is_read_in_place(tmp_path):
    # The test machines keep their temporary files on a fixed disk (or in memory).
    assert media.must_stage(tmp_path) is False


@pytest.mark.parametrize("policy,removable,staged", [
    ("auto", False, False), ("auto", True, True),
    ("always", False, True), ("always", True, True),
    ("never", False, False), ("never", True, False),
])
def test_staging_policies(policy, removable, staged, monkeypatch, tmp_path):
    from downloadmanager.core.transfers import enqueue

    monkeypatch.setattr(enqueue, "must_stage", lambda source: removable)
    assert staging_for(policy, tmp_path) is staged


def test_an_unknown_policy_is_refused(tmp_path):
    with pytest.raises(ValueError):
        staging_for("sometimes", tmp_path)
