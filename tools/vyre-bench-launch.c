/* SPDX-License-Identifier: MIT */
/*
 * vyre-bench-launch - persistent megakernel vs relaunch, side by side in
 * one process on one device.
 *
 *   latency     one slot at a time, publish -> finish observed; persistent
 *               (pipelined DONE_COUNT watch, and a blocking-read variant)
 *               vs relaunch (write slot + once kernel + read, per item).
 *   throughput  batches of B items (default 1, 64, 4096): persistent
 *               (publish B, wait for all) vs relaunch-per-batch (publish B,
 *               one once dispatch, read); and persistent with the ring
 *               kept fed (4 x B slots, a batch published whenever B are
 *               free, no wait for a batch to finish).
 *
 * Staging: in place (vy_dev_mk_produce) with --producers threads; the
 * persistent runs publish every --chunk items of a batch as they are
 * staged, so the kernel starts on the first chunk while the host stages
 * the rest (the host still waits for the whole batch before the next).
 *
 * Prints a Markdown table (or JSON lines with -j).  Every item is ATOMIC_ADD
 * 1 to control word 150; the final word is checked against the item count.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/emit.h"
#include "report/launch.h"
#include "device/megakernel.h"
#include "wire/protocol.h"
#include "wire/util.h"
#include "wire/workfile.h"

#define PROG "vyre-bench-launch"

struct bopts {
	const char *device;
	enum vy_dev_transport_kind transport;
	uint32_t latency_items;
	uint64_t throughput_items;
	uint32_t batches[8];
	int nbatches;
	uint32_t workgroups, workgroup_size;
	double timeout_s;
	int json;
	int breakdown;
	uint32_t obs_linear;
	int scan_claim;
	int status_completion;
	int no_done_tail;
	int per_item;		/* vy_dev_mk_stage per item (baseline) */
	int small_pinned;	/* small writes from the pinned images */
	uint32_t producers;	/* staging threads (vy_dev_mk_produce) */
	uint32_t chunk;		/* persistent: flush every chunk items;
				   0 = once per batch */
};

/*
 * One flush per batch: on the H200 chunks of 8192 cost a publish and a
 * counter read each (19.9 commands a batch of 65536 against 7.9) and the
 * wait grew (580 against 360 us; docs/BENCHMARKS.md, measurement 7).
 */
#define DEFAULT_CHUNK 0u

static int open_session(const struct bopts *o, int persistent, uint32_t slots,
			int blocking, struct vy_mk **mk, struct vy_err *e)
{
	struct vy_dev_mk_params cfg = { 0 };
	int err;

	cfg.device = o->device;
	cfg.transport = o->transport;
	cfg.persistent = persistent;
	cfg.slots = slots;
	cfg.tenant_count = 1;
	cfg.observe_blocking = blocking;
	cfg.obs_linear_slots = o->obs_linear;
	cfg.scan_claim = o->scan_claim;
	cfg.status_completion = o->status_completion;
	cfg.no_done_tail = o->no_done_tail;
	cfg.small_pinned = o->small_pinned;
	cfg.kernel_timing = o->breakdown;
	cfg.producers = o->producers;
	err = vy_dev_mk_open(mk, &cfg, e);
	if (!err)
		err = vy_rep_launch_setup(*mk, o->workgroups,
					  o->workgroup_size, NULL, NULL, e);
	if (!err)
		err = vy_dev_mk_start(*mk, e);
	return err;
}

/* Stage n items into free slots; the caller knows n slots are free. */
static int stage_n(struct vy_mk *mk, uint32_t n, uint64_t *tag,
		   struct vy_err *e)
{
	struct vy_wf_item it;

	for (uint32_t i = 0; i < n; i++) {
		int64_t s = vy_dev_mk_free_slot(mk);
		int err;

		if (s < 0)
			return vy_errf(e, VY_E_INVAL, NULL, "ring too small");
		vy_workfile_synthetic(VY_OP_ATOMIC_ADD, *tag, &it);
		err = vy_dev_mk_stage(mk, (uint32_t)s, it.w, (*tag)++, e);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The synthetic items, as vyre-launch --synthetic stages them
 * (vy_rep_work_produce): every one has the same words (workfile.h), so
 * any number of threads may write them.
 */
static struct vy_rep_work synth;

static void synth_init(void)
{
	/* a synthetic source: no file to read, nothing to fail */
	(void)vy_rep_work_load(&synth, NULL, 0, UINT64_MAX / 2,
			       VY_OP_ATOMIC_ADD, NULL);
}

/*
 * Stage up to @n items in place (vy_dev_mk_produce, o->producers
 * threads), as many as the ring has free in order, with a flush after
 * every @chunk (0: none; the caller flushes what is left); returns how
 * many (0 while the next slot is in flight).
 */
static uint32_t stage_some(struct vy_mk *mk, uint32_t n, uint32_t chunk,
			   uint64_t *tag, struct vy_err *e, int *err)
{
	uint32_t done = 0, since = 0;

	while (done < n) {
		uint32_t want = n - done;
		int k;

		if (chunk && want > chunk - since)
			want = chunk - since;
		k = vy_dev_mk_produce(mk, want, *tag, vy_rep_work_produce,
				      &synth, e);
		if (k <= 0) {
			*err = k;
			break;
		}
		*tag += (uint32_t)k;
		done += (uint32_t)k;
		since += (uint32_t)k;
		if (chunk && since == chunk) {
			since = 0;
			*err = vy_dev_mk_flush(mk, e);
			if (*err)
				break;
		}
	}
	return done;
}

/*
 * Stage n items in place (stage_some), a flush every @chunk; without
 * o->per_item: stage_n is the per-item baseline.  The caller knows n
 * slots are free.
 */
static int stage_bulk(struct vy_mk *mk, uint32_t n, uint32_t chunk,
		      uint64_t *tag, struct vy_err *e)
{
	int err = 0;

	if (stage_some(mk, n, chunk, tag, e, &err) < n && !err)
		err = vy_errf(e, VY_E_INVAL, NULL, "ring too small");
	return err;
}

/* Wait until nothing is in flight; the last completion time in *last. */
static int drain(struct vy_mk *mk, uint64_t deadline, uint64_t *last,
		 struct vy_err *e)
{
	struct vy_dev_mk_done d[64];

	while (vy_dev_mk_inflight(mk)) {
		int n = vy_dev_mk_poll(mk, d, 64, e);

		if (n < 0)
			return n;
		if (!n)
			vy_dev_mk_idle(mk);
		for (int i = 0; i < n && i < 64; i++)
			if (d[i].done_ns > *last)
				*last = d[i].done_ns;
		if (vy_now_ns() > deadline)
			return vy_errf(e, VY_E_TIMEOUT, NULL,
				       "benchmark step timed out");
	}
	return 0;
}

static int check_word(struct vy_mk *mk, uint64_t want, struct vy_err *e)
{
	uint32_t v;
	int err = vy_dev_mk_read_control(mk, 150, &v, e);

	if (err)
		return err;
	if (v != (uint32_t)want)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "control word 150 is %u, want %llu", v,
			       (unsigned long long)want);
	return 0;
}

struct lat {
	uint64_t p50, p99, n;
	double cmds, flushes, reads;	/* per measured item (breakdown) */
	double enq_us;			/* host time queuing commands */
	double split_us[4];		/* payload, status, read, flush */
};

static int bench_latency(const struct bopts *o, int persistent, int blocking,
			 struct lat *out, struct vy_err *e)
{
	struct vy_mk *mk;
	struct vy_dev_mk_stats s0, s1;
	uint64_t *v, tag = 0, dl = vy_now_ns() + (uint64_t)(o->timeout_s * 1e9);
	uint32_t warm = o->latency_items / 10 + 1;
	int err;

	err = open_session(o, persistent, 256, blocking, &mk, e);
	if (err) {
		vy_dev_mk_close(mk);
		return err;
	}
	v = calloc(o->latency_items + warm, sizeof(*v));
	if (!v) {
		vy_dev_mk_close(mk);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	for (uint32_t i = 0; i < o->latency_items + warm && !err; i++) {
		uint64_t t0 = vy_now_ns(), last = 0;

		if (i == warm)
			vy_dev_mk_get_stats(mk, &s0);

		err = stage_n(mk, 1, &tag, e);
		if (!err)
			err = persistent ? vy_dev_mk_flush(mk, e) :
					   vy_dev_mk_dispatch(mk, dl, e);
		if (!err)
			err = drain(mk, dl, &last, e);
		v[i] = last - t0;
	}
	vy_dev_mk_get_stats(mk, &s1);
	if (!err)
		err = check_word(mk, tag, e);
	if (persistent && !err)
		err = vy_dev_mk_stop(mk, 2000000000ull, e);
	vy_dev_mk_close(mk);
	if (!err) {
		double k = (double)o->latency_items;

		out->cmds = (double)(s1.t.commands - s0.t.commands) / k;
		out->flushes = (double)(s1.t.flushes - s0.t.flushes) / k;
		out->reads = (double)(s1.status_reads - s0.status_reads) / k;
		for (int i = 0; i < 3; i++)
			out->split_us[i] = (double)(s1.t.enqueue_ns[i] -
						    s0.t.enqueue_ns[i]) /
					   1e3 / k;
		out->split_us[3] =
			(double)(s1.t.flush_ns - s0.t.flush_ns) / 1e3 / k;
		out->enq_us = (double)(s1.publish_ns - s0.publish_ns +
				       s1.observe_ns - s0.observe_ns) /
			      1e3 / k;
		vy_rep_sort_u64(v + warm, o->latency_items);
		out->p50 = vy_rep_percentile(v + warm, o->latency_items, 0.5);
		out->p99 = vy_rep_percentile(v + warm, o->latency_items, 0.99);
		out->n = o->latency_items;
	}
	free(v);
	return err;
}

static int bench_throughput(const struct bopts *o, int persistent,
			    uint32_t batch, double *ips, struct vy_err *e)
{
	struct vy_mk *mk;
	uint64_t tag = 0, dl = vy_now_ns() + (uint64_t)(o->timeout_s * 1e9);
	uint64_t rounds = o->throughput_items / batch, t0, last = 0;
	uint64_t stage_ns = 0, drain_ns = 0;
	struct vy_dev_mk_stats s0, s1;
	uint32_t slots = batch < 256 ? 256 : batch, chunk;
	int err;

	if (rounds < 3)
		rounds = 3;
	err = open_session(o, persistent, slots, 0, &mk, e);
	if (err) {
		vy_dev_mk_close(mk);
		return err;
	}
	/* relaunch: one dispatch per batch, whatever --chunk says */
	chunk = persistent ? o->chunk : 0;
	/* one warm-up round (it starts the staging threads too) */
	err = o->per_item ? stage_n(mk, batch, &tag, e) :
			    stage_bulk(mk, batch, chunk, &tag, e);
	if (!err)
		err = persistent ? vy_dev_mk_flush(mk, e) : vy_dev_mk_dispatch(mk, dl, e);
	if (!err)
		err = drain(mk, dl, &last, e);
	vy_dev_mk_get_stats(mk, &s0);
	t0 = vy_now_ns();
	for (uint64_t r = 0; r < rounds && !err; r++) {
		uint64_t a = vy_now_ns(), b;

		/* with --chunk the kernel runs while the rest is staged */
		err = o->per_item ? stage_n(mk, batch, &tag, e) :
				    stage_bulk(mk, batch, chunk, &tag, e);
		b = vy_now_ns();
		stage_ns += b - a;
		if (!err)
			err = persistent ? vy_dev_mk_flush(mk, e) :
					   vy_dev_mk_dispatch(mk, dl, e);
		a = vy_now_ns();
		if (!err)
			err = drain(mk, dl, &last, e);
		drain_ns += vy_now_ns() - a;
	}
	vy_dev_mk_get_stats(mk, &s1);
	if (!err) {
		uint64_t ns = vy_now_ns() - t0;

		*ips = (double)(rounds * batch) * 1e9 / (double)(ns ? ns : 1);
		if (o->breakdown)
			fprintf(stderr,
				"%s batch %u: %.1f us staging, %.1f us waiting for completion, %.1f commands, %.1f status reads, %.1f counter looks, %.2f freed by counter, %.2f freed by DONE_TAIL, %.1f us publishing, %.1f us queuing reads, %.1f us in the once kernel (device) per batch\n",
				persistent ? "persistent" : "relaunch", batch,
				(double)stage_ns / 1e3 / rounds,
				(double)drain_ns / 1e3 / rounds,
				(double)(s1.t.commands - s0.t.commands) / rounds,
				(double)(s1.status_reads - s0.status_reads) /
					rounds,
				(double)(s1.counter_looks - s0.counter_looks) /
					rounds,
				(double)(s1.counter_frees - s0.counter_frees) /
					rounds,
				(double)(s1.tail_frees - s0.tail_frees) /
					rounds,
				(double)(s1.publish_ns - s0.publish_ns) / 1e3 /
					rounds,
				(double)(s1.observe_ns - s0.observe_ns) / 1e3 /
					rounds,
				s1.kernels_timed > s0.kernels_timed ?
					(double)(s1.kernel_ns - s0.kernel_ns) /
						1e3 /
						(double)(s1.kernels_timed -
							 s0.kernels_timed) :
					0.0);
		err = check_word(mk, tag, e);
	}
	if (persistent && !err)
		err = vy_dev_mk_stop(mk, 2000000000ull, e);
	vy_dev_mk_close(mk);
	return err;
}


/*
 * Persistent, the ring kept fed: FED_RINGS x @batch slots, a batch
 * published whenever that many are free, completions taken as they come;
 * the host never waits for a batch to finish before publishing the next,
 * which is what a persistent kernel is for.  Same items as the batch
 * measurement.
 */
#define FED_RINGS 4u
static int bench_fed(const struct bopts *o, uint32_t batch, double *ips,
		     struct vy_err *e)
{
	struct vy_mk *mk;
	struct vy_dev_mk_stats s0, s1;
	uint64_t tag = 0, dl = vy_now_ns() + (uint64_t)(o->timeout_s * 1e9);
	uint64_t rounds = o->throughput_items / batch, total, left, t0, last = 0;
	uint64_t slots64 = (uint64_t)batch * FED_RINGS;
	uint32_t slots;
	int err;

	if (rounds < 3)
		rounds = 3;
	total = rounds * batch;
	if (slots64 < 256)
		slots64 = 256;
	if (slots64 > VY_MAX_ENCODED_RING_SLOTS)
		slots64 = VY_MAX_ENCODED_RING_SLOTS;
	slots = (uint32_t)slots64;
	err = open_session(o, 1, slots, 0, &mk, e);
	if (err) {
		vy_dev_mk_close(mk);
		return err;
	}
	/* one warm-up batch */
	err = stage_bulk(mk, batch, o->chunk, &tag, e);
	if (!err)
		err = vy_dev_mk_flush(mk, e);
	if (!err)
		err = drain(mk, dl, &last, e);
	left = total;
	vy_dev_mk_get_stats(mk, &s0);
	t0 = vy_now_ns();
	while (!err && (left || vy_dev_mk_inflight(mk))) {
		uint32_t want = left < batch ? (uint32_t)left : batch;
		int n, moved = 0;

		/* publish while a whole batch fits */
		while (!err && left && slots - vy_dev_mk_inflight(mk) >= want) {
			uint32_t k = stage_some(mk, want, o->chunk, &tag, e,
						&err);

			if (!k)
				break;
			left -= k;
			if (!err)
				err = vy_dev_mk_flush(mk, e);
			moved = 1;
			want = left < batch ? (uint32_t)left : batch;
		}
		if (err)
			break;
		n = vy_dev_mk_poll(mk, NULL, 0, e);
		if (n < 0) {
			err = n;
			break;
		}
		if (!n && !moved)
			vy_dev_mk_idle(mk);
		if (vy_now_ns() > dl)
			err = vy_errf(e, VY_E_TIMEOUT, NULL,
				      "benchmark step timed out");
	}
	if (!err) {
		uint64_t ns = vy_now_ns() - t0;

		*ips = (double)total * 1e9 / (double)(ns ? ns : 1);
		if (o->breakdown) {
			double nb = (double)total / batch;

			vy_dev_mk_get_stats(mk, &s1);
			fprintf(stderr,
				"fed batch %u: %.1f commands, %.1f status reads, %.1f counter looks, %.2f freed by counter, %.2f freed by DONE_TAIL per batch\n",
				batch,
				(double)(s1.t.commands - s0.t.commands) / nb,
				(double)(s1.status_reads - s0.status_reads) / nb,
				(double)(s1.counter_looks - s0.counter_looks) /
					nb,
				(double)(s1.counter_frees - s0.counter_frees) /
					nb,
				(double)(s1.tail_frees - s0.tail_frees) / nb);
		}
		err = check_word(mk, tag, e);
	}
	if (!err)
		err = vy_dev_mk_stop(mk, 2000000000ull, e);
	vy_dev_mk_close(mk);
	return err;
}

static void lat_json(const char *name, const struct lat *l)
{
	printf("{\"latency\":\"%s\",\"p50_ns\":%llu,\"p99_ns\":%llu,\"n\":%llu,\"commands_per_item\":%.2f,\"flushes_per_item\":%.2f,\"status_reads_per_item\":%.2f,\"enqueue_us_per_item\":%.2f}\n",
	       name, (unsigned long long)l->p50, (unsigned long long)l->p99,
	       (unsigned long long)l->n, l->cmds, l->flushes, l->reads,
	       l->enq_us);
}

static void lat_row(const char *name, const struct lat *l,
		    const struct lat *base)
{
	printf("| %s | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f | %.1f |\n", name,
	       l->p50 / 1e3, l->p99 / 1e3,
	       base->p50 ? (double)l->p50 / (double)base->p50 : 0, l->cmds,
	       l->flushes, l->reads, l->enq_us);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Persistent megakernel vs relaunch per item/batch, one device, one run.\n"
		"  -d, --device SPEC          device (default: first GPU, else PoCL)\n"
		"      --transport KIND       shared, copy or auto (default: auto)\n"
		"      --latency-items N      round trips measured (default: 2000)\n"
		"      --throughput-items N   items per throughput point (default: 20000)\n"
		"      --batches LIST         batch sizes (default: 1,64,4096)\n"
		"      --workgroups N         persistent work-groups (default: policy)\n"
		"      --workgroup-size N     lanes per work-group (default: policy)\n"
		"      --timeout SEC          bound of each measurement (default: 60)\n"
		"      --breakdown            per-batch counts and host times on stderr\n"
		"                             (staging includes the flushes of --chunk)\n"
		"      --producers N          staging threads, the caller's included,\n"
		"                             1..64 (default: online CPUs - 1, at\n"
		"                             most 4, at least 1: %u here); the\n"
		"                             relaunch baseline stages with them too\n"
		"      --chunk N              persistent runs: publish every N staged\n"
		"                             items of a batch, so the kernel starts\n"
		"                             while the rest is staged; 0 = one flush\n"
		"                             per batch (default: %u); the relaunch\n"
		"                             baseline keeps one dispatch per batch\n"
		"      --obs-linear N         status reads of up to N slots read whole\n"
		"                             rows (default: 4096; copy transport)\n"
		"      --scan-claim           persistent: the scanning claim instead of\n"
		"                             the ticket claim (the comparison baseline)\n"
		"      --stage-per-item       throughput batch by batch: stage item by\n"
		"                             item (the comparison baseline) instead of\n"
		"                             in place; the ring kept fed stages in place\n"
		"      --status-completion    ticket claim: read slot statuses on every\n"
		"                             look instead of the RETIRED counter\n"
		"                             (the comparison baseline)\n"
		"      --no-done-tail         ticket claim: never free by DONE_TAIL\n"
		"                             (word 145; the comparison baseline)\n"
		"      --pinned-small-writes  copy transport: writes of up to 256\n"
		"                             bytes (a few slots' rows, PUBLISH_HEAD)\n"
		"                             from the pinned images instead of\n"
		"                             pageable copies (the comparison baseline)\n"
		"  -j, --json                 JSON lines instead of a Markdown table\n"
		"  -h, --help                 this help\n"
		"  -V, --version              version\n",
		vy_dev_mk_host_producers(), DEFAULT_CHUNK);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "transport", required_argument, NULL, 't' },
		{ "latency-items", required_argument, NULL, 'l' },
		{ "throughput-items", required_argument, NULL, 'n' },
		{ "batches", required_argument, NULL, 'b' },
		{ "workgroups", required_argument, NULL, 'g' },
		{ "workgroup-size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "breakdown", no_argument, NULL, 'B' },
		{ "obs-linear", required_argument, NULL, 'O' },
		{ "scan-claim", no_argument, NULL, 'S' },
		{ "status-completion", no_argument, NULL, 'C' },
		{ "no-done-tail", no_argument, NULL, 'D' },
		{ "stage-per-item", no_argument, NULL, 'P' },
		{ "pinned-small-writes", no_argument, NULL, 'Q' },
		{ "producers", required_argument, NULL, 'p' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bopts o = { 0 };
	struct vy_err e;
	struct lat rl, pl, pb;
	struct vy_mk *mk;
	struct vy_dev_mk_info info;
	char dev[300];
	uint64_t v;
	int c, err;

	o.latency_items = 2000;
	o.throughput_items = 20000;
	o.timeout_s = 60;
	o.batches[0] = 1;
	o.batches[1] = 64;
	o.batches[2] = 4096;
	o.nbatches = 3;
	o.producers = vy_dev_mk_host_producers();
	o.chunk = DEFAULT_CHUNK;
	synth_init();
	while ((c = getopt_long(argc, argv, "d:jhV", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.device = optarg;
			break;
		case 't':
			if (vy_dev_transport_parse(optarg, &o.transport, &e))
				goto bad;
			break;
		case 'l':
			if (vy_parse_u64(optarg, 1u << 24, 1, &v) || !v)
				goto bad;
			o.latency_items = (uint32_t)v;
			break;
		case 'n':
			if (vy_parse_u64(optarg, 1ull << 32, 1, &v) || !v)
				goto bad;
			o.throughput_items = v;
			break;
		case 'b': {
			char *s = optarg, *tok;

			o.nbatches = 0;
			while ((tok = strsep(&s, ",")) && o.nbatches < 8) {
				if (vy_parse_u64(tok, 1u << 20, 1, &v) || !v)
					goto bad;
				o.batches[o.nbatches++] = (uint32_t)v;
			}
			break;
		}
		case 'g':
			if (vy_parse_u64(optarg, 1u << 20, 0, &v) || !v)
				goto bad;
			o.workgroups = (uint32_t)v;
			break;
		case 's':
			if (vy_parse_u64(optarg, 1u << 16, 0, &v) || !v)
				goto bad;
			o.workgroup_size = (uint32_t)v;
			break;
		case 'T':
			if (vy_parse_u64(optarg, 3600, 0, &v) || !v)
				goto bad;
			o.timeout_s = (double)v;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'B':
			o.breakdown = 1;
			break;
		case 'O':
			if (vy_parse_u64(optarg, 1u << 20, 0, &v) || !v)
				goto bad;
			o.obs_linear = (uint32_t)v;
			break;
		case 'S':
			o.scan_claim = 1;
			break;
		case 'C':
			o.status_completion = 1;
			break;
		case 'D':
			o.no_done_tail = 1;
			break;
		case 'P':
			o.per_item = 1;
			break;
		case 'Q':
			o.small_pinned = 1;
			break;
		case 'p':
			if (vy_parse_u64(optarg, VY_MK_PRODUCERS_MAX, 0, &v) ||
			    !v)
				goto bad;
			o.producers = (uint32_t)v;
			break;
		case 'c':
			if (vy_parse_u64(optarg, 1u << 20, 0, &v))
				goto bad;
			o.chunk = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROG " %s\n", VY_VERSION);
			return 0;
		default:
			fprintf(stderr, PROG ": hint: try --help\n");
			return VY_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n"
				PROG ": hint: try --help\n", argv[optind]);
		return VY_EXIT_USAGE;
	}
	/* the device and geometry, for the header */
	err = open_session(&o, 1, 256, 0, &mk, &e);
	if (err)
		goto fail;
	vy_dev_mk_get_info(mk, &info);
	err = vy_dev_mk_stop(mk, 2000000000ull, &e);
	vy_dev_mk_close(mk);
	if (err)
		goto fail;
	vy_dev_cl_describe(&info.dev, dev, sizeof(dev));
	if ((err = bench_latency(&o, 0, 0, &rl, &e)) ||
	    (err = bench_latency(&o, 1, 0, &pl, &e)) ||
	    (err = bench_latency(&o, 1, 1, &pb, &e)))
		goto fail;
	if (o.json) {
		printf("{\"schema\":\"vyre-bench-launch/1\",\"device\":\"%s\",\"transport\":\"%s\",\"workgroups\":%u,\"workgroup_size\":%u,\"producers\":%u,\"chunk\":%u}\n",
		       dev, vy_dev_transport_name(info.transport), info.workgroups,
		       info.workgroup_size, o.producers, o.chunk);
		lat_json("relaunch", &rl);
		lat_json("persistent", &pl);
		lat_json("persistent_blocking_poll", &pb);
	} else {
		printf("device: %s; transport %s; persistent geometry %u x %u lanes; %u staging threads, chunk %u\n\n",
		       dev, vy_dev_transport_name(info.transport), info.workgroups,
		       info.workgroup_size, o.producers, o.chunk);
		printf("| round trip of one slot | p50 µs | p99 µs | p50 vs relaunch | commands/item | flushes/item | status reads/item | host queuing µs/item |\n");
		printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
		lat_row("relaunch (write + once kernel + read)", &rl, &rl);
		lat_row("persistent, pipelined status reads", &pl, &rl);
		lat_row("persistent, blocking status read per look", &pb, &rl);
		if (o.breakdown) {
			fprintf(stderr,
				"host µs/item (payload write, status write, status read, flush): relaunch %.2f %.2f %.2f %.2f; persistent %.2f %.2f %.2f %.2f\n",
				rl.split_us[0], rl.split_us[1], rl.split_us[2],
				rl.split_us[3], pl.split_us[0], pl.split_us[1],
				pl.split_us[2], pl.split_us[3]);
		}
		printf("\n| batch | relaunch items/s | persistent items/s | persistent / relaunch | persistent, ring kept fed, items/s | fed / relaunch |\n");
		printf("|---:|---:|---:|---:|---:|---:|\n");
	}
	fflush(stdout);
	for (int i = 0; i < o.nbatches; i++) {
		double r = 0, p = 0, f = 0;

		if ((err = bench_throughput(&o, 0, o.batches[i], &r, &e)) ||
		    (err = bench_throughput(&o, 1, o.batches[i], &p, &e)) ||
		    (err = bench_fed(&o, o.batches[i], &f, &e)))
			goto fail;
		if (o.json)
			printf("{\"batch\":%u,\"relaunch_items_per_s\":%.0f,\"persistent_items_per_s\":%.0f,\"persistent_fed_items_per_s\":%.0f}\n",
			       o.batches[i], r, p, f);
		else
			printf("| %u | %.0f | %.0f | %.2f | %.0f | %.2f |\n",
			       o.batches[i], r, p, r > 0 ? p / r : 0, f,
			       r > 0 ? f / r : 0);
		fflush(stdout);
	}
	return 0;
bad:
	for (int i = 0; lo[i].name; i++)
		if (lo[i].val == c)
			fprintf(stderr, PROG ": bad value '%s' for --%s\n"
					PROG ": hint: try --help\n",
				optarg, lo[i].name);
	return VY_EXIT_USAGE;
fail:
	vy_rep_err(stderr, PROG, &e);
	return vy_err_exit(err);
}
