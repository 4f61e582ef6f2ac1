#!/usr/bin/env bats
# The mremap-compat command: runs a program with the library preloaded.

load helpers

@test "wrapper preloads the library from the build tree" {
	run "$WRAPPER" sh -c 'echo "$LD_PRELOAD"'
	[ "$status" -eq 0 ]
	[ "$output" = "$LIB" ]
}

@test "wrapper puts the library before an existing LD_PRELOAD" {
	run env LD_PRELOAD=/nonexistent/other.so "$WRAPPER" sh -c 'echo "$LD_PRELOAD"' 2>/dev/null
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$LIB:/nonexistent/other.so" ]
}

@test "wrapper passes arguments through unchanged" {
	run "$WRAPPER" printf '<%s>' 'a b' '' '--report' '*'
	[ "$status" -eq 0 ]
	[ "$output" = '<a b><><--report><*>' ]
}

@test "wrapper passes the exit status through" {
	run "$WRAPPER" sh -c 'exit 42'
	[ "$status" -eq 42 ]
}

@test "wrapper answers 127 for a command that does not exist" {
	run "$WRAPPER" /nonexistent/command
	[ "$status" -eq 127 ]
}

@test "library is mapped into the command" {
	run "$WRAPPER" cat /proc/self/maps
	[ "$status" -eq 0 ]
	[[ "$output" == *libmremap-compat.so* ]]
}

@test "--emulate, --strategy and --debug set the controls" {
	run "$WRAPPER" --emulate=all -s race-free -d sh -c 'echo "$MREMAP_COMPAT_EMULATE $MREMAP_COMPAT_STRATEGY $MREMAP_COMPAT_DEBUG"'
	[ "$status" -eq 0 ]
	[ "$output" = "all race-free 1" ]
}

@test "--help and --version" {
	run "$WRAPPER" --help
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
	run "$WRAPPER" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^mremap-compat\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "an unknown option is an error with status 2" {
	run "$WRAPPER" --bogus true
	[ "$status" -eq 2 ]
}

@test "the demo shows a multi-VMA move and DONTUNMAP, emulated" {
	run "$WRAPPER" --emulate=all --debug "$top_builddir/mremap-compat-demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *'moved: "first" "second" "third"'* ]]
	[[ "$output" == *'old range still mapped, reads zeros'* ]]
	[[ "$output" == *'MAYMOVE|FIXED, '*': emulated'* ]]
	[[ "$output" == *'MAYMOVE|FIXED|DONTUNMAP, '*': emulated'* ]]
}

@test "--simulate runs the command under a simulated kernel, with the library" {
	[ "$(uname -m)" = x86_64 ] || skip "kernels before 6.17 are simulated on x86_64 only"
	run "$WRAPPER" --simulate=5.4 --debug "$top_builddir/mremap-compat-demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *'probed the kernel: DONTUNMAP no, shared no, multi-VMA no'* ]]
	[[ "$output" == *'MAYMOVE|FIXED|DONTUNMAP, '*': emulated'* ]]
}

@test "--simulate with --no-library shows the old kernel's own answers" {
	[ "$(uname -m)" = x86_64 ] || skip "kernels before 6.17 are simulated on x86_64 only"
	run "$WRAPPER" --simulate=5.4 --no-library "$top_builddir/mremap-compat-demo"
	[ "$status" -eq 1 ]
	[[ "$output" == *'mremap failed: Bad address'* ]]
	[[ "$output" == *'mremap failed: Invalid argument'* ]]
}

@test "--report under --simulate shows what the library does there" {
	[ "$(uname -m)" = x86_64 ] || skip "kernels before 6.17 are simulated on x86_64 only"
	run "$WRAPPER" --simulate=5.10 --report
	[ "$status" -eq 0 ]
	[[ "$output" =~ dontunmap-shared\ +5.13\ +no\ +emulated ]]
	[[ "$output" =~ multi-vma\ +6.17\ +no\ +emulated ]]
}

@test "--kernel and --simulate exclude each other; --arch goes with --kernel" {
	run "$WRAPPER" --kernel=5.10 --simulate=5.10 true
	[ "$status" -eq 2 ]
	[[ "$output" == *"exclude each other"* ]]
	run "$WRAPPER" --arch=arm64 true
	[ "$status" -eq 2 ]
	[[ "$output" == *"--arch goes with --kernel"* ]]
	run "$WRAPPER" --kernel=5.10 --arch=sparc true
	[ "$status" -eq 2 ]
}

# The messages show what the user typed as the library's warnings do: at
# most 64 bytes, then "...", other bytes than printable ASCII as \xNN.
@test "an unknown option is shown escaped and cut after 64 bytes" {
	run "$WRAPPER" $'--bo\e[2Jgus\n' true
	[ "$status" -eq 2 ]
	[[ "$output" != *$'\e'* ]]
	[ "${lines[0]}" = 'mremap-compat: unknown option --bo\x1b[2Jgus\x0a' ]
	long=--$(head -c 131000 /dev/zero | tr '\0' x)
	run "$WRAPPER" "$long" true
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "mremap-compat: unknown option ${long:0:64}..." ]
}

@test "bad --simulate, --arch and --kernel values are shown escaped" {
	run "$WRAPPER" --simulate=$'5\e.4' true
	[ "$status" -eq 2 ]
	[[ "$output" == *"not '5\\x1b.4'"* ]]
	run "$WRAPPER" --kernel=5.10 --arch=$'sp\narc' true
	[ "$status" -eq 2 ]
	[[ "$output" == *"not 'sp\\x0aarc'"* ]]
	run "$WRAPPER" --kernel=$'x86_64-\e9' true
	[ "$status" -eq 2 ]
	[[ "$output" == *'no kernel x86_64-\x1b9;'* ]]
	[[ "$output" != *$'\e'* ]]
}

@test "--kernel shows a command it cannot find and a bad argument escaped" {
	run "$WRAPPER" --kernel=6.1 $'no\esuch-command'
	[ "$status" -eq 127 ] || [ "$status" -eq 77 ]
	[[ "$output" != *$'\e'* ]]
	[ "$status" -eq 77 ] || [[ "$output" == *'no\x1bsuch-command: command not found'* ]]
	run "$WRAPPER" --kernel=6.1 true $'a\e b'
	[ "$status" -eq 2 ] || [ "$status" -eq 77 ]
	[ "$status" -eq 77 ] || [[ "$output" == *"not 'a\\x1b b'"* ]]
}
