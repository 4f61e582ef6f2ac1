#!/usr/bin/env bats
# Hints (issue 11, kind 5): without FIXED, a DONTUNMAP hint is taken only
# where get_unmapped_area() takes it: the place is free and outside the
# stack guard gap (stack_guard_gap, 256 pages by default) below a
# VM_GROWSDOWN mapping ([stack], MAP_GROWSDOWN); MAP_FIXED_NOREPLACE does
# not look at that gap (doc/behaviour.md §7). Native (the oracle) against emulation
# forced and the simulated pre-5.7 kernel.

load helpers
load differential
load oldkernel

@test "DONTUNMAP hint 64 pages below a MAP_GROWSDOWN mapping (in the guard gap): not taken" {
	compare_emulated hi-growsdown-gap-64
}
@test "pre-5.7: DONTUNMAP hint 64 pages below a MAP_GROWSDOWN mapping: not taken" {
	on_pre57 hi-growsdown-gap-64
}
@test "DONTUNMAP hint whose last page is the guard gap's first: not taken" {
	compare_emulated hi-growsdown-gap-edge-in
}
@test "pre-5.7: DONTUNMAP hint whose last page is the guard gap's first: not taken" {
	on_pre57 hi-growsdown-gap-edge-in
}
@test "DONTUNMAP hint ending where the guard gap begins: taken" {
	compare_emulated hi-growsdown-gap-edge-out
}
@test "pre-5.7: DONTUNMAP hint ending where the guard gap begins: taken" {
	on_pre57 hi-growsdown-gap-edge-out
}
@test "DONTUNMAP|FIXED inside the guard gap: placed there (FIXED ignores the gap)" {
	compare_emulated hi-growsdown-gap-fixed
}
@test "pre-5.7: DONTUNMAP|FIXED inside the guard gap: placed there" {
	on_pre57 hi-growsdown-gap-fixed
}
@test "shared memory, DONTUNMAP hint inside the guard gap: not taken" {
	compare_emulated hi-growsdown-gap-shared
}
@test "pre-5.7: shared memory, DONTUNMAP hint inside the guard gap: not taken" {
	on_pre57 hi-growsdown-gap-shared
}
@test "DONTUNMAP hint 64 pages below [stack]: not taken, [stack] unchanged" {
	compare_emulated hi-stack-gap-64
}
@test "pre-5.7: DONTUNMAP hint 64 pages below [stack]: not taken" {
	on_pre57 hi-stack-gap-64
}
@test "DONTUNMAP hint below [stack] and its guard gap, place free: taken" {
	compare_emulated hi-stack-far
}
@test "pre-5.7: DONTUNMAP hint below [stack] and its guard gap: taken" {
	on_pre57 hi-stack-far
}
