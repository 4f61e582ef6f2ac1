/* compactor - move a fragmented allocator region with one mremap().
 *
 * A compacting allocator hands out objects from one contiguous region and
 * refers to them by their offset from the region's base, so the region can
 * move as a whole. Over time the region fragments into many mappings
 * (VMAs):
 *
 *   - guard pages (PROT_NONE) between arenas catch overruns;
 *   - arenas of immutable objects are made read-only;
 *   - one arena is shared memory (MAP_SHARED), seen by a helper process;
 *   - free arenas have been given back to the kernel (munmap): holes.
 *
 * Linux 6.17 lets one mremap(MREMAP_MAYMOVE | MREMAP_FIXED) with old_size
 * == new_size move such a range: every VMA moves, the holes keep their
 * size. Older kernels answer EFAULT ("the range crosses the end of a
 * VMA"); run this program under mremap-compat there:
 *
 *     mremap-compat --debug ./compactor
 *
 * It prints the region's layout before and after, checks that the layout
 * (offsets and protections of every VMA) is unchanged, that nothing is left
 * at the old address, and that every object is intact at its new address,
 * following the references between objects. Exit status: 0 when all is
 * well, 1 otherwise.
 *
 * Only the C library and plain system calls are used, so that the program
 * also links statically (glibc or musl) against libmremap-compat.a.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

/* The region, in pages, as a list of arenas from its start. Neighbours
 * always differ in kind, so that the kernel cannot merge two arenas into
 * one VMA. The region must start with a mapped arena (a hole at the start
 * of the range is EFAULT on every kernel). */
enum kind { RW, RO, GUARD, HOLE, SHARED };

static const struct arena {
	enum kind kind;
	size_t pages;
} layout[] = {
	{ RW, 8 },  { GUARD, 1 }, { RO, 4 },  { RW, 6 },     { HOLE, 3 },
	{ RW, 5 },  { GUARD, 1 }, { SHARED, 4 }, { RO, 2 },  { HOLE, 2 },
	{ RO, 3 },  { RW, 7 },    { GUARD, 1 }, { HOLE, 5 }, { SHARED, 2 },
	{ RW, 9 },  { GUARD, 1 }, { RW, 3 },
};
#define ARENAS (sizeof(layout) / sizeof(layout[0]))

/* Every object starts with this header; the payload follows. All
 * references are offsets from the region's base. */
struct header {
	uint32_t magic;          /* OBJ_MAGIC */
	uint32_t id;             /* 1, 2, 3, ... */
	uint64_t self;           /* the object's own offset: checks placement */
	uint64_t size;           /* header + payload, bytes */
	uint64_t next;           /* offset of the next object allocated, or 0 */
};
#define OBJ_MAGIC 0x6f626a21u

#define MAX_OBJECTS 4096

static size_t page;
static size_t region_len;
static uint64_t handles[MAX_OBJECTS]; /* the allocator's handle table: offsets */
static size_t nobjects;

static unsigned char payload_byte(uint32_t id, size_t i)
{
	return (unsigned char)(id * 131 + i * 7 + (i >> 8));
}

/* ---- the allocator ------------------------------------------------------ */

/* Carves objects of varying sizes out of one arena [off, off + len) and
 * links each to the previous object allocated anywhere in the region. */
static void fill_arena(char *base, size_t off, size_t len)
{
	size_t end = off + len, size, i;

	while (nobjects < MAX_OBJECTS) {
		uint32_t id = (uint32_t)nobjects + 1;
		struct header *h;

		size = sizeof(struct header) + 16 + (id * 37) % 600;
		size = (size + 15) & ~(size_t)15;
		if (off + size > end)
			break;
		h = (struct header *)(base + off);
		h->magic = OBJ_MAGIC;
		h->id = id;
		h->self = off;
		h->size = size;
		h->next = 0;
		for (i = sizeof(*h); i < size; i++)
			base[off + i] = (char)payload_byte(id, i);
		if (nobjects)
			((struct header *)(base + handles[nobjects - 1]))->next = off;
		handles[nobjects++] = off;
		off += size;
	}
}

/* Builds the region at base (already mapped read-write, private), in
 * three passes: the shared arenas get their own mapping; every data arena
 * is filled with objects, whose links cross arena boundaries; then the
 * protections are applied and the holes unmapped. */
static int build_region(char *base)
{
	size_t off, a;

	for (a = 0, off = 0; a < ARENAS; off += layout[a].pages * page, a++)
		if (layout[a].kind == SHARED &&
		    mmap(base + off, layout[a].pages * page, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			return -1;
	for (a = 0, off = 0; a < ARENAS; off += layout[a].pages * page, a++)
		if (layout[a].kind == RW || layout[a].kind == RO || layout[a].kind == SHARED)
			fill_arena(base, off, layout[a].pages * page);
	for (a = 0, off = 0; a < ARENAS; off += layout[a].pages * page, a++) {
		char *p = base + off;
		size_t len = layout[a].pages * page;

		if (layout[a].kind == RO && mprotect(p, len, PROT_READ))
			return -1;
		if (layout[a].kind == GUARD && mprotect(p, len, PROT_NONE))
			return -1;
		if (layout[a].kind == HOLE && munmap(p, len))
			return -1;
	}
	return 0;
}

/* ---- the layout, as /proc/self/maps shows it ------------------------------ */

/* Read without stdio or malloc: an allocation now could map memory into a
 * hole of the region, and the move would carry it along. */
static char maps_buf[1 << 20];

struct vma {
	size_t start, end;       /* offsets from the region's base */
	char perms[5];           /* "rw-p", "r--s", ... */
};

#define MAX_VMAS 64

/* The VMAs that meet [base, base + region_len), as offsets; -1 on error. */
static int read_layout(const char *base, struct vma *v, int max)
{
	unsigned long lo = (unsigned long)base, hi = lo + region_len;
	size_t got = 0;
	ssize_t n;
	char *line, *eol;
	int fd, count = 0;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (got < sizeof(maps_buf) - 1 &&
	       (n = read(fd, maps_buf + got, sizeof(maps_buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	maps_buf[got] = 0;
	for (line = maps_buf; *line; line = eol + 1) {
		unsigned long s, e;
		char *p;

		eol = strchr(line, '\n');
		if (!eol)
			break;
		s = strtoul(line, &p, 16);
		e = strtoul(p + 1, &p, 16);
		if (s >= hi || e <= lo)
			continue;
		if (count == max)
			return -1;
		v[count].start = (s < lo ? lo : s) - lo;
		v[count].end = (e > hi ? hi : e) - lo;
		memcpy(v[count].perms, p + 1, 4);
		v[count].perms[4] = 0;
		count++;
	}
	return count;
}

static void print_layout(const char *what, const struct vma *v, int n)
{
	int i;

	printf("compactor: %s: %d VMAs:", what, n);
	for (i = 0; i < n; i++) {
		if (i && v[i].start != v[i - 1].end)
			printf(" (hole %zu)", (v[i].start - v[i - 1].end) / page);
		printf(" %s:%zu", v[i].perms, (v[i].end - v[i].start) / page);
	}
	printf("\n");
}

/* ---- verification ------------------------------------------------------ */

/* Every object, through the handle table and through the chain of
 * references: right place, right id, right contents. */
static unsigned long check_objects(const char *base)
{
	unsigned long bad = 0;
	size_t k, i, visited = 0;
	uint64_t off;

	for (k = 0; k < nobjects; k++) {
		const struct header *h = (const struct header *)(base + handles[k]);

		if (h->magic != OBJ_MAGIC || h->id != k + 1 || h->self != handles[k]) {
			bad++;
			continue;
		}
		for (i = sizeof(*h); i < h->size; i++)
			if ((unsigned char)base[handles[k] + i] != payload_byte(h->id, i)) {
				bad++;
				break;
			}
	}
	/* Follow the references from the first object: each leads to the
	 * object allocated after it, whatever arena it is in. */
	for (off = handles[0]; visited < nobjects; visited++) {
		const struct header *h = (const struct header *)(base + off);

		if (h->magic != OBJ_MAGIC || h->id != visited + 1)
			break;
		off = h->next;
		if (!off) {
			visited++;
			break;
		}
	}
	if (visited != nobjects)
		bad++;
	return bad;
}

int main(void)
{
	struct vma before[MAX_VMAS], after[MAX_VMAS], left[MAX_VMAS];
	int nbefore, nafter, nleft, i;
	size_t a, off;
	char *region, *dest, *moved;
	unsigned long bad;

	page = (size_t)sysconf(_SC_PAGESIZE);
	for (a = 0; a < ARENAS; a++)
		region_len += layout[a].pages * page;
	printf("compactor: region of %zu pages in %zu arenas\n", region_len / page, ARENAS);
	fflush(stdout);

	/* The region, then its fragmentation. */
	region = mmap(NULL, region_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || build_region(region)) {
		perror("building the region");
		return 1;
	}
	nbefore = read_layout(region, before, MAX_VMAS);
	if (nbefore < 0) {
		perror("/proc/self/maps");
		return 1;
	}
	print_layout("before", before, nbefore);

	/* The destination: a reservation of the region's size. The move
	 * replaces it piece by piece; in the holes it stays (the kernel
	 * leaves whatever is mapped in the destination's gaps). */
	dest = mmap(NULL, region_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dest == MAP_FAILED) {
		perror("mmap destination");
		return 1;
	}

	/* The move: one call for the whole region, holes and all. */
	moved = mremap(region, region_len, region_len, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	if (moved == MAP_FAILED) {
		fprintf(stderr, "mremap of the whole region: %s%s\n", strerror(errno),
			errno == EFAULT ? " (a kernel before 6.17? run under mremap-compat)" : "");
		return 1;
	}
	if (moved != dest) {
		fprintf(stderr, "mremap returned %p, not %p\n", (void *)moved, (void *)dest);
		return 1;
	}

	/* Give back what is left of the reservation: the holes. */
	for (a = 0, off = 0; a < ARENAS; off += layout[a].pages * page, a++)
		if (layout[a].kind == HOLE && munmap(dest + off, layout[a].pages * page)) {
			perror("munmap");
			return 1;
		}

	nafter = read_layout(dest, after, MAX_VMAS);
	nleft = read_layout(region, left, MAX_VMAS);
	if (nafter < 0 || nleft < 0) {
		perror("/proc/self/maps");
		return 1;
	}
	print_layout("after", after, nafter);

	bad = 0;
	if (nleft) {
		fprintf(stderr, "%d mappings left at the old address\n", nleft);
		bad++;
	}
	if (nafter != nbefore) {
		fprintf(stderr, "layout changed: %d VMAs before, %d after\n", nbefore, nafter);
		bad++;
	} else {
		for (i = 0; i < nafter; i++)
			if (after[i].start != before[i].start || after[i].end != before[i].end ||
			    strcmp(after[i].perms, before[i].perms)) {
				fprintf(stderr, "VMA %d changed: +%zx-+%zx %s, was +%zx-+%zx %s\n", i,
					after[i].start, after[i].end, after[i].perms,
					before[i].start, before[i].end, before[i].perms);
				bad++;
			}
	}
	bad += check_objects(dest);
	printf("compactor: moved %zu pages, %d VMAs, with one mremap(); %zu objects checked, %lu bad\n",
	       region_len / page, nafter, nobjects, bad);
	if (bad)
		return 1;
	printf("compactor: OK\n");
	return 0;
}
