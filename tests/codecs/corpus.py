"""pydicom's own test files with pixel data, sorted by what the installed decoders make of them.

A corpus nobody here wrote: every file whose pixels the reference decoders
(pydicom with the pylibjpeg plugins, the program's dependencies) can decode
must get a thumbnail and reach a PACS intact.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from pydicom.data import get_testdata_files

from downloadmanager.core.pixels import LOSSLESS

#: The compressed syntaxes the corpus must contain decodable samples of (else the test proves little).
REQUIRED_SYNTAXES = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5",
}


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    transfer_syntax: str
    sop_class: str
    sop_instance: str
    sendable: bool  # has the study/series UIDs the scanner requires (else it names it as a problem)

    @property
    def lossless(self) -> bool:
        return self.transfer_syntax in LOSSLESS or not pydicom.uid.UID(self.transfer_syntax).is_compressed


def reference_pixels(path: Path) -> np.ndarray:
    """Decode PATH with pydicom and the installed plugins (the reference)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, force=True).pixel_array


@lru_cache(maxsize=1)
def decodable_files() -> tuple[CorpusFile, ...]:
    """Corpus files with pixel data that the reference decoders decode."""
    out = []
    for name in sorted(get_testdata_files()):
        path = Path(name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, force=True)
                if "PixelData" not in ds or "SOPInstanceUID" not in ds or "SOPClassUID" not in ds:
                    continue
                ds.pixel_array  # noqa: B018 - decodable by the reference?
        except Exception:  # noqa: BLE001 - not decodable: outside this test's scope
            continue
        ts = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")
        if ts:
            sendable = "StudyInstanceUID" in ds and "SeriesInstanceUID" in ds
            out.append(CorpusFile(path, ts, str(ds.SOPClassUID), str(ds.SOPInstanceUID), sendable))
    return tuple(out)


def rounds(files: tuple[CorpusFile, ...]) -> list[list[CorpusFile]]:
    """FILES split so that no SOP Instance UID occurs twice in one group.

    The corpus has the same image in several syntaxes under one UID; a PACS
    (and the scanner) treat those as one instance, so each goes in its own send.
    """
    groups: list[list[CorpusFile]] = []
    for f in files:
        for group in groups:
            if all(g.sop_instance != f.sop_instance for g in group):
                group.append(f)
                break
        else:
            groups.append([f])
    return groups
