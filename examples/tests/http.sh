#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Example 3: http-server answers curl and a hand-written request with
# "HTTP/1.1 200 OK", a right Content-Length and "Hello, World".
. "$(dirname "$0")/lib.sh"

# check_response FILE: the response in FILE is the one we want.
check_response() {
    local file=$1 length body
    head -n 1 "$file" | grep -q '^HTTP/1.1 200 OK' || fail "bad status line: $(head -n 1 "$file")"
    grep -qi '^Connection: close' "$file" || fail "no Connection: close"
    length=$(tr -d '\r' <"$file" | sed -n 's/^[Cc]ontent-[Ll]ength: *//p')
    body=$(sed '1,/^\r*$/d' "$file")
    [ "$body" = "Hello, World" ] || fail "body is '$body'"
    [ "$length" = "${#body}" ] || fail "Content-Length $length, body ${#body} bytes"
}

start server http-server -n 2 127.0.0.1:0
port_of server

if command -v curl >/dev/null 2>&1; then
    curl -sS -i --max-time 10 "http://127.0.0.1:$PORT/" >"$WORK/curl.txt" ||
        fail "curl failed"
    check_response "$WORK/curl.txt"
else
    # Without curl, the same request by hand.
    send_request() { printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'; }
    exec {sock}<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
    send_request >&"$sock"
    timeout 10 cat <&"$sock" >"$WORK/curl.txt" || fail "no response"
    exec {sock}>&-
    check_response "$WORK/curl.txt"
fi

# A plain TCP request, sent in two pieces with bare LF line ends (both
# allowed): the server must read up to the empty line, whatever recv()
# returns.
exec {sock}<>"/dev/tcp/127.0.0.1/$PORT" || fail "cannot connect"
printf 'GET /plain HTTP/1.0\r\nHost: 127.0.0.1\r\n' >&"$sock"
sleep 0.2
printf 'User-Agent: natter-test\n\n' >&"$sock"
timeout 10 cat <&"$sock" >"$WORK/plain.txt" || fail "no response to the plain request"
exec {sock}>&-
check_response "$WORK/plain.txt"

wait_exit server 0
expect server "GET /plain HTTP/1.0"
