/* SPDX-License-Identifier: MIT */
/*
 * launch_run.h - what vyre-launch records for post-mortems: the run
 * section of every snapshot it writes (wire/dump.h: how the run ended,
 * its exit status, tool, command line, times, and the work-file line of
 * each slot), and the faulted items of its report.
 */
#ifndef VY_REPORT_LAUNCH_RUN_H
#define VY_REPORT_LAUNCH_RUN_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "device/megakernel.h"
#include "report/launch.h"
#include "wire/dump.h"
#include "wire/err.h"

/* One run being recorded.  Owns cmdline, item_line and lines. */
struct vy_rep_runrec {
	uint64_t start_ns;		/* wall clock at init */
	uint64_t t0;			/* vy_now_ns at init */
	char *cmdline;			/* argv joined by blanks, bounded */
	const char *work;		/* borrowed: the work source's name */
	uint32_t *item_line;		/* line of item k; NULL: synthetic */
	size_t n_items;
	uint8_t *lines;			/* scratch: slot lines, LE u32 */
	size_t lines_cap;		/* slots */
	struct vy_mk *mk;		/* the session whose slot tags we read */
	struct vy_rep_snapout *so;	/* where periodic snapshots go */
};

/*
 * Start recording a run of @argc/@argv over @src (its items' lines),
 * named @work.  Errors: VY_E_NOMEM.  vy_rep_runrec_free() after.
 */
int vy_rep_runrec_init(struct vy_rep_runrec *rr, int argc, char **argv,
		       const struct vy_rep_work *src, const char *work,
		       struct vy_err *e);
void vy_rep_runrec_free(struct vy_rep_runrec *rr);

/* The work-file line of item @item (0 when none). */
uint32_t vy_rep_runrec_item_line(const struct vy_rep_runrec *rr,
				 uint64_t item);

/*
 * Fill @s->run: @end (enum vy_dump_run_end), @exit_status, the times so
 * far and each non-empty slot's line (from the session's slot tags).
 * @s->run borrows @rr until its next call.  Errors: VY_E_NOMEM.
 */
int vy_rep_runrec_attach(struct vy_rep_runrec *rr, struct vy_snapshot *s,
			 uint32_t end, uint32_t exit_status, struct vy_err *e);

/*
 * vy_dev_mk_run_opts.on_snapshot over a struct vy_rep_runrec *@arg:
 * a copy of @s with the run section ("running") goes to rr->so.
 */
int vy_rep_runrec_on_snapshot(void *arg, const struct vy_snapshot *s,
			      struct vy_err *e);

/* The run end recorded for a session end (no error) or a device error. */
uint32_t vy_rep_run_end_of(enum vy_dev_mk_end end, int err);

/*
 * The faulted items of @r: [{item, slot, line}] in completion order
 * (new reference): the report's "faulted_items" (vy_rep_launch_table
 * prints the first 10 as "faulted_item  item N, slot S, WORK line L").
 */
json_t *vy_rep_faults_json(const struct vy_rep_runrec *rr,
			   const struct vy_dev_mk_run_result *r);

#endif
