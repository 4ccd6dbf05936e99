#!/usr/bin/env bash
# End-to-end tests of the Linux packages, run on the host as root (CI: .ci/run; by hand:
#   packaging/test/package-tests.sh [appimage|deb|all|root] [BUILD_DIR]      default: all build/release;
#   "root" only prepares the cached clean root).
#
# Both packages are built inside the build environment (scripts/hearth exec), then tested in a CLEAN
# Debian 13 root made with `mmdebstrap --variant=minbase` (no Qt, no KDE, no X11, no fonts), cached under
# ~/.cache/hearth keyed by its package list like scripts/hearth's build root. Each test runs in a throwaway
# overlay on top of the cached root, so the cache stays clean:
#   appimage: the AppImage alone (no package added) runs hearth-cli on stories260K.gguf (greedy tokens checked
#             against ../shared/reference) and renders the main window with the model loaded offscreen
#             (screenshot); its size and start-up times (median of 5) are printed.
#   deb:      apt installs ./hearth_*.deb from the Debian mirror (dependencies resolved from the package's
#             Depends), then the same checks with the installed /usr/bin/hearth. Downloaded .debs and apt
#             lists are cached, so repeated runs fetch nothing.
# Results (screenshots, logs, timings) go to BUILD_DIR/package-tests/. HEARTH_PACKAGE_REUSE=1 tests the packages
# of the previous run again instead of rebuilding them.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
WHAT=${1:-all}
BUILD=${2:-$SRC/build/release}
case "$BUILD" in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
CACHE_DIR="${HEARTH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth}"
SHARED_DIR=$(cd "${HEARTH_SHARED_DIR:-$SRC/../shared}" 2>/dev/null && pwd -P) || SHARED_DIR=""
MODEL="$SHARED_DIR/models/stories260K.gguf"
REFERENCE="$SHARED_DIR/reference/stories260K-llamacpp.json"
RESULTS="$BUILD/package-tests"
# The clean root: minbase plus nothing. Changing this list (or the suite) makes a new cached root.
CLEAN_SUITE=trixie
CLEAN_PACKAGES=""

die() { printf 'package-tests: FAIL: %s\n' "$*" >&2; exit 1; }
say() { printf 'package-tests: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot, mounts), like scripts/hearth's build root"
case "$WHAT" in appimage|deb|all|root) ;; *) die "usage: $0 [appimage|deb|all|root] [BUILD_DIR]" ;; esac
[ -f "$BUILD/CMakeCache.txt" ] || die "$BUILD is not a configured build tree (run scripts/hearth build first)"
if [ ! -f "$MODEL" ]; then # a clone without ../shared: skip, like the tests that need it
    say "SKIP: the model $MODEL is missing (set HEARTH_SHARED_DIR to the shared test data)"
    exit 0
fi
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (apt-get install mmdebstrap)"
mkdir -p "$RESULTS" "$CACHE_DIR"

clean_root() {
    local key dir
    key=$(printf '%s minbase %s v1' "$CLEAN_SUITE" "$CLEAN_PACKAGES" | sha256sum | cut -c1-12)
    dir="$CACHE_DIR/clean-$CLEAN_SUITE-minbase-$key"
    if [ ! -f "$dir/.hearth-complete" ]; then
        exec 8>"$CACHE_DIR/.clean-lock"
        flock 8
        if [ ! -f "$dir/.hearth-complete" ]; then
            say "creating the clean $CLEAN_SUITE minbase root in $dir (once, about a minute)"
            rm -rf "$dir.partial"
            mmdebstrap --variant=minbase ${CLEAN_PACKAGES:+--include="$CLEAN_PACKAGES"} "$CLEAN_SUITE" "$dir.partial" \
                >"$CACHE_DIR/clean-mmdebstrap.log" 2>&1 || { tail -n 20 "$CACHE_DIR/clean-mmdebstrap.log" >&2; die "mmdebstrap failed"; }
            touch "$dir.partial/.hearth-complete"
            mv "$dir.partial" "$dir"
            find "$CACHE_DIR" -maxdepth 1 -name "clean-$CLEAN_SUITE-minbase-*" ! -path "$dir" -exec rm -rf {} + 2>/dev/null || true
        fi
        exec 8>&-
    fi
    echo "$dir"
}

# in_clean_root SETUP_SCRIPT: runs bash -c SETUP_SCRIPT in an overlay of the clean root, with /work (files to
# test, read-only), /out (results) and, for apt, persistent caches bound in. No network namespace: apt needs it.
in_clean_root() {
    local lower=$1 script=$2 work=$3
    local scratch
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/hearth-clean.XXXXXX")
    mkdir -p "$scratch"/{upper,work,merged} "$CACHE_DIR/clean-apt/archives/partial" "$CACHE_DIR/clean-apt/lists/partial"
    local rc=0
    unshare --mount --propagation private -- /bin/bash -euc '
        lower=$1 scratch=$2 work=$3 out=$4 apt=$5 script=$6
        root=$scratch/merged
        mount -t overlay overlay -o "lowerdir=$lower,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
        mount --rbind /proc "$root/proc"; mount --rbind /dev "$root/dev"; mount --rbind /sys "$root/sys"
        mkdir -p "$root/work" "$root/out"
        mount --bind "$work" "$root/work"; mount -o remount,bind,ro "$root/work"
        mount --bind "$out" "$root/out"
        mount --bind "$apt/archives" "$root/var/cache/apt/archives"
        mount --bind "$apt/lists" "$root/var/lib/apt/lists"
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TMPDIR=/tmp \
            /bin/bash -euo pipefail -c "$script"
    ' clean "$lower" "$scratch" "$work" "$RESULTS" "$CACHE_DIR/clean-apt" "$script" || rc=$?
    rm -rf "$scratch"
    return $rc
}

# Shell code run inside the clean root: checks the model output and the window. $1 = how to call hearth-cli,
# $2 = how to call hearth, $3 = name for the screenshot.
checks() {
    cat <<EOF
python_free_compare() { # greedy ids from --json vs the reference's first 16 (no python in minbase)
    tr -d ' \n' < "\$1" | sed -n 's/.*"tokens":\[\([0-9,]*\)\].*/\1/p'
}
if ls /usr/lib/x86_64-linux-gnu/libQt6Core.so* >/dev/null 2>&1 && [ "$3" = appimage ]; then
    echo "the clean root has Qt installed" >&2; exit 1
fi
$1 run -m /work/stories260K.gguf -p "Once upon a time" -n 16 --temp 0 --json > /out/$3-run.json
got=\$(python_free_compare /out/$3-run.json)
[ "\$got" = "$(reference_ids)" ] || { echo "hearth-cli run gave \$got, the reference is $(reference_ids)" >&2; exit 1; }
echo "$3: hearth-cli run: 16 greedy tokens match the reference"
rm -f /out/$3-window.png
QT_QPA_PLATFORM=offscreen $2 --model /work/stories260K.gguf --screenshot /out/$3-window.png 2> /out/$3-window.log
cat /out/$3-window.log
[ -s /out/$3-window.png ] || { echo "no screenshot" >&2; exit 1; }
! grep -E "QML|qrc:|file:|Cannot|cannot|failed|not installed|module .* is not" /out/$3-window.log >&2 ||
    { echo "the window start printed warnings (above)" >&2; exit 1; }
echo "$3: window rendered with the model: /out/$3-window.png"
# A chat in the window, when the app has the scripted-test hook (hearth --test-script).
if QT_QPA_PLATFORM=offscreen $2 --help 2>/dev/null | grep -q -- --test-script; then
    printf 'load /work/stories260K.gguf\nnew\nsend Once upon a time\nscreenshot /out/$3-chat.png\nquit\n' > /tmp/chat.txt
    QT_QPA_PLATFORM=offscreen $2 --test-script /tmp/chat.txt > /out/$3-chat.log 2>&1 ||
        { cat /out/$3-chat.log >&2; echo "the scripted chat failed" >&2; exit 1; }
    grep -q '^hearth-test: reply "..' /out/$3-chat.log || { cat /out/$3-chat.log >&2; echo "no reply in the chat" >&2; exit 1; }
    echo "$3: chat in the window: \$(grep -m1 '^hearth-test: reply' /out/$3-chat.log | cut -c1-100); /out/$3-chat.png"
else
    echo "$3: this build has no --test-script hook; generation checked with hearth-cli only"
fi
EOF
}

reference_ids() {
    # The first 16 greedy ids of "Once upon a time", without the BOS/prompt.
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["cases"][0]; assert c["prompt"]=="Once upon a time"; print(",".join(map(str,c["greedy"][:16])))' "$REFERENCE"
}

test_appimage() {
    local work=$RESULTS/work
    if [ -z "${HEARTH_PACKAGE_REUSE:-}" ] || ! ls "$work"/Hearth-*.AppImage >/dev/null 2>&1; then
        say "building the AppImage"
        "$SRC/scripts/hearth" exec "$SRC/packaging/appimage/build-appimage.sh" "$BUILD" "$work"
    fi
    local image
    image=$(ls -t "$work"/Hearth-*.AppImage | head -n1)
    cp "$MODEL" "$work/stories260K.gguf"
    local root
    root=$(clean_root)
    say "testing $(basename "$image") in the clean root"
    in_clean_root "$root" "
        cd /tmp
        cp /work/$(basename "$image") /tmp/Hearth.AppImage
        $(checks "/tmp/Hearth.AppImage hearth-cli" "/tmp/Hearth.AppImage" appimage)
        # Start-up: the AppImage alone (extract, exec, remove) and the window (including the fixed 1 s settle
        # before the picture). Wall-clock and CPU (user + sys) seconds, since the CI machine may be busy.
        TIMEFORMAT='%R %U %S'
        for i in 1 2 3 4 5; do
            { time /tmp/Hearth.AppImage hearth-cli --version >/dev/null; } 2>&1 | sed 's/^/cli /'
            { time QT_QPA_PLATFORM=offscreen /tmp/Hearth.AppImage --screenshot /tmp/t.png 2>/dev/null; } 2>&1 | sed 's/^/window /'
        done > /out/appimage-timings.txt
    " "$work"
    local size
    size=$(stat -c %s "$image")
    # median KIND: "wall cpu" seconds, the medians of 5 runs.
    median() {
        local wall cpu
        wall=$(awk -v k="$1" '$1 == k { print $2 }' "$RESULTS/appimage-timings.txt" | sort -n | sed -n 3p)
        cpu=$(awk -v k="$1" '$1 == k { printf "%.2f\n", $3 + $4 }' "$RESULTS/appimage-timings.txt" | sort -n | sed -n 3p)
        echo "${wall}s wall, ${cpu}s CPU"
    }
    say "AppImage: $(basename "$image"), $((size / 1048576)) MiB ($size bytes)"
    say "start-up, median of 5 (load average $(cut -d' ' -f1 /proc/loadavg)): hearth-cli --version $(median cli);" \
        "window to screenshot $(median window) (includes the app's fixed 1 s settle)"
    printf 'size_bytes %s\ncli %s\nwindow %s\n' "$size" "$(median cli)" "$(median window)" > "$RESULTS/appimage-summary.txt"
}

test_deb() {
    if [ -z "${HEARTH_PACKAGE_REUSE:-}" ] || ! ls "$RESULTS"/deb/hearth_*.deb >/dev/null 2>&1; then
        say "building the .deb"
        "$SRC/scripts/hearth" exec cmake --build "$BUILD" --target hearth hearth-cli
        (cd "$BUILD" && "$SRC/scripts/hearth" exec cpack -G DEB -B "$RESULTS/deb" >/dev/null)
    fi
    local deb
    deb=$(ls -t "$RESULTS"/deb/hearth_*.deb | head -n1)
    local work=$RESULTS/work
    mkdir -p "$work"
    cp "$deb" "$work/"
    cp "$MODEL" "$work/stories260K.gguf"
    local root
    root=$(clean_root)
    say "installing $(basename "$deb") with apt in the clean root"
    in_clean_root "$root" "
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o Acquire::Retries=3 update -qq
        apt-get -o APT::Keep-Downloaded-Packages=true -o APT::Sandbox::User=root install -y -qq --no-install-recommends \
            /work/$(basename "$deb") > /out/deb-install.log
        $(checks hearth-cli hearth deb)
    " "$work"
    say ".deb: $(basename "$deb"), $(( $(stat -c %s "$deb") / 1024 )) KiB; installs and runs in a clean Debian $CLEAN_SUITE"
}

case "$WHAT" in
    appimage) test_appimage ;;
    deb) test_deb ;;
    all) test_appimage; test_deb ;;
    root) say "clean root ready: $(clean_root)" ;;
esac
say "PASS ($WHAT); results in $RESULTS"
