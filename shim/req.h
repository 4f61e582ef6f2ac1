/* shim/req.h - one struct that describes an mremap() request.
 *
 * The path of one call, file by file:
 *   interpose.c  the mremap symbol: a branch, then pass through or enter
 *   entry.c      mremap_compat(): decode, validate, decide, execute
 *   validate.c   the kernel's argument checks, in its order (doc/behaviour.md §2)
 *   decide.c     native or emulated, from the probes and the controls
 *   probe.c      what the running kernel can do, by behaviour
 *   maps.c       the /proc/self/maps and smaps reader
 *   span.c       does a range lie inside one VMA (the cheap check)
 *   guard.c      FIXED calls that change the size, on kernels before 6.17
 *   dontunmap.c  MREMAP_DONTUNMAP on one VMA: refusals, then a strategy
 *   kernel-only.c  state only the kernel's DONTUNMAP carries:
 *     uffd.c       userfaultfd state
 *     lockcheck.c  a lock the alias could not take again (RLIMIT_MEMLOCK)
 *     dest.c       the destination without FIXED (hint, reservation)
 *     alias.c      shared kinds: map the same object again
 *     move.c       private kinds: move+regrow, move+refill (zero copy)
 *     copy.c       private kinds: copy, the old VMA never unmapped
 *     attrs.c      VmFlags and names the new VMA gets back
 *     reopen.c     the file behind a private file mapping
 *     marker.c     is a swapped-looking page a guard marker (alias, copy)
 *   window.c     who else may run meanwhile: one thread, or the others
 *     park.c       parked in a signal handler for the call
 *   multivma.c   the multi-VMA move loop (doc/behaviour.md §5)
 *   kernel.c     a call handed to the kernel (rounded lengths once checked)
 *   controls.c   MREMAP_COMPAT_* variables, read once
 *   debug.c      the MREMAP_COMPAT_DEBUG line
 */
#ifndef MREMAP_COMPAT_REQ_H
#define MREMAP_COMPAT_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include "compat/mman.h"
#include "shim/window.h"

/* The four symbols the library exports; everything else is hidden. */
#define MC_PUBLIC __attribute__((visibility("default")))

#define MC_PAGE_SIZE 4096UL /* until getauxval(AT_PAGESZ) says (controls.c) */

struct mremap_req {
	unsigned long old;       /* old address, as given */
	unsigned long old_len;   /* rounded up to the page size */
	unsigned long new_len;   /* rounded up to the page size */
	unsigned long new_addr;  /* only meaningful when vrm_implies_new_addr() */
	unsigned long flags;
	size_t raw_old_len;      /* as given, for pass-through */
	size_t raw_new_len;
	bool checked;            /* 6.18's argument checks passed: the kernel
				  * gets the rounded lengths (entry.c) */
	const char *why;         /* for the debug line: why emulated */
	const char *how;         /* for the debug line: the strategy */
	const char *read;        /* for the debug line: "maps" or "smaps" */
	struct mc_window w;      /* the call's window (window.c): opened
				  * before the maps are read, closed when
				  * the call ends; w.alone: nobody else runs */
	bool changed;            /* an error came after something moved */
	unsigned long lowest;    /* the maps walk that found the VMA: the start
				  * of the process's first VMA (0: not seen) */
	bool prev_touches;       /* and the VMA before it touches it, with the
				  * same protection (sliver.c) */
};

extern unsigned long mc_page_size;

static inline unsigned long page_align(unsigned long x)
{
	return (x + mc_page_size - 1) & ~(mc_page_size - 1);
}

static inline bool page_aligned(unsigned long x)
{
	return (x & (mc_page_size - 1)) == 0;
}

static inline void req_decode(struct mremap_req *r, void *old, size_t old_len,
			      size_t new_len, int flags, void *new_addr)
{
	r->old = (unsigned long)old;
	r->raw_old_len = old_len;
	r->raw_new_len = new_len;
	r->old_len = page_align(old_len);
	r->new_len = page_align(new_len);
	r->flags = (unsigned int)flags;
	r->new_addr = (unsigned long)new_addr;
	r->checked = false;
	r->why = 0;
	r->how = 0;
	r->read = 0;
	r->w = (struct mc_window)MC_WINDOW_INIT;
	r->changed = false;
	r->lowest = 0;
	r->prev_touches = true;
}

static inline bool vrm_fixed(const struct mremap_req *r)
{
	return r->flags & MREMAP_FIXED;
}

static inline bool vrm_dontunmap(const struct mremap_req *r)
{
	return r->flags & MREMAP_DONTUNMAP;
}

static inline bool vrm_maymove(const struct mremap_req *r)
{
	return r->flags & MREMAP_MAYMOVE;
}

/* new_addr means something: a destination (FIXED) or a hint (DONTUNMAP). */
static inline bool vrm_implies_new_addr(const struct mremap_req *r)
{
	return r->flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);
}

/* FIXED and the same size: the multi-VMA path on Linux 6.17+. */
static inline bool vrm_move_only(const struct mremap_req *r)
{
	return vrm_fixed(r) && r->old_len == r->new_len;
}

static inline unsigned long vrm_old_end(const struct mremap_req *r)
{
	return r->old + r->old_len;
}

/* Do [old, old+old_len) and [new, new+new_len) overlap? */
static inline bool vrm_overlaps(const struct mremap_req *r)
{
	unsigned long old_end = r->old + r->old_len;
	unsigned long new_end = r->new_addr + r->new_len;

	return r->old < new_end && r->new_addr < old_end;
}

/* The answer of mremap_compat() internals: an address, or -errno. */
#define is_err_ret(r) ((unsigned long)(r) > -4096UL)

#endif
