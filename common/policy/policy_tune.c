/* SPDX-License-Identifier: MIT */
/*
 * policy_tune.c - the autotune helpers, the natural-gradient step,
 * priority diffusion and requeue accounting (policy-telemetry.md
 * §1.16-§1.18).
 */
#include "policy/tune.h"

#include <string.h>

/* ---- autotune ---------------------------------------------------- */

/* IEEE-754 totalOrder key, as Rust's f64::total_cmp. */
static inline int64_t total_key(double d)
{
	int64_t k;

	memcpy(&k, &d, sizeof(k));
	k ^= (int64_t)(((uint64_t)(k >> 63)) >> 1);
	return k;
}

size_t vy_pol_best_cost_index(const double *costs, size_t n)
{
	size_t best = 0, i;
	int64_t bk;

	if (n == 0)
		return 0;
	bk = total_key(costs[0]);
	for (i = 1; i < n; i++) {
		int64_t k = total_key(costs[i]);

		if (k < bk) {
			best = i;
			bk = k;
		}
	}
	return best;
}

uint32_t vy_pol_autotune_hit_capacity_multiplier(const struct vy_pol_launch_policy *p,
					     const uint32_t *candidates,
					     size_t ncandidates,
					     const double *costs, size_t ncosts)
{
	size_t n;

	if (ncandidates == 0 || ncosts == 0)
		return p->hit_capacity_multiplier;
	n = ncandidates < ncosts ? ncandidates : ncosts;
	return candidates[vy_pol_best_cost_index(costs, n)];
}

uint32_t vy_pol_autotune_workgroup_size(const uint32_t *candidates,
				    size_t ncandidates, const double *costs,
				    size_t ncosts, uint32_t current)
{
	size_t n;

	if (ncandidates == 0 || ncosts == 0)
		return current;
	n = ncandidates < ncosts ? ncandidates : ncosts;
	return candidates[vy_pol_best_cost_index(costs, n)];
}

size_t vy_pol_natural_gradient_step(const double *m_inv_sqrt, size_t mlen,
				const double *grad, size_t glen, uint32_t n,
				double learning_rate, double *out)
{
	size_t nn, r, c;

	if (n == 0)
		return 0;
	if ((size_t)n > SIZE_MAX / n)
		return 0;
	nn = (size_t)n * n;
	if (mlen < nn || glen < n)
		return 0;
	for (r = 0; r < n; r++) {
		double acc = 0.0;

		for (c = 0; c < n; c++)
			acc += m_inv_sqrt[r * n + c] * grad[c];
		out[r] = -learning_rate * acc;
	}
	return n;
}

void vy_pol_priority_diffuse(const double *stalks, size_t n,
			 const double *restriction, size_t nrestriction,
			 double damping, uint32_t iterations, double *out)
{
	size_t i;
	uint32_t it;

	if (out != stalks)
		memmove(out, stalks, n * sizeof(*out));
	if (nrestriction != n)
		return;
	for (it = 0; it < iterations; it++)
		for (i = 0; i < n; i++)
			out[i] = out[i] - damping * restriction[i] * out[i];
}

/* ---- requeue accounting ------------------------------------------ */

int vy_pol_priority_record_requeue(struct vy_pol_priority_accounting *a,
			       uint32_t age_ticks, struct vy_err *e)
{
	if (a->requeue_count == UINT64_MAX)
		return vy_errf(e, VY_E_PRIORITY_COUNTER_OVERFLOW,
			       "drain scheduler telemetry before counters reach 2^64-1",
			       "priority requeue_count is already 2^64-1");
	a->requeue_count++;
	if (age_ticks > a->max_priority_age)
		a->max_priority_age = age_ticks;
	return 0;
}

int vy_pol_priority_record_aged_promotion(struct vy_pol_priority_accounting *a,
				      uint32_t age_ticks, struct vy_err *e)
{
	if (a->aged_promotions == UINT64_MAX)
		return vy_errf(e, VY_E_PRIORITY_COUNTER_OVERFLOW,
			       "drain scheduler telemetry before counters reach 2^64-1",
			       "priority aged_promotions is already 2^64-1");
	a->aged_promotions++;
	if (age_ticks > a->max_priority_age)
		a->max_priority_age = age_ticks;
	return 0;
}
