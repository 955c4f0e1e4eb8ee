/* SPDX-License-Identifier: MIT */
/*
 * megakernel.h - one megakernel session: open a device, build the
 * interpreter, lay out the buffers, launch, publish slots, observe their
 * completion, serve LOAD_MISS requests, snapshot, shut down.
 *
 * Modes:
 *   persistent  vy_dev_mk_start launches one kernel that runs until SHUTDOWN
 *               (vy_dev_mk_stop), its iteration bound or its idle bound.  Slots
 *               are published and recycled while it runs: the ring is a
 *               real queue, any amount of work streams through it.
 *   once        nothing runs between dispatches; vy_dev_mk_dispatch runs one
 *               single-pass kernel over what is published (upstream's
 *               finite program; the relaunch baseline).
 *
 * Host slot ownership: a slot is "free" (the host saw it EMPTY, DONE or
 * FAULT, or never published it) or "in flight" (published by this session,
 * not yet seen finished).  The host publishes only into free slots, so no
 * item is lost or run twice.  The kernel stores DONE/FAULT after it counts
 * DONE_COUNT (upstream order); the host therefore judges completion from
 * each slot's own status.  With a copy transport and a running kernel it
 * reads them without blocking: one status read queued behind each publish
 * on the same in-order queue, seen landing in pinned memory; a read only
 * counts for slots published before it was queued.
 *
 * Drivers: vyre-launch and the benchmarks feed work items through
 * vy_dev_mk_run.  vyre-stream --persistent (stream.h) is a plug-in: its
 * opcodes 8-11 are compiled into the claim loop (user_src below), its chunk
 * buffer is the user buffer (vy_dev_mk_set_user_buf), its DFA and results
 * live in the data buffer, and it publishes with vy_dev_mk_stage_op and
 * vy_dev_mk_flush, collects with vy_dev_mk_poll, guards with
 * vy_dev_mk_watchdog and ends with vy_dev_mk_stop, as vy_dev_mk_run does.
 * vyre-vectors replaces the LOAD_MISS handler (vy_dev_mk_set_io_handler).
 *
 * Errors: the codes of cl.h and transport.h, VY_E_TIMEOUT (a bounded wait
 * ran out), VY_E_INVAL (bad configuration), VY_E_NOMEM.
 */
#ifndef VY_MEGAKERNEL_H
#define VY_MEGAKERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "device/cl.h"
#include "wire/hist.h"
#include "wire/dump.h"
#include "wire/err.h"
#include "device/progcache.h"
#include "device/transport.h"

#define VY_MK_DEFAULT_SLOTS 256u
#define VY_MK_DEFAULT_IO_POLL_MAX 0x7FFFFFFFu

struct vy_dev_mk_params {
	const char *device;		/* vy_dev_cl_open specifier; NULL = default */
	enum vy_dev_transport_kind transport;	/* AUTO: from the device */
	const char *kernel_path;	/* kernel source file; NULL = embedded */
	int persistent;			/* 1 persistent, 0 once */
	int priority;			/* the priority scheduler (D9) */
	uint32_t slots;			/* ring slots; 0 = 256 */
	uint32_t workgroups;		/* work-groups launched; 0 = 1 */
	uint32_t workgroup_size;	/* lanes per work-group; 0 = 1 */
	uint32_t tenant_count;		/* encode_control's tenant_count */
	uint32_t observable_slots;
	uint32_t max_iters;		/* kernel iteration bound; 0 = 2^32-1 */
	uint32_t idle_max;		/* idle iterations before exit; 0 = none */
	uint32_t io_poll_max;		/* LOAD_MISS poll bound; 0 = default */
	uint32_t data_words;		/* data buffer words (D6); 0 = none */
	/*
	 * Persistent, without the priority scheduler, the kernel claims by
	 * ticket (vyre(7), TICKET CLAIM): slots must then be staged in ring
	 * order, which vy_dev_mk_free_slot hands out, and vy_dev_mk_stage
	 * refuses any other slot.  1: the scanning claim, any free slot may
	 * be staged (callers that choose their own slot numbers).
	 */
	int scan_claim;
	uint32_t obs_linear_slots;	/* copy: vy_dev_transport_init's
					   @obs_linear; 0 = its default */
	int observe_blocking;		/* copy: one blocking status read per
					   look instead of the queued
					   non-blocking ones (comparisons) */
	/*
	 * The ticket claim observes completion by counter: a look reads
	 * control word 144 (RETIRED) and, when it shows everything published
	 * has ended DONE, frees it all without a status read; statuses are
	 * read only once a quarter of the ring has retired, or when RETIRED
	 * stands still (a fault, a tenant that may not run).  Copy: while
	 * no more is in flight than one read of whole rows covers
	 * (obs_linear_slots), a look reads those rows instead.
	 * 1: read the statuses on every look (comparisons).
	 */
	int status_completion;
	/*
	 * A look also frees what control word 145 (DONE_TAIL) covers once
	 * that is a quarter ring (a host that keeps the ring full never sees
	 * RETIRED equal what it published).  1: do not (comparisons; the
	 * kernel still moves the word).
	 */
	int no_done_tail;
	/*
	 * Once mode: time each launch on the device (the queue's profiling)
	 * into vy_dev_mk_stats.kernel_ns; costs an event per launch.
	 */
	int kernel_timing;
	/*
	 * A plug-in's opcodes (vyre-stream's 8-11): OpenCL C appended to the
	 * megakernel source, built with -DVY_USER_OPS and @user_options.  It
	 * defines
	 *   static int vy_user_op(const struct vy_bufs *b, uint op,
	 *                         const uint *args);
	 * which the claim loop calls for every claimed slot before the
	 * built-in dispatch: 0 DONE, 1 FAULT, -1 not a user opcode.  The
	 * session's claim, bounds, SHUTDOWN, metric and DONE_COUNT accounting
	 * apply to user opcodes as to built-in ones.  NULL: none.
	 */
	const char *user_src;
	size_t user_len;
	const char *user_options;	/* extra build options; may be NULL */
	int no_cache;			/* build from source, bypassing the
					   compiled-program cache (progcache.h) */
	int small_pinned;		/* copy: small writes from the pinned
					   images, not pageable copies
					   (vy_dev_transport_small_pageable;
					   comparisons) */
	/*
	 * Threads that stage with vy_dev_mk_produce, the caller's own
	 * included: 0 or 1 the caller's thread only; N starts N - 1 staging
	 * threads at the first produce that has rows enough for them
	 * (joined by vy_dev_mk_close).  At most VY_MK_PRODUCERS_MAX, else
	 * vy_dev_mk_open fails with VY_E_INVAL.
	 */
	uint32_t producers;
};

/* How long vy_dev_mk_stop waits for a kernel after SHUTDOWN (every driver). */
#define VY_MK_STOP_WAIT_NS 2000000000ull

/* One LOAD_MISS (or other) IO request the kernel posted. */
struct vy_dev_mk_io_req {
	uint32_t io_slot;
	uint32_t op_type, src, dst;
	uint64_t offset;
	uint32_t byte_count, tag;
};

struct vy_mk;

/*
 * Serve one claimed IO request.  Return 0 to complete it OK, 1 to complete
 * it ERROR, or a negative VY_E_* code (with @e filled) to abort the run.
 */
typedef int (*vy_dev_mk_io_fn)(struct vy_mk *mk, const struct vy_dev_mk_io_req *req,
			   void *arg, struct vy_err *e);

/* A file that answers LOAD_MISS requests for one resource id. */
struct vy_dev_mk_resource {
	uint32_t id;
	const char *path;
	uint32_t word_offset;		/* where it goes in the data buffer */
	uint32_t words;			/* room reserved for it */
	uint64_t loads;			/* requests served */
};

/* One finished item, as vy_dev_mk_poll reports it. */
struct vy_dev_mk_done {
	uint64_t tag;			/* what vy_mk_publish was given */
	uint32_t slot;
	uint32_t status;		/* VY_STATUS_DONE or VY_STATUS_FAULT */
	uint64_t latency_ns;		/* publish -> completion observed */
	uint64_t done_ns;		/* when it was observed (vy_now_ns) */
};

struct vy_dev_mk_stats {
	uint64_t published, completed, faulted;
	uint64_t launches;
	uint64_t plan_ns, publish_ns, dispatch_ns;
	uint64_t observe_ns;		/* host time queuing status reads */
	uint64_t polls, status_reads;
	uint64_t counter_looks;		/* ticket: counter words examined */
	uint64_t counter_frees;		/* ticket: looks that freed all */
	uint64_t tail_frees;		/* ticket: looks that freed up to
					   DONE_TAIL (word 145) */
	uint64_t kernel_ns, kernels_timed;	/* kernel_timing: device time
						   of once launches */
	uint64_t io_served, io_errors;
	struct vy_dev_transport_stats t;
};

/*
 * Open the device, build the kernel, allocate and initialise the buffers.
 * The geometry is the caller's (programs ask the launch policy, see
 * policy/launch.h): a work-group size above the device's limit, or in
 * persistent mode more work-groups than can be resident, is VY_E_INVAL
 * with a message naming the limit; nothing is clamped.
 */
int vy_dev_mk_open(struct vy_mk **out, const struct vy_dev_mk_params *cfg,
	       struct vy_err *e);
void vy_dev_mk_close(struct vy_mk *mk);

/*
 * The host image of buffer @id (VY_TB_*).  Before vy_dev_mk_start the caller
 * may edit control, debug, io and data freely (control_init, DFA tables);
 * they are uploaded by vy_dev_mk_start.
 */
uint8_t *vy_dev_mk_image(struct vy_mk *mk, enum vy_dev_tbuf_id id, size_t *len);

/*
 * The session's device, context and queues (borrowed, valid until
 * vy_dev_mk_close): a plug-in creates its buffers in this context, and on
 * a copy transport writes what a slot refers to on @q2 before staging the
 * slot, so the in-order queue lands the bytes before the slot's status.
 */
const struct vy_dev_cl *vy_dev_mk_cl(const struct vy_mk *mk);

/*
 * Give the kernel the plug-in's buffer @mem of @bytes (b->user,
 * b->user_bytes in vy_user_op; NULL and 0 until set).  The session
 * borrows @mem: release it after vy_dev_mk_close.  Call before
 * vy_dev_mk_start.  Errors: VY_E_DEVICE.
 */
int vy_dev_mk_set_user_buf(struct vy_mk *mk, cl_mem mem, uint64_t bytes,
			   struct vy_err *e);

/* Upload the images; in persistent mode launch the kernel. */
int vy_dev_mk_start(struct vy_mk *mk, struct vy_err *e);
/*
 * Upload the images and nothing else: what vyre-launch does for an empty
 * work list, which the seed answers without dispatching, so that the
 * snapshot shows the buffers as initialised.  Errors: the transport's.
 */
int vy_dev_mk_upload(struct vy_mk *mk, struct vy_err *e);

/*
 * The limits the geometry must keep (caps.h), with the kernel's own
 * CL_KERNEL_WORK_GROUP_SIZE: ask them after vy_dev_mk_open, choose, then
 * vy_dev_mk_set_geometry before vy_dev_mk_start.
 */
struct vy_dev_limits;
int vy_dev_mk_limits(const struct vy_mk *mk, struct vy_dev_limits *out,
		     struct vy_err *e);

/*
 * Replace the geometry of vy_dev_mk_open's @cfg before the kernel runs;
 * the same checks (VY_E_INVAL naming the limit; 0 counts as 1).
 */
int vy_dev_mk_set_geometry(struct vy_mk *mk, uint32_t workgroups,
			   uint32_t workgroup_size, struct vy_err *e);

/* Launch geometry and facts for reports. */
struct vy_dev_mk_info {
	uint32_t slots, workgroups, workgroup_size;
	int persistent, priority;
	enum vy_dev_transport_kind transport;
	struct vy_dev_cl_devinfo dev;
	struct vy_dev_progcache_result progcache;	/* how the kernel was built */
};
void vy_dev_mk_get_info(const struct vy_mk *mk, struct vy_dev_mk_info *out);

/*
 * A free slot (round robin), or -1 when every slot is in flight.  With the
 * ticket claim: the next slot in ring order, or -1 while it is in flight.
 */
int64_t vy_dev_mk_free_slot(struct vy_mk *mk);

/*
 * With the priority scheduler: a free slot in the partition of priority
 * @prio (0 CRITICAL .. 4 IDLE; larger values count as NORMAL), since the
 * scheduler takes a slot's priority from where it sits, not from its
 * priority word.  Without it: vy_dev_mk_free_slot.  -1 when the partition is
 * full.
 */
int64_t vy_dev_mk_free_slot_prio(struct vy_mk *mk, uint32_t prio);
/* Slots in flight. */
uint32_t vy_dev_mk_inflight(const struct vy_mk *mk);
/*
 * The tag slot @slot was last staged with (vy_dev_mk_run: the item
 * number from 0); 0 for a slot never staged or out of range.
 */
uint64_t vy_dev_mk_slot_tag(const struct vy_mk *mk, uint32_t slot);

/*
 * Stage @words (a 16-word slot image; word 0 is ignored) into free slot
 * @slot with @tag; it goes out with the next vy_dev_mk_flush (or vy_dev_mk_dispatch).
 * Errors: VY_E_SLOT_NOT_PUBLISHABLE (the slot is in flight, or with the
 * ticket claim not the next in ring order), VY_E_SLOT_OUT_OF_RANGE.
 */
int vy_dev_mk_stage(struct vy_mk *mk, uint32_t slot, const uint32_t words[16],
		uint64_t tag, struct vy_err *e);

/*
 * Bulk staging: vy_dev_mk_reserve points *@rows at the host image of the
 * next slots (in ring order with the ticket claim, else from the round
 * robin cursor; 64-byte rows, slot after slot) and returns how many of
 * them, up to @n and at most VY_MK_RESERVE_MAX, are free and contiguous
 * (0 while the next slot is in flight).  The cap keeps the rows a
 * producer writes in cache for commit, which reads each row's opcode
 * (and, with the ticket claim, sets its status).  The caller writes
 * words 1..15 of each row in place,
 * little-endian (never word 0, the status), and then hands the first @n
 * of them over with vy_dev_mk_commit, tagged @tag0, @tag0 + 1, ...; they
 * go out with the next vy_dev_mk_flush (or vy_dev_mk_dispatch).  No copy of
 * the items is made: a producer that builds items in place stages them
 * at the cost of writing them.  With the priority scheduler (which places
 * slots by priority) reserve returns 0 and commit fails (VY_E_INVAL);
 * commit of slots that are not free is VY_E_SLOT_NOT_PUBLISHABLE.
 */
#define VY_MK_RESERVE_MAX 512u	/* rows per reserve: 32 KiB */
uint32_t vy_dev_mk_reserve(struct vy_mk *mk, uint32_t n, uint8_t **rows);
int vy_dev_mk_commit(struct vy_mk *mk, uint32_t n, uint64_t tag0,
		     struct vy_err *e);

/*
 * Parallel bulk staging.  vy_dev_mk_produce stages up to @n items into
 * the next free rows, as vy_dev_mk_reserve + vy_dev_mk_commit would (in
 * ring order with the ticket claim, else from the round-robin cursor;
 * contiguous, up to the first slot in flight or the ring's end, without
 * VY_MK_RESERVE_MAX's cap), tagged @tag0, @tag0 + 1, ...; they go out
 * with the next vy_dev_mk_flush (or vy_dev_mk_dispatch).  It returns how
 * many rows it staged (0 while the next slot is in flight; fewer than @n
 * at the ring's end or at a slot in flight: call again after a flush or a
 * poll) or a negative error.
 *
 * The rows are split into ranges of at least VY_MK_PRODUCE_MIN_ROWS, one
 * per thread up to the session's @producers (params): a batch too small
 * to split stays on the caller's thread.  Each thread calls @fill for its
 * range, in pieces of at most VY_MK_RESERVE_MAX rows (so that its rows
 * are still in cache for the bookkeeping that follows each piece):
 *
 *   fill(arg, rows, first, n): write words 1..15, little-endian, of the n
 *   64-byte rows at @rows (slot after slot) for items first .. first+n-1
 *   (@first counts from @tag0: the item's tag).  It is called
 *   concurrently from several threads on disjoint ranges, in no
 *   particular order, so it must be safe for that (a pure function of the
 *   item number, or its own locking); it must not write word 0 (the
 *   status) or outside its rows, must not call into the session, and
 *   cannot fail (produce all items, or check them before).
 *
 * When produce returns, every @fill call has returned and its rows'
 * bookkeeping is done (the threads synchronise with the caller); the
 * session itself is still single-threaded: one thread at a time calls
 * produce and every other vy_dev_mk_* function.  The staging threads run
 * only inside produce; between calls they spin for VY_MK_PRODUCE_SPIN_NS
 * (a batch staged in chunks finds them awake), then sleep.  If a thread
 * cannot be started, produce stages with those that could (the caller's
 * at least).  Errors: VY_E_INVAL (the priority scheduler, which places
 * slots by priority: use vy_dev_mk_stage; or @fill NULL).
 */
typedef void (*vy_dev_mk_fill_fn)(void *arg, uint8_t *rows, uint64_t first,
				  uint32_t n);
#define VY_MK_PRODUCERS_MAX 64u
#define VY_MK_PRODUCE_MIN_ROWS 2048u	/* rows per thread: 128 KiB */
#define VY_MK_PRODUCE_SPIN_NS 200000u
int vy_dev_mk_produce(struct vy_mk *mk, uint32_t n, uint64_t tag0,
		      vy_dev_mk_fill_fn fill, void *arg, struct vy_err *e);

/*
 * Change the session's producers (params) before the first produce that
 * starts threads: for a caller that decides once the device is known
 * (vy_dev_mk_auto_producers).  Errors: VY_E_INVAL (above
 * VY_MK_PRODUCERS_MAX, or the threads have started).
 */
int vy_dev_mk_set_producers(struct vy_mk *mk, uint32_t n, struct vy_err *e);

/*
 * Producers a program uses unless told: 1 on a CPU device (its cores run
 * the kernel; staging threads would take them from it), else
 * vy_dev_mk_host_producers: the online CPUs less one for the driver, 1
 * to 4.
 */
uint32_t vy_dev_mk_auto_producers(const struct vy_dev_cl_devinfo *d);
uint32_t vy_dev_mk_host_producers(void);

/*
 * Stage one operation into free slot @slot through the protocol
 * publisher (vy_publish_slot: tenant 0, priority VY_PRIO_NORMAL, the
 * @nargs <= 12 words of @args, the rest zero, little-endian).  Errors:
 * those of vy_publish_slot and vy_dev_mk_stage.
 */
int vy_dev_mk_stage_op(struct vy_mk *mk, uint32_t slot, uint32_t opcode,
		       const uint32_t *args, size_t nargs, uint64_t tag,
		       struct vy_err *e);

/*
 * Publish every staged slot (contiguous runs as single transfers; copy
 * with a running kernel: payload write, status write and one status read
 * behind them, one flush).  With the ticket claim: the slots with their
 * PUBLISHED statuses in one write per contiguous run, then one write of
 * PUBLISH_HEAD (control word 142), and the status read.
 */
int vy_dev_mk_flush(struct vy_mk *mk, struct vy_err *e);

/*
 * Look for finished slots: serve IO requests, read the statuses of the
 * in-flight slots (copy with a running kernel: take the queued status read
 * once it has landed, queue the next), free the finished ones.  Up to @max
 * are reported in @out (may be NULL); returns how many finished (>= 0), or
 * an error.  A FAULT is freed only with its report: once @out is full,
 * faulted slots stay in flight for a later poll (so a poll that reports
 * @max may have left some).  Does not block on the device beyond one read.
 */
int vy_dev_mk_poll(struct vy_mk *mk, struct vy_dev_mk_done *out, size_t max,
	       struct vy_err *e);

/*
 * From the next poll on, add the latency of every slot it frees (ns from
 * the flush that published it to the poll that saw it finish) to @h,
 * reported in @out or not; NULL stops.  Borrowed: @h must outlive its
 * use.  Items a flush published and a poll freed together share one
 * latency, added at once (vy_hist_add_n).
 */
void vy_dev_mk_set_latency(struct vy_mk *mk, struct vy_hist *h);

/* Serve the IO queue once (claim, handler, complete). Returns the count. */
int vy_dev_mk_serve_io(struct vy_mk *mk, struct vy_err *e);

/*
 * Once mode: publish what is staged, run one dispatch and wait for it until
 * @deadline_ns (vy_now_ns clock; 0 = no limit), serving IO meanwhile on a
 * shared transport.  VY_E_TIMEOUT when the deadline passes.
 */
int vy_dev_mk_dispatch(struct vy_mk *mk, uint64_t deadline_ns, struct vy_err *e);

/*
 * Persistent mode: set SHUTDOWN (control word 0 = 1) and wait up to
 * @wait_ns for the kernel to end.  VY_E_TIMEOUT when it did not.  Safe to
 * call when nothing runs.
 */
int vy_dev_mk_stop(struct vy_mk *mk, uint64_t wait_ns, struct vy_err *e);

/* Is the persistent kernel still running? */
int vy_dev_mk_running(struct vy_mk *mk);

/*
 * Capture the four ABI buffers into @s (borrowing the session's snapshot
 * copies, valid until the next capture): geometry, device name, capture
 * time and sequence number are set.  When the device fails (the flush or
 * a copy back), @s is still filled, from the host's last copy of each
 * buffer, and the device error is returned: a caller can keep it for a
 * post-mortem.  In that copy a slot the host has freed shows the status
 * it ended with (DONE for one freed by the RETIRED counter, which the
 * host's image of the ring does not store).
 */
int vy_dev_mk_snapshot(struct vy_mk *mk, struct vy_snapshot *s, struct vy_err *e);

/* Counters for the report. */
void vy_dev_mk_get_stats(const struct vy_mk *mk, struct vy_dev_mk_stats *out);

/* Read control word @w (blocking on a copy transport). */
int vy_dev_mk_read_control(struct vy_mk *mk, uint32_t w, uint32_t *out,
		       struct vy_err *e);

/* Write control word @w now (host image and device). */
int vy_dev_mk_write_control(struct vy_mk *mk, uint32_t w, uint32_t v,
			struct vy_err *e);

/*
 * Observe control word @w without blocking (vy_dev_transport_watch): 1 with
 * *@out set, 0 when no fresh value has landed yet.
 */
int vy_dev_mk_watch_control(struct vy_mk *mk, uint32_t w, uint32_t *out,
			struct vy_err *e);

/*
 * Bring bytes [@off, @off + @len) of the data buffer to its host image
 * (copy: one blocking read; shared: nothing to move) and point *@out at
 * them.  Errors: VY_E_INVAL (out of range), VY_E_DEVICE.
 */
int vy_dev_mk_read_data(struct vy_mk *mk, size_t off, size_t len,
			const uint8_t **out, struct vy_err *e);

/* Write @len bytes at byte @off of the data buffer (live; in order). */
int vy_dev_mk_write_data(struct vy_mk *mk, size_t off, const void *buf,
		     size_t len, struct vy_err *e);

/*
 * Replace the IO handler (the default serves the resource table set with
 * vy_dev_mk_set_resources through vy_dev_mk_resource_load, and answers
 * ERROR for unknown ids).  vyre-vectors plugs its own table in here.
 */
void vy_dev_mk_set_io_handler(struct vy_mk *mk, vy_dev_mk_io_fn fn, void *arg);

/* The resource table the default handler serves (borrowed). */
void vy_dev_mk_set_resources(struct vy_mk *mk, struct vy_dev_mk_resource *r, size_t n);

/*
 * The resource loader: read @r->path with plain reads (at most @r->words
 * words) into the data buffer at @r->word_offset.  Errors: VY_E_IO.
 */
int vy_dev_mk_resource_load(struct vy_mk *mk, struct vy_dev_mk_resource *r,
			struct vy_err *e);

/* ---- the run driver (vyre-launch, benchmarks) ------------------------- */

enum vy_dev_mk_end {
	VY_MK_END_OK = 0,	/* every item finished */
	VY_MK_END_TIMEOUT,	/* the wall-clock bound ran out */
	VY_MK_END_STALL,	/* the watchdog saw no progress */
	VY_MK_END_SIGNAL,	/* *stop became non-zero */
	VY_MK_END_KERNEL,	/* the kernel ended first (SHUTDOWN, bounds) */
};

/*
 * The watchdog of every driver, at time @now (vy_now_ns): VY_MK_END_KERNEL
 * when a persistent kernel ended with slots in flight, VY_MK_END_STALL
 * when slots have been in flight with no completion for @stall_ns (0 = no
 * bound), else VY_MK_END_OK.  Progress is what vy_dev_mk_poll saw.
 */
/*
 * The caller has nothing to do until something completes (its last
 * vy_dev_mk_poll returned 0).  On a shared transport, whose kernel runs on
 * the host's own cores (PoCL), a host that keeps looking slows the
 * kernel it waits for: VY_MK_IDLE_SPIN_NS after the last publish this
 * sleeps the shortest the timer allows, so waiting for a large batch
 * leaves the cores to the kernel while a small batch, or a ring kept full
 * by publishing at each completion, is still seen at once.  Elsewhere it
 * returns at once.
 */
#define VY_MK_IDLE_SPIN_NS 50000u
void vy_dev_mk_idle(struct vy_mk *mk);

enum vy_dev_mk_end vy_dev_mk_watchdog(struct vy_mk *mk, uint64_t stall_ns,
				      uint64_t now);

/* "ok", "timeout", "stall", "signal", "kernel_exit". */
const char *vy_dev_mk_end_name(enum vy_dev_mk_end end);

struct vy_dev_mk_run_result;

struct vy_dev_mk_run_opts {
	/*
	 * The next work item: return 1 with @w filled (a 16-word slot image)
	 * or *@fence set, 0 at the end, or a negative error.
	 */
	int (*next)(void *arg, uint32_t w[16], int *fence, struct vy_err *e);
	/*
	 * Optional, the same source in bulk: write up to @n items that come
	 * next, stopping before a fence, into @rows (64-byte slot rows;
	 * words 1..15 little-endian, word 0 untouched) and return how many,
	 * 0 at a fence or the end (next then takes it).  Used where bulk
	 * staging applies (vy_dev_mk_reserve); NULL: next only.
	 */
	uint32_t (*fill)(void *arg, uint8_t *rows, uint32_t n);
	/*
	 * Optional, for a source whose next items hold no fence and need no
	 * order among them (vyre-launch --synthetic): @produce writes them
	 * as vy_dev_mk_produce's fill does (concurrently, on the session's
	 * staging threads; @first is the item number from 0 in this run),
	 * and @advance moves the source past @k items so written and returns
	 * how many such items are left (@k 0: only ask).  Once none are
	 * left, fill and next take over.  Used where bulk staging applies;
	 * NULL: fill and next only.
	 */
	vy_dev_mk_fill_fn produce;
	uint64_t (*advance)(void *arg, uint64_t k);
	void *arg;
	uint64_t timeout_ns;	/* whole run; 0 = none */
	uint64_t stall_ns;	/* no progress with work in flight; 0 = none */
	uint64_t interval_ns;	/* periodic snapshots; 0 = none */
	/* periodic snapshots go here (may be NULL) */
	int (*on_snapshot)(void *snap_arg, const struct vy_snapshot *s,
			   struct vy_err *e);
	void *snap_arg;
	const volatile int *stop;	/* checked every round; may be NULL */
	uint32_t batch;		/* most items published per round; 0 = ring */
	/*
	 * Called about every VY_MK_PROGRESS_NS with the result so far
	 * (items, processed) and the ns since the kernel started; may be
	 * NULL.  It must not call back into the session.
	 */
	void (*on_progress)(void *progress_arg,
			    const struct vy_dev_mk_run_result *r,
			    uint64_t elapsed_ns);
	void *progress_arg;
};

/* One faulted item: its tag (the item number from 0) and its slot. */
struct vy_dev_mk_fault {
	uint64_t tag;
	uint32_t slot;
};
#define VY_MK_PROGRESS_NS 250000000ull	/* 4 progress calls a second */

struct vy_dev_mk_run_result {
	enum vy_dev_mk_end end;
	uint64_t items;		/* taken from the source */
	uint64_t processed;	/* finished (DONE or FAULT) */
	uint64_t faulted;
	uint64_t remaining;	/* taken but not finished (the caller adds
				   what its source still holds) */
	uint64_t wall_ns;
	struct vy_hist lat;	/* latency of every finished item, ns
				   (vy_dev_mk_set_latency): fixed size,
				   whatever the item count */
	struct vy_dev_mk_fault *faults;	/* every FAULT, in completion
					   order; malloc'd (free it) */
	size_t nfaults;
};

/*
 * Stream the items of @o through the session: start it (vy_dev_mk_start), keep
 * publishing into free slots and recycling finished ones (persistent), or
 * run one dispatch per ring-full (once), honour fences, and end on the
 * first of: all done, timeout, stall, stop, kernel exit.  A persistent
 * kernel is then stopped (SHUTDOWN, bounded wait).  Returns 0 with @r
 * filled (@r->end says how it ended) or an error.
 */
int vy_dev_mk_run(struct vy_mk *mk, const struct vy_dev_mk_run_opts *o,
	      struct vy_dev_mk_run_result *r, struct vy_err *e);

#endif
