/* reopen - a private file mapping whose path now names another file.
 *   reopen DIR   maps DIR/data privately, writes one page, renames
 *                DIR/other over DIR/data, then DONTUNMAPs the mapping.
 * Prints the answer and what the old and new ranges hold: the library may
 * refuse (it cannot reopen the very file) but must never map the other
 * file in its place. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

static int make(const char *path, char c, long len)
{
	char buf[4096];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	long i;

	memset(buf, c, sizeof(buf));
	for (i = 0; i < len; i += (long)sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return -1;
	return fd;
}

static char what(const char *p)
{
	return p[0] == 'A' || p[0] == 'B' || p[0] == 'W' ? p[0] : '?';
}

int main(int argc, char **argv)
{
	long P = sysconf(_SC_PAGESIZE);
	char data[512], other[512], *m, *r;
	int fd;

	if (argc < 2)
		return 2;
	snprintf(data, sizeof(data), "%s/data", argv[1]);
	snprintf(other, sizeof(other), "%s/other", argv[1]);
	fd = make(data, 'A', 4 * P);
	close(make(other, 'B', 4 * P));
	m = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	m[P] = 'W'; /* a private copy */
	if (rename(other, data))
		return 3;
	r = mremap(m, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	if (r == MAP_FAILED)
		printf("mremap: -1 %s; old range: %c %c\n", strerrorname_np(errno), what(m), what(m + P));
	else
		printf("mremap: moved; new range: %c %c; old range: %c %c\n", what(r), what(r + P),
		       what(m), what(m + P));
	return 0;
}
