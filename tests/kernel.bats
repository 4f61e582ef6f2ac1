#!/usr/bin/env bats
# mremap-compat --kernel=VERSION (src/kernel.sh over the VM runner of
# tests/vm/): a command in one of Debian's real kernels under qemu. Here
# also the check of --simulate against the real thing: tests/simcheck's
# answers on a simulated kernel and on Debian's kernel of that version.

load helpers

setup() {
	SIMCHECK="$TESTBIN/simcheck"
}

# on_kernel ARGS...: run the wrapper with ARGS; skip, saying why, when this
# machine cannot run the kernel (exit 77: no qemu, no image, no network)
on_kernel() {
	run "$WRAPPER" "$@"
	if [ "$status" -eq 77 ]; then
		skip "$(echo "$output" | tr '\n' ' ')"
	fi
}

# same_as_simulated VERSION [--arch=arm64 PROGRAM]: simcheck without the
# library in Debian's VERSION and under --simulate=VERSION
same_as_simulated() {
	local v=$1 arch=${2:-} prog=${3:-$SIMCHECK} sim
	[ "$(uname -m)" = x86_64 ] || skip "kernels before 6.17 are simulated on x86_64 only"
	sim=$("$WRAPPER" --simulate="$v" --no-library "$SIMCHECK")
	on_kernel --kernel="$v" $arch --no-library "$prog"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	diff -u --label "simulated $v" --label "Debian's $v${arch:+ $arch}" <(echo "$sim") <(echo "$output")
}

@test "--list shows the kernels of the VM runner" {
	run "$WRAPPER" --list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == KERNEL* ]]
	[[ "$output" == *x86_64-5.10*bullseye* ]]
	[[ "$output" == *x86_64-5.4*"(source)"* ]]
	[[ "$output" == *arm64-5.10*bullseye* ]]
}

@test "the real 5.4 (built from source) answers as the simulated 5.4" {
	same_as_simulated 5.4
}

@test "the real 5.4 for arm64 answers as the simulated 5.4" {
	skip_unless_cmd aarch64-linux-gnu-gcc
	aarch64-linux-gnu-gcc -O2 -static -o "$BATS_TEST_TMPDIR/simcheck" "$top_srcdir/tests/simcheck.c"
	same_as_simulated 5.4 --arch=arm64 "$BATS_TEST_TMPDIR/simcheck"
}

@test "with the library, the real 5.4 answers as this kernel natively; --kernel=PATH boots an image by its path" {
	local native image
	native=$("$SIMCHECK")
	on_kernel --kernel=5.4 --debug "$SIMCHECK"
	[ "$status" -eq 0 ]
	[ "$(grep -v '^mremap-compat: ' <<<"$output")" = "$native" ]
	[[ "$output" == *'MAYMOVE|FIXED|DONTUNMAP, '*': emulated'* ]]
	# the same image, named by its path
	image=$("$top_srcdir/tests/vm/fetch-kernels" x86_64-5.4 2>/dev/null) || skip "no 5.4 image"
	on_kernel --kernel="${image#* }" --debug "$SIMCHECK"
	[ "$status" -eq 0 ]
	[ "$(grep -v '^mremap-compat: ' <<<"$output")" = "$native" ]
}

@test "Debian's real 5.10 answers as the simulated 5.10" {
	same_as_simulated 5.10
}

@test "Debian's real 6.1 answers as the simulated 6.1" {
	same_as_simulated 6.1
}

@test "Debian's real 6.12 answers as the simulated 6.12" {
	same_as_simulated 6.12
}

@test "Debian's real 5.10 for arm64 answers as the simulated 5.10" {
	skip_unless_cmd aarch64-linux-gnu-gcc
	aarch64-linux-gnu-gcc -O2 -static -o "$BATS_TEST_TMPDIR/simcheck" "$top_srcdir/tests/simcheck.c"
	same_as_simulated 5.10 --arch=arm64 "$BATS_TEST_TMPDIR/simcheck"
}

@test "with the library, Debian's real 5.10 answers as this kernel natively" {
	local native
	native=$("$SIMCHECK")
	on_kernel --kernel=5.10 --debug "$SIMCHECK"
	[ "$status" -eq 0 ]
	[ "$(grep -v '^mremap-compat: ' <<<"$output")" = "$native" ]
	[[ "$output" == *'MAYMOVE|FIXED, '*': emulated'* ]]
}

@test "with the library, Debian's real 5.10 for arm64 answers as this kernel natively" {
	local native
	skip_unless_cmd aarch64-linux-gnu-gcc
	[ -f "$top_builddir/lib-aarch64/libmremap-compat.so" ] || skip "no arm64 build of the library"
	# dynamically linked: its loader and C library from /usr/aarch64-linux-gnu,
	# the library built for arm64 preloaded
	aarch64-linux-gnu-gcc -O2 -o "$BATS_TEST_TMPDIR/simcheck" "$top_srcdir/tests/simcheck.c"
	native=$("$SIMCHECK")
	on_kernel --kernel=5.10 --arch=arm64 --debug "$BATS_TEST_TMPDIR/simcheck"
	[ "$status" -eq 0 ]
	[ "$(grep -v '^mremap-compat: ' <<<"$output")" = "$native" ]
	[[ "$output" == *'MAYMOVE|FIXED, '*': emulated'* ]]
}

@test "--kernel passes stdout, stderr and the exit status through" {
	on_kernel --kernel=6.1 --no-library "$SIMCHECK" one-vma-fixed bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "$("$SIMCHECK" one-vma-fixed)" ]
	[ "${lines[1]}" = "simcheck: unknown case bogus" ]
	run "$WRAPPER" --kernel=6.1 --no-library "$SIMCHECK" one-vma-fixed 2>/dev/null
	[ "$output" = "$("$SIMCHECK" one-vma-fixed)" ]
}

@test "--kernel runs a static program directly" {
	cc -O2 -static -o "$BATS_TEST_TMPDIR/simcheck" "$top_srcdir/tests/simcheck.c" ||
		skip "no static C library to link with"
	on_kernel --kernel=6.12 --no-library "$BATS_TEST_TMPDIR/simcheck" du-shared
	[ "$status" -eq 0 ]
	[ "$output" = "$("$SIMCHECK" du-shared)" ]
}

@test "--kernel refuses a program for the other architecture" {
	run "$WRAPPER" --kernel=5.10 --arch=arm64 "$SIMCHECK"
	[ "$status" -eq 126 ]
	[[ "$output" == *"is x86_64; Linux arm64-5.10 runs aarch64 programs"* ]]
}

@test "--kernel without qemu says what is missing" {
	local bin="$BATS_TEST_TMPDIR/bin" c
	mkdir "$bin"
	for c in dirname sed uname cat; do ln -s "$(command -v "$c")" "$bin/$c"; done
	PATH=$bin run "$WRAPPER" --kernel=5.10 "$SIMCHECK"
	[ "$status" -eq 77 ]
	[[ "$output" == *"--kernel needs qemu-system-x86_64, which is not installed (Debian: apt install qemu-system-x86)"* ]]
}

@test "--kernel wants a kernel it knows" {
	run "$WRAPPER" --kernel=5.9 true
	[ "$status" -eq 2 ]
	[[ "$output" == *"no kernel x86_64-5.9; mremap-compat --list shows them"* ]]
}
