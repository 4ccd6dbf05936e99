#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Makes an installed AppDir (cmake --install --prefix APPDIR/usr) self-contained.

Nothing is listed by hand, so new pages, QML imports and linked libraries are picked up as they land:
  * QML modules: qmlimportscanner over the app's QML sources (transitively through the modules it finds),
    plus the modules whose plugins a traced offscreen start of the app loads (the Controls style, chosen in C++);
  * Qt plugins: the platform-integration folders a desktop needs, if installed, plus every plugin the traced
    start loads;
  * libraries: ldd of every bundled ELF file, minus glibc and the GPU driver stack, which must come from the
    host (see EXCLUDED);
  * icons: the Breeze icons whose names occur as strings in the bundled QML and plugins, plus the theme index;
  * fonts: the files fontconfig picks for sans-serif and monospace, since minimal systems have none.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Libraries the host must provide. glibc's parts must match the host's ld.so; libstdc++/libgcc_s are on every
# system with a package manager and a bundled older copy would break host GPU drivers that need a newer one;
# the driver stack (Mesa, DRM, GBM) must match the host's kernel and GPU. libglvnd (libGL, libEGL, libOpenGL,
# libGLX, libGLdispatch) IS bundled: it is the vendor-neutral dispatcher that loads whichever driver the host has.
EXCLUDED = re.compile(
    r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libmvec|libBrokenLocale|libnss_.*|"
    r"libthread_db|libstdc\+\+|libgcc_s|libGLX_mesa|libEGL_mesa|libgbm|libdrm.*|libglapi|libgallium.*|libLLVM.*|"
    r"libvulkan)\.so")

# Plugin folders a desktop session may need; absent ones are skipped.
PLUGIN_DIRS = ["platforms", "platforminputcontexts", "platformthemes", "imageformats", "iconengines", "sqldrivers",
               "tls", "xcbglintegrations", "wayland-shell-integration", "wayland-decoration-client",
               "wayland-graphics-integration-client", "kf6/kirigami"]
# Platform plugins for kiosk or embedded set-ups pull in libraries a desktop AppImage does not need.
SKIPPED_PLUGINS = re.compile(r"lib(qeglfs|qlinuxfb|qvnc|qvkkhrdisplay|qminimalegl|qsqlmysql|qsqlpsql|qsqlodbc|qsqlibase)")


def log(msg):
    print(f"bundle: {msg}", file=sys.stderr)


def qt_query(var):
    for tool in ("qtpaths6", "qtpaths"):
        if shutil.which(tool):
            return subprocess.run([tool, "--query", var], check=True, capture_output=True, text=True).stdout.strip()
    sys.exit("bundle: qtpaths6 not found (install qt6-base-dev-tools)")


def is_elf(path):
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists():
        shutil.copy2(src, dst, follow_symlinks=True)


def scan_qml(roots, qml_dir, scanner):
    """Module folders qmlimportscanner finds for the QML files under roots."""
    args = [scanner, "-importPath", str(qml_dir)]
    for root in roots:
        args += ["-rootPath", str(root)]
    result = subprocess.run(args, check=True, capture_output=True, text=True)
    return {Path(m["path"]) for m in json.loads(result.stdout) if m.get("type") == "module" and m.get("path")}


def trace_start(binary, env_extra):
    """ELF files the app loads while rendering its window offscreen (LD_DEBUG names every dlopen)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LD_DEBUG="files", **env_extra)
        shot = Path(tmp) / "trace.png"
        run = subprocess.run([str(binary), "--screenshot", str(shot)], env=env, capture_output=True, text=True,
                             timeout=120)
        if run.returncode != 0:
            log(f"warning: the traced start of {binary} exited with {run.returncode}; its plugins may be incomplete")
        found = re.findall(r"file=(/\S+?\.so(?:\.\d+)*)\s+\[0\];\s+dynamically loaded", run.stderr)
        return {Path(m) for m in found if Path(m).is_file()}


def copy_module(module, qml_dir, dest_qml):
    """Copies one QML module folder, leaving nested modules (own qmldir) to their own entry."""
    target = dest_qml / module.relative_to(qml_dir)
    for dirpath, dirnames, filenames in os.walk(module):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not (here / d / "qmldir").exists()]
        for name in filenames:
            if name.endswith((".qmltypes", ".debug")) or name == "plugins.qmltypes":
                continue  # tooling metadata, not needed at run time
            copy(here / name, target / here.relative_to(module) / name)


def module_of(path, qml_dir):
    for parent in [path.parent, *path.parent.parents]:
        if (parent / "qmldir").exists():
            return parent
        if parent == qml_dir:
            break
    return None


def bundle_libraries(appdir, lib_dir):
    """Copies every non-excluded library any bundled ELF needs, until nothing new appears."""
    done = set()
    copied = 0
    while True:
        elves = [p for p in appdir.rglob("*") if p.is_file() and not p.is_symlink() and p not in done and is_elf(p)]
        if not elves:
            return copied
        for elf in elves:
            done.add(elf)
            out = subprocess.run(["ldd", str(elf)], capture_output=True, text=True).stdout
            for line in out.splitlines():
                m = re.match(r"\s*(\S+) => (/\S+)", line)
                if "not found" in line:
                    sys.exit(f"bundle: {elf} needs {line.split()[0]}, which is not installed")
                if not m or EXCLUDED.match(m.group(1)):
                    continue
                dest = lib_dir / m.group(1)
                if not dest.exists():
                    copy(Path(m.group(2)), dest)
                    copied += 1


def icon_names(appdir, extra_sources):
    """Every string literal that could be an icon name, from QML files and from binaries."""
    names = set()
    word = re.compile(rb"[a-z][a-z0-9]*(?:[-.][a-z0-9]+)+")
    for path in [*appdir.rglob("*"), *extra_sources]:
        if path.is_file() and not path.is_symlink() and (path.suffix in (".qml", ".so", ".js", "") or ".so." in path.name):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            names.update(w.decode() for w in word.findall(data))
            names.update(w.decode() for w in word.findall(data.replace(b"\x00", b"")))  # UTF-16 literals
    return names


def bundle_icons(appdir, theme_dir, names):
    dest = appdir / "usr/share/icons" / theme_dir.name
    count = 0
    for path in theme_dir.rglob("*"):
        if path.is_file() and path.suffix in (".svg", ".png") and path.stem in names:
            copy(path, dest / path.relative_to(theme_dir))  # resolves links: a subset may not hold their targets
            count += 1
    copy(theme_dir / "index.theme", dest / "index.theme")
    return count


def bundle_fonts(appdir):
    if not shutil.which("fc-match"):
        log("warning: fc-match not found; no fonts bundled")
        return 0
    files = set()
    for family in ("sans-serif", "sans-serif:bold", "monospace"):
        out = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout.strip()
        if out:
            files.add(Path(out))
    for f in files:
        copy(f, appdir / "usr/share/fonts" / f.name)
    # Relative to this file's folder: the host's configuration plus the bundled fonts.
    conf = appdir / "usr/etc/fonts/fonts.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
                    '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                    '  <dir prefix="relative">../../share/fonts</dir>\n'
                    '  <cachedir prefix="xdg">fontconfig</cachedir>\n</fontconfig>\n')
    return len(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("appdir", type=Path)
    ap.add_argument("--qml-sources", type=Path, action="append", required=True, help="the app's QML source folder")
    ap.add_argument("--icon-theme", default="breeze")
    args = ap.parse_args()

    appdir = args.appdir.resolve()
    usr = appdir / "usr"
    binary = usr / "bin/hearth"
    if not binary.exists():
        sys.exit(f"bundle: {binary} is missing; run cmake --install with --prefix {usr} first")
    qt_plugins = Path(qt_query("QT_INSTALL_PLUGINS"))
    qml_dir = Path(qt_query("QT_INSTALL_QML"))
    scanner = Path(qt_query("QT_INSTALL_LIBEXECS")) / "qmlimportscanner"

    # What the app loads when it starts (style, Kirigami platform plugin, image formats ...), before bundling.
    traced = trace_start(binary, {})

    plugins = set()
    for sub in PLUGIN_DIRS:
        plugins.update(p for p in (qt_plugins / sub).glob("*.so") if not SKIPPED_PLUGINS.match(p.name))
    plugins.update(p for p in traced if qt_plugins in p.parents)
    for p in sorted(plugins):
        copy(p, usr / "plugins" / p.relative_to(qt_plugins))

    modules = scan_qml(args.qml_sources, qml_dir, scanner)
    modules.update(m for m in (module_of(p, qml_dir) for p in traced if qml_dir in p.parents) if m)
    # Modules found at run time import others: scan them too, until the set stops growing.
    while True:
        more = scan_qml(sorted(modules), qml_dir, scanner) - modules
        if not more:
            break
        modules |= more
    for m in sorted(modules):
        copy_module(m, qml_dir, usr / "qml")

    libs = bundle_libraries(appdir, usr / "lib")

    (usr / "bin/qt.conf").write_text("[Paths]\nPrefix = ..\nPlugins = plugins\nQmlImports = qml\n")

    theme = Path("/usr/share/icons") / args.icon_theme
    icons = 0
    if theme.is_dir():
        icons = bundle_icons(appdir, theme, icon_names(appdir, args.qml_sources[0].rglob("*.qml")))
    else:
        log(f"warning: icon theme {theme} not installed; no icons bundled")
    fonts = bundle_fonts(appdir)
    log(f"{len(plugins)} plugins, {len(modules)} QML modules, {libs} libraries, {icons} icon files, {fonts} fonts")


if __name__ == "__main__":
    main()
