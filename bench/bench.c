/* bench/bench.c - emulated/native cost ratios for mremap-compat.
 *
 * Built and run by `make bench` only (never by make or make check). No
 * assertions: it measures and prints one markdown table of ratios, every
 * ratio taken from medians measured in the same run, native and emulated
 * interleaved in the same process.
 *
 *   bench                  the driver: runs each group below in a worker
 *                          process of its own and prints the table
 *   bench --worker GROUP [FILTER]
 *                          one group; rows go to stdout as
 *                          ROW<TAB>case<TAB>name<TAB>native<TAB>emulated<TAB>reps<TAB>target<TAB>note
 *
 * The library reads MREMAP_COMPAT_* once, at start, so a worker is the
 * bench itself re-executed with the variables set: within it, "native" is
 * a raw syscall(SYS_mremap) and "emulated" is mremap_compat() with
 * MREMAP_COMPAT_EMULATE=all (and MREMAP_COMPAT_STRATEGY=race-free for the
 * race-free rows).
 *
 *   du     case 1: DONTUNMAP on populated private anonymous memory
 *   mv     cases 2 and 3: multi-VMA moves, single-VMA FIXED moves
 *   maps   case 4: the maps reader (mc_maps_walk, hidden: the bench links
 *          the static archive, where hidden symbols still link) against
 *          bare read()s of /proc/self/maps into 64 KiB
 *   pass   case 5: pass-through cost of the mremap symbol
 *
 * Environment (for profiling and quick runs; make bench sets none):
 *   MC_BENCH_SCALE=F       repetitions times F (at least 3)
 *   MC_BENCH_SIDE=native|emulated   a worker runs one side only
 *   MC_BENCH_SO=PATH       the shared library for the preloaded rows
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "include/mremap_compat.h"
#include "shim/maps.h"

#define PAGE 4096UL
#define KIB 1024UL
#define MIB (1024UL * KIB)
#define GIB (1024UL * MIB)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

static double scale = 1.0;
static int side_only; /* 0 both, 1 native only, 2 emulated only */
static const char *filter;

/* ---- measuring ------------------------------------------------------ */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int reps(int n)
{
	int r = (int)(n * scale);

	return r < 3 ? 3 : r;
}

static bool wanted(const char *name)
{
	return !filter || strstr(name, filter);
}

static bool run_side(int side) /* 0 native, 1 emulated */
{
	return !side_only || side_only == side + 1;
}

static void row(int cs, const char *name, uint64_t nat, uint64_t emu, int n,
		const char *target, const char *note)
{
	printf("ROW\t%d\t%s\t%llu\t%llu\t%d\t%s\t%s\n", cs, name, (unsigned long long)nat,
	       (unsigned long long)emu, n, target, note ? note : "");
	fflush(stdout);
}

static void fail_row(int cs, const char *name, const char *what)
{
	char note[200];

	snprintf(note, sizeof(note), "FAILED: %s: %s", what, strerror(errno));
	row(cs, name, 0, 0, 0, "-", note);
}

static long raw_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

static int count_maps(void)
{
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), lines = 0;
	ssize_t n, i;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* ---- case 1: DONTUNMAP on populated private anonymous memory -------- */

static void du_rows(const char *name, size_t len, int n, const char *target, const char *extra);

static void case_dontunmap(void)
{
	static const struct {
		size_t len;
		int reps;
		const char *name, *target;
	} sizes[] = {
		{ 4 * KIB, 1001, "4 KiB", "<=3" },
		{ 2 * MIB, 201, "2 MiB", "-" },
		{ 64 * MIB, 31, "64 MiB", "<=1.2" },
		{ 1 * GIB, 5, "1 GiB", "<=1.2" },
	};
	const char *s = getenv("MREMAP_COMPAT_STRATEGY");
	const char *strategy = s && !strcmp(s, "race-free") ? "race-free" : "default";
	size_t k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char name[80];

		snprintf(name, sizeof(name), "DONTUNMAP %s, %s strategy", sizes[k].name, strategy);
		du_rows(name, sizes[k].len, sizes[k].len >= GIB ? sizes[k].reps : reps(sizes[k].reps),
			sizes[k].target, "");
	}
	/* The smaps walk reads every VMA below the target, page tables and
	 * all: the same 4 KiB call with 1 GiB populated at a lower address. */
	{
		char name[80];
		size_t big = 1 * GIB;
		void *low = mmap((void *)(4 * GIB), big, RW, ANON | MAP_POPULATE | MAP_FIXED_NOREPLACE, -1, 0);

		snprintf(name, sizeof(name), "DONTUNMAP 4 KiB, %s strategy, 1 GiB populated below it", strategy);
		if (low == (void *)(4 * GIB))
			du_rows(name, 4 * KIB, reps(201), "-", ", 1 GiB populated mapping at a lower address");
		else if (wanted(name))
			fail_row(1, name, "mmap of the low mapping");
		if (low != MAP_FAILED)
			munmap(low, big);
	}
}

/* n rounds of: a fresh populated mapping, DONTUNMAP-moved by the kernel
 * and by the library in turn (the order alternates each round); only the
 * mremap call is timed. */
static void du_rows(const char *name, size_t len, int n, const char *target, const char *extra)
{
	uint64_t *nat, *emu;
	int i, j, nn = 0, ne = 0, maps = 0;
	char note[160];

	if (!wanted(name))
		return;
	nat = calloc((size_t)n, sizeof(uint64_t));
	emu = calloc((size_t)n, sizeof(uint64_t));
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			int side = (i + j) % 2;
			char *a, *b;
			uint64_t t0, t1;

			if (!run_side(side))
				continue;
			a = mmap(NULL, len, RW, ANON | MAP_POPULATE, -1, 0);
			if (a == MAP_FAILED) {
				fail_row(1, name, "mmap");
				goto out;
			}
			if (!maps)
				maps = count_maps();
			t0 = now_ns();
			if (side)
				b = mremap_compat(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
			else
				b = (char *)raw_mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
			t1 = now_ns();
			if (b == MAP_FAILED) {
				fail_row(1, name, side ? "mremap_compat" : "mremap");
				munmap(a, len);
				goto out;
			}
			if (side)
				emu[ne++] = t1 - t0;
			else
				nat[nn++] = t1 - t0;
			munmap(b, len);
			munmap(a, len);
		}
	}
	snprintf(note, sizeof(note), "%d mappings in the process%s", maps, extra);
	row(1, name, median(nat, nn), median(emu, ne), n, target, note);
out:
	free(nat);
	free(emu);
}

/* ---- cases 2 and 3: FIXED moves of K VMAs --------------------------- */

struct count_arg {
	unsigned long end;
	int n;
};

static int count_cb(const struct vma *v, void *arg)
{
	struct count_arg *c = arg;

	if (v->start >= c->end)
		return 1;
	c->n++;
	return 0;
}

static unsigned long align_up(unsigned long x, unsigned long a)
{
	return (x + a - 1) & ~(a - 1);
}

/* K VMAs of vma_len bytes each (alternately rw- and r--, populated), moved
 * back and forth between A and B, with PROT_NONE guard pages around both
 * so that nothing merges. Moves alternate direction; the methods go
 * native, emulated, emulated, native... so that each side moves as often
 * A->B as B->A. */
static void move_bench(int cs, const char *name, int k, size_t vma_len, size_t align,
		       int n, const char *target)
{
	size_t len = (size_t)k * vma_len, span = 2 * len + 2 * align + 4 * PAGE;
	uint64_t *nat = calloc((size_t)n * 2, sizeof(uint64_t));
	uint64_t *emu = calloc((size_t)n * 2, sizeof(uint64_t));
	unsigned long base, A, B;
	struct count_arg c;
	char note[120];
	int i, nn = 0, ne = 0;

	if (!wanted(name))
		goto out;
	base = (unsigned long)mmap(NULL, span, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (base == (unsigned long)MAP_FAILED) {
		fail_row(cs, name, "mmap");
		goto out;
	}
	A = align_up(base + PAGE, align);
	B = align_up(A + len + PAGE, align);
	if (mmap((void *)A, len, RW, ANON | MAP_FIXED | MAP_POPULATE, -1, 0) == MAP_FAILED) {
		fail_row(cs, name, "mmap");
		goto unmap;
	}
	for (i = 1; i < k; i += 2)
		mprotect((void *)(A + (size_t)i * vma_len), vma_len, PROT_READ);
	c.end = A + len;
	c.n = 0;
	mc_maps_walk(A, false, count_cb, &c);
	for (i = 0; i < 4 * n; i++) {
		unsigned long from = i % 2 ? B : A, to = i % 2 ? A : B;
		int side = (i % 4 == 1 || i % 4 == 2);
		uint64_t t0, t1;
		void *r;

		if (!run_side(side)) {
			/* keep the data where the next move expects it */
			r = (void *)raw_mremap((void *)from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
					       (void *)to);
			continue;
		}
		t0 = now_ns();
		if (side)
			r = mremap_compat((void *)from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
					  (void *)to);
		else
			r = (void *)raw_mremap((void *)from, len, len,
					       MREMAP_MAYMOVE | MREMAP_FIXED, (void *)to);
		t1 = now_ns();
		if (r != (void *)to) {
			fail_row(cs, name, side ? "mremap_compat" : "mremap");
			goto unmap;
		}
		if (side)
			emu[ne++] = t1 - t0;
		else
			nat[nn++] = t1 - t0;
	}
	snprintf(note, sizeof(note), "%d VMAs in the range, %d mappings in the process",
		 c.n, count_maps());
	row(cs, name, median(nat, nn), median(emu, ne), 2 * n, target, note);
unmap:
	munmap((void *)base, span);
out:
	free(nat);
	free(emu);
}

static void case_moves(void)
{
	static const struct { int k, reps; } ks[] = {
		{ 2, 1001 }, { 16, 501 }, { 256, 101 }, { 4096, 15 },
	};
	char name[80];
	size_t i;

	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		snprintf(name, sizeof(name), "multi-VMA move, K=%d (4 KiB each)", ks[i].k);
		move_bench(2, name, ks[i].k, PAGE, PAGE, reps(ks[i].reps), "<=1.5");
	}
	move_bench(3, "single-VMA FIXED move, 4 KiB", 1, 4 * KIB, PAGE, reps(2001), "<=1.1");
	move_bench(3, "single-VMA FIXED move, 2 MiB (2 MiB-aligned)", 1, 2 * MIB, 2 * MIB,
		   reps(501), "<=1.1");
}

/* ---- case 4: the maps reader ------------------------------------------ */

/* Reads the file into 64 KiB with read() until EOF, or until at least
 * 'limit' bytes have come. */
static size_t bare_read_chunk(const char *path, size_t limit, size_t chunk)
{
	static char buf[65536];
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while (total < limit && (n = read(fd, buf, chunk)) > 0)
		total += (size_t)n;
	close(fd);
	return total;
}

static size_t bare_read(const char *path, size_t limit)
{
	return bare_read_chunk(path, limit, 65536);
}

static int all_cb(const struct vma *v, void *arg)
{
	(void)v;
	++*(int *)arg;
	return 0;
}

static int first_cb(const struct vma *v, void *arg)
{
	(void)v;
	++*(int *)arg;
	return 1;
}

/* The whole file, into memory. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap *= 2;
			b = realloc(b, cap);
		}
		r = read(fd, b + n, 65536);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return b;
}

/* The start address of the line at fraction num/den of the file, and the
 * byte offset of the end of that line. */
static void pick_line(const char *text, size_t len, int num, int den,
		      unsigned long *addr, size_t *end_off)
{
	size_t lines = 0, i, want, at = 0;

	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	want = lines * (size_t)num / (size_t)den;
	if (want >= lines)
		want = lines - 1;
	for (i = 0; i < len && want; i++)
		if (text[i] == '\n' && --want == 0)
			at = i + 1;
	*addr = strtoul(text + at, NULL, 16);
	for (i = at; i < len && text[i] != '\n'; i++)
		;
	*end_off = i + 1;
}

enum { M_BARE_ALL, M_LIB_ALL, M_BARE_START, M_LIB_START, M_BARE_END, M_LIB_END,
       M_BARE_SMAPS, M_LIB_SMAPS, M_BARE_1K, M_PARSE, M_COUNT };

static void maps_rows(int target_maps, int n, bool smaps)
{
	unsigned long a_start, a_end;
	size_t len, off_start, off_end;
	char *text = slurp("/proc/self/maps", &len);
	uint64_t *t[M_COUNT];
	int cnt[M_COUNT] = { 0 }, i, m, maps = count_maps();
	char name[120], note[120];

	if (!text)
		return;
	pick_line(text, len, 1, 100, &a_start, &off_start);
	pick_line(text, len, 99, 100, &a_end, &off_end);
	for (m = 0; m < M_COUNT; m++)
		t[m] = calloc((size_t)n, sizeof(uint64_t));
	for (i = 0; i < n; i++) {
		for (m = 0; m < M_COUNT; m++) {
			int mm = i % 2 ? M_COUNT - 1 - m : m, got = 0;
			uint64_t t0;

			if ((mm == M_BARE_SMAPS || mm == M_LIB_SMAPS) && !smaps)
				continue;
			if (!run_side(mm % 2))
				continue;
			t0 = now_ns();
			switch (mm) {
			case M_BARE_ALL: bare_read("/proc/self/maps", SIZE_MAX); break;
			case M_LIB_ALL: mc_maps_walk(0, false, all_cb, &got); break;
			case M_BARE_START: bare_read("/proc/self/maps", off_start); break;
			case M_LIB_START: mc_maps_walk(a_start, false, first_cb, &got); break;
			case M_BARE_END: bare_read("/proc/self/maps", off_end); break;
			case M_LIB_END: mc_maps_walk(a_end, false, first_cb, &got); break;
			case M_BARE_SMAPS: bare_read("/proc/self/smaps", SIZE_MAX); break;
			case M_LIB_SMAPS: mc_maps_walk(0, true, all_cb, &got); break;
			case M_BARE_1K: bare_read_chunk("/proc/self/maps", SIZE_MAX, 1024); break;
			case M_PARSE: mc_maps_parse(text, len, 1024, false, 0, all_cb, &got); break;
			}
			t[mm][cnt[mm]++] = now_ns() - t0;
		}
	}
	snprintf(note, sizeof(note), "%d mappings", maps);
	snprintf(name, sizeof(name), "maps reader, whole file, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_ALL], cnt[M_BARE_ALL]), median(t[M_LIB_ALL], cnt[M_LIB_ALL]),
	    n, "<=1.1", note);
	snprintf(name, sizeof(name), "maps reader, to a range 1%% in, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_START], cnt[M_BARE_START]),
	    median(t[M_LIB_START], cnt[M_LIB_START]), n, "<=1.1",
	    "native: bare read() to the same line");
	snprintf(name, sizeof(name), "maps reader, to a range 99%% in, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_END], cnt[M_BARE_END]), median(t[M_LIB_END], cnt[M_LIB_END]),
	    n, "<=1.1", "native: bare read() to the same line");
	if (smaps) {
		snprintf(name, sizeof(name), "smaps reader, whole file, %d mappings", target_maps);
		row(4, name, median(t[M_BARE_SMAPS], cnt[M_BARE_SMAPS]),
		    median(t[M_LIB_SMAPS], cnt[M_LIB_SMAPS]), n, "-",
		    "bare read() of /proc/self/smaps vs mc_maps_walk(smaps)");
	}
	snprintf(name, sizeof(name), "diagnostic: bare read() in 1 KiB pieces, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_ALL], cnt[M_BARE_ALL]), median(t[M_BARE_1K], cnt[M_BARE_1K]),
	    n, "-", "emulated column: the reader's read() size (READ_CHUNK 1024), no parsing");
	snprintf(name, sizeof(name), "diagnostic: parsing only, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_ALL], cnt[M_BARE_ALL]), median(t[M_PARSE], cnt[M_PARSE]),
	    n, "-", "emulated column: mc_maps_parse() of the same text already in memory");
	for (m = 0; m < M_COUNT; m++)
		free(t[m]);
	free(text);
}

static void case_maps(void)
{
	static const struct { int maps, reps; bool smaps; } ns[] = {
		{ 100, 1001, true }, { 10000, 41, true }, { 60000, 15, false },
	};
	size_t i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		int have = count_maps(), need = ns[i].maps - have, j;
		size_t len;
		char *r = NULL, name[40];

		snprintf(name, sizeof(name), "%d mappings", ns[i].maps);
		if (!wanted(name))
			continue;
		if (need < 1)
			need = 1;
		len = (size_t)need * PAGE;
		r = mmap(NULL, len, PROT_READ, ANON | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED) {
			fail_row(4, name, "mmap");
			continue;
		}
		for (j = 1; j < need; j += 2)
			mprotect(r + (size_t)j * PAGE, PAGE, RW);
		maps_rows(ns[i].maps, reps(ns[i].reps), ns[i].smaps);
		munmap(r, len);
	}
}

/* ---- case 5: pass-through ---------------------------------------------- */

enum { P_SYSCALL, P_LIBC, P_LINKED, P_SO, P_COUNT };

static void pass_rows(int flags, const char *fname, mremap_fn libc_fn, mremap_fn so_fn,
		      int n, int batch)
{
	uint64_t *t[P_COUNT];
	int cnt[P_COUNT] = { 0 }, i, m, j;
	char *p = mmap(NULL, 2 * PAGE, RW, ANON | MAP_POPULATE, -1, 0);
	char name[120];

	if (p == MAP_FAILED)
		return;
	munmap(p + PAGE, PAGE); /* room to grow in place */
	for (m = 0; m < P_COUNT; m++)
		t[m] = calloc((size_t)n, sizeof(uint64_t));
	for (i = 0; i < n; i++) {
		for (m = 0; m < P_COUNT; m++) {
			int mm = (m + i) % P_COUNT;
			uint64_t t0;
			void *a = NULL, *b = NULL;

			if ((mm == P_LIBC && !libc_fn) || (mm == P_SO && !so_fn))
				continue;
			t0 = now_ns();
			for (j = 0; j < batch; j++) {
				switch (mm) {
				case P_SYSCALL:
					a = (void *)raw_mremap(p, PAGE, 2 * PAGE, flags, NULL);
					b = (void *)raw_mremap(p, 2 * PAGE, PAGE, flags, NULL);
					break;
				case P_LIBC:
					a = libc_fn(p, PAGE, 2 * PAGE, flags);
					b = libc_fn(p, 2 * PAGE, PAGE, flags);
					break;
				case P_LINKED:
					a = mremap(p, PAGE, 2 * PAGE, flags);
					b = mremap(p, 2 * PAGE, PAGE, flags);
					break;
				case P_SO:
					a = so_fn(p, PAGE, 2 * PAGE, flags);
					b = so_fn(p, 2 * PAGE, PAGE, flags);
					break;
				}
			}
			t[mm][cnt[mm]++] = (now_ns() - t0) / (uint64_t)(2 * batch);
			if (a != p || b != p) {
				snprintf(name, sizeof(name), "pass-through, %s", fname);
				fail_row(5, name, "in-place grow/shrink moved or failed");
				goto out;
			}
		}
	}
	{
		uint64_t sc = median(t[P_SYSCALL], cnt[P_SYSCALL]);

		snprintf(name, sizeof(name), "pass-through grow+shrink, %s: statically linked mremap()", fname);
		row(5, name, sc, median(t[P_LINKED], cnt[P_LINKED]), n, "-",
		    "native: syscall(SYS_mremap); per call");
		if (so_fn) {
			snprintf(name, sizeof(name), "pass-through grow+shrink, %s: preloaded libmremap-compat.so mremap()", fname);
			row(5, name, sc, median(t[P_SO], cnt[P_SO]), n, "-",
			    "native: syscall(SYS_mremap); per call; .so -> libc mremap -> kernel");
		}
		if (libc_fn && so_fn) {
			snprintf(name, sizeof(name), "pass-through grow+shrink, %s: preloaded .so vs libc mremap()", fname);
			row(5, name, median(t[P_LIBC], cnt[P_LIBC]), median(t[P_SO], cnt[P_SO]), n, "-",
			    "native: glibc mremap() itself; per call");
		}
	}
out:
	for (m = 0; m < P_COUNT; m++)
		free(t[m]);
	munmap(p, 2 * PAGE);
}

static void case_pass(const char *self)
{
	char so_path[PATH_MAX];
	const char *so = getenv("MC_BENCH_SO");
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD), *h;
	mremap_fn libc_fn = libc ? (mremap_fn)dlsym(libc, "mremap") : NULL, so_fn = NULL;

	if (!so) {
		/* bench/bench -> .libs/libmremap-compat.so.0 */
		char *slash;

		snprintf(so_path, sizeof(so_path), "%s", self);
		slash = strrchr(so_path, '/');
		if (slash)
			*slash = 0;
		slash = strrchr(so_path, '/');
		if (slash)
			slash[1] = 0;
		else
			so_path[0] = 0;
		strncat(so_path, ".libs/libmremap-compat.so.0", sizeof(so_path) - strlen(so_path) - 1);
		so = so_path;
	}
	h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (h)
		so_fn = (mremap_fn)dlsym(h, "mremap");
	else
		fprintf(stderr, "bench: %s: %s (preloaded rows skipped)\n", so, dlerror());
	if (libc_fn == (mremap_fn)mremap)
		fprintf(stderr, "bench: mremap is libc's: the static link did not interpose\n");
	if (wanted("flags 0"))
		pass_rows(0, "flags 0", libc_fn, so_fn, reps(201), 200);
	if (wanted("MAYMOVE"))
		pass_rows(MREMAP_MAYMOVE, "MAYMOVE", libc_fn, so_fn, reps(201), 200);
}

/* ---- case 6: the race-free copy, and the default with threads (h-safe) --
 *
 * The race-free path against the application's own memcpy, into fresh
 * memory (mmap, then memcpy: the faults included) and into prefaulted
 * memory; the default strategy alone (zero copy inside the window) and
 * with one more, idle, thread (the race-free copy). Group "race" runs with
 * MREMAP_COMPAT_STRATEGY=race-free, group "default" without. */

static const struct { size_t len; int reps; const char *name; } race_sizes[] = {
	{ 4 * KIB, 501, "4 KiB" }, { 2 * MIB, 101, "2 MiB" },
	{ 64 * MIB, 15, "64 MiB" }, { 1 * GIB, 3, "1 GiB" },
};

static int race_reps(int k)
{
	return race_sizes[k].len >= GIB ? race_sizes[k].reps : reps(race_sizes[k].reps);
}

/* One timed DONTUNMAP of a fresh populated mapping: the library's, or
 * the kernel's. */
static uint64_t time_du(size_t len, bool lib)
{
	char *a = mmap(NULL, len, RW, ANON | MAP_POPULATE, -1, 0), *b;
	uint64_t t0, t1;

	if (a == MAP_FAILED)
		return 0;
	t0 = now_ns();
	b = lib ? mremap_compat(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL) :
		  (char *)raw_mremap(a, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	t1 = now_ns();
	if (b != MAP_FAILED)
		munmap(b, len);
	munmap(a, len);
	return b == MAP_FAILED ? 0 : t1 - t0;
}

/* One timed memcpy of len populated bytes, into fresh memory (the mmap
 * and its faults timed too) or into memory populated beforehand. */
static uint64_t time_memcpy(size_t len, bool fresh)
{
	char *a = mmap(NULL, len, RW, ANON | MAP_POPULATE, -1, 0), *b = MAP_FAILED;
	uint64_t t0 = 0, t1;

	if (a == MAP_FAILED)
		return 0;
	if (!fresh)
		b = mmap(NULL, len, RW, ANON | MAP_POPULATE, -1, 0);
	t0 = now_ns();
	if (fresh)
		b = mmap(NULL, len, RW, ANON, -1, 0);
	if (b != MAP_FAILED)
		memcpy(b, a, len);
	t1 = now_ns();
	if (b != MAP_FAILED)
		munmap(b, len);
	munmap(a, len);
	return b == MAP_FAILED ? 0 : t1 - t0;
}

static void case_race_free(void)
{
	size_t k;

	for (k = 0; k < sizeof(race_sizes) / sizeof(race_sizes[0]); k++) {
		int n = race_reps((int)k), i, j;
		uint64_t *fresh = calloc((size_t)n, 8), *pre = calloc((size_t)n, 8), *rf = calloc((size_t)n, 8);
		char name[120];

		for (i = 0; i < n; i++)
			for (j = 0; j < 3; j++) /* interleaved, the order turning */
				switch ((i + j) % 3) {
				case 0: fresh[i] = time_memcpy(race_sizes[k].len, true); break;
				case 1: pre[i] = time_memcpy(race_sizes[k].len, false); break;
				default: rf[i] = time_du(race_sizes[k].len, true); break;
				}
		snprintf(name, sizeof(name), "race-free DONTUNMAP %s vs memcpy into fresh memory",
			 race_sizes[k].name);
		row(6, name, median(fresh, n), median(rf, n), n, "-", "native column: mmap + memcpy");
		snprintf(name, sizeof(name), "race-free DONTUNMAP %s vs memcpy into prefaulted memory",
			 race_sizes[k].name);
		row(6, name, median(pre, n), median(rf, n), n, "-", "native column: memcpy only");
		free(fresh);
		free(pre);
		free(rf);
	}
}

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void default_rows(const char *who)
{
	size_t k;

	for (k = 0; k < sizeof(race_sizes) / sizeof(race_sizes[0]); k++) {
		int n = race_reps((int)k), i;
		uint64_t *nat = calloc((size_t)n, 8), *emu = calloc((size_t)n, 8);
		char name[120];

		for (i = 0; i < n; i++) {
			nat[i] = time_du(race_sizes[k].len, i % 2 == 0 ? false : true);
			emu[i] = time_du(race_sizes[k].len, i % 2 == 0 ? true : false);
			if (i % 2) { /* keep each side in its own array */
				uint64_t t = nat[i];

				nat[i] = emu[i];
				emu[i] = t;
			}
		}
		snprintf(name, sizeof(name), "default DONTUNMAP %s, %s", race_sizes[k].name, who);
		row(6, name, median(nat, n), median(emu, n), n, "-", "native column: the kernel's DONTUNMAP");
		free(nat);
		free(emu);
	}
}

static void case_default_threads(void)
{
	pthread_t t;

	default_rows("single-threaded (zero copy)");
	pthread_create(&t, NULL, idle_thread, NULL);
	default_rows("multi-threaded (race-free copy)");
}

/* ---- the driver ----------------------------------------------------------- */

struct result {
	int cs;
	char name[160];
	uint64_t nat, emu;
	int reps;
	char target[16];
	char note[200];
};

static struct result results[96];
static int nresults;

static const char *self_path(void)
{
	static char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);

	if (n <= 0)
		return "/proc/self/exe";
	p[n] = 0;
	return p;
}

static void run_worker(const char *self, const char *group, const char *emulate,
		       const char *strategy)
{
	int fd[2];
	pid_t pid;
	FILE *f;
	char line[1024];
	int status;

	if (pipe(fd))
		return;
	fprintf(stderr, "bench: group %s%s%s ...\n", group, strategy ? ", strategy " : "",
		strategy ? strategy : "");
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		unsetenv("MREMAP_COMPAT_EMULATE");
		unsetenv("MREMAP_COMPAT_STRATEGY");
		unsetenv("MREMAP_COMPAT_DEBUG");
		if (emulate)
			setenv("MREMAP_COMPAT_EMULATE", emulate, 1);
		if (strategy)
			setenv("MREMAP_COMPAT_STRATEGY", strategy, 1);
		execl(self, self, "--worker", group, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		struct result *r = &results[nresults];
		char *save, *tok[8];
		int k = 0;

		fputs(line, stderr); /* the raw output */
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "ROW\t", 4) || nresults >= 96)
			continue;
		for (tok[k] = strtok_r(line, "\t", &save); tok[k] && k < 7;)
			tok[++k] = strtok_r(NULL, "\t", &save);
		if (k < 7)
			continue;
		r->cs = atoi(tok[1]);
		snprintf(r->name, sizeof(r->name), "%s", tok[2]);
		r->nat = strtoull(tok[3], NULL, 10);
		r->emu = strtoull(tok[4], NULL, 10);
		r->reps = atoi(tok[5]);
		snprintf(r->target, sizeof(r->target), "%s", tok[6]);
		snprintf(r->note, sizeof(r->note), "%s", tok[7] ? tok[7] : "");
		nresults++;
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fprintf(stderr, "bench: worker %s ended with status %d\n", group, status);
}

static void read_first(const char *path, const char *key, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];

	snprintf(out, n, "?");
	while (f && fgets(line, sizeof(line), f)) {
		if (!key || !strncmp(line, key, strlen(key))) {
			char *v = key ? strchr(line, ':') : line;

			v = v ? v + (key ? 1 : 0) : line;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, "\n")] = 0;
			snprintf(out, n, "%s", v);
			break;
		}
	}
	if (f)
		fclose(f);
}

static const char *case_title(int cs)
{
	switch (cs) {
	case 1: return "1. DONTUNMAP, populated private anonymous memory (native: raw syscall; emulated: mremap_compat, MREMAP_COMPAT_EMULATE=all)";
	case 2: return "2. Multi-VMA FIXED\\|MAYMOVE move, old_len == new_len (emulated: mremap_compat, EMULATE=all)";
	case 3: return "3. Single-VMA FIXED move with multi-VMA emulation enabled";
	case 4: return "4. Maps reader (mc_maps_walk) vs bare read() of /proc/self/maps into 64 KiB";
	case 5: return "5. Pass-through: in-place grow/shrink (no move), cost per call";
	case 6: return "6. The race-free copy against memcpy, and the default strategy alone and with threads (populated private anonymous memory)";
	}
	return "?";
}

static int driver(const char *self)
{
	char cpu[512], thp[512], date[64], kver[512], load0[128], load1[128];
	struct utsname u;
	time_t now = time(NULL);
	uint64_t t0 = now_ns();
	int i, cs = 0, met = 0, missed = 0;

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	uname(&u);
	snprintf(kver, sizeof(kver), "%s %s (%s)", u.sysname, u.release, u.version);
	read_first("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_first("/sys/kernel/mm/transparent_hugepage/enabled", NULL, thp, sizeof(thp));

	read_first("/proc/loadavg", NULL, load0, sizeof(load0));
	run_worker(self, "du", "all", NULL);
	run_worker(self, "du", "all", "race-free");
	run_worker(self, "mv", "all", NULL);
	run_worker(self, "maps", NULL, NULL);
	run_worker(self, "pass", NULL, NULL);
	run_worker(self, "race", "all", "race-free");
	run_worker(self, "default", "all", NULL);
	read_first("/proc/loadavg", NULL, load1, sizeof(load1));

	printf("# mremap-compat benchmarks: emulated / native\n\n");
	printf("Generated by `make bench` (bench/bench.c). One run; every ratio is the median "
	       "of the emulated side over the median of the native side, both measured "
	       "interleaved in the same worker process. No assertions.\n\n");
	printf("- Date: %s\n", date);
	printf("- Kernel: %s\n", kver);
	printf("- CPU: %s, %ld online CPUs (nothing pinned)\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	printf("- Transparent huge pages: %s\n", thp);
	printf("- libmremap-compat %s, linked statically into the bench (the .so for the preloaded rows)\n",
	       mremap_compat_version());
	printf("- Wall time of the run: %.1f s; /proc/loadavg before: %s, after: %s\n\n",
	       (double)(now_ns() - t0) / 1e9, load0, load1);
	for (i = 0; i < nresults; i++) {
		struct result *r = &results[i];
		double ratio = r->nat ? (double)r->emu / (double)r->nat : 0;
		const char *verdict = "-";
		char tgt[40];

		if (r->cs != cs) {
			cs = r->cs;
			printf("\n### %s\n\n", case_title(cs));
			printf("| case | native median ns | emulated median ns | ratio | target | reps | notes |\n");
			printf("|---|---:|---:|---:|---|---:|---|\n");
		}
		if (!strncmp(r->target, "<=", 2) && r->nat && r->emu) {
			double lim = atof(r->target + 2);

			verdict = ratio <= lim ? "met" : "MISSED";
			if (ratio <= lim)
				met++;
			else
				missed++;
		}
		if (strcmp(r->target, "-"))
			snprintf(tgt, sizeof(tgt), "%sx: %s", r->target, verdict);
		else
			snprintf(tgt, sizeof(tgt), "-");
		printf("| %s | %llu | %llu | %.*fx | %s | %d | %s |\n", r->name,
		       (unsigned long long)r->nat, (unsigned long long)r->emu,
		       ratio < 10 ? 3 : 1, ratio,
		       tgt, r->reps, r->note);
	}
	printf("\nTargets: %d met, %d missed.\n", met, missed);
	return 0;
}

int main(int argc, char **argv)
{
	const char *s;

	if ((s = getenv("MC_BENCH_SCALE")))
		scale = atof(s) > 0 ? atof(s) : 1.0;
	if ((s = getenv("MC_BENCH_SIDE")))
		side_only = !strcmp(s, "native") ? 1 : !strcmp(s, "emulated") ? 2 : 0;
	if (argc < 3 || strcmp(argv[1], "--worker"))
		return driver(self_path());
	filter = argc > 3 ? argv[3] : NULL;
	if (!strcmp(argv[2], "du"))
		case_dontunmap();
	else if (!strcmp(argv[2], "mv"))
		case_moves();
	else if (!strcmp(argv[2], "maps"))
		case_maps();
	else if (!strcmp(argv[2], "pass"))
		case_pass(self_path());
	else if (!strcmp(argv[2], "race"))
		case_race_free();
	else if (!strcmp(argv[2], "default"))
		case_default_threads();
	else
		return 2;
	return 0;
}
