/* SPDX-License-Identifier: MIT */
/*
 * progcache.c - the on-disk cache of compiled programs (progcache.h).
 *
 * Why a cache of our own: drivers differ.  PoCL keeps its own kernel
 * cache (so a warm build there is already cheaper than a cold one),
 * NVIDIA's OpenCL keeps one only for some builds, and neither reports
 * whether it hit.  Caching the binary here makes the second run's
 * set-up time the same on every driver and makes the hit observable.
 */
#include "device/progcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "wire/protocol.h"
#include "wire/util.h"

#define PC_MAGIC "VYPCACHE"
#define PC_VERSION 1u
#define PC_HDR 40u
/* no OpenCL program binary we build comes near this; a bigger file is bad */
#define PC_MAX_BINARY (256u << 20)

const char *vy_dev_progcache_state_name(enum vy_dev_progcache_state s)
{
	switch (s) {
	case VY_PROGCACHE_HIT:
		return "hit";
	case VY_PROGCACHE_MISS:
		return "miss";
	case VY_PROGCACHE_CORRUPT:
		return "corrupt";
	default:
		return "off";
	}
}

int vy_dev_progcache_dir(char *buf, size_t len, struct vy_err *e)
{
	const char *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	int n;

	if (x && x[0] == '/')
		n = snprintf(buf, len, "%s/vyre", x);
	else if (h && h[0] == '/')
		n = snprintf(buf, len, "%s/.cache/vyre", h);
	else
		return vy_errf(e, VY_E_IO, "set XDG_CACHE_HOME or HOME",
			       "no cache directory: neither XDG_CACHE_HOME nor HOME is an absolute path");
	if (n < 0 || (size_t)n >= len)
		return vy_errf(e, VY_E_IO, NULL, "cache directory path too long");
	return 0;
}

/* mkdir -p for the last two components at most ($HOME/.cache/vyre) */
static int make_dir(char *dir)
{
	char *slash;

	if (!mkdir(dir, 0777) || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -1;
	*slash = '\0';
	if (mkdir(dir, 0777) && errno != EEXIST) {
		*slash = '/';
		return -1;
	}
	*slash = '/';
	return mkdir(dir, 0777) && errno != EEXIST ? -1 : 0;
}

static void hash_str(XXH3_state_t *st, const char *s)
{
	/* with its NUL, so ("ab","c") and ("a","bc") differ */
	XXH3_64bits_update(st, s, strlen(s) + 1);
}

static uint64_t cache_key(const struct vy_dev_cl *cl, const char *src,
			  size_t len, const char *options)
{
	char drv[256] = "", plat[256] = "";
	XXH3_state_t *st = XXH3_createState();
	uint64_t k;

	if (!st)
		return 0;
	clGetDeviceInfo(cl->device, CL_DRIVER_VERSION, sizeof(drv) - 1, drv,
			NULL);
	clGetPlatformInfo(cl->platform, CL_PLATFORM_VERSION, sizeof(plat) - 1,
			  plat, NULL);
	XXH3_64bits_reset(st);
	hash_str(st, "vyre-progcache-1");
	hash_str(st, cl->info.platform);
	hash_str(st, plat);
	hash_str(st, cl->info.name);
	hash_str(st, cl->info.version);
	hash_str(st, drv);
	hash_str(st, options ? options : "");
	XXH3_64bits_update(st, src, len);
	k = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return k;
}

/* The binary of a valid entry (malloc'd) or NULL: missing (*corrupt 0), bad (1). */
static uint8_t *load_entry(const char *path, uint64_t key, size_t *blen,
			   int *corrupt)
{
	uint8_t *buf = NULL, *bin;
	size_t len;
	struct vy_err e;
	struct stat sb;
	uint64_t n;

	*corrupt = 0;
	if (stat(path, &sb))
		return NULL;
	*corrupt = 1;
	/* never read more than an entry can hold */
	if (!S_ISREG(sb.st_mode) || sb.st_size < PC_HDR ||
	    (uint64_t)sb.st_size > PC_HDR + (uint64_t)PC_MAX_BINARY)
		return NULL;
	if (vy_read_file(path, &buf, &len, &e))
		return NULL;
	if (len < PC_HDR || memcmp(buf, PC_MAGIC, 8) ||
	    vy_le32(buf + 8) != PC_VERSION || vy_le64(buf + 16) != key)
		goto bad;
	n = vy_le64(buf + 24);
	if (n == 0 || n > PC_MAX_BINARY || n != len - PC_HDR ||
	    XXH3_64bits(buf + PC_HDR, n) != vy_le64(buf + 32))
		goto bad;
	bin = malloc(n);
	if (!bin)
		goto bad;
	memcpy(bin, buf + PC_HDR, n);
	free(buf);
	*blen = n;
	*corrupt = 0;
	return bin;
bad:
	free(buf);
	return NULL;
}

static int from_binary(struct vy_dev_cl *cl, const uint8_t *bin, size_t n,
		       const char *options, cl_program *out)
{
	cl_int rc, st = CL_SUCCESS;
	cl_program p;

	p = clCreateProgramWithBinary(cl->ctx, 1, &cl->device, &n, &bin, &st,
				      &rc);
	if (!p)
		return -1;
	if (rc != CL_SUCCESS || st != CL_SUCCESS ||
	    clBuildProgram(p, 1, &cl->device, options, NULL, NULL) !=
		    CL_SUCCESS) {
		clReleaseProgram(p);
		return -1;
	}
	*out = p;
	return 0;
}

static int store_entry(const struct vy_dev_cl *cl, cl_program p,
		       const char *path, uint64_t key)
{
	size_t n = 0;
	uint8_t *buf, *bin;
	struct vy_err e;
	int rc;

	if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(n), &n,
			     NULL) != CL_SUCCESS || !n || n > PC_MAX_BINARY)
		return -1;
	(void)cl;
	buf = malloc(PC_HDR + n);
	if (!buf)
		return -1;
	bin = buf + PC_HDR;
	if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(bin), &bin,
			     NULL) != CL_SUCCESS) {
		free(buf);
		return -1;
	}
	memcpy(buf, PC_MAGIC, 8);
	vy_put_le32(buf + 8, PC_VERSION);
	vy_put_le32(buf + 12, 0);
	vy_put_le64(buf + 16, key);
	vy_put_le64(buf + 24, n);
	vy_put_le64(buf + 32, XXH3_64bits(buf + PC_HDR, n));
	rc = vy_write_file_atomic(path, buf, PC_HDR + n, &e);
	free(buf);
	return rc ? -1 : 0;
}

int vy_dev_progcache_build(struct vy_dev_cl *cl, const char *src, size_t len,
			   const char *options, int use_cache,
			   cl_program *out,
			   struct vy_dev_progcache_result *res,
			   struct vy_err *e)
{
	char dir[400];
	uint8_t *bin;
	size_t blen = 0;
	uint64_t t0 = vy_now_ns();
	int corrupt, err;
	struct vy_err ce;

	memset(res, 0, sizeof(*res));
	if (!use_cache || vy_dev_progcache_dir(dir, sizeof(dir), &ce)) {
		err = vy_dev_cl_build(cl, src, len, options, out, e);
		res->build_ns = vy_now_ns() - t0;
		return err;
	}
	res->key = cache_key(cl, src, len, options);
	snprintf(res->path, sizeof(res->path), "%s/%016llx.clbin", dir,
		 (unsigned long long)res->key);
	bin = load_entry(res->path, res->key, &blen, &corrupt);
	if (bin) {
		err = from_binary(cl, bin, blen, options, out);
		free(bin);
		if (!err) {
			res->state = VY_PROGCACHE_HIT;
			res->build_ns = vy_now_ns() - t0;
			return 0;
		}
		corrupt = 1;	/* the driver refused it */
	}
	res->state = corrupt ? VY_PROGCACHE_CORRUPT : VY_PROGCACHE_MISS;
	err = vy_dev_cl_build(cl, src, len, options, out, e);
	res->build_ns = vy_now_ns() - t0;
	if (err)
		return err;
	res->store_failed = make_dir(dir) ||
			    store_entry(cl, *out, res->path, res->key);
	return 0;
}
