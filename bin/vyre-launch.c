/* SPDX-License-Identifier: MIT */
/*
 * vyre-launch - run work on the megakernel: read a work file (or generate
 * synthetic work), stream it through the ring, write snapshots and a report.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "device/cl.h"
#include "wire/dump.h"
#include "report/emit.h"
#include "device/megakernel.h"
#include "policy/policy.h"
#include "wire/protocol.h"
#include "telemetry/telemetry.h"
#include "wire/util.h"
#include "wire/workfile.h"

#define PROG "vyre-launch"
#define MAX_RESOURCES 64

static volatile int stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

struct opts {
	struct vy_dev_mk_params cfg;
	const char *transport, *mode;
	double timeout_s, stall_s;
	uint64_t interval_ms;
	const char *snapshot, *dump_dir, *printf_formats, *data_path;
	int binary, list_devices;
	uint64_t synthetic;
	uint32_t synthetic_op;
	int have_synthetic;
	uint32_t batch;
	enum vy_rep_format format;
	struct vy_dev_mk_resource res[MAX_RESOURCES];
	size_t nres;
	const char *workfile;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options] [WORKFILE|-]\n"
		"Run work on the vyre megakernel and report what happened.\n"
		"\n"
		"Device:\n"
		"  -d, --device SPEC        PLATFORM:DEVICE, cpu or gpu (default: the first\n"
		"                           GPU, else the first CPU device, e.g. PoCL)\n"
		"      --list-devices       list OpenCL devices with their limits and exit\n"
		"      --transport KIND     shared, copy or auto (default: auto = shared on\n"
		"                           CPU/unified-memory devices, copy otherwise)\n"
		"      --kernel-source FILE use this kernel source instead of the embedded one\n"
		"Kernel:\n"
		"      --mode MODE          persistent or once (default: persistent)\n"
		"      --priority           use the priority scheduler (writes default offsets)\n"
		"      --slots N            ring slots (default: 256)\n"
		"      --workgroups N       work-groups (default: the launch policy, capped at\n"
		"                           what can be resident)\n"
		"      --workgroup-size N   lanes per work-group (default: the launch policy)\n"
		"      --tenants N          tenant_count of the control buffer (default: 1)\n"
		"      --observables N      observable words (default: 256)\n"
		"      --max-iters N        kernel iteration bound (default: 4294967295)\n"
		"      --batch N            most items published per round (default: the ring)\n"
		"Work:\n"
		"      --binary             WORKFILE holds raw 64-byte slot records\n"
		"      --synthetic N[:OP]   generate N items of opcode OP (default: atomic_add,\n"
		"                           adding 1 to control word 150) instead of a work file\n"
		"      --data FILE          load FILE into the data buffer at word 0 (DFA tables)\n"
		"      --resource ID=FILE   answer LOAD_MISS requests for ID by reading FILE into\n"
		"                           the data buffer (after --data, in option order)\n"
		"Bounds:\n"
		"      --timeout SEC        stop after SEC seconds, exit 6 (default: 10)\n"
		"      --stall SEC          stop when nothing finishes for SEC seconds with\n"
		"                           work in flight, exit 6 (default: 3)\n"
		"Output:\n"
		"      --snapshot FILE|-    write the final VYRD snapshot to FILE (- = stdout;\n"
		"                           the report then goes to stderr)\n"
		"      --interval MS        also write a snapshot every MS ms to that stream\n"
		"      --dump-dir DIR       write control.bin, ring.bin, debug.bin and io.bin\n"
		"      --printf-formats FILE  render PRINTF records with \"ID FORMAT\" lines\n"
		"  -f, --format FMT         report format: table or json (default: table)\n"
		"  -j                       same as --format json\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Exit status: 0 ok, 2 usage or work-file syntax, 3 bad data, 4 I/O error,\n"
		"5 device error, 6 timeout or stall, 130/143 after SIGINT/SIGTERM.\n");
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n" PROG ": hint: try --help\n");
	return VY_EXIT_USAGE;
}

static int parse_u32(const char *s, uint32_t *out, int allow_zero)
{
	uint64_t v;

	if (vy_parse_u64(s, UINT32_MAX, 0, &v) || (!allow_zero && !v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 86400)
		return -1;
	*out = v;
	return 0;
}

enum {
	O_LIST = 256, O_TRANSPORT, O_KSRC, O_MODE, O_PRIORITY, O_SLOTS, O_WGS,
	O_WGSIZE, O_TENANTS, O_OBS, O_MAXITERS, O_BATCH, O_BINARY, O_SYNTH,
	O_DATA, O_RES, O_TIMEOUT, O_STALL, O_SNAP, O_INTERVAL, O_DUMP, O_PFMT,
};

static const struct option longopts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "list-devices", no_argument, NULL, O_LIST },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "kernel-source", required_argument, NULL, O_KSRC },
	{ "mode", required_argument, NULL, O_MODE },
	{ "priority", no_argument, NULL, O_PRIORITY },
	{ "slots", required_argument, NULL, O_SLOTS },
	{ "workgroups", required_argument, NULL, O_WGS },
	{ "workgroup-size", required_argument, NULL, O_WGSIZE },
	{ "tenants", required_argument, NULL, O_TENANTS },
	{ "observables", required_argument, NULL, O_OBS },
	{ "max-iters", required_argument, NULL, O_MAXITERS },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "binary", no_argument, NULL, O_BINARY },
	{ "synthetic", required_argument, NULL, O_SYNTH },
	{ "data", required_argument, NULL, O_DATA },
	{ "resource", required_argument, NULL, O_RES },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "stall", required_argument, NULL, O_STALL },
	{ "snapshot", required_argument, NULL, O_SNAP },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "dump-dir", required_argument, NULL, O_DUMP },
	{ "printf-formats", required_argument, NULL, O_PFMT },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	struct vy_err e;
	int c;

	memset(o, 0, sizeof(*o));
	o->cfg.persistent = 1;
	o->cfg.tenant_count = 1;
	o->cfg.observable_slots = 256;
	o->timeout_s = 10;
	o->stall_s = 3;
	o->format = VY_FMT_TABLE;
	while ((c = getopt_long(argc, argv, "d:f:jhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->cfg.device = optarg;
			break;
		case O_LIST:
			o->list_devices = 1;
			break;
		case O_TRANSPORT:
			if (vy_dev_transport_parse(optarg, &o->cfg.transport, &e))
				return usage_err("unknown transport '%s' (shared, copy or auto)",
						 optarg);
			break;
		case O_KSRC:
			o->cfg.kernel_path = optarg;
			break;
		case O_MODE:
			if (!strcmp(optarg, "persistent"))
				o->cfg.persistent = 1;
			else if (!strcmp(optarg, "once"))
				o->cfg.persistent = 0;
			else
				return usage_err("unknown mode '%s' (persistent or once)",
						 optarg);
			break;
		case O_PRIORITY:
			o->cfg.priority = 1;
			break;
		case O_SLOTS:
			if (parse_u32(optarg, &o->cfg.slots, 0) ||
			    o->cfg.slots > VY_MAX_ENCODED_RING_SLOTS)
				return usage_err("bad --slots '%s' (1..1048576)",
						 optarg);
			break;
		case O_WGS:
			if (parse_u32(optarg, &o->cfg.workgroups, 0))
				return usage_err("bad --workgroups '%s'", optarg);
			break;
		case O_WGSIZE:
			if (parse_u32(optarg, &o->cfg.workgroup_size, 0))
				return usage_err("bad --workgroup-size '%s'",
						 optarg);
			break;
		case O_TENANTS:
			if (parse_u32(optarg, &o->cfg.tenant_count, 1))
				return usage_err("bad --tenants '%s'", optarg);
			break;
		case O_OBS:
			if (parse_u32(optarg, &o->cfg.observable_slots, 1) ||
			    o->cfg.observable_slots >
				    VY_MAX_ENCODED_OBSERVABLE_SLOTS)
				return usage_err("bad --observables '%s' (0..1048576)",
						 optarg);
			break;
		case O_MAXITERS:
			if (parse_u32(optarg, &o->cfg.max_iters, 0))
				return usage_err("bad --max-iters '%s'", optarg);
			break;
		case O_BATCH:
			if (parse_u32(optarg, &o->batch, 0))
				return usage_err("bad --batch '%s'", optarg);
			break;
		case O_BINARY:
			o->binary = 1;
			break;
		case O_SYNTH: {
			char buf[96], *colon;

			snprintf(buf, sizeof(buf), "%s", optarg);
			colon = strchr(buf, ':');
			o->synthetic_op = VY_OP_ATOMIC_ADD;
			if (colon) {
				*colon = '\0';
				if (vy_opcode_parse(colon + 1, &o->synthetic_op))
					return usage_err("unknown opcode in --synthetic '%s'",
							 optarg);
			}
			if (vy_parse_u64(buf, UINT64_MAX / 2, 1, &o->synthetic))
				return usage_err("bad --synthetic '%s' (N[:OPCODE])",
						 optarg);
			o->have_synthetic = 1;
			break;
		}
		case O_DATA:
			o->data_path = optarg;
			break;
		case O_RES: {
			char *eq = strchr(optarg, '=');
			uint32_t id;

			if (!eq || eq == optarg || !eq[1])
				return usage_err("bad --resource '%s' (ID=FILE)",
						 optarg);
			*eq = '\0';
			if (parse_u32(optarg, &id, 1))
				return usage_err("bad resource id '%s'", optarg);
			if (o->nres == MAX_RESOURCES)
				return usage_err("more than 64 resources%s", "");
			o->res[o->nres].id = id;
			o->res[o->nres].path = eq + 1;
			o->nres++;
			break;
		}
		case O_TIMEOUT:
			if (parse_seconds(optarg, &o->timeout_s))
				return usage_err("bad --timeout '%s' (seconds > 0)",
						 optarg);
			break;
		case O_STALL:
			if (parse_seconds(optarg, &o->stall_s))
				return usage_err("bad --stall '%s' (seconds > 0)",
						 optarg);
			break;
		case O_SNAP:
			o->snapshot = optarg;
			break;
		case O_INTERVAL:
			if (vy_parse_u64(optarg, 86400000, 0, &o->interval_ms) ||
			    !o->interval_ms)
				return usage_err("bad --interval '%s' (milliseconds)",
						 optarg);
			break;
		case O_DUMP:
			o->dump_dir = optarg;
			break;
		case O_PFMT:
			o->printf_formats = optarg;
			break;
		case 'f':
			if (vy_rep_format_parse(optarg,
					    1u << VY_FMT_TABLE | 1u << VY_FMT_JSON,
					    &o->format, &e))
				return usage_err("unknown format '%s' (table or json)",
						 optarg);
			break;
		case 'j':
			o->format = VY_FMT_JSON;
			break;
		case 'h':
			usage(stdout);
			return VY_EXIT_OK;
		case 'V':
			printf(PROG " %s\n", VY_VERSION);
			return VY_EXIT_OK;
		default:
			fprintf(stderr, PROG ": hint: try --help\n");
			return VY_EXIT_USAGE;
		}
	}
	if (o->list_devices)
		return -1;
	if (optind < argc)
		o->workfile = argv[optind++];
	if (optind < argc)
		return usage_err("unexpected argument '%s'", argv[optind]);
	if (!o->workfile && !o->have_synthetic)
		return usage_err("no work: give a WORKFILE, - for stdin, or --synthetic N%s",
				 "");
	if (o->workfile && o->have_synthetic)
		return usage_err("give a WORKFILE or --synthetic, not both%s", "");
	if (o->interval_ms && !o->snapshot)
		return usage_err("--interval needs --snapshot%s", "");
	return -1;
}

static int list_devices(void)
{
	struct vy_dev_cl_devinfo d[64];
	struct vy_err e;
	int n = vy_dev_cl_list(d, 64, &e);

	if (n < 0) {
		vy_rep_err(stderr, PROG, &e);
		return vy_err_exit(n);
	}
	if (n == 0) {
		fprintf(stderr, PROG ": no OpenCL device found\n"
				PROG ": hint: install an OpenCL driver, e.g. pocl-opencl-icd\n");
		return VY_EXIT_DEVICE;
	}
	printf("%-5s %-4s %-5s %-8s %-9s %-8s %-9s %s\n", "ID", "TYPE", "CUS",
	       "MAX_WG", "MEM_MIB", "UNIFIED", "TRANSPORT", "NAME (PLATFORM)");
	for (int i = 0; i < n && i < 64; i++) {
		char id[16];

		snprintf(id, sizeof(id), "%u:%u", d[i].platform_idx,
			 d[i].device_idx);
		printf("%-5s %-4s %-5u %-8llu %-9llu %-8s %-9s %s (%s)\n", id,
		       d[i].is_gpu ? "gpu" : d[i].is_cpu ? "cpu" : "other",
		       d[i].compute_units,
		       (unsigned long long)d[i].max_workgroup_size,
		       (unsigned long long)(d[i].global_mem_bytes >> 20),
		       d[i].unified_memory ? "yes" : "no",
		       vy_dev_transport_name(vy_dev_transport_choose(&d[i])),
		       d[i].name, d[i].platform);
	}
	return VY_EXIT_OK;
}

/* ---- the item source ------------------------------------------------ */

struct source {
	struct vy_workfile wf;
	size_t next;
	uint64_t synth_n, synth_i;
	uint32_t synth_op;
	int synthetic;
};

static int source_next(void *arg, uint32_t w[16], int *fence,
		       struct vy_err *e)
{
	struct source *s = arg;
	struct vy_wf_item it;

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

/* ---- snapshots ------------------------------------------------------ */

struct snapout {
	FILE *f;
	const char *name;
};

static int on_snapshot(void *arg, const struct vy_snapshot *s,
		       struct vy_err *e)
{
	struct snapout *so = arg;
	int err = vy_dump_write(so->f, s, e);

	if (!err && fflush(so->f))
		err = vy_errf(e, VY_E_IO, NULL, "%s: %s", so->name,
			      strerror(errno));
	return err;
}

static int dump_dir(const char *dir, const struct vy_snapshot *s,
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

/* ---- the report ----------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

struct report {
	struct vy_dev_mk_info info;
	struct vy_dev_mk_stats st;
	struct vy_dev_mk_run_result *r;
	const struct vy_snapshot *snap;
	struct vy_tel_runtime_counters rc;
	struct vy_pol_launch_recommendation rec;
	int have_rec;
	uint32_t done_count, fault_count, epoch, shutdown;
	const struct vy_tel_printf_formats *pf;
};

static void build_policy(struct report *rp)
{
	struct vy_pol_launch_policy pol = vy_pol_launch_policy_standard();
	struct vy_pol_launch_request req;
	struct vy_tel tel;
	struct vy_err e;
	const struct vy_snapshot *s = rp->snap;

	vy_tel_init(&tel);
	if (vy_tel_decode(&tel, NULL, s->buf[VY_BUF_CONTROL].data,
				s->buf[VY_BUF_CONTROL].len,
				s->buf[VY_BUF_RING].data,
				s->buf[VY_BUF_RING].len, NULL, 0,
				VY_TEL_NO_SLOTS, &e)) {
		vy_tel_free(&tel);
		return;
	}
	vy_tel_runtime_counters_fill(&tel, &rp->rc);
	memset(&req, 0, sizeof(req));
	req.queue_len = rp->r->items > UINT32_MAX ? UINT32_MAX :
						    (uint32_t)rp->r->items;
	req.requested_worker_groups = rp->info.workgroups;
	req.max_workgroup_size_x = (uint32_t)rp->info.dev.max_workgroup_size;
	req.max_compute_workgroups_per_dimension = 65535;
	req.max_compute_invocations_per_workgroup =
		(uint32_t)rp->info.dev.max_workgroup_size;
	req.hot_opcode_count = vy_tel_hot_opcode_count(&tel);
	req.graph_node_count = rp->rc.total_slots;
	req.graph_edge_count = rp->rc.queue_depth;
	req.frontier_density_bps = rp->rc.frontier_density_bps;
	rp->have_rec = !vy_pol_recommend(&pol, &req, NULL, &rp->rec, &e);
	vy_tel_free(&tel);
}

static json_t *printf_json(const struct report *rp)
{
	const struct vy_dump_buf *d = &rp->snap->buf[VY_BUF_DEBUG_LOG];
	struct vy_debug_log_view v;
	json_t *arr = json_array();
	struct vy_err e;

	if (vy_debug_log_parse(d->data, d->len, VY_READ_LENIENT, &v, &e))
		return arr;
	for (uint32_t i = 0; i < v.stored; i++) {
		struct vy_debug_record r;
		const char *fmt;
		json_t *o;

		vy_debug_log_record(d->data, i, &r);
		o = json_pack("{s:I,s:I,s:I,s:I}", "fmt_id",
			      (json_int_t)r.fmt_id, "a1", (json_int_t)r.args[0],
			      "a2", (json_int_t)r.args[1], "slot",
			      (json_int_t)(r.args[2] / VY_SLOT_WORDS));
		fmt = rp->pf ? vy_tel_printf_formats_get(rp->pf, r.fmt_id) : NULL;
		if (fmt) {
			char buf[512];

			vy_tel_printf_render(fmt, r.args[0], r.args[1], buf,
					 sizeof(buf));
			json_object_set_new(o, "text", json_string(buf));
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *report_json(struct report *rp, const char *work)
{
	struct vy_dev_mk_run_result *r = rp->r;
	json_t *doc = json_object(), *lat = json_object(), *geo, *tel;
	char dev[300];
	double secs = r->wall_ns / 1e9;

	vy_dev_cl_describe(&rp->info.dev, dev, sizeof(dev));
	json_object_set_new(doc, "device", json_string(dev));
	json_object_set_new(doc, "transport",
			    json_string(vy_dev_transport_name(rp->info.transport)));
	json_object_set_new(doc, "mode",
			    json_string(rp->info.persistent ? "persistent" :
							      "once"));
	json_object_set_new(doc, "scheduler",
			    json_string(rp->info.priority ? "priority" :
							    "any_lane"));
	json_object_set_new(doc, "work", json_string(work));
	json_object_set_new(doc, "end", json_string(vy_dev_mk_end_name(r->end)));
	json_object_set_new(doc, "items_processed", vy_rep_json_u64(r->processed));
	json_object_set_new(doc, "items_remaining", vy_rep_json_u64(r->remaining));
	json_object_set_new(doc, "items_faulted", vy_rep_json_u64(r->faulted));
	json_object_set_new(doc, "published_items",
			    vy_rep_json_u64(rp->st.published));
	json_object_set_new(doc, "wall_ns", vy_rep_json_u64(r->wall_ns));
	json_object_set_new(doc, "items_per_second",
			    json_real(secs > 0 ? r->processed / secs : 0));
	json_object_set_new(doc, "queue_plan_ns", vy_rep_json_u64(rp->st.plan_ns));
	json_object_set_new(doc, "queue_publish_ns",
			    vy_rep_json_u64(rp->st.publish_ns));
	json_object_set_new(doc, "backend_dispatch_ns",
			    vy_rep_json_u64(rp->st.dispatch_ns));
	geo = json_pack("{s:I,s:I,s:I}", "slots", (json_int_t)rp->info.slots,
			"workgroups", (json_int_t)rp->info.workgroups,
			"workgroup_size", (json_int_t)rp->info.workgroup_size);
	json_object_set_new(doc, "geometry", geo);
	tel = json_object();
	json_object_set_new(tel, "bytes_uploaded",
			    vy_rep_json_u64(rp->st.t.bytes_uploaded));
	json_object_set_new(tel, "bytes_read_back",
			    vy_rep_json_u64(rp->st.t.bytes_read_back));
	json_object_set_new(tel, "bytes_moved",
			    vy_rep_json_u64(rp->st.t.bytes_uploaded +
					rp->st.t.bytes_read_back));
	json_object_set_new(tel, "kernel_launches",
			    vy_rep_json_u64(rp->st.launches));
	json_object_set_new(tel, "sync_points",
			    vy_rep_json_u64(rp->st.t.sync_points));
	json_object_set_new(tel, "transfer_commands",
			    vy_rep_json_u64(rp->st.t.commands));
	json_object_set_new(tel, "occupancy_proxy_bps",
			    json_integer(rp->rc.occupancy_proxy_bps));
	json_object_set_new(tel, "frontier_density_bps",
			    json_integer(rp->rc.frontier_density_bps));
	if (rp->have_rec) {
		json_object_set_new(tel, "topology",
				    json_string(vy_pol_topology_name(
					    rp->rec.topology)));
		json_object_set_new(tel, "pressure",
				    json_string(vy_pol_pressure_name(
					    rp->rec.pressure)));
		json_object_set_new(tel, "execution_mode",
				    json_string(vy_pol_exec_mode_name(
					    rp->rec.execution_mode)));
	}
	json_object_set_new(doc, "telemetry", tel);
	if (r->nlat)
		qsort(r->lat_ns, r->nlat, sizeof(uint64_t), cmp_u64);
	json_object_set_new(lat, "count", vy_rep_json_u64(r->nlat));
	json_object_set_new(lat, "p50_ns", vy_rep_json_u64(pct(r->lat_ns, r->nlat, 0.50)));
	json_object_set_new(lat, "p90_ns", vy_rep_json_u64(pct(r->lat_ns, r->nlat, 0.90)));
	json_object_set_new(lat, "p99_ns", vy_rep_json_u64(pct(r->lat_ns, r->nlat, 0.99)));
	json_object_set_new(lat, "max_ns",
			    vy_rep_json_u64(r->nlat ? r->lat_ns[r->nlat - 1] : 0));
	json_object_set_new(doc, "latency", lat);
	json_object_set_new(doc, "control",
			    json_pack("{s:I,s:I,s:I,s:I}", "shutdown",
				      (json_int_t)rp->shutdown, "done_count",
				      (json_int_t)rp->done_count, "fault_count",
				      (json_int_t)rp->fault_count, "epoch",
				      (json_int_t)rp->epoch));
	json_object_set_new(doc, "io_served", vy_rep_json_u64(rp->st.io_served));
	json_object_set_new(doc, "io_errors", vy_rep_json_u64(rp->st.io_errors));
	json_object_set_new(doc, "printf", printf_json(rp));
	return doc;
}

static void report_table(FILE *f, json_t *doc)
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
				if (json_is_string(v2))
					fprintf(f, "%-30s %s\n", name,
						json_string_value(v2));
				else
					fprintf(f, "%-30s %lld\n", name,
						(long long)json_integer_value(v2));
			}
		} else if (json_is_array(v)) {
			size_t i;
			json_t *p;

			json_array_foreach(v, i, p) {
				const char *text = json_string_value(
					json_object_get(p, "text"));

				if (text)
					fprintf(f, "%-30s slot %lld: %s\n",
						"printf",
						(long long)json_integer_value(
							json_object_get(p, "slot")),
						text);
				else
					fprintf(f, "%-30s slot %lld: fmt %lld a1 %lld a2 %lld\n",
						"printf",
						(long long)json_integer_value(
							json_object_get(p, "slot")),
						(long long)json_integer_value(
							json_object_get(p, "fmt_id")),
						(long long)json_integer_value(
							json_object_get(p, "a1")),
						(long long)json_integer_value(
							json_object_get(p, "a2")));
			}
		} else if (json_is_string(v)) {
			fprintf(f, "%-30s %s\n", key, json_string_value(v));
		} else if (json_is_real(v)) {
			fprintf(f, "%-30s %.0f\n", key, json_real_value(v));
		} else {
			fprintf(f, "%-30s %lld\n", key,
				(long long)json_integer_value(v));
		}
	}
}

/* ---- main ----------------------------------------------------------- */

static int load_work(struct opts *o, struct source *src, struct vy_err *e)
{
	uint8_t *buf;
	size_t len;
	const char *name;
	int err;

	memset(src, 0, sizeof(*src));
	if (o->have_synthetic) {
		src->synthetic = 1;
		src->synth_n = o->synthetic;
		src->synth_op = o->synthetic_op;
		return 0;
	}
	name = strcmp(o->workfile, "-") ? o->workfile : "<stdin>";
	err = vy_read_file(o->workfile, &buf, &len, e);
	if (err)
		return err;
	if (o->binary)
		err = vy_workfile_parse_binary(buf, len, name, &src->wf, e);
	else
		err = vy_workfile_parse((const char *)buf, len, name, &src->wf,
					e);
	free(buf);
	return err;
}

/* Lay out --data and the resources in the data buffer. */
static int plan_data(struct opts *o, struct vy_err *e)
{
	uint64_t words = 0;
	struct stat sb;

	if (o->data_path) {
		if (stat(o->data_path, &sb))
			return vy_errf(e, VY_E_IO, NULL, "%s: %s", o->data_path,
				       strerror(errno));
		words = ((uint64_t)sb.st_size + 3) / 4;
	}
	for (size_t i = 0; i < o->nres; i++) {
		if (stat(o->res[i].path, &sb))
			return vy_errf(e, VY_E_IO, NULL, "%s: %s",
				       o->res[i].path, strerror(errno));
		o->res[i].word_offset = (uint32_t)words;
		o->res[i].words = (uint32_t)(((uint64_t)sb.st_size + 3) / 4);
		words += o->res[i].words;
		if (words > UINT32_MAX / 4)
			return vy_errf(e, VY_E_INVAL, NULL,
				       "data buffer over 4 GiB");
	}
	o->cfg.data_words = (uint32_t)words;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct source src;
	struct vy_mk *mk = NULL;
	struct vy_dev_mk_run_opts ro;
	struct vy_dev_mk_run_result r;
	struct vy_snapshot snap;
	struct vy_tel_printf_formats pf = { 0 };
	struct snapout so = { 0 };
	struct report rp;
	struct vy_err e;
	struct sigaction sa;
	FILE *rf = stdout;
	json_t *doc;
	int rc, err, status = VY_EXIT_OK;

	vy_err_clear(&e);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.list_devices)
		return list_devices();
	err = load_work(&o, &src, &e);
	if (!err)
		err = plan_data(&o, &e);
	if (!err && o.printf_formats) {
		uint8_t *buf;
		size_t len;

		err = vy_read_file(o.printf_formats, &buf, &len, &e);
		if (!err) {
			err = vy_tel_printf_formats_parse(&pf, (const char *)buf,
						      len, &e);
			free(buf);
		}
	}
	if (err) {
		vy_rep_err(stderr, PROG, &e);
		return vy_err_exit(err);
	}
	if (o.snapshot) {
		so.name = o.snapshot;
		if (!strcmp(o.snapshot, "-")) {
			so.f = stdout;
			rf = stderr;
		} else {
			so.f = fopen(o.snapshot, "wb");
			if (!so.f) {
				fprintf(stderr, PROG ": %s: %s\n", o.snapshot,
					strerror(errno));
				return VY_EXIT_IO;
			}
		}
	}
	err = vy_dev_mk_open(&mk, &o.cfg, &e);
	if (err) {
		vy_rep_err(stderr, PROG, &e);
		return vy_err_exit(err);
	}
	vy_dev_mk_set_resources(mk, o.res, o.nres);
	if (o.data_path) {
		size_t dlen;
		uint8_t *img = vy_dev_mk_image(mk, VY_TB_DATA, &dlen);
		uint8_t *buf;
		size_t len;

		err = vy_read_file(o.data_path, &buf, &len, &e);
		if (err) {
			vy_rep_err(stderr, PROG, &e);
			vy_dev_mk_close(mk);
			return vy_err_exit(err);
		}
		memcpy(img, buf, len < dlen ? len : dlen);
		free(buf);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	memset(&ro, 0, sizeof(ro));
	ro.next = source_next;
	ro.arg = &src;
	ro.timeout_ns = (uint64_t)(o.timeout_s * 1e9);
	ro.stall_ns = (uint64_t)(o.stall_s * 1e9);
	ro.interval_ns = o.interval_ms * 1000000ull;
	ro.stop = &stop_sig;
	ro.batch = o.batch;
	if (o.interval_ms) {
		ro.on_snapshot = on_snapshot;
		ro.snap_arg = &so;
	}
	err = vy_dev_mk_run(mk, &ro, &r, &e);
	if (err) {
		vy_rep_err(stderr, PROG, &e);
		status = vy_err_exit(err);
	}
	if (vy_dev_mk_snapshot(mk, &snap, &e)) {
		vy_rep_err(stderr, PROG, &e);
		vy_dev_mk_close(mk);
		return VY_EXIT_DEVICE;
	}
	if (so.f) {
		if (on_snapshot(&so, &snap, &e)) {
			vy_rep_err(stderr, PROG, &e);
			status = VY_EXIT_IO;
		}
		if (so.f != stdout)
			fclose(so.f);
	}
	if (o.dump_dir && dump_dir(o.dump_dir, &snap, &e)) {
		vy_rep_err(stderr, PROG, &e);
		status = VY_EXIT_IO;
	}
	/* items the source never handed out are remaining too */
	if (src.synthetic) {
		r.remaining += src.synth_n - src.synth_i;
	} else {
		for (size_t i = src.next; i < src.wf.n; i++)
			r.remaining += !src.wf.items[i].fence;
	}
	memset(&rp, 0, sizeof(rp));
	vy_dev_mk_get_info(mk, &rp.info);
	vy_dev_mk_get_stats(mk, &rp.st);
	rp.r = &r;
	rp.snap = &snap;
	rp.pf = o.printf_formats ? &pf : NULL;
	rp.shutdown = vy_word(snap.buf[VY_BUF_CONTROL].data, VY_CTL_SHUTDOWN);
	rp.done_count = vy_word(snap.buf[VY_BUF_CONTROL].data,
				VY_CTL_DONE_COUNT);
	rp.fault_count = vy_word(snap.buf[VY_BUF_CONTROL].data,
				 VY_CTL_FAULT_COUNT);
	rp.epoch = vy_word(snap.buf[VY_BUF_CONTROL].data, VY_CTL_EPOCH);
	build_policy(&rp);
	doc = report_json(&rp, o.have_synthetic ? "synthetic" :
				      (strcmp(o.workfile, "-") ? o.workfile :
								"<stdin>"));
	if (o.format == VY_FMT_JSON)
		vy_rep_emit_json(rf, doc, "vyre-launch/1", 1);
	else
		report_table(rf, doc);
	json_decref(doc);
	if (!err) {
		switch (r.end) {
		case VY_MK_END_OK:
			break;
		case VY_MK_END_TIMEOUT:
			fprintf(stderr,
				PROG ": timeout after %.1f s with %llu items unfinished\n",
				o.timeout_s, (unsigned long long)r.remaining);
			status = VY_EXIT_TIMEOUT;
			break;
		case VY_MK_END_STALL:
			fprintf(stderr,
				PROG ": no progress for %.1f s with %u slots in flight\n"
				PROG ": hint: check the tenant masks (control words 3..31) of the published slots\n",
				o.stall_s, vy_dev_mk_inflight(mk));
			status = VY_EXIT_TIMEOUT;
			break;
		case VY_MK_END_SIGNAL:
			fprintf(stderr, PROG ": stopped by signal %d\n",
				stop_sig);
			status = 128 + stop_sig;
			break;
		case VY_MK_END_KERNEL:
			if (rp.shutdown) {
				if (r.remaining)
					fprintf(stderr,
						PROG ": the work shut the kernel down with %llu items left\n",
						(unsigned long long)r.remaining);
			} else {
				fprintf(stderr,
					PROG ": the kernel ended (iteration bound) with %llu items left\n",
					(unsigned long long)r.remaining);
				status = VY_EXIT_TIMEOUT;
			}
			break;
		}
	}
	free(r.lat_ns);
	vy_tel_printf_formats_free(&pf);
	vy_workfile_free(&src.wf);
	vy_dev_mk_close(mk);
	return status;
}
