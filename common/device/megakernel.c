/* SPDX-License-Identifier: MIT */
#include "device/megakernel.h"
#include "device/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire/protocol.h"
#include "device/uring.h"
#include "wire/util.h"

extern const char vy_kernel_megakernel_src[];
extern const size_t vy_kernel_megakernel_len;

/* host view of a slot */
enum { SLOT_FREE = 0, SLOT_STAGED = 1, SLOT_INFLIGHT = 2 };

/* One vy_dev_mk_produce call, split into parts (part 0: the caller). */
struct mk_job {
	vy_dev_mk_fill_fn fill;
	void *arg;
	uint8_t *ring, *state;
	uint64_t *tag;
	uint8_t *is_lm;
	uint32_t *staged;	/* at the first row's index; scan claim only */
	uint64_t tag0;
	uint32_t first, n, parts;
	int ticket;
	uint32_t lm[VY_MK_PRODUCERS_MAX];	/* LOAD_MISS rows per part */
};

/*
 * The staging threads.  A job goes out as a new value of @gen (under @mu,
 * with a broadcast for sleepers): the sequence number above the low 8
 * bits, the part count in them, so that a thread reads which parts exist
 * in the same load that tells it a job is there.  Thread i runs part
 * i + 1 if there is one and then decrements @pending; the caller runs
 * part 0 and waits for @pending to reach 0, after which the job may
 * change.
 */
struct mk_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t gen;
	uint32_t pending;
	int quit;
	uint32_t nthr;
	struct mk_job job;
	struct mk_worker {
		struct mk_pool *pool;
		uint32_t idx;
		pthread_t tid;
	} w[VY_MK_PRODUCERS_MAX];
};

/* A flush of the ticket claim: sequences up to @end published at @t_ns. */
struct mk_flush {
	uint64_t end, t_ns;
};

struct vy_mk {
	struct vy_dev_mk_params cfg;
	struct vy_dev_cl cl;
	cl_program prog;
	cl_kernel kern;
	struct vy_dev_transport t;
	uint32_t slots, wgs, wgsize;
	uint32_t prio_off[VY_PRIORITY_LEVELS + 1];
	uint32_t prio_cursor[VY_PRIORITY_LEVELS];
	cl_event kev;
	int running;
	uint8_t *state;
	uint64_t *tag;
	/*
	 * scan claim: per slot, when and as which sequence it was published;
	 * the staged slots in staging order (the ticket claim's are the
	 * sequences from tk_pub on)
	 */
	uint64_t *t_pub, *pubseq;
	uint32_t *staged;
	uint32_t nstaged, ninflight, cursor;
	uint32_t *stbuf;
	uint64_t published_total;
	/*
	 * ticket claim: slots are staged in ring order; sequence numbers of
	 * the next slot to stage, the next to publish, and the oldest that
	 * may still be in flight (slot = sequence % slots)
	 */
	int ticket;
	uint64_t tk_next, tk_pub, tk_tail;
	/*
	 * Ticket claim: when each flush published, in place of a time and a
	 * sequence number per slot (a slot's sequence follows from tk_tail:
	 * see slot_seq).  A ring of the flushes with slots still in flight,
	 * oldest first; at most one per in-flight slot, so slots entries.
	 */
	struct mk_flush *flog;
	uint32_t flog_first, flog_n;
	struct vy_hist *lat;	/* vy_dev_mk_set_latency's; NULL: none */
	/*
	 * Completion by counter (ticket claim): RETIRED at start and what
	 * was published then, the DONE slots the host has freed since (both
	 * modulo 2^32), the last RETIRED seen and when it last moved, and
	 * whether the next look reads the statuses.
	 */
	int tk_count;
	uint32_t rt_base, done_freed, rt_last;
	uint64_t rt_ticket;		/* published before that look */
	uint64_t rt_moved;		/* when RETIRED last moved (ns) */
	uint64_t pub_base;
	int tk_scan;
	uint32_t lm_inflight;
	uint32_t lm_staged;	/* LOAD_MISS slots among the staged */
	uint8_t *is_lm;		/* per slot: a LOAD_MISS item */
	struct mk_pool *pool;	/* staging threads; NULL until needed */
	vy_dev_mk_io_fn iofn;
	void *ioarg;
	struct vy_dev_mk_resource *res;
	size_t nres;
	uint8_t *snap[VY_BUF_COUNT];
	uint64_t seq;
	uint64_t t_progress;	/* last completion, or nothing in flight */
	uint64_t t_publish;	/* last vy_dev_mk_flush that published */
	cl_event kt_ev;		/* kernel_timing: a once launch not yet timed */
	struct vy_dev_mk_stats st;
	struct vy_dev_progcache_result pcache;
};

/*
 * How long RETIRED may stand still, while slots are in flight, before a
 * look reads the statuses: a slot that faulted or may not run never
 * counts in RETIRED, so only the statuses find it.
 */
#define TK_STILL_NS 100000u

static void kernel_time(struct vy_mk *mk, int wait);
static void pool_stop(struct mk_pool *p);

/* @n staging threads within VY_MK_PRODUCERS_MAX: 0 or VY_E_INVAL. */
static int producers_check(uint32_t n, struct vy_err *e)
{
	if (n > VY_MK_PRODUCERS_MAX)
		return vy_errf(e, VY_E_INVAL, "use at most 64 producers",
			       "%u staging threads is too many", n);
	return 0;
}

static int clerr(struct vy_err *e, const char *call, cl_int rc)
{
	return vy_errf(e, VY_E_DEVICE, NULL, "%s: %s", call,
		       vy_dev_cl_strerror(rc));
}

static int default_io(struct vy_mk *mk, const struct vy_dev_mk_io_req *req,
		      void *arg, struct vy_err *e)
{
	for (size_t i = 0; i < mk->nres; i++) {
		if (mk->res[i].id != req->src)
			continue;
		return vy_dev_mk_resource_load(mk, &mk->res[i], e) ? 1 : 0;
	}
	return 1;
}

/*
 * The caller's geometry (the launch policy's, asked by the program), or
 * one lane when it gives none.  Never clamped: a value the device cannot
 * hold is refused, naming the limit.
 */
int vy_dev_mk_set_geometry(struct vy_mk *mk, uint32_t wgs, uint32_t wgsize,
			   struct vy_err *e)
{
	struct vy_dev_limits lim;
	int err;

	if (mk->running)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "the launch geometry is fixed once the kernel runs");
	err = vy_dev_limits_query(&mk->cl, mk->kern, &lim, e);
	if (err)
		return err;
	wgs = wgs ? wgs : 1;
	wgsize = wgsize ? wgsize : 1;
	if (wgsize > lim.max_workgroup_size_x)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "work-group size %u is more than the %u lanes the megakernel may have on this device",
			       wgsize, lim.max_workgroup_size_x);
	if (mk->cfg.persistent && wgs > lim.resident_worker_groups)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "%u work-groups is more than the %u that can be resident at once (a persistent kernel needs all of them)",
			       wgs, lim.resident_worker_groups);
	mk->wgs = wgs;
	mk->wgsize = wgsize;
	return 0;
}

/*
 * VYRE_TEST_DEVICE_FAIL=STAGE makes STAGE ("setup": the limits query
 * after the device opened; "readback": the snapshot's copies) fail as a
 * device error would, so the test suite can check what a run leaves
 * behind then (vyre(7), ENVIRONMENT).  Nothing else reads it.
 */
static int test_fail(const char *stage, struct vy_err *e)
{
	const char *v = getenv("VYRE_TEST_DEVICE_FAIL");

	if (!v || strcmp(v, stage))
		return 0;
	return vy_errf(e, VY_E_DEVICE, NULL,
		       "%s: device error (simulated by VYRE_TEST_DEVICE_FAIL)",
		       stage);
}

int vy_dev_mk_limits(const struct vy_mk *mk, struct vy_dev_limits *out,
		     struct vy_err *e)
{
	int err = test_fail("setup", e);

	return err ? err : vy_dev_limits_query(&mk->cl, mk->kern, out, e);
}

static int set_args(struct vy_mk *mk, struct vy_err *e)
{
	cl_uint u[4];
	cl_uint words[VY_TB_COUNT];
	cl_int rc = CL_SUCCESS;
	cl_uint a = 0;

	words[VY_TB_CONTROL] = (cl_uint)(mk->t.b[VY_TB_CONTROL].len / 4);
	words[VY_TB_RING] = mk->slots;
	words[VY_TB_DEBUG] = (cl_uint)(mk->t.b[VY_TB_DEBUG].len / 4);
	words[VY_TB_IO] = (cl_uint)(mk->t.b[VY_TB_IO].len / 4);
	words[VY_TB_DATA] = mk->cfg.data_words;
	for (int i = 0; i < VY_TB_COUNT; i++) {
		rc |= clSetKernelArg(mk->kern, a++, sizeof(cl_mem),
				     &mk->t.b[i].mem);
		rc |= clSetKernelArg(mk->kern, a++, sizeof(cl_uint), &words[i]);
	}
	u[0] = (mk->cfg.persistent ? VY_MODE_PERSISTENT : 0) |
	       (mk->cfg.priority ? VY_MODE_PRIORITY : 0) |
	       (mk->ticket ? VY_MODE_TICKET : 0);
	u[1] = mk->cfg.max_iters ? mk->cfg.max_iters : 0xFFFFFFFFu;
	u[2] = mk->cfg.persistent ? mk->cfg.idle_max : 0;
	u[3] = mk->cfg.io_poll_max ? mk->cfg.io_poll_max :
				     VY_MK_DEFAULT_IO_POLL_MAX;
	/*
	 * Once mode on a copy transport: nobody can answer a LOAD_MISS while
	 * the dispatch runs (the host waits in a blocking read), so fail it
	 * fast instead of spinning out the bound.
	 */
	if (!mk->cfg.persistent && mk->t.kind == VY_TRANSPORT_COPY &&
	    !mk->cfg.io_poll_max)
		u[3] = 1024;
	for (int i = 0; i < 4; i++)
		rc |= clSetKernelArg(mk->kern, a++, sizeof(cl_uint), &u[i]);
	/* no plug-in buffer yet: a NULL pointer of 0 bytes */
	rc |= clSetKernelArg(mk->kern, a++, sizeof(cl_mem), NULL);
	rc |= clSetKernelArg(mk->kern, a++, sizeof(cl_ulong),
			     &(cl_ulong){ 0 });
	if (rc != CL_SUCCESS)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "clSetKernelArg failed (kernel source does not match the host)");
	return 0;
}

#define VY_MK_BUILD_OPTIONS "-cl-std=CL1.2"

/* Build the megakernel, with the plug-in's opcodes appended when given. */
static int build_program(struct vy_mk *mk, const char *src, size_t len,
			 struct vy_err *e)
{
	const struct vy_dev_mk_params *cfg = &mk->cfg;
	char *all, *opts;
	size_t olen;
	int err;

	if (!cfg->user_src)
		return vy_dev_progcache_build(&mk->cl, src, len,
					      VY_MK_BUILD_OPTIONS,
					      !cfg->no_cache, &mk->prog,
					      &mk->pcache, e);
	olen = sizeof(VY_MK_BUILD_OPTIONS " -DVY_USER_OPS ") +
	       (cfg->user_options ? strlen(cfg->user_options) : 0);
	all = malloc(len + 1 + cfg->user_len);
	opts = malloc(olen);
	if (!all || !opts) {
		free(all);
		free(opts);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	memcpy(all, src, len);
	all[len] = '\n';
	memcpy(all + len + 1, cfg->user_src, cfg->user_len);
	snprintf(opts, olen, "%s -DVY_USER_OPS %s", VY_MK_BUILD_OPTIONS,
		 cfg->user_options ? cfg->user_options : "");
	err = vy_dev_progcache_build(&mk->cl, all, len + 1 + cfg->user_len,
				     opts, !cfg->no_cache, &mk->prog,
				     &mk->pcache, e);
	free(all);
	free(opts);
	return err;
}

int vy_dev_mk_open(struct vy_mk **out, const struct vy_dev_mk_params *cfg,
	       struct vy_err *e)
{
	struct vy_mk *mk;
	size_t lens[VY_TB_COUNT], clen;
	uint64_t ringlen;
	char *src = NULL;
	size_t srclen;
	cl_int rc;
	int err;
	uint64_t t0 = vy_now_ns();

	*out = NULL;
	mk = calloc(1, sizeof(*mk));
	if (!mk)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	mk->cfg = *cfg;
	err = producers_check(cfg->producers, e);
	if (err) {
		free(mk);
		return err;
	}
	mk->slots = cfg->slots ? cfg->slots : VY_MK_DEFAULT_SLOTS;
	mk->iofn = default_io;
	mk->ticket = cfg->persistent && !cfg->priority && !cfg->scan_claim;
	mk->tk_count = mk->ticket && !cfg->status_completion;
	if (!vy_ring_byte_len(mk->slots, &ringlen) ||
	    mk->slots > VY_MAX_ENCODED_RING_SLOTS) {
		free(mk);
		return vy_errf(e, VY_E_INVAL, "use at most 1048576 slots",
			       "%u ring slots is too many", cfg->slots);
	}
	err = vy_dev_cl_open(&mk->cl, cfg->device, e);
	if (!err && cfg->kernel_timing)
		err = vy_dev_cl_profile(&mk->cl, e);
	if (err)
		goto fail;
	err = vy_dev_cl_source(cfg->kernel_path, vy_kernel_megakernel_src,
			   vy_kernel_megakernel_len, &src, &srclen, e);
	if (err)
		goto fail;
	err = build_program(mk, src, srclen, e);
	free(src);
	if (err)
		goto fail;
	mk->kern = clCreateKernel(mk->prog, "vy_megakernel", &rc);
	if (!mk->kern) {
		err = clerr(e, "clCreateKernel(vy_megakernel)", rc);
		goto fail;
	}
	lens[VY_TB_CONTROL] = ((size_t)VY_CONTROL_MIN_WORDS +
			       cfg->observable_slots) * 4;
	lens[VY_TB_RING] = (size_t)ringlen;
	lens[VY_TB_DEBUG] = VY_DEBUG_BUFFER_BYTES;
	lens[VY_TB_IO] = VY_IO_QUEUE_BYTES;
	lens[VY_TB_DATA] = (size_t)cfg->data_words * 4;
	err = vy_dev_transport_init(&mk->t, &mk->cl, cfg->transport, lens,
				    cfg->obs_linear_slots, e);
	if (err)
		goto fail;
	mk->t.watch_blocking = cfg->observe_blocking;
	if (!cfg->small_pinned) {
		err = vy_dev_transport_small_pageable(&mk->t, e);
		if (err)
			goto fail;
	}
	/* the status read that follows a publish flushes both */
	mk->t.defer_flush = 1;
	err = vy_encode_control_into(false, cfg->tenant_count,
				     cfg->observable_slots,
				     mk->t.b[VY_TB_CONTROL].host,
				     mk->t.b[VY_TB_CONTROL].len, &clen, e);
	if (err)
		goto fail;
	if (cfg->priority) {
		err = vy_write_default_priority_offsets(
			mk->t.b[VY_TB_CONTROL].host, clen, mk->slots, e);
		if (err)
			goto fail;
		for (uint32_t p = 0; p <= VY_PRIORITY_LEVELS; p++)
			mk->prio_off[p] = vy_word(mk->t.b[VY_TB_CONTROL].host,
						  VY_CTL_PRIORITY_OFFSETS_BASE + p);
	}
	mk->state = calloc(mk->slots, 1);
	mk->tag = calloc(mk->slots, sizeof(*mk->tag));
	if (mk->ticket) {
		mk->flog = calloc(mk->slots, sizeof(*mk->flog));
	} else {
		mk->t_pub = calloc(mk->slots, sizeof(*mk->t_pub));
		mk->pubseq = calloc(mk->slots, sizeof(*mk->pubseq));
		mk->staged = calloc(mk->slots, sizeof(*mk->staged));
	}
	/* statuses of the ring, or the two counter words (a 1-slot ring) */
	mk->stbuf = calloc(mk->slots > 2 ? mk->slots : 2, sizeof(*mk->stbuf));
	mk->is_lm = calloc(mk->slots, sizeof(*mk->is_lm));
	for (int i = 0; i < VY_BUF_COUNT; i++)
		mk->snap[i] = malloc(mk->t.b[i].len);
	if (!mk->state || !mk->tag ||
	    (mk->ticket ? !mk->flog :
			  !mk->t_pub || !mk->pubseq || !mk->staged) ||
	    !mk->stbuf || !mk->is_lm || !mk->snap[0] ||
	    !mk->snap[1] || !mk->snap[2] || !mk->snap[3]) {
		err = vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		goto fail;
	}
	err = vy_dev_mk_set_geometry(mk, cfg->workgroups, cfg->workgroup_size,
				     e);
	if (!err)
		err = set_args(mk, e);
	if (err)
		goto fail;
	mk->st.plan_ns = vy_now_ns() - t0;
	*out = mk;
	return 0;
fail:
	vy_dev_mk_close(mk);
	return err;
}

void vy_dev_mk_close(struct vy_mk *mk)
{
	if (!mk)
		return;
	/* host threads only: joined whatever the device does */
	pool_stop(mk->pool);
	mk->pool = NULL;
	if (mk->running && mk->kev) {
		/* a kernel that would not stop: leave the device to exit() */
		return;
	}
	if (mk->kev)
		clReleaseEvent(mk->kev);
	if (mk->kt_ev)
		clReleaseEvent(mk->kt_ev);
	vy_dev_transport_free(&mk->t);
	if (mk->kern)
		clReleaseKernel(mk->kern);
	if (mk->prog)
		clReleaseProgram(mk->prog);
	vy_dev_cl_close(&mk->cl);
	free(mk->state);
	free(mk->tag);
	free(mk->t_pub);
	free(mk->pubseq);
	free(mk->flog);
	free(mk->staged);
	free(mk->stbuf);
	free(mk->is_lm);
	for (int i = 0; i < VY_BUF_COUNT; i++)
		free(mk->snap[i]);
	free(mk);
}

uint8_t *vy_dev_mk_image(struct vy_mk *mk, enum vy_dev_tbuf_id id, size_t *len)
{
	if (len)
		*len = mk->t.b[id].len;
	return mk->t.b[id].host;
}

void vy_dev_mk_get_info(const struct vy_mk *mk, struct vy_dev_mk_info *out)
{
	out->slots = mk->slots;
	out->workgroups = mk->wgs;
	out->workgroup_size = mk->wgsize;
	out->persistent = mk->cfg.persistent;
	out->priority = mk->cfg.priority;
	out->transport = mk->t.kind;
	out->dev = mk->cl.info;
	out->progcache = mk->pcache;
}

static int launch(struct vy_mk *mk, cl_event *ev, struct vy_err *e)
{
	size_t gsz = (size_t)mk->wgs * mk->wgsize, lsz = mk->wgsize;
	uint64_t t0 = vy_now_ns();
	cl_int rc;

	rc = clEnqueueNDRangeKernel(mk->cl.q, mk->kern, 1, NULL, &gsz, &lsz, 0,
				    NULL, ev);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueNDRangeKernel", rc);
	clFlush(mk->cl.q);
	mk->st.launches++;
	mk->st.dispatch_ns += vy_now_ns() - t0;
	return 0;
}

int vy_dev_mk_upload(struct vy_mk *mk, struct vy_err *e)
{
	for (int i = 0; i < VY_TB_COUNT; i++) {
		int err = vy_dev_transport_push(&mk->t, i, 0, mk->t.b[i].len, 1,
						e);

		if (err)
			return err;
	}
	return 0;
}

int vy_dev_mk_start(struct vy_mk *mk, struct vy_err *e)
{
	int err = vy_dev_mk_upload(mk, e);

	if (err)
		return err;
	mk->t_progress = vy_now_ns();
	if (!mk->cfg.persistent)
		return 0;
	mk->rt_base = vy_word(mk->t.b[VY_TB_CONTROL].host, VY_CTL_RETIRED);
	mk->rt_last = mk->rt_base;
	mk->pub_base = mk->published_total;
	mk->rt_ticket = mk->published_total;
	mk->done_freed = 0;
	mk->rt_moved = vy_now_ns();
	mk->tk_scan = 0;
	err = launch(mk, &mk->kev, e);
	if (err)
		return err;
	mk->running = 1;
	mk->t.running = 1;
	return 0;
}

const struct vy_dev_cl *vy_dev_mk_cl(const struct vy_mk *mk)
{
	return &mk->cl;
}

int vy_dev_mk_set_user_buf(struct vy_mk *mk, cl_mem mem, uint64_t bytes,
			   struct vy_err *e)
{
	/* the two arguments after the buffers and the four modes (set_args) */
	cl_ulong b = bytes;
	cl_int rc;

	rc = clSetKernelArg(mk->kern, 2 * VY_TB_COUNT + 4, sizeof(cl_mem),
			    &mem);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(mk->kern, 2 * VY_TB_COUNT + 5, sizeof(b),
				    &b);
	if (rc != CL_SUCCESS)
		return clerr(e, "clSetKernelArg(user buffer)", rc);
	return 0;
}

int64_t vy_dev_mk_free_slot(struct vy_mk *mk)
{
	if (mk->ticket) {
		uint32_t s = (uint32_t)(mk->tk_next % mk->slots);

		return mk->state[s] == SLOT_FREE ? (int64_t)s : -1;
	}
	for (uint32_t k = 0; k < mk->slots; k++) {
		uint32_t s = mk->cursor + k;

		if (s >= mk->slots)
			s -= mk->slots;
		if (mk->state[s] == SLOT_FREE) {
			mk->cursor = s + 1 == mk->slots ? 0 : s + 1;
			return s;
		}
	}
	return -1;
}

int64_t vy_dev_mk_free_slot_prio(struct vy_mk *mk, uint32_t prio)
{
	uint32_t lo, hi, n;

	if (!mk->cfg.priority)
		return vy_dev_mk_free_slot(mk);
	if (prio >= VY_PRIORITY_LEVELS)
		prio = VY_PRIO_NORMAL;
	lo = mk->prio_off[prio];
	hi = mk->prio_off[prio + 1];
	if (hi > mk->slots)
		hi = mk->slots;
	if (lo >= hi)
		return -1;
	n = hi - lo;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t s = lo + (mk->prio_cursor[prio] + k) % n;

		if (mk->state[s] == SLOT_FREE) {
			mk->prio_cursor[prio] = (s - lo + 1) % n;
			return s;
		}
	}
	return -1;
}

uint32_t vy_dev_mk_inflight(const struct vy_mk *mk)
{
	return mk->ninflight + mk->nstaged;
}

uint64_t vy_dev_mk_slot_tag(const struct vy_mk *mk, uint32_t slot)
{
	return slot < mk->slots ? mk->tag[slot] : 0;
}

/*
 * Ticket claim: a row's status is PUBLISHED from the moment it is staged.
 * The kernel looks at a slot only once PUBLISH_HEAD covers it, and the
 * head moves after the rows, so the status needs no pass of its own at
 * publish time; written here, it shares the cache line the payload
 * stores just brought in.
 */
static void stage_status(uint8_t *row)
{
	__atomic_store_n((uint32_t *)row, (uint32_t)VY_STATUS_PUBLISHED,
			 __ATOMIC_RELAXED);
}

int vy_dev_mk_stage(struct vy_mk *mk, uint32_t slot, const uint32_t words[16],
		uint64_t tag, struct vy_err *e)
{
	uint8_t *ring = mk->t.b[VY_TB_RING].host;

	if (slot >= mk->slots)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE, NULL,
			       "slot %u past the %u-slot ring", slot,
			       mk->slots);
	if (mk->state[slot] != SLOT_FREE)
		return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE, NULL,
			       "slot %u is still in flight", slot);
	if (mk->ticket && slot != mk->tk_next % mk->slots)
		return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE,
			       "take slots from vy_dev_mk_free_slot",
			       "slot %u is not the next in ring order (%u) that the ticket claim needs",
			       slot, (uint32_t)(mk->tk_next % mk->slots));
	mk->tk_next++;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* the wire is little-endian: the words as they are */
	memcpy(ring + (size_t)slot * VY_SLOT_BYTES + 4, words + 1, 60);
#else
	for (int i = 1; i < 16; i++)
		vy_set_word(ring + (size_t)slot * VY_SLOT_BYTES, i, words[i]);
#endif
	if (mk->ticket)
		stage_status(ring + (size_t)slot * VY_SLOT_BYTES);
	mk->state[slot] = SLOT_STAGED;
	mk->tag[slot] = tag;
	mk->is_lm[slot] = words[1] == VY_OP_LOAD_MISS;
	mk->lm_staged += mk->is_lm[slot];
	if (!mk->ticket)
		mk->staged[mk->nstaged] = slot;
	mk->nstaged++;
	return 0;
}

/*
 * Ticket claim: tickets count modulo the largest multiple of the slot
 * count below 2^32 (vyre(7); the kernel's vy_tk_wrap), so that ticket
 * mod slots stays the slot across the wrap.
 */
static uint32_t tk_wrap(const struct vy_mk *mk)
{
	return 0xFFFFFFFFu / mk->slots * mk->slots;
}

/*
 * A quarter ring, at least one slot: how much RETIRED may have retired
 * unfreed before a look reads statuses, and how much DONE_TAIL must cover
 * before a look frees by it.
 */
static uint32_t tk_quarter(const struct vy_mk *mk)
{
	return mk->slots >= 4u ? mk->slots / 4u : 1u;
}

/* Where bulk staging goes next: ring order (ticket), else the cursor. */
static uint32_t bulk_first(const struct vy_mk *mk)
{
	return mk->ticket ? (uint32_t)(mk->tk_next % mk->slots) : mk->cursor;
}

uint32_t vy_dev_mk_reserve(struct vy_mk *mk, uint32_t n, uint8_t **rows)
{
	uint32_t first, k;

	*rows = NULL;
	if (mk->cfg.priority)
		return 0;
	first = bulk_first(mk);
	if (n > mk->slots - first)
		n = mk->slots - first;	/* contiguous: up to the ring's end */
	if (n > VY_MK_RESERVE_MAX)
		n = VY_MK_RESERVE_MAX;
	for (k = 0; k < n && mk->state[first + k] == SLOT_FREE; k++)
		;
	if (k)
		*rows = mk->t.b[VY_TB_RING].host + (size_t)first * VY_SLOT_BYTES;
	return k;
}

/* The priority scheduler places slots by priority: no bulk staging. */
static int bulk_refused(struct vy_err *e)
{
	return vy_errf(e, VY_E_INVAL, "use vy_dev_mk_stage",
		       "bulk staging does not place slots by priority");
}

/* A job over the @n rows from ring slot @first, tagged from @tag0. */
static void job_init(struct mk_job *j, struct vy_mk *mk, uint32_t first,
		     uint32_t n, uint64_t tag0)
{
	memset(j, 0, sizeof(*j));
	j->ring = mk->t.b[VY_TB_RING].host;
	j->state = mk->state;
	j->tag = mk->tag;
	j->is_lm = mk->is_lm;
	j->staged = mk->ticket ? NULL : mk->staged + mk->nstaged;
	j->tag0 = tag0;
	j->first = first;
	j->n = n;
	j->ticket = mk->ticket;
}

/*
 * Commit's bookkeeping for rows [@lo, @hi) of job @j, written: state,
 * tag, LOAD_MISS flag, status (ticket claim) or staged[].  Every index is
 * the rows' own, so parts of a job may run on several threads.  Per-slot
 * arrays through locals: a store through the uint8_t state array may
 * alias anything, so the job's fields would be reloaded per slot.
 * Returns the LOAD_MISS rows among them.
 */
static uint32_t stage_rows(const struct mk_job *j, uint32_t lo, uint32_t hi)
{
	uint8_t *ring = j->ring, *state = j->state;
	uint64_t *tag = j->tag;
	uint8_t *is_lm = j->is_lm;
	uint32_t *staged = j->staged, lm = 0;
	uint32_t first = j->first;
	uint64_t tag0 = j->tag0;
	int ticket = j->ticket;

	for (uint32_t i = lo; i < hi; i++) {
		uint32_t s = first + i;
		uint8_t *row = ring + (size_t)s * VY_SLOT_BYTES;

		state[s] = SLOT_STAGED;
		tag[s] = tag0 + i;
		is_lm[s] = vy_word(row, VY_SLOT_OPCODE_WORD) == VY_OP_LOAD_MISS;
		lm += is_lm[s];
		if (ticket)
			stage_status(row);
		else
			staged[i] = s;
	}
	return lm;
}

/* The @n rows from @first (@lm of them LOAD_MISS) are staged: count them. */
static void handed_over(struct vy_mk *mk, uint32_t first, uint32_t n,
			uint32_t lm)
{
	mk->lm_staged += lm;
	mk->nstaged += n;
	if (mk->ticket)
		mk->tk_next += n;
	else
		mk->cursor = first + n == mk->slots ? 0 : first + n;
}

int vy_dev_mk_commit(struct vy_mk *mk, uint32_t n, uint64_t tag0,
		     struct vy_err *e)
{
	struct mk_job j;
	uint32_t first;

	if (mk->cfg.priority)
		return bulk_refused(e);
	first = bulk_first(mk);
	if (n > mk->slots - first)
		return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE, NULL,
			       "%u slots from slot %u pass the ring's end", n,
			       first);
	for (uint32_t i = 0; i < n; i++)
		if (mk->state[first + i] != SLOT_FREE)
			return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE, NULL,
				       "slot %u is still in flight", first + i);
	job_init(&j, mk, first, n, tag0);
	handed_over(mk, first, n, stage_rows(&j, 0, n));
	return 0;
}

/*
 * One part of a produce job: rows [@lo, @hi) of it, filled and handed
 * over piece by piece (a piece's rows are still in cache when its
 * bookkeeping reads their opcodes and stores their statuses).  Every
 * index written is the part's own.  Returns its LOAD_MISS rows.
 */
static uint32_t produce_part(const struct mk_job *j, uint32_t lo, uint32_t hi)
{
	uint32_t lm = 0;

	for (uint32_t b = lo; b < hi; b += VY_MK_RESERVE_MAX) {
		uint32_t m = hi - b < VY_MK_RESERVE_MAX ? hi - b :
							    VY_MK_RESERVE_MAX;

		j->fill(j->arg, j->ring + (size_t)(j->first + b) * VY_SLOT_BYTES,
			j->tag0 + b, m);
		lm += stage_rows(j, b, b + m);
	}
	return lm;
}

/* Part @p of @parts over @n rows: bounds on 64-row lines of state[]. */
static uint32_t part_bound(uint32_t n, uint32_t p, uint32_t parts)
{
	uint32_t b;

	if (p >= parts)
		return n;
	b = (uint32_t)((uint64_t)n * p / parts) & ~63u;
	return b;
}

static void run_part(struct mk_job *j, uint32_t p)
{
	j->lm[p] = produce_part(j, part_bound(j->n, p, j->parts),
				part_bound(j->n, p + 1, j->parts));
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Wait for a job after @seen: spin for VY_MK_PRODUCE_SPIN_NS (the next
 * chunk of a batch comes within microseconds, and a futex wake costs
 * tens of them), then sleep on the condition variable.
 */
static uint64_t pool_wait(struct mk_pool *p, uint64_t seen)
{
	uint64_t g, t0 = 0;

	for (unsigned i = 0;; i++) {
		g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
		if (g != seen)
			return g;
		if (i % 64 == 63) {
			uint64_t now = vy_now_ns();

			if (!t0)
				t0 = now;
			else if (now - t0 > VY_MK_PRODUCE_SPIN_NS)
				break;
		}
		cpu_relax();
	}
	pthread_mutex_lock(&p->mu);
	while ((g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE)) == seen)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return g;
}

static void *pool_main(void *arg)
{
	struct mk_worker *w = arg;
	struct mk_pool *p = w->pool;
	uint64_t seen = 0;

	for (;;) {
		uint64_t g = pool_wait(p, seen);

		if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
			return NULL;
		seen = g;
		if (w->idx + 1 < (uint32_t)(g & 0xFF)) {
			run_part(&p->job, w->idx + 1);
			__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
		}
	}
}

static void pool_stop(struct mk_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->gen, p->gen + 0x100, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (uint32_t i = 0; i < p->nthr; i++)
		pthread_join(p->w[i].tid, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/*
 * Start the producers - 1 staging threads once.  They block every
 * signal, so that the program's handlers (vyre-launch's SIGINT) run on
 * its own thread.  Threads that cannot start are done without: the pool
 * has those that did (maybe none).
 */
static struct mk_pool *pool_get(struct vy_mk *mk)
{
	struct mk_pool *p = mk->pool;
	sigset_t all, old;

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->cv, NULL)) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (uint32_t i = 0; i + 1 < mk->cfg.producers; i++) {
		p->w[i].pool = p;
		p->w[i].idx = i;
		if (pthread_create(&p->w[i].tid, NULL, pool_main, &p->w[i]))
			break;
		p->nthr++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	mk->pool = p;
	return p;
}

/* The free rows from @first on, up to @n: SLOT_FREE is 0, 8 at a time. */
static uint32_t free_run(const uint8_t *state, uint32_t first, uint32_t n)
{
	uint32_t k = 0;

	for (; k + 8 <= n; k += 8) {
		uint64_t v;

		memcpy(&v, state + first + k, 8);
		if (v)
			break;
	}
	while (k < n && state[first + k] == SLOT_FREE)
		k++;
	return k;
}

int vy_dev_mk_produce(struct vy_mk *mk, uint32_t n, uint64_t tag0,
		      vy_dev_mk_fill_fn fill, void *arg, struct vy_err *e)
{
	struct mk_pool *p = NULL;
	struct mk_job one, *j = &one;
	uint32_t first, k, parts, lm = 0;

	if (mk->cfg.priority)
		return bulk_refused(e);
	if (!fill)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "vy_dev_mk_produce needs a fill function");
	first = bulk_first(mk);
	if (n > mk->slots - first)
		n = mk->slots - first;	/* contiguous: up to the ring's end */
	k = free_run(mk->state, first, n);
	if (!k)
		return 0;
	parts = k / VY_MK_PRODUCE_MIN_ROWS;
	if (parts > mk->cfg.producers)
		parts = mk->cfg.producers;
	if (parts > 1 && (p = pool_get(mk)) != NULL) {
		if (parts > p->nthr + 1)
			parts = p->nthr + 1;
		j = &p->job;
	}
	if (parts < 1 || !p)
		parts = 1;
	job_init(j, mk, first, k, tag0);
	j->fill = fill;
	j->arg = arg;
	j->parts = parts;
	if (parts > 1) {
		/* the job, then its generation: what the threads wait on */
		__atomic_store_n(&p->pending, parts - 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&p->mu);
		__atomic_store_n(&p->gen, ((p->gen >> 8) + 1) << 8 | parts,
				 __ATOMIC_RELEASE);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	run_part(j, 0);
	if (parts > 1) {
		for (unsigned i = 0;
		     __atomic_load_n(&p->pending, __ATOMIC_ACQUIRE); i++) {
			if (i < 4096)
				cpu_relax();
			else
				sched_yield();	/* a thread was descheduled */
		}
	}
	for (uint32_t i = 0; i < parts; i++)
		lm += j->lm[i];
	handed_over(mk, first, k, lm);
	return (int)k;
}

int vy_dev_mk_set_producers(struct vy_mk *mk, uint32_t n, struct vy_err *e)
{
	int err = producers_check(n, e);

	if (err)
		return err;
	if (mk->pool)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "the staging threads have started");
	mk->cfg.producers = n;
	return 0;
}

uint32_t vy_dev_mk_host_producers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	return n < 1 ? 1u : n > 4 ? 4u : (uint32_t)n;
}

uint32_t vy_dev_mk_auto_producers(const struct vy_dev_cl_devinfo *d)
{
	return d->is_cpu ? 1u : vy_dev_mk_host_producers();
}

int vy_dev_mk_stage_op(struct vy_mk *mk, uint32_t slot, uint32_t opcode,
		       const uint32_t *args, size_t nargs, uint64_t tag,
		       struct vy_err *e)
{
	uint8_t one[VY_SLOT_BYTES] = { 0 };
	uint32_t w[VY_SLOT_WORDS];
	int err;

	/* a one-slot ring: the publisher's checks and encoding, then stage */
	err = vy_publish_slot(one, sizeof(one), 0, 0, opcode, args, nargs, e);
	if (err)
		return err;
	for (uint32_t i = 0; i < VY_SLOT_WORDS; i++)
		w[i] = vy_word(one, i);
	return vy_dev_mk_stage(mk, slot, w, tag, e);
}

/* Are slot statuses observed with reads kept in flight (copy, running)? */
static int pipelined(const struct vy_mk *mk)
{
	return mk->running && mk->t.kind == VY_TRANSPORT_COPY &&
	       !mk->cfg.observe_blocking;
}

static int observe_pump(struct vy_mk *mk, struct vy_err *e);

/*
 * Ticket claim: move tk_tail past the slots no longer in flight.  Kept up
 * to date (every flush, every look), so that the sequences in flight,
 * [tk_tail, tk_pub), never span more than the ring: a slot's sequence is
 * then the one of that span that lands on it (slot_seq).
 */
static void tk_advance(struct vy_mk *mk)
{
	const uint8_t *state = mk->state;
	uint64_t q = mk->tk_tail, end = mk->tk_pub;
	uint32_t slots = mk->slots, s = (uint32_t)(q % slots);

	while (q < end && state[s] != SLOT_INFLIGHT) {
		q++;
		s = s + 1 == slots ? 0 : s + 1;
	}
	mk->tk_tail = q;
	while (mk->flog_n && mk->flog[mk->flog_first].end <= q) {
		mk->flog_first = mk->flog_first + 1 == slots ? 0 :
							      mk->flog_first + 1;
		mk->flog_n--;
	}
}

/* The sequence in-flight slot @s was published as. */
static uint64_t slot_seq(const struct vy_mk *mk, uint32_t s)
{
	uint32_t a;

	if (!mk->ticket)
		return mk->pubseq[s];
	a = (uint32_t)(mk->tk_tail % mk->slots);
	return mk->tk_tail + (s >= a ? s - a : s + (mk->slots - a));
}

/* Ticket claim: the flush log's entry (an index of it) covering @q. */
static uint32_t flog_find(const struct vy_mk *mk, uint64_t q)
{
	uint32_t lo = 0, hi = mk->flog_n;

	/* the first entry (oldest first) that ends past @q */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t i = mk->flog_first + mid;

		if (i >= mk->slots)
			i -= mk->slots;
		if (mk->flog[i].end <= q)
			lo = mid + 1;
		else
			hi = mid;
	}
	lo += mk->flog_first;
	return lo >= mk->slots ? lo - mk->slots : lo;
}

/* When in-flight slot @s was published (ns). */
static uint64_t slot_pub_ns(const struct vy_mk *mk, uint32_t s)
{
	if (!mk->ticket)
		return mk->t_pub[s];
	return mk->flog[flog_find(mk, slot_seq(mk, s))].t_ns;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int vy_dev_mk_flush(struct vy_mk *mk, struct vy_err *e)
{
	uint64_t t0 = vy_now_ns(), t1;
	uint32_t i = 0;
	int err;

	if (!mk->nstaged)
		return 0;
	/*
	 * Staged in round-robin order, so nearly always sorted already; in
	 * ring order with the ticket claim, where a wrap only starts a new
	 * run (PUBLISH_HEAD moves after all of them).
	 */
	for (i = 1; i < mk->nstaged && !mk->ticket; i++)
		if (mk->staged[i] < mk->staged[i - 1])
			break;
	if (!mk->ticket && i < mk->nstaged)
		qsort(mk->staged, mk->nstaged, sizeof(uint32_t), cmp_u32);
	i = 0;
	while (i < mk->nstaged) {
		uint32_t j = i + 1;

		if (mk->ticket) {
			/*
			 * ring order from sequence tk_pub: one run to the
			 * ring's end, a second from slot 0 (nstaged <= slots)
			 */
			uint32_t s0 = (uint32_t)((mk->tk_pub + i) % mk->slots);

			j = mk->slots - s0;
			j = i + (j < mk->nstaged - i ? j : mk->nstaged - i);
			err = vy_dev_transport_publish_rows(&mk->t, s0, j - i,
							    e);
		} else {
			while (j < mk->nstaged &&
			       mk->staged[j] == mk->staged[j - 1] + 1)
				j++;
			err = vy_dev_transport_publish(&mk->t, mk->staged[i],
						       j - i, e);
		}
		if (err)
			return err;
		i = j;
	}
	if (mk->ticket) {
		/* the head moves after every row it covers (in order) */
		tk_advance(mk);
		err = vy_dev_transport_publish_head(
			&mk->t, VY_CTL_PUBLISH_HEAD,
			(uint32_t)((mk->tk_pub + mk->nstaged) % tk_wrap(mk)), e);
		if (err)
			return err;
		mk->tk_pub += mk->nstaged;
	}
	t1 = vy_now_ns();
	t0 = t1 - t0;
	mk->t_publish = t1;
	{
		/* locals: see stage_rows */
		const uint32_t *staged = mk->staged;
		uint8_t *state = mk->state;
		uint64_t *t_pub = mk->t_pub, *pubseq = mk->pubseq;
		uint64_t q = mk->published_total;
		uint32_t ns = mk->nstaged;

		/*
		 * One clock read per flush: they all went out together.  The
		 * ticket claim staged one run in ring order (two across the
		 * wrap): a memset of their states, and one entry in the flush
		 * log for the time and sequences (vyre-bench-stage, 65536
		 * rows on PoCL's host: a scatter through staged[] took 113
		 * us, a time and a sequence stored per slot 79 us).  LOAD_MISS
		 * slots were counted as they were staged.
		 */
		if (mk->ticket) {
			uint32_t k = mk->flog_first + mk->flog_n;

			/* tk_advance left one entry per slot in flight */
			k = k >= mk->slots ? k - mk->slots : k;
			mk->flog[k].end = mk->tk_pub;
			mk->flog[k].t_ns = t1;
			mk->flog_n++;
			for (i = 0; i < ns;) {
				uint32_t s0 = (uint32_t)((q + i) % mk->slots);
				uint32_t len = mk->slots - s0;

				if (len > ns - i)
					len = ns - i;
				memset(state + s0, SLOT_INFLIGHT, len);
				i += len;
			}
		} else {
			for (i = 0; i < ns; i++) {
				uint32_t s = staged[i];

				state[s] = SLOT_INFLIGHT;
				t_pub[s] = t1;
				pubseq[s] = q + i;
			}
		}
		mk->lm_inflight += mk->lm_staged;
		mk->lm_staged = 0;
	}
	mk->ninflight += mk->nstaged;
	mk->published_total += mk->nstaged;
	mk->st.published += mk->nstaged;
	mk->st.publish_ns += t0;
	mk->nstaged = 0;
	/* the first status read goes out with the publish, one flush */
	if (pipelined(mk))
		return observe_pump(mk, e);
	vy_dev_transport_kick(&mk->t);
	return 0;
}

int vy_dev_mk_serve_io(struct vy_mk *mk, struct vy_err *e)
{
	struct vy_dev_transport *t = &mk->t;
	uint32_t *q = (uint32_t *)t->b[VY_TB_IO].host;
	uint32_t nio = (uint32_t)(t->b[VY_TB_IO].len / VY_IO_SLOT_BYTES);
	int served = 0, err;

	if (t->kind == VY_TRANSPORT_COPY) {
		err = vy_dev_transport_pull(t, VY_TB_IO, 0, t->b[VY_TB_IO].len, e);
		if (err)
			return err;
	}
	for (uint32_t s = 0; s < nio; s++) {
		uint32_t *w = q + s * VY_IO_SLOT_WORDS;
		uint32_t *stp = &w[VY_IO_STATUS_WORD];
		struct vy_dev_mk_io_req req;
		uint32_t exp = VY_IO_STATUS_PUBLISHED;
		int rc;

		if (__atomic_load_n(stp, __ATOMIC_ACQUIRE) !=
		    VY_IO_STATUS_PUBLISHED)
			continue;
		if (t->kind == VY_TRANSPORT_SHARED) {
			if (!__atomic_compare_exchange_n(stp, &exp,
							 VY_IO_STATUS_CLAIMED,
							 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				continue;
		} else {
			err = vy_dev_transport_write_word(
				t, VY_TB_IO, s * VY_IO_SLOT_WORDS +
						     VY_IO_STATUS_WORD,
				VY_IO_STATUS_CLAIMED, e);
			if (err)
				return err;
		}
		req.io_slot = s;
		req.op_type = w[VY_IO_OP_TYPE_WORD];
		req.src = w[VY_IO_SRC_HANDLE_WORD];
		req.dst = w[VY_IO_DST_HANDLE_WORD];
		req.offset = (uint64_t)w[VY_IO_OFFSET_HI_WORD] << 32 |
			     w[VY_IO_OFFSET_LO_WORD];
		req.byte_count = w[VY_IO_BYTE_COUNT_WORD];
		req.tag = w[VY_IO_TAG_WORD];
		rc = mk->iofn(mk, &req, mk->ioarg, e);
		if (rc < 0)
			return rc;
		mk->st.io_served++;
		mk->st.io_errors += rc != 0;
		err = vy_dev_transport_write_word(
			t, VY_TB_IO, s * VY_IO_SLOT_WORDS + VY_IO_STATUS_WORD,
			rc ? VY_IO_STATUS_ERROR : VY_IO_STATUS_OK, e);
		if (err)
			return err;
		served++;
	}
	return served;
}

/* The report of slot @s, published at @t_pub, ended @v, seen at @now. */
static void done_record(struct vy_dev_mk_done *out, uint64_t tag, uint32_t s,
			uint32_t v, uint64_t t_pub, uint64_t now)
{
	out->tag = tag;
	out->slot = s;
	out->status = v;
	out->latency_ns = now - t_pub;
	out->done_ns = now;
}

/* In-flight slot @s ended with status @v: free it, count it, report it. */
static void free_slot(struct vy_mk *mk, uint32_t s, uint32_t v, uint64_t now,
		      struct vy_dev_mk_done *out)
{
	uint64_t t_pub = out || mk->lat ? slot_pub_ns(mk, s) : 0;

	/* copy: the host image shows the status read (snapshot_done_rows) */
	if (mk->t.kind == VY_TRANSPORT_COPY)
		vy_set_word(mk->t.b[VY_TB_RING].host + (size_t)s * VY_SLOT_BYTES,
			    VY_SLOT_STATUS_WORD, v);
	mk->state[s] = SLOT_FREE;
	mk->ninflight--;
	mk->lm_inflight -= mk->is_lm[s];
	mk->st.completed++;
	mk->st.faulted += v == VY_STATUS_FAULT;
	mk->done_freed += v == VY_STATUS_DONE;
	if (mk->lat)
		vy_hist_add(mk->lat, now - t_pub);
	if (out)
		done_record(out, mk->tag[s], s, v, t_pub, now);
}

/*
 * Free the in-flight slots of [@first, @first + @n) whose status in @st is
 * final and that were published before the read of @st was queued
 * (sequence below @ticket: a later publish of the slot may not show yet).
 * With @out full, a FAULT stays in flight for a later poll to report: a
 * caller learns of every fault (vyre-launch counted 512 of 3000 faulted
 * items on a 4096-slot ring when they were freed unreported).
 */
static int finish_slots(struct vy_mk *mk, uint32_t first, uint32_t n,
			uint64_t ticket, const uint32_t *st,
			struct vy_dev_mk_done *out, size_t max)
{
	uint64_t now = vy_now_ns();
	int k = 0;

	mk->st.status_reads++;
	for (uint32_t s = first; s < first + n; s++) {
		uint32_t v = st[s - first];

		if (mk->state[s] != SLOT_INFLIGHT || slot_seq(mk, s) >= ticket ||
		    (v != VY_STATUS_DONE && v != VY_STATUS_FAULT) ||
		    (v == VY_STATUS_FAULT && out && (size_t)k >= max))
			continue;
		free_slot(mk, s, v, now, out && (size_t)k < max ? &out[k] : NULL);
		k++;
	}
	if (mk->ticket)
		tk_advance(mk);
	return k;
}

/* The span of in-flight slots; 0 when none is in flight. */
static int inflight_span(struct vy_mk *mk, uint32_t *lo, uint32_t *hi)
{
	uint32_t a = mk->slots, b = 0;

	if (mk->ticket) {
		/* in flight: sequence numbers [tk_tail, tk_pub), no scan */
		tk_advance(mk);
		if (mk->tk_tail == mk->tk_pub)
			return 0;
		a = (uint32_t)(mk->tk_tail % mk->slots);
		b = (uint32_t)((mk->tk_pub - 1) % mk->slots);
		if (mk->tk_pub - mk->tk_tail >= mk->slots || a > b) {
			a = 0;
			b = mk->slots - 1;
		}
		*lo = a;
		*hi = b;
		return 1;
	}
	for (uint32_t s = 0; s < mk->slots; s++)
		if (mk->state[s] == SLOT_INFLIGHT) {
			if (s < a)
				a = s;
			b = s;
		}
	*lo = a;
	*hi = b;
	return a <= b;
}

/*
 * Free the in-flight slots among the @n states from @state; returns how
 * many.  Nothing else to do for them, so 8 states at a time: of FREE (0),
 * STAGED (1) and INFLIGHT (2), only INFLIGHT has bit 1 (vyre-bench-stage,
 * 65536 rows on this VM's host: one by one with the rest of free_slot's
 * work, 90 us).
 */
static uint32_t free_inflight(uint8_t *state, uint32_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint32_t k = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t v, m;

		memcpy(&v, state + i, 8);
		m = (v >> 1) & ones;
		if (!m)
			continue;
		k += (uint32_t)((m * ones) >> 56);	/* bytes of m summed */
		v &= ~(m << 1);
		memcpy(state + i, &v, 8);
	}
	for (; i < n; i++)
		if (state[i] == SLOT_INFLIGHT) {
			state[i] = SLOT_FREE;
			k++;
		}
	return k;
}

/*
 * Ticket claim: every slot published before @ticket ended DONE (RETIRED
 * said so): free them in sequence order without reading a status.  On a
 * copy transport their statuses in the host image still say PUBLISHED:
 * a store per row there cost as much as the rest of the free (65536 rows
 * on PoCL's host, vyre-bench-stage --transport copy), and a snapshot
 * reads the ring back anyway, except after a device error
 * (snapshot_done_rows).
 */
static int finish_all(struct vy_mk *mk, uint64_t ticket,
		      struct vy_dev_mk_done *out, size_t max)
{
	uint64_t now = vy_now_ns();
	int k = 0;

	/*
	 * free_slot's work for a run of DONE slots, through locals.  Every
	 * slot in flight in [tk_tail, end) is its sequence's (slot_seq).
	 */
	uint8_t *state = mk->state;
	const uint64_t *tag = mk->tag;
	const uint8_t *is_lm = mk->lm_inflight ? mk->is_lm : NULL;
	const struct mk_flush *flog = mk->flog;
	uint64_t end = ticket < mk->tk_pub ? ticket : mk->tk_pub;
	uint32_t slots = mk->slots, lm = 0, f = mk->flog_first;

	/*
	 * flush by flush (the log's entries cover the sequences in flight,
	 * in order), each in at most two runs: to the ring's end, then from
	 * slot 0.  A flush's slots share one latency.
	 */
	for (uint64_t q = mk->tk_tail; q < end;) {
		uint64_t fend;
		int k0 = k;

		while (flog[f].end <= q)
			f = f + 1 == slots ? 0 : f + 1;
		fend = flog[f].end < end ? flog[f].end : end;
		while (q < fend) {
			uint32_t s = (uint32_t)(q % slots), len = slots - s;
			uint32_t i = 0;

			if (len > fend - q)
				len = (uint32_t)(fend - q);
			for (; i < len && (is_lm || (out && (size_t)k < max));
			     i++) {
				if (state[s + i] != SLOT_INFLIGHT)
					continue;
				state[s + i] = SLOT_FREE;
				if (is_lm)
					lm += is_lm[s + i];
				if (out && (size_t)k < max)
					done_record(&out[k], tag[s + i], s + i,
						    VY_STATUS_DONE,
						    flog[f].t_ns, now);
				k++;
			}
			if (i < len)
				k += (int)free_inflight(state + s + i, len - i);
			q += len;
		}
		if (mk->lat)
			vy_hist_add_n(mk->lat, now - flog[f].t_ns,
				      (uint64_t)(k - k0));
	}
	mk->ninflight -= (uint32_t)k;
	mk->lm_inflight -= lm;
	mk->st.completed += (uint64_t)k;
	mk->done_freed += (uint32_t)k;
	if (end > mk->tk_tail)
		mk->tk_tail = end;
	tk_advance(mk);
	return k;
}

/* Has a quarter ring retired (as RETIRED last read said) unfreed? */
static int tk_behind(const struct vy_mk *mk)
{
	int32_t unfreed = (int32_t)(mk->rt_last - mk->rt_base - mk->done_freed);

	return unfreed > 0 && (uint32_t)unfreed >= tk_quarter(mk);
}

/*
 * DONE_TAIL @d (device ticket, modulo the claim's wrap) as a host ticket,
 * when it is past the oldest ticket in flight; else 0.  A host that freed
 * beyond it by reading statuses is ahead of it: nothing to do then.
 */
static uint64_t tk_done_tail(const struct vy_mk *mk, uint32_t d)
{
	uint32_t wrap = tk_wrap(mk);
	uint32_t t = (uint32_t)(mk->tk_tail % wrap), dist;

	if (d >= wrap)
		return 0;
	dist = d >= t ? d - t : d + (wrap - t);
	if (!dist || dist > mk->tk_pub - mk->tk_tail)
		return 0;
	return mk->tk_tail + dist;
}

/*
 * Ticket claim: a look at RETIRED @w and DONE_TAIL @d, read after
 * everything published before @ticket.  RETIRED equal to all of it: free
 * it all.  Else free what DONE_TAIL covers (every ticket below it ended
 * DONE) once that is a quarter of the ring, which keeps a ring that the
 * host keeps full flowing without status reads, in spans worth a publish:
 * freeing every few slots as they end had the host publish a few at a
 * time (on PoCL, vyre-launch --ring-slots 65536 ran 20 against 26 M
 * items/s so, its host never resting; with an eighth, the 256-slot ring
 * ran 4% below the tree without DONE_TAIL).  Otherwise the next look
 * reads the statuses (which frees whatever is final, in any order) once a
 * quarter of the ring has retired unfreed (tk_behind), or once RETIRED
 * has stood still for TK_STILL_NS (a fault, a slot that may not run);
 * until then a look stays one read of two words.
 */
static int tk_counters(struct vy_mk *mk, uint32_t w, uint32_t d,
		       uint64_t ticket, struct vy_dev_mk_done *out,
		       size_t max)
{
	uint32_t rt = w - mk->rt_base;
	uint64_t now = vy_now_ns(), dt;
	int k = 0;

	mk->st.counter_looks++;
	mk->rt_ticket = ticket;
	if (rt == (uint32_t)(ticket - mk->pub_base)) {
		mk->st.counter_frees++;
		return finish_all(mk, ticket, out, max);
	}
	dt = mk->cfg.no_done_tail ? 0 : tk_done_tail(mk, d);
	if (dt && dt - mk->tk_tail >= tk_quarter(mk)) {
		mk->st.tail_frees++;
		k = finish_all(mk, dt, out, max);
	}
	if (w != mk->rt_last) {
		mk->rt_last = w;
		mk->rt_moved = now;
	}
	if (tk_behind(mk) || now - mk->rt_moved >= TK_STILL_NS) {
		mk->tk_scan = 1;
		mk->rt_moved = now;
	}
	return k;
}

/* RETIRED and DONE_TAIL (control words 144, 145) into @w[2]: one read. */
static int tk_read_counters(struct vy_mk *mk, uint32_t w[2], struct vy_err *e)
{
	const uint32_t *c = (const uint32_t *)mk->t.b[VY_TB_CONTROL].host;
	int err = 0;

	if (mk->t.kind == VY_TRANSPORT_COPY)
		err = vy_dev_transport_pull(&mk->t, VY_TB_CONTROL,
					    VY_CTL_RETIRED * 4u, 8, e);
	if (err)
		return err;
	w[0] = __atomic_load_n(&c[VY_CTL_RETIRED], __ATOMIC_ACQUIRE);
	w[1] = __atomic_load_n(&c[VY_CTL_DONE_TAIL], __ATOMIC_ACQUIRE);
	return 0;
}

/*
 * After a look that read statuses: while the host keeps publishing (so
 * RETIRED will not equal what was published) and what RETIRED last said
 * is still a quarter ring ahead of what the host freed, the next look
 * reads statuses again rather than the counter, which would only say so
 * again: a host that keeps the ring full frees a span per look, not
 * every other.  A host that only waits looks at the counter next, which
 * frees everything at once when all is DONE.
 */
static void tk_scanned(struct vy_mk *mk)
{
	mk->tk_scan = mk->tk_count && mk->published_total > mk->rt_ticket &&
		      tk_behind(mk);
}

/*
 * Completion by counter, a look that reads statuses: the oldest half ring
 * in flight (from the tail, up to the ring's end), since the ticket claim
 * takes slots in ring order and the retired ones are there.  After
 * inflight_span found something in flight.
 */
static void scan_span(const struct vy_mk *mk, uint32_t *lo, uint32_t *hi)
{
	uint64_t n = mk->tk_pub - mk->tk_tail;
	uint32_t a = (uint32_t)(mk->tk_tail % mk->slots);
	uint32_t half = mk->slots > 1 ? mk->slots / 2 : 1;

	/*
	 * copy: no more than a read of whole rows covers (H200: whole rows
	 * of 4096 slots ran 19.7 M items/s against 12.6 M for the strided
	 * read of their status words, docs/BENCHMARKS.md measurement 2)
	 */
	if (mk->t.kind == VY_TRANSPORT_COPY && half > mk->t.obs_linear)
		half = mk->t.obs_linear;
	if (n > half)
		n = half;
	if (a + n > mk->slots)
		n = mk->slots - a;
	*lo = a;
	*hi = a + (uint32_t)n - 1;
}

/* Free every in-flight slot whose status is final (one blocking read). */
static int collect(struct vy_mk *mk, struct vy_dev_mk_done *out, size_t max,
		   struct vy_err *e)
{
	uint32_t lo, hi;
	int err, k;

	if (!inflight_span(mk, &lo, &hi))
		return 0;
	if (mk->tk_count && !mk->tk_scan) {
		err = tk_read_counters(mk, mk->stbuf, e);
		if (err)
			return err;
		k = tk_counters(mk, mk->stbuf[0], mk->stbuf[1],
				mk->published_total, out, max);
		if (k || !mk->tk_scan)
			return k;
	}
	if (mk->tk_count)
		scan_span(mk, &lo, &hi);
	mk->tk_scan = 0;
	err = vy_dev_transport_statuses(&mk->t, lo, hi - lo + 1, mk->stbuf, e);
	if (err)
		return err;
	/* a once launch queued before the read has finished too */
	kernel_time(mk, 0);
	/* a blocking read shows every publish queued before it */
	k = finish_slots(mk, lo, hi - lo + 1, mk->published_total, mk->stbuf,
			 out, max);
	tk_scanned(mk);
	return k;
}

/*
 * Status reads kept in flight.  One: on the H200 the read queued right
 * after a publish already shows the slot finished (1.00 reads per item),
 * and a further read still queued when the next publish comes delays it
 * (132 x 64 lanes: 9.6 us p50 with one, 11.1 with two; 4 x 64: 14.0 with
 * one, 17.8 to 20.2 with two to four).
 */
#define VY_MK_OBS_DEPTH 1u

/* Keep status reads in flight over the in-flight span. */
static int observe_pump(struct vy_mk *mk, struct vy_err *e)
{
	uint32_t lo, hi;
	int r;

	while (inflight_span(mk, &lo, &hi)) {
		uint64_t t0;

		if (vy_dev_transport_observe_pending(&mk->t) >= VY_MK_OBS_DEPTH)
			break;
		t0 = vy_now_ns();
		/*
		 * A span one read of whole rows covers costs that read
		 * either way, and frees as much as is final: the counter only
		 * pays beyond it (a first look at the counter and a second
		 * at the statuses would be two round trips).
		 */
		if (mk->tk_count && !mk->tk_scan &&
		    mk->tk_pub - mk->tk_tail > mk->t.obs_linear) {
			r = vy_dev_transport_observe_words(
				&mk->t, VY_CTL_RETIRED, 2, mk->published_total,
				e);
		} else {
			if (mk->tk_count)
				scan_span(mk, &lo, &hi);
			mk->tk_scan = 0;
			r = vy_dev_transport_observe_begin(
				&mk->t, lo, hi - lo + 1, mk->published_total,
				e);
		}
		mk->st.observe_ns += vy_now_ns() - t0;
		if (r)
			return r;
	}
	vy_dev_transport_kick(&mk->t);
	return 0;
}

/*
 * Copy transport, kernel running: keep status reads in flight over the
 * in-flight span (queued behind the publishes), and take the oldest one
 * once it has landed.  Never blocks.
 */
static int observe(struct vy_mk *mk, struct vy_dev_mk_done *out, size_t max,
		   struct vy_err *e)
{
	uint32_t first, n;
	uint64_t ticket;
	int r, words;

	r = observe_pump(mk, e);
	if (r)
		return r;
	r = vy_dev_transport_observe_end(&mk->t, &first, &n, &ticket, &words,
					 mk->stbuf, e);
	if (r <= 0)
		return r;
	if (words)
		return tk_counters(mk, mk->stbuf[0], mk->stbuf[1], ticket, out,
				   max);
	r = finish_slots(mk, first, n, ticket, mk->stbuf, out, max);
	tk_scanned(mk);
	return r;
}

int vy_dev_mk_poll(struct vy_mk *mk, struct vy_dev_mk_done *out, size_t max,
	       struct vy_err *e)
{
	int err, n;

	if (!mk->ninflight) {
		mk->t_progress = vy_now_ns();
		return 0;
	}
	mk->st.polls++;
	if (mk->lm_inflight) {
		err = vy_dev_mk_serve_io(mk, e);
		if (err < 0)
			return err;
	}
	n = pipelined(mk) ? observe(mk, out, max, e) : collect(mk, out, max, e);
	if (n > 0 || !mk->ninflight)
		mk->t_progress = vy_now_ns();
	return n;
}

void vy_dev_mk_set_latency(struct vy_mk *mk, struct vy_hist *h)
{
	mk->lat = h;
}

enum vy_dev_mk_end vy_dev_mk_watchdog(struct vy_mk *mk, uint64_t stall_ns,
				      uint64_t now)
{
	if (mk->cfg.persistent && mk->ninflight && !vy_dev_mk_running(mk))
		return VY_MK_END_KERNEL;
	if (stall_ns && vy_dev_mk_inflight(mk) && now > mk->t_progress &&
	    now - mk->t_progress > stall_ns)
		return VY_MK_END_STALL;
	return VY_MK_END_OK;
}

static int event_done(cl_event ev, int *done, struct vy_err *e)
{
	cl_int status = 0, rc;

	rc = clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			    sizeof(status), &status, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clGetEventInfo", rc);
	if (status < 0)
		return vy_errf(e, VY_E_DEVICE, NULL, "the kernel failed: %s",
			       vy_dev_cl_strerror(status));
	*done = status == CL_COMPLETE;
	return 0;
}

/* Sleep @ns (the timer's slack makes any sleep tens of microseconds). */
static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

void vy_dev_mk_idle(struct vy_mk *mk)
{
	if (mk->t.kind != VY_TRANSPORT_SHARED || !mk->running)
		return;
	/*
	 * Keep looking for a while after the last publish: a small batch
	 * ends within it, and a caller that keeps the ring full publishes
	 * again at every completion it sees.
	 */
	if (vy_now_ns() - mk->t_publish < VY_MK_IDLE_SPIN_NS) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		return;
	}
	nap(1000);	/* the shortest the timer gives */
}

/*
 * kernel_timing: add the device's own time for the last once launch, if
 * it has finished (@wait: wait for it), from the queue's profiling.
 */
static void kernel_time(struct vy_mk *mk, int wait)
{
	cl_ulong a = 0, b = 0;
	cl_int st = 0;

	if (!mk->kt_ev)
		return;
	if (wait)
		clWaitForEvents(1, &mk->kt_ev);
	if (clGetEventInfo(mk->kt_ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			   sizeof(st), &st, NULL) != CL_SUCCESS ||
	    (st != CL_COMPLETE && st >= 0))
		return;
	if (st == CL_COMPLETE &&
	    clGetEventProfilingInfo(mk->kt_ev, CL_PROFILING_COMMAND_START,
				    sizeof(a), &a, NULL) == CL_SUCCESS &&
	    clGetEventProfilingInfo(mk->kt_ev, CL_PROFILING_COMMAND_END,
				    sizeof(b), &b, NULL) == CL_SUCCESS &&
	    b >= a) {
		mk->st.kernel_ns += b - a;
		mk->st.kernels_timed++;
	}
	clReleaseEvent(mk->kt_ev);
	mk->kt_ev = NULL;
}

int vy_dev_mk_dispatch(struct vy_mk *mk, uint64_t deadline_ns, struct vy_err *e)
{
	cl_event ev = NULL;
	int err, done = 0;

	if (mk->cfg.persistent)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "dispatch is for once mode");
	err = vy_dev_mk_flush(mk, e);
	if (err)
		return err;
	if (mk->t.kind == VY_TRANSPORT_COPY) {
		if (!mk->cfg.kernel_timing)
			return launch(mk, NULL, e);
		/* the previous launch has finished: its slots were read */
		kernel_time(mk, 1);
		return launch(mk, &mk->kt_ev, e);
	}
	err = launch(mk, &ev, e);
	if (err)
		return err;
	for (;;) {
		err = event_done(ev, &done, e);
		if (err || done)
			break;
		if (mk->lm_inflight) {
			err = vy_dev_mk_serve_io(mk, e);
			if (err < 0)
				break;
			err = 0;
		}
		if (deadline_ns && vy_now_ns() > deadline_ns) {
			err = vy_errf(e, VY_E_TIMEOUT, NULL,
				      "the once dispatch did not finish in time");
			break;
		}
		sched_yield();
	}
	if (!err && mk->cfg.kernel_timing) {
		mk->kt_ev = ev;
		kernel_time(mk, 0);
		return 0;
	}
	clReleaseEvent(ev);
	return err;
}

int vy_dev_mk_running(struct vy_mk *mk)
{
	int done = 0;

	if (!mk->running)
		return 0;
	if (event_done(mk->kev, &done, NULL) || done) {
		mk->running = 0;
		mk->t.running = 0;
		vy_dev_transport_watch_reset(&mk->t);
		vy_dev_transport_observe_reset(&mk->t);
		if (mk->t.kind == VY_TRANSPORT_COPY)
			clFinish(mk->cl.q2);
	}
	return mk->running;
}

int vy_dev_mk_stop(struct vy_mk *mk, uint64_t wait_ns, struct vy_err *e)
{
	uint64_t end = vy_now_ns() + wait_ns;
	uint32_t cur = 0;
	int err;


	if (!mk->running)
		return 0;
	/* a non-zero word 0 already stops it; keep the value the work set */
	err = vy_dev_transport_read_word(&mk->t, VY_TB_CONTROL, VY_CTL_SHUTDOWN,
				     &cur, e);
	if (!err && !cur)
		err = vy_dev_transport_write_word(&mk->t, VY_TB_CONTROL,
					      VY_CTL_SHUTDOWN, 1, e);
	if (err)
		return err;
	while (vy_dev_mk_running(mk)) {
		if (vy_now_ns() > end)
			return vy_errf(e, VY_E_TIMEOUT,
				       "the device may need a reset",
				       "the kernel did not stop within %.1f s of SHUTDOWN",
				       wait_ns / 1e9);
		nap(50000);
	}
	return 0;
}

/*
 * A snapshot of the copy transport's host image after a device error: a
 * row freed by the counter (finish_all) shows PUBLISHED there, though the
 * kernel ended it DONE; say DONE, as a read of the ring would have.  No
 * other free row shows PUBLISHED: free_slot writes the status it read.
 */
static void snapshot_done_rows(const struct vy_mk *mk, uint8_t *ring)
{
	for (uint32_t s = 0; s < mk->slots; s++) {
		uint8_t *row = ring + (size_t)s * VY_SLOT_BYTES;

		if (mk->state[s] == SLOT_FREE &&
		    vy_word(row, VY_SLOT_STATUS_WORD) == VY_STATUS_PUBLISHED)
			vy_set_word(row, VY_SLOT_STATUS_WORD, VY_STATUS_DONE);
	}
}

int vy_dev_mk_snapshot(struct vy_mk *mk, struct vy_snapshot *s, struct vy_err *e)
{
	static const enum vy_dev_tbuf_id map[VY_BUF_COUNT] = {
		VY_TB_CONTROL, VY_TB_RING, VY_TB_DEBUG, VY_TB_IO
	};
	int err, first;

	vy_snapshot_init(s);
	first = vy_dev_mk_flush(mk, e);
	if (!first && mk->running)
		vy_dev_mk_running(mk);
	if (!first)
		first = test_fail("readback", e);
	for (int i = 0; i < VY_BUF_COUNT; i++) {
		struct vy_dev_tbuf *b = &mk->t.b[map[i]];

		/*
		 * After a device error the host image is the last copy read
		 * back: a post-mortem still gets it, marked by the error.
		 */
		if (!first && mk->t.kind == VY_TRANSPORT_COPY) {
			err = vy_dev_transport_pull(&mk->t, map[i], 0, b->len, e);
			if (err)
				first = err;
		}
		for (size_t w = 0; w < b->len / 4; w++)
			((uint32_t *)mk->snap[i])[w] = __atomic_load_n(
				(uint32_t *)b->host + w, __ATOMIC_RELAXED);
		if (first && mk->t.kind == VY_TRANSPORT_COPY &&
		    map[i] == VY_TB_RING)
			snapshot_done_rows(mk, mk->snap[i]);
		vy_snapshot_set_buf(s, i, mk->snap[i], b->len);
	}
	vy_snapshot_fill_geometry(s);
	s->geo.workgroup_size_x = mk->wgsize;
	s->geo.workgroups = mk->wgs;
	s->geo.tenant_count = mk->cfg.tenant_count;
	s->capture_ns = vy_wall_ns();
	s->sequence = mk->seq++;
	snprintf(s->device, sizeof(s->device), "%s", mk->cl.info.name);
	return first;
}

void vy_dev_mk_get_stats(const struct vy_mk *mk, struct vy_dev_mk_stats *out)
{
	*out = mk->st;
	out->t = mk->t.st;
}

int vy_dev_mk_read_control(struct vy_mk *mk, uint32_t w, uint32_t *out,
		       struct vy_err *e)
{
	return vy_dev_transport_read_word(&mk->t, VY_TB_CONTROL, w, out, e);
}

int vy_dev_mk_write_control(struct vy_mk *mk, uint32_t w, uint32_t v,
			struct vy_err *e)
{
	return vy_dev_transport_write_word(&mk->t, VY_TB_CONTROL, w, v, e);
}

int vy_dev_mk_watch_control(struct vy_mk *mk, uint32_t w, uint32_t *out,
			struct vy_err *e)
{
	return vy_dev_transport_watch(&mk->t, w, out, e);
}

int vy_dev_mk_read_data(struct vy_mk *mk, size_t off, size_t len,
			const uint8_t **out, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &mk->t.b[VY_TB_DATA];
	int err;

	if (off > (size_t)mk->cfg.data_words * 4 ||
	    len > (size_t)mk->cfg.data_words * 4 - off)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "%zu bytes at offset %zu are past the %u-word data buffer",
			       len, off, mk->cfg.data_words);
	if (mk->t.kind == VY_TRANSPORT_COPY && len) {
		err = vy_dev_transport_pull(&mk->t, VY_TB_DATA, off, len, e);
		if (err)
			return err;
	}
	*out = b->host + off;
	return 0;
}

int vy_dev_mk_write_data(struct vy_mk *mk, size_t off, const void *buf,
		     size_t len, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &mk->t.b[VY_TB_DATA];

	if (off > (size_t)mk->cfg.data_words * 4 ||
	    len > (size_t)mk->cfg.data_words * 4 - off)
		return vy_errf(e, VY_E_INVAL, "make the data buffer larger",
			       "%zu bytes at offset %zu do not fit the %u-word data buffer",
			       len, off, mk->cfg.data_words);
	memcpy(b->host + off, buf, len);
	/* blocking: a later load may rewrite the same host bytes */
	return vy_dev_transport_push(&mk->t, VY_TB_DATA, off, len, 1, e);
}

void vy_dev_mk_set_io_handler(struct vy_mk *mk, vy_dev_mk_io_fn fn, void *arg)
{
	mk->iofn = fn ? fn : default_io;
	mk->ioarg = arg;
}

void vy_dev_mk_set_resources(struct vy_mk *mk, struct vy_dev_mk_resource *r, size_t n)
{
	mk->res = r;
	mk->nres = n;
}

int vy_dev_mk_resource_load(struct vy_mk *mk, struct vy_dev_mk_resource *r,
			struct vy_err *e)
{
	size_t cap = (size_t)r->words * 4, got = 0;
	uint8_t *buf;
	int err;

	buf = calloc(1, cap ? cap : 1);
	if (!buf)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	/* the io_uring reader of vyre-stream (pread where io_uring is off) */
	err = vy_dev_read_range(r->path, 0, buf, cap, &got, e);
	if (!err)
		err = vy_dev_mk_write_data(mk, (size_t)r->word_offset * 4, buf,
				       cap, e);
	free(buf);
	if (!err)
		r->loads++;
	return err;
}

const char *vy_dev_mk_end_name(enum vy_dev_mk_end end)
{
	switch (end) {
	case VY_MK_END_OK:
		return "ok";
	case VY_MK_END_TIMEOUT:
		return "timeout";
	case VY_MK_END_STALL:
		return "stall";
	case VY_MK_END_SIGNAL:
		return "signal";
	case VY_MK_END_KERNEL:
		return "kernel_exit";
	}
	return "?";
}

struct run_state {
	struct vy_mk *mk;
	const struct vy_dev_mk_run_opts *o;
	struct vy_dev_mk_run_result *r;
	uint32_t w[16];
	int have, fence, eof;
	size_t fault_cap;
	struct vy_dev_mk_done done[256];
};

/* Take the next item into st->w unless one is waiting. */
static int run_fetch(struct run_state *st, struct vy_err *e)
{
	int rc;

	if (st->have || st->eof)
		return 0;
	st->fence = 0;
	rc = st->o->next(st->o->arg, st->w, &st->fence, e);
	if (rc < 0)
		return rc;
	if (!rc) {
		st->eof = 1;
		return 0;
	}
	st->have = 1;
	if (!st->fence)
		st->r->items++;
	return 0;
}

/* Stage as many items as fit (stops at a fence with work in flight). */
static int run_fill(struct run_state *st, struct vy_err *e)
{
	struct vy_mk *mk = st->mk;
	uint32_t batch = st->o->batch ? st->o->batch : mk->slots;
	uint32_t n = 0;
	int err;

	/* items without order or fences: staged by the staging threads */
	while (n < batch && st->o->produce && st->o->advance &&
	       !mk->cfg.priority && !st->have && !st->eof) {
		uint64_t left = st->o->advance(st->o->arg, 0);
		int k;

		if (!left)
			break;
		k = vy_dev_mk_produce(mk,
				      left < batch - n ? (uint32_t)left :
							 batch - n,
				      st->r->items, st->o->produce, st->o->arg,
				      e);
		if (k < 0)
			return k;
		if (!k)
			return (int)n;	/* the next slot is in flight */
		st->o->advance(st->o->arg, (uint64_t)k);
		st->r->items += (uint64_t)k;
		n += (uint32_t)k;
	}
	while (n < batch) {
		int64_t slot;

		/* in bulk, straight into the ring, up to a fence or the end */
		if (st->o->fill && !mk->cfg.priority && !st->have && !st->eof) {
			uint8_t *rows;
			uint32_t k = vy_dev_mk_reserve(mk, batch - n, &rows);
			uint32_t got = k ? st->o->fill(st->o->arg, rows, k) : 0;

			if (got) {
				err = vy_dev_mk_commit(mk, got, st->r->items, e);
				if (err)
					return err;
				st->r->items += got;
				n += got;
				continue;
			}
			if (!k)
				break;	/* the next slot is in flight */
		}
		err = run_fetch(st, e);
		if (err)
			return err;
		if (!st->have)
			break;
		if (st->fence) {
			if (vy_dev_mk_inflight(mk))
				break;
			st->have = 0;
			continue;
		}
		slot = vy_dev_mk_free_slot_prio(mk, st->w[VY_SLOT_PRIORITY_WORD]);
		if (slot < 0)
			break;
		err = vy_dev_mk_stage(mk, (uint32_t)slot, st->w, st->r->items - 1,
				  e);
		if (err)
			return err;
		st->have = 0;
		n++;
	}
	return (int)n;
}

static int run_collect(struct run_state *st, int n)
{
	struct vy_dev_mk_run_result *r = st->r;

	/* latencies: every item's, added by the polls (vy_dev_mk_set_latency) */
	r->processed += (uint64_t)n;
	for (int i = 0; i < n && i < (int)VY_ARRAY_SIZE(st->done); i++) {
		if (st->done[i].status != VY_STATUS_FAULT)
			continue;
		r->faulted++;
		/* kept for post-mortems: which items faulted, where */
		if (r->nfaults == st->fault_cap) {
			size_t nc = st->fault_cap ? st->fault_cap * 2 : 64;
			struct vy_dev_mk_fault *p =
				realloc(r->faults, nc * sizeof(*p));

			if (!p)
				return VY_E_NOMEM;
			r->faults = p;
			st->fault_cap = nc;
		}
		r->faults[r->nfaults].tag = st->done[i].tag;
		r->faults[r->nfaults++].slot = st->done[i].slot;
	}
	return 0;
}

/*
 * Poll until a poll fills less than the batch of 256 reports: a full one
 * may have left faults in flight for the next (vy_dev_mk_poll).
 */
static int run_poll(struct run_state *st, struct vy_err *e)
{
	int n, total = 0, err;

	do {
		n = vy_dev_mk_poll(st->mk, st->done, VY_ARRAY_SIZE(st->done), e);
		if (n < 0)
			return n;
		err = run_collect(st, n);
		if (err)
			return vy_errf(e, err, NULL, "out of memory");
		total += n;
	} while (n >= (int)VY_ARRAY_SIZE(st->done));
	return total;
}

int vy_dev_mk_run(struct vy_mk *mk, const struct vy_dev_mk_run_opts *o,
	      struct vy_dev_mk_run_result *r, struct vy_err *e)
{
	struct run_state st;
	uint64_t t0, now, next_snap, next_progress;
	struct vy_snapshot snap;
	int err, n;

	memset(r, 0, sizeof(*r));
	memset(&st, 0, sizeof(st));
	st.mk = mk;
	st.o = o;
	st.r = r;
	err = vy_dev_mk_start(mk, e);
	if (err)
		return err;
	vy_dev_mk_set_latency(mk, &r->lat);
	t0 = vy_now_ns();
	next_snap = t0 + o->interval_ns;
	next_progress = t0 + VY_MK_PROGRESS_NS;
	for (;;) {
		int filled;

		now = vy_now_ns();
		if (o->stop && *o->stop) {
			r->end = VY_MK_END_SIGNAL;
			break;
		}
		if (o->timeout_ns && now - t0 > o->timeout_ns) {
			r->end = VY_MK_END_TIMEOUT;
			break;
		}
		filled = run_fill(&st, e);
		if (filled < 0) {
			err = filled;
			goto out;
		}
		if (mk->cfg.persistent) {
			err = vy_dev_mk_flush(mk, e);
		} else if (vy_dev_mk_inflight(mk)) {
			uint64_t dl = o->timeout_ns ? t0 + o->timeout_ns : 0;

			err = vy_dev_mk_dispatch(mk, dl, e);
			if (err == VY_E_TIMEOUT) {
				r->end = VY_MK_END_TIMEOUT;
				err = 0;
				break;
			}
		}
		if (err)
			goto out;
		n = run_poll(&st, e);
		if (n < 0) {
			err = n;
			goto out;
		}
		now = vy_now_ns();
		if (st.eof && !st.have && !vy_dev_mk_inflight(mk)) {
			r->end = VY_MK_END_OK;
			break;
		}
		if (mk->cfg.persistent && !vy_dev_mk_running(mk)) {
			n = run_poll(&st, e);
			if (n < 0) {
				err = n;
				goto out;
			}
			run_fetch(&st, e);
			r->end = !vy_dev_mk_inflight(mk) && st.eof && !st.have ?
					 VY_MK_END_OK :
					 VY_MK_END_KERNEL;
			break;
		}
		if (vy_dev_mk_watchdog(mk, o->stall_ns, now) ==
		    VY_MK_END_STALL) {
			r->end = VY_MK_END_STALL;
			break;
		}
		if (o->on_progress && now >= next_progress) {
			o->on_progress(o->progress_arg, r, now - t0);
			next_progress = now + VY_MK_PROGRESS_NS;
		}
		if (o->interval_ns && o->on_snapshot && now >= next_snap) {
			err = vy_dev_mk_snapshot(mk, &snap, e);
			if (!err)
				err = o->on_snapshot(o->snap_arg, &snap, e);
			if (err)
				goto out;
			next_snap = now + o->interval_ns;
		}
		if (!n && !filled)
			vy_dev_mk_idle(mk);
	}
	err = 0;
out:
	r->wall_ns = vy_now_ns() - t0;
	if (mk->cfg.persistent) {
		struct vy_err se;
		int serr = vy_dev_mk_stop(mk, VY_MK_STOP_WAIT_NS, &se);

		if (serr && !err) {
			if (e)
				*e = se;
			err = serr;
		}
		/* a last look: slots that finished while stopping */
		if (!serr && vy_dev_mk_inflight(mk)) {
			n = run_poll(&st, NULL);
			(void)n;
		}
	}
	vy_dev_mk_set_latency(mk, NULL);
	r->remaining = r->items - r->processed;
	return err;
}
