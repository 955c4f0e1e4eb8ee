/* SPDX-License-Identifier: MIT */
/*
 * launch_seed.h - the seed's run report (MegakernelReport and its
 * MegakernelTelemetry, policy-telemetry.md §3.4-§3.5) for vyre-launch:
 * queue dedupe, the launch plan made before publication (with the
 * device-memory budget), and the report members under their seed names
 * beside this runtime's own measurements.
 */
#ifndef VY_REPORT_LAUNCH_SEED_H
#define VY_REPORT_LAUNCH_SEED_H

#include <stdint.h>

#include <jansson.h>

#include "device/megakernel.h"
#include "policy/policy.h"
#include "report/launch.h"
#include "wire/err.h"

/* What vyre-launch knows before it publishes anything. */
struct vy_rep_launch_seed {
	uint64_t initial_items;		/* work items before dedupe */
	uint64_t deduped_items;		/* removed by --dedupe */
	uint64_t queue_plan_ns;		/* dedupe + geometry + plan (host) */
	uint64_t budget_bytes;		/* --device-memory-budget; 0 = none */
	uint64_t abi_bytes[4];		/* control, ring, debug log, IO queue */
	uint64_t resident_bytes;	/* every device buffer of the session */
	uint32_t resident_allocations;	/* device buffers made before dispatch */
	struct vy_pol_launch_recommendation rec;	/* the plan */
};

/* Work items of @w (fences do not count), handed out or not. */
uint64_t vy_rep_work_count(const struct vy_rep_work *w);

/*
 * --dedupe: drop from the work file of @w every item identical in all 16
 * words to an earlier one (fences stay), keeping the first in place.
 * @removed gets the count.  O(n) time, n extra words.  Errors:
 * VY_E_INVAL for synthetic work (nothing to dedupe: generated items
 * are all alike by construction), VY_E_NOMEM.
 */
int vy_rep_work_dedupe(struct vy_rep_work *w, uint64_t *removed,
		       struct vy_err *e);

/*
 * The launch plan before publication: the launch policy's recommendation
 * for @s->initial_items - @s->deduped_items items on the open session
 * @mk (limits @lim) holding its buffers resident, under @s->budget_bytes.
 * Fills the rest of @s.  Errors: those of vy_pol_recommend, notably
 * VY_E_DEVICE_OUT_OF_MEMORY when the plan's peak (the recommendation's,
 * or the seed's dispatch peak: that plus twice the ABI input bytes)
 * exceeds the budget: nothing has been dispatched then.
 */
int vy_rep_launch_seed_plan(struct vy_mk *mk, const struct vy_dev_limits *lim,
			    struct vy_rep_launch_seed *s, struct vy_err *e);

/*
 * Add the seed's report members to the vyre-launch report @doc of @rp:
 * items_processed/items_remaining with dedupe accounted as upstream,
 * wall_time (seconds), queue_plan_ns (host shaping only), lineage_ns,
 * deduped_items, lineage_items, region_lineage, the 17-member telemetry
 * object and a "runtime" object with this runtime's own measurements
 * (real transfer bytes, commands, blocking waits, set-up time, program
 * cache).  vyre-launch(1) documents each member.
 */
void vy_rep_launch_seed_json(json_t *doc, const struct vy_rep_launch *rp,
			     const struct vy_rep_launch_seed *s);

#endif
