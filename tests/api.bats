#!/usr/bin/env bats
# libmremap-compat-api: mremap_compat() without interposition. Linked
# dynamically or statically, the program's mremap() stays the C library's
# (a pre-5.7 kernel refuses MREMAP_DONTUNMAP to it), while mremap_compat()
# emulates.

load helpers

API_LIB="$top_builddir/.libs/libmremap-compat-api.so"
API_STATIC_LIB="$top_builddir/.libs/libmremap-compat-api.a"
API_SYMBOLS='mremap_compat mremap_compat_features mremap_compat_version'

defined() { # defined FILE NM-OPTIONS...: the names FILE defines, sorted
	local f=$1
	shift
	nm "$@" --defined-only "$f" | awk 'NF == 3 && $2 ~ /^[TDBRVW]$/ { print $3 }' | sort -u | tr '\n' ' '
}

@test "the API library exports mremap_compat, mremap_compat_features and mremap_compat_version only" {
	run defined "$API_LIB" -D
	[ "$status" -eq 0 ]
	[ "$output" = "$API_SYMBOLS " ]
}

@test "the interposing library exports mremap and syscall besides" {
	run defined "$LIB" -D
	[ "$status" -eq 0 ]
	[ "$output" = "mremap $API_SYMBOLS syscall " ]
}

@test "the API static library defines the API and mc_-prefixed names only: no mremap or syscall" {
	run defined "$API_STATIC_LIB" -g
	[ "$status" -eq 0 ]
	[[ " $output" == *" mremap_compat "* ]]
	bad=$(tr ' ' '\n' <<<"$output" | grep -vE '^(mremap_compat|mremap_compat_features|mremap_compat_version|mc_.*|)$' || true)
	[ -z "$bad" ] || { echo "defines: $bad"; false; }
}

@test "the API library imports no allocator, stdio, environment or lock function, and not syscall" {
	run nm -D --undefined-only "$API_LIB"
	[ "$status" -eq 0 ]
	bad=$(awk '{print $2}' <<<"$output" | sed 's/@.*//' |
		grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|.*printf|f?puts|fopen|fdopen|fwrite|fread|getenv|secure_getenv|setenv|pthread_mutex_.*|pthread_rwlock_.*|pthread_once|sem_.*|syscall|mremap)$' || true)
	[ -z "$bad" ] || { echo "imports: $bad"; false; }
}

@test "the API library's SONAME is libmremap-compat-api.so.0" {
	run readelf -d "$API_LIB"
	[[ "$output" == *"Library soname: [libmremap-compat-api.so.0]"* ]]
}

api_run() { # api_run PROG: under the pre-5.7 simulation
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/pre57" "$1"
	[ "$status" -ne 77 ] || skip "pre57: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mremap: Invalid argument"* ]]
	[[ "$output" == *"mremap_compat: new: data, old: zeros"* ]]
	[[ "$output" == *"MAYMOVE|DONTUNMAP, 0x0) = 0x"*": emulated, "* ]]
	[ "$(grep -c '^mremap-compat: mremap(' <<<"$output")" -eq 1 ]
}

@test "a program linked with the API library: mremap() is libc's, mremap_compat() emulates" {
	${CC:-cc} -D_GNU_SOURCE -I"$top_srcdir/include" -o "$BATS_TEST_TMPDIR/prog" \
		"$top_srcdir/tests/api-prog.c" -L"$top_builddir/.libs" -lmremap-compat-api
	run ldd "$BATS_TEST_TMPDIR/prog"
	[[ "$output" == *libmremap-compat-api.so.0* ]]
	LD_LIBRARY_PATH="$top_builddir/.libs" api_run "$BATS_TEST_TMPDIR/prog"
}

@test "a program linked statically with the API library: mremap() is libc's, mremap_compat() emulates" {
	[ "${MC_LIBC:-glibc}" = glibc ] || skip "the library was built for $MC_LIBC"
	${CC:-cc} -static -D_GNU_SOURCE -I"$top_srcdir/include" -o "$BATS_TEST_TMPDIR/prog" \
		"$top_srcdir/tests/api-prog.c" "$API_STATIC_LIB" \
		|| skip "no static glibc (libc6-dev's libc.a) here"
	api_run "$BATS_TEST_TMPDIR/prog"
}
