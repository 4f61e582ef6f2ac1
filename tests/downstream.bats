#!/usr/bin/env bats
# The downstream example (examples/downstream/): a project that tests its
# program on old kernels with the installed Bats helpers. Here it runs
# against this build: its wrapper, its helpers, through pkg-config.

load helpers

setup() {
	skip_unless_cmd pkg-config "${BATS:-bats}"
	EX="$BATS_TEST_TMPDIR/downstream"
	cp -R "$top_srcdir/examples/downstream" "$EX"
	chmod -R u+w "$EX"
	# an uninstalled mremap-compat.pc: the helpers of this source tree
	mkdir -p "$BATS_TEST_TMPDIR/pc"
	sed -e "s|^batshelper=.*|batshelper=$top_srcdir/bats/mremap-compat.bash|" \
		"$top_builddir/mremap-compat.pc" >"$BATS_TEST_TMPDIR/pc/mremap-compat.pc"
}

# clean CMD...: CMD in an environment free of this Bats run, with this
# build's mremap-compat and helpers
clean() {
	local path
	path=$(printf '%s\n' "$PATH" | tr ':' '\n' | grep -v bats-core | paste -sd: -)
	env -i PATH="$path" HOME="$HOME" PKG_CONFIG_PATH="$BATS_TEST_TMPDIR/pc" \
		MREMAP_COMPAT="$WRAPPER" "$@"
}

inner_bats() {
	clean make -s -C "$EX" "$@" CC="${CC:-cc}"
}

@test "pkg-config gives the Bats helper library's path" {
	run clean pkg-config --variable=batshelper mremap-compat
	[ "$status" -eq 0 ]
	[ -f "$output" ]
}

@test "the downstream example's tests pass against this build" {
	run inner_bats check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok 1 snapshot works on Linux 5.4 as it does here"* ]]
	[[ "$output" == *"ok 2 snapshot needs the library on Linux 5.4"* ]]
	# the real kernel: run, or skipped with the reason (not for want of
	# an arm64 build where there is a cross compiler)
	! command -v aarch64-linux-gnu-gcc >/dev/null || [[ "$output" != *"no arm64 build"* ]]
	[[ "$output" =~ ok\ 3\ snapshot\ works\ on\ Debian.s\ Linux\ 5.10\ for\ arm64 ]]
}

@test "assert_emulated fails when nothing was emulated" {
	make -s -C "$EX" snapshot CC="${CC:-cc}"
	# (printf: a test line in this file would be taken for one of its tests)
	printf '%s\n' >"$EX/test/fails.bats" \
		'setup() { load "$(pkg-config --variable=batshelper mremap-compat)"; cd "$BATS_TEST_DIRNAME/.."; }' \
		'@test "natively, nothing is emulated" {' \
		'	run_natively ./snapshot' \
		'	assert_emulated' \
		'}'
	run clean "${BATS:-bats}" "$EX/test/fails.bats"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no call was emulated in run natively"* ]]
}

@test "assert_same_output shows the difference of two runs" {
	make -s -C "$EX" snapshot CC="${CC:-cc}"
	printf '%s\n' >"$EX/test/differ.bats" \
		'setup() { load "$(pkg-config --variable=batshelper mremap-compat)"; cd "$BATS_TEST_DIRNAME/.."; }' \
		'@test "the old kernel alone differs" {' \
		'	run_natively ./snapshot' \
		'	run_on_simulated_kernel --no-library 5.4 ./snapshot' \
		'	refute_emulated' \
		'	assert_same_output natively simulated-5.4-alone' \
		'}'
	run clean "${BATS:-bats}" "$EX/test/differ.bats"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"+snapshot failed: Invalid argument"* ]]
}
