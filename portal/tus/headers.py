"""Parsing and producing tus 1.0.0 headers (no I/O, no framework).

Every parser raises :class:`TusError` with the status code the protocol asks
for, so the router only has to turn it into a response.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone
from email.utils import format_datetime

from dicomkit.checksums import DIGEST_SIZES

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = (
    "creation",
    "creation-with-upload",
    "termination",
    "expiration",
    "checksum",
)
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "crc32")  # see dicomkit.checksums
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"

# Headers a browser client (tus-js-client) must be allowed to send and read.
CORS_ALLOW_HEADERS = (
    "Authorization, Content-Type, Origin, X-Requested-With, X-Request-ID, X-HTTP-Method-Override, "
    "Tus-Resumable, Upload-Length, Upload-Offset, Upload-Metadata, Upload-Defer-Length, "
    "Upload-Concat, Upload-Checksum"
)
CORS_EXPOSE_HEADERS = (
    "Location, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Defer-Length, "
    "Upload-Concat, Upload-Expires, Tus-Version, Tus-Resumable, Tus-Extension, "
    "Tus-Max-Size, Tus-Checksum-Algorithm"
)
CORS_ALLOW_METHODS = "POST, HEAD, PATCH, DELETE, OPTIONS"

_DIGITS = re.compile(r"^[0-9]+$")
_METADATA_KEY = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class TusError(Exception):
    """A request the tus protocol answers with STATUS and a short MESSAGE."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 error: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.error = error  # machine code for the error body; None: by status


def check_tus_resumable(value: str | None) -> None:
    """412 unless the request speaks tus 1.0.0 (the header is mandatory)."""
    if value is None:
        raise TusError(412, "Tus-Resumable header is missing; this server speaks tus 1.0.0",
                       {"Tus-Version": TUS_VERSION})
    if value.strip() != TUS_VERSION:
        raise TusError(412, f"tus version {value.strip()!r} is not supported; use {TUS_VERSION}",
                       {"Tus-Version": TUS_VERSION})


def parse_non_negative(name: str, value: str | None, *, required: bool = True) -> int | None:
    """A header holding a non-negative decimal integer; 400 if missing or malformed."""
    if value is None:
        if required:
            raise TusError(400, f"{name} header is missing")
        return None
    text = value.strip()
    if not _DIGITS.match(text) or len(text) > 19:
        raise TusError(400, f"{name} must be a non-negative integer, got {value!r}")
    return int(text)


def parse_metadata(value: str | None) -> dict[str, str | None]:
    """Decode ``Upload-Metadata``: comma-separated ``key [base64-value]`` pairs.

    Keys without a value map to None. Values must be valid base64 and decode
    to UTF-8 text. Keys must be unique, non-empty and free of spaces and commas.
    """
    result: dict[str, str | None] = {}
    if value is None or value.strip() == "":
        return result
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or parts[0] == "":
            raise TusError(400, f"malformed Upload-Metadata pair {pair.strip()!r}")
        key = parts[0]
        if not _METADATA_KEY.match(key):
            raise TusError(400, f"malformed Upload-Metadata key {key!r}")
        if key in result:
            raise TusError(400, f"Upload-Metadata key {key!r} appears twice")
        if len(parts) == 1:
            result[key] = None
            continue
        try:
            raw = base64.b64decode(parts[1], validate=True)
            result[key] = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            raise TusError(400, f"Upload-Metadata value of {key!r} is not valid base64 "
                                "UTF-8 text") from None
    return result


def encode_metadata(metadata: dict[str, str | None]) -> str:
    """The ``Upload-Metadata`` header for METADATA (inverse of :func:`parse_metadata`)."""
    pairs = []
    for key, val in metadata.items():
        if val is None:
            pairs.append(key)
        else:
            pairs.append(f"{key} {base64.b64encode(val.encode('utf-8')).decode('ascii')}")
    return ",".join(pairs)


def parse_checksum(value: str | None) -> tuple[str, bytes] | None:
    """Decode ``Upload-Checksum: <algorithm> <base64 digest>``.

    400 for a malformed header or an unsupported algorithm (as the checksum
    extension demands); None when the header is absent.
    """
    if value is None:
        return None
    parts = value.strip().split(" ")
    if len(parts) != 2:
        raise TusError(400, "Upload-Checksum must be '<algorithm> <base64 digest>'")
    algorithm, encoded = parts[0].lower(), parts[1]
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise TusError(400, f"checksum algorithm {parts[0]!r} is not supported; "
                            f"use one of {', '.join(CHECKSUM_ALGORITHMS)}")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise TusError(400, "Upload-Checksum digest is not valid base64") from None
    expected_size = DIGEST_SIZES[algorithm]
    if len(digest) != expected_size:
        raise TusError(400, f"Upload-Checksum digest has {len(digest)} bytes, "
                            f"{algorithm} has {expected_size}")
    return algorithm, digest


def http_date(value: datetime) -> str:
    """RFC 7231 date for ``Upload-Expires`` (e.g. ``Wed, 25 Jun 2025 16:00:00 GMT``)."""
    # psycopg hands out ZoneInfo("Etc/UTC"), which format_datetime refuses.
    return format_datetime(value.astimezone(timezone.utc), usegmt=True)


def cors_headers(origin: str | None) -> dict[str, str]:
    """CORS headers for every /uploads/ response (browsers read tus headers only if exposed)."""
    return {
        "Access-Control-Allow-Origin": origin or "*",
        "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS,
        "Vary": "Origin",
    }
