"""Series thumbnails for the tree: decoded in the background, cached, shown as icons.

The decoding itself is Qt-free (``downloadmanager.core.thumbnails``); this
module reads the middle instance of a series through the bridge, turns the
numpy array into a ``QImage`` and keeps it in a small cache, so scanning the
same CD again shows its thumbnails at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import BinaryIO

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap

from downloadmanager.core.scan.model import Instance, Series
from downloadmanager.core.thumbnails import DEFAULT_SIZE, middle_item, thumbnail_from_source
from downloadmanager.gui.bridge import Bridge, Task

CACHE_ENTRIES = 512
THUMBNAIL_PAUSE_S = 0.002


def array_to_qimage(array: np.ndarray) -> QImage:
    """Copy a grey (rows, cols) or RGB (rows, cols, 3) uint8 array into a QImage."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    rows, cols = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, cols, rows, cols, QImage.Format.Format_Grayscale8)
    elif array.ndim == 3 and array.shape[2] == 3:
        image = QImage(array.data, cols, rows, cols * 3, QImage.Format.Format_RGB888)
    else:
        raise ValueError(f"unsupported thumbnail shape {array.shape}")
    return image.copy()  # detach from the numpy buffer, which Python may free


def _square(image: QImage | None, size: int) -> QPixmap:
    # Every thumbnail sits centred on a square, so rows line up in the tree.
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    if image is not None:
        painter = QPainter(pixmap)
        x = (size - image.width()) // 2
        y = (size - image.height()) // 2
        painter.drawImage(x, y, image)
        painter.end()
    return pixmap


def thumbnail_icon(image: QImage, size: int = DEFAULT_SIZE) -> QIcon:
    """The icon of a decoded thumbnail."""
    return QIcon(_square(image, size))


def loading_icon(size: int = DEFAULT_SIZE) -> QIcon:
    """A transparent icon of thumbnail size: keeps row heights steady while decoding."""
    return QIcon(_square(None, size))


def placeholder_icon(size: int = DEFAULT_SIZE) -> QIcon:
    """A grey sheet with a folded corner: "this series has no picture to show"."""
    pixmap = _square(None, size)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = size * 0.2
    width, height = size * 0.6, size * 0.72
    left, top = (size - width) / 2, (size - height) / 2
    fold = width * 0.3
    path = QPainterPath(QPointF(left, top))
    path.lineTo(left + width - fold, top)
    path.lineTo(left + width, top + fold)
    path.lineTo(left + width, top + height)
    path.lineTo(left, top + height)
    path.closeSubpath()
    painter.setPen(QPen(QColor(140, 140, 140), max(1.0, size / 48)))
    painter.setBrush(QColor(235, 235, 235))
    painter.drawPath(path)
    painter.drawLine(QPointF(left + width - fold, top), QPointF(left + width - fold, top + fold))
    painter.drawLine(QPointF(left + width - fold, top + fold), QPointF(left + width, top + fold))
    line_pen = QPen(QColor(170, 170, 170), max(1.0, size / 40))
    painter.setPen(line_pen)
    for i in range(3):
        y = top + fold + margin * 0.6 + i * height * 0.16
        painter.drawLine(QPointF(left + width * 0.18, y), QPointF(left + width * 0.82, y))
    painter.end()
    return QIcon(pixmap)


class ThumbnailLoader(QObject):
    """Decodes one thumbnail per series in the background and caches the results.

    ``open_instance`` returns a readable binary file object for an instance
    (the scanner's accessor, which also reads members of ZIP archives).
    """

    #: (series_instance_uid, QImage or None when the series has no viewable image)
    thumbnail_ready = Signal(str, object)

    def __init__(self, bridge: Bridge, open_instance: Callable[[Instance], BinaryIO],
                 size: int = DEFAULT_SIZE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._open_instance = open_instance
        self.size = size
        self._cache: OrderedDict[tuple, QImage | None] = OrderedDict()
        self._tasks: list[Task] = []

    def cancel_all(self) -> None:
        """Stop decoding for the previous scan (its tree is gone)."""
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    def load(self, series_list: list[Series]) -> None:
        """Produce a thumbnail for every series; cached ones are reported at once."""
        self.cancel_all()
        for series in series_list:
            if not series.instances:
                self.thumbnail_ready.emit(series.series_instance_uid, None)
                continue
            instance = middle_item(sorted(series.instances, key=_instance_order))
            key = (str(instance.source.path), instance.source.member, instance.sop_instance_uid)
            if key in self._cache:
                self._cache.move_to_end(key)
                self.thumbnail_ready.emit(series.series_instance_uid, self._cache[key])
                continue
            self._start(series.series_instance_uid, instance, key)

    def _start(self, series_uid: str, instance: Instance, key: tuple) -> None:
        size = self.size
        open_instance = self._open_instance

        def work(ctx) -> QImage | None:
            if ctx.cancelled:
                return None
            with open_instance(instance) as stream:
                array = thumbnail_from_source(stream, size)
            # Decoding is short, pure CPU work under the GIL; back to back on
            # two workers it starved the GUI thread for 100+ ms (measured by
            # bench/gui_lag.py). A short sleep hands the GIL over each time.
            time.sleep(THUMBNAIL_PAUSE_S)
            # QImage is safe to build off the GUI thread (QPixmap is not).
            return array_to_qimage(array) if array is not None else None

        def done(image: QImage | None) -> None:
            self._remember(key, image)
            self.thumbnail_ready.emit(series_uid, image)

        def failed(_error: BaseException) -> None:
            # Unreadable file (removed CD, I/O error): show the placeholder.
            self.thumbnail_ready.emit(series_uid, None)

        task = self._bridge.run(work, on_result=done, on_error=failed)
        if task.is_running:
            self._tasks.append(task)
            task.finished.connect(lambda: self._tasks.remove(task) if task in self._tasks else None)

    def _remember(self, key: tuple, image: QImage | None) -> None:
        self._cache[key] = image
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)


def _instance_order(instance: Instance) -> tuple:
    return (instance.instance_number is None, instance.instance_number or 0,
            instance.source.display)
