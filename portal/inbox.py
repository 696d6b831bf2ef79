"""A community's inbox: the studies it received, for its members only."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select, update

from portal import audit
from portal.access import iso, study_summaries, visible_condition
from portal.auth import Principal, require_user
from portal.communities import community_by_code
from portal.db import utcnow
from portal.errors import ApiError, not_found
from portal.schema import studies

router = APIRouter(tags=["inbox"])
_COMMON = {401: {"description": "No valid token."},
           403: {"description": "You are not a member of this community."},
           404: {"description": "No such community (or study in its inbox)."}}


def _member_community(request: Request, principal: Principal, code: str):
    community = community_by_code(request.app.state.engine, code)
    if community is None:
        raise not_found("community")
    if community.id not in principal.community_ids:
        raise ApiError(403, "not_a_member", "you are not a member of this community")
    return community


@router.get("/api/communities/{code}/inbox", responses=_COMMON,
            response_description="Received studies, newest first.")
def inbox(code: str, request: Request, principal: Principal = Depends(require_user),
          imported: bool | None = Query(None, description="Only (not) imported studies."),
          since: datetime | None = Query(None, description="Only studies received after "
                                                           "this time (ISO 8601).")) -> dict:
    """The studies the community received: sender, time, counts, size, note, documents."""
    community = _member_community(request, principal, code)
    listed = inbox_studies(request.app.state.engine, principal, community.id,
                           imported=imported, since=since)
    return {"community": {"name": community.name, "code": community.code},
            "studies": listed}


def inbox_studies(engine, principal: Principal, community_id: int, *,
                  imported: bool | None = None, since: datetime | None = None) -> list[dict]:
    """Summaries of the studies COMMUNITY_ID received that PRINCIPAL may see, newest first.

    Shared by the API and the web inbox; membership is the caller's check
    (``visible_condition`` still hides other communities' studies).
    """
    query = select(studies).where(visible_condition(principal),
                                  studies.c.community_id == community_id)
    if imported is not None:
        query = query.where(studies.c.imported_at.is_not(None) if imported
                            else studies.c.imported_at.is_(None))
    if since is not None:
        query = query.where(studies.c.received_at > since)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(studies.c.received_at.desc(), studies.c.id.desc())
                            ).all()
        return study_summaries(conn, rows)


@router.post("/api/communities/{code}/inbox/{study_uid}/imported", responses=_COMMON,
             response_description="The study is marked imported.")
def mark_imported(code: str, study_uid: str, request: Request,
                  principal: Principal = Depends(require_user)) -> dict:
    """Mark a received study as imported (into the hospital's PACS)."""
    community = _member_community(request, principal, code)
    now = utcnow()
    engine = request.app.state.engine
    with engine.begin() as conn:
        row = conn.execute(select(studies.c.id, studies.c.imported_at).where(
            visible_condition(principal), studies.c.community_id == community.id,
            studies.c.study_instance_uid == study_uid)).first()
        if row is None:
            raise not_found()
        when = row.imported_at or now
        if row.imported_at is None:
            conn.execute(update(studies).where(studies.c.id == row.id).values(imported_at=now))
    audit.record(engine, "study_imported", user_id=principal.user_id,
                 client=audit.client_address(request), detail={"studies": [row.id]})
    return {"study_instance_uid": study_uid, "imported": True, "imported_at": iso(when)}
