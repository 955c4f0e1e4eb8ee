/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "policy/launch.h"

static void choose(uint32_t maxx, uint32_t resident, uint32_t slots,
		   bool persistent, struct vy_pol_launch_geometry *g)
{
	struct vy_pol_device_limits lim = { maxx, maxx, resident };
	struct vy_pol_launch_recommendation rec;
	struct vy_err e;

	VY_CHECK(vy_pol_launch_geometry_choose(&lim, slots, persistent, &rec,
					       g, &e) == 0);
	VY_CHECK_EQ_U64(g->workgroups, rec.geometry.dispatch_grid[0]);
	VY_CHECK_EQ_U64(g->workgroup_size, rec.geometry.workgroup_size_x);
}

/* PoCL on 2 cores: one resident group, but a 64-lane one (not 2 x 2). */
VY_TEST(policy_launch_cpu_is_wide_and_resident)
{
	struct vy_pol_launch_geometry g;

	choose(4096, 1, 256, true, &g);
	VY_CHECK_EQ_U64(g.workgroups, 1);
	VY_CHECK_EQ_U64(g.workgroup_size, 64);
	choose(4096, 2, 256, true, &g);
	VY_CHECK_EQ_U64(g.workgroups, 2);
	VY_CHECK_EQ_U64(g.workgroup_size, 64);
}

/* An H200: every SM gets a group, whatever the ring (as before). */
VY_TEST(policy_launch_gpu_fills_every_compute_unit)
{
	struct vy_pol_launch_geometry g;

	choose(1024, 132, 256, true, &g);
	VY_CHECK_EQ_U64(g.workgroups, 132);
	VY_CHECK_EQ_U64(g.workgroup_size, 64);
	choose(1024, 132, 8, true, &g);
	VY_CHECK_EQ_U64(g.workgroups, 132);
}

/* Once mode makes one pass over the ring: no more groups than it needs. */
VY_TEST(policy_launch_once_is_bounded_by_the_ring)
{
	struct vy_pol_launch_geometry g;

	choose(1024, 132, 256, false, &g);
	VY_CHECK_EQ_U64(g.workgroups, 4);
	choose(1024, 132, 8, false, &g);
	VY_CHECK_EQ_U64(g.workgroups, 1);
}

/* A narrow kernel: the width follows it, the groups stay resident. */
VY_TEST(policy_launch_narrow_kernel)
{
	struct vy_pol_launch_geometry g;

	for (uint32_t r = 1; r <= 300; r += 37) {
		choose(16, r, 4096, true, &g);
		VY_CHECK_EQ_U64(g.workgroup_size, 16);
		VY_CHECK(g.workgroups <= r);
		VY_CHECK(g.workgroups >= 1);
	}
	choose(0, 0, 0, true, &g);
	VY_CHECK_EQ_U64(g.workgroups, 1);
	VY_CHECK_EQ_U64(g.workgroup_size, 1);
}
