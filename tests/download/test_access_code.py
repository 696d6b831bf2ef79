"""Access code and birth date input, QR codes from images and URLs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import segno
from PIL import Image

from downloadmanager.core.access_code import (
    AccessCodeError,
    code_from_payload,
    decode_qr_image,
    normalise_code,
    parse_birth_date,
    parse_code_input,
)
from downloadmanager.core.errors import format_wait, language_from_environment, render

CODE = "K7PX92QDM4H3"


@pytest.mark.parametrize("typed", [
    "K7PX-92QD-M4H3", "k7px92qdm4h3", " k7px 92qd m4h3 ", "K7PX 92QD-M4H3", "k7Px-92qD-m4H3",
])
def test_code_accepted_in_any_case_with_or_without_separators(typed):
    assert normalise_code(typed) == CODE


@pytest.mark.parametrize("typed, char", [
    ("K7PX-92QD-M4H0", "0"), ("O7PX-92QD-M4H3", "O"), ("K7PX-92QD-M4H1", "1"),
    ("K7PX-92QD-M4HI", "I"), ("l7PX-92QD-M4H3", "L"),
])
def test_lookalikes_are_rejected_with_a_clear_message(typed, char):
    with pytest.raises(AccessCodeError) as info:
        normalise_code(typed)
    assert info.value.key == "code_lookalike"
    assert char in info.value.message("en")
    assert "0, 1, I, L" in info.value.message("de")
    assert "Verwechslungsgefahr" in info.value.message("de")


def test_wrong_length_and_foreign_characters():
    with pytest.raises(AccessCodeError) as info:
        normalise_code("K7PX-92QD")
    assert info.value.key == "code_wrong_length" and "8" in str(info.value)
    with pytest.raises(AccessCodeError) as info:
        normalise_code("K7PX-92QD-M4H#")
    assert info.value.key == "code_bad_characters" and "#" in str(info.value)


@pytest.mark.parametrize("typed", ["01.02.1970", "1.2.1970", "1970-02-01", "19700201", " 01. 02. 1970 "])
def test_birth_date_formats(typed):
    assert parse_birth_date(typed) == date(1970, 2, 1)


@pytest.mark.parametrize("typed", ["31.02.1970", "1970/02/01", "02-01-1970", "", "1.2.70", "01.01.1700"])
def test_invalid_birth_dates(typed):
    with pytest.raises(AccessCodeError) as info:
        parse_birth_date(typed)
    assert info.value.key == "birth_date_invalid"
    assert "TT.MM.JJJJ" in info.value.message("de")


def test_future_birth_date():
    with pytest.raises(AccessCodeError) as info:
        parse_birth_date("01.01.2030", today=date(2026, 1, 1))
    assert info.value.key == "birth_date_future"


def test_qr_url_payload_gives_code_and_portal():
    got = code_from_payload("https://portal.example.org/c/K7PX92QDM4H3")
    assert got.code == CODE and got.portal_url == "https://portal.example.org"
    got = code_from_payload("http://127.0.0.1:8080/sub/c/k7px-92qd-m4h3")
    assert got.code == CODE and got.portal_url == "http://127.0.0.1:8080/sub"
    with pytest.raises(AccessCodeError):
        code_from_payload("https://portal.example.org/other/page")


def _qr_png(tmp_path: Path, payload: str, scale: int = 8) -> Path:
    path = tmp_path / "qr.png"
    segno.make_qr(payload, error="m").save(str(path), scale=scale, border=4)
    return path


def test_qr_from_png_and_jpeg(tmp_path):
    payload = "https://portal.example.org/c/K7PX92QDM4H3"
    png = _qr_png(tmp_path, payload)
    assert decode_qr_image(png).code == CODE
    jpeg = tmp_path / "qr.jpg"
    Image.open(png).convert("RGB").save(jpeg, quality=70)
    got = decode_qr_image(jpeg)
    assert got.code == CODE and got.portal_url == "https://portal.example.org"
    # The CLI's CODE argument may be the image path.
    assert parse_code_input(str(jpeg)).code == CODE


def test_qr_from_a_photo_rotated_scaled_on_a_grey_background(tmp_path):
    png = _qr_png(tmp_path, "https://portal.example.org/c/K7PX92QDM4H3", scale=5)
    qr = Image.open(png).convert("L")
    qr = qr.resize((int(qr.width * 1.7), int(qr.height * 1.7)), Image.BILINEAR)
    rotated = qr.rotate(23, expand=True, fillcolor=255)
    photo = Image.new("L", (rotated.width + 500, rotated.height + 300), 170)
    photo.paste(rotated, (260, 120))
    photo = photo.convert("RGB")
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=60)
    assert decode_qr_image(path).code == CODE


def test_image_without_qr_and_not_an_image(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    with pytest.raises(AccessCodeError) as info:
        decode_qr_image(blank)
    assert info.value.key == "qr_unreadable"
    bogus = tmp_path / "bogus.png"
    bogus.write_bytes(b"no image")
    with pytest.raises(AccessCodeError) as info:
        decode_qr_image(bogus)
    assert info.value.key == "image_unreadable"


def test_message_catalogue_languages_and_waiting_time():
    assert language_from_environment({"LANG": "de_DE.UTF-8"}) == "de"
    assert language_from_environment({"LANG": "en_US.UTF-8"}) == "en"
    assert language_from_environment({}) == "en"
    assert format_wait(900, "de") == "15 Minuten"
    assert format_wait(45, "en") == "45 seconds"
    assert "15 Minuten" in render("too_many_attempts", {'wait_seconds': 900}, "de")
    assert "2027-01-31" in render("code_expired", {'date': "2027-01-31"}, "en")
    # One message for a wrong code and a wrong birth date, in both languages.
    assert "Code oder Geburtsdatum" in render("code_or_birth_date_wrong", {}, "de")
