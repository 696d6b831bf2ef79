"""Prepare a job's bundle: copy (stage) or hash its files, then freeze the manifest.

Staging copies the chosen instances from the medium into the per-job staging
folder and hashes them on the way, so the medium is read exactly once and can
be ejected as soon as staging is done; a resume later reads only the local
copy, which cannot change under it. Without staging (local folders), the
files are hashed in place and their size and modification time recorded;
``check_unchanged`` compares them before every resume.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from downloadmanager.core.part10 import wrap_file_in_place
from downloadmanager.core.transfers.bundle import VirtualBundle, build_manifest, fingerprint
from downloadmanager.core.transfers.errors import (
    DiskFullError,
    SourceChangedError,
    StagingError,
)
from downloadmanager.core.transfers.model import Job, JobItem
from downloadmanager.core.transfers.sources import close_source, open_source

COPY_BLOCK = 1024 * 1024
# Keep this much free beyond the study itself, so the system does not run dry.
SPACE_MARGIN = 64 * 1024 * 1024

FreeSpace = Callable[[Path], int]
Progress = Callable[[int, int], None]  # (bytes done, bytes total)
# Called with (index in job.items, the prepared item) as soon as that file is
# staged (or hashed) completely: the pipelined upload may send it from then on.
ItemReady = Callable[[int, JobItem], None]


def disk_free(path: Path) -> int:
    """Free bytes on the file system holding PATH."""
    return shutil.disk_usage(path).free


def _is_disk_full(exc: OSError) -> bool:
    # ENOSPC on POSIX; ERROR_DISK_FULL (112) / ERROR_HANDLE_DISK_FULL (39) on Windows.
    return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)) or \
        getattr(exc, "winerror", None) in (39, 112)


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def job_staging_folder(root: Path, job_id: int) -> Path:
    """The staging folder of one job."""
    return root / f"job-{job_id:06d}"


def stage_items(job: Job, root: Path, *, free_space: FreeSpace = disk_free,
                progress: Progress | None = None,
                should_stop: Callable[[], None] | None = None,
                on_item: ItemReady | None = None, wrap_part10: bool = True) -> list[JobItem]:
    """Copy JOB's files into its staging folder, hashing them; returns the updated items.

    WRAP_PART10 turns bare datasets (old media) into Part-10 files (their size
    grows). A pipelined upload, whose bundle layout is fixed before the first
    byte, stages them as they are; the portal stores either and hands out Part 10.

    Files already staged completely by an interrupted earlier run are hashed
    from the local copy instead of being read from the medium again.
    Raises ``DiskFullError`` before copying anything when the free space is
    too small, and also when the disk fills up during the copy (the partial
    file is removed; the queue entry and the medium are untouched).
    """
    folder = job_staging_folder(root, job.id)
    folder.mkdir(parents=True, exist_ok=True)
    total = sum(i.size for i in job.items)
    already = sum(i.size for i in job.items if _complete(folder / i.name, i.size))
    needed = total - already + SPACE_MARGIN
    free = free_space(folder)
    if free < needed:
        raise DiskFullError("disk_full", path=str(folder.parent), need=_human(needed),
                            free=_human(free))
    done = 0
    staged: list[JobItem] = []
    for index, item in enumerate(job.items):
        if should_stop is not None:
            should_stop()
        target = folder / item.name
        if _complete(target, item.size):
            digest = _hash_file(target)
        else:
            digest = _copy_hashing(item, target)
        staged_size, digest = (_as_part10(item, target, digest) if wrap_part10
                               else (item.size, digest))
        done += item.size
        if progress is not None:
            progress(done, total)
        staged.append(replace(item, staged_path=str(target), sha256=digest, mtime_ns=None,
                              size=staged_size))
        if on_item is not None:
            on_item(index, staged[-1])
    return staged


def _as_part10(item: JobItem, target: Path, digest: str) -> tuple[int, str]:
    """Wrap a staged bare DICOM dataset into a Part-10 file; returns (size, SHA-256) of the staged file.

    The manifest must describe the bytes that are uploaded, so a wrapped file
    is hashed again. Documents and Part-10 files come back unchanged.
    """
    if item.kind != "dicom" or not wrap_file_in_place(target):
        return item.size, digest
    return target.stat().st_size, _hash_file(target)


def hash_in_place(job: Job, *, progress: Progress | None = None,
                  should_stop: Callable[[], None] | None = None,
                  on_item: ItemReady | None = None) -> list[JobItem]:
    """Hash JOB's files where they are (no staging); records size and mtime."""
    total = sum(i.size for i in job.items)
    done = 0
    hashed: list[JobItem] = []
    for item in job.items:
        if should_stop is not None:
            should_stop()
        if item.zip_member is not None:
            raise StagingError("zip_needs_staging")
        path = Path(item.source_path)
        before = _stat(path)
        digest = _hash_file(path)
        if _stat(path) != before:
            raise SourceChangedError("source_changed_while_reading", path=str(path))
        done += item.size
        if progress is not None:
            progress(done, total)
        hashed.append(replace(item, size=before[0], mtime_ns=before[1], sha256=digest,
                              staged_path=None))
        if on_item is not None:
            on_item(len(hashed) - 1, hashed[-1])
    return hashed


def check_unchanged(items: list[JobItem]) -> None:
    """Raise ``SourceChangedError`` if an unstaged file changed since it was hashed."""
    for item in items:
        if item.staged_path is not None or item.mtime_ns is None:
            continue
        path = Path(item.source_path)
        try:
            now = _stat(path)
        except FileNotFoundError:
            raise SourceChangedError("source_gone", path=str(path)) from None
        if now != (item.size, item.mtime_ns):
            raise SourceChangedError("source_changed", path=str(path))


def freeze_manifest(job: Job, items: list[JobItem],
                    left_out: set[str] = frozenset()) -> tuple[bytes, str, int]:
    """Build the manifest for prepared ITEMS; returns (manifest, fingerprint, bundle length).

    Instances whose SHA-256 is in LEFT_OUT (the portal holds them) are not sent.
    """
    manifest = build_manifest(study_instance_uid=job.study_instance_uid, note=job.note,
                              items=items, created=datetime.now(timezone.utc),
                              left_out=left_out)
    bundle = VirtualBundle.for_items(manifest, items)
    return manifest, fingerprint(manifest), len(bundle)


def staged_path_of(root: Path, job: Job, item: JobItem) -> str:
    """Where ITEM's bytes are read from for the upload (staged copy or the file itself)."""
    if job.use_staging:
        return str(job_staging_folder(root, job.id) / item.name)
    return item.source_path


def created_of(job: Job) -> datetime:
    """The job's creation time: the manifest's ``created`` of a pipelined bundle.

    Fixed for the job's life, so a resumed upload builds the same bytes.
    """
    return datetime.strptime(job.created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def pipelined_bundle(job: Job, root: Path) -> VirtualBundle:
    """The bundle of JOB sent while it is still being staged: manifest last, a placeholder.

    Member sizes come from the scan; the placeholder manifest has every
    SHA-256 as zeros, which gives it exactly the final manifest's length.
    ``set_manifest`` puts the real one in place once every file is hashed.
    """
    placeholder = [replace(i, sha256="0" * 64) for i in job.items]
    manifest = build_manifest(study_instance_uid=job.study_instance_uid, note=job.note,
                              items=placeholder, created=created_of(job), manifest_last=True)
    return VirtualBundle(manifest, [(i.name, staged_path_of(root, job, i), i.size)
                                    for i in job.items], manifest_last=True)


def final_manifest(job: Job, items: list[JobItem]) -> bytes:
    """The real manifest of a pipelined bundle once ITEMS are all hashed."""
    return build_manifest(study_instance_uid=job.study_instance_uid, note=job.note,
                          items=items, created=created_of(job), manifest_last=True)


def remove_staging(root: Path, job_id: int) -> None:
    """Delete a job's staging folder (after it is done or cancelled)."""
    shutil.rmtree(job_staging_folder(root, job_id), ignore_errors=True)


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _complete(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(COPY_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _copy_hashing(item: JobItem, target: Path) -> str:
    """Copy one source file to TARGET (via a temporary name), returning its SHA-256.

    This is the one place where a file's bytes pass from the medium to the
    staging area: a per-file transform (e.g. wrapping a bare dataset as
    Part-10) belongs here. Note that a transform that changes a file's size
    must be known before the pipelined upload starts (see
    ``pipelined_bundle``), since the bundle's length is announced up front.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    copied = 0
    try:
        source = open_source(item.source_path, item.zip_member)
    except OSError as exc:
        raise StagingError("medium_unreadable", path=item.source_path,
                           detail=str(exc.strerror or exc)) from exc
    try:
        with open(partial, "wb") as out:
            while True:
                try:
                    block = source.read(COPY_BLOCK)
                except OSError as exc:
                    raise StagingError("medium_read_failed", path=item.source_path,
                                       detail=str(exc.strerror or exc)) from exc
                if not block:
                    break
                digest.update(block)
                out.write(block)
                copied += len(block)
        if copied != item.size:
            raise StagingError("medium_changed", path=item.source_path, copied=copied,
                               expected=item.size)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if _is_disk_full(exc):
            raise DiskFullError("staging_disk_ran_full", path=str(target.parent.parent)) from exc
        raise StagingError("staging_copy_failed", path=item.source_path,
                           detail=str(exc.strerror or exc)) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        close_source(source)
    return digest.hexdigest()
