/* SPDX-License-Identifier: MIT */
/*
 * feedback.h - launch requests filled from decoded telemetry: seed 000's
 * recommend_launch (policy-telemetry.md §2.8).
 *
 * The feedback record is caller-owned plain data.  Only
 * vy_pol_launch_feedback_load() touches the outside world: it reads a
 * snapshot file and allocates (and frees) the decoded buffers while it
 * runs.  Nothing here prints or exits.
 */
#ifndef VY_POLICY_FEEDBACK_H
#define VY_POLICY_FEEDBACK_H

#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/policy.h"

/*
 * What recommend_launch needs from a decoded ring snapshot.  Fill it from
 * the runtime counters and decoded windows (telemetry.h) or by hand:
 * vy_pol_launch_feedback_set_counts() for the occupancy-derived numbers and
 * vy_pol_launch_feedback_add_window() once per decoded window.
 */
struct vy_pol_launch_feedback {
	uint32_t total_slots;		/* runtime counters total_slots */
	uint32_t queue_depth;		/* runtime counters queue_depth */
	uint16_t frontier_density_bps;	/* runtime counters density */
	uint32_t hot_opcode_count;	/* control metrics with count > 0 */
	uint32_t hot_window_count;	/* windows with required+lookahead >= 4 */
	uint32_t requeue_slots;		/* occupancy.requeue */
};

/* A window is hot for recommend_launch at this many demanded slots. */
#define VY_FEEDBACK_HOT_WINDOW_SLOTS 4

/*
 * Set total_slots, queue_depth and requeue_slots, and the frontier
 * density as the runtime counters define it: min(queue_depth * 10000 /
 * total_slots, 65535), 0 for no slots.
 */
void vy_pol_launch_feedback_set_counts(struct vy_pol_launch_feedback *f,
				   uint32_t total_slots, uint32_t queue_depth,
				   uint32_t requeue_slots);

/*
 * Count one decoded window: hot when required + lookahead >= 4.  The sum
 * is checked: VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW when it overflows u32.
 */
int vy_pol_launch_feedback_add_window(struct vy_pol_launch_feedback *f,
				  uint32_t required_slots,
				  uint32_t lookahead_slots, struct vy_err *e);

/*
 * Steps 1-6 of recommend_launch: fill the zero graph_node_count,
 * graph_edge_count and frontier_density_bps of @r from @f, overwrite the
 * hot opcode and window counts, add the requeue slots to requeue_count
 * (VY_E_REQUEUE_COUNT_OVERFLOW past u64).
 */
int vy_pol_launch_request_fill_from_feedback(struct vy_pol_launch_request *r,
					 const struct vy_pol_launch_feedback *f,
					 struct vy_err *e);

struct vy_tel;
struct vy_dump_geometry;

/*
 * Feedback from a decoded snapshot (telemetry.h): the runtime counters'
 * total slots, queue depth and density, the requeued slots, the non-zero
 * opcode metrics and every decoded route window.  Errors:
 * VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW.
 */
int vy_pol_launch_feedback_from_telemetry(struct vy_pol_launch_feedback *f,
				      const struct vy_tel *t,
				      struct vy_err *e);

/*
 * Feedback from the last snapshot of the VYRD file @path ("-" = stdin)
 * that holds both a control and a ring buffer, with route windows for
 * the @n opcodes in @windows.  @geo (may be NULL) receives that
 * snapshot's recorded geometry.  Errors: those of dump.h (VY_E_IO,
 * VY_E_FORMAT, ...), of the decode, VY_E_FORMAT for a file that is not a
 * VYRD stream or has no such snapshot, VY_E_NOMEM.
 */
int vy_pol_launch_feedback_load(const char *path, const uint32_t *windows,
			    size_t n, struct vy_pol_launch_feedback *f,
			    struct vy_dump_geometry *geo, struct vy_err *e);

/*
 * recommend_launch: fill a copy of @r from @f (the result in @filled when
 * not NULL), then vy_pol_recommend() under the standard policy through
 * @cache (may be NULL), keyed on the filled request.
 */
int vy_pol_recommend_from_feedback(const struct vy_pol_launch_feedback *f,
				      const struct vy_pol_launch_request *r,
				      struct vy_pol_launch_cache *cache,
				      struct vy_pol_launch_request *filled,
				      struct vy_pol_launch_recommendation *out,
				      struct vy_err *e);

#endif
