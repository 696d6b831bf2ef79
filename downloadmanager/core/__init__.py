"""Qt-free engine of Downloadmanager: scanning, uploads, downloads, PACS.

Nothing in this package may import Qt (checked by ``tests/test_architecture.py``),
so the command line, the GUI and the tests all drive the same code.
"""
