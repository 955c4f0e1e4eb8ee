/* SPDX-License-Identifier: MIT */
/*
 * stream.h - what vyre-stream prints: one line or JSON object per input,
 * the --verify mismatch diagnostic, the metrics line (stderr) and the
 * closing JSON document (schema "vyre-stream/1"; vyre-stream(1)).
 */
#ifndef VY_REPORT_STREAM_H
#define VY_REPORT_STREAM_H

#include <stdio.h>

#include <jansson.h>

#include "device/stream.h"
#include "report/emit.h"

/* The result of @op: checksum a string, count and grep an integer, hist
 * an array of 256 integers.  New reference. */
json_t *vy_rep_stream_result_json(const struct vy_dev_stream_result *r,
				  enum vy_dev_scan op);

/* "path<TAB>bytes<TAB>result\n" for a finished input (nothing if it failed). */
void vy_rep_stream_table_line(FILE *f, const struct vy_dev_stream_input *in,
			      enum vy_dev_scan op);

/* One input as a JSON object (path, status, error/code or bytes/result,
 * verified, o_direct).  New reference. */
json_t *vy_rep_stream_input_json(const struct vy_dev_stream_input *in,
				 enum vy_dev_scan op);

/*
 * One finished input in @fmt: its table line, its JSON Lines object, or
 * (json) its object appended to @inputs for vy_rep_stream_document.
 */
void vy_rep_stream_input(FILE *f, enum vy_rep_format fmt,
			 const struct vy_dev_stream_input *in,
			 enum vy_dev_scan op, json_t *inputs);

/* "PROG: PATH: --verify mismatch: device ..., cpu ..." */
void vy_rep_stream_mismatch(FILE *f, const char *prog,
			    const struct vy_dev_stream_input *in,
			    enum vy_dev_scan op);

/* The metrics object (with "session" under --persistent).  New reference. */
json_t *vy_rep_stream_metrics_json(const struct vy_dev_stream_metrics *m);

/* The one-line summary that vyre-stream writes to stderr. */
void vy_rep_stream_metrics_line(FILE *f, const char *prog,
				const struct vy_dev_stream_metrics *m);

/*
 * The closing document: --format json {"op", "inputs" (@inputs, stolen),
 * "metrics", "runtime_io_evidence" (@evidence, stolen, left out when
 * NULL; report/evidence.h)}, jsonl {"metrics", "runtime_io_evidence"};
 * nothing for table.  Returns 0 or VY_E_IO (vy_rep_emit_json).
 */
int vy_rep_stream_document(FILE *f, enum vy_rep_format fmt,
			   enum vy_dev_scan op, json_t *inputs,
			   const struct vy_dev_stream_metrics *m,
			   json_t *evidence);

/*
 * vy_dev_stream_opts.on_session for vyre-stream --persistent: the launch
 * policy's geometry for the session, as vyre-launch runs it
 * (vy_rep_launch_setup).  @arg is unused.
 */
int vy_rep_stream_session(void *arg, struct vy_mk *mk, struct vy_err *e);

/* Bytes per nanosecond = GB/s; 0 for no time. */
double vy_rep_gbps(uint64_t bytes, uint64_t ns);

/*
 * Read @path whole (the limits of vy_read_file) into *@buf (malloc'd,
 * NUL-terminated; free it after the list) and append a pointer to each
 * non-empty line to *@list (realloc'd), counting in *@n: --patterns-from
 * and --files-from.  Errors: those of vy_read_file, VY_E_NOMEM.
 */
int vy_rep_read_lines(const char *path, char **buf, const char ***list,
		      size_t *n, struct vy_err *e);

#endif
