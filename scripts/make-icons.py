#!/usr/bin/env python3
"""Generate the application icon: ``resources/icons/downloadmanager.svg`` is the
source, drawn here in code; PNGs in the sizes desktops and installers use and a
Windows ``.ico`` are rendered from it (Qt's SVG renderer, Pillow for the .ico).

The picture: a disc (the CD the program replaces) with an arrow leaving it
downwards into a tray, on a blue rounded square. Run it again after changing
the drawing; the generated files are committed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#2b7de9"/>
      <stop offset="1" stop-color="#0d4ea6"/>
    </linearGradient>
    <linearGradient id="disc" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#ffffff"/>
      <stop offset="1" stop-color="#cfe2fb"/>
    </linearGradient>
  </defs>
  <rect x="8" y="8" width="240" height="240" rx="52" fill="url(#bg)"/>
  <circle cx="128" cy="92" r="66" fill="url(#disc)"/>
  <circle cx="128" cy="92" r="44" fill="none" stroke="#9cc3f5" stroke-width="4"/>
  <circle cx="128" cy="92" r="16" fill="#1a63c7"/>
  <path d="M111 136 h34 v38 h28 l-45 42 l-45 -42 h28 z" fill="#ffffff" stroke="#0d4ea6"
        stroke-width="8" stroke-linejoin="round" paint-order="stroke"/>
  <rect x="52" y="214" width="152" height="14" rx="7" fill="#ffffff"/>
</svg>
"""


def render_png(svg: bytes, size: int) -> bytes:
    """SVG rendered at SIZE x SIZE pixels as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("icon SVG does not parse")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def main() -> int:
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1] + ["-platform", "offscreen"])
    OUT.mkdir(parents=True, exist_ok=True)
    svg = SVG.encode()
    (OUT / "downloadmanager.svg").write_bytes(svg)
    images = {}
    for size in PNG_SIZES:
        data = render_png(svg, size)
        (OUT / f"downloadmanager-{size}.png").write_bytes(data)
        images[size] = Image.open(io.BytesIO(data)).convert("RGBA")
    # Each .ico size rendered from the vector, not scaled down from the largest.
    largest = images[max(ICO_SIZES)]
    largest.save(OUT / "downloadmanager.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    del app
    print(f"wrote {len(PNG_SIZES)} PNGs, downloadmanager.svg and downloadmanager.ico to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
