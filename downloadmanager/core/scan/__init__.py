"""The media scanner: find every DICOM instance on a CD, folder or ZIP, and what is wrong.

Typical use::

    from downloadmanager.core.scan import scan, open_instance

    result = scan("/media/cdrom", progress=print)
    for patient in result.patients:
        for study in patient.studies.values():
            ...
    with open_instance(result.instances()[0]) as f:
        data = f.read()

``scan`` raises ``ScanError`` only when the medium as a whole cannot be read
and ``ScanCancelled`` when cancelled; problems with single files are listed in
``ScanResult.problems``.
"""

from downloadmanager.core.scan.errors import HeaderError, ScanCancelled, ScanError
from downloadmanager.core.scan.model import (
    Instance,
    InstanceSource,
    Patient,
    Problem,
    ProblemKind,
    ScanProgress,
    ScanResult,
    Series,
    Study,
)
from downloadmanager.core.scan.opener import open_instance
from downloadmanager.core.scan.scanner import scan

__all__ = [
    "HeaderError",
    "HeaderInfo",
    "Instance",
    "InstanceSource",
    "Patient",
    "Problem",
    "ProblemKind",
    "ScanCancelled",
    "ScanError",
    "ScanProgress",
    "ScanResult",
    "Series",
    "Study",
    "open_instance",
    "read_header",
    "scan",
]


def __getattr__(name: str):
    # HeaderInfo and read_header come from header.py, which imports pydicom:
    # loaded when first asked for, so importing the scanner stays cheap.
    if name in ("HeaderInfo", "read_header"):
        from dicomkit import header

        return getattr(header, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
