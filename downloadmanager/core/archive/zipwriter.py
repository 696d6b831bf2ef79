"""Write a planned layout as one ZIP file, streamed (never whole in memory).

Members are written through ``zipfile.ZipFile.open(name, "w")`` in 1 MiB
chunks, so memory use stays flat for studies of any size; ZIP64 is enabled
for archives and members beyond 4 GiB. DICOM pixel data rarely shrinks much
under deflate, so ``stored`` (no compression) is the default: it is several
times faster and every unzip tool handles it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from downloadmanager.core.archive.layout import PlannedFile
from downloadmanager.core.archive.private_files import make_private_file
from downloadmanager.core.part10 import copy_as_part10
from downloadmanager.core.scan import open_instance

_CHUNK = 1 << 20
COMPRESSIONS = {"stored": zipfile.ZIP_STORED, "deflate": zipfile.ZIP_DEFLATED}


def write_zip(planned: list[PlannedFile], target: Path, *, compression: str = "stored",
              extra_files: dict[str, bytes] | None = None,
              progress: Callable[[int, int], None] | None = None) -> Path:
    """Write every planned file into the ZIP TARGET (atomically: temp file, then rename).

    ``extra_files`` maps member names to small contents (e.g. a DICOMDIR).
    """
    method = COMPRESSIONS[compression]
    fd, tmp = tempfile.mkstemp(prefix=".zip-", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        make_private_file(Path(tmp))
        with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True,
                             compresslevel=6 if method == zipfile.ZIP_DEFLATED else None) as zf:
            for n, item in enumerate(planned, start=1):
                info = zipfile.ZipInfo(str(item.relpath))
                info.compress_type = method
                info.external_attr = 0o600 << 16
                # A known size lets zipfile switch to ZIP64 only where needed.
                info.file_size = item.instance.size
                with open_instance(item.instance) as src, zf.open(info, "w") as dst:
                    copy_as_part10(src, dst, _CHUNK)  # bare datasets get their meta group
                if progress:
                    progress(n, len(planned))
            for name, data in (extra_files or {}).items():
                info = zipfile.ZipInfo(name)
                info.compress_type = method
                info.external_attr = 0o600 << 16
                zf.writestr(info, data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def zip_folder(folder: Path, target: Path, *, compression: str = "stored") -> Path:
    """Write every file below FOLDER into the ZIP TARGET (names relative to FOLDER), streamed."""
    method = COMPRESSIONS[compression]
    fd, tmp = tempfile.mkstemp(prefix=".zip-", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        make_private_file(Path(tmp))
        with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True) as zf:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(path.relative_to(folder).as_posix())
                info.compress_type = method
                info.external_attr = 0o600 << 16
                info.file_size = path.stat().st_size
                with open(path, "rb") as src, zf.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
