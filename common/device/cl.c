/* SPDX-License-Identifier: MIT */
#include "device/cl.h"
#include "device/caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

#define VY_CL_MAX_PLATFORMS 16
#define VY_CL_MAX_DEVICES 64

const char *vy_dev_cl_strerror(cl_int err)
{
	static __thread char buf[32];

	switch (err) {
#define C(x) case x: return #x;
	C(CL_SUCCESS)
	C(CL_DEVICE_NOT_FOUND)
	C(CL_DEVICE_NOT_AVAILABLE)
	C(CL_COMPILER_NOT_AVAILABLE)
	C(CL_MEM_OBJECT_ALLOCATION_FAILURE)
	C(CL_OUT_OF_RESOURCES)
	C(CL_OUT_OF_HOST_MEMORY)
	C(CL_PROFILING_INFO_NOT_AVAILABLE)
	C(CL_MEM_COPY_OVERLAP)
	C(CL_IMAGE_FORMAT_MISMATCH)
	C(CL_IMAGE_FORMAT_NOT_SUPPORTED)
	C(CL_BUILD_PROGRAM_FAILURE)
	C(CL_MAP_FAILURE)
	C(CL_MISALIGNED_SUB_BUFFER_OFFSET)
	C(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
	C(CL_COMPILE_PROGRAM_FAILURE)
	C(CL_LINKER_NOT_AVAILABLE)
	C(CL_LINK_PROGRAM_FAILURE)
	C(CL_DEVICE_PARTITION_FAILED)
	C(CL_KERNEL_ARG_INFO_NOT_AVAILABLE)
	C(CL_INVALID_VALUE)
	C(CL_INVALID_DEVICE_TYPE)
	C(CL_INVALID_PLATFORM)
	C(CL_INVALID_DEVICE)
	C(CL_INVALID_CONTEXT)
	C(CL_INVALID_QUEUE_PROPERTIES)
	C(CL_INVALID_COMMAND_QUEUE)
	C(CL_INVALID_HOST_PTR)
	C(CL_INVALID_MEM_OBJECT)
	C(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)
	C(CL_INVALID_IMAGE_SIZE)
	C(CL_INVALID_SAMPLER)
	C(CL_INVALID_BINARY)
	C(CL_INVALID_BUILD_OPTIONS)
	C(CL_INVALID_PROGRAM)
	C(CL_INVALID_PROGRAM_EXECUTABLE)
	C(CL_INVALID_KERNEL_NAME)
	C(CL_INVALID_KERNEL_DEFINITION)
	C(CL_INVALID_KERNEL)
	C(CL_INVALID_ARG_INDEX)
	C(CL_INVALID_ARG_VALUE)
	C(CL_INVALID_ARG_SIZE)
	C(CL_INVALID_KERNEL_ARGS)
	C(CL_INVALID_WORK_DIMENSION)
	C(CL_INVALID_WORK_GROUP_SIZE)
	C(CL_INVALID_WORK_ITEM_SIZE)
	C(CL_INVALID_GLOBAL_OFFSET)
	C(CL_INVALID_EVENT_WAIT_LIST)
	C(CL_INVALID_EVENT)
	C(CL_INVALID_OPERATION)
	C(CL_INVALID_GL_OBJECT)
	C(CL_INVALID_BUFFER_SIZE)
	C(CL_INVALID_MIP_LEVEL)
	C(CL_INVALID_GLOBAL_WORK_SIZE)
	C(CL_INVALID_PROPERTY)
	C(CL_PLATFORM_NOT_FOUND_KHR)
#undef C
	default:
		snprintf(buf, sizeof(buf), "CL_%d", (int)err);
		return buf;
	}
}

static void devinfo(cl_platform_id p, cl_device_id d, unsigned pi,
		    unsigned di, struct vy_dev_cl_devinfo *o)
{
	cl_device_type type = 0;
	cl_bool b = CL_FALSE;
	cl_uint u = 0;
	size_t sz = 0;
	cl_ulong ul = 0;

	memset(o, 0, sizeof(*o));
	o->platform_idx = pi;
	o->device_idx = di;
	clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof(o->platform) - 1,
			  o->platform, NULL);
	clGetDeviceInfo(d, CL_DEVICE_NAME, sizeof(o->name) - 1, o->name, NULL);
	clGetDeviceInfo(d, CL_DEVICE_VERSION, sizeof(o->version) - 1,
			o->version, NULL);
	clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof(type), &type, NULL);
	o->is_gpu = !!(type & CL_DEVICE_TYPE_GPU);
	o->is_cpu = !!(type & CL_DEVICE_TYPE_CPU);
	if (clGetDeviceInfo(d, CL_DEVICE_HOST_UNIFIED_MEMORY, sizeof(b), &b,
			    NULL) != CL_SUCCESS)
		b = CL_FALSE;
	o->unified_memory = b == CL_TRUE || o->is_cpu;
	b = CL_TRUE;
	clGetDeviceInfo(d, CL_DEVICE_ENDIAN_LITTLE, sizeof(b), &b, NULL);
	o->little_endian = b == CL_TRUE;
	clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof(u), &u, NULL);
	o->compute_units = u;
	clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof(sz), &sz,
			NULL);
	o->max_workgroup_size = sz;
	clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof(ul), &ul, NULL);
	o->global_mem_bytes = ul;
	ul = 0;
	clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof(ul), &ul, NULL);
	o->max_alloc_bytes = ul;
}

/* Every (platform, device) pair; returns the count or a negative code. */
static int enumerate(cl_platform_id *plats, cl_device_id *devs,
		     unsigned *pidx, unsigned *didx, int max, struct vy_err *e)
{
	cl_platform_id p[VY_CL_MAX_PLATFORMS];
	cl_uint np = 0;
	cl_int rc;
	int n = 0;

	rc = clGetPlatformIDs(VY_CL_MAX_PLATFORMS, p, &np);
	if (rc == CL_PLATFORM_NOT_FOUND_KHR || (rc == CL_SUCCESS && np == 0))
		return 0;
	if (rc != CL_SUCCESS)
		return vy_errf(e, VY_E_DEVICE,
			       "check the OpenCL ICD loader and drivers",
			       "clGetPlatformIDs: %s", vy_dev_cl_strerror(rc));
	if (np > VY_CL_MAX_PLATFORMS)
		np = VY_CL_MAX_PLATFORMS;
	for (cl_uint i = 0; i < np; i++) {
		cl_device_id d[VY_CL_MAX_DEVICES];
		cl_uint nd = 0;

		if (clGetDeviceIDs(p[i], CL_DEVICE_TYPE_ALL, VY_CL_MAX_DEVICES,
				   d, &nd) != CL_SUCCESS)
			continue;
		if (nd > VY_CL_MAX_DEVICES)
			nd = VY_CL_MAX_DEVICES;
		for (cl_uint j = 0; j < nd; j++) {
			if (n < max) {
				plats[n] = p[i];
				devs[n] = d[j];
				pidx[n] = i;
				didx[n] = j;
			}
			n++;
		}
	}
	return n;
}

int vy_dev_cl_list(struct vy_dev_cl_devinfo *out, int max, struct vy_err *e)
{
	cl_platform_id p[VY_CL_MAX_DEVICES];
	cl_device_id d[VY_CL_MAX_DEVICES];
	unsigned pi[VY_CL_MAX_DEVICES], di[VY_CL_MAX_DEVICES];
	int n = enumerate(p, d, pi, di, VY_CL_MAX_DEVICES, e);

	if (n < 0)
		return n;
	for (int i = 0; i < n && i < max && i < VY_CL_MAX_DEVICES; i++)
		devinfo(p[i], d[i], pi[i], di[i], &out[i]);
	return n;
}

void vy_dev_cl_describe(const struct vy_dev_cl_devinfo *d, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u %s (%s)", d->platform_idx, d->device_idx,
		 d->name, d->platform);
}

static int parse_spec(const char *spec, unsigned *pi, unsigned *di)
{
	uint64_t a, b = 0;
	char tmp[64];
	char *colon;

	if (strlen(spec) >= sizeof(tmp))
		return -1;
	strcpy(tmp, spec);
	colon = strchr(tmp, ':');
	if (colon) {
		*colon = '\0';
		if (vy_parse_u64(colon + 1, 1000, 0, &b))
			return -1;
	}
	if (vy_parse_u64(tmp, 1000, 0, &a))
		return -1;
	*pi = (unsigned)a;
	*di = (unsigned)b;
	return 0;
}

int vy_dev_cl_open(struct vy_dev_cl *cl, const char *spec, struct vy_err *e)
{
	cl_platform_id p[VY_CL_MAX_DEVICES];
	cl_device_id d[VY_CL_MAX_DEVICES];
	unsigned pi[VY_CL_MAX_DEVICES], di[VY_CL_MAX_DEVICES];
	struct vy_dev_cl_devinfo info;
	struct vy_dev_caps caps;
	int n, pick = -1;
	cl_int rc;

	memset(cl, 0, sizeof(*cl));
	n = enumerate(p, d, pi, di, VY_CL_MAX_DEVICES, e);
	if (n < 0)
		return n;
	if (n > VY_CL_MAX_DEVICES)
		n = VY_CL_MAX_DEVICES;
	if (n == 0)
		return vy_errf(e, VY_E_NO_DEVICE,
			       "install an OpenCL driver, e.g. pocl-opencl-icd",
			       "no OpenCL device found");
	if (!spec || !*spec || !strcmp(spec, "gpu") || !strcmp(spec, "cpu")) {
		int want_gpu = !spec || !*spec || !strcmp(spec, "gpu");
		int want_cpu = !spec || !*spec || !strcmp(spec, "cpu");

		for (int i = 0; i < n && pick < 0 && want_gpu; i++) {
			devinfo(p[i], d[i], pi[i], di[i], &info);
			if (info.is_gpu)
				pick = i;
		}
		for (int i = 0; i < n && pick < 0 && want_cpu; i++) {
			devinfo(p[i], d[i], pi[i], di[i], &info);
			if (info.is_cpu)
				pick = i;
		}
		if (pick < 0 && (!spec || !*spec))
			pick = 0;
		if (pick < 0)
			return vy_errf(e, VY_E_NO_DEVICE,
				       "run --list-devices and pick one with -d PLATFORM:DEVICE",
				       "no OpenCL %s device found", spec);
	} else {
		unsigned wp, wd;

		if (parse_spec(spec, &wp, &wd))
			return vy_errf(e, VY_E_INVAL,
				       "use PLATFORM:DEVICE (e.g. 0:0), cpu or gpu",
				       "bad device '%s'", spec);
		for (int i = 0; i < n && pick < 0; i++)
			if (pi[i] == wp && di[i] == wd)
				pick = i;
		if (pick < 0)
			return vy_errf(e, VY_E_NO_DEVICE,
				       "run --list-devices to see the indices",
				       "no OpenCL device %u:%u", wp, wd);
	}
	devinfo(p[pick], d[pick], pi[pick], di[pick], &cl->info);
	vy_dev_caps_of(&cl->info, &caps);
	if (!caps.supported)
		return vy_errf(e, VY_E_UNSUPPORTED,
			       "pick a supported device with -d (--list-devices shows them)",
			       "device '%s' is not supported: %s", cl->info.name,
			       caps.reason);
	cl->platform = p[pick];
	cl->device = d[pick];
	cl->ctx = clCreateContext(NULL, 1, &cl->device, NULL, NULL, &rc);
	if (!cl->ctx)
		return vy_errf(e, VY_E_DEVICE, NULL, "clCreateContext: %s",
			       vy_dev_cl_strerror(rc));
	/* clCreateCommandQueue is deprecated in 2.0 but works everywhere. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	/*
	 * No profiling unless asked (vy_dev_cl_profile): on NVIDIA's driver
	 * it tripled the host's cost of queuing a command (H200: a relaunch
	 * round trip 17.7 -> 30.5 us, 3.2 -> 9.5 us queuing per item).
	 */
	cl->q = clCreateCommandQueue(cl->ctx, cl->device, 0, &rc);
	if (cl->q)
		cl->q2 = clCreateCommandQueue(cl->ctx, cl->device, 0, &rc);
#pragma GCC diagnostic pop
	if (!cl->q || !cl->q2) {
		vy_dev_cl_close(cl);
		return vy_errf(e, VY_E_DEVICE, NULL, "clCreateCommandQueue: %s",
			       vy_dev_cl_strerror(rc));
	}
	return 0;
}

int vy_dev_cl_profile(struct vy_dev_cl *cl, struct vy_err *e)
{
	cl_command_queue q;
	cl_int rc;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	q = clCreateCommandQueue(cl->ctx, cl->device,
				 CL_QUEUE_PROFILING_ENABLE, &rc);
#pragma GCC diagnostic pop
	if (!q)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "clCreateCommandQueue (profiling): %s",
			       vy_dev_cl_strerror(rc));
	clReleaseCommandQueue(cl->q);
	cl->q = q;
	return 0;
}

void vy_dev_cl_close(struct vy_dev_cl *cl)
{
	if (!cl)
		return;
	if (cl->q2)
		clReleaseCommandQueue(cl->q2);
	if (cl->q)
		clReleaseCommandQueue(cl->q);
	if (cl->ctx)
		clReleaseContext(cl->ctx);
	cl->q2 = NULL;
	cl->q = NULL;
	cl->ctx = NULL;
}

char *vy_dev_cl_build_log(struct vy_dev_cl *cl, cl_program prog)
{
	size_t len = 0;
	char *log;

	if (clGetProgramBuildInfo(prog, cl->device, CL_PROGRAM_BUILD_LOG, 0,
				  NULL, &len) != CL_SUCCESS)
		return NULL;
	log = malloc(len + 1);
	if (!log)
		return NULL;
	if (clGetProgramBuildInfo(prog, cl->device, CL_PROGRAM_BUILD_LOG, len,
				  log, NULL) != CL_SUCCESS) {
		free(log);
		return NULL;
	}
	log[len] = '\0';
	return log;
}

int vy_dev_cl_build(struct vy_dev_cl *cl, const char *src, size_t len,
		const char *options, cl_program *out, struct vy_err *e)
{
	cl_program prog;
	cl_int rc;

	prog = clCreateProgramWithSource(cl->ctx, 1, &src, &len, &rc);
	if (!prog)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "clCreateProgramWithSource: %s",
			       vy_dev_cl_strerror(rc));
	rc = clBuildProgram(prog, 1, &cl->device, options, NULL, NULL);
	if (rc != CL_SUCCESS) {
		char *log = vy_dev_cl_build_log(cl, prog);
		char *p;

		/* one line: the first log lines, newlines as "; " */
		if (log) {
			for (p = log; *p; p++)
				if (*p == '\n')
					*p = ' ';
		}
		vy_errf(e, VY_E_CL_BUILD, log ? log : "(no build log)",
			"program build failed: %s", vy_dev_cl_strerror(rc));
		free(log);
		clReleaseProgram(prog);
		return VY_E_CL_BUILD;
	}
	*out = prog;
	return 0;
}

int vy_dev_cl_source(const char *path, const char *embedded, size_t embedded_len,
		 char **out, size_t *len, struct vy_err *e)
{
	uint8_t *buf;
	size_t n;
	int rc;

	if (!path) {
		*out = malloc(embedded_len + 1);
		if (!*out)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		memcpy(*out, embedded, embedded_len);
		(*out)[embedded_len] = '\0';
		*len = embedded_len;
		return 0;
	}
	rc = vy_read_file(path, &buf, &n, e);
	if (rc)
		return rc;
	/* A kernel file gets the wire constants as the embedded ones do. */
	*out = malloc(vy_wire_cl_len + n + 1);
	if (!*out) {
		free(buf);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	memcpy(*out, vy_wire_cl_src, vy_wire_cl_len);
	memcpy(*out + vy_wire_cl_len, buf, n);
	free(buf);
	*len = vy_wire_cl_len + n;
	(*out)[*len] = '\0';
	return 0;
}
