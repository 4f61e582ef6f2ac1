/* shim/controls.c - the MREMAP_COMPAT_* environment variables.
 *
 *   MREMAP_COMPAT_EMULATE   auto | all | none | dontunmap,dontunmap-shared,multi-vma
 *   MREMAP_COMPAT_STRATEGY  auto | race-free | zero-copy
 *   MREMAP_COMPAT_PARK      auto | always | never
 *   MREMAP_COMPAT_PARK_SIGNAL  a signal number: 10, 12 or 35-64 (default
 *                           61, park.h)
 *   MREMAP_COMPAT_DEBUG     0 | 1
 *
 * Read once, by a constructor or by the first call that needs them; the
 * environment is never read again. In secure-execution mode (setuid,
 * setgid, file capabilities) they are ignored.
 */
#include <string.h>
#include <sys/auxv.h>
#include "compat/sys.h"
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/debug.h"
#include "shim/park.h"
#include "shim/req.h"

extern char **environ;

static struct mc_controls ctl;
static int ctl_state; /* 0: not read, 1: being read, 2: ready */

static const char *env(const char *name)
{
	size_t n = strlen(name);
	char **e;

	if (!environ)
		return NULL;
	for (e = environ; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncmp(s, w, n);
}

/* "dontunmap,multi-vma": the bits, or 0 when a word is unknown. */
static unsigned int parse_list(const char *s)
{
	unsigned int bits = 0;

	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (word_is(s, n, "dontunmap"))
			bits |= MREMAP_COMPAT_EMULATED_DONTUNMAP;
		else if (word_is(s, n, "dontunmap-shared"))
			bits |= MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED;
		else if (word_is(s, n, "multi-vma"))
			bits |= MREMAP_COMPAT_EMULATED_MULTI_VMA;
		else
			return 0;
		s += n;
		if (*s == ',')
			s++;
	}
	return bits;
}

/* A decimal number of at most 3 digits, or -1. */
static long parse_number(const char *s)
{
	long n = 0;
	int digits = 0;

	for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
		n = n * 10 + (*s - '0');
	return *s || !digits || digits > 3 ? -1 : n;
}

static void warn_value(const char *name, const char *value, const char *used)
{
	mc_print_str(2, "mremap-compat: unknown value ");
	mc_print_str(2, name);
	mc_print_str(2, "=");
	mc_print_str(2, value);
	mc_print_str(2, ", using ");
	mc_print_str(2, used);
	mc_print_str(2, "\n");
}

static void read_controls(struct mc_controls *c, bool warn)
{
	const char *v;

	unsigned long ps = getauxval(AT_PAGESZ);

	if (ps)
		mc_page_size = ps; /* 4096 unless the kernel says otherwise */
	c->mode = MC_AUTO;
	c->list = 0;
	c->strategy = MC_STRATEGY_AUTO;
	c->park = MC_PARK_AUTO;
	c->park_signal = MC_PARK_SIGNAL_DEFAULT;
	c->debug = false;
	if (getauxval(AT_SECURE))
		return;

	v = env("MREMAP_COMPAT_EMULATE");
	if (v && *v) {
		if (!strcmp(v, "auto"))
			c->mode = MC_AUTO;
		else if (!strcmp(v, "all"))
			c->mode = MC_ALL;
		else if (!strcmp(v, "none"))
			c->mode = MC_NONE;
		else if ((c->list = parse_list(v)))
			c->mode = MC_LIST;
		else if (warn)
			warn_value("MREMAP_COMPAT_EMULATE", v, "auto");
	}
	v = env("MREMAP_COMPAT_STRATEGY");
	if (v && *v) {
		if (!strcmp(v, "race-free"))
			c->strategy = MC_STRATEGY_RACE_FREE;
		else if (!strcmp(v, "zero-copy"))
			c->strategy = MC_STRATEGY_ZERO_COPY;
		else if (strcmp(v, "auto") != 0 && warn)
			warn_value("MREMAP_COMPAT_STRATEGY", v, "auto");
	}
	v = env("MREMAP_COMPAT_PARK");
	if (v && *v) {
		if (!strcmp(v, "always"))
			c->park = MC_PARK_ALWAYS;
		else if (!strcmp(v, "never"))
			c->park = MC_PARK_NEVER;
		else if (strcmp(v, "auto") != 0 && warn)
			warn_value("MREMAP_COMPAT_PARK", v, "auto");
	}
	v = env("MREMAP_COMPAT_PARK_SIGNAL");
	if (v && *v) {
		long sig = parse_number(v);

		if (mc_park_signal_ok(sig))
			c->park_signal = (int)sig;
		else if (warn)
			warn_value("MREMAP_COMPAT_PARK_SIGNAL", v, "61");
	}
	v = env("MREMAP_COMPAT_DEBUG");
	if (v && *v) {
		if (!strcmp(v, "1"))
			c->debug = true;
		else if (strcmp(v, "0") != 0 && warn)
			warn_value("MREMAP_COMPAT_DEBUG", v, "0");
	}
}

const struct mc_controls *mc_controls(struct mc_controls *scratch)
{
	int s = __atomic_load_n(&ctl_state, __ATOMIC_ACQUIRE);
	int zero = 0;

	if (s == 2)
		return &ctl;
	/* One reader publishes (and warns); a caller that finds the reading
	 * under way, possibly its own thread interrupted by a signal, reads
	 * for itself rather than wait. */
	if (__atomic_compare_exchange_n(&ctl_state, &zero, 1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		read_controls(&ctl, true);
		__atomic_store_n(&ctl_state, 2, __ATOMIC_RELEASE);
		return &ctl;
	}
	read_controls(scratch, false);
	return scratch;
}

__attribute__((constructor)) static void controls_init(void)
{
	struct mc_controls scratch;

	mc_controls(&scratch);
}
