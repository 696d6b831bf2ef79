"""Pages for people with an access code: enter it, see the studies, view the images.

Works without JavaScript: the form posts to ``/code``, which sets the session
cookie and redirects (303) to ``/code/studies``; thumbnails are plain
``<img>`` elements on the rendered resources. The code itself never appears
in a URL the portal makes (only in ``/c/<code>``, the QR code's own
address, which the access log masks).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete, func, select

from portal import codes
from portal.access import study_instances, visible_studies
from portal.auth import SESSION_COOKIE, hash_token, optional_principal
from portal.codes_api import code_study_listing, redeem_code
from portal.db import as_utc
from portal.errors import ApiError
from portal.schema import instances, series, tokens
from portal.web import security
from portal.web.render import page
from portal.web.texts import Texts, format_date, language

router = APIRouter(include_in_schema=False)


def _index(request: Request, *, code: str = "", birth_date: str = "", error: str | None = None,
           status: int = 200, notice: str | None = None) -> Response:
    return page(request, "index.html", status=status, code=code, birth_date=birth_date,
                error=error, notice=notice)


@router.get("/")
def index(request: Request) -> Response:
    """Start page: code and birth date."""
    return _index(request)


@router.get("/c/{code}")
def qr_landing(code: str, request: Request) -> Response:
    """The QR code's address: the same form with the code filled in."""
    normalised = codes.normalise_code(code)
    shown = codes.format_code(normalised) if normalised else ""
    response = _index(request, code=shown)
    response.headers["Cache-Control"] = "no-store"
    return response


def iso_birth_date(text: str) -> str:
    """What people type (``12.04.1965``, ``12041965``, ``1965-04-12``) in the API's form.

    The API takes ``YYYY-MM-DD``; anything we cannot read goes through
    unchanged and gets the API's one answer for a wrong date.
    """
    value = text.strip()
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
    if german:
        day, month, year = german.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if re.fullmatch(r"\d{8}", value) and not 1850 <= int(value[:4]) <= 2100:
        return f"{value[4:]}-{value[2:4]}-{value[:2]}"  # DDMMYYYY
    return value


def _error_text(t: Texts, exc: ApiError, lang: str) -> str:
    """The plain message for a failed redemption (one text for wrong code or date)."""
    minutes = max(1, math.ceil(int(exc.extra.get("retry_after", 60) or 60) / 60))
    if exc.error == "code_locked":
        return t("error_locked", minutes=minutes)
    if exc.error == "too_many_attempts":
        return t("error_rate", minutes=minutes)
    if exc.error == "code_expired":
        expires = exc.extra.get("expires")
        when = datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None
        return t("error_expired", date=format_date(when, lang) if when else "")
    return t.error_invalid


@router.post("/code")
def enter_code(request: Request, code: str = Form(""), birth_date: str = Form(""),
               csrf_token: str = Form("")) -> Response:
    """Redeem the code (the API's rules: same answer for wrong code or date, lockout, limits)."""
    lang = language(request)
    t = Texts(lang)
    if not security.csrf_ok(request, csrf_token):
        return _index(request, code=code, birth_date=birth_date, error=t.error_form, status=403)
    if not code.strip() or not birth_date.strip():
        return _index(request, code=code, birth_date=birth_date, error=t.error_missing,
                      status=422)
    try:
        answer = redeem_code(request, code, iso_birth_date(birth_date))
    except ApiError as exc:
        return _index(request, code=code, birth_date="", error=_error_text(t, exc, lang),
                      status=exc.status)
    response = RedirectResponse("/code/studies", status_code=303)
    security.set_session(request, response, answer.token, answer.expires)
    normalised = codes.normalise_code(code)
    if normalised:  # for the "open in the program" link; never in a URL we serve
        security.set_code_cookie(request, response, normalised, answer.expires)
    return response


def _code_principal(request: Request):
    principal = optional_principal(request)
    return principal if principal is not None and principal.kind == "code" else None


def series_of(engine, study_rows: list[dict]) -> dict[str, list[dict]]:
    """Series (UID, number, modality, description, image count) per study UID."""
    from portal.schema import studies
    uids = [s["study_instance_uid"] for s in study_rows]
    if not uids:
        return {}
    out: dict[str, list[dict]] = {uid: [] for uid in uids}
    seen: set[tuple[str, str]] = set()
    with engine.connect() as conn:
        query = (select(studies.c.study_instance_uid, series.c.series_instance_uid,
                        series.c.series_number, series.c.modality, series.c.series_description,
                        func.count(instances.c.id).label("images"))
                 .join(series, series.c.study_id == studies.c.id)
                 .join(instances, instances.c.series_id == series.c.id)
                 .where(studies.c.study_instance_uid.in_(uids))
                 .group_by(studies.c.study_instance_uid, series.c.id)
                 .order_by(series.c.series_number, series.c.id))
        for row in conn.execute(query):
            key = (row.study_instance_uid, row.series_instance_uid)
            if key in seen:
                continue
            seen.add(key)
            out[row.study_instance_uid].append({
                "uid": row.series_instance_uid, "number": row.series_number,
                "modality": row.modality or "", "description": row.series_description or "",
                "images": int(row.images)})
    return out


def days_left(expires: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days until EXPIRES (0 on the last day)."""
    if expires is None:
        return None
    now = now or datetime.now(timezone.utc)
    return max(0, (as_utc(expires) - now).days)


@router.get("/code/studies")
def code_studies_page(request: Request) -> Response:
    """The studies behind the code, with expiry, thumbnails, viewer and downloads."""
    principal = _code_principal(request)
    if principal is None:
        t = Texts(language(request))
        response = _index(request, notice=t.session_ended, status=401)
        security.clear_session(response)
        return response
    engine = request.app.state.engine
    listing = code_study_listing(engine, principal)
    expires = datetime.fromisoformat(listing["expires"].replace("Z", "+00:00")) \
        if listing["expires"] else None
    return page(request, "studies.html", patient_data=True, principal=principal,
                studies=listing["studies"], series=series_of(engine, listing["studies"]),
                expires=expires, days=days_left(expires),
                program_link=_program_link(request))


def _program_link(request: Request) -> str:
    """``downloadmanager://HOST/c/CODE``: opens the program with the code filled in.

    The installers register the ``downloadmanager:`` scheme; the program
    reads it like the QR code's ``https://HOST/c/CODE`` address (see
    ``downloadmanager.core.access_code``). A custom-scheme link is handed to
    the program on this computer, never sent to a server. The code comes from
    an HttpOnly cookie set at entry; without it the link opens the program.
    """
    host = request.url.netloc
    code = codes.normalise_code(request.cookies.get(security.CODE_COOKIE, "") or "")
    return f"downloadmanager://{host}/c/{code}" if code else f"downloadmanager://{host}/"


@router.post("/code/end")
def end_session(request: Request, csrf_token: str = Form("")) -> Response:
    """End the code session: the token is deleted and the cookie forgotten."""
    token = request.cookies.get(SESSION_COOKIE)
    if security.csrf_ok(request, csrf_token) and token:
        with request.app.state.engine.begin() as conn:
            conn.execute(delete(tokens).where(tokens.c.token_hash == hash_token(token)))
    response = RedirectResponse("/", status_code=303)
    security.clear_session(response)
    return response


@router.get("/viewer/{study_uid}/{series_uid}")
def viewer(study_uid: str, series_uid: str, request: Request) -> Response:
    """The image viewer for one series (a code holder's or a community member's)."""
    principal = optional_principal(request)
    t = Texts(language(request))
    if principal is None:
        response = _index(request, notice=t.session_ended, status=401)
        security.clear_session(response)
        return response
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            rows = visible_studies(conn, principal, study_uid)
            items = study_instances(conn, [r.id for r in rows], series_uid=series_uid)
            info = conn.execute(select(series.c.series_description, series.c.modality,
                                       series.c.series_number)
                                .where(series.c.study_id.in_([r.id for r in rows]),
                                       series.c.series_instance_uid == series_uid)).first()
    except ApiError:
        items, rows, info = [], [], None
    if not items:
        return page(request, "not_found.html", status=404)
    study = rows[0]
    frames = _frame_urls(request, study_uid, series_uid, items)
    back = "/code/studies" if principal.kind == "code" else "/eingang"
    return page(request, "viewer.html", patient_data=True, principal=principal,
                study=study, series_info=info, frames=frames, back=back,
                modality=(info.modality if info else "") or "")


@router.get("/code/studies/{study_uid}/zip")
async def study_zip(study_uid: str, request: Request) -> Response:
    """The study as a ZIP with DICOMDIR (for a code holder or a community member)."""
    import asyncio
    import os

    from fastapi.responses import FileResponse
    from starlette.background import BackgroundTask

    from portal import audit
    from portal.access import documents_of
    from portal.web.zip_export import study_zip_file

    principal = optional_principal(request)
    if principal is None:
        return page(request, "not_found.html", status=404)
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            rows = visible_studies(conn, principal, study_uid)
            items = study_instances(conn, [r.id for r in rows])
            docs = [d for ds in documents_of(conn, [r.id for r in rows]).values() for d in ds]
    except ApiError:
        return page(request, "not_found.html", status=404)
    path = await asyncio.to_thread(study_zip_file, request.app.state.settings.data_dir,
                                   study_uid, items, docs)
    audit.record(engine, "download_zip", user_id=principal.user_id, code_id=principal.code_id,
                 client=audit.client_address(request),
                 detail={"studies": [r.id for r in rows], "instances": len(items)})
    response = FileResponse(path, media_type="application/zip", filename="Studie.zip",
                            background=BackgroundTask(os.unlink, path))
    return security.no_store(response)


# Reading NumberOfFrames costs a header read per instance: do it for small
# series (where multi-frame objects live: US cine, XA runs, enhanced MR/CT),
# and take one frame each for long single-frame stacks (CT, MR slices).
_FRAME_PROBE_LIMIT = 24


def _frame_urls(request: Request, study_uid: str, series_uid: str, items: list) -> list[str]:
    base = f"/dicomweb/studies/{study_uid}/series/{series_uid}/instances"
    counts = {i.sop_instance_uid: 1 for i in items}
    if len(items) <= _FRAME_PROBE_LIMIT:
        import pydicom
        from portal.blobstore import blob_store_for
        store = blob_store_for(request.app.state.settings.data_dir)
        for item in items:
            try:
                with store.open(item.sha256) as handle:
                    ds = pydicom.dcmread(handle, stop_before_pixels=True, force=True,
                                         specific_tags=["NumberOfFrames"])
                counts[item.sop_instance_uid] = max(1, int(ds.get("NumberOfFrames", 1) or 1))
            except Exception:  # noqa: BLE001 - unreadable: the rendered route will say so
                pass
    urls = []
    for item in items:
        n = counts[item.sop_instance_uid]
        if n == 1:
            urls.append(f"{base}/{item.sop_instance_uid}/rendered")
        else:
            urls += [f"{base}/{item.sop_instance_uid}/frames/{k}/rendered" for k in range(1, n + 1)]
    return urls


__all__ = ["router", "series_of", "days_left"]
