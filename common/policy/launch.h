/* SPDX-License-Identifier: MIT */
/*
 * launch.h - the launch request a megakernel run makes of the launch
 * policy, and the geometry it then runs.  vyre-launch, vyre-recommend
 * --device and vyre-bench-launch all ask through here, so the geometry a
 * CI gate on vyre-recommend checks is the one vyre-launch launches.
 *
 * The policy keeps upstream's legacy rule (planner.h): the work-group
 * width is the worker count clamped to max_workgroup_size_x, and the grid
 * is min(ceil(queue_len / width), workers, 1024) work-groups.  A
 * persistent kernel wants wide work-groups, but only as many as can be
 * resident, so the request says:
 *
 *   max_workgroup_size_x    the lanes wanted per work-group:
 *                           min(64 = VY_SIZING_DEFAULT_WORKER_COUNT,
 *                           the device's and kernel's limit)
 *   requested_worker_groups max(resident work-groups, that width), so the
 *   and max_compute_work-   width is not cut down to the resident count
 *   groups_per_dimension
 *   max_compute_invoca-     the device's and kernel's limit
 *   tions_per_workgroup
 *   queue_len               resident work-groups x width: the
 *                           residency cap, since the grid never exceeds
 *                           ceil(queue_len / width).  A persistent kernel
 *                           keeps every lane claiming slots, so the ring
 *                           does not bound it (a 256-slot ring on an H200
 *                           ran 11.3 us round trips with 132 groups, 17.8
 *                           with 4); a once kernel makes one pass over the
 *                           ring, so there it is at most the ring's slots.
 *
 * Everything else is 0 (unknown before the run).
 */
#ifndef VY_POLICY_LAUNCH_H
#define VY_POLICY_LAUNCH_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"
#include "wire/err.h"

/* A device's limits, copied by the caller from what the device reports. */
struct vy_pol_device_limits {
	uint32_t max_workgroup_size_x;	/* lanes the kernel may have per
					   work-group; 0 counts as 1 */
	uint32_t max_invocations;	/* lanes per work-group in all
					   dimensions; 0 counts as 1 */
	uint32_t resident_worker_groups; /* co-resident work-groups; 0 = 1 */
};

/*
 * The request above for a @persistent (else once) kernel over a ring of
 * @ring_slots slots (0 counts as 1).
 */
void vy_pol_launch_request_for_device(const struct vy_pol_device_limits *lim,
				      uint32_t ring_slots, bool persistent,
				      struct vy_pol_launch_request *out);

/* The geometry a run launches. */
struct vy_pol_launch_geometry {
	uint32_t workgroups;		/* rec.geometry.dispatch_grid[0] */
	uint32_t workgroup_size;	/* rec.geometry.workgroup_size_x */
};

/*
 * Ask the standard launch policy with that request: @rec gets its whole
 * answer (vyre-recommend prints it), @out the work-groups and lanes to
 * launch.  Errors: those of vy_pol_recommend (none for a request built
 * here, whose limits are never 0).
 */
int vy_pol_launch_geometry_choose(const struct vy_pol_device_limits *lim,
				  uint32_t ring_slots, bool persistent,
				  struct vy_pol_launch_recommendation *rec,
				  struct vy_pol_launch_geometry *out,
				  struct vy_err *e);

#endif
