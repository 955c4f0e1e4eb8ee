/* SPDX-License-Identifier: MIT */
/*
 * hist.h - a fixed-size log-linear histogram of u64 values (latencies in
 * nanoseconds), so that a run's percentiles cost the same memory for ten
 * items as for a billion.
 *
 * A value v < 16 has a bucket of its own; above, each power of two
 * [2^k, 2^(k+1)) is cut into 16 equal sub-buckets, so a bucket is at most
 * 1/16 (6.25 %) of its values wide.  A quantile is reported as the upper
 * edge of its bucket (never below the true value, at most 6.25 % above),
 * capped at the exact maximum.  976 buckets of 8 bytes: 7.6 KiB.
 */
#ifndef VY_HIST_H
#define VY_HIST_H

#include <stdint.h>

#define VY_HIST_SUB 16				/* sub-buckets per octave */
#define VY_HIST_BUCKETS (VY_HIST_SUB + 60 * VY_HIST_SUB)

struct vy_hist {
	uint64_t n;			/* values added */
	uint64_t max;			/* the exact largest value */
	uint64_t count[VY_HIST_BUCKETS];
};

/* Add one value.  A zeroed struct is an empty histogram. */
void vy_hist_add(struct vy_hist *h, uint64_t v);

/* Add @n values equal to @v (items that share one latency); 0 adds none. */
void vy_hist_add_n(struct vy_hist *h, uint64_t v, uint64_t n);

/*
 * The @p quantile (0..1, nearest rank): the upper edge of the bucket that
 * holds the rank, at most @h->max; 0 when empty.
 */
uint64_t vy_hist_quantile(const struct vy_hist *h, double p);

#endif
