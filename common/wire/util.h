/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers shared by every module: explicit little-endian
 * loads and stores, whole-file reads, atomic file writes, number parsing
 * with size suffixes, monotonic time.
 */
#ifndef VY_UTIL_H
#define VY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

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
 * The limit of every whole-file input (vyre(7), LIMITS): work files,
 * descriptions, raw buffers, PRINTF format tables, file lists.  Equal to
 * the snapshot limit of vyre-dump(5).
 */
#define VY_READ_MAX ((size_t)256 << 20)

/*
 * Read all of @path ("-" = stdin) into a malloc'd buffer of at most @max
 * bytes.  On success *@out and *@len are set (the caller frees *@out).
 * A regular file larger than @max is refused from its size; any other
 * input is read to at most @max + 1 bytes.  Errors: VY_E_FORMAT "PATH:
 * larger than the N-byte limit (M MiB)"; VY_E_IO with the name and
 * strerror (a directory too); VY_E_NOMEM.
 */
int vy_read_file_max(const char *path, size_t max, uint8_t **out,
		     size_t *len, struct vy_err *e);

/*
 * read(2) @fd until @len bytes or the end of input, retrying EINTR.
 * Returns the bytes read (less than @len only at the end), or -1 with
 * errno set.
 */
ssize_t vy_read_full(int fd, void *buf, size_t len);

/* vy_read_file_max with the VY_READ_MAX limit. */
int vy_read_file(const char *path, uint8_t **out, size_t *len,
		 struct vy_err *e);

/*
 * Write @len bytes to @path as vy_out_open/vy_out_commit do (wire/out.h):
 * "-" is standard output, a regular file is replaced atomically keeping
 * its mode, a symlink's target is replaced, a device or FIFO is written
 * directly.  On failure a regular @path is untouched and no temporary
 * file is left.  Errors: VY_E_IO "PATH: strerror".
 */
int vy_write_file_atomic(const char *path, const void *buf, size_t len,
			 struct vy_err *e);

/*
 * The one number parser (vyre(7), NUMBERS): decimal or 0x hex (a leading
 * zero is still decimal: never octal), no sign or blank, and with
 * @allow_suffix a binary size suffix K M G T (any case, optionally
 * followed by "B" or "iB": 1K = 1KiB = 1024).  Rejects empty strings,
 * garbage and anything above @max (after the suffix) or 2^64-1.
 * Returns 0 or VY_E_INVAL; *@out is untouched on error.
 */
int vy_parse_u64(const char *s, uint64_t max, int allow_suffix,
		 uint64_t *out);

/*
 * Seconds for a timeout or interval: decimal with an optional fraction
 * ("10", "0.5"); no sign, exponent, "nan" or "inf".  The value must be
 * > @min_excl and <= @max.  Returns 0 or VY_E_INVAL.
 */
int vy_parse_seconds(const char *s, double min_excl, double max, double *out);

/*
 * The length (1..4) of the valid UTF-8 sequence at @s (@n bytes left), or
 * 0 when @s does not start one (stray continuation, overlong form,
 * surrogate, beyond U+10FFFF, cut short).  A NUL byte is a valid 1.
 */
size_t vy_utf8_seq(const uint8_t *s, size_t n);

/* Whether all @n bytes of @buf are valid UTF-8. */
bool vy_utf8_valid(const void *buf, size_t n);

/* Monotonic clock in nanoseconds. */
uint64_t vy_now_ns(void);

/* Wall clock in nanoseconds since the epoch. */
uint64_t vy_wall_ns(void);

#endif
