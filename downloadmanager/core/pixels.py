"""Decoding pixel data of every common transfer syntax: the one place the client does it.

pydicom decodes uncompressed, deflated and baseline JPEG images with numpy
and Pillow alone; JPEG Lossless (1.2.840.10008.1.2.4.70, the usual syntax of
CT/MR CDs), JPEG Extended 12-bit (.4.51), JPEG-LS (.4.80/.4.81), JPEG 2000
(.4.90/.4.91) and RLE (.5) need the pylibjpeg plugins, which are dependencies
of the program (``pyproject.toml``). pydicom finds them by itself; this module
makes that explicit (:func:`decoder_status`), turns every failure into one
short :class:`PixelDecodeError`, and keeps pydicom's ERROR-level traceback
for a failing plugin out of the user's terminal (:func:`quiet_pydicom_decoder_log`).

Used by the thumbnails (:mod:`downloadmanager.core.thumbnails`) and by
decompress-before-send (:mod:`downloadmanager.core.dicomnet.encoding`). The
portal has its own tiny twin (``portal/dicom_pixels.py``) because it must not
import the client.
"""

from __future__ import annotations

import warnings

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from downloadmanager.core.pydicom_log import quiet_pydicom_decoder_log

#: Transfer syntaxes the installed decoders handle, with the plugin that does it.
COMPRESSED_DECODERS = {
    "1.2.840.10008.1.2.4.50": "pillow / pylibjpeg-libjpeg",   # JPEG Baseline
    "1.2.840.10008.1.2.4.51": "pylibjpeg-libjpeg",            # JPEG Extended (12 bit)
    "1.2.840.10008.1.2.4.57": "pylibjpeg-libjpeg",            # JPEG Lossless
    "1.2.840.10008.1.2.4.70": "pylibjpeg-libjpeg",            # JPEG Lossless SV1
    "1.2.840.10008.1.2.4.80": "pylibjpeg-libjpeg",            # JPEG-LS Lossless
    "1.2.840.10008.1.2.4.81": "pylibjpeg-libjpeg",            # JPEG-LS Near-Lossless
    "1.2.840.10008.1.2.4.90": "pylibjpeg-openjpeg",           # JPEG 2000 Lossless
    "1.2.840.10008.1.2.4.91": "pylibjpeg-openjpeg",           # JPEG 2000
    "1.2.840.10008.1.2.4.201": "pylibjpeg-openjpeg",          # HTJ2K Lossless
    "1.2.840.10008.1.2.4.202": "pylibjpeg-openjpeg",          # HTJ2K Lossless RPCL
    "1.2.840.10008.1.2.4.203": "pylibjpeg-openjpeg",          # HTJ2K
    "1.2.840.10008.1.2.5": "pydicom (numpy)",                 # RLE Lossless (see RLE_LOSSLESS)
}

#: Compressed syntaxes whose decoded pixels equal the original ones bit for bit.
LOSSLESS = frozenset({
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
    "1.2.840.10008.1.2.5",
})


#: RLE is decoded by pydicom's own (numpy) decoder: pylibjpeg-rle 2.2 panics - a Rust
#: panic with a backtrace on stderr - on RLE segments that run past the frame, which the
#: fuzz suite (tests/fuzz) produces; pydicom's decoder raises a plain error instead.
RLE_LOSSLESS = "1.2.840.10008.1.2.5"


class PixelDecodeError(Exception):
    """The pixel data of a dataset cannot be decoded; the message says why in one line."""


# The filter lives in core/pydicom_log.py (no pydicom import there): installed on import.
quiet_pydicom_decoder_log()


def transfer_syntax_of(ds: Dataset) -> str:
    """The transfer syntax UID of DS ('' when unknown)."""
    meta = getattr(ds, "file_meta", None)
    return str(getattr(meta, "TransferSyntaxUID", "") or "")


def can_decode(transfer_syntax: str) -> bool:
    """True when pixel data in TRANSFER_SYNTAX can be decoded with the installed packages."""
    uid = UID(transfer_syntax)
    if not uid.is_compressed:
        return True
    from pydicom.pixels import get_decoder

    try:
        return get_decoder(uid).is_available
    except (NotImplementedError, ValueError):
        return False


#: Refuse to decode images whose declared size is beyond this (a damaged Rows/Columns/frames).
MAX_DECODED_BYTES = 4 << 30
#: ... or more than this many times the bytes of pixel data actually present (compressed or not).
MAX_EXPANSION = 1024


def check_declared_size(ds: Dataset) -> None:
    """Raise :class:`PixelDecodeError` when the image attributes promise more than the data can hold.

    The decoders allocate the output from Rows x Columns x Samples x Bits x
    Frames before looking at the data; a flipped bit in one of them must not
    make the program allocate gigabytes.
    """
    try:
        rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        bits = int(ds.get("BitsAllocated", 8) or 8)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except Exception as exc:  # noqa: BLE001 - damaged values raise many kinds in pydicom
        raise PixelDecodeError(f"invalid image attributes ({type(exc).__name__})") from None
    declared = rows * cols * samples * max(1, (bits + 7) // 8) * max(1, frames)
    present = 0
    for keyword in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        try:
            value = ds.get(keyword)
        except Exception:  # noqa: BLE001 - a damaged element: the decoder will say so
            continue
        if isinstance(value, (bytes, bytearray)):
            present = len(value)
            break
    if declared > MAX_DECODED_BYTES or (present and declared > present * MAX_EXPANSION + (16 << 20)):
        raise PixelDecodeError(f"the image declares {declared} bytes of pixels, "
                               f"but only {present} bytes of pixel data are present")


def decode_pixels(ds: Dataset) -> np.ndarray:
    """The pixel array of DS, decoded whatever its transfer syntax; raise :class:`PixelDecodeError`."""
    check_declared_size(ds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if transfer_syntax_of(ds) == RLE_LOSSLESS:
                ds.pixel_array_options(decoding_plugin="pydicom")
            return ds.pixel_array
    except MemoryError:
        raise PixelDecodeError("the image is too large to decode") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - broken data, missing plugin, odd attributes;
        # BaseException: a Rust decoder's panic (pyo3 PanicException) is not an Exception.
        raise PixelDecodeError(_short_reason(exc)) from None


def decompress_in_place(ds: Dataset) -> None:
    """Decompress DS's pixel data to Explicit VR Little Endian (pydicom ``decompress``).

    The SOP Instance UID stays: decompressing creates no new image (pydicom 3
    would generate a new UID by default, and the C-STORE request names the old one).
    """
    check_declared_size(ds)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plugin = "pydicom" if transfer_syntax_of(ds) == RLE_LOSSLESS else ""
            ds.decompress(generate_instance_uid=False, decoding_plugin=plugin)
    except MemoryError:
        raise PixelDecodeError("the image is too large to decompress") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - includes pyo3 PanicException (see decode_pixels)
        raise PixelDecodeError(_short_reason(exc)) from None


def _short_reason(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # pydicom's "Unable to decode as exceptions were raised by all available plugins:" is
    # followed by one line per plugin; the plugin's line says what was wrong.
    text = lines[-1] if len(lines) > 1 else (lines[0] if lines else type(exc).__name__)
    return text[:300]


def decoder_status() -> dict[str, bool]:
    """Transfer syntax UID -> decodable here (for the About page and diagnostics)."""
    return {uid: can_decode(uid) for uid in COMPRESSED_DECODERS}
