/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ioqueue - the IO queue host API driven by a script of operations.
 *
 * Input: byte 0 = number of ops (low 4 bits), then 4 bytes per op
 * [kind, slot, x, y], then the queue bytes (any length, so the validator
 * is exercised too).  Checks: no crash; a failing op leaves the queue
 * unchanged; poll changes nothing; claim moves exactly the returned slots
 * to CLAIMED; completion writes only the STATUS word; a published request
 * shows up in the next poll.
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

static uint32_t slot_of(uint8_t b)
{
	/* mostly small slots, sometimes far out of range */
	return b < 0xF0 ? b % 72u : 0xFFFFFFFFu - (b & 0xF);
}

static uint32_t io_st(const uint8_t *q, uint32_t s)
{
	return vy_word(q, (size_t)s * 8 + VY_IO_STATUS_WORD);
}

/* Bytes outside the STATUS word of @slot are equal. */
static int only_status_changed(const uint8_t *a, const uint8_t *b,
			       size_t len, uint32_t slot)
{
	size_t i, lo = (size_t)slot * 32 + 24;

	for (i = 0; i < len; i++)
		if ((i < lo || i >= lo + 4) && a[i] != b[i])
			return 0;
	return 1;
}

static void run_op(uint8_t *q, size_t len, const uint8_t *op, uint8_t *before)
{
	struct vy_io_request r[VY_IO_SLOT_COUNT], r2[VY_IO_SLOT_COUNT];
	struct vy_io_completion_entry ents[3];
	struct vy_io_completion c;
	uint32_t slot = slot_of(op[1]);
	struct vy_err e;
	size_t n, n2, i, k;
	int ret = 0;

	memcpy(before, q, len);
	switch (op[0] % 8) {
	case 0:
		ret = vy_io_poll(q, len, r, op[2] % 65, &n, &e);
		CHECK(!memcmp(before, q, len));
		if (!ret)
			for (i = 0; i < n; i++)
				CHECK(io_st(q, r[i].slot_idx) ==
				      VY_IO_STATUS_PUBLISHED);
		break;
	case 1:
		ret = vy_io_claim(q, len, r, op[2] % 65, &n, &e);
		if (ret)
			break;
		for (i = 0; i < n; i++) {
			CHECK(io_st(before, r[i].slot_idx) ==
			      VY_IO_STATUS_PUBLISHED);
			CHECK(io_st(q, r[i].slot_idx) == VY_IO_STATUS_CLAIMED);
		}
		CHECK(vy_io_poll(q, len, r2, VY_IO_SLOT_COUNT, &n2, NULL) == 0);
		for (i = 0; i < n2; i++)
			for (k = 0; k < n; k++)
				CHECK(r2[i].slot_idx != r[k].slot_idx);
		break;
	case 2:
		ret = vy_io_complete(q, len, slot, op[2] & 1, &e);
		if (!ret) {
			CHECK(only_status_changed(before, q, len, slot));
			CHECK(io_st(q, slot) == ((op[2] & 1) ?
			      VY_IO_STATUS_OK : VY_IO_STATUS_ERROR));
		}
		break;
	case 3:
		ents[0].slot = slot;
		ents[1].slot = slot_of(op[2]);
		ents[2].slot = slot_of(op[3]);
		for (i = 0; i < 3; i++)
			ents[i].success = (op[3] >> i) & 1;
		ret = vy_io_complete_batch(q, len, ents, op[2] % 4, &e);
		break;
	case 4:
		ret = vy_io_publish(q, len, slot, op[2], op[3] * 16u, op[2],
				    &e);
		goto published;
	case 5:
		ret = vy_io_submit_dma_read(q, len, slot, op[2], op[3], 4096,
					    op[3], &e);
published:
		if (ret)
			break;
		CHECK(vy_io_poll(q, len, r, VY_IO_SLOT_COUNT, &n, NULL) == 0);
		for (i = 0, k = 0; i < n; i++)
			k += r[i].slot_idx == slot && r[i].offset == 0;
		CHECK(k == 1);
		break;
	case 6:
		ret = vy_io_completion(q, len, slot, &c, &e);
		if (ret == 1)
			CHECK(c.status != VY_IO_STATUS_EMPTY);
		if (ret > 0)
			ret = 0;
		CHECK(!memcmp(before, q, len));
		break;
	default:
		ret = vy_io_is_recycled(q, len, slot, &e);
		if (ret > 0)
			ret = 0;
		CHECK(!memcmp(before, q, len));
		break;
	}
	if (ret) {
		CHECK(ret < 0 && e.msg[0] && e.hint[0]);
		CHECK(!memcmp(before, q, len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops, i, len;
	uint8_t *q, *before;

	if (size < 1)
		return 0;
	nops = data[0] & 0xF;
	if (size < 1 + 4 * nops)
		return 0;
	len = size - 1 - 4 * nops;
	q = malloc(len + 1);
	before = malloc(len + 1);
	if (!q || !before)
		goto out;
	memcpy(q, data + 1 + 4 * nops, len);
	for (i = 0; i < nops; i++)
		run_op(q, len, data + 1 + 4 * i, before);
out:
	free(q);
	free(before);
	return 0;
}
