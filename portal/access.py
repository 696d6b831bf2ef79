"""Which studies a caller may see, and the summaries listings show of them.

A logged-in user sees the studies received by the communities he is a
member of; the holder of a redeemed access code sees the studies bound to
that code. Nobody sees a study past its expiry. Every download route goes
through :func:`visible_condition`, so isolation lives in one place.
"""

from __future__ import annotations

from datetime import timezone

from sqlalchemy import and_, false, func, select
from sqlalchemy.engine import Connection

from portal.auth import Principal
from portal.db import as_utc, utcnow
from portal.errors import not_found
from portal.schema import documents, series, studies, users


def visible_condition(principal: Principal):
    """A WHERE clause on ``studies`` selecting the rows PRINCIPAL may see."""
    if principal.kind == "user":
        if not principal.community_ids:
            return false()
        scope = studies.c.community_id.in_(sorted(principal.community_ids))
    elif principal.kind == "code":
        if not principal.study_ids:
            return false()
        scope = studies.c.id.in_(sorted(principal.study_ids))
    else:
        return false()
    return and_(scope, studies.c.expires_at > utcnow())


def visible_studies(conn: Connection, principal: Principal, study_uid: str) -> list:
    """The study rows with STUDY_UID that PRINCIPAL may see; 404 ApiError when none.

    The same study sent to two communities gives two rows; a member of both
    gets both, and callers merge their instances.
    """
    rows = conn.execute(
        select(studies).where(visible_condition(principal),
                              studies.c.study_instance_uid == study_uid)
        .order_by(studies.c.received_at.desc())
    ).all()
    if not rows:
        raise not_found()
    return rows


def documents_of(conn: Connection, study_ids: list[int]) -> dict[int, list[dict]]:
    """Documents per study id: id, filename, content type, size, SHA-256."""
    out: dict[int, list[dict]] = {sid: [] for sid in study_ids}
    if not study_ids:
        return out
    for row in conn.execute(select(documents).where(documents.c.study_id.in_(study_ids))
                            .order_by(documents.c.id)):
        out[row.study_id].append({
            "id": row.id, "filename": row.filename, "content_type": row.content_type,
            "size": int(row.size), "sha256": row.sha256,
        })
    return out


def _iso(value) -> str | None:
    value = as_utc(value)
    if value is None:
        return None
    # PostgreSQL hands back its session time zone: normalise to UTC.
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def study_summaries(conn: Connection, rows: list) -> list[dict]:
    """What study listings (inbox, code studies) show for each row of ``studies``."""
    ids = [r.id for r in rows]
    series_counts = dict(conn.execute(
        select(series.c.study_id, func.count()).where(series.c.study_id.in_(ids))
        .group_by(series.c.study_id)
    ).all()) if ids else {}
    sender_ids = {r.sender_user_id for r in rows if r.sender_user_id is not None}
    senders = dict(conn.execute(select(users.c.id, users.c.email)
                                .where(users.c.id.in_(sender_ids))).all()) if sender_ids else {}
    docs = documents_of(conn, ids)
    out = []
    for r in rows:
        uid = r.study_instance_uid
        out.append({
            "study_instance_uid": uid,
            "patient_name": r.patient_name,
            "patient_id": r.patient_id,
            "patient_birth_date": r.patient_birth_date,
            "patient_sex": r.patient_sex,
            "study_date": r.study_date,
            "study_time": r.study_time,
            "study_description": r.study_description,
            "accession_number": r.accession_number,
            "modalities": [m for m in (r.modalities or "").split("\\") if m],
            "series_count": int(series_counts.get(r.id, 0)),
            "instance_count": int(r.instance_count or 0),
            "bytes": int(r.bytes or 0),
            "note": r.note,
            "sender_email": senders.get(r.sender_user_id),
            "received_at": _iso(r.received_at),
            "expires_at": _iso(r.expires_at),
            "imported": r.imported_at is not None,
            "imported_at": _iso(r.imported_at),
            "documents": [
                {**d, "url": f"/api/studies/{uid}/documents/{d['id']}"} for d in docs[r.id]
            ],
            "archive_url": f"/api/studies/{uid}/archive",
            "manifest_url": f"/api/studies/{uid}/manifest",
            "dicomweb_url": f"/dicomweb/studies/{uid}",
        })
    return out


def iso(value) -> str | None:
    """A stored time as ISO 8601 UTC with a ``Z`` (None stays None)."""
    return _iso(value)


def study_instances(conn: Connection, study_ids: list[int], *, series_uid: str | None = None,
                    sop_uid: str | None = None) -> list:
    """Instances of the given study rows, in series/instance order, once per SOP UID.

    Rows carry ``sop_instance_uid``, ``sop_class_uid``, ``transfer_syntax_uid``,
    ``instance_number``, ``sha256``, ``size``, ``series_instance_uid``,
    ``series_number``, ``modality``.
    """
    from portal.schema import instances  # local: keeps the module's import list short

    query = (
        select(instances.c.sop_instance_uid, instances.c.sop_class_uid,
               instances.c.transfer_syntax_uid, instances.c.instance_number,
               instances.c.sha256, instances.c.size, series.c.series_instance_uid,
               series.c.series_number, series.c.modality)
        .join(series, series.c.id == instances.c.series_id)
        .where(series.c.study_id.in_(study_ids))
        .order_by(series.c.series_number, series.c.series_instance_uid,
                  instances.c.instance_number, instances.c.sop_instance_uid)
    )
    if series_uid is not None:
        query = query.where(series.c.series_instance_uid == series_uid)
    if sop_uid is not None:
        query = query.where(instances.c.sop_instance_uid == sop_uid)
    seen, out = set(), []
    for row in conn.execute(query):
        if row.sop_instance_uid not in seen:
            seen.add(row.sop_instance_uid)
            out.append(row)
    return out


def visible_instances(engine, principal: Principal, study_uid: str, *,
                      series_uid: str | None = None, sop_uid: str | None = None
                      ) -> tuple[list, list]:
    """The study rows and the instances (of the series, or the one instance) PRINCIPAL may see.

    Raises the one 404 answer (``not_found``) when there is nothing to see, so
    every route that hands out instances checks access the same way.
    """
    with engine.connect() as conn:
        rows = visible_studies(conn, principal, study_uid)
        items = study_instances(conn, [r.id for r in rows], series_uid=series_uid,
                                sop_uid=sop_uid)
    if not items:
        raise not_found("instance" if sop_uid else "series" if series_uid else "study")
    return rows, items
