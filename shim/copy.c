/* shim/copy.c - copy: private kinds; the old VMA is never unmapped.
 *
 * The race-free strategy. The new range is mapped away from every other
 * mapping (struct build), the pages that exist at the source are copied
 * to it, page-table markers are put where the kernel's move puts them; it
 * is moved over the caller's FIXED destination or the library's
 * reservation, and the old range is emptied in place:
 *
 *   old [ A B g . C ]          pagemap: A B present, g guard, . none, C swapped
 *   new [ A B g . C ]          A B copied, C read through /proc/self/mem,
 *                              g installed (MADV_GUARD_INSTALL), . left empty
 *   old [ . . . . . ]          MADV_DONTNEED, then MADV_GUARD_REMOVE
 *
 * What it never does: read or write a page that would fault. Only pages
 * /proc/self/pagemap calls present or swapped are read, so no userfaultfd
 * fault is raised on the old range; a guard marker (pagemap bit 58, 6.14+)
 * is never read; a swapped-looking entry without that bit may be a marker
 * of 6.13 or of userfaultfd write-protection, so it is read with a system
 * call (pread of /proc/self/mem), which answers an error where a load
 * would fault: the error means a marker. (In a VMA registered for missing
 * faults and write-protection both, such an entry with the write-protect
 * bit is taken for a marker without being read: a read there could raise a
 * missing fault. A page really swapped out there is not copied.)
 *
 * Cost: the destination's pages, allocated and zeroed. They are populated
 * 2 MiB at a time (MADV_POPULATE_WRITE, 5.14+) just before the memcpy that
 * fills them, so the zeroed chunk is still in the cache; a whole aligned
 * 2 MiB chunk of a MADV_HUGEPAGE VMA becomes a huge page, as the kernel's
 * move of an aligned huge page leaves one. (Older kernels: the memcpy
 * faults the pages in itself.)
 *
 * The new VMA gets the old one's flags: MAP_NORESERVE, MAP_GROWSDOWN, the
 * charge (ac), madvise flags and name (attrs.c), VM_LOCKED or
 * VM_LOCKONFAULT (mlock2(MLOCK_ONFAULT) faults nothing in).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN 0x0100
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

#define PM_BATCH 32              /* pagemap entries per read: 256 bytes of stack */
#define CHUNK (2UL << 20)        /* populate, then copy, this much at a time */

/* What one source page is, and what the destination gets for it. */
enum page_kind {
	PG_NONE,   /* no page: nothing (the kernel's move leaves none) */
	PG_COPY,   /* present: copied */
	PG_FILE,   /* a private file's own page: faulted in at the destination */
	PG_SWAP,   /* swapped, or a marker: read with a system call */
	PG_GUARD,  /* a guard marker: installed at the destination */
};

/* A run of consecutive pages of one kind. */
struct run {
	unsigned long src, dst, len; /* len 0: no run */
	enum page_kind kind;
};

struct copy_ctx {
	long memfd;
	bool via_mem_in, via_mem_out; /* source unreadable, destination unwritable */
	bool hugepage;                /* the source VMA has MADV_HUGEPAGE */
	bool guards;                  /* a guard marker was met */
	bool absent;                  /* a page of the range does not exist */
};

static bool no_populate; /* MADV_POPULATE_WRITE answered EINVAL: before 5.14 */

/* Moves all of [src, src+len) to dst through /proc/self/mem, with pwrite
 * (write) or pread. A short count goes on; nothing at all is an error. */
static int mem_rw(long memfd, bool write, unsigned long src, unsigned long dst, unsigned long len)
{
	while (len) {
		long n = write ? sys6(SYS_pwrite64, memfd, (long)src, (long)len, (long)dst, 0, 0) :
				 sys_pread((int)memfd, (void *)dst, len, src);

		if (n <= 0)
			return n < 0 ? (int)n : -EIO;
		src += (unsigned long)n;
		dst += (unsigned long)n;
		len -= (unsigned long)n;
	}
	return 0;
}

/* Neither side is accessible (a never-writable PROT_NONE VMA): through a
 * small buffer, both ways through /proc/self/mem. */
static __attribute__((noinline)) int mem_bounce(long memfd, unsigned long src, unsigned long dst,
						 unsigned long len)
{
	char buf[256];
	unsigned long off;
	int err = 0;

	for (off = 0; off < len && !err; off += sizeof(buf)) {
		unsigned long n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		err = mem_rw(memfd, false, src + off, (unsigned long)buf, n);
		if (!err)
			err = mem_rw(memfd, true, (unsigned long)buf, dst + off, n);
	}
	return err;
}

/* Copies [src, src+len) to dst, whichever side needs the system call. */
static int copy_bytes(struct copy_ctx *c, unsigned long src, unsigned long dst, unsigned long len)
{
	if (c->via_mem_out && c->via_mem_in)
		return mem_bounce(c->memfd, src, dst, len);
	if (c->via_mem_out)
		return mem_rw(c->memfd, true, src, dst, len);
	if (c->via_mem_in)
		return mem_rw(c->memfd, false, src, dst, len);
	memcpy((void *)dst, (const void *)src, len);
	return 0;
}

/* Populates [dst, dst+len) writable, in one go (the caller keeps len
 * within one 2 MiB chunk). Of a MADV_HUGEPAGE source, a whole aligned
 * chunk is made a huge page and a smaller piece small pages, as the
 * kernel's move leaves them (where transparent huge pages are "always",
 * the piece would become a huge page too): the advice goes on the chunk
 * first, and the whole VMA gets MADV_HUGEPAGE after the copy, and merges. */
static void populate(const struct copy_ctx *c, unsigned long dst, unsigned long len)
{
	long r;

	if (c->hugepage)
		sys_madvise(dst, len, len == CHUNK && !(dst & (CHUNK - 1)) ?
				      MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (__atomic_load_n(&no_populate, __ATOMIC_RELAXED) || c->via_mem_out)
		return;
	r = sys_madvise(dst, len, MADV_POPULATE_WRITE);
	if (r == -EINVAL)
		__atomic_store_n(&no_populate, true, __ATOMIC_RELAXED);
}

/* Present pages: populated, then copied, one chunk at a time, the chunks
 * cut at the destination's 2 MiB boundaries. */
static int copy_present(struct copy_ctx *c, const struct run *r)
{
	unsigned long off = 0;
	int err = 0;

	while (off < r->len && !err) {
		unsigned long dst = r->dst + off;
		unsigned long n = CHUNK - (dst & (CHUNK - 1));

		if (n > r->len - off)
			n = r->len - off;
		populate(c, dst, n);
		err = copy_bytes(c, r->src + off, dst, n);
		off += n;
	}
	return err;
}

/* A swapped-looking page: a real swapped page, or a marker a load would
 * fault on. Asked with a system call first (marker.c): its error means a
 * marker, installed at the destination, which is not written. */
static int copy_swapped(struct copy_ctx *c, const struct run *r)
{
	unsigned long p = mc_page_size, off;

	if (c->memfd < 0) /* (only where neither side needs it) */
		return copy_bytes(c, r->src, r->dst, r->len);
	for (off = 0; off < r->len; off += p) {
		int err;

		if (mc_mem_refuses(c->memfd, r->src + off)) {
			/* a guard marker of 6.13 (no pagemap bit) */
			if (sys_madvise(r->dst + off, p, MADV_GUARD_INSTALL) == 0)
				c->guards = true;
			continue;
		}
		err = copy_bytes(c, r->src + off, r->dst + off, p);
		if (err)
			return err;
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
	switch (r->kind) {
	case PG_FILE:
		/* The file's own pages: the new mapping has them. Fault them
		 * in, as the kernel's move leaves them mapped at the new
		 * address. */
		for (off = 0; off < r->len; off += p) {
			if (c->via_mem_out)
				sys_pread((int)c->memfd, &byte, 1, r->dst + off);
			else
				(void)*(volatile const char *)(r->dst + off);
		}
		break;
	case PG_COPY:
		err = copy_present(c, r);
		break;
	case PG_SWAP:
		err = copy_swapped(c, r);
		break;
	case PG_GUARD:
		err = (int)sys_madvise(r->dst, r->len, MADV_GUARD_INSTALL);
		c->guards = true;
		break;
	case PG_NONE:
	default:
		break;
	}
	r->len = 0;
	return err;
}

/* What a pagemap entry says the page is. ambiguous_wp: the VMA is
 * registered for missing faults and write-protection both. */
static enum page_kind page_kind(unsigned long long e, bool file, bool ambiguous_wp)
{
	if (e & PM_PRESENT)
		return file && (e & PM_FILE) ? PG_FILE : PG_COPY;
	if (!(e & PM_SWAPPED))
		return PG_NONE;
	if (mc_pm_guard(e))
		return PG_GUARD;
	if (ambiguous_wp && (e & PM_UFFD_WP))
		return PG_NONE;
	return PG_SWAP;
}

/* Copies the pages of [old, old+len) that exist, run by run (see the top
 * of this file). */
static int copy_pages(const struct vma *v, unsigned long old, unsigned long dest,
		      unsigned long len, bool file, long pmfd, struct copy_ctx *c)
{
	unsigned long long pm[PM_BATCH];
	unsigned long p = mc_page_size, npages = len / p, i = 0;
	bool ambiguous_wp = v->has_vmflags && (v->vmflags & VMF_UM) && (v->vmflags & VMF_UW);
	struct run r = { 0, 0, 0, PG_NONE };
	int err = 0;

	while (i < npages && !err) {
		unsigned long n = npages - i < PM_BATCH ? npages - i : PM_BATCH, j;
		long got = sys_pread((int)pmfd, pm, n * 8, (old / p + i) * 8);

		if (got != (long)(n * 8)) {
			err = got < 0 ? (int)got : -EIO;
			break;
		}
		for (j = 0; j < n && !err; j++) {
			unsigned long src = old + (i + j) * p, dst = dest + (i + j) * p;
			enum page_kind k = page_kind(pm[j], file, ambiguous_wp);

			if (r.len && (r.kind != k || r.src + r.len != src))
				err = flush_run(c, &r);
			if (k == PG_NONE) {
				c->absent = true;
				continue;
			}
			if (!r.len) {
				r.src = src;
				r.dst = dst;
				r.kind = k;
			}
			r.len += p;
		}
		i += n;
	}
	if (!err)
		err = flush_run(c, &r);
	return err;
}

/* The protection to map the destination with, to be changed to v->prot
 * after the copy. A VMA that is charged (ac) stays charged after losing
 * PROT_WRITE, and a MAP_NORESERVE one is never charged: map those
 * writable. One that was never writable is not charged: it is mapped with
 * its own protection and written through /proc/self/mem, so that it is
 * not charged either. */
static int map_prot(const struct vma *v)
{
	if (v->prot & PROT_WRITE)
		return v->prot;
	if (v->has_vmflags && !(v->vmflags & (VMF_AC | VMF_NR)))
		return v->prot;
	return v->prot | PROT_READ | PROT_WRITE;
}

static int map_flags(const struct vma *v, bool file)
{
	int map = MAP_PRIVATE | MAP_FIXED;

	if (!file)
		map |= MAP_ANONYMOUS;
	if (v->has_vmflags && (v->vmflags & VMF_NR))
		map |= MAP_NORESERVE;
	if (v->has_vmflags && (v->vmflags & VMF_GD))
		map |= MAP_GROWSDOWN;
	return map;
}

/* The mlock flags the kernel's move gives the new VMA: VM_LOCKED with all
 * pages in, or VM_LOCKONFAULT with only the moved ones. Linux 5.10 and
 * 6.1 print no "lf" in smaps; a locked range with a page missing can only
 * be locked on fault (mlock faults every page in, and no page of a locked
 * VMA can be dropped). */
static long lock_like(const struct vma *v, const struct copy_ctx *c, unsigned long dest,
		      unsigned long len)
{
	if (!v->has_vmflags)
		return 0;
	if ((v->vmflags & VMF_LF) || ((v->vmflags & VMF_LO) && c->absent))
		return sys6(SYS_mlock2, (long)dest, (long)len, MLOCK_ONFAULT, 0, 0, 0);
	if (v->vmflags & VMF_LO)
		return sys_mlock(dest, len);
	return 0;
}

/* Gives the old VMA its lock back after a failed lock of the new range. */
static void relock_old(const struct vma *v)
{
	if (v->vmflags & VMF_LF)
		sys6(SYS_mlock2, (long)v->start, (long)(v->end - v->start), MLOCK_ONFAULT, 0, 0, 0);
	else if (v->vmflags & VMF_LO)
		sys_mlock(v->start, v->end - v->start);
}

/* /proc/self/pagemap, and /proc/self/mem for an unreadable source, an
 * unwritable destination and swapped-looking pages. A sandbox may close
 * /proc/self/mem: then only what needs it fails (mc_du_copy()), and
 * swapped-looking pages are read directly (a guard marker is still known
 * by its pagemap bit on 6.14+). */
int mc_copy_open(struct mc_copy_files *f)
{
	f->mem = -1;
	f->pagemap = sys_openat(AT_FDCWD, "/proc/thread-self/pagemap", O_RDONLY | O_CLOEXEC);
	if (f->pagemap < 0)
		return (int)f->pagemap;
	f->mem = sys_openat(AT_FDCWD, "/proc/thread-self/mem", O_RDWR | O_CLOEXEC); /* or -errno */
	return 0;
}

void mc_copy_close(struct mc_copy_files *f)
{
	if (f->mem >= 0)
		sys_close((int)f->mem);
	if (f->pagemap >= 0)
		sys_close((int)f->pagemap);
	f->mem = f->pagemap = -1;
}

/* Where the copy builds the new range: away from every other mapping.
 *
 *   res [pad|        [ at: len ]          |pad]   a PROT_NONE reservation
 *                     at = dest modulo 2 MiB (for len >= 2 MiB), so that
 *                     a huge page built at at moves to dest as one
 *
 * A new mapping made at dest itself merges with a neighbour there whose
 * page offset continues its own: the rest of the old VMA right below, an
 * untouched anonymous VMA right above. The kernel's new VMA keeps the old
 * VMA's page offset and anon_vma and merges with neither. Built between
 * PROT_NONE pads, the range merges with nothing while it is filled, its
 * protection and madvise flags set; then it moves to dest whole with
 * mremap(MAYMOVE|FIXED), as the kernel's own move would go: it merges there
 * only with what the kernel's new VMA could (page offsets from at). */
struct build {
	unsigned long res, res_len, at, len;
};

static long build_reserve(struct build *b, unsigned long dest, unsigned long len)
{
	unsigned long p = mc_page_size, slack = len >= CHUNK ? CHUNK : 0;
	long r;

	b->len = len;
	b->res_len = len + 2 * p + slack;
	r = sys_mmap(0, b->res_len, PROT_NONE, ANON | MAP_NORESERVE, -1, 0);
	if (sys_is_err(r))
		return r;
	b->res = (unsigned long)r;
	b->at = b->res + p;
	if (slack)
		b->at += (dest - b->at) & (CHUNK - 1);
	return 0;
}

/* Unmaps the pads, and only them: munmap() merges nothing, and the range
 * at at may be gone already (moved), its place another thread's. */
static void build_unpad(struct build *b)
{
	if (!b->res_len)
		return;
	sys_munmap(b->res, b->at - b->res);
	sys_munmap(b->at + b->len, b->res + b->res_len - (b->at + b->len));
	b->res_len = 0;
}

/* The finished range to dest. Near vm.max_map_count the pads' two
 * mappings may be what the move lacks: again without them. */
static long build_move(struct build *b, unsigned long dest)
{
	long ret = sys_mremap(b->at, b->len, b->len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);

	if (ret == -ENOMEM) {
		build_unpad(b);
		ret = sys_mremap(b->at, b->len, b->len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	}
	build_unpad(b);
	return ret;
}

/* Maps [at, at+len) (MAP_FIXED) and gives it the pages of [old, old+len)
 * and v's protection and attributes, but the lock. An error leaves at
 * mapped or not: the caller unmaps it. */
static int fill(const struct vma *v, unsigned long old, unsigned long len, unsigned long at,
		long fd, struct copy_ctx *c, const struct mc_copy_files *f)
{
	int prot = map_prot(v), err;
	unsigned long off = fd >= 0 ? v->offset + (old - v->start) : 0;
	long ret = sys_mmap(at, len, prot, map_flags(v, fd >= 0), (int)fd, off);

	if (sys_is_err(ret))
		return (int)ret;
	mc_attrs_mark_guarded(v, at); /* before any page is there */
	/* A charged VMA keeps its charge through the mprotect below only
	 * with an anon_vma (restore_read_only() in move.c): one byte. */
	if (fd < 0 && prot != v->prot) {
		*(volatile char *)at = 0;
		sys_madvise(at, mc_page_size, MADV_DONTNEED);
	}
	c->guards = c->absent = false;
	err = copy_pages(v, old, at, len, fd >= 0, f->pagemap, c);
	if (!err && prot != v->prot)
		err = (int)sys_mprotect(at, len, v->prot);
	if (!err)
		mc_attrs_copy(v, at, len);
	return err;
}

/* The new range: built away from other mappings and moved to dest (see
 * struct build). Where that cannot be had at the vm.max_map_count edge
 * (the built range is one mapping more when it moves; 6.17+ counts it up
 * front), built at dest itself, where it may merge with a neighbour that
 * the kernel's new VMA would not. dest is the library's reservation or the
 * caller's FIXED destination, which the kernel replaces too. */
static long build_new(const struct vma *v, unsigned long old, unsigned long len,
		      unsigned long dest, long fd, struct copy_ctx *c,
		      const struct mc_copy_files *f)
{
	struct build b = { 0, 0, 0, 0 };
	long ret = build_reserve(&b, dest, len);
	int err = 0;

	if (!sys_is_err(ret)) {
		err = fill(v, old, len, b.at, fd, c, f);
		ret = err ? err : build_move(&b, dest);
		if (!sys_is_err(ret))
			return ret;
		/* the whole reservation, or (the move failed) what is at at */
		if (b.res_len)
			sys_munmap(b.res, b.res_len);
		else
			sys_munmap(b.at, len);
		if (ret != -ENOMEM)
			return ret;
	}
	err = fill(v, old, len, dest, fd, c, f);
	if (err) {
		sys_munmap(dest, len);
		return err;
	}
	return (long)dest;
}

long mc_du_copy(const struct vma *v, unsigned long old, unsigned long len,
		unsigned long dest, bool reserved, long fd, struct mc_copy_files *f)
{
	struct copy_ctx c = { f->mem, !(v->prot & PROT_READ), !(map_prot(v) & PROT_WRITE),
			      v->has_vmflags && (v->vmflags & VMF_HG), false, false };
	long ret;
	int err;

	if ((c.via_mem_in || c.via_mem_out) && f->mem < 0) {
		if (reserved)
			mc_dest_release(dest, len);
		return f->mem; /* its open's error: closed to this process */
	}
	ret = build_new(v, old, len, dest, fd, &c, f);
	if (sys_is_err(ret)) {
		if (reserved)
			mc_dest_release(dest, len);
		return ret;
	}
	/* The old VMA's lock goes first, as the kernel's move charges no new
	 * lock against RLIMIT_MEMLOCK, and the old VMA loses it anyway. A
	 * lock that still fails is the call's error, not ignored: the old
	 * range, still whole, is locked again. */
	mc_attrs_unlock_old(v);
	err = (int)lock_like(v, &c, dest, len);
	if (err) {
		relock_old(v);
		sys_munmap(dest, len);
		return err;
	}
	sys_madvise(old, len, MADV_DONTNEED);
	if (c.guards)
		sys_madvise(old, len, MADV_GUARD_REMOVE); /* they moved */
	return ret;
}
