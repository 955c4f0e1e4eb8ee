/* SPDX-License-Identifier: MIT */
/*
 * stream.cl - the per-batch kernels of vyre-stream (common/stream.h).
 *
 * OpenCL C 1.2.  One launch covers a batch of chunks: work-group
 * get_group_id(0) = b * ng + g works on chunk b of the batch, part g of
 * ng.  The chunk's descriptor is desc[2 * (desc_base + b)] = slot (its
 * bytes start at data + slot * slot_bytes) and desc[... + 1] = valid
 * bytes.  Partial results go to res[(desc_base + b) * res_words ...]; the
 * host adds the parts up (and composes grep maps in sequence order).
 * Bytes past the valid length are never read.
 *
 * The wire constants (VY_STATUS_*, VY_CTL_*, VY_STREAM_OP_*,
 * VY_STREAM_WG_MAX) come from common/wire/wire.def: the build puts the
 * generated block in front of this file.
 */

/*
 * Chunk bytes as the work functions read them.  The resident kernel
 * (--persistent, built with -DVS_PERSISTENT) reads device slots that the
 * host rewrites with copies while it runs: its loads are volatile, so no
 * cache of a compute unit (L1 on NVIDIA, not coherent with the copy
 * engine during a launch) can hand it an earlier chunk's bytes.
 */
#ifdef VS_PERSISTENT
#define VS_DATA volatile __global const
#define VS_LOAD4(v, w) ((uint4)((w)[4 * (v)], (w)[4 * (v) + 1], \
				(w)[4 * (v) + 2], (w)[4 * (v) + 3]))
#else
#define VS_DATA __global const
#define VS_LOAD4(v, w) vload4((v), (w))
#endif

/*
 * The work of one chunk part, done by one work-group: part @g of @ng of
 * the @len valid bytes at @p; partial results to @r.  Every work-item of
 * the group calls these (they hold barriers).
 */

/* checksum: per part 4 words, s1 lo/hi, s2 lo/hi (s2 relative to chunk) */
static void do_checksum(VS_DATA uchar *p, uint len, __global uint *r,
			uint g, uint ng, __local ulong *l1, __local ulong *l2)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	VS_DATA uint *w = (VS_DATA uint *)p;
	ulong s1 = 0, s2 = 0;
	uint v, k;

	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = VS_LOAD4(v, w);
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

/* Number of bytes of @x equal to zero. */
static uint zero_bytes(uint x)
{
	uint t = ~(((x & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | x | 0x7F7F7F7Fu);

	return popcount(t);
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
static void do_count(VS_DATA uchar *p, uint len, __global uint *r,
		     uint g, uint ng, uint byte, __local uint *lc)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	const uint pat = byte * 0x01010101u;
	VS_DATA uint *w = (VS_DATA uint *)p;
	uint c = 0, v, k;

	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = VS_LOAD4(v, w) ^ (uint4)(pat);

		c += zero_bytes(x.s0) + zero_bytes(x.s1) + zero_bytes(x.s2) +
		     zero_bytes(x.s3);
	}
	if (g == 0 && lid == 0)
		for (k = nv * 16; k < len; k++)
			c += p[k] == byte;
	group_sum(c, r, g, lc);
}

/* hist: per part 256 words */
static void do_hist(VS_DATA uchar *p, uint len, __global uint *r,
		    uint g, uint ng, __local uint *h)
{
	const uint lid = get_local_id(0), wg = get_local_size(0);
	const uint nv = len / 16;
	VS_DATA uint *w = (VS_DATA uint *)p;
	uint v, k;

	for (k = lid; k < 256; k += wg)
		h[k] = 0;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (v = g * wg + lid; v < nv; v += ng * wg) {
		uint4 x = VS_LOAD4(v, w);
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
static void do_grep(VS_DATA uchar *p, uint len, __global uint *r,
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
 * Per-batch kernels.  Work-group get_group_id(0) = b * ng + g works on
 * chunk b of the batch, part g of ng.  Descriptor desc_base + b: words
 * {slot, valid bytes}; the chunk starts at data + slot * slot_bytes.
 */
#define CHUNK_PROLOGUE                                                     \
	const uint b = get_group_id(0) / ng;                               \
	const uint g = get_group_id(0) % ng;                               \
	const uint slot = desc[2 * (desc_base + b)];                       \
	const uint len = desc[2 * (desc_base + b) + 1];                    \
	__global const uchar *p = data + (ulong)slot * slot_bytes;         \
	__global uint *r = res + (ulong)(desc_base + b) * res_words

__kernel void vs_checksum(__global const uchar *data, ulong slot_bytes,
			  __global const uint *desc, uint desc_base,
			  __global uint *res, uint res_words, uint ng)
{
	__local ulong l1[VY_STREAM_WG_MAX], l2[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE;

	do_checksum(p, len, r, g, ng, l1, l2);
}

__kernel void vs_count(__global const uchar *data, ulong slot_bytes,
		       __global const uint *desc, uint desc_base,
		       __global uint *res, uint res_words, uint ng, uint byte)
{
	__local uint lc[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE;

	do_count(p, len, r, g, ng, byte, lc);
}

__kernel void vs_hist(__global const uchar *data, ulong slot_bytes,
		      __global const uint *desc, uint desc_base,
		      __global uint *res, uint res_words, uint ng)
{
	__local uint h[256];
	CHUNK_PROLOGUE;

	do_hist(p, len, r, g, ng, h);
}

__kernel void vs_grep(__global const uchar *data, ulong slot_bytes,
		      __global const uint *desc, uint desc_base,
		      __global uint *res, uint res_words, uint ng,
		      __global const uint *dfa, uint nstates, uint maxlen)
{
	__local uint lc[VY_STREAM_WG_MAX];
	CHUNK_PROLOGUE;

	do_grep(p, len, r, g, ng, dfa, nstates, maxlen, lc);
}

/*
 * --persistent: a resident kernel that speaks the megakernel's ring ABI
 * (protocol.md: 16-word slots, status CAS PUBLISHED -> CLAIMED, DONE after
 * DONE_COUNT, METRICS_BASE + opcode, SHUTDOWN in control word 0, FAULT and
 * control word 141 for a bad slot).  A whole work-group claims a slot (any
 * group may claim any slot) and processes the chunk it describes; the
 * user opcodes are in vyre(7), USER OPCODES FOR STREAMING:
 *   8 checksum, 9 count, 10 hist, 11 grep
 *   a0 data slot, a1 valid bytes, a2 result slot, a3 input index,
 *   a4/a5 chunk sequence number lo/hi, a6 the byte of count
 * Loops end on SHUTDOWN, after max_iters iterations, or after idle_max
 * iterations without a claim (0 = no idle bound).
 */
#define CLAIM_NONE 0xFFFFFFFFu
#define CLAIM_STOP 0xFFFFFFFEu

#ifndef VS_PERSISTENT_OP
#define VS_PERSISTENT_OP VY_STREAM_OP_CHECKSUM
#endif

/*
 * One structured loop with every barrier reached by the whole group on
 * every iteration (PoCL needs that): a group without a claim runs the op
 * on zero bytes into the scratch result slot @nslots.  The op is fixed at
 * build time (-DVS_PERSISTENT_OP); a slot with another opcode faults.
 */
__kernel void vs_persistent(__global const uchar *data, ulong slot_bytes,
			    uint data_slots, __global uint *ring, uint nslots,
			    __global uint *control, __global uint *res,
			    uint res_words, __global const uint *dfa,
			    uint nstates, uint maxlen, uint max_iters,
			    uint idle_max)
{
	__local ulong l1[VY_STREAM_WG_MAX], l2[VY_STREAM_WG_MAX];
	__local uint h[256];
	__local uint claim;
	volatile __global uint *vr = ring;
	volatile __global uint *vc = control;
	const uint lid = get_local_id(0);
	uint start = nslots ? get_group_id(0) % nslots : 0;
	uint idle = 0, it = 0, stop = nslots == 0;

	while (!stop) {
		uint c, ok, op = 0, dslot = 0, len = 0, rslot = nslots;
		uint fault = 0, byte = 0;
		VS_DATA uchar *p;
		__global uint *r;

		if (lid == 0) {
			uint k, got = CLAIM_NONE;

			if (vc[VY_CTL_SHUTDOWN]) {
				got = CLAIM_STOP;
			} else {
				for (k = 0; k < nslots; k++) {
					uint s = (start + k) % nslots;

					if (vr[s * 16] != VY_STATUS_PUBLISHED)
						continue;
					if (atomic_cmpxchg(&ring[s * 16],
							   VY_STATUS_PUBLISHED,
							   VY_STATUS_CLAIMED) ==
					    VY_STATUS_PUBLISHED) {
						got = s;
						break;
					}
				}
			}
			claim = got;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
		c = claim;
		ok = c < nslots;
		if (ok) {
			op = vr[c * 16 + 1];
			dslot = vr[c * 16 + 4];
			len = vr[c * 16 + 5];
			rslot = vr[c * 16 + 6];
			byte = vr[c * 16 + 10];
			fault = op != VS_PERSISTENT_OP ||
				dslot >= data_slots || len > slot_bytes ||
				rslot >= nslots;
			start = (c + 1) % nslots;
		}
		if (!ok || fault) {
			dslot = 0;
			len = 0;
			rslot = nslots;
		}
		p = data + (ulong)dslot * slot_bytes;
		r = res + (ulong)rslot * res_words;
#if VS_PERSISTENT_OP == VY_STREAM_OP_CHECKSUM
		do_checksum(p, len, r, 0, 1, l1, l2);
#elif VS_PERSISTENT_OP == VY_STREAM_OP_COUNT
		do_count(p, len, r, 0, 1, byte, (__local uint *)l1);
#elif VS_PERSISTENT_OP == VY_STREAM_OP_HIST
		do_hist(p, len, r, 0, 1, h);
#else
		do_grep(p, len, r, 0, 1, dfa, nstates, maxlen,
			(__local uint *)l1);
#endif
		mem_fence(CLK_GLOBAL_MEM_FENCE);
		barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
		if (lid == 0 && ok) {
			atomic_inc(&control[VY_CTL_DONE_COUNT]);
			if (op < VY_OP_METRIC_LIMIT)
				atomic_inc(&control[VY_CTL_METRICS_BASE + op]);
			if (fault)
				atomic_inc(&control[VY_CTL_FAULT_COUNT]);
			mem_fence(CLK_GLOBAL_MEM_FENCE);
			atomic_xchg(&ring[c * 16], fault ? VY_STATUS_FAULT : VY_STATUS_DONE);
		}
		idle = ok ? 0 : idle + 1;
		it++;
		stop = c == CLAIM_STOP || it >= max_iters ||
		       (idle_max && idle >= idle_max);
		barrier(CLK_LOCAL_MEM_FENCE);
	}
}
