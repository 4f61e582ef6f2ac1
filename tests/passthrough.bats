#!/usr/bin/env bats
# Calls that need nothing new reach the kernel unchanged: the same return
# value, errno and layout as without the library.

load helpers

@test "pass-through calls give what the kernel gives" {
	native=$("$TESTBIN/passthrough")
	run env LD_PRELOAD="$LIB" "$TESTBIN/passthrough"
	[ "$status" -eq 0 ]
	diff -u <(echo "$native") <(echo "$output")
}

@test "pass-through calls give what the kernel gives with every emulation forced" {
	native=$("$TESTBIN/passthrough")
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$TESTBIN/passthrough"
	[ "$status" -eq 0 ]
	diff -u <(echo "$native") <(echo "$output")
}

@test "pass-through calls print no debug line" {
	env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=none MREMAP_COMPAT_DEBUG=1 \
		"$TESTBIN/passthrough" >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	# DONTUNMAP calls (here with a size change, or without MAYMOVE) go to
	# the kernel by the raw syscall: a debug line each, nothing else.
	run grep -c '^mremap-compat: mremap(' "$BATS_TEST_TMPDIR/err"
	[ "$output" -eq 2 ]
	run grep -v 'DONTUNMAP' "$BATS_TEST_TMPDIR/err"
	[ -z "$output" ]
}

@test "FIXED calls that change the size are checked where multi-VMA moves are emulated" {
	env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 \
		"$TESTBIN/passthrough" >/dev/null 2>"$BATS_TEST_TMPDIR/err"
	run grep -c 'MAYMOVE|FIXED, .*: native (the source lies inside one VMA)' "$BATS_TEST_TMPDIR/err"
	[ "$output" -eq 2 ]
}
