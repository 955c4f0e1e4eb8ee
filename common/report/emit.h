/* SPDX-License-Identifier: MIT */
/*
 * emit.h - output formats and diagnostics shared by the programs.
 *
 * Programs choose a format with --format (-j = json).  JSON documents are
 * built with jansson and written by vy_rep_emit_json, which puts the
 * "schema" and "version" members first.  64-bit counters stay JSON integers (values above
 * INT64_MAX are written as exact unsigned digits by vy_rep_json_u64).
 * Diagnostics: vy_rep_err prints "PROG: MSG" and, where the error has a
 * hint, "PROG: hint: HINT" to the given stream (stderr in the programs).
 */
#ifndef VY_EMIT_H
#define VY_EMIT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wire/err.h"

enum vy_rep_format {
	VY_FMT_TABLE,
	VY_FMT_JSON,
	VY_FMT_JSONL,
	VY_FMT_CSV,
	VY_FMT_PROM,
	VY_FMT_HEX,
	VY_FMT_SVG,
};

/*
 * Parse a format name.  @allowed is a bit mask of (1 << VY_FMT_*) the
 * program supports.  Returns 0 or VY_E_INVAL (with a message listing the
 * allowed names in @e).
 */
int vy_rep_format_parse(const char *name, unsigned allowed, enum vy_rep_format *out,
		    struct vy_err *e);
const char *vy_rep_format_name(enum vy_rep_format f);

/*
 * A JSON integer for a u64.  jansson integers are signed 64-bit; values
 * above INT64_MAX become a real-valued placeholder that vy_rep_emit_json
 * writes back as the exact digits.
 */
json_t *vy_rep_json_u64(uint64_t v);

/*
 * Write @doc (an object) to @f with "schema": @schema and "version": the
 * toolkit's version (VY_VERSION) first when @schema is not NULL.  @pretty: indented (json) or one line (jsonl).
 * A newline follows.  Returns 0 or VY_E_IO.  Steals no reference.
 */
int vy_rep_emit_json(FILE *f, json_t *doc, const char *schema, int pretty);

/* One CSV field, quoted when it holds a comma, quote or newline. */
void vy_rep_csv_field(FILE *f, const char *s);

/* "PROG: MSG" and "PROG: hint: HINT" lines on @f. */
void vy_rep_err(FILE *f, const char *prog, const struct vy_err *e);

/*
 * A command-line mistake, the same in every program: "PROG: MSG" (printf
 * @fmt) and "PROG: hint: try --help" on stderr.  Returns VY_EXIT_USAGE,
 * the exit status.
 */
int vy_rep_usage_err(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Hand-written JSON for hot paths (JSON Lines of slots, --batch output):
 * append @s, or the decimal digits of @v, at @p and return the new end.
 * The caller sizes the buffer; nothing is escaped.
 */
static inline char *vy_rep_put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static inline char *vy_rep_put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *vy_rep_put_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * A JSON string for @s that is always valid UTF-8 (vyre(7), JSON TEXT):
 * valid UTF-8 is kept as is; each byte that is not part of a valid
 * sequence is written as the four characters \xHH.  New reference.
 */
json_t *vy_rep_json_text(const char *s);

/*
 * Set member @key of @o to vy_rep_json_text(@s); when @s is not valid
 * UTF-8 also set @key + "_hex" to all its bytes in lowercase hex, so a
 * name can always be matched with the file it came from.
 */
void vy_rep_json_set_name(json_t *o, const char *key, const char *s);

/*
 * Write @s as one field of a tab-separated table line: backslash, tab,
 * newline, carriage return and other control bytes become C escapes
 * (\\ \t \n \r \xHH), so one record stays one line (vyre(7)).
 */
void vy_rep_table_field(FILE *f, const char *s);

/*
 * Make a write error on standard output an error (vyre(7), EXIT STATUS):
 * at exit, flush and close stdout; when that or an earlier write failed
 * (a full disk, a closed descriptor), print "PROG: standard output:
 * strerror" and end with status 4.  Call once, first thing in main.
 */
void vy_rep_stdout_check_at_exit(const char *prog);
/*
 * A failed write or flush of standard output seen by a writer: print
 * "PROG: standard output: strerror(errno)" to @err now, while errno still
 * tells why, and return VY_EXIT_IO; the at-exit check then ends with
 * status 4 without a second message.
 */
int vy_rep_stdout_error(FILE *err, const char *prog);

/*
 * Option values: a number (decimal or 0x hex, K M G T suffixes) at most
 * @max, or a comma list of at most @max u32 numbers into @out (@n of
 * them).  On a bad value the "PROG: OPT: ..." line and a hint go to
 * stderr and the result is VY_EXIT_USAGE; else 0.
 */
int vy_rep_opt_num(const char *prog, const char *opt, const char *s,
		   uint64_t max, uint64_t *out);
int vy_rep_opt_list(const char *prog, const char *opt, const char *s,
		    uint32_t *out, size_t max, size_t *n);

#endif
