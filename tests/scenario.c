/* tests/scenario.c - one mremap() scenario, described canonically.
 *
 *   scenario NAME      runs one scenario, prints its result on stdout
 *   scenario --list    prints every name, one a line
 *
 * The same program runs natively (the kernel is the oracle) and with the
 * library preloaded and emulation forced; tests/differential.bash compares
 * the two outputs. Everything printed is address-independent:
 *
 *   An arena of ARENA_PAGES pages is reserved (2 MB aligned), released, and
 *   the scenario's mappings are placed in it with MAP_FIXED at page
 *   offsets. Addresses are printed relative to the arena (+0x3000), or,
 *   for a destination the kernel chose outside it, relative to the
 *   returned address (new+0x0).
 *
 * Output:
 *   ret=+0xOFF | ret=elsewhere | ret=-1 errno=NAME
 *   (scenario-specific lines, e.g. "fault at +0x...")
 *   map +START-+END PERMS KIND [off=0x..] [flags]
 *   page +ADDR PRESENT CONTENT
 * PRESENT is P (present), S (swapped) or - (neither), read from
 * /proc/self/pagemap before any content is read; CONTENT is the pattern
 * found (ID.INDEX), zero, or a hash, read through /proc/self/mem so that
 * PROT_NONE pages can be read too. Pages of shared mappings inside the
 * range mremap() returned are printed as "spage" (the alias emulation is
 * known to leave them unmapped: tests/differential.bash can name that
 * divergence without hiding any other).
 *
 * Exit 0 whatever mremap() answered; 77 with "SKIP: reason" when this
 * machine cannot run the scenario.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef SYS_mseal
#if defined(__x86_64__) || defined(__aarch64__)
#define SYS_mseal 462 /* the same on every architecture (the generic table) */
#endif
#endif

/* The page size (sysconf), and the largest one Linux has (arm64: 64 KiB),
 * for buffers of one page. Offsets are printed in bytes: on other page
 * sizes than the oracle's, tests/vm scales the oracle's offsets. */
static unsigned long PS;
#define PS_MAX (64UL << 10)
#define ARENA_PAGES 4200UL
#define HUGE_ALIGN (2UL << 20)

#define RW (PROT_READ | PROT_WRITE)
#define RO PROT_READ
#define NONE PROT_NONE

#define MAYMOVE MREMAP_MAYMOVE
#define FIXED MREMAP_FIXED
#define DONTUNMAP MREMAP_DONTUNMAP

static unsigned long arena;

/* ---- failure and skipping -------------------------------------------- */

static void die(const char *what)
{
	fprintf(stderr, "scenario: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(77);
}

/* ---- addresses ---------------------------------------------------------- */

static unsigned long pg(unsigned long page)
{
	return arena + page * PS;
}

static bool in_arena(unsigned long a)
{
	return a >= arena && a < arena + ARENA_PAGES * PS;
}

static void reserve_arena(void)
{
	unsigned long len = ARENA_PAGES * PS + HUGE_ALIGN;
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap arena");
	arena = ((unsigned long)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
	if (munmap(p, len))
		die("munmap arena");
}

/* ---- patterns -------------------------------------------------------- */

#define MAGIC 0x5343454e00000000ULL /* "SCEN" */
#define MIX 0x9e3779b97f4a7c15ULL

static void fill_page(void *page, char id, unsigned idx)
{
	uint64_t *w = page, w0 = MAGIC | ((uint64_t)(unsigned char)id << 16) | (idx & 0xffff);
	size_t i;

	for (i = 0; i < PS / 8; i++)
		w[i] = w0 ^ (i * MIX);
}

static void fill(unsigned long addr, unsigned long npages, char id, unsigned first_idx)
{
	unsigned long i;

	for (i = 0; i < npages; i++)
		fill_page((void *)(addr + i * PS), id, first_idx + (unsigned)i);
}

static void describe_page(const unsigned char *buf, char *out, size_t outlen)
{
	const uint64_t *w = (const void *)buf;
	uint64_t w0 = w[0];
	uint32_t h = 2166136261u;
	size_t i;
	bool zero = true;

	for (i = 0; i < PS; i++)
		if (buf[i]) {
			zero = false;
			break;
		}
	if (zero) {
		snprintf(out, outlen, "zero");
		return;
	}
	if ((w0 & 0xffffffff00000000ULL) == MAGIC && !(w0 & 0xff000000ULL)) {
		for (i = 1; i < PS / 8; i++)
			if (w[i] != (w0 ^ (i * MIX)))
				break;
		if (i == PS / 8) {
			snprintf(out, outlen, "%c.%u", (char)((w0 >> 16) & 0xff),
				 (unsigned)(w0 & 0xffff));
			return;
		}
	}
	for (i = 0; i < PS; i++) {
		h ^= buf[i];
		h *= 16777619u;
	}
	snprintf(out, outlen, "hash:%08x", h);
}

/* ---- labels: which object a mapping shows ---------------------------- */

struct label {
	unsigned long ino;
	unsigned int major, minor;
	char name[32];
};
static struct label labels[16];
static int nlabels;

static void add_label(int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	if (nlabels == (int)(sizeof(labels) / sizeof(labels[0])))
		return;
	labels[nlabels].ino = st.st_ino;
	labels[nlabels].major = major(st.st_dev);
	labels[nlabels].minor = minor(st.st_dev);
	snprintf(labels[nlabels].name, sizeof(labels[nlabels].name), "%s", name);
	nlabels++;
}

/* ---- temp files ---------------------------------------------------------- */

static char tmpdir[4096];
static char shmpath[256];
static char files[8][4200];
static int nfiles;

static void cleanup(void)
{
	int i;

	for (i = 0; i < nfiles; i++)
		unlink(files[i]);
	if (tmpdir[0])
		rmdir(tmpdir);
	if (shmpath[0])
		unlink(shmpath);
}

static void make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	if (tmpdir[0])
		return;
	snprintf(tmpdir, sizeof(tmpdir), "%s/scenario.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
}

/* Writes npages pages of pattern 'id' (page i: id.i) to fd. */
static void write_pattern(int fd, char id, unsigned long npages)
{
	static unsigned char buf[PS_MAX];
	unsigned long i;

	for (i = 0; i < npages; i++) {
		fill_page(buf, id, (unsigned)i);
		if (pwrite(fd, buf, PS, (off_t)(i * PS)) != (ssize_t)PS)
			die("pwrite");
	}
}

/* A regular file of npages pages of pattern 'id', labelled 'label'. */
static int make_file(const char *label, char id, unsigned long npages)
{
	int fd;

	make_tmpdir();
	snprintf(files[nfiles], sizeof(files[nfiles]), "%s/%s", tmpdir, label);
	fd = open(files[nfiles], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open temp file");
	nfiles++;
	write_pattern(fd, id, npages);
	{
		char kind[40];

		snprintf(kind, sizeof(kind), "file:%s", label);
		add_label(fd, kind);
	}
	return fd;
}

static int make_memfd(char id, unsigned long npages)
{
	int fd = memfd_create("scenario", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create");
	write_pattern(fd, id, npages);
	return fd;
}

static int make_shm_file(char id, unsigned long npages)
{
	int fd;

	snprintf(shmpath, sizeof(shmpath), "/dev/shm/mremap-scenario-%d", (int)getpid());
	fd = open(shmpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		skip("cannot create a file in /dev/shm: %s", strerror(errno));
	write_pattern(fd, id, npages);
	add_label(fd, "shm-file");
	return fd;
}

/* ---- mappings -------------------------------------------------------- */

static void *xmap(unsigned long page, unsigned long npages, int prot, int flags, int fd, off_t off)
{
	void *p = mmap((void *)pg(page), npages * PS, prot, flags | MAP_FIXED, fd, off);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void xprotect(unsigned long page, unsigned long npages, int prot)
{
	if (mprotect((void *)pg(page), npages * PS, prot))
		die("mprotect");
}

/* Private anonymous, pages id.0 .. id.n-1, then protection 'prot'. */
static void anon(unsigned long page, unsigned long npages, int prot, char id)
{
	xmap(page, npages, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(pg(page), npages, id, 0);
	if (prot != RW)
		xprotect(page, npages, prot);
}

static void shared_anon(unsigned long page, unsigned long npages, int prot, char id)
{
	xmap(page, npages, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill(pg(page), npages, id, 0);
	if (prot != RW)
		xprotect(page, npages, prot);
}

/* Maps a file (pattern already in it) and faults every page in by reading. */
static void map_fd(unsigned long page, unsigned long npages, int prot, int flags, int fd,
		   unsigned long file_page)
{
	volatile unsigned char *p;
	unsigned long i;

	p = xmap(page, npages, prot | PROT_READ, flags, fd, (off_t)(file_page * PS));
	for (i = 0; i < npages; i++)
		(void)p[i * PS];
	if (!(prot & PROT_READ))
		xprotect(page, npages, prot);
}

/* The private-file VMA: pages read from the file, then 'written' pages
 * (a bitmask) overwritten with pattern 'id': private copies. */
static void private_file(unsigned long page, unsigned long npages, int prot, int fd,
			 unsigned long file_page, unsigned written, char id)
{
	unsigned long i;

	map_fd(page, npages, RW, MAP_PRIVATE, fd, file_page);
	for (i = 0; i < npages; i++)
		if (written & (1u << i))
			fill_page((void *)pg(page + i), id, (unsigned)i);
	if (prot != RW)
		xprotect(page, npages, prot);
}

static void name_anon(unsigned long page, unsigned long npages, const char *name)
{
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, pg(page), npages * PS, name))
		skip("PR_SET_VMA_ANON_NAME: %s", strerror(errno));
}

/* Fills every free page of the arena, except [keep, keep+nkeep), with a
 * PROT_NONE shared mapping of a memfd labelled "filler" (it merges with
 * nothing the scenarios map), so that a destination the kernel chooses
 * lands outside the arena. */
static void fill_arena(unsigned long keep, unsigned long nkeep)
{
	unsigned long i = 0;
	int fd = memfd_create("filler", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create filler");
	if (ftruncate(fd, (off_t)(ARENA_PAGES * PS)))
		die("ftruncate filler");
	add_label(fd, "filler");

	while (i < ARENA_PAGES) {
		unsigned long j = i;
		void *p;

		if (i >= keep && i < keep + nkeep) {
			i = keep + nkeep;
			continue;
		}
		p = mmap((void *)pg(i), PS, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED) {
			if (errno != EEXIST)
				die("mmap filler");
			i++;
			continue;
		}
		munmap(p, PS);
		while (j < ARENA_PAGES && !(j >= keep && j < keep + nkeep)) {
			p = mmap((void *)pg(j), PS, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				 -1, 0);
			if (p == MAP_FAILED)
				break;
			munmap(p, PS);
			j++;
		}
		xmap(i, j - i, PROT_NONE, MAP_SHARED, fd, (off_t)(i * PS));
		i = j;
	}
}

/* ---- userfaultfd --------------------------------------------------------- */

static int uffd = -1;

static void uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		skip("userfaultfd unavailable");
	if (ioctl((int)fd, UFFDIO_API, &api))
		skip("userfaultfd unavailable");
	uffd = (int)fd;
}

static void uffd_register(unsigned long page, unsigned long npages)
{
	struct uffdio_register reg = {
		.range = { .start = pg(page), .len = npages * PS },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (uffd < 0)
		uffd_open();
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		skip("userfaultfd unavailable (UFFDIO_REGISTER: %s)", strerror(errno));
}

static void uffd_close(void)
{
	if (uffd >= 0)
		close(uffd);
	uffd = -1;
}

/* ---- the call ------------------------------------------------------- */

static long g_ret;
static int g_errno;
static unsigned long g_new_len;

/* SCENARIO_FREE_FDS=K: the call is made with exactly K descriptors free
 * below RLIMIT_NOFILE (the holes below the highest open one filled), as a
 * process with only 0, 1 and 2 open has under RLIMIT_NOFILE = 3 + K. The
 * limit and the descriptors are restored after the call. */
static int held_fds[1024], nheld;
static struct rlimit saved_nofile;

static void limit_fds(void)
{
	const char *k = getenv("SCENARIO_FREE_FDS");
	struct rlimit rl;
	int fd, top = 2;

	if (!k || !*k)
		return;
	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			top = fd;
	for (fd = 0; fd < top && nheld < 1024; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			held_fds[nheld++] = dup2(2, fd);
	if (getrlimit(RLIMIT_NOFILE, &saved_nofile))
		die("getrlimit");
	rl = saved_nofile;
	rl.rlim_cur = (rlim_t)(top + 1 + atoi(k));
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
}

static void unlimit_fds(void)
{
	if (!getenv("SCENARIO_FREE_FDS") || !*getenv("SCENARIO_FREE_FDS"))
		return;
	if (setrlimit(RLIMIT_NOFILE, &saved_nofile))
		die("setrlimit(RLIMIT_NOFILE)");
	while (nheld)
		close(held_fds[--nheld]);
}

static void call(unsigned long old, unsigned long old_len, unsigned long new_len, int flags,
		 unsigned long new_addr)
{
	void *r;

	fflush(stdout);
	limit_fds();
	errno = 0;
	r = mremap((void *)old, old_len, new_len, flags, (void *)new_addr);
	g_errno = errno;
	unlimit_fds();
	g_ret = r == MAP_FAILED ? -1 : (long)r;
	g_new_len = new_len;
}

static const char *errno_name(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case ESTALE: return "ESTALE";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	default:
		snprintf(buf, sizeof(buf), "%d", e);
		return buf;
	}
}

/* "+0x..." in the arena, "new+0x..." relative to an elsewhere result. */
static unsigned long new_base;
static bool new_elsewhere;

static void fmt_addr(char *out, size_t n, unsigned long a)
{
	if (in_arena(a) || a == arena + ARENA_PAGES * PS)
		snprintf(out, n, "+0x%lx", a - arena);
	else if (new_elsewhere && a >= new_base && a <= new_base + g_new_len)
		snprintf(out, n, "new+0x%lx", a - new_base);
	else
		snprintf(out, n, "outside");
}

/* A region's end, in the frame of its start: a destination placed right
 * below the arena ends at the arena's start, one placed right above it
 * starts at the arena's end; both are labelled from new, wherever the
 * kernel put them. */
static bool in_new(unsigned long a)
{
	return new_elsewhere && a >= new_base && a < new_base + g_new_len;
}

static void fmt_start(char *out, size_t n, unsigned long a)
{
	if (!in_arena(a) && in_new(a))
		snprintf(out, n, "new+0x%lx", a - new_base);
	else
		fmt_addr(out, n, a);
}

static void fmt_end(char *out, size_t n, unsigned long start, unsigned long end)
{
	if (!in_arena(start) && in_new(start) && end <= new_base + g_new_len)
		snprintf(out, n, "new+0x%lx", end - new_base);
	else
		fmt_addr(out, n, end);
}

static void print_ret(void)
{
	char a[40];

	if (g_ret == -1) {
		printf("ret=-1 errno=%s\n", errno_name(g_errno));
		return;
	}
	if (in_arena((unsigned long)g_ret)) {
		fmt_addr(a, sizeof(a), (unsigned long)g_ret);
		printf("ret=%s\n", a);
		return;
	}
	new_elsewhere = true;
	new_base = (unsigned long)g_ret;
	printf("ret=elsewhere\n");
}

/* ---- the layout ------------------------------------------------------- */

struct region {
	unsigned long start, end;  /* clipped to the arena or the new range */
	char perms[8];
	char kind[80];
	char extra[200];           /* off=, thp=, VmFlags */
};
static struct region regions[8192];
static int nregions;

/* VmFlags: every two-letter name smaps prints is compared, in the
 * kernel's order, but for these: rd wr ex sh are the permissions, printed
 * already; sd (VM_SOFTDIRTY) is printed only by kernels built with
 * CONFIG_MEM_SOFT_DIRTY, on every VMA a mapping call made, and this
 * machine's 6.18, the oracle of the older kernels in tests/vm, is not
 * (the library does not track soft-dirty bits). The scenarios of
 * page-table markers, locks, charges and huge pages (show_more) print
 * AnonHugePages too, as "thp=". */
static bool show_more;
static const char *const unshown_flags[] = { "rd", "wr", "ex", "sh", "sd" };

/* Appends the flags of a "VmFlags:" line that are compared to out. */
static void add_vmflags(char *out, size_t outlen, const char *line)
{
	const char *p = line + 8;

	while (*p) {
		size_t n, i, len;

		while (*p == ' ')
			p++;
		for (len = 0; p[len] && p[len] != ' ' && p[len] != '\n'; len++)
			;
		if (!len)
			break;
		for (i = 0; i < sizeof(unshown_flags) / sizeof(unshown_flags[0]); i++)
			if (len == 2 && !strncmp(p, unshown_flags[i], 2))
				break;
		n = strlen(out);
		if (i == sizeof(unshown_flags) / sizeof(unshown_flags[0]) && n < outlen)
			snprintf(out + n, outlen - n, " %.*s", (int)len, p);
		p += len;
	}
}

static void kind_of(char *out, size_t n, const char *path, unsigned long ino,
		    unsigned int maj, unsigned int min, bool *anon)
{
	int i;

	*anon = false;
	for (i = 0; i < nlabels; i++)
		if (labels[i].ino == ino && labels[i].major == maj && labels[i].minor == min) {
			snprintf(out, n, "%s", labels[i].name);
			return;
		}
	if (!strncmp(path, "[anon:", 6)) {
		snprintf(out, n, "%.70s", path);
		*anon = true;
		return;
	}
	if (path[0] == '[') {
		snprintf(out, n, "%.70s", path);
		return;
	}
	if (!strncmp(path, "/memfd:", 7)) {
		snprintf(out, n, "memfd");
		return;
	}
	if (!strncmp(path, "/SYSV", 5)) {
		snprintf(out, n, "sysv");
		return;
	}
	if (!strncmp(path, "/dev/zero", 9)) {
		snprintf(out, n, "shared-anon");
		return;
	}
	if (!strncmp(path, "/anon_hugepage", 14)) {
		snprintf(out, n, "hugetlb");
		return;
	}
	if (ino == 0 && !path[0]) {
		snprintf(out, n, "anon");
		*anon = true;
		return;
	}
	snprintf(out, n, "other");
}

/* Reads /proc/self/smaps and keeps the VMAs meeting [lo, hi), clipped. */
static void collect(unsigned long lo, unsigned long hi)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[4608];
	struct region *cur = NULL;
	unsigned long vstart = 0;
	bool anon = false;

	if (!f)
		die("open smaps");
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, off, ino;
		unsigned int maj, min;
		char perms[8], path[4096];
		int consumed = 0;

		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &s, &e, perms, &off, &maj, &min,
			   &ino, &consumed) >= 7 && consumed > 0) {
			size_t l;

			cur = NULL;
			snprintf(path, sizeof(path), "%s", line + consumed);
			l = strlen(path);
			while (l && (path[l - 1] == '\n' || path[l - 1] == ' '))
				path[--l] = 0;
			if (e <= lo || s >= hi)
				continue;
			if (nregions == (int)(sizeof(regions) / sizeof(regions[0])))
				die("too many regions");
			cur = &regions[nregions++];
			cur->start = s < lo ? lo : s;
			cur->end = e > hi ? hi : e;
			vstart = s;
			snprintf(cur->perms, sizeof(cur->perms), "%s", perms);
			kind_of(cur->kind, sizeof(cur->kind), path, ino, maj, min, &anon);
			cur->extra[0] = 0;
			if (!anon && path[0] != '[')
				snprintf(cur->extra, sizeof(cur->extra), " off=0x%lx",
					 off + (cur->start - vstart));
			continue;
		}
		if (cur && show_more && !strncmp(line, "AnonHugePages:", 14)) {
			unsigned long kb = strtoul(line + 14, NULL, 10);

			if (kb) {
				size_t n = strlen(cur->extra);

				snprintf(cur->extra + n, sizeof(cur->extra) - n, " thp=%lukB", kb);
			}
		}
		if (cur && !strncmp(line, "VmFlags:", 8)) {
			add_vmflags(cur->extra, sizeof(cur->extra), line);
			cur = NULL;
		}
	}
	fclose(f);
}

static void print_layout(void)
{
	int i;

	nregions = 0;
	collect(arena, arena + ARENA_PAGES * PS);
	if (new_elsewhere)
		collect(new_base, new_base + g_new_len);
	for (i = 0; i < nregions; i++) {
		char a[40], b[40];

		fmt_start(a, sizeof(a), regions[i].start);
		fmt_end(b, sizeof(b), regions[i].start, regions[i].end);
		printf("map %s-%s %s %s%s\n", a, b, regions[i].perms, regions[i].kind,
		       regions[i].extra);
	}
	if (new_elsewhere) {
		unsigned long covered = 0;

		for (i = 0; i < nregions; i++)
			if (regions[i].start >= new_base && regions[i].end <= new_base + g_new_len)
				covered += regions[i].end - regions[i].start;
		if (covered != g_new_len)
			printf("new range not fully mapped: 0x%lx of 0x%lx\n", covered, g_new_len);
	}
	fflush(stdout);
}

/* Present/swapped bits first (reading contents would fault pages in), then
 * the contents through /proc/self/mem. Filler pages are skipped. */
static void print_pages(void)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	static unsigned char buf[PS_MAX];
	unsigned long total = 0, k = 0, a;
	char *bits;
	int i;

	if (pm < 0 || mem < 0)
		die("open pagemap or mem");
	for (i = 0; i < nregions; i++)
		if (strcmp(regions[i].kind, "filler"))
			total += (regions[i].end - regions[i].start) / PS;
	bits = calloc(total + 1, 1);
	if (!bits)
		die("calloc");
	for (i = 0; i < nregions; i++) {
		if (!strcmp(regions[i].kind, "filler"))
			continue;
		for (a = regions[i].start; a < regions[i].end; a += PS) {
			uint64_t e = 0;

			if (pread(pm, &e, 8, (off_t)(a / PS * 8)) != 8)
				die("pread pagemap");
			bits[k++] = (e >> 63) & 1 ? 'P' : (e >> 62) & 1 ? 'S' : '-';
		}
	}
	k = 0;
	for (i = 0; i < nregions; i++) {
		if (!strcmp(regions[i].kind, "filler"))
			continue;
		for (a = regions[i].start; a < regions[i].end; a += PS) {
			char ad[40], d[40];

			fmt_start(ad, sizeof(ad), a);
			if (pread(mem, buf, PS, (off_t)a) != (ssize_t)PS)
				snprintf(d, sizeof(d), "unreadable:%s", errno_name(errno));
			else
				describe_page(buf, d, sizeof(d));
			/* spage: a page of a shared mapping in the new range */
			printf("%s %s %c %s\n",
			       regions[i].perms[3] == 's' && g_ret != -1 &&
			       a >= (unsigned long)g_ret && a < (unsigned long)g_ret + g_new_len ?
			       "spage" : "page", ad, bits[k++], d);
		}
	}
	free(bits);
	close(pm);
	close(mem);
}

/* The result: return value, layout, (uffd closed), pages. */
static void report(void)
{
	print_ret();
	print_layout();
	uffd_close();
	print_pages();
	fflush(stdout);
}

/* call() then report() */
static void run(unsigned long old, unsigned long old_len, unsigned long new_len, int flags,
		unsigned long new_addr)
{
	call(old, old_len, new_len, flags, new_addr);
	report();
}

/* ---- scenarios: MREMAP_DONTUNMAP on one VMA ----------------------------- */

#define S 16UL    /* where sources start */
#define D 2000UL  /* where destinations start */

/* Private anonymous, whole VMA, FIXED over an existing mapping that is
 * longer than the range (its tail stays). */
static void du_anon_fixed(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 6, RO, 'X');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* After a DONTUNMAP of a whole VMA the kernel's old VMA keeps its page
 * offset and has no anon_vma (unlink_anon_vmas): a new mapping just above
 * it merges with it. A strategy that grew the VMA by its own length at
 * new and moved the empty half back would give the old range the offset
 * of that half and the anon_vma of the data: no merge. */
static void du_anon_whole_then_neighbour(void)
{
	anon(S, 4, RW, 'A');
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	anon(S + 4, 2, RW, 'N');
	report();
}

/* Whole VMA, no FIXED, free hint: honoured exactly. */
static void du_anon_hint_free(void)
{
	anon(S, 4, RW, 'A');
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* Busy hint: the kernel places it elsewhere; the busy mapping stays. */
static void du_anon_hint_busy(void)
{
	anon(S, 4, RW, 'A');
	anon(D + 2, 2, RW, 'X');
	fill_arena(0, 0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void du_anon_hint_zero(void)
{
	anon(S, 4, RW, 'A');
	fill_arena(0, 0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, 0);
}

/* The start of an 8-page VMA to the place right after it: the new VMA
 * (the old page offset, the old anon_vma) does not merge with the rest. */
static void du_anon_start_adjacent(void)
{
	anon(S, 8, RW, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(S + 8));
}

/* The same with an untouched anonymous VMA right after the destination. */
static void du_anon_start_before_neighbour(void)
{
	anon(S, 8, RW, 'A');
	xmap(D + 4, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Part of an 8-page VMA, FIXED. */
static void du_anon_partial_start(void)
{
	anon(S, 8, RW, 'A');
	run(pg(S), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_partial_middle(void)
{
	anon(S, 8, RW, 'A');
	run(pg(S + 3), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_partial_end(void)
{
	anon(S, 8, RW, 'A');
	run(pg(S + 6), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The middle of a VMA, with a free hint (the single-VMA path). */
static void du_anon_partial_middle_hint(void)
{
	anon(S, 8, RW, 'A');
	fill_arena(D, 3);
	run(pg(S + 3), 3 * PS, 3 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void du_anon_readonly(void)
{
	anon(S, 4, RO, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_readonly_partial(void)
{
	anon(S, 4, RO, 'A');
	run(pg(S + 1), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_protnone(void)
{
	anon(S, 4, NONE, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* mlock 4 pages, DONTUNMAP pages 1-2: the whole old VMA loses lo, the new
 * one has it. */
static void du_anon_mlocked(void)
{
	anon(S, 4, RW, 'A');
	if (mlock((void *)pg(S), 4 * PS))
		skip("mlock: %s", strerror(errno));
	run(pg(S + 1), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* VmLck (the process's locked_vm) in kB, from /proc/self/status. */
static long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (!f)
		die("open status");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* 8 mlocked pages, DONTUNMAP|FIXED of the whole VMA: how much VmLck grew,
 * in lengths of the range, before the call, after it and once both
 * ranges are unmapped. 6.18 counts the range twice and keeps one count for good
 * (SPEC.md section 4): tests/dontunmap.bats documents it. */
static void du_anon_mlocked_vmlck(void)
{
	unsigned long range_kb = 8 * PS / 1024;
	long before, after;

	anon(S, 8, RW, 'A');
	if (mlock((void *)pg(S), 8 * PS))
		skip("mlock: %s", strerror(errno));
	anon(D, 8, RO, 'X');
	before = vmlck_kb();
	call(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	after = vmlck_kb();
	report();
	munmap((void *)pg(S), 8 * PS);
	munmap((void *)pg(D), 8 * PS);
	printf("VmLck, in lengths of the range: %g before the call, %g after it, %g once both ranges are unmapped\n",
	       (double)before / (double)range_kb, (double)after / (double)range_kb,
	       (double)vmlck_kb() / (double)range_kb);
}

static void du_anon_mlock_onfault(void)
{
	anon(S, 4, RW, 'A');
	if (syscall(SYS_mlock2, pg(S), 4 * PS, MLOCK_ONFAULT))
		skip("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
	run(pg(S + 1), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_named(void)
{
	anon(S, 4, RW, 'A');
	name_anon(S, 4, "scenario-heap");
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_named_partial(void)
{
	anon(S, 6, RW, 'A');
	name_anon(S, 6, "scenario-heap");
	run(pg(S + 2), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void madvise_or_skip(unsigned long page, unsigned long n, int advice, const char *name)
{
	if (madvise((void *)pg(page), n * PS, advice))
		skip("madvise(%s): %s", name, strerror(errno));
}

static void du_anon_madvised(void)
{
	anon(S, 4, RW, 'A');
	madvise_or_skip(S, 4, MADV_DONTFORK, "MADV_DONTFORK");
	madvise_or_skip(S, 4, MADV_DONTDUMP, "MADV_DONTDUMP");
	madvise_or_skip(S, 4, MADV_WIPEONFORK, "MADV_WIPEONFORK");
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_anon_nohugepage(void)
{
	anon(S, 4, RW, 'A');
	madvise_or_skip(S, 4, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Writes a marker through the new range after the call: a shared object
 * shows it through the old range too. */
static void write_through_new(void)
{
	if (g_ret != -1)
		fill_page((void *)g_ret, 'N', 0);
}

static void du_shared_anon(void)
{
	shared_anon(S, 4, RW, 'A');
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

static void du_shared_anon_hint(void)
{
	shared_anon(S, 4, RW, 'A');
	fill_arena(D, 4);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

static void du_shared_anon_partial(void)
{
	shared_anon(S, 6, RW, 'A');
	call(pg(S + 2), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

static void du_memfd_shared(void)
{
	int fd = make_memfd('M', 8);

	map_fd(S, 4, RW, MAP_SHARED, fd, 2);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

/* A memfd mapped privately: a private file mapping of shmem. */
static void du_memfd_private(void)
{
	int fd = make_memfd('M', 8);

	private_file(S, 4, RW, fd, 2, 0x5, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_shm_file(void)
{
	int fd = make_shm_file('H', 4);

	map_fd(S, 4, RW, MAP_SHARED, fd, 0);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

/* Private file mapping, pages 0 and 2 written (private copies): they move;
 * the old range shows the file again. */
static void du_file_private(void)
{
	int fd = make_file("data", 'F', 8);

	private_file(S, 4, RW, fd, 1, 0x5, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_file_private_hint(void)
{
	int fd = make_file("data", 'F', 8);

	private_file(S, 4, RW, fd, 1, 0x5, 'A');
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void du_file_private_readonly(void)
{
	int fd = make_file("data", 'F', 8);

	private_file(S, 4, RO, fd, 0, 0x2, 'A');
	run(pg(S + 1), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_file_shared(void)
{
	int fd = make_file("data", 'F', 8);

	map_fd(S, 4, RW, MAP_SHARED, fd, 2);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	write_through_new();
	report();
}

/* ---- errors ---------------------------------------------------------- */

static void du_err_no_maymove(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	run(pg(S), 4 * PS, 4 * PS, FIXED | DONTUNMAP, pg(D));
}

static void du_err_no_maymove_hint(void)
{
	anon(S, 4, RW, 'A');
	run(pg(S), 4 * PS, 4 * PS, DONTUNMAP, pg(D));
}

static void du_err_len_differ(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 8, RW, 'X');
	run(pg(S), 4 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_err_unaligned_old(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	run(pg(S) + 16, 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_err_unaligned_new(void)
{
	anon(S, 4, RW, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D) + 16);
}

static void du_err_unaligned_new_fixed(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D) + 16);
}

/* A hint overlapping the source: EINVAL, although it is only a hint. */
static void du_err_hint_overlap(void)
{
	anon(S, 4, RW, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(S + 2));
}

static void du_err_unmapped_old(void)
{
	anon(D + 8, 4, RW, 'X');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* old above every VMA, the range wrapping past the top of the address
 * space: no VMA, EFAULT (never a success at address 0). */
static void du_err_old_above_task_size(void)
{
	anon(D, 4, RW, 'X');
	run(0UL - PS, 2 * PS, 2 * PS, MAYMOVE | DONTUNMAP, 0);
}

static void du_err_unmapped_old_fixed(void)
{
	anon(D, 4, RW, 'X');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Two VMAs, a hint (no FIXED): the single-VMA path says EFAULT. */
static void du_err_crosses_vma_end(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void du_err_crosses_into_gap(void)
{
	anon(S, 2, RW, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static bool find_special(const char *name, unsigned long *s, unsigned long *e)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;

	if (!f)
		die("open maps");
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, name) && sscanf(line, "%lx-%lx", s, e) == 2) {
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static void print_special(const char *name, unsigned long s0, unsigned long e0)
{
	unsigned long s, e;

	if (find_special(name, &s, &e))
		printf("%s: %s\n", name, s == s0 && e == e0 ? "unchanged" : "changed");
	else
		printf("%s: gone\n", name);
}

static void du_vdso(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 4, RW, 'X');
	call(s, e - s, e - s, MAYMOVE | DONTUNMAP, 0);
	print_special("[vdso]", s, e);
	report();
}

static void du_vdso_fixed(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 4, RW, 'X');
	call(s, e - s, e - s, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_special("[vdso]", s, e);
	report();
}

/* The default huge page size in KiB (/proc/meminfo), or 0. */
static long hugepage_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void need_hugepages(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "re");
	long n = 0, kib;

	if (!f || fscanf(f, "%ld", &n) != 1)
		n = 0;
	if (f)
		fclose(f);
	if (n < 4)
		skip("no hugepages (vm.nr_hugepages = %ld)", n);
	/* The layouts compared with the oracle's assume huge pages of
	 * HUGE_ALIGN (arm64 with 16 KiB pages has 32 MiB ones). */
	kib = hugepage_kib();
	if (kib * 1024 != (long)HUGE_ALIGN)
		skip("huge pages of %ld KiB here; the hugetlb scenarios assume %lu KiB", kib,
		     HUGE_ALIGN / 1024);
}

static void du_hugetlb(void)
{
	unsigned long h = HUGE_ALIGN / PS; /* pages per huge page */
	void *p;

	need_hugepages();
	p = mmap((void *)pg(h), HUGE_ALIGN, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED,
		 -1, 0);
	if (p == MAP_FAILED)
		skip("MAP_HUGETLB: %s", strerror(errno));
	fill(pg(h), h, 'A', 0);
	run(pg(h), HUGE_ALIGN, HUGE_ALIGN, MAYMOVE | FIXED | DONTUNMAP, pg(4 * h));
}

static void du_hugetlb_hint(void)
{
	unsigned long h = HUGE_ALIGN / PS;
	void *p;

	need_hugepages();
	p = mmap((void *)pg(h), HUGE_ALIGN, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED,
		 -1, 0);
	if (p == MAP_FAILED)
		skip("MAP_HUGETLB: %s", strerror(errno));
	fill(pg(h), h, 'A', 0);
	run(pg(h), HUGE_ALIGN, HUGE_ALIGN, MAYMOVE | DONTUNMAP, 0);
}

/* ---- userfaultfd ----------------------------------------------------- */

/* The registration stays on the old range (um); the new range has none. */
static void du_uffd_registered(void)
{
	anon(S, 4, RW, 'A');
	uffd_register(S, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_uffd_registered_partial(void)
{
	anon(S, 6, RW, 'A');
	uffd_register(S, 6);
	run(pg(S + 2), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_uffd_registered_hint(void)
{
	anon(S, 4, RW, 'A');
	uffd_register(S, 4);
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static volatile unsigned char fault_seen;

static void *toucher(void *arg)
{
	fault_seen = *(volatile unsigned char *)arg;
	return NULL;
}

/* LTP mremap07: after DONTUNMAP, a touch of the old range reaches the
 * userfaultfd handler, at the old address. */
static void du_uffd_fault(void)
{
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t t;
	static unsigned char page[PS_MAX] __attribute__((aligned(PS_MAX)));
	static unsigned char stack[1 << 18] __attribute__((aligned(PS_MAX)));
	pthread_attr_t attr;
	int n;

	anon(S, 4, RW, 'A');
	uffd_register(S, 4);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	if (g_ret == -1) {
		report();
		return;
	}
	/* A stack of our own: one from mmap(NULL) could land in the arena. */
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, sizeof(stack)) ||
	    pthread_create(&t, &attr, toucher, (void *)(pg(S + 1) + 0x10)))
		die("pthread_create");
	pfd.fd = uffd;
	pfd.events = POLLIN;
	n = poll(&pfd, 1, 5000);
	if (n == 1 && read(uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT) {
		unsigned long a = (unsigned long)msg.arg.pagefault.address;
		struct uffdio_copy copy;
		char ad[40];

		fmt_start(ad, sizeof(ad), a & ~(PS - 1));
		printf("fault at %s%s\n", ad,
		       msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE ? " write" : " read");
		fill_page(page, 'U', 0);
		copy.dst = a & ~(PS - 1);
		copy.src = (unsigned long)page;
		copy.len = PS;
		copy.mode = 0;
		copy.copy = 0;
		if (ioctl(uffd, UFFDIO_COPY, &copy))
			printf("UFFDIO_COPY: %s\n", errno_name(errno));
	} else {
		printf("no fault reported\n");
		uffd_close(); /* wakes the toucher */
	}
	pthread_join(t, NULL);
	printf("toucher read 0x%02x\n", fault_seen);
	report();
}

/* ---- scenarios: the multi-VMA move ------------------------------------- */

/* Three VMAs of different protection, moved as one. */
static void mv_three_prot(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	anon(S + 4, 2, NONE, 'C');
	run(pg(S), 6 * PS, 6 * PS, MAYMOVE | FIXED, pg(D));
}

/* Gaps between the VMAs keep their size. */
static void mv_gaps(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 5, 1, RO, 'B');
	anon(S + 7, 2, RW, 'C');
	run(pg(S), 9 * PS, 9 * PS, MAYMOVE | FIXED, pg(D));
}

/* The range starts and ends inside VMAs: both are split. */
static void mv_split_ends(void)
{
	anon(S, 4, RW, 'A');
	anon(S + 4, 2, RO, 'B');
	anon(S + 7, 4, RW, 'C');
	run(pg(S + 2), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

static void mv_trailing_gap(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

/* One VMA followed by a gap inside the range: allowed since 6.17. */
static void mv_trailing_gap_single(void)
{
	anon(S, 3, RW, 'A');
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED, pg(D));
}

static void mv_leading_gap(void)
{
	anon(S + 2, 2, RW, 'A');
	anon(S + 4, 2, RO, 'B');
	anon(D, 6, RW, 'X');
	run(pg(S), 6 * PS, 6 * PS, MAYMOVE | FIXED, pg(D));
}

/* Nothing mapped in the range: EFAULT, and the destination stays. */
static void mv_unmapped(void)
{
	anon(S + 8, 2, RW, 'A');
	anon(D, 6, RW, 'X');
	run(pg(S), 6 * PS, 6 * PS, MAYMOVE | FIXED, pg(D));
}

/* Mappings in the destination: under a source gap they stay, under a
 * source VMA they are replaced. */
static void mv_dest_gap_mapping(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 5, 2, RO, 'B');
	anon(D + 1, 2, RW, 'X');   /* half under A, half under the gap */
	anon(D + 3, 1, RO, 'Y');   /* under the gap */
	anon(D + 6, 3, RW, 'Z');   /* under B's second page, and past the range */
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

/* Anonymous, private file, shared anonymous, memfd, side by side. */
static void mv_mixed_kinds(void)
{
	int f = make_file("data", 'F', 8);
	int m = make_memfd('M', 8);

	anon(S, 2, RW, 'A');
	private_file(S + 2, 3, RW, f, 2, 0x2, 'B');
	shared_anon(S + 5, 2, RW, 'C');
	map_fd(S + 7, 2, RW, MAP_SHARED, m, 3);
	run(pg(S), 9 * PS, 9 * PS, MAYMOVE | FIXED, pg(D));
}

/* DONTUNMAP|FIXED across VMAs and a gap: every source VMA stays, emptied. */
static void mv_dontunmap(void)
{
	int f = make_file("data", 'F', 8);
	int m = make_memfd('M', 8);

	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	private_file(S + 5, 3, RW, f, 1, 0x1, 'C');
	map_fd(S + 8, 2, RW, MAP_SHARED, m, 0);
	run(pg(S), 10 * PS, 10 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void mv_dontunmap_split_ends(void)
{
	anon(S, 4, RW, 'A');
	anon(S + 4, 2, RO, 'B');
	shared_anon(S + 7, 4, RW, 'C');
	run(pg(S + 2), 7 * PS, 7 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A userfaultfd-registered VMA first, the range going past it. */
static void mv_uffd_first(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	uffd_register(S, 2);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED, pg(D));
}

/* A registered VMA later: the earlier pieces are moved, then EFAULT. */
static void mv_uffd_later(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(S + 5, 2, RW, 'C');
	uffd_register(S + 5, 2);
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

/* A registered VMA followed by a gap in the range: EFAULT, nothing moved. */
static void mv_uffd_single_trailing_gap(void)
{
	anon(S, 2, RW, 'A');
	uffd_register(S, 2);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED, pg(D));
}

/* A single registered VMA, the range ending inside it: an ordinary move. */
static void mv_uffd_single_inside(void)
{
	anon(S, 4, RW, 'A');
	uffd_register(S, 4);
	run(pg(S), 2 * PS, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* DONTUNMAP across VMAs with a registered VMA later. */
static void mv_uffd_later_dontunmap(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	uffd_register(S + 2, 2);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The destination overlaps only a gap of the source: EINVAL. */
static void mv_overlap_gap(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 1, RO, 'B');
	run(pg(S), 10 * PS, 10 * PS, MAYMOVE | FIXED, pg(S + 6));
}

/* The destination overlaps a VMA of the source: EINVAL. */
static void mv_overlap_source(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 30, 2, RO, 'B');
	run(pg(S), 32 * PS, 32 * PS, MAYMOVE | FIXED, pg(S + 4));
}

/* Growing across VMAs: EFAULT. */
static void mv_grow(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	anon(D, 2, RW, 'X');
	run(pg(S), 4 * PS, 6 * PS, MAYMOVE | FIXED, pg(D));
}

/* Shrinking FIXED across VMAs: the tail unmapped, the head moved. */
static void mv_shrink(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	anon(S + 5, 2, RW, 'C');
	run(pg(S), 7 * PS, 1 * PS, MAYMOVE | FIXED, pg(D));
}

static void mv_dontunmap_nofixed(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void sysv(unsigned long page, unsigned long npages, char id)
{
	int id_ = shmget(IPC_PRIVATE, npages * PS, IPC_CREAT | 0600);
	void *p;

	if (id_ < 0)
		skip("shmget: %s", strerror(errno));
	p = shmat(id_, (void *)pg(page), 0);
	shmctl(id_, IPC_RMID, NULL);
	if (p == (void *)-1)
		skip("shmat: %s", strerror(errno));
	fill(pg(page), npages, id, 0);
}

static void mv_sysv_first(void)
{
	sysv(S, 2, 'A');
	anon(S + 2, 2, RO, 'B');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED, pg(D));
}

static void mv_sysv_later(void)
{
	anon(S, 2, RW, 'A');
	sysv(S + 3, 2, 'B');
	anon(S + 5, 2, RO, 'C');
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

/* A single SysV segment, the range ending inside it: an ordinary move. */
static void mv_sysv_single_inside(void)
{
	sysv(S, 4, 'A');
	run(pg(S), 2 * PS, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* 1,000 single-page VMAs, alternately rw and r. */
static void mv_thousand(void)
{
	unsigned long i;

	anon(S, 1000, RW, 'A');
	for (i = 1; i < 1000; i += 2)
		xprotect(S + i, 1, RO);
	run(pg(S), 1000 * PS, 1000 * PS, MAYMOVE | FIXED, pg(D));
}

/* 1,900 single-page VMAs, alternately rw and r, back to back: their maps
 * lines all have one length (49 bytes: no path), so whatever the lines
 * before them, a 1 KiB read of /proc/self/maps ends exactly at the end of
 * one of them at least once (49 is prime to 1024). Linux 4.x and 5.x
 * resume the next read after the end of the last VMA shown: moved away,
 * its adjacent successor is then the VMA found there, and skipped. A
 * reader that trusts the stream leaves that piece at its source. */
static void mv_many_adjacent(void)
{
	unsigned long i;

	anon(S, 1900, RW, 'A');
	for (i = 1; i < 1900; i += 2)
		xprotect(S + i, 1, RO);
	run(pg(S), 1900 * PS, 1900 * PS, MAYMOVE | FIXED, pg(D));
}

static void mseal_or_skip(unsigned long page, unsigned long npages)
{
#ifdef SYS_mseal
	if (syscall(SYS_mseal, pg(page), npages * PS, 0))
		skip("mseal: %s", strerror(errno));
#else
	(void)page;
	(void)npages;
	skip("mseal: no system call number here");
#endif
}

static void mv_mseal_first(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 2, 2, RO, 'B');
	mseal_or_skip(S, 2);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED, pg(D));
}

static void mv_mseal_later(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(S + 5, 2, RW, 'C');
	mseal_or_skip(S + 5, 2);
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

/* A sealed destination under a later piece: EPERM after the first. */
static void mv_mseal_dest(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(D + 3, 1, RW, 'X');
	mseal_or_skip(D + 3, 1);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED, pg(D));
}

/* An ordinary single-VMA FIXED move. */
static void mv_single_fixed(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 2, RO, 'X');
	run(pg(S + 1), 2 * PS, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* ---- scenarios: refusal order (check_prep_vma) ------------------------- */

/* An AIO ring (VM_DONTEXPAND), found in the maps as [aio]. */
static bool aio_ring(unsigned long *s, unsigned long *e)
{
	unsigned long ctx = 0;

	if (syscall(SYS_io_setup, 1, &ctx))
		skip("io_setup: %s", strerror(errno));
	if (!find_special("[aio]", s, e))
		skip("no [aio] mapping after io_setup");
	return true;
}

/* DONTUNMAP of a VM_DONTEXPAND mapping is EINVAL before "the range crosses
 * the end of the VMA" (EFAULT): the [vdso] and one page past its end. */
static void ro_vdso_past_end_hint(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 4, RW, 'X');
	call(s, e - s + PS, e - s + PS, MAYMOVE | DONTUNMAP, 0);
	print_special("[vdso]", s, e);
	report();
}

static void ro_vdso_past_end_fixed(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 8, RW, 'X');
	call(s, e - s + PS, e - s + PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_special("[vdso]", s, e);
	report();
}

static void ro_aio_past_end_hint(void)
{
	unsigned long s, e;

	aio_ring(&s, &e);
	anon(D, 4, RW, 'X');
	call(s, e - s + PS, e - s + PS, MAYMOVE | DONTUNMAP, pg(D));
	print_special("[aio]", s, e);
	report();
}

static void ro_aio_past_end_fixed(void)
{
	unsigned long s, e;

	aio_ring(&s, &e);
	anon(D, 16, RW, 'X');
	call(s, e - s + PS, e - s + PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_special("[aio]", s, e);
	report();
}

/* The AIO ring itself, DONTUNMAP with a hint: EINVAL (VM_DONTEXPAND). */
static void ro_aio_whole_hint(void)
{
	unsigned long s, e;

	aio_ring(&s, &e);
	anon(D, 4, RW, 'X');
	call(s, e - s, e - s, MAYMOVE | DONTUNMAP, pg(D));
	print_special("[aio]", s, e);
	report();
}

/* Sealed comes before VM_DONTEXPAND: EPERM. */
static void ro_aio_sealed_hint(void)
{
	unsigned long s, e;

	aio_ring(&s, &e);
#ifdef SYS_mseal
	if (syscall(SYS_mseal, s, e - s, 0))
		skip("mseal: %s", strerror(errno));
#else
	skip("mseal: no system call number here");
#endif
	anon(D, 4, RW, 'X');
	call(s, e - s + PS, e - s + PS, MAYMOVE | DONTUNMAP, pg(D));
	print_special("[aio]", s, e);
	report();
}

/* Sealed comes before "the range crosses the end": EPERM. */
static void ro_sealed_crossing_hint(void)
{
	anon(S, 2, RW, 'A');
	mseal_or_skip(S, 2);
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* The duplicate of a private mapping (old_len 0) is EINVAL, but a sealed
 * one is EPERM first. */
static void ro_sealed_dup_private(void)
{
	anon(S, 2, RW, 'A');
	mseal_or_skip(S, 2);
	anon(D, 4, RW, 'X');
	run(pg(S), 0, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* The duplicate of a private mapping: EINVAL, the destination stays. */
static void ro_dup_private(void)
{
	anon(S, 2, RW, 'A');
	anon(D, 4, RW, 'X');
	run(pg(S), 0, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* A FIXED grow of VM_DONTEXPAND memory whose source also crosses its end:
 * EFAULT either way; the destination stays. */
static void ro_vdso_grow_fixed(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 8, RW, 'X');
	call(s, e - s, e - s + PS, MAYMOVE | FIXED, pg(D));
	print_special("[vdso]", s, e);
	report();
}

/* DONTUNMAP|FIXED of VM_DONTEXPAND memory onto a sealed destination: the
 * source refusal (EINVAL) comes before the destination's unmap (EPERM). */
static void ro_vdso_sealed_dest(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 8, RW, 'X');
	mseal_or_skip(D, 8);
	call(s, e - s, e - s, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_special("[vdso]", s, e);
	report();
}

/* DONTUNMAP|FIXED of ordinary memory onto a sealed destination: EPERM,
 * nothing moved. */
static void ro_sealed_dest_dontunmap(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	mseal_or_skip(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A hint past the end of the address space with DONTUNMAP: EINVAL from
 * the argument checks, before the VMA (here: none) is looked at. */
static void ro_unmapped_bad_hint(void)
{
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, (unsigned long)-4 * PS);
}

/* ---- scenarios: multi-VMA refusals (driver-placed mappings) ------------ */

/* A private mapping of /dev/zero: its driver has its own
 * get_unmapped_area, so it is not multi-movable (doc/behaviour.md §5). */
static void devzero_private(unsigned long page, unsigned long npages, char id)
{
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		skip("/dev/zero: %s", strerror(errno));
	xmap(page, npages, RW, MAP_PRIVATE, fd, 0);
	close(fd);
	fill(pg(page), npages, id, 0);
}

/* The issue's input: 8 pages, pages 4-7 read-only, a FIXED move of all. */
static void mr_devzero_two(void)
{
	devzero_private(S, 8, 'Z');
	xprotect(S + 4, 4, RO);
	anon(D, 8, RW, 'X');
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

static void mr_devzero_two_dontunmap(void)
{
	devzero_private(S, 8, 'Z');
	xprotect(S + 4, 4, RO);
	anon(D, 8, RW, 'X');
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A later VMA refused: the earlier piece stays moved. */
static void mr_devzero_later(void)
{
	anon(S, 2, RW, 'A');
	devzero_private(S + 3, 2, 'Z');
	anon(S + 5, 2, RO, 'C');
	run(pg(S), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D));
}

static void mr_devzero_later_dontunmap(void)
{
	anon(S, 2, RW, 'A');
	devzero_private(S + 3, 2, 'Z');
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* One such VMA, the range followed by a gap: EFAULT, nothing moved. */
static void mr_devzero_trailing_gap(void)
{
	devzero_private(S, 4, 'Z');
	anon(D, 6, RW, 'X');
	run(pg(S), 6 * PS, 6 * PS, MAYMOVE | FIXED, pg(D));
}

/* One such VMA, the range ending inside it: an ordinary move. */
static void mr_devzero_single_inside(void)
{
	devzero_private(S, 8, 'Z');
	run(pg(S + 2), 4 * PS, 4 * PS, MAYMOVE | FIXED, pg(D));
}

/* A shared mapping of /dev/zero is shmem: multi-movable. */
static void mr_devzero_shared_two(void)
{
	int fd = open("/dev/zero", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		skip("/dev/zero: %s", strerror(errno));
	xmap(S, 8, RW, MAP_SHARED, fd, 0);
	close(fd);
	fill(pg(S), 8, 'Z', 0);
	xprotect(S + 4, 4, RO);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

/* A file on ramfs (its own get_unmapped_area): SCENARIO_RAMFS names a
 * directory on a ramfs mount (tests/multivma-refusals.bats mounts one). */
static int ramfs_file(char id, unsigned long npages)
{
	const char *dir = getenv("SCENARIO_RAMFS");
	int fd;

	if (!dir || !*dir)
		skip("no ramfs mount (SCENARIO_RAMFS unset)");
	snprintf(files[nfiles], sizeof(files[nfiles]), "%s/scenario-%d", dir, (int)getpid());
	fd = open(files[nfiles], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		skip("ramfs file: %s", strerror(errno));
	nfiles++;
	write_pattern(fd, id, npages);
	add_label(fd, "file:ramfs");
	return fd;
}

static void mr_ramfs_private_two(void)
{
	int fd = ramfs_file('R', 8);

	private_file(S, 8, RW, fd, 0, 0x3, 'A');
	xprotect(S + 4, 4, RO);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

static void mr_ramfs_shared_later(void)
{
	int fd = ramfs_file('R', 8);

	anon(S, 2, RW, 'A');
	map_fd(S + 3, 2, RW, MAP_SHARED, fd, 0);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED, pg(D));
}

/* A regular file here (ext4 and friends: thp_get_unmapped_area) and a
 * /dev/shm file (shmem): multi-movable. */
static void mr_file_two(void)
{
	int fd = make_file("data", 'F', 8);

	private_file(S, 8, RW, fd, 0, 0x3, 'A');
	xprotect(S + 4, 4, RO);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

static void mr_shm_file_two(void)
{
	int fd = make_shm_file('H', 8);

	map_fd(S, 8, RW, MAP_SHARED, fd, 0);
	xprotect(S + 4, 4, RO);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

/* ---- scenarios: locks and limits ----------------------------------------- */

/* Drops CAP_IPC_LOCK from the effective set, so that RLIMIT_MEMLOCK counts
 * as it does for an unprivileged process (a no-op when already so). */
static void drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return;
	d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
	if (syscall(SYS_capset, &h, d))
		skip("capset: %s", strerror(errno));
}

static void memlock_limit(unsigned long pages)
{
	struct rlimit rl = { pages * PS, pages * PS };

	drop_ipc_lock();
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		skip("setrlimit(RLIMIT_MEMLOCK): %s", strerror(errno));
}

static void xmlock(unsigned long page, unsigned long npages)
{
	if (mlock((void *)pg(page), npages * PS))
		skip("mlock: %s", strerror(errno));
}

/* The issue's input: RLIMIT_MEMLOCK 64 pages, 40 pages of shared anonymous
 * memory locked, DONTUNMAP: the kernel moves locked pages without a new
 * check; a duplicate would be a grow, checked. */
static void li_memlock_shared_fixed(void)
{
	memlock_limit(64);
	shared_anon(S, 40, RW, 'A');
	xmlock(S, 40);
	run(pg(S), 40 * PS, 40 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_memlock_shared_hint(void)
{
	memlock_limit(64);
	shared_anon(S, 40, RW, 'A');
	xmlock(S, 40);
	fill_arena(D, 40);
	run(pg(S), 40 * PS, 40 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* Part of the locked VMA: the whole old VMA loses lo. */
static void li_memlock_shared_partial(void)
{
	memlock_limit(64);
	shared_anon(S, 40, RW, 'A');
	xmlock(S, 40);
	run(pg(S + 8), 16 * PS, 16 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_memlock_memfd_fixed(void)
{
	int fd = make_memfd('M', 40);

	memlock_limit(64);
	map_fd(S, 40, RW, MAP_SHARED, fd, 0);
	xmlock(S, 40);
	run(pg(S), 40 * PS, 40 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_memlock_private_fixed(void)
{
	memlock_limit(64);
	anon(S, 40, RW, 'A');
	xmlock(S, 40);
	run(pg(S), 40 * PS, 40 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* MLOCK_ONFAULT on shared memory, page 0 touched: lo lf on the new range,
 * and only that page present. */
static void li_memlock_shared_onfault(void)
{
	shared_anon(S, 8, RW, 'A');
	madvise_or_skip(S, 8, MADV_DONTNEED, "MADV_DONTNEED");
	if (syscall(SYS_mlock2, pg(S), 8 * PS, MLOCK_ONFAULT))
		skip("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
	*(volatile char *)pg(S) = 1;
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A FIXED grow of locked memory past RLIMIT_MEMLOCK: EAGAIN, and the
 * destination stays. */
static void li_memlock_grow_fixed(void)
{
	memlock_limit(64);
	anon(S, 40, RW, 'A');
	xmlock(S, 40);
	anon(D, 80, RW, 'X');
	run(pg(S), 40 * PS, 80 * PS, MAYMOVE | FIXED, pg(D));
}

/* RLIMIT_AS: set so that exactly 'spare' more pages fit. */
static void as_limit_spare(unsigned long spare)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long kb = 0;
	struct rlimit rl;

	if (!f)
		die("open status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	if (!kb)
		skip("no VmSize");
	/* stdout's buffer is allocated at the first printf: do it now. */
	fflush(stdout);
	rl.rlim_cur = rl.rlim_max = kb * 1024 + spare * PS;
	if (setrlimit(RLIMIT_AS, &rl))
		skip("setrlimit(RLIMIT_AS): %s", strerror(errno));
}

/* The whole new range must fit: ENOMEM with 3 of 4 pages to spare. */
static void li_as_du_hint_short(void)
{
	anon(S, 4, RW, 'A');
	printf("limit: 3 pages to spare\n");
	as_limit_spare(3);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void li_as_du_hint_exact(void)
{
	anon(S, 4, RW, 'A');
	printf("limit: 4 pages to spare\n");
	as_limit_spare(4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* FIXED over a mapping of the same size: the destination is unmapped
 * first, so nothing needs to spare. */
static void li_as_du_fixed_over(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	printf("limit: 0 pages to spare\n");
	as_limit_spare(0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_as_du_fixed_free(void)
{
	anon(S, 4, RW, 'A');
	printf("limit: 3 pages to spare\n");
	as_limit_spare(3);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_as_shared_du_fixed_over(void)
{
	shared_anon(S, 4, RW, 'A');
	anon(D, 4, RW, 'X');
	printf("limit: 0 pages to spare\n");
	as_limit_spare(0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_as_shared_du_hint_exact(void)
{
	shared_anon(S, 4, RW, 'A');
	printf("limit: 4 pages to spare\n");
	as_limit_spare(4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void li_as_shared_du_hint_short(void)
{
	shared_anon(S, 4, RW, 'A');
	printf("limit: 3 pages to spare\n");
	as_limit_spare(3);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* A multi-VMA move at the limit: a move needs no new room. */
static void li_as_mv_fixed(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	printf("limit: 0 pages to spare\n");
	as_limit_spare(0);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED, pg(D));
}

/* vm.max_map_count: the process is brought to exactly max - 'below'
 * mappings, with single-page VMAs outside the arena. */
static unsigned long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long n = 0;
	char line[4608];

	if (!f)
		die("open maps");
	/* [vsyscall] is listed but is no VMA of the process */
	while (fgets(line, sizeof(line), f))
		n += strchr(line, '\n') && !strstr(line, "[vsyscall]");
	fclose(f);
	return n;
}

/* A region of 'pages' pages outside the arena. */
static char *outside_arena(unsigned long pages)
{
	unsigned long len = pages * PS, end = arena + ARENA_PAGES * PS;
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap outside the arena");
	if ((unsigned long)p < end && (unsigned long)p + len > arena) {
		munmap(p, len);
		p = mmap((void *)(arena - len - HUGE_ALIGN), len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			p = mmap((void *)(end + HUGE_ALIGN), len, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
				 -1, 0);
		if (p == MAP_FAILED)
			die("mmap outside the arena");
	}
	return p;
}

static void map_count_at(unsigned long below)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	unsigned long max = 0, n, want, pages, i;
	char *p;

	if (!f || fscanf(f, "%lu", &max) != 1)
		skip("cannot read vm.max_map_count");
	fclose(f);
	if (max > 1000000)
		skip("vm.max_map_count is %lu: too many mappings to make", max);
	fflush(stdout);
	pages = 2 * max + 8;
	p = outside_arena(pages);
	/* (stdio and /proc reads allocate: settle the count before the end) */
	n = count_maps();
	want = max - below;
	/* every other page readable: each adds two VMAs, except the last */
	for (i = 1; n < want && i + 1 < pages; i += 2) {
		if (want - n == 1) {
			/* one more: split off the region's last page */
			if (mprotect(p + (pages - 1) * PS, PS, PROT_READ))
				die("mprotect");
			n++;
			break;
		}
		if (mprotect(p + i * PS, PS, PROT_READ))
			die("mprotect");
		n += 2;
	}
	n = count_maps();
	if (n != want)
		skip("could not reach %lu mappings (have %lu)", want, n);
	printf("mappings: max - %lu\n", below);
}

static void li_mapcount_du_fixed_at(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_mapcount_du_fixed_below(void)
{
	anon(S, 4, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(6);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_mapcount_du_hint_at(void)
{
	anon(S, 4, RW, 'A');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void li_mapcount_shared_du_at(void)
{
	shared_anon(S, 4, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A multi-VMA move at the edge: ENOMEM up front, nothing moved. */
static void li_mapcount_mv_at(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(S + 6, 2, RW, 'C');
	map_count_at(5);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

static void li_mapcount_mv_below(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(S + 6, 2, RW, 'C');
	map_count_at(6);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

/* Pieces that split VMAs at both ends, two below the edge. */
static void li_mapcount_mv_split_below(void)
{
	anon(S, 4, RW, 'A');
	anon(S + 5, 4, RO, 'B');
	anon(D, 12, RW, 'X');
	map_count_at(6);
	run(pg(S + 1), 7 * PS, 7 * PS, MAYMOVE | FIXED, pg(D + 2));
}

static void li_mapcount_mv_dontunmap_at(void)
{
	anon(S, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	map_count_at(5);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* At max - 6: DONTUNMAP|FIXED across an anonymous VMA, a gap and shared
 * memory (the alias). */
static void li_mapcount_mv_dontunmap_shared_below(void)
{
	anon(S, 2, RW, 'A');
	shared_anon(S + 3, 2, RW, 'B');
	map_count_at(6);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The same at max - 7. */
static void li_mapcount_mv_dontunmap_shared_below7(void)
{
	anon(S, 2, RW, 'A');
	shared_anon(S + 3, 2, RW, 'B');
	map_count_at(7);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Shared memory with only some pages mapped: the new range has exactly
 * those (a read fault's fault-around must not add the others). */
static void li_shared_some_present(void)
{
	shared_anon(S, 8, RW, 'A');
	madvise_or_skip(S, 8, MADV_DONTNEED, "MADV_DONTNEED");
	*(volatile char *)pg(S + 2) = 1;
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_mapcount_du_hint_below(void)
{
	anon(S, 4, RW, 'A');
	map_count_at(6);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void li_mapcount_shared_du_below(void)
{
	shared_anon(S, 4, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(6);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_mapcount_shared_du_hint_below(void)
{
	shared_anon(S, 4, RW, 'A');
	map_count_at(6);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

static void li_mapcount_du_partial_below(void)
{
	anon(S, 8, RW, 'A');
	map_count_at(6);
	run(pg(S + 2), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* ---- scenarios: hints and the stack guard gap --------------------------- */

/* vm.stack_guard_gap is a boot parameter (stack_guard_gap=, in pages;
 * 256 by default). */
static unsigned long guard_gap_pages(void)
{
	FILE *f = fopen("/proc/cmdline", "re");
	char line[4096], *p;
	unsigned long gap = 256;

	if (f && fgets(line, sizeof(line), f) && (p = strstr(line, "stack_guard_gap=")))
		gap = strtoul(p + 16, NULL, 0);
	if (f)
		fclose(f);
	return gap;
}

static void print_at_hint(unsigned long hint)
{
	printf("at hint: %s\n", g_ret == -1 ? "failed" : (unsigned long)g_ret == hint ? "yes" : "no");
}

/* A MAP_GROWSDOWN mapping at page 'top' of the arena (4 pages). */
static void growsdown(unsigned long top)
{
	xmap(top, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	fill(pg(top), 4, 'G', 0);
}

/* A DONTUNMAP hint 'below' pages under a MAP_GROWSDOWN mapping: inside
 * the guard gap the kernel does not take it. */
static void hint_below_growsdown(unsigned long below, int flags)
{
	unsigned long gap = guard_gap_pages(), top, hint;

	if (gap + 400 > ARENA_PAGES - 8)
		skip("stack_guard_gap of %lu pages does not fit the arena", gap);
	top = ARENA_PAGES - 8;
	hint = top - below - 4;
	anon(S, 4, RW, 'A');
	growsdown(top);
	fill_arena(hint, top - hint);
	printf("hint: %s\n", below >= gap ? "outside the gap" : "inside the gap");
	call(pg(S), 4 * PS, 4 * PS, flags, pg(hint));
	print_at_hint(pg(hint));
	report();
}

static void hi_growsdown_gap_64(void)
{
	hint_below_growsdown(64, MAYMOVE | DONTUNMAP);
}

/* The last page of the hinted range one page into the gap. */
static void hi_growsdown_gap_edge_in(void)
{
	hint_below_growsdown(guard_gap_pages() - 1, MAYMOVE | DONTUNMAP);
}

/* The hinted range ending exactly where the gap begins: taken. */
static void hi_growsdown_gap_edge_out(void)
{
	hint_below_growsdown(guard_gap_pages(), MAYMOVE | DONTUNMAP);
}

/* FIXED does not look at the gap. */
static void hi_growsdown_gap_fixed(void)
{
	hint_below_growsdown(64, MAYMOVE | FIXED | DONTUNMAP);
}

/* Shared memory (the alias strategy): the same hint rule. */
static void hi_growsdown_gap_shared(void)
{
	unsigned long gap = guard_gap_pages(), top, hint;

	if (gap + 400 > ARENA_PAGES - 8)
		skip("stack_guard_gap of %lu pages does not fit the arena", gap);
	top = ARENA_PAGES - 8;
	hint = top - 64 - 4;
	shared_anon(S, 4, RW, 'A');
	growsdown(top);
	fill_arena(hint, top - hint);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(hint));
	print_at_hint(pg(hint));
	report();
}

/* The issue's input: a hint 64 pages below [stack]. */
static void hi_stack_gap_64(void)
{
	unsigned long s, e, hint;

	if (!find_special("[stack]", &s, &e))
		skip("no [stack]");
	hint = s - (64 + 4) * PS;
	anon(S, 4, RW, 'A');
	fill_arena(0, 0);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, hint);
	print_at_hint(hint);
	print_special("[stack]", s, e);
	report();
}

/* A hint far below [stack] (outside the gap), when that place is free. */
static void hi_stack_far(void)
{
	unsigned long s, e, hint;
	void *p;

	if (!find_special("[stack]", &s, &e))
		skip("no [stack]");
	hint = s - (guard_gap_pages() + 64) * PS;
	p = mmap((void *)hint, 4 * PS, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		skip("the place below [stack] is taken");
	munmap(p, 4 * PS);
	anon(S, 4, RW, 'A');
	fill_arena(0, 0);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, hint);
	print_at_hint(hint);
	print_special("[stack]", s, e);
	report();
}

/* ---- scenarios: userfaultfd state --------------------------------------- */

static int uffd_open_features(unsigned long long features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		skip("userfaultfd unavailable");
	if (ioctl((int)fd, UFFDIO_API, &api))
		skip("userfaultfd features 0x%llx unavailable: %s", features, strerror(errno));
	return (int)fd;
}

static void uffd_register_mode(unsigned long page, unsigned long npages, unsigned long long mode)
{
	struct uffdio_register reg = {
		.range = { .start = pg(page), .len = npages * PS },
		.mode = mode,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		skip("UFFDIO_REGISTER mode 0x%llx: %s", mode, strerror(errno));
}

static void uffd_wp(unsigned long page, unsigned long npages)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = pg(page), .len = npages * PS },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};

	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		skip("UFFDIO_WRITEPROTECT: %s", strerror(errno));
}

/* Which pages carry a userfaultfd write-protect bit or marker (pagemap
 * bit 57), before anything is read. */
static void print_wp(const char *what, unsigned long addr, unsigned long npages)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	unsigned long i;

	if (pm < 0)
		die("open pagemap");
	printf("uffd-wp %s:", what);
	for (i = 0; i < npages; i++) {
		uint64_t e = 0;

		if (pread(pm, &e, 8, (off_t)((addr / PS + i) * 8)) != 8)
			die("pread pagemap");
		printf(" %c", (e >> 57) & 1 ? 'W' : '-');
	}
	printf("\n");
	close(pm);
}

/* Write-protect on shared memory (shmem): every page protected, then
 * DONTUNMAP. The markers move with the pages and, without
 * UFFD_FEATURE_EVENT_REMAP, are dropped: neither range keeps them. */
static void uf_shmem_wp(void)
{
	shared_anon(S, 4, RW, 'A');
	uffd = uffd_open_features(UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
	uffd_register_mode(S, 4, UFFDIO_REGISTER_MODE_WP);
	uffd_wp(S, 4);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_wp("old", pg(S), 4);
	if (g_ret != -1)
		print_wp("new", (unsigned long)g_ret, 4);
	report();
}

/* Some pages not mapped before the call (markers on empty slots). */
static void uf_shmem_wp_sparse(void)
{
	shared_anon(S, 4, RW, 'A');
	madvise_or_skip(S + 2, 2, MADV_DONTNEED, "MADV_DONTNEED");
	uffd = uffd_open_features(UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
	uffd_register_mode(S, 4, UFFDIO_REGISTER_MODE_WP);
	uffd_wp(S, 4);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_wp("old", pg(S), 4);
	if (g_ret != -1)
		print_wp("new", (unsigned long)g_ret, 4);
	report();
}

static void uf_anon_wp(void)
{
	anon(S, 4, RW, 'A');
	uffd = uffd_open_features(0);
	uffd_register_mode(S, 4, UFFDIO_REGISTER_MODE_WP);
	uffd_wp(S, 4);
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	print_wp("old", pg(S), 4);
	if (g_ret != -1)
		print_wp("new", (unsigned long)g_ret, 4);
	report();
}

/* UFFD_FEATURE_EVENT_REMAP: the kernel registers the new range too and
 * queues a REMAP event, and the call waits until it is read. A reader
 * thread reads it. */
static volatile int remap_events;
static volatile int reader_stop;

static void *remap_reader(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	(void)arg;
	while (!reader_stop) {
		if (poll(&pfd, 1, 100) == 1 && read(uffd, &msg, sizeof(msg)) == (ssize_t)sizeof(msg) &&
		    msg.event == UFFD_EVENT_REMAP)
			remap_events++;
	}
	return NULL;
}

static void event_remap(void (*setup)(void), int mode)
{
	static unsigned char stack[1 << 18] __attribute__((aligned(4096)));
	pthread_attr_t attr;
	pthread_t t;

	setup();
	uffd = uffd_open_features(UFFD_FEATURE_EVENT_REMAP);
	uffd_register_mode(S, 4, (unsigned long long)mode);
	/* A stack of our own: one from mmap(NULL) could land in the arena. */
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, sizeof(stack)) ||
	    pthread_create(&t, &attr, remap_reader, NULL))
		die("pthread_create");
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	reader_stop = 1;
	pthread_join(t, NULL);
	printf("REMAP events: %d\n", remap_events);
	report();
}

static void setup_anon4(void)
{
	anon(S, 4, RW, 'A');
}

static void setup_shared4(void)
{
	shared_anon(S, 4, RW, 'A');
}

static void uf_event_remap_anon(void)
{
	event_remap(setup_anon4, UFFDIO_REGISTER_MODE_MISSING);
}

static void uf_event_remap_shared(void)
{
	event_remap(setup_shared4, UFFDIO_REGISTER_MODE_MISSING);
}

/* EVENT_REMAP, 8 pages with pages 0-3 present, DONTUNMAP|FIXED of the
 * whole VMA; then page 6 of the new range, never present, is read. A
 * monitor thread counts the REMAP events and the missing faults (and
 * answers those with a zero page), before the call, during it and at the
 * read: only the read's own fault may reach it. */
static volatile int faults_before_read, faults_total;

static void *monitor(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	(void)arg;
	while (!reader_stop) {
		if (poll(&pfd, 1, 20) != 1 || read(uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_REMAP) {
			remap_events++;
		} else if (msg.event == UFFD_EVENT_PAGEFAULT) {
			struct uffdio_zeropage z = {
				.range = { .start = msg.arg.pagefault.address & ~(PS - 1), .len = PS },
			};

			faults_total++;
			ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		}
	}
	return NULL;
}

static void uf_event_remap_read_missing(void)
{
	static unsigned char stack[1 << 18] __attribute__((aligned(4096)));
	pthread_attr_t attr;
	pthread_t t;

	xmap(S, 8, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(pg(S), 4, 'A', 0);
	uffd = uffd_open_features(UFFD_FEATURE_EVENT_REMAP);
	uffd_register_mode(S, 8, UFFDIO_REGISTER_MODE_MISSING);
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, sizeof(stack)) ||
	    pthread_create(&t, &attr, monitor, NULL))
		die("pthread_create");
	call(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	usleep(50000);
	faults_before_read = faults_total;
	if (g_ret != -1)
		(void)*(volatile char *)(g_ret + 6 * PS);
	usleep(50000);
	reader_stop = 1;
	pthread_join(t, NULL);
	printf("REMAP events: %d\nmissing faults before the read: %d, at the read: %d\n",
	       remap_events, faults_before_read, faults_total - faults_before_read);
	report();
}

/* Without EVENT_REMAP (the common case): the new range is not registered. */
static void uf_no_event_remap_shared(void)
{
	shared_anon(S, 4, RW, 'A');
	uffd = uffd_open_features(0);
	uffd_register_mode(S, 4, UFFDIO_REGISTER_MODE_MISSING);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* EVENT_REMAP, DONTUNMAP with a hint (the single-VMA path). */
static void uf_event_remap_anon_hint(void)
{
	static unsigned char stack[1 << 18] __attribute__((aligned(4096)));
	pthread_attr_t attr;
	pthread_t t;

	anon(S, 4, RW, 'A');
	fill_arena(D, 4);
	uffd = uffd_open_features(UFFD_FEATURE_EVENT_REMAP);
	uffd_register_mode(S, 4, UFFDIO_REGISTER_MODE_MISSING);
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, stack, sizeof(stack)) ||
	    pthread_create(&t, &attr, remap_reader, NULL))
		die("pthread_create");
	call(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
	reader_stop = 1;
	pthread_join(t, NULL);
	printf("REMAP events: %d\n", remap_events);
	report();
}

/* DONTUNMAP|FIXED across an anonymous VMA and, later, a private mapping
 * of a deleted file no longer open: unprivileged, the library cannot open
 * it again (tests/multivma-refusals.bats). */
static void mr_dontunmap_unreopenable_later(void)
{
	int fd = make_file("gone", 'F', 2);

	anon(S, 2, RW, 'A');
	private_file(S + 2, 2, RO, fd, 0, 0x1, 'B');
	close(fd);
	unlink(files[--nfiles]);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The same with a gap between the anonymous VMA and the file. */
static void mr_dontunmap_unreopenable_after_gap(void)
{
	int fd = make_file("gone", 'F', 2);

	anon(S, 2, RW, 'A');
	private_file(S + 3, 2, RO, fd, 0, 0x1, 'B');
	close(fd);
	unlink(files[--nfiles]);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* ---- scenarios: the map count check comes before every VMA refusal ------ */

/* At max - 5 mappings, 6.17+ answers ENOMEM before looking at the source:
 * a sealed source (EPERM otherwise). */
static void ro_mapcount_sealed(void)
{
	anon(S, 4, RW, 'A');
	mseal_or_skip(S, 4);
	anon(D, 4, RO, 'X');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* ... the [vdso] with a hint (EINVAL otherwise) */
static void ro_mapcount_vdso_hint(void)
{
	unsigned long s, e;

	if (!find_special("[vdso]", &s, &e))
		skip("no [vdso]");
	anon(D, 4, RW, 'X');
	map_count_at(5);
	call(s, e - s, e - s, MAYMOVE | DONTUNMAP, 0);
	print_special("[vdso]", s, e);
	report();
}

/* ... a multi-VMA range with a gap at its start (EFAULT otherwise) */
static void ro_mapcount_leading_gap(void)
{
	anon(S + 1, 2, RW, 'A');
	anon(S + 3, 2, RO, 'B');
	anon(D, 6, RW, 'X');
	map_count_at(5);
	run(pg(S), 5 * PS, 5 * PS, MAYMOVE | FIXED, pg(D));
}

/* ... a FIXED duplicate of a private mapping (EINVAL otherwise) */
static void ro_mapcount_dup_private(void)
{
	anon(S, 2, RW, 'A');
	anon(D, 4, RW, 'X');
	map_count_at(5);
	run(pg(S), 0, 2 * PS, MAYMOVE | FIXED, pg(D));
}

/* ... private /dev/zero in two VMAs (EFAULT otherwise) */
static void ro_mapcount_devzero(void)
{
	devzero_private(S, 8, 'Z');
	xprotect(S + 4, 4, RO);
	anon(D, 8, RW, 'X');
	map_count_at(5);
	run(pg(S), 8 * PS, 8 * PS, MAYMOVE | FIXED, pg(D));
}

/* ... but the argument checks come first: an overlap is EINVAL. */
static void ro_mapcount_overlap(void)
{
	anon(S, 8, RW, 'A');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(S + 2));
}

/* The copy strategy (start of a VMA that goes on) at max - 5: ENOMEM. */
static void li_mapcount_du_copy_at(void)
{
	anon(S, 8, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(5);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void li_mapcount_du_copy_below(void)
{
	anon(S, 8, RW, 'A');
	anon(D, 4, RO, 'X');
	map_count_at(6);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* An io_uring submission queue (its own get_unmapped_area) in two VMAs. */
static void mr_io_uring_two(void)
{
	struct io_uring_params p;
	unsigned long s, e, len;
	char *a;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(SYS_io_uring_setup, 256, &p);
	if (fd < 0)
		skip("io_uring_setup: %s", strerror(errno));
	len = p.sq_entries * sizeof(struct io_uring_sqe);
	a = mmap(NULL, len, RW, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (a == MAP_FAILED)
		skip("mmap io_uring: %s", strerror(errno));
	if (mprotect(a + len / 2, len / 2, RO))
		die("mprotect");
	s = (unsigned long)a;
	e = s + len;
	anon(D, len / PS, RW, 'X');
	call(s, len, len, MAYMOVE | FIXED, pg(D));
	printf("ring: %s\n", find_special("[io_uring]", &s, &e) && s == (unsigned long)a ? "stays" : "moved");
	report();
}

/* 40 shared pages locked with CAP_IPC_LOCK, then RLIMIT_MEMLOCK lowered
 * to 16 pages and the capability dropped: the kernel still moves them;
 * the library could not lock them again. */
static void li_memlock_lowered_shared(void)
{
	struct rlimit rl = { 16 * PS, 16 * PS };

	shared_anon(S, 40, RW, 'A');
	xmlock(S, 40);
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		skip("setrlimit(RLIMIT_MEMLOCK): %s", strerror(errno));
	drop_ipc_lock();
	run(pg(S), 40 * PS, 40 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}


/* ---- (h-safe) page-table markers, locks, charges, huge pages ----------
 * Issue 11 kinds 2, 4 (MLOCK_ONFAULT) and 6 (flags a copy or refill
 * drops, huge pages a copy splits). These print ac, gd and AnonHugePages
 * too (show_more). */

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN 0x0100
#endif

static void guard_or_skip(unsigned long page, unsigned long n)
{
	if (madvise((void *)pg(page), n * PS, MADV_GUARD_INSTALL))
		skip("MADV_GUARD_INSTALL: %s", strerror(errno));
}

/* 8 pages, a guard on page 1, DONTUNMAP|FIXED of pages 0-3: the guard
 * moves with the range (the start of a VMA: the copy). */
static void du_guard_start(void)
{
	show_more = true;
	anon(S, 8, RW, 'A');
	guard_or_skip(S + 1, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The middle of a VMA (regrow, or the copy), a guard inside and one
 * outside the range. */
static void du_guard_middle(void)
{
	show_more = true;
	anon(S, 8, RW, 'A');
	guard_or_skip(S + 3, 1);
	guard_or_skip(S + 6, 1);
	run(pg(S + 2), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A whole VMA (refill, or the copy), guards at both ends, with a hint. */
static void du_guard_whole_hint(void)
{
	show_more = true;
	anon(S, 4, RW, 'A');
	guard_or_skip(S, 1);
	guard_or_skip(S + 3, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* A read-only VMA with a guard. */
static void du_guard_readonly(void)
{
	show_more = true;
	anon(S, 6, RO, 'A');
	guard_or_skip(S + 2, 1);
	run(pg(S + 1), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Guards in shared mappings (MADV_GUARD_INSTALL there: 6.15+). The
 * kernel's move carries the marker to the new range and leaves none on the
 * old one; the alias maps the object again, so it must install the guard
 * at the new range itself, remove the old range's, and never read it. */

/* Shared anonymous, 4 pages, a guard on page 1, DONTUNMAP|FIXED of all. */
static void du_guard_shared_anon(void)
{
	show_more = true;
	shared_anon(S, 4, RW, 'A');
	guard_or_skip(S + 1, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The same without FIXED: a free hint. */
static void du_guard_shared_anon_hint(void)
{
	show_more = true;
	shared_anon(S, 4, RW, 'A');
	guard_or_skip(S + 1, 1);
	fill_arena(D, 4);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | DONTUNMAP, pg(D));
}

/* A shared memfd, 6 pages, guards on pages 0, 2 and 4; DONTUNMAP|FIXED of
 * pages 1-3: the guard at 2 moves, those at 0 and 4 stay. Page 3 is never
 * touched (not in the page tables): it stays absent at the new range. */
static void du_guard_memfd_shared_partial(void)
{
	int fd = make_memfd('M', 8);

	show_more = true;
	map_fd(S, 6, RW, MAP_SHARED, fd, 0);
	madvise((void *)pg(S + 3), PS, MADV_DONTNEED);
	guard_or_skip(S, 1);
	guard_or_skip(S + 2, 1);
	guard_or_skip(S + 4, 1);
	run(pg(S + 1), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A read-only shared memfd with a guard: read faults only. */
static void du_guard_memfd_shared_readonly(void)
{
	int fd = make_memfd('M', 8);

	show_more = true;
	map_fd(S, 4, PROT_READ, MAP_SHARED, fd, 2);
	guard_or_skip(S + 3, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A VMA that ever had a guard shows "gu" (VM_MAYBE_GUARD, 6.18) for good,
 * also after MADV_GUARD_REMOVE, and the kernel's move gives the new VMA
 * the old one's flags: the new range shows it even when no guard lies
 * inside the moved range, and an old range refilled keeps it. */

/* 8 pages, a guard on page 6 only, DONTUNMAP|FIXED of pages 0-3. */
static void du_guard_outside(void)
{
	show_more = true;
	anon(S, 8, RW, 'A');
	guard_or_skip(S + 6, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A whole VMA whose only guard was removed again: no marker, "gu" only. */
static void du_guard_removed_whole(void)
{
	show_more = true;
	anon(S, 4, RW, 'A');
	guard_or_skip(S + 1, 1);
	madvise_or_skip(S + 1, 1, MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE");
	fill(pg(S + 1), 1, 'A', 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Shared anonymous memory (the alias), a guard on page 5 only,
 * DONTUNMAP|FIXED of pages 0-3. */
static void du_guard_shared_outside(void)
{
	show_more = true;
	shared_anon(S, 6, RW, 'A');
	guard_or_skip(S + 5, 1);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* mlock2(MLOCK_ONFAULT) of 8 pages, page 0 touched, DONTUNMAP|FIXED of
 * pages 0-3: the new range is "lo lf" with one page in. */
static void du_onfault_touched(void)
{
	show_more = true;
	xmap(S, 8, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (syscall(SYS_mlock2, pg(S), 8 * PS, MLOCK_ONFAULT))
		skip("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
	fill(pg(S), 1, 'A', 0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* The same, the middle of the VMA. */
static void du_onfault_middle(void)
{
	show_more = true;
	xmap(S, 8, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (syscall(SYS_mlock2, pg(S), 8 * PS, MLOCK_ONFAULT))
		skip("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
	fill(pg(S + 3), 1, 'A', 3);
	run(pg(S + 2), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Never writable: PROT_NONE and PROT_READ anonymous memory is not charged
 * (no "ac"); once writable it stays charged. */
static void du_protnone_uncharged(void)
{
	show_more = true;
	xmap(S, 4, NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_readonly_uncharged_partial(void)
{
	show_more = true;
	xmap(S, 6, RO, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)*(volatile char *)pg(S + 2); /* the zero page */
	run(pg(S + 1), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_protnone_charged(void)
{
	show_more = true;
	anon(S, 4, NONE, 'A');
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_protnone_charged_partial(void)
{
	show_more = true;
	anon(S, 6, NONE, 'A');
	run(pg(S + 1), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_readonly_charged_start(void)
{
	show_more = true;
	anon(S, 6, RO, 'A');
	run(pg(S), 3 * PS, 3 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* MAP_GROWSDOWN memory keeps "gd" on both ranges. */
static void du_growsdown(void)
{
	show_more = true;
	xmap(S + 4, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	fill(pg(S + 4), 4, 'A', 0);
	run(pg(S + 4), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_growsdown_start(void)
{
	show_more = true;
	xmap(S + 4, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	fill(pg(S + 4), 4, 'A', 0);
	run(pg(S + 4), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* A huge page (MADV_HUGEPAGE, 2 MiB aligned) moved to an aligned place
 * stays a huge page; the start of a VMA that goes on. */
#define HP (HUGE_ALIGN / PS)
static void du_thp_start(void)
{
	show_more = true;
	xmap(HP, 2 * HP, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise_or_skip(HP, 2 * HP, MADV_HUGEPAGE, "MADV_HUGEPAGE");
	fill(pg(HP), 2 * HP, 'A', 0);
	run(pg(HP), HP * PS, HP * PS, MAYMOVE | FIXED | DONTUNMAP, pg(5 * HP));
}

/* The same, to the place right after the VMA: the kernel's new VMA keeps
 * the old one's page offset and anon_vma, so it does not merge with the
 * rest of the old VMA, which it touches (a new mapping there would). */
static void du_thp_start_adjacent(void)
{
	show_more = true;
	xmap(HP, 2 * HP, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise_or_skip(HP, 2 * HP, MADV_HUGEPAGE, "MADV_HUGEPAGE");
	fill(pg(HP), 2 * HP, 'A', 0);
	run(pg(HP), HP * PS, HP * PS, MAYMOVE | FIXED | DONTUNMAP, pg(3 * HP));
}

/* The same with a hint at that place. */
static void du_thp_start_adjacent_hint(void)
{
	show_more = true;
	xmap(HP, 2 * HP, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise_or_skip(HP, 2 * HP, MADV_HUGEPAGE, "MADV_HUGEPAGE");
	fill(pg(HP), 2 * HP, 'A', 0);
	run(pg(HP), HP * PS, HP * PS, MAYMOVE | DONTUNMAP, pg(3 * HP));
}

/* Half a huge page's worth of small pages stays small. */
static void du_thp_partial(void)
{
	show_more = true;
	xmap(HP, 2 * HP, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise_or_skip(HP, 2 * HP, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
	fill(pg(HP), HP / 2, 'A', 0);
	madvise_or_skip(HP, 2 * HP, MADV_HUGEPAGE, "MADV_HUGEPAGE");
	run(pg(HP), HP * PS, HP * PS, MAYMOVE | FIXED | DONTUNMAP, pg(5 * HP));
}

/* A garbage collector's call: its heap, a whole private anonymous VMA
 * committed inside a PROT_NONE reservation of its own (MAP_NORESERVE,
 * MADV_DONTDUMP), moved with DONTUNMAP|FIXED into another PROT_NONE
 * reservation. The refill must carry every flag without the heap's pages
 * being walked (a sliver of it is read instead). Then the reservation page
 * below the old range is committed the same way: it merges with the old
 * range as with the kernel's emptied VMA; the page above, committed
 * without MADV_DONTDUMP, stays apart.
 *
 *   S-2      S                  S+8      S+10
 *   [ --- ][ heap rw nr dd ....][ --- ....]   reservation, one VMA at first
 *   D: [ --- .............. ]                 destination reservation
 */
static void gc_heap(unsigned long at, unsigned long n, unsigned long dest, bool huge)
{
	xmap(at - 2, n + 4, NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	xprotect(at, n, RW);
	if (huge)
		madvise_or_skip(at, n, MADV_HUGEPAGE, "MADV_HUGEPAGE");
	madvise_or_skip(at, n, MADV_DONTDUMP, "MADV_DONTDUMP");
	fill(pg(at), n, 'A', 0);
	xmap(dest, n, NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

static void gc_heap_commit_neighbours(unsigned long at, unsigned long n)
{
	xprotect(at - 1, 1, RW);
	madvise_or_skip(at - 1, 1, MADV_DONTDUMP, "MADV_DONTDUMP");
	xprotect(at + n, 1, RW);
}

static void du_gc_heap(void)
{
	show_more = true;
	gc_heap(S + 2, 8, D, false);
	call(pg(S + 2), 8 * PS, 8 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
	gc_heap_commit_neighbours(S + 2, 8);
	report();
}

/* The same heap 2 MiB-aligned, of huge pages (MADV_HUGEPAGE): they stay
 * huge at the new range, as the kernel's move keeps them. */
static void du_gc_heap_thp(void)
{
	show_more = true;
	gc_heap(HP, 2 * HP, 5 * HP, true);
	call(pg(HP), 2 * HP * PS, 2 * HP * PS, MAYMOVE | FIXED | DONTUNMAP, pg(5 * HP));
	gc_heap_commit_neighbours(HP, 2 * HP);
	report();
}

/* userfaultfd write-protect markers (UFFD_FEATURE_WP_UNPOPULATED, 6.4+):
 * pages 2-3 never written, write-protected, carry markers; the range is
 * registered for missing faults too. The copy must not read them (a read
 * there would raise a missing fault), and the new range, not registered,
 * has none. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
static void du_uffd_wp_markers(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_UNPOPULATED };
	struct uffdio_register reg = {
		.range = { .start = pg(S), .len = 4 * PS },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = pg(S), .len = 4 * PS }, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	long fd;

	show_more = true;
	xmap(S, 4, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(pg(S), 2, 'A', 0);
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0 || ioctl((int)fd, UFFDIO_API, &api))
		skip("userfaultfd with UFFD_FEATURE_WP_UNPOPULATED unavailable");
	uffd = (int)fd;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) || ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		skip("userfaultfd write-protection unavailable: %s", strerror(errno));
	run(pg(S), 4 * PS, 4 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* ---- the table -------------------------------------------------------- */

/* ---- scenarios: the file behind a private file mapping --------------------
 *
 * A DONTUNMAP copy of a private file range needs the file again (shim/
 * reopen.c): /proc/self/map_files (privileged), the path, or an open
 * descriptor. These vary what is left: the descriptor kept or closed, the
 * file deleted, a memfd, a path of 1024 bytes or more, a name that ends in
 * " (deleted)" or holds a newline or a literal "\012". */

static char long_dirs[8][4200];
static int nlong_dirs;
static char long_file[4200];

static void remove_long_path(void)
{
	if (long_file[0])
		unlink(long_file);
	while (nlong_dirs > 0)
		rmdir(long_dirs[--nlong_dirs]);
}

/* A file at tmpdir/REL (REL may hold '/'-separated directories, created
 * here), pattern id, kind label 'label'. */
static int make_file_at(const char *rel, const char *label, char id, unsigned long npages)
{
	char path[4200];
	const char *slash;
	int fd;

	make_tmpdir();
	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		snprintf(long_dirs[nlong_dirs], sizeof(long_dirs[0]), "%s/%.*s", tmpdir,
			 (int)(slash - rel), rel);
		if (mkdir(long_dirs[nlong_dirs], 0700))
			die("mkdir");
		nlong_dirs++;
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open temp file");
	snprintf(long_file, sizeof(long_file), "%s", path);
	atexit(remove_long_path);
	write_pattern(fd, id, npages);
	add_label(fd, label);
	return fd;
}

/* The private mapping at the start of a VMA that goes on (the copy path),
 * then DONTUNMAP; the descriptor closed first if 'closed', the file
 * unlinked first if 'deleted'. */
static void reopen_case(int fd, bool deleted, bool closed)
{
	private_file(S, 4, RW, fd, 1, 0x5, 'A');
	if (deleted && unlink(long_file))
		die("unlink");
	if (closed)
		close(fd);
	run(pg(S), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

static void du_reopen_deleted(void)
{
	reopen_case(make_file_at("data", "file:data", 'F', 8), true, false);
}

static void du_reopen_deleted_closed(void)
{
	reopen_case(make_file_at("data", "file:data", 'F', 8), true, true);
}

static void du_reopen_memfd_closed(void)
{
	reopen_case(make_memfd('M', 8), false, true);
}

static void du_reopen_memfd_open(void)
{
	reopen_case(make_memfd('M', 8), false, false);
}

static const char *long_rel(void)
{
	static char rel[1400];
	size_t n = 0;
	int i;

	for (i = 0; i < 5; i++) {
		memset(rel + n, 'd', 240);
		n += 240;
		rel[n++] = '/';
	}
	snprintf(rel + n, sizeof(rel) - n, "data");
	return rel;
}

static void du_reopen_long_path(void)
{
	reopen_case(make_file_at(long_rel(), "file:long", 'F', 8), false, false);
}

static void du_reopen_long_path_closed(void)
{
	reopen_case(make_file_at(long_rel(), "file:long", 'F', 8), false, true);
}

static void du_reopen_deleted_suffix_closed(void)
{
	reopen_case(make_file_at("data (deleted)", "file:suffix", 'F', 8), false, true);
}

static void du_reopen_newline_closed(void)
{
	reopen_case(make_file_at("da\nta", "file:newline", 'F', 8), false, true);
}

static void du_reopen_escape_closed(void)
{
	reopen_case(make_file_at("da\\012ta", "file:escape", 'F', 8), false, true);
}

/* The file's mode now forbids reading, its read-write descriptor is open. */
static void du_reopen_unreadable_open(void)
{
	int fd = make_file_at("data", "file:data", 'F', 8);

	private_file(S, 4, RW, fd, 1, 0x5, 'A');
	if (chmod(long_file, 0))
		die("chmod");
	run(pg(S), 2 * PS, 2 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* Multi-VMA DONTUNMAP whose later VMA is a deleted private file with no
 * descriptor left. */
static void mv_dontunmap_deleted_closed_later(void)
{
	int f = make_file_at("data", "file:data", 'F', 8);

	anon(S, 2, RW, 'A');
	private_file(S + 2, 3, RW, f, 1, 0x1, 'C');
	anon(S + 5, 1, RW, 'B');
	if (unlink(long_file))
		die("unlink");
	close(f);
	run(pg(S), 6 * PS, 6 * PS, MAYMOVE | FIXED | DONTUNMAP, pg(D));
}

/* ---- scenarios: the merge shapes of the kernel's selftest -----------------
 *
 * tools/testing/selftests/mm/merge.c moves faulted and unfaulted private
 * anonymous VMAs next to each other and checks which of them merge. Whether
 * two anonymous VMAs merge depends on what a layout shows only indirectly:
 * the anon_vma (a VMA gets one at its first fault; fork gives the child's
 * VMAs one with a parent) and the page offset (an unfaulted VMA that moves
 * takes the page offset of its new address, a faulted one keeps its own).
 * The same shapes here, with MREMAP_DONTUNMAP on the call under test (the
 * library has nothing to do for an ordinary single-VMA move). Each runs
 *
 *   as is;
 *   "-forked": the selftest's merge_with_fork variant, in which the rest of
 *   the scenario, the call included, runs in a child of fork() while the
 *   parent waits (the child's faulted VMAs have an anon_vma with a parent);
 *   "-parent": the other side of the same fork, the call made by the
 *   parent while its child lives on (the pages shared copy-on-write).
 *
 * Addresses are pages of a PROT_NONE carveout of 30 pages at S, as in the
 * selftest; "far" places are 1000 and 2000 pages above theirs. */

#define CV S
#define FAR1 1000UL
#define FAR2 2000UL

static enum { NO_FORK, CALL_IN_CHILD, CALL_IN_PARENT } fork_mode;
static void start_threads(void);

/* The setup's moves go to the kernel directly, past the library (which
 * takes over both mremap and syscall): only the call under test meets it,
 * and prints the one debug line the comparison expects. */
static long kernel_mremap(unsigned long old, unsigned long len, int flags, unsigned long new)
{
#if defined(__x86_64__) && !defined(__ILP32__)
	register long r10 __asm__("r10") = flags;
	register long r8 __asm__("r8") = (long)new;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"((long)SYS_mremap), "D"(old), "S"(len), "d"(len), "r"(r10), "r"(r8)
			     : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_mremap;
	register long x0 __asm__("x0") = (long)old;
	register long x1 __asm__("x1") = (long)len;
	register long x2 __asm__("x2") = (long)len;
	register long x3 __asm__("x3") = flags;
	register long x4 __asm__("x4") = (long)new;

	__asm__ __volatile__("svc 0"
			     : "+r"(x0)
			     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
			     : "memory", "cc");
	return x0;
#else
	/* elsewhere the C library's (no arch32 scenario list names these) */
	long r = syscall(SYS_mremap, old, len, len, flags, new);

	return r == -1 ? -errno : r;
#endif
}

/* Moves npages pages at page 'from' to page 'to', as the kernel does. */
static void kmove(unsigned long from, unsigned long npages, unsigned long to)
{
	long r = kernel_mremap(pg(from), npages * PS, MAYMOVE | FIXED, pg(to));

	if (r != (long)pg(to)) {
		errno = r < 0 && r > -4096 ? (int)-r : 0;
		die("setup mremap");
	}
}

static void carveout(void)
{
	xmap(CV, 30, NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Private anonymous, read-write, no page touched: no anon_vma yet. */
static void unfaulted(unsigned long page, unsigned long npages)
{
	xmap(page, npages, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* The first page written (the selftest's ptr[0] = 'x'): an anon_vma. */
static void fault_first(unsigned long page, char id)
{
	fill(pg(page), 1, id, 0);
}

/* Where the variant forks. CALL_IN_CHILD: the rest runs in the child; the
 * parent waits and exits with the child's status. The child runs with the
 * other threads (MC_SCENARIO_THREADS) again: fork() kept only this one.
 * CALL_IN_PARENT: the child waits, without a word, until this process
 * exits (the end of a pipe closes). */
static void fork_here(void)
{
	int hold[2], st;
	pid_t pid;
	char c;

	if (fork_mode == NO_FORK)
		return;
	fflush(stdout);
	if (fork_mode == CALL_IN_PARENT && pipe2(hold, O_CLOEXEC))
		die("pipe2");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (fork_mode == CALL_IN_PARENT) {
		if (pid == 0) {
			close(hold[1]);
			while (read(hold[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		close(hold[0]);
		return;
	}
	if (pid == 0) {
		start_threads();
		return;
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 2);
}

static void du_move(unsigned long from, unsigned long npages, unsigned long to)
{
	run(pg(from), npages * PS, npages * PS, MAYMOVE | FIXED | DONTUNMAP, pg(to));
}

/* An unfaulted VMA moved to just after a faulted one.
 *
 *   CV+1        CV+6           CV+1007
 *   |  A, 5 p.  |              |  B, 5 p.  |
 *   | faulted   |  <---------   | unfaulted |
 */
static void mg_unfaulted_to_faulted(void)
{
	carveout();
	unfaulted(CV + 1, 5);
	unfaulted(CV + 7, 5);
	kmove(CV + 7, 5, CV + 7 + FAR1);
	fault_first(CV + 1, 'A');
	fork_here();
	du_move(CV + 7 + FAR1, 5, CV + 6);
}

/* An unfaulted VMA moved to just before a faulted one.
 *
 *   CV+1        CV+6        CV+11     CV+1012
 *               |  A, 5 p.  |         |  B, 5 p.  |
 *   <-------------------------------  | unfaulted |
 */
static void mg_unfaulted_behind_faulted(void)
{
	carveout();
	unfaulted(CV + 6, 5);
	unfaulted(CV + 12, 5);
	kmove(CV + 12, 5, CV + 12 + FAR1);
	fault_first(CV + 6, 'A');
	fork_here();
	du_move(CV + 12 + FAR1, 5, CV + 1);
}

/* An unfaulted VMA moved between two faulted ones with different anon_vmas
 * (the later one faulted far away, then moved back: its page offset is that
 * of the far place).
 *
 *   CV+1        CV+6        CV+11       CV+16
 *   |  A, 5 p.  |  <- B  -> |  C, 5 p.  |
 *   | faulted   | unfaulted | faulted   |
 */
static void between(bool fault_c)
{
	carveout();
	unfaulted(CV + 1, 5);
	unfaulted(CV + 7, 5);
	unfaulted(CV + 14, 5);
	kmove(CV + 14, 5, CV + 14 + FAR2);
	kmove(CV + 7, 5, CV + 7 + FAR1);
	fault_first(CV + 1, 'A');
	if (fault_c)
		fault_first(CV + 14 + FAR2, 'C');
	kmove(CV + 14 + FAR2, 5, CV + 11);
	fork_here();
	du_move(CV + 7 + FAR1, 5, CV + 6);
}

static void mg_unfaulted_between_faulted(void)
{
	between(true);
}

/* The same, the later VMA unfaulted (moved back: its page offset is that
 * of its new place). */
static void mg_unfaulted_between_faulted_unfaulted(void)
{
	between(false);
}

/* One faulted VMA of 15 pages, its middle unmapped: both parts keep one
 * anon_vma and page offsets equal to their places. An unfaulted VMA moved
 * into the hole.
 *
 *   CV+1        CV+6        CV+11       CV+16     CV+21
 *   |  A.0-4    |  <------- |  A.10-14  |         | B, 5 p.   |
 *   | faulted   |           | faulted   |         | unfaulted |
 */
static void mg_unfaulted_between_correctly_placed_faulted(void)
{
	carveout();
	xmap(CV + 1, 15, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(pg(CV + 1), 15, 'A', 0);
	if (munmap((void *)pg(CV + 6), 5 * PS))
		die("munmap");
	unfaulted(CV + 21, 5);
	fork_here();
	du_move(CV + 21, 5, CV + 6);
}

/* One faulted VMA of 15 pages (A.0-14) cut in three: the last third and the
 * middle moved far away (each keeps the page offset and anon_vma of its
 * original place). */
static void correct_placed_setup(void)
{
	carveout();
	xmap(CV + 1, 15, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fill(pg(CV + 1), 15, 'A', 0);
	kmove(CV + 11, 5, CV + 11 + FAR2);
	kmove(CV + 6, 5, CV + 6 + FAR1);
}

/* The middle third moved back to its own place, after the first.
 *
 *   CV+1        CV+6        CV+11               CV+1006
 *   |  A.0-4    |  <------------------------    |  A.5-9   |
 */
static void mg_correct_placed_faulted(void)
{
	correct_placed_setup();
	fork_here();
	du_move(CV + 6 + FAR1, 5, CV + 6);
}

/* The first third moved away and back in front of the other two, which are
 * in their places again.
 *
 *   CV+1        CV+6                    CV+16     CV+1001
 *   |  <------  |  A.5-9    |  A.10-14  |  ...    |  A.0-4    |
 */
static void mg_correct_placed_faulted_first(void)
{
	correct_placed_setup();
	kmove(CV + 6 + FAR1, 5, CV + 6);
	kmove(CV + 1, 5, CV + 1 + FAR1);
	kmove(CV + 1 + FAR1, 5, CV + 1);
	kmove(CV + 1, 5, CV + 1 + FAR1);
	kmove(CV + 11 + FAR2, 5, CV + 11);
	fork_here();
	du_move(CV + 1 + FAR1, 5, CV + 1);
}

/* The last third moved back behind the other two.
 *
 *   CV+1        CV+6        CV+11       CV+16     CV+2011
 *   |  A.0-4    |  A.5-9    |  <------------------  |  A.10-14  |
 */
static void mg_correct_placed_faulted_last(void)
{
	correct_placed_setup();
	kmove(CV + 6 + FAR1, 5, CV + 6);
	fork_here();
	du_move(CV + 11 + FAR2, 5, CV + 11);
}

/* The selftest's merge_with_fork shapes: a faulted VMA, moved out of the
 * way (after the fork in the forked variant), comes back with DONTUNMAP
 * next to unfaulted (or faulted) VMAs mapped meanwhile.
 *
 *   CV+1        CV+4        CV+7                CV+20
 *   |  B, 3 p.  |  <------------------------    |  A, 3 p.  |
 *   | unfaulted |                               | faulted   |
 */
static void mg_faulted_to_unfaulted_prev(void)
{
	carveout();
	unfaulted(CV + 4, 3);
	fault_first(CV + 4, 'A');
	fork_here();
	kmove(CV + 4, 3, CV + 20);
	unfaulted(CV + 1, 3);
	du_move(CV + 20, 3, CV + 4);
}

/*   CV+1        CV+4        CV+7                CV+20
 *   |  <------  |  B, 3 p.  |  ---------------  |  A, 3 p.  |
 *               | unfaulted |                   | faulted   |
 */
static void mg_faulted_to_unfaulted_next(void)
{
	carveout();
	unfaulted(CV + 1, 3);
	fault_first(CV + 1, 'A');
	fork_here();
	kmove(CV + 1, 3, CV + 20);
	unfaulted(CV + 4, 3);
	du_move(CV + 20, 3, CV + 1);
}

/*   CV+1        CV+4        CV+7        CV+10   CV+20
 *   |  A, 3 p.  |  <------  |  C, 3 p.  |  ---  |  B, 3 p.  |
 *   | unfaulted |           | unfaulted |       | faulted   |
 * (C faulted too with fault_c)
 */
static void prev_next(bool fault_c)
{
	carveout();
	unfaulted(CV + 4, 3);
	fault_first(CV + 4, 'B');
	fork_here();
	kmove(CV + 4, 3, CV + 20);
	unfaulted(CV + 1, 3);
	unfaulted(CV + 7, 3);
	if (fault_c)
		fault_first(CV + 7, 'C');
	du_move(CV + 20, 3, CV + 4);
}

static void mg_faulted_to_unfaulted_prev_unfaulted_next(void)
{
	prev_next(false);
}

static void mg_faulted_to_unfaulted_prev_faulted_next(void)
{
	prev_next(true);
}

/* Not in the selftest: a faulted VMA moved to a new place just after an
 * unfaulted one. It keeps the page offset of its old place, which does not
 * follow the unfaulted VMA's: 6.18 keeps them apart.
 *
 *   CV+1        CV+4        CV+7                CV+20
 *   |  B, 3 p.  |  <------------------------    |  A, 3 p.  |
 *   | unfaulted |                               | faulted   |
 */
static void mg_faulted_to_unfaulted_new_place(void)
{
	carveout();
	unfaulted(CV + 20, 3);
	fault_first(CV + 20, 'A');
	fork_here();
	unfaulted(CV + 1, 3);
	du_move(CV + 20, 3, CV + 4);
}

#define FORKED(fn) \
	static void fn##_forked(void) \
	{ \
		fork_mode = CALL_IN_CHILD; \
		fn(); \
	} \
	static void fn##_parent(void) \
	{ \
		fork_mode = CALL_IN_PARENT; \
		fn(); \
	}
FORKED(mg_unfaulted_to_faulted)
FORKED(mg_unfaulted_behind_faulted)
FORKED(mg_unfaulted_between_faulted)
FORKED(mg_unfaulted_between_faulted_unfaulted)
FORKED(mg_unfaulted_between_correctly_placed_faulted)
FORKED(mg_correct_placed_faulted)
FORKED(mg_correct_placed_faulted_first)
FORKED(mg_correct_placed_faulted_last)
FORKED(mg_faulted_to_unfaulted_prev)
FORKED(mg_faulted_to_unfaulted_next)
FORKED(mg_faulted_to_unfaulted_prev_unfaulted_next)
FORKED(mg_faulted_to_unfaulted_prev_faulted_next)
FORKED(mg_faulted_to_unfaulted_new_place)

static const struct scenario {
	const char *name;
	void (*fn)(void);
} scenarios[] = {
	{ "du-anon-fixed", du_anon_fixed },
	{ "du-anon-whole-then-neighbour", du_anon_whole_then_neighbour },
	{ "du-anon-hint-free", du_anon_hint_free },
	{ "du-anon-hint-busy", du_anon_hint_busy },
	{ "du-anon-hint-zero", du_anon_hint_zero },
	{ "du-anon-partial-start", du_anon_partial_start },
	{ "du-anon-partial-middle", du_anon_partial_middle },
	{ "du-anon-partial-end", du_anon_partial_end },
	{ "du-anon-partial-middle-hint", du_anon_partial_middle_hint },
	{ "du-anon-readonly", du_anon_readonly },
	{ "du-anon-readonly-partial", du_anon_readonly_partial },
	{ "du-anon-protnone", du_anon_protnone },
	{ "du-anon-mlocked", du_anon_mlocked },
	{ "du-anon-mlock-onfault", du_anon_mlock_onfault },
	{ "du-anon-named", du_anon_named },
	{ "du-anon-named-partial", du_anon_named_partial },
	{ "du-anon-madvised", du_anon_madvised },
	{ "du-anon-nohugepage", du_anon_nohugepage },
	{ "du-shared-anon", du_shared_anon },
	{ "du-shared-anon-hint", du_shared_anon_hint },
	{ "du-shared-anon-partial", du_shared_anon_partial },
	{ "du-memfd-shared", du_memfd_shared },
	{ "du-memfd-private", du_memfd_private },
	{ "du-shm-file", du_shm_file },
	{ "du-file-private", du_file_private },
	{ "du-file-private-hint", du_file_private_hint },
	{ "du-file-private-readonly", du_file_private_readonly },
	{ "du-file-shared", du_file_shared },
	{ "du-err-no-maymove", du_err_no_maymove },
	{ "du-err-no-maymove-hint", du_err_no_maymove_hint },
	{ "du-err-len-differ", du_err_len_differ },
	{ "du-err-unaligned-old", du_err_unaligned_old },
	{ "du-err-unaligned-new", du_err_unaligned_new },
	{ "du-err-unaligned-new-fixed", du_err_unaligned_new_fixed },
	{ "du-err-hint-overlap", du_err_hint_overlap },
	{ "du-err-unmapped-old", du_err_unmapped_old },
	{ "du-err-unmapped-old-fixed", du_err_unmapped_old_fixed },
	{ "du-err-old-above-task-size", du_err_old_above_task_size },
	{ "du-err-crosses-vma-end", du_err_crosses_vma_end },
	{ "du-err-crosses-into-gap", du_err_crosses_into_gap },
	{ "du-vdso", du_vdso },
	{ "du-vdso-fixed", du_vdso_fixed },
	{ "du-hugetlb", du_hugetlb },
	{ "du-hugetlb-hint", du_hugetlb_hint },
	{ "du-uffd-registered", du_uffd_registered },
	{ "du-uffd-registered-partial", du_uffd_registered_partial },
	{ "du-uffd-registered-hint", du_uffd_registered_hint },
	{ "du-uffd-fault", du_uffd_fault },
	{ "mv-three-prot", mv_three_prot },
	{ "mv-gaps", mv_gaps },
	{ "mv-split-ends", mv_split_ends },
	{ "mv-trailing-gap", mv_trailing_gap },
	{ "mv-trailing-gap-single", mv_trailing_gap_single },
	{ "mv-leading-gap", mv_leading_gap },
	{ "mv-unmapped", mv_unmapped },
	{ "mv-dest-gap-mapping", mv_dest_gap_mapping },
	{ "mv-mixed-kinds", mv_mixed_kinds },
	{ "mv-dontunmap", mv_dontunmap },
	{ "mv-dontunmap-split-ends", mv_dontunmap_split_ends },
	{ "mv-uffd-first", mv_uffd_first },
	{ "mv-uffd-later", mv_uffd_later },
	{ "mv-uffd-single-trailing-gap", mv_uffd_single_trailing_gap },
	{ "mv-uffd-single-inside", mv_uffd_single_inside },
	{ "mv-uffd-later-dontunmap", mv_uffd_later_dontunmap },
	{ "mv-overlap-gap", mv_overlap_gap },
	{ "mv-overlap-source", mv_overlap_source },
	{ "mv-grow", mv_grow },
	{ "mv-shrink", mv_shrink },
	{ "mv-dontunmap-nofixed", mv_dontunmap_nofixed },
	{ "mv-sysv-first", mv_sysv_first },
	{ "mv-sysv-later", mv_sysv_later },
	{ "mv-sysv-single-inside", mv_sysv_single_inside },
	{ "mv-thousand", mv_thousand },
	{ "mv-many-adjacent", mv_many_adjacent },
	{ "mv-mseal-first", mv_mseal_first },
	{ "mv-mseal-later", mv_mseal_later },
	{ "mv-mseal-dest", mv_mseal_dest },
	{ "mv-single-fixed", mv_single_fixed },
	{ "ro-vdso-past-end-hint", ro_vdso_past_end_hint },
	{ "ro-vdso-past-end-fixed", ro_vdso_past_end_fixed },
	{ "ro-aio-past-end-hint", ro_aio_past_end_hint },
	{ "ro-aio-past-end-fixed", ro_aio_past_end_fixed },
	{ "ro-aio-whole-hint", ro_aio_whole_hint },
	{ "ro-aio-sealed-hint", ro_aio_sealed_hint },
	{ "ro-sealed-crossing-hint", ro_sealed_crossing_hint },
	{ "ro-sealed-dup-private", ro_sealed_dup_private },
	{ "ro-dup-private", ro_dup_private },
	{ "ro-vdso-grow-fixed", ro_vdso_grow_fixed },
	{ "ro-vdso-sealed-dest", ro_vdso_sealed_dest },
	{ "ro-sealed-dest-dontunmap", ro_sealed_dest_dontunmap },
	{ "ro-unmapped-bad-hint", ro_unmapped_bad_hint },
	{ "ro-mapcount-sealed", ro_mapcount_sealed },
	{ "ro-mapcount-vdso-hint", ro_mapcount_vdso_hint },
	{ "ro-mapcount-leading-gap", ro_mapcount_leading_gap },
	{ "ro-mapcount-dup-private", ro_mapcount_dup_private },
	{ "ro-mapcount-devzero", ro_mapcount_devzero },
	{ "ro-mapcount-overlap", ro_mapcount_overlap },
	{ "mr-devzero-two", mr_devzero_two },
	{ "mr-devzero-two-dontunmap", mr_devzero_two_dontunmap },
	{ "mr-devzero-later", mr_devzero_later },
	{ "mr-devzero-later-dontunmap", mr_devzero_later_dontunmap },
	{ "mr-devzero-trailing-gap", mr_devzero_trailing_gap },
	{ "mr-devzero-single-inside", mr_devzero_single_inside },
	{ "mr-devzero-shared-two", mr_devzero_shared_two },
	{ "mr-ramfs-private-two", mr_ramfs_private_two },
	{ "mr-ramfs-shared-later", mr_ramfs_shared_later },
	{ "mr-file-two", mr_file_two },
	{ "mr-shm-file-two", mr_shm_file_two },
	{ "mr-io-uring-two", mr_io_uring_two },
	{ "mr-dontunmap-unreopenable-later", mr_dontunmap_unreopenable_later },
	{ "li-memlock-shared-fixed", li_memlock_shared_fixed },
	{ "li-memlock-shared-hint", li_memlock_shared_hint },
	{ "li-memlock-shared-partial", li_memlock_shared_partial },
	{ "li-memlock-memfd-fixed", li_memlock_memfd_fixed },
	{ "li-memlock-private-fixed", li_memlock_private_fixed },
	{ "li-memlock-shared-onfault", li_memlock_shared_onfault },
	{ "li-memlock-grow-fixed", li_memlock_grow_fixed },
	{ "li-memlock-lowered-shared", li_memlock_lowered_shared },
	{ "li-as-du-hint-short", li_as_du_hint_short },
	{ "li-as-du-hint-exact", li_as_du_hint_exact },
	{ "li-as-du-fixed-over", li_as_du_fixed_over },
	{ "li-as-du-fixed-free", li_as_du_fixed_free },
	{ "li-as-shared-du-fixed-over", li_as_shared_du_fixed_over },
	{ "li-as-shared-du-hint-exact", li_as_shared_du_hint_exact },
	{ "li-as-shared-du-hint-short", li_as_shared_du_hint_short },
	{ "li-as-mv-fixed", li_as_mv_fixed },
	{ "li-mapcount-du-fixed-at", li_mapcount_du_fixed_at },
	{ "li-mapcount-du-fixed-below", li_mapcount_du_fixed_below },
	{ "li-mapcount-du-hint-at", li_mapcount_du_hint_at },
	{ "li-mapcount-shared-du-at", li_mapcount_shared_du_at },
	{ "li-mapcount-mv-at", li_mapcount_mv_at },
	{ "li-mapcount-mv-below", li_mapcount_mv_below },
	{ "li-mapcount-mv-split-below", li_mapcount_mv_split_below },
	{ "li-mapcount-mv-dontunmap-at", li_mapcount_mv_dontunmap_at },
	{ "li-shared-some-present", li_shared_some_present },
	{ "li-mapcount-du-hint-below", li_mapcount_du_hint_below },
	{ "li-mapcount-shared-du-below", li_mapcount_shared_du_below },
	{ "li-mapcount-shared-du-hint-below", li_mapcount_shared_du_hint_below },
	{ "li-mapcount-du-partial-below", li_mapcount_du_partial_below },
	{ "li-mapcount-du-copy-at", li_mapcount_du_copy_at },
	{ "li-mapcount-du-copy-below", li_mapcount_du_copy_below },
	{ "hi-growsdown-gap-64", hi_growsdown_gap_64 },
	{ "hi-growsdown-gap-edge-in", hi_growsdown_gap_edge_in },
	{ "hi-growsdown-gap-edge-out", hi_growsdown_gap_edge_out },
	{ "hi-growsdown-gap-fixed", hi_growsdown_gap_fixed },
	{ "hi-growsdown-gap-shared", hi_growsdown_gap_shared },
	{ "hi-stack-gap-64", hi_stack_gap_64 },
	{ "hi-stack-far", hi_stack_far },
	{ "uf-shmem-wp", uf_shmem_wp },
	{ "uf-shmem-wp-sparse", uf_shmem_wp_sparse },
	{ "uf-anon-wp", uf_anon_wp },
	{ "uf-event-remap-anon", uf_event_remap_anon },
	{ "mr-dontunmap-unreopenable-after-gap", mr_dontunmap_unreopenable_after_gap },
	{ "li-mapcount-mv-dontunmap-shared-below", li_mapcount_mv_dontunmap_shared_below },
	{ "li-mapcount-mv-dontunmap-shared-below7", li_mapcount_mv_dontunmap_shared_below7 },
	{ "du-anon-mlocked-vmlck", du_anon_mlocked_vmlck },
	{ "uf-event-remap-read-missing", uf_event_remap_read_missing },
	{ "uf-event-remap-shared", uf_event_remap_shared },
	{ "uf-no-event-remap-shared", uf_no_event_remap_shared },
	{ "uf-event-remap-anon-hint", uf_event_remap_anon_hint },
	{ "du-reopen-deleted", du_reopen_deleted },
	{ "du-reopen-deleted-closed", du_reopen_deleted_closed },
	{ "du-reopen-memfd-open", du_reopen_memfd_open },
	{ "du-reopen-memfd-closed", du_reopen_memfd_closed },
	{ "du-reopen-long-path", du_reopen_long_path },
	{ "du-reopen-long-path-closed", du_reopen_long_path_closed },
	{ "du-reopen-deleted-suffix-closed", du_reopen_deleted_suffix_closed },
	{ "du-reopen-newline-closed", du_reopen_newline_closed },
	{ "du-reopen-escape-closed", du_reopen_escape_closed },
	{ "mv-dontunmap-deleted-closed-later", mv_dontunmap_deleted_closed_later },
	{ "du-reopen-unreadable-open", du_reopen_unreadable_open },
	/* (h-safe) markers, locks, charges, huge pages */
	{ "du-guard-start", du_guard_start },
	{ "du-guard-middle", du_guard_middle },
	{ "du-guard-whole-hint", du_guard_whole_hint },
	{ "du-guard-readonly", du_guard_readonly },
	{ "du-guard-shared-anon", du_guard_shared_anon },
	{ "du-guard-shared-anon-hint", du_guard_shared_anon_hint },
	{ "du-guard-memfd-shared-partial", du_guard_memfd_shared_partial },
	{ "du-guard-memfd-shared-readonly", du_guard_memfd_shared_readonly },
	{ "du-guard-outside", du_guard_outside },
	{ "du-thp-start-adjacent", du_thp_start_adjacent },
	{ "du-thp-start-adjacent-hint", du_thp_start_adjacent_hint },
	{ "du-anon-start-adjacent", du_anon_start_adjacent },
	{ "du-anon-start-before-neighbour", du_anon_start_before_neighbour },
	{ "du-guard-removed-whole", du_guard_removed_whole },
	{ "du-guard-shared-outside", du_guard_shared_outside },
	{ "du-onfault-touched", du_onfault_touched },
	{ "du-onfault-middle", du_onfault_middle },
	{ "du-protnone-uncharged", du_protnone_uncharged },
	{ "du-readonly-uncharged-partial", du_readonly_uncharged_partial },
	{ "du-protnone-charged", du_protnone_charged },
	{ "du-protnone-charged-partial", du_protnone_charged_partial },
	{ "du-readonly-charged-start", du_readonly_charged_start },
	{ "du-growsdown", du_growsdown },
	{ "du-growsdown-start", du_growsdown_start },
	{ "du-thp-start", du_thp_start },
	{ "du-thp-partial", du_thp_partial },
	{ "du-gc-heap", du_gc_heap },
	{ "du-gc-heap-thp", du_gc_heap_thp },
	{ "du-uffd-wp-markers", du_uffd_wp_markers },
	/* the merge shapes of the kernel's selftest (merge.c) */
	{ "mg-unfaulted-to-faulted", mg_unfaulted_to_faulted },
	{ "mg-unfaulted-to-faulted-forked", mg_unfaulted_to_faulted_forked },
	{ "mg-unfaulted-to-faulted-parent", mg_unfaulted_to_faulted_parent },
	{ "mg-unfaulted-behind-faulted", mg_unfaulted_behind_faulted },
	{ "mg-unfaulted-behind-faulted-forked", mg_unfaulted_behind_faulted_forked },
	{ "mg-unfaulted-behind-faulted-parent", mg_unfaulted_behind_faulted_parent },
	{ "mg-unfaulted-between-faulted", mg_unfaulted_between_faulted },
	{ "mg-unfaulted-between-faulted-forked", mg_unfaulted_between_faulted_forked },
	{ "mg-unfaulted-between-faulted-parent", mg_unfaulted_between_faulted_parent },
	{ "mg-unfaulted-between-faulted-unfaulted", mg_unfaulted_between_faulted_unfaulted },
	{ "mg-unfaulted-between-faulted-unfaulted-forked", mg_unfaulted_between_faulted_unfaulted_forked },
	{ "mg-unfaulted-between-faulted-unfaulted-parent", mg_unfaulted_between_faulted_unfaulted_parent },
	{ "mg-unfaulted-between-correctly-placed-faulted", mg_unfaulted_between_correctly_placed_faulted },
	{ "mg-unfaulted-between-correctly-placed-faulted-forked", mg_unfaulted_between_correctly_placed_faulted_forked },
	{ "mg-unfaulted-between-correctly-placed-faulted-parent", mg_unfaulted_between_correctly_placed_faulted_parent },
	{ "mg-correct-placed-faulted", mg_correct_placed_faulted },
	{ "mg-correct-placed-faulted-forked", mg_correct_placed_faulted_forked },
	{ "mg-correct-placed-faulted-parent", mg_correct_placed_faulted_parent },
	{ "mg-correct-placed-faulted-first", mg_correct_placed_faulted_first },
	{ "mg-correct-placed-faulted-first-forked", mg_correct_placed_faulted_first_forked },
	{ "mg-correct-placed-faulted-first-parent", mg_correct_placed_faulted_first_parent },
	{ "mg-correct-placed-faulted-last", mg_correct_placed_faulted_last },
	{ "mg-correct-placed-faulted-last-forked", mg_correct_placed_faulted_last_forked },
	{ "mg-correct-placed-faulted-last-parent", mg_correct_placed_faulted_last_parent },
	{ "mg-faulted-to-unfaulted-prev", mg_faulted_to_unfaulted_prev },
	{ "mg-faulted-to-unfaulted-prev-forked", mg_faulted_to_unfaulted_prev_forked },
	{ "mg-faulted-to-unfaulted-prev-parent", mg_faulted_to_unfaulted_prev_parent },
	{ "mg-faulted-to-unfaulted-next", mg_faulted_to_unfaulted_next },
	{ "mg-faulted-to-unfaulted-next-forked", mg_faulted_to_unfaulted_next_forked },
	{ "mg-faulted-to-unfaulted-next-parent", mg_faulted_to_unfaulted_next_parent },
	{ "mg-faulted-to-unfaulted-prev-unfaulted-next", mg_faulted_to_unfaulted_prev_unfaulted_next },
	{ "mg-faulted-to-unfaulted-prev-unfaulted-next-forked", mg_faulted_to_unfaulted_prev_unfaulted_next_forked },
	{ "mg-faulted-to-unfaulted-prev-unfaulted-next-parent", mg_faulted_to_unfaulted_prev_unfaulted_next_parent },
	{ "mg-faulted-to-unfaulted-prev-faulted-next", mg_faulted_to_unfaulted_prev_faulted_next },
	{ "mg-faulted-to-unfaulted-prev-faulted-next-forked", mg_faulted_to_unfaulted_prev_faulted_next_forked },
	{ "mg-faulted-to-unfaulted-prev-faulted-next-parent", mg_faulted_to_unfaulted_prev_faulted_next_parent },
	{ "mg-faulted-to-unfaulted-new-place", mg_faulted_to_unfaulted_new_place },
	{ "mg-faulted-to-unfaulted-new-place-forked", mg_faulted_to_unfaulted_new_place_forked },
	{ "mg-faulted-to-unfaulted-new-place-parent", mg_faulted_to_unfaulted_new_place_parent },
};

/* MC_SCENARIO_THREADS=N: N other threads run through the scenario, as in
 * the programs that use the library: half of them spin (storing into their
 * own stack), half sleep in nanosleep(). None touches the arena; the
 * kernel's answer does not depend on them, the emulation's must not. */
static void *spinner(void *arg)
{
	volatile unsigned long n = 0;

	(void)arg;
	for (;;)
		n++;
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, 1000 * 1000 };

	(void)arg;
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static void start_threads(void)
{
	const char *v = getenv("MC_SCENARIO_THREADS");
	int n = v ? atoi(v) : 0, i;
	pthread_t t;

	for (i = 0; i < n; i++)
		if (pthread_create(&t, NULL, i % 2 ? sleeper : spinner, NULL))
			die("pthread_create");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			printf("%s\n", scenarios[i].name);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: scenario NAME | --list\n");
		return 2;
	}
	PS = (unsigned long)sysconf(_SC_PAGESIZE);
	if (PS > PS_MAX)
		skip("page size %lu is larger than %lu", PS, PS_MAX);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(argv[1], scenarios[i].name))
			break;
	if (i == sizeof(scenarios) / sizeof(scenarios[0])) {
		fprintf(stderr, "scenario: unknown scenario %s\n", argv[1]);
		return 2;
	}
	atexit(cleanup);
	start_threads();
	reserve_arena();
	scenarios[i].fn();
	fflush(stdout);
	return 0;
}
