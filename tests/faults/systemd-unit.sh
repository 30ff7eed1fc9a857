#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# natterd.service's hardening, checked offline: the directives docs/security.md
# relies on are there, and systemd's own exposure score stays at or below
# 2.0 ("OK"; the unit scores 1.2 today, what is left being a network
# server's nature: the host's network, AF_INET/AF_INET6/AF_UNIX sockets).
#
#   systemd-unit.sh UNIT
#
# Exits 77 (skipped) when the unit or a systemd-analyze that can judge a
# unit file offline (systemd 252 or newer) is missing.
set -uo pipefail

unit=${1:?usage: systemd-unit.sh UNIT}
if [ ! -f "$unit" ]; then
  echo "SKIP: $unit does not exist"
  exit 77
fi
if ! command -v systemd-analyze >/dev/null 2>&1 ||
   ! systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
  echo "SKIP: systemd-analyze security --offline is not available (systemd >= 252)"
  exit 77
fi

failed=0
ok() { echo "ok    $*"; }
bad() { echo "FAIL  $*"; failed=$((failed + 1)); }

# Each directive as it must appear (whole line).
required=(
  'DynamicUser=yes'
  'NoNewPrivileges=yes'
  'CapabilityBoundingSet='
  'AmbientCapabilities='
  'ProtectSystem=strict'
  'ProtectHome=yes'
  'PrivateTmp=yes'
  'PrivateDevices=yes'
  'ProtectKernelTunables=yes'
  'ProtectKernelModules=yes'
  'ProtectControlGroups=yes'
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX'
  'RestrictNamespaces=yes'
  'RestrictSUIDSGID=yes'
  'MemoryDenyWriteExecute=yes'
  'LockPersonality=yes'
  'SystemCallArchitectures=native'
  'SystemCallFilter=@system-service'
  'SystemCallFilter=~@privileged @resources'
  'UMask=0077'
)
passed=0
for line in "${required[@]}"; do
  if grep -qxF -- "$line" "$unit"; then
    passed=$((passed + 1))
  else
    bad "$unit lacks the line '$line'"
  fi
done
[ "$passed" -eq "${#required[@]}" ] && ok "all ${#required[@]} hardening directives present"

# The exposure score, 0-100 internally (shown divided by ten).
report=$(systemd-analyze security --offline=true --threshold=20 "$unit" 2>&1)
rc=$?
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ "$rc" -eq 0 ] && [ -n "$score" ]; then
  ok "systemd-analyze security: exposure $score (threshold 2.0)"
else
  bad "systemd-analyze security: exposure ${score:-?} over 2.0 (exit $rc)"
  printf '%s\n' "$report" | grep -E '✗|Overall' | head -40
fi

total=$((${#required[@]} + 1))
echo "systemd-unit: $((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
