"""A small userspace TCP proxy for network fault tests (there is no tc netem here).

It forwards 127.0.0.1:PORT to an upstream address and can

- count the bytes in each direction (``bytes_up`` client->server, ``bytes_down``),
- add latency per direction (``delay_up``/``delay_down`` seconds, one way),
- throttle each direction to ``rate`` bytes per second (a serialising link),
- cut every connection after it has carried ``cut_every`` bytes upstream,
- flip one bit of the upstream byte number ``corrupt_at`` (counted over all
  connections), as a damaged network path would,
- be re-pointed at another upstream (``set_upstream``) when a server restarts.

Usage::

    with TcpProxy(("127.0.0.1", server_port), delay_up=0.025, delay_down=0.025) as proxy:
        url = f"http://127.0.0.1:{proxy.port}/"

The proxy runs in daemon threads of the test process and stops on ``close()``.
"""

from __future__ import annotations

import queue
import socket
import threading
import time

PIECE = 16 * 1024
QUEUE_PIECES = 64  # at most 1 MiB in flight inside the proxy per direction


class TcpProxy:
    """Forward connections to UPSTREAM with optional delay, rate limit and cuts."""

    def __init__(self, upstream: tuple[str, int], *, delay_up: float = 0.0,
                 delay_down: float = 0.0, rate: float | None = None,
                 cut_every: int | None = None, corrupt_at: int | None = None,
                 host: str = "127.0.0.1") -> None:
        self.upstream = upstream
        self.delay_up = delay_up
        self.delay_down = delay_down
        self.rate = rate
        self.cut_every = cut_every
        self.corrupt_at = corrupt_at
        self.corrupted = 0
        self._read_up = 0
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self.cuts = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._listener = socket.create_server((host, 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    def __enter__(self) -> "TcpProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_upstream(self, upstream: tuple[str, int]) -> None:
        """Send new connections to UPSTREAM (existing ones keep theirs)."""
        self.upstream = upstream

    def reset_counters(self) -> None:
        """Start counting bytes from zero."""
        with self._lock:
            self.bytes_up = self.bytes_down = 0

    def cut_all(self) -> None:
        """Break every open connection now."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _hard_close(sock)

    def close(self) -> None:
        """Stop accepting and break every connection."""
        self._closing.set()
        try:
            self._listener.close()
        except OSError:
            pass
        self.cut_all()

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                _hard_close(client)
                continue
            server.settimeout(None)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.connections += 1
                self._sockets.update((client, server))
            budget = {"left": self.cut_every}
            pair = (client, server)
            for src, dst, up in ((client, server, True), (server, client, False)):
                q: queue.Queue = queue.Queue(maxsize=QUEUE_PIECES)
                threading.Thread(target=self._reader, args=(src, q, up, budget, pair),
                                 daemon=True).start()
                threading.Thread(target=self._writer, args=(dst, q, up, pair),
                                 daemon=True).start()

    def _reader(self, src, q, up, budget, pair) -> None:
        link_free = 0.0
        try:
            while True:
                data = src.recv(PIECE)
                if not data:
                    break
                cut = False
                if up and budget["left"] is not None:
                    with self._lock:
                        if len(data) >= budget["left"]:
                            data, cut = data[:budget["left"]], True
                        budget["left"] -= len(data)
                if up:
                    data = self._maybe_corrupt(data)
                now = time.monotonic()
                if self.rate:
                    link_free = max(link_free, now) + len(data) / self.rate
                    deliver = link_free
                else:
                    deliver = now
                deliver += self.delay_up if up else self.delay_down
                q.put((deliver, data, up))
                if cut:
                    q.put((deliver, None, up))
                    return
        except OSError:
            pass
        q.put((time.monotonic(), b"", up))

    def _maybe_corrupt(self, data: bytes) -> bytes:
        with self._lock:
            start = self._read_up
            self._read_up += len(data)
            target = self.corrupt_at
            if target is None or not start <= target < start + len(data):
                return data
            self.corrupted += 1
        damaged = bytearray(data)
        damaged[target - start] ^= 0x01
        return bytes(damaged)

    def _writer(self, dst, q, up, pair) -> None:
        while True:
            deliver, data, _ = q.get()
            wait = deliver - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if data is None:  # cut: break both connections abruptly
                with self._lock:
                    self.cuts += 1
                for sock in pair:
                    _hard_close(sock)
                return
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                dst.sendall(data)
            except OSError:
                for sock in pair:
                    _hard_close(sock)
                return
            with self._lock:
                if up:
                    self.bytes_up += len(data)
                else:
                    self.bytes_down += len(data)


def _hard_close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
