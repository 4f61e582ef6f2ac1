#!/usr/bin/env bats
# Refusal order (issue 11, kind 1): when a call meets two refusals, the
# answer is the one Linux 6.18 tests first, in check_mremap_params(),
# check_prep_vma() and remap_move() (doc/behaviour.md §2, §3, §6). One test per pair
# of neighbouring refusals, each compared with the native kernel (the
# oracle), with emulation forced and on the simulated pre-5.7 kernel.

load helpers
load differential
load oldkernel

# sealed (EPERM) before DONTUNMAP of VM_DONTEXPAND (EINVAL)
@test "DONTUNMAP of a sealed AIO ring past its end: EPERM" {
	compare_emulated ro-aio-sealed-hint
}
@test "pre-5.7: DONTUNMAP of a sealed AIO ring past its end: EPERM" {
	on_pre57 ro-aio-sealed-hint
}

# sealed (EPERM) before the range crosses the end (EFAULT)
@test "DONTUNMAP hint of a sealed VMA, range past its end: EPERM" {
	compare_emulated ro-sealed-crossing-hint
}
@test "pre-5.7: DONTUNMAP hint of a sealed VMA, range past its end: EPERM" {
	on_pre57 ro-sealed-crossing-hint
}

# sealed (EPERM) before the duplicate of a private mapping (EINVAL)
@test "FIXED duplicate (old_len 0) of a sealed private mapping: EPERM, destination stays" {
	compare_emulated ro-sealed-dup-private
}
@test "pre-5.7: FIXED duplicate of a sealed private mapping: EPERM" {
	on_pre57 ro-sealed-dup-private
}

# the duplicate of a private mapping (EINVAL), alone
@test "FIXED duplicate (old_len 0) of a private mapping: EINVAL, destination stays" {
	compare_emulated ro-dup-private
}
@test "pre-5.7: FIXED duplicate of a private mapping: EINVAL" {
	on_pre57 ro-dup-private
}

# DONTUNMAP of VM_DONTEXPAND (EINVAL) before the range crosses the end (EFAULT)
@test "DONTUNMAP of the [vdso] and one page past it, no FIXED: EINVAL" {
	compare_emulated ro-vdso-past-end-hint
}
@test "pre-5.7: DONTUNMAP of the [vdso] and one page past it: EINVAL" {
	on_pre57 ro-vdso-past-end-hint
}
@test "DONTUNMAP|FIXED of the [vdso] and one page past it: EINVAL" {
	compare_emulated ro-vdso-past-end-fixed
}
@test "pre-5.7: DONTUNMAP|FIXED of the [vdso] and one page past it: EINVAL" {
	on_pre57 ro-vdso-past-end-fixed
}
@test "DONTUNMAP of an AIO ring and one page past it, with a hint: EINVAL" {
	compare_emulated ro-aio-past-end-hint
}
@test "pre-5.7: DONTUNMAP of an AIO ring and one page past it: EINVAL" {
	on_pre57 ro-aio-past-end-hint
}
@test "DONTUNMAP|FIXED of an AIO ring and one page past it: EINVAL" {
	compare_emulated ro-aio-past-end-fixed
}
@test "pre-5.7: DONTUNMAP|FIXED of an AIO ring and one page past it: EINVAL" {
	on_pre57 ro-aio-past-end-fixed
}
@test "DONTUNMAP of a whole AIO ring with a hint: EINVAL" {
	compare_emulated ro-aio-whole-hint
}
@test "pre-5.7: DONTUNMAP of a whole AIO ring with a hint: EINVAL" {
	on_pre57 ro-aio-whole-hint
}

# the range crosses the end (EFAULT) before the grow of VM_DONTEXPAND (EFAULT)
@test "FIXED grow of the [vdso]: EFAULT, the destination stays" {
	compare_emulated ro-vdso-grow-fixed
}
@test "pre-5.7: FIXED grow of the [vdso]: EFAULT, the destination stays" {
	on_pre57 ro-vdso-grow-fixed
}

# source refusal (EINVAL) before the destination's unmap (EPERM, sealed)
@test "DONTUNMAP|FIXED of the [vdso] onto a sealed destination: EINVAL" {
	compare_emulated ro-vdso-sealed-dest
}
@test "pre-5.7: DONTUNMAP|FIXED of the [vdso] onto a sealed destination: EINVAL" {
	on_pre57 ro-vdso-sealed-dest
}

# the destination's unmap (EPERM) before anything moves
@test "DONTUNMAP|FIXED onto a sealed destination: EPERM, nothing moved" {
	compare_emulated ro-sealed-dest-dontunmap
}
@test "pre-5.7: DONTUNMAP|FIXED onto a sealed destination: EPERM, nothing moved" {
	on_pre57 ro-sealed-dest-dontunmap
}

# the argument checks (EINVAL) before any VMA is looked at (EFAULT)
@test "DONTUNMAP of an unmapped range with a hint past TASK_SIZE: EINVAL" {
	compare_refused ro-unmapped-bad-hint
}
@test "pre-5.7: DONTUNMAP of an unmapped range with a hint past TASK_SIZE: EINVAL" {
	on_pre57 ro-unmapped-bad-hint
}

# the map count check (ENOMEM, the last argument check of 6.17+) before
# every VMA refusal; after the other argument checks
@test "max_map_count - 5 mappings, DONTUNMAP|FIXED of a sealed VMA: ENOMEM before EPERM" {
	compare_emulated ro-mapcount-sealed
}
@test "pre-5.7: max_map_count - 5, sealed source: ENOMEM before EPERM" {
	on_pre57 ro-mapcount-sealed
}
@test "max_map_count - 5 mappings, DONTUNMAP of the [vdso]: ENOMEM before EINVAL" {
	compare_emulated ro-mapcount-vdso-hint
}
@test "pre-5.7: max_map_count - 5, DONTUNMAP of the [vdso]: ENOMEM before EINVAL" {
	on_pre57 ro-mapcount-vdso-hint
}
@test "max_map_count - 5 mappings, multi-VMA range with a leading gap: ENOMEM before EFAULT" {
	compare_emulated ro-mapcount-leading-gap
}
@test "pre-5.7: max_map_count - 5, leading gap: ENOMEM before EFAULT" {
	on_pre57 ro-mapcount-leading-gap
}
@test "max_map_count - 5 mappings, FIXED duplicate of a private mapping: ENOMEM before EINVAL" {
	compare_emulated ro-mapcount-dup-private
}
@test "pre-5.7: max_map_count - 5, private duplicate: ENOMEM before EINVAL" {
	on_pre57 ro-mapcount-dup-private
}
@test "max_map_count - 5 mappings, private /dev/zero in two VMAs: ENOMEM before EFAULT" {
	compare_emulated ro-mapcount-devzero
}
@test "pre-5.7: max_map_count - 5, private /dev/zero in two VMAs: ENOMEM before EFAULT" {
	on_pre57 ro-mapcount-devzero
}
@test "max_map_count - 5 mappings, destination overlapping the source: EINVAL before ENOMEM" {
	compare_refused ro-mapcount-overlap
}
@test "pre-5.7: max_map_count - 5, overlap: EINVAL before ENOMEM" {
	on_pre57 ro-mapcount-overlap
}
