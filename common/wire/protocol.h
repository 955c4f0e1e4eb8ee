/* SPDX-License-Identifier: MIT */
/*
 * protocol.h - the megakernel wire protocol (protocol.md sections 1-4, 6).
 *
 * Four buffers travel between host and kernel, in this ABI order:
 *
 *	0 control	(160 + observable_slots) words of counters and tables
 *	1 ring		slot_count slots of 16 words (64 bytes)
 *	2 debug log	1 cursor word + 64 PRINTF records of 4 words (1028 bytes)
 *	3 io queue	64 IO slots of 8 words (2048 bytes)
 *
 * Every buffer is a flat array of little-endian u32 words.  All functions
 * here take byte buffers (uint8_t *, length in bytes) and use explicit LE
 * loads and stores, so the buffer may have any alignment and the host any
 * endianness.  Word indices are indices into such a buffer; byte offset =
 * 4 * word index.
 *
 * Contract shared by every function in this header:
 *   - returns 0 (or a documented non-negative value) on success and a
 *     negative VY_E_* code on failure, filling @e (may be NULL) with a
 *     message and a hint;
 *   - never prints, exits, aborts or allocates unless documented;
 *   - a failing call leaves every buffer it was given unchanged (all
 *     checks run before the first write);
 *   - the caller owns every buffer; nothing is retained after return.
 *
 * The exact check order of each function is the one given in
 * ../shared/vectors/README.md section 3 and is part of the contract.
 */
#ifndef VY_PROTOCOL_H
#define VY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"

/* ------------------------------------------------------------------ */
/* Wire constants                                                      */

/*
 * Every constant of the wire (control word map, slot words, statuses,
 * priorities, opcodes, debug log, IO queue, limits, kernel mode bits) is
 * defined once, in wire/wire.def; the build generates wire/wire.h from it
 * and puts the same constants, as #defines, in front of every kernel.
 * Units: *_WORD and *_BASE are word indices, *_WORDS and *_SLOTS counts,
 * *_BYTES bytes.
 */
#include "wire/wire.h"

/*
 * The wire block as OpenCL C source (NUL-terminated; vy_wire_cl_len
 * without the NUL), ending with "#line 1": a kernel source read at run
 * time goes after it, as the embedded kernels do.
 */
extern const char vy_wire_cl_src[];
extern const size_t vy_wire_cl_len;

/* Bytes needed to hold the priority offsets (words up to 134): 540. */
#define VY_CONTROL_PRIORITY_MIN_BYTES \
	((VY_CTL_PRIORITY_OFFSETS_BASE + VY_CTL_PRIORITY_OFFSETS_SLOTS) * \
	 VY_WORD_BYTES)

/* Reader mode: strict = upstream try_* semantics, lenient = *_or_zero. */
enum vy_read_mode {
	VY_READ_STRICT = 0,
	VY_READ_LENIENT = 1,
};

/* Published, Claimed, WaitIo, Yield, Requeue: work still in flight. */
static inline bool vy_slot_status_is_active(uint32_t status)
{
	return status == VY_STATUS_PUBLISHED || status == VY_STATUS_CLAIMED ||
	       status == VY_STATUS_WAIT_IO || status == VY_STATUS_YIELD ||
	       status == VY_STATUS_REQUEUE;
}

/* ================================================================== */
/* Names                                                               */

/*
 * Slot status names come from one table with two spellings per status.
 *
 * vy_slot_status_name: snake_case for machine output: "empty",
 * "published", "claimed", "done", "wait_io", "yield", "requeue", "fault",
 * or "unknown" for any other value.  Static storage.
 */
const char *vy_slot_status_name(uint32_t status);

/*
 * The upstream (vector) spelling: "Empty", "Published", "Claimed",
 * "Done", "WaitIo", "Yield", "Requeue", "Fault"; any other value is
 * written into @tmp (@tmplen bytes) as "Unknown(<status>)" and @tmp is
 * returned.  Static storage otherwise.
 */
const char *vy_slot_status_upstream(uint32_t status, char *tmp,
				    size_t tmplen);

/*
 * Parse a slot status, the inverse of both spellings: a name of either
 * ("wait_io", "WaitIo"; case and '_' are ignored, so "WAIT_IO" works),
 * "Unknown(<number>)", or a number (decimal or 0x hex, up to 0xFFFFFFFF;
 * no octal, no sign).  "unknown" alone names no value and is rejected.
 * 0 with *@out set, or VY_E_INVAL with *@out unchanged.
 */
int vy_slot_status_parse(const char *s, uint32_t *out);

/*
 * snake_case name of an opcode: "nop", "store_u32", "atomic_add",
 * "load_u32", "compare_swap", "memcpy", "dfa_step", "batch_fence",
 * "printf", "packed_slot", "shutdown", "load_miss"; NULL for any other
 * (user or reserved) value.  Static storage.
 */
const char *vy_opcode_name(uint32_t op);

/*
 * Write the opcode's name, or its number when it has none (decimal below
 * 0xfff0, "0x%x" from there: "12", "0xfff0", "0x80000000"), into @buf of
 * @len bytes (always NUL-terminated when len > 0).  Returns @buf.
 */
const char *vy_opcode_format(uint32_t op, char *buf, size_t len);

/*
 * Parse an opcode: a name above (case-insensitive, so "STORE_U32" works)
 * or a number (decimal or 0x hex, up to 0xFFFFFFFF; no octal, no sign).
 * Does not check publishability.  0 or VY_E_INVAL.
 */
int vy_opcode_parse(const char *s, uint32_t *out);

/* ================================================================== */
/* Sizing (protocol.md 1.2): pure; false when above the protocol cap.  */

bool vy_control_byte_len(uint64_t observable_slots, uint64_t *bytes);
bool vy_ring_byte_len(uint64_t slot_count, uint64_t *bytes);
bool vy_debug_log_byte_len(uint64_t record_capacity, uint64_t *bytes);

/*
 * Byte length of an empty IO queue of @slot_count slots (n * 32).
 * Errors: VY_E_IO_QUEUE_ZERO_SLOTS (n = 0), VY_E_IO_QUEUE_TOO_LARGE (> 64).
 */
int vy_io_queue_byte_len(uint64_t slot_count, size_t *bytes,
			 struct vy_err *e);

/*
 * Byte length of an encoded ring of @slot_count slots (n * 64), as the
 * ring encoders size it.  Errors: VY_E_RING_ENCODE_CAP (> 1048576).
 */
int vy_ring_encode_len(uint32_t slot_count, size_t *len, struct vy_err *e);

/* ================================================================== */
/* Encoders (protocol.md 1.3, 2.2)                                     */
/*
 * Each encoder has two forms.  The allocating form sets *@out to a
 * malloc'd buffer (the caller frees it; NULL for a zero-length result)
 * and *@len to its length.  The _into form writes into @buf of capacity
 * @cap bytes and sets *@len; VY_E_INVAL when @cap is too small.
 * Errors besides those: VY_E_NOMEM.
 */

/*
 * Control image: word 0 = shutdown, word 2 = 3, mask words 3 .. 3 +
 * min(tenant_count, 29) - 1 = 0xFFFFFFFF, quota words 32 .. 32 +
 * min(tenant_count, 32) - 1 = 1000000, everything else 0 (priority
 * offsets are NOT written).  Length (160 + observable_slots) * 4.
 * Errors: VY_E_CONTROL_ENCODE_CAP (observable_slots > 1048576).
 */
int vy_encode_control(bool shutdown, uint32_t tenant_count,
		      uint32_t observable_slots, uint8_t **out, size_t *len,
		      struct vy_err *e);
int vy_encode_control_into(bool shutdown, uint32_t tenant_count,
			   uint32_t observable_slots, uint8_t *buf,
			   size_t cap, size_t *len, struct vy_err *e);

/*
 * The canonical fresh control image (MegakernelResidentBuffers::reset):
 * vy_encode_control, then the default priority offsets for a ring of
 * @slot_count slots in words 129..134.  Same errors as vy_encode_control.
 */
int vy_encode_control_with_offsets(bool shutdown, uint32_t tenant_count,
				   uint32_t observable_slots,
				   uint32_t slot_count, uint8_t **out,
				   size_t *len, struct vy_err *e);
int vy_encode_control_with_offsets_into(bool shutdown, uint32_t tenant_count,
					uint32_t observable_slots,
					uint32_t slot_count, uint8_t *buf,
					size_t cap, size_t *len,
					struct vy_err *e);

/* slot_count * 64 zero bytes.  Errors: VY_E_RING_ENCODE_CAP (> 1048576). */
int vy_encode_empty_ring(uint32_t slot_count, uint8_t **out, size_t *len,
			 struct vy_err *e);
int vy_encode_empty_ring_into(uint32_t slot_count, uint8_t *buf, size_t cap,
			      size_t *len, struct vy_err *e);

/* (1 + 4r) * 4 zero bytes.  Errors: VY_E_DEBUG_LOG_ENCODE_CAP (> 1048576). */
int vy_encode_empty_debug_log(uint32_t record_capacity, uint8_t **out,
			      size_t *len, struct vy_err *e);
int vy_encode_empty_debug_log_into(uint32_t record_capacity, uint8_t *buf,
				   size_t cap, size_t *len, struct vy_err *e);

/* n * 32 zero bytes, 1 <= n <= 64.  Errors as vy_io_queue_byte_len. */
int vy_encode_empty_io_queue(uint32_t slot_count, uint8_t **out, size_t *len,
			     struct vy_err *e);
int vy_encode_empty_io_queue_into(uint32_t slot_count, uint8_t *buf,
				  size_t cap, size_t *len, struct vy_err *e);

/* ================================================================== */
/* Validation (protocol.md 1.4, 1.5)                                   */

/* len >= 640 and len % 4 == 0.  Errors: VY_E_CONTROL_INVALID. */
int vy_validate_control(size_t len, struct vy_err *e);

/* len == 1028 exactly.  Errors: VY_E_DEBUG_LOG_SIZE. */
int vy_validate_debug_log(size_t len, struct vy_err *e);

/*
 * In order: VY_E_IO_QUEUE_MISALIGNED (len % 4), VY_E_IO_QUEUE_PARTIAL_SLOT
 * (len % 32), VY_E_IO_QUEUE_TOO_LARGE (len / 32 > 64).  0 bytes is valid.
 */
int vy_validate_io_queue(size_t len, struct vy_err *e);

/*
 * Dispatch check of the four lengths (ABI order) against the compiled
 * ring of @slot_count slots: control, then debug log, then IO queue, then
 * ring (VY_E_RING_SIZE unless ring == slot_count * 64).
 */
int vy_validate_dispatch(const uint64_t lens[VY_BUF_COUNT],
			 uint64_t slot_count, struct vy_err *e);

/*
 * Readback check of @n output lengths: VY_E_READBACK_BUFFER_COUNT (n != 4),
 * _CONTROL_INVALID, _DEBUG_LOG_SIZE, _IO_QUEUE_MISALIGNED,
 * _IO_QUEUE_PARTIAL_SLOT, _IO_QUEUE_TOO_LARGE, _RING_LEN_OVERFLOW
 * (slot_count > 268435455), _RING_SIZE (ring != slot_count * 64).
 */
int vy_validate_readback(const uint64_t *lens, size_t n, uint64_t slot_count,
			 struct vy_err *e);

/* Byte counters of a readback (protocol.md 1.5 counters()). */
struct vy_readback_counters {
	uint64_t control_bytes;
	uint64_t ring_bytes;
	uint64_t debug_log_bytes;
	uint64_t io_queue_bytes;
	uint64_t total_bytes;
};

/* Fill @out from the four lengths.  Errors: VY_E_INVAL if the sum wraps. */
int vy_readback_counters(const uint64_t lens[VY_BUF_COUNT],
			 struct vy_readback_counters *out, struct vy_err *e);

/*
 * Slot count of a ring of @ring_len bytes.  Errors:
 * VY_E_RING_NOT_WHOLE_SLOTS (len % 64), VY_E_SLOT_OUT_OF_RANGE (> u32).
 */
int vy_ring_slot_count(uint64_t ring_len, uint32_t *slots, struct vy_err *e);

/* Launch shape: grid in work-groups, work-group size in lanes. */
struct vy_launch_shape {
	uint32_t grid[3];
	uint32_t workgroup[3];
};

/*
 * Bootstrap geometry: slot_count != 0, workgroup_size_x != 0 and
 * slot_count % workgroup_size_x == 0, else VY_E_GEOMETRY_INVALID.
 * grid = [slots / wg, 1, 1], workgroup = [wg, 1, 1].
 */
int vy_bootstrap_geometry(uint32_t slot_count, uint32_t workgroup_size_x,
			  struct vy_launch_shape *out, struct vy_err *e);

/* ================================================================== */
/* Opcode classes (protocol.md 4.2)                                    */

bool vy_opcode_is_system(uint32_t op);
bool vy_opcode_is_builtin(uint32_t op);
bool vy_opcode_is_publishable(uint32_t op);

/* 0, or VY_E_OPCODE_RESERVED when @op is not publishable. */
int vy_opcode_check(uint32_t op, struct vy_err *e);

/* ================================================================== */
/* Priority offsets (protocol.md 2.3, 5.7)                             */

/*
 * The six words 129..134 for @total_slots: partitions 0..4 of
 * total / 5 slots each, NORMAL taking the remainder; out[5] = total.
 */
void vy_default_priority_offsets(uint32_t total_slots,
				 uint32_t out[VY_CTL_PRIORITY_OFFSETS_SLOTS]);

/*
 * Write those words into @control (only words 129..134 change).
 * Errors: VY_E_PRIORITY_CONTROL_MISALIGNED (len % 4),
 * VY_E_PRIORITY_CONTROL_TOO_SHORT (len < 540).
 */
int vy_write_default_priority_offsets(uint8_t *control, size_t len,
				      uint32_t total_slots, struct vy_err *e);

/* ceil(slots / width), 0 for an empty partition; width 0 counts as 1. */
uint32_t vy_priority_probe_count(uint32_t partition_slots,
				 uint32_t worker_width);
/* min(slots, max(width, 1)). */
uint32_t vy_priority_active_lane_count(uint32_t partition_slots,
				       uint32_t worker_width);
/* active * probes.  Errors: VY_E_PROBE_BUDGET_OVERFLOW (> u32). */
int vy_priority_probe_budget(uint32_t partition_slots, uint32_t worker_width,
			     uint32_t *out, struct vy_err *e);

/* ================================================================== */
/* Publishing (protocol.md 6.2)                                        */
/*
 * Every publisher takes the raw ring bytes; ring_len must be a multiple
 * of 64 (VY_E_RING_NOT_WHOLE_SLOTS, checked first).  A target slot must be
 * EMPTY or DONE (VY_E_SLOT_NOT_PUBLISHABLE).  Each written slot gets its
 * opcode, tenant, priority NORMAL (2), all 12 arg words zeroed and then
 * the args, and STATUS = PUBLISHED written last.  Multi-slot publishers
 * are all-or-nothing: everything is checked before the first write.
 * Nothing outside the target slots is touched.
 */

/* Up to 12 argument words. */
struct vy_args {
	const uint32_t *v;
	size_t n;
};

/*
 * Checks, in order: ring length, slot < capacity (VY_E_SLOT_OUT_OF_RANGE),
 * nargs <= 12 (VY_E_TOO_MANY_ARGS), opcode publishable
 * (VY_E_OPCODE_RESERVED), status.
 */
int vy_publish_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
		    uint32_t tenant, uint32_t opcode, const uint32_t *args,
		    size_t nargs, struct vy_err *e);

struct vy_slot_item {
	uint32_t opcode;
	struct vy_args args;
};

/*
 * Publish @n items at start.. and a BATCH_FENCE slot at start + n with
 * args [n, batch_tag].  *@published (may be NULL) = n + 1.  Checks, in
 * order: ring length; start + n + 1 fits u32 and <= capacity
 * (VY_E_SLOT_OUT_OF_RANGE); every item's payload (args, opcode); the fence
 * payload; every target status.
 */
int vy_batch_publish(uint8_t *ring, size_t ring_len, uint32_t start,
		     uint32_t tenant, const struct vy_slot_item *items,
		     size_t n, uint32_t batch_tag, uint32_t *published,
		     struct vy_err *e);

/* One inner op of a PACKED_SLOT. */
struct vy_packed_op {
	uint8_t opcode;
	struct vy_args args;
};

/*
 * Encode the 12 arg words of a packed slot: byte 0 = n, byte 1 = total
 * args t, bytes 2+2i / 3+2i = (opcode, arg offset) of op i, then the args
 * from word M = ceil((2 + 2n) / 4).  Unused words are 0.  Errors:
 * VY_E_PACKED_TOO_MANY_OPS (n > 255), VY_E_PACKED_OVER_BUDGET (M > 12, or
 * M + t > 12).
 */
int vy_packed_encode(const struct vy_packed_op *ops, size_t n,
		     uint32_t out[VY_SLOT_ARGS], struct vy_err *e);

/*
 * Encode as above, then publish with opcode PACKED_SLOT through the
 * vy_publish_slot checks.  Packed limits are checked first.
 */
int vy_publish_packed_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
			   uint32_t tenant, const struct vy_packed_op *ops,
			   size_t n, struct vy_err *e);

/* Decoded view of a packed payload (host-side decoding). */
struct vy_packed_view {
	uint32_t op_count;		/* byte 0 */
	uint32_t total_args;		/* byte 1 */
	uint32_t meta_words;		/* M = ceil((2 + 2n) / 4) */
	struct {
		uint8_t opcode;
		uint8_t arg_offset;
		uint8_t arg_count;	/* words it owns (Resolution 5) */
	} ops[VY_PACKED_MAX_FIT_OPS];
};

/*
 * Decode the 12 arg words of a packed slot with the kernel's rules (D5,
 * Resolution 5).  Errors: VY_E_PACKED_OVER_BUDGET when M > 12, M + t > 12,
 * or an op's arg offset is greater than the next op's (the last: than t).
 * The args of op i are words meta_words + ops[i].arg_offset ..
 * + arg_count - 1.
 */
int vy_packed_decode(const uint32_t args[VY_SLOT_ARGS],
		     struct vy_packed_view *out, struct vy_err *e);

/* A work item: opcode plus (input, output, param) as args 0..2. */
struct vy_work_item {
	uint32_t opcode;
	uint32_t input;
	uint32_t output;
	uint32_t param;
};

/*
 * Publish @n work items at start..; *@published (may be NULL) = n.
 * Checks, in order: every opcode (VY_E_OPCODE_RESERVED), ring length,
 * window (VY_E_SLOT_OUT_OF_RANGE), every target status.
 */
int vy_publish_work_items(uint8_t *ring, size_t ring_len, uint32_t start,
			  uint32_t tenant, const struct vy_work_item *items,
			  size_t n, uint32_t *published, struct vy_err *e);

/*
 * Build a whole new ring of @slot_count slots (all zero) with the items in
 * slots 0..n-1.  Checks, in order: n <= slot_count (VY_E_SLOT_OUT_OF_RANGE),
 * opcodes, slot_count <= 1048576 (VY_E_RING_ENCODE_CAP).  Allocating and
 * _into forms as for the encoders.
 */
int vy_encode_work_items_ring(uint32_t slot_count, uint32_t tenant,
			      const struct vy_work_item *items, size_t n,
			      uint8_t **out, size_t *len, struct vy_err *e);
int vy_encode_work_items_ring_into(uint32_t slot_count, uint32_t tenant,
				   const struct vy_work_item *items, size_t n,
				   uint8_t *buf, size_t cap, size_t *len,
				   struct vy_err *e);

/*
 * A window descriptor: one slot per payload, required payloads first, then
 * lookahead; slot args = [ticket, class, payload...], payload <= 10 words.
 */
struct vy_window {
	uint32_t start;
	uint32_t tenant;
	uint32_t opcode;
	uint32_t ticket;
	const struct vy_args *required;
	size_t n_required;
	const struct vy_args *lookahead;
	size_t n_lookahead;
};

/*
 * Publish a window; *@published (may be NULL) = slots written.  Checks,
 * in order: ring length, start + count - 1 fits u32
 * (VY_E_SLOT_OUT_OF_RANGE), then for each payload in publication order the
 * vy_publish_slot checks: slot in range, payload <= 10 words
 * (VY_E_TOO_MANY_ARGS), opcode, status.  All-or-nothing, where upstream
 * leaves the payloads before a failing one published.
 */
int vy_publish_window(uint8_t *ring, size_t ring_len,
		      const struct vy_window *w, uint32_t *published,
		      struct vy_err *e);

/*
 * Raw 64-byte slot copy, no status or opcode checks (HostRing::publish):
 * how LOAD_MISS and raw reserved opcodes reach a ring.  Errors:
 * VY_E_RING_NOT_WHOLE_SLOTS, VY_E_SLOT_OUT_OF_RANGE.
 */
int vy_ring_write_slot(uint8_t *ring, size_t ring_len, uint32_t slot,
		       const uint8_t src[VY_SLOT_BYTES], struct vy_err *e);
int vy_ring_read_slot(const uint8_t *ring, size_t ring_len, uint32_t slot,
		      uint8_t dst[VY_SLOT_BYTES], struct vy_err *e);

/* Host status transitions (0.7.2 transition_slot_status). */
enum vy_transition {
	VY_TRANS_CLAIM,		/* PUBLISHED | YIELD | REQUEUE -> CLAIMED */
	VY_TRANS_DONE,		/* CLAIMED -> DONE */
	VY_TRANS_FAULT,		/* PUBLISHED|CLAIMED|WAIT_IO|YIELD|REQUEUE -> FAULT */
	VY_TRANS_CANCEL,	/* PUBLISHED | WAIT_IO | YIELD | REQUEUE -> EMPTY */
};

/*
 * Apply @t to the status word of @slot; *@prev (may be NULL) = the old
 * status.  Errors: VY_E_RING_NOT_WHOLE_SLOTS, VY_E_SLOT_OUT_OF_RANGE,
 * VY_E_SLOT_NOT_PUBLISHABLE (the status does not allow @t), VY_E_INVAL.
 */
int vy_slot_transition(uint8_t *ring, size_t ring_len, uint32_t slot,
		       enum vy_transition t, uint32_t *prev,
		       struct vy_err *e);

/* ================================================================== */
/* Debug log (protocol.md 4.5, D10, Resolution 8)                      */

struct vy_debug_log_view {
	uint32_t cursor;	/* word 0: record words reserved */
	uint32_t capacity;	/* whole records the buffer holds */
	uint32_t stored;	/* records readable with vy_debug_log_record */
	uint32_t dropped;	/* cursor / 4 - stored (lenient only) */
};

struct vy_debug_record {
	uint32_t fmt_id;
	uint32_t args[3];	/* args[2]: the slot's word offset (slot * 16) */
};

/*
 * Check @buf and fill @v.  Checks, in order: VY_E_BUFFER_MISALIGNED
 * (len % 4), VY_E_MISSING_WORD (no cursor word), strict only:
 * VY_E_DEBUG_LOG_CURSOR_PAST_CAPACITY (cursor > len / 4 - 1), then
 * VY_E_DEBUG_LOG_PARTIAL_RECORD (cursor % 4).  Lenient: stored =
 * min(cursor, record words) / 4, dropped = cursor / 4 - stored.
 */
int vy_debug_log_parse(const uint8_t *buf, size_t len, enum vy_read_mode mode,
		       struct vy_debug_log_view *v, struct vy_err *e);

/* Record @i (< v->stored of a successful parse of the same buffer). */
void vy_debug_log_record(const uint8_t *buf, uint32_t i,
			 struct vy_debug_record *r);

/* ================================================================== */
/* Control readers (protocol.md 6.3, Resolution 17)                    */
/*
 * Strict readers need only the word they read.  Errors:
 * VY_E_BUFFER_MISALIGNED (len % 4), VY_E_MISSING_WORD (word past end);
 * for observables VY_E_INDEX_OVERFLOW (160 + index > u32) first.
 * The *_or_zero forms return 0 on any error.
 */
int vy_read_control_word(const uint8_t *c, size_t len, uint32_t word,
			 uint32_t *out, struct vy_err *e);
int vy_read_done_count(const uint8_t *c, size_t len, uint32_t *out,
		       struct vy_err *e);
int vy_read_epoch(const uint8_t *c, size_t len, uint32_t *out,
		  struct vy_err *e);
int vy_read_observable(const uint8_t *c, size_t len, uint32_t index,
		       uint32_t *out, struct vy_err *e);
uint32_t vy_read_done_count_or_zero(const uint8_t *c, size_t len);
uint32_t vy_read_epoch_or_zero(const uint8_t *c, size_t len);
uint32_t vy_read_observable_or_zero(const uint8_t *c, size_t len,
				    uint32_t index);

/*
 * The 32 metric words 96..127 into @out.  Strict: misaligned or fewer than
 * 128 words is an error.  Lenient: never fails; no alignment check, words
 * past the end read as 0.  The non-zero entries are the metric list.
 */
int vy_read_metrics(const uint8_t *c, size_t len, enum vy_read_mode mode,
		    uint32_t out[VY_CTL_METRICS_SLOTS], struct vy_err *e);

/*
 * Number of DONE slots among the first @item_count slots of @ring.
 * Strict: item_count 0 -> 0 before any check; VY_E_BUFFER_MISALIGNED;
 * VY_E_MISSING_WORD (len < n * 64); returns 0 with *out set.
 * Lenient: returns 1 with *out set, or 0 ("none") for item_count 0 or a
 * short ring; never an error.
 */
int vy_count_done_ring_slots(const uint8_t *ring, size_t len,
			     uint32_t item_count, uint32_t *out,
			     struct vy_err *e);
int vy_count_done_ring_slots_lenient(const uint8_t *ring, size_t len,
				     uint32_t item_count, uint32_t *out);

/* ================================================================== */
/* IO queue (protocol.md 4.6, Resolutions 19-20)                       */
/*
 * Every call validates the queue first (vy_validate_io_queue).  A queue of
 * len bytes has len / 32 slots (0..64).
 */

struct vy_io_request {
	uint32_t slot_idx;
	uint32_t op_type;
	uint32_t src_handle;
	uint32_t dst_handle;
	uint64_t offset;	/* (OFFSET_HI << 32) | OFFSET_LO */
	uint32_t byte_count;
	uint32_t tag;
};

/*
 * Every PUBLISHED slot, in slot order, into @out (room for @cap; 64 is
 * always enough); *@n = number written.  Does not modify the queue.
 */
int vy_io_poll(const uint8_t *q, size_t len, struct vy_io_request *out,
	       size_t cap, size_t *n, struct vy_err *e);

/* As poll, but each returned slot becomes CLAIMED (at most @cap slots). */
int vy_io_claim(uint8_t *q, size_t len, struct vy_io_request *out,
		size_t cap, size_t *n, struct vy_err *e);

/*
 * STATUS of a CLAIMED slot becomes OK (0x10) or ERROR (0x11); only that
 * word changes.  Errors: VY_E_IO_SLOT_OUT_OF_RANGE, VY_E_IO_NOT_CLAIMED.
 */
int vy_io_complete(uint8_t *q, size_t len, uint32_t slot, bool success,
		   struct vy_err *e);

struct vy_io_completion_entry {
	uint32_t slot;
	bool success;
};

/*
 * Validate every entry in order (first failure decides), then write all;
 * duplicates allowed, the later one wins.  n = 0 succeeds.
 */
int vy_io_complete_batch(uint8_t *q, size_t len,
			 const struct vy_io_completion_entry *entries,
			 size_t n, struct vy_err *e);

/*
 * Host-side request (MegakernelIoQueue::publish_slot): READ, src 0,
 * dst = mapped_slot, offset 0, byte_count, tag, then STATUS = PUBLISHED.
 * Errors: VY_E_IO_SLOT_OUT_OF_RANGE, VY_E_IO_SLOT_IN_FLIGHT (not EMPTY).
 */
int vy_io_publish(uint8_t *q, size_t len, uint32_t slot, uint32_t mapped_slot,
		  uint32_t byte_count, uint32_t tag, struct vy_err *e);

/* The same with a source handle. */
int vy_io_submit_dma_read(uint8_t *q, size_t len, uint32_t slot,
			  uint32_t src, uint32_t dst, uint32_t byte_count,
			  uint32_t tag, struct vy_err *e);

struct vy_io_completion {
	uint32_t mapped_slot;	/* DST_HANDLE */
	uint32_t byte_count;
	uint32_t tag;
	uint32_t status;
};

/*
 * 1 with @out filled when @slot is in range and not EMPTY, 0 when it is
 * out of range or EMPTY, negative on an invalid queue.
 */
int vy_io_completion(const uint8_t *q, size_t len, uint32_t slot,
		     struct vy_io_completion *out, struct vy_err *e);

/* 1 for an in-range EMPTY slot, 0 otherwise, negative on invalid queue. */
int vy_io_is_recycled(const uint8_t *q, size_t len, uint32_t slot,
		      struct vy_err *e);

/* ================================================================== */
/* LOAD_MISS slots (protocol.md 4.6, Resolution 22)                    */

/*
 * The 64-byte slot [PUBLISHED, 0xFFFD, tenant, priority, resource_id,
 * prefetch ? 1 : 0, 0 x 10].  vy_encode_load_miss uses tenant 0 and
 * priority 0 (upstream).
 */
void vy_encode_load_miss(uint32_t resource_id, bool prefetch,
			 uint8_t out[VY_SLOT_BYTES]);
void vy_encode_load_miss_ex(uint32_t resource_id, bool prefetch,
			    uint32_t tenant, uint32_t priority,
			    uint8_t out[VY_SLOT_BYTES]);

/*
 * true with *@resource_id and *@prefetch set when slot @slot has opcode
 * 0xFFFD; needs only words 1, 4 and 5 of the slot; the status is ignored.
 * false when the words are missing, the opcode differs, or slot * 16
 * does not fit a u32.
 */
bool vy_decode_load_miss(const uint8_t *ring, size_t len, uint64_t slot,
			 uint32_t *resource_id, bool *prefetch);

#endif
