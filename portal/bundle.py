"""Reading and validating a study bundle: an uncompressed tar with ``manifest.json`` first.

The rules are those of ``docs/protocol.md``. :func:`open_bundle` checks the
structure of the whole archive from its headers alone (the tar is read with
seeks, member data is not loaded): manifest first (or last, for bundles
sent while the client was still staging) and valid, only regular
files with the expected names, no links, devices or paths that leave the
archive, every member inside the file, nothing outside the manifest. Any
violation raises :class:`BundleError`, whose message goes into the receipt.
Member contents are then streamed with :meth:`Bundle.open_member`.

The headers at the start of the archive may come from the verifier that
followed the upload while it arrived (:class:`WalkedHeaders`): they pass the
same checks, and only the rest of the archive is read here (on a fresh
upload file every header read is a disk read: a thousand members cost the
receipt most of a second).
"""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

FORMAT = "downloadmanager-bundle"
VERSION = 1
MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_NOTE_CHARS = 4000

_INSTANCE_NAME = re.compile(r"^dicom/[0-9]{6}\.dcm$")
_DOCUMENT_NAME = re.compile(r"^documents/[0-9]{2}-[^/\\]{1,200}\.pdf$")
_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_DRIVE = re.compile(r"^[A-Za-z]:")  # a Windows drive letter
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Directory entries some tar writers add; they carry no data and are ignored.
_ALLOWED_DIRECTORIES = ("dicom", "documents")


def is_uid(value: str) -> bool:
    """True for a DICOM UID (digits and dots, at most 64 characters)."""
    return len(value) <= 64 and bool(_UID.match(value))


def is_sha256_hex(value: str) -> bool:
    """True for 64 lowercase hex digits."""
    return bool(_SHA256.match(value))


class BundleError(Exception):
    """The bundle as a whole is unusable; the message says why (for the receipt)."""


@dataclass(frozen=True)
class ManifestInstance:
    """One DICOM instance the client says is in the bundle."""

    name: str
    sop_instance_uid: str
    sop_class_uid: str
    series_instance_uid: str
    transfer_syntax_uid: str | None
    size: int
    sha256: str
    # False: the client left the bytes out because the portal said the
    # recipient holds them (``POST /api/uploads/present``); ingest checks that.
    in_bundle: bool = True


@dataclass(frozen=True)
class ManifestDocument:
    """One attached PDF document the client says is in the bundle."""

    name: str
    title: str
    content_type: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """The parsed and checked ``manifest.json``."""

    study_instance_uid: str
    note: str | None
    client: str | None
    instances: list[ManifestInstance] = field(default_factory=list)
    documents: list[ManifestDocument] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """Sum of the sizes of all instances and documents."""
        return sum(i.size for i in self.instances) + sum(d.size for d in self.documents)


def _uid(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > 64 or not _UID.match(value):
        raise BundleError(f"manifest: {what} is not a valid DICOM UID")
    return value


def _size(value, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BundleError(f"manifest: {what} size must be a non-negative integer")
    return value


def _sha(value, what: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise BundleError(f"manifest: {what} sha256 must be 64 lowercase hex digits")
    return value


def _instance(entry, index: int) -> ManifestInstance:
    if not isinstance(entry, dict):
        raise BundleError(f"manifest: instances[{index}] is not an object")
    name = entry.get("name")
    if not isinstance(name, str) or not _INSTANCE_NAME.match(name):
        raise BundleError(f"manifest: instances[{index}] name must look like dicom/000001.dcm")
    tsuid = entry.get("transfer_syntax_uid")
    in_bundle = entry.get("in_bundle", True)
    if not isinstance(in_bundle, bool):
        raise BundleError(f"manifest: {name} in_bundle must be true or false")
    return ManifestInstance(
        name=name,
        sop_instance_uid=_uid(entry.get("sop_instance_uid"), f"{name} sop_instance_uid"),
        sop_class_uid=_uid(entry.get("sop_class_uid"), f"{name} sop_class_uid"),
        series_instance_uid=_uid(entry.get("series_instance_uid"),
                                 f"{name} series_instance_uid"),
        transfer_syntax_uid=None if tsuid is None else _uid(tsuid, f"{name} "
                                                            "transfer_syntax_uid"),
        size=_size(entry.get("size"), name),
        sha256=_sha(entry.get("sha256"), name),
        in_bundle=in_bundle,
    )


def _document(entry, index: int) -> ManifestDocument:
    if not isinstance(entry, dict):
        raise BundleError(f"manifest: documents[{index}] is not an object")
    name = entry.get("name")
    if not isinstance(name, str) or not _DOCUMENT_NAME.match(name):
        raise BundleError(f"manifest: documents[{index}] name must look like "
                          "documents/01-name.pdf")
    title = entry.get("title", PurePosixPath(name).name)
    if not isinstance(title, str) or not title or len(title) > 255:
        raise BundleError(f"manifest: {name} title must be 1-255 characters")
    content_type = entry.get("content_type", "application/pdf")
    if content_type != "application/pdf":
        raise BundleError(f"manifest: {name} content_type must be application/pdf")
    return ManifestDocument(name=name, title=title, content_type=content_type,
                            size=_size(entry.get("size"), name),
                            sha256=_sha(entry.get("sha256"), name))


def parse_manifest(data: bytes) -> Manifest:
    """Parse and check ``manifest.json``; raises BundleError with the first problem."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("manifest.json is not valid UTF-8 JSON") from None
    if not isinstance(doc, dict):
        raise BundleError("manifest.json must hold a JSON object")
    if doc.get("format") != FORMAT:
        raise BundleError(f"manifest: format must be {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise BundleError(f"manifest: version {doc.get('version')!r} is not supported "
                          f"(this portal reads version {VERSION})")
    study_uid = _uid(doc.get("study_instance_uid"), "study_instance_uid")
    note = doc.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
        raise BundleError(f"manifest: note must be text of at most {MAX_NOTE_CHARS} "
                          "characters, or null")
    client = doc.get("client") if isinstance(doc.get("client"), str) else None
    raw_instances = doc.get("instances")
    if not isinstance(raw_instances, list) or not raw_instances:
        raise BundleError("manifest: instances must be a non-empty list")
    raw_documents = doc.get("documents", [])
    if not isinstance(raw_documents, list):
        raise BundleError("manifest: documents must be a list")
    manifest = Manifest(
        study_instance_uid=study_uid, note=note, client=client,
        instances=[_instance(e, i) for i, e in enumerate(raw_instances)],
        documents=[_document(e, i) for i, e in enumerate(raw_documents)],
    )
    names = [i.name for i in manifest.instances] + [d.name for d in manifest.documents]
    if len(set(names)) != len(names):
        raise BundleError("manifest: a member name appears twice")
    sops = [i.sop_instance_uid for i in manifest.instances]
    if len(set(sops)) != len(sops):
        raise BundleError("manifest: a SOP Instance UID appears twice")
    totals = doc.get("totals")
    if not isinstance(totals, dict):
        raise BundleError("manifest: totals missing")
    if totals.get("instances") != len(manifest.instances):
        raise BundleError(f"manifest: totals.instances is {totals.get('instances')!r} but "
                          f"{len(manifest.instances)} instances are listed")
    if totals.get("documents", 0) != len(manifest.documents):
        raise BundleError(f"manifest: totals.documents is {totals.get('documents')!r} but "
                          f"{len(manifest.documents)} documents are listed")
    if totals.get("bytes") != manifest.total_bytes:
        raise BundleError(f"manifest: totals.bytes is {totals.get('bytes')!r} but the listed "
                          f"sizes add up to {manifest.total_bytes}")
    return manifest


def _check_member_name(name: str) -> None:
    # Split by hand, not with PurePosixPath: this runs for every member of
    # every bundle, after its last byte; ".." stays a part either way.
    if (name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/")
            or _DRIVE.match(name)):
        raise BundleError(f"member name {name!r} leaves the archive (path traversal)")


@dataclass
class WalkedHeaders:
    """Member headers read from the start of an upload file, and where the next one starts.

    Each header is a ``tarfile.TarInfo`` with ``offset`` and ``offset_data``
    set as :mod:`tarfile` sets them; only plain regular files and directories
    (no pax, GNU or sparse headers, which change how the following bytes are
    read). The reader must have read them from the file's final bytes.
    """

    headers: list[tarfile.TarInfo]
    position: int


class Bundle:
    """An opened, structurally valid bundle. Close it (or use ``with``)."""

    def __init__(self, path: Path, tar: tarfile.TarFile, manifest: Manifest,
                 members: dict[str, tarfile.TarInfo], file: BinaryIO | None = None,
                 headers_walked: int = 0,
                 manifest_member: tarfile.TarInfo | None = None) -> None:
        self.path = path
        self.manifest = manifest
        self.members = members
        self._manifest_member = manifest_member
        self._tar = tar
        self._file = file  # the file TAR reads when it was opened on one
        self.header_count = len(members) + 1  # the members and the manifest
        self.headers_walked = headers_walked  # of them, how many came from WalkedHeaders

    def data_ranges(self) -> list[tuple[int, int]]:
        """``(offset, size)`` in the file of every member's bytes, the manifest's included."""
        headers = list(self.members.values())
        if self._manifest_member is not None:
            headers.append(self._manifest_member)
        return [(member.offset_data, member.size) for member in headers]

    def open_member(self, name: str) -> BinaryIO:
        """A bounded reader over member NAME's bytes (read it in blocks)."""
        reader = self._tar.extractfile(self.members[name])
        if reader is None:  # only regular files are kept in ``members``
            raise BundleError(f"{name} is not a regular file")
        return reader

    def close(self) -> None:
        """Close the archive."""
        try:
            self._tar.close()
        finally:
            if self._file is not None:
                self._file.close()

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> Manifest:
    if not member.isreg():
        raise BundleError("manifest.json must be a regular file")
    if member.size > MAX_MANIFEST_BYTES:
        raise BundleError(f"manifest.json is larger than {MAX_MANIFEST_BYTES} bytes")
    reader = tar.extractfile(member)
    data = reader.read() if reader is not None else b""
    if len(data) != member.size:
        raise BundleError("manifest.json is truncated")
    return parse_manifest(data)


def _headers(tar: tarfile.TarFile, file_size: int,
             found: list[tarfile.TarInfo] | None = None) -> list[tarfile.TarInfo]:
    """Every member header in order (after FOUND), checked for what no bundle may contain."""
    found = [] if found is None else found
    while True:
        try:
            member = tar.next()
        except tarfile.TarError as exc:
            if not found:
                raise BundleError(f"not an uncompressed tar archive ({exc})") from None
            raise BundleError(f"the tar archive is damaged ({exc})") from None
        if member is None:
            return found
        if _kept(member, file_size):
            found.append(member)


# Regular files only: tarfile counts contiguous and GNU sparse members as
# regular too (isreg()), but their bytes are not where (offset_data, size) says.
_PLAIN_FILE_TYPES = (tarfile.REGTYPE, tarfile.AREGTYPE)


def _kept(member: tarfile.TarInfo, file_size: int) -> bool:
    """Check one header; False for the directory entries that are ignored."""
    _check_member_name(member.name)
    if member.isdir() and member.name.rstrip("/") in _ALLOWED_DIRECTORIES:
        return False
    if member.issym() or member.islnk():
        raise BundleError(f"member {member.name!r} is a link; links are not allowed")
    if member.sparse is not None or member.type == tarfile.GNUTYPE_SPARSE:
        # A sparse member's bytes in the file are fewer than its size: the
        # range (offset_data, size) would cover the next members' headers
        # and bytes, and ingest keeps and discards such ranges in place.
        raise BundleError(f"member {member.name!r} is a sparse file; sparse files are not "
                          "allowed")
    if member.type not in _PLAIN_FILE_TYPES:
        raise BundleError(f"member {member.name!r} is not a regular file")
    if member.offset_data + member.size > file_size:
        raise BundleError(f"the tar archive is truncated inside {member.name!r}")
    return True


def _open_tar(path: Path, walked: WalkedHeaders | None
              ) -> tuple[tarfile.TarFile, BinaryIO | None, list[tarfile.TarInfo]]:
    """The archive read from its start, or from where WALKED stopped (with its headers)."""
    if walked is None or not walked.headers:
        return tarfile.open(path, mode="r:"), None, []
    file = open(path, "rb")
    try:
        file.seek(walked.position)
        # A TarFile reads on from its file object's position.
        return tarfile.TarFile(fileobj=file, mode="r"), file, list(walked.headers)
    except BaseException:
        file.close()
        raise


def _manifest_member(headers: list[tarfile.TarInfo]) -> tarfile.TarInfo:
    """The manifest's header: the first member, or the last (bundles sent while staging)."""
    if headers and headers[0].name == MANIFEST_NAME:
        return headers[0]
    if headers and headers[-1].name == MANIFEST_NAME:
        return headers[-1]
    raise BundleError("manifest.json must be the first or the last member of the bundle")


def open_bundle(path: Path | str, walked: WalkedHeaders | None = None) -> Bundle:
    """Open the bundle at PATH and check its structure; raises BundleError.

    WALKED: the archive's first headers, read already (see :class:`WalkedHeaders`).
    """
    path = Path(path)
    file_size = path.stat().st_size
    try:
        tar, file, known = _open_tar(path, walked)
    except (tarfile.TarError, OSError) as exc:
        raise BundleError(f"not an uncompressed tar archive ({exc})") from None
    try:
        walked_kept = [m for m in known if _kept(m, file_size)]
        headers = _headers(tar, file_size, list(walked_kept))
        manifest_member = _manifest_member(headers)
        manifest = _read_manifest(tar, manifest_member)
        expected = {i.name for i in manifest.instances if i.in_bundle} | \
            {d.name for d in manifest.documents}
        left_out = {i.name for i in manifest.instances if not i.in_bundle}
        members: dict[str, tarfile.TarInfo] = {}
        for member in headers:
            if member is manifest_member:
                continue
            if member.name in left_out:
                raise BundleError(f"member {member.name!r} is in the bundle although the "
                                  "manifest says in_bundle: false")
            if member.name not in expected:
                raise BundleError(f"member {member.name!r} is not listed in the manifest")
            if member.name in members:
                raise BundleError(f"member {member.name!r} appears twice")
            members[member.name] = member
        return Bundle(path, tar, manifest, members, file, len(walked_kept), manifest_member)
    except BaseException:
        tar.close()
        if file is not None:
            file.close()
        raise
