/* bench/bench.c - mremap-compat against the kernel and against honest anchors.
 *
 * Built and run by `make bench` only (never by make or make check). No
 * assertions: it measures and prints markdown tables, every number a
 * median of one run, every column of a row measured interleaved in the
 * same worker process (the order of the methods turns each repetition).
 *
 *   bench                  the driver: runs each group below in a worker
 *                          process of its own and prints the tables
 *   bench --worker GROUP [FILTER]
 *                          one group; rows go to stdout as
 *                          ROW<TAB>case<TAB>name<TAB>native<TAB>library<TAB>app<TAB>memcpy
 *                          <TAB>floor<TAB>smaps<TAB>without<TAB>copy<TAB>reps<TAB>tag<TAB>note
 *                          (0: not measured)
 *
 * The library reads MREMAP_COMPAT_* once, at start, so a worker is the
 * bench itself re-executed with the variables set: within it, "native" is
 * a raw syscall(SYS_mremap) and "library" is mremap_compat() with
 * MREMAP_COMPAT_EMULATE=all (and MREMAP_COMPAT_STRATEGY=race-free for the
 * race-free rows). MREMAP_COMPAT_DEBUG passes through to the workers, so
 * MREMAP_COMPAT_DEBUG=1 MC_BENCH_SCALE=0.01 bench/bench shows the strategy
 * of every call on stderr.
 *
 *   du     case 1: DONTUNMAP on populated private anonymous memory, with
 *          the anchors (app fallback, memcpy, information floor, smaps)
 *   mv     cases 2 and 3: multi-VMA moves, single-VMA FIXED moves
 *   maps   case 4: the maps reader (mc_maps_walk, hidden: the bench links
 *          the static archive, where hidden symbols still link) against
 *          bare read()s of /proc/self/maps into 64 KiB
 *   pass   case 5: pass-through cost of the mremap symbol
 *   threads case 6: DONTUNMAP with another thread in the process
 *   gc     case 7: a garbage collector's heap into its reservation, with
 *          0-64 other threads (and again with MREMAP_COMPAT_STRATEGY=
 *          race-free for the copy column)
 *
 * Environment (for profiling and quick runs; make bench sets none):
 *   MC_BENCH_SCALE=F       repetitions times F (at least 3)
 *   MC_BENCH_SIDE=native|emulated   a worker runs one side only (cases 2-4)
 *   MC_BENCH_SO=PATH       the shared library for the preloaded rows
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "include/mremap_compat.h"
#include "shim/maps.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define PAGE 4096UL
#define KIB 1024UL
#define MIB (1024UL * KIB)
#define GIB (1024UL * MIB)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)
/* Far below anything mmap(NULL) hands out (top down, near the stack):
 * what is mapped here comes earlier in /proc/self/maps than every range
 * the bench moves. */
#define BELOW_BIG ((void *)(4 * GIB))   /* the 1 GiB populated mapping */
#define BELOW_MANY ((void *)(8 * GIB))  /* the 20,000 mappings */

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

/* What a row of case 1 measures besides the kernel and the library, in
 * ns (0: not measured); 'without' is the library's same call without the
 * 1 GiB populated below. */
struct anchors {
	uint64_t app, memcpy, floor, smaps, without;
	uint64_t copy; /* the GC case: the library's copy (race-free) */
};

/* A row. 'tag' names the target the driver checks the row against
 * ("t:..."), or "-". */
static void row_a(int cs, const char *name, uint64_t nat, uint64_t lib,
		  const struct anchors *a, int n, const char *tag, const char *note)
{
	static const struct anchors none;

	if (!a)
		a = &none;
	printf("ROW\t%d\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%d\t%s\t%s\n", cs,
	       name, (unsigned long long)nat, (unsigned long long)lib, (unsigned long long)a->app,
	       (unsigned long long)a->memcpy, (unsigned long long)a->floor,
	       (unsigned long long)a->smaps, (unsigned long long)a->without,
	       (unsigned long long)a->copy, n, tag, note ? note : "");
	fflush(stdout);
}

static void row(int cs, const char *name, uint64_t nat, uint64_t lib, int n,
		const char *tag, const char *note)
{
	row_a(cs, name, nat, lib, NULL, n, tag, note);
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

static unsigned long align_up(unsigned long x, unsigned long a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Reads the file with read()s of 'chunk' bytes until EOF, or until at
 * least 'limit' bytes have come. */
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

/* Exactly the first 'limit' bytes of the file (fewer at EOF): no read()
 * asks for more than is left, so the kernel formats no record past the
 * one that ends at 'limit' beyond what seq_file keeps buffered. */
static size_t bare_read_upto(const char *path, size_t limit)
{
	static char buf[65536];
	size_t total = 0, want;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	for (; total < limit; total += (size_t)n) {
		want = limit - total < sizeof(buf) ? limit - total : sizeof(buf);
		n = read(fd, buf, want);
		if (n <= 0)
			break;
	}
	close(fd);
	return total;
}

/* The whole file, into memory. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *b = malloc(cap);
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b) {
		if (fd >= 0)
			close(fd);
		free(b);
		return NULL;
	}
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

/* The byte offset of the end of addr's line in /proc/self/maps, or of the
 * end of its record (its VmFlags line) in /proc/self/smaps; 0 if no VMA
 * holds addr. Untimed: the anchors then read exactly that much. */
static size_t record_end(bool smaps, const void *addr)
{
	size_t len, at, off = 0;
	char *text = slurp(smaps ? "/proc/self/smaps" : "/proc/self/maps", &len), *e;
	unsigned long a = (unsigned long)addr, start, end;

	if (!text)
		return 0;
	for (at = 0; at < len && !off; at = e ? (size_t)(e - text) + 1 : len) {
		char *p = text + at;

		e = memchr(p, '\n', len - at);
		start = strtoul(p, &p, 16);
		if (*p != '-')
			continue;
		end = strtoul(p + 1, NULL, 16);
		if (a < start || a >= end)
			continue;
		if (smaps) {
			e = memmem(text + at, len - at, "\nVmFlags:", 9);
			if (e)
				e = memchr(e + 1, '\n', len - (size_t)(e + 1 - text));
		}
		off = e ? (size_t)(e - text) + 1 : 0;
	}
	free(text);
	return off;
}

/* ---- case 1: DONTUNMAP on populated private anonymous memory -------- */

/* Where the moved range sits. Both shapes are mapped inside a PROT_NONE
 * reservation of their own, a PROT_NONE page at least on each side, so
 * that nothing merges with them; from 2 MiB on the range is 2 MiB-aligned.
 *   INSIDE  len + 2 pages mapped, the middle len moved: the VMA goes on on
 *           the left of the range (move+regrow; copy (race-free) with
 *           MREMAP_COMPAT_STRATEGY=race-free or other threads)
 *   WHOLE   len mapped alone: the range is its whole VMA (move+refill) */
enum shape { SHAPE_INSIDE, SHAPE_WHOLE };

struct site {
	char *res, *vma, *old;
	size_t res_len, vma_len, len;
};

static bool site_make(struct site *s, enum shape shape, size_t len)
{
	size_t align = len >= 2 * MIB ? 2 * MIB : PAGE;

	s->len = len;
	s->vma_len = shape == SHAPE_INSIDE ? len + 2 * PAGE : len;
	s->res_len = s->vma_len + 2 * PAGE + align;
	s->res = mmap(NULL, s->res_len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (s->res == MAP_FAILED)
		return false;
	s->old = (char *)align_up((unsigned long)s->res + 2 * PAGE, align);
	s->vma = shape == SHAPE_INSIDE ? s->old - PAGE : s->old;
	if (mmap(s->vma, s->vma_len, RW, ANON | MAP_FIXED | MAP_POPULATE, -1, 0) == MAP_FAILED) {
		munmap(s->res, s->res_len);
		return false;
	}
	return true;
}

static void site_free(struct site *s)
{
	munmap(s->res, s->res_len);
}

/* The methods of a case 1 row, each timed on a fresh site. */
enum { D_NATIVE, D_LIB, D_APP, D_MEMCPY, D_FLOOR, D_SMAPS, D_COUNT };
#define D_ALL ((1u << D_COUNT) - 1)
#define D_BIT(m) (1u << (m))

static const char *const d_what[D_COUNT] = {
	"mremap", "mremap_compat", "app fallback", "mmap+memcpy", "information floor", "smaps read",
};

/* (a) What an application does itself on an old kernel: reserve a
 * destination, move the range there, map fresh memory over the old range.
 * The reservation is timed: the kernel and the library find a destination
 * inside their call too. */
static char *app_fallback(char *old, size_t len)
{
	char *d = mmap(NULL, len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);

	if (d == MAP_FAILED)
		return d;
	if ((char *)raw_mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, d) != d ||
	    mmap(old, len, RW, ANON | MAP_FIXED, -1, 0) != old) {
		munmap(d, len);
		return MAP_FAILED;
	}
	return d;
}

static int uffd_continue_errno = -1; /* what UFFDIO_CONTINUE answered */

/* (c) What the library cannot do without on the zero-copy path: the maps
 * file up to and including the range's line (maps_off bytes), the thread's
 * status, a userfaultfd of its own asked about the range's first page,
 * and an mprotect of the VMA to its own protection. */
static bool info_floor(const struct site *s, size_t maps_off)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0, .ioctls = 0 };
	struct uffdio_continue cont = {
		.range = { .start = (unsigned long)s->old, .len = PAGE }, .mode = 0, .mapped = 0,
	};
	bool ok = bare_read_upto("/proc/self/maps", maps_off) == maps_off;
	long fd;

	ok = bare_read("/proc/thread-self/status", SIZE_MAX) > 0 && ok;
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd >= 0) {
		ok = !ioctl((int)fd, UFFDIO_API, &api) && ok;
		uffd_continue_errno = ioctl((int)fd, UFFDIO_CONTINUE, &cont) ? errno : 0;
		close((int)fd);
	} else {
		ok = false;
	}
	return !mprotect(s->vma, s->vma_len, RW) && ok;
}

/* One timed method on s: 0 if it failed. Only the call (or the anchor's
 * calls) is timed; the offsets the reads stop at are found beforehand. */
static uint64_t du_time(int m, struct site *s)
{
	size_t len = s->len, off = 0;
	char *b = s->old;
	bool ok = true;
	uint64_t t0, t1;

	if (m == D_FLOOR || m == D_SMAPS) {
		off = record_end(m == D_SMAPS, s->old);
		if (!off)
			return 0;
	}
	t0 = now_ns();
	switch (m) {
	case D_NATIVE:
		b = (char *)raw_mremap(s->old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		break;
	case D_LIB:
		b = mremap_compat(s->old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		break;
	case D_APP:
		b = app_fallback(s->old, len);
		break;
	case D_MEMCPY: /* (b) the least any copy pays: the faults of fresh memory and the copy */
		b = mmap(NULL, len, RW, ANON, -1, 0);
		if (b != MAP_FAILED)
			memcpy(b, s->old, len);
		break;
	case D_FLOOR:
		ok = info_floor(s, off);
		break;
	case D_SMAPS: /* (d) what reading smaps to the range costs by itself */
		ok = bare_read_upto("/proc/self/smaps", off) == off;
		break;
	}
	t1 = now_ns();
	if (b == MAP_FAILED || !ok)
		return 0;
	if (b != s->old)
		munmap(b, len);
	return t1 > t0 ? t1 - t0 : 1;
}

struct du_samples {
	uint64_t *t[D_COUNT];
	int cnt[D_COUNT];
	int maps; /* lines of /proc/self/maps with a site mapped */
};

static void samples_init(struct du_samples *sm, int n)
{
	int m;

	for (m = 0; m < D_COUNT; m++) {
		sm->t[m] = calloc((size_t)n, sizeof(uint64_t));
		sm->cnt[m] = 0;
	}
	sm->maps = 0;
}

static void samples_free(struct du_samples *sm)
{
	int m;

	for (m = 0; m < D_COUNT; m++)
		free(sm->t[m]);
}

static uint64_t sample_median(struct du_samples *sm, int m)
{
	return median(sm->t[m], sm->cnt[m]);
}

/* n rounds of every method in 'mask', each on a fresh site of the shape,
 * the order turning each round. Returns the method that failed, or -1. */
static int du_phase(enum shape shape, size_t len, int n, unsigned mask, struct du_samples *sm)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < D_COUNT; j++) {
			int m = (i + j) % D_COUNT;
			struct site s;
			uint64_t t;

			if (!(mask & D_BIT(m)))
				continue;
			if (!site_make(&s, shape, len))
				return D_COUNT;
			if (!sm->maps)
				sm->maps = count_maps();
			t = du_time(m, &s);
			site_free(&s);
			if (!t)
				return m;
			sm->t[m][sm->cnt[m]++] = t;
		}
	}
	return -1;
}

static void du_fail(int cs, const char *name, int m)
{
	fail_row(cs, name, m < D_COUNT ? d_what[m] : "mmap of the site");
}

static void du_emit(int cs, const char *name, struct du_samples *sm, uint64_t without, int n,
		    const char *tag, const char *extra)
{
	struct anchors a = {
		sample_median(sm, D_APP), sample_median(sm, D_MEMCPY),
		sample_median(sm, D_FLOOR), sample_median(sm, D_SMAPS), without, 0,
	};
	uint64_t nat = sample_median(sm, D_NATIVE), lib = sample_median(sm, D_LIB);
	char note[400];

	snprintf(note, sizeof(note), "%d mappings in the process%s%s%s", sm->maps, extra,
		 sm->cnt[D_FLOOR] && uffd_continue_errno != ENOENT ?
		 "; the floor's UFFDIO_CONTINUE did not answer ENOENT: " : "",
		 sm->cnt[D_FLOOR] && uffd_continue_errno != ENOENT ?
		 strerror(uffd_continue_errno) : "");
	/* Few repetitions: the spread too (median() has sorted the samples). */
	if (n <= 21 && sm->cnt[D_NATIVE] && sm->cnt[D_LIB])
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "; spread (min-max): native %llu-%llu ns, library %llu-%llu ns",
			 (unsigned long long)sm->t[D_NATIVE][0],
			 (unsigned long long)sm->t[D_NATIVE][sm->cnt[D_NATIVE] - 1],
			 (unsigned long long)sm->t[D_LIB][0],
			 (unsigned long long)sm->t[D_LIB][sm->cnt[D_LIB] - 1]);
	row_a(cs, name, nat, lib, &a, n, tag, note);
}

/* One row: every method, n rounds. */
static void du_row(const char *name, enum shape shape, size_t len, int n, const char *tag,
		   const char *extra)
{
	struct du_samples sm;
	int bad;

	if (!wanted(name))
		return;
	samples_init(&sm, n);
	bad = du_phase(shape, len, n, D_ALL, &sm);
	if (bad >= 0)
		du_fail(1, name, bad);
	else
		du_emit(1, name, &sm, 0, n, tag, extra);
	samples_free(&sm);
}

/* 1 GiB populated at BELOW_BIG (on) or nothing there (off). */
static bool big_below(bool on)
{
	void *p;

	if (!on)
		return !munmap(BELOW_BIG, GIB);
	p = mmap(BELOW_BIG, GIB, RW, ANON | MAP_POPULATE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != MAP_FAILED && p != BELOW_BIG) { /* before 4.17: a hint */
		munmap(p, GIB);
		errno = EEXIST;
	}
	return p == BELOW_BIG;
}

/* One row with 1 GiB populated at a lower address. The kernel, the
 * library and the floor are measured with it and without it in blocks
 * (with, without, with: mapping and populating 1 GiB each round would
 * swamp the run), the same methods in every block; the other anchors
 * after, in a block of their own with it: the smaps read walks the 1 GiB's
 * page tables, and next to the compared columns it would cool their
 * caches in the blocks with it only. */
static void du_below_row(const char *name, enum shape shape, int n, const char *tag)
{
	const unsigned compared = D_BIT(D_NATIVE) | D_BIT(D_LIB) | D_BIT(D_FLOOR);
	const unsigned others = D_ALL & ~compared;
	struct du_samples with, wo;
	char extra[200];
	int bad = -1;

	if (!wanted(name))
		return;
	samples_init(&with, n);
	samples_init(&wo, n);
	if (!big_below(true)) {
		fail_row(1, name, "mmap of the 1 GiB below");
		goto out;
	}
	bad = du_phase(shape, 4 * KIB, n / 2, compared, &with);
	big_below(false);
	if (bad < 0)
		bad = du_phase(shape, 4 * KIB, n, compared, &wo);
	if (bad < 0 && !big_below(true)) {
		fail_row(1, name, "mmap of the 1 GiB below");
		goto out;
	}
	if (bad < 0)
		bad = du_phase(shape, 4 * KIB, n - n / 2, compared, &with);
	if (bad < 0)
		bad = du_phase(shape, 4 * KIB, n / 2, others, &with);
	big_below(false);
	snprintf(extra, sizeof(extra), ", 1 GiB populated at a lower address; without it: "
		 "native %llu ns, floor %llu ns", (unsigned long long)sample_median(&wo, D_NATIVE),
		 (unsigned long long)sample_median(&wo, D_FLOOR));
	if (bad >= 0)
		du_fail(1, name, bad);
	else
		du_emit(1, name, &with, sample_median(&wo, D_LIB), n, tag, extra);
out:
	samples_free(&with);
	samples_free(&wo);
}

/* 'count' mappings in the process, all at BELOW_MANY: single pages,
 * PROT_READ and PROT_NONE in turn, which cannot merge. Returns the area
 * (its length in *len), or MAP_FAILED. */
static void *many_below(int count, size_t *len)
{
	int need = count - count_maps(), j;
	char *r;

	if (need < 1)
		need = 1;
	*len = (size_t)need * PAGE;
	r = mmap(BELOW_MANY, *len, PROT_NONE, ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (r != MAP_FAILED && r != BELOW_MANY) {
		munmap(r, *len);
		errno = EEXIST;
		return MAP_FAILED;
	}
	for (j = 1; r != MAP_FAILED && j < need; j += 2)
		mprotect(r + (size_t)j * PAGE, PAGE, PROT_READ);
	return r;
}

static const struct {
	size_t len;
	int reps; /* from 1 GiB on, not scaled */
	const char *name;
	const char *tag_inside, *tag_whole;
} du_sizes[] = {
	{ 4 * KIB, 1001, "4 KiB", "t:du4k", "-" },
	{ 2 * MIB, 201, "2 MiB", "-", "-" },
	{ 64 * MIB, 21, "64 MiB", "t:du64", "i:du64" },
	{ 1 * GIB, 5, "1 GiB", "t:du1g", "i:du1g" },
};

static int du_reps(size_t k)
{
	return du_sizes[k].len >= GIB ? du_sizes[k].reps : reps(du_sizes[k].reps);
}

static void case_dontunmap(void)
{
	const char *s = getenv("MREMAP_COMPAT_STRATEGY");
	bool race_free = s && !strcmp(s, "race-free");
	const char *inside = race_free ? "copy (race-free), inside a VMA" :
					 "inside a VMA (move+regrow)";
	const char *whole = "whole VMA (move+refill)";
	char name[120], name2[120];
	size_t k, many_len;
	void *many;

	for (k = 0; k < sizeof(du_sizes) / sizeof(du_sizes[0]); k++) {
		snprintf(name, sizeof(name), "DONTUNMAP %s, %s", du_sizes[k].name, inside);
		du_row(name, SHAPE_INSIDE, du_sizes[k].len, du_reps(k),
		       race_free ? "-" : du_sizes[k].tag_inside, "");
		if (race_free)
			continue;
		snprintf(name, sizeof(name), "DONTUNMAP %s, %s", du_sizes[k].name, whole);
		du_row(name, SHAPE_WHOLE, du_sizes[k].len, du_reps(k), du_sizes[k].tag_whole, "");
	}
	/* The smaps walk reads every VMA below the range, page tables and
	 * all: the same 4 KiB calls with 1 GiB populated at a lower address. */
	snprintf(name, sizeof(name), "DONTUNMAP 4 KiB, %s, 1 GiB populated below", inside);
	du_below_row(name, SHAPE_INSIDE, reps(201), "t:below");
	if (!race_free) {
		snprintf(name, sizeof(name), "DONTUNMAP 4 KiB, %s, 1 GiB populated below", whole);
		du_below_row(name, SHAPE_WHOLE, reps(201), "t:below");
	}
	/* Readers pass every line (maps) or record (smaps) below the range. */
	snprintf(name, sizeof(name), "DONTUNMAP 4 KiB, %s, 20000 mappings below", inside);
	snprintf(name2, sizeof(name2), "DONTUNMAP 4 KiB, %s, 20000 mappings below", whole);
	if (race_free || (!wanted(name) && !wanted(name2)))
		return;
	many = many_below(20000, &many_len);
	if (many == MAP_FAILED) {
		fail_row(1, name, "mmap of the mappings below");
		return;
	}
	du_row(name, SHAPE_INSIDE, 4 * KIB, reps(51), "-",
	       ", single-page VMAs at a lower address, r-- and --- in turn");
	du_row(name2, SHAPE_WHOLE, 4 * KIB, reps(51), "-",
	       ", single-page VMAs at a lower address, r-- and --- in turn");
	munmap(many, many_len);
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

/* 4 * n moves of len bytes between A and B, starting (and so ending) at
 * A; the methods go native, library, library, native... so that each
 * side moves as often A->B as B->A. Samples are appended to nat and lib.
 * Returns false (errno set) on a failed move. */
static bool move_loop(unsigned long A, unsigned long B, size_t len, int n,
		      uint64_t *nat, int *nn, uint64_t *lib, int *nl, const char **who)
{
	int i;

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
			*who = side ? "mremap_compat" : "mremap";
			return false;
		}
		if (side)
			lib[(*nl)++] = t1 - t0;
		else
			nat[(*nn)++] = t1 - t0;
	}
	return true;
}

/* K VMAs of vma_len bytes each (alternately rw- and r--, populated), moved
 * back and forth between A and B, with PROT_NONE guard pages around both
 * so that nothing merges. With 'below', 1 GiB populated at a lower address
 * for two blocks of n/2 rounds, and between them a block of n rounds
 * without it, whose library median is the row's 'without'. */
static void move_bench(int cs, const char *name, int k, size_t vma_len, size_t align,
		       int n, const char *tag, bool below)
{
	size_t len = (size_t)k * vma_len, span = 2 * len + 2 * align + 4 * PAGE;
	uint64_t *nat = calloc((size_t)n * 2, sizeof(uint64_t));
	uint64_t *lib = calloc((size_t)n * 2, sizeof(uint64_t));
	uint64_t *nat_wo = calloc((size_t)n * 2, sizeof(uint64_t));
	uint64_t *lib_wo = calloc((size_t)n * 2, sizeof(uint64_t));
	unsigned long base, A, B;
	struct count_arg c;
	struct anchors a = { 0, 0, 0, 0, 0, 0 };
	const char *who = "mremap";
	char note[256];
	int i, nn = 0, nl = 0, nn_wo = 0, nl_wo = 0, maps;
	bool ok;

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
	if (!below) {
		maps = count_maps();
		ok = move_loop(A, B, len, n, nat, &nn, lib, &nl, &who);
	} else if (!big_below(true)) {
		fail_row(cs, name, "mmap of the 1 GiB below");
		goto unmap;
	} else {
		maps = count_maps();
		ok = move_loop(A, B, len, n / 2, nat, &nn, lib, &nl, &who);
		big_below(false);
		ok = ok && move_loop(A, B, len, n, nat_wo, &nn_wo, lib_wo, &nl_wo, &who);
		if (ok && !big_below(true)) {
			fail_row(cs, name, "mmap of the 1 GiB below");
			goto unmap;
		}
		ok = ok && move_loop(A, B, len, n - n / 2, nat, &nn, lib, &nl, &who);
		big_below(false);
		a.without = median(lib_wo, nl_wo);
	}
	if (!ok) {
		fail_row(cs, name, who);
		goto unmap;
	}
	snprintf(note, sizeof(note), "%d VMAs in the range, %d mappings in the process", c.n, maps);
	if (below)
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 ", 1 GiB populated at a lower address; without it: native %llu ns",
			 (unsigned long long)median(nat_wo, nn_wo));
	row_a(cs, name, median(nat, nn), median(lib, nl), &a, 2 * n, tag, note);
unmap:
	munmap((void *)base, span);
out:
	free(nat);
	free(lib);
	free(nat_wo);
	free(lib_wo);
}

static void case_moves(void)
{
	static const struct { int k, reps; const char *tag; } ks[] = {
		{ 2, 1001, "t:k2" }, { 16, 501, "-" }, { 256, 101, "-" }, { 4096, 15, "t:k4096" },
	};
	char name[80];
	size_t i;

	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		snprintf(name, sizeof(name), "multi-VMA move, K=%d (4 KiB each)", ks[i].k);
		move_bench(2, name, ks[i].k, PAGE, PAGE, reps(ks[i].reps), ks[i].tag, false);
	}
	move_bench(2, "multi-VMA move, K=2 (4 KiB each), 1 GiB populated below", 2, PAGE, PAGE,
		   reps(501), "t:below", true);
	move_bench(3, "single-VMA FIXED move, 4 KiB", 1, 4 * KIB, PAGE, reps(2001), "-", false);
	move_bench(3, "single-VMA FIXED move, 2 MiB (2 MiB-aligned)", 1, 2 * MIB, 2 * MIB,
		   reps(501), "-", false);
}

/* ---- case 4: the maps reader ------------------------------------------ */


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
	    n, "-", note);
	snprintf(name, sizeof(name), "maps reader, to a range 1%% in, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_START], cnt[M_BARE_START]),
	    median(t[M_LIB_START], cnt[M_LIB_START]), n, "-",
	    "native: bare read() to the same line");
	snprintf(name, sizeof(name), "maps reader, to a range 99%% in, %d mappings", target_maps);
	row(4, name, median(t[M_BARE_END], cnt[M_BARE_END]), median(t[M_LIB_END], cnt[M_LIB_END]),
	    n, "-", "native: bare read() to the same line");
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
		row(5, name, sc, median(t[P_LINKED], cnt[P_LINKED]), n, "t:pass",
		    "native: syscall(SYS_mremap); per call");
		if (so_fn) {
			snprintf(name, sizeof(name), "pass-through grow+shrink, %s: preloaded libmremap-compat.so mremap()", fname);
			row(5, name, sc, median(t[P_SO], cnt[P_SO]), n, "t:pass",
			    "native: syscall(SYS_mremap); per call; .so -> libc mremap -> kernel");
		}
		if (libc_fn && so_fn) {
			snprintf(name, sizeof(name), "pass-through grow+shrink, %s: preloaded .so vs libc mremap()", fname);
			row(5, name, median(t[P_LIBC], cnt[P_LIBC]), median(t[P_SO], cnt[P_SO]), n,
			    "t:pass", "native: glibc mremap() itself; per call");
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


static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* ---- case 6: DONTUNMAP with another thread in the process --------------
 *
 * The default strategy with one more, idle, thread: zero copy is not
 * safe there, the library copies (race-free). Kernel against library
 * only; section 1's copy (race-free) rows carry the anchors of a copy. */

static void case_threads(void)
{
	static const struct { size_t len; int reps; const char *name; } sizes[] = {
		{ 4 * KIB, 501, "4 KiB" }, { 2 * MIB, 101, "2 MiB" },
		{ 64 * MIB, 11, "64 MiB" }, { 1 * GIB, 3, "1 GiB" },
	};
	struct du_samples sm;
	pthread_t t;
	size_t k;
	char name[120];

	pthread_create(&t, NULL, idle_thread, NULL);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int n = sizes[k].len >= GIB ? sizes[k].reps : reps(sizes[k].reps), bad;

		snprintf(name, sizeof(name),
			 "DONTUNMAP %s, inside a VMA, another thread (copy (other threads: race-free))",
			 sizes[k].name);
		if (!wanted(name))
			continue;
		samples_init(&sm, n);
		bad = du_phase(SHAPE_INSIDE, sizes[k].len, n, D_BIT(D_NATIVE) | D_BIT(D_LIB), &sm);
		if (bad >= 0)
			du_fail(6, name, bad);
		else
			du_emit(6, name, &sm, 0, n, "-", ", one of them idle in pause()");
		samples_free(&sm);
	}
}

/* ---- case 7: a garbage collector's heap moved into its reservation ------
 *
 * The call of a moving collector on an old kernel: the whole heap, one
 * private anonymous VMA (2 MiB-aligned, committed inside a PROT_NONE
 * reservation of its own), mremap(heap, len, len, MAYMOVE|FIXED|DONTUNMAP,
 * to) into another PROT_NONE reservation. With 0, 4, 16 and 64 other
 * threads, idle (blocked in pause()) or busy (each storing into a
 * buffer of its own, never into the heap).
 *
 * The heap is populated once per row and moved back (untimed) after each
 * method: a collector's two spaces. Methods, interleaved in one worker:
 *   native        the raw system call
 *   library       mremap_compat(), the default strategy
 *   app fallback  what the application does itself on an old kernel:
 *                 mremap(MAYMOVE|FIXED) to the reservation, then mmap of
 *                 fresh memory over the old range (racy: another thread
 *                 may map there in between, or store into the old range)
 *   memcpy        mmap of fresh memory and a memcpy of the heap into it
 *   smaps-read    read() of /proc/self/smaps up to the heap's record: what
 *                 a walk of the heap's page tables costs by itself (the
 *                 information floor where no sliver can be used)
 * and in a second worker (MREMAP_COMPAT_STRATEGY=race-free, read once at
 * start), the library's copy, merged into the same row. */

enum { G_NATIVE, G_LIB, G_APP, G_MEMCPY, G_SMAPS, G_COUNT };

static const char *const g_what[G_COUNT] = {
	"mremap", "mremap_compat", "app fallback", "mmap+memcpy", "smaps read",
};

struct gc_heap {
	char *area, *heap, *to;
	size_t area_len, len;
};

static void *aligned_none(size_t len, size_t align, size_t *got)
{
	char *p = mmap(NULL, len + align, PROT_NONE, ANON | MAP_NORESERVE, -1, 0), *a;

	if (p == MAP_FAILED)
		return p;
	a = (char *)align_up((unsigned long)p, align);
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + len, (size_t)(p + len + align - (a + len)));
	*got = len;
	return a;
}

/* The heap's area: 2 MiB of reservation, the heap, 2 MiB of reservation. */
static bool gc_make(struct gc_heap *g, size_t len)
{
	size_t n;

	g->len = len;
	g->area_len = len + 4 * MIB;
	g->area = aligned_none(g->area_len, 2 * MIB, &n);
	if (g->area == MAP_FAILED)
		return false;
	g->heap = g->area + 2 * MIB;
	if (mmap(g->heap, len, RW, ANON | MAP_FIXED, -1, 0) == MAP_FAILED)
		return false;
	memset(g->heap, 1, len);
	g->to = aligned_none(len, 2 * MIB, &n);
	return g->to != MAP_FAILED;
}

static void gc_free(struct gc_heap *g)
{
	munmap(g->area, g->area_len);
	munmap(g->to, g->len);
}

/* The pages are at 'at' after a method: back into the heap's place, and a
 * fresh reservation to move to. */
static bool gc_restore(struct gc_heap *g, char *at)
{
	size_t n;

	if (at == g->heap)
		return true;
	munmap(g->heap, g->len);
	if ((char *)raw_mremap(at, g->len, g->len, MREMAP_MAYMOVE | MREMAP_FIXED, g->heap) !=
	    g->heap)
		return false;
	if (at == g->to)
		g->to = aligned_none(g->len, 2 * MIB, &n);
	else
		munmap(at, g->len);
	return g->to != MAP_FAILED;
}

static int gc_refused; /* the library's EINVALs in the current row */

/* One timed method; 0 if it failed, UINT64_MAX if the library refused
 * (EINVAL: as the old kernel answers, nothing changed). */
static uint64_t gc_time(int m, struct gc_heap *g)
{
	const int du = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;
	size_t len = g->len, off = 0;
	char *at = g->heap;
	uint64_t t0, t1;
	bool ok = true;

	if (m == G_SMAPS && !(off = record_end(true, g->heap)))
		return 0;
	t0 = now_ns();
	switch (m) {
	case G_NATIVE:
		at = (char *)raw_mremap(g->heap, len, len, du, g->to);
		break;
	case G_LIB:
		at = mremap_compat(g->heap, len, len, du, g->to);
		break;
	case G_APP:
		at = (char *)raw_mremap(g->heap, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, g->to);
		if (at == g->to && mmap(g->heap, len, RW, ANON | MAP_FIXED, -1, 0) == MAP_FAILED)
			ok = false;
		break;
	case G_MEMCPY:
		at = mmap(NULL, len, RW, ANON, -1, 0);
		if (at != MAP_FAILED)
			memcpy(at, g->heap, len);
		break;
	case G_SMAPS:
		ok = bare_read_upto("/proc/self/smaps", off) == off;
		break;
	}
	t1 = now_ns();
	if (m == G_LIB && at == MAP_FAILED && errno == EINVAL) {
		gc_refused++; /* other threads could not be parked in time */
		return UINT64_MAX;
	}
	if (at == MAP_FAILED || at == NULL || !ok)
		return 0;
	if (m == G_MEMCPY) {
		munmap(at, len);
		at = g->heap;
	}
	if (!gc_restore(g, at))
		return 0;
	return t1 > t0 ? t1 - t0 : 1;
}

/* ---- the other threads ---- */

static volatile int gc_stop;

static void *gc_busy_thread(void *arg)
{
	volatile unsigned long *buf = arg;
	unsigned long i = 0;

	for (; !gc_stop; i++)
		buf[i % (256 * KIB / sizeof(*buf))] = i;
	return NULL;
}

static void *gc_idle_thread(void *arg)
{
	(void)arg;
	while (!gc_stop)
		pause();
	return NULL;
}

static void gc_wake(int sig)
{
	(void)sig;
}

struct gc_threads {
	pthread_t t[64];
	void *buf[64];
	int n;
};

static bool gc_threads_start(struct gc_threads *ts, int n, bool busy)
{
	pthread_attr_t attr;
	int i;

	gc_stop = 0;
	ts->n = 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * KIB);
	for (i = 0; i < n; i++) {
		ts->buf[i] = busy ? mmap(NULL, 256 * KIB, RW, ANON, -1, 0) : NULL;
		if (ts->buf[i] == MAP_FAILED ||
		    pthread_create(&ts->t[i], &attr, busy ? gc_busy_thread : gc_idle_thread,
				   ts->buf[i]))
			break;
		ts->n++;
	}
	pthread_attr_destroy(&attr);
	return ts->n == n;
}

static void gc_threads_stop(struct gc_threads *ts)
{
	int i;

	gc_stop = 1;
	for (i = 0; i < ts->n; i++)
		pthread_kill(ts->t[i], SIGUSR1); /* out of pause() */
	for (i = 0; i < ts->n; i++) {
		pthread_join(ts->t[i], NULL);
		if (ts->buf[i])
			munmap(ts->buf[i], 256 * KIB);
	}
	ts->n = 0;
}

/* ---- the rows ---- */

static const struct {
	size_t len;
	int reps;
	const char *name;
	const char *tag3;  /* the 3x native target: 64 MiB and 1 GiB */
} gc_sizes[] = {
	{ 64 * MIB, 11, "64 MiB", "t:gc3" },
	{ 256 * MIB, 5, "256 MiB", "-" },
	{ 1 * GIB, 3, "1 GiB", "t:gc3" },
};

static const struct {
	int threads;
	bool busy;
} gc_configs[] = {
	{ 0, false }, { 4, false }, { 4, true }, { 16, false }, { 16, true },
	{ 64, false }, { 64, true },
};

/* Which methods a row measures: the copies not among 16 or 64 spinning
 * threads (on a few CPUs a copy is scheduled a small share of the time:
 * 9 s for memcpy of 64 MiB among 64, minutes at 1 GiB). */
static unsigned gc_methods(int threads, bool busy, bool race_free)
{
	unsigned m = race_free ? 1u << G_LIB : (1u << G_COUNT) - 1;

	if (busy && threads > 4)
		m &= race_free ? 0 : ~(1u << G_MEMCPY);
	return m;
}

static void gc_name(char *out, size_t n, size_t k, size_t c)
{
	if (!gc_configs[c].threads)
		snprintf(out, n, "GC heap %s, no other thread", gc_sizes[k].name);
	else
		snprintf(out, n, "GC heap %s, %d %s threads", gc_sizes[k].name,
			 gc_configs[c].threads, gc_configs[c].busy ? "busy" : "idle");
}

#define GC_ROW_BUDGET 20000000000ULL /* ns */

static void case_gc(void)
{
	const char *s = getenv("MREMAP_COMPAT_STRATEGY");
	bool race_free = s && !strcmp(s, "race-free");
	uint64_t alone_lib[sizeof(gc_sizes) / sizeof(gc_sizes[0])] = { 0 };
	struct sigaction sa = { .sa_handler = gc_wake };
	size_t k, c;
	char name[120], note[400];

	sigaction(SIGUSR1, &sa, NULL);
	for (c = 0; c < sizeof(gc_configs) / sizeof(gc_configs[0]); c++) {
		struct gc_threads ts;

		if (!gc_threads_start(&ts, gc_configs[c].threads, gc_configs[c].busy)) {
			gc_threads_stop(&ts);
			fail_row(race_free ? 70 : 7, "GC heap: threads", "pthread_create");
			return;
		}
		for (k = 0; k < sizeof(gc_sizes) / sizeof(gc_sizes[0]); k++) {
			int n = gc_sizes[k].len >= GIB ? gc_sizes[k].reps : reps(gc_sizes[k].reps);
			unsigned mask = gc_methods(gc_configs[c].threads, gc_configs[c].busy,
						   race_free);
			uint64_t *t[G_COUNT];
			int cnt[G_COUNT] = { 0 }, i, j, bad = -1, maps = 0;
			uint64_t t_row;
			struct gc_heap g;
			struct anchors a = { 0 };
			const char *tag;

			gc_name(name, sizeof(name), k, c);
			if (!wanted(name) || !mask)
				continue;
			if (!gc_make(&g, gc_sizes[k].len)) {
				fail_row(race_free ? 70 : 7, name, "mmap of the heap");
				continue;
			}
			maps = count_maps();
			gc_refused = 0;
			for (j = 0; j < G_COUNT; j++)
				t[j] = calloc((size_t)n, sizeof(uint64_t));
			t_row = now_ns();
			/* Rounds until n, or until the row has taken GC_ROW_BUDGET
			 * (a copy among spinning threads): at least one. */
			for (i = 0; i < n && bad < 0 && (!i || now_ns() - t_row < GC_ROW_BUDGET); i++)
				for (j = 0; j < G_COUNT && bad < 0; j++) {
					int m = (i + j) % G_COUNT;
					uint64_t x;

					if (!(mask & (1u << m)))
						continue;
					x = gc_time(m, &g);
					if (!x)
						bad = m;
					else if (x != UINT64_MAX)
						t[m][cnt[m]++] = x;
				}
			gc_free(&g);
			if (bad >= 0) {
				fail_row(race_free ? 70 : 7, name, g_what[bad]);
			} else if (race_free) {
				a.copy = median(t[G_LIB], cnt[G_LIB]);
				row_a(70, name, 0, 0, &a, cnt[G_LIB], "-", "");
			} else {
				uint64_t nat, lib;
				bool at3 = strcmp(gc_sizes[k].tag3, "-") != 0;

				snprintf(note, sizeof(note), "%d mappings in the process%s", maps,
					 mask & (1u << G_MEMCPY) ? "" :
					 "; no memcpy: it would take minutes among the spinning threads");
				nat = median(t[G_NATIVE], cnt[G_NATIVE]);
				lib = median(t[G_LIB], cnt[G_LIB]);
				if (n <= 21 && cnt[G_NATIVE] && cnt[G_LIB]) /* median() has sorted them */
					snprintf(note + strlen(note), sizeof(note) - strlen(note),
						 "; spread (min-max): native %llu-%llu ns, library %llu-%llu ns",
						 (unsigned long long)t[G_NATIVE][0],
						 (unsigned long long)t[G_NATIVE][cnt[G_NATIVE] - 1],
						 (unsigned long long)t[G_LIB][0],
						 (unsigned long long)t[G_LIB][cnt[G_LIB] - 1]);
				if (!gc_configs[c].threads)
					alone_lib[k] = lib;
				a.app = median(t[G_APP], cnt[G_APP]);
				a.memcpy = median(t[G_MEMCPY], cnt[G_MEMCPY]);
				a.smaps = median(t[G_SMAPS], cnt[G_SMAPS]);
				a.without = gc_configs[c].threads ? alone_lib[k] : 0;
				/* Targets: 4 threads against none; 3x native at 64 MiB
				 * and 1 GiB, without threads and with them apart. */
				tag = !at3 ? (gc_configs[c].threads == 4 ? "t:gc4" : "-") :
				      !gc_configs[c].threads ? "t:gc3" :
				      gc_configs[c].threads == 4 ? "t:gc4,t:gc3t" : "t:gc3t";
				if (i < n)
					snprintf(note + strlen(note), sizeof(note) - strlen(note),
						 "; %d rounds of %d: the row's 20 s were spent", i, n);
				if (gc_refused)
					snprintf(note + strlen(note), sizeof(note) - strlen(note),
						 "; the library refused %d of %d calls (EINVAL: threads not parked in time)",
						 gc_refused, i);
				row_a(7, name, nat, lib, &a, i, tag, note);
			}
			for (j = 0; j < G_COUNT; j++)
				free(t[j]);
		}
		gc_threads_stop(&ts);
	}
}

/* ---- the driver ----------------------------------------------------------- */

struct result {
	int cs;
	char name[160];
	uint64_t nat, lib;
	struct anchors a;
	int reps;
	char tag[32];
	char note[400];
};

#define MAX_RESULTS 160
static struct result results[MAX_RESULTS];
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

/* A row of the race-free GC worker (case 70): its library column is the
 * copy column of the same row of case 7, measured in the default worker
 * (the strategy is read once, at start: another worker measures it). */
static void merge_copy_row(void)
{
	struct result *r = &results[nresults - 1];
	int i;

	if (r->cs != 70)
		return;
	for (i = 0; i < nresults - 1; i++)
		if (results[i].cs == 7 && !strcmp(results[i].name, r->name)) {
			results[i].a.copy = r->a.copy;
			break;
		}
	nresults--;
}

/* One ROW line into results[]. */
static void parse_row(char *line)
{
	struct result *r = &results[nresults];
	char *save, *tok[15];
	int k = 0;

	line[strcspn(line, "\n")] = 0;
	if (strncmp(line, "ROW\t", 4) || nresults >= MAX_RESULTS)
		return;
	for (tok[k] = strtok_r(line, "\t", &save); tok[k] && k < 13;)
		tok[++k] = strtok_r(NULL, "\t", &save);
	if (k < 13)
		return;
	r->cs = atoi(tok[1]);
	snprintf(r->name, sizeof(r->name), "%s", tok[2]);
	r->nat = strtoull(tok[3], NULL, 10);
	r->lib = strtoull(tok[4], NULL, 10);
	r->a.app = strtoull(tok[5], NULL, 10);
	r->a.memcpy = strtoull(tok[6], NULL, 10);
	r->a.floor = strtoull(tok[7], NULL, 10);
	r->a.smaps = strtoull(tok[8], NULL, 10);
	r->a.without = strtoull(tok[9], NULL, 10);
	r->a.copy = strtoull(tok[10], NULL, 10);
	r->reps = atoi(tok[11]);
	snprintf(r->tag, sizeof(r->tag), "%s", tok[12]);
	snprintf(r->note, sizeof(r->note), "%s", tok[13] ? tok[13] : "");
	nresults++;
	merge_copy_row();
}

static void run_worker(const char *self, const char *group, const char *emulate,
		       const char *strategy, const char *flt)
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
		if (emulate)
			setenv("MREMAP_COMPAT_EMULATE", emulate, 1);
		if (strategy)
			setenv("MREMAP_COMPAT_STRATEGY", strategy, 1);
		execl(self, self, "--worker", group, flt, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		fputs(line, stderr); /* the raw output */
		parse_row(line);
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
	case 1: return "1. DONTUNMAP of populated private anonymous memory, hint NULL (native: raw syscall; library: mremap_compat, MREMAP_COMPAT_EMULATE=all)";
	case 2: return "2. Multi-VMA FIXED\\|MAYMOVE move, old_len == new_len (library: mremap_compat, EMULATE=all)";
	case 3: return "3. Single-VMA FIXED move with multi-VMA emulation enabled";
	case 4: return "4. Maps reader (library column: mc_maps_walk) vs bare read() of /proc/self/maps into 64 KiB (native column)";
	case 5: return "5. Pass-through: in-place grow/shrink (no move), cost per call";
	case 6: return "6. DONTUNMAP with another (idle) thread in the process, default strategy (populated private anonymous memory)";
	case 7: return "7. A garbage collector's heap: mremap(heap, len, len, MAYMOVE\\|FIXED\\|DONTUNMAP, reservation) of a whole populated VMA (library: mremap_compat, EMULATE=all)";
	}
	return "?";
}

static void case_intro(int cs)
{
	if (cs == 7) {
		printf("The heap is one private anonymous VMA, 2 MiB-aligned, committed inside a PROT_NONE "
		       "reservation of its own; the destination is another PROT_NONE reservation. It is "
		       "populated once per row and moved back, untimed, after each method (a collector's "
		       "two spaces). Other threads: *idle* blocked in pause(), *busy* each storing into a "
		       "256 KiB buffer of its own (never the heap). Columns, interleaved in one worker "
		       "unless said:\n\n"
		       "- library: the default strategy.\n"
		       "- library copy (race-free): MREMAP_COMPAT_STRATEGY=race-free, in a second worker "
		       "(the strategy is read once, at start), same rows.\n"
		       "- app fallback: mremap(MAYMOVE|FIXED) to the reservation, then mmap of fresh "
		       "memory over the old range: racy with other threads.\n"
		       "- memcpy: mmap of fresh memory and a memcpy of the heap into it.\n"
		       "- smaps-read: read() of /proc/self/smaps up to the heap's record: the walk of the "
		       "heap's page tables, the floor where the flags must come from smaps.\n"
		       "- library, no other thread: the library column of the row without threads, same "
		       "size (the 1.3x target).\n\n");
		return;
	}
	if (cs != 1)
		return;
	printf("Each row's columns are measured interleaved in one worker, each on a fresh, populated "
	       "range in the row's shape, only the call (or the anchor's calls) timed:\n\n"
	       "- shapes: *inside a VMA*: len + 2 pages mapped, the middle len moved; *whole VMA*: "
	       "len mapped alone with a PROT_NONE page on each side; both in a PROT_NONE reservation "
	       "of their own, 2 MiB-aligned from 2 MiB on. The strategy in each name is the one the "
	       "library's debug line names for that row (MREMAP_COMPAT_DEBUG=1).\n"
	       "- app fallback: what an application does itself on an old kernel: mmap a PROT_NONE "
	       "destination, mremap(old, len, len, MAYMOVE|FIXED, dest), mmap(old, len, rw, "
	       "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED) over the old range.\n"
	       "- memcpy: mmap a fresh destination of len and memcpy len bytes into it (what any "
	       "copy must at least pay).\n"
	       "- floor (the information floor of the zero-copy paths): read() of /proc/self/maps up "
	       "to and including the range's line, read() of /proc/thread-self/status, "
	       "userfaultfd(O_CLOEXEC|O_NONBLOCK|UFFD_USER_MODE_ONLY) + UFFDIO_API + one "
	       "UFFDIO_CONTINUE on the range's first page + close, mprotect of the VMA to its own "
	       "protection.\n"
	       "- smaps-read: read() of /proc/self/smaps up to and including the range's record.\n"
	       "- rows *1 GiB populated below*: 1 GiB populated at 4 GiB (earlier in the maps "
	       "files than the range). Native, library and floor are measured in blocks: with it, "
	       "without it, with it (the same three in every block); app fallback, memcpy and "
	       "smaps-read after, in a block of their own with it (the smaps read walks the 1 GiB's "
	       "page tables and would cool the caches of the blocks with it only). The notes give "
	       "the medians without it.\n"
	       "- every method runs right after its range was populated: from 64 MiB on, the "
	       "zeroing of len bytes has emptied the CPU caches, and every column (the floor too) "
	       "pays cold caches.\n\n");
}

/* ---- the targets ---------------------------------------------------------- */

enum { VS_NATIVE, VS_FLOOR, VS_WITHOUT };

static const struct target {
	const char *what, *tag;
	int vs;
	double limit;
	bool info; /* listed for information, not counted */
} targets[] = {
	{ "zero-copy DONTUNMAP 64 MiB, inside a VMA (move+regrow) <= 1.5x native", "t:du64", VS_NATIVE, 1.5, false },
	{ "zero-copy DONTUNMAP 1 GiB, inside a VMA (move+regrow) <= 1.2x native", "t:du1g", VS_NATIVE, 1.2, false },
	{ "DONTUNMAP 4 KiB, inside a VMA (move+regrow) <= 1.2x the information floor", "t:du4k", VS_FLOOR, 1.2, false },
	{ "any call with 1 GiB populated below <= 1.2x the same call without (worst row)", "t:below", VS_WITHOUT, 1.2, false },
	{ "multi-VMA move K=2 <= 3x native", "t:k2", VS_NATIVE, 3, false },
	{ "multi-VMA move K=4096 <= 1.3x native", "t:k4096", VS_NATIVE, 1.3, false },
	{ "pass-through <= 1.02x native (worst row)", "t:pass", VS_NATIVE, 1.02, false },
	{ "information: DONTUNMAP 64 MiB, whole VMA (move+refill, the flags from a sliver) against 1.5x native", "i:du64", VS_NATIVE, 1.5, true },
	{ "information: DONTUNMAP 1 GiB, whole VMA (move+refill, the flags from a sliver) against 1.2x native", "i:du1g", VS_NATIVE, 1.2, true },
	{ "GC heap, 4 threads (idle, busy) <= 1.3x the same call with no other thread (worst row)", "t:gc4", VS_WITHOUT, 1.3, false },
	{ "GC heap 64 MiB and 1 GiB, no other thread, <= 3x native (worst row)", "t:gc3", VS_NATIVE, 3, false },
	{ "GC heap 64 MiB and 1 GiB, 4 to 64 threads, <= 3x native (worst row)", "t:gc3t", VS_NATIVE, 3, false },
};

/* Is tag one of the comma-separated tags of a row? */
static bool has_tag(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	const char *p;

	for (p = tags; (p = strstr(p, tag)); p += n)
		if ((p == tags || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return true;
	return false;
}

static uint64_t versus(const struct result *r, int vs)
{
	return vs == VS_NATIVE ? r->nat : vs == VS_FLOOR ? r->a.floor : r->a.without;
}

static const char *vs_name(int vs)
{
	return vs == VS_NATIVE ? "native" : vs == VS_FLOOR ? "floor" : "without";
}

static void print_ratio(double x)
{
	printf("%.*fx", x < 10 ? 3 : 1, x);
}

/* The Targets table: each target's worst row (most targets have one). */
static void print_targets(void)
{
	size_t t;
	int i, met = 0, missed = 0;

	printf("## Targets\n\n| target | measured | verdict |\n|---|---|---|\n");
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		const struct target *tg = &targets[t];
		const struct result *worst = NULL;
		double wr = 0;
		int rows = 0;

		for (i = 0; i < nresults; i++) {
			const struct result *r = &results[i];
			double x;

			if (!has_tag(r->tag, tg->tag) || !r->lib || !versus(r, tg->vs))
				continue;
			rows++;
			x = (double)r->lib / (double)versus(r, tg->vs);
			if (!worst || x > wr) {
				worst = r;
				wr = x;
			}
		}
		printf("| %s | ", tg->what);
		if (!worst) {
			printf("not measured | - |\n");
			continue;
		}
		print_ratio(wr);
		printf(" (library %llu ns / %s %llu ns", (unsigned long long)worst->lib,
		       vs_name(tg->vs), (unsigned long long)versus(worst, tg->vs));
		if (rows > 1)
			printf("; worst of %d rows: %s", rows, worst->name);
		printf(") | %s%s", wr <= tg->limit ? "met" : "MISSED", tg->info ? " (information)" : "");
		if (wr > tg->limit) {
			printf(": ");
			print_ratio(wr / tg->limit);
			printf(" the limit");
		}
		printf(" |\n");
		if (tg->info)
			continue;
		if (wr <= tg->limit)
			met++;
		else
			missed++;
	}
	printf("\nTargets: %d met, %d missed (information lines not counted).\n", met, missed);
}

/* ---- the tables ----------------------------------------------------------- */

static bool has_anchors(int cs)
{
	int i;

	for (i = 0; i < nresults; i++)
		if (results[i].cs == cs && (results[i].a.app || results[i].a.memcpy ||
					    results[i].a.floor || results[i].a.smaps))
			return true;
	return false;
}

static void print_ns(uint64_t v)
{
	if (v)
		printf(" %llu |", (unsigned long long)v);
	else
		printf(" - |");
}

/* ", library/what R" into the notes, where 'what' was measured. */
static void note_ratio(const struct result *r, const char *what, uint64_t v)
{
	if (!v || !r->lib)
		return;
	printf("; library/%s ", what);
	print_ratio((double)r->lib / (double)v);
}

static void print_row(const struct result *r, bool anchors)
{
	printf("| %s |", r->name);
	print_ns(r->nat);
	print_ns(r->lib);
	if (r->nat && r->lib) {
		printf(" ");
		print_ratio((double)r->lib / (double)r->nat);
		printf(" |");
	} else {
		printf(" - |");
	}
	if (anchors) {
		print_ns(r->a.app);
		print_ns(r->a.memcpy);
		print_ns(r->a.floor);
		print_ns(r->a.smaps);
	}
	printf(" %d | %s", r->reps, r->note);
	note_ratio(r, "app", r->a.app);
	note_ratio(r, "memcpy", r->a.memcpy);
	note_ratio(r, "floor", r->a.floor);
	note_ratio(r, "smaps-read", r->a.smaps);
	if (r->a.without) {
		printf("; library without: %llu ns, with/without ", (unsigned long long)r->a.without);
		print_ratio((double)r->lib / (double)r->a.without);
	}
	printf(" |\n");
}

static void print_gc_row(const struct result *r)
{
	printf("| %s |", r->name);
	print_ns(r->nat);
	print_ns(r->lib);
	if (r->nat && r->lib) {
		printf(" ");
		print_ratio((double)r->lib / (double)r->nat);
		printf(" |");
	} else {
		printf(" - |");
	}
	print_ns(r->a.copy);
	print_ns(r->a.app);
	print_ns(r->a.memcpy);
	print_ns(r->a.smaps);
	print_ns(r->a.without);
	printf(" %d | %s", r->reps, r->note);
	note_ratio(r, "copy", r->a.copy);
	note_ratio(r, "app", r->a.app);
	note_ratio(r, "memcpy", r->a.memcpy);
	note_ratio(r, "smaps-read", r->a.smaps);
	note_ratio(r, "no-thread", r->a.without);
	printf(" |\n");
}

static void print_tables(void)
{
	int i, cs = 0;
	bool anchors = false;

	for (i = 0; i < nresults; i++) {
		const struct result *r = &results[i];

		if (r->cs == 7) {
			if (r->cs != cs) {
				cs = r->cs;
				printf("\n### %s\n\n", case_title(cs));
				case_intro(cs);
				printf("| case | native ns | library ns | library/native | library copy "
				       "(race-free) ns | app fallback ns | memcpy ns | smaps-read ns | "
				       "library, no other thread ns | reps | notes |\n");
				printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
			}
			print_gc_row(r);
			continue;
		}
		if (r->cs != cs) {
			cs = r->cs;
			anchors = has_anchors(cs);
			printf("\n### %s\n\n", case_title(cs));
			case_intro(cs);
			printf("| case | native ns | library ns | library/native |%s reps | notes |\n",
			       anchors ? " app fallback ns | memcpy ns | floor ns | smaps-read ns |" : "");
			printf("|---|---:|---:|---:|%s---:|---|\n",
			       anchors ? "---:|---:|---:|---:|" : "");
		}
		print_row(r, anchors);
	}
}

static int driver(const char *self, const char *flt)
{
	char cpu[512], thp[512], date[64], kver[512], load0[128], load1[128];
	struct utsname u;
	time_t now = time(NULL);
	uint64_t t0 = now_ns();

	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	uname(&u);
	snprintf(kver, sizeof(kver), "%s %s (%s)", u.sysname, u.release, u.version);
	read_first("/proc/cpuinfo", "model name", cpu, sizeof(cpu));
	read_first("/sys/kernel/mm/transparent_hugepage/enabled", NULL, thp, sizeof(thp));

	read_first("/proc/loadavg", NULL, load0, sizeof(load0));
	run_worker(self, "du", "all", NULL, flt);
	run_worker(self, "du", "all", "race-free", flt);
	run_worker(self, "mv", "all", NULL, flt);
	run_worker(self, "maps", NULL, NULL, flt);
	run_worker(self, "pass", NULL, NULL, flt);
	run_worker(self, "threads", "all", NULL, flt);
	run_worker(self, "gc", "all", NULL, flt);
	run_worker(self, "gc", "all", "race-free", flt);
	read_first("/proc/loadavg", NULL, load1, sizeof(load1));

	printf("# mremap-compat benchmarks: library against the kernel and against anchors\n\n");
	printf("Generated by `make bench` (bench/bench.c). One run; every number is a median, "
	       "and every column of a row was measured interleaved with the others in the same "
	       "worker process. No assertions.\n\n");
	printf("- Date: %s\n", date);
	printf("- Kernel: %s\n", kver);
	printf("- CPU: %s, %ld online CPUs (nothing pinned)\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
	printf("- Transparent huge pages: %s\n", thp);
	printf("- libmremap-compat %s, linked statically into the bench (the .so for the preloaded rows)\n",
	       mremap_compat_version());
	printf("- Wall time of the run: %.1f s; /proc/loadavg before: %s, after: %s\n",
	       (double)(now_ns() - t0) / 1e9, load0, load1);
	printf("- Noise: on a virtual machine whose host backs guest memory on first touch (and "
	       "takes freed memory back), what populates fresh memory varies from run to run: "
	       "mmap + memcpy of 1 GiB measured 0.8 s to 3.9 s in one session; a populate of 4 GiB "
	       "beforehand did not settle it. The 1 GiB columns that fault fresh memory (memcpy, "
	       "the copies) are the noisiest; the zero-copy columns fault nothing\n");
	if (flt)
		printf("- Only the rows whose names contain \"%s\" (--filter)\n", flt);
	printf("\n");
	print_targets();
	print_tables();
	return 0;
}

int main(int argc, char **argv)
{
	const char *s;

	if ((s = getenv("MC_BENCH_SCALE")))
		scale = atof(s) > 0 ? atof(s) : 1.0;
	if ((s = getenv("MC_BENCH_SIDE")))
		side_only = !strcmp(s, "native") ? 1 : !strcmp(s, "emulated") ? 2 : 0;
	if (argc == 3 && !strcmp(argv[1], "--filter"))
		return driver(self_path(), argv[2]);
	if (argc < 3 || strcmp(argv[1], "--worker"))
		return driver(self_path(), NULL);
	filter = argc > 3 ? argv[3] : NULL;
	if (!strcmp(argv[2], "du"))
		case_dontunmap();
	else if (!strcmp(argv[2], "mv"))
		case_moves();
	else if (!strcmp(argv[2], "maps"))
		case_maps();
	else if (!strcmp(argv[2], "pass"))
		case_pass(self_path());
	else if (!strcmp(argv[2], "threads"))
		case_threads();
	else if (!strcmp(argv[2], "gc"))
		case_gc();
	else
		return 2;
	return 0;
}
