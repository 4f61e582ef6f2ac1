# tests/unpriv.bash - a scenario as an unprivileged user (load after differential).

# unpriv_compare NAME: native and emulated as user nobody, compared.
# UNPRIV_ROUTE: the route the debug line must name (default: emulated).
unpriv_compare() { # NAME [VAR=VALUE...]: the VAR=VALUE pairs go to the emulated run
	local name=$1 nat emu err rc=0
	shift
	skip_unless_cmd setpriv
	[ "$(id -u)" -eq 0 ] || skip "needs root to become another user (running as $(id -u))"
	nat="$BATS_TEST_TMPDIR/$name.unpriv.native"
	emu="$BATS_TEST_TMPDIR/$name.unpriv.emulated"
	err="$BATS_TEST_TMPDIR/$name.unpriv.err"
	chmod 1777 "$BATS_TEST_TMPDIR"
	setpriv --reuid=65534 --regid=65534 --clear-groups env -u LD_PRELOAD TMPDIR="$BATS_TEST_TMPDIR" \
		"$SCENARIO" "$name" >"$nat" 2>/dev/null || rc=$?
	[ "$rc" -ne 77 ] || skip "$(head -1 "$nat")"
	[ "$rc" -eq 0 ] || _diff_fail "native run as nobody exited $rc" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$BATS_TEST_TMPDIR" \
		LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$@" \
		"$SCENARIO" "$name" >"$emu" 2>"$err" || _diff_fail "emulated run as nobody failed:" "$(cat "$err")" || return 1
	grep -q ": ${UNPRIV_ROUTE:-emulated}" "$err" ||
		_diff_fail "not ${UNPRIV_ROUTE:-emulated}:" "$(cat "$err")" || return 1
	diff -u --label "native as nobody" --label "emulated as nobody" "$nat" "$emu"
}
