/* SPDX-License-Identifier: MIT */
/*
 * recommend.h - requests in, recommendations out, for vyre-recommend:
 * the request JSON parser and the writers (JSON, JSON Lines, CSV, table,
 * --explain).
 */
#ifndef VY_REPORT_RECOMMEND_H
#define VY_REPORT_RECOMMEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "policy/policy.h"
#include "policy/check.h"
#include "policy/feedback.h"
#include "wire/err.h"

/* ---- I/O for vyre-recommend (policy_io.c, policy_check.c) -------- */

#define VY_RECOMMEND_SCHEMA "vyre-recommend/1"

/* Room for one vy_rep_recommendation_jsonl() or vy_rep_policy_error_jsonl() line. */
#define VY_REC_LINE_MAX 1024

/* The longest --batch input line, in bytes (vyre-recommend(1)). */
#define VY_REC_IN_MAX 65536

struct json_t;

/*
 * Parse one JSON object whose members are request field names (values:
 * non-negative integers up to the field's width, exact up to 2^64-1) and
 * optionally "previous_topology" (a topology name).  Missing fields are
 * 0.  @r is reset first.  *@has_prev tells whether previous_topology was
 * given.  Errors: VY_E_FORMAT with a message naming the field or the
 * column ("column 12: ...").
 */
int vy_rep_request_parse_json(const char *text, size_t len,
			  struct vy_pol_launch_request *r, bool *has_prev,
			  enum vy_pol_topology *prev, struct vy_err *e);

/* The recommendation as a JSON object (snake_case enums, no schema). */
struct json_t *vy_rep_recommendation_json(const struct vy_pol_launch_recommendation *r);
/*
 * The same object with the enum names chosen by @camel: false gives
 * snake_case (vy_pol_pressure_name, ...), true CamelCase (vy_pol_pressure_camel,
 * ... as the conformance vectors spell them).
 */
struct json_t *
vy_rep_recommendation_json_names(const struct vy_pol_launch_recommendation *r,
			     bool camel);
/* {"workgroup_size_x", "slot_count", "dispatch_grid": [x, y, z]}. */
struct json_t *vy_rep_geometry_json(const struct vy_pol_geometry *g);

/*
 * The same object as one compact JSON line with "schema" first and a
 * trailing newline, written into @buf (VY_REC_LINE_MAX bytes) and
 * NUL-terminated.  Returns its length (without the NUL).
 */
size_t vy_rep_recommendation_jsonl(char *buf, const struct vy_pol_launch_recommendation *r);

/*
 * {"schema":..,"error":{"code":"E_..","message":"..",["requested":N,
 * "available":N,]["line":N]}} and a newline into @buf (VY_REC_LINE_MAX),
 * NUL-terminated; returns the length without the NUL.
 * @oom (may be NULL) supplies requested/available for
 * VY_E_DEVICE_OUT_OF_MEMORY; @line 0 leaves the line out.
 */
size_t vy_rep_policy_error_jsonl(char *buf, int code, const char *msg,
			     const struct vy_pol_launch_recommendation *oom,
			     uint64_t line);

/* CSV: the header line, and one row (same columns, newline included). */
void vy_rep_recommendation_csv_header(FILE *f);
void vy_rep_recommendation_csv_row(FILE *f, const struct vy_pol_launch_recommendation *r);

/* Aligned "name value" lines, one per field. */
void vy_rep_recommendation_table(FILE *f, const struct vy_pol_launch_recommendation *r);

/*
 * Write @t as plain sentences, one decision per line, each with the
 * numbers that decided it, to @f.  @rc is the result of the traced call
 * (a failure explains how far the pipeline got and why it stopped).
 */
void vy_rep_launch_trace_explain(FILE *f, const struct vy_pol_launch_policy *p,
			     const struct vy_pol_launch_trace *t, int rc,
			     const struct vy_pol_launch_recommendation *rec);

/*
 * The --check gates: each failing one prints "PROG: [line N: ]check
 * failed: EXPR (actual V)" on @err (@line 0: no line prefix).  Returns 1
 * when any failed, else 0.
 */
int vy_rep_rec_checks(FILE *err, const char *prog,
		      const struct vy_pol_rec_check *checks, size_t n,
		      const struct vy_pol_launch_recommendation *rec,
		      uint64_t line);

/*
 * The --check results as a JSON array of {"expr", "actual", "ok"} (a new
 * reference), or as table lines "check EXPR ok|FAILED (actual V)".
 */
json_t *vy_rep_rec_checks_json(const struct vy_pol_rec_check *checks, size_t n,
				const struct vy_pol_launch_recommendation *rec);
void vy_rep_rec_checks_table(FILE *f, const struct vy_pol_rec_check *checks,
			     size_t n,
			     const struct vy_pol_launch_recommendation *rec);

/*
 * vyre-recommend --batch: one JSON request per line of @in, one JSON
 * Lines answer (or error line) per request on @out, under the policy
 * @pol (NULL: the standard one), through the thread's recommendation
 * cache; with @hysteresis a line without a previous topology takes the
 * last answer's; with @verbose the cache's entries, hits and misses go to
 * @err at the end.  Returns the exit status: 0, 1 (a check or a negative
 * answer), 3 (bad lines), 4 (read or write error, said on @err with
 * @in_name).
 */
int vy_rep_recommend_batch(FILE *in, const char *in_name, FILE *out,
			   FILE *err, const char *prog,
			   const struct vy_pol_launch_policy *pol,
			   bool hysteresis, bool verbose,
			   const struct vy_pol_rec_check *checks,
			   size_t nchecks);

/* "feedback: PATH: ..." - what a capture filled into the request. */
void vy_rep_feedback_explain(FILE *f, const char *path,
			     const struct vy_pol_launch_feedback *fb);

#endif
