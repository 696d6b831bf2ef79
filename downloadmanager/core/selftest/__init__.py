"""``self-test``: does this installation have everything it needs?

Each check looks at the program as it is installed (a checkout, the Linux
bundle, the Windows installation) and answers ``ok`` plus a short detail in
German and English that names what is missing. The command line
(``downloadmanager self-test``) and the Settings page ("Diagnose") run the
same checks through :func:`run_self_test`.

The core has no Qt import: the Qt checks run in a child process of the same
program (``downloadmanager self-test --qt-probe``, see :mod:`.qt`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: a stable NAME, OK, and a DETAIL per language."""

    name: str
    ok: bool
    detail_de: str
    detail_en: str

    def detail(self, lang: str) -> str:
        """The detail text in LANG ("de" or "en")."""
        return self.detail_de if lang == "de" else self.detail_en

    def as_json(self, lang: str) -> dict:
        """``{"name", "ok", "detail"}`` with the detail in LANG."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail(lang)}


def passed(name: str, de: str, en: str) -> CheckResult:
    """A check that passed."""
    return CheckResult(name, True, de, en)


def failed(name: str, de: str, en: str) -> CheckResult:
    """A check that failed; DE/EN say what is missing."""
    return CheckResult(name, False, de, en)


# Title of each check in both languages (the Settings page and the text output).
TITLES: dict[str, tuple[str, str]] = {
    "qt_platform_plugin": ("Qt-Plattform-Plugin", "Qt platform plugin"),
    "qt_image_plugins": ("Qt-Bildformate", "Qt image plugins"),
    "qt_style_tls": ("Qt-Stil und TLS-Plugins", "Qt style and TLS plugins"),
    "translations": ("Übersetzungen", "Translations"),
    "tls": ("TLS-Prüfung mit CA-Datei", "TLS verification with CA file"),
    "keyring": ("Passwortspeicher (Keyring)", "Password store (keyring)"),
    "pdf_fonts": ("PDF-Schriften", "PDF fonts"),
    "qr": ("QR-Code schreiben und lesen", "QR code write and read"),
    "dicom_decoders": ("DICOM-Decoder", "DICOM decoders"),
    "data_folders": ("Schreibrechte in Datenordnern", "Write access to data folders"),
}


def title(name: str, lang: str) -> str:
    """The human title of check NAME in LANG."""
    de, en = TITLES.get(name, (name, name))
    return de if lang == "de" else en


def _checks() -> list[Callable[[], list[CheckResult] | CheckResult]]:
    # Imported here: each check module pulls in its own libraries (pydicom,
    # fpdf2, zxing-cpp ...) only when the self-test runs.
    from downloadmanager.core.selftest import checks, qt, tls
    return [qt.run_qt_probe, checks.check_translations, tls.check_tls, checks.check_keyring,
            checks.check_pdf_fonts, checks.check_qr, checks.check_dicom_decoders,
            checks.check_data_folders]


def run_self_test() -> list[CheckResult]:
    """Run every check; a check that crashes is reported as failed, never raised."""
    results: list[CheckResult] = []
    for check in _checks():
        try:
            outcome = check()
        except Exception as exc:  # noqa: BLE001 - a broken install may fail in any way
            name = getattr(check, "check_name", check.__name__.removeprefix("check_"))
            outcome = failed(name, f"Unerwarteter Fehler: {type(exc).__name__}: {exc}",
                             f"unexpected error: {type(exc).__name__}: {exc}")
        results.extend(outcome if isinstance(outcome, list) else [outcome])
    return results


def report_json(results: list[CheckResult], lang: str) -> dict:
    """The JSON document of ``self-test --json``."""
    return {"ok": all(r.ok for r in results), "checks": [r.as_json(lang) for r in results]}


__all__ = ["CheckResult", "TITLES", "asdict", "failed", "passed", "report_json", "run_self_test", "title"]
