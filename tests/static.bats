#!/usr/bin/env bats
# Static linking: the library's strong mremap overrides the C library's
# weak alias at link time, with no change to the program's source.

load helpers

musl_archive() {
	musl_library "$BATS_FILE_TMPDIR/musl"
}

setup_file() {
	: "${MUSL_GCC:=$(command -v musl-gcc || true)}"
	export MUSL_GCC
}

@test "a static glibc program's mremap reaches the library" {
	[ "${MC_LIBC:-glibc}" = glibc ] || skip "the library was built for $MC_LIBC"
	${CC:-cc} -static -o "$BATS_TEST_TMPDIR/prog" "$top_srcdir/tests/static-prog.c" "$STATIC_LIB" \
		|| skip "no static glibc (libc6-dev's libc.a) here"
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run "$BATS_TEST_TMPDIR/prog"
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *"MAYMOVE|DONTUNMAP, 0x0) = 0x"*": emulated, move+refill"* ]]
	run nm "$BATS_TEST_TMPDIR/prog"
	[[ "$output" == *" T mremap"* ]]
}

@test "a static musl program's mremap reaches the library" {
	[ -n "$MUSL_GCC" ] || skip "musl-gcc is not installed"
	archive=$(musl_archive)
	"$MUSL_GCC" -static -o "$BATS_TEST_TMPDIR/prog" "$top_srcdir/tests/static-prog.c" "$archive"
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run "$BATS_TEST_TMPDIR/prog"
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *"MAYMOVE|DONTUNMAP, 0x0) = 0x"*": emulated, move+refill"* ]]
}

@test "a static musl program without the library gets the kernel's answer" {
	[ -n "$MUSL_GCC" ] || skip "musl-gcc is not installed"
	"$MUSL_GCC" -static -o "$BATS_TEST_TMPDIR/plain" "$top_srcdir/tests/static-prog.c"
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/pre57" "$BATS_TEST_TMPDIR/plain"
	[ "$status" -eq 1 ]
	[[ "$output" == "mremap: Invalid argument" ]]
}

@test "a static musl program linked with the library works on a pre-5.7 kernel" {
	[ -n "$MUSL_GCC" ] || skip "musl-gcc is not installed"
	archive=$(musl_archive)
	"$MUSL_GCC" -static -o "$BATS_TEST_TMPDIR/prog" "$top_srcdir/tests/static-prog.c" "$archive"
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/pre57" "$BATS_TEST_TMPDIR/prog"
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *": emulated, move+refill"* ]]
}
