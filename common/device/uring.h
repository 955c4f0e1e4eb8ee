/* SPDX-License-Identifier: MIT */
/*
 * uring.h - a file reader with many reads in flight: io_uring (liburing)
 * with registered buffers, or plain pread(2) where io_uring is not
 * available.
 *
 * A read asks for the byte range [off, off + len) of an open file to be
 * placed at buf.  The reader finishes each read by itself: short reads are
 * resubmitted for the rest (at off + got, into buf + got), -EAGAIN and
 * -EINTR completions are resubmitted unchanged, and the read completes
 * once at least min bytes are in (or at end of file).  So a completion
 * carries either the number of bytes placed (possibly less than min at end
 * of file) or -errno for a read that failed.  Completions come in any
 * order; the caller's tag says which read finished.
 *
 * Streams (pipes, terminals, sockets) are read at their current position:
 * off = -1.  The caller keeps at most one read in flight per stream.
 *
 * Nothing here prints.  Errors are negative VY_E_* codes with struct
 * vy_err filled; per-read failures are reported in the completion.
 */
#ifndef VY_URING_H
#define VY_URING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "wire/err.h"

enum vy_dev_io_engine {
	VY_IO_AUTO,	/* io_uring, else pread (vy_dev_uring_fallback says why) */
	VY_IO_URING,	/* io_uring or fail with VY_E_URING_UNAVAILABLE */
	VY_IO_PREAD,	/* synchronous pread(2)/read(2) */
};

struct vy_dev_uring_opts {
	enum vy_dev_io_engine engine;
	unsigned qd;			/* reads in flight at most, >= 1 */
	const struct iovec *bufs;	/* buffers to register, or NULL */
	unsigned nbufs;
	/*
	 * Hand every read to io_uring's worker threads (IOSQE_ASYNC): reads
	 * served from the page cache then copy on several cores instead of
	 * inline in the submitting thread.
	 */
	int async;
	/*
	 * Test hook: act as if io_uring_setup(2) failed with EPERM (what a
	 * seccomp filter or kernel.io_uring_disabled=2 gives).
	 */
	int simulate_no_uring;
};

/* One read.  @buf_index: the registered buffer holding @buf, or -1. */
struct vy_dev_read {
	int fd;
	int64_t off;		/* byte offset; -1 = current position */
	void *buf;
	size_t len;		/* bytes asked for (room at buf) */
	size_t min;		/* complete once this many are in; <= len */
	int buf_index;
	int async;		/* IOSQE_ASYNC for this read (see below) */
	uint64_t tag;		/* returned in the completion */
};

struct vy_dev_read_done {
	uint64_t tag;
	int64_t res;		/* bytes placed, or -errno */
};

struct vy_dev_uring_stats {
	uint64_t submitted;	/* reads accepted by vy_dev_uring_submit */
	uint64_t completed;	/* completions returned (ok or failed) */
	uint64_t failed;	/* completions with res < 0 */
	uint64_t bytes;		/* bytes placed */
	uint64_t short_reads;	/* resubmissions of a remainder */
	uint64_t retries;	/* -EAGAIN / -EINTR resubmissions */
	uint64_t inflight_max;
	uint64_t busy_ns;	/* time with at least one read in flight */
	uint64_t inflight_ns;	/* integral of reads in flight over time */
};

struct vy_reader;

/*
 * Create a reader.  With VY_IO_AUTO a failing io_uring_setup (disabled by
 * the kernel.io_uring_disabled sysctl, or refused by a container's seccomp
 * filter) falls back to pread; vy_dev_uring_fallback() then returns the
 * errno.  Buffer registration failing (memlock limit, driver memory) is no
 * error: reads then go unregistered and vy_dev_uring_registered() is 0.
 * Errors: VY_E_INVAL, VY_E_NOMEM, VY_E_URING_UNAVAILABLE (VY_IO_URING).
 */
int vy_dev_uring_open(struct vy_reader **out, const struct vy_dev_uring_opts *o,
		   struct vy_err *e);

/* Cancel what is in flight, wait for it, release everything.  NULL ok. */
void vy_dev_uring_close(struct vy_reader *r);

/* "uring" or "pread". */
const char *vy_dev_uring_engine(const struct vy_reader *r);

/* 1 when the buffers are registered with io_uring (READ_FIXED in use). */
int vy_dev_uring_registered(const struct vy_reader *r);

/* errno of the io_uring failure that made VY_IO_AUTO use pread, else 0. */
int vy_dev_uring_fallback(const struct vy_reader *r);

/* errno of a failed buffer registration, else 0. */
int vy_dev_uring_register_errno(const struct vy_reader *r);

/* A message naming the two usual causes of @err (an errno from setup). */
void vy_dev_uring_fallback_msg(int err, char *buf, size_t size);

/* Reads in flight and the most that may be. */
unsigned vy_dev_uring_inflight(const struct vy_reader *r);
unsigned vy_dev_uring_capacity(const struct vy_reader *r);

/*
 * Queue a read.  It is started by the next vy_dev_uring_reap() (io_uring
 * submits in batches; pread runs it there).  Errors: VY_E_INVAL (no room:
 * vy_dev_uring_inflight() == vy_dev_uring_capacity(), or a bad range).
 */
int vy_dev_uring_submit(struct vy_reader *r, const struct vy_dev_read *rd,
		     struct vy_err *e);

/*
 * Submit what is queued and collect up to @max completions into @out,
 * waiting until at least @min are there (min = 0: no waiting).  Returns
 * the number collected (0 after a signal interrupted the wait), or
 * VY_E_IO when the ring itself failed.
 */
int vy_dev_uring_reap(struct vy_reader *r, struct vy_dev_read_done *out,
		   unsigned max, unsigned min, struct vy_err *e);

/*
 * Wait until a completion can be reaped or @timeout_ns passed, without
 * collecting it.  Returns 1 (something to reap) or 0.
 */
int vy_dev_uring_wait(struct vy_reader *r, uint64_t timeout_ns);

/*
 * Cancel every read in flight and collect their completions (discarded).
 * Used on interruption; the reader stays usable.
 */
void vy_dev_uring_cancel(struct vy_reader *r);

void vy_dev_uring_get_stats(const struct vy_reader *r, struct vy_dev_uring_stats *s);

/*
 * The one-call service used for LOAD_MISS: read [off, off + len) of @fd
 * into @buf through @r (which must have nothing else in flight), waiting
 * for it.  *@got = bytes placed (short at end of file).  Errors: VY_E_IO
 * with strerror in the message.
 */
int vy_dev_uring_read_sync(struct vy_reader *r, int fd, uint64_t off,
			void *buf, size_t len, size_t *got, struct vy_err *e);

/*
 * The same without a reader of one's own: open @path, read the range
 * through a one-read io_uring (pread where io_uring is unavailable),
 * close.  Errors: VY_E_IO naming @path.
 */
int vy_dev_read_range(const char *path, uint64_t off, void *buf, size_t len,
		  size_t *got, struct vy_err *e);

#endif
