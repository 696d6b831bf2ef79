"""A synthetic CT series that looks like a body (for viewers, thumbnails, benchmarks).

Air around an elliptic body of soft tissue, two lungs, a spine and a marker
that moves from slice to slice, so consecutive images differ and every
window preset shows something different. Generated in code: no patient data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.uid import generate_uid

from tests.dicom_factory import StudySpec, make_ct_dataset


def ct_slice(size: int, index: int, count: int) -> np.ndarray:
    """Hounsfield units of slice INDEX of COUNT (size x size)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    hu = np.full((size, size), -1000.0, dtype=np.float32)
    body = (xx / 0.42) ** 2 + (yy / 0.33) ** 2 <= 1
    hu[body] = 40.0 + 25.0 * np.sin(xx[body] * 40)  # soft tissue with some texture
    for side in (-1, 1):  # lungs
        lung = ((xx - side * 0.18) / 0.13) ** 2 + ((yy + 0.02) / 0.2) ** 2 <= 1
        hu[lung] = -820.0
    spine = (xx / 0.06) ** 2 + ((yy - 0.22) / 0.06) ** 2 <= 1
    hu[spine] = 900.0
    t = index / max(1, count - 1)  # a vessel that wanders through the series
    marker = ((xx - (-0.25 + 0.5 * t)) / 0.04) ** 2 + ((yy + 0.15) / 0.04) ** 2 <= 1
    hu[marker] = 300.0
    return hu


def write_ct_series(folder: Path, spec: StudySpec, *, count: int = 12, size: int = 128,
                    description: str = "Thorax nativ") -> list[Path]:
    """Write COUNT slices of SIZE x SIZE as Part-10 files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = generate_uid()
    paths = []
    for i in range(count):
        ds = make_ct_dataset(spec, series_uid=series_uid, series_number=2, instance_number=i + 1,
                             rows=size, columns=size, series_description=description)
        stored = np.clip(ct_slice(size, i, count) + 1024, 0, 4095).astype(np.uint16)
        ds.PixelData = stored.tobytes()
        path = folder / f"CT{i + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
