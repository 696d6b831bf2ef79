"""Write a planned layout to disk: files (copied or moved) and, for media, a DICOMDIR.

The writer only places files where a :mod:`.layout` plan says, below one
root folder, with owner-only permissions. Relative paths are checked to stay
below the root (defence in depth: plans are built from sanitised names).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from downloadmanager.core.archive.dicomdir import write_dicomdir
from downloadmanager.core.archive.layout import PlannedFile
from downloadmanager.core.archive.private_files import (
    make_private_dir,
    make_private_dirs_below,
    make_private_file,
    open_private,
)
from downloadmanager.core.part10 import copy_as_part10
from downloadmanager.core.scan import open_instance

_COPY_CHUNK = 1 << 20


class ArchiveError(Exception):
    """An archive cannot be written (message says what and where)."""


def resolve_below(root: Path, relpath: PurePosixPath) -> Path:
    """ROOT/RELPATH, refusing absolute paths, ``..`` and anything that leaves ROOT."""
    if relpath.is_absolute() or any(part in ("", ".", "..") for part in relpath.parts):
        raise ArchiveError(f"refusing unsafe relative path {relpath}")
    target = root.joinpath(*relpath.parts)
    root_resolved = root.resolve()
    if not target.resolve().is_relative_to(root_resolved):
        raise ArchiveError(f"refusing path outside the target folder: {relpath}")
    return target


def _copy_instance(item: PlannedFile, target: Path) -> None:
    with open_instance(item.instance) as src, open_private(target) as dst:
        copy_as_part10(src, dst, _COPY_CHUNK)  # a DICOMDIR may reference Part-10 files only


def place_files(planned: list[PlannedFile], root: Path, *, move: bool = False,
                progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Put every planned file below ROOT; return the written paths.

    ``move=True`` renames plain files (same file system, e.g. out of the
    partial area) instead of copying them; ZIP members are always copied.
    """
    make_private_dir(root)
    written = []
    made: set[Path] = set()
    for n, item in enumerate(planned, start=1):
        target = resolve_below(root, item.relpath)
        if target.parent not in made:
            make_private_dirs_below(root, target.parent)
            made.add(target.parent)
        source = item.instance.source
        if move and source.member is None:
            os.replace(source.path, target)
            make_private_file(target)
        else:
            _copy_instance(item, target)
        written.append(target)
        if progress:
            progress(n, len(planned))
    return written


def write_media(planned: list[PlannedFile], root: Path, *, move: bool = False,
                fileset_id: str = "DOWNLOADMGR",
                progress: Callable[[int, int], None] | None = None) -> Path:
    """Write a viewer-ready medium below ROOT: DICOM/... files and ROOT/DICOMDIR.

    PLANNED must come from :func:`~downloadmanager.core.archive.layout.plan_media`.
    Returns the DICOMDIR path.
    """
    place_files(planned, root, move=move, progress=progress)
    return write_dicomdir(planned, root, fileset_id=fileset_id)
