/* SPDX-License-Identifier: MIT */
/*
 * bench.h - vyre-launch as a benchmark tool: the metadata of a run, the
 * spread of --repeat N runs, and --compare of two saved reports.
 */
#ifndef VY_REP_BENCH_H
#define VY_REP_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "report/emit.h"

/* The figures whose spread --repeat reports, as report keys (a.b). */
#define VY_REP_BENCH_FIGURES 5

struct vy_rep_runs {
	uint32_t want;			/* --repeat N */
	uint32_t n;			/* runs added */
	double *v[VY_REP_BENCH_FIGURES];	/* want values each */
	char started_at[32];		/* RFC 3339 UTC of the first run */
	char *command_line;		/* argv joined, shell-quoted */
};

/*
 * Start the record of @want runs of the command @argv (@argc words), now.
 * Allocation failures leave the spread out, nothing else.
 */
void vy_rep_runs_init(struct vy_rep_runs *rs, uint32_t want, int argc,
		      char **argv);

/* Take the figures of one run's report @doc. */
void vy_rep_runs_add(struct vy_rep_runs *rs, json_t *doc);

/*
 * Add to @doc (the last run's report) "started_at", "command_line",
 * "repeat" (runs done) and, when more than one ran, for each figure F a
 * "spread_F" object {median, min, max}.
 */
void vy_rep_runs_finish(const struct vy_rep_runs *rs, json_t *doc);

void vy_rep_runs_free(struct vy_rep_runs *rs);

/*
 * vyre-launch --compare: read two vyre-launch/1 reports and write every
 * number both have, A, B and B/A, as a table or (@fmt json; jsonl on one line) a
 * vyre-launch-compare/1 document.  Returns the exit status: 0, 3 (not a
 * vyre-launch report), 4 (cannot read), after "PROG: FILE: what".
 */
int vy_rep_launch_compare(FILE *f, const char *prog, const char *a,
			  const char *b, enum vy_rep_format fmt);

#endif
