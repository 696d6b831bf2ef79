"""The sections of the Settings page, one module each (assembled by ``gui/settings_page.py``)."""
