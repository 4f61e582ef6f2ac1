#!/usr/bin/env bats
# The manual pages (doc/): lint clean, render, document what the code has,
# and are installed by make install.

load helpers

PAGES="mremap-compat.1 mremap_compat.3"
ALIASES="mremap_compat_features.3 mremap_compat_version.3"

@test "the pages lint clean with mandoc -Tlint" {
	skip_unless_cmd mandoc
	local p
	for p in $PAGES; do
		run mandoc -Tlint "$top_srcdir/doc/$p"
		echo "$p: $output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "the pages format without warnings with groff -ww -z -man" {
	skip_unless_cmd groff
	local p
	for p in $PAGES; do
		run groff -ww -z -man "$top_srcdir/doc/$p"
		echo "$p: $output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

# man(1) with a path renders that file; without man, mandoc does.
render() {
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 MANPAGER=cat PAGER=cat man "$1" 2>&1
	elif command -v mandoc >/dev/null 2>&1; then
		mandoc -Tutf8 "$1" | sed 's/.\x08//g' # no overstriking
	else
		return 77
	fi
}

@test "the pages render with man (or mandoc -Tutf8)" {
	local p
	for p in $PAGES; do
		run render "$top_srcdir/doc/$p"
		[ "$status" -ne 77 ] || skip "neither man nor mandoc is installed"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *NAME* ]]
		[[ "$output" == *SYNOPSIS* ]]
		[[ "$output" == *"SEE ALSO"* ]]
	done
	run render "$top_srcdir/doc/mremap-compat.1"
	[[ "$output" == *"MREMAP-COMPAT(1)"* ]]
	[[ "$output" == *"EXIT STATUS"* ]]
	run render "$top_srcdir/doc/mremap_compat.3"
	[[ "$output" == *"MREMAP_COMPAT(3)"* ]]
	for s in "RETURN VALUE" ERRORS ATTRIBUTES VERSIONS NOTES; do
		[[ "$output" == *"$s"* ]]
	done
}

@test "mremap-compat(1) documents every option and variable of the wrapper" {
	local page="$top_srcdir/doc/mremap-compat.1" opt
	run "$WRAPPER" --help
	[ "$status" -eq 0 ]
	# Every long and short option the usage text lists.
	for opt in $(grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' <<<"$output" | tr -d ' ,' | sort -u); do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$opt")" "$page" || { echo "missing $opt"; false; }
	done
	for opt in MREMAP_COMPAT_EMULATE MREMAP_COMPAT_STRATEGY MREMAP_COMPAT_DEBUG LD_PRELOAD AT_SECURE; do
		grep -qF "$opt" "$page" || { echo "missing $opt"; false; }
	done
	# And every value the library accepts.
	for opt in auto all none dontunmap 'dontunmap\-shared' 'multi\-vma' 'race\-free'; do
		grep -qF -- "$opt" "$page" || { echo "missing $opt"; false; }
	done
}

@test "mremap_compat(3) documents every name of <mremap_compat.h>" {
	local page="$top_srcdir/doc/mremap_compat.3" name
	for name in $(grep -oE 'MREMAP_COMPAT_[A-Z_]+' "$top_srcdir/include/mremap_compat.h" | grep -v '_H$' | sort -u) \
		    mremap_compat mremap_compat_features mremap_compat_version SYS_mremap; do
		grep -qF "$name" "$page" || { echo "missing $name"; false; }
	done
	# The bit values the page gives are those of the header.
	for name in NATIVE_DONTUNMAP NATIVE_DONTUNMAP_SHARED NATIVE_MULTI_VMA \
		    EMULATED_DONTUNMAP EMULATED_DONTUNMAP_SHARED EMULATED_MULTI_VMA; do
		value=$(awk -v n="MREMAP_COMPAT_$name" '$1 == "#define" && $2 == n { print $3 }' \
			"$top_srcdir/include/mremap_compat.h" | sed 's/u$//')
		grep -qF "MREMAP_COMPAT_$name \" ($value)\"" "$page" || { echo "$name: $value"; false; }
	done
}

@test "make install puts the pages in man1 and man3" {
	local dest="$BATS_TEST_TMPDIR/inst" mandir
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -C "$top_builddir" \
		install-man DESTDIR="$dest" >/dev/null
	mandir=$(dirname "$(find "$dest" -name mremap-compat.1 -path '*/man1/*')")
	mandir=${mandir%/man1}
	[ -f "$mandir/man1/mremap-compat.1" ]
	[ -f "$mandir/man3/mremap_compat.3" ]
	for p in $ALIASES; do
		[ -f "$mandir/man3/$p" ]
	done
	if command -v mandoc >/dev/null 2>&1; then
		# The alias pages lead to mremap_compat(3).
		cd "$mandir"
		for p in $ALIASES; do
			run mandoc -Tutf8 "man3/$p"
			[ "$status" -eq 0 ]
			[[ "$output" == *"mremap_compat_features"* ]]
		done
	fi
}
