/* SPDX-License-Identifier: MIT */
/*
 * progcache.h - compiled OpenCL programs cached on disk, so that a second
 * run of the same kernel on the same device skips the compiler
 * (MegakernelTelemetry.compiled_pipeline_cache_hit).
 *
 * Where: $XDG_CACHE_HOME/vyre, else $HOME/.cache/vyre (made when
 * missing).  One file per key, "<16 hex digits>.clbin"; the key is the
 * XXH3-64 of the platform name, device name, CL_DRIVER_VERSION,
 * CL_DEVICE_VERSION, the build options and the whole kernel source, so a
 * new driver, device or kernel never loads an old binary.
 *
 * An entry (little-endian):
 *	 0  8 bytes "VYPCACHE"        8  u32 format version (1)
 *	12  u32 0                     16  u64 the key
 *	24  u64 binary length         32  u64 XXH3-64 of the binary
 *	40  the binary (CL_PROGRAM_BINARIES)
 * Writes go to a mkstemp file in the same directory, then rename(2):
 * concurrent runs each write a whole entry and the last rename wins;
 * readers never see a partial file.  An entry that fails any check, or
 * that the driver refuses (clCreateProgramWithBinary or clBuildProgram),
 * is rebuilt from source and rewritten.  The cache is an optimisation:
 * an unwritable directory only loses the entry (store_failed), never
 * the run.
 */
#ifndef VY_DEVICE_PROGCACHE_H
#define VY_DEVICE_PROGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "device/cl.h"
#include "wire/err.h"

enum vy_dev_progcache_state {
	VY_PROGCACHE_OFF = 0,	/* not consulted (--no-cache) */
	VY_PROGCACHE_HIT,	/* loaded from a valid entry */
	VY_PROGCACHE_MISS,	/* no entry: built from source */
	VY_PROGCACHE_CORRUPT,	/* a bad entry: built from source */
};

struct vy_dev_progcache_result {
	enum vy_dev_progcache_state state;
	int store_failed;	/* built, but the entry could not be written */
	uint64_t key;
	uint64_t build_ns;	/* program creation and build (either path) */
	char path[512];		/* the entry's file ("" when off) */
};

/* "off", "hit", "miss", "corrupt". */
const char *vy_dev_progcache_state_name(enum vy_dev_progcache_state s);

/*
 * The cache directory into @buf (no trailing slash): $XDG_CACHE_HOME/vyre
 * (when set and absolute), else $HOME/.cache/vyre.  Errors: VY_E_IO when
 * neither variable is usable or the path does not fit.
 */
int vy_dev_progcache_dir(char *buf, size_t len, struct vy_err *e);

/*
 * vy_dev_cl_build through the cache: with @use_cache 0 exactly
 * vy_dev_cl_build (state OFF).  Otherwise load the entry for (@cl's
 * device, @options, @src) when valid, else build from source and store
 * the entry.  @res is always filled.  Errors: those of vy_dev_cl_build;
 * cache problems are never errors.
 */
int vy_dev_progcache_build(struct vy_dev_cl *cl, const char *src, size_t len,
			   const char *options, int use_cache,
			   cl_program *out,
			   struct vy_dev_progcache_result *res,
			   struct vy_err *e);

#endif
