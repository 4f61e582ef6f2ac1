#!/usr/bin/env bats
# The compatibility matrix: how programs meet the library (rows) on which
# kernels (columns). Each cell runs tests/matrix-prog, which checks
# DONTUNMAP and a multi-VMA move against Linux 6.18's behaviour, and proves
# the library took part (its debug line). teardown_file writes the table to
# tests/matrix.md; make check prints it last.

load helpers

ROWS=(preload-glibc static-glibc static-musl preload-musl)
COLS=(native emulated pre57 linux-6.1)

setup_file() {
	local d="$BATS_FILE_TMPDIR/bin" f
	mkdir -p "$d"
	: "${MUSL_GCC:=$(command -v musl-gcc || true)}"
	${CC:-cc} -O2 -o "$d/preload-glibc" "$top_srcdir/tests/matrix-prog.c"
	${CC:-cc} -O2 -static -o "$d/static-glibc" "$top_srcdir/tests/matrix-prog.c" "$STATIC_LIB" 2>/dev/null || true
	if musl_library "$d/musl" shared >/dev/null; then
		"$MUSL_GCC" -O2 -static -o "$d/static-musl" "$top_srcdir/tests/matrix-prog.c" "$d/musl/libmremap-compat.a"
		"$MUSL_GCC" -O2 -o "$d/preload-musl" "$top_srcdir/tests/matrix-prog.c"
	fi
	mkdir -p "$BATS_FILE_TMPDIR/cells"
}

# cell ROW COL: runs the probe; records passed / failed / skipped: why.
cell() {
	local row=$1 col=$2 d="$BATS_FILE_TMPDIR/bin" prog pre=() env=() rc=0 out
	local rec="$BATS_FILE_TMPDIR/cells/$row.$col"
	prog="$d/$row"
	if [ ! -x "$prog" ]; then
		case $row in
		*musl*) echo "skipped: musl-gcc is not installed" >"$rec" ;;
		*) echo "skipped: no static C library (libc.a)" >"$rec" ;;
		esac
		skip "$(cut -d' ' -f2- "$rec")"
	fi
	case $row in
	preload-glibc) env+=(LD_PRELOAD="$LIB") ;;
	preload-musl) env+=(LD_PRELOAD="$d/musl/libmremap-compat.so") ;;
	esac
	env+=(MREMAP_COMPAT_DEBUG=1)
	case $col in
	emulated) env+=(MREMAP_COMPAT_EMULATE=all) ;;
	pre57) pre=("$TESTBIN/pre57") ;;
	linux-6.1) pre=("$top_srcdir/tests/uml/uml-run" --timeout 300) ;;
	esac
	out=$("${pre[@]}" env "${env[@]}" "$prog" 2>&1) || rc=$?
	echo "$out"
	if [ "$rc" -eq 77 ] && [ "$col" = linux-6.1 ]; then
		echo "skipped: user-mode-linux unavailable" >"$rec"
		skip "user-mode-linux unavailable: $out"
	fi
	if [ "$rc" -ne 0 ] || [[ "$out" != *"matrix-prog: ok"* ]]; then
		echo "failed: exit $rc" >"$rec"
		return 1
	fi
	# The library must have taken part: emulated where the kernel lacks
	# the feature or emulation is forced, native (passed through) elsewhere.
	case $col in
	emulated|pre57|linux-6.1) want=': emulated' ;;
	native) want=': native' ;;
	esac
	if [[ "$out" != *"$want"* ]]; then
		echo "failed: no '$want' debug line" >"$rec"
		return 1
	fi
	echo "passed" >"$rec"
}

teardown_file() {
	local r c f out="$top_builddir/tests/matrix.md"
	{
		printf '| program |'
		printf ' %s |' "${COLS[@]}"
		printf '\n|---|---|---|---|---|\n'
		for r in "${ROWS[@]}"; do
			printf '| %s |' "$r"
			for c in "${COLS[@]}"; do
				f="$BATS_FILE_TMPDIR/cells/$r.$c"
				printf ' %s |' "$(cat "$f" 2>/dev/null || echo 'not run')"
			done
			printf '\n'
		done
	} >"$out"
}
@test "matrix: preload-glibc on native" {
	cell preload-glibc native
}

@test "matrix: preload-glibc on emulated" {
	cell preload-glibc emulated
}

@test "matrix: preload-glibc on pre57" {
	cell preload-glibc pre57
}

@test "matrix: preload-glibc on linux-6.1" {
	cell preload-glibc linux-6.1
}

@test "matrix: static-glibc on native" {
	cell static-glibc native
}

@test "matrix: static-glibc on emulated" {
	cell static-glibc emulated
}

@test "matrix: static-glibc on pre57" {
	cell static-glibc pre57
}

@test "matrix: static-glibc on linux-6.1" {
	cell static-glibc linux-6.1
}

@test "matrix: static-musl on native" {
	cell static-musl native
}

@test "matrix: static-musl on emulated" {
	cell static-musl emulated
}

@test "matrix: static-musl on pre57" {
	cell static-musl pre57
}

@test "matrix: static-musl on linux-6.1" {
	cell static-musl linux-6.1
}

@test "matrix: preload-musl on native" {
	cell preload-musl native
}

@test "matrix: preload-musl on emulated" {
	cell preload-musl emulated
}

@test "matrix: preload-musl on pre57" {
	cell preload-musl pre57
}

@test "matrix: preload-musl on linux-6.1" {
	cell preload-musl linux-6.1
}

