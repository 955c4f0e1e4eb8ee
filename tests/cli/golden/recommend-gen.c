/* SPDX-License-Identifier: MIT */
/*
 * recommend-gen.c - writes tests/cli/golden/recommend-feedback.vyrd, the
 * input of the --from tests in tests/cli/t-recommend.sh: a stream of two
 * snapshots of a 64-slot ring (64 x 4 launch).  The first is idle; the
 * second has 8 opcodes with non-zero metrics, route windows of opcode 64
 * (tickets 1-5: four of them with >= 4 demanded slots), 2 requeued slots,
 * 40 slots in flight and 20 done.  Not part of the build; regenerate with
 *
 *	make && cd tests/cli/golden && cc -std=c11 -D_GNU_SOURCE \
 *		-I../../../common recommend-gen.c ../../../build/libvy.a \
 *		-ljansson -lxxhash -luring -lOpenCL -lm -lpthread -o /tmp/rg \
 *		&& /tmp/rg
 */
#include <stdio.h>
#include <string.h>

#include "wire/dump.h"
#include "wire/util.h"

static uint8_t ctl[640];
static uint8_t ring[64 * 64];

static void slot(uint32_t i, uint32_t st, uint32_t op, uint32_t a0,
		 uint32_t a1)
{
	uint8_t *s = ring + 64 * i;

	vy_put_le32(s, st);
	vy_put_le32(s + 4, op);
	vy_put_le32(s + 8, 1);
	vy_put_le32(s + 12, 2);
	vy_put_le32(s + 16, a0);
	vy_put_le32(s + 20, a1);
}

static int emit(FILE *f, uint64_t seq)
{
	struct vy_snapshot s;
	struct vy_err e;

	vy_snapshot_init(&s);
	s.sequence = seq;
	s.capture_ns = 1700000000000000000ull + seq;
	s.geo.workgroup_size_x = 64;
	s.geo.workgroups = 4;
	s.geo.tenant_count = 2;
	vy_snapshot_set_buf(&s, VY_BUF_CONTROL, ctl, sizeof(ctl));
	vy_snapshot_set_buf(&s, VY_BUF_RING, ring, sizeof(ring));
	vy_snapshot_fill_geometry(&s);
	if (vy_dump_write(f, &s, &e)) {
		fprintf(stderr, "recommend-gen: %s\n", e.msg);
		return 1;
	}
	return 0;
}

int main(void)
{
	FILE *f = fopen("recommend-feedback.vyrd", "wb");
	uint32_t i, t;

	if (!f)
		return 1;
	if (emit(f, 0))
		return 1;
	vy_put_le32(ctl + 4, 20);			/* DONE_COUNT */
	for (i = 0; i < 8; i++)
		vy_put_le32(ctl + 4 * (96 + i), 10 + i);	/* metrics */
	/* Windows of opcode 64: tickets 1..4 with 4 slots, 5 with 2. */
	for (t = 1, i = 0; t <= 5; t++) {
		uint32_t k, n = t == 5 ? 2 : 4;

		for (k = 0; k < n; k++, i++)
			slot(i, 1, 64, t, k == 3 ? 1 : 0);
	}
	for (; i < 38; i++)
		slot(i, 2, 3, 0, 0);			/* claimed */
	slot(38, 6, 3, 0, 0);				/* requeue */
	slot(39, 6, 3, 0, 0);
	for (i = 40; i < 60; i++)
		slot(i, 3, 3, 0, 0);			/* done */
	if (emit(f, 1))
		return 1;
	return fclose(f) ? 1 : 0;
}
