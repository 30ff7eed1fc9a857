#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run one fuzz target for a fixed number of runs over its seed corpus,
# writing anything it finds to a temporary folder (never the source tree).
#   run-fuzz.sh TARGET_EXE SEED_DIR RUNS [LIBFUZZER_OPTION...]
set -euo pipefail
exe=$1 seeds=$2 runs=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/new"
"$exe" -runs="$runs" -seed=1 -max_len=4096 -timeout=10 -rss_limit_mb=1024 "$@" \
  -artifact_prefix="$work/" "$work/new" "$seeds" 2>"$work/log" || {
  tail -40 "$work/log"
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [ -e "$f" ] && { echo "input that failed ($f):"; od -c "$f" | head -20; }
  done
  exit 1
}
grep -E '^Done|DONE' "$work/log" | tail -1
