#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Shared code for win32/build-*-mingw.sh, which build the libraries the
# Windows cross build needs (CUnit, nettle, OpenSSL, SQLite) from Debian's
# source packages. Sourced, never run:
#   . "$(dirname "${BASH_SOURCE[0]}")/mingw-deps-lib.sh"
# (after "set -euo pipefail").
#
# The cache. Each library is installed, outside the checkout, into
#   $NATTER_DEPS_CACHE/<lib>-<Debian source version>-<host>-r<recipe>
# (default /var/cache/natter-deps; a ':' of an epoch becomes '_'), e.g.
#   /var/cache/natter-deps/openssl-3.0.20-1~deb12u2-x86_64-w64-mingw32-r1
# so fresh clones on the same machine reuse it. <recipe> is the RECIPE=
# line of the library's script (build-<lib>-mingw.sh; the <lib> sqlite3 is
# built by build-sqlite-mingw.sh): bump it when the recipe changes. The key
# names everything the result depends on, so an entry is never changed once
# made (--force rebuilds it). It is built in <cache>/.work/<key> and renamed
# into place in one step, under the lock <cache>/.locks/<key>.lock, so
# concurrent runs build it once and a failed build leaves no entry. When
# the cache directory cannot be created or written, entries it already has
# are used read-only and missing ones are built into <repo>/build-deps/cache
# instead (same layout).
#
# Which Debian version: that of the installed -dev package (libcunit1-dev,
# nettle-dev, libssl-dev, libsqlite3-dev) when apt has its source, so that
# the Windows build uses the same release as the native one; otherwise the
# newest source apt knows. A version whose source download fails with 404
# (stale apt lists, a partial mirror) is recorded in <cache>/.unfetchable/
# and passed over from then on, with a warning (delete the file to retry).
#
# Sets:
#   PROG            the calling script's name, for messages
#   REPO_ROOT       this checkout
#   DEPS_DIR        <repo>/build-deps
#   HOST            toolchain triplet ($MINGW_HOST, default x86_64-w64-mingw32)
#   CACHE_DIR       $NATTER_DEPS_CACHE, default /var/cache/natter-deps
#   CACHE_ROOT      where missing entries are built: CACHE_DIR, or
#                   build-deps/cache when CACHE_DIR is not writable
# and, in deps_begin:
#   CUNIT_PREFIX    $CUNIT_MINGW_PREFIX, default the cache entry
#   NETTLE_PREFIX   $NETTLE_MINGW_PREFIX, default the cache entry
#   OPENSSL_PREFIX  $OPENSSL_MINGW_PREFIX, default the cache entry
#   SQLITE_PREFIX   $SQLITE_MINGW_PREFIX, default the cache entry
#   PREFIX, DEB_VERSION, RECIPE, STAMP   for the calling script's library
# Provides (see each function):
#   die, deps_begin (arguments, versions, mingw-paths.ini, fast path,
#   lock), stamp_ok, require_tools, deps_workdir, run, fetch_debian_source,
#   write_stamp, install_stage, deps_finish; and deps_resolve,
#   write_paths_ini, deps_all_built for build-mingw-deps.sh.
#
# Every script writes the same build-deps/mingw-paths.ini (the four
# prefixes in pkg_config_libdir, built yet or not), so its content does not
# depend on which ran last and meson reconfigures only when a prefix moves
# (a new Debian version or recipe).

# shellcheck disable=SC2034 # these are for the sourcing scripts
PROG=${0##*/}
SELF=$(cd "$(dirname "$0")" && pwd)/$PROG
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LIB_DIR/.." && pwd)
DEPS_DIR=$REPO_ROOT/build-deps
HOST=${MINGW_HOST:-x86_64-w64-mingw32}
CACHE_DIR=${NATTER_DEPS_CACHE:-/var/cache/natter-deps}
SRC_LIST_DIR=/etc/apt/sources.list.d
FORCE=0
DEPS_ARGS=()

# The libraries: name (the start of the cache key), Debian source package,
# the -dev package whose installed version is preferred, the prefix
# override variable, and the script that builds it (holding the RECIPE=).
DEPS_LIBS=(cunit nettle openssl sqlite3)
declare -A DEPS_SRCPKG=([cunit]=cunit [nettle]=nettle [openssl]=openssl
                        [sqlite3]=sqlite3)
declare -A DEPS_DEVPKG=([cunit]=libcunit1-dev [nettle]=nettle-dev [openssl]=libssl-dev
                        [sqlite3]=libsqlite3-dev)
declare -A DEPS_OVERRIDE=([cunit]=${CUNIT_MINGW_PREFIX:-}
                          [nettle]=${NETTLE_MINGW_PREFIX:-}
                          [openssl]=${OPENSSL_MINGW_PREFIX:-}
                          [sqlite3]=${SQLITE_MINGW_PREFIX:-})
declare -A DEPS_SCRIPT=([cunit]=build-cunit-mingw.sh [nettle]=build-nettle-mingw.sh
                        [openssl]=build-openssl-mingw.sh
                        [sqlite3]=build-sqlite-mingw.sh)
# Filled by deps_resolve: Debian version, recipe, key, prefix of each.
declare -A DEPS_VERSION DEPS_RECIPE DEPS_KEY DEPS_PREFIX

# The build must not depend on the caller's environment: the result is
# shared by every checkout on the machine (scripts/test.sh exports CC=clang
# for its fuzz part, for instance). English messages, for the greps below.
unset CC CXX CPP LD AR RANLIB NM STRIP CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LIBS \
  MAKEFLAGS MFLAGS MAKELEVEL PKG_CONFIG_PATH PKG_CONFIG_LIBDIR \
  PKG_CONFIG_SYSROOT_DIR CROSS_COMPILE OPENSSL_CONF
export LC_ALL=C

die() { echo "$PROG: error: $*" >&2; exit 1; }
warn() { echo "$PROG: warning: $*" >&2; }

# Root only for the system steps, through sudo when not root.
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  SUDO=(__no_sudo__)
fi
# shellcheck disable=SC2317 # called through run()
as_root() { "${SUDO[@]}" "$@"; }
need_root() {
  [ "${SUDO[0]:-}" != __no_sudo__ ] ||
    die "need root to $* (not root, and sudo is not installed)"
}

# --- the cache directory ----------------------------------------------------
if mkdir -p "$CACHE_DIR" 2>/dev/null && [ -w "$CACHE_DIR" ] && [ -x "$CACHE_DIR" ]; then
  CACHE_ROOT=$CACHE_DIR
else
  CACHE_ROOT=$DEPS_DIR/cache
fi
case "$CACHE_DIR" in /*) ;; *) die "NATTER_DEPS_CACHE must be an absolute path: $CACHE_DIR" ;; esac

# lock FD FILE: take an exclusive lock on FILE as file descriptor FD (a
# no-op without flock).
lock() {
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$(dirname "$2")"
  [ -e "$2" ] || : >>"$2"
  # Read-only is enough for flock(1), and works on another user's file.
  eval "exec $1<\"\$2\""
  flock "$1"
}

# run STEP CMD...: run CMD with its output in $LOG; on failure name STEP
# and show the end of the log.
run() {
  local step=$1 rc=0
  shift
  printf '\n### %s: %s\n' "$step" "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    {
      echo "$PROG: error: step '$step' failed (exit $rc): $*"
      echo "---- last lines of $LOG ----"
      tail -n 40 "$LOG"
      echo "----"
    } >&2
    exit "$rc"
  fi
}

# --- Debian source packages -------------------------------------------------
# source_versions: "PKG VERSION" lines for every source version apt knows
# of the libraries' source packages.
source_versions() {
  local p
  local -a pkgs=()
  for p in "${DEPS_LIBS[@]}"; do pkgs+=("${DEPS_SRCPKG[$p]}"); done
  apt-cache showsrc --only-source "${pkgs[@]}" 2>/dev/null |
    awk '/^Package: / { p = $2 } /^Version: / { print p, $2 }'
}

has_deb_src_entry() {
  grep -Eqs '^[[:space:]]*Types:.*\<deb-src\>' "$SRC_LIST_DIR"/*.sources && return 0
  grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list "$SRC_LIST_DIR"/*.list && return 0
  return 1
}

add_deb_src_entry() {
  local tmp=$1/debian-src.entry
  if [ -f "$SRC_LIST_DIR/debian.sources" ]; then
    # deb822 format (Debian 12 default): same entries, Types: deb-src.
    sed -E 's/^([[:space:]]*Types:).*/\1 deb-src/' \
      "$SRC_LIST_DIR/debian.sources" >"$tmp"
    run "add deb-src entry" as_root install -m 0644 "$tmp" "$SRC_LIST_DIR/debian-src.sources"
  elif grep -Eqs '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
    # One-line format: mirror every "deb" line as "deb-src".
    grep -E '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list |
      sed -E 's/^([[:space:]]*)deb([[:space:]])/\1deb-src\2/' >"$tmp"
    run "add deb-src entry" as_root install -m 0644 "$tmp" "$SRC_LIST_DIR/debian-src.list"
  else
    die "no Debian apt sources found to derive a deb-src entry from"
  fi
}

# ensure_debian_sources: make sure apt knows every library's source package,
# adding a deb-src entry and running apt-get update (as root) only when it
# does not. Prints source_versions.
ensure_debian_sources() {
  local versions p missing=() tmp
  versions=$(source_versions)
  for p in "${DEPS_LIBS[@]}"; do
    [[ $'\n'$versions == *$'\n'"${DEPS_SRCPKG[$p]} "* ]] || missing+=("${DEPS_SRCPKG[$p]}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    # One script at a time changes apt's configuration and lists.
    lock 8 "$CACHE_ROOT/.locks/apt-sources.lock"
    versions=$(source_versions)
    missing=()
    for p in "${DEPS_LIBS[@]}"; do
      grep -q "^${DEPS_SRCPKG[$p]} " <<<"$versions" || missing+=("${DEPS_SRCPKG[$p]}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      need_root "add a deb-src apt entry and run apt-get update"
      tmp=$(mktemp -d)
      LOG=$tmp/log
      has_deb_src_entry || add_deb_src_entry "$tmp"
      run "apt-get update" as_root apt-get -q update
      rm -rf "$tmp"
      versions=$(source_versions)
      for p in "${missing[@]}"; do
        grep -q "^$p " <<<"$versions" ||
          die "apt has no source package '$p' even after apt-get update (check the deb-src entries in $SRC_LIST_DIR)"
      done
    fi
    exec 8>&-
  fi
  printf '%s\n' "$versions"
}

unfetchable_marker() { echo "$1/.unfetchable/$2_$3"; }
is_unfetchable() {
  [ -e "$(unfetchable_marker "$CACHE_DIR" "$1" "$2")" ] ||
    [ -e "$(unfetchable_marker "$CACHE_ROOT" "$1" "$2")" ]
}

# pick_version PKG INSTALLED VERSIONS...: set REPLY to the Debian version
# to build among VERSIONS: INSTALLED (the -dev package's, may be empty)
# when listed, else the newest; never one marked unfetchable.
pick_version() {
  local pkg=$1 installed=$2 v best=
  shift 2
  for v in "$@"; do
    if [ "$v" = "$installed" ] && ! is_unfetchable "$pkg" "$v"; then
      REPLY=$v
      return
    fi
  done
  for v in "$@"; do
    is_unfetchable "$pkg" "$v" && continue
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
      best=$v
    fi
  done
  [ -n "$best" ] || die "no fetchable source version of '$pkg' (versions: $*; see $CACHE_ROOT/.unfetchable/)"
  REPLY=$best
}

# recipe_of SCRIPT: set REPLY to the number on SCRIPT's RECIPE= line.
recipe_of() {
  local line
  while IFS= read -r line; do
    if [[ $line =~ ^RECIPE=([0-9]+) ]]; then
      REPLY=${BASH_REMATCH[1]}
      return
    fi
  done <"$1"
  die "no RECIPE= line in $1"
}

# stamp_matches FILE RECIPE VERSION: FILE (a .built) has "recipe=RECIPE
# host=$HOST" and "version=VERSION" lines.
stamp_matches() {
  local line rh=0 v=0
  [ -f "$1" ] || return 1
  while IFS= read -r line; do
    [ "$line" = "recipe=$2 host=$HOST" ] && rh=1
    [ "$line" = "version=$3" ] && v=1
  done <"$1"
  [ "$rh$v" = 11 ]
}

# deps_resolve: the version, recipe, cache key and prefix of each library.
# (Few subprocesses: this runs on every call, also when all is built.)
deps_resolve() {
  local all lib pkg key dev ver st
  local -a devs=() versions
  local -A installed=()
  all=$(ensure_debian_sources)
  for lib in "${DEPS_LIBS[@]}"; do devs+=("${DEPS_DEVPKG[$lib]}"); done
  while read -r dev st ver; do
    [ "$st" = ii ] && [ -z "${installed[$dev]:-}" ] && installed[$dev]=$ver
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}${Version}\n' \
             "${devs[@]}" 2>/dev/null || true)
  for lib in "${DEPS_LIBS[@]}"; do
    pkg=${DEPS_SRCPKG[$lib]}
    versions=()
    while read -r key ver; do
      [ "$key" = "$pkg" ] && versions+=("$ver")
    done <<<"$all"
    recipe_of "$LIB_DIR/${DEPS_SCRIPT[$lib]}"
    DEPS_RECIPE[$lib]=$REPLY
    pick_version "$pkg" "${installed[${DEPS_DEVPKG[$lib]}]:-}" "${versions[@]}"
    DEPS_VERSION[$lib]=$REPLY
    key=$lib-${DEPS_VERSION[$lib]//:/_}-$HOST-r${DEPS_RECIPE[$lib]}
    DEPS_KEY[$lib]=$key
    if [ -n "${DEPS_OVERRIDE[$lib]}" ]; then
      DEPS_PREFIX[$lib]=${DEPS_OVERRIDE[$lib]}
    elif [ -f "$CACHE_DIR/$key/.built" ]; then
      DEPS_PREFIX[$lib]=$CACHE_DIR/$key   # possibly read-only
    else
      DEPS_PREFIX[$lib]=$CACHE_ROOT/$key
    fi
  done
  CUNIT_PREFIX=${DEPS_PREFIX[cunit]}
  NETTLE_PREFIX=${DEPS_PREFIX[nettle]}
  OPENSSL_PREFIX=${DEPS_PREFIX[openssl]}
  SQLITE_PREFIX=${DEPS_PREFIX[sqlite3]}
}

# deps_all_built: every library's prefix has the stamp of its recipe, host
# and version (written last, so the rest is there: build-mingw-deps.sh's
# fast path). After deps_resolve.
deps_all_built() {
  local lib
  for lib in "${DEPS_LIBS[@]}"; do
    stamp_matches "${DEPS_PREFIX[$lib]}/.built" "${DEPS_RECIPE[$lib]}" \
      "${DEPS_VERSION[$lib]}" || return 1
  done
}

# build-deps/mingw-paths.ini: the absolute paths that the cross file
# cannot spell itself (meson 1.0 has no @DIRNAME@ in machine files).
# Rewritten only when its content changes, so meson does not reconfigure.
write_paths_ini() {
  local ini=$DEPS_DIR/mingw-paths.ini tmp
  case "$REPO_ROOT$CUNIT_PREFIX$NETTLE_PREFIX$OPENSSL_PREFIX$SQLITE_PREFIX" in
    *"'"* | *\\* | *:*)
      die "paths containing ', \\ or : are not supported: $REPO_ROOT, $CUNIT_PREFIX, $NETTLE_PREFIX, $OPENSSL_PREFIX, $SQLITE_PREFIX" ;;
  esac
  mkdir -p "$DEPS_DIR"
  tmp=$(mktemp "$ini.XXXXXX")
  cat >"$tmp" <<EOF
# SPDX-License-Identifier: MIT
# Generated by win32/mingw-deps-lib.sh (win32/build-*-mingw.sh) for this
# checkout; do not edit. Use after win32/mingw-w64-x86_64.ini:
#   meson setup BUILDDIR --cross-file win32/mingw-w64-x86_64.ini \\
#                        --cross-file build-deps/mingw-paths.ini

[binaries]
exe_wrapper = ['$REPO_ROOT/win32/wine-run.sh']

[properties]
pkg_config_libdir = ['$CUNIT_PREFIX/lib/pkgconfig', '$NETTLE_PREFIX/lib/pkgconfig', '$OPENSSL_PREFIX/lib/pkgconfig', '$SQLITE_PREFIX/lib/pkgconfig', '/usr/$HOST/lib/pkgconfig']
EOF
  if cmp -s "$tmp" "$ini"; then
    rm -f "$tmp"
  else
    chmod 0644 "$tmp"
    mv -f "$tmp" "$ini"
  fi
}

# stamp_ok: $STAMP says this recipe, host and Debian version.
stamp_ok() { stamp_matches "$STAMP" "$RECIPE" "$DEB_VERSION"; }

# deps_begin NAME IS_BUILT_FN [ARGS...]: handle the script's arguments
# (--force, --help), choose every library's version and prefix, write
# mingw-paths.ini, set PREFIX, DEB_VERSION, RECIPE and STAMP for NAME, and
# exit 0 at once (silently) when IS_BUILT_FN says it is installed.
# Otherwise take NAME's lock (fd 9) for the rest of the script, so
# concurrent runs build once, and return.
deps_begin() {
  local name=$1 is_built=$2 lockfile
  shift 2
  DEPS_ARGS=("$@")
  case "${1:-}" in
    "") ;;
    --force) FORCE=1 ;;
    -h|--help) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "$PROG: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac

  deps_resolve
  write_paths_ini
  PREFIX=${DEPS_PREFIX[$name]}
  DEB_VERSION=${DEPS_VERSION[$name]}
  RECIPE=${DEPS_RECIPE[$name]}
  STAMP=$PREFIX/.built

  # Fast path: nothing to do, say nothing.
  if [ "$FORCE" = 0 ] && "$is_built"; then
    exit 0
  fi
  if [ -n "${DEPS_OVERRIDE[$name]}" ]; then
    lockfile=$DEPS_DIR/.build-$name-mingw.lock
  else
    lockfile=$CACHE_ROOT/.locks/${DEPS_KEY[$name]}.lock
    if [ "$CACHE_ROOT" != "$CACHE_DIR" ]; then
      warn "$CACHE_DIR is not writable: building $name into $CACHE_ROOT (set NATTER_DEPS_CACHE to a writable directory to share builds between checkouts)"
    fi
  fi
  # Serialise concurrent runs (two checkouts, two build dirs configured at once).
  lock 9 "$lockfile"
  if [ "$FORCE" = 0 ] && "$is_built"; then
    exit 0
  fi
}

# require_tools "TOOL|HINT"...: fail listing every TOOL not on PATH, each
# with its HINT (e.g. "make|apt-get install make"). Also checks what
# fetch_debian_source needs (apt-get, dpkg-source).
require_tools() {
  local spec tool missing=()
  for spec in "$@" "apt-get|Debian/Ubuntu only" "dpkg-source|apt-get install dpkg-dev"; do
    tool=${spec%%|*}
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (${spec#*|})")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    printf '%s: error: missing tools:\n' "$PROG" >&2
    printf '  %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

# deps_workdir NAME: a fresh work directory as $WORK, with an empty step
# log $LOG: <cache>/.work/<key> (same file system as the entry, so that
# install_stage is a rename), or build-deps/work/NAME-mingw for a prefix
# given in the environment.
deps_workdir() {
  if [ -n "${DEPS_OVERRIDE[$1]}" ]; then
    WORK=$DEPS_DIR/work/$1-mingw
  else
    WORK=$CACHE_ROOT/.work/${DEPS_KEY[$1]//[~:]/_}
  fi
  LOG=$WORK/log
  rm -rf "$WORK"
  mkdir -p "$WORK"
  : >"$LOG"
}

# fetch_debian_source PKG MARKER: "apt-get source PKG=$DEB_VERSION" in
# $WORK (left as the current directory) and set SRC to the unpacked tree:
# the PKG-* directory that holds the file MARKER. When the download fails
# with 404, record the version as unfetchable and start the script again
# (it then picks the next version).
fetch_debian_source() {
  local pkg=$1 marker=$2 d rc=0 marker_file
  cd "$WORK" || exit
  printf '\n### %s: %s\n' "apt-get source" "apt-get -q source $pkg=$DEB_VERSION" >>"$LOG"
  apt-get -q source "$pkg=$DEB_VERSION" >>"$LOG" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    if grep -q ' 404 ' "$LOG"; then
      marker_file=$(unfetchable_marker "$CACHE_ROOT" "$pkg" "$DEB_VERSION")
      mkdir -p "$(dirname "$marker_file")"
      grep ' 404 ' "$LOG" >"$marker_file" || true
      warn "the source of $pkg $DEB_VERSION cannot be downloaded (404; apt lists newer than the mirror?): using an older version; delete $marker_file to retry"
      cd / && rm -rf "$WORK"
      exec 9>&-
      exec "$SELF" "${DEPS_ARGS[@]}"
    fi
    {
      echo "$PROG: error: step 'apt-get source' failed (exit $rc): apt-get source $pkg=$DEB_VERSION"
      echo "---- last lines of $LOG ----"
      tail -n 40 "$LOG"
      echo "----"
    } >&2
    exit "$rc"
  fi
  SRC=
  for d in "$WORK/$pkg"-*/; do
    [ -f "$d/$marker" ] && SRC=${d%/}
  done
  [ -n "$SRC" ] || die "unpacked $pkg source has no $marker (see $LOG)"
}

# write_stamp DIR [KEY=VALUE...]: DIR/.built, last thing before install_stage.
write_stamp() {
  local dir=$1
  shift
  {
    printf 'recipe=%s host=%s\nversion=%s\nsource=%s\n' \
      "$RECIPE" "$HOST" "$DEB_VERSION" "${SRC##*/}"
    [ "$#" -eq 0 ] || printf '%s\n' "$@"
  } >"$dir/.built"
}

# install_stage STAGE PREFIX: replace PREFIX by the directory STAGE in one
# step (a failed build never leaves a half-installed prefix), readable by
# everyone (the cache is shared).
install_stage() {
  local stage=$1 prefix=$2
  chmod -R u+rwX,go+rX-w "$stage"
  mkdir -p "$(dirname "$prefix")"
  rm -rf "$prefix.old"
  [ -e "$prefix" ] && mv "$prefix" "$prefix.old"
  mv "$stage" "$prefix"
  rm -rf "$prefix.old"
}

# deps_finish: remove $WORK (and its parent once empty); rewrite
# mingw-paths.ini (unchanged unless a version was passed over).
deps_finish() {
  cd / || exit
  rm -rf "$WORK"
  rmdir "$(dirname "$WORK")" 2>/dev/null || true
  write_paths_ini
}
