# tests/oldkernel.bash - scenarios on older kernels (load after differential).
# (Real older kernels: tests/vm.bats, Debian's kernels under QEMU.)
#
# A kernel older than this one is no oracle for what it lacks: its native
# answer to a multi-VMA move is EFAULT. So the scenario runs there with the
# library in its default auto mode, and its output is compared with the
# native output of this kernel (6.18), which has every feature.

# on_pre57 NAME [VAR=VALUE...]: under tests/pre57 (DONTUNMAP -> EINVAL).
on_pre57() {
	local name=$1 nat out err rc=0
	shift
	nat=$(oracle_output "$name") || return 1
	if [ "$(head -c 6 "$nat")" = "SKIP: " ]; then
		skip "$(sed -n '1s/^SKIP: //p' "$nat")"
	fi
	out="$BATS_TEST_TMPDIR/$name.out"
	err="$BATS_TEST_TMPDIR/$name.err"
	"$TESTBIN/pre57" env LD_PRELOAD="$LIB" MREMAP_COMPAT_DEBUG=1 "$@" \
		"$SCENARIO" "$name" >"$out" 2>"$err" || rc=$?
	[ "$rc" -ne 77 ] || skip "$(head -1 "$out")"
	[ "$rc" -eq 0 ] || _diff_fail "exit $rc:" "$(cat "$out" "$err")" || return 1
	diff -u --label "6.18 native ($name)" --label "pre-5.7 + library ($name)" "$nat" "$out"
}
