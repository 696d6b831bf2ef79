"""Indexing verified instances and documents into studies/series/instances/blobs/documents.

Runs inside the ingest transaction. Re-sending the same study to the same
community adds nothing: the study, its series and instances are found by
their UIDs, an instance with the same bytes is reported ``already_present``
and a document with the same bytes is not stored twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from portal.config import Settings
from portal.db import as_utc
from portal.schema import blobs, documents, instances, series, studies

# Rows per query when looking up many at once (well under SQLite's variable limit).
_BATCH = 500

_STUDY_FIELDS = ("patient_name", "patient_id", "patient_birth_date", "patient_sex",
                 "study_date", "study_time", "study_description", "accession_number")


class StudyIndexer:
    """Writes one bundle's verified content for COMMUNITY_ID, sent by USER_ID."""

    def __init__(self, conn: Connection, settings: Settings, community_id: int,
                 user_id: int) -> None:
        self.conn = conn
        self.settings = settings
        self.community_id = community_id
        self.user_id = user_id

    def index(self, manifest, found, received_at: datetime) -> int:
        """Index the accepted results of FOUND (a ``Verification``); returns the study id.

        Marks results whose instance was already indexed with the same bytes
        as ``already_present``.
        """
        accepted = [r for r in found.instances if r.status == "accepted"]
        # A study sent again may bring nothing new (every instance already present).
        study_id = self._study(manifest, accepted[0].header if accepted else {}, received_at)
        # Rows are looked up and inserted in batches, not one query per
        # instance: a study of 2,000 instances took a second in round trips.
        self._blobs({r.entry.sha256: r.entry.size for r in accepted}, received_at)
        series_ids: dict[str, int] = {}
        for result in accepted:
            uid = result.header["series_instance_uid"]
            if uid not in series_ids:
                series_ids[uid] = self._series(study_id, result.header)
        added = self._instances(study_id, accepted, series_ids)
        for doc in found.documents:
            if doc.status != "accepted":
                continue
            self._blob(doc.entry.sha256, doc.entry.size, received_at)
            if not self._document(study_id, doc.entry):
                doc.status = "already_present"
            else:
                added += 1
        self._refresh_totals(study_id, received_at if added else None)
        return study_id

    # -- rows ------------------------------------------------------------------
    def _blob(self, sha256: str, size: int, now: datetime) -> None:
        self._blobs({sha256: size}, now)

    def _blobs(self, sizes: dict[str, int], now: datetime) -> None:
        """Insert a blob row for every SHA-256 in SIZES that has none."""
        shas = list(sizes)
        known: set[str] = set()
        for start in range(0, len(shas), _BATCH):
            known.update(self.conn.execute(select(blobs.c.sha256).where(
                blobs.c.sha256.in_(shas[start:start + _BATCH]))).scalars())
        new = [{"sha256": sha, "size": sizes[sha], "created_at": now}
               for sha in shas if sha not in known]
        if new:
            self.conn.execute(insert(blobs), new)

    def _study(self, manifest, header: dict, now: datetime) -> int:
        expires = now + timedelta(days=self.settings.retention_days)
        values = {name: header.get(name) for name in _STUDY_FIELDS}
        row = self.conn.execute(
            select(studies.c.id, studies.c.expires_at)
            .where(and_(studies.c.community_id == self.community_id,
                        studies.c.study_instance_uid == manifest.study_instance_uid))
        ).first()
        if row is None:
            return self.conn.execute(insert(studies).values(
                community_id=self.community_id,
                study_instance_uid=manifest.study_instance_uid,
                sender_user_id=self.user_id, received_at=now, expires_at=expires,
                note=manifest.note, instance_count=0, bytes=0, **values,
            )).inserted_primary_key[0]
        changes = {name: val for name, val in values.items() if val is not None}
        changes["sender_user_id"] = self.user_id
        # A new sending keeps the study at least as long as a fresh one.
        changes["expires_at"] = max(as_utc(row.expires_at), expires)
        if manifest.note:
            changes["note"] = manifest.note
        self.conn.execute(update(studies).where(studies.c.id == row.id).values(**changes))
        return row.id

    def _series(self, study_id: int, header: dict) -> int:
        uid = header["series_instance_uid"]
        values = {"series_number": header.get("series_number"),
                  "modality": header.get("modality"),
                  "series_description": header.get("series_description")}
        row = self.conn.execute(
            select(series.c.id).where(and_(series.c.study_id == study_id,
                                           series.c.series_instance_uid == uid))
        ).first()
        if row is None:
            return self.conn.execute(insert(series).values(
                study_id=study_id, series_instance_uid=uid, **values)).inserted_primary_key[0]
        changes = {k: v for k, v in values.items() if v is not None}
        if changes:
            self.conn.execute(update(series).where(series.c.id == row.id).values(**changes))
        return row.id

    def _instances(self, study_id: int, accepted: list, series_ids: dict[str, int]) -> int:
        """Insert or update the instance rows of ACCEPTED; returns how many are new content.

        An instance the study has with the same bytes (and series) is marked
        ``already_present``; with other bytes the latest sending wins.
        """
        existing = {row.sop_instance_uid: row for row in self.conn.execute(
            select(instances.c.id, instances.c.sop_instance_uid, instances.c.sha256,
                   instances.c.series_id)
            .join(series, series.c.id == instances.c.series_id)
            .where(series.c.study_id == study_id))}
        new_rows: list[dict] = []
        added = 0
        for result in accepted:
            entry, header = result.entry, result.header
            series_id = series_ids[header["series_instance_uid"]]
            values = {"series_id": series_id, "sop_class_uid": header["sop_class_uid"],
                      "transfer_syntax_uid": header.get("transfer_syntax_uid"),
                      "instance_number": header.get("instance_number"),
                      "sha256": entry.sha256, "size": entry.size}
            row = existing.get(entry.sop_instance_uid)
            if row is None:
                new_rows.append({"sop_instance_uid": entry.sop_instance_uid, **values})
            elif row.sha256 == entry.sha256 and row.series_id == series_id:
                result.status = "already_present"
                continue
            else:
                # Same instance, new bytes (e.g. corrected header): the latest sending wins.
                self.conn.execute(update(instances).where(instances.c.id == row.id)
                                  .values(**values))
            added += 1
        if new_rows:
            self.conn.execute(insert(instances), new_rows)
        return added

    def _document(self, study_id: int, entry) -> bool:
        """Insert the document row; False if the study has these bytes already."""
        exists = self.conn.execute(
            select(documents.c.id).where(and_(documents.c.study_id == study_id,
                                              documents.c.sha256 == entry.sha256))
        ).first()
        if exists is not None:
            return False
        self.conn.execute(insert(documents).values(
            study_id=study_id, filename=entry.title, content_type=entry.content_type,
            sha256=entry.sha256, size=entry.size))
        return True

    def _refresh_totals(self, study_id: int, new_content_at: datetime | None) -> None:
        count, total = self.conn.execute(
            select(func.count(instances.c.id), func.coalesce(func.sum(instances.c.size), 0))
            .join(series, series.c.id == instances.c.series_id)
            .where(series.c.study_id == study_id)
        ).one()
        modalities = sorted({m for m in self.conn.execute(
            select(series.c.modality).where(series.c.study_id == study_id)).scalars() if m})
        changes = {"instance_count": count, "bytes": total,
                   "modalities": "\\".join(modalities) or None}
        if new_content_at is not None:
            # New content makes the study new again for the community's inbox/import.
            changes.update(received_at=new_content_at, imported_at=None)
        self.conn.execute(update(studies).where(studies.c.id == study_id).values(**changes))
