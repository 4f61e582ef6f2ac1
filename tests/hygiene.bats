#!/usr/bin/env bats
# Safe inside any process: what the library may call, and files it reopens.

load helpers

@test "the library imports no allocator, stdio, environment or lock function" {
	run nm -D --undefined-only "$LIB"
	[ "$status" -eq 0 ]
	bad=$(awk '{print $2}' <<<"$output" | sed 's/@.*//' |
		grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|.*printf|f?puts|fopen|fdopen|fwrite|fread|getenv|secure_getenv|setenv|pthread_mutex_.*|pthread_rwlock_.*|pthread_once|sem_.*|syscall)$' || true)
	[ -z "$bad" ] || { echo "imports: $bad"; false; }
}

@test "the static library defines only the public symbols and mc_-prefixed ones" {
	run nm --defined-only -g "$STATIC_LIB"
	[ "$status" -eq 0 ]
	bad=$(awk 'NF==3 {print $3}' <<<"$output" | grep -vE '^(mremap|mremap_compat|mremap_compat_features|mremap_compat_version|mc_.*)$' || true)
	[ -z "$bad" ] || { echo "defines: $bad"; false; }
}

# (a skip inside run would only end run's subshell: the test calls this first)
can_become_nobody() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user (running as uid $(id -u))"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
}

# The path of one call goes down, file by file (shim/req.h): entry.c
# calls the others, and none of them calls back into entry.c; only the
# exported entry points (interpose.c, syscall.c) call it.
@test "no file of the library calls back into entry.c" {
	skip_unless_cmd nm
	run nm -A "$STATIC_LIB"
	[ "$status" -eq 0 ]
	entry=$(awk '$1 ~ /entry\.o:/ && $2 ~ /^[TDBRC]$/ { print $3 }' <<<"$output" | sort -u)
	[ -n "$entry" ]
	callers=$(awk -v syms="$(echo $entry)" '
		BEGIN { n = split(syms, s, " "); for (i = 1; i <= n; i++) def[s[i]] = 1 }
		$2 == "U" && ($3 in def) { sub(/:$/, "", $1); print $1 ": " $3 }' <<<"$output" |
		grep -v -E '(interpose|syscall)\.o: ' || true)
	[ -z "$callers" ] || { echo "calls into entry.c: $callers"; return 1; }
}

reopen_as_nobody() {
	dir=$(mktemp -d /tmp/mremap-compat-reopen.XXXXXX)
	chmod 777 "$dir"
	setpriv --reuid=65534 --regid=65534 --clear-groups -- env "$@" "$TESTBIN/reopen" "$dir"
	rm -rf "$dir"
}

@test "a private file replaced at its path is never mapped in its place" {
	# As an unprivileged user /proc/self/map_files is closed: the path is
	# the only way back to the file, and it now names another file (B).
	can_become_nobody
	run reopen_as_nobody LD_PRELOAD="$LIB" MREMAP_COMPAT_EMULATE=all MREMAP_COMPAT_DEBUG=1
	[ "$status" -eq 0 ]
	[[ "$output" != *B* ]]
	[[ "$output" == *"mremap: -1 EINVAL; old range: A W"* ]]
	[[ "$output" == *"cannot reopen the mapped file"* ]]
}

@test "the same call natively moves the private copies (the kernel holds the file)" {
	can_become_nobody
	run reopen_as_nobody
	[ "$status" -eq 0 ]
	[ "$output" = "mremap: moved; new range: A W; old range: A A" ]
}

# Automake counts a suite listed twice twice (and runs it twice).
@test "make check's TESTS list names every suite once" {
	run make -s --no-print-directory -C "$top_builddir" -f Makefile \
		-f <(printf 'mc-print-tests:\n\t@echo $(TESTS)\n') mc-print-tests
	[ "$status" -eq 0 ]
	echo "TESTS: $output"
	[ -n "$output" ]
	dups=$(tr ' ' '\n' <<<"$output" | grep . | sort | uniq -d)
	[ -z "$dups" ] || { echo "listed more than once: $dups"; return 1; }
}
