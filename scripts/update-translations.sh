#!/usr/bin/env bash
# After changing texts in downloadmanager/gui: collect them into the Qt Linguist
# sources (existing translations are kept), then translate the new entries
# (marked "unfinished") with pyside6-linguist or any editor, and build the
# .qm files again with scripts/setup.sh (or pyside6-lrelease).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t SOURCES < <(find downloadmanager/gui -name '*.py' | sort)
for ts in resources/translations/downloadmanager_*.ts; do
  lang=$(basename "$ts" .ts); lang=${lang#downloadmanager_}
  .venv/bin/pyside6-lupdate "${SOURCES[@]}" -ts "$ts" -no-obsolete -locations none \
    -source-language en -target-language "$lang"
done
