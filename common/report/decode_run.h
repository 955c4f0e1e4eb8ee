/* SPDX-License-Identifier: MIT */
/*
 * decode_run.h - vyre-decode's driver: read snapshot streams (following a
 * growing file), raw buffer files or a baseline, decode each snapshot
 * against the one before, and write it in the chosen format to @out or,
 * with --output, atomically to a file.  Diagnostics go to @err as
 * "PROG: FILE: MESSAGE" lines; the worst exit class is kept in @exit.
 */
#ifndef VY_REPORT_DECODE_RUN_H
#define VY_REPORT_DECODE_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/decode.h"
#include "report/emit.h"
#include "report/svg.h"
#include "wire/err.h"

/* The "schema" of vyre-decode's JSON documents and lines. */
#define VY_REP_DECODE_SCHEMA "vyre-decode/1"

/*
 * One decoding session.  The caller fills the options (o, fmt, output,
 * strict, keep_going, follow, poll_ms, prog, out, err, stop) after
 * zeroing it and calling vy_rep_decode_init on rep[0], rep[1] and
 * against; vy_rep_decode_ctx_free() after.
 */
struct vy_rep_decode_ctx {
	const char *prog;	/* for messages */
	FILE *out, *err;	/* stdout and stderr of the program */
	const volatile sig_atomic_t *stop;	/* set by a signal: end */
	struct vy_rep_decode_opts o;
	enum vy_rep_format fmt;
	const char *output;	/* --output, NULL = stdout */
	bool strict, keep_going, follow;
	bool forever;		/* --forever: --follow ignores the run's end */
	long pid;		/* --pid: --follow ends when it is gone; 0 */
	bool run_over;		/* a snapshot recorded the run's end */
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
	struct vy_rep_svg svg;	/* -f svg: what the picture will show */
	bool svg_error;		/* out of memory keeping it */
};

/* Report @e for @file (NULL: the message names it) and keep its class. */
void vy_rep_decode_fail(struct vy_rep_decode_ctx *c, const char *file,
			const struct vy_err *e);

/* Write what --output should hold now (nothing without --output). */
int vy_rep_decode_flush(struct vy_rep_decode_ctx *c);

/*
 * Decode every snapshot of the stream on @fd (@name for messages); with
 * @against, keep the first as the baseline instead of printing it.
 * Following a growing file ends, unless @c->forever, after a snapshot
 * whose run section records the run's end or whose SHUTDOWN word is set,
 * and at the end of the data once process @c->pid (when not 0) is gone.
 * Returns 0 to go on with the next input, -1 to stop.
 */
int vy_rep_decode_stream(struct vy_rep_decode_ctx *c, int fd,
			 const char *name, bool against);

/* Open @path ("-" = stdin) into @fd; reports failures itself (-1). */
int vy_rep_decode_open(struct vy_rep_decode_ctx *c, const char *path,
		       int *fd);

/* Decode one snapshot made of raw buffer files (NULL = absent). */
int vy_rep_decode_raw(struct vy_rep_decode_ctx *c,
		      const char *paths[VY_BUF_COUNT]);

/*
 * -f svg: write the picture of everything decoded (to @c->out, or into
 * what --output will hold).  Nothing decoded: nothing written.
 */
int vy_rep_decode_svg_finish(struct vy_rep_decode_ctx *c);

/* Free what the session holds (reports, output buffers). */
void vy_rep_decode_ctx_free(struct vy_rep_decode_ctx *c);

#endif
