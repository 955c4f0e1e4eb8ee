/* SPDX-License-Identifier: MIT */
/*
 * policy_knobs.c - the launch policy's thresholds by name (knobs.h).
 */
#include "policy/knobs.h"
#include "policy/field_priv.h"

#include <stddef.h>
#include <string.h>

#define K(name, bits) { #name, bits, offsetof(struct vy_pol_launch_policy, name) }
#define S(name) { "sizing." #name, 32, \
	offsetof(struct vy_pol_launch_policy, sizing) + \
	offsetof(struct vy_pol_sizing_policy, name) }

const struct vy_pol_knob vy_pol_knobs[VY_POLICY_KNOBS] = {
	K(min_hit_capacity, 32),
	K(hit_capacity_multiplier, 32),
	K(saturated_waves, 32),
	K(hot_opcode_threshold, 32),
	K(hot_window_threshold, 32),
	K(jit_queue_len_threshold, 32),
	K(priority_age_threshold, 32),
	K(sparse_frontier_threshold_bps, 16),
	K(dense_frontier_threshold_bps, 16),
	K(memory_pressure_threshold_bps, 16),
	K(fusion_edge_threshold, 32),
	K(scratch_bytes_per_hit, 32),
	S(default_worker_count),
	S(occupancy_worker_divisor),
	S(max_dispatch_workgroups),
	S(powerful_invocation_threshold),
	S(powerful_min_worker_groups),
};

int vy_pol_knob_index(const char *name)
{
	for (int i = 0; i < VY_POLICY_KNOBS; i++)
		if (!strcmp(vy_pol_knobs[i].name, name))
			return i;
	return -1;
}

uint32_t vy_pol_knob_get(const struct vy_pol_launch_policy *p, int idx)
{
	return (uint32_t)vy_pol_field_get(p, vy_pol_knobs[idx].offset,
					  vy_pol_knobs[idx].bits);
}

int vy_pol_knob_set(struct vy_pol_launch_policy *p, int idx, uint64_t v,
		    struct vy_err *e)
{
	const struct vy_pol_knob *k = &vy_pol_knobs[idx];

	return vy_pol_field_set(p, k->offset, k->bits, k->name, v, e);
}

int vy_pol_launch_policy_validate(const struct vy_pol_launch_policy *p,
				  struct vy_err *e)
{
	const uint16_t band[2] = { p->sparse_frontier_threshold_bps,
				   p->dense_frontier_threshold_bps };
	const char *name[2] = { "sparse_frontier_threshold_bps",
				"dense_frontier_threshold_bps" };

	if (p->memory_pressure_threshold_bps > 10000)
		return vy_errf(e, VY_E_MEMORY_THRESHOLD_ABOVE_10000,
			       "configure the memory threshold in basis points (0..10000)",
			       "memory_pressure_threshold_bps %u exceeds 10000",
			       p->memory_pressure_threshold_bps);
	for (int i = 0; i < 2; i++)
		if ((uint32_t)band[i] + VY_FRONTIER_HYSTERESIS_BPS > UINT16_MAX)
			return vy_errf(e, VY_E_HYSTERESIS_BOUND,
				       "lower the threshold below 65286 bps",
				       "%s %u + 250 bps hysteresis leaves u16",
				       name[i], band[i]);
	return 0;
}
