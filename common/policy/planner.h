/* SPDX-License-Identifier: MIT */
/*
 * planner.h - grid sizing for the persistent megakernel
 * (policy-telemetry.md §1.5).
 *
 * Pure functions of their arguments: no state, no allocation, never fail
 * except for the zero-limit checks of vy_pol_grid_calculate() and the size
 * checks of vy_pol_geometry_from_item_count().  All arithmetic is u32;
 * "saturating" below means clamped at UINT32_MAX, exactly as upstream.
 *
 * The deliberate legacy rule of upstream: the workgroup width equals the
 * worker-group count clamped to the adapter's max x size, and the ring
 * is padded up to a multiple of that width.
 */
#ifndef VY_PLANNER_H
#define VY_PLANNER_H

#include <stdint.h>

#include "wire/err.h"

/* SchedulingPolicy::standard() constants used by megakernel sizing. */
#define VY_SIZING_DEFAULT_WORKER_COUNT		64
#define VY_SIZING_OCCUPANCY_WORKER_DIVISOR	256
#define VY_SIZING_MAX_DISPATCH_WORKGROUPS	1024
#define VY_SIZING_POWERFUL_INVOCATIONS		4096
#define VY_SIZING_POWERFUL_MIN_WORKER_GROUPS	64

/*
 * Sizing policy (MegakernelSizingPolicy).  Plain data; part of the launch
 * policy and therefore of the recommendation cache key.
 */
struct vy_pol_sizing_policy {
	uint32_t default_worker_count;		/* 64 */
	uint32_t occupancy_worker_divisor;	/* 256 */
	uint32_t max_dispatch_workgroups;	/* 1024 */
	uint32_t powerful_invocation_threshold;	/* 4096 */
	uint32_t powerful_min_worker_groups;	/* 64 */
};

/* The standard sizing policy (the constants above). */
struct vy_pol_sizing_policy vy_pol_sizing_standard(void);

/* Padded ring geometry of one launch. */
struct vy_pol_geometry {
	uint32_t workgroup_size_x;	/* lanes per work-group */
	uint32_t slot_count;		/* ring slots, a multiple of the width */
	uint32_t dispatch_grid[3];	/* work-groups per dimension; [x,1,1] */
};

/* Adapter limits; every one must be non-zero for vy_pol_grid_calculate(). */
struct vy_pol_grid_limits {
	uint32_t max_workgroup_size_x;
	uint32_t max_compute_workgroups_per_dimension;
	uint32_t max_compute_invocations_per_workgroup;
};

/* What the grid planner chose. */
struct vy_pol_grid_plan {
	struct vy_pol_geometry geometry;
	uint32_t worker_groups;	/* before the 1024 grid cap */
};

/*
 * clamp(worker_count, 1, max(max_x, 1)); worker_count 0 gives 1.
 */
uint32_t vy_pol_worker_workgroup_size(const struct vy_pol_sizing_policy *sp,
				  uint32_t worker_count, uint32_t max_x);

/*
 * max(ceil_sat(slots / w), 1) * w (saturating), w = max(wgx, 1).  Always
 * at least one work-group; may come out below @slots when it saturates,
 * e.g. (UINT32_MAX, 64) gives 4294967232.
 */
uint32_t vy_pol_padded_slot_count(const struct vy_pol_sizing_policy *sp,
			      uint32_t slots, uint32_t wgx);

/*
 * Work-groups along x: min(max(ceil_sat(queue_len / w), 1), max(workers, 1),
 * 1024) with w = max(width, 1).  @grid receives [x, 1, 1].
 */
void vy_pol_dispatch_grid_for(const struct vy_pol_sizing_policy *sp,
			  uint32_t worker_count, uint32_t queue_len,
			  uint32_t width, uint32_t grid[3]);

/*
 * Worker groups an adapter can occupy when the caller asks for none:
 * max(clamp(max_groups / 256, 1, 1024), max_inv >= 4096 ? 64 : 1).  Not
 * clamped to @max_groups here (vy_pol_grid_calculate() does that).
 */
uint32_t vy_pol_default_worker_groups_from_limits(const struct vy_pol_sizing_policy *sp,
					      uint32_t max_groups,
					      uint32_t max_invocations);

/*
 * The geometry-from-slots step (MegakernelLaunchGeometry::from_slots):
 * width = vy_pol_worker_workgroup_size(worker_count, max_x), slots padded to
 * the width, grid = vy_pol_dispatch_grid_for(worker_count, padded, width).
 */
struct vy_pol_geometry vy_pol_geometry_from_slots(const struct vy_pol_sizing_policy *sp,
					  uint32_t slot_count,
					  uint32_t worker_count,
					  uint32_t max_x);

/*
 * from_item_count: like vy_pol_geometry_from_slots() for @n items, but fails
 * with VY_E_INVAL when @n does not fit u32 or when padding saturated below
 * @n (the ring could not hold every item).
 */
int vy_pol_geometry_from_item_count(const struct vy_pol_sizing_policy *sp,
				uint64_t n, uint32_t worker_count,
				uint32_t max_x, struct vy_pol_geometry *out,
				struct vy_err *e);

/* slot_count / workgroup_size_x (floor); 0 for a zero width. */
uint32_t vy_pol_geometry_covering_worker_groups(const struct vy_pol_geometry *g);

/*
 * calculate_optimal_grid: validate the limits (max x, then max groups per
 * dimension, then max invocations; a zero gives
 * VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X, ..._WORKGROUPS_PER_DIMENSION,
 * ..._INVOCATIONS_PER_WORKGROUP), derive the worker-group count
 * (@requested_worker_groups 0 = from adapter occupancy, otherwise
 * min(requested, max groups); at least 1), and build the geometry from
 * max(queue_len, 1) slots.  @out is written only on success.
 */
int vy_pol_grid_calculate(const struct vy_pol_sizing_policy *sp, uint32_t queue_len,
		      uint32_t requested_worker_groups,
		      const struct vy_pol_grid_limits *limits,
		      struct vy_pol_grid_plan *out, struct vy_err *e);

#endif
