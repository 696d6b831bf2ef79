"""Put studies straight into a portal's database and blob store (no upload needed).

Lets DICOMweb, code and retention tests run on real DICOM files (written by
``tests.dicom_factory``) stored exactly where ingest stores them.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pydicom
from sqlalchemy import insert, select

from portal.blobstore import blob_store_for
from portal.db import utcnow
from portal.schema import blobs, communities, documents, instances, series, studies
from tests.dicom_factory import StudySpec, write_study


@dataclass
class SeededStudy:
    """What was stored: ids, UIDs and every file's bytes for comparisons."""

    id: int
    uid: str
    community: str
    files: dict[str, bytes] = field(default_factory=dict)  # SOP UID -> Part-10 bytes
    series: dict[str, list[str]] = field(default_factory=dict)  # series UID -> SOP UIDs
    documents: dict[str, bytes] = field(default_factory=dict)  # filename -> bytes

    @property
    def shas(self) -> set[str]:
        return {hashlib.sha256(b).hexdigest() for b in [*self.files.values(),
                                                        *self.documents.values()]}


def _ensure_blob(conn, store, data: bytes) -> str:
    sha, _ = store.put_bytes(data)
    if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is None:
        conn.execute(insert(blobs).values(sha256=sha, size=len(data), created_at=utcnow()))
    return sha


def seed_study(engine, data_dir: Path, community: str, spec: StudySpec | None = None, *,
               series_count: int = 2, per_series: int = 3, sender_user_id: int | None = None,
               note: str | None = None, docs: dict[str, bytes] | None = None,
               files: list[Path] | None = None, expires_in: timedelta = timedelta(weeks=12),
               ) -> SeededStudy:
    """Store a synthetic study (or the Part-10 FILES given) as received by COMMUNITY."""
    spec = spec or StudySpec()
    store = blob_store_for(data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        paths = files or write_study(Path(tmp), spec, series=series_count,
                                     per_series=per_series)
        # force=True: FILES may be bare datasets (no preamble/file meta), as old uploads stored them.
        datasets = [(p.read_bytes(), pydicom.dcmread(p, stop_before_pixels=True, force=True))
                    for p in paths]
    now = utcnow()
    with engine.begin() as conn:
        community_id = conn.execute(select(communities.c.id)
                                    .where(communities.c.code == community)).scalar_one()
        first = datasets[0][1]
        modalities = sorted({str(ds.Modality) for _, ds in datasets})
        study_id = conn.execute(insert(studies).values(
            community_id=community_id, study_instance_uid=str(first.StudyInstanceUID),
            sender_user_id=sender_user_id, received_at=now, expires_at=now + expires_in,
            note=note, patient_name=str(first.PatientName), patient_id=str(first.PatientID),
            patient_birth_date=str(first.get("PatientBirthDate", "")),
            patient_sex=str(first.get("PatientSex", "")), study_date=str(first.StudyDate),
            study_time=str(first.get("StudyTime", "")),
            study_description=str(first.get("StudyDescription", "")),
            accession_number=str(first.get("AccessionNumber", "")),
            modalities="\\".join(modalities), instance_count=len(datasets),
            bytes=sum(len(b) for b, _ in datasets) + sum(map(len, (docs or {}).values())),
        ).returning(studies.c.id)).scalar_one()
        seeded = SeededStudy(study_id, str(first.StudyInstanceUID), community)
        series_ids: dict[str, int] = {}
        for data, ds in datasets:
            series_uid = str(ds.SeriesInstanceUID)
            if series_uid not in series_ids:
                series_ids[series_uid] = conn.execute(insert(series).values(
                    study_id=study_id, series_instance_uid=series_uid,
                    series_number=ds.get("SeriesNumber"), modality=str(ds.Modality),
                    series_description=str(ds.get("SeriesDescription", "")),
                ).returning(series.c.id)).scalar_one()
            sha = _ensure_blob(conn, store, data)
            conn.execute(insert(instances).values(
                series_id=series_ids[series_uid], sop_instance_uid=str(ds.SOPInstanceUID),
                sop_class_uid=str(ds.SOPClassUID),
                transfer_syntax_uid=str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID",
                                                None) or "1.2.840.10008.1.2"),
                instance_number=ds.get("InstanceNumber"), sha256=sha, size=len(data)))
            seeded.files[str(ds.SOPInstanceUID)] = data
            seeded.series.setdefault(series_uid, []).append(str(ds.SOPInstanceUID))
        for name, data in (docs or {}).items():
            sha = _ensure_blob(conn, store, data)
            conn.execute(insert(documents).values(
                study_id=study_id, filename=name, content_type="application/pdf",
                sha256=sha, size=len(data)))
            seeded.documents[name] = data
    return seeded


def make_pdf(text: str) -> bytes:
    """A tiny but well-formed PDF document showing TEXT."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
