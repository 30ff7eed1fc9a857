#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Cross-OS test: the peer program (tests/libnet/peer.c) built for Linux and for
# Windows faces itself over loopback, in both directions and with both
# close kinds (orderly and SO_LINGER {1,0} reset), plus an echo.
#
#   interop.sh NATIVE_PEER
#
# Environment (meson test sets NATTER_WINE_RUN; the caller sets the rest):
#   NATTER_WIN_PEER   peer.exe from the mingw cross build; when unset, only
#                     the native-against-native checks run and the cross-OS
#                     part prints SKIP with the reason (the test passes).
#   NATTER_WINE_RUN   how to run a Windows program (win32/wine-run.sh,
#                     private quiet prefix); default: wine.
#
# Strict everywhere but one place: wine (8.0) reads an RST that arrives
# before recv is called as an orderly EOF, so a Windows client under wine
# may see END EOF where Linux and real Windows see END RESET.  That case
# is accepted and reported as a NOTE; a native client must see the reset.
#
# Then TLS (natter/tls.h's blocking sockets), in the same pairings: a CA,
# a server certificate for 127.0.0.1 and a client certificate, made here
# with the openssl program (not by libnatter, whose fingerprints are
# checked against openssl's).  The server asks for a client certificate
# that chains to the CA; the client verifies the server against the CA
# and the name 127.0.0.1; each prints the SHA-256 fingerprint of the
# certificate the other presented, which must be the one openssl computes
# for that file.  Lines go both ways (the server's greeting, the client's
# line echoed back), and the end is checked: close_notify reads as END
# EOF, a stream cut without one as END RESET, on both platforms (the
# server has read everything, so no RST is involved and the wine quirk
# does not apply).  The Windows peer opens the same PEM files through
# wine's drive Z:.  Without openssl the TLS part prints SKIP.

set -euo pipefail

native=${1:?usage: interop.sh NATIVE_PEER}
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
failed=0
notes=0

win=${NATTER_WIN_PEER:-}
wine_run=${NATTER_WINE_RUN:-}
if [ -z "$wine_run" ] || [ ! -x "$wine_run" ]; then
  wine_run=wine
fi

# peer KIND ARGS...: run the linux or the windows peer.
peer() {
  local kind=$1
  shift
  if [ "$kind" = windows ]; then
    timeout 90 "$wine_run" "$win" "$@"
  else
    timeout 90 "$native" "$@"
  fi
}

# run_case MODE SERVER_KIND CLIENT_KIND EXPECT [ALSO_OK]
#   EXPECT: the client's END line; ALSO_OK: an END line accepted with a
#   note (the wine quirk).  Echo cases also need "DATA hello from ...".
run_case() {
  local mode=$1 server=$2 client=$3 expect=$4 also_ok=${5:-}
  local name="$server server / $client client, $mode"
  local port="" end data shown="" f
  : >"$tmp/srv.out"
  : >"$tmp/srv.err"
  peer "$server" serve "$mode" >"$tmp/srv.out" 2>"$tmp/srv.err" &
  server_pid=$!
  # Wait for the port line with a deadline (a new wine prefix may take
  # several seconds to start).
  for _ in $(seq 1 600); do
    port=$(tr -d '\r' <"$tmp/srv.out" | sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p')
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL $name: the server printed no port"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    failed=$((failed + 1))
    return
  fi
  local crc=0 src=0
  peer "$client" connect "$port" >"$tmp/cli.out" 2>"$tmp/cli.err" || crc=$?
  wait "$server_pid" || src=$?
  server_pid=
  # A Windows program's text-mode stdout ends lines with CRLF.
  for f in srv.out srv.err cli.out cli.err; do
    tr -d '\r' <"$tmp/$f" >"$tmp/$f.lf" && mv "$tmp/$f.lf" "$tmp/$f"
  done
  end=$(sed -n 's/^END //p' "$tmp/cli.out")
  data=$(sed -n 's/^DATA //p' "$tmp/cli.out")
  local ok=1 why=""
  if [ "$src" -ne 0 ] || ! grep -qx "SERVED $mode" "$tmp/srv.out"; then
    ok=0
    why="server exit $src"
  fi
  if [ "$mode" = echo ]; then
    case $data in
      "hello from "*) ;;
      *) ok=0; why="$why; echo came back as '$data'" ;;
    esac
  elif [ -n "$data" ]; then
    ok=0
    why="$why; unexpected data '$data'"
  fi
  local note=""
  if [ "$end" = "$expect" ]; then
    :
  elif [ -n "$also_ok" ] && [ "$end" = "$also_ok" ]; then
    note="NOTE: $name: client saw END $end, not END $expect: wine reads an RST that arrived before recv as EOF (Windows reports WSAECONNRESET); accepted under wine"
  else
    ok=0
    why="$why; client saw END '$end' (exit $crc), want END $expect"
  fi
  if [ "$ok" = 1 ]; then
    [ -n "$data" ] && shown=", DATA \"$data\""
    echo "ok   $name: END $end$shown"
    passed=$((passed + 1))
    if [ -n "$note" ]; then
      echo "$note"
      notes=$((notes + 1))
    fi
  else
    echo "FAIL $name:${why#;}"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    sed 's/^/    client: /' "$tmp/cli.out" "$tmp/cli.err"
    failed=$((failed + 1))
  fi
}

# Linux against Linux: checks the peer program and the strict behaviour
# on this OS.
for mode in echo close reset; do
  want=EOF
  [ "$mode" = reset ] && want=RESET
  run_case "$mode" linux linux "$want"
done

if [ -z "$win" ]; then
  echo "SKIP: cross-OS part: NATTER_WIN_PEER is not set (point it at peer.exe from the mingw cross build, e.g. NATTER_WIN_PEER=build-win/tests/libnet/peer.exe)"
elif [ ! -f "$win" ]; then
  echo "FAIL cross-OS part: NATTER_WIN_PEER=$win does not exist"
  failed=$((failed + 1))
elif ! command -v "$wine_run" >/dev/null 2>&1; then
  echo "FAIL cross-OS part: cannot run $wine_run (is wine installed?)"
  failed=$((failed + 1))
else
  for mode in echo close reset; do
    want=EOF
    [ "$mode" = reset ] && want=RESET
    # A Linux client must see exactly what the Windows server did.
    run_case "$mode" windows linux "$want"
    # A Windows client under wine: strict but for the reset quirk.
    also=""
    [ "$mode" = reset ] && also=EOF
    run_case "$mode" linux windows "$want" "$also"
  done
fi

# ---- TLS ----

openssl_fp() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}

# tls_certs: a CA, a server certificate (127.0.0.1) and a client
# certificate in $tmp/tls; their fingerprints in server_fp and client_fp.
tls_certs() {
  local d=$tmp/tls
  mkdir -p "$d"
  (
    set -e
    cd "$d"
    printf '%s\n' \
      '[ server ]' \
      'basicConstraints = critical, CA:FALSE' \
      'keyUsage = critical, digitalSignature' \
      'extendedKeyUsage = serverAuth' \
      'subjectAltName = IP:127.0.0.1' \
      'authorityKeyIdentifier = keyid' \
      '[ client ]' \
      'basicConstraints = critical, CA:FALSE' \
      'keyUsage = critical, digitalSignature' \
      'extendedKeyUsage = clientAuth' \
      'authorityKeyIdentifier = keyid' >ext.cnf
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    key ca-key.pem
    openssl req -new -x509 -key ca-key.pem -subj "/O=Natter tests/CN=libnatter interop CA" \
      -days 2 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem 2>/dev/null
    signed() {
      key "$1-key.pem"
      openssl req -new -key "$1-key.pem" -subj "/O=Natter tests/CN=$2" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "$4" -days 2 \
        -sha256 -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
    }
    signed server 127.0.0.1 server 2
    signed client "libnatter interop client" client 3
    openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
  ) || return 1
  server_fp=$(openssl_fp "$d/server.pem")
  client_fp=$(openssl_fp "$d/client.pem")
}

# tls_file KIND NAME: the path of a certificate file as that peer opens it.
tls_file() {
  if [ "$1" = windows ]; then echo "Z:$tmp/tls/$2"; else echo "$tmp/tls/$2"; fi
}

# field FILE KEY: the rest of the first line "KEY ..." of $tmp/FILE.
field() { sed -n "s/^$2 //p" "$tmp/$1" | head -n 1; }

# run_tls_case MODE SERVER_KIND CLIENT_KIND
#   MODE echo: the server ends with close_notify (the client: END EOF);
#   cut: it closes the socket without one (the client: END RESET).
run_tls_case() {
  local mode=$1 server=$2 client=$3
  local name="$server TLS server / $client TLS client, $mode"
  local port="" f want_end=EOF
  [ "$mode" = cut ] && want_end=RESET
  : >"$tmp/srv.out"
  : >"$tmp/srv.err"
  peer "$server" tls-serve "$mode" "$(tls_file "$server" server.pem)" \
    "$(tls_file "$server" server-key.pem)" "$(tls_file "$server" ca.pem)" \
    >"$tmp/srv.out" 2>"$tmp/srv.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    port=$(tr -d '\r' <"$tmp/srv.out" | sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p')
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "FAIL $name: the server printed no port"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    failed=$((failed + 1))
    return
  fi
  local crc=0 src=0
  peer "$client" tls-connect "$port" "$(tls_file "$client" ca.pem)" \
    "$(tls_file "$client" client.pem)" "$(tls_file "$client" client-key.pem)" \
    >"$tmp/cli.out" 2>"$tmp/cli.err" || crc=$?
  wait "$server_pid" || src=$?
  server_pid=
  for f in srv.out srv.err cli.out cli.err; do
    tr -d '\r' <"$tmp/$f" >"$tmp/$f.lf" && mv "$tmp/$f.lf" "$tmp/$f"
  done
  local ok=1 why=""
  if [ "$src" -ne 0 ] || ! grep -qx "SERVED tls-$mode" "$tmp/srv.out"; then
    ok=0; why="$why; server exit $src"
  fi
  [ "$crc" -eq 0 ] || { ok=0; why="$why; client exit $crc"; }
  [ "$(field srv.out PEER)" = "$client_fp" ] ||
    { ok=0; why="$why; the server saw client certificate '$(field srv.out PEER)', want $client_fp"; }
  [ "$(field cli.out PEER)" = "$server_fp" ] ||
    { ok=0; why="$why; the client saw server certificate '$(field cli.out PEER)', want $server_fp"; }
  if [ "$(field cli.out PROTO)" != TLSv1.3 ] || [ "$(field srv.out PROTO)" != TLSv1.3 ]; then
    ok=0; why="$why; protocol '$(field cli.out PROTO)' / '$(field srv.out PROTO)', want TLSv1.3"
  fi
  [ "$(field cli.out DATA)" = "hello from $server (TLS server)" ] ||
    { ok=0; why="$why; the client read '$(field cli.out DATA)'"; }
  [ "$(field srv.out GOT)" = "hello from $client (TLS client)" ] ||
    { ok=0; why="$why; the server read '$(field srv.out GOT)'"; }
  [ "$(field cli.out ECHO)" = "hello from $client (TLS client)" ] ||
    { ok=0; why="$why; the echo came back as '$(field cli.out ECHO)'"; }
  [ "$(field cli.out END)" = "$want_end" ] ||
    { ok=0; why="$why; client saw END '$(field cli.out END)', want END $want_end"; }
  if grep -q '^EXTRA' "$tmp/cli.out"; then
    ok=0; why="$why; $(field cli.out EXTRA) after the echo"
  fi
  if [ "$ok" = 1 ]; then
    echo "ok   $name: $(field cli.out PROTO), each saw the other's certificate (openssl's fingerprint), lines both ways, END $want_end"
    passed=$((passed + 1))
  else
    echo "FAIL $name:${why#;}"
    sed 's/^/    server: /' "$tmp/srv.out" "$tmp/srv.err"
    sed 's/^/    client: /' "$tmp/cli.out" "$tmp/cli.err"
    failed=$((failed + 1))
  fi
}

# fingerprint_case KIND: libnatter's fingerprint of a certificate file is
# openssl's.
fingerprint_case() {
  local got
  got=$(peer "$1" fingerprint "$(tls_file "$1" client.pem)" 2>&1 | tr -d '\r')
  if [ "$got" = "$client_fp" ]; then
    echo "ok   $1 nt_tls_fingerprint_file: as openssl computes it"
    passed=$((passed + 1))
  else
    echo "FAIL $1 nt_tls_fingerprint_file: '$got', openssl says $client_fp"
    failed=$((failed + 1))
  fi
}

if ! command -v openssl >/dev/null 2>&1; then
  echo "SKIP: TLS part: the openssl program is not installed (apt-get install openssl)"
elif ! tls_certs; then
  echo "FAIL TLS part: openssl could not make the test certificates"
  failed=$((failed + 1))
else
  fingerprint_case linux
  for mode in echo cut; do
    run_tls_case "$mode" linux linux
  done
  if [ -n "$win" ] && [ -f "$win" ] && command -v "$wine_run" >/dev/null 2>&1; then
    fingerprint_case windows
    for mode in echo cut; do
      # A Linux client of a Windows TLS server, and the other way round.
      run_tls_case "$mode" windows linux
      run_tls_case "$mode" linux windows
    done
  fi
fi

echo "interop: $passed passed, $failed failed, $notes wine notes"
[ "$failed" -eq 0 ]
