"""Main window: pages, language switching at run time, settings kept across starts."""

from __future__ import annotations

import json
from datetime import date

from PySide6.QtCore import QLocale, Qt

from downloadmanager.core.settings import Settings, load_settings, save_settings
from downloadmanager.gui.i18n import locale_for, qm_path, resolve_language
from downloadmanager.gui.main_window import (
    PAGE_RECEIVE,
    PAGE_SETTINGS,
    PAGE_TRANSFERS,
    navigation_texts,
)
from tests.gui.helpers import drop_paths

ENGLISH_PAGES = ["Send", "Receive", "Transfers", "Settings"]
GERMAN_PAGES = ["Senden", "Empfangen", "Übertragungen", "Einstellungen"]


def _choose_language(window, setting: str) -> None:
    window.settings_page.language_combo.setCurrentIndex(("system", "de", "en").index(setting))


def test_four_pages_and_navigation(make_window):
    window = make_window()
    assert navigation_texts(window) == ENGLISH_PAGES
    assert window.pages.currentWidget() is window.send_page
    for index, page in ((PAGE_RECEIVE, window.receive_page), (PAGE_TRANSFERS, window.transfers_page),
                        (PAGE_SETTINGS, window.settings_page)):
        window.show_page(index)
        assert window.pages.currentWidget() is page


def test_actions_wait_for_their_input(make_window):
    window = make_window()
    # Download needs a redeemed code with at least one ticked study.
    button = window.receive_page.download_button
    assert not button.isEnabled()
    # Transfer controls work, but only on a selected transfer: none is queued here.
    for button in (window.transfers_page.pause_button, window.transfers_page.retry_button):
        assert not button.isEnabled()


def test_switching_language_retranslates_every_page(qtbot, make_window, medium):
    window = make_window()
    page = window.send_page
    with qtbot.waitSignal(page.scan_finished, timeout=30000):
        drop_paths(page.drop_zone, [medium])
    assert page.drop_zone.title.text() == "Drop a folder, files or a ZIP here"

    _choose_language(window, "de")
    assert window.language_switcher.language == "de"
    assert navigation_texts(window) == GERMAN_PAGES
    assert page.drop_zone.title.text() == "Ordner, Dateien oder ZIP hierher ziehen"
    assert page.drop_zone.choose_folder_button.text() == "Ordner wählen…"
    assert page.model.headerData(1, Qt.Orientation.Horizontal) == "Datum"
    abdomen = page.model.index(0, 1, page.model.index(1, 0))
    assert abdomen.data() == "01.09.2025"  # German date format with a 4-digit year
    assert page.model.index(1, 1).data() == "geb. 12.06.1985"
    assert page.problems.toggle.text() == "Übersprungene Dateien: 1"
    assert page.problems.rows()[0][1] == "Beschädigt"
    assert page.summary_label.text().startswith("Gefunden: 2 Patienten, 3 Untersuchungen, 13 Bilder")
    assert window.receive_page.show_button.text() == "Anzeigen"
    birth = window.receive_page.birth_date_edit
    assert birth.text() == "" and birth.placeholderText() == "TT.MM.JJJJ"  # nothing pre-filled
    birth.set_birth_date(date(1985, 6, 12))
    assert birth.text() == "12.06.1985" and birth.birth_date() == date(1985, 6, 12)
    assert window.transfers_page.heading.text() == "Übertragungen"
    assert window.settings_page.language_label.text() == "Sprache:"

    _choose_language(window, "en")
    assert navigation_texts(window) == ENGLISH_PAGES
    assert page.drop_zone.title.text() == "Drop a folder, files or a ZIP here"
    assert page.problems.rows()[0][1] == "Damaged"
    assert page.model.index(0, 1, page.model.index(1, 0)).data() == "9/1/2025"
    assert birth.placeholderText() == "MM/DD/YYYY"
    birth.set_birth_date(date(1985, 6, 12))
    assert birth.text() == "6/12/1985" and birth.birth_date() == date(1985, 6, 12)


def test_settings_survive_a_new_window(make_window, dm_home):
    first = make_window(saved_settings=True)
    _choose_language(first, "de")
    first.settings_page.portal_edit.setText("https://portal.example.org/")
    first.settings_page.portal_edit.editingFinished.emit()
    first.settings_page.set_storage_folder(str(dm_home / "downloads"))
    first.close()
    first.language_switcher.apply("en")

    stored = json.loads((dm_home / "config" / "settings.json").read_text(encoding="utf-8"))["general"]
    assert stored["language"] == "de"
    assert stored["portal_url"] == "https://portal.example.org"

    second = make_window(saved_settings=True)
    assert second.settings.language == "de"
    assert second.settings_page.language_combo.currentIndex() == 1
    assert second.settings_page.portal_edit.text() == "https://portal.example.org"
    assert second.settings_page.folder_edit.text() == str(dm_home / "downloads")
    assert navigation_texts(second) == GERMAN_PAGES


def test_invalid_portal_address_is_not_saved(make_window):
    window = make_window(saved_settings=True)
    page = window.settings_page
    page.portal_edit.setText("portal without scheme")
    page.portal_edit.editingFinished.emit()
    assert page.portal_error.isVisibleTo(page)
    assert page.portal_error.text() == "Please enter an address starting with https://"
    assert load_settings().portal_url == ""


def test_system_language_follows_the_locale(make_window):
    german = QLocale(QLocale.Language.German, QLocale.Country.Austria)
    english = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    french = QLocale(QLocale.Language.French, QLocale.Country.France)
    assert resolve_language("system", german) == "de"
    assert resolve_language("system", english) == "en"
    assert resolve_language("system", french) == "en"
    assert resolve_language("de", english) == "de"
    # A user's own German or English formats are kept; others get the language's main country.
    assert locale_for("de", german).name() == "de_AT"
    assert locale_for("en", english).name() == "en_GB"
    assert locale_for("de", french).name() == "de_DE"


def test_saved_system_setting_with_a_german_system(make_window, monkeypatch):
    save_settings(Settings(language="system"))
    monkeypatch.setattr(QLocale, "system", staticmethod(
        lambda: QLocale(QLocale.Language.German, QLocale.Country.Germany)))
    window = make_window(saved_settings=True)
    assert window.language_switcher.language == "de"
    assert navigation_texts(window) == GERMAN_PAGES
    assert window.settings_page.language_combo.currentText() == "Wie das System (Deutsch)"


def test_missing_translation_falls_back_to_english(make_window, monkeypatch, tmp_path):
    window = make_window()
    monkeypatch.setattr("downloadmanager.gui.i18n.translations_dir", lambda: tmp_path)
    assert not qm_path("de").exists()
    assert window.apply_language("de") is False
    assert window.language_switcher.language == "en"
    assert navigation_texts(window) == ENGLISH_PAGES
