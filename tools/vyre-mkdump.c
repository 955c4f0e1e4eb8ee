/* SPDX-License-Identifier: MIT */
/*
 * vyre-mkdump - build VYRD snapshots or raw buffer files by hand.
 *
 * Reads a description (JSON, or the line-oriented text form), builds the
 * buffers with the protocol encoders, and writes one snapshot, a stream
 * of them, or one raw buffer.  --corrupt damages the output on purpose so
 * tests can make malformed inputs.  The output is written only when all
 * of it is built, and atomically, so an error never leaves a file behind.
 * Exit: 0 ok, 2 usage, 3 bad description, 4 I/O.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "desc.h"
#include "report/evidence.h"
#include "wire/dump.h"
#include "report/emit.h"
#include "wire/util.h"

static const char *prog = "vyre-mkdump";

enum input_form { IN_AUTO, IN_JSON, IN_TEXT };

enum corrupt_kind {
	C_MAGIC,
	C_VERSION,
	C_HEADER_CHECKSUM,
	C_CHECKSUM,
	C_MISALIGN,
	C_GEOMETRY,
	C_TRUNCATE,
};

#define MAX_CORRUPT 8

struct corrupt {
	enum corrupt_kind kind;
	uint64_t n;		/* truncate=N */
};

struct opts {
	const char *output;
	const char *input;	/* path, or NULL with expr */
	const char *expr;
	int check;		/* --check: read files instead */
	int raw;		/* write a raw buffer */
	enum vy_buffer_index buf;
	enum input_form form;
	struct corrupt corrupt[MAX_CORRUPT];
	int ncorrupt;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s [OPTION]... [DESCRIPTION]\n"
"       %s --check [--raw=BUF] FILE...\n"
"Build VYRD snapshots (vyre-dump(5)) or raw buffer files from a\n"
"description in JSON or in the text form (vyre-mkdump(1)).\n"
"DESCRIPTION is a file, or - for standard input (the default).\n"
"\n"
"  -o, --output=FILE     write to FILE, atomically (default: -, standard\n"
"                        output; refused when that is a terminal)\n"
"  -e, --expr=TEXT       the description itself, instead of a file\n"
"  -r, --raw=BUF         write one raw buffer instead of a snapshot:\n"
"                        control, ring, debug or io (default: none)\n"
"  -f, --format=FMT      vyrd or raw (default: vyrd; raw needs --raw)\n"
"      --input=FORM      json, text or auto (default: auto, JSON when the\n"
"                        first non-blank character is { or [)\n"
"  -c, --corrupt=KIND    damage the output on purpose, for tests; may be\n"
"                        repeated (default: none).  KIND is one of\n"
"                        magic, version, header-checksum, checksum,\n"
"                        misalign, geometry (the last snapshot of the\n"
"                        stream) or truncate=N (keep the first N bytes;\n"
"                        the only kind allowed with --raw)\n"
"      --check           read each FILE (- = standard input) as a VYRD\n"
"                        stream, or with --raw as that raw buffer, and\n"
"                        print one line per snapshot; exit 3 at the\n"
"                        first malformed one\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status: 0 ok, 2 usage, 3 bad description, 4 I/O error.\n",
		prog, prog);
}

static int usage_error(const char *fmt, const char *a)
{
	char msg[512];

	/* the one wording of usage errors (vyre(7) OPTIONS) */
	snprintf(msg, sizeof(msg), fmt, a);
	return vy_rep_usage_err(prog, "%s", msg);
}

static int parse_corrupt(const char *s, struct corrupt *c)
{
	static const struct {
		const char *name;
		enum corrupt_kind kind;
	} kinds[] = {
		{ "magic", C_MAGIC },
		{ "version", C_VERSION },
		{ "header-checksum", C_HEADER_CHECKSUM },
		{ "checksum", C_CHECKSUM },
		{ "misalign", C_MISALIGN },
		{ "geometry", C_GEOMETRY },
	};
	size_t i;

	if (!strncmp(s, "truncate=", 9)) {
		c->kind = C_TRUNCATE;
		return vy_parse_u64(s + 9, UINT64_MAX, 1, &c->n);
	}
	for (i = 0; i < VY_ARRAY_SIZE(kinds); i++) {
		if (!strcmp(s, kinds[i].name)) {
			c->kind = kinds[i].kind;
			return 0;
		}
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "expr", required_argument, NULL, 'e' },
		{ "raw", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "input", required_argument, NULL, 'I' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, want_raw = 0;

	memset(o, 0, sizeof(*o));
	o->output = "-";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:e:r:f:c:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'e':
			o->expr = optarg;
			break;
		case 'r':
			if (vy_buf_parse(optarg, &o->buf, NULL))
				return usage_error("--raw: unknown buffer '%s' "
						   "(control, ring, debug, io)",
						   optarg);
			o->raw = 1;
			break;
		case 'f':
			if (!strcmp(optarg, "raw"))
				want_raw = 1;
			else if (!strcmp(optarg, "vyrd"))
				want_raw = 0;
			else
				return usage_error("--format: unknown format "
						   "'%s' (vyrd, raw)", optarg);
			break;
		case 'I':
			if (!strcmp(optarg, "json"))
				o->form = IN_JSON;
			else if (!strcmp(optarg, "text"))
				o->form = IN_TEXT;
			else if (!strcmp(optarg, "auto"))
				o->form = IN_AUTO;
			else
				return usage_error("--input: unknown form '%s' "
						   "(json, text, auto)", optarg);
			break;
		case 'c':
			if (o->ncorrupt == MAX_CORRUPT)
				return usage_error("--corrupt: at most 8 "
						   "times%s", "");
			if (parse_corrupt(optarg, &o->corrupt[o->ncorrupt]))
				return usage_error("--corrupt: unknown kind "
						   "'%s' (magic, version, "
						   "header-checksum, checksum, "
						   "misalign, geometry, "
						   "truncate=N)", optarg);
			o->ncorrupt++;
			break;
		case 'C':
			o->check = 1;
			break;
		case 'h':
			usage(stdout);
			exit(VY_EXIT_OK);
		case 'V':
			printf("%s %s\n", prog, VY_VERSION);
			exit(VY_EXIT_OK);
		case ':':
			return usage_error("%s: needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("%s: unknown option",
					   argv[optind - 1]);
		}
	}
	if (want_raw && !o->raw)
		return usage_error("--format=raw needs --raw=BUF to say which "
				   "buffer%s", "");
	if (o->check) {
		if (optind == argc)
			return usage_error("--check needs at least one FILE%s",
					   "");
		if (o->expr || o->ncorrupt)
			return usage_error("--check reads files; it takes no "
					   "%s", o->expr ? "--expr" :
					   "--corrupt");
		return 0;
	}
	if (optind < argc - 1)
		return usage_error("too many arguments (one description, "
				   "starting '%s')", argv[optind]);
	if (optind == argc - 1) {
		if (o->expr)
			return usage_error("give --expr or a file, not both "
					   "(file '%s')", argv[optind]);
		o->input = argv[optind];
	} else if (!o->expr) {
		o->input = "-";
	}
	return 0;
}

/* The header checksum of the snapshot at @p, recomputed after tampering. */
static void refresh_header(uint8_t *p)
{
	size_t n = (p[6] | (size_t)p[7] << 8) +
		   (size_t)vy_le32(p + 12) * VY_DUMP_SECTION_LEN;
	uint8_t tmp[VY_DUMP_HEADER_LEN + VY_DUMP_MAX_SECTIONS *
		    VY_DUMP_SECTION_LEN];

	memcpy(tmp, p, n);
	memset(tmp + 72, 0, 8);
	vy_put_le64(p + 72, vy_dump_checksum(tmp, n));
}

/*
 * Apply @c to @out (*@len bytes); @last is where the last snapshot
 * starts (ignored for raw output).  Returns 0 or an exit status.
 */
static int apply_corrupt(const struct corrupt *c, int raw, uint8_t *out,
			 size_t *len, size_t last)
{
	uint8_t *p = out + last;
	uint32_t i, n;

	if (c->kind == C_TRUNCATE) {
		if (c->n >= *len) {
			fprintf(stderr, "%s: --corrupt=truncate=%" PRIu64 ": "
				"the output is only %zu bytes\n", prog, c->n,
				*len);
			return VY_EXIT_USAGE;
		}
		*len = (size_t)c->n;
		return 0;
	}
	if (raw)
		return usage_error("--corrupt: only truncate=N applies to a "
				   "raw buffer%s", "");
	switch (c->kind) {
	case C_MAGIC:
		memcpy(p, "VYRX", 4);
		break;
	case C_VERSION:
		p[4] = VY_DUMP_VERSION + 1;
		break;
	case C_HEADER_CHECKSUM:
		p[72] ^= 0x01;
		break;
	case C_GEOMETRY:
		vy_put_le32(p + 40, vy_le32(p + 40) + 1);
		refresh_header(p);
		break;
	case C_CHECKSUM:
	case C_MISALIGN:
		n = vy_le32(p + 12);
		for (i = 0; i < n; i++) {
			uint8_t *t = p + VY_DUMP_HEADER_LEN +
				     (size_t)i * VY_DUMP_SECTION_LEN;

			if (!vy_le64(t + 16))
				continue;
			if (c->kind == C_CHECKSUM) {
				p[vy_le64(t + 8)] ^= 0x01;
			} else {
				vy_put_le64(t + 8, vy_le64(t + 8) + 4);
				refresh_header(p);
			}
			return 0;
		}
		fprintf(stderr, "%s: --corrupt=%s: the snapshot has no "
			"non-empty section\n", prog,
			c->kind == C_CHECKSUM ? "checksum" : "misalign");
		return VY_EXIT_USAGE;
	default:
		break;
	}
	return 0;
}

/* Put @prefix and ": " before the message of @e (cut to fit). */
static void prefix_msg(struct vy_err *e, const char *prefix)
{
	char msg[VY_ERR_MSG_MAX];

	if (snprintf(msg, sizeof(msg), "%s: %s", prefix, e->msg) >=
	    (int)sizeof(msg))
		msg[sizeof(msg) - 1] = '\0';
	memcpy(e->msg, msg, sizeof(msg));
}

static int fail(const char *name, const struct vy_err *e)
{
	struct vy_err full = *e;

	if (name)
		prefix_msg(&full, name);
	vy_rep_err(stderr, prog, &full);
	return vy_err_exit(e->code);
}

static int is_json(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
			continue;
		return p[i] == '{' || p[i] == '[';
	}
	return 0;
}

/* Read and build the description.  Returns 0 or an exit status. */
static int load(const struct opts *o, const char *name, struct mk_desc *d)
{
	struct vy_err e;
	uint8_t *text = NULL;
	size_t len;
	json_t *root = NULL, *lines = NULL;
	int ret, json;

	vy_err_clear(&e);
	if (o->expr) {
		len = strlen(o->expr);
		text = (uint8_t *)strdup(o->expr);
		if (!text)
			return fail(NULL, &(struct vy_err){ .code = VY_E_NOMEM,
				    .msg = "out of memory" });
	} else {
		ret = vy_read_file(o->input, &text, &len, &e);
		if (ret)
			return fail(NULL, &e);
	}
	json = o->form == IN_JSON || (o->form == IN_AUTO && is_json(text, len));
	if (json) {
		json_error_t je;

		root = json_loadb((const char *)text, len,
				  JSON_REJECT_DUPLICATES, &je);
		if (!root) {
			vy_errf(&e, VY_E_FORMAT,
				"correct the JSON syntax at that place",
				"line %d, column %d: %s", je.line, je.column,
				je.text);
			free(text);
			return fail(name, &e);
		}
	} else {
		ret = mk_text_to_json((const char *)text, len, &root, &lines,
				      &e);
		if (ret) {
			free(text);
			return fail(name, &e);
		}
	}
	free(text);
	ret = mk_desc_build(root, d, &e);
	if (ret && lines) {
		unsigned line = mk_text_line(lines, e.msg);

		if (line) {
			char l[24];

			snprintf(l, sizeof(l), "line %u", line);
			prefix_msg(&e, l);
		}
	}
	json_decref(root);
	json_decref(lines);
	return ret ? fail(name, &e) : 0;
}

/* Concatenate the output bytes.  Returns 0 or an exit status. */
static int build_output(const struct opts *o, const char *name,
			struct mk_desc *d, uint8_t **out, size_t *len,
			size_t *last)
{
	struct vy_err e;
	uint8_t *all = NULL;
	size_t total = 0, i;

	if (o->raw) {
		const struct vy_dump_buf *b;

		if (d->n != 1) {
			vy_errf(&e, VY_E_FORMAT,
				"describe one snapshot, or drop --raw",
				"--raw writes one buffer, but %zu snapshots "
				"are described", d->n);
			return fail(name, &e);
		}
		b = &d->snaps[0].snap.buf[o->buf];
		if (!b->present) {
			vy_errf(&e, VY_E_FORMAT,
				"list it in \"sections\"",
				"--raw=%s: that buffer is not in the "
				"description's sections", vy_buf_name(o->buf));
			return fail(name, &e);
		}
		all = malloc(b->len ? b->len : 1);
		if (!all)
			return VY_EXIT_IO;
		if (b->len)
			memcpy(all, b->data, b->len);
		*out = all;
		*len = b->len;
		*last = 0;
		return 0;
	}
	for (i = 0; i < d->n; i++) {
		uint8_t *p, *grown;
		size_t n;
		int ret;

		ret = vy_dump_encode(&d->snaps[i].snap, &p, &n, &e);
		if (ret) {
			char l[32];

			snprintf(l, sizeof(l), "snapshot %zu", i);
			prefix_msg(&e, l);
			free(all);
			return fail(name, &e);
		}
		grown = realloc(all, total + n);
		if (!grown) {
			free(p);
			free(all);
			return fail(name, &(struct vy_err){
				.code = VY_E_NOMEM, .msg = "out of memory" });
		}
		all = grown;
		memcpy(all + total, p, n);
		*last = total;
		total += n;
		free(p);
	}
	*out = all;
	*len = total;
	return 0;
}

/* The seed's readback counters of a snapshot and whether they pass. */
static void print_readback(const char *name, uint64_t i,
			   const struct vy_snapshot *s)
{
	uint64_t lens[VY_BUF_COUNT];
	bool present[VY_BUF_COUNT];
	char prefix[300];

	for (int b = 0; b < VY_BUF_COUNT; b++) {
		lens[b] = s->buf[b].len;
		present[b] = s->buf[b].present;
	}
	snprintf(prefix, sizeof(prefix), "%s: #%" PRIu64 " ", name, i);
	vy_rep_readback_table(stdout, prefix, lens, present);
}

static void print_snapshot(const char *name, uint64_t i,
			   const struct vy_snapshot *s)
{
	int b;

	printf("%s: snapshot %" PRIu64 " at offset %" PRIu64 ": %" PRIu64
	       " bytes, sequence %" PRIu64 ", capture_ns %" PRIu64
	       ", device %s, slot_count %" PRIu32 ", workgroup_size_x %"
	       PRIu32 ", workgroups %" PRIu32 ", observable_slots %" PRIu32
	       ", tenant_count %" PRIu32 ", sections", name, i, s->offset,
	       s->total_len, s->sequence, s->capture_ns,
	       s->device[0] ? s->device : "-", s->geo.slot_count,
	       s->geo.workgroup_size_x, s->geo.workgroups,
	       s->geo.observable_slots, s->geo.tenant_count);
	for (b = 0; b < VY_BUF_COUNT; b++)
		if (s->buf[b].present)
			printf(" %s:%zu", vy_buf_name((enum vy_buffer_index)b),
			       s->buf[b].len);
	if (s->unknown_sections)
		printf(" unknown:%" PRIu32, s->unknown_sections);
	printf("\n");
	print_readback(name, i, s);
}

/* --check: read each file; returns an exit status. */
static int check_files(const struct opts *o, int n, char **files)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		const char *name = !strcmp(files[i], "-") ? "<stdin>" :
							    files[i];
		struct vy_dump_reader *r;
		struct vy_snapshot s;
		struct vy_err e;
		uint64_t count = 0, total;

		vy_err_clear(&e);
		if (o->raw) {
			uint8_t *p;
			size_t len;

			ret = vy_dump_load_raw(files[i], o->buf, &p, &len, &e);
			if (ret)
				return fail(ret == VY_E_IO ? NULL : name, &e);
			printf("%s: raw %s buffer, %zu bytes\n", name,
			       vy_buf_name(o->buf), len);
			free(p);
			continue;
		}
		ret = vy_dump_reader_open(files[i], &r, &e);
		if (ret)
			return fail(NULL, &e);
		while ((ret = vy_dump_reader_next(r, &s, &e)) == 1)
			print_snapshot(name, count++, &s);
		total = vy_dump_reader_offset(r);
		vy_dump_reader_free(r);
		if (ret)
			return fail(name, &e);
		if (!count) {
			vy_errf(&e, VY_E_TRUNCATED,
				"give a file that vyre-mkdump or vyre-launch "
				"wrote", "offset 0: empty: no snapshot");
			return fail(name, &e);
		}
		printf("%s: %" PRIu64 " snapshot%s, %" PRIu64 " bytes\n", name,
		       count, count == 1 ? "" : "s", total);
	}
	return VY_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct mk_desc d = { 0 };
	struct vy_err e;
	const char *name;
	uint8_t *out = NULL;
	size_t len = 0, last = 0;
	int ret, i;

	vy_rep_stdout_check_at_exit(prog);
	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	if (o.check)
		return check_files(&o, argc - optind, argv + optind);
	if (!strcmp(o.output, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: refusing to write binary data to a "
			"terminal\n%s: hint: use -o FILE or a pipe\n", prog,
			prog);
		return VY_EXIT_USAGE;
	}
	name = o.expr ? "<expr>" : !strcmp(o.input, "-") ? "<stdin>" : o.input;
	ret = load(&o, name, &d);
	if (ret)
		return ret;
	ret = build_output(&o, name, &d, &out, &len, &last);
	mk_desc_free(&d);
	if (ret)
		return ret;
	/* truncation last, so the other kinds still find their bytes */
	for (i = 0; i < 2 * o.ncorrupt; i++) {
		const struct corrupt *c = &o.corrupt[i % o.ncorrupt];

		if ((c->kind == C_TRUNCATE) != (i >= o.ncorrupt))
			continue;
		ret = apply_corrupt(c, o.raw, out, &len, last);
		if (ret) {
			free(out);
			return ret;
		}
	}
	vy_err_clear(&e);
	ret = vy_write_file_atomic(o.output, out, len, &e);
	free(out);
	if (ret)
		return fail(NULL, &e);
	return VY_EXIT_OK;
}
