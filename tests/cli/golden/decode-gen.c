/* SPDX-License-Identifier: MIT */
/*
 * decode-gen.c - writes the input fixtures of tests/cli/t-decode*.sh into
 * the current directory (the files tests/cli/golden/decode-*.vyrd, *.bin).
 * Not part of the build; regenerate with
 *
 *	make && cd tests/cli/golden && cc -std=c11 -D_GNU_SOURCE \
 *		-I../../../common decode-gen.c ../../../build/libvy.a \
 *		-ljansson -lxxhash -luring -lOpenCL -lm -lpthread -o /tmp/dg \
 *		&& /tmp/dg
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dump.h"
#include "wire/util.h"

static uint8_t ctl[640 + 16];	/* 4 observable words */
static uint8_t ring[64 * 16];
static uint8_t dbg[1028];
static uint8_t io[2048];

static void slot(uint32_t i, uint32_t st, uint32_t op, uint32_t tenant,
		 uint32_t a0, uint32_t a1, uint32_t a2)
{
	uint8_t *s = ring + 64 * i;

	vy_put_le32(s, st);
	vy_put_le32(s + 4, op);
	vy_put_le32(s + 8, tenant);
	vy_put_le32(s + 12, 2);
	vy_put_le32(s + 16, a0);
	vy_put_le32(s + 20, a1);
	vy_put_le32(s + 24, a2);
}

static void put(FILE *f, uint64_t seq, int with_debug, int with_io)
{
	struct vy_snapshot s;
	uint8_t *buf;
	size_t len;

	vy_snapshot_init(&s);
	s.sequence = seq;
	s.capture_ns = 1795000000000000000ull + seq * 250000000ull;
	s.geo.workgroup_size_x = 64;
	s.geo.workgroups = 1;
	s.geo.tenant_count = 3;
	snprintf(s.device, sizeof(s.device), "fixture");
	vy_snapshot_set_buf(&s, VY_BUF_CONTROL, ctl, sizeof(ctl));
	vy_snapshot_set_buf(&s, VY_BUF_RING, ring, sizeof(ring));
	if (with_debug)
		vy_snapshot_set_buf(&s, VY_BUF_DEBUG_LOG, dbg, sizeof(dbg));
	if (with_io)
		vy_snapshot_set_buf(&s, VY_BUF_IO_QUEUE, io, sizeof(io));
	vy_snapshot_fill_geometry(&s);
	if (vy_dump_encode(&s, &buf, &len, NULL)) {
		fprintf(stderr, "encode failed\n");
		exit(1);
	}
	fwrite(buf, 1, len, f);
	free(buf);
}

static void base_state(void)
{
	memset(ctl, 0, sizeof(ctl));
	memset(ring, 0, sizeof(ring));
	memset(dbg, 0, sizeof(dbg));
	memset(io, 0, sizeof(io));
	vy_set_word(ctl, 2, 3);
	vy_set_word(ctl, 3, 0xFFFFFFFF);
	vy_set_word(ctl, 4, 0xFFFFFFFF);
	vy_set_word(ctl, 5, 0xFFFFFFFF);
	vy_set_word(ctl, 32, 1000000);
	vy_set_word(ctl, 33, 1000000);
	vy_set_word(ctl, 34, 1000000);
}

static FILE *out(const char *name)
{
	FILE *f = fopen(name, "wb");

	if (!f) {
		perror(name);
		exit(1);
	}
	return f;
}

static void raw(const char *name, const void *p, size_t n)
{
	FILE *f = out(name);

	fwrite(p, 1, n, f);
	fclose(f);
}

int main(void)
{
	FILE *f;

	/* decode-run.vyrd: three captures of one run; the last one stalls. */
	f = out("decode-run.vyrd");
	base_state();
	slot(0, 1, 2, 1, 0, 5, 0);
	slot(1, 1, 2, 1, 1, 5, 0);
	slot(2, 1, 0xF101, 2, 7, 0, 100);
	slot(3, 1, 0xF101, 2, 7, 0, 101);
	slot(4, 1, 0xF101, 2, 7, 1, 102);
	slot(5, 1, 0xF101, 2, 7, 1, 103);
	slot(6, 1, 0xF101, 2, 8, 0, 104);
	put(f, 0, 0, 0);
	slot(0, 3, 2, 1, 0, 5, 0);
	slot(1, 3, 2, 1, 1, 5, 0);
	slot(2, 2, 0xF101, 2, 7, 0, 100);
	slot(5, 6, 0xF101, 2, 7, 1, 103);
	vy_set_word(ctl, 1, 2);
	vy_set_word(ctl, 96 + 2, 2);
	vy_set_word(ctl, 64 + 1, 2);
	vy_set_word(ctl, 136 + 2, 2);
	vy_set_word(ctl, 128, 1);
	put(f, 1, 0, 0);
	/* third: nothing drained since, work still queued -> stall */
	vy_set_word(dbg, 0, 8);
	vy_set_word(dbg, 1, 7);
	vy_set_word(dbg, 2, 42);
	vy_set_word(dbg, 3, 255);
	vy_set_word(dbg, 4, 0 * 16);
	vy_set_word(dbg, 5, 9);
	vy_set_word(dbg, 6, 3);
	vy_set_word(dbg, 7, 4);
	vy_set_word(dbg, 8, 1 * 16);
	vy_set_word(io, 0, 1);
	vy_set_word(io, 1, 77);
	vy_set_word(io, 2, 77);
	vy_set_word(io, 6, 1);
	vy_set_word(io, 7, 77);
	put(f, 2, 1, 1);
	fclose(f);

	/* decode-ctl.bin / decode-ring.bin: raw buffers of the last one. */
	raw("decode-ctl.bin", ctl, sizeof(ctl));
	raw("decode-ring.bin", ring, sizeof(ring));
	raw("decode-debug.bin", dbg, sizeof(dbg));
	raw("decode-io.bin", io, sizeof(io));

	/* decode-reset.vyrd: DONE_COUNT goes 9 -> 2 (a restarted kernel). */
	f = out("decode-reset.vyrd");
	base_state();
	vy_set_word(ctl, 1, 9);
	put(f, 0, 0, 0);
	vy_set_word(ctl, 1, 2);
	put(f, 1, 0, 0);
	fclose(f);

	/* decode-fault.vyrd: one faulted slot. */
	f = out("decode-fault.vyrd");
	base_state();
	slot(3, 7, 1, 0, 999, 0, 0);
	vy_set_word(ctl, 1, 1);
	vy_set_word(ctl, 141, 1);
	put(f, 0, 0, 0);
	fclose(f);

	/* decode-overflow.vyrd: 70 PRINTFs into a 64-record log. */
	f = out("decode-overflow.vyrd");
	base_state();
	vy_set_word(dbg, 0, 70 * 4);
	for (uint32_t i = 0; i < 64; i++) {
		vy_set_word(dbg, 1 + 4 * i, 7);
		vy_set_word(dbg, 2 + 4 * i, i);
	}
	put(f, 0, 1, 0);
	fclose(f);

	/* decode-corrupt.vyrd: three snapshots, the middle payload broken. */
	{
		FILE *m;
		char *b = NULL;
		size_t n = 0, one;

		m = open_memstream(&b, &n);
		base_state();
		put(m, 0, 0, 0);
		fflush(m);
		one = n;
		vy_set_word(ctl, 1, 1);
		put(m, 1, 0, 0);
		vy_set_word(ctl, 1, 2);
		put(m, 2, 0, 0);
		fclose(m);
		b[one + one - 8] ^= 0x5a;	/* last ring byte of #1 */
		raw("decode-corrupt.vyrd", b, n);
		free(b);
	}

	/* decode-noring.vyrd: a snapshot with a control section only. */
	{
		struct vy_snapshot s;
		uint8_t *buf;
		size_t len;

		base_state();
		vy_snapshot_init(&s);
		vy_snapshot_set_buf(&s, VY_BUF_CONTROL, ctl, sizeof(ctl));
		vy_snapshot_fill_geometry(&s);
		if (vy_dump_encode(&s, &buf, &len, NULL))
			return 1;
		raw("decode-noring.vyrd", buf, len);
		free(buf);
	}
	return 0;
}
