/* SPDX-License-Identifier: MIT */
/*
 * uring.c - io_uring reader with a pread fallback (see uring.h).
 *
 * Each read owns one request record; the io_uring user_data is the record
 * index, so a completion finds its record without a search.  Records are
 * kept on a free list.  With pread the records wait on a FIFO until
 * vy_dev_uring_reap() runs them, which keeps the caller's loop identical for
 * both engines.
 */
#include "device/uring.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/util.h"

struct vy_req {
	struct vy_dev_read rd;
	size_t got;
	int next;		/* free list / pread FIFO link */
	int active;
};

struct vy_reader {
	int uring;		/* 1: io_uring engine */
	int registered;
	int async;
	int fallback;		/* errno that forced pread */
	int reg_errno;
	struct io_uring ring;
	unsigned cap;
	unsigned inflight;
	unsigned unsubmitted;	/* SQEs prepared but not submitted */
	struct vy_req *req;
	int free_head;
	int fifo_head, fifo_tail;	/* pread engine */
	uint64_t t_last;	/* last change of inflight */
	struct vy_dev_uring_stats st;
};

static void account(struct vy_reader *r)
{
	uint64_t now = vy_now_ns();

	if (r->inflight) {
		r->st.busy_ns += now - r->t_last;
		r->st.inflight_ns += (now - r->t_last) * r->inflight;
	}
	r->t_last = now;
}

void vy_dev_uring_fallback_msg(int err, char *buf, size_t size)
{
	snprintf(buf, size,
		 "io_uring is unavailable (%s): it is disabled by the "
		 "kernel.io_uring_disabled sysctl or refused by a seccomp "
		 "filter (containers)", strerror(err));
}

int vy_dev_uring_open(struct vy_reader **out, const struct vy_dev_uring_opts *o,
		   struct vy_err *e)
{
	struct vy_reader *r;
	unsigned i, entries;
	int ret;

	*out = NULL;
	if (!o->qd || o->qd > 4096)
		return vy_errf(e, VY_E_INVAL, "give a queue depth of 1-4096",
			       "queue depth %u is out of range", o->qd);
	r = calloc(1, sizeof(*r));
	if (!r)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	r->cap = o->qd;
	r->req = calloc(r->cap, sizeof(*r->req));
	if (!r->req) {
		free(r);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	for (i = 0; i < r->cap; i++)
		r->req[i].next = i + 1 < r->cap ? (int)i + 1 : -1;
	r->free_head = 0;
	r->fifo_head = r->fifo_tail = -1;
	r->t_last = vy_now_ns();

	if (o->engine == VY_IO_PREAD)
		goto done;

	entries = 1;
	while (entries < r->cap)
		entries <<= 1;
	ret = o->simulate_no_uring ? -EPERM :
		io_uring_queue_init(entries, &r->ring, 0);
	if (!ret) {
		struct io_uring_probe *p = io_uring_get_probe_ring(&r->ring);

		if (!p || !io_uring_opcode_supported(p, IORING_OP_READ) ||
		    !io_uring_opcode_supported(p, IORING_OP_READ_FIXED)) {
			io_uring_queue_exit(&r->ring);
			ret = -EOPNOTSUPP;
		}
		if (p)
			io_uring_free_probe(p);
	}
	if (ret < 0) {
		char msg[200];

		if (o->engine == VY_IO_URING) {
			vy_dev_uring_fallback_msg(-ret, msg, sizeof(msg));
			free(r->req);
			free(r);
			return vy_errf(e, VY_E_URING_UNAVAILABLE,
				       "allow io_uring (sysctl kernel.io_uring_disabled=0, "
				       "or a seccomp profile that permits io_uring_setup) "
				       "or run with --engine pread",
				       "%s", msg);
		}
		r->fallback = -ret;
		goto done;
	}
	r->uring = 1;
	r->async = o->async;
	if (o->bufs && o->nbufs) {
		ret = io_uring_register_buffers(&r->ring, o->bufs, o->nbufs);
		if (ret < 0)
			r->reg_errno = -ret;
		else
			r->registered = 1;
	}
done:
	*out = r;
	return 0;
}

const char *vy_dev_uring_engine(const struct vy_reader *r)
{
	return r->uring ? "uring" : "pread";
}

int vy_dev_uring_registered(const struct vy_reader *r)
{
	return r->registered;
}

int vy_dev_uring_fallback(const struct vy_reader *r)
{
	return r->fallback;
}

int vy_dev_uring_register_errno(const struct vy_reader *r)
{
	return r->reg_errno;
}

unsigned vy_dev_uring_inflight(const struct vy_reader *r)
{
	return r->inflight;
}

unsigned vy_dev_uring_capacity(const struct vy_reader *r)
{
	return r->cap;
}

void vy_dev_uring_get_stats(const struct vy_reader *r, struct vy_dev_uring_stats *s)
{
	*s = r->st;
}

/* Prepare an SQE for the rest of request @i.  Returns 0 or -EBUSY. */
static int prep(struct vy_reader *r, int i)
{
	struct vy_req *q = &r->req[i];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	char *dst = (char *)q->rd.buf + q->got;
	unsigned len = (unsigned)(q->rd.len - q->got);
	uint64_t off = q->rd.off < 0 ? (uint64_t)-1 :
		(uint64_t)q->rd.off + q->got;

	if (!sqe) {
		io_uring_submit(&r->ring);
		r->unsubmitted = 0;
		sqe = io_uring_get_sqe(&r->ring);
		if (!sqe)
			return -EBUSY;
	}
	if (r->registered && q->rd.buf_index >= 0)
		io_uring_prep_read_fixed(sqe, q->rd.fd, dst, len, off,
					 q->rd.buf_index);
	else
		io_uring_prep_read(sqe, q->rd.fd, dst, len, off);
	if (r->async || q->rd.async)
		sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, (uint64_t)i);
	r->unsubmitted++;
	return 0;
}

int vy_dev_uring_submit(struct vy_reader *r, const struct vy_dev_read *rd,
		     struct vy_err *e)
{
	int i;

	if (r->free_head < 0)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "reader queue is full (%u reads in flight)",
			       r->inflight);
	if (!rd->len || rd->min > rd->len || rd->len > 0x7ffff000)
		return vy_errf(e, VY_E_INVAL, NULL, "bad read length %zu",
			       rd->len);
	i = r->free_head;
	r->free_head = r->req[i].next;
	r->req[i].rd = *rd;
	r->req[i].got = 0;
	r->req[i].active = 1;
	r->req[i].next = -1;
	account(r);
	r->inflight++;
	if (r->inflight > r->st.inflight_max)
		r->st.inflight_max = r->inflight;
	r->st.submitted++;
	if (r->uring) {
		if (prep(r, i) < 0) {
			/* cannot happen: the SQ holds as many entries as records */
			r->req[i].active = 0;
			r->req[i].next = r->free_head;
			r->free_head = i;
			r->inflight--;
			return vy_errf(e, VY_E_IO, NULL, "io_uring SQ is full");
		}
	} else {
		if (r->fifo_tail >= 0)
			r->req[r->fifo_tail].next = i;
		else
			r->fifo_head = i;
		r->fifo_tail = i;
	}
	return 0;
}

static void release(struct vy_reader *r, int i)
{
	account(r);
	r->req[i].active = 0;
	r->req[i].next = r->free_head;
	r->free_head = i;
	r->inflight--;
}

/*
 * Account one raw result of request @i.  Returns 1 when the request is
 * finished (*res set), 0 when it needs another round.
 */
static int settle(struct vy_reader *r, int i, int64_t raw, int64_t *res)
{
	struct vy_req *q = &r->req[i];

	if (raw == -EAGAIN || raw == -EINTR) {
		r->st.retries++;
		return 0;
	}
	if (raw < 0) {
		*res = raw;
		return 1;
	}
	q->got += (size_t)raw;
	r->st.bytes += (uint64_t)raw;
	if (raw == 0 || q->got >= q->rd.min || q->got >= q->rd.len) {
		*res = (int64_t)q->got;
		return 1;
	}
	r->st.short_reads++;
	return 0;
}

static int reap_pread(struct vy_reader *r, struct vy_dev_read_done *out,
		      unsigned max)
{
	unsigned n = 0;

	while (n < max && r->fifo_head >= 0) {
		int i = r->fifo_head;
		struct vy_req *q = &r->req[i];
		int64_t res = 0;

		for (;;) {
			char *dst = (char *)q->rd.buf + q->got;
			size_t len = q->rd.len - q->got;
			ssize_t got;

			if (q->rd.off < 0)
				got = read(q->rd.fd, dst, len);
			else
				got = pread(q->rd.fd, dst, len,
					    (off_t)(q->rd.off + (int64_t)q->got));
			if (got < 0 && errno == EINTR) {
				/* a signal: let the caller look at it; the
				 * read stays queued and goes on next time */
				r->st.retries++;
				return (int)n;
			}
			if (settle(r, i, got < 0 ? -errno : got, &res))
				break;
		}
		r->fifo_head = q->next;
		if (r->fifo_head < 0)
			r->fifo_tail = -1;
		out[n].tag = q->rd.tag;
		out[n].res = res;
		if (res < 0)
			r->st.failed++;
		r->st.completed++;
		release(r, i);
		n++;
	}
	return (int)n;
}

int vy_dev_uring_reap(struct vy_reader *r, struct vy_dev_read_done *out,
		   unsigned max, unsigned min, struct vy_err *e)
{
	unsigned n = 0;
	int ret;

	if (!r->uring)
		return reap_pread(r, out, max);
	if (min > r->inflight)
		min = r->inflight;
	while (n < max) {
		struct io_uring_cqe *cqe;
		int64_t res;
		int i;

		if (r->unsubmitted) {
			ret = io_uring_submit(&r->ring);
			if (ret >= 0)
				r->unsubmitted = 0;
			else if (ret != -EINTR && ret != -EAGAIN &&
				 ret != -EBUSY)
				return vy_errf(e, VY_E_IO, NULL,
					       "io_uring_submit: %s",
					       strerror(-ret));
		}
		if (n < min)
			ret = io_uring_wait_cqe(&r->ring, &cqe);
		else
			ret = io_uring_peek_cqe(&r->ring, &cqe);
		if (ret == -EAGAIN)
			break;
		if (ret == -EINTR)
			break;
		if (ret < 0)
			return vy_errf(e, VY_E_IO, NULL, "io_uring_wait_cqe: %s",
				       strerror(-ret));
		i = (int)io_uring_cqe_get_data64(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&r->ring, cqe);
		if (i < 0 || (unsigned)i >= r->cap || !r->req[i].active)
			continue;
		if (!settle(r, i, res, &res)) {
			prep(r, i);
			continue;
		}
		out[n].tag = r->req[i].rd.tag;
		out[n].res = res;
		if (res < 0)
			r->st.failed++;
		r->st.completed++;
		release(r, i);
		n++;
	}
	/* start the remainders that were prepared on the way */
	if (r->unsubmitted && io_uring_submit(&r->ring) >= 0)
		r->unsubmitted = 0;
	return (int)n;
}

int vy_dev_uring_wait(struct vy_reader *r, uint64_t timeout_ns)
{
	struct __kernel_timespec ts = {
		.tv_sec = (long long)(timeout_ns / 1000000000u),
		.tv_nsec = (long long)(timeout_ns % 1000000000u),
	};
	struct io_uring_cqe *cqe;

	if (!r->uring)
		return r->fifo_head >= 0;
	if (r->unsubmitted && io_uring_submit(&r->ring) >= 0)
		r->unsubmitted = 0;
	return io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts) == 0;
}

void vy_dev_uring_cancel(struct vy_reader *r)
{
	struct vy_dev_read_done d[16];

	if (!r->uring) {
		while (r->fifo_head >= 0) {
			int i = r->fifo_head;

			r->fifo_head = r->req[i].next;
			release(r, i);
		}
		r->fifo_tail = -1;
		return;
	}
	if (r->inflight) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

		if (sqe) {
			io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
			io_uring_sqe_set_data64(sqe, (uint64_t)-1);
			r->unsubmitted++;
		}
	}
	while (r->inflight) {
		int n = vy_dev_uring_reap(r, d, VY_ARRAY_SIZE(d), 1, NULL);

		if (n < 0)
			break;
	}
}

void vy_dev_uring_close(struct vy_reader *r)
{
	if (!r)
		return;
	vy_dev_uring_cancel(r);
	if (r->uring)
		io_uring_queue_exit(&r->ring);
	free(r->req);
	free(r);
}

int vy_dev_uring_read_sync(struct vy_reader *r, int fd, uint64_t off,
			void *buf, size_t len, size_t *got, struct vy_err *e)
{
	struct vy_dev_read rd = {
		.fd = fd, .off = (int64_t)off, .buf = buf, .len = len,
		.min = len, .buf_index = -1, .tag = 0,
	};
	struct vy_dev_read_done d;
	int ret;

	*got = 0;
	if (!len)
		return 0;
	ret = vy_dev_uring_submit(r, &rd, e);
	if (ret < 0)
		return ret;
	do {
		ret = vy_dev_uring_reap(r, &d, 1, 1, e);
		if (ret < 0)
			return ret;
	} while (ret == 0);
	if (d.res < 0)
		return vy_errf(e, VY_E_IO, NULL, "%s", strerror((int)-d.res));
	*got = (size_t)d.res;
	return 0;
}

int vy_dev_read_range(const char *path, uint64_t off, void *buf, size_t len,
		  size_t *got, struct vy_err *e)
{
	struct vy_dev_uring_opts o = { .engine = VY_IO_AUTO, .qd = 1 };
	struct vy_reader *r;
	struct vy_err le;
	int fd, ret;

	*got = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", path,
			       strerror(errno));
	ret = vy_dev_uring_open(&r, &o, e);
	if (ret < 0)
		goto out;
	ret = vy_dev_uring_read_sync(r, fd, off, buf, len, got, &le);
	if (ret < 0)
		vy_errf(e, ret, NULL, "%s: %s", path, le.msg);
	vy_dev_uring_close(r);
out:
	close(fd);
	return ret;
}
