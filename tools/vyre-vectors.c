/* SPDX-License-Identifier: MIT */
/*
 * vyre-vectors - replay conformance vector files against the library.
 *
 * Prints each mismatch as "FILE: ID: FIELD: expected E, got G" and closes
 * with "N passed, N failed" (", N skipped" where any).  Exit 0 when nothing
 * failed, 1 when a case failed, 2 on usage, 3 on a malformed vector file,
 * 4 on one that cannot be read.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/cli.h"
#include "report/emit.h"
#include "wire/util.h"
#include "vectors.h"

static const char *prog = "vyre-vectors";

/*
 * The form vy_rep_json_u64 (common/report/emit.c) gives values above
 * INT64_MAX in the library's JSON documents: a string "\x01u64:<digits>".
 * The runner reads big integer literals of the vector files into it too.
 */
#define U64_TAG "\x01u64:"
#define U64_TAG_JSON "\\u0001u64:"

struct kind_entry {
	const char *kind;
	vv_fn fn;
};

static struct kind_entry kinds[128];
static size_t nkinds;

void vv_register(const char *kind, vv_fn fn)
{
	if (nkinds < VY_ARRAY_SIZE(kinds)) {
		kinds[nkinds].kind = kind;
		kinds[nkinds].fn = fn;
		nkinds++;
	}
}

static vv_fn find_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < nkinds; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].fn;
	return NULL;
}

/* The case being run: vv_bad_input() marks it. */
static struct vv_case *cur_case;

int vv_bad_input(struct vy_err *e, const char *what)
{
	if (cur_case)
		cur_case->bad_vector = 1;
	return vy_errf(e, VY_E_INVAL, "fix the vector file",
		       "malformed vector input: %s", what);
}

/*
 * A vector's id or message may hold any character; a raw newline would
 * start a line of its own in the make check log, so escape them all.
 */
static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

void vv_mismatch(struct vv_case *c, const char *field, const char *expected,
		 const char *got)
{
	c->mismatches++;
	put_escaped(c->file);
	fputs(": ", stdout);
	put_escaped(c->id);
	fputs(": ", stdout);
	put_escaped(field && *field ? field : "(value)");
	fputs(": expected ", stdout);
	put_escaped(expected);
	fputs(", got ", stdout);
	put_escaped(got);
	putchar('\n');
}

/* A --verbose line "WHAT FILE: ID[: WHY]", escaped like a mismatch. */
static void verbose_line(const char *what, const struct vv_case *c,
			 const char *why)
{
	printf("%s ", what);
	put_escaped(c->file);
	fputs(": ", stdout);
	put_escaped(c->id);
	if (why) {
		fputs(": ", stdout);
		put_escaped(why);
	}
	putchar('\n');
}

/* "FILE: ID: vector error: WHAT": the case is wrong, not the library. */
static void vector_error(struct vv_case *c, const char *what)
{
	c->bad_vector = 1;
	c->mismatches++;
	put_escaped(c->file);
	fputs(": ", stdout);
	put_escaped(c->id);
	fputs(": vector error: ", stdout);
	put_escaped(what);
	putchar('\n');
}

static int is_u64_tag(const json_t *j);

/* @j as compact JSON; a tagged u64 as its bare digits.  Free it. */
static char *dump_value(const json_t *j)
{
	if (!j)
		return strdup("(absent)");
	if (is_u64_tag(j))
		return strdup(json_string_value(j) + strlen(U64_TAG));
	return json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
}

void vv_mismatch_json(struct vv_case *c, const char *field,
		      const json_t *expected, const json_t *got)
{
	char *es = dump_value(expected), *gs = dump_value(got);

	vv_mismatch(c, field, es ? es : "(out of memory)",
		    gs ? gs : "(out of memory)");
	free(es);
	free(gs);
}

json_t *vv_u64(uint64_t v)
{
	char tmp[32];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
	return json_string(tmp);
}

static int is_u64_tag(const json_t *j)
{
	return json_is_string(j) &&
	       !strncmp(json_string_value(j), U64_TAG, strlen(U64_TAG));
}

int vv_get_u64(const json_t *j, uint64_t *out)
{
	if (json_is_integer(j)) {
		json_int_t v = json_integer_value(j);

		if (v < 0)
			return -1;
		*out = (uint64_t)v;
		return 0;
	}
	if (json_is_string(j)) {
		const char *s = json_string_value(j);
		char *end;

		if (is_u64_tag(j))
			s += strlen(U64_TAG);
		if (!isdigit((unsigned char)*s))
			return -1;
		/* strtoull clamps to 2^64-1: an out-of-range value fails. */
		errno = 0;
		*out = strtoull(s, &end, 10);
		return *end || errno == ERANGE ? -1 : 0;
	}
	return -1;
}

int vv_member_u64(const json_t *o, const char *key, uint64_t def,
		  uint64_t *out)
{
	const json_t *j = json_object_get(o, key);

	if (!j || json_is_null(j)) {
		*out = def;
		return 0;
	}
	return vv_get_u64(j, out);
}

int vv_member_u32(const json_t *o, const char *key, uint32_t def,
		  uint32_t *out)
{
	uint64_t v;

	if (vv_member_u64(o, key, def, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* A JSON array of u32 into a malloc'd array (never NULL on success). */
int vv_u32_list(const json_t *a, uint32_t **out, size_t *n)
{
	const json_t *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = malloc((json_array_size(a) + 1) * sizeof(**out));
	if (!*out)
		return -1;
	json_array_foreach(a, i, v) {
		uint64_t x;

		if (vv_get_u64(v, &x) || x > UINT32_MAX) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = (uint32_t)x;
	}
	*n = json_array_size(a);
	return 0;
}

/*
 * Both sides as u64 when both are integers or digit strings (two plain
 * strings compare as strings; a vy_rep_json_u64 tag counts as a number).
 */
static int both_u64(const json_t *a, const json_t *b, uint64_t *x,
		    uint64_t *y)
{
	if (!(json_is_integer(a) || json_is_string(a)) ||
	    !(json_is_integer(b) || json_is_string(b)))
		return 0;
	if (json_is_string(a) && json_is_string(b) && !is_u64_tag(a) &&
	    !is_u64_tag(b))
		return 0;
	return vv_get_u64(a, x) == 0 && vv_get_u64(b, y) == 0;
}

/*
 * An expected integer that no u64 result can equal is an error of the
 * vector (a literal above 2^64-1, or a negative one where the result is
 * unsigned), not a mismatch of the implementation.
 */
static int bad_expected_int(struct vv_case *c, const char *path,
			    const json_t *exp, const json_t *got)
{
	char *es, msg[256];
	uint64_t v;

	if (is_u64_tag(exp) && vv_get_u64(exp, &v) == 0)
		return 0;
	if (!is_u64_tag(exp) && !(json_is_integer(exp) &&
				  json_integer_value(exp) < 0 &&
				  vv_get_u64(got, &v) == 0))
		return 0;
	es = dump_value(exp);
	snprintf(msg, sizeof(msg), "expected %s = %s is %s",
		 path && *path ? path : "(value)", es ? es : "?",
		 es && *es == '-' ? "negative where the result is unsigned" :
				    "above 2^64-1");
	free(es);
	vector_error(c, msg);
	return 1;
}

void vv_compare(struct vv_case *c, const char *path, const json_t *exp,
		const json_t *got)
{
	char sub[512];
	uint64_t x, y;

	if (bad_expected_int(c, path, exp, got))
		return;
	if (!got) {
		vv_mismatch_json(c, path, exp, NULL);
		return;
	}
	if (both_u64(exp, got, &x, &y)) {
		if (x != y)
			vv_mismatch_json(c, path, exp, got);
		return;
	}
	if (json_is_object(exp)) {
		const char *key;
		json_t *v;

		if (!json_is_object(got)) {
			vv_mismatch_json(c, path, exp, got);
			return;
		}
		json_object_foreach((json_t *)exp, key, v) {
			snprintf(sub, sizeof(sub), "%s%s%s", path,
				 *path ? "." : "", key);
			vv_compare(c, sub, v, json_object_get(got, key));
		}
		return;
	}
	if (json_is_array(exp)) {
		size_t i;

		if (!json_is_array(got) ||
		    json_array_size(got) != json_array_size(exp)) {
			vv_mismatch_json(c, path, exp, got);
			return;
		}
		for (i = 0; i < json_array_size(exp); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			vv_compare(c, sub, json_array_get(exp, i),
				   json_array_get(got, i));
		}
		return;
	}
	/* Bit for bit: -0.0 is not +0.0, a NaN equals only its own bits. */
	if (json_is_real(exp) && json_is_real(got)) {
		double a = json_real_value(exp), b = json_real_value(got);

		if (memcmp(&a, &b, sizeof(a)))
			vv_mismatch_json(c, path, exp, got);
		return;
	}
	if (!json_equal((json_t *)exp, (json_t *)got))
		vv_mismatch_json(c, path, exp, got);
}

int vv_sparse(const json_t *j, struct vv_bytes *out)
{
	uint64_t len, idx, val;
	const json_t *words = json_object_get(j, "words"), *w;
	size_t i;

	if (vv_member_u64(j, "byte_len", 0, &len) || len > (1ULL << 31))
		return -1;
	out->len = (size_t)len;
	out->data = calloc(1, out->len ? out->len : 1);
	if (!out->data)
		return -1;
	json_array_foreach(words, i, w) {
		if (vv_get_u64(json_array_get(w, 0), &idx) ||
		    vv_get_u64(json_array_get(w, 1), &val) ||
		    idx * 4 + 4 > len || val > UINT32_MAX) {
			free(out->data);
			return -1;
		}
		vy_put_le32(out->data + idx * 4, (uint32_t)val);
	}
	return 0;
}

int vv_status_value(const char *name, uint32_t *out)
{
	static const char *names[] = { "Empty", "Published", "Claimed",
				       "Done", "WaitIo", "Yield", "Requeue",
				       "Fault" };
	size_t i;

	for (i = 0; i < VY_ARRAY_SIZE(names); i++)
		if (strcmp(names[i], name) == 0) {
			*out = (uint32_t)i;
			return 0;
		}
	if (sscanf(name, "Unknown(%" SCNu32 ")", out) == 1)
		return 0;
	return -1;
}

const char *vv_status_name(uint32_t s, char *tmp, size_t tmplen)
{
	static const char *names[] = { "Empty", "Published", "Claimed",
				       "Done", "WaitIo", "Yield", "Requeue",
				       "Fault" };

	if (s < VY_ARRAY_SIZE(names))
		return names[s];
	snprintf(tmp, tmplen, "Unknown(%" PRIu32 ")", s);
	return tmp;
}

int vv_ring(const json_t *j, struct vv_bytes *out)
{
	uint64_t n, extra;
	const json_t *slots = json_object_get(j, "slots"), *s;
	size_t i;

	if (json_object_get(j, "byte_len"))
		return vv_sparse(j, out);
	if (vv_member_u64(j, "slot_count", 0, &n) ||
	    vv_member_u64(j, "extra_bytes", 0, &extra) || n > (1ULL << 24) ||
	    extra > 4096)
		return -1;
	out->len = (size_t)(n * 64 + extra);
	out->data = calloc(1, out->len ? out->len : 1);
	if (!out->data)
		return -1;
	json_array_foreach(slots, i, s) {
		uint64_t idx;
		uint32_t st, v;
		const json_t *status = json_object_get(s, "status"), *a;
		const json_t *args = json_object_get(s, "args");
		uint8_t *base;
		size_t k;

		if (vv_member_u64(s, "index", 0, &idx) || idx >= n)
			goto bad;
		base = out->data + idx * 64;
		if (json_is_string(status)) {
			if (vv_status_value(json_string_value(status), &st))
				goto bad;
		} else if (vv_member_u32(s, "status", 0, &st)) {
			goto bad;
		}
		vy_put_le32(base, st);
		if (vv_member_u32(s, "opcode", 0, &v))
			goto bad;
		vy_put_le32(base + 4, v);
		if (vv_member_u32(s, "tenant", 0, &v))
			goto bad;
		vy_put_le32(base + 8, v);
		if (vv_member_u32(s, "priority", 0, &v))
			goto bad;
		vy_put_le32(base + 12, v);
		json_array_foreach(args, k, a) {
			uint64_t av;

			if (k >= 12 || vv_get_u64(a, &av) || av > UINT32_MAX)
				goto bad;
			vy_put_le32(base + 16 + 4 * k, (uint32_t)av);
		}
	}
	return 0;
bad:
	free(out->data);
	return -1;
}

json_t *vv_sparse_json(const uint8_t *buf, size_t len)
{
	json_t *o = json_object(), *words = json_array();
	size_t i;

	json_object_set_new(o, "byte_len", vv_u64(len));
	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t v = vy_le32(buf + i);

		if (v)
			json_array_append_new(words,
				json_pack("[II]", (json_int_t)(i / 4),
					  (json_int_t)v));
	}
	json_object_set_new(o, "words", words);
	return o;
}

/*
 * jansson refuses integers outside the signed 64-bit range; the vector
 * files hold u64 values up to 2^64-1.  Turn such literals (outside
 * strings, with their sign) into tagged strings, which vv_get_u64 reads
 * as numbers and rejects when out of range: a vector error, not a clamp.
 */
static char *quote_big_ints(const char *in, size_t len)
{
	char *out = malloc(len * 3 + 1), *o = out;
	size_t i = 0;
	int in_str = 0;

	if (!out)
		return NULL;
	while (i < len) {
		char ch = in[i];

		if (in_str) {
			*o++ = ch;
			if (ch == '\\' && i + 1 < len)
				*o++ = in[++i];
			else if (ch == '"')
				in_str = 0;
			i++;
			continue;
		}
		if (ch == '"') {
			in_str = 1;
			*o++ = ch;
			i++;
			continue;
		}
		if (isdigit((unsigned char)ch) &&
		    (i == 0 || !isalnum((unsigned char)in[i - 1]))) {
			size_t j = i;
			int is_int = 1;

			while (j < len && (isdigit((unsigned char)in[j]) ||
					   strchr(".eE+-", in[j]))) {
				if (!isdigit((unsigned char)in[j]))
					is_int = 0;
				j++;
			}
			if (is_int && (j - i > 19 ||
				       (j - i == 19 &&
					memcmp(in + i, "9223372036854775807",
					       19) > 0))) {
				int neg = i > 0 && in[i - 1] == '-';

				if (neg)
					o--;
				*o++ = '"';
				memcpy(o, U64_TAG_JSON, strlen(U64_TAG_JSON));
				o += strlen(U64_TAG_JSON);
				if (neg)
					*o++ = '-';
				memcpy(o, in + i, j - i);
				o += j - i;
				*o++ = '"';
			} else {
				memcpy(o, in + i, j - i);
				o += j - i;
			}
			i = j;
			continue;
		}
		*o++ = ch;
		i++;
	}
	*o = '\0';
	return out;
}

struct totals {
	unsigned pass, fail, skip;
};

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void run_case(const char *file, json_t *cs, struct totals *t,
		     const char *only_kind, const char *only_id, int verbose)
{
	struct vv_case c = { 0 };
	struct vy_err e;
	json_t *got = NULL, *ee, *ed;
	vv_fn fn;
	int ret;

	c.file = file;
	c.id = json_string_value(json_object_get(cs, "id"));
	c.kind = json_string_value(json_object_get(cs, "kind"));
	c.input = json_object_get(cs, "input");
	c.expected = json_object_get(cs, "expected");
	c.verbose = verbose;
	ee = json_object_get(cs, "expected_error");
	ed = json_object_get(cs, "expected_error_detail");
	if (!c.id)
		c.id = "(no id)";
	if (!c.kind)
		c.kind = "(no kind)";
	if (only_kind && strcmp(only_kind, c.kind))
		return;
	if (only_id && strcmp(only_id, c.id))
		return;

	static char code[128];

	if (json_is_string(ee)) {
		const char *s = json_string_value(ee);
		size_t n = strcspn(s, ":");

		snprintf(code, sizeof(code), "%.*s", (int)n, s);
		c.expected_error = code;
	}
	fn = find_kind(c.kind);
	if (!fn) {
		t->skip++;
		if (verbose) {
			char why[160];

			snprintf(why, sizeof(why), "no handler for kind %s",
				 c.kind);
			verbose_line("skip", &c, why);
		}
		return;
	}
	vy_err_clear(&e);
	cur_case = &c;
	ret = fn(&c, &got, &e);
	cur_case = NULL;
	if (ret == VV_SKIP) {
		t->skip++;
		if (verbose)
			verbose_line("skip", &c, c.skip_reason ?
				     c.skip_reason : "skipped");
		return;
	}
	if (ret < 0 && c.bad_vector) {
		vector_error(&c, e.msg);
	} else if (ret < 0) {
		if (!c.expected_error)
			vv_mismatch(&c, "error", "success", e.msg[0] ?
				    e.msg : vy_err_name(ret));
		else if (strcmp(c.expected_error, vy_err_name(ret)))
			vv_mismatch(&c, "error", c.expected_error,
				    vy_err_name(ret));
		else if (ed)
			vv_compare(&c, "error_detail", ed, c.error_detail);
	} else if (c.expected_error) {
		vv_mismatch(&c, "error", c.expected_error, "success");
	} else if (got) {
		vv_compare(&c, "", c.expected, got);
	}
	json_decref(got);
	json_decref(c.error_detail);
	if (c.mismatches) {
		t->fail++;
	} else {
		t->pass++;
		if (verbose)
			verbose_line("ok", &c, NULL);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vyre-vectors [options] FILE.json...\n"
"Replay conformance vector files against the vyre library.\n"
"\n"
"  -k, --kind KIND   run only the cases of this kind\n"
"  -i, --id ID       run only the case with this id\n"
"  -v, --verbose     print a line for every case (ok/skip), not only\n"
"                    mismatches\n"
"  -l, --list-kinds  list the kinds this build implements\n"
"  -h, --help        this help\n"
"  -V, --version     print the version\n"
"\n"
"Each mismatch is printed as 'FILE: ID: FIELD: expected E, got G'; the\n"
"last line is 'N passed, N failed' (', N skipped' where any). A kind with\n"
"no implementation is counted as skipped. Exit 0 when nothing failed,\n"
"1 when a case failed, 2 on usage errors, 3 on a file that is not a JSON\n"
"array of cases, 4 on a file that cannot be read.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VY_REP_CLI_LONGOPTS,
		{ "kind", required_argument, NULL, 'k' },
		{ "id", required_argument, NULL, 'i' },
		{ "list-kinds", no_argument, NULL, 'l' },
		{ 0 }
	};
	struct vy_rep_cli cli;
	const char *only_kind = NULL, *only_id = NULL;
	struct totals t = { 0 };
	int opt, verbose = 0, i, bad_file = 0;

	vy_rep_stdout_check_at_exit(prog);
	vy_rep_cli_init(&cli, prog, VY_REP_CLI_VERBOSE, 0, VY_FMT_TABLE, usage,
			argv);
	while ((opt = vy_rep_cli_next(&cli, argc, argv, VY_REP_CLI_SHORT "k:i:l",
				      opts)) != VY_REP_CLI_END) {
		switch (opt) {
		case VY_REP_CLI_EXIT:
			return cli.exit;
		case 'k': only_kind = optarg; break;
		case 'i': only_id = optarg; break;
		case 'l':
			for (i = 0; i < (int)nkinds; i++)
				printf("%s\n", kinds[i].kind);
			return 0;
		default:
			return vy_rep_usage_err(prog, "%s: unknown option",
						argv[optind - 1]);
		}
	}
	verbose = cli.verbose > 0;
	if (optind >= argc)
		return vy_rep_usage_err(prog, "no vector file given");
	for (i = optind; i < argc; i++) {
		struct vy_err e;
		uint8_t *buf;
		size_t len, k;
		int ret;
		char *text;
		json_error_t jerr;
		json_t *root, *cs;

		ret = vy_read_file(argv[i], &buf, &len, &e);
		if (ret) {
			/* missing or unreadable: 4, as in every program */
			fprintf(stderr, "%s: %s\n", prog, e.msg);
			if (vy_err_exit(ret) > bad_file)
				bad_file = vy_err_exit(ret);
			continue;
		}
		text = quote_big_ints((const char *)buf, len);
		free(buf);
		root = text ? json_loads(text, 0, &jerr) : NULL;
		free(text);
		if (!root || !json_is_array(root)) {
			fprintf(stderr, "%s: %s: offset %d: %s\n", prog,
				argv[i], root ? 0 : jerr.position,
				root ? "not a JSON array of cases" : jerr.text);
			json_decref(root);
			if (VY_EXIT_DATA > bad_file)
				bad_file = VY_EXIT_DATA;
			continue;
		}
		json_array_foreach(root, k, cs)
			run_case(base_name(argv[i]), cs, &t, only_kind,
				 only_id, verbose);
		json_decref(root);
	}
	if (t.skip)
		printf("%u passed, %u failed, %u skipped\n", t.pass, t.fail,
		       t.skip);
	else
		printf("%u passed, %u failed\n", t.pass, t.fail);
	if (bad_file)
		return bad_file;
	return t.fail ? 1 : 0;
}
