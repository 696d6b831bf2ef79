#!/usr/bin/env python3
"""Install the Windows installer under wine and run the installed program, as far as wine allows.

    .venv/bin/python installer/windows/check_under_wine.py dist/Downloadmanager-X-setup.exe

(``scripts/build-dist.sh --check-windows`` runs it.) In a fresh wine prefix:

1. silent per-user install (``/S /CurrentUser``): program files, shortcuts, URL scheme;
2. the installed ``downloadmanager.exe --version`` and ``self-test --json``;
3. ``scan`` of a generated CD (a DICOMDIR file-set);
4. ``login``, ``upload`` to a portal on 127.0.0.1 until every image is verified,
   ``share`` a code and ``fetch`` the study back by that code;
5. silent uninstall: no program files, shortcuts or URL scheme left; the user's
   data folder is kept.

Wine 8.0 cannot run two things a real Windows has (measured, docs/packaging.md):
numpy's Windows wheel aborts on ``ucrtbase.crealf`` and Python 3.13's ``_wmi``
module on ``propsys.VariantToString``; PySide6's QtCore needs the system
``icuuc.dll``. So after recording the unmodified start, the check moves
``lib\\numpy`` and ``python\\_wmi.pyd`` aside *in the wine installation only*
(pydicom and platform work without them) and expects exactly the Qt checks and
the numpy-based DICOM decoders to fail in ``self-test``.

Writes a JSON report (``--report``) and prints a summary; exit 0 when every step
passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Checks of self-test that cannot pass under wine 8.0 (reasons in docs/packaging.md).
WINE_CANNOT = {"qt_platform_plugin": "PySide6 QtCore needs icuuc.dll (not in wine 8.0)",
               "qt_image_plugins": "PySide6 QtCore needs icuuc.dll (not in wine 8.0)",
               "qt_style_tls": "PySide6 QtCore needs icuuc.dll (not in wine 8.0)",
               "dicom_decoders": "numpy moved aside (ucrtbase.crealf not in wine 8.0)"}


class Wine:
    """Runs Windows programs in one private prefix; output through pipes (wine's console
    handles are invalid when stdout is a plain file)."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "WINEDLLOVERRIDES": "mscoree,mshtml="}

    def run(self, *args: str, stdin: str | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(["wine", *args], env=self.env, input=stdin if stdin is not None else "",
                              capture_output=True, text=True, timeout=timeout, errors="replace")

    def wait(self) -> None:
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=600)

    def win_path(self, path: Path) -> str:
        """PATH (on Linux) as wine sees it (drive Z: is /)."""
        return "Z:" + str(path).replace("/", "\\")

    def user_dir(self) -> Path:
        """The wine user's profile folder (C:\\users\\<name>)."""
        return next(p for p in sorted((self.prefix / "drive_c" / "users").iterdir())
                    if p.is_dir() and p.name.lower() != "public")


class Report:
    """Steps with ok/detail/seconds, printed as they finish."""

    def __init__(self) -> None:
        self.steps: list[dict] = []

    def add(self, name: str, ok: bool, detail: str, started: float) -> bool:
        step = {"step": name, "ok": ok, "detail": detail, "seconds": round(time.monotonic() - started, 1)}
        self.steps.append(step)
        print(f"[{'ok' if ok else 'FAILED'}] {name} ({step['seconds']} s): {detail}", flush=True)
        return ok


def _first_error(text: str) -> str:
    match = re.search(r"(Unimplemented function [^\s]+|ImportError: [^\n]+|Error: [^\n]+)", text)
    return match.group(1) if match else text.strip().splitlines()[-1] if text.strip() else "(no output)"


def start_portal(data: Path, port: int) -> subprocess.Popen:
    portal_cli = [str(ROOT / ".venv" / "bin" / "downloadmanager-portal")]
    proc = subprocess.Popen([*portal_cli, "serve", "--data", str(data), "--host", "127.0.0.1", "--port", str(port),
                             "--public-url", f"http://127.0.0.1:{port}", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("portal did not start")


def portal_admin(data: Path, *args: str) -> dict:
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "downloadmanager-portal"), *args, "--data", str(data)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def check(setup: Path, version: str, report: Report, work: Path) -> None:
    wine = Wine(work / "prefix")
    wine.prefix.mkdir(parents=True)
    t = time.monotonic()
    wine.run("wineboot", "--init")
    wine.wait()
    report.add("wine prefix", True, "wine 8.0 prefix created", t)

    # 1. silent per-user install
    t = time.monotonic()
    done = wine.run(str(setup), "/S", "/CurrentUser")
    wine.wait()
    user = wine.user_dir()
    install = user / "AppData" / "Local" / "Programs" / "Downloadmanager"
    exe = install / "downloadmanager.exe"
    shortcuts = [user / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Downloadmanager.lnk",
                 user / "Desktop" / "Downloadmanager.lnk"]
    scheme = wine.run("reg", "query", r"HKCU\Software\Classes\downloadmanager\shell\open\command")
    ok = exe.is_file() and (install / "downloadmanager-gui.exe").is_file() and all(s.is_file() for s in shortcuts) \
        and "downloadmanager-gui.exe" in scheme.stdout
    report.add("silent install (/S /CurrentUser)", ok,
               f"exit {done.returncode}; {install.relative_to(wine.prefix)}; shortcuts "
               f"{[s.name for s in shortcuts if s.is_file()]}; URL scheme "
               f"{'registered' if 'downloadmanager-gui.exe' in scheme.stdout else 'MISSING'}", t)
    if not exe.is_file():
        return

    # 2. the unmodified program under wine: record why it stops
    t = time.monotonic()
    first = wine.run(str(exe), "--version")
    report.add("unmodified --version (expected to stop under wine 8.0)", True,
               f"exit {first.returncode}: {_first_error(first.stdout + first.stderr)}", t)
    for path in (install / "lib" / "numpy", install / "python" / "_wmi.pyd"):
        if path.exists():
            path.rename(path.with_name(path.name + ".wine-disabled"))

    t = time.monotonic()
    answer = wine.run(str(exe), "--version")
    report.add("--version", answer.stdout.strip() == f"downloadmanager {version}",
               f"{answer.stdout.strip()!r} (first start compiles the modules)", t)

    t = time.monotonic()
    answer = wine.run(str(exe), "self-test", "--json", "--lang", "en")
    try:
        result = json.loads(answer.stdout)
        failed = {c["name"]: c["detail"] for c in result["checks"] if not c["ok"]}
        unexpected = {n: d for n, d in failed.items() if n not in WINE_CANNOT}
        passed = [c["name"] for c in result["checks"] if c["ok"]]
        report.add("self-test --json", not unexpected and answer.returncode == 1,
                   f"passed {passed}; failed as expected under wine {sorted(set(failed) - set(unexpected))}"
                   + (f"; UNEXPECTED {unexpected}" if unexpected else ""), t)
    except ValueError:
        report.add("self-test --json", False, f"no JSON: {_first_error(answer.stdout + answer.stderr)}", t)

    # 3. scan a generated CD
    from tests.dicom_factory import StudySpec, write_fileset
    cd = work / "cd"
    files = write_fileset(cd, StudySpec(), series=2, per_series=3)
    t = time.monotonic()
    answer = wine.run(str(exe), "scan", wine.win_path(cd), "--json")
    try:
        scanned = json.loads(answer.stdout)
        studies = [study for patient in scanned.get("patients", []) for study in patient["studies"]]
        study_uid = studies[0]["study_instance_uid"] if studies else None
        instances = sum(int(study.get("instances", 0)) for study in studies)
        report.add("scan of a generated CD (DICOMDIR)", len(studies) == 1 and instances == len(files),
                   f"{len(studies)} study, {instances} of {len(files)} instances, "
                   f"DICOMDIRs {scanned.get('dicomdirs')}", t)
    except ValueError:
        report.add("scan of a generated CD (DICOMDIR)", False, _first_error(answer.stdout + answer.stderr), t)
        study_uid = None

    # 4. upload to a portal on 127.0.0.1 until verified, then fetch back by code
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = work / "portal"
    data.mkdir()
    portal_admin(data, "create-community", "--name", "Wine-Praxis", "--code", "WINE")
    account = portal_admin(data, "create-user", "--email", "praxis@example.org", "--community", "WINE")
    portal = start_portal(data, port)
    server = f"http://127.0.0.1:{port}"
    try:
        t = time.monotonic()
        answer = wine.run(str(exe), "login", "--server", server, "--email", "praxis@example.org",
                          "--password-stdin", stdin=account["password"] + "\n")
        report.add("login (password into the Windows Credential Manager)", answer.returncode == 0,
                   (answer.stdout + answer.stderr).strip().splitlines()[-1] if (answer.stdout + answer.stderr).strip()
                   else f"exit {answer.returncode}", t)
        t = time.monotonic()
        answer = wine.run(str(exe), "upload", wine.win_path(cd), "--community", "WINE", "--json")
        try:
            transfers = json.loads(answer.stdout)
            verified = [tr for tr in transfers if tr.get("state") == "done"]
            totals = transfers[0].get("receipt", {}).get("totals") if transfers else None
            report.add("upload to the portal until verified", answer.returncode == 0 and len(verified) == 1,
                       f"exit {answer.returncode}; states {[tr.get('state') for tr in transfers]}; receipt {totals}", t)
        except ValueError:
            report.add("upload to the portal until verified", False, _first_error(answer.stdout + answer.stderr), t)
        t = time.monotonic()
        answer = wine.run(str(exe), "share", study_uid or "?", "--birth-date", "01.01.1970", "--json")
        try:
            code = json.loads(answer.stdout)["code"]
            report.add("share: access code", True, "code created", t)
        except (ValueError, KeyError):
            code = None
            report.add("share: access code", False, _first_error(answer.stdout + answer.stderr), t)
        if code:
            t = time.monotonic()
            out = work / "fetched"
            answer = wine.run(str(exe), "fetch", code, "--birth-date", "01.01.1970", "--server", server,
                              "--to", wine.win_path(out))
            fetched = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
            dicom = [p for p in fetched if p.read_bytes()[128:132] == b"DICM"]
            report.add("fetch by code", answer.returncode == 0 and len(dicom) == len(files),
                       f"exit {answer.returncode}; {len(dicom)} of {len(files)} DICOM files back", t)
    finally:
        portal.terminate()
        portal.wait(timeout=30)

    # 5. silent uninstall
    for path in (install / "lib" / "numpy.wine-disabled", install / "python" / "_wmi.pyd.wine-disabled"):
        if path.exists():
            path.rename(path.with_name(path.name.removesuffix(".wine-disabled")))
    t = time.monotonic()
    data_dir = user / "AppData" / "Local" / "Downloadmanager"
    done = wine.run(str(install / "uninstall.exe"), "/S")
    wine.wait()
    leftovers = [str(p.relative_to(install)) for p in install.rglob("*")] if install.exists() else []
    scheme = wine.run("reg", "query", r"HKCU\Software\Classes\downloadmanager")
    ok = not install.exists() and not any(s.exists() for s in shortcuts) and scheme.returncode != 0 \
        and data_dir.is_dir()
    report.add("silent uninstall", ok,
               f"exit {done.returncode}; program folder {'gone' if not install.exists() else f'LEFT: {leftovers[:5]}'}; "
               f"shortcuts {'gone' if not any(s.exists() for s in shortcuts) else 'LEFT'}; URL scheme "
               f"{'gone' if scheme.returncode != 0 else 'LEFT'}; user data {'kept' if data_dir.is_dir() else 'GONE'}", t)


def main() -> int:
    parser = argparse.ArgumentParser(description="Install and run the Windows installer under wine.")
    parser.add_argument("setup", type=Path)
    parser.add_argument("--report", type=Path, default=ROOT / "build" / "windows" / "wine-check.json")
    parser.add_argument("--keep", action="store_true", help="keep the wine prefix (printed)")
    args = parser.parse_args()
    if shutil.which("wine") is None:
        print("check-windows: wine is not installed (apt-get install wine64 wine)", file=sys.stderr)
        return 2
    version = re.search(r"Downloadmanager-(.+)-setup\.exe$", args.setup.name).group(1)
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="dm-wine-"))
    started = time.monotonic()
    try:
        check(args.setup.resolve(), version, report, work)
    finally:
        subprocess.run(["wineserver", "-k"], env={**os.environ, "WINEPREFIX": str(work / "prefix")},
                       stderr=subprocess.DEVNULL)
        if args.keep:
            print(f"wine prefix kept: {work / 'prefix'}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ok = bool(report.steps) and all(s["ok"] for s in report.steps)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps({"setup": args.setup.name, "ok": ok, "minutes": round((time.monotonic() - started) / 60, 1),
                                       "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                       "steps": report.steps}, indent=2))
    print(f"check-windows: {'ok' if ok else 'FAILED'} ({report.steps and len(report.steps)} steps, report {args.report})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
