#!/bin/sh
# Every QML module the app imports (qmlimportscanner over qml/) must come from a package the .deb declares:
# dpkg-shlibdeps cannot see QML imports, so packaging/CMakeLists.txt lists them by hand.
# Usage: deb-qml-depends.sh QML_SOURCE_DIR "pkg1;pkg2;..."
set -eu
sources=$1
declared=$(printf '%s' "$2" | tr ';' '\n')
libexec=$(qtpaths6 --query QT_INSTALL_LIBEXECS)
qml=$(qtpaths6 --query QT_INSTALL_QML)
qmldirs=$("$libexec/qmlimportscanner" -rootPath "$sources" -importPath "$qml" |
          sed -n 's/^ *"path": "\(.*\)",*$/\1\/qmldir/p' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ -n "$qmldirs" ] || { echo "FAIL: qmlimportscanner found no installed modules imported in $sources" >&2; exit 1; }
# One dpkg query for all of them: "package: path" per line.
owners=$(dpkg -S $qmldirs 2>&1) || { echo "FAIL: some imported modules belong to no package: $owners" >&2; exit 1; }
missing=0
echo "$owners" | while IFS= read -r line; do
    pkg=${line%%:*}
    if ! printf '%s\n' "$declared" | grep -qx "$pkg"; then
        echo "FAIL: the app imports ${line##* } (package $pkg), which HEARTH_DEB_RUNTIME_DEPENDS in packaging/CMakeLists.txt does not declare" >&2
        exit 1
    fi
done || missing=1
[ $missing = 0 ] && echo "$(echo "$owners" | wc -l) imported QML modules, all provided by declared packages"
exit $missing
