#!/usr/bin/env bats
# Fault injection: the kernel's errno, and nothing lost.

load helpers

native_vs_emulated() {
	native=$("$TESTBIN/faults" "$1")
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$TESTBIN/faults" "$1"
	[ "$status" -eq 0 ]
	diff -u <(echo "$native") <(grep -v '^mremap-compat:' <<<"$output")
	[[ "$output" == *": emulated"* ]]
	[[ "$output" != *"DATA LOST"* ]]
}

@test "at vm.max_map_count: the kernel's errno, data at the old address" {
	native_vs_emulated mapcount
}

@test "beyond RLIMIT_AS: the kernel's errno, data at the old address" {
	native_vs_emulated rlimit-as
}

@test "at RLIMIT_MEMLOCK (unprivileged): the kernel's answer and locks, data moved" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
	native=$(nobody "$TESTBIN/faults" memlock)
	[[ "$native" != SKIP* ]] || skip "$native"
	run nobody env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$TESTBIN/faults" memlock
	[ "$status" -eq 0 ]
	diff -u <(echo "$native") <(grep -v '^mremap-compat:' <<<"$output")
	[[ "$output" == *": emulated"* ]]
}

without_proc() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace"
	command -v unshare >/dev/null || skip "unshare is not installed"
	unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' sh \
		env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$TESTBIN/faults" noproc
}

@test "without /proc a multi-VMA move answers as Linux 6.1 does (EFAULT)" {
	run without_proc
	[ "$status" -eq 0 ]
	[[ "$output" == *"cannot read its own files in /proc: answering as a kernel without"* ]]
	got=$(grep '^multi-VMA' <<<"$output")
	# Linux 6.1's own answer, from Debian's kernel under QEMU (tests/vm)
	${CC:-cc} -O2 -static -D_GNU_SOURCE -I"$top_srcdir" -o "$BATS_TEST_TMPDIR/faults" \
		"$top_srcdir/tests/faults.c" || skip "no static C library (libc.a)"
	run "$top_srcdir/tests/vm/vm-exec" x86_64-6.1 "$BATS_TEST_TMPDIR/faults" noproc
	[ "$status" -ne 77 ] || skip "Linux 6.1 under QEMU: ${output}"
	[ "$status" -eq 0 ]
	[ "$got" = "$(grep '^multi-VMA' <<<"$output")" ]
}

@test "without /proc DONTUNMAP answers as a pre-5.7 kernel does (EINVAL)" {
	run without_proc
	[ "$status" -eq 0 ]
	got=$(grep '^DONTUNMAP' <<<"$output")
	run "$TESTBIN/pre57" "$TESTBIN/faults" noproc
	[ "$status" -eq 0 ]
	[ "$got" = "$(grep '^DONTUNMAP' <<<"$output")" ]
}
