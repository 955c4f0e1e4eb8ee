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
	free(d->claimed_map);
	for (int l = 0; l < 4; l++) {
		free(d->list[l]);
		free(d->tab[l]);
	}
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

static int grow(uint32_t **v, size_t *cap, size_t need)
{
	size_t nc = *cap ? *cap : 64;
	uint32_t *p;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	p = realloc(*v, nc * sizeof(*p));
	if (!p)
		return VY_E_NOMEM;
	*v = p;
	*cap = nc;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Count one slot of tenant @t in list @l's open-addressing table; the
 * last tenant seen is cached, since neighbouring slots mostly share one.
 */
static int tab_add(struct vy_tel_diag *d, int l, uint32_t t)
{
	size_t mask, i;

	if (d->tab_last[l] && (d->tab_last[l][0] >> 32) == (uint64_t)t + 1) {
		d->tab_last[l][0]++;
		return 0;
	}
	if ((d->tab_used[l] + 1) * 2 > d->tab_cap[l]) {
		size_t nc = d->tab_cap[l] ? d->tab_cap[l] * 2 : 64;
		uint64_t *old = d->tab[l], *nt = calloc(nc, sizeof(*nt));
		size_t oc = d->tab_cap[l];

		if (!nt)
			return VY_E_NOMEM;
		d->tab[l] = nt;
		d->tab_cap[l] = nc;
		/* re-insert: entries are (tenant + 1) << 32 | count */
		for (size_t k = 0; k < oc; k++) {
			if (!old[k])
				continue;
			i = (size_t)vy_tel_splitmix64(old[k] >> 32) & (nc - 1);
			while (nt[i])
				i = (i + 1) & (nc - 1);
			nt[i] = old[k];
		}
		free(old);
	}
	mask = d->tab_cap[l] - 1;
	i = (size_t)vy_tel_splitmix64((uint64_t)t + 1) & mask;
	for (;;) {
		uint64_t *c = &d->tab[l][i];

		if (!*c) {
			*c = ((uint64_t)t + 1) << 32 | 1;
			d->tab_used[l]++;
			d->tab_last[l] = c;
			return 0;
		}
		if ((*c >> 32) == (uint64_t)t + 1) {
			(*c)++;
			d->tab_last[l] = c;
			return 0;
		}
		i = (i + 1) & mask;
	}
}

/*
 * The tenants of finding @f (list @l's, counted during the scan),
 * ascending, with their slot counts: only the distinct tenants are sorted.
 */
static int group_tenants(struct vy_tel_diag *d, struct vy_tel_finding *f,
			 int l)
{
	uint64_t *t = d->tab[l];
	size_t k = 0;

	f->tenant0 = d->n_tenants;
	f->n_tenants = 0;
	if (!t)
		return 0;
	for (size_t i = 0; i < d->tab_cap[l]; i++)
		if (t[i])
			t[k++] = t[i];
	qsort(t, k, sizeof(*t), cmp_u64);
	if (grow(&d->tenants, &d->tenants_cap, d->n_tenants + k) ||
	    grow(&d->tenant_slots, &d->tenant_slots_cap, d->n_tenants + k))
		return VY_E_NOMEM;
	for (size_t i = 0; i < k; i++) {
		d->tenants[d->n_tenants] = (uint32_t)((t[i] >> 32) - 1);
		d->tenant_slots[d->n_tenants++] = (uint32_t)t[i];
	}
	f->n_tenants = k;
	return 0;
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

/* Give finding @f the slots of list @l, and their tenants. */
static int take_list(struct vy_tel_diag *d, struct vy_tel_finding *f, int l,
		     const uint8_t *ring)
{
	if (grow(&d->slots, &d->slots_cap, d->n_slots + d->list_n[l]))
		return VY_E_NOMEM;
	f->slot0 = d->n_slots;
	if (d->list_n[l])
		memcpy(d->slots + d->n_slots, d->list[l],
		       d->list_n[l] * sizeof(uint32_t));
	d->n_slots += d->list_n[l];
	f->n_slots = d->list_n[l];
	(void)ring;
	return group_tenants(d, f, l);
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

/* The lists one pass over the ring fills. */
enum { L_LIVE, L_FAULT, L_BLOCKED, L_CLAIMED };

/* Slot @slot of tenant @tenant goes to list @l. */
static int push(struct vy_tel_diag *d, int l, uint32_t slot, uint32_t tenant)
{
	if (d->list_n[l] == d->list_cap[l] &&
	    grow(&d->list[l], &d->list_cap[l], d->list_n[l] + 1))
		return VY_E_NOMEM;
	d->list[l][d->list_n[l]++] = slot;
	return tab_add(d, l, tenant);
}

/*
 * One pass over the ring: the slots of each list that @want asks for,
 * and the claimed map for the next snapshot.  Claimed slots count when
 * @claim_all (the run ended), else when claimed before too.
 */
static int scan(struct vy_tel_diag *d, const struct vy_tel_diag_input *in,
		unsigned want, bool claimed_map, bool claim_all,
		struct vy_tel_ring_occupancy *count)
{
	size_t n = in->ring_len / VY_SLOT_BYTES;
	uint64_t cnt[9] = { 0 };

	for (int l = 0; l < 4; l++) {
		d->list_n[l] = 0;
		if (d->tab_used[l])
			memset(d->tab[l], 0, d->tab_cap[l] * sizeof(uint64_t));
		d->tab_used[l] = 0;
		d->tab_last[l] = NULL;
	}
	d->n_claimed_map = 0;
	if (claimed_map) {
		if (n > d->claimed_map_cap) {
			uint8_t *p = realloc(d->claimed_map, n);

			if (!p)
				return VY_E_NOMEM;
			d->claimed_map = p;
			d->claimed_map_cap = n;
		}
		memset(d->claimed_map, 0, n);
		d->n_claimed_map = n;
	}
	if (!want && !claimed_map && !count)
		return 0;
	for (size_t s = 0; s < n; s++) {
		uint32_t st = slot_word(in->ring, s, VY_SLOT_STATUS_WORD);
		uint32_t t;
		bool inside;

		cnt[st < 8 ? st : 8]++;
		if (st == VY_STATUS_EMPTY || st == VY_STATUS_DONE)
			continue;
		/* same cache line as the status: no second ring read */
		t = slot_word(in->ring, s, VY_SLOT_TENANT_WORD);
		if ((want & 1u << L_LIVE) && is_live(st) &&
		    push(d, L_LIVE, (uint32_t)s, t))
			return VY_E_NOMEM;
		if (st == VY_STATUS_FAULT && (want & 1u << L_FAULT) &&
		    push(d, L_FAULT, (uint32_t)s, t))
			return VY_E_NOMEM;
		if (st == VY_STATUS_PUBLISHED && (want & 1u << L_BLOCKED) &&
		    !vy_tel_tenant_mask(in->control, in->control_len, t,
					&inside) &&
		    push(d, L_BLOCKED, (uint32_t)s, t))
			return VY_E_NOMEM;
		if (st != VY_STATUS_CLAIMED)
			continue;
		if (claimed_map)
			d->claimed_map[s] = 1;
		if ((want & 1u << L_CLAIMED) &&
		    (claim_all || in->prev_claimed[s]) &&
		    push(d, L_CLAIMED, (uint32_t)s, t))
			return VY_E_NOMEM;
	}
	if (count)
		vy_tel_occupancy_from_counts(count, cnt);
	return 0;
}

static void say_blocked(struct vy_tel_diag *d, struct vy_tel_finding *f,
			const struct vy_tel_diag_input *in)
{
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
}

static int diag_starvation(struct vy_tel_diag *d,
			   const struct vy_tel_diag_input *in)
{
	uint32_t starve = vy_word(in->control, VY_CTL_PRIORITY_STARVATION);
	size_t n = in->ring_len / VY_SLOT_BYTES;
	struct vy_tel_finding *f;
	size_t waiting = 0;

	if (starve < VY_STARVATION_THRESHOLD)
		return 0;
	/* rare: a pass of its own keeps the common pass lean */
	for (size_t s = 0; s < n; s++) {
		if (slot_word(in->ring, s, VY_SLOT_STATUS_WORD) !=
			    VY_STATUS_PUBLISHED ||
		    slot_word(in->ring, s, VY_SLOT_PRIORITY_WORD) <
			    VY_PRIO_NORMAL)
			continue;
		if (grow(&d->slots, &d->slots_cap, d->n_slots + 1))
			return VY_E_NOMEM;
		d->slots[d->n_slots++] = (uint32_t)s;
		waiting++;
	}
	if (!waiting)
		return 0;
	f = add(d, VY_TEL_DIAG_PRIORITY_STARVATION, VY_TEL_SEV_WARNING);
	f->slot0 = d->n_slots - waiting;
	f->n_slots = waiting;
	say(f, "priority starvation: %" PRIu32 " claims in a row at priority "
	       "high or above while %zu slot%s of priority normal or lower "
	       "wait", starve, waiting, waiting == 1 ? "" : "s");
	return 0;
}

int vy_tel_diagnose(const struct vy_tel_diag_input *in, struct vy_tel_diag *d,
		    struct vy_err *e)
{
	const struct vy_dump_run *run = in->run && in->run->present ?
					in->run : NULL;
	uint32_t done = vy_word(in->control, VY_CTL_DONE_COUNT);
	const struct vy_tel_ring_occupancy *o = in->occ;
	bool ended = run && run->end != VY_RUN_RUNNING;
	bool still = in->has_prev && !in->counter_reset &&
		     done == in->prev_done_count;
	bool run_stall = run && (run->end == VY_RUN_STALL ||
				 run->end == VY_RUN_TIMEOUT);
	bool stalled, check_claimed;	/* claimed_unfinished applies */
	uint32_t live;
	unsigned want = 0;
	struct vy_tel_finding *f;

	d->n = 0;
	d->n_slots = 0;
	d->n_tenants = 0;
	d->worst_error = false;
	check_claimed = ended || (still && in->prev_claimed &&
				  in->prev_slots == in->ring_len /
							    VY_SLOT_BYTES);
	if (!o) {
		/* one pass counts and lists: ask for every list that may be
		   needed (an unneeded one stays empty or is ignored) */
		want = 1u << L_FAULT | 1u << L_BLOCKED |
		       (still || run_stall ? 1u << L_LIVE : 0) |
		       (check_claimed ? 1u << L_CLAIMED : 0);
		if (scan(d, in, want, true, ended || !in->prev_claimed,
			 &d->occ))
			goto nomem;
		o = &d->occ;
		if (!o->claimed)
			d->n_claimed_map = 0;
	} else {
		want = (o->fault ? 1u << L_FAULT : 0) |
		       (o->published ? 1u << L_BLOCKED : 0) |
		       ((still && o->published + o->claimed + o->wait_io +
			 o->yield_count + o->requeue) || run_stall ?
			1u << L_LIVE : 0) |
		       (check_claimed && o->claimed ? 1u << L_CLAIMED : 0);
		if (scan(d, in, want, o->claimed > 0,
			 ended || !in->prev_claimed, NULL))
			goto nomem;
		d->occ = *o;
	}
	live = o->published + o->claimed + o->wait_io + o->yield_count +
	       o->requeue;
	/* Faults elsewhere do not make a ring that does not drain healthy. */
	stalled = (live && still) || run_stall;

	if (stalled) {
		f = add(d, VY_TEL_DIAG_STALLED, VY_TEL_SEV_ERROR);
		if (take_list(d, f, L_LIVE, in->ring))
			goto nomem;
		say(f, "stalled: %" PRIu32 " slot%s still to run", live,
		    live == 1 ? "" : "s");
		if (still)
			say(f, ", nothing drained since the previous snapshot "
			       "(done_count %" PRIu32 ")", done);
		if (run_stall)
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
	if (d->list_n[L_FAULT]) {
		f = add(d, VY_TEL_DIAG_FAULTED, VY_TEL_SEV_ERROR);
		if (take_list(d, f, L_FAULT, in->ring))
			goto nomem;
		say(f, "%zu faulted slot%s", f->n_slots,
		    f->n_slots == 1 ? "" : "s");
		say_slots(d, f, in);
	}
	if (d->list_n[L_BLOCKED]) {
		f = add(d, VY_TEL_DIAG_BLOCKED_TENANTS, VY_TEL_SEV_ERROR);
		if (take_list(d, f, L_BLOCKED, in->ring))
			goto nomem;
		say_blocked(d, f, in);
	}
	if (vy_word(in->control, VY_CTL_SHUTDOWN) && live) {
		f = add(d, VY_TEL_DIAG_SHUTDOWN_WITH_WORK, VY_TEL_SEV_WARNING);
		say(f, "shutdown with work left: SHUTDOWN is set while %" PRIu32
		       " slot%s are published or claimed", live,
		    live == 1 ? "" : "s");
	}
	if (d->list_n[L_CLAIMED]) {
		f = add(d, VY_TEL_DIAG_CLAIMED_UNFINISHED, VY_TEL_SEV_ERROR);
		if (take_list(d, f, L_CLAIMED, in->ring))
			goto nomem;
		say(f, "claimed but never finished (a lane died or loops): "
		       "%zu slot%s", f->n_slots, f->n_slots == 1 ? "" : "s");
		say_slots(d, f, in);
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
