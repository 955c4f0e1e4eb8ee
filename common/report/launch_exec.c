/* SPDX-License-Identifier: MIT */
#include "report/launch_exec.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/decode.h"
#include "report/launch_run.h"
#include "report/launch_seed.h"
#include "telemetry/telemetry.h"
#include "wire/util.h"

static int fail(struct vy_rep_launch_opts *o, struct vy_mk *mk,
		const struct vy_err *e, int err)
{
	vy_out_abort(o->snap_out);
	vy_rep_err(o->err, o->cli.prog, e);
	vy_dev_mk_close(mk);
	return vy_err_exit(err);
}

/*
 * A device error after the device opened: the final snapshot still goes
 * out (the host's last copy of each buffer when the device cannot be read
 * back), its run section saying device_error, so that a post-mortem has
 * it; vyre-launch(1).  @e0 is the error; returns the exit status.
 */
static int fail_device(struct vy_rep_launch_opts *o, struct vy_mk *mk,
		       struct vy_rep_runrec *rr, struct vy_rep_snapout *so,
		       const struct vy_err *e0)
{
	struct vy_snapshot snap;
	struct vy_err e;

	vy_rep_err(o->err, o->cli.prog, e0);
	vy_err_clear(&e);
	vy_dev_mk_snapshot(mk, &snap, &e);
	if (so->f && (vy_rep_runrec_attach(rr, &snap, VY_RUN_DEVICE_ERROR,
					   VY_EXIT_DEVICE, &e) ||
		      vy_rep_snapshot_write(so, &snap, &e))) {
		vy_rep_err(o->err, o->cli.prog, &e);
		vy_out_abort(o->snap_out);
		so->f = NULL;
		o->out_failed = 1;
	}
	vy_rep_runrec_free(rr);
	vy_dev_mk_close(mk);
	return VY_EXIT_DEVICE;
}

/* The progress line: on a terminal, unless -q. */
struct progress {
	FILE *err;
	const char *prog;
	uint64_t total;		/* items the run was given; 0: unknown */
	double timeout_s;
	int shown, warned;
};

static void on_progress(void *arg, const struct vy_dev_mk_run_result *r,
			uint64_t elapsed_ns)
{
	struct progress *p = arg;
	double secs = elapsed_ns / 1e9;
	double rate = secs > 0 ? r->processed / secs : 0;

	/*
	 * A run that cannot finish says so as soon as the rate is known,
	 * not after the timeout: the time it needs at this rate.
	 */
	if (!p->warned && p->total && rate > 0 &&
	    (secs >= 1.0 || secs >= p->timeout_s / 4)) {
		double need = p->total / rate;

		p->warned = 1;
		if (need > p->timeout_s) {
			fprintf(p->err, "%s%s: at %.2f M items/s, %" PRIu64
				" items need about %.0f s, more than --timeout %g\n"
				"%s: hint: give --timeout %.0f, or fewer items\n",
				p->shown ? "\r\033[K" : "", p->prog, rate / 1e6,
				p->total, need, p->timeout_s, p->prog,
				need * 1.5 + 1);
			p->shown = 0;
		}
	}
	if (!isatty(fileno(p->err)))
		return;
	fprintf(p->err, "\r\033[K%s: %" PRIu64, p->prog, r->processed);
	if (p->total)
		fprintf(p->err, " of %" PRIu64, p->total);
	fprintf(p->err, " items, %.2f M items/s, %.1f s", rate / 1e6, secs);
	p->shown = 1;
}

int vy_rep_launch_run(struct vy_rep_launch_opts *o, struct vy_rep_work *src,
		      struct vy_rep_snapout *so, json_t **doc)
{
	struct vy_mk *mk = NULL;
	struct vy_dev_mk_run_opts ro;
	struct vy_dev_mk_run_result r;
	struct vy_snapshot snap;
	struct vy_tel_printf_formats pf = { 0 };
	struct vy_rep_launch rp;
	struct vy_rep_launch_seed seed;
	struct vy_rep_runrec rr;
	struct progress prog = { 0 };
	struct vy_err e;
	FILE *verdict;
	char *vtext = NULL;
	size_t vlen = 0;
	uint64_t t_setup, t_plan, t_run;
	int err, status = VY_EXIT_OK;

	*doc = NULL;
	vy_err_clear(&e);
	memset(&rp, 0, sizeof(rp));
	memset(&seed, 0, sizeof(seed));
	memset(&r, 0, sizeof(r));
	if (o->printf_formats) {
		err = vy_rep_printf_formats_load(o->printf_formats, &pf, &e);
		if (err)
			return fail(o, NULL, &e, err);
	}
	t_setup = vy_now_ns();
	err = vy_dev_mk_open(&mk, &o->cfg, &e);
	/* queue_plan_ns: the host's queue shaping, not device set-up */
	t_plan = vy_now_ns();
	/* a repeated run's work list was deduplicated by the first */
	seed.initial_items = vy_rep_work_count(src) + o->deduped_items;
	seed.budget_bytes = o->budget_bytes;
	if (!err && o->dedupe && !o->deduped)
		err = vy_rep_work_dedupe(src, &o->deduped_items, &e);
	o->deduped = 1;
	seed.deduped_items = o->deduped_items;
	if (!err)
		err = vy_rep_runrec_init(&rr, o->argc, o->argv, src, o->have_synthetic ?
					 "synthetic" : strcmp(o->workfile, "-") ?
					 o->workfile : "<stdin>", &e);
	if (err) {
		vy_tel_printf_formats_free(&pf);
		return fail(o, mk, &e, err);
	}
	rr.mk = mk;
	rr.so = so;
	err = vy_rep_launch_setup(mk, o->workgroups, o->workgroup_size,
				  &rp.lim, &rp.chosen, &e);
	if (!err)
		err = vy_rep_launch_seed_plan(mk, &rp.lim, &seed, &e);
	seed.queue_plan_ns = vy_now_ns() - t_plan;
	if (!err && o->data_path)
		err = vy_rep_data_load(mk, o->data_path, &e);
	if (err) {
		vy_tel_printf_formats_free(&pf);
		if (vy_err_exit(err) == VY_EXIT_DEVICE)
			return fail_device(o, mk, &rr, so, &e);
		vy_rep_runrec_free(&rr);
		return fail(o, mk, &e, err);
	}
	if (!o->cfg.producers) {
		struct vy_dev_mk_info in;

		/* not given: decided by the device (its cores, or not) */
		vy_dev_mk_get_info(mk, &in);
		(void)vy_dev_mk_set_producers(
			mk, vy_dev_mk_auto_producers(&in.dev), NULL);
	}
	vy_dev_mk_set_resources(mk, o->res, o->nres);
	rp.setup_ns = vy_now_ns() - t_setup;
	prog.err = o->err;
	prog.prog = o->cli.prog;
	prog.total = vy_rep_work_left(src);
	prog.timeout_s = o->timeout_s;

	memset(&ro, 0, sizeof(ro));
	ro.next = vy_rep_work_next;
	ro.fill = vy_rep_work_fill;
	ro.produce = vy_rep_work_produce;
	ro.advance = vy_rep_work_advance;
	ro.arg = src;
	ro.timeout_ns = (uint64_t)(o->timeout_s * 1e9);
	ro.stall_ns = (uint64_t)(o->stall_s * 1e9);
	ro.interval_ns = o->interval_ms * 1000000ull;
	ro.stop = o->stop;
	ro.batch = o->batch;
	if (o->interval_ms) {
		ro.on_snapshot = vy_rep_runrec_on_snapshot;
		ro.snap_arg = &rr;
	}
	if (!o->cli.quiet) {
		ro.on_progress = on_progress;
		ro.progress_arg = &prog;
	}
	t_run = vy_now_ns();
	/* an empty work list: the seed's default report, no dispatch */
	if (seed.initial_items == 0)
		err = vy_dev_mk_upload(mk, &e);
	else
		err = vy_dev_mk_run(mk, &ro, &r, &e);
	if (prog.shown)
		fputs("\r\033[K", o->err);
	if (err) {
		vy_rep_err(o->err, o->cli.prog, &e);
		status = vy_err_exit(err);
	}
	if (vy_dev_mk_snapshot(mk, &snap, &e)) {
		free(r.faults);
		vy_tel_printf_formats_free(&pf);
		return fail_device(o, mk, &rr, so, &e);
	}
	/* the run as a user times it: start, work, stop, final snapshot */
	r.wall_ns = vy_now_ns() - t_run;
	/* items the source never handed out are remaining too */
	r.remaining += vy_rep_work_left(src);
	vy_dev_mk_get_info(mk, &rp.info);
	vy_dev_mk_get_stats(mk, &rp.st);
	rp.r = &r;
	rp.seed = &seed;
	rp.snap = &snap;
	rp.pf = o->printf_formats ? &pf : NULL;
	rp.work = rr.work;
	rp.items_given = prog.total;
	/* the verdict is printed last, but the snapshot records its status */
	verdict = open_memstream(&vtext, &vlen);
	if (!err) {
		int v = vy_rep_launch_verdict(verdict ? verdict : o->err, o->cli.prog,
					      &rp, o->timeout_s, o->stall_s,
					      vy_dev_mk_inflight(mk), *o->stop);

		status = v;
	}
	if (verdict)
		fclose(verdict);
	if (status == VY_EXIT_OK && o->strict && r.faulted)
		status = VY_EXIT_NEGATIVE;
	if (vy_rep_runrec_attach(&rr, &snap, vy_rep_run_end_of(r.end, err),
				 (uint32_t)status, &e)) {
		vy_rep_err(o->err, o->cli.prog, &e);
		status = vy_err_exit(VY_E_NOMEM);
	}
	if (so->f && vy_rep_snapshot_write(so, &snap, &e)) {
		vy_rep_err(o->err, o->cli.prog, &e);
		vy_out_abort(o->snap_out);
		so->f = NULL;
		o->out_failed = 1;
	}
	if (o->dump_dir && vy_rep_dump_dir(o->dump_dir, &snap, &e)) {
		vy_rep_err(o->err, o->cli.prog, &e);
		o->out_failed = 1;
	}
	*doc = vy_rep_launch_json(&rp);
	json_object_set_new(*doc, "faulted_items", vy_rep_faults_json(&rr, &r));
	if (vtext)
		fputs(vtext, o->err);
	if (status == VY_EXIT_NEGATIVE)
		fprintf(o->err, "%s: %llu items faulted (--strict)\n",
			o->cli.prog, (unsigned long long)r.faulted);
	free(vtext);
	free(r.faults);
	vy_rep_runrec_free(&rr);
	vy_tel_printf_formats_free(&pf);
	vy_dev_mk_close(mk);
	return status;
}
