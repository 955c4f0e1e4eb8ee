/* SPDX-License-Identifier: MIT */
/*
 * fuzz_debuglog - strict and lenient debug-log decoding of arbitrary bytes.
 *
 * Checks: no crash or overread; every stored record lies inside the
 * buffer; strict success implies the lenient reader agrees with nothing
 * dropped; both modes fail alike on misaligned, missing and torn cursors.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wire/protocol.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vy_debug_log_view s, l;
	struct vy_debug_record r;
	struct vy_err e;
	uint64_t sum = 0;
	int rs, rl;
	uint32_t i;

	rs = vy_debug_log_parse(data, size, VY_READ_STRICT, &s, &e);
	if (rs)
		CHECK(e.msg[0] && e.hint[0]);
	rl = vy_debug_log_parse(data, size, VY_READ_LENIENT, &l, &e);
	if (rs == 0) {
		CHECK(rl == 0);
		CHECK(s.stored == l.stored && s.dropped == 0 && l.dropped == 0);
	} else if (rs != VY_E_DEBUG_LOG_CURSOR_PAST_CAPACITY) {
		CHECK(rl == rs);
	}
	if (rl)
		return 0;
	CHECK(l.stored <= l.capacity);
	CHECK(1 + (uint64_t)l.stored * 4 <= size / 4);
	CHECK((uint64_t)l.stored + l.dropped == l.cursor / 4);
	for (i = 0; i < l.stored; i++) {
		vy_debug_log_record(data, i, &r);
		sum += r.fmt_id + r.args[2];
	}
	(void)sum;
	return 0;
}
