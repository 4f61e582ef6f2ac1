#ifndef MREMAP_COMPAT_DEBUG_H
#define MREMAP_COMPAT_DEBUG_H
#include "shim/req.h"

/* Writes with write(2) only: safe in a signal handler; errno untouched. */
void mc_print_str(int fd, const char *s);

/* A value the user gave (an environment variable's), safe to print: at
 * most MC_SHOWN_MAX bytes of it, then "..."; bytes other than printable
 * ASCII, and the backslash, as \xNN. One write(2) of at most 259 bytes. */
#define MC_SHOWN_MAX 64
void mc_print_value(int fd, const char *s);

/* The MREMAP_COMPAT_DEBUG=1 line for one call that needed new behaviour:
 *   mremap-compat: mremap(OLD, OLD_LEN, NEW_LEN, FLAGS, NEW) = RESULT: ROUTE (WHY)
 */
void mc_debug_call(const struct mremap_req *r, long ret, const char *route);

/* A free-form note: "mremap-compat: " TEXT "\n". */
void mc_debug_note(const char *text, unsigned long a, unsigned long b);

#endif
