/* shim/dontunmap.c - MREMAP_DONTUNMAP on one VMA, for every mapping kind.
 *
 * After a DONTUNMAP move the pages are at the new address and the old
 * range is still mapped, empty (SPEC.md §4). Four strategies:
 *
 * alias (shared anonymous, shmem, memfd, shared file): no window.
 *     mremap(old, 0, len, MAYMOVE|FIXED, new) maps the same object again
 *     at new; the old range keeps its VMA and is emptied of page tables.
 *
 * move+regrow (private kinds, a range that does not start its VMA): zero
 *     copy, exact. The range moves; the VMA's part left of the hole grows
 *     back over it in place (see regrow()): the old VMA is whole again,
 *     with every attribute.
 *
 * move+refill (private anonymous, a whole VMA): zero copy.
 *     old [AAAA]          new [....]      move:   old [    ]  new [AAAA]
 *     refill with MAP_FIXED_NOREPLACE:     old [0000]
 *     The name, madvise flags, MAP_NORESERVE and charge are restored from
 *     smaps. Between the move and the refill (or the regrow) another
 *     thread's mmap may take the old range: the data is then safe at new,
 *     the old range is theirs.
 *
 * copy (a range at the start of a VMA that goes on, or of a private file;
 *     private kinds under a userfaultfd or with MREMAP_COMPAT_STRATEGY=
 *     race-free): the old VMA
 *     is never unmapped, so it keeps its userfaultfd registration and
 *     every attribute. Only present or swapped pages (and for a file, only
 *     private copies) are copied, as /proc/self/pagemap tells, so the copy
 *     raises no userfaultfd fault; then MADV_DONTNEED empties the old
 *     range. A refill there could not merge back into the rest of the VMA:
 *     it would get an offset from its address where a VMA moved before
 *     keeps its own, and for a file a reopened, different struct file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/dontunmap.h"

#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define PM_FILE (1ULL << 61)

int mc_du_refusal(const struct vma *v)
{
	if (v->has_vmflags && (v->vmflags & VMF_SL))
		return -EPERM;
	if (mc_vma_kind(v) == VMA_SPECIAL)
		return -EINVAL;
	if (v->has_vmflags && (v->vmflags & (VMF_DE | VMF_PF | VMF_HT)))
		return -EINVAL;
	return 0;
}

/* ---- the destination ---------------------------------------------- */

/* Without FIXED, new_addr is a hint the kernel honours when the place is
 * free. A PROT_NONE reservation holds the place until the move replaces
 * it, so that no other thread can take it in between. */
static long reserve(unsigned long hint, unsigned long len)
{
	long a;

	if (hint) {
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
static void release(unsigned long dest, unsigned long len)
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

/* ---- attributes ------------------------------------------------------ */

/* What madvise() and prctl() set on a VMA, applied to a new one. */
static void copy_attributes(const struct vma *v, unsigned long addr, unsigned long len)
{
	static const struct { unsigned int flag; int advice; } advices[] = {
		{ VMF_DC, MADV_DONTFORK },  { VMF_DD, MADV_DONTDUMP },
		{ VMF_WF, MADV_WIPEONFORK }, { VMF_HG, MADV_HUGEPAGE },
		{ VMF_NH, MADV_NOHUGEPAGE }, { VMF_MG, MADV_MERGEABLE },
		{ VMF_RR, MADV_RANDOM },     { VMF_SR, MADV_SEQUENTIAL },
	};
	char name[80];
	const char *n;
	size_t i, nlen;

	if (v->has_vmflags)
		for (i = 0; i < sizeof(advices) / sizeof(advices[0]); i++)
			if (v->vmflags & advices[i].flag)
				sys_madvise(addr, len, advices[i].advice);
	n = mc_vma_anon_name(v, &nlen);
	if (n && nlen < sizeof(name)) {
		memcpy(name, n, nlen);
		name[nlen] = 0;
		sys_prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, (unsigned long)name);
	}
}

/* ---- the file behind a private file mapping ------------------------- */

static char *put_hex(char *p, unsigned long x)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[x & 15];
		x >>= 4;
	} while (x);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static bool same_file(long fd, const struct vma *v)
{
	struct stat st;

	if (sys_fstat((int)fd, &st))
		return false;
	return st.st_ino == v->ino && major(st.st_dev) == v->dev_major &&
	       minor(st.st_dev) == v->dev_minor;
}

/* Opens the very file the VMA maps, checked by device and inode, so that a
 * renamed or replaced path is never mapped in its place. */
static long open_vma_file(const struct vma *v)
{
	char path[64] = "/proc/self/map_files/", *p = path + 21;
	long fd;

	p = put_hex(p, v->start);
	*p++ = '-';
	p = put_hex(p, v->end);
	*p = 0;
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && same_file(fd, v))
		return fd;
	if (fd >= 0)
		sys_close((int)fd);
	if (v->deleted || v->path_truncated || v->path_len == 0 || v->path[0] != '/')
		return -ENOENT;
	fd = sys_openat(AT_FDCWD, v->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (same_file(fd, v))
		return fd;
	sys_close((int)fd);
	return -ESTALE;
}

/* The kernel clears the mlock flags of the whole old VMA, not only of the
 * moved range: the VMA is not split. */
static void unlock_old(const struct vma *v)
{
	if (!v->has_vmflags || (v->vmflags & (VMF_LO | VMF_LF)))
		sys_munlock(v->start, v->end - v->start);
}

/* ---- alias ------------------------------------------------------------ */

/* The kernel's move carries the page table entries along: a page present
 * at the old address is present at the new one. The alias maps the object
 * again without page tables, so fault in, at the new address, the pages
 * that were present at the old one (read faults: nothing is dirtied). */
static void populate_like(const struct vma *v, unsigned long old, unsigned long dest,
			  unsigned long len)
{
	unsigned long long pm[64];
	unsigned long p = mc_page_size, npages = len / p, i, j;
	long pmfd, memfd = -1;
	char byte;

	pmfd = sys_openat(AT_FDCWD, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0)
		return;
	if (!(v->prot & PROT_READ))
		memfd = sys_openat(AT_FDCWD, "/proc/self/mem", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < npages; i += 64) {
		unsigned long n = npages - i < 64 ? npages - i : 64;

		if (sys_pread((int)pmfd, pm, n * 8, (old / p + i) * 8) != (long)(n * 8))
			break;
		for (j = 0; j < n; j++) {
			unsigned long at = dest + (i + j) * p;

			if (!(pm[j] & PM_PRESENT))
				continue;
			if (memfd >= 0)
				sys_pread((int)memfd, &byte, 1, at);
			else if (v->prot & PROT_READ)
				(void)*(volatile const char *)at;
		}
	}
	if (memfd >= 0)
		sys_close((int)memfd);
	sys_close((int)pmfd);
}

static long du_alias(const struct vma *v, unsigned long old, unsigned long len,
		     unsigned long dest, bool reserved)
{
	long ret = sys_mremap(old, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);

	if (sys_is_err(ret)) {
		if (reserved)
			release(dest, len);
		/* The duplicate path answers EFAULT for VM_DONTEXPAND and
		 * VM_PFNMAP, which DONTUNMAP refuses with EINVAL. */
		return ret == -EFAULT ? -EINVAL : ret;
	}
	populate_like(v, old, (unsigned long)ret, len);
	unlock_old(v);
	sys_madvise(old, len, MADV_DONTNEED); /* no page tables left */
	return ret;
}

/* A private VMA made writable once stays charged (VM_ACCOUNT, smaps "ac")
 * after losing PROT_WRITE; a new read-only mapping is not, and would not
 * merge with its neighbours as the kernel's emptied VMA does. Map such a
 * range writable first, then take the write permission away. */
static bool charged_read_only(const struct vma *v)
{
	return v->has_vmflags && (v->vmflags & VMF_AC) && !(v->prot & PROT_WRITE);
}

static int refill_prot(const struct vma *v)
{
	return charged_read_only(v) ? v->prot | PROT_WRITE : v->prot;
}

/* The refill of a charged read-only range, mapped writable, loses its
 * write permission. Inside a VMA whose other parts have an anon_vma the
 * kernel merges it back only if it has one too:
 *
 *   [ A r-- anon_vma ][ refill rw- ][ A r-- anon_vma ]
 *         write one byte -> the refill adopts A's anon_vma (no page kept)
 *   [ A r-- .......................................... ]  after mprotect
 */
static void restore_read_only(const struct vma *v, unsigned long old, unsigned long len)
{
	bool inside = v->start < old || v->end > old + len;

	if (inside) {
		*(volatile char *)old = 0;
		sys_mprotect(old, len, v->prot);
		sys_madvise(old, mc_page_size, MADV_DONTNEED);
		return;
	}
	sys_mprotect(old, len, v->prot);
}

/* ---- move+regrow, move+refill ----------------------------------------------------- */

struct free_arg {
	unsigned long start, end;
	bool busy;
};

static int free_cb(const struct vma *v, void *arg)
{
	struct free_arg *a = arg;

	a->busy = v->start < a->end;
	return 1;
}

/* The part of the VMA left of the hole grows back over it, in place:
 *
 *   [ L ][ moved ][ R ]  ->  [ L ][ hole ][ R ]  ->  [ L ........ ][ R ]
 *
 * It is the same VMA: same file and offset, anon_vma, name, madvise flags,
 * userfaultfd registration; the kernel merges it with R again. The mlock
 * flags go first (the kernel clears them on the whole old VMA, and a
 * locked VMA would populate what it grows by). */
static bool regrow(const struct vma *v, unsigned long old, unsigned long len)
{
	if (!v->has_vmflags || (v->vmflags & (VMF_LO | VMF_LF))) {
		sys_munlock(v->start, old - v->start);
		if (old + len < v->end)
			sys_munlock(old + len, v->end - (old + len));
	}
	return sys_mremap(v->start, old - v->start, old + len - v->start, 0, 0) == (long)v->start;
}

static long du_move(struct mremap_req *r, const struct vma *v,
		    unsigned long old, unsigned long len,
		    unsigned long dest, bool reserved, bool try_regrow)
{
	int map = MAP_PRIVATE | MAP_FIXED_NOREPLACE | MAP_ANONYMOUS;
	long ret, refill;

	ret = sys_mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	if (sys_is_err(ret)) {
		if (reserved)
			release(dest, len);
		return ret;
	}
	if (try_regrow && regrow(v, old, len))
		return ret;
	if (v->has_vmflags && (v->vmflags & VMF_NR))
		map |= MAP_NORESERVE;
	/* Only regrow() refills a file mapping; an anonymous refill would
	 * change the mapping's kind. */
	if (mc_vma_kind(v) == VMA_FILE_PRIVATE) {
		struct free_arg a = { old, old + len, true };

		refill = mc_maps_walk(old, false, free_cb, &a) >= 0 && a.busy ? -EEXIST : -ENOMEM;
	} else {
		refill = sys_mmap(old, len, refill_prot(v), map, -1, 0);
	}
	if (refill == (long)old) {
		if (refill_prot(v) != v->prot)
			restore_read_only(v, old, len);
		copy_attributes(v, old, len);
		unlock_old(v);
		return ret;
	}
	if (!sys_is_err(refill)) { /* before 4.17: a hint, placed elsewhere */
		sys_munmap((unsigned long)refill, len);
		refill = -EEXIST;
	}
	if (refill == -EEXIST) {
		/* Another thread mapped into the old range after the move:
		 * it is theirs; the data is safe at the new address. */
		r->how = "move+refill, old range taken by another thread";
		return ret;
	}
	/* The refill failed (ENOMEM at the map count limit, say): move the
	 * data back if the old range is still free, and fail as the kernel
	 * would; otherwise keep it where it is reachable. */
	{
		struct free_arg a = { old, old + len, true };

		if (mc_maps_walk(old, false, free_cb, &a) >= 0 && !a.busy &&
		    !sys_is_err(sys_mremap(ret, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, old)))
			return refill;
	}
	r->how = "move+refill, old range could not be refilled";
	return ret;
}

/* ---- copy ----------------------------------------------------------- */

#define PM_BATCH 64 /* pagemap entries per read: 512 bytes of stack */

/* A run of consecutive pages to copy, or to fault in. */
struct run {
	unsigned long src, dst, len; /* len 0: no run */
	bool copy;
};

struct copy_ctx {
	long memfd;
	bool via_mem_in, via_mem_out;
};

/* Moves all of [src, src+len) to dst through /proc/self/mem, with pwrite
 * (write) or pread. A short count goes on; nothing at all is an error. */
static int mem_rw(long memfd, bool write, unsigned long src, unsigned long dst, unsigned long len)
{
	while (len) {
		long n = write ? sys6(SYS_pwrite64, memfd, (long)src, (long)len, (long)dst, 0, 0) :
				 sys_pread((int)memfd, (void *)dst, len, src);

		if (n <= 0)
			return -EIO;
		src += (unsigned long)n;
		dst += (unsigned long)n;
		len -= (unsigned long)n;
	}
	return 0;
}

static int flush_run(struct copy_ctx *c, struct run *r)
{
	unsigned long p = mc_page_size, off;
	char byte;
	int err = 0;

	if (!r->len)
		return 0;
	if (!r->copy) {
		/* The file's own pages: the new mapping has them. Fault them
		 * in, as the kernel's move leaves them mapped at the new
		 * address. */
		for (off = 0; off < r->len; off += p) {
			if (c->via_mem_out)
				sys_pread((int)c->memfd, &byte, 1, r->dst + off);
			else
				(void)*(volatile const char *)(r->dst + off);
		}
	} else if (!c->via_mem_in && !c->via_mem_out) {
		/* (MADV_POPULATE_WRITE on the run first, 5.14, made it
		 * slower: the run is zeroed in a first pass that leaves the
		 * cache before memcpy writes it; a fault zeroes each page
		 * just before it is written.) */
		memcpy((void *)r->dst, (const void *)r->src, r->len);
	} else if (!c->via_mem_out) {
		err = mem_rw(c->memfd, false, r->src, r->dst, r->len);
	} else if (!c->via_mem_in) {
		err = mem_rw(c->memfd, true, r->src, r->dst, r->len);
	} else {
		err = -EIO; /* never asked: see du_copy() */
	}
	r->len = 0;
	return err;
}

/* Copies the pages of [old, old+len) that exist (present or swapped) and,
 * for a file mapping, that are private copies; the file's own pages are
 * faulted in. A range that cannot be read is read, and a destination that
 * cannot be written is written, through /proc/self/mem (which may: that is
 * how debuggers set breakpoints). Consecutive pages go in one piece: one
 * memcpy (or pread, pwrite) per run. */
static int copy_pages(const struct vma *v, unsigned long old, unsigned long dest,
		      unsigned long len, bool file, long pmfd, long memfd, bool via_mem_out)
{
	unsigned long long pm[PM_BATCH];
	unsigned long p = mc_page_size, npages = len / p, i = 0;
	struct copy_ctx c = { memfd, !(v->prot & PROT_READ), via_mem_out };
	struct run r = { 0, 0, 0, false };
	int err = 0;

	while (i < npages && !err) {
		unsigned long n = npages - i < PM_BATCH ? npages - i : PM_BATCH, j;
		long got = sys_pread((int)pmfd, pm, n * 8, (old / p + i) * 8);

		if (got != (long)(n * 8)) {
			err = got < 0 ? (int)got : -EIO;
			break;
		}
		for (j = 0; j < n && !err; j++) {
			unsigned long long e = pm[j];
			unsigned long src = old + (i + j) * p, dst = dest + (i + j) * p;
			bool copy;

			if (!(e & (PM_PRESENT | PM_SWAPPED))) {
				err = flush_run(&c, &r);
				continue;
			}
			copy = !(file && (e & PM_PRESENT) && (e & PM_FILE));
			if (r.len && (r.copy != copy || r.src + r.len != src))
				err = flush_run(&c, &r);
			if (!r.len) {
				r.src = src;
				r.dst = dst;
				r.copy = copy;
			}
			r.len += p;
		}
		i += n;
	}
	if (!err)
		err = flush_run(&c, &r);
	return err;
}

static long du_copy(const struct vma *v, unsigned long old, unsigned long len,
		    unsigned long dest, bool reserved, long fd)
{
	int map = MAP_PRIVATE | MAP_FIXED, prot = PROT_READ | PROT_WRITE;
	unsigned long off = 0;
	long ret, memfd = -1, pmfd;
	int err;

	if (fd >= 0)
		off = v->offset + (old - v->start);
	else
		map |= MAP_ANONYMOUS;
	if (v->has_vmflags && (v->vmflags & VMF_NR))
		map |= MAP_NORESERVE;
	/* A read-only VMA that was never writable is not charged (no "ac"):
	 * map the new range read-only too, and write it through
	 * /proc/self/mem. Otherwise map it writable and take the write
	 * permission away after the copy, as the charge stays. */
	if (v->has_vmflags && !(v->prot & PROT_WRITE) && !(v->vmflags & VMF_AC) &&
	    (v->prot & PROT_READ))
		prot = v->prot;
	/* Everything that can fail for want of a resource is opened before
	 * the destination, which may be the caller's FIXED one, is touched. */
	pmfd = sys_openat(AT_FDCWD, "/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pmfd < 0) {
		if (reserved)
			release(dest, len);
		return pmfd;
	}
	if (prot != (PROT_READ | PROT_WRITE) || !(v->prot & PROT_READ)) {
		memfd = sys_openat(AT_FDCWD, "/proc/self/mem", O_RDWR | O_CLOEXEC);
		if (memfd < 0) {
			sys_close((int)pmfd);
			if (reserved)
				release(dest, len);
			return memfd;
		}
	}
	/* dest is ours (a reservation) or the caller's FIXED destination,
	 * which the kernel replaces too. */
	ret = sys_mmap(dest, len, prot, map, (int)fd, off);
	if (sys_is_err(ret)) {
		if (reserved)
			release(dest, len);
		if (memfd >= 0)
			sys_close((int)memfd);
		sys_close((int)pmfd);
		return ret;
	}
	err = copy_pages(v, old, dest, len, fd >= 0, pmfd, memfd, !(prot & PROT_WRITE));
	if (!err && prot != v->prot)
		err = (int)sys_mprotect(dest, len, v->prot);
	if (memfd >= 0)
		sys_close((int)memfd);
	sys_close((int)pmfd);
	if (err) {
		sys_munmap(dest, len);
		return err;
	}
	copy_attributes(v, dest, len);
	if (v->has_vmflags && (v->vmflags & (VMF_LO | VMF_LF)))
		sys_mlock(dest, len);
	unlock_old(v);
	sys_madvise(old, len, MADV_DONTNEED);
	return ret;
}

/* ---- one piece ------------------------------------------------------- */

enum du_strategy { DU_ALIAS, DU_REGROW, DU_REFILL, DU_COPY };

/* Which strategy for this piece (see the top of this file). */
static enum du_strategy du_choose(struct mremap_req *r, const struct vma *v,
				  unsigned long old, unsigned long len, unsigned long dest)
{
	bool dest_in_vma = dest < v->end && dest + len > v->start;

	struct mc_controls scratch;
	enum mc_vma_kind kind = mc_vma_kind(v);
	bool race_free = mc_controls(&scratch)->strategy == MC_STRATEGY_RACE_FREE;
	bool uffd = v->has_vmflags && (v->vmflags & VMF_UFFD);

	if (kind == VMA_SHARED) {
		r->how = "alias";
		return DU_ALIAS;
	}
	if (uffd || race_free) {
		r->how = uffd ? "copy (userfaultfd-registered)" : "copy (race-free)";
		return DU_COPY;
	}
	/* (A destination inside the VMA itself replaces part of what would
	 * grow back.) */
	if (old > v->start && !dest_in_vma) {
		r->how = "move+regrow";
		return DU_REGROW;
	}
	if (kind == VMA_FILE_PRIVATE) {
		r->how = "copy (private file)";
		return DU_COPY;
	}
	/* The start of a VMA that goes on: a refill could not take the VMA's
	 * page offset (a moved VMA keeps its own), so it would not merge back
	 * with the rest. The copy leaves the VMA as it is. */
	if (old + len < v->end) {
		r->how = "copy (start of a VMA)";
		return DU_COPY;
	}
	r->how = "move+refill";
	return DU_REFILL;
}

long mc_du_emulate(struct mremap_req *r, const struct vma *v, unsigned long old,
		   unsigned long len, unsigned long new_addr, bool fixed)
{
	enum du_strategy how;
	unsigned long dest = new_addr;
	long fd = -1, ret;
	int err = mc_du_refusal(v);

	if (err)
		return err;
	if (!fixed) {
		ret = reserve(new_addr, len);
		if (sys_is_err(ret))
			return ret;
		dest = (unsigned long)ret;
	}
	how = du_choose(r, v, old, len, dest);
	if (how == DU_COPY && mc_vma_kind(v) == VMA_FILE_PRIVATE) {
		fd = open_vma_file(v);
		if (fd < 0) {
			if (!fixed)
				release(dest, len);
			r->why = "cannot reopen the mapped file";
			return -EINVAL;
		}
	}
	switch (how) {
	case DU_ALIAS:
		ret = du_alias(v, old, len, dest, !fixed);
		break;
	case DU_COPY:
		ret = du_copy(v, old, len, dest, !fixed, fd);
		break;
	case DU_REGROW:
	case DU_REFILL:
	default:
		ret = du_move(r, v, old, len, dest, !fixed, how == DU_REGROW);
		break;
	}
	if (fd >= 0)
		sys_close((int)fd);
	return ret;
}
