"""Send page: drop a medium, scan it with the real scanner, see the tree, thumbnails, problems."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QModelIndex, Qt, QUrl

from downloadmanager.core.scan import scan
from downloadmanager.gui.scan_tree_model import PayloadRole, ThumbnailStateRole
from downloadmanager.gui.volumes import Volume
from tests.gui.helpers import drop_paths, drop_urls, tree_rows


def _scan_by_drop(qtbot, page, path):
    with qtbot.waitSignal(page.scan_finished, timeout=30000) as blocker:
        accepted = drop_paths(page.drop_zone, [path])
    assert accepted == (True, True)
    return blocker.args[0]


def _series_indexes(model):
    found = []
    for p in range(model.rowCount()):
        patient = model.index(p, 0)
        for s in range(model.rowCount(patient)):
            study = model.index(s, 0, patient)
            found.extend(model.index(r, 0, study) for r in range(model.rowCount(study)))
    return found


def test_dropping_a_folder_shows_patients_studies_series_and_thumbnails(qtbot, make_window, medium):
    page = make_window().send_page
    result = _scan_by_drop(qtbot, page, medium)
    assert len(result.patients) == 2

    rows = tree_rows(page.model)
    names = [(depth, texts[0]) for depth, texts in rows]
    assert names == [
        (0, "Muster, Max · PID-1"),
        (1, "CT Thorax"),           # newest study first
        (2, "1: Serie 1"), (2, "2: Serie 2"), (2, "99: Befundbericht"),
        (1, "CT Kopf"),
        (2, "1: Serie 1"),
        (0, "Schmidt, Anna · PID-2"),
        (1, "CT Abdomen"),
        (2, "1: Serie 1"),
    ]
    by_name = {texts[0]: texts for _depth, texts in rows}
    # Counts: images per patient / study / series (3+3+1 + 2 for Muster).
    assert by_name["Muster, Max · PID-1"][3] == "9"
    assert by_name["CT Thorax"][3] == "7"
    assert by_name["CT Thorax"][2] == "CT, SR"
    assert by_name["Schmidt, Anna · PID-2"][3] == "4"
    assert by_name["CT Abdomen"][1] == "9/1/2025"  # English (US) date with a 4-digit year
    assert by_name["Schmidt, Anna · PID-2"][1] == "born 6/12/1985"
    assert by_name["CT Abdomen"][4].endswith("kB")
    assert "2 patients, 3 studies, 13 images" in page.summary_label.text()

    # Thumbnails: decoded in the background for CT, a placeholder for the SR report.
    series = _series_indexes(page.model)
    qtbot.waitUntil(lambda: all(i.data(ThumbnailStateRole) != "loading" for i in series),
                    timeout=30000)
    states = {i.data(PayloadRole).modality + ":" + i.data(PayloadRole).series_description:
              i.data(ThumbnailStateRole) for i in series}
    assert states == {"CT:Serie 1": "image", "CT:Serie 2": "image", "SR:Befundbericht": "placeholder"}
    image = series[0].data(Qt.ItemDataRole.DecorationRole).pixmap(96, 96).toImage()
    # The synthetic CT lies between -1024 and -361 HU, below its soft-tissue
    # window (40/400): windowed correctly, the picture is opaque black.
    pixels = {image.pixelColor(x, y).getRgb() for x in range(0, 96, 8) for y in range(0, 96, 8)}
    assert pixels == {(0, 0, 0, 255)}
    sr = series[2].data(Qt.ItemDataRole.DecorationRole).pixmap(96, 96).toImage()
    assert sr.pixelColor(48, 48).getRgb() != (0, 0, 0, 255)


def test_problems_panel_lists_the_damaged_file(qtbot, make_window, medium):
    page = make_window().send_page
    _scan_by_drop(qtbot, page, medium)
    assert page.problems.isVisibleTo(page)
    assert page.problems.toggle.text() == "Skipped files: 1"
    assert not page.problems.expanded
    page.problems.toggle.click()
    assert page.problems.expanded and page.problems.table.isVisibleTo(page)
    (path, kind, reason), = page.problems.rows()
    assert path == "broken.dcm"
    assert kind == "Damaged"
    assert reason.startswith("A DICOM file that is cut off or damaged")


def test_checking_a_patient_checks_its_studies_and_shows_partial_state(qtbot, make_window, medium):
    page = make_window().send_page
    _scan_by_drop(qtbot, page, medium)
    model = page.model
    patient = model.index(0, 0)
    first_study, second_study = model.index(0, 0, patient), model.index(1, 0, patient)
    assert patient.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked

    assert model.setData(patient, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert first_study.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert second_study.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert [s.study_description for s in model.checked_studies()] == ["CT Thorax", "CT Kopf"]
    assert "Selected: 2 studies" in page.summary_label.text()

    model.setData(second_study, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert patient.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    assert "Selected: 1 study" in page.summary_label.text()

    model.setData(patient, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert model.checked_studies() == []
    page.select_all_button.click()
    assert len(model.checked_studies()) == 3
    assert model.index(1, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    # Series rows have no box: a study is sent as a whole.
    series = model.index(0, 0, first_study)
    assert series.data(Qt.ItemDataRole.CheckStateRole) is None
    assert not model.flags(series) & Qt.ItemFlag.ItemIsUserCheckable


def test_cancel_stops_a_running_scan(qtbot, make_window, medium):
    gate = threading.Event()
    reached = threading.Event()

    def scan_held_after_first_file(path, *, progress, cancel):
        def held(report):
            progress(report)
            if report.files_done >= 1 and not reached.is_set():
                reached.set()
                gate.wait(10)  # keep the real scan busy until the user has clicked
        return scan(path, progress=held, cancel=cancel)

    page = make_window(send_page_options={"scan_function": scan_held_after_first_file}).send_page
    page.start_scan(medium)
    assert reached.wait(10)
    qtbot.waitUntil(lambda: page.is_scanning and page.progress_widget.isVisibleTo(page))
    qtbot.waitUntil(lambda: "files" in page.progress_label.text())
    with qtbot.waitSignal(page.scan_cancelled, timeout=10000):
        page.cancel_button.click()
        gate.set()
    assert not page.is_scanning
    assert not page.progress_widget.isVisibleTo(page)
    assert page.model.rowCount() == 0
    assert page.message_label.text() == "Reading was cancelled."


def test_a_missing_path_reports_an_error(qtbot, make_window, tmp_path):
    page = make_window().send_page
    with qtbot.waitSignal(page.scan_failed, timeout=10000) as blocker:
        page.start_scan(tmp_path / "no-such-cd")
    assert blocker.args[0].startswith("The medium could not be read:")
    assert page.message_label.isVisibleTo(page)
    assert not page.tree.isVisibleTo(page)


def test_drop_of_a_web_link_is_refused(qtbot, make_window):
    page = make_window().send_page
    started = []
    page.scan_started.connect(started.append)
    accepted = drop_urls(page.drop_zone, [QUrl("https://example.org/study.zip")])
    assert accepted == (False, False)
    assert started == []


def test_a_new_cd_is_offered_and_read(qtbot, make_window, medium):
    volumes: list[Volume] = []
    window = make_window(volume_lister=lambda: list(volumes))
    page = window.send_page
    qtbot.waitUntil(lambda: page.volume_watcher.is_idle)  # the first listing (at start) is done
    assert not page.banner.isVisibleTo(page)
    assert page.volume_list.item(0).text() == "No CD or USB medium found"

    volumes.append(Volume(root=str(medium), name="PRAXIS_CD", file_system="iso9660"))
    page.volume_watcher.poll()  # what the timer does every 2.5 s
    qtbot.waitUntil(lambda: page.banner.isVisibleTo(page), timeout=10000)
    assert page.banner.message.text() == f"New CD found: PRAXIS_CD ({medium}). Read it now?"
    assert page.volume_list.item(0).text() == f"PRAXIS_CD ({medium})"

    with qtbot.waitSignal(page.scan_finished, timeout=30000) as blocker:
        page.banner.action_button.click()
    assert not page.banner.isVisibleTo(page)
    assert blocker.args[0].root == medium
    assert page.model.rowCount() == 2

    # Polling again without a change offers nothing new.
    qtbot.waitUntil(lambda: page.volume_watcher.is_idle)
    page.volume_watcher.poll()
    qtbot.waitUntil(lambda: page.volume_watcher.is_idle)
    assert not page.banner.isVisibleTo(page)


@pytest.mark.parametrize("root, fs, platform, expected", [
    ("/media/anna/PRAXIS_CD", "iso9660", "linux", True),
    ("/run/media/anna/USB", "vfat", "linux", True),
    ("/", "ext4", "linux", False),
    ("/home", "ext4", "linux", False),
    ("/srv/cdimage", "udf", "linux", True),
    ("D:\\", "CDFS", "win32", True),
    ("E:\\", "FAT32", "win32", True),
    ("C:\\", "NTFS", "win32", False),
    ("/Volumes/PRAXIS", "cd9660", "darwin", True),
])
def test_removable_volume_heuristic(root, fs, platform, expected):
    from downloadmanager.core.media import looks_removable

    assert looks_removable(root, fs, platform) is expected


def test_tree_is_empty_before_any_scan(make_window):
    page = make_window().send_page
    assert page.model.rowCount(QModelIndex()) == 0
    assert not page.tree.isVisibleTo(page)
    assert page.summary_label.text() == ""


def test_dropping_a_zip_reads_images_and_thumbnails_from_inside_it(qtbot, make_window, medium, tmp_path):
    import zipfile

    archive = tmp_path / "befunde.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(medium.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(medium).as_posix())
    page = make_window().send_page
    result = _scan_by_drop(qtbot, page, archive)
    assert sorted(p.patient_id for p in result.patients) == ["PID-1", "PID-2"]
    assert [p.path for p in result.problems] == ["befunde.zip/broken.dcm"]
    series = _series_indexes(page.model)
    qtbot.waitUntil(lambda: all(i.data(ThumbnailStateRole) != "loading" for i in series),
                    timeout=30000)
    states = sorted(i.data(ThumbnailStateRole) for i in series)
    assert states == ["image"] * 4 + ["placeholder"]
