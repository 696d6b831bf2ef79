"""User-facing texts of the DICOM network code, in German and English.

Every failure a send or an echo can end in has one entry, with placeholders
filled from the error's parameters. Errors and per-instance outcomes carry
the key and the parameters, so the CLI and the GUI choose the language when
they show them (same style as ``downloadmanager/core/download/messages.py``;
grouped here so they can move into a central catalogue as a whole).
"""

from __future__ import annotations

from typing import Any

CATALOGUE: dict[str, dict[str, str]] = {
    # -- free text (messages that are not in the catalogue yet) ---------------------------
    "plain": {"de": "{text}", "en": "{text}"},
    # -- per-instance outcomes ------------------------------------------------------------
    "stored": {"de": "Gespeichert.", "en": "Stored."},
    "already_stored": {
        "de": "Bereits bei einem früheren Senden an dieses PACS gespeichert; nicht erneut gesendet.",
        "en": "Already stored by an earlier send to this PACS; not sent again.",
    },
    "status_warning": {
        "de": "Gespeichert, das PACS meldet eine Warnung: {answer}.",
        "en": "Stored, the PACS reports a warning: {answer}.",
    },
    "status_failure": {
        "de": "Das PACS hat das Bild nicht gespeichert: {answer}.",
        "en": "The PACS did not store the image: {answer}.",
    },
    "cannot_encode": {
        "de": "Das Bild kann nicht in einer Form gesendet werden, die das PACS annimmt ({detail}).",
        "en": "The image cannot be sent in a form the PACS accepts ({detail}).",
    },
    "context_rejected": {
        "de": "Das PACS nimmt diese Bildart nicht an ({sop_class}: {reason}).",
        "en": "The PACS does not accept this kind of image ({sop_class}: {reason}).",
    },
    "unreadable_file": {
        "de": "Die Datei kann nicht gelesen werden ({detail}).",
        "en": "The file cannot be read ({detail}).",
    },
    "cancelled": {"de": "Abgebrochen; nicht gesendet.", "en": "Cancelled; not sent."},
    "not_sent_connection": {
        "de": "Nicht gesendet: {reason}",
        "en": "Not sent: {reason}",
    },
    "not_sent_again_lost": {
        "de": "Nicht gesendet: die Verbindung zum PACS ist erneut abgebrochen.",
        "en": "Not sent: the association with the PACS was lost again.",
    },
    "internal_error": {
        "de": "Unerwarteter Fehler beim Senden ({detail}); Einzelheiten stehen im Protokoll.",
        "en": "Unexpected error while sending ({detail}); details are in the log.",
    },
    # -- connection and association ---------------------------------------------------------
    "connect_failed": {
        "de": "Keine Verbindung zu {host}:{port} ({detail}).",
        "en": "Cannot connect to {host}:{port} ({detail}).",
    },
    "connect_timeout": {
        "de": "Keine Verbindung zu {host}:{port} innerhalb von {seconds} s (Verbindungs-Timeout).",
        "en": "No connection to {host}:{port} within {seconds} s (connect timeout).",
    },
    "tls_failed": {
        "de": "Die TLS-Verbindung zu {host}:{port} ist gescheitert ({detail}).",
        "en": "The TLS connection to {host}:{port} failed ({detail}).",
    },
    "tls_untrusted": {
        "de": ("Das Zertifikat des PACS {host} ist nicht vertrauenswürdig ({detail}). Bitte die "
               "CA-Datei des PACS in den Knoteneinstellungen angeben."),
        "en": ("The certificate of the PACS {host} is not trusted ({detail}). Give the PACS's CA "
               "file in the node settings."),
    },
    "association_timeout": {
        "de": "Das PACS hat die Verbindungsanfrage nicht innerhalb von {seconds} s beantwortet (ACSE-Timeout).",
        "en": "The PACS did not answer the association request within {seconds} s (ACSE timeout).",
    },
    "rejected_permanent": {
        "de": "Das PACS hat die Verbindung abgelehnt: {reason}.",
        "en": "The PACS rejected the association: {reason}.",
    },
    "rejected_transient": {
        "de": "Das PACS lehnt die Verbindung vorübergehend ab: {reason} ({attempts} Versuche).",
        "en": "The PACS rejects the association for now: {reason} ({attempts} attempts).",
    },
    "peer_aborted": {
        "de": "Das PACS hat die Verbindung abgebrochen (A-ABORT; {source}, {reason}).",
        "en": "The PACS aborted the association (A-ABORT; {source}, {reason}).",
    },
    "peer_released": {
        "de": "Das PACS hat die Verbindung während einer Übertragung beendet.",
        "en": "The PACS released the association in the middle of a transfer.",
    },
    "connection_lost": {
        "de": "Die Verbindung zum PACS ist abgerissen ({detail}).",
        "en": "The connection to the PACS was lost ({detail}).",
    },
    "protocol_error": {
        "de": "Das PACS hat ungültige Protokolldaten gesendet ({detail}); Verbindung abgebrochen (A-ABORT).",
        "en": "The PACS sent invalid protocol data ({detail}); association aborted (A-ABORT).",
    },
    "dimse_timeout": {
        "de": "Keine Antwort des PACS innerhalb von {seconds} s (DIMSE-Timeout); Verbindung abgebrochen.",
        "en": "No answer from the PACS within {seconds} s (DIMSE timeout); association aborted.",
    },
    "unexpected_response": {
        "de": "Das PACS hat mit einer unerwarteten Nachricht geantwortet; Verbindung abgebrochen.",
        "en": "The PACS answered with an unexpected message; association aborted.",
    },
    "no_verification": {
        "de": "Das PACS nimmt den Verbindungstest (C-ECHO) nicht an.",
        "en": "The PACS does not accept the Verification service (C-ECHO).",
    },
}

#: Reasons of an A-ASSOCIATE-RJ, by (source, reason) (PS3.8 9.3.4).
REJECT_REASONS = {
    (1, 1): {"de": "kein Grund angegeben", "en": "no reason given"},
    (1, 2): {"de": "Anwendungskontext nicht unterstützt", "en": "application context name not supported"},
    (1, 3): {"de": "unser AE-Titel (Calling AE) ist nicht bekannt", "en": "calling AE title not recognized"},
    (1, 7): {"de": "der AE-Titel des PACS (Called AE) stimmt nicht", "en": "called AE title not recognized"},
    (2, 1): {"de": "kein Grund angegeben (ACSE)", "en": "no reason given (ACSE)"},
    (2, 2): {"de": "Protokollversion nicht unterstützt", "en": "protocol version not supported"},
    (3, 1): {"de": "vorübergehend überlastet", "en": "temporary congestion"},
    (3, 2): {"de": "Verbindungsgrenze erreicht", "en": "local limit exceeded"},
}

#: A-ABORT sources and provider reasons (PS3.8 9.3.8).
ABORT_SOURCES = {
    0: {"de": "vom PACS-Programm", "en": "by the PACS application"},
    2: {"de": "von der DICOM-Protokollschicht", "en": "by the DICOM protocol layer"},
}
ABORT_REASONS = {
    0: {"de": "kein Grund angegeben", "en": "reason not specified"},
    1: {"de": "unbekannte PDU", "en": "unrecognized PDU"},
    2: {"de": "unerwartete PDU", "en": "unexpected PDU"},
    4: {"de": "unbekannter PDU-Parameter", "en": "unrecognized PDU parameter"},
    5: {"de": "unerwarteter PDU-Parameter", "en": "unexpected PDU parameter"},
    6: {"de": "ungültiger PDU-Parameterwert", "en": "invalid PDU parameter value"},
}

#: Presentation context results in an A-ASSOCIATE-AC (PS3.8 9.3.3.2), plus our own checks.
CONTEXT_RESULTS = {
    1: {"de": "vom PACS abgelehnt", "en": "user rejection"},
    2: {"de": "abgelehnt, kein Grund angegeben", "en": "no reason (provider rejection)"},
    3: {"de": "Bildart (SOP-Klasse) nicht unterstützt", "en": "abstract syntax not supported"},
    4: {"de": "Kodierung (Transfer-Syntax) nicht unterstützt", "en": "transfer syntaxes not supported"},
    -1: {"de": "nicht beantwortet", "en": "not answered"},
    -2: {"de": "mit einer nicht angebotenen Transfer-Syntax angenommen",
         "en": "accepted with a transfer syntax that was not proposed"},
}


def _pick(table: dict, key, lang: str, default: str) -> str:
    entry = table.get(key)
    return (entry.get(lang) or entry["en"]) if entry else default


def reject_reason(source: int, reason: int, lang: str = "en") -> str:
    """Words for an A-ASSOCIATE-RJ (source, reason)."""
    return _pick(REJECT_REASONS, (source, reason), lang, f"source {source}, reason {reason}")


def abort_source(source: int, lang: str = "en") -> str:
    """Words for the source of an A-ABORT."""
    return _pick(ABORT_SOURCES, source, lang, f"source {source}")


def abort_reason(reason: int, lang: str = "en") -> str:
    """Words for the reason of an A-ABORT."""
    return _pick(ABORT_REASONS, reason, lang, f"reason {reason}")


def context_result(result: int, lang: str = "en") -> str:
    """Words for a presentation context result."""
    return _pick(CONTEXT_RESULTS, result, lang, f"result {result}")


def text(key: str, lang: str = "en", **params: Any) -> str:
    """The message KEY in LANG, filled with PARAMS (parameters that are callables get LANG)."""
    entry = CATALOGUE[key]
    template = entry.get(lang) or entry["en"]
    filled = {k: (v(lang) if callable(v) else v) for k, v in params.items()}
    return template.format(**filled)
