/* SPDX-License-Identifier: MIT */
/*
 * vyre-recommend - launch geometry and policy for the persistent
 * megakernel, from flags, a device, a captured snapshot or JSON Lines;
 * with --check gates for CI.  The logic is in common/policy*.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/dump.h"
#include "report/cli.h"
#include "report/emit.h"
#include "policy/cache.h"
#include "report/recommend.h"
#include "report/recommend_knobs.h"
#include "report/recommend_run.h"
#include "device/caps.h"
#include "device/megakernel.h"
#include "report/launch.h"
#include "wire/util.h"

static const char *prog = "vyre-recommend";

#define OPT_FIELD 1000	/* + request field index */

enum {
	OPT_DIRECT = 256,
	OPT_PREV,
	OPT_DEVICE,
	OPT_FROM,
	OPT_WINDOWS,
	OPT_BATCH,
	OPT_HYSTERESIS,
	OPT_EXPLAIN,
	OPT_CHECK,
	OPT_POLICY,
	OPT_SHOW_POLICY,
	OPT_AUTOTUNE,
};


static void usage(FILE *f)
{
	int i;

	fprintf(f,
"usage: vyre-recommend [options]\n"
"       vyre-recommend --batch [options] [FILE]\n"
"Recommend launch geometry, topology, pressure and execution mode for the\n"
"persistent megakernel (the vyre launch policy), and gate CI on it.\n"
"\n"
"Request fields (each defaults to 0; numbers take K M G T suffixes):\n");
	for (i = 0; i < VY_REQUEST_FIELDS; i++) {
		char flag[64];
		size_t k;

		snprintf(flag, sizeof(flag), "--%s", vy_request_fields[i].name);
		for (k = 2; flag[k]; k++)
			if (flag[k] == '_')
				flag[k] = '-';
		fprintf(f, "      %s N\n          %s (u%u)\n", flag,
			vy_request_fields[i].help, vy_request_fields[i].bits);
	}
	fprintf(f,
"      --direct QUEUE,WORKERS,WGX     the direct constructor: those three, the\n"
"                                     adapter limits WORKERS and WGX, 1 hit per\n"
"                                     item; field flags then override fields\n"
"      --previous-topology NAME       apply hysteresis against NAME (default:\n"
"                                     none); empty, sparse_frontier,\n"
"                                     hybrid_frontier, dense_frontier,\n"
"                                     fused_dense, memory_constrained\n"
"  -d, --device[=PLATFORM:DEVICE]     take the three adapter limits from an\n"
"                                     OpenCL device (default device: first GPU,\n"
"                                     else CPU; also cpu, gpu, P:D) and cap\n"
"                                     worker groups at the work-groups that are\n"
"                                     surely resident (its compute units)\n"
"      --from SNAPSHOT                derive the request from the last snapshot\n"
"                                     of a VYRD file (telemetry feedback)\n"
"      --windows OPCODES              route-window opcodes for --from, comma\n"
"                                     separated (default: none)\n"
"\n"
"Batch:\n"
"      --batch                        read JSON Lines (FILE or stdin), one\n"
"                                     request object per line, write one\n"
"                                     recommendation or error per line\n"
"      --hysteresis                   with --batch: each line's topology is the\n"
"                                     next line's previous topology\n"
"\n"
"Output and gates:\n"
"  -f, --format FORMAT                table, json, jsonl or csv (default table;\n"
"                                     --batch: jsonl)\n"
"  -j                                 same as --format json\n"
"  -o, --output FILE                  write the answer to FILE (default stdout)\n"
"  -v, --verbose, --explain           say which rule picked the topology,\n"
"                                     pressure, mode and sizes (stdout after a\n"
"                                     table, else stderr); -v with --batch: the\n"
"                                     recommendation cache's entries, hits and\n"
"                                     misses on stderr\n"
"      --policy FILE.json             launch policy thresholds from FILE (members\n"
"                                     as --show-policy -j writes them; those\n"
"                                     left out keep the standard policy)\n"
"      --show-policy                  print the policy in effect and exit\n"
"      --autotune REPORTS             pick a geometry from vyre-launch -j\n"
"                                     reports (JSON values one after another;\n"
"                                     - = stdin) and print the next probe\n"
"      --check EXPR                   gate: FIELD OP VALUE, e.g.\n"
"                                     worker_groups<=256 (repeatable; OP one of\n"
"                                     = == != < <= > >=); the results are in\n"
"                                     the table and the JSON (\"checks\")\n"
"  -q, --quiet                        no answer: nothing when every check\n"
"                                     holds, only the failed checks else\n"
"  -h, --help                         this help\n"
"  -V, --version                      print the version\n"
"\n"
"Exit status: 0 ok and every check holds; 1 a check failed; 2 usage, a\n"
"malformed expression or no request at all; 3 bad input data; 4 I/O error;\n"
"5 device error; 7 the policy refused (zero limit, out of memory).\n"
"See vyre-recommend(1).\n");
}

/* "cpu", "gpu", "P" or "P:D". */
static bool looks_like_device(const char *s)
{
	const char *p = s;

	if (!strcmp(s, "cpu") || !strcmp(s, "gpu"))
		return true;
	if (!(*p >= '0' && *p <= '9'))
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == ':') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static int parse_args(int argc, char **argv, struct vy_rep_recommend_opts *o)
{
	static const struct option shared[] = { VY_REP_CLI_LONGOPTS };
	static struct option opts[VY_REQUEST_FIELDS + 24];
	static char names[VY_REQUEST_FIELDS][64];
	struct vy_err e;
	int i, n = 0, c, ret;

	for (i = 0; i < VY_REQUEST_FIELDS; i++) {
		char *k;

		snprintf(names[i], sizeof(names[i]), "%s",
			 vy_request_fields[i].name);
		for (k = names[i]; *k; k++)
			if (*k == '_')
				*k = '-';
		opts[n++] = (struct option){ names[i], required_argument, NULL,
					     OPT_FIELD + i };
	}
	opts[n++] = (struct option){ "direct", required_argument, NULL,
				     OPT_DIRECT };
	opts[n++] = (struct option){ "previous-topology", required_argument,
				     NULL, OPT_PREV };
	opts[n++] = (struct option){ "device", optional_argument, NULL,
				     OPT_DEVICE };
	opts[n++] = (struct option){ "from", required_argument, NULL,
				     OPT_FROM };
	opts[n++] = (struct option){ "windows", required_argument, NULL,
				     OPT_WINDOWS };
	opts[n++] = (struct option){ "batch", no_argument, NULL, OPT_BATCH };
	opts[n++] = (struct option){ "hysteresis", no_argument, NULL,
				     OPT_HYSTERESIS };
	opts[n++] = (struct option){ "explain", no_argument, NULL,
				     OPT_EXPLAIN };
	opts[n++] = (struct option){ "check", required_argument, NULL,
				     OPT_CHECK };
	opts[n++] = (struct option){ "policy", required_argument, NULL,
				     OPT_POLICY };
	opts[n++] = (struct option){ "show-policy", no_argument, NULL,
				     OPT_SHOW_POLICY };
	opts[n++] = (struct option){ "autotune", required_argument, NULL,
				     OPT_AUTOTUNE };
	/* after "device" above: its argument is optional here */
	for (i = 0; i < (int)(sizeof(shared) / sizeof(shared[0])); i++)
		opts[n++] = shared[i];
	opts[n] = (struct option){ 0 };

	memset(o, 0, sizeof(*o));
	o->policy = vy_pol_launch_policy_standard();
	vy_rep_cli_init(&o->cli, prog,
			VY_REP_CLI_FORMAT | VY_REP_CLI_OUTPUT | VY_REP_CLI_QUIET |
				VY_REP_CLI_VERBOSE | VY_REP_CLI_DEVICE,
			1u << VY_FMT_TABLE | 1u << VY_FMT_JSON |
				1u << VY_FMT_JSONL | 1u << VY_FMT_CSV,
			VY_FMT_TABLE, usage, argv);
	while ((c = vy_rep_cli_next(&o->cli, argc, argv, VY_REP_CLI_SHORT,
				    opts)) != VY_REP_CLI_END) {
		if (c == VY_REP_CLI_EXIT) {
			if (o->cli.exit == VY_EXIT_OK)
				exit(VY_EXIT_OK);	/* after --help, --version */
			return o->cli.exit;
		}
		if (c >= OPT_FIELD && c < OPT_FIELD + VY_REQUEST_FIELDS) {
			const struct vy_pol_request_field *f =
				&vy_request_fields[c - OPT_FIELD];
			char flag[80];
			uint64_t v;

			snprintf(flag, sizeof(flag), "--%s",
				 names[c - OPT_FIELD]);
			ret = vy_rep_opt_num(prog, flag, optarg,
					f->bits == 64 ? UINT64_MAX :
					f->bits == 32 ? UINT32_MAX : UINT16_MAX,
					&v);
			if (ret)
				return ret;
			vy_pol_request_set(&o->req, c - OPT_FIELD, v, NULL);
			o->set[c - OPT_FIELD] = true;
			continue;
		}
		switch (c) {
		case OPT_DIRECT: {
			size_t k;

			ret = vy_rep_opt_list(prog, "--direct", optarg, o->direct_args, 3,
					 &k);
			if (ret)
				return ret;
			if (k != 3)
				return vy_rep_usage_err(prog, "--direct: '%s' is not QUEUE,WORKERS,WGX",
						   optarg);
			o->direct = true;
			break;
		}
		case OPT_PREV:
			if (vy_pol_topology_parse(optarg, &o->prev)) {
				fprintf(stderr,
					"%s: --previous-topology: '%s' is not a topology\n"
					"%s: hint: use empty, sparse_frontier, hybrid_frontier, dense_frontier, fused_dense or memory_constrained\n",
					prog, optarg, prog);
				return VY_EXIT_USAGE;
			}
			o->has_prev = true;
			break;
		case OPT_DEVICE:
			o->use_device = true;
			o->device = optarg;
			/* "--device 0:0" as well as "--device=0:0". */
			if (!optarg && optind < argc &&
			    looks_like_device(argv[optind]))
				o->device = argv[optind++];
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_WINDOWS:
			ret = vy_rep_opt_list(prog, "--windows", optarg, o->windows,
					 VY_REP_REC_MAX_WINDOWS, &o->nwindows);
			if (ret)
				return ret;
			break;
		case OPT_BATCH:
			o->batch = true;
			break;
		case OPT_HYSTERESIS:
			o->hysteresis = true;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case OPT_POLICY:
			o->policy_path = optarg;
			break;
		case OPT_SHOW_POLICY:
			o->show_policy = true;
			break;
		case OPT_AUTOTUNE:
			o->autotune = optarg;
			break;
		case OPT_CHECK:
			if (o->nchecks == VY_REP_REC_MAX_CHECKS)
				return vy_rep_usage_err(prog, "--check: more than 64 checks");
			if (vy_pol_rec_check_parse(optarg, &o->checks[o->nchecks],
					       &e)) {
				vy_rep_err(stderr, prog, &e);
				return VY_EXIT_USAGE;
			}
			o->nchecks++;
			break;
		default:
			return vy_rep_usage_err(prog, "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	o->fmt = o->cli.fmt;
	if (o->cli.device) {	/* -d SPEC */
		o->use_device = true;
		o->device = o->cli.device;
	}
	/* -v: with --batch the cache's figures, else as --explain */
	if (o->cli.verbose && o->batch)
		o->verbose = true;
	else if (o->cli.verbose)
		o->explain = true;
	if (o->batch) {
		const char *bad = NULL;

		for (i = 0; i < VY_REQUEST_FIELDS; i++)
			if (o->set[i])
				bad = "request field flags";
		if (o->direct)
			bad = "--direct";
		if (o->has_prev)
			bad = "--previous-topology";
		if (o->use_device)
			bad = "--device";
		if (o->from)
			bad = "--from";
		if (o->explain)
			bad = "--explain";
		if (bad)
			return vy_rep_usage_err(prog, "%s cannot be used with --batch%s", bad,
					   " (each line is a whole request)");
		if (o->cli.fmt_set && o->fmt != VY_FMT_JSONL)
			return vy_rep_usage_err(prog, "--batch writes JSON Lines; drop --format %s",
					   vy_rep_format_name(o->fmt));
		o->fmt = VY_FMT_JSONL;
		if (optind < argc)
			o->input = argv[optind++];
	} else {
		if (o->hysteresis)
			return vy_rep_usage_err(prog, "--hysteresis needs --batch");
		if (o->nwindows && !o->from)
			return vy_rep_usage_err(prog, "--windows needs --from");
		for (i = 0; i < VY_REQUEST_FIELDS && !o->set[i]; i++)
			;
		/* an all-zero request is refused by the policy: say why */
		if (i == VY_REQUEST_FIELDS && !o->direct && !o->use_device &&
		    !o->from && !o->show_policy && !o->autotune)
			return vy_rep_usage_err(prog, "no request: give --device, --direct QUEUE,WORKERS,WGX, --from SNAPSHOT, request field flags or --batch");
	}
	if (optind < argc)
		return vy_rep_usage_err(prog, "unexpected argument '%s'", argv[optind]);
	if (o->autotune && (o->batch || o->show_policy))
		return vy_rep_usage_err(prog, "--autotune cannot be used with --batch or --show-policy");
	if (o->policy_path) {
		ret = vy_rep_policy_load(o->policy_path, &o->policy, &e);
		if (ret) {
			/* the message names the file; the seed's error name */
			fprintf(stderr, "%s: %s (%s)\n", prog, e.msg,
				vy_err_name(ret));
			if (e.hint[0])
				fprintf(stderr, "%s: hint: %s\n", prog, e.hint);
			return ret == VY_E_IO ? VY_EXIT_IO : vy_err_exit(ret);
		}
	}
	return 0;
}

/* ---- the request ------------------------------------------------- */

/* ---- output ------------------------------------------------------ */

static int run_single(const struct vy_rep_recommend_opts *o)
{
	struct vy_pol_launch_policy p = o->policy;
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request r;
	struct vy_pol_launch_trace trace;
	struct vy_pol_launch_feedback fb;
	struct vy_rep_rec_devinfo dev;
	struct vy_err e;
	FILE *xf = o->fmt == VY_FMT_TABLE ? stdout : stderr;
	int ret;

	memset(&dev, 0, sizeof(dev));
	memset(&rec, 0, sizeof(rec));
	vy_err_clear(&e);
	memset(&fb, 0, sizeof(fb));
	ret = vy_rep_recommend_request(o, &r, &dev, &fb, &e);
	if (ret == VY_E_NO_DEVICE)
		snprintf(e.hint, sizeof(e.hint), "%s",
			 "vyre-launch --list-devices shows the indices");
	if (ret) {
		vy_rep_err(stderr, prog, &e);
		return vy_err_exit(ret);
	}
	ret = vy_pol_recommend_traced(&p, &r, o->has_prev ? &o->prev : NULL,
					 &trace, &rec, &e);
	if (ret == 0 && dev.used)
		vy_rep_device_cap(vy_rep_recommend_ring_slots(o), &rec, &dev.c);
	if (ret == VY_E_GRID_ZERO_MAX_WORKGROUP_SIZE_X ||
	    ret == VY_E_GRID_ZERO_MAX_WORKGROUPS_PER_DIMENSION ||
	    ret == VY_E_GRID_ZERO_MAX_INVOCATIONS_PER_WORKGROUP)
		snprintf(e.hint, sizeof(e.hint), "%s",
			 "give the adapter limits: --device, --direct QUEUE,WORKERS,WGX, or the --max-* flags");
	if (ret && (o->fmt == VY_FMT_JSON || o->fmt == VY_FMT_JSONL) &&
	    (!o->cli.quiet || o->cli.output)) {
		char line[VY_REC_LINE_MAX];

		fwrite(line, 1, vy_rep_policy_error_jsonl(line, ret, e.msg, &rec, 0),
		       stdout);
	}
	if (ret)
		vy_rep_err(stderr, prog, &e);
	else if (!o->cli.quiet || o->cli.output)
		vy_rep_recommend_print(stdout, o->fmt, &rec,
				       dev.used ? &dev.c : NULL, o->checks,
				       o->nchecks);
	if (o->explain) {
		if (o->from)
			vy_rep_feedback_explain(ret ? stderr : xf, o->from, &fb);
		vy_rep_launch_trace_explain(ret ? stderr : xf, &p, &trace, ret,
					    &rec);
	}
	if (ret)
		return vy_err_exit(ret);
	if (fflush(stdout))
		return vy_rep_stdout_error(stderr, prog);
	ret = vy_rep_rec_checks(stderr, prog, o->checks, o->nchecks, &rec, 0);
	return ret ? VY_EXIT_NEGATIVE : VY_EXIT_OK;
}

static int run_batch(const struct vy_rep_recommend_opts *o)
{
	static char obuf[1 << 20];
	FILE *in = stdin;
	int ret;

	if (o->input && strcmp(o->input, "-") != 0) {
		in = fopen(o->input, "r");
		if (!in) {
			fprintf(stderr, "%s: cannot open %s: %m\n", prog,
				o->input);
			return VY_EXIT_IO;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	ret = vy_rep_recommend_batch(in, o->input ? o->input : "stdin", stdout,
				     stderr, prog, &o->policy, o->hysteresis,
				     o->verbose, o->checks, o->nchecks);
	if (in != stdin)
		fclose(in);
	return ret;
}

int main(int argc, char **argv)
{
	struct vy_rep_recommend_opts o;
	int ret;

	vy_rep_stdout_check_at_exit(prog);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	ret = vy_rep_cli_open_output(&o.cli, true);
	if (ret)
		return ret;
	if (o.show_policy)
		vy_rep_policy_print(stdout, o.fmt, &o.policy);
	else if (o.autotune)
		ret = vy_rep_autotune_run(stdout, stderr, prog, o.autotune,
					  o.fmt);
	else
		ret = o.batch ? run_batch(&o) : run_single(&o);
	return vy_rep_cli_close_output(&o.cli, ret);
}
