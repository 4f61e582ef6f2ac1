#!/usr/bin/env bats
# Every library path inside a signal handler on an 8 KiB alternate signal
# stack (SIGSTKSZ of older C libraries), on this machine's CPU: the kernel's
# signal frame alone takes about 3.3 KiB where AVX-512 state is saved.
# tests/altstack paints the stack, runs one mremap() per path in the
# handler, and reports how deep it went; each path must leave HEADROOM
# bytes for the application's own handler.

load helpers

HEADROOM=768

# altstack_ok [VAR=VALUE...] [-- LAUNCHER...]: runs tests/altstack with the
# library preloaded and asserts every path's headroom.
altstack_ok() {
	local line name head bad=0
	run "$@" "$TESTBIN/altstack" 8192
	echo "$output"
	[ "$status" -eq 0 ] || bad=1
	while read -r line; do
		name=${line%% *}
		case $line in
		"mremap-compat: "*) ;; # the debug line
		*" ok used="*)
			head=${line##*headroom=}
			echo "# $name: headroom $head bytes" >&3
			[ "$head" -ge "$HEADROOM" ] || { echo "$name: only $head bytes left"; bad=1; }
			;;
		*) echo "$line"; bad=1 ;;
		esac
	done <<<"$output"
	[ "$(grep -c ' ok used=' <<<"$output")" -eq 16 ] || bad=1
	return "$bad"
}

@test "every path, emulation forced, default strategy: headroom on an 8 KiB alternate stack" {
	altstack_ok env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all
}

@test "every path, emulation forced, strategy race-free: headroom on an 8 KiB alternate stack" {
	altstack_ok env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_STRATEGY=race-free
}

@test "every path, emulation forced, strategy zero-copy: headroom on an 8 KiB alternate stack" {
	altstack_ok env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_STRATEGY=zero-copy
}

@test "every path on the simulated pre-5.7 kernel (the probes in the handler too)" {
	altstack_ok "$TESTBIN/pre57" env LD_PRELOAD="$LIB"
}

@test "every path with the debug line on" {
	altstack_ok env LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1
}

@test "the library is bound at load time (-z now): no lazy binding inside a handler" {
	skip_unless_cmd readelf
	run readelf -d "$LIB"
	[[ "$output" == *"BIND_NOW"* || "$output" == *"Flags: NOW"* ]]
}
