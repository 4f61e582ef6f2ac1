#!/usr/bin/env bats
# userfaultfd state (issue 11, kind 6): what the kernel's DONTUNMAP does
# with userfaultfd state beyond the MISSING registration of the old range
# (tests/dontunmap.bats): write-protect markers (they move with the pages
# and, without UFFD_FEATURE_EVENT_REMAP, are dropped), and EVENT_REMAP
# (the new range registered, a REMAP event queued). The library holds no
# userfaultfd: where only the kernel's own DONTUNMAP carries the state, it
# hands the call to the kernel when it has DONTUNMAP for that kind, and
# otherwise answers as that kernel does, EINVAL (shim/uffd.c; doc/known-differences.md#uffd-state).

load helpers
load differential
load oldkernel

# documented_einval NAME: on the simulated pre-5.7 kernel the call is
# refused as that kernel refuses it: EINVAL, with a debug line saying why,
# and nothing changed (the source keeps its pages, nothing at new).
documented_einval() {
	local name=$1 out="$BATS_TEST_TMPDIR/$1.out" err="$BATS_TEST_TMPDIR/$1.err" rc=0 i
	"$TESTBIN/pre57" env LD_PRELOAD="$LIB" MREMAP_COMPAT_DEBUG=1 "$SCENARIO" "$name" >"$out" 2>"$err" || rc=$?
	[ "$rc" -ne 77 ] || skip "$(sed '1!d; s/^SKIP: //' "$out")"
	[ "$rc" -eq 0 ] || _diff_fail "exit $rc:" "$(cat "$out" "$err")" || return 1
	grep -qx 'ret=-1 errno=EINVAL' "$out" || _diff_fail "not EINVAL:" "$(cat "$out")" || return 1
	grep -q 'userfaultfd state (state the emulation cannot carry' "$err" ||
		_diff_fail "no debug line saying why:" "$(cat "$err")" || return 1
	for i in 0 1 2 3; do
		grep -q "^s\{0,1\}page +0x1$i""000 P A.$i\$" "$out" ||
			_diff_fail "source page $i changed:" "$(cat "$out")" || return 1
	done
	! grep -q '^map +0x7d0000-' "$out"
}

@test "write-protected shmem, DONTUNMAP|FIXED: handed to the kernel, no marker left on either range" {
	compare_native_route uf-shmem-wp
}
@test "documented, pre-5.7: write-protected shmem, DONTUNMAP|FIXED: EINVAL, nothing changed" {
	documented_einval uf-shmem-wp
}
@test "write-protected shmem, half the pages unmapped: handed to the kernel, no marker left on either range" {
	compare_native_route uf-shmem-wp-sparse
}
@test "write-protected private anonymous memory, DONTUNMAP|FIXED: no marker left" {
	compare_emulated uf-anon-wp
}
@test "pre-5.7: write-protected private anonymous memory, DONTUNMAP|FIXED" {
	on_pre57 uf-anon-wp
}
@test "EVENT_REMAP, private anonymous, DONTUNMAP|FIXED: handed to the kernel, new range registered, one REMAP event" {
	compare_native_route uf-event-remap-anon
}
@test "documented, pre-5.7: EVENT_REMAP, private anonymous, DONTUNMAP|FIXED: EINVAL, nothing changed" {
	documented_einval uf-event-remap-anon
}
@test "EVENT_REMAP, 8 pages (0-3 present), DONTUNMAP|FIXED of the VMA, then a read of missing page 6: one missing fault, at the read" {
	compare_native_route uf-event-remap-read-missing
}
@test "documented, pre-5.7: EVENT_REMAP, 8 pages, DONTUNMAP|FIXED, a read of missing page 6: EINVAL, nothing changed" {
	documented_einval uf-event-remap-read-missing
}
@test "EVENT_REMAP, private anonymous, DONTUNMAP with a hint: handed to the kernel, new range registered" {
	compare_native_route uf-event-remap-anon-hint
}
@test "documented, pre-5.7: EVENT_REMAP, DONTUNMAP with a hint: EINVAL, nothing changed" {
	documented_einval uf-event-remap-anon-hint
}
@test "EVENT_REMAP, shared memory (alias): new range registered, one REMAP event" {
	compare_emulated uf-event-remap-shared
}
@test "pre-5.7: EVENT_REMAP, shared memory (alias): new range registered, one REMAP event" {
	on_pre57 uf-event-remap-shared
}
@test "without EVENT_REMAP, shared memory: the new range is not registered" {
	compare_emulated uf-no-event-remap-shared
}
@test "pre-5.7: without EVENT_REMAP, shared memory: the new range is not registered" {
	on_pre57 uf-no-event-remap-shared
}

@test "unprivileged: EVENT_REMAP, private anonymous, DONTUNMAP|FIXED: handed to the kernel" {
	MC_TEST_USER=unprivileged compare_native_route uf-event-remap-anon
}
@test "unprivileged: EVENT_REMAP, a read of missing page 6 after DONTUNMAP|FIXED" {
	MC_TEST_USER=unprivileged compare_native_route uf-event-remap-read-missing
}
@test "unprivileged: write-protected shmem, DONTUNMAP|FIXED: handed to the kernel" {
	MC_TEST_USER=unprivileged compare_native_route uf-shmem-wp
}
@test "unprivileged: write-protected private anonymous memory, DONTUNMAP|FIXED" {
	unpriv_compare uf-anon-wp
}
