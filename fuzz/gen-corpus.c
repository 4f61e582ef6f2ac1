/* fuzz/gen-corpus.c - makes seed inputs for fuzz/maps_fuzz.c from this
 * machine's own /proc/self/maps and /proc/self/smaps.
 *
 *   gen-corpus OUTDIR [many [N]]
 *
 * Default: maps the kinds of VMA whose lines are awkward to parse, then
 * copies /proc/self/maps and /proc/self/smaps to OUTDIR/real-maps and
 * OUTDIR/real-smaps (each behind the harness's 4-byte header):
 *   - files whose paths are longer than 1 KiB (VMA_PATH_MAX), under a deep
 *     directory;
 *   - a file deleted after mmap (" (deleted)"), and a deleted file whose
 *     name ends in " (deleted)" itself;
 *   - a file whose name holds spaces and a newline (the kernel writes
 *     "\012"), and one whose name holds a literal backslash;
 *   - [anon:NAME] named anonymous memory (prctl PR_SET_VMA_ANON_NAME), with
 *     spaces in the name -- on kernels built with CONFIG_ANON_VMA_NAME only
 *     (fuzz/corpus/anon-names-* are written by hand for the others);
 *   - memfd, shared anonymous memory, a MAP_NORESERVE mapping, and VmFlags
 *     from mlock, MADV_DONTFORK/DONTDUMP/WIPEONFORK/HUGEPAGE/NOHUGEPAGE/
 *     MERGEABLE and mseal where the kernel has them;
 *   - [heap], [stack], [vdso], [vvar] and [vsyscall] come with the process.
 *
 * "many N" (default 60000): N one-page VMAs of alternating protection (one
 * mmap, then mprotect of every other page; vm.max_map_count is 65530), then
 * /proc/self/maps to OUTDIR/many-maps.
 *
 * Not part of the library: uses stdio and malloc freely.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif

static long page;
static char tmpdir[] = "/tmp/mc-corpus-XXXXXX";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* mmap a one-page file at dirfd/name (created, written); keep it mapped. */
static void *map_file(int dirfd, const char *name, int shared, int unlink_it)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	void *p;

	if (fd < 0)
		die(name);
	if (ftruncate(fd, page) != 0)
		die("ftruncate");
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		 shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	close(fd);
	if (unlink_it && unlinkat(dirfd, name, 0) != 0)
		die("unlink");
	return p;
}

static void *anon(size_t pages, int prot, int flags)
{
	void *p = mmap(NULL, pages * (size_t)page, prot, MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap anon");
	return p;
}

/* A directory chain whose full path passes 'len' bytes; returns its fd. */
static int deep_dir(int len)
{
	char comp[201];
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY), nfd, total = (int)strlen(tmpdir);
	int i;

	if (fd < 0)
		die(tmpdir);
	memset(comp, 'd', 200);
	comp[200] = 0;
	for (i = 0; total < len; i++) {
		comp[0] = (char)('a' + i % 26);
		if (mkdirat(fd, comp, 0700) != 0 && errno != EEXIST)
			die("mkdirat");
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY);
		if (nfd < 0)
			die("openat dir");
		close(fd);
		fd = nfd;
		total += 201;
	}
	return fd;
}

static void copy_out(const char *src, const char *outdir, const char *name,
		     const unsigned char hdr[4])
{
	char path[4096];
	static char buf[1 << 16];
	FILE *out;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	out = fopen(path, "wb");
	if (!out)
		die(path);
	fwrite(hdr, 1, 4, out);
	fd = open(src, O_RDONLY);
	if (fd < 0)
		die(src);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, out);
	close(fd);
	if (fclose(out) != 0)
		die(path);
}

static void many(const char *outdir, long n)
{
	/* chunk 1024 (the library's own read size), stop at the middle,
	 * from the end of a VMA near the start */
	static const unsigned char hdr[4] = { 0x00, 0x04, 0x00, 0x05 };
	char *p = anon((size_t)n, PROT_READ, MAP_PRIVATE);
	long i;

	for (i = 1; i < n; i += 2)
		if (mprotect(p + i * page, (size_t)page, PROT_READ | PROT_WRITE) != 0)
			die("mprotect (vm.max_map_count?)");
	copy_out("/proc/self/maps", outdir, "many-maps", hdr);
}

int main(int argc, char **argv)
{
	static const unsigned char hdr_maps[4] = { 0x00, 0x04, 0x03, 0x00 };
	static const unsigned char hdr_smaps[4] = { 0x07, 0x00, 0x00, 0x81 };
	const char *outdir;
	char name[1100];
	int dfd, deep, fd;
	char *p;

	if (argc < 2) {
		fprintf(stderr, "usage: gen-corpus OUTDIR [many [N]]\n");
		return 2;
	}
	outdir = argv[1];
	page = sysconf(_SC_PAGESIZE);
	if (argc >= 3 && !strcmp(argv[2], "many")) {
		many(outdir, argc >= 4 ? atol(argv[3]) : 60000);
		return 0;
	}
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	dfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		die(tmpdir);

	/* long paths: > VMA_PATH_MAX, and just under it */
	deep = deep_dir(1100);
	map_file(deep, "long-path-file", 0, 0);
	memset(name, 'n', 200);
	name[200] = 0;
	map_file(deep, name, 1, 0);
	close(deep);

	/* deleted files */
	map_file(dfd, "deleted-file", 0, 1);
	map_file(dfd, "looks (deleted)", 0, 0);
	map_file(dfd, "really (deleted)", 1, 1);

	/* awkward names */
	map_file(dfd, "name with  spaces\nand a newline", 0, 0);
	map_file(dfd, "back\\slash \\012 literal", 1, 0);
	map_file(dfd, "trailing space ", 0, 1);

	/* named anonymous memory */
	p = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, (unsigned long)page,
		  (unsigned long)"gc heap") != 0)
		fprintf(stderr, "gen-corpus: no [anon:NAME] (kernel without CONFIG_ANON_VMA_NAME?)\n");
	p = anon(1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, (unsigned long)page,
		  (unsigned long)"shared name") != 0)
		fprintf(stderr, "gen-corpus: no [anon_shmem:NAME]\n");

	/* memfd, shared anonymous, flags for VmFlags */
	fd = (int)syscall(SYS_memfd_create, "memfd name", 0);
	if (fd >= 0 && ftruncate(fd, page) == 0)
		mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	anon(3, PROT_READ | PROT_WRITE, MAP_SHARED);
	anon(4, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
	p = anon(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	mlock(p, (size_t)page);
	p = anon(1, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE);
	madvise(p, (size_t)page, MADV_DONTFORK);
	p = anon(1, PROT_READ, MAP_PRIVATE);
	madvise(p, (size_t)page, MADV_DONTDUMP);
	p = anon(1, PROT_WRITE, MAP_PRIVATE);
	madvise(p, (size_t)page, MADV_WIPEONFORK);
	p = anon(512, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	madvise(p, 512 * (size_t)page, MADV_HUGEPAGE);
	p = anon(2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	madvise(p, 2 * (size_t)page, MADV_NOHUGEPAGE);
	p = anon(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	madvise(p, (size_t)page, MADV_MERGEABLE);
	p = anon(1, PROT_READ, MAP_PRIVATE);
	syscall(SYS_mseal, p, (size_t)page, 0);

	copy_out("/proc/self/maps", outdir, "real-maps", hdr_maps);
	copy_out("/proc/self/smaps", outdir, "real-smaps", hdr_smaps);
	snprintf(name, sizeof(name), "rm -rf '%s'", tmpdir);
	return system(name) == 0 ? 0 : 1;
}
