#!/usr/bin/env bats
# syscall(SYS_mremap, ...) callers reach the library in the preload build.

load helpers

@test "syscall(SYS_mremap) with DONTUNMAP is emulated on a pre-5.7 kernel" {
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/pre57" "$WRAPPER" "$TESTBIN/rawsyscall" dontunmap
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *"MAYMOVE|DONTUNMAP, 0x0) = 0x"*": emulated, move+refill"* ]]
}

@test "syscall(SYS_mremap) with DONTUNMAP fails on a pre-5.7 kernel without the library" {
	run "$TESTBIN/pre57" "$TESTBIN/rawsyscall" dontunmap
	[ "$status" -eq 1 ]
	[ "$output" = "syscall(SYS_mremap): -1 Invalid argument" ]
}

@test "other system calls pass through syscall() untouched" {
	native=$("$TESTBIN/rawsyscall" others)
	run "$WRAPPER" "$TESTBIN/rawsyscall" others
	[ "$status" -eq 0 ]
	[ "$output" = "$native" ]
	[ "$output" = "mmap: ok, write(-1): -1 Bad file descriptor, getpid: same" ]
}
