#!/usr/bin/env bash
# Run the program on demo data (after scripts/setup.sh): for now, scan the
# sample CD with a DICOMDIR that ships with pydicom and print what was found.
set -euo pipefail
cd "$(dirname "$0")/.."
SAMPLE=$(.venv/bin/python -c 'import os, pydicom.data; print(os.path.dirname(pydicom.data.get_testdata_file("DICOMDIR")))')
exec .venv/bin/downloadmanager scan "$SAMPLE" "$@"
