"""The Downloadmanager portal: a self-hostable server for accounts, communities,
verified tus uploads, access codes, DICOMweb downloads and retention.

It never imports the desktop client (checked by ``tests/test_architecture.py``).
"""

__version__ = "0.1.0"
