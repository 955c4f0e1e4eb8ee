/* SPDX-License-Identifier: MIT */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "policy/planner.h"
#include "policy/policy.h"
#include "policy/cache.h"
#include "policy/check.h"
#include "policy/feedback.h"
#include "policy/seed.h"
#include "policy/tune.h"
#include "report/recommend.h"

static struct vy_pol_launch_policy std_policy(void)
{
	return vy_pol_launch_policy_standard();
}

VY_TEST(policy_direct_constructor)
{
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(300, 64, 256);

	VY_CHECK_EQ_U64(r.queue_len, 300);
	VY_CHECK_EQ_U64(r.requested_worker_groups, 64);
	VY_CHECK_EQ_U64(r.max_workgroup_size_x, 256);
	VY_CHECK_EQ_U64(r.max_compute_workgroups_per_dimension, 64);
	VY_CHECK_EQ_U64(r.max_compute_invocations_per_workgroup, 256);
	VY_CHECK_EQ_U64(r.expected_hits_per_item, 1);
	VY_CHECK_EQ_U64(r.requeue_count, 0);
	VY_CHECK_EQ_U64(r.device_memory_budget_bytes, 0);
}

VY_TEST(policy_standard_constants)
{
	struct vy_pol_launch_policy p = std_policy();

	VY_CHECK_EQ_U64(p.min_hit_capacity, 1024);
	VY_CHECK_EQ_U64(p.hit_capacity_multiplier, 2);
	VY_CHECK_EQ_U64(p.saturated_waves, 4);
	VY_CHECK_EQ_U64(p.hot_opcode_threshold, 8);
	VY_CHECK_EQ_U64(p.hot_window_threshold, 4);
	VY_CHECK_EQ_U64(p.jit_queue_len_threshold, 4096);
	VY_CHECK_EQ_U64(p.priority_age_threshold, 32);
	VY_CHECK_EQ_U64(p.sparse_frontier_threshold_bps, 500);
	VY_CHECK_EQ_U64(p.dense_frontier_threshold_bps, 4000);
	VY_CHECK_EQ_U64(p.memory_pressure_threshold_bps, 8500);
	VY_CHECK_EQ_U64(p.fusion_edge_threshold, 65536);
	VY_CHECK_EQ_U64(p.scratch_bytes_per_hit, 16);
	VY_CHECK_EQ_U64(p.sizing.max_dispatch_workgroups, 1024);
}

VY_TEST(policy_grid_zero_limits_in_order)
{
	struct vy_pol_sizing_policy sp = vy_pol_sizing_standard();
	struct vy_pol_grid_limits l = { 0, 0, 0 };
	struct vy_pol_grid_plan g;

	VY_CHECK(vy_pol_grid_calculate(&sp, 5, 0, &l, &g, NULL) ==
		 VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X);
	l.max_workgroup_size_x = 256;
	VY_CHECK(vy_pol_grid_calculate(&sp, 5, 0, &l, &g, NULL) ==
		 VY_E_GRID_ZERO_MAX_WORKGROUPS_PER_DIMENSION);
	l.max_compute_workgroups_per_dimension = 300000;
	VY_CHECK(vy_pol_grid_calculate(&sp, 5, 0, &l, &g, NULL) ==
		 VY_E_GRID_ZERO_MAX_INVOCATIONS_PER_WORKGROUP);
	l.max_compute_invocations_per_workgroup = 1;
	VY_CHECK(vy_pol_grid_calculate(&sp, 5, 0, &l, &g, NULL) == 0);
	/* 300000 / 256 = 1171, clamped to 1024. */
	VY_CHECK_EQ_U64(g.worker_groups, 1024);
}

VY_TEST(policy_geometry_from_item_count)
{
	struct vy_pol_sizing_policy sp = vy_pol_sizing_standard();
	struct vy_pol_geometry g;

	VY_CHECK(vy_pol_geometry_from_item_count(&sp, 300, 64, 256, &g, NULL) == 0);
	VY_CHECK_EQ_U64(g.slot_count, 320);
	VY_CHECK_EQ_U64(vy_pol_geometry_covering_worker_groups(&g), 5);
	VY_CHECK(vy_pol_geometry_from_item_count(&sp, 1ull << 32, 64, 256, &g,
					     NULL) == VY_E_INVAL);
	VY_CHECK(vy_pol_geometry_from_item_count(&sp, UINT32_MAX, 64, 256, &g,
					     NULL) == VY_E_INVAL);
}

VY_TEST(policy_oom_carries_requested_and_available)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(1024, 64, 256);
	struct vy_pol_launch_recommendation rec;
	struct vy_err e;

	r.expected_hits_per_item = 4;
	r.resident_device_bytes = 1024;
	r.device_memory_budget_bytes = 65536;
	VY_CHECK(vy_pol_recommend(&p, &r, NULL, &rec, &e) ==
		 VY_E_DEVICE_OUT_OF_MEMORY);
	VY_CHECK_EQ_U64(rec.estimated_peak_device_bytes, 132096);
	VY_CHECK_EQ_U64(rec.device_memory_budget_bytes, 65536);
	VY_CHECK(strstr(e.msg, "132096") != NULL);
	/* Exact fit is accepted. */
	r.device_memory_budget_bytes = 132096;
	VY_CHECK(vy_pol_recommend(&p, &r, NULL, &rec, &e) == 0);
}

VY_TEST(policy_cache_lru_eviction)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_cache *c;
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_cache_stats st;
	struct vy_pol_launch_request r;
	uint32_t q;

	VY_CHECK(vy_pol_launch_cache_new(&c, NULL) == 0);
	for (q = 1; q <= 128; q++) {
		r = vy_pol_launch_request_direct(q, 64, 256);
		VY_CHECK(vy_pol_recommend(&p, &r, c, &rec, NULL) == 0);
	}
	st = vy_pol_launch_cache_stats(c);
	VY_CHECK_EQ_U64(st.entries, 128);
	VY_CHECK_EQ_U64(st.misses, 128);
	r = vy_pol_launch_request_direct(1, 64, 256);
	VY_CHECK(vy_pol_recommend(&p, &r, c, &rec, NULL) == 0);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).hits, 1);
	r = vy_pol_launch_request_direct(129, 64, 256);
	VY_CHECK(vy_pol_recommend(&p, &r, c, &rec, NULL) == 0);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).entries, 128);
	r = vy_pol_launch_request_direct(2, 64, 256);
	VY_CHECK(!vy_pol_launch_cache_get(c, &p, &r, &rec));	/* evicted */
	r = vy_pol_launch_request_direct(1, 64, 256);
	VY_CHECK(vy_pol_launch_cache_get(c, &p, &r, &rec));	/* kept */
	VY_CHECK_EQ_U64(rec.geometry.slot_count, 64);
	/* A different policy is a different key. */
	p.min_hit_capacity = 7;
	VY_CHECK(!vy_pol_launch_cache_get(c, &p, &r, &rec));
	vy_pol_launch_cache_free(c);
}

VY_TEST(policy_cache_thread_and_previous_bypass)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_cache *c = vy_pol_launch_cache_thread();
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(100, 64, 256);
	struct vy_pol_launch_recommendation rec;

	vy_pol_launch_cache_reset(c);
	VY_CHECK(vy_pol_recommend_with_previous(&p, &r,
						   VY_TOPO_SPARSE_FRONTIER,
						   &rec, NULL) == 0);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).misses, 0);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).entries, 0);
	r.max_workgroup_size_x = 0;
	VY_CHECK(vy_pol_recommend(&p, &r, c, &rec, NULL) ==
		 VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).misses, 1);
	VY_CHECK_EQ_U64(vy_pol_launch_cache_stats(c).entries, 0);
}

VY_TEST(policy_custom_threshold_errors)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(100, 128, 256);
	struct vy_pol_launch_recommendation rec;

	p.sparse_frontier_threshold_bps = 100;
	r.graph_node_count = 1000;
	r.frontier_density_bps = 200;	/* raw hybrid, previous hybrid */
	VY_CHECK(vy_pol_recommend_with_previous(&p, &r,
						   VY_TOPO_HYBRID_FRONTIER,
						   &rec, NULL) == 0);
	r.frontier_density_bps = 50;	/* raw sparse: needs 100 - 250 */
	VY_CHECK(vy_pol_recommend_with_previous(&p, &r,
						   VY_TOPO_HYBRID_FRONTIER,
						   &rec, NULL) ==
		 VY_E_HYSTERESIS_BOUND);
	p = std_policy();
	p.memory_pressure_threshold_bps = 10001;
	r.frontier_density_bps = 0;
	r.memory_pressure_bps = 10002;
	VY_CHECK(vy_pol_recommend(&p, &r, NULL, &rec, NULL) ==
		 VY_E_MEMORY_THRESHOLD_ABOVE_10000);
}

VY_TEST(policy_trace_and_explain)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(100, 256, 256);
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_trace t;
	enum vy_pol_topology prev = VY_TOPO_HYBRID_FRONTIER;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	r.graph_node_count = 400;	/* density 2500: hybrid */
	r.queue_len = 12;		/* 12 / 400 = 300 bps: raw sparse */
	VY_CHECK(vy_pol_recommend_traced(&p, &r, &prev, &t, &rec, NULL) ==
		 0);
	VY_CHECK(t.inferred_frontier_density);
	VY_CHECK_EQ_U64(t.effective.frontier_density_bps, 300);
	VY_CHECK(t.raw_topology == VY_TOPO_SPARSE_FRONTIER);
	VY_CHECK(t.hyst_rule == VY_HYST_HOLD_HYBRID_LOW);
	VY_CHECK_EQ_U64(t.hyst_bound_bps, 250);
	VY_CHECK(rec.topology == VY_TOPO_HYBRID_FRONTIER);
	VY_CHECK_EQ_U64(t.stage, 6);
	f = open_memstream(&buf, &len);
	vy_rep_launch_trace_explain(f, &p, &t, 0, &rec);
	fclose(f);
	VY_CHECK(strstr(buf, "hysteresis: held previous hybrid_frontier instead of sparse_frontier, because density 300 bps >= 250 bps") != NULL);
	VY_CHECK(strstr(buf, "mode: interpreter") != NULL);
	free(buf);
}

VY_TEST(policy_sparse_shedding_table)
{
	static const uint32_t cases[][3] = {
		{ 256, 100, 51 }, { 256, 1, 32 },  { 128, 400, 102 },
		{ 128, 249, 63 }, { 100, 499, 99 }, { 20, 100, 20 },
	};
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_trace t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vy_pol_launch_request r =
			vy_pol_launch_request_direct(1000, cases[i][0], 256);

		r.max_compute_workgroups_per_dimension = 65535;
		r.graph_node_count = 100000;
		r.frontier_density_bps = (uint16_t)cases[i][1];
		VY_CHECK(vy_pol_recommend_traced(&p, &r, NULL, &t, &rec,
						    NULL) == 0);
		VY_CHECK(t.shed_rule == VY_SHED_SPARSE);
		VY_CHECK_EQ_U64(t.workers_after_shed, cases[i][2]);
	}
}

VY_TEST(policy_memory_shedding_table)
{
	static const uint32_t cases[][3] = {
		{ 8500, 128, 96 }, { 9000, 128, 85 },  { 9999, 128, 64 },
		{ 10000, 128, 64 }, { 9250, 200, 125 }, { 8500, 200, 150 },
	};
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_launch_recommendation rec;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vy_pol_launch_request r =
			vy_pol_launch_request_direct(1000, cases[i][1], 256);

		r.max_compute_workgroups_per_dimension = 65535;
		r.memory_pressure_bps = (uint16_t)cases[i][0];
		VY_CHECK(vy_pol_recommend(&p, &r, NULL, &rec, NULL) == 0);
		VY_CHECK(rec.topology == VY_TOPO_MEMORY_CONSTRAINED);
		VY_CHECK_EQ_U64(rec.worker_groups, cases[i][2]);
	}
}

static json_t *parse_line(const char *s)
{
	return json_loads(s, 0, NULL);
}

VY_TEST(policy_jsonl_matches_json)
{
	struct vy_pol_launch_recommendation rec;
	char line[VY_REC_LINE_MAX];
	json_t *a, *b;

	memset(&rec, 0, sizeof(rec));
	rec.geometry.workgroup_size_x = 64;
	rec.geometry.slot_count = 320;
	rec.geometry.dispatch_grid[0] = 5;
	rec.geometry.dispatch_grid[1] = rec.geometry.dispatch_grid[2] = 1;
	rec.worker_groups = 64;
	rec.hit_capacity = 1024;
	rec.pressure = VY_PRESSURE_SATURATED;
	rec.execution_mode = VY_MODE_JIT;
	rec.topology = VY_TOPO_MEMORY_CONSTRAINED;
	rec.age_priority_work = true;
	rec.estimated_peak_device_bytes = 1ull << 40;
	rec.device_memory_budget_bytes = 2ull << 40;
	vy_rep_recommendation_jsonl(line, &rec);
	a = parse_line(line);
	b = vy_rep_recommendation_json(&rec);
	VY_CHECK(a != NULL);
	json_object_set_new(b, "schema", json_string(VY_RECOMMEND_SCHEMA));
	json_object_set_new(b, "version", json_string(VY_VERSION));
	VY_CHECK(json_equal(a, b));
	VY_CHECK(strstr(line, "\"topology\":\"memory_constrained\"") != NULL);
	json_decref(a);
	json_decref(b);
	vy_rep_policy_error_jsonl(line, VY_E_DEVICE_OUT_OF_MEMORY, "a \"q\"\n", &rec,
			      7);
	a = parse_line(line);
	VY_CHECK(a != NULL);
	VY_CHECK_EQ_U64(json_integer_value(json_object_get(
				json_object_get(a, "error"), "requested")),
			1ull << 40);
	VY_CHECK_STR(json_string_value(json_object_get(
			     json_object_get(a, "error"), "message")),
		     "a \"q\"\n");
	json_decref(a);
}

VY_TEST(policy_request_parse_json)
{
	struct vy_pol_launch_request r;
	enum vy_pol_topology prev;
	bool hp;
	struct vy_err e;
	const char *big = "{\"queue_len\": 7, \"requeue_count\": 18446744073709551615, \"previous_topology\": \"dense_frontier\"}";
	const char *esc = "{\"queue\\u005flen\": 7, \"frontier_density_bps\": 10000}";

	VY_CHECK(vy_rep_request_parse_json(big, strlen(big), &r, &hp, &prev, &e) ==
		 0);
	VY_CHECK_EQ_U64(r.queue_len, 7);
	VY_CHECK_EQ_U64(r.requeue_count, UINT64_MAX);
	VY_CHECK(hp && prev == VY_TOPO_DENSE_FRONTIER);
	VY_CHECK(vy_rep_request_parse_json(esc, strlen(esc), &r, &hp, &prev, &e) ==
		 0);
	VY_CHECK_EQ_U64(r.queue_len, 7);
	VY_CHECK_EQ_U64(r.frontier_density_bps, 10000);
	VY_CHECK(!hp);
	VY_CHECK(vy_rep_request_parse_json("{}", 2, &r, &hp, &prev, &e) == 0);
	VY_CHECK(vy_rep_request_parse_json("{\"nope\":1}", 10, &r, &hp, &prev,
				       &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "nope") != NULL);
	VY_CHECK(vy_rep_request_parse_json("{\"memory_pressure_bps\":65536}", 28,
				       &r, &hp, &prev, &e) == VY_E_FORMAT);
	VY_CHECK(vy_rep_request_parse_json("[1]", 3, &r, &hp, &prev, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_rep_request_parse_json("{\"queue_len\":1.5}", 17, &r, &hp,
				       &prev, &e) == VY_E_FORMAT);
	VY_CHECK(vy_rep_request_parse_json("{\"queue_len\":1", 14, &r, &hp, &prev,
				       &e) == VY_E_FORMAT);
	VY_CHECK(vy_rep_request_parse_json("{\"previous_topology\":\"dense\"}", 29,
				       &r, &hp, &prev, &e) == VY_E_FORMAT);
}

VY_TEST(policy_check_expressions)
{
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_rec_check c;
	char actual[32];

	memset(&rec, 0, sizeof(rec));
	rec.worker_groups = 256;
	rec.topology = VY_TOPO_DENSE_FRONTIER;
	rec.pressure = VY_PRESSURE_BALANCED;
	rec.estimated_peak_device_bytes = 1ull << 31;
	VY_CHECK(vy_pol_rec_check_parse("worker_groups<=256", &c, NULL) == 0);
	VY_CHECK(vy_pol_rec_check_eval(&c, &rec, actual, sizeof(actual)));
	VY_CHECK(vy_pol_rec_check_parse("worker_groups < 256", &c, NULL) == 0);
	VY_CHECK(!vy_pol_rec_check_eval(&c, &rec, actual, sizeof(actual)));
	VY_CHECK_STR(actual, "256");
	VY_CHECK(vy_pol_rec_check_parse("topology=dense_frontier", &c, NULL) == 0);
	VY_CHECK(vy_pol_rec_check_eval(&c, &rec, NULL, 0));
	VY_CHECK(vy_pol_rec_check_parse("estimated_peak_device_bytes<2G", &c,
				    NULL) == 0);
	VY_CHECK(!vy_pol_rec_check_eval(&c, &rec, actual, sizeof(actual)));
	VY_CHECK(vy_pol_rec_check_parse("execution_mode!=jit", &c, NULL) == 0);
	VY_CHECK(vy_pol_rec_check_eval(&c, &rec, NULL, 0));
	VY_CHECK(vy_pol_rec_check_parse("pressure>=light", &c, NULL) == 0);
	VY_CHECK(vy_pol_rec_check_eval(&c, &rec, NULL, 0));
	VY_CHECK(vy_pol_rec_check_parse("geometry.slot_count>0", &c, NULL) == 0);
	VY_CHECK(vy_pol_rec_check_parse("topology<dense_frontier", &c, NULL) ==
		 VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("worker_groups", &c, NULL) == VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("worker_groups<=", &c, NULL) ==
		 VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("nope=1", &c, NULL) == VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("worker_groups<=abc", &c, NULL) ==
		 VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("topology=dense", &c, NULL) == VY_E_INVAL);
	VY_CHECK(vy_pol_rec_check_parse("age_priority_work=yes", &c, NULL) ==
		 VY_E_INVAL);
}

VY_TEST(policy_autotune_total_order)
{
	struct vy_pol_launch_policy p = std_policy();
	const uint32_t cand[] = { 1, 2, 3, 4 };
	const double costs[] = { 0.0, -0.0, 1.0, -0.0 };
	const double nan_costs[] = { NAN, 5.0 };

	VY_CHECK_EQ_U64(vy_pol_best_cost_index(costs, 4), 1);
	VY_CHECK_EQ_U64(vy_pol_autotune_hit_capacity_multiplier(&p, cand, 4,
							     costs, 4), 2);
	VY_CHECK_EQ_U64(vy_pol_autotune_hit_capacity_multiplier(&p, cand, 0,
							     costs, 4), 2);
	VY_CHECK_EQ_U64(vy_pol_autotune_workgroup_size(cand, 4, costs, 0, 77), 77);
	/* +NaN sorts above every number. */
	VY_CHECK_EQ_U64(vy_pol_best_cost_index(nan_costs, 2), 1);
	/* Truncation to the shorter list. */
	VY_CHECK_EQ_U64(vy_pol_autotune_workgroup_size(cand, 1, costs + 2, 2, 9),
			1);
}

VY_TEST(policy_natural_gradient_and_diffusion)
{
	const double m[] = { 1, 0, 0, 1 }, g[] = { 3, -2 };
	double out[4], s[2] = { 10, 20 };
	const double r[] = { 0.5, 0.25 };

	VY_CHECK_EQ_U64(vy_pol_natural_gradient_step(m, 4, g, 2, 2, 0.5, out), 2);
	VY_CHECK(out[0] == -1.5 && out[1] == 1.0);
	VY_CHECK_EQ_U64(vy_pol_natural_gradient_step(m, 3, g, 2, 2, 0.5, out), 0);
	VY_CHECK_EQ_U64(vy_pol_natural_gradient_step(m, 4, g, 1, 2, 0.5, out), 0);
	VY_CHECK_EQ_U64(vy_pol_natural_gradient_step(m, 4, g, 2, 0, 0.5, out), 0);
	vy_pol_priority_diffuse(s, 2, r, 2, 0.2, 1, s);
	VY_CHECK(s[0] == 9.0 && s[1] == 19.0);
	vy_pol_priority_diffuse(s, 2, r, 1, 0.2, 5, out);
	VY_CHECK(out[0] == 9.0 && out[1] == 19.0);
}

VY_TEST(policy_priority_accounting_overflow)
{
	struct vy_pol_priority_accounting a = { UINT64_MAX - 1, UINT64_MAX, 3 };
	struct vy_err e;

	VY_CHECK(vy_pol_priority_record_requeue(&a, 9, &e) == 0);
	VY_CHECK_EQ_U64(a.max_priority_age, 9);
	VY_CHECK(vy_pol_priority_record_requeue(&a, 10, &e) ==
		 VY_E_PRIORITY_COUNTER_OVERFLOW);
	VY_CHECK_EQ_U64(a.max_priority_age, 9);
	VY_CHECK(vy_pol_priority_record_aged_promotion(&a, 1, &e) ==
		 VY_E_PRIORITY_COUNTER_OVERFLOW);
}

VY_TEST(policy_feedback_fill)
{
	struct vy_pol_launch_feedback f;
	struct vy_pol_launch_request r = vy_pol_launch_request_direct(8, 64, 256);
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request filled;

	memset(&f, 0, sizeof(f));
	vy_pol_launch_feedback_set_counts(&f, 8, 4, 0);
	VY_CHECK_EQ_U64(f.frontier_density_bps, 5000);
	VY_CHECK(vy_pol_launch_feedback_add_window(&f, 3, 1, NULL) == 0);
	VY_CHECK(vy_pol_launch_feedback_add_window(&f, 3, 0, NULL) == 0);
	VY_CHECK_EQ_U64(f.hot_window_count, 1);
	VY_CHECK(vy_pol_launch_feedback_add_window(&f, UINT32_MAX, 1, NULL) ==
		 VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW);
	r.hot_window_count = 99;
	VY_CHECK(vy_pol_recommend_from_feedback(&f, &r, NULL, &filled, &rec,
						   NULL) == 0);
	VY_CHECK_EQ_U64(filled.graph_node_count, 8);
	VY_CHECK_EQ_U64(filled.graph_edge_count, 4);
	VY_CHECK_EQ_U64(filled.hot_window_count, 1);
	VY_CHECK(rec.topology == VY_TOPO_DENSE_FRONTIER);
	r.requeue_count = UINT64_MAX;
	f.requeue_slots = 1;
	VY_CHECK(vy_pol_recommend_from_feedback(&f, &r, NULL, &filled, &rec,
						   NULL) ==
		 VY_E_REQUEUE_COUNT_OVERFLOW);
}

VY_TEST(policy_dispatch_telemetry)
{
	const uint64_t in[] = { 4, 8, 12, 16 }, out[] = { 5, 7, 11, 13 };
	struct vy_pol_mk_dispatch_telemetry t;
	struct vy_pol_mk_caps c = vy_pol_mk_caps_supported(64);

	VY_CHECK(vy_pol_mk_dispatch_telemetry_fill(&t, in, 4, out, 4, 8, 16, 2, 8,
					       16384, NULL, NULL) == 0);
	VY_CHECK_EQ_U64(t.bytes_moved, 76);
	VY_CHECK_EQ_U64(t.occupancy_proxy_bps, 5000);
	VY_CHECK_EQ_U64(t.estimated_peak_device_bytes, 16464);
	VY_CHECK(c.supported && c.max_worker_count == 64);
	VY_CHECK(!vy_pol_mk_caps_unsupported().supported);
	VY_CHECK_EQ_U64(sizeof(struct vy_pol_mk_work_item), 16);
}

VY_TEST(policy_names_round_trip)
{
	enum vy_pol_topology t;
	enum vy_pol_pressure p;
	enum vy_pol_exec_mode m;
	int i;

	for (i = 0; i < VY_TOPO_COUNT; i++) {
		VY_CHECK(vy_pol_topology_parse(vy_pol_topology_name(i), &t) == 0 &&
			 (int)t == i);
		VY_CHECK(vy_pol_topology_parse(vy_pol_topology_camel(i), &t) == 0 &&
			 (int)t == i);
	}
	VY_CHECK(vy_pol_topology_parse("fused-dense", &t) == 0 &&
		 t == VY_TOPO_FUSED_DENSE);
	VY_CHECK(vy_pol_pressure_parse("Saturated", &p) == 0 &&
		 p == VY_PRESSURE_SATURATED);
	VY_CHECK(vy_pol_exec_mode_parse("jit", &m) == 0 && m == VY_MODE_JIT);
	VY_CHECK(vy_pol_topology_parse("dense", &t) == VY_E_INVAL);
	VY_CHECK_STR(vy_pol_topology_name((enum vy_pol_topology)99), "?");
}

VY_TEST(policy_mk_config)
{
	struct vy_pol_launch_policy p = std_policy();
	struct vy_pol_mk_config c = vy_pol_mk_config_default();
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request r;
	uint32_t grid[3];

	VY_CHECK_EQ_U64(c.worker_count, 64);
	VY_CHECK(vy_pol_mk_config_validate(&c, NULL) == 0);
	vy_pol_mk_config_dispatch_grid(&c, 300, 256, grid);
	VY_CHECK_EQ_U64(grid[0], 2);
	c.expected_items_per_worker = 3;
	r = vy_pol_mk_config_launch_request(&c, 128, 256, 65535, 1024);
	VY_CHECK_EQ_U64(r.expected_hits_per_item, 3);
	VY_CHECK_EQ_U64(r.requested_worker_groups, 64);
	VY_CHECK(vy_pol_recommend(&p, &r, NULL, &rec, NULL) == 0);
	VY_CHECK_EQ_U64(rec.geometry.dispatch_grid[0], 2);
	c.worker_count = 0;
	VY_CHECK(vy_pol_mk_config_validate(&c, NULL) == VY_E_INVAL);
}
