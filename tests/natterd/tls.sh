#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# natterd over TLS, end to end, against the natterd program: one daemon
# with a plaintext and a TLS port (free ports, chosen here) and a
# configuration in a temporary folder, certificates made at test time
# (openssl: a CA, a server certificate for localhost/127.0.0.1 signed by
# it, a client certificate; natterd --generate-certificate: a second,
# self-signed server certificate).  In order:
#
#   s_client  openssl s_client verifies natterd against the CA, gets
#             TLSv1.3 and registers (001); -tls1_2 works too; -tls1 and
#             -tls1_1 are refused by the server (alert protocol version)
#   clients   (tls-peer.py) Python's ssl with a client certificate:
#             WHOIS 671 and 276 with the exact fingerprint, for the user
#             and an oper only; a plaintext and a TLS client chat in a
#             channel and privately; oper_requires_tls: OPER over
#             plaintext 491, over TLS 381; clients whose handshake natterd
#             finishes inside its accept callback (natterd pinned to the
#             client's CPU at nice 19; as root) still get 671 and 276
#   sts       (tls-peer.py) sts=port= on the plaintext port and
#             sts=duration= on the TLS port for CAP LS 302 only; REQ NAKed
#   weechat   weechat-headless over TLS (GnuTLS, verifying against the CA,
#             with a client certificate) joins #tlsinterop and talks with
#             a Python TLS peer both ways; its own WHOIS shows 671 and 276
#   hostile   (tls-peer.py) plaintext IRC, 64 KiB of noise, silent
#             handshakes (closed by handshake_timeout, 2 s), two storms
#             of 1,000 concurrent handshakes that all register, 100
#             abandoned handshakes, while a TLS client keeps getting PONGs;
#             natterd's RSS printed and bounded
#   reload    (tls-peer.py) the certificate replaced + SIGHUP: new
#             connections see the new one, the old connection stays; a
#             garbage certificate + SIGHUP: logged, the previous one kept
# then natterd stops on SIGTERM with status 0.
#
#   tls.sh NATTERD
#
# Environment (for a manual run):
#   TLS_SECTIONS     the sections to run (default: all, in the order above)
#   TLS_VALGRIND=1   run natterd under valgrind (--leak-check=full
#                    --error-exitcode=1); deadlines grow (TLS_SLOW, default
#                    10 then), the storms shrink (STORM, default 200 then)
#   STORM            handshakes per storm (default 1000)
#   TLS_KEEP=1       keep the temporary folder (logs, certificates)
#
# Exits 0 (pass), 1 (fail), 77 (meson's "skipped": no openssl or python3).
# weechat-headless missing only skips its section.

set -uo pipefail

natterd=${1:?usage: tls.sh NATTERD}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v openssl >/dev/null 2>&1; then
  echo "SKIP: the openssl program is not installed (apt-get install openssl)"
  exit 77
fi
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
if [ -z "$python" ] || ! "$python" -c 'import ssl' 2>/dev/null; then
  echo "SKIP: python3 with its ssl module is not installed"
  exit 77
fi

sections=${TLS_SECTIONS:-s_client clients sts weechat hostile reload}
valgrind=${TLS_VALGRIND:-0}
if [ "$valgrind" = 1 ]; then
  export TLS_SLOW=${TLS_SLOW:-10}
  export STORM=${STORM:-200}
else
  export TLS_SLOW=${TLS_SLOW:-1}
  export STORM=${STORM:-1000}
fi
# Whole seconds, for the shell's waits.
slow=$(awk -v s="$TLS_SLOW" 'BEGIN { printf "%d", (s < 1 ? 1 : s + 0.999) }')

# 1,000 connections at once, twice, plus the watcher and spares.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fds=$(ulimit -n)
if [ "$fds" != unlimited ] && [ "$fds" -lt $((STORM + 200)) ]; then
  echo "note: only $fds file descriptors: the storms shrink to $((fds - 200)) handshakes"
  STORM=$((fds - 200))
fi

tmp=$(mktemp -d)
export TLS_DIR=$tmp
natterd_pid=
weechat_pid=
probe_pid=
cleanup() {
  for pid in $probe_pid $weechat_pid $natterd_pid; do
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null
  if [ -n "${TLS_KEEP:-}" ]; then
    echo "kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

failed=0
dump() {
  for f in "$@"; do
    [ -f "$f" ] || continue
    echo "---- ${f#"$tmp"/}"
    tr -d '\r' <"$f" | tail -n 40
  done
}
fail() {
  echo "FAIL: $*"
  failed=1
  finish
}
# stop_natterd: SIGTERM (KILL after 30 s); its exit status in natterd_rc
# ("killed" when it had to be), and under valgrind its report shown.
natterd_rc=
stop_natterd() {
  [ -n "$natterd_pid" ] || return 0
  kill -TERM "$natterd_pid" 2>/dev/null
  if exited "$natterd_pid" 30; then
    natterd_rc=0
    wait "$natterd_pid" || natterd_rc=$?
  else
    kill -KILL "$natterd_pid" 2>/dev/null
    wait "$natterd_pid" 2>/dev/null
    natterd_rc=killed
  fi
  natterd_pid=
  if [ "$valgrind" = 1 ] && [ -f "$tmp/valgrind.log" ]; then
    if grep -q "ERROR SUMMARY: 0 errors" "$tmp/valgrind.log"; then
      sed -n '/HEAP SUMMARY/,$p' "$tmp/valgrind.log"
    else
      head -n 300 "$tmp/valgrind.log"
    fi | sed 's/^==[0-9]*== /     valgrind: /'
  fi
}
# The first failure ends the test (natterd stopped first, for valgrind's
# report), with the logs.
finish() {
  if [ "$failed" != 0 ]; then
    stop_natterd
    echo "natterd's exit status after SIGTERM: ${natterd_rc:-none}"
    dump "$tmp"/sc-*.out "$tmp/probe.out" "$tmp/wee/logs/irc.server.natter.weechatlog" \
      "$tmp/wee/logs/irc.irc_raw.weechatlog" "$tmp/weechat.out" "$tmp/natterd.log"
    exit 1
  fi
  echo "natterd TLS: all checks passed"
  exit 0
}
ok() { echo "ok   $*"; }

# wait_for FILE PATTERN SECONDS: until grep -qF finds PATTERN in FILE.
wait_for() {
  local file=$1 pattern=$2 tenths=$(($3 * 10 * slow))
  for _ in $(seq 1 "$tenths"); do
    grep -qF -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# wait_re FILE REGEX SECONDS: the same with an extended regular expression.
wait_re() {
  local file=$1 pattern=$2 tenths=$(($3 * 10 * slow))
  for _ in $(seq 1 "$tenths"); do
    grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check() {
  if wait_for "$1" "$2" "$3"; then ok "$4"; else fail "$4: no '$2' in ${1#"$tmp"/}"; fi
}
# exited PID SECONDS: until the process is gone (0) or the deadline (1).
exited() {
  for _ in $(seq 1 $(($2 * 10 * slow))); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}
fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
section() {
  [[ " $sections " == *" $1 "* ]] || return 1
  section_start=$SECONDS
  echo "== $1"
}
section_end() {
  echo "   ($1: $((SECONDS - section_start)) s)"
}

# ---- certificates ----
(
  set -e
  cd "$tmp"
  cat >ext.cnf <<'EOF'
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EOF
  key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
  key ca-key.pem
  openssl req -new -x509 -key ca-key.pem -subj "/O=Natter tests/CN=natterd TLS test CA" \
    -days 2 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
  # signed NAME CN EXTENSIONS SERIAL
  signed() {
    key "$1-key.pem"
    openssl req -new -key "$1-key.pem" -subj "/O=Natter tests/CN=$2" -out "$1.csr" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "$4" -days 2 \
      -sha256 -extfile ext.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
  }
  signed server localhost server 2
  signed client "natterd TLS test client" client 3
  openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
  cat client.pem client-key.pem >client-both.pem # weechat's tls_cert: both in one file
  # The file natterd's configuration names (the reload replaces it).
  cp server.pem live.pem
  cp server-key.pem live-key.pem
  chmod 600 ./*key.pem client-both.pem
) || { echo "FAIL: openssl could not make the test certificates"; exit 1; }

"$natterd" --generate-certificate "$tmp/gen.pem" "$tmp/gen-key.pem" 127.0.0.1 >"$tmp/gen.out" 2>&1 ||
  { cat "$tmp/gen.out"; echo "FAIL: natterd --generate-certificate failed"; exit 1; }
export SERVER_FP CLIENT_FP GEN_FP
SERVER_FP=$(fingerprint "$tmp/server.pem")
CLIENT_FP=$(fingerprint "$tmp/client.pem")
GEN_FP=$(fingerprint "$tmp/gen.pem")
if grep -qx "SHA-256 fingerprint: $GEN_FP" "$tmp/gen.out" &&
   openssl verify -CAfile "$tmp/gen.pem" "$tmp/gen.pem" >/dev/null 2>&1 &&
   openssl x509 -in "$tmp/gen.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:127.0.0.1"; then
  ok "natterd --generate-certificate: self-signed for 127.0.0.1, fingerprint printed as openssl computes it"
else
  cat "$tmp/gen.out"
  fail "natterd --generate-certificate: wrong fingerprint or certificate"
fi

# ---- natterd ----
export OPER_NAME=boss OPER_PASSWORD=tls-oper-secret STS_DURATION=86400
export HS_TIMEOUT=2
oper_hash=$(printf '%s\n' "$OPER_PASSWORD" | "$natterd" --hash-password) ||
  fail "natterd --hash-password failed"
if [ "$valgrind" = 1 ]; then
  supp=()
  [ -f "$here/../valgrind.supp" ] && supp=(--suppressions="$here/../valgrind.supp")
  run=(valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1
       "${supp[@]}" --log-file="$tmp/valgrind.log" "$natterd")
else
  run=("$natterd")
fi
export NATTERD_CONF=$tmp/natterd.conf NATTERD_LOG=$tmp/natterd.log

# Free ports: the OS picks them (a config's tls_address must name its port:
# sts=port= comes from it); another program may take one first, so a
# failed start is tried again with new ones.
started=0
for _ in 1 2 3; do
  read -r PLAIN_PORT TLS_PORT < <("$python" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
  export PLAIN_PORT TLS_PORT
  cat >"$NATTERD_CONF" <<EOF
[server]
name = tls.test
network = NatterTLS
[limits]
max_clients = 5000
max_clients_per_address = 5000
[listen]
address = 127.0.0.1:$PLAIN_PORT
tls_address = 127.0.0.1:$TLS_PORT
[tls]
certificate = $tmp/live.pem
key = $tmp/live-key.pem
client_certificates = yes
handshake_timeout = $HS_TIMEOUT
sts_duration = $STS_DURATION
oper_requires_tls = yes
[oper $OPER_NAME]
password = $oper_hash
EOF
  : >"$NATTERD_LOG"
  "${run[@]}" --config "$NATTERD_CONF" --log-level debug 2>"$NATTERD_LOG" &
  natterd_pid=$!
  export NATTERD_PID=$natterd_pid
  for _ in $(seq 1 $((100 * slow))); do
    grep -q " ready" "$NATTERD_LOG" && break
    kill -0 "$natterd_pid" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q " ready" "$NATTERD_LOG"; then
    started=1
    break
  fi
  kill -KILL "$natterd_pid" 2>/dev/null
  wait "$natterd_pid" 2>/dev/null
  natterd_pid=
  grep -q "not all listening addresses" "$NATTERD_LOG" || break
done
if [ "$started" != 1 ]; then
  dump "$NATTERD_LOG" "$tmp/valgrind.log"
  echo "FAIL: natterd did not start"
  exit 1
fi
grep -qF "listening on 127.0.0.1:$TLS_PORT (TLS)" "$NATTERD_LOG" ||
  fail "natterd did not log its TLS port"
grep -qF "TLS certificate $tmp/live.pem (SHA-256 $SERVER_FP)" "$NATTERD_LOG" ||
  fail "natterd did not log the certificate's fingerprint"
echo "natterd (pid $natterd_pid) on 127.0.0.1:$PLAIN_PORT, TLS on 127.0.0.1:$TLS_PORT"

# peer SECTION: tls-peer.py's checks, its lines shown as they come.
peer() {
  "$python" "$here/tls-peer.py" "$1" 2>&1 | tee "$tmp/peer-$1.out"
  local rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || fail "tls-peer.py $1 (status $rc)"
}

# ---- 1. openssl s_client ----
# sclient NAME NICK ARGS...: s_client registers NICK; its stdin (a fifo)
# stays open until 001 is in its output, then closes (s_client then ends).
sclient() {
  local name=$1 nick=$2
  shift 2
  local out=$tmp/sc-$name.out fifo=$tmp/sc-$name.in
  mkfifo "$fifo"
  timeout $((30 * slow)) openssl s_client -connect "127.0.0.1:$TLS_PORT" "$@" <"$fifo" >"$out" 2>&1 &
  local pid=$!
  exec 7>"$fifo"
  printf 'NICK %s\r\nUSER %s 0 * :s_client\r\n' "$nick" "$nick" >&7
  local got=1
  wait_for "$out" " 001 $nick " 15 && got=0
  exec 7>&-
  wait "$pid"
  local rc=$?
  [ "$got" = 0 ] || { echo "s_client $name: no 001 (status $rc)"; return 1; }
  return 0
}
if section s_client; then
  if sclient v13 sc13 -CAfile "$tmp/ca.pem" -verify_return_error -verify_ip 127.0.0.1; then
    ok "s_client: registered (001) over TLS, certificate verified against the CA"
  else
    fail "s_client (CA-verified) did not register"
  fi
  grep -q "Verify return code: 0 (ok)" "$tmp/sc-v13.out" ||
    fail "s_client: the verification did not succeed"
  if grep -q "New, TLSv1.3, Cipher is" "$tmp/sc-v13.out"; then
    ok "s_client: TLSv1.3 negotiated ($(sed -n 's/.*New, TLSv1.3, Cipher is //p' "$tmp/sc-v13.out" | head -n 1))"
  else
    fail "s_client: not TLSv1.3"
  fi
  if sclient v12 sc12 -tls1_2 -CAfile "$tmp/ca.pem" -verify_return_error -verify_ip 127.0.0.1 &&
     grep -q "New, TLSv1.2, Cipher is" "$tmp/sc-v12.out"; then
    ok "s_client -tls1_2: TLSv1.2 negotiated and registered"
  else
    fail "s_client -tls1_2 did not work"
  fi
  for old in tls1 tls1_1; do
    # SECLEVEL=0: the client really offers TLS 1.0/1.1 (OpenSSL 3 itself
    # would not), so it is the server that says no.
    timeout $((15 * slow)) openssl s_client -connect "127.0.0.1:$TLS_PORT" "-$old" \
      -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$tmp/sc-$old.out" 2>&1
    rc=$?
    if [ "$rc" != 0 ] && grep -q "alert protocol version" "$tmp/sc-$old.out" &&
       grep -q "New, (NONE), Cipher is (NONE)" "$tmp/sc-$old.out"; then
      ok "s_client -$old: refused by natterd (alert protocol version)"
    else
      fail "s_client -$old was not refused with a protocol version alert (status $rc)"
    fi
  done
  section_end s_client
fi

# ---- 2-4. Python clients ----
if section clients; then
  peer clients
  section_end clients
fi
if section sts; then
  peer sts
  section_end sts
fi

# ---- 7. weechat over TLS ----
if section weechat; then
  if ! command -v weechat-headless >/dev/null 2>&1; then
    echo "SKIP weechat: weechat-headless is not installed"
  else
    chanlog="$tmp/wee/logs/irc.natter.#tlsinterop.weechatlog"
    srvlog="$tmp/wee/logs/irc.server.natter.weechatlog"
    rawlog="$tmp/wee/logs/irc.irc_raw.weechatlog"
    fifo=$tmp/weechat.fifo
    to_fifo() {
      timeout 10 bash -c 'f=$1; shift; printf "%s\n" "$@" >"$f"' to_fifo "$fifo" "$@"
    }
    # GnuTLS verifies natterd against the CA only (not the system's) and
    # checks the address; weechat presents the client certificate.  The
    # server options are ssl* up to weechat 3.8 (Debian 12), tls* from 4.0.
    t=ssl
    [ "$(weechat-headless --version 2>/dev/null | cut -d. -f1)" -ge 4 ] 2>/dev/null && t=tls
    weechat-headless --dir "$tmp/wee" -r "/set fifo.file.path $fifo; \
/set logger.file.flush_delay 0; /set weechat.network.gnutls_ca_system off; \
/set weechat.network.gnutls_ca_user $tmp/ca.pem; \
/server raw; /command -buffer irc.irc_raw * /buffer set localvar_del_no_log; \
/server add natter 127.0.0.1/$TLS_PORT -$t; /set irc.server.natter.${t}_verify on; \
/set irc.server.natter.${t}_cert $tmp/client-both.pem; /set irc.server.natter.nicks wee; \
/set irc.server.natter.autojoin #tlsinterop; /connect natter" >"$tmp/weechat.out" 2>&1 &
    weechat_pid=$!
    wait_re "$chanlog" 'wee (\([^)]*\) )?\(~' 30 || fail "weechat (TLS) did not join #tlsinterop"
    ok "weechat: connected over TLS (certificate verified by GnuTLS) and joined #tlsinterop"
    grep -i "gnutls" "$srvlog" | cut -f3- | sed 's/^/     weechat: /'
    grep -qF "gnutls: peer's certificate is trusted" "$srvlog" ||
      fail "weechat did not say the certificate is trusted"
    ! grep -qF "does NOT match" "$srvlog" || fail "weechat: the certificate's name did not match"
    # sts: weechat asks CAP LS 302 over TLS, so it hears the duration.
    check "$srvlog" "sts=duration=$STS_DURATION" 5 "weechat: CAP LS 302 over TLS lists sts=duration=$STS_DURATION"
    to_fifo 'irc.server.natter */whois wee' || fail "cannot write to weechat's fifo"
    check "$rawlog" " 671 wee wee :is using a secure connection" 20 "weechat: its WHOIS has 671"
    check "$rawlog" " 276 wee wee :has client certificate fingerprint $CLIENT_FP" 10 \
      "weechat: its WHOIS has 276 with its client certificate's fingerprint"
    "$python" "$here/tls-peer.py" weechat >"$tmp/probe.out" 2>&1 &
    probe_pid=$!
    wait_re "$chanlog" 'probe (\([^)]*\) )?\(~probe@127\.0\.0\.1\) has joined #tlsinterop' 30 ||
      fail "weechat did not see the TLS probe join"
    check "$tmp/probe.out" "WEE_SECURE" 30 "the probe sees weechat as secure (671)"
    wait_for "$tmp/probe.out" "PROBE_SENT" 30 || fail "the probe did not send"
    check "$chanlog" "hello from the TLS probe" 30 "probe -> weechat over TLS: shown in #tlsinterop"
    to_fifo 'irc.natter.#tlsinterop *hello from weechat over TLS' \
      'irc.server.natter */msg probe private over TLS' || fail "cannot write to weechat's fifo"
    check "$tmp/probe.out" "GOT_CHANNEL" 30 "weechat -> probe over TLS: channel message"
    check "$tmp/probe.out" "GOT_PRIVATE" 30 "weechat -> probe over TLS: private message"
    check "$tmp/probe.out" "QUIT_DONE" 30 "the probe quit cleanly"
    check "$tmp/wee/logs/irc.natter.probe.weechatlog" "private reply over TLS" 30 \
      "probe -> weechat over TLS: private message in weechat's query buffer"
    wait "$probe_pid" || fail "the TLS probe failed"
    probe_pid=
    to_fifo '*/quit' || true
    exited "$weechat_pid" 10 || fail "weechat did not quit"
    weechat_pid=
  fi
  section_end weechat
fi

# ---- 5. hostile peers ----
if section hostile; then
  peer hostile
  section_end hostile
fi

# ---- 6. reload ----
if section reload; then
  peer reload
  section_end reload
fi

# ---- natterd still alive, then its clean stop ----
kill -0 "$natterd_pid" 2>/dev/null || fail "natterd is gone"
echo "natterd logged $(grep -c 'TLS handshake failed' "$NATTERD_LOG") failed handshakes" \
  "(protocol errors; timeouts and resets are not logged as such)"
stop_natterd
[ "$natterd_rc" = killed ] && fail "natterd did not stop within 30 s of SIGTERM"
if [ "$valgrind" = 1 ]; then
  [ "$natterd_rc" = 0 ] || fail "natterd under valgrind exited with $natterd_rc (errors or leaks above)"
  ok "valgrind: no errors, no definite leaks"
else
  [ "$natterd_rc" = 0 ] || fail "natterd exited with $natterd_rc after SIGTERM"
fi
grep -q "stopped" "$NATTERD_LOG" || fail "natterd did not log 'stopped'"
ok "natterd stopped cleanly on SIGTERM"
finish
