# tests/oldkernel.bash - scenarios on older kernels (load after differential).
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
	as_test_user "$TESTBIN/pre57" env LD_PRELOAD="$LIB" MREMAP_COMPAT_DEBUG=1 "$@" \
		"$SCENARIO" "$name" >"$out" 2>"$err" || rc=$?
	[ "$rc" -ne 77 ] || skip "$(head -1 "$out")"
	[ "$rc" -eq 0 ] || _diff_fail "exit $rc:" "$(cat "$out" "$err")" || return 1
	diff -u --label "6.18 native ($name)" --label "pre-5.7 + library ($name)" "$nat" "$out" &&
		return 0
	if [ -n "${KNOWN_DIVERGENCE:-}" ] && [ -n "${KNOWN_NORMALIZE:-}" ] &&
	   diff -u <("$KNOWN_NORMALIZE" <"$nat") <("$KNOWN_NORMALIZE" <"$out"); then
		skip "known divergence: $KNOWN_DIVERGENCE"
	fi
	return 1
}

_uml_key() {
	printf '%s' "$*" | tr -c 'A-Za-z0-9_.-' '_'
}

# uml_batch < LIST: boots Linux 6.1 once and runs every "NAME [VAR=VALUE...]"
# line of LIST there; on_uml reads the results.
uml_batch() {
	local dir="$BATS_FILE_TMPDIR/uml" script line rc=0
	mkdir -p "$dir"
	script="$dir/run.sh"
	{
		echo 'cd "$1" || exit 125'
		while IFS= read -r line; do
			[ -n "$line" ] || continue
			# shellcheck disable=SC2086
			set -- $line
			printf 'env LD_PRELOAD="$LIB" MREMAP_COMPAT_DEBUG=1 %s "$SCENARIO" %s >%s.out 2>%s.err; echo $? >%s.rc\n' \
				"${*:2}" "$1" "$(_uml_key "$line")" "$(_uml_key "$line")" "$(_uml_key "$line")"
			# and without the library: 6.1's own answer
			printf '"$SCENARIO" %s >%s.native 2>/dev/null\n' "$1" "$(_uml_key "$line")"
		done
	} >"$script"
	LIB="$LIB" SCENARIO="$SCENARIO" "$top_srcdir/tests/uml/uml-run" --timeout 900 \
		sh "$script" "$dir" >"$dir/uml.out" 2>"$dir/uml.err" || rc=$?
	echo "$rc" >"$dir/uml.rc"
}

# on_uml NAME [VAR=VALUE...]: its result from the batch.
on_uml() {
	local name=$1 dir="$BATS_FILE_TMPDIR/uml" key nat rc
	key=$(_uml_key "$*")
	rc=$(cat "$dir/uml.rc" 2>/dev/null || echo 125)
	[ "$rc" -ne 77 ] || skip "user-mode-linux: $(head -1 "$dir/uml.err")"
	[ -f "$dir/$key.rc" ] || _diff_fail "no result from the UML run (exit $rc):" \
		"$(cat "$dir/uml.out" "$dir/uml.err" 2>/dev/null)" || return 1
	rc=$(cat "$dir/$key.rc")
	nat=$(oracle_output "$name") || return 1
	if [ "$(head -c 6 "$nat")" = "SKIP: " ]; then
		skip "$(sed -n '1s/^SKIP: //p' "$nat")"
	fi
	[ "$rc" -ne 77 ] || skip "on Linux 6.1: $(head -1 "$dir/$key.out")"
	[ "$rc" -eq 0 ] || _diff_fail "exit $rc on Linux 6.1:" "$(cat "$dir/$key.out" "$dir/$key.err")" || return 1
	diff -u --label "6.18 native ($name)" --label "6.1 + library ($name)" "$nat" "$dir/$key.out" && return 0
	# Linux 6.1 has DONTUNMAP, and the library leaves it to the kernel: if
	# 6.1 alone gives exactly what it gave with the library, the difference
	# is between the kernels. (Never for multi-VMA moves, which 6.1 lacks:
	# there its own answer is no oracle.)
	if [[ $name == du-* ]] && cmp -s "$dir/$key.out" "$dir/$key.native"; then
		skip "Linux 6.1's own DONTUNMAP answers differently from 6.18: $(diff "$nat" "$dir/$key.out" | grep '^[<>]' | head -2 | tr '\n' ' ')"
	fi
	return 1
}
