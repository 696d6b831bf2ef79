"""Bearer-token authentication shared by every portal route.

A token is a random string handed out by ``POST /api/login`` (kind ``user``)
or ``POST /api/codes/redeem`` (kind ``code``). Only its SHA-256 is stored.
Routes declare what they need with the FastAPI dependencies below.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import HTTPException, Request
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from portal.db import as_utc, utcnow
from portal.schema import code_studies, memberships, tokens


@dataclass(frozen=True)
class Principal:
    """Who is calling: a logged-in user, or the holder of a redeemed access code."""

    kind: str  # "user" or "code"
    user_id: int | None = None
    code_id: int | None = None
    # Communities whose inbox a user may see (empty for code holders).
    community_ids: frozenset[int] = field(default_factory=frozenset)
    # Studies (studies.id) a code holder may see (empty for users).
    study_ids: frozenset[int] = field(default_factory=frozenset)


def hash_token(token: str) -> str:
    """The stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(engine: Engine, *, kind: str, ttl_seconds: int,
                user_id: int | None = None, code_id: int | None = None) -> tuple[str, object]:
    """Create and store a new bearer token; returns ``(token, expires_at)``."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    with engine.begin() as conn:
        conn.execute(insert(tokens).values(
            token_hash=hash_token(token), kind=kind, user_id=user_id, code_id=code_id,
            created_at=now, expires_at=expires,
        ))
    return token, expires


# The web pages keep the same kind of token in this cookie (HttpOnly,
# SameSite=Strict). It is honoured for safe methods only, so a cookie alone
# can read (e.g. an <img> of a rendered image) but never change anything.
SESSION_COOKIE = "dm_session"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        if request.method in _SAFE_METHODS:
            return request.cookies.get(SESSION_COOKIE) or None
        return None
    return value.strip()


def principal_for_token(engine: Engine, token: str) -> Principal | None:
    """Resolve a bearer token to its principal, or None if unknown or expired."""
    with engine.connect() as conn:
        row = conn.execute(select(tokens).where(tokens.c.token_hash == hash_token(token))).first()
        if row is None or as_utc(row.expires_at) <= utcnow():
            return None
        if row.kind == "user":
            communities = conn.execute(
                select(memberships.c.community_id).where(memberships.c.user_id == row.user_id)
            ).scalars().all()
            return Principal(kind="user", user_id=row.user_id,
                             community_ids=frozenset(communities))
        study_ids = conn.execute(
            select(code_studies.c.study_id).where(code_studies.c.code_id == row.code_id)
        ).scalars().all()
        return Principal(kind="code", code_id=row.code_id, study_ids=frozenset(study_ids))


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail,
                         headers={"WWW-Authenticate": 'Bearer realm="downloadmanager"'})


def optional_principal(request: Request) -> Principal | None:
    """Dependency: the caller's principal, or None without a valid token."""
    token = _bearer(request)
    if token is None:
        return None
    return principal_for_token(request.app.state.engine, token)


def require_principal(request: Request) -> Principal:
    """Dependency: any valid token (user or code holder), else 401."""
    token = _bearer(request)
    if token is None:
        raise _unauthorized("missing bearer token")
    principal = principal_for_token(request.app.state.engine, token)
    if principal is None:
        raise _unauthorized("invalid or expired token")
    return principal


def require_user(request: Request) -> Principal:
    """Dependency: a logged-in user account, else 401 (403 for code holders)."""
    principal = require_principal(request)
    if principal.kind != "user":
        raise HTTPException(status_code=403, detail="this needs a user account")
    return principal
