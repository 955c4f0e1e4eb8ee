/* SPDX-License-Identifier: MIT */
/*
 * cache.h - the launch-recommendation cache (policy-telemetry.md §1.15):
 * a 128-entry LRU of (policy, raw request) -> recommendation that
 * vy_pol_recommend() probes and fills.
 *
 * The cache is opaque.  vy_pol_launch_cache_new() allocates one (free it
 * with vy_pol_launch_cache_free()); vy_pol_launch_cache_thread() gives
 * this thread's own, which lives as long as the thread.  A cache is not
 * thread safe: use one per thread or lock around it.  Nothing here prints
 * or exits.
 */
#ifndef VY_POLICY_CACHE_H
#define VY_POLICY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/policy.h"

#define VY_LAUNCH_CACHE_CAPACITY 128	/* entries */

struct vy_pol_launch_cache_stats {
	size_t entries;
	uint64_t hits;		/* saturate at UINT64_MAX (0.7.2) */
	uint64_t misses;
};

/* A new, empty cache in *@out.  VY_E_NOMEM when it cannot be allocated. */
int vy_pol_launch_cache_new(struct vy_pol_launch_cache **out,
			    struct vy_err *e);
/* Free a cache of vy_pol_launch_cache_new() (NULL is fine). */
void vy_pol_launch_cache_free(struct vy_pol_launch_cache *c);
/* Empty the cache and zero its clock and counters (upstream's reset). */
void vy_pol_launch_cache_reset(struct vy_pol_launch_cache *c);
/* This thread's cache (upstream's thread_local), empty on first use. */
struct vy_pol_launch_cache *vy_pol_launch_cache_thread(void);
struct vy_pol_launch_cache_stats vy_pol_launch_cache_stats(const struct vy_pol_launch_cache *c);

/*
 * Look up (@p, @r): a hit copies the recommendation to @out, refreshes its
 * recency and counts a hit; a miss counts a miss.  vy_pol_recommend()
 * does this itself; it is public for tests.
 */
bool vy_pol_launch_cache_get(struct vy_pol_launch_cache *c,
			 const struct vy_pol_launch_policy *p,
			 const struct vy_pol_launch_request *r,
			 struct vy_pol_launch_recommendation *out);

#endif
