"""Pages for practices and community members over real HTTP (no JavaScript).

Registration, login/logout, password change and reset link, the community
inbox, access codes and the code sheet: every rule the API has, plus CSRF,
``no-store`` and community isolation.
"""

from __future__ import annotations

import email
import io
from datetime import date, datetime, timedelta, timezone
import re
import time
from dataclasses import dataclass
from email import policy

import pytest
import requests
from sqlalchemy import func, select

from portal import password_reset
from portal.auth import SESSION_COOKIE
from portal.codes import load_secret
from portal.communities import create_community
from portal.schema import access_codes, users
from tests.dicom_factory import StudySpec
from tests.portal.seed import make_pdf, seed_study
from tests.web.test_pages_http import csrf_of


def outbox(portal) -> list:
    """Every mail the portal wrote to DATA/outbox, oldest first."""
    # File names sort by the second only: order mails of one second by their write time.
    paths = sorted((portal.data_dir / "outbox").glob("*.eml"),
                   key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in paths]


def form_post(session: requests.Session, url: str, page: str, action: str, **data):
    """GET PAGE for its CSRF token, then POST DATA to ACTION (no redirects followed)."""
    token = csrf_of(session.get(url + page).text)
    return session.post(url + action, data={**data, "csrf_token": token}, allow_redirects=False)


def web_login(session: requests.Session, url: str, address: str, password: str):
    return form_post(session, url, "/anmelden", "/anmelden", email=address, password=password)


def code_count(portal) -> int:
    with portal.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(access_codes)).scalar_one()


@dataclass
class Inbox:
    portal: object
    member: object  # member of "Arad" (not the sender)
    sender: object  # member of "Arad", sent the study
    outsider: object  # member of "Brad" only
    ours: object  # study received by Arad
    theirs: object  # study received by Brad

    def session(self, user=None) -> requests.Session:
        user = user or self.member
        session = requests.Session()
        answer = web_login(session, self.portal.url, user.email, user.password)
        assert answer.status_code == 303, answer.text
        return session


@pytest.fixture
def inbox(portal, make_user) -> Inbox:
    create_community(portal.engine, "Radiologie Arad", "Arad")
    create_community(portal.engine, "Praxis Brad", "Brad")
    sender = make_user(community="Arad")
    member = make_user(community="Arad")
    outsider = make_user(community="Brad")
    ours = seed_study(portal.engine, portal.data_dir, "Arad",
                      StudySpec(patient_name="Muster^Erika", birth_date="19650412",
                                study_description="CT Thorax"),
                      series_count=2, per_series=2, sender_user_id=sender.id,
                      note="Bitte um Befundung", docs={"Befund.pdf": make_pdf("Befund")})
    theirs = seed_study(portal.engine, portal.data_dir, "Brad",
                        StudySpec(patient_name="Fremd^Otto", birth_date="19500101",
                                  study_description="MR Knie"),
                        series_count=1, per_series=2, sender_user_id=outsider.id)
    return Inbox(portal, member, sender, outsider, ours, theirs)


# -- registration --------------------------------------------------------------------

def test_registration_mails_a_password_that_logs_in_to_the_inbox(portal):
    url = portal.url
    session = requests.Session()
    page = session.get(f"{url}/registrieren")
    assert page.status_code == 200 and "Passwort anfordern" in page.text
    sent = form_post(session, url, "/registrieren", "/registrieren", email=" Praxis@Example.org ")
    assert sent.status_code == 200
    assert "Wir haben eine E-Mail an praxis@example.org gesendet" in sent.text
    assert 'href="/anmelden"' in sent.text
    mails = outbox(portal)
    assert len(mails) == 1 and mails[0]["To"] == "praxis@example.org"
    body = mails[0].get_content()
    password = re.search(r"Password: (\S+)", body).group(1)
    assert f"{url}/anmelden" in body

    login = web_login(session, url, "praxis@example.org", password)
    assert login.status_code == 303 and login.headers["location"] == "/eingang"
    cookie = login.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    inbox_page = session.get(f"{url}/eingang", allow_redirects=False)
    assert inbox_page.status_code == 200
    assert "gehört noch zu keiner Gemeinschaft" in inbox_page.text
    assert "Abmelden" in inbox_page.text  # the navigation knows the member


def test_registration_page_in_english_and_bad_address(portal):
    session = requests.Session()
    english = session.get(f"{portal.url}/registrieren?lang=en")
    assert "Request password" in english.text and 'lang="en"' in english.text
    bad = form_post(session, portal.url, "/registrieren", "/registrieren", email="kein-name")
    assert bad.status_code == 422 and "That is not a valid e-mail address." in bad.text
    assert outbox(portal) == []


def test_registering_an_existing_address_answers_alike(portal, make_user):
    user = make_user()
    answer = form_post(requests.Session(), portal.url, "/registrieren", "/registrieren",
                       email=user.email)
    assert answer.status_code == 200 and "Wir haben eine E-Mail" in answer.text
    body = outbox(portal)[0].get_content()
    assert "exists already" in body and f"{portal.url}/passwort-vergessen" in body


# -- CSRF -------------------------------------------------------------------------------

def test_every_form_refuses_a_missing_or_wrong_csrf_token(inbox):
    url = inbox.portal.url
    session = inbox.session()
    before_codes = code_count(inbox.portal)
    posts = {
        "/registrieren": {"email": "neu@example.org"},
        "/anmelden": {"email": inbox.member.email, "password": inbox.member.password},
        "/passwort": {"current_password": inbox.member.password,
                      "new_password": "ein-ganz-neues-passwort"},
        "/passwort-vergessen": {"email": inbox.member.email},
        "/passwort-neu": {"t": "1.2.3"},
        "/eingang/code": {"study_uid": inbox.ours.uid, "birth_date": "12.04.1965",
                          "weeks": "4"},
        "/eingang/codeblatt": {"code": "AAAA-BBBB-CCCC"},
        "/abmelden": {},
    }
    for action, data in posts.items():
        for token in (None, "x" * 43):
            fields = dict(data) if token is None else {**data, "csrf_token": token}
            answer = session.post(url + action, data=fields, allow_redirects=False)
            assert answer.status_code == 403, (action, answer.status_code)
            assert "Das Formular ist abgelaufen" in answer.text, action
    assert outbox(inbox.portal) == []  # no registration, no reset link
    assert code_count(inbox.portal) == before_codes  # no code
    assert session.get(f"{url}/eingang", allow_redirects=False).status_code == 200  # still in
    assert requests.post(f"{url}/api/login", json={
        "email": inbox.member.email, "password": inbox.member.password}).status_code == 200


# -- login and logout -----------------------------------------------------------------

def test_wrong_password_or_unknown_address_gets_the_plain_message(portal, make_user):
    user = make_user()
    for address, password in ((user.email, "falsch-falsch"), ("niemand@example.org", "x")):
        session = requests.Session()
        answer = web_login(session, portal.url, address, password)
        assert answer.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch." in answer.text
        assert SESSION_COOKIE not in session.cookies
        assert f'value="{address}"' in answer.text  # the address stays filled in


def test_login_rate_limit_is_the_apis(portal, make_user):
    user = make_user()
    session = requests.Session()
    for _ in range(portal.app.state.limits.login.limit):
        assert web_login(session, portal.url, user.email, "falsch").status_code == 401
    limited = web_login(session, portal.url, user.email, user.password)
    assert limited.status_code == 429 and "Zu viele Versuche" in limited.text
    assert SESSION_COOKIE not in session.cookies


def test_logout_deletes_the_token_and_clears_the_cookie(inbox):
    url = inbox.portal.url
    session = inbox.session()
    token = session.cookies[SESSION_COOKIE]
    answer = form_post(session, url, "/eingang", "/abmelden")
    assert answer.status_code == 200 and "Sie sind abgemeldet." in answer.text
    assert SESSION_COOKIE not in session.cookies
    assert requests.get(f"{url}/api/me",
                        headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # Even a kept copy of the cookie opens nothing any more.
    stale = requests.get(f"{url}/eingang", cookies={SESSION_COOKIE: token},
                         allow_redirects=False)
    assert stale.status_code == 303 and stale.headers["location"] == "/anmelden"


def test_member_pages_need_a_login(portal):
    for path in ("/eingang", "/passwort"):
        answer = requests.get(portal.url + path, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/anmelden"


# -- passwords ---------------------------------------------------------------------------

def test_password_change_rules_and_success(inbox):
    url = inbox.portal.url
    user = inbox.member
    session = inbox.session()
    wrong = form_post(session, url, "/passwort", "/passwort", current_password="falsch",
                      new_password="ein-ganz-neues-passwort")
    assert wrong.status_code == 403 and "Das bisherige Passwort stimmt nicht." in wrong.text
    short = form_post(session, url, "/passwort", "/passwort", current_password=user.password,
                      new_password="kurz")
    assert short.status_code == 422 and "zu kurz (mindestens 10 Zeichen)" in short.text
    done = form_post(session, url, "/passwort", "/passwort", current_password=user.password,
                     new_password="ein-ganz-neues-passwort")
    assert done.status_code == 200 and "Ihr Passwort wurde geändert." in done.text
    # This session lives on, the other logins (the API token) end, the new password works.
    assert session.get(f"{url}/eingang", allow_redirects=False).status_code == 200
    assert requests.get(f"{url}/api/me", headers=user.headers).status_code == 401
    assert requests.post(f"{url}/api/login", json={
        "email": user.email, "password": "ein-ganz-neues-passwort"}).status_code == 200


def test_forgotten_password_link_works_once_and_says_the_same_for_unknown_addresses(
        portal, make_user):
    url = portal.url
    user = make_user()
    unknown = form_post(requests.Session(), url, "/passwort-vergessen", "/passwort-vergessen",
                        email="niemand@example.org")
    known = form_post(requests.Session(), url, "/passwort-vergessen", "/passwort-vergessen",
                      email=user.email)
    assert unknown.status_code == known.status_code == 200
    assert "Wenn ein Konto zu niemand@example.org besteht" in unknown.text
    assert f"Wenn ein Konto zu {user.email} besteht" in known.text
    mails = outbox(portal)
    assert [m["To"] for m in mails] == [user.email]  # nothing to the unknown address
    link = re.search(r"(http\S+/passwort-neu\?t=\S+)", mails[0].get_content()).group(1)
    assert link.startswith(f"{url}/passwort-neu?t=")

    session = requests.Session()
    confirm = session.get(link)  # opening the link changes nothing yet
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "no-store"
    assert "Neues Passwort senden" in confirm.text
    assert requests.post(f"{url}/api/login", json={
        "email": user.email, "password": user.password}).status_code == 200
    token = re.search(r'name="t" value="([^"]+)"', confirm.text).group(1)
    done = session.post(f"{url}/passwort-neu", data={"t": token,
                                                     "csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 200 and "Ihr neues Passwort wurde per E-Mail gesendet." in done.text
    mails = outbox(portal)
    assert len(mails) == 2 and mails[1]["To"] == user.email
    new_password = re.search(r"Passwort: (\S+)", mails[1].get_content()).group(1)
    assert requests.post(f"{url}/api/login", json={
        "email": user.email, "password": user.password}).status_code == 401
    assert requests.post(f"{url}/api/login", json={
        "email": user.email, "password": new_password}).status_code == 200
    assert requests.get(f"{url}/api/me", headers=user.headers).status_code == 401  # logins end

    # Used once: both opening and confirming the link again fail, nothing is mailed.
    again = session.get(link)
    assert again.status_code == 410 and "ungültig oder wurde schon benutzt" in again.text
    twice = session.post(f"{url}/passwort-neu", data={"t": token,
                                                      "csrf_token": csrf_of(confirm.text)})
    assert twice.status_code == 410 and "ungültig oder wurde schon benutzt" in twice.text
    assert len(outbox(portal)) == 2


def test_forged_or_expired_reset_links_are_invalid(portal, make_user):
    user = make_user()
    with portal.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)
                              .where(users.c.id == user.id)).scalar_one()
    secret = load_secret(portal.data_dir)  # the portal's own key (created if new)
    expired = password_reset.make_token(secret, user.id, stored, int(time.time()) - 1)
    forged = password_reset.make_token(b"another portal's key" * 2, user.id, stored)
    valid = password_reset.make_token(secret, user.id, stored)
    for token in (expired, forged, "1.99999999999.abc", "nonsense"):
        answer = requests.get(f"{portal.url}/passwort-neu", params={"t": token})
        assert answer.status_code == 410 and "ungültig" in answer.text, token
    assert requests.get(f"{portal.url}/passwort-neu", params={"t": valid}).status_code == 200


# -- the inbox ---------------------------------------------------------------------------

def test_inbox_shows_the_communitys_studies_and_nothing_else(inbox):
    url = inbox.portal.url
    session = inbox.session()
    page = session.get(f"{url}/eingang")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.text
    assert "Radiologie Arad" in text and "Muster, Erika" in text and "geb. 12.04.1965" in text
    assert "CT Thorax" in text and "20.11.2026" in text  # description, study date
    assert inbox.sender.email in text and "Bitte um Befundung" in text
    assert "Nicht importiert" in text
    assert "Fremd" not in text and "MR Knie" not in text and "Praxis Brad" not in text
    assert inbox.theirs.uid not in text

    doc = re.search(r'href="(/api/studies/[^"]+/documents/\d+)"[^>]*>Befund.pdf<', text)
    assert doc, "attached PDFs are linked"
    pdf = session.get(url + doc.group(1))
    assert pdf.status_code == 200 and pdf.content == inbox.ours.documents["Befund.pdf"]
    viewers = re.findall(r'href="(/viewer/[^"]+)"', text)
    assert len(viewers) == 2 and all(v.startswith(f"/viewer/{inbox.ours.uid}/") for v in viewers)
    viewer = session.get(url + viewers[0])
    assert viewer.status_code == 200 and "Zurück" in viewer.text
    thumbs = re.findall(r'<img src="([^"]+/thumbnail[^"]*)"', text)
    assert len(thumbs) == 2
    image = session.get(url + thumbs[0].replace("&amp;", "&"))
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    # Another community's study: neither in the viewer nor as a document.
    other_series = next(iter(inbox.theirs.series))
    assert session.get(f"{url}/viewer/{inbox.theirs.uid}/{other_series}").status_code == 404

    requests.post(f"{url}/api/communities/Arad/inbox/{inbox.ours.uid}/imported",
                  headers=inbox.member.headers).raise_for_status()
    assert "Nicht importiert" not in session.get(f"{url}/eingang").text


def test_outsider_sees_only_their_own_community(inbox):
    page = inbox.session(inbox.outsider).get(f"{inbox.portal.url}/eingang").text
    assert "Fremd, Otto" in page and "Muster" not in page and inbox.ours.uid not in page


# -- access codes and the code sheet ---------------------------------------------------

def create_code(session, url, study_uid, birth_date="12.04.1965", weeks="6"):
    return form_post(session, url, "/eingang", "/eingang/code", study_uid=study_uid,
                     birth_date=birth_date, weeks=weeks)


def test_member_of_the_receiving_community_creates_a_code_and_its_sheet(inbox):
    url = inbox.portal.url
    session = inbox.session()  # a member who did NOT send the study
    created = create_code(session, url, inbox.ours.uid)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    assert "Zugangscode erstellt" in created.text and "Codeblatt (PDF)" in created.text
    code = re.search(r'id="created-code">([A-Z0-9-]{14})<', created.text).group(1)
    assert not re.search(rf'(href|action|src)="[^"]*{code}', created.text)  # never in a URL
    assert not re.search(rf'(href|action|src)="[^"]*{code.replace("-", "")}', created.text)
    assert "Gültig bis" in created.text

    redeemed = requests.post(f"{url}/api/codes/redeem",
                             json={"code": code, "birth_date": "1965-04-12"})
    assert redeemed.status_code == 200
    expires = date.fromisoformat(redeemed.json()["code_expires"][:10])
    today = datetime.now(timezone.utc).date()
    assert expires - today == timedelta(weeks=6)
    listing = requests.get(f"{url}/api/codes/studies",
                           headers={"Authorization": f"Bearer {redeemed.json()['token']}"})
    assert [s["study_instance_uid"] for s in listing.json()["studies"]] == [inbox.ours.uid]

    sheet = session.post(f"{url}/eingang/codeblatt",
                         data={"code": code, "csrf_token": csrf_of(created.text)})
    assert sheet.status_code == 200 and sheet.content[:4] == b"%PDF"
    assert sheet.headers["content-type"] == "application/pdf"
    assert sheet.headers["Cache-Control"] == "no-store"
    assert code not in sheet.headers["content-disposition"]
    assert code.replace("-", "") not in sheet.headers["content-disposition"]
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(sheet.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert code in text and "Zugangscode" in text and "Access code" in text
    assert "Gültig bis" in text and "Valid until" in text and "CT Thorax" in text
    assert "Muster" not in text and "1965" not in text  # no patient name, no birth date
    import zxingcpp
    from PIL import Image
    images = reader.pages[0].images
    assert images, "the sheet has the QR code"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)).convert("L"))
    assert [b.text for b in found] == [f"{url}/c/{code.replace('-', '')}"]


def test_codes_for_another_communitys_study_are_refused(inbox):
    url = inbox.portal.url
    before = code_count(inbox.portal)
    refused = create_code(inbox.session(), url, inbox.theirs.uid)
    assert refused.status_code == 404 and "Nicht gefunden" in refused.text
    unknown = create_code(inbox.session(), url, "1.2.3.4.5.6")
    assert unknown.status_code == 404
    assert code_count(inbox.portal) == before
    # The API keeps its own rule: codes only for studies the caller sent.
    api = requests.post(f"{url}/api/codes", headers=inbox.member.headers, json={
        "study_uids": [inbox.ours.uid], "birth_date": "1965-04-12"})
    assert api.status_code == 404
    api_sender = requests.post(f"{url}/api/codes", headers=inbox.sender.headers, json={
        "study_uids": [inbox.ours.uid], "birth_date": "1965-04-12"})
    assert api_sender.status_code == 201


def test_code_form_checks_birth_date_and_weeks(inbox):
    url = inbox.portal.url
    session = inbox.session()
    bad_date = create_code(session, url, inbox.ours.uid, birth_date="31.02.1965")
    assert bad_date.status_code == 422 and "Das Geburtsdatum ist ungültig." in bad_date.text
    for weeks in ("3", "13", "zwölf"):
        bad_weeks = create_code(session, url, inbox.ours.uid, weeks=weeks)
        assert bad_weeks.status_code == 422 and "4 bis 12 Wochen" in bad_weeks.text
    assert bad_date.headers["Cache-Control"] == "no-store"


def test_code_sheet_is_for_the_codes_creator_only(inbox):
    url = inbox.portal.url
    created = create_code(inbox.session(), url, inbox.ours.uid)
    code = re.search(r'id="created-code">([A-Z0-9-]{14})<', created.text).group(1)
    colleague = inbox.session(inbox.sender)  # same community, did not create it
    for value in (code, "AAAA-BBBB-CCCC", ""):
        answer = form_post(colleague, url, "/eingang", "/eingang/codeblatt", code=value)
        assert answer.status_code == 404, value
        assert "nicht von Ihnen erstellt" in answer.text
        assert not answer.content.startswith(b"%PDF")
    # Without a login: to the login page, no PDF.
    anonymous = requests.Session()
    answer = form_post(anonymous, url, "/anmelden", "/eingang/codeblatt", code=code)
    assert answer.status_code == 303 and answer.headers["location"] == "/anmelden"


def test_account_pages_have_no_inline_code(inbox):
    session = inbox.session()
    url = inbox.portal.url
    created = create_code(session, url, inbox.ours.uid)
    pages = [session.get(url + p).text for p in ("/eingang", "/passwort")]
    pages += [requests.get(url + p).text for p in ("/registrieren", "/anmelden",
                                                   "/passwort-vergessen")]
    pages.append(created.text)
    for html in pages:
        assert "<script>" not in html and "style=" not in html and "<style" not in html
        assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no event handler attributes
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S):
            assert 'name="csrf_token"' in form
