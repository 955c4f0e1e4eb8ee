/* SPDX-License-Identifier: MIT */
/*
 * policy.c - the launch policy pipeline (policy-telemetry.md §1.2-§1.14).
 *
 * One function, recommend_core(), implements the pipeline; the cached,
 * previous-topology and traced entry points are thin wrappers so the
 * three can never drift apart.  The trace pointer is NULL on the hot
 * path; every trace store is behind one predictable branch.
 */
#include "policy/policy.h"
#include "policy/cache.h"
#include "policy/cache_priv.h"
#include "policy/field_priv.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* ---- names ------------------------------------------------------- */

static const char *const pressure_names[] = { "empty", "light", "balanced",
					      "saturated" };
static const char *const pressure_camel[] = { "Empty", "Light", "Balanced",
					      "Saturated" };
static const char *const mode_names[] = { "interpreter", "jit" };
static const char *const mode_camel[] = { "Interpreter", "Jit" };
static const char *const topo_names[] = { "empty",
					  "sparse_frontier",
					  "hybrid_frontier",
					  "dense_frontier",
					  "fused_dense",
					  "memory_constrained" };
static const char *const topo_camel[] = { "Empty",	   "SparseFrontier",
					  "HybridFrontier", "DenseFrontier",
					  "FusedDense",	   "MemoryConstrained" };

#define NAME_OF(tab, v) ((unsigned)(v) < sizeof(tab) / sizeof(tab[0]) ? \
			 tab[v] : "?")

const char *vy_pol_pressure_name(enum vy_pol_pressure p)
{
	return NAME_OF(pressure_names, p);
}

const char *vy_pol_pressure_camel(enum vy_pol_pressure p)
{
	return NAME_OF(pressure_camel, p);
}

const char *vy_pol_exec_mode_name(enum vy_pol_exec_mode m)
{
	return NAME_OF(mode_names, m);
}

const char *vy_pol_exec_mode_camel(enum vy_pol_exec_mode m)
{
	return NAME_OF(mode_camel, m);
}

const char *vy_pol_topology_name(enum vy_pol_topology t)
{
	return NAME_OF(topo_names, t);
}

const char *vy_pol_topology_camel(enum vy_pol_topology t)
{
	return NAME_OF(topo_camel, t);
}

/* snake_case, kebab-case or CamelCase, case-insensitively. */
static int name_lookup(const char *s, const char *const *snake,
		       const char *const *camel, unsigned n)
{
	char norm[64];
	size_t i;
	unsigned k;

	for (i = 0; s[i] && i + 1 < sizeof(norm); i++)
		norm[i] = s[i] == '-' ? '_' : s[i];
	if (s[i])
		return -1;
	norm[i] = '\0';
	for (k = 0; k < n; k++)
		if (strcasecmp(norm, snake[k]) == 0 ||
		    strcasecmp(norm, camel[k]) == 0)
			return (int)k;
	return -1;
}

int vy_pol_pressure_parse(const char *s, enum vy_pol_pressure *out)
{
	int k = name_lookup(s, pressure_names, pressure_camel, 4);

	if (k < 0)
		return VY_E_INVAL;
	*out = (enum vy_pol_pressure)k;
	return 0;
}

int vy_pol_exec_mode_parse(const char *s, enum vy_pol_exec_mode *out)
{
	int k = name_lookup(s, mode_names, mode_camel, 2);

	if (k < 0)
		return VY_E_INVAL;
	*out = (enum vy_pol_exec_mode)k;
	return 0;
}

int vy_pol_topology_parse(const char *s, enum vy_pol_topology *out)
{
	int k = name_lookup(s, topo_names, topo_camel, VY_TOPO_COUNT);

	if (k < 0)
		return VY_E_INVAL;
	*out = (enum vy_pol_topology)k;
	return 0;
}

/* ---- request ----------------------------------------------------- */

struct vy_pol_launch_request vy_pol_launch_request_direct(uint32_t queue_len,
						  uint32_t workers,
						  uint32_t max_x)
{
	struct vy_pol_launch_request r;

	memset(&r, 0, sizeof(r));
	r.queue_len = queue_len;
	r.requested_worker_groups = workers;
	r.max_workgroup_size_x = max_x;
	r.max_compute_workgroups_per_dimension = workers;
	r.max_compute_invocations_per_workgroup = max_x;
	r.expected_hits_per_item = 1;
	return r;
}

#define RF(name, bits, size, help) \
	{ #name, bits, offsetof(struct vy_pol_launch_request, name), size, help }

const struct vy_pol_request_field vy_request_fields[VY_REQUEST_FIELDS] = {
	RF(queue_len, 32, 0,
	   "work items (ring slots) queued for the launch"),
	RF(requested_worker_groups, 32, 0,
	   "ceiling on worker work-groups; 0 = from the adapter"),
	RF(max_workgroup_size_x, 32, 0,
	   "adapter limit: work-group width"),
	RF(max_compute_workgroups_per_dimension, 32, 0,
	   "adapter limit: work-groups per dimension"),
	RF(max_compute_invocations_per_workgroup, 32, 0,
	   "adapter limit: invocations per work-group"),
	RF(requested_hit_capacity, 32, 0,
	   "sparse-hit capacity; 0 = derive from the queue"),
	RF(expected_hits_per_item, 32, 0,
	   "expected sparse hits per item; 0 counts as 1"),
	RF(hot_opcode_count, 32, 0,
	   "opcodes hot enough to promote (8 promote)"),
	RF(hot_window_count, 32, 0,
	   "route windows hot enough to promote (4 promote)"),
	RF(requeue_count, 64, 0,
	   "slots requeued since the last recommendation"),
	RF(max_priority_age, 32, 0,
	   "largest priority age seen (32 ages work)"),
	RF(graph_node_count, 32, 0,
	   "resident graph nodes; 0 = unknown"),
	RF(graph_edge_count, 32, 0,
	   "resident graph edges; 0 = unknown"),
	RF(frontier_density_bps, 16, 0,
	   "active frontier in bps of the nodes; 0 = infer"),
	RF(memory_pressure_bps, 16, 0,
	   "memory pressure in bps of the budget; 0 = infer"),
	RF(resident_device_bytes, 64, 1,
	   "device bytes this dispatch family already holds"),
	RF(device_memory_budget_bytes, 64, 1,
	   "device memory budget in bytes; 0 = unbounded"),
};

int vy_pol_request_field_index(const char *name)
{
	int i;

	for (i = 0; i < VY_REQUEST_FIELDS; i++)
		if (strcmp(vy_request_fields[i].name, name) == 0)
			return i;
	return -1;
}

uint64_t vy_pol_field_get(const void *base, size_t off, unsigned bits)
{
	const char *p = (const char *)base + off;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (bits) {
	case 16:
		memcpy(&v16, p, sizeof(v16));
		return v16;
	case 32:
		memcpy(&v32, p, sizeof(v32));
		return v32;
	default:
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
}

int vy_pol_field_set(void *base, size_t off, unsigned bits, const char *name,
		     uint64_t v, struct vy_err *e)
{
	char *p = (char *)base + off;
	uint16_t v16;
	uint32_t v32;

	switch (bits) {
	case 16:
		if (v > UINT16_MAX)
			return vy_errf(e, VY_E_INVAL,
				       "basis points are at most 10000; the field is a u16",
				       "%s: %llu does not fit 16 bits", name,
				       (unsigned long long)v);
		v16 = (uint16_t)v;
		memcpy(p, &v16, sizeof(v16));
		return 0;
	case 32:
		if (v > UINT32_MAX)
			return vy_errf(e, VY_E_INVAL, NULL,
				       "%s: %llu does not fit 32 bits", name,
				       (unsigned long long)v);
		v32 = (uint32_t)v;
		memcpy(p, &v32, sizeof(v32));
		return 0;
	default:
		memcpy(p, &v, sizeof(v));
		return 0;
	}
}

uint64_t vy_pol_request_get(const struct vy_pol_launch_request *r, int idx)
{
	return vy_pol_field_get(r, vy_request_fields[idx].offset,
				vy_request_fields[idx].bits);
}

int vy_pol_request_set(struct vy_pol_launch_request *r, int idx, uint64_t v,
		   struct vy_err *e)
{
	const struct vy_pol_request_field *f = &vy_request_fields[idx];

	return vy_pol_field_set(r, f->offset, f->bits, f->name, v, e);
}

/* ---- policy ------------------------------------------------------ */

struct vy_pol_launch_policy vy_pol_launch_policy_standard(void)
{
	struct vy_pol_launch_policy p;

	memset(&p, 0, sizeof(p));
	p.sizing = vy_pol_sizing_standard();
	p.min_hit_capacity = 1024;
	p.hit_capacity_multiplier = 2;
	p.saturated_waves = 4;
	p.hot_opcode_threshold = 8;
	p.hot_window_threshold = 4;
	p.jit_queue_len_threshold = 4096;
	p.priority_age_threshold = 32;
	p.sparse_frontier_threshold_bps = 500;
	p.dense_frontier_threshold_bps = 4000;
	p.memory_pressure_threshold_bps = 8500;
	p.fusion_edge_threshold = 65536;
	p.scratch_bytes_per_hit = 16;
	return p;
}

/* ---- pipeline steps ---------------------------------------------- */

/* §1.7: never overrides an explicit value; idempotent. */
static void infer_missing(struct vy_pol_launch_request *r,
			  struct vy_pol_launch_trace *t)
{
	if (r->frontier_density_bps == 0 && r->queue_len != 0 &&
	    r->graph_node_count != 0) {
		uint64_t active = r->queue_len < r->graph_node_count ?
					  r->queue_len : r->graph_node_count;
		uint64_t d = active * 10000u / r->graph_node_count;

		if (d < 1)
			d = 1;
		if (d > 10000)
			d = 10000;
		r->frontier_density_bps = (uint16_t)d;
		if (t)
			t->inferred_frontier_density = true;
	}
	if (r->memory_pressure_bps == 0 && r->device_memory_budget_bytes != 0 &&
	    r->resident_device_bytes != 0) {
		unsigned __int128 n = (unsigned __int128)r->resident_device_bytes *
				      10000u;
		unsigned __int128 q = n / r->device_memory_budget_bytes;

		r->memory_pressure_bps = q > 10000 ? 10000 : (uint16_t)q;
		if (t)
			t->inferred_memory_pressure = true;
	}
}

/* §1.8 */
static enum vy_pol_topology raw_topology(const struct vy_pol_launch_policy *p,
				     const struct vy_pol_launch_request *r,
				     bool hot, enum vy_pol_topo_rule *rule)
{
	bool dense, large;

	if (r->queue_len == 0) {
		*rule = VY_TOPO_RULE_EMPTY_QUEUE;
		return VY_TOPO_EMPTY;
	}
	if (r->memory_pressure_bps >= p->memory_pressure_threshold_bps) {
		*rule = VY_TOPO_RULE_MEMORY;
		return VY_TOPO_MEMORY_CONSTRAINED;
	}
	if (r->frontier_density_bps <= p->sparse_frontier_threshold_bps) {
		*rule = VY_TOPO_RULE_SPARSE;
		return VY_TOPO_SPARSE_FRONTIER;
	}
	dense = r->frontier_density_bps >= p->dense_frontier_threshold_bps;
	large = r->graph_node_count > 0 &&
		r->graph_edge_count >= p->fusion_edge_threshold;
	if (dense && large && hot) {
		*rule = VY_TOPO_RULE_FUSED;
		return VY_TOPO_FUSED_DENSE;
	}
	if (dense) {
		*rule = VY_TOPO_RULE_DENSE;
		return VY_TOPO_DENSE_FRONTIER;
	}
	*rule = VY_TOPO_RULE_HYBRID;
	return VY_TOPO_HYBRID_FRONTIER;
}

static int band_add(uint16_t v, struct vy_err *e, uint32_t *out)
{
	uint32_t s = (uint32_t)v + VY_FRONTIER_HYSTERESIS_BPS;

	if (s > UINT16_MAX)
		return vy_errf(e, VY_E_HYSTERESIS_BOUND,
			       "lower the topology threshold below 65286 bps",
			       "threshold %u + 250 bps hysteresis leaves u16",
			       v);
	*out = s;
	return 0;
}

static int band_sub(uint16_t v, struct vy_err *e, uint32_t *out)
{
	if (v < VY_FRONTIER_HYSTERESIS_BPS)
		return vy_errf(e, VY_E_HYSTERESIS_BOUND,
			       "raise the topology threshold to at least 250 bps",
			       "threshold %u - 250 bps hysteresis is negative",
			       v);
	*out = (uint32_t)v - VY_FRONTIER_HYSTERESIS_BPS;
	return 0;
}

/* §1.9.  Bounds are checked as 0.6.x does (an error, never a wrap). */
static int stabilize(const struct vy_pol_launch_policy *p,
		     const struct vy_pol_launch_request *r, enum vy_pol_topology raw,
		     const enum vy_pol_topology *prev, bool hot,
		     enum vy_pol_topology *out, struct vy_pol_launch_trace *t,
		     struct vy_err *e)
{
	uint16_t fd = r->frontier_density_bps;
	enum vy_pol_hyst_rule rule = VY_HYST_RELEASED;
	uint32_t bound = 0;
	int ret;

	*out = raw;
	if (raw == VY_TOPO_EMPTY || raw == VY_TOPO_MEMORY_CONSTRAINED) {
		rule = prev ? VY_HYST_RAW_FIXED : VY_HYST_NO_PREVIOUS;
		goto done;
	}
	if (!prev) {
		rule = VY_HYST_NO_PREVIOUS;
		goto done;
	}
	if (*prev == VY_TOPO_MEMORY_CONSTRAINED) {
		if (p->memory_pressure_threshold_bps < VY_MEMORY_HYSTERESIS_BPS)
			return vy_errf(e, VY_E_HYSTERESIS_BOUND,
				       "raise the memory threshold to at least 250 bps",
				       "memory threshold %u - 250 bps hysteresis is negative",
				       p->memory_pressure_threshold_bps);
		bound = p->memory_pressure_threshold_bps -
			VY_MEMORY_HYSTERESIS_BPS;
		if (r->memory_pressure_bps >= bound) {
			*out = VY_TOPO_MEMORY_CONSTRAINED;
			rule = VY_HYST_HOLD_MEMORY;
		}
		goto done;
	}
	switch (*prev) {
	case VY_TOPO_SPARSE_FRONTIER:
		if (raw == VY_TOPO_SPARSE_FRONTIER)
			break;
		ret = band_add(p->sparse_frontier_threshold_bps, e, &bound);
		if (ret)
			return ret;
		if (fd <= bound) {
			*out = VY_TOPO_SPARSE_FRONTIER;
			rule = VY_HYST_HOLD_SPARSE;
		}
		break;
	case VY_TOPO_HYBRID_FRONTIER:
		if (raw == VY_TOPO_SPARSE_FRONTIER) {
			ret = band_sub(p->sparse_frontier_threshold_bps, e,
				       &bound);
			if (ret)
				return ret;
			if (fd >= bound) {
				*out = VY_TOPO_HYBRID_FRONTIER;
				rule = VY_HYST_HOLD_HYBRID_LOW;
			}
		} else if (raw == VY_TOPO_DENSE_FRONTIER ||
			   raw == VY_TOPO_FUSED_DENSE) {
			ret = band_add(p->dense_frontier_threshold_bps, e,
				       &bound);
			if (ret)
				return ret;
			if (fd <= bound) {
				*out = VY_TOPO_HYBRID_FRONTIER;
				rule = VY_HYST_HOLD_HYBRID_HIGH;
			}
		}
		break;
	case VY_TOPO_DENSE_FRONTIER:
		if (raw != VY_TOPO_HYBRID_FRONTIER)
			break;
		ret = band_sub(p->dense_frontier_threshold_bps, e, &bound);
		if (ret)
			return ret;
		if (fd >= bound) {
			*out = VY_TOPO_DENSE_FRONTIER;
			rule = VY_HYST_HOLD_DENSE;
		}
		break;
	case VY_TOPO_FUSED_DENSE:
		if (raw != VY_TOPO_HYBRID_FRONTIER)
			break;
		ret = band_sub(p->dense_frontier_threshold_bps, e, &bound);
		if (ret)
			return ret;
		/* Upstream does not check the node count here. */
		if (fd >= bound && r->graph_edge_count >= p->fusion_edge_threshold &&
		    hot) {
			*out = VY_TOPO_FUSED_DENSE;
			rule = VY_HYST_HOLD_FUSED;
		}
		break;
	default:
		break;
	}
done:
	if (t) {
		t->hyst_rule = rule;
		t->hyst_bound_bps = bound;
	}
	return 0;
}

/* §1.10: only requested_worker_groups changes. */
static int shed_workers(const struct vy_pol_launch_policy *p,
			struct vy_pol_launch_request *r, enum vy_pol_topology topo,
			struct vy_pol_launch_trace *t, struct vy_err *e)
{
	uint32_t w = r->requested_worker_groups;

	if (t) {
		t->shed_rule = VY_SHED_NONE;
		t->workers_before_shed = w;
		t->workers_after_shed = w;
	}
	if (topo == VY_TOPO_MEMORY_CONSTRAINED && r->memory_pressure_bps != 0 &&
	    w > 1) {
		uint32_t thr = p->memory_pressure_threshold_bps;
		uint32_t span, over, shed, keep;
		uint64_t scaled;

		if (thr > 10000)
			return vy_errf(e, VY_E_MEMORY_THRESHOLD_ABOVE_10000,
				       "configure the memory threshold in basis points (0..10000)",
				       "memory pressure threshold %u bps exceeds 10000",
				       thr);
		span = 10000 - thr;
		if (span < 1)
			span = 1;
		over = r->memory_pressure_bps > thr ?
			       r->memory_pressure_bps - thr : 0;
		if (over > span)
			over = span;
		shed = 2500 + over * 2500 / span;
		keep = 10000 - shed;
		scaled = (uint64_t)w * keep / 10000;
		r->requested_worker_groups = scaled < 1 ? 1 : (uint32_t)scaled;
		if (t) {
			t->shed_rule = VY_SHED_MEMORY;
			t->shed_bps = shed;
		}
	} else if (topo == VY_TOPO_SPARSE_FRONTIER && r->graph_node_count != 0 &&
		   r->frontier_density_bps != 0 && w > 1) {
		uint32_t span = p->sparse_frontier_threshold_bps;
		uint32_t density = r->frontier_density_bps;
		uint32_t floor = w < 32 ? w : 32;
		uint64_t scaled;

		if (span < 1)
			span = 1;
		if (density > span)
			density = span;
		scaled = (uint64_t)w * density / span;
		if (scaled < floor)
			scaled = floor;
		if (scaled > w)
			scaled = w;
		r->requested_worker_groups = (uint32_t)scaled;
		if (t) {
			t->shed_rule = VY_SHED_SPARSE;
			t->shed_density_bps = density;
		}
	}
	if (t)
		t->workers_after_shed = r->requested_worker_groups;
	return 0;
}

/* §1.11 */
static enum vy_pol_pressure classify(const struct vy_pol_launch_policy *p,
				 uint32_t queue_len, uint64_t lanes,
				 uint64_t requeue, enum vy_pol_pressure_rule *rule)
{
	uint64_t sat;

	if (queue_len == 0) {
		*rule = VY_PRESSURE_RULE_EMPTY;
		return VY_PRESSURE_EMPTY;
	}
	if (lanes < 1)
		lanes = 1;
	/* lanes < 2^42; only an absurd custom wave count can overflow. */
	if (p->saturated_waves && lanes > UINT64_MAX / p->saturated_waves)
		sat = UINT64_MAX;
	else
		sat = lanes * p->saturated_waves;
	if (requeue > 0) {
		*rule = VY_PRESSURE_RULE_REQUEUE;
		return VY_PRESSURE_SATURATED;
	}
	if (queue_len >= sat) {
		*rule = VY_PRESSURE_RULE_WAVES;
		return VY_PRESSURE_SATURATED;
	}
	if (queue_len >= lanes) {
		*rule = VY_PRESSURE_RULE_LANES;
		return VY_PRESSURE_BALANCED;
	}
	*rule = VY_PRESSURE_RULE_BELOW_LANES;
	return VY_PRESSURE_LIGHT;
}

/* §1.12 */
static int hit_capacity(const struct vy_pol_launch_policy *p,
			const struct vy_pol_launch_request *r, uint32_t *out,
			struct vy_pol_launch_trace *t, struct vy_err *e)
{
	uint32_t hits = r->expected_hits_per_item ? r->expected_hits_per_item : 1;
	uint32_t mult = r->memory_pressure_bps >=
					p->memory_pressure_threshold_bps ?
				1 :
				p->hit_capacity_multiplier;
	uint64_t a = (uint64_t)r->queue_len * hits;
	uint64_t d = a * mult;

	if (t) {
		t->hit_capacity_explicit = r->requested_hit_capacity != 0;
		t->hit_multiplier = mult;
	}
	if (r->requested_hit_capacity != 0) {
		*out = r->requested_hit_capacity;
		return 0;
	}
	if (a > UINT32_MAX || d > UINT32_MAX)
		return vy_errf(e, VY_E_HIT_CAPACITY_OVERFLOW,
			       "lower queue_len or expected_hits_per_item, or set requested_hit_capacity",
			       "hit capacity %u x %u x %u does not fit u32",
			       r->queue_len, hits, mult);
	if (t)
		t->hit_derived = d;
	*out = d < p->min_hit_capacity ? p->min_hit_capacity : (uint32_t)d;
	return 0;
}

static int recommend_core(const struct vy_pol_launch_policy *p,
			  const struct vy_pol_launch_request *req,
			  const enum vy_pol_topology *prev,
			  struct vy_pol_launch_recommendation *out,
			  struct vy_pol_launch_trace *t, struct vy_err *e)
{
	struct vy_pol_launch_request er = *req, sr;
	struct vy_pol_grid_limits lim;
	struct vy_pol_grid_plan grid;
	enum vy_pol_topology raw, topo;
	enum vy_pol_topo_rule trule;
	enum vy_pol_pressure_rule prule;
	bool pops, pwins;
	uint64_t lanes, scratch, peak;
	uint32_t hits = 0;
	unsigned jit = 0;
	int ret;

	if (t) {
		memset(t, 0, sizeof(*t));
		t->request = *req;
		t->has_previous = prev != NULL;
		t->previous = prev ? *prev : VY_TOPO_EMPTY;
	}
	infer_missing(&er, t);
	pops = er.hot_opcode_count >= p->hot_opcode_threshold;
	pwins = er.hot_window_count >= p->hot_window_threshold;
	raw = raw_topology(p, &er, pops || pwins, &trule);
	if (t) {
		t->effective = er;
		t->raw_topology = raw;
		t->topo_rule = trule;
		t->stage = 1;
	}
	ret = stabilize(p, &er, raw, prev, pops || pwins, &topo, t, e);
	if (ret)
		return ret;
	sr = er;
	ret = shed_workers(p, &sr, topo, t, e);
	if (ret)
		return ret;
	if (t) {
		t->topology = topo;
		t->stage = 2;
	}
	lim.max_workgroup_size_x = sr.max_workgroup_size_x;
	lim.max_compute_workgroups_per_dimension =
		sr.max_compute_workgroups_per_dimension;
	lim.max_compute_invocations_per_workgroup =
		sr.max_compute_invocations_per_workgroup;
	ret = vy_pol_grid_calculate(&p->sizing, sr.queue_len,
				sr.requested_worker_groups, &lim, &grid, e);
	if (ret)
		return ret;
	lanes = (uint64_t)grid.geometry.dispatch_grid[0] *
		grid.geometry.workgroup_size_x;
	if (t) {
		t->grid = grid;
		t->workers_from_occupancy = sr.requested_worker_groups == 0;
		t->lanes = lanes;
		t->stage = 3;
	}
	out->pressure = classify(p, er.queue_len, lanes, er.requeue_count,
				 &prule);
	if (t)
		t->pressure_rule = prule;
	ret = hit_capacity(p, &er, &hits, t, e);
	if (ret)
		return ret;
	if (t)
		t->stage = 4;
	scratch = (uint64_t)hits * p->scratch_bytes_per_hit;
	if (er.resident_device_bytes > UINT64_MAX - scratch)
		return vy_errf(e, VY_E_PEAK_BYTES_OVERFLOW,
			       "lower resident_device_bytes or the hit capacity",
			       "peak device bytes %llu + %llu overflow u64",
			       (unsigned long long)er.resident_device_bytes,
			       (unsigned long long)scratch);
	peak = er.resident_device_bytes + scratch;
	if (t) {
		t->scratch_bytes = scratch;
		t->peak_bytes = peak;
		t->stage = 5;
	}
	if (er.device_memory_budget_bytes != 0 &&
	    peak > er.device_memory_budget_bytes) {
		out->estimated_peak_device_bytes = peak;
		out->device_memory_budget_bytes = er.device_memory_budget_bytes;
		return vy_errf(e, VY_E_DEVICE_OUT_OF_MEMORY,
			       "raise device_memory_budget_bytes, or lower resident bytes or the hit capacity",
			       "device out of memory: requested %llu bytes, available %llu",
			       (unsigned long long)peak,
			       (unsigned long long)er.device_memory_budget_bytes);
	}
	if (er.queue_len >= p->jit_queue_len_threshold)
		jit |= VY_JIT_QUEUE_LEN;
	if (pops)
		jit |= VY_JIT_HOT_OPCODES;
	if (pwins)
		jit |= VY_JIT_HOT_WINDOWS;
	if (topo == VY_TOPO_FUSED_DENSE)
		jit |= VY_JIT_FUSED;
	out->geometry = grid.geometry;
	out->worker_groups = grid.worker_groups;
	out->hit_capacity = hits;
	out->execution_mode = jit ? VY_MODE_JIT : VY_MODE_INTERPRETER;
	out->topology = topo;
	out->promote_hot_opcodes = pops;
	out->promote_hot_windows = pwins;
	out->age_priority_work = er.requeue_count > 0 ||
				 er.max_priority_age >= p->priority_age_threshold;
	out->estimated_peak_device_bytes = peak;
	out->device_memory_budget_bytes = er.device_memory_budget_bytes;
	if (t) {
		t->jit_reasons = jit;
		t->stage = 6;
	}
	return 0;
}

int vy_pol_recommend(const struct vy_pol_launch_policy *p,
			const struct vy_pol_launch_request *r,
			struct vy_pol_launch_cache *cache,
			struct vy_pol_launch_recommendation *out,
			struct vy_err *e)
{
	int ret;

	if (cache && vy_pol_launch_cache_get(cache, p, r, out))
		return 0;
	ret = recommend_core(p, r, NULL, out, NULL, e);
	if (ret == 0 && cache)
		vy_pol_launch_cache_insert(cache, p, r, out);
	return ret;
}

int vy_pol_recommend_with_previous(const struct vy_pol_launch_policy *p,
				      const struct vy_pol_launch_request *r,
				      enum vy_pol_topology previous,
				      struct vy_pol_launch_recommendation *out,
				      struct vy_err *e)
{
	return recommend_core(p, r, &previous, out, NULL, e);
}

int vy_pol_recommend_traced(const struct vy_pol_launch_policy *p,
			       const struct vy_pol_launch_request *r,
			       const enum vy_pol_topology *previous,
			       struct vy_pol_launch_trace *trace,
			       struct vy_pol_launch_recommendation *out,
			       struct vy_err *e)
{
	return recommend_core(p, r, previous, out, trace, e);
}
