# tests/oldkernel.bash - scenarios on older kernels (load after differential).
# (Real older kernels: tests/vm.bats, Debian's kernels under QEMU.)
#
# A kernel older than this one is no oracle for what it lacks: its native
# answer to a multi-VMA move is EFAULT. So the scenario runs there with the
# library in its default auto mode, and its output is compared with the
# native output of this kernel (6.18), which has every feature.

# on_pre57 NAME [VAR=VALUE...]: under tests/pre57 (DONTUNMAP -> EINVAL), as
# MC_TEST_USER, against that user's oracle.
on_pre57() {
	local name=$1 nat out err rc=0
	shift
	need_test_user
	if [ "$MC_TEST_USER" != root ] && [ -n "${UNPRIV_OLD_KERNEL:-}" ]; then
		_old_kernel_answer "$name" "$TESTBIN/pre57" env MREMAP_COMPAT_EMULATE=auto "$@"
		return
	fi
	nat=$(oracle_output "$name") || return 1
	if [ "$(head -c 6 "$nat")" = "SKIP: " ]; then
		skip "$(sed -n '1s/^SKIP: //p' "$nat")"
	fi
	out="$BATS_TEST_TMPDIR/$name.out"
	err="$BATS_TEST_TMPDIR/$name.err"
	as_test_user "$TESTBIN/pre57" env LD_PRELOAD="$LIB" MREMAP_COMPAT_DEBUG=1 \
		MC_SCENARIO_THREADS="${MC_TEST_THREADS:-2}" "$@" \
		"$SCENARIO" "$name" >"$out" 2>"$err" || rc=$?
	[ "$rc" -ne 77 ] || skip "$(sed '1!d; s/^SKIP: //' "$out")"
	[ "$rc" -eq 0 ] || _diff_fail "exit $rc:" "$(cat "$out" "$err")" || return 1
	diff -u --label "6.18 native ($name)" --label "pre-5.7 + library ($name)" "$nat" "$out" &&
		return 0
	if [ -n "${KNOWN_DIVERGENCE:-}" ] && [ -n "${KNOWN_NORMALIZE:-}" ] &&
	   diff -u <("$KNOWN_NORMALIZE" <"$nat") <("$KNOWN_NORMALIZE" <"$out"); then
		echo "# known divergence, verified: $KNOWN_DIVERGENCE" >&3
		return 0
	fi
	return 1
}
