"""The bytes that go on the wire for one instance: as stored, or re-encoded.

Fast path: a Part-10 file's dataset is sent exactly as stored, from the byte
after the file meta group (found with a few ``struct`` reads, no pydicom).
Slow path, only when needed: pydicom decodes the file, applies the import
reconciliation and/or decompresses pixel data, and encodes the dataset in the
transfer syntax the PACS accepted.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from pydicom import dcmread
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.uid import UID

from downloadmanager.core.dicomnet.reconcile import Reconciliation, apply_reconciliation
from downloadmanager.core.pixels import PixelDecodeError, decode_pixels, decompress_in_place

_LONG_VRS = {b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV", b"SV", b"UV"}
DEFLATED = "1.2.840.10008.1.2.1.99"


class EncodingError(Exception):
    """An instance cannot be encoded as needed (message names the reason)."""


@dataclass(frozen=True, slots=True)
class StoredDataset:
    """Where the dataset of a file starts and what the file says about it."""

    offset: int
    transfer_syntax: str
    sop_class: str
    sop_instance: str


def _text(raw: bytes) -> str:
    return raw.decode("ascii", "replace").rstrip("\x00 ")


def locate_dataset(head: bytes) -> StoredDataset | None:
    """Parse the file meta group of a Part-10 file's first bytes; None when not Part 10.

    HEAD must hold at least the preamble and the whole file meta group
    (a few hundred bytes; callers pass 64 KiB or the whole file).
    """
    if len(head) < 132 or head[128:132] != b"DICM":
        return None
    pos = 132
    values: dict[int, bytes] = {}
    while pos + 8 <= len(head):
        group, elem = struct.unpack_from("<HH", head, pos)
        if group != 0x0002:
            break
        vr = head[pos + 4:pos + 6]
        if vr in _LONG_VRS:
            length = struct.unpack_from("<I", head, pos + 8)[0]
            value_at = pos + 12
        else:
            length = struct.unpack_from("<H", head, pos + 6)[0]
            value_at = pos + 8
        if value_at + length > len(head):
            raise EncodingError("file meta information is truncated")
        values[elem] = head[value_at:value_at + length]
        pos = value_at + length
    if 0x0010 not in values:
        raise EncodingError("file meta information has no Transfer Syntax UID")
    return StoredDataset(pos, _text(values[0x0010]), _text(values.get(0x0002, b"")),
                         _text(values.get(0x0003, b"")))


def reencode(data: bytes, target_ts: str, reconcile: Reconciliation | None = None) -> bytes:
    """Decode the Part-10 (or bare) file DATA and encode its dataset for TARGET_TS.

    Decompresses pixel data when TARGET_TS is uncompressed and the file is
    not; raises :class:`EncodingError` when no installed codec can.
    """
    target = UID(target_ts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = dcmread(io.BytesIO(data), force=True)
        except Exception as exc:  # noqa: BLE001 - any decode failure is reported per instance
            raise EncodingError(f"cannot decode the file ({type(exc).__name__}: {exc})") from None
        source = UID(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")
        if reconcile is not None:
            apply_reconciliation(ds, reconcile)
        if source and source.is_compressed and not target.is_compressed and "PixelData" in ds:
            try:
                decompress_in_place(ds)
            except PixelDecodeError as exc:  # missing plugin or broken pixel data
                reason = str(exc)
                raise EncodingError(
                    f"the PACS does not accept {source.name} and it cannot be decompressed here "
                    f"({reason})") from None
        elif (source and not source.is_little_endian and target.is_little_endian
              and "PixelData" in ds):
            _pixels_to_little_endian(ds)
        try:
            # Elements read as implicit VR (some files say explicit but are not) have no
            # VR yet; looking each one up gives it the dictionary's, so any target works.
            for _ in ds.iterall():
                pass
        except Exception as exc:  # noqa: BLE001
            raise EncodingError(f"cannot decode the file ({type(exc).__name__}: {exc})") from None
        fp = DicomBytesIO()
        fp.is_little_endian = target.is_little_endian
        fp.is_implicit_VR = target.is_implicit_VR
        try:
            write_dataset(fp, ds)
        except Exception as exc:  # noqa: BLE001
            raise EncodingError(f"cannot encode as {target.name} ({exc})") from None
    return fp.getvalue()


def _pixels_to_little_endian(ds) -> None:
    """Rewrite big-endian native pixel data in little-endian byte order.

    pydicom re-encodes the other elements for the new byte order but copies
    OW pixel data as it is; the decoded array, written back, is the same
    image in the target's byte order (colour planes interleaved).
    """
    import numpy as np

    bits = int(ds.get("BitsAllocated", 0) or 0)
    if bits not in (1, 8, 16, 32, 64):
        raise EncodingError(f"big-endian pixel data with {bits} bits allocated cannot be converted")
    try:
        pixels = decode_pixels(ds)
    except PixelDecodeError as exc:
        raise EncodingError(f"cannot convert big-endian pixel data ({exc})") from None
    if bits == 1:
        from pydicom.pixels import pack_bits

        ds.PixelData = pack_bits(np.ascontiguousarray(pixels).ravel())
    else:
        ds.PixelData = np.ascontiguousarray(pixels, dtype=pixels.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OB" if bits <= 8 else "OW"
    if int(ds.get("SamplesPerPixel", 1) or 1) > 1:
        ds.PlanarConfiguration = 0
