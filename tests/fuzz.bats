#!/usr/bin/env bats
# The maps reader's fuzz corpus, replayed once through the libFuzzer
# harness's checks (fuzz/maps_fuzz.c) by a plain driver (fuzz/replay.c)
# built with AddressSanitizer and UBSan: no libFuzzer needed. `make fuzz`
# is what fuzzes; this keeps every seed and every past crash passing.

load helpers

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

setup_file() {
	local src="$top_srcdir" out="$BATS_FILE_TMPDIR/replay"
	# CC is the configured compiler: with ASan and UBSan when it can link
	# them (gcc and clang can; musl-gcc cannot: then without).
	if ${CC:-cc} -g -O1 $SAN -I"$src" -D_GNU_SOURCE -o "$out" \
		"$src/fuzz/replay.c" "$src/fuzz/maps_fuzz.c" "$src/shim/maps.c" 2>/dev/null; then
		echo asan >"$BATS_FILE_TMPDIR/kind"
	else
		${CC:-cc} -g -O1 -I"$src" -D_GNU_SOURCE -o "$out" \
			"$src/fuzz/replay.c" "$src/fuzz/maps_fuzz.c" "$src/shim/maps.c"
		echo plain >"$BATS_FILE_TMPDIR/kind"
	fi
}

replay() {
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$BATS_FILE_TMPDIR/replay" -q "$@"
}

@test "the driver is built with ASan and UBSan" {
	[ "$(cat "$BATS_FILE_TMPDIR/kind")" = asan ] ||
		skip "${CC:-cc} cannot link -fsanitize=address,undefined: replayed without"
}

@test "every seed and every past crash keeps the harness's invariants" {
	run replay "$top_srcdir/fuzz/corpus" "$top_srcdir/fuzz/regressions"
	echo "$output"
	[ "$status" -eq 0 ]
	n=$(find "$top_srcdir/fuzz/corpus" "$top_srcdir/fuzz/regressions" -type f ! -name '.*' | wc -l)
	[ "${lines[${#lines[@]}-1]}" = "replay: $n inputs, no invariant broken" ]
}

@test "a 60,000-VMA /proc/self/maps keeps the harness's invariants" {
	skip_unless_cmd xz
	run replay "$top_srcdir/fuzz/big/many-maps.xz"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-1]}" = "replay: 1 inputs, no invariant broken" ]
}
