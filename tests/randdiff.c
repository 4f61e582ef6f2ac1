/* randdiff - a differential random tester: the kernel against the emulation.
 *
 *   randdiff SEED [STEPS]                 run one sequence, print one line per step
 *   randdiff --compare SEED [STEPS]       run it natively and emulated, compare
 *   randdiff --batch FIRST COUNT STEPS    --compare for seeds FIRST..FIRST+COUNT-1
 *   randdiff --native-twice ...           (before --compare/--batch) native vs
 *                                         native: checks that the program is
 *                                         deterministic
 *   randdiff --lib PATH ...               the library to preload (default:
 *                                         $RANDDIFF_LIB, else ../.libs/ next
 *                                         to this program)
 *
 * One sequence: from the seed (splitmix64), a random series of mmap,
 * mprotect, munmap, madvise(MADV_DONTNEED), writes and mremap calls over an
 * arena of 64-256 pages. The arena is found with mmap(NULL) and unmapped
 * again, with 1 GiB of free address space kept above and below it so that
 * every address the kernel chooses itself (a MAYMOVE move, a DONTUNMAP hint
 * that is not free, the emulation's own reservations) lands outside it; two
 * small shared PROT_NONE guards keep in-place growth from leaving it. Every
 * mapping is placed with MAP_FIXED; every mremap() goes through the C
 * library's symbol, so that the preloaded library intercepts it; FIXED
 * destinations and hints are kept inside the arena (or are invalid).
 *
 * After each step one line: the step, the call with arena-relative
 * arguments, its result (arena-relative, "elsewhere[...]" -- the layout and
 * contents of the new range, which is then unmapped -- or -1 ERRNO), and the
 * arena's layout: each /proc/self/smaps entry inside it as a relative page
 * range, permissions, kind (anon, anon:NAME, shm<step it was created>, memfd,
 * file, other) with the file offset in pages, the VmFlags lo lf ac nr dc dd
 * wf hg nh mg gd um uw ui sl it has ("-" for none), and a hash of its contents read
 * through /proc/self/mem (which reads PROT_NONE pages too, and leaves the
 * layout alone; the read is the same in both runs).
 *
 * Nothing else is excluded from the comparison: absolute addresses (ASLR),
 * where a move outside the arena landed, and VmLck are simply not printed.
 *
 * The first divergence of a seed is classified: "VMA boundaries only" (the
 * known limitation: a mapping the library creates cannot carry an anonymous
 * VMA's page offset, so it may merge or split unlike the kernel's: the
 * pages' perms, kinds, offsets, VmFlags and contents must still agree),
 * "the charge limit" (exactly one flag, see kept_ac_only()) or real; see
 * boundary_only(). Exit status of --compare/--batch: 1 on a real
 * divergence or when nothing was emulated, 3 on boundary-only ones alone.
 *
 * Environment of a single run:
 *   RANDDIFF_PAGES=1        after each line's layout, " #pages" and one token
 *                           per mapped page, "{ page:perms:kind@offset:hash }"
 *                           per described range (elsewhere[] first, then the
 *                           arena); the line before " #pages" is unchanged
 *   RANDDIFF_PAGES_FROM=K   ... from step K on only
 *   RANDDIFF_TAMPER=K:flip  test-only: at step K change one byte of an arena
 *   RANDDIFF_TAMPER=K:split page, split a VMA (MADV_RANDOM: no compared flag),
 *   RANDDIFF_TAMPER=K:flag  or set a compared flag on one page (MADV_DONTFORK);
 *                           the driver passes it to the emulated side alone
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A deadlock guard for one sequence (milliseconds of work, seconds under
 * qemu's emulation on a loaded machine): its end says "timed out". */
#define SEQUENCE_GUARD 600

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define FILE_PAGES 64UL   /* size of the temp file and of the memfd */
#define GUARD_PAGES 16UL
#define SPACE (1UL << 30) /* free address space kept on each side */
#define MAXLINES 4096
#define PAGES_MARK "#pages" /* starts the per-page part of a line */

/* ---- the PRNG ----------------------------------------------------------- */

static uint64_t rng;

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	rng += 0x9e3779b97f4a7c15ULL;
	return mix64(rng);
}

static unsigned long rr(unsigned long n) /* 0 .. n-1 */
{
	return n ? (unsigned long)(rnd() % n) : 0;
}

/* ---- the process under test ---------------------------------------------- */

static unsigned long PS, arena, npages, arena_end;
static uint64_t seed;
static int step;
static int memfd = -1, filefd = -1, filerofd = -1, memfile = -1;
static unsigned long memfd_ino, file_ino;
static char file_path[256];

static struct { unsigned long ino; int step; } shm[4096];
static int nshm;

struct mline {
	unsigned long s, e, off, ino;
	char perms[5];
	char path[128];
	char flags[64]; /* the shown VmFlags, comma-separated, or "-" */
};

/* The VmFlags compared (smaps): anything the library must carry over or
 * must not add. */
static const char *const shown_flags[] = {
	"lo", "lf", "ac", "nr", "dc", "dd", "wf", "hg", "nh", "mg", "gd", "um", "uw", "ui", "sl",
};
static struct mline lines[MAXLINES];
static int nlines;
static char mapsbuf[1 << 20];
static unsigned char pagebuf[256 * 4096 + 4096];

static char out[1 << 16];
static size_t outn;

static void put(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + outn, sizeof(out) - outn, fmt, ap);
	va_end(ap);
	if (n > 0)
		outn += (size_t)n < sizeof(out) - outn ? (size_t)n : sizeof(out) - outn - 1;
}

/* The per-page description (RANDDIFF_PAGES) of the current step. */
static char pout[1 << 20];
static size_t poutn;
static bool pages_now;   /* on for this step */
static bool pages_on;    /* RANDDIFF_PAGES set */
static int pages_from;   /* RANDDIFF_PAGES_FROM: the first step described */

static void pput(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(pout + poutn, sizeof(pout) - poutn, fmt, ap);
	va_end(ap);
	if (n > 0)
		poutn += (size_t)n < sizeof(pout) - poutn ? (size_t)n : sizeof(pout) - poutn - 1;
}

static void die(const char *what)
{
	fprintf(stderr, "randdiff: %s: %s\n", what, strerror(errno));
	exit(2);
}

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENODEV: return "ENODEV";
	case EOVERFLOW: return "EOVERFLOW";
	default: return "E?";
	}
}

/* The shown flags of a "VmFlags: rd wr ..." line, into l->flags. */
static void keep_flags(struct mline *l, const char *vmflags)
{
	size_t i, n = 0;

	l->flags[0] = 0;
	for (i = 0; i < sizeof(shown_flags) / sizeof(shown_flags[0]); i++) {
		const char *p = vmflags;

		while ((p = strstr(p, shown_flags[i]))) {
			if (p[-1] == ' ' && (p[2] == ' ' || p[2] == 0))
				break;
			p += 2;
		}
		if (p)
			n += (size_t)snprintf(l->flags + n, sizeof(l->flags) - n, "%s%s",
					      n ? "," : "", shown_flags[i]);
	}
	if (!n)
		snprintf(l->flags, sizeof(l->flags), "-");
}

/* Reads the smaps entries that meet [lo, hi), clipped to it. */
static void read_maps(unsigned long lo, unsigned long hi)
{
	size_t n = 0;
	ssize_t got;
	char *p, *nl;
	struct mline *last = NULL;
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("/proc/self/smaps");
	while ((got = read(fd, mapsbuf + n, sizeof(mapsbuf) - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	mapsbuf[n] = 0;
	nlines = 0;
	for (p = mapsbuf; *p; p = nl + 1) {
		struct mline *l = &lines[nlines];
		unsigned long s, e, off, ino;
		unsigned int maj, min;
		char perms[5];
		int pos = 0;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (!strncmp(p, "VmFlags:", 8)) {
			if (last)
				keep_flags(last, p + 8);
			last = NULL;
			continue;
		}
		if (sscanf(p, "%lx-%lx %4s %lx %x:%x %lu %n", &s, &e, perms, &off, &maj, &min, &ino,
			   &pos) < 7)
			continue;
		last = NULL;
		if (e <= lo || s >= hi || nlines >= MAXLINES)
			continue;
		last = l;
		snprintf(l->flags, sizeof(l->flags), "?");
		l->s = s < lo ? lo : s;
		l->e = e > hi ? hi : e;
		l->off = off + (l->s - s);
		l->ino = ino;
		memcpy(l->perms, perms, 5);
		snprintf(l->path, sizeof(l->path), "%s", pos ? p + pos : "");
		nlines++;
	}
}

/* The kind of a maps line, with 'pg' (in pages) as its file offset. */
static void kind(const struct mline *l, unsigned long pg, char *buf, size_t len)
{
	int i;

	if (!l->ino && !l->path[0]) {
		snprintf(buf, len, "anon");
		return;
	}
	if (!l->ino && !strncmp(l->path, "[anon:", 6)) {
		snprintf(buf, len, "anon:%.*s", (int)strcspn(l->path + 6, "]"), l->path + 6);
		return;
	}
	if (l->ino == memfd_ino && !strncmp(l->path, "/memfd:", 7)) {
		snprintf(buf, len, "memfd@%lu", pg);
		return;
	}
	if (l->ino == file_ino && l->path[0] == '/' && strncmp(l->path, "/memfd:", 7) &&
	    strncmp(l->path, "/dev/zero", 9)) {
		snprintf(buf, len, "file@%lu", pg);
		return;
	}
	if (!strncmp(l->path, "/dev/zero", 9)) {
		for (i = nshm - 1; i >= 0; i--)
			if (shm[i].ino == l->ino) {
				snprintf(buf, len, "shm%d@%lu", shm[i].step, pg);
				return;
			}
		snprintf(buf, len, "shm?@%lu", pg);
		return;
	}
	snprintf(buf, len, "other(%s)@%lu", l->path, pg);
}

/* A hash of [s, e) read through /proc/self/mem; unreadable pages (beyond
 * the end of a file) count as a marker. */
static sigjmp_buf load_fault;

static void on_load_fault(int sig)
{
	(void)sig;
	siglongjmp(load_fault, 1);
}

#define PM_SWAPPED (1ULL << 62)
#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)

/* The file a private mapping of l maps (memfd or file), or -1. */
static int private_file_of(const struct mline *l)
{
	if (l->perms[3] != 'p' || !l->ino)
		return -1;
	if (l->ino == memfd_ino && !strncmp(l->path, "/memfd:", 7))
		return memfd;
	if (l->ino == file_ino && l->path[0] == '/')
		return filefd;
	return -1;
}

/* One page of an unreadable private file mapping, into buf, as /proc/self/mem
 * would read it, without reading it there (see read_pages()): a page of
 * its own (anonymous: written to, or from the kernel's COW) through
 * /proc/self/mem, which leaves it as it is; a page of the file (or none
 * yet: a fault would map the file's) from the file itself, -1 past its
 * end (where the fault is SIGBUS and /proc/self/mem answers EIO). */
static int read_private_file_page(const struct mline *l, int fd, unsigned long a,
				  unsigned char *buf)
{
	static int pagemap = -1;
	uint64_t e = 0;
	ssize_t n;

	if (pagemap < 0)
		pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0 || pread(pagemap, &e, 8, (off_t)(a / PS * 8)) != 8)
		return pread(memfile, buf, PS, (off_t)a) == (ssize_t)PS ? 0 : -1;
	if ((e & PM_SWAPPED) || ((e & PM_PRESENT) && !(e & PM_FILE)))
		return pread(memfile, buf, PS, (off_t)a) == (ssize_t)PS ? 0 : -1;
	n = pread(fd, buf, PS, (off_t)(l->off + (a - l->s)));
	if (n <= 0)
		return -1;
	memset(buf + n, 0, PS - (size_t)n);
	return 0;
}

/* Reads whole pages of [a, a+want) of l into pagebuf as a pread() of
 * /proc/self/mem does: the bytes before the first page that cannot be read,
 * or -1 (EIO) if that is the first. Not through /proc/self/mem where that
 * would change what it reads: Linux 5.4 (the stable backport of 5.8's
 * "gup: document and work around 'COW can break either way' issue", the
 * fix of CVE-2020-29374) breaks COW on every read through /proc/PID/mem of
 * a private mapping, so a private file page read there would stop
 * following its file, a state no other kernel and no mremap() gives it.
 * So a readable range is read with loads (SIGBUS past the end of a file,
 * SIGSEGV on a guard region: EIO); an unreadable private file mapping page
 * by page (read_private_file_page()); anything else through
 * /proc/self/mem (a shared mapping has no COW; an anonymous page is its
 * own either way). */
static ssize_t read_pages(const struct mline *l, unsigned long a, size_t want)
{
	struct sigaction sa, old_bus, old_segv;
	volatile size_t done = 0;
	int fd;

	if (l->perms[0] != 'r') {
		fd = private_file_of(l);
		if (fd < 0)
			return pread(memfile, pagebuf, want, (off_t)a);
		while (done < want && !read_private_file_page(l, fd, a + done, pagebuf + done))
			done += PS;
		if (!done) {
			errno = EIO;
			return -1;
		}
		return (ssize_t)done;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_load_fault;
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	if (!sigsetjmp(load_fault, 1))
		while (done < want) {
			memcpy(pagebuf + done, (const void *)(a + done), PS);
			done += PS;
		}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	if (!done) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)done;
}

static uint64_t hash_range(const struct mline *l, unsigned long s, unsigned long e)
{
	uint64_t h = 0x6a09e667f3bcc908ULL;
	unsigned long a = s;

	while (a < e) {
		size_t want = e - a, i;
		ssize_t got;

		if (want > sizeof(pagebuf) - 4096)
			want = sizeof(pagebuf) - 4096;
		got = read_pages(l, a, want);
		if (got <= 0) {
			h = mix64(h ^ 0xdeadULL ^ (uint64_t)(errno == EIO ? 1 : errno));
			a += PS;
			continue;
		}
		got &= ~(ssize_t)(PS - 1);
		if (!got) {
			a += PS;
			continue;
		}
		for (i = 0; i < (size_t)got; i += 8) {
			uint64_t w;

			memcpy(&w, pagebuf + i, 8);
			if (w)
				h = mix64(h ^ w ^ ((uint64_t)i << 32));
		}
		h = mix64(h + (uint64_t)got);
		a += (unsigned long)got;
	}
	return h;
}

/* The layout of [lo, hi), relative to base. With the per-page description
 * on for this step (RANDDIFF_PAGES), also one token per mapped page, into
 * pout: " { page:perms:kind@offset:hash64 ... }", the offset being the
 * page's own, the hash covering the page alone. */
static void describe(unsigned long lo, unsigned long hi, unsigned long base)
{
	char k[200];
	unsigned long a;
	int i;

	read_maps(lo, hi);
	for (i = 0; i < nlines; i++) {
		kind(&lines[i], lines[i].off / PS, k, sizeof(k));
		put(" %lx-%lx:%.4s:%s:%s:%04" PRIx64, (lines[i].s - base) / PS,
		    (lines[i].e - base) / PS, lines[i].perms, k, lines[i].flags,
		    hash_range(&lines[i], lines[i].s, lines[i].e) & 0xffff);
	}
	if (!pages_now)
		return;
	pput(" {");
	for (i = 0; i < nlines; i++)
		for (a = lines[i].s; a < lines[i].e; a += PS) {
			kind(&lines[i], (lines[i].off + (a - lines[i].s)) / PS, k, sizeof(k));
			pput(" %lx:%.4s:%s:%s:%016" PRIx64, (a - base) / PS, lines[i].perms, k,
			     lines[i].flags, hash_range(&lines[i], a, a + PS));
		}
	pput(" }");
}

static void rel(unsigned long a)
{
	if (a >= arena - GUARD_PAGES * PS && a <= arena_end + GUARD_PAGES * PS) {
		if (a >= arena)
			put("+%lx", (a - arena) / PS);
		else
			put("-%lx", (arena - a) / PS);
		if (a % PS)
			put(".%lx", a % PS);
	} else {
		put("abs:%lx", a);
	}
}

static void len(unsigned long l)
{
	if (l % PS == 0)
		put("%lxp", l / PS);
	else if (l > 0xffffffff00000000UL)
		put("%#lx", l);
	else
		put("%lxp-%lx", (l + PS - 1) / PS, PS - l % PS);
}

static void result_err(int e)
{
	put(" = -1 %s", ename(e));
}

/* Data derived from the seed, the step and the page, written through
 * /proc/self/mem: no SIGBUS beyond the end of a file, EIO instead. */
static int fill_page(unsigned long addr, uint64_t tag)
{
	uint64_t words[8];
	int i;

	for (i = 0; i < 8; i++)
		words[i] = mix64(seed ^ mix64(tag + (uint64_t)step * 0x10001ULL + (uint64_t)i) ^
				 ((addr - arena) / PS));
	return pwrite(memfile, words, sizeof(words), (off_t)addr) == (ssize_t)sizeof(words) ? 0 : -1;
}

static void fill_object(int fd, uint64_t tag)
{
	unsigned long p;

	for (p = 0; p < FILE_PAGES; p++) {
		uint64_t words[8];
		int i;

		for (i = 0; i < 8; i++)
			words[i] = mix64(seed ^ tag ^ (p << 8) ^ (uint64_t)i);
		if (pwrite(fd, words, sizeof(words), (off_t)(p * PS)) != (ssize_t)sizeof(words))
			die("fill");
	}
}

/* ---- choosing places ------------------------------------------------------ */

/* A page index in [0, npages]: mostly a VMA boundary of the current layout. */
static unsigned long pick_page(void)
{
	if (nlines && rr(4)) {
		const struct mline *l = &lines[rr((unsigned long)nlines)];
		unsigned long a = rr(3) ? l->s : l->e;

		if (rr(4) == 0 && l->e - l->s > PS)
			a = l->s + PS * (1 + rr((l->e - l->s) / PS - 1));
		return (a - arena) / PS;
	}
	return rr(npages + 1);
}

/* A range of whole pages inside the arena: [*p, *p + *n), *n >= 1. */
static void pick_range(unsigned long *p, unsigned long *n, unsigned long maxn)
{
	unsigned long s = pick_page(), e;

	if (s >= npages)
		s = npages - 1 - rr(4);
	switch (rr(4)) {
	case 0: /* up to a boundary: one or several whole VMAs */
		e = pick_page();
		if (e > s && e - s <= maxn)
			break;
		/* fall through */
	default:
		e = s + 1 + rr(rr(3) ? 8 : maxn);
		break;
	}
	if (e > npages)
		e = npages;
	if (e <= s)
		e = s + 1;
	*p = s;
	*n = e - s;
}

static int pick_prot(void)
{
	switch (rr(10)) {
	case 0: return PROT_NONE;
	case 1: case 2: return PROT_READ;
	default: return PROT_READ | PROT_WRITE;
	}
}

static const char *prot_name(int prot)
{
	return prot == PROT_NONE ? "---" : prot == PROT_READ ? "r--" : "rw-";
}

static void register_shm(unsigned long addr)
{
	int i;

	read_maps(addr, addr + PS);
	for (i = 0; i < nlines; i++)
		if (lines[i].s == addr && nshm < (int)(sizeof(shm) / sizeof(shm[0]))) {
			shm[nshm].ino = lines[i].ino;
			shm[nshm].step = step;
			nshm++;
		}
}

/* ---- the steps ----------------------------------------------------------- */

static const char *kinds[] = {
	"anon-private", "anon-shared", "memfd-shared", "memfd-private",
	"file-private", "file-shared", "file-shared-rofd",
};

static void op_mmap(void)
{
	unsigned long p, n, off = 0, i, addr;
	int k = (int)rr(7), prot = pick_prot(), flags = MAP_FIXED, fd = -1;
	void *r;

	pick_range(&p, &n, 32);
	addr = arena + p * PS;
	switch (k) {
	case 0: flags |= MAP_PRIVATE | MAP_ANONYMOUS; break;
	case 1: flags |= MAP_SHARED | MAP_ANONYMOUS; break;
	case 2: flags |= MAP_SHARED; fd = memfd; break;
	case 3: flags |= MAP_PRIVATE; fd = memfd; break;
	case 4: flags |= MAP_PRIVATE; fd = filefd; break;
	case 5: flags |= MAP_SHARED; fd = filefd; break;
	case 6: flags |= MAP_SHARED; fd = filerofd; prot &= PROT_READ; break;
	}
	if (fd >= 0)
		off = rr(FILE_PAGES - n + 1);
	put("mmap(+%lx, %lxp, %s, %s, @%lu)", p, n, prot_name(prot), kinds[k], off);
	r = mmap((void *)addr, n * PS, k == 6 ? prot : PROT_READ | PROT_WRITE, flags, fd,
		 (off_t)(off * PS));
	if (r == MAP_FAILED) {
		result_err(errno);
		return;
	}
	put(" = ok");
	if (k == 1)
		register_shm(addr);
	if (k != 6) {
		for (i = 0; i < n; i++)
			if (rr(3))
				fill_page(addr + i * PS, 0x1000);
		if (prot != (PROT_READ | PROT_WRITE) && mprotect(r, n * PS, prot))
			put(" (mprotect: %s)", ename(errno));
	}
}

static void op_mprotect(void)
{
	unsigned long p, n;
	int prot = pick_prot();

	pick_range(&p, &n, 32);
	put("mprotect(+%lx, %lxp, %s)", p, n, prot_name(prot));
	if (mprotect((void *)(arena + p * PS), n * PS, prot))
		result_err(errno);
	else
		put(" = ok");
}

static void op_munmap(void)
{
	unsigned long p, n;

	pick_range(&p, &n, 16);
	put("munmap(+%lx, %lxp)", p, n);
	if (munmap((void *)(arena + p * PS), n * PS))
		result_err(errno);
	else
		put(" = ok");
}

static void op_madvise(void)
{
	unsigned long p, n;

	pick_range(&p, &n, 32);
	put("madvise(+%lx, %lxp, DONTNEED)", p, n);
	if (madvise((void *)(arena + p * PS), n * PS, MADV_DONTNEED))
		result_err(errno);
	else
		put(" = ok");
}

/* Writes into the writable pages of a range (as the layout says). */
static void op_write(void)
{
	unsigned long p, n, a;
	int i, ok = 0, bad = 0;

	pick_range(&p, &n, 16);
	put("write(+%lx, %lxp)", p, n);
	for (a = arena + p * PS; a < arena + (p + n) * PS; a += PS)
		for (i = 0; i < nlines; i++)
			if (lines[i].s <= a && a < lines[i].e && lines[i].perms[1] == 'w') {
				if (fill_page(a, 0x2000))
					bad++;
				else
					ok++;
			}
	put(" = %d written, %d failed", ok, bad);
}

static const int flag_table[] = {
	0,
	MREMAP_MAYMOVE,
	MREMAP_FIXED,
	MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_FIXED, MREMAP_MAYMOVE | MREMAP_FIXED,
	MREMAP_DONTUNMAP,
	MREMAP_MAYMOVE | MREMAP_DONTUNMAP, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
	MREMAP_FIXED | MREMAP_DONTUNMAP,
	MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
	MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
	MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
};

static void put_flags(int flags)
{
	bool any = false;

	if (flags & MREMAP_MAYMOVE) {
		put("MAYMOVE");
		any = true;
	}
	if (flags & MREMAP_FIXED) {
		put("%sFIXED", any ? "|" : "");
		any = true;
	}
	if (flags & MREMAP_DONTUNMAP) {
		put("%sDONTUNMAP", any ? "|" : "");
		any = true;
	}
	flags &= ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP);
	if (flags || !any)
		put("%s%#x", any ? "|" : "", flags);
}

static void op_mremap(void)
{
	unsigned long p, n, oldp, old, raw_old, raw_new, newn, dest, destp;
	int flags = flag_table[rr(sizeof(flag_table) / sizeof(flag_table[0]))];
	bool fixed, hinted;
	void *r;

	pick_range(&p, &n, 32);
	oldp = p;
	old = arena + p * PS;
	if (rr(25) == 0)
		flags |= (int)(8UL << rr(4)); /* an unknown flag bit */
	fixed = flags & MREMAP_FIXED;
	hinted = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);
	if (rr(30) == 0)
		old += 1 + rr(PS - 1); /* unaligned */

	/* old_len */
	raw_old = n * PS;
	switch (rr(24)) {
	case 0: case 1: raw_old = 0; break;                /* duplicate a shared mapping */
	case 2: raw_old = ~0UL; break;                     /* rounds to 0 */
	case 3: case 4: raw_old = n * PS - 1 - rr(PS - 1); break; /* rounds up to n pages */
	}
	/* new_len: mostly the same for the calls that need it (DONTUNMAP,
	 * move-only), anything for the others */
	raw_new = raw_old == ~0UL ? n * PS : raw_old;
	switch (rr(hinted && rr(4) ? 40 : 12)) {
	case 0: case 1: case 2: raw_new += PS * (1 + rr(rr(2) ? 4 : 16)); break; /* grow */
	case 3: case 4: if (n > 1) raw_new = PS * (n - 1 - rr(n - 1)); break;    /* shrink */
	case 5: raw_new = 0; break;
	case 6: raw_new = n * PS - rr(PS); break;          /* unaligned, same size */
	case 7: raw_new = n * PS; break;
	}
	if (!raw_new && rr(3))
		raw_new = PS * (1 + rr(4)); /* the duplicate of a shared mapping, mostly */
	newn = (raw_new + PS - 1) / PS;
	if (fixed && newn > npages / 2)
		raw_new = newn = npages / 2, raw_new *= PS;

	/* new_addr: inside the arena, or invalid; 0 only as a hint. */
	destp = rr(npages - newn + 1);
	switch (rr(hinted ? 16 : 40)) {
	case 7: case 8: destp = pick_page(); break;                 /* a boundary */
	case 9: destp = oldp + n - 1 - rr(n + newn - 1); break;     /* overlapping the source */
	case 10: destp = oldp + (raw_old ? n : 0); break;           /* right after */
	case 11: destp = oldp - newn; break;                        /* right before */
	case 15: destp = oldp; break;
	}
	if ((long)destp < 0)
		destp = 0;
	if (destp + newn > npages)
		destp = npages - newn;
	dest = arena + destp * PS;
	switch (rr(hinted ? 16 : 40)) {
	case 12: dest += 1 + rr(PS - 1); break;                     /* unaligned */
	case 13: if (!fixed) dest = 0; break;                       /* no hint */
	case 14: dest = 0xfffffffffffff000UL; break;                /* beyond TASK_SIZE */
	}
	if (!hinted && rr(2))
		dest = 0; /* what most callers pass when new_addr is ignored */

	put("mremap(");
	rel(old);
	put(", ");
	len(raw_old);
	put(", ");
	len(raw_new);
	put(", ");
	put_flags(flags);
	put(", ");
	if (dest)
		rel(dest);
	else
		put("0");
	put(")");
	errno = 0;
	r = mremap((void *)old, raw_old, raw_new, flags, (void *)dest);
	if (r == MAP_FAILED) {
		result_err(errno);
		return;
	}
	if ((unsigned long)r >= arena && (unsigned long)r < arena_end) {
		put(" = ");
		rel((unsigned long)r);
		return;
	}
	/* A move the kernel placed: its layout relative to where it landed,
	 * then it goes, so that it is never part of the arena. */
	put(" = elsewhere[");
	describe((unsigned long)r, (unsigned long)r + newn * PS, (unsigned long)r);
	put(" ]");
	if (munmap(r, newn * PS))
		put(" (munmap: %s)", ename(errno));
}

/* RANDDIFF_TAMPER=STEP:MODE, test-only (the driver passes it to the
 * emulated side alone): after the call of that step, before the layout is
 * read, "flip" changes one byte of the first arena page that can be written
 * through /proc/self/mem (a real difference: the classifier must call it
 * real); "split" cuts the last page of the first VMA of two pages or more
 * off with MADV_DONTFORK (not shown in maps: a difference in VMA boundaries
 * only). */
static int tamper_step = -1;
static char tamper_mode[16];

static void tamper(void)
{
	unsigned char b;
	unsigned long a;
	int i;

	read_maps(arena, arena_end);
	for (i = 0; i < nlines; i++) {
		/* split: cuts a VMA and changes no compared flag (MADV_RANDOM's
		 * "rr" is not compared: no step of a sequence sets it); flag:
		 * sets "dc" (MADV_DONTFORK) on a page, a real divergence */
		if (!strcmp(tamper_mode, "split") || !strcmp(tamper_mode, "flag")) {
			bool split = !strcmp(tamper_mode, "split");

			if (lines[i].e - lines[i].s < 2 * PS)
				continue;
			a = lines[i].e - PS;
			if (madvise((void *)a, PS, split ? MADV_RANDOM : MADV_DONTFORK))
				continue;
			fprintf(stderr, "randdiff: tamper: %s +%lx off its VMA\n",
				split ? "split" : "flag dc on", (a - arena) / PS);
			return;
		}
		for (a = lines[i].s; a < lines[i].e; a += PS) {
			if (pread(memfile, &b, 1, (off_t)a) != 1)
				continue;
			b ^= 0x5a;
			if (pwrite(memfile, &b, 1, (off_t)a) != 1)
				continue;
			fprintf(stderr, "randdiff: tamper: flipped a byte of +%lx\n", (a - arena) / PS);
			return;
		}
	}
	fprintf(stderr, "randdiff: tamper: nothing to %s\n", tamper_mode);
}

static void one_step(void)
{
	unsigned long r;

	outn = 0;
	poutn = 0;
	pages_now = pages_on && step >= pages_from;
	put("%d ", step);
	read_maps(arena, arena_end); /* the layout the choices look at */
	r = step < 3 ? 0 : rr(100);
	if (r < 22)
		op_mmap();
	else if (r < 32)
		op_mprotect();
	else if (r < 39)
		op_munmap();
	else if (r < 45)
		op_madvise();
	else if (r < 55)
		op_write();
	else
		op_mremap();
	if (step == tamper_step)
		tamper();
	put(" |");
	describe(arena, arena_end, arena);
	fwrite(out, 1, outn, stdout);
	if (pages_now) /* after the line as it is without RANDDIFF_PAGES */
		printf(" %s%.*s", PAGES_MARK, (int)poutn, pout);
	putchar('\n');
	fflush(stdout);
}

static void cleanup(void)
{
	if (file_path[0])
		unlink(file_path);
}

static int run(uint64_t s, int steps)
{
	unsigned long total;
	void *r;
	struct stat st;
	bool mark = getenv("RANDDIFF_MARK") != NULL;
	const char *pg = getenv("RANDDIFF_PAGES"), *pf = getenv("RANDDIFF_PAGES_FROM");
	const char *tm = getenv("RANDDIFF_TAMPER");
	char tmpl[256];
	const char *tmp = getenv("TMPDIR");

	pages_on = pg && *pg && strcmp(pg, "0");
	pages_from = pf && *pf ? atoi(pf) : 0;
	if (tm && *tm) {
		char *colon;

		tamper_step = (int)strtol(tm, &colon, 10);
		snprintf(tamper_mode, sizeof(tamper_mode), "%s", *colon == ':' ? colon + 1 : "flip");
		if (strcmp(tamper_mode, "flip") && strcmp(tamper_mode, "split") &&
		    strcmp(tamper_mode, "flag")) {
			fprintf(stderr, "randdiff: RANDDIFF_TAMPER=STEP[:flip|:split|:flag]\n");
			return 2;
		}
	}
	seed = s;
	rng = mix64(s ^ 0x72616e6464696666ULL);
	PS = (unsigned long)sysconf(_SC_PAGESIZE);
	npages = 64 + rr(193);
	alarm(SEQUENCE_GUARD);

	memfile = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (memfile < 0)
		die("/proc/self/mem");
	memfd = memfd_create("randdiff", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, (off_t)(FILE_PAGES * PS)))
		die("memfd");
	fill_object(memfd, 0x3000);
	if (fstat(memfd, &st))
		die("fstat");
	memfd_ino = st.st_ino;
	snprintf(tmpl, sizeof(tmpl), "%s/randdiff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	filefd = mkstemp(tmpl);
	if (filefd < 0 || ftruncate(filefd, (off_t)(FILE_PAGES * PS)))
		die("temp file");
	snprintf(file_path, sizeof(file_path), "%s", tmpl);
	atexit(cleanup);
	filerofd = open(tmpl, O_RDONLY | O_CLOEXEC);
	if (filerofd < 0)
		die("temp file");
	fill_object(filefd, 0x4000);
	if (fstat(filefd, &st))
		die("fstat");
	file_ino = st.st_ino;
	if (rr(4) == 0) { /* a deleted file: reopened through /proc/self/map_files */
		unlink(file_path);
		file_path[0] = 0;
	}

	total = 2 * SPACE + (npages + 2 * GUARD_PAGES) * PS;
	r = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		die("arena");
	munmap(r, total);
	arena = (unsigned long)r + SPACE + GUARD_PAGES * PS;
	arena_end = arena + npages * PS;
	if (mmap((void *)(arena - GUARD_PAGES * PS), GUARD_PAGES * PS, PROT_NONE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED ||
	    mmap((void *)arena_end, GUARD_PAGES * PS, PROT_NONE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
		die("guards");

	printf("seed %" PRIu64 ", %lu pages, file %s\n", seed, npages,
	       file_path[0] ? "linked" : "deleted");
	fflush(stdout);
	for (step = 0; step < steps; step++) {
		if (mark) {
			char m[48];
			int k = snprintf(m, sizeof(m), "randdiff-step %d\n", step);

			if (write(2, m, (size_t)k) < 0)
				return 2;
		}
		one_step();
	}
	printf("end\n");
	return 0;
}

/* ---- the driver ------------------------------------------------------------ */

static const char *self, *lib, *tamper_env;
static bool native_twice;

struct child {
	pid_t pid;
	int out, err; /* memfds holding stdout and stderr */
	char *obuf, *ebuf;
	size_t olen, elen;
	int status;
};

/* Starts one run of seed s; the second side of a pair ('other': emulated,
 * or the second native run) alone gets RANDDIFF_TAMPER. pages_from >= 0:
 * with the per-page description from that step on. */
static void start(struct child *c, uint64_t s, int steps, bool emulated, bool other,
		  int pages_from)
{
	char sbuf[32], nbuf[32];

	snprintf(sbuf, sizeof(sbuf), "%" PRIu64, s);
	snprintf(nbuf, sizeof(nbuf), "%d", steps);
	c->out = memfd_create("randdiff-out", MFD_CLOEXEC);
	c->err = memfd_create("randdiff-err", MFD_CLOEXEC);
	if (c->out < 0 || c->err < 0)
		die("memfd_create");
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0)
		die("fork");
	if (c->pid == 0) {
		dup2(c->out, 1);
		dup2(c->err, 2);
		unsetenv("LD_PRELOAD");
		unsetenv("MREMAP_COMPAT_EMULATE");
		unsetenv("MREMAP_COMPAT_DEBUG");
		unsetenv("MREMAP_COMPAT_STRATEGY");
		unsetenv("RANDDIFF_PAGES");
		unsetenv("RANDDIFF_PAGES_FROM");
		unsetenv("RANDDIFF_TAMPER");
		setenv("RANDDIFF_MARK", "1", 1);
		if (pages_from >= 0) {
			char fbuf[32];

			snprintf(fbuf, sizeof(fbuf), "%d", pages_from);
			setenv("RANDDIFF_PAGES", "1", 1);
			setenv("RANDDIFF_PAGES_FROM", fbuf, 1);
		}
		if (other && tamper_env && *tamper_env)
			setenv("RANDDIFF_TAMPER", tamper_env, 1);
		if (emulated) {
			setenv("LD_PRELOAD", lib, 1);
			setenv("MREMAP_COMPAT_EMULATE", "all", 1);
			setenv("MREMAP_COMPAT_DEBUG", "1", 1);
		}
		execl(self, self, "--run", sbuf, nbuf, (char *)NULL);
		_exit(127);
	}
}

static char *slurp(int fd, size_t *lenp)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *b = malloc((size_t)size + 1);

	if (!b || pread(fd, b, (size_t)size, 0) != (ssize_t)size)
		die("read child output");
	b[size] = 0;
	*lenp = (size_t)size;
	close(fd);
	return b;
}

static const char *nth_line(const char *b, int n, size_t *l)
{
	const char *e;

	while (n-- > 0 && b) {
		b = strchr(b, '\n');
		if (b)
			b++;
	}
	if (!b || !*b) {
		*l = 0;
		return NULL;
	}
	e = strchr(b, '\n');
	*l = e ? (size_t)(e - b) : strlen(b);
	return b;
}

static void status_str(int st, char *buf, size_t n)
{
	if (WIFEXITED(st))
		snprintf(buf, n, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		snprintf(buf, n, "timed out: no end after %d s (a hang?)", SEQUENCE_GUARD);
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, n, "status %#x", st);
}

/* The stderr lines of the emulated run for one step. */
static void print_debug_for_step(const char *e, int stepno)
{
	char mark[48];
	const char *p, *q;

	snprintf(mark, sizeof(mark), "randdiff-step %d\n", stepno);
	p = strstr(e, mark);
	if (!p)
		return;
	p += strlen(mark);
	q = strstr(p, "randdiff-step ");
	printf("  emulated side's stderr for that step:\n");
	while (p < (q ? q : p + strlen(p))) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);

		printf("    %.*s\n", (int)l, p);
		p += l + (nl ? 1 : 0);
	}
}

static unsigned long count(const char *b, const char *needle)
{
	unsigned long c = 0;

	while ((b = strstr(b, needle))) {
		c++;
		b += strlen(needle);
	}
	return c;
}

struct totals {
	unsigned long seqs, divergences, boundary, charge, real, emulated, native_lines, alias,
		refill, copy, steps;
};

struct pair {
	struct child a, b;
	uint64_t seed;
	int steps, done;
	bool active;
};

static void start_pair(struct pair *p, uint64_t s, int steps)
{
	p->seed = s;
	p->steps = steps;
	p->done = 0;
	p->active = true;
	start(&p->a, s, steps, false, false, -1);
	start(&p->b, s, steps, !native_twice, true, -1);
}

static void reap(struct child *c, int status)
{
	c->status = status;
	c->obuf = slurp(c->out, &c->olen);
	c->ebuf = slurp(c->err, &c->elen);
}

/* ---- classifying a divergence ---------------------------------------------
 *
 * A first divergence at step K is "VMA boundaries only" when the call and
 * its result are the same text (leaving out the layout of an elsewhere[]
 * result) and, page by page, the arena and the elsewhere[] range hold the
 * same pages with the same permissions, kind, file offset and contents: the
 * maps lines only cut them into VMAs differently (the known limitation: an
 * anonymous VMA's page offset, invisible in maps, is carried only by a
 * kernel move). Both sides of the seed run again up to step K with
 * RANDDIFF_PAGES (everything before K was the same on both sides, so they
 * repeat it) and their per-page descriptions are compared. Anything else,
 * including a re-run that does not repeat the first one, is real. */

static void wait_child(struct child *c)
{
	int status;

	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	reap(c, status);
}

/* A step's line without its per-page part; *pages: that part (or ""). */
static size_t split_pages(const char *l, size_t n, const char **pages, size_t *np)
{
	const char *m = memmem(l, n, " " PAGES_MARK, strlen(PAGES_MARK) + 1);

	if (!m) {
		*pages = "";
		*np = 0;
		return n;
	}
	*pages = m + strlen(PAGES_MARK) + 1;
	*np = n - (size_t)(*pages - l);
	return (size_t)(m - l);
}

/* The call and its result: the line up to " |", without the layout
 * inside "elsewhere[ ... ]". */
static void call_and_result(const char *l, size_t n, char *buf, size_t len)
{
	const char *bar = memmem(l, n, " |", 2), *e, *close;
	size_t k = bar ? (size_t)(bar - l) : n;

	snprintf(buf, len, "%.*s", (int)k, l);
	e = strstr(buf, "elsewhere[");
	if (e && (close = strstr(e, " ]")))
		memmove((char *)e + 10, close, strlen(close) + 1);
}

/* Skips the spaces at *p and returns the length of the token there (0 at
 * the end): the per-page descriptions are tokens separated by spaces. */
static size_t next_token(const char **p, const char *e)
{
	while (*p < e && **p == ' ')
		(*p)++;
	return (size_t)((const char *)(memchr(*p, ' ', (size_t)(e - *p)) ?: e) - *p);
}

/* The first differing token of two per-page descriptions. */
static void first_page_difference(const char *a, size_t na, const char *b, size_t nb,
				  bool elsewhere, char *buf, size_t len)
{
	const char *ea = a + na, *eb = b + nb;
	int region = 0;

	for (;;) {
		size_t ta = next_token(&a, ea), tb = next_token(&b, eb);

		if (!ta && !tb) {
			snprintf(buf, len, "per-page descriptions differ");
			return;
		}
		if (ta != tb || memcmp(a, b, ta)) {
			snprintf(buf, len, "%s page: native %.*s, emulated %.*s",
				 elsewhere && region < 2 ? "elsewhere[]" : "arena", ta ? (int)ta : 6,
				 ta ? a : "(none)", tb ? (int)tb : 6, tb ? b : "(none)");
			return;
		}
		if (ta == 1 && *a == '{')
			region++;
		a += ta;
		b += tb;
	}
}


/* Cuts a "page:perms:kind:flags:hash" token into its five fields. */
static bool split_fields(char *p, char *f[5])
{
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		p = strchr(p, ':');
		if (i < 4 && !p)
			return false;
		if (p)
			*p++ = 0;
	}
	return true;
}

/* THE CHARGE LIMIT (doc/known-differences.md#charge): after a whole-VMA
 * DONTUNMAP of a charged ("ac") read-only or PROT_NONE private anonymous
 * VMA, 6.18 leaves the old VMA charged and without an anon_vma, a state no
 * mmap()/mprotect() sequence can build: a mapping made writable and
 * mprotected loses ac unless it has an anon_vma, which the library's
 * refill or copy destination therefore gets. A later mprotect() then drops
 * ac natively and keeps it on the library's side. This matches exactly
 * that: one token pair of the per-page descriptions
 * ("page:perms:anon:flags:hash") where the emulated flags are the native
 * ones plus "ac", on r--p or ---p anonymous pages, all else equal. */
static bool kept_ac_only(const char *a, size_t ta, const char *b, size_t tb)
{
	char x[160], y[160], *fa[5], *fb[5], want[80];

	if (ta >= sizeof(x) || tb >= sizeof(y))
		return false;
	memcpy(x, a, ta);
	x[ta] = 0;
	memcpy(y, b, tb);
	y[tb] = 0;
	if (!split_fields(x, fa) || !split_fields(y, fb))
		return false;
	if (strcmp(fa[0], fb[0]) || strcmp(fa[1], fb[1]) || strcmp(fa[4], fb[4]) ||
	    strcmp(fa[2], "anon") || strcmp(fb[2], "anon") ||
	    (strcmp(fa[1], "r--p") && strcmp(fa[1], "---p")))
		return false;
	/* "ac" comes first of the shown flags */
	if (!strcmp(fa[3], "-"))
		snprintf(want, sizeof(want), "ac");
	else if (strncmp(fa[3], "ac", 2))
		snprintf(want, sizeof(want), "ac,%s", fa[3]);
	else
		return false;
	return !strcmp(want, fb[3]);
}

/* Do two per-page descriptions differ by kept_ac_only() pairs alone? */
static bool page_differences_kept_ac(const char *a, size_t na, const char *b, size_t nb)
{
	const char *ea = a + na, *eb = b + nb;
	bool any = false;

	for (;;) {
		size_t ta = next_token(&a, ea), tb = next_token(&b, eb);

		if (!ta || !tb)
			return any && !ta && !tb;
		if (ta != tb || memcmp(a, b, ta)) {
			if (!kept_ac_only(a, ta, b, tb))
				return false;
			any = true;
		}
		a += ta;
		b += tb;
	}
}

static bool charge_limit; /* set by boundary_only() */

/* Step k (line k + 1) diverged between la and lb: boundaries only? */
static bool boundary_only(uint64_t s, int k, const char *la, size_t na, const char *lb, size_t nb,
			  char *why, size_t whylen)
{
	struct child ra, rb;
	const char *xa, *xb, *pa, *pb;
	size_t nxa, nxb, npa, npb, da, db;
	static char ca[1 << 16], cb[1 << 16];
	bool ok = false;

	call_and_result(la, na, ca, sizeof(ca));
	call_and_result(lb, nb, cb, sizeof(cb));
	if (strcmp(ca, cb)) {
		snprintf(why, whylen, "the calls or their results differ");
		return false;
	}
	start(&ra, s, k + 1, false, false, k);
	start(&rb, s, k + 1, true, true, k);
	wait_child(&ra);
	wait_child(&rb);
	xa = nth_line(ra.obuf, k + 1, &nxa);
	xb = nth_line(rb.obuf, k + 1, &nxb);
	if (!xa || !xb) {
		char sa[64], sb[64];

		status_str(ra.status, sa, sizeof(sa));
		status_str(rb.status, sb, sizeof(sb));
		snprintf(why, whylen,
			 "the re-run with RANDDIFF_PAGES did not reach the step (native %s, "
			 "emulated %s)", sa, sb);
		goto out;
	}
	da = split_pages(xa, nxa, &pa, &npa);
	db = split_pages(xb, nxb, &pb, &npb);
	if (da != na || memcmp(xa, la, na) || db != nb || memcmp(xb, lb, nb)) {
		bool bad_a = da != na || memcmp(xa, la, na);

		snprintf(why, whylen,
			 "the re-run with RANDDIFF_PAGES printed another line (did the library "
			 "change meanwhile?); %s side's re-run:\n    %.*s",
			 bad_a ? "native" : "emulated", bad_a ? (int)da : (int)db, bad_a ? xa : xb);
		goto out;
	}
	if (!npa || !npb) {
		snprintf(why, whylen, "the re-run printed no per-page description");
		goto out;
	}
	if (npa != npb || memcmp(pa, pb, npa)) {
		charge_limit = page_differences_kept_ac(pa, npa, pb, npb);
		/* regions: elsewhere[] (if any) first, then the arena */
		first_page_difference(pa, npa, pb, npb, strstr(ca, "elsewhere[") != NULL, why,
				      whylen);
		goto out;
	}
	ok = true;
out:
	free(ra.obuf);
	free(ra.ebuf);
	free(rb.obuf);
	free(rb.ebuf);
	return ok;
}

/* Both runs of a pair have ended: compare them. True if they agree. */
static bool judge(struct pair *p, struct totals *t, bool verbose)
{
	struct child *a = &p->a, *b = &p->b;
	uint64_t s = p->seed;
	int i;
	char sa[64], sb[64], why[4096];
	const char *la, *lb;
	size_t na, nb;
	bool same = true;

	p->active = false;
	t->seqs++;
	t->steps += (unsigned long)p->steps;
	t->emulated += count(b->ebuf, ": emulated");
	t->native_lines += count(b->ebuf, ": native");
	t->alias += count(b->ebuf, ": emulated, alias");
	t->refill += count(b->ebuf, ": emulated, move+refill");
	t->copy += count(b->ebuf, ": emulated, copy");
	status_str(a->status, sa, sizeof(sa));
	status_str(b->status, sb, sizeof(sb));
	/* line 0 is the header; step k is line k + 1 */
	for (i = 0;; i++) {
		la = nth_line(a->obuf, i, &na);
		lb = nth_line(b->obuf, i, &nb);
		if (!la && !lb)
			break;
		if (la && lb && na == nb && !memcmp(la, lb, na))
			continue;
		same = false;
		t->divergences++;
		why[0] = 0;
		charge_limit = false;
		if (!native_twice && la && lb && i >= 1 &&
		    boundary_only(s, i - 1, la, na, lb, nb, why, sizeof(why))) {
			t->boundary++;
			printf("DIVERGENCE seed %" PRIu64 " at step %d (VMA boundaries only: same pages, "
			       "perms, kinds, offsets, VmFlags and contents)\n", s, i - 1);
		} else if (charge_limit) {
			t->charge++;
			printf("DIVERGENCE seed %" PRIu64 " at step %d (the charge limit: read-only "
			       "anonymous pages keep ac where 6.18's emptied VMA, charged without an "
			       "anon_vma, lost it to a later mprotect)\n", s, i - 1);
			printf("  limit: %s\n", why);
		} else {
			t->real++;
			printf("DIVERGENCE seed %" PRIu64 " at step %d (%s)\n", s, i - 1,
			       native_twice ? "native vs native" : "native vs emulated");
			if (why[0])
				printf("  real: %s\n", why);
		}
		printf("  native:   %.*s\n", la ? (int)na : 9, la ? la : "(no line)");
		printf("  %s %.*s\n", native_twice ? "native:  " : "emulated:", lb ? (int)nb : 9,
		       lb ? lb : "(no line)");
		if (!native_twice)
			print_debug_for_step(b->ebuf, i - 1);
		if (i >= 1)
			printf("  shortest failing prefix: %d steps; regression command:\n"
			       "    tests/randdiff --compare %" PRIu64 " %d\n", i, s, i);
		break;
	}
	if (same && (a->status != b->status || !WIFEXITED(a->status) || WEXITSTATUS(a->status))) {
		same = false;
		t->divergences++;
		t->real++;
		printf("DIVERGENCE seed %" PRIu64 ": native %s, other %s\n", s, sa, sb);
	}
	if (!same) { /* anything the native run said besides its step marks */
		const char *q = a->ebuf;

		while (q && *q) {
			const char *nl = strchr(q, '\n');
			size_t l = nl ? (size_t)(nl - q) : strlen(q);

			if (strncmp(q, "randdiff-step ", 14))
				printf("  native stderr: %.*s\n", (int)l, q);
			q = nl ? nl + 1 : NULL;
		}
	}
	if (verbose && same)
		printf("seed %" PRIu64 ": %d steps identical (%lu emulated calls)\n", s, p->steps,
		       count(b->ebuf, ": emulated"));
	free(a->obuf);
	free(a->ebuf);
	free(b->obuf);
	free(b->ebuf);
	return same;
}

#define MAXJOBS 16
static struct pair slots[MAXJOBS];

/* Runs seeds [first, first + cnt) with up to 'jobs' pairs at a time. */
static void run_batch(uint64_t first, unsigned long cnt, int steps, int jobs, struct totals *t,
		      bool verbose)
{
	uint64_t next = first;
	int running = 0, i, status;
	pid_t pid;

	for (;;) {
		for (i = 0; i < jobs && next < first + cnt; i++)
			if (!slots[i].active) {
				start_pair(&slots[i], next++, steps);
				running++;
			}
		if (!running)
			break;
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("waitpid");
		}
		for (i = 0; i < jobs; i++) {
			struct pair *p = &slots[i];

			if (!p->active)
				continue;
			if (p->a.pid == pid)
				reap(&p->a, status);
			else if (p->b.pid == pid)
				reap(&p->b, status);
			else
				continue;
			if (++p->done == 2) {
				judge(p, t, verbose);
				running--;
			}
			break;
		}
	}
}

static void summary(const struct totals *t, double secs)
{
	printf("randdiff: %lu sequences, %lu steps, %lu divergences (%lu VMA-boundary only, "
	       "%lu charge limit, %lu real), "
	       "%lu emulated calls (alias %lu, move+refill %lu, copy %lu), "
	       "%lu native-routed calls, %.1f s\n",
	       t->seqs, t->steps, t->divergences, t->boundary, t->charge, t->real, t->emulated,
	       t->alias,
	       t->refill, t->copy, t->native_lines, secs);
}

/* 1: a real divergence, or nothing emulated; 3: divergences in VMA
 * boundaries only (the known limitation: not a pass either); 0: none. */
static int exit_code(const struct totals *t)
{
	if (t->real || (!native_twice && !t->emulated))
		return 1;
	return t->boundary || t->charge ? 3 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: randdiff SEED [STEPS]\n"
		"       randdiff [--lib PATH] [--native-twice] --compare SEED [STEPS]\n"
		"       randdiff [--lib PATH] [--native-twice] --batch FIRST COUNT STEPS\n");
	exit(2);
}

static char libbuf[4096], selfbuf[4096];

int main(int argc, char **argv)
{
	struct totals t;
	double t0;
	int i = 1, jobs = 4;

	memset(&t, 0, sizeof(t));
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "--run"))
		return run(strtoull(argv[2], NULL, 0), argc > 3 ? atoi(argv[3]) : 50);
	if (argv[1][0] != '-')
		return run(strtoull(argv[1], NULL, 0), argc > 2 ? atoi(argv[2]) : 50);

	if (readlink("/proc/self/exe", selfbuf, sizeof(selfbuf) - 1) < 0)
		die("/proc/self/exe");
	self = selfbuf;
	lib = getenv("RANDDIFF_LIB");
	tamper_env = getenv("RANDDIFF_TAMPER");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--lib") && i + 1 < argc)
			lib = argv[++i];
		else if (!strcmp(argv[i], "--native-twice"))
			native_twice = true;
		else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
			jobs = atoi(argv[++i]);
		else
			break;
	}
	if (!lib || !*lib) {
		char *slash;

		snprintf(libbuf, sizeof(libbuf), "%s", self);
		slash = strrchr(libbuf, '/');
		if (slash)
			*slash = 0;
		strncat(libbuf, "/../.libs/libmremap-compat.so", sizeof(libbuf) - strlen(libbuf) - 1);
		lib = libbuf;
	}
	if (access(lib, R_OK)) {
		fprintf(stderr, "randdiff: cannot read the library %s\n", lib);
		return 2;
	}
	if (jobs < 1 || jobs > MAXJOBS)
		jobs = jobs < 1 ? 1 : MAXJOBS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = now();
	if (i < argc && !strcmp(argv[i], "--compare") && i + 1 < argc) {
		run_batch(strtoull(argv[i + 1], NULL, 0), 1, i + 2 < argc ? atoi(argv[i + 2]) : 50, 1,
			  &t, true);
		summary(&t, now() - t0);
		return exit_code(&t);
	}
	if (i + 3 < argc && !strcmp(argv[i], "--batch")) {
		run_batch(strtoull(argv[i + 1], NULL, 0), strtoul(argv[i + 2], NULL, 0),
			  atoi(argv[i + 3]), jobs, &t, false);
		summary(&t, now() - t0);
		if (!native_twice && !t.emulated)
			printf("randdiff: FAIL: nothing was emulated\n");
		return exit_code(&t);
	}
	usage();
	return 2;
}
