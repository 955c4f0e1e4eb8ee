/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers shared by every module: explicit little-endian
 * loads and stores, whole-file reads, atomic file writes, number parsing
 * with size suffixes, monotonic time.
 */
#ifndef VY_UTIL_H
#define VY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/err.h"

#define VY_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint32_t vy_le32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline void vy_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;

	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline uint64_t vy_le64(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)vy_le32(b) | (uint64_t)vy_le32(b + 4) << 32;
}

static inline void vy_put_le64(void *p, uint64_t v)
{
	uint8_t *b = p;

	vy_put_le32(b, (uint32_t)v);
	vy_put_le32(b + 4, (uint32_t)(v >> 32));
}

/* Word @idx of a little-endian word buffer (no bounds check). */
static inline uint32_t vy_word(const uint8_t *buf, size_t idx)
{
	return vy_le32(buf + 4 * idx);
}

static inline void vy_set_word(uint8_t *buf, size_t idx, uint32_t v)
{
	vy_put_le32(buf + 4 * idx, v);
}

/*
 * Read all of @path ("-" = stdin) into a malloc'd buffer.  On success
 * *@out and *@len are set (the caller frees *@out).  Errors: VY_E_IO with
 * the file name and strerror in the message.
 */
int vy_read_file(const char *path, uint8_t **out, size_t *len,
		 struct vy_err *e);

/*
 * Write @len bytes to @path atomically: a temporary file in the same
 * directory, fsync, rename.  On failure nothing is left behind and @path is
 * untouched.  "-" writes to stdout.
 */
int vy_write_file_atomic(const char *path, const void *buf, size_t len,
			 struct vy_err *e);

/*
 * Parse an unsigned integer: decimal, 0x hex, with an optional size suffix
 * K M G T (binary: 1K = 1024) or k m g t... also binary; "KiB"/"K"/"KB" all
 * accepted.  Rejects empty strings, signs, garbage and overflow of @max.
 * Returns 0 or VY_E_INVAL.
 */
int vy_parse_u64(const char *s, uint64_t max, int allow_suffix,
		 uint64_t *out);

/* Monotonic clock in nanoseconds. */
uint64_t vy_now_ns(void);

/* Wall clock in nanoseconds since the epoch. */
uint64_t vy_wall_ns(void);

#endif
