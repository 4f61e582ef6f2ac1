#ifndef MREMAP_COMPAT_CONTROLS_H
#define MREMAP_COMPAT_CONTROLS_H
#include <stdbool.h>

enum mc_mode { MC_AUTO, MC_ALL, MC_NONE, MC_LIST };
/* MREMAP_COMPAT_STRATEGY (doc/design.md, "Strategies"):
 *   auto       zero copy only where nobody else can map (window.c), else copy
 *   race-free  always copy private memory; never unmap the old range
 *   zero-copy  zero copy even with other threads (their mmap may take the
 *              old range for one system call: a documented risk) */
enum mc_strategy { MC_STRATEGY_AUTO, MC_STRATEGY_RACE_FREE, MC_STRATEGY_ZERO_COPY };

/* The MREMAP_COMPAT_* variables, read once (never under AT_SECURE). */
struct mc_controls {
	enum mc_mode mode;
	unsigned int list;        /* MC_LIST: MREMAP_COMPAT_EMULATED_* bits */
	enum mc_strategy strategy;
	bool debug;
};

/* The controls; scratch is filled and returned only while another
 * thread is still reading them. */
const struct mc_controls *mc_controls(struct mc_controls *scratch);

#endif
