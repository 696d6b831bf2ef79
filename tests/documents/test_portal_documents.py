"""Receipt and code sheet for a study really uploaded to the REAL portal, via core and CLI."""

from __future__ import annotations

import io

import pytest

from downloadmanager.cli import main as cli_main
from downloadmanager.core.access_code import code_from_payload
from downloadmanager.core.documents.code_sheet import CodeSheet, write_code_sheet_pdf
from downloadmanager.core.documents.receipt import save_receipt_for_jobs, study_from_job
from downloadmanager.core.documents.share import ShareError, create_access_code
from downloadmanager.core.download.job import redeem_and_list
from downloadmanager.core.transfers.model import JobState
from downloadmanager.core.transfers.runner import QueueRunner
from downloadmanager.core.transfers.settings import TransferSettings
from downloadmanager.core.transfers.store import QueueStore
from tests.documents.conftest import pdf_text, qr_texts, render_first_page
from tests.upload.conftest import COMMUNITY, items_of, logged_in_client, study_source

pytestmark = pytest.mark.usefixtures("memory_keyring")


@pytest.fixture
def uploaded(dm_home, real_portal, tmp_path):
    """One small study uploaded through the real queue and verified by the portal."""
    study = study_source(tmp_path / "medium", series=1, per_series=3)
    client = logged_in_client(real_portal)
    with QueueStore() as store:
        job_id = store.add_job(server=client.server, account=client.email, community=COMMUNITY,
                               study_instance_uid=study.study_instance_uid, items=items_of(study))
        QueueRunner(store, lambda server, account: client, settings=TransferSettings(),
                    poll_interval=0.05).run()
        job = store.get_job(job_id)
    assert job.state is JobState.DONE, job.error
    return client, job


def test_receipt_of_a_real_upload(uploaded, tmp_path):
    client, job = uploaded
    study = study_from_job(job)
    assert study.verified and study.accepted == 3 and study.patient_name == "Muster, Max"
    out = save_receipt_for_jobs([job], tmp_path / "receipt.pdf", "de", credentials=client.credentials)
    text = pdf_text(out)
    for word in ("Übertragungsprotokoll", client.email, "Radiologie Klinikum Saarbrücken (bM1X)",
                 "Muster, Max", "20.11.2026", "CT Thorax", "3 / 3", "vollständig geprüft",
                 job.receipt["upload_id"]):
        assert word in text, word
    assert job.study_instance_uid in text.replace(" ", "")  # a long UID wraps in the PDF


def test_receipt_cli(uploaded, tmp_path, capsys):
    _, job = uploaded
    out = tmp_path / "cli-receipt.pdf"
    assert cli_main(["transfers", "receipt", str(job.id), "--pdf", str(out), "--lang", "en"]) == 0
    text = pdf_text(out)
    assert "Transfer receipt" in text and "completely verified" in text
    assert "Radiologie Klinikum Saarbrücken (bM1X)" in text  # name from the stored login
    assert str(out) in capsys.readouterr().out
    assert cli_main(["transfers", "receipt", "999", "--pdf", str(out)]) == 2


def test_code_for_the_upload_opens_the_study(uploaded, real_portal, tmp_path):
    client, job = uploaded
    created = create_access_code(client, [job.study_instance_uid],
                                 __import__("datetime").date(1970, 1, 1), weeks=6)
    assert code_from_payload(created.qr_payload).code == created.plain
    sheet = CodeSheet(created.code, created.expires, created.qr_payload)
    out = write_code_sheet_pdf(sheet, tmp_path / "sheet.pdf", "de")
    [payload] = qr_texts(render_first_page(out, tmp_path))
    code = code_from_payload(payload)
    assert code.portal_url == real_portal.url and created.code in pdf_text(out)
    # The code read back from the printed QR really opens the study with the birth date.
    session = redeem_and_list(code.portal_url, code, "1970-01-01")
    assert [s.study_instance_uid for s in session.studies] == [job.study_instance_uid]
    # Someone else's or an unknown study: a clear refusal, no code.
    with pytest.raises(ShareError) as info:
        create_access_code(client, ["1.2.3.4.5.6"], __import__("datetime").date(1970, 1, 1))
    assert info.value.code == "share_unknown_study" and "Untersuchung" in info.value.message("de")
    with pytest.raises(ShareError):
        create_access_code(client, [job.study_instance_uid],
                           __import__("datetime").date(1970, 1, 1), weeks=13)


def test_share_cli_prints_code_and_writes_sheet(uploaded, real_portal, tmp_path, capsys, monkeypatch):
    client, job = uploaded
    monkeypatch.setattr("sys.stdin", io.StringIO(real_portal.password + "\n"))
    assert cli_main(["login", "--server", real_portal.url, "--email", real_portal.email,
                     "--password-stdin"]) == 0
    capsys.readouterr()
    out = tmp_path / "share.pdf"
    assert cli_main(["share", job.study_instance_uid, "--birth-date", "01.01.1970",
                     "--weeks", "4", "--pdf", str(out), "--lang", "en"]) == 0
    printed = capsys.readouterr().out.strip()
    assert len(printed) == 14 and printed.count("-") == 2
    text = pdf_text(out)
    assert printed in text and "Access code for your images" in text
    assert "20 November 2026" in text and "CT Thorax" in text  # from the upload queue
    assert "1970" not in text  # the birth date is never printed
    [payload] = qr_texts(render_first_page(out, tmp_path))
    assert code_from_payload(payload).formatted == printed
    assert cli_main(["share", job.study_instance_uid, "--birth-date", "31.02.1970"]) == 2
