"""Qt user interface. The only package of the client that imports PySide6."""
