"""Pages for practices and community members: register, log in, passwords, the inbox.

Every page works without JavaScript. The rules are the API's own (the same
functions in :mod:`portal.accounts`, :mod:`portal.inbox`,
:mod:`portal.codes_api`), so web and API answer alike: one message for an
unknown e-mail or a wrong password, the same rate limits, the same audit.

* Login puts a user token in the HttpOnly session cookie. :mod:`portal.auth`
  honours that cookie for GET/HEAD only; the POST handlers here read it
  themselves, and only after the form's CSRF token checked out.
* Inbox and code pages carry patient data: ``Cache-Control: no-store``.
* A new access code is shown once; the code sheet is fetched with a POST
  (the code in the body, never in a URL) and is for the code's creator only.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from portal import codes, password_reset
from portal.accounts import authenticate, change_user_password, register_account, revoke_token
from portal.auth import SESSION_COOKIE, Principal, principal_for_token
from portal.codes_api import create_access_code, portal_secret
from portal.db import as_utc, utcnow
from portal.errors import ApiError
from portal.inbox import inbox_studies
from portal.schema import code_studies, communities, studies
from portal.web import security
from portal.web.code_pages import iso_birth_date, series_of
from portal.web.code_sheet import SheetContent, SheetStudy, code_sheet_pdf
from portal.web.render import page
from portal.web.texts import Texts, format_date, language

router = APIRouter(include_in_schema=False)

LOGIN = "/anmelden"
INBOX = "/eingang"


def session_user(request: Request) -> Principal | None:
    """The logged-in member behind the session cookie (any method), or None.

    POST handlers call this only after ``security.csrf_ok``: the cookie alone
    must never change anything.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = principal_for_token(request.app.state.engine, token)
    return principal if principal is not None and principal.kind == "user" else None


def _texts(request: Request) -> Texts:
    return Texts(language(request))


def _to_login() -> Response:
    return RedirectResponse(LOGIN, status_code=303)


# -- registration ----------------------------------------------------------------

@router.get("/registrieren")
def register_page(request: Request) -> Response:
    """E-mail form: the portal mails a generated password."""
    return page(request, "register.html", email="", error=None, sent=None)


@router.post("/registrieren")
def register_submit(request: Request, email: str = Form(""),
                    csrf_token: str = Form("")) -> Response:
    """Register like ``POST /api/register`` (same mail, limits and audit)."""
    return _mail_form(request, "register.html", register_account, email, csrf_token)


def _mail_form(request: Request, template: str, send, email: str, csrf_token: str) -> Response:
    """An e-mail form whose POST sends a mail: SEND(request, email) -> the address used."""
    t = _texts(request)
    if not security.csrf_ok(request, csrf_token):
        return page(request, template, status=403, email=email, error=t.error_form, sent=None)
    try:
        address = send(request, email)
    except ApiError as exc:
        error = t.error_too_many if exc.status == 429 else t.error_email
        return page(request, template, status=exc.status, email=email, error=error, sent=None)
    return page(request, template, email="", error=None, sent=address)


# -- login and logout --------------------------------------------------------------

def _login_page(request: Request, *, email: str = "", error: str | None = None,
                notice: str | None = None, status: int = 200) -> Response:
    return page(request, "login.html", status=status, email=email, error=error, notice=notice)


@router.get(LOGIN)
def login_page(request: Request) -> Response:
    """E-mail and password."""
    return _login_page(request)


@router.post(LOGIN)
def login_submit(request: Request, email: str = Form(""), password: str = Form(""),
                 csrf_token: str = Form("")) -> Response:
    """Log in like ``POST /api/login``; the token goes into the session cookie."""
    t = _texts(request)
    if not security.csrf_ok(request, csrf_token):
        return _login_page(request, email=email, error=t.error_form, status=403)
    try:
        token, expires = authenticate(request, email, password)
    except ApiError as exc:
        error = t.error_too_many if exc.status == 429 else t.error_login
        return _login_page(request, email=email, error=error, status=exc.status)
    response = RedirectResponse(INBOX, status_code=303)
    security.set_session(request, response, token, expires)
    return response


@router.post("/abmelden")
def logout_submit(request: Request, csrf_token: str = Form("")) -> Response:
    """Log out: the token is deleted and the cookie forgotten."""
    t = _texts(request)
    if not security.csrf_ok(request, csrf_token):
        return _login_page(request, error=t.error_form, status=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        revoke_token(request.app.state.engine, token)
    response = _login_page(request, notice=t.logged_out)
    security.clear_session(response)
    return response


# -- passwords -----------------------------------------------------------------------

@router.get("/passwort")
def password_page(request: Request) -> Response:
    """Change the password (current + new)."""
    principal = session_user(request)
    if principal is None:
        return _to_login()
    return page(request, "password.html", principal=principal, error=None, done=False)


@router.post("/passwort")
def password_submit(request: Request, current_password: str = Form(""),
                    new_password: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Change it like ``POST /api/password``: every other login of the user ends."""
    t = _texts(request)
    if not security.csrf_ok(request, csrf_token):
        return page(request, "password.html", status=403, error=t.error_form, done=False)
    principal = session_user(request)
    if principal is None:
        return _to_login()
    try:
        change_user_password(request, principal.user_id, current_password, new_password,
                             keep_token=request.cookies.get(SESSION_COOKIE))
    except ApiError as exc:
        error = t.error_password_wrong if exc.status == 403 else t.error_password_short
        return page(request, "password.html", status=exc.status, principal=principal,
                    error=error, done=False)
    return page(request, "password.html", principal=principal, error=None, done=True)


@router.get("/passwort-vergessen")
def forgot_page(request: Request) -> Response:
    """E-mail form for a one-time link."""
    return page(request, "forgot.html", email="", error=None, sent=None)


@router.post("/passwort-vergessen")
def forgot_submit(request: Request, email: str = Form(""),
                  csrf_token: str = Form("")) -> Response:
    """Mail a one-time link; the answer is the same whether or not the account exists."""
    return _mail_form(request, "forgot.html", password_reset.request_link, email, csrf_token)


def _reset_page(request: Request, **context) -> Response:
    # The link's token is in this page (form field): no cache may keep it.
    context = {"email": "", "error": None, "sent": None, **context}
    return page(request, "forgot.html", patient_data=True, **context)


@router.get(password_reset.RESET_PATH)
def reset_page(request: Request, t: str = "") -> Response:
    """The mailed link: a confirm form (opening a link alone changes nothing)."""
    if not password_reset.link_is_valid(request, t):
        return _reset_page(request, status=410, reset_state="invalid")
    return _reset_page(request, reset_state="confirm", reset_token=t)


@router.post(password_reset.RESET_PATH)
def reset_submit(request: Request, t: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Confirmed: a new password is generated and mailed; the link is used up."""
    texts = _texts(request)
    if not security.csrf_ok(request, csrf_token):
        return _reset_page(request, status=403, reset_state="confirm", reset_token=t,
                           error=texts.error_form)
    if not password_reset.reset_password(request, t):
        return _reset_page(request, status=410, reset_state="invalid")
    response = _reset_page(request, reset_state="done")
    security.clear_session(response)  # every login of the account ended
    return response


# -- the inbox -----------------------------------------------------------------------

def _member_communities(engine, principal: Principal) -> list:
    if not principal.community_ids:
        return []
    with engine.connect() as conn:
        return conn.execute(select(communities.c.id, communities.c.name, communities.c.code)
                            .where(communities.c.id.in_(sorted(principal.community_ids)))
                            .order_by(communities.c.name)).all()


def _inbox(request: Request, principal: Principal, *, status: int = 200,
           error: str | None = None, error_study: str | None = None) -> Response:
    engine = request.app.state.engine
    boxes = []
    for community in _member_communities(engine, principal):
        listed = inbox_studies(engine, principal, community.id)
        boxes.append({"name": community.name, "code": community.code, "studies": listed,
                      "series": series_of(engine, listed)})
    return page(request, "inbox.html", status=status, patient_data=True, principal=principal,
                boxes=boxes, error=error, error_study=error_study,
                weeks=range(codes.MIN_WEEKS, codes.MAX_WEEKS + 1),
                default_weeks=codes.DEFAULT_WEEKS, when=_iso_day(language(request)))


def _iso_day(lang: str):
    """``when(iso)``: an ISO 8601 time from a listing as the date people read."""
    def when(text: str | None) -> str:
        if not text:
            return ""
        return format_date(datetime.fromisoformat(text.replace("Z", "+00:00")), lang)
    return when


@router.get(INBOX)
def inbox_page(request: Request) -> Response:
    """The studies the member's communities received (only theirs)."""
    principal = session_user(request)
    if principal is None:
        return _to_login()
    return _inbox(request, principal)


@router.post(INBOX + "/code")
def create_code_submit(request: Request, study_uid: str = Form(""), birth_date: str = Form(""),
                       weeks: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Create an access code for a study the member's community received."""
    t = _texts(request)
    principal = session_user(request)
    if principal is None:
        return _to_login()
    if not security.csrf_ok(request, csrf_token):
        return _inbox(request, principal, status=403, error=t.error_form, error_study=study_uid)
    try:
        weeks_value = int(weeks)
    except ValueError:
        weeks_value = 0
    if not codes.MIN_WEEKS <= weeks_value <= codes.MAX_WEEKS:
        return _inbox(request, principal, status=422, error=t.error_weeks,
                      error_study=study_uid)
    if codes.normalise_birth_date(iso_birth_date(birth_date)) is None:
        return _inbox(request, principal, status=422, error=t.error_birth,
                      error_study=study_uid)
    try:
        created = create_access_code(request, principal.user_id, [study_uid],
                                     iso_birth_date(birth_date), weeks_value,
                                     community_ids=principal.community_ids)
    except ApiError as exc:
        if exc.status == 404:
            return page(request, "not_found.html", status=404, principal=principal)
        return _inbox(request, principal, status=exc.status, error=t.error_birth,
                      error_study=study_uid)
    return page(request, "code_created.html", patient_data=True, principal=principal,
                code=codes.format_code(created.code), expires=created.expires,
                studies=_sheet_studies(request.app.state.engine, created.study_ids))


def _sheet_studies(engine, study_ids) -> list[SheetStudy]:
    """Date and description of the code's studies (once per UID; no patient data)."""
    if not study_ids:
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(studies.c.study_instance_uid, studies.c.study_date,
                                   studies.c.study_description, studies.c.modalities)
                            .where(studies.c.id.in_(sorted(study_ids)))
                            .order_by(studies.c.study_date, studies.c.id)).all()
    seen, out = set(), []
    for row in rows:
        if row.study_instance_uid in seen:
            continue
        seen.add(row.study_instance_uid)
        description = row.study_description or ", ".join(
            m for m in (row.modalities or "").split("\\") if m)
        out.append(SheetStudy(row.study_date or "", description))
    return out


@router.post(INBOX + "/codeblatt")
def code_sheet_submit(request: Request, code: str = Form(""),
                      csrf_token: str = Form("")) -> Response:
    """The code sheet PDF (German and English) for a code this member created."""
    t = _texts(request)
    principal = session_user(request)
    if principal is None:
        return _to_login()
    if not security.csrf_ok(request, csrf_token):
        return _inbox(request, principal, status=403, error=t.error_form)
    engine = request.app.state.engine
    row = codes.find_code(engine, portal_secret(request), code)
    if (row is None or row.created_by_user_id != principal.user_id
            or as_utc(row.expires_at) <= utcnow()):
        return _inbox(request, principal, status=404, error=t.error_sheet)
    with engine.connect() as conn:
        study_ids = conn.execute(select(code_studies.c.study_id)
                                 .where(code_studies.c.code_id == row.id)).scalars().all()
    sheet = SheetContent(code=code, expires=as_utc(row.expires_at),
                         public_url=request.app.state.settings.public_url,
                         studies=_sheet_studies(engine, study_ids))
    response = Response(code_sheet_pdf(sheet), media_type="application/pdf", headers={
        # A fixed name: the code must not end up in file names or download lists.
        "Content-Disposition": 'attachment; filename="Zugangscode-Access-code.pdf"'})
    return security.no_store(response)


__all__ = ["router", "session_user"]
