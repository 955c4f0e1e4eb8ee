/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "wire/protocol.h"
#include "device/transport.h"
#include "wire/workfile.h"
#include "wire/util.h"
#include "report/launch.h"

static int parse(const char *text, struct vy_workfile *wf, struct vy_err *e)
{
	return vy_workfile_parse(text, strlen(text), "w", wf, e);
}

VY_TEST(workfile_basic_items)
{
	struct vy_workfile wf;
	struct vy_err e;

	VY_CHECK(parse("# c\nstore_u32 0xABCD 150 # tail\n\nATOMIC_ADD tenant=3 priority=0 5 151\nfence\n9 1 2 3\n",
		       &wf, &e) == 0);
	VY_CHECK_EQ_U64(wf.n, 4);
	VY_CHECK_EQ_U64(wf.slots, 3);
	VY_CHECK_EQ_U64(wf.items[0].w[1], VY_OP_STORE_U32);
	VY_CHECK_EQ_U64(wf.items[0].w[3], VY_PRIO_NORMAL);
	VY_CHECK_EQ_U64(wf.items[0].w[4], 0xABCD);
	VY_CHECK_EQ_U64(wf.items[0].w[5], 150);
	VY_CHECK_EQ_U64(wf.items[0].line, 2);
	VY_CHECK_EQ_U64(wf.items[1].w[1], VY_OP_ATOMIC_ADD);
	VY_CHECK_EQ_U64(wf.items[1].w[2], 3);
	VY_CHECK_EQ_U64(wf.items[1].w[3], 0);
	VY_CHECK_EQ_U64(wf.items[1].w[4], 5);
	VY_CHECK(wf.items[2].fence);
	VY_CHECK_EQ_U64(wf.items[3].w[1], 9);
	VY_CHECK_EQ_U64(wf.items[3].w[6], 3);
	vy_workfile_free(&wf);
}

VY_TEST(workfile_packed_matches_encoder)
{
	struct vy_workfile wf;
	struct vy_err e;

	/* protocol.md vector 20 */
	VY_CHECK(parse("packed tenant=7 store_u32:10,32 atomic_add:1,64\n", &wf,
		       &e) == 0);
	VY_CHECK_EQ_U64(wf.items[0].w[1], VY_OP_PACKED_SLOT);
	VY_CHECK_EQ_U64(wf.items[0].w[2], 7);
	VY_CHECK_EQ_U64(wf.items[0].w[4], 0x00010402);
	VY_CHECK_EQ_U64(wf.items[0].w[5], 0x00000202);
	VY_CHECK_EQ_U64(wf.items[0].w[6], 10);
	VY_CHECK_EQ_U64(wf.items[0].w[9], 64);
	vy_workfile_free(&wf);
}

VY_TEST(workfile_errors_name_line_and_column)
{
	struct vy_workfile wf;
	struct vy_err e;

	VY_CHECK(parse("nop\n  stor_u32 1\n", &wf, &e) == VY_E_WORKFILE);
	VY_CHECK_STR(e.msg, "w:2:3: unknown opcode 'stor_u32'");
	vy_workfile_free(&wf);
	VY_CHECK(parse("nop 1 2 3 4 5 6 7 8 9 10 11 12 13\n", &wf, &e) ==
		 VY_E_WORKFILE);
	VY_CHECK_STR(e.msg, "w:1:32: too many args: a slot holds 12");
	vy_workfile_free(&wf);
	VY_CHECK(parse("nop 4294967296\n", &wf, &e) == VY_E_WORKFILE);
	VY_CHECK_STR(e.msg, "w:1:5: bad number '4294967296'");
	vy_workfile_free(&wf);
	VY_CHECK(parse("nop colour=red\n", &wf, &e) == VY_E_WORKFILE);
	VY_CHECK_STR(e.msg, "w:1:5: unknown option 'colour=red' (tenant= or priority=)");
	vy_workfile_free(&wf);
	VY_CHECK(parse("packed store_u32:1,\n", &wf, &e) == VY_E_WORKFILE);
	vy_workfile_free(&wf);
	VY_CHECK(parse("packed 1:1,2,3,4,5,6,7,8,9,10,11,12\n", &wf, &e) ==
		 VY_E_WORKFILE);
	vy_workfile_free(&wf);
}

VY_TEST(workfile_binary_records)
{
	uint8_t buf[128] = { 0 };
	struct vy_workfile wf;
	struct vy_err e;

	buf[0] = 1;		/* status: ignored */
	buf[4] = 2;		/* opcode */
	buf[64 + 4] = 7;
	buf[64 + 16] = 9;
	VY_CHECK(vy_workfile_parse_binary(buf, 128, "b", &wf, &e) == 0);
	VY_CHECK_EQ_U64(wf.slots, 2);
	VY_CHECK_EQ_U64(wf.items[0].w[1], 2);
	VY_CHECK_EQ_U64(wf.items[1].w[4], 9);
	vy_workfile_free(&wf);
	VY_CHECK(vy_workfile_parse_binary(buf, 100, "b", &wf, &e) ==
		 VY_E_WORKFILE);
	VY_CHECK_STR(e.msg, "b: 100 bytes is not a multiple of the 64-byte slot");
	vy_workfile_free(&wf);
}

VY_TEST(transport_names)
{
	enum vy_dev_transport_kind k;
	struct vy_err e;

	VY_CHECK(vy_dev_transport_parse("copy", &k, &e) == 0);
	VY_CHECK_EQ_U64(k, VY_TRANSPORT_COPY);
	VY_CHECK_STR(vy_dev_transport_name(VY_TRANSPORT_SHARED), "shared");
	VY_CHECK(vy_dev_transport_parse("dma", &k, &e) == VY_E_INVAL);
}

/*
 * vy_rep_work_fill hands out the same items as vy_rep_work_next, in bulk:
 * words 1..15 little-endian in 64-byte rows, word 0 untouched, stopping
 * before a fence, which next then takes.
 */
VY_TEST(work_fill_matches_next)
{
	struct vy_rep_work a, b;
	struct vy_err e;
	uint8_t rows[8 * VY_SLOT_BYTES];
	uint32_t w[16];
	int fence = 0;

	memset(&a, 0, sizeof(a));
	VY_CHECK(parse("atomic_add 1 150\nstore_u32 7 151 tenant=2\nfence\nnop\n",
		       &a.wf, &e) == 0);
	memset(rows, 0xEE, sizeof(rows));
	VY_CHECK_EQ_U64(vy_rep_work_fill(&a, rows, 8), 2);
	VY_CHECK_EQ_U64(vy_word(rows, 0), 0xEEEEEEEEu);
	VY_CHECK_EQ_U64(vy_word(rows, 1), VY_OP_ATOMIC_ADD);
	VY_CHECK_EQ_U64(vy_word(rows, 16 + 1), VY_OP_STORE_U32);
	VY_CHECK_EQ_U64(vy_word(rows, 16 + 2), 2);
	VY_CHECK_EQ_U64(vy_word(rows, 16 + 4), 7);
	VY_CHECK_EQ_U64(vy_rep_work_fill(&a, rows, 8), 0);	/* the fence */
	VY_CHECK_EQ_U64(vy_rep_work_next(&a, w, &fence, &e), 1);
	VY_CHECK(fence);
	VY_CHECK_EQ_U64(vy_rep_work_fill(&a, rows, 8), 1);
	VY_CHECK_EQ_U64(vy_word(rows, 1), VY_OP_NOP);
	VY_CHECK_EQ_U64(vy_rep_work_fill(&a, rows, 8), 0);	/* the end */
	VY_CHECK_EQ_U64(vy_rep_work_next(&a, w, &fence, &e), 0);
	vy_rep_work_free(&a);

	/* synthetic: n items, each as next gives it */
	VY_CHECK(vy_rep_work_load(&b, NULL, 0, 5, VY_OP_ATOMIC_ADD, &e) == 0);
	VY_CHECK_EQ_U64(vy_rep_work_fill(&b, rows, 3), 3);
	VY_CHECK_EQ_U64(vy_rep_work_next(&b, w, &fence, &e), 1);
	for (uint32_t i = 1; i < 16; i++)
		VY_CHECK_EQ_U64(vy_word(rows + 2 * VY_SLOT_BYTES, i), w[i]);
	VY_CHECK_EQ_U64(vy_rep_work_fill(&b, rows, 8), 1);
	VY_CHECK_EQ_U64(vy_rep_work_left(&b), 0);
	vy_rep_work_free(&b);
}
