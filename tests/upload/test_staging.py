"""Staging: copy once with SHA-256, disk space checks, no-staging change detection."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from downloadmanager.core import paths
from downloadmanager.core.transfers import staging
from downloadmanager.core.transfers.errors import DiskFullError, SourceChangedError
from downloadmanager.core.transfers.store import QueueStore
from tests.upload.conftest import items_of


def _job(store, study, use_staging=True):
    job_id = store.add_job(server="http://p", account="a", community="bM1X",
                           study_instance_uid=study.study_instance_uid, items=items_of(study),
                           use_staging=use_staging)
    return store.get_job(job_id)


def test_staging_copies_and_hashes_so_the_medium_can_go(dm_home, small_study):
    with QueueStore() as store:
        job = _job(store, small_study)
        seen = []
        items = staging.stage_items(job, paths.staging_dir(),
                                    progress=lambda d, t: seen.append((d, t)))
    originals = {i.path: Path(i.path).read_bytes() for i in small_study.instances}
    for item in items:
        data = Path(item.staged_path).read_bytes()
        assert data == originals[item.source_path]
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert Path(item.staged_path).is_relative_to(dm_home / "staging")
    assert seen[-1][0] == seen[-1][1] == sum(i.size for i in items)
    # Eject the "CD": the staged copy is all a resume needs.
    for path in originals:
        os.remove(path)
    with QueueStore() as store:
        again = staging.stage_items(job, paths.staging_dir())
    assert [i.sha256 for i in again] == [i.sha256 for i in items]


def test_too_little_free_space_is_a_clear_error_and_nothing_is_lost(dm_home, small_study):
    with QueueStore() as store:
        job = _job(store, small_study)
        with pytest.raises(DiskFullError, match="Not enough free disk space") as info:
            staging.stage_items(job, paths.staging_dir(), free_space=lambda p: 10_000)
        assert info.value.code == "disk_full"
        assert "Nicht genug freier Speicherplatz" in info.value.message("de")
        assert not any((paths.staging_dir()).rglob("*.dcm"))
        assert len(store.get_job(job.id).items) == 6
    assert all(Path(i.path).exists() for i in small_study.instances)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_real_enospc_during_copy_is_reported_and_cleaned_up(dm_home, small_study):
    with QueueStore() as store:
        job = _job(store, small_study)
    target = staging.job_staging_folder(paths.staging_dir(), job.id) / job.items[2].name
    target.parent.mkdir(parents=True)
    # The kernel answers every write to /dev/full with ENOSPC: a real full disk.
    os.symlink("/dev/full", target.with_name(target.name + ".part"))
    with pytest.raises(DiskFullError, match="disk ran full"):
        staging.stage_items(job, paths.staging_dir())
    assert not target.exists()
    assert not target.with_name(target.name + ".part").exists()
    assert all(Path(i.path).exists() for i in small_study.instances)


def test_no_staging_detects_changed_files(dm_home, small_study):
    with QueueStore() as store:
        job = _job(store, small_study, use_staging=False)
    items = staging.hash_in_place(job)
    assert all(i.staged_path is None and i.mtime_ns for i in items)
    staging.check_unchanged(items)  # nothing changed yet
    victim = Path(items[3].source_path)
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with pytest.raises(SourceChangedError, match="changed since the upload was queued"):
        staging.check_unchanged(items)
    victim.unlink()
    with pytest.raises(SourceChangedError, match="is gone"):
        staging.check_unchanged(items)
