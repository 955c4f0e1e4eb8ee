/* SPDX-License-Identifier: MIT */
/*
 * caps.c - the limits of an OpenCL device for the megakernel, for
 * vyre-launch (through the session) and vyre-recommend --device (through
 * a session opened only to ask), so both see the same numbers.
 *
 * OpenCL has no "work-groups per dimension" limit and no guarantee of
 * how many work-groups run at once.  A persistent kernel needs every
 * work-group resident (spinning groups have no forward progress), and
 * one work-group per compute unit is the count every implementation can
 * hold: PoCL runs one work-group per worker thread (= compute unit),
 * and a GPU fits at least one work-group of the maximum size per SM/CU.
 */
#include "device/caps.h"
#include "device/megakernel.h"

#include <stdio.h>
#include <string.h>

static uint32_t min_u32(uint64_t a, uint64_t b)
{
	uint64_t m = a < b ? a : b;

	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

static uint32_t resident_groups(const struct vy_dev_cl_devinfo *d)
{
	uint32_t n = d->compute_units ? d->compute_units : 1;

	return d->is_cpu && n > 1 ? n - 1 : n;
}

/* "OpenCL 1.1 ..." -> 101; 0 when the string is not OpenCL's */
static unsigned opencl_version(const char *v)
{
	unsigned major, minor;

	if (sscanf(v, "OpenCL %u.%u", &major, &minor) != 2)
		return 0;
	return major * 100 + minor;
}

void vy_dev_caps_of(const struct vy_dev_cl_devinfo *d, struct vy_dev_caps *out)
{
	unsigned v = opencl_version(d->version);

	memset(out, 0, sizeof(*out));
	if (!d->little_endian)
		snprintf(out->reason, sizeof(out->reason),
			 "big-endian device (the wire is little-endian)");
	else if (v && v < 102)
		snprintf(out->reason, sizeof(out->reason),
			 "%s device (the megakernel needs OpenCL C 1.2)",
			 d->version);
	if (out->reason[0])
		return;
	out->supported = true;
	out->max_worker_count = resident_groups(d);
}

int vy_dev_limits_query(const struct vy_dev_cl *cl, cl_kernel kern,
			struct vy_dev_limits *out, struct vy_err *e)
{
	const struct vy_dev_cl_devinfo *d = &cl->info;
	size_t sizes[3] = { 0, 0, 0 }, kwg = 0;
	uint64_t wg = d->max_workgroup_size;
	cl_int err;

	memset(out, 0, sizeof(*out));
	err = clGetDeviceInfo(cl->device, CL_DEVICE_MAX_WORK_ITEM_SIZES,
			      sizeof(sizes), sizes, NULL);
	if (err != CL_SUCCESS)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "clGetDeviceInfo(CL_DEVICE_MAX_WORK_ITEM_SIZES): %s",
			       vy_dev_cl_strerror(err));
	if (kern) {
		err = clGetKernelWorkGroupInfo(kern, cl->device,
					       CL_KERNEL_WORK_GROUP_SIZE,
					       sizeof(kwg), &kwg, NULL);
		if (err != CL_SUCCESS)
			return vy_errf(e, VY_E_DEVICE, NULL,
				       "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE): %s",
				       vy_dev_cl_strerror(err));
		if (kwg && kwg < wg)
			wg = kwg;
	}
	out->max_invocations = min_u32(wg, UINT32_MAX);
	out->max_workgroup_size_x = min_u32(sizes[0], wg);
	if (!out->max_workgroup_size_x)
		out->max_workgroup_size_x = 1;
	if (!out->max_invocations)
		out->max_invocations = 1;
	out->compute_units = d->compute_units;
	out->resident_worker_groups = resident_groups(d);
	out->global_mem_bytes = d->global_mem_bytes;
	vy_dev_cl_describe(d, out->name, sizeof(out->name));
	return 0;
}

int vy_dev_launch_limits(const char *spec, struct vy_dev_limits *out,
			 struct vy_err *e)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	int err;

	p.device = spec;
	p.persistent = 1;
	p.tenant_count = 1;
	err = vy_dev_mk_open(&mk, &p, e);
	if (err)
		return err;
	err = vy_dev_mk_limits(mk, out, e);
	vy_dev_mk_close(mk);
	return err;
}
