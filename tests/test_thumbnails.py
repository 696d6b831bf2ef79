"""Series thumbnails are decoded and windowed without Qt (downloadmanager.core.thumbnails)."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from downloadmanager.core.thumbnails import (
    middle_item,
    scale_to_fit,
    thumbnail_from_dataset,
    thumbnail_from_source,
)
from tests.dicom_factory import StudySpec, make_ct_dataset


def _ct(rows=64, columns=64, **attrs):
    ds = make_ct_dataset(StudySpec(), series_uid=generate_uid(), rows=rows, columns=columns)
    for key, value in attrs.items():
        setattr(ds, key, value)
    return ds


def _with_pixels(ds, pixels: np.ndarray):
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.PixelData = pixels.tobytes()
    return ds


def test_monochrome2_uses_window_center_and_width():
    # Stored 0..4095 with intercept -1024 -> HU -1024..3071; window 40/400 -> [-160, 240].
    ds = _ct(WindowCenter=40, WindowWidth=400)
    stored = np.array([[0, 1024 - 160], [1024 + 40, 4000]], dtype=np.uint16)
    _with_pixels(ds, stored)
    thumb = thumbnail_from_dataset(ds, size=2)
    assert thumb.dtype == np.uint8 and thumb.shape == (2, 2)
    assert thumb[0, 0] == 0          # far below the window: black
    assert thumb[0, 1] == 0          # the window's lower edge
    assert 125 <= thumb[1, 0] <= 130  # the window centre: mid grey
    assert thumb[1, 1] == 255        # above the window: white


def test_without_window_the_full_range_is_used():
    ds = _ct()
    del ds.WindowCenter
    del ds.WindowWidth
    _with_pixels(ds, np.array([[100, 200], [300, 500]], dtype=np.uint16))
    thumb = thumbnail_from_dataset(ds, size=2)
    assert thumb[0, 0] == 0 and thumb[1, 1] == 255
    assert thumb[0, 1] == round(100 / 400 * 255)


def test_monochrome1_is_inverted():
    pixels = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    mono2 = _with_pixels(_ct(), pixels.copy())
    del mono2.WindowCenter, mono2.WindowWidth
    mono1 = _with_pixels(_ct(PhotometricInterpretation="MONOCHROME1"), pixels.copy())
    del mono1.WindowCenter, mono1.WindowWidth
    a = thumbnail_from_dataset(mono2, size=2)
    b = thumbnail_from_dataset(mono1, size=2)
    assert a[0, 0] == 0 and b[0, 0] == 255
    np.testing.assert_array_equal(b, 255 - a)


def test_rgb_image_keeps_its_colours_and_aspect_ratio():
    ds = _ct()
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    del ds.RescaleIntercept, ds.RescaleSlope, ds.WindowCenter, ds.WindowWidth
    rgb = np.zeros((100, 200, 3), dtype=np.uint8)
    rgb[:, :100] = (255, 0, 0)
    rgb[:, 100:] = (0, 0, 255)
    _with_pixels(ds, rgb)
    thumb = thumbnail_from_dataset(ds, size=96)
    assert thumb.shape == (48, 96, 3)
    assert tuple(thumb[24, 10]) == (255, 0, 0)
    assert tuple(thumb[24, 90]) == (0, 0, 255)


def test_pydicom_rgb_sample_file_decodes():
    path = get_testdata_file("SC_rgb_rle.dcm")  # RLE is decoded by pydicom itself
    assert path is not None
    thumb = thumbnail_from_source(path, size=64)
    assert thumb.shape[2] == 3 and max(thumb.shape[:2]) == 64
    assert thumb.max() > 0


def test_compressed_file_without_codec_gives_none():
    from pydicom.pixels.decoders import JPEG2000LosslessDecoder

    path = get_testdata_file("MR_small_jp2klossless.dcm")
    assert path is not None
    thumb = thumbnail_from_source(path)
    if JPEG2000LosslessDecoder.is_available:
        assert thumb is not None and thumb.dtype == np.uint8
    else:
        assert thumb is None


def test_file_without_pixel_data_gives_none():
    ds = pydicom.dcmread(get_testdata_file("rtplan.dcm"))
    assert "PixelData" not in ds
    assert thumbnail_from_dataset(ds) is None


def test_garbage_bytes_give_none_instead_of_raising():
    assert thumbnail_from_source(b"this is not dicom at all") is None


def test_source_as_bytes_of_a_written_file():
    ds = _ct(rows=128, columns=128)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    thumb = thumbnail_from_source(buf.getvalue(), size=96)
    assert thumb.shape == (96, 96)
    assert thumb.min() < thumb.max()


def test_multi_frame_shows_the_middle_frame():
    ds = _ct()
    frames = np.stack([np.full((8, 8), v, dtype=np.uint16) for v in (0, 2000, 4000)])
    ds.NumberOfFrames = 3
    ds.Rows, ds.Columns = 8, 8
    ds.PixelData = frames.tobytes()
    del ds.WindowCenter, ds.WindowWidth
    ds.WindowCenter, ds.WindowWidth = 976, 4000  # HU of stored 2000 is 976: mid grey
    thumb = thumbnail_from_dataset(ds, size=8)
    assert thumb.shape == (8, 8)
    assert 120 <= int(thumb[4, 4]) <= 135


def test_scale_to_fit_averages_blocks():
    image = np.zeros((4, 4), dtype=np.uint8)
    image[::2, ::2] = 255  # a fine checkerboard averages to a quarter grey
    small = scale_to_fit(image, 2)
    assert small.shape == (2, 2)
    assert np.all(small == 64)


def test_middle_item():
    assert middle_item([1, 2, 3]) == 2
    assert middle_item([1, 2, 3, 4]) == 2
    with pytest.raises(ValueError):
        middle_item([])
