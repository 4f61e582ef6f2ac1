#!/usr/bin/env bats
# The compatibility matrix: how programs meet the library (rows) on which
# kernels (columns), as root and as an unprivileged user (nobody). Each
# cell runs tests/matrix-prog, which checks DONTUNMAP and a multi-VMA move
# against Linux 6.18's behaviour, and proves the library took part (its
# debug line). Columns: this kernel (auto mode); every emulation forced;
# the seccomp-simulated pre-5.7 kernel; and Debian's own kernels booted
# under QEMU (tests/vm/: x86_64 and arm64, 16 KiB pages included), where
# the rows are built for the kernel's architecture. teardown_file writes
# the table to tests/matrix.md; make check prints it last.

load helpers
load differential
load vm/vm
load vm/vm-checks

ROWS=(preload-glibc static-glibc static-musl preload-musl)
USERS=(root nobody)
COLS=(native emulated pre57 "${KERNELS[@]}")
VM_SUITES=matrix

setup_file() {
	local d="$BATS_FILE_TMPDIR/bin" f
	# a directory nobody can read too
	d=$(mktemp -d /tmp/mc-matrix.XXXXXX)
	chmod 755 "$d"
	echo "$d" >"$BATS_FILE_TMPDIR/bindir"
	: "${MUSL_GCC:=$(command -v musl-gcc || true)}"
	${CC:-cc} -O2 -o "$d/preload-glibc" "$top_srcdir/tests/matrix-prog.c"
	${CC:-cc} -O2 -static -o "$d/static-glibc" "$top_srcdir/tests/matrix-prog.c" "$STATIC_LIB" 2>/dev/null || true
	if musl_library "$d/musl" shared >/dev/null; then
		"$MUSL_GCC" -O2 -static -o "$d/static-musl" "$top_srcdir/tests/matrix-prog.c" "$d/musl/libmremap-compat.a"
		"$MUSL_GCC" -O2 -o "$d/preload-musl" "$top_srcdir/tests/matrix-prog.c"
	fi
	chmod -R a+rX "$d"
	mkdir -p "$BATS_FILE_TMPDIR/cells"
}

# cell ROW USER COL: runs the probe; records passed / failed / skipped: why.
cell() {
	local row=$1 user=$2 col=$3 d prog pre=() env=() rc=0 out want
	local rec="$BATS_FILE_TMPDIR/cells/$row.$user.$col"
	case $col in
	native|emulated|pre57) ;;
	*) vm_cell "$@"; return ;;
	esac
	d=$(cat "$BATS_FILE_TMPDIR/bindir")
	prog="$d/$row"
	if [ ! -x "$prog" ]; then
		case $row in
		*musl*) echo "skipped: musl-gcc is not installed" >"$rec" ;;
		*) echo "skipped: no static C library (libc.a)" >"$rec" ;;
		esac
		skip "$(cut -d' ' -f2- "$rec")"
	fi
	[ "$user" = root ] || pre+=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	case $row in
	preload-glibc) env+=(LD_PRELOAD="$LIB") ;;
	preload-musl) env+=(LD_PRELOAD="$d/musl/libmremap-compat.so") ;;
	esac
	env+=(MREMAP_COMPAT_DEBUG=1)
	case $col in
	emulated) env+=(MREMAP_COMPAT_EMULATE=all) ;;
	pre57) pre+=("$TESTBIN/pre57") ;;
	esac
	out=$(cd /tmp && "${pre[@]}" env "${env[@]}" "$prog" 2>&1) || rc=$?
	echo "$out"
	if [ "$rc" -ne 0 ] || [[ "$out" != *"matrix-prog: ok"* ]]; then
		echo "failed: exit $rc" >"$rec"
		return 1
	fi
	# The library must have taken part: emulated where the kernel lacks
	# the feature or emulation is forced, native (passed through) elsewhere.
	case $col in
	emulated|pre57) want=': emulated' ;;
	native) want=': native' ;;
	esac
	if [[ "$out" != *"$want"* ]]; then
		echo "failed: no '$want' debug line" >"$rec"
		return 1
	fi
	echo "passed" >"$rec"
}

# A cell in a VM: the kernel boots once for every cell of its column.
vm_cell() {
	local row=$1 user=$2 k=$3 rec="$BATS_FILE_TMPDIR/cells/$1.$2.$3" why
	vm_selected "$k" || { echo "skipped: not in MC_VM_KERNELS" >"$rec"; skip "not in MC_VM_KERNELS ($(vm_kernels))"; }
	why=$(vm_skip_reason "$k")
	[ -z "$why" ] || { echo "skipped: $why" >"$rec"; skip "$why"; }
	if ! vm_require "$k"; then
		echo "failed: $(vm_cause "${VM_RC:-77}")" >"$rec"
		return 1
	fi
	why=$(vm_matrix_cell "$k" "$user" "$row")
	echo "$why" >"$rec"
	vm_job_lines "matrix.$user.$row" out
	vm_job_lines "matrix.$user.$row" err
	case $why in
	passed) ;;
	skipped:*) skip "${why#skipped: }" ;;
	*) return 1 ;;
	esac
}

teardown_file() {
	local r u c f out="$top_builddir/tests/matrix.md"
	rm -rf "$(cat "$BATS_FILE_TMPDIR/bindir" 2>/dev/null || echo /nonexistent)"
	vm_cleanup
	{
		printf '| program | user |'
		printf ' %s |' "${COLS[@]}"
		printf '\n|---|---|'
		printf -- '---|%.0s' "${COLS[@]}"
		printf '\n'
		for r in "${ROWS[@]}"; do
			for u in "${USERS[@]}"; do
				printf '| %s | %s |' "$r" "$u"
				for c in "${COLS[@]}"; do
					f="$BATS_FILE_TMPDIR/cells/$r.$u.$c"
					printf ' %s |' "$(cat "$f" 2>/dev/null || echo 'not run')"
				done
				printf '\n'
			done
		done
	} >"$out"
}
@test "matrix: preload-glibc as root on native" {
	cell preload-glibc root native
}

@test "matrix: preload-glibc as root on emulated" {
	cell preload-glibc root emulated
}

@test "matrix: preload-glibc as root on pre57" {
	cell preload-glibc root pre57
}

@test "matrix: preload-glibc as root on x86_64-5.4" {
	cell preload-glibc root x86_64-5.4
}

@test "matrix: preload-glibc as root on x86_64-5.10" {
	cell preload-glibc root x86_64-5.10
}

@test "matrix: preload-glibc as root on x86_64-6.1" {
	cell preload-glibc root x86_64-6.1
}

@test "matrix: preload-glibc as root on x86_64-6.12" {
	cell preload-glibc root x86_64-6.12
}

@test "matrix: preload-glibc as root on x86_64-sid" {
	cell preload-glibc root x86_64-sid
}

@test "matrix: preload-glibc as root on arm64-5.4" {
	cell preload-glibc root arm64-5.4
}

@test "matrix: preload-glibc as root on arm64-5.10" {
	cell preload-glibc root arm64-5.10
}

@test "matrix: preload-glibc as root on arm64-6.12" {
	cell preload-glibc root arm64-6.12
}

@test "matrix: preload-glibc as root on arm64-16k-6.12" {
	cell preload-glibc root arm64-16k-6.12
}

@test "matrix: preload-glibc as nobody on native" {
	cell preload-glibc nobody native
}

@test "matrix: preload-glibc as nobody on emulated" {
	cell preload-glibc nobody emulated
}

@test "matrix: preload-glibc as nobody on pre57" {
	cell preload-glibc nobody pre57
}

@test "matrix: preload-glibc as nobody on x86_64-5.4" {
	cell preload-glibc nobody x86_64-5.4
}

@test "matrix: preload-glibc as nobody on x86_64-5.10" {
	cell preload-glibc nobody x86_64-5.10
}

@test "matrix: preload-glibc as nobody on x86_64-6.1" {
	cell preload-glibc nobody x86_64-6.1
}

@test "matrix: preload-glibc as nobody on x86_64-6.12" {
	cell preload-glibc nobody x86_64-6.12
}

@test "matrix: preload-glibc as nobody on x86_64-sid" {
	cell preload-glibc nobody x86_64-sid
}

@test "matrix: preload-glibc as nobody on arm64-5.4" {
	cell preload-glibc nobody arm64-5.4
}

@test "matrix: preload-glibc as nobody on arm64-5.10" {
	cell preload-glibc nobody arm64-5.10
}

@test "matrix: preload-glibc as nobody on arm64-6.12" {
	cell preload-glibc nobody arm64-6.12
}

@test "matrix: preload-glibc as nobody on arm64-16k-6.12" {
	cell preload-glibc nobody arm64-16k-6.12
}

@test "matrix: static-glibc as root on native" {
	cell static-glibc root native
}

@test "matrix: static-glibc as root on emulated" {
	cell static-glibc root emulated
}

@test "matrix: static-glibc as root on pre57" {
	cell static-glibc root pre57
}

@test "matrix: static-glibc as root on x86_64-5.4" {
	cell static-glibc root x86_64-5.4
}

@test "matrix: static-glibc as root on x86_64-5.10" {
	cell static-glibc root x86_64-5.10
}

@test "matrix: static-glibc as root on x86_64-6.1" {
	cell static-glibc root x86_64-6.1
}

@test "matrix: static-glibc as root on x86_64-6.12" {
	cell static-glibc root x86_64-6.12
}

@test "matrix: static-glibc as root on x86_64-sid" {
	cell static-glibc root x86_64-sid
}

@test "matrix: static-glibc as root on arm64-5.4" {
	cell static-glibc root arm64-5.4
}

@test "matrix: static-glibc as root on arm64-5.10" {
	cell static-glibc root arm64-5.10
}

@test "matrix: static-glibc as root on arm64-6.12" {
	cell static-glibc root arm64-6.12
}

@test "matrix: static-glibc as root on arm64-16k-6.12" {
	cell static-glibc root arm64-16k-6.12
}

@test "matrix: static-glibc as nobody on native" {
	cell static-glibc nobody native
}

@test "matrix: static-glibc as nobody on emulated" {
	cell static-glibc nobody emulated
}

@test "matrix: static-glibc as nobody on pre57" {
	cell static-glibc nobody pre57
}

@test "matrix: static-glibc as nobody on x86_64-5.4" {
	cell static-glibc nobody x86_64-5.4
}

@test "matrix: static-glibc as nobody on x86_64-5.10" {
	cell static-glibc nobody x86_64-5.10
}

@test "matrix: static-glibc as nobody on x86_64-6.1" {
	cell static-glibc nobody x86_64-6.1
}

@test "matrix: static-glibc as nobody on x86_64-6.12" {
	cell static-glibc nobody x86_64-6.12
}

@test "matrix: static-glibc as nobody on x86_64-sid" {
	cell static-glibc nobody x86_64-sid
}

@test "matrix: static-glibc as nobody on arm64-5.4" {
	cell static-glibc nobody arm64-5.4
}

@test "matrix: static-glibc as nobody on arm64-5.10" {
	cell static-glibc nobody arm64-5.10
}

@test "matrix: static-glibc as nobody on arm64-6.12" {
	cell static-glibc nobody arm64-6.12
}

@test "matrix: static-glibc as nobody on arm64-16k-6.12" {
	cell static-glibc nobody arm64-16k-6.12
}

@test "matrix: static-musl as root on native" {
	cell static-musl root native
}

@test "matrix: static-musl as root on emulated" {
	cell static-musl root emulated
}

@test "matrix: static-musl as root on pre57" {
	cell static-musl root pre57
}

@test "matrix: static-musl as root on x86_64-5.4" {
	cell static-musl root x86_64-5.4
}

@test "matrix: static-musl as root on x86_64-5.10" {
	cell static-musl root x86_64-5.10
}

@test "matrix: static-musl as root on x86_64-6.1" {
	cell static-musl root x86_64-6.1
}

@test "matrix: static-musl as root on x86_64-6.12" {
	cell static-musl root x86_64-6.12
}

@test "matrix: static-musl as root on x86_64-sid" {
	cell static-musl root x86_64-sid
}

@test "matrix: static-musl as root on arm64-5.4" {
	cell static-musl root arm64-5.4
}

@test "matrix: static-musl as root on arm64-5.10" {
	cell static-musl root arm64-5.10
}

@test "matrix: static-musl as root on arm64-6.12" {
	cell static-musl root arm64-6.12
}

@test "matrix: static-musl as root on arm64-16k-6.12" {
	cell static-musl root arm64-16k-6.12
}

@test "matrix: static-musl as nobody on native" {
	cell static-musl nobody native
}

@test "matrix: static-musl as nobody on emulated" {
	cell static-musl nobody emulated
}

@test "matrix: static-musl as nobody on pre57" {
	cell static-musl nobody pre57
}

@test "matrix: static-musl as nobody on x86_64-5.4" {
	cell static-musl nobody x86_64-5.4
}

@test "matrix: static-musl as nobody on x86_64-5.10" {
	cell static-musl nobody x86_64-5.10
}

@test "matrix: static-musl as nobody on x86_64-6.1" {
	cell static-musl nobody x86_64-6.1
}

@test "matrix: static-musl as nobody on x86_64-6.12" {
	cell static-musl nobody x86_64-6.12
}

@test "matrix: static-musl as nobody on x86_64-sid" {
	cell static-musl nobody x86_64-sid
}

@test "matrix: static-musl as nobody on arm64-5.4" {
	cell static-musl nobody arm64-5.4
}

@test "matrix: static-musl as nobody on arm64-5.10" {
	cell static-musl nobody arm64-5.10
}

@test "matrix: static-musl as nobody on arm64-6.12" {
	cell static-musl nobody arm64-6.12
}

@test "matrix: static-musl as nobody on arm64-16k-6.12" {
	cell static-musl nobody arm64-16k-6.12
}

@test "matrix: preload-musl as root on native" {
	cell preload-musl root native
}

@test "matrix: preload-musl as root on emulated" {
	cell preload-musl root emulated
}

@test "matrix: preload-musl as root on pre57" {
	cell preload-musl root pre57
}

@test "matrix: preload-musl as root on x86_64-5.4" {
	cell preload-musl root x86_64-5.4
}

@test "matrix: preload-musl as root on x86_64-5.10" {
	cell preload-musl root x86_64-5.10
}

@test "matrix: preload-musl as root on x86_64-6.1" {
	cell preload-musl root x86_64-6.1
}

@test "matrix: preload-musl as root on x86_64-6.12" {
	cell preload-musl root x86_64-6.12
}

@test "matrix: preload-musl as root on x86_64-sid" {
	cell preload-musl root x86_64-sid
}

@test "matrix: preload-musl as root on arm64-5.4" {
	cell preload-musl root arm64-5.4
}

@test "matrix: preload-musl as root on arm64-5.10" {
	cell preload-musl root arm64-5.10
}

@test "matrix: preload-musl as root on arm64-6.12" {
	cell preload-musl root arm64-6.12
}

@test "matrix: preload-musl as root on arm64-16k-6.12" {
	cell preload-musl root arm64-16k-6.12
}

@test "matrix: preload-musl as nobody on native" {
	cell preload-musl nobody native
}

@test "matrix: preload-musl as nobody on emulated" {
	cell preload-musl nobody emulated
}

@test "matrix: preload-musl as nobody on pre57" {
	cell preload-musl nobody pre57
}

@test "matrix: preload-musl as nobody on x86_64-5.4" {
	cell preload-musl nobody x86_64-5.4
}

@test "matrix: preload-musl as nobody on x86_64-5.10" {
	cell preload-musl nobody x86_64-5.10
}

@test "matrix: preload-musl as nobody on x86_64-6.1" {
	cell preload-musl nobody x86_64-6.1
}

@test "matrix: preload-musl as nobody on x86_64-6.12" {
	cell preload-musl nobody x86_64-6.12
}

@test "matrix: preload-musl as nobody on x86_64-sid" {
	cell preload-musl nobody x86_64-sid
}

@test "matrix: preload-musl as nobody on arm64-5.4" {
	cell preload-musl nobody arm64-5.4
}

@test "matrix: preload-musl as nobody on arm64-5.10" {
	cell preload-musl nobody arm64-5.10
}

@test "matrix: preload-musl as nobody on arm64-6.12" {
	cell preload-musl nobody arm64-6.12
}

@test "matrix: preload-musl as nobody on arm64-16k-6.12" {
	cell preload-musl nobody arm64-16k-6.12
}
