# tests/vm/vm-checks.bash - what each test of tests/vm.bats checks in the
# console of its kernel's boot (load after vm/vm).

# Known divergences of the library on a kernel (tests/vm/known): lines of
#   KERNEL-GLOB USER-GLOB SUITE JOB-NAME  reason (doc/known-differences.md#ID)
# A listed job that differs passes as a known divergence, said on the
# test's diagnostics (its diff is in the test's log); a reason that says
# the kernel keeps VMAs apart ("apart", "re-merge") is checked: the outputs
# must be equal once adjacent VMAs that differ only in being separate are
# joined (norm_merge_vmas), or the job fails. Any other difference fails.
vm_known() { # KERNEL USER SUITE NAME -> reason, or nothing
	local k=$1 u=$2 s=$3 n=$4 kg ug sg ng why
	while read -r kg ug sg ng why; do
		case $kg in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2053
		[[ $k == $kg && $u == $ug && $s == "$sg" && $n == "$ng" ]] && { echo "$why"; return; }
	done <"$VM_SRC/known"
	return 0
}

# vm_known_holds REASON ORACLE OUTPUT: does OUTPUT differ from ORACLE only
# as REASON says? A reason of VMAs kept apart: equal once adjacent VMAs are
# joined. Any other listed reason: the listing is the check.
vm_known_holds() {
	case $1 in
	*apart*|*re-merge*) cmp -s <(norm_merge_vmas <"$2") <(norm_merge_vmas <"$3") ;;
	*) return 0 ;;
	esac
}

# vm_check KERNEL USER SUITE
vm_check() {
	local k=$1 user=$2 suite=$3 id name line end pass=0 fail=0 vskip=0 nskip=0 nknown=0
	local failed=() why vskip_why='' fact nfact=0 nown=0 oracle
	local -A facts=()
	vm_require "$k"
	case $suite in
	dontunmap|multivma|randdiff)
		while read -r id line; do
			[[ $id == "$suite.$user."* ]] || continue
			name=${line%% *}
			if [[ $line == *" native-skip" ]]; then
				nskip=$((nskip + 1))
				continue
			fi
			end=$(vm_job_end "$id")
			case $end in
			"rc=0 same") pass=$((pass + 1)); continue ;;
			"rc=77 "*)
				vskip=$((vskip + 1))
				vskip_why=$(vm_job_lines "$id" out | sed -n 1p)
				echo "# $name: skipped inside the VM: $(vm_job_lines "$id" out | sed -n 1p)" >&3
				continue ;;
			esac
			if [ "$end" = "rc=0 differs" ] && fact=$(vm_equal_but_for "$k" "$suite" \
				"$BATS_FILE_TMPDIR/vm/$k/root/$(vm_expect_path "$id")" <(vm_job_lines "$id" out)); then
				nfact=$((nfact + 1))
				facts[$fact]=1
				continue
			fi
			echo "--- $line: $k as $user: ${end:-never finished}"
			if [ -n "$end" ] && [ "$suite" = randdiff ]; then
				# one line a step: the first step that differs, both sides
				paste -d '\n' "$BATS_FILE_TMPDIR/vm/$k/root/$(vm_expect_path "$id")" <(vm_job_lines "$id" out) |
					awk 'NR % 2 { a = $0; next } a != $0 { print "6.18 native: " a; print "VM + library: " $0; exit }' || true
				# (pipelines cut short by head or awk: SIGPIPE is no failure)
				vm_job_lines "$id" err | grep -v 'probed the kernel' | head -5 | sed 's/^/stderr: /' || true
			elif [ -n "$end" ]; then
				diff -u --label "6.18 native ($name, $user)" --label "$k + library ($name, $user)" \
					"$BATS_FILE_TMPDIR/vm/$k/root/$(vm_expect_path "$id")" <(vm_job_lines "$id" out) || true
				vm_job_lines "$id" err | head -20 | sed 's/^/stderr: /' || true
			fi
			why=$(vm_known "$k" "$user" "$suite" "$name")
			if [ -n "$why" ] && [[ $(vm_job_end "$id.kernel") == "rc=0 "* ]] &&
			   cmp -s <(vm_job_lines "$id" out) <(vm_job_lines "$id.kernel" out); then
				# The library answers exactly as this kernel does with
				# the library out of the way (MREMAP_COMPAT_EMULATE=none).
				echo "# $name: as this kernel's own answer: $why" >&3
				nown=$((nown + 1))
				continue
			fi
			oracle=$BATS_FILE_TMPDIR/vm/$k/root/$(vm_expect_path "$id")
			if [ -n "$why" ] && [[ $end == "rc=0 "* ]] && vm_known_holds "$why" "$oracle" <(vm_job_lines "$id" out); then
				echo "# $name: known divergence: $why" >&3
				nknown=$((nknown + 1))
				continue
			fi
			if [ -n "$why" ]; then
				failed+=("$name (more than its known divergence: $why)")
			else
				failed+=("$name")
			fi
			fail=$((fail + 1))
		done <"$BATS_FILE_TMPDIR/vm/$k/names"
		vm_summary "$k" "$user" "$suite" "$pass passed, $nfact equal but for a fact of the kernel, $nown as the kernel's own answer and $nknown known divergences (tests/vm/known), $fail differ, $vskip skipped in the VM, $nskip skipped natively"
		for fact in "${!facts[@]}"; do
			echo "# equal but for: $fact" >&3
		done
		[ $((pass + nfact + nown + nknown + fail + vskip)) -gt 0 ] || { echo "no job of $suite ran"; return 1; }
		# Every one skipped inside the VM: say why rather than pass.
		[ $((pass + nfact + nown + nknown + fail)) -gt 0 ] || skip "all $vskip skipped inside the VM ($(vm_release)): $vskip_why"
		[ ${#failed[@]} -eq 0 ] || { echo "differ: ${failed[*]}"; return 1; }
		;;
	matrix)
		vm_check_matrix "$k" "$user" ;;
	examples)
		vm_check_examples "$k" "$user" ;;
	park)
		vm_check_park "$k" "$user" ;;
	esac
}

# vm_equal_but_for KERNEL SUITE ORACLE OUTPUT: prints the fact of KERNEL
# (not of the library) that explains every difference between ORACLE and
# OUTPUT, if one does; fails otherwise. The facts:
#  - Linux 5.10 and 6.1 print VM_LOCKONFAULT as "??" in smaps' VmFlags,
#    not "lf" (6.12 names it): the programs see no lf;
#  - Linux 7 refuses to read PROT_NONE pages through /proc/PID/mem (EIO),
#    which 6.18 reads: the programs print "unreadable:5" for their contents
#    (scenario) or hash the error (randdiff) where 6.18 shows the data;
#  - randdiff hashes whole pages and draws byte offsets below the page
#    size: on another page size than this machine's, the hashes and those
#    offsets differ (its calls, results, layouts, kinds and page offsets
#    are in pages, and still compared).
vm_equal_but_for() {
	local k=$1 suite=$2 exp=$3 got=$4 major why='' norm
	major=$(vm_release)
	major=${major%%.*}
	if [ "$(kernel_page_kib "$k")" -ne $(( $(getconf PAGESIZE) / 1024 )) ] && [ "$suite" = randdiff ]; then
		why="randdiff's page hashes and sub-page byte offsets depend on the page size ($(kernel_page_kib "$k") KiB here)"
		norm=_vm_no_hashes
	elif vm_release_before 6 12 && [ "$suite" != randdiff ]; then
		why="Linux $(vm_release) names VM_LOCKONFAULT \"??\" in smaps, not lf"
		norm=_vm_no_lf
	elif [ "$major" -ge 7 ]; then
		why="Linux $major does not read PROT_NONE pages through /proc/PID/mem (EIO); 6.18 does"
		norm=_vm_no_protnone_contents
	else
		return 1
	fi
	if [ "$norm" = _vm_no_protnone_contents ] && [ "$suite" != randdiff ]; then
		# line by line: where 7 printed unreadable:5, any content
		awk 'NR == FNR { e[FNR] = $0; n = FNR; next }
		     { m = FNR; a = e[FNR]; b = $0
		       if (b ~ / unreadable:5$/) { sub(/ [^ ]+$/, "", a); sub(/ [^ ]+$/, "", b) }
		       if (a != b) bad = 1 }
		     END { exit bad || n != m }' "$exp" "$got" || return 1
	else
		cmp -s <("$norm" "$suite" <"$exp") <("$norm" "$suite" <"$got") || return 1
	fi
	echo "$why"
}

# randdiff: a region is START-END:PERMS:KIND@OFF[:FLAGS]:HASH, in pages; an
# address or a length off the page is +PAGE.BYTES or Np-BYTES, random
# bytes below the page size.
_vm_no_hashes() {
	sed -E -e 's/([0-9a-f]+-[0-9a-f]+:[^ ]+):[0-9a-f]{4}( |$)/\1\2/g' \
		-e 's/(\+[0-9a-f]+)\.[0-9a-f]+/\1.BYTES/g' -e 's/([0-9a-f]+p)-[0-9a-f]+/\1-BYTES/g'
}

_vm_no_lf() { # scenario: the VmFlags of map lines without lf (6.18) or ?? (the old name)
	sed -E -e '/^map /s/ lf( |$)/\1/' -e '/^map /s/ \?\?( |$)/\1/'
}

# vm_release_before MAJOR MINOR: the kernel is older than MAJOR.MINOR.
vm_release_before() {
	local r maj min
	r=$(vm_release)
	maj=${r%%.*}
	min=${r#*.}
	min=${min%%[!0-9]*}
	[ "$maj" -lt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -lt "$2" ]; }
}

_vm_no_protnone_contents() { # randdiff
	sed -E 's/(:---[ps]:[^ ]*):[0-9a-f]{4}/\1/g'
}

# The path (in the initramfs tree) of the EXPECT file of job ID.
vm_expect_path() {
	sed -n "s|^$1 [0-9]* [0-9]* EXPECT=/\([^ ]*\) .*|\1|p" "$BATS_FILE_TMPDIR/vm/$k/root/jobs"
}

vm_summary() { # KERNEL USER SUITE TEXT: on the test's output and fd 3
	echo "# $1 ($(vm_release)) as $2: $3: $4 (boot and all jobs: ${VM_SECS%.*} s)"
	echo "# vm $1 as $2: $3: $4" >&3
}

# The library must emulate what the kernel lacks (a multi-VMA move before
# 6.17) and leave the rest to the kernel.
vm_kernel_has_multivma() {
	local r
	r=$(vm_release)
	r=${r%%-*}
	r=${r%%+*}
	local maj=${r%%.*} min
	min=${r#*.}
	min=${min%%.*}
	[ "$maj" -gt 6 ] || { [ "$maj" -eq 6 ] && [ "$min" -ge 17 ]; }
}

# One matrix cell in a VM: ok, and the library's debug line.
vm_matrix_cell() { # KERNEL USER ROW -> passed | failed: why | skipped: why
	local k=$1 user=$2 row=$3 id end out want
	id="matrix.$user.$row"
	end=$(vm_job_end "$id")
	[ -n "$end" ] || { echo "skipped: no $(kernel_arch "$k") ${row#*-} compiler"; return; }
	out=$(vm_job_lines "$id" out; vm_job_lines "$id" err)
	if [ "$end" != "rc=0 -" ] || [[ $out != *"matrix-prog: ok"* ]]; then
		echo "failed: ${end%% *}"
		return
	fi
	if vm_kernel_has_multivma; then want=': native'; else want=': emulated'; fi
	[[ $out == *"$want"* ]] || { echo "failed: no '$want' debug line"; return; }
	echo passed
}

vm_check_matrix() { # KERNEL USER
	local k=$1 user=$2 row cell bad=0 n=0 report
	for row in static-glibc preload-glibc static-musl preload-musl; do
		cell=$(vm_matrix_cell "$k" "$user" "$row")
		echo "$row: $cell"
		case $cell in
		passed) n=$((n + 1)) ;;
		skipped:*) ;;
		*) vm_job_lines "matrix.$user.$row" out; vm_job_lines "matrix.$user.$row" err; bad=1 ;;
		esac
	done
	report=$(vm_check_report "$k" "$user") || bad=1
	echo "report: $report"
	vm_summary "$k" "$user" matrix "$n rows passed; --report: $report"
	[ "$bad" -eq 0 ] && [ $((n + nown)) -gt 0 ]
}

# mremap-compat --report inside the VM: each feature "no, emulated" on a
# kernel older than the version that brought it, else "yes, native".
vm_check_report() { # KERNEL USER -> "exact", or what differs
	local k=$1 user=$2 out feature since has lib want bad=0 maj min n=0
	[ "$(vm_job_end "matrix.$user.report")" = "rc=0 -" ] ||
		{ echo "exit $(vm_job_end "matrix.$user.report")"; return 1; }
	out=$(vm_job_lines "matrix.$user.report" out)
	while read -r feature since has lib; do
		case $feature in dontunmap|dontunmap-shared|multi-vma) ;; *) continue ;; esac
		n=$((n + 1))
		maj=${since%%.*} min=${since#*.}
		if vm_release_before "$maj" "$min"; then want="no emulated"; else want="yes native"; fi
		[ "$has $lib" = "$want" ] || { echo "$feature: $has $lib, want $want"; bad=1; }
	done <<<"$out"
	[ "$n" -eq 3 ] || { echo "$n features in: $out"; return 1; }
	[ "$bad" -eq 0 ] && echo exact
}

vm_check_examples() { # KERNEL USER
	local k=$1 user=$2 id end out bad=0 n=0
	for id in compactor-glibc compactor-musl uffd-gc; do
		end=$(vm_job_end "examples.$user.$id")
		[ -n "$end" ] || { [ "$id" = compactor-musl ] && continue; echo "$id: never ran"; bad=1; continue; }
		out=$(vm_job_lines "examples.$user.$id" out; vm_job_lines "examples.$user.$id" err)
		case $id:$end in
		uffd-gc:"rc=77 -") echo "$id: skipped in the VM: $(grep -m1 SKIP <<<"$out")"; continue ;;
		compactor*:"rc=0 -") [[ $out == *"compactor: OK"* ]] && { n=$((n + 1)); echo "$id: ok"; continue; } ;;
		uffd-gc:"rc=0 -") [[ $out == *"uffd-gc: OK"* ]] && { n=$((n + 1)); echo "$id: ok"; continue; } ;;
		esac
		echo "$id: $end"
		echo "$out"
		bad=1
	done
	vm_summary "$k" "$user" examples "$n passed"
	[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
}

# The park runs: each one's stdout the same as this machine's native run
# of it (rc=0 same); a run that skipped inside the VM (rc=77: no
# userfaultfd for this user there) says so. A run whose every call the
# kernel did itself (no "emulated" debug line: the library passed them
# through) is that kernel's own answer, said and not held against the
# library (Linux 7.2 let a child see a multi-VMA move half done).
vm_check_park() { # KERNEL USER
	local k=$1 user=$2 args id end n=0 nown=0 bad=0 skipped=()
	for args in "${VM_PARK_RUNS[@]}"; do
		id="park.$user.${args// /-}"
		end=$(vm_job_end "$id")
		case $end in
		"rc=0 same") n=$((n + 1)); continue ;;
		"rc=0 differs")
			if ! vm_job_lines "$id" err | grep -q ': emulated'; then
				nown=$((nown + 1))
				echo "# vm $k as $user: park: $args: the kernel's own answer (every call passed through): $(vm_job_lines "$id" out | tr '\n' ' ')" >&3
				continue
			fi ;;
		"rc=77 "*) skipped+=("$args: $(vm_job_lines "$id" out | grep -m1 SKIP)"); continue ;;
		"") echo "$args: never ended" ;;
		*) echo "$args: $end" ;;
		esac
		vm_job_lines "$id" out
		vm_job_lines "$id" err | grep -v 'mremap-compat: mremap(' | head -20
		vm_job_lines "$id" err | grep 'not parked' | head -5
		bad=1
	done
	vm_summary "$k" "$user" park "$n passed, $nown the kernel's own answer${skipped:+, ${#skipped[@]} not run inside the VM}"
	# (a fact of that kernel, said, the other runs still count)
	[ ${#skipped[@]} -eq 0 ] || echo "# vm $k as $user: park: not run inside the VM: ${skipped[*]}" >&3
	[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
}
