"""CodeSheetDialog against the REAL portal: create a code for an uploaded study, save the sheet."""

from __future__ import annotations

import pytest

from downloadmanager.core.access_code import code_from_payload
from downloadmanager.core.download.job import redeem_and_list
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.store import QueueStore
from downloadmanager.gui.bridge import Bridge, ImmediateExecutor
from downloadmanager.gui.code_sheet_dialog import open_code_sheet_dialog
from tests.documents.conftest import pdf_text, qr_texts, render_first_page
from tests.upload.conftest import COMMUNITY, items_of, logged_in_client, memory_keyring, real_portal, study_source  # noqa: F401

pytestmark = pytest.mark.usefixtures("memory_keyring")


def test_create_code_and_save_sheet(qtbot, real_portal, tmp_path):
    study = study_source(tmp_path / "medium", series=1, per_series=2)
    client = logged_in_client(real_portal)  # the password lands in the (memory) keyring
    with QueueStore() as store:
        job_id = store.add_job(server=client.server, account=client.email, community=COMMUNITY,
                               study_instance_uid=study.study_instance_uid, items=items_of(study))
        QueueRunner(store, lambda server, account: client, settings=TransferSettings(),
                    poll_interval=0.05).run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE
    dialog = open_code_sheet_dialog(None, job, bridge=Bridge(ImmediateExecutor()))
    qtbot.addWidget(dialog)
    assert "Muster, Max" in dialog.study_label.text() and "CT Thorax" in dialog.study_label.text()
    dialog.birth_date_edit.setText("31.02.1970")
    dialog.create_button.click()
    assert dialog.created is None and "not valid" in dialog.error.text()
    dialog.birth_date_edit.setText("01.01.1970")
    dialog.weeks_spin.setValue(8)
    dialog.create_button.click()
    assert dialog.created is not None, dialog.error.text()
    code = dialog.code_label.text()
    assert code == dialog.created.code and dialog.expiry_label.text().startswith("Valid until ")
    assert dialog.birth_date_edit.text() == ""  # the second factor does not stay on screen
    out = tmp_path / "sheet.pdf"
    dialog.save_pdf(out)
    assert dialog.sheet_path == out and dialog.saved.text() == f"Saved: {out}"
    text = pdf_text(out)
    assert code in text and "Access code for your images" in text and "1970" not in text
    [payload] = qr_texts(render_first_page(out, tmp_path))
    decoded = code_from_payload(payload)
    assert decoded.formatted == code
    session = redeem_and_list(decoded.portal_url, decoded, "1970-01-01")
    assert [s.study_instance_uid for s in session.studies] == [job.study_instance_uid]
