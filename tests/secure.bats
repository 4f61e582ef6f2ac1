#!/usr/bin/env bats
# In secure-execution mode (setuid) the MREMAP_COMPAT_* controls are ignored.

load helpers

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a setuid copy"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	${CC:-cc} -static -o "$BATS_TEST_TMPDIR/prog" "$top_srcdir/tests/static-prog.c" "$STATIC_LIB" \
		|| skip "no static C library here"
	dir=$(mktemp -d /tmp/mremap-compat-secure.XXXXXX)
	chmod 755 "$dir"
	cp "$BATS_TEST_TMPDIR/prog" "$dir/plain"
	cp "$BATS_TEST_TMPDIR/prog" "$dir/setuid"
	chmod 755 "$dir/plain"
	chmod 4755 "$dir/setuid"
}

teardown() {
	if [ -n "${dir:-}" ]; then rm -rf "$dir"; fi
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

@test "the controls work for an ordinary program" {
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run as_nobody "$dir/plain"
	[ "$status" -eq 0 ]
	[[ "$output" == *": emulated, move+refill"* ]]
}

@test "a setuid program ignores MREMAP_COMPAT_EMULATE and MREMAP_COMPAT_DEBUG" {
	findmnt -no OPTIONS -T "$dir" | grep -qw nosuid && skip "$dir is mounted nosuid"
	MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1 run as_nobody "$dir/setuid"
	[ "$status" -eq 0 ]
	[[ "$output" == "new: data, old: zeros" ]]
}
