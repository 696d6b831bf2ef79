"""Downloadmanager: move DICOM studies between practices and hospitals without CDs."""

__version__ = "0.1.0"
