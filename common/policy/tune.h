/* SPDX-License-Identifier: MIT */
/*
 * tune.h - autotune choices, the natural-gradient step, priority
 * "diffusion" and requeue accounting (policy-telemetry.md §1.16-§1.18).
 *
 * Pure functions over caller-owned arrays and structs: nothing here
 * allocates, prints or exits.  Doubles are IEEE-754 binary64 and the
 * arithmetic order is upstream's, so results match it bit for bit.
 */
#ifndef VY_POLICY_TUNE_H
#define VY_POLICY_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/policy.h"

/*
 * Index of the smallest cost under IEEE-754 totalOrder (-NaN < -inf <
 * ... < -0.0 < +0.0 < ... < +inf < +NaN); ties keep the earliest.  @n >= 1.
 */
size_t vy_pol_best_cost_index(const double *costs, size_t n);

/*
 * candidates[best(costs[0..min(nc, ncost))])], or the policy's
 * hit_capacity_multiplier when either list is empty.
 */
uint32_t vy_pol_autotune_hit_capacity_multiplier(const struct vy_pol_launch_policy *p,
					     const uint32_t *candidates,
					     size_t ncandidates,
					     const double *costs, size_t ncosts);

/* The same rule for work-group sizes; falls back to @current. */
uint32_t vy_pol_autotune_workgroup_size(const uint32_t *candidates,
				    size_t ncandidates, const double *costs,
				    size_t ncosts, uint32_t current);

/*
 * Natural-gradient autotune step: out[r] = -lr * sum_c m[r*n+c] * g[c]
 * (accumulated from 0.0 in column order).  Returns the number of values
 * written to @out (which must hold @n): @n, or 0 (an empty result, not an
 * error) when n*n overflows, @mlen < n*n or @glen < n.
 */
size_t vy_pol_natural_gradient_step(const double *m_inv_sqrt, size_t mlen,
				const double *grad, size_t glen, uint32_t n,
				double learning_rate, double *out);

/*
 * Priority "diffusion": out = stalks, then @iterations times
 * x_i = x_i - (damping * r_i) * x_i.  When @nrestriction != @n the copy
 * is returned unchanged.  @out holds @n values (may alias @stalks).
 */
void vy_pol_priority_diffuse(const double *stalks, size_t n,
			 const double *restriction, size_t nrestriction,
			 double damping, uint32_t iterations, double *out);

/* PriorityRequeueAccounting (§1.18). */
struct vy_pol_priority_accounting {
	uint64_t requeue_count;
	uint64_t aged_promotions;
	uint32_t max_priority_age;
};

/*
 * requeue_count += 1 (checked: VY_E_PRIORITY_COUNTER_OVERFLOW at
 * UINT64_MAX, nothing changes), max_priority_age = max(age, ...).
 */
int vy_pol_priority_record_requeue(struct vy_pol_priority_accounting *a,
			       uint32_t age_ticks, struct vy_err *e);
/* aged_promotions += 1, same rules. */
int vy_pol_priority_record_aged_promotion(struct vy_pol_priority_accounting *a,
				      uint32_t age_ticks, struct vy_err *e);

#endif
