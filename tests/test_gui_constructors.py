"""The window's widgets are built in small named builder methods, not in long constructors."""

from __future__ import annotations

import ast
from pathlib import Path

GUI = Path(__file__).resolve().parents[1] / "downloadmanager" / "gui"
MAX_LINES = 40


def test_no_constructor_in_gui_is_longer_than_40_lines():
    too_long = []
    for path in sorted(GUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "__init__":
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    too_long.append(f"{path.relative_to(GUI)}:{node.lineno} ({lines} lines)")
    assert not too_long, ("split these constructors into _build_...() methods: " + ", ".join(too_long))
