"""Small preview images of DICOM instances, Qt-free.

The GUI shows one thumbnail per series (a middle image of it). Decoding and
windowing happen here, with pydicom and numpy only, so the function runs on a
worker thread and is tested without Qt. The GUI turns the returned array into
a ``QImage``.

A thumbnail is a ``numpy.uint8`` array, ``(rows, columns)`` for grey images
and ``(rows, columns, 3)`` for RGB. ``None`` means "cannot be shown": no pixel
data (structured reports, encapsulated PDF), a broken file, or a syntax no
installed decoder handles (:mod:`downloadmanager.core.pixels` lists them:
JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE are all covered). Callers show a placeholder then.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from dicomkit.bounded_io import BoundedReader, open_bounded
from downloadmanager.core.pixels import PixelDecodeError, decode_pixels
from downloadmanager.core.scan.model import InstanceSource
from downloadmanager.core.scan.opener import open_source
from downloadmanager.core.thumbnail_pick import DEFAULT_SIZE, middle_item  # noqa: F401

log = logging.getLogger(__name__)



def thumbnail_from_source(source: bytes | str | os.PathLike | BinaryIO,
                          size: int = DEFAULT_SIZE) -> np.ndarray | None:
    """Decode a DICOM file (bytes, path or binary file object) into a thumbnail.

    Returns ``None`` when the file cannot be read or shown; never raises for
    bad input, because one odd file must not break the preview of a CD.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        try:
            with open_bounded(source) as reader:
                return _from_reader(reader, size)
        except OSError as exc:
            log.debug("thumbnail: cannot open file (%s)", type(exc).__name__)
            return None
    elif not isinstance(source, io.BytesIO):
        # A real file: reads bounded by its size (a damaged length must not allocate gigabytes).
        try:
            source = BoundedReader(source)
        except (OSError, ValueError, AttributeError) as exc:
            log.debug("thumbnail: cannot measure file (%s)", type(exc).__name__)
            return None
    return _from_reader(source, size)


def _from_reader(source, size: int) -> np.ndarray | None:
    try:
        # force=True: files without the Part-10 preamble are common on old CDs.
        ds = pydicom.dcmread(source, force=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file just has no preview
        log.debug("thumbnail: cannot read file (%s)", type(exc).__name__)
        return None
    return thumbnail_from_dataset(ds, size)


def thumbnails_for_sources(sources: Sequence[InstanceSource],
                           size: int = DEFAULT_SIZE) -> list[np.ndarray | None]:
    """Thumbnails of several instances (files or ZIP members), one entry per source.

    This is the function the thumbnail process pool runs (it is picklable
    and Qt-free); it also runs in-process for tests. An unreadable source
    (removed CD, damaged archive) gives ``None`` like an undecodable image.
    """
    results: list[np.ndarray | None] = []
    for source in sources:
        try:
            with open_source(source) as stream:
                results.append(thumbnail_from_source(stream, size))
        except (OSError, zipfile.BadZipFile, KeyError) as exc:
            log.debug("thumbnail: cannot open source (%s)", type(exc).__name__)
            results.append(None)
    return results


def thumbnail_from_dataset(ds: Dataset, size: int = DEFAULT_SIZE) -> np.ndarray | None:
    """Window, scale and convert the image of DS into a thumbnail of at most SIZE px.

    Grey images use the first Window Center/Width of the file (after the
    modality rescale), otherwise the image's minimum and maximum; MONOCHROME1
    is inverted so that it looks like it does on a viewer. Multi-frame images
    show their middle frame.
    """
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        return None
    try:
        pixels = decode_pixels(ds)
    except PixelDecodeError as exc:  # missing codec, truncated data, odd encodings
        log.debug("thumbnail: cannot decode pixel data (%s)", exc)
        return None
    try:
        image = _to_display_image(ds, pixels)
    except Exception as exc:  # noqa: BLE001 - inconsistent attributes in the file
        log.debug("thumbnail: cannot convert pixel data (%s: %s)", type(exc).__name__, exc)
        return None
    if image is None:
        return None
    return scale_to_fit(image, size)


def _to_display_image(ds: Dataset, pixels: np.ndarray) -> np.ndarray | None:
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        pixels = pixels[(frames - 1) // 2]
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()

    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        return _stretch_to_uint8(apply_color_lut(pixels, ds))
    if samples == 3:
        # pydicom converts YBR_FULL(_422) to RGB when decoding; other spaces are rare.
        if pixels.ndim != 3 or pixels.shape[-1] != 3:
            return None
        if pixels.dtype == np.uint8:
            return np.ascontiguousarray(pixels)
        return _stretch_to_uint8(pixels)
    if pixels.ndim != 2:
        return None
    return _window_grey(ds, pixels, invert=photometric == "MONOCHROME1")


def _window_grey(ds: Dataset, pixels: np.ndarray, *, invert: bool) -> np.ndarray:
    from pydicom.pixels import apply_modality_lut

    values = np.asarray(apply_modality_lut(pixels, ds), dtype=np.float64)
    window = _first_window(ds)
    if window is not None:
        center, width = window
        # DICOM PS3.3 C.11.2.1.2.1: linear VOI function.
        low = center - 0.5 - (width - 1) / 2
        high = center - 0.5 + (width - 1) / 2
    else:
        low, high = float(values.min()), float(values.max())
    if high <= low:
        scaled = np.zeros(values.shape, dtype=np.float64)
    else:
        scaled = (values - low) / (high - low)
    out = np.clip(scaled * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if invert:
        out = 255 - out
    return out


def _first_window(ds: Dataset) -> tuple[float, float] | None:
    center = ds.get("WindowCenter")
    width = ds.get("WindowWidth")
    if center is None or width is None:
        return None
    try:
        c = float(center[0] if isinstance(center, Sequence) and not isinstance(center, str) else center)
        w = float(width[0] if isinstance(width, Sequence) and not isinstance(width, str) else width)
    except (TypeError, ValueError, IndexError):
        return None
    if w < 1:
        return None
    return c, w


def _stretch_to_uint8(pixels: np.ndarray) -> np.ndarray:
    values = np.asarray(pixels, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    return np.clip((values - low) / (high - low) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def scale_to_fit(image: np.ndarray, size: int) -> np.ndarray:
    """Scale IMAGE (grey or RGB uint8) to fit into SIZE x SIZE, keeping its aspect ratio.

    Downscaling averages whole blocks first (so thin structures do not
    flicker away as with plain sampling), then samples the nearest pixel.
    """
    rows, cols = image.shape[:2]
    if rows == 0 or cols == 0:
        raise ValueError("empty image")
    factor = size / max(rows, cols)
    out_rows = max(1, round(rows * factor))
    out_cols = max(1, round(cols * factor))
    block = max(1, min(rows // out_rows, cols // out_cols))
    work = image
    if block > 1:
        crop_r, crop_c = (rows // block) * block, (cols // block) * block
        work = image[:crop_r, :crop_c]
        shape = (crop_r // block, block, crop_c // block, block) + image.shape[2:]
        work = work.reshape(shape).mean(axis=(1, 3))
    r_idx = (np.arange(out_rows) * work.shape[0] / out_rows).astype(np.intp)
    c_idx = (np.arange(out_cols) * work.shape[1] / out_cols).astype(np.intp)
    result = work[r_idx][:, c_idx]
    return np.ascontiguousarray(np.clip(np.rint(result), 0, 255).astype(np.uint8))
