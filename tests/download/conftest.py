"""Download tests use the real portal fixtures."""

from tests.portal.conftest import make_user, portal, portal_factory  # noqa: F401
