/* SPDX-License-Identifier: MIT */
#include "report/emit.h"
#include "wire/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio_ext.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const fmt_names[] = {
	[VY_FMT_TABLE] = "table", [VY_FMT_JSON] = "json",
	[VY_FMT_JSONL] = "jsonl", [VY_FMT_CSV] = "csv",
	[VY_FMT_PROM] = "prom",	  [VY_FMT_HEX] = "hex",
	[VY_FMT_SVG] = "svg",
};

const char *vy_rep_format_name(enum vy_rep_format f)
{
	return (unsigned)f < sizeof(fmt_names) / sizeof(fmt_names[0]) ?
		       fmt_names[f] : "?";
}

int vy_rep_format_parse(const char *name, unsigned allowed, enum vy_rep_format *out,
		    struct vy_err *e)
{
	char list[128] = "";
	unsigned i;

	for (i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++) {
		if (!(allowed & (1u << i)))
			continue;
		if (strcmp(name, fmt_names[i]) == 0) {
			*out = (enum vy_rep_format)i;
			return 0;
		}
		if (list[0])
			strcat(list, "|");
		strcat(list, fmt_names[i]);
	}
	return vy_errf(e, VY_E_INVAL, NULL,
		       "--format: unknown format '%s' (one of %s)", name, list);
}

/*
 * Values above INT64_MAX: jansson cannot hold them as integers, so they
 * are kept as strings with a private prefix and turned back into bare
 * digits when the document is written.
 */
#define U64_TAG "\x01u64:"

json_t *vy_rep_json_u64(uint64_t v)
{
	char tmp[40];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(tmp, sizeof(tmp), U64_TAG "%" PRIu64, v);
	return json_string(tmp);
}

int vy_rep_emit_json(FILE *f, json_t *doc, const char *schema, int pretty)
{
	char *text, *p, *q;
	size_t tag = strlen(U64_TAG);
	int ret = 0;

	if (schema && json_is_object(doc)) {
		/*
		 * "schema" and the tool "version" first, so a reader knows
		 * both before anything else: rebuild the object in order.
		 */
		json_t *o = json_object();
		const char *key;
		json_t *v;

		json_object_set_new(o, "schema", json_string(schema));
		json_object_set_new(o, "version", json_string(VY_VERSION));
		json_object_foreach(doc, key, v)
			if (strcmp(key, "schema") && strcmp(key, "version"))
				json_object_set(o, key, v);
		text = json_dumps(o, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
					     JSON_PRESERVE_ORDER);
		json_decref(o);
	} else {
		text = json_dumps(doc, (pretty ? JSON_INDENT(2) : JSON_COMPACT) |
					       JSON_PRESERVE_ORDER |
					       JSON_ENCODE_ANY);
	}
	if (!text)
		return VY_E_NOMEM;
	/* "\u0001u64:123" -> 123 (jansson escapes the 0x01 byte). */
	for (p = q = text; *p;) {
		if (strncmp(p, "\"\\u0001u64:", 11) == 0) {
			p += 11;
			while (*p && *p != '"')
				*q++ = *p++;
			if (*p)
				p++;
			continue;
		}
		*q++ = *p++;
	}
	*q = '\0';
	(void)tag;
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF)
		ret = VY_E_IO;
	free(text);
	return ret;
}

void vy_rep_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void vy_rep_err(FILE *f, const char *prog, const struct vy_err *e)
{
	fprintf(f, "%s: %s\n", prog, e->msg[0] ? e->msg : vy_err_name(e->code));
	if (e->hint[0])
		fprintf(f, "%s: hint: %s\n", prog, e->hint);
}

int vy_rep_usage_err(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s: hint: try --help\n", prog);
	return VY_EXIT_USAGE;
}

int vy_rep_opt_num(const char *prog, const char *opt, const char *s, uint64_t max,
		     uint64_t *out)
{
	if (vy_parse_u64(s, UINT64_MAX, 1, out)) {
		fprintf(stderr, "%s: %s: '%s' is not a number\n", prog, opt, s);
		fprintf(stderr,
			"%s: hint: use decimal or 0x hex, optionally with a K M G T suffix\n",
			prog);
		return VY_EXIT_USAGE;
	}
	if (*out > max) {
		fprintf(stderr, "%s: %s: %s is above the maximum %" PRIu64 "\n",
			prog, opt, s, max);
		return VY_EXIT_USAGE;
	}
	return 0;
}

int vy_rep_opt_list(const char *prog, const char *opt, const char *s, uint32_t *out,
		      size_t max, size_t *n)
{
	char buf[4096], *tok, *save = NULL;
	uint64_t v;
	int ret;

	*n = 0;
	if (strlen(s) >= sizeof(buf))
		return vy_rep_usage_err(prog, "%s: list too long", opt);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return vy_rep_usage_err(prog, "%s: more than the allowed entries",
					   opt);
		ret = vy_rep_opt_num(prog, opt, tok, UINT32_MAX, &v);
		if (ret)
			return ret;
		out[(*n)++] = (uint32_t)v;
	}
	return 0;
}

static const char *stdout_prog = "vyre";
static int stdout_told;	/* the error was already printed */

/*
 * As gnulib's close_stdout: stdio keeps a failed write in the stream's
 * error flag and a buffered one until exit, so only the last flush and
 * close can tell.  A closed stdout that was never written is no error.
 */
static void stdout_check(void)
{
	int pending = __fpending(stdout) != 0, failed = ferror(stdout), err;

	errno = 0;
	/* a retry of what is still buffered tells the errno an earlier
	 * failed write did not keep */
	if (fflush(stdout))
		err = errno;
	else
		err = 0;
	if (fclose(stdout) == 0 && !failed && !err)
		return;
	if (!err)
		err = errno;
	if (!failed && err == EBADF && !pending)
		return;
	if (!stdout_told)
		fprintf(stderr, "%s: standard output: %s\n", stdout_prog,
			err ? strerror(err) : "write error");
	_exit(VY_EXIT_IO);
}

int vy_rep_stdout_error(FILE *err, const char *prog)
{
	int saved = errno ? errno : EIO;

	fprintf(err, "%s: standard output: %s\n", prog, strerror(saved));
	stdout_told = 1;
	return VY_EXIT_IO;
}

void vy_rep_stdout_check_at_exit(const char *prog)
{
	stdout_prog = prog;
	atexit(stdout_check);
}

json_t *vy_rep_json_text(const char *s)
{
	size_t n = strlen(s), i = 0, k;
	char *buf, *p;
	json_t *j;

	if (vy_utf8_valid(s, n))
		return json_string(s);
	buf = malloc(4 * n + 1);
	if (!buf)
		return NULL;
	for (p = buf; i < n; i += k) {
		k = vy_utf8_seq((const uint8_t *)s + i, n - i);
		if (k) {
			memcpy(p, s + i, k);
			p += k;
		} else {
			k = 1;
			p += sprintf(p, "\\x%02x", (unsigned char)s[i]);
		}
	}
	*p = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

void vy_rep_json_set_name(json_t *o, const char *key, const char *s)
{
	size_t n = strlen(s);
	char hkey[64], *hex;

	json_object_set_new(o, key, vy_rep_json_text(s));
	if (vy_utf8_valid(s, n))
		return;
	hex = malloc(2 * n + 1);
	if (!hex)
		return;
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", (unsigned char)s[i]);
	hex[2 * n] = '\0';
	snprintf(hkey, sizeof(hkey), "%s_hex", key);
	json_object_set_new(o, hkey, json_string(hex));
	free(hex);
}

void vy_rep_table_field(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\x%02x", c);
			else
				fputc(c, f);
		}
	}
}
