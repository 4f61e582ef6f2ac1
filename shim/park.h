/* shim/park.h - stop the process's other threads for one call. */
#ifndef MREMAP_COMPAT_PARK_H
#define MREMAP_COMPAT_PARK_H
#include <stdbool.h>

/* The default park signal: SIGRTMAX - 3 (61). Reserved by neither glibc
 * (32, 33), musl (32-34), Bionic (32 to about 40), nor the runtimes that
 * stop threads with signals of their own (HotSpot SIGUSR2, Boehm GC
 * SIGPWR and SIGXCPU, Go SIGURG, .NET SIGRTMIN, Valgrind and rr the last
 * one and SIGSTKFLT). MREMAP_COMPAT_PARK_SIGNAL changes it. */
#define MC_PARK_SIGNAL_DEFAULT 61

/* Is signal number sig one the park may use? (SIGUSR1, SIGUSR2, and the
 * real-time signals that neither glibc nor musl reserves: 35-64.) */
bool mc_park_signal_ok(long sig);

/* Parks every other thread of the process: each waits in a signal handler
 * until mc_park_end(). Called with every signal blocked (window.c);
 * saved_mask is the caller's own mask, restored while it waits for another
 * thread's park to end. True with the others parked; false with nothing
 * changed and *why saying why (for the debug line). */
bool mc_park_begin(const unsigned long long *saved_mask, const char **why);

/* Releases the parked threads; restores the signal's previous handler. */
void mc_park_end(void);

/* How many threads the last park stopped (the debug line). */
unsigned int mc_park_count(void);

#endif
