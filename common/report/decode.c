/* SPDX-License-Identifier: MIT */
/*
 * telemetry_report.c - one decoded snapshot as vyre-decode reports it:
 * building the report and writing it as JSON, JSON lines, a table, CSV,
 * Prometheus text or annotated hex.
 */
#include "report/decode.h"
#include "report/evidence.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/emit.h"
#include "wire/util.h"

void vy_rep_decode_init(struct vy_rep_decode *r)
{
	memset(r, 0, sizeof(*r));
	r->device = "";
	vy_tel_init(&r->tel);
	vy_tel_scratch_init(&r->scratch);
	vy_tel_sketch_telemetry_init(&r->sketch);
	vy_tel_diag_init(&r->diag);
}

void vy_rep_decode_free(struct vy_rep_decode *r)
{
	vy_tel_free(&r->tel);
	vy_tel_scratch_free(&r->scratch);
	vy_tel_sketch_telemetry_free(&r->sketch);
	vy_tel_diag_free(&r->diag);
	free(r->tenant_rows);
	free(r->idx);
	vy_rep_decode_init(r);
}

/*
 * Make @e's message start with the file offset: "offset N: ..." inside
 * buffer @b becomes "offset base+N: ..."; a message without an offset
 * gets "offset base: WHAT: " in front.
 */
static int rebase_err(struct vy_rep_decode *r, struct vy_err *e, int code,
		      int b, const char *what)
{
	char tmp[VY_ERR_MSG_MAX];
	unsigned long long off;
	int used = 0;

	r->err_buf = b;
	if (!e)
		return code;
	snprintf(tmp, sizeof(tmp), "%s", e->msg);
	if (sscanf(tmp, "offset %llu: %n", &off, &used) == 1 && used > 0)
		snprintf(e->msg, sizeof(e->msg), "offset %llu: %.220s",
			 off + (unsigned long long)r->base[b], tmp + used);
	else
		snprintf(e->msg, sizeof(e->msg), "offset %llu: %s: %.200s",
			 (unsigned long long)r->base[b], what, tmp);
	return code;
}

static void count_io(struct vy_rep_decode *r)
{
	uint32_t i;

	r->io_slots = (uint32_t)(r->io_len / VY_IO_SLOT_BYTES);
	memset(r->io_status, 0, sizeof(r->io_status));
	r->io_other = 0;
	for (i = 0; i < r->io_slots; i++) {
		uint32_t st = vy_word(r->io, (size_t)i * VY_IO_SLOT_WORDS +
						     VY_IO_STATUS_WORD);

		if (st <= VY_IO_STATUS_DONE)
			r->io_status[st]++;
		else if (st == VY_IO_STATUS_OK)
			r->io_status[4]++;
		else if (st == VY_IO_STATUS_ERROR)
			r->io_status[5]++;
		else
			r->io_other++;
	}
}

/*
 * --debug-log strict reads the buffers as the seed's readback does
 * (MegakernelReadback::from_outputs): the debug log is exactly 1028
 * bytes, and with all four buffers their lengths pass the whole check.
 */
static int strict_readback(struct vy_rep_decode *r, struct vy_err *e)
{
	uint64_t lens[VY_BUF_COUNT] = { r->control_len, r->ring_len,
					r->debug_len, r->io_len };
	int ret;

	if (r->debug_len != VY_DEBUG_BUFFER_BYTES)
		return rebase_err(r, e, vy_errf(e,
			VY_E_READBACK_DEBUG_LOG_SIZE,
			"use --debug-log lenient to read it anyway",
			"%zu bytes, a readback debug log has exactly %u (strict)",
			r->debug_len, VY_DEBUG_BUFFER_BYTES),
			VY_BUF_DEBUG_LOG, "debug log");
	if (!r->io)
		return 0;
	ret = vy_validate_readback(lens, VY_BUF_COUNT, r->ring_len / 64, e);
	return ret ? rebase_err(r, e, ret, VY_BUF_IO_QUEUE, "readback") : 0;
}

/*
 * The diagnosis of @r against @prev (its claimed map); with @count it
 * also counts the ring's occupancy (vy_tel_decode did not read the ring).
 */
static int diagnose(struct vy_rep_decode *r, const struct vy_rep_decode *prev,
		    bool count, struct vy_err *e)
{
	struct vy_tel_diag_input in;

	memset(&in, 0, sizeof(in));
	in.control = r->control;
	in.control_len = r->control_len;
	in.ring = r->ring;
	in.ring_len = r->ring_len;
	in.run = r->has_meta ? &r->run : NULL;
	in.has_prev = prev != NULL;
	if (prev) {
		/* as vy_tel_health will say: a reset is a new epoch */
		in.prev_done_count = prev->tel.control.done_count;
		in.counter_reset = r->tel.control.done_count <
				   in.prev_done_count;
	}
	if (prev && prev->diag.n_claimed_map) {
		in.prev_claimed = prev->diag.claimed_map;
		in.prev_slots = prev->diag.n_claimed_map;
	}
	in.debug_dropped = r->has_debug ? r->dbg.dropped : 0;
	in.occ = count ? NULL : &r->tel.occupancy;
	return vy_tel_diagnose(&in, &r->diag, e);
}

int vy_rep_decode_build(struct vy_rep_decode *r,
			const struct vy_rep_decode_opts *o,
			const struct vy_rep_decode *prev, struct vy_err *e)
{
	unsigned flags = 0;
	bool summary;
	size_t need;
	uint64_t t0;
	int ret;

	r->opts = o;
	r->has_health = false;
	r->counter_reset = false;
	r->has_debug = false;
	r->has_io = false;
	r->has_sketch = false;
	if (o->slots == VY_TEL_SLOTS_NONE && !o->have_opcode &&
	    !o->sketch_depth)
		flags |= VY_TEL_NO_SLOTS;
	ret = vy_tel_control_validate(r->control_len, e);
	if (ret)
		return rebase_err(r, e, ret, VY_BUF_CONTROL, "control");
	ret = vy_tel_ring_validate(r->ring_len, e);
	if (ret)
		return rebase_err(r, e, ret, VY_BUF_RING, "ring");
	t0 = vy_now_ns();
	/*
	 * The summary needs no slot rows and no windows: then the diagnosis
	 * pass counts the occupancy too, and the ring is read once.
	 */
	summary = (flags & VY_TEL_NO_SLOTS) && !o->n_window_opcodes;
	ret = vy_tel_decode(&r->tel, &r->scratch, r->control,
				  r->control_len, summary ? NULL : r->ring,
				  summary ? 0 : r->ring_len,
				  o->window_opcodes, o->n_window_opcodes, flags,
				  e);
	if (ret)
		return rebase_err(r, e, ret, VY_BUF_RING, "ring");
	if (r->debug && o->debug_mode == VY_READ_STRICT) {
		ret = strict_readback(r, e);
		if (ret)
			return ret;
	}
	if (r->debug) {
		ret = vy_debug_log_parse(r->debug, r->debug_len, o->debug_mode,
					 &r->dbg, e);
		if (ret)
			return rebase_err(r, e, ret, VY_BUF_DEBUG_LOG,
					  "debug log");
		r->has_debug = true;
	}
	ret = diagnose(r, prev, summary, e);
	if (ret)
		return ret;
	if (summary) {
		r->tel.occupancy = r->diag.occ;
		r->tel.ring_slot_count = r->ring_len / VY_SLOT_BYTES;
	}
	/* the whole decode: on the summary path the diagnosis read the ring */
	r->decode_ns = vy_now_ns() - t0;
	vy_tel_runtime_counters_fill(&r->tel, &r->counters);
	need = (r->tel.n_slots > r->tel.n_windows ? r->tel.n_slots :
						      r->tel.n_windows) + 1;
	if (need > r->idx_cap) {
		size_t *p = realloc(r->idx, need * sizeof(*p));

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		r->idx = p;
		r->idx_cap = need;
	}
	if (prev) {
		r->has_health = true;
		r->prev_index = prev->index;
		r->prev_source = prev->source ? prev->source : "";
		r->prev_done_count = prev->tel.control.done_count;
		if (vy_tel_health(&r->tel, r->prev_done_count, &r->health,
					NULL)) {
			/* A reset is a new epoch, not a failure. */
			r->counter_reset = true;
			vy_tel_health(&r->tel, r->tel.control.done_count,
					    &r->health, NULL);
			r->health.suspected_stall = false;
		}
	}
	if (r->io) {
		ret = vy_validate_io_queue(r->io_len, e);
		if (ret)
			return rebase_err(r, e, ret, VY_BUF_IO_QUEUE,
					  "io queue");
		r->has_io = true;
		count_io(r);
	}
	if (o->tenants) {
		free(r->tenant_rows);
		r->tenant_rows = NULL;
		ret = vy_tel_tenant_summary(r->control, r->control_len,
					    r->ring, r->ring_len,
					    &r->tenant_rows, &r->n_tenant_rows,
					    e);
		if (ret)
			return ret;
	}
	if (o->sketch_depth) {
		ret = vy_tel_sketch(&r->tel, o->sketch_depth,
					  o->sketch_width, &r->sketch, e);
		if (ret)
			return ret;
		r->has_sketch = true;
	}
	return 0;
}

bool vy_rep_decode_anomalous(const struct vy_rep_decode *r)
{
	return r->diag.worst_error;
}

static bool slot_selected(const struct vy_rep_decode *r,
			  const struct vy_tel_ring_slot *s)
{
	switch (r->opts->slots) {
	case VY_TEL_SLOTS_ALL:
		return true;
	case VY_TEL_SLOTS_ACTIVE:
		return vy_slot_status_is_active(s->status);
	case VY_TEL_SLOTS_FAULTED:
		return s->status == VY_STATUS_FAULT;
	case VY_TEL_SLOTS_TENANT:
		return s->status != VY_STATUS_EMPTY &&
		       s->tenant_id == r->opts->slot_tenant;
	default:
		return false;
	}
}

/* What the "slots" line says was selected. */
static void slots_what(const struct vy_rep_decode *r, char *buf, size_t len)
{
	switch (r->opts->slots) {
	case VY_TEL_SLOTS_ALL:
		snprintf(buf, len, "(all)");
		break;
	case VY_TEL_SLOTS_FAULTED:
		snprintf(buf, len, "(faulted)");
		break;
	case VY_TEL_SLOTS_TENANT:
		snprintf(buf, len, "(tenant %" PRIu32 ")",
			 r->opts->slot_tenant);
		break;
	default:
		/* Faulted slots are not active: say they were left out. */
		if (r->tel.occupancy.fault)
			snprintf(buf, len, "(active; %" PRIu32 " faulted not "
				 "shown: --slots faulted)",
				 r->tel.occupancy.fault);
		else
			snprintf(buf, len, "(active)");
	}
}

/* ---- names ---- */

const char *vy_rep_control_word_name(uint32_t w, char *buf, size_t len)
{
	static const char *const fixed[] = {
		[VY_CTL_SHUTDOWN] = "shutdown",
		[VY_CTL_DONE_COUNT] = "done_count",
		[VY_CTL_TENANT_BASE] = "tenant_base",
	};

	if (w < VY_ARRAY_SIZE(fixed))
		snprintf(buf, len, "%s", fixed[w]);
	else if (w < VY_CTL_TENANT_MASK_DEFAULT + VY_CTL_TENANT_MASK_SLOTS)
		snprintf(buf, len, "tenant_mask[%u]",
			 w - VY_CTL_TENANT_MASK_DEFAULT);
	else if (w < VY_CTL_TENANT_FAIRNESS_BASE)
		snprintf(buf, len, "tenant_quota[%u]",
			 w - VY_CTL_TENANT_QUOTA_BASE);
	else if (w < VY_CTL_METRICS_BASE)
		snprintf(buf, len, "tenant_fairness[%u]",
			 w - VY_CTL_TENANT_FAIRNESS_BASE);
	else if (w < VY_CTL_EPOCH)
		snprintf(buf, len, "metrics[%u]", w - VY_CTL_METRICS_BASE);
	else if (w == VY_CTL_EPOCH)
		snprintf(buf, len, "epoch");
	else if (w < VY_CTL_PRIORITY_STARVATION)
		snprintf(buf, len, "priority_offsets[%u]",
			 w - VY_CTL_PRIORITY_OFFSETS_BASE);
	else if (w == VY_CTL_PRIORITY_STARVATION)
		snprintf(buf, len, "starvation");
	else if (w < VY_CTL_FAULT_COUNT)
		snprintf(buf, len, "priority_fairness[%u]",
			 w - VY_CTL_PRIORITY_FAIRNESS_BASE);
	else if (w == VY_CTL_FAULT_COUNT)
		snprintf(buf, len, "fault_count");
	else if (w < VY_CTL_OBSERVABLE_BASE)
		snprintf(buf, len, "reserved");
	else
		snprintf(buf, len, "observable[%u]",
			 w - VY_CTL_OBSERVABLE_BASE);
	return buf;
}

static const char *const io_status_names[] = {
	"empty", "published", "claimed", "done", "ok", "error",
};

static const char *io_status_name(uint32_t st)
{
	if (st <= VY_IO_STATUS_DONE)
		return io_status_names[st];
	if (st == VY_IO_STATUS_OK)
		return "ok";
	if (st == VY_IO_STATUS_ERROR)
		return "error";
	return "unknown";
}

static const char *io_op_name(uint32_t op)
{
	switch (op) {
	case VY_IO_OP_READ: return "read";
	case VY_IO_OP_WRITE: return "write";
	case VY_IO_OP_FENCE: return "fence";
	default: return "unknown";
	}
}

static void format_time(uint64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&s, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, len, "%" PRIu64, ns);
		return;
	}
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03uZ",
		 (unsigned)(ns / 1000000u % 1000u));
}

/* ---- JSON ---- */

static json_t *u32_array(const uint32_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

json_t *vy_rep_occupancy_json(const struct vy_tel_ring_occupancy *o)
{
	json_t *j = json_object();

	json_object_set_new(j, "empty", json_integer(o->empty));
	json_object_set_new(j, "published", json_integer(o->published));
	json_object_set_new(j, "claimed", json_integer(o->claimed));
	json_object_set_new(j, "done", json_integer(o->done));
	json_object_set_new(j, "wait_io", json_integer(o->wait_io));
	json_object_set_new(j, "yield_count", json_integer(o->yield_count));
	json_object_set_new(j, "requeue", json_integer(o->requeue));
	json_object_set_new(j, "fault", json_integer(o->fault));
	json_object_set_new(j, "unknown", json_integer(o->unknown));
	json_object_set_new(j, "total_slots",
			    json_integer(vy_tel_occupancy_total_slots(o)));
	json_object_set_new(j, "queue_depth",
			    json_integer(vy_tel_occupancy_queue_depth(o)));
	return j;
}

json_t *vy_rep_counters_json(const struct vy_tel_runtime_counters *c)
{
	json_t *j = json_object();

	json_object_set_new(j, "total_slots", json_integer(c->total_slots));
	json_object_set_new(j, "queue_depth", json_integer(c->queue_depth));
	json_object_set_new(j, "gpu_idle_slots",
			    json_integer(c->gpu_idle_slots));
	json_object_set_new(j, "gpu_idle_ppm", json_integer(c->gpu_idle_ppm));
	json_object_set_new(j, "frontier_density_bps",
			    json_integer(c->frontier_density_bps));
	json_object_set_new(j, "occupancy_proxy_bps",
			    json_integer(c->occupancy_proxy_bps));
	json_object_set_new(j, "drained_slots", json_integer(c->drained_slots));
	json_object_set_new(j, "unreclaimed_done_slots",
			    json_integer(c->unreclaimed_done_slots));
	json_object_set_new(j, "tenant_fairness_total",
			    vy_rep_json_u64(c->tenant_fairness_total));
	json_object_set_new(j, "tenant_fairness_skew",
			    json_integer(c->tenant_fairness_skew));
	json_object_set_new(j, "priority_fairness_total",
			    vy_rep_json_u64(c->priority_fairness_total));
	json_object_set_new(j, "requeue_slots", json_integer(c->requeue_slots));
	json_object_set_new(j, "fault_slots", json_integer(c->fault_slots));
	return j;
}

/* The opcode's name, or null for an opcode without one. */
static json_t *opcode_name_json(uint32_t op)
{
	const char *name = vy_opcode_name(op);

	return name ? json_string(name) : json_null();
}

json_t *vy_rep_window_json(const struct vy_tel_window_telemetry *w)
{
	json_t *j = json_object();
	char buf[32];

	json_object_set_new(j, "ticket", json_integer(w->ticket));
	json_object_set_new(j, "tenant_id", json_integer(w->tenant_id));
	json_object_set_new(j, "opcode", json_integer(w->opcode));
	/* window opcodes are given and read in hex (-w 0xf101) */
	snprintf(buf, sizeof(buf), "0x%x", w->opcode);
	json_object_set_new(j, "opcode_hex", json_string(buf));
	json_object_set_new(j, "opcode_name", opcode_name_json(w->opcode));
	json_object_set_new(j, "required_slots",
			    json_integer(w->required_slots));
	json_object_set_new(j, "lookahead_slots",
			    json_integer(w->lookahead_slots));
	json_object_set_new(j, "published", json_integer(w->published));
	json_object_set_new(j, "claimed", json_integer(w->claimed));
	json_object_set_new(j, "done", json_integer(w->done));
	json_object_set_new(j, "wait_io", json_integer(w->wait_io));
	json_object_set_new(j, "yield_count", json_integer(w->yield_count));
	json_object_set_new(j, "requeue", json_integer(w->requeue));
	json_object_set_new(j, "fault", json_integer(w->fault));
	json_object_set_new(j, "is_active",
			    json_boolean(vy_tel_window_telemetry_is_active(w)));
	return j;
}

json_t *vy_rep_control_json(const struct vy_tel_control_snapshot *c)
{
	json_t *m = json_array();
	uint32_t i;

	for (i = 0; i < c->n_metrics; i++)
		json_array_append_new(m, json_pack("[II]",
					(json_int_t)c->metrics[i].index,
					(json_int_t)c->metrics[i].count));
	return json_pack("{s:b, s:I, s:I, s:o, s:o, s:o}",
			 "shutdown", c->shutdown,
			 "done_count", (json_int_t)c->done_count,
			 "epoch", (json_int_t)c->epoch,
			 "metrics", m,
			 "tenant_fairness",
			 u32_array(c->tenant_fairness, VY_CTL_TENANT_FAIRNESS_SLOTS),
			 "priority_fairness",
			 u32_array(c->priority_fairness,
				   VY_CTL_PRIORITY_FAIRNESS_SLOTS));
}

json_t *vy_rep_priority_json(const struct vy_tel *t)
{
	struct vy_tel_priority_accounting pa;

	vy_tel_priority_accounting(t, &pa);
	return json_pack("{s:o, s:o, s:I}",
			 "requeue_count", vy_rep_json_u64(pa.requeue_count),
			 "aged_promotions", vy_rep_json_u64(pa.aged_promotions),
			 "max_priority_age", (json_int_t)pa.max_priority_age);
}

json_t *vy_rep_windows_json(const struct vy_tel *t)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < t->n_windows; i++)
		json_array_append_new(a, vy_rep_window_json(&t->windows[i]));
	return a;
}

json_t *vy_rep_active_windows_json(const struct vy_tel *t, size_t *idx)
{
	json_t *a = json_array();
	size_t i, n;

	n = vy_tel_active_windows(t, idx);
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[II]",
			(json_int_t)t->windows[idx[i]].ticket,
			(json_int_t)t->windows[idx[i]].opcode));
	return a;
}

static json_t *slot_obj(const struct vy_tel_ring_slot *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "slot_idx", json_integer(s->slot_idx));
	json_object_set_new(j, "status",
			    json_string(vy_slot_status_name(s->status)));
	if (s->status > VY_STATUS_FAULT)
		json_object_set_new(j, "status_raw", json_integer(s->status));
	json_object_set_new(j, "tenant_id", json_integer(s->tenant_id));
	json_object_set_new(j, "opcode", json_integer(s->opcode));
	json_object_set_new(j, "opcode_name", opcode_name_json(s->opcode));
	json_object_set_new(j, "args_prefix",
			    u32_array(s->args_prefix, 3));
	return j;
}

void vy_rep_watchdog_json_add(json_t *j, const struct vy_tel_watchdog *w)
{
	json_object_set_new(j, "done_delta", json_integer(w->done_delta));
	json_object_set_new(j, "queue_depth", json_integer(w->queue_depth));
	json_object_set_new(j, "fault_slots", json_integer(w->fault_slots));
	json_object_set_new(j, "requeue_slots",
			    json_integer(w->requeue_slots));
	json_object_set_new(j, "gpu_idle_ppm", json_integer(w->gpu_idle_ppm));
	json_object_set_new(j, "suspected_stall",
			    json_boolean(w->suspected_stall));
}

static json_t *health_obj(const struct vy_rep_decode *r)
{
	json_t *j = json_object();

	json_object_set_new(j, "previous", vy_rep_json_u64(r->prev_index));
	json_object_set_new(j, "previous_source",
			    json_string(r->prev_source ? r->prev_source : ""));
	json_object_set_new(j, "previous_done_count",
			    json_integer(r->prev_done_count));
	json_object_set_new(j, "done_count",
			    json_integer(r->tel.control.done_count));
	json_object_set_new(j, "counter_reset",
			    json_boolean(r->counter_reset));
	vy_rep_watchdog_json_add(j, &r->health);
	return j;
}

int vy_rep_printf_formats_load(const char *path,
				struct vy_tel_printf_formats *pf,
				struct vy_err *e)
{
	uint8_t *buf;
	size_t len;
	int err = vy_read_file(path, &buf, &len, e);

	if (err)
		return err;
	err = vy_tel_printf_formats_parse(pf, (const char *)buf, len, e);
	free(buf);
	if (err) {
		char msg[sizeof(e->msg)];

		/* every message of this function names the file once */
		snprintf(msg, sizeof(msg), "%s", e->msg);
		vy_errf(e, err, NULL, "%s: %s", path, msg);
	}
	return err;
}

json_t *vy_rep_printf_json(const struct vy_debug_record *r,
			   const struct vy_tel_printf_formats *pf)
{
	const char *fmt = pf ? vy_tel_printf_formats_get(pf, r->fmt_id) : NULL;
	json_t *o = json_object();

	json_object_set_new(o, "fmt_id", json_integer(r->fmt_id));
	json_object_set_new(o, "args", json_pack("[II]",
						 (json_int_t)r->args[0],
						 (json_int_t)r->args[1]));
	json_object_set_new(o, "slot", json_integer(r->args[2] /
						    VY_SLOT_WORDS));
	if (fmt) {
		char text[512];

		vy_tel_printf_render(fmt, r->args[0], r->args[1], text,
				     sizeof(text));
		json_object_set_new(o, "text", json_string(text));
	}
	return o;
}

static json_t *debug_obj(const struct vy_rep_decode *r)
{
	const struct vy_rep_decode_opts *o = r->opts;
	json_t *j = json_object(), *recs = json_array();
	uint32_t i;

	json_object_set_new(j, "mode", json_string(o->debug_mode ==
						   VY_READ_STRICT ? "strict" :
								    "lenient"));
	json_object_set_new(j, "cursor", json_integer(r->dbg.cursor));
	json_object_set_new(j, "capacity", json_integer(r->dbg.capacity));
	json_object_set_new(j, "stored", json_integer(r->dbg.stored));
	json_object_set_new(j, "dropped", json_integer(r->dbg.dropped));
	json_object_set_new(j, "overflowed", json_boolean(r->dbg.dropped > 0));
	for (i = 0; i < r->dbg.stored; i++) {
		struct vy_debug_record d;

		vy_debug_log_record(r->debug, i, &d);
		json_array_append_new(recs, vy_rep_printf_json(&d, o->formats));
	}
	json_object_set_new(j, "records", recs);
	return j;
}

static json_t *io_obj(const struct vy_rep_decode *r)
{
	struct vy_io_request req[VY_IO_SLOT_COUNT];
	json_t *j = json_object(), *list = json_array();
	size_t n = 0, i;

	json_object_set_new(j, "slots", json_integer(r->io_slots));
	for (i = 0; i < 6; i++)
		json_object_set_new(j, io_status_names[i],
				    json_integer(r->io_status[i]));
	json_object_set_new(j, "other", json_integer(r->io_other));
	vy_io_poll(r->io, r->io_len, req, VY_IO_SLOT_COUNT, &n, NULL);
	for (i = 0; i < n; i++) {
		json_t *q = json_object();

		json_object_set_new(q, "slot_idx", json_integer(req[i].slot_idx));
		json_object_set_new(q, "op_type",
				    json_string(io_op_name(req[i].op_type)));
		json_object_set_new(q, "src_handle",
				    json_integer(req[i].src_handle));
		json_object_set_new(q, "dst_handle",
				    json_integer(req[i].dst_handle));
		json_object_set_new(q, "offset", vy_rep_json_u64(req[i].offset));
		json_object_set_new(q, "byte_count",
				    json_integer(req[i].byte_count));
		json_object_set_new(q, "tag", json_integer(req[i].tag));
		json_array_append_new(list, q);
	}
	json_object_set_new(j, "requests", list);
	return j;
}

json_t *vy_rep_cms_json(const struct vy_tel_cms *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->depth * s->width; i++)
		json_array_append_new(a, vy_rep_json_u64(s->counters[i]));
	return a;
}

static json_t *anomalies(const struct vy_rep_decode *r)
{
	json_t *a = json_array();

	if (r->tel.occupancy.fault)
		json_array_append_new(a, json_string("fault"));
	if (r->has_health && r->health.suspected_stall)
		json_array_append_new(a, json_string("stall"));
	if (r->has_debug && r->dbg.dropped)
		json_array_append_new(a, json_string("debug_overflow"));
	return a;
}

static json_t *str_n(const char *p, uint32_t n)
{
	json_t *j = json_stringn(p ? p : "", n);

	/* not UTF-8: keep the bytes readable rather than drop the key */
	return j ? j : json_string("?");
}

static json_t *run_json(const struct vy_dump_run *run)
{
	return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:b}",
			 "end", vy_dump_run_end_name(run->end),
			 "exit_status", (json_int_t)run->exit_status,
			 "start_ns", vy_rep_json_u64(run->start_ns),
			 "wall_ns", vy_rep_json_u64(run->wall_ns),
			 "tool", str_n(run->tool, run->tool_len),
			 "cmdline", str_n(run->cmdline, run->cmdline_len),
			 "work", str_n(run->work, run->work_len),
			 "slot_lines", run->line_count > 0);
}

static json_t *tenants_json(const struct vy_rep_decode *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_tenant_rows; i++) {
		const struct vy_tel_tenant_row *t = &r->tenant_rows[i];

		json_array_append_new(a, json_pack(
			"{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:b}",
			"tenant", (json_int_t)t->tenant,
			"published", (json_int_t)t->published,
			"claimed", (json_int_t)t->claimed,
			"done", (json_int_t)t->done,
			"faulted", (json_int_t)t->faulted,
			"other", (json_int_t)t->other,
			"mask", (json_int_t)t->mask,
			"blocked", t->mask == 0));
	}
	return a;
}

/* {slot, opcode, tenant, args, line} of ring slot @s. */
static json_t *item_json(const struct vy_rep_decode *r, uint32_t s)
{
	size_t b = (size_t)s * VY_SLOT_WORDS;
	char op[24];
	json_t *j;

	vy_opcode_format(vy_word(r->ring, b + VY_SLOT_OPCODE_WORD), op,
			 sizeof(op));
	j = json_pack("{s:i, s:s, s:i, s:[i,i,i]}", "slot", (json_int_t)s,
		      "opcode", op, "tenant",
		      (json_int_t)vy_word(r->ring, b + VY_SLOT_TENANT_WORD),
		      "args",
		      (json_int_t)vy_word(r->ring, b + VY_SLOT_ARG0_WORD),
		      (json_int_t)vy_word(r->ring, b + VY_SLOT_ARG0_WORD + 1),
		      (json_int_t)vy_word(r->ring, b + VY_SLOT_ARG0_WORD + 2));
	if (r->has_meta && vy_dump_run_line(&r->run, s))
		json_object_set_new(j, "line", json_integer(
			vy_dump_run_line(&r->run, s)));
	return j;
}

json_t *vy_rep_diagnosis_json(const struct vy_rep_decode *r)
{
	const struct vy_tel_diag *d = &r->diag;
	json_t *a = json_array();

	for (size_t i = 0; i < d->n; i++) {
		const struct vy_tel_finding *f = &d->f[i];
		json_t *slots = json_array(), *ten = json_array(), *o;
		bool items = f->kind == VY_TEL_DIAG_FAULTED ||
			     f->kind == VY_TEL_DIAG_CLAIMED_UNFINISHED;
		json_t *it = items ? json_array() : NULL;

		/* bounded: all rows are one --slots away */
		for (size_t k = 0; k < f->n_slots && k < VY_REP_DIAG_JSON_MAX;
		     k++) {
			uint32_t s = d->slots[f->slot0 + k];

			json_array_append_new(slots, json_integer(s));
			if (it)
				json_array_append_new(it, item_json(r, s));
		}
		for (size_t k = 0; k < f->n_tenants &&
				   k < VY_REP_DIAG_JSON_MAX; k++)
			json_array_append_new(ten, json_integer(
				d->tenants[f->tenant0 + k]));
		o = json_pack("{s:s, s:s, s:o, s:o, s:s}",
			      "kind", vy_tel_diag_kind_name(f->kind),
			      "severity", vy_tel_severity_name(f->severity),
			      "slots", slots, "tenants", ten,
			      "message", f->message);
		if (it)
			json_object_set_new(o, "items", it);
		if (f->n_slots > VY_REP_DIAG_JSON_MAX ||
		    f->n_tenants > VY_REP_DIAG_JSON_MAX) {
			json_object_set_new(o, "slot_count",
					    json_integer((json_int_t)f->n_slots));
			json_object_set_new(o, "tenant_count", json_integer(
				(json_int_t)f->n_tenants));
		}
		json_array_append_new(a, o);
	}
	return a;
}

int vy_rep_decode_diagnosis(FILE *f, const struct vy_rep_decode *r)
{
	const struct vy_tel_diag *d = &r->diag;

	if (!d->n)
		fprintf(f, "diagnosis    ok: no stall, fault or blocked "
			   "tenant\n");
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "diagnosis    %s: %s\n",
			vy_tel_severity_name(d->f[i].severity),
			d->f[i].message);
	if (r->has_meta && r->run.present) {
		const struct vy_dump_run *u = &r->run;
		char when[64];

		if (u->end == VY_RUN_RUNNING)
			fprintf(f, "run          running");
		else
			fprintf(f, "run          ended %s (exit %" PRIu32 ")",
				vy_dump_run_end_name(u->end), u->exit_status);
		fprintf(f, " after %.3f s", (double)u->wall_ns / 1e9);
		if (u->start_ns) {
			format_time(u->start_ns, when, sizeof(when));
			fprintf(f, ", started %s", when);
		}
		if (u->work_len)
			fprintf(f, ", work %.*s", (int)u->work_len, u->work);
		if (u->tool_len || u->cmdline_len)
			fprintf(f, "; %.*s%s%.*s", (int)u->tool_len,
				u->tool ? u->tool : "",
				u->tool_len && u->cmdline_len ? ": " : "",
				(int)u->cmdline_len,
				u->cmdline ? u->cmdline : "");
		fputc('\n', f);
	}
	return ferror(f) ? VY_E_IO : 0;
}

json_t *vy_rep_decode_json(const struct vy_rep_decode *r)
{
	return vy_rep_decode_json_flags(r, 0);
}

static json_t *readback_obj(const struct vy_rep_decode *r)
{
	uint64_t lens[VY_BUF_COUNT] = { r->control_len, r->ring_len,
					r->debug_len, r->io_len };
	bool present[VY_BUF_COUNT] = { true, true, r->debug != NULL,
				       r->io != NULL };

	return vy_rep_readback_json(lens, present);
}

json_t *vy_rep_decode_json_flags(const struct vy_rep_decode *r,
				 unsigned flags)
{
	const struct vy_rep_decode_opts *o = r->opts;
	json_t *doc = json_object(), *snap = json_object(), *a;
	size_t i, n;

	json_object_set_new(snap, "index", vy_rep_json_u64(r->index));
	vy_rep_json_set_name(snap, "source", r->source);
	if (r->has_meta) {
		json_object_set_new(snap, "offset", vy_rep_json_u64(r->offset));
		json_object_set_new(snap, "sequence", vy_rep_json_u64(r->sequence));
		json_object_set_new(snap, "capture_ns",
				    vy_rep_json_u64(r->capture_ns));
		json_object_set_new(snap, "device", json_string(r->device));
	}
	json_object_set_new(doc, "snapshot", snap);

	json_object_set_new(doc, "control",
			    vy_rep_control_json(&r->tel.control));
	json_object_set_new(doc, "occupancy",
			    vy_rep_occupancy_json(&r->tel.occupancy));
	json_object_set_new(doc, "counters",
			    vy_rep_counters_json(&r->counters));
	json_object_set_new(doc, "priority_accounting",
			    vy_rep_priority_json(&r->tel));
	json_object_set_new(doc, "windows", vy_rep_windows_json(&r->tel));
	json_object_set_new(doc, "active_windows",
			    vy_rep_active_windows_json(&r->tel, r->idx));
	if (o->slots != VY_TEL_SLOTS_NONE && !(flags & VY_TEL_JSON_NO_SLOTS)) {
		a = json_array();
		for (i = 0; i < r->tel.n_slots; i++)
			if (slot_selected(r, &r->tel.slots[i]))
				json_array_append_new(a,
					slot_obj(&r->tel.slots[i]));
		json_object_set_new(doc, "slots", a);
	}
	if (o->have_opcode) {
		char key[16];

		a = json_array();
		n = vy_tel_active_slots_for_opcode(&r->tel, o->opcode,
							 r->idx);
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_integer(
				r->tel.slots[r->idx[i]].slot_idx));
		snprintf(key, sizeof(key), "%" PRIu32, o->opcode);
		json_object_set_new(doc, "active_slots_for_opcode",
				    json_pack("{s:o}", key, a));
	}
	json_object_set_new(doc, "health",
			    r->has_health ? health_obj(r) : json_null());
	if (r->has_debug)
		json_object_set_new(doc, "debug_log", debug_obj(r));
	if (r->has_io)
		json_object_set_new(doc, "io_queue", io_obj(r));
	if (r->has_sketch) {
		const struct vy_tel_sketch_telemetry *s = &r->sketch;

		json_object_set_new(doc, "sketch", json_pack(
			"{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			"depth", (json_int_t)s->ring_opcode.depth,
			"width", (json_int_t)s->ring_opcode.width,
			"ring_opcode", vy_rep_cms_json(&s->ring_opcode),
			"tenant", vy_rep_cms_json(&s->tenant),
			"status", vy_rep_cms_json(&s->status),
			"active_opcode", vy_rep_cms_json(&s->active_opcode),
			"dispatch_metrics",
			vy_rep_cms_json(&s->dispatch_metrics),
			"total_slots", vy_rep_json_u64(s->total_slots),
			"active_slots", vy_rep_json_u64(s->active_slots)));
	}
	json_object_set_new(doc, "decode_capacity_evidence",
			    vy_rep_decode_capacity_json(&r->tel, &r->scratch,
							r->decode_ns));
	json_object_set_new(doc, "readback", readback_obj(r));
	if (o->tenants)
		json_object_set_new(doc, "tenants", tenants_json(r));
	if (r->has_meta && r->run.present)
		json_object_set_new(doc, "run", run_json(&r->run));
	if (o->slots == VY_TEL_SLOTS_ACTIVE && r->tel.occupancy.fault)
		json_object_set_new(doc, "faulted_slots_not_shown",
				    json_integer(r->tel.occupancy.fault));
	json_object_set_new(doc, "anomalies", anomalies(r));
	json_object_set_new(doc, "diagnosis", vy_rep_diagnosis_json(r));
	return doc;
}

/*
 * One line per slot, formatted by hand: this is the bulk output path
 * (a million slots per snapshot), where printf dominates the run time.
 */
int vy_rep_decode_slot_lines(FILE *f, const struct vy_rep_decode *r,
			     const char *schema)
{
	char head[160], line[512], *p;
	const char *name;
	size_t i, hl;

	hl = (size_t)snprintf(head, sizeof(head),
			      "{\"schema\":\"%.64s\",\"version\":\"" VY_VERSION
			      "\",\"record\":\"slot\","
			      "\"snapshot\":%" PRIu64 ",\"slot_idx\":",
			      schema, r->index);
	if (hl >= sizeof(head))
		return VY_E_INVAL;
	for (i = 0; i < r->tel.n_slots; i++) {
		const struct vy_tel_ring_slot *s = &r->tel.slots[i];

		if (!slot_selected(r, s))
			continue;
		memcpy(line, head, hl);
		p = vy_rep_put_u32(line + hl, s->slot_idx);
		p = vy_rep_put_str(p, ",\"status\":\"");
		p = vy_rep_put_str(p, vy_slot_status_name(s->status));
		p = vy_rep_put_str(p, "\"");
		if (s->status > VY_STATUS_FAULT) {
			p = vy_rep_put_str(p, ",\"status_raw\":");
			p = vy_rep_put_u32(p, s->status);
		}
		p = vy_rep_put_str(p, ",\"tenant_id\":");
		p = vy_rep_put_u32(p, s->tenant_id);
		p = vy_rep_put_str(p, ",\"opcode\":");
		p = vy_rep_put_u32(p, s->opcode);
		/* opcode names need no escaping */
		name = vy_opcode_name(s->opcode);
		p = vy_rep_put_str(p, ",\"opcode_name\":");
		if (name) {
			*p++ = '"';
			p = vy_rep_put_str(p, name);
			*p++ = '"';
		} else {
			p = vy_rep_put_str(p, "null");
		}
		p = vy_rep_put_str(p, ",\"args_prefix\":[");
		p = vy_rep_put_u32(p, s->args_prefix[0]);
		*p++ = ',';
		p = vy_rep_put_u32(p, s->args_prefix[1]);
		*p++ = ',';
		p = vy_rep_put_u32(p, s->args_prefix[2]);
		p = vy_rep_put_str(p, "]}\n");
		fwrite(line, 1, (size_t)(p - line), f);
	}
	return ferror(f) ? VY_E_IO : 0;
}

/* ---- table ---- */

static const char *opname(uint32_t op, char *buf, size_t len)
{
	return vy_opcode_format(op, buf, len);
}

static void table_slots(FILE *f, const struct vy_rep_decode *r)
{
	size_t i, n = 0;
	char what[96];

	for (i = 0; i < r->tel.n_slots; i++)
		n += slot_selected(r, &r->tel.slots[i]);
	slots_what(r, what, sizeof(what));
	fprintf(f, "slots        %zu %s\n", n, what);
	if (!n)
		return;
	fprintf(f, "  %10s  %-10s  %10s  %-12s  %10s  %10s  %10s\n", "SLOT",
		"STATUS", "TENANT", "OPCODE", "ARG0", "ARG1", "ARG2");
	for (i = 0; i < r->tel.n_slots; i++) {
		const struct vy_tel_ring_slot *s = &r->tel.slots[i];
		char st[24], op[24];

		if (!slot_selected(r, s))
			continue;
		if (s->status > VY_STATUS_FAULT)
			snprintf(st, sizeof(st), "unknown(%u)", s->status);
		else
			snprintf(st, sizeof(st), "%s",
				 vy_slot_status_name(s->status));
		fprintf(f, "  %10" PRIu32 "  %-10s  %10" PRIu32 "  %-12s  %10"
			   PRIu32 "  %10" PRIu32 "  %10" PRIu32 "\n",
			s->slot_idx, st, s->tenant_id,
			opname(s->opcode, op, sizeof(op)), s->args_prefix[0],
			s->args_prefix[1], s->args_prefix[2]);
	}
}

static void table_tenants(FILE *f, const struct vy_rep_decode *r)
{
	fprintf(f, "tenants      %zu\n", r->n_tenant_rows);
	if (!r->n_tenant_rows)
		return;
	fprintf(f, "  %10s  %9s  %9s  %9s  %9s  %10s  %s\n", "TENANT",
		"PUBLISHED", "CLAIMED", "DONE", "FAULTED", "MASK", "STATE");
	for (size_t i = 0; i < r->n_tenant_rows; i++) {
		const struct vy_tel_tenant_row *t = &r->tenant_rows[i];

		fprintf(f, "  %10" PRIu32 "  %9" PRIu32 "  %9" PRIu32 "  %9"
			   PRIu32 "  %9" PRIu32 "  0x%08" PRIx32 "  %s\n",
			t->tenant, t->published, t->claimed, t->done,
			t->faulted, t->mask,
			t->mask ? "allowed" : t->mask_inside ? "blocked" :
			"blocked (mask outside the control buffer)");
	}
}

static void table_windows(FILE *f, const struct vy_rep_decode *r)
{
	size_t i, act = vy_tel_active_windows(&r->tel, r->idx);

	fprintf(f, "windows      %zu (%zu active)\n", r->tel.n_windows, act);
	if (!r->tel.n_windows)
		return;
	fprintf(f, "  %10s  %-12s  %6s  %5s  %5s  %5s  %5s  %5s  %5s  %5s  "
		   "%5s  %5s  %s\n",
		"TICKET", "OPCODE", "TENANT", "REQ", "LOOK", "PUB", "CLM",
		"DONE", "WAIT", "YIELD", "RQ", "FAULT", "ACTIVE");
	for (i = 0; i < r->tel.n_windows; i++) {
		const struct vy_tel_window_telemetry *w = &r->tel.windows[i];
		char op[24];

		fprintf(f, "  %10" PRIu32 "  %-12s  %6" PRIu32 "  %5" PRIu32
			   "  %5" PRIu32 "  %5" PRIu32 "  %5" PRIu32
			   "  %5" PRIu32 "  %5" PRIu32 "  %5" PRIu32
			   "  %5" PRIu32 "  %5" PRIu32 "  %s\n",
			w->ticket, opname(w->opcode, op, sizeof(op)),
			w->tenant_id, w->required_slots, w->lookahead_slots,
			w->published, w->claimed, w->done, w->wait_io,
			w->yield_count, w->requeue, w->fault,
			vy_tel_window_telemetry_is_active(w) ? "yes" : "no");
	}
}

static void table_debug(FILE *f, const struct vy_rep_decode *r)
{
	const struct vy_rep_decode_opts *o = r->opts;
	uint32_t i;

	fprintf(f, "debug log    cursor %" PRIu32 ", %" PRIu32
		   " records stored, %" PRIu32 " dropped%s\n",
		r->dbg.cursor, r->dbg.stored, r->dbg.dropped,
		r->dbg.dropped ? " (overflowed)" : "");
	for (i = 0; i < r->dbg.stored; i++) {
		struct vy_debug_record d;
		const char *fmt;

		vy_debug_log_record(r->debug, i, &d);
		fmt = o->formats ? vy_tel_printf_formats_get(o->formats, d.fmt_id) :
				   NULL;
		fprintf(f, "  [slot %" PRIu32 "] ", d.args[2] / VY_SLOT_WORDS);
		if (fmt) {
			char text[512];

			vy_tel_printf_render(fmt, d.args[0], d.args[1], text,
					 sizeof(text));
			fprintf(f, "%s\n", text);
		} else {
			fprintf(f, "fmt %" PRIu32 " args %" PRIu32 " %" PRIu32
				   "\n", d.fmt_id, d.args[0], d.args[1]);
		}
	}
}

static void table_io(FILE *f, const struct vy_rep_decode *r)
{
	struct vy_io_request req[VY_IO_SLOT_COUNT];
	size_t n = 0, i;
	const char *sep = "";

	fprintf(f, "io queue     %" PRIu32 " slots:", r->io_slots);
	for (i = 0; i < 6; i++) {
		if (!r->io_status[i])
			continue;
		fprintf(f, "%s %s %" PRIu32, sep, io_status_names[i],
			r->io_status[i]);
		sep = ",";
	}
	if (r->io_other)
		fprintf(f, "%s other %" PRIu32, sep, r->io_other);
	fputc('\n', f);
	vy_io_poll(r->io, r->io_len, req, VY_IO_SLOT_COUNT, &n, NULL);
	for (i = 0; i < n; i++)
		fprintf(f, "  [io %" PRIu32 "] %s src %" PRIu32 " dst %" PRIu32
			   " offset %" PRIu64 " bytes %" PRIu32 " tag %" PRIu32
			   "\n",
			req[i].slot_idx, io_op_name(req[i].op_type),
			req[i].src_handle, req[i].dst_handle, req[i].offset,
			req[i].byte_count, req[i].tag);
}

/* Ring slots by status, as the table and the Prometheus text list them. */
static const char *const occ_names[9] = {
	"empty", "published", "claimed", "done", "wait_io", "yield",
	"requeue", "fault", "unknown",
};

static void occ_counts(const struct vy_tel_ring_occupancy *o, uint32_t occ[9])
{
	const uint32_t v[9] = { o->empty, o->published, o->claimed, o->done,
				o->wait_io, o->yield_count, o->requeue,
				o->fault, o->unknown };

	memcpy(occ, v, sizeof(v));
}

int vy_rep_decode_health_line(FILE *f, const struct vy_rep_decode *r)
{
	if (!r->has_health)
		return 0;
	/* Name the files when the two snapshots come from different ones. */
	if (r->prev_source && r->source && strcmp(r->prev_source, r->source))
		fprintf(f, "health %s#%" PRIu64 " -> %s#%" PRIu64 ":",
			r->prev_source, r->prev_index, r->source, r->index);
	else
		fprintf(f, "health %" PRIu64 " -> %" PRIu64 ":", r->prev_index,
			r->index);
	if (r->counter_reset)
		fprintf(f, " done_count reset %" PRIu32 " -> %" PRIu32
			   " (new epoch), queue_depth %" PRIu32
			   ", fault_slots %" PRIu32 "\n",
			r->prev_done_count, r->tel.control.done_count,
			r->health.queue_depth, r->health.fault_slots);
	else
		fprintf(f, " done_delta %" PRIu32 ", queue_depth %" PRIu32
			   ", fault_slots %" PRIu32 ", requeue_slots %" PRIu32
			   ", gpu_idle_ppm %" PRIu32 ", %s\n",
			r->health.done_delta,
			r->health.queue_depth, r->health.fault_slots,
			r->health.requeue_slots, r->health.gpu_idle_ppm,
			r->health.suspected_stall ? "STALL SUSPECTED" :
			r->health.done_delta == 0 &&
			r->health.queue_depth > r->health.fault_slots ?
			"NOT DRAINING" : "progressing");
	return ferror(f) ? VY_E_IO : 0;
}

int vy_rep_decode_table(FILE *f, const struct vy_rep_decode *r)
{
	const struct vy_tel_control_snapshot *c = &r->tel.control;
	const struct vy_tel_ring_occupancy *o = &r->tel.occupancy;
	const struct vy_tel_runtime_counters *k = &r->counters;
	uint32_t occ[9];
	const char *sep = "";
	uint32_t i;

	occ_counts(o, occ);
	fprintf(f, "snapshot     %" PRIu64 "  %s", r->index, r->source);
	if (r->has_meta) {
		char when[64];

		fprintf(f, " @%" PRIu64 "  seq %" PRIu64, r->offset,
			r->sequence);
		if (r->capture_ns) {
			format_time(r->capture_ns, when, sizeof(when));
			fprintf(f, "  captured %s", when);
		}
		if (r->device[0])
			fprintf(f, "  device %s", r->device);
	}
	fputc('\n', f);
	fprintf(f, "control      shutdown %s, done_count %" PRIu32
		   ", epoch %" PRIu32 "\n",
		c->shutdown ? "yes" : "no", c->done_count, c->epoch);
	fprintf(f, "ring         %" PRIu64 " slots:", r->tel.ring_slot_count);
	for (i = 0; i < 9; i++) {
		if (!occ[i])
			continue;
		fprintf(f, "%s %s %" PRIu32, sep, occ_names[i], occ[i]);
		sep = ",";
	}
	fputc('\n', f);
	fprintf(f, "queue        depth %" PRIu32 ", idle %" PRIu32 " (%" PRIu32
		   " ppm), frontier %u bps, occupancy %u bps\n",
		k->queue_depth, k->gpu_idle_slots, k->gpu_idle_ppm,
		k->frontier_density_bps, k->occupancy_proxy_bps);
	fprintf(f, "drain        drained %" PRIu32 ", unreclaimed done %" PRIu32
		   ", requeue %" PRIu32 ", fault %" PRIu32 "\n",
		k->drained_slots, k->unreclaimed_done_slots, k->requeue_slots,
		k->fault_slots);
	fprintf(f, "fairness     tenant total %" PRIu64 ", skew %" PRIu32
		   "; priority total %" PRIu64 "\n",
		k->tenant_fairness_total, k->tenant_fairness_skew,
		k->priority_fairness_total);
	fprintf(f, "metrics      ");
	if (!c->n_metrics)
		fprintf(f, "none");
	for (i = 0; i < c->n_metrics; i++) {
		char op[24];

		fprintf(f, "%s%s %" PRIu32, i ? ", " : "",
			opname(c->metrics[i].index, op, sizeof(op)),
			c->metrics[i].count);
	}
	fputc('\n', f);
	if (r->opts->n_window_opcodes)
		table_windows(f, r);
	if (r->opts->have_opcode) {
		size_t n = vy_tel_active_slots_for_opcode(
			&r->tel, r->opts->opcode, r->idx), j;
		char op[24];

		fprintf(f, "active       %zu slots of opcode %s:", n,
			opname(r->opts->opcode, op, sizeof(op)));
		for (j = 0; j < n; j++)
			fprintf(f, " %" PRIu32, r->tel.slots[r->idx[j]].slot_idx);
		fputc('\n', f);
	}
	if (r->opts->slots != VY_TEL_SLOTS_NONE)
		table_slots(f, r);
	if (r->opts->tenants)
		table_tenants(f, r);
	if (r->has_debug)
		table_debug(f, r);
	if (r->has_io)
		table_io(f, r);
	if (r->has_sketch) {
		const struct vy_tel_sketch_telemetry *s = &r->sketch;

		fprintf(f, "sketch       %zux%zu, total_slots %" PRIu64
			   ", active_slots %" PRIu64 "\n",
			s->status.depth, s->status.width, s->total_slots,
			s->active_slots);
		fprintf(f, "  status estimates:");
		for (i = 0; i <= VY_STATUS_FAULT; i++)
			fprintf(f, " %s %" PRIu64, vy_slot_status_name(i),
				vy_tel_cms_estimate(&s->status, i));
		fputc('\n', f);
	}
	if (vy_rep_decode_anomalous(r)) {
		fprintf(f, "anomalies   ");
		if (o->fault)
			fprintf(f, " fault");
		if (r->has_health && r->health.suspected_stall)
			fprintf(f, " stall");
		if (r->has_debug && r->dbg.dropped)
			fprintf(f, " debug_overflow");
		fputc('\n', f);
	}
	return ferror(f) ? VY_E_IO : 0;
}

/* ---- CSV ---- */

static const char *const csv_cols[] = {
	"snapshot", "source", "offset", "sequence", "capture_ns",
	"shutdown", "done_count", "epoch",
	"empty", "published", "claimed", "done", "wait_io", "yield_count",
	"requeue", "fault", "unknown",
	"total_slots", "queue_depth", "gpu_idle_slots", "gpu_idle_ppm",
	"frontier_density_bps", "occupancy_proxy_bps", "drained_slots",
	"unreclaimed_done_slots", "tenant_fairness_total",
	"tenant_fairness_skew", "priority_fairness_total", "requeue_slots",
	"fault_slots", "windows", "active_windows", "done_delta",
	"counter_reset", "suspected_stall", "debug_dropped",
};

static const char *const csv_slot_cols[] = {
	"snapshot", "slot_idx", "status", "status_raw", "tenant_id",
	"opcode", "arg0", "arg1", "arg2",
};

int vy_rep_decode_csv_header(FILE *f, const struct vy_rep_decode_opts *o)
{
	const char *const *cols = csv_cols;
	size_t n = VY_ARRAY_SIZE(csv_cols), i;

	if (o->slots != VY_TEL_SLOTS_NONE) {
		cols = csv_slot_cols;
		n = VY_ARRAY_SIZE(csv_slot_cols);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", cols[i]);
	fputc('\n', f);
	return ferror(f) ? VY_E_IO : 0;
}

int vy_rep_decode_csv(FILE *f, const struct vy_rep_decode *r)
{
	const struct vy_tel_ring_occupancy *o = &r->tel.occupancy;
	const struct vy_tel_runtime_counters *k = &r->counters;
	size_t i;

	if (r->opts->slots != VY_TEL_SLOTS_NONE) {
		for (i = 0; i < r->tel.n_slots; i++) {
			const struct vy_tel_ring_slot *s = &r->tel.slots[i];

			if (!slot_selected(r, s))
				continue;
			fprintf(f, "%" PRIu64 ",%" PRIu32 ",%s,%" PRIu32
				   ",%" PRIu32 ",%" PRIu32 ",%" PRIu32
				   ",%" PRIu32 ",%" PRIu32 "\n",
				r->index, s->slot_idx,
				vy_slot_status_name(s->status), s->status,
				s->tenant_id, s->opcode, s->args_prefix[0],
				s->args_prefix[1], s->args_prefix[2]);
		}
		return ferror(f) ? VY_E_IO : 0;
	}
	fprintf(f, "%" PRIu64 ",", r->index);
	vy_rep_csv_field(f, r->source);
	if (r->has_meta)
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->offset,
			r->sequence, r->capture_ns);
	else
		fputs(",,,", f);
	fprintf(f, ",%d,%" PRIu32 ",%" PRIu32, r->tel.control.shutdown,
		r->tel.control.done_count, r->tel.control.epoch);
	fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32
		   ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32,
		o->empty, o->published, o->claimed, o->done, o->wait_io,
		o->yield_count, o->requeue, o->fault, o->unknown);
	fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%u,%u"
		   ",%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%" PRIu32 ",%" PRIu64
		   ",%" PRIu32 ",%" PRIu32,
		k->total_slots, k->queue_depth, k->gpu_idle_slots,
		k->gpu_idle_ppm, k->frontier_density_bps,
		k->occupancy_proxy_bps, k->drained_slots,
		k->unreclaimed_done_slots, k->tenant_fairness_total,
		k->tenant_fairness_skew, k->priority_fairness_total,
		k->requeue_slots, k->fault_slots);
	fprintf(f, ",%zu,%zu", r->tel.n_windows,
		vy_tel_active_windows(&r->tel, r->idx));
	if (r->has_health)
		fprintf(f, ",%" PRIu32 ",%d,%d", r->health.done_delta,
			r->counter_reset, r->health.suspected_stall);
	else
		fputs(",,,", f);
	if (r->has_debug)
		fprintf(f, ",%" PRIu32 "\n", r->dbg.dropped);
	else
		fputs(",\n", f);
	return ferror(f) ? VY_E_IO : 0;
}

/* ---- Prometheus ---- */

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_one(FILE *f, const char *name, const char *type,
		     const char *help, uint64_t v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* A ratio 0..1 from a fixed-point value with @scale units per whole. */
static void prom_ratio(FILE *f, const char *name, const char *help,
		       uint64_t v, double scale)
{
	prom_head(f, name, "gauge", help);
	fprintf(f, "%s %.6g\n", name, (double)v / scale);
}

int vy_rep_decode_prom(FILE *f, const struct vy_rep_decode *r)
{
	const struct vy_tel_control_snapshot *c = &r->tel.control;
	const struct vy_tel_ring_occupancy *o = &r->tel.occupancy;
	const struct vy_tel_runtime_counters *k = &r->counters;
	uint32_t occ[9];
	uint32_t i;

	occ_counts(o, occ);
	/* node_exporter textfile rules: no sample for an unknown time */
	if (r->has_meta && r->capture_ns) {
		prom_head(f, "vyre_snapshot_capture_timestamp_seconds", "gauge",
			  "Wall-clock time of the capture.");
		fprintf(f, "vyre_snapshot_capture_timestamp_seconds %" PRIu64
			   ".%09" PRIu64 "\n",
			r->capture_ns / 1000000000u, r->capture_ns % 1000000000u);
	}
	if (r->has_meta) {
		prom_one(f, "vyre_snapshot_sequence", "gauge",
			 "Capture number within the run.", r->sequence);
	}
	prom_one(f, "vyre_shutdown", "gauge",
		 "1 when the SHUTDOWN control word is set.", c->shutdown);
	prom_one(f, "vyre_drained_slots_total", "counter",
		 "DONE_COUNT: slots the kernel has drained.", c->done_count);
	prom_one(f, "vyre_epoch", "gauge", "EPOCH control word.", c->epoch);
	prom_head(f, "vyre_ring_slots", "gauge", "Ring slots by status.");
	for (i = 0; i < 9; i++)
		fprintf(f, "vyre_ring_slots{status=\"%s\"} %" PRIu32 "\n",
			occ_names[i], occ[i]);
	prom_one(f, "vyre_ring_size_slots", "gauge",
		 "Slots in the ring.", k->total_slots);
	prom_one(f, "vyre_queue_depth", "gauge",
		 "Slots in flight: published, claimed, wait_io, yield, "
		 "requeue, fault, unknown.", k->queue_depth);
	prom_ratio(f, "vyre_gpu_idle_ratio",
		   "Empty slots as a fraction of the ring.", k->gpu_idle_ppm,
		   1e6);
	prom_ratio(f, "vyre_frontier_density_ratio",
		   "Queue depth as a fraction of the ring.",
		   k->frontier_density_bps, 1e4);
	prom_ratio(f, "vyre_occupancy_proxy_ratio",
		   "Non-empty slots as a fraction of the ring.",
		   k->occupancy_proxy_bps, 1e4);
	prom_one(f, "vyre_unreclaimed_done_slots", "gauge",
		 "Done slots not yet reclaimed by the host.",
		 k->unreclaimed_done_slots);
	prom_head(f, "vyre_opcode_executions_total", "counter",
		  "Executions per opcode, the METRICS control words "
		  "(non-zero ones).");
	for (i = 0; i < c->n_metrics; i++)
		fprintf(f, "vyre_opcode_executions_total{opcode=\"%s\","
			   "opcode_value=\"%" PRIu32 "\"} %" PRIu32 "\n",
			vy_opcode_name(c->metrics[i].index),
			c->metrics[i].index, c->metrics[i].count);
	prom_head(f, "vyre_tenant_fairness_total", "counter",
		  "TENANT_FAIRNESS control words.");
	for (i = 0; i < VY_CTL_TENANT_FAIRNESS_SLOTS; i++)
		fprintf(f, "vyre_tenant_fairness_total{tenant=\"%" PRIu32
			   "\"} %" PRIu32 "\n", i, c->tenant_fairness[i]);
	prom_one(f, "vyre_tenant_fairness_skew", "gauge",
		 "Max minus min of the non-zero tenant fairness counters.",
		 k->tenant_fairness_skew);
	prom_head(f, "vyre_priority_fairness_total", "counter",
		  "PRIORITY_FAIRNESS control words.");
	for (i = 0; i < VY_CTL_PRIORITY_FAIRNESS_SLOTS; i++)
		fprintf(f, "vyre_priority_fairness_total{priority=\"%" PRIu32
			   "\"} %" PRIu32 "\n", i, c->priority_fairness[i]);
	prom_head(f, "vyre_route_windows", "gauge",
		  "Ticketed route windows of the --windows opcodes.");
	fprintf(f, "vyre_route_windows{state=\"all\"} %zu\n",
		r->tel.n_windows);
	fprintf(f, "vyre_route_windows{state=\"active\"} %zu\n",
		vy_tel_active_windows(&r->tel, r->idx));
	if (r->has_health) {
		prom_one(f, "vyre_health_done_delta", "gauge",
			 "DONE_COUNT increase since the previous snapshot.",
			 r->health.done_delta);
		prom_one(f, "vyre_health_done_count_reset", "gauge",
			 "1 when DONE_COUNT moved backwards (new epoch).",
			 r->counter_reset);
		prom_one(f, "vyre_health_suspected_stall", "gauge",
			 "1 when work is queued, nothing drained and no fault.",
			 r->health.suspected_stall);
	}
	if (r->has_debug) {
		prom_one(f, "vyre_debug_records", "gauge",
			 "PRINTF records stored in the debug log.",
			 r->dbg.stored);
		prom_one(f, "vyre_debug_records_dropped_total", "counter",
			 "PRINTF records lost to debug-log overflow.",
			 r->dbg.dropped);
	}
	if (r->has_io) {
		prom_head(f, "vyre_io_slots", "gauge", "IO queue slots by status.");
		for (i = 0; i < 6; i++)
			fprintf(f, "vyre_io_slots{status=\"%s\"} %" PRIu32 "\n",
				io_status_names[i], r->io_status[i]);
		fprintf(f, "vyre_io_slots{status=\"other\"} %" PRIu32 "\n",
			r->io_other);
	}
	return ferror(f) ? VY_E_IO : 0;
}

/* ---- hex ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void hex_words(FILE *f, const uint8_t *p, size_t nwords)
{
	size_t i;

	for (i = 0; i < nwords; i++)
		fprintf(f, " %08" PRIx32, vy_le32(p + 4 * i));
}

static void hex_control(FILE *f, const struct vy_rep_decode *r)
{
	size_t n = r->control_len / 4, w, run = 0;

	fprintf(f, "control: %zu bytes, %zu words\n", r->control_len, n);
	for (w = 0; w <= n; w++) {
		uint32_t v = w < n ? vy_word(r->control, w) : 1;
		char name[40];

		if (w < n && v == 0) {
			run++;
			continue;
		}
		if (run == 1)
			fprintf(f, "  %6zu  00000000  %s\n", w - 1,
				vy_rep_control_word_name((uint32_t)(w - 1), name,
						     sizeof(name)));
		else if (run > 1)
			fprintf(f, "  %6zu  00000000  .. word %zu: %zu zero "
				   "words\n", w - run, w - 1, run);
		run = 0;
		if (w < n)
			fprintf(f, "  %6zu  %08" PRIx32 "  %s\n", w, v,
				vy_rep_control_word_name((uint32_t)w, name,
						     sizeof(name)));
	}
}

static void hex_ring(FILE *f, const struct vy_rep_decode *r)
{
	size_t n = r->ring_len / VY_SLOT_BYTES, i, run = 0;

	fprintf(f, "ring: %zu bytes, %zu slots\n", r->ring_len, n);
	for (i = 0; i <= n; i++) {
		const uint8_t *s = r->ring + i * VY_SLOT_BYTES;
		char op[24];

		if (i < n && all_zero(s, VY_SLOT_BYTES)) {
			run++;
			continue;
		}
		if (run == 1)
			fprintf(f, "  %6zu  .. slot %zu: all zero (empty)\n",
				(i - 1) * VY_SLOT_WORDS, i - 1);
		else if (run)
			fprintf(f, "  %6zu  .. slots %zu..%zu: %zu all-zero "
				   "(empty) slots\n", (i - run) * VY_SLOT_WORDS,
				i - run, i - 1, run);
		run = 0;
		if (i == n)
			break;
		fprintf(f, "  %6zu ", i * VY_SLOT_WORDS);
		hex_words(f, s, 8);
		fprintf(f, "  slot %zu: %s, opcode %s, tenant %" PRIu32 "\n", i,
			vy_slot_status_name(vy_le32(s)),
			opname(vy_le32(s + 4), op, sizeof(op)),
			vy_le32(s + 8));
		fprintf(f, "  %6zu ", i * VY_SLOT_WORDS + 8);
		hex_words(f, s + 32, 8);
		fprintf(f, "  args 4..11\n");
	}
}

static void hex_debug(FILE *f, const struct vy_rep_decode *r)
{
	size_t n = r->debug_len / 4, w;

	fprintf(f, "debug log: %zu bytes, %zu words\n", r->debug_len, n);
	if (n)
		fprintf(f, "  %6u  %08" PRIx32 "  cursor\n", 0,
			vy_word(r->debug, 0));
	for (w = 1; w + VY_DEBUG_RECORD_WORDS <= n; w += VY_DEBUG_RECORD_WORDS) {
		if (all_zero(r->debug + 4 * w, 16))
			continue;
		fprintf(f, "  %6zu ", w);
		hex_words(f, r->debug + 4 * w, VY_DEBUG_RECORD_WORDS);
		fprintf(f, "  record %zu: fmt_id, arg0, arg1, slot word\n",
			(w - 1) / VY_DEBUG_RECORD_WORDS);
	}
}

static void hex_io(FILE *f, const struct vy_rep_decode *r)
{
	size_t n = r->io_len / VY_IO_SLOT_BYTES, i;

	fprintf(f, "io queue: %zu bytes, %zu slots\n", r->io_len, n);
	for (i = 0; i < n; i++) {
		const uint8_t *s = r->io + i * VY_IO_SLOT_BYTES;

		if (all_zero(s, VY_IO_SLOT_BYTES))
			continue;
		fprintf(f, "  %6zu ", i * VY_IO_SLOT_WORDS);
		hex_words(f, s, VY_IO_SLOT_WORDS);
		fprintf(f, "  io slot %zu: %s %s\n", i,
			io_op_name(vy_word(s, VY_IO_OP_TYPE_WORD)),
			io_status_name(vy_word(s, VY_IO_STATUS_WORD)));
	}
}

int vy_rep_decode_hex(FILE *f, const struct vy_rep_decode *r)
{
	fprintf(f, "snapshot %" PRIu64 "  %s", r->index, r->source);
	if (r->has_meta)
		fprintf(f, " @%" PRIu64 "  seq %" PRIu64, r->offset,
			r->sequence);
	fputc('\n', f);
	hex_control(f, r);
	hex_ring(f, r);
	if (r->debug)
		hex_debug(f, r);
	if (r->io)
		hex_io(f, r);
	return ferror(f) ? VY_E_IO : 0;
}
