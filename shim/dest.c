/* shim/dest.c - the destination of a DONTUNMAP call without FIXED. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


/* The stack guard gap, in bytes: the boot parameter stack_guard_gap=
 * (pages) from /proc/cmdline, else the kernel's default of 256 pages.
 * Read once. */
static unsigned long guard_gap;

static unsigned long parse_gap(const char *b, long n)
{
	static const char key[] = "stack_guard_gap=";
	unsigned long k = sizeof(key) - 1, v = 0;
	long i;

	for (i = 0; i + (long)k <= n; i++) {
		if ((i && b[i - 1] != ' ') || memcmp(b + i, key, k) != 0)
			continue;
		for (i += (long)k; i < n && b[i] >= '0' && b[i] <= '9'; i++)
			v = v * 10 + (unsigned long)(b[i] - '0');
		return v + 1; /* + 1: found (0 pages is a valid answer) */
	}
	return 0;
}

static unsigned long stack_guard_gap(void)
{
	unsigned long g = __atomic_load_n(&guard_gap, __ATOMIC_RELAXED);
	char buf[512];
	long fd, n;

	if (g)
		return g - 1;
	g = 256 + 1;
	fd = sys_openat(AT_FDCWD, "/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		unsigned long off = 0, found = 0;

		/* chunks overlapping by the longest key=value we look for */
		while (!found && (n = sys_pread((int)fd, buf, sizeof(buf), off)) > 0) {
			found = parse_gap(buf, n);
			if (n < (long)sizeof(buf))
				break;
			off += sizeof(buf) - 40;
		}
		if (found)
			g = found;
		sys_close((int)fd);
	}
	__atomic_store_n(&guard_gap, g, __ATOMIC_RELAXED);
	return g - 1;
}

struct gap_arg {
	unsigned long end;      /* hint + len */
	unsigned long gap;      /* bytes */
	bool near;              /* the next VMA starts within a gap's reach */
	bool in_gap;
};

/* The first VMA ending above the hint: if it lies above the hinted range
 * and grows down, the range must end below its guard gap. */
static int gap_cb(const struct vma *v, void *arg)
{
	struct gap_arg *a = arg;
	unsigned long floor = v->start > a->gap ? v->start - a->gap : 0;

	a->near = v->start >= a->end && a->end > floor;
	a->in_gap = a->near && v->has_vmflags && (v->vmflags & VMF_GD);
	return 1;
}

/* Would get_unmapped_area() refuse this free hint? It keeps a range out of
 * the stack guard gap below a VM_GROWSDOWN mapping ([stack], MAP_GROWSDOWN),
 * which MAP_FIXED_NOREPLACE does not look at:
 *
 *      hint    hint+len        start - gap           start
 *       [ range ]                   |<---- guard gap ---->[ stack v ]
 *       taken                       [ range ]  refused
 */
static bool hint_in_guard_gap(unsigned long hint, unsigned long len)
{
	struct gap_arg a = { hint + len, stack_guard_gap() * mc_page_size, false, false };

	/* The maps first (cheap): only a VMA near enough needs its VmFlags. */
	if (mc_maps_walk(hint, false, gap_cb, &a) < 0 || !a.near)
		return false;
	if (mc_maps_walk(hint, true, gap_cb, &a) < 0)
		return false;
	return a.in_gap;
}

/* Without FIXED, new_addr is a hint the kernel honours when the place is
 * free and outside a stack guard gap. A PROT_NONE reservation holds the
 * place until the move replaces it, so that no other thread can take it
 * in between. */
long mc_dest_reserve(unsigned long hint, unsigned long len)
{
	long a;

	if (hint && !hint_in_guard_gap(hint, len)) {
		a = sys_mmap(hint, len, PROT_NONE, ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (!sys_is_err(a))
			return a; /* at the hint, or (before 4.17) where the kernel put it */
	}
	return sys_mmap(0, len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
}

struct exact_arg {
	unsigned long start, end;
	bool found;
};

static int exact_cb(const struct vma *v, void *arg)
{
	struct exact_arg *a = arg;

	/* Our reservation, possibly merged with a PROT_NONE neighbour. */
	a->found = v->start <= a->start && v->end >= a->end && v->prot == 0 &&
		   mc_vma_kind(v) == VMA_ANON_PRIVATE;
	return 1;
}

/* Gives back a reservation after a failed move. Before Linux 6.17 a failed
 * FIXED move may already have unmapped it, and another thread may have
 * mapped something there since: only what is still exactly our
 * reservation, or a hole, is touched. */
void mc_dest_release(unsigned long dest, unsigned long len)
{
	struct exact_arg a = { dest, dest + len, false };
	long again;

	again = sys_mmap(dest, len, PROT_NONE, ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (!sys_is_err(again)) {
		sys_munmap((unsigned long)again, len); /* a hole: now ours, released */
		return;
	}
	if (mc_maps_walk(dest, false, exact_cb, &a) >= 0 && a.found)
		sys_munmap(dest, len);
}
