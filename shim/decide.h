#ifndef MREMAP_COMPAT_DECIDE_H
#define MREMAP_COMPAT_DECIDE_H

/* MREMAP_COMPAT_EMULATED_* bits in force: what the kernel lacks (auto),
 * everything (all), nothing (none), or the listed features. Probes the
 * kernel only in auto mode. */
unsigned int mc_emulated(void);

#endif
