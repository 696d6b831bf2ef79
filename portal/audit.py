"""The audit trail: who did what, when, from which address. Never patient data.

``detail`` may hold database ids (study row ids, upload ids) and counts, but
no names, patient IDs, birth dates, UIDs or codes.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from portal.db import utcnow
from portal.schema import audit


def client_address(request: Request) -> str:
    """The caller's address as seen by uvicorn (proxy headers applied by uvicorn)."""
    return request.client.host if request.client else "unknown"


def record(target: Engine | Connection, event: str, *, user_id: int | None = None,
           code_id: int | None = None, client: str | None = None,
           detail: dict | None = None) -> None:
    """Write one audit row; TARGET is an engine (own transaction) or an open connection."""
    row = dict(at=utcnow(), event=event, user_id=user_id, code_id=code_id,
               client=(client or "")[:64] or None, detail=detail or {})
    if isinstance(target, Engine):
        with target.begin() as conn:
            conn.execute(insert(audit).values(**row))
    else:
        target.execute(insert(audit).values(**row))
