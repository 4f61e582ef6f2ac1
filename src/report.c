/* mremap-compat-report - what the running kernel does natively and what
 * the library emulates; run by `mremap-compat --report`. */
#include <stdio.h>
#include <sys/utsname.h>
#include "include/mremap_compat.h"

int main(void)
{
	static const struct {
		const char *name, *since;
		unsigned native, emulated;
	} features[] = {
		{ "dontunmap", "5.7", MREMAP_COMPAT_NATIVE_DONTUNMAP,
		  MREMAP_COMPAT_EMULATED_DONTUNMAP },
		{ "dontunmap-shared", "5.13", MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED,
		  MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED },
		{ "multi-vma", "6.17", MREMAP_COMPAT_NATIVE_MULTI_VMA,
		  MREMAP_COMPAT_EMULATED_MULTI_VMA },
	};
	unsigned f = mremap_compat_features();
	struct utsname u;
	size_t i;

	printf("mremap-compat %s\n", mremap_compat_version());
	if (uname(&u) == 0)
		printf("kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	printf("%-18s %-7s %-8s %s\n", "feature", "since", "kernel", "mremap()");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		printf("%-18s %-7s %-8s %s\n", features[i].name, features[i].since,
		       f & features[i].native ? "yes" : "no",
		       f & features[i].emulated ? "emulated" :
		       f & features[i].native ? "native" : "missing");
	return 0;
}
