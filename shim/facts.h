/* shim/facts.h - what /proc/self/maps does not say, asked without smaps. */
#ifndef MREMAP_COMPAT_FACTS_H
#define MREMAP_COMPAT_FACTS_H
#include <stdbool.h>
#include "shim/maps.h"

/* One call's questions: the status read and the userfaultfd are made on
 * first need and kept until mc_facts_end(). */
struct mc_facts {
	signed char state;  /* 0 not begun; 1 probes allowed; -1 none: ask smaps */
	bool locked;        /* VmLck is not 0: some VMA may be locked */
	signed char uffd_state; /* 0 not opened; 1 open; -1 cannot probe; 2 no userfaultfd */
	long uffd;
};

#define MC_FACTS_INIT { 0, true, 0, -1 }

void mc_facts_end(struct mc_facts *f);

/* Settles, for a private anonymous VMA read from /proc/self/maps, the
 * flags of 'need' (VMF_SL, VMF_UFFD) and what private anonymous memory
 * never has (VMF_DE, VMF_PF, VMF_HT); the lock flags too when no VMA of
 * the process is locked. Sets them in v->vmflags and v->known. False when
 * a probe cannot answer (another kind of VMA, an executable one, a
 * seccomp filter on this thread, no userfaultfd for this user): the
 * caller reads smaps. A VMA registered with a userfaultfd is not settled
 * either: the copy strategy and the refusals want to know how. */
bool mc_facts_settle(struct mc_facts *f, struct vma *v, unsigned int need);

#endif
