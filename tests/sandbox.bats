#!/usr/bin/env bats
# The library inside seccomp sandboxes: a sandbox that traps system calls
# with SIGSYS (SECCOMP_RET_TRAP) and answers them from its handler must
# survive every emulated path, the zero-copy window (signals blocked)
# included. Natively the call opens nothing; the library opens /proc files.

load helpers

setup() {
	PROG="$TESTBIN/seccomp-trap"
	[ -x "$PROG" ] || skip "no $PROG: run make check"
}

@test "natively, the trapping sandbox's DONTUNMAP succeeds" {
	run "$PROG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok "*"data ok"* ]]
}

@test "emulation forced, one thread (zero copy inside the window): the sandbox's SIGSYS handler answers the library's opens" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$PROG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok "*"data ok"* ]]
	[[ "$output" != *"trapped=0"* ]] # the library's opens were trapped and answered
}

@test "emulation forced, a second thread under the sandbox: not parked (a filter), refused as an old kernel (EINVAL), the sandbox survives, the data stays" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$PROG" 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"MAP_FAILED errno=22"*"old range intact"* ]]
	[[ "$output" == *"[not parked: a seccomp filter"* ]]
}

@test "emulation forced, a second thread, MREMAP_COMPAT_STRATEGY=race-free (the copy, nobody parked): the sandbox survives" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_STRATEGY=race-free "$PROG" 1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok "*"data ok"* ]]
}

@test "on the simulated pre-5.7 kernel, the sandbox survives the library" {
	run env LD_PRELOAD="$LIB" "$TESTBIN/pre57" "$PROG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok "*"data ok"* ]]
}
