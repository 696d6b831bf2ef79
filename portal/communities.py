"""Communities: a name plus a 4-character, case-sensitive code (e.g. ``bM1X``).

Search by name ignores case and accents ("saarbrucken" finds "Saarbrücken",
"strasse" finds "Straße"); search by code is exact.
"""

from __future__ import annotations

import secrets
import string
import unicodedata

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from portal.auth import Principal, require_user
from portal.db import utcnow
from portal.schema import communities

router = APIRouter(tags=["communities"])

CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 4
MAX_RESULTS = 50


class CommunityError(ValueError):
    """A community cannot be created as asked (message says why)."""


def fold(text: str) -> str:
    """Lower-case TEXT without accents, ß as ss: the form names are searched in."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # casefold() maps ß to ss (and handles other special cases lower() misses).
    return " ".join(stripped.casefold().split())


def valid_code(code: str) -> bool:
    """True for a well-formed community code (4 letters or digits)."""
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def create_community(engine: Engine, name: str, code: str | None = None) -> dict:
    """Create a community; generates a free code when CODE is None. Returns {name, code}."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise CommunityError("a community needs a name of 1 to 200 characters")
    if code is not None and not valid_code(code):
        raise CommunityError(f"a community code is {CODE_LENGTH} letters or digits, "
                             f"not {code!r}")
    for _ in range(20):
        candidate = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with engine.begin() as conn:
                conn.execute(insert(communities).values(
                    code=candidate, name=name, name_folded=fold(name), created_at=utcnow()))
            return {"name": name, "code": candidate}
        except IntegrityError as exc:
            if code is not None:
                raise CommunityError(f"the code {code!r} is taken already") from exc
    raise CommunityError("could not find a free community code")


def community_by_code(engine: Engine, code: str):
    """The community row with CODE (exact, case-sensitive), or None."""
    with engine.connect() as conn:
        return conn.execute(select(communities).where(communities.c.code == code)).first()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_communities(engine: Engine, query: str, limit: int = MAX_RESULTS) -> list[dict]:
    """Communities whose code is QUERY exactly, or whose name contains every word of it."""
    words = fold(query).split()
    name_match = and_(*[communities.c.name_folded.like(f"%{_escape_like(w)}%", escape="\\")
                        for w in words]) if words else None
    conditions = [communities.c.code == query.strip()]
    if name_match is not None:
        conditions.append(name_match)
    with engine.connect() as conn:
        rows = conn.execute(
            select(communities.c.name, communities.c.code)
            .where(or_(*conditions)).order_by(communities.c.name).limit(limit)
        ).all()
    # An exact code hit first: it is what someone typing a code wants.
    rows.sort(key=lambda r: r.code != query.strip())
    return [{"name": r.name, "code": r.code} for r in rows]


class CommunityAnswer(BaseModel):
    name: str
    code: str


@router.get("/api/communities", response_model=list[CommunityAnswer],
            response_description="Matching communities (at most 50).",
            responses={401: {"description": "No valid token."},
                       403: {"description": "Code holders cannot search."}})
def search(request: Request, q: str = Query("", max_length=200,
                                            description="Part of the name, or the exact code."),
           principal: Principal = Depends(require_user)) -> list[dict]:
    """Find communities by name (ignoring case and accents) or by exact code."""
    if not q.strip():
        return []
    return search_communities(request.app.state.engine, q)
