"""Decoding pixel data on the portal (rendered images), with the same decoders as the client.

The portal must not import the client (``downloadmanager``), so this is the
small portal-side twin of ``downloadmanager/core/pixels.py``: pydicom with the
pylibjpeg plugins (JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE),
one short :class:`PixelDecodeError` for every failure, and pydicom's
ERROR-level traceback for a failing plugin turned into a DEBUG line.

Rendered-image endpoints call :func:`decode_pixels` on a dataset read with
``pydicom.dcmread(..., force=True)``.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from pydicom.dataset import Dataset


class PixelDecodeError(Exception):
    """The pixel data cannot be decoded; the message is one line."""


class _DecoderFailureToDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.exc_info:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = record.exc_text = None
        return True


_FILTER = _DecoderFailureToDebug()
# Logger filters do not see child loggers' records: the pixel plugins log on their own.
for _name in ("pydicom", "pydicom.pixels.decoders.base", "pydicom.pixels.encoders.base",
              "pydicom.pixels.utils"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


def decode_pixels(ds: Dataset) -> np.ndarray:
    """The decoded pixel array of DS; raise :class:`PixelDecodeError` with the reason."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta = getattr(ds, "file_meta", None)
            if str(getattr(meta, "TransferSyntaxUID", "")) == "1.2.840.10008.1.2.5":
                # pylibjpeg-rle panics (Rust backtrace on stderr) on malformed RLE; pydicom's raises.
                ds.pixel_array_options(decoding_plugin="pydicom")
            return ds.pixel_array
    except MemoryError:
        raise PixelDecodeError("the image is too large to decode") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - broken data, missing plugin, odd attributes;
        # BaseException: a Rust decoder's panic (pyo3 PanicException) is not an Exception.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = lines[-1] if lines else type(exc).__name__
        raise PixelDecodeError(reason[:300]) from None
