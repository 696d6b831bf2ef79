"""The self-test's checks that need no Qt and no network: translations,
keyring, PDF fonts, QR codes, DICOM decoders and the data folders."""

from __future__ import annotations

import io
import os
import uuid

from downloadmanager.core.selftest import CheckResult, failed, passed

# Languages the window is translated to (English is the source language).
TRANSLATED_LANGUAGES = ("de",)
# First bytes of every compiled Qt translation (.qm) file.
QM_MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")


def check_translations() -> CheckResult:
    """Every translation of the window exists as a valid compiled ``.qm`` file."""
    from downloadmanager.core.resources import translations_dir

    folder = translations_dir()
    problems = []
    for lang in TRANSLATED_LANGUAGES:
        path = folder / f"downloadmanager_{lang}.qm"
        try:
            head = path.read_bytes()[:16]
        except OSError:
            problems.append(f"{path} missing")
            continue
        if head != QM_MAGIC:
            problems.append(f"{path} is not a Qt .qm file")
    if problems:
        text = "; ".join(problems)
        return failed("translations", f"Übersetzung fehlt oder ist kaputt: {text}",
                      f"translation missing or broken: {text}")
    names = ", ".join(f"downloadmanager_{lang}.qm" for lang in TRANSLATED_LANGUAGES)
    return passed("translations", f"{names} in {folder}", f"{names} in {folder}")


def check_keyring() -> CheckResult:
    """The OS password store (Windows Credential Manager, Secret Service, macOS Keychain) is there."""
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, chainer.ChainerBackend):
        inner = list(backend.backends)
        usable = [b for b in inner if not isinstance(b, fail.Keyring)]
    else:
        usable = [] if isinstance(backend, fail.Keyring) else [backend]
    if not usable:
        return failed("keyring",
                      "Kein Passwortspeicher gefunden: Passwörter gelten nur bis zum Programmende "
                      "(unter Linux: gnome-keyring oder KWallet starten).",
                      "No password store (keyring) found: passwords last only until the program "
                      "ends (on Linux: start gnome-keyring or KWallet).")
    names = ", ".join(f"{type(b).__module__}.{type(b).__name__}" for b in usable)
    return passed("keyring", f"Passwortspeicher: {names}", f"password store: {names}")


def check_pdf_fonts() -> CheckResult:
    """A Unicode TrueType font is found and fpdf2 embeds it (umlauts, Ł, Ø)."""
    from fpdf import FPDF

    from downloadmanager.core.documents.fonts import find_unicode_font

    choice = find_unicode_font()
    if choice is None:
        return failed("pdf_fonts",
                      "Keine TrueType-Schrift gefunden (auch nicht die mitgelieferte DejaVu Sans): "
                      "PDFs ersetzen Sonderzeichen.",
                      "No TrueType font found (not even the shipped DejaVu Sans): PDFs replace "
                      "special characters.")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("SelfTest", "", str(choice.regular))
    pdf.set_font("SelfTest", size=12)
    pdf.cell(text="Übertragung Łukasz Øyvind Çelik ß")
    data = bytes(pdf.output())
    if not data.startswith(b"%PDF") or b"FontFile2" not in data:
        return failed("pdf_fonts", f"{choice.regular} wurde nicht eingebettet",
                      f"{choice.regular} was not embedded")
    return passed("pdf_fonts", f"{choice.regular} ({len(data) // 1024} kB Test-PDF)",
                  f"{choice.regular} ({len(data) // 1024} kB test PDF)")


def check_qr() -> CheckResult:
    """segno writes a code sheet's QR code, zxing-cpp reads it back."""
    import segno
    import zxingcpp
    from PIL import Image

    payload = "https://portal.example/c/K7PX92QDM4H3"
    buffer = io.BytesIO()
    segno.make_qr(payload, error="m").save(buffer, kind="png", scale=6, border=4)
    buffer.seek(0)
    with Image.open(buffer) as img:
        results = zxingcpp.read_barcodes(img.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [r.text for r in results]
    if payload not in texts:
        return failed("qr", f"QR-Code nicht zurückgelesen (gelesen: {texts})",
                      f"QR code not read back (read: {texts})")
    return passed("qr", "segno + zxing-cpp: geschrieben und gelesen",
                  "segno + zxing-cpp: written and read")


def check_data_folders() -> CheckResult:
    """Every per-user folder can be created, written, synced and cleaned."""
    from downloadmanager.core import paths

    problems = []
    folders = []
    for name in ("data_dir", "config_dir", "cache_dir", "staging_dir", "logs_dir"):
        try:
            folder = getattr(paths, name)()
            probe = folder / f".selftest-{uuid.uuid4().hex}"
            with open(probe, "wb") as f:
                f.write(b"ok")
                f.flush()
                os.fsync(f.fileno())
            probe.unlink()
            folders.append(str(folder))
        except OSError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        text = "; ".join(problems)
        return failed("data_folders", f"Kein Schreibzugriff: {text}", f"no write access: {text}")
    return passed("data_folders", ", ".join(folders), ", ".join(folders))


# ----------------------------------------------------------------- DICOM decoders

# Transfer syntaxes this program must always decode (thumbnails, decompression
# for a PACS that takes uncompressed images only): pydicom itself decodes the
# uncompressed ones and RLE; Pillow (a dependency) JPEG baseline/extended and
# JPEG 2000.
REQUIRED_SYNTAXES = (
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
)


def _distribution_installed(requirement: str) -> bool:
    """True when the distribution of REQUIREMENT (``name>=1.0``) is installed."""
    import re
    from importlib import metadata

    name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def decoder_status() -> list[tuple[str, str, bool, list[str], list[str]]]:
    """For every transfer syntax pydicom has a decoder for: (uid, name, available,
    plugins that work, plugins that are installed only in part)."""
    from pydicom.pixels.decoders.base import _PIXEL_DATA_DECODERS, get_decoder

    rows = []
    for uid in _PIXEL_DATA_DECODERS:
        decoder = get_decoder(uid)
        # A plugin with some but not all of its packages installed is a broken
        # install (e.g. pylibjpeg without pylibjpeg-libjpeg in the bundle).
        # numpy is shared by every plugin, so it does not count as the plugin's own.
        partial = []
        for plugin, needs in getattr(decoder, "_unavailable", {}).items():
            own = [n for n in needs if not n.lower().startswith("numpy")]
            installed = [_distribution_installed(n) for n in own]
            if any(installed) and not all(installed):
                partial.append(plugin)
        rows.append((str(uid), uid.name, decoder.is_available,
                     sorted(decoder.available_plugins), partial))
    return rows


def _decode_round_trip() -> list[str]:
    """Encode a generated image as RLE, JPEG and JPEG 2000 and decode it with pydicom.

    Returns the problems found (empty when every decode gave the right pixels).
    """
    import numpy as np
    from PIL import Image
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEG2000Lossless, JPEGBaseline8Bit, RLELossless, generate_uid

    pixels = (np.add.outer(np.arange(64), np.arange(64)) * 2).astype(np.uint8)
    problems = []

    def dataset(syntax) -> Dataset:
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = syntax
        ds.SOPInstanceUID = generate_uid()
        ds.Rows, ds.Columns = pixels.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        return ds

    rle = dataset("1.2.840.10008.1.2.1")
    rle.PixelData = pixels.tobytes()
    try:
        rle.compress(RLELossless)
        if not np.array_equal(rle.pixel_array, pixels):
            problems.append("RLE: wrong pixels")
    except Exception as exc:  # noqa: BLE001 - report, never raise
        problems.append(f"RLE: {type(exc).__name__}: {exc}")
    for syntax, fmt, lossless in ((JPEGBaseline8Bit, "JPEG", False), (JPEG2000Lossless, "JPEG2000", True)):
        ds = dataset(syntax)
        buffer = io.BytesIO()
        options = {"quality": 95} if fmt == "JPEG" else {"irreversible": False}
        Image.fromarray(pixels).save(buffer, format=fmt, **options)
        ds.PixelData = encapsulate([buffer.getvalue()])
        try:
            decoded = ds.pixel_array
            error = np.abs(decoded.astype(int) - pixels.astype(int)).max()
            if decoded.shape != pixels.shape or error > (0 if lossless else 8):
                problems.append(f"{syntax.name}: wrong pixels (max error {error})")
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{syntax.name}: {type(exc).__name__}: {exc}")
    return problems


def check_dicom_decoders() -> CheckResult:
    """Every decoder this program needs is there and decodes; the others are listed."""
    rows = decoder_status()
    missing = [f"{name} ({uid})" for uid, name, available, _, _ in rows
               if uid in REQUIRED_SYNTAXES and not available]
    broken = [f"{name} ({uid}): {', '.join(partial)}" for uid, name, available, _, partial in rows
              if partial and not available]
    problems = _decode_round_trip() if not missing else []
    available = [uid for uid, _, ok, _, _ in rows if ok]
    unavailable = [uid for uid, _, ok, _, _ in rows if not ok]
    if missing or broken or problems:
        parts = ([f"missing: {', '.join(missing)}"] if missing else []) \
            + ([f"plugin incomplete: {'; '.join(broken)}"] if broken else []) + problems
        text = "; ".join(parts)
        return failed("dicom_decoders", f"DICOM-Decoder fehlen: {text}", f"DICOM decoders missing: {text}")
    de = (f"{len(available)} Transfer-Syntaxen lesbar; RLE, JPEG, JPEG 2000 dekodiert"
          + (f"; nicht verfügbar: {', '.join(unavailable)}" if unavailable else ""))
    en = (f"{len(available)} transfer syntaxes readable; RLE, JPEG, JPEG 2000 decoded"
          + (f"; not available: {', '.join(unavailable)}" if unavailable else ""))
    return passed("dicom_decoders", de, en)
