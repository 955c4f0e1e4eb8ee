/* SPDX-License-Identifier: MIT */
/*
 * stream.c - vyre-stream: the operations on the CPU (the grep DFA, the
 * reference of every op, result formatting) and the pipeline of stream.h.
 * The device kernels (kernels/stream.cl) must agree with vy_dev_ref_update
 * byte for byte.
 */
#include "device/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "device/cl.h"
#include "device/megakernel.h"
#include "wire/protocol.h"
#include "device/transport.h"
#include "wire/util.h"

const char *vy_dev_scan_name(enum vy_dev_scan op)
{
	switch (op) {
	case VY_SCAN_CHECKSUM:
		return "checksum";
	case VY_SCAN_COUNT:
		return "count";
	case VY_SCAN_HIST:
		return "hist";
	case VY_SCAN_GREP:
		return "grep";
	}
	return "?";
}

void vy_dev_dfa_free(struct vy_dev_dfa *d)
{
	if (!d)
		return;
	free(d->next);
	free(d->out);
	memset(d, 0, sizeof(*d));
}

int vy_dev_dfa_build(struct vy_dev_dfa *d, const char *const *pats,
		 const size_t *lens, unsigned n, struct vy_err *e)
{
	uint64_t total = 1;
	uint32_t *fail = NULL, *queue = NULL, *term = NULL;
	uint32_t ns = 1, maxlen = 0, qh = 0, qt = 0;
	unsigned i;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	if (!n)
		return vy_errf(e, VY_E_INVAL, "give at least one pattern",
			       "grep needs a pattern");
	for (i = 0; i < n; i++) {
		if (!lens[i])
			return vy_errf(e, VY_E_INVAL, "give non-empty patterns",
				       "empty grep pattern");
		if (lens[i] > VY_DFA_MAX_PATTERN)
			return vy_errf(e, VY_E_DFA_TOO_LARGE,
				       "use patterns of at most 4096 bytes",
				       "grep pattern of %zu bytes is too long",
				       lens[i]);
		total += lens[i];
		if (lens[i] > maxlen)
			maxlen = (uint32_t)lens[i];
	}
	if (total > VY_DFA_MAX_STATES)
		return vy_errf(e, VY_E_DFA_TOO_LARGE,
			       "use fewer or shorter patterns (65535 bytes in all)",
			       "grep patterns need up to %" PRIu64
			       " DFA states, more than %u", total,
			       VY_DFA_MAX_STATES);
	/* next[] holds the trie (0 = no edge; state 0 is never a target)
	 * until the BFS below turns it into the full transition table. */
	d->next = calloc(total * 256, sizeof(uint32_t));
	d->out = calloc(total, sizeof(uint32_t));
	term = calloc(total, sizeof(uint32_t));
	fail = calloc(total, sizeof(uint32_t));
	queue = calloc(total, sizeof(uint32_t));
	if (!d->next || !d->out || !term || !fail || !queue) {
		ret = vy_errf(e, VY_E_NOMEM, NULL, "out of memory for the DFA");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const uint8_t *p = (const uint8_t *)pats[i];
		uint32_t s = 0;
		size_t k;

		for (k = 0; k < lens[i]; k++) {
			uint32_t *t = &d->next[(size_t)s * 256 + p[k]];

			if (!*t)
				*t = ns++;
			s = *t;
		}
		if (!term[s]) {
			term[s] = 1;
			d->npatterns++;
		}
	}
	/* BFS: fail links, outputs, full transitions. */
	for (i = 0; i < 256; i++) {
		uint32_t t = d->next[i];

		if (t) {
			fail[t] = 0;
			queue[qt++] = t;
		}
	}
	while (qh < qt) {
		uint32_t s = queue[qh++];

		d->out[s] = term[s] + d->out[fail[s]];
		for (i = 0; i < 256; i++) {
			uint32_t *t = &d->next[(size_t)s * 256 + i];
			uint32_t f = d->next[(size_t)fail[s] * 256 + i];

			if (*t) {
				fail[*t] = f;
				queue[qt++] = *t;
			} else {
				*t = f;
			}
		}
	}
	d->nstates = ns;
	d->maxlen = maxlen;
out:
	free(term);
	free(fail);
	free(queue);
	if (ret)
		vy_dev_dfa_free(d);
	return ret;
}

void vy_dev_ref_init(struct vy_dev_stream_result *r)
{
	memset(r, 0, sizeof(*r));
}

static void ref_checksum(struct vy_dev_stream_result *r, const uint8_t *p,
			 size_t len)
{
	uint64_t pos = r->bytes, s1 = r->s1, s2 = r->s2;
	size_t k = 0;

	/* byte by byte up to a word boundary, words, then the rest */
	while (k < len && (pos + k) % 4) {
		uint64_t x = (uint64_t)p[k] << (8 * ((pos + k) % 4));

		s1 += x;
		s2 += ((pos + k) / 4 + 1) * x;
		k++;
	}
	for (; k + 4 <= len; k += 4) {
		uint64_t x = vy_le32(p + k);

		s1 += x;
		s2 += ((pos + k) / 4 + 1) * x;
	}
	for (; k < len; k++) {
		uint64_t x = (uint64_t)p[k] << (8 * ((pos + k) % 4));

		s1 += x;
		s2 += ((pos + k) / 4 + 1) * x;
	}
	r->s1 = s1;
	r->s2 = s2;
}

void vy_dev_ref_update(struct vy_dev_stream_result *r, const struct vy_dev_op_cfg *c,
		   const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t k;

	switch (c->op) {
	case VY_SCAN_CHECKSUM:
		ref_checksum(r, p, len);
		break;
	case VY_SCAN_COUNT:
		for (k = 0; k < len; k++)
			r->count += p[k] == c->byte;
		break;
	case VY_SCAN_HIST:
		for (k = 0; k < len; k++)
			r->hist[p[k]]++;
		break;
	case VY_SCAN_GREP: {
		const uint32_t *next = c->dfa->next, *out = c->dfa->out;
		uint32_t s = r->state;
		uint64_t n = 0;

		for (k = 0; k < len; k++) {
			s = next[(size_t)s * 256 + p[k]];
			n += out[s];
		}
		r->state = s;
		r->count += n;
		break;
	}
	}
	r->bytes += len;
}

int vy_dev_result_equal(const struct vy_dev_stream_result *a,
		    const struct vy_dev_stream_result *b, enum vy_dev_scan op)
{
	if (a->bytes != b->bytes)
		return 0;
	switch (op) {
	case VY_SCAN_CHECKSUM:
		return a->s1 == b->s1 && a->s2 == b->s2;
	case VY_SCAN_COUNT:
	case VY_SCAN_GREP:
		return a->count == b->count;
	case VY_SCAN_HIST:
		return !memcmp(a->hist, b->hist, sizeof(a->hist));
	}
	return 0;
}

void vy_dev_result_format(const struct vy_dev_stream_result *r, enum vy_dev_scan op,
		      char *buf, size_t size)
{
	size_t k, n = 0;

	switch (op) {
	case VY_SCAN_CHECKSUM:
		snprintf(buf, size, "%016" PRIx64 "%016" PRIx64, r->s1, r->s2);
		break;
	case VY_SCAN_COUNT:
	case VY_SCAN_GREP:
		snprintf(buf, size, "%" PRIu64, r->count);
		break;
	case VY_SCAN_HIST:
		buf[0] = '\0';
		for (k = 0; k < 256 && n < size; k++) {
			int w = snprintf(buf + n, size - n, "%s%" PRIu64,
					 k ? "," : "", r->hist[k]);

			if (w < 0)
				break;
			n += (size_t)w;
		}
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The pipeline                                                        */
/* ------------------------------------------------------------------ */

extern const char vy_kernel_stream_src[];
extern const size_t vy_kernel_stream_len;

/* The kernels' scan ops in the order of enum vy_dev_scan. */
_Static_assert(VY_STREAM_OP_COUNT == VY_STREAM_OP_CHECKSUM + VY_SCAN_COUNT &&
	       VY_STREAM_OP_HIST == VY_STREAM_OP_CHECKSUM + VY_SCAN_HIST &&
	       VY_STREAM_OP_GREP == VY_STREAM_OP_CHECKSUM + VY_SCAN_GREP,
	       "stream opcodes follow enum vy_dev_scan");
#define DIO_ALIGN 4096u

enum hstate { H_FREE, H_READING, H_READY, H_BUSY };

struct hslot {
	enum hstate st;
	size_t file;
	uint64_t seq, off;
	size_t len;
	int dslot;
	int retried;		/* a buffered retry after EINVAL was made */
	cl_event ev_copy;	/* copy transport: the H2D write */
};

/* A chunk handed to the device, by its descriptor position. */
struct chunk {
	size_t file;
	uint64_t seq, off;
	uint32_t len;
	int hslot;		/* shared transport: freed with the results */
	int dslot;
};

struct batch {
	unsigned pos, n;	/* descriptor positions [pos, pos + n) */
	cl_event ev_kernel, ev_res;
};

/* A grep chunk map waiting for its predecessors. */
struct pend {
	uint64_t seq;
	uint32_t len;
	uint64_t body;
	uint32_t tail;
	uint32_t *map;		/* head end states then head counts */
	struct pend *next;
};

struct fstate {
	int fd;
	int fd_old;		/* the O_DIRECT fd after a fallback, or -1 */
	int stream;
	int direct;
	int opened, submitted_all, eof, failed, finished;
	uint64_t size;
	uint64_t nsub;		/* chunks submitted */
	uint64_t ndone;		/* chunks whose results were consumed */
	uint64_t nchunks;	/* known once submitted_all */
	unsigned reads, ondev;	/* in flight */
	uint64_t seq_apply;	/* grep: next chunk map to compose */
	struct pend *pend;
};

struct pipe {
	const struct vy_dev_stream_opts *o;
	struct vy_dev_stream_input *in;
	size_t n;
	struct vy_dev_stream_metrics *m;
	struct vy_dev_cl cl;
	cl_command_queue qc, qk;	/* copy, kernel (profiling on) */
	cl_program prog;
	cl_kernel kern;
	cl_mem staging;		/* host slots (ALLOC_HOST_PTR or USE_HOST_PTR) */
	cl_mem devring;		/* device slots (copy transport) */
	/*
	 * The default path speaks the wire protocol: descbuf is a ring of
	 * ndesc wire slots (one per chunk in flight), ctlbuf a control
	 * buffer in the megakernel's layout, cntbuf one finished-group
	 * counter per ring slot (the kernels' own, not part of the wire).
	 */
	cl_mem descbuf, ctlbuf, cntbuf, resbuf, dfabuf;
	uint8_t *host;		/* mapped / allocated host slots */
	uint8_t *host_alloc;	/* shared transport: our allocation */
	int shared;
	struct vy_reader *rd;
	unsigned hs, ds, ndesc, ng, wg, res_words;
	uint64_t chunk;
	struct hslot *hsl;
	int *dfree;		/* device slot free flags */
	uint8_t *desc;		/* host copy of the ring: ndesc * 64 bytes */
	uint8_t *ctl;		/* control image (encoded, then read back) */
	size_t ctl_len;
	struct chunk *chunks;	/* by descriptor position */
	uint32_t *resh;		/* results mirror: ndesc * res_words */
	unsigned desc_next;
	struct batch *batches;	/* FIFO of nb_max launches in flight */
	unsigned nb_max, b_head, b_count;
	size_t cur;		/* next input to schedule */
	size_t next_report;
	uint64_t total_known;
	uint64_t t0, t_prog;
	struct fstate *fs;	/* per input */
	/* --persistent: the megakernel session runs the stream opcodes */
	struct vy_mk *mk;	/* p->cl, p->qk and p->qc are its own */
	unsigned parts;		/* ring slots (chunk parts) per chunk */
	uint32_t part_bytes;
	uint32_t dfa_words;	/* grep DFA at data word 0, then results */
	unsigned *parts_left;	/* per device slot */
	struct vy_dev_mk_done *mkdone;
	uint8_t *vbuf;		/* --verify re-read buffer */
	struct vy_dev_read_done *done;
};

void vy_dev_stream_opts_init(struct vy_dev_stream_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->op.op = VY_SCAN_CHECKSUM;
	o->chunk = VY_STREAM_CHUNK_DEFAULT;
	o->qd = VY_STREAM_QD_DEFAULT;
	o->dev_slots = 0;	/* the path decides: 8, or 32 persistent */
	o->engine = VY_IO_AUTO;
	o->direct = VY_DIRECT_AUTO;
	o->transport = VY_TRANSPORT_AUTO;
}

unsigned vy_dev_stream_dev_slots(const struct vy_dev_stream_opts *o)
{
	uint64_t n;

	if (o->dev_slots)
		return o->dev_slots;
	if (!o->persistent)
		return VY_STREAM_DEV_SLOTS_DEFAULT;
	/* as many as 128 MiB of device memory hold, within 8-32 */
	n = o->chunk ? VY_STREAM_PERSISTENT_DEV_BYTES / o->chunk : 0;
	return n > VY_STREAM_DEV_SLOTS_PERSISTENT ? VY_STREAM_DEV_SLOTS_PERSISTENT :
	       n < VY_STREAM_DEV_SLOTS_DEFAULT ? VY_STREAM_DEV_SLOTS_DEFAULT :
						 (unsigned)n;
}

static int clerr(struct vy_err *e, const char *what, cl_int rc)
{
	return vy_errf(e, VY_E_DEVICE, NULL, "%s: %s", what,
		       vy_dev_cl_strerror(rc));
}

static void notice(struct pipe *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(struct pipe *p, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!p->o->on_notice)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	p->o->on_notice(p->o->arg, buf);
}

static uint64_t ev_duration(cl_event ev)
{
	cl_ulong a = 0, b = 0;

	if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START,
				    sizeof(a), &a, NULL) != CL_SUCCESS ||
	    clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END,
				    sizeof(b), &b, NULL) != CL_SUCCESS ||
	    b < a)
		return 0;
	return b - a;
}

/* 1 complete, 0 not yet, negative: the command failed */
static int ev_done(cl_event ev)
{
	cl_int st;

	if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(st),
			   &st, NULL) != CL_SUCCESS)
		return -1;
	if (st < 0)
		return -1;
	return st == CL_COMPLETE;
}

static unsigned res_words_for(const struct pipe *p)
{
	switch (p->o->op.op) {
	case VY_SCAN_CHECKSUM:
		return 4 * p->ng;
	case VY_SCAN_COUNT:
		return p->ng;
	case VY_SCAN_HIST:
		return 256 * p->ng;
	case VY_SCAN_GREP:
		return p->ng + 1 + 2 * p->o->op.dfa->nstates;
	}
	return 0;
}

/*
 * --persistent: a chunk goes out as up to PK_PARTS_MAX parts of at least
 * PK_PART_MIN bytes, one ring slot each, so that many lanes share it (a
 * lane works alone in the megakernel); their result words stay under
 * PK_RES_BUDGET bytes (grep's maps are large).
 */
#define PK_PART_MIN (64u << 10)
#define PK_PARTS_MAX 64u
#define PK_RES_BUDGET (64ull << 20)
/* no part finished for this long with parts in flight: a stall (exit 6) */
#define PK_STALL_NS (60ull * 1000000000ull)

/* Open the megakernel session with the stream opcodes compiled in. */
static int setup_session(struct pipe *p, struct vy_err *e)
{
	const struct vy_dev_stream_opts *o = p->o;
	struct vy_dev_mk_params cfg;
	struct vy_dev_mk_info info;
	uint64_t words;
	uint8_t *img;
	int ret;

	p->ng = 1;
	p->res_words = res_words_for(p);
	p->parts = (unsigned)(p->chunk / PK_PART_MIN);
	if (p->parts > PK_PARTS_MAX)
		p->parts = PK_PARTS_MAX;
	while (p->parts > 1 && (uint64_t)p->ds * p->parts * p->res_words * 4 >
				       PK_RES_BUDGET)
		p->parts >>= 1;
	/*
	 * grep: every part walks each DFA state over its first maxlen bytes;
	 * keep that below a quarter of the part's own bytes
	 */
	if (o->op.op == VY_SCAN_GREP)
		while (p->parts > 1 && (uint64_t)o->op.dfa->nstates *
					       o->op.dfa->maxlen * 4 >
				       p->chunk / p->parts)
			p->parts >>= 1;
	if (!p->parts)
		p->parts = 1;
	p->part_bytes = (uint32_t)(p->chunk / p->parts);
	if (o->op.op == VY_SCAN_GREP)
		p->dfa_words = o->op.dfa->nstates * 257u;
	words = p->dfa_words + (uint64_t)p->ds * p->parts * p->res_words;
	if (words > 0xFFFFFFFFull)
		return vy_errf(e, VY_E_DFA_TOO_LARGE,
			       "use fewer patterns or --dev-slots",
			       "the grep DFA and results do not fit the data "
			       "buffer of the persistent kernel");
	memset(&cfg, 0, sizeof(cfg));
	cfg.device = o->device;
	cfg.transport = p->shared ? VY_TRANSPORT_SHARED : VY_TRANSPORT_COPY;
	cfg.persistent = 1;
	/* a chunk's parts take whichever ring slots are free */
	cfg.scan_claim = 1;
	cfg.slots = p->ds * p->parts;
	cfg.tenant_count = 1;
	cfg.data_words = (uint32_t)words;
	cfg.user_src = vy_kernel_stream_src;
	cfg.user_len = vy_kernel_stream_len;
	cfg.user_options = NULL;
	ret = vy_dev_mk_open(&p->mk, &cfg, e);
	if (ret < 0)
		return ret;
	/* borrowed: the session closes them */
	p->cl = *vy_dev_mk_cl(p->mk);
	p->qk = p->cl.q;
	p->qc = p->cl.q2;
	img = vy_dev_mk_image(p->mk, VY_TB_DATA, NULL);
	if (o->op.op == VY_SCAN_GREP) {
		const struct vy_dev_dfa *d = o->op.dfa;
		size_t i, nn = (size_t)d->nstates * 256;

		for (i = 0; i < nn; i++)
			vy_set_word(img, i, d->next[i]);
		for (i = 0; i < d->nstates; i++)
			vy_set_word(img, nn + i, d->out[i]);
	}
	if (o->on_session) {
		ret = o->on_session(o->arg, p->mk, e);
		if (ret < 0)
			return ret;
	}
	vy_dev_mk_get_info(p->mk, &info);
	p->wg = info.workgroup_size;
	p->parts_left = calloc(p->ds, sizeof(*p->parts_left));
	p->mkdone = calloc(cfg.slots, sizeof(*p->mkdone));
	if (!p->parts_left || !p->mkdone)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	return 0;
}

static int setup_device(struct pipe *p, struct vy_err *e)
{
	const struct vy_dev_stream_opts *o = p->o;
	static const char *const names[] = {
		"vs_checksum", "vs_count", "vs_hist", "vs_grep",
	};
	cl_command_queue_properties prop = CL_QUEUE_PROFILING_ENABLE;
	size_t kwg = 0;
	cl_int rc;
	int ret;

	ret = vy_dev_cl_open(&p->cl, o->device, e);
	if (ret < 0)
		return ret;
	vy_dev_cl_describe(&p->cl.info, p->m->device, sizeof(p->m->device));
	if (o->transport == VY_TRANSPORT_AUTO)
		p->shared = vy_dev_transport_choose(&p->cl.info) ==
			    VY_TRANSPORT_SHARED;
	else
		p->shared = o->transport == VY_TRANSPORT_SHARED;
	ret = vy_dev_transport_check(p->shared ? VY_TRANSPORT_SHARED :
						 VY_TRANSPORT_COPY,
				     &p->cl.info,
				     "use --transport copy (or auto) on this device",
				     e);
	if (ret)
		return ret;
	if (o->persistent && !p->shared && p->cl.info.unified_memory)
		return vy_errf(e, VY_E_UNSUPPORTED,
			       "use --transport shared (or auto) with --persistent here",
			       "--persistent with the copy transport needs a device "
			       "with its own memory: on '%s' the running kernel "
			       "keeps the workers busy and queued copies never run",
			       p->cl.info.name);
	p->ds = p->shared ? p->hs : vy_dev_stream_dev_slots(o);
	if (o->persistent) {
		/* the probe's context goes; the session opens its own */
		vy_dev_cl_close(&p->cl);
		memset(&p->cl, 0, sizeof(p->cl));
		return setup_session(p, e);
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	p->qk = clCreateCommandQueue(p->cl.ctx, p->cl.device, prop, &rc);
	if (p->qk)
		p->qc = clCreateCommandQueue(p->cl.ctx, p->cl.device, prop,
					     &rc);
#pragma GCC diagnostic pop
	if (!p->qk || !p->qc)
		return clerr(e, "clCreateCommandQueue", rc);
	ret = vy_dev_cl_build(&p->cl, vy_kernel_stream_src, vy_kernel_stream_len,
			  NULL, &p->prog, e);
	if (ret < 0)
		return ret;
	p->kern = clCreateKernel(p->prog, names[o->op.op], &rc);
	if (!p->kern)
		return clerr(e, "clCreateKernel", rc);
	rc = clGetKernelWorkGroupInfo(p->kern, p->cl.device,
				      CL_KERNEL_WORK_GROUP_SIZE, sizeof(kwg),
				      &kwg, NULL);
	if (rc != CL_SUCCESS)
		kwg = 64;
	p->wg = VY_STREAM_WG_MAX;
	while (p->wg > 1 && (p->wg > kwg ||
			     p->wg > p->cl.info.max_workgroup_size))
		p->wg >>= 1;
	/*
	 * Parts per chunk: enough work-items to cover a chunk with a few
	 * 16-byte loads each on a GPU; a CPU device wants few large parts.
	 */
	if (p->cl.info.is_cpu)
		p->ng = p->cl.info.compute_units ? p->cl.info.compute_units : 1;
	else
		p->ng = (unsigned)(p->chunk / ((uint64_t)p->wg * 256));
	if (p->ng < 1)
		p->ng = 1;
	if (p->ng > 64)
		p->ng = 64;
	if (o->op.op == VY_SCAN_HIST && p->ng > 16)
		p->ng = 16;
	p->res_words = res_words_for(p);
	return 0;
}

/* Bytes of the device buffers the run made, for the residency evidence. */
static uint64_t device_bytes(const struct pipe *p)
{
	cl_mem m[] = { p->staging, p->devring, p->descbuf, p->ctlbuf,
		       p->cntbuf, p->resbuf, p->dfabuf };
	uint64_t n = 0;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		size_t sz = 0;

		if (m[i] && clGetMemObjectInfo(m[i], CL_MEM_SIZE, sizeof(sz),
					       &sz, NULL) == CL_SUCCESS)
			n += sz;
	}
	if (p->mk) {
		for (int i = 0; i < VY_TB_COUNT; i++) {
			size_t len = 0;

			vy_dev_mk_image(p->mk, (enum vy_dev_tbuf_id)i, &len);
			n += len;
		}
	}
	return n;
}

/*
 * The default path's wire buffers: an empty ring of ndesc slots, the
 * control image the megakernel session starts from (vy_encode_control:
 * one tenant, no observables; VY_CONTROL_MIN_BYTES), and the zeroed group
 * counters.  Written once here; the kernels move the counters and
 * statuses, and the host reads both back once, at the end (wire_end).
 */
static int setup_wire(struct pipe *p, struct vy_err *e)
{
	const size_t rlen = (size_t)p->ndesc * VY_SLOT_BYTES;
	const cl_uint zero = 0;
	size_t rl;
	cl_int rc;
	int ret;

	ret = vy_encode_control(false, 1, 0, &p->ctl, &p->ctl_len, e);
	if (ret < 0)
		return ret;
	ret = vy_encode_empty_ring(p->ndesc, &p->desc, &rl, e);
	if (ret < 0)
		return ret;
	p->descbuf = clCreateBuffer(p->cl.ctx, CL_MEM_READ_WRITE, rlen, NULL,
				    &rc);
	if (!p->descbuf)
		return clerr(e, "clCreateBuffer(descriptor ring)", rc);
	p->ctlbuf = clCreateBuffer(p->cl.ctx, CL_MEM_READ_WRITE, p->ctl_len,
				   NULL, &rc);
	if (!p->ctlbuf)
		return clerr(e, "clCreateBuffer(control)", rc);
	p->cntbuf = clCreateBuffer(p->cl.ctx, CL_MEM_READ_WRITE,
				   (size_t)p->ndesc * 4, NULL, &rc);
	if (!p->cntbuf)
		return clerr(e, "clCreateBuffer(group counters)", rc);
	rc = clEnqueueWriteBuffer(p->qk, p->descbuf, CL_TRUE, 0, rlen, p->desc,
				  0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueWriteBuffer(p->qk, p->ctlbuf, CL_TRUE, 0,
					  p->ctl_len, p->ctl, 0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueFillBuffer(p->qk, p->cntbuf, &zero, sizeof(zero),
					 0, (size_t)p->ndesc * 4, 0, NULL,
					 NULL);
	if (rc == CL_SUCCESS)
		rc = clFinish(p->qk);
	if (rc != CL_SUCCESS)
		return clerr(e, "writing the wire buffers", rc);
	return 0;
}

/*
 * The kernel arguments that stay the same for the whole run (stream.cl,
 * CHUNK_ARGS); a launch sets only its ring position, argument 4.
 */
static int set_kernel_args(struct pipe *p, struct vy_err *e)
{
	cl_mem data = p->shared ? p->staging : p->devring;
	cl_ulong sb = p->chunk;
	cl_uint nslots = p->shared ? p->hs : p->ds;
	cl_uint rw = p->res_words, ng = p->ng;
	cl_int rc;

	rc = clSetKernelArg(p->kern, 0, sizeof(data), &data);
	rc |= clSetKernelArg(p->kern, 1, sizeof(sb), &sb);
	rc |= clSetKernelArg(p->kern, 2, sizeof(nslots), &nslots);
	rc |= clSetKernelArg(p->kern, 3, sizeof(p->descbuf), &p->descbuf);
	rc |= clSetKernelArg(p->kern, 5, sizeof(p->resbuf), &p->resbuf);
	rc |= clSetKernelArg(p->kern, 6, sizeof(rw), &rw);
	rc |= clSetKernelArg(p->kern, 7, sizeof(ng), &ng);
	rc |= clSetKernelArg(p->kern, 8, sizeof(p->ctlbuf), &p->ctlbuf);
	rc |= clSetKernelArg(p->kern, 9, sizeof(p->cntbuf), &p->cntbuf);
	if (p->o->op.op == VY_SCAN_COUNT) {
		cl_uint by = p->o->op.byte;

		rc |= clSetKernelArg(p->kern, 10, sizeof(by), &by);
	} else if (p->o->op.op == VY_SCAN_GREP) {
		cl_uint ns = p->o->op.dfa->nstates, ml = p->o->op.dfa->maxlen;

		rc |= clSetKernelArg(p->kern, 10, sizeof(p->dfabuf), &p->dfabuf);
		rc |= clSetKernelArg(p->kern, 11, sizeof(ns), &ns);
		rc |= clSetKernelArg(p->kern, 12, sizeof(ml), &ml);
	}
	if (rc != CL_SUCCESS)
		return clerr(e, "clSetKernelArg", rc);
	return 0;
}

static int setup_buffers(struct pipe *p, struct vy_err *e)
{
	uint64_t bytes = (uint64_t)p->hs * p->chunk;
	cl_int rc;
	unsigned i;

	if (p->shared) {
		if (posix_memalign((void **)&p->host_alloc, DIO_ALIGN, bytes))
			return vy_errf(e, VY_E_NOMEM,
				       "use a smaller --chunk or --qd",
				       "cannot allocate %" PRIu64
				       " bytes of host slots", bytes);
		p->host = p->host_alloc;
		p->staging = clCreateBuffer(p->cl.ctx,
					    CL_MEM_USE_HOST_PTR |
					    CL_MEM_READ_ONLY, bytes, p->host,
					    &rc);
		if (!p->staging)
			return clerr(e, "clCreateBuffer(host slots)", rc);
	} else {
		p->staging = clCreateBuffer(p->cl.ctx,
					    CL_MEM_ALLOC_HOST_PTR |
					    CL_MEM_READ_WRITE, bytes, NULL, &rc);
		if (!p->staging)
			return clerr(e, "clCreateBuffer(pinned host slots)", rc);
		p->host = clEnqueueMapBuffer(p->qc, p->staging, CL_TRUE,
					     CL_MAP_READ | CL_MAP_WRITE, 0,
					     bytes, 0, NULL, NULL, &rc);
		if (!p->host)
			return clerr(e, "clEnqueueMapBuffer", rc);
		p->devring = clCreateBuffer(p->cl.ctx, CL_MEM_READ_ONLY,
					    (uint64_t)p->ds * p->chunk, NULL,
					    &rc);
		if (!p->devring)
			return clerr(e, "clCreateBuffer(device slots)", rc);
	}
	if (!p->o->persistent) {
		int ret = setup_wire(p, e);

		if (ret < 0)
			return ret;
		p->resbuf = clCreateBuffer(p->cl.ctx, CL_MEM_WRITE_ONLY,
					   (size_t)p->ndesc * p->res_words * 4,
					   NULL, &rc);
		if (!p->resbuf)
			return clerr(e, "clCreateBuffer(results)", rc);
	}
	if (p->o->op.op == VY_SCAN_GREP && !p->mk) {
		const struct vy_dev_dfa *d = p->o->op.dfa;
		size_t tb = (size_t)d->nstates * 256 * 4;

		p->dfabuf = clCreateBuffer(p->cl.ctx, CL_MEM_READ_ONLY,
					   tb + (size_t)d->nstates * 4, NULL,
					   &rc);
		if (!p->dfabuf)
			return clerr(e, "clCreateBuffer(dfa)", rc);
		rc = clEnqueueWriteBuffer(p->qk, p->dfabuf, CL_TRUE, 0, tb,
					  d->next, 0, NULL, NULL);
		if (rc == CL_SUCCESS)
			rc = clEnqueueWriteBuffer(p->qk, p->dfabuf, CL_TRUE,
						  tb, (size_t)d->nstates * 4,
						  d->out, 0, NULL, NULL);
		if (rc != CL_SUCCESS)
			return clerr(e, "clEnqueueWriteBuffer(dfa)", rc);
	}
	p->hsl = calloc(p->hs, sizeof(*p->hsl));
	p->dfree = calloc(p->ds, sizeof(*p->dfree));
	p->chunks = calloc(p->ndesc, sizeof(*p->chunks));
	p->resh = calloc((size_t)p->ndesc * p->res_words, 4);
	p->nb_max = p->ndesc;
	p->batches = calloc(p->nb_max, sizeof(*p->batches));
	p->done = calloc(p->hs, sizeof(*p->done));
	if (!p->hsl || !p->dfree || !p->chunks || !p->resh ||
	    !p->batches || !p->done)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (i = 0; i < p->ds; i++)
		p->dfree[i] = 1;
	p->m->device_bytes += device_bytes(p);
	if (!p->mk)
		return set_kernel_args(p, e);
	return vy_dev_mk_set_user_buf(p->mk, p->shared ? p->staging : p->devring,
				      p->shared ? bytes :
						  (uint64_t)p->ds * p->chunk, e);
}

static int setup_reader(struct pipe *p, struct vy_err *e)
{
	const struct vy_dev_stream_opts *o = p->o;
	struct vy_dev_uring_opts ro = {
		.engine = o->engine, .qd = p->hs,
		.simulate_no_uring = o->simulate_no_uring,
	};
	struct iovec *iov = NULL;
	unsigned i;
	int ret;

	if (!o->no_register) {
		iov = calloc(p->hs, sizeof(*iov));
		if (!iov)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		for (i = 0; i < p->hs; i++) {
			iov[i].iov_base = p->host + (uint64_t)i * p->chunk;
			iov[i].iov_len = p->chunk;
		}
		ro.bufs = iov;
		ro.nbufs = p->hs;
	}
	ret = vy_dev_uring_open(&p->rd, &ro, e);
	free(iov);
	if (ret < 0)
		return ret;
	if (vy_dev_uring_fallback(p->rd)) {
		char msg[256];

		vy_dev_uring_fallback_msg(vy_dev_uring_fallback(p->rd), msg,
				       sizeof(msg));
		notice(p, "%s; reading with pread instead (--engine uring "
		       "makes this an error)", msg);
	}
	p->m->engine = vy_dev_uring_engine(p->rd);
	p->m->registered = vy_dev_uring_registered(p->rd);
	p->m->async_reads = !o->inline_reads && !strcmp(p->m->engine, "uring");
	p->m->register_errno = vy_dev_uring_register_errno(p->rd);
	p->m->fallback_errno = vy_dev_uring_fallback(p->rd);
	return 0;
}

static void input_fail(struct pipe *p, size_t f, int code, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
static void input_fail(struct pipe *p, size_t f, int code, const char *fmt,
		       ...)
{
	struct vy_dev_stream_input *in = &p->in[f];
	va_list ap;

	if (p->in[f].status)
		return;
	in->status = code;
	in->err.code = code;
	va_start(ap, fmt);
	vsnprintf(in->err.msg, sizeof(in->err.msg), fmt, ap);
	va_end(ap);
	in->err.hint[0] = '\0';
}

static void fs_failed(struct pipe *p, struct fstate *fs, size_t f, int err)
{
	input_fail(p, f, VY_E_IO, "%s: %s", p->in[f].path, strerror(err));
	fs->failed = 1;
	if (p->cur == f)
		p->cur++;
}

/* sysfs and procfs: st_size is not what a read returns */
static int pseudo_fs(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 &&
	       (sf.f_type == 0x62656572 /* SYSFS_MAGIC */ ||
		sf.f_type == 0x9fa0 /* PROC_SUPER_MAGIC */);
}

/* Open input @f and decide how to read it.  0, or -1 when it failed. */
static int open_input(struct pipe *p, struct fstate *fs, size_t f)
{
	const char *path = p->in[f].path;
	struct stat st;
	int fd;

	fs->opened = 1;
	fs->fd = -1;
	if (!strcmp(path, "-")) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			fs_failed(p, fs, f, errno);
			return -1;
		}
	}
	fs->fd = fd;
	if (fstat(fd, &st) < 0) {
		fs_failed(p, fs, f, errno);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		fs_failed(p, fs, f, EISDIR);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || fd == STDIN_FILENO ||
	    pseudo_fs(fd)) {
		/*
		 * pipes, terminals, sockets, /proc and /sys files (sysfs
		 * says 4096 whatever it holds), and standard input
		 * whatever it is (it may not start at offset 0): read to EOF
		 */
		fs->stream = 1;
		return 0;
	}
	fs->size = (uint64_t)st.st_size;
	fs->nchunks = (fs->size + p->chunk - 1) / p->chunk;
	p->total_known += fs->size;
	if (p->o->direct != VY_DIRECT_OFF &&
	    (uintptr_t)p->host % DIO_ALIGN == 0 &&
	    (p->o->direct == VY_DIRECT_ON || fs->size >= p->chunk) &&
	    fd != STDIN_FILENO) {
		int dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

		if (dfd >= 0) {
			close(fd);
			fs->fd = dfd;
			fs->direct = 1;
		}
	}
	return 0;
}

static int submit_read(struct pipe *p, size_t f, int h, uint64_t seq,
		       struct vy_err *e)
{
	struct fstate *fs = &p->fs[f];
	struct hslot *s = &p->hsl[h];
	struct vy_dev_read rd;
	int ret;

	memset(&rd, 0, sizeof(rd));
	s->file = f;
	s->seq = seq;
	s->off = seq * p->chunk;
	s->dslot = -1;
	s->len = 0;
	rd.fd = fs->fd;
	rd.buf = p->host + (uint64_t)h * p->chunk;
	rd.buf_index = h;
	rd.tag = (uint64_t)h;
	if (fs->stream) {
		rd.off = -1;
		rd.len = rd.min = p->chunk;
	} else {
		uint64_t want = fs->size - s->off;

		if (want > p->chunk)
			want = p->chunk;
		rd.off = (int64_t)s->off;
		rd.min = want;
		rd.async = !fs->direct && !p->o->inline_reads;
		rd.len = fs->direct ?
			(want + DIO_ALIGN - 1) / DIO_ALIGN * DIO_ALIGN : want;
	}
	ret = vy_dev_uring_submit(p->rd, &rd, e);
	if (ret < 0)
		return ret;
	s->st = H_READING;
	fs->reads++;
	return 0;
}

static int free_hslot(struct pipe *p)
{
	unsigned h;

	for (h = 0; h < p->hs; h++)
		if (p->hsl[h].st == H_FREE)
			return (int)h;
	return -1;
}

/* Start reads into free host slots.  Returns the number started. */
static int schedule(struct pipe *p, struct vy_err *e)
{
	int started = 0, ret;

	while (p->cur < p->n) {
		size_t f = p->cur;
		struct fstate *fs = &p->fs[f];
		int h;

		if (!fs->opened) {
			if (open_input(p, fs, f) < 0)
				continue;
			started++;
		}
		if (fs->failed || fs->submitted_all) {
			if (p->cur == f)
				p->cur++;
			continue;
		}
		if (fs->stream && fs->reads)
			break;
		h = free_hslot(p);
		if (h < 0)
			break;
		p->hsl[h].retried = 0;
		ret = submit_read(p, f, h, fs->nsub, e);
		if (ret < 0)
			return ret;
		fs->nsub++;
		started++;
		if (!fs->stream && fs->nsub == fs->nchunks) {
			fs->submitted_all = 1;
			p->cur++;
		}
	}
	return started;
}

static void read_done(struct pipe *p, const struct vy_dev_read_done *d)
{
	int h = (int)d->tag;
	struct hslot *s = &p->hsl[h];
	size_t f = s->file;
	struct fstate *fs = &p->fs[f];
	struct vy_err le;

	fs->reads--;
	s->st = H_FREE;
	if (d->res == -EINVAL && fs->direct && !fs->failed) {
		/* the file system wants another alignment: read it buffered */
		int fd = open(p->in[f].path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			/* reads in flight may still name the old fd: keep it
			 * open until the input is finished */
			fs->fd_old = fs->fd;
			fs->fd = fd;
			fs->direct = 0;
		}
	}
	if (d->res == -EINVAL && !fs->direct && !fs->failed &&
	    !fs->stream && !s->retried) {
		s->retried = 1;	/* one buffered retry per chunk */
		if (submit_read(p, f, h, s->seq, &le) == 0)
			return;
	}
	if (d->res < 0) {
		if (!fs->failed)
			fs_failed(p, fs, f, (int)-d->res);
		return;
	}
	if (fs->failed)
		return;
	s->len = (size_t)d->res;
	if (fs->stream) {
		if (s->len < p->chunk) {
			fs->eof = 1;
			fs->submitted_all = 1;
			fs->nchunks = s->len ? fs->nsub : fs->nsub - 1;
		}
		if (!s->len)
			return;
		if (p->o->verify)
			vy_dev_ref_update(&p->in[f].ref, &p->o->op,
				      p->host + (uint64_t)h * p->chunk, s->len);
	} else {
		uint64_t want = fs->size - s->off;

		if (want > p->chunk)
			want = p->chunk;
		if (s->len < want) {
			input_fail(p, f, VY_E_IO,
				   "%s: file shrank while being read",
				   p->in[f].path);
			fs->failed = 1;
			return;
		}
		s->len = (size_t)want;
	}
	s->st = H_READY;
}

/* Ring slots [pos, pos + n) to the device with one write, then the kernel. */
static int launch(struct pipe *p, unsigned pos, unsigned n,
		  cl_event *wait, unsigned nwait, struct vy_err *e)
{
	struct batch *b = &p->batches[(p->b_head + p->b_count) % p->nb_max];
	cl_uint base = pos;
	size_t lsz = p->wg, gsz = (size_t)n * p->ng * p->wg;
	cl_int rc;

	rc = clEnqueueWriteBuffer(p->qk, p->descbuf, CL_FALSE,
				  (size_t)pos * VY_SLOT_BYTES,
				  (size_t)n * VY_SLOT_BYTES,
				  p->desc + (size_t)pos * VY_SLOT_BYTES, 0, NULL,
				  NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueWriteBuffer(descriptors)", rc);
	rc = clSetKernelArg(p->kern, 4, sizeof(base), &base);
	if (rc != CL_SUCCESS)
		return clerr(e, "clSetKernelArg", rc);
	rc = clEnqueueNDRangeKernel(p->qk, p->kern, 1, NULL, &gsz, &lsz,
				    nwait, nwait ? wait : NULL, &b->ev_kernel);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueNDRangeKernel", rc);
	rc = clEnqueueReadBuffer(p->qk, p->resbuf, CL_FALSE,
				 (size_t)pos * p->res_words * 4,
				 (size_t)n * p->res_words * 4,
				 p->resh + (size_t)pos * p->res_words, 0, NULL,
				 &b->ev_res);
	if (rc != CL_SUCCESS)
		return clerr(e, "clEnqueueReadBuffer(results)", rc);
	b->pos = pos;
	b->n = n;
	p->b_count++;
	p->m->launches++;
	return 0;
}

/*
 * Publish the chunk of @len bytes in device slot @slot at ring position
 * @pos of the host ring copy: the stream opcode of --persistent, tenant
 * 0, a0 @slot, a1 @len.  The wire publisher writes a scratch slot (the
 * host copy still holds the position's last chunk, which only the device
 * saw end DONE) and the slot is copied in.
 */
static int publish_chunk(struct pipe *p, unsigned pos, unsigned slot,
			 uint32_t len, struct vy_err *e)
{
	uint8_t one[VY_SLOT_BYTES] = { 0 };
	const uint32_t a[2] = { slot, len };
	int ret;

	ret = vy_publish_slot(one, sizeof(one), 0, 0,
			      VY_STREAM_OP_CHECKSUM + p->o->op.op, a, 2, e);
	if (ret < 0)
		return ret;
	memcpy(p->desc + (size_t)pos * VY_SLOT_BYTES, one, sizeof(one));
	return 0;
}

static int mk_dispatch(struct pipe *p, struct vy_err *e);

/* Hand ready chunks to the device as one batch.  Returns chunks sent. */
static int dispatch(struct pipe *p, struct vy_err *e)
{
	cl_event wait[256];
	unsigned pos = p->desc_next, n = 0, h, nwait = 0;
	int ret;
	cl_int rc;

	if (p->mk)
		return mk_dispatch(p, e);
	if (p->b_count == p->nb_max)
		return 0;
	for (h = 0; h < p->hs && pos + n < p->ndesc && n < 256; h++) {
		struct hslot *s = &p->hsl[h];
		struct chunk *c = &p->chunks[pos + n];
		int slot = (int)h;

		if (s->st != H_READY)
			continue;
		if (c->len || c->hslot >= 0)
			break;	/* descriptor still in use */
		if (!p->shared) {
			unsigned d;

			for (d = 0; d < p->ds && !p->dfree[d]; d++)
				;
			if (d == p->ds)
				break;
			rc = clEnqueueWriteBuffer(p->qc, p->devring, CL_FALSE,
						  (uint64_t)d * p->chunk,
						  s->len,
						  p->host + (uint64_t)h * p->chunk,
						  0, NULL, &s->ev_copy);
			if (rc != CL_SUCCESS)
				return clerr(e, "clEnqueueWriteBuffer(chunk)",
					     rc);
			p->dfree[d] = 0;
			s->dslot = (int)d;
			slot = (int)d;
			wait[nwait++] = s->ev_copy;
		}
		ret = publish_chunk(p, pos + n, (unsigned)slot,
				    (uint32_t)s->len, e);
		if (ret < 0)
			return ret;
		c->file = s->file;
		c->seq = s->seq;
		c->off = s->off;
		c->len = (uint32_t)s->len;
		c->hslot = p->shared ? (int)h : -1;
		c->dslot = s->dslot;
		s->st = H_BUSY;
		p->fs[s->file].ondev++;
		n++;
	}
	if (!n)
		return 0;
	if (!p->shared)
		clFlush(p->qc);
	ret = launch(p, pos, n, wait, nwait, e);
	if (ret < 0)
		return ret;
	clFlush(p->qk);
	p->desc_next = (pos + n) % p->ndesc;
	p->m->chunks += n;
	return (int)n;
}

static void grep_compose(struct vy_dev_stream_result *r, const struct vy_dev_dfa *d,
			 uint32_t len, uint64_t body, uint32_t tail,
			 const uint32_t *map)
{
	uint32_t s = r->state < d->nstates ? r->state : 0;

	r->count += map[d->nstates + s];
	if (len >= d->maxlen) {
		r->count += body;
		r->state = tail;
	} else {
		r->state = map[s];
	}
	r->bytes += len;
}

static int apply(struct pipe *p, const struct chunk *c, const uint32_t *r)
{
	struct vy_dev_stream_result *R = &p->in[c->file].res;
	struct fstate *fs = &p->fs[c->file];
	unsigned g, k;

	switch (p->o->op.op) {
	case VY_SCAN_CHECKSUM: {
		uint64_t c1 = 0, c2 = 0;

		for (g = 0; g < p->ng; g++) {
			c1 += (uint64_t)r[4 * g] | (uint64_t)r[4 * g + 1] << 32;
			c2 += (uint64_t)r[4 * g + 2] |
			      (uint64_t)r[4 * g + 3] << 32;
		}
		R->s1 += c1;
		R->s2 += c2 + c->off / 4 * c1;
		R->bytes += c->len;
		break;
	}
	case VY_SCAN_COUNT:
		for (g = 0; g < p->ng; g++)
			R->count += r[g];
		R->bytes += c->len;
		break;
	case VY_SCAN_HIST:
		for (g = 0; g < p->ng; g++)
			for (k = 0; k < 256; k++)
				R->hist[k] += r[256 * g + k];
		R->bytes += c->len;
		break;
	case VY_SCAN_GREP: {
		const struct vy_dev_dfa *d = p->o->op.dfa;
		uint64_t body = 0;
		struct pend *q, **pp;

		for (g = 0; g < p->ng; g++)
			body += r[g];
		if (c->seq != fs->seq_apply) {
			q = malloc(sizeof(*q));
			if (q)
				q->map = malloc((size_t)d->nstates * 8);
			if (!q || !q->map) {
				free(q);
				return -1;
			}
			q->seq = c->seq;
			q->len = c->len;
			q->body = body;
			q->tail = r[p->ng];
			memcpy(q->map, r + p->ng + 1, (size_t)d->nstates * 8);
			q->next = fs->pend;
			fs->pend = q;
			break;
		}
		grep_compose(R, d, c->len, body, r[p->ng], r + p->ng + 1);
		fs->seq_apply++;
		for (pp = &fs->pend; *pp;) {
			q = *pp;
			if (q->seq != fs->seq_apply) {
				pp = &q->next;
				continue;
			}
			grep_compose(R, d, q->len, q->body, q->tail, q->map);
			fs->seq_apply++;
			*pp = q->next;
			free(q->map);
			free(q);
			pp = &fs->pend;
		}
		break;
	}
	}
	return 0;
}

/* Chunk @c is done on the device: free its slots, count it. */
static void release_chunk(struct pipe *p, struct chunk *c)
{
	struct fstate *fs = &p->fs[c->file];

	if (c->dslot >= 0)
		p->dfree[c->dslot] = 1;
	if (c->hslot >= 0)
		p->hsl[c->hslot].st = H_FREE;
	fs->ondev--;
	if (!fs->failed)
		fs->ndone++;
	p->m->bytes += c->len;
	c->len = 0;
	c->hslot = -1;
	c->dslot = -1;
}

/* Take chunk @c back from the device with its partial results @r. */
static int consume_chunk(struct pipe *p, struct chunk *c, const uint32_t *r,
			 struct vy_err *e)
{
	if (!p->fs[c->file].failed && apply(p, c, r))
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	release_chunk(p, c);
	return 0;
}

static int consume(struct pipe *p, struct batch *b, struct vy_err *e)
{
	unsigned i;
	int ret;

	p->m->kernel_ns += ev_duration(b->ev_kernel);
	clReleaseEvent(b->ev_kernel);
	clReleaseEvent(b->ev_res);
	b->ev_kernel = b->ev_res = NULL;
	for (i = 0; i < b->n; i++) {
		ret = consume_chunk(p, &p->chunks[b->pos + i],
				    p->resh + (size_t)(b->pos + i) *
					      p->res_words, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Retire finished host-to-device copies (copy transport). */
static int poll_copies(struct pipe *p, struct vy_err *e)
{
	int got = 0, r;
	unsigned h;

	if (p->shared)
		return 0;
	for (h = 0; h < p->hs; h++) {
		struct hslot *s = &p->hsl[h];

		if (!s->ev_copy)
			continue;
		r = ev_done(s->ev_copy);
		if (r < 0)
			return vy_errf(e, VY_E_DEVICE, NULL,
				       "a host-to-device copy failed");
		if (!r)
			continue;
		p->m->h2d_ns += ev_duration(s->ev_copy);
		p->m->h2d_bytes += s->len;
		clReleaseEvent(s->ev_copy);
		s->ev_copy = NULL;
		s->st = H_FREE;
		got++;
	}
	return got;
}

/*
 * --persistent: chunks go to the megakernel session as parts (user opcodes
 * 8-11, vyre(7)), published through vy_dev_mk_stage_op.  On a copy
 * transport the chunk's write goes first on the session's copy queue, the
 * queue its slot writes follow, so a lane never sees a slot before its
 * bytes.
 */
static int mk_dispatch(struct pipe *p, struct vy_err *e)
{
	const uint32_t ns = p->dfa_words ? p->o->op.dfa->nstates : 0;
	const uint32_t ml = p->dfa_words ? p->o->op.dfa->maxlen : 0;
	unsigned h, d, i, n = 0;
	cl_int rc;
	int ret;

	for (h = 0; h < p->hs; h++) {
		struct hslot *s = &p->hsl[h];
		struct chunk *c;
		uint64_t base;

		if (s->st != H_READY)
			continue;
		for (d = 0; d < p->ds && !p->dfree[d]; d++)
			;
		if (d == p->ds)
			break;
		if (!p->shared) {
			rc = clEnqueueWriteBuffer(p->qc, p->devring, CL_FALSE,
						  (uint64_t)d * p->chunk,
						  s->len,
						  p->host + (uint64_t)h * p->chunk,
						  0, NULL, &s->ev_copy);
			if (rc != CL_SUCCESS)
				return clerr(e, "clEnqueueWriteBuffer(chunk)",
					     rc);
		}
		base = (uint64_t)(p->shared ? h : d) * p->chunk;
		/* every part, empty ones too: grep composes them in order */
		for (i = 0; i < p->parts; i++) {
			uint64_t off = base + (uint64_t)i * p->part_bytes;
			uint32_t pos = i * p->part_bytes;
			uint32_t len = pos < s->len ?
				(uint32_t)(s->len - pos < p->part_bytes ?
					   s->len - pos : p->part_bytes) : 0;
			int64_t slot = vy_dev_mk_free_slot(p->mk);
			uint32_t a[7];

			/* a free device slot leaves its parts' ring slots free */
			if (slot < 0)
				return vy_errf(e, VY_E_INVAL, NULL,
					       "no free ring slot for a chunk part");
			a[0] = (uint32_t)off;
			a[1] = (uint32_t)(off >> 32);
			a[2] = len;
			a[3] = p->dfa_words + (uint32_t)slot * p->res_words;
			a[4] = p->o->op.byte;
			a[5] = ns;
			a[6] = ml;
			ret = vy_dev_mk_stage_op(p->mk, (uint32_t)slot,
						 VY_STREAM_OP_CHECKSUM + p->o->op.op,
						 a, 7, (uint64_t)d << 32 | i, e);
			if (ret < 0)
				return ret;
		}
		c = &p->chunks[d];
		c->file = s->file;
		c->seq = s->seq;
		c->off = s->off;
		c->len = (uint32_t)s->len;
		c->hslot = p->shared ? (int)h : -1;
		c->dslot = (int)d;
		p->parts_left[d] = p->parts;
		p->dfree[d] = 0;
		s->dslot = (int)d;
		s->st = H_BUSY;
		p->fs[s->file].ondev++;
		n++;
	}
	if (n) {
		ret = vy_dev_mk_flush(p->mk, e);
		if (ret < 0)
			return ret;
	}
	p->m->chunks += n;
	return (int)n;
}

/* Take finished parts back: one read brings all their results. */
static int mk_poll(struct pipe *p, struct vy_err *e)
{
	const size_t rb = (size_t)p->res_words * 4;
	const uint8_t *res;
	uint32_t lo = UINT32_MAX, hi = 0;
	int got, n, k, ret;

	got = poll_copies(p, e);
	if (got < 0)
		return got;
	n = vy_dev_mk_poll(p->mk, p->mkdone, (size_t)p->ds * p->parts, e);
	if (n < 0)
		return n;
	if (!n) {
		switch (vy_dev_mk_watchdog(p->mk, PK_STALL_NS, vy_now_ns())) {
		case VY_MK_END_KERNEL:
			return vy_errf(e, VY_E_DEVICE, NULL,
				       "the persistent kernel ended with work "
				       "in flight");
		case VY_MK_END_STALL:
			return vy_errf(e, VY_E_STALL, NULL,
				       "the persistent kernel made no progress "
				       "for %llu s", PK_STALL_NS / 1000000000ull);
		default:
			return got;
		}
	}
	for (k = 0; k < n; k++) {
		if (p->mkdone[k].status == VY_STATUS_FAULT)
			return vy_errf(e, VY_E_DEVICE, NULL,
				       "ring slot %u faulted in the stream "
				       "opcode", p->mkdone[k].slot);
		if (p->mkdone[k].slot < lo)
			lo = p->mkdone[k].slot;
		if (p->mkdone[k].slot > hi)
			hi = p->mkdone[k].slot;
	}
	ret = vy_dev_mk_read_data(p->mk, p->dfa_words * 4 + lo * rb,
				  (hi - lo + 1) * rb, &res, e);
	if (ret < 0)
		return ret;
	for (k = 0; k < n; k++) {
		unsigned d = (unsigned)(p->mkdone[k].tag >> 32);
		uint32_t i = (uint32_t)p->mkdone[k].tag;
		struct chunk *c = &p->chunks[d], part = *c;
		uint32_t pos = i * p->part_bytes;

		/* a part is a chunk of its own to apply(): seq, offset, bytes */
		part.seq = c->seq * p->parts + i;
		part.off = c->off + pos;
		part.len = pos < c->len ? (c->len - pos < p->part_bytes ?
					   c->len - pos : p->part_bytes) : 0;
		if (!p->fs[c->file].failed &&
		    apply(p, &part, (const uint32_t *)(res + (p->mkdone[k].slot -
							       lo) * rb)))
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		if (--p->parts_left[d] == 0) {
			release_chunk(p, c);
			got++;
		}
	}
	return got + n;
}

/* Collect finished copies and batches.  Returns events retired. */
static int poll_device(struct pipe *p, struct vy_err *e)
{
	int got, r;

	if (p->mk)
		return mk_poll(p, e);
	got = poll_copies(p, e);
	if (got < 0)
		return got;
	while (p->b_count) {
		struct batch *b = &p->batches[p->b_head];

		r = ev_done(b->ev_res);
		if (r < 0)
			return vy_errf(e, VY_E_DEVICE, NULL,
				       "a stream kernel or its result read failed");
		if (!r)
			break;
		r = consume(p, b, e);
		if (r < 0)
			return r;
		p->b_head = (p->b_head + 1) % p->nb_max;
		p->b_count--;
		got++;
	}
	return got;
}

static void verify_file(struct pipe *p, size_t f)
{
	struct vy_dev_stream_input *in = &p->in[f];
	uint64_t off = 0;
	int fd;

	vy_dev_ref_init(&in->ref);
	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		input_fail(p, f, VY_E_IO, "%s: verify: %s", in->path,
			   strerror(errno));
		return;
	}
	for (;;) {
		ssize_t got = pread(fd, p->vbuf, 1u << 20, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			input_fail(p, f, VY_E_IO, "%s: verify: %s", in->path,
				   strerror(errno));
			break;
		}
		if (!got)
			break;
		vy_dev_ref_update(&in->ref, &p->o->op, p->vbuf, (size_t)got);
		off += (uint64_t)got;
	}
	close(fd);
}

static void finish_files(struct pipe *p)
{
	size_t f;

	for (f = p->next_report; f < p->n && f <= p->cur; f++) {
		struct fstate *fs = &p->fs[f];
		struct vy_dev_stream_input *in = &p->in[f];

		if (fs->finished || !fs->opened || fs->reads || fs->ondev)
			continue;
		if (!fs->failed && !(fs->submitted_all &&
				     fs->ndone == fs->nchunks))
			continue;
		fs->finished = 1;
		if (fs->fd > STDIN_FILENO)
			close(fs->fd);
		if (fs->fd_old >= 0)
			close(fs->fd_old);
		fs->fd = fs->fd_old = -1;
		in->direct = fs->direct;
		p->m->direct_files += fs->direct;
		if (p->o->verify && !fs->failed) {
			uint64_t tv = vy_now_ns();

			if (!fs->stream)
				verify_file(p, f);
			p->m->verify_ns += vy_now_ns() - tv;
			if (!in->status)
				in->verified = vy_dev_result_equal(&in->res,
							       &in->ref,
							       p->o->op.op) ?
					1 : -1;
		}
		p->m->files++;
		if (in->status)
			p->m->failed_files++;
	}
	while (p->next_report < p->n && p->fs[p->next_report].finished) {
		if (p->o->on_result)
			p->o->on_result(p->o->arg, p->next_report,
					&p->in[p->next_report]);
		p->next_report++;
	}
}

static void fill_metrics(struct pipe *p)
{
	struct vy_dev_uring_stats st;

	p->m->wall_ns = vy_now_ns() - p->t0 - p->m->verify_ns;
	if (!p->rd)
		return;
	vy_dev_uring_get_stats(p->rd, &st);
	p->m->io_busy_ns = st.busy_ns;
	p->m->reads = st.completed;
	p->m->short_reads = st.short_reads;
	p->m->retries = st.retries;
	p->m->failed_reads = st.failed;
	p->m->inflight_max = st.inflight_max;
	p->m->inflight_ns = st.inflight_ns;
}

/* What the session counted (after vy_dev_mk_stop: the kernel is done). */
static void session_metrics(struct pipe *p)
{
	struct vy_dev_mk_stats st;
	struct vy_dev_mk_info info;
	uint32_t dc = 0;

	vy_dev_mk_get_stats(p->mk, &st);
	vy_dev_mk_get_info(p->mk, &info);
	p->m->launches = st.launches;
	p->m->mk_published = st.published;
	p->m->mk_completed = st.completed;
	p->m->ring_slots = info.slots;
	p->m->parts = p->parts;
	if (!vy_dev_mk_read_control(p->mk, VY_CTL_DONE_COUNT, &dc, NULL))
		p->m->done_count = dc;
}

/*
 * The default path's end: once every launch finished, read the control
 * buffer and the descriptor ring back (once per run: the hot path never
 * reads them), hand them to on_wire_end, and check that the kernels
 * ended every chunk the run sent: DONE_COUNT (a u32 that wraps) equals
 * the chunks, and none faulted.
 */
static int wire_end(struct pipe *p, struct vy_err *e)
{
	const size_t rlen = (size_t)p->ndesc * VY_SLOT_BYTES;
	uint32_t done, faults;
	cl_int rc;

	rc = clFinish(p->qk);
	if (rc == CL_SUCCESS)
		rc = clEnqueueReadBuffer(p->qk, p->ctlbuf, CL_TRUE, 0,
					 p->ctl_len, p->ctl, 0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueReadBuffer(p->qk, p->descbuf, CL_TRUE, 0, rlen,
					 p->desc, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return clerr(e, "reading back the control buffer and ring", rc);
	done = vy_word(p->ctl, VY_CTL_DONE_COUNT);
	faults = vy_word(p->ctl, VY_CTL_FAULT_COUNT);
	p->m->ring_slots = p->ndesc;
	p->m->done_count = done;
	if (p->o->on_wire_end)
		p->o->on_wire_end(p->o->arg, p->ctl, p->ctl_len, p->desc, rlen);
	if (faults)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "the stream kernel faulted %" PRIu32 " of %"
			       PRIu64 " chunks (control word FAULT_COUNT)",
			       faults, p->m->chunks);
	if (done != (uint32_t)p->m->chunks)
		return vy_errf(e, VY_E_DEVICE, NULL,
			       "the stream kernel ended %" PRIu32 " chunks, the "
			       "run sent %" PRIu64 " (control word DONE_COUNT)",
			       done, p->m->chunks);
	return 0;
}

static int device_pending(const struct pipe *p, cl_event *oldest)
{
	unsigned h;

	*oldest = NULL;
	if (p->mk) {
		for (h = 0; h < p->hs; h++)
			if (p->hsl[h].ev_copy) {
				*oldest = p->hsl[h].ev_copy;
				return 1;
			}
		for (h = 0; h < p->ds; h++)
			if (!p->dfree[h])
				return 1;
		return 0;
	}
	if (!p->shared)
		for (h = 0; h < p->hs; h++)
			if (p->hsl[h].ev_copy) {
				*oldest = p->hsl[h].ev_copy;
				return 1;
			}
	if (p->b_count) {
		*oldest = p->batches[p->b_head].ev_res;
		return 1;
	}
	return 0;
}

static int run_loop(struct pipe *p, struct vy_err *e)
{
	const struct vy_dev_stream_opts *o = p->o;
	int ret, k, i;

	for (;;) {
		int progress = 0;
		cl_event oldest;
		uint64_t t;

		if (o->stop && *o->stop)
			return VY_E_STREAM_INTERRUPTED;
		ret = schedule(p, e);
		if (ret < 0)
			return ret;
		progress += ret;
		k = vy_dev_uring_reap(p->rd, p->done, p->hs, 0, e);
		if (k < 0)
			return k;
		for (i = 0; i < k; i++)
			read_done(p, &p->done[i]);
		progress += k;
		ret = dispatch(p, e);
		if (ret < 0)
			return ret;
		progress += ret;
		ret = poll_device(p, e);
		if (ret < 0)
			return ret;
		progress += ret;
		finish_files(p);
		if (p->next_report == p->n)
			return 0;
		t = vy_now_ns();
		if (o->on_progress && t - p->t_prog > 200000000ull) {
			fill_metrics(p);
			o->on_progress(o->arg, p->m, p->total_known);
			p->t_prog = t;
		}
		if (progress)
			continue;
		if (vy_dev_uring_inflight(p->rd) && device_pending(p, &oldest)) {
			vy_dev_uring_wait(p->rd, 50000);
		} else if (vy_dev_uring_inflight(p->rd)) {
			k = vy_dev_uring_reap(p->rd, p->done, p->hs, 1, e);
			if (k < 0)
				return k;
			for (i = 0; i < k; i++)
				read_done(p, &p->done[i]);
			p->m->stall_io_ns += vy_now_ns() - t;
		} else if (device_pending(p, &oldest)) {
			if (oldest)
				clWaitForEvents(1, &oldest);
			else
				usleep(20);
			p->m->stall_dev_ns += vy_now_ns() - t;
		} else {
			return vy_errf(e, VY_E_STALL, NULL,
				       "stream pipeline made no progress");
		}
	}
}

static void teardown(struct pipe *p)
{
	unsigned h, i;
	size_t f;

	vy_dev_uring_close(p->rd);
	p->rd = NULL;
	if (p->mk)
		vy_dev_mk_stop(p->mk, VY_MK_STOP_WAIT_NS, NULL);
	free(p->parts_left);
	free(p->mkdone);
	if (p->qc)
		clFinish(p->qc);
	if (p->qk)
		clFinish(p->qk);
	if (p->hsl)
		for (h = 0; h < p->hs; h++)
			if (p->hsl[h].ev_copy)
				clReleaseEvent(p->hsl[h].ev_copy);
	for (i = 0; p->batches && i < p->b_count; i++) {
		struct batch *b = &p->batches[(p->b_head + i) % p->nb_max];

		clReleaseEvent(b->ev_kernel);
		clReleaseEvent(b->ev_res);
	}
	if (p->staging && !p->shared && p->host) {
		clEnqueueUnmapMemObject(p->qc, p->staging, p->host, 0, NULL,
					NULL);
		clFinish(p->qc);
	}
	if (p->staging)
		clReleaseMemObject(p->staging);
	if (p->devring)
		clReleaseMemObject(p->devring);
	if (p->descbuf)
		clReleaseMemObject(p->descbuf);
	if (p->ctlbuf)
		clReleaseMemObject(p->ctlbuf);
	if (p->cntbuf)
		clReleaseMemObject(p->cntbuf);
	if (p->resbuf)
		clReleaseMemObject(p->resbuf);
	if (p->dfabuf)
		clReleaseMemObject(p->dfabuf);
	if (p->kern)
		clReleaseKernel(p->kern);
	if (p->prog)
		clReleaseProgram(p->prog);
	if (p->mk) {
		vy_dev_mk_close(p->mk);
	} else {
		if (p->qk)
			clReleaseCommandQueue(p->qk);
		if (p->qc)
			clReleaseCommandQueue(p->qc);
		vy_dev_cl_close(&p->cl);
	}
	free(p->host_alloc);
	for (f = 0; p->fs && f < p->n; f++) {
		struct pend *q = p->fs[f].pend, *nx;

		for (; q; q = nx) {
			nx = q->next;
			free(q->map);
			free(q);
		}
		if (p->fs[f].opened && p->fs[f].fd > STDIN_FILENO)
			close(p->fs[f].fd);
		if (p->fs[f].fd_old >= 0)
			close(p->fs[f].fd_old);
	}
	free(p->fs);
	free(p->hsl);
	free(p->dfree);
	free(p->desc);
	free(p->ctl);
	free(p->chunks);
	free(p->resh);
	free(p->batches);
	free(p->done);
	free(p->vbuf);
}

int vy_dev_stream_run(const struct vy_dev_stream_opts *o, struct vy_dev_stream_input *in,
		  size_t n, struct vy_dev_stream_metrics *m, struct vy_err *e)
{
	struct pipe p;
	size_t f;
	unsigned i;
	int ret;

	memset(m, 0, sizeof(*m));
	memset(&p, 0, sizeof(p));
	if (o->chunk < VY_STREAM_CHUNK_MIN || o->chunk > VY_STREAM_CHUNK_MAX ||
	    (o->chunk & (o->chunk - 1)))
		return vy_errf(e, VY_E_INVAL,
			       "give a power of two from 64K to 64M",
			       "chunk size %" PRIu64 " is out of range",
			       o->chunk);
	if (!o->qd || o->qd > 1024 || o->dev_slots > 1024)
		return vy_errf(e, VY_E_INVAL, "give values of 1-1024",
			       "queue depth or device slots out of range");
	if (o->op.op == VY_SCAN_GREP && (!o->op.dfa || !o->op.dfa->nstates))
		return vy_errf(e, VY_E_INVAL, NULL, "grep without a DFA");
	p.o = o;
	p.in = in;
	p.n = n;
	p.m = m;
	p.chunk = o->chunk;
	p.hs = o->qd;
	for (f = 0; f < n; f++) {
		in[f].status = 0;
		vy_err_clear(&in[f].err);
		vy_dev_ref_init(&in[f].res);
		vy_dev_ref_init(&in[f].ref);
		in[f].verified = 0;
		in[f].direct = 0;
	}
	p.fs = calloc(n ? n : 1, sizeof(*p.fs));
	if (!p.fs)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (f = 0; f < n; f++)
		p.fs[f].fd = p.fs[f].fd_old = -1;
	if (o->verify) {
		p.vbuf = malloc(1u << 20);
		if (!p.vbuf) {
			ret = vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
			goto out;
		}
	}
	ret = setup_device(&p, e);
	if (ret < 0)
		goto out;
	p.ndesc = 2 * p.ds;
	ret = setup_buffers(&p, e);
	if (ret < 0)
		goto out;
	for (i = 0; i < p.ndesc; i++) {
		p.chunks[i].hslot = -1;
		p.chunks[i].dslot = -1;
	}
	ret = setup_reader(&p, e);
	if (ret < 0)
		goto out;
	m->qd = p.hs;
	m->dev_slots = p.ds;
	m->groups = p.ng;
	m->wg = p.wg;
	m->chunk = p.chunk;
	m->transport = p.shared ? "shared" : "copy";
	m->persistent = o->persistent;
	if (p.mk) {
		ret = vy_dev_mk_start(p.mk, e);
		if (ret < 0)
			goto out;
	}
	p.t0 = p.t_prog = vy_now_ns();
	ret = run_loop(&p, e);
	if (ret == VY_E_STREAM_INTERRUPTED) {
		vy_dev_uring_cancel(p.rd);
		vy_errf(e, ret, NULL, "interrupted");
	}
	if (p.mk) {
		int r2 = vy_dev_mk_stop(p.mk, VY_MK_STOP_WAIT_NS,
					ret < 0 ? NULL : e);

		if (!ret)
			ret = r2;
		session_metrics(&p);
		if (o->on_session_end)
			o->on_session_end(o->arg, p.mk);
	} else if (!ret || ret == VY_E_STREAM_INTERRUPTED) {
		/* an interrupted run still waits for its launches: same check */
		int r2 = wire_end(&p, e);

		if (r2 < 0)
			ret = r2;
	}
	fill_metrics(&p);
out:
	teardown(&p);
	return ret;
}
