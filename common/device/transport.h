/* SPDX-License-Identifier: MIT */
/*
 * transport.h - how the host and a running megakernel exchange bytes.
 *
 * Two transports, one interface.  Every buffer has a host image (@host):
 *
 *   shared  the host image IS the device's memory (CL_MEM_USE_HOST_PTR on
 *           page-aligned host memory).  For PoCL and unified-memory
 *           devices, whose running kernel sees host stores directly.  No
 *           command is ever queued while a kernel runs (PoCL's busy
 *           workers would never run it).  Publishing is: payload stores,
 *           release fence, status store.
 *   copy    device buffers plus a pinned (CL_MEM_ALLOC_HOST_PTR, mapped)
 *           host mirror.  For discrete GPUs (NVIDIA), which give a running
 *           kernel no coherent view of host memory.  While a kernel runs,
 *           traffic goes through the second in-order queue (cl->q2):
 *           publishing is one non-blocking write of the slot payloads
 *           followed by one write of their status words, so the statuses
 *           land after the payloads, and one flush.  Slot statuses are
 *           observed with non-blocking reads queued behind the publishes
 *           on the same queue into sentinel-filled pinned memory
 *           (vy_dev_transport_observe_begin/end): the host sees a read land by
 *           looking at memory, so a result is seen one DMA after the read
 *           runs.  A control word can be watched the same way on a third
 *           queue (vy_dev_transport_watch).
 *
 * A non-blocking write reads its source when it executes, so no source
 * is changed after it is queued: word writes take their value from a ring
 * of pinned words (the queue is drained before one is reused), slot
 * payloads are written with EMPTY statuses and the host image keeps them.
 *
 * In "once" (launch-per-batch) use, every command goes to cl->q, in order
 * with the kernel, and a publish is a single write (no kernel is running).
 *
 * Errors: VY_E_DEVICE (an OpenCL call failed: the message names it),
 * VY_E_NOMEM, VY_E_INVAL, VY_E_UNSUPPORTED (shared asked of a device with
 * its own memory).
 */
#ifndef VY_TRANSPORT_H
#define VY_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "device/cl.h"
#include "wire/err.h"

enum vy_dev_transport_kind {
	VY_TRANSPORT_AUTO = 0,
	VY_TRANSPORT_SHARED = 1,
	VY_TRANSPORT_COPY = 2,
};

/* The buffers a transport carries: the four ABI buffers plus data (D6). */
enum vy_dev_tbuf_id {
	VY_TB_CONTROL = 0,
	VY_TB_RING = 1,
	VY_TB_DEBUG = 2,
	VY_TB_IO = 3,
	VY_TB_DATA = 4,
	VY_TB_COUNT = 5,
};

struct vy_dev_tbuf {
	cl_mem mem;		/* what the kernel binds */
	cl_mem pin;		/* copy: the pinned mirror's buffer */
	uint8_t *host;		/* host image (shared: the device memory) */
	size_t len;		/* bytes (>= 4; a 0-byte buffer gets 4) */
};

#define VY_WATCH_DEPTH 4
#define VY_WSRC_WORDS 256
/* status observations in flight at most (vy_dev_transport_observe_begin) */
#define VY_OBS_MAX 4
/*
 * Spans up to this many slots are observed with one linear read (64-byte
 * rows); longer ones read only their status words (a strided read, whose
 * 4-byte rows the H200's driver copies slowly: batch 4096 ran 19.7 M
 * items/s with whole rows against 12.6 M with 64 here, 2026-12-04,
 * docs/BENCHMARKS.md).  The pinned areas take VY_OBS_MAX x 64 bytes per
 * slot up to this bound.
 */
#define VY_OBS_LINEAR_SLOTS 4096u

struct vy_dev_transport_stats {
	uint64_t bytes_uploaded;
	uint64_t bytes_read_back;
	uint64_t commands;	/* reads and writes enqueued */
	uint64_t sync_points;	/* blocking waits */
	uint64_t flushes;	/* clFlush calls */
	uint64_t flush_ns;	/* host time in clFlush (publishing queue) */
	/* host time queuing payload writes, status writes, status reads */
	uint64_t enqueue_ns[3];
};

/* One non-blocking status observation in flight (copy, running). */
struct vy_dev_obs {
	uint32_t first, n;	/* the slots it covers */
	uint64_t ticket;	/* what the caller passed to begin */
	uint32_t *dst;		/* pinned destination */
	uint32_t stride;	/* words between two statuses in @dst */
	int words;		/* control words, not statuses */
	uint32_t seen;		/* statuses [0, seen) have landed */
	uint32_t looks;		/* landing checks so far */
};

struct vy_dev_transport {
	enum vy_dev_transport_kind kind;
	struct vy_dev_cl *cl;
	struct vy_dev_tbuf b[VY_TB_COUNT];
	int running;			/* a persistent kernel is in flight */
	cl_command_queue q3;		/* copy: the observing queue */
	cl_mem aux_mem;			/* copy: pinned status/ones/watch area */
	uint32_t *ones;			/* slot_count words of PUBLISHED */
	uint32_t *stat;			/* slot_count words: status reads */
	uint32_t *watch;		/* VY_WATCH_DEPTH words */
	uint32_t *wsrc;			/* VY_WSRC_WORDS: sources of word writes */
	unsigned wpos;
	cl_event wev[VY_WATCH_DEPTH];
	unsigned whead, wcount;
	uint32_t slots;
	int watch_blocking;		/* vy_dev_transport_watch reads blocking */
	uint32_t obs_linear;		/* observations of spans up to this many
					   slots read whole rows (set by init:
					   VY_OBS_LINEAR_SLOTS or its caller's) */
	int defer_flush;		/* publish leaves the flush to the next
					   observation or vy_dev_transport_kick */
	int unflushed;
	cl_mem obs_mem;			/* copy: pinned observation areas */
	uint32_t *obs_area;
	size_t obs_words;		/* words of one area */
	struct vy_dev_obs obs[VY_OBS_MAX];
	unsigned ohead, ocount;
	/* vy_dev_transport_small_pageable: pageable sources of small writes */
	uint8_t *pg_rows;		/* slot_count rows */
	uint32_t *pg_wsrc;		/* VY_WSRC_WORDS words */
	struct vy_dev_transport_stats st;
};

/* "shared" / "copy" / "auto". */
const char *vy_dev_transport_name(enum vy_dev_transport_kind k);
/* Parse "shared", "copy" or "auto".  0 or VY_E_INVAL. */
int vy_dev_transport_parse(const char *s, enum vy_dev_transport_kind *out,
		       struct vy_err *e);
/* The transport a device gets by default: shared on CPU/unified, else copy. */
enum vy_dev_transport_kind vy_dev_transport_choose(const struct vy_dev_cl_devinfo *d);

/*
 * Can @kind serve device @d?  SHARED needs a CPU or unified memory: else
 * VY_E_UNSUPPORTED, a message naming the device, @hint (the caller's words
 * for the way out).  0 when it can.
 */
int vy_dev_transport_check(enum vy_dev_transport_kind kind,
			   const struct vy_dev_cl_devinfo *d, const char *hint,
			   struct vy_err *e);

/*
 * Create the five buffers (@lens in bytes; 0 becomes 4) with zeroed host
 * images.  @kind AUTO is resolved with vy_dev_transport_choose.
 * @obs_linear: the longest span (slots) whose status observation reads
 * whole 64-byte rows, one linear transfer, instead of the status words
 * alone (a strided transfer); 0 = VY_OBS_LINEAR_SLOTS.  Copy: the pinned
 * observation areas take VY_OBS_MAX x 64 bytes per such slot.  SHARED on
 * a device without unified memory: VY_E_UNSUPPORTED, nothing created.
 */
int vy_dev_transport_init(struct vy_dev_transport *t, struct vy_dev_cl *cl,
		      enum vy_dev_transport_kind kind,
		      const size_t lens[VY_TB_COUNT], uint32_t obs_linear,
		      struct vy_err *e);
void vy_dev_transport_free(struct vy_dev_transport *t);

/*
 * Copy: from now on, non-blocking writes of at most VY_SMALL_WRITE bytes
 * of ring rows (vy_dev_transport_publish_rows, vy_dev_transport_push) and
 * word writes (PUBLISH_HEAD, control words) are sourced from ordinary
 * pageable host memory, a copy of the pinned image, instead of the pinned
 * image itself: NVIDIA's driver then carries the bytes with the command
 * instead of fetching them with a DMA read, which took a persistent round
 * trip from 13.9 to 9.8 µs on an H200 (docs/BENCHMARKS.md, measurement 7;
 * the megakernel does this unless vy_dev_mk_params.small_pinned).  A
 * source is rewritten only when its slot (or word of the write ring) is
 * reused, after the write has run, as with the pinned sources.  Shared:
 * nothing changes.  Errors: VY_E_NOMEM.
 */
#define VY_SMALL_WRITE 256u
int vy_dev_transport_small_pageable(struct vy_dev_transport *t,
				    struct vy_err *e);

/* The queue for this phase: cl->q when no kernel runs, else cl->q2. */
cl_command_queue vy_dev_transport_queue(struct vy_dev_transport *t);

/*
 * Push bytes [@off, @off + @len) of buffer @id from its host image to the
 * device (copy; shared: a release fence).  @blocking waits for it.
 */
int vy_dev_transport_push(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
		      size_t off, size_t len, int blocking, struct vy_err *e);

/* Pull bytes of buffer @id from the device into its host image (blocking). */
int vy_dev_transport_pull(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
		      size_t off, size_t len, struct vy_err *e);

/*
 * Publish ring slots [@first, @first + @n) as PUBLISHED: words 1..15 of
 * each are already in the ring's host image (the caller never writes word
 * 0 of a slot it publishes).  Shared: the status words are stored last,
 * after a release fence.  Copy with a running kernel: payload write (status
 * words as EMPTY), then the status words (one strided write), one flush
 * (none with defer_flush), non-blocking.  Copy without one: one write.
 */
int vy_dev_transport_publish(struct vy_dev_transport *t, uint32_t first, uint32_t n,
			 struct vy_err *e);

/*
 * Write ring slots [@first, @first + @n) whole in one transfer (shared: a
 * release fence): for the ticket claim, whose kernel looks at a slot only
 * once a later write of PUBLISH_HEAD covers it, so the status needs no
 * write of its own.  All 16 words, the status PUBLISHED, are already in
 * the ring's host image (the megakernel writes the status when it stages
 * a slot).  Copy: non-blocking, flushed with the write that follows on
 * the same queue.
 */
int vy_dev_transport_publish_rows(struct vy_dev_transport *t, uint32_t first,
				  uint32_t n, struct vy_err *e);

/*
 * Write control word @w = @v behind the rows publish_rows queued: the
 * ticket claim's PUBLISH_HEAD.  As vy_dev_transport_write_word, but with
 * defer_flush and a running kernel the flush is left to the status read
 * that follows (or vy_dev_transport_kick): one flush per publish.
 */
int vy_dev_transport_publish_head(struct vy_dev_transport *t, uint32_t w,
				  uint32_t v, struct vy_err *e);

/*
 * Read the status words of slots [@first, @first + @n) into @out
 * (shared: atomic loads; copy: one strided blocking read).
 */
int vy_dev_transport_statuses(struct vy_dev_transport *t, uint32_t first, uint32_t n,
			  uint32_t *out, struct vy_err *e);

/* Read word @w of buffer @id (shared: atomic load; copy: blocking read). */
int vy_dev_transport_read_word(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
			   uint32_t w, uint32_t *out, struct vy_err *e);

/* Write word @w of buffer @id (host image too); copy: non-blocking, flushed. */
int vy_dev_transport_write_word(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
			    uint32_t w, uint32_t v, struct vy_err *e);

/*
 * Observe control word @w without blocking.  Returns 1 with *@out set when
 * a fresh value is available, 0 when none is yet (call again), or an
 * error.  Shared: always 1 (an atomic load).  Copy: keeps VY_WATCH_DEPTH
 * reads in flight on the observing queue and returns each as it lands.
 */
int vy_dev_transport_watch(struct vy_dev_transport *t, uint32_t w, uint32_t *out,
		       struct vy_err *e);

/* Drop the reads vy_dev_transport_watch has in flight (waits for them). */
void vy_dev_transport_watch_reset(struct vy_dev_transport *t);

/*
 * Status observation without blocking (copy with a running kernel; the
 * caller uses vy_dev_transport_statuses otherwise).  begin queues one read of
 * the status words of slots [@first, @first + @n) on the publishing queue,
 * in order after every publish so far, so it shows each slot published
 * before it at least as far as PUBLISHED (@ticket is handed back to tell
 * which).  It lands in pinned memory pre-filled with a sentinel, and the
 * host sees it land by looking at that memory: no event wait, no extra
 * round trip.  At most VY_OBS_MAX are in flight, oldest first.
 */
int vy_dev_transport_observe_begin(struct vy_dev_transport *t, uint32_t first,
			       uint32_t n, uint64_t ticket, struct vy_err *e);
/*
 * As observe_begin, but of control words [@w, @w + @n) (the ticket
 * claim's counters): one read of 4 * @n bytes instead of a status per
 * slot.  A word that holds the sentinel 0xFFFFFFFF is only seen to land
 * once the queue is drained (a slow look, never a wrong one).
 */
int vy_dev_transport_observe_words(struct vy_dev_transport *t, uint32_t w,
				   uint32_t n, uint64_t ticket,
				   struct vy_err *e);
/*
 * Has the oldest observation landed?  1 with *@first, *@n, *@ticket set,
 * *@words 1 for an observe_words one (then *@first is the first word), and
 * the statuses or words in @out (room for the ring's slot count), 0 when
 * it has not yet, or an error.
 */
int vy_dev_transport_observe_end(struct vy_dev_transport *t, uint32_t *first,
			     uint32_t *n, uint64_t *ticket, int *words,
			     uint32_t *out, struct vy_err *e);
/* Flush a publish that defer_flush left unflushed. */
void vy_dev_transport_kick(struct vy_dev_transport *t);
/* Observations in flight. */
unsigned vy_dev_transport_observe_pending(const struct vy_dev_transport *t);
/* Drop the observations in flight (waits for them). */
void vy_dev_transport_observe_reset(struct vy_dev_transport *t);

/* Wait for every command queued on the transfer queues. */
int vy_dev_transport_finish(struct vy_dev_transport *t, struct vy_err *e);

#endif
