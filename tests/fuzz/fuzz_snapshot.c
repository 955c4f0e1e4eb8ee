/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the snapshot reader (common/dump.c).
 *
 * Feeds the input to every entry point that takes untrusted bytes: the
 * in-memory parser over a whole stream, the stream reader over the same
 * bytes through fmemopen, raw-buffer checks, and detection.  Beyond "no
 * crash, no sanitizer report" it checks invariants and aborts when one
 * breaks:
 *   - both readers agree on the number of snapshots and the final result;
 *   - every accepted snapshot re-encodes, and the re-encoding parses to the
 *     same buffers and metadata (the writer never makes what the reader
 *     rejects);
 *   - error paths always leave a message that names an offset.
 * Each input is tried as is and, when it starts with a VYRD header, once
 * more with its checksums recomputed (fix_checksums).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dump.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

static void same_snapshot(const struct vy_snapshot *a,
			  const struct vy_snapshot *b)
{
	int i;

	check(a->capture_ns == b->capture_ns);
	check(a->sequence == b->sequence);
	check(a->flags == b->flags);
	check(!memcmp(&a->geo, &b->geo, sizeof(a->geo)));
	check(!strcmp(a->device, b->device));
	check(a->run.present == b->run.present);
	if (a->run.present) {
		const struct vy_dump_run *x = &a->run, *y = &b->run;

		check(x->end == y->end && x->exit_status == y->exit_status);
		check(x->start_ns == y->start_ns && x->wall_ns == y->wall_ns);
		check(x->tool_len == y->tool_len &&
		      !memcmp(x->tool, y->tool, x->tool_len));
		check(x->cmdline_len == y->cmdline_len &&
		      !memcmp(x->cmdline, y->cmdline, x->cmdline_len));
		check(x->work_len == y->work_len &&
		      !memcmp(x->work, y->work, x->work_len));
		check(x->line_count == y->line_count);
		if (x->line_count)
			check(!memcmp(x->lines, y->lines,
				      (size_t)x->line_count * 4));
	}
	for (i = 0; i < VY_BUF_COUNT; i++) {
		check(a->buf[i].present == b->buf[i].present);
		check(a->buf[i].len == b->buf[i].len);
		if (a->buf[i].len)
			check(!memcmp(a->buf[i].data, b->buf[i].data,
				      a->buf[i].len));
	}
}

static void reencode(const struct vy_snapshot *s)
{
	struct vy_snapshot r;
	struct vy_err e;
	uint8_t *p;
	size_t n, used;

	check(vy_dump_encode(s, &p, &n, &e) == 0);
	check(!s->total_len || n <= s->total_len);
	check(n == vy_dump_encoded_len(s));
	check(vy_dump_parse(p, n, 0, &r, &used, &e) == 0);
	check(used == n);
	check(r.unknown_sections == 0);
	same_snapshot(s, &r);
	free(p);
}

/* Parse the whole input as a stream in memory; returns the final code. */
static int parse_all(const uint8_t *data, size_t size, unsigned *count)
{
	struct vy_snapshot s;
	struct vy_err e;
	size_t off = 0, used;
	int ret;

	*count = 0;
	while (off < size) {
		vy_err_clear(&e);
		ret = vy_dump_parse(data + off, size - off, off, &s, &used, &e);
		if (ret) {
			check(ret < 0 && e.code == ret && e.msg[0]);
			check(!strncmp(e.msg, "offset ", 7));
			return ret;
		}
		check(used >= VY_DUMP_HEADER_LEN && used <= size - off);
		check(s.offset == off && s.total_len == used);
		reencode(&s);
		off += used;
		(*count)++;
	}
	return 0;
}

static int read_stream(const uint8_t *data, size_t size, unsigned *count)
{
	struct vy_dump_reader *r;
	struct vy_snapshot s;
	struct vy_err e;
	FILE *f;
	int ret;

	*count = 0;
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return -1;
	check(vy_dump_reader_new(f, "fuzz", &r, &e) == 0);
	check(vy_dump_reader_kind(r, &e) >= 0);
	while ((ret = vy_dump_reader_next(r, &s, &e)) == 1)
		(*count)++;
	if (ret)
		check(e.msg[0] != '\0');
	vy_dump_reader_free(r);
	fclose(f);
	return ret;
}

/*
 * A copy of @data with every checksum of its first snapshot made right,
 * so that the fuzzer reaches the checks behind them (a random mutation
 * almost never carries a valid XXH3).  NULL when there is no room for a
 * header and table.
 */
static uint8_t *fix_checksums(const uint8_t *data, size_t size)
{
	uint8_t *p, *tmp;
	size_t hl, count, tl, i;

	if (size < VY_DUMP_HEADER_LEN || memcmp(data, VY_DUMP_MAGIC, 4))
		return NULL;
	hl = data[6] | (size_t)data[7] << 8;
	count = data[12] | (size_t)data[13] << 8 | (size_t)data[14] << 16 |
		(size_t)data[15] << 24;
	if (hl < VY_DUMP_HEADER_LEN || hl > VY_DUMP_MAX_HEADER_LEN ||
	    count > VY_DUMP_MAX_SECTIONS)
		return NULL;
	tl = hl + count * VY_DUMP_SECTION_LEN;
	if (tl > size)
		return NULL;
	p = malloc(size);
	tmp = malloc(tl);
	if (!p || !tmp) {
		free(p);
		free(tmp);
		return NULL;
	}
	memcpy(p, data, size);
	for (i = 0; i < count; i++) {
		uint8_t *t = p + hl + i * VY_DUMP_SECTION_LEN;
		uint64_t off = 0, len = 0;
		int b;

		for (b = 7; b >= 0; b--) {
			off = off << 8 | t[8 + b];
			len = len << 8 | t[16 + b];
		}
		if (off <= size && len <= size - off) {
			uint64_t c = vy_dump_checksum(p + off, (size_t)len);

			for (b = 0; b < 8; b++)
				t[24 + b] = (uint8_t)(c >> (8 * b));
		}
	}
	memcpy(tmp, p, tl);
	memset(tmp + 72, 0, 8);
	{
		uint64_t c = vy_dump_checksum(tmp, tl);
		int b;

		for (b = 0; b < 8; b++)
			p[72 + b] = (uint8_t)(c >> (8 * b));
	}
	free(tmp);
	return p;
}

static void one_input(const uint8_t *data, size_t size)
{
	struct vy_snapshot s;
	struct vy_err e;
	unsigned n_mem, n_stream;
	int r_mem, r_stream, i;

	(void)vy_dump_detect(data, size);
	for (i = 0; i < VY_BUF_COUNT; i++) {
		if (vy_dump_from_raw((enum vy_buffer_index)i, data, size, &s,
				     &e) == 0)
			reencode(&s);
	}
	r_mem = parse_all(data, size, &n_mem);
	if (size) {
		r_stream = read_stream(data, size, &n_stream);
		check(n_stream == n_mem);
		check(r_stream == r_mem);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	one_input(data, size);
	fixed = fix_checksums(data, size);
	if (fixed) {
		one_input(fixed, size);
		free(fixed);
	}
	return 0;
}
