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
 * Every function is pure except for the cache it is given.  Nothing here
 * allocates, prints or exits.  Integer widths follow upstream: u16 for the
 * *_bps fields, u32 for counts, u64 for bytes and requeue totals; every
 * division floors.
 */
#ifndef VY_POLICY_H
#define VY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/err.h"
#include "policy/planner.h"

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
bool vy_pol_request_equal(const struct vy_pol_launch_request *a,
		      const struct vy_pol_launch_request *b);

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
bool vy_pol_launch_policy_equal(const struct vy_pol_launch_policy *a,
			    const struct vy_pol_launch_policy *b);

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

bool vy_pol_recommendation_equal(const struct vy_pol_launch_recommendation *a,
			     const struct vy_pol_launch_recommendation *b);

/* ---- recommendation cache (§1.15) -------------------------------- */

#define VY_LAUNCH_CACHE_CAPACITY 128
#define VY_LAUNCH_CACHE_BUCKETS 256	/* power of two, > capacity */

struct vy_pol_launch_cache_stats {
	size_t entries;
	uint64_t hits;
	uint64_t misses;
};

/*
 * 128-entry LRU of (policy, raw request) -> recommendation.  Treat the
 * members as private.  A zero-filled struct is not valid: call
 * vy_pol_launch_cache_init().  Not thread safe: use one per thread (see
 * vy_pol_launch_cache_thread()) or lock around it.
 */
struct vy_pol_launch_cache_entry {
	struct vy_pol_launch_policy policy;
	struct vy_pol_launch_request request;
	struct vy_pol_launch_recommendation rec;
	uint64_t last_seen;
	uint32_t hash;
	int16_t next;		/* bucket chain, -1 = end */
	int16_t used;
	int16_t older, newer;	/* recency list, -1 = end */
};

struct vy_pol_launch_cache {
	uint64_t clock, hits, misses;
	size_t entries;
	int16_t oldest, newest;	/* recency list ends, -1 = empty */
	int16_t bucket[VY_LAUNCH_CACHE_BUCKETS];
	struct vy_pol_launch_cache_entry e[VY_LAUNCH_CACHE_CAPACITY + 1];
};

/* Empty the cache and zero its clock and counters (also to initialise). */
void vy_pol_launch_cache_init(struct vy_pol_launch_cache *c);
/* This thread's cache (upstream's thread_local), initialised on first use. */
struct vy_pol_launch_cache *vy_pol_launch_cache_thread(void);
struct vy_pol_launch_cache_stats vy_pol_launch_cache_stats(const struct vy_pol_launch_cache *c);

/*
 * get: a hit refreshes recency and counts a hit; a miss counts a miss.
 * insert: stores or overwrites; past 128 entries the least recently used
 * other entry is evicted.  Counters saturate (0.7.2).  The policy path
 * calls these itself; they are public for tests and benchmarks.
 */
bool vy_pol_launch_cache_get(struct vy_pol_launch_cache *c,
			 const struct vy_pol_launch_policy *p,
			 const struct vy_pol_launch_request *r,
			 struct vy_pol_launch_recommendation *out);
void vy_pol_launch_cache_insert(struct vy_pol_launch_cache *c,
			    const struct vy_pol_launch_policy *p,
			    const struct vy_pol_launch_request *r,
			    const struct vy_pol_launch_recommendation *rec);

/* ---- recommending ------------------------------------------------ */

/*
 * Recommend a launch for @r under @p.  @cache may be NULL (no caching);
 * pass vy_pol_launch_cache_thread() for upstream's behaviour.  Returns 0 and
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

/* ---- telemetry-driven recommendation (seed 000 recommend_launch) -- */

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
 * VYRD stream or has no such snapshot.
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

/* ---- launch configuration (planner/config.rs) -------------------- */

/* MegakernelWorkloadHints: graph, memory and hot-work hints of a config. */
struct vy_pol_mk_workload_hints {
	uint32_t hot_opcode_count;
	uint32_t hot_window_count;
	uint32_t graph_node_count;
	uint32_t graph_edge_count;
	uint16_t frontier_density_bps;
	uint16_t memory_pressure_bps;
	uint64_t resident_device_bytes;
	uint64_t device_memory_budget_bytes;
};

/* MegakernelConfig. */
struct vy_pol_mk_config {
	uint32_t worker_count;			/* default 64 */
	uint64_t max_wall_time_ns;		/* default 60 s */
	uint32_t expected_items_per_worker;	/* default 0 */
	struct vy_pol_mk_workload_hints workload;	/* default all 0 */
};

/* The defaults above. */
struct vy_pol_mk_config vy_pol_mk_config_default(void);

/* VY_E_INVAL for worker_count 0 or a zero wall time. */
int vy_pol_mk_config_validate(const struct vy_pol_mk_config *c, struct vy_err *e);

/* dispatch_grid_for(worker_count, queue_len, max_x). */
void vy_pol_mk_config_dispatch_grid(const struct vy_pol_mk_config *c,
				uint32_t queue_len, uint32_t max_x,
				uint32_t grid[3]);

/*
 * The full request of a config: requested_worker_groups = worker_count,
 * the three limits as given, expected_hits_per_item =
 * expected_items_per_worker when above 1 (else 1), the workload hints;
 * hit capacity, requeue count and priority age 0.
 */
struct vy_pol_launch_request vy_pol_mk_config_launch_request(const struct vy_pol_mk_config *c,
						     uint32_t queue_len,
						     uint32_t max_x,
						     uint32_t max_groups,
						     uint32_t max_invocations);

/* ---- autotune, natural gradient, diffusion, accounting ----------- */

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

/* ---- backend caps, work item, dispatch telemetry, report (seed 004) */

/* MegakernelCaps. */
struct vy_pol_mk_caps {
	bool supported;
	uint32_t max_worker_count;
};

static inline struct vy_pol_mk_caps vy_pol_mk_caps_unsupported(void)
{
	return (struct vy_pol_mk_caps){ false, 0 };
}

static inline struct vy_pol_mk_caps vy_pol_mk_caps_supported(uint32_t n)
{
	return (struct vy_pol_mk_caps){ true, n };
}

/*
 * MegakernelWorkItem: 16 bytes, four u32.  Published as opcode =
 * op_handle, arg0 = input_handle, arg1 = output_handle, arg2 = param.
 */
struct vy_pol_mk_work_item {
	uint32_t op_handle;
	uint32_t input_handle;
	uint32_t output_handle;
	uint32_t param;
};

/* MegakernelTelemetry: per-dispatch production counters (§3.4). */
struct vy_pol_mk_dispatch_telemetry {
	uint64_t bytes_uploaded;	/* control + ring + debug + IO inputs */
	uint64_t bytes_read_back;	/* all output buffers */
	uint64_t bytes_moved;		/* uploaded + read back */
	uint32_t resident_allocations;
	uint32_t kernel_launches;	/* 1 per logical dispatch */
	uint32_t sync_points;		/* 1 */
	uint16_t occupancy_proxy_bps;	/* <= 10000 */
	uint16_t frontier_density_bps;	/* <= 10000 */
	uint32_t readback_buffers;
	bool compiled_pipeline_cache_hit;
	bool resident_input_cache_hit;
	enum vy_pol_topology topology;
	enum vy_pol_pressure pressure;
	enum vy_pol_exec_mode execution_mode;
	uint32_t hit_capacity;
	uint64_t estimated_peak_device_bytes;	/* launch peak + 2 * inputs */
	uint64_t device_memory_budget_bytes;	/* 0 = unbounded */
};

/*
 * Fill the transfer and density counters as the upstream driver does:
 * uploaded = sum(@input_lens), read back = sum(@output_lens), moved =
 * their sum (checked), kernel_launches = sync_points = 1, readback_buffers
 * = @noutputs, occupancy = min(items * 10000 / (max(covering, 1) *
 * max(wgx, 1)), 10000), density = min(items * 10000 / max(slots, 1),
 * 10000), peak = @launch_peak + 2 * uploaded (checked).  The policy
 * members are copied from @rec when not NULL (else the zero defaults).
 * VY_E_PEAK_BYTES_OVERFLOW on an overflowing byte total.
 */
int vy_pol_mk_dispatch_telemetry_fill(struct vy_pol_mk_dispatch_telemetry *t,
				  const uint64_t *input_lens, size_t ninputs,
				  const uint64_t *output_lens, size_t noutputs,
				  uint32_t item_count, uint32_t slot_count,
				  uint32_t covering_worker_groups,
				  uint32_t workgroup_size_x,
				  uint64_t launch_peak,
				  const struct vy_pol_launch_recommendation *rec,
				  struct vy_err *e);

/* MegakernelReport: one run summary; zero-filled is the default. */
struct vy_pol_mk_report {
	uint64_t items_processed;
	uint64_t items_remaining;
	uint64_t wall_time_ns;
	uint64_t queue_plan_ns;
	uint64_t queue_publish_ns;
	uint64_t backend_dispatch_ns;
	uint64_t lineage_ns;
	uint64_t deduped_items;
	uint64_t published_items;
	uint64_t lineage_items;
	struct vy_pol_mk_dispatch_telemetry telemetry;
	uint32_t *region_lineage;	/* one source-rule bitset per region */
	size_t region_lineage_len;	/* owned by whoever filled it */
};


/* ---- CI gate expressions (policy_check.c) ---- */

/*
 * A CI gate on one recommendation field: FIELD OP VALUE with OP one of
 * = == != < <= > >=.  FIELD is a recommendation field name
 * (worker_groups, hit_capacity, estimated_peak_device_bytes,
 * device_memory_budget_bytes, workgroup_size_x, slot_count,
 * dispatch_grid (its x), topology, pressure, execution_mode,
 * promote_hot_opcodes, promote_hot_windows, age_priority_work; a
 * "geometry." prefix is accepted).  Numbers take size suffixes (2G);
 * enums take their names (= and != only, except pressure, ordered
 * empty < light < balanced < saturated); booleans take true/false (= and
 * != only).
 */
struct vy_pol_rec_check {
	int field;
	int op;
	uint64_t value;
	char text[128];		/* the expression as given */
};

/* Parse @expr; VY_E_INVAL with a message saying what is wrong. */
int vy_pol_rec_check_parse(const char *expr, struct vy_pol_rec_check *out,
		       struct vy_err *e);

/*
 * Evaluate @c on @r: returns true when it holds.  @actual (may be NULL,
 * @n bytes) receives the field's actual value as text.
 */
bool vy_pol_rec_check_eval(const struct vy_pol_rec_check *c,
		       const struct vy_pol_launch_recommendation *r, char *actual,
		       size_t n);

#endif
