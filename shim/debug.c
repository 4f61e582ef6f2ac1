/* shim/debug.c - the one-line trace of MREMAP_COMPAT_DEBUG=1.
 *
 * Formats into a buffer on the stack and writes it with one write(2):
 * no stdio, no malloc, errno untouched.
 */
#include <string.h>
#include "compat/sys.h"
#include "shim/debug.h"
#include "shim/park.h"

struct line {
	char buf[480];
	size_t n;
};

static void put(struct line *l, const char *s)
{
	while (*s && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

static void put_hex(struct line *l, unsigned long x)
{
	char tmp[19];
	int i = 18;

	tmp[i] = 0;
	do {
		tmp[--i] = "0123456789abcdef"[x & 15];
		x >>= 4;
	} while (x);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	put(l, tmp + i);
}

static void put_dec(struct line *l, unsigned long x)
{
	char tmp[21];
	int i = 20;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	put(l, tmp + i);
}

static void put_flags(struct line *l, unsigned long flags)
{
	static const struct { unsigned long bit; const char *name; } names[] = {
		{ MREMAP_MAYMOVE, "MAYMOVE" },
		{ MREMAP_FIXED, "FIXED" },
		{ MREMAP_DONTUNMAP, "DONTUNMAP" },
	};
	bool any = false;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (any)
			put(l, "|");
		put(l, names[i].name);
		flags &= ~names[i].bit;
		any = true;
	}
	if (flags || !any) {
		if (any)
			put(l, "|");
		put_hex(l, flags);
	}
}

static const char *errno_name(long e)
{
	switch (e) {
	case 1: return "EPERM";
	case 4: return "EINTR";
	case 11: return "EAGAIN";
	case 12: return "ENOMEM";
	case 14: return "EFAULT";
	case 16: return "EBUSY";
	case 17: return "EEXIST";
	case 22: return "EINVAL";
	default: return "errno";
	}
}

static void flush(struct line *l)
{
	l->buf[l->n++] = '\n';
	sys_write(2, l->buf, l->n);
}

void mc_print_str(int fd, const char *s)
{
	sys_write(fd, s, strlen(s));
}

void mc_debug_call(const struct mremap_req *r, long ret, const char *route)
{
	struct line l = { .n = 0 };

	put(&l, "mremap-compat: mremap(");
	put_hex(&l, r->old);
	put(&l, ", ");
	put_dec(&l, r->raw_old_len);
	put(&l, ", ");
	put_dec(&l, r->raw_new_len);
	put(&l, ", ");
	put_flags(&l, r->flags);
	put(&l, ", ");
	put_hex(&l, r->new_addr);
	put(&l, ") = ");
	if (is_err_ret(ret)) {
		put(&l, "-1 ");
		put(&l, errno_name(-ret));
		put(&l, " (");
		put_dec(&l, (unsigned long)-ret);
		put(&l, ")");
	} else {
		put_hex(&l, (unsigned long)ret);
	}
	put(&l, ": ");
	put(&l, route);
	if (r->how) {
		put(&l, ", ");
		put(&l, r->how);
	}
	if (r->why) {
		put(&l, " (");
		put(&l, r->why);
		put(&l, ")");
	}
	if (r->read) {
		put(&l, " [read /proc/self/");
		put(&l, r->read);
		put(&l, "]");
	}
	if (r->w.parked) {
		put(&l, " [parked ");
		put_dec(&l, mc_park_count());
		put(&l, " threads]");
	} else if (r->w.why) {
		put(&l, " [not parked: ");
		put(&l, r->w.why);
		put(&l, "]");
	}
	flush(&l);
}

void mc_debug_note(const char *text, unsigned long a, unsigned long b)
{
	struct line l = { .n = 0 };

	put(&l, "mremap-compat: ");
	put(&l, text);
	if (a || b) {
		put(&l, " ");
		put_hex(&l, a);
		put(&l, "-");
		put_hex(&l, b);
	}
	flush(&l);
}
