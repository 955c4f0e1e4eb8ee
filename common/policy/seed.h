/* SPDX-License-Identifier: MIT */
/*
 * seed.h - what the upstream seeds define around a launch that the
 * toolkit keeps for conformance: the launch configuration of
 * planner/config.rs (MegakernelConfig), and seed 004's backend caps, work
 * item and per-dispatch telemetry counters (policy-telemetry.md §3.4).
 *
 * Plain data and pure functions over caller-owned structs: nothing here
 * allocates, prints or exits.
 */
#ifndef VY_POLICY_SEED_H
#define VY_POLICY_SEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "policy/policy.h"

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

#endif
