#!/usr/bin/env bats
# The multi-VMA move (doc/behaviour.md §5): FIXED, old_len == new_len, over ranges
# spanning several VMAs and gaps. Native (6.18, the oracle) against the
# emulation forced, compared in full (tests/differential.bash).

load helpers
load differential

@test "as root: move three VMAs of different protection as one" {
	compare_emulated mv-three-prot
}

@test "as root: move VMAs with gaps between them: the gaps keep their size" {
	compare_emulated mv-gaps
}

@test "as root: move a range that starts and ends inside VMAs: both ends split" {
	compare_emulated mv-split-ends
}

@test "as root: move a range with a trailing gap" {
	compare_emulated mv-trailing-gap
}

@test "as root: move a single VMA followed by a gap inside the range" {
	compare_emulated mv-trailing-gap-single
}

@test "as root: a leading gap: EFAULT, nothing moved" {
	compare_emulated mv-leading-gap
}

@test "as root: a wholly unmapped range: EFAULT, the destination stays" {
	compare_emulated mv-unmapped
}

@test "as root: mappings in destination gaps survive, those under source VMAs are replaced" {
	compare_emulated mv-dest-gap-mapping
}

@test "as root: move mixed kinds: anonymous, private file, shared anonymous, memfd" {
	compare_emulated mv-mixed-kinds
}

@test "as root: DONTUNMAP|FIXED across VMAs: every source VMA stays, emptied" {
	compare_emulated mv-dontunmap
}

@test "as root: DONTUNMAP|FIXED across VMAs starting and ending inside VMAs" {
	compare_emulated mv-dontunmap-split-ends
}

@test "as root: a userfaultfd-registered first VMA, range going past it: EFAULT, nothing moved" {
	compare_emulated mv-uffd-first
}

@test "as root: a userfaultfd-registered later VMA: EFAULT after the earlier pieces moved" {
	compare_emulated mv-uffd-later
}

@test "as root: a userfaultfd-registered VMA followed by a gap in the range: EFAULT, nothing moved" {
	compare_emulated mv-uffd-single-trailing-gap
}

@test "as root: a single userfaultfd-registered VMA, range ending inside it: moves (native route)" {
	compare_native_route mv-uffd-single-inside
}

@test "as root: DONTUNMAP|FIXED with a userfaultfd-registered later VMA: EFAULT after the first piece" {
	compare_emulated mv-uffd-later-dontunmap
}

@test "as root: destination overlapping only a gap of the source: EINVAL" {
	compare_refused mv-overlap-gap
}

@test "as root: destination overlapping the source range: EINVAL" {
	compare_refused mv-overlap-source
}

@test "as root: old_len < new_len across VMAs: EFAULT, the destination stays" {
	# Before 6.17 the kernel unmaps the destination first: the library
	# refuses such a call itself where the kernel lacks multi-VMA moves.
	compare_emulated mv-grow
}

@test "as root: FIXED shrink across VMAs succeeds (checked, then passed to the kernel)" {
	compare_native_route mv-shrink
}

@test "as root: DONTUNMAP without FIXED across VMAs: EFAULT" {
	compare_emulated mv-dontunmap-nofixed
}

@test "as root: SysV shm first VMA, range going past it: EFAULT, nothing moved" {
	compare_emulated mv-sysv-first
}

@test "as root: SysV shm later VMA: EFAULT after the earlier pieces moved" {
	compare_emulated mv-sysv-later
}

@test "as root: a single SysV shm segment, range ending inside it: moves (native route)" {
	compare_native_route mv-sysv-single-inside
}

@test "as root: move a 1,000-VMA range of alternating protections" {
	compare_emulated mv-thousand
}

@test "as root: move 1,900 adjacent VMAs: none skipped where a read of maps ends at a line's end" {
	compare_emulated mv-many-adjacent
}

@test "as root: a sealed first VMA: EPERM, nothing moved" {
	compare_emulated mv-mseal-first
}

@test "as root: a sealed later VMA: EPERM after the earlier pieces moved" {
	compare_emulated mv-mseal-later
}

@test "as root: a sealed destination under a later piece: EPERM after the first piece moved" {
	compare_emulated mv-mseal-dest
}

@test "as root: an ordinary single-VMA FIXED move takes the native route" {
	compare_native_route mv-single-fixed
}

@test "as root: DONTUNMAP|FIXED across VMAs, a later one a deleted private file with no descriptor (unprivileged: the old kernel's EINVAL)" {
	UNPRIV_OLD_KERNEL="deleted, descriptor closed" \
		compare_emulated mv-dontunmap-deleted-closed-later
}
