#!/usr/bin/env bash
# Builds Hearth-<version>-x86_64.AppImage from a configured build tree, inside the build environment:
#   scripts/hearth exec packaging/appimage/build-appimage.sh build/release [OUTPUT_DIR]
# (or the CMake target: cmake --build build/release --target appimage). OUTPUT_DIR defaults to BUILD_DIR.
# Steps: build the app and the runtime, cmake --install into an AppDir, bundle its dependencies (bundle.py),
# add AppRun, desktop file and icon, pack the AppDir with mksquashfs (zstd) and prepend the runtime.
set -euo pipefail

die() { printf 'build-appimage: %s\n' "$*" >&2; exit 1; }
build=1
if [ "${1:-}" = --no-build ]; then # the CMake target has built everything already
    build=0
    shift
fi
[ $# -ge 1 ] || die "usage: $0 [--no-build] BUILD_DIR [OUTPUT_DIR]"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SRC=$(cd "$HERE/../.." && pwd -P)
BUILD=$(cd "$1" && pwd -P) || die "no build directory $1"
OUT=$(mkdir -p "${2:-$BUILD}" && cd "${2:-$BUILD}" && pwd -P)
[ -f "$BUILD/CMakeCache.txt" ] || die "$BUILD is not a configured CMake build tree"
command -v mksquashfs >/dev/null || die "mksquashfs is missing (apt install squashfs-tools)"

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
arch=$(uname -m)
target="$OUT/Hearth-$version-$arch.AppImage"

[ $build = 0 ] || cmake --build "$BUILD" --target hearth hearth-cli hearth-appimage-runtime

appdir="$BUILD/appimage/AppDir"
rm -rf "$appdir"
mkdir -p "$appdir"
cmake --install "$BUILD" --prefix "$appdir/usr" >/dev/null
# Development files have no place in an application bundle.
rm -rf "$appdir/usr/include" "$appdir/usr/lib/cmake" "$appdir/usr/lib/"*/cmake

python3 "$HERE/bundle.py" "$appdir" --qml-sources "$SRC/qml"

install -m 755 "$HERE/AppRun" "$appdir/AppRun"
desktop=$(find "$appdir/usr/share/applications" -name '*.desktop' | head -n1)
[ -n "$desktop" ] || die "cmake --install put no desktop file into $appdir/usr/share/applications"
cp "$desktop" "$appdir/"
icon=$(sed -n 's/^Icon=//p' "$desktop")
svg=$(find "$appdir/usr/share/icons/hicolor" -name "$icon.svg" | head -n1)
[ -n "$svg" ] || die "the icon $icon named by $desktop was not installed"
cp "$svg" "$appdir/$icon.svg"
ln -sf "$icon.svg" "$appdir/.DirIcon"

image="$BUILD/appimage/image.sqfs"
rm -f "$image"
# -b 1M: larger blocks compress the libraries better; level 15 keeps packing fast enough for CI.
mksquashfs "$appdir" "$image" -comp zstd -Xcompression-level 15 -b 1M -root-owned -noappend -quiet -no-progress
cat "$BUILD/bin/hearth-appimage-runtime" "$image" > "$target.partial"
chmod 755 "$target.partial"
mv "$target.partial" "$target"
rm -f "$image"
printf 'build-appimage: %s (%s MB)\n' "$target" "$(( $(stat -c %s "$target") / 1048576 ))"
