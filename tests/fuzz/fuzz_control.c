/* SPDX-License-Identifier: MIT */
/*
 * fuzz_control - control buffer readers and writers on arbitrary bytes.
 *
 * Input: 4 parameter bytes (observable index, total slots for priority
 * offsets), then the control buffer.  Checks: no reader crashes or
 * overreads; strict and lenient readers agree where strict succeeds;
 * writing priority offsets changes only words 129..134, and nothing on
 * error; the control encoder round-trips through the readers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

static void readers(const uint8_t *c, size_t len, uint32_t idx)
{
	uint32_t v, m[VY_CTL_METRICS_SLOTS], ml[VY_CTL_METRICS_SLOTS];
	struct vy_err e;

	if (vy_read_done_count(c, len, &v, &e) == 0)
		CHECK(v == vy_read_done_count_or_zero(c, len));
	else
		CHECK(vy_read_done_count_or_zero(c, len) == 0 && e.msg[0]);
	if (vy_read_epoch(c, len, &v, &e) == 0)
		CHECK(v == vy_read_epoch_or_zero(c, len));
	else
		CHECK(vy_read_epoch_or_zero(c, len) == 0);
	if (vy_read_observable(c, len, idx, &v, &e) == 0)
		CHECK(v == vy_read_observable_or_zero(c, len, idx));
	else
		CHECK(vy_read_observable_or_zero(c, len, idx) == 0);
	CHECK(vy_read_metrics(c, len, VY_READ_LENIENT, ml, NULL) == 0);
	if (vy_read_metrics(c, len, VY_READ_STRICT, m, &e) == 0)
		CHECK(!memcmp(m, ml, sizeof(m)));
	if (vy_validate_control(len, &e) == 0)
		CHECK(len >= VY_CONTROL_MIN_BYTES && len % 4 == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t idx, total, i;
	uint8_t *copy, *enc;
	bool shutdown;
	size_t len, enc_len;
	struct vy_err e;
	int ret;

	if (size < 4)
		return 0;
	idx = data[0] | (uint32_t)data[1] << 8;
	if (data[1] & 0x80)
		idx = 0xFFFFFFFFu - data[0];
	total = data[2] | (uint32_t)data[3] << 8;
	shutdown = data[3] & 1;
	data += 4;
	len = size - 4;

	readers(data, len, idx);

	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, len);
	ret = vy_write_default_priority_offsets(copy, len, total, &e);
	if (ret) {
		CHECK(!memcmp(copy, data, len) && e.msg[0] && e.hint[0]);
	} else {
		for (i = 0; i < len / 4; i++)
			if (i < VY_CTL_PRIORITY_OFFSETS_BASE ||
			    i > VY_CTL_PRIORITY_OFFSETS_BASE + 5)
				CHECK(vy_word(copy, i) == vy_word(data, i));
		CHECK(vy_word(copy, 134) == total);
		for (i = 129; i < 134; i++)
			CHECK(vy_word(copy, i) <= vy_word(copy, i + 1));
	}
	free(copy);

	/* encoder: small shapes taken from the input */
	if (vy_encode_control(shutdown, total, idx & 0xFF, &enc, &enc_len,
			      &e) == 0) {
		CHECK(enc_len == (160 + (idx & 0xFF)) * 4u);
		CHECK(vy_validate_control(enc_len, NULL) == 0);
		CHECK(vy_read_done_count_or_zero(enc, enc_len) == 0);
		CHECK(vy_word(enc, VY_CTL_TENANT_BASE) == 3);
		readers(enc, enc_len, idx);
		free(enc);
	}
	return 0;
}
