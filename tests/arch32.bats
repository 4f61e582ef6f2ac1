#!/usr/bin/env bats
# compat/sys.h on architectures other than x86_64 and aarch64.
#
# Its portable fallback once called syscall(), which in the preload build is
# the library's own exported syscall() (shim/syscall.c): sys_mremap() then
# entered the emulation again, without end. i386, arm (EABI) and riscv64 now
# have raw paths (inline assembly); any other architecture takes the C
# library's syscall() through a pointer found with dlsym(RTLD_NEXT).
#
# Both are proven on this x86_64 machine: the library and the scenario
# program built with gcc -m32 run on the kernel's real i386 compat system
# calls; the fallback is forced with -DMC_SYS_FALLBACK.

load helpers

# build_lib DIR CC... : the preload library from the sources, into DIR/lib.so
build_lib() {
	local dir=$1 f
	shift
	mkdir -p "$dir"
	for f in "$top_srcdir"/shim/*.c; do
		"$@" -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -DPACKAGE_VERSION='"arch-test"' \
			-fvisibility=hidden -fPIC -DPIC -I"$top_srcdir" \
			-c "$f" -o "$dir/$(basename "$f" .c).o" || return 1
	done
	"$@" -shared -o "$dir/lib.so" "$dir"/*.o -ldl
}

# gcc -m32, with the kernel's asm/ headers of this machine if the i386
# multiarch directory lacks them (Debian's gcc-multilib without
# linux-libc-dev:i386). Prints the command; fails if -m32 cannot link.
cc32() {
	local cc=${CC:-cc} d="$BATS_FILE_TMPDIR/inc32" ma
	echo 'int main(void){return 0;}' >"$BATS_FILE_TMPDIR/t.c"
	if echo '#include <linux/errno.h>' | $cc -m32 -E -x c - >/dev/null 2>&1; then
		echo "$cc -m32"
		return 0
	fi
	ma=$($cc -print-multiarch 2>/dev/null)
	[ -n "$ma" ] && [ -d "/usr/include/$ma/asm" ] || return 1
	mkdir -p "$d" && ln -sfn "/usr/include/$ma/asm" "$d/asm"
	echo '#include <linux/errno.h>' | $cc -m32 -idirafter "$d" -E -x c - >/dev/null 2>&1 || return 1
	echo "$cc -m32 -idirafter $d"
}

setup_file() {
	local cc
	[ "$(uname -m)" = x86_64 ] || return 0
	cc=$(cc32) || return 0
	echo 'int main(void){return 0;}' | $cc -x c - -o "$BATS_FILE_TMPDIR/link32" 2>/dev/null || return 0
	# shellcheck disable=SC2086
	build_lib "$BATS_FILE_TMPDIR/i386" $cc >"$BATS_FILE_TMPDIR/i386.log" 2>&1 &&
		$cc -O2 -D_GNU_SOURCE -o "$BATS_FILE_TMPDIR/i386/scenario" "$top_srcdir/tests/scenario.c" \
			-lpthread >>"$BATS_FILE_TMPDIR/i386.log" 2>&1 &&
		touch "$BATS_FILE_TMPDIR/i386/ok"
}

need_i386() {
	[ "$(uname -m)" = x86_64 ] || skip "not an x86_64 machine ($(uname -m))"
	[ -x "$BATS_FILE_TMPDIR/link32" ] ||
		skip "gcc -m32 cannot build and link here (install gcc-multilib)"
	[ -f "$BATS_FILE_TMPDIR/i386/ok" ] || {
		cat "$BATS_FILE_TMPDIR/i386.log"
		return 1
	}
}

# The i386 scenarios compared: one per mapping kind and strategy.
I386_SCENARIOS="du-anon-fixed du-anon-hint-zero du-anon-partial-middle du-anon-readonly-partial
du-anon-mlocked du-shared-anon du-memfd-shared du-memfd-private du-file-private
du-file-private-readonly du-err-crosses-vma-end du-uffd-registered du-reopen-deleted
mv-three-prot mv-gaps mv-split-ends mv-mixed-kinds mv-dontunmap-split-ends mv-uffd-later
mv-thousand du-anon-readonly du-anon-protnone mv-dontunmap"

@test "i386: the library built with gcc -m32 emulates as the kernel answers, on its compat system calls" {
	need_i386
	local d="$BATS_FILE_TMPDIR/i386" n bad=0 emulated=0
	for n in $I386_SCENARIOS; do
		"$d/scenario" "$n" >"$d/$n.native" 2>/dev/null || [ $? -eq 77 ] || { echo "native $n failed"; bad=1; }
		env LD_PRELOAD="$d/lib.so" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 \
			"$d/scenario" "$n" >"$d/$n.emulated" 2>"$d/$n.err" || [ $? -eq 77 ] || bad=1
		grep -q ': emulated' "$d/$n.err" && emulated=$((emulated + 1))
		diff -u --label "native i386 ($n)" --label "emulated i386 ($n)" \
			"$d/$n.native" "$d/$n.emulated" || bad=1
	done
	echo "# i386: $emulated of $(echo $I386_SCENARIOS | wc -w) scenarios took the emulated route" >&3
	[ "$bad" -eq 0 ]
	[ "$emulated" -ge 15 ]
}

@test "i386: syscall(SYS_mremap) with DONTUNMAP goes through the library's syscall() and is emulated" {
	need_i386
	local d="$BATS_FILE_TMPDIR/i386" cc
	cc=$(cc32)
	# shellcheck disable=SC2086
	$cc -O2 -D_GNU_SOURCE -o "$d/rawsyscall" "$top_srcdir/tests/rawsyscall.c"
	run env MREMAP_COMPAT_DEBUG=1 MREMAP_COMPAT_EMULATE=all LD_PRELOAD="$d/lib.so" "$d/rawsyscall" dontunmap
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *"MAYMOVE|DONTUNMAP, 0x0) = 0x"*": emulated, move+refill"* ]]
}

@test "the portable fallback (-DMC_SYS_FALLBACK) never reaches the library's own syscall()" {
	local d="$BATS_FILE_TMPDIR/fallback"
	build_lib "$d" "${CC:-cc}" -DMC_SYS_FALLBACK
	# sys_mremap() inside the emulation would otherwise call the exported
	# syscall(SYS_mremap), i.e. the emulation again, without end
	run env MREMAP_COMPAT_DEBUG=1 "$TESTBIN/pre57" env LD_PRELOAD="$d/lib.so" "$TESTBIN/rawsyscall" dontunmap
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"new: data, old: zeros"* ]]
	[[ "$output" == *": emulated, move+refill"* ]]
	run env LD_PRELOAD="$d/lib.so" MREMAP_COMPAT_EMULATE=all "$TESTBIN/scenario" du-file-private
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$(cd "$top_builddir/tests" && pwd)/oracle/du-file-private.out" 2>/dev/null ||
		"$TESTBIN/scenario" du-file-private)" ]
}

@test "arm EABI: the library builds without warnings for ARM and Thumb code (compiled, not run)" {
	skip_unless_cmd arm-linux-gnueabihf-gcc
	local mode
	for mode in -marm -mthumb; do
		build_lib "$BATS_TEST_TMPDIR/arm$mode" arm-linux-gnueabihf-gcc "$mode"
		# raw system calls: svc instructions, and no call to syscall()
		arm-linux-gnueabihf-objdump -d "$BATS_TEST_TMPDIR/arm$mode/lib.so" >"$BATS_TEST_TMPDIR/arm$mode.dis"
		grep -q 'svc' "$BATS_TEST_TMPDIR/arm$mode.dis"
		if grep -E 'bl(x)?[[:space:]].*<syscall(@plt)?>' "$BATS_TEST_TMPDIR/arm$mode.dis"; then
			return 1
		fi
	done
}
