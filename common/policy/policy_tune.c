/* SPDX-License-Identifier: MIT */
/*
 * policy_tune.c - telemetry feedback (seed 000 recommend_launch), the
 * autotune helpers, the natural-gradient step, priority diffusion and
 * requeue accounting (policy-telemetry.md §1.16-§1.18, §2.8), and the
 * per-dispatch telemetry counters of seed 004 (§3.4).
 */
#include "policy/policy.h"

#include <string.h>

/* ---- telemetry feedback ------------------------------------------ */

void vy_pol_launch_feedback_set_counts(struct vy_pol_launch_feedback *f,
				   uint32_t total_slots, uint32_t queue_depth,
				   uint32_t requeue_slots)
{
	uint64_t d = 0;

	f->total_slots = total_slots;
	f->queue_depth = queue_depth;
	f->requeue_slots = requeue_slots;
	if (total_slots) {
		d = (uint64_t)queue_depth * 10000u / total_slots;
		if (d > UINT16_MAX)
			d = UINT16_MAX;
	}
	f->frontier_density_bps = (uint16_t)d;
}

int vy_pol_launch_feedback_add_window(struct vy_pol_launch_feedback *f,
				  uint32_t required_slots,
				  uint32_t lookahead_slots, struct vy_err *e)
{
	if (required_slots > UINT32_MAX - lookahead_slots)
		return vy_errf(e, VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW,
			       "shard route windows before telemetry aggregation",
			       "route window demand %u + %u overflows u32",
			       required_slots, lookahead_slots);
	if (required_slots + lookahead_slots >= VY_FEEDBACK_HOT_WINDOW_SLOTS &&
	    f->hot_window_count < UINT32_MAX)
		f->hot_window_count++;
	return 0;
}

int vy_pol_launch_request_fill_from_feedback(struct vy_pol_launch_request *r,
					 const struct vy_pol_launch_feedback *f,
					 struct vy_err *e)
{
	if (r->requeue_count > UINT64_MAX - f->requeue_slots)
		return vy_errf(e, VY_E_REQUEUE_COUNT_OVERFLOW,
			       "drain scheduler telemetry before the counter reaches 2^64",
			       "requeue count %llu + %u overflows u64",
			       (unsigned long long)r->requeue_count,
			       f->requeue_slots);
	if (r->graph_node_count == 0)
		r->graph_node_count = f->total_slots;
	if (r->graph_edge_count == 0)
		r->graph_edge_count = f->queue_depth;
	if (r->frontier_density_bps == 0)
		r->frontier_density_bps = f->frontier_density_bps;
	r->hot_opcode_count = f->hot_opcode_count;
	r->hot_window_count = f->hot_window_count;
	r->requeue_count += f->requeue_slots;
	return 0;
}

int vy_pol_recommend_from_feedback(const struct vy_pol_launch_feedback *f,
				      const struct vy_pol_launch_request *r,
				      struct vy_pol_launch_cache *cache,
				      struct vy_pol_launch_request *filled,
				      struct vy_pol_launch_recommendation *out,
				      struct vy_err *e)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_pol_launch_request fr = *r;
	int ret;

	ret = vy_pol_launch_request_fill_from_feedback(&fr, f, e);
	if (ret)
		return ret;
	if (filled)
		*filled = fr;
	return vy_pol_recommend(&p, &fr, cache, out, e);
}

/* ---- launch configuration ---------------------------------------- */

struct vy_pol_mk_config vy_pol_mk_config_default(void)
{
	struct vy_pol_mk_config c;

	memset(&c, 0, sizeof(c));
	c.worker_count = VY_SIZING_DEFAULT_WORKER_COUNT;
	c.max_wall_time_ns = 60ull * 1000000000ull;
	return c;
}

int vy_pol_mk_config_validate(const struct vy_pol_mk_config *c, struct vy_err *e)
{
	if (c->worker_count == 0)
		return vy_errf(e, VY_E_INVAL, "use at least one worker",
			       "megakernel worker_count is 0");
	if (c->max_wall_time_ns == 0)
		return vy_errf(e, VY_E_INVAL, "give a positive wall-time limit",
			       "megakernel max_wall_time is 0");
	return 0;
}

void vy_pol_mk_config_dispatch_grid(const struct vy_pol_mk_config *c,
				uint32_t queue_len, uint32_t max_x,
				uint32_t grid[3])
{
	struct vy_pol_sizing_policy sp = vy_pol_sizing_standard();

	vy_pol_dispatch_grid_for(&sp, c->worker_count, queue_len, max_x, grid);
}

struct vy_pol_launch_request vy_pol_mk_config_launch_request(const struct vy_pol_mk_config *c,
						     uint32_t queue_len,
						     uint32_t max_x,
						     uint32_t max_groups,
						     uint32_t max_invocations)
{
	struct vy_pol_launch_request r;

	memset(&r, 0, sizeof(r));
	r.queue_len = queue_len;
	r.requested_worker_groups = c->worker_count;
	r.max_workgroup_size_x = max_x;
	r.max_compute_workgroups_per_dimension = max_groups;
	r.max_compute_invocations_per_workgroup = max_invocations;
	r.expected_hits_per_item = c->expected_items_per_worker > 1 ?
					   c->expected_items_per_worker : 1;
	r.hot_opcode_count = c->workload.hot_opcode_count;
	r.hot_window_count = c->workload.hot_window_count;
	r.graph_node_count = c->workload.graph_node_count;
	r.graph_edge_count = c->workload.graph_edge_count;
	r.frontier_density_bps = c->workload.frontier_density_bps;
	r.memory_pressure_bps = c->workload.memory_pressure_bps;
	r.resident_device_bytes = c->workload.resident_device_bytes;
	r.device_memory_budget_bytes = c->workload.device_memory_budget_bytes;
	return r;
}

/* ---- autotune ---------------------------------------------------- */

/* IEEE-754 totalOrder key, as Rust's f64::total_cmp. */
static inline int64_t total_key(double d)
{
	int64_t k;

	memcpy(&k, &d, sizeof(k));
	k ^= (int64_t)(((uint64_t)(k >> 63)) >> 1);
	return k;
}

size_t vy_pol_best_cost_index(const double *costs, size_t n)
{
	size_t best = 0, i;
	int64_t bk;

	if (n == 0)
		return 0;
	bk = total_key(costs[0]);
	for (i = 1; i < n; i++) {
		int64_t k = total_key(costs[i]);

		if (k < bk) {
			best = i;
			bk = k;
		}
	}
	return best;
}

uint32_t vy_pol_autotune_hit_capacity_multiplier(const struct vy_pol_launch_policy *p,
					     const uint32_t *candidates,
					     size_t ncandidates,
					     const double *costs, size_t ncosts)
{
	size_t n;

	if (ncandidates == 0 || ncosts == 0)
		return p->hit_capacity_multiplier;
	n = ncandidates < ncosts ? ncandidates : ncosts;
	return candidates[vy_pol_best_cost_index(costs, n)];
}

uint32_t vy_pol_autotune_workgroup_size(const uint32_t *candidates,
				    size_t ncandidates, const double *costs,
				    size_t ncosts, uint32_t current)
{
	size_t n;

	if (ncandidates == 0 || ncosts == 0)
		return current;
	n = ncandidates < ncosts ? ncandidates : ncosts;
	return candidates[vy_pol_best_cost_index(costs, n)];
}

size_t vy_pol_natural_gradient_step(const double *m_inv_sqrt, size_t mlen,
				const double *grad, size_t glen, uint32_t n,
				double learning_rate, double *out)
{
	size_t nn, r, c;

	if (n == 0)
		return 0;
	if ((size_t)n > SIZE_MAX / n)
		return 0;
	nn = (size_t)n * n;
	if (mlen < nn || glen < n)
		return 0;
	for (r = 0; r < n; r++) {
		double acc = 0.0;

		for (c = 0; c < n; c++)
			acc += m_inv_sqrt[r * n + c] * grad[c];
		out[r] = -learning_rate * acc;
	}
	return n;
}

void vy_pol_priority_diffuse(const double *stalks, size_t n,
			 const double *restriction, size_t nrestriction,
			 double damping, uint32_t iterations, double *out)
{
	size_t i;
	uint32_t it;

	if (out != stalks)
		memmove(out, stalks, n * sizeof(*out));
	if (nrestriction != n)
		return;
	for (it = 0; it < iterations; it++)
		for (i = 0; i < n; i++)
			out[i] = out[i] - damping * restriction[i] * out[i];
}

/* ---- requeue accounting ------------------------------------------ */

int vy_pol_priority_record_requeue(struct vy_pol_priority_accounting *a,
			       uint32_t age_ticks, struct vy_err *e)
{
	if (a->requeue_count == UINT64_MAX)
		return vy_errf(e, VY_E_PRIORITY_COUNTER_OVERFLOW,
			       "drain scheduler telemetry before counters reach 2^64-1",
			       "priority requeue_count is already 2^64-1");
	a->requeue_count++;
	if (age_ticks > a->max_priority_age)
		a->max_priority_age = age_ticks;
	return 0;
}

int vy_pol_priority_record_aged_promotion(struct vy_pol_priority_accounting *a,
				      uint32_t age_ticks, struct vy_err *e)
{
	if (a->aged_promotions == UINT64_MAX)
		return vy_errf(e, VY_E_PRIORITY_COUNTER_OVERFLOW,
			       "drain scheduler telemetry before counters reach 2^64-1",
			       "priority aged_promotions is already 2^64-1");
	a->aged_promotions++;
	if (age_ticks > a->max_priority_age)
		a->max_priority_age = age_ticks;
	return 0;
}

/* ---- dispatch telemetry ------------------------------------------ */

static int sum_lens(const uint64_t *lens, size_t n, uint64_t *out,
		    struct vy_err *e)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s > UINT64_MAX - lens[i])
			return vy_errf(e, VY_E_PEAK_BYTES_OVERFLOW, NULL,
				       "buffer byte total overflows u64");
		s += lens[i];
	}
	*out = s;
	return 0;
}

static uint16_t bps_cap(uint64_t num, uint64_t den)
{
	uint64_t v = num * 10000u / den;

	return v > 10000 ? 10000 : (uint16_t)v;
}

int vy_pol_mk_dispatch_telemetry_fill(struct vy_pol_mk_dispatch_telemetry *t,
				  const uint64_t *input_lens, size_t ninputs,
				  const uint64_t *output_lens, size_t noutputs,
				  uint32_t item_count, uint32_t slot_count,
				  uint32_t covering_worker_groups,
				  uint32_t workgroup_size_x,
				  uint64_t launch_peak,
				  const struct vy_pol_launch_recommendation *rec,
				  struct vy_err *e)
{
	uint64_t up = 0, down = 0, lanes;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = sum_lens(input_lens, ninputs, &up, e);
	if (ret)
		return ret;
	ret = sum_lens(output_lens, noutputs, &down, e);
	if (ret)
		return ret;
	if (up > UINT64_MAX - down || up > (UINT64_MAX - launch_peak) / 2)
		return vy_errf(e, VY_E_PEAK_BYTES_OVERFLOW, NULL,
			       "dispatch byte totals overflow u64");
	t->bytes_uploaded = up;
	t->bytes_read_back = down;
	t->bytes_moved = up + down;
	t->kernel_launches = 1;
	t->sync_points = 1;
	t->readback_buffers = (uint32_t)noutputs;
	lanes = (uint64_t)(covering_worker_groups ? covering_worker_groups : 1) *
		(workgroup_size_x ? workgroup_size_x : 1);
	t->occupancy_proxy_bps = bps_cap(item_count, lanes);
	t->frontier_density_bps = bps_cap(item_count,
					  slot_count ? slot_count : 1);
	t->estimated_peak_device_bytes = launch_peak + 2 * up;
	t->topology = VY_TOPO_EMPTY;
	t->pressure = VY_PRESSURE_EMPTY;
	t->execution_mode = VY_MODE_INTERPRETER;
	if (rec) {
		t->topology = rec->topology;
		t->pressure = rec->pressure;
		t->execution_mode = rec->execution_mode;
		t->hit_capacity = rec->hit_capacity;
		t->device_memory_budget_bytes = rec->device_memory_budget_bytes;
	}
	return 0;
}
