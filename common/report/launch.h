/* SPDX-License-Identifier: MIT */
/*
 * launch.h - what vyre-launch (and the launch benchmark) print and write:
 * the geometry the launch policy chooses for a device, the work source,
 * snapshot writers, the run report (table and JSON) and the end-of-run
 * verdict.  Nothing here exits; writers return 0 or a negative VY_E_*.
 */
#ifndef VY_REPORT_LAUNCH_H
#define VY_REPORT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "device/caps.h"
#include "device/megakernel.h"
#include "policy/check.h"
#include "policy/launch.h"
#include "report/emit.h"
#include "telemetry/telemetry.h"
#include "wire/dump.h"
#include "wire/err.h"
#include "wire/workfile.h"

/* ---- latency percentiles ------------------------------------------ */

/* Sort @v ascending in place. */
void vy_rep_sort_u64(uint64_t *v, size_t n);

/*
 * The @p quantile (0..1, nearest rank) of the ascending @sorted; 0 when
 * @n is 0.
 */
uint64_t vy_rep_percentile(const uint64_t *sorted, size_t n, double p);

/* ---- the geometry --------------------------------------------------- */

/*
 * Ask the launch policy (policy/launch.h) for a @persistent (else once)
 * kernel over a ring of @ring_slots slots on a device with limits @lim: @rec its answer, @out what to launch.
 * vyre-launch, vyre-recommend --device and vyre-bench-launch all call
 * this.  Errors: those of vy_pol_recommend.
 */
int vy_rep_launch_geometry(const struct vy_dev_limits *lim,
			   uint32_t ring_slots, bool persistent,
			   struct vy_pol_launch_recommendation *rec,
			   struct vy_pol_launch_geometry *out,
			   struct vy_err *e);

/*
 * Give the open session @mk (not started) the policy's geometry for its
 * ring and limits, or @workgroups / @workgroup_size where not 0 (the
 * user's).  @lim gets the limits, @chosen the policy's geometry (either
 * may be NULL).  Errors: those of vy_dev_mk_limits and
 * vy_rep_launch_geometry; VY_E_INVAL when a user value is beyond the
 * device (vy_dev_mk_set_geometry's message, a hint to leave it out).
 */
int vy_rep_launch_setup(struct vy_mk *mk, uint32_t workgroups,
			uint32_t workgroup_size, struct vy_dev_limits *lim,
			struct vy_pol_launch_geometry *chosen,
			struct vy_err *e);

/* The request vy_rep_launch_geometry makes. */
void vy_rep_launch_request(const struct vy_dev_limits *lim,
			   uint32_t ring_slots, bool persistent,
			   struct vy_pol_launch_request *out);

/*
 * What vyre-recommend --device says of the device: its limits, and
 * whether the residency cap cut the work-groups the policy gave: @uncapped
 * is what it would launch if every work-group could be resident.
 */
struct vy_rep_device_cap {
	struct vy_dev_limits lim;	/* filled by the caller */
	bool applied;
	uint32_t uncapped;
};

/* Fill @c->applied and @c->uncapped for @rec, the answer for @ring_slots. */
void vy_rep_device_cap(uint32_t ring_slots,
		       const struct vy_pol_launch_recommendation *rec,
		       struct vy_rep_device_cap *c);
json_t *vy_rep_device_cap_json(const struct vy_rep_device_cap *c);
void vy_rep_device_cap_table(FILE *f, const struct vy_rep_device_cap *c);

/*
 * vyre-recommend's answer in @fmt (table, json, jsonl or csv), with the
 * device's part when @dev is not NULL and the results of the @nchecks
 * --check gates (a "checks" array in JSON, "check" lines in the table;
 * CSV keeps its one row).
 */
void vy_rep_recommend_print(FILE *f, enum vy_rep_format fmt,
			    const struct vy_pol_launch_recommendation *rec,
			    const struct vy_rep_device_cap *dev,
			    const struct vy_pol_rec_check *checks,
			    size_t nchecks);

/*
 * The OpenCL devices with their limits, transport and caps (caps.h: the
 * seed's supported and max_worker_count): @fmt VY_FMT_TABLE prints one
 * line each under a header line (and a "not supported: why" line under
 * an unsupported one), VY_FMT_JSON one "vyre-launch-devices/1" document
 * with a "devices" array.  Returns the number of devices (0: nothing
 * printed) or a negative VY_E_* code.
 */
int vy_rep_device_list(FILE *f, enum vy_rep_format fmt, struct vy_err *e);

/* ---- the work source ------------------------------------------------ */

/* Items from a parsed work file, or N generated ones of one opcode. */
struct vy_rep_work {
	struct vy_workfile wf;
	size_t next;
	uint64_t synth_n, synth_i;
	uint32_t synth_op;
	int synthetic;
};

/*
 * Load @path ("-" = stdin; text, or raw slot records when @binary), or,
 * with @path NULL, prepare @synth_n items of opcode @synth_op.  Errors:
 * those of vy_read_file and the work-file parsers.  vy_rep_work_free()
 * after.
 */
int vy_rep_work_load(struct vy_rep_work *w, const char *path, int binary,
		     uint64_t synth_n, uint32_t synth_op, struct vy_err *e);
void vy_rep_work_free(struct vy_rep_work *w);

/* vy_dev_mk_run_opts.next over a struct vy_rep_work *@arg. */
int vy_rep_work_next(void *arg, uint32_t w[16], int *fence,
		     struct vy_err *e);
/* vy_dev_mk_run_opts.fill over the same: the items in bulk, into rows. */
uint32_t vy_rep_work_fill(void *arg, uint8_t *rows, uint32_t n);

/*
 * vy_dev_mk_run_opts.produce and .advance over a struct vy_rep_work *@arg:
 * a synthetic source's items (all alike) written on the staging threads;
 * a work file's are not (advance says none are left: fill and next hand
 * them out in order, fences kept).
 */
void vy_rep_work_produce(void *arg, uint8_t *rows, uint64_t first, uint32_t n);
uint64_t vy_rep_work_advance(void *arg, uint64_t k);

/* Items not yet handed out (fences do not count). */
uint64_t vy_rep_work_left(const struct vy_rep_work *w);

/* Hand the same items out again from the first (--repeat). */
void vy_rep_work_rewind(struct vy_rep_work *w);

/*
 * The data buffer of a run: --data's file (@data_path, may be NULL) at
 * word 0, then room for each resource file (LOAD_MISS answers) in order;
 * fills each @res word_offset and words and @words (the total).  Errors:
 * VY_E_IO (a file cannot be stat'ed), VY_E_INVAL (over 4 GiB).
 */
int vy_rep_data_layout(const char *data_path, struct vy_dev_mk_resource *res,
		       size_t nres, uint32_t *words, struct vy_err *e);

/* Copy the file @path into the session's data buffer (what fits). */
int vy_rep_data_load(struct vy_mk *mk, const char *path, struct vy_err *e);

/* ---- snapshots -------------------------------------------------------- */

/* An open snapshot stream; @name for messages. */
struct vy_rep_snapout {
	FILE *f;
	const char *name;
};

/*
 * vy_dev_mk_run_opts.on_snapshot: append one VYRD snapshot to the stream
 * @arg (struct vy_rep_snapout *) and flush it.  Errors: VY_E_IO.
 */
int vy_rep_snapshot_write(void *arg, const struct vy_snapshot *s,
			  struct vy_err *e);

/*
 * Write control.bin, ring.bin, debug.bin and io.bin into @dir (made when
 * missing), each atomically.  Errors: VY_E_IO.
 */
int vy_rep_dump_dir(const char *dir, const struct vy_snapshot *s,
		    struct vy_err *e);

/* ---- the run report --------------------------------------------------- */

struct vy_rep_launch_seed;

/* Everything the report says.  The caller owns every pointer. */
struct vy_rep_launch {
	struct vy_dev_mk_info info;	/* what ran */
	struct vy_dev_mk_stats st;
	struct vy_dev_mk_run_result *r;
	const struct vy_snapshot *snap;	/* the final snapshot */
	const struct vy_tel_printf_formats *pf;	/* NULL: no formats */
	const char *work;		/* "synthetic", a file, "<stdin>" */
	struct vy_dev_limits lim;	/* the device's limits */
	struct vy_pol_launch_geometry chosen;	/* the policy's geometry */
	const struct vy_rep_launch_seed *seed;	/* launch_seed.h; NULL: the
						   seed's members read 0 */
	uint64_t setup_ns;		/* device open, kernel build, geometry */
	uint64_t items_given;		/* items the source held at the start */
};

/*
 * The report as a JSON object (schema added by the writer); the same keys
 * as vyre-launch(1) lists.  New reference.
 */
json_t *vy_rep_launch_json(struct vy_rep_launch *rp);

/* The table: one "name value" line per member, nested ones as a.b. */
void vy_rep_launch_table(FILE *f, json_t *doc);

/*
 * Why the run ended, on @f as "PROG: ..." lines, and the exit status it
 * means (0, 6, 128 + @sig).  @timeout_s and @stall_s are the bounds the
 * run had; @inflight the slots still in flight.
 */
int vy_rep_launch_verdict(FILE *f, const char *prog,
			  const struct vy_rep_launch *rp, double timeout_s,
			  double stall_s, uint32_t inflight, int sig);

#endif
