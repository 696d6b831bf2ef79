"""Self-test of TLS: the bundled CA file loads, and the HTTPS client verifies.

No internet is needed: a TLS server is started on 127.0.0.1 with the test
chain in ``resources/selftest`` (made by ``scripts/make-selftest-certs.py``).
The program's HTTPS client (``requests`` with its default CA file, which the
installation bundles via ``certifi``) must reject that server, and must
accept it once the test CA is the trusted one: so certificate verification is
on and chain validation works in this installation.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

from downloadmanager.core.resources import resources_dir
from downloadmanager.core.selftest import CheckResult, failed, passed

# Fewer roots than this means a truncated or wrong CA file (certifi has ~140).
MIN_ROOTS = 50


@contextlib.contextmanager
def _tls_server(cert: Path, key: Path) -> Iterator[int]:
    """A one-thread HTTPS server on 127.0.0.1 answering every request with 200; yields its port."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(5)
                try:
                    with context.wrap_socket(conn, server_side=True) as tls:
                        tls.recv(4096)
                        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                except (ssl.SSLError, OSError):
                    pass  # the client refused our certificate: expected in the first round

    thread = threading.Thread(target=serve, name="selftest-tls", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def check_tls() -> CheckResult:
    """The CA file loads with enough roots; an untrusted server is refused, a trusted one accepted."""
    import requests
    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    ca_file = Path(DEFAULT_CA_BUNDLE_PATH)
    if not ca_file.is_file():
        return failed("tls", f"CA-Datei fehlt: {ca_file}", f"CA file missing: {ca_file}")
    context = ssl.create_default_context(cafile=str(ca_file))
    roots = len(context.get_ca_certs())
    if roots < MIN_ROOTS:
        return failed("tls", f"CA-Datei {ca_file} enthält nur {roots} Zertifikate",
                      f"CA file {ca_file} holds only {roots} certificates")
    chain = resources_dir() / "selftest"
    needed = [chain / n for n in ("ca.pem", "server.pem", "server.key")]
    absent = [str(p) for p in needed if not p.is_file()]
    if absent:
        return failed("tls", f"Testzertifikate fehlen: {', '.join(absent)}",
                      f"test certificates missing: {', '.join(absent)}")
    with _tls_server(chain / "server.pem", chain / "server.key") as port:
        url = f"https://127.0.0.1:{port}/"
        with requests.Session() as session:
            session.trust_env = False  # no proxy for loopback
            try:
                session.get(url, timeout=10)
                return failed("tls", "TLS-Prüfung ist AUS: ein nicht vertrauenswürdiges Zertifikat "
                                     "wurde angenommen",
                              "TLS verification is OFF: an untrusted certificate was accepted")
            except requests.exceptions.SSLError:
                pass  # right: the bundled CA file does not trust the test CA
            try:
                answer = session.get(url, timeout=10, verify=str(chain / "ca.pem"))
            except requests.exceptions.SSLError as exc:
                return failed("tls", f"Zertifikatskette wird nicht geprüft: {exc}",
                              f"certificate chain does not validate: {exc}")
    if answer.status_code != 200:
        return failed("tls", f"Test-Server antwortete {answer.status_code}",
                      f"test server answered {answer.status_code}")
    detail = (f"{ca_file} ({roots} Wurzelzertifikate); fremdes Zertifikat abgelehnt, Testkette geprüft",
              f"{ca_file} ({roots} root certificates); untrusted certificate refused, test chain verified")
    return passed("tls", *detail)
