"""The settings registry: declared defaults, round trip, migration, damaged files, unknown keys."""

from __future__ import annotations

import dataclasses
import json

import pytest

from downloadmanager.core import settings as registry
from downloadmanager.core.credentials import Account, load_account, save_account
from downloadmanager.core.dicomnet.nodes import DicomNode, load_nodes, save_node
from downloadmanager.core.net_settings import NetworkSettings, load_network_settings, save_network_settings
from downloadmanager.core.settings import (
    MAX_RECENT_RECIPIENTS,
    OPTIONS,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    take_notices,
)
from downloadmanager.core.transfers import tus_client
from downloadmanager.core.transfers.settings import (
    TransferSettings,
    load_transfer_settings,
    save_transfer_settings,
)

VIEWS = {"general": Settings, "transfers": TransferSettings, "network": NetworkSettings}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DOWNLOADMANAGER_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    take_notices()  # start every test without notices of an earlier one
    return tmp_path


def _stored() -> dict:
    return json.loads(settings_path().read_text(encoding="utf-8"))


def _backups(home) -> list:
    return sorted((home / "config").glob("settings.json.damaged-*"))


# --------------------------------------------------------------------------- declarations


def test_defaults_when_no_file(home):
    assert load_settings() == Settings()
    assert load_transfer_settings() == TransferSettings()
    assert load_network_settings() == NetworkSettings()
    assert load_nodes() == {} and load_account() is None
    assert settings_path() == home / "config" / "settings.json"
    assert not settings_path().exists()  # reading writes nothing
    assert take_notices() == []


def test_typed_views_take_their_defaults_from_the_declarations():
    for section, view in VIEWS.items():
        names = [f.name for f in dataclasses.fields(view)]
        assert names == list(OPTIONS[section]), section
        assert dataclasses.asdict(view()) == {n: o.default for n, o in OPTIONS[section].items()}
    assert Settings().language == "system" and Settings().recent_recipients == []
    assert TransferSettings().max_concurrent_jobs == 2 and TransferSettings().staging is True
    assert NetworkSettings().proxy_mode == "system" and NetworkSettings().proxy_port == 3128
    # The upload engine's own fallbacks agree with the declared chunk sizes.
    assert TransferSettings().chunk_size == tus_client.DEFAULT_CHUNK
    assert TransferSettings().max_chunk_size == tus_client.DEFAULT_MAX_CHUNK


def test_every_default_fits_its_declaration_and_lists_are_not_shared():
    for options in OPTIONS.values():
        for opt in options.values():
            assert opt.accepts(opt.default), (opt.section, opt.name)
    first, second = Settings(), Settings()
    first.remember_recipient("abc")
    assert second.recent_recipients == []


# --------------------------------------------------------------------------- round trip


def test_round_trip_of_every_section(home):
    s = Settings(language="de", portal_url="https://portal.example.org", storage_folder="/data")
    s.remember_recipient("bM1X")
    path = save_settings(s)
    assert path == settings_path() and path.is_relative_to(home)
    transfer = TransferSettings(chunk_size=256 * 1024, max_chunk_size=1024 * 1024, bandwidth_limit=5000,
                                time_window="19:00-07:00", max_concurrent_jobs=3, staging=False)
    assert save_transfer_settings(transfer) == path
    network = NetworkSettings("manual", "proxy.klinik.local", 8080)
    save_network_settings(network)
    node = DicomNode("PACS", "10.0.0.5", 104, "PRAXIS1", "klinik")
    save_node(node)
    save_account(Account("https://portal.example.org", "a@b.de"))

    assert load_settings() == s
    assert load_transfer_settings() == transfer
    assert load_network_settings() == network
    assert load_nodes() == {"klinik": node}
    assert load_account() == Account("https://portal.example.org", "a@b.de")
    stored = _stored()
    assert stored["version"] == registry.FORMAT_VERSION
    assert stored["general"]["language"] == "de" and stored["transfers"]["bandwidth_limit"] == 5000
    assert [p.name for p in (home / "config").iterdir()] == ["settings.json"]  # one file only
    assert take_notices() == []


def test_invalid_values_are_refused_before_writing(home):
    save_settings(Settings(language="de"))
    with pytest.raises(ValueError):
        save_settings(Settings(language="fr"))
    with pytest.raises(ValueError):
        save_transfer_settings(TransferSettings(max_concurrent_jobs=0))
    with pytest.raises(ValueError):
        registry.write_section("general", {"no_such_setting": 1})
    assert load_settings().language == "de"


def test_recent_recipients_are_unique_newest_first_and_bounded():
    s = Settings()
    for i in range(MAX_RECENT_RECIPIENTS + 3):
        s.remember_recipient(f"c{i:03d}")
    s.remember_recipient("c005")
    assert s.recent_recipients[0] == "c005"
    assert len(s.recent_recipients) == MAX_RECENT_RECIPIENTS
    assert s.recent_recipients.count("c005") == 1


# --------------------------------------------------------------------------- migration


def _write_old(home, name, data):
    (home / "config" / name).write_text(json.dumps(data) if not isinstance(data, str) else data,
                                        encoding="utf-8")


OLD_FILES = {
    "settings.json": {"language": "de", "portal_url": "https://p.example.org",
                      "recent_recipients": ["x1"], "tray_hint_shown": True},
    "transfers.json": {"chunk_size": 512 * 1024, "max_chunk_size": 512 * 1024, "bandwidth_limit": 1000,
                       "time_window": "20:00-06:00", "max_concurrent_jobs": 1, "staging": False},
    "network.json": {"proxy_mode": "manual", "proxy_host": "proxy.klinik.local", "proxy_port": 3129},
    "dicom_nodes.json": {"nodes": [{"name": "Archiv", "ae_title": "ARCHIV", "host": "pacs.local",
                                    "port": 11112, "calling_ae": "DM"}]},
    "account.json": {"server": "https://p.example.org", "email": "arzt@praxis.de"},
}


def _check_migrated(name):
    if name == "settings.json":
        s = load_settings()
        assert (s.language, s.portal_url, s.recent_recipients, s.tray_hint_shown) == (
            "de", "https://p.example.org", ["x1"], True)
    elif name == "transfers.json":
        assert dataclasses.asdict(load_transfer_settings()) == OLD_FILES[name]
    elif name == "network.json":
        assert load_network_settings() == NetworkSettings("manual", "proxy.klinik.local", 3129)
    elif name == "dicom_nodes.json":
        assert load_nodes()["Archiv"].spec == "ARCHIV@pacs.local:11112"
        assert load_nodes()["Archiv"].calling_ae == "DM"
    else:
        assert load_account() == Account("https://p.example.org", "arzt@praxis.de")


@pytest.mark.parametrize("name", list(OLD_FILES))
def test_migration_of_each_old_file(home, name):
    _write_old(home, name, OLD_FILES[name])
    _check_migrated(name)
    assert _stored()["version"] == registry.FORMAT_VERSION
    if name != "settings.json":  # the old file is kept renamed and never read again
        assert not (home / "config" / name).exists()
        assert json.loads((home / "config" / f"{name}.migrated").read_text()) == OLD_FILES[name]
        (home / "config" / f"{name}.migrated").write_text("{}")
    _check_migrated(name)
    assert take_notices() == []


def test_migration_of_all_old_files_at_once_and_only_once(home):
    for name, data in OLD_FILES.items():
        _write_old(home, name, data)
    for name in OLD_FILES:
        _check_migrated(name)
    names = sorted(p.name for p in (home / "config").iterdir())
    assert names == sorted(["settings.json"] + [f"{n}.migrated" for n in OLD_FILES if n != "settings.json"])
    # An old file that turns up again later (e.g. restored from a backup) is ignored.
    _write_old(home, "network.json", {"proxy_mode": "none"})
    assert load_network_settings().proxy_mode == "manual"


def test_a_damaged_old_file_gives_defaults_and_a_notice(home):
    _write_old(home, "transfers.json", "{not json")
    _write_old(home, "network.json", OLD_FILES["network.json"])
    assert load_transfer_settings() == TransferSettings()
    assert load_network_settings().proxy_host == "proxy.klinik.local"
    [notice] = take_notices()
    assert notice.key == "legacy_damaged"
    assert (home / "config" / "transfers.json.migrated").read_text() == "{not json"
    assert "transfers.json" in notice.text("en") and "beschädigt" in notice.text("de")


# --------------------------------------------------------------------------- damaged file


def test_damaged_file_gives_backup_defaults_and_notice(home):
    settings_path().write_text("{not json", encoding="utf-8")
    assert load_settings() == Settings()
    [backup] = _backups(home)
    assert backup.read_text(encoding="utf-8") == "{not json"
    [notice] = take_notices()
    assert notice.key == "damaged" and notice.backup == backup
    assert str(backup) in notice.text("en") and "damaged" in notice.text("en")
    assert "beschädigt" in notice.text("de") and "reset" not in notice.text("de")
    # The cleaned file is written back: the next load is quiet and makes no second backup.
    assert _stored() == {"version": registry.FORMAT_VERSION}
    assert load_transfer_settings() == TransferSettings()
    assert take_notices() == [] and len(_backups(home)) == 1


def test_values_of_wrong_type_or_range_fall_back_with_backup_and_notice(home):
    original = json.dumps({"version": 2,
                           "general": {"language": "fr", "portal_url": 5, "recent_recipients": ["ab12", 3],
                                       "storage_folder": "/x"},
                           "transfers": {"max_concurrent_jobs": True, "bandwidth_limit": -1},
                           "network": "not a section"})
    settings_path().write_text(original, encoding="utf-8")
    s = load_settings()
    assert (s.language, s.portal_url, s.recent_recipients, s.storage_folder) == ("system", "", [], "/x")
    assert load_transfer_settings() == TransferSettings()
    assert load_network_settings() == NetworkSettings()
    [backup] = _backups(home)
    assert backup.read_text(encoding="utf-8") == original
    [notice] = take_notices()
    assert notice.key == "values_reset"
    for name in ("general.language", "general.portal_url", "general.recent_recipients",
                 "transfers.max_concurrent_jobs", "transfers.bandwidth_limit", "network"):
        assert name in notice.detail
    assert _stored()["general"] == {"storage_folder": "/x"}


def test_a_json_file_that_is_not_an_object_is_damaged(home):
    settings_path().write_text("[1, 2]", encoding="utf-8")
    assert load_settings() == Settings()
    assert [n.key for n in take_notices()] == ["damaged"] and len(_backups(home)) == 1


def test_old_flat_file_with_bad_values_is_migrated_and_cleaned(home):
    settings_path().write_text(json.dumps({"language": "fr", "storage_folder": "/x"}), encoding="utf-8")
    s = load_settings()
    assert (s.language, s.storage_folder) == ("system", "/x")
    assert [n.key for n in take_notices()] == ["values_reset"]


# --------------------------------------------------------------------------- unknown keys


def test_unknown_sections_and_keys_are_kept(home):
    settings_path().write_text(json.dumps({
        "version": 2, "general": {"language": "de", "from_a_newer_version": [1, 2]},
        "future_section": {"x": 1}}), encoding="utf-8")
    s = load_settings()
    assert s.language == "de" and not hasattr(s, "from_a_newer_version")
    save_settings(Settings(language="en"))
    save_transfer_settings(TransferSettings(max_concurrent_jobs=4))
    stored = _stored()
    assert stored["general"]["from_a_newer_version"] == [1, 2]
    assert stored["general"]["language"] == "en"
    assert stored["future_section"] == {"x": 1}
    assert stored["transfers"]["max_concurrent_jobs"] == 4
    assert take_notices() == []
