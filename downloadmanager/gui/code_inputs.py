"""Input fields of the Receive page: the access code and the patient's birth date.

Both only shape what is typed; the *meaning* comes from the core
(:mod:`downloadmanager.core.access_code`), so the window and
``downloadmanager fetch`` accept and reject exactly the same input, with the
same German/English messages.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QLocale, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit

from downloadmanager.core.access_code import (
    ALPHABET,
    CODE_LENGTH,
    AccessCodeError,
    CodeInput,
    code_from_payload,
    format_code,
    normalise_code,
    parse_birth_date,
)
from downloadmanager.gui.formatting import date_format
from downloadmanager.gui.i18n import message_language  # noqa: F401 - used by the pages, too

_SEPARATORS = re.compile(r"[\s\-_.]+")


class CodeLineEdit(QLineEdit):
    """The 12-character code, shown ``XXXX-XXXX-XXXX`` while typing or pasting.

    Typed or pasted text in any case, with or without dashes or spaces, is
    upper-cased and grouped. A pasted QR link (``https://portal/c/CODE``)
    gives its code and remembers the portal. Characters outside the alphabet
    (look-alikes 0, 1, I, L, O included) are left visible so the user sees
    them, and :attr:`problem` holds the core's message for them.
    """

    #: Ctrl+V with an image (not text) on the clipboard: the page reads its QR code.
    image_pasted = Signal()
    #: The text changed; the argument is the problem message ("" when fine so far).
    problem_changed = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMaxLength(200)  # room for a pasted QR link
        font = self.font()
        font.setFamily("monospace")
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setLetterSpacing(font.SpacingType.AbsoluteSpacing, 1.5)
        self.setFont(font)
        self.portal_url: str | None = None
        self.problem = ""
        self.textEdited.connect(self._reshape)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            mime = QGuiApplication.clipboard().mimeData()
            if mime is not None and mime.hasImage() and not mime.hasText():
                self.image_pasted.emit()
                event.accept()
                return
        super().keyPressEvent(event)

    def set_code(self, code: CodeInput) -> None:
        """Show CODE (e.g. read from a QR image) and remember its portal."""
        self.portal_url = code.portal_url or self.portal_url
        self.setText(code.formatted)
        self._set_problem("")

    def _reshape(self, text: str) -> None:
        stripped = text.strip()
        if re.match(r"^https?://", stripped, re.IGNORECASE):
            try:
                code = code_from_payload(stripped)
            except AccessCodeError as exc:
                self._set_problem(exc.message(message_language()))
                return
            self.set_code(code)
            return
        self.portal_url = None if not stripped else self.portal_url
        raw = _SEPARATORS.sub("", text).upper()
        if raw and all(ch in ALPHABET for ch in raw) and len(raw) <= CODE_LENGTH:
            shaped = format_code(raw)
            if shaped != text:
                # Keep the cursor behind the same number of code characters.
                before = len(_SEPARATORS.sub("", text[:self.cursorPosition()]))
                self.setText(shaped)
                self.setCursorPosition(before + min(2, max(0, (before - 1) // 4)))
            self._set_problem("")
            return
        self._set_problem(self._problem_of(raw))

    def _problem_of(self, raw: str) -> str:
        if not raw:
            return ""
        try:
            normalise_code(raw)
        except AccessCodeError as exc:
            if exc.key == "code_wrong_length" and len(raw) < CODE_LENGTH:
                return ""  # still typing
            return exc.message(message_language())
        return ""

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            self.problem_changed.emit(text)

    def code(self) -> CodeInput:
        """The entered code; raises :class:`AccessCodeError` (core message) when unusable."""
        return CodeInput(normalise_code(self.text()), self.portal_url)


def birth_date_placeholder(locale: QLocale | None = None) -> str:
    """``TT.MM.JJJJ`` in German, the locale's own order in English (``MM/DD/YYYY``)."""
    locale = locale or QLocale()
    fmt = date_format(locale)
    if locale.language() == QLocale.Language.German:
        return "TT.MM.JJJJ"
    fmt = re.sub(r"(?<![dMy])d(?!d)", "dd", fmt)
    fmt = re.sub(r"(?<![dMy])M(?!M)", "MM", fmt)
    return fmt.replace("dd", "DD").replace("yyyy", "YYYY")


class BirthDateEdit(QLineEdit):
    """The patient's birth date as typed: ``TT.MM.JJJJ`` (German) or the locale's order.

    The core parses it (``DD.MM.YYYY``, ``YYYY-MM-DD``, ``YYYYMMDD``); in an
    English locale with another order (``6/12/1985``) the window first reads
    it with the locale's format, so a US user can type the date the way they
    write it.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMaxLength(10)
        self.retranslate()

    def retranslate(self) -> None:
        """Follow the window's language (placeholder and accepted order)."""
        self.setPlaceholderText(birth_date_placeholder())

    def birth_date(self, today: date | None = None) -> date:
        """The entered date; raises :class:`AccessCodeError` with the core's message."""
        text = self.text().strip()
        locale = QLocale()
        if "/" in text and locale.language() != QLocale.Language.German:
            for fmt in (date_format(locale), date_format(locale).replace("yyyy", "yy")):
                parsed = locale.toDate(text, fmt)
                if parsed.isValid():
                    text = parsed.toString("yyyy-MM-dd")
                    break
        return parse_birth_date(text, today=today)

    def set_birth_date(self, value: date) -> None:
        """Show VALUE in the current locale's form."""
        locale = QLocale()
        if locale.language() == QLocale.Language.German:
            self.setText(value.strftime("%d.%m.%Y"))
        else:
            self.setText(locale.toString(QDate(value.year, value.month, value.day), date_format(locale)))
