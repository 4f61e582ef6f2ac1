#!/usr/bin/env bats
# Multi-VMA refusals (issue 11, kind 3): a file whose driver or filesystem
# places its own mappings (its own get_unmapped_area, other than shmem,
# hugetlbfs and thp_get_unmapped_area) is not multi-movable (doc/behaviour.md
# §5): private /dev/zero, files on ramfs (SysV shm: tests/multivma.bats).
# Native (the oracle) against emulation forced and the simulated pre-5.7
# kernel.

load helpers
load differential
load oldkernel
load unpriv

# A ramfs mount for the ramfs scenarios: root only (mount(2)).
setup_file() {
	local d="$BATS_FILE_TMPDIR/ramfs"
	mkdir -p "$d"
	if [ "$(id -u)" -eq 0 ] && mount -t ramfs ramfs "$d" 2>/dev/null; then
		export SCENARIO_RAMFS="$d"
	fi
	# Oracle outputs of the ramfs scenarios depend on the mount: redo them.
	rm -f "$ORACLE_DIR"/mr-ramfs-*.out
}

teardown_file() {
	[ -z "${SCENARIO_RAMFS:-}" ] || umount "$SCENARIO_RAMFS" 2>/dev/null || true
}

need_ramfs() {
	[ -n "${SCENARIO_RAMFS:-}" ] || skip "cannot mount ramfs here (needs root)"
}

@test "private /dev/zero in two VMAs, FIXED move of both: EFAULT, nothing moved" {
	compare_emulated mr-devzero-two
}
@test "pre-5.7: private /dev/zero in two VMAs, FIXED move of both: EFAULT" {
	on_pre57 mr-devzero-two
}

@test "private /dev/zero in two VMAs, DONTUNMAP|FIXED: EFAULT, nothing moved" {
	compare_emulated mr-devzero-two-dontunmap
}
@test "pre-5.7: private /dev/zero in two VMAs, DONTUNMAP|FIXED: EFAULT" {
	on_pre57 mr-devzero-two-dontunmap
}

@test "private /dev/zero later in the range: EFAULT, the earlier piece stays moved" {
	compare_emulated mr-devzero-later
}
@test "pre-5.7: private /dev/zero later in the range: EFAULT after the first piece" {
	on_pre57 mr-devzero-later
}

@test "private /dev/zero later in a DONTUNMAP|FIXED range: EFAULT after the first piece" {
	compare_emulated mr-devzero-later-dontunmap
}
@test "pre-5.7: private /dev/zero later in a DONTUNMAP|FIXED range: EFAULT after the first piece" {
	on_pre57 mr-devzero-later-dontunmap
}

@test "private /dev/zero followed by a gap in the range: EFAULT, nothing moved" {
	compare_emulated mr-devzero-trailing-gap
}
@test "pre-5.7: private /dev/zero followed by a gap in the range: EFAULT" {
	on_pre57 mr-devzero-trailing-gap
}

@test "private /dev/zero, range ending inside it: an ordinary move (native route)" {
	compare_native_route mr-devzero-single-inside
}

@test "shared /dev/zero (shmem) in two VMAs: moves as one" {
	compare_emulated mr-devzero-shared-two
}
@test "pre-5.7: shared /dev/zero (shmem) in two VMAs: moves as one" {
	on_pre57 mr-devzero-shared-two
}

@test "private ramfs file in two VMAs: EFAULT, nothing moved" {
	need_ramfs
	compare_emulated mr-ramfs-private-two
}
@test "pre-5.7: private ramfs file in two VMAs: EFAULT" {
	need_ramfs
	on_pre57 mr-ramfs-private-two
}

@test "shared ramfs file later in the range: EFAULT after the first piece" {
	need_ramfs
	compare_emulated mr-ramfs-shared-later
}
@test "pre-5.7: shared ramfs file later in the range: EFAULT after the first piece" {
	need_ramfs
	on_pre57 mr-ramfs-shared-later
}

@test "private file on this machine's disk filesystem in two VMAs: moves as one" {
	compare_emulated mr-file-two
}
@test "pre-5.7: private disk file in two VMAs: moves as one" {
	on_pre57 mr-file-two
}

@test "/dev/shm file (tmpfs) in two VMAs: moves as one" {
	compare_emulated mr-shm-file-two
}
@test "pre-5.7: /dev/shm file in two VMAs: moves as one" {
	on_pre57 mr-shm-file-two
}

# A later private-file piece the library cannot open again: decided before
# anything moves (doc/known-differences.md#unpriv-reopen). As root it is reopened through
# /proc/self/map_files and the call is exact.
@test "DONTUNMAP|FIXED, a later piece a deleted and closed private file (root): as natively" {
	compare_emulated mr-dontunmap-unreopenable-later
}
@test "documented, unprivileged: a later piece a deleted and closed private file: EINVAL, nothing moved" {
	local d out err
	skip_unless_cmd setpriv
	[ "$(id -u)" -eq 0 ] || skip "needs root to become another user"
	d=$(mktemp -d /tmp/mremap-compat-unreopenable.XXXXXX)
	chmod 777 "$d"
	out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$d" LD_PRELOAD="$LIB" \
		MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 "$SCENARIO" mr-dontunmap-unreopenable-later >"$out" 2>"$err"
	rm -rf "$d"
	grep -qx 'ret=-1 errno=EINVAL' "$out"
	grep -q 'refused before anything moved' "$err"
	grep -q '^page +0x10000 P A.0$' "$out"
	grep -q '^page +0x12000 P B.0$' "$out"
	! grep -q '^map +0x7d' "$out"
}

@test "io_uring submission queue in two VMAs, FIXED move: EFAULT, nothing moved" {
	compare_emulated mr-io-uring-two
}
@test "pre-5.7: io_uring submission queue in two VMAs, FIXED move: EFAULT" {
	on_pre57 mr-io-uring-two
}

@test "unprivileged: private /dev/zero in two VMAs, FIXED move of both: EFAULT" {
	unpriv_compare mr-devzero-two
}
@test "unprivileged: private /dev/zero later in a DONTUNMAP|FIXED range" {
	unpriv_compare mr-devzero-later-dontunmap
}
