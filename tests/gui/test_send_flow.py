"""Sending from the window to the REAL portal: drop, tick, search the recipient, send, receipt."""

from __future__ import annotations

from PySide6.QtCore import Qt

from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.gui.main_window import PAGE_SEND, PAGE_SETTINGS, PAGE_TRANSFERS
from tests.gui.helpers import drop_paths
from tests.gui.sending import (  # noqa: F401 - fixtures
    check_all_studies,
    choose_recipient,
    demo_portal,
    memory_keyring,
    shown_states,
    wait_until_all_done,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _scan(qtbot, window, path):
    page = window.send_page
    with qtbot.waitSignal(page.scan_finished, timeout=30000):
        drop_paths(page.drop_zone, [path])
    return page


def test_send_to_community_found_by_name_reaches_done_with_receipt(
        qtbot, make_window, medium, demo_portal, tmp_path):
    window = make_window()
    window.confirm_quit = lambda: True
    panel = window.send_panel
    assert not panel.send_button.isEnabled()
    assert 'href="account"' in panel.hint.text()  # not logged in: a link to the settings
    window.session.use_client(demo_portal.client())

    page = _scan(qtbot, window, medium)
    assert check_all_studies(page.model) == 3
    assert not panel.send_button.isEnabled()  # no recipient yet
    choose_recipient(qtbot, panel.picker, "saarbrucken", "Radiologie Klinikum Saarbrücken (bM1X)")
    assert panel.send_button.isEnabled()
    assert panel.hint.text() == ""

    (tmp_path / "befund.pdf").write_bytes(PDF)
    (tmp_path / "fake.pdf").write_bytes(b"not a pdf at all")
    with qtbot.waitSignal(panel.attachments.checked, timeout=10000):
        drop_paths(panel.attachments, [tmp_path / "befund.pdf", tmp_path / "fake.pdf"])
    assert [p.name for p in panel.attachments.paths()] == ["befund.pdf"]
    assert "fake.pdf" in panel.attachments.message.text()
    panel.note.edit.setPlainText("Bitte an Dr. Weiß")

    with qtbot.waitSignal(panel.sent, timeout=20000) as sent:
        qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    job_ids = sent.args[0]
    assert len(job_ids) == 3
    assert panel.message.text() == "3 transfers queued."
    assert panel.queued_text(1) == "Transfer queued."
    assert panel.picker.chosen_label.text() == "Radiologie Klinikum Saarbrücken (bM1X)"
    assert window.pages.currentIndex() == PAGE_TRANSFERS
    assert window.settings.recent_recipients[0] == "bM1X"
    assert panel.attachments.paths() == [] and panel.note.text() == ""

    transfers = window.transfers_page
    wait_until_all_done(qtbot, window, job_ids)
    with QueueStore(window.transfer_service.queue_path) as store:
        jobs = {j.id: j for j in store.list_jobs()}
    assert {jobs[i].community for i in job_ids} == {"bM1X"}
    assert {jobs[i].note for i in job_ids} == {"Bitte an Dr. Weiß"}
    thorax = next(j for j in jobs.values() if j.study_description == "CT Thorax")
    assert thorax.receipt["totals"]["accepted"] == 7
    assert thorax.receipt["totals"]["documents"] == 1

    assert transfers.select_job(thorax.id)
    row = transfers.model.row_of(thorax.id)
    assert transfers.model.data(transfers.model.index(row, 0)) == "CT Thorax, 11/20/2026"
    assert transfers.model.data(transfers.model.index(row, 1)) == \
        "Radiologie Klinikum Saarbrücken (bM1X)"
    assert transfers.receipt_button.isEnabled()
    dialog = transfers.show_receipt()
    assert dialog is not None and dialog.isVisible()
    assert dialog.labels["accepted"].text() == "7"
    assert dialog.labels["rejected"].text() == "0"
    assert dialog.labels["state"].text() == "Complete: every image arrived unchanged"
    assert not dialog.problems.isVisible()
    assert dialog.pdf_button is not None

    # The receipt PDF ("Übertragungsprotokoll") through the documents function.
    target = tmp_path / "protokoll.pdf"
    dialog.save_pdf_to(target)
    qtbot.waitUntil(lambda: dialog.status.isVisible(), timeout=30000)
    assert dialog.status.text() == f"Saved: {target}"
    assert target.read_bytes().startswith(b"%PDF-")


def test_recent_recipient_is_offered_first(qtbot, make_window, demo_portal):
    from downloadmanager.core.settings import Settings

    window = make_window(settings=Settings(language="en", recent_recipients=["bM1X"]))
    window.session.use_client(demo_portal.client())
    picker = window.send_panel.picker
    picker.show_recent()
    qtbot.waitUntil(lambda: "Radiologie Klinikum Saarbrücken (bM1X)" in picker.result_texts(),
                    timeout=20000)
    assert picker.result_texts()[0] == "Recently used:"


def test_unreachable_portal_and_unknown_recipient_lose_nothing(qtbot, make_window, medium,
                                                                demo_portal):
    window = make_window()
    window.session.use_client(demo_portal.client())
    panel = window.send_panel
    page = _scan(qtbot, window, medium)
    check_all_studies(page.model)

    # A recipient that does not exist (any more): told, nothing queued.
    panel.picker.set_recipient({"name": "Gibt es nicht", "code": "zzZ9"})
    with qtbot.waitSignal(panel.send_failed, timeout=20000) as failed:
        panel.send_button.click()
    assert "does not know the recipient “Gibt es nicht”" in failed.args[0]
    assert panel.picker.recipient is None

    choose_recipient(qtbot, panel.picker, "bM1X", "Radiologie Klinikum Saarbrücken (bM1X)")
    demo_portal.portal.stop()
    with qtbot.waitSignal(panel.send_failed, timeout=60000) as failed:
        panel.send_button.click()
    assert "cannot be reached" in failed.args[0]
    assert window.pages.currentIndex() == PAGE_SEND
    assert len(page.model.checked_studies()) == 3  # the selection is still there
    assert panel.picker.recipient["code"] == "bM1X"
    assert panel.send_button.isEnabled()
    with QueueStore(window.transfer_service.queue_path) as store:
        assert store.list_jobs() == []


def test_settings_link_opens_the_settings(make_window):
    window = make_window()
    window.send_panel.hint.linkActivated.emit("account")
    assert window.pages.currentIndex() == PAGE_SETTINGS
    assert window.transfers_page.model.rowCount() == 0
