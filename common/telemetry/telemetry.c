/* SPDX-License-Identifier: MIT */
/*
 * telemetry.c - control and ring decode, route windows, runtime counters,
 * watchdog.  policy-telemetry.md §2.1-§2.8.
 */
#include "telemetry/telemetry.h"

#include <stdlib.h>
#include <string.h>

#include "wire/util.h"

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

uint32_t vy_tel_occupancy_queue_depth(const struct vy_tel_ring_occupancy *o)
{
	uint32_t q = o->published;

	q = sat_add(q, o->claimed);
	q = sat_add(q, o->wait_io);
	q = sat_add(q, o->yield_count);
	q = sat_add(q, o->requeue);
	q = sat_add(q, o->fault);
	return sat_add(q, o->unknown);
}

uint32_t vy_tel_occupancy_total_slots(const struct vy_tel_ring_occupancy *o)
{
	uint32_t t = o->empty;

	t = sat_add(t, o->published);
	t = sat_add(t, o->claimed);
	t = sat_add(t, o->done);
	t = sat_add(t, o->wait_io);
	t = sat_add(t, o->yield_count);
	t = sat_add(t, o->requeue);
	t = sat_add(t, o->fault);
	return sat_add(t, o->unknown);
}

bool vy_tel_window_telemetry_is_active(const struct vy_tel_window_telemetry *w)
{
	return w->published || w->claimed || w->wait_io || w->yield_count ||
	       w->requeue;
}

void vy_tel_init(struct vy_tel *t)
{
	memset(t, 0, sizeof(*t));
}

void vy_tel_free(struct vy_tel *t)
{
	free(t->slots);
	free(t->windows);
	vy_tel_init(t);
}

/* ---- scratch: sorted window opcodes + (ticket, opcode) hash table ---- */

struct vy_tel_wacc {
	uint32_t used;
	uint32_t ticket;
	struct vy_tel_window_telemetry w;
};

void vy_tel_scratch_init(struct vy_tel_scratch *s)
{
	memset(s, 0, sizeof(*s));
}

static void scratch_clear(struct vy_tel_scratch *s)
{
	s->n_window_opcodes = 0;
	if (s->acc && s->acc_len)
		memset(s->acc, 0, s->acc_cap * sizeof(*s->acc));
	s->acc_len = 0;
	s->bitmap[0] = s->bitmap[1] = 0;
}

void vy_tel_scratch_free(struct vy_tel_scratch *s)
{
	free(s->window_opcodes);
	free(s->acc);
	free(s->acc_order);
	vy_tel_scratch_init(s);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int set_window_opcodes(struct vy_tel_scratch *s, const uint32_t *ops,
			      size_t n, struct vy_err *e)
{
	size_t i, k = 0;

	if (n > s->window_opcodes_cap) {
		uint32_t *p;

		if (n > SIZE_MAX / sizeof(*p))
			return vy_errf(e, VY_E_NOMEM, NULL,
				       "too many window opcodes");
		p = realloc(s->window_opcodes, n * sizeof(*p));
		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL,
				       "out of memory for window opcodes");
		s->window_opcodes = p;
		s->window_opcodes_cap = n;
	}
	memcpy(s->window_opcodes, ops, n * sizeof(*ops));
	if (n > 1)
		qsort(s->window_opcodes, n, sizeof(*ops), cmp_u32);
	for (i = 0; i < n; i++)
		if (k == 0 || s->window_opcodes[k - 1] != s->window_opcodes[i])
			s->window_opcodes[k++] = s->window_opcodes[i];
	s->n_window_opcodes = k;
	s->bitmap[0] = s->bitmap[1] = 0;
	for (i = 0; i < k; i++)
		if (s->window_opcodes[i] < 128)
			s->bitmap[s->window_opcodes[i] >> 6] |=
				1ull << (s->window_opcodes[i] & 63);
	return 0;
}

static bool is_window_opcode(const struct vy_tel_scratch *s, uint32_t op)
{
	size_t lo, hi;

	if (op < 128)
		return (s->bitmap[op >> 6] >> (op & 63)) & 1;
	lo = 0;
	hi = s->n_window_opcodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->window_opcodes[mid] == op)
			return true;
		if (s->window_opcodes[mid] < op)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static size_t wacc_hash(uint32_t ticket, uint32_t opcode, size_t mask)
{
	return (size_t)(vy_tel_splitmix64((uint64_t)ticket << 32 | opcode) & mask);
}

static int wacc_grow(struct vy_tel_scratch *s, struct vy_err *e)
{
	size_t ncap = s->acc_cap ? s->acc_cap * 2 : 64, i;
	struct vy_tel_wacc *na;
	uint32_t *no;

	if (ncap > UINT32_MAX || ncap > SIZE_MAX / sizeof(*na))
		return vy_errf(e, VY_E_NOMEM, NULL, "too many route windows");
	na = calloc(ncap, sizeof(*na));
	no = malloc(ncap / 2 * sizeof(*no));
	if (!na || !no) {
		free(na);
		free(no);
		return vy_errf(e, VY_E_NOMEM, NULL,
			       "out of memory for route windows");
	}
	for (i = 0; i < s->acc_len; i++) {
		struct vy_tel_wacc *old = &s->acc[s->acc_order[i]];
		size_t h = wacc_hash(old->ticket, old->w.opcode, ncap - 1);

		while (na[h].used)
			h = (h + 1) & (ncap - 1);
		na[h] = *old;
		no[i] = (uint32_t)h;
	}
	free(s->acc);
	free(s->acc_order);
	s->acc = na;
	s->acc_order = no;
	s->acc_cap = ncap;
	return 0;
}

/* The accumulator of (ticket, opcode), created from this slot if new. */
static struct vy_tel_wacc *wacc_get(struct vy_tel_scratch *s, uint32_t ticket,
				    uint32_t opcode, uint32_t tenant,
				    struct vy_err *e)
{
	size_t h;

	/* Keep the load factor at or below one half. */
	if (s->acc_len + 1 > s->acc_cap / 2 && wacc_grow(s, e))
		return NULL;
	h = wacc_hash(ticket, opcode, s->acc_cap - 1);
	while (s->acc[h].used) {
		if (s->acc[h].ticket == ticket && s->acc[h].w.opcode == opcode)
			return &s->acc[h];
		h = (h + 1) & (s->acc_cap - 1);
	}
	s->acc[h].used = 1;
	s->acc[h].ticket = ticket;
	memset(&s->acc[h].w, 0, sizeof(s->acc[h].w));
	s->acc[h].w.ticket = ticket;
	s->acc[h].w.opcode = opcode;
	s->acc[h].w.tenant_id = tenant;
	s->acc_order[s->acc_len++] = (uint32_t)h;
	return &s->acc[h];
}

static int cmp_window(const void *a, const void *b)
{
	const struct vy_tel_window_telemetry *x = a, *y = b;

	if (x->ticket != y->ticket)
		return x->ticket < y->ticket ? -1 : 1;
	return x->opcode < y->opcode ? -1 : x->opcode > y->opcode;
}

/* ---- validation and control ---- */

int vy_tel_control_validate(size_t len, struct vy_err *e)
{
	if (len < VY_CONTROL_MIN_BYTES)
		return vy_errf(e, VY_E_CONTROL_SNAPSHOT_INVALID,
			       "capture the whole control buffer (at least 640 bytes, 160 words)",
			       "offset %zu: control buffer ends after %zu bytes, needs at least %u",
			       len, len, VY_CONTROL_MIN_BYTES);
	if (len % 4)
		return vy_errf(e, VY_E_CONTROL_SNAPSHOT_INVALID,
			       "capture whole 4-byte control words",
			       "offset %zu: control length %zu is not a multiple of 4",
			       len - len % 4, len);
	return 0;
}

int vy_tel_ring_validate(size_t len, struct vy_err *e)
{
	if (len % VY_SLOT_BYTES)
		return vy_errf(e, VY_E_RING_NOT_WHOLE_SLOTS,
			       "capture whole 64-byte ring slots",
			       "offset %zu: %zu bytes is not a multiple of the 64-byte slot",
			       len - len % VY_SLOT_BYTES, len);
	if (len / VY_SLOT_BYTES > UINT32_MAX)
		return vy_errf(e, VY_E_RING_TOO_MANY_SLOTS,
			       "shard the ring snapshot before decoding it",
			       "offset %zu: ring holds %zu slots, more than the u32 slot index allows",
			       (size_t)UINT32_MAX * VY_SLOT_BYTES,
			       len / VY_SLOT_BYTES);
	return 0;
}

int vy_tel_control_decode(struct vy_tel_control_snapshot *out, const uint8_t *c,
		      size_t len, struct vy_err *e)
{
	uint32_t i;
	int ret = vy_tel_control_validate(len, e);

	if (ret)
		return ret;
	out->shutdown = vy_word(c, VY_CTL_SHUTDOWN) != 0;
	out->done_count = vy_word(c, VY_CTL_DONE_COUNT);
	out->epoch = vy_word(c, VY_CTL_EPOCH);
	out->n_metrics = 0;
	for (i = 0; i < VY_CTL_METRICS_SLOTS; i++) {
		uint32_t n = vy_word(c, VY_CTL_METRICS_BASE + i);

		if (n) {
			out->metrics[out->n_metrics].index = i;
			out->metrics[out->n_metrics++].count = n;
		}
	}
	for (i = 0; i < VY_CTL_TENANT_FAIRNESS_SLOTS; i++)
		out->tenant_fairness[i] =
			vy_word(c, VY_CTL_TENANT_FAIRNESS_BASE + i);
	for (i = 0; i < VY_CTL_PRIORITY_FAIRNESS_SLOTS; i++)
		out->priority_fairness[i] =
			vy_word(c, VY_CTL_PRIORITY_FAIRNESS_BASE + i);
	return 0;
}

/* ---- ring decode ---- */

static void count_status(struct vy_tel_ring_occupancy *o, uint32_t st)
{
	switch (st) {
	case VY_STATUS_EMPTY: o->empty++; break;
	case VY_STATUS_PUBLISHED: o->published++; break;
	case VY_STATUS_CLAIMED: o->claimed++; break;
	case VY_STATUS_DONE: o->done++; break;
	case VY_STATUS_WAIT_IO: o->wait_io++; break;
	case VY_STATUS_YIELD: o->yield_count++; break;
	case VY_STATUS_REQUEUE: o->requeue++; break;
	case VY_STATUS_FAULT: o->fault++; break;
	default: o->unknown++; break;
	}
}

static void window_status(struct vy_tel_window_telemetry *w, uint32_t st)
{
	switch (st) {
	case VY_STATUS_PUBLISHED: w->published++; break;
	case VY_STATUS_CLAIMED: w->claimed++; break;
	case VY_STATUS_DONE: w->done++; break;
	case VY_STATUS_WAIT_IO: w->wait_io++; break;
	case VY_STATUS_YIELD: w->yield_count++; break;
	case VY_STATUS_REQUEUE: w->requeue++; break;
	case VY_STATUS_FAULT: w->fault++; break;
	default: break;	/* empty and unknown join but count nothing */
	}
}

/*
 * Occupancy only: a table of per-status counts over the first 8 values
 * keeps the hot loop free of branches (the summary path of vyre-decode).
 */
static void count_ring_fast(struct vy_tel_ring_occupancy *o, const uint8_t *ring,
			    size_t n)
{
	uint64_t cnt[9] = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t st = vy_le32(ring + i * VY_SLOT_BYTES);

		cnt[st < 8 ? st : 8]++;
	}
	vy_tel_occupancy_from_counts(o, cnt);
}

void vy_tel_occupancy_from_counts(struct vy_tel_ring_occupancy *o,
				  const uint64_t cnt[9])
{
	/* n <= UINT32_MAX (validated), so every count fits a u32. */
	o->empty = (uint32_t)cnt[0];
	o->published = (uint32_t)cnt[1];
	o->claimed = (uint32_t)cnt[2];
	o->done = (uint32_t)cnt[3];
	o->wait_io = (uint32_t)cnt[4];
	o->yield_count = (uint32_t)cnt[5];
	o->requeue = (uint32_t)cnt[6];
	o->fault = (uint32_t)cnt[7];
	o->unknown = (uint32_t)cnt[8];
}

int vy_tel_decode(struct vy_tel *out, struct vy_tel_scratch *scratch,
			const uint8_t *control, size_t control_len,
			const uint8_t *ring, size_t ring_len,
			const uint32_t *window_opcodes, size_t n_window_opcodes,
			unsigned flags, struct vy_err *e)
{
	struct vy_tel_scratch tmp;
	bool store = !(flags & VY_TEL_NO_SLOTS), windows;
	size_t n, i;
	int ret;

	ret = vy_tel_control_validate(control_len, e);
	if (!ret)
		ret = vy_tel_ring_validate(ring_len, e);
	if (ret)
		return ret;
	if (!scratch) {
		vy_tel_scratch_init(&tmp);
		ret = vy_tel_decode(out, &tmp, control, control_len, ring,
					  ring_len, window_opcodes,
					  n_window_opcodes, flags, e);
		vy_tel_scratch_free(&tmp);
		return ret;
	}
	ret = vy_tel_control_decode(&out->control, control, control_len, e);
	if (ret)
		return ret;
	n = ring_len / VY_SLOT_BYTES;
	memset(&out->occupancy, 0, sizeof(out->occupancy));
	out->n_slots = 0;
	out->n_windows = 0;
	out->ring_slot_count = n;
	scratch_clear(scratch);
	windows = n_window_opcodes > 0;
	if (windows) {
		ret = set_window_opcodes(scratch, window_opcodes,
					 n_window_opcodes, e);
		if (ret)
			return ret;
	}
	if (store && n > out->slots_cap) {
		struct vy_tel_ring_slot *p;

		if (n > SIZE_MAX / sizeof(*p))
			return vy_errf(e, VY_E_NOMEM, NULL,
				       "ring too large to hold in memory");
		p = realloc(out->slots, n * sizeof(*p));
		if (!p)
			return vy_errf(e, VY_E_NOMEM,
				       "decode without slot rows, or on a machine with more memory",
				       "out of memory for %zu slot rows", n);
		out->slots = p;
		out->slots_cap = n;
	}
	if (!store && !windows) {
		count_ring_fast(&out->occupancy, ring, n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *s = ring + i * VY_SLOT_BYTES;
		uint32_t st = vy_le32(s), op = vy_le32(s + 4);
		uint32_t tenant = vy_le32(s + 8);

		count_status(&out->occupancy, st);
		if (windows && is_window_opcode(scratch, op)) {
			uint32_t ticket = vy_le32(s + 16);
			uint32_t cls = vy_le32(s + 20);
			struct vy_tel_wacc *a =
				wacc_get(scratch, ticket, op, tenant, e);

			if (!a)
				return VY_E_NOMEM;
			if (cls == 0)
				a->w.required_slots++;
			else if (cls == 1)
				a->w.lookahead_slots++;
			window_status(&a->w, st);
		}
		if (store) {
			struct vy_tel_ring_slot *r = &out->slots[i];

			r->slot_idx = (uint32_t)i;
			r->status = st;
			r->opcode = op;
			r->tenant_id = tenant;
			r->args_prefix[0] = vy_le32(s + 16);
			r->args_prefix[1] = vy_le32(s + 20);
			r->args_prefix[2] = vy_le32(s + 24);
		}
	}
	if (store)
		out->n_slots = n;
	if (scratch->acc_len > out->windows_cap) {
		struct vy_tel_window_telemetry *p = realloc(out->windows, scratch->acc_len *
							     sizeof(*p));

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL,
				       "out of memory for %zu route windows",
				       scratch->acc_len);
		out->windows = p;
		out->windows_cap = scratch->acc_len;
	}
	for (i = 0; i < scratch->acc_len; i++)
		out->windows[i] = scratch->acc[scratch->acc_order[i]].w;
	out->n_windows = scratch->acc_len;
	if (out->n_windows > 1)
		qsort(out->windows, out->n_windows, sizeof(*out->windows),
		      cmp_window);
	return 0;
}

/* ---- queries ---- */

size_t vy_tel_active_slots_for_opcode(const struct vy_tel *t,
					    uint32_t opcode, size_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < t->n_slots; i++)
		if (t->slots[i].opcode == opcode &&
		    vy_slot_status_is_active(t->slots[i].status))
			out[n++] = i;
	return n;
}

size_t vy_tel_active_windows(const struct vy_tel *t, size_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < t->n_windows; i++)
		if (vy_tel_window_telemetry_is_active(&t->windows[i]))
			out[n++] = i;
	return n;
}

void vy_tel_priority_accounting(const struct vy_tel *t,
				      struct vy_tel_priority_accounting *out)
{
	out->requeue_count = t->occupancy.requeue;
	out->aged_promotions = 0;
	out->max_priority_age = 0;
}

static uint16_t density_bps(uint32_t num, uint32_t den)
{
	uint64_t bps;

	if (!den)
		return 0;
	bps = (uint64_t)num * 10000 / den;
	return (uint16_t)(bps > UINT16_MAX ? UINT16_MAX : bps);
}

void vy_tel_runtime_counters_fill(const struct vy_tel *t,
				   struct vy_tel_runtime_counters *c)
{
	const struct vy_tel_control_snapshot *ctl = &t->control;
	uint32_t total = vy_tel_occupancy_total_slots(&t->occupancy);
	uint32_t idle = t->occupancy.empty, lo = UINT32_MAX, hi = 0;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->total_slots = total;
	c->queue_depth = vy_tel_occupancy_queue_depth(&t->occupancy);
	c->gpu_idle_slots = idle;
	if (total) {
		uint64_t ppm = (uint64_t)idle * 1000000 / total;

		c->gpu_idle_ppm = (uint32_t)(ppm > 1000000 ? 1000000 : ppm);
	}
	c->frontier_density_bps = density_bps(c->queue_depth, total);
	c->occupancy_proxy_bps =
		density_bps(total > idle ? total - idle : 0, total);
	c->drained_slots = ctl->done_count;
	c->unreclaimed_done_slots = t->occupancy.done;
	for (i = 0; i < VY_CTL_TENANT_FAIRNESS_SLOTS; i++) {
		uint32_t v = ctl->tenant_fairness[i];

		c->tenant_fairness_total += v;
		if (v) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	c->tenant_fairness_skew = lo == UINT32_MAX && hi == 0 ? 0 : hi - lo;
	for (i = 0; i < VY_CTL_PRIORITY_FAIRNESS_SLOTS; i++)
		c->priority_fairness_total += ctl->priority_fairness[i];
	c->requeue_slots = t->occupancy.requeue;
	c->fault_slots = t->occupancy.fault;
}

int vy_tel_health(const struct vy_tel *cur,
			uint32_t prev_done_count, struct vy_tel_watchdog *out,
			struct vy_err *e)
{
	struct vy_tel_runtime_counters c;
	uint32_t done = cur->control.done_count;

	if (done < prev_done_count)
		return vy_errf(e, VY_E_DONE_COUNTER_BACKWARDS,
			       "treat it as a counter reset: start a new epoch from this snapshot",
			       "done_count moved backwards from %u to %u",
			       prev_done_count, done);
	vy_tel_runtime_counters_fill(cur, &c);
	out->done_delta = done - prev_done_count;
	out->queue_depth = c.queue_depth;
	out->fault_slots = c.fault_slots;
	out->requeue_slots = c.requeue_slots;
	out->gpu_idle_ppm = c.gpu_idle_ppm;
	out->suspected_stall =
		c.queue_depth > 0 && out->done_delta == 0 && c.fault_slots == 0;
	return 0;
}

uint32_t vy_tel_hot_opcode_count(const struct vy_tel *t)
{
	return t->control.n_metrics;
}

int vy_tel_hot_window_count(const struct vy_tel *t, uint32_t *out,
				  struct vy_err *e)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < t->n_windows; i++) {
		const struct vy_tel_window_telemetry *w = &t->windows[i];

		if (w->required_slots > UINT32_MAX - w->lookahead_slots)
			return vy_errf(e, VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW,
				       "shard route windows before telemetry aggregation",
				       "window (ticket %u, opcode %u): required_slots %u + lookahead_slots %u overflows u32",
				       w->ticket, w->opcode, w->required_slots,
				       w->lookahead_slots);
		if (w->required_slots + w->lookahead_slots >= 4 &&
		    n < UINT32_MAX)
			n++;
	}
	*out = n;
	return 0;
}
