#!/usr/bin/env bash
# Run the program on demo data (after scripts/setup.sh): the window on a demo
# portal started in the same process, logged in, with a demo CD already read
# and a shared study to receive by access code. Nothing real is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/downloadmanager demo "$@"
