"""Read an HTTP response body into our own reusable buffers (``readinto``, no per-chunk copies).

``requests``' ``iter_content`` allocates a new bytes object for every chunk
and copies it once more inside urllib3; for a study of a gigabyte that is
gigabytes of memory traffic and a Python-heavy loop that competes with
hashing for the GIL. Here the body is read with
``http.client.HTTPResponse.readinto`` straight into a slice of a buffer the
caller reuses. Responses we cannot read that way (a content coding, another
transport adapter) fall back to ``raw.read`` plus one copy.

Every network failure comes out as :class:`ConnectionError`, so callers can
tell a dropped connection (retry) from a local disk error (``OSError``).
"""

from __future__ import annotations

import http.client

import requests

READ_SIZE = 256 * 1024  # per readinto: big enough to be cheap, small enough for live progress


class BodyReader:
    """``readinto`` over the body of a streamed ``requests`` response."""

    def __init__(self, response: requests.Response) -> None:
        raw = response.raw
        fp = getattr(raw, "_fp", None)
        coding = response.headers.get("Content-Encoding", "identity").strip().lower()
        self._direct = fp if isinstance(fp, http.client.HTTPResponse) and coding in ("", "identity") else None
        self._raw = raw

    def readinto(self, view: memoryview) -> int:
        """Fill up to ``len(view)`` bytes (at least 1 unless the body ended); return the count."""
        try:
            if self._direct is not None:
                return self._direct.readinto(view)
            data = self._raw.read(len(view))
        except (OSError, http.client.HTTPException, requests.RequestException) as exc:
            raise ConnectionError(f"archive stream broke: {type(exc).__name__}") from exc
        except Exception as exc:  # urllib3's ProtocolError and friends are not OSErrors
            if type(exc).__module__.startswith("urllib3"):
                raise ConnectionError(f"archive stream broke: {type(exc).__name__}") from exc
            raise
        view[:len(data)] = data
        return len(data)
