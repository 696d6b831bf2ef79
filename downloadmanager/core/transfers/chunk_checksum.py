"""Checksums of tus chunks, hashed ahead in a background thread.

The ``Upload-Checksum`` header must precede the body, so a chunk is read
twice: once to hash it, once to send it. The hashing thread starts at the
first byte of the *next* chunk as soon as the current chunk is on its way and
hashes forward, keeping a copy of the hash state every ``align`` bytes. The
size of the next chunk is only decided when the current one is confirmed
(it follows the measured rate), and whatever size it gets, its digest is
then a copy of a kept state (plus at most ``align`` bytes hashed at once) —
no guess of the next size is needed, and a guess that turned out wrong
costs no hashing again. ``ready`` tells how much is hashed already, so the
caller can avoid waiting for the hash while chunks grow.

For a bundle still being staged (``available``, as the tus client gets it)
the thread hashes only bytes that exist, and waits for the staging to go on
instead of stopping where it stood when the run began: the next chunk's
bytes, staged while the current one is on the wire, are hashed then too
(before, reading and hashing them held up 10-35 ms between two chunks).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dicomkit.checksums import new_checksum
from downloadmanager.core.transfers.bundle import VirtualBundle

# Hash states are kept at this spacing (sizes of grown chunks are multiples of it).
ALIGN = 256 * 1024


class _Run:
    """One forward hashing pass from START to at most END."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.reached = start  # every kept state is at or below this position
        self.states: dict[int, object] = {}
        self.finished = False
        self.cancelled = False


class ChecksumAhead:
    """Upload-Checksum values of bundle ranges, hashed ahead in one background thread.

    The hashing thread and the caller each read through their own view of
    the bundle (own file handles), so neither disturbs the sender's reads.
    """

    def __init__(self, bundle: VirtualBundle, algorithm: str, piece: int,
                 align: int = ALIGN,
                 available: Callable[[int, float], int] | None = None) -> None:
        self._bundle = bundle.clone()  # read by the hashing thread
        self._direct = bundle.clone()  # read by the caller for what is not hashed ahead
        self._length = len(bundle)
        self._algorithm = algorithm
        self._piece = piece
        self._align = align
        # available(wanted, timeout) -> bytes that exist: None once everything does.
        self._available = available
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="tus-checksum")
        self._changed = threading.Condition()
        self._run: _Run | None = None

    def start(self, offset: int, limit: int) -> None:
        """Hash forward from OFFSET (at most LIMIT bytes) in the background.

        Whatever was being hashed ahead before is for a plan that changed:
        it stops.
        """
        end = min(self._length, offset + limit)
        with self._changed:
            if self._run is not None:
                self._run.cancelled = True
            self._run = _Run(offset, end) if end > offset else None
            run = self._run
        if run is not None:
            self._pool.submit(self._hash_forward, run)

    def ready(self, offset: int) -> int:
        """How many bytes from OFFSET are hashed already (0 unless hashing started there)."""
        with self._changed:
            run = self._run
            return run.reached - run.start if run is not None and run.start == offset else 0

    def header(self, offset: int, length: int) -> str:
        """The Upload-Checksum header value for [OFFSET, OFFSET+LENGTH)."""
        target = offset + length
        digest, position = None, offset
        with self._changed:
            run = self._run
            if run is not None and run.start == offset and target <= run.end:
                while run.reached < target and not run.finished:
                    self._changed.wait()
                kept = max((p for p in run.states if p <= target), default=None)
                if kept is not None:
                    digest, position = run.states[kept].copy(), kept
            elif run is not None:
                run.cancelled = True
                self._run = None
        if digest is None:
            digest = new_checksum(self._algorithm)
        if position < target:
            # Not hashed ahead (a resume, a retry, an unaligned size): hash it now.
            buffer = bytearray(min(self._piece, target - position))
            for piece in self._direct.iter_into(position, target - position, buffer):
                digest.update(piece)
        return f"{self._algorithm} {base64.b64encode(digest.digest()).decode('ascii')}"

    def close(self) -> None:
        """Stop the hashing thread and close the file handles."""
        with self._changed:
            if self._run is not None:
                self._run.cancelled = True
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._bundle.close()
        self._direct.close()

    def _hash_forward(self, run: _Run) -> None:
        digest = new_checksum(self._algorithm)
        position = run.start
        mark = run.start + self._align
        buffer = bytearray(min(self._piece, run.end - run.start))
        try:
            while position < run.end:
                exists = self._existing(run, position)
                if exists is None:
                    return  # cancelled
                for piece in self._bundle.iter_into(position, exists - position, buffer):
                    if run.cancelled:
                        return
                    used = 0
                    while position + len(piece) - used >= mark:
                        digest.update(piece[used:used + mark - position])
                        used += mark - position
                        position = mark
                        self._keep(run, position, digest.copy())
                        mark += self._align
                    digest.update(piece[used:])
                    position += len(piece) - used
                if position < exists:
                    break  # the bundle is shorter than it said: the caller meets that
            if position > run.reached:
                self._keep(run, position, digest)
        finally:
            # On a read error the caller hashes the rest itself and meets the error there.
            with self._changed:
                run.finished = True
                self._changed.notify_all()

    def _existing(self, run: _Run, position: int) -> int | None:
        """Up to where bytes from POSITION may be hashed: all of the run, or what is
        staged so far (waiting for at least one piece more); None once cancelled."""
        if self._available is None:
            return run.end
        wanted = min(run.end, position + self._piece)
        while not run.cancelled:
            exists = self._available(wanted, 0.5)
            if exists >= wanted:
                return min(run.end, exists)
        return None

    def _keep(self, run: _Run, position: int, state: object) -> None:
        with self._changed:
            run.states[position] = state
            run.reached = position
            self._changed.notify_all()
