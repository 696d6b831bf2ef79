"""The catalog of downloaded studies, built from the headers read while they streamed in.

The media scanner would open every verified file once more to read its
header; the fetcher already parsed each header from the first bytes it
received (see :mod:`.verifier`), so the catalog is assembled from those with
the scanner's own :class:`~downloadmanager.core.scan.catalog.CatalogBuilder`.
The result is the same :class:`~downloadmanager.core.scan.ScanResult` a full
scan of the partial area's ``instances`` folder gives: same displays
(``<study>/<file>``), same grouping, duplicates and problems.
"""

from __future__ import annotations

from pathlib import Path

from downloadmanager.core.scan import HeaderError, InstanceSource, Problem, ProblemKind, ScanResult
from downloadmanager.core.scan.catalog import CatalogBuilder


def catalog_from_headers(root: Path, files: list[tuple[Path, int, object]]) -> ScanResult:
    """Catalog FILES: ``(path below ROOT, size, HeaderInfo or HeaderError)`` per instance."""
    builder = CatalogBuilder()
    problems: list[Problem] = []
    for path, size, header in sorted(files, key=lambda f: f[0].relative_to(root).as_posix()):
        display = path.relative_to(root).as_posix()
        if isinstance(header, HeaderError):
            problems.append(Problem(display, ProblemKind(header.kind), header.detail))
            continue
        if header.is_dicomdir:
            problems.append(Problem(display, ProblemKind.NOT_DICOM, "a DICOMDIR, not an image"))
            continue
        added = builder.add(header, InstanceSource(path, None, display), size, verified=True)
        if isinstance(added, Problem):
            problems.append(added)
    problems.sort(key=lambda p: (p.path, p.kind.value))
    return ScanResult(root=root, mode="full", patients=builder.patients(), problems=problems,
                      files_examined=len(files))
