/* SPDX-License-Identifier: MIT */
/*
 * vk_kernel.c - kind "kernel": run a case on a real OpenCL device through
 * the megakernel session (../shared/vectors/README.md section 4).
 *
 * The device is the default one (vy_dev_cl_open), or VYRE_DEVICE when set;
 * VYRE_TRANSPORT (shared, copy) forces a transport.
 * Every case runs in its own mode; a "once" case also runs persistent when
 * it allows (no pre-armed shutdown, every slot ends Done or Fault, no IO),
 * with word 0 = 1 added to the expected control (the runner's stop).
 * Mismatches of that second run are reported under "persistent.".
 * A persistent run whose slots go to indices 0, 1, ... in order uses the
 * ticket claim (vyre(7)); its words 142 and 143 are checked to count
 * every published slot, and word 144 (RETIRED) with word 141's change
 * to count them too, and word 145 (DONE_TAIL) to stand at most there,
 * with only DONE slots below it, instead of being compared with the case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/megakernel.h"
#include "report/launch.h"
#include "wire/protocol.h"
#include "wire/util.h"
#include "vectors.h"

#define VK_BATCH_TIMEOUT_NS (10ull * 1000000000ull)

struct vk_io {
	const json_t *responses;	/* {"id": "ok"|"error"} */
	json_t *requests;		/* claimed requests */
};

static int vk_io_handler(struct vy_mk *mk, const struct vy_dev_mk_io_req *req,
			 void *arg, struct vy_err *e)
{
	struct vk_io *io = arg;
	char key[16];
	const char *ans;
	json_t *r = json_array();

	json_array_append_new(r, json_integer(req->op_type));
	json_array_append_new(r, json_integer(req->src));
	json_array_append_new(r, json_integer(req->dst));
	json_array_append_new(r, vv_u64(req->offset));
	json_array_append_new(r, json_integer(req->byte_count));
	json_array_append_new(r, json_integer(req->tag));
	json_array_append_new(io->requests, r);
	snprintf(key, sizeof(key), "%u", req->src);
	ans = json_string_value(json_object_get(io->responses, key));
	return ans && !strcmp(ans, "ok") ? 0 : 1;
}

/* Build the 16-word image of one slot object. */
static int vk_slot_words(const json_t *so, uint32_t w[16], struct vy_err *e)
{
	const json_t *op = json_object_get(so, "opcode");
	const json_t *packed = json_object_get(so, "packed");
	const json_t *args = json_object_get(so, "args");
	uint32_t v;

	memset(w, 0, 16 * sizeof(uint32_t));
	if (vv_member_u32(so, "tenant", 0, &w[2]))
		return vy_errf(e, VY_E_FORMAT, NULL, "bad tenant");
	if (packed) {
		struct vy_packed_op ops[256];
		uint32_t argv[256][12];
		size_t n = json_array_size(packed);

		if (n > 256)
			return vy_errf(e, VY_E_FORMAT, NULL, "too many ops");
		for (size_t i = 0; i < n; i++) {
			const json_t *p = json_array_get(packed, i);
			const json_t *pa = json_array_get(p, 1);
			size_t na = json_array_size(pa);

			if (vv_get_u64(json_array_get(p, 0), &(uint64_t){ 0 }))
				return vy_errf(e, VY_E_FORMAT, NULL, "bad op");
			ops[i].opcode = (uint8_t)json_integer_value(
				json_array_get(p, 0));
			if (na > 12)
				na = 12;
			for (size_t k = 0; k < na; k++)
				argv[i][k] = (uint32_t)json_integer_value(
					json_array_get(pa, k));
			ops[i].args.v = argv[i];
			ops[i].args.n = json_array_size(pa);
		}
		w[1] = VY_OP_PACKED_SLOT;
		w[3] = VY_PRIO_NORMAL;
		return vy_packed_encode(ops, n, &w[4], e);
	}
	if (json_is_string(op)) {
		if (vy_opcode_parse(json_string_value(op), &w[1]))
			return vy_errf(e, VY_E_FORMAT, NULL, "unknown opcode %s",
				       json_string_value(op));
	} else if (vv_member_u32(so, "opcode", 0, &w[1])) {
		return vy_errf(e, VY_E_FORMAT, NULL, "bad opcode");
	}
	if (vv_member_u32(so, "priority", 0, &w[3]))
		return vy_errf(e, VY_E_FORMAT, NULL, "bad priority");
	for (size_t k = 0; k < json_array_size(args) && k < 12; k++) {
		uint64_t a;

		if (vv_get_u64(json_array_get(args, k), &a) || a > UINT32_MAX)
			return vy_errf(e, VY_E_FORMAT, NULL, "bad arg");
		v = (uint32_t)a;
		w[4 + k] = v;
	}
	return 0;
}

struct vk_result {
	uint8_t *bufs[VY_BUF_COUNT];
	size_t lens[VY_BUF_COUNT];
	json_t *requests;
	int ticket;		/* the run used the ticket claim */
	uint64_t published;	/* slots it published */
	uint32_t fault0, retired0;	/* words 141 and 144 at the start */
};

static void vk_result_free(struct vk_result *r)
{
	for (int i = 0; i < VY_BUF_COUNT; i++)
		free(r->bufs[i]);
	json_decref(r->requests);
	memset(r, 0, sizeof(*r));
}

/* Wait until nothing the host published is in flight. */
static int vk_drain(struct vy_mk *mk, struct vy_err *e)
{
	uint64_t end = vy_now_ns() + VK_BATCH_TIMEOUT_NS;
	int n;

	while (vy_dev_mk_inflight(mk)) {
		n = vy_dev_mk_poll(mk, NULL, 0, e);
		if (n < 0)
			return n;
		if (vy_now_ns() > end)
			return vy_errf(e, VY_E_TIMEOUT, NULL,
				       "batch did not finish in 10 s");
	}
	return 0;
}

/*
 * Do the case's slots go to indices 0, 1, 2, ... in order (no "index" of
 * their own)?  Then a persistent run uses the ticket claim, which takes
 * slots only in ring order; otherwise the scanning claim.
 */
static int vk_in_order(const json_t *in)
{
	const json_t *batches = json_object_get(in, "batches");
	size_t nb = batches ? json_array_size(batches) : 1;

	for (size_t b = 0; b < nb; b++) {
		const json_t *slots = batches ? json_array_get(batches, b) :
						json_object_get(in, "slots");

		for (size_t i = 0; i < json_array_size(slots); i++)
			if (json_object_get(json_array_get(slots, i), "index"))
				return 0;
	}
	return 1;
}

static int vk_run(const json_t *in, int persistent, struct vk_result *res,
		  struct vy_err *e)
{
	struct vy_dev_mk_params cfg = { 0 };
	struct vy_mk *mk = NULL;
	struct vk_io io;
	struct vy_snapshot snap;
	const json_t *batches = json_object_get(in, "batches");
	const json_t *single = json_object_get(in, "slots");
	const json_t *data = json_object_get(in, "data");
	const json_t *init = json_object_get(in, "control_init");
	uint8_t *ctl;
	size_t ctl_len, k = 0, nb;
	int err;

	memset(res, 0, sizeof(*res));
	cfg.device = getenv("VYRE_DEVICE");
	if (getenv("VYRE_TRANSPORT") &&
	    vy_dev_transport_parse(getenv("VYRE_TRANSPORT"), &cfg.transport, e))
		return err = VY_E_INVAL;
	cfg.persistent = persistent;
	cfg.scan_claim = !vk_in_order(in);
	res->ticket = persistent && !cfg.scan_claim;
	if (vv_member_u32(in, "tenant_count", 1, &cfg.tenant_count) ||
	    vv_member_u32(in, "observable_slots", 0, &cfg.observable_slots) ||
	    vv_member_u32(in, "slot_count", 1, &cfg.slots))
		return vy_errf(e, VY_E_FORMAT, NULL, "bad case input");
	cfg.data_words = (uint32_t)json_array_size(data);
	err = vy_dev_mk_open(&mk, &cfg, e);
	if (err)
		return err;
	/* the geometry vyre-launch runs: many lanes, so claims race */
	err = vy_rep_launch_setup(mk, 0, 0, NULL, NULL, e);
	if (err) {
		vy_dev_mk_close(mk);
		return err;
	}
	io.responses = json_object_get(in, "io_responses");
	io.requests = json_array();
	res->requests = io.requests;
	vy_dev_mk_set_io_handler(mk, vk_io_handler, &io);
	ctl = vy_dev_mk_image(mk, VY_TB_CONTROL, &ctl_len);
	for (size_t i = 0; i < json_array_size(init); i++) {
		uint32_t w = (uint32_t)json_integer_value(
			json_array_get(json_array_get(init, i), 0));
		uint64_t v;

		vv_get_u64(json_array_get(json_array_get(init, i), 1), &v);
		if ((size_t)w * 4 + 4 <= ctl_len)
			vy_set_word(ctl, w, (uint32_t)v);
	}
	res->fault0 = vy_word(ctl, VY_CTL_FAULT_COUNT);
	res->retired0 = vy_word(ctl, VY_CTL_RETIRED);
	if (cfg.data_words) {
		uint8_t *d = vy_dev_mk_image(mk, VY_TB_DATA, NULL);

		for (size_t i = 0; i < cfg.data_words; i++) {
			uint64_t v = 0;

			vv_get_u64(json_array_get(data, i), &v);
			vy_set_word(d, i, (uint32_t)v);
		}
	}
	err = vy_dev_mk_start(mk, e);
	if (err)
		goto out;
	nb = batches ? json_array_size(batches) : 1;
	for (size_t b = 0; b < nb; b++) {
		const json_t *slots = batches ? json_array_get(batches, b) :
						single;

		for (size_t i = 0; i < json_array_size(slots); i++, k++) {
			const json_t *so = json_array_get(slots, i);
			uint32_t w[16], idx = (uint32_t)k;

			if (vv_member_u32(so, "index", (uint32_t)k, &idx)) {
				err = vy_errf(e, VY_E_FORMAT, NULL, "bad index");
				goto out;
			}
			err = vk_slot_words(so, w, e);
			if (!err)
				err = vy_dev_mk_stage(mk, idx, w, k, e);
			if (err)
				goto out;
		}
		if (persistent) {
			err = vy_dev_mk_flush(mk, e);
			if (!err)
				err = vk_drain(mk, e);
		} else {
			err = vy_dev_mk_dispatch(mk, vy_now_ns() +
							 VK_BATCH_TIMEOUT_NS,
					     e);
			if (!err)
				err = vy_dev_mk_poll(mk, NULL, 0, e);
			if (err > 0)
				err = 0;
		}
		if (err)
			goto out;
	}
	res->published = k;
	if (persistent) {
		err = vy_dev_mk_stop(mk, 5000000000ull, e);
		if (err)
			goto out;
	}
	err = vy_dev_mk_snapshot(mk, &snap, e);
	if (err)
		goto out;
	for (int i = 0; i < VY_BUF_COUNT; i++) {
		res->lens[i] = snap.buf[i].len;
		res->bufs[i] = malloc(snap.buf[i].len ? snap.buf[i].len : 1);
		if (!res->bufs[i]) {
			err = vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
			goto out;
		}
		memcpy(res->bufs[i], snap.buf[i].data, snap.buf[i].len);
	}
out:
	vy_dev_mk_close(mk);
	return err;
}

/* Is every element of @a (a multiset) matched in @b?  Equal sizes: same. */
static int vk_submultiset(const json_t *a, const json_t *b)
{
	size_t nb = json_array_size(b);
	char *used = calloc(nb ? nb : 1, 1);
	int ok = 1;

	for (size_t i = 0; i < json_array_size(a) && ok; i++) {
		size_t j;

		for (j = 0; j < nb; j++)
			if (!used[j] &&
			    json_equal(json_array_get(a, i), json_array_get(b, j)))
				break;
		if (j == nb)
			ok = 0;
		else
			used[j] = 1;
	}
	free(used);
	return ok;
}

/* Initial control image of the case: encode_control + control_init. */
static int vk_initial_control(const json_t *in, uint8_t **out, size_t *len,
			      struct vy_err *e)
{
	uint32_t tc, obs;
	const json_t *init = json_object_get(in, "control_init");
	int err;

	vv_member_u32(in, "tenant_count", 1, &tc);
	vv_member_u32(in, "observable_slots", 0, &obs);
	err = vy_encode_control(false, tc, obs, out, len, e);
	if (err)
		return err;
	for (size_t i = 0; i < json_array_size(init); i++) {
		uint32_t w = (uint32_t)json_integer_value(
			json_array_get(json_array_get(init, i), 0));
		uint64_t v = 0;

		vv_get_u64(json_array_get(json_array_get(init, i), 1), &v);
		if ((size_t)w * 4 + 4 <= *len)
			vy_set_word(*out, w, (uint32_t)v);
	}
	return 0;
}

/* The "got" document for @exp from a run's buffers. */
static json_t *vk_got(const json_t *in, const json_t *exp,
		      const struct vk_result *r, struct vy_err *e)
{
	json_t *got = json_object(), *st = json_array(), *ctl = json_array();
	const uint8_t *c = r->bufs[VY_BUF_CONTROL];
	const uint8_t *ring = r->bufs[VY_BUF_RING];
	const uint8_t *dbg = r->bufs[VY_BUF_DEBUG_LOG];
	const uint8_t *io = r->bufs[VY_BUF_IO_QUEUE];
	size_t cw = r->lens[VY_BUF_CONTROL] / 4, ilen;
	uint8_t *init = NULL;
	const json_t *expc = json_object_get(exp, "control");
	uint32_t cursor, stored, cap_words, nslots;
	json_t *recs = json_array();
	char tmp[32];
	int io_idle = 1;

	if (vk_initial_control(in, &init, &ilen, e)) {
		json_decref(got);
		return NULL;
	}
	nslots = (uint32_t)(r->lens[VY_BUF_RING] / 64);
	for (uint32_t s = 0; s < nslots; s++)
		json_array_append_new(
			st, json_string(vv_status_name(vy_word(ring, s * 16),
						       tmp, sizeof(tmp))));
	json_object_set_new(got, "slot_status", st);
	for (size_t w = 0; w < cw; w++) {
		int listed = w == VY_CTL_DONE_COUNT;

		for (size_t i = 0; i < json_array_size(expc) && !listed; i++)
			listed = (size_t)json_integer_value(json_array_get(
					 json_array_get(expc, i), 0)) == w;
		if (w == VY_CTL_FAULT_COUNT && !listed)
			continue;
		/* the ticket claim's own counters: vk_check_ticket */
		if ((w == VY_CTL_PUBLISH_HEAD || w == VY_CTL_CLAIM_TAIL ||
		     w == VY_CTL_RETIRED || w == VY_CTL_DONE_TAIL) &&
		    r->ticket && !listed)
			continue;
		if (!listed && (w * 4 + 4 > ilen ||
				vy_word(init, w) == vy_word(c, w)))
			continue;
		json_array_append_new(ctl,
				      json_pack("[I,I]", (json_int_t)w,
						(json_int_t)vy_word(c, w)));
	}
	free(init);
	json_object_set_new(got, "control", ctl);
	json_object_set_new(got, "fault_count",
			    json_integer(vy_word(c, VY_CTL_FAULT_COUNT)));
	cursor = vy_word(dbg, 0);
	json_object_set_new(got, "debug_cursor", json_integer(cursor));
	cap_words = (uint32_t)(r->lens[VY_BUF_DEBUG_LOG] / 4 - 1);
	stored = (cursor < cap_words ? cursor : cap_words) / 4;
	json_object_set_new(got, "debug_dropped",
			    json_integer(cursor / 4 - stored));
	for (uint32_t i = 0; i < stored; i++)
		json_array_append_new(
			recs, json_pack("[I,I,I,I]",
					(json_int_t)vy_word(dbg, 1 + 4 * i),
					(json_int_t)vy_word(dbg, 2 + 4 * i),
					(json_int_t)vy_word(dbg, 3 + 4 * i),
					(json_int_t)vy_word(dbg, 4 + 4 * i)));
	if (json_object_get(exp, "debug_records_subset")) {
		const json_t *er = json_object_get(exp, "debug_records");

		json_object_set_new(got, "debug_record_count",
				    json_integer(stored));
		json_object_set_new(got, "debug_records_subset",
				    json_true());
		json_object_set(got, "debug_records",
				vk_submultiset(recs, er) ? (json_t *)er : recs);
	} else if (json_object_get(exp, "debug_records_unordered")) {
		const json_t *er = json_object_get(exp, "debug_records");

		json_object_set_new(got, "debug_records_unordered",
				    json_true());
		json_object_set(got, "debug_records",
				json_array_size(er) == json_array_size(recs) &&
						vk_submultiset(recs, er) ?
					(json_t *)er :
					recs);
	} else {
		json_object_set(got, "debug_records", recs);
	}
	json_decref(recs);
	for (size_t s = 0; s < r->lens[VY_BUF_IO_QUEUE] / 32; s++)
		if (vy_word(io, s * 8 + VY_IO_STATUS_WORD) != VY_IO_STATUS_EMPTY)
			io_idle = 0;
	json_object_set_new(got, "io_idle", json_boolean(io_idle));
	{
		const json_t *er = json_object_get(exp, "io_requests");

		json_object_set(got, "io_requests",
				er && json_array_size(er) ==
						json_array_size(r->requests) &&
						vk_submultiset(r->requests, er) ?
					(json_t *)er :
					r->requests);
	}
	return got;
}

/* May this once case also run persistent?  Sets *pexp to its expectation. */
static int vk_persistent_variant(const json_t *in, const json_t *exp,
				 json_t **pexp)
{
	const json_t *st = json_object_get(exp, "slot_status");
	const json_t *init = json_object_get(in, "control_init");
	json_t *ctl, *nctl;
	int has0 = 0;

	if (json_object_get(in, "io_responses"))
		return 0;
	for (size_t i = 0; i < json_array_size(st); i++) {
		const char *s = json_string_value(json_array_get(st, i));

		if (!s || (strcmp(s, "Done") && strcmp(s, "Fault")))
			return 0;
	}
	for (size_t i = 0; i < json_array_size(init); i++)
		if (json_integer_value(json_array_get(json_array_get(init, i),
						      0)) == 0)
			return 0;
	*pexp = json_deep_copy(exp);
	ctl = json_object_get(*pexp, "control");
	nctl = json_array();
	for (size_t i = 0; i < json_array_size(ctl); i++)
		if (json_integer_value(json_array_get(json_array_get(ctl, i),
						      0)) == 0)
			has0 = 1;
	if (!has0)
		json_array_append_new(nctl, json_pack("[i,i]", 0, 1));
	json_array_extend(nctl, ctl);
	json_object_set_new(*pexp, "control", nctl);
	return 1;
}

/*
 * A ticket-claim run: PUBLISH_HEAD and CLAIM_TAIL (not in the cases, which
 * describe the 0.6.1 wire) must both count every slot published, and
 * RETIRED the ones that ended DONE: all but the run's faults, since a
 * persistent case ends every slot DONE or FAULT.
 */
static void vk_check_ticket(struct vv_case *c, const char *field,
			    const struct vk_result *r)
{
	const uint8_t *ctl = r->bufs[VY_BUF_CONTROL];
	char want[80], got[96];

	if (!r->ticket)
		return;
	uint32_t faults = vy_word(ctl, VY_CTL_FAULT_COUNT) - r->fault0;
	uint32_t retired = vy_word(ctl, VY_CTL_RETIRED) - r->retired0;
	uint32_t dtail = vy_word(ctl, VY_CTL_DONE_TAIL);
	const uint8_t *ring = r->bufs[VY_BUF_RING];
	uint64_t nslots = r->lens[VY_BUF_RING] / 64;
	int below_done = dtail <= r->published;

	/* the last lap of the tickets below DONE_TAIL: each slot DONE */
	for (uint64_t q = r->published > nslots ? r->published - nslots : 0;
	     below_done && q < dtail; q++)
		below_done = vy_word(ring, (size_t)(q % nslots) * 16) ==
			     VY_STATUS_DONE;
	if (!below_done) {
		snprintf(want, sizeof(want),
			 "word 145 at most %llu, only DONE slots below it",
			 (unsigned long long)r->published);
		snprintf(got, sizeof(got), "%u", dtail);
		vv_mismatch(c, field, want, got);
	}
	if (vy_word(ctl, VY_CTL_PUBLISH_HEAD) == r->published &&
	    vy_word(ctl, VY_CTL_CLAIM_TAIL) == r->published &&
	    (uint64_t)retired + faults == r->published)
		return;
	snprintf(want, sizeof(want), "%llu, %llu, %llu",
		 (unsigned long long)r->published,
		 (unsigned long long)r->published,
		 (unsigned long long)r->published);
	snprintf(got, sizeof(got), "%u, %u, %u retired + %u faults",
		 vy_word(ctl, VY_CTL_PUBLISH_HEAD),
		 vy_word(ctl, VY_CTL_CLAIM_TAIL), retired, faults);
	vv_mismatch(c, field, want, got);
}

static int run_kernel(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const char *mode = json_string_value(json_object_get(c->input, "mode"));
	int persistent = mode && !strcmp(mode, "persistent");
	struct vk_result r;
	json_t *g, *pexp = NULL;
	int err;

	err = vk_run(c->input, persistent, &r, e);
	if (err == VY_E_NO_DEVICE) {
		c->skip_reason = "no OpenCL device";
		vk_result_free(&r);
		return VV_SKIP;
	}
	if (err) {
		vk_result_free(&r);
		vv_mismatch(c, persistent ? "persistent.run" : "once.run",
			    "a run", e->msg);
		*got = NULL;
		return 0;
	}
	g = vk_got(c->input, c->expected, &r, e);
	vk_check_ticket(c, "persistent.ticket_words", &r);
	vk_result_free(&r);
	if (!g)
		return e->code;
	vv_compare(c, persistent ? "persistent" : "once", c->expected, g);
	json_decref(g);
	if (!persistent && vk_persistent_variant(c->input, c->expected, &pexp)) {
		err = vk_run(c->input, 1, &r, e);
		if (err) {
			vv_mismatch(c, "persistent.run", "a run", e->msg);
		} else {
			g = vk_got(c->input, pexp, &r, e);
			vk_check_ticket(c, "persistent.ticket_words", &r);
			if (g)
				vv_compare(c, "persistent", pexp, g);
			json_decref(g);
		}
		vk_result_free(&r);
		json_decref(pexp);
	}
	*got = NULL;
	return 0;
}

VV_KIND("kernel", run_kernel)
