/* shim/decide.c - native or emulated.
 *
 *   MREMAP_COMPAT_EMULATE   emulated features
 *   auto (default)          those the running kernel lacks (probed)
 *   all                     dontunmap, dontunmap-shared, multi-vma
 *   none                    none: every call goes to the kernel
 *   a list                  exactly the listed ones
 */
#include "include/mremap_compat.h"
#include "shim/controls.h"
#include "shim/decide.h"
#include "shim/probe.h"

#define ALL_EMULATED (MREMAP_COMPAT_EMULATED_DONTUNMAP | \
		      MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED | \
		      MREMAP_COMPAT_EMULATED_MULTI_VMA)

unsigned int mc_emulated(void)
{
	struct mc_controls scratch;
	const struct mc_controls *c = mc_controls(&scratch);

	switch (c->mode) {
	case MC_ALL:
		return ALL_EMULATED;
	case MC_NONE:
		return 0;
	case MC_LIST:
		return c->list;
	case MC_AUTO:
	default:
		/* NATIVE bit n lacking -> EMULATED bit n + 4 */
		return (~mc_kernel_features() << 4) & ALL_EMULATED;
	}
}
