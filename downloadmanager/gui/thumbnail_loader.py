"""Series thumbnails for the tree: decoded in the background, cached, shown as icons.

The decoding itself is Qt-free (``downloadmanager.core.thumbnails``) and runs
in a worker process (``downloadmanager.core.thumbnail_pool``); this module
asks for the middle instance of each series through the bridge, turns the
returned arrays into ``QImage`` objects and keeps them in a small cache, so
scanning the same CD again shows its thumbnails at once.
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap

from downloadmanager.core.scan.model import Instance, InstanceSource, Series
from downloadmanager.core.thumbnail_pick import DEFAULT_SIZE, middle_item
from downloadmanager.gui.bridge import Bridge, Task

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

CACHE_ENTRIES = 512
#: Series per request to the worker process (one round trip, one GUI update).
BATCH_SIZE = 8
#: Requests out at once. One keeps a bridge thread free for other work
#: (portal calls, volume listing) and lets a new scan's rows start at once.
MAX_BATCHES_IN_FLIGHT = 1
#: Finished thumbnails are shown together at most this often.
FLUSH_MS = 80

#: decode(sources, size) -> one array or None per source
Decoder = Callable[[Sequence[InstanceSource], int], "list[np.ndarray | None]"]


def array_to_qimage(array: np.ndarray) -> QImage:
    """Copy a grey (rows, cols) or RGB (rows, cols, 3) uint8 array into a QImage."""
    import numpy as np

    array = np.ascontiguousarray(array, dtype=np.uint8)
    rows, cols = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, cols, rows, cols, QImage.Format.Format_Grayscale8)
    elif array.ndim == 3 and array.shape[2] == 3:
        image = QImage(array.data, cols, rows, cols * 3, QImage.Format.Format_RGB888)
    else:
        raise ValueError(f"unsupported thumbnail shape {array.shape}")
    return image.copy()  # detach from the numpy buffer, which Python may free


def _decode_in_shared_pool(sources: Sequence[InstanceSource], size: int) -> list[np.ndarray | None]:
    # The decoder imports pydicom and numpy: loaded with the first thumbnail, not at start.
    from downloadmanager.core.thumbnail_pool import shared_pool

    return shared_pool().decode(sources, size)


def _shutdown_shared_pool() -> None:
    pool = sys.modules.get("downloadmanager.core.thumbnail_pool")
    if pool is not None:  # never imported: no pool to stop
        pool.shutdown_shared_pool()


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

    ``decode`` turns a list of :class:`InstanceSource` into thumbnail arrays
    (``None`` for "nothing to show"); by default the shared worker-process
    pool, so decoding never holds this process's GIL. Series are decoded in
    tree order, a few per batch with few batches in flight (the first rows,
    which the user sees, come first), and finished thumbnails are handed out
    together every ``FLUSH_MS`` so the tree repaints once per group, not once
    per series.
    """

    #: list of (series_instance_uid, QImage or None when the series has no viewable image)
    thumbnails_ready = Signal(object)

    def __init__(self, bridge: Bridge, decode: Decoder | None = None,
                 size: int = DEFAULT_SIZE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._decode = decode if decode is not None else _decode_in_shared_pool
        self.size = size
        self._cache: OrderedDict[tuple, QImage | None] = OrderedDict()
        self._tasks: list[Task] = []
        self._queue: deque[Series] = deque()
        self._ready: list[tuple[str, QImage | None]] = []
        self._generation = 0
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        app = QCoreApplication.instance()
        if decode is None and app is not None:
            app.aboutToQuit.connect(_shutdown_shared_pool)

    @property
    def busy(self) -> bool:
        """True while some thumbnail of the current scan has not been handed out yet."""
        return bool(self._queue or self._tasks or self._ready)

    def cancel_all(self) -> None:
        """Stop decoding for the previous scan (its tree is gone)."""
        self._generation += 1
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self._queue.clear()
        self._ready.clear()
        self._flush_timer.stop()

    def load(self, series_list: list[Series]) -> None:
        """Produce a thumbnail for every series; cached ones are reported at once."""
        self.cancel_all()
        # Which instance to show is worked out batch by batch (_start_batches):
        # sorting every instance of a 10,000-file CD at once stalled the window.
        self._queue.extend(series_list)
        self._start_batches()

    def _start_batches(self) -> None:
        while self._queue and len(self._tasks) < MAX_BATCHES_IN_FLIGHT:
            batch: list[tuple[str, tuple, InstanceSource]] = []
            while self._queue and len(batch) < BATCH_SIZE:
                series = self._queue.popleft()
                if not series.instances:
                    self._ready.append((series.series_instance_uid, None))
                    continue
                instance = middle_item(sorted(series.instances, key=_instance_order))
                source = instance.source
                key = (str(source.path), source.member, instance.sop_instance_uid)
                if key in self._cache:
                    self._cache.move_to_end(key)
                    self._ready.append((series.series_instance_uid, self._cache[key]))
                else:
                    batch.append((series.series_instance_uid, key, source))
            if batch:
                self._start(batch)
        if not self._queue and not self._tasks:
            self._flush()

    def _start(self, batch: list[tuple[str, tuple, InstanceSource]]) -> None:
        size = self.size
        decode = self._decode
        generation = self._generation
        sources = [source for _uid, _key, source in batch]

        def work(ctx) -> list[QImage | None]:
            if ctx.cancelled:
                return []
            # QImage is safe to build off the GUI thread (QPixmap is not).
            return [array_to_qimage(a) if a is not None else None for a in decode(sources, size)]

        def done(images: list[QImage | None]) -> None:
            if generation != self._generation:
                return
            for (uid, key, _source), image in zip(batch, images):
                self._remember(key, image)
                self._ready.append((uid, image))
            self._batch_finished()

        def failed(_error: BaseException) -> None:
            # The worker process could not be used: placeholders, not a broken tree.
            log.warning("thumbnails could not be decoded (%s)", type(_error).__name__)
            if generation != self._generation:
                return
            self._ready.extend((uid, None) for uid, _key, _source in batch)
            self._batch_finished()

        task = self._bridge.run(work, on_result=done, on_error=failed)
        if task.is_running:  # an immediate executor has already delivered
            self._tasks.append(task)

    def _batch_finished(self) -> None:
        # The task that delivered is no longer running: count it out so the next batch starts.
        self._tasks = [t for t in self._tasks if t.is_running]
        if not self._flush_timer.isActive():
            self._flush_timer.start()
        self._start_batches()

    def _flush(self) -> None:
        self._flush_timer.stop()
        if self._ready:
            ready, self._ready = self._ready, []
            self.thumbnails_ready.emit(ready)

    def _remember(self, key: tuple, image: QImage | None) -> None:
        self._cache[key] = image
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)


def _instance_order(instance: Instance) -> tuple:
    return (instance.instance_number is None, instance.instance_number or 0,
            instance.source.display)
