/* SPDX-License-Identifier: MIT */
/*
 * stream.c - vyre-stream's output (report/stream.h).
 */
#include "report/stream.h"
#include "report/launch.h"
#include "wire/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

double vy_rep_gbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / (double)ns : 0.0;
}

json_t *vy_rep_stream_result_json(const struct vy_dev_stream_result *r,
				  enum vy_dev_scan op)
{
	char buf[40];
	json_t *a;
	int k;

	switch (op) {
	case VY_SCAN_CHECKSUM:
		vy_dev_result_format(r, op, buf, sizeof(buf));
		return json_string(buf);
	case VY_SCAN_COUNT:
	case VY_SCAN_GREP:
		return vy_rep_json_u64(r->count);
	case VY_SCAN_HIST:
		a = json_array();
		for (k = 0; k < 256; k++)
			json_array_append_new(a, vy_rep_json_u64(r->hist[k]));
		return a;
	}
	return json_null();
}

void vy_rep_stream_table_line(FILE *f, const struct vy_dev_stream_input *in,
			      enum vy_dev_scan op)
{
	static char buf[VY_RESULT_STR_MAX];

	if (in->status)
		return;
	vy_dev_result_format(&in->res, op, buf, sizeof(buf));
	vy_rep_table_field(f, in->path);
	fprintf(f, "\t%" PRIu64 "\t%s\n", in->res.bytes, buf);
}

json_t *vy_rep_stream_input_json(const struct vy_dev_stream_input *in,
				 enum vy_dev_scan op)
{
	json_t *o = json_object();

	vy_rep_json_set_name(o, "path", in->path);
	json_object_set_new(o, "status",
			    json_string(in->status ? "error" : "ok"));
	if (in->status) {
		json_object_set_new(o, "error", vy_rep_json_text(in->err.msg));
		json_object_set_new(o, "code",
				    json_string(vy_err_name(in->status)));
	} else {
		json_object_set_new(o, "bytes", vy_rep_json_u64(in->res.bytes));
		json_object_set_new(o, "result",
				    vy_rep_stream_result_json(&in->res, op));
		if (in->verified)
			json_object_set_new(o, "verified",
					    json_boolean(in->verified > 0));
	}
	json_object_set_new(o, "o_direct", json_boolean(in->direct));
	return o;
}

void vy_rep_stream_input(FILE *f, enum vy_rep_format fmt,
			 const struct vy_dev_stream_input *in,
			 enum vy_dev_scan op, json_t *inputs)
{
	json_t *o;

	if (fmt == VY_FMT_TABLE) {
		vy_rep_stream_table_line(f, in, op);
		return;
	}
	o = vy_rep_stream_input_json(in, op);
	if (fmt == VY_FMT_JSON) {
		json_array_append_new(inputs, o);
		return;
	}
	vy_rep_emit_json(f, o, "vyre-stream/1", 0);
	json_decref(o);
}

void vy_rep_stream_mismatch(FILE *f, const char *prog,
			    const struct vy_dev_stream_input *in,
			    enum vy_dev_scan op)
{
	static char b1[VY_RESULT_STR_MAX], b2[VY_RESULT_STR_MAX];

	vy_dev_result_format(&in->res, op, b1, sizeof(b1));
	vy_dev_result_format(&in->ref, op, b2, sizeof(b2));
	fprintf(f,
		"%s: %s: --verify mismatch: device %" PRIu64
		" bytes %.40s, cpu %" PRIu64 " bytes %.40s\n",
		prog, in->path, in->res.bytes, b1, in->ref.bytes, b2);
}

json_t *vy_rep_stream_metrics_json(const struct vy_dev_stream_metrics *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "bytes", vy_rep_json_u64(m->bytes));
	json_object_set_new(o, "files", vy_rep_json_u64(m->files));
	json_object_set_new(o, "failed_files", vy_rep_json_u64(m->failed_files));
	json_object_set_new(o, "chunks", vy_rep_json_u64(m->chunks));
	json_object_set_new(o, "launches", vy_rep_json_u64(m->launches));
	json_object_set_new(o, "wall_s", json_real((double)m->wall_ns / 1e9));
	json_object_set_new(o, "gbps_end_to_end",
			    json_real(vy_rep_gbps(m->bytes, m->wall_ns)));
	json_object_set_new(o, "gbps_read",
			    json_real(vy_rep_gbps(m->bytes, m->io_busy_ns)));
	json_object_set_new(o, "gbps_h2d",
			    json_real(vy_rep_gbps(m->h2d_bytes, m->h2d_ns)));
	json_object_set_new(o, "h2d_bytes", vy_rep_json_u64(m->h2d_bytes));
	json_object_set_new(o, "kernel_s",
			    json_real((double)m->kernel_ns / 1e9));
	json_object_set_new(o, "verify_s",
			    json_real((double)m->verify_ns / 1e9));
	json_object_set_new(o, "io_busy_s",
			    json_real((double)m->io_busy_ns / 1e9));
	json_object_set_new(o, "stall_io_s",
			    json_real((double)m->stall_io_ns / 1e9));
	json_object_set_new(o, "stall_device_s",
			    json_real((double)m->stall_dev_ns / 1e9));
	json_object_set_new(o, "qd", json_integer(m->qd));
	json_object_set_new(o, "qd_avg",
			    json_real(m->io_busy_ns ?
				      (double)m->inflight_ns /
				      (double)m->io_busy_ns : 0.0));
	json_object_set_new(o, "inflight_max", vy_rep_json_u64(m->inflight_max));
	json_object_set_new(o, "dev_slots", json_integer(m->dev_slots));
	json_object_set_new(o, "chunk", vy_rep_json_u64(m->chunk));
	json_object_set_new(o, "groups_per_chunk", json_integer(m->groups));
	json_object_set_new(o, "workgroup", json_integer(m->wg));
	json_object_set_new(o, "reads", vy_rep_json_u64(m->reads));
	json_object_set_new(o, "short_reads", vy_rep_json_u64(m->short_reads));
	json_object_set_new(o, "retries", vy_rep_json_u64(m->retries));
	json_object_set_new(o, "failed_reads", vy_rep_json_u64(m->failed_reads));
	json_object_set_new(o, "cpu_copy_bytes",
			    vy_rep_json_u64(m->cpu_copy_bytes));
	json_object_set_new(o, "engine",
			    json_string(m->engine ? m->engine : "none"));
	json_object_set_new(o, "registered", json_boolean(m->registered));
	json_object_set_new(o, "async_reads", json_boolean(m->async_reads));
	json_object_set_new(o, "o_direct_files",
			    vy_rep_json_u64(m->direct_files));
	json_object_set_new(o, "transport",
			    json_string(m->transport ? m->transport : "none"));
	json_object_set_new(o, "persistent", json_boolean(m->persistent));
	json_object_set_new(o, "device", vy_rep_json_text(m->device));
	json_object_set_new(o, "ring_slots", json_integer(m->ring_slots));
	json_object_set_new(o, "done_count", vy_rep_json_u64(m->done_count));
	if (m->persistent) {
		json_t *s = json_object();

		json_object_set_new(s, "ring_slots", json_integer(m->ring_slots));
		json_object_set_new(s, "parts_per_chunk", json_integer(m->parts));
		json_object_set_new(s, "published",
				    vy_rep_json_u64(m->mk_published));
		json_object_set_new(s, "completed",
				    vy_rep_json_u64(m->mk_completed));
		json_object_set_new(s, "done_count",
				    vy_rep_json_u64(m->done_count));
		json_object_set_new(o, "session", s);
	}
	return o;
}

void vy_rep_stream_metrics_line(FILE *f, const char *prog,
				const struct vy_dev_stream_metrics *m)
{
	char h2d[32] = "none";

	/* the shared transport copies nothing: no rate to print */
	if (m->h2d_bytes)
		snprintf(h2d, sizeof(h2d), "%.2f GB/s",
			 vy_rep_gbps(m->h2d_bytes, m->h2d_ns));
	fprintf(f,
		"%s: %" PRIu64 " files, %" PRIu64 " bytes in %.3f s: "
		"%.2f GB/s end to end, read %.2f GB/s, h2d %s; "
		"qd %u (avg %.1f, max %" PRIu64 "), stall io %.3f s, "
		"device %.3f s; short reads %" PRIu64 ", retries %" PRIu64
		", cpu copy %" PRIu64 " bytes; engine %s%s%s, o_direct %" PRIu64
		"/%" PRIu64 ", transport %s%s, %" PRIu64 " launches; %s\n",
		prog, m->files, m->bytes, (double)m->wall_ns / 1e9,
		vy_rep_gbps(m->bytes, m->wall_ns), vy_rep_gbps(m->bytes, m->io_busy_ns),
		h2d, m->qd,
		m->io_busy_ns ? (double)m->inflight_ns / (double)m->io_busy_ns :
				0.0,
		m->inflight_max, (double)m->stall_io_ns / 1e9,
		(double)m->stall_dev_ns / 1e9, m->short_reads, m->retries,
		m->cpu_copy_bytes, m->engine ? m->engine : "none",
		m->registered ? " registered" : "",
		m->async_reads ? " async" : "", m->direct_files, m->files,
		m->transport ? m->transport : "none",
		m->persistent ? " persistent" : "", m->launches, m->device);
	if (m->persistent)
		fprintf(f,
			"%s: megakernel session: %u ring slots, %u parts per "
			"chunk, %" PRIu64 " published, %" PRIu64
			" completed, DONE_COUNT %" PRIu64 "\n",
			prog, m->ring_slots, m->parts, m->mk_published,
			m->mk_completed, m->done_count);
}

int vy_rep_stream_document(FILE *f, enum vy_rep_format fmt,
			   enum vy_dev_scan op, json_t *inputs,
			   const struct vy_dev_stream_metrics *m,
			   json_t *evidence)
{
	json_t *doc;
	int ret;

	if (fmt != VY_FMT_JSON && fmt != VY_FMT_JSONL) {
		json_decref(inputs);
		json_decref(evidence);
		return 0;
	}
	doc = json_object();
	if (fmt == VY_FMT_JSON) {
		json_object_set_new(doc, "op", json_string(vy_dev_scan_name(op)));
		json_object_set_new(doc, "inputs", inputs ? inputs :
						   json_array());
	} else {
		json_decref(inputs);
	}
	json_object_set_new(doc, "metrics", vy_rep_stream_metrics_json(m));
	if (evidence)
		json_object_set_new(doc, "runtime_io_evidence", evidence);
	ret = vy_rep_emit_json(f, doc, "vyre-stream/1", fmt == VY_FMT_JSON);
	json_decref(doc);
	return ret;
}

int vy_rep_stream_session(void *arg, struct vy_mk *mk, struct vy_err *e)
{
	(void)arg;
	return vy_rep_launch_setup(mk, 0, 0, NULL, NULL, e);
}

int vy_rep_read_lines(const char *path, char **buf, const char ***list,
		      size_t *n, struct vy_err *e)
{
	uint8_t *data;
	size_t len;
	char *s, *nl;
	int ret = vy_read_file(path, &data, &len, e);

	if (ret < 0)
		return ret;
	*buf = realloc(data, len + 1);
	if (!*buf) {
		free(data);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	(*buf)[len] = '\0';
	for (s = *buf; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = '\0';
		if (*s) {
			const char **nlst = realloc(*list,
						    (*n + 1) * sizeof(**list));

			if (!nlst)
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "out of memory");
			*list = nlst;
			(*list)[(*n)++] = s;
		}
		if (!nl)
			break;
	}
	return 0;
}
