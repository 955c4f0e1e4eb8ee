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
 */

#define WG_MAX 256

#define CHUNK_PROLOGUE                                                     \
	const uint b = get_group_id(0) / ng;                               \
	const uint g = get_group_id(0) % ng;                               \
	const uint lid = get_local_id(0);                                  \
	const uint wg = get_local_size(0);                                 \
	const uint slot = desc[2 * (desc_base + b)];                       \
	const uint len = desc[2 * (desc_base + b) + 1];                    \
	__global const uchar *p = data + (ulong)slot * slot_bytes;         \
	__global uint *r = res + (ulong)(desc_base + b) * res_words

/* checksum: per part 4 words, s1 lo/hi, s2 lo/hi (s2 relative to chunk) */
__kernel void vs_checksum(__global const uchar *data, ulong slot_bytes,
			  __global const uint *desc, uint desc_base,
			  __global uint *res, uint res_words, uint ng)
{
	__local ulong l1[WG_MAX], l2[WG_MAX];
	CHUNK_PROLOGUE;
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
}

/* Number of bytes of @x equal to zero. */
static uint zero_bytes(uint x)
{
	uint t = ~(((x & 0x7F7F7F7Fu) + 0x7F7F7F7Fu) | x | 0x7F7F7F7Fu);

	return popcount(t);
}

/* count: per part 1 word */
__kernel void vs_count(__global const uchar *data, ulong slot_bytes,
		       __global const uint *desc, uint desc_base,
		       __global uint *res, uint res_words, uint ng, uint byte)
{
	__local uint lc[WG_MAX];
	CHUNK_PROLOGUE;
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
	lc[lid] = c;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (k = wg / 2; k > 0; k >>= 1) {
		if (lid < k)
			lc[lid] += lc[lid + k];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (lid == 0)
		r[g] = lc[0];
}

/* hist: per part 256 words */
__kernel void vs_hist(__global const uchar *data, ulong slot_bytes,
		      __global const uint *desc, uint desc_base,
		      __global uint *res, uint res_words, uint ng)
{
	__local uint h[256];
	CHUNK_PROLOGUE;
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
__kernel void vs_grep(__global const uchar *data, ulong slot_bytes,
		      __global const uint *desc, uint desc_base,
		      __global uint *res, uint res_words, uint ng,
		      __global const uint *dfa, uint nstates, uint maxlen)
{
	__local uint lc[WG_MAX];
	CHUNK_PROLOGUE;
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
	lc[lid] = c;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (k = wg / 2; k > 0; k >>= 1) {
		if (lid < k)
			lc[lid] += lc[lid + k];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	if (lid == 0)
		r[g] = lc[0];
	if (g == 0 && lid == 0) {
		st = 0;
		if (len >= maxlen)
			for (k = len - maxlen; k < len; k++)
				st = dfa[st * 256 + p[k]];
		r[ng] = st;
	}
}
