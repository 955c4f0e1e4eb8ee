/* SPDX-License-Identifier: MIT */
/*
 * vk_policy.c - policy-telemetry.json kinds of the launch policy and grid
 * planner: recommend, recommend_with_previous, grid, sizing_helper,
 * recommend_from_telemetry, autotune, natural_gradient,
 * priority_diffusion, priority_accounting, launch_cache,
 * dispatch_telemetry.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/planner.h"
#include "policy/policy.h"
#include "policy/cache.h"
#include "policy/feedback.h"
#include "policy/seed.h"
#include "policy/tune.h"
#include "report/recommend.h"
#include "telemetry/telemetry.h"
#include "vectors.h"

static int get_request(const json_t *j, struct vy_pol_launch_request *r,
		       struct vy_err *e)
{
	int i;

	if (!json_is_object(j))
		return vv_bad_input(e, "request");
	memset(r, 0, sizeof(*r));
	for (i = 0; i < VY_REQUEST_FIELDS; i++) {
		uint64_t v;
		int ret;

		if (vv_member_u64(j, vy_request_fields[i].name, 0, &v))
			return vv_bad_input(e, vy_request_fields[i].name);
		ret = vy_pol_request_set(r, i, v, e);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A recommendation refused for device memory carries the requested and
 * available bytes in @rec (policy.h); hand them to the runner.
 */
static int oom_detail(struct vv_case *c, int ret,
		      const struct vy_pol_launch_recommendation *rec)
{
	if (ret == VY_E_DEVICE_OUT_OF_MEMORY)
		c->error_detail = json_pack("{s:o,s:o}", "requested",
				vv_u64(rec->estimated_peak_device_bytes),
				"available",
				vv_u64(rec->device_memory_budget_bytes));
	return ret;
}

static json_t *request_json(const struct vy_pol_launch_request *r)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < VY_REQUEST_FIELDS; i++)
		json_object_set_new(o, vy_request_fields[i].name,
				    vv_u64(vy_pol_request_get(r, i)));
	return o;
}

static int run_recommend(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request r;
	const json_t *prev = json_object_get(c->input, "previous_topology");
	enum vy_pol_topology t;
	int ret;

	ret = get_request(json_object_get(c->input, "request"), &r, e);
	if (ret)
		return ret;
	if (prev) {
		if (!json_is_string(prev) ||
		    vy_pol_topology_parse(json_string_value(prev), &t))
			return vv_bad_input(e, "previous_topology");
		ret = vy_pol_recommend_with_previous(&p, &r, t, &rec, e);
	} else {
		ret = vy_pol_recommend(&p, &r, NULL, &rec, e);
	}
	if (ret)
		return oom_detail(c, ret, &rec);
	*got = vy_rep_recommendation_json_names(&rec, true);
	return 0;
}

static int run_grid(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_pol_sizing_policy sp = vy_pol_sizing_standard();
	struct vy_pol_grid_limits lim;
	struct vy_pol_grid_plan plan;
	uint32_t q, w;
	int ret;

	if (vv_member_u32(c->input, "queue_len", 0, &q) ||
	    vv_member_u32(c->input, "requested_worker_groups", 0, &w) ||
	    vv_member_u32(c->input, "max_workgroup_size_x", 0,
			  &lim.max_workgroup_size_x) ||
	    vv_member_u32(c->input, "max_compute_workgroups_per_dimension", 0,
			  &lim.max_compute_workgroups_per_dimension) ||
	    vv_member_u32(c->input, "max_compute_invocations_per_workgroup", 0,
			  &lim.max_compute_invocations_per_workgroup))
		return vv_bad_input(e, "grid");
	ret = vy_pol_grid_calculate(&sp, q, w, &lim, &plan, e);
	if (ret)
		return ret;
	*got = json_pack("{s:o,s:I}",
			 "geometry", vy_rep_geometry_json(&plan.geometry),
			 "worker_groups", (json_int_t)plan.worker_groups);
	return 0;
}

static int run_sizing_helper(struct vv_case *c, json_t **got,
			     struct vy_err *e)
{
	struct vy_pol_sizing_policy sp = vy_pol_sizing_standard();
	const char *fn = json_string_value(json_object_get(c->input, "fn"));
	const json_t *args = json_object_get(c->input, "args");
	uint32_t a[3] = { 0 }, grid[3];
	uint64_t v;
	size_t i;

	if (!fn || !json_is_array(args) || json_array_size(args) > 3)
		return vv_bad_input(e, "fn/args");
	for (i = 0; i < json_array_size(args); i++) {
		if (vv_get_u64(json_array_get(args, i), &v) || v > UINT32_MAX)
			return vv_bad_input(e, "args");
		a[i] = (uint32_t)v;
	}
	if (strcmp(fn, "worker_workgroup_size") == 0) {
		*got = json_pack("{s:I}", "value",
				 (json_int_t)vy_pol_worker_workgroup_size(&sp, a[0],
								      a[1]));
	} else if (strcmp(fn, "padded_slot_count") == 0) {
		*got = json_pack("{s:I}", "value",
				 (json_int_t)vy_pol_padded_slot_count(&sp, a[0],
								  a[1]));
	} else if (strcmp(fn, "dispatch_grid_for") == 0) {
		vy_pol_dispatch_grid_for(&sp, a[0], a[1], a[2], grid);
		*got = json_pack("{s:[I,I,I]}", "value", (json_int_t)grid[0],
				 (json_int_t)grid[1], (json_int_t)grid[2]);
	} else if (strcmp(fn, "default_worker_groups_from_limits") == 0) {
		*got = json_pack("{s:I}", "value",
				 (json_int_t)vy_pol_default_worker_groups_from_limits(
					 &sp, a[0], a[1]));
	} else if (strcmp(fn, "geometry_from_slots") == 0) {
		struct vy_pol_geometry g = vy_pol_geometry_from_slots(&sp, a[0], a[1],
							      a[2]);

		*got = json_pack("{s:o}", "value", vy_rep_geometry_json(&g));
	} else {
		return vv_bad_input(e, "unknown sizing fn");
	}
	return 0;
}

/* The `decoded` variant: an already decoded RingTelemetry as JSON. */
static int feedback_from_decoded(const json_t *d, struct vy_pol_launch_feedback *f,
				 struct vy_err *e)
{
	static const char *const occ_keys[] = { "empty", "published",
						"claimed", "done",
						"wait_io", "yield_count",
						"requeue", "fault", "unknown" };
	const json_t *occ = json_object_get(d, "occupancy");
	const json_t *metrics = json_object_get(json_object_get(d, "control"),
						"metrics");
	const json_t *windows = json_object_get(d, "windows"), *w, *m;
	uint32_t o[9], total = 0, depth = 0;
	size_t i;
	int ret;

	for (i = 0; i < 9; i++)
		if (vv_member_u32(occ, occ_keys[i], 0, &o[i]))
			return vv_bad_input(e, occ_keys[i]);
	for (i = 0; i < 9; i++) {
		total = o[i] > UINT32_MAX - total ? UINT32_MAX : total + o[i];
		if (i != 0 && i != 3)
			depth = o[i] > UINT32_MAX - depth ? UINT32_MAX :
							    depth + o[i];
	}
	memset(f, 0, sizeof(*f));
	vy_pol_launch_feedback_set_counts(f, total, depth, o[6]);
	json_array_foreach(metrics, i, m) {
		uint64_t cnt;

		if (vv_get_u64(json_array_get(m, 1), &cnt))
			return vv_bad_input(e, "metrics");
		if (cnt > 0)
			f->hot_opcode_count++;
	}
	json_array_foreach(windows, i, w) {
		uint32_t req, la;

		if (vv_member_u32(w, "required_slots", 0, &req) ||
		    vv_member_u32(w, "lookahead_slots", 0, &la))
			return vv_bad_input(e, "windows");
		ret = vy_pol_launch_feedback_add_window(f, req, la, e);
		if (ret)
			return ret;
	}
	return 0;
}

static int feedback_from_buffers(const json_t *in, struct vy_pol_launch_feedback *f,
				 struct vy_err *e)
{
	const json_t *wo = json_object_get(in, "window_opcodes"), *x;
	struct vv_bytes control = { 0 }, ring = { 0 };
	struct vy_tel t;
	uint32_t *ops = NULL;
	size_t i, n = json_array_size(wo);
	int ret;

	if (vv_sparse(json_object_get(in, "control"), &control))
		return vv_bad_input(e, "control");
	if (vv_ring(json_object_get(in, "ring"), &ring)) {
		free(control.data);
		return vv_bad_input(e, "ring");
	}
	ops = calloc(n ? n : 1, sizeof(*ops));
	json_array_foreach(wo, i, x) {
		uint64_t v;

		if (vv_get_u64(x, &v) || v > UINT32_MAX) {
			ret = vv_bad_input(e, "window_opcodes");
			goto out_free;
		}
		ops[i] = (uint32_t)v;
	}
	vy_tel_init(&t);
	ret = vy_tel_decode(&t, NULL, control.data, control.len,
				  ring.data, ring.len, ops, n, 0, e);
	if (ret)
		goto out;
	ret = vy_pol_launch_feedback_from_telemetry(f, &t, e);
out:
	vy_tel_free(&t);
out_free:
	free(ops);
	free(control.data);
	free(ring.data);
	return ret;
}

static int run_recommend_from_telemetry(struct vv_case *c, json_t **got,
					struct vy_err *e)
{
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request r, filled;
	struct vy_pol_launch_feedback f;
	const json_t *dec = json_object_get(c->input, "decoded");
	int ret;

	ret = get_request(json_object_get(c->input, "request"), &r, e);
	if (ret)
		return ret;
	ret = dec ? feedback_from_decoded(dec, &f, e) :
		    feedback_from_buffers(c->input, &f, e);
	if (ret)
		return ret;
	ret = vy_pol_recommend_from_feedback(&f, &r, NULL, &filled, &rec, e);
	if (ret)
		return oom_detail(c, ret, &rec);
	*got = json_pack("{s:o,s:o}", "filled_request", request_json(&filled),
			 "recommendation",
			 vy_rep_recommendation_json_names(&rec, true));
	return 0;
}

static int get_doubles(const json_t *a, double **out, size_t *n)
{
	const json_t *x;
	size_t i;

	*n = json_array_size(a);
	*out = calloc(*n ? *n : 1, sizeof(double));
	if (!*out)
		return -1;
	json_array_foreach(a, i, x) {
		if (!json_is_number(x)) {
			free(*out);
			return -1;
		}
		(*out)[i] = json_number_value(x);
	}
	return 0;
}

static int get_u32s(const json_t *a, uint32_t **out, size_t *n)
{
	const json_t *x;
	size_t i;

	*n = json_array_size(a);
	*out = calloc(*n ? *n : 1, sizeof(uint32_t));
	if (!*out)
		return -1;
	json_array_foreach(a, i, x) {
		uint64_t v;

		if (vv_get_u64(x, &v) || v > UINT32_MAX) {
			free(*out);
			return -1;
		}
		(*out)[i] = (uint32_t)v;
	}
	return 0;
}

static json_t *doubles_json(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static int run_autotune(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	const char *fn = json_string_value(json_object_get(c->input, "fn"));
	uint32_t *cand, cur, v;
	double *costs;
	size_t nc, nk;

	if (!fn || vv_member_u32(c->input, "current_size", 0, &cur))
		return vv_bad_input(e, "fn/current_size");
	if (get_u32s(json_object_get(c->input, "candidates"), &cand, &nc))
		return vv_bad_input(e, "candidates");
	if (get_doubles(json_object_get(c->input, "costs"), &costs, &nk)) {
		free(cand);
		return vv_bad_input(e, "costs");
	}
	if (strcmp(fn, "hit_capacity_multiplier") == 0)
		v = vy_pol_autotune_hit_capacity_multiplier(&p, cand, nc, costs, nk);
	else
		v = vy_pol_autotune_workgroup_size(cand, nc, costs, nk, cur);
	free(cand);
	free(costs);
	*got = json_pack("{s:I}", "value", (json_int_t)v);
	return 0;
}

static int run_natural_gradient(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	double *m, *g, *out, lr;
	size_t nm, ng, k;
	uint32_t n;

	if (vv_member_u32(c->input, "n", 0, &n) ||
	    !json_is_number(json_object_get(c->input, "learning_rate")))
		return vv_bad_input(e, "n/learning_rate");
	lr = json_number_value(json_object_get(c->input, "learning_rate"));
	if (get_doubles(json_object_get(c->input, "m_inv_sqrt"), &m, &nm))
		return vv_bad_input(e, "m_inv_sqrt");
	if (get_doubles(json_object_get(c->input, "grad"), &g, &ng)) {
		free(m);
		return vv_bad_input(e, "grad");
	}
	out = calloc(n ? n : 1, sizeof(double));
	k = out ? vy_pol_natural_gradient_step(m, nm, g, ng, n, lr, out) : 0;
	*got = json_pack("{s:o}", "value", doubles_json(out, k));
	free(out);
	free(m);
	free(g);
	return 0;
}

static int run_priority_diffusion(struct vv_case *c, json_t **got,
				  struct vy_err *e)
{
	const json_t *dj = json_object_get(c->input, "damping");
	double *s, *r;
	size_t ns, nr;
	uint32_t it;

	if (!json_is_number(dj) || vv_member_u32(c->input, "iterations", 0, &it))
		return vv_bad_input(e, "damping/iterations");
	if (get_doubles(json_object_get(c->input, "priority_stalks"), &s, &ns))
		return vv_bad_input(e, "priority_stalks");
	if (get_doubles(json_object_get(c->input, "restriction_diag"), &r,
			&nr)) {
		free(s);
		return vv_bad_input(e, "restriction_diag");
	}
	vy_pol_priority_diffuse(s, ns, r, nr, json_number_value(dj), it, s);
	*got = json_pack("{s:o}", "value", doubles_json(s, ns));
	free(s);
	free(r);
	return 0;
}

static int run_priority_accounting(struct vv_case *c, json_t **got,
				   struct vy_err *e)
{
	const json_t *st = json_object_get(c->input, "start");
	const json_t *ops = json_object_get(c->input, "ops"), *op;
	struct vy_pol_priority_accounting a;
	size_t i;
	int ret;

	if (vv_member_u64(st, "requeue_count", 0, &a.requeue_count) ||
	    vv_member_u64(st, "aged_promotions", 0, &a.aged_promotions) ||
	    vv_member_u32(st, "max_priority_age", 0, &a.max_priority_age))
		return vv_bad_input(e, "start");
	json_array_foreach(ops, i, op) {
		const char *name = json_string_value(json_array_get(op, 0));
		uint64_t age;

		if (!name || vv_get_u64(json_array_get(op, 1), &age) ||
		    age > UINT32_MAX)
			return vv_bad_input(e, "ops");
		if (strcmp(name, "requeue") == 0)
			ret = vy_pol_priority_record_requeue(&a, (uint32_t)age, e);
		else if (strcmp(name, "aged_promotion") == 0)
			ret = vy_pol_priority_record_aged_promotion(&a,
								(uint32_t)age,
								e);
		else
			return vv_bad_input(e, "op name");
		if (ret)
			return ret;
	}
	*got = json_pack("{s:o,s:o,s:I}", "requeue_count",
			 vv_u64(a.requeue_count), "aged_promotions",
			 vv_u64(a.aged_promotions), "max_priority_age",
			 (json_int_t)a.max_priority_age);
	return 0;
}

static int run_launch_cache(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	const json_t *steps = json_object_get(c->input, "steps"), *s;
	struct vy_pol_launch_cache *cache;
	json_t *stats;
	size_t i;
	int ret;

	ret = vy_pol_launch_cache_new(&cache, e);
	if (ret)
		return ret;
	stats = json_array();
	json_array_foreach(steps, i, s) {
		const char *op = json_string_value(json_object_get(s, "op"));

		if (!op) {
			ret = vv_bad_input(e, "step op");
			break;
		}
		if (strcmp(op, "reset") == 0) {
			vy_pol_launch_cache_reset(cache);
		} else if (strcmp(op, "stats") == 0) {
			struct vy_pol_launch_cache_stats st =
				vy_pol_launch_cache_stats(cache);

			json_array_append_new(stats,
				json_pack("{s:I,s:o,s:o}", "entries",
					  (json_int_t)st.entries, "hits",
					  vv_u64(st.hits), "misses",
					  vv_u64(st.misses)));
		} else if (strcmp(op, "recommend") == 0) {
			const json_t *prev = json_object_get(s,
							     "previous_topology");
			struct vy_pol_launch_recommendation rec;
			struct vy_pol_launch_request r;
			struct vy_err ignored;
			enum vy_pol_topology t;

			ret = get_request(json_object_get(s, "request"), &r, e);
			if (ret)
				break;
			if (prev) {
				if (vy_pol_topology_parse(json_string_value(prev) ?
							      json_string_value(prev) :
							      "",
						      &t)) {
					ret = vv_bad_input(e, "previous_topology");
					break;
				}
				vy_pol_recommend_with_previous(&p, &r, t,
								  &rec,
								  &ignored);
			} else {
				vy_pol_recommend(&p, &r, cache, &rec,
						    &ignored);
			}
		} else {
			ret = vv_bad_input(e, "unknown step op");
			break;
		}
	}
	vy_pol_launch_cache_free(cache);
	if (ret) {
		json_decref(stats);
		return ret;
	}
	*got = json_pack("{s:o}", "stats", stats);
	return 0;
}

static int run_dispatch_telemetry(struct vv_case *c, json_t **got,
				  struct vy_err *e)
{
	const json_t *ij = json_object_get(c->input, "input_lens");
	const json_t *oj = json_object_get(c->input, "output_lens"), *x;
	struct vy_pol_mk_dispatch_telemetry t;
	uint64_t in[16], out[16], peak;
	uint32_t items, slots, cover, wgx;
	size_t i;
	int ret;

	if (json_array_size(ij) > 16 || json_array_size(oj) > 16 ||
	    vv_member_u32(c->input, "item_count", 0, &items) ||
	    vv_member_u32(c->input, "slot_count", 0, &slots) ||
	    vv_member_u32(c->input, "covering_worker_groups", 0, &cover) ||
	    vv_member_u32(c->input, "workgroup_size_x", 0, &wgx) ||
	    vv_member_u64(c->input, "launch_estimated_peak_device_bytes", 0,
			  &peak))
		return vv_bad_input(e, "dispatch_telemetry");
	json_array_foreach(ij, i, x)
		if (vv_get_u64(x, &in[i]))
			return vv_bad_input(e, "input_lens");
	json_array_foreach(oj, i, x)
		if (vv_get_u64(x, &out[i]))
			return vv_bad_input(e, "output_lens");
	ret = vy_pol_mk_dispatch_telemetry_fill(&t, in, json_array_size(ij), out,
					    json_array_size(oj), items, slots,
					    cover, wgx, peak, NULL, e);
	if (ret)
		return ret;
	*got = json_pack("{s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
			 "bytes_uploaded", vv_u64(t.bytes_uploaded),
			 "bytes_read_back", vv_u64(t.bytes_read_back),
			 "bytes_moved", vv_u64(t.bytes_moved),
			 "resident_allocations",
			 (json_int_t)t.resident_allocations, "kernel_launches",
			 (json_int_t)t.kernel_launches, "sync_points",
			 (json_int_t)t.sync_points, "occupancy_proxy_bps",
			 (json_int_t)t.occupancy_proxy_bps,
			 "frontier_density_bps",
			 (json_int_t)t.frontier_density_bps, "readback_buffers",
			 (json_int_t)t.readback_buffers,
			 "estimated_peak_device_bytes",
			 vv_u64(t.estimated_peak_device_bytes));
	return 0;
}

VV_KIND("recommend", run_recommend)
VV_KIND("recommend_with_previous", run_recommend)
VV_KIND("grid", run_grid)
VV_KIND("sizing_helper", run_sizing_helper)
VV_KIND("recommend_from_telemetry", run_recommend_from_telemetry)
VV_KIND("autotune", run_autotune)
VV_KIND("natural_gradient", run_natural_gradient)
VV_KIND("priority_diffusion", run_priority_diffusion)
VV_KIND("priority_accounting", run_priority_accounting)
VV_KIND("launch_cache", run_launch_cache)
VV_KIND("dispatch_telemetry", run_dispatch_telemetry)
