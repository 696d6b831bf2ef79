"""Words of the DICOM protocol (rejection and abort reasons, context results) in German and English.

The messages themselves live in the one catalogue
(``downloadmanager.core.error_catalogue``); the helpers here turn PS3.8
reason codes into bilingual words that render in the reader's language.
Errors and per-instance outcomes carry the code and the parameters, so the
CLI and the window choose the language when they show them.
"""

from __future__ import annotations

from typing import Any

from downloadmanager.core.errors import render


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


def _word(table: dict, key, default: str) -> dict:
    """A protocol word ``{"de": ..., "en": ...}``: an error renders it in the reader's language."""
    entry = table.get(key) or {"de": default, "en": default}
    return {"de": entry["de"], "en": entry["en"]}


def reject_reason(source: int, reason: int) -> dict:
    """Words for an A-ASSOCIATE-RJ (source, reason), as a parameter for an error."""
    return _word(REJECT_REASONS, (source, reason), f"source {source}, reason {reason}")


def abort_source(source: int) -> dict:
    """Words for the source of an A-ABORT."""
    return _word(ABORT_SOURCES, source, f"source {source}")


def abort_reason(reason: int) -> dict:
    """Words for the reason of an A-ABORT."""
    return _word(ABORT_REASONS, reason, f"reason {reason}")


def context_result(result: int) -> dict:
    """Words for a presentation context result."""
    return _word(CONTEXT_RESULTS, result, f"result {result}")


def text(key: str, lang: str = "en", **params: Any) -> str:
    """The message KEY of the one catalogue (``core.errors``) in LANG, filled with PARAMS."""
    return render(key, params, lang)
