#ifndef MREMAP_COMPAT_WINDOW_H
#define MREMAP_COMPAT_WINDOW_H
#include <signal.h>
#include <stdbool.h>

/* How a window may be opened (window.c). */
enum mc_window_mode {
	WINDOW_ALONE,   /* only in a process with one thread */
	WINDOW_PARK,    /* the other threads parked (park.c) if there are any */
	WINDOW_SHARED,  /* also with other threads running (zero-copy) */
};

/* The window: the signal mask to restore, and who else may run. */
struct mc_window {
	unsigned long long saved; /* the kernel's sigset_t (64 signals) */
	bool blocked;             /* open: every signal blocked */
	bool alone;               /* nobody else runs: one thread, or parked */
	bool parked;              /* the others are parked: end the park */
	const char *why;          /* not alone: why (the debug line) */
};

/* Why a park ended early (mc_window_unpark()). */
#define UNPARK_UFFD "a userfaultfd monitor must read the kernel's event: threads released"

#define MC_WINDOW_INIT { 0, false, false, false, 0 }

/* Blocks every signal, then makes sure nobody else can act on the address
 * space (mode): true with the window open (close it after), false with
 * the mask restored and w->why set. */
bool mc_window_open(struct mc_window *w, enum mc_window_mode mode);
void mc_window_close(struct mc_window *w);

/* Lets the parked threads go and keeps the window open (signals blocked,
 * no longer alone): one of them may be a userfaultfd monitor the kernel
 * will wait for. why: for the debug line. */
void mc_window_unpark(struct mc_window *w, const char *why);

#endif
