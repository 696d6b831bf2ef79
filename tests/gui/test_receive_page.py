"""Receive page against the REAL portal: code + birth date -> list -> verified download."""

from __future__ import annotations


import pytest
import requests
import segno
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from sqlalchemy import update

from downloadmanager.core.logging_setup import configure_logging, flush_log, log_file_path
from downloadmanager.core.scan import scan
from downloadmanager.core.settings import Settings
from downloadmanager.gui.bridge import Bridge, ImmediateExecutor
from portal.communities import create_community
from portal.db import utcnow
from portal.schema import access_codes
from tests.dicom_factory import StudySpec
from tests.gui.helpers import drop_paths
from tests.portal.conftest import make_user, portal, portal_factory  # noqa: F401
from tests.portal.seed import make_pdf, seed_study

BIRTH = "1980-02-15"


@pytest.fixture
def shared(portal, make_user):
    """A study with a document on the portal and a code for it (birth date 15.02.1980)."""
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    sender = make_user()
    study = seed_study(portal.engine, portal.data_dir, "bM1X",
                       StudySpec(patient_name="Musterfrau^Erika", birth_date="19800215",
                                 study_description="CT Thorax"),
                       sender_user_id=sender.id, series_count=2, per_series=3,
                       docs={"Befund.pdf": make_pdf("Befund")})
    answer = requests.post(f"{portal.url}/api/codes", headers=sender.headers, json={
        "study_uids": [study.uid], "birth_date": BIRTH, "weeks": 6}, timeout=30)
    assert answer.status_code == 201, answer.text
    return study, answer.json()


@pytest.fixture
def receive(make_window, portal, tmp_path):
    """The Receive page of a window on the test portal, work run at once (immediate bridge)."""
    settings = Settings(language="en", portal_url=portal.url, storage_folder=str(tmp_path / "in"))
    window = make_window(bridge=Bridge(ImmediateExecutor()), settings=settings)
    return window, window.receive_page


def _enter(page, code: str, birth: str) -> None:
    page.code_edit.clear()
    QTest.keyClicks(page.code_edit, code)
    page.birth_date_edit.setText(birth)


def test_code_field_shapes_input_and_rejects_lookalikes(receive):
    _, page = receive
    QTest.keyClicks(page.code_edit, "k7px 92qd m4h3")
    assert page.code_edit.text() == "K7PX-92QD-M4H3"
    page.code_edit.clear()
    QGuiApplication.clipboard().setText(" k7px92QD-m4h3 ")
    QTest.keyClick(page.code_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert page.code_edit.text() == "K7PX-92QD-M4H3"
    assert page.code_edit.code().code == "K7PX92QDM4H3"
    page.code_edit.clear()
    QTest.keyClicks(page.code_edit, "K7PX-92QD-M4HO")
    assert 'The code contains "O"' in page.message.text() and page.message.isVisibleTo(page)
    page.birth_date_edit.setText("15.02.1980")
    page.show_button.click()
    assert "never use 0, 1, I, L or O" in page.message.text()
    assert not page.results.isVisibleTo(page)
    # A pasted QR link gives its code and its portal.
    page.code_edit.clear()
    QGuiApplication.clipboard().setText("https://portal.example.org/c/k7px92qdm4h3")
    QTest.keyClick(page.code_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert page.code_edit.text() == "K7PX-92QD-M4H3"
    assert page.portal_url() == "https://portal.example.org"


def test_list_and_download_verified_then_as_dicomdir(receive, shared, tmp_path, dm_home):
    log_path = configure_logging(console=False)
    study, created = shared
    # A scan of a medium with the same patient belongs to the flow whose log is checked.
    scan(tmp_path)
    window, page = receive
    _enter(page, created["code"].replace("-", " ").lower(), "15.02.1980")
    page.show_button.click()
    assert page.message.text() == ""
    assert page.results.isVisibleTo(page)
    [row] = page.study_table.rows()
    assert row[:6] == ["Musterfrau, Erika", "11/20/2026", "CT Thorax", "CT", "2", "6"]
    expiry_year = created["expires"][:4]
    assert page.expiry_label.text().startswith("Code valid until ") and expiry_year in page.expiry_label.text()
    assert page.download_button.isEnabled()

    page.download_button.click()
    panel = page.download_panel
    assert panel.outcome == "verified", panel.summary.text()
    assert panel.summary.text().startswith("Saved and verified: 6 images in ")
    [study_dir] = panel.result.outputs
    assert study_dir.is_relative_to(tmp_path / "in")
    files = sorted(study_dir.rglob("*.dcm"))
    assert {f.read_bytes() for f in files} == set(study.files.values())
    assert (study_dir / "Dokumente" / "Befund.pdf").is_file()
    assert panel.open_button.isVisibleTo(page) and panel.output_folder() == study_dir

    panel.media_radio.setChecked(True)
    page.download_button.click()
    assert panel.outcome == "verified"
    [medium] = panel.result.outputs
    assert (medium / "DICOMDIR").is_file()
    assert sorted(i.sop_instance_uid for i in scan(medium, quick=True).instances()) == sorted(study.files)

    # Privacy: the log file got the flow's records but no patient data.
    flush_log()
    text = log_path.read_text(encoding="utf-8")
    assert log_path == log_file_path() and "code redeemed: 1 studies listed" in text
    assert "download finished: 6 instances verified" in text
    for secret in ("Musterfrau", "Erika", "19800215", "1980-02-15", "15.02.1980", created["code"],
                   created["code"].replace("-", "")):
        assert secret not in text, secret


def test_wrong_birth_date_locked_and_expired_messages(receive, shared, portal):
    window, page = receive
    _, created = shared
    _enter(page, created["code"], "16.02.1980")
    page.show_button.click()
    assert page.message.text() == "The code or the birth date is not correct. Please check both."
    assert not page.results.isVisibleTo(page) and page.show_button.isEnabled()
    window.apply_language("de")
    page.show_button.click()
    assert page.message.text() == "Code oder Geburtsdatum stimmen nicht. Bitte prüfen Sie beide Angaben."
    for _ in range(4):
        page.show_button.click()
    page.birth_date_edit.setText("15.02.1980")
    page.show_button.click()
    assert page.message.text().startswith("Zu viele Versuche. Bitte warten Sie 15 Minuten")
    window.apply_language("en")
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(locked_until=None, failed_attempts=0,
                                                 expires_at=utcnow().replace(year=2025)))
    page.show_button.click()
    assert page.message.text().startswith("This code expired on 2025-")


def _qr_png(path, payload):
    segno.make_qr(payload, error="m").save(str(path), kind="png", scale=8, border=4)
    return path


def test_qr_image_dropped_pasted_and_chosen(receive, shared, portal, tmp_path):
    _, page = receive
    _, created = shared
    png = _qr_png(tmp_path / "qr.png", created["qr_payload"])
    enter_ok, drop_ok = drop_paths(page, [png])
    assert enter_ok and drop_ok
    assert page.code_edit.text() == created["code"]
    assert page.portal_url() == portal.url
    # Image data on the clipboard (a screenshot), pasted with Ctrl+V in the code field.
    page.code_edit.clear()
    QGuiApplication.clipboard().setImage(QImage(str(png)))
    page.code_edit.setFocus()
    QTest.keyClick(page.code_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert page.code_edit.text() == created["code"]
    # The same through the button, and a picture without a QR code gives the core's message.
    page.code_edit.clear()
    page.qr_paste_button.click()
    assert page.code_edit.text() == created["code"]
    blank = QImage(200, 200, QImage.Format.Format_RGB32)
    blank.fill(Qt.GlobalColor.white)
    blank.save(str(tmp_path / "blank.png"))
    page.read_qr_file(tmp_path / "blank.png")
    assert page.message.text().startswith("No QR code was found in the image")
    # Then the listing works with the QR's portal even without one in the settings.
    page.settings.portal_url = ""
    page.code_edit.clear()
    drop_paths(page, [png])
    page.birth_date_edit.setText(BIRTH)
    page.show_button.click()
    assert len(page.study_table.rows()) == 1


def test_cancelled_download_is_never_complete(make_window, portal, shared, tmp_path, qtbot):
    """With the real thread pool: cancelling right after the start reports an incomplete download."""
    _, created = shared
    settings = Settings(language="en", portal_url=portal.url, storage_folder=str(tmp_path / "in"))
    window = make_window(settings=settings)
    page = window.receive_page
    _enter(page, created["code"], "15.02.1980")
    with qtbot.waitSignal(page.studies_listed, timeout=30000):
        page.show_button.click()
    panel = page.download_panel
    with qtbot.waitSignal(panel.download_finished, timeout=60000) as finished:
        page.download_button.click()
        assert panel.cancel_button.isVisibleTo(page)
        panel.cancel()
    assert finished.args == [False]
    assert panel.outcome == "cancelled"
    assert "NOT complete" in panel.summary.text()
    assert not panel.open_button.isVisibleTo(page)
