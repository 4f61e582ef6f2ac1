#!/usr/bin/env bats
# The documentation agrees with the code and with itself: the values of
# each MREMAP_COMPAT_* control (read from shim/controls.c), one list of
# known differences (doc/known-differences.md) in the README and in
# mremap_compat(3), the tests doc/behaviour.md cites, the suites
# doc/testing.md lists.

load helpers

KD=doc/known-differences.md

# "NAME value" for every value shim/controls.c accepts, and "NAME" alone
# for a control whose values are not words (a number, say). A value is a
# string the code compares the variable with (strcmp(v, "...")), or, when
# the variable goes through parse_list(), a word of that list.
accepted_values() {
	awk '
	function literals(line, pat, skip,    out) {
		out = ""
		while (match(line, pat)) {
			out = out " " substr(line, RSTART + skip, RLENGTH - skip - 1)
			line = substr(line, RSTART + RLENGTH)
		}
		return out
	}
	/^static unsigned int parse_list\(/ { inlist = 1 }
	inlist && /^}/ { inlist = 0 }
	inlist { listwords = listwords literals($0, "word_is\\(s, n, \"[^\"]*\"", 15) }
	match($0, /env\("MREMAP_COMPAT_[A-Z_]+"\)/) {
		cur = substr($0, RSTART + 5, RLENGTH - 7)
		print cur
	}
	cur {
		n = split(literals($0, "strcmp\\(v, \"[^\"]*\"", 11), w, " ")
		for (i = 1; i <= n; i++) print cur, w[i]
		if ($0 ~ /parse_list\(v\)/) {
			n = split(listwords, w, " ")
			for (i = 1; i <= n; i++) print cur, w[i]
		}
	}' "$top_srcdir/shim/controls.c" | sort -u
}

# The text of a manual page without font changes and escaped hyphens.
plain_man() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(or/|/g' "$1"
}

# "NAME value" for every value a document gives a control, in the forms
# NAME=a|b|c,d and --emulate=a / --strategy=a (placeholders such as MODE
# are upper case and not values).
documented_values() {
	grep -oE '(MREMAP_COMPAT_[A-Z_]+|--emulate|--strategy)=[a-z0-9][a-z0-9|,-]*' |
		sed -e 's/^--emulate=/MREMAP_COMPAT_EMULATE=/' \
		    -e 's/^--strategy=/MREMAP_COMPAT_STRATEGY=/' |
		awk -F= '{ n = split($2, w, /[|,]/); for (i = 1; i <= n; i++) if (w[i] != "") print $1, w[i] }' |
		sort -u
}

# Compare one document's values with the code's. A control that takes a
# number, not a word, is documented with a placeholder (NAME=N) or numbers.
check_values() { # NAME-OF-DOCUMENT (its text on stdin)
	local doc=$1 text code names n bad=0
	text=$(cat)
	code=$(accepted_values)
	names=$(awk 'NF == 1' <<<"$code")
	[ -n "$names" ] || { echo "no MREMAP_COMPAT_* control found in shim/controls.c"; return 1; }
	for n in $names; do
		grep -qF "$n" <<<"$text" || { echo "$doc: $n is not mentioned"; bad=1; }
	done
	# every value the code accepts is documented ...
	while read -r n v; do
		[ -n "$v" ] || continue
		documented_values <<<"$text" | grep -qxF "$n $v" ||
			{ echo "$doc: $n=$v is accepted by the library but not documented as such"; bad=1; }
	done <<<"$code"
	# ... and nothing else is (variables of the tools, not of the library,
	# are MREMAP_COMPAT_KERNEL_DIR)
	while read -r n v; do
		[ -n "$n" ] || continue
		case $n in MREMAP_COMPAT_KERNEL_DIR) continue ;; esac
		grep -qx "$n" <<<"$names" || { echo "$doc: $n is no control of the library"; bad=1; continue; }
		# a control that takes a number (no word values): a number
		if ! grep -q "^$n " <<<"$code" && [[ $v =~ ^[0-9]+$ ]]; then
			continue
		fi
		grep -qxF "$n $v" <<<"$code" ||
			{ echo "$doc: $n=$v is documented but the library does not accept it"; bad=1; }
	done < <(documented_values <<<"$text")
	return $bad
}

@test "shim/controls.c yields the controls and their values" {
	run accepted_values
	echo "$output"
	[[ "$output" == *"MREMAP_COMPAT_EMULATE all"* ]]
	[[ "$output" == *"MREMAP_COMPAT_EMULATE multi-vma"* ]]
	[[ "$output" == *"MREMAP_COMPAT_STRATEGY race-free"* ]]
	[[ "$output" == *"MREMAP_COMPAT_DEBUG 1"* ]]
}

@test "controls: --help gives every value the library accepts, and no other" {
	run "$WRAPPER" --help
	[ "$status" -eq 0 ]
	check_values "mremap-compat --help" <<<"$output"
}

@test "controls: mremap-compat(1) gives every value the library accepts, and no other" {
	plain_man "$top_srcdir/doc/mremap-compat.1" | check_values "mremap-compat(1)"
}

@test "controls: mremap_compat(3) gives every value the library accepts, and no other" {
	plain_man "$top_srcdir/doc/mremap_compat.3" | check_values "mremap_compat(3)"
}

@test "controls: the README gives every value the library accepts, and no other" {
	check_values README <"$top_srcdir/README"
}

@test "the check of the controls fails on a value the library does not accept" {
	run check_values test <<<"MREMAP_COMPAT_EMULATE=auto|all|none|dontunmap,dontunmap-shared,multi-vma|everything
MREMAP_COMPAT_STRATEGY=auto|race-free|zero-copy MREMAP_COMPAT_DEBUG=0|1"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"MREMAP_COMPAT_EMULATE=everything is documented"* ]]
	run check_values test <<<"MREMAP_COMPAT_EMULATE=auto|all|none|dontunmap,dontunmap-shared,multi-vma
MREMAP_COMPAT_STRATEGY=auto|race-free MREMAP_COMPAT_DEBUG=0|1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"MREMAP_COMPAT_STRATEGY=zero-copy is accepted"* ]]
}

# The entries of the known differences: "ID<TAB>title", in order.
kd_entries() {
	sed -n 's/^## \([a-z0-9-]*\): \(.*\)$/\1\t\2/p' "$top_srcdir/$KD"
}

@test "known differences: each entry has an anchor and a unique id" {
	local ids anchors
	ids=$(kd_entries | cut -f1)
	anchors=$(sed -n 's/^<a id="\([a-z0-9-]*\)"><\/a>$/\1/p' "$top_srcdir/$KD")
	[ -n "$ids" ]
	[ "$ids" = "$anchors" ]
	[ -z "$(sort <<<"$ids" | uniq -d)" ]
}

@test "known differences: mremap_compat(3) has the section generated from $KD" {
	local want got
	want=$(awk -f "$top_srcdir/doc/known-differences-man.awk" "$top_srcdir/$KD")
	got=$(sed -n '/^\.SS Differences from the kernel$/,/^\.S[SH] /p' "$top_srcdir/doc/mremap_compat.3" | sed '1d;$d')
	diff -u <(echo "$want") <(echo "$got") || {
		echo "regenerate it: make known-differences"
		false
	}
}

@test "known differences: the README lists every entry by id and title, and no other" {
	local want got
	want=$(kd_entries | awk -F'\t' '{ printf "%s %s\n", $1, $2 }')
	got=$(sed -n '/^Known differences$/,/^Reporting a divergence$/p' "$top_srcdir/README" |
		sed -n 's/^    \([a-z0-9-]*\)  *\(.*\)$/\1 \2/p')
	diff -u <(echo "$want") <(echo "$got")
}

@test "known differences: every citation names an entry; doc/findings.md is cited nowhere" {
	local ids cite where=() d bad=0
	ids=$(kd_entries | cut -f1)
	cd "$top_srcdir"
	for d in README Makefile.am doc shim src tests bats examples debian; do
		[ -e "$d" ] && where+=("$d")
	done
	while read -r cite; do
		grep -qx "${cite#*#}" <<<"$ids" || { echo "no entry $cite"; bad=1; }
	done < <(grep -rhoE 'known-differences\.md#[a-z0-9-]+' "${where[@]}" | sort -u)
	run grep -rlF --exclude=docs.bats --exclude='*.log' --exclude='*.trs' 'doc/findings.md' "${where[@]}"
	[ "$status" -eq 1 ] || { echo "cites doc/findings.md: $output"; bad=1; }
	return $bad
}

@test "doc/behaviour.md: every test it cites exists" {
	local file name bad=0 n=0
	while IFS=$'\t' read -r file name; do
		n=$((n + 1))
		[ -f "$top_srcdir/$file" ] || { echo "no file $file"; bad=1; continue; }
		grep -qF "@test \"$name\"" "$top_srcdir/$file" || { echo "no test \"$name\" in $file"; bad=1; }
	done < <(grep -oE 'tests/[a-z0-9-]+\.bats "[^"]+"' "$top_srcdir/doc/behaviour.md" |
		sed 's/^\([^ ]*\) "\(.*\)"$/\1\t\2/')
	echo "$n citations"
	[ "$n" -gt 20 ]
	return $bad
}

@test "doc/testing.md names every suite of make check" {
	local t bad=0
	for t in $(grep -oE 'tests/[a-z0-9-]+\.bats' "$top_srcdir/tests/Makefile.inc" | sort -u); do
		grep -qF "$t" "$top_srcdir/doc/testing.md" || { echo "doc/testing.md lacks $t"; bad=1; }
	done
	return $bad
}

@test "the README's test command is the one .ci/run extracts" {
	run sed -n 's/^    \$ \(.*\) # test-command$/\1/p' "$top_srcdir/README"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"make -j2 check"* ]]
}

@test "the README names no issue, branch or temporary path" {
	run grep -nE '[Ii]ssues? #?[0-9]|helper-[0-9]|branch h-|/tmp/|[Ss]eeds? [0-9]' "$top_srcdir/README"
	echo "$output"
	[ "$status" -eq 1 ]
}
