/* SPDX-License-Identifier: MIT */
/*
 * fuzz_readback - readback validation of the four buffers, then every
 * decoder over what was read back, then the publishers on the ring.
 *
 * Input: 3 little-endian u16 lengths (control, ring, debug log), a u16
 * slot count and 8 parameter bytes, then the bytes that are split into
 * the four buffers in ABI order (the IO queue takes the rest).  Checks:
 * no crash or overread; validators agree with their rules; decoders of
 * accepted buffers succeed; a publisher touches only its target slots and
 * nothing on error; a packed payload that was encoded decodes again.
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

/* Ring bytes outside slots [lo, hi) are equal. */
static int outside_equal(const uint8_t *a, const uint8_t *b, size_t len,
			 uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((i / 64 < lo || i / 64 >= hi) && a[i] != b[i])
			return 0;
	return 1;
}

static void decode_all(const uint8_t *b[4], const size_t len[4])
{
	struct vy_io_request r[VY_IO_SLOT_COUNT];
	struct vy_debug_log_view v;
	struct vy_packed_view pv;
	uint32_t m[32], slots, s, rid, done, args[12], k;
	bool pf;
	size_t n;

	CHECK(vy_read_metrics(b[0], len[0], VY_READ_STRICT, m, NULL) == 0);
	CHECK(vy_read_epoch(b[0], len[0], &s, NULL) == 0);
	CHECK(vy_debug_log_parse(b[2], len[2], VY_READ_LENIENT, &v, NULL) ==
	      0 || vy_word(b[2], 0) % 4);
	CHECK(vy_io_poll(b[3], len[3], r, VY_IO_SLOT_COUNT, &n, NULL) == 0);
	CHECK(vy_ring_slot_count(len[1], &slots, NULL) == 0);
	CHECK(vy_count_done_ring_slots(b[1], len[1], slots, &done, NULL) == 0);
	CHECK(done <= slots);
	for (s = 0; s < slots; s++) {
		const char *name = vy_slot_status_name(vy_word(b[1], s * 16));

		CHECK(name && name[0]);
		if (vy_decode_load_miss(b[1], len[1], s, &rid, &pf))
			CHECK(vy_word(b[1], s * 16 + 1) == VY_OP_LOAD_MISS);
		if (vy_word(b[1], s * 16 + 1) == VY_OP_PACKED_SLOT) {
			for (k = 0; k < 12; k++)
				args[k] = vy_word(b[1], s * 16 + 4 + k);
			if (vy_packed_decode(args, &pv, NULL) == 0)
				CHECK(pv.meta_words + pv.total_args <= 12);
		}
	}
}

static void publishers(uint8_t *ring, size_t len, const uint8_t *p,
		       uint8_t *before)
{
	uint32_t a[13], n = 0, i;
	struct vy_slot_item items[3];
	struct vy_packed_op ops[5];
	struct vy_packed_view pv;
	struct vy_work_item wi[2];
	uint32_t start = p[0] < 0xF0 ? p[0] % 8u : 0xFFFFFFFFu - p[0] % 4u;
	uint32_t op = p[1] < 0x80 ? p[1] : 0xFFF0u + (p[1] & 0xF);
	uint32_t out[12];
	int ret;

	for (i = 0; i < 13; i++)
		a[i] = p[2] + i;
	memcpy(before, ring, len);
	ret = vy_publish_slot(ring, len, start, p[3], op, a, p[2] % 14, NULL);
	CHECK(ret ? !memcmp(before, ring, len) :
	      outside_equal(before, ring, len, start, (uint64_t)start + 1));

	for (i = 0; i < 3; i++) {
		items[i].opcode = op + i;
		items[i].args.v = a;
		items[i].args.n = (p[3] >> (2 * i)) % 4 * 4;
	}
	memcpy(before, ring, len);
	ret = vy_batch_publish(ring, len, start, p[3], items, p[4] % 4, p[5],
			       &n, NULL);
	CHECK(ret ? !memcmp(before, ring, len) :
	      outside_equal(before, ring, len, start, (uint64_t)start + n));

	for (i = 0; i < 5; i++) {
		ops[i].opcode = (uint8_t)(p[6] + i);
		ops[i].args.v = a;
		ops[i].args.n = (p[7] >> i) % 4;
	}
	if (vy_packed_encode(ops, p[4] % 6, out, NULL) == 0) {
		CHECK(vy_packed_decode(out, &pv, NULL) == 0);
		CHECK(pv.op_count == p[4] % 6u);
	}
	memcpy(before, ring, len);
	ret = vy_publish_packed_slot(ring, len, start, p[3], ops, p[4] % 6,
				     NULL);
	CHECK(ret ? !memcmp(before, ring, len) :
	      outside_equal(before, ring, len, start, (uint64_t)start + 1));

	wi[0] = (struct vy_work_item){ op, p[5], p[6], p[7] };
	wi[1] = (struct vy_work_item){ p[6], 1, 2, 3 };
	memcpy(before, ring, len);
	ret = vy_publish_work_items(ring, len, start, p[3], wi, p[5] % 3, &n,
				    NULL);
	CHECK(ret ? !memcmp(before, ring, len) :
	      outside_equal(before, ring, len, start, (uint64_t)start + n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t lens64[4];
	const uint8_t *b[4];
	size_t len[4], at = 16, i;
	uint32_t slot_count;
	uint8_t *ring, *before;
	int ret;

	if (size < 16)
		return 0;
	for (i = 0; i < 3; i++)
		len[i] = data[2 * i] | (size_t)data[2 * i + 1] << 8;
	slot_count = data[6] | (uint32_t)data[7] << 8;
	if (slot_count == 0xFFFF)
		slot_count = VY_MAX_RING_SLOTS + 1;
	for (i = 0; i < 3; i++) {
		if (len[i] > size - at)
			len[i] = size - at;
		b[i] = data + at;
		at += len[i];
	}
	b[3] = data + at;
	len[3] = size - at;
	for (i = 0; i < 4; i++)
		lens64[i] = len[i];

	ret = vy_validate_readback(lens64, data[8] % 6, slot_count, NULL);
	if (data[8] % 6 != 4)
		CHECK(ret == VY_E_READBACK_BUFFER_COUNT);
	ret = vy_validate_readback(lens64, 4, slot_count, NULL);
	CHECK(ret == 0 ? lens64[1] == (uint64_t)slot_count * 64 : ret < 0);
	if (ret == 0) {
		CHECK(vy_validate_dispatch(lens64, slot_count, NULL) == 0);
		decode_all(b, len);
	}

	/* the ring part, trimmed to whole slots, takes the publishers */
	len[1] -= len[1] % 64;
	ring = malloc(len[1] + 1);
	before = malloc(len[1] + 1);
	if (ring && before) {
		memcpy(ring, b[1], len[1]);
		publishers(ring, len[1], data + 8, before);
	}
	free(ring);
	free(before);
	return 0;
}
