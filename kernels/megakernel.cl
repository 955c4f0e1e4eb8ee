/* SPDX-License-Identifier: MIT */
/*
 * megakernel.cl - the vyre interpreter (protocol.md §4-§5, decisions D1-D12).
 *
 * OpenCL C 1.2.  One kernel, two modes:
 *   once        one pass: lane L looks at slots L, L + lanes, ... and
 *               returns (upstream's finite program; with the priority
 *               scheduler, lanes scan until a pass finds nothing);
 *   persistent  lanes loop until control word 0 is non-zero, until
 *               max_iters iterations have run, or until idle_max
 *               consecutive iterations claimed nothing.
 * Any lane may claim any PUBLISHED slot (CAS PUBLISHED -> CLAIMED), scanning
 * from its own index and wrapping (D2).  A final status is stored after
 * DONE_COUNT moves (upstream order).  Every index is checked against the
 * real buffer length (D4): a faulting slot ends FAULT, control word 141
 * counts it, DONE_COUNT still moves.
 *
 * The wire constants (VY_STATUS_*, VY_CTL_*, VY_OP_*, ...) are not defined
 * here: the build puts the block generated from common/wire/wire.def in
 * front of this file.
 */

#define SCAN_WINDOW 32u

typedef __global volatile uint gvu;

/* Upstream's atomic load is an atomic add of 0. */
static uint ald(gvu *p)
{
	return atomic_add(p, 0u);
}

/*
 * Words that every lane polls (SHUTDOWN, the tenant masks) are read with
 * volatile loads instead: the same value, without hundreds of lanes
 * queueing read-modify-writes on the cache line of DONE_COUNT.
 */

struct vy_bufs {
	gvu *control;
	uint control_words;
	int ticket;		/* the ticket claim runs: words 142-144 are its */
	gvu *debug;
	uint debug_words;
	gvu *io;
	uint io_words;
	/*
	 * volatile: a LOAD_MISS answer rewrites the data buffer while the
	 * kernel runs, and a compute unit's cache (NVIDIA's L1) is not
	 * coherent with the host's copies during a launch
	 */
	volatile __global uint *data;
	uint data_words;
	uint io_poll_max;
	/* the user buffer a plug-in gave the session (vy_dev_mk_set_user_buf) */
	volatile __global uint *user;
	ulong user_bytes;
};

#ifdef VY_USER_OPS
/*
 * The plug-in's opcodes (its source is appended to this one): run @op with
 * the slot's 12 argument words and return 0 (DONE), 1 (FAULT), or -1 when
 * @op is not one of its opcodes (the built-in dispatch runs it then).
 */
static int vy_user_op(const struct vy_bufs *b, uint op, const uint *args);
#endif

/* Is [idx, idx + n) inside a buffer of @words words?  Exact, no wrap. */
static int in_range(ulong idx, ulong n, uint words)
{
	return idx + n <= (ulong)words;
}

/*
 * Does a write of control words [idx, idx + n) touch the ticket claim's own
 * words (PUBLISH_HEAD .. RETIRED) while it runs?  A work item that moved
 * them would make the host reuse slots still running, or lose some: such
 * a write faults instead (vyre(7), Ticket claim).
 */
static int vy_claim_words(const struct vy_bufs *b, ulong idx, ulong n)
{
	return b->ticket && idx <= (ulong)VY_CTL_DONE_TAIL &&
	       idx + n > (ulong)VY_CTL_PUBLISH_HEAD;
}

/*
 * The dispatch block of one top-level or inner op.  Returns 0, or 1 when
 * the op faulted (nothing was accessed: check, then act).
 */
static int vy_dispatch(const struct vy_bufs *b, uint op, uint a0, uint a1,
		       uint a2, uint slot_base, int count)
{
	gvu *c = b->control;
	uint cw = b->control_words;

	if (count && op < VY_OP_METRIC_LIMIT)
		atomic_inc(&c[VY_CTL_METRICS_BASE + op]);
	switch (op) {
	case VY_OP_STORE_U32:
		if (!in_range(a1, 1, cw) || vy_claim_words(b, a1, 1))
			return 1;
		atomic_xchg(&c[a1], a0);
		return 0;
	case VY_OP_ATOMIC_ADD:
		if (!in_range(a1, 1, cw) || vy_claim_words(b, a1, 1))
			return 1;
		atomic_add(&c[a1], a0);
		return 0;
	case VY_OP_LOAD_U32:
		if (!in_range(a0, 1, cw) ||
		    !in_range((ulong)VY_CTL_OBSERVABLE_BASE + a1, 1, cw))
			return 1;
		atomic_xchg(&c[VY_CTL_OBSERVABLE_BASE + a1], ald(&c[a0]));
		return 0;
	case VY_OP_COMPARE_SWAP: {
		uint prev;

		if (!in_range(a0, 1, cw) ||
		    !in_range((ulong)VY_CTL_OBSERVABLE_BASE + a0, 1, cw) ||
		    vy_claim_words(b, a0, 1))
			return 1;
		prev = atomic_cmpxchg(&c[a0], a1, a2);
		atomic_xchg(&c[VY_CTL_OBSERVABLE_BASE + a0], prev);
		return 0;
	}
	case VY_OP_MEMCPY:
		if (a2 == 0u)
			return 0;
		if (!in_range(a0, a2, cw) || !in_range(a1, a2, cw) ||
		    vy_claim_words(b, a1, a2))
			return 1;
		for (uint i = 0; i < a2; i++)
			atomic_xchg(&c[a1 + i], ald(&c[a0 + i]));
		return 0;
	case VY_OP_DFA_STEP: {
		ulong idx = (ulong)a0 * 256ul + a1;

		if (!in_range(idx, 1, b->data_words) ||
		    !in_range((ulong)VY_CTL_OBSERVABLE_BASE + a2, 1, cw))
			return 1;
		atomic_xchg(&c[VY_CTL_OBSERVABLE_BASE + a2], b->data[idx]);
		return 0;
	}
	case VY_OP_BATCH_FENCE:
		if (!in_range(VY_CTL_OBSERVABLE_BASE, 1, cw))
			return 1;
		atomic_inc(&c[VY_CTL_EPOCH]);
		atomic_xchg(&c[VY_CTL_OBSERVABLE_BASE], a1);
		return 0;
	case VY_OP_PRINTF: {
		uint cap, old;
		ulong base;

		if (b->debug_words == 0u)
			return 0;
		cap = min(VY_DEBUG_BUFFER_WORDS, b->debug_words);
		old = atomic_add(&b->debug[0], 4u);
		base = (ulong)old + 1ul;
		if (base + 4ul <= (ulong)cap) {
			atomic_xchg(&b->debug[base + 0], a0);
			atomic_xchg(&b->debug[base + 1], a1);
			atomic_xchg(&b->debug[base + 2], a2);
			atomic_xchg(&b->debug[base + 3], slot_base);
		}
		return 0;
	}
	case VY_OP_SHUTDOWN:
		atomic_xchg(&c[VY_CTL_SHUTDOWN], 1u);
		return 0;
	default:
		/* NOP, DFA-less user opcodes 8..: the metric only */
		return 0;
	}
}

/* Byte @i of the 48-byte packed payload (arg words 4..15 of the slot). */
static uint packed_byte(const uint *args, uint i)
{
	return (args[i >> 2] >> ((i & 3u) * 8u)) & 0xFFu;
}

/* PACKED_SLOT (D5 and vectors Resolution 5).  Returns 0 or 1 (fault). */
static int vy_packed(const struct vy_bufs *b, const uint *args,
		     uint slot_base)
{
	uint n = packed_byte(args, 0), t = packed_byte(args, 1);
	uint m = (2u + 2u * n + 3u) / 4u;

	if (m > 12u || m + t > 12u)
		return 1;
	for (uint i = 0; i < n; i++) {
		uint off = packed_byte(args, 3u + 2u * i);
		uint next = i + 1u < n ? packed_byte(args, 3u + 2u * (i + 1u)) : t;

		if (off > next)
			return 1;
	}
	for (uint i = 0; i < n; i++) {
		uint op = packed_byte(args, 2u + 2u * i);
		uint off = packed_byte(args, 3u + 2u * i);
		uint next = i + 1u < n ? packed_byte(args, 3u + 2u * (i + 1u)) : t;
		uint a[3];

		for (uint k = 0; k < 3u; k++)
			a[k] = off + k < next ? args[m + off + k] : 0u;
		if (vy_dispatch(b, op, a[0], a[1], a[2], slot_base, 1))
			return 1;
	}
	return 0;
}

/*
 * LOAD_MISS (D7): reserve an IO slot (CAS EMPTY -> CLAIMED so the host never
 * sees a half-written request), fill it, publish it, poll with a bound for
 * OK or ERROR, recycle it.  Returns 0 (OK) or 1 (ERROR, no IO slot, the
 * poll bound ran out, or SHUTDOWN was set meanwhile).
 */
static int vy_load_miss(const struct vy_bufs *b, uint resource)
{
	uint nio = min(b->io_words / VY_IO_SLOT_WORDS, VY_IO_SLOT_COUNT);
	gvu *q = 0;

	for (uint it = 0; it < b->io_poll_max && !q; it++) {
		for (uint s = 0; s < nio; s++) {
			gvu *cand = b->io + s * VY_IO_SLOT_WORDS;

			if (cand[VY_IO_STATUS_WORD] != VY_STATUS_EMPTY)
				continue;
			if (atomic_cmpxchg(&cand[VY_IO_STATUS_WORD], VY_STATUS_EMPTY,
					   VY_STATUS_CLAIMED) == VY_STATUS_EMPTY) {
				q = cand;
				break;
			}
		}
	}
	if (!q)
		return 1;
	q[VY_IO_OP_TYPE_WORD] = VY_IO_OP_READ;
	q[VY_IO_SRC_HANDLE_WORD] = resource;
	q[VY_IO_DST_HANDLE_WORD] = resource;
	q[VY_IO_OFFSET_LO_WORD] = 0u;
	q[VY_IO_OFFSET_HI_WORD] = 0u;
	q[VY_IO_BYTE_COUNT_WORD] = 0u;
	q[VY_IO_TAG_WORD] = resource;
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	atomic_xchg(&q[VY_IO_STATUS_WORD], VY_STATUS_PUBLISHED);
	for (uint it = 0; it < b->io_poll_max; it++) {
		uint st = q[VY_IO_STATUS_WORD];

		if (st == VY_IO_STATUS_OK || st == VY_IO_STATUS_ERROR) {
			atomic_xchg(&q[VY_IO_STATUS_WORD], VY_STATUS_EMPTY);
			return st == VY_IO_STATUS_ERROR;
		}
		/* a host that stops the kernel will not answer any more */
		if (b->control[VY_CTL_SHUTDOWN] != 0u)
			break;
	}
	/* Withdraw an unclaimed request; a claimed one stays the host's. */
	atomic_cmpxchg(&q[VY_IO_STATUS_WORD], VY_STATUS_PUBLISHED, VY_STATUS_EMPTY);
	return 1;
}

/*
 * Run a claimed slot; returns 1 when it faulted.  @count: the top-level
 * opcode's metric word moves here, before the op runs (upstream order);
 * the ticket path passes 0 and counts a whole claim at once instead.
 */
static int vy_run(const struct vy_bufs *b, gvu *slot, uint slot_base,
		  int claim_fault, int count)
{
	gvu *c = b->control;
	uint args[12];
	uint op = slot[1];
	int user = -1;

	if (claim_fault)
		return 1;
	for (uint k = 0; k < 12u; k++)
		args[k] = slot[4 + k];
#ifdef VY_USER_OPS
	user = vy_user_op(b, op, args);
#endif
	if (user >= 0) {
		/* counted like a built-in op: one metric, one DONE */
		if (count && op < VY_OP_METRIC_LIMIT)
			atomic_inc(&c[VY_CTL_METRICS_BASE + op]);
		return user;
	}
	if (op == VY_OP_LOAD_MISS)
		return vy_load_miss(b, args[0]);
	if (op == VY_OP_PACKED_SLOT)
		return vy_packed(b, args, slot_base);
	return vy_dispatch(b, op, args[0], args[1], args[2], slot_base, count);
}

/* Execute a claimed slot and finish it (protocol.md §4.3, D4). */
static void vy_execute(const struct vy_bufs *b, gvu *slot, uint slot_base,
		       int claim_fault)
{
	gvu *c = b->control;
	int fault = vy_run(b, slot, slot_base, claim_fault, 1);

	if (fault)
		atomic_inc(&c[VY_CTL_FAULT_COUNT]);
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	atomic_inc(&c[VY_CTL_DONE_COUNT]);
	mem_fence(CLK_GLOBAL_MEM_FENCE);
	atomic_xchg(&slot[0], fault ? VY_STATUS_FAULT : VY_STATUS_DONE);
}

/*
 * vy_authorize before the tenant's mask word is read, from SHUTDOWN @sd,
 * the slot's @tenant and TENANT_BASE @base: -1 or 2 as vy_authorize
 * returns them, or 1 with *@idx the mask word that decides (0 or 1).
 */
static int vy_auth_pre(const struct vy_bufs *b, uint sd, uint tenant,
		       uint base, ulong *idx)
{
	if (sd != 0u)
		return -1;
	if (tenant >= VY_CTL_TENANT_MASK_SLOTS)
		return 2;
	*idx = (ulong)base + tenant;
	return in_range(*idx, 1, b->control_words) ? 1 : 2;
}

/*
 * SHUTDOWN and tenant check of a slot seen claimable.  Returns -1 (SHUTDOWN
 * is set: claim nothing more), 0 (not authorized: leave it), 1
 * (authorized), 2 (claim-time fault, Resolution 4).
 */
static int vy_authorize(const struct vy_bufs *b, gvu *slot)
{
	/* three loads issued before any is used: one round trip, not three */
	uint sd = b->control[VY_CTL_SHUTDOWN];
	uint tenant = slot[2];
	uint base = b->control[VY_CTL_TENANT_BASE];
	ulong idx;
	int r = vy_auth_pre(b, sd, tenant, base, &idx);

	/* volatile loads: the values of upstream's atomic loads, no RMW */
	return r != 1 ? r : b->control[idx] != 0u;
}

/*
 * Try to claim slot @s (seen in state @st).  Returns 1 when this lane now
 * owns it and has executed it, -1 when SHUTDOWN is set.
 */
static int vy_try_slot(const struct vy_bufs *b, gvu *ring, uint s, uint st,
		       int *pri_claimed, uint pri)
{
	gvu *slot = ring + (ulong)s * VY_SLOT_WORDS;
	int auth = vy_authorize(b, slot);

	if (auth <= 0)
		return auth;
	if (atomic_cmpxchg(&slot[0], st, VY_STATUS_CLAIMED) != st)
		return 0;
	if (pri_claimed) {
		gvu *c = b->control;

		*pri_claimed = 1;
		if (pri <= 1u)
			atomic_inc(&c[VY_CTL_PRIORITY_STARVATION]);
		else
			atomic_xchg(&c[VY_CTL_PRIORITY_STARVATION], 0u);
		atomic_inc(&c[VY_CTL_TENANT_FAIRNESS_BASE + slot[2] % 32u]);
		atomic_inc(&c[VY_CTL_PRIORITY_FAIRNESS_BASE + pri]);
	}
	vy_execute(b, slot, s * VY_SLOT_WORDS, auth == 2);
	return 1;
}

/*
 * Scan @count slots from @start, wrapping.  Returns the slot claimed + 1,
 * or 0 when none was claimable.
 */
static uint vy_scan(const struct vy_bufs *b, gvu *ring, uint nslots,
		    uint start, uint count)
{
	for (uint k = 0; k < count; k++) {
		uint s = start + k;
		int r;

		if (s >= nslots)
			s -= nslots;
		if (ring[(ulong)s * VY_SLOT_WORDS] != VY_STATUS_PUBLISHED)
			continue;
		r = vy_try_slot(b, ring, s, VY_STATUS_PUBLISHED, 0, 0);
		if (r < 0)
			return 0;
		if (r)
			return s + 1u;
	}
	return 0;
}

/*
 * Priority scan (D9): partitions from control words 129..134, CRITICAL first.
 * Once the starvation counter reaches 16, CRITICAL and HIGH are skipped only
 * while lower-priority work is pending: the lower partitions are tried first,
 * and the high ones still run when those are empty.
 */
static uint vy_scan_pri_range(const struct vy_bufs *b, gvu *ring, uint nslots,
			      uint lane, uint pri, int *claimed)
{
	gvu *c = b->control;
	uint start = ald(&c[VY_CTL_PRIORITY_OFFSETS_BASE + pri]);
	uint end = ald(&c[VY_CTL_PRIORITY_OFFSETS_BASE + pri + 1u]);
	uint len;

	if (end > nslots)
		end = nslots;
	if (start >= end)
		return 0;
	len = end - start;
	for (uint k = 0; k < len; k++) {
		uint s = start + (lane + k) % len;
		uint st = ring[(ulong)s * VY_SLOT_WORDS];
		int r;

		if (st != VY_STATUS_PUBLISHED && st != VY_STATUS_YIELD && st != VY_STATUS_REQUEUE)
			continue;
		r = vy_try_slot(b, ring, s, st, claimed, pri);
		if (r < 0)
			return 0;
		if (r)
			return s + 1u;
	}
	return 0;
}

static uint vy_scan_priority(const struct vy_bufs *b, gvu *ring, uint nslots,
			     uint lane)
{
	int claimed = 0;
	uint r;
	int force_lower = ald(&b->control[VY_CTL_PRIORITY_STARVATION]) >= VY_STARVATION_THRESHOLD;

	if (force_lower) {
		for (uint p = 2u; p < VY_PRIORITY_LEVELS; p++)
			if ((r = vy_scan_pri_range(b, ring, nslots, lane, p,
						   &claimed)))
				return r;
		for (uint p = 0u; p < 2u; p++)
			if ((r = vy_scan_pri_range(b, ring, nslots, lane, p,
						   &claimed)))
				return r;
		return 0;
	}
	for (uint p = 0u; p < VY_PRIORITY_LEVELS; p++)
		if ((r = vy_scan_pri_range(b, ring, nslots, lane, p, &claimed)))
			return r;
	return 0;
}

/*
 * Ticket claim (VY_MODE_TICKET, persistent): the host publishes slots in
 * ring order and counts them in PUBLISH_HEAD; claimed slots are counted in
 * CLAIM_TAIL, both modulo the largest multiple of the slot count below
 * 2^32 (ticket p is slot p % slots).  Lane 0 of a work-group looks at the
 * two words and takes the next run of published slots with one
 * compare-and-swap of CLAIM_TAIL; the group's lanes run them.  So a claim
 * costs the same for any ring size, an idle group costs two loads per
 * iteration and no atomics, and DONE_COUNT, FAULT_COUNT and the metric
 * words move once per claimed run (local sums) instead of once per item.
 * Any group may take any run and nobody waits for a ticket not yet
 * published (D2: a device that runs groups one after another still makes
 * progress).  Each slot is still claimed PUBLISHED -> CLAIMED and ends
 * DONE or FAULT after DONE_COUNT moved; a slot whose tenant may not run,
 * or that is not PUBLISHED, keeps its status, as with the scanning claim.
 */
struct vy_tk_local {
	uint base, k, stop, done, fault;
	uint dt, dn, dm;	/* DONE_TAIL seen, tickets to look at, first not DONE */
	uint metric[VY_OP_METRIC_LIMIT];
};

static uint vy_tk_wrap(uint nslots)
{
	return 0xFFFFFFFFu / nslots * nslots;
}

/*
 * Lane 0: take the group's run of published tickets; returns its length.
 * Also the DONE_TAIL window (*dt, *dn): the claimed tickets from DONE_TAIL
 * on, at most VY_TICKET_CLAIM_MAX per lane, that this iteration's lanes
 * look at (vy_tk_done_look).
 */
static uint vy_tk_take(gvu *c, uint nslots, uint groups, uint wgsize,
		       uint *base, uint *dt, uint *dn)
{
	uint wrap = vy_tk_wrap(nslots);
	uint d = c[VY_CTL_DONE_TAIL];
	uint t, h, avail, k, nt;

	/* DONE_TAIL, then the tail: the window is all claimed tickets */
	read_mem_fence(CLK_GLOBAL_MEM_FENCE);
	t = c[VY_CTL_CLAIM_TAIL];
	*dn = 0u;
	if (d < wrap && t < wrap) {
		*dt = d;
		*dn = min(t >= d ? t - d : t + (wrap - d),
			  (uint)VY_TICKET_CLAIM_MAX * wgsize);
		if (*dn > nslots)
			*dn = 0u;	/* not a state the host writes */
	}
	/* tail first: the head read after it is never behind it */
	read_mem_fence(CLK_GLOBAL_MEM_FENCE);
	h = c[VY_CTL_PUBLISH_HEAD];
	if (t >= wrap || h >= wrap)
		return 0;
	avail = h >= t ? h - t : h + (wrap - t);
	if (avail == 0u || avail > nslots)
		return 0;
	/*
	 * A group's share: what is published split over the groups plus one
	 * (so a lone group still leaves the host slots to recycle while it
	 * runs), at least a slot per lane, at most VY_TICKET_CLAIM_MAX per
	 * lane: few compare-and-swaps on CLAIM_TAIL for a large batch.
	 */
	for (uint tries = 0u;; tries++) {
		uint seen;

		k = max(min(avail, wgsize), avail / (groups + 1u));
		k = min(k, (uint)VY_TICKET_CLAIM_MAX * wgsize);
		nt = k >= wrap - t ? k - (wrap - t) : t + k;
		seen = atomic_cmpxchg(&c[VY_CTL_CLAIM_TAIL], t, nt);
		if (seen == t)
			break;
		/*
		 * Another group moved the tail: try again at once from where
		 * it is now, against the head already read (what it covers
		 * stays published), instead of an iteration later.  Groups
		 * that lose every try still leave the work to the winners.
		 */
		if (tries + 1u >= VY_TICKET_CAS_TRIES || seen >= wrap)
			return 0;
		t = seen;
		avail = h >= t ? h - t : h + (wrap - t);
		if (avail == 0u || avail > nslots)
			return 0;
	}
	*base = t;
	return k;
}

/* Ticket base + @i as a slot: @s0 = base % slots, @i < slots (k <= slots). */
static uint vy_tk_slot(uint s0, uint i, uint nslots)
{
	return s0 + i >= nslots ? s0 + i - nslots : s0 + i;
}

/*
 * This lane's share of the DONE_TAIL window: tickets dt + lid * C to
 * dt + lid * C + C - 1 (C = VY_TICKET_CLAIM_MAX); the offset of the first
 * whose status is not DONE goes to l->dm (a minimum over the group).  A
 * ticket below CLAIM_TAIL was published before it was claimed, so its
 * slot shows this lap's status or a later lap's, never an earlier one's:
 * DONE there means the ticket ended DONE (a later lap exists only once
 * the host freed it).  A FAULT or a slot left published stops the window:
 * those the host frees by reading statuses.
 */
static void vy_tk_done_look(gvu *ring, uint nslots, uint lid,
			    __local struct vy_tk_local *l)
{
	uint dn = l->dn, first = lid * (uint)VY_TICKET_CLAIM_MAX;
	uint s0 = l->dt % nslots, st[VY_TICKET_CLAIM_MAX];

	if (first >= dn)
		return;
	/* every load issued before any is looked at: one memory round trip */
#pragma unroll
	for (uint k = 0; k < (uint)VY_TICKET_CLAIM_MAX; k++)
		st[k] = first + k < dn ?
				ring[(ulong)vy_tk_slot(s0, first + k, nslots) *
				     VY_SLOT_WORDS] :
				VY_STATUS_DONE;
	for (uint k = 0; k < (uint)VY_TICKET_CLAIM_MAX; k++)
		if (first + k < dn && st[k] != VY_STATUS_DONE) {
			atomic_min(&l->dm, first + k);
			break;
		}
}

/*
 * Authorize and claim this lane's slots of the run (tickets base + lid,
 * + wgsize, ...; at most VY_TICKET_CLAIM_MAX): st[j] = 1 claimed, 2
 * claimed with a claim-time fault (Resolution 4), 0 left as it is
 * (SHUTDOWN set, tenant masked, or not PUBLISHED).  What vy_authorize and
 * the claim's compare-and-swap do per slot, in three passes whose loads
 * and atomics are all issued before any result is used: three memory
 * round trips for the lane's slots instead of three per slot.
 */
static void vy_tk_claim_mine(const struct vy_bufs *b, gvu *ring, uint nslots,
			     uint s0, uint k, uint lid, uint wgsize, uint *st)
{
	gvu *c = b->control;
	uint sd = c[VY_CTL_SHUTDOWN], tbase = c[VY_CTL_TENANT_BASE];
	uint v[VY_TICKET_CLAIM_MAX];
	uint j = 0;

	for (uint i = lid; i < k; i += wgsize, j++)
		v[j] = ring[(ulong)vy_tk_slot(s0, i, nslots) * VY_SLOT_WORDS +
			    VY_SLOT_TENANT_WORD];
	/* the tenant's mask word, or the authorization itself */
	j = 0;
	for (uint i = lid; i < k; i += wgsize, j++) {
		ulong idx = 0;
		int r = vy_auth_pre(b, sd, v[j], tbase, &idx);

		st[j] = r < 0 ? 0u : r == 2 ? 2u : c[idx] != 0u;
	}
	j = 0;
	for (uint i = lid; i < k; i += wgsize, j++)
		v[j] = st[j] ? atomic_cmpxchg(&ring[(ulong)vy_tk_slot(s0, i, nslots) *
						    VY_SLOT_WORDS],
					      VY_STATUS_PUBLISHED,
					      VY_STATUS_CLAIMED) :
			       VY_STATUS_CLAIMED;
	j = 0;
	for (uint i = lid; i < k; i += wgsize, j++)
		if (v[j] != VY_STATUS_PUBLISHED)
			st[j] = 0u;
}

static void vy_ticket_loop(const struct vy_bufs *b, gvu *ring, uint nslots,
			   uint max_iters, uint idle_max,
			   __local struct vy_tk_local *l)
{
	gvu *c = b->control;
	uint lid = (uint)get_local_id(0), wgsize = (uint)get_local_size(0);
	uint groups = (uint)get_num_groups(0);
	uint idle = 0;

	for (uint i = lid; i < VY_OP_METRIC_LIMIT; i += wgsize)
		l->metric[i] = 0u;
	/*
	 * Every lane passes the same three barriers in every iteration and
	 * leaves only at its end, on values all lanes read from the group's
	 * words (PoCL compiles barriers in loops of this shape only).
	 */
	for (uint it = 0; it < max_iters; it++) {
		uint base, k, stop, s0, mine = 0, st[VY_TICKET_CLAIM_MAX], j = 0;

		if (lid == 0u) {
			uint b0 = 0u, dt = 0u, dn = 0u;

			l->stop = c[VY_CTL_SHUTDOWN] != 0u;
			l->k = l->stop ? 0u :
				 vy_tk_take(c, nslots, groups, wgsize, &b0,
					    &dt, &dn);
			l->base = b0;
			l->done = 0u;
			l->fault = 0u;
			l->dt = dt;
			l->dn = dn;
			l->dm = dn;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
		base = l->base;
		k = l->k;
		stop = l->stop;
		s0 = base % nslots;
		vy_tk_claim_mine(b, ring, nslots, s0, k, lid, wgsize, st);
		for (uint i = lid; i < k; i += wgsize, j++) {
			uint s = vy_tk_slot(s0, i, nslots);
			gvu *slot = ring + (ulong)s * VY_SLOT_WORDS;
			int auth = (int)st[j];
			uint op;
			int fault;

			st[j] = 0u;
			if (auth <= 0)
				continue;
			op = slot[1];
			fault = vy_run(b, slot, s * VY_SLOT_WORDS, auth == 2, 0);
			if (auth != 2 && op < VY_OP_METRIC_LIMIT)
				atomic_inc(&l->metric[op]);
			if (fault)
				atomic_inc(&l->fault);
			st[j] = fault ? VY_STATUS_FAULT : VY_STATUS_DONE;
			mine++;
		}
		if (mine)
			atomic_add(&l->done, mine);
		vy_tk_done_look(ring, nslots, lid, l);
		barrier(CLK_LOCAL_MEM_FENCE);
		if (k) {
			for (uint i = lid; i < VY_OP_METRIC_LIMIT; i += wgsize) {
				uint v = l->metric[i];

				if (v) {
					atomic_add(&c[VY_CTL_METRICS_BASE + i], v);
					l->metric[i] = 0u;
				}
			}
			if (lid == 0u) {
				if (l->fault)
					atomic_add(&c[VY_CTL_FAULT_COUNT],
						   l->fault);
				mem_fence(CLK_GLOBAL_MEM_FENCE);
				if (l->done)
					atomic_add(&c[VY_CTL_DONE_COUNT],
						   l->done);
			}
		}
		/*
		 * DONE_TAIL past the window's leading DONE tickets; a group
		 * that lost the race leaves it to the winner.
		 */
		if (lid == 0u && l->dm) {
			uint wrap = vy_tk_wrap(nslots), dt = l->dt;

			atomic_cmpxchg(&c[VY_CTL_DONE_TAIL], dt,
				       l->dm >= wrap - dt ? l->dm - (wrap - dt) :
							    dt + l->dm);
		}
		/* DONE_COUNT moves before any of the run's final statuses */
		barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
		j = 0;
		for (uint i = lid; i < k; i += wgsize, j++)
			if (st[j])
				atomic_xchg(&ring[(ulong)vy_tk_slot(s0, i, nslots) *
						  VY_SLOT_WORDS],
					    st[j]);
		/*
		 * RETIRED moves after every DONE status of the run is stored:
		 * a host that reads RETIRED equal to what it published may
		 * reuse every slot without reading a status.
		 */
		barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
		if (lid == 0u && l->done > l->fault)
			atomic_add(&c[VY_CTL_RETIRED], l->done - l->fault);
		if (stop)
			break;
		idle = k ? 0u : idle + 1u;
		if (idle_max && idle >= idle_max)
			break;
	}
}

__kernel void vy_megakernel(__global uint *control, uint control_words,
			    __global uint *ring, uint slot_count,
			    __global uint *debug, uint debug_words,
			    __global uint *io, uint io_words,
			    __global uint *data, uint data_words,
			    uint mode, uint max_iters, uint idle_max,
			    uint io_poll_max, __global uint *user,
			    ulong user_bytes)
{
	struct vy_bufs b;
	gvu *r = (gvu *)ring;
	uint lane = (uint)get_global_id(0);
	uint lanes = (uint)get_global_size(0);
	uint cursor, idle = 0;
	__local struct vy_tk_local tk;

	b.control = (gvu *)control;
	b.control_words = control_words;
	b.ticket = (mode & VY_MODE_TICKET) && (mode & VY_MODE_PERSISTENT) &&
		   !(mode & VY_MODE_PRIORITY);
	b.debug = (gvu *)debug;
	b.debug_words = debug_words;
	b.io = (gvu *)io;
	b.io_words = io_words;
	b.data = data;
	b.data_words = data_words;
	b.io_poll_max = io_poll_max;
	b.user = (volatile __global uint *)user;
	b.user_bytes = user_bytes;
	if (control_words < VY_CTL_OBSERVABLE_BASE || slot_count == 0u)
		return;
	cursor = lane % slot_count;
	if (!(mode & (VY_MODE_PERSISTENT | VY_MODE_PRIORITY))) {
		/*
		 * once: one pass, lane L looks at slots L, L + lanes, ...  No
		 * lane waits on another, so every slot published at launch is
		 * looked at exactly once, and the pass costs slots / lanes loads.
		 */
		if (b.control[VY_CTL_SHUTDOWN] != 0u)
			return;
		for (uint s = lane; s < slot_count; s += lanes) {
			if (r[(ulong)s * VY_SLOT_WORDS] != VY_STATUS_PUBLISHED)
				continue;
			if (vy_try_slot(&b, r, s, VY_STATUS_PUBLISHED, 0, 0) < 0)
				return;
		}
		return;
	}
	if ((mode & VY_MODE_TICKET) && (mode & VY_MODE_PERSISTENT) &&
	    !(mode & VY_MODE_PRIORITY)) {
		vy_ticket_loop(&b, r, slot_count, max_iters, idle_max, &tk);
		return;
	}
	/*
	 * persistent: each iteration looks at a window of SCAN_WINDOW slots
	 * and moves on, so every lane sweeps the whole ring (D2: any lane
	 * claims any slot; a device that runs lanes one after another still
	 * makes progress) while the shutdown check stays frequent.
	 */
	for (uint it = 0; it < max_iters; it++) {
		uint got, win = min(slot_count, SCAN_WINDOW);

		if (b.control[VY_CTL_SHUTDOWN] != 0u)
			return;
		if (mode & VY_MODE_PRIORITY)
			got = vy_scan_priority(&b, r, slot_count, cursor);
		else
			got = vy_scan(&b, r, slot_count, cursor, win);
		if (got) {
			idle = 0;
			/* move on by the lane count so lanes spread out */
			cursor = (uint)(((ulong)got - 1ul + lanes) % slot_count);
			continue;
		}
		if (!(mode & VY_MODE_PRIORITY))
			cursor = (uint)(((ulong)cursor + win) % slot_count);
		if (!(mode & VY_MODE_PERSISTENT))
			return;
		if (idle_max && ++idle >= idle_max)
			return;
	}
}
