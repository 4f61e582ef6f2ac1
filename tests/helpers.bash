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
