"""Creating an access code for studies one has uploaded (``POST /api/codes``).

The code is bound to the patient's birth date (the second factor, never
stored by us and never printed) and valid 4 to 12 weeks. The portal answers
``{"code", "expires", "qr_payload"}``; the code is shown only this once, so
the caller prints it or writes the code sheet right away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from downloadmanager.core.access_code import normalise_code
from downloadmanager.core.errors import AppError
from downloadmanager.core.portal_client import PortalClient, response_detail

MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 4, 12, 12

class ShareError(AppError):
    """Creating a code failed; ``message(lang)`` says why in German or English."""

    def __init__(self, key: str, **params: object) -> None:
        # The catalogue names these "share_<key>".
        super().__init__(f"share_{key}", **params)


@dataclass(frozen=True, slots=True)
class CreatedCode:
    """A new access code as the portal returned it."""

    code: str  # XXXX-XXXX-XXXX
    expires: str  # ISO 8601 UTC
    qr_payload: str  # <portal>/c/<12 characters>

    @property
    def plain(self) -> str:
        """The 12 characters without dashes."""
        return normalise_code(self.code)


def create_access_code(client: PortalClient, study_uids: list[str], birth_date: date,
                       weeks: int = DEFAULT_WEEKS) -> CreatedCode:
    """Ask the portal for a code opening STUDY_UIDS to whoever knows BIRTH_DATE.

    Raises
    ------
    ShareError
        bad input, a study the portal does not know as ours, or any refusal;
        a network or login problem is wrapped too (key ``portal``).
    """
    if not MIN_WEEKS <= int(weeks) <= MAX_WEEKS:
        raise ShareError("weeks_out_of_range", weeks=weeks)
    uids = [u.strip() for u in study_uids if u and u.strip()]
    if not uids:
        raise ShareError("no_studies")
    try:
        response = client.request("POST", "/api/codes", json={
            "study_uids": uids, "birth_date": birth_date.isoformat(), "weeks": int(weeks)})
    except AppError as exc:
        raise ShareError("portal", detail=exc) from None
    if response.status_code == 201:
        body = response.json()
        return CreatedCode(str(body["code"]), str(body.get("expires") or ""),
                           str(body.get("qr_payload") or ""))
    if response.status_code == 404:
        raise ShareError("unknown_study", detail=response_detail(response))
    if response.status_code == 403:
        raise ShareError("not_allowed", detail=response_detail(response))
    raise ShareError("refused", status=response.status_code, detail=response_detail(response))
