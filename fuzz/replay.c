/* fuzz/replay.c - runs fuzz/maps_fuzz.c over files without libFuzzer.
 *
 *   replay [-q] FILE|DIR...
 *
 * Feeds each file (each regular file of a DIR, not recursively) once to
 * LLVMFuzzerTestOneInput. Built with -fsanitize=address,undefined by
 * `make check` (tests/fuzz.bats) so that the corpus and every past crash are
 * replayed in CI without libFuzzer. A file ending in ".xz" is read through
 * `xz -dc`. Exits 0 when every input ran (a broken invariant aborts).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int quiet;
static unsigned long files;

static int replay_stream(FILE *f, const char *name)
{
	size_t cap = 1 << 16, len = 0, n;
	uint8_t *buf = malloc(cap), *nb;

	if (!buf)
		return -1;
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
	}
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	/* An exact-size copy, as libFuzzer gives: ASan sees a read past it. */
	nb = malloc(len ? len : 1);
	if (!nb) {
		free(buf);
		return -1;
	}
	memcpy(nb, buf, len);
	free(buf);
	if (!quiet)
		fprintf(stderr, "replay: %s (%zu bytes)\n", name, len);
	LLVMFuzzerTestOneInput(nb, len);
	free(nb);
	files++;
	return 0;
}

static int replay_file(const char *path)
{
	size_t l = strlen(path);
	FILE *f;
	int r;

	if (l > 3 && !strcmp(path + l - 3, ".xz")) {
		char cmd[4096 + 32];

		if (l > 4096)
			return -1;
		snprintf(cmd, sizeof(cmd), "xz -dc -- '%s'", path);
		f = popen(cmd, "r");
		if (!f)
			return -1;
		r = replay_stream(f, path);
		if (pclose(f) != 0)
			r = -1;
		return r;
	}
	f = fopen(path, "rb");
	if (!f)
		return -1;
	r = replay_stream(f, path);
	fclose(f);
	return r;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path)
{
	struct stat st;
	struct dirent *e;
	char **names = NULL, **nn;
	size_t n = 0, i;
	int r = 0;
	DIR *d;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char full[8192];
		struct stat fs;

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
		if (stat(full, &fs) != 0 || !S_ISREG(fs.st_mode))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			return -1;
		names = nn;
		names[n] = strdup(full);
		if (!names[n])
			return -1;
		n++;
	}
	closedir(d);
	if (n > 1) /* a stable order for the log */
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		if (replay_file(names[i]) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", names[i]);
			r = -1;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	int i, r = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			quiet = 1;
			continue;
		}
		if (replay_path(argv[i]) != 0)
			r = 1;
	}
	if (r == 0)
		printf("replay: %lu inputs, no invariant broken\n", files);
	return r;
}
