"""Verify as it arrives: hash, store and parse a bundle's members while its bytes come in.

After every PATCH that stored bytes the ingest worker lets the upload's
:class:`BundleFollower` (in one background thread) read the members that are
now complete in the upload file: each is streamed through SHA-256 into a pending (not yet committed)
blob and its DICOM header parsed. When the last byte arrives, ingest
(:mod:`portal.ingest`) checks the manifest against these results instead of
reading the whole bundle again, so the receipt follows the last byte
closely. Nothing is decided here: ingest applies exactly the same checks,
and a member the follower did not prepare (a portal restart, a tar feature
it does not follow, any error) takes the ordinary path.

The follower reads up to the file's current size, which may include bytes a
running request wrote but has not committed yet and a later request may
replace (a checksum mismatch, a superseded request). That is safe because ingest uses a prepared member only when its SHA-256 equals
the manifest's — then those were the right bytes — and otherwise reads the
member again from the final file.
"""

from __future__ import annotations

import logging
import os
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

from portal.blobstore import BlobStore, PendingBlob

log = logging.getLogger(__name__)

_BLOCK = 512
_READ_SIZE = 1024 * 1024
_MANIFEST = "manifest.json"


@dataclass
class Prepared:
    """One member read while it arrived."""

    offset_data: int
    size: int
    sha256: str
    pending: PendingBlob | None  # None when the blob exists already
    header: dict | None
    not_dicom: bool


class BundleFollower:
    """Follows the upload file at PATH; ``advance`` handles what became complete."""

    def __init__(self, path: Path, blobs: BlobStore) -> None:
        self.path = path
        self.blobs = blobs
        self.position = 0  # where the next tar header starts
        self.stopped = False  # end of archive, a feature not followed, or an error
        self._members: dict[str, Prepared] = {}
        self._lock = threading.Lock()
        self.taken = 0  # members ingest used (logged)
        self.scheduled = False  # an advance is queued already

    def advance(self) -> None:
        """Prepare every DICOM member whose bytes are all in the upload file now."""
        from portal.ingest import read_header  # late: portal.ingest imports this package

        with self._lock:
            self.scheduled = False
            if self.stopped:
                return
            try:
                with open(self.path, "rb") as handle:
                    committed = os.fstat(handle.fileno()).st_size
                    while self.position + _BLOCK <= committed:
                        handle.seek(self.position)
                        block = handle.read(_BLOCK)
                        if len(block) < _BLOCK or block == bytes(_BLOCK):
                            self.stopped = True
                            return
                        info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
                        if info.isdir():
                            self.position += _BLOCK
                            continue
                        if not info.isreg():
                            self.stopped = True  # links, pax, long names: ingest decides
                            return
                        end = self.position + _BLOCK + info.size
                        if end > committed:
                            return
                        if info.name.startswith("dicom/") and info.name not in self._members:
                            self._members[info.name] = self._prepare(
                                handle, self.position + _BLOCK, info.size, read_header)
                        self.position = end + (-info.size) % _BLOCK
            except Exception:  # never fatal: ingest reads what is not prepared
                log.warning("following upload file %s stopped", self.path.name, exc_info=True)
                self.stopped = True

    def _prepare(self, handle, offset: int, size: int, read_header) -> Prepared:
        handle.seek(offset)
        pending = self.blobs.begin()
        head = b""  # the member's first bytes: its header is parsed from them
        try:
            left = size
            while left:
                data = handle.read(min(_READ_SIZE, left))
                if not data:
                    raise OSError("upload file shorter than its committed offset")
                head = head or data
                pending.write(data)
                left -= len(data)
            pending.close(sync=False)
        except BaseException:
            pending.discard()
            raise
        sha = pending.sha256
        header_path = pending.temp_path
        kept: PendingBlob | None = pending
        if self.blobs.exists(sha):
            pending.discard()
            kept, header_path = None, self.blobs.path(sha)
        else:
            # To disk while the upload goes on, not all at once after its last byte.
            pending.sync_in_background()
        try:
            header, not_dicom = read_header(header_path, head, size), False
        except ValueError:
            header, not_dicom = None, True
        return Prepared(offset, size, sha, kept, header, not_dicom)

    def take(self, name: str, offset_data: int, size: int) -> Prepared | None:
        """The prepared member NAME if it is exactly the bundle's member (else None)."""
        with self._lock:
            found = self._members.get(name)
            if found is None or found.offset_data != offset_data or found.size != size:
                return None
            del self._members[name]
            self.taken += 1
            return found

    def discard(self) -> None:
        """Drop every pending blob not taken (the upload is verified or gone)."""
        with self._lock:
            self.stopped = True
            for prepared in self._members.values():
                if prepared.pending is not None:
                    prepared.pending.discard()
            self._members.clear()
