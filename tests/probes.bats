#!/usr/bin/env bats
# The kernel probes: no mapping left behind, run once, fork-safe.

load helpers

@test "probes leave no mapping behind" {
	run "$TESTBIN/probecheck" maps
	[ "$status" -eq 0 ]
	before=$(sed -n '/^before:/,/^features:/p' <<<"$output" | sed '1d;$d')
	after=$(sed -n '/^after:/,$p' <<<"$output" | sed '1d')
	diff -u <(echo "$before") <(echo "$after")
}

@test "probes run once when 32 threads race to the first call" {
	MREMAP_COMPAT_DEBUG=1 run "$TESTBIN/probecheck" race 32
	[ "$status" -eq 0 ]
	[ "$(grep -c 'probed the kernel' <<<"$output")" -eq 1 ]
}

@test "a forked child gets the same answer" {
	run "$TESTBIN/probecheck" fork
	[ "$status" -eq 0 ]
	[ "${lines[0]#child: }" = "${lines[1]#parent: }" ]
}

@test "probes see a simulated pre-5.7 kernel" {
	run "$TESTBIN/pre57" "$TESTBIN/probecheck" race 2
	[ "$status" -eq 0 ]
	# NATIVE_DONTUNMAP (0x1) and _SHARED (0x2) missing, so both emulated.
	mask=$(( ${output#features: } ))
	[ $(( mask & 0x3 )) -eq 0 ]
	[ $(( mask & 0x30 )) -eq $(( 0x30 )) ]
}
