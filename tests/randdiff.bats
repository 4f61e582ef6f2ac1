#!/usr/bin/env bats
# randdiff: the differential random tester. Each sequence (a seed) runs twice,
# natively (the 6.18 kernel is the oracle) and with the library preloaded and
# MREMAP_COMPAT_EMULATE=all; the arena's layout and contents after every step
# must be the same. Run any number of seeds, from the build tree:
#
#   tests/randdiff --batch FIRST COUNT STEPS     e.g. tests/randdiff --batch 1 100000 40
#   tests/randdiff --compare SEED [STEPS]        one seed, with its first divergence
#   tests/randdiff SEED [STEPS]                  one seed's lines, in this process
#   (--jobs N: pairs run at a time, default 4; --lib PATH: the library;
#    --native-twice: native against native, to check determinism)
#
# A divergence prints the seed, the first diverging step (both lines and the
# emulated side's debug lines) and the shortest failing prefix as a command.
# Its class: "VMA boundaries only" if the call, its result and, page by page
# (both sides re-run to that step with RANDDIFF_PAGES=1), the perms, kinds,
# file offsets and contents are the same; "real" otherwise. Exit status: 1 on
# a real one (or nothing emulated), 3 on boundary-only ones alone, 0 on none.
#
# KNOWN DIFFERENCE (not a pass): an anonymous VMA's page offset (vm_pgoff, not
# in maps) is carried only by a kernel move, so a mapping the library creates
# (a refill, a copy's destination) can be split or merged unlike the kernel's.
# The batch test tolerates those, counts them (on fd 3), and fails on real ones.
# Boundary-only hides VMA cuts alone: the per-page perms, kinds, offsets,
# VmFlags (lo lf ac nr dc dd wf hg nh mg gd um uw ui sl) and contents agree.

load helpers

# randdiff_batch COUNT: the batch test's body, run as MC_TEST_USER (both
# sides of every pair: randdiff forks them).
randdiff_batch() {
	local count=$1 summary b c r n
	need_test_user
	run as_test_user "$TESTBIN/randdiff" --lib "$LIB" --batch 1 "$count" 40
	echo "$output" | awk '/^DIVERGENCE/ { show = !/boundaries only|the charge limit/ } show' | head -80
	echo "$output" | tail -1
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	summary=$(echo "$output" | grep "^randdiff: .* sequences")
	[[ "$summary" == *"$count sequences, $((count * 40)) steps, "* ]]
	b=$(echo "$summary" | sed -n 's/.* divergences (\([0-9]*\) VMA-boundary only, \([0-9]*\) charge limit, \([0-9]*\) real).*/\1/p')
	c=$(echo "$summary" | sed -n 's/.* divergences (\([0-9]*\) VMA-boundary only, \([0-9]*\) charge limit, \([0-9]*\) real).*/\2/p')
	r=$(echo "$summary" | sed -n 's/.* divergences (\([0-9]*\) VMA-boundary only, \([0-9]*\) charge limit, \([0-9]*\) real).*/\3/p')
	n=$(echo "$summary" | sed -n 's/.* real), \([0-9][0-9]*\) emulated calls.*/\1/p')
	echo "# randdiff ($MC_TEST_USER): $b of $count sequences diverge in VMA boundaries only (the known difference), $c by the charge limit (doc/known-differences.md#charge), $r real" >&3
	[ "$r" = 0 ]
	[ -n "$n" ] && [ "$n" -gt 0 ]
	[ "$status" -eq $((b + c > 0 ? 3 : 0)) ]
}

@test "as root: randdiff: a sequence is deterministic (native against native)" {
	run "$TESTBIN/randdiff" --lib "$LIB" --native-twice --batch 1 100 40
	echo "$output" | head -40
	[ "$status" -eq 0 ]
	[[ "$output" == *" 0 divergences (0 VMA-boundary only, 0 charge limit, 0 real),"* ]]
}

@test "as root: randdiff: 2500 sequences agree with the kernel but for VMA boundaries, and the library emulated calls" {
	MC_TEST_USER=root randdiff_batch 2500
}

@test "unprivileged: randdiff: 2500 sequences agree with the kernel but for VMA boundaries, and the library emulated calls" {
	MC_TEST_USER=unprivileged randdiff_batch 2500
}

# The classifier is not blind: RANDDIFF_TAMPER (test-only) changes the
# emulated side alone at one step of a seed that otherwise agrees.

@test "as root: randdiff: a changed byte on the emulated side is a real divergence" {
	run env RANDDIFF_TAMPER=10:flip "$TESTBIN/randdiff" --lib "$LIB" --compare 465 40
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"DIVERGENCE seed 465 at step 10 (native vs emulated)"* ]]
	[[ "$output" == *"real: arena page: native "* ]]
	[[ "$output" == *"tamper: flipped a byte"* ]]
	[[ "$output" == *" 1 divergences (0 VMA-boundary only, 0 charge limit, 1 real),"* ]]
}

@test "as root: randdiff: a VMA split on the emulated side is a VMA-boundary divergence, not a real one" {
	run env RANDDIFF_TAMPER=10:split "$TESTBIN/randdiff" --lib "$LIB" --compare 465 40
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DIVERGENCE seed 465 at step 10 (VMA boundaries only: same pages, perms, kinds, offsets, VmFlags and contents)"* ]]
	[[ "$output" == *"tamper: split"* ]]
	[[ "$output" == *" 1 divergences (1 VMA-boundary only, 0 charge limit, 0 real),"* ]]
}

@test "as root: randdiff: a VmFlag set on the emulated side is a real divergence, not a VMA-boundary one" {
	run env RANDDIFF_TAMPER=10:flag "$TESTBIN/randdiff" --lib "$LIB" --compare 465 40
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"DIVERGENCE seed 465 at step 10 (native vs emulated)"* ]]
	[[ "$output" == *"tamper: flag dc on"* ]]
	[[ "$output" == *" 1 divergences (0 VMA-boundary only, 0 charge limit, 1 real),"* ]]
}

# Regressions: seeds that once diverged, named for the behaviour.

@test "as root: randdiff regression: multi-VMA DONTUNMAP whose first piece's destination splits the range's last VMA" {
	# seed 465 step 18: mremap(+58, 7p, 7p, MAYMOVE|FIXED|DONTUNMAP, +68) over
	# [58,59) shared file + [59,6c) private memfd; the destination [68,6f)
	# cut the memfd VMA beyond the range: the library reopened a stale
	# map_files entry and answered EINVAL after moving the first piece.
	run "$TESTBIN/randdiff" --lib "$LIB" --compare 465 19
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "as root: randdiff regression: a FIXED duplicate of a shared mapping (old_len 0) is not refused" {
	# seed 17 step 26: mremap(+6b, 0p, 2p, MAYMOVE|FIXED, +8e) natively
	# succeeds; guard.c answered EFAULT because its walk never reset the
	# error it starts with when it found the VMA.
	run "$TESTBIN/randdiff" --lib "$LIB" --compare 17 27
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "as root: randdiff regression: DONTUNMAP|FIXED to a destination inside the source VMA does not regrow" {
	# seed 1292 step 5: mremap(+86, 2p, 2p, MAYMOVE|FIXED|DONTUNMAP, +84),
	# the destination replacing the VMA's own left part: move+regrow had
	# nothing left to grow and answered ENOMEM; natively it succeeds.
	run "$TESTBIN/randdiff" --lib "$LIB" --compare 1292 6
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "unprivileged: randdiff regression: DONTUNMAP of a private file without /proc/self/map_files finds it by an open descriptor" {
	# seed 700000 step 28, unprivileged: the copy of a private mapping of the
	# deleted temp file could not reopen it (map_files is closed to ordinary
	# users) and answered EINVAL; natively it succeeds. reopen.c now finds
	# the file among the process's open descriptors.
	MC_TEST_USER=unprivileged need_test_user
	MC_TEST_USER=unprivileged run as_test_user "$TESTBIN/randdiff" --lib "$LIB" --compare 700000 29
	echo "$output"
	[ "$status" -eq 0 ]
}

# The charge limit (doc/known-differences.md#charge): seed 196 step 6 is a
# whole-VMA DONTUNMAP of a charged read-only anonymous VMA and a later
# mprotect. 6.18's emptied VMA is charged without an anon_vma, which no
# mapping the library can make is: the library keeps ac there. The
# classifier names exactly that, and nothing else, the charge limit.
@test "as root: randdiff: a read-only anonymous VMA keeping ac after a later mprotect is the documented charge limit" {
	run "$TESTBIN/randdiff" --lib "$LIB" --compare 196 7
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"DIVERGENCE seed 196 at step 6 (the charge limit"* ]]
	[[ "$output" == *" 1 divergences (0 VMA-boundary only, 1 charge limit, 0 real),"* ]]
}
