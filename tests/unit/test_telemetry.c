/* SPDX-License-Identifier: MIT */
/* Unit tests of common/telemetry*.c (policy-telemetry.md §2-§3). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/dump.h"
#include "harness.h"
#include "telemetry/telemetry.h"
#include "report/decode.h"
#include "wire/util.h"

static uint8_t ctl[640];
static uint8_t ring[64 * 16];

static void set_slot(uint8_t *r, uint32_t i, uint32_t st, uint32_t op,
		     uint32_t tenant, uint32_t a0, uint32_t a1, uint32_t a2)
{
	vy_set_word(r, 16 * i, st);
	vy_set_word(r, 16 * i + 1, op);
	vy_set_word(r, 16 * i + 2, tenant);
	vy_set_word(r, 16 * i + 3, 2);
	vy_set_word(r, 16 * i + 4, a0);
	vy_set_word(r, 16 * i + 5, a1);
	vy_set_word(r, 16 * i + 6, a2);
}

static void reset_bufs(void)
{
	memset(ctl, 0, sizeof(ctl));
	memset(ring, 0, sizeof(ring));
}

VY_TEST(telemetry_control_fields)
{
	struct vy_tel_control_snapshot c;

	reset_bufs();
	vy_set_word(ctl, 0, 5);
	vy_set_word(ctl, 1, 1234);
	vy_set_word(ctl, 128, 77);
	vy_set_word(ctl, 96, 3);
	vy_set_word(ctl, 127, 9);
	vy_set_word(ctl, 95, 20);
	vy_set_word(ctl, 140, 6);
	VY_CHECK(vy_tel_control_decode(&c, ctl, sizeof(ctl), NULL) == 0);
	VY_CHECK(c.shutdown);
	VY_CHECK_EQ_U64(c.done_count, 1234);
	VY_CHECK_EQ_U64(c.epoch, 77);
	VY_CHECK_EQ_U64(c.n_metrics, 2);
	VY_CHECK_EQ_U64(c.metrics[1].index, 31);
	VY_CHECK_EQ_U64(c.metrics[1].count, 9);
	VY_CHECK_EQ_U64(c.tenant_fairness[31], 20);
	VY_CHECK_EQ_U64(c.priority_fairness[4], 6);
}

VY_TEST(telemetry_validation_errors)
{
	struct vy_err e;

	VY_CHECK(vy_tel_control_validate(636, &e) == VY_E_CONTROL_SNAPSHOT_INVALID);
	VY_CHECK(strstr(e.msg, "offset 636") != NULL);
	VY_CHECK(vy_tel_control_validate(641, &e) == VY_E_CONTROL_SNAPSHOT_INVALID);
	VY_CHECK(vy_tel_control_validate(644, &e) == 0);
	VY_CHECK(vy_tel_ring_validate(65, &e) == VY_E_RING_NOT_WHOLE_SLOTS);
	VY_CHECK(strstr(e.msg, "offset 64") != NULL);
	VY_CHECK(vy_tel_ring_validate(0, &e) == 0);
}

VY_TEST(telemetry_windows_and_scratch_reuse)
{
	static const uint32_t ops[] = { 61698, 61697, 61698 };
	struct vy_tel t;
	struct vy_tel_scratch s;
	struct vy_tel_decode_capacity_evidence ev;
	size_t idx[16], n, cap_slots, cap_acc;
	uint32_t hot;

	reset_bufs();
	set_slot(ring, 0, 1, 61697, 4, 20, 0, 1);
	set_slot(ring, 1, 2, 61697, 5, 20, 1, 2);
	set_slot(ring, 2, 3, 61697, 4, 20, 2, 3);
	set_slot(ring, 3, 7, 61698, 6, 20, 0, 0);
	set_slot(ring, 4, 4, 61697, 7, 3, 1, 0);
	set_slot(ring, 7, 6, 61698, 8, 1, 1, 9);
	vy_tel_init(&t);
	vy_tel_scratch_init(&s);
	VY_CHECK(vy_tel_decode(&t, &s, ctl, sizeof(ctl), ring, 64 * 10,
				     ops, 3, 0, NULL) == 0);
	VY_CHECK_EQ_U64(t.n_slots, 10);
	VY_CHECK_EQ_U64(t.n_windows, 4);
	VY_CHECK_EQ_U64(t.windows[0].ticket, 1);
	VY_CHECK_EQ_U64(t.windows[2].ticket, 20);
	VY_CHECK_EQ_U64(t.windows[2].opcode, 61697);
	VY_CHECK_EQ_U64(t.windows[2].tenant_id, 4);	/* lowest slot */
	VY_CHECK_EQ_U64(t.windows[2].required_slots, 1);
	VY_CHECK_EQ_U64(t.windows[2].lookahead_slots, 1);	/* class 2 not */
	VY_CHECK(!vy_tel_window_telemetry_is_active(&t.windows[3]));	/* fault */
	n = vy_tel_active_windows(&t, idx);
	VY_CHECK_EQ_U64(n, 3);
	n = vy_tel_active_slots_for_opcode(&t, 61697, idx);
	VY_CHECK_EQ_U64(n, 3);
	VY_CHECK_EQ_U64(idx[2], 4);
	VY_CHECK(vy_tel_hot_window_count(&t, &hot, NULL) == 0);
	VY_CHECK_EQ_U64(hot, 0);
	vy_tel_decode_capacity_evidence_fill(&t, &s, &ev);
	VY_CHECK(vy_tel_decode_capacity_evidence_is_complete(&ev));
	/* A second decode of the same shape reuses every buffer. */
	cap_slots = t.slots_cap;
	cap_acc = s.acc_cap;
	VY_CHECK(vy_tel_decode(&t, &s, ctl, sizeof(ctl), ring, 64 * 10,
				     ops, 3, 0, NULL) == 0);
	VY_CHECK_EQ_U64(t.slots_cap, cap_slots);
	VY_CHECK_EQ_U64(s.acc_cap, cap_acc);
	VY_CHECK_EQ_U64(t.n_windows, 4);
	/* Without slot rows the occupancy is still complete. */
	VY_CHECK(vy_tel_decode(&t, &s, ctl, sizeof(ctl), ring, 64 * 10,
				     NULL, 0, VY_TEL_NO_SLOTS, NULL) == 0);
	VY_CHECK_EQ_U64(t.n_slots, 0);
	VY_CHECK_EQ_U64(t.n_windows, 0);
	VY_CHECK_EQ_U64(vy_tel_occupancy_total_slots(&t.occupancy), 10);
	VY_CHECK_EQ_U64(t.occupancy.empty, 4);
	vy_tel_free(&t);
	vy_tel_scratch_free(&s);
}

VY_TEST(telemetry_many_windows_grow_table)
{
	static uint8_t big[64 * 1000];
	static const uint32_t op = 300;
	struct vy_tel t;
	struct vy_tel_scratch s;
	uint32_t i, hot;

	memset(big, 0, sizeof(big));
	for (i = 0; i < 1000; i++)
		set_slot(big, i, 1, 300, i % 7, i / 4, i % 2, 0);
	reset_bufs();
	vy_tel_init(&t);
	vy_tel_scratch_init(&s);
	VY_CHECK(vy_tel_decode(&t, &s, ctl, sizeof(ctl), big,
				     sizeof(big), &op, 1, 0, NULL) == 0);
	VY_CHECK_EQ_U64(t.n_windows, 250);
	for (i = 0; i < 250; i++) {
		VY_CHECK_EQ_U64(t.windows[i].ticket, i);
		VY_CHECK_EQ_U64(t.windows[i].required_slots, 2);
		VY_CHECK_EQ_U64(t.windows[i].lookahead_slots, 2);
		VY_CHECK_EQ_U64(t.windows[i].tenant_id, (4 * i) % 7);
	}
	VY_CHECK(vy_tel_hot_window_count(&t, &hot, NULL) == 0);
	VY_CHECK_EQ_U64(hot, 250);
	vy_tel_free(&t);
	vy_tel_scratch_free(&s);
}

VY_TEST(telemetry_counters_and_health)
{
	struct vy_tel t;
	struct vy_tel_runtime_counters c;
	struct vy_tel_watchdog w;
	struct vy_err e;

	reset_bufs();
	vy_set_word(ctl, 1, 7);
	vy_set_word(ctl, 64, 3);
	vy_set_word(ctl, 65, 9);
	vy_set_word(ctl, 136, 5);
	set_slot(ring, 0, 6, 0, 0, 0, 0, 0);
	set_slot(ring, 1, 3, 0, 0, 0, 0, 0);
	set_slot(ring, 2, 1, 2, 11, 1, 2, 3);
	vy_tel_init(&t);
	VY_CHECK(vy_tel_decode(&t, NULL, ctl, sizeof(ctl), ring, 256,
				     NULL, 0, 0, NULL) == 0);
	vy_tel_runtime_counters_fill(&t, &c);
	VY_CHECK_EQ_U64(c.gpu_idle_ppm, 250000);
	VY_CHECK_EQ_U64(c.frontier_density_bps, 5000);
	VY_CHECK_EQ_U64(c.occupancy_proxy_bps, 7500);
	VY_CHECK_EQ_U64(c.tenant_fairness_skew, 6);
	VY_CHECK_EQ_U64(c.priority_fairness_total, 5);
	VY_CHECK(vy_tel_health(&t, 7, &w, NULL) == 0);
	VY_CHECK(w.suspected_stall);
	VY_CHECK(vy_tel_health(&t, 5, &w, NULL) == 0);
	VY_CHECK_EQ_U64(w.done_delta, 2);
	VY_CHECK(!w.suspected_stall);
	VY_CHECK(vy_tel_health(&t, 9, &w, &e) ==
		 VY_E_DONE_COUNTER_BACKWARDS);
	VY_CHECK(strstr(e.msg, "9 to 7") != NULL);
	vy_tel_free(&t);
}

VY_TEST(telemetry_count_min_reference_values)
{
	struct vy_tel_cms s, o;
	struct vy_err e;

	VY_CHECK_EQ_U64(vy_tel_splitmix64(0), 0xE220A8397B1DCDAFull);
	VY_CHECK_EQ_U64(vy_tel_splitmix64(2), 0x975835DE1C9756CEull);
	vy_tel_cms_init(&s);
	vy_tel_cms_init(&o);
	VY_CHECK(vy_tel_cms_reset_shape(&s, 3, 16, NULL) == 0);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 0, 2), 14);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 1, 2), 18);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 2, 2), 45);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 0, 9), 4);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 1, 9), 28);
	VY_CHECK_EQ_U64(vy_tel_cms_bucket(&s, 2, 9), 33);
	VY_CHECK(vy_tel_cms_add(&s, 2, 5, NULL) == 0);
	VY_CHECK_EQ_U64(vy_tel_cms_estimate(&s, 2), 5);
	VY_CHECK(vy_tel_cms_reset_shape(&o, 2, 16, NULL) == 0);
	VY_CHECK(vy_tel_cms_merge(&s, &o, &e) == VY_E_SKETCH_SHAPE_MISMATCH);
	VY_CHECK(vy_tel_cms_reset_shape(&o, 3, 16, NULL) == 0);
	VY_CHECK(vy_tel_cms_add(&o, 2, UINT64_MAX, NULL) == 0);
	VY_CHECK(vy_tel_cms_merge(&s, &o, &e) == VY_E_SKETCH_MERGE_OVERFLOW);
	VY_CHECK(vy_tel_cms_add(&o, 2, 1, &e) == VY_E_SKETCH_COUNTER_OVERFLOW);
	VY_CHECK(vy_tel_cms_reset_shape(&o, 0, 4, &e) == VY_E_SKETCH_ZERO_DIMENSION);
	VY_CHECK(vy_tel_cms_reset_shape(&o, SIZE_MAX, 4, &e) ==
		 VY_E_SKETCH_DIMENSION_OVERFLOW);
	vy_tel_cms_free(&s);
	vy_tel_cms_free(&o);
}

VY_TEST(telemetry_evidence)
{
	struct vy_tel_runtime_evidence ev;
	struct vy_tel_ring_occupancy occ = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	enum vy_tel_evidence_family miss[4];

	vy_tel_runtime_evidence_complete(&ev, 4096, 1024, 3072, &occ, 11, 13);
	VY_CHECK(vy_tel_runtime_evidence_is_complete(&ev));
	VY_CHECK_EQ_U64(vy_tel_runtime_evidence_copy_avoidance_bps(&ev), 7500);
	VY_CHECK_EQ_U64(vy_tel_occupancy_total_slots(&ev.ring_occupancy), 45);
	VY_CHECK_EQ_U64(vy_tel_occupancy_queue_depth(&ev.ring_occupancy), 40);
	ev.coverage.control = false;
	ev.coverage.residency = false;
	VY_CHECK_EQ_U64(vy_tel_runtime_evidence_missing(&ev, miss), 2);
	VY_CHECK_STR(vy_tel_evidence_family_name(miss[0]), "control");
	VY_CHECK(!vy_tel_runtime_evidence_is_complete(&ev));
	ev.host_copy_bytes = UINT64_MAX;
	ev.host_copy_avoided_bytes = UINT64_MAX;
	VY_CHECK_EQ_U64(vy_tel_runtime_evidence_copy_avoidance_bps(&ev), 5000);
}

VY_TEST(telemetry_printf_formats)
{
	static const char text[] = "# formats\n7 value %u then %04x\n"
				   "9 \"tab\\there %d%%\"\n\n7 again %u\n";
	struct vy_tel_printf_formats pf;
	struct vy_err e;
	char out[64];

	VY_CHECK(vy_tel_printf_formats_parse(&pf, text, sizeof(text) - 1, &e) == 0);
	VY_CHECK_STR(vy_tel_printf_formats_get(&pf, 7), "again %u");
	vy_tel_printf_render(vy_tel_printf_formats_get(&pf, 9), 0xFFFFFFFFu, 0, out,
			 sizeof(out));
	VY_CHECK_STR(out, "tab\there -1%");
	vy_tel_printf_render("a %u b %04x c %u %s", 10, 20, out, sizeof(out));
	VY_CHECK_STR(out, "a 10 b 0014 c %u %s");
	vy_tel_printf_render("%-4u|%c", 5, 'A', out, sizeof(out));
	VY_CHECK_STR(out, "5   |A");
	vy_tel_printf_render("trailing %", 1, 2, out, sizeof(out));
	VY_CHECK_STR(out, "trailing %");
	vy_tel_printf_render("long %u", 123456, 0, out, 8);
	VY_CHECK_STR(out, "long 12");
	vy_tel_printf_render("abcdefgh %u tail", 1, 2, out, 4);
	VY_CHECK_STR(out, "abc");
	VY_CHECK(vy_tel_printf_formats_get(&pf, 8) == NULL);
	vy_tel_printf_formats_free(&pf);
	VY_CHECK(vy_tel_printf_formats_parse(&pf, "x y\n", 4, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "line 1") != NULL);
	VY_CHECK(vy_tel_printf_formats_parse(&pf, "1\n", 2, &e) == VY_E_FORMAT);
}

/* Write @n snapshots (the second one corrupted when @corrupt) to a pipe. */
static int make_stream(int n, int corrupt, int fds[2])
{
	struct vy_snapshot s;
	uint8_t *buf;
	size_t len;
	int i;

	if (pipe(fds))
		return -1;
	reset_bufs();
	for (i = 0; i < n; i++) {
		vy_set_word(ctl, 1, (uint32_t)i * 3);
		vy_snapshot_init(&s);
		s.sequence = (uint64_t)i;
		vy_snapshot_set_buf(&s, VY_BUF_CONTROL, ctl, sizeof(ctl));
		vy_snapshot_set_buf(&s, VY_BUF_RING, ring, 256);
		vy_snapshot_fill_geometry(&s);
		if (vy_dump_encode(&s, &buf, &len, NULL))
			return -1;
		if (corrupt && i == 1)
			buf[len - 8] ^= 0xff;	/* payload checksum breaks */
		if (write(fds[1], buf, len) != (ssize_t)len)
			return -1;
		free(buf);
	}
	close(fds[1]);
	return 0;
}

VY_TEST(telemetry_stream_skips_corrupt_snapshot)
{
	struct vy_tel_stream st;
	struct vy_snapshot s;
	struct vy_err e;
	int fds[2], ret, good = 0, bad = 0;
	uint64_t seq[4];

	VY_CHECK(make_stream(3, 1, fds) == 0);
	vy_tel_stream_init(&st, fds[0], "pipe");
	for (;;) {
		ret = vy_tel_stream_next(&st, false, &s, &e);
		if (ret == 0)
			break;
		if (ret == 1) {
			seq[good++] = s.sequence;
			continue;
		}
		bad++;
		VY_CHECK(ret == VY_E_BAD_CHECKSUM);
		vy_tel_stream_skip(&st);
	}
	vy_tel_stream_free(&st);
	close(fds[0]);
	VY_CHECK_EQ_U64(good, 2);
	VY_CHECK_EQ_U64(bad, 1);
	VY_CHECK_EQ_U64(seq[1], 2);
}

VY_TEST(telemetry_report_health_and_reset)
{
	static const struct vy_rep_decode_opts o = { .slots = VY_TEL_SLOTS_ALL };
	static uint8_t c0[640], c1[640];
	struct vy_rep_decode a, b;
	struct vy_err e;
	json_t *j;

	reset_bufs();
	set_slot(ring, 0, 1, 2, 0, 0, 0, 0);
	vy_set_word(c0, 1, 9);
	vy_set_word(c1, 1, 7);
	vy_rep_decode_init(&a);
	vy_rep_decode_init(&b);
	a.source = b.source = "t";
	a.control = c0;
	a.control_len = sizeof(c0);
	a.ring = b.ring = ring;
	a.ring_len = b.ring_len = 128;
	b.control = c1;
	b.control_len = sizeof(c1);
	VY_CHECK(vy_rep_decode_build(&a, &o, NULL, &e) == 0);
	VY_CHECK(!a.has_health);
	b.index = 1;
	VY_CHECK(vy_rep_decode_build(&b, &o, &a, &e) == 0);
	VY_CHECK(b.has_health);
	VY_CHECK(b.counter_reset);
	VY_CHECK(!b.health.suspected_stall);
	j = vy_rep_decode_json(&b);
	VY_CHECK(json_is_true(json_object_get(json_object_get(j, "health"),
					      "counter_reset")));
	VY_CHECK_EQ_U64(json_array_size(json_object_get(j, "slots")), 2);
	json_decref(j);
	/* Errors carry the file offset of the failing buffer. */
	b.ring_len = 100;
	b.base[VY_BUF_RING] = 1000;
	VY_CHECK(vy_rep_decode_build(&b, &o, &a, &e) ==
		 VY_E_RING_NOT_WHOLE_SLOTS);
	VY_CHECK_EQ_U64(b.err_buf, VY_BUF_RING);
	VY_CHECK(strncmp(e.msg, "offset 1064:", 12) == 0);
	vy_rep_decode_free(&a);
	vy_rep_decode_free(&b);
}

VY_TEST(telemetry_readback_slot_count)
{
	uint32_t n;
	struct vy_err e;

	VY_CHECK(vy_tel_readback_slot_count(256, &n, NULL) == 0);
	VY_CHECK_EQ_U64(n, 4);
	VY_CHECK(vy_tel_readback_slot_count(65, &n, &e) ==
		 VY_E_READBACK_RING_NOT_WHOLE_SLOTS);
}

VY_TEST(telemetry_status_names)
{
	char tmp[32];
	uint32_t v;

	VY_CHECK_STR(vy_slot_status_name(4), "wait_io");
	VY_CHECK_STR(vy_slot_status_name(99), "unknown");
	VY_CHECK_STR(vy_slot_status_upstream(9, tmp, sizeof(tmp)),
		     "Unknown(9)");
	VY_CHECK(vy_slot_status_parse("WaitIo", &v) == 0 && v == 4);
	VY_CHECK(vy_slot_status_parse("fault", &v) == 0 && v == 7);
	VY_CHECK(vy_slot_status_parse("12", &v) == 0 && v == 12);
	VY_CHECK(vy_slot_status_parse("nope", &v) == VY_E_INVAL);
	VY_CHECK_STR(vy_rep_control_word_name(97, tmp, sizeof(tmp)), "metrics[1]");
	VY_CHECK_STR(vy_rep_control_word_name(161, tmp, sizeof(tmp)),
		     "observable[1]");
}

/* One table, both spellings: parse inverts name and upstream. */
VY_TEST(wire_status_names_round_trip)
{
	char tmp[32];
	uint32_t s, v;

	for (s = 0; s <= VY_STATUS_COUNT + 1; s++) {
		VY_CHECK(vy_slot_status_parse(
				 vy_slot_status_upstream(s, tmp, sizeof(tmp)),
				 &v) == 0 && v == s);
		if (s < VY_STATUS_COUNT)
			VY_CHECK(vy_slot_status_parse(vy_slot_status_name(s),
						      &v) == 0 && v == s);
	}
	VY_CHECK_STR(vy_slot_status_upstream(VY_STATUS_WAIT_IO, tmp,
					     sizeof(tmp)), "WaitIo");
	VY_CHECK(vy_slot_status_parse("WAIT_IO", &v) == 0 &&
		 v == VY_STATUS_WAIT_IO);
	v = 77;
	VY_CHECK(vy_slot_status_parse("unknown", &v) == VY_E_INVAL && v == 77);
}
