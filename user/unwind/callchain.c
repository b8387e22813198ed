// SPDX-License-Identifier: GPL-2.0
/*
 * Unwind layer: a SAMPLE record's frames (callchain.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "unwind/callchain.h"

static void push(struct callchain *cc, __u64 addr, bool kernel,
		 bool is_return)
{
	struct callchain_entry *e = &cc->entries[cc->nr++];

	e->addr = addr;
	e->kernel = kernel;
	e->is_return = is_return;
	e->truncated = false;
}

/* The frames beyond here are missing: say so where they would be. */
static void push_truncated(struct callchain *cc)
{
	push(cc, 0, false, false);
	cc->entries[cc->nr - 1].truncated = true;
	cc->truncated = true;
}

int callchain__from_sample(struct callchain *cc,
			   const struct sonde_sample *raw)
{
	bool khidden = raw->flags & SONDE_SAMPLE_KERNEL_HIDDEN;
	unsigned int nk = khidden ? 0 : raw->nr_kernel, nu = raw->nr_user;
	__u64 user_leaf = 0;
	unsigned int i;

	/* Without call chains the interrupted IPs are the only frames. */
	if (!nk && !khidden && raw->context != SONDE_CTX_USER && raw->ip)
		nk = 1;
	if (!nu && !(raw->flags & SONDE_SAMPLE_KTHREAD) && raw->pid) {
		if (raw->flags & SONDE_SAMPLE_USER_REGS)
			user_leaf = raw->user_ip;
		else if (raw->context == SONDE_CTX_USER)
			user_leaf = raw->ip;
	}
	/* Room for a marker after the kernel part and one at the root. */
	if (cc->cap < nk + nu + 3) {
		struct callchain_entry *p = reallocarray(cc->entries,
							 nk + nu + 3,
							 sizeof(*p));

		if (!p)
			return -ENOMEM;
		cc->entries = p;
		cc->cap = nk + nu + 3;
	}
	cc->nr = 0;
	cc->truncated = false;
	for (i = 0; i < nk; i++)
		push(cc, raw->nr_kernel ? raw->frames[i] : raw->ip, true,
		     i > 0);
	if (nk && (raw->flags & SONDE_SAMPLE_KERNEL_TRUNCATED))
		push_truncated(cc);
	for (i = 0; i < nu; i++)
		push(cc, raw->frames[raw->nr_kernel + i], false, i > 0);
	if (user_leaf)
		push(cc, user_leaf, false, false);
	/* A kernel chain cut above a user part is marked between them. */
	if (nu && (raw->flags & SONDE_SAMPLE_USER_TRUNCATED))
		push_truncated(cc);
	cc->nr_kernel = nk;
	cc->user_addr = nu ? raw->frames[raw->nr_kernel] : user_leaf;
	cc->kernel_hidden = khidden && raw->context != SONDE_CTX_USER;
	return 0;
}

void callchain__free(struct callchain *cc)
{
	free(cc->entries);
	cc->entries = NULL;
	cc->cap = cc->nr = 0;
}
