#!/usr/bin/env bats
# Other threads run while the library emulates (shim/park.c): what they see
# must be what the kernel's own call, under the mmap lock, lets them see.
# Each test runs tests/park natively on this kernel (the oracle) and again
# with the library, emulation forced and on the simulated pre-5.7 kernel,
# as root and as the unprivileged user; the outputs (facts that do not
# depend on timing: answers, stores lost, ranges taken, children that saw a
# split move) must be identical.

load helpers

PARK="$TESTBIN/park"

# park_same ARGS...: the native output of tests/park ARGS, then the
# library's, forced and on pre-5.7 (PARK_COLUMNS), for root and the
# unprivileged user. PARK_MAY_REFUSE=1: a park that fails is no failure
# (the mode prints only what must hold either way). PARK_FIRST_LINE=1:
# only the first line is compared (the rest is a known divergence).
park_same() {
	local user nat out err rc
	for user in root unprivileged; do
		MC_TEST_USER=$user
		need_test_user
		rc=0
		nat=$(as_test_user "${GUARD[@]}" env -u LD_PRELOAD "$PARK" "$@") || rc=$?
		[ "$rc" -eq 0 ] || { echo "native run failed ($(guard_says "$rc")): $nat"; return 1; }
		for how in ${PARK_COLUMNS:-forced pre57}; do
			err="$BATS_TEST_TMPDIR/$user-$how.err"
			rc=0
			if [ $how = forced ]; then
				out=$(as_test_user "${GUARD[@]}" env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all \
					MREMAP_COMPAT_DEBUG=1 "$PARK" "$@" 2>"$err") || rc=$?
			else
				out=$(as_test_user "${GUARD[@]}" "$TESTBIN/pre57" env LD_PRELOAD="$LIB" \
					MREMAP_COMPAT_DEBUG=1 "$PARK" "$@" 2>"$err") || rc=$?
			fi
			[ "$rc" -eq 0 ] || { echo "$user, $how: $(guard_says "$rc"): $out"; cat "$err"; return 1; }
			if [ -n "${PARK_FIRST_LINE:-}" ]; then # (what else differs is a known divergence)
				nat=$(head -1 <<<"$nat") out=$(head -1 <<<"$out")
			fi
			diff -u --label "native ($user)" --label "library, $how ($user)" \
				<(echo "$nat") <(echo "$out") || return 1
			grep -q ': emulated' "$err" || { echo "$user, $how: never emulated"; cat "$err"; return 1; }
			[ -z "${PARK_MAY_REFUSE:-}" ] && grep -q 'not parked' "$err" && { echo "$user, $how: a park failed:"; grep 'not parked' "$err" | head -3; return 1; }
			echo "# $user, $how: $(grep -c '\[parked ' "$err") calls parked other threads" >&3
		done
	done
	MC_TEST_USER=root
}

@test "DONTUNMAP of a whole VMA while another thread stores into it: no store lost (move+refill)" {
	park_same writers whole 20
}

@test "DONTUNMAP of the middle of a VMA while another thread stores into it: no store lost (move+regrow)" {
	park_same writers middle 20
}

@test "DONTUNMAP of the start of a VMA while another thread stores into it: no store lost (the copy)" {
	park_same writers start 20
}

@test "DONTUNMAP of a userfaultfd-registered range (userspace swap) while another thread stores into it: the copy, the others parked, no store lost" {
	park_same uffd-writers none 10
	grep -q 'copy (userfaultfd-registered).*\[parked 2 threads\]' "$BATS_TEST_TMPDIR/root-forced.err"
}

@test "the store count can fail: race-free, which parks nobody, loses a writer's stores during its copy (doc/known-differences.md#copy-store)" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_STRATEGY=race-free "$PARK" writers start 20
	[ "$status" -eq 0 ]
	[[ $output =~ "rounds with a lost store: "([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
}

@test "the same when the monitor asked for UFFD_FEATURE_EVENT_REMOVE: the monitor must run, so the call is refused as a kernel without DONTUNMAP refuses it, no store lost" {
	local old lib
	old=$("$TESTBIN/pre57" "$PARK" uffd-writers remove 5)
	lib=$(env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 \
		"$PARK" uffd-writers remove 5 2>"$BATS_TEST_TMPDIR/err")
	diff -u --label "pre-5.7 kernel alone" --label "library, forced" <(echo "$old") <(echo "$lib")
	[[ "$old" == *"-1 EINVAL, 5 of 5 calls failed, rounds with a lost store: 0"* ]]
	grep -q 'a userfaultfd monitor must read' "$BATS_TEST_TMPDIR/err"
}

@test "threads that mmap at the old range's address while it moves: it is never taken, never left a hole" {
	park_same mmap-storm 300
}

@test "a thread that forks while a 3-VMA range moves back and forth: no child sees it split" {
	PARK_COLUMNS=forced # (pre-5.7 kernels have this move: it is the kernel's)
	park_same fork-storm 1000
}

@test "a thread that forks while a 3-VMA range moves back and forth with DONTUNMAP: no child sees it split" {
	park_same fork-storm 1000 dontunmap
}

@test "1 other thread is parked" {
	park_same idle 1 10
	grep -q '\[parked 1 threads\]' "$BATS_TEST_TMPDIR/root-forced.err"
}

@test "4 other threads are parked" {
	park_same idle 4 10
	grep -q '\[parked 4 threads\]' "$BATS_TEST_TMPDIR/root-forced.err"
}

@test "16 other threads are parked" {
	park_same idle 16 10
	grep -q '\[parked 16 threads\]' "$BATS_TEST_TMPDIR/root-forced.err"
}

@test "64 other threads are parked" {
	park_same idle 64 5
	grep -q '\[parked 64 threads\]' "$BATS_TEST_TMPDIR/root-forced.err"
}

@test "the application's own handler on the park signal gets every one of its signals, and is its handler again after" {
	park_same app-signal 50
}

@test "the caller in a signal handler on an 8 KiB alternate stack, the parked threads on theirs" {
	park_same altstack 5
}

@test "a thread that blocks every signal cannot be parked: DONTUNMAP is refused as a kernel without it refuses it, the data stays" {
	local old lib
	old=$("$TESTBIN/pre57" "$PARK" blocker)
	lib=$(env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$PARK" blocker 2>"$BATS_TEST_TMPDIR/err")
	diff -u --label "pre-5.7 kernel alone" --label "library, forced" <(echo "$old") <(echo "$lib")
	grep -q 'not parked: a thread blocks the park signal' "$BATS_TEST_TMPDIR/err"
	[[ "$old" == *"first call -1 EINVAL, 3 of 3 calls failed, wrong contents 0"* ]]
}

@test "MREMAP_COMPAT_PARK=never: refused as a kernel without DONTUNMAP refuses it" {
	local old lib
	old=$("$TESTBIN/pre57" "$PARK" idle 2 3)
	lib=$(env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_PARK=never MREMAP_COMPAT_DEBUG=1 \
		"$PARK" idle 2 3 2>"$BATS_TEST_TMPDIR/err")
	diff -u <(echo "$old") <(echo "$lib")
	grep -q 'not parked: MREMAP_COMPAT_PARK=never' "$BATS_TEST_TMPDIR/err"
}

@test "another park signal (MREMAP_COMPAT_PARK_SIGNAL=40) parks as well" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_PARK_SIGNAL=40 MREMAP_COMPAT_DEBUG=1 \
		"$PARK" app-signal 20
	[ "$status" -eq 0 ]
	[[ "$output" == *"arrived: yes"*"handler is the application's: yes"* ]]
	[[ "$output" == *"[parked 2 threads]"* ]]
}

@test "a parked thread's read, accept and condition wait restart (SA_RESTART); which calls see EINTR is the kernel's rule" {
	run env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$PARK" eintr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"read (pipe): restarted"* ]]
	[[ "$output" == *"accept: restarted"* ]]
	[[ "$output" == *"pthread_cond_wait: restarted"* ]]
	grep 'EINTR' <<<"$output" | sed 's/^/# /' >&3
}

@test "a thread that takes every signal with sigwaitinfo (every signal blocked in every thread) is sent none by the library" {
	PARK_MAY_REFUSE=1 park_same sigwait 5
}

@test "a thread in seccomp strict mode of its own: it lives on, and the call is answered ok or EINVAL" {
	PARK_COLUMNS=forced # (under tests/pre57 a thread cannot enter strict mode)
	PARK_MAY_REFUSE=1 park_same seccomp-thread strict
}

@test "a thread under a seccomp filter of its own that kills the process for other calls: the process lives on" {
	PARK_MAY_REFUSE=1 park_same seccomp-thread kill
}

@test "a thread that installs its own handlers on the park signal during the calls: every call answered, the data right" {
	# Not the rest: while threads are parked the library's handler is
	# installed (doc/known-differences.md#park-signal).
	PARK_MAY_REFUSE=1 PARK_FIRST_LINE=1 park_same sigaction 200
}

@test "a thread that blocks every signal, then unblocks it after the call: the park signal's handler is the application's after the call, and the handler it installs then gets no signal" {
	PARK_MAY_REFUSE=1 park_same unblock-later
}

@test "DONTUNMAP from a thread after the main thread called pthread_exit()" {
	park_same main-exit 10
}
