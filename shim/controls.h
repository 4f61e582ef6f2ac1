#ifndef MREMAP_COMPAT_CONTROLS_H
#define MREMAP_COMPAT_CONTROLS_H
#include <stdbool.h>

enum mc_mode { MC_AUTO, MC_ALL, MC_NONE, MC_LIST };
/* MREMAP_COMPAT_STRATEGY (doc/design.md, "Strategies"; doc/threads.md):
 *   auto       zero copy where nobody else runs (window.c): one thread, or
 *              the others parked (park.c); a copy only where a zero-copy
 *              move cannot keep the old range's state, also parked
 *   race-free  always copy private memory, never unmap the old range, and
 *              park nobody (other threads' stores meanwhile can be lost)
 *   zero-copy  zero copy, and park nobody (another thread's mmap may take
 *              the old range for one system call: a documented risk) */
enum mc_strategy { MC_STRATEGY_AUTO, MC_STRATEGY_RACE_FREE, MC_STRATEGY_ZERO_COPY };
/* MREMAP_COMPAT_PARK (park.c):
 *   auto    park other threads where this thread has no seccomp filter
 *   always  also under a filter: the caller vouches that it allows
 *           rt_sigaction, rt_tgsigqueueinfo, tgkill, futex, clock_gettime
 *           (mremap-compat --simulate sets it: its filter is on mremap only)
 *   never   never: calls that need it are refused as the kernel would */
enum mc_park { MC_PARK_AUTO, MC_PARK_ALWAYS, MC_PARK_NEVER };

/* The MREMAP_COMPAT_* variables, read once (never under AT_SECURE). */
struct mc_controls {
	enum mc_mode mode;
	unsigned int list;        /* MC_LIST: MREMAP_COMPAT_EMULATED_* bits */
	enum mc_strategy strategy;
	enum mc_park park;
	int park_signal;          /* MREMAP_COMPAT_PARK_SIGNAL */
	bool debug;
};

/* The controls; scratch is filled and returned only while another
 * thread is still reading them. */
const struct mc_controls *mc_controls(struct mc_controls *scratch);

#endif
