#ifndef MREMAP_COMPAT_PROBE_H
#define MREMAP_COMPAT_PROBE_H

/* MREMAP_COMPAT_NATIVE_* bits: what the running kernel does itself.
 * Probed by behaviour on the first call that needs it, then cached. */
unsigned int mc_kernel_features(void);

/* The largest user address + 1, as the kernel's TASK_SIZE. */
unsigned long mc_task_size(void);

#endif
