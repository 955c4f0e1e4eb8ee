/* SPDX-License-Identifier: MIT */
#include "wire/hist.h"

#include <math.h>

/* The bucket of @v: values below 16 map to themselves. */
static unsigned bucket(uint64_t v)
{
	unsigned k;

	if (v < VY_HIST_SUB)
		return (unsigned)v;
	k = 63u - (unsigned)__builtin_clzll(v);	/* 2^k <= v, k >= 4 */
	return VY_HIST_SUB * (k - 3) +
	       (unsigned)((v >> (k - 4)) - VY_HIST_SUB);
}

/* The largest value bucket @b holds. */
static uint64_t bucket_top(unsigned b)
{
	unsigned k, sub;

	if (b < VY_HIST_SUB)
		return b;
	k = b / VY_HIST_SUB + 3;
	sub = b % VY_HIST_SUB;
	if (k >= 63 && sub == VY_HIST_SUB - 1)
		return UINT64_MAX;
	return ((uint64_t)(VY_HIST_SUB + sub + 1) << (k - 4)) - 1;
}

void vy_hist_add_n(struct vy_hist *h, uint64_t v, uint64_t n)
{
	unsigned b = bucket(v);

	if (!n)
		return;
	/* 2^63 and above fall in the last octave */
	if (b >= VY_HIST_BUCKETS)
		b = VY_HIST_BUCKETS - 1;
	h->count[b] += n;
	h->n += n;
	if (v > h->max)
		h->max = v;
}

void vy_hist_add(struct vy_hist *h, uint64_t v)
{
	vy_hist_add_n(h, v, 1);
}

uint64_t vy_hist_quantile(const struct vy_hist *h, double p)
{
	uint64_t rank, seen = 0, top;
	unsigned b;

	if (!h->n)
		return 0;
	/* nearest rank: the ceil(p * n)-th value, at least the first */
	rank = (uint64_t)ceil(p * (double)h->n);
	if (rank < 1)
		rank = 1;
	if (rank > h->n)
		rank = h->n;
	for (b = 0; b < VY_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank)
			break;
	}
	top = bucket_top(b < VY_HIST_BUCKETS ? b : VY_HIST_BUCKETS - 1);
	return top < h->max ? top : h->max;
}
