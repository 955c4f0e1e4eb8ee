/* SPDX-License-Identifier: MIT */
/*
 * policy_device.c - the adapter limits of an OpenCL device, for
 * vyre-recommend --device.
 *
 * OpenCL has no "work-groups per dimension" limit and no guarantee of
 * how many work-groups run at once.  A persistent kernel needs every
 * work-group resident (spinning groups have no forward progress), and
 * one work-group per compute unit is the count every implementation can
 * hold: PoCL runs one work-group per worker thread (= compute unit),
 * and a GPU fits at least one work-group of the maximum size per SM/CU.
 */
#include "device/cl.h"
#include "device/caps.h"

#include <stdio.h>
#include <string.h>

int vy_dev_launch_limits(const char *spec, struct vy_dev_limits *out,
			    struct vy_err *e)
{
	struct vy_dev_cl cl;
	size_t sizes[3] = { 0, 0, 0 };
	cl_int err;
	uint64_t wg;
	int ret;

	memset(&cl, 0, sizeof(cl));
	ret = vy_dev_cl_open(&cl, spec, e);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	err = clGetDeviceInfo(cl.device, CL_DEVICE_MAX_WORK_ITEM_SIZES,
			      sizeof(sizes), sizes, NULL);
	if (err != CL_SUCCESS) {
		ret = vy_errf(e, VY_E_DEVICE, NULL,
			      "clGetDeviceInfo(CL_DEVICE_MAX_WORK_ITEM_SIZES): %s",
			      vy_dev_cl_strerror(err));
		goto out;
	}
	wg = cl.info.max_workgroup_size;
	if (wg > UINT32_MAX)
		wg = UINT32_MAX;
	out->max_invocations = (uint32_t)wg;
	out->max_workgroup_size_x = sizes[0] < wg ? (uint32_t)sizes[0] :
						    (uint32_t)wg;
	out->compute_units = cl.info.compute_units;
	out->resident_worker_groups = cl.info.compute_units ?
					      cl.info.compute_units : 1;
	out->global_mem_bytes = cl.info.global_mem_bytes;
	vy_dev_cl_describe(&cl.info, out->name, sizeof(out->name));
out:
	vy_dev_cl_close(&cl);
	return ret;
}
