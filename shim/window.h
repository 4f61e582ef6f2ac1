#ifndef MREMAP_COMPAT_WINDOW_H
#define MREMAP_COMPAT_WINDOW_H
#include <signal.h>
#include <stdbool.h>

/* The zero-copy window (window.c): the signal mask to restore. */
struct mc_window {
	unsigned long long saved; /* the kernel's sigset_t (64 signals) */
	bool blocked;
	bool alone;               /* one thread, checked with signals blocked */
};

/* Blocks every signal, then checks that nobody else can map into the
 * address space: true with the window open (close it after), false with
 * the mask restored. other_threads_allowed (MREMAP_COMPAT_STRATEGY=
 * zero-copy) skips the thread check, not the blocking. */
bool mc_window_open(struct mc_window *w, bool other_threads_allowed);
void mc_window_close(struct mc_window *w);

#endif
