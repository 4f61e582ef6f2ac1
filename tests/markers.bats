#!/usr/bin/env bats
# What a DONTUNMAP strategy must carry over besides the data (issue 11,
# kinds 2, 4 and 6): page-table markers (guard regions) go where the
# kernel's move puts them and are never read; MLOCK_ONFAULT stays "lf"
# with only the moved pages in; the charge ("ac") of read-only and
# PROT_NONE memory and VM_GROWSDOWN ("gd") are kept; a huge page stays
# one. Each scenario runs natively (the oracle) and emulated, with the
# default strategy (this process is single-threaded: zero copy where it
# applies) and with the race-free copy; tests/pre57-scenarios.bats runs
# them again on the simulated pre-5.7 kernel.

load helpers
load differential

# ---- guard regions (MADV_GUARD_INSTALL, 6.13+) ----

@test "guard inside DONTUNMAP|FIXED at the start of a VMA: the guard moves, never read" {
	compare_emulated du-guard-start
}

@test "guard inside DONTUNMAP|FIXED at the start of a VMA, strategy race-free" {
	compare_emulated du-guard-start MREMAP_COMPAT_STRATEGY=race-free
}

@test "guards inside and beside DONTUNMAP of the middle of a VMA" {
	compare_emulated du-guard-middle
}

@test "guards inside and beside DONTUNMAP of the middle of a VMA, strategy race-free" {
	compare_emulated du-guard-middle MREMAP_COMPAT_STRATEGY=race-free
}

@test "guards at both ends of a whole VMA, DONTUNMAP with a hint" {
	compare_emulated du-guard-whole-hint
}

@test "guards at both ends of a whole VMA, DONTUNMAP with a hint, strategy race-free" {
	compare_emulated du-guard-whole-hint MREMAP_COMPAT_STRATEGY=race-free
}

@test "guard in read-only memory, DONTUNMAP of the middle" {
	compare_emulated du-guard-readonly
}

@test "guard in read-only memory, DONTUNMAP of the middle, strategy race-free" {
	compare_emulated du-guard-readonly MREMAP_COMPAT_STRATEGY=race-free
}

# "gu" (VM_MAYBE_GUARD, 6.18): once a guard was installed in a VMA, for
# good; the new VMA of the kernel's move has it from the old one, whether a
# guard lies in the moved range or not, and a refilled old range keeps it.

@test "a guard outside the range only, DONTUNMAP|FIXED of the start: the new range shows gu" {
	compare_emulated du-guard-outside
}

@test "a guard outside the range only, DONTUNMAP|FIXED of the start, strategy race-free" {
	compare_emulated du-guard-outside MREMAP_COMPAT_STRATEGY=race-free
}

@test "a guard installed and removed again, DONTUNMAP|FIXED of the whole VMA: both ranges show gu" {
	compare_emulated du-guard-removed-whole
}

@test "a guard installed and removed again, DONTUNMAP|FIXED of the whole VMA, strategy race-free" {
	compare_emulated du-guard-removed-whole MREMAP_COMPAT_STRATEGY=race-free
}

@test "a guard outside the range only, shared anonymous memory: the new range shows gu" {
	compare_emulated du-guard-shared-outside
}

# Guards in shared mappings (6.15+): the alias installs the guard at the
# new range, removes the old range's, and never reads it.

@test "guard in shared anonymous memory, DONTUNMAP|FIXED: the guard moves to the new range" {
	compare_emulated du-guard-shared-anon
}

@test "guard in shared anonymous memory, DONTUNMAP with a hint: the guard moves to the new range" {
	compare_emulated du-guard-shared-anon-hint
}

@test "guards inside and beside DONTUNMAP of part of a shared memfd: only the one inside moves" {
	compare_emulated du-guard-memfd-shared-partial
}

@test "guard in a read-only shared memfd mapping, DONTUNMAP|FIXED: the guard moves, never read" {
	compare_emulated du-guard-memfd-shared-readonly
}

# ---- MLOCK_ONFAULT ----

@test "MLOCK_ONFAULT, one page touched, DONTUNMAP of the start: lo lf, one page in" {
	compare_emulated du-onfault-touched
}

@test "MLOCK_ONFAULT, one page touched, DONTUNMAP of the start, strategy race-free" {
	compare_emulated du-onfault-touched MREMAP_COMPAT_STRATEGY=race-free
}

@test "MLOCK_ONFAULT, DONTUNMAP of the middle" {
	compare_emulated du-onfault-middle
}

@test "MLOCK_ONFAULT, DONTUNMAP of the middle, strategy race-free" {
	compare_emulated du-onfault-middle MREMAP_COMPAT_STRATEGY=race-free
}

# ---- the charge (ac) and VM_GROWSDOWN (gd) ----

@test "never-writable PROT_NONE memory stays uncharged" {
	compare_emulated du-protnone-uncharged
}

@test "never-writable PROT_NONE memory stays uncharged, strategy race-free" {
	compare_emulated du-protnone-uncharged MREMAP_COMPAT_STRATEGY=race-free
}

@test "never-writable read-only memory, part of it, stays uncharged" {
	compare_emulated du-readonly-uncharged-partial
}

@test "never-writable read-only memory, part of it, stays uncharged, strategy race-free" {
	compare_emulated du-readonly-uncharged-partial MREMAP_COMPAT_STRATEGY=race-free
}

@test "once-writable PROT_NONE memory stays charged" {
	compare_emulated du-protnone-charged
}

@test "once-writable PROT_NONE memory stays charged, strategy race-free" {
	compare_emulated du-protnone-charged MREMAP_COMPAT_STRATEGY=race-free
}

@test "once-writable PROT_NONE memory, part of it, stays charged" {
	compare_emulated du-protnone-charged-partial
}

@test "once-writable PROT_NONE memory, part of it, stays charged, strategy race-free" {
	compare_emulated du-protnone-charged-partial MREMAP_COMPAT_STRATEGY=race-free
}

@test "once-writable read-only memory, the start of it, stays charged" {
	compare_emulated du-readonly-charged-start
}

@test "MAP_GROWSDOWN memory keeps gd on both ranges" {
	compare_emulated du-growsdown
}

@test "MAP_GROWSDOWN memory keeps gd on both ranges, strategy race-free" {
	compare_emulated du-growsdown MREMAP_COMPAT_STRATEGY=race-free
}

@test "MAP_GROWSDOWN memory, the start of it" {
	compare_emulated du-growsdown-start
}

# ---- transparent huge pages ----

@test "a huge page moved to an aligned place stays a huge page (the copy)" {
	compare_emulated du-thp-start
}

@test "a huge page moved right after the rest of its VMA stays a VMA of its own, one huge page (the copy)" {
	compare_emulated du-thp-start-adjacent
}

@test "a huge page moved right after the rest of its VMA, strategy race-free" {
	compare_emulated du-thp-start-adjacent MREMAP_COMPAT_STRATEGY=race-free
}

@test "a huge page moved with a hint right after the rest of its VMA: a VMA of its own (the copy)" {
	compare_emulated du-thp-start-adjacent-hint
}

@test "small pages in a MADV_HUGEPAGE VMA stay small pages (the copy)" {
	compare_emulated du-thp-partial
}

# ---- a garbage collector's heap moved into its reservation ----

@test "a GC heap of huge pages, DONTUNMAP|FIXED: the sliver is a whole PMD, the huge pages stay huge" {
	EXPECT_HOW="smaps of a sliver" compare_emulated du-gc-heap-thp
}

# ---- userfaultfd write-protect markers ----

@test "uffd write-protect markers in a range registered for missing faults too: never read" {
	compare_emulated du-uffd-wp-markers
}

@test "uffd write-protect markers, strategy race-free" {
	compare_emulated du-uffd-wp-markers MREMAP_COMPAT_STRATEGY=race-free
}
