"""HTTP routes for access codes: create, redeem, list the studies, QR landing page."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from portal import audit, codes
from portal.access import iso, study_summaries, visible_condition
from portal.auth import Principal, issue_token, require_principal, require_user
from portal.db import utcnow
from portal.errors import ApiError
from portal.schema import studies

router = APIRouter(tags=["access codes"])

INVALID = ("invalid_code_or_birth_date", "the code or the birth date is wrong")


class CreateCodeRequest(BaseModel):
    study_uids: list[str] = Field(min_length=1, description="Study Instance UIDs you uploaded.")
    birth_date: str = Field(description="The patient's birth date, YYYY-MM-DD.")
    weeks: int = Field(codes.DEFAULT_WEEKS, ge=codes.MIN_WEEKS, le=codes.MAX_WEEKS)


class CodeAnswer(BaseModel):
    code: str = Field(description="XXXX-XXXX-XXXX")
    expires: datetime
    qr_payload: str = Field(description="URL for the QR code: <public_url>/c/<code>.")


class RedeemRequest(BaseModel):
    code: str = Field(description="12 characters, any case, dashes and spaces ignored.")
    birth_date: str = Field(description="YYYY-MM-DD")


class RedeemAnswer(BaseModel):
    token: str
    expires: datetime = Field(description="When the token expires.")
    code_expires: datetime = Field(description="When the access code expires.")


def portal_secret(request: Request) -> bytes:
    """The portal's HMAC key (``DATA/secret.key``), read once per application."""
    state = request.app.state
    if getattr(state, "code_secret", None) is None:
        state.code_secret = codes.load_secret(state.settings.data_dir)
    return state.code_secret


@router.post("/api/codes", response_model=CodeAnswer, status_code=201,
             response_description="The new code (shown only now).",
             responses={401: {"description": "No valid token."},
                        403: {"description": "Code holders cannot create codes."},
                        404: {"description": "A study is unknown or not uploaded by you."}})
def create(body: CreateCodeRequest, request: Request,
           principal: Principal = Depends(require_user)) -> dict:
    """Create an access code for studies the caller uploaded, bound to a birth date."""
    created = create_access_code(request, principal.user_id, body.study_uids, body.birth_date,
                                 body.weeks, sender_user_id=principal.user_id)
    return created.as_dict()


def create_access_code(request: Request, user_id: int, study_uids: list[str], birth_date: str,
                       weeks: int, *, sender_user_id: int | None = None,
                       community_ids: frozenset[int] | None = None) -> codes.CreatedCode:
    """Create a code for the studies USER_ID may bind (see ``codes.study_ids_for``), audited.

    The API passes SENDER_USER_ID (codes for what you sent), the web inbox
    COMMUNITY_IDS (codes for what your community received). Raises
    ``ApiError`` 404 (a study is unknown or not yours) or 422 (bad birth date
    or weeks).
    """
    engine = request.app.state.engine
    try:
        ids = codes.study_ids_for(engine, study_uids, sender_user_id=sender_user_id,
                                  community_ids=community_ids)
        created = codes.create_code(engine, portal_secret(request),
                                    request.app.state.settings.public_url, ids,
                                    birth_date, weeks=weeks, created_by=user_id)
    except codes.UnknownStudyError as exc:
        raise ApiError(404, "unknown_study", str(exc)) from exc
    except codes.CodeError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    audit.record(engine, "code_created", user_id=user_id,
                 client=audit.client_address(request),
                 detail={"studies": list(created.study_ids), "weeks": weeks})
    return created


def _too_many(wait: int, error: str, message: str, **extra) -> ApiError:
    return ApiError(429, error, message, headers={"Retry-After": str(wait)},
                    retry_after=wait, **extra)


@router.post("/api/codes/redeem", response_model=RedeemAnswer,
             response_description="A short-lived token for the code's studies.",
             responses={
                 403: {"description": "Wrong code or wrong birth date (one answer for both)."},
                 410: {"description": "Right code and birth date, but the code expired."},
                 429: {"description": "Code locked after wrong birth dates, or too many "
                                      "attempts from this address (see Retry-After)."}})
def redeem(body: RedeemRequest, request: Request) -> RedeemAnswer:
    """Exchange an access code and the patient's birth date for a bearer token."""
    return redeem_code(request, body.code, body.birth_date)


def redeem_code(request: Request, code: str, birth_date: str) -> RedeemAnswer:
    """Redeem CODE with BIRTH_DATE for the caller: rate limit, lockout, audit, token.

    Shared by the API and the web pages, so both give the same answers;
    failures raise ``ApiError`` (403 invalid, 410 expired, 429 locked or limited).
    """
    engine = request.app.state.engine
    settings = request.app.state.settings
    client = audit.client_address(request)
    limit = request.app.state.limits.redeem
    wait = limit.retry_after(client)
    if wait:
        audit.record(engine, "code_rate_limited", client=client)
        raise _too_many(wait, "too_many_attempts",
                        f"too many attempts from your address, wait {wait} seconds")
    limit.hit(client)
    result = codes.redeem(engine, portal_secret(request), code, birth_date)
    audit.record(engine, f"code_{result.outcome}", code_id=result.code_id, client=client)
    if result.outcome == "invalid":
        raise ApiError(403, *INVALID)
    if result.outcome == "locked":
        raise _too_many(result.retry_after, "code_locked",
                        f"too many wrong birth dates: this code is locked for "
                        f"{result.retry_after} seconds",
                        locked_until=iso(result.locked_until))
    if result.outcome == "expired":
        raise ApiError(410, "code_expired", f"this code expired on {iso(result.expires)}",
                       expires=iso(result.expires))
    ttl = min(settings.code_token_ttl_seconds,
              int((result.expires - utcnow()) / timedelta(seconds=1)))
    token, expires = issue_token(engine, kind="code", code_id=result.code_id,
                                 ttl_seconds=max(1, ttl))
    return RedeemAnswer(token=token, expires=expires, code_expires=result.expires)


@router.get("/api/codes/studies", response_description="The studies behind the code.",
            responses={401: {"description": "No valid token."},
                       403: {"description": "Needs a token from a redeemed code."}})
def code_studies(request: Request, principal: Principal = Depends(require_principal)) -> dict:
    """List the studies a redeemed code opens, with the code's expiry."""
    if principal.kind != "code":
        raise ApiError(403, "forbidden", "this needs a token from a redeemed access code")
    return code_study_listing(request.app.state.engine, principal)


def code_study_listing(engine, principal: Principal) -> dict:
    """What a code holder sees: the code's expiry and its studies (no sender addresses)."""
    with engine.connect() as conn:
        rows = conn.execute(select(studies).where(visible_condition(principal))
                            .order_by(studies.c.study_date, studies.c.id)).all()
        listed = study_summaries(conn, rows)
    for item in listed:  # the uploader's address is none of the physician's business
        item.pop("sender_email", None)
    return {"expires": iso(codes.code_expiry(engine, principal.code_id)), "studies": listed}
