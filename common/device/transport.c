/* SPDX-License-Identifier: MIT */
#include "device/transport.h"

#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

#define VY_PAGE 4096

const char *vy_dev_transport_name(enum vy_dev_transport_kind k)
{
	switch (k) {
	case VY_TRANSPORT_SHARED:
		return "shared";
	case VY_TRANSPORT_COPY:
		return "copy";
	default:
		return "auto";
	}
}

int vy_dev_transport_parse(const char *s, enum vy_dev_transport_kind *out,
		       struct vy_err *e)
{
	if (!strcmp(s, "shared"))
		*out = VY_TRANSPORT_SHARED;
	else if (!strcmp(s, "copy"))
		*out = VY_TRANSPORT_COPY;
	else if (!strcmp(s, "auto"))
		*out = VY_TRANSPORT_AUTO;
	else
		return vy_errf(e, VY_E_INVAL, "use shared, copy or auto",
			       "unknown transport '%s'", s);
	return 0;
}

enum vy_dev_transport_kind vy_dev_transport_choose(const struct vy_dev_cl_devinfo *d)
{
	return d->is_cpu || d->unified_memory ? VY_TRANSPORT_SHARED :
						 VY_TRANSPORT_COPY;
}

int vy_dev_transport_check(enum vy_dev_transport_kind kind,
			   const struct vy_dev_cl_devinfo *d, const char *hint,
			   struct vy_err *e)
{
	/*
	 * A device with its own memory never shows a running kernel what the
	 * host stores into a USE_HOST_PTR image: a persistent kernel would
	 * wait for slots it cannot see until the host's timeout.
	 */
	if (kind == VY_TRANSPORT_SHARED && !d->unified_memory)
		return vy_errf(e, VY_E_UNSUPPORTED, hint,
			       "the shared transport needs a CPU or unified-memory "
			       "device; '%s' has its own memory", d->name);
	return 0;
}

static int clerr(struct vy_err *e, const char *call, cl_int rc)
{
	return vy_errf(e, VY_E_DEVICE, NULL, "%s: %s", call,
		       vy_dev_cl_strerror(rc));
}

cl_command_queue vy_dev_transport_queue(struct vy_dev_transport *t)
{
	return t->running ? t->cl->q2 : t->cl->q;
}

/* A pinned host area: an ALLOC_HOST_PTR buffer mapped once for good. */
static int pinned(struct vy_dev_transport *t, size_t len, cl_mem *mem,
		  uint8_t **host, struct vy_err *e)
{
	cl_int rc;

	*mem = clCreateBuffer(t->cl->ctx,
			      CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, len,
			      NULL, &rc);
	if (!*mem)
		return clerr(e, "clCreateBuffer (pinned)", rc);
	*host = clEnqueueMapBuffer(t->cl->q, *mem, CL_TRUE,
				   CL_MAP_READ | CL_MAP_WRITE, 0, len, 0, NULL,
				   NULL, &rc);
	if (!*host)
		return clerr(e, "clEnqueueMapBuffer", rc);
	memset(*host, 0, len);
	return 0;
}

int vy_dev_transport_init(struct vy_dev_transport *t, struct vy_dev_cl *cl,
		      enum vy_dev_transport_kind kind,
		      const size_t lens[VY_TB_COUNT], uint32_t obs_linear,
		      struct vy_err *e)
{
	cl_int rc;
	int err;
	size_t aux;
	uint8_t *auxp, *auxp2 = NULL;

	memset(t, 0, sizeof(*t));
	t->cl = cl;
	t->kind = kind == VY_TRANSPORT_AUTO ? vy_dev_transport_choose(&cl->info) :
					      kind;
	err = vy_dev_transport_check(t->kind, &cl->info,
				     "use the copy (or auto) transport on this device",
				     e);
	if (err)
		return err;
	t->slots = (uint32_t)(lens[VY_TB_RING] / VY_SLOT_BYTES);
	for (int i = 0; i < VY_TB_COUNT; i++) {
		struct vy_dev_tbuf *b = &t->b[i];

		b->len = lens[i] ? lens[i] : 4;
		if (t->kind == VY_TRANSPORT_SHARED) {
			size_t cap = (b->len + VY_PAGE - 1) / VY_PAGE * VY_PAGE;

			b->host = aligned_alloc(VY_PAGE, cap);
			if (!b->host) {
				vy_dev_transport_free(t);
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "out of memory");
			}
			memset(b->host, 0, cap);
			b->mem = clCreateBuffer(cl->ctx,
						CL_MEM_READ_WRITE |
							CL_MEM_USE_HOST_PTR,
						b->len, b->host, &rc);
		} else {
			err = pinned(t, b->len, &b->pin, &b->host, e);
			if (err) {
				vy_dev_transport_free(t);
				return err;
			}
			b->mem = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE,
						b->len, NULL, &rc);
		}
		if (!b->mem) {
			vy_dev_transport_free(t);
			return clerr(e, "clCreateBuffer", rc);
		}
	}
	if (t->kind == VY_TRANSPORT_COPY) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		t->q3 = clCreateCommandQueue(cl->ctx, cl->device, 0, &rc);
#pragma GCC diagnostic pop
		if (!t->q3) {
			vy_dev_transport_free(t);
			return clerr(e, "clCreateCommandQueue", rc);
		}
	}
	aux = (2 * (size_t)t->slots + VY_WATCH_DEPTH + VY_WSRC_WORDS + 1) * 4;
	if (t->kind == VY_TRANSPORT_COPY) {
		err = pinned(t, aux, &t->aux_mem, &auxp, e);
		if (err) {
			vy_dev_transport_free(t);
			return err;
		}
	} else {
		auxp = calloc(1, aux);
		if (!auxp) {
			vy_dev_transport_free(t);
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		}
	}
	t->ones = (uint32_t *)auxp;
	t->stat = t->ones + t->slots;
	t->watch = t->stat + t->slots;
	t->wsrc = t->watch + VY_WATCH_DEPTH;
	for (uint32_t i = 0; i < t->slots; i++)
		t->ones[i] = VY_STATUS_PUBLISHED;
	if (t->kind == VY_TRANSPORT_COPY) {
		size_t lin;

		t->obs_linear = obs_linear ? obs_linear : VY_OBS_LINEAR_SLOTS;
		lin = (t->slots < t->obs_linear ? t->slots : t->obs_linear) *
		      (size_t)VY_SLOT_WORDS;

		t->obs_words = lin > t->slots ? lin : t->slots;
		err = pinned(t, VY_OBS_MAX * t->obs_words * 4, &t->obs_mem,
			     &auxp2, e);
		t->obs_area = (uint32_t *)auxp2;
		if (err) {
			vy_dev_transport_free(t);
			return err;
		}
	}
	/* Copy: the device buffers start as the (zeroed) images. */
	if (t->kind == VY_TRANSPORT_COPY)
		for (int i = 0; i < VY_TB_COUNT; i++) {
			err = vy_dev_transport_push(t, i, 0, t->b[i].len, 1, e);
			if (err) {
				vy_dev_transport_free(t);
				return err;
			}
		}
	return 0;
}

int vy_dev_transport_small_pageable(struct vy_dev_transport *t,
				    struct vy_err *e)
{
	if (t->kind != VY_TRANSPORT_COPY || t->pg_rows)
		return 0;
	t->pg_rows = malloc((size_t)t->slots * VY_SLOT_BYTES);
	t->pg_wsrc = calloc(VY_WSRC_WORDS, sizeof(uint32_t));
	if (!t->pg_rows || !t->pg_wsrc) {
		free(t->pg_rows);
		free(t->pg_wsrc);
		t->pg_rows = NULL;
		t->pg_wsrc = NULL;
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	return 0;
}

/*
 * The source of a non-blocking write of ring bytes [@off, @off + @len):
 * small ones from their pageable copy (vy_dev_transport_small_pageable),
 * taken now; the slots are in flight until the kernel ran them, so the
 * copy is not rewritten before the write has run.
 */
static const uint8_t *row_source(struct vy_dev_transport *t, size_t off,
				 size_t len)
{
	const uint8_t *src = t->b[VY_TB_RING].host + off;

	if (!t->pg_rows || len > VY_SMALL_WRITE)
		return src;
	memcpy(t->pg_rows + off, src, len);
	return t->pg_rows + off;
}

void vy_dev_transport_free(struct vy_dev_transport *t)
{
	if (!t->cl)
		return;
	vy_dev_transport_watch_reset(t);
	vy_dev_transport_observe_reset(t);
	if (t->kind == VY_TRANSPORT_COPY) {
		clFinish(t->cl->q2);
		clFinish(t->cl->q);
	}
	for (int i = 0; i < VY_TB_COUNT; i++) {
		struct vy_dev_tbuf *b = &t->b[i];

		if (b->mem)
			clReleaseMemObject(b->mem);
		if (b->pin) {
			if (b->host)
				clEnqueueUnmapMemObject(t->cl->q, b->pin,
							b->host, 0, NULL, NULL);
			clFinish(t->cl->q);
			clReleaseMemObject(b->pin);
		} else {
			free(b->host);
		}
	}
	if (t->obs_mem) {
		clEnqueueUnmapMemObject(t->cl->q, t->obs_mem, t->obs_area, 0,
					NULL, NULL);
		clFinish(t->cl->q);
		clReleaseMemObject(t->obs_mem);
	}
	if (t->aux_mem) {
		clEnqueueUnmapMemObject(t->cl->q, t->aux_mem, t->ones, 0, NULL,
					NULL);
		clFinish(t->cl->q);
		clReleaseMemObject(t->aux_mem);
	} else {
		free(t->ones);
	}
	free(t->pg_rows);
	free(t->pg_wsrc);
	if (t->q3)
		clReleaseCommandQueue(t->q3);
	memset(t, 0, sizeof(*t));
}

int vy_dev_transport_push(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
		      size_t off, size_t len, int blocking, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[id];
	const uint8_t *src;
	cl_int rc;

	if (off > b->len || len > b->len - off)
		return vy_errf(e, VY_E_INVAL, NULL, "push past the buffer end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	}
	if (!len)
		return 0;
	src = id == VY_TB_RING && !blocking ? row_source(t, off, len) :
					      b->host + off;
	rc = clEnqueueWriteBuffer(vy_dev_transport_queue(t), b->mem,
				  blocking ? CL_TRUE : CL_FALSE, off, len, src,
				  0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += len;
	t->st.commands++;
	if (blocking)
		t->st.sync_points++;
	else {
		clFlush(vy_dev_transport_queue(t));
		t->st.flushes++;
	}
	return 0;
}

int vy_dev_transport_pull(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
		      size_t off, size_t len, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[id];
	cl_int rc;

	if (off > b->len || len > b->len - off)
		return vy_errf(e, VY_E_INVAL, NULL, "pull past the buffer end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	}
	if (!len)
		return 0;
	rc = clEnqueueReadBuffer(vy_dev_transport_queue(t), b->mem, CL_TRUE, off,
				 len, b->host + off, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBuffer", rc);
	t->st.bytes_read_back += len;
	t->st.commands++;
	t->st.sync_points++;
	return 0;
}

/* Flush the publishing queue, timed. */
static void qflush(struct vy_dev_transport *t)
{
	uint64_t t0 = vy_now_ns();

	clFlush(t->cl->q2);
	t->st.flush_ns += vy_now_ns() - t0;
	t->st.flushes++;
	t->unflushed = 0;
}

int vy_dev_transport_publish(struct vy_dev_transport *t, uint32_t first, uint32_t n,
			 struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[VY_TB_RING];
	uint32_t *w = (uint32_t *)b->host;
	size_t origin[3] = { 0, first, 0 }, host_origin[3] = { 0, 0, 0 };
	size_t region[3] = { 4, n, 1 };
	uint64_t t0, t1;
	cl_int rc;

	if (!n)
		return 0;
	if ((uint64_t)first + n > t->slots)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE, NULL,
			       "publish past the ring end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		/* the payloads are in place: statuses last, after a fence */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		for (uint32_t i = 0; i < n; i++)
			__atomic_store_n(w + (size_t)(first + i) * VY_SLOT_WORDS,
					 VY_STATUS_PUBLISHED, __ATOMIC_RELEASE);
		return 0;
	}
	if (!t->running) {
		for (uint32_t i = 0; i < n; i++)
			w[(size_t)(first + i) * VY_SLOT_WORDS] =
				VY_STATUS_PUBLISHED;
		return vy_dev_transport_push(t, VY_TB_RING,
					 (size_t)first * VY_SLOT_BYTES,
					 (size_t)n * VY_SLOT_BYTES, 0, e);
	}
	/*
	 * running: payloads with EMPTY statuses, then the statuses, one flush.
	 * Neither source changes until the slot is published again, which
	 * the host does only after the kernel finished it.
	 */
	for (uint32_t i = 0; i < n; i++)
		w[(size_t)(first + i) * VY_SLOT_WORDS] = VY_STATUS_EMPTY;
	t0 = vy_now_ns();
	rc = clEnqueueWriteBuffer(t->cl->q2, b->mem, CL_FALSE,
				  (size_t)first * VY_SLOT_BYTES,
				  (size_t)n * VY_SLOT_BYTES,
				  b->host + (size_t)first * VY_SLOT_BYTES, 0,
				  NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += (uint64_t)n * VY_SLOT_BYTES;
	t->st.commands++;
	t1 = vy_now_ns();
	t->st.enqueue_ns[0] += t1 - t0;
	if (n == 1) {
		rc = clEnqueueWriteBuffer(t->cl->q2, b->mem, CL_FALSE,
					  (size_t)first * VY_SLOT_BYTES, 4,
					  t->ones, 0, NULL, NULL);
		t->st.bytes_uploaded += 4;
	} else {
		/*
		 * Only the status words: a linear rewrite of whole slots would
		 * do, were it not that a copy may store some bytes twice (an
		 * overlapping tail store): a status stored PUBLISHED again
		 * after the kernel ran the slot runs it twice (seen on PoCL).
		 */
		rc = clEnqueueWriteBufferRect(t->cl->q2, b->mem, CL_FALSE,
					      origin, host_origin, region,
					      VY_SLOT_BYTES, 0, 4, 0, t->ones,
					      0, NULL, NULL);
		t->st.bytes_uploaded += 4ull * n;
	}
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer (statuses)", rc);
	/* the host image keeps EMPTY: the payload write may not have run */
	t->st.commands++;
	t->st.enqueue_ns[1] += vy_now_ns() - t1;
	if (t->defer_flush)
		t->unflushed = 1;
	else
		qflush(t);
	return 0;
}

int vy_dev_transport_publish_rows(struct vy_dev_transport *t, uint32_t first,
				  uint32_t n, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[VY_TB_RING];
	size_t off = (size_t)first * VY_SLOT_BYTES;
	const uint8_t *src;
	uint64_t t0;
	cl_int rc;

	if ((uint64_t)first + n > t->slots)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE, NULL,
			       "publish past the ring end");
	if (t->kind == VY_TRANSPORT_SHARED || !n) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		return 0;
	}
	t0 = vy_now_ns();
	src = row_source(t, off, (size_t)n * VY_SLOT_BYTES);
	rc = clEnqueueWriteBuffer(vy_dev_transport_queue(t), b->mem, CL_FALSE,
				  off, (size_t)n * VY_SLOT_BYTES, src, 0, NULL,
				  NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += (uint64_t)n * VY_SLOT_BYTES;
	t->st.commands++;
	t->st.enqueue_ns[0] += vy_now_ns() - t0;
	t->unflushed = 1;
	return 0;
}

void vy_dev_transport_kick(struct vy_dev_transport *t)
{
	if (t->unflushed)
		qflush(t);
}

int vy_dev_transport_statuses(struct vy_dev_transport *t, uint32_t first, uint32_t n,
			  uint32_t *out, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[VY_TB_RING];
	uint32_t *w = (uint32_t *)b->host;
	size_t origin[3] = { 0, first, 0 }, host_origin[3] = { 0, 0, 0 };
	size_t region[3] = { 4, n, 1 };
	cl_int rc;

	if (!n)
		return 0;
	if ((uint64_t)first + n > t->slots)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE, NULL,
			       "status read past the ring end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = __atomic_load_n(w + (size_t)(first + i) *
							     VY_SLOT_WORDS,
						 __ATOMIC_ACQUIRE);
		return 0;
	}
	if (n == 1)
		rc = clEnqueueReadBuffer(vy_dev_transport_queue(t), b->mem, CL_TRUE,
					 (size_t)first * VY_SLOT_BYTES, 4,
					 t->stat, 0, NULL, NULL);
	else
		rc = clEnqueueReadBufferRect(vy_dev_transport_queue(t), b->mem,
					     CL_TRUE, origin, host_origin,
					     region, VY_SLOT_BYTES, 0, 4, 0,
					     t->stat, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBufferRect", rc);
	t->st.bytes_read_back += 4ull * n;
	t->st.commands++;
	t->st.sync_points++;
	memcpy(out, t->stat, 4ull * n);
	for (uint32_t i = 0; i < n; i++)
		w[(size_t)(first + i) * VY_SLOT_WORDS] = out[i];
	return 0;
}

int vy_dev_transport_read_word(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
			   uint32_t w, uint32_t *out, struct vy_err *e)
{
	uint32_t *p = (uint32_t *)t->b[id].host + w;
	int err;

	if (((size_t)w + 1) * 4 > t->b[id].len)
		return vy_errf(e, VY_E_INVAL, NULL, "word %u past the buffer",
			       w);
	if (t->kind == VY_TRANSPORT_SHARED) {
		*out = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		return 0;
	}
	err = vy_dev_transport_pull(t, id, (size_t)w * 4, 4, e);
	if (!err)
		*out = *p;
	return err;
}

static int write_word(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
		      uint32_t w, uint32_t v, int flush, struct vy_err *e)
{
	uint32_t *p = (uint32_t *)t->b[id].host + w, *src;
	cl_int rc;

	if (((size_t)w + 1) * 4 > t->b[id].len)
		return vy_errf(e, VY_E_INVAL, NULL, "word %u past the buffer",
			       w);
	if (t->kind == VY_TRANSPORT_SHARED) {
		__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
		return 0;
	}
	/*
	 * The source of a non-blocking write must not change until it ran:
	 * take the next pinned word of the ring, draining the queue once per
	 * lap so that no queued write still reads the word reused.
	 */
	*p = v;
	if (t->wpos && t->wpos % VY_WSRC_WORDS == 0) {
		rc = clFinish(vy_dev_transport_queue(t));
		if (rc != CL_SUCCESS)
			return clerr(e, "clFinish", rc);
		t->st.sync_points++;
	}
	src = &(t->pg_wsrc ? t->pg_wsrc : t->wsrc)[t->wpos++ % VY_WSRC_WORDS];
	*src = v;
	rc = clEnqueueWriteBuffer(vy_dev_transport_queue(t), t->b[id].mem,
				  CL_FALSE, (size_t)w * 4, 4, src, 0, NULL,
				  NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += 4;
	t->st.commands++;
	if (!flush && t->running) {
		t->unflushed = 1;
		return 0;
	}
	clFlush(vy_dev_transport_queue(t));
	t->st.flushes++;
	return 0;
}

int vy_dev_transport_write_word(struct vy_dev_transport *t, enum vy_dev_tbuf_id id,
			    uint32_t w, uint32_t v, struct vy_err *e)
{
	return write_word(t, id, w, v, 1, e);
}

int vy_dev_transport_publish_head(struct vy_dev_transport *t, uint32_t w,
				  uint32_t v, struct vy_err *e)
{
	uint64_t t0 = vy_now_ns();
	int err = write_word(t, VY_TB_CONTROL, w, v, !t->defer_flush, e);

	t->st.enqueue_ns[1] += vy_now_ns() - t0;
	return err;
}

int vy_dev_transport_watch(struct vy_dev_transport *t, uint32_t w, uint32_t *out,
		       struct vy_err *e)
{
	cl_int rc, status = 0;
	unsigned i;

	if (t->kind == VY_TRANSPORT_SHARED || !t->running ||
	    t->watch_blocking) {
		int err = vy_dev_transport_read_word(t, VY_TB_CONTROL, w, out, e);

		return err ? err : 1;
	}
	while (t->wcount < VY_WATCH_DEPTH) {
		i = (t->whead + t->wcount) % VY_WATCH_DEPTH;
		rc = clEnqueueReadBuffer(t->q3, t->b[VY_TB_CONTROL].mem,
					 CL_FALSE, (size_t)w * 4, 4,
					 &t->watch[i], 0, NULL, &t->wev[i]);
		if (rc != CL_SUCCESS)
			return clerr(e, "clEnqueueReadBuffer", rc);
		t->wcount++;
		t->st.commands++;
		t->st.bytes_read_back += 4;
		clFlush(t->q3);
	}
	i = t->whead;
	rc = clGetEventInfo(t->wev[i], CL_EVENT_COMMAND_EXECUTION_STATUS,
			    sizeof(status), &status, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clGetEventInfo", rc);
	if (status < 0)
		return vy_errf(e, VY_E_DEVICE, NULL, "watch read failed: %s",
			       vy_dev_cl_strerror(status));
	if (status != CL_COMPLETE)
		return 0;
	*out = __atomic_load_n(&t->watch[i], __ATOMIC_ACQUIRE);
	clReleaseEvent(t->wev[i]);
	t->wev[i] = NULL;
	t->whead = (t->whead + 1) % VY_WATCH_DEPTH;
	t->wcount--;
	return 1;
}

void vy_dev_transport_watch_reset(struct vy_dev_transport *t)
{
	if (t->q3)
		clFinish(t->q3);
	while (t->wcount) {
		clReleaseEvent(t->wev[t->whead]);
		t->wev[t->whead] = NULL;
		t->whead = (t->whead + 1) % VY_WATCH_DEPTH;
		t->wcount--;
	}
}

int vy_dev_transport_finish(struct vy_dev_transport *t, struct vy_err *e)
{
	cl_int rc;

	if (t->kind == VY_TRANSPORT_SHARED)
		return 0;
	rc = clFinish(vy_dev_transport_queue(t));
	if (rc != CL_SUCCESS)
		return clerr(e, "clFinish", rc);
	t->st.sync_points++;
	return 0;
}

#define OBS_SENTINEL 0xFFFFFFFFu
/* landing checks of an event-less observation before the queue is drained */
#define VY_OBS_PATIENCE (1u << 22)

/* The next observation record, its destination filled with the sentinel. */
static struct vy_dev_obs *obs_next(struct vy_dev_transport *t, uint32_t first,
				   uint32_t n, uint64_t ticket, uint32_t stride,
				   int words)
{
	unsigned i = (t->ohead + t->ocount) % VY_OBS_MAX;
	struct vy_dev_obs *o = &t->obs[i];

	o->first = first;
	o->n = n;
	o->ticket = ticket;
	o->dst = t->obs_area + (size_t)i * t->obs_words;
	o->stride = stride;
	o->words = words;
	o->seen = 0;
	o->looks = 0;
	for (uint32_t k = 0; k < n; k++)
		__atomic_store_n(&o->dst[(size_t)k * o->stride], OBS_SENTINEL,
				 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return o;
}

int vy_dev_transport_observe_words(struct vy_dev_transport *t, uint32_t w,
				   uint32_t n, uint64_t ticket,
				   struct vy_err *e)
{
	struct vy_dev_obs *o;
	uint64_t t0;
	cl_int rc;

	if (t->kind != VY_TRANSPORT_COPY || !t->running || !n ||
	    n > t->obs_words || t->ocount >= VY_OBS_MAX ||
	    ((size_t)w + n) * 4 > t->b[VY_TB_CONTROL].len)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "control observation out of place");
	o = obs_next(t, w, n, ticket, 1, 1);
	t0 = vy_now_ns();
	rc = clEnqueueReadBuffer(t->cl->q2, t->b[VY_TB_CONTROL].mem, CL_FALSE,
				 (size_t)w * 4, (size_t)n * 4, o->dst, 0, NULL,
				 NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBuffer (control words)", rc);
	t->st.bytes_read_back += 4ull * n;
	t->st.commands++;
	t->st.enqueue_ns[2] += vy_now_ns() - t0;
	qflush(t);
	t->ocount++;
	return 0;
}

int vy_dev_transport_observe_begin(struct vy_dev_transport *t, uint32_t first,
			       uint32_t n, uint64_t ticket, struct vy_err *e)
{
	struct vy_dev_tbuf *b = &t->b[VY_TB_RING];
	struct vy_dev_obs *o;
	cl_int rc;
	uint64_t t0;

	if (t->kind != VY_TRANSPORT_COPY || !t->running || !n ||
	    t->ocount >= VY_OBS_MAX || (uint64_t)first + n > t->slots)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "status observation out of place");
	o = obs_next(t, first, n, ticket,
		     n > 1 && n <= t->obs_linear ? VY_SLOT_WORDS : 1, 0);
	t0 = vy_now_ns();
	if (o->stride == 1 && n > 1) {
		size_t origin[3] = { 0, first, 0 }, host_origin[3] = { 0, 0, 0 };
		size_t region[3] = { 4, n, 1 };

		rc = clEnqueueReadBufferRect(t->cl->q2, b->mem, CL_FALSE,
					     origin, host_origin, region,
					     VY_SLOT_BYTES, 0, 4, 0, o->dst, 0,
					     NULL, NULL);
		t->st.bytes_read_back += 4ull * n;
	} else {
		size_t len = n == 1 ? 4 : (size_t)n * VY_SLOT_BYTES;

		rc = clEnqueueReadBuffer(t->cl->q2, b->mem, CL_FALSE,
					 (size_t)first * VY_SLOT_BYTES, len,
					 o->dst, 0, NULL, NULL);
		t->st.bytes_read_back += len;
	}
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBuffer (statuses)", rc);
	t->st.commands++;
	t->st.enqueue_ns[2] += vy_now_ns() - t0;
	qflush(t);
	t->ocount++;
	return 0;
}

int vy_dev_transport_observe_end(struct vy_dev_transport *t, uint32_t *first,
			     uint32_t *n, uint64_t *ticket, int *words,
			     uint32_t *out, struct vy_err *e)
{
	struct vy_dev_obs *o;
	cl_int rc;

	if (!t->ocount)
		return 0;
	o = &t->obs[t->ohead];
	/* a status never equals the sentinel: each word that differs landed */
	while (o->seen < o->n &&
	       __atomic_load_n(&o->dst[(size_t)o->seen * o->stride],
			       __ATOMIC_ACQUIRE) != OBS_SENTINEL)
		o->seen++;
	if (o->seen < o->n) {
		/*
		 * No event (it costs a driver call per read): after a long
		 * while, drain the queue instead; a read that failed says so
		 * there, one that ran has landed.
		 */
		if (++o->looks < VY_OBS_PATIENCE)
			return 0;
		rc = clFinish(t->cl->q2);
		if (rc != CL_SUCCESS)
			return clerr(e, "clFinish (status read)", rc);
		t->st.sync_points++;
	}
	for (uint32_t k = 0; k < o->n; k++)
		out[k] = __atomic_load_n(&o->dst[(size_t)k * o->stride],
					 __ATOMIC_ACQUIRE);
	*first = o->first;
	*n = o->n;
	*ticket = o->ticket;
	*words = o->words;
	t->ohead = (t->ohead + 1) % VY_OBS_MAX;
	t->ocount--;
	return 1;
}

unsigned vy_dev_transport_observe_pending(const struct vy_dev_transport *t)
{
	return t->ocount;
}

void vy_dev_transport_observe_reset(struct vy_dev_transport *t)
{
	if (t->ocount && t->cl)
		clFinish(t->cl->q2);
	while (t->ocount) {
		t->ohead = (t->ohead + 1) % VY_OBS_MAX;
		t->ocount--;
	}
}
