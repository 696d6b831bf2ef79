"""Switching an SQLite database to WAL when other connections open it at the same moment.

Not DICOM, but the program's queue and the portal's database both need it,
and this package is the one both may import.
"""

from __future__ import annotations

import sqlite3
import time


def use_wal(cursor, timeout_s: float = 30.0) -> None:
    """Switch the database of CURSOR (a connection or cursor) to WAL, waiting while another
    connection holds it.

    SQLite answers this pragma with "database is locked" at once, without its
    busy timeout, when another connection is setting up the same new
    database: the window's queue runner and its first poll open a fresh
    queue together, several portal workers a fresh portal; before this
    retry the runner died of it now and then (its jobs stayed queued).
    """
    deadline = time.monotonic() + timeout_s
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
