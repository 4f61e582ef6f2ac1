#!/bin/bash
# mremap-compat-kernel - run a command in a real kernel (Debian's own, or one
# built from source), for mremap-compat --kernel (see mremap-compat(1)).
#
#   mremap-compat-kernel VMDIR INITDIR --list
#   mremap-compat-kernel VMDIR INITDIR KERNEL LIBRARY COMMAND [ARG...]
#
# VMDIR holds the VM runner (vm-run, fetch-kernels, kernels: the project's
# tests/vm/), INITDIR its static /init programs (vm-init for this machine's
# architecture, vm-init-ARCH for another). KERNEL is a name of VMDIR/kernels
# (x86_64-5.10, arm64-6.12, ...); LIBRARY the library to preload, or empty
# (for another architecture: INITDIR/lib-ARCH/libmremap-compat.so).
#
# Debian's kernels are fetched from its archive and cached on first use
# (fetch-kernels); a kernel built from source (tests/vm/build-kernel) is
# read from $MREMAP_COMPAT_KERNEL_DIR. The kernel is then booted under qemu-system (TCG) with an initramfs
# that holds COMMAND: a static program as it is; a dynamic one with its
# loader and libraries, copied from this machine at the same paths (for a
# program of another architecture, from /usr/ARCH-linux-gnu, and the library
# built for it). Its standard
# output, standard error and exit status come back through the console.
#
# Exit status: COMMAND's; 2 for a usage error; 77 when this machine cannot
# run KERNEL (no qemu, no image, kernel not fetchable), saying what is
# missing; 125 when the kernel did not boot or finish; 126 for a COMMAND of
# the wrong architecture; 127 when COMMAND is not found.
set -uo pipefail
vmdir=$1 initdir=$2
shift 2
me=mremap-compat
# shellcheck source=/dev/null
. "$vmdir/kernels"
cache=${MC_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mremap-compat/vm}

# shown VALUE [MAX]: VALUE as a message may show it: printable ASCII as it
# is, a backslash and every other byte as \xNN, and after MAX bytes (64; a
# path: 4096) "..." for the rest. The library's warnings show the
# environment's values the same way.
shown() {
	printf '%s' "$1" | LC_ALL=C od -An -v -tu1 | LC_ALL=C awk -v max="${2:-64}" '
		{ for (i = 1; i <= NF; i++) {
			if (++n > max) { more = 1; continue }
			c = $i + 0
			if (c >= 32 && c < 127 && c != 92) printf "%c", c
			else printf "\\x%02x", c
		} }
		END { if (more) printf "..." }'
}

qemu_package() { # ARCH -> the Debian package of its qemu-system
	case $1 in x86_64) echo qemu-system-x86 ;; aarch64) echo qemu-system-arm ;; esac
}

if [ "${1:-}" = --list ]; then
	printf '%-16s %-10s %-8s %s\n' KERNEL DEBIAN ARCH CACHED
	for k in "${KERNELS[@]}"; do
		read -r suite arch _ <<<"$(kernel_spec "$k")"
		if [ "$suite" = local ]; then
			suite="(source)"
			v=$("$vmdir/fetch-kernels" "$k" 2>/dev/null) && v=${v#* } ||
				v="no image: set MREMAP_COMPAT_KERNEL_DIR (tests/vm/build-kernel)"
		else
			v=$(cat "$cache/$k/version" 2>/dev/null || echo "no (fetched on first use)")
			v=${v%%_*}
		fi
		printf '%-16s %-10s %-8s %s\n' "$k" "$suite" "$arch" "$v"
	done
	exit 0
fi

name=$1 lib=$2
shift 2
if [[ $name == */* ]]; then
	# the path of an image (tests/vm/build-kernel)
	[ -f "$name" ] || { echo "$me: no kernel image $(shown "$name")" >&2; exit 2; }
	garch=$(image_arch "$name") || {
		echo "$me: $(shown "$name") is neither an x86-64 vmlinux nor an arm64 Image" >&2
		exit 2
	}
else
	garch=$(kernel_arch "$name")
	[ -n "$garch" ] && kernel_spec "$name" >/dev/null || {
		echo "$me: no kernel $(shown "$name"); mremap-compat --list shows them: ${KERNELS[*]}" >&2
		exit 2
	}
fi
command -v "qemu-system-$garch" >/dev/null || {
	echo "$me: --kernel needs qemu-system-$garch, which is not installed" \
		"(Debian: apt install $(qemu_package "$garch"))" >&2
	exit 77
}
if [ "$garch" = "$(uname -m)" ]; then init=$initdir/vm-init; else init=$initdir/vm-init-$garch; fi
[ -x "$init" ] || {
	echo "$me: this installation has no init program for $garch VMs ($init)" >&2
	exit 77
}

prog=$(command -v -- "$1") || { echo "$me: $(shown "$1"): command not found" >&2; exit 127; }
shift
for a in "$@"; do
	case $a in *[[:space:]]*|'')
		echo "$me: --kernel passes arguments without spaces only, not '$(shown "$a")'" >&2
		exit 2 ;;
	esac
done

# elf_machine FILE: x86_64, aarch64, or what it is not
elf_machine() {
	[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || { echo "not an ELF program"; return; }
	case $(od -An -tx1 -j 18 -N 2 "$1" | tr -d ' \n') in
	3e00) echo x86_64 ;;
	b700) echo aarch64 ;;
	*) echo "an ELF program for another machine" ;;
	esac
}

# interp FILE: its dynamic loader, empty for a static program
interp() {
	if command -v readelf >/dev/null; then
		readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p'
	else
		LC_ALL=C grep -aoE '^/lib(64)?/ld-[A-Za-z0-9_.-]+\.so\.[0-9]+' "$1" | head -1
	fi
}

m=$(elf_machine "$prog")
if [ "$m" != "$garch" ]; then
	echo "$me: $(shown "$prog" 4096) is $m; Linux $name runs $garch programs${garch:+ (static ones are simplest: $garch-linux-gnu-gcc -static)}" >&2
	exit 126
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mremap-compat-kernel.XXXXXX") || exit 125
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/prog" && cp "$init" "$root/init" && cp -L "$prog" "$root/prog/" || exit 125
env=()
for v in MREMAP_COMPAT_EMULATE MREMAP_COMPAT_STRATEGY MREMAP_COMPAT_DEBUG; do
	[ -z "${!v:-}" ] || env+=("$v=${!v}")
done

# share FILE...: FILE at the same path in the VM
share() {
	local f
	for f in "$@"; do
		mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f" || return 1
	done
}

loader=$(interp "$prog")
if [ -n "$loader" ]; then
	if [ "$garch" = "$(uname -m)" ]; then
		# the loader and libraries ldd names, and the library's own
		mapfile -t deps < <({ ldd "$prog"; [ -z "$lib" ] || ldd "$lib"; } 2>/dev/null |
			grep -oE '/[^ ]+' | sort -u)
		share "${deps[@]}" || exit 125
		if [ -n "$lib" ]; then
			# in /prog, as the program: the VM's /tmp, /run and /dev are
			# its own (a build tree under /tmp would be hidden)
			cp -L "$lib" "$root/prog/libmremap-compat.so" &&
				env+=("LD_PRELOAD=/prog/libmremap-compat.so") || exit 125
		fi
	else
		sysroot=/usr/$garch-linux-gnu
		[ -d "$sysroot/lib" ] || {
			echo "$me: $(shown "$prog" 4096) is dynamically linked and there is no $sysroot for its libraries: link it statically" >&2
			exit 77
		}
		if [ -n "$lib" ]; then
			# the library built for that architecture
			lib=$initdir/lib-$garch/libmremap-compat.so
			[ -f "$lib" ] || {
				echo "$me: no $garch build of the library to preload into $(shown "$prog" 4096) ($lib): link it statically with the library, or use --no-library" >&2
				exit 77
			}
			cp "$lib" "$root/prog/libmremap-compat.so" && env+=("LD_PRELOAD=/prog/libmremap-compat.so") || exit 125
		fi
		mkdir -p "$root/lib" "$root$(dirname "$loader")" &&
		cp -L "$sysroot/lib/$(basename "$loader")" "$root$loader" || exit 125
		cp -L "$sysroot"/lib/lib{c,m,pthread,dl,rt}.so.* "$root/lib/" 2>/dev/null
		env+=("LD_LIBRARY_PATH=/lib")
	fi
fi
echo "run $(id -u) ${MC_KERNEL_TIMEOUT:-600} ${env[*]} /prog/$(basename "$prog") $*" >"$root/jobs"

# A progress line on a terminal, gone when the command's output comes.
progress() {
	[ -t 2 ] && printf '\r\033[K%s: %s' "$me" "$*" >&2
	return 0
}
progress_done() {
	[ -t 2 ] && printf '\r\033[K' >&2
	return 0
}
if [[ $name == */* ]]; then
	suite=image what="the kernel $name"
else
	read -r suite _ <<<"$(kernel_spec "$name")"
	what="Debian's kernel $name ($suite)"
	[ "$suite" != local ] || what="the kernel $name (built from source)"
fi
if [ "$suite" = local ] || { [ "$suite" != image ] && [ ! -s "$cache/$name/image" ]; }; then
	[ "$suite" = local ] || progress "fetching $what into $cache/$name, once..."
	"$vmdir/fetch-kernels" "$name" >/dev/null 2>"$work/fetch.err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		progress_done
		echo "$me: cannot fetch $what:" >&2
		cat "$work/fetch.err" >&2
		[ "$rc" -eq 77 ] && exit 77
		exit 125
	fi
fi
progress "booting $what under qemu-system-$garch..."
"$vmdir/vm-run" --timeout "${MC_KERNEL_TIMEOUT:-600}" "$name" "$root" >"$work/console" 2>"$work/err"
rc=$?
progress_done
case $rc in
0) ;;
77) echo "$me: cannot run $name:" >&2; cat "$work/err" >&2; exit 77 ;;
*) echo "$me: $what did not boot or finish (vm-run exit $rc):" >&2
   cat "$work/err" >&2; exit 125 ;;
esac
sed -n 's/^@@J run out //p' "$work/console"
sed -n 's/^@@J run err //p' "$work/console" >&2
rc=$(sed -n 's/^@@J run end rc=\([0-9]*\).*/\1/p' "$work/console" | head -1)
[ -n "$rc" ] || { echo "$me: no exit status from the VM" >&2; exit 125; }
exit "$rc"
