/* mremap_compat.h - Linux 6.18 mremap() behaviour on older kernels.
 *
 * Link with -lmremap-compat (pkg-config mremap-compat), or preload the
 * shared library with the mremap-compat command. See mremap_compat(3).
 */
#ifndef MREMAP_COMPAT_H
#define MREMAP_COMPAT_H

#include <stddef.h>
#include <sys/mman.h>

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* Bits of mremap_compat_features(). NATIVE: the running kernel does it
 * itself. EMULATED: this library does it for the process (because the
 * kernel lacks it, or because MREMAP_COMPAT_EMULATE forces it). */
#define MREMAP_COMPAT_NATIVE_DONTUNMAP          0x01u /* private anonymous, Linux 5.7 */
#define MREMAP_COMPAT_NATIVE_DONTUNMAP_SHARED   0x02u /* every other kind, Linux 5.13 */
#define MREMAP_COMPAT_NATIVE_MULTI_VMA          0x04u /* multi-VMA moves, Linux 6.17 */
#define MREMAP_COMPAT_EMULATED_DONTUNMAP        0x10u
#define MREMAP_COMPAT_EMULATED_DONTUNMAP_SHARED 0x20u
#define MREMAP_COMPAT_EMULATED_MULTI_VMA        0x40u

#ifdef __cplusplus
extern "C" {
#endif

/* mremap() with Linux 6.18 semantics on any kernel; new_addr is read only
 * for MREMAP_FIXED or MREMAP_DONTUNMAP. Sets errno and returns MAP_FAILED
 * on failure; leaves errno untouched on success. */
void *mremap_compat(void *old_address, size_t old_size, size_t new_size,
		    int flags, void *new_address);

/* What the running kernel does natively and what the library emulates. */
unsigned mremap_compat_features(void);

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *mremap_compat_version(void);

#ifdef __cplusplus
}
#endif

#endif
