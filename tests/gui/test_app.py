"""The real start path: run_gui() shows the window, reads a medium given on the command line."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from downloadmanager.core.settings import Settings, save_settings
from downloadmanager.gui.app import run_gui
from downloadmanager.gui.main_window import MainWindow, navigation_texts


def test_run_gui_shows_the_window_and_scans_the_given_path(qtbot, medium):
    save_settings(Settings(language="de"))
    seen = {}

    def inspect_then_close():
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        page = window.send_page
        if page.is_scanning or page.model.rowCount() == 0:
            QTimer.singleShot(50, inspect_then_close)
            return
        seen["pages"] = navigation_texts(window)
        seen["patients"] = page.model.rowCount()
        seen["title"] = window.windowTitle()
        window.close()

    QTimer.singleShot(0, inspect_then_close)
    try:
        assert run_gui(["downloadmanager"], scan_path=medium) == 0
    finally:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.language_switcher.apply("en")
                widget.deleteLater()
    assert seen["pages"] == ["Senden", "Empfangen", "Übertragungen", "Einstellungen"]
    assert seen["patients"] == 2
    assert seen["title"].startswith("Downloadmanager ")
