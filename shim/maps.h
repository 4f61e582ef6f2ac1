/* shim/maps.h - the /proc/self/maps and /proc/self/smaps reader. */
#ifndef MREMAP_COMPAT_MAPS_H
#define MREMAP_COMPAT_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/sysmacros.h>

/* VmFlags from smaps that the emulation looks at (doc/design.md). */
#define VMF_LO 0x0001u /* VM_LOCKED */
#define VMF_LF 0x0002u /* VM_LOCKONFAULT */
#define VMF_UM 0x0004u /* userfaultfd missing */
#define VMF_UW 0x0008u /* userfaultfd write-protect */
#define VMF_UI 0x0010u /* userfaultfd minor */
#define VMF_DE 0x0020u /* VM_DONTEXPAND */
#define VMF_PF 0x0040u /* VM_PFNMAP */
#define VMF_HT 0x0080u /* hugetlb */
#define VMF_NR 0x0100u /* VM_NORESERVE */
#define VMF_DC 0x0200u /* MADV_DONTFORK */
#define VMF_DD 0x0400u /* MADV_DONTDUMP */
#define VMF_WF 0x0800u /* MADV_WIPEONFORK */
#define VMF_HG 0x1000u /* MADV_HUGEPAGE */
#define VMF_NH 0x2000u /* MADV_NOHUGEPAGE */
#define VMF_MG 0x4000u /* MADV_MERGEABLE */
#define VMF_SL 0x8000u /* sealed */
#define VMF_AC 0x10000u /* VM_ACCOUNT: charged to overcommit */
#define VMF_RR 0x20000u /* MADV_RANDOM */
#define VMF_SR 0x40000u /* MADV_SEQUENTIAL */
#define VMF_GD 0x80000u /* VM_GROWSDOWN (MAP_GROWSDOWN, [stack]) */
#define VMF_GU 0x100000u /* VM_MAYBE_GUARD: a guard was ever installed (6.18) */
#define VMF_UFFD (VMF_UM | VMF_UW | VMF_UI)

#define VMA_PATH_MAX 1024

struct vma {
	unsigned long start, end;
	unsigned long offset;   /* byte offset in the file */
	unsigned long ino;
	unsigned int dev_major, dev_minor;
	int prot;               /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;            /* 's' in the permissions */
	bool has_vmflags;       /* read from smaps */
	bool deleted;           /* path ended in " (deleted)" */
	bool path_truncated;    /* longer than VMA_PATH_MAX: path is a prefix */
	unsigned int vmflags;   /* VMF_*: those of 'known' (0 for the others) */
	unsigned int known;     /* the VMF_* bits known: all from smaps, some
				 * from the probes of facts.c */
	size_t path_len;
	const char *path;       /* unescaped, no " (deleted)"; valid in the callback */
};

/* Is every flag of f known for v (smaps, or facts.c's probes)? */
static inline bool vma_knows(const struct vma *v, unsigned int f)
{
	return (v->known & f) == f;
}

/* Might v be locked (VM_LOCKED, VM_LOCKONFAULT)? Yes when not known. */
static inline bool vma_may_be_locked(const struct vma *v)
{
	return !vma_knows(v, VMF_LO | VMF_LF) || (v->vmflags & (VMF_LO | VMF_LF));
}

/* Calls fn for each VMA that ends above 'from', in address order, until fn
 * returns non-zero (which mc_maps_walk returns) or the end of the file (0).
 * smaps: also read VmFlags (walks page tables: costs far more).
 * Returns -errno when /proc/self/maps cannot be read. */
typedef int (*vma_fn)(const struct vma *v, void *arg);
int mc_maps_walk(unsigned long from, bool smaps, vma_fn fn, void *arg);

/* The same for a callback that moves (or unmaps) each VMA it is given, in
 * address order, and returns 0 to go on. A read of the file that goes on
 * after such a change may skip a VMA: Linux 4.x and 5.x resume the next
 * read after the end of the last VMA they showed, looked up afresh; moved
 * away, the VMA found there is its successor, which is then passed over:
 *
 *   [ A ][ B ][ C ]      read 1 ends with B's line (B's end remembered)
 *   [ A'][ B'] moved     read 2: the VMA at B's end is C: C is skipped,
 *   . . . . . .[ C ]     and the walk sees a gap after B that is not one
 *
 * (a list resumed by index, as some kernels did, skips in the same way.) A
 * skipped VMA always shows as a gap after the last VMA moved, or as the
 * end of the file: there, and only there, the file is opened again and
 * read from the end of the last VMA moved. A VMA shown again (or merged
 * with one already moved) never goes to the callback below that end. */
int mc_maps_walk_moving(unsigned long from, bool smaps, vma_fn fn, void *arg);

/* Parses a buffer holding maps or smaps text, as mc_maps_walk does with the
 * file; for the fuzzer and the reader's tests. The buffer is consumed in
 * pieces of 'chunk' bytes to exercise every read boundary. */
int mc_maps_parse(const char *text, size_t len, size_t chunk, bool smaps,
		      unsigned long from, vma_fn fn, void *arg);

/* Kinds of mapping, as the emulation treats them. */
enum mc_vma_kind {
	VMA_ANON_PRIVATE,  /* private anonymous, [heap], [stack], [anon:NAME] */
	VMA_FILE_PRIVATE,  /* private mapping of a file */
	VMA_SHARED,        /* shared anonymous, shmem, memfd, shared file */
	VMA_SPECIAL,       /* [vdso], [vvar], [vsyscall]...: VM_DONTEXPAND */
};
enum mc_vma_kind mc_vma_kind(const struct vma *v);

/* Is the file with this device and inode (from fstat) the one v maps? */
static inline bool mc_vma_maps_file(const struct vma *v, unsigned long long dev,
				    unsigned long long ino)
{
	return ino == v->ino && major(dev) == v->dev_major && minor(dev) == v->dev_minor;
}

/* [anon:NAME] of a named private anonymous mapping, or NULL. */
const char *mc_vma_anon_name(const struct vma *v, size_t *len);

#endif
