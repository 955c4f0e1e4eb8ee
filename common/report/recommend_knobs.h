/* SPDX-License-Identifier: MIT */
/*
 * recommend_knobs.h - vyre-recommend's policy knobs: the launch policy
 * from a JSON file (--policy) and as a JSON document (--show-policy), and
 * --autotune over measured vyre-launch reports.
 */
#ifndef VY_REPORT_RECOMMEND_KNOBS_H
#define VY_REPORT_RECOMMEND_KNOBS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/policy.h"
#include "report/emit.h"
#include "wire/err.h"

#define VY_POLICY_SCHEMA "vyre-recommend-policy/1"
#define VY_AUTOTUNE_SCHEMA "vyre-recommend-autotune/1"

/*
 * Read the policy file @path: one JSON object whose members are the
 * policy's threshold names (vy_pol_knobs: "min_hit_capacity", ...) and
 * optionally "sizing" (an object of the five sizing members) and
 * "schema" (VY_POLICY_SCHEMA); every other member is an error.  Members
 * left out keep MegakernelLaunchPolicy::standard().  Then the seed's
 * checks (vy_pol_launch_policy_validate).  Errors: VY_E_IO, VY_E_FORMAT
 * ("line L column C: ..." or naming the member), VY_E_INVAL (a value
 * that does not fit), VY_E_MEMORY_THRESHOLD_ABOVE_10000,
 * VY_E_HYSTERESIS_BOUND.
 */
int vy_rep_policy_load(const char *path, struct vy_pol_launch_policy *p,
		       struct vy_err *e);

/* The same from @len bytes of @text (the file's contents). */
int vy_rep_policy_parse(const char *text, size_t len,
			struct vy_pol_launch_policy *p, struct vy_err *e);

/* @p as the document vy_rep_policy_load reads (json), or "name value" lines. */
void vy_rep_policy_print(FILE *f, enum vy_rep_format fmt,
			 const struct vy_pol_launch_policy *p);

/* One measured geometry. */
struct vy_rep_candidate {
	uint32_t workgroups, workgroup_size;
	uint64_t items, wall_ns;
	double cost;		/* wall ns per item; +inf when the run
				   did not end ok or processed nothing */
};

struct vy_rep_autotune {
	struct vy_rep_candidate *c;	/* malloc'd */
	size_t n;
	size_t best;			/* vy_pol_best_cost_index */
	uint32_t workgroup_size;	/* vy_pol_autotune_workgroup_size */
	double gradient[2];		/* d(relative cost)/d log2(wgs, wgsize) */
	double step[2];			/* the natural-gradient step */
	uint32_t next_workgroups, next_workgroup_size;	/* next probe */
};

/*
 * Read vyre-launch -j reports from @in (@name for messages): JSON values
 * one after another (JSON Lines, or pretty documents concatenated), each
 * with "end_reason", "items_processed", "wall_ns" and "geometry" {"workgroups",
 * "workgroup_size"}.  Pick the cheapest by the seed's autotune rule and
 * take one natural-gradient step (identity metric, learning rate 1) on
 * the least-squares slopes of the relative cost over log2 of both sizes
 * around the best (candidates within one doubling of it that share its
 * other size).  The next probe doubles or halves each size the step
 * moves by more than 0.05 (5% of the best cost per doubling); it stays
 * at the best when that geometry was already measured.  Errors: VY_E_FORMAT
 * (naming the report number), VY_E_INVAL (no report), VY_E_NOMEM.
 * vy_rep_autotune_free() after.
 */
int vy_rep_autotune_read(FILE *in, const char *name,
			 struct vy_rep_autotune *out, struct vy_err *e);
void vy_rep_autotune_free(struct vy_rep_autotune *a);
void vy_rep_autotune_print(FILE *f, enum vy_rep_format fmt,
			   const struct vy_rep_autotune *a);

/*
 * vyre-recommend --autotune @path (- = stdin): read the reports and print
 * the choice on @out in @fmt; errors as "PROG: ..." on @err.  Returns the
 * exit status: 0, 3 for no or a malformed report, 4 for an unreadable
 * file or a failed write.
 */
int vy_rep_autotune_run(FILE *out, FILE *err, const char *prog,
			const char *path, enum vy_rep_format fmt);

#endif
