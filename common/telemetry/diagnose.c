/* SPDX-License-Identifier: MIT */
/*
 * diagnose.c - findings of a captured run (diagnose.h).
 */
#include "telemetry/diagnose.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

/* Messages list this many slots or tenants, then "and N more". */
#define LIST_MAX 4

static const char *const kind_names[VY_TEL_DIAG_KIND_COUNT] = {
	"stalled", "run_ended", "faulted", "blocked_tenants",
	"shutdown_with_work", "claimed_unfinished", "counter_reset",
	"debug_overflow", "priority_starvation",
};

const char *vy_tel_diag_kind_name(enum vy_tel_diag_kind k)
{
	return (unsigned)k < VY_TEL_DIAG_KIND_COUNT ? kind_names[k] : "?";
}

const char *vy_tel_severity_name(enum vy_tel_severity s)
{
	return s == VY_TEL_SEV_ERROR ? "error" :
	       s == VY_TEL_SEV_WARNING ? "warning" : "info";
}

void vy_tel_diag_init(struct vy_tel_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void vy_tel_diag_free(struct vy_tel_diag *d)
{
	free(d->slots);
	free(d->tenants);
	free(d->tenant_slots);
	vy_tel_diag_init(d);
}

uint32_t vy_tel_tenant_mask(const uint8_t *control, size_t control_len,
			    uint32_t tenant, bool *inside)
{
	uint64_t w = (uint64_t)vy_word(control, VY_CTL_TENANT_BASE) + tenant;

	/* The kernel's index is unchecked; past the buffer it reads garbage. */
	*inside = w < control_len / 4;
	return *inside ? vy_word(control, (size_t)w) : 0;
}

static uint32_t slot_word(const uint8_t *ring, size_t slot, unsigned w)
{
	return vy_word(ring, slot * VY_SLOT_WORDS + w);
}

static int push_slot(struct vy_tel_diag *d, uint32_t slot)
{
	if (d->n_slots == d->slots_cap) {
		size_t nc = d->slots_cap ? d->slots_cap * 2 : 64;
		uint32_t *p = realloc(d->slots, nc * sizeof(*p));

		if (!p)
			return VY_E_NOMEM;
		d->slots = p;
		d->slots_cap = nc;
	}
	d->slots[d->n_slots++] = slot;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The tenants of finding @f's slots, ascending, with their slot counts.
 * Sorting keeps this O(n log n) however many tenants a ring holds.
 */
static int group_tenants(struct vy_tel_diag *d, struct vy_tel_finding *f,
			 const uint8_t *ring)
{
	uint32_t *t;
	size_t i, k = 0;

	if (!f->n_slots)
		return 0;
	t = malloc(f->n_slots * sizeof(*t));
	if (!t)
		return VY_E_NOMEM;
	for (i = 0; i < f->n_slots; i++)
		t[i] = slot_word(ring, d->slots[f->slot0 + i],
				 VY_SLOT_TENANT_WORD);
	qsort(t, f->n_slots, sizeof(*t), cmp_u32);
	f->tenant0 = d->n_tenants;
	for (i = 0; i < f->n_slots; i++) {
		if (i && t[i] == t[i - 1]) {
			d->tenant_slots[d->n_tenants - 1]++;
			continue;
		}
		if (d->n_tenants == d->tenants_cap) {
			size_t nc = d->tenants_cap ? d->tenants_cap * 2 : 16;
			uint32_t *p = realloc(d->tenants, nc * sizeof(*p));
			uint32_t *q;

			if (p)
				d->tenants = p;
			q = p ? realloc(d->tenant_slots, nc * sizeof(*q)) : NULL;
			if (!q) {
				free(t);
				return VY_E_NOMEM;
			}
			d->tenant_slots = q;
			d->tenants_cap = nc;
		}
		d->tenants[d->n_tenants] = t[i];
		d->tenant_slots[d->n_tenants++] = 1;
		k++;
	}
	f->n_tenants = k;
	free(t);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct vy_tel_finding *add(struct vy_tel_diag *d,
				  enum vy_tel_diag_kind k,
				  enum vy_tel_severity s)
{
	struct vy_tel_finding *f = &d->f[d->n++];

	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->severity = s;
	f->slot0 = d->n_slots;
	f->tenant0 = d->n_tenants;
	if (s == VY_TEL_SEV_ERROR)
		d->worst_error = true;
	return f;
}

static void say(struct vy_tel_finding *f, const char *fmt, ...)
{
	size_t len = strlen(f->message);
	va_list ap;

	if (len >= sizeof(f->message) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(f->message + len, sizeof(f->message) - len, fmt, ap);
	va_end(ap);
}

/* Drop a finding that found nothing (the last one added). */
static void drop_if_empty(struct vy_tel_diag *d, struct vy_tel_finding *f)
{
	if (f->n_slots || f->n_tenants)
		return;
	d->n--;
	d->worst_error = false;
	for (size_t i = 0; i < d->n; i++)
		d->worst_error |= d->f[i].severity == VY_TEL_SEV_ERROR;
}

/* "slot 4 (store_u32, tenant 0, args 9,0,0, line 3)" */
static void say_slot(struct vy_tel_finding *f, const uint8_t *ring,
		     uint32_t s, const struct vy_dump_run *run)
{
	char op[24];
	uint32_t line = run ? vy_dump_run_line(run, s) : 0;

	vy_opcode_format(slot_word(ring, s, VY_SLOT_OPCODE_WORD), op,
			 sizeof(op));
	say(f, "slot %" PRIu32 " (%s, tenant %" PRIu32 ", args %" PRIu32
	       ",%" PRIu32 ",%" PRIu32, s, op,
	    slot_word(ring, s, VY_SLOT_TENANT_WORD),
	    slot_word(ring, s, VY_SLOT_ARG0_WORD),
	    slot_word(ring, s, VY_SLOT_ARG0_WORD + 1),
	    slot_word(ring, s, VY_SLOT_ARG0_WORD + 2));
	if (line)
		say(f, ", line %" PRIu32, line);
	say(f, ")");
}

/* Slots of status @st (and, with @prev, claimed there too) into @f. */
static int collect(struct vy_tel_diag *d, struct vy_tel_finding *f,
		   const struct vy_tel_diag_input *in, uint32_t st,
		   const uint8_t *prev)
{
	size_t n = in->ring_len / VY_SLOT_BYTES;

	for (size_t s = 0; s < n; s++) {
		if (slot_word(in->ring, s, VY_SLOT_STATUS_WORD) != st)
			continue;
		if (prev && prev[s] != st)
			continue;
		if (push_slot(d, (uint32_t)s))
			return VY_E_NOMEM;
		f->n_slots++;
	}
	return group_tenants(d, f, in->ring);
}

static void say_slots(struct vy_tel_diag *d, struct vy_tel_finding *f,
		      const struct vy_tel_diag_input *in)
{
	const struct vy_dump_run *run = in->run && in->run->present ?
					in->run : NULL;

	for (size_t i = 0; i < f->n_slots && i < LIST_MAX; i++) {
		say(f, i ? "; " : ": ");
		say_slot(f, in->ring, d->slots[f->slot0 + i], run);
	}
	if (f->n_slots > LIST_MAX)
		say(f, "; and %zu more", f->n_slots - LIST_MAX);
}

/* Live = waiting for or in the hands of a lane. */
static bool is_live(uint32_t st)
{
	return st == VY_STATUS_PUBLISHED || st == VY_STATUS_CLAIMED ||
	       st == VY_STATUS_WAIT_IO || st == VY_STATUS_YIELD ||
	       st == VY_STATUS_REQUEUE;
}

static uint32_t count_live(const uint8_t *ring, size_t n, uint32_t *claimed)
{
	uint32_t live = 0;

	*claimed = 0;
	for (size_t s = 0; s < n; s++) {
		uint32_t st = slot_word(ring, s, VY_SLOT_STATUS_WORD);

		live += is_live(st);
		*claimed += st == VY_STATUS_CLAIMED;
	}
	return live;
}

static int diag_blocked(struct vy_tel_diag *d,
			const struct vy_tel_diag_input *in)
{
	struct vy_tel_finding *f = add(d, VY_TEL_DIAG_BLOCKED_TENANTS,
				       VY_TEL_SEV_ERROR);
	size_t n = in->ring_len / VY_SLOT_BYTES;

	for (size_t s = 0; s < n; s++) {
		uint32_t t;
		bool inside;

		if (slot_word(in->ring, s, VY_SLOT_STATUS_WORD) !=
		    VY_STATUS_PUBLISHED)
			continue;
		t = slot_word(in->ring, s, VY_SLOT_TENANT_WORD);
		if (vy_tel_tenant_mask(in->control, in->control_len, t,
				       &inside))
			continue;
		if (push_slot(d, (uint32_t)s))
			return VY_E_NOMEM;
		f->n_slots++;
	}
	if (group_tenants(d, f, in->ring))
		return VY_E_NOMEM;
	if (!f->n_tenants) {
		drop_if_empty(d, f);
		return 0;
	}
	say(f, "blocked tenant%s", f->n_tenants == 1 ? "" : "s");
	for (size_t i = 0; i < f->n_tenants && i < LIST_MAX; i++)
		say(f, "%s %" PRIu32 " (%" PRIu32 " slot%s)", i ? "," : "",
		    d->tenants[f->tenant0 + i],
		    d->tenant_slots[f->tenant0 + i],
		    d->tenant_slots[f->tenant0 + i] == 1 ? "" : "s");
	if (f->n_tenants > LIST_MAX)
		say(f, " and %zu more", f->n_tenants - LIST_MAX);
	say(f, ": published, but the tenant mask allows no lane (mask word "
	       "control[%" PRIu32 " + tenant] is 0)",
	    vy_word(in->control, VY_CTL_TENANT_BASE));
	return 0;
}

static int diag_starvation(struct vy_tel_diag *d,
			   const struct vy_tel_diag_input *in)
{
	uint32_t starve = vy_word(in->control, VY_CTL_PRIORITY_STARVATION);
	size_t n = in->ring_len / VY_SLOT_BYTES;
	struct vy_tel_finding *f;

	if (starve < VY_STARVATION_THRESHOLD)
		return 0;
	f = add(d, VY_TEL_DIAG_PRIORITY_STARVATION, VY_TEL_SEV_WARNING);
	for (size_t s = 0; s < n; s++) {
		if (slot_word(in->ring, s, VY_SLOT_STATUS_WORD) !=
			    VY_STATUS_PUBLISHED ||
		    slot_word(in->ring, s, VY_SLOT_PRIORITY_WORD) <
			    VY_PRIO_NORMAL)
			continue;
		if (push_slot(d, (uint32_t)s))
			return VY_E_NOMEM;
		f->n_slots++;
	}
	if (!f->n_slots) {
		drop_if_empty(d, f);
		return 0;
	}
	say(f, "priority starvation: %" PRIu32 " claims in a row at priority "
	       "high or above while %zu slot%s of priority normal or lower "
	       "wait", starve, f->n_slots, f->n_slots == 1 ? "" : "s");
	return 0;
}

int vy_tel_diagnose(const struct vy_tel_diag_input *in, struct vy_tel_diag *d,
		    struct vy_err *e)
{
	const struct vy_dump_run *run = in->run && in->run->present ?
					in->run : NULL;
	size_t nslots = in->ring_len / VY_SLOT_BYTES;
	uint32_t done = vy_word(in->control, VY_CTL_DONE_COUNT);
	uint32_t claimed, live = count_live(in->ring, nslots, &claimed);
	bool ended = run && run->end != VY_RUN_RUNNING;
	bool still = in->has_prev && !in->counter_reset &&
		     done == in->prev_done_count;
	struct vy_tel_finding *f;

	d->n = 0;
	d->n_slots = 0;
	d->n_tenants = 0;
	d->worst_error = false;

	/* Faults elsewhere do not make a ring that does not drain healthy. */
	if ((live && still) || (run && (run->end == VY_RUN_STALL ||
					run->end == VY_RUN_TIMEOUT))) {
		f = add(d, VY_TEL_DIAG_STALLED, VY_TEL_SEV_ERROR);
		for (size_t s = 0; s < nslots; s++)
			if (is_live(slot_word(in->ring, s, VY_SLOT_STATUS_WORD)) &&
			    push_slot(d, (uint32_t)s))
				goto nomem;
		f->n_slots = d->n_slots - f->slot0;
		if (group_tenants(d, f, in->ring))
			goto nomem;
		say(f, "stalled: %" PRIu32 " slot%s still to run", live,
		    live == 1 ? "" : "s");
		if (still)
			say(f, ", nothing drained since the previous snapshot "
			       "(done_count %" PRIu32 ")", done);
		if (run && (run->end == VY_RUN_STALL ||
			    run->end == VY_RUN_TIMEOUT))
			say(f, "%s the run ended in %s (exit %" PRIu32 ")",
			    still ? ";" : ",",
			    vy_dump_run_end_name(run->end), run->exit_status);
	}
	if (run && (run->end == VY_RUN_SIGNAL ||
		    run->end == VY_RUN_DEVICE_ERROR ||
		    run->end == VY_RUN_KERNEL_EXIT)) {
		f = add(d, VY_TEL_DIAG_RUN_ENDED,
			run->end == VY_RUN_SIGNAL ? VY_TEL_SEV_WARNING :
						    VY_TEL_SEV_ERROR);
		say(f, "run ended: %s (exit %" PRIu32 ")%s",
		    run->end == VY_RUN_SIGNAL ? "stopped by a signal" :
		    run->end == VY_RUN_DEVICE_ERROR ? "device error" :
		    "the kernel exited with work left", run->exit_status,
		    live ? " with work left" : "");
	}

	f = add(d, VY_TEL_DIAG_FAULTED, VY_TEL_SEV_ERROR);
	if (collect(d, f, in, VY_STATUS_FAULT, NULL))
		goto nomem;
	if (f->n_slots) {
		say(f, "%zu faulted slot%s", f->n_slots,
		    f->n_slots == 1 ? "" : "s");
		say_slots(d, f, in);
	} else {
		drop_if_empty(d, f);
	}

	if (diag_blocked(d, in))
		goto nomem;

	if (vy_word(in->control, VY_CTL_SHUTDOWN) && live) {
		f = add(d, VY_TEL_DIAG_SHUTDOWN_WITH_WORK, VY_TEL_SEV_WARNING);
		say(f, "shutdown with work left: SHUTDOWN is set while %" PRIu32
		       " slot%s are published or claimed", live,
		    live == 1 ? "" : "s");
	}

	if (claimed && (ended || (still && in->prev_status &&
				  in->prev_slots == nslots))) {
		f = add(d, VY_TEL_DIAG_CLAIMED_UNFINISHED, VY_TEL_SEV_ERROR);
		if (collect(d, f, in, VY_STATUS_CLAIMED,
			    ended ? NULL : in->prev_status))
			goto nomem;
		if (f->n_slots) {
			say(f, "claimed but never finished (a lane died or "
			       "loops): %zu slot%s", f->n_slots,
			    f->n_slots == 1 ? "" : "s");
			say_slots(d, f, in);
		} else {
			drop_if_empty(d, f);
		}
	}

	if (in->counter_reset) {
		f = add(d, VY_TEL_DIAG_COUNTER_RESET, VY_TEL_SEV_WARNING);
		say(f, "counter reset: done_count went from %" PRIu32 " back "
		       "to %" PRIu32 " (the buffers were reset or the counter "
		       "wrapped)", in->prev_done_count, done);
	}
	if (in->debug_dropped) {
		f = add(d, VY_TEL_DIAG_DEBUG_OVERFLOW, VY_TEL_SEV_ERROR);
		say(f, "debug log overflow: %" PRIu32 " record%s dropped",
		    in->debug_dropped, in->debug_dropped == 1 ? "" : "s");
	}
	if (diag_starvation(d, in))
		goto nomem;
	return 0;
nomem:
	return vy_errf(e, VY_E_NOMEM, NULL, "out of memory for the diagnosis");
}

int vy_tel_tenant_summary(const uint8_t *control, size_t control_len,
			  const uint8_t *ring, size_t ring_len,
			  struct vy_tel_tenant_row **rows, size_t *n,
			  struct vy_err *e)
{
	size_t nslots = ring_len / VY_SLOT_BYTES, m = 0, cnt = 0;
	struct vy_tel_tenant_row *v = NULL;
	uint64_t *key;

	*rows = NULL;
	*n = 0;
	/* tenant << 32 | status of every non-empty slot, sorted */
	key = malloc((nslots ? nslots : 1) * sizeof(*key));
	if (!key)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (size_t s = 0; s < nslots; s++) {
		uint32_t st = slot_word(ring, s, VY_SLOT_STATUS_WORD);

		if (st != VY_STATUS_EMPTY)
			key[m++] = (uint64_t)slot_word(ring, s,
						       VY_SLOT_TENANT_WORD) << 32 | st;
	}
	qsort(key, m, sizeof(*key), cmp_u64);
	for (size_t i = 0; i < m; i++)
		cnt += !i || key[i] >> 32 != key[i - 1] >> 32;
	if (cnt) {
		v = calloc(cnt, sizeof(*v));
		if (!v) {
			free(key);
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		}
	}
	cnt = 0;
	for (size_t i = 0; i < m; i++) {
		uint32_t t = (uint32_t)(key[i] >> 32), st = (uint32_t)key[i];
		struct vy_tel_tenant_row *r;

		if (!i || t != (uint32_t)(key[i - 1] >> 32)) {
			r = &v[cnt++];
			r->tenant = t;
			r->mask = vy_tel_tenant_mask(control, control_len, t,
						     &r->mask_inside);
		}
		r = &v[cnt - 1];
		r->published += st == VY_STATUS_PUBLISHED;
		r->claimed += st == VY_STATUS_CLAIMED;
		r->done += st == VY_STATUS_DONE;
		r->faulted += st == VY_STATUS_FAULT;
		r->other += st != VY_STATUS_PUBLISHED &&
			    st != VY_STATUS_CLAIMED && st != VY_STATUS_DONE &&
			    st != VY_STATUS_FAULT;
	}
	free(key);
	*rows = v;
	*n = cnt;
	return 0;
}
