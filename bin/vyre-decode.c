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
#include "report/emit.h"
#include "wire/err.h"
#include "wire/protocol.h"
#include "telemetry/telemetry.h"
#include "report/decode.h"
#include "wire/util.h"

#define PROG "vyre-decode"
#define SCHEMA "vyre-decode/1"
#define MAX_WINDOW_OPCODES 4096

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct ctx {
	struct vy_rep_decode_opts o;
	enum vy_rep_format fmt;
	const char *output;	/* --output, NULL = stdout */
	bool strict, keep_going, follow;
	unsigned poll_ms;
	int exit;		/* worst failure so far (enum vy_exit) */
	bool anomalous;
	uint64_t index;		/* next snapshot number */
	uint64_t decoded;
	struct vy_rep_decode rep[2];
	struct vy_rep_decode *prev;	/* previous report, NULL at start */
	struct vy_rep_decode against;
	bool have_against;
	bool csv_header_done;
	bool write_error;	/* the last failure was writing output */
	/* --output / prom: what will be written */
	char *acc;
	size_t acc_len, acc_cap;
	char *last;		/* prom: the last exposition */
	size_t last_len;
};

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
"      --follow            keep reading a growing snapshot file until\n"
"                          SIGINT/SIGTERM (a pipe ends when its writer does)\n"
"      --poll MS           --follow polling interval (default 200)\n"
"      --keep-going        skip corrupt snapshots and say how many\n"
"                          (default: stop at the first)\n"
"decoding:\n"
"  -w, --windows OPS       route-window opcodes, comma-separated names or\n"
"                          numbers (default: none, no windows)\n"
"      --slots WHICH       slot rows: all, active or none (default none)\n"
"      --opcode OP         list the active slots of opcode OP (default off)\n"
"      --sketch DxW        Count-Min sketches of depth D, width W (default off)\n"
"      --debug-log MODE    strict or lenient debug-log reading (default\n"
"                          lenient: an overflow is reported, not an error)\n"
"      --printf-formats FILE  PRINTF format strings, lines of \"ID FORMAT\"\n"
"                          (default: records show fmt id and arguments)\n"
"output:\n"
"  -f, --format FMT        table, json, jsonl, csv, prom or hex (default table)\n"
"  -j                      same as --format json\n"
"  -o, --output FILE       write to FILE atomically (default stdout)\n"
"      --strict            exit 1 when a slot faulted, a stall is suspected\n"
"                          or the debug log overflowed (default off)\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"exit: 0 ok, 1 --strict found an anomaly, 2 usage, 3 bad input data,\n"
"4 I/O error.  See vyre-decode(1).\n");
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n" PROG ": try --help\n");
	return VY_EXIT_USAGE;
}

static void fail(struct ctx *c, const char *file, const struct vy_err *e)
{
	int x = vy_err_exit(e->code);

	/* A NULL @file: the message names what failed (output errors). */
	if (file)
		fprintf(stderr, PROG ": %s: ", file);
	else
		fprintf(stderr, PROG ": ");
	fprintf(stderr, "%s\n", e->msg[0] ? e->msg : vy_err_name(e->code));
	if (e->hint[0])
		fprintf(stderr, PROG ": hint: %s\n", e->hint);
	if (x > c->exit)
		c->exit = x;
}

/* ---- output ---- */

static int acc_append(struct ctx *c, const char *p, size_t n)
{
	if (c->acc_len + n > c->acc_cap) {
		size_t ncap = c->acc_cap ? c->acc_cap : 65536;
		char *q;

		while (ncap < c->acc_len + n)
			ncap *= 2;
		q = realloc(c->acc, ncap);
		if (!q)
			return -1;
		c->acc = q;
		c->acc_cap = ncap;
	}
	memcpy(c->acc + c->acc_len, p, n);
	c->acc_len += n;
	return 0;
}

/* Write what --output should hold now. */
static int flush_output(struct ctx *c)
{
	struct vy_err e;
	const char *p = c->fmt == VY_FMT_PROM ? c->last : c->acc;
	size_t n = c->fmt == VY_FMT_PROM ? c->last_len : c->acc_len;

	if (!c->output)
		return 0;
	vy_err_clear(&e);
	if (vy_write_file_atomic(c->output, p ? p : "", n, &e)) {
		fail(c, NULL, &e);
		return -1;
	}
	return 0;
}

static void render(struct ctx *c, FILE *f, struct vy_rep_decode *r)
{
	json_t *doc;

	switch (c->fmt) {
	case VY_FMT_TABLE:
		if (c->decoded > 1)
			fputc('\n', f);
		vy_rep_decode_health_line(f, r);
		vy_rep_decode_table(f, r);
		break;
	case VY_FMT_JSON:
		doc = vy_rep_decode_json(r);
		vy_rep_emit_json(f, doc, SCHEMA, 1);
		json_decref(doc);
		break;
	case VY_FMT_JSONL:
		doc = vy_rep_decode_json_flags(r, VY_TEL_JSON_NO_SLOTS);
		json_object_set_new(doc, "record", json_string("snapshot"));
		vy_rep_emit_json(f, doc, SCHEMA, 0);
		json_decref(doc);
		if (c->o.slots != VY_TEL_SLOTS_NONE)
			vy_rep_decode_slot_lines(f, r, SCHEMA);
		break;
	case VY_FMT_CSV:
		if (!c->csv_header_done) {
			vy_rep_decode_csv_header(f, &c->o);
			c->csv_header_done = true;
		}
		vy_rep_decode_csv(f, r);
		break;
	case VY_FMT_PROM:
		vy_rep_decode_prom(f, r);
		break;
	case VY_FMT_HEX:
		if (c->decoded > 1)
			fputc('\n', f);
		vy_rep_decode_hex(f, r);
		break;
	}
}

static int emit_report(struct ctx *c, struct vy_rep_decode *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (vy_rep_decode_anomalous(r))
		c->anomalous = true;
	if (!c->output && c->fmt != VY_FMT_PROM) {
		render(c, stdout, r);
		if (c->follow)
			fflush(stdout);
		return ferror(stdout) ? -1 : 0;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	render(c, f, r);
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	if (c->fmt == VY_FMT_PROM) {
		free(c->last);
		c->last = buf;
		c->last_len = len;
		if (!c->output && c->follow) {
			fwrite(buf, 1, len, stdout);
			fflush(stdout);
		}
	} else {
		int ret = acc_append(c, buf, len);

		free(buf);
		if (ret)
			return -1;
	}
	if (c->follow && c->output)
		return flush_output(c);
	return 0;
}

/* ---- one snapshot ---- */

static struct vy_rep_decode *next_slot(struct ctx *c)
{
	return c->prev == &c->rep[0] ? &c->rep[1] : &c->rep[0];
}

/*
 * Decode @r (its buffers set) and print it.  Returns 0, or the error
 * code with @e filled (nothing printed for the snapshot).
 */
static int decode_one(struct ctx *c, struct vy_rep_decode *r,
		      struct vy_err *e)
{
	const struct vy_rep_decode *prev = c->have_against ? &c->against :
							     c->prev;
	int ret;

	r->index = c->index;
	ret = vy_rep_decode_build(r, &c->o, prev, e);
	if (ret)
		return ret;
	c->index++;
	c->decoded++;
	if (emit_report(c, r)) {
		vy_errf(e, VY_E_IO, NULL, "%s: write error: %s",
			c->output ? c->output : "<stdout>", strerror(errno));
		c->write_error = true;
		return VY_E_IO;
	}
	c->prev = r;
	return 0;
}

/* Point @r at the buffers of snapshot @s found at @start. */
static int report_from_snapshot(struct vy_rep_decode *r,
				const struct vy_snapshot *s,
				const uint8_t *start, struct vy_err *e)
{
	static const char *const names[VY_BUF_COUNT] = {
		"control", "ring", "debug log", "io queue",
	};
	const uint8_t **ptr[VY_BUF_COUNT] = { &r->control, &r->ring, &r->debug,
					      &r->io };
	size_t *len[VY_BUF_COUNT] = { &r->control_len, &r->ring_len,
				      &r->debug_len, &r->io_len };
	int b;

	r->has_meta = true;
	r->offset = s->offset;
	r->sequence = s->sequence;
	r->capture_ns = s->capture_ns;
	r->device = s->device;
	for (b = 0; b < VY_BUF_COUNT; b++) {
		const struct vy_dump_buf *d = &s->buf[b];

		*ptr[b] = NULL;
		*len[b] = 0;
		r->base[b] = s->offset;
		if (!d->present) {
			if (b == VY_BUF_CONTROL || b == VY_BUF_RING)
				return vy_errf(e, VY_E_FORMAT,
					       "capture the control and ring buffers in every snapshot",
					       "offset %llu: snapshot has no %s section",
					       (unsigned long long)s->offset,
					       names[b]);
			continue;
		}
		/* A present empty section still counts (an empty ring). */
		*ptr[b] = d->data ? d->data : (const uint8_t *)"";
		*len[b] = d->len;
		if (d->data)
			r->base[b] = s->offset + (uint64_t)(d->data - start);
	}
	return 0;
}

/* ---- snapshot streams ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Decode every snapshot of the stream on @fd.  Returns 0 to go on with
 * the next input, -1 to stop (an error without --keep-going).
 */
static int do_stream(struct ctx *c, int fd, const char *name,
		     bool into_against)
{
	struct vy_tel_stream s;
	struct vy_snapshot snap;
	struct vy_err e;
	struct stat st;
	uint64_t skipped = 0, seen = 0;
	bool follow = c->follow && !into_against &&
		      !fstat(fd, &st) && S_ISREG(st.st_mode);
	int ret, result = 0;

	vy_tel_stream_init(&s, fd, name);
	for (;;) {
		bool from_next;

		vy_err_clear(&e);
		if (stop_flag)
			break;
		ret = vy_tel_stream_next(&s, follow, &snap, &e);
		if (ret == 2) {
			if (stop_flag)
				break;
			if (follow)
				sleep_ms(c->poll_ms);
			continue;
		}
		if (ret == 0)
			break;
		from_next = ret < 0;
		if (ret == 1) {
			struct vy_rep_decode *r = into_against ?
				&c->against : next_slot(c);
			const uint8_t *start = s.buf + (snap.offset - s.base);

			r->source = name;
			ret = report_from_snapshot(r, &snap, start, &e);
			if (!ret && into_against) {
				r->index = seen;
				ret = vy_rep_decode_build(r, &c->o, NULL, &e);
				r->device = "";
				if (!ret)
					c->have_against = true;
			} else if (!ret) {
				ret = decode_one(c, r, &e);
			}
			seen++;
			if (!ret)
				continue;
		}
		/* A corrupt or truncated snapshot, or a read/write error. */
		if (ret == VY_E_IO || ret == VY_E_NOMEM || !c->keep_going) {
			if (ret == VY_E_BAD_MAGIC && seen == 0)
				snprintf(e.hint, sizeof(e.hint), "for raw "
					 "buffer files use --control FILE "
					 "--ring FILE");
			fail(c, c->write_error ? NULL : name, &e);
			result = -1;
			break;
		}
		fail(c, name, &e);
		skipped++;
		if (from_next) {
			if (ret == VY_E_TRUNCATED)
				break;
			vy_tel_stream_skip(&s);
		}
	}
	if (!result && seen == 0 && skipped == 0 && !c->follow) {
		vy_errf(&e, VY_E_TRUNCATED, "give a file that holds at least one VYRD snapshot",
			"offset 0: empty input, no snapshot");
		fail(c, name, &e);
	}
	if (skipped)
		fprintf(stderr, PROG ": %s: %llu corrupt snapshot%s skipped\n",
			name, (unsigned long long)skipped,
			skipped == 1 ? "" : "s");
	vy_tel_stream_free(&s);
	return result;
}

static int open_input(struct ctx *c, const char *path, int *fd)
{
	struct vy_err e;

	if (!strcmp(path, "-")) {
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		vy_errf(&e, VY_E_IO, "check the path and its permissions",
			"cannot open: %s", strerror(errno));
		fail(c, path, &e);
		return -1;
	}
	return 0;
}

/* ---- raw buffer files ---- */

struct rawfile {
	const char *path;
	uint8_t *data;
	size_t len;
	bool mapped;
};

/* Map (regular files) or read (pipes, stdin) a raw buffer file. */
static int load_raw(struct ctx *c, struct rawfile *rf)
{
	struct vy_err e;
	struct stat st;
	int fd;

	vy_err_clear(&e);
	if (!strcmp(rf->path, "-") || stat(rf->path, &st) ||
	    !S_ISREG(st.st_mode) || st.st_size == 0) {
		if (vy_read_file(rf->path, &rf->data, &rf->len, &e)) {
			fail(c, rf->path, &e);
			return -1;
		}
		return 0;
	}
	fd = open(rf->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vy_errf(&e, VY_E_IO, "check the path and its permissions",
			"cannot open: %s", strerror(errno));
		fail(c, rf->path, &e);
		return -1;
	}
	rf->len = (size_t)st.st_size;
	rf->data = mmap(NULL, rf->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			fd, 0);
	close(fd);
	if (rf->data == MAP_FAILED) {
		rf->data = NULL;
		vy_errf(&e, VY_E_IO, NULL, "cannot map: %s", strerror(errno));
		fail(c, rf->path, &e);
		return -1;
	}
	rf->mapped = true;
	return 0;
}

static void free_raw(struct rawfile *rf)
{
	if (rf->mapped)
		munmap(rf->data, rf->len);
	else
		free(rf->data);
}

static int do_raw(struct ctx *c, const char *paths[VY_BUF_COUNT])
{
	struct rawfile rf[VY_BUF_COUNT];
	struct vy_rep_decode *r = next_slot(c);
	struct vy_err e;
	int b, ret = 0;

	memset(rf, 0, sizeof(rf));
	for (b = 0; b < VY_BUF_COUNT; b++) {
		rf[b].path = paths[b];
		if (paths[b] && load_raw(c, &rf[b]))
			ret = -1;
	}
	for (b = 0; !ret && b < VY_BUF_COUNT; b++) {
		if (rf[b].path && vy_dump_detect(rf[b].data, rf[b].len) ==
					  VY_DUMP_KIND_VYRD) {
			vy_errf(&e, VY_E_FORMAT,
				"pass a VYRD snapshot as a positional argument",
				"offset 0: is a VYRD snapshot, not a raw buffer");
			fail(c, rf[b].path, &e);
			ret = -1;
		}
	}
	if (!ret) {
		r->source = paths[VY_BUF_RING];
		r->has_meta = false;
		r->control = rf[VY_BUF_CONTROL].data;
		r->control_len = rf[VY_BUF_CONTROL].len;
		r->ring = rf[VY_BUF_RING].data ? rf[VY_BUF_RING].data :
						 (const uint8_t *)"";
		r->ring_len = rf[VY_BUF_RING].len;
		r->debug = paths[VY_BUF_DEBUG_LOG] ?
			(rf[VY_BUF_DEBUG_LOG].data ? rf[VY_BUF_DEBUG_LOG].data :
			 (const uint8_t *)"") : NULL;
		r->debug_len = rf[VY_BUF_DEBUG_LOG].len;
		r->io = paths[VY_BUF_IO_QUEUE] ?
			(rf[VY_BUF_IO_QUEUE].data ? rf[VY_BUF_IO_QUEUE].data :
			 (const uint8_t *)"") : NULL;
		r->io_len = rf[VY_BUF_IO_QUEUE].len;
		if (!r->control)
			r->control = (const uint8_t *)"";
		memset(r->base, 0, sizeof(r->base));
		vy_err_clear(&e);
		if (decode_one(c, r, &e)) {
			fail(c, c->write_error ? NULL : paths[r->err_buf],
			     &e);
			ret = -1;
		}
	}
	for (b = 0; b < VY_BUF_COUNT; b++)
		free_raw(&rf[b]);
	return ret;
}

/* ---- options ---- */

static int parse_windows(struct ctx *c, char *arg, uint32_t *ops)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint32_t op;

		if (c->o.n_window_opcodes == MAX_WINDOW_OPCODES)
			return usage_err("--windows: more than 4096 opcodes%s",
					 "");
		if (vy_opcode_parse(tok, &op))
			return usage_err("--windows: unknown opcode '%s'", tok);
		ops[c->o.n_window_opcodes++] = op;
	}
	return 0;
}

static int parse_sketch(struct ctx *c, const char *arg)
{
	uint64_t d, w;
	char *x = strchr(arg, 'x'), tmp[64];

	if (!x || (size_t)(x - arg) >= sizeof(tmp))
		return usage_err("--sketch: '%s' is not DEPTHxWIDTH", arg);
	memcpy(tmp, arg, (size_t)(x - arg));
	tmp[x - arg] = '\0';
	if (vy_parse_u64(tmp, 64, 0, &d) || vy_parse_u64(x + 1, 1u << 20, 0, &w))
		return usage_err("--sketch: '%s' is not DEPTHxWIDTH (depth "
				 "1..64, width 1..1048576)", arg);
	if (!d || !w)
		return usage_err("--sketch: '%s' has a zero dimension", arg);
	c->o.sketch_depth = (size_t)d;
	c->o.sketch_width = (size_t)w;
	return 0;
}

enum {
	OPT_CONTROL = 256, OPT_RING, OPT_DEBUG, OPT_IO, OPT_AGAINST,
	OPT_FOLLOW, OPT_POLL, OPT_KEEP_GOING, OPT_SLOTS, OPT_OPCODE,
	OPT_SKETCH, OPT_DEBUG_LOG, OPT_PRINTF, OPT_STRICT,
};

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	static uint32_t window_ops[MAX_WINDOW_OPCODES];
	static struct ctx c;
	const char *raw[VY_BUF_COUNT] = { NULL };
	const char *against = NULL, *printf_path = NULL;
	struct vy_tel_printf_formats pf = { 0 };
	struct sigaction sa;
	struct vy_err e;
	bool raw_mode;
	int opt, i;
	uint64_t v;

	c.fmt = VY_FMT_TABLE;
	c.poll_ms = 200;
	c.o.window_opcodes = window_ops;
	c.o.debug_mode = VY_READ_LENIENT;
	while ((opt = getopt_long(argc, argv, "f:jo:w:hV", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'f':
			if (vy_rep_format_parse(optarg, 0x3f, &c.fmt, &e))
				return usage_err("%s", e.msg);
			break;
		case 'j':
			c.fmt = VY_FMT_JSON;
			break;
		case 'o':
			c.output = optarg;
			break;
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
				return usage_err("--poll: '%s' is not 1..60000 "
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
			else
				return usage_err("--slots: '%s' is not all, "
						 "active or none", optarg);
			break;
		case OPT_OPCODE:
			if (vy_opcode_parse(optarg, &c.o.opcode))
				return usage_err("--opcode: unknown opcode '%s'",
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
				return usage_err("--debug-log: '%s' is not "
						 "strict or lenient", optarg);
			break;
		case OPT_PRINTF:
			printf_path = optarg;
			break;
		case OPT_STRICT:
			c.strict = true;
			break;
		case 'h':
			usage(stdout);
			return VY_EXIT_OK;
		case 'V':
			printf(PROG " " VY_VERSION "\n");
			return VY_EXIT_OK;
		default:
			fprintf(stderr, PROG ": try --help\n");
			return VY_EXIT_USAGE;
		}
	}
	raw_mode = raw[0] || raw[1] || raw[2] || raw[3];
	if (raw_mode && (!raw[VY_BUF_CONTROL] || !raw[VY_BUF_RING]))
		return usage_err("raw buffers need both --control and --ring%s",
				 "");
	if (raw_mode && optind < argc)
		return usage_err("'%s': give snapshots or raw buffers "
				 "(--control/--ring), not both", argv[optind]);
	if (raw_mode && c.follow)
		return usage_err("--follow reads snapshot streams, not raw "
				 "buffers%s", "");

	if (printf_path) {
		uint8_t *text;
		size_t len;

		vy_err_clear(&e);
		if (vy_read_file(printf_path, &text, &len, &e)) {
			fail(&c, printf_path, &e);
			return c.exit;
		}
		if (vy_tel_printf_formats_parse(&pf, (const char *)text, len, &e)) {
			free(text);
			fail(&c, printf_path, &e);
			return c.exit;
		}
		free(text);
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

		if (open_input(&c, against, &fd) == 0) {
			do_stream(&c, fd, against, true);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		if (!c.have_against && c.exit == 0) {
			vy_errf(&e, VY_E_TRUNCATED, NULL,
				"offset 0: no snapshot to compare against");
			fail(&c, against, &e);
		}
		if (c.exit)
			goto out;
		/* Keep its done_count: the stream buffer is gone. */
		c.against.control = NULL;
		c.against.ring = NULL;
	}

	if (raw_mode) {
		do_raw(&c, raw);
	} else if (optind == argc) {
		do_stream(&c, STDIN_FILENO, "-", false);
	} else {
		for (i = optind; i < argc; i++) {
			int fd, ret;

			if (open_input(&c, argv[i], &fd)) {
				if (!c.keep_going)
					break;
				continue;
			}
			ret = do_stream(&c, fd, argv[i], false);
			if (fd != STDIN_FILENO)
				close(fd);
			if (ret && !c.keep_going)
				break;
		}
	}
	if (c.fmt == VY_FMT_PROM && !c.output && !c.follow && c.last)
		fwrite(c.last, 1, c.last_len, stdout);
	if (c.output && (c.decoded || c.exit == 0))
		flush_output(&c);
	if (fflush(stdout) && c.exit < VY_EXIT_IO) {
		fprintf(stderr, PROG ": <stdout>: write error: %s\n",
			strerror(errno));
		c.exit = VY_EXIT_IO;
	}
	if (c.exit == 0 && c.strict && c.anomalous)
		c.exit = VY_EXIT_NEGATIVE;
out:
	vy_rep_decode_free(&c.rep[0]);
	vy_rep_decode_free(&c.rep[1]);
	vy_rep_decode_free(&c.against);
	vy_tel_printf_formats_free(&pf);
	free(c.acc);
	free(c.last);
	return c.exit;
}
