"""Local archives of downloaded studies: readable folders, DICOM media with DICOMDIR, ZIP.

* ``layout``  – where each instance goes (readable names or ISO 9660 media names);
* ``names``   – names safe on every file system, ISO 9660 components;
* ``dicomdir`` – a fast DICOMDIR writer (two-pass offsets, no pydicom FileSet);
* ``writer``  – places files (copy/move) and writes the DICOMDIR;
* ``zipwriter`` – the readable layout as a streamed ZIP.
"""

from downloadmanager.core.archive.dicomdir import DicomdirError, write_dicomdir
from downloadmanager.core.archive.layout import PlannedFile, plan_media, plan_readable
from downloadmanager.core.archive.writer import ArchiveError, place_files, write_media
from downloadmanager.core.archive.zipwriter import write_zip

__all__ = [
    "ArchiveError",
    "DicomdirError",
    "PlannedFile",
    "place_files",
    "plan_media",
    "plan_readable",
    "write_dicomdir",
    "write_media",
    "write_zip",
]
