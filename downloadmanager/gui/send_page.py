"""Send page, scan part: drop or choose a medium, scan it, pick the studies.

The page never touches the disk itself: scanning, thumbnails and volume
listing go through the bridge. The sending part (recipient, note, Send
button) is a :class:`~downloadmanager.gui.send_panel.SendPanel` placed
below the results with :meth:`SendPage.add_send_panel`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.scan import ScanError, ScanProgress, ScanResult, scan
from downloadmanager.gui.i18n import error_text
from downloadmanager.gui.bridge import Bridge, Task
from downloadmanager.gui.formatting import format_count, format_size, plural
from downloadmanager.gui.scan_tree_model import COL_NAME, ScanTreeModel
from downloadmanager.gui.thumbnail_loader import (
    Decoder,
    ThumbnailLoader,
    loading_icon,
    placeholder_icon,
    thumbnail_icon,
)
from downloadmanager.gui.volumes import Volume, VolumeWatcher, list_removable_volumes
from downloadmanager.gui.widgets.banner import Banner
from downloadmanager.gui.widgets.drop_zone import DropZone
from downloadmanager.gui.widgets.problems_panel import ProblemsPanel

THUMBNAIL_SIZE = 96
TREE_ICON_SIZE = 64
FULL_TOP_HEIGHT = 260
COMPACT_TOP_HEIGHT = 130
COLUMN_PADDING = 24  # cell margins and the header's sort indicator space


class SendPage(QWidget):
    """Drop zone, media list, scan progress, result tree and problems panel."""

    scan_started = Signal(str)  # the path being scanned
    scan_finished = Signal(object)  # ScanResult
    scan_failed = Signal(str)  # a message for the user
    scan_cancelled = Signal()

    def __init__(self, bridge: Bridge, *,
                 scan_function: Callable[..., ScanResult] = scan,
                 thumbnail_decoder: Decoder | None = None,
                 volume_lister: Callable[[], list[Volume]] = list_removable_volumes,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._scan_function = scan_function
        self._scan_task: Task | None = None
        self._generation = 0
        self._result: ScanResult | None = None
        self._offered_volume: Volume | None = None

        self.model = ScanTreeModel(self)
        self.model.set_loading_icon(loading_icon(THUMBNAIL_SIZE))
        self.model.checked_studies_changed.connect(self._update_summary)
        self._placeholder = placeholder_icon(THUMBNAIL_SIZE)
        # Default decoder: the shared worker process (keeps decoding off this GIL).
        self.thumbnails = ThumbnailLoader(bridge, thumbnail_decoder, THUMBNAIL_SIZE, self)
        self.thumbnails.thumbnails_ready.connect(self._show_thumbnails)
        self.volume_watcher = VolumeWatcher(bridge, volume_lister, parent=self)
        self.volume_watcher.volume_added.connect(self._offer_volume)
        self.volume_watcher.volumes_changed.connect(self._show_volumes)

        self._build()
        self.retranslateUi()
        self._set_scanning(False)
        self.volume_watcher.start()

    # -- layout --------------------------------------------------------------------
    def _build(self) -> None:
        self._build_top_area()
        self.banner = Banner()
        self.banner.accepted.connect(self._scan_offered_volume)
        self._build_progress_row()
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        summary_row = self._build_summary_row()
        self._build_tree()
        self.problems = ProblemsPanel()
        self.problems.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.addWidget(self.top_area)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress_widget)
        layout.addWidget(self.message_label)
        layout.addLayout(summary_row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problems)

    def _build_top_area(self) -> None:
        """The drop zone and, beside it, the list of removable media."""
        self.drop_zone = DropZone()
        self.drop_zone.paths_dropped.connect(self._paths_dropped)
        self.drop_zone.choose_folder_clicked.connect(self._choose_folder)
        self.drop_zone.choose_file_clicked.connect(self._choose_file)

        self.volumes_label = QLabel()
        self.volume_list = QListWidget()
        self.volume_list.setFixedWidth(300)
        self.volume_list.setWordWrap(True)
        self.volume_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.volume_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.volume_list.itemActivated.connect(lambda item: self._scan_volume_item(item))
        self.volume_list.itemSelectionChanged.connect(self._update_volume_button)
        self.scan_volume_button = QPushButton()
        self.scan_volume_button.clicked.connect(
            lambda: self._scan_volume_item(self.volume_list.currentItem()))
        volumes_box = QVBoxLayout()
        volumes_box.addWidget(self.volumes_label)
        volumes_box.addWidget(self.volume_list, 1)
        volumes_box.addWidget(self.scan_volume_button)
        volumes_box.setContentsMargins(0, 0, 0, 0)
        self.top_area = QWidget()
        top = QHBoxLayout(self.top_area)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.drop_zone, 1)
        top.addLayout(volumes_box)

    def _build_progress_row(self) -> None:
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel_scan)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_label, 1)
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_widget = QWidget()
        self.progress_widget.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)

    def _build_summary_row(self) -> QHBoxLayout:
        self.summary_label = QLabel()
        self.select_all_button = QPushButton()
        self.select_all_button.clicked.connect(lambda: self.model.set_all_checked(True))
        self.select_none_button = QPushButton()
        self.select_none_button.clicked.connect(lambda: self.model.set_all_checked(False))
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary_label, 1)
        summary_row.addWidget(self.select_all_button)
        summary_row.addWidget(self.select_none_button)
        return summary_row

    def _build_tree(self) -> None:
        """The patient/study/series tree with check boxes and thumbnails."""
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        self.tree.setIconSize(QSize(TREE_ICON_SIZE, TREE_ICON_SIZE))
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        # Fitted once per scan result (_fit_columns), not ResizeToContents: that
        # re-measured every row's texts on each thumbnail update.
        for column in range(1, self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)

    def retranslateUi(self) -> None:
        self.volumes_label.setText(self.tr("CDs, DVDs and USB media:"))
        self.scan_volume_button.setText(self.tr("Read selected medium"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.select_all_button.setText(self.tr("Select all"))
        self.select_none_button.setText(self.tr("Select none"))
        self.model.retranslate()
        if self._result is not None:
            self._fit_columns()  # dates and numbers are written differently now
        self._show_volumes(self.volume_watcher.volumes)
        if self._offered_volume is not None and self.banner.isVisible():
            self._offer_volume(self._offered_volume)
        self._update_summary()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)

    def add_send_panel(self, panel: QWidget) -> None:
        """Put PANEL (recipient, Send button) below the results; it follows the checked studies."""
        self.send_panel = panel
        self.layout().addWidget(panel)
        self.model.checked_studies_changed.connect(self._checked_for_panel)
        self._checked_for_panel()

    def _checked_for_panel(self, *_args) -> None:
        panel = getattr(self, "send_panel", None)
        if panel is not None:
            result = self._result
            panel.set_studies(self.model.checked_studies() if result else [],
                              result.root if result else None)

    # -- media ---------------------------------------------------------------------
    def _show_volumes(self, volumes: list[Volume]) -> None:
        self.volume_list.clear()
        for volume in volumes:
            item = QListWidgetItem(volume.label)
            item.setData(Qt.ItemDataRole.UserRole, volume.root)
            self.volume_list.addItem(item)
        if not volumes:
            empty = QListWidgetItem(self.tr("No CD or USB medium found"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.volume_list.addItem(empty)
        self._update_volume_button()

    def _update_volume_button(self) -> None:
        item = self.volume_list.currentItem()
        self.scan_volume_button.setEnabled(
            item is not None and item.data(Qt.ItemDataRole.UserRole) is not None)

    def _scan_volume_item(self, item: QListWidgetItem | None) -> None:
        root = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if root:
            self.start_scan(Path(root))

    def _offer_volume(self, volume: Volume) -> None:
        self._offered_volume = volume
        text = (self.tr("New CD found: %1. Read it now?") if volume.is_optical
                else self.tr("New medium found: %1. Read it now?"))
        self.banner.show_message(text.replace("%1", volume.label), self.tr("Read now"),
                                 self.tr("Not now"))

    def _scan_offered_volume(self) -> None:
        if self._offered_volume is not None:
            self.start_scan(Path(self._offered_volume.root))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose the folder or CD to read"))
        if folder:
            self.start_scan(Path(folder))

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a ZIP archive or DICOM file"), "",
            self.tr("ZIP archives and DICOM files (*.zip *.dcm *.DCM);;All files (*)"))
        if path:
            self.start_scan(Path(path))

    def _paths_dropped(self, paths: list[Path]) -> None:
        self.start_scan(paths[0])
        if len(paths) > 1:
            # One medium at a time keeps patients of different CDs apart.
            self._show_message(self.tr("Only “%1” is read; please drop one item at a time.")
                               .replace("%1", paths[0].name or str(paths[0])))

    # -- scanning ------------------------------------------------------------------
    @property
    def is_scanning(self) -> bool:
        """True while a scan runs."""
        return self._scan_task is not None

    def start_scan(self, path: Path) -> None:
        """Scan PATH (folder, file, ZIP or mount point) in the background."""
        if self._scan_task is not None:
            self._scan_task.cancel()
        self.thumbnails.cancel_all()
        self.banner.hide()
        self.message_label.hide()
        self._generation += 1
        generation = self._generation
        self._result = None
        self.model.set_result(None)
        self.problems.set_problems([])
        self._set_scanning(True)
        self._on_progress(generation, None)
        self.scan_started.emit(str(path))
        scan_function = self._scan_function

        def work(ctx):
            return scan_function(path, progress=ctx.report, cancel=ctx.cancel_event)

        # The generation tells outcomes of a superseded scan apart: they are dropped.
        task = self._bridge.run(
            work,
            on_progress=lambda progress: self._on_progress(generation, progress),
            on_result=lambda result: self._scan_done(generation, result),
            on_error=lambda error: self._scan_error(generation, error),
            on_cancelled=lambda: self._scan_stopped(generation))
        if task.is_running:  # an immediate executor has already delivered
            self._scan_task = task

    def cancel_scan(self) -> None:
        """Ask the running scan to stop."""
        if self._scan_task is not None:
            self._scan_task.cancel()
            self.progress_label.setText(self.tr("Cancelling…"))
            self.cancel_button.setEnabled(False)

    def _set_scanning(self, scanning: bool) -> None:
        self.progress_widget.setVisible(scanning)
        self.cancel_button.setEnabled(scanning)

    def _on_progress(self, generation: int, progress: ScanProgress | None) -> None:
        """Show the scanner's PROGRESS of scan GENERATION (None: just started)."""
        if generation != self._generation:
            return
        files = progress.files_done if progress else 0
        total = progress.files_total if progress else None
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(files, total))
            text = self.tr("Reading images: %1 of %2 files")
            text = text.replace("%1", format_count(files)).replace("%2", format_count(total))
        else:
            self.progress_bar.setRange(0, 0)  # busy indicator until the total is known
            text = self.tr("Looking for images: %1 files").replace("%1", format_count(files))
        self.progress_label.setText(text)

    def _scan_done(self, generation: int, result: ScanResult) -> None:
        if not self._finish(generation):
            return
        self._result = result
        self.model.set_result(result)
        self.tree.expandToDepth(1)  # patients and studies open: series and thumbnails show
        # On the next turn of the event loop: the tree's first paint and the
        # column measuring are two shorter stalls instead of one long one.
        QTimer.singleShot(0, lambda: self._fit_columns() if generation == self._generation else None)
        self.problems.set_problems(result.problems)
        if not result.patients:
            self._show_message(self.tr("No DICOM images were found there."))
        self.thumbnails.load(self.model.all_series())
        self._update_summary()
        self._checked_for_panel()
        self.scan_finished.emit(result)

    def _scan_error(self, generation: int, error: BaseException) -> None:
        if not self._finish(generation):
            return
        if isinstance(error, ScanError):
            message = self.tr("The medium could not be read: %1").replace("%1", error_text(error))
        else:
            message = self.tr("Reading failed unexpectedly: %1").replace(
                "%1", f"{type(error).__name__}: {error}")
        self._show_message(message, error=True)
        self.scan_failed.emit(message)

    def _scan_stopped(self, generation: int) -> None:
        if not self._finish(generation):
            return
        self._show_message(self.tr("Reading was cancelled."))
        self.scan_cancelled.emit()

    def _finish(self, generation: int) -> bool:
        """End the scan of GENERATION; False when it was superseded by a newer one."""
        if generation != self._generation:
            return False
        self._scan_task = None
        self._set_scanning(False)
        return True

    def _set_compact(self, compact: bool) -> None:
        # Large drop zone while there is nothing to show; a slim one above results.
        self.drop_zone.set_compact(compact)
        self.top_area.setMaximumHeight(COMPACT_TOP_HEIGHT if compact else FULL_TOP_HEIGHT)

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b00020;" if error else "")
        self.message_label.setText(text)
        self.message_label.show()

    # -- results -------------------------------------------------------------------
    def _fit_columns(self) -> None:
        # Measured from the texts, not with resizeColumnToContents: that lays
        # out every row of the expanded tree (icons included) and stalled the
        # window for 50+ ms on a large CD.
        text_metrics = self.tree.fontMetrics()
        header_metrics = self.tree.header().fontMetrics()
        for column in range(1, self.model.columnCount()):
            title = self.model.headerData(column, Qt.Orientation.Horizontal) or ""
            width = max([header_metrics.horizontalAdvance(title)]
                        + [text_metrics.horizontalAdvance(t) for t in self.model.column_texts(column)])
            self.tree.setColumnWidth(column, width + COLUMN_PADDING)

    def _show_thumbnails(self, ready: list[tuple[str, Any]]) -> None:
        self.model.set_thumbnails([
            (series_uid, self._placeholder, True) if image is None
            else (series_uid, thumbnail_icon(image, THUMBNAIL_SIZE), False)
            for series_uid, image in ready])

    def _update_summary(self) -> None:
        result = self._result
        has_result = bool(result and result.patients)
        self._set_compact(has_result)
        self.select_all_button.setVisible(has_result)
        self.select_none_button.setVisible(has_result)
        self.tree.setVisible(has_result)
        if not has_result:
            self.summary_label.setText("")
            return
        # The model's totals were summed once; summing 10,000 instances here
        # on every check-box click would make the window stutter.
        study_count, images, size = self.model.study_totals()
        checked_count, _checked_images, checked_size = self.model.study_totals(checked_only=True)
        found = self.tr("Found: %1, %2, %3 (%4).").replace(
            "%1", plural(len(result.patients), self.tr("1 patient"), self.tr("%1 patients"))).replace(
            "%2", plural(study_count, self.tr("1 study"), self.tr("%1 studies"))).replace(
            "%3", plural(images, self.tr("1 image"), self.tr("%1 images"))).replace(
            "%4", format_size(size))
        chosen = self.tr("Selected: %1 (%2).").replace(
            "%1", plural(checked_count, self.tr("1 study"), self.tr("%1 studies"))).replace(
            "%2", format_size(checked_size))
        self.summary_label.setText(f"{found} {chosen}")
