"""A small two-language message catalogue for access codes and downloads.

Every user-facing failure of code redemption and download has one entry here,
in German and English. Errors carry a key and parameters (:class:`UserMessageError`),
so the CLI and the GUI pick the language when they show the message, not when
the error is raised. ``str(error)`` is the English text (for logs and tests).

The wording for a wrong code and a wrong birth date is one and the same on
purpose: it must never tell whether a code exists.
"""

from __future__ import annotations

import os
from typing import Any

LANGUAGES = ("de", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "code_or_birth_date_wrong": {
        "de": "Code oder Geburtsdatum stimmen nicht. Bitte prüfen Sie beide Angaben.",
        "en": "The code or the birth date is not correct. Please check both.",
    },
    "too_many_attempts": {
        "de": "Zu viele Versuche. Bitte warten Sie {wait} und versuchen Sie es dann erneut.",
        "en": "Too many attempts. Please wait {wait} and try again.",
    },
    "code_expired": {
        "de": "Dieser Code ist am {date} abgelaufen. Bitte fordern Sie einen neuen Code an.",
        "en": "This code expired on {date}. Please ask for a new code.",
    },
    "code_expired_no_date": {
        "de": "Dieser Code ist abgelaufen. Bitte fordern Sie einen neuen Code an.",
        "en": "This code has expired. Please ask for a new code.",
    },
    "code_wrong_length": {
        "de": "Ein Zugangscode hat 12 Zeichen (z. B. K7PX-92QD-M4H3); eingegeben wurden {count}.",
        "en": "An access code has 12 characters (e.g. K7PX-92QD-M4H3); {count} were entered.",
    },
    "code_lookalike": {
        "de": ("Der Code enthält „{chars}“. Zugangscodes verwenden nie 0, 1, I, L oder O "
               "(Verwechslungsgefahr). Bitte lesen Sie den Code noch einmal genau ab."),
        "en": ("The code contains \"{chars}\". Access codes never use 0, 1, I, L or O "
               "(they look alike). Please read the code again carefully."),
    },
    "code_bad_characters": {
        "de": "Der Code enthält ungültige Zeichen: „{chars}“. Erlaubt sind Buchstaben und Ziffern.",
        "en": "The code contains characters that are not allowed: \"{chars}\". Use letters and digits.",
    },
    "birth_date_invalid": {
        "de": "Das Geburtsdatum „{text}“ ist ungültig. Bitte als TT.MM.JJJJ oder JJJJ-MM-TT angeben.",
        "en": "The birth date \"{text}\" is not valid. Please enter it as DD.MM.YYYY or YYYY-MM-DD.",
    },
    "birth_date_future": {
        "de": "Das Geburtsdatum liegt in der Zukunft.",
        "en": "The birth date lies in the future.",
    },
    "qr_unreadable": {
        "de": "Im Bild {path} wurde kein QR-Code gefunden. Bitte ein schärferes Foto verwenden oder den Code eintippen.",
        "en": "No QR code was found in the image {path}. Use a sharper photo or type the code.",
    },
    "qr_no_code": {
        "de": "Der QR-Code enthält keinen Zugangscode.",
        "en": "The QR code does not contain an access code.",
    },
    "image_unreadable": {
        "de": "Die Bilddatei {path} kann nicht gelesen werden ({detail}).",
        "en": "The image file {path} cannot be read ({detail}).",
    },
    "portal_unreachable": {
        "de": "Das Portal {url} ist nicht erreichbar ({detail}). Bitte später erneut versuchen.",
        "en": "The portal {url} cannot be reached ({detail}). Please try again later.",
    },
    "portal_error": {
        "de": "Das Portal hat einen Fehler gemeldet (HTTP {status}). Bitte später erneut versuchen.",
        "en": "The portal reported an error (HTTP {status}). Please try again later.",
    },
    "session_expired": {
        "de": "Die Sitzung ist abgelaufen. Bitte Code und Geburtsdatum erneut eingeben.",
        "en": "The session has expired. Please enter the code and birth date again.",
    },
    "disk_full": {
        "de": "Nicht genug freier Speicherplatz in {path}: benötigt {need}, frei {free}.",
        "en": "Not enough free disk space in {path}: {need} needed, {free} free.",
    },
    "checksum_mismatch": {
        "de": "Bild {name} ist beschädigt angekommen (Prüfsumme falsch); es wird erneut geladen.",
        "en": "Image {name} arrived damaged (checksum mismatch); it will be downloaded again.",
    },
    "download_incomplete": {
        "de": "Der Download ist unvollständig: {failed} von {total} Bildern konnten nicht geprüft werden.",
        "en": "The download is incomplete: {failed} of {total} images could not be verified.",
    },
    "server_sent_garbage": {
        "de": "Das Portal hat unerwartete Daten gesendet ({detail}).",
        "en": "The portal sent unexpected data ({detail}).",
    },
    "target_not_writable": {
        "de": "In den Zielordner {path} kann nicht geschrieben werden ({detail}).",
        "en": "The target folder {path} cannot be written to ({detail}).",
    },
}

_UNITS = {"de": ("Sekunden", "Minuten", "Stunden"), "en": ("seconds", "minutes", "hours")}


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """``"de"`` when LANG/LC_ALL/LC_MESSAGES start with ``de``, else ``"en"``."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "de" if value.lower().startswith("de") else "en"
    return "en"


def format_wait(seconds: int, lang: str) -> str:
    """A waiting time in words: ``"15 Minuten"`` / ``"45 seconds"`` (rounded up)."""
    seconds = max(0, int(seconds))
    units = _UNITS.get(lang, _UNITS["en"])
    if seconds < 120:
        return f"{seconds} {units[0]}"
    minutes = -(-seconds // 60)
    if minutes < 120:
        return f"{minutes} {units[1]}"
    return f"{-(-minutes // 60)} {units[2]}"


def text(key: str, lang: str = "en", **params: Any) -> str:
    """The message KEY in LANG ("de" or "en"), filled with PARAMS."""
    entry = CATALOGUE[key]
    template = entry.get(lang) or entry["en"]
    if "wait_seconds" in params and "wait" not in params:
        params["wait"] = format_wait(params["wait_seconds"], lang)
    return template.format(**params)


class UserMessageError(Exception):
    """An error whose message comes from the catalogue, in either language.

    Parameters
    ----------
    key : the catalogue entry
    **params : values for the placeholders
    """

    def __init__(self, key: str, **params: Any) -> None:
        if key not in CATALOGUE:
            raise KeyError(f"unknown message key {key!r}")
        self.key = key
        self.params = params
        super().__init__(text(key, "en", **params))

    def message(self, lang: str = "en") -> str:
        """The user message in LANG."""
        return text(self.key, lang, **dict(self.params))
