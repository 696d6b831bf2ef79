#!/usr/bin/env bash
# Screenshots of every page of the window in German and English, taken on a
# virtual X display (Xvfb, installed by scripts/setup.sh) from a generated
# demo CD. Writes docs/screenshots/<page>-<de|en>.png.
set -euo pipefail
cd "$(dirname "$0")/.."
for ts in resources/translations/*.ts; do
  .venv/bin/pyside6-lrelease -silent "$ts" -qm "${ts%.ts}.qm"
done
unset QT_QPA_PLATFORM  # a real X window, not the offscreen platform
exec xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py "$@"
