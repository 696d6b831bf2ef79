"""Settings > Diagnosis runs the installation's self-test and lists every check."""

from __future__ import annotations

from downloadmanager.gui.main_window import PAGE_SETTINGS


def test_diagnose_lists_every_check(qtbot, make_window, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.packaging.memory_keyring.MemoryKeyring")
    window = make_window()
    window.show_page(PAGE_SETTINGS)
    section = window.settings_page.diagnose
    assert section.button.text() == "Diagnose"
    with qtbot.waitSignal(section.finished, timeout=120000) as blocker:
        section.button.click()
    results = blocker.args[0]
    assert section.button.isEnabled()
    assert section.list.topLevelItemCount() == len(results) == 10
    rows = {section.list.topLevelItem(i).text(1): section.list.topLevelItem(i) for i in range(10)}
    assert rows["Translations"].text(0) == "OK"
    assert rows["QR code write and read"].text(0) == "OK"
    assert "loaded" in rows["Qt platform plugin"].text(2)
    failed = [r for r in results if not r.ok]
    assert section.summary.text() == ("All checks passed." if not failed else f"Checks failed: {len(failed)} of 10.")
