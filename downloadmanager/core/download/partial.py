"""The hidden partial area: where unverified data wait, and the journal that lets them resume.

Layout below the target folder (owner-only)::

    TARGET/.downloadmanager-partial/<job>/            one fetch (code or inbox study)
        state/<study>/journal.log                      verified members + archive ETag
        state/<study>/manifest.json                    the portal's manifest
        instances/<study>/<SOP UID>.dcm                verified instances
        documents/<study>/<n>.bin                      verified documents
        out/                                           the final layout, before it moves

Every name here is built by us from sanitised UIDs (:func:`uid_name`) or
counters; nothing the server sends becomes a path. A folder in the partial
area is never shown as a result: only :mod:`.publish` moves finished folders
into the target.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from downloadmanager.core.archive.private_files import make_private_dir, open_private

PARTIAL_DIR_NAME = ".downloadmanager-partial"
_UID_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def uid_name(uid: str) -> str:
    """A file-name-safe form of UID: the UID itself when it is a valid DICOM UID, else a hash."""
    if uid and len(uid) <= 64 and _UID_RE.match(uid):
        return uid
    return "x" + hashlib.sha256(uid.encode("utf-8", "replace")).hexdigest()[:40]


def job_key(*parts: str) -> str:
    """A short stable folder name for a job (never shows the code itself)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:20]


def open_private_fd(path: Path, *, append: bool = False) -> int:
    """Open PATH for writing (truncated, or appending) as a raw descriptor, owner-only.

    The receive loop writes memoryviews of its buffers with ``os.write``; a
    raw descriptor avoids a buffered file object's extra copy.
    """
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)
    flags |= os.O_APPEND if append else os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    if os.name == "posix":
        os.fchmod(fd, 0o600)
    return fd


def hide_on_windows(path: Path) -> None:
    """Set the hidden attribute on Windows (the leading dot hides it elsewhere)."""
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes
        ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)


class PartialArea:
    """The partial folders of one job below TARGET."""

    def __init__(self, target: Path, key: str) -> None:
        self.target = target
        self.base = target / PARTIAL_DIR_NAME
        self.root = self.base / key

    def create(self) -> PartialArea:
        make_private_dir(self.target)
        fresh = not self.base.exists()
        make_private_dir(self.base)
        if fresh:
            hide_on_windows(self.base)
        make_private_dir(self.root)
        return self

    def state_dir(self, study_uid: str) -> Path:
        return make_private_dir(self.root / "state" / uid_name(study_uid))

    def instances_dir(self, study_uid: str | None = None) -> Path:
        base = self.root / "instances"
        return make_private_dir(base / uid_name(study_uid) if study_uid else base)

    def documents_dir(self, study_uid: str) -> Path:
        return make_private_dir(self.root / "documents" / uid_name(study_uid))

    def out_dir(self) -> Path:
        return make_private_dir(self.root / "out")

    def remove(self) -> None:
        """Delete this job's partial data (and the partial folder when it is empty)."""
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            self.base.rmdir()
        except OSError:
            pass


class Journal:
    """Append-only record of verified archive members for one study.

    First line: ``{"etag": ..., "size": ...}``; then one JSON line per
    verified member: ``{"end": <archive offset after it>, "name": ..., "sha256": ...}``.
    A line is written only after its file is complete and verified, so after
    a crash (even ``kill -9``) the last line tells where to resume. Lines are
    written unbuffered to a descriptor kept open (one ``write`` per member,
    not an open and close). Nothing is fsynced: after a power cut the files
    an earlier run recorded are hashed again before they count.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / "journal.log"
        self._fd: int | None = None
        self.etag: str | None = None
        self.size: int | None = None
        self.members: dict[str, dict] = {}
        self.offset = 0
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:
                break  # a torn last line after a crash: ignore it and what follows
        if not entries or "etag" not in entries[0]:
            return
        self.etag, self.size = entries[0]["etag"], entries[0].get("size")
        for entry in entries[1:]:
            self.members[entry["name"]] = entry
            self.offset = max(self.offset, int(entry["end"]))

    def start(self, etag: str | None, size: int | None) -> None:
        """Begin afresh for an archive with this ETag and size (drops old entries)."""
        self.close()
        self.etag, self.size, self.members, self.offset = etag, size, {}, 0
        with open_private(self.path, "wb") as out:
            out.write((json.dumps({"etag": etag, "size": size}) + "\n").encode("utf-8"))

    def add(self, name: str, end: int, sha256: str) -> None:
        """Record a verified member ending at archive offset END."""
        entry = {"end": end, "name": name, "sha256": sha256}
        if self._fd is None:
            self._fd = open_private_fd(self.path, append=True)
        os.write(self._fd, (json.dumps(entry) + "\n").encode("utf-8"))
        self.members[name] = entry
        self.offset = max(self.offset, end)

    def close(self) -> None:
        """Close the descriptor kept for appending (reopened by the next :meth:`add`)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def forget_from(self, name: str) -> None:
        """Drop NAME (its file failed a re-check) and rewrite the journal up to it."""
        kept = [e for e in self.members.values() if e["end"] < self.members.get(name, {"end": 0})["end"]]
        self.start(self.etag, self.size)
        for entry in sorted(kept, key=lambda e: e["end"]):
            self.add(entry["name"], entry["end"], entry["sha256"])
