/* SPDX-License-Identifier: MIT */
/*
 * stream.h - vyre-stream: files through io_uring into pinned OpenCL
 * buffers, processed on the device chunk by chunk.
 *
 * Pipeline (vy_dev_stream_run):
 *
 *   file --read (uring.h; O_DIRECT where aligned)--> host slot h (pinned:
 *   a mapped CL_MEM_ALLOC_HOST_PTR buffer, registered with io_uring)
 *   h --clEnqueueWriteBuffer, non-blocking--> device slot d   (copy)
 *   d --kernel per batch of ready chunks--> per-chunk partial results
 *   partials --one non-blocking read per batch--> host, combined per file
 *
 * The per-batch kernels speak the wire protocol (wire/wire.def): each
 * chunk of a batch is published as one wire slot of a descriptor ring of
 * 2 x dev_slots slots (the shared transport: 2 x host slots), opcode
 * VY_STREAM_OP_CHECKSUM + op (as --persistent), tenant 0, a0 the device
 * slot, a1 the valid bytes; the batch's slots go with one write before
 * its launch.  The kernels claim the slot, and the last work-group of a
 * chunk counts METRICS[opcode] and DONE_COUNT in a control buffer of the
 * megakernel's layout (vy_encode_control: 1 tenant, no observables) and
 * stores DONE (FAULT and FAULT_COUNT for a slot they reject).  Control and
 * ring are read back once, at the end of the run: on_wire_end sees them,
 * and a DONE_COUNT other than the chunks sent, or a fault, fails the run
 * (VY_E_DEVICE).
 *
 * --persistent runs no kernel of its own: it opens a megakernel session
 * (megakernel.h) with the stream opcodes compiled into its claim loop,
 * hands it the chunk slots as the user buffer, and publishes each chunk
 * as parts (one ring slot each, user opcodes 8-11 of vyre(7)) that lanes
 * claim one by one; the session's publish, poll, watchdog and SHUTDOWN
 * drive it, and each part's result comes back through its data buffer.
 *
 * With the "shared" transport (CPU and unified-memory devices) the kernel
 * reads the host slot itself and there is no copy.  A host slot is reused
 * only after its copy (shared: its kernel) completed; a device slot only
 * after the results of its batch were read back.  Chunks of one file
 * complete in any order; each carries its sequence number, and ops that
 * need order (grep) compose per-chunk state maps in sequence order.
 *
 * Operations and their exact definitions (also in vyre-stream(1)):
 *   checksum  the file as little-endian u32 words w[i] (the last one
 *             zero-padded): s1 = sum w[i], s2 = sum (i + 1) * w[i], both
 *             mod 2^64; printed as 16 + 16 hex digits (s1 then s2)
 *   count     occurrences of one byte value
 *   hist      256 counts, one per byte value
 *   grep      occurrences of a set of literal patterns (duplicates count
 *             once; overlapping matches all count), through an
 *             Aho-Corasick DFA
 *
 * Library code: never prints or exits.  Per-input failures are recorded in
 * the input (status, err) and the run goes on; vy_dev_stream_run itself fails
 * only when nothing can run (device, memory, io_uring forced and absent).
 */
#ifndef VY_STREAM_H
#define VY_STREAM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"
#include "device/transport.h"
#include "device/uring.h"

enum vy_dev_scan {
	VY_SCAN_CHECKSUM,
	VY_SCAN_COUNT,
	VY_SCAN_HIST,
	VY_SCAN_GREP,
};

/*
 * --persistent: ring slot opcode = VY_STREAM_OP_CHECKSUM + op (user
 * opcodes 8 checksum, 9 count, 10 hist, 11 grep; vyre(7); wire/wire.def).
 */

/* Limits of the grep DFA. */
#define VY_DFA_MAX_STATES 65536u
#define VY_DFA_MAX_PATTERN 4096u

/*
 * A byte DFA: next[s * 256 + b] is the state after byte b in state s
 * (state 0 is the start), out[s] the number of patterns that end when s
 * is entered.  maxlen bounds the depth of every state, so the state after
 * any maxlen bytes does not depend on the state before them.
 */
struct vy_dev_dfa {
	uint32_t nstates;
	uint32_t maxlen;
	uint32_t npatterns;	/* distinct patterns */
	uint32_t *next;
	uint32_t *out;
};

/*
 * Build the Aho-Corasick DFA of @n literal patterns.  Errors: VY_E_INVAL
 * (no pattern, an empty one), VY_E_DFA_TOO_LARGE, VY_E_NOMEM.
 */
int vy_dev_dfa_build(struct vy_dev_dfa *d, const char *const *pats,
		 const size_t *lens, unsigned n, struct vy_err *e);
void vy_dev_dfa_free(struct vy_dev_dfa *d);

/* What an operation accumulates for one input. */
struct vy_dev_stream_result {
	uint64_t bytes;
	uint64_t s1, s2;	/* checksum */
	uint64_t count;		/* count, grep */
	uint64_t hist[256];	/* hist */
	uint32_t state;		/* grep: DFA state after the bytes so far */
};

struct vy_dev_op_cfg {
	enum vy_dev_scan op;
	uint8_t byte;			/* count */
	const struct vy_dev_dfa *dfa;	/* grep */
};

/*
 * The CPU reference: feed @len bytes that follow the @r->bytes already
 * fed.  Any split of the input gives the same result.
 */
void vy_dev_ref_init(struct vy_dev_stream_result *r);
void vy_dev_ref_update(struct vy_dev_stream_result *r, const struct vy_dev_op_cfg *c,
		   const void *buf, size_t len);

/* 1 when the parts of @a and @b that @op defines are equal. */
int vy_dev_result_equal(const struct vy_dev_stream_result *a,
		    const struct vy_dev_stream_result *b, enum vy_dev_scan op);

/*
 * The result column: checksum 32 hex digits, count and grep decimal,
 * hist 256 comma-separated counts.  Needs up to VY_RESULT_STR_MAX bytes.
 */
#define VY_RESULT_STR_MAX (256 * 21 + 1)
void vy_dev_result_format(const struct vy_dev_stream_result *r, enum vy_dev_scan op,
		      char *buf, size_t size);

const char *vy_dev_scan_name(enum vy_dev_scan op);

enum vy_dev_direct_mode { VY_DIRECT_AUTO, VY_DIRECT_ON, VY_DIRECT_OFF };

/* Defaults (measured: docs/BENCHMARKS.md, stream section). */
#define VY_STREAM_CHUNK_DEFAULT (4u << 20)
#define VY_STREAM_QD_DEFAULT 32u
#define VY_STREAM_DEV_SLOTS_DEFAULT 8u
/*
 * --persistent holds a device slot until the host has seen its parts
 * DONE, a longer cycle than a launch's: with 8 slots the H200 streamed
 * 0.57x min(read, copy), with 32 0.79-0.94x (BENCHMARKS.md, stream).
 */
#define VY_STREAM_DEV_SLOTS_PERSISTENT 32u
/* ... but no more device memory than this for them by default */
#define VY_STREAM_PERSISTENT_DEV_BYTES (128ull << 20)
#define VY_STREAM_CHUNK_MIN (64u << 10)
#define VY_STREAM_CHUNK_MAX (64u << 20)

struct vy_dev_stream_input;

struct vy_dev_stream_metrics {
	uint64_t bytes;			/* bytes of all inputs */
	uint64_t files, failed_files;
	uint64_t chunks, launches;
	uint64_t wall_ns;		/* first read to last result, less verify_ns */
	uint64_t verify_ns;		/* --verify: CPU recomputation */
	uint64_t io_busy_ns;		/* time with a read in flight */
	uint64_t h2d_ns;		/* sum of copy durations (profiling) */
	uint64_t h2d_bytes;
	uint64_t kernel_ns;		/* sum of kernel durations */
	uint64_t stall_io_ns;		/* waiting for reads, nothing else to do */
	uint64_t stall_dev_ns;		/* waiting for the device, reads idle */
	uint64_t reads, short_reads, retries, failed_reads;
	uint64_t inflight_max;
	uint64_t inflight_ns;		/* integral: qd_avg = /io_busy_ns */
	uint64_t cpu_copy_bytes;	/* bytes moved by a CPU memcpy */
	uint64_t device_bytes;		/* device buffers this run made: chunk
					   slots, then descriptor ring,
					   control, group counters, results,
					   DFA; or under --persistent the
					   session's buffers */
	uint64_t direct_files;		/* inputs read with O_DIRECT */
	unsigned qd, dev_slots, groups, wg;
	uint64_t chunk;
	const char *engine;		/* "uring" or "pread" */
	int registered;			/* io_uring fixed buffers in use */
	int async_reads;		/* buffered reads to io_uring workers */
	int register_errno;		/* why registration failed, or 0 */
	int fallback_errno;		/* why io_uring is not used, or 0 */
	const char *transport;		/* "copy" or "shared" */
	int persistent;
	/*
	 * The ring the chunks went through: the descriptor ring, or under
	 * --persistent the session's, and control word DONE_COUNT at the end
	 * (one per chunk; --persistent: one per part)
	 */
	unsigned ring_slots;
	uint64_t done_count;
	/* --persistent: what the megakernel session counted */
	unsigned parts;			/* parts per chunk */
	uint64_t mk_published, mk_completed;	/* ring slots */
	char device[192];
};

/* One input and, after the run, its outcome. */
struct vy_dev_stream_input {
	const char *path;		/* "-" = standard input */
	/* out */
	int status;			/* 0, or a negative VY_E_* code */
	struct vy_err err;		/* why it failed */
	struct vy_dev_stream_result res;
	int verified;			/* 1 equal, -1 mismatch, 0 not checked */
	struct vy_dev_stream_result ref;	/* CPU reference (--verify) */
	int direct;			/* read with O_DIRECT */
};

struct vy_mk;

struct vy_dev_stream_opts {
	struct vy_dev_op_cfg op;
	uint64_t chunk;			/* bytes, power of two, 64 KiB-64 MiB */
	unsigned qd;			/* reads in flight = host slots */
	unsigned dev_slots;		/* device chunk slots (copy transport);
					   0: VY_STREAM_DEV_SLOTS_DEFAULT, or
					   _PERSISTENT with persistent */
	enum vy_dev_io_engine engine;
	enum vy_dev_direct_mode direct;
	int no_register;
	/*
	 * Buffered reads of regular files go to io_uring's worker threads
	 * (IOSQE_ASYNC), so page-cache copies run on several cores: 47 GB/s
	 * instead of 8 on a 16-core H200 host (docs/BENCHMARKS.md).  Set to
	 * issue them inline in this thread.  O_DIRECT reads and streams are
	 * always issued inline.
	 */
	int inline_reads;
	enum vy_dev_transport_kind transport;	/* AUTO: from the device */
	int persistent;			/* megakernel ring slots */
	const char *device;		/* vy_dev_cl_open specifier, NULL default */
	int verify;			/* CPU recomputation per input */
	int simulate_no_uring;		/* see struct vy_dev_uring_opts */
	volatile sig_atomic_t *stop;	/* set asynchronously: cancel, drain */
	/* called in input order as each input is finished; may be NULL */
	void (*on_result)(void *arg, size_t idx, struct vy_dev_stream_input *in);
	/*
	 * --persistent: called once the megakernel session is open and
	 * before its kernel starts, to set the launch geometry with
	 * vy_dev_mk_set_geometry() (device/ never asks the launch policy;
	 * vyre-stream passes vy_rep_launch_setup, the geometry vyre-launch
	 * runs).  NULL leaves the session's 1 x 1.  A negative return ends
	 * the run with that error.
	 */
	int (*on_session)(void *arg, struct vy_mk *mk, struct vy_err *e);
	/*
	 * --persistent: called once the session's kernel has stopped and
	 * before it is closed, so that a report can snapshot and decode its
	 * control and ring (report/stream.h evidence).  May be NULL.
	 */
	void (*on_session_end)(void *arg, struct vy_mk *mk);
	/*
	 * The default path's counterpart: called once, after the last
	 * launch finished (also when the run was interrupted), with the
	 * control buffer (@control_len bytes, VY_CTL_* words) and the
	 * descriptor ring (@ring_len bytes, whole wire slots) read back from
	 * the device; both stay valid during the call only.  Not called when
	 * the run failed before or the read-back failed.  May be NULL.
	 */
	void (*on_wire_end)(void *arg, const uint8_t *control,
			    size_t control_len, const uint8_t *ring,
			    size_t ring_len);
	/* a notice for the user (fallbacks); may be NULL */
	void (*on_notice)(void *arg, const char *msg);
	/* called about every 200 ms with the metrics so far; may be NULL */
	void (*on_progress)(void *arg, const struct vy_dev_stream_metrics *m,
			    uint64_t total_bytes);
	void *arg;
};

/* Fill @o with the defaults (checksum, 4 MiB, qd 32, device slots 0:
 * the path's own, vy_dev_stream_dev_slots). */
void vy_dev_stream_opts_init(struct vy_dev_stream_opts *o);

/*
 * The device chunk slots a copy-transport run of @o uses: o->dev_slots,
 * or when it is 0 VY_STREAM_DEV_SLOTS_DEFAULT (8) without o->persistent
 * and with it as many chunks as VY_STREAM_PERSISTENT_DEV_BYTES hold,
 * from 8 to VY_STREAM_DEV_SLOTS_PERSISTENT (32; 4 MiB chunks: 32).  (The
 * shared transport has no device slots of its own: the host slots are
 * the device's.)
 */
unsigned vy_dev_stream_dev_slots(const struct vy_dev_stream_opts *o);

/*
 * Run @n inputs.  Returns 0 when the run completed (inputs may still have
 * failed: see each status and @m->failed_files), VY_E_STREAM_INTERRUPTED
 * when *o->stop was set (finished inputs were reported; the rest were
 * cancelled), or another negative code when the run could not start or
 * the device failed.
 */
int vy_dev_stream_run(const struct vy_dev_stream_opts *o, struct vy_dev_stream_input *in,
		  size_t n, struct vy_dev_stream_metrics *m, struct vy_err *e);

#endif
