"""DICOM code that the program and the portal share (neither imports the other).

Only pure functions over bytes and plain values live here: no settings, no
database, no Qt. Both ``downloadmanager`` and ``portal`` may import it; it
imports neither (checked by import-linter, see pyproject.toml).
"""
