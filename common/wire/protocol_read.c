/* SPDX-License-Identifier: MIT */
/*
 * protocol_read.c - readers of the control buffer and the ring, the debug
 * log decoder, the IO queue host API and LOAD_MISS slots.
 *
 * Readers take buffers straight from a device or a dump, so every word is
 * bounds-checked before it is loaded; nothing here trusts a length or a
 * cursor found inside the data.
 */
#include "wire/protocol.h"

#include <string.h>

#include "wire/util.h"

#define HINT_WORDS "pass the buffer exactly as read back (whole u32 words)"

static int aligned(size_t len, const char *what, struct vy_err *e)
{
	if (len % VY_WORD_BYTES)
		return vy_errf(e, VY_E_BUFFER_MISALIGNED, HINT_WORDS,
			       "%s of %zu bytes is not made of whole u32 words",
			       what, len);
	return 0;
}

static int missing(size_t len, uint64_t word, const char *what,
		   struct vy_err *e)
{
	return vy_errf(e, VY_E_MISSING_WORD,
		       "pass the whole buffer, not a prefix of it",
		       "%s of %zu bytes lacks word %llu", what, len,
		       (unsigned long long)word);
}

/* ------------------------------------------------------------------ */
/* Debug log                                                           */

int vy_debug_log_parse(const uint8_t *buf, size_t len, enum vy_read_mode mode,
		       struct vy_debug_log_view *v, struct vy_err *e)
{
	uint64_t rec_words, cursor, stored;
	int ret;

	ret = aligned(len, "debug log", e);
	if (ret)
		return ret;
	if (len < VY_WORD_BYTES)
		return missing(len, VY_DEBUG_CURSOR_WORD, "debug log", e);
	cursor = vy_word(buf, VY_DEBUG_CURSOR_WORD);
	rec_words = len / VY_WORD_BYTES - 1;
	if (mode == VY_READ_STRICT && cursor > rec_words)
		return vy_errf(e, VY_E_DEBUG_LOG_CURSOR_PAST_CAPACITY,
			       "read it in lenient mode to keep the stored records",
			       "debug log cursor %llu must stay within the encoded record capacity of %llu words",
			       (unsigned long long)cursor,
			       (unsigned long long)rec_words);
	if (cursor % VY_DEBUG_RECORD_WORDS)
		return vy_errf(e, VY_E_DEBUG_LOG_PARTIAL_RECORD,
			       "check that the buffer is a debug log and not another buffer",
			       "debug log cursor %llu does not advance in whole PRINTF records",
			       (unsigned long long)cursor);
	stored = (cursor < rec_words ? cursor : rec_words) /
		 VY_DEBUG_RECORD_WORDS;
	v->cursor = (uint32_t)cursor;
	v->capacity = (uint32_t)(rec_words / VY_DEBUG_RECORD_WORDS);
	v->stored = (uint32_t)stored;
	v->dropped = (uint32_t)(cursor / VY_DEBUG_RECORD_WORDS - stored);
	return 0;
}

void vy_debug_log_record(const uint8_t *buf, uint32_t i,
			 struct vy_debug_record *r)
{
	size_t base = VY_DEBUG_RECORDS_BASE + (size_t)i * VY_DEBUG_RECORD_WORDS;

	r->fmt_id = vy_word(buf, base);
	r->args[0] = vy_word(buf, base + 1);
	r->args[1] = vy_word(buf, base + 2);
	r->args[2] = vy_word(buf, base + 3);
}

/* ------------------------------------------------------------------ */
/* Control readers                                                     */

int vy_read_control_word(const uint8_t *c, size_t len, uint32_t word,
			 uint32_t *out, struct vy_err *e)
{
	int ret;

	ret = aligned(len, "control buffer", e);
	if (ret)
		return ret;
	if ((uint64_t)word >= len / VY_WORD_BYTES)
		return missing(len, word, "control buffer", e);
	*out = vy_word(c, word);
	return 0;
}

int vy_read_done_count(const uint8_t *c, size_t len, uint32_t *out,
		       struct vy_err *e)
{
	return vy_read_control_word(c, len, VY_CTL_DONE_COUNT, out, e);
}

int vy_read_epoch(const uint8_t *c, size_t len, uint32_t *out,
		  struct vy_err *e)
{
	return vy_read_control_word(c, len, VY_CTL_EPOCH, out, e);
}

int vy_read_observable(const uint8_t *c, size_t len, uint32_t index,
		       uint32_t *out, struct vy_err *e)
{
	if (index > UINT32_MAX - VY_CTL_OBSERVABLE_BASE)
		return vy_errf(e, VY_E_INDEX_OVERFLOW,
			       "use an observable index below 4294967136",
			       "observable index %u: 160 + index overflows u32",
			       index);
	return vy_read_control_word(c, len, VY_CTL_OBSERVABLE_BASE + index,
				    out, e);
}

uint32_t vy_read_done_count_or_zero(const uint8_t *c, size_t len)
{
	uint32_t v;

	return vy_read_done_count(c, len, &v, NULL) ? 0 : v;
}

uint32_t vy_read_epoch_or_zero(const uint8_t *c, size_t len)
{
	uint32_t v;

	return vy_read_epoch(c, len, &v, NULL) ? 0 : v;
}

uint32_t vy_read_observable_or_zero(const uint8_t *c, size_t len,
				    uint32_t index)
{
	uint32_t v;

	return vy_read_observable(c, len, index, &v, NULL) ? 0 : v;
}

int vy_read_metrics(const uint8_t *c, size_t len, enum vy_read_mode mode,
		    uint32_t out[VY_CTL_METRICS_SLOTS], struct vy_err *e)
{
	size_t words = len / VY_WORD_BYTES;
	uint32_t i;
	int ret;

	if (mode == VY_READ_STRICT) {
		ret = aligned(len, "control buffer", e);
		if (ret)
			return ret;
		if (words < VY_CTL_METRICS_BASE + VY_CTL_METRICS_SLOTS)
			return missing(len, VY_CTL_METRICS_BASE +
				       VY_CTL_METRICS_SLOTS - 1,
				       "control buffer", e);
	}
	for (i = 0; i < VY_CTL_METRICS_SLOTS; i++)
		out[i] = VY_CTL_METRICS_BASE + i < words ?
			 vy_word(c, VY_CTL_METRICS_BASE + i) : 0;
	return 0;
}

static uint32_t count_done(const uint8_t *ring, uint32_t n)
{
	uint32_t i, done = 0;

	for (i = 0; i < n; i++)
		if (vy_word(ring, (size_t)i * VY_SLOT_WORDS) == VY_STATUS_DONE)
			done++;
	return done;
}

int vy_count_done_ring_slots(const uint8_t *ring, size_t len,
			     uint32_t item_count, uint32_t *out,
			     struct vy_err *e)
{
	int ret;

	if (item_count == 0) {
		*out = 0;
		return 0;
	}
	ret = aligned(len, "ring", e);
	if (ret)
		return ret;
	if ((uint64_t)len < (uint64_t)item_count * VY_SLOT_BYTES)
		return vy_errf(e, VY_E_MISSING_WORD,
			       "pass the whole ring, not a prefix of it",
			       "%u slots need %llu bytes, ring has %zu",
			       item_count,
			       (unsigned long long)item_count * VY_SLOT_BYTES,
			       len);
	*out = count_done(ring, item_count);
	return 0;
}

int vy_count_done_ring_slots_lenient(const uint8_t *ring, size_t len,
				     uint32_t item_count, uint32_t *out)
{
	if (item_count == 0 ||
	    (uint64_t)len < (uint64_t)item_count * VY_SLOT_BYTES)
		return 0;
	*out = count_done(ring, item_count);
	return 1;
}

/* ------------------------------------------------------------------ */
/* IO queue                                                            */

static size_t io_word(uint32_t slot, uint32_t w)
{
	return (size_t)slot * VY_IO_SLOT_WORDS + w;
}

static uint32_t io_status(const uint8_t *q, uint32_t slot)
{
	return vy_word(q, io_word(slot, VY_IO_STATUS_WORD));
}

static void io_request(const uint8_t *q, uint32_t slot,
		       struct vy_io_request *r)
{
	r->slot_idx = slot;
	r->op_type = vy_word(q, io_word(slot, VY_IO_OP_TYPE_WORD));
	r->src_handle = vy_word(q, io_word(slot, VY_IO_SRC_HANDLE_WORD));
	r->dst_handle = vy_word(q, io_word(slot, VY_IO_DST_HANDLE_WORD));
	r->offset = (uint64_t)vy_word(q, io_word(slot, VY_IO_OFFSET_HI_WORD))
			    << 32 |
		    vy_word(q, io_word(slot, VY_IO_OFFSET_LO_WORD));
	r->byte_count = vy_word(q, io_word(slot, VY_IO_BYTE_COUNT_WORD));
	r->tag = vy_word(q, io_word(slot, VY_IO_TAG_WORD));
}

static int io_scan(uint8_t *wq, const uint8_t *q, size_t len,
		   struct vy_io_request *out, size_t cap, size_t *n,
		   struct vy_err *e)
{
	uint32_t slots, s;
	size_t k = 0;
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (ret)
		return ret;
	slots = (uint32_t)(len / VY_IO_SLOT_BYTES);
	for (s = 0; s < slots && k < cap; s++) {
		if (io_status(q, s) != VY_IO_STATUS_PUBLISHED)
			continue;
		if (wq)
			vy_set_word(wq, io_word(s, VY_IO_STATUS_WORD),
				    VY_IO_STATUS_CLAIMED);
		io_request(q, s, &out[k++]);
	}
	*n = k;
	return 0;
}

int vy_io_poll(const uint8_t *q, size_t len, struct vy_io_request *out,
	       size_t cap, size_t *n, struct vy_err *e)
{
	return io_scan(NULL, q, len, out, cap, n, e);
}

int vy_io_claim(uint8_t *q, size_t len, struct vy_io_request *out,
		size_t cap, size_t *n, struct vy_err *e)
{
	return io_scan(q, q, len, out, cap, n, e);
}

static int io_slot_check(size_t len, uint32_t slot, struct vy_err *e)
{
	if ((uint64_t)slot >= len / VY_IO_SLOT_BYTES)
		return vy_errf(e, VY_E_IO_SLOT_OUT_OF_RANGE,
			       "use an IO slot id below the queue's slot count",
			       "io slot %u exceeds queue length of %zu slots (not a valid slot id)",
			       slot, len / VY_IO_SLOT_BYTES);
	return 0;
}

static int complete_check(const uint8_t *q, size_t len, uint32_t slot,
			  struct vy_err *e)
{
	uint32_t st;
	int ret;

	ret = io_slot_check(len, slot, e);
	if (ret)
		return ret;
	st = io_status(q, slot);
	if (st != VY_IO_STATUS_CLAIMED)
		return vy_errf(e, VY_E_IO_NOT_CLAIMED,
			       "claim the request before completing it",
			       "io slot %u has status 0x%x; completion requires a CLAIMED request",
			       slot, st);
	return 0;
}

static void complete_write(uint8_t *q, uint32_t slot, bool success)
{
	vy_set_word(q, io_word(slot, VY_IO_STATUS_WORD),
		    success ? VY_IO_STATUS_OK : VY_IO_STATUS_ERROR);
}

int vy_io_complete(uint8_t *q, size_t len, uint32_t slot, bool success,
		   struct vy_err *e)
{
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (!ret)
		ret = complete_check(q, len, slot, e);
	if (ret)
		return ret;
	complete_write(q, slot, success);
	return 0;
}

int vy_io_complete_batch(uint8_t *q, size_t len,
			 const struct vy_io_completion_entry *entries,
			 size_t n, struct vy_err *e)
{
	size_t i;
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		ret = complete_check(q, len, entries[i].slot, e);
		if (ret)
			return ret;
	}
	for (i = 0; i < n; i++)
		complete_write(q, entries[i].slot, entries[i].success);
	return 0;
}

int vy_io_submit_dma_read(uint8_t *q, size_t len, uint32_t slot,
			  uint32_t src, uint32_t dst, uint32_t byte_count,
			  uint32_t tag, struct vy_err *e)
{
	uint32_t st;
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (!ret)
		ret = io_slot_check(len, slot, e);
	if (ret)
		return ret;
	st = io_status(q, slot);
	if (st != VY_IO_STATUS_EMPTY)
		return vy_errf(e, VY_E_IO_SLOT_IN_FLIGHT,
			       "wait until the kernel recycles the IO slot, or use another one",
			       "io slot %u is still in flight (status 0x%x)",
			       slot, st);
	vy_set_word(q, io_word(slot, VY_IO_OP_TYPE_WORD), VY_IO_OP_READ);
	vy_set_word(q, io_word(slot, VY_IO_SRC_HANDLE_WORD), src);
	vy_set_word(q, io_word(slot, VY_IO_DST_HANDLE_WORD), dst);
	vy_set_word(q, io_word(slot, VY_IO_OFFSET_LO_WORD), 0);
	vy_set_word(q, io_word(slot, VY_IO_OFFSET_HI_WORD), 0);
	vy_set_word(q, io_word(slot, VY_IO_BYTE_COUNT_WORD), byte_count);
	vy_set_word(q, io_word(slot, VY_IO_TAG_WORD), tag);
	vy_set_word(q, io_word(slot, VY_IO_STATUS_WORD),
		    VY_IO_STATUS_PUBLISHED);
	return 0;
}

int vy_io_publish(uint8_t *q, size_t len, uint32_t slot, uint32_t mapped_slot,
		  uint32_t byte_count, uint32_t tag, struct vy_err *e)
{
	return vy_io_submit_dma_read(q, len, slot, 0, mapped_slot, byte_count,
				     tag, e);
}

int vy_io_completion(const uint8_t *q, size_t len, uint32_t slot,
		     struct vy_io_completion *out, struct vy_err *e)
{
	uint32_t st;
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (ret)
		return ret;
	if ((uint64_t)slot >= len / VY_IO_SLOT_BYTES)
		return 0;
	st = io_status(q, slot);
	if (st == VY_IO_STATUS_EMPTY)
		return 0;
	out->mapped_slot = vy_word(q, io_word(slot, VY_IO_DST_HANDLE_WORD));
	out->byte_count = vy_word(q, io_word(slot, VY_IO_BYTE_COUNT_WORD));
	out->tag = vy_word(q, io_word(slot, VY_IO_TAG_WORD));
	out->status = st;
	return 1;
}

int vy_io_is_recycled(const uint8_t *q, size_t len, uint32_t slot,
		      struct vy_err *e)
{
	int ret;

	ret = vy_validate_io_queue(len, e);
	if (ret)
		return ret;
	if ((uint64_t)slot >= len / VY_IO_SLOT_BYTES)
		return 0;
	return io_status(q, slot) == VY_IO_STATUS_EMPTY;
}

/* ------------------------------------------------------------------ */
/* LOAD_MISS                                                           */

void vy_encode_load_miss_ex(uint32_t resource_id, bool prefetch,
			    uint32_t tenant, uint32_t priority,
			    uint8_t out[VY_SLOT_BYTES])
{
	memset(out, 0, VY_SLOT_BYTES);
	vy_set_word(out, VY_SLOT_STATUS_WORD, VY_STATUS_PUBLISHED);
	vy_set_word(out, VY_SLOT_OPCODE_WORD, VY_OP_LOAD_MISS);
	vy_set_word(out, VY_SLOT_TENANT_WORD, tenant);
	vy_set_word(out, VY_SLOT_PRIORITY_WORD, priority);
	vy_set_word(out, VY_SLOT_ARG0_WORD, resource_id);
	vy_set_word(out, VY_SLOT_ARG0_WORD + 1, prefetch ? 1 : 0);
}

void vy_encode_load_miss(uint32_t resource_id, bool prefetch,
			 uint8_t out[VY_SLOT_BYTES])
{
	vy_encode_load_miss_ex(resource_id, prefetch, 0, VY_PRIO_CRITICAL, out);
}

bool vy_decode_load_miss(const uint8_t *ring, size_t len, uint64_t slot,
			 uint32_t *resource_id, bool *prefetch)
{
	uint64_t base, words = len / VY_WORD_BYTES;

	if (slot > UINT32_MAX / VY_SLOT_WORDS)
		return false;
	base = slot * VY_SLOT_WORDS;
	/* words 1, 4 and 5 of the slot; 5 is the last one needed */
	if (base + VY_SLOT_ARG0_WORD + 1 >= words)
		return false;
	if (vy_word(ring, (size_t)(base + VY_SLOT_OPCODE_WORD)) !=
	    VY_OP_LOAD_MISS)
		return false;
	*resource_id = vy_word(ring, (size_t)(base + VY_SLOT_ARG0_WORD));
	*prefetch = vy_word(ring, (size_t)(base + VY_SLOT_ARG0_WORD + 1)) != 0;
	return true;
}
