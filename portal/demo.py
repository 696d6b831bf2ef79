"""Demo data: two communities and a practice account to try the program with."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from portal.accounts import add_membership, create_user, set_password, user_id_for_email
from portal.communities import community_by_code, create_community
from portal.passwords import generate_password

DEMO_COMMUNITIES = (
    ("Radiologie Klinikum Saarbrücken", "bM1X"),
    ("Praxis für Orthopädie Dr. Weiß, Homburg", "Hq7o"),
)
DEMO_EMAIL = "praxis@demo.downloadmanager.invalid"


def seed_demo(engine: Engine) -> dict:
    """Create (or refresh) the demo data; returns the demo login.

    Safe to run again: existing communities stay, the demo account gets a
    new password (printed, since the old one cannot be recovered).
    """
    for name, code in DEMO_COMMUNITIES:
        if community_by_code(engine, code) is None:
            create_community(engine, name, code)
    password = generate_password()
    user_id = user_id_for_email(engine, DEMO_EMAIL)
    if user_id is None:
        user_id, _ = create_user(engine, DEMO_EMAIL, password)
    else:
        set_password(engine, user_id, password)
    # The practice receives answers in its own community.
    add_membership(engine, user_id, DEMO_COMMUNITIES[1][1])
    return {"email": DEMO_EMAIL, "password": password, "community": DEMO_COMMUNITIES[0][1]}
