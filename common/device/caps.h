/* SPDX-License-Identifier: MIT */
/*
 * caps.h - what a launch of the megakernel needs to know of an OpenCL
 * device: the limits its geometry must keep.
 */
#ifndef VY_DEVICE_CAPS_H
#define VY_DEVICE_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "device/cl.h"
#include "wire/err.h"

/*
 * A persistent kernel deadlocks when a work-group never becomes resident,
 * so resident_worker_groups is the number that is certainly co-resident:
 * one work-group per compute unit (on PoCL, one per worker thread).  A CPU
 * device with more than one compute unit keeps one free: the host spins
 * too, and a copy transport needs a worker thread that is not running the
 * kernel.
 */
struct vy_dev_limits {
	char name[256];			/* "P:D name (platform)" */
	uint32_t max_workgroup_size_x;	/* lanes per work-group the megakernel
					   may have: the least of
					   CL_DEVICE_MAX_WORK_ITEM_SIZES[0],
					   CL_DEVICE_MAX_WORK_GROUP_SIZE and
					   CL_KERNEL_WORK_GROUP_SIZE */
	uint32_t max_invocations;	/* CL_DEVICE_MAX_WORK_GROUP_SIZE, at
					   most CL_KERNEL_WORK_GROUP_SIZE */
	uint32_t compute_units;		/* CL_DEVICE_MAX_COMPUTE_UNITS */
	uint32_t resident_worker_groups;
	uint64_t global_mem_bytes;
};

/*
 * The limits of the device @cl for the built kernel @kern (NULL: the
 * device's alone).  Errors: VY_E_DEVICE when a query fails.
 */
int vy_dev_limits_query(const struct vy_dev_cl *cl, cl_kernel kern,
			struct vy_dev_limits *out, struct vy_err *e);

/*
 * The limits of the device named by @spec (cl.h syntax: NULL/"" default,
 * "cpu", "gpu", "P:D") for the embedded megakernel, as a megakernel
 * session there sees them: opens one and closes it.  Errors: those of
 * vy_dev_mk_open (VY_E_NO_DEVICE, VY_E_DEVICE, VY_E_CL_BUILD, ...).
 */
int vy_dev_launch_limits(const char *spec, struct vy_dev_limits *out,
			 struct vy_err *e);

/*
 * The seed's MegakernelCaps (policy-telemetry.md §3.2) of one device, as
 * vyre-launch --list-devices shows it and vy_dev_cl_open enforces it:
 *   supported         the megakernel can run there: a little-endian device
 *                     (the wire is little-endian, protocol.md Q14) with
 *                     OpenCL C 1.2 or later (the kernels' language)
 *   max_worker_count  the most work-groups a persistent launch may have:
 *                     resident_worker_groups above (compute units, one
 *                     fewer on a CPU device with several); 0 when not
 *                     supported, as upstream's unsupported()
 * @reason says why a device is not supported ("" when it is).
 */
struct vy_dev_caps {
	bool supported;
	uint32_t max_worker_count;
	char reason[192];
};

/* The caps of the device @d describes (no OpenCL call). */
void vy_dev_caps_of(const struct vy_dev_cl_devinfo *d, struct vy_dev_caps *out);

#endif
