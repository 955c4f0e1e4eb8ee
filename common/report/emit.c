/* SPDX-License-Identifier: MIT */
#include "report/emit.h"
#include "wire/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const fmt_names[] = {
	[VY_FMT_TABLE] = "table", [VY_FMT_JSON] = "json",
	[VY_FMT_JSONL] = "jsonl", [VY_FMT_CSV] = "csv",
	[VY_FMT_PROM] = "prom",	  [VY_FMT_HEX] = "hex",
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
