"""The Transfers page tells when the CD can be removed while the upload goes on."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from downloadmanager.core.transfers.model import Job, JobState
from downloadmanager.gui.i18n import qm_path
from downloadmanager.gui.transfers_model import TransfersTableModel


def _job(state: JobState, **kw) -> Job:
    return Job(id=1, server="http://portal", account="a@example.org", community="bM1X",
               study_instance_uid="1.2.3", state=state, created_at="2026-12-03T07:00:00Z",
               updated_at="2026-12-03T07:00:00Z", **kw)


def test_state_text_says_when_the_cd_can_be_removed(qtbot):
    model = TransfersTableModel()
    assert model.state_text(_job(JobState.STAGING)) == "Copying"
    assert model.state_text(_job(JobState.STAGING, upload_url="http://portal/uploads/x")) == \
        "Copying and sending"
    assert model.state_text(_job(JobState.UPLOADING, manifest=b"{}")) == \
        "Sending – the CD can be removed"
    # A local folder sent in place was never on a CD.
    assert model.state_text(_job(JobState.UPLOADING, manifest=b"{}", use_staging=False)) == \
        "Sending"
    assert model.state_text(_job(JobState.UPLOADING)) == "Sending"


def test_state_text_in_german(qtbot):
    translator = QTranslator()
    assert translator.load(str(qm_path("de")))
    QCoreApplication.installTranslator(translator)
    try:
        model = TransfersTableModel()
        assert model.state_text(_job(JobState.UPLOADING, manifest=b"{}")) == \
            "Wird gesendet – Die CD kann entnommen werden"
    finally:
        QCoreApplication.removeTranslator(translator)
