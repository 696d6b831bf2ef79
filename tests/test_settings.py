"""User settings: defaults, persistence under DOWNLOADMANAGER_HOME, robustness."""

from __future__ import annotations

import json

import pytest

from downloadmanager.core.settings import (
    MAX_RECENT_RECIPIENTS,
    Settings,
    load_settings,
    save_settings,
    settings_path,
)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path))
    return tmp_path


def test_defaults_when_no_file(home):
    assert load_settings() == Settings()
    assert settings_path() == home / "config" / "settings.json"


def test_round_trip(home):
    s = Settings(language="de", portal_url="https://portal.example.org", storage_folder="/data")
    s.remember_recipient("bM1X")
    path = save_settings(s)
    assert path.is_relative_to(home)
    assert load_settings() == s
    assert json.loads(path.read_text(encoding="utf-8"))["language"] == "de"


def test_damaged_file_gives_defaults(home):
    settings_path().write_text("{not json", encoding="utf-8")
    assert load_settings() == Settings()


def test_wrong_types_and_unknown_keys_fall_back(home):
    settings_path().write_text(json.dumps({
        "language": "fr", "portal_url": 5, "recent_recipients": ["ab12", 3],
        "unknown": True, "storage_folder": "/x"}), encoding="utf-8")
    s = load_settings()
    assert s.language == "system"
    assert s.portal_url == ""
    assert s.recent_recipients == []
    assert s.storage_folder == "/x"


def test_recent_recipients_are_unique_newest_first_and_bounded():
    s = Settings()
    for i in range(MAX_RECENT_RECIPIENTS + 3):
        s.remember_recipient(f"c{i:03d}")
    s.remember_recipient("c005")
    assert s.recent_recipients[0] == "c005"
    assert len(s.recent_recipients) == MAX_RECENT_RECIPIENTS
    assert s.recent_recipients.count("c005") == 1
