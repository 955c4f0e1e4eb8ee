/* SPDX-License-Identifier: MIT */
/*
 * policy_explain.c - a recommendation trace in words (vyre-recommend
 * --explain).  One line per decision, "what: result, because numbers".
 */
#include "report/recommend.h"

#include <inttypes.h>

static void explain_inference(FILE *f, const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *r = &t->request, *x = &t->effective;

	if (t->inferred_frontier_density)
		fprintf(f,
			"inference: frontier density %u bps inferred = min(queue_len %" PRIu32
			", graph_node_count %" PRIu32 ") x 10000 / %" PRIu32
			" (clamped to 1..10000)\n",
			x->frontier_density_bps, r->queue_len,
			r->graph_node_count, r->graph_node_count);
	else
		fprintf(f, "inference: frontier density %u bps %s\n",
			x->frontier_density_bps,
			r->frontier_density_bps ? "as given" :
			r->graph_node_count == 0 ? "(unknown: no graph_node_count)" :
						   "(unknown: queue is empty)");
	if (t->inferred_memory_pressure)
		fprintf(f,
			"inference: memory pressure %u bps inferred = resident %" PRIu64
			" x 10000 / budget %" PRIu64 " (at most 10000)\n",
			x->memory_pressure_bps, r->resident_device_bytes,
			r->device_memory_budget_bytes);
	else
		fprintf(f, "inference: memory pressure %u bps %s\n",
			x->memory_pressure_bps,
			r->memory_pressure_bps ? "as given" :
						 "(unknown: needs resident bytes and a budget)");
}

static void explain_topology(FILE *f, const struct vy_pol_launch_policy *p,
			     const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *x = &t->effective;
	const char *raw = vy_pol_topology_name(t->raw_topology);
	bool hot = x->hot_opcode_count >= p->hot_opcode_threshold ||
		   x->hot_window_count >= p->hot_window_threshold;

	switch (t->topo_rule) {
	case VY_TOPO_RULE_EMPTY_QUEUE:
		fprintf(f, "topology: %s, because queue_len is 0\n", raw);
		break;
	case VY_TOPO_RULE_MEMORY:
		fprintf(f,
			"topology: %s, because memory pressure %u bps >= threshold %u bps\n",
			raw, x->memory_pressure_bps,
			p->memory_pressure_threshold_bps);
		break;
	case VY_TOPO_RULE_SPARSE:
		fprintf(f,
			"topology: %s, because frontier density %u bps <= sparse threshold %u bps%s\n",
			raw, x->frontier_density_bps,
			p->sparse_frontier_threshold_bps,
			x->frontier_density_bps ? "" : " (0 = no graph hints)");
		break;
	case VY_TOPO_RULE_FUSED:
		fprintf(f,
			"topology: %s, because density %u bps >= dense threshold %u bps, graph_edge_count %" PRIu32
			" >= %" PRIu32 " and hot work is promoted\n",
			raw, x->frontier_density_bps,
			p->dense_frontier_threshold_bps, x->graph_edge_count,
			p->fusion_edge_threshold);
		break;
	case VY_TOPO_RULE_DENSE:
		fprintf(f,
			"topology: %s, because density %u bps >= dense threshold %u bps",
			raw, x->frontier_density_bps,
			p->dense_frontier_threshold_bps);
		if (x->graph_node_count == 0 ||
		    x->graph_edge_count < p->fusion_edge_threshold)
			fprintf(f, " (not fused: graph_edge_count %" PRIu32
				" < %" PRIu32 " or no node count)\n",
				x->graph_edge_count, p->fusion_edge_threshold);
		else if (!hot)
			fprintf(f, " (not fused: no hot opcodes or windows promoted)\n");
		else
			fputc('\n', f);
		break;
	case VY_TOPO_RULE_HYBRID:
		fprintf(f,
			"topology: %s, because density %u bps is between %u and %u bps\n",
			raw, x->frontier_density_bps,
			p->sparse_frontier_threshold_bps,
			p->dense_frontier_threshold_bps);
		break;
	}
}

static void explain_hysteresis(FILE *f, const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *x = &t->effective;
	const char *prev = vy_pol_topology_name(t->previous);
	const char *topo = vy_pol_topology_name(t->topology);

	switch (t->hyst_rule) {
	case VY_HYST_NO_PREVIOUS:
		fprintf(f, "hysteresis: none (no previous topology)\n");
		break;
	case VY_HYST_RAW_FIXED:
		fprintf(f,
			"hysteresis: previous %s ignored, %s always wins\n",
			prev, topo);
		break;
	case VY_HYST_HOLD_MEMORY:
		fprintf(f,
			"hysteresis: held %s, because memory pressure %u bps >= %u bps (threshold - 250)\n",
			topo, x->memory_pressure_bps, t->hyst_bound_bps);
		break;
	case VY_HYST_HOLD_SPARSE:
	case VY_HYST_HOLD_HYBRID_HIGH:
		fprintf(f,
			"hysteresis: held previous %s instead of %s, because density %u bps <= %u bps (threshold + 250)\n",
			topo, vy_pol_topology_name(t->raw_topology),
			x->frontier_density_bps, t->hyst_bound_bps);
		break;
	case VY_HYST_HOLD_HYBRID_LOW:
	case VY_HYST_HOLD_DENSE:
	case VY_HYST_HOLD_FUSED:
		fprintf(f,
			"hysteresis: held previous %s instead of %s, because density %u bps >= %u bps (threshold - 250)\n",
			topo, vy_pol_topology_name(t->raw_topology),
			x->frontier_density_bps, t->hyst_bound_bps);
		break;
	case VY_HYST_RELEASED:
		fprintf(f,
			"hysteresis: previous %s released, %s applies (outside the 250 bps band)\n",
			prev, topo);
		break;
	}
}

static void explain_workers(FILE *f, const struct vy_pol_launch_policy *p,
			    const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *x = &t->effective;

	switch (t->shed_rule) {
	case VY_SHED_NONE:
		if (x->requested_worker_groups == 0)
			fprintf(f, "workers: none requested, derive from adapter occupancy\n");
		else
			fprintf(f, "workers: %" PRIu32 " requested, no shedding\n",
				x->requested_worker_groups);
		break;
	case VY_SHED_MEMORY:
		fprintf(f,
			"workers: memory-constrained shedding %" PRIu32 " -> %" PRIu32
			" (shed %u bps = 2500 + 2500 x (pressure %u - %u) / %u)\n",
			t->workers_before_shed, t->workers_after_shed,
			t->shed_bps, x->memory_pressure_bps,
			p->memory_pressure_threshold_bps,
			10000u - p->memory_pressure_threshold_bps);
		break;
	case VY_SHED_SPARSE:
		fprintf(f,
			"workers: sparse-frontier scaling %" PRIu32 " -> %" PRIu32
			" (x density %u / %u bps, warp floor %" PRIu32 ")\n",
			t->workers_before_shed, t->workers_after_shed,
			t->shed_density_bps, p->sparse_frontier_threshold_bps,
			t->workers_before_shed < 32 ? t->workers_before_shed :
						      32u);
		break;
	}
}

static void explain_grid(FILE *f, const struct vy_pol_launch_policy *p,
			 const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *x = &t->effective;
	const struct vy_pol_grid_plan *g = &t->grid;

	if (t->workers_from_occupancy)
		fprintf(f,
			"grid: %" PRIu32 " worker groups from occupancy = min(max(clamp(%" PRIu32
			" / %" PRIu32 ", 1, %" PRIu32 "), %s), %" PRIu32 ")\n",
			g->worker_groups, x->max_compute_workgroups_per_dimension,
			p->sizing.occupancy_worker_divisor,
			p->sizing.max_dispatch_workgroups,
			x->max_compute_invocations_per_workgroup >=
					p->sizing.powerful_invocation_threshold ?
				"64 for >= 4096 invocations" :
				"1",
			x->max_compute_workgroups_per_dimension);
	else
		fprintf(f,
			"grid: %" PRIu32 " worker groups = min(%" PRIu32
			" requested, %" PRIu32 " max per dimension)\n",
			g->worker_groups, t->workers_after_shed,
			x->max_compute_workgroups_per_dimension);
	fprintf(f,
		"grid: width %" PRIu32 " = worker groups clamped to max x %" PRIu32
		"; %" PRIu32 " slots = queue %" PRIu32
		" padded to a multiple of the width; grid [%" PRIu32
		",1,1] = min(slots / width, workers, %" PRIu32 ")\n",
		g->geometry.workgroup_size_x, x->max_workgroup_size_x,
		g->geometry.slot_count, x->queue_len,
		g->geometry.dispatch_grid[0], p->sizing.max_dispatch_workgroups);
}

static void explain_pressure(FILE *f, const struct vy_pol_launch_policy *p,
			     const struct vy_pol_launch_trace *t)
{
	const struct vy_pol_launch_request *x = &t->effective;
	uint64_t lanes = t->lanes ? t->lanes : 1;

	switch (t->pressure_rule) {
	case VY_PRESSURE_RULE_EMPTY:
		fprintf(f, "pressure: empty, because queue_len is 0\n");
		break;
	case VY_PRESSURE_RULE_REQUEUE:
		fprintf(f, "pressure: saturated, because requeue_count %" PRIu64
			" > 0\n", x->requeue_count);
		break;
	case VY_PRESSURE_RULE_WAVES:
		fprintf(f,
			"pressure: saturated, because queue %" PRIu32 " >= %" PRIu64
			" lanes x %" PRIu32 " waves\n",
			x->queue_len, lanes, p->saturated_waves);
		break;
	case VY_PRESSURE_RULE_LANES:
		fprintf(f,
			"pressure: balanced, because queue %" PRIu32 " >= %" PRIu64
			" lanes and < %" PRIu32 " waves\n",
			x->queue_len, lanes, p->saturated_waves);
		break;
	case VY_PRESSURE_RULE_BELOW_LANES:
		fprintf(f, "pressure: light, because queue %" PRIu32
			" < %" PRIu64 " lanes\n", x->queue_len, lanes);
		break;
	}
}

static void explain_sizes(FILE *f, const struct vy_pol_launch_policy *p,
			  const struct vy_pol_launch_trace *t,
			  const struct vy_pol_launch_recommendation *rec, int rc)
{
	const struct vy_pol_launch_request *x = &t->effective;
	uint32_t hits = x->expected_hits_per_item ? x->expected_hits_per_item : 1;

	if (t->hit_capacity_explicit)
		fprintf(f, "hit capacity: %" PRIu32 " as requested (no minimum applied)\n",
			x->requested_hit_capacity);
	else if (rc == VY_E_HIT_CAPACITY_OVERFLOW)
		fprintf(f, "hit capacity: queue %" PRIu32 " x %" PRIu32
			" hits x %" PRIu32 " overflows u32\n",
			x->queue_len, hits, t->hit_multiplier);
	else
		fprintf(f,
			"hit capacity: %" PRIu64 " = max(queue %" PRIu32 " x %" PRIu32
			" hits x multiplier %" PRIu32 "%s, minimum %" PRIu32 ")\n",
			t->hit_derived < p->min_hit_capacity ?
				(uint64_t)p->min_hit_capacity : t->hit_derived,
			x->queue_len, hits, t->hit_multiplier,
			t->hit_multiplier == 1 ? " (1 under memory pressure)" : "",
			p->min_hit_capacity);
	if (t->stage < 5)
		return;
	fprintf(f, "peak: %" PRIu64 " device bytes = resident %" PRIu64
		" + %" PRIu64 " scratch (%" PRIu32 " bytes per hit); budget %s",
		t->peak_bytes, x->resident_device_bytes, t->scratch_bytes,
		p->scratch_bytes_per_hit,
		x->device_memory_budget_bytes ? "" : "unbounded\n");
	if (x->device_memory_budget_bytes)
		fprintf(f, "%" PRIu64 " bytes: %s\n",
			x->device_memory_budget_bytes,
			rc == VY_E_DEVICE_OUT_OF_MEMORY ? "over budget" : "fits");
	if (t->stage < 6)
		return;
	if (!t->jit_reasons) {
		fprintf(f,
			"mode: interpreter, because queue %" PRIu32 " < %" PRIu32
			", hot opcodes %" PRIu32 " < %" PRIu32 ", hot windows %" PRIu32
			" < %" PRIu32 " and not fused\n",
			x->queue_len, p->jit_queue_len_threshold,
			x->hot_opcode_count, p->hot_opcode_threshold,
			x->hot_window_count, p->hot_window_threshold);
	} else {
		const char *sep = "";

		fprintf(f, "mode: jit, because");
		if (t->jit_reasons & VY_JIT_QUEUE_LEN) {
			fprintf(f, " queue %" PRIu32 " >= %" PRIu32, x->queue_len,
				p->jit_queue_len_threshold);
			sep = ";";
		}
		if (t->jit_reasons & VY_JIT_HOT_OPCODES) {
			fprintf(f, "%s hot opcodes %" PRIu32 " >= %" PRIu32, sep,
				x->hot_opcode_count, p->hot_opcode_threshold);
			sep = ";";
		}
		if (t->jit_reasons & VY_JIT_HOT_WINDOWS) {
			fprintf(f, "%s hot windows %" PRIu32 " >= %" PRIu32, sep,
				x->hot_window_count, p->hot_window_threshold);
			sep = ";";
		}
		if (t->jit_reasons & VY_JIT_FUSED)
			fprintf(f, "%s topology is fused_dense", sep);
		fputc('\n', f);
	}
	if (rec->age_priority_work)
		fprintf(f, "aging: on, because %s\n",
			x->requeue_count ? "requeue_count > 0" :
					   "max_priority_age >= threshold");
	else
		fprintf(f, "aging: off (no requeues, max_priority_age %" PRIu32
			" < %" PRIu32 ")\n",
			x->max_priority_age, p->priority_age_threshold);
}

void vy_rep_launch_trace_explain(FILE *f, const struct vy_pol_launch_policy *p,
			     const struct vy_pol_launch_trace *t, int rc,
			     const struct vy_pol_launch_recommendation *rec)
{
	if (t->stage < 1)
		return;
	explain_inference(f, t);
	explain_topology(f, p, t);
	if (t->stage < 2) {
		fprintf(f, "stopped: %s\n", vy_err_name(rc));
		return;
	}
	explain_hysteresis(f, t);
	explain_workers(f, p, t);
	if (t->stage < 3) {
		fprintf(f, "stopped: %s\n", vy_err_name(rc));
		return;
	}
	explain_grid(f, p, t);
	explain_pressure(f, p, t);
	explain_sizes(f, p, t, rec, rc);
	if (rc)
		fprintf(f, "stopped: %s\n", vy_err_name(rc));
}

void vy_rep_feedback_explain(FILE *f, const char *path,
			     const struct vy_pol_launch_feedback *fb)
{
	fprintf(f,
		"feedback: %s: %" PRIu32 " slots, queue depth %" PRIu32
		", density %u bps, %" PRIu32 " hot opcodes, %" PRIu32
		" hot windows, %" PRIu32 " requeued slots (zero fields filled, hot counts replaced)\n",
		path, fb->total_slots, fb->queue_depth, fb->frontier_density_bps,
		fb->hot_opcode_count, fb->hot_window_count, fb->requeue_slots);
}
