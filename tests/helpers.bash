# tests/helpers.bash - shared by every Bats suite (load helpers).
# make check exports top_srcdir and top_builddir; run by hand, they default
# to the tree this file sits in.
: "${top_srcdir:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

LIB="$top_builddir/.libs/libmremap-compat.so"
STATIC_LIB="$top_builddir/.libs/libmremap-compat.a"
WRAPPER="$top_builddir/mremap-compat"
TESTBIN="$top_builddir/tests"

# Controls from the developer's shell must not leak into the tests.
unset MREMAP_COMPAT_EMULATE MREMAP_COMPAT_DEBUG MREMAP_COMPAT_STRATEGY MREMAP_COMPAT_PARK \
	MREMAP_COMPAT_PARK_SIGNAL LD_PRELOAD

# skip_unless CMD...: skip the test, saying why, when a tool is missing.
skip_unless_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# The debug lines of a run (stderr), for asserting which route a call took.
debug_lines() {
	grep '^mremap-compat: mremap(' "$1" || true
}

# musl_library DIR [shared]: the library built with musl-gcc from the same
# sources, as ./configure CC=musl-gcc would build it: DIR/libmremap-compat.a,
# and with "shared" also DIR/libmremap-compat.so (position-independent, the
# preload build). Prints the archive's path; built once per DIR.
musl_library() {
	local dir=$1 shared=${2:-} f o
	: "${MUSL_GCC:=$(command -v musl-gcc || true)}"
	[ -n "$MUSL_GCC" ] || return 1
	if [ ! -f "$dir/libmremap-compat.a" ] || { [ -n "$shared" ] && [ ! -f "$dir/libmremap-compat.so" ]; }; then
		mkdir -p "$dir/static" "$dir/pic"
		for f in "$top_srcdir"/shim/*.c; do
			o=$(basename "$f" .c).o
			"$MUSL_GCC" -O2 -Wall -Wextra -D_GNU_SOURCE -DPACKAGE_VERSION='"musl-test"' \
				-fvisibility=hidden -I"$top_srcdir" -c "$f" -o "$dir/static/$o" || return 1
			[ -z "$shared" ] || "$MUSL_GCC" -O2 -D_GNU_SOURCE -DPACKAGE_VERSION='"musl-test"' \
				-fvisibility=hidden -fPIC -DPIC -I"$top_srcdir" -c "$f" -o "$dir/pic/$o" || return 1
		done
		ar rcs "$dir/libmremap-compat.a" "$dir"/static/*.o
		[ -z "$shared" ] || "$MUSL_GCC" -shared -o "$dir/libmremap-compat.so" "$dir"/pic/*.o || return 1
	fi
	echo "$dir/libmremap-compat.a"
}

# ---- the user a test runs as ----
# MC_TEST_USER=root (the default) or unprivileged. Run as root, the
# unprivileged user is nobody (65534), reached with setpriv; run by an
# unprivileged developer, it is that developer, and the root column skips.
UNPRIV_UID=65534

# need_test_user: skips, saying why, when this user cannot be had here.
need_test_user() {
	case ${MC_TEST_USER:-root} in
	root)
		[ "$(id -u)" -eq 0 ] ||
			skip "the root column needs make check run as root (running as uid $(id -u))"
		;;
	unprivileged)
		[ "$(id -u)" -ne 0 ] && return 0
		skip_unless_cmd setpriv
		setpriv --reuid=$UNPRIV_UID --regid=$UNPRIV_UID --clear-groups -- \
			test -r "$LIB" -a -x "$TESTBIN/scenario" ||
			skip "uid $UNPRIV_UID cannot read the build tree $top_builddir (make its parent directories o+rx, or build under /tmp)"
		;;
	*)
		echo "MC_TEST_USER=$MC_TEST_USER: root or unprivileged" >&2
		return 1
		;;
	esac
}

# as_test_user CMD...: runs CMD as MC_TEST_USER. The unprivileged user gets
# a TMPDIR of its own (a fresh directory it owns, removed afterwards); the
# caller's redirections are opened by the caller, so outputs land where the
# test can write and nobody need not.
as_test_user() {
	local d rc=0
	if [ "${MC_TEST_USER:-root}" = root ] || [ "$(id -u)" -ne 0 ]; then
		"$@"
		return
	fi
	d=$(mktemp -d /tmp/mremap-compat-unpriv.XXXXXX) || return 1
	chown $UNPRIV_UID:$UNPRIV_UID "$d" || { rm -rf "$d"; return 1; }
	TMPDIR=$d setpriv --reuid=$UNPRIV_UID --regid=$UNPRIV_UID --clear-groups -- "$@" || rc=$?
	rm -rf "$d"
	return $rc
}
