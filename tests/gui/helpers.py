"""Small helpers for driving the window like a user does."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_urls(widget: QWidget, urls: list[QUrl]) -> tuple[bool, bool]:
    """Drag URLS onto WIDGET and drop them; return (enter accepted, drop accepted)."""
    mime = QMimeData()
    mime.setUrls(urls)
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def drop_paths(widget: QWidget, paths: list[Path]) -> tuple[bool, bool]:
    """Drag local PATHS onto WIDGET and drop them."""
    return drop_urls(widget, [QUrl.fromLocalFile(str(p)) for p in paths])


def tree_rows(model, parent=None, depth: int = 0) -> list[tuple[int, list[str]]]:
    """Every row of MODEL as (depth, column texts), depth first."""
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    rows = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        texts = [model.data(model.index(row, c, parent)) or "" for c in range(model.columnCount())]
        rows.append((depth, texts))
        rows.extend(tree_rows(model, index, depth + 1))
    return rows
