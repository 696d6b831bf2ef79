"""The one error model: every code renders in German and English, each in its own language.

Every code of the catalogue is forced (constructed with values for all its
placeholders) and rendered in both languages; a word list catches an English
sentence in the German text and a German one in the English text. A scan of
the client's source checks that every code raised exists and gets every
parameter its texts use.
"""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest

from downloadmanager.cli.messages import HINTS, cli_language, describe, describe_stored
from downloadmanager.core.error_catalogue import CATALOGUE
from downloadmanager.core.errors import (
    LEGACY_CODE,
    AppError,
    decode_stored,
    error_from_stored,
    language_from_environment,
    render,
    render_stored,
    term,
)

ROOT = Path(__file__).resolve().parents[1]

# Words that only occur in sentences of one language (short, frequent, unambiguous).
ENGLISH_WORDS = {"the", "is", "are", "was", "were", "and", "not", "please", "cannot", "of",
                 "to", "with", "for", "from", "it", "this", "has", "have", "again", "could",
                 "be", "no", "too", "many", "try", "wait", "check", "enter", "free", "needed",
                 "where", "will", "than", "only", "by"}
GERMAN_WORDS = {"der", "die", "das", "und", "nicht", "bitte", "ist", "wurde", "wurden", "kann",
                "sie", "ein", "eine", "einen", "keine", "kein", "mit", "für", "von", "zu",
                "noch", "erneut", "werden", "wird", "hat", "sind", "den", "dem", "des", "im",
                "beim", "oder", "nur", "bei", "ihn", "es", "sich", "auf"}
GERMAN_LETTERS = re.compile("[äöüÄÖÜß„“]")
# Words both languages share (names, units, technical terms) are simply not listed above.


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _sample(name: str):
    # Neutral values: no word of either list, so only the template's words are checked.
    if name == "wait_seconds":
        return 900
    return {"count": 7, "status": 503, "failed": 2, "total": 8, "more": 3, "id": 12,
            "attempts": 4, "copied": 10, "expected": 20, "maximum": 2000}.get(name, f"X{name[:2]}9")


def _params_for(code: str) -> dict:
    names = set()
    for lang in ("de", "en"):
        names |= _placeholders(CATALOGUE[code][lang])
    if "wait" in names:
        names = (names - {"wait"}) | {"wait_seconds"}
    return {n: _sample(n) for n in sorted(names)}


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÄÖÜäöüß]+", text)}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_both_languages_with_the_same_placeholders(code):
    entry = CATALOGUE[code]
    assert set(entry) == {"de", "en"}, code
    assert entry["de"].strip() and entry["en"].strip()
    assert _placeholders(entry["de"]) == _placeholders(entry["en"]), code


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_renders_german_without_english_and_english_without_german(code):
    error = AppError(code, **_params_for(code))
    german, english = error.message("de"), error.message("en")
    assert "{" not in german and "{" not in english
    if code in ("legacy_text",) or code.startswith("state_"):
        # A legacy row is the old text itself; state names are single words.
        return
    assert not (_words(german) & ENGLISH_WORDS), (code, german)
    assert not (_words(english) & GERMAN_WORDS), (code, english)
    assert not GERMAN_LETTERS.search(english), (code, english)
    assert german != english


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_survives_the_queue_database(code):
    error = AppError(code, **_params_for(code))
    stored = error.stored()
    assert json.loads(stored) == {"code": code, "params": error.params}
    again = error_from_stored(stored)
    assert again.code == code and again.message("de") == error.message("de")
    assert render_stored(stored, "en") == error.message("en")


def test_core_messages_name_no_commands():
    for code, entry in CATALOGUE.items():
        for text in entry.values():
            assert "downloadmanager" not in text and "--" not in text, code


def _error_classes() -> set[str]:
    """Names of AppError and every subclass in the client core and command line."""
    import importlib
    import pkgutil

    import downloadmanager.cli
    import downloadmanager.core

    for package in (downloadmanager.core, downloadmanager.cli):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    names, todo = set(), [AppError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _raised_codes() -> list[tuple[str, str, set[str]]]:
    """(file, code, keyword names) of every ``SomethingError("code", ...)`` call in the client."""
    classes = _error_classes()
    found = []
    for path in (ROOT / "downloadmanager").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else ""
            first = node.args[0]
            if not (name in classes and isinstance(first, ast.Constant)
                    and isinstance(first.value, str) and re.fullmatch(r"[a-z_]+", first.value)):
                continue
            code = first.value
            if name == "ShareError":
                code = f"share_{code}"
            if any(k.arg is None for k in node.keywords):
                continue  # **params: checked where they are built
            found.append((str(path.relative_to(ROOT)), code, {k.arg for k in node.keywords}))
    return found


def test_every_raised_code_exists_and_gets_every_parameter():
    raised = _raised_codes()
    assert len(raised) > 60  # the scan really sees the raise sites
    codes_seen = set()
    for where, code, given in raised:
        assert code in CATALOGUE, f"{where}: unknown code {code!r}"
        codes_seen.add(code)
        needed = _placeholders(CATALOGUE[code]["en"]) | _placeholders(CATALOGUE[code]["de"])
        if "wait" in needed and "wait_seconds" in given:
            needed.discard("wait")
        assert needed <= given, f"{where}: {code} misses {needed - given}"
    # Uploads, downloads, portal, queue controls and sharing all use the model.
    for code in ("disk_full", "upload_refused", "portal_unreachable", "code_or_birth_date_wrong",
                 "not_logged_in", "still_stopping", "share_refused", "medium_unreadable"):
        assert code in codes_seen, code


def test_unknown_codes_are_refused_and_stored_unknown_codes_still_render():
    with pytest.raises(KeyError):
        AppError("no_such_code")
    newer = json.dumps({"code": "from_the_future", "params": {"x": 1}})
    assert "from_the_future" in render_stored(newer, "de")
    assert error_from_stored(newer).code == "unknown_code"


def test_old_prose_renders_as_the_legacy_code():
    old = "The portal could not be reached (timeout). Run 'downloadmanager transfers run'."
    assert decode_stored(old) == {"code": LEGACY_CODE, "params": {"text": old}}
    assert render_stored(old, "de").startswith("Meldung einer früheren Programmversion: The portal")
    assert render_stored(None, "de") == ""


def test_nested_errors_and_terms_render_in_the_outer_language():
    inner = AppError("portal_unreachable", url="https://portal", detail="ConnectError")
    outer = AppError("continues_later", cause=inner)
    assert "nicht erreichbar" in outer.message("de") and "automatisch" in outer.message("de")
    assert "cannot be reached" in outer.message("en")
    refused = AppError("cannot_pause", id=3, state=term("state_failed"))
    assert refused.message("de") == "Übertragung 3 ist fehlgeschlagen; sie kann nicht angehalten werden."
    assert "is failed" in refused.message("en")


def test_cli_hints_use_only_parameters_their_code_has():
    for code, entry in HINTS.items():
        assert code in CATALOGUE, code
        allowed = _placeholders(CATALOGUE[code]["en"]) | {"job"}
        for lang in ("de", "en"):
            assert _placeholders(entry[lang]) <= allowed, (code, lang)
            assert describe(AppError(code, **_params_for(code)), lang)


def test_command_line_language_follows_settings_then_lang(monkeypatch, tmp_path):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path))
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert cli_language() == "de"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert cli_language() == "en"
    from downloadmanager.core.settings import load_settings, save_settings

    settings = load_settings()
    settings.language = "de"
    save_settings(settings)
    assert cli_language() == "de"  # the settings win over LANG
    assert language_from_environment({"LC_ALL": "de_AT.UTF-8", "LANG": "en_US"}) == "de"
    shown = describe_stored(AppError("source_changed_retry", cause=AppError(
        "source_changed", path="/cd/a.dcm")).stored(), job=5)
    assert "hat sich seit dem Einreihen" in shown and "transfers retry 5" in shown


def test_render_without_params_for_a_code_that_needs_none():
    assert render("code_expired_no_date", None, "de").startswith("Dieser Code ist abgelaufen")
