"""Access codes and birth dates as people type them, and QR codes as they photograph them.

Codes have 12 characters from ``23456789ABCDEFGHJKMNPQRSTUVWXYZ`` (no 0/O,
no 1/I/L: they look alike). Input is accepted in any case, with or without
dashes and spaces. A typed look-alike (``0 O 1 I L``) is *rejected* with a
message naming the character, not silently mapped: every one of them is
outside the alphabet, so a mapping would have to guess (``O`` could be meant
as ``Q``, ``D`` or ``0``), and a wrong guess costs one of the few attempts
before the portal locks the code.

The QR code printed on the patient's letter carries ``<portal>/c/<CODE>``;
:func:`parse_code_input` accepts that URL (and gives back the portal address),
a path to a PNG/JPEG photo of the QR code, or the typed code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from downloadmanager.core.errors import AppError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
LOOKALIKES = "01ILO"
_SEPARATORS = re.compile(r"[\s\-_.]+")
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jfif", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class AccessCodeError(AppError):
    """A code, birth date or QR image that cannot be used (message in German or English)."""


@dataclass(frozen=True, slots=True)
class CodeInput:
    """A normalised code and, when it came from a QR URL, the portal it names."""

    code: str
    portal_url: str | None = None

    @property
    def formatted(self) -> str:
        """``K7PX-92QD-M4H3``."""
        return format_code(self.code)


# The URL scheme the installers register: downloadmanager://HOST/c/CODE opens the window with CODE.
URL_SCHEME = "downloadmanager"


def is_app_link(text: str) -> bool:
    """True when TEXT is a ``downloadmanager:`` link (not a file path)."""
    return str(text).strip().lower().startswith(URL_SCHEME + ":")


def format_code(code: str) -> str:
    """``K7PX92QDM4H3`` -> ``K7PX-92QD-M4H3``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    """The canonical 12 characters of a typed code.

    Raises
    ------
    AccessCodeError
        for look-alike characters (0, 1, I, L, O), other foreign characters,
        or the wrong length.
    """
    code = _SEPARATORS.sub("", text or "").upper()
    lookalikes = sorted({ch for ch in code if ch in LOOKALIKES})
    if lookalikes:
        raise AccessCodeError("code_lookalike", chars=", ".join(lookalikes))
    foreign = sorted({ch for ch in code if ch not in ALPHABET})
    if foreign:
        raise AccessCodeError("code_bad_characters", chars=" ".join(foreign))
    if len(code) != CODE_LENGTH:
        raise AccessCodeError("code_wrong_length", count=len(code))
    return code


def parse_birth_date(text: str, *, today: date | None = None) -> date:
    """Parse ``DD.MM.YYYY``, ``D.M.YYYY``, ``YYYY-MM-DD`` or ``YYYYMMDD``.

    Raises
    ------
    AccessCodeError
        when the text is no real calendar date or lies in the future.
    """
    value = (text or "").strip()
    match = re.fullmatch(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", value)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            parsed = date(year, month, day)
        elif re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = (int(p) for p in value.split("-"))
            parsed = date(year, month, day)
        elif re.fullmatch(r"\d{8}", value):
            parsed = date(int(value[:4]), int(value[4:6]), int(value[6:]))
        else:
            raise ValueError(value)
    except ValueError:
        raise AccessCodeError("birth_date_invalid", text=value) from None
    if parsed > (today or date.today()) or parsed.year < 1850:
        if parsed.year < 1850:
            raise AccessCodeError("birth_date_invalid", text=value)
        raise AccessCodeError("birth_date_future")
    return parsed


def code_from_payload(payload: str) -> CodeInput:
    """The code (and portal address) in a QR payload or a pasted URL.

    Accepts ``https://portal.example/c/K7PX92QDM4H3`` (the portal's QR payload;
    a prefix path before ``/c/`` is kept as part of the portal address), the
    same as a ``downloadmanager://portal.example/c/K7PX92QDM4H3`` link (HTTPS)
    and a bare code.
    """
    payload = (payload or "").strip()
    parts = urlsplit(payload)
    if parts.scheme == URL_SCHEME and parts.netloc:
        # A downloadmanager:// link (the installers register the scheme): the
        # portal is reached over HTTPS at the link's host.
        parts = parts._replace(scheme="https")
    if parts.scheme in ("http", "https") and parts.netloc:
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2 and segments[-2] == "c":
            base_path = "/".join(segments[:-2])
            portal = f"{parts.scheme}://{parts.netloc}" + (f"/{base_path}" if base_path else "")
            return CodeInput(normalise_code(segments[-1]), portal)
        raise AccessCodeError("qr_no_code")
    try:
        return CodeInput(normalise_code(payload))
    except AccessCodeError:
        raise AccessCodeError("qr_no_code") from None


def decode_qr_image(path: Path) -> CodeInput:
    """Read the QR code in a PNG/JPEG photo and return its code.

    The image goes through Pillow (converted to 8-bit grayscale) into
    zxing-cpp; zxing's own Qt image input is not used (broken with recent
    PySide6, see PITFALLS). zxing-cpp tries rotations and downscaling itself.
    """
    try:
        from PIL import Image, ImageOps
        import zxingcpp
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise AccessCodeError("image_unreadable", path=str(path), detail=str(exc)) from None
    try:
        with Image.open(path) as img:
            gray = ImageOps.exif_transpose(img).convert("L")
    except (OSError, ValueError) as exc:
        raise AccessCodeError("image_unreadable", path=str(path), detail=type(exc).__name__) from None
    results = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    if not results:
        # Very large photos: a downscaled copy sometimes binarises better.
        if max(gray.size) > 1600:
            scale = 1600 / max(gray.size)
            small = gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale))))
            results = zxingcpp.read_barcodes(small, formats=zxingcpp.BarcodeFormat.QRCode)
    if not results:
        raise AccessCodeError("qr_unreadable", path=str(path))
    last_error: AccessCodeError | None = None
    for result in results:
        try:
            return code_from_payload(result.text)
        except AccessCodeError as exc:
            last_error = exc
    raise last_error or AccessCodeError("qr_no_code")


def looks_like_image_path(text: str) -> bool:
    """True when TEXT names an existing file, or has an image suffix."""
    candidate = Path(text).expanduser()
    try:
        if candidate.is_file():
            return True
    except OSError:
        return False
    return candidate.suffix.lower() in _IMAGE_SUFFIXES


def parse_code_input(text: str) -> CodeInput:
    """Whatever the user gave as CODE: a typed code, a QR URL, or a QR image file."""
    text = (text or "").strip()
    if re.match(r"^https?://", text, re.IGNORECASE):
        return code_from_payload(text)
    if looks_like_image_path(text):
        return decode_qr_image(Path(text).expanduser())
    return CodeInput(normalise_code(text))
