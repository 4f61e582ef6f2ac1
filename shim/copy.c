/* shim/copy.c - copy: private kinds; the old VMA is never unmapped. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "compat/sys.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/du.h"


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
		err = -EIO; /* never asked: see mc_du_copy() */
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

long mc_du_copy(const struct vma *v, unsigned long old, unsigned long len,
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
			mc_dest_release(dest, len);
		return pmfd;
	}
	if (prot != (PROT_READ | PROT_WRITE) || !(v->prot & PROT_READ)) {
		memfd = sys_openat(AT_FDCWD, "/proc/self/mem", O_RDWR | O_CLOEXEC);
		if (memfd < 0) {
			sys_close((int)pmfd);
			if (reserved)
				mc_dest_release(dest, len);
			return memfd;
		}
	}
	/* dest is ours (a reservation) or the caller's FIXED destination,
	 * which the kernel replaces too. */
	ret = sys_mmap(dest, len, prot, map, (int)fd, off);
	if (sys_is_err(ret)) {
		if (reserved)
			mc_dest_release(dest, len);
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
	mc_attrs_copy(v, dest, len);
	if (v->has_vmflags && (v->vmflags & (VMF_LO | VMF_LF)))
		sys_mlock(dest, len);
	mc_attrs_unlock_old(v);
	sys_madvise(old, len, MADV_DONTNEED);
	return ret;
}
