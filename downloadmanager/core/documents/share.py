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
from downloadmanager.core.portal_client import PortalClient
from downloadmanager.core.transfers.errors import TransferError

MIN_WEEKS, MAX_WEEKS, DEFAULT_WEEKS = 4, 12, 12

_MESSAGES = {
    "weeks_out_of_range": {
        "de": "Ein Code gilt 4 bis 12 Wochen (angegeben: {weeks}).",
        "en": "A code is valid for 4 to 12 weeks ({weeks} given)."},
    "no_studies": {
        "de": "Keine Untersuchung für den Code angegeben.",
        "en": "No study given for the code."},
    "unknown_study": {
        "de": "Das Portal kennt die Untersuchung nicht oder sie wurde nicht von Ihnen hochgeladen "
              "({detail}). Codes gibt es nur für eigene, fertig übertragene Untersuchungen.",
        "en": "The portal does not know the study or you did not upload it ({detail}). Codes "
              "exist only for your own, completely transferred studies."},
    "not_allowed": {
        "de": "Dieses Konto darf keine Codes erstellen ({detail}).",
        "en": "This account may not create codes ({detail})."},
    "refused": {
        "de": "Das Portal hat den Code abgelehnt (HTTP {status}): {detail}",
        "en": "The portal refused the code (HTTP {status}): {detail}"},
    "portal": {
        "de": "Das Portal ist nicht erreichbar oder die Anmeldung fehlt: {detail}",
        "en": "The portal cannot be reached or you are not logged in: {detail}"},
}


class ShareError(Exception):
    """Creating a code failed; ``message(lang)`` says why in German or English."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        entry = _MESSAGES[self.key]
        return (entry.get(lang) or entry["en"]).format(**self.params)


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


def _detail(response) -> str:
    try:
        body = response.json()
        return str(body.get("message") or body.get("detail") or body.get("error") or "")[:300]
    except ValueError:
        return (response.text or "")[:300]


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
    except TransferError as exc:
        raise ShareError("portal", detail=str(exc)) from None
    if response.status_code == 201:
        body = response.json()
        return CreatedCode(str(body["code"]), str(body.get("expires") or ""),
                           str(body.get("qr_payload") or ""))
    if response.status_code == 404:
        raise ShareError("unknown_study", detail=_detail(response))
    if response.status_code == 403:
        raise ShareError("not_allowed", detail=_detail(response))
    raise ShareError("refused", status=response.status_code, detail=_detail(response))
