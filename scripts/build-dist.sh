#!/usr/bin/env bash
# Build everything users install, into dist/ (after scripts/setup.sh):
#   dist/downloadmanager-<version>-linux-x86_64/      the Linux one-folder bundle (PyInstaller, build_spec.spec)
#   dist/downloadmanager-<version>-linux-x86_64.tar.gz
#   dist/downloadmanager_<version>_amd64.deb          Debian/Ubuntu package of that bundle (lintian-checked)
#   dist/Downloadmanager-<version>-setup.exe          Windows installer (NSIS, embedded CPython layout)
#
# Usage: scripts/build-dist.sh [--linux] [--windows] [--check-windows]
#   --linux / --windows  build only that platform (default: both)
#   --check-windows      then install the Windows installer under wine and run it
#                        (scripts/check-windows.sh; see docs/packaging.md)
# See docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python

LINUX=0; WINDOWS=0; CHECK_WINDOWS=0
for arg in "$@"; do
  case "$arg" in
    --linux) LINUX=1 ;;
    --windows) WINDOWS=1 ;;
    --check-windows) CHECK_WINDOWS=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build-dist: unknown option $arg" >&2; exit 2 ;;
  esac
done
if [ "$LINUX$WINDOWS" = "00" ]; then LINUX=1; WINDOWS=1; fi

VERSION=$("$PY" -c 'import re,pathlib; print(re.search(r"^__version__ = \"([^\"]+)\"", pathlib.Path("downloadmanager/__init__.py").read_text(), re.M).group(1))')
mkdir -p dist build
echo "build-dist: Downloadmanager $VERSION"

# The window's translations (.qm) are build products of the .ts sources.
for ts in resources/translations/*.ts; do
  .venv/bin/pyside6-lrelease -silent "$ts" -qm "${ts%.ts}.qm"
done

build_linux_bundle() {
  if ! .venv/bin/python -c 'import PyInstaller' 2>/dev/null; then
    .venv/bin/python -m pip install -q -e '.[build]'
  fi
  .venv/bin/pyinstaller --noconfirm --log-level WARN --distpath build/pyinstaller/dist \
    --workpath build/pyinstaller/work build_spec.spec
  BUNDLE=dist/downloadmanager-$VERSION-linux-x86_64
  rm -rf "$BUNDLE"
  cp -a build/pyinstaller/dist/downloadmanager "$BUNDLE"
  # A RUNPATH pointing into the build machine (a pyenv Python's lib folder) is
  # dropped: the bundle's own libraries are found through $ORIGIN or are loaded already.
  # Debian ships stripped objects, but not the wheels' auditwheel-repaired libraries
  # (*.libs/ and whatever links to them): strip breaks those ("ELF load command
  # address/offset not page-aligned" from numpy's OpenBLAS).
  while IFS= read -r -d '' elf; do
    rpath=$(patchelf --print-rpath "$elf" 2>/dev/null || true)
    if [ -n "$rpath" ] && [[ "$rpath" != *'$ORIGIN'* ]]; then patchelf --remove-rpath "$elf"; rpath=""; fi
    if [[ "$elf" != *.libs/* && "$rpath" != *.libs* && "$elf" == *.so* ]]; then strip --strip-unneeded "$elf"; fi
  done < <(find "$BUNDLE" -type f \( -name '*.so*' -o -name downloadmanager -o -name downloadmanager-gui \) -print0)
  tar -C dist -czf "$BUNDLE.tar.gz" "$(basename "$BUNDLE")"
  echo "build-dist: $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
}

build_deb() {
  local root=build/deb/root deb=dist/downloadmanager_${VERSION}_amd64.deb
  rm -rf build/deb && mkdir -p "$root/DEBIAN" "$root/usr/lib" "$root/usr/bin"
  cp -a "dist/downloadmanager-$VERSION-linux-x86_64" "$root/usr/lib/downloadmanager"
  ln -s ../lib/downloadmanager/downloadmanager "$root/usr/bin/downloadmanager"
  ln -s ../lib/downloadmanager/downloadmanager-gui "$root/usr/bin/downloadmanager-gui"
  install -D -m 644 installer/linux/downloadmanager.desktop "$root/usr/share/applications/downloadmanager.desktop"
  for size in 16 24 32 48 64 128 256 512; do
    install -D -m 644 "resources/icons/downloadmanager-$size.png" \
      "$root/usr/share/icons/hicolor/${size}x${size}/apps/downloadmanager.png"
  done
  install -D -m 644 resources/icons/downloadmanager.svg "$root/usr/share/icons/hicolor/scalable/apps/downloadmanager.svg"
  install -d "$root/usr/share/metainfo"
  sed -e "s/@VERSION@/$VERSION/" -e "s/@DATE@/$(date -u +%Y-%m-%d)/" \
    installer/linux/de.downloadmanager.Downloadmanager.metainfo.xml \
    > "$root/usr/share/metainfo/de.downloadmanager.Downloadmanager.metainfo.xml"
  install -D -m 644 installer/linux/copyright "$root/usr/share/doc/downloadmanager/copyright"
  printf 'downloadmanager (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- Downloadmanager contributors <downloadmanager@users.noreply.github.com>  %s\n' \
    "$VERSION" "$VERSION" "$(date -u -R)" | gzip -9n > "$root/usr/share/doc/downloadmanager/changelog.gz"
  chmod 644 "$root/usr/share/doc/downloadmanager/changelog.gz"
  install -D -m 644 installer/linux/lintian-overrides "$root/usr/share/lintian/overrides/downloadmanager"
  # PyInstaller leaves data files executable here and there; libraries and programs keep x.
  find "$root/usr" -type d -exec chmod 755 {} +
  find "$root/usr/lib/downloadmanager" -type f ! -name '*.so*' ! -name downloadmanager ! -name downloadmanager-gui -exec chmod 644 {} +
  find "$root/usr/lib/downloadmanager" -type f -name '*.so*' -exec chmod 644 {} +
  local installed_kb
  installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  cat > "$root/DEBIAN/control" <<EOF
Package: downloadmanager
Version: $VERSION
Section: science
Priority: optional
Architecture: amd64
Maintainer: Downloadmanager contributors <downloadmanager@users.noreply.github.com>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.34), libgl1, libegl1, libfontconfig1, libfreetype6, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libxcb1
Recommends: gnome-keyring | kwalletmanager, fonts-dejavu-core
Homepage: https://github.com/downloadmanager/downloadmanager
Description: move DICOM image studies between practices and hospitals without CDs
 Downloadmanager reads a patient CD, folder or ZIP, uploads the studies
 resumably to a portal and downloads studies by access code. It includes the
 command line "downloadmanager" and the window "downloadmanager-gui"; the
 "downloadmanager:" links of the portal open the window.
EOF
  dpkg-deb --root-owner-group -Zxz --threads-max=2 --build "$root" "$deb" >/dev/null
  echo "build-dist: $deb ($(du -h "$deb" | cut -f1))"
  if command -v lintian >/dev/null 2>&1; then
    # Errors fail the build; warnings are listed (docs/packaging.md says which remain and why).
    lintian --fail-on error --tag-display-limit 0 "$deb" | sed 's/^/lintian: /' || { echo "build-dist: lintian found errors" >&2; exit 1; }
  fi
}

if [ "$LINUX" = 1 ]; then
  build_linux_bundle
  build_deb
fi
if [ "$WINDOWS" = 1 ]; then
  "$PY" installer/windows/build_layout.py --version "$VERSION" --out build/windows
  makensis -V2 -DVERSION="$VERSION" -DLAYOUT="$ROOT/build/windows/layout" \
    -DOUTFILE="$ROOT/dist/Downloadmanager-$VERSION-setup.exe" installer/windows/downloadmanager.nsi
  echo "build-dist: dist/Downloadmanager-$VERSION-setup.exe ($(du -h "dist/Downloadmanager-$VERSION-setup.exe" | cut -f1))"
fi
if [ "$CHECK_WINDOWS" = 1 ]; then
  ./scripts/check-windows.sh "dist/Downloadmanager-$VERSION-setup.exe"
fi
echo "build-dist: ok"
