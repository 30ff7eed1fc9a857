#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The Windows installer under wine, in a fresh private wine prefix (never
# the build's shared one: a registered service would start with every wine
# session there):
#
#  1. setup.exe /S /NOSERVICE: files under Program Files\Natter, the
#     Add/Remove Programs entry, %ProgramData%\Natter\natterd.conf made from
#     the example and valid; the installed natterd.exe serves a native
#     client (001 welcome) on a free port, and stops.
#  2. The administrator edits natterd.conf (another free port); setup.exe /S
#     again (an upgrade, now with the service): the configuration is kept,
#     the service "natterd" is registered and started and serves a native
#     client on that port.  uninstall.exe /S: the service is stopped and
#     removed, the files and registry entries are gone, the configuration
#     stays.
#  3. setup.exe /S /NOSERVICE, then uninstall.exe /S /PURGE: %ProgramData%\
#     Natter is gone too.
#
#   tests/packaging/check-installer.sh [SETUP.exe]
#
# Default: build/packages/natter-VERSION-setup.exe (scripts/packages.sh).
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

version=$(pkg_version)
setup=${1:-$PKG_OUT/natter-$version-setup.exe}
[ -f "$setup" ] || pkg_die "$setup not found (run scripts/packages.sh)"
setup=$(cd "$(dirname "$setup")" && pwd)/$(basename "$setup")

prefix=$PKG_WORK/wineprefix-installer
log=$PKG_WORK/check-installer.log
CHECK_LOG=$log
wine_run=("$PKG_ROOT/win32/wine-run.sh" --prefix "$prefix")
W() { "${wine_run[@]}" "$@"; }
# Every wine process of this prefix (and only of it).
wine_kill() { WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true; }

instdir="$prefix/drive_c/Program Files/Natter"
datadir="$prefix/drive_c/ProgramData/Natter"
uninst_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Natter'
natterd_pid=

cleanup() {
  [ -n "$natterd_pid" ] && kill "$natterd_pid" 2>/dev/null
  wine_kill
}
trap cleanup EXIT

echo "== $CHECK_NAME: $setup"
mkdir -p "$PKG_WORK"
: >"$log"
if [ -d "$prefix" ]; then
  wine_kill
  rm -rf "$prefix"
fi
start=$SECONDS
W cmd /c exit 0 >>"$log" 2>&1 || pkg_die "cannot create the wine prefix $prefix (log $log)"
echo "  (fresh wine prefix in $((SECONDS - start)) s)"
# Wine runs services only while its wineserver does, and that normally
# exits 3 s after the last ordinary program: keep it up until the end.
WINEPREFIX=$prefix wineserver -p >>"$log" 2>&1

reg_value() { # KEY VALUE: the data of a registry value, or nothing
  W reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v v="$2" '$1 == v { $1 = ""; $2 = ""; sub(/^  */, ""); print }'
}
service_registered() { W reg query 'HKLM\System\CurrentControlSet\Services\natterd' >/dev/null 2>&1; }
gone() { [ ! -e "$1" ]; }
conf_valid() {
  W "C:\\Program Files\\Natter\\natterd.exe" --check-config \
    --config 'C:\ProgramData\Natter\natterd.conf' >>"$log" 2>&1
}
# uninstall.exe copies itself to %TEMP% and returns at once: wait for it.
uninstall() {
  W "C:\\Program Files\\Natter\\uninstall.exe" "$@" >>"$log" 2>&1
  wait_until 60 gone "$instdir"
}

# ---- 1. install without the service; run natterd.exe by hand
echo "-- setup.exe /S /NOSERVICE"
W "$setup" /S /NOSERVICE >>"$log" 2>&1
check "installer exit status 0" test $? -eq 0
for f in natterd.exe natterd.conf.example LICENSE.txt uninstall.exe doc/README.md doc/admin.md; do
  check "installed $f" test -f "$instdir/$f"
done
check "no DLL beside natterd.exe" test -z "$(find "$instdir" -iname '*.dll')"
check "ProgramData\\Natter\\natterd.conf created from the example" \
  cmp -s "$instdir/natterd.conf.example" "$datadir/natterd.conf"
check "natterd --check-config accepts it" conf_valid
check "Add/Remove: DisplayName Natter" test "$(reg_value "$uninst_key" DisplayName)" = Natter
check "Add/Remove: DisplayVersion $version" test "$(reg_value "$uninst_key" DisplayVersion)" = "$version"
check "Add/Remove: Publisher" test -n "$(reg_value "$uninst_key" Publisher)"
check "Add/Remove: UninstallString" \
  test "$(reg_value "$uninst_key" UninstallString)" = '"C:\Program Files\Natter\uninstall.exe"'
check "no service registered with /NOSERVICE" test ! -n "$(service_registered && echo yes)"

port=$(free_port)
# Not through W (a function would run in a subshell): $! is then wine's
# process, which is natterd.exe itself (wine-run.sh and wine exec).
"${wine_run[@]}" "C:\\Program Files\\Natter\\natterd.exe" --listen "127.0.0.1:$port" >>"$log" 2>&1 &
natterd_pid=$!
check "installed natterd.exe welcomes a native client on port $port" \
  python3 "$PROBE" 127.0.0.1 "$port" 30
kill "$natterd_pid" 2>/dev/null
wait "$natterd_pid" 2>/dev/null
natterd_pid=
check "natterd.exe stopped" wait_until 10 port_closed "$port"

# ---- 2. the administrator's configuration; upgrade with the service
port=$(free_port)
printf '[server]\r\nname = installer.check\r\n[listen]\r\naddress = 127.0.0.1:%s\r\n' "$port" \
  >"$datadir/natterd.conf"
cp "$datadir/natterd.conf" "$PKG_WORK/installer-admin.conf"
echo "-- setup.exe /S (again, with the service; natterd.conf says port $port)"
W "$setup" /S >>"$log" 2>&1
check "installer exit status 0" test $? -eq 0
check "the administrator's natterd.conf kept" cmp -s "$PKG_WORK/installer-admin.conf" "$datadir/natterd.conf"
check "service natterd registered" service_registered
check "the service welcomes a native client on port $port" python3 "$PROBE" 127.0.0.1 "$port" 30

echo "-- uninstall.exe /S"
uninstall /S
check "Program Files\\Natter removed" gone "$instdir"
check "service natterd removed" test ! -n "$(service_registered && echo yes)"
check "the service stopped (port $port closed)" wait_until 15 port_closed "$port"
check "Add/Remove entry removed" test -z "$(reg_value "$uninst_key" DisplayName)"
check "natterd.conf left in ProgramData" cmp -s "$PKG_WORK/installer-admin.conf" "$datadir/natterd.conf"
# Wine gives services ProgramData=C:\users\Public (programs get
# C:\ProgramData): natterd's service log goes to whichever it says.
check "the service logged to %ProgramData%\\Natter\\natterd.log" \
  grep -qs ' ready' "$datadir/natterd.log" "$prefix/drive_c/users/Public/Natter/natterd.log"

# ---- 3. uninstall /PURGE
echo "-- setup.exe /S /NOSERVICE, uninstall.exe /S /PURGE"
W "$setup" /S /NOSERVICE >>"$log" 2>&1
check "installer exit status 0" test $? -eq 0
uninstall /S /PURGE
check "Program Files\\Natter removed" gone "$instdir"
check "ProgramData\\Natter removed by /PURGE" gone "$datadir"

wine_kill
if [ "$CHECK_FAILS" -eq 0 ]; then
  rm -rf "$prefix"
else
  echo "  (wine prefix kept for a look: $prefix; log $log)"
fi
finish
