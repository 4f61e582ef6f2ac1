/* shim/du.h - the pieces of a DONTUNMAP emulation, one file each.
 *
 *   dontunmap.c  mc_du_emulate(): refusals, then the strategy (du_choose)
 *   dest.c       the destination without FIXED: the hint, the reservation
 *   alias.c      alias: shared kinds map the same object again
 *   move.c       move+regrow, move+refill: private kinds, zero copy
 *   copy.c       copy: private kinds, the old VMA never unmapped
 *   attrs.c      VmFlags and names a new VMA must get back
 *   reopen.c     the file behind a private file mapping
 *   marker.c     is a swapped-looking page a guard marker
 */
#ifndef MREMAP_COMPAT_DU_H
#define MREMAP_COMPAT_DU_H
#include <stdbool.h>
#include "shim/dontunmap.h"
#include "shim/maps.h"
#include "shim/req.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PM_UFFD_WP (1ULL << 57)
#define PM_EXCLUSIVE (1ULL << 56) /* PM_MMAP_EXCLUSIVE: mapped once */
#define PM_GUARD (1ULL << 58) /* PM_GUARD_REGION, Linux 6.14 */

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif

/* dest.c */
long mc_dest_reserve(unsigned long hint, unsigned long len);
void mc_dest_release(unsigned long dest, unsigned long len);

/* attrs.c */
void mc_attrs_copy(const struct vma *v, unsigned long addr, unsigned long len);
void mc_attrs_unlock_old(const struct vma *v);
/* VM_MAYBE_GUARD of v, set on [empty, +1 page), which holds no page */
void mc_attrs_mark_guarded(const struct vma *v, unsigned long empty);

/* marker.c: does pagemap entry e say a guard marker (6.14+)? Does a read
 * of the swapped-looking page at addr through /proc/self/mem (memfd) fail
 * where a load would fault: a marker (a guard of 6.13)? */
bool mc_pm_guard(unsigned long long e);
bool mc_mem_refuses(long memfd, unsigned long addr);

/* reopen.c: an fd of the very file v maps, or -errno */
long mc_reopen_vma_file(const struct vma *v);

/* The strategies. reserved: dest is the library's own reservation, given
 * back on failure. Each returns the new address or -errno. */
long mc_du_alias(const struct vma *v, unsigned long old, unsigned long len,
		 unsigned long dest, bool reserved);
/* alone: inside the window of window.c with one thread: nobody else can
 * map into the old range or the destination meanwhile. */
long mc_du_move(struct mremap_req *r, const struct vma *v, unsigned long old,
		unsigned long len, unsigned long dest, bool reserved, bool try_regrow,
		bool alone);

/* The copy's files, opened before anything is changed (copy.c). */
struct mc_copy_files {
	long pagemap, mem;
};
int mc_copy_open(struct mc_copy_files *f);
void mc_copy_close(struct mc_copy_files *f);
long mc_du_copy(const struct vma *v, unsigned long old, unsigned long len,
		unsigned long dest, bool reserved, long fd, struct mc_copy_files *f);

#endif
