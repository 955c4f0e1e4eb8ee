/* SPDX-License-Identifier: MIT */
/*
 * cl.h - OpenCL platform and device selection, context and queues, program
 * build from an embedded or file source, error names.
 *
 * Device specifiers (vy_dev_cl_open, vyre-launch -d):
 *	NULL or ""	the default: the first GPU of any platform, else the
 *			first CPU device (PoCL), else the first device at all
 *	"gpu", "cpu"	the first device of that type
 *	"P:D"		platform P, device D (indices as --list-devices shows)
 *	"P"		platform P, device 0
 *
 * Library code: never prints or exits; errors are VY_E_NO_DEVICE (nothing
 * matches; the hint names --list-devices), VY_E_DEVICE (an OpenCL call
 * failed; the message names the call and the CL error), VY_E_INVAL (a
 * malformed specifier), VY_E_IO (a source file cannot be read),
 * VY_E_CL_BUILD (the program did not build; the build log follows the
 * message in vy_dev_cl_build_log).
 */
#ifndef VY_CL_H
#define VY_CL_H

#include <stddef.h>
#include <stdint.h>

#include <CL/cl.h>

#include "wire/err.h"

/* What vy_dev_cl_list reports about one device. */
struct vy_dev_cl_devinfo {
	unsigned platform_idx, device_idx;
	char platform[128];		/* platform name */
	char name[128];			/* device name */
	char version[128];		/* CL_DEVICE_VERSION */
	int is_gpu, is_cpu;
	int unified_memory;		/* CL_DEVICE_HOST_UNIFIED_MEMORY or CPU */
	int little_endian;
	uint32_t compute_units;
	uint64_t max_workgroup_size;
	uint64_t global_mem_bytes;
	uint64_t max_alloc_bytes;
};

/* An open device: context, two in-order queues (kernel, copy). */
struct vy_dev_cl {
	cl_platform_id platform;
	cl_device_id device;
	cl_context ctx;
	cl_command_queue q;		/* kernel launches, once-mode transfers */
	cl_command_queue q2;		/* copy queue: traffic with a running kernel */
	struct vy_dev_cl_devinfo info;
};

/* The name of an OpenCL status code: "CL_OUT_OF_RESOURCES", or "CL_<n>". */
const char *vy_dev_cl_strerror(cl_int err);

/*
 * Fill @out (up to @max entries) with every device of every platform, in
 * platform and device order.  Returns the number of devices found (may
 * exceed @max; only @max are filled), 0 when there is none, or VY_E_DEVICE.
 */
int vy_dev_cl_list(struct vy_dev_cl_devinfo *out, int max, struct vy_err *e);

/*
 * Open the device named by @spec (see above): create a context and the two
 * queues.  A device whose byte order is not little-endian is refused
 * (VY_E_UNSUPPORTED, protocol.md Q14).  Free with vy_dev_cl_close.
 */
int vy_dev_cl_open(struct vy_dev_cl *cl, const char *spec, struct vy_err *e);

/*
 * Replace @cl's first queue (cl->q) with one that records profiling times,
 * for a caller that times its kernels.  Only before anything is queued on
 * it.  Without it no queue profiles: on NVIDIA's driver profiling makes
 * every command cost the host several microseconds more.  VY_E_DEVICE on
 * failure (cl->q is then unchanged).
 */
int vy_dev_cl_profile(struct vy_dev_cl *cl, struct vy_err *e);

/* Release everything vy_dev_cl_open made; @cl may be zeroed or NULL. */
void vy_dev_cl_close(struct vy_dev_cl *cl);

/*
 * Build a program from @src (@len bytes, NUL not needed) with @options.
 * On failure the message is "program build failed: CL_..." and the hint is
 * the compiler's build log (truncated to fit); the whole log can be read
 * with vy_dev_cl_build_log.
 */
int vy_dev_cl_build(struct vy_dev_cl *cl, const char *src, size_t len,
		const char *options, cl_program *out, struct vy_err *e);

/*
 * The source of kernel @name: @path when not NULL (a file read whole; "-"
 * is stdin), preceded by the wire constants (vy_wire_cl_src, which the
 * embedded kernels already start with), else the embedded default
 * (@embedded, @embedded_len).  On
 * success *@out is a malloc'd NUL-terminated copy (the caller frees).
 */
int vy_dev_cl_source(const char *path, const char *embedded, size_t embedded_len,
		 char **out, size_t *len, struct vy_err *e);

/* The full build log of @prog on @cl's device; malloc'd, NULL on failure. */
char *vy_dev_cl_build_log(struct vy_dev_cl *cl, cl_program prog);

/* Format a device as "P:D name (platform)" into @buf. */
void vy_dev_cl_describe(const struct vy_dev_cl_devinfo *d, char *buf, size_t len);

#endif
