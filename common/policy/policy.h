/* SPDX-License-Identifier: MIT */
/*
 * policy.h - launch request -> launch recommendation
 * (policy-telemetry.md §1, seeds 002 and 004, seed 000 recommend_launch).
 *
 * The pipeline of vy_pol_recommend(), in order: cache probe (only
 * without a previous topology), inference of missing scale signals, hot
 * promotions, raw topology, hysteresis against the previous topology,
 * worker shedding, grid planning (planner.h), queue pressure, hit
 * capacity, peak device bytes and the budget check, execution mode and
 * priority aging, cache insert.  Errors, in precedence order: a zero grid
 * limit, hit-capacity overflow, peak-bytes overflow, device out of memory.
 *
 * Every function here is pure except for the cache it is given (cache.h):
 * none allocates, prints or exits, and all work on caller-owned structs.
 * Integer widths follow upstream: u16 for the *_bps fields, u32 for
 * counts, u64 for bytes and requeue totals; every division floors.
 *
 * The rest of the policy wing has a header per contract: cache.h (the
 * recommendation cache), feedback.h (requests filled from telemetry),
 * tune.h (autotune and priority accounting), seed.h (the seeds' launch
 * configuration and dispatch counters), check.h (CI gate expressions).
 */
#ifndef VY_POLICY_H
#define VY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/planner.h"

struct vy_pol_launch_cache;	/* cache.h */

/* ---- enumerations ------------------------------------------------ */

enum vy_pol_pressure {
	VY_PRESSURE_EMPTY,	/* nothing queued */
	VY_PRESSURE_LIGHT,	/* fewer items than lanes */
	VY_PRESSURE_BALANCED,	/* at least one item per lane */
	VY_PRESSURE_SATURATED,	/* >= 4 waves, or requeues seen */
};

enum vy_pol_exec_mode {
	VY_MODE_INTERPRETER,
	VY_MODE_JIT,
};

enum vy_pol_topology {
	VY_TOPO_EMPTY,
	VY_TOPO_SPARSE_FRONTIER,
	VY_TOPO_HYBRID_FRONTIER,
	VY_TOPO_DENSE_FRONTIER,
	VY_TOPO_FUSED_DENSE,
	VY_TOPO_MEMORY_CONSTRAINED,
};

#define VY_TOPO_COUNT 6

/*
 * Names: snake_case for machine output ("sparse_frontier", "saturated",
 * "jit"), CamelCase as upstream and the vectors spell them
 * ("SparseFrontier").  Out-of-range values give "?".
 */
const char *vy_pol_pressure_name(enum vy_pol_pressure p);
const char *vy_pol_pressure_camel(enum vy_pol_pressure p);
const char *vy_pol_exec_mode_name(enum vy_pol_exec_mode m);
const char *vy_pol_exec_mode_camel(enum vy_pol_exec_mode m);
const char *vy_pol_topology_name(enum vy_pol_topology t);
const char *vy_pol_topology_camel(enum vy_pol_topology t);

/* Parse either spelling (also "sparse-frontier").  0 or VY_E_INVAL. */
int vy_pol_pressure_parse(const char *s, enum vy_pol_pressure *out);
int vy_pol_exec_mode_parse(const char *s, enum vy_pol_exec_mode *out);
int vy_pol_topology_parse(const char *s, enum vy_pol_topology *out);

/* ---- request ----------------------------------------------------- */

/* MegakernelLaunchRequest: 17 plain fields (§1.2). */
struct vy_pol_launch_request {
	uint32_t queue_len;			/* items / ring slots queued */
	uint32_t requested_worker_groups;	/* 0 = from adapter occupancy */
	uint32_t max_workgroup_size_x;		/* adapter limit */
	uint32_t max_compute_workgroups_per_dimension; /* adapter limit */
	uint32_t max_compute_invocations_per_workgroup; /* adapter limit */
	uint32_t requested_hit_capacity;	/* 0 = derive */
	uint32_t expected_hits_per_item;	/* 0 counts as 1 */
	uint32_t hot_opcode_count;
	uint32_t hot_window_count;
	uint64_t requeue_count;			/* since the last recommendation */
	uint32_t max_priority_age;
	uint32_t graph_node_count;		/* 0 = unknown */
	uint32_t graph_edge_count;		/* 0 = unknown */
	uint16_t frontier_density_bps;		/* 0 = unknown (inferred) */
	uint16_t memory_pressure_bps;		/* 0 = unknown (inferred) */
	uint64_t resident_device_bytes;
	uint64_t device_memory_budget_bytes;	/* 0 = unbounded */
};

/*
 * MegakernelLaunchRequest::direct: queue_len, requested_worker_groups =
 * @workers, max_workgroup_size_x = @max_x, and (as upstream) the adapter
 * limits max_compute_workgroups_per_dimension = @workers and
 * max_compute_invocations_per_workgroup = @max_x; expected_hits_per_item
 * 1; everything else 0.  So direct(q, 0, x) and direct(q, w, 0) always
 * fail with a zero-limit error.
 */
struct vy_pol_launch_request vy_pol_launch_request_direct(uint32_t queue_len,
						  uint32_t workers,
						  uint32_t max_x);

/* Field-by-name access, for parsers and printers of requests. */
#define VY_REQUEST_FIELDS 17

struct vy_pol_request_field {
	const char *name;	/* "queue_len", ... (upstream field names) */
	unsigned bits;		/* 16, 32 or 64 */
	size_t offset;		/* offsetof(struct vy_pol_launch_request, ...) */
	int is_size;		/* a byte count (accepts 64K, 2G on the CLI) */
	const char *help;	/* one line: what it means, what 0 means */
};

/* The 17 fields in upstream order. */
extern const struct vy_pol_request_field vy_request_fields[VY_REQUEST_FIELDS];

/* Index of the field called @name (exact match), or -1. */
int vy_pol_request_field_index(const char *name);
uint64_t vy_pol_request_get(const struct vy_pol_launch_request *r, int idx);
/* Set field @idx; VY_E_INVAL (message names the field) when @v is too big. */
int vy_pol_request_set(struct vy_pol_launch_request *r, int idx, uint64_t v,
		   struct vy_err *e);

/* ---- policy ------------------------------------------------------ */

#define VY_FRONTIER_HYSTERESIS_BPS 250
#define VY_MEMORY_HYSTERESIS_BPS 250

/* MegakernelLaunchPolicy (§1.4).  Plain data, part of the cache key. */
struct vy_pol_launch_policy {
	struct vy_pol_sizing_policy sizing;
	uint32_t min_hit_capacity;		/* 1024 */
	uint32_t hit_capacity_multiplier;	/* 2 */
	uint32_t saturated_waves;		/* 4 */
	uint32_t hot_opcode_threshold;		/* 8 */
	uint32_t hot_window_threshold;		/* 4 */
	uint32_t jit_queue_len_threshold;	/* 4096 */
	uint32_t priority_age_threshold;	/* 32 */
	uint16_t sparse_frontier_threshold_bps;	/* 500 */
	uint16_t dense_frontier_threshold_bps;	/* 4000 */
	uint16_t memory_pressure_threshold_bps;	/* 8500 */
	uint32_t fusion_edge_threshold;		/* 65536 */
	uint32_t scratch_bytes_per_hit;		/* 16 */
};

/* MegakernelLaunchPolicy::standard() (also the default). */
struct vy_pol_launch_policy vy_pol_launch_policy_standard(void);

/* ---- recommendation ---------------------------------------------- */

/* MegakernelLaunchRecommendation (§1.3). */
struct vy_pol_launch_recommendation {
	struct vy_pol_geometry geometry;	/* padded ring geometry */
	uint32_t worker_groups;		/* chosen by the grid planner */
	uint32_t hit_capacity;		/* sparse-hit capacity */
	enum vy_pol_pressure pressure;
	enum vy_pol_exec_mode execution_mode;
	enum vy_pol_topology topology;	/* after hysteresis */
	bool promote_hot_opcodes;	/* hot_opcode_count >= threshold */
	bool promote_hot_windows;	/* hot_window_count >= threshold */
	bool age_priority_work;		/* requeues, or age >= threshold */
	uint64_t estimated_peak_device_bytes;	/* resident + hits * 16 */
	uint64_t device_memory_budget_bytes;	/* 0 = unbounded */
};

/* ---- recommending ------------------------------------------------ */

/*
 * Recommend a launch for @r under @p.  @cache may be NULL (no caching);
 * pass vy_pol_launch_cache_thread() (cache.h) for upstream's behaviour.  Returns 0 and
 * fills @out, or a negative code:
 *   VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X / _WORKGROUPS_PER_DIMENSION /
 *   _INVOCATIONS_PER_WORKGROUP   a zero adapter limit
 *   VY_E_MEMORY_THRESHOLD_ABOVE_10000, VY_E_HYSTERESIS_BOUND  bad policy
 *   VY_E_HIT_CAPACITY_OVERFLOW   queue_len * hits * multiplier > u32
 *   VY_E_SCRATCH_BYTES_OVERFLOW, VY_E_PEAK_BYTES_OVERFLOW     u64 overflow
 *   VY_E_DEVICE_OUT_OF_MEMORY    budget != 0 and peak > budget; then, and
 *       only then, @out->estimated_peak_device_bytes holds the requested
 *       bytes and @out->device_memory_budget_bytes the available bytes
 *       (the other members are unspecified).
 * A failing call counts its cache miss and inserts nothing.
 */
int vy_pol_recommend(const struct vy_pol_launch_policy *p,
			const struct vy_pol_launch_request *r,
			struct vy_pol_launch_cache *cache,
			struct vy_pol_launch_recommendation *out,
			struct vy_err *e);

/*
 * The same with hysteresis against @previous (a 250 bps band around the
 * frontier and memory thresholds).  Never touches any cache.
 */
int vy_pol_recommend_with_previous(const struct vy_pol_launch_policy *p,
				      const struct vy_pol_launch_request *r,
				      enum vy_pol_topology previous,
				      struct vy_pol_launch_recommendation *out,
				      struct vy_err *e);

/* Why the raw topology was chosen (§1.8 rows). */
enum vy_pol_topo_rule {
	VY_TOPO_RULE_EMPTY_QUEUE,	/* queue_len == 0 */
	VY_TOPO_RULE_MEMORY,		/* pressure >= threshold */
	VY_TOPO_RULE_SPARSE,		/* density <= sparse threshold */
	VY_TOPO_RULE_FUSED,		/* dense, large graph, hot promotion */
	VY_TOPO_RULE_DENSE,		/* density >= dense threshold */
	VY_TOPO_RULE_HYBRID,		/* in between */
};

/* What hysteresis did (§1.9). */
enum vy_pol_hyst_rule {
	VY_HYST_NO_PREVIOUS,		/* no previous topology: raw */
	VY_HYST_RAW_FIXED,		/* raw Empty / MemoryConstrained win */
	VY_HYST_HOLD_MEMORY,		/* previous MC, pressure >= thr-250 */
	VY_HYST_HOLD_SPARSE,		/* previous Sparse, fd <= sparse+250 */
	VY_HYST_HOLD_HYBRID_LOW,	/* previous Hybrid, raw Sparse, fd >= sparse-250 */
	VY_HYST_HOLD_HYBRID_HIGH,	/* previous Hybrid, raw Dense/Fused, fd <= dense+250 */
	VY_HYST_HOLD_DENSE,		/* previous Dense, raw Hybrid, fd >= dense-250 */
	VY_HYST_HOLD_FUSED,		/* previous Fused, raw Hybrid, fd >= dense-250, edges, hot */
	VY_HYST_RELEASED,		/* a previous topology, no band held: raw */
};

enum vy_pol_shed_rule {
	VY_SHED_NONE,
	VY_SHED_MEMORY,		/* memory-constrained shedding */
	VY_SHED_SPARSE,		/* sparse-frontier scaling */
};

enum vy_pol_pressure_rule {
	VY_PRESSURE_RULE_EMPTY,		/* queue_len == 0 */
	VY_PRESSURE_RULE_REQUEUE,	/* requeue_count > 0 */
	VY_PRESSURE_RULE_WAVES,		/* queue_len >= lanes * waves */
	VY_PRESSURE_RULE_LANES,		/* queue_len >= lanes */
	VY_PRESSURE_RULE_BELOW_LANES,	/* queue_len < lanes */
};

/* Reasons for Jit (bit mask); 0 = Interpreter. */
#define VY_JIT_QUEUE_LEN	0x1u
#define VY_JIT_HOT_OPCODES	0x2u
#define VY_JIT_HOT_WINDOWS	0x4u
#define VY_JIT_FUSED		0x8u

/*
 * Every decision of one recommendation with the numbers behind it, for
 * --explain.  Filled as far as the pipeline got (@stage counts the steps
 * that completed: 1 inference .. 6 budget check passed).
 */
struct vy_pol_launch_trace {
	int stage;
	struct vy_pol_launch_request request;	/* as given */
	struct vy_pol_launch_request effective;	/* after inference */
	bool inferred_frontier_density;
	bool inferred_memory_pressure;
	bool has_previous;
	enum vy_pol_topology previous;
	enum vy_pol_topology raw_topology;
	enum vy_pol_topo_rule topo_rule;
	enum vy_pol_hyst_rule hyst_rule;
	enum vy_pol_topology topology;
	uint32_t hyst_bound_bps;		/* the band edge that was tested */
	enum vy_pol_shed_rule shed_rule;
	uint32_t workers_before_shed;
	uint32_t workers_after_shed;
	uint32_t shed_bps;			/* memory: share of workers shed */
	uint32_t shed_density_bps;		/* sparse: clamped density */
	struct vy_pol_grid_plan grid;
	bool workers_from_occupancy;		/* requested 0: adapter derived */
	uint64_t lanes;				/* grid x * width */
	enum vy_pol_pressure_rule pressure_rule;
	bool hit_capacity_explicit;
	uint32_t hit_multiplier;		/* 1 under memory pressure */
	uint64_t hit_derived;			/* queue * hits * multiplier */
	uint64_t scratch_bytes;
	uint64_t peak_bytes;
	unsigned jit_reasons;			/* VY_JIT_* */
};

/*
 * The uncached pipeline with an optional previous topology (@previous
 * NULL = none) that also fills @trace (may be NULL).  Same results and
 * errors as vy_pol_recommend_with_previous() / vy_pol_recommend().
 */
int vy_pol_recommend_traced(const struct vy_pol_launch_policy *p,
			       const struct vy_pol_launch_request *r,
			       const enum vy_pol_topology *previous,
			       struct vy_pol_launch_trace *trace,
			       struct vy_pol_launch_recommendation *out,
			       struct vy_err *e);

#endif
