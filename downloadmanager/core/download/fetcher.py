"""Resumable, verified download of one study from the portal.

Transport: the whole-study archive (``GET /api/studies/{uid}/archive``, a
deterministic tar with an ETag) in one streamed HTTP response. One long
stream is as fast as the link allows (no per-instance request round trips,
unlike WADO-RS instance by instance), and because the archive is
deterministic it resumes with ``Range: bytes=N-`` / ``If-Range: <etag>``.

Every member is written into the partial area as it streams, hashed on the
way and compared with the SHA-256 and size from the manifest
(``GET /api/studies/{uid}/manifest``); only a match is recorded in the
:class:`~.partial.Journal`, and only recorded files are ever trusted or
published. A resume starts at the first byte after the last recorded member. A wrong checksum, a short
body or a dropped connection costs a retry from that member (with backoff),
never a bad file. Member names are only looked up in the manifest; file names
are built from sanitised SOP Instance UIDs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from downloadmanager.core.portal_client import DownloadError, StudySource
from downloadmanager.core.download.partial import Journal, PartialArea, open_private_fd, uid_name
from downloadmanager.core.download.receiver import READ_SIZE, BodyReader
from downloadmanager.core.download.tarstream import (
    Member,
    StreamTruncated,
    TarFormatError,
    TarStreamParser,
)
from downloadmanager.core.download.verifier import PendingMember, Verifier, header_from_disk
from downloadmanager.core.scan import HeaderError, HeaderInfo

log = logging.getLogger(__name__)

CHUNK = 1 << 20
BUFFER_SIZE = 4 << 20  # receive buffers: the verifier hashes from them while the next one fills
BUFFERS = 6
MAX_ATTEMPTS = 6
MAX_BAD_CHECKSUMS = 3
DISK_MARGIN = 64 << 20
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Expected:
    """One file the manifest promises."""

    name: str  # member name in the archive (data, never a path)
    size: int
    sha256: str
    target: Path  # our own file name in the partial area
    kind: str  # "instance" or "document"
    label: str  # original document file name (documents only)


@dataclass(slots=True)
class StudyFiles:
    """What one finished study download produced (all verified)."""

    study_uid: str
    instance_files: list[Path] = field(default_factory=list)
    # Each instance's DICOM header (or why it is unreadable), parallel to instance_files.
    instance_headers: list[HeaderInfo | HeaderError] = field(default_factory=list)
    documents: list[tuple[str, Path]] = field(default_factory=list)  # (original name, file)
    bytes: int = 0


def _expected_files(manifest: dict, area: PartialArea, study_uid: str) -> dict[str, Expected]:
    expected: dict[str, Expected] = {}
    inst_dir = area.instances_dir(study_uid)
    for entry in manifest.get("instances", []):
        name, sha, size = entry.get("path"), str(entry.get("sha256", "")).lower(), entry.get("size")
        sop = str(entry.get("sop_instance_uid", ""))
        if not isinstance(name, str) or not _HEX64.match(sha) or not isinstance(size, int) or size < 0 or not sop:
            raise DownloadError("server_sent_garbage", detail="manifest entry without path, size or SHA-256")
        expected[name] = Expected(name, size, sha, inst_dir / f"{uid_name(sop)}.dcm", "instance", "")
    docs = manifest.get("documents", []) or []
    if docs:
        doc_dir = area.documents_dir(study_uid)
        for n, entry in enumerate(docs, start=1):
            name, sha, size = entry.get("path"), str(entry.get("sha256", "")).lower(), entry.get("size")
            if not isinstance(name, str) or not _HEX64.match(sha) or not isinstance(size, int) or size < 0:
                raise DownloadError("server_sent_garbage", detail="manifest document without path or SHA-256")
            expected[name] = Expected(name, size, sha, doc_dir / f"{n:03d}.bin", "document",
                                      str(entry.get("filename") or f"document-{n}"))
    return expected


def check_free_space(folder: Path, needed: int) -> None:
    """Raise ``disk_full`` when FOLDER's file system has less than NEEDED (+ margin) free."""
    free = shutil.disk_usage(folder).free
    if free < needed + DISK_MARGIN:
        raise DownloadError("disk_full", path=str(folder), need=_size(needed + DISK_MARGIN), free=_size(free))


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class StudyFetcher:
    """Download one study into AREA, verified, resuming what an earlier run left."""

    def __init__(self, source: StudySource, study_uid: str, area: PartialArea, *,
                 progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                 retry_delay: float = 1.0) -> None:
        self.source = source
        self.study_uid = study_uid
        self.area = area
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.retry_delay = retry_delay
        self.bad_counts: dict[str, int] = {}
        self.bad_starts: dict[str, int] = {}  # member name -> archive offset of its header
        self.headers: dict[str, HeaderInfo | HeaderError] = {}  # parsed while streaming

    def prepare(self) -> tuple[dict, dict[str, Expected], Journal]:
        """Fetch the manifest, load the journal and re-check files an earlier run verified."""
        manifest = self.source.manifest(self.study_uid)
        expected = _expected_files(manifest, self.area, self.study_uid)
        journal = Journal(self.area.state_dir(self.study_uid))
        etag = (manifest.get("archive") or {}).get("etag")
        size = (manifest.get("archive") or {}).get("size")
        if journal.etag is None or journal.etag != etag:
            journal.start(etag, size)
        else:
            for name in sorted(journal.members, key=lambda n: journal.members[n]["end"]):
                exp = expected.get(name)
                if exp is not None and not _file_matches(exp):
                    journal.forget_from(name)
                    break
        return manifest, expected, journal

    def remaining_bytes(self, manifest: dict, journal: Journal) -> int:
        size = (manifest.get("archive") or {}).get("size") or sum(
            e.get("size", 0) for e in manifest.get("instances", []))
        return max(0, int(size) - journal.offset)

    def run(self) -> StudyFiles:
        """Download and verify every file of the study; raises :class:`DownloadError`."""
        manifest, expected, journal = self.prepare()
        try:
            return self._fetch(manifest, expected, journal)
        finally:
            journal.close()

    def _fetch(self, manifest: dict, expected: dict[str, Expected], journal: Journal) -> StudyFiles:
        check_free_space(self.area.target, self.remaining_bytes(manifest, journal))
        total = int((manifest.get("archive") or {}).get("size") or 0)
        attempts = 0
        offset = journal.offset
        while not self._complete(expected, journal):
            if self.cancel.is_set():
                raise self._incomplete(expected, journal)
            try:
                finished = self._stream(expected, journal, total, offset)
            except (requests.RequestException, StreamTruncated, ConnectionError, TimeoutError) as exc:
                attempts += 1
                log.info("archive stream interrupted (%s); resuming", type(exc).__name__)
                if attempts >= MAX_ATTEMPTS:
                    raise self._incomplete(expected, journal) from None
                time.sleep(self.retry_delay * min(2 ** (attempts - 1), 30))
                offset = self._resume_offset(expected, journal)
                continue
            except OSError as exc:  # our side: disk full, permissions
                raise DownloadError("target_not_writable", path=str(self.area.root),
                                    detail=exc.strerror or str(exc)) from None
            except TarFormatError as exc:
                raise DownloadError("server_sent_garbage", detail=str(exc)) from None
            if not finished or self._complete(expected, journal):
                continue
            # The archive ended with files missing: damaged ones are fetched
            # again from where they start, a few times at most.
            missing = [n for n in expected if n not in journal.members]
            if any(self.bad_counts.get(n, 0) >= MAX_BAD_CHECKSUMS for n in missing):
                raise self._incomplete(expected, journal)
            starts = [self.bad_starts[n] for n in missing if n in self.bad_starts]
            if starts:
                offset = min(starts)
            elif offset > 0:
                offset = 0  # e.g. after a crash: look through the whole archive once more
            else:
                raise self._incomplete(expected, journal)  # promised files are not in the archive
        result = StudyFiles(self.study_uid)
        for exp in expected.values():
            if exp.kind == "instance":
                result.instance_files.append(exp.target)
                # Files verified by an earlier run were not streamed now: read their header.
                header = self.headers.get(exp.name)
                result.instance_headers.append(
                    header if header is not None else header_from_disk(exp.target, exp.size))
            else:
                result.documents.append((exp.label, exp.target))
            result.bytes += exp.size
        return result

    def _incomplete(self, expected: dict[str, Expected], journal: Journal) -> DownloadError:
        return DownloadError("download_incomplete", failed=self._missing(expected, journal),
                             total=len(expected))

    def _resume_offset(self, expected: dict[str, Expected], journal: Journal) -> int:
        """Where to continue: the start of the first damaged file still missing, else after the last good one."""
        starts = [self.bad_starts[n] for n in expected if n not in journal.members and n in self.bad_starts]
        return min(starts + [journal.offset])

    @staticmethod
    def _complete(expected: dict[str, Expected], journal: Journal) -> bool:
        return all(name in journal.members for name in expected)

    @staticmethod
    def _missing(expected: dict[str, Expected], journal: Journal) -> int:
        return sum(1 for name in expected if name not in journal.members)

    def _stream(self, expected: dict[str, Expected], journal: Journal, total: int, start: int) -> bool:
        """Read the archive from byte START; True when its end was reached."""
        response = self.source.open_archive(self.study_uid, start, journal.etag)
        with response:
            if response.status_code == 416:
                return True
            if response.status_code == 200:
                etag = response.headers.get("ETag")
                if start and etag and etag != journal.etag:
                    # The archive changed since the manifest: start over.
                    journal.start(etag, journal.size)
                start = 0  # whole body: files we have are skipped, not rewritten
            else:
                match = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", response.headers.get("Content-Range", ""))
                if not match or int(match.group(1)) != start:
                    raise DownloadError("server_sent_garbage", detail="range answer does not match the request")
            free: queue.SimpleQueue = queue.SimpleQueue()
            for _ in range(BUFFERS):
                free.put(bytearray(BUFFER_SIZE))
            sink = _MemberWriter(self, expected, journal, total)
            with Verifier(free, sink.verified, self._damaged) as verifier:
                sink.verifier = verifier
                try:
                    return self._receive(BodyReader(response), TarStreamParser(sink, start), free, verifier)
                finally:
                    sink.abandon()  # a member cut off mid-way: its file goes
                    verifier.close()
                    self.headers.update(verifier.headers)
                    verifier.check()

    def _receive(self, body: BodyReader, parser: TarStreamParser, free: queue.SimpleQueue,
                 verifier: Verifier) -> bool:
        """The receive loop: read into a buffer, parse and write from it, hand it to the verifier."""
        buffer = free.get()
        view = memoryview(buffer)
        filled = 0
        try:
            while True:
                if self.cancel.is_set():
                    return False
                verifier.check()
                n = body.readinto(view[filled:filled + READ_SIZE])
                if not n:
                    parser.finish()
                    return True
                if parser.feed(view[filled:filled + n]):
                    return True
                filled += n
                if filled + READ_SIZE > BUFFER_SIZE:
                    verifier.release(buffer)
                    buffer = free.get()
                    view = memoryview(buffer)
                    filled = 0
        finally:
            verifier.release(buffer)

    def _damaged(self, member) -> None:
        count = self.bad_counts[member.name] = self.bad_counts.get(member.name, 0) + 1
        self.bad_starts[member.name] = member.header_offset
        log.warning("an archive member failed its checksum (attempt %d)", count)


class _MemberWriter:
    """The parser's sink: writes wanted members to their partial files and queues them for verification."""

    def __init__(self, fetcher: StudyFetcher, expected: dict[str, Expected], journal: Journal,
                 total: int) -> None:
        self.fetcher = fetcher
        self.expected = expected
        self.journal = journal
        self.total = total
        self.verifier: Verifier | None = None
        self._fd: int | None = None
        self._pending: PendingMember | None = None
        self._begun: set[str] = set()  # names written in this stream (verified or still in the queue)

    def begin(self, member: Member) -> bool:
        exp = self.expected.get(member.name)
        if exp is None or member.name in self.journal.members or member.name in self._begun:
            # manifest.json, a file we already have, anything not promised, or a name the
            # archive repeats (its first copy may still be waiting for the verifier): never
            # written, so no verified file is ever truncated.
            return False
        self._begun.add(member.name)
        if member.size != exp.size:
            self.fetcher._damaged(member)
            return False
        self._fd = open_private_fd(exp.target)
        self._pending = PendingMember(member, exp.sha256, exp.target, exp.kind == "instance")
        self.verifier.begin(self._pending)
        return True

    def data(self, view: memoryview) -> None:
        fd = self._fd
        done = os.write(fd, view)
        while done < len(view):  # short writes are rare but allowed
            done += os.write(fd, view[done:])
        self._pending.remember(view)
        self.verifier.data(view)

    def end(self, member: Member, end_offset: int) -> None:
        os.close(self._fd)
        self._fd = None
        pending, self._pending = self._pending, None
        pending.end_offset = end_offset
        self.verifier.end(pending)
        if self.fetcher.progress:
            self.fetcher.progress(end_offset, self.total)

    def verified(self, pending: PendingMember) -> None:
        """Called by the verifier thread for a member whose SHA-256 matched (already renamed)."""
        self.journal.add(pending.member.name, pending.end_offset, pending.sha256)

    def abandon(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._pending.target.unlink(missing_ok=True)
            self._pending = None


def _file_matches(exp: Expected) -> bool:
    try:
        if exp.target.stat().st_size != exp.size:
            return False
        digest = hashlib.sha256()
        with open(exp.target, "rb") as fh:
            while block := fh.read(CHUNK):
                digest.update(block)
        return digest.hexdigest() == exp.sha256
    except OSError:
        return False
