/* SPDX-License-Identifier: MIT */
/*
 * protocol_publish.c - slot publishers: single, batch with fence, packed,
 * work items, window descriptors, raw slot copies and host transitions.
 *
 * Every publisher checks everything first and only then writes, so a
 * failing call leaves the ring as it was.  Within a slot the payload is
 * written before the status word, as the kernel may claim a slot as soon
 * as it reads PUBLISHED.
 */
#include "wire/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/util.h"

#define HINT_RING "pass a ring of slot_count * 64 bytes"

static int ring_check(size_t ring_len, uint32_t *cap, struct vy_err *e)
{
	*cap = 0;
	if (ring_len % VY_SLOT_BYTES)
		return vy_errf(e, VY_E_RING_NOT_WHOLE_SLOTS, HINT_RING,
			       "ring of %zu bytes is not an exact multiple of the 64-byte slot",
			       ring_len);
	if (ring_len / VY_SLOT_BYTES > UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "use a ring of at most 2^32 - 1 slots",
			       "ring of %zu bytes holds more than 2^32 - 1 slots",
			       ring_len);
	*cap = (uint32_t)(ring_len / VY_SLOT_BYTES);
	return 0;
}

static int slot_in_range(uint32_t slot, uint32_t cap, struct vy_err *e)
{
	if (slot >= cap)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "publish into a slot below the ring's slot count",
			       "slot_idx %u exceeds ring slot count %u", slot,
			       cap);
	return 0;
}

/* Name the failing item of a list: " (@what item @i)" ends the message. */
static int item_error(int ret, struct vy_err *e, const char *what, size_t i)
{
	if (e)
		snprintf(e->msg + strlen(e->msg),
			 sizeof(e->msg) - strlen(e->msg), " (%s item %zu)",
			 what, i);
	return ret;
}

/* The ring holds whole slots and @slot is one of them. */
static int ring_slot_check(size_t ring_len, uint32_t slot, struct vy_err *e)
{
	uint32_t cap = 0;
	int ret;

	ret = ring_check(ring_len, &cap, e);
	if (ret)
		return ret;
	return slot_in_range(slot, cap, e);
}

static int args_check(size_t nargs, size_t max, struct vy_err *e)
{
	if (nargs > max)
		return vy_errf(e, VY_E_TOO_MANY_ARGS,
			       "split the payload over several slots",
			       "too many args for one slot: %zu > %zu", nargs,
			       max);
	return 0;
}

static uint32_t slot_status(const uint8_t *ring, uint32_t slot)
{
	return vy_word(ring,
		       (size_t)slot * VY_SLOT_WORDS + VY_SLOT_STATUS_WORD);
}

static int status_check(const uint8_t *ring, uint32_t slot, struct vy_err *e)
{
	uint32_t st = slot_status(ring, slot);

	if (st != VY_STATUS_EMPTY && st != VY_STATUS_DONE)
		return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE,
			       "wait until the kernel marks the slot done, or publish into another slot",
			       "slot %u is %s (status %u) and not publishable",
			       slot, vy_slot_status_name(st), st);
	return 0;
}

/*
 * Write one slot: header, zeroed args, @pre words (window ticket/class),
 * @args, then the status last.
 */
static void write_slot(uint8_t *ring, uint32_t slot, uint32_t tenant,
		       uint32_t opcode, const uint32_t *pre, size_t npre,
		       const uint32_t *args, size_t nargs)
{
	size_t base = (size_t)slot * VY_SLOT_WORDS;
	size_t i;

	vy_set_word(ring, base + VY_SLOT_OPCODE_WORD, opcode);
	vy_set_word(ring, base + VY_SLOT_TENANT_WORD, tenant);
	vy_set_word(ring, base + VY_SLOT_PRIORITY_WORD, VY_PRIO_NORMAL);
	for (i = 0; i < VY_SLOT_ARGS; i++)
		vy_set_word(ring, base + VY_SLOT_ARG0_WORD + i, 0);
	for (i = 0; i < npre; i++)
		vy_set_word(ring, base + VY_SLOT_ARG0_WORD + i, pre[i]);
	for (i = 0; i < nargs; i++)
		vy_set_word(ring, base + VY_SLOT_ARG0_WORD + npre + i, args[i]);
	vy_set_word(ring, base + VY_SLOT_STATUS_WORD, VY_STATUS_PUBLISHED);
}

int vy_publish_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
		    uint32_t tenant, uint32_t opcode, const uint32_t *args,
		    size_t nargs, struct vy_err *e)
{
	int ret;

	ret = ring_slot_check(ring_len, slot, e);
	if (ret)
		return ret;
	ret = args_check(nargs, VY_SLOT_ARGS, e);
	if (ret)
		return ret;
	ret = vy_opcode_check(opcode, e);
	if (ret)
		return ret;
	ret = status_check(ring, slot, e);
	if (ret)
		return ret;
	write_slot(ring, slot, tenant, opcode, NULL, 0, args, nargs);
	return 0;
}

/* start + count fits u32 (as an exclusive end) and lies within the ring. */
static int window_check(uint32_t start, uint64_t count, uint32_t cap,
			struct vy_err *e)
{
	uint64_t end = (uint64_t)start + count;

	if (end > UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "start the window nearer to slot 0",
			       "window start %u + %llu slots overflows u32",
			       start, (unsigned long long)count);
	if (end > cap)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "use a larger ring or a smaller batch",
			       "slots %u..%llu exceed ring slot count %u", start,
			       (unsigned long long)(end - 1), cap);
	return 0;
}

int vy_batch_publish(uint8_t *ring, size_t ring_len, uint32_t start,
		     uint32_t tenant, const struct vy_slot_item *items,
		     size_t n, uint32_t batch_tag, uint32_t *published,
		     struct vy_err *e)
{
	uint32_t cap, fence[2], i;
	int ret;

	ret = ring_check(ring_len, &cap, e);
	if (ret)
		return ret;
	if (n >= UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "split the batch", "batch of %zu items does not fit u32", n);
	ret = window_check(start, (uint64_t)n + 1, cap, e);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = args_check(items[i].args.n, VY_SLOT_ARGS, e);
		if (!ret)
			ret = vy_opcode_check(items[i].opcode, e);
		if (ret)
			return item_error(ret, e, "batch", i);
	}
	for (i = 0; i <= n; i++) {
		ret = status_check(ring, start + i, e);
		if (ret)
			return ret;
	}
	for (i = 0; i < n; i++)
		write_slot(ring, start + i, tenant, items[i].opcode, NULL, 0,
			   items[i].args.v, items[i].args.n);
	fence[0] = (uint32_t)n;
	fence[1] = batch_tag;
	write_slot(ring, start + (uint32_t)n, tenant, VY_OP_BATCH_FENCE,
		   NULL, 0, fence, 2);
	if (published)
		*published = (uint32_t)n + 1;
	return 0;
}

static uint32_t meta_words(uint64_t n)
{
	return (uint32_t)((2 + 2 * n + 3) / 4);
}

int vy_packed_encode(const struct vy_packed_op *ops, size_t n,
		     uint32_t out[VY_SLOT_ARGS], struct vy_err *e)
{
	uint8_t bytes[VY_SLOT_ARGS * VY_WORD_BYTES];
	uint64_t total = 0;
	uint32_t m, at;
	size_t i, k;

	if (n > VY_PACKED_MAX_OPS)
		return vy_errf(e, VY_E_PACKED_TOO_MANY_OPS,
			       "pack at most 255 inner ops, or use several slots",
			       "%zu inner ops: a packed slot holds at most 255",
			       n);
	m = meta_words(n);
	if (m > VY_SLOT_ARGS)
		return vy_errf(e, VY_E_PACKED_OVER_BUDGET,
			       "pack at most 23 inner ops per slot",
			       "%u metadata words for %zu ops exceed the 12-word slot argument budget",
			       m, n);
	for (i = 0; i < n; i++)
		total += ops[i].args.n;
	if (m + total > VY_SLOT_ARGS)
		return vy_errf(e, VY_E_PACKED_OVER_BUDGET,
			       "move some ops to another packed slot",
			       "%u metadata words + %llu args exceeds the 12-word slot argument budget",
			       m, (unsigned long long)total);
	memset(bytes, 0, sizeof(bytes));
	bytes[0] = (uint8_t)n;
	bytes[1] = (uint8_t)total;
	at = 0;
	for (i = 0; i < n; i++) {
		bytes[2 + 2 * i] = ops[i].opcode;
		bytes[3 + 2 * i] = (uint8_t)at;
		for (k = 0; k < ops[i].args.n; k++)
			vy_put_le32(bytes + 4 * (m + at + k), ops[i].args.v[k]);
		at += (uint32_t)ops[i].args.n;
	}
	for (i = 0; i < VY_SLOT_ARGS; i++)
		out[i] = vy_le32(bytes + 4 * i);
	return 0;
}

int vy_publish_packed_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
			   uint32_t tenant, const struct vy_packed_op *ops,
			   size_t n, struct vy_err *e)
{
	uint32_t args[VY_SLOT_ARGS];
	int ret;

	ret = vy_packed_encode(ops, n, args, e);
	if (ret)
		return ret;
	return vy_publish_slot(ring, ring_len, slot, tenant, VY_OP_PACKED_SLOT,
			       args, VY_SLOT_ARGS, e);
}

int vy_packed_decode(const uint32_t args[VY_SLOT_ARGS],
		     struct vy_packed_view *out, struct vy_err *e)
{
	uint8_t bytes[VY_SLOT_ARGS * VY_WORD_BYTES];
	uint32_t n, t, m, i, next;
	size_t k;

	for (k = 0; k < VY_SLOT_ARGS; k++)
		vy_put_le32(bytes + 4 * k, args[k]);
	n = bytes[0];
	t = bytes[1];
	m = meta_words(n);
	if (m > VY_SLOT_ARGS)
		return vy_errf(e, VY_E_PACKED_OVER_BUDGET,
			       "pack at most 23 inner ops per slot",
			       "packed slot of %u ops needs %u metadata words, more than 12",
			       n, m);
	if (m + t > VY_SLOT_ARGS)
		return vy_errf(e, VY_E_PACKED_OVER_BUDGET,
			       "move some ops to another packed slot",
			       "%u metadata words + %u args exceeds the 12-word slot argument budget",
			       m, t);
	memset(out, 0, sizeof(*out));
	out->op_count = n;
	out->total_args = t;
	out->meta_words = m;
	for (i = 0; i < n; i++) {
		uint32_t off = bytes[3 + 2 * i];

		next = i + 1 < n ? bytes[3 + 2 * (i + 1)] : t;
		if (off > next)
			return vy_errf(e, VY_E_PACKED_OVER_BUDGET,
				       "write arg offsets in ascending order within the total",
				       "inner op %u has arg offset %u past the next op's %u",
				       i, off, next);
		out->ops[i].opcode = bytes[2 + 2 * i];
		out->ops[i].arg_offset = (uint8_t)off;
		out->ops[i].arg_count = (uint8_t)(next - off);
	}
	return 0;
}

static int work_opcodes_check(const struct vy_work_item *items, size_t n,
			      struct vy_err *e)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = vy_opcode_check(items[i].opcode, e);
		if (ret)
			return item_error(ret, e, "work", i);
	}
	return 0;
}

static void write_work_item(uint8_t *ring, uint32_t slot, uint32_t tenant,
			    const struct vy_work_item *it)
{
	uint32_t a[3] = { it->input, it->output, it->param };

	write_slot(ring, slot, tenant, it->opcode, NULL, 0, a, 3);
}

int vy_publish_work_items(uint8_t *ring, size_t ring_len, uint32_t start,
			  uint32_t tenant, const struct vy_work_item *items,
			  size_t n, uint32_t *published, struct vy_err *e)
{
	uint32_t cap, i;
	int ret;

	ret = work_opcodes_check(items, n, e);
	if (ret)
		return ret;
	ret = ring_check(ring_len, &cap, e);
	if (ret)
		return ret;
	if (n > UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE, "split the work items",
			       "%zu work items do not fit u32", n);
	ret = window_check(start, n, cap, e);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = status_check(ring, start + i, e);
		if (ret)
			return ret;
	}
	for (i = 0; i < n; i++)
		write_work_item(ring, start + i, tenant, &items[i]);
	if (published)
		*published = (uint32_t)n;
	return 0;
}

static int work_ring_check(uint32_t slot_count,
			   const struct vy_work_item *items, size_t n,
			   size_t *len, struct vy_err *e)
{
	int ret;

	if (n > slot_count)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "use a ring with at least one slot per work item",
			       "%zu work items exceed %u ring slots", n,
			       slot_count);
	ret = work_opcodes_check(items, n, e);
	if (ret)
		return ret;
	return vy_ring_encode_len(slot_count, len, e);
}

static void fill_work_ring(uint8_t *buf, size_t len, uint32_t tenant,
			   const struct vy_work_item *items, size_t n)
{
	size_t i;

	if (len)
		memset(buf, 0, len);
	for (i = 0; i < n; i++)
		write_work_item(buf, (uint32_t)i, tenant, &items[i]);
}

int vy_encode_work_items_ring(uint32_t slot_count, uint32_t tenant,
			      const struct vy_work_item *items, size_t n,
			      uint8_t **out, size_t *len, struct vy_err *e)
{
	size_t need = 0;
	uint8_t *buf = NULL;
	int ret;

	ret = work_ring_check(slot_count, items, n, &need, e);
	if (ret)
		return ret;
	if (need) {
		buf = calloc(1, need);
		if (!buf)
			return vy_errf(e, VY_E_NOMEM,
				       "free memory or use a smaller ring",
				       "cannot allocate %zu bytes", need);
	}
	fill_work_ring(buf, need, tenant, items, n);
	*out = buf;
	*len = need;
	return 0;
}

int vy_encode_work_items_ring_into(uint32_t slot_count, uint32_t tenant,
				   const struct vy_work_item *items, size_t n,
				   uint8_t *buf, size_t cap, size_t *len,
				   struct vy_err *e)
{
	size_t need = 0;
	int ret;

	ret = work_ring_check(slot_count, items, n, &need, e);
	if (ret)
		return ret;
	if (need > cap)
		return vy_errf(e, VY_E_INVAL,
			       "pass a buffer of slot_count * 64 bytes",
			       "ring needs %zu bytes, buffer holds %zu", need,
			       cap);
	fill_work_ring(buf, need, tenant, items, n);
	*len = need;
	return 0;
}

static const struct vy_args *window_payload(const struct vy_window *w,
					    size_t i, uint32_t *cls)
{
	if (i < w->n_required) {
		*cls = VY_WINDOW_CLASS_REQUIRED;
		return &w->required[i];
	}
	*cls = VY_WINDOW_CLASS_LOOKAHEAD;
	return &w->lookahead[i - w->n_required];
}

int vy_publish_window(uint8_t *ring, size_t ring_len,
		      const struct vy_window *w, uint32_t *published,
		      struct vy_err *e)
{
	uint64_t count = (uint64_t)w->n_required + w->n_lookahead;
	const struct vy_args *p;
	uint32_t cap, cls, pre[2];
	size_t i;
	int ret;

	ret = ring_check(ring_len, &cap, e);
	if (ret)
		return ret;
	if (count && (uint64_t)w->start + (count - 1) > UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "start the window nearer to slot 0",
			       "window start %u + %llu overflows u32", w->start,
			       (unsigned long long)(count - 1));
	/* each payload in upstream order, all checked before any write */
	for (i = 0; i < count; i++) {
		uint32_t slot = w->start + (uint32_t)i;

		p = window_payload(w, i, &cls);
		ret = slot_in_range(slot, cap, e);
		if (!ret)
			ret = args_check(p->n, VY_WINDOW_PAYLOAD_MAX, e);
		if (!ret)
			ret = vy_opcode_check(w->opcode, e);
		if (!ret)
			ret = status_check(ring, slot, e);
		if (ret)
			return ret;
	}
	pre[0] = w->ticket;
	for (i = 0; i < count; i++) {
		p = window_payload(w, i, &cls);
		pre[1] = cls;
		write_slot(ring, w->start + (uint32_t)i, w->tenant, w->opcode,
			   pre, 2, p->v, p->n);
	}
	if (published)
		*published = (uint32_t)count;
	return 0;
}

int vy_ring_write_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
		       const uint8_t src[VY_SLOT_BYTES], struct vy_err *e)
{
	int ret;

	ret = ring_slot_check(ring_len, slot, e);
	if (ret)
		return ret;
	/* payload first, status word last */
	memcpy(ring + (size_t)slot * VY_SLOT_BYTES + VY_WORD_BYTES,
	       src + VY_WORD_BYTES, VY_SLOT_BYTES - VY_WORD_BYTES);
	memcpy(ring + (size_t)slot * VY_SLOT_BYTES, src, VY_WORD_BYTES);
	return 0;
}

int vy_ring_read_slot(const uint8_t *ring, size_t ring_len, uint32_t slot,
		      uint8_t dst[VY_SLOT_BYTES], struct vy_err *e)
{
	int ret;

	ret = ring_slot_check(ring_len, slot, e);
	if (ret)
		return ret;
	memcpy(dst, ring + (size_t)slot * VY_SLOT_BYTES, VY_SLOT_BYTES);
	return 0;
}

int vy_slot_transition(uint8_t *ring, size_t ring_len, uint32_t slot,
		       enum vy_transition t, uint32_t *prev,
		       struct vy_err *e)
{
	static const char *const tname[] = { "claim", "done", "fault",
					     "cancel" };
	uint32_t st, to, allowed;
	int ret;

	ret = ring_slot_check(ring_len, slot, e);
	if (ret)
		return ret;
	switch (t) {
	case VY_TRANS_CLAIM:
		allowed = 1u << VY_STATUS_PUBLISHED | 1u << VY_STATUS_YIELD |
			  1u << VY_STATUS_REQUEUE;
		to = VY_STATUS_CLAIMED;
		break;
	case VY_TRANS_DONE:
		allowed = 1u << VY_STATUS_CLAIMED;
		to = VY_STATUS_DONE;
		break;
	case VY_TRANS_FAULT:
		allowed = 1u << VY_STATUS_PUBLISHED | 1u << VY_STATUS_CLAIMED |
			  1u << VY_STATUS_WAIT_IO | 1u << VY_STATUS_YIELD |
			  1u << VY_STATUS_REQUEUE;
		to = VY_STATUS_FAULT;
		break;
	case VY_TRANS_CANCEL:
		allowed = 1u << VY_STATUS_PUBLISHED | 1u << VY_STATUS_WAIT_IO |
			  1u << VY_STATUS_YIELD | 1u << VY_STATUS_REQUEUE;
		to = VY_STATUS_EMPTY;
		break;
	default:
		return vy_errf(e, VY_E_INVAL, "use a VY_TRANS_* value",
			       "unknown slot transition %d", (int)t);
	}
	st = slot_status(ring, slot);
	if (st >= 32 || !(allowed & 1u << st))
		return vy_errf(e, VY_E_SLOT_NOT_PUBLISHABLE,
			       "read the slot status again and pick a transition it allows",
			       "slot %u is %s (status %u); %s is not allowed from it",
			       slot, vy_slot_status_name(st), st,
			       tname[t]);
	vy_set_word(ring, (size_t)slot * VY_SLOT_WORDS + VY_SLOT_STATUS_WORD,
		    to);
	if (prev)
		*prev = st;
	return 0;
}
