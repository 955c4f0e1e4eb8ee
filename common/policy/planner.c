/* SPDX-License-Identifier: MIT */
/*
 * planner.c - grid sizing (policy-telemetry.md §1.5).
 *
 * The saturating ceiling (a + (b - 1)) / b is kept on purpose: upstream
 * pads with saturating arithmetic, so a queue within one work-group of
 * UINT32_MAX pads to floor(UINT32_MAX / w) * w, below the queue length.
 */
#include "policy/planner.h"

static inline uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static inline uint32_t sat_mul(uint32_t a, uint32_t b)
{
	uint64_t p = (uint64_t)a * b;

	return p > UINT32_MAX ? UINT32_MAX : (uint32_t)p;
}

static inline uint32_t ceil_sat(uint32_t a, uint32_t b)
{
	return sat_add(a, b - 1) / b;
}

static inline uint32_t max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

struct vy_pol_sizing_policy vy_pol_sizing_standard(void)
{
	return (struct vy_pol_sizing_policy){
		.default_worker_count = VY_SIZING_DEFAULT_WORKER_COUNT,
		.occupancy_worker_divisor = VY_SIZING_OCCUPANCY_WORKER_DIVISOR,
		.max_dispatch_workgroups = VY_SIZING_MAX_DISPATCH_WORKGROUPS,
		.powerful_invocation_threshold = VY_SIZING_POWERFUL_INVOCATIONS,
		.powerful_min_worker_groups =
			VY_SIZING_POWERFUL_MIN_WORKER_GROUPS,
	};
}

uint32_t vy_pol_worker_workgroup_size(const struct vy_pol_sizing_policy *sp,
				  uint32_t worker_count, uint32_t max_x)
{
	uint32_t cap = max_u32(max_x, 1);

	(void)sp;
	if (worker_count == 0)
		return 1;
	return worker_count > cap ? cap : worker_count;
}

uint32_t vy_pol_padded_slot_count(const struct vy_pol_sizing_policy *sp,
			      uint32_t slots, uint32_t wgx)
{
	uint32_t w = max_u32(wgx, 1);

	(void)sp;
	return sat_mul(max_u32(ceil_sat(slots, w), 1), w);
}

void vy_pol_dispatch_grid_for(const struct vy_pol_sizing_policy *sp,
			  uint32_t worker_count, uint32_t queue_len,
			  uint32_t width, uint32_t grid[3])
{
	uint32_t w = max_u32(width, 1);
	uint32_t r = max_u32(worker_count, 1);
	uint32_t x = max_u32(ceil_sat(queue_len, w), 1);

	x = min_u32(min_u32(x, r), sp->max_dispatch_workgroups);
	grid[0] = x;
	grid[1] = 1;
	grid[2] = 1;
}

uint32_t vy_pol_default_worker_groups_from_limits(const struct vy_pol_sizing_policy *sp,
					      uint32_t max_groups,
					      uint32_t max_invocations)
{
	uint32_t div = max_u32(sp->occupancy_worker_divisor, 1);
	uint32_t occ = max_groups / div;
	uint32_t floor;

	if (occ < 1)
		occ = 1;
	if (occ > sp->max_dispatch_workgroups)
		occ = sp->max_dispatch_workgroups;
	floor = max_invocations >= sp->powerful_invocation_threshold ?
			sp->powerful_min_worker_groups : 1;
	return max_u32(occ, floor);
}

struct vy_pol_geometry vy_pol_geometry_from_slots(const struct vy_pol_sizing_policy *sp,
					  uint32_t slot_count,
					  uint32_t worker_count,
					  uint32_t max_x)
{
	struct vy_pol_geometry g;

	g.workgroup_size_x = vy_pol_worker_workgroup_size(sp, worker_count, max_x);
	g.slot_count = vy_pol_padded_slot_count(sp, slot_count,
					    g.workgroup_size_x);
	vy_pol_dispatch_grid_for(sp, worker_count, g.slot_count,
			     g.workgroup_size_x, g.dispatch_grid);
	return g;
}

int vy_pol_geometry_from_item_count(const struct vy_pol_sizing_policy *sp,
				uint64_t n, uint32_t worker_count,
				uint32_t max_x, struct vy_pol_geometry *out,
				struct vy_err *e)
{
	struct vy_pol_geometry g;

	if (n > UINT32_MAX)
		return vy_errf(e, VY_E_INVAL,
			       "split the work into launches of at most 4294967295 items",
			       "%llu items do not fit a u32 ring",
			       (unsigned long long)n);
	g = vy_pol_geometry_from_slots(sp, (uint32_t)n, worker_count, max_x);
	if (g.slot_count < n)
		return vy_errf(e, VY_E_INVAL,
			       "split the work into smaller launches",
			       "%llu items pad past the u32 ring (%u slots)",
			       (unsigned long long)n, g.slot_count);
	*out = g;
	return 0;
}

uint32_t vy_pol_geometry_covering_worker_groups(const struct vy_pol_geometry *g)
{
	return g->workgroup_size_x ? g->slot_count / g->workgroup_size_x : 0;
}

int vy_pol_grid_calculate(const struct vy_pol_sizing_policy *sp, uint32_t queue_len,
		      uint32_t requested_worker_groups,
		      const struct vy_pol_grid_limits *limits,
		      struct vy_pol_grid_plan *out, struct vy_err *e)
{
	uint32_t occupancy, workers;

	if (limits->max_workgroup_size_x == 0)
		return vy_errf(e, VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X,
			       "pass the adapter's max workgroup x size",
			       "max_workgroup_size_x is 0");
	if (limits->max_compute_workgroups_per_dimension == 0)
		return vy_errf(e, VY_E_GRID_ZERO_MAX_WORKGROUPS_PER_DIMENSION,
			       "pass the adapter's max workgroups per dimension",
			       "max_compute_workgroups_per_dimension is 0");
	if (limits->max_compute_invocations_per_workgroup == 0)
		return vy_errf(e, VY_E_GRID_ZERO_MAX_INVOCATIONS_PER_WORKGROUP,
			       "pass the adapter's max invocations per workgroup",
			       "max_compute_invocations_per_workgroup is 0");
	occupancy = min_u32(vy_pol_default_worker_groups_from_limits(
				    sp, limits->max_compute_workgroups_per_dimension,
				    limits->max_compute_invocations_per_workgroup),
			    limits->max_compute_workgroups_per_dimension);
	workers = requested_worker_groups == 0 ?
			  occupancy :
			  min_u32(requested_worker_groups,
				  limits->max_compute_workgroups_per_dimension);
	workers = max_u32(workers, 1);
	out->geometry = vy_pol_geometry_from_slots(sp, max_u32(queue_len, 1),
					       workers,
					       limits->max_workgroup_size_x);
	out->worker_groups = workers;
	return 0;
}
