/* uffd-gc - a userfaultfd-driven compacting collector, in miniature.
 *
 * Android's ART collector compacts the heap concurrently with the program
 * ("the mutator") like this:
 *
 *   1. The heap is registered with userfaultfd for MISSING faults.
 *   2. In a short pause, the collector moves the heap's pages to a
 *      "from-space" with mremap(MREMAP_MAYMOVE | MREMAP_FIXED |
 *      MREMAP_DONTUNMAP). The pages leave without a copy; the heap's own
 *      range stays mapped, registered and empty.
 *   3. The mutator resumes at once. Its first touch of each heap page
 *      faults; a collector thread builds that page's compacted contents
 *      from the from-space (live objects only, slid down to fill the holes
 *      dead ones left) and installs it with UFFDIO_COPY, which wakes the
 *      faulting thread.
 *
 * Step 2 needs MREMAP_DONTUNMAP (Linux 5.7) and, because the registration
 * must survive on the old range, the kernel's exact semantics. Run this
 * program under mremap-compat to get them on older kernels:
 *
 *     mremap-compat --debug ./uffd-gc [PAGES]
 *
 * Output: a summary line; exit status 0 when every live object was found,
 * intact, at its compacted address; 1 on a failure; 77 (the Automake
 * "skipped" status) when userfaultfd is not available here.
 *
 * The heap holds fixed-size objects; an object is live when its id is not
 * a multiple of 3. The forwarding table (what a real collector computes
 * while marking) maps each live object's new slot to its old slot.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4 /* Linux 5.7; old C library headers lack it */
#endif

/* <linux/userfaultfd.h> comes with the kernel headers (linux-libc-dev);
 * some toolchains (musl-gcc, for one) have none. */
#if defined(HAVE_LINUX_USERFAULTFD_H)
#define HAVE_UFFD 1
#elif defined(__has_include)
#if __has_include(<linux/userfaultfd.h>)
#define HAVE_UFFD 1
#endif
#endif

#if defined(HAVE_UFFD) && defined(SYS_userfaultfd)
#include <linux/userfaultfd.h>

/* userfaultfd(2) flag (Linux 5.11): handle faults from user mode only.
 * Such a descriptor needs no privilege even when the sysctl
 * vm.unprivileged_userfaultfd is 0. */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define OBJ_SIZE 64          /* bytes per object */
#define MUTATORS 4           /* mutator threads */
#define DEFAULT_PAGES 256    /* heap size, in pages */

/* One heap object: a header and a payload that depends on the id only,
 * so that any object can be checked wherever it lands. */
struct object {
	uint64_t id;             /* 1, 2, 3, ...; 0 never appears in a live slot */
	uint64_t payload[OBJ_SIZE / 8 - 1];
};

static size_t page;          /* the page size */
static size_t heap_pages;    /* pages in the heap */
static size_t slots;         /* objects per page */
static char *heap;           /* the heap: the mutator's addresses (to-space) */
static char *from_space;     /* where mremap() moved the old pages */
static size_t *forward;      /* forward[new slot] = old slot, live objects only */
static size_t live;          /* live objects = entries of forward[] */
static int uffd;             /* the userfaultfd */
static int stop_pipe[2];     /* written to stop the handler thread */

/* What the handler did, read by main() after joining it. */
static unsigned long faults_served;  /* fault messages read */
static unsigned long pages_copied;   /* UFFDIO_COPY calls that filled a page */
static unsigned long pages_raced;    /* pages another message had filled */
static int handler_error;

static uint64_t payload_word(uint64_t id, size_t k)
{
	return id * 0x9e3779b97f4a7c15ULL ^ (k + 1) * 0xbf58476d1ce4e5b9ULL;
}

/* The collector's liveness verdict, as marking would have found it. */
static int is_live(uint64_t id)
{
	return id % 3 != 0;
}

/* ---- the allocation phase --------------------------------------------- */

/* Fills every slot of the heap with an object, and builds the forwarding
 * table: live objects, in address order, get consecutive new slots. */
static int populate(void)
{
	size_t n = heap_pages * slots, i, k;

	forward = calloc(n, sizeof(*forward));
	if (!forward)
		return -1;
	for (i = 0; i < n; i++) {
		struct object *o = (struct object *)(heap + i * OBJ_SIZE);

		o->id = i + 1;
		for (k = 0; k < sizeof(o->payload) / sizeof(o->payload[0]); k++)
			o->payload[k] = payload_word(o->id, k);
		if (is_live(o->id))
			forward[live++] = i;
	}
	return 0;
}

/* ---- the fault handler (the collector thread) -------------------------- */

/* Builds the compacted contents of heap page pg in buf: slot s of the page
 * receives the live object forward[pg * slots + s], read from the
 * from-space; slots past the last live object stay zero (free space). */
static void compact_page(size_t pg, char *buf)
{
	size_t s;

	memset(buf, 0, page);
	for (s = 0; s < slots; s++) {
		size_t new_slot = pg * slots + s;

		if (new_slot >= live)
			break;
		memcpy(buf + s * OBJ_SIZE, from_space + forward[new_slot] * OBJ_SIZE, OBJ_SIZE);
	}
}

/* Serves one MISSING fault: installs the page's compacted contents
 * atomically with UFFDIO_COPY, which also wakes the faulting thread. */
static int serve_fault(unsigned long addr, char *buf)
{
	unsigned long base = addr & ~(unsigned long)(page - 1);
	struct uffdio_copy copy;

	compact_page((base - (unsigned long)heap) / page, buf);
	memset(&copy, 0, sizeof(copy));
	copy.dst = base;
	copy.src = (unsigned long)buf;
	copy.len = page;
	copy.mode = 0;
	if (ioctl(uffd, UFFDIO_COPY, &copy) == 0) {
		pages_copied++;
		return 0;
	}
	if (errno == EEXIST) {
		/* Two threads faulted on the same page and this is the
		 * second message: the page is already there. Wake whoever
		 * still waits on it. */
		struct uffdio_range range = { .start = base, .len = page };

		pages_raced++;
		return ioctl(uffd, UFFDIO_WAKE, &range);
	}
	return -1;
}

static void *handler_main(void *arg)
{
	char *buf = aligned_alloc(page, page);

	(void)arg;
	if (!buf) {
		handler_error = ENOMEM;
		return NULL;
	}
	for (;;) {
		struct pollfd fds[2] = {
			{ .fd = uffd, .events = POLLIN },
			{ .fd = stop_pipe[0], .events = POLLIN },
		};
		struct uffd_msg msg;
		ssize_t n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			handler_error = errno;
			break;
		}
		if (fds[0].revents & POLLIN) {
			/* The descriptor is non-blocking: read every queued
			 * message, then go back to poll(). */
			while ((n = read(uffd, &msg, sizeof(msg))) == (ssize_t)sizeof(msg)) {
				if (msg.event != UFFD_EVENT_PAGEFAULT)
					continue;
				faults_served++;
				if (serve_fault((unsigned long)msg.arg.pagefault.address, buf)) {
					handler_error = errno;
					goto out;
				}
			}
			if (n < 0 && errno != EAGAIN) {
				handler_error = errno;
				break;
			}
		}
		if (fds[1].revents & POLLIN)
			break; /* asked to stop */
	}
out:
	free(buf);
	return NULL;
}

/* ---- the mutators ------------------------------------------------------ */

struct mutator {
	pthread_t thread;
	size_t index;            /* 0 .. MUTATORS-1 */
	unsigned long bad;       /* objects found wrong */
	unsigned long bytes;     /* bytes checked */
};

/* Each mutator walks the compacted objects by their new addresses,
 * interleaved with the others so that several threads fault on the same
 * page at the same time. The first touch of each page blocks until the
 * handler has filled it. */
static void *mutator_main(void *arg)
{
	struct mutator *m = arg;
	size_t i, k;

	for (i = m->index; i < live; i += MUTATORS) {
		const struct object *o = (const struct object *)(heap + i * OBJ_SIZE);
		uint64_t want = forward[i] + 1; /* the id of the object moved here */

		if (o->id != want) {
			m->bad++;
			continue;
		}
		for (k = 0; k < sizeof(o->payload) / sizeof(o->payload[0]); k++)
			if (o->payload[k] != payload_word(want, k)) {
				m->bad++;
				break;
			}
		m->bytes += OBJ_SIZE;
	}
	return NULL;
}

/* ---- setup -------------------------------------------------------------- */

/* A userfaultfd, or -1 with errno set. Unprivileged processes may only
 * handle faults raised in user mode (vm.unprivileged_userfaultfd = 0):
 * retry with UFFD_USER_MODE_ONLY, which is all this program needs. */
static int open_uffd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 && (errno == EPERM || errno == EACCES))
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	return (int)fd;
}

static int skip(const char *what)
{
	printf("SKIP: userfaultfd is not available here (%s: %s)\n", what, strerror(errno));
	return 77;
}

int main(int argc, char **argv)
{
	struct mutator mutators[MUTATORS];
	struct uffdio_api api;
	struct uffdio_register reg;
	unsigned long bad = 0, bytes = 0;
	pthread_t handler;
	size_t len, i, tail;
	char *moved;
	int err;

	page = (size_t)sysconf(_SC_PAGESIZE);
	slots = page / OBJ_SIZE;
	heap_pages = argc > 1 ? strtoul(argv[1], NULL, 0) : DEFAULT_PAGES;
	if (heap_pages == 0) {
		fprintf(stderr, "usage: %s [PAGES]\n", argv[0]);
		return 2;
	}
	len = heap_pages * page;

	/* userfaultfd first: without it there is nothing to show. */
	uffd = open_uffd();
	if (uffd < 0)
		return skip("userfaultfd");
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(uffd, UFFDIO_API, &api))
		return skip("UFFDIO_API");

	/* The heap (private anonymous memory, as a Java heap is), filled by
	 * the allocation phase. */
	heap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == MAP_FAILED) {
		perror("mmap heap");
		return 1;
	}
	if (populate()) {
		perror("populate");
		return 1;
	}

	/* Register the heap for MISSING faults. Its pages are all present,
	 * so nothing faults yet. */
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (unsigned long)heap;
	reg.range.len = len;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return skip("UFFDIO_REGISTER");
	if (!(reg.ioctls & (1ULL << _UFFDIO_COPY))) {
		errno = ENOTSUP;
		return skip("UFFDIO_COPY");
	}

	/* The from-space: a reservation the move replaces (MREMAP_FIXED). */
	from_space = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (from_space == MAP_FAILED) {
		perror("mmap from-space");
		return 1;
	}

	/* The pause: one mremap() moves every page to the from-space. The
	 * heap's range stays mapped and registered, and is empty now. This
	 * is the C library's mremap(), which mremap-compat interposes. */
	moved = mremap(heap, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, from_space);
	if (moved == MAP_FAILED) {
		fprintf(stderr, "mremap(MREMAP_DONTUNMAP): %s%s\n", strerror(errno),
			errno == EINVAL ? " (a kernel before 5.7? run under mremap-compat)" : "");
		return 1;
	}
	if (moved != from_space) {
		fprintf(stderr, "mremap moved the heap to %p, not to %p\n", (void *)moved,
			(void *)from_space);
		return 1;
	}

	/* The collector thread, then the mutators. */
	if (pipe(stop_pipe)) {
		perror("pipe");
		return 1;
	}
	err = pthread_create(&handler, NULL, handler_main, NULL);
	if (err) {
		fprintf(stderr, "pthread_create: %s\n", strerror(err));
		return 1;
	}
	for (i = 0; i < MUTATORS; i++) {
		mutators[i].index = i;
		mutators[i].bad = 0;
		mutators[i].bytes = 0;
		err = pthread_create(&mutators[i].thread, NULL, mutator_main, &mutators[i]);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (i = 0; i < MUTATORS; i++) {
		pthread_join(mutators[i].thread, NULL);
		bad += mutators[i].bad;
		bytes += mutators[i].bytes;
	}

	/* The free space after the last live object must read as zeros; its
	 * pages that hold no live object fault now, on this thread. */
	for (tail = live * OBJ_SIZE; tail < len; tail++) {
		if (heap[tail]) {
			bad++;
			break;
		}
		bytes++;
	}

	/* Stop the collector thread. */
	if (write(stop_pipe[1], "", 1) != 1)
		perror("write");
	pthread_join(handler, NULL);

	printf("uffd-gc: heap of %zu pages, %zu of %zu objects live, compacted into %zu pages\n",
	       heap_pages, live, heap_pages * slots, (live * OBJ_SIZE + page - 1) / page);
	printf("uffd-gc: %lu faults served, %lu pages copied (%lu already filled), "
	       "%lu bytes checked, %lu bad\n",
	       faults_served, pages_copied, pages_raced, bytes, bad);
	if (handler_error) {
		fprintf(stderr, "fault handler: %s\n", strerror(handler_error));
		return 1;
	}
	/* Every heap page was touched exactly once by the program and must
	 * have been empty after the move: one copy per page. */
	if (pages_copied != heap_pages) {
		fprintf(stderr, "expected %zu pages copied, got %lu: the old range was not empty\n",
			heap_pages, pages_copied);
		return 1;
	}
	if (bad) {
		fprintf(stderr, "%lu objects were wrong after compaction\n", bad);
		return 1;
	}
	printf("uffd-gc: OK\n");
	return 0;
}

#else /* no userfaultfd */

int main(void)
{
	printf("SKIP: built without <linux/userfaultfd.h>\n");
	return 77;
}

#endif
