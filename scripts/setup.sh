#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Downloadmanager: system packages,
# a virtual environment in .venv with the client, the portal and the test
# tools, and the npm peers used by the tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  python3 python3-venv python3-pip
  # Qt offscreen and in a real X window (see shared PITFALLS)
  libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libdbus-1-3
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
  # DICOM peers and validators for the tests
  dcmtk dicom3tools orthanc
  # certificates for the DICOM TLS test (storescp +tls)
  openssl
  # The portal's PostgreSQL backend is tested against a real server
  postgresql
  # third-party tus peers (tus-js-client, @tus/server) run on Node.js
  curl iproute2
  # PDF receipts and code sheets: a Unicode font; tests render pages with pdftoppm
  fonts-dejavu-core poppler-utils
  # the web pages are tested in a real headless browser (selenium)
  chromium chromium-driver
  # Packaging (scripts/build-dist.sh, tests/packaging): .deb checks, the installed window
  # under Xvfb (xwininfo), a real Secret Service for the installed self-test, the Windows
  # installer (makensis) and its check under wine (--check-windows)
  patchelf lintian desktop-file-utils appstream x11-utils gnome-keyring dbus-daemon nsis wine64 wine
)
if ! command -v node >/dev/null 2>&1; then APT_PACKAGES+=(nodejs npm); fi

if [ "${SKIP_APT:-0}" != "1" ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[portal,test,build]'

# The window's translations: compile the Qt Linguist sources (.ts) into .qm.
for ts in resources/translations/*.ts; do
  [ -e "$ts" ] || continue
  .venv/bin/pyside6-lrelease -silent "$ts" -qm "${ts%.ts}.qm"
done

if [ -f tests/node/package.json ]; then
  (cd tests/node && npm ci --silent --no-audit --no-fund)
fi
echo "setup: ok"
