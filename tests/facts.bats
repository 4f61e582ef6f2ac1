#!/usr/bin/env bats
# The probes that replace smaps (shim/facts.c): each scenario of
# tests/facts.c runs natively and with emulation forced, as root and as an
# unprivileged user; the answers must be equal, and the library's debug
# line tells which file it read: /proc/self/maps where the probes settle
# the VMA, /proc/self/smaps where they must not or cannot.

load helpers

setup() {
	PROG="$TESTBIN/facts"
	[ -x "$PROG" ] || skip "no $PROG: run make check"
}

# run_as USER NAME [ENV...]: the scenario's output in $out, the library's
# debug lines in $err; USER is root or unprivileged.
run_as() {
	local user=$1 name=$2 rc=0
	shift 2
	out="$BATS_TEST_TMPDIR/$name.$user.$#.out"
	err="$BATS_TEST_TMPDIR/$name.$user.$#.err"
	MC_TEST_USER=$user as_test_user env "$@" "$PROG" "$name" >"$out" 2>"$err" || rc=$?
	[ "$rc" -ne 77 ] || skip "$(cat "$out")"
	[ "$rc" -eq 0 ] || { echo "exit $rc"; cat "$out" "$err"; return 1; }
}

# same_as_native NAME READ [HOW]: for both users, the emulated answer
# equals the native one and the debug line says READ (maps or smaps) and,
# when given, the strategy HOW.
same_as_native() {
	local name=$1 read=$2 how=${3:-} user native
	for user in root unprivileged; do
		if [ "$user" = unprivileged ]; then
			[ "$(id -u)" -eq 0 ] || continue
			MC_TEST_USER=unprivileged need_test_user
		fi
		run_as $user "$name"
		native=$(cat "$out")
		run_as $user "$name" LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1
		echo "$user native: $native"
		echo "$user emulated: $(cat "$out")"
		cat "$err"
		[ "$native" = "$(cat "$out")" ]
		grep -q "emulated.*\[read /proc/self/$read\]" "$err"
		[ -z "$how" ] || grep -q "emulated, $how" "$err"
	done
}

@test "calls refused after the probes leave /proc/self/smaps as it was (all but the counts of file pages, which reclaim and DAMON change)" {
	same_as_native no-trace maps
	grep -qx 'smaps unchanged' "$out"
	# c, emptied by MADV_DONTNEED, shows no page of its own: smaps
	[ "$(grep -c '\[read /proc/self/maps\]' "$err")" -eq 5 ]
	[ "$(grep -c '\[read /proc/self/smaps\]' "$err")" -eq 1 ]
}

@test "DONTUNMAP inside a private anonymous VMA reads /proc/self/maps only (move+regrow)" {
	same_as_native inside maps move+regrow
}

@test "DONTUNMAP inside a sealed VMA: EPERM, told by the mprotect probe" {
	same_as_native sealed maps
	grep -qx 'ret=-1 errno=EPERM' "$out"
}

@test "DONTUNMAP inside a userfaultfd-registered VMA: the probe sees the registration, smaps says how (copy)" {
	same_as_native registered smaps "copy (userfaultfd-registered)"
}

@test "DONTUNMAP inside an executable VMA: no mprotect probe (BTI, pkeys), smaps" {
	same_as_native exec smaps
}

@test "a thread whose seccomp filter kills on userfaultfd(): the library never calls it, reads smaps" {
	same_as_native filtered smaps move+regrow
}

@test "a FIXED move across three private anonymous VMAs reads /proc/self/maps only" {
	same_as_native multi-anon maps
}

@test "a FIXED move across VMAs, one a private file mapping: smaps" {
	same_as_native multi-file smaps
}

# equal_to_native PROG ARGS...: for both users, the program's output with
# emulation forced equals its native output.
equal_to_native() {
	local user native emulated
	for user in root unprivileged; do
		if [ "$user" = unprivileged ]; then
			[ "$(id -u)" -eq 0 ] || continue
			MC_TEST_USER=unprivileged need_test_user
		fi
		native=$(MC_TEST_USER=$user as_test_user "$@")
		emulated=$(MC_TEST_USER=$user as_test_user env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$@")
		echo "$user native:"; echo "$native"
		echo "$user emulated:"; echo "$emulated"
		[ "$native" = "$emulated" ]
	done
}

TRACES=$TESTBIN/probe-traces

@test "a refused DONTUNMAP over untouched VMAs: the userfaultfd probe gives none an anon_vma (later merges as native)" {
	equal_to_native "$TRACES/anonvma-trace" 0
}

@test "a refused FIXED move from a gap over untouched VMAs: later merges as native" {
	equal_to_native "$TRACES/anonvma-trace" 1
}

@test "READ_IMPLIES_EXEC: a refused DONTUNMAP leaves rw- VMAs rw- (no seal probe of readable memory)" {
	equal_to_native "$TRACES/rier-trace" 0
}

@test "READ_IMPLIES_EXEC: a refused FIXED grow leaves rw- VMAs rw-" {
	equal_to_native "$TRACES/rier-trace" 1
}

@test "READ_IMPLIES_EXEC: DONTUNMAP inside a VMA leaves it rw-" {
	equal_to_native "$TRACES/rier-trace" 2
}

@test "another thread's mprotect(PROT_NONE) is never undone by a probe (with threads, no probes)" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$TRACES/race-mprotect" 20000
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"found readable 0 times"* ]]
}

@test "a TSYNC seccomp filter killing on userfaultfd(), installed by another thread mid-call, never kills through the library" {
	local i dead=0 out
	for i in $(seq 0 50 2950); do
		out=$(env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$TRACES/tsync-race" "$i" 2>&1) || true
		[[ "$out" == *survived* ]] || { dead=$((dead + 1)); echo "delay $i: $out"; }
	done
	echo "killed $dead of 60"
	[ "$dead" -eq 0 ]
}
