/* SPDX-License-Identifier: MIT */
/*
 * launch_exec.h - one vyre-launch run: open the session, shape and plan
 * the queue (--dedupe, the budget), run the work through it, take the
 * final snapshot with its run section, and build the report.
 */
#ifndef VY_REPORT_LAUNCH_EXEC_H
#define VY_REPORT_LAUNCH_EXEC_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "device/megakernel.h"
#include "report/cli.h"
#include "report/launch.h"
#include "wire/out.h"

#define VY_REP_LAUNCH_MAX_RESOURCES 64

/* vyre-launch's options (vyre-launch(1)) and what its runs share. */
struct vy_rep_launch_opts {
	struct vy_dev_mk_params cfg;
	const char *transport, *mode;
	double timeout_s, stall_s;
	uint64_t interval_ms;
	const char *snapshot, *dump_dir, *printf_formats, *data_path;
	int binary, list_devices, dedupe, strict;
	int deduped, out_failed;	/* the work list was deduplicated; an
					   output was lost */
	uint64_t deduped_items;
	uint64_t budget_bytes;		/* --device-memory-budget; 0 = none */
	uint64_t synthetic;
	uint32_t synthetic_op;
	int have_synthetic;
	uint32_t batch;
	uint32_t workgroups, workgroup_size;	/* 0 = the launch policy's */
	struct vy_rep_cli cli;
	struct vy_dev_mk_resource res[VY_REP_LAUNCH_MAX_RESOURCES];
	size_t nres;
	const char *workfile;
	uint32_t repeat;		/* --repeat N, default 1 */
	int compare;			/* --compare A.json B.json */
	const char *compare_a, *compare_b;
	/* set by the program before vy_rep_launch_run */
	FILE *err;			/* messages, the verdict, progress */
	volatile int *stop;		/* set by a signal handler */
	struct vy_out *snap_out;	/* --snapshot's file (wire/out.h) */
	int argc;			/* the command line, for run sections */
	char **argv;
};

/*
 * One run of @o over @src (rewound by the caller between runs): messages,
 * the verdict, the progress line (on a terminal, unless -q) go to
 * @o->err; the final snapshot to @so when it has a stream (periodic ones
 * with --interval).  *@doc gets the report (new reference), or NULL when
 * the run could not start.  Returns the exit status (vyre-launch(1)).
 * A lost snapshot or dump sets @o->out_failed; on an error before the
 * run @o->snap_out is aborted.
 */
int vy_rep_launch_run(struct vy_rep_launch_opts *o, struct vy_rep_work *src,
		      struct vy_rep_snapout *so, json_t **doc);

#endif
