#!/usr/bin/env bats
# MREMAP_DONTUNMAP (doc/behaviour.md §2-§4): every scenario runs natively on this
# 6.18 kernel (the oracle) and again with the emulation forced; return value,
# errno, layout, VmFlags, page presence and contents must be identical, and
# the emulated run must have taken the emulated route.

load helpers
load differential


# ---- private anonymous ----

@test "as root: DONTUNMAP private anonymous whole VMA to a FIXED address over an existing mapping" {
	compare_emulated du-anon-fixed
}

@test "as root: DONTUNMAP private anonymous whole VMA, then a new mapping just above the old range merges with it" {
	compare_emulated du-anon-whole-then-neighbour
}

@test "as root: a GC heap, whole VMA, DONTUNMAP|FIXED into a PROT_NONE reservation: every flag from a sliver, merges after" {
	EXPECT_HOW="smaps of a sliver" compare_emulated du-gc-heap
}

@test "as root: DONTUNMAP private anonymous whole VMA with a free hint: the hint is honoured" {
	compare_emulated du-anon-hint-free
}

@test "as root: DONTUNMAP private anonymous with a busy hint: placed elsewhere, the busy mapping stays" {
	compare_emulated du-anon-hint-busy
}

@test "as root: DONTUNMAP private anonymous with hint 0: placed by the kernel" {
	compare_emulated du-anon-hint-zero
}

@test "as root: DONTUNMAP private anonymous partial range at the start of a VMA" {
	compare_emulated du-anon-partial-start
}

@test "as root: DONTUNMAP private anonymous start of a VMA to right after it: the new VMA does not merge with the rest" {
	compare_emulated du-anon-start-adjacent
}

@test "as root: DONTUNMAP private anonymous start of a VMA, an untouched VMA right after the destination: no merge" {
	compare_emulated du-anon-start-before-neighbour
}

@test "as root: DONTUNMAP private anonymous partial range in the middle of a VMA" {
	compare_emulated du-anon-partial-middle
}

@test "as root: DONTUNMAP private anonymous partial range at the end of a VMA" {
	compare_emulated du-anon-partial-end
}

@test "as root: DONTUNMAP private anonymous middle of a VMA with a free hint" {
	compare_emulated du-anon-partial-middle-hint
}

@test "as root: DONTUNMAP private anonymous read-only whole VMA" {
	compare_emulated du-anon-readonly
}

@test "as root: DONTUNMAP private anonymous read-only part of a VMA: the old VMA stays whole" {
	compare_emulated du-anon-readonly-partial
}

@test "as root: DONTUNMAP private anonymous PROT_NONE" {
	compare_emulated du-anon-protnone
}

@test "as root: DONTUNMAP mlocked source: the whole old VMA loses lo, the new range has it" {
	compare_emulated du-anon-mlocked
}

# Linux 6.18 counts an mlocked range moved by DONTUNMAP twice in VmLck
# (mm->locked_vm) and keeps one count after both ranges are gone: move_vma()
# in mm/mremap.c adds the new VMA's pages (vrm_stat_account()), and
# dontunmap_complete() clears VM_LOCKED on the old VMA without taking its
# pages off ("Because we won't unmap we don't need to touch locked_vm").
# User space cannot raise locked_vm without locking memory: the library
# counts the range once, as its locks are. Everything else is the kernel's.
@test "as root: documented: DONTUNMAP of 8 mlocked pages: VmLck counts them once, where 6.18 counts them twice for good" {
	local nat emu="$BATS_TEST_TMPDIR/emu.out" old="$BATS_TEST_TMPDIR/pre57.out"
	need_test_user
	nat=$(oracle_output du-anon-mlocked-vmlck)
	[ "$(head -c 6 "$nat")" != "SKIP: " ] || skip "$(sed -n '1s/^SKIP: //p' "$nat")"
	if [ -n "${MC_SANITIZERS:-}" ] && grep -q ': 0 before the call' "$nat"; then
		skip "AddressSanitizer's mlock() is an interceptor that locks nothing: no VmLck to count"
	fi
	as_test_user env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all "$SCENARIO" du-anon-mlocked-vmlck >"$emu"
	as_test_user "$TESTBIN/pre57" env LD_PRELOAD="$LIB" "$SCENARIO" du-anon-mlocked-vmlck >"$old"
	grep -qx 'VmLck, in lengths of the range: 1 before the call, 2 after it, 1 once both ranges are unmapped' "$nat" ||
		_diff_fail "the kernel's count changed (update the documentation):" "$(tail -1 "$nat")"
	for f in "$emu" "$old"; do
		grep -qx 'VmLck, in lengths of the range: 1 before the call, 1 after it, 0 once both ranges are unmapped' "$f" ||
			_diff_fail "the library's count:" "$(tail -1 "$f")"
		diff -u <(grep -v '^VmLck' "$nat") <(grep -v '^VmLck' "$f")
	done
}

@test "as root: DONTUNMAP MLOCK_ONFAULT source: the old VMA loses lo lf, the new range has them" {
	compare_emulated du-anon-mlock-onfault
}

@test "as root: DONTUNMAP named anonymous memory keeps [anon:NAME] on both ranges" {
	compare_emulated du-anon-named
}

@test "as root: DONTUNMAP part of named anonymous memory" {
	compare_emulated du-anon-named-partial
}

@test "as root: DONTUNMAP madvised VMA keeps MADV_DONTFORK, MADV_DONTDUMP, MADV_WIPEONFORK" {
	compare_emulated du-anon-madvised
}

@test "as root: DONTUNMAP VMA with MADV_NOHUGEPAGE keeps nh" {
	compare_emulated du-anon-nohugepage
}

# ---- shared kinds ----

@test "as root: DONTUNMAP shared anonymous: the data is visible through both ranges" {
	compare_emulated du-shared-anon
}

@test "as root: DONTUNMAP shared anonymous with a free hint" {
	compare_emulated du-shared-anon-hint
}

@test "as root: DONTUNMAP part of a shared anonymous VMA" {
	compare_emulated du-shared-anon-partial
}

@test "as root: DONTUNMAP memfd mapped shared" {
	compare_emulated du-memfd-shared
}

@test "as root: DONTUNMAP memfd mapped private with some pages written" {
	compare_emulated du-memfd-private
}

@test "as root: DONTUNMAP /dev/shm file mapped shared" {
	compare_emulated du-shm-file
}

@test "as root: DONTUNMAP private file with pages written: private copies move, the old range shows the file" {
	compare_emulated du-file-private
}

@test "as root: DONTUNMAP private file with a free hint" {
	compare_emulated du-file-private-hint
}

@test "as root: DONTUNMAP part of a read-only private file mapping" {
	compare_emulated du-file-private-readonly
}

@test "as root: DONTUNMAP shared file" {
	compare_emulated du-file-shared
}

# ---- errors ----

@test "as root: DONTUNMAP|FIXED without MAYMOVE: EINVAL" {
	compare_refused du-err-no-maymove
}

@test "as root: DONTUNMAP hint without MAYMOVE: EINVAL" {
	compare_refused du-err-no-maymove-hint
}

@test "as root: DONTUNMAP with old_len != new_len: EINVAL" {
	compare_refused du-err-len-differ
}

@test "as root: DONTUNMAP with an unaligned old address: EINVAL" {
	compare_refused du-err-unaligned-old
}

@test "as root: DONTUNMAP with an unaligned hint: EINVAL" {
	compare_refused du-err-unaligned-new
}

@test "as root: DONTUNMAP|FIXED with an unaligned new address: EINVAL" {
	compare_refused du-err-unaligned-new-fixed
}

@test "as root: DONTUNMAP with a hint overlapping the source: EINVAL" {
	compare_refused du-err-hint-overlap
}

@test "as root: DONTUNMAP of an unmapped old range with a hint: EFAULT" {
	compare_emulated du-err-unmapped-old
}

@test "as root: DONTUNMAP|FIXED of an unmapped old range: EFAULT, the destination stays" {
	compare_emulated du-err-unmapped-old-fixed
}

@test "as root: DONTUNMAP of a range above every VMA, wrapping past the top: EFAULT, not a success at 0" {
	compare_emulated du-err-old-above-task-size
}

@test "as root: DONTUNMAP without FIXED of a range crossing a VMA end: EFAULT" {
	compare_emulated du-err-crosses-vma-end
}

@test "as root: DONTUNMAP without FIXED of a range running into a gap: EFAULT" {
	compare_emulated du-err-crosses-into-gap
}

@test "as root: DONTUNMAP of [vdso]: EINVAL" {
	compare_emulated du-vdso
}

@test "as root: DONTUNMAP|FIXED of [vdso]: EINVAL, the destination stays" {
	compare_emulated du-vdso-fixed
}

@test "as root: DONTUNMAP|FIXED of hugetlb: EINVAL" {
	compare_emulated du-hugetlb
}

@test "as root: DONTUNMAP of hugetlb with hint 0: EINVAL" {
	compare_emulated du-hugetlb-hint
}

# ---- userfaultfd ----

@test "as root: DONTUNMAP userfaultfd-registered source: the registration stays on the old range" {
	compare_emulated du-uffd-registered
}

@test "as root: DONTUNMAP part of a userfaultfd-registered VMA" {
	compare_emulated du-uffd-registered-partial
}

@test "as root: DONTUNMAP userfaultfd-registered source with a free hint" {
	compare_emulated du-uffd-registered-hint
}

@test "as root: DONTUNMAP userfaultfd: a touch of the old range faults to the handler at the old address" {
	compare_emulated du-uffd-fault
	grep -q '^fault at +0x11000 read$' "$(oracle_output du-uffd-fault)"
}

# ---- the merge shapes of the kernel's selftest (tools/testing/selftests/mm/merge.c) ----
# Faulted and unfaulted private anonymous VMAs brought next to each other,
# the last move with DONTUNMAP: the VMA boundaries must be 6.18's. Whether
# two anonymous VMAs merge depends on their anon_vmas and page offsets, which
# the layout shows only through the boundaries. "In a forked child": the
# selftest's merge_with_fork variant, the call made in a child of fork()
# (its faulted VMAs' anon_vma has a parent, and 6.18 merges less). "By a
# parent whose child lives on": the call made on the other side of the same
# fork, the pages shared copy-on-write with the child.

@test "as root: DONTUNMAP of an unfaulted VMA to just after a faulted one: they merge" {
	compare_emulated mg-unfaulted-to-faulted
}

@test "as root: DONTUNMAP of an unfaulted VMA to just after a faulted one, in a forked child: they stay apart" {
	compare_emulated mg-unfaulted-to-faulted-forked
}

@test "as root: DONTUNMAP of an unfaulted VMA to just after a faulted one, by a parent whose child lives on: they merge" {
	compare_emulated mg-unfaulted-to-faulted-parent
}

@test "as root: DONTUNMAP of an unfaulted VMA to just before a faulted one: they merge" {
	compare_emulated mg-unfaulted-behind-faulted
}

@test "as root: DONTUNMAP of an unfaulted VMA to just before a faulted one, in a forked child: they stay apart" {
	compare_emulated mg-unfaulted-behind-faulted-forked
}

@test "as root: DONTUNMAP of an unfaulted VMA to just before a faulted one, by a parent whose child lives on: they merge" {
	compare_emulated mg-unfaulted-behind-faulted-parent
}

@test "as root: DONTUNMAP of an unfaulted VMA between two faulted ones of different anon_vmas: it merges with the first only" {
	compare_emulated mg-unfaulted-between-faulted
}

@test "as root: DONTUNMAP of an unfaulted VMA between two faulted ones of different anon_vmas, in a forked child: three VMAs" {
	compare_emulated mg-unfaulted-between-faulted-forked
}

@test "as root: DONTUNMAP of an unfaulted VMA between two faulted ones of different anon_vmas, by a parent whose child lives on: it merges with the first only" {
	compare_emulated mg-unfaulted-between-faulted-parent
}

@test "as root: DONTUNMAP of an unfaulted VMA between a faulted and an unfaulted one: all three merge" {
	compare_emulated mg-unfaulted-between-faulted-unfaulted
}

@test "as root: DONTUNMAP of an unfaulted VMA between a faulted and an unfaulted one, in a forked child: it merges with the unfaulted one only" {
	compare_emulated mg-unfaulted-between-faulted-unfaulted-forked
}

@test "as root: DONTUNMAP of an unfaulted VMA between a faulted and an unfaulted one, by a parent whose child lives on: all three merge" {
	compare_emulated mg-unfaulted-between-faulted-unfaulted-parent
}

@test "as root: DONTUNMAP of an unfaulted VMA into the hole of a faulted VMA: the three merge" {
	compare_emulated mg-unfaulted-between-correctly-placed-faulted
}

@test "as root: DONTUNMAP of an unfaulted VMA into the hole of a faulted VMA, in a forked child: three VMAs" {
	compare_emulated mg-unfaulted-between-correctly-placed-faulted-forked
}

@test "as root: DONTUNMAP of an unfaulted VMA into the hole of a faulted VMA, by a parent whose child lives on: the three merge" {
	compare_emulated mg-unfaulted-between-correctly-placed-faulted-parent
}

@test "as root: DONTUNMAP of a faulted piece back to its own place after the first: they merge" {
	compare_emulated mg-correct-placed-faulted
}

@test "as root: DONTUNMAP of a faulted piece back to its own place after the first, in a forked child: they stay apart" {
	compare_emulated mg-correct-placed-faulted-forked
}

@test "as root: DONTUNMAP of a faulted piece back to its own place after the first, by a parent whose child lives on: they merge" {
	compare_emulated mg-correct-placed-faulted-parent
}

@test "as root: DONTUNMAP of a faulted piece back to its own place before the other two: one VMA" {
	compare_emulated mg-correct-placed-faulted-first
}

@test "as root: DONTUNMAP of a faulted piece back to its own place before the other two, in a forked child: it stays apart" {
	compare_emulated mg-correct-placed-faulted-first-forked
}

@test "as root: DONTUNMAP of a faulted piece back to its own place before the other two, by a parent whose child lives on: one VMA" {
	compare_emulated mg-correct-placed-faulted-first-parent
}

@test "as root: DONTUNMAP of a faulted piece back to its own place behind the other two: one VMA" {
	compare_emulated mg-correct-placed-faulted-last
}

@test "as root: DONTUNMAP of a faulted piece back to its own place behind the other two, in a forked child: it stays apart" {
	compare_emulated mg-correct-placed-faulted-last-forked
}

@test "as root: DONTUNMAP of a faulted piece back to its own place behind the other two, by a parent whose child lives on: one VMA" {
	compare_emulated mg-correct-placed-faulted-last-parent
}

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one: they merge" {
	compare_emulated mg-faulted-to-unfaulted-prev
}

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one, in a forked child: they stay apart" {
	compare_emulated mg-faulted-to-unfaulted-prev-forked
}

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one, by a parent whose child lives on: they merge" {
	compare_emulated mg-faulted-to-unfaulted-prev-parent
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one: they merge" {
	compare_emulated mg-faulted-to-unfaulted-next
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one, in a forked child: they stay apart" {
	compare_emulated mg-faulted-to-unfaulted-next-forked
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one, by a parent whose child lives on: they merge" {
	compare_emulated mg-faulted-to-unfaulted-next-parent
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones: all three merge" {
	compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones, in a forked child: three VMAs" {
	compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next-forked
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones, by a parent whose child lives on: all three merge" {
	compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next-parent
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one: it merges with the unfaulted one only" {
	compare_emulated mg-faulted-to-unfaulted-prev-faulted-next
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one, in a forked child: three VMAs" {
	compare_emulated mg-faulted-to-unfaulted-prev-faulted-next-forked
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one, by a parent whose child lives on: it merges with the unfaulted one only" {
	compare_emulated mg-faulted-to-unfaulted-prev-faulted-next-parent
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one: they stay apart (the page offsets do not follow)" {
	compare_emulated mg-faulted-to-unfaulted-new-place
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one, in a forked child: they stay apart" {
	compare_emulated mg-faulted-to-unfaulted-new-place-forked
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one, by a parent whose child lives on: they stay apart" {
	compare_emulated mg-faulted-to-unfaulted-new-place-parent
}

# ---- MREMAP_COMPAT_STRATEGY=race-free ----

@test "as root: DONTUNMAP private anonymous, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-anon-fixed MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP part of private anonymous, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-anon-partial-middle MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP read-only part of private anonymous, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-anon-readonly-partial MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP start of a VMA to right after it, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-anon-start-adjacent MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP start of a VMA, an untouched VMA right after the destination, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-anon-start-before-neighbour MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP private file, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-file-private MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP private file with a free hint, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated du-file-private-hint MREMAP_COMPAT_STRATEGY=race-free
}

# The merge shapes with the copy. The copy builds the new range apart
# (between two pads) and moves it into place: a VMA with an anon_vma of its
# own and the page offset of the place it was built at. 6.18's move keeps
# the moved VMA's anon_vma and page offset (copy_vma() in mm/vma.c) and
# merges it with an unfaulted neighbour; the copy's range stays apart from
# it. Where 6.18 keeps them apart (a forked child: is_mergeable_anon_vma(),
# vma_had_uncowed_parents(); a new place), so does the copy. User space
# cannot give fresh memory a given anon_vma, nor the page offset the merge
# wants: the data is the same, the boundaries are not.

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one, in a forked child, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-forked MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-next MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one, in a forked child, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-next-forked MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones, in a forked child, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next-forked MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-faulted-next MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one, in a forked child, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-faulted-next-forked MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to just after an unfaulted one, by a parent whose child lives on, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-parent MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to just before an unfaulted one, by a parent whose child lives on, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-next-parent MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between two unfaulted ones, by a parent whose child lives on, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-unfaulted-next-parent MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA between an unfaulted and a faulted one, by a parent whose child lives on, strategy race-free" {
	KNOWN_DIVERGENCE="the copy's new range is built apart and moved into place with a page offset of its own: it stays apart from an unfaulted neighbour that 6.18 merges it with (doc/known-differences.md#vma-boundaries)" KNOWN_NORMALIZE=norm_merge_vmas \
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-prev-faulted-next-parent MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-new-place MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one, in a forked child, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-new-place-forked MREMAP_COMPAT_STRATEGY=race-free
}

@test "as root: DONTUNMAP of a faulted VMA to a new place just after an unfaulted one, by a parent whose child lives on, strategy race-free" {
	EXPECT_HOW="copy (race-free)" compare_emulated mg-faulted-to-unfaulted-new-place-parent MREMAP_COMPAT_STRATEGY=race-free
}

# ---- private file mappings: finding the file again (shim/reopen.c) ----
# Unprivileged, /proc/self/map_files is closed: the library finds the file by
# its path or by an open descriptor (same device and inode). With neither,
# its answer is the old kernel's (EINVAL), with a debug note.

@test "as root: DONTUNMAP start of a deleted private file, descriptor open" {
	compare_emulated du-reopen-deleted
}

@test "as root: DONTUNMAP start of a deleted private file, no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="deleted, descriptor closed" compare_emulated du-reopen-deleted-closed
}

@test "as root: DONTUNMAP start of a private memfd mapping, descriptor open" {
	compare_emulated du-reopen-memfd-open
}

@test "as root: DONTUNMAP start of a private memfd mapping, no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="memfd, descriptor closed" compare_emulated du-reopen-memfd-closed
}

@test "as root: DONTUNMAP start of a private file with a path of 1024 bytes or more, descriptor open" {
	compare_emulated du-reopen-long-path
}

@test "as root: DONTUNMAP start of a private file with a path of 1024 bytes or more, no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="long path, descriptor closed" compare_emulated du-reopen-long-path-closed
}

@test "as root: DONTUNMAP start of a private file named '... (deleted)', no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="ambiguous name, descriptor closed" compare_emulated du-reopen-deleted-suffix-closed
}

@test "as root: DONTUNMAP start of a private file whose name holds a newline, no descriptor: found by its path" {
	compare_emulated du-reopen-newline-closed
}

@test "as root: DONTUNMAP start of a private file whose name holds a literal \\012, no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="ambiguous name, descriptor closed" compare_emulated du-reopen-escape-closed
}

@test "as root: DONTUNMAP start of a private file whose mode now forbids reading, read-write descriptor open" {
	compare_emulated du-reopen-unreadable-open
}
