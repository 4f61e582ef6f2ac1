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
unset MREMAP_COMPAT_EMULATE MREMAP_COMPAT_DEBUG MREMAP_COMPAT_STRATEGY LD_PRELOAD

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
