/* SPDX-License-Identifier: MIT */
/*
 * stream.cl - the kernels of vyre-stream (common/device/stream.h).
 *
 * Two builds of this file:
 *   alone              the per-batch kernels vs_* (the default path);
 *   -DVY_USER_OPS      appended to megakernel.cl (--persistent): the
 *                      stream opcodes as the megakernel's vy_user_op.
 *
 * OpenCL C 1.2.  Per batch: one launch covers a batch of chunks: work-group
 * get_group_id(0) = b * ng + g works on chunk b of the batch, part g of
 * ng.  The chunk's descriptor is wire slot desc_base + b of the
 * descriptor ring (16 words, wire.def): status PUBLISHED, opcode
 * VY_STREAM_OP_CHECKSUM + op, tenant 0, a0 = device slot (its bytes start
 * at data + slot * slot_bytes), a1 = valid bytes.  Partial results go to
 * res[(desc_base + b) * res_words ...]; the host adds the parts up (and
 * composes grep maps in sequence order).  Bytes past the valid length are
 * never read.  A chunk ends as a megakernel slot does (protocol.md 5.4):
 * the last of its ng groups counts METRICS[opcode] and DONE_COUNT in the
 * control buffer and stores DONE (FAULT, with FAULT_COUNT, for a slot it
 * rejects: another opcode, a device slot or length outside the buffer).
 *
 * The wire constants (VY_STATUS_*, VY_CTL_*, VY_STREAM_OP_*,
 * VY_STREAM_WG_MAX) come from common/wire/wire.def: the build puts the
 * generated block in front of this file.
 */

/* Number of bytes of @x equal to zero. */
static uint zero_bytes(uint x)
{
	uint t = ~(((x & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | x | 0x7F7F7F7Fu);

	return popcount(t);
}

#ifndef VY_USER_OPS

/*
 * The work of one chunk part, done by one work-group: part @g of @ng of
 * the @len valid bytes at @p; partial results to @r.  Every work-item of
 * the group calls these (they hold barriers).
 */

/* checksum: per part 4 words, s1 lo/hi, s2 lo/hi (s2 relative to chunk) */
static void do_checksum(__global const uchar *p, uint len, __global uint *r,
			uint g, uint ng, __local ulong *l1, __local ulong *l2)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	__global const uint *w = (__global const uint *)p;
	ulong s1 = 0, s2 = 0;
	uint v, k;

	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = vload4(v, w);
		ulong t = (ulong)x.s0 + x.s1 + x.s2 + x.s3;
		ulong i = (ulong)v * 4;

		s1 += t;
		s2 += i * t + t + (ulong)x.s1 + 2 * (ulong)x.s2 +
		      3 * (ulong)x.s3;
	}
	if (g == 0 && lid == 0) {
		for (k = nv * 16; k < len; k++) {
			ulong x = (ulong)p[k] << (8 * (k & 3));

			s1 += x;
			s2 += (ulong)(k / 4 + 1) * x;
		}
	}
	l1[lid] = s1;
	l2[lid] = s2;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (k = wg / 2; k > 0; k >>= 1) {
		if (lid < k) {
			l1[lid] += l1[lid + k];
			l2[lid] += l2[lid + k];
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (lid == 0) {
		r[4 * g + 0] = (uint)l1[0];
		r[4 * g + 1] = (uint)(l1[0] >> 32);
		r[4 * g + 2] = (uint)l2[0];
		r[4 * g + 3] = (uint)(l2[0] >> 32);
	}
	barrier(CLK_LOCAL_MEM_FENCE);
}

/* Sum @c over the work-group into r[@g]. */
static void group_sum(uint c, __global uint *r, uint g, __local uint *lc)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	uint k;

	lc[lid] = c;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (k = wg / 2; k > 0; k >>= 1) {
		if (lid < k)
			lc[lid] += lc[lid + k];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (lid == 0)
		r[g] = lc[0];
	barrier(CLK_LOCAL_MEM_FENCE);
}

/* count: per part 1 word */
static void do_count(__global const uchar *p, uint len, __global uint *r,
		     uint g, uint ng, uint byte, __local uint *lc)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	const uint pat = byte * 0x01010101u;
	__global const uint *w = (__global const uint *)p;
	uint c = 0, v, k;

	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = vload4(v, w) ^ (uint4)(pat);

		c += zero_bytes(x.s0) + zero_bytes(x.s1) + zero_bytes(x.s2) +
		     zero_bytes(x.s3);
	}
	if (g == 0 && lid == 0)
		for (k = nv * 16; k < len; k++)
			c += p[k] == byte;
	group_sum(c, r, g, lc);
}

/* hist: per part 256 words */
static void do_hist(__global const uchar *p, uint len, __global uint *r,
		    uint g, uint ng, __local uint *h)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	__global const uint *w = (__global const uint *)p;
	uint v, k;

	for (k = lid; k < 256; k += wg)
		h[k] = 0;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = vload4(v, w);
		uint q[4] = { x.s0, x.s1, x.s2, x.s3 };

		for (k = 0; k < 4; k++) {
			atomic_inc(&h[q[k] & 0xff]);
			atomic_inc(&h[(q[k] >> 8) & 0xff]);
			atomic_inc(&h[(q[k] >> 16) & 0xff]);
			atomic_inc(&h[q[k] >> 24]);
		}
	}
	if (g == 0 && lid == 0)
		for (k = nv * 16; k < len; k++)
			atomic_inc(&h[p[k]]);
	barrier(CLK_LOCAL_MEM_FENCE);
	for (k = lid; k < 256; k += wg)
		r[256 * g + k] = h[k];
	barrier(CLK_LOCAL_MEM_FENCE);
}

/*
 * grep: the chunk's state map.  dfa = next[nstates * 256] then
 * out[nstates].  With H = min(maxlen, len):
 *   r[g]                      matches ending in [H, len) (part g's share)
 *   r[ng]                     state after the chunk when len >= maxlen
 *   r[ng + 1 + s]             state after [0, H) from start state s
 *   r[ng + 1 + nstates + s]   matches ending in [0, H) from state s
 * A position e >= maxlen - 1 has a state that depends only on the maxlen
 * bytes ending at e (no state is deeper than maxlen), so each body piece
 * starts from state 0 maxlen bytes early and needs no carried state.
 */
static void do_grep(__global const uchar *p, uint len, __global uint *r,
		    uint g, uint ng, __global const uint *dfa, uint nstates,
		    uint maxlen, __local uint *lc)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	__global const uint *out = dfa + (ulong)nstates * 256;
	const uint H = min(maxlen, len);
	const uint nitems = ng * wg;
	const uint t = g * wg + lid;
	const uint body = len - H;
	uint piece, start, end, st, c = 0, s, k;

	for (s = t; s < nstates; s += nitems) {
		uint hc = 0;

		st = s;
		for (k = 0; k < H; k++) {
			st = dfa[st * 256 + p[k]];
			hc += out[st];
		}
		r[ng + 1 + s] = st;
		r[ng + 1 + nstates + s] = hc;
	}
	piece = (body + nitems - 1) / nitems;
	if (piece < 4 * maxlen)
		piece = 4 * maxlen;
	start = H + (ulong)t * piece < len ? H + t * piece : len;
	end = len - start > piece ? start + piece : len;
	if (start < end) {
		st = 0;
		for (k = start - maxlen; k < start; k++)
			st = dfa[st * 256 + p[k]];
		for (k = start; k < end; k++) {
			st = dfa[st * 256 + p[k]];
			c += out[st];
		}
	}
	if (g == 0 && lid == 0) {
		st = 0;
		if (len >= maxlen)
			for (k = len - maxlen; k < len; k++)
				st = dfa[st * 256 + p[k]];
		r[ng] = st;
	}
	group_sum(c, r, g, lc);
}

/*
 * Is the chunk's slot @ws one this kernel (opcode @op) may run?  Every
 * work-item decides the same (the host wrote the words before the launch;
 * the kernel only ever writes the status), so a rejection skips the
 * barriers of the whole group alike.
 */
static int chunk_ok(__global const uint *ws, uint op, uint nslots,
		    ulong slot_bytes)
{
	return ws[VY_SLOT_OPCODE_WORD] == op &&
	       ws[VY_SLOT_ARG0_WORD] < nslots &&
	       ws[VY_SLOT_ARG0_WORD + 1] <= slot_bytes;
}

/*
 * The end of one group's part of the chunk at wire slot @ws, counted in
 * @cnt: the group that finishes last (sees ng - 1) ends the slot as the
 * megakernel's vy_execute does: metric, FAULT_COUNT, DONE_COUNT, then the
 * final status, with fences between, so a reader that sees DONE also sees
 * the counters.  It zeroes @cnt for the next chunk at this ring position
 * (a later launch on the same in-order queue).
 */
static void chunk_finish(__global volatile uint *ws, __global volatile uint *ctl,
			 __global volatile uint *cnt, uint ng, int ok)
{
	uint op;

	barrier(CLK_GLOBAL_MEM_FENCE);
	if (get_local_id(0))
		return;
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	if (atomic_inc(cnt) != ng - 1)
		return;
	*cnt = 0;
	op = ws[VY_SLOT_OPCODE_WORD];
	if (op < VY_OP_METRIC_LIMIT)
		atomic_inc(&ctl[VY_CTL_METRICS_BASE + op]);
	if (!ok)
		atomic_inc(&ctl[VY_CTL_FAULT_COUNT]);
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	atomic_inc(&ctl[VY_CTL_DONE_COUNT]);
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	atomic_xchg(&ws[VY_SLOT_STATUS_WORD],
		    ok ? VY_STATUS_DONE : VY_STATUS_FAULT);
}

/*
 * Per-batch kernels.  Work-group get_group_id(0) = b * ng + g works on
 * chunk b of the batch, part g of ng: ring slot desc_base + b, a0 the
 * device slot (of @nslots; the chunk starts at data + slot * slot_bytes),
 * a1 its valid bytes.  Lane 0 of each group claims the slot (PUBLISHED ->
 * CLAIMED; the first group wins, the others see CLAIMED).  @cnt holds one
 * finished-group counter per ring slot.
 */
#define CHUNK_PROLOGUE(OP)                                                 \
	const uint b = get_group_id(0) / ng;                               \
	const uint g = get_group_id(0) % ng;                               \
	__global volatile uint *ws =                                       \
		ring + (ulong)(desc_base + b) * VY_SLOT_WORDS;             \
	const int ok = chunk_ok((__global const uint *)ws, (OP), nslots,   \
				slot_bytes);                               \
	const uint len = ws[VY_SLOT_ARG0_WORD + 1];                        \
	__global const uchar *p =                                          \
		data + (ulong)(ok ? ws[VY_SLOT_ARG0_WORD] : 0) * slot_bytes; \
	__global uint *r = res + (ulong)(desc_base + b) * res_words;       \
	if (get_local_id(0) == 0)                                          \
		atomic_cmpxchg(&ws[VY_SLOT_STATUS_WORD], VY_STATUS_PUBLISHED,  \
			       VY_STATUS_CLAIMED)

#define CHUNK_EPILOGUE                                                     \
	chunk_finish(ws, ctl, cnt + desc_base + b, ng, ok)

#define CHUNK_ARGS                                                         \
	__global const uchar *data, ulong slot_bytes, uint nslots,         \
	__global volatile uint *ring, uint desc_base, __global uint *res,  \
	uint res_words, uint ng, __global volatile uint *ctl,              \
	__global volatile uint *cnt

__kernel void vs_checksum(CHUNK_ARGS)
{
	__local ulong l1[VY_STREAM_WG_MAX], l2[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE(VY_STREAM_OP_CHECKSUM);

	if (ok)
		do_checksum(p, len, r, g, ng, l1, l2);
	CHUNK_EPILOGUE;
}

__kernel void vs_count(CHUNK_ARGS, uint byte)
{
	__local uint lc[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE(VY_STREAM_OP_COUNT);

	if (ok)
		do_count(p, len, r, g, ng, byte, lc);
	CHUNK_EPILOGUE;
}

__kernel void vs_hist(CHUNK_ARGS)
{
	__local uint h[256];
	CHUNK_PROLOGUE(VY_STREAM_OP_HIST);

	if (ok)
		do_hist(p, len, r, g, ng, h);
	CHUNK_EPILOGUE;
}

__kernel void vs_grep(CHUNK_ARGS, __global const uint *dfa, uint nstates,
		      uint maxlen)
{
	__local uint lc[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE(VY_STREAM_OP_GREP);

	if (ok)
		do_grep(p, len, r, g, ng, dfa, nstates, maxlen, lc);
	CHUNK_EPILOGUE;
}

#endif /* !VY_USER_OPS */

#ifdef VY_USER_OPS
/*
 * --persistent: the megakernel's claim loop calls vy_user_op for every slot
 * it claims; the lane that claimed a stream slot processes one part of a
 * chunk alone (the host publishes a chunk as several parts so lanes share
 * it).  Opcodes VY_STREAM_OP_CHECKSUM..VY_STREAM_OP_GREP = checksum, count,
 * hist, grep (wire/wire.def).  Arguments (vyre(7), USER OPCODES FOR STREAMING):
 *   a0, a1  byte offset of the part in the user buffer (low, high word),
 *           a multiple of 16
 *   a2      the part's bytes
 *   a3      word offset of its result in the data buffer
 *   a4      the byte that count counts
 *   a5, a6  grep: DFA states and longest pattern; next[a5 * 256] then
 *           out[a5] start at data word 0
 * Results per part, as the batch kernels' part 0 of 1 writes them.  A slot
 * outside the buffers faults.  The part's bytes are loaded volatile
 * (b->user): the host rewrites device slots with copies while the kernel
 * runs, and a compute unit's cache (NVIDIA's L1) is not coherent with them.
 */

/* Byte @k of the part at @w (word loads only: @w is volatile). */
static uint vs_byte(gvu *w, uint k)
{
	return (w[k >> 2] >> ((k & 3u) * 8u)) & 0xFFu;
}

/* checksum: r[0..3] = s1 lo/hi, s2 lo/hi (s2 relative to the part) */
/*
 * The part starts 16-byte aligned (vy_user_op checks): whole 16-byte loads
 * first, a quarter of the load instructions of word loads.  Still
 * volatile: the host rewrites a device slot between the chunks it holds.
 */
typedef __global volatile uint4 gvu4;

/* checksum of the 16 bytes @x at word offset @i */
static void vs_sum4(uint4 x, ulong i, ulong *s1, ulong *s2)
{
	*s1 += (ulong)x.s0 + x.s1 + x.s2 + x.s3;
	*s2 += (i + 1) * x.s0 + (i + 2) * x.s1 + (i + 3) * x.s2 +
	       (i + 4) * x.s3;
}

/*
 * A lane streams its part alone, so its loads are what hides the memory's
 * latency: VS_UNROLL 16-byte loads are issued before the first is used (a
 * volatile load is not reordered, but nothing waits for it until its
 * value is needed), VS_UNROLL times the bytes in flight of one per step.
 */
#define VS_UNROLL 8u

/* VS_UNROLL 16-byte loads from @w4 + @j into @x, all issued before use */
static void vs_load_block(gvu4 *w4, uint j, uint4 *x)
{
#pragma unroll
	for (uint k = 0; k < VS_UNROLL; k++)
		x[k] = w4[j + k];
}

static void vs_lane_checksum(gvu *w, uint len, gvu *r)
{
	const uint nw = len / 4, nv = nw / 4;
	gvu4 *w4 = (gvu4 *)w;
	ulong s1 = 0, s2 = 0;
	uint j = 0;

	for (; j + VS_UNROLL <= nv; j += VS_UNROLL) {
		uint4 x[VS_UNROLL];

		vs_load_block(w4, j, x);
#pragma unroll
		for (uint k = 0; k < VS_UNROLL; k++)
			vs_sum4(x[k], (ulong)(j + k) * 4, &s1, &s2);
	}
	for (; j < nv; j++)
		vs_sum4(w4[j], (ulong)j * 4, &s1, &s2);
	for (uint i = nv * 4; i < nw; i++) {
		ulong x = w[i];

		s1 += x;
		s2 += (ulong)(i + 1) * x;
	}
	for (uint k = nw * 4; k < len; k++) {
		ulong x = (ulong)vs_byte(w, k) << (8 * (k & 3));

		s1 += x;
		s2 += (ulong)(k / 4 + 1) * x;
	}
	r[0] = (uint)s1;
	r[1] = (uint)(s1 >> 32);
	r[2] = (uint)s2;
	r[3] = (uint)(s2 >> 32);
}

/* zero bytes of the 16 bytes @x */
static uint vs_zero4(uint4 x)
{
	return zero_bytes(x.s0) + zero_bytes(x.s1) + zero_bytes(x.s2) +
	       zero_bytes(x.s3);
}

/* count: r[0] */
static void vs_lane_count(gvu *w, uint len, uint byte, gvu *r)
{
	const uint nw = len / 4, nv = nw / 4, pat = byte * 0x01010101u;
	gvu4 *w4 = (gvu4 *)w;
	uint c = 0, j = 0;

	/* VS_UNROLL loads in flight, as vs_lane_checksum */
	for (; j + VS_UNROLL <= nv; j += VS_UNROLL) {
		uint4 x[VS_UNROLL];

		vs_load_block(w4, j, x);
#pragma unroll
		for (uint k = 0; k < VS_UNROLL; k++)
			c += vs_zero4(x[k] ^ (uint4)(pat));
	}
	for (; j < nv; j++)
		c += vs_zero4(w4[j] ^ (uint4)(pat));
	for (uint i = nv * 4; i < nw; i++)
		c += zero_bytes(w[i] ^ pat);
	for (uint k = nw * 4; k < len; k++)
		c += vs_byte(w, k) == byte;
	r[0] = c;
}

/* hist: r[0..255] */
static void vs_lane_hist(gvu *w, uint len, gvu *r)
{
	const uint nw = len / 4;
	uint h[256];

	for (uint k = 0; k < 256u; k++)
		h[k] = 0;
	for (uint i = 0; i < nw; i++) {
		uint x = w[i];

		h[x & 0xFFu]++;
		h[(x >> 8) & 0xFFu]++;
		h[(x >> 16) & 0xFFu]++;
		h[x >> 24]++;
	}
	for (uint k = nw * 4; k < len; k++)
		h[vs_byte(w, k)]++;
	for (uint k = 0; k < 256u; k++)
		r[k] = h[k];
}

/*
 * grep: the part's state map, the batch kernels' layout for one part
 * (H = min(maxlen, len)): r[0] matches ending in [H, len), r[1] the state
 * after the part when len >= maxlen, r[2 + s] the state after [0, H) from
 * state s, r[2 + ns + s] the matches ending in [0, H) from state s.
 */
static void vs_lane_grep(gvu *w, uint len, gvu *dfa, uint ns, uint maxlen,
			 gvu *r)
{
	gvu *out = dfa + (ulong)ns * 256;
	const uint H = min(maxlen, len);
	uint st, c = 0;

	for (uint s = 0; s < ns; s++) {
		uint hc = 0;

		st = s;
		for (uint k = 0; k < H; k++) {
			st = dfa[st * 256 + vs_byte(w, k)];
			hc += out[st];
		}
		r[2 + s] = st;
		r[2 + ns + s] = hc;
	}
	if (H < len) {
		/* no state is deeper than maxlen: start maxlen bytes early */
		st = 0;
		for (uint k = H - maxlen; k < H; k++)
			st = dfa[st * 256 + vs_byte(w, k)];
		for (uint k = H; k < len; k++) {
			st = dfa[st * 256 + vs_byte(w, k)];
			c += out[st];
		}
	}
	r[0] = c;
	st = 0;
	if (len >= maxlen)
		for (uint k = len - maxlen; k < len; k++)
			st = dfa[st * 256 + vs_byte(w, k)];
	r[1] = st;
}

static int vy_user_op(const struct vy_bufs *b, uint op, const uint *a)
{
	const ulong off = (ulong)a[1] << 32 | a[0];
	const uint len = a[2], ns = a[5], maxlen = a[6];
	uint rw;
	gvu *w, *r;

	if (op < VY_STREAM_OP_CHECKSUM || op > VY_STREAM_OP_CHECKSUM + 3u)
		return -1;
	switch (op - VY_STREAM_OP_CHECKSUM) {
	case 0:
		rw = 4;
		break;
	case 1:
		rw = 1;
		break;
	case 2:
		rw = 256;
		break;
	default:
		if (!ns || !maxlen || ns > 0x7FFFFFFFu ||
		    !in_range(0, (ulong)ns * 257, b->data_words))
			return 1;
		rw = 2 + 2 * ns;
		break;
	}
	if ((off & 15ul) || off + len > b->user_bytes ||
	    !in_range(a[3], rw, b->data_words))
		return 1;
	w = b->user + off / 4;
	r = b->data + a[3];
	switch (op - VY_STREAM_OP_CHECKSUM) {
	case 0:
		vs_lane_checksum(w, len, r);
		break;
	case 1:
		vs_lane_count(w, len, a[4] & 0xFFu, r);
		break;
	case 2:
		vs_lane_hist(w, len, r);
		break;
	default:
		vs_lane_grep(w, len, b->data, ns, maxlen, r);
		break;
	}
	return 0;
}
#endif /* VY_USER_OPS */
