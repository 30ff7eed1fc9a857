#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Build every package, install and exercise each, and remove it again:
# the "packages" part of the test command.
#
#   1. scripts/packages.sh               .debs, .rpms, Windows installer
#   2. check-metadata.sh                 desktop file, AppStream, schema,
#                                        man pages vs --help, unit exposure
#   3. check-lintian.sh                  no lintian error or warning
#   4. check-debs.sh                     apt-get install, natterd as the
#                                        unit runs it, a client, purge
#   5. check-rpm.sh                      rpm -qlp contents, rpmlint, a
#                                        scratch-root install and erase
#   6. check-installer.sh                the installer under wine: silent
#                                        install, service, a native client,
#                                        silent uninstall (and /PURGE)
#   7. check-flatpak.sh                  manifest YAML and permissions
#   8. check-dist.sh                     meson dist --no-tests and its
#                                        contents (--full by hand: with
#                                        the tests)
#
#   tests/packaging/run-all.sh [--no-build]
#
# --no-build checks the packages already in build/packages/.  Prints one
# line per step and the total; exits non-zero when any step fails.  Needs
# root (or sudo) for apt-get.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

build=1
case "${1:-}" in
  --no-build) build=0 ;;
  "") ;;
  *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

steps=()
[ $build = 1 ] && steps+=("$ROOT/scripts/packages.sh")
steps+=("$HERE/check-metadata.sh" "$HERE/check-lintian.sh" "$HERE/check-debs.sh"
  "$HERE/check-rpm.sh" "$HERE/check-installer.sh" "$HERE/check-flatpak.sh"
  "$HERE/check-dist.sh")

declare -a summary
failed=0
all_start=$SECONDS
for step in "${steps[@]}"; do
  name=${step##*/}
  start=$SECONDS
  if "$step"; then
    result=PASS
  else
    result=FAIL
    failed=$((failed + 1))
    # Nothing to check without packages.
    [ "$name" = packages.sh ] && { summary+=("$(printf '%-20s FAIL  %4d s' "$name" $((SECONDS - start)))"); break; }
  fi
  summary+=("$(printf '%-20s %s  %4d s' "$name" "$result" $((SECONDS - start)))")
  echo
done

echo "== packages: summary"
printf '%s\n' "${summary[@]}"
printf 'packages: %d steps, %d failed, %d s\n' "${#summary[@]}" "$failed" $((SECONDS - all_start))
[ "$failed" -eq 0 ]
