"""CDs, DVDs and USB sticks: listing them and noticing a newly inserted one.

Qt's ``QStorageInfo`` lists mounted volumes on every platform; which of them
are removable is a heuristic (file system and mount point), because Qt has no
portable "removable" flag. Listing is cheap (it reads the mount table), so a
timer polls every few seconds instead of hooking into each OS's device events.
The listing itself runs through the bridge: asking a hung network drive for
its size must not freeze the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QStorageInfo, QTimer, Signal

from downloadmanager.core.media import OPTICAL_FILE_SYSTEMS, looks_removable
from downloadmanager.gui.bridge import Bridge

__all__ = ["Volume", "VolumeWatcher", "list_removable_volumes", "looks_removable"]

POLL_INTERVAL_MS = 2500


@dataclass(frozen=True)
class Volume:
    """A mounted volume worth offering for scanning."""

    root: str
    name: str
    file_system: str = ""

    @property
    def is_optical(self) -> bool:
        """True for CDs and DVDs (judged by their file system)."""
        return self.file_system.lower() in OPTICAL_FILE_SYSTEMS

    @property
    def label(self) -> str:
        """Name and mount point, as shown to the user."""
        if self.name and self.name != self.root:
            return f"{self.name} ({self.root})"
        return self.root


def list_removable_volumes() -> list[Volume]:
    """The mounted, ready volumes that look like CDs, DVDs or USB media."""
    volumes = []
    for info in QStorageInfo.mountedVolumes():
        if not (info.isValid() and info.isReady()):
            continue
        root = info.rootPath()
        fs = bytes(info.fileSystemType()).decode("ascii", "replace")
        if looks_removable(root, fs):
            volumes.append(Volume(root=root, name=info.displayName(), file_system=fs))
    return volumes


class VolumeWatcher(QObject):
    """Polls the volume list and reports volumes that appear or disappear.

    The lister is injectable: tests pass a function returning fake volumes.
    """

    volume_added = Signal(object)  # Volume
    volumes_changed = Signal(list)  # list[Volume], after any change

    def __init__(self, bridge: Bridge,
                 lister: Callable[[], list[Volume]] = list_removable_volumes,
                 interval_ms: int = POLL_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._lister = lister
        self._known: list[Volume] | None = None  # None until the first listing
        self._listing = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def is_idle(self) -> bool:
        """True once a listing has completed and none is running."""
        return self._known is not None and not self._listing

    @property
    def volumes(self) -> list[Volume]:
        """The volumes seen at the last poll."""
        return list(self._known or [])

    def start(self) -> None:
        """List the volumes now and then poll (those present at start are not "new")."""
        self.poll()
        self._timer.start()

    def stop(self) -> None:
        """Stop polling."""
        self._timer.stop()

    def poll(self) -> None:
        """List the volumes once in the background; skipped while a listing still runs."""
        if self._listing:
            return
        self._listing = True
        self._bridge.run(lambda ctx: list(self._lister()), on_result=self._update,
                         on_error=self._listing_failed, on_cancelled=self._listing_failed)

    def _listing_failed(self, *_: object) -> None:
        self._listing = False

    def _update(self, current: list[Volume]) -> None:
        self._listing = False
        first = self._known is None
        if current == self._known:
            return
        added = [] if first else [v for v in current if v not in self._known]
        self._known = current
        self.volumes_changed.emit(list(current))
        for volume in added:
            self.volume_added.emit(volume)
