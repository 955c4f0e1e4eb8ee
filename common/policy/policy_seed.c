/* SPDX-License-Identifier: MIT */
/*
 * policy_seed.c - the launch configuration of planner/config.rs and the
 * per-dispatch telemetry counters of seed 004 (policy-telemetry.md §3.4).
 */
#include "policy/seed.h"

#include <string.h>

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
