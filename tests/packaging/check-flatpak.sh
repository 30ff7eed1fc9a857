#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The flatpak manifest (packaging/flatpak/org.natter.Natter.yml) cannot be
# built here: flatpak-builder needs the GNOME runtime and SDK from Flathub,
# and this machine is offline.  So this checks what can be checked without
# them: the YAML parses, the app id matches the file name and the GUI's
# (gui-client/meson.build, the .desktop file), the runtime is GNOME, and
# the sandbox holes are exactly network, Wayland/X11 fallback, IPC and
# notifications.
#
#   tests/packaging/check-flatpak.sh
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

manifest=$PKG_ROOT/packaging/flatpak/org.natter.Natter.yml
echo "== $CHECK_NAME: ${manifest#"$PKG_ROOT"/}"
check "python3-yaml is installed" python3 -c 'import yaml'
check "the manifest is valid YAML and says what it should" python3 - "$manifest" "$PKG_ROOT" <<'PYEOF'
import os, re, sys, yaml

path, root = sys.argv[1], sys.argv[2]
with open(path) as f:
    m = yaml.safe_load(f)
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)

app_id = m.get("app-id") or m.get("id")
want(app_id == os.path.basename(path)[:-len(".yml")], "app-id %r is not the file name" % app_id)
want(m.get("runtime") == "org.gnome.Platform" and m.get("sdk") == "org.gnome.Sdk",
     "runtime/sdk are not GNOME's")
want(re.fullmatch(r"\d+", str(m.get("runtime-version", ""))) is not None,
     "runtime-version %r is not a GNOME release (a quoted number)" % m.get("runtime-version"))
want(m.get("command") == "natter", "command is not natter")
allowed = {"--share=network", "--socket=wayland", "--socket=fallback-x11", "--share=ipc",
           "--talk-name=org.freedesktop.Notifications"}
got = set(m.get("finish-args", []))
want(got == allowed, "finish-args differ: extra %s, missing %s" % (sorted(got - allowed), sorted(allowed - got)))
modules = m.get("modules", [])
want(modules and modules[-1].get("buildsystem") == "meson", "the last module is not built with meson")
opts = " ".join(modules[-1].get("config-opts", [])) if modules else ""
for o in ("-Dgui=enabled", "-Dtests=false"):
    want(o in opts, "config-opts lack %s" % o)

meson_build = os.path.join(root, "gui-client", "meson.build")
if os.path.exists(meson_build):
    gui_id = re.search(r"natter_app_id\s*=\s*'([^']+)'", open(meson_build).read())
    want(gui_id and gui_id.group(1) == app_id,
         "gui-client/meson.build's app id %s differs" % (gui_id and gui_id.group(1)))
    want(os.path.exists(os.path.join(root, "gui-client", "data", app_id + ".desktop")),
         "no gui-client/data/%s.desktop" % app_id)
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PYEOF
if command -v flatpak-builder >/dev/null; then
  check "flatpak-builder --show-manifest" flatpak-builder --show-manifest "$manifest"
else
  echo "  (flatpak-builder not installed: not built; it needs Flathub anyway)"
fi
finish
