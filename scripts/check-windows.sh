#!/usr/bin/env bash
# Install dist/Downloadmanager-<version>-setup.exe under wine and run it (see
# installer/windows/check_under_wine.py and docs/packaging.md). Usage:
#   scripts/check-windows.sh [dist/Downloadmanager-X-setup.exe] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP=${1:-$(ls -t dist/Downloadmanager-*-setup.exe | head -n 1)}
shift || true
exec .venv/bin/python installer/windows/check_under_wine.py "$SETUP" "$@"
