"""Which language the window speaks, and loading its translations.

The source language of every string is English. German comes from
``resources/translations/downloadmanager_de.qm``, built from the Qt Linguist
source ``downloadmanager_de.ts`` by ``scripts/setup.sh`` (``pyside6-lrelease``).
Switching the language at run time installs or removes the translator; Qt then
sends every widget a ``LanguageChange`` event and the widgets retranslate.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from downloadmanager.core.errors import AppError, render_stored
from downloadmanager.core.resources import translations_dir

log = logging.getLogger(__name__)

SUPPORTED = ("de", "en")
SOURCE_LANGUAGE = "en"


def message_language() -> str:
    """The language ("de"/"en") core messages are shown in: the window's current language."""
    return "de" if QLocale().language() == QLocale.Language.German else "en"


def error_text(error: BaseException | str | None) -> str:
    """A core error (or a job's stored error text) in the window's language; "" for none."""
    if error is None or error == "":
        return ""
    if isinstance(error, str):
        return render_stored(error, message_language())
    if isinstance(error, AppError):
        return error.message(message_language())
    return str(error)


def qm_path(language: str) -> Path:
    """The compiled translation file of LANGUAGE."""
    return translations_dir() / f"downloadmanager_{language}.qm"


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """Turn the setting ("system", "de", "en") into the language to show.

    "system" means German when the operating system's language is German and
    English for every other language.
    """
    if setting in SUPPORTED:
        return setting
    system = system or QLocale.system()
    # The preferred UI language, not the number/date format: on Windows an
    # English UI with German regional formats should stay English.
    preferred = system.uiLanguages()
    language = QLocale(preferred[0]).language() if preferred else system.language()
    return "de" if language == QLocale.Language.German else "en"


def locale_for(language: str, system: QLocale | None = None) -> QLocale:
    """The locale used to format dates and numbers in LANGUAGE.

    The system locale is kept when it speaks the chosen language (an Austrian
    or British user keeps their own formats); otherwise the language's main
    country is used.
    """
    system = system or QLocale.system()
    if language == "de":
        wanted = QLocale.Language.German
        fallback = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    else:
        wanted = QLocale.Language.English
        fallback = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
    return system if system.language() == wanted else fallback


class LanguageSwitcher:
    """Installs the translators of one language into the running application.

    Translators are global to the application, so the installed ones are
    shared by every switcher: a second window switching to English also
    removes the German translator a first window installed.
    """

    _translators: list[QTranslator] = []

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app
        self.language = SOURCE_LANGUAGE

    def apply(self, language: str) -> bool:
        """Show LANGUAGE from now on; False if its translation file is missing."""
        for translator in LanguageSwitcher._translators:
            self._app.removeTranslator(translator)
        LanguageSwitcher._translators.clear()
        ok = True
        if language != SOURCE_LANGUAGE:
            ours = QTranslator()
            if ours.load(str(qm_path(language))):
                self._install(ours)
            else:
                ok = False
                log.warning("translation %s missing; run scripts/setup.sh to build it",
                            qm_path(language).name)
            # Qt's own strings (buttons of standard dialogs) when Qt ships them.
            qt_own = QTranslator()
            qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            if qt_own.load(f"qtbase_{language}", qt_dir):
                self._install(qt_own)
        self.language = language if ok else SOURCE_LANGUAGE
        QLocale.setDefault(locale_for(self.language))
        # Qt posts the LanguageChange events; deliver them now so that the
        # whole window speaks the new language when this returns.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        return ok

    def _install(self, translator: QTranslator) -> None:
        self._app.installTranslator(translator)
        LanguageSwitcher._translators.append(translator)
