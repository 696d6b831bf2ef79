"""The web pages over plain HTTP (no JavaScript): forms, sessions, headers, languages."""

from __future__ import annotations

import re

import requests

from portal.auth import SESSION_COOKIE


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the form"
    return match.group(1)


def enter(session: requests.Session, url: str, code: str, birth_date: str, **headers):
    page = session.get(f"{url}/", headers=headers)
    return session.post(f"{url}/code", data={"code": code, "birth_date": birth_date,
                                              "csrf_token": csrf_of(page.text)},
                        headers=headers, allow_redirects=False)


def test_start_page_is_german_by_default_and_english_on_request(portal):
    german = requests.get(f"{portal.url}/")
    assert german.status_code == 200
    assert "Daten anzeigen" in german.text and 'lang="de"' in german.text
    english = requests.get(f"{portal.url}/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Show data" in english.text and 'lang="en"' in english.text
    switched = requests.Session()
    assert "Show data" in switched.get(f"{portal.url}/?lang=en").text
    assert "Show data" in switched.get(f"{portal.url}/").text  # remembered in a cookie


def test_security_headers_on_pages(portal):
    answer = requests.get(f"{portal.url}/")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in answer.text and "style=" not in answer.text  # no inline code
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_code_entry_without_javascript_opens_the_study_page(web_study):
    url = web_study.portal.url
    session = requests.Session()
    answer = enter(session, url, web_study.code.lower().replace("-", " "), web_study.birth_date)
    assert answer.status_code == 303 and answer.headers["location"] == "/code/studies"
    assert web_study.code.replace("-", "") not in answer.headers["location"]
    assert SESSION_COOKIE in session.cookies
    page = session.get(f"{url}/code/studies")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Muster, Erika" in page.text and "noch " in page.text and " Tage" in page.text
    assert "Herunterladen (ZIP, mit DICOMDIR)" in page.text
    host = url.split("://", 1)[1]
    assert f"downloadmanager://{host}/c/" + web_study.code.replace("-", "") in page.text
    thumbs = re.findall(r'<img src="([^"]+/thumbnail[^"]*)"', page.text)
    assert thumbs, "series thumbnails are plain <img> elements"
    image = session.get(url + thumbs[0].replace("&amp;", "&"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"


def test_wrong_code_and_wrong_birth_date_get_the_same_message(web_study):
    url = web_study.portal.url
    wrong_date = enter(requests.Session(), url, web_study.code, "01.01.1901")
    wrong_code = enter(requests.Session(), url, "AAAA-BBBB-CCCC", web_study.birth_date)
    message = "Der Code oder das Geburtsdatum stimmt nicht"
    assert wrong_date.status_code == wrong_code.status_code == 403
    assert message in wrong_date.text and message in wrong_code.text


def test_lockout_after_wrong_birth_dates_is_said_plainly(web_study):
    from portal.codes import MAX_FAILED_BIRTH_DATES
    url = web_study.portal.url
    session = requests.Session()
    for _ in range(MAX_FAILED_BIRTH_DATES):
        enter(session, url, web_study.code, "01.01.1901")
    locked = enter(session, url, web_study.code, web_study.birth_date)
    assert locked.status_code == 429
    assert "gesperrt" in locked.text and "Minuten" in locked.text


def test_form_without_csrf_token_is_refused(web_study):
    answer = requests.post(f"{web_study.portal.url}/code", allow_redirects=False,
                           data={"code": web_study.code, "birth_date": web_study.birth_date})
    assert answer.status_code == 403 and "abgelaufen" in answer.text


def test_qr_landing_fills_in_the_code(web_study):
    url = web_study.portal.url
    page = requests.get(f"{url}/c/{web_study.code.replace('-', '').lower()}")
    assert page.status_code == 200
    assert f'value="{web_study.code}"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_study_page_without_session_asks_for_the_code(portal):
    page = requests.get(f"{portal.url}/code/studies")
    assert page.status_code == 401 and "Daten anzeigen" in page.text


def test_session_cookie_cannot_change_anything(web_study):
    """The cookie authorises reads only: an API POST with it alone is refused."""
    session = requests.Session()
    enter(session, web_study.portal.url, web_study.code, web_study.birth_date)
    answer = session.post(f"{web_study.portal.url}/api/logout")
    assert answer.status_code == 401


def test_viewer_page_lists_every_image(web_study):
    url = web_study.portal.url
    session = requests.Session()
    enter(session, url, web_study.code, web_study.birth_date)
    series_uid = next(iter(web_study.study.series))
    page = session.get(f"{url}/viewer/{web_study.study.uid}/{series_uid}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert page.text.count("/rendered") >= 12
    assert "Weichteil" in page.text and "Lunge" in page.text and "Knochen" in page.text \
        and "Hirn" in page.text
    assert "Bild 1 von 12" in page.text


def test_download_page_says_when_no_installers_are_configured(portal):
    page = requests.get(f"{portal.url}/download/")
    assert page.status_code == 200
    assert "keine Installationsprogramme" in page.text


def test_download_page_lists_configured_installers(portal):
    portal.app.state.client_downloads = [{
        "platform": "windows", "version": "0.2.0", "filename": "Downloadmanager-0.2.0-setup.exe",
        "size": 52_000_000, "sha256": "ab" * 32, "url": "/download/Downloadmanager-0.2.0-setup.exe"}]
    page = requests.get(f"{portal.url}/download/")
    assert "Downloadmanager-0.2.0-setup.exe" in page.text and "ab" * 32 in page.text


def test_zip_download_has_dicomdir_and_verifies_against_the_manifest(web_study, tmp_path):
    import hashlib
    import io
    import zipfile

    import pydicom

    url = web_study.portal.url
    session = requests.Session()
    enter(session, url, web_study.code, web_study.birth_date)
    answer = session.get(f"{url}/code/studies/{web_study.study.uid}/zip")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert answer.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    manifest = session.get(f"{url}/api/studies/{web_study.study.uid}/manifest").json()
    shas = {i["sop_instance_uid"]: i["sha256"] for i in manifest["instances"]}
    dicomdir = pydicom.dcmread(io.BytesIO(archive.read("DICOMDIR")))
    referenced = [r.ReferencedFileID for r in dicomdir.DirectoryRecordSequence
                  if r.DirectoryRecordType == "IMAGE"]
    assert len(referenced) == len(shas) == 12
    for file_id in referenced:
        name = "/".join(file_id) if not isinstance(file_id, str) else file_id
        data = archive.read(name)
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        assert data[128:132] == b"DICM"  # Part 10
        assert hashlib.sha256(data).hexdigest() == shas[ds.SOPInstanceUID]


def test_zip_of_a_study_not_yours_is_not_found(web_study):
    answer = requests.get(f"{web_study.portal.url}/code/studies/{web_study.study.uid}/zip")
    assert answer.status_code == 404


def test_session_ends_when_the_code_expires_and_is_purged(web_study):
    from sqlalchemy import update

    from portal import retention
    from portal.db import utcnow
    from portal.schema import access_codes

    portal = web_study.portal
    session = requests.Session()
    enter(session, portal.url, web_study.code, web_study.birth_date)
    assert session.get(f"{portal.url}/code/studies").status_code == 200
    with portal.engine.begin() as conn:
        conn.execute(update(access_codes).values(expires_at=utcnow()))
    retention.purge(portal.engine, portal.settings)
    ended = session.get(f"{portal.url}/code/studies")
    assert ended.status_code == 401 and "Sitzung ist abgelaufen" in ended.text
    series_uid, sops = next(iter(web_study.study.series.items()))
    image = session.get(f"{portal.url}/dicomweb/studies/{web_study.study.uid}/series/"
                        f"{series_uid}/instances/{sops[0]}/rendered")
    assert image.status_code == 401
