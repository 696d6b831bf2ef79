"""Private network namespaces for DICOM peers that listen on 0.0.0.0 (storescp, Orthanc).

Such peers have no bind option; inside a namespace of our own, with only the
loopback interface up, nothing outside the test can reach them. Processes
that talk to them must run in the same namespace (``ip netns exec``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

IP = shutil.which("ip") or "/usr/sbin/ip"


def netns_available() -> bool:
    """True when we may create network namespaces (root and iproute2 present)."""
    if os.name != "posix" or os.geteuid() != 0 or not os.path.exists(IP):
        return False
    name = f"dm-probe-{uuid.uuid4().hex[:6]}"
    ok = subprocess.run([IP, "netns", "add", name], capture_output=True).returncode == 0
    if ok:
        subprocess.run([IP, "netns", "del", name], capture_output=True)
    return ok


@contextmanager
def network_namespace(prefix: str = "dm") -> Iterator[str]:
    """Create a namespace with loopback up; yield its name; delete it afterwards."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    subprocess.run([IP, "netns", "add", name], check=True, capture_output=True)
    try:
        subprocess.run([IP, "netns", "exec", name, IP, "link", "set", "lo", "up"], check=True,
                       capture_output=True)
        yield name
    finally:
        subprocess.run([IP, "netns", "del", name], capture_output=True)


def in_netns(name: str, argv: list[str]) -> list[str]:
    """ARGV prefixed to run inside namespace NAME."""
    return [IP, "netns", "exec", name, *argv]


def wait_for_port(name: str, port: int, timeout: float = 15.0) -> None:
    """Wait until something listens on 127.0.0.1:PORT inside namespace NAME."""
    import time
    deadline = time.monotonic() + timeout
    probe = ("import socket,sys\n"
             "s=socket.socket();s.settimeout(0.5)\n"
             f"sys.exit(0 if s.connect_ex(('127.0.0.1',{port}))==0 else 1)")
    python = shutil.which("python3") or "/usr/bin/python3"
    while time.monotonic() < deadline:
        if subprocess.run(in_netns(name, [python, "-c", probe]), capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} in namespace {name}")
