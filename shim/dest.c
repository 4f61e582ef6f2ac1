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

/* Without FIXED, new_addr is a hint: 6.18 takes it exactly where
 * get_unmapped_area() would, which is where mmap() takes a hint too: the
 * place is free and outside the stack guard gap below a VM_GROWSDOWN
 * mapping ([stack], MAP_GROWSDOWN; vm.stack_guard_gap):
 *
 *      hint    hint+len        start - gap           start
 *       [ range ]                   |<---- guard gap ---->[ stack v ]
 *       taken                       [ range ]  refused: placed elsewhere
 *
 * So the reservation is an mmap() with the hint, not MAP_FIXED_NOREPLACE
 * (which ignores the gap): the kernel itself decides, on every kernel,
 * with its own gap. Elsewhere it places the range as for no hint. The
 * PROT_NONE reservation holds the place until the move replaces it, so
 * that no other thread can take it in between. */
long mc_dest_reserve(unsigned long hint, unsigned long len)
{
	return sys_mmap(hint, len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
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
