// SPDX-License-Identifier: GPL-2.0
/*
 * Unwind layer: joining a CFI unwind and a frame-pointer chain
 * (splice.h).
 *
 * The alignment is a merge, not a search: a frame-pointer chain is the
 * true chain with frames left out, so the frames the two share come in
 * the same order in both, and each CFI frame needs comparing with one
 * frame-pointer frame only.  A search for each CFI frame anywhere in the
 * other chain would cost O(ncfi * nfp) on an untrusted recording's
 * thousands of frames, and would jump on a recurring address.
 */
#include <string.h>

#include "unwind/splice.h"

static unsigned int append(__u64 *out, unsigned int n, unsigned int max,
			   const __u64 *from, unsigned int nr)
{
	if (nr > max - n)
		nr = max - n;
	/* An empty side may be NULL, which memcpy() may not be given. */
	if (nr)
		memcpy(out + n, from, nr * sizeof(*from));
	return n + nr;
}

unsigned int unwind_splice(const __u64 *cfi, unsigned int ncfi,
			   const __u64 *fp, unsigned int nfp, __u64 *out,
			   unsigned int max)
{
	unsigned int i, j = 0, n;

	if (!ncfi)
		return append(out, 0, max, fp, nfp);
	/* fp[j] is the last frame-pointer frame matched (fp[0]: the leaf). */
	for (i = 1; i < ncfi && j + 1 < nfp; i++)
		if (cfi[i] == fp[j + 1])
			j++;
	n = append(out, 0, max, cfi, ncfi);
	if (j + 1 < nfp)
		n = append(out, n, max, fp + j + 1, nfp - j - 1);
	return n;
}
