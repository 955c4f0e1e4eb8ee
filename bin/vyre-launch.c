/* SPDX-License-Identifier: MIT */
/*
 * vyre-launch - run work on the megakernel: read a work file (or generate
 * synthetic work), stream it through the ring, write snapshots and a report.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/cl.h"
#include "report/bench.h"
#include "report/cli.h"
#include "report/emit.h"
#include "report/launch.h"
#include "report/launch_exec.h"
#include "wire/protocol.h"
#include "wire/util.h"
#include "wire/out.h"
#include "wire/workfile.h"

#define PROG "vyre-launch"

static volatile int stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}


static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options] [WORKFILE|-]\n"
		"       " PROG " --compare [-j] A.json B.json\n"
		"Run work on the vyre megakernel and report what happened.\n"
		"\n"
		"Device:\n"
		"  -d, --device SPEC        PLATFORM:DEVICE, cpu or gpu (default: the first\n"
		"                           GPU, else the first CPU device, e.g. PoCL)\n"
		"      --list-devices       list OpenCL devices with their limits and exit\n"
"                           (a table, or JSON with -j)\n"
		"      --transport KIND     shared, copy or auto (default: auto = shared on\n"
		"                           CPU/unified-memory devices, copy otherwise)\n"
		"      --kernel-source FILE use this kernel source instead of the embedded one\n"
		"      --no-cache           build the kernel from source, bypassing the\n"
		"                           compiled-program cache ($XDG_CACHE_HOME/vyre)\n"
		"      --device-memory-budget BYTES  refuse a launch whose estimated peak\n"
		"                           device bytes exceed BYTES (K/M/G suffixes;\n"
		"                           default: 0 = unbounded)\n"
		"Kernel:\n"
		"      --mode MODE          persistent or once (default: persistent)\n"
		"      --priority           use the priority scheduler (writes default offsets)\n"
		"      --ring-slots N       ring slots (default: 256)\n"
		"      --workgroups N       work-groups (default: the launch policy; more than\n"
		"                           can be resident is refused)\n"
		"      --workgroup-size N   lanes per work-group (default: the launch policy;\n"
		"                           more than the device allows is refused)\n"
		"      --tenants N          tenant_count of the control buffer (default: 1)\n"
		"      --observables N      observable words (default: 256)\n"
		"      --max-iters N        kernel iteration bound (default: 4294967295)\n"
		"      --publish-batch N    most items published per round (default: the ring)\n"
		"      --producers N        host threads that stage --synthetic items, 1 to 64\n"
		"                           (default: 1 on a CPU device, else the CPUs less\n"
		"                           one, at most 4)\n"
		"Work:\n"
		"      --binary             WORKFILE holds raw 64-byte slot records\n"
		"      --dedupe             drop work items identical in every word to an\n"
		"                           earlier one before publication (default: off)\n"
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
		"      --snapshot FILE|-    write the final VYRD snapshot to FILE (- = stdout,\n"
		"                           refused on a terminal; the report then goes to\n"
		"                           stderr unless -o)\n"
		"      --interval MS        also write a snapshot every MS ms to that stream\n"
		"      --dump-dir DIR       write control.bin, ring.bin, debug.bin and io.bin\n"
		"      --printf-formats FILE  render PRINTF records with \"ID FORMAT\" lines\n"
		"      --strict             exit 1 when an item faulted (default: off)\n"
		"  -f, --format FMT         report format: table, json or jsonl (one line)\n"
		"                           (default: table)\n"
		"  -j                       same as --format json\n"
		"  -o, --output FILE        write the report to FILE (default: stdout)\n"
		"  -q, --quiet              no report unless -o, no progress line or early\n"
		"                           timeout warning; errors still go to stderr\n"
		"Benchmarking:\n"
		"      --repeat N           run N times (1..1000, default 1); the report is\n"
		"                           the last run's plus median, min and max of each\n"
		"                           figure (spread_*)\n"
		"      --compare A.json B.json  print every figure of two saved -j reports\n"
		"                           side by side with B/A, and exit\n"
		"  A progress line (items, rate, elapsed) goes to stderr when it is a terminal.\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Exit status: 0 ok, 1 items faulted (--strict), 2 usage or work-file syntax,\n"
		"3 bad data, 4 I/O error, 5 device error, 6 timeout or stall, 7 refused\n"
		"by the policy (--device-memory-budget), 130/143 after SIGINT/SIGTERM.\n");
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
	return vy_parse_seconds(s, 0, 86400, out) ? -1 : 0;
}

enum {
	O_LIST = 256, O_TRANSPORT, O_KSRC, O_MODE, O_PRIORITY, O_RING_SLOTS,
	O_WGS, O_WGSIZE, O_TENANTS, O_OBS, O_MAXITERS, O_PUBLISH_BATCH, O_BINARY, O_SYNTH,
	O_DATA, O_RES, O_TIMEOUT, O_STALL, O_SNAP, O_INTERVAL, O_DUMP, O_PFMT,
	O_NOCACHE, O_BUDGET, O_DEDUPE, O_STRICT, O_REPEAT, O_COMPARE,
	O_PRODUCERS,
};

static const struct option longopts[] = {
	VY_REP_CLI_LONGOPTS,
	{ "list-devices", no_argument, NULL, O_LIST },
	{ "transport", required_argument, NULL, O_TRANSPORT },
	{ "kernel-source", required_argument, NULL, O_KSRC },
	{ "mode", required_argument, NULL, O_MODE },
	{ "priority", no_argument, NULL, O_PRIORITY },
	{ "ring-slots", required_argument, NULL, O_RING_SLOTS },
	{ "workgroups", required_argument, NULL, O_WGS },
	{ "workgroup-size", required_argument, NULL, O_WGSIZE },
	{ "tenants", required_argument, NULL, O_TENANTS },
	{ "observables", required_argument, NULL, O_OBS },
	{ "max-iters", required_argument, NULL, O_MAXITERS },
	{ "publish-batch", required_argument, NULL, O_PUBLISH_BATCH },
	{ "producers", required_argument, NULL, O_PRODUCERS },
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
	{ "no-cache", no_argument, NULL, O_NOCACHE },
	{ "device-memory-budget", required_argument, NULL, O_BUDGET },
	{ "dedupe", no_argument, NULL, O_DEDUPE },
	{ "strict", no_argument, NULL, O_STRICT },
	{ "repeat", required_argument, NULL, O_REPEAT },
	{ "compare", no_argument, NULL, O_COMPARE },
	{ NULL, 0, NULL, 0 },
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct vy_rep_launch_opts *o)
{
	struct vy_err e;
	int c;

	memset(o, 0, sizeof(*o));
	o->cfg.persistent = 1;
	o->cfg.tenant_count = 1;
	o->cfg.observable_slots = 256;
	o->timeout_s = 10;
	o->stall_s = 3;
	vy_rep_cli_init(&o->cli, PROG,
			VY_REP_CLI_FORMAT | VY_REP_CLI_OUTPUT | VY_REP_CLI_QUIET |
				VY_REP_CLI_DEVICE,
			1u << VY_FMT_TABLE | 1u << VY_FMT_JSON |
				1u << VY_FMT_JSONL, VY_FMT_TABLE, usage, argv);
	while ((c = vy_rep_cli_next(&o->cli, argc, argv, VY_REP_CLI_SHORT,
				    longopts)) != VY_REP_CLI_END) {
		switch (c) {
		case VY_REP_CLI_EXIT:
			return o->cli.exit;
		case O_LIST:
			o->list_devices = 1;
			break;
		case O_TRANSPORT:
			if (vy_dev_transport_parse(optarg, &o->cfg.transport, &e))
				return vy_rep_usage_err(PROG, "unknown transport '%s' (shared, copy or auto)",
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
				return vy_rep_usage_err(PROG, "unknown mode '%s' (persistent or once)",
						 optarg);
			break;
		case O_PRIORITY:
			o->cfg.priority = 1;
			break;
		case O_RING_SLOTS:
			if (parse_u32(optarg, &o->cfg.slots, 0) ||
			    o->cfg.slots > VY_MAX_ENCODED_RING_SLOTS)
				return vy_rep_usage_err(PROG, "bad --ring-slots '%s' (1..1048576)",
						 optarg);
			break;
		case O_WGS:
			if (parse_u32(optarg, &o->workgroups, 0))
				return vy_rep_usage_err(PROG, "bad --workgroups '%s'", optarg);
			break;
		case O_WGSIZE:
			if (parse_u32(optarg, &o->workgroup_size, 0))
				return vy_rep_usage_err(PROG, "bad --workgroup-size '%s'",
						 optarg);
			break;
		case O_TENANTS:
			/* 0 would mask every slot out and stall the run */
			if (parse_u32(optarg, &o->cfg.tenant_count, 0) ||
			    o->cfg.tenant_count > VY_CTL_TENANT_MASK_SLOTS)
				return vy_rep_usage_err(PROG, "bad --tenants '%s' (1..%u)",
						 optarg, VY_CTL_TENANT_MASK_SLOTS);
			break;
		case O_OBS:
			if (parse_u32(optarg, &o->cfg.observable_slots, 1) ||
			    o->cfg.observable_slots >
				    VY_MAX_ENCODED_OBSERVABLE_SLOTS)
				return vy_rep_usage_err(PROG, "bad --observables '%s' (0..1048576)",
						 optarg);
			break;
		case O_MAXITERS:
			if (parse_u32(optarg, &o->cfg.max_iters, 0))
				return vy_rep_usage_err(PROG, "bad --max-iters '%s'", optarg);
			break;
		case O_PUBLISH_BATCH:
			if (parse_u32(optarg, &o->batch, 0))
				return vy_rep_usage_err(PROG, "bad --publish-batch '%s'",
							optarg);
			break;
		case O_PRODUCERS:
			if (parse_u32(optarg, &o->cfg.producers, 0) ||
			    o->cfg.producers < 1 ||
			    o->cfg.producers > VY_MK_PRODUCERS_MAX)
				return vy_rep_usage_err(PROG, "bad --producers '%s' (1 to %u)",
							optarg, VY_MK_PRODUCERS_MAX);
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
					return vy_rep_usage_err(PROG, "unknown opcode in --synthetic '%s'",
							 optarg);
				if (!vy_workfile_opcode_ok(o->synthetic_op))
					return vy_rep_usage_err(PROG, "reserved opcode in --synthetic '%s' (vyre(7), OPCODES)",
							 optarg);
			}
			if (vy_parse_u64(buf, UINT64_MAX / 2, 1, &o->synthetic))
				return vy_rep_usage_err(PROG, "bad --synthetic '%s' (N[:OPCODE])",
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
				return vy_rep_usage_err(PROG, "bad --resource '%s' (ID=FILE)",
						 optarg);
			*eq = '\0';
			if (parse_u32(optarg, &id, 1))
				return vy_rep_usage_err(PROG, "bad resource id '%s'", optarg);
			if (o->nres == VY_REP_LAUNCH_MAX_RESOURCES)
				return vy_rep_usage_err(PROG, "more than 64 resources");
			o->res[o->nres].id = id;
			o->res[o->nres].path = eq + 1;
			o->nres++;
			break;
		}
		case O_TIMEOUT:
			if (parse_seconds(optarg, &o->timeout_s))
				return vy_rep_usage_err(PROG, "bad --timeout '%s' (seconds > 0)",
						 optarg);
			break;
		case O_STALL:
			if (parse_seconds(optarg, &o->stall_s))
				return vy_rep_usage_err(PROG, "bad --stall '%s' (seconds > 0)",
						 optarg);
			break;
		case O_SNAP:
			o->snapshot = optarg;
			break;
		case O_INTERVAL:
			if (vy_parse_u64(optarg, 86400000, 0, &o->interval_ms) ||
			    !o->interval_ms)
				return vy_rep_usage_err(PROG, "bad --interval '%s' (milliseconds)",
						 optarg);
			break;
		case O_DUMP:
			o->dump_dir = optarg;
			break;
		case O_PFMT:
			o->printf_formats = optarg;
			break;
		case O_NOCACHE:
			o->cfg.no_cache = 1;
			break;
		case O_BUDGET:
			if (vy_parse_u64(optarg, UINT64_MAX, 1, &o->budget_bytes))
				return vy_rep_usage_err(PROG, "bad --device-memory-budget '%s' (bytes, K/M/G/T suffixes)",
						 optarg);
			break;
		case O_DEDUPE:
			o->dedupe = 1;
			break;
		case O_STRICT:
			o->strict = 1;
			break;
		case O_REPEAT:
			if (parse_u32(optarg, &o->repeat, 0) || o->repeat > 1000)
				return vy_rep_usage_err(PROG, "bad --repeat '%s' (1..1000)",
							optarg);
			break;
		case O_COMPARE:
			o->compare = 1;
			break;
		default:
			return vy_rep_usage_err(PROG, "%s: unknown option",
						argv[optind - 1]);
		}
	}
	o->cfg.device = o->cli.device;
	if (!o->repeat)
		o->repeat = 1;
	if (o->list_devices)
		return -1;
	if (o->compare) {
		if (argc - optind != 2)
			return vy_rep_usage_err(PROG, "--compare takes two reports: A.json B.json");
		o->compare_a = argv[optind];
		o->compare_b = argv[optind + 1];
		return -1;
	}
	if (o->repeat > 1 && o->snapshot)
		return vy_rep_usage_err(PROG, "--repeat runs several times; --snapshot keeps one run: leave one out");
	if (optind < argc)
		o->workfile = argv[optind++];
	if (optind < argc)
		return vy_rep_usage_err(PROG, "unexpected argument '%s'", argv[optind]);
	if (!o->workfile && !o->have_synthetic)
		return vy_rep_usage_err(PROG, "no work: give a WORKFILE, - for stdin, or --synthetic N");
	if (o->workfile && o->have_synthetic)
		return vy_rep_usage_err(PROG, "give a WORKFILE or --synthetic, not both");
	if (o->interval_ms && !o->snapshot)
		return vy_rep_usage_err(PROG, "--interval needs --snapshot");
	if (o->dedupe && o->have_synthetic)
		return vy_rep_usage_err(PROG, "--dedupe needs a WORKFILE (--synthetic items are identical by construction)");
	return -1;
}

static int list_devices(enum vy_rep_format fmt)
{
	struct vy_err e;
	int n = vy_rep_device_list(stdout, fmt, &e);

	if (n < 0) {
		vy_rep_err(stderr, PROG, &e);
		return vy_err_exit(n);
	}
	if (n == 0) {
		fprintf(stderr, PROG ": no OpenCL device found\n"
				PROG ": hint: install an OpenCL driver, e.g. pocl-opencl-icd\n");
		return VY_EXIT_DEVICE;
	}
	return VY_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct vy_rep_launch_opts o;
	struct vy_rep_work src;
	struct vy_rep_runs runs;
	struct vy_rep_snapout so = { 0 };
	/* --snapshot FILE: replaced only when the run ends (wire/out.h) */
	struct vy_out snap_out = { 0 };
	struct vy_err e;
	struct sigaction sa;
	FILE *rf;
	json_t *doc = NULL;
	uint32_t i;
	int rc, err, status = VY_EXIT_OK;

	vy_rep_stdout_check_at_exit(PROG);
	vy_err_clear(&e);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.list_devices)
		return list_devices(o.cli.fmt == VY_FMT_TABLE ? VY_FMT_TABLE :
							       VY_FMT_JSON);
	if (o.compare)
		return vy_rep_launch_compare(stdout, PROG, o.compare_a,
					     o.compare_b, o.cli.fmt);
	/* as vyre-mkdump: binary never goes to a terminal */
	if (o.snapshot && !strcmp(o.snapshot, "-") && isatty(STDOUT_FILENO))
		return vy_rep_usage_err(PROG, "--snapshot -: standard output is a terminal; redirect it or give a FILE");
	err = vy_rep_work_load(&src, o.have_synthetic ? NULL : o.workfile,
			       o.binary, o.synthetic, o.synthetic_op, &e);
	if (!err)
		err = vy_rep_data_layout(o.data_path, o.res, o.nres,
					 &o.cfg.data_words, &e);
	if (err) {
		vy_rep_err(stderr, PROG, &e);
		return vy_err_exit(err);
	}
	/* one final snapshot replaces FILE at the end; a stream grows in it */
	if (o.snapshot && (o.interval_ms ? vy_out_open_live :
			   vy_out_open)(&snap_out, o.snapshot, &e)) {
		vy_rep_work_free(&src);
		vy_rep_err(stderr, PROG, &e);
		return VY_EXIT_IO;
	}
	so.f = snap_out.f;
	so.name = snap_out.name;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	o.err = stderr;
	o.stop = &stop_sig;
	o.snap_out = &snap_out;
	o.argc = argc;
	o.argv = argv;
	vy_rep_runs_init(&runs, o.repeat, argc, argv);
	for (i = 0; i < o.repeat && !stop_sig; i++) {
		json_decref(doc);
		if (i)
			vy_rep_work_rewind(&src);
		status = vy_rep_launch_run(&o, &src, &so, &doc);
		if (!doc)
			break;
		vy_rep_runs_add(&runs, doc);
		if (status != VY_EXIT_OK)
			break;
	}
	if (snap_out.f && vy_out_commit(&snap_out, &e)) {
		vy_rep_err(stderr, PROG, &e);
		o.out_failed = 1;
	}
	if (doc) {
		vy_rep_runs_finish(&runs, doc);
		rc = vy_rep_cli_open_output(&o.cli, false);
		rf = o.cli.f;
		/* the snapshot has standard output: the report goes to stderr */
		if (!o.cli.out_open && so.f == stdout)
			rf = stderr;
		if (rc)
			o.out_failed = 1;
		else if (o.cli.quiet && !o.cli.out_open)
			rf = NULL;
		if (rf && o.cli.fmt != VY_FMT_TABLE)
			vy_rep_emit_json(rf, doc, "vyre-launch/1",
					 o.cli.fmt == VY_FMT_JSON);
		else if (rf)
			vy_rep_launch_table(rf, doc);
		if (!rc && vy_rep_cli_close_output(&o.cli, VY_EXIT_OK))
			o.out_failed = 1;
	}
	json_decref(doc);
	vy_rep_runs_free(&runs);
	vy_rep_work_free(&src);
	/* a lost output outranks a clean verdict (the verdict was printed) */
	if (o.out_failed && status == VY_EXIT_OK)
		status = VY_EXIT_IO;
	return status;
}
