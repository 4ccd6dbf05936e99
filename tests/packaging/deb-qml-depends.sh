#!/bin/sh
# Every QML module the app imports (qmlimportscanner over qml/) must come from a package the .deb declares:
# dpkg-shlibdeps cannot see QML imports, so packaging/CMakeLists.txt lists them by hand.
# Usage: deb-qml-depends.sh QML_SOURCE_DIR "pkg1;pkg2;..."
set -eu
sources=$1
declared=$(printf '%s' "$2" | tr ';' '\n')
libexec=$(qtpaths6 --query QT_INSTALL_LIBEXECS)
qml=$(qtpaths6 --query QT_INSTALL_QML)
missing=0
checked=0
for dir in $("$libexec/qmlimportscanner" -rootPath "$sources" -importPath "$qml" |
             sed -n 's/^ *"path": "\(.*\)",*$/\1/p' | sort -u); do
    [ -f "$dir/qmldir" ] || continue
    pkg=$(dpkg -S "$dir/qmldir" 2>/dev/null | cut -d: -f1) || true
    if [ -z "$pkg" ]; then
        echo "FAIL: no installed package owns $dir/qmldir" >&2; missing=1; continue
    fi
    checked=$((checked + 1))
    if ! printf '%s\n' "$declared" | grep -qx "$pkg"; then
        echo "FAIL: the app imports $dir (package $pkg), which packaging/CMakeLists.txt does not declare in HEARTH_DEB_RUNTIME_DEPENDS" >&2
        missing=1
    fi
done
[ "$checked" -gt 0 ] || { echo "FAIL: qmlimportscanner found no modules in $sources" >&2; exit 1; }
echo "$checked imported QML modules, all provided by declared packages"
exit $missing
