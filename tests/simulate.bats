#!/usr/bin/env bats
# mremap-compat --simulate=KERNEL (src/simulate.c): mremap() answers as an
# older kernel would. tests/simcheck makes the calls whose answers changed.
#
# Without the library, a simulated kernel must answer as doc/behaviour.md section 1
# says that kernel answered: this kernel's native answer, except where a
# feature arrived later than the simulated version. (The lead compares the
# same cases with Debian's real kernels once the VM runner is there.)
# With the library in front, every simulated kernel must answer as this
# kernel does natively.

load helpers

setup() {
	SIMCHECK="$TESTBIN/simcheck"
	[ "$(uname -m)" = x86_64 ] || skip "kernels before 6.17 are simulated on x86_64 only, this is $(uname -m)"
}

# ver_lt A B: kernel version A is older than B (MAJOR.MINOR)
ver_lt() {
	[ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]
}

# old_answer VERSION CASE NATIVE: what doc/behaviour.md section 1 says kernel VERSION
# answers where this kernel (6.18) answers NATIVE.
old_answer() {
	local v=$1 c=$2 native=$3
	case $c in
	du-private)
		ver_lt "$v" 5.7 && { echo "EINVAL dest=n/a src=mapped"; return; } ;;
	du-private-fixed)
		# the unknown flag is refused before anything is unmapped
		ver_lt "$v" 5.7 && { echo "EINVAL dest=mapped src=mapped"; return; } ;;
	du-shared|du-file-private)
		ver_lt "$v" 5.7 && { echo "EINVAL dest=mapped src=mapped"; return; }
		# 5.7-5.12: private anonymous only; the FIXED destination went first
		ver_lt "$v" 5.13 && { echo "EINVAL dest=unmapped src=mapped"; return; } ;;
	multi-vma|gap-at-end|grow-fixed-across)
		# before 6.17: the range crosses the end of a VMA, after the
		# FIXED destination was unmapped
		ver_lt "$v" 6.17 && { echo "EFAULT dest=unmapped src=mapped"; return; } ;;
	esac
	echo "$native"
}

# compare_with_spec VERSION: simcheck without the library under VERSION
compare_with_spec() {
	local v=$1 native want line c
	native=$("$SIMCHECK")
	run "$WRAPPER" --simulate="$v" --no-library "$SIMCHECK"
	[ "$status" -eq 0 ] || { echo "exit $status: $output"; return 1; }
	want=$(while IFS= read -r line; do
		c=${line%%: *}
		echo "$c: $(old_answer "$v" "$c" "${line#*: }")"
	done <<<"$native")
	diff -u --label "Linux $v per doc/behaviour.md" --label "simulated $v" <(echo "$want") <(echo "$output")
}

@test "a simulated 4.19 answers as 4.19 did (no DONTUNMAP, no multi-VMA move)" {
	compare_with_spec 4.19
}

@test "a simulated 5.4 answers as 5.4 did" {
	compare_with_spec 5.4
}

@test "a simulated 5.10 answers as 5.10 did (DONTUNMAP on private anonymous memory only)" {
	compare_with_spec 5.10
}

@test "a simulated 5.15 answers as 5.15 did (DONTUNMAP everywhere, no multi-VMA move)" {
	compare_with_spec 5.15
}

@test "a simulated 6.1 answers as 6.1 did" {
	compare_with_spec 6.1
}

@test "a simulated 6.16 answers as 6.16 did" {
	compare_with_spec 6.16
}

@test "a simulated 6.17 answers as this kernel does" {
	compare_with_spec 6.17
}

# with_library VERSION: simcheck with the library under VERSION = native
with_library() {
	local v=$1 native
	native=$("$SIMCHECK")
	"$WRAPPER" --simulate="$v" --debug "$SIMCHECK" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" ||
		{ cat "$BATS_TEST_TMPDIR/err"; return 1; }
	diff -u --label "6.18 native" --label "simulated $v + library" <(echo "$native") "$BATS_TEST_TMPDIR/out"
	grep -q ': emulated' "$BATS_TEST_TMPDIR/err"
}

@test "with the library, a simulated 5.4 answers as this kernel natively" {
	with_library 5.4
}

@test "with the library, a simulated 5.10 answers as this kernel natively" {
	with_library 5.10
}

@test "with the library, a simulated 6.1 answers as this kernel natively" {
	with_library 6.1
}

@test "a refused FIXED call unmaps a shrink's tail too, before 6.17" {
	# the tail goes with the destination: mremap_to() unmapped both first
	run "$WRAPPER" --simulate=6.1 --no-library python3 -c '
import ctypes, mmap
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = libc.mremap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int, ctypes.c_void_p]
libc.msync.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
p = mmap.PAGESIZE
a = libc.mmap(None, 16 * p, 3, 0x22, -1, 0)
libc.mprotect(a + p, p, 1)  # [rw][r][rw rw ...]: the head crosses a VMA end
r = libc.mremap(a, 4 * p, 2 * p, 3, a + 8 * p)
print(ctypes.get_errno(), libc.msync(a + 2 * p, 2 * p, 4), libc.msync(a + 8 * p, 2 * p, 4))'
	[ "$status" -eq 0 ]
	# EFAULT; the tail [2,4) and the destination [8,10) are gone (msync -1)
	[ "$output" = "14 -1 -1" ]
}

@test "the simulation reaches the command's children" {
	run "$WRAPPER" --simulate=5.4 --no-library sh -c "'$SIMCHECK' multi-vma; '$SIMCHECK' du-private"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "multi-vma: EFAULT dest=unmapped src=mapped" ]
	[ "${lines[1]}" = "du-private: EINVAL dest=n/a src=mapped" ]
}

@test "the simulator passes arguments, output and the exit status through" {
	run "$WRAPPER" --simulate=5.10 printf '<%s>' 'a b' '' '*'
	[ "$status" -eq 0 ]
	[ "$output" = '<a b><><*>' ]
	run "$WRAPPER" --simulate=5.10 sh -c 'echo err >&2; exit 42'
	[ "$status" -eq 42 ]
	[ "$output" = err ]
}

@test "a command killed by a signal kills the simulator with the same signal" {
	run sh -c "'$WRAPPER' --simulate=5.10 sh -c 'kill -USR1 \$\$'; echo \$?"
	echo "$output"
	[ "${lines[-1]}" = $((128 + 10)) ]
}

@test "the simulator answers 127 for a command that does not exist" {
	run "$WRAPPER" --simulate=5.4 /nonexistent/command
	[ "$status" -eq 127 ]
}

@test "--simulate wants a kernel version" {
	run "$WRAPPER" --simulate=old true
	[ "$status" -eq 2 ]
	[[ "$output" == *"kernel version"* ]]
	run "$WRAPPER" --simulate=5.10.0-28-amd64 true
	[ "$status" -eq 0 ]
}

# The route word of the debug line names who did the call. On 5.7-5.12 the
# library asks the kernel first for DONTUNMAP without FIXED: private
# anonymous memory is the kernel's own, a shared mapping the library's.
@test "with the library, a simulated 5.10 does DONTUNMAP of private anonymous memory itself: the debug line says native" {
	"$WRAPPER" --simulate=5.10 --debug "$SIMCHECK" du-private >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$("$SIMCHECK" du-private)" ]
	grep -q '^mremap-compat: mremap(.*MAYMOVE|DONTUNMAP.*) = 0x[0-9a-f]*: native (the kernel has DONTUNMAP for this kind of mapping)$' "$BATS_TEST_TMPDIR/err"
	! grep -q ': emulated' "$BATS_TEST_TMPDIR/err"
}

# A garbage collector's DONTUNMAP|FIXED of a whole private anonymous VMA:
# 5.10 does it, after one read of the maps (no smaps walk of the heap).
@test "with the library, a simulated 5.10 does a GC heap's DONTUNMAP|FIXED itself, from the maps alone" {
	"$WRAPPER" --simulate=5.10 --debug "$TESTBIN/scenario" du-gc-heap >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$("$TESTBIN/scenario" du-gc-heap)" ]
	grep -q '^mremap-compat: mremap(.*MAYMOVE|FIXED|DONTUNMAP.*) = 0x[0-9a-f]*: native (the kernel has DONTUNMAP for this kind of mapping) \[read /proc/self/maps\]$' "$BATS_TEST_TMPDIR/err"
}

@test "with the library, a simulated 5.10 leaves DONTUNMAP of a shared mapping to the library: the debug line says emulated" {
	"$WRAPPER" --simulate=5.10 --debug "$SIMCHECK" du-shared >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$("$SIMCHECK" du-shared)" ]
	grep -q '^mremap-compat: mremap(.*DONTUNMAP.*) = 0x[0-9a-f]*: emulated' "$BATS_TEST_TMPDIR/err"
}

# Before 6.17 a kernel checks a FIXED or DONTUNMAP call's arguments in
# another order (5.16-6.16 look up the VMA first: EFAULT where 6.18 answers
# EINVAL) and compares a DONTUNMAP's lengths before rounding them (EINVAL
# where 6.18 moves). The simulator leaves argument errors to this kernel, so
# this checks the library's route: 6.18's checks answer first. (The rounded
# lengths are seen only on a real 6.1: tests/vm/vm-exec x86_64-6.1.)
dontunmap_args() {
	python3 -c '
import ctypes, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = libc.mremap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mremap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_int, ctypes.c_void_p]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
p = mmap.PAGESIZE
a = libc.mmap(None, 8 * p, 3, 0x22, -1, 0)
libc.munmap(a, 4 * p)
def show(what, r):
    print(what, "ok" if r != ctypes.c_void_p(-1).value else os.strerror(ctypes.get_errno()))
show("hint-overlap-no-vma", libc.mremap(a, 2 * p, 2 * p, 1 | 4, a + p))
show("subpage-lengths", libc.mremap(a + 4 * p, p, p - 0xadd, 1 | 4, None))'
}

@test "with the library, a simulated 6.1 answers a DONTUNMAP hint over the old range with no VMA as 6.18 (its argument checks first)" {
	local native
	native=$(dontunmap_args)
	run "$WRAPPER" --simulate=6.1 --debug sh -c "$(declare -f dontunmap_args); dontunmap_args"
	echo "$output"
	grep -q '^hint-overlap-no-vma Invalid argument$' <<<"$native"
	grep -q '^hint-overlap-no-vma Invalid argument$' <<<"$output"
	[[ "$output" == *"MAYMOVE|DONTUNMAP"*"= -1 EINVAL (22): emulated (refused by the argument checks)"* ]]
}

@test "the simulator shows a command it cannot execute escaped" {
	run "$WRAPPER" --simulate=5.4 $'/nonexistent/\e[2J'
	[ "$status" -eq 127 ]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" == *'cannot execute /nonexistent/\x1b[2J: '* ]]
}
