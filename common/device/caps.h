/* SPDX-License-Identifier: MIT */
/*
 * caps.h - what a launch needs to know of an OpenCL device.
 */
#ifndef VY_DEVICE_CAPS_H
#define VY_DEVICE_CAPS_H

#include <stdint.h>

#include "wire/err.h"

/* ---- device limits for --device (caps.c) ---------------- */

/*
 * What the launch policy needs from an OpenCL device.  A persistent
 * kernel deadlocks when a work-group never becomes resident, so
 * resident_worker_groups is the number that is certainly co-resident:
 * one work-group per compute unit (on PoCL, one per worker thread).
 */
struct vy_dev_limits {
	char name[256];			/* "P:D name (platform)" */
	uint32_t max_workgroup_size_x;	/* CL_DEVICE_MAX_WORK_ITEM_SIZES[0],
					   at most the work-group size */
	uint32_t max_invocations;	/* CL_DEVICE_MAX_WORK_GROUP_SIZE */
	uint32_t compute_units;		/* CL_DEVICE_MAX_COMPUTE_UNITS */
	uint32_t resident_worker_groups;
	uint64_t global_mem_bytes;
};

/*
 * Query the device named by @spec (cl.h syntax: NULL/"" default, "cpu",
 * "gpu", "P:D").  Errors: those of vy_dev_cl_open (VY_E_NO_DEVICE,
 * VY_E_DEVICE, VY_E_INVAL).
 */
int vy_dev_launch_limits(const char *spec, struct vy_dev_limits *out,
			    struct vy_err *e);

#endif
