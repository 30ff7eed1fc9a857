#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the built .debs on this machine, exercise them, purge them, and
# check that nothing is left:
#  - apt-get install ./*.deb (libnatter1, libnatter-dev, natterd, natter)
#  - the files, the conffile, the systemd unit (`systemd-analyze verify`),
#    the man pages; a program built against libnatter-dev with pkg-config,
#    linked shared and static
#  - /usr/sbin/natterd started as the unit starts it (ExecStartPre's
#    --check-config, then --config /etc/natter/natterd.conf), as an
#    unprivileged user with no new privileges (systemd is not running
#    here, so not under the unit itself), on a free port (--listen): a
#    client gets the 001 welcome; SIGHUP reloads; SIGTERM stops it (exit 0)
#  - apt-get purge: every file the packages had is gone, /etc/natter too,
#    and the unit's enablement links
#
#   tests/packaging/check-debs.sh [DEB...]
#
# Default: the four packages in build/packages/ (scripts/packages.sh).
# Runs as root (or with sudo); removes any installed version of these
# packages first.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

libpkg=$(pkg_deb_libpackage)
soname=$(pkg_soname)
PACKAGES=("$libpkg" libnatter-dev natterd natter)
version=$(pkg_version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
if [ $# -gt 0 ]; then
  debs=("$@")
else
  debs=()
  for p in "${PACKAGES[@]}"; do debs+=("$PKG_OUT/${p}_${version}_$arch.deb"); done
fi
for d in "${debs[@]}"; do [ -f "$d" ] || pkg_die "$d not found (run scripts/packages.sh)"; done

work=$PKG_WORK/check-debs
log=$work/check.log
CHECK_LOG=$log
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"
apt=("${PKG_SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q)
natterd_pid=
cleanup() { [ -n "$natterd_pid" ] && kill "$natterd_pid" 2>/dev/null; }
trap cleanup EXIT

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

echo "== $CHECK_NAME: ${debs[*]##*/}"
leftover=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -qv '^unknown\|not-installed' && leftover+=("$p")
done
if [ ${#leftover[@]} -gt 0 ]; then
  echo "  (purging an earlier install: ${leftover[*]})"
  "${apt[@]}" purge "${leftover[@]}" >>"$log" 2>&1
fi

# ---- install
echo "-- apt-get install"
abs=()
for d in "${debs[@]}"; do abs+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")"); done
"${apt[@]}" install "${abs[@]}" >>"$log" 2>&1
check "apt-get install ./*.deb" test $? -eq 0
for p in "${PACKAGES[@]}"; do check "$p installed" installed "$p"; done

unitdir=/lib/systemd/system
for f in /usr/sbin/natterd /etc/natter/natterd.conf "$unitdir/natterd.service" \
  /usr/share/man/man8/natterd.8.gz /usr/share/doc/natterd/natterd.conf.example \
  /usr/share/doc/natterd/copyright /usr/lib/"$multiarch"/"$soname" \
  /usr/lib/"$multiarch"/libnatter.so /usr/lib/"$multiarch"/libnatter.a \
  /usr/lib/"$multiarch"/pkgconfig/natter.pc /usr/include/natter/net.h \
  /usr/include/natter/platform.h; do
  check "file $f" test -e "$f"
done
# The symbols file (what dpkg-shlibdeps reads for packages that link
# libnatter) lists exactly what the installed library exports.
symbols_match() {
  diff <(nm -D --defined-only --format=posix "/usr/lib/$multiarch/$soname" | awk '{ print $1 }' | sort) \
    <(sed -n 's/^ \([^@ ]*\)@.*/\1/p' "$PKG_ROOT/packaging/debian/$libpkg.symbols" | sort)
}
check "$libpkg.symbols lists exactly the exports of $soname (else packaging/build-deb.sh --update-symbols)" \
  symbols_match
check "/etc/natter/natterd.conf is a conffile" \
  sh -c "dpkg-query -W -f='\${Conffiles}' natterd | grep -q ' /etc/natter/natterd.conf '"
check "natterd.conf readable by the service's dynamic user (0644)" \
  test "$(stat -c %a /etc/natter/natterd.conf)" = 644
check "natterd linked with libsystemd (Type=notify)" sh -c 'ldd /usr/sbin/natterd | grep -q libsystemd'
check "natterd.service enabled by the package" test -L /etc/systemd/system/multi-user.target.wants/natterd.service
if systemd-analyze verify "$unitdir/natterd.service" >"$work/verify.log" 2>&1 && [ ! -s "$work/verify.log" ]; then
  ok "systemd-analyze verify natterd.service: clean"
else
  bad "systemd-analyze verify natterd.service:"
  sed 's/^/        /' "$work/verify.log"
fi
natter_files=(/usr/share/applications/org.natter.Natter.desktop
  /usr/share/metainfo/org.natter.Natter.metainfo.xml
  /usr/share/icons/hicolor/scalable/apps/org.natter.Natter.svg
  /usr/share/glib-2.0/schemas/org.natter.Natter.gschema.xml
  /usr/bin/natter /usr/share/man/man1/natter.1.gz)
for f in "${natter_files[@]}"; do check "file $f" test -e "$f"; done
check "desktop-file-validate (installed)" \
  desktop-file-validate /usr/share/applications/org.natter.Natter.desktop
check "appstreamcli validate --no-net (installed)" \
  appstreamcli validate --no-net --pedantic /usr/share/metainfo/org.natter.Natter.metainfo.xml
check "GSettings schema compiled by the trigger" \
  sh -c 'gsettings list-keys org.natter.Natter >/dev/null 2>&1'
if [ -x /usr/bin/natter ]; then
  check "natter --version says $version" sh -c "/usr/bin/natter --version 2>&1 | grep -q '$version'"
fi

# ---- libnatter-dev: a program built with pkg-config, shared and static
check "pkg-config --modversion natter = $version" test "$(pkg-config --modversion natter)" = "$version"
cat >"$work/use-libnatter.c" <<'EOF'
#include <natter/error.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    const char *name = nt_err_name(NT_EOF);
    printf("%s: %s\n", name, nt_strerror(NT_EOF));
    return strcmp(name, "NT_EOF") == 0 ? 0 : 1;
}
EOF
# shellcheck disable=SC2046
check "a program builds and runs on the shared libnatter" sh -c \
  "cc -o '$work/use-shared' '$work/use-libnatter.c' \$(pkg-config --cflags --libs natter) &&
   ldd '$work/use-shared' | grep -q '$soname => /.*/$multiarch/$soname' && '$work/use-shared' >/dev/null"
check "... and on the static one (pkg-config --static)" sh -c \
  "cc -static -o '$work/use-static' '$work/use-libnatter.c' \$(pkg-config --static --cflags --libs natter) &&
   '$work/use-static' >/dev/null"

# ---- natterd as the unit runs it
echo "-- natterd as the service runs it"
run_as=()
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  # DynamicUser + NoNewPrivileges + an empty capability set, approximately.
  run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs
    --inh-caps=-all --bounding-set=-all)
fi
check "ExecStartPre: natterd --check-config --config /etc/natter/natterd.conf" \
  "${run_as[@]}" /usr/sbin/natterd --check-config --config /etc/natter/natterd.conf >>"$log"
port=$(free_port)
# --listen replaces the config's [listen] (none in the packaged file:
# 127.0.0.1:6667, perhaps taken on this machine).
# The unit's StateDirectory=natterd: systemd makes the folder, owned by
# the dynamic user, and names it in $STATE_DIRECTORY.
state=$work/state
rm -rf "$state"
mkdir -m 0700 "$state"
[ "${#run_as[@]}" -gt 0 ] && chown nobody:nogroup "$state"
(cd / && exec env STATE_DIRECTORY="$state" "${run_as[@]}" /usr/sbin/natterd \
  --config /etc/natter/natterd.conf --listen "127.0.0.1:$port") 2>"$work/natterd.log" &
natterd_pid=$!
check "a client gets the 001 welcome on port $port" python3 "$PROBE" 127.0.0.1 "$port" 20
check "natterd keeps its accounts in \$STATE_DIRECTORY/natterd.db (StateDirectory=)" \
  sh -c "grep -q 'store: $state/natterd.db' '$work/natterd.log' && test -s '$state/natterd.db'"
kill -HUP "$natterd_pid"
check "SIGHUP (ExecReload) reloads the configuration" \
  wait_until 10 grep -q 'configuration reloaded' "$work/natterd.log"
kill -TERM "$natterd_pid"
wait "$natterd_pid"
check "SIGTERM stops it with status 0" test $? -eq 0
natterd_pid=
check "the port is closed" port_closed "$port"

# ---- TLS as an admin sets it up: a self-signed pair, a TLS listener
echo "-- natterd over TLS"
tlsdir=$work/tls
mkdir -p "$tlsdir"
check "natterd --generate-certificate" /usr/sbin/natterd --generate-certificate \
  "$tlsdir/cert.pem" "$tlsdir/key.pem" localhost >>"$log"
check "the key is readable by its owner only (0600)" test "$(stat -c %a "$tlsdir/key.pem")" = 600
printf '[tls]\ncertificate = %s\nkey = %s\n' "$tlsdir/cert.pem" "$tlsdir/key.pem" >"$tlsdir/natterd.conf"
# The service's user must be able to read them (as a drop-in would
# arrange with credentials or the ssl-cert group).
[ ${#run_as[@]} -gt 0 ] && chown -R nobody:nogroup "$tlsdir" && chmod 755 "$work"
tport=$(free_port)
(cd / && exec "${run_as[@]}" /usr/sbin/natterd --config "$tlsdir/natterd.conf" \
  --listen-tls "127.0.0.1:$tport") 2>"$work/natterd-tls.log" &
natterd_pid=$!
check "a TLS client that trusts the certificate gets 001 on port $tport" \
  python3 "$PROBE" --tls "$tlsdir/cert.pem" 127.0.0.1 "$tport" 20
kill -TERM "$natterd_pid"
wait "$natterd_pid"
check "SIGTERM stops it with status 0" test $? -eq 0
natterd_pid=

# ---- purge
echo "-- apt-get purge"
owned=$(dpkg -L "${PACKAGES[@]}" 2>/dev/null | sort -u)
"${apt[@]}" purge "${PACKAGES[@]}" >>"$log" 2>&1
check "apt-get purge" test $? -eq 0
for p in "${PACKAGES[@]}"; do
  check "$p gone from dpkg (dpkg -L fails)" sh -c "! dpkg -L $p >/dev/null 2>&1"
done
left=()
while IFS= read -r f; do
  [ -n "$f" ] && [ -e "$f" ] && [ ! -d "$f" ] && left+=("$f")
done <<<"$owned"
check "no file of the packages left (${#left[@]} left: ${left[*]:0:5})" test ${#left[@]} -eq 0
for f in /etc/natter /usr/sbin/natterd /usr/bin/natter /usr/include/natter \
  /usr/share/doc/natterd "/usr/share/doc/$libpkg" "$unitdir/natterd.service" \
  /etc/systemd/system/multi-user.target.wants/natterd.service \
  /var/lib/systemd/deb-systemd-helper-enabled/natterd.service.dsh-also \
  /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/natterd.service; do
  check "gone: $f" test ! -e "$f"
done
finish
