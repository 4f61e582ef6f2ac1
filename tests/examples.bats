#!/usr/bin/env bats
# The example programs (examples/): each runs natively on this kernel, with
# emulation forced by the wrapper, and under the simulated pre-5.7 kernel;
# the compactor also links statically with musl (and glibc) against the
# library.

load helpers

EX="$top_builddir/examples"

musl_archive() {
	musl_library "$BATS_FILE_TMPDIR/musl"
}

setup_file() {
	: "${MUSL_GCC:=$(command -v musl-gcc || true)}"
	export MUSL_GCC
}

# uffd-gc exits 77 when this machine gives it no userfaultfd.
skip_if_no_uffd() {
	if [ "$status" -eq 77 ]; then
		skip "$(grep -m1 '^SKIP' <<<"$output")"
	fi
}

# --- uffd-gc ---------------------------------------------------------------

@test "uffd-gc runs natively on this kernel" {
	run "$EX/uffd-gc"
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"uffd-gc: OK"* ]]
	[[ "$output" == *" 0 bad"* ]]
}

@test "uffd-gc under the wrapper on this kernel: DONTUNMAP native" {
	run "$WRAPPER" --debug "$EX/uffd-gc" 64
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"uffd-gc: OK"* ]]
	[[ "$output" == *"MAYMOVE|FIXED|DONTUNMAP, 0x"*": native"* ]]
}

@test "uffd-gc with emulation forced: DONTUNMAP emulated by copy, faults served" {
	run "$WRAPPER" --emulate=all --debug "$EX/uffd-gc"
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAYMOVE|FIXED|DONTUNMAP, 0x"*": emulated, copy (userfaultfd-registered)"* ]]
	[[ "$output" == *"256 pages copied"* ]]
	[[ "$output" == *"uffd-gc: OK"* ]]
}

@test "uffd-gc on a simulated pre-5.7 kernel fails without the library" {
	run "$TESTBIN/pre57" "$EX/uffd-gc" 16
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"mremap(MREMAP_DONTUNMAP): Invalid argument"* ]]
}

@test "uffd-gc on a simulated pre-5.7 kernel works under the wrapper" {
	run "$TESTBIN/pre57" "$WRAPPER" --debug "$EX/uffd-gc"
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"DONTUNMAP, 0x"*": emulated, copy (userfaultfd-registered)"* ]]
	[[ "$output" == *"uffd-gc: OK"* ]]
}

@test "uffd-gc under the wrapper with the race-free strategy" {
	run "$TESTBIN/pre57" "$WRAPPER" --debug --strategy=race-free "$EX/uffd-gc" 32
	skip_if_no_uffd
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *": emulated, copy"* ]]
	[[ "$output" == *"uffd-gc: OK"* ]]
}

# --- compactor -------------------------------------------------------------

@test "compactor runs natively on this kernel" {
	run "$EX/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"compactor: OK"* ]]
	[[ "$output" == *"objects checked, 0 bad"* ]]
}

@test "compactor with emulation forced: the multi-VMA move is emulated" {
	run "$WRAPPER" --emulate=all --debug "$EX/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAYMOVE|FIXED, 0x"*") = 0x"*": emulated"* ]]
	[[ "$output" == *"compactor: OK"* ]]
}

@test "compactor with only multi-vma emulated" {
	run "$WRAPPER" --emulate=multi-vma --debug "$EX/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAYMOVE|FIXED, 0x"*": emulated"* ]]
	[[ "$output" == *"compactor: OK"* ]]
}

@test "compactor on a simulated pre-5.7 kernel under the wrapper" {
	run "$TESTBIN/pre57" "$WRAPPER" --debug "$EX/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	# pre57 takes DONTUNMAP away only: this kernel still moves multi-VMA ranges.
	[[ "$output" == *"MAYMOVE|FIXED, 0x"*": native"* ]]
	[[ "$output" == *"compactor: OK"* ]]
}

@test "compactor linked statically with musl and the library" {
	[ -n "$MUSL_GCC" ] || skip "musl-gcc is not installed"
	archive=$(musl_archive)
	"$MUSL_GCC" -static -O2 -Wall -Wextra -Werror -o "$BATS_TEST_TMPDIR/compactor" \
		"$top_srcdir/examples/compactor.c" "$archive"
	run nm "$BATS_TEST_TMPDIR/compactor"
	[[ "$output" == *" T mremap"* ]]
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run "$BATS_TEST_TMPDIR/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAYMOVE|FIXED, 0x"*": emulated"* ]]
	[[ "$output" == *"compactor: OK"* ]]
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/pre57" "$BATS_TEST_TMPDIR/compactor"
	[ "$status" -eq 0 ]
	[[ "$output" == *"compactor: OK"* ]]
}

@test "compactor linked statically with glibc and the library" {
	[ "${MC_LIBC:-glibc}" = glibc ] || skip "the library was built for $MC_LIBC"
	${CC:-cc} -static -O2 -o "$BATS_TEST_TMPDIR/compactor" \
		"$top_srcdir/examples/compactor.c" "$STATIC_LIB" \
		|| skip "no static glibc (libc6-dev's libc.a) here"
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run "$BATS_TEST_TMPDIR/compactor"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAYMOVE|FIXED, 0x"*": emulated"* ]]
	[[ "$output" == *"compactor: OK"* ]]
}

# --- the sources -----------------------------------------------------------

@test "the examples compile without warnings (-Wall -Wextra)" {
	local f
	for f in uffd-gc compactor; do
		${CC:-cc} -Wall -Wextra -Werror -O2 -pthread -c -o "$BATS_TEST_TMPDIR/$f.o" \
			"$top_srcdir/examples/$f.c"
	done
}
