/* shim/facts.h - what /proc/self/maps does not say, asked without smaps. */
#ifndef MREMAP_COMPAT_FACTS_H
#define MREMAP_COMPAT_FACTS_H
#include <stdbool.h>
#include "shim/maps.h"
#include "shim/window.h"

/* One call's questions: the status read and the userfaultfd are made on
 * first need and kept until mc_facts_end(). */
struct mc_facts {
	signed char state;  /* 0 not begun; 1 probes allowed; -1 none: ask smaps */
	bool locked;        /* VmLck is not 0: some VMA may be locked */
	bool rie;           /* personality READ_IMPLIES_EXEC */
	signed char uffd_state; /* 0 not opened; 1 open; -1 cannot probe; 2 no userfaultfd */
	long uffd;
	long pagemap;
	struct mc_window w; /* the probes run alone, signals blocked */
	const struct mc_window *call; /* the call's window, when open: used
				       * instead of one of the probes' own */
};

#define MC_FACTS_INIT { 0, true, true, 0, -1, -1, MC_WINDOW_INIT, 0 }

/* Opens the window, reads the status: true when probes may be made. Made
 * by the first mc_facts_settle() if not before (before a maps walk, its
 * stack is not added to the walk's). */
bool mc_facts_begin(struct mc_facts *f);

/* Closes the descriptors the probes opened; the window stays open. */
void mc_facts_release(struct mc_facts *f);

/* Closes what the probes opened and restores the signal mask. */
void mc_facts_end(struct mc_facts *f);

/* Settles, for a private anonymous VMA read from /proc/self/maps, the
 * flags of 'need' (VMF_SL, VMF_UFFD) and what private anonymous memory
 * never has (VMF_DE, VMF_PF, VMF_HT); the lock flags too when no VMA of
 * the process is locked. Sets them in v->vmflags and v->known. False when
 * a probe cannot answer (another kind of VMA, an executable one, other
 * threads in the process, a seccomp filter, no userfaultfd for this user,
 * no anonymous page to prove an anon_vma): the caller reads smaps. A VMA registered with a userfaultfd is not settled
 * either: the copy strategy and the refusals want to know how. */
bool mc_facts_settle(struct mc_facts *f, struct vma *v, unsigned int need);

#endif
