/* SPDX-License-Identifier: MIT */
/*
 * vyre-decode - decode captured megakernel snapshots: control and ring
 * counters, route windows, health between snapshots, debug log, IO queue.
 *
 *	vyre-decode [options] [SNAPSHOT...|-]
 *	vyre-decode [options] --control FILE --ring FILE [--debug FILE] [--io FILE]
 *
 * Options, output and exit status: vyre-decode(1).  The decoding and the
 * output writers live in common/telemetry*.c; this file only wires them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wire/dump.h"
#include "report/cli.h"
#include "report/emit.h"
#include "wire/err.h"
#include "wire/protocol.h"
#include "telemetry/telemetry.h"
#include "report/decode.h"
#include "report/decode_run.h"
#include "wire/util.h"

#define PROG "vyre-decode"
#define MAX_WINDOW_OPCODES 4096

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}


static void usage(FILE *f)
{
	fprintf(f,
"usage: vyre-decode [options] [SNAPSHOT...|-]\n"
"       vyre-decode [options] --control FILE --ring FILE [--debug FILE] [--io FILE]\n"
"\n"
"Decode VYRD snapshot streams (none or - = stdin) or raw buffer files.\n"
"\n"
"input:\n"
"      --control FILE      raw control buffer (with --ring)\n"
"      --ring FILE         raw ring buffer (with --control)\n"
"      --debug FILE        raw debug-log buffer (raw mode; default: none)\n"
"      --io FILE           raw IO-queue buffer (raw mode; default: none)\n"
"      --against OLD       health of every snapshot against the last\n"
"                          snapshot of OLD (default: against the previous)\n"
"      --follow            keep reading a growing snapshot file until a\n"
"                          snapshot records the run's end (or SHUTDOWN), or\n"
"                          SIGINT/SIGTERM (a pipe ends when its writer does)\n"
"      --pid PID           with --follow: also end once process PID is gone\n"
"                          (default: none)\n"
"      --forever           with --follow: ignore the run's end (default off)\n"
"      --poll MS           --follow polling interval (default 200)\n"
"      --keep-going        skip corrupt snapshots and say how many\n"
"                          (default: stop at the first)\n"
"decoding:\n"
"  -w, --windows OPS       route-window opcodes, comma-separated names or\n"
"                          numbers (default: none, no windows)\n"
"      --slots WHICH       slot rows: all, active, faulted, tenant=N or none\n"
"                          (default none)\n"
"      --tenant-summary    per-tenant summary: published, claimed, done,\n"
"                          faulted and mask state (default off)\n"
"      --opcode OP         list the active slots of opcode OP (default off)\n"
"      --sketch DxW        Count-Min sketches of depth D, width W (default off)\n"
"      --debug-log MODE    strict or lenient debug-log reading (default\n"
"                          lenient: an overflow is reported, not an error)\n"
"      --printf-formats FILE  PRINTF format strings, lines of \"ID FORMAT\"\n"
"                          (default: records show fmt id and arguments)\n"
"output:\n"
"  -f, --format FMT        table, json, jsonl, csv, prom, hex or svg (a\n"
"                          picture of the ring and the stream) (default table)\n"
"  -j                      same as --format json\n"
"  -o, --output FILE       write to FILE atomically (default stdout)\n"
"  -q, --quiet             no report on stdout (unless -o); with --strict a\n"
"                          quiet gate: the exit status answers\n"
"      --strict            exit 1 when the diagnosis has a finding of\n"
"                          severity error: a stall, faulted slots, blocked\n"
"                          tenants, ... (default off)\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"exit: 0 ok, 1 --strict found an anomaly, 2 usage, 3 bad input data,\n"
"4 I/O error.  See vyre-decode(1).\n");
}

/* ---- options ---- */

static int parse_windows(struct vy_rep_decode_ctx *c, char *arg, uint32_t *ops)
{
	char *tok, *save = NULL;

	/* strtok_r skips empty fields: "" and "," would name no opcode */
	if (!*arg || strstr(arg, ",,") || *arg == ',' ||
	    arg[strlen(arg) - 1] == ',')
		return vy_rep_usage_err(PROG, "--windows: '%s' has an empty opcode", arg);
	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint32_t op;

		if (c->o.n_window_opcodes == MAX_WINDOW_OPCODES)
			return vy_rep_usage_err(PROG, "--windows: more than 4096 opcodes");
		if (vy_opcode_parse(tok, &op))
			return vy_rep_usage_err(PROG, "--windows: unknown opcode '%s'", tok);
		ops[c->o.n_window_opcodes++] = op;
	}
	return 0;
}

static int parse_sketch(struct vy_rep_decode_ctx *c, const char *arg)
{
	uint64_t d, w;
	char *x = strchr(arg, 'x'), tmp[64];

	if (!x || (size_t)(x - arg) >= sizeof(tmp))
		return vy_rep_usage_err(PROG, "--sketch: '%s' is not DEPTHxWIDTH", arg);
	memcpy(tmp, arg, (size_t)(x - arg));
	tmp[x - arg] = '\0';
	if (vy_parse_u64(tmp, 64, 0, &d) || vy_parse_u64(x + 1, 1u << 20, 0, &w))
		return vy_rep_usage_err(PROG, "--sketch: '%s' is not DEPTHxWIDTH (depth "
				 "1..64, width 1..1048576)", arg);
	if (!d || !w)
		return vy_rep_usage_err(PROG, "--sketch: '%s' has a zero dimension", arg);
	c->o.sketch_depth = (size_t)d;
	c->o.sketch_width = (size_t)w;
	return 0;
}

enum {
	OPT_CONTROL = 256, OPT_RING, OPT_DEBUG, OPT_IO, OPT_AGAINST,
	OPT_FOLLOW, OPT_POLL, OPT_KEEP_GOING, OPT_SLOTS, OPT_OPCODE,
	OPT_SKETCH, OPT_DEBUG_LOG, OPT_PRINTF, OPT_STRICT, OPT_PID,
	OPT_FOREVER, OPT_TENANTS,
};

static const struct option longopts[] = {
	VY_REP_CLI_LONGOPTS,
	{ "windows", required_argument, NULL, 'w' },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "ring", required_argument, NULL, OPT_RING },
	{ "debug", required_argument, NULL, OPT_DEBUG },
	{ "io", required_argument, NULL, OPT_IO },
	{ "against", required_argument, NULL, OPT_AGAINST },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "poll", required_argument, NULL, OPT_POLL },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "slots", required_argument, NULL, OPT_SLOTS },
	{ "opcode", required_argument, NULL, OPT_OPCODE },
	{ "sketch", required_argument, NULL, OPT_SKETCH },
	{ "debug-log", required_argument, NULL, OPT_DEBUG_LOG },
	{ "printf-formats", required_argument, NULL, OPT_PRINTF },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "forever", no_argument, NULL, OPT_FOREVER },
	{ "tenant-summary", no_argument, NULL, OPT_TENANTS },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	static uint32_t window_ops[MAX_WINDOW_OPCODES];
	static struct vy_rep_decode_ctx c;
	const char *raw[VY_BUF_COUNT] = { NULL };
	const char *against = NULL, *printf_path = NULL;
	struct vy_tel_printf_formats pf = { 0 };
	struct sigaction sa;
	struct vy_err e;
	struct vy_rep_cli cli;
	bool raw_mode;
	int opt, i;
	uint64_t v;

	vy_rep_stdout_check_at_exit(PROG);
	c.prog = PROG;
	c.out = stdout;
	c.err = stderr;
	c.stop = &stop_flag;
	c.fmt = VY_FMT_TABLE;
	c.poll_ms = 200;
	c.o.window_opcodes = window_ops;
	c.o.debug_mode = VY_READ_LENIENT;
	vy_rep_cli_init(&cli, PROG,
			VY_REP_CLI_FORMAT | VY_REP_CLI_OUTPUT | VY_REP_CLI_QUIET,
			0x7f, VY_FMT_TABLE, usage, argv);
	while ((opt = vy_rep_cli_next(&cli, argc, argv, VY_REP_CLI_SHORT "w:",
				      longopts)) != VY_REP_CLI_END) {
		switch (opt) {
		case VY_REP_CLI_EXIT:
			return cli.exit;
		case 'w':
			if (parse_windows(&c, optarg, window_ops))
				return VY_EXIT_USAGE;
			break;
		case OPT_CONTROL:
			raw[VY_BUF_CONTROL] = optarg;
			break;
		case OPT_RING:
			raw[VY_BUF_RING] = optarg;
			break;
		case OPT_DEBUG:
			raw[VY_BUF_DEBUG_LOG] = optarg;
			break;
		case OPT_IO:
			raw[VY_BUF_IO_QUEUE] = optarg;
			break;
		case OPT_AGAINST:
			against = optarg;
			break;
		case OPT_FOLLOW:
			c.follow = true;
			break;
		case OPT_POLL:
			if (vy_parse_u64(optarg, 60000, 0, &v) || !v)
				return vy_rep_usage_err(PROG, "--poll: '%s' is not 1..60000 "
						 "milliseconds", optarg);
			c.poll_ms = (unsigned)v;
			break;
		case OPT_KEEP_GOING:
			c.keep_going = true;
			break;
		case OPT_SLOTS:
			if (!strcmp(optarg, "all"))
				c.o.slots = VY_TEL_SLOTS_ALL;
			else if (!strcmp(optarg, "active"))
				c.o.slots = VY_TEL_SLOTS_ACTIVE;
			else if (!strcmp(optarg, "none"))
				c.o.slots = VY_TEL_SLOTS_NONE;
			else if (!strcmp(optarg, "faulted"))
				c.o.slots = VY_TEL_SLOTS_FAULTED;
			else if (!strncmp(optarg, "tenant=", 7) &&
				 !vy_parse_u64(optarg + 7, UINT32_MAX, 0, &v)) {
				c.o.slots = VY_TEL_SLOTS_TENANT;
				c.o.slot_tenant = (uint32_t)v;
			} else
				return vy_rep_usage_err(PROG, "--slots: '%s' is not all, "
						 "active, faulted, tenant=N or "
						 "none", optarg);
			break;
		case OPT_TENANTS:
			c.o.tenants = true;
			break;
		case OPT_PID:
			if (vy_parse_u64(optarg, 0x7fffffff, 0, &v) || !v)
				return vy_rep_usage_err(PROG, "--pid: '%s' is not a "
						 "process id", optarg);
			c.pid = (long)v;
			break;
		case OPT_FOREVER:
			c.forever = true;
			break;
		case OPT_OPCODE:
			if (vy_opcode_parse(optarg, &c.o.opcode))
				return vy_rep_usage_err(PROG, "--opcode: unknown opcode '%s'",
						 optarg);
			c.o.have_opcode = true;
			break;
		case OPT_SKETCH:
			if (parse_sketch(&c, optarg))
				return VY_EXIT_USAGE;
			break;
		case OPT_DEBUG_LOG:
			if (!strcmp(optarg, "strict"))
				c.o.debug_mode = VY_READ_STRICT;
			else if (!strcmp(optarg, "lenient"))
				c.o.debug_mode = VY_READ_LENIENT;
			else
				return vy_rep_usage_err(PROG, "--debug-log: '%s' is not "
						 "strict or lenient", optarg);
			break;
		case OPT_PRINTF:
			printf_path = optarg;
			break;
		case OPT_STRICT:
			c.strict = true;
			break;
		default:
			return vy_rep_usage_err(PROG, "%s: unknown option",
						argv[optind - 1]);
		}
	}
	c.fmt = cli.fmt;
	c.output = cli.output;
	/* the report is the only thing on stdout: send it nowhere */
	if (cli.quiet && !c.output && !freopen("/dev/null", "w", stdout)) {
		fprintf(stderr, PROG ": /dev/null: %s\n", strerror(errno));
		return VY_EXIT_IO;
	}
	raw_mode = raw[0] || raw[1] || raw[2] || raw[3];
	if (raw_mode && (!raw[VY_BUF_CONTROL] || !raw[VY_BUF_RING]))
		return vy_rep_usage_err(PROG, "raw buffers need both --control and --ring");
	if (raw_mode && optind < argc)
		return vy_rep_usage_err(PROG, "'%s': give snapshots or raw buffers "
				 "(--control/--ring), not both", argv[optind]);
	if ((c.pid || c.forever) && !c.follow)
		return vy_rep_usage_err(PROG, "--pid and --forever go with --follow");
	if (raw_mode && c.follow)
		return vy_rep_usage_err(PROG, "--follow reads snapshot streams, not raw buffers");

	if (printf_path) {
		vy_err_clear(&e);
		if (vy_rep_printf_formats_load(printf_path, &pf, &e)) {
			vy_rep_decode_fail(&c, NULL, &e);
			return c.exit;
		}
		c.o.formats = &pf;
	}

	/* --follow ends cleanly on SIGINT/SIGTERM; otherwise they kill. */
	if (c.follow) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}

	vy_rep_decode_init(&c.rep[0]);
	vy_rep_decode_init(&c.rep[1]);
	vy_rep_decode_init(&c.against);

	if (against) {
		int fd;

		if (vy_rep_decode_open(&c, against, &fd) == 0) {
			vy_rep_decode_stream(&c, fd, against, true);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		if (!c.have_against && c.exit == 0) {
			vy_errf(&e, VY_E_TRUNCATED, NULL,
				"offset 0: no snapshot to compare against");
			vy_rep_decode_fail(&c, against, &e);
		}
		if (c.exit)
			goto out;
		/* Keep its done_count: the stream buffer is gone. */
		c.against.control = NULL;
		c.against.ring = NULL;
	}

	if (raw_mode) {
		vy_rep_decode_raw(&c, raw);
	} else if (optind == argc) {
		vy_rep_decode_stream(&c, STDIN_FILENO, "-", false);
	} else {
		for (i = optind; i < argc; i++) {
			int fd, ret;

			if (vy_rep_decode_open(&c, argv[i], &fd)) {
				if (!c.keep_going)
					break;
				continue;
			}
			ret = vy_rep_decode_stream(&c, fd, argv[i], false);
			if (fd != STDIN_FILENO)
				close(fd);
			if (ret && !c.keep_going)
				break;
		}
	}
	if (c.fmt == VY_FMT_SVG && c.decoded &&
	    vy_rep_decode_svg_finish(&c) && c.exit < VY_EXIT_IO) {
		fprintf(stderr, PROG ": cannot write the picture\n");
		c.exit = VY_EXIT_IO;
	}
	if (c.fmt == VY_FMT_PROM && !c.output && !c.follow && c.last)
		fwrite(c.last, 1, c.last_len, stdout);
	if (c.output && (c.decoded || c.exit == 0))
		vy_rep_decode_flush(&c);
	if (fflush(stdout) && c.exit < VY_EXIT_IO)
		c.exit = vy_rep_stdout_error(stderr, PROG);
	if (c.exit == 0 && c.strict && c.anomalous)
		c.exit = VY_EXIT_NEGATIVE;
out:
	vy_rep_decode_ctx_free(&c);
	vy_tel_printf_formats_free(&pf);
	return c.exit;
}
