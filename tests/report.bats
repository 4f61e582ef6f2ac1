#!/usr/bin/env bats
# mremap-compat --report: what the kernel does, what the library emulates.
# The kernel column is checked against raw system calls made here
# (tests/probecheck does none of its own probing).

load helpers

feature() { # feature NAME: its row of the report
	grep "^$1 " <<<"$output"
}

# Does this kernel do DONTUNMAP natively? Asked without the library.
kernel_has_dontunmap() {
	python3 - <<'PY'
import ctypes, mmap, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
m = libc.mmap
m.restype = ctypes.c_void_p
m.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
a = m(None, 4096, 3, 0x22, -1, 0)
r = libc.syscall(25, ctypes.c_void_p(a), ctypes.c_size_t(4096), ctypes.c_size_t(4096), 5, None)
sys.exit(0 if r != -1 else 1)
PY
}

@test "--report names the version and the kernel" {
	run "$WRAPPER" --report
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^mremap-compat\ [0-9.]+$ ]]
	[[ "${lines[1]}" == "kernel: Linux $(uname -r) "* ]]
}

@test "--report in auto mode: emulated exactly where the kernel lacks it" {
	kernel_has_dontunmap || skip "this kernel lacks DONTUNMAP"
	run "$WRAPPER" --report
	[ "$status" -eq 0 ]
	[[ "$(feature dontunmap)" == *" yes "*native ]]
}

@test "--report with EMULATE=all: every feature emulated" {
	run "$WRAPPER" --emulate=all --report
	[ "$status" -eq 0 ]
	[[ "$(feature dontunmap)" == *emulated ]]
	[[ "$(feature dontunmap-shared)" == *emulated ]]
	[[ "$(feature multi-vma)" == *emulated ]]
}

@test "--report with EMULATE=none: nothing emulated" {
	run "$WRAPPER" --emulate=none --report
	[ "$status" -eq 0 ]
	[[ "$output" != *emulated* ]]
}

@test "--report with a list: exactly the listed features emulated" {
	run "$WRAPPER" --emulate=dontunmap-shared,multi-vma --report
	[ "$status" -eq 0 ]
	[[ "$(feature dontunmap)" != *emulated ]]
	[[ "$(feature dontunmap-shared)" == *emulated ]]
	[[ "$(feature multi-vma)" == *emulated ]]
}

@test "--report under a simulated pre-5.7 kernel: DONTUNMAP emulated" {
	run "$TESTBIN/pre57" "$WRAPPER" --report
	[ "$status" -eq 0 ]
	[[ "$(feature dontunmap)" == *" no "*emulated ]]
	[[ "$(feature dontunmap-shared)" == *" no "*emulated ]]
}

@test "an unknown EMULATE value warns once and falls back to auto" {
	run env MREMAP_COMPAT_EMULATE=bogus "$WRAPPER" --report
	[ "$status" -eq 0 ]
	[ "$(grep -c 'unknown value MREMAP_COMPAT_EMULATE=bogus, using auto' <<<"$output")" -eq 1 ]
	[[ "$output" != *emulated* ]] || ! kernel_has_dontunmap
}

# A bad value is shown as a message may show it: at most 64 bytes, then
# "...", and bytes other than printable ASCII (and the backslash) as \xNN.
@test "an unknown control value is shown cut after 64 bytes" {
	long=$(head -c 131000 /dev/zero | tr '\0' x)
	run env MREMAP_COMPAT_EMULATE="$long" "$WRAPPER" --report
	[ "$status" -eq 0 ]
	line=$(grep 'unknown value MREMAP_COMPAT_EMULATE=' <<<"$output")
	echo "# ${#line} bytes: $line" >&3
	[ "$line" = "mremap-compat: unknown value MREMAP_COMPAT_EMULATE=${long:0:64}..., using auto" ]
}

@test "an unknown control value is shown with its control bytes escaped" {
	run env MREMAP_COMPAT_STRATEGY=$'a\e[2Jb\nc\\d\t\x7f\xc3\xa9' MREMAP_COMPAT_DEBUG=$'\r1' "$WRAPPER" --report
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\e'* && "$output" != *$'\r'* ]]
	grep -Fx 'mremap-compat: unknown value MREMAP_COMPAT_STRATEGY=a\x1b[2Jb\x0ac\x5cd\x09\x7f\xc3\xa9, using auto' <<<"$output"
	grep -Fx 'mremap-compat: unknown value MREMAP_COMPAT_DEBUG=\x0d1, using 0' <<<"$output"
}

@test "a value of exactly 64 bytes is shown whole" {
	v=$(head -c 64 /dev/zero | tr '\0' y)
	run env MREMAP_COMPAT_EMULATE="$v" "$WRAPPER" --report
	grep -Fx "mremap-compat: unknown value MREMAP_COMPAT_EMULATE=$v, using auto" <<<"$output"
}
