"""Rendering pages: one Jinja2 environment, one function that every page uses."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portal import __version__
from portal.auth import optional_principal
from portal.web import security
from portal.web.texts import LANG_COOKIE, Texts, format_date, format_dicom_date, \
    format_person_name, language

TEMPLATES = Path(__file__).with_name("templates")

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def page(request: Request, template: str, *, status: int = 200, patient_data: bool = False,
         **context) -> HTMLResponse:
    """Render TEMPLATE in the visitor's language with the common context.

    PATIENT_DATA pages are marked ``Cache-Control: no-store``. Every page
    gets ``t`` (texts), ``lang``, ``csrf`` (the form token), ``principal``.
    """
    lang = language(request)
    t = Texts(lang)
    principal = context.pop("principal", None)
    if principal is None:
        try:
            principal = optional_principal(request)
        except Exception:  # noqa: BLE001 - a broken cookie is no reason to fail a page
            principal = None
    body = _env.get_template(template).render(
        request=request, t=t, lang=lang, other_lang="en" if lang == "de" else "de",
        csrf=security.csrf_token(request), csrf_field=security.CSRF_FIELD,
        principal=principal, version=__version__, format_date=lambda d: format_date(d, lang),
        dicom_date=lambda s: format_dicom_date(s, lang), person=format_person_name,
        **context)
    response = HTMLResponse(body, status_code=status)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="strict",
                            httponly=True, secure=security.is_secure(request), path="/")
    if patient_data:
        security.no_store(response)
    return security.finish(request, response)
