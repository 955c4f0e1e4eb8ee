/* SPDX-License-Identifier: MIT */
/*
 * diagnose.h - what went wrong in a captured run, in plain words: the
 * findings vyre-decode prints first (table) and carries as "diagnosis"
 * (JSON), and the per-tenant summary.
 *
 * A diagnosis reads one snapshot's raw control and ring buffers (not the
 * decoded slot rows, so it works when those are not kept), the health
 * since the previous snapshot where there is one, the debug log's drop
 * count and the run section (wire/dump.h) where the snapshot has one.
 *
 * Findings, in this order (each at most once per snapshot):
 *   stalled             error: live slots (published, claimed, wait_io,
 *                       yield, requeue) and done_count did not move since
 *                       the previous snapshot, whatever the faults; or the
 *                       run's recorded end is stall or timeout
 *   run_ended           the run's recorded end is signal (warning),
 *                       device_error or kernel_exit (error)
 *   faulted             error: every FAULT slot
 *   blocked_tenants     error: PUBLISHED slots whose tenant's mask word
 *                       (control[control[2] + tenant], protocol.md §5.3)
 *                       is 0 or outside the control buffer: no lane will
 *                       ever claim them
 *   shutdown_with_work  warning: SHUTDOWN set while slots are published
 *                       or claimed
 *   claimed_unfinished  error: CLAIMED slots after the run ended, or
 *                       claimed in the previous snapshot too with
 *                       nothing drained (a lane died or loops)
 *   counter_reset       warning: done_count went backwards
 *   debug_overflow      error: debug records were dropped
 *   priority_starvation warning: the starvation counter (control word
 *                       135) is non-zero while slots of priority NORMAL or
 *                       lower wait published
 *
 * Cost: no ring pass when the status counts show nothing to list; else
 * one pass, and tenants are counted in a hash table (O(slots)).
 *
 * Ownership: struct vy_tel_diag owns its arrays; reuse it across
 * snapshots, release with vy_tel_diag_free().  Nothing here prints.
 */
#ifndef VY_TEL_DIAGNOSE_H
#define VY_TEL_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "telemetry/telemetry.h"
#include "wire/dump.h"
#include "wire/err.h"

enum vy_tel_diag_kind {
	VY_TEL_DIAG_STALLED,
	VY_TEL_DIAG_RUN_ENDED,
	VY_TEL_DIAG_FAULTED,
	VY_TEL_DIAG_BLOCKED_TENANTS,
	VY_TEL_DIAG_SHUTDOWN_WITH_WORK,
	VY_TEL_DIAG_CLAIMED_UNFINISHED,
	VY_TEL_DIAG_COUNTER_RESET,
	VY_TEL_DIAG_DEBUG_OVERFLOW,
	VY_TEL_DIAG_PRIORITY_STARVATION,
	VY_TEL_DIAG_KIND_COUNT
};

enum vy_tel_severity {
	VY_TEL_SEV_INFO,
	VY_TEL_SEV_WARNING,
	VY_TEL_SEV_ERROR,
};

/* One finding.  slots/tenants index into the owning vy_tel_diag's pools. */
struct vy_tel_finding {
	enum vy_tel_diag_kind kind;
	enum vy_tel_severity severity;
	size_t slot0, n_slots;		/* slots: d->slots[slot0 ..] */
	size_t tenant0, n_tenants;	/* tenants: d->tenants[tenant0 ..] */
	char message[320];		/* one line, no newline */
};

struct vy_tel_diag {
	struct vy_tel_finding f[VY_TEL_DIAG_KIND_COUNT];
	size_t n;			/* findings used */
	uint32_t *slots;		/* pool of slot indices */
	size_t n_slots, slots_cap;
	uint32_t *tenants;		/* pool of tenant ids */
	uint32_t *tenant_slots;		/* slot count per pooled tenant */
	size_t n_tenants, tenants_cap, tenant_slots_cap;
	bool worst_error;		/* any finding of severity error */
	struct vy_tel_ring_occupancy occ;	/* the ring's status counts */
	/* one byte per slot, 1 = claimed (the next snapshot's prev_claimed);
	   n_claimed_map 0 when no slot is claimed */
	uint8_t *claimed_map;
	size_t n_claimed_map, claimed_map_cap;
	/* private: the slots of each kind found in the one pass, and the
	   tenant counting table */
	uint32_t *list[4];
	size_t list_n[4], list_cap[4];
	uint64_t *tab[4];		/* (tenant + 1) << 32 | count; 0 free */
	size_t tab_cap[4], tab_used[4];
	uint64_t *tab_last[4];		/* the entry counted last */
};

/* What one snapshot says, and what came before it. */
struct vy_tel_diag_input {
	const uint8_t *control;		/* >= VY_CONTROL_MIN_BYTES, validated */
	size_t control_len;
	const uint8_t *ring;		/* whole slots, validated */
	size_t ring_len;
	const struct vy_dump_run *run;	/* NULL or !present: none */
	bool has_prev;			/* a previous snapshot of the run */
	bool counter_reset;		/* its done_count was above this one */
	uint32_t prev_done_count;
	const uint8_t *prev_claimed;	/* its vy_tel_diag.claimed_map, or
					   NULL */
	size_t prev_slots;		/* entries of prev_claimed */
	/* the ring's status counts (vy_tel_decode's), or NULL: counted here
	   in the same one pass (vy_tel_diag.occ).  With them the ring is
	   read only when a finding needs slots. */
	const struct vy_tel_ring_occupancy *occ;
	uint32_t debug_dropped;		/* records dropped by the debug log */
};

void vy_tel_diag_init(struct vy_tel_diag *d);
void vy_tel_diag_free(struct vy_tel_diag *d);

/* "stalled", "run_ended", "faulted", ... (the JSON "kind"). */
const char *vy_tel_diag_kind_name(enum vy_tel_diag_kind k);
/* "info", "warning", "error". */
const char *vy_tel_severity_name(enum vy_tel_severity s);

/*
 * Diagnose @in into @d (emptied first).  Errors: VY_E_NOMEM only.
 */
int vy_tel_diagnose(const struct vy_tel_diag_input *in, struct vy_tel_diag *d,
		    struct vy_err *e);

/* The mask word of @tenant (0 when it lies outside the control buffer). */
uint32_t vy_tel_tenant_mask(const uint8_t *control, size_t control_len,
			    uint32_t tenant, bool *inside);

/* One tenant of the per-tenant summary (vyre-decode --tenants). */
struct vy_tel_tenant_row {
	uint32_t tenant;
	uint32_t published, claimed, done, faulted, other;
	uint32_t mask;
	bool mask_inside;		/* the mask word is inside the buffer */
};

/*
 * Every tenant that owns a non-empty slot, ascending, into *@rows
 * (malloc'd, *@n rows; the caller frees).  Errors: VY_E_NOMEM.
 */
int vy_tel_tenant_summary(const uint8_t *control, size_t control_len,
			  const uint8_t *ring, size_t ring_len,
			  struct vy_tel_tenant_row **rows, size_t *n,
			  struct vy_err *e);

#endif
