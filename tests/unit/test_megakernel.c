/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "device/cl.h"
#include "device/megakernel.h"
#include "device/transport.h"
#include "wire/protocol.h"
#include "wire/util.h"

/*
 * An 8-slot persistent session on the default device, started with the
 * rest of @p; NULL after recording a skip (no device) or a failure.
 */
static struct vy_mk *start_8(struct vy_dev_mk_params *p)
{
	struct vy_mk *mk = NULL;
	struct vy_err e;
	int err;

	p->persistent = 1;
	p->slots = 8;
	p->tenant_count = 1;
	err = vy_dev_mk_open(&mk, p, &e);
	if (err == VY_E_NO_DEVICE) {
		vy_test_skip("no OpenCL device");
		return NULL;
	}
	/* a GPU has its own memory: its running kernel cannot see a shared image */
	if (err == VY_E_UNSUPPORTED && p->transport == VY_TRANSPORT_SHARED) {
		vy_test_skip("shared transport: the default device has its own memory");
		return NULL;
	}
	if (!err)
		err = vy_dev_mk_start(mk, &e);
	if (err) {
		vy_test_fail(__FILE__, __LINE__, "%s", e.msg);
		vy_dev_mk_close(mk);
		return NULL;
	}
	return mk;
}

/* ... with 4-lane work-groups on @kind: the claim and counter tests' session */
static struct vy_mk *start_8_on(struct vy_dev_mk_params *p,
				enum vy_dev_transport_kind kind)
{
	p->workgroup_size = 4;
	p->transport = kind;
	return start_8(p);
}

/* Read control word @w until it is @want (10 s at most); the last read. */
static uint32_t wait_word(struct vy_mk *mk, uint32_t w, uint32_t want)
{
	uint64_t end = vy_now_ns() + 10000000000ull;
	struct vy_err e;
	uint32_t v = 0;

	do
		if (vy_dev_mk_read_control(mk, w, &v, &e))
			return ~want;
	while (v != want && vy_now_ns() < end);
	return v;
}

/* The laps and counter tests' item: ATOMIC_ADD 1 to control word 150. */
static void add_one_150(uint32_t w[16])
{
	memset(w, 0, 16 * sizeof(*w));
	w[1] = VY_OP_ATOMIC_ADD;
	w[4] = 1;
	w[5] = 150;
}

/*
 * Stage @n items adding 1 to word 150 in slots 0..@n-1 (tag = slot),
 * publish them in one flush and wait, without a poll, until the kernel
 * has retired all of them.  0, or -1 after a failed check.
 */
static int stage_waited(struct vy_mk *mk, uint32_t n)
{
	struct vy_err e;
	uint32_t w[16];

	add_one_150(w);
	for (uint32_t s = 0; s < n; s++)
		if (vy_dev_mk_stage(mk, s, w, s, &e)) {
			vy_test_fail(__FILE__, __LINE__, "%s", e.msg);
			return -1;
		}
	if (vy_dev_mk_flush(mk, &e)) {
		vy_test_fail(__FILE__, __LINE__, "%s", e.msg);
		return -1;
	}
	if (wait_word(mk, VY_CTL_RETIRED, n) != n) {
		vy_test_fail(__FILE__, __LINE__, "RETIRED never reached %u", n);
		return -1;
	}
	return 0;
}

/* ... written into a bulk-staged row: words 1..15, never the status */
static void put_add_one_150(uint8_t *row)
{
	uint32_t w[16];

	add_one_150(w);
	for (uint32_t i = 1; i < 16; i++)
		vy_set_word(row, i, w[i]);
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* One persistent session on the default device: stage, publish, finish. */
VY_TEST(megakernel_persistent_roundtrip)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_dev_mk_done d[4];
	struct vy_err e;
	uint32_t w[16] = { 0 }, v = 0;
	uint64_t end;
	int n = 0;

	/* slot 3 first: the scanning claim takes any published slot */
	p.scan_claim = 1;
	mk = start_8(&p);
	if (!mk)
		return;
	w[1] = VY_OP_ATOMIC_ADD;
	w[4] = 7;
	w[5] = 150;
	VY_CHECK(vy_dev_mk_stage(mk, 3, w, 42, &e) == 0);
	VY_CHECK(vy_dev_mk_stage(mk, 3, w, 43, &e) == VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(vy_dev_mk_stage(mk, 8, w, 44, &e) == VY_E_SLOT_OUT_OF_RANGE);
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(mk), 1);
	end = vy_now_ns() + 10000000000ull;
	while (!n && vy_now_ns() < end) {
		n = vy_dev_mk_poll(mk, d, 4, &e);
		VY_CHECK(n >= 0);
	}
	VY_CHECK_EQ_U64(n, 1);
	VY_CHECK_EQ_U64(d[0].tag, 42);
	VY_CHECK_EQ_U64(d[0].slot, 3);
	VY_CHECK_EQ_U64(d[0].status, VY_STATUS_DONE);
	VY_CHECK(vy_dev_mk_read_control(mk, 150, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 7);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	VY_CHECK(!vy_dev_mk_running(mk));
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_SHUTDOWN, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 1);
	vy_dev_mk_close(mk);
}

/*
 * The laps tests (40 ATOMIC_ADD items of tag 0..39 through an 8-slot
 * ring): one poll, every finished item checked (its slot, DONE, seen
 * once) and added to *@done.
 */
static void take_laps(struct vy_mk *mk, unsigned seen[40], int *twice,
		      int *done)
{
	struct vy_dev_mk_done d[16];
	struct vy_err e;
	int n = vy_dev_mk_poll(mk, d, 16, &e);

	VY_CHECK(n >= 0);
	*done += n;
	for (int i = 0; i < n && i < 16; i++) {
		VY_CHECK(d[i].tag < 40);
		VY_CHECK_EQ_U64(d[i].slot, d[i].tag % 8);
		VY_CHECK_EQ_U64(d[i].status, VY_STATUS_DONE);
		*twice += seen[d[i].tag]++ != 0;
	}
}

/* ... and at their end: all 40 ran exactly once, word 150 counts 40. */
static void check_laps(struct vy_mk *mk, int done, int twice)
{
	struct vy_err e;
	uint32_t v = 0;

	VY_CHECK_EQ_U64(done, 40);
	VY_CHECK_EQ_U64(twice, 0);
	VY_CHECK(vy_dev_mk_read_control(mk, 150, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
}

/*
 * The ticket claim (persistent, no priority scheduler): slots go out in
 * ring order, an out-of-order slot is refused, every item of several laps
 * of a small ring runs exactly once, and words 142/143 count them.
 */
static void ticket_laps(enum vy_dev_transport_kind kind)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_err e;
	uint32_t w[16] = { 0 }, v = 0;
	uint64_t end, tag = 0;
	unsigned seen[40] = { 0 };
	int done = 0, twice = 0;
	struct vy_dev_mk_stats st;

	/* copy: the counter is looked at beyond what one row read covers */
	p.obs_linear_slots = 2;
	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	add_one_150(w);
	VY_CHECK(vy_dev_mk_stage(mk, 3, w, 99, &e) == VY_E_SLOT_NOT_PUBLISHABLE);
	VY_CHECK(strstr(e.msg, "ring order") != NULL);
	end = vy_now_ns() + 20000000000ull;
	while (done < 40 && vy_now_ns() < end) {
		int64_t s;

		while (tag < 40 && (s = vy_dev_mk_free_slot(mk)) >= 0)
			VY_CHECK(vy_dev_mk_stage(mk, (uint32_t)s, w, tag++,
						 &e) == 0);
		VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
		take_laps(mk, seen, &twice, &done);
	}
	check_laps(mk, done, twice);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_COUNT, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_PUBLISH_HEAD, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_CLAIM_TAIL, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_RETIRED, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_METRICS_BASE +
					VY_OP_ATOMIC_ADD, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 40);
	/*
	 * completion was looked for by counter (whether a look or a status
	 * read frees a slot of a ring kept full depends on timing; a waited
	 * batch is freed by the counter: megakernel_counter_frees_waited)
	 */
	vy_dev_mk_get_stats(mk, &st);
	VY_CHECK(st.counter_looks > 0);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

VY_TEST(megakernel_ticket_claim_laps)
{
	ticket_laps(VY_TRANSPORT_SHARED);
	/* rows and head through the in-order queue of a running kernel */
	ticket_laps(VY_TRANSPORT_COPY);
}

/*
 * A host that publishes a batch and only waits: the batch is freed by a
 * look at RETIRED (one counter free), with at most one status read of
 * the two rows obs_linear allows before it, never span by span.
 */
static void counter_waited(enum vy_dev_transport_kind kind)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_mk_done d[8];
	struct vy_dev_mk_stats st;
	struct vy_mk *mk;
	struct vy_err e;
	uint64_t end;
	int done = 0;

	p.obs_linear_slots = 2;
	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	/* wait (without a poll) until the kernel has retired all 8 */
	VY_CHECK(stage_waited(mk, 8) == 0);
	end = vy_now_ns() + 10000000000ull;
	while (done < 8 && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 8, &e);

		VY_CHECK(n >= 0);
		done += n > 0 ? n : 0;
	}
	VY_CHECK_EQ_U64(done, 8);
	vy_dev_mk_get_stats(mk, &st);
	VY_CHECK_EQ_U64(st.counter_frees, 1);
	VY_CHECK(st.status_reads <= 1);
	/* idle work-groups bring DONE_TAIL up to the last ticket */
	VY_CHECK_EQ_U64(wait_word(mk, VY_CTL_DONE_TAIL, 8), 8);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

VY_TEST(megakernel_counter_frees_waited)
{
	counter_waited(VY_TRANSPORT_SHARED);
	counter_waited(VY_TRANSPORT_COPY);
}

/*
 * A finished item's latency runs from the flush that published it: two
 * flushes 20 ms apart, both in flight at once, report each item with its
 * own flush's time (done_ns - latency_ns), whether freed by the counter
 * or by reading statuses (@status_completion).
 */
static void latency_per_flush(enum vy_dev_transport_kind kind,
			      int status_completion)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_mk_done d[8];
	struct vy_mk *mk;
	struct vy_err e;
	uint64_t pub[8] = { 0 }, end;
	uint32_t w[16];
	int done = 0;

	p.status_completion = status_completion;
	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	add_one_150(w);
	for (uint32_t s = 0; s < 8; s++) {
		VY_CHECK(vy_dev_mk_stage(mk, s, w, s, &e) == 0);
		if (s == 3) {
			VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
			nap_ms(20);
		}
	}
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	VY_CHECK_EQ_U64(wait_word(mk, VY_CTL_RETIRED, 8), 8);
	end = vy_now_ns() + 10000000000ull;
	while (done < 8 && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 8, &e);

		VY_CHECK(n >= 0);
		for (int i = 0; i < n; i++) {
			VY_CHECK(d[i].tag < 8);
			if (d[i].tag < 8)
				pub[d[i].tag] = d[i].done_ns - d[i].latency_ns;
		}
		done += n > 0 ? n : 0;
	}
	VY_CHECK_EQ_U64(done, 8);
	for (int i = 1; i < 8; i++)
		if (i != 4)
			VY_CHECK_EQ_U64(pub[i], pub[i - 1]);
	VY_CHECK(pub[4] >= pub[3] + 20000000ull);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

/*
 * vy_dev_mk_set_latency: every freed item's latency goes into the
 * histogram, the ones past @max that a poll does not report too.
 */
static void latency_every_item(enum vy_dev_transport_kind kind,
			       int status_completion)
{
	static struct vy_hist h;
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_mk_done d[1];
	struct vy_mk *mk;
	struct vy_err e;
	uint64_t end, t0;
	int done = 0;

	memset(&h, 0, sizeof(h));
	p.status_completion = status_completion;
	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	vy_dev_mk_set_latency(mk, &h);
	t0 = vy_now_ns();
	VY_CHECK(stage_waited(mk, 8) == 0);
	nap_ms(5);
	end = vy_now_ns() + 10000000000ull;
	while (done < 8 && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 1, &e);

		VY_CHECK(n >= 0);
		done += n > 0 ? n : 0;
	}
	VY_CHECK_EQ_U64(done, 8);
	VY_CHECK_EQ_U64(h.n, 8);
	/* seen at least 5 ms after the flush, and not before this test */
	VY_CHECK(h.max >= 5000000ull);
	VY_CHECK(h.max <= vy_now_ns() - t0);
	vy_dev_mk_set_latency(mk, NULL);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

VY_TEST(megakernel_latency_every_item)
{
	latency_every_item(VY_TRANSPORT_SHARED, 0);
	latency_every_item(VY_TRANSPORT_SHARED, 1);
	latency_every_item(VY_TRANSPORT_COPY, 0);
}

VY_TEST(megakernel_latency_per_flush)
{
	latency_per_flush(VY_TRANSPORT_SHARED, 0);
	latency_per_flush(VY_TRANSPORT_SHARED, 1);
	latency_per_flush(VY_TRANSPORT_COPY, 0);
}

/*
 * DONE_TAIL (word 145): a batch whose last slot may not run (tenant 1 has
 * no mask) never has RETIRED equal to what was published; DONE_TAIL stops
 * at that slot, and one look at the counters frees the 7 before it, with
 * no status read.  The eighth stays in flight.
 */
VY_TEST(megakernel_done_tail_frees)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_mk_done d[8];
	struct vy_dev_mk_stats st;
	struct vy_mk *mk;
	struct vy_err e;
	uint32_t w[16] = { 0 }, v = 0;
	int n;

	mk = start_8_on(&p, VY_TRANSPORT_SHARED);
	if (!mk)
		return;
	add_one_150(w);
	for (uint32_t s = 0; s < 8; s++) {
		w[2] = s == 7;		/* the last: tenant 1 */
		VY_CHECK(vy_dev_mk_stage(mk, s, w, s, &e) == 0);
	}
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	VY_CHECK_EQ_U64(wait_word(mk, VY_CTL_DONE_TAIL, 7), 7);
	n = vy_dev_mk_poll(mk, d, 8, &e);
	VY_CHECK_EQ_U64(n, 7);
	for (int i = 0; i < n && i < 8; i++) {
		VY_CHECK_EQ_U64(d[i].tag, (uint64_t)i);
		VY_CHECK_EQ_U64(d[i].status, VY_STATUS_DONE);
	}
	vy_dev_mk_get_stats(mk, &st);
	VY_CHECK_EQ_U64(st.tail_frees, 1);
	VY_CHECK_EQ_U64(st.status_reads, 0);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(mk), 1);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_RETIRED, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 7);
	/* it does not pass the slot left published */
	nap_ms(20);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_TAIL, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 7);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

/*
 * Bulk staging (reserve/commit) with the ticket claim: rows written in
 * place, reserve stops at the ring's end and at a slot in flight, and
 * five laps of an 8-slot ring run every item exactly once.
 */
static void bulk_laps(enum vy_dev_transport_kind kind)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_err e;
	uint64_t end, tag = 0;
	unsigned seen[40] = { 0 };
	int done = 0, twice = 0;
	uint8_t *rows;

	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	VY_CHECK_EQ_U64(vy_dev_mk_reserve(mk, 100, &rows), 8);
	VY_CHECK(vy_dev_mk_commit(mk, 9, 0, &e) == VY_E_SLOT_NOT_PUBLISHABLE);
	end = vy_now_ns() + 20000000000ull;
	while (done < 40 && vy_now_ns() < end) {
		uint32_t k;

		/* 3 at a time: commits cross the ring's end mid-batch */
		while (tag < 40 &&
		       (k = vy_dev_mk_reserve(mk, tag + 3 > 40 ? 40 - tag : 3,
					      &rows)) > 0) {
			for (uint32_t i = 0; i < k; i++)
				put_add_one_150(rows + (size_t)i * VY_SLOT_BYTES);
			VY_CHECK(vy_dev_mk_commit(mk, k, tag, &e) == 0);
			tag += k;
		}
		VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
		take_laps(mk, seen, &twice, &done);
	}
	check_laps(mk, done, twice);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

VY_TEST(megakernel_bulk_stage_laps)
{
	bulk_laps(VY_TRANSPORT_SHARED);
	bulk_laps(VY_TRANSPORT_COPY);
}

/*
 * vy_dev_mk_produce's fill for the tests: ATOMIC_ADD 1 to word 150, and
 * the item number in word 8 (ignored by the opcode), so that a row filled
 * for the wrong item shows.
 */
static void fill_numbered(void *arg, uint8_t *rows, uint64_t first,
			  uint32_t n)
{
	(void)arg;
	for (uint32_t k = 0; k < n; k++) {
		uint8_t *row = rows + (size_t)k * VY_SLOT_BYTES;

		put_add_one_150(row);
		vy_set_word(row, 8, (uint32_t)(first + k));
	}
}

/* A persistent session (ticket claim, shared) that is never started. */
static struct vy_mk *open_idle(uint32_t slots, uint32_t producers,
			       int priority)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk = NULL;
	struct vy_err e;
	int err;

	p.persistent = 1;
	p.priority = priority;
	p.slots = slots;
	p.tenant_count = 1;
	p.transport = VY_TRANSPORT_SHARED;
	p.producers = producers;
	err = vy_dev_mk_open(&mk, &p, &e);
	if (err == VY_E_NO_DEVICE || err == VY_E_UNSUPPORTED) {
		vy_test_skip("no OpenCL device with a shared transport");
		return NULL;
	}
	if (err) {
		vy_test_fail(__FILE__, __LINE__, "%s", e.msg);
		return NULL;
	}
	return mk;
}

/*
 * Parallel staging stages what a serial reserve/commit does: the same row
 * bytes (status included), tags and slots in flight, from a ring offset
 * that is not 0; then partial counts at the ring's end and at a slot in
 * flight.
 */
VY_TEST(megakernel_produce_matches_commit)
{
	struct vy_mk *a, *b;
	struct vy_err e;
	uint32_t slots = 16384, n = 10000, k = 0;
	uint64_t tag = 100;
	uint8_t *rows;
	const uint8_t *ra, *rb;

	a = open_idle(slots, 1, 0);
	if (!a)
		return;
	b = open_idle(slots, 4, 0);
	if (!b) {
		vy_dev_mk_close(a);
		return;
	}
	/* both from slot 3: the parts' bounds are not the ring's */
	VY_CHECK_EQ_U64(vy_dev_mk_produce(a, 3, 0, fill_numbered, NULL, &e), 3);
	VY_CHECK_EQ_U64(vy_dev_mk_produce(b, 3, 0, fill_numbered, NULL, &e), 3);
	while (k < n) {
		uint32_t m = vy_dev_mk_reserve(a, n - k, &rows);

		if (!m)
			break;
		fill_numbered(NULL, rows, tag + k, m);
		VY_CHECK(vy_dev_mk_commit(a, m, tag + k, &e) == 0);
		k += m;
	}
	VY_CHECK_EQ_U64(k, n);
	VY_CHECK_EQ_U64(vy_dev_mk_produce(b, n, tag, fill_numbered, NULL, &e),
			n);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(a), n + 3);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(b), n + 3);
	ra = vy_dev_mk_image(a, VY_TB_RING, NULL);
	rb = vy_dev_mk_image(b, VY_TB_RING, NULL);
	VY_CHECK(memcmp(ra, rb, (size_t)(n + 3) * VY_SLOT_BYTES) == 0);
	VY_CHECK_EQ_U64(vy_word(rb, (3 + 4321) * VY_SLOT_WORDS),
			VY_STATUS_PUBLISHED);
	VY_CHECK_EQ_U64(vy_word(rb, (3 + 4321) * VY_SLOT_WORDS + 8),
			tag + 4321);
	for (uint32_t s = 3; s < n + 3; s++)
		if (vy_dev_mk_slot_tag(b, s) != tag + s - 3 ||
		    vy_dev_mk_slot_tag(a, s) != vy_dev_mk_slot_tag(b, s)) {
			VY_CHECK_EQ_U64(vy_dev_mk_slot_tag(b, s), tag + s - 3);
			break;
		}
	VY_CHECK(vy_dev_mk_flush(b, &e) == 0);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(b), n + 3);
	/* up to the ring's end, then nothing: slot 0 is in flight */
	VY_CHECK_EQ_U64(vy_dev_mk_produce(b, slots, 0, fill_numbered, NULL, &e),
			slots - n - 3);
	VY_CHECK_EQ_U64(vy_dev_mk_produce(b, 1, 0, fill_numbered, NULL, &e), 0);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(b), slots);
	vy_dev_mk_close(a);
	vy_dev_mk_close(b);
}

/* The priority scheduler places slots by priority: produce refuses. */
VY_TEST(megakernel_produce_refuses_priority)
{
	struct vy_mk *mk = open_idle(64, 2, 1);
	struct vy_err e;

	if (!mk)
		return;
	VY_CHECK_EQ_U64(vy_dev_mk_produce(mk, 8, 0, fill_numbered, NULL, &e),
			VY_E_INVAL);
	VY_CHECK(strstr(e.msg, "priority") != NULL);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(mk), 0);
	vy_dev_mk_close(mk);
}

/* More staging threads than the session allows: refused at open. */
VY_TEST(megakernel_produce_too_many_producers)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk = NULL;
	struct vy_err e;

	p.producers = VY_MK_PRODUCERS_MAX + 1;
	VY_CHECK_EQ_U64(vy_dev_mk_open(&mk, &p, &e), VY_E_INVAL);
	VY_CHECK(mk == NULL);
}

/*
 * The producers may change until the staging threads start, not after;
 * unless told, a CPU device gets none beside the caller's thread.
 */
VY_TEST(megakernel_set_producers_until_threads_start)
{
	struct vy_dev_cl_devinfo d = { 0 };
	struct vy_mk *mk;
	struct vy_err e;

	d.is_cpu = 1;
	VY_CHECK_EQ_U64(vy_dev_mk_auto_producers(&d), 1);
	d.is_cpu = 0;
	d.is_gpu = 1;
	VY_CHECK(vy_dev_mk_auto_producers(&d) >= 1);
	VY_CHECK(vy_dev_mk_auto_producers(&d) <= 4);
	mk = open_idle(8192, 1, 0);
	if (!mk)
		return;
	VY_CHECK_EQ_U64(vy_dev_mk_set_producers(mk, VY_MK_PRODUCERS_MAX + 1, &e),
			VY_E_INVAL);
	VY_CHECK(vy_dev_mk_set_producers(mk, 3, &e) == 0);
	/* 8192 rows: three parts, two threads started */
	VY_CHECK_EQ_U64(vy_dev_mk_produce(mk, 8192, 0, fill_numbered, NULL, &e),
			8192);
	VY_CHECK_EQ_U64(vy_dev_mk_set_producers(mk, 2, &e), VY_E_INVAL);
	vy_dev_mk_close(mk);
}

/*
 * Four staging threads feed a running persistent kernel (PoCL): 100000
 * items in chunks of 8192 over a 16384-slot ring, every item run exactly
 * once (word 150 counts them, and every tag finishes once).
 */
VY_TEST(megakernel_produce_threads_exactly_once)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk = NULL;
	struct vy_dev_mk_done d[256];
	struct vy_err e;
	const uint32_t total = 100000;
	uint8_t *seen;
	uint64_t tag = 0, end;
	uint32_t done = 0, twice = 0, v = 0;
	int err;

	p.persistent = 1;
	p.slots = 16384;
	p.tenant_count = 1;
	p.workgroup_size = 4;
	p.producers = 4;
	err = vy_dev_mk_open(&mk, &p, &e);
	if (err == VY_E_NO_DEVICE)
		VY_SKIP("no OpenCL device");
	VY_CHECK(err == 0);
	if (err)
		return;
	VY_CHECK(vy_dev_mk_start(mk, &e) == 0);
	seen = calloc(total, 1);
	end = vy_now_ns() + 60000000000ull;
	while (done < total && vy_now_ns() < end) {
		int k = 0, n;

		if (tag < total) {
			uint32_t want = total - tag < 8192 ? total - tag : 8192;

			k = vy_dev_mk_produce(mk, want, tag, fill_numbered,
					      NULL, &e);
			VY_CHECK(k >= 0);
			if (k < 0)
				break;
			tag += (uint32_t)k;
			VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
		}
		n = vy_dev_mk_poll(mk, d, 256, &e);
		VY_CHECK(n >= 0);
		if (n < 0)
			break;
		for (int i = 0; i < n && i < 256; i++) {
			VY_CHECK_EQ_U64(d[i].status, VY_STATUS_DONE);
			if (d[i].tag < total)
				twice += seen[d[i].tag]++ != 0;
		}
		done += (uint32_t)n;
		if (!k && !n)
			vy_dev_mk_idle(mk);
	}
	VY_CHECK_EQ_U64(done, total);
	VY_CHECK_EQ_U64(twice, 0);
	VY_CHECK_EQ_U64(wait_word(mk, 150, total), total);
	VY_CHECK(vy_dev_mk_read_control(mk, 150, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, total);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
	free(seen);
}

/*
 * Completion by counter: a faulted slot never counts in RETIRED, so a
 * look that finds RETIRED standing still reads the statuses; the fault
 * is still reported, and the DONE slots beside it too.
 */
static void counter_fault(enum vy_dev_transport_kind kind)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_dev_mk_done d[8];
	struct vy_err e;
	uint32_t w[16] = { 0 }, v = 0;
	uint64_t end;
	int done = 0, faults = 0;

	mk = start_8_on(&p, kind);
	if (!mk)
		return;
	w[1] = VY_OP_NOP;
	VY_CHECK(vy_dev_mk_stage(mk, 0, w, 0, &e) == 0);
	w[1] = VY_OP_PACKED_SLOT;
	w[4] = 0xFF;		/* 255 packed ops do not fit: FAULT */
	VY_CHECK(vy_dev_mk_stage(mk, 1, w, 1, &e) == 0);
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	end = vy_now_ns() + 10000000000ull;
	while (vy_dev_mk_inflight(mk) && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 8, &e);

		VY_CHECK(n >= 0);
		for (int i = 0; i < n && i < 8; i++) {
			faults += d[i].status == VY_STATUS_FAULT;
			VY_CHECK_EQ_U64(d[i].status == VY_STATUS_FAULT,
					d[i].tag == 1);
		}
		done += n;
	}
	VY_CHECK_EQ_U64(done, 2);
	VY_CHECK_EQ_U64(faults, 1);
	/* DONE_TAIL passes ticket 0 (DONE) and stops at 1 (FAULT) */
	VY_CHECK_EQ_U64(wait_word(mk, VY_CTL_DONE_TAIL, 1), 1);
	nap_ms(20);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_TAIL, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

VY_TEST(megakernel_counter_completion_fault)
{
	counter_fault(VY_TRANSPORT_SHARED);
	counter_fault(VY_TRANSPORT_COPY);
}

/*
 * A post-mortem after a device error (VYRE_TEST_DEVICE_FAIL=readback) on
 * the copy transport is made from the host image: rows the counter freed
 * without a status read show DONE there, a row a status read freed shows
 * what the read said (FAULT), as a read of the ring would have.
 */
VY_TEST(megakernel_postmortem_image_statuses)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_mk_done d[8];
	struct vy_dev_mk_stats st;
	struct vy_snapshot snap;
	struct vy_mk *mk;
	struct vy_err e;
	uint32_t w[16] = { 0 };
	uint64_t end;
	int done = 0;

	p.obs_linear_slots = 2;
	mk = start_8_on(&p, VY_TRANSPORT_COPY);
	if (!mk)
		return;
	VY_CHECK(stage_waited(mk, 6) == 0);
	end = vy_now_ns() + 10000000000ull;
	while (vy_dev_mk_inflight(mk) && vy_now_ns() < end)
		VY_CHECK(vy_dev_mk_poll(mk, d, 8, &e) >= 0);
	vy_dev_mk_get_stats(mk, &st);
	VY_CHECK_EQ_U64(st.counter_frees, 1);
	w[1] = VY_OP_NOP;
	VY_CHECK(vy_dev_mk_stage(mk, 6, w, 6, &e) == 0);
	w[1] = VY_OP_PACKED_SLOT;
	w[4] = 0xFF;		/* 255 packed ops do not fit: FAULT */
	VY_CHECK(vy_dev_mk_stage(mk, 7, w, 7, &e) == 0);
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	while (vy_dev_mk_inflight(mk) && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 8, &e);

		VY_CHECK(n >= 0);
		done += n;
	}
	VY_CHECK_EQ_U64(done, 2);
	setenv("VYRE_TEST_DEVICE_FAIL", "readback", 1);
	VY_CHECK(vy_dev_mk_snapshot(mk, &snap, &e) == VY_E_DEVICE);
	unsetenv("VYRE_TEST_DEVICE_FAIL");
	VY_CHECK_EQ_U64(snap.buf[VY_BUF_RING].len, 8 * VY_SLOT_BYTES);
	for (uint32_t s = 0; s < 8; s++)
		VY_CHECK_EQ_U64(vy_word(snap.buf[VY_BUF_RING].data,
					(size_t)s * VY_SLOT_WORDS),
				s == 7 ? VY_STATUS_FAULT : VY_STATUS_DONE);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

/*
 * The ticket claim's words 142-145 are its own: a work item that would
 * store or add into them faults, and the claim still counts right.
 */
VY_TEST(megakernel_ticket_words_guarded)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_dev_mk_done d[8];
	struct vy_err e;
	uint32_t w[16] = { 0 }, v = 0;
	uint64_t end;
	int done = 0, faults = 0;

	mk = start_8_on(&p, VY_TRANSPORT_AUTO);
	if (!mk)
		return;
	w[1] = VY_OP_ATOMIC_ADD;
	w[4] = 5;
	w[5] = VY_CTL_RETIRED;
	VY_CHECK(vy_dev_mk_stage(mk, 0, w, 0, &e) == 0);
	w[1] = VY_OP_STORE_U32;
	w[5] = VY_CTL_CLAIM_TAIL;
	VY_CHECK(vy_dev_mk_stage(mk, 1, w, 1, &e) == 0);
	w[1] = VY_OP_MEMCPY;	/* words 150, 151 over 141..142 */
	w[4] = 150;
	w[5] = 141;
	w[6] = 2;
	VY_CHECK(vy_dev_mk_stage(mk, 2, w, 2, &e) == 0);
	w[1] = VY_OP_ATOMIC_ADD;
	w[4] = 1;
	w[5] = VY_CTL_DONE_TAIL;
	w[6] = 0;
	VY_CHECK(vy_dev_mk_stage(mk, 3, w, 3, &e) == 0);
	w[5] = VY_CTL_DONE_TAIL + 1;	/* beside them: allowed */
	VY_CHECK(vy_dev_mk_stage(mk, 4, w, 4, &e) == 0);
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	end = vy_now_ns() + 10000000000ull;
	while (vy_dev_mk_inflight(mk) && vy_now_ns() < end) {
		int n = vy_dev_mk_poll(mk, d, 8, &e);

		VY_CHECK(n >= 0);
		for (int i = 0; i < n && i < 8; i++)
			faults += d[i].status == VY_STATUS_FAULT;
		done += n;
	}
	VY_CHECK_EQ_U64(done, 5);
	VY_CHECK_EQ_U64(faults, 4);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_RETIRED, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_CLAIM_TAIL, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 5);
	/* ticket 0 faulted: DONE_TAIL stays before it */
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_TAIL, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 0);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_TAIL + 1, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_dev_mk_stop(mk, 5000000000ull, &e) == 0);
	vy_dev_mk_close(mk);
}

/* Once mode: bulk staging goes from the round-robin cursor. */
VY_TEST(megakernel_bulk_stage_once)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_err e;
	uint8_t *rows;
	uint32_t v = 0;
	int err;

	p.slots = 4;
	p.tenant_count = 1;
	err = vy_dev_mk_open(&mk, &p, &e);
	if (err == VY_E_NO_DEVICE)
		VY_SKIP("no OpenCL device");
	VY_CHECK(err == 0);
	VY_CHECK(vy_dev_mk_start(mk, &e) == 0);
	for (int round = 0; round < 3; round++) {
		VY_CHECK_EQ_U64(vy_dev_mk_reserve(mk, 3, &rows),
				round == 1 ? 1 : 3);
		for (int i = 0; i < 3; i++) {
			if (round == 1 && i)
				break;
			put_add_one_150(rows + (size_t)i * VY_SLOT_BYTES);
		}
		VY_CHECK(vy_dev_mk_commit(mk, round == 1 ? 1 : 3, 0, &e) == 0);
		VY_CHECK(vy_dev_mk_dispatch(mk, vy_now_ns() + 10000000000ull,
					    &e) == 0);
		VY_CHECK(vy_dev_mk_poll(mk, NULL, 0, &e) >= 0);
		VY_CHECK_EQ_U64(vy_dev_mk_inflight(mk), 0);
	}
	VY_CHECK(vy_dev_mk_read_control(mk, 150, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 7);
	vy_dev_mk_close(mk);
}

/* Once mode: a slot of a tenant without a mask stays published. */
VY_TEST(megakernel_once_tenant_mask)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_mk *mk;
	struct vy_snapshot s;
	struct vy_err e;
	uint32_t w[16] = { 0 };
	int err;

	p.slots = 4;
	p.tenant_count = 1;
	err = vy_dev_mk_open(&mk, &p, &e);
	if (err == VY_E_NO_DEVICE)
		VY_SKIP("no OpenCL device");
	VY_CHECK(err == 0);
	VY_CHECK(vy_dev_mk_start(mk, &e) == 0);
	w[1] = VY_OP_NOP;
	w[2] = 1;		/* tenant 1: mask word 4 is 0 */
	VY_CHECK(vy_dev_mk_stage(mk, 0, w, 1, &e) == 0);
	w[2] = 0;
	VY_CHECK(vy_dev_mk_stage(mk, 1, w, 2, &e) == 0);
	VY_CHECK(vy_dev_mk_dispatch(mk, vy_now_ns() + 10000000000ull, &e) == 0);
	VY_CHECK_EQ_U64(vy_dev_mk_poll(mk, NULL, 0, &e), 1);
	VY_CHECK_EQ_U64(vy_dev_mk_inflight(mk), 1);
	VY_CHECK(vy_dev_mk_snapshot(mk, &s, &e) == 0);
	VY_CHECK_EQ_U64(vy_word(s.buf[VY_BUF_RING].data, 0), VY_STATUS_PUBLISHED);
	VY_CHECK_EQ_U64(vy_word(s.buf[VY_BUF_RING].data, 16), VY_STATUS_DONE);
	VY_CHECK_EQ_U64(vy_word(s.buf[VY_BUF_CONTROL].data, VY_CTL_DONE_COUNT), 1);
	vy_dev_mk_close(mk);
}

/*
 * The shared transport is refused on a device with its own memory (an
 * NVIDIA GPU), before any buffer is made: a persistent kernel there never
 * sees the host's stores and would wait out the host's timeout.
 */
VY_TEST(transport_shared_needs_unified_memory)
{
	struct vy_dev_transport t;
	struct vy_dev_cl cl;
	struct vy_err e;
	size_t lens[VY_TB_COUNT] = { 4096, 512, 64, 64, 0 };

	memset(&cl, 0, sizeof(cl));
	strcpy(cl.info.name, "a discrete GPU");
	VY_CHECK_EQ_U64(vy_dev_transport_init(&t, &cl, VY_TRANSPORT_SHARED,
					      lens, 0, &e),
			VY_E_UNSUPPORTED);
	VY_CHECK(strstr(e.msg, "'a discrete GPU' has its own memory") != NULL);
	VY_CHECK(vy_dev_transport_choose(&cl.info) == VY_TRANSPORT_COPY);
}

/*
 * Open the default device into @cl: 1, or 0 after recording a skip (no
 * device) or a failure.
 */
static int open_cl(struct vy_dev_cl *cl)
{
	struct vy_err e;
	int err;

	memset(cl, 0, sizeof(*cl));
	err = vy_dev_cl_open(cl, NULL, &e);
	if (err == VY_E_NO_DEVICE) {
		vy_test_skip("no OpenCL device");
		return 0;
	}
	if (err)
		vy_test_fail(__FILE__, __LINE__, "%s", e.msg);
	return !err;
}

/*
 * The queue profiles only when a caller asks (vy_dev_cl_profile): on
 * NVIDIA's driver a profiling queue tripled the host's cost per command
 * (a relaunch round trip on the H200 went from 17.7 to 30.5 us).
 */
VY_TEST(cl_queue_profiles_only_when_asked)
{
	struct vy_dev_cl cl;
	struct vy_err e;
	cl_command_queue_properties pr = 0;

	if (!open_cl(&cl))
		return;
	VY_CHECK(clGetCommandQueueInfo(cl.q, CL_QUEUE_PROPERTIES, sizeof(pr),
				       &pr, NULL) == CL_SUCCESS);
	VY_CHECK_EQ_U64(pr & CL_QUEUE_PROFILING_ENABLE, 0);
	VY_CHECK_EQ_U64(vy_dev_cl_profile(&cl, &e), 0);
	VY_CHECK(clGetCommandQueueInfo(cl.q, CL_QUEUE_PROPERTIES, sizeof(pr),
				       &pr, NULL) == CL_SUCCESS);
	VY_CHECK(pr & CL_QUEUE_PROFILING_ENABLE);
	vy_dev_cl_close(&cl);
}

/*
 * Copy transport: once small writes are pageable, a row write and a word
 * write are sourced from the pageable copies taken when they are queued,
 * so the device gets those bytes whatever later happens to the pinned
 * image; large row writes still go from the pinned image; a shared
 * transport has nothing to copy.
 */
VY_TEST(transport_small_writes_from_pageable_copies)
{
	struct vy_dev_transport t;
	struct vy_dev_cl cl;
	struct vy_err e;
	size_t lens[VY_TB_COUNT] = { 4096, 16 * VY_SLOT_BYTES, 64, 64, 0 };
	uint8_t *row, want[VY_SLOT_BYTES];
	int err;

	if (!open_cl(&cl))
		return;
	VY_CHECK_EQ_U64(vy_dev_transport_init(&t, &cl, VY_TRANSPORT_COPY, lens,
					      0, &e), 0);
	VY_CHECK(t.pg_rows == NULL);
	VY_CHECK_EQ_U64(vy_dev_transport_small_pageable(&t, &e), 0);
	VY_CHECK(t.pg_rows != NULL && t.pg_wsrc != NULL);
	row = t.b[VY_TB_RING].host + 3 * VY_SLOT_BYTES;
	for (uint32_t i = 0; i < VY_SLOT_BYTES; i++)
		row[i] = want[i] = (uint8_t)(i * 7 + 1);
	t.running = 1;	/* the publishing queue, as with a kernel running */
	VY_CHECK_EQ_U64(vy_dev_transport_publish_rows(&t, 3, 1, &e), 0);
	VY_CHECK(memcmp(t.pg_rows + 3 * VY_SLOT_BYTES, want, VY_SLOT_BYTES) == 0);
	VY_CHECK_EQ_U64(vy_dev_transport_publish_head(&t, 142, 77, &e), 0);
	/* the pinned image changes before the writes ran: no matter */
	memset(row, 0xEE, VY_SLOT_BYTES);
	VY_CHECK(clFinish(cl.q2) == CL_SUCCESS);
	t.running = 0;
	VY_CHECK_EQ_U64(vy_dev_transport_pull(&t, VY_TB_RING, 3 * VY_SLOT_BYTES,
					      VY_SLOT_BYTES, &e), 0);
	VY_CHECK(memcmp(row, want, VY_SLOT_BYTES) == 0);
	VY_CHECK_EQ_U64(vy_dev_transport_pull(&t, VY_TB_CONTROL, 142 * 4, 4, &e),
			0);
	VY_CHECK_EQ_U64(vy_word(t.b[VY_TB_CONTROL].host, 142), 77);
	vy_dev_transport_free(&t);
	/* shared: the device reads the images themselves */
	err = vy_dev_transport_init(&t, &cl, VY_TRANSPORT_SHARED, lens, 0, &e);
	if (!err) {
		VY_CHECK_EQ_U64(vy_dev_transport_small_pageable(&t, &e), 0);
		VY_CHECK(t.pg_rows == NULL);
		vy_dev_transport_free(&t);
	}
	vy_dev_cl_close(&cl);
}
