"""The tree of what a scan found: patients -> studies -> series, with check boxes.

Studies are what gets sent, so studies carry the check boxes; a patient's box
is tri-state and checks or unchecks all of its studies at once. Series rows
show a thumbnail in the first column once it has been decoded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon

from downloadmanager.core.scan.model import Patient, ScanResult, Series, Study
from downloadmanager.gui.formatting import (
    format_count,
    format_dicom_date,
    format_person_name,
    format_size,
)

COL_NAME, COL_DATE, COL_MODALITY, COL_IMAGES, COL_SIZE = range(5)
COLUMN_COUNT = 5

#: Role answering "loading", "image" or "placeholder" for series rows.
ThumbnailStateRole = Qt.ItemDataRole.UserRole + 1
#: Role giving the scanner's object (Patient, Study or Series) of a row.
PayloadRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


@dataclass(eq=False)
class _Node:
    payload: Patient | Study | Series
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    row: int = 0
    checked: bool = False  # used by study nodes only
    #: (images, bytes), summed once: the view asks for them on every repaint,
    #: and summing 10,000 instance sizes each time stalled the window.
    totals: tuple[int, int] = (0, 0)

    @property
    def kind(self) -> str:
        return type(self.payload).__name__.lower()


def _sum_totals(nodes: list[_Node]) -> tuple[int, int]:
    return sum(n.totals[0] for n in nodes), sum(n.totals[1] for n in nodes)


def _sorted_studies(patient: Patient) -> list[Study]:
    # Newest study first: the one a practice usually wants to send.
    return sorted(patient.studies.values(), key=lambda s: (s.study_date, s.study_time), reverse=True)


def _sorted_series(study: Study) -> list[Series]:
    return sorted(study.series.values(),
                  key=lambda s: (s.series_number is None, s.series_number or 0, s.series_description))


class ScanTreeModel(QAbstractItemModel):
    """Item model over a :class:`ScanResult`."""

    #: Emitted whenever the set of checked studies changes.
    checked_studies_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._roots: list[_Node] = []
        self._series_nodes: dict[str, _Node] = {}
        self._thumbnails: dict[str, tuple[str, QIcon]] = {}
        self._loading_icon = QIcon()

    # -- content -------------------------------------------------------------------
    def set_result(self, result: ScanResult | None) -> None:
        """Show RESULT (None empties the tree); every study starts unchecked."""
        self.beginResetModel()
        self._roots = []
        self._series_nodes = {}
        self._thumbnails = {}
        for p_row, patient in enumerate(result.patients if result else []):
            p_node = _Node(patient, row=p_row)
            for s_row, study in enumerate(_sorted_studies(patient)):
                st_node = _Node(study, parent=p_node, row=s_row)
                for se_row, series in enumerate(_sorted_series(study)):
                    se_node = _Node(series, parent=st_node, row=se_row,
                                    totals=(series.instance_count, series.bytes))
                    st_node.children.append(se_node)
                    self._series_nodes[series.series_instance_uid] = se_node
                st_node.totals = _sum_totals(st_node.children)
                p_node.children.append(st_node)
            p_node.totals = _sum_totals(p_node.children)
            self._roots.append(p_node)
        self.endResetModel()
        self.checked_studies_changed.emit()

    def all_series(self) -> list[Series]:
        """Every series shown, in tree order."""
        return [n.payload for n in self._series_nodes.values()]

    def checked_studies(self) -> list[Study]:
        """The studies whose box is checked, in tree order."""
        return [s.payload for p in self._roots for s in p.children if s.checked]

    def study_totals(self, *, checked_only: bool = False) -> tuple[int, int, int]:
        """(studies, images, bytes) of every study shown, or of the checked ones."""
        nodes = [s for p in self._roots for s in p.children if s.checked or not checked_only]
        images, size = _sum_totals(nodes)
        return len(nodes), images, size

    def column_texts(self, column: int) -> list[str]:
        """Every row's text in COLUMN (to size the column without asking the view)."""
        texts: list[str] = []
        pending = list(self._roots)
        while pending:
            node = pending.pop()
            texts.append(self._display(node, column) or "")
            pending.extend(node.children)
        return texts

    def set_loading_icon(self, icon: QIcon) -> None:
        """Icon shown on series rows until their thumbnail is ready (keeps rows steady)."""
        self._loading_icon = icon

    def set_thumbnail(self, series_uid: str, icon: QIcon, *, placeholder: bool) -> None:
        """Show ICON on the row of SERIES_UID; PLACEHOLDER marks "no image available"."""
        self.set_thumbnails([(series_uid, icon, placeholder)])

    def set_thumbnails(self, thumbnails: list[tuple[str, QIcon, bool]]) -> None:
        """Show several (series_uid, icon, placeholder) at once.

        One ``dataChanged`` per study touched (its first to last changed
        series), not one per series: the view repaints once per batch.
        """
        rows_by_study: dict[int, tuple[_Node, int, int]] = {}
        for series_uid, icon, placeholder in thumbnails:
            node = self._series_nodes.get(series_uid)
            if node is None:
                continue
            self._thumbnails[series_uid] = ("placeholder" if placeholder else "image", icon)
            study = node.parent
            _study, low, high = rows_by_study.get(id(study), (study, node.row, node.row))
            rows_by_study[id(study)] = (study, min(low, node.row), max(high, node.row))
        roles = [Qt.ItemDataRole.DecorationRole, ThumbnailStateRole]
        for study, low, high in rows_by_study.values():
            first = self.createIndex(low, COL_NAME, study.children[low])
            last = self.createIndex(high, COL_NAME, study.children[high])
            self.dataChanged.emit(first, last, roles)

    def retranslate(self) -> None:
        """Refresh every text after a language change."""
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)
        self.layoutChanged.emit()

    # -- structure -----------------------------------------------------------------
    def _node(self, index: _Index) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def index(self, row: int, column: int, parent: _Index = QModelIndex()) -> QModelIndex:
        siblings = self._children_of(parent)
        if 0 <= row < len(siblings) and 0 <= column < COLUMN_COUNT:
            return self.createIndex(row, column, siblings[row])
        return QModelIndex()

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def _children_of(self, parent: _Index) -> list[_Node]:
        node = self._node(parent)
        return self._roots if node is None else node.children

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._children_of(parent))

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return COLUMN_COUNT

    def flags(self, index: _Index) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_NAME and node.kind in ("patient", "study"):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
            if node.kind == "patient":
                flags |= Qt.ItemFlag.ItemIsAutoTristate
        return flags

    # -- data ----------------------------------------------------------------------
    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (self.tr("Patient / study / series"), self.tr("Date"), self.tr("Modality"),
                  self.tr("Images"), self.tr("Size"))
        return titles[section] if 0 <= section < COLUMN_COUNT else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(node, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == COL_NAME:
            return self._check_state(node)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_NAME and node.kind == "series":
            entry = self._thumbnails.get(node.payload.series_instance_uid)
            return entry[1] if entry else self._loading_icon
        if role == ThumbnailStateRole and node.kind == "series":
            entry = self._thumbnails.get(node.payload.series_instance_uid)
            return entry[0] if entry else "loading"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_IMAGES, COL_SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and node.kind == "study" and node.payload.accession_number:
            return self.tr("Accession number: %1").replace("%1", node.payload.accession_number)
        if role == PayloadRole:
            return node.payload
        return None

    def _display(self, node: _Node, column: int) -> str | None:
        item = node.payload
        if column == COL_NAME:
            if isinstance(item, Patient):
                name = format_person_name(item.patient_name) or self.tr("(no name)")
                return f"{name} · {item.patient_id}" if item.patient_id else name
            if isinstance(item, Study):
                return item.study_description or self.tr("(no description)")
            number = f"{item.series_number}: " if item.series_number is not None else ""
            return number + (item.series_description or self.tr("(no description)"))
        if column == COL_DATE:
            if isinstance(item, Patient):
                born = format_dicom_date(item.birth_date)
                return self.tr("born %1").replace("%1", born) if born else ""
            return format_dicom_date(item.study_date) if isinstance(item, Study) else ""
        if column == COL_MODALITY:
            if isinstance(item, Series):
                return item.modality
            if isinstance(item, Study):
                return ", ".join(item.modalities)
            return ""
        count, size = node.totals
        return format_count(count) if column == COL_IMAGES else format_size(size)

    def _check_state(self, node: _Node) -> Qt.CheckState | None:
        if node.kind == "study":
            return Qt.CheckState.Checked if node.checked else Qt.CheckState.Unchecked
        if node.kind != "patient":
            return None
        marks = {child.checked for child in node.children}
        if marks == {True}:
            return Qt.CheckState.Checked
        if True in marks:
            return Qt.CheckState.PartiallyChecked
        return Qt.CheckState.Unchecked

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        node = self._node(index)
        if node is None or role != Qt.ItemDataRole.CheckStateRole or index.column() != COL_NAME:
            return False
        state = Qt.CheckState(value) if not isinstance(value, Qt.CheckState) else value
        # A click on a partially checked patient checks everything (not "partial").
        checked = state != Qt.CheckState.Unchecked
        if node.kind == "study":
            targets = [node]
        elif node.kind == "patient":
            targets = node.children
        else:
            return False
        for target in targets:
            target.checked = checked
        self._emit_check_changed(node if node.kind == "patient" else node.parent)
        self.checked_studies_changed.emit()
        return True

    def set_all_checked(self, checked: bool) -> None:
        """Check or uncheck every study."""
        for patient in self._roots:
            for study in patient.children:
                study.checked = checked
            self._emit_check_changed(patient)
        self.checked_studies_changed.emit()

    def _emit_check_changed(self, patient: _Node) -> None:
        roles = [Qt.ItemDataRole.CheckStateRole]
        p_index = self.createIndex(patient.row, COL_NAME, patient)
        self.dataChanged.emit(p_index, p_index, roles)
        if patient.children:
            first = self.createIndex(0, COL_NAME, patient.children[0])
            last = self.createIndex(len(patient.children) - 1, COL_NAME, patient.children[-1])
            self.dataChanged.emit(first, last, roles)
