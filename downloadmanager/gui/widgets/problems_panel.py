"""A collapsible list of the files a scan skipped, with the reason for each."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from downloadmanager.core.scan.model import Problem, ProblemKind

MAX_TABLE_HEIGHT = 140


def problem_kind_text(kind: ProblemKind) -> str:
    """Short, translated name of a problem kind."""
    texts = {
        ProblemKind.MISSING: QCoreApplication.translate("ProblemsPanel", "Missing"),
        ProblemKind.CORRUPT: QCoreApplication.translate("ProblemsPanel", "Damaged"),
        ProblemKind.NOT_DICOM: QCoreApplication.translate("ProblemsPanel", "Not an image"),
        ProblemKind.UNREADABLE: QCoreApplication.translate("ProblemsPanel", "Unreadable"),
        ProblemKind.DUPLICATE: QCoreApplication.translate("ProblemsPanel", "Duplicate"),
    }
    return texts.get(kind, str(kind.value))


def problem_kind_explanation(kind: ProblemKind) -> str:
    """One sentence saying what a problem kind means for the user."""
    texts = {
        ProblemKind.MISSING: QCoreApplication.translate(
            "ProblemsPanel", "Listed in the CD's table of contents (DICOMDIR) but not on the CD."),
        ProblemKind.CORRUPT: QCoreApplication.translate(
            "ProblemsPanel", "A DICOM file that is cut off or damaged; it cannot be sent."),
        ProblemKind.NOT_DICOM: QCoreApplication.translate(
            "ProblemsPanel", "Not a DICOM image (e.g. a viewer program on the CD); skipped."),
        ProblemKind.UNREADABLE: QCoreApplication.translate(
            "ProblemsPanel", "Could not be read (no permission or a read error of the medium)."),
        ProblemKind.DUPLICATE: QCoreApplication.translate(
            "ProblemsPanel", "The same image exists twice; it is counted once."),
    }
    return texts.get(kind, "")


class ProblemsPanel(QWidget):
    """Header button "Problems (n)" that folds out a table of path, kind and reason."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._problems: list[Problem] = []
        self.toggle = QToolButton(checkable=True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self.set_expanded)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setColumnCount(3)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.header().setStretchLastSection(True)
        self.table.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.table)
        self.retranslateUi()

    @property
    def expanded(self) -> bool:
        """True while the table is folded out."""
        return self.toggle.isChecked()

    def set_expanded(self, expanded: bool) -> None:
        """Fold the table out (True) or in (False)."""
        if self.toggle.isChecked() != expanded:
            self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.table.setVisible(expanded)

    def set_problems(self, problems: list[Problem]) -> None:
        """Show PROBLEMS; the panel hides itself when there are none."""
        self._problems = list(problems)
        self._fill()
        self.setVisible(bool(self._problems))

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's texts (path, kind, reason), as shown."""
        return [tuple(self.table.topLevelItem(i).text(c) for c in range(3))
                for i in range(self.table.topLevelItemCount())]

    def _fill(self) -> None:
        self.table.clear()
        for problem in self._problems:
            # The scanner's detail is technical (and English): it goes into the
            # tooltip; the column explains the kind in the user's language.
            reason = problem_kind_explanation(problem.kind) or problem.detail
            item = QTreeWidgetItem([problem.path, problem_kind_text(problem.kind), reason])
            item.setToolTip(0, problem.path)
            tooltip = f"{reason}\n{problem.detail}" if problem.detail and problem.detail != reason else reason
            for column in (1, 2):
                item.setToolTip(column, tooltip)
            self.table.addTopLevelItem(item)
        self._fit_height()
        self.table.resizeColumnToContents(1)
        self.table.setColumnWidth(0, min(360, max(160, self.table.sizeHintForColumn(0) + 16)))
        self._update_title()

    def _fit_height(self) -> None:
        # As tall as its rows (a few problems need no big empty box), at most MAX_TABLE_HEIGHT.
        rows = self.table.topLevelItemCount()
        row_height = self.table.sizeHintForRow(0) if rows else 0
        wanted = (self.table.header().sizeHint().height() + rows * max(row_height, 1)
                  + 2 * self.table.frameWidth() + 4)
        self.table.setFixedHeight(min(wanted, MAX_TABLE_HEIGHT))

    def _update_title(self) -> None:
        count = len(self._problems)
        self.toggle.setText(self.tr("Skipped files: %1").replace("%1", str(count)))

    def retranslateUi(self) -> None:
        self.table.setHeaderLabels([self.tr("File"), self.tr("Problem"), self.tr("Reason")])
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslateUi()
        super().changeEvent(event)
