"""``downloadmanager self-test`` from the checkout: all checks pass in a complete
install, and a broken one (missing plugin, missing translation, no keyring)
fails naming what is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def self_test(tmp_path: Path, *extra: str, env: dict[str, str] | None = None,
              keyring: bool = True) -> tuple[int, dict]:
    environ = {**os.environ, "DOWNLOADMANAGER_HOME": str(tmp_path / "home"), **(env or {})}
    if keyring:
        environ["PYTHON_KEYRING_BACKEND"] = "tests.packaging.memory_keyring.MemoryKeyring"
    else:
        environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    done = subprocess.run([sys.executable, "-m", "downloadmanager", "self-test", "--json", *extra],
                          cwd=REPO, env=environ, capture_output=True, text=True, timeout=120)
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_complete_install_passes_every_check(tmp_path):
    code, report = self_test(tmp_path, "--lang", "en")
    checks = by_name(report)
    assert set(checks) == {"qt_platform_plugin", "qt_image_plugins", "qt_style_tls", "translations",
                           "tls", "keyring", "pdf_fonts", "qr", "dicom_decoders", "data_folders"}
    assert report["ok"] is True and code == 0, report
    assert all(set(c) == {"name", "ok", "detail"} for c in report["checks"])
    assert "untrusted certificate refused" in checks["tls"]["detail"]
    assert "MemoryKeyring" in checks["keyring"]["detail"]
    assert str(tmp_path / "home" / "data") in checks["data_folders"]["detail"]
    assert "RLE, JPEG, JPEG 2000 decoded" in checks["dicom_decoders"]["detail"]


def test_missing_translation_and_plugin_fail_by_name(tmp_path):
    resources = tmp_path / "resources"
    shutil.copytree(REPO / "resources", resources, ignore=shutil.ignore_patterns("*.qm"))
    empty_plugins = tmp_path / "platforms"
    empty_plugins.mkdir()
    code, report = self_test(tmp_path, "--lang", "de", env={
        "DOWNLOADMANAGER_RESOURCES": str(resources),
        "QT_QPA_PLATFORM_PLUGIN_PATH": str(empty_plugins)})
    checks = by_name(report)
    assert code == 1 and report["ok"] is False
    assert not checks["translations"]["ok"]
    assert "downloadmanager_de.qm" in checks["translations"]["detail"]
    assert checks["translations"]["detail"].startswith("Übersetzung fehlt")
    assert not checks["qt_platform_plugin"]["ok"]
    assert "Qt-Plattform-Plugin fehlt" in checks["qt_platform_plugin"]["detail"]
    assert str(empty_plugins) in checks["qt_platform_plugin"]["detail"]
    # What is still there still passes.
    assert checks["qr"]["ok"] and checks["tls"]["ok"]


def test_corrupt_translation_and_missing_test_chain(tmp_path):
    resources = tmp_path / "resources"
    shutil.copytree(REPO / "resources", resources)
    (resources / "translations" / "downloadmanager_de.qm").write_bytes(b"not a qm file")
    (resources / "selftest" / "ca.pem").unlink()
    code, report = self_test(tmp_path, "--lang", "en", env={"DOWNLOADMANAGER_RESOURCES": str(resources)})
    checks = by_name(report)
    assert code == 1
    assert "is not a Qt .qm file" in checks["translations"]["detail"]
    assert not checks["tls"]["ok"] and "ca.pem" in checks["tls"]["detail"]


def test_no_keyring_is_said_plainly(tmp_path):
    code, report = self_test(tmp_path, "--lang", "de", keyring=False)
    checks = by_name(report)
    assert code == 1
    assert not checks["keyring"]["ok"]
    assert checks["keyring"]["detail"].startswith("Kein Passwortspeicher gefunden")


def test_unwritable_data_folder(tmp_path):
    # A file where the data folders should be: nothing can be created below it (even as root).
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    code, report = self_test(tmp_path, "--lang", "en", env={"DOWNLOADMANAGER_HOME": str(blocked)})
    checks = by_name(report)
    assert code == 1 and not checks["data_folders"]["ok"]
    assert checks["data_folders"]["detail"].startswith("no write access: data_dir:")
    assert str(blocked) in checks["data_folders"]["detail"]


def test_text_output_and_exit_code(tmp_path):
    environ = {**os.environ, "DOWNLOADMANAGER_HOME": str(tmp_path / "home"), "LANG": "de_DE.UTF-8",
               "PYTHON_KEYRING_BACKEND": "tests.packaging.memory_keyring.MemoryKeyring"}
    done = subprocess.run([sys.executable, "-m", "downloadmanager", "self-test"], cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Alle Prüfungen bestanden." in done.stdout
    assert "OK      Übersetzungen" in done.stdout
