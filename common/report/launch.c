/* SPDX-License-Identifier: MIT */
/*
 * launch.c - vyre-launch's geometry request, work source, snapshot
 * writers, run report and verdict (launch.h).
 */
#include "report/launch.h"
#include "report/decode.h"
#include "report/emit.h"
#include "report/launch_seed.h"
#include "report/recommend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/protocol.h"
#include "wire/util.h"

/* ---- latency percentiles ------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void vy_rep_sort_u64(uint64_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t vy_rep_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

/* ---- the geometry --------------------------------------------------- */

static void pol_limits(const struct vy_dev_limits *lim,
		       struct vy_pol_device_limits *out)
{
	out->max_workgroup_size_x = lim->max_workgroup_size_x;
	out->max_invocations = lim->max_invocations;
	out->resident_worker_groups = lim->resident_worker_groups;
}

void vy_rep_launch_request(const struct vy_dev_limits *lim,
			   uint32_t ring_slots, bool persistent,
			   struct vy_pol_launch_request *out)
{
	struct vy_pol_device_limits pl;

	pol_limits(lim, &pl);
	vy_pol_launch_request_for_device(&pl, ring_slots, persistent, out);
}

int vy_rep_launch_geometry(const struct vy_dev_limits *lim,
			   uint32_t ring_slots, bool persistent,
			   struct vy_pol_launch_recommendation *rec,
			   struct vy_pol_launch_geometry *out,
			   struct vy_err *e)
{
	struct vy_pol_device_limits pl;

	pol_limits(lim, &pl);
	return vy_pol_launch_geometry_choose(&pl, ring_slots, persistent, rec,
					     out, e);
}

int vy_rep_launch_setup(struct vy_mk *mk, uint32_t workgroups,
			uint32_t workgroup_size, struct vy_dev_limits *lim,
			struct vy_pol_launch_geometry *chosen,
			struct vy_err *e)
{
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_geometry g;
	struct vy_dev_mk_info info;
	struct vy_dev_limits l;
	int err;

	vy_dev_mk_get_info(mk, &info);
	err = vy_dev_mk_limits(mk, &l, e);
	if (!err)
		err = vy_rep_launch_geometry(&l, info.slots, info.persistent,
					     &rec, &g, e);
	if (err)
		return err;
	err = vy_dev_mk_set_geometry(mk, workgroups ? workgroups :
							g.workgroups,
				     workgroup_size ? workgroup_size :
						      g.workgroup_size, e);
	if (err == VY_E_INVAL)
		snprintf(e->hint, sizeof(e->hint),
			 "the device's max_worker_count is %u and its work-group size limit %u (--list-devices); leave it out to run the launch policy's %u work-groups of %u lanes",
			 l.resident_worker_groups, l.max_workgroup_size_x,
			 g.workgroups, g.workgroup_size);
	if (lim)
		*lim = l;
	if (chosen)
		*chosen = g;
	return err;
}

/* CL_DEVICE_MAX_WORK_GROUPS has no OpenCL query: the common GPU x limit */
#define NOMINAL_MAX_GROUPS 65535u

void vy_rep_device_cap(uint32_t ring_slots,
		       const struct vy_pol_launch_recommendation *rec,
		       struct vy_rep_device_cap *c)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_dev_limits all = c->lim;
	struct vy_pol_launch_recommendation alt;
	struct vy_pol_launch_request ar;

	all.resident_worker_groups = NOMINAL_MAX_GROUPS;
	vy_rep_launch_request(&all, ring_slots, true, &ar);
	c->applied = false;
	c->uncapped = rec->geometry.dispatch_grid[0];
	if (vy_pol_recommend(&p, &ar, NULL, &alt, NULL) == 0) {
		c->uncapped = alt.geometry.dispatch_grid[0];
		c->applied = c->uncapped > rec->geometry.dispatch_grid[0];
	}
}

json_t *vy_rep_device_cap_json(const struct vy_rep_device_cap *c)
{
	return json_pack("{s:s,s:I,s:I,s:b,s:I}", "name", c->lim.name,
			 "compute_units", (json_int_t)c->lim.compute_units,
			 "resident_worker_groups",
			 (json_int_t)c->lim.resident_worker_groups,
			 "worker_cap_applied", c->applied,
			 "uncapped_worker_groups", (json_int_t)c->uncapped);
}

void vy_rep_device_cap_table(FILE *f, const struct vy_rep_device_cap *c)
{
	fprintf(f, "%-28s %s\n", "device", c->lim.name);
	if (c->applied)
		fprintf(f, "%-28s capped %u -> %u (work-groups that can be resident at once)\n",
			"worker_cap", c->uncapped,
			c->lim.resident_worker_groups);
	else
		fprintf(f, "%-28s not needed (%u resident work-groups)\n",
			"worker_cap", c->lim.resident_worker_groups);
}

void vy_rep_recommend_print(FILE *f, enum vy_rep_format fmt,
			    const struct vy_pol_launch_recommendation *rec,
			    const struct vy_rep_device_cap *dev,
			    const struct vy_pol_rec_check *checks,
			    size_t nchecks)
{
	json_t *doc;

	switch (fmt) {
	case VY_FMT_JSON:
	case VY_FMT_JSONL:
		doc = vy_rep_recommendation_json(rec);
		if (dev)
			json_object_set_new(doc, "device",
					    vy_rep_device_cap_json(dev));
		if (nchecks)
			json_object_set_new(doc, "checks",
					    vy_rep_rec_checks_json(checks, nchecks,
								   rec));
		vy_rep_emit_json(f, doc, VY_RECOMMEND_SCHEMA,
			     fmt == VY_FMT_JSON);
		json_decref(doc);
		break;
	case VY_FMT_CSV:
		vy_rep_recommendation_csv_header(f);
		vy_rep_recommendation_csv_row(f, rec);
		break;
	default:
		vy_rep_recommendation_table(f, rec);
		if (dev)
			vy_rep_device_cap_table(f, dev);
		vy_rep_rec_checks_table(f, checks, nchecks, rec);
		break;
	}
}

static const char *dev_type(const struct vy_dev_cl_devinfo *d)
{
	return d->is_gpu ? "gpu" : d->is_cpu ? "cpu" : "other";
}

static json_t *device_json(const struct vy_dev_cl_devinfo *d)
{
	struct vy_dev_caps c;
	char id[16];

	vy_dev_caps_of(d, &c);
	snprintf(id, sizeof(id), "%u:%u", d->platform_idx, d->device_idx);
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:b,s:s,s:{s:b,s:I,s:s}}",
		"id", id, "type", dev_type(d), "name", vy_rep_json_text(d->name),
		"platform", vy_rep_json_text(d->platform),
		"version", vy_rep_json_text(d->version),
		"compute_units", (json_int_t)d->compute_units,
		"max_workgroup_size", (json_int_t)d->max_workgroup_size,
		"global_mem_bytes", (json_int_t)d->global_mem_bytes,
		"max_alloc_bytes", (json_int_t)d->max_alloc_bytes,
		"unified_memory", d->unified_memory,
		"transport",
		vy_dev_transport_name(vy_dev_transport_choose(d)),
		"caps", "supported", c.supported, "max_worker_count",
		(json_int_t)c.max_worker_count, "reason", c.reason);
}

int vy_rep_device_list(FILE *f, enum vy_rep_format fmt, struct vy_err *e)
{
	struct vy_dev_cl_devinfo d[64];
	int n = vy_dev_cl_list(d, 64, e);
	json_t *doc, *arr;

	if (n <= 0)
		return n;
	if (n > 64)
		n = 64;
	if (fmt == VY_FMT_JSON) {
		int ret;

		arr = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, device_json(&d[i]));
		doc = json_pack("{s:o}", "devices", arr);
		ret = vy_rep_emit_json(f, doc, "vyre-launch-devices/1", 1);
		json_decref(doc);
		if (ret)
			return vy_errf(e, VY_E_IO, NULL, "standard output: write error");
		return n;
	}
	fprintf(f, "%-5s %-4s %-5s %-8s %-9s %-8s %-9s %-9s %-11s %s\n", "ID",
		"TYPE", "CUS", "MAX_WG", "MEM_MIB", "UNIFIED", "TRANSPORT",
		"SUPPORTED", "MAX_WORKERS", "NAME (PLATFORM)");
	for (int i = 0; i < n && i < 64; i++) {
		struct vy_dev_caps c;
		char id[16];

		vy_dev_caps_of(&d[i], &c);
		snprintf(id, sizeof(id), "%u:%u", d[i].platform_idx,
			 d[i].device_idx);
		fprintf(f, "%-5s %-4s %-5u %-8llu %-9llu %-8s %-9s %-9s %-11u %s (%s)\n",
			id, dev_type(&d[i]), d[i].compute_units,
			(unsigned long long)d[i].max_workgroup_size,
			(unsigned long long)(d[i].global_mem_bytes >> 20),
			d[i].unified_memory ? "yes" : "no",
			vy_dev_transport_name(vy_dev_transport_choose(&d[i])),
			c.supported ? "yes" : "no", c.max_worker_count,
			d[i].name, d[i].platform);
		if (!c.supported)
			fprintf(f, "%-5s not supported: %s\n", "", c.reason);
	}
	return n;
}

/* ---- the work source ------------------------------------------------ */

int vy_rep_work_load(struct vy_rep_work *w, const char *path, int binary,
		     uint64_t synth_n, uint32_t synth_op, struct vy_err *e)
{
	const char *name;
	uint8_t *buf;
	size_t len;
	int err;

	memset(w, 0, sizeof(*w));
	if (!path) {
		w->synthetic = 1;
		w->synth_n = synth_n;
		w->synth_op = synth_op;
		return 0;
	}
	name = strcmp(path, "-") ? path : "<stdin>";
	err = vy_read_file(path, &buf, &len, e);
	if (err)
		return err;
	if (binary)
		err = vy_workfile_parse_binary(buf, len, name, &w->wf, e);
	else
		err = vy_workfile_parse((const char *)buf, len, name, &w->wf,
					e);
	free(buf);
	return err;
}

void vy_rep_work_free(struct vy_rep_work *w)
{
	vy_workfile_free(&w->wf);
}

int vy_rep_work_next(void *arg, uint32_t w[16], int *fence,
		     struct vy_err *e)
{
	struct vy_rep_work *s = arg;
	struct vy_wf_item it;

	(void)e;
	if (s->synthetic) {
		if (s->synth_i == s->synth_n)
			return 0;
		vy_workfile_synthetic(s->synth_op, s->synth_i++, &it);
		memcpy(w, it.w, sizeof(it.w));
		return 1;
	}
	if (s->next == s->wf.n)
		return 0;
	*fence = s->wf.items[s->next].fence;
	memcpy(w, s->wf.items[s->next].w, sizeof(it.w));
	s->next++;
	return 1;
}

void vy_rep_work_produce(void *arg, uint8_t *rows, uint64_t first, uint32_t n)
{
	const struct vy_rep_work *s = arg;
	struct vy_wf_item it;
	uint8_t img[VY_SLOT_BYTES];

	/* every synthetic item has the same words (workfile.h) */
	vy_workfile_synthetic(s->synth_op, first, &it);
	for (uint32_t w = 0; w < VY_SLOT_WORDS; w++)
		vy_set_word(img, w, it.w[w]);
	for (uint32_t k = 0; k < n; k++)
		memcpy(rows + (size_t)k * VY_SLOT_BYTES + 4, img + 4,
		       VY_SLOT_BYTES - 4);
}

uint32_t vy_rep_work_fill(void *arg, uint8_t *rows, uint32_t n)
{
	struct vy_rep_work *s = arg;
	uint32_t k = 0;

	if (s->synthetic) {
		if (n > s->synth_n - s->synth_i)
			n = (uint32_t)(s->synth_n - s->synth_i);
		vy_rep_work_produce(s, rows, s->synth_i, n);
		s->synth_i += n;
		return n;
	}
	for (; k < n && s->next < s->wf.n && !s->wf.items[s->next].fence;
	     k++, s->next++) {
		uint8_t *r = rows + (size_t)k * VY_SLOT_BYTES;

		for (uint32_t w = 1; w < VY_SLOT_WORDS; w++)
			vy_set_word(r, w, s->wf.items[s->next].w[w]);
	}
	return k;
}

uint64_t vy_rep_work_advance(void *arg, uint64_t k)
{
	struct vy_rep_work *s = arg;

	if (!s->synthetic)
		return 0;
	s->synth_i += k;
	return s->synth_n - s->synth_i;
}

void vy_rep_work_rewind(struct vy_rep_work *w)
{
	w->next = 0;
	w->synth_i = 0;
}

uint64_t vy_rep_work_left(const struct vy_rep_work *w)
{
	uint64_t n = 0;

	if (w->synthetic)
		return w->synth_n - w->synth_i;
	for (size_t i = w->next; i < w->wf.n; i++)
		n += !w->wf.items[i].fence;
	return n;
}

int vy_rep_data_layout(const char *data_path, struct vy_dev_mk_resource *res,
		       size_t nres, uint32_t *words, struct vy_err *e)
{
	uint64_t w = 0;
	struct stat sb;

	if (data_path) {
		if (stat(data_path, &sb))
			return vy_errf(e, VY_E_IO, NULL, "%s: %s", data_path,
				       strerror(errno));
		/* the whole-file input limit (vyre(7), LIMITS) */
		if ((uint64_t)sb.st_size > VY_READ_MAX)
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "%s: larger than the %zu-byte limit "
				       "(%zu MiB)", data_path, VY_READ_MAX,
				       VY_READ_MAX >> 20);
		w = ((uint64_t)sb.st_size + 3) / 4;
	}
	for (size_t i = 0; i < nres; i++) {
		if (stat(res[i].path, &sb))
			return vy_errf(e, VY_E_IO, NULL, "%s: %s", res[i].path,
				       strerror(errno));
		res[i].word_offset = (uint32_t)w;
		res[i].words = (uint32_t)(((uint64_t)sb.st_size + 3) / 4);
		w += res[i].words;
		if (w > UINT32_MAX / 4)
			return vy_errf(e, VY_E_INVAL, NULL,
				       "data buffer over 4 GiB");
	}
	*words = (uint32_t)w;
	return 0;
}

int vy_rep_data_load(struct vy_mk *mk, const char *path, struct vy_err *e)
{
	size_t dlen;
	uint8_t *img = vy_dev_mk_image(mk, VY_TB_DATA, &dlen);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", path,
			       strerror(errno));
	/* straight into the image, never more than fits: /dev/zero or a
	 * pipe cannot make this read grow */
	if (vy_read_full(fd, img, dlen) < 0) {
		int err = errno;

		close(fd);
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", path,
			       strerror(err));
	}
	close(fd);
	return 0;
}

/* ---- snapshots -------------------------------------------------------- */

int vy_rep_snapshot_write(void *arg, const struct vy_snapshot *s,
			  struct vy_err *e)
{
	struct vy_rep_snapout *so = arg;
	int err = vy_dump_write(so->f, s, e);

	if (err == VY_E_IO) {
		char msg[sizeof(e->msg)];

		/* name the file: "write error: ..." alone says too little */
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", so->name, msg);
	}
	if (!err && fflush(so->f))
		err = vy_errf(e, VY_E_IO, NULL, "%s: %s", so->name,
			      strerror(errno));
	return err;
}

int vy_rep_dump_dir(const char *dir, const struct vy_snapshot *s,
		    struct vy_err *e)
{
	static const char *names[VY_BUF_COUNT] = { "control.bin", "ring.bin",
						   "debug.bin", "io.bin" };
	char path[4096];

	if (mkdir(dir, 0777) && errno != EEXIST)
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", dir,
			       strerror(errno));
	for (int i = 0; i < VY_BUF_COUNT; i++) {
		int err;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		err = vy_write_file_atomic(path, s->buf[i].data, s->buf[i].len,
					   e);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the run report --------------------------------------------------- */

static uint32_t ctl_word(const struct vy_rep_launch *rp, uint32_t w)
{
	return vy_word(rp->snap->buf[VY_BUF_CONTROL].data, w);
}

static json_t *printf_records(const struct vy_rep_launch *rp)
{
	const struct vy_dump_buf *d = &rp->snap->buf[VY_BUF_DEBUG_LOG];
	struct vy_debug_log_view v;
	json_t *arr = json_array();
	struct vy_err e;

	if (vy_debug_log_parse(d->data, d->len, VY_READ_LENIENT, &v, &e))
		return arr;
	for (uint32_t i = 0; i < v.stored; i++) {
		struct vy_debug_record r;

		vy_debug_log_record(d->data, i, &r);
		json_array_append_new(arr, vy_rep_printf_json(&r, rp->pf));
	}
	return arr;
}

static void set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, vy_rep_json_u64(v));
}

json_t *vy_rep_launch_json(struct vy_rep_launch *rp)
{
	struct vy_dev_mk_run_result *r = rp->r;
	struct vy_pol_launch_request req;
	json_t *doc = json_object(), *lat = json_object();
	double secs = r->wall_ns / 1e9;
	char dev[300];

	vy_dev_cl_describe(&rp->info.dev, dev, sizeof(dev));
	json_object_set_new(doc, "device", vy_rep_json_text(dev));
	json_object_set_new(doc, "transport", json_string(
		vy_dev_transport_name(rp->info.transport)));
	json_object_set_new(doc, "mode", json_string(
		rp->info.persistent ? "persistent" : "once"));
	json_object_set_new(doc, "scheduler", json_string(
		rp->info.priority ? "priority" : "any_lane"));
	vy_rep_json_set_name(doc, "work", rp->work);
	/* not "end": jq reads {end} as a keyword */
	json_object_set_new(doc, "end_reason",
			    json_string(vy_dev_mk_end_name(r->end)));
	set_u64(doc, "items_given", rp->items_given);
	set_u64(doc, "items_processed", r->processed);
	set_u64(doc, "items_remaining", r->remaining);
	set_u64(doc, "items_faulted", r->faulted);
	set_u64(doc, "published_items", rp->st.published);
	set_u64(doc, "wall_ns", r->wall_ns);
	json_object_set_new(doc, "items_per_second",
			    json_real(secs > 0 ? r->processed / secs : 0));
	set_u64(doc, "setup_ns", rp->setup_ns);
	set_u64(doc, "queue_publish_ns", rp->st.publish_ns);
	set_u64(doc, "backend_dispatch_ns", rp->st.dispatch_ns);
	json_object_set_new(doc, "geometry", json_pack(
		"{s:I,s:I,s:I}", "slots", (json_int_t)rp->info.slots,
		"workgroups", (json_int_t)rp->info.workgroups,
		"workgroup_size", (json_int_t)rp->info.workgroup_size));
	vy_rep_launch_request(&rp->lim, rp->info.slots, rp->info.persistent,
			      &req);
	json_object_set_new(doc, "policy", json_pack(
		"{s:I,s:I,s:I,s:I,s:I}",
		"workgroups", (json_int_t)rp->chosen.workgroups,
		"workgroup_size", (json_int_t)rp->chosen.workgroup_size,
		"queue_len", (json_int_t)req.queue_len,
		"max_workgroup_size_x", (json_int_t)req.max_workgroup_size_x,
		"resident_workgroups",
		(json_int_t)rp->lim.resident_worker_groups));
	vy_rep_launch_seed_json(doc, rp, rp->seed);
	/* from the fixed-size histogram: percentiles within 6.25 % */
	set_u64(lat, "count", r->lat.n);
	set_u64(lat, "p50_ns", vy_hist_quantile(&r->lat, 0.50));
	set_u64(lat, "p90_ns", vy_hist_quantile(&r->lat, 0.90));
	set_u64(lat, "p99_ns", vy_hist_quantile(&r->lat, 0.99));
	set_u64(lat, "max_ns", r->lat.max);
	json_object_set_new(doc, "latency", lat);
	json_object_set_new(doc, "control", json_pack(
		"{s:I,s:I,s:I,s:I}",
		"shutdown", (json_int_t)ctl_word(rp, VY_CTL_SHUTDOWN),
		"done_count", (json_int_t)ctl_word(rp, VY_CTL_DONE_COUNT),
		"fault_count", (json_int_t)ctl_word(rp, VY_CTL_FAULT_COUNT),
		"epoch", (json_int_t)ctl_word(rp, VY_CTL_EPOCH)));
	set_u64(doc, "io_served", rp->st.io_served);
	set_u64(doc, "io_errors", rp->st.io_errors);
	json_object_set_new(doc, "printf", printf_records(rp));
	return doc;
}

static void table_value(FILE *f, const char *name, json_t *v)
{
	if (json_is_string(v))
		fprintf(f, "%-30s %s\n", name, json_string_value(v));
	else if (json_is_real(v))
		fprintf(f, "%-30s %.9g\n", name, json_real_value(v));
	else
		fprintf(f, "%-30s %lld\n", name,
			(long long)json_integer_value(v));
}

static long long member(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* PRINTF records as the decoder's table shows them: text, or the raw ids */
static void table_printf(FILE *f, json_t *recs)
{
	size_t i;
	json_t *p;

	json_array_foreach(recs, i, p) {
		const char *text = json_string_value(json_object_get(p, "text"));
		json_t *args = json_object_get(p, "args");

		if (text)
			fprintf(f, "%-30s slot %lld: %s\n", "printf",
				member(p, "slot"), text);
		else
			fprintf(f, "%-30s slot %lld: fmt %lld args %lld %lld\n",
				"printf", member(p, "slot"),
				member(p, "fmt_id"),
				(long long)json_integer_value(
					json_array_get(args, 0)),
				(long long)json_integer_value(
					json_array_get(args, 1)));
	}
}

/* "faulted_items" (launch_run.h): the first @max, then how many more */
static void table_faults(FILE *f, json_t *a, const char *work, size_t max)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x) {
		json_int_t line = json_integer_value(json_object_get(x, "line"));

		if (i == max)
			break;
		fprintf(f, "%-30s item %" JSON_INTEGER_FORMAT ", slot %"
			JSON_INTEGER_FORMAT, "faulted_item",
			json_integer_value(json_object_get(x, "item")),
			json_integer_value(json_object_get(x, "slot")));
		if (line)
			fprintf(f, ", %s line %" JSON_INTEGER_FORMAT, work, line);
		fputc('\n', f);
	}
	if (json_array_size(a) > max)
		fprintf(f, "%-30s %zu more (all of them in -j)\n",
			"faulted_item", json_array_size(a) - max);
}

void vy_rep_launch_table(FILE *f, json_t *doc)
{
	const char *key;
	json_t *v;

	json_object_foreach(doc, key, v) {
		if (json_is_object(v)) {
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2) {
				char name[64];

				snprintf(name, sizeof(name), "%s.%s", key, k2);
				table_value(f, name, v2);
			}
		} else if (json_is_array(v) && !strcmp(key, "printf")) {
			table_printf(f, v);
		} else if (json_is_array(v) && !strcmp(key, "faulted_items")) {
			table_faults(f, v, json_string_value(json_object_get(
						   doc, "work")), 10);
		} else if (json_is_array(v)) {
			/* region_lineage: the bitsets, space-separated */
			size_t i;
			json_t *x;

			fprintf(f, "%-30s [", key);
			json_array_foreach(v, i, x)
				fprintf(f, "%s%lld", i ? " " : "",
					(long long)json_integer_value(x));
			fprintf(f, "]\n");
		} else {
			table_value(f, key, v);
		}
	}
}

/*
 * Seconds as the user gave them: "1.0", "2.5", "0.05" (a --timeout of
 * 0.05 was reported as "0.1 s").
 */
static const char *secs(char *buf, size_t len, double s)
{
	snprintf(buf, len, "%g", s);
	if (!strpbrk(buf, ".en"))
		snprintf(buf, len, "%.1f", s);
	return buf;
}

int vy_rep_launch_verdict(FILE *f, const char *prog,
			  const struct vy_rep_launch *rp, double timeout_s,
			  double stall_s, uint32_t inflight, int sig)
{
	unsigned long long left = rp->r->remaining;
	char b[32];

	switch (rp->r->end) {
	case VY_MK_END_OK:
		return VY_EXIT_OK;
	case VY_MK_END_TIMEOUT:
		fprintf(f, "%s: timeout after %s s with %llu items unfinished\n",
			prog, secs(b, sizeof(b), timeout_s), left);
		return VY_EXIT_TIMEOUT;
	case VY_MK_END_STALL:
		fprintf(f, "%s: no progress for %s s with %u slots in flight\n"
			   "%s: hint: check the tenant masks (control words 3..31) of the published slots\n",
			prog, secs(b, sizeof(b), stall_s), inflight, prog);
		return VY_EXIT_TIMEOUT;
	case VY_MK_END_SIGNAL:
		fprintf(f, "%s: stopped by signal %d\n", prog, sig);
		return 128 + sig;
	case VY_MK_END_KERNEL:
		if (!ctl_word(rp, VY_CTL_SHUTDOWN)) {
			fprintf(f, "%s: the kernel ended (iteration bound) with %llu items left\n",
				prog, left);
			return VY_EXIT_TIMEOUT;
		}
		if (left)
			fprintf(f, "%s: the work shut the kernel down with %llu items left\n",
				prog, left);
		return VY_EXIT_OK;
	}
	return VY_EXIT_OK;
}
