/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of common/protocol: the edge cases around the vectors
 * (names, _into encoders, all-or-nothing publishers, packed decoding,
 * transitions, lenient readers, IO queue limits, error texts).
 */
#include <stdlib.h>

#include "harness.h"
#include "wire/protocol.h"
#include "wire/util.h"

/* A failure fills both message and hint; the message starts lowercase. */
static int err_ok(const struct vy_err *e, int code)
{
	return e->code == code && e->msg[0] && e->hint[0] &&
	       !(e->msg[0] >= 'A' && e->msg[0] <= 'Z');
}

static void slot_set(uint8_t *ring, uint32_t slot, uint32_t word, uint32_t v)
{
	vy_set_word(ring, (size_t)slot * VY_SLOT_WORDS + word, v);
}

static uint32_t slot_get(const uint8_t *ring, uint32_t slot, uint32_t word)
{
	return vy_word(ring, (size_t)slot * VY_SLOT_WORDS + word);
}

VY_TEST(protocol_layout_constants)
{
	uint64_t b;

	VY_CHECK_EQ_U64(VY_CONTROL_MIN_BYTES, 640);
	VY_CHECK_EQ_U64(VY_CONTROL_PRIORITY_MIN_BYTES, 540);
	VY_CHECK(VY_CTL_TENANT_MASK_DEFAULT + VY_CTL_TENANT_MASK_SLOTS ==
		 VY_CTL_TENANT_QUOTA_BASE);
	VY_CHECK(VY_CTL_TENANT_QUOTA_BASE + VY_CTL_TENANT_QUOTA_SLOTS ==
		 VY_CTL_TENANT_FAIRNESS_BASE);
	VY_CHECK(VY_CTL_TENANT_FAIRNESS_BASE + VY_CTL_TENANT_FAIRNESS_SLOTS ==
		 VY_CTL_METRICS_BASE);
	VY_CHECK(VY_CTL_METRICS_BASE + VY_CTL_METRICS_SLOTS == VY_CTL_EPOCH);
	VY_CHECK(VY_CTL_PRIORITY_OFFSETS_BASE + VY_CTL_PRIORITY_OFFSETS_SLOTS ==
		 VY_CTL_PRIORITY_STARVATION);
	VY_CHECK(VY_CTL_PRIORITY_FAIRNESS_BASE +
		 VY_CTL_PRIORITY_FAIRNESS_SLOTS == VY_CTL_FAULT_COUNT);
	VY_CHECK(VY_CTL_FAULT_COUNT < VY_CTL_OBSERVABLE_BASE);
	VY_CHECK(vy_debug_log_byte_len(VY_DEBUG_RECORD_CAPACITY, &b));
	VY_CHECK_EQ_U64(b, VY_DEBUG_BUFFER_BYTES);
	VY_CHECK_EQ_U64(VY_DEBUG_BUFFER_WORDS * 4, VY_DEBUG_BUFFER_BYTES);
	VY_CHECK_EQ_U64(VY_IO_SLOT_COUNT * VY_IO_SLOT_BYTES, VY_IO_QUEUE_BYTES);
	VY_CHECK_EQ_U64(VY_SLOT_WORDS * 4, VY_SLOT_BYTES);
	VY_CHECK_EQ_U64(VY_SLOT_ARG0_WORD + VY_SLOT_ARGS, VY_SLOT_WORDS);
}

VY_TEST(protocol_sizing_caps)
{
	uint64_t b = 7;

	VY_CHECK(vy_control_byte_len(VY_MAX_OBSERVABLE_SLOTS, &b));
	VY_CHECK_EQ_U64(b, 4294967295ULL * 4);
	VY_CHECK(!vy_control_byte_len(VY_MAX_OBSERVABLE_SLOTS + 1ULL, &b));
	VY_CHECK(!vy_ring_byte_len(UINT64_MAX, &b));
	VY_CHECK(vy_ring_byte_len(0, &b));
	VY_CHECK_EQ_U64(b, 0);
	VY_CHECK(vy_debug_log_byte_len(0, NULL));
}

VY_TEST(protocol_status_names)
{
	uint32_t v;
	uint32_t s;

	for (s = 0; s < VY_STATUS_COUNT; s++) {
		VY_CHECK(vy_slot_status_parse(vy_slot_status_name(s), &v) == 0);
		VY_CHECK_EQ_U64(v, s);
	}
	VY_CHECK_STR(vy_slot_status_name(VY_STATUS_WAIT_IO), "wait_io");
	VY_CHECK_STR(vy_slot_status_name(8), "unknown");
	VY_CHECK_STR(vy_slot_status_name(0xFFFFFFFFu), "unknown");
	VY_CHECK(vy_slot_status_parse("WaitIo", &v) == 0);
	VY_CHECK_EQ_U64(v, 4);
	VY_CHECK(vy_slot_status_parse("FAULT", &v) == 0);
	VY_CHECK_EQ_U64(v, 7);
	VY_CHECK(vy_slot_status_parse("Unknown(9)", &v) == 0);
	VY_CHECK_EQ_U64(v, 9);
	VY_CHECK(vy_slot_status_parse("0x10", &v) == 0);
	VY_CHECK_EQ_U64(v, 16);
	VY_CHECK(vy_slot_status_parse("unknown", &v) == VY_E_INVAL);
	VY_CHECK(vy_slot_status_parse("Unknown()", &v) == VY_E_INVAL);
	VY_CHECK(vy_slot_status_parse("", &v) == VY_E_INVAL);
	VY_CHECK(vy_slot_status_parse("done!", &v) == VY_E_INVAL);
}

VY_TEST(protocol_opcode_names)
{
	static const uint32_t ops[] = {
		VY_OP_NOP, VY_OP_STORE_U32, VY_OP_ATOMIC_ADD, VY_OP_LOAD_U32,
		VY_OP_COMPARE_SWAP, VY_OP_MEMCPY, VY_OP_DFA_STEP,
		VY_OP_BATCH_FENCE, VY_OP_LOAD_MISS, VY_OP_PRINTF,
		VY_OP_PACKED_SLOT, VY_OP_SHUTDOWN,
	};
	char buf[32];
	uint32_t v;
	size_t i;

	for (i = 0; i < VY_ARRAY_SIZE(ops); i++) {
		const char *n = vy_opcode_name(ops[i]);

		VY_CHECK(n != NULL);
		VY_CHECK(vy_opcode_parse(n, &v) == 0);
		VY_CHECK_EQ_U64(v, ops[i]);
	}
	VY_CHECK_STR(vy_opcode_name(VY_OP_PACKED_SLOT), "packed_slot");
	VY_CHECK_STR(vy_opcode_name(VY_OP_LOAD_MISS), "load_miss");
	VY_CHECK(vy_opcode_name(8) == NULL);
	VY_CHECK(vy_opcode_parse("STORE_U32", &v) == 0);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_opcode_parse("0xFFFD", &v) == 0);
	VY_CHECK_EQ_U64(v, VY_OP_LOAD_MISS);
	VY_CHECK(vy_opcode_parse("4294967295", &v) == 0);
	VY_CHECK_EQ_U64(v, VY_OP_SHUTDOWN);
	VY_CHECK(vy_opcode_parse("4294967296", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse("storeu32", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse("-1", &v) == VY_E_INVAL);
	VY_CHECK_STR(vy_opcode_format(12, buf, sizeof(buf)), "12");
	VY_CHECK_STR(vy_opcode_format(0xFFF0, buf, sizeof(buf)), "0xfff0");
	VY_CHECK_STR(vy_opcode_format(VY_OP_PRINTF, buf, sizeof(buf)),
		     "printf");
	VY_CHECK_STR(vy_opcode_format(VY_OP_MEMCPY, buf, 4), "mem");
}

VY_TEST(protocol_opcode_classes)
{
	struct vy_err e;

	VY_CHECK(vy_opcode_is_publishable(0xFFEF));
	VY_CHECK(!vy_opcode_is_publishable(0xFFF0));
	VY_CHECK(!vy_opcode_is_publishable(VY_OP_LOAD_MISS));
	VY_CHECK(vy_opcode_is_publishable(VY_OP_PRINTF));
	VY_CHECK(!vy_opcode_is_publishable(0xFFFF));
	VY_CHECK(vy_opcode_is_publishable(0x10000));
	VY_CHECK(vy_opcode_is_publishable(0x7FFFFFFF));
	VY_CHECK(!vy_opcode_is_publishable(0x80000000u));
	VY_CHECK(vy_opcode_is_publishable(VY_OP_PACKED_SLOT));
	VY_CHECK(!vy_opcode_is_publishable(0x80000002u));
	VY_CHECK(vy_opcode_is_publishable(VY_OP_SHUTDOWN));
	VY_CHECK(!vy_opcode_is_system(8));
	VY_CHECK(vy_opcode_check(0xFFF1, &e) == VY_E_OPCODE_RESERVED);
	VY_CHECK(err_ok(&e, VY_E_OPCODE_RESERVED));
	VY_CHECK(strstr(e.msg, "reserved") != NULL);
}

VY_TEST(protocol_encode_control_into)
{
	uint8_t buf[700];
	struct vy_err e;
	size_t len = 0, i;

	memset(buf, 0xAA, sizeof(buf));
	VY_CHECK(vy_encode_control_into(true, UINT32_MAX, 4, buf, 655, &len,
					&e) == VY_E_INVAL);
	VY_CHECK(err_ok(&e, VY_E_INVAL));
	for (i = 0; i < sizeof(buf); i++)
		VY_CHECK_EQ_U64(buf[i], 0xAA);
	VY_CHECK(vy_encode_control_into(true, UINT32_MAX, 4, buf, sizeof(buf),
					&len, &e) == 0);
	VY_CHECK_EQ_U64(len, 656);
	VY_CHECK_EQ_U64(buf[656], 0xAA);
	VY_CHECK_EQ_U64(vy_word(buf, 0), 1);
	VY_CHECK_EQ_U64(vy_word(buf, 2), 3);
	VY_CHECK_EQ_U64(vy_word(buf, 31), 0xFFFFFFFFu);
	VY_CHECK_EQ_U64(vy_word(buf, 63), 1000000);
	VY_CHECK_EQ_U64(vy_word(buf, 64), 0);
	VY_CHECK_EQ_U64(vy_word(buf, 163), 0);
	/* 29 tenants fill the mask table exactly; 30 spill nothing */
	VY_CHECK(vy_encode_control_into(false, 29, 0, buf, sizeof(buf), &len,
					NULL) == 0);
	VY_CHECK_EQ_U64(vy_word(buf, 31), 0xFFFFFFFFu);
	VY_CHECK_EQ_U64(vy_word(buf, 32 + 28), 1000000);
	VY_CHECK_EQ_U64(vy_word(buf, 32 + 29), 0);
	VY_CHECK(vy_encode_control_into(false, 0, 1048577, buf, sizeof(buf),
					&len, &e) == VY_E_CONTROL_ENCODE_CAP);
	VY_CHECK(strstr(e.msg, "observable") != NULL);
}

VY_TEST(protocol_encoders_alloc)
{
	uint8_t *p = (uint8_t *)1;
	struct vy_err e;
	size_t len = 1;

	VY_CHECK(vy_encode_empty_ring(0, &p, &len, NULL) == 0);
	VY_CHECK(p == NULL);
	VY_CHECK_EQ_U64(len, 0);
	VY_CHECK(vy_encode_empty_debug_log(0, &p, &len, NULL) == 0);
	VY_CHECK_EQ_U64(len, 4);
	VY_CHECK_EQ_U64(vy_word(p, 0), 0);
	free(p);
	VY_CHECK(vy_encode_empty_ring(1048577, &p, &len, &e) ==
		 VY_E_RING_ENCODE_CAP);
	VY_CHECK(strstr(e.msg, "ring") != NULL);
	VY_CHECK(vy_encode_empty_debug_log(1048577, &p, &len, &e) ==
		 VY_E_DEBUG_LOG_ENCODE_CAP);
	VY_CHECK(strstr(e.msg, "debug") != NULL);
	VY_CHECK(vy_encode_empty_io_queue(0, &p, &len, &e) ==
		 VY_E_IO_QUEUE_ZERO_SLOTS);
	VY_CHECK(vy_encode_empty_io_queue(UINT32_MAX, &p, &len, &e) ==
		 VY_E_IO_QUEUE_TOO_LARGE);
	VY_CHECK(strstr(e.msg, "64") != NULL);
	VY_CHECK(vy_encode_empty_io_queue(64, &p, &len, &e) == 0);
	VY_CHECK_EQ_U64(len, 2048);
	VY_CHECK(vy_validate_io_queue(len, &e) == 0);
	free(p);
}

VY_TEST(protocol_validators)
{
	uint64_t lens[4] = { 656, 256, 1028, 2048 };
	struct vy_readback_counters rc;
	struct vy_launch_shape g;
	struct vy_err e;
	uint32_t slots;

	VY_CHECK(vy_validate_control(640, &e) == 0);
	VY_CHECK(vy_validate_control(101, &e) == VY_E_CONTROL_INVALID);
	VY_CHECK(err_ok(&e, VY_E_CONTROL_INVALID));
	VY_CHECK(vy_validate_io_queue(0, &e) == 0);
	VY_CHECK(vy_validate_io_queue(2047, &e) == VY_E_IO_QUEUE_MISALIGNED);
	VY_CHECK(vy_validate_dispatch(lens, 4, &e) == 0);
	VY_CHECK(vy_validate_dispatch(lens, 5, &e) == VY_E_RING_SIZE);
	/* a slot count whose ring length wraps is a size mismatch */
	lens[1] = 0;
	VY_CHECK(vy_validate_dispatch(lens, 1ULL << 58, &e) == VY_E_RING_SIZE);
	lens[1] = 256;
	VY_CHECK(vy_validate_readback(lens, 4, 4, &e) == 0);
	VY_CHECK(vy_validate_readback(lens, 3, 4, &e) ==
		 VY_E_READBACK_BUFFER_COUNT);
	VY_CHECK(vy_readback_counters(lens, &rc, &e) == 0);
	VY_CHECK_EQ_U64(rc.total_bytes, 3988);
	lens[0] = UINT64_MAX;
	VY_CHECK(vy_readback_counters(lens, &rc, &e) == VY_E_INVAL);
	VY_CHECK(vy_ring_slot_count(1000, &slots, &e) ==
		 VY_E_RING_NOT_WHOLE_SLOTS);
	VY_CHECK(strstr(e.msg, "64-byte slot") != NULL);
	VY_CHECK(vy_ring_slot_count(64ULL << 32, &slots, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_ring_slot_count(640, &slots, &e) == 0);
	VY_CHECK_EQ_U64(slots, 10);
	VY_CHECK(vy_bootstrap_geometry(VY_BOOTSTRAP_SLOTS,
				       VY_BOOTSTRAP_WORKGROUP, &g, &e) == 0);
	VY_CHECK_EQ_U64(g.grid[0], 1);
	VY_CHECK_EQ_U64(g.workgroup[0], 256);
	VY_CHECK(vy_bootstrap_geometry(300, 64, &g, &e) ==
		 VY_E_GEOMETRY_INVALID);
	VY_CHECK(err_ok(&e, VY_E_GEOMETRY_INVALID));
}

VY_TEST(protocol_priority_offsets)
{
	static const struct {
		uint32_t total;
		uint32_t off[6];
	} cases[] = {
		{ 5, { 0, 1, 2, 3, 4, 5 } },
		{ 64, { 0, 12, 24, 40, 52, 64 } },
		{ 256, { 0, 51, 102, 154, 205, 256 } },
		{ 1024, { 0, 204, 408, 616, 820, 1024 } },
		{ 3, { 0, 0, 0, 3, 3, 3 } },
		{ 0, { 0, 0, 0, 0, 0, 0 } },
		{ UINT32_MAX, { 0, 858993459, 1717986918, 2576980377,
				3435973836, UINT32_MAX } },
	};
	uint8_t ctl[640];
	uint32_t off[6], i, k, sum;
	struct vy_err e;

	for (i = 0; i < VY_ARRAY_SIZE(cases); i++) {
		vy_default_priority_offsets(cases[i].total, off);
		for (k = 0; k < 6; k++)
			VY_CHECK_EQ_U64(off[k], cases[i].off[k]);
	}
	memset(ctl, 0x5A, sizeof(ctl));
	VY_CHECK(vy_write_default_priority_offsets(ctl, 539, 10, &e) ==
		 VY_E_PRIORITY_CONTROL_MISALIGNED);
	VY_CHECK(vy_write_default_priority_offsets(ctl, 536, 10, &e) ==
		 VY_E_PRIORITY_CONTROL_TOO_SHORT);
	for (i = 0; i < sizeof(ctl); i++)
		VY_CHECK_EQ_U64(ctl[i], 0x5A);
	VY_CHECK(vy_write_default_priority_offsets(ctl, 540, 10, &e) == 0);
	VY_CHECK_EQ_U64(vy_word(ctl, 128), 0x5A5A5A5Au);
	VY_CHECK_EQ_U64(vy_word(ctl, 134), 10);
	VY_CHECK_EQ_U64(vy_word(ctl, 135), 0x5A5A5A5Au);
	/* the probe budgets of the default partitions cover every slot */
	vy_default_priority_offsets(1024, off);
	for (sum = 0, k = 0; k < 5; k++) {
		uint32_t b;

		VY_CHECK(vy_priority_probe_budget(off[k + 1] - off[k], 1024,
						  &b, &e) == 0);
		sum += b;
	}
	VY_CHECK_EQ_U64(sum, 1024);
	VY_CHECK(vy_priority_probe_budget(UINT32_MAX, 0x80000001u, &k, &e) ==
		 VY_E_PROBE_BUDGET_OVERFLOW);
}

VY_TEST(protocol_publish_slot_errors_leave_ring)
{
	uint8_t ring[4 * 64], copy[sizeof(ring)];
	uint32_t args[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	struct vy_err e;

	memset(ring, 0, sizeof(ring));
	slot_set(ring, 1, 0, VY_STATUS_CLAIMED);
	memcpy(copy, ring, sizeof(ring));
	VY_CHECK(vy_publish_slot(ring, 255, 0, 0, 1, args, 2, &e) ==
		 VY_E_RING_NOT_WHOLE_SLOTS);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 4, 0, 1, args, 2, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 0, 0, 1, args, 13, &e) ==
		 VY_E_TOO_MANY_ARGS);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 0, 0, VY_OP_LOAD_MISS,
				 args, 2, &e) == VY_E_OPCODE_RESERVED);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 1, 0, 1, args, 2, &e) ==
		 VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(err_ok(&e, VY_E_SLOT_NOT_PUBLISHABLE));
	VY_CHECK(strstr(e.msg, "claimed") != NULL);
	VY_CHECK(memcmp(ring, copy, sizeof(ring)) == 0);
	/* empty ring: NULL data is fine, everything is out of range */
	VY_CHECK(vy_publish_slot(NULL, 0, 0, 0, 0, NULL, 0, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 3, 9, 1, args, 12, &e) ==
		 0);
	VY_CHECK_EQ_U64(slot_get(ring, 3, 15), 12);
	VY_CHECK_EQ_U64(slot_get(ring, 3, 3), VY_PRIO_NORMAL);
	/* republishing a DONE slot clears all 12 stale args */
	slot_set(ring, 3, 0, VY_STATUS_DONE);
	VY_CHECK(vy_publish_slot(ring, sizeof(ring), 3, 9, 0, NULL, 0, &e) ==
		 0);
	VY_CHECK_EQ_U64(slot_get(ring, 3, 4), 0);
	VY_CHECK_EQ_U64(slot_get(ring, 3, 15), 0);
	VY_CHECK_EQ_U64(slot_get(ring, 3, 0), VY_STATUS_PUBLISHED);
}

VY_TEST(protocol_batch_all_or_nothing)
{
	uint8_t ring[4 * 64], copy[sizeof(ring)];
	uint32_t a[2] = { 10, 150 }, n = 0;
	struct vy_slot_item items[2] = {
		{ VY_OP_STORE_U32, { a, 2 } },
		{ VY_OP_ATOMIC_ADD, { a, 2 } },
	};
	struct vy_err e;

	memset(ring, 0, sizeof(ring));
	slot_set(ring, 3, 0, VY_STATUS_FAULT);
	memcpy(copy, ring, sizeof(ring));
	/* the fence slot (3) is busy: nothing at all is written */
	VY_CHECK(vy_batch_publish(ring, sizeof(ring), 1, 0, items, 2, 5, &n,
				  &e) == VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(memcmp(ring, copy, sizeof(ring)) == 0);
	VY_CHECK(vy_batch_publish(ring, sizeof(ring), 0, 4, items, 2, 5, &n,
				  &e) == 0);
	VY_CHECK_EQ_U64(n, 3);
	VY_CHECK_EQ_U64(slot_get(ring, 2, 1), VY_OP_BATCH_FENCE);
	VY_CHECK_EQ_U64(slot_get(ring, 2, 4), 2);
	VY_CHECK_EQ_U64(slot_get(ring, 2, 5), 5);
	VY_CHECK_EQ_U64(slot_get(ring, 2, 2), 4);
	VY_CHECK(vy_batch_publish(ring, sizeof(ring), UINT32_MAX, 0, items, 0,
				  5, &n, &e) == VY_E_SLOT_OUT_OF_RANGE);
}

VY_TEST(protocol_packed_roundtrip)
{
	uint32_t a0[2] = { 10, 32 }, a1[2] = { 1, 64 }, a2[1] = { 7 };
	struct vy_packed_op ops[3] = {
		{ 1, { a0, 2 } }, { 0, { NULL, 0 } }, { 2, { a1, 2 } },
	};
	struct vy_packed_op many[24];
	struct vy_packed_view v;
	uint32_t args[12];
	struct vy_err e;
	size_t i;

	VY_CHECK(vy_packed_encode(ops, 3, args, &e) == 0);
	VY_CHECK(vy_packed_decode(args, &v, &e) == 0);
	VY_CHECK_EQ_U64(v.op_count, 3);
	VY_CHECK_EQ_U64(v.total_args, 4);
	VY_CHECK_EQ_U64(v.meta_words, 2);
	VY_CHECK_EQ_U64(v.ops[0].arg_count, 2);
	VY_CHECK_EQ_U64(v.ops[1].arg_offset, 2);
	VY_CHECK_EQ_U64(v.ops[1].arg_count, 0);
	VY_CHECK_EQ_U64(v.ops[2].opcode, 2);
	VY_CHECK_EQ_U64(v.ops[2].arg_count, 2);
	VY_CHECK_EQ_U64(args[v.meta_words + v.ops[2].arg_offset + 1], 64);
	/* 23 ops fit exactly (M = 12), 24 do not */
	for (i = 0; i < 24; i++) {
		many[i].opcode = (uint8_t)i;
		many[i].args.v = NULL;
		many[i].args.n = 0;
	}
	VY_CHECK(vy_packed_encode(many, 23, args, &e) == 0);
	VY_CHECK(vy_packed_decode(args, &v, &e) == 0);
	VY_CHECK_EQ_U64(v.op_count, 23);
	VY_CHECK_EQ_U64(v.ops[22].opcode, 22);
	VY_CHECK(vy_packed_encode(many, 24, args, &e) ==
		 VY_E_PACKED_OVER_BUDGET);
	VY_CHECK(strstr(e.msg, "12-word") != NULL);
	many[0].args.v = a2;
	many[0].args.n = 1;
	VY_CHECK(vy_packed_encode(many, 256, args, &e) ==
		 VY_E_PACKED_TOO_MANY_OPS);
	VY_CHECK(strstr(e.msg, "255") != NULL);
}

VY_TEST(protocol_packed_decode_rejects_malformed)
{
	uint32_t args[12] = { 0 };
	struct vy_packed_view v;
	struct vy_err e;

	/* n = 24: metadata alone needs 13 words */
	args[0] = 24;
	VY_CHECK(vy_packed_decode(args, &v, &e) == VY_E_PACKED_OVER_BUDGET);
	/* n = 1, t = 12: M + t = 13 */
	args[0] = 1 | 12 << 8;
	VY_CHECK(vy_packed_decode(args, &v, &e) == VY_E_PACKED_OVER_BUDGET);
	/* n = 2, t = 2, offsets 2 then 1: out of order */
	args[0] = 2 | 2 << 8 | 0x01u << 16 | 2u << 24;
	args[1] = 0x01 | 1 << 8;
	VY_CHECK(vy_packed_decode(args, &v, &e) == VY_E_PACKED_OVER_BUDGET);
	/* last op's offset past t */
	args[0] = 1 | 1 << 8 | 0x01u << 16 | 2u << 24;
	VY_CHECK(vy_packed_decode(args, &v, &e) == VY_E_PACKED_OVER_BUDGET);
	/* zero ops decode to nothing */
	memset(args, 0, sizeof(args));
	VY_CHECK(vy_packed_decode(args, &v, &e) == 0);
	VY_CHECK_EQ_U64(v.op_count, 0);
	VY_CHECK_EQ_U64(v.meta_words, 1);
}

VY_TEST(protocol_work_items_and_window)
{
	struct vy_work_item it[2] = { { 1, 10, 20, 30 }, { 0xFFF0, 0, 0, 0 } };
	uint32_t p0[1] = { 17 }, big[11] = { 0 }, n = 0;
	struct vy_args req[2] = { { p0, 1 }, { big, 11 } };
	struct vy_window w = { 0, 5, 0xF101, 77, req, 2, NULL, 0 };
	uint8_t ring[2 * 64], copy[sizeof(ring)], buf[8];
	struct vy_err e;
	size_t len;

	memset(ring, 0, sizeof(ring));
	memcpy(copy, ring, sizeof(ring));
	/* opcodes are checked before the ring itself */
	VY_CHECK(vy_publish_work_items(ring, 3, 0, 0, it, 2, &n, &e) ==
		 VY_E_OPCODE_RESERVED);
	VY_CHECK(vy_publish_work_items(ring, sizeof(ring), 1, 0, it, 1, &n,
				       &e) == 0);
	VY_CHECK_EQ_U64(n, 1);
	VY_CHECK_EQ_U64(slot_get(ring, 1, 6), 30);
	memset(buf, 0xAA, sizeof(buf));
	VY_CHECK(vy_encode_work_items_ring_into(1, 7, it, 2, buf, sizeof(buf),
						&len, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_encode_work_items_ring_into(4, 7, it, 2, buf, sizeof(buf),
						&len, &e) ==
		 VY_E_OPCODE_RESERVED);
	VY_CHECK(vy_encode_work_items_ring_into(4, 7, it, 1, buf, sizeof(buf),
						&len, &e) == VY_E_INVAL);
	VY_CHECK_EQ_U64(buf[7], 0xAA);
	/* the second payload is too long: unlike upstream, nothing is written */
	memset(ring, 0, sizeof(ring));
	VY_CHECK(vy_publish_window(ring, sizeof(ring), &w, &n, &e) ==
		 VY_E_TOO_MANY_ARGS);
	VY_CHECK(memcmp(ring, copy, sizeof(ring)) == 0);
	req[1].n = 10;
	VY_CHECK(vy_publish_window(ring, sizeof(ring), &w, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 2);
	VY_CHECK_EQ_U64(slot_get(ring, 0, 4), 77);
	VY_CHECK_EQ_U64(slot_get(ring, 0, 5), VY_WINDOW_CLASS_REQUIRED);
	VY_CHECK_EQ_U64(slot_get(ring, 0, 6), 17);
}

VY_TEST(protocol_slot_transitions)
{
	uint8_t ring[64] = { 0 };
	struct vy_err e;
	uint32_t prev = 99;

	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_CLAIM, &prev, &e) ==
		 VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(strstr(e.msg, "claim") != NULL);
	slot_set(ring, 0, 0, VY_STATUS_YIELD);
	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_CLAIM, &prev, &e) ==
		 0);
	VY_CHECK_EQ_U64(prev, VY_STATUS_YIELD);
	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_CANCEL, &prev, &e) ==
		 VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_DONE, &prev, &e) ==
		 0);
	VY_CHECK_EQ_U64(slot_get(ring, 0, 0), VY_STATUS_DONE);
	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_FAULT, &prev, &e) ==
		 VY_E_SLOT_NOT_PUBLISHABLE);
	slot_set(ring, 0, 0, 0xDEADBEEF);
	VY_CHECK(vy_slot_transition(ring, 64, 0, VY_TRANS_FAULT, &prev, &e) ==
		 VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(vy_slot_transition(ring, 64, 1, VY_TRANS_FAULT, &prev, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_slot_transition(ring, 64, 0, (enum vy_transition)9, &prev,
				    &e) == VY_E_INVAL);
}

VY_TEST(protocol_raw_slot_copy)
{
	uint8_t ring[2 * 64] = { 0 }, slot[64], back[64];
	struct vy_err e;
	uint32_t rid = 0;
	bool pf = false;

	vy_encode_load_miss_ex(99, true, 4, 3, slot);
	VY_CHECK(vy_ring_write_slot(ring, sizeof(ring), 2, slot, &e) ==
		 VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_ring_write_slot(ring, sizeof(ring), 1, slot, &e) == 0);
	VY_CHECK(vy_ring_read_slot(ring, sizeof(ring), 1, back, &e) == 0);
	VY_CHECK(memcmp(slot, back, 64) == 0);
	VY_CHECK(vy_decode_load_miss(ring, sizeof(ring), 1, &rid, &pf));
	VY_CHECK_EQ_U64(rid, 99);
	VY_CHECK(pf);
	VY_CHECK_EQ_U64(slot_get(ring, 1, 2), 4);
	VY_CHECK(!vy_decode_load_miss(ring, sizeof(ring), 0, &rid, &pf));
	VY_CHECK(!vy_decode_load_miss(ring, sizeof(ring), UINT64_MAX, &rid,
				      &pf));
	VY_CHECK(!vy_decode_load_miss(NULL, 0, 0, &rid, &pf));
	vy_encode_load_miss(7, false, slot);
	VY_CHECK_EQ_U64(vy_word(slot, 3), 0);
	VY_CHECK_EQ_U64(vy_word(slot, 5), 0);
}

VY_TEST(protocol_debug_log_modes)
{
	uint8_t log[VY_DEBUG_BUFFER_BYTES] = { 0 };
	struct vy_debug_log_view v;
	struct vy_debug_record r;
	struct vy_err e;

	/* 65 PRINTFs: strict rejects, lenient keeps 64 and drops 1 */
	vy_set_word(log, 0, 260);
	vy_set_word(log, 253, 1063);
	vy_set_word(log, 256, 1008);
	VY_CHECK(vy_debug_log_parse(log, sizeof(log), VY_READ_STRICT, &v,
				    &e) == VY_E_DEBUG_LOG_CURSOR_PAST_CAPACITY);
	VY_CHECK(err_ok(&e, VY_E_DEBUG_LOG_CURSOR_PAST_CAPACITY));
	VY_CHECK(vy_debug_log_parse(log, sizeof(log), VY_READ_LENIENT, &v,
				    &e) == 0);
	VY_CHECK_EQ_U64(v.stored, 64);
	VY_CHECK_EQ_U64(v.dropped, 1);
	VY_CHECK_EQ_U64(v.capacity, 64);
	vy_debug_log_record(log, 63, &r);
	VY_CHECK_EQ_U64(r.fmt_id, 1063);
	VY_CHECK_EQ_U64(r.args[2], 1008);
	/* a huge cursor cannot make the lenient reader overrun */
	vy_set_word(log, 0, 0xFFFFFFFCu);
	VY_CHECK(vy_debug_log_parse(log, sizeof(log), VY_READ_LENIENT, &v,
				    &e) == 0);
	VY_CHECK_EQ_U64(v.stored, 64);
	VY_CHECK_EQ_U64(v.dropped, 0x3FFFFFFFu - 64);
	vy_set_word(log, 0, 6);
	VY_CHECK(vy_debug_log_parse(log, sizeof(log), VY_READ_LENIENT, &v,
				    &e) == VY_E_DEBUG_LOG_PARTIAL_RECORD);
	VY_CHECK(vy_debug_log_parse(NULL, 0, VY_READ_LENIENT, &v, &e) ==
		 VY_E_MISSING_WORD);
	VY_CHECK(vy_debug_log_parse(log, 5, VY_READ_STRICT, &v, &e) ==
		 VY_E_BUFFER_MISALIGNED);
}

VY_TEST(protocol_control_readers)
{
	uint8_t ctl[648] = { 0 };
	uint32_t m[32], v = 1;
	struct vy_err e;

	vy_set_word(ctl, 1, 42);
	vy_set_word(ctl, 128, 7);
	vy_set_word(ctl, 161, 0xCAFE);
	vy_set_word(ctl, 103, 9);
	VY_CHECK_EQ_U64(vy_read_done_count_or_zero(ctl, 8), 42);
	VY_CHECK_EQ_U64(vy_read_done_count_or_zero(ctl, 7), 0);
	VY_CHECK_EQ_U64(vy_read_epoch_or_zero(ctl, 516), 7);
	VY_CHECK_EQ_U64(vy_read_epoch_or_zero(ctl, 512), 0);
	VY_CHECK_EQ_U64(vy_read_observable_or_zero(ctl, 648, 1), 0xCAFE);
	VY_CHECK_EQ_U64(vy_read_observable_or_zero(ctl, 648, 2), 0);
	VY_CHECK(vy_read_observable(ctl, 3, UINT32_MAX, &v, &e) ==
		 VY_E_INDEX_OVERFLOW);
	VY_CHECK(vy_read_observable(ctl, 644, 1, &v, &e) == VY_E_MISSING_WORD);
	VY_CHECK(err_ok(&e, VY_E_MISSING_WORD));
	VY_CHECK(vy_read_control_word(ctl, 648, 161, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 0xCAFE);
	VY_CHECK(vy_read_metrics(ctl, 511, VY_READ_STRICT, m, &e) ==
		 VY_E_BUFFER_MISALIGNED);
	VY_CHECK(vy_read_metrics(ctl, 508, VY_READ_STRICT, m, &e) ==
		 VY_E_MISSING_WORD);
	VY_CHECK(vy_read_metrics(ctl, 416, VY_READ_LENIENT, m, &e) == 0);
	VY_CHECK_EQ_U64(m[7], 9);
	VY_CHECK(vy_read_metrics(ctl, 415, VY_READ_LENIENT, m, &e) == 0);
	VY_CHECK_EQ_U64(m[7], 0);
	VY_CHECK(vy_read_metrics(NULL, 0, VY_READ_LENIENT, m, &e) == 0);
	VY_CHECK_EQ_U64(m[0], 0);
}

VY_TEST(protocol_count_done)
{
	uint8_t ring[3 * 64] = { 0 };
	struct vy_err e;
	uint32_t v = 9;

	slot_set(ring, 0, 0, VY_STATUS_DONE);
	slot_set(ring, 2, 0, VY_STATUS_DONE);
	VY_CHECK(vy_count_done_ring_slots(ring, sizeof(ring), 3, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 2);
	VY_CHECK(vy_count_done_ring_slots(NULL, 3, 0, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 0);
	VY_CHECK(vy_count_done_ring_slots(ring, sizeof(ring), UINT32_MAX, &v,
					  &e) == VY_E_MISSING_WORD);
	VY_CHECK(vy_count_done_ring_slots_lenient(ring, sizeof(ring) - 1, 3,
						  &v) == 0);
	VY_CHECK(vy_count_done_ring_slots_lenient(ring, sizeof(ring) - 1, 2,
						  &v) == 1);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_count_done_ring_slots_lenient(ring, sizeof(ring), 0, &v) ==
		 0);
}

VY_TEST(protocol_io_queue_flow)
{
	uint8_t q[VY_IO_QUEUE_BYTES] = { 0 }, copy[sizeof(q)];
	struct vy_io_completion_entry ents[3] = {
		{ 3, true }, { 5, false }, { 64, true },
	};
	struct vy_io_request r[2];
	struct vy_io_completion c;
	struct vy_err e;
	size_t n = 0;

	VY_CHECK(vy_io_submit_dma_read(q, sizeof(q), 3, 1, 2, 4096, 11, &e) ==
		 0);
	VY_CHECK(vy_io_publish(q, sizeof(q), 5, 6, 512, 12, &e) == 0);
	VY_CHECK(vy_io_publish(q, sizeof(q), 9, 6, 512, 13, &e) == 0);
	VY_CHECK(vy_io_publish(q, sizeof(q), 9, 6, 512, 13, &e) ==
		 VY_E_IO_SLOT_IN_FLIGHT);
	VY_CHECK(err_ok(&e, VY_E_IO_SLOT_IN_FLIGHT));
	/* claim honours the room the caller gives */
	VY_CHECK(vy_io_claim(q, sizeof(q), r, 2, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 2);
	VY_CHECK_EQ_U64(r[0].slot_idx, 3);
	VY_CHECK_EQ_U64(r[1].slot_idx, 5);
	VY_CHECK(vy_io_poll(q, sizeof(q), r, 2, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 1);
	VY_CHECK_EQ_U64(r[0].slot_idx, 9);
	/* a batch with a bad entry writes nothing */
	memcpy(copy, q, sizeof(q));
	VY_CHECK(vy_io_complete_batch(q, sizeof(q), ents, 3, &e) ==
		 VY_E_IO_SLOT_OUT_OF_RANGE);
	VY_CHECK(memcmp(copy, q, sizeof(q)) == 0);
	VY_CHECK(vy_io_complete_batch(q, sizeof(q), ents, 2, &e) == 0);
	VY_CHECK(vy_io_completion(q, sizeof(q), 5, &c, &e) == 1);
	VY_CHECK_EQ_U64(c.status, VY_IO_STATUS_ERROR);
	VY_CHECK_EQ_U64(c.mapped_slot, 6);
	VY_CHECK(vy_io_completion(q, sizeof(q), 64, &c, &e) == 0);
	VY_CHECK(vy_io_completion(q, sizeof(q), 0, &c, &e) == 0);
	VY_CHECK(vy_io_is_recycled(q, sizeof(q), 0, &e) == 1);
	VY_CHECK(vy_io_is_recycled(q, sizeof(q), 3, &e) == 0);
	VY_CHECK(vy_io_is_recycled(q, 2049, 0, &e) ==
		 VY_E_IO_QUEUE_MISALIGNED);
	VY_CHECK(vy_io_complete(q, sizeof(q), 3, true, &e) ==
		 VY_E_IO_NOT_CLAIMED);
	VY_CHECK(strstr(e.msg, "CLAIMED request") != NULL);
	/* zero-length queue */
	VY_CHECK(vy_io_claim(NULL, 0, r, 2, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 0);
	VY_CHECK(vy_io_complete_batch(NULL, 0, NULL, 0, &e) == 0);
	VY_CHECK(vy_io_complete(NULL, 0, 0, true, &e) ==
		 VY_E_IO_SLOT_OUT_OF_RANGE);
}

VY_TEST(protocol_err_may_be_null)
{
	uint8_t ring[64] = { 0 };

	VY_CHECK(vy_publish_slot(ring, 63, 0, 0, 0, NULL, 0, NULL) ==
		 VY_E_RING_NOT_WHOLE_SLOTS);
	VY_CHECK(vy_validate_readback(NULL, 0, 0, NULL) ==
		 VY_E_READBACK_BUFFER_COUNT);
	VY_CHECK_STR(vy_err_name(VY_E_PACKED_OVER_BUDGET),
		     "E_PACKED_OVER_BUDGET");
}

VY_TEST(protocol_number_parsing)
{
	uint32_t v;

	VY_CHECK(vy_opcode_parse("010", &v) == 0);
	VY_CHECK_EQ_U64(v, 10);
	VY_CHECK(vy_opcode_parse("0x", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse("0xffffffff", &v) == 0);
	VY_CHECK_EQ_U64(v, 0xFFFFFFFFu);
	VY_CHECK(vy_opcode_parse("0x100000000", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse(" 1", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse("+1", &v) == VY_E_INVAL);
	VY_CHECK(vy_opcode_parse("12g", &v) == VY_E_INVAL);
	VY_CHECK(vy_slot_status_parse("unknown(0x20)", &v) == 0);
	VY_CHECK_EQ_U64(v, 32);
}

VY_TEST(protocol_fresh_control_with_offsets)
{
	uint8_t *p = NULL, buf[640];
	struct vy_err e;
	size_t len = 0;

	VY_CHECK(vy_encode_control_with_offsets(false, 1, 4, 256, &p, &len,
						&e) == 0);
	VY_CHECK_EQ_U64(len, 656);
	VY_CHECK_EQ_U64(vy_word(p, 2), 3);
	VY_CHECK_EQ_U64(vy_word(p, 130), 51);
	VY_CHECK_EQ_U64(vy_word(p, 134), 256);
	VY_CHECK_EQ_U64(vy_word(p, 128), 0);
	VY_CHECK_EQ_U64(vy_read_done_count_or_zero(p, len), 0);
	free(p);
	memset(buf, 0xAA, sizeof(buf));
	VY_CHECK(vy_encode_control_with_offsets_into(false, 1, 1, 10, buf,
						     sizeof(buf), &len, &e) ==
		 VY_E_INVAL);
	VY_CHECK_EQ_U64(buf[0], 0xAA);
	VY_CHECK(vy_encode_control_with_offsets_into(true, 0, 0, 10, buf,
						     sizeof(buf), &len, &e) ==
		 0);
	VY_CHECK_EQ_U64(vy_word(buf, 0), 1);
	VY_CHECK_EQ_U64(vy_word(buf, 133), 8);
	VY_CHECK(vy_encode_control_with_offsets(false, 1, 1048577, 10, &p,
						&len, &e) ==
		 VY_E_CONTROL_ENCODE_CAP);
}
