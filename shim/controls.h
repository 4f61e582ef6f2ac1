#ifndef MREMAP_COMPAT_CONTROLS_H
#define MREMAP_COMPAT_CONTROLS_H
#include <stdbool.h>

enum mc_mode { MC_AUTO, MC_ALL, MC_NONE, MC_LIST };
enum mc_strategy { MC_STRATEGY_AUTO, MC_STRATEGY_RACE_FREE };

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
