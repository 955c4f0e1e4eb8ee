/* SPDX-License-Identifier: MIT */
/*
 * cache_priv.h - the part of the launch cache only the policy pipeline
 * uses (policy.c).  Private to common/policy/.
 */
#ifndef VY_POLICY_CACHE_PRIV_H
#define VY_POLICY_CACHE_PRIV_H

#include "policy/policy.h"

/*
 * Store or overwrite (@p, @r) -> @rec; past 128 entries the least recently
 * used other entry is evicted.  Never allocates.
 */
void vy_pol_launch_cache_insert(struct vy_pol_launch_cache *c,
			    const struct vy_pol_launch_policy *p,
			    const struct vy_pol_launch_request *r,
			    const struct vy_pol_launch_recommendation *rec);

#endif
