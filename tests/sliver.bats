#!/usr/bin/env bats
# What shim/sliver.c relies on, asked of the kernel itself (tests/sliver.c):
# a sliver of a VMA moved below every other VMA gives the first smaps record
# with the VMA's VmFlags, and moved back it merges again, changing nothing.
# On this kernel as root and as nobody, and on Debian's 5.10 kernels under
# QEMU (tests/vm), where the library cannot use it (no UFFDIO_CONTINUE to
# settle the userfaultfd registration first) but the mechanism holds.

load helpers

build_sliver() { # OUT [CC]
	${2:-${CC:-cc}} -O2 -static-pie -o "$1" "$top_srcdir/tests/sliver.c" 2>/dev/null ||
		skip "${2:-cc}: no static-pie C library (libc.a)"
}

sliver_here() { # USER
	build_sliver "$BATS_TEST_TMPDIR/sliver"
	chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/sliver"
	MC_TEST_USER=$1 run as_test_user "$BATS_TEST_TMPDIR/sliver"
	echo "$output"
	[ "$status" -ne 77 ] || skip "$(grep SKIP <<<"$output")"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': yes$' <<<"$output")" -eq 45 ]
}

sliver_vm() { # KERNEL USER [CC]
	build_sliver "$BATS_TEST_TMPDIR/sliver" "${3:-}"
	run "$top_srcdir/tests/vm/vm-exec" --user "$2" "$1" "$BATS_TEST_TMPDIR/sliver"
	echo "$output"
	[ "$status" -ne 77 ] || skip "$1 under QEMU: $output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': yes$' <<<"$output")" -eq 45 ]
}

@test "this kernel, as root: a sliver's record comes first and merges back" {
	sliver_here root
}

@test "this kernel, as nobody: a sliver's record comes first and merges back" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody (running as $(id -u))"
	sliver_here unprivileged
}

@test "x86_64 5.10 under QEMU, as root and as nobody: the same" {
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	sliver_vm x86_64-5.10 root
	sliver_vm x86_64-5.10 nobody
}

@test "arm64 5.10 under QEMU, as root and as nobody: the same" {
	command -v qemu-system-aarch64 >/dev/null || skip "qemu-system-aarch64 is not installed"
	command -v aarch64-linux-gnu-gcc >/dev/null || skip "aarch64-linux-gnu-gcc is not installed"
	sliver_vm arm64-5.10 root aarch64-linux-gnu-gcc
	sliver_vm arm64-5.10 nobody aarch64-linux-gnu-gcc
}
