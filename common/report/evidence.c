/* SPDX-License-Identifier: MIT */
/*
 * evidence.c - evidence envelopes and readback counters from real runs
 * (evidence.h).
 */
#include "report/evidence.h"

#include <inttypes.h>
#include <string.h>

#include "report/decode.h"
#include "report/emit.h"
#include "wire/util.h"

static void set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, vy_rep_json_u64(v));
}

void vy_rep_stream_evidence_decode(struct vy_rep_stream_evidence *ev,
				   const uint8_t *control, size_t control_len,
				   const uint8_t *ring, size_t ring_len)
{
	struct vy_tel tel;
	struct vy_err e;
	uint64_t t0;

	memset(ev, 0, sizeof(*ev));
	t0 = vy_now_ns();
	if (vy_tel_control_decode(&ev->control, control, control_len, &e))
		return;
	ev->control_decode_ns = vy_now_ns() - t0;
	vy_tel_init(&tel);
	t0 = vy_now_ns();
	if (!vy_tel_decode(&tel, NULL, control, control_len, ring, ring_len,
			   NULL, 0, VY_TEL_NO_SLOTS, &e)) {
		ev->ring_decode_ns = vy_now_ns() - t0;
		ev->occ = tel.occupancy;
		ev->decoded = true;
	}
	vy_tel_free(&tel);
}

void vy_rep_stream_evidence_capture(struct vy_rep_stream_evidence *ev,
				    struct vy_mk *mk)
{
	struct vy_snapshot s;
	struct vy_err e;

	memset(ev, 0, sizeof(*ev));
	if (vy_dev_mk_snapshot(mk, &s, &e))
		return;
	vy_rep_stream_evidence_decode(ev, s.buf[VY_BUF_CONTROL].data,
				      s.buf[VY_BUF_CONTROL].len,
				      s.buf[VY_BUF_RING].data,
				      s.buf[VY_BUF_RING].len);
}

json_t *vy_rep_stream_evidence_json(const struct vy_rep_stream_evidence *ev,
				    const struct vy_dev_stream_metrics *m,
				    const struct vy_dev_stream_input *in,
				    size_t nin)
{
	struct vy_tel_runtime_evidence re;
	enum vy_tel_evidence_family miss[4];
	uint64_t direct = 0, buffered = 0;
	json_t *o = json_object(), *a;
	size_t n;

	for (size_t i = 0; i < nin; i++) {
		if (in[i].status)
			continue;
		if (in[i].direct)
			direct += in[i].res.bytes;
		else
			buffered += in[i].res.bytes;
	}
	vy_tel_runtime_evidence_complete(&re, m->device_bytes,
					 buffered + m->cpu_copy_bytes, direct,
					 &ev->occ, ev->control_decode_ns,
					 ev->ring_decode_ns);
	re.coverage.ring = ev->decoded;
	re.coverage.control = ev->decoded;
	json_object_set_new(o, "schema_version",
			    json_integer(re.schema_version));
	set_u64(o, "resident_device_bytes", re.resident_device_bytes);
	set_u64(o, "host_copy_bytes", re.host_copy_bytes);
	set_u64(o, "host_copy_avoided_bytes", re.host_copy_avoided_bytes);
	json_object_set_new(o, "host_copy_avoidance_bps", json_integer(
		vy_tel_runtime_evidence_copy_avoidance_bps(&re)));
	json_object_set_new(o, "dma_bytes", json_pack("{s:o,s:o}",
		"disk_to_host", vy_rep_json_u64(direct),
		"host_to_device", vy_rep_json_u64(m->h2d_bytes)));
	json_object_set_new(o, "ring_occupancy",
			    vy_rep_occupancy_json(&re.ring_occupancy));
	set_u64(o, "control_decode_ns", re.control_decode_ns);
	set_u64(o, "ring_decode_ns", re.ring_decode_ns);
	if (ev->decoded)
		json_object_set_new(o, "control",
				    vy_rep_control_json(&ev->control));
	json_object_set_new(o, "coverage", json_pack("{s:b,s:b,s:b,s:b}",
		"ring", re.coverage.ring, "control", re.coverage.control,
		"copy", re.coverage.copy, "residency", re.coverage.residency));
	a = json_array();
	n = vy_tel_runtime_evidence_missing(&re, miss);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(
			vy_tel_evidence_family_name(miss[i])));
	json_object_set_new(o, "missing", a);
	json_object_set_new(o, "complete", json_boolean(
		vy_tel_runtime_evidence_is_complete(&re)));
	return o;
}

json_t *vy_rep_decode_capacity_json(const struct vy_tel *t,
				    const struct vy_tel_scratch *s,
				    uint64_t decode_ns)
{
	struct vy_tel_decode_capacity_evidence ev;
	json_t *o = json_object();

	vy_tel_decode_capacity_evidence_fill(t, s, &ev);
	json_object_set_new(o, "schema_version",
			    json_integer(ev.schema_version));
	set_u64(o, "decoded_slot_count", ev.decoded_slot_count);
	set_u64(o, "slot_output_capacity", ev.slot_output_capacity);
	set_u64(o, "decoded_window_count", ev.decoded_window_count);
	set_u64(o, "window_output_capacity", ev.window_output_capacity);
	set_u64(o, "window_opcode_scratch_capacity",
		ev.window_opcode_scratch_capacity);
	set_u64(o, "window_accumulator_scratch_capacity",
		ev.window_accumulator_scratch_capacity);
	json_object_set_new(o, "uses_caller_owned_scratch",
			    json_boolean(ev.uses_caller_owned_scratch));
	set_u64(o, "ring_slots", t->ring_slot_count);
	set_u64(o, "decode_ns", decode_ns);
	json_object_set_new(o, "complete", json_boolean(
		vy_tel_decode_capacity_evidence_is_complete(&ev)));
	return o;
}

/* The four counters, the present buffers and the seed's verdict. */
static int readback_facts(const uint64_t lens[VY_BUF_COUNT],
			  const bool present[VY_BUF_COUNT],
			  struct vy_readback_counters *c, uint32_t *nbuf,
			  struct vy_err *ve)
{
	uint64_t l[VY_BUF_COUNT];

	*nbuf = 0;
	for (int i = 0; i < VY_BUF_COUNT; i++) {
		l[i] = present[i] ? lens[i] : 0;
		*nbuf += present[i];
	}
	memset(c, 0, sizeof(*c));
	vy_readback_counters(l, c, NULL);
	vy_err_clear(ve);
	if (*nbuf != VY_BUF_COUNT)
		return vy_errf(ve, VY_E_READBACK_BUFFER_COUNT, NULL,
			       "%u of the 4 ABI buffers", *nbuf);
	return vy_validate_readback(l, VY_BUF_COUNT, l[VY_BUF_RING] / 64, ve);
}

json_t *vy_rep_readback_json(const uint64_t lens[VY_BUF_COUNT],
			     const bool present[VY_BUF_COUNT])
{
	struct vy_readback_counters c;
	struct vy_err ve;
	uint32_t nbuf;
	int err = readback_facts(lens, present, &c, &nbuf, &ve);
	json_t *o = json_object();

	set_u64(o, "control_bytes", c.control_bytes);
	set_u64(o, "ring_bytes", c.ring_bytes);
	set_u64(o, "debug_log_bytes", c.debug_log_bytes);
	set_u64(o, "io_queue_bytes", c.io_queue_bytes);
	set_u64(o, "total_bytes", c.total_bytes);
	json_object_set_new(o, "readback_buffers", json_integer(nbuf));
	json_object_set_new(o, "valid", json_boolean(!err));
	if (err)
		json_object_set_new(o, "error", json_string(ve.msg));
	return o;
}

void vy_rep_readback_table(FILE *f, const char *prefix,
			   const uint64_t lens[VY_BUF_COUNT],
			   const bool present[VY_BUF_COUNT])
{
	struct vy_readback_counters c;
	struct vy_err ve;
	uint32_t nbuf;
	int err = readback_facts(lens, present, &c, &nbuf, &ve);

	fprintf(f, "%sreadback: control %" PRIu64 " ring %" PRIu64
		   " debug_log %" PRIu64 " io_queue %" PRIu64
		   " total_bytes %" PRIu64 " readback_buffers %u: %s%s\n",
		prefix, c.control_bytes, c.ring_bytes, c.debug_log_bytes,
		c.io_queue_bytes, c.total_bytes, nbuf,
		err ? "not a valid readback: " : "valid", err ? ve.msg : "");
}
