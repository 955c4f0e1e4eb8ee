/* SPDX-License-Identifier: MIT */
#include "transport.h"

#include <stdlib.h>
#include <string.h>

#include "protocol.h"

#define VY_PAGE 4096

const char *vy_transport_name(enum vy_transport_kind k)
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

int vy_transport_parse(const char *s, enum vy_transport_kind *out,
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

enum vy_transport_kind vy_transport_choose(const struct vy_cl_devinfo *d)
{
	return d->is_cpu || d->unified_memory ? VY_TRANSPORT_SHARED :
						 VY_TRANSPORT_COPY;
}

static int clerr(struct vy_err *e, const char *call, cl_int rc)
{
	return vy_errf(e, VY_E_DEVICE, NULL, "%s: %s", call,
		       vy_cl_strerror(rc));
}

cl_command_queue vy_transport_queue(struct vy_transport *t)
{
	return t->running ? t->cl->q2 : t->cl->q;
}

/* A pinned host area: an ALLOC_HOST_PTR buffer mapped once for good. */
static int pinned(struct vy_transport *t, size_t len, cl_mem *mem,
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

int vy_transport_init(struct vy_transport *t, struct vy_cl *cl,
		      enum vy_transport_kind kind,
		      const size_t lens[VY_TB_COUNT], struct vy_err *e)
{
	cl_int rc;
	int err;
	size_t aux;
	uint8_t *auxp;

	memset(t, 0, sizeof(*t));
	t->cl = cl;
	t->kind = kind == VY_TRANSPORT_AUTO ? vy_transport_choose(&cl->info) :
					      kind;
	t->slots = (uint32_t)(lens[VY_TB_RING] / VY_SLOT_BYTES);
	for (int i = 0; i < VY_TB_COUNT; i++) {
		struct vy_tbuf *b = &t->b[i];

		b->len = lens[i] ? lens[i] : 4;
		if (t->kind == VY_TRANSPORT_SHARED) {
			size_t cap = (b->len + VY_PAGE - 1) / VY_PAGE * VY_PAGE;

			b->host = aligned_alloc(VY_PAGE, cap);
			if (!b->host) {
				vy_transport_free(t);
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
				vy_transport_free(t);
				return err;
			}
			b->mem = clCreateBuffer(cl->ctx, CL_MEM_READ_WRITE,
						b->len, NULL, &rc);
		}
		if (!b->mem) {
			vy_transport_free(t);
			return clerr(e, "clCreateBuffer", rc);
		}
	}
	if (t->kind == VY_TRANSPORT_COPY) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
		t->q3 = clCreateCommandQueue(cl->ctx, cl->device, 0, &rc);
#pragma GCC diagnostic pop
		if (!t->q3) {
			vy_transport_free(t);
			return clerr(e, "clCreateCommandQueue", rc);
		}
	}
	aux = (2 * (size_t)t->slots + VY_WATCH_DEPTH + VY_WSRC_WORDS + 1) * 4;
	if (t->kind == VY_TRANSPORT_COPY) {
		err = pinned(t, aux, &t->aux_mem, &auxp, e);
		if (err) {
			vy_transport_free(t);
			return err;
		}
	} else {
		auxp = calloc(1, aux);
		if (!auxp) {
			vy_transport_free(t);
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		}
	}
	t->ones = (uint32_t *)auxp;
	t->stat = t->ones + t->slots;
	t->watch = t->stat + t->slots;
	t->wsrc = t->watch + VY_WATCH_DEPTH;
	for (uint32_t i = 0; i < t->slots; i++)
		t->ones[i] = VY_STATUS_PUBLISHED;
	/* Copy: the device buffers start as the (zeroed) images. */
	if (t->kind == VY_TRANSPORT_COPY)
		for (int i = 0; i < VY_TB_COUNT; i++) {
			err = vy_transport_push(t, i, 0, t->b[i].len, 1, e);
			if (err) {
				vy_transport_free(t);
				return err;
			}
		}
	return 0;
}

void vy_transport_free(struct vy_transport *t)
{
	if (!t->cl)
		return;
	vy_transport_watch_reset(t);
	if (t->kind == VY_TRANSPORT_COPY) {
		clFinish(t->cl->q2);
		clFinish(t->cl->q);
	}
	for (int i = 0; i < VY_TB_COUNT; i++) {
		struct vy_tbuf *b = &t->b[i];

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
	if (t->aux_mem) {
		clEnqueueUnmapMemObject(t->cl->q, t->aux_mem, t->ones, 0, NULL,
					NULL);
		clFinish(t->cl->q);
		clReleaseMemObject(t->aux_mem);
	} else {
		free(t->ones);
	}
	if (t->q3)
		clReleaseCommandQueue(t->q3);
	memset(t, 0, sizeof(*t));
}

int vy_transport_push(struct vy_transport *t, enum vy_tbuf_id id,
		      size_t off, size_t len, int blocking, struct vy_err *e)
{
	struct vy_tbuf *b = &t->b[id];
	cl_int rc;

	if (off > b->len || len > b->len - off)
		return vy_errf(e, VY_E_INVAL, NULL, "push past the buffer end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	}
	if (!len)
		return 0;
	rc = clEnqueueWriteBuffer(vy_transport_queue(t), b->mem,
				  blocking ? CL_TRUE : CL_FALSE, off, len,
				  b->host + off, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += len;
	t->st.commands++;
	if (blocking)
		t->st.sync_points++;
	else
		clFlush(vy_transport_queue(t));
	return 0;
}

int vy_transport_pull(struct vy_transport *t, enum vy_tbuf_id id,
		      size_t off, size_t len, struct vy_err *e)
{
	struct vy_tbuf *b = &t->b[id];
	cl_int rc;

	if (off > b->len || len > b->len - off)
		return vy_errf(e, VY_E_INVAL, NULL, "pull past the buffer end");
	if (t->kind == VY_TRANSPORT_SHARED) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		return 0;
	}
	if (!len)
		return 0;
	rc = clEnqueueReadBuffer(vy_transport_queue(t), b->mem, CL_TRUE, off,
				 len, b->host + off, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBuffer", rc);
	t->st.bytes_read_back += len;
	t->st.commands++;
	t->st.sync_points++;
	return 0;
}

int vy_transport_publish(struct vy_transport *t, uint32_t first, uint32_t n,
			 struct vy_err *e)
{
	struct vy_tbuf *b = &t->b[VY_TB_RING];
	uint32_t *w = (uint32_t *)b->host;
	size_t origin[3] = { 0, first, 0 }, host_origin[3] = { 0, 0, 0 };
	size_t region[3] = { 4, n, 1 };
	cl_int rc;
	int err;

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
		return vy_transport_push(t, VY_TB_RING,
					 (size_t)first * VY_SLOT_BYTES,
					 (size_t)n * VY_SLOT_BYTES, 0, e);
	}
	/* running: payloads with EMPTY statuses, then the statuses */
	for (uint32_t i = 0; i < n; i++)
		w[(size_t)(first + i) * VY_SLOT_WORDS] = VY_STATUS_EMPTY;
	err = vy_transport_push(t, VY_TB_RING, (size_t)first * VY_SLOT_BYTES,
				(size_t)n * VY_SLOT_BYTES, 0, e);
	if (err)
		return err;
	if (n == 1)
		rc = clEnqueueWriteBuffer(t->cl->q2, b->mem, CL_FALSE,
					  (size_t)first * VY_SLOT_BYTES, 4,
					  t->ones, 0, NULL, NULL);
	else
		rc = clEnqueueWriteBufferRect(t->cl->q2, b->mem, CL_FALSE,
					      origin, host_origin, region,
					      VY_SLOT_BYTES, 0, 4, 0, t->ones,
					      0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBufferRect", rc);
	/* the host image keeps EMPTY: the payload write may not have run */
	t->st.bytes_uploaded += 4ull * n;
	t->st.commands++;
	clFlush(t->cl->q2);
	return 0;
}

int vy_transport_statuses(struct vy_transport *t, uint32_t first, uint32_t n,
			  uint32_t *out, struct vy_err *e)
{
	struct vy_tbuf *b = &t->b[VY_TB_RING];
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
		rc = clEnqueueReadBuffer(vy_transport_queue(t), b->mem, CL_TRUE,
					 (size_t)first * VY_SLOT_BYTES, 4,
					 t->stat, 0, NULL, NULL);
	else
		rc = clEnqueueReadBufferRect(vy_transport_queue(t), b->mem,
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

int vy_transport_read_word(struct vy_transport *t, enum vy_tbuf_id id,
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
	err = vy_transport_pull(t, id, (size_t)w * 4, 4, e);
	if (!err)
		*out = *p;
	return err;
}

int vy_transport_write_word(struct vy_transport *t, enum vy_tbuf_id id,
			    uint32_t w, uint32_t v, struct vy_err *e)
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
		rc = clFinish(vy_transport_queue(t));
		if (rc != CL_SUCCESS)
			return clerr(e, "clFinish", rc);
		t->st.sync_points++;
	}
	src = &t->wsrc[t->wpos++ % VY_WSRC_WORDS];
	*src = v;
	rc = clEnqueueWriteBuffer(vy_transport_queue(t), t->b[id].mem,
				  CL_FALSE, (size_t)w * 4, 4, src, 0, NULL,
				  NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer", rc);
	t->st.bytes_uploaded += 4;
	t->st.commands++;
	clFlush(vy_transport_queue(t));
	return 0;
}

int vy_transport_watch(struct vy_transport *t, uint32_t w, uint32_t *out,
		       struct vy_err *e)
{
	cl_int rc, status = 0;
	unsigned i;

	if (t->kind == VY_TRANSPORT_SHARED || !t->running ||
	    t->watch_blocking) {
		int err = vy_transport_read_word(t, VY_TB_CONTROL, w, out, e);

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
			       vy_cl_strerror(status));
	if (status != CL_COMPLETE)
		return 0;
	*out = __atomic_load_n(&t->watch[i], __ATOMIC_ACQUIRE);
	clReleaseEvent(t->wev[i]);
	t->wev[i] = NULL;
	t->whead = (t->whead + 1) % VY_WATCH_DEPTH;
	t->wcount--;
	return 1;
}

void vy_transport_watch_reset(struct vy_transport *t)
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

int vy_transport_finish(struct vy_transport *t, struct vy_err *e)
{
	cl_int rc;

	if (t->kind == VY_TRANSPORT_SHARED)
		return 0;
	rc = clFinish(vy_transport_queue(t));
	if (rc != CL_SUCCESS)
		return clerr(e, "clFinish", rc);
	t->st.sync_points++;
	return 0;
}
