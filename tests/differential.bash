# tests/differential.bash - native versus emulated, scenario by scenario.
# Load after helpers:   load helpers; load differential
#
# $TESTBIN/scenario NAME prints an address-independent description of one
# mremap() call and its result (tests/scenario.c). This kernel (6.18) has
# every feature, so its native output is the oracle; the same scenario is
# run again with the library preloaded and emulation forced, and the two
# outputs must be identical.
#
#   compare_emulated NAME [VAR=VALUE...]   the call must take the emulated route
#   compare_refused NAME [VAR=VALUE...]    the library's argument checks answer
#   compare_native_route NAME [VAR=...]    the library hands the call to the kernel
#   compare_passthrough NAME [VAR=...]     the call never enters the library
#   unpriv_compare NAME [VAR=VALUE...]     compare_emulated as the unprivileged
#                                          user, in a suite of root's
#   oracle_output NAME                     path of NAME's native output
#
# VAR=VALUE pairs go to the emulated run (e.g. MREMAP_COMPAT_STRATEGY=race-free).
# Optional variables, set by the test:
#   EXPECT_HOW       a string the debug line must contain (e.g. "copy (race-free)")
#   KNOWN_DIVERGENCE an entry of doc/known-differences.md this test checks;
#                    with KNOWN_NORMALIZE (a filter function that undoes
#                    exactly that divergence) the test passes when the
#                    outputs differ only by it, saying so on its TAP
#                    diagnostics, and fails on any other difference.
#   UNPRIV_OLD_KERNEL  why the library cannot do this call unprivileged (no
#                    /proc/self/map_files, no usable path, no open
#                    descriptor): as the unprivileged user, its answer is
#                    compared with the old kernel's (tests/pre57 natively)
#   MC_TEST_THREADS  how many other threads the emulated side runs with
#                    (tests/scenario.c, MC_SCENARIO_THREADS): 0 as root, 2
#                    as the unprivileged user, unless the suite says; the
#                    kernel's answer does not depend on them (its move holds
#                    the mmap lock), so the oracle runs with none
#   MC_TEST_USER     who runs both sides: root (the default) or unprivileged
#                    (the generated *-unpriv.bats suites set it for the
#                    file, unpriv_compare for one call). Each user
#                    has its own oracle: the kernel's answer may depend on
#                    privilege (RLIMIT_MEMLOCK, /proc/self/map_files).

SCENARIO="$TESTBIN/scenario"
: "${MC_TEST_USER:=root}"

# oracle_dir: where the native outputs of MC_TEST_USER are kept.
oracle_dir() {
	if [ "${MC_TEST_USER:-root}" = root ]; then
		echo "$top_builddir/tests/oracle"
	else
		echo "$top_builddir/tests/oracle-unpriv"
	fi
}

test_threads() {
	if [ -n "${MC_TEST_THREADS:-}" ]; then
		echo "$MC_TEST_THREADS"
	elif [ "$MC_TEST_USER" = root ]; then
		echo 0
	else
		echo 2
	fi
}

_diff_fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# The native output of NAME, generated when missing or older than the
# scenario program. Other suites (the simulated pre-5.7 kernel, real kernels
# under qemu) compare their emulated output against these files.
oracle_output() {
	local name=$1 dir f rc=0

	dir=$(oracle_dir)
	f="$dir/$name.out"
	[ -x "$SCENARIO" ] || _diff_fail "no $SCENARIO: run make check" || return 1
	if [ ! -s "$f" ] || [ "$SCENARIO" -nt "$f" ]; then
		mkdir -p "$dir" || return 1
		as_test_user env -u LD_PRELOAD "$SCENARIO" "$name" >"$f.tmp.$$" 2>"$f.err" || rc=$?
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
			_diff_fail "native run of $name failed (exit $rc):" "$(cat "$f.err")"
			rm -f "$f.tmp.$$"
			return 1
		fi
		mv "$f.tmp.$$" "$f"
	fi
	printf '%s\n' "$f"
}

# Normalizers for known divergences (stdin -> stdout).

# Adjacent map lines that differ only in being separate VMAs (same perms,
# kind and flags, contiguous file offsets) are joined into one.
norm_merge_vmas() {
	local line pa="" pend=0 pperms="" prest="" pkey="" pnext=0 have=0
	local a b perms rest key off s e

	while IFS= read -r line; do
		if [[ $line =~ ^map\ (\+0x[0-9a-f]+)-(\+0x[0-9a-f]+)\ ([^ ]+)\ (.*)$ ]]; then
			a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} perms=${BASH_REMATCH[3]}
			rest=${BASH_REMATCH[4]} key=${BASH_REMATCH[4]}
			s=$((${a#+})) e=$((${b#+})) off=-1
			if [[ $rest =~ off=(0x[0-9a-f]+) ]]; then
				off=$((BASH_REMATCH[1]))
				key=${rest/off=${BASH_REMATCH[1]}/off=*}
			fi
			if [ "$have" -eq 1 ] && [ "$s" -eq "$pend" ] && [ "$perms" = "$pperms" ] &&
			   [ "$key" = "$pkey" ] && { [ "$off" -lt 0 ] || [ "$off" -eq "$pnext" ]; }; then
				pend=$e
				[ "$off" -ge 0 ] && pnext=$((off + e - s))
				continue
			fi
			[ "$have" -eq 1 ] && printf 'map %s-+0x%x %s %s\n' "$pa" "$pend" "$pperms" "$prest"
			have=1 pa=$a pend=$e pperms=$perms prest=$rest pkey=$key
			[ "$off" -ge 0 ] && pnext=$((off + e - s))
			continue
		fi
		[ "$have" -eq 1 ] && printf 'map %s-+0x%x %s %s\n' "$pa" "$pend" "$pperms" "$prest"
		have=0
		printf '%s\n' "$line"
	done
	[ "$have" -eq 1 ] && printf 'map %s-+0x%x %s %s\n' "$pa" "$pend" "$pperms" "$prest"
	return 0
}

# Whether a page of a shared mapping is mapped in the page tables.
norm_shared_presence() {
	sed -E 's/^spage ([^ ]+) [PS-] /spage \1 ? /'
}

# _old_kernel_answer NAME [VAR=VALUE...]: for a test that sets
# UNPRIV_OLD_KERNEL (why the library cannot do the call unprivileged), run
# as the unprivileged user: the library's answer must be the old kernel's
# (the scenario natively under tests/pre57, as that user, without the
# library), and a debug note must say why.
_old_kernel_answer() {
	local name=$1 old emu err rc=0 dir=${BATS_TEST_TMPDIR:-/tmp} launcher=()
	shift
	old="$dir/$name.pre57.out"
	emu="$dir/$name.emulated.out"
	err="$dir/$name.emulated.err"
	as_test_user "$TESTBIN/pre57" env -u LD_PRELOAD "$SCENARIO" "$name" >"$old" 2>/dev/null || rc=$?
	[ "$rc" -ne 77 ] || skip "$(sed -n '1s/^SKIP: //p' "$old")"
	[ "$rc" -eq 0 ] || _diff_fail "pre-5.7 run of $name exited $rc:" "$(cat "$old")" || return 1
	# [LAUNCHER...] env VAR=VALUE... on a simulated older kernel (on_pre57)
	[ "${1:-}" != "$TESTBIN/pre57" ] || { launcher=("$1"); shift; }
	as_test_user "${launcher[@]}" env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$@" \
		"$SCENARIO" "$name" >"$emu" 2>"$err" || rc=$?
	[ "$rc" -eq 0 ] || _diff_fail "emulated run of $name exited $rc:" "$(cat "$emu" "$err")" || return 1
	grep -q '^mremap-compat: cannot reopen the mapped file' "$err" ||
		_diff_fail "no debug note saying why ($UNPRIV_OLD_KERNEL):" "$(cat "$err")" || return 1
	diff -u --label "pre-5.7 native ($name)" --label "emulated, unprivileged ($name)" "$old" "$emu" &&
		return 0
	if [ -n "${KNOWN_DIVERGENCE:-}" ] && [ -n "${KNOWN_NORMALIZE:-}" ] &&
	   diff -u <("$KNOWN_NORMALIZE" <"$old") <("$KNOWN_NORMALIZE" <"$emu"); then
		echo "# known divergence, verified: $KNOWN_DIVERGENCE" >&3
		return 0
	fi
	_diff_fail "the library's answer to $name is not the old kernel's"
}

# _differential ROUTE NAME [VAR=VALUE...]
_differential() {
	local route=$1 name=$2 nat dir emu err rc=0 lines n reason
	shift 2

	need_test_user
	if [ "$MC_TEST_USER" != root ] && [ -n "${UNPRIV_OLD_KERNEL:-}" ]; then
		_old_kernel_answer "$name" "$@"
		return
	fi
	nat=$(oracle_output "$name") || return 1
	if [ "$(head -c 6 "$nat")" = "SKIP: " ]; then
		skip "$(sed -n '1s/^SKIP: //p' "$nat")"
	fi
	dir=${BATS_TEST_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}
	emu="$dir/$name.emulated.out"
	err="$dir/$name.emulated.err"
	as_test_user env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 \
		MC_SCENARIO_THREADS="$(test_threads)" "$@" \
		"$SCENARIO" "$name" >"$emu" 2>"$err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		_diff_fail "emulated run of $name exited $rc (native did not skip):" \
			"$(cat "$emu" "$err")"
		return 1
	fi

	# The route.
	lines=$(debug_lines "$err")
	n=$(grep -c . <<<"$lines" || true)
	case $route in
	passthrough)
		[ -z "$lines" ] || _diff_fail "expected no debug line (passed through), got:" "$lines" ||
			return 1
		;;
	*)
		[ "$n" -eq 1 ] || _diff_fail "expected one debug line, got $n:" "$(cat "$err")" ||
			return 1
		;;
	esac
	case $route in
	emulated)
		if ! grep -q ': emulated' <<<"$lines"; then
			_diff_fail "not the emulated route:" "$lines"
			return 1
		fi
		;;
	refused)
		grep -q '(refused by the argument checks)' <<<"$lines" ||
			_diff_fail "not refused by the library's argument checks:" "$lines" || return 1
		;;
	native)
		{ grep -q ': native' <<<"$lines" && ! grep -q ': emulated' <<<"$lines"; } ||
			_diff_fail "not the native route:" "$lines" || return 1
		;;
	esac
	if [ -n "${EXPECT_HOW:-}" ]; then
		grep -qF -- "$EXPECT_HOW" <<<"$lines" ||
			_diff_fail "debug line lacks \"$EXPECT_HOW\":" "$lines" || return 1
	fi

	# The result.
	if diff -u --label "native ($name)" --label "emulated ($name)" "$nat" "$emu"; then
		return 0
	fi
	if [ -n "${KNOWN_DIVERGENCE:-}" ] && [ -n "${KNOWN_NORMALIZE:-}" ]; then
		if diff -u --label "native, normalized" --label "emulated, normalized" \
			<("$KNOWN_NORMALIZE" <"$nat") <("$KNOWN_NORMALIZE" <"$emu"); then
			echo "# known divergence, verified: $KNOWN_DIVERGENCE" >&3
			return 0
		fi
		reason="and more than the known divergence ($KNOWN_DIVERGENCE)"
	fi
	_diff_fail "native and emulated outputs of $name differ ${reason:-}"
	return 1
}

compare_emulated() { _differential emulated "$@"; }
# One comparison as the unprivileged user, in a suite of root's: the same
# helper, with MC_TEST_USER=unprivileged for this call only, as the
# generated *-unpriv.bats suites (tests/gen-unpriv.sh) set it for a file.
unpriv_compare() { MC_TEST_USER=unprivileged _differential emulated "$@"; }
compare_refused() { _differential refused "$@"; }
compare_native_route() { _differential native "$@"; }
compare_passthrough() { _differential passthrough "$@"; }
