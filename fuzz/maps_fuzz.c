/* fuzz/maps_fuzz.c - libFuzzer harness for the /proc/self/maps and smaps
 * reader (shim/maps.c, through mc_maps_parse).
 *
 * Input: a 4-byte header, then the text handed to the reader.
 *
 *   byte 0-1  chunk size, little-endian, modulo 4099 (0 is allowed: the
 *             reader treats it as 1): the read boundaries
 *   byte 2    stop: the callback returns non-zero at its (stop)th call of
 *             the stopping pass (0: a stop at the middle VMA)
 *   byte 3    from: 0 -> 0; 1-127 -> the end of a VMA of the full walk,
 *             minus (byte & 1); 128-255 -> ULONG_MAX >> (byte & 63)
 *
 * Every input is parsed in both modes (maps and smaps). In each mode:
 *
 *   1. a full walk (from = 0) with chunk = len, recording every VMA;
 *   2. the same text with chunk = 1 and with the header's chunk must give
 *      the same sequence of VMAs (the differential property: read
 *      boundaries never change what is parsed);
 *   3. a walk with the header's 'from' must give exactly the VMAs of the
 *      full walk that end above 'from', in the same order;
 *   4. a walk whose callback stops early must return the callback's value
 *      and have seen exactly a prefix of the full walk, and no call after.
 *
 * What must hold of every VMA handed to the callback, whatever the text (the
 * reader is given garbage here, so start <= end, a valid path or sorted
 * addresses are NOT required):
 *   - end > from (never a VMA ending at or below 'from');
 *   - path is not NULL, path_len < VMA_PATH_MAX and path[path_len] == 0;
 *   - 'deleted' and 'path_truncated' never both hold; a truncated path
 *     still holds at least a quarter of VMA_PATH_MAX (after "\012" -> '\n');
 *   - prot has only PROT_READ|PROT_WRITE|PROT_EXEC bits, has_vmflags only
 *     in smaps mode, vmflags == 0 without it (no check of which VMF_* bits:
 *     shim/maps.h gains new ones);
 *   - mc_vma_kind() gives one of the four kinds and mc_vma_anon_name() a
 *     name inside the path.
 * Any violation aborts, which libFuzzer reports as a crash. Out-of-bounds
 * accesses are ASan's to find (the reader works in a buffer on its stack,
 * which ASan guards as a whole; path_len < VMA_PATH_MAX covers the path).
 *
 * Built by `make fuzz` (clang -fsanitize=fuzzer,address,undefined) and by
 * `make check` with fuzz/replay.c as a plain driver over the corpus.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "shim/maps.h"

#define HEADER 4
#define MAX_RECORDED (1u << 17) /* VMAs kept per walk for the comparisons */
#define STOP_VALUE 0x5a5a


struct walk {
	bool smaps;
	unsigned long from;
	size_t calls;          /* callback calls */
	size_t stop_at;        /* return STOP_VALUE at this call (1-based); 0: never */
	bool stopped;          /* called again after asking to stop */
	uint64_t hash;         /* of the whole sequence, in order */
	size_t n;              /* entries in rec[] */
	uint64_t *rec;         /* per-VMA hash, when non-NULL */
	unsigned long *ends;   /* per-VMA end, when non-NULL */
};

static uint64_t *full_rec[2], *other_rec;
static unsigned long *full_ends[2];

static void fail(const char *what, const struct walk *w)
{
	fprintf(stderr, "maps_fuzz: invariant broken: %s (smaps=%d from=%#lx call=%zu)\n",
		what, (int)w->smaps, w->from, w->calls);
	abort();
}

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static uint64_t vma_hash(const struct vma *v)
{
	uint64_t h = 0x6d617073;
	size_t i;

	h = mix(h, v->start);
	h = mix(h, v->end);
	h = mix(h, v->offset);
	h = mix(h, v->ino);
	h = mix(h, ((uint64_t)v->dev_major << 32) | v->dev_minor);
	h = mix(h, (uint64_t)(unsigned)v->prot | (uint64_t)v->shared << 8 |
		       (uint64_t)v->has_vmflags << 9 | (uint64_t)v->deleted << 10 |
		       (uint64_t)v->path_truncated << 11 | (uint64_t)v->vmflags << 16);
	h = mix(h, v->path_len);
	for (i = 0; i < v->path_len; i++)
		h = mix(h, (unsigned char)v->path[i]);
	return h;
}

static void check_vma(const struct vma *v, const struct walk *w)
{
	enum mc_vma_kind k;
	const char *name;
	size_t name_len = 0;

	if (!v)
		fail("NULL vma", w);
	if (v->end <= w->from)
		fail("VMA ending at or below 'from'", w);
	if (!v->path)
		fail("NULL path", w);
	if (v->path_len >= VMA_PATH_MAX)
		fail("path_len >= VMA_PATH_MAX", w);
	if (v->path[v->path_len] != 0)
		fail("path not NUL-terminated at path_len", w);
	if (v->deleted && v->path_truncated)
		fail("both deleted and path_truncated", w);
	if (v->path_truncated && v->path_len < (VMA_PATH_MAX - 1) / 4)
		fail("path_truncated with a short path", w);
	if (v->prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		fail("unknown prot bits", w);
	if (v->has_vmflags && !w->smaps)
		fail("has_vmflags in maps mode", w);
	if (!v->has_vmflags && v->vmflags)
		fail("vmflags without has_vmflags", w);
	k = mc_vma_kind(v);
	if (k != VMA_ANON_PRIVATE && k != VMA_FILE_PRIVATE && k != VMA_SHARED &&
	    k != VMA_SPECIAL)
		fail("mc_vma_kind out of range", w);
	name = mc_vma_anon_name(v, &name_len);
	if (name) {
		if (name < v->path || name + name_len > v->path + v->path_len)
			fail("anon name outside the path", w);
		if (name_len + 7 != v->path_len)
			fail("anon name length", w);
	}
}

static int callback(const struct vma *v, void *arg)
{
	struct walk *w = arg;
	uint64_t h;

	if (w->stopped)
		fail("callback called after it asked to stop", w);
	w->calls++;
	check_vma(v, w);
	h = vma_hash(v);
	w->hash = mix(w->hash, h);
	if (w->rec && w->n < MAX_RECORDED) {
		w->rec[w->n] = h;
		if (w->ends)
			w->ends[w->n] = v->end;
		w->n++;
	}
	if (w->stop_at && w->calls == w->stop_at) {
		w->stopped = true;
		return STOP_VALUE;
	}
	return 0;
}

static int run(const char *text, size_t len, size_t chunk, struct walk *w)
{
	w->calls = 0;
	w->stopped = false;
	w->hash = 0;
	w->n = 0;
	return mc_maps_parse(text, len, chunk, w->smaps, w->from, callback, w);
}

static void same_sequence(const struct walk *a, const struct walk *b, const char *what)
{
	if (a->calls != b->calls || a->hash != b->hash) {
		fprintf(stderr, "maps_fuzz: %s: %zu VMAs vs %zu\n", what, a->calls, b->calls);
		fail(what, b);
	}
}

static void one_mode(const char *text, size_t len, bool smaps, size_t chunk,
		     unsigned stop, unsigned from_sel)
{
	struct walk full = { .smaps = smaps, .rec = full_rec[smaps], .ends = full_ends[smaps] };
	struct walk w = { .smaps = smaps };
	uint64_t h;
	size_t i, n;
	int r;

	/* 1. the reference walk: whole buffer at once */
	r = run(text, len, len, &full);
	if (r != 0)
		fail("full walk returned non-zero", &full);

	/* 2. read boundaries change nothing */
	r = run(text, len, 1, &w);
	if (r != 0)
		fail("chunk=1 walk returned non-zero", &w);
	same_sequence(&full, &w, "chunk=1 differs from chunk=len");
	r = run(text, len, chunk, &w);
	if (r != 0)
		fail("chunk=N walk returned non-zero", &w);
	same_sequence(&full, &w, "chunk=N differs from chunk=len");

	if (full.n != full.calls)
		return; /* too many VMAs to compare by index */

	/* 3. 'from' filters, and only filters */
	if (from_sel == 0)
		w.from = 0;
	else if (from_sel < 128)
		w.from = full.n ? full.ends[(from_sel >> 1) % full.n] - (from_sel & 1) : from_sel;
	else
		w.from = ULONG_MAX >> (from_sel & 63);
	w.rec = other_rec;
	r = run(text, len, chunk ? chunk : 1, &w);
	if (r != 0)
		fail("'from' walk returned non-zero", &w);
	h = 0;
	n = 0;
	for (i = 0; i < full.n; i++)
		if (full.ends[i] > w.from) {
			if (n >= w.n || other_rec[n] != full.rec[i])
				fail("'from' walk is not the full walk filtered", &w);
			h = mix(h, full.rec[i]);
			n++;
		}
	if (n != w.calls || h != w.hash)
		fail("'from' walk is not the full walk filtered", &w);

	/* 4. an early stop is honoured at once, after a prefix */
	if (full.calls == 0)
		return;
	w.from = 0;
	w.stop_at = stop ? (stop - 1) % full.calls + 1 : (full.calls + 1) / 2;
	r = run(text, len, chunk, &w);
	if (r != STOP_VALUE)
		fail("stopping walk did not return the callback's value", &w);
	if (w.calls != w.stop_at)
		fail("stopping walk: wrong number of calls", &w);
	for (i = 0; i < w.n; i++)
		if (other_rec[i] != full.rec[i])
			fail("stopping walk is not a prefix of the full walk", &w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, len;
	const char *text;
	char *copy;

	if (size < HEADER)
		return 0;
	if (!other_rec) {
		full_rec[0] = malloc(MAX_RECORDED * sizeof(uint64_t));
		full_rec[1] = malloc(MAX_RECORDED * sizeof(uint64_t));
		full_ends[0] = malloc(MAX_RECORDED * sizeof(unsigned long));
		full_ends[1] = malloc(MAX_RECORDED * sizeof(unsigned long));
		other_rec = malloc(MAX_RECORDED * sizeof(uint64_t));
		if (!full_rec[0] || !full_rec[1] || !full_ends[0] || !full_ends[1] || !other_rec)
			abort();
	}
	chunk = ((size_t)data[0] | (size_t)data[1] << 8) % 4099;
	len = size - HEADER;
	/* An exact-size copy, so that ASan catches a read past the text. */
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, data + HEADER, len);
	text = copy;
	one_mode(text, len, false, chunk, data[2], data[3]);
	one_mode(text, len, true, chunk, data[2], data[3]);
	free(copy);
	return 0;
}
