/* SPDX-License-Identifier: MIT */
/*
 * The diagnosis (telemetry/diagnose.h): each finding on a ring built by
 * hand, and the per-tenant summary.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "telemetry/diagnose.h"
#include "wire/protocol.h"
#include "wire/util.h"

static uint8_t ctl[(160 + 4) * 4];
static uint8_t ring[8 * 64];

/* Fresh control (tenants 0..2 allowed) and an empty 8-slot ring. */
static void fresh(void)
{
	memset(ctl, 0, sizeof(ctl));
	memset(ring, 0, sizeof(ring));
	vy_put_le32(ctl + 4 * VY_CTL_TENANT_BASE, 3);
	for (int t = 0; t < 3; t++)
		vy_put_le32(ctl + 4 * (3 + t), 0xffffffffu);
}

static void slot(uint32_t i, uint32_t st, uint32_t op, uint32_t tenant)
{
	uint8_t *p = ring + 64 * i;

	vy_put_le32(p, st);
	vy_put_le32(p + 4, op);
	vy_put_le32(p + 8, tenant);
	vy_put_le32(p + 12, VY_PRIO_NORMAL);
	vy_put_le32(p + 16, 7);
}

static const struct vy_tel_finding *find(const struct vy_tel_diag *d,
					 enum vy_tel_diag_kind k)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->f[i].kind == k)
			return &d->f[i];
	return NULL;
}

static struct vy_tel_diag_input input(void)
{
	struct vy_tel_diag_input in;

	memset(&in, 0, sizeof(in));
	in.control = ctl;
	in.control_len = sizeof(ctl);
	in.ring = ring;
	in.ring_len = sizeof(ring);
	return in;
}

VY_TEST(diagnose_healthy_ring_has_no_finding)
{
	struct vy_tel_diag d;
	struct vy_tel_diag_input in;

	fresh();
	slot(0, VY_STATUS_DONE, VY_OP_NOP, 0);
	slot(1, VY_STATUS_PUBLISHED, VY_OP_NOP, 1);
	vy_tel_diag_init(&d);
	in = input();
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	VY_CHECK_EQ_U64(d.n, 0);
	VY_CHECK(!d.worst_error);
	/* it drained since the previous snapshot: still fine */
	vy_put_le32(ctl + 4, 5);
	in.has_prev = true;
	in.prev_done_count = 4;
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	VY_CHECK_EQ_U64(d.n, 0);
	vy_tel_diag_free(&d);
}

VY_TEST(diagnose_stall_is_not_hidden_by_faults)
{
	struct vy_tel_diag d;
	struct vy_tel_diag_input in;
	const struct vy_tel_finding *f;

	fresh();
	slot(0, VY_STATUS_FAULT, VY_OP_STORE_U32, 0);
	slot(1, VY_STATUS_PUBLISHED, VY_OP_NOP, 1);
	vy_put_le32(ctl + 4, 5);
	vy_tel_diag_init(&d);
	in = input();
	in.has_prev = true;
	in.prev_done_count = 5;
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	f = find(&d, VY_TEL_DIAG_STALLED);
	VY_CHECK(f && f->severity == VY_TEL_SEV_ERROR);
	VY_CHECK(d.f[0].kind == VY_TEL_DIAG_STALLED);	/* first */
	f = find(&d, VY_TEL_DIAG_FAULTED);
	VY_CHECK(f && f->n_slots == 1 && d.slots[f->slot0] == 0);
	VY_CHECK(strstr(f->message, "slot 0 (store_u32, tenant 0") != NULL);
	VY_CHECK(d.worst_error);
	vy_tel_diag_free(&d);
}

VY_TEST(diagnose_run_end_and_lines)
{
	static const uint8_t lines[32] = { 0, 0, 0, 0, 12, 0, 0, 0 };
	struct vy_dump_run run = { .present = 1, .end = VY_RUN_STALL,
				   .exit_status = 6, .lines = lines,
				   .line_count = 8 };
	struct vy_tel_diag d;
	struct vy_tel_diag_input in;
	const struct vy_tel_finding *f;

	fresh();
	slot(1, VY_STATUS_FAULT, VY_OP_STORE_U32, 2);
	slot(2, VY_STATUS_CLAIMED, VY_OP_NOP, 2);
	vy_tel_diag_init(&d);
	in = input();
	in.run = &run;		/* one snapshot: only the run says stall */
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	f = find(&d, VY_TEL_DIAG_STALLED);
	VY_CHECK(f && strstr(f->message, "stall (exit 6)") != NULL);
	f = find(&d, VY_TEL_DIAG_FAULTED);
	VY_CHECK(f && strstr(f->message, "line 12") != NULL);
	f = find(&d, VY_TEL_DIAG_CLAIMED_UNFINISHED);
	VY_CHECK(f && f->n_slots == 1 && d.slots[f->slot0] == 2);
	/* a run that ended on a signal: a warning */
	run.end = VY_RUN_SIGNAL;
	slot(1, VY_STATUS_DONE, VY_OP_NOP, 0);
	slot(2, VY_STATUS_DONE, VY_OP_NOP, 0);
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	VY_CHECK_EQ_U64(d.n, 1);
	VY_CHECK(d.f[0].kind == VY_TEL_DIAG_RUN_ENDED &&
		 d.f[0].severity == VY_TEL_SEV_WARNING);
	VY_CHECK(!d.worst_error);
	vy_tel_diag_free(&d);
}

VY_TEST(diagnose_blocked_tenants_shutdown_and_summary)
{
	struct vy_tel_diag d;
	struct vy_tel_diag_input in;
	const struct vy_tel_finding *f;
	struct vy_tel_tenant_row *rows;
	size_t n;

	fresh();
	slot(0, VY_STATUS_PUBLISHED, VY_OP_NOP, 4);
	slot(1, VY_STATUS_PUBLISHED, VY_OP_NOP, 3);
	slot(2, VY_STATUS_PUBLISHED, VY_OP_NOP, 4);
	slot(3, VY_STATUS_PUBLISHED, VY_OP_NOP, 1);
	slot(4, VY_STATUS_PUBLISHED, VY_OP_NOP, 100000);	/* outside */
	slot(5, VY_STATUS_FAULT, VY_OP_NOP, 1);
	vy_put_le32(ctl, 1);		/* SHUTDOWN */
	vy_tel_diag_init(&d);
	in = input();
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	f = find(&d, VY_TEL_DIAG_BLOCKED_TENANTS);
	VY_CHECK(f && f->n_slots == 4 && f->n_tenants == 3);
	VY_CHECK(f && d.tenants[f->tenant0] == 3 &&
		 d.tenant_slots[f->tenant0 + 1] == 2);
	VY_CHECK(f && strstr(f->message, "blocked tenants 3 (1 slot), 4 (2 "
			     "slots)") != NULL);
	f = find(&d, VY_TEL_DIAG_SHUTDOWN_WITH_WORK);
	VY_CHECK(f && f->severity == VY_TEL_SEV_WARNING);
	VY_CHECK(vy_tel_tenant_summary(ctl, sizeof(ctl), ring, sizeof(ring),
				       &rows, &n, NULL) == 0);
	VY_CHECK_EQ_U64(n, 4);
	VY_CHECK(rows[0].tenant == 1 && rows[0].published == 1 &&
		 rows[0].faulted == 1 && rows[0].mask == 0xffffffffu);
	VY_CHECK(rows[2].tenant == 4 && rows[2].published == 2 &&
		 rows[2].mask == 0 && rows[2].mask_inside);
	VY_CHECK(rows[3].tenant == 100000 && !rows[3].mask_inside);
	free(rows);
	vy_tel_diag_free(&d);
}

VY_TEST(diagnose_claimed_across_snapshots_reset_overflow_starvation)
{
	uint8_t prev[8] = { 0, 1, 0 };	/* claimed map: slot 1 */
	struct vy_tel_diag d;
	struct vy_tel_diag_input in;
	const struct vy_tel_finding *f;

	fresh();
	slot(1, VY_STATUS_CLAIMED, VY_OP_NOP, 0);
	slot(2, VY_STATUS_CLAIMED, VY_OP_NOP, 0);	/* newly claimed */
	vy_put_le32(ctl + 4, 9);
	vy_tel_diag_init(&d);
	in = input();
	in.has_prev = true;
	in.prev_done_count = 9;
	in.prev_claimed = prev;
	in.prev_slots = 8;
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	f = find(&d, VY_TEL_DIAG_CLAIMED_UNFINISHED);
	VY_CHECK(f && f->n_slots == 1 && d.slots[f->slot0] == 1);
	/* reset, overflow, starvation */
	fresh();
	slot(0, VY_STATUS_PUBLISHED, VY_OP_NOP, 0);
	vy_put_le32(ctl + 4 * VY_CTL_PRIORITY_STARVATION,
		    VY_STARVATION_THRESHOLD);
	in = input();
	in.has_prev = true;
	in.counter_reset = true;
	in.prev_done_count = 50;
	in.debug_dropped = 3;
	VY_CHECK(vy_tel_diagnose(&in, &d, NULL) == 0);
	VY_CHECK(find(&d, VY_TEL_DIAG_STALLED) == NULL);
	VY_CHECK(find(&d, VY_TEL_DIAG_COUNTER_RESET) != NULL);
	f = find(&d, VY_TEL_DIAG_DEBUG_OVERFLOW);
	VY_CHECK(f && f->severity == VY_TEL_SEV_ERROR);
	f = find(&d, VY_TEL_DIAG_PRIORITY_STARVATION);
	VY_CHECK(f && f->n_slots == 1);
	vy_tel_diag_free(&d);
}
