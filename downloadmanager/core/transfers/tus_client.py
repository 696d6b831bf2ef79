"""A tus 1.0.0 client on one keep-alive ``requests.Session``.

The server's offset is the truth: after any error the client asks it (HEAD)
and continues from there. Chunks are streamed from a ``VirtualBundle`` in
small pieces (never a whole chunk in memory), each PATCH carries an
``Upload-Checksum`` when the server offers the checksum extension, and the
upload URL is handed to a durable store the moment it is created.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin

import requests

from downloadmanager.core.portal_client import response_detail, retry_after_seconds
from downloadmanager.core.transfers.bundle import SEND_PIECE, VirtualBundle
from dicomkit.checksums import ALGORITHMS
from downloadmanager.core.transfers.chunk_checksum import ChecksumAhead
from downloadmanager.core.transfers.errors import (
    AuthenticationError,
    NetworkError,
    UploadError,
    UploadExpiredError,
)
from downloadmanager.core.transfers.throttle import BandwidthLimiter

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
DEFAULT_CHUNK = 8 * 1024 * 1024
DEFAULT_MAX_CHUNK = 256 * 1024 * 1024
# A request should take about this long: long enough that the per-request cost
# (a round trip, the server's fsync and checksum check) is small, short enough
# that a pause reacts quickly and a lost chunk costs little time.
TARGET_CHUNK_SECONDS = 2.0
CHUNK_ALIGN = 256 * 1024
# While a bundle is still being staged (read from a CD) the first chunk goes out
# as soon as this much exists, and each following one once twice the previous
# exists: the line starts with the disc instead of waiting for a whole chunk
# (8 MiB is a second of a CD drive). Growth stops at what the line sends in
# PIPELINE_TAIL_SECONDS, so that little is left to send when the disc is done.
PIPELINE_FIRST = 1024 * 1024
PIPELINE_TAIL_SECONDS = 1.0
RETRYABLE_STATUS = {423, 429, 500, 502, 503, 504}


# available(wanted bytes, timeout seconds) -> bytes that exist (see TusClient.upload).
Available = Callable[[int, float], int]


class UrlStore(Protocol):
    """Where the client keeps the upload URL between runs (the queue database)."""

    def get(self) -> str | None: ...

    def save(self, url: str) -> None: ...

    def forget(self) -> None: ...


class AuthProvider(Protocol):
    """Supplies the bearer header and renews the token after a 401."""

    def headers(self) -> dict[str, str]: ...

    def renew(self) -> None: ...


@dataclass
class ServerCapabilities:
    """What the server's OPTIONS response advertises."""

    extensions: set[str] = field(default_factory=set)
    checksum_algorithms: list[str] = field(default_factory=list)
    max_size: int | None = None

    @property
    def checksum(self) -> str | None:
        """The checksum algorithm to use: crc32, else sha256, else sha1 (what is offered), else none.

        A chunk's checksum only guards its way to the portal; the manifest's
        SHA-256 of every instance is checked anyway (see dicomkit.checksums).
        """
        if "checksum" not in self.extensions:
            return None
        for algorithm in ALGORITHMS:
            if algorithm in self.checksum_algorithms:
                return algorithm
        return None


class _Retry(Exception):
    """A transient failure: back off (honouring RETRY_AFTER seconds), then HEAD."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _ChunkBody:
    """A request body streaming bundle bytes piece by piece (with a known length)."""

    def __init__(self, bundle: VirtualBundle, offset: int, length: int, piece: int,
                 limiter: BandwidthLimiter | None, sent: list[int]) -> None:
        self._args = (offset, length, piece)
        self._bundle = bundle
        self._limiter = limiter
        self._sent = sent
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[memoryview]:
        offset, length, piece = self._args
        # One buffer per request, refilled for every piece: urllib3 sends each
        # piece with a blocking sendall before it asks for the next one.
        buffer = bytearray(min(piece, length) or 1)
        for data in self._bundle.iter_into(offset, length, buffer):
            if self._limiter is not None:
                self._limiter.acquire(len(data))
            self._sent[0] += len(data)
            yield data


def next_chunk_size(current: int, sent: int, seconds: float, *, minimum: int, maximum: int,
                    target: float = TARGET_CHUNK_SECONDS) -> int:
    """The size of the next chunk after SENT bytes took SECONDS.

    Aims at TARGET seconds per request, grows at most 4x per step, stays
    within [MINIMUM, MAXIMUM] and is a multiple of 256 KiB.
    """
    if seconds <= 0 or sent <= 0:
        return min(max(current * 4, minimum), maximum)
    ideal = sent / seconds * target
    size = min(ideal, current * 4.0, float(maximum))
    size = max(size, float(minimum))
    aligned = int(size) // CHUNK_ALIGN * CHUNK_ALIGN
    return max(minimum, min(maximum, aligned or minimum))


def pipelined_chunk_wanted(last_length: int, line_rate: float, next_chunk: int) -> int:
    """Bytes to wait for before the next chunk of a bundle that is still being staged.

    Starts at PIPELINE_FIRST and doubles with every chunk (LAST_LENGTH), at
    most NEXT_CHUNK and at most what the line (LINE_RATE bytes/s, 0 =
    unknown) sends in PIPELINE_TAIL_SECONDS. A disc faster than the line
    fills every chunk at once; a slower one makes the line wait for at most
    that much, so the last chunk leaves shortly after the last byte is read.
    """
    wanted = max(PIPELINE_FIRST, 2 * last_length)
    if line_rate > 0:
        wanted = min(wanted, max(PIPELINE_FIRST, int(line_rate * PIPELINE_TAIL_SECONDS)))
    return max(1, min(wanted, next_chunk))


class TusClient:
    """Upload bundles to the tus endpoint ENDPOINT (e.g. ``https://portal/uploads/``)."""

    def __init__(self, endpoint: str, *, session: requests.Session | None = None,
                 auth: AuthProvider | None = None, chunk_size: int = DEFAULT_CHUNK,
                 max_chunk_size: int | None = None, piece_size: int = SEND_PIECE, limiter: BandwidthLimiter | None = None,
                 max_attempts: int = 10, backoff_base: float = 0.5, backoff_max: float = 60.0,
                 timeout: tuple[float, float] = (15.0, 120.0),
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.endpoint = endpoint
        self.session = session or requests.Session()
        self.auth = auth
        self.chunk_size = chunk_size
        # Chunks grow from CHUNK_SIZE on fast links (see next_chunk_size); None = fixed.
        self.max_chunk_size = max(chunk_size, max_chunk_size or chunk_size)
        self._next_chunk = chunk_size
        self._ahead: ChecksumAhead | None = None
        self.piece_size = piece_size
        self.limiter = limiter
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.sleep = sleep
        self.rng = rng or random.Random()
        self._caps: ServerCapabilities | None = None
        self._available: Available | None = None
        # The last chunk's length and the line's rate it measured (bytes/s), for
        # sizing chunks while the bundle is still being staged.
        self._last_length = 0
        self._line_rate = 0.0
        # Bytes put on the wire in PATCH bodies (including those the server lost).
        self.bytes_sent = 0

    # -- single requests --------------------------------------------------------

    def _request(self, method: str, url: str, *, headers: dict | None = None,
                 data=None) -> requests.Response:
        """Send one request with tus and auth headers; renews the token once on 401."""
        for attempt in (1, 2):
            all_headers = {"Tus-Resumable": TUS_VERSION, **(headers or {})}
            if self.auth is not None:
                all_headers.update(self.auth.headers())
            try:
                response = self.session.request(method, url, headers=all_headers, data=data,
                                                timeout=self.timeout, allow_redirects=False)
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError) as exc:
                raise _Retry(f"network error: {exc.__class__.__name__}") from exc
            # A streamed PATCH body is not replayed here; _patch retries it after HEAD.
            if response.status_code == 401 and self.auth is not None and attempt == 1 \
                    and data is None:
                self.auth.renew()
                continue
            return response
        return response

    def capabilities(self) -> ServerCapabilities:
        """The server's tus extensions (OPTIONS), asked once per client."""
        if self._caps is None:
            response = self._request("OPTIONS", self.endpoint)
            if response.status_code in RETRYABLE_STATUS:
                raise _Retry(f"OPTIONS answered {response.status_code}", retry_after_seconds(response))
            caps = ServerCapabilities()
            caps.extensions = {e.strip() for e in
                               response.headers.get("Tus-Extension", "").split(",") if e.strip()}
            caps.checksum_algorithms = [
                a.strip().lower() for a in
                response.headers.get("Tus-Checksum-Algorithm", "").split(",") if a.strip()]
            if response.headers.get("Tus-Max-Size", "").isdigit():
                caps.max_size = int(response.headers["Tus-Max-Size"])
            self._caps = caps
        return self._caps

    def create(self, length: int, metadata: dict[str, str]) -> str:
        """Create an upload of LENGTH bytes; returns its absolute URL."""
        encoded = ",".join(f"{k} {base64.b64encode(v.encode('utf-8')).decode('ascii')}"
                           for k, v in metadata.items() if v is not None)
        response = self._request("POST", self.endpoint, headers={
            "Upload-Length": str(length), "Upload-Metadata": encoded, "Content-Length": "0"})
        if response.status_code == 201 and response.headers.get("Location"):
            return urljoin(self.endpoint, response.headers["Location"])
        self._raise_for(response, "creating the upload")
        raise UploadError("upload_not_created", status=response.status_code)

    def server_offset(self, url: str) -> int:
        """The number of bytes the server holds for URL (HEAD)."""
        response = self._request("HEAD", url, headers={"Cache-Control": "no-store"})
        if response.status_code in (200, 204) and "Upload-Offset" in response.headers:
            return int(response.headers["Upload-Offset"])
        if response.status_code in (404, 410):
            raise UploadExpiredError("upload_expired", status=response.status_code)
        self._raise_for(response, "asking the server for the upload's offset")
        raise _Retry(f"HEAD answered {response.status_code} without Upload-Offset")

    def terminate(self, url: str) -> bool:
        """Delete the upload on the server (tus termination); True if it is gone."""
        try:
            response = self._request("DELETE", url)
        except _Retry:
            return False
        return response.status_code in (204, 200, 404, 410)

    def _patch(self, url: str, bundle: VirtualBundle, offset: int,
               ahead: ChecksumAhead | None, ready: int | None = None) -> int:
        # READY: bytes of the bundle that exist yet (pipelined staging); None = all.
        ready = len(bundle) if ready is None else ready
        length = min(self._next_chunk, ready - offset)
        left = ready - offset - length
        if 0 < left <= length // 4 and ready == len(bundle) \
                and length + left <= self.max_chunk_size:
            # A small rest (e.g. the manifest) goes with this chunk: one
            # request (a round trip and the server's fsync) less.
            length += left
        headers = {"Content-Type": "application/offset+octet-stream",
                   "Upload-Offset": str(offset), "Content-Length": str(length)}
        if ahead is not None:
            headers["Upload-Checksum"] = ahead.header(offset, length)
            # Hash what may follow while this chunk is on the wire: at most
            # what the next chunk can grow to (see next_chunk_size). While
            # staging goes on, the hashing follows it (ChecksumAhead waits).
            ahead.start(offset + length, min(max(4 * length, self.chunk_size),
                                             self.max_chunk_size, len(bundle) - offset - length))
        sent = [0]
        body = _ChunkBody(bundle, offset, length, self.piece_size, self.limiter, sent)
        started = time.monotonic()
        try:
            response = self._request("PATCH", url, headers=headers, data=body)
        except _Retry:
            self._next_chunk = self.chunk_size  # a troubled link: small chunks again
            raise
        finally:
            self.bytes_sent += sent[0]
        if response.status_code == 204 and "Upload-Offset" in response.headers:
            seconds = time.monotonic() - started
            log.debug("PATCH %d+%d took %.3f s", offset, length, seconds)
            hashed = ahead.ready(offset + length) if ahead is not None else None
            self._after_success(length, seconds, hashed)
            return int(response.headers["Upload-Offset"])
        self._next_chunk = self.chunk_size
        if response.status_code == 409:
            raise _Retry("offset conflict (409): asking the server where to continue")
        if response.status_code == 460:
            raise _Retry("checksum mismatch (460): sending the chunk again")
        if response.status_code in (404, 410):
            raise UploadExpiredError("upload_expired", status=response.status_code)
        if response.status_code == 401 and self.auth is not None:
            self.auth.renew()
            raise _Retry("token renewed")
        self._raise_for(response, "sending data")
        raise _Retry(f"PATCH answered {response.status_code}")

    def _after_success(self, length: int, seconds: float, hashed: int | None) -> None:
        """Adapt the chunk size to the measured rate.

        With checksums, a chunk grows at most to what is hashed already
        (HASHED bytes), but never shrinks for it: while chunks grow, the
        next one is sent without waiting for its hash. While the bundle is
        still being staged, only what existed when this chunk started could be
        hashed ahead; the chunk may then double anyway (the bytes were just
        staged, hashing the rest costs milliseconds against the line's wait).
        """
        self._last_length = length
        self._line_rate = length / seconds if seconds > 0 else 0.0
        wanted = next_chunk_size(length, length, seconds, minimum=self.chunk_size,
                                 maximum=self.max_chunk_size)
        if hashed is not None:
            grown = 2 * length if self._available is not None else length
            wanted = min(wanted, max(hashed, grown))
        self._next_chunk = wanted

    def _raise_for(self, response: requests.Response, doing: str) -> None:
        status = response.status_code
        if status in RETRYABLE_STATUS:
            raise _Retry(f"server busy ({status})", retry_after_seconds(response))
        if status == 401:
            raise AuthenticationError("upload_login_rejected")
        if status == 413:
            raise UploadError("upload_too_large", detail=response_detail(response))
        if 400 <= status < 500:
            log.info("the portal refused %s (%s)", doing, status)
            raise UploadError("upload_refused", status=status, detail=response_detail(response))

    # -- the resumable loop -----------------------------------------------------

    def backoff_delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt ATTEMPT+1: exponential with jitter, or Retry-After."""
        if retry_after is not None:
            return min(retry_after, 600.0)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self.rng.uniform(ceiling / 2, ceiling)

    def upload(self, bundle: VirtualBundle, store: UrlStore, metadata: dict[str, str], *,
               on_progress: Callable[[int], None] | None = None,
               between_chunks: Callable[[], None] | None = None,
               available: Available | None = None) -> str:
        """Upload BUNDLE, resuming a stored upload if possible; returns the upload URL.

        ``between_chunks`` is called before every chunk (and may raise to stop,
        e.g. when the job was paused from another process). ``on_progress``
        receives the server-confirmed offset. ``available`` is for a bundle
        that is still being staged: ``available(wanted, timeout)`` waits up to
        TIMEOUT seconds until WANTED bytes from the start exist and returns how
        many do (it raises if staging failed); only those are sent.
        """
        self._available = available
        try:
            return self._upload_loop(bundle, store, metadata, on_progress, between_chunks)
        finally:
            if self._ahead is not None:
                self._ahead.close()
                self._ahead = None

    def _wait_available(self, offset: int, length: int,
                        between_chunks: Callable[[], None] | None) -> int | None:
        """With a bundle still being staged: wait until the next chunk may start.

        Whatever exists beyond OFFSET then is sent (up to the chunk size);
        see :func:`pipelined_chunk_wanted` for how much is waited for.
        """
        if self._available is None:
            return None
        wanted = min(length, offset + pipelined_chunk_wanted(
            self._last_length, self._line_rate, self._next_chunk))
        while True:
            ready = self._available(wanted, 0.5)
            if ready >= wanted:
                return ready
            if between_chunks is not None:
                between_chunks()  # a pause or cancel must not wait for the medium

    def _upload_loop(self, bundle: VirtualBundle, store: UrlStore, metadata: dict[str, str],
                     on_progress: Callable[[int], None] | None,
                     between_chunks: Callable[[], None] | None) -> str:
        length = len(bundle)
        attempts = 0
        best = -1
        url = store.get()
        ahead: ChecksumAhead | None = None
        while True:
            try:
                algorithm = self.capabilities().checksum
                if algorithm and ahead is None:
                    ahead = self._ahead = ChecksumAhead(bundle, algorithm, self.piece_size,
                                                        available=self._available)
                if url is None:
                    url = self.create(length, metadata)
                    store.save(url)
                    offset = 0
                else:
                    offset = self.server_offset(url)
                if offset > best:
                    best, attempts = offset, 0
                    if on_progress is not None:
                        on_progress(offset)
                while offset < length:
                    if between_chunks is not None:
                        between_chunks()
                    ready = self._wait_available(offset, length, between_chunks)
                    offset = self._patch(url, bundle, offset, ahead, ready)
                    if offset > best:
                        best, attempts = offset, 0  # progress resets the backoff
                    if on_progress is not None:
                        on_progress(offset)
                return url
            except UploadExpiredError as exc:
                log.info("starting a new upload: %s", exc)
                store.forget()
                url = None
                best = -1
                attempts += 1
                if attempts > self.max_attempts:
                    raise UploadError("upload_keeps_getting_lost") from exc
            except _Retry as exc:
                attempts += 1
                if attempts > self.max_attempts:
                    raise NetworkError("portal_unreliable", detail=str(exc),
                                       attempts=attempts - 1) from exc
                delay = self.backoff_delay(attempts, exc.retry_after)
                log.info("upload interrupted (%s); retrying in %.1f s", exc, delay)
                self.sleep(delay)
