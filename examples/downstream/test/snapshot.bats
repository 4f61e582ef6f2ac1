#!/usr/bin/env bats
# snapshot on the kernels it ships to: natively, on a simulated Linux 5.4,
# and on Debian's real Linux 5.10 for arm64; the library fills in.
setup() {
	load "$(pkg-config --variable=batshelper mremap-compat)"
	cd "$BATS_TEST_DIRNAME/.."
}

@test "snapshot works on Linux 5.4 as it does here" {
	run_natively ./snapshot
	run_on_simulated_kernel 5.4 ./snapshot
	assert_emulated DONTUNMAP
	assert_emulated "MAYMOVE\|FIXED, "
	assert_same_output natively simulated-5.4
}

@test "snapshot needs the library on Linux 5.4" {
	run_on_simulated_kernel --no-library 5.4 ./snapshot
	[ "$status" -ne 0 ]
	[ "$output" = "snapshot failed: Invalid argument" ]
}

@test "snapshot works on Debian's Linux 5.10 for arm64" {
	[ -x ./snapshot-arm64 ] || skip "no arm64 build (make snapshot-arm64: aarch64-linux-gnu-gcc)"
	run_natively ./snapshot
	run_on_kernel 5.10 --arch=arm64 ./snapshot-arm64
	assert_emulated "MAYMOVE\|FIXED, "  # 5.10 has DONTUNMAP, not multi-VMA moves
	assert_same_output natively kernel-5.10-arm64
}
