"""Deterministic mutations of real DICOM files for the fuzz suite.

Seeds: pydicom's bundled test files up to 64 KiB (a corpus nobody here
wrote), a bare dataset and a Part-10 file from the factory, and a file with
deeply nested sequences. Each mutation is chosen by a seeded
``random.Random``, so a failure is reproduced by its index alone
(``FUZZ_SEED``/``FUZZ_COUNT`` environment variables; 10,000 by default).

Mutations: byte flips, truncations, maximal and odd element lengths,
undefined lengths without delimiters, wrong VRs, huge declared pixel data,
and the deep-sequence seed (also mutated further).
"""

from __future__ import annotations

import os
import random
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
COUNT = int(os.environ.get("FUZZ_COUNT", "10000"))
_VRS = [b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB",
        b"OD", b"OF", b"OL", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"TM", b"UC", b"UI",
        b"UL", b"UN", b"UR", b"US", b"UT", b"XX", b"\x00\x00"]
_LENGTHS = [0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0xFFFFFFF0, 0x80000001, 1, 3, 0xFFFF, 0xFFFE, 0x1001]


@dataclass(frozen=True)
class Mutant:
    index: int
    seed_name: str
    kind: str
    data: bytes


def _deep_sequence(depth: int = 400) -> bytes:
    """A Part-10 file whose dataset nests DEPTH sequences (undefined lengths, explicit VR LE)."""
    import io

    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import generate_uid

    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = "Fuzz^Deep"
    ds.Modality = "OT"
    head = io.BytesIO()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds.file_meta = meta
    pydicom.dcmwrite(head, ds, enforce_file_format=True)
    # (0040,A730) Content Sequence, nested by hand: SQ undefined length > item undefined length > ...
    open_sq = struct.pack("<HH2sHI", 0x0040, 0xA730, b"SQ", 0, 0xFFFFFFFF)
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    close_item = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    close_sq = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    nested = (open_sq + item) * depth + (close_item + close_sq) * depth
    return head.getvalue() + nested


@lru_cache(maxsize=1)
def seeds() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every seed file."""
    import tempfile

    from pydicom.data import get_testdata_files

    from tests.dicom_factory import write_study

    out = []
    for name in sorted(get_testdata_files()):
        path = Path(name)
        if path.is_file() and path.stat().st_size <= 64 * 1024 and path.name != "DICOMDIR":
            out.append((path.name, path.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        [part10] = write_study(Path(tmp) / "a", series=1, per_series=1, rows=32, columns=32)
        [bare] = write_study(Path(tmp) / "b", series=1, per_series=1, rows=32, columns=32, preamble=False)
        out += [("factory-part10.dcm", part10.read_bytes()), ("factory-bare.dcm", bare.read_bytes())]
    out.append(("deep-sequence.dcm", _deep_sequence()))
    return tuple(out)


def _element_offsets(data: bytes, rng: random.Random, limit: int = 64) -> list[int]:
    """Offsets that look like explicit-VR element headers (tag + two uppercase letters)."""
    found = []
    start = 132 if data[128:132] == b"DICM" else 0
    for _ in range(limit * 4):
        pos = rng.randrange(start, max(start + 1, len(data) - 8))
        # scan forward to the next plausible header
        for p in range(pos, min(len(data) - 8, pos + 256)):
            vr = data[p + 4:p + 6]
            if vr.isalpha() and vr.isupper() and p % 2 == 0:
                found.append(p)
                break
        if len(found) >= limit:
            break
    return found


def _set_length(data: bytearray, pos: int, value: int) -> None:
    vr = bytes(data[pos + 4:pos + 6])
    if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
        data[pos + 8:pos + 12] = struct.pack("<I", value)
    else:
        data[pos + 6:pos + 8] = struct.pack("<H", value & 0xFFFF)


def _pixel_data_offset(data: bytes) -> int | None:
    for marker in (b"\xe0\x7f\x10\x00OW", b"\xe0\x7f\x10\x00OB", b"\xe0\x7f\x10\x00"):
        at = data.rfind(marker)
        if at >= 0:
            return at
    return None


def mutate(index: int) -> Mutant:
    """The mutation number INDEX (deterministic)."""
    rng = random.Random(SEED * 1_000_003 + index)
    name, original = rng.choice(seeds())
    data = bytearray(original)
    kind = rng.choice(["flip", "flip", "truncate", "length", "length", "undefined", "vr", "vr",
                       "huge_pixels", "deep", "combo"])
    if kind == "deep":
        name, original = seeds()[-1]
        data = bytearray(original)
        kind = "deep+" + rng.choice(["flip", "truncate", "none"])
        if kind == "deep+truncate":
            del data[rng.randrange(140, len(data)):]
        elif kind == "deep+flip":
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(132, len(data))] ^= 1 << rng.randrange(8)
        return Mutant(index, name, kind, bytes(data))
    steps = [kind] if kind != "combo" else rng.sample(["flip", "truncate", "length", "vr", "undefined"], 2)
    for step in steps:
        if len(data) < 16:
            break
        if step == "flip":
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif step == "truncate":
            del data[rng.randrange(1, len(data)):]
        elif step in ("length", "undefined"):
            for pos in _element_offsets(bytes(data), rng, rng.randint(1, 3)):
                value = 0xFFFFFFFF if step == "undefined" else rng.choice(_LENGTHS)
                _set_length(data, pos, value)
        elif step == "vr":
            for pos in _element_offsets(bytes(data), rng, rng.randint(1, 3)):
                data[pos + 4:pos + 6] = rng.choice(_VRS)
        elif step == "huge_pixels":
            at = _pixel_data_offset(bytes(data))
            if at is not None and at + 12 <= len(data):
                if data[at + 4:at + 6] in (b"OW", b"OB"):
                    data[at + 8:at + 12] = struct.pack("<I", rng.choice([0xFFFFFFF0, 0x7FFFFFFE, 0x40000000]))
                else:
                    data[at + 4:at + 8] = struct.pack("<I", rng.choice([0xFFFFFFF0, 0x40000000]))
    return Mutant(index, name, kind, bytes(data))


def mutants(count: int = COUNT, start: int = 0):
    """Mutations START .. START+COUNT-1."""
    for index in range(start, start + count):
        yield mutate(index)
