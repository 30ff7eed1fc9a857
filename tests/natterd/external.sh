#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# natterd's live suites (tests/natterd/test-live-*.c) against a natterd
# program instead of the server they start in-process:
#
#   external.sh native NATTERD SUITE...  the native natterd
#   external.sh wine NATTERD SUITE...    natterd.exe from $NATTER_WIN_BUILD
#                                        under wine: the cross-OS test, a
#                                        Windows server and Linux clients
#   external.sh cluster NATTERD SUITE... per profile a cluster (docs/
#                                        cluster.md): three natterd nodes
#                                        and one redis-server of its own
#
# One daemon per configuration profile the suites use (the configuration
# is what `SUITE --print-config PROFILE` prints), each started with
# --config FILE --listen 127.0.0.1:0; the port comes from its log line
# "listening on 127.0.0.1:PORT".  The tls profile's daemon also listens
# for TLS clients: its configuration names certificates that
# `SUITE --make-certs DIR` made (nt_tls_make_self_signed: the server's for
# 127.0.0.1, two client certificates) and a tls_address on a port that
# `SUITE --free-port` found free (the configuration must name the real
# port: it is what sts=port= tells plaintext clients; taken meanwhile, the
# daemon is started again on another); the log line "listening on
# 127.0.0.1:PORT (TLS)" must show it.  natterd.exe under wine reads the
# same files through drive Z:.  The suites get the addresses as
# NATTERD_TEST_ADDR (profile main) and NATTERD_TEST_ADDR_<PROFILE>, the
# TLS one as NATTERD_TEST_TLS_ADDR and the certificates' folder as
# NATTERD_TEST_TLS_DIR, and
# run one after the other (they check the server forgot each test's
# clients, so they must not share a server at the same time).  Last, each
# daemon's own clean stop: a registered client stays connected, the
# daemon gets SIGTERM (native) or SIGINT (wine turns it into the console
# Ctrl-C event), the client must read "ERROR :Closing Link" and then EOF,
# and the daemon must exit with status 0.
#
# Cluster mode: per profile one redis-server (on a Unix socket in the
# temporary folder, without persistence) and three daemons, n1 n2 n3, each
# with the profile's configuration plus a [cluster] section naming that
# socket, its node name and a node_timeout of 2 s.  Every node keeps the
# profile's server name: a node answers with its own name, and the suites
# check it in replies to clients on every node.  The suites get the three
# addresses as one comma-separated list (live.c's clients take the nodes
# in turn).  Only n1 listens for TLS (one port from --free-port); n2 and n3
# advertise that port in sts (sts_port), as nodes behind one TLS endpoint
# would.  The tests start once every node logged that it is linked and
# that the two others joined.  The clean stop applies to every node.
#
# Environment:
#   NATTER_WIN_BUILD  (wine) the mingw cross build directory, holding
#                     server/natterd.exe; when unset the test prints SKIP
#                     and exits 77 (meson's "skipped")
#   NATTER_WINE_RUN   how to run a Windows program (meson passes
#                     win32/wine-run.sh: a private, quiet wine prefix)
#   (cluster)         without /usr/bin/redis-server the test prints SKIP
#                     and exits 77
#   NATTERD_TEST_KEEP when set, the temporary folder (configurations, the
#                     daemons' logs, the suites' output) is kept and named

set -uo pipefail

usage() {
  echo "usage: external.sh native|wine|cluster NATTERD SUITE..." >&2
  exit 2
}
[ $# -ge 3 ] || usage
mode=$1
natterd=$2
shift 2
suites=("$@")

# Daemons per profile: a cluster's nodes, else one.
nodes=1
case $mode in
native)
  run=("$natterd")
  stop_signal=TERM
  ;;
cluster)
  redis_server=/usr/bin/redis-server
  if [ ! -x "$redis_server" ]; then
    echo "SKIP: $redis_server is missing (Debian's redis-server package): the live suites" \
      "against a natterd cluster need a Redis of their own"
    exit 77
  fi
  run=("$natterd")
  stop_signal=TERM
  nodes=3
  ;;
wine)
  win=${NATTER_WIN_BUILD:-}
  if [ -z "$win" ]; then
    echo "SKIP: NATTER_WIN_BUILD is not set; point it at the mingw cross build" \
      "directory (scripts/test.sh exports it) to run the live suites against" \
      "natterd.exe under wine"
    exit 77
  fi
  exe=$win/server/natterd.exe
  if [ ! -f "$exe" ]; then
    echo "FAIL: $exe does not exist (NATTER_WIN_BUILD=$win): build the Windows tree first"
    exit 1
  fi
  wine_run=${NATTER_WINE_RUN:-wine}
  if ! command -v "$wine_run" >/dev/null 2>&1; then
    echo "FAIL: cannot run $wine_run (is wine installed?)"
    exit 1
  fi
  run=("$wine_run" "$exe")
  stop_signal=INT
  ;;
*)
  usage
  ;;
esac

tmp=$(mktemp -d)
# A daemon is an "instance": the profile's name, or in a cluster the
# profile's name and the node's (main-n1).
declare -A pid_of port_of redis_pid_of
cleanup() {
  for p in "${pid_of[@]}" "${redis_pid_of[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null
  if [ -n "${NATTERD_TEST_KEEP:-}" ]; then
    echo "kept the daemons' configurations and logs in $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

failed=0
# A Windows program's stderr ends its lines with CRLF.
log_of() { tr -d '\r' <"$tmp/$1.log"; }

# A file name natterd can open: under wine, the Linux root is drive Z:.
config_path() {
  if [ "$mode" = wine ]; then echo "Z:$1"; else echo "$1"; fi
}

# instances PROFILE: its daemons' names.
instances() {
  if [ "$nodes" -eq 1 ]; then
    echo "$1"
  else
    for k in $(seq 1 "$nodes"); do echo "$1-n$k"; done
  fi
}

# Does the instance listen for TLS? (the tls profile's daemon; in a
# cluster, its first node)
listens_tls() {
  [ "$1" = tls ] || [ "$1" = tls-n1 ]
}

mapfile -t profiles < <("${suites[0]}" --profiles)
[ ${#profiles[@]} -gt 0 ] || { echo "FAIL: ${suites[0]} --profiles listed nothing"; exit 1; }

# The tls profile's certificates, as the suites read them and as natterd
# opens them.
export NATTERD_TEST_TLS_DIR=$tmp/tls
mkdir -p "$NATTERD_TEST_TLS_DIR"
if ! "${suites[0]}" --make-certs "$NATTERD_TEST_TLS_DIR" >"$tmp/make-certs.out" 2>&1; then
  echo "FAIL: ${suites[0]} --make-certs could not make the TLS certificates"
  sed 's/^/    /' "$tmp/make-certs.out"
  exit 1
fi
export NATTERD_TEST_TLS_SERVER_DIR
NATTERD_TEST_TLS_SERVER_DIR=$(config_path "$NATTERD_TEST_TLS_DIR")

# (cluster) A profile's redis-server: its folder, socket and log.
redis_dir() { echo "$tmp/redis-$1"; }

start_redis() {
  local dir
  dir=$(redis_dir "$1")
  mkdir -p "$dir"
  "$redis_server" --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 \
    --save '' --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 </dev/null &
  redis_pid_of[$1]=$!
}

# wait_redis PROFILE: it accepts connections on its socket (10 s at most).
wait_redis() {
  local dir
  dir=$(redis_dir "$1")
  for _ in $(seq 1 100); do
    [ -S "$dir/redis.sock" ] && grep -qi "ready to accept connections" "$dir/redis.log" && return 0
    kill -0 "${redis_pid_of[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: redis-server (profile $1) did not start on $dir/redis.sock"
  sed 's/^/    log: /' "$dir/redis.log"
  exit 1
}

# (cluster) node_config PROFILE K: node nK's configuration, the profile's
# with its [cluster] section; only n1 listens for TLS, the others point
# sts at n1's port.
node_config() {
  local p=$1 k=$2
  {
    if [ "$p" = tls ] && [ "$k" -gt 1 ]; then
      sed -e '/^tls_address *=/d' -e "/^sts_duration *=/a sts_port = $NATTERD_TEST_TLS_PORT" \
        "$tmp/$p.conf"
    else
      cat "$tmp/$p.conf"
    fi
    printf '[cluster]\nredis = unix:%s/redis.sock\nnode = n%d\nnode_timeout = 2\n' \
      "$(redis_dir "$p")" "$k"
  } >"$tmp/$p-n$k.conf"
}

# start_daemon INSTANCE CONFIG
start_daemon() {
  "${run[@]}" --config "$(config_path "$2")" --listen 127.0.0.1:0 \
    --log-level info 2>"$tmp/$1.log" </dev/null &
  pid_of[$1]=$!
}

# start PROFILE: write its configuration and start its daemons.
start() {
  local p=$1
  if [ "$p" = tls ]; then
    NATTERD_TEST_TLS_PORT=$("${suites[0]}" --free-port) ||
      { echo "FAIL: ${suites[0]} --free-port found no port"; exit 1; }
    export NATTERD_TEST_TLS_PORT
  fi
  # The profiles with accounts keep them in a folder of their own.
  mkdir -p "$tmp/data-$p"
  NATTERD_TEST_DATA_DIR=$(config_path "$tmp/data-$p") \
    "${suites[0]}" --print-config "$p" >"$tmp/$p.conf" || { echo "FAIL: no config for $p"; exit 1; }
  if [ "$nodes" -eq 1 ]; then
    start_daemon "$p" "$tmp/$p.conf"
    return
  fi
  for k in $(seq 1 "$nodes"); do
    node_config "$p" "$k"
    start_daemon "$p-n$k" "$tmp/$p-n$k.conf"
  done
}

if [ "$nodes" -gt 1 ]; then
  for p in "${profiles[@]}"; do
    start_redis "$p"
  done
  for p in "${profiles[@]}"; do
    wait_redis "$p"
  done
fi

for p in "${profiles[@]}"; do
  start "$p"
done

# Wait for every port (a wine prefix's first start takes several seconds).
# wait_port INSTANCE: print the plaintext port (one that listens for TLS:
# once the TLS port is open too), or nothing when the daemon did not
# start listening.
wait_port() {
  local i=$1 port='' tport=''
  for _ in $(seq 1 900); do
    port=$(log_of "$i" | sed -n '/(TLS)/!s/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' | head -n 1)
    if listens_tls "$i"; then
      tport=$(log_of "$i" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (TLS).*/\1/p' | head -n 1)
      [ -n "$port" ] && [ -n "$tport" ] && break
    else
      [ -n "$port" ] && break
    fi
    kill -0 "${pid_of[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  if listens_tls "$i" && [ -z "$tport" ]; then
    port=
  fi
  echo "$port"
}

for p in "${profiles[@]}"; do
  list=
  mapfile -t insts < <(instances "$p")
  for attempt in 1 2 3; do
    list=
    restarted=0
    for i in "${insts[@]}"; do
      port=$(wait_port "$i")
      if [ -z "$port" ] && listens_tls "$i" && [ "$attempt" -lt 3 ] &&
        log_of "$i" | grep -q "listen 127\.0\.0\.1:$NATTERD_TEST_TLS_PORT.*address already in use"; then
        # Its TLS port taken by another program in the meantime: once more.
        for j in "${insts[@]}"; do
          kill -KILL "${pid_of[$j]}" 2>/dev/null
          wait "${pid_of[$j]}" 2>/dev/null
        done
        echo "natterd ($mode) profile tls: port $NATTERD_TEST_TLS_PORT was taken, starting again"
        start "$p"
        restarted=1
        break
      fi
      if [ -z "$port" ]; then
        echo "FAIL: natterd ($mode, profile $p${i#"$p"}) did not start listening"
        log_of "$i" | sed 's/^/    log: /'
        exit 1
      fi
      port_of[$i]=$port
      list=${list:+$list,}127.0.0.1:$port
    done
    [ "$restarted" = 0 ] && break
  done
  upper=$(echo "$p" | tr '[:lower:]' '[:upper:]')
  export "NATTERD_TEST_ADDR_$upper=$list"
  if [ "$p" = tls ]; then
    tls_port=$(log_of "${insts[0]}" | sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\) (TLS).*/\1/p' | head -n 1)
    if [ "$tls_port" != "$NATTERD_TEST_TLS_PORT" ]; then
      echo "FAIL: natterd ($mode, profile tls) listens for TLS on '$tls_port', its configuration says $NATTERD_TEST_TLS_PORT"
      log_of "${insts[0]}" | sed 's/^/    log: /'
      exit 1
    fi
    export NATTERD_TEST_TLS_ADDR=127.0.0.1:$tls_port
    echo "natterd ($mode) profile $p on $list, TLS on 127.0.0.1:$tls_port"
  else
    echo "natterd ($mode) profile $p on $list"
  fi
  [ "$p" = main ] && export NATTERD_TEST_ADDR=$list
done

# (cluster) linked INSTANCE: it logged its link to Redis and that every
# other node joined.
linked() {
  local i=$1 self=${1##*-} others
  log_of "$i" | grep -q "cluster: node $self~[^ ]* is linked" || return 1
  others=$(log_of "$i" | sed -n 's/.*cluster: node \([^~ ]*\)~[^ ]* joined.*/\1/p' |
    grep -vx "$self" | sort -u | wc -l)
  [ "$others" -ge $((nodes - 1)) ]
}

if [ "$nodes" -gt 1 ]; then
  started=$SECONDS
  for p in "${profiles[@]}"; do
    for i in $(instances "$p"); do
      for _ in $(seq 1 200); do
        linked "$i" && break
        sleep 0.1
      done
      if ! linked "$i"; then
        echo "FAIL: natterd (cluster, profile $p${i#"$p"}) did not link with the other nodes within 20 s"
        log_of "$i" | tail -n 20 | sed 's/^/    log: /'
        exit 1
      fi
    done
  done
  echo "natterd (cluster): every node linked with the others in $((SECONDS - started)) s"
fi

total_tests=0
for suite in "${suites[@]}"; do
  name=$(basename "$suite")
  rc=0
  "$suite" >"$tmp/$name.out" 2>&1 || rc=$?
  # CUnit's summary line: "tests  TOTAL  RAN  PASSED  FAILED  INACTIVE"
  counts=$(sed -n 's/^ *tests *\([0-9]*\) *\([0-9]*\) *\([0-9]*\) *\([0-9]*\).*/\3 passed, \4 failed/p' "$tmp/$name.out")
  ran=$(sed -n 's/^ *tests *[0-9]* *\([0-9]*\).*/\1/p' "$tmp/$name.out")
  total_tests=$((total_tests + ${ran:-0}))
  if [ "$rc" -eq 0 ]; then
    echo "ok   $name against natterd ($mode): ${counts:-?}"
  else
    echo "FAIL $name against natterd ($mode): exit $rc, ${counts:-no summary}"
    sed 's/^/    /' "$tmp/$name.out"
    failed=1
  fi
  grep -hE '^ *(SKIP|NOTE):' "$tmp/$name.out" | sed -e "s/^ */    $name: /" -e 's/ *passed$//' || true
done

for p in "${profiles[@]}"; do
  for i in $(instances "$p"); do
    if ! kill -0 "${pid_of[$i]}" 2>/dev/null; then
      echo "FAIL: natterd ($mode, profile $p${i#"$p"}) is no longer running"
      log_of "$i" | tail -n 20 | sed 's/^/    log: /'
      failed=1
    fi
  done
done

# wait_gone PID SECONDS: the exit status, or 255 after SECONDS.
wait_gone() {
  local pid=$1
  for _ in $(seq 1 $(($2 * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local st=0
      wait "$pid" || st=$?
      return "$st"
    fi
    sleep 0.1
  done
  return 255
}

# The daemon's clean stop, with a registered client connected (the main
# profile's; in a cluster, on each of its nodes).
for p in "${profiles[@]}"; do
  for i in $(instances "$p"); do
    pid=${pid_of[$i]}
    kill -0 "$pid" 2>/dev/null || continue
    got_error=0 got_eof=0
    nick=stopper${i#"$p"}
    if [ "$p" = main ] && exec 3<>"/dev/tcp/127.0.0.1/${port_of[$i]}"; then
      printf 'NICK %s\r\nUSER stopper 0 * :stop\r\n' "$nick" >&3
      while IFS= read -r -t 10 line <&3; do
        case $line in *" 001 $nick "*) break ;; esac
      done
      kill -"$stop_signal" "$pid"
      while :; do
        IFS= read -r -t 10 line <&3
        st=$?
        line=${line%$'\r'}
        case $line in "ERROR :Closing Link: 127.0.0.1 (Server shutting down)") got_error=1 ;; esac
        if [ "$st" -gt 128 ]; then break; fi # timed out
        if [ "$st" -ne 0 ]; then got_eof=1; break; fi
      done
      exec 3<&-
      if [ "$got_error" = 1 ] && [ "$got_eof" = 1 ]; then
        echo "ok   SIG$stop_signal${i#"$p"}: the connected client read ERROR, then EOF"
      else
        echo "FAIL SIG$stop_signal${i#"$p"}: the connected client saw ERROR=$got_error EOF=$got_eof"
        failed=1
      fi
    else
      kill -"$stop_signal" "$pid"
    fi
    st=0
    wait_gone "$pid" 20 || st=$?
    unset "pid_of[$i]"
    if [ "$st" -eq 0 ] && log_of "$i" | grep -q "stopped"; then
      [ "$p" = main ] && echo "ok   natterd ($mode${i#"$p"}) exits 0 after SIG$stop_signal"
    else
      echo "FAIL natterd ($mode, profile $p${i#"$p"}): exit status $st after SIG$stop_signal"
      log_of "$i" | tail -n 20 | sed 's/^/    log: /'
      [ "$st" -eq 255 ] && kill -KILL "$pid" 2>/dev/null
      failed=1
    fi
  done
done

# (cluster) The Redis servers last, once no node uses them.
for p in "${!redis_pid_of[@]}"; do
  kill -TERM "${redis_pid_of[$p]}" 2>/dev/null
  wait_gone "${redis_pid_of[$p]}" 10 || kill -KILL "${redis_pid_of[$p]}" 2>/dev/null
  unset "redis_pid_of[$p]"
done

# (cluster) The whole run's time: starting the Redis servers and nodes,
# the suites, the stops.
[ "$nodes" -gt 1 ] && echo "natterd (cluster): the run took $SECONDS s"
if [ "$failed" -ne 0 ]; then
  echo "natterd live suites against natterd ($mode): FAILED"
  exit 1
fi
echo "natterd live suites against natterd ($mode): $total_tests tests in ${#suites[@]} suites passed"
