"""Both documents in both languages: text read back from the PDF, QR code read from the pixels."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from downloadmanager.core.access_code import code_from_payload
from downloadmanager.core.documents.code_sheet import CodeSheet, SheetStudy, write_code_sheet_pdf
from downloadmanager.core.documents.pdf_base import DocumentError
from downloadmanager.core.documents.receipt import ReceiptStudy, TransferReceipt, write_receipt_pdf
from tests.documents.conftest import pdf_text, qr_texts, render_first_page

PAYLOAD = "https://portal.example.org/c/K7PX92QDM4H3"


def _receipt(state="done", rejected=0) -> TransferReceipt:
    good = ReceiptStudy("1.2.826.0.1.1", "Müller, Łukasz", "20261120", "CT Thorax", "done",
                        8, 8, 2, 0, 1, 12_345_678, "u-1f2e3d", "2026-11-27T21:31:02Z")
    second = ReceiptStudy("1.2.826.0.1.2", "Schmidt, Anna", "20250901", "MR Knie", state,
                          4, 4 - rejected, 0, rejected, 0, 2_000_000, "u-77aa", "2026-11-27T21:35:00Z",
                          "image 3 is not DICOM" if rejected else "")
    return TransferReceipt("praxis@example.org", "https://portal.example.org", "bM1X",
                           "Radiologie Klinikum Saarbrücken", [good, second],
                           datetime(2026, 11, 27, 22, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize("lang, words", [
    ("de", ["Übertragungsprotokoll", "Absender", "Empfänger", "vollständig geprüft",
            "davon bereits vorhanden: 2", "Alle Untersuchungen wurden vollständig übertragen",
            "20.11.2026", "Größe", "12,3 MB"]),
    ("en", ["Transfer receipt", "Sender", "Recipient", "completely verified",
            "of which already present: 2", "Every study was transferred completely",
            "20 November 2026", "12.3 MB"]),
])
def test_receipt_pdf_content(tmp_path, lang, words):
    out = write_receipt_pdf(_receipt(), tmp_path / f"receipt-{lang}.pdf", lang)
    text = pdf_text(out)
    for word in words + ["praxis@example.org", "Radiologie Klinikum Saarbrücken (bM1X)",
                         "Müller, Łukasz", "Schmidt, Anna", "CT Thorax", "MR Knie",
                         "u-1f2e3d", "u-77aa", "8 / 8", "12 / 12", "1.2.826.0.1.1"]:
        assert word in text, (word, text)


def test_receipt_never_calls_a_partial_transfer_verified(tmp_path):
    receipt = _receipt(state="partial", rejected=1)
    assert not receipt.all_verified
    text = pdf_text(write_receipt_pdf(receipt, tmp_path / "partial.pdf", "de"))
    assert "teilweise: 1 Bilder abgelehnt" in text and "image 3 is not DICOM" in text
    assert "Nicht alle Untersuchungen" in text
    assert "Alle Untersuchungen wurden vollständig" not in text
    assert "11 / 12" in text
    # Nothing confirmed yet is "pending", never verified.
    pending = ReceiptStudy("1.2.3", state="pending", expected=3)
    assert not pending.verified


@pytest.mark.parametrize("lang, words", [
    ("de", ["Zugangscode für Ihre Bilder", "Gültig bis", "01.03.2026", "Anleitung für die Praxis",
            "Geburtsdatum ist der zweite Schlüssel", "„Empfangen“", "20.11.2026"]),
    ("en", ["Access code for your images", "Valid until", "1 March 2026",
            "Instructions for the practice", "second key", "\"Receive\"", "20 November 2026"]),
])
def test_code_sheet_text_and_qr(tmp_path, lang, words):
    sheet = CodeSheet("k7px 92qd-m4h3", "2026-03-01T10:00:00Z", PAYLOAD,
                      [SheetStudy("20261120", "CT Thorax")])
    out = write_code_sheet_pdf(sheet, tmp_path / f"sheet-{lang}.pdf", lang)
    text = pdf_text(out)
    for word in words + ["K7PX-92QD-M4H3", "https://portal.example.org", "CT Thorax"]:
        assert word in text, (word, text)
    # The QR code on the rendered page opens exactly the printed code at the portal.
    [payload] = qr_texts(render_first_page(out, tmp_path))
    assert payload == PAYLOAD
    decoded = code_from_payload(payload)
    assert decoded.formatted == "K7PX-92QD-M4H3" and decoded.portal_url == "https://portal.example.org"


def test_code_sheet_has_no_birth_date_and_checks_payload(tmp_path):
    sheet = CodeSheet("K7PX92QDM4H3", "2026-03-01T10:00:00Z", PAYLOAD)
    text = pdf_text(write_code_sheet_pdf(sheet, tmp_path / "s.pdf", "de"))
    # The sheet carries no date other than expiry and creation (no birth-date field exists).
    assert "Geburtsdatum:" not in text
    with pytest.raises(DocumentError):
        CodeSheet("K7PX92QDM4H3", "2026-03-01T10:00:00Z", "https://portal.example.org/c/M4H3K7PX92QD")
    with pytest.raises(ValueError):
        write_code_sheet_pdf(sheet, tmp_path / "x.pdf", "fr")


def test_unwritable_target_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DocumentError) as info:
        write_receipt_pdf(_receipt(), blocker / "receipt.pdf", "en")
    assert "Choose another folder" in str(info.value)
