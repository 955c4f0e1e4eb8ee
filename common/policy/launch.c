/* SPDX-License-Identifier: MIT */
/*
 * launch.c - the request a megakernel launch makes (launch.h says why
 * each field is what it is).
 */
#include "policy/launch.h"
#include "policy/planner.h"

#include <string.h>

static uint32_t at_least_1(uint32_t v)
{
	return v ? v : 1;
}

void vy_pol_launch_request_for_device(const struct vy_pol_device_limits *lim,
				      uint32_t ring_slots, bool persistent,
				      struct vy_pol_launch_request *out)
{
	uint32_t maxx = at_least_1(lim->max_workgroup_size_x);
	uint32_t resident = at_least_1(lim->resident_worker_groups);
	uint32_t width = VY_SIZING_DEFAULT_WORKER_COUNT < maxx ?
				 VY_SIZING_DEFAULT_WORKER_COUNT : maxx;
	uint32_t workers = resident > width ? resident : width;
	uint64_t lanes = (uint64_t)resident * width;

	memset(out, 0, sizeof(*out));
	if (lanes > UINT32_MAX)
		lanes = UINT32_MAX;
	if (!persistent && at_least_1(ring_slots) < lanes)
		lanes = at_least_1(ring_slots);
	out->queue_len = (uint32_t)lanes;
	out->requested_worker_groups = workers;
	out->max_workgroup_size_x = width;
	out->max_compute_workgroups_per_dimension = workers;
	out->max_compute_invocations_per_workgroup =
		at_least_1(lim->max_invocations);
}

int vy_pol_launch_geometry_choose(const struct vy_pol_device_limits *lim,
				  uint32_t ring_slots, bool persistent,
				  struct vy_pol_launch_recommendation *rec,
				  struct vy_pol_launch_geometry *out,
				  struct vy_err *e)
{
	struct vy_pol_launch_policy pol = vy_pol_launch_policy_standard();
	struct vy_pol_launch_request req;
	int err;

	vy_pol_launch_request_for_device(lim, ring_slots, persistent, &req);
	err = vy_pol_recommend(&pol, &req, NULL, rec, e);
	if (err)
		return err;
	out->workgroups = rec->geometry.dispatch_grid[0];
	out->workgroup_size = rec->geometry.workgroup_size_x;
	return 0;
}
