"""Move verified downloads from the partial area into the target folder, in whole units.

Everything is first built complete inside the partial area (``out/``); then
each unit is renamed into the target in one step (same file system, so the
rename is atomic): a study folder of the readable layout, a whole medium
folder (with its DICOMDIR), or a ZIP file. So the target only ever shows
finished units. Existing folders and files are never overwritten: a second
download of the same study gets a ``_2`` suffix.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from downloadmanager.core.archive import ArchiveError, PlannedFile, plan_media, plan_readable, write_dicomdir
from downloadmanager.core.archive.layout import patient_folder_name
from downloadmanager.core.archive.names import safe_component
from downloadmanager.core.archive.private_files import make_private_dir, make_private_dirs_below, make_private_file
from downloadmanager.core.archive.zipwriter import write_zip, zip_folder
from downloadmanager.core.download.partial import PartialArea
from downloadmanager.core.scan import ScanResult

LAYOUTS = ("folder", "media")
DOCUMENTS_FOLDER = "Dokumente"


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """How the downloaded studies are laid out in the target folder."""

    layout: str = "folder"  # "folder" (readable) or "media" (DICOMDIR, ISO names)
    zip: bool = False
    zip_compression: str = "stored"


def _free_name(folder: Path, name: str, suffix: str = "") -> Path:
    candidate = folder / f"{name}{suffix}"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{name}_{n}{suffix}"
    return candidate


def _unit_name(catalog: ScanResult) -> str:
    patients = sorted(catalog.patients, key=lambda p: p.patient_name)
    base = patient_folder_name(patients[0]) if patients else "Download"
    if len(patients) > 1:
        base += f"_und_{len(patients) - 1}_weitere"
    return base


def publish(catalog: ScanResult, documents: dict[str, list[tuple[str, Path]]], area: PartialArea,
            options: OutputOptions) -> list[Path]:
    """Lay out CATALOG (files in the partial area) as asked and move it into the target.

    ``documents`` maps a Study Instance UID to its (original name, file) pairs;
    they go into a ``Dokumente`` folder of the study (readable layout) or of
    the medium. Returns the published paths (folders or a ZIP file).
    """
    target = area.target
    out = area.out_dir()
    if options.layout == "media":
        medium = out / "medium"
        planned = plan_media(catalog)
        _move_into_layout(planned, medium)
        write_dicomdir(planned, medium, fileset_id="DOWNLOADMGR")
        docs = [d for pairs in documents.values() for d in pairs]
        _place_documents(docs, medium / "DOKUMENT")
        if options.zip:
            zipped = zip_folder(medium, out / "medium.zip", compression=options.zip_compression)
            return [_move(zipped, _free_name(target, _unit_name(catalog) + "_DICOM", ".zip"))]
        return [_move(medium, _free_name(target, _unit_name(catalog) + "_DICOM"))]
    planned = plan_readable(catalog)
    if options.zip:
        zipped = write_zip(planned, out / "study.zip", compression=options.zip_compression)
        return [_move(zipped, _free_name(target, _unit_name(catalog), ".zip"))]
    _move_into_layout(planned, out / "tree")
    study_parts = {item.study.study_instance_uid: item.relpath.parts[:2] for item in planned}
    study_dirs = {uid: out.joinpath("tree", *parts) for uid, parts in study_parts.items()}
    for uid, docs in documents.items():
        if uid in study_dirs:
            _place_documents(docs, study_dirs[uid] / DOCUMENTS_FOLDER)
    published = []
    for study_dir in study_dirs.values():
        patient_dir = make_private_dir(target / study_dir.parent.name)
        published.append(_move(study_dir, _free_name(patient_dir, study_dir.name)))
    return published


def _move_into_layout(planned: list[PlannedFile], root: Path) -> None:
    """Rename every verified file of the partial area to its place in the layout below ROOT.

    Cheaper than the general writer (no ``resolve()`` of every path, no
    second chmod): ROOT is a fresh folder of our own in the partial area,
    the files are ours and already owner-only, and each relative path is
    checked to be plain components built by the layout planner. Paths are
    joined as strings: for 2,000 files, building ``Path`` objects cost more
    than the renames themselves.
    """
    make_private_dir(root)
    made: set[tuple[str, ...]] = set()
    base = os.fspath(root)
    for item in planned:
        parts = item.relpath.parts
        if item.relpath.is_absolute() or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in parts):
            raise ArchiveError(f"refusing unsafe relative path {item.relpath}")
        folder_parts = parts[:-1]
        if folder_parts not in made:
            make_private_dirs_below(root, root.joinpath(*folder_parts))
            made.add(folder_parts)
        os.replace(os.fspath(item.instance.source.path), os.path.join(base, *parts))


def _place_documents(docs: list[tuple[str, Path]], folder: Path) -> None:
    if not docs:
        return
    make_private_dir(folder)
    taken: set[str] = set()
    for label, path in docs:
        stem, dot, ext = label.rpartition(".")
        name = safe_component(stem if dot else label, fallback="Dokument")
        ext = safe_component(ext, fallback="", max_len=8) if dot else ""
        candidate = f"{name}.{ext}" if ext else name
        n = 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{name}_{n}.{ext}" if ext else f"{name}_{n}"
        taken.add(candidate.casefold())
        os.replace(path, folder / candidate)
        make_private_file(folder / candidate)


def _move(source: Path, destination: Path) -> Path:
    """Rename SOURCE to DESTINATION (same file system: one atomic step)."""
    try:
        os.rename(source, destination)
    except OSError:
        # Different file system (should not happen: the partial area is inside
        # the target). Copy to a hidden name first, then rename.
        hidden = destination.with_name("." + destination.name + ".moving")
        if source.is_dir():
            shutil.copytree(source, hidden)
            shutil.rmtree(source)
        else:
            shutil.copy2(source, hidden)
            source.unlink()
        os.rename(hidden, destination)
    return destination
