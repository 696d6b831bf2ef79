"""Process-wide thread pools, each created on first use and kept for the process.

One place for the pattern: the upload file I/O, the blob fsyncs and the
verifier's member preparation each have a pool of their own size, shared by
every request and upload.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_pools: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def shared_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The pool NAME (its threads are called NAME_0, NAME_1, ...) with WORKERS threads."""
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(max_workers=workers,
                                                     thread_name_prefix=name)
        return pool
