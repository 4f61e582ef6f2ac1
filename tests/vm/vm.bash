# tests/vm/vm.bash - Debian's kernels under QEMU, for the Bats suites
# (load after helpers and differential: tests/vm.bats, tests/matrix.bats).
#
# One boot per kernel runs every job of a suite file (tests/vm/init.c runs
# them, as root and as uid 65534); the tests read its console. What runs:
#
#   dontunmap, multivma  every scenario of tests/dontunmap.bats and
#                        tests/multivma.bats, static glibc build, the library
#                        in auto mode; stdout compared inside the VM with
#                        this machine's native 6.18 output (the oracle), as
#                        root and as nobody (the oracle run as nobody too)
#   matrix               tests/matrix-prog: static glibc, static musl,
#                        preload glibc, preload musl (aarch64 musl: Debian's
#                        musl-dev:arm64, tests/vm/fetch-kernels --musl-arm64);
#                        and mremap-compat --report (src/report.c), which
#                        must say what the kernel's version has natively
#   examples             examples/compactor (glibc, musl), examples/uffd-gc
#   randdiff             tests/randdiff SEED STEPS for a few seeds, compared
#                        with the native output of the same seed
#   park                 tests/park (other threads storing, mapping and
#                        forking while the library works: VM_PARK_RUNS),
#                        compared with the native output of the same run
#
# To add a job: a line of the boot's /jobs (tests/vm/init.c runs them in
# order, as root or as nobody), written in vm_root below with
#   _job ID USER TIMEOUT [EXPECT=FILE] [VAR=VALUE...] /glibc/PROGRAM ARGS
# (one per user: the loop over VM_USERS). A program of its own is built
# by tests/vm/build-progs (its compile lines and its list of programs) and
# copied into the initramfs by vm_root's cp. Its test reads the console:
# vm_job_end ID ("rc=N same|differs|-") and vm_job_lines ID out|err. A new
# suite is a case of vm_check (tests/vm/vm-checks.bash) and a name in the
# suite list of tests/vm/gen-vm-bats.sh (then: bash tests/vm/gen-vm-bats.sh
# >tests/vm.bats).
#
# Environment:
#   MC_VM_KERNELS  kernels to run (default: all of tests/vm/kernels)
#   MC_VM_FULL=1   200 randdiff seeds on every kernel instead of 20 (every
#                  scenario runs on every kernel either way: they fit CI's time)
#   MC_VM_CACHE    the download cache (tests/vm/fetch-kernels)
#   MC_VM_REQUIRE=1  a kernel that cannot run (no qemu, no network) fails
#                  instead of skipping (.ci/run sets it)
#   VM_SUITES      (set by a test file) the suites of scenarios to put in
#                  the boot: default "dontunmap multivma randdiff"; the
#                  matrix and the examples are always there

VM_SRC="$top_srcdir/tests/vm"
VM_BUILD="$top_builddir/tests/vm-build"
. "$VM_SRC/kernels"

VM_USERS=(root nobody)

# The runs of tests/park in every boot: stores during DONTUNMAP (a whole
# VMA, its middle, its start, a userfaultfd-registered range), an mmap
# storm at the old range, forks during multi-VMA moves, idle threads.
VM_PARK_RUNS=("writers whole 5" "writers middle 5" "writers start 5" "uffd-writers none 3"
	      "mmap-storm 100" "fork-storm 200" "fork-storm 200 dontunmap" "idle 4 5")
VM_NOBODY=65534

vm_uid() { [ "$1" = root ] && echo 0 || echo "$VM_NOBODY"; }

# The kernels this run boots.
vm_kernels() {
	echo "${MC_VM_KERNELS:-${KERNELS[*]}}"
}

# vm_selected KERNEL: whether KERNEL is in this run.
vm_selected() {
	[[ " $(vm_kernels) " == *" $1 "* ]]
}

# vm_skip_reason KERNEL: a fact of the machine that stops KERNEL from
# running, printed; empty when it can run.
vm_skip_reason() {
	local arch
	arch=$(kernel_arch "$1")
	command -v "qemu-system-$arch" >/dev/null || { echo "qemu-system-$arch is not installed"; return; }
	case $arch in
	aarch64) command -v aarch64-linux-gnu-gcc >/dev/null ||
			{ echo "aarch64-linux-gnu-gcc is not installed"; return; } ;;
	esac
	local avail
	avail=$(df -Pk "${MC_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}" 2>/dev/null | awk 'NR == 2 { print $4 }')
	[ -z "$avail" ] || [ "$avail" -ge 400000 ] ||
		{ echo "less than 400 MB free for the kernel cache"; return; }
}

# The scenario lines ("NAME [VAR=VALUE...]") of a differential suite.
vm_scenario_lines() { # dontunmap|multivma
	awk '/compare_(emulated|refused|native_route|passthrough) / {
		sub(/^.*compare_[a-z_]+ /, ""); if (!seen[$0]++) print }' "$top_srcdir/tests/$1.bats"
}

VM_RANDDIFF_STEPS=40
vm_randdiff_seeds() { # KERNEL
	if [ -n "${MC_VM_FULL:-}" ]; then seq 1 200; else seq 1 20; fi
}

# The host's programs, runnable by nobody: copied to a directory anyone may
# read, one per run of a test file (vm_cleanup removes it).
vm_hostbin() {
	VM_HOSTBIN=/tmp/mc-vm-hostbin.$(basename "$BATS_RUN_TMPDIR").$(basename "$BATS_TEST_FILENAME" .bats)
	if [ ! -d "$VM_HOSTBIN" ]; then
		mkdir -p "$VM_HOSTBIN" && chmod 755 "$VM_HOSTBIN"
		cp "$TESTBIN/scenario" "$TESTBIN/randdiff" "$TESTBIN/park" "$VM_HOSTBIN/" &&
			chmod 755 "$VM_HOSTBIN"/*
		mkdir -p "$VM_HOSTBIN/tmp" && chmod 1777 "$VM_HOSTBIN/tmp"
	fi
}

vm_cleanup() { # teardown_file
	rm -rf "/tmp/mc-vm-hostbin.$(basename "$BATS_RUN_TMPDIR").$(basename "$BATS_TEST_FILENAME" .bats)"
}

# vm_oracle USER KEY CMD...: the native output of CMD as USER, cached in
# $VM_ORACLE/USER/KEY (nobody: setpriv to uid 65534, no groups).
vm_oracle() {
	local user=$1 key=$2 f rc=0
	shift 2
	f="$VM_ORACLE/$user/$key"
	mkdir -p "$VM_ORACLE/$user"
	if [ ! -f "$f" ]; then
		if [ "$user" = root ]; then
			env -u LD_PRELOAD TMPDIR="$VM_HOSTBIN/tmp" "$@" >"$f.tmp" 2>/dev/null || rc=$?
		else
			setpriv --reuid="$VM_NOBODY" --regid="$VM_NOBODY" --clear-groups \
				env -u LD_PRELOAD TMPDIR="$VM_HOSTBIN/tmp" "$@" >"$f.tmp" 2>/dev/null || rc=$?
		fi
		[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || { echo "native run of $* as $user: exit $rc" >&2; return 1; }
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# vm_scale KERNEL < ORACLE: the scenario's output as it reads on KERNEL's
# page size: the offsets (+0x..., off=0x...) are in bytes, so a scenario
# that places its mappings at page N prints N times the page size. Nothing
# else in the output depends on the page size.
vm_scale() {
	local f
	f=$(( $(kernel_page_kib "$1") * 1024 / $(getconf PAGESIZE) ))
	if [ "$f" -eq 1 ]; then
		cat
	else
		perl -pe 's/(\+|off=)0x([0-9a-f]+)/sprintf("%s0x%x", $1, hex($2) * '"$f"')/ge'
	fi
}

# vm_programs ARCH: builds the static programs (tests/vm/build-progs).
# vm.bats and matrix.bats (make -j2 runs them at once) share VM_BUILD and
# the compilers: one builds at a time, under a lock, so both see the same
# programs; arm64 musl cells once went without the compiler that the
# other suite was fetching at that moment.
vm_programs() {
	local arch=$1
	mkdir -p "$VM_BUILD"
	(
		flock 8 || exit 1
		_vm_programs "$arch"
	) 8>"$VM_BUILD/lock"
}
_vm_programs() {
	local arch=$1 libc
	# arm64 musl: Debian's musl-dev:arm64, fetched into the cache
	[ "$arch" != aarch64 ] || [ -n "${AARCH64_MUSL_GCC:-}" ] ||
		AARCH64_MUSL_GCC=$("$VM_SRC/fetch-kernels" --musl-arm64) || AARCH64_MUSL_GCC=none
	export AARCH64_MUSL_GCC
	for libc in glibc musl; do
		"$VM_SRC/build-progs" "$arch" "$libc" "$VM_BUILD/$arch-$libc" >"$VM_BUILD/$arch-$libc.log" 2>&1 ||
			[ $? -eq 77 ] || { cat "$VM_BUILD/$arch-$libc.log" >&2; return 1; }
	done
}

# _job ID USER TIMEOUT [EXPECT=...] [VAR=VALUE...] PROG ARGS
_job() {
	local id=$1 user=$2
	shift 2
	echo "$id $(vm_uid "$user") $*" >>"$VM_ROOT/jobs"
}

# vm_root KERNEL: the initramfs tree of KERNEL's boot, jobs and oracle
# outputs included, in $VM_ROOT.
vm_root() {
	local k=$1 arch libc user suite line name o n i steps
	arch=$(kernel_arch "$k")
	VM_ROOT="$BATS_FILE_TMPDIR/vm/$k/root"
	rm -rf "$VM_ROOT" && mkdir -p "$VM_ROOT/lib" "$VM_ROOT/oracle"
	ln -s lib "$VM_ROOT/lib64"
	cp "$VM_BUILD/$arch-glibc/init" "$VM_ROOT/init"
	for libc in glibc musl; do
		[ -f "$VM_BUILD/$arch-$libc/libmremap-compat.a" ] || continue
		mkdir -p "$VM_ROOT/$libc"
		cp "$VM_BUILD/$arch-$libc"/{scenario,randdiff,matrix-static,matrix-dyn,compactor,uffd-gc,report,park,libmremap-compat.so} \
			"$VM_ROOT/$libc/"
		cp "$VM_BUILD/$arch-$libc"/lib/* "$VM_ROOT/lib/"
	done
	# The huge pages the host's scenarios saw.
	[ "$(cat /proc/sys/vm/nr_hugepages)" = 0 ] || echo 8 >"$VM_ROOT/hugepages"
	: >"$VM_ROOT/jobs"
	for user in "${VM_USERS[@]}"; do
		mkdir -p "$VM_ROOT/oracle/$user"
		for suite in dontunmap multivma; do
			[[ " ${VM_SUITES:-dontunmap multivma randdiff} " == *" $suite "* ]] || continue
			n=0
			while read -r line; do
				n=$((n + 1))
				name=${line%% *}
				if [ "$user" = root ]; then
					o=$(oracle_output "$name") || return 1
				else
					o=$(vm_oracle "$user" "$name.out" "$VM_HOSTBIN/scenario" "$name") || return 1
				fi
				if [ "$(head -c 6 "$o")" = "SKIP: " ]; then
					echo "$suite.$user.$n $name native-skip" >>"$VM_ROOT/../names"
					continue
				fi
				vm_scale "$k" <"$o" >"$VM_ROOT/oracle/$user/$name.out"
				# shellcheck disable=SC2086
				_job "$suite.$user.$n" "$user" 120 EXPECT="/oracle/$user/$name.out" \
					MREMAP_COMPAT_DEBUG=1 ${line#"$name"} /glibc/scenario "$name"
				# A known divergence (tests/vm/known) runs again with the
				# library out of the way: where the library gives this
				# kernel's own answer, vm_check says so and passes.
				# shellcheck disable=SC2086
				[ -z "$(vm_known "$k" "$user" "$suite" "$name")" ] ||
					_job "$suite.$user.$n.kernel" "$user" 120 MREMAP_COMPAT_EMULATE=none \
						${line#"$name"} /glibc/scenario "$name"
				echo "$suite.$user.$n $line" >>"$VM_ROOT/../names"
			done < <(vm_scenario_lines "$suite")
		done
		for libc in glibc musl; do
			[ -d "$VM_ROOT/$libc" ] || continue
			_job "matrix.$user.static-$libc" "$user" 60 MREMAP_COMPAT_DEBUG=1 "/$libc/matrix-static"
			_job "matrix.$user.preload-$libc" "$user" 60 MREMAP_COMPAT_DEBUG=1 \
				LD_LIBRARY_PATH=/lib LD_PRELOAD="/$libc/libmremap-compat.so" "/$libc/matrix-dyn"
			_job "examples.$user.compactor-$libc" "$user" 60 MREMAP_COMPAT_DEBUG=1 "/$libc/compactor"
		done
		_job "examples.$user.uffd-gc" "$user" 120 MREMAP_COMPAT_DEBUG=1 /glibc/uffd-gc
		# Other threads while the library works (tests/park.c, the
		# library linked statically): stdout compared with this
		# machine's native output of the same run.
		for args in "${VM_PARK_RUNS[@]}"; do
			# shellcheck disable=SC2086
			o=$(vm_oracle "$user" "park.${args// /-}" "$VM_HOSTBIN/park" $args) || return 1
			cp "$o" "$VM_ROOT/oracle/$user/"
			# shellcheck disable=SC2086
			_job "park.$user.${args// /-}" "$user" 300 EXPECT="/oracle/$user/park.${args// /-}" \
				MREMAP_COMPAT_DEBUG=1 /glibc/park $args
		done
		_job "matrix.$user.report" "$user" 60 /glibc/report
		steps=$VM_RANDDIFF_STEPS
		[[ " ${VM_SUITES:-randdiff} " == *" randdiff "* ]] || continue
		for i in $(vm_randdiff_seeds "$k"); do
			o=$(vm_oracle "$user" "randdiff.$i.$steps" "$VM_HOSTBIN/randdiff" "$i" "$steps") || return 1
			cp "$o" "$VM_ROOT/oracle/$user/"
			_job "randdiff.$user.$i" "$user" 120 EXPECT="/oracle/$user/randdiff.$i.$steps" MREMAP_COMPAT_DEBUG=1 \
				/glibc/randdiff "$i" "$steps"
			echo "randdiff.$user.$i randdiff-$i-$steps" >>"$VM_ROOT/../names"
		done
	done
}

# vm_boot KERNEL: boots KERNEL once per test file; sets VM_LOG (the
# console) and VM_RC (vm-run's exit status), VM_SECS (the boot's time).
vm_boot() {
	local k=$1 dir="$BATS_FILE_TMPDIR/vm/$1" t0
	VM_LOG="$dir/console"
	if [ ! -f "$dir/rc" ]; then
		mkdir -p "$dir"
		: >"$dir/names"
		vm_hostbin
		VM_ORACLE="$BATS_FILE_TMPDIR/oracle"
		{ vm_programs "$(kernel_arch "$k")" && vm_root "$k"; } >"$dir/setup.log" 2>&1 ||
			{ echo 125 >"$dir/rc"; cp "$dir/setup.log" "$VM_LOG"; }
	fi
	if [ ! -f "$dir/rc" ]; then
		t0=$(date +%s%N)
		"$VM_SRC/vm-run" --timeout "${MC_VM_TIMEOUT:-900}" "$k" "$VM_ROOT" >"$VM_LOG" 2>"$dir/stderr"
		echo $? >"$dir/rc"
		echo $((($(date +%s%N) - t0) / 1000000000)) >"$dir/secs"
		cat "$dir/stderr" >>"$VM_LOG"
		# kept for reading after the run
		mkdir -p "$top_builddir/tests/vm-logs"
		cp "$VM_LOG" "$top_builddir/tests/vm-logs/$k.$(basename "$BATS_TEST_FILENAME" .bats).console"
		cp "$VM_ROOT/jobs" "$top_builddir/tests/vm-logs/$k.$(basename "$BATS_TEST_FILENAME" .bats).jobs"
	fi
	VM_RC=$(cat "$dir/rc")
	VM_SECS=$(cat "$dir/secs" 2>/dev/null || echo 0)
}

# A machine fact stops the kernel: a skip, or with MC_VM_REQUIRE=1 (CI,
# which installs qemu and reaches the archive) a failure.
vm_skip() {
	if [ -n "${MC_VM_REQUIRE:-}" ]; then
		echo "MC_VM_REQUIRE is set, and the kernel could not run: $*"
		return 1
	fi
	skip "$*"
}

# vm_require KERNEL: skips (a machine fact, printed) or fails (the kernel
# could run and did not) unless KERNEL booted and finished its jobs.
vm_require() {
	local k=$1 why
	vm_selected "$k" || skip "not in MC_VM_KERNELS ($(vm_kernels))"
	why=$(vm_skip_reason "$k")
	[ -z "$why" ] || { vm_skip "$why"; return 1; }
	vm_boot "$k"
	case $VM_RC in
	0) return 0 ;;
	77) vm_skip "$(grep -h 'SKIP\|fetch-kernels: \|cannot fetch' "$BATS_FILE_TMPDIR/vm/$k/stderr" | sed -n 1p)"; return 1 ;;
	esac
	echo "$k: $(vm_cause "$VM_RC") (vm-run exit $VM_RC)"
	tail -30 "$VM_LOG"
	return 1
}

# vm_cause RC: what vm-run's exit status RC says (tests/vm/vm-run).
vm_cause() {
	case $1 in
	0) echo finished ;;
	2) echo "did not boot (twice)" ;;
	3) echo "did not finish" ;;
	4) echo "fetch failed" ;;
	77) echo "no qemu or no kernel image" ;;
	125) echo "setup failed" ;;
	*) echo "vm-run failed" ;;
	esac
}

# vm_job_end ID: "rc=N same|differs|-" of job ID, empty if it never ended.
vm_job_end() {
	sed -n "s/^@@J $1 end //p" "$VM_LOG" | sed -n 1p
}

# vm_job_lines ID out|err: what job ID printed.
vm_job_lines() {
	sed -n "s/^@@J $1 $2 //p" "$VM_LOG"
}

vm_release() {
	sed -n 's/^.*@@VM booted release=\([^ ]*\).*/\1/p' "$VM_LOG" | sed -n 1p
}
