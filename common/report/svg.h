/* SPDX-License-Identifier: MIT */
/*
 * svg.h - vyre-decode -f svg: one self-contained SVG picture (no scripts,
 * no external references) of a snapshot stream: the diagnosis of the last
 * snapshot, a ring map of it (one cell per slot coloured by status,
 * faulted slots outlined, slots of blocked tenants in their own colour,
 * a legend with counts) and, for two snapshots or more, a timeline of
 * queue depth, done per interval and faulted slots.
 *
 * Rings with more slots than VY_REP_SVG_MAX_CELLS are aggregated: each
 * cell holds K consecutive slots and takes the colour of the most serious
 * status among them (fault, blocked, claimed, published, wait_io,
 * requeue, yield, unknown, done, empty); the picture says so.
 *
 * Cells carry id="slot-N" (one slot per cell) or id="cell-N" (aggregated;
 * on the first cell of a run of equal cells, which share one rectangle),
 * so a test can find a slot's position.
 */
#ifndef VY_REPORT_SVG_H
#define VY_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/decode.h"

#define VY_REP_SVG_MAX_CELLS 4096

/* One point of the timeline. */
struct vy_rep_svg_point {
	uint64_t index;			/* snapshot number */
	uint32_t queue_depth;
	uint32_t done_delta;		/* the first: done_count */
	uint32_t faults;		/* fault slots */
};

/* What the picture shows; everything owned (copied from the reports). */
struct vy_rep_svg {
	uint8_t *cls;			/* per slot: its colour class */
	size_t n_slots, cls_cap;
	struct vy_rep_svg_point *pts;
	size_t n_pts, pts_cap;
	char source[256];		/* the last snapshot's file */
	uint64_t index;			/* and its number */
	char diag[12][136];		/* its diagnosis, wrapped to lines */
	int diag_sev[12];		/* enum vy_tel_severity, -1 = ok */
	size_t n_diag, more_diag;	/* lines; findings not shown */
};

void vy_rep_svg_init(struct vy_rep_svg *v);
void vy_rep_svg_free(struct vy_rep_svg *v);

/* Add report @r (it becomes the last snapshot).  Errors: VY_E_NOMEM. */
int vy_rep_svg_add(struct vy_rep_svg *v, const struct vy_rep_decode *r,
		   struct vy_err *e);

/* Write the picture (nothing added: VY_E_INVAL).  Errors: VY_E_IO. */
int vy_rep_svg_write(FILE *f, const struct vy_rep_svg *v);

#endif
