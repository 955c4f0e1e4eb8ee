/* SPDX-License-Identifier: MIT */
/*
 * vk_telemetry.c - vector kinds of the telemetry module
 * (policy-telemetry.md §2-§3): telemetry_decode, runtime_counters, health,
 * sketch, count_min, runtime_evidence, decode_capacity_evidence, readback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "telemetry/telemetry.h"
#include "report/decode.h"
#include "wire/util.h"
#include "vectors.h"

/* Decode input {control, ring, window_opcodes} of @in into @t. */
static int decode_input(struct vv_case *c, const json_t *in,
			struct vy_tel *t, struct vy_tel_scratch *s,
			struct vy_err *e)
{
	struct vv_bytes ctl = { 0 }, ring = { 0 };
	const json_t *ops_j;
	uint32_t *ops = NULL;
	size_t nops = 0;
	int ret;

	if (vv_sparse(json_object_get(in, "control"), &ctl))
		return vv_bad_input(e, "control");
	if (vv_ring(json_object_get(in, "ring"), &ring)) {
		free(ctl.data);
		return vv_bad_input(e, "ring");
	}
	ops_j = json_object_get(in, "window_opcodes");
	if (ops_j && vv_u32_list(ops_j, &ops, &nops)) {
		ret = vv_bad_input(e, "window_opcodes");
		goto out;
	}
	ret = vy_tel_decode(t, s, ctl.data, ctl.len, ring.data, ring.len,
				  ops, nops, 0, e);
out:
	free(ops);
	free(ctl.data);
	free(ring.data);
	return ret;
}

static int run_telemetry_decode(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	struct vy_tel t;
	struct vy_tel_scratch s;
	json_t *o, *slots, *aso;
	size_t *idx = NULL, i, n;
	const json_t *want;
	int ret;

	vy_tel_init(&t);
	vy_tel_scratch_init(&s);
	ret = decode_input(c, c->input, &t, &s, e);
	if (ret)
		goto out;
	idx = malloc((t.n_slots + t.n_windows + 1) * sizeof(*idx));
	if (!idx) {
		ret = vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		goto out;
	}
	slots = json_array();
	for (i = 0; i < t.n_slots; i++) {
		const struct vy_tel_ring_slot *r = &t.slots[i];
		char tmp[32];

		json_array_append_new(slots, json_pack(
			"{s:I, s:s, s:I, s:I, s:[III]}",
			"slot_idx", (json_int_t)r->slot_idx,
			"status", vy_slot_status_upstream(r->status, tmp,
							  sizeof(tmp)),
			"tenant_id", (json_int_t)r->tenant_id,
			"opcode", (json_int_t)r->opcode,
			"args_prefix", (json_int_t)r->args_prefix[0],
			(json_int_t)r->args_prefix[1],
			(json_int_t)r->args_prefix[2]));
	}
	o = json_object();
	json_object_set_new(o, "control", vy_rep_control_json(&t.control));
	json_object_set_new(o, "occupancy",
			    vy_rep_occupancy_json(&t.occupancy));
	json_object_set_new(o, "slots", slots);
	json_object_set_new(o, "windows", vy_rep_windows_json(&t));
	json_object_set_new(o, "active_windows",
			    vy_rep_active_windows_json(&t, idx));
	json_object_set_new(o, "priority_accounting", vy_rep_priority_json(&t));
	/* active_slots_for_opcode: for each opcode the case asks about. */
	want = c->expected ? json_object_get(c->expected,
					     "active_slots_for_opcode") : NULL;
	if (want) {
		const char *key;
		json_t *v;

		aso = json_object();
		json_object_foreach((json_t *)want, key, v) {
			uint64_t op;
			json_t *list = json_array();

			(void)v;
			if (vy_parse_u64(key, UINT32_MAX, 0, &op)) {
				json_decref(list);
				continue;
			}
			n = vy_tel_active_slots_for_opcode(
				&t, (uint32_t)op, idx);
			for (i = 0; i < n; i++)
				json_array_append_new(list, json_integer(
					t.slots[idx[i]].slot_idx));
			json_object_set_new(aso, key, list);
		}
		json_object_set_new(o, "active_slots_for_opcode", aso);
	}
	*got = o;
out:
	free(idx);
	vy_tel_free(&t);
	vy_tel_scratch_free(&s);
	return ret;
}

static int run_runtime_counters(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	struct vy_tel t;
	struct vy_tel_runtime_counters r;
	int ret;

	vy_tel_init(&t);
	ret = decode_input(c, c->input, &t, NULL, e);
	if (!ret) {
		vy_tel_runtime_counters_fill(&t, &r);
		*got = vy_rep_counters_json(&r);
	}
	vy_tel_free(&t);
	return ret;
}

static int run_health(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_tel prev, cur;
	struct vy_tel_watchdog w;
	int ret;

	vy_tel_init(&prev);
	vy_tel_init(&cur);
	ret = decode_input(c, json_object_get(c->input, "previous"), &prev,
			   NULL, e);
	if (!ret)
		ret = decode_input(c, json_object_get(c->input, "current"),
				   &cur, NULL, e);
	if (!ret)
		ret = vy_tel_health(&cur, prev.control.done_count, &w, e);
	if (!ret) {
		*got = json_object();
		vy_rep_watchdog_json_add(*got, &w);
	}
	vy_tel_free(&prev);
	vy_tel_free(&cur);
	return ret;
}

static int run_sketch(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_tel t;
	struct vy_tel_sketch_telemetry sk;
	uint64_t depth, width;
	int ret;

	vy_tel_init(&t);
	vy_tel_sketch_telemetry_init(&sk);
	if (vv_member_u64(c->input, "depth", 0, &depth) ||
	    vv_member_u64(c->input, "width", 0, &width)) {
		ret = vv_bad_input(e, "depth/width");
		goto out;
	}
	ret = decode_input(c, c->input, &t, NULL, e);
	if (!ret)
		ret = vy_tel_sketch(&t, (size_t)depth, (size_t)width, &sk,
					  e);
	if (!ret)
		*got = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
				 "ring_opcode",
				 vy_rep_cms_json(&sk.ring_opcode),
				 "active_opcode",
				 vy_rep_cms_json(&sk.active_opcode),
				 "tenant", vy_rep_cms_json(&sk.tenant),
				 "status", vy_rep_cms_json(&sk.status),
				 "dispatch_metrics",
				 vy_rep_cms_json(&sk.dispatch_metrics),
				 "total_slots", vv_u64(sk.total_slots),
				 "active_slots", vv_u64(sk.active_slots));
out:
	vy_tel_free(&t);
	vy_tel_sketch_telemetry_free(&sk);
	return ret;
}

static int run_count_min(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_tel_cms s, o;
	uint64_t depth, width, key, amount;
	json_t *est = json_array();
	const json_t *op;
	size_t i;
	int ret;

	vy_tel_cms_init(&s);
	vy_tel_cms_init(&o);
	if (vv_member_u64(c->input, "depth", 0, &depth) ||
	    vv_member_u64(c->input, "width", 0, &width)) {
		ret = vv_bad_input(e, "depth/width");
		goto out;
	}
	ret = vy_tel_cms_reset_shape(&s, (size_t)depth, (size_t)width, e);
	json_array_foreach(json_object_get(c->input, "ops"), i, op) {
		const char *name = json_string_value(json_array_get(op, 0));

		if (ret)
			break;
		if (!name) {
			ret = vv_bad_input(e, "op");
		} else if (!strcmp(name, "add")) {
			if (vv_get_u64(json_array_get(op, 1), &key) ||
			    key > UINT32_MAX ||
			    vv_get_u64(json_array_get(op, 2), &amount))
				ret = vv_bad_input(e, "add");
			else
				ret = vy_tel_cms_add(&s, (uint32_t)key, amount, e);
		} else if (!strcmp(name, "estimate")) {
			if (vv_get_u64(json_array_get(op, 1), &key) ||
			    key > UINT32_MAX)
				ret = vv_bad_input(e, "estimate");
			else
				json_array_append_new(est, vv_u64(
					vy_tel_cms_estimate(&s, (uint32_t)key)));
		} else if (!strcmp(name, "merge")) {
			uint64_t d, w;
			const json_t *kv;
			size_t k;

			if (vv_get_u64(json_array_get(op, 1), &d) ||
			    vv_get_u64(json_array_get(op, 2), &w)) {
				ret = vv_bad_input(e, "merge");
				break;
			}
			ret = vy_tel_cms_reset_shape(&o, (size_t)d, (size_t)w, e);
			json_array_foreach(json_array_get(op, 3), k, kv) {
				if (ret)
					break;
				if (vv_get_u64(json_array_get(kv, 0), &key) ||
				    key > UINT32_MAX ||
				    vv_get_u64(json_array_get(kv, 1), &amount))
					ret = vv_bad_input(e, "merge pair");
				else
					ret = vy_tel_cms_add(&o, (uint32_t)key,
							 amount, e);
			}
			if (!ret)
				ret = vy_tel_cms_merge(&s, &o, e);
		} else {
			ret = vv_bad_input(e, "unknown op");
		}
	}
	if (!ret) {
		*got = json_pack("{s:o, s:O}",
				 "counters", vy_rep_cms_json(&s),
				 "estimates", est);
	}
out:
	json_decref(est);
	vy_tel_cms_free(&s);
	vy_tel_cms_free(&o);
	return ret;
}

static int run_runtime_evidence(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	static const char *const occ_keys[] = {
		"empty", "published", "claimed", "done", "wait_io",
		"yield_count", "requeue", "fault", "unknown",
	};
	static const char *const cov_keys[] = { "ring", "control", "copy",
						"residency" };
	struct vy_tel_runtime_evidence ev;
	const json_t *occ = json_object_get(c->input, "ring_occupancy");
	const json_t *cov = json_object_get(c->input, "coverage");
	uint32_t *occ_f[9], v;
	bool *cov_f[4];
	enum vy_tel_evidence_family miss[4];
	json_t *ml;
	size_t i, n;

	memset(&ev, 0, sizeof(ev));
	occ_f[0] = &ev.ring_occupancy.empty;
	occ_f[1] = &ev.ring_occupancy.published;
	occ_f[2] = &ev.ring_occupancy.claimed;
	occ_f[3] = &ev.ring_occupancy.done;
	occ_f[4] = &ev.ring_occupancy.wait_io;
	occ_f[5] = &ev.ring_occupancy.yield_count;
	occ_f[6] = &ev.ring_occupancy.requeue;
	occ_f[7] = &ev.ring_occupancy.fault;
	occ_f[8] = &ev.ring_occupancy.unknown;
	cov_f[0] = &ev.coverage.ring;
	cov_f[1] = &ev.coverage.control;
	cov_f[2] = &ev.coverage.copy;
	cov_f[3] = &ev.coverage.residency;
	if (vv_member_u32(c->input, "schema_version", 0, &ev.schema_version) ||
	    vv_member_u64(c->input, "resident_device_bytes", 0,
			  &ev.resident_device_bytes) ||
	    vv_member_u64(c->input, "host_copy_bytes", 0,
			  &ev.host_copy_bytes) ||
	    vv_member_u64(c->input, "host_copy_avoided_bytes", 0,
			  &ev.host_copy_avoided_bytes) ||
	    vv_member_u64(c->input, "control_decode_ns", 0,
			  &ev.control_decode_ns) ||
	    vv_member_u64(c->input, "ring_decode_ns", 0, &ev.ring_decode_ns))
		return vv_bad_input(e, "evidence fields");
	for (i = 0; i < 9; i++) {
		if (vv_member_u32(occ, occ_keys[i], 0, &v))
			return vv_bad_input(e, "ring_occupancy");
		*occ_f[i] = v;
	}
	for (i = 0; i < 4; i++) {
		const json_t *b = cov ? json_object_get(cov, cov_keys[i]) :
					NULL;

		*cov_f[i] = b ? json_is_true(b) : true;
	}
	n = vy_tel_runtime_evidence_missing(&ev, miss);
	ml = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(ml, json_string(
			vy_tel_evidence_family_name(miss[i])));
	*got = json_pack("{s:b, s:o, s:I, s:I, s:I}",
			 "is_complete", vy_tel_runtime_evidence_is_complete(&ev),
			 "missing_metric_families", ml,
			 "host_copy_avoidance_bps",
			 (json_int_t)vy_tel_runtime_evidence_copy_avoidance_bps(&ev),
			 "total_slots",
			 (json_int_t)vy_tel_occupancy_total_slots(&ev.ring_occupancy),
			 "queue_depth",
			 (json_int_t)vy_tel_occupancy_queue_depth(&ev.ring_occupancy));
	return 0;
}

static int run_decode_capacity_evidence(struct vv_case *c, json_t **got,
					struct vy_err *e)
{
	struct vy_tel_decode_capacity_evidence ev;
	uint64_t v[6];
	static const char *const keys[] = {
		"decoded_slot_count", "slot_output_capacity",
		"decoded_window_count", "window_output_capacity",
		"window_opcode_scratch_capacity",
		"window_accumulator_scratch_capacity",
	};
	size_t i;

	memset(&ev, 0, sizeof(ev));
	if (vv_member_u32(c->input, "schema_version", 0, &ev.schema_version))
		return vv_bad_input(e, "schema_version");
	for (i = 0; i < 6; i++)
		if (vv_member_u64(c->input, keys[i], 0, &v[i]))
			return vv_bad_input(e, keys[i]);
	ev.decoded_slot_count = (size_t)v[0];
	ev.slot_output_capacity = (size_t)v[1];
	ev.decoded_window_count = (size_t)v[2];
	ev.window_output_capacity = (size_t)v[3];
	ev.window_opcode_scratch_capacity = (size_t)v[4];
	ev.window_accumulator_scratch_capacity = (size_t)v[5];
	ev.uses_caller_owned_scratch = json_is_true(
		json_object_get(c->input, "uses_caller_owned_scratch"));
	*got = json_pack("{s:b}", "is_complete",
			 vy_tel_decode_capacity_evidence_is_complete(&ev));
	return 0;
}

static int run_readback(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const json_t *a = json_object_get(c->input, "buffer_byte_lengths"), *v;
	struct vy_readback_counters r;
	uint64_t lens[16], slots64;
	uint32_t slots;
	size_t n, i;
	int ret;

	if (!json_is_array(a) || json_array_size(a) > VY_ARRAY_SIZE(lens) ||
	    vv_member_u64(c->input, "slot_count", 0, &slots64))
		return vv_bad_input(e, "buffer_byte_lengths/slot_count");
	n = json_array_size(a);
	json_array_foreach(a, i, v)
		if (vv_get_u64(v, &lens[i]))
			return vv_bad_input(e, "buffer_byte_lengths");
	ret = vy_validate_readback(lens, n, slots64, e);
	if (!ret)
		ret = vy_readback_counters(lens, &r, e);
	if (!ret)
		ret = vy_tel_readback_slot_count((size_t)r.ring_bytes, &slots, e);
	if (!ret)
		*got = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}",
				 "control_bytes", vv_u64(r.control_bytes),
				 "ring_bytes", vv_u64(r.ring_bytes),
				 "debug_log_bytes", vv_u64(r.debug_log_bytes),
				 "io_queue_bytes", vv_u64(r.io_queue_bytes),
				 "total_bytes", vv_u64(r.total_bytes),
				 "slot_count", (json_int_t)slots);
	return ret;
}

VV_KIND("telemetry_decode", run_telemetry_decode)
VV_KIND("runtime_counters", run_runtime_counters)
VV_KIND("health", run_health)
VV_KIND("sketch", run_sketch)
VV_KIND("count_min", run_count_min)
VV_KIND("runtime_evidence", run_runtime_evidence)
VV_KIND("decode_capacity_evidence", run_decode_capacity_evidence)
VV_KIND("readback", run_readback)
