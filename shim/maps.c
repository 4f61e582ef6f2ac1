/* shim/maps.c - read /proc/self/maps (or smaps) without allocating.
 *
 * A bounded buffer on the stack, refilled by read(2); lines are parsed as
 * they complete. Only the fields the emulation needs are kept. The cost
 * grows with the position of the range in the file: the walk stops as soon
 * as the callback says so.
 *
 *   7f0c8a400000-7f0c8a421000 rw-p 00000000 00:00 0          [anon:gc heap]
 *   start        end          prot offset   dev   inode      path
 *
 * smaps adds "Key: value" lines after each header; the last of them is
 * "VmFlags: rd wr mr mw me ac". A header line starts with a lower-case hex
 * digit; no smaps key does.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include "compat/sys.h"
#include "shim/maps.h"

/* The read buffer. The kernel hands out at most a page of the file per
 * read(2), and every read costs a walk to the next VMA: fewer, larger reads
 * are cheaper. The stack budget caps it: mc_maps_walk() may run on an 8 KiB
 * alternate signal stack, under the kernel's signal frame and the caller's
 * frames, so its own frame (struct reader and this buffer) stays under
 * 4.5 KiB. */
#define READ_CHUNK 1024 /* stack: the walk may run on a signal handler's alternate stack */
#define LINE_MAX_KEPT 160 /* header fields and VmFlags; the path goes aside */

struct reader {
	bool smaps;
	bool pending;            /* a header waits for its VmFlags (smaps) */
	bool moving;             /* the callback moves each VMA it is given */
	bool moved;              /* ... and has moved one, up to 'from' */
	bool fresh;              /* the file was opened after the last move */
	bool reread;             /* open the file again, read from 'from' */
	unsigned long from;
	vma_fn fn;
	void *arg;
	struct vma v;
	size_t line_len;         /* bytes of the current line seen so far */
	int field;               /* header: 0 fixed fields, 1 path, -1 malformed */
	int seps;                /* header: runs of spaces seen */
	char prev;
	bool is_header;
	bool at_line_start;
	char line[LINE_MAX_KEPT];
	char path[VMA_PATH_MAX];
};

/* Hex digit values plus one; 0 for any other byte. */
static const unsigned char hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static const char *parse_hex(const char *p, const char *end, unsigned long *out)
{
	unsigned long x = 0;
	unsigned int d;

	while (p < end && (d = hexv[(unsigned char)*p]) != 0) {
		x = (x << 4) | (unsigned long)(d - 1);
		p++;
	}
	*out = x;
	return p;
}

static const char *parse_dec(const char *p, const char *end, unsigned long *out)
{
	unsigned long x = 0;

	while (p < end && *p >= '0' && *p <= '9')
		x = x * 10 + (unsigned long)(*p++ - '0');
	*out = x;
	return p;
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

static void parse_perms(struct vma *v, const char *p)
{
	v->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
		  (p[2] == 'x' ? PROT_EXEC : 0);
	v->shared = p[3] == 's';
}

/* Header fields: "start-end perms offset major:minor inode". Returns a
 * pointer past the inode, or NULL on a malformed line. */
static const char *parse_header(struct vma *v, const char *p, const char *end)
{
	unsigned long x;

	p = parse_hex(p, end, &v->start);
	if (p >= end || *p++ != '-')
		return NULL;
	p = parse_hex(p, end, &v->end);
	if (p + 5 > end || *p++ != ' ')
		return NULL;
	parse_perms(v, p);
	p = skip_spaces(p + 4, end);
	p = parse_hex(p, end, &v->offset);
	p = skip_spaces(p, end);
	p = parse_hex(p, end, &x);
	v->dev_major = (unsigned int)x;
	if (p >= end || *p++ != ':')
		return NULL;
	p = parse_hex(p, end, &x);
	v->dev_minor = (unsigned int)x;
	p = skip_spaces(p, end);
	p = parse_dec(p, end, &v->ino);
	return p;
}

static unsigned int parse_vmflags(const char *p, const char *end)
{
	static const struct { char a, b; unsigned int bit; } names[] = {
		{ 'l', 'o', VMF_LO }, { 'l', 'f', VMF_LF }, { 'u', 'm', VMF_UM },
		{ 'u', 'w', VMF_UW }, { 'u', 'i', VMF_UI }, { 'd', 'e', VMF_DE },
		{ 'p', 'f', VMF_PF }, { 'h', 't', VMF_HT }, { 'n', 'r', VMF_NR },
		{ 'd', 'c', VMF_DC }, { 'd', 'd', VMF_DD }, { 'w', 'f', VMF_WF },
		{ 'h', 'g', VMF_HG }, { 'n', 'h', VMF_NH }, { 'm', 'g', VMF_MG },
		{ 's', 'l', VMF_SL }, { 'a', 'c', VMF_AC },
		{ 'r', 'r', VMF_RR }, { 's', 'r', VMF_SR },
		{ 'g', 'd', VMF_GD }, { 'g', 'u', VMF_GU },
	};
	unsigned int flags = 0;
	const char *q;
	size_t i;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		for (q = p; q < end && *q != ' '; q++)
			;
		if (q - p == 2)
			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (p[0] == names[i].a && p[1] == names[i].b)
					flags |= names[i].bit;
		p = q;
	}
	return flags;
}

/* The kernel writes '\n' in a path as "\012"; undo that, and take off a
 * trailing " (deleted)". */
static void finish_path(struct reader *rd, size_t len)
{
	static const char deleted[] = " (deleted)";
	size_t n = sizeof(deleted) - 1, i, o = 0;
	const char *bs = NULL;

	if (!rd->v.path_truncated && len >= n && !memcmp(rd->path + len - n, deleted, n)) {
		rd->v.deleted = true;
		len -= n;
	}
	if (len)
		bs = memchr(rd->path, '\\', len);
	if (!bs) {
		o = len; /* nothing escaped: the usual case */
	} else {
		for (i = (size_t)(bs - rd->path), o = i; i < len; i++, o++) {
			if (rd->path[i] == '\\' && i + 3 < len && rd->path[i + 1] == '0' &&
			    rd->path[i + 2] == '1' && rd->path[i + 3] == '2') {
				rd->path[o] = '\n';
				i += 3;
			} else {
				rd->path[o] = rd->path[i];
			}
		}
	}
	rd->path[o] = 0;
	rd->v.path_len = o;
	rd->v.path = rd->path;
}

static int emit(struct reader *rd)
{
	int r;

	rd->pending = false;
	if (rd->v.end <= rd->from)
		return 0;
	/* The vsyscall page is listed but is no VMA of the process: the
	 * kernel's VMA lookups never find it. */
	if (rd->v.path_len == 10 && !memcmp(rd->v.path, "[vsyscall]", 10))
		return 0;
	/* A VMA that begins below the end of the last one moved (merged
	 * with what the move left there) is given from that end on. */
	if (rd->moving && rd->moved && rd->v.start < rd->from) {
		rd->v.offset += rd->from - rd->v.start;
		rd->v.start = rd->from;
	}
	/* A gap after the last VMA moved may be one the kernel skipped:
	 * read the file again from there (mc_maps_walk_moving()). */
	if (rd->moving && rd->moved && !rd->fresh && rd->v.start > rd->from) {
		rd->reread = true;
		return 1;
	}
	r = rd->fn(&rd->v, rd->arg);
	if (!r && rd->moving) {
		/* Done with everything below its end: a line seen again
		 * is skipped. */
		rd->from = rd->v.end;
		rd->moved = true;
		rd->fresh = false;
	}
	return r;
}

/* A header line is complete: its fields are in rd->v, its raw path in
 * rd->path[0, v.path_len). */
static int end_of_header(struct reader *rd)
{
	finish_path(rd, rd->v.path_len);
	if (!rd->smaps)
		return emit(rd);
	rd->pending = true;
	return 0;
}

/* A non-header line [p, end) is complete, of which p holds at least the
 * first LINE_MAX_KEPT bytes (or all). */
static int end_of_other(struct reader *rd, const char *p, size_t len)
{
	size_t kept = len < LINE_MAX_KEPT ? len : LINE_MAX_KEPT;

	/* cppcheck 2.10 takes len from one caller for all: a false positive */
	/* cppcheck-suppress knownConditionTrueFalse */
	if (rd->pending && kept >= 8 && !memcmp(p, "VmFlags:", 8)) {
		rd->v.vmflags = parse_vmflags(p + 8, p + kept);
		rd->v.has_vmflags = true;
		rd->v.known = ~0u;
		return emit(rd);
	}
	return 0;
}

static bool header_start(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* ---- whole lines ----------------------------------------------------------
 *
 * A line that lies whole in the buffer, from its first byte to its '\n', is
 * parsed where it lies (found with memchr). A line split across two reads,
 * or longer than the buffer, goes through the byte at a time state machine
 * further down (feed_bytes). Both give the same result for the same line:
 * fuzz/maps_fuzz.c compares one-byte reads with the whole buffer at once. */

/* The path: what follows the fifth run of spaces, the padding skipped, at
 * most VMA_PATH_MAX - 1 bytes (as path_byte() keeps them). */
static int header_path(struct reader *rd, const char *p, const char *e)
{
	size_t n;

	p = skip_spaces(p, e);
	n = (size_t)(e - p);
	if (n > VMA_PATH_MAX - 1) {
		n = VMA_PATH_MAX - 1;
		rd->v.path_truncated = true;
	}
	memcpy(rd->path, p, n);
	rd->v.path_len = n;
	return end_of_header(rd);
}

/* Any header line, as the state machine reads it: the fixed fields end at
 * the first space of the fifth run of spaces, and only their first
 * LINE_MAX_KEPT bytes are parsed. */
static int header_line_any(struct reader *rd, const char *s, const char *e)
{
	const char *p, *l5 = NULL;
	size_t kept;
	int seps = 0;
	char prev = 0;

	for (p = s; p < e; p++) {
		if (*p == ' ' && prev != ' ' && ++seps == 5) {
			l5 = p + 1;
			break;
		}
		prev = *p;
	}
	kept = (size_t)((l5 ? l5 : e) - s);
	if (kept > LINE_MAX_KEPT)
		kept = LINE_MAX_KEPT;
	if (!parse_header(&rd->v, s, s + kept))
		return 0; /* malformed: skipped */
	if (!l5)
		return end_of_header(rd);
	return header_path(rd, l5, e);
}

/* The header line [s, e) (e at its '\n'). The fast parse takes the form
 * the kernel writes, single spaces between non-empty fields, within the
 * first LINE_MAX_KEPT bytes:
 *
 *   start-end perm offset major:minor inode[ path]
 *
 * where the fifth run of spaces is the one after the inode; any other line
 * goes to header_line_any(). */
static int header_line(struct reader *rd, const char *s, const char *e)
{
	size_t len = (size_t)(e - s);
	const char *lim = s + (len < LINE_MAX_KEPT ? len : LINE_MAX_KEPT), *p;
	struct vma *v = &rd->v;
	unsigned long x;
	int r;

	if (rd->pending) { /* no VmFlags (before 3.8) */
		r = emit(rd);
		if (r)
			return r;
	}
	memset(v, 0, sizeof(*v));
	p = parse_hex(s, lim, &v->start);
	if (p >= lim || *p != '-')
		return header_line_any(rd, s, e);
	p = parse_hex(p + 1, lim, &v->end);
	/* The end address ends before the first space, inside the bytes any
	 * parse looks at: a VMA ending at or below 'from' is never emitted,
	 * whatever the rest of its line. */
	if (p < lim && v->end <= rd->from)
		return 0;
	/* cppcheck-suppress knownConditionTrueFalse ; lim - p varies per line */
	if (lim - p < 7 || p[0] != ' ' || p[1] == ' ' || p[2] == ' ' || p[3] == ' ' ||
	    p[4] == ' ' || p[5] != ' ' || p[6] == ' ')
		return header_line_any(rd, s, e);
	parse_perms(v, p + 1);
	p = parse_hex(p + 6, lim, &v->offset);
	if (lim - p < 2 || p[0] != ' ' || p[1] == ' ')
		return header_line_any(rd, s, e);
	p = parse_hex(p + 1, lim, &x);
	if (p >= lim || *p != ':')
		return header_line_any(rd, s, e);
	v->dev_major = (unsigned int)x;
	p = parse_hex(p + 1, lim, &x);
	if (lim - p < 2 || p[0] != ' ' || p[1] == ' ')
		return header_line_any(rd, s, e);
	v->dev_minor = (unsigned int)x;
	p = parse_dec(p + 1, lim, &v->ino);
	if (p == e) /* no path, no space after the inode */
		return end_of_header(rd);
	if (p >= lim || *p != ' ')
		return header_line_any(rd, s, e);
	return header_path(rd, p + 1, e);
}

/* ---- the byte at a time state machine ----------------------------------- */

/* One byte of path text (header lines keep their path aside). */
static void path_byte(struct reader *rd, char c)
{
	size_t n = rd->v.path_len;

	if (n == 0 && c == ' ')
		return; /* the padding before the path */
	if (n + 1 >= VMA_PATH_MAX) {
		rd->v.path_truncated = true;
		return;
	}
	rd->path[n] = c;
	rd->v.path_len = n + 1;
}

/* A complete line is in rd->line (its first LINE_MAX_KEPT bytes) and, for a
 * header, its path is in rd->path. */
static int end_of_line(struct reader *rd)
{
	size_t kept = rd->line_len < LINE_MAX_KEPT ? rd->line_len : LINE_MAX_KEPT;

	if (rd->is_header) {
		if (rd->field == 0) /* no path: the line ends after the inode */
			rd->field = parse_header(&rd->v, rd->line, rd->line + kept) ? 1 : -1;
		if (rd->field < 0)
			return 0; /* malformed: skipped */
		return end_of_header(rd);
	}
	return end_of_other(rd, rd->line, rd->line_len);
}

/* Feeds the bytes of [p, end) up to the end of the current line (its '\n'
 * included) or of the buffer. A header's fixed fields go to line[] and are
 * parsed at the first space after the inode number (the fifth field); the
 * rest of the line is the path. Other lines keep their first LINE_MAX_KEPT
 * bytes. Returns the number of bytes consumed; *ret the callback's answer. */
static size_t feed_bytes(struct reader *rd, const char *p, const char *end, int *ret)
{
	const char *start = p;

	*ret = 0;
	for (; p < end; p++) {
		char c = *p;

		if (rd->at_line_start) {
			rd->at_line_start = false;
			rd->line_len = 0;
			rd->prev = 0;
			rd->is_header = header_start(c);
			if (rd->is_header) {
				if (rd->pending) { /* no VmFlags (before 3.8) */
					*ret = emit(rd);
					if (*ret)
						return (size_t)(p - start);
				}
				memset(&rd->v, 0, sizeof(rd->v));
				rd->field = 0;
				rd->seps = 0;
			}
		}
		if (c == '\n') {
			rd->at_line_start = true;
			*ret = end_of_line(rd);
			return (size_t)(p + 1 - start);
		}
		if (rd->is_header && rd->field != 0) {
			if (rd->field > 0)
				path_byte(rd, c);
			continue;
		}
		if (rd->line_len < LINE_MAX_KEPT)
			rd->line[rd->line_len] = c;
		rd->line_len++;
		if (rd->is_header && c == ' ' && rd->prev != ' ' && ++rd->seps == 5) {
			size_t kept = rd->line_len < LINE_MAX_KEPT ? rd->line_len : LINE_MAX_KEPT;

			rd->field = parse_header(&rd->v, rd->line, rd->line + kept) ? 1 : -1;
		}
		rd->prev = c;
	}
	return (size_t)(p - start);
}

static int feed(struct reader *rd, const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *nl;
	int r;

	while (p < end) {
		if (!rd->at_line_start || !(nl = memchr(p, '\n', (size_t)(end - p)))) {
			/* the rest of a line begun in an earlier read, or the
			 * start of one that goes on in the next */
			p += feed_bytes(rd, p, end, &r);
		} else {
			if (header_start(*p))
				r = header_line(rd, p, nl);
			else
				r = rd->pending ? end_of_other(rd, p, (size_t)(nl - p)) : 0;
			p = nl + 1;
		}
		if (r)
			return r;
	}
	return 0;
}

static int finish(struct reader *rd)
{
	int r = 0;

	if (!rd->at_line_start) {
		rd->at_line_start = true;
		r = end_of_line(rd);
		if (r)
			return r;
	}
	if (rd->pending)
		r = emit(rd);
	/* The end of the file after a move may hide a VMA the kernel
	 * skipped, as a gap does. */
	if (!r && rd->moving && rd->moved && !rd->fresh) {
		rd->reread = true;
		r = 1;
	}
	return r;
}

static void reader_init(struct reader *rd, bool smaps, unsigned long from,
			vma_fn fn, void *arg)
{
	rd->smaps = smaps;
	rd->pending = false;
	rd->moving = false;
	rd->moved = false;
	rd->fresh = false;
	rd->reread = false;
	rd->from = from;
	rd->fn = fn;
	rd->arg = arg;
	rd->line_len = 0;
	rd->field = 0;
	rd->seps = 0;
	rd->prev = 0;
	rd->is_header = false;
	rd->at_line_start = true;
}

int mc_maps_parse(const char *text, size_t len, size_t chunk, bool smaps,
		      unsigned long from, vma_fn fn, void *arg)
{
	struct reader rd;
	size_t off;
	int r;

	if (!chunk)
		chunk = 1;
	reader_init(&rd, smaps, from, fn, arg);
	for (off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		r = feed(&rd, text + off, n);
		if (r)
			return r;
	}
	return finish(&rd);
}

static long open_maps(bool smaps)
{
	return sys_openat(AT_FDCWD, smaps ? "/proc/thread-self/smaps" : "/proc/thread-self/maps",
			  O_RDONLY | O_CLOEXEC);
}

static int walk(unsigned long from, bool smaps, bool moving, vma_fn fn, void *arg)
{
	struct reader rd;
	char buf[READ_CHUNK];
	long fd, n;
	int r = 0;

	fd = open_maps(smaps);
	if (fd < 0)
		return (int)fd;
	reader_init(&rd, smaps, from, fn, arg);
	rd.moving = moving;
	for (;;) {
		if (rd.reread) {
			/* From the end of the last VMA moved, afresh (a line
			 * begun in the last read is read again whole). */
			sys_close((int)fd);
			fd = open_maps(smaps);
			if (fd < 0)
				return (int)fd;
			reader_init(&rd, smaps, rd.from, fn, arg);
			rd.moving = rd.moved = rd.fresh = true;
		}
		n = sys_read((int)fd, buf, sizeof(buf));
		if (n == -EINTR)
			continue;
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0) {
			r = finish(&rd);
			if (rd.reread)
				continue;
			break;
		}
		r = feed(&rd, buf, (size_t)n);
		if (rd.reread)
			continue;
		if (r)
			break;
	}
	sys_close((int)fd);
	return r;
}

int mc_maps_walk(unsigned long from, bool smaps, vma_fn fn, void *arg)
{
	return walk(from, smaps, false, fn, arg);
}

int mc_maps_walk_moving(unsigned long from, bool smaps, vma_fn fn, void *arg)
{
	return walk(from, smaps, true, fn, arg);
}

enum mc_vma_kind mc_vma_kind(const struct vma *v)
{
	const char *p = v->path;

	if (v->shared)
		return VMA_SHARED;
	if (v->path_len && p[0] == '[') {
		if (!strncmp(p, "[heap]", 6) || !strncmp(p, "[stack", 6) ||
		    !strncmp(p, "[anon:", 6))
			return VMA_ANON_PRIVATE;
		return VMA_SPECIAL;
	}
	if (v->ino == 0 && v->dev_major == 0 && v->dev_minor == 0 && v->path_len == 0)
		return VMA_ANON_PRIVATE;
	return VMA_FILE_PRIVATE;
}

const char *mc_vma_anon_name(const struct vma *v, size_t *len)
{
	if (v->path_len > 7 && !strncmp(v->path, "[anon:", 6) &&
	    v->path[v->path_len - 1] == ']') {
		*len = v->path_len - 7;
		return v->path + 6;
	}
	return NULL;
}
