/* SPDX-License-Identifier: MIT */
/*
 * fuzz_telemetry - a whole decode report on arbitrary buffers: control,
 * ring, debug log and IO queue, then every output writer.
 *
 * Input: four little-endian u16 lengths (control, ring, debug, io; each
 * taken modulo what is left), 1 option byte, then the buffers back to
 * back.  Checks: building either fails with an error message that starts
 * with "offset " or succeeds, and every writer (table, JSON, JSON Lines
 * slots, CSV, Prometheus, hex) runs without crashing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/telemetry.h"
#include "report/decode.h"
#include "report/svg.h"
#include "wire/util.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t ops[] = { 0xF101, 2, 0 };
	struct vy_rep_decode_opts o;
	struct vy_rep_decode r, prev;
	size_t len[4], i, left;
	const uint8_t *p;
	struct vy_err e;
	uint8_t opt;
	json_t *j;
	int ret;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (size < 9 || !sink)
		return 0;
	left = size - 9;
	for (i = 0; i < 4; i++) {
		len[i] = (size_t)data[2 * i] | (size_t)data[2 * i + 1] << 8;
		len[i] = left ? len[i] % (left + 1) : 0;
		left -= len[i];
	}
	opt = data[8];
	p = data + 9;
	memset(&o, 0, sizeof(o));
	o.window_opcodes = ops;
	o.n_window_opcodes = opt % 4;
	o.slots = (enum vy_rep_slots)((opt >> 2) % 5);
	o.slot_tenant = 1;
	o.tenants = opt & 0x8;
	o.have_opcode = opt & 0x10;
	o.opcode = 2;
	o.sketch_depth = (opt & 0x20) ? 3 : 0;
	o.sketch_width = 5;
	o.debug_mode = (opt & 0x40) ? VY_READ_STRICT : VY_READ_LENIENT;

	vy_rep_decode_init(&r);
	vy_rep_decode_init(&prev);
	r.source = prev.source = "fuzz";
	r.control = p;
	r.control_len = len[0];
	r.ring = p + len[0];
	r.ring_len = len[1];
	r.debug = (opt & 0x80) ? p + len[0] + len[1] : NULL;
	r.debug_len = len[2];
	r.io = len[3] ? p + len[0] + len[1] + len[2] : NULL;
	r.io_len = len[3];
	r.base[1] = 1000;
	vy_err_clear(&e);
	ret = vy_rep_decode_build(&r, &o, NULL, &e);
	if (ret) {
		CHECK(!strncmp(e.msg, "offset ", 7));
		goto out;
	}
	prev.control = r.control;
	prev.control_len = r.control_len;
	prev.ring = r.ring;
	prev.ring_len = r.ring_len;
	CHECK(vy_rep_decode_build(&prev, &o, &r, &e) == 0);
	CHECK(prev.has_health);
	CHECK(!prev.counter_reset && prev.health.done_delta == 0);
	j = vy_rep_decode_json(&prev);
	CHECK(j);
	json_decref(j);
	vy_rep_decode_slot_lines(sink, &prev, "fuzz/1");
	vy_rep_decode_health_line(sink, &prev);
	vy_rep_decode_table(sink, &prev);
	vy_rep_decode_csv_header(sink, &o);
	vy_rep_decode_csv(sink, &prev);
	vy_rep_decode_prom(sink, &prev);
	vy_rep_decode_hex(sink, &prev);
	vy_rep_decode_diagnosis(sink, &prev);
	/* the same ring twice with nothing drained: live slots are a stall */
	if (prev.tel.occupancy.published || prev.tel.occupancy.claimed)
		CHECK(prev.diag.n && prev.diag.f[0].kind == VY_TEL_DIAG_STALLED);
	{
		struct vy_rep_svg v;

		vy_rep_svg_init(&v);
		if (vy_rep_svg_add(&v, &r, NULL) == 0 &&
		    vy_rep_svg_add(&v, &prev, NULL) == 0)
			CHECK(vy_rep_svg_write(sink, &v) == 0);
		vy_rep_svg_free(&v);
	}
	vy_rep_decode_anomalous(&prev);
out:
	vy_rep_decode_free(&r);
	vy_rep_decode_free(&prev);
	return 0;
}
