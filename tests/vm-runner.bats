#!/usr/bin/env bats
# The VM runner's own plumbing (tests/vm/): kernels built from source
# (tests/vm/build-kernel, read back by fetch-kernels from the kernel
# directory and checked against SHA256SUMS), the lock of the download
# cache, and an image given by its path. No kernel is built here: a stub
# source tree (its Makefile and merge_config.sh stand in for the kernel's)
# takes build-kernel through every step; a real build takes 11-13 minutes
# on two cores (tests/vm/build-kernel says how).

load helpers

setup() {
	VMDIR="$top_srcdir/tests/vm"
	T=$BATS_TEST_TMPDIR
}

# stub_tree DIR VERSION PATCHLEVEL SUBLEVEL: a tree with the kernel's build
# interface: tinyconfig, olddefconfig (drops CONFIG_9P_FS, as 5.4's does
# from tinyconfig), vmlinux and Image; merge_config.sh -m -O DIR BASE FRAG.
stub_tree() {
	local d=$1
	mkdir -p "$d/scripts/kconfig"
	cat >"$d/Makefile" <<MK
VERSION = $2
PATCHLEVEL = $3
SUBLEVEL = $4
tinyconfig:
	mkdir -p \$(O) && echo CONFIG_TINY=y >\$(O)/.config && echo "\$(ARCH) \$(CROSS_COMPILE)" >\$(O)/stub-arch
olddefconfig:
	grep -v '^CONFIG_9P_FS=' \$(O)/.config >\$(O)/.config.new; mv \$(O)/.config.new \$(O)/.config
vmlinux:
	echo "vmlinux \$(KCFLAGS)" >\$(O)/vmlinux
Image:
	mkdir -p \$(O)/arch/arm64/boot && echo "Image \$(KCFLAGS)" >\$(O)/arch/arm64/boot/Image
MK
	cat >"$d/scripts/kconfig/merge_config.sh" <<'SH'
#!/bin/sh
[ "$1" = -m ] && [ "$2" = -O ] || exit 1
cat "$4" "$5" >"$3/.config.merged" && mv "$3/.config.merged" "$3/.config"
SH
	chmod +x "$d/scripts/kconfig/merge_config.sh"
}

@test "build-kernel: usage errors exit 2 and say why" {
	run "$VMDIR/build-kernel"
	[ "$status" -eq 2 ] && [[ $output == usage:* ]]
	run "$VMDIR/build-kernel" "$T" x86_64 "$T/out"
	[ "$status" -eq 2 ] && [[ $output == *"not a kernel source tree"* ]]
	stub_tree "$T/src" 4 19 300
	run "$VMDIR/build-kernel" "$T/src" sparc "$T/out"
	[ "$status" -eq 2 ] && [[ $output == *"x86_64 or arm64"* ]]
	[ ! -e "$T/out" ]
}

@test "build-kernel: tinyconfig + the fragment + olddefconfig, -Wno-error, the image and its checksum in OUT/linux-VERSION" {
	stub_tree "$T/src" 4 19 300
	run "$VMDIR/build-kernel" "$T/src" x86_64 "$T/out"
	echo "$output"
	[ "$status" -eq 0 ]
	d=$T/out/linux-4.19.300
	[ "${lines[-1]}" = "$d/vmlinux-x86_64" ]
	[ "$(cat "$d/vmlinux-x86_64")" = "vmlinux -Wno-error" ]
	# the configuration: tinyconfig's, then every option of the fragment
	# the tree's Kconfig kept; those it did not are named
	grep -qx CONFIG_TINY=y "$d/config-x86_64"
	grep -qx CONFIG_USERFAULTFD=y "$d/config-x86_64"
	grep -qx CONFIG_PVH=y "$d/config-x86_64"
	cmp "$d/fragment-x86_64" "$VMDIR/config/fragment-x86_64"
	[[ $output == *"not in this tree's configuration: CONFIG_9P_FS"* ]]
	(cd "$d" && sha256sum -c --strict SHA256SUMS)
	# the source tree is left as it is
	[ ! -e "$T/src/.config" ]
}

@test "build-kernel: arm64 cross-compiles (aarch64-linux-gnu-) and adds its image to SHA256SUMS" {
	[ "$(uname -m)" != aarch64 ] || skip "a native arm64 build: no cross compiler to name"
	skip_unless_cmd aarch64-linux-gnu-gcc
	stub_tree "$T/src" 5 4 7
	"$VMDIR/build-kernel" "$T/src" x86_64 "$T/out"
	run "$VMDIR/build-kernel" "$T/src" arm64 "$T/out"
	[ "$status" -eq 0 ]
	d=$T/out/linux-5.4.7
	[ "$(cat "$d/build-arm64/stub-arch")" = "arm64 aarch64-linux-gnu-" ]
	[ "$(cat "$d/Image-arm64")" = "Image -Wno-error" ]
	[ "$(wc -l <"$d/SHA256SUMS")" -eq 2 ]
	(cd "$d" && sha256sum -c --strict SHA256SUMS)
}

@test "fetch-kernels: a kernel built from source comes from MREMAP_COMPAT_KERNEL_DIR, the newest linux-5.4.N, checked against SHA256SUMS" {
	stub_tree "$T/src" 5 4 7
	"$VMDIR/build-kernel" "$T/src" x86_64 "$T/kd" >/dev/null 2>&1
	mkdir -p "$T/kd/linux-5.4.10" "$T/kd/linux-5.40.1"
	echo 'another image' >"$T/kd/linux-5.40.1/vmlinux-x86_64" # not 5.4
	run env MREMAP_COMPAT_KERNEL_DIR="$T/kd" "$VMDIR/fetch-kernels" x86_64-5.4
	[ "$status" -eq 0 ] && [ "$output" = "x86_64-5.4 $T/kd/linux-5.4.7/vmlinux-x86_64" ]
	# an image that does not match its checksum is no kernel
	echo tampered >>"$T/kd/linux-5.4.7/vmlinux-x86_64"
	run env MREMAP_COMPAT_KERNEL_DIR="$T/kd" "$VMDIR/fetch-kernels" x86_64-5.4
	[ "$status" -eq 1 ] && [[ $output == *"does not match"*SHA256SUMS* ]]
	# none at all: 77, a fact of the machine, saying what to do
	run env MREMAP_COMPAT_KERNEL_DIR="$T/none" "$VMDIR/fetch-kernels" arm64-5.4
	[ "$status" -eq 77 ] && [[ $output == *"tests/vm/build-kernel"* ]]
}

@test "vm-run: a kernel with no image is a skip (77) naming the cause, and the matrix calls it so" {
	run env MREMAP_COMPAT_KERNEL_DIR="$T/none" "$VMDIR/vm-run" x86_64-5.4 "$T"
	[ "$status" -eq 77 ] && [[ $output == *"no image"* ]]
	load vm/vm
	[ "$(vm_cause 2)" = "did not boot (twice)" ]
	[ "$(vm_cause 3)" = "did not finish" ]
	[ "$(vm_cause 4)" = "fetch failed" ]
}

@test "fetch-kernels: one run at a time changes the cache (a second waits for the lock)" {
	skip_unless_cmd flock
	local cache=$T/cache
	mkdir -p "$cache"
	stub_tree "$T/src" 5 4 7
	"$VMDIR/build-kernel" "$T/src" x86_64 "$T/kd" >/dev/null 2>&1
	# hold the lock until told to let go
	flock "$cache/lock" sh -c 'echo held >"$0/state"; while [ ! -e "$0/go" ]; do sleep 0.1; done; echo released >>"$0/state"' "$T" &
	while [ ! -s "$T/state" ]; do sleep 0.1; done
	MC_VM_CACHE=$cache MREMAP_COMPAT_KERNEL_DIR="$T/kd" "$VMDIR/fetch-kernels" x86_64-5.4 >"$T/fetched" &
	local fetch=$!
	sleep 1
	# still waiting: nothing printed while the lock is held
	[ ! -s "$T/fetched" ]
	touch "$T/go"
	wait "$fetch"
	wait
	[ "$(cat "$T/state")" = "held
released" ]
	grep -q "^x86_64-5.4 $T/kd/linux-5.4.7/vmlinux-x86_64\$" "$T/fetched"
}

@test "tests/vm/known: a divergence of VMAs kept apart holds only where the VMA boundaries are all that differ" {
	load differential
	load vm/vm
	load vm/vm-checks
	printf 'map +0x0-+0x4000 rw-p anon mr mw\nmap +0x4000-+0x8000 rw-p anon mr mw\npage +0x0 P A.0\n' >"$T/6.18"
	printf 'map +0x0-+0x8000 rw-p anon mr mw\npage +0x0 P A.0\n' >"$T/joined"
	printf 'map +0x0-+0x8000 rw-p anon mr mw\npage +0x0 - zero\n' >"$T/lost"
	vm_known_holds "5.4 keeps a moved faulted VMA apart" "$T/6.18" "$T/joined"
	! vm_known_holds "5.4 keeps a moved faulted VMA apart" "$T/6.18" "$T/lost"
	! vm_known_holds "5.10 does not re-merge the regrown part" "$T/6.18" "$T/lost"
	# any other reason: being listed is the check
	vm_known_holds "5.4 resizes an unmapped range" "$T/6.18" "$T/lost"
}
