"""The DICOMDIR of a media-layout download: catalog values into the shared encoder.

The records are encoded by :mod:`dicomkit.dicomdir` (the portal's ZIP
download uses the same encoder); this module turns the planned files of
:func:`~downloadmanager.core.archive.layout.plan_media` into its entries and
writes the file next to them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydicom import dcmread

from dicomkit.dicomdir import (
    DicomdirError,
    DirectoryEntry,
    PatientKeys,
    SeriesKeys,
    StudyKeys,
    dicomdir_bytes,
)
from downloadmanager.core.archive.layout import PlannedFile
from downloadmanager.core.archive.private_files import make_private_file

__all__ = ["DicomdirError", "directory_entry", "write_dicomdir"]


def directory_entry(planned: PlannedFile, root: Path) -> DirectoryEntry:
    """The DICOMDIR entry of one planned file below ROOT (records grouped like the catalog)."""
    p, st, se, instance = planned.patient, planned.study, planned.series, planned.instance
    file_id = tuple(planned.relpath.parts)
    source = root.joinpath(*file_id)
    return DirectoryEntry(
        file_id=file_id,
        patient=PatientKeys(p.patient_name, p.patient_id, p.birth_date, p.sex),
        study=StudyKeys(st.study_instance_uid, st.study_date, st.study_time,
                        st.accession_number, st.study_description),
        series=SeriesKeys(se.series_instance_uid, se.modality, se.series_number),
        sop_class_uid=instance.sop_class_uid,
        sop_instance_uid=instance.sop_instance_uid,
        transfer_syntax_uid=instance.transfer_syntax_uid,
        instance_number=instance.instance_number,
        read_header=lambda: dcmread(source, stop_before_pixels=True),
        # The catalog's own grouping (two patients with the same values stay two).
        patient_group=id(p), study_group=id(st), series_group=id(se),
    )


def write_dicomdir(planned: list[PlannedFile], root: Path, fileset_id: str = "") -> Path:
    """Write ROOT/DICOMDIR for files laid out by :func:`plan_media` below ROOT.

    Written to a temporary file first and renamed, so a DICOMDIR is either
    complete or absent. Returns its path.
    """
    data = dicomdir_bytes((directory_entry(item, root) for item in planned), fileset_id)
    target = root / "DICOMDIR"
    fd, tmp = tempfile.mkstemp(prefix=".DICOMDIR-", dir=root)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        make_private_file(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
