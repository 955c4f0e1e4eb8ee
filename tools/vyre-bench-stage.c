/* SPDX-License-Identifier: MIT */
/*
 * vyre-bench-stage - the host's per-item cost of the megakernel session
 * without a device in the way: staging (vy_dev_mk_produce, or the
 * reserve/commit baseline), publishing (vy_dev_mk_flush) and freeing by
 * counter (vy_dev_mk_poll), per batch, as vyre-bench-launch's batch by
 * batch run does them.
 *
 * The session is persistent with the ticket claim but never started: no
 * kernel runs, and the benchmark itself writes RETIRED (control word 144),
 * as the kernel would after running every item, so that one poll frees
 * the batch.  On the shared transport (the default) publishing only moves
 * host state and RETIRED goes into the host image.  With --transport copy
 * the rows and the head are written to the device buffers, and RETIRED
 * too, read back before the free is timed (the queue drained): the free
 * then costs what it does on a GPU host, one read of the counters with
 * the bookkeeping.  Needs an OpenCL device for the session: PoCL, or a GPU
 * with --transport copy (the driver's own copies, no kernel started).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/megakernel.h"
#include "report/launch.h"
#include "wire/protocol.h"
#include "wire/util.h"

#define PROG "vyre-bench-stage"

static struct vy_rep_work synth;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Host cost of staging, publishing and freeing, per batch, no kernel.\n"
		"  -d, --device SPEC     the session's device (default: first); nothing\n"
		"                        runs on it; a GPU needs --transport copy\n"
		"      --batch N         items per batch (default: 65536)\n"
		"      --chunk N         flush every N items (default: 0, once)\n"
		"      --producers N     staging threads (default: 1)\n"
		"      --rounds N        batches measured (default: 50)\n"
		"      --commit          stage with reserve/commit (the baseline)\n"
		"      --gap-us N        wait N us between batches, busy, as a host\n"
		"                        does while the device runs them (default: 0)\n"
		"      --transport KIND  shared (default) or copy: writes the rows to\n"
		"                        the device buffer, as on a GPU\n"
		"  -h, --help            this help\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "producers", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "commit", no_argument, NULL, 'C' },
		{ "gap-us", required_argument, NULL, 'g' },
		{ "transport", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vy_dev_mk_params cfg = { 0 };
	struct vy_mk *mk;
	struct vy_err e;
	uint32_t batch = 65536, chunk = 0, producers = 1, rounds = 50, gap = 0;
	uint64_t st_ns = 0, fl_ns = 0, fr_ns = 0, tag = 0, v;
	uint32_t *ctl, rt;
	int c, commit = 0, err;
	enum vy_dev_transport_kind kind = VY_TRANSPORT_SHARED;

	while ((c = getopt_long(argc, argv, "d:h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.device = optarg;
			break;
		case 'b':
		case 'c':
		case 'p':
		case 'r':
			if (vy_parse_u64(optarg, 1u << 20, 1, &v))
				goto bad;
			if (c == 'b' && v)
				batch = (uint32_t)v;
			else if (c == 'c')
				chunk = (uint32_t)v;
			else if (c == 'p' && v)
				producers = (uint32_t)v;
			else if (c == 'r' && v)
				rounds = (uint32_t)v;
			else
				goto bad;
			break;
		case 'C':
			commit = 1;
			break;
		case 'g':
			if (vy_parse_u64(optarg, 1000000, 0, &v))
				goto bad;
			gap = (uint32_t)v;
			break;
		case 't':
			if (vy_dev_transport_parse(optarg, &kind, &e) ||
			    kind == VY_TRANSPORT_AUTO)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, PROG ": hint: try --help\n");
			return VY_EXIT_USAGE;
		}
	}
	if (!chunk || chunk > batch)
		chunk = batch;
	/* vyre-bench-launch's synthetic items: ATOMIC_ADD 1 to word 150 */
	(void)vy_rep_work_load(&synth, NULL, 0, UINT64_MAX / 2,
			       VY_OP_ATOMIC_ADD, NULL);
	cfg.transport = kind;
	cfg.persistent = 1;
	cfg.slots = batch < 256 ? 256 : batch;
	cfg.tenant_count = 1;
	cfg.producers = producers;
	err = vy_dev_mk_open(&mk, &cfg, &e);
	if (err)
		goto fail;
	ctl = (uint32_t *)vy_dev_mk_image(mk, VY_TB_CONTROL, NULL);
	for (uint32_t r = 0; r <= rounds && !err; r++) {
		uint64_t t0, t1, t2;
		uint32_t left = batch;

		/* round 0 warms the pages and starts the threads */
		while (left && !err) {
			uint32_t want = left < chunk ? left : chunk, k = 0;

			t0 = vy_now_ns();
			if (commit) {
				uint8_t *rows;

				while (k < want && !err) {
					uint32_t m = vy_dev_mk_reserve(
						mk, want - k, &rows);

					vy_rep_work_produce(&synth, rows,
							    tag + k, m);
					err = vy_dev_mk_commit(mk, m, tag + k,
							       &e);
					k += m;
				}
			} else {
				int n = vy_dev_mk_produce(mk, want, tag,
							  vy_rep_work_produce,
							  &synth, &e);

				if (n < 0)
					err = n;
				else
					k = (uint32_t)n;
			}
			t1 = vy_now_ns();
			if (!err)
				err = vy_dev_mk_flush(mk, &e);
			t2 = vy_now_ns();
			if (r) {
				st_ns += t1 - t0;
				fl_ns += t2 - t1;
			}
			tag += k;
			left -= k;
		}
		/* what the kernel would say after running them all */
		if (kind == VY_TRANSPORT_COPY) {
			err = err ? err : vy_dev_mk_write_control(
						  mk, VY_CTL_RETIRED,
						  (uint32_t)tag, &e);
			err = err ? err : vy_dev_mk_read_control(
						  mk, VY_CTL_RETIRED, &rt, &e);
		} else {
			__atomic_store_n(&ctl[VY_CTL_RETIRED], (uint32_t)tag,
					 __ATOMIC_RELEASE);
		}
		t0 = vy_now_ns();
		if (!err && vy_dev_mk_poll(mk, NULL, 0, &e) != (int)batch)
			err = vy_errf(&e, VY_E_INVAL, NULL,
				      "a poll did not free the batch");
		if (r)
			fr_ns += vy_now_ns() - t0;
		/* the device's turn: a host spins meanwhile, as drain() does */
		for (t0 = vy_now_ns(); vy_now_ns() - t0 < gap * 1000ull;)
			;
	}
	if (err)
		goto fail;
	/* reserve/commit stages on the caller's thread whatever --producers */
	printf("batch %u, chunk %u, %u producers%s%s: %.1f us staging, %.1f us flushing, %.1f us freeing per batch (%.2f ns/item in all)\n",
	       batch, chunk, commit ? 1u : producers,
	       commit ? " (reserve/commit)" : "",
	       kind == VY_TRANSPORT_COPY ? ", copy transport" : "",
	       st_ns / 1e3 / rounds, fl_ns / 1e3 / rounds,
	       fr_ns / 1e3 / rounds,
	       (double)(st_ns + fl_ns + fr_ns) / rounds / batch);
	vy_dev_mk_close(mk);
	return 0;
bad:
	fprintf(stderr, PROG ": bad value '%s' for --%s\n" PROG
			": hint: try --help\n", optarg,
		c == 'b' ? "batch" : c == 'c' ? "chunk" : c == 'g' ? "gap-us" :
		c == 'p' ? "producers" : c == 't' ? "transport" : "rounds");
	return VY_EXIT_USAGE;
fail:
	fprintf(stderr, PROG ": %s\n", e.msg);
	vy_dev_mk_close(mk);
	return 5;
}
