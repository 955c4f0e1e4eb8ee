/* SPDX-License-Identifier: MIT */
/*
 * policy_feedback.c - launch feedback from decoded telemetry and from
 * captured snapshot files, and recommend_launch on it (seed 000,
 * policy-telemetry.md §2.8).
 */
#include "wire/dump.h"
#include "policy/feedback.h"
#include "telemetry/telemetry.h"

#include <stdlib.h>
#include <string.h>

int vy_pol_launch_feedback_from_telemetry(struct vy_pol_launch_feedback *f,
				      const struct vy_tel *t,
				      struct vy_err *e)
{
	struct vy_tel_runtime_counters rc;
	size_t i;
	int ret;

	vy_tel_runtime_counters_fill(t, &rc);
	memset(f, 0, sizeof(*f));
	vy_pol_launch_feedback_set_counts(f, rc.total_slots, rc.queue_depth,
				      t->occupancy.requeue);
	f->frontier_density_bps = rc.frontier_density_bps;
	f->hot_opcode_count = vy_tel_hot_opcode_count(t);
	for (i = 0; i < t->n_windows; i++) {
		ret = vy_pol_launch_feedback_add_window(f,
						    t->windows[i].required_slots,
						    t->windows[i].lookahead_slots,
						    e);
		if (ret)
			return ret;
	}
	return 0;
}

/* Keep a private copy: the reader's buffer is reused by the next call. */
static int keep(uint8_t **dst, size_t *dlen, const struct vy_dump_buf *b,
		struct vy_err *e)
{
	uint8_t *p = malloc(b->len ? b->len : 1);

	if (!p)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	if (b->len)
		memcpy(p, b->data, b->len);
	free(*dst);
	*dst = p;
	*dlen = b->len;
	return 0;
}

/* dump.h messages start at the offset; the caller's file name goes first. */
static int name_file(struct vy_err *e, const char *path, int ret)
{
	char msg[VY_ERR_MSG_MAX];
	size_t n = strlen(path), m;

	if (!e || (strncmp(e->msg, path, n) == 0 && e->msg[n] == ':'))
		return ret;
	if (n > VY_ERR_MSG_MAX / 2)
		n = VY_ERR_MSG_MAX / 2;
	memcpy(msg, path, n);
	msg[n++] = ':';
	msg[n++] = ' ';
	m = strlen(e->msg);
	if (m > sizeof(msg) - 1 - n)
		m = sizeof(msg) - 1 - n;
	memcpy(msg + n, e->msg, m);
	msg[n + m] = '\0';
	memcpy(e->msg, msg, sizeof(msg));
	return ret;
}

int vy_pol_launch_feedback_load(const char *path, const uint32_t *windows,
			    size_t n, struct vy_pol_launch_feedback *f,
			    struct vy_dump_geometry *geo, struct vy_err *e)
{
	struct vy_dump_reader *rd = NULL;
	struct vy_snapshot s;
	struct vy_tel t;
	uint8_t *control = NULL, *ring = NULL;
	size_t clen = 0, rlen = 0;
	int ret, got = 0;

	vy_tel_init(&t);
	ret = vy_dump_reader_open(path, &rd, e);
	if (ret)
		return ret;
	ret = vy_dump_reader_kind(rd, e);
	if (ret < 0) {
		name_file(e, path, ret);
		goto out;
	}
	if (ret != VY_DUMP_KIND_VYRD) {
		ret = vy_errf(e, VY_E_FORMAT,
			      "capture one with vyre-launch --snapshot, or build one with vyre-mkdump",
			      "%s: not a VYRD snapshot", path);
		goto out;
	}
	/* The last snapshot is the newest state. */
	while ((ret = vy_dump_reader_next(rd, &s, e)) == 1) {
		if (!s.buf[VY_BUF_CONTROL].present || !s.buf[VY_BUF_RING].present)
			continue;
		ret = keep(&control, &clen, &s.buf[VY_BUF_CONTROL], e);
		if (!ret)
			ret = keep(&ring, &rlen, &s.buf[VY_BUF_RING], e);
		if (ret)
			goto out;
		if (geo)
			*geo = s.geo;
		got = 1;
	}
	if (ret < 0) {
		name_file(e, path, ret);
		goto out;
	}
	if (!got) {
		ret = vy_errf(e, VY_E_FORMAT,
			      "capture the control and ring buffers together",
			      "%s: no snapshot holds both a control and a ring section",
			      path);
		goto out;
	}
	ret = vy_tel_decode(&t, NULL, control, clen, ring, rlen, windows,
				  n, VY_TEL_NO_SLOTS, e);
	if (!ret)
		ret = vy_pol_launch_feedback_from_telemetry(f, &t, e);
	if (ret)
		name_file(e, path, ret);
out:
	vy_tel_free(&t);
	free(control);
	free(ring);
	vy_dump_reader_free(rd);
	return ret;
}

void vy_pol_launch_feedback_set_counts(struct vy_pol_launch_feedback *f,
				   uint32_t total_slots, uint32_t queue_depth,
				   uint32_t requeue_slots)
{
	uint64_t d = 0;

	f->total_slots = total_slots;
	f->queue_depth = queue_depth;
	f->requeue_slots = requeue_slots;
	if (total_slots) {
		d = (uint64_t)queue_depth * 10000u / total_slots;
		if (d > UINT16_MAX)
			d = UINT16_MAX;
	}
	f->frontier_density_bps = (uint16_t)d;
}

int vy_pol_launch_feedback_add_window(struct vy_pol_launch_feedback *f,
				  uint32_t required_slots,
				  uint32_t lookahead_slots, struct vy_err *e)
{
	if (required_slots > UINT32_MAX - lookahead_slots)
		return vy_errf(e, VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW,
			       "shard route windows before telemetry aggregation",
			       "route window demand %u + %u overflows u32",
			       required_slots, lookahead_slots);
	if (required_slots + lookahead_slots >= VY_FEEDBACK_HOT_WINDOW_SLOTS &&
	    f->hot_window_count < UINT32_MAX)
		f->hot_window_count++;
	return 0;
}

int vy_pol_launch_request_fill_from_feedback(struct vy_pol_launch_request *r,
					 const struct vy_pol_launch_feedback *f,
					 struct vy_err *e)
{
	if (r->requeue_count > UINT64_MAX - f->requeue_slots)
		return vy_errf(e, VY_E_REQUEUE_COUNT_OVERFLOW,
			       "drain scheduler telemetry before the counter reaches 2^64",
			       "requeue count %llu + %u overflows u64",
			       (unsigned long long)r->requeue_count,
			       f->requeue_slots);
	if (r->graph_node_count == 0)
		r->graph_node_count = f->total_slots;
	if (r->graph_edge_count == 0)
		r->graph_edge_count = f->queue_depth;
	if (r->frontier_density_bps == 0)
		r->frontier_density_bps = f->frontier_density_bps;
	r->hot_opcode_count = f->hot_opcode_count;
	r->hot_window_count = f->hot_window_count;
	r->requeue_count += f->requeue_slots;
	return 0;
}

int vy_pol_recommend_from_feedback(const struct vy_pol_launch_feedback *f,
				      const struct vy_pol_launch_request *r,
				      struct vy_pol_launch_cache *cache,
				      struct vy_pol_launch_request *filled,
				      struct vy_pol_launch_recommendation *out,
				      struct vy_err *e)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_pol_launch_request fr = *r;
	int ret;

	ret = vy_pol_launch_request_fill_from_feedback(&fr, f, e);
	if (ret)
		return ret;
	if (filled)
		*filled = fr;
	return vy_pol_recommend(&p, &fr, cache, out, e);
}
