# mremap-compat.bash - Bats helpers for testing a program on old kernels.
#
#   load "$(pkg-config --variable=batshelper mremap-compat)"
#
#   @test "my program works on old kernels" {
#       run_natively ./prog
#       run_on_simulated_kernel 5.4 ./prog
#       assert_emulated DONTUNMAP
#       assert_same_output natively simulated-5.4
#   }
#
# Each run_* helper runs COMMAND the way its name says, like Bats' run: it
# sets $status, $output and $lines from COMMAND's standard output, and
# $stderr and $stderr_lines from its standard error (where the library's
# debug lines go). It never fails by itself: test $status. It also keeps the
# run under a name (printed as "run: NAME"), for assert_same_output:
#
#   run_natively COMMAND...                     natively
#   run_emulated COMMAND...                     emulated
#   run_on_simulated_kernel VERSION COMMAND...  simulated-VERSION
#   run_on_kernel VERSION [--arch=ARCH] COMMAND...  kernel-VERSION[-ARCH]
#
# run_natively runs COMMAND as it is. run_emulated preloads the library and
# makes it emulate every feature, even those this kernel has (how to test
# the emulation on a new kernel). run_on_simulated_kernel runs it with the
# library in front under a simulated kernel (mremap-compat --simulate; add
# --no-library before VERSION for the old kernel's own answers). run_on_kernel
# boots Debian's real kernel VERSION (mremap-compat --kernel, --arch=arm64 for
# arm64: give it an arm64 program, static) and skips the test, saying why,
# when this machine cannot (no qemu, kernel not fetchable).
#
#   assert_emulated [PATTERN]      the last run has a debug line of a call
#                                  the library emulated (matching PATTERN,
#                                  an extended regular expression, if given)
#   refute_emulated [PATTERN]      ...and none
#   assert_same_output RUN1 RUN2   the two runs' standard output and exit
#                                  status are the same (a diff if not)
#
# The debug line (mremap-compat(1), MREMAP_COMPAT_DEBUG):
#   mremap-compat: mremap(OLD, OLD_SIZE, NEW_SIZE, FLAGS, NEW) = RESULT: emulated[, STRATEGY][ (REASON)]
#
# MREMAP_COMPAT names the mremap-compat command (default: the one in PATH).
# shellcheck disable=SC2034 # status, output, lines, stderr...: for the test

: "${MREMAP_COMPAT:=mremap-compat}"

_mc_dir() {
	local d="${BATS_TEST_TMPDIR:-${BATS_TMPDIR:-/tmp}}/mremap-compat-runs"
	mkdir -p "$d" && echo "$d"
}

# _mc_run NAME COMMAND...: run, keep the outputs under NAME, set the variables.
_mc_run() {
	local name=$1 d
	shift
	d=$(_mc_dir)
	status=0
	"$@" >"$d/$name.out" 2>"$d/$name.err" </dev/null || status=$?
	echo "$status" >"$d/$name.status"
	output=$(cat "$d/$name.out")
	stderr=$(cat "$d/$name.err")
	mapfile -t lines <"$d/$name.out"
	mapfile -t stderr_lines <"$d/$name.err"
	MC_LAST_RUN=$name
	echo "run: $name (exit $status)"
	return 0
}

run_natively() {
	_mc_run natively env -u LD_PRELOAD "$@"
}

run_emulated() {
	_mc_run emulated "$MREMAP_COMPAT" --emulate=all --debug "$@"
}

# run_on_simulated_kernel [--no-library] VERSION COMMAND...
run_on_simulated_kernel() {
	local nolib=
	if [ "${1:-}" = --no-library ]; then
		nolib=--no-library
		shift
	fi
	local v=$1
	shift
	_mc_run "simulated-$v${nolib:+-alone}" "$MREMAP_COMPAT" --simulate="$v" $nolib --debug "$@"
}

# run_on_kernel VERSION [--arch=ARCH] COMMAND...
run_on_kernel() {
	local v=$1 arch='' name
	shift
	case ${1:-} in
	--arch=*) arch=${1#--arch=}; shift ;;
	esac
	name="kernel-$v${arch:+-$arch}"
	if ! "$MREMAP_COMPAT" --help 2>/dev/null | grep -q -- '--kernel'; then
		skip "real kernels: this mremap-compat has no --kernel"
	fi
	_mc_run "$name" "$MREMAP_COMPAT" --kernel="$v" ${arch:+--arch="$arch"} --debug "$@"
	# the runner's own failures (no qemu, no network): not the program's
	if [ "$status" -eq 77 ]; then
		skip "Linux $v${arch:+ ($arch)}: $(tail -1 "$(_mc_dir)/$name.err")"
	fi
}

_mc_emulated_lines() {
	local pattern=${1:-}
	grep -E '^mremap-compat: mremap\(.*\) = .*: emulated' "$(_mc_dir)/$MC_LAST_RUN.err" |
		grep -E -- "${pattern:-.}"
}

assert_emulated() {
	[ -n "${MC_LAST_RUN:-}" ] || { echo "assert_emulated: no run yet" >&2; return 1; }
	if ! _mc_emulated_lines "${1:-}" >/dev/null; then
		echo "assert_emulated: no call${1:+ matching '$1'} was emulated in run $MC_LAST_RUN; its debug lines:" >&2
		grep '^mremap-compat:' "$(_mc_dir)/$MC_LAST_RUN.err" >&2 || echo "(none: is the library in front?)" >&2
		return 1
	fi
}

refute_emulated() {
	[ -n "${MC_LAST_RUN:-}" ] || { echo "refute_emulated: no run yet" >&2; return 1; }
	if _mc_emulated_lines "${1:-}" >&2; then
		echo "refute_emulated: the lines above were emulated in run $MC_LAST_RUN" >&2
		return 1
	fi
}

assert_same_output() {
	local a=$1 b=$2 d
	d=$(_mc_dir)
	for r in "$a" "$b"; do
		[ -f "$d/$r.out" ] || { echo "assert_same_output: no run named $r" >&2; return 1; }
	done
	diff -u --label "$a" --label "$b" "$d/$a.out" "$d/$b.out" >&2 || return 1
	if ! cmp -s "$d/$a.status" "$d/$b.status"; then
		echo "assert_same_output: exit status $(cat "$d/$a.status") ($a) vs $(cat "$d/$b.status") ($b)" >&2
		return 1
	fi
}
