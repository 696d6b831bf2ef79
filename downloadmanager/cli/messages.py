"""Core errors as the command line shows them: in the user's language, with a command hint.

The language is the settings' language ("de"/"en"); with "system" (the
default) it follows ``LC_ALL``/``LC_MESSAGES``/``LANG``. Core messages never
name commands; the hints here do, for the codes where a command helps.
"""

from __future__ import annotations

from typing import Any

from downloadmanager.core.error_catalogue import CATALOGUE
from downloadmanager.core.errors import AppError, decode_stored, language_from_environment, render

#: Command hints per error code, in both languages. ``{job}`` is the transfer's id.
HINTS: dict[str, dict[str, str]] = {
    "unknown_community_code": {
        "de": "Gemeinschaften suchen mit: downloadmanager communities NAME",
        "en": "Search communities with: downloadmanager communities NAME",
    },
    "no_password_given": {
        "de": "In Skripten das Passwort mit --password-stdin übergeben",
        "en": "In scripts, pass the password with --password-stdin",
    },
    "node_not_saved": {
        "de": "Die gespeicherten Knoten listet: downloadmanager nodes list",
        "en": "The saved nodes are listed by: downloadmanager nodes list",
    },
    "no_portal_given": {
        "de": "Zuerst anmelden: downloadmanager login --server URL --email E (oder --server angeben)",
        "en": "Log in first: downloadmanager login --server URL --email E (or pass --server)",
    },
    "no_account_for_portal": {
        "de": "Zuerst anmelden: downloadmanager login --server {server} --email E "
              "(oder --email angeben)",
        "en": "Log in first: downloadmanager login --server {server} --email E (or pass --email)",
    },
    "no_portal_for_code": {
        "de": "Das Portal mit --server URL angeben (oder den QR-Code verwenden, er nennt es)",
        "en": "Name the portal with --server URL (or use the QR code, which names it)",
    },
    "study_not_behind_code": {
        "de": "Die Studien des Codes listet: downloadmanager fetch CODE --birth-date DATUM --list",
        "en": "The code's studies are listed by: downloadmanager fetch CODE --birth-date DATE --list",
    },
    "no_target_folder": {
        "de": "Den Zielordner angeben mit: --to ORDNER",
        "en": "Give the target folder with: --to DIR",
    },
    "study_not_on_medium": {
        "de": "Die Studien listet: downloadmanager scan {path}",
        "en": "The studies are listed by: downloadmanager scan {path}",
    },
    "not_logged_in": {
        "de": "Anmelden mit: downloadmanager login --server {server} --email {email}",
        "en": "Log in with: downloadmanager login --server {server} --email {email}",
    },
    "login_no_longer_accepted": {
        "de": "Erneut anmelden mit: downloadmanager login --server {server} --email {email}",
        "en": "Log in again with: downloadmanager login --server {server} --email {email}",
    },
    "upload_login_rejected": {
        "de": "Erneut anmelden mit: downloadmanager login",
        "en": "Log in again with: downloadmanager login",
    },
    "disk_full": {
        "de": ("Platz schaffen und 'downloadmanager transfers retry {job}' ausführen (nichts ist "
               "verloren) oder die Dateien zuerst auf eine Festplatte dieses Computers kopieren und von "
               "dort hochladen (sie werden dann nicht noch einmal kopiert)."),
        "en": ("Free up space and run 'downloadmanager transfers retry {job}' (nothing has been "
               "lost), or copy the files to a disk of this computer first and upload them from there "
               "(they are not copied again then)."),
    },
    "staging_disk_ran_full": {
        "de": "Platz schaffen und 'downloadmanager transfers retry {job}' ausführen.",
        "en": "Free up space and run 'downloadmanager transfers retry {job}'.",
    },
    "zip_needs_staging": {
        "de": "Lassen Sie --staging never (--no-staging) weg.",
        "en": "Leave out --staging never (--no-staging).",
    },
    "source_changed_retry": {
        "de": "Wiederholen mit: downloadmanager transfers retry {job}",
        "en": "Retry with: downloadmanager transfers retry {job}",
    },
    "continues_later": {
        "de": "Sofort fortsetzen mit: downloadmanager transfers run",
        "en": "Continue now with: downloadmanager transfers run",
    },
    "unexpected_error": {
        "de": "Wiederholen mit: downloadmanager transfers retry {job}",
        "en": "Retry with: downloadmanager transfers retry {job}",
    },
    "receipt_incomplete": {
        "de": "Empfangsbestätigung: downloadmanager transfers show {job}",
        "en": "See the receipt: downloadmanager transfers show {job}",
    },
    "receipt_incomplete_more": {
        "de": "Empfangsbestätigung: downloadmanager transfers show {job}",
        "en": "See the receipt: downloadmanager transfers show {job}",
    },
    "job_not_found": {
        "de": "Alle Übertragungen: downloadmanager transfers list",
        "en": "All transfers: downloadmanager transfers list",
    },
}


#: The command line's own output lines (not errors), in both languages; ``say(key, ...)``.
#: ``--json`` output never goes through this table: it stays the same in every language.
TEXTS: dict[str, dict[str, str]] = {
    "job_line": {
        "de": "{id:>4}  {state:<16} {percent}  an {community}  {count} Bild(er)  {size}  "
              "Studie …{study}",
        "en": "{id:>4}  {state:<16} {percent}  to {community}  {count} image(s)  {size}  "
              "study …{study}",
    },
    "job_state": {"de": "Übertragung {id}: {state}", "en": "transfer {id}: {state}"},
    "job_study": {"de": "Übertragung {id} ({state}): Studie {study}",
                  "en": "Transfer {id} ({state}): study {study}"},
    "queue_empty": {"de": "Die Übertragungsliste ist leer.", "en": "The transfer queue is empty."},
    "queued": {"de": "{count} Übertragung(en) eingereiht: {ids}",
               "en": "Queued {count} transfer(s): {ids}"},
    "receipt_written": {"de": "Empfangsbestätigung gespeichert: {path}",
                        "en": "Receipt written to {path}"},
    "receipt_unverified": {"de": "(Noch) nicht vom Portal bestätigt: Übertragung {ids}",
                           "en": "Not (yet) verified by the portal: transfer {ids}"},
    "receipt_summary": {
        "de": "Empfangsbestätigung {upload}: {state} ({accepted} angenommen, {present} bereits "
              "vorhanden, {rejected} abgelehnt von {expected}); empfangen {at} von {community}",
        "en": "Receipt {upload}: {state} ({accepted} accepted, {present} already present, "
              "{rejected} rejected of {expected}); received {at} by {community}",
    },
    "receipt_reason": {"de": "Grund: {reason}", "en": "reason: {reason}"},
    "fetch_study_line": {
        "de": "  {patient}  {date}  {description}  {modalities}  {series} Serie(n), {images} Bild(er), "
              "{size}  [{uid}]",
        "en": "  {patient}  {date}  {description}  {modalities}  {series} series, {images} image(s), "
              "{size}  [{uid}]",
    },
    "logged_in": {"de": "Angemeldet bei {server} als {email}.",
                  "en": "Logged in to {server} as {email}."},
    "no_community_matches": {"de": "Keine Gemeinschaft passt zu „{query}“.",
                             "en": "No community matches \"{query}\"."},
    "demo_starting": {"de": "Das Demo-Portal startet …", "en": "Starting the demo portal …"},
    "demo_portal": {"de": "Demo-Portal: {url}  (Konto {email}, Passwort {password})",
                    "en": "Demo portal: {url}  (account {email}, password {password})"},
    "node_line": {"de": "{name}\t{spec}\trufender AE-Titel {calling}",
                  "en": "{name}\t{spec}\tcalling AE {calling}"},
    "node_saved": {"de": "{name} gespeichert in {path}", "en": "saved {name} in {path}"},
    "self_test_failed_mark": {"de": "FEHLER", "en": "FAILED"},
    "self_test_passed": {"de": "Alle Prüfungen bestanden.", "en": "All checks passed."},
    "self_test_failed": {"de": "{count} Prüfung(en) fehlgeschlagen.",
                         "en": "{count} check(s) failed."},
    "fetch_listing": {"de": "Studien hinter diesem Code (gültig bis {date}):",
                      "en": "Studies behind this code (valid until {date}):"},
    "fetch_saved": {"de": "Gespeichert und geprüft: {n} Bilder in",
                    "en": "Saved and verified: {n} images in"},
    "cancel_portal_unreachable": {
        "de": "Das Portal ist nicht erreichbar ({reason}); die Übertragung wird hier abgebrochen, "
              "das Portal verwirft den angefangenen Upload, wenn er abläuft.",
        "en": "Cannot reach the portal ({reason}); the transfer is cancelled here and the portal "
              "discards the partial upload when it expires.",
    },
    "no_receipt": {"de": "Noch keine Empfangsbestätigung.", "en": "No receipt yet."},
    "scan_header": {"de": "Durchsucht: {root} (Suchart {mode}, {files} Dateien geprüft)",
                    "en": "Scanned {root} ({mode} scan, {files} files examined)"},
    "scan_totals": {"de": "{patients} Patient(en), {studies} Studie(n), {series} Serie(n), "
                          "{images} Bild(er), {size}",
                    "en": "{patients} patient(s), {studies} study(ies), {series} series, "
                          "{images} image(s), {size}"},
    "code_expires": {"de": "gültig bis {expires}  ({payload})",
                     "en": "expires {expires}  ({payload})"},
}


def say(key: str, lang: str | None = None, **params: Any) -> str:
    """The command line's output line KEY in LANG (default: :func:`cli_language`)."""
    entry = TEXTS[key]
    return (entry.get(lang or cli_language()) or entry["en"]).format(**params)


def state_word(state: str, lang: str | None = None) -> str:
    """A job state ("queued", "failed", ...) as the catalogue's word in LANG."""
    code = f"state_{state}"
    return render(code, {}, lang or cli_language()) if code in CATALOGUE else state


def cli_language() -> str:
    """The language of the command line's messages: the settings' language, else LANG."""
    try:
        from downloadmanager.core.settings import load_settings

        chosen = load_settings().language
    except Exception:  # noqa: BLE001 - a damaged settings file must not hide the error itself
        chosen = "system"
    return chosen if chosen in ("de", "en") else language_from_environment()


def hint(code: str, params: dict[str, Any], lang: str, job: int | str = "ID") -> str:
    """The command hint for CODE in LANG ("" when there is none)."""
    entry = HINTS.get(code)
    if entry is None:
        return ""
    values = {k: v for k, v in params.items() if isinstance(v, (str, int, float))}
    values.setdefault("job", job)
    try:
        return (entry.get(lang) or entry["en"]).format(**values)
    except KeyError:
        return ""


def _with_hint(text: str, code: str, params: dict[str, Any], lang: str,
               job: int | str) -> str:
    extra = hint(code, params, lang, job)
    return f"{text} {extra}" if extra else text


def describe(error: BaseException, lang: str | None = None, *, job: int | str = "ID") -> str:
    """ERROR as a line for the terminal: the message in LANG plus a command hint."""
    lang = lang or cli_language()
    if isinstance(error, AppError):
        return _with_hint(error.message(lang), error.code, error.params, lang, job)
    return str(error)


def describe_stored(stored: str | None, lang: str | None = None, *,
                    job: int | str = "ID") -> str:
    """A job's stored error (``jobs.error``) as a line for the terminal ("" for none)."""
    value = decode_stored(stored)
    if value is None:
        return ""
    lang = lang or cli_language()
    return _with_hint(render(value["code"], value["params"], lang), value["code"],
                      value["params"], lang, job)
