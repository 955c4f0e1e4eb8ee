/* SPDX-License-Identifier: MIT */
/*
 * vyre-stream - files through io_uring into pinned device buffers,
 * processed on the device (checksum, count, hist, grep).  The pipeline is
 * common/device/stream.c, the output common/report/stream.c; this file
 * parses options and calls them.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/cli.h"
#include "report/emit.h"
#include "report/stream.h"
#include "wire/err.h"
#include "device/stream.h"
#include "report/evidence.h"
#include "wire/util.h"

static const char *prog = "vyre-stream";
static volatile sig_atomic_t stop_flag;

struct ctx {
	enum vy_rep_format fmt;
	enum vy_dev_scan op;
	int quiet;
	int progress;
	int progress_shown;
	int failed;		/* the worst exit status of a failed input */
	int mismatch;
	json_t *inputs;		/* --format json */
	struct vy_rep_stream_evidence ev;	/* control and ring at the end */
};

static void on_session_end(void *arg, struct vy_mk *mk)
{
	struct ctx *c = arg;

	vy_rep_stream_evidence_capture(&c->ev, mk);
}

static void on_wire_end(void *arg, const uint8_t *control, size_t control_len,
			const uint8_t *ring, size_t ring_len)
{
	struct ctx *c = arg;

	vy_rep_stream_evidence_decode(&c->ev, control, control_len, ring,
				      ring_len);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vyre-stream [options] [FILE...|-]\n"
"Read files through io_uring into pinned OpenCL buffers and process them on\n"
"the device; print one line per input: path<TAB>bytes<TAB>result.\n"
"With no FILE, or with -, read standard input.\n"
"\n"
"  --op OP             checksum, count, hist or grep (default checksum)\n"
"  -b, --byte B        the byte that --op count counts: 0-255, 0xHH or a\n"
"                      single character (implies --op count)\n"
"  -e, --pattern PAT   a literal pattern for --op grep; repeat for a set\n"
"                      (implies --op grep)\n"
"  --patterns-from FILE  one literal pattern per line\n"
"  --files-from LIST   read input paths from LIST, one per line (- = stdin)\n"
"  --chunk SIZE        bytes per chunk, a power of two 64K-64M (default 4M)\n"
"  --qd N              reads in flight = pinned host slots (default 32)\n"
"  --dev-slots N       device chunk slots, copy transport (default 8;\n"
"                      with --persistent up to 32, 128 MiB)\n"
"  --engine E          auto, uring or pread (default auto: io_uring, else\n"
"                      pread with a notice)\n"
"  --o-direct MODE     O_DIRECT: auto (files of at least a chunk, when the\n"
"                      buffers are aligned), on (every regular file) or off\n"
"                      (default auto)\n"
"  --no-register       do not register the buffers with io_uring\n"
"  --inline-reads      issue buffered reads in this thread instead of handing\n"
"                      them to io_uring's workers (default: workers, so page-\n"
"                      cache copies run on several cores)\n"
"  --transport T       auto, copy or shared (default auto: shared on CPU and\n"
"                      unified-memory devices, copy otherwise)\n"
"  --persistent        process chunks in a resident kernel that claims them\n"
"                      from ring slots (user opcodes 8-11, vyre(7)) instead\n"
"                      of one kernel launch per batch\n"
"  -d, --device SPEC   OpenCL device: P:D, P, cpu or gpu (default: first GPU,\n"
"                      else first CPU device)\n"
"  --verify            recompute every result on the CPU; a mismatch exits 1\n"
"  -f, --format F      table (tab-separated lines), json or jsonl (default\n"
"                      table)\n"
"  -j                  same as --format json\n"
"  -o, --output FILE   write the results to FILE (default: stdout)\n"
"  --progress          show a progress line on stderr even when it is not a\n"
"                      terminal (default: only on a terminal)\n"
"  -q, --quiet         no metrics, notice or progress lines on stderr\n"
"  -h, --help          this help\n"
"  -V, --version       print the version\n"
"\n"
"Exit: 0 ok, 1 --verify found a mismatch, 2 usage, 4 an input could not be\n"
"read (the others are still processed) or another I/O error, 5 device\n"
"error, 6 the persistent kernel stalled, 130/143 after SIGINT/SIGTERM.\n");
}

/* 128 + the signal number: 130 after SIGINT, 143 after SIGTERM (vyre(7)) */
static volatile sig_atomic_t stop_signo;

static void on_sig(int sig)
{
	stop_signo = sig;
	stop_flag = 1;
}

static void on_result(void *arg, size_t idx, struct vy_dev_stream_input *in)
{
	struct ctx *c = arg;

	(void)idx;
	if (c->progress_shown) {
		fputs("\r\033[K", stderr);
		c->progress_shown = 0;
	}
	if (in->status) {
		if (vy_err_exit(in->status) > c->failed)
			c->failed = vy_err_exit(in->status);
		fprintf(stderr, "%s: %s\n", prog, in->err.msg);
	} else if (in->verified < 0) {
		c->mismatch = 1;
		vy_rep_stream_mismatch(stderr, prog, in, c->op);
	}
	vy_rep_stream_input(stdout, c->fmt, in, c->op, c->inputs);
	fflush(stdout);
}

static void on_notice(void *arg, const char *msg)
{
	struct ctx *c = arg;

	if (c->quiet)
		return;
	fprintf(stderr, "%s: %s\n", prog, msg);
}

static void on_progress(void *arg, const struct vy_dev_stream_metrics *m,
			uint64_t total)
{
	struct ctx *c = arg;

	if (!c->progress)
		return;
	fprintf(stderr, "\r\033[K%s: %.1f MB of %.1f MB, %.2f GB/s", prog,
		(double)m->bytes / 1e6, (double)total / 1e6,
		vy_rep_gbps(m->bytes, m->wall_ns));
	c->progress_shown = 1;
}

static int parse_byte(const char *s, uint8_t *out)
{
	uint64_t v;

	if (s[0] && !s[1] && (s[0] < '0' || s[0] > '9')) {
		*out = (uint8_t)s[0];
		return 0;
	}
	if (vy_parse_u64(s, 255, 0, &v))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

enum {
	OPT_OP = 256, OPT_FILES_FROM, OPT_CHUNK, OPT_QD, OPT_DEV_SLOTS,
	OPT_ENGINE, OPT_DIRECT, OPT_NO_REGISTER, OPT_INLINE, OPT_TRANSPORT,
	OPT_PERSISTENT, OPT_VERIFY, OPT_PROGRESS, OPT_PATTERNS_FROM,
};

static const struct option longopts[] = {
	VY_REP_CLI_LONGOPTS,
	{ "op", required_argument, NULL, OPT_OP },
	{ "byte", required_argument, NULL, 'b' },
	{ "pattern", required_argument, NULL, 'e' },
	{ "patterns-from", required_argument, NULL, OPT_PATTERNS_FROM },
	{ "files-from", required_argument, NULL, OPT_FILES_FROM },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "qd", required_argument, NULL, OPT_QD },
	{ "dev-slots", required_argument, NULL, OPT_DEV_SLOTS },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "o-direct", required_argument, NULL, OPT_DIRECT },
	{ "no-register", no_argument, NULL, OPT_NO_REGISTER },
	{ "inline-reads", no_argument, NULL, OPT_INLINE },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "persistent", no_argument, NULL, OPT_PERSISTENT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ NULL, 0, NULL, 0 },
};

#define bad_usage(...) vy_rep_usage_err(prog, __VA_ARGS__)

static int pick(const char *arg, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

/* What main allocates; freed by main whichever way stream_main returns. */
static struct {
	struct vy_dev_stream_input *in;
	struct vy_dev_dfa dfa;
	const char **paths, **pats;
	size_t *plens;
	char *listbuf, *patbuf;
	json_t *inputs;
} A;

static int stream_main(int argc, char **argv)
{
	static const char *const ops[] = { "checksum", "count", "hist", "grep" };
	static const char *const engines[] = { "auto", "uring", "pread" };
	static const char *const directs[] = { "auto", "on", "off" };
	struct vy_dev_stream_opts o;
	struct vy_dev_stream_metrics m;
	struct ctx c = { .fmt = VY_FMT_TABLE, .op = VY_SCAN_CHECKSUM };
	struct vy_rep_cli cli;
	struct vy_err e = { 0 };
	struct sigaction sa;
	size_t npaths = 0, npats = 0, i;
	const char *files_from = NULL, *patfile = NULL;
	int op_set = 0, have_byte = 0, force_progress = 0, opt, ret, rc;
	uint64_t v;

	vy_dev_stream_opts_init(&o);
	vy_rep_cli_init(&cli, prog,
			VY_REP_CLI_FORMAT | VY_REP_CLI_OUTPUT | VY_REP_CLI_QUIET |
				VY_REP_CLI_DEVICE,
			1u << VY_FMT_TABLE | 1u << VY_FMT_JSON |
				1u << VY_FMT_JSONL, VY_FMT_TABLE, usage, argv);
	while ((opt = vy_rep_cli_next(&cli, argc, argv, VY_REP_CLI_SHORT "b:e:",
				      longopts)) != VY_REP_CLI_END) {
		switch (opt) {
		case VY_REP_CLI_EXIT:
			return cli.exit;
		case OPT_OP:
			ret = pick(optarg, ops, 4);
			if (ret < 0)
				return bad_usage("unknown --op '%s' (checksum, count, hist, grep)",
						 optarg);
			o.op.op = (enum vy_dev_scan)ret;
			op_set = 1;
			break;
		case 'b':
			if (parse_byte(optarg, &o.op.byte))
				return bad_usage("bad --byte '%s' (0-255, 0xHH or one character)",
						 optarg);
			have_byte = 1;
			break;
		case 'e': {
			const char **np = realloc(A.pats, (npats + 1) *
						  sizeof(*A.pats));

			if (!np)
				return VY_EXIT_IO;
			A.pats = np;
			A.pats[npats++] = optarg;
			break;
		}
		case OPT_PATTERNS_FROM:
			patfile = optarg;
			break;
		case OPT_FILES_FROM:
			files_from = optarg;
			break;
		case OPT_CHUNK:
			if (vy_parse_u64(optarg, VY_STREAM_CHUNK_MAX, 1, &v) ||
			    v < VY_STREAM_CHUNK_MIN || (v & (v - 1)))
				return bad_usage("bad --chunk '%s' (a power of two, 64K-64M)",
						 optarg);
			o.chunk = v;
			break;
		case OPT_QD:
			if (vy_parse_u64(optarg, 1024, 0, &v) || !v)
				return bad_usage("bad --qd '%s' (1-1024)", optarg);
			o.qd = (unsigned)v;
			break;
		case OPT_DEV_SLOTS:
			if (vy_parse_u64(optarg, 1024, 0, &v) || !v)
				return bad_usage("bad --dev-slots '%s' (1-1024)",
						 optarg);
			o.dev_slots = (unsigned)v;
			break;
		case OPT_ENGINE:
			ret = pick(optarg, engines, 3);
			if (ret < 0)
				return bad_usage("unknown --engine '%s' (auto, uring, pread)",
						 optarg);
			o.engine = (enum vy_dev_io_engine)ret;
			break;
		case OPT_DIRECT:
			ret = pick(optarg, directs, 3);
			if (ret < 0)
				return bad_usage("unknown --o-direct '%s' (auto, on, off)",
						 optarg);
			o.direct = (enum vy_dev_direct_mode)ret;
			break;
		case OPT_NO_REGISTER:
			o.no_register = 1;
			break;
		case OPT_INLINE:
			o.inline_reads = 1;
			break;
		case OPT_TRANSPORT:
			if (vy_dev_transport_parse(optarg, &o.transport, &e))
				return bad_usage("unknown --transport '%s' (auto, copy, shared)",
						 optarg);
			break;
		case OPT_PERSISTENT:
			o.persistent = 1;
			break;
		case OPT_VERIFY:
			o.verify = 1;
			break;
		case OPT_PROGRESS:
			force_progress = 1;
			break;
		default:
			return bad_usage("%s: unknown option", argv[optind - 1]);
		}
	}
	c.fmt = cli.fmt;
	c.quiet = cli.quiet;
	o.device = cli.device;
	if (patfile) {
		size_t before = npats;

		ret = vy_rep_read_lines(patfile, &A.patbuf, &A.pats, &npats, &e);
		if (ret < 0) {
			vy_rep_err(stderr, prog, &e);
			return vy_err_exit(ret);
		}
		/* an empty list must not fall back to checksums silently */
		if (npats == before) {
			fprintf(stderr, "%s: %s: no patterns (every line is "
				"empty)\n", prog, patfile);
			return VY_EXIT_DATA;
		}
	}
	if (!op_set && npats)
		o.op.op = VY_SCAN_GREP;
	else if (!op_set && have_byte)
		o.op.op = VY_SCAN_COUNT;
	if (o.op.op == VY_SCAN_COUNT && !have_byte)
		return bad_usage("%s", "--op count needs --byte");
	if (o.op.op != VY_SCAN_COUNT && have_byte)
		return bad_usage("%s", "--byte is for --op count");
	if (o.op.op == VY_SCAN_GREP && !npats)
		return bad_usage("%s", "--op grep needs -e PATTERN or --patterns-from FILE");
	if (o.op.op != VY_SCAN_GREP && npats)
		return bad_usage("%s", "-e and --patterns-from are for --op grep");
	c.op = o.op.op;
	if (o.op.op == VY_SCAN_GREP) {
		A.plens = calloc(npats, sizeof(*A.plens));
		if (!A.plens)
			return VY_EXIT_IO;
		for (i = 0; i < npats; i++)
			A.plens[i] = strlen(A.pats[i]);
		ret = vy_dev_dfa_build(&A.dfa, A.pats, A.plens, (unsigned)npats,
				   &e);
		if (ret < 0) {
			vy_rep_err(stderr, prog, &e);
			return vy_err_exit(ret);
		}
		o.op.dfa = &A.dfa;
	}
	if (files_from) {
		ret = vy_rep_read_lines(files_from, &A.listbuf, &A.paths,
					&npaths, &e);
		if (ret < 0) {
			vy_rep_err(stderr, prog, &e);
			return vy_err_exit(ret);
		}
	}
	for (; optind < argc; optind++) {
		const char **np = realloc(A.paths,
					  (npaths + 1) * sizeof(*A.paths));

		if (!np)
			return VY_EXIT_IO;
		A.paths = np;
		A.paths[npaths++] = argv[optind];
	}
	if (!npaths && !files_from) {
		A.paths = malloc(sizeof(*A.paths));
		if (!A.paths)
			return VY_EXIT_IO;
		A.paths[npaths++] = "-";
	}
	if (files_from && !strcmp(files_from, "-"))
		for (i = 0; i < npaths; i++)
			if (!strcmp(A.paths[i], "-"))
				return bad_usage("%s", "- as an input and --files-from - both need stdin");
	A.in = calloc(npaths ? npaths : 1, sizeof(*A.in));
	if (!A.in)
		return VY_EXIT_IO;
	for (i = 0; i < npaths; i++)
		A.in[i].path = A.paths[i];

	c.progress = force_progress || (!c.quiet && isatty(STDERR_FILENO));
	ret = vy_rep_cli_open_output(&cli, true);
	if (ret)
		return ret;
	if (c.fmt == VY_FMT_JSON)
		c.inputs = A.inputs = json_array();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	o.stop = &stop_flag;
	o.on_result = on_result;
	o.on_notice = on_notice;
	o.on_session = vy_rep_stream_session;
	o.on_session_end = on_session_end;
	o.on_wire_end = on_wire_end;
	o.on_progress = on_progress;
	o.arg = &c;
	o.simulate_no_uring = getenv("VYRE_STREAM_NO_URING") != NULL;

	ret = vy_dev_stream_run(&o, A.in, npaths, &m, &e);
	if (c.progress_shown)
		fputs("\r\033[K", stderr);
	if (ret < 0 && ret != VY_E_STREAM_INTERRUPTED) {
		vy_rep_err(stderr, prog, &e);
		rc = vy_err_exit(ret);
		goto out;
	}
	vy_rep_stream_document(stdout, c.fmt, o.op.op, A.inputs, &m,
			       c.fmt == VY_FMT_TABLE ? NULL :
			       vy_rep_stream_evidence_json(&c.ev, &m, A.in,
							   npaths));
	A.inputs = c.inputs = NULL;
	if (!c.quiet && c.fmt == VY_FMT_TABLE)
		vy_rep_stream_metrics_line(stderr, prog, &m);
	if (ret == VY_E_STREAM_INTERRUPTED) {
		fprintf(stderr, "%s: interrupted\n", prog);
		rc = 128 + (stop_signo ? stop_signo : SIGINT);
	} else {
		rc = c.failed ? c.failed :
		     c.mismatch ? VY_EXIT_NEGATIVE : VY_EXIT_OK;
	}
out:
	return vy_rep_cli_close_output(&cli, rc);
}

int main(int argc, char **argv)
{
	int rc;

	vy_rep_stdout_check_at_exit(prog);
	rc = stream_main(argc, argv);

	json_decref(A.inputs);
	vy_dev_dfa_free(&A.dfa);
	free(A.in);
	free(A.paths);
	free(A.pats);
	free(A.plens);
	free(A.listbuf);
	free(A.patbuf);
	return rc;
}
