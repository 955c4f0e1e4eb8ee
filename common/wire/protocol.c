/* SPDX-License-Identifier: MIT */
/*
 * protocol.c - names, sizing, encoders, validators, opcode classes,
 * priority offsets and bootstrap geometry of the wire protocol.
 */
#include "wire/protocol.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/util.h"
#include "wire/workfile.h"

/*
 * wire.def writes each constant as a number; these tie the numbers to
 * each other and to the C structures that mirror the wire, so an edit of
 * the table that breaks the layout does not build.
 */
#define VY_WIRE_BYTES(words) ((words) * VY_WORD_BYTES)
#define VY_MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

/* control word map: regions in order, without gaps or overlaps */
_Static_assert(VY_CTL_TENANT_MASK_DEFAULT + VY_CTL_TENANT_MASK_SLOTS ==
	       VY_CTL_TENANT_QUOTA_BASE, "tenant masks end where quotas start");
_Static_assert(VY_CTL_TENANT_QUOTA_BASE + VY_CTL_TENANT_QUOTA_SLOTS ==
	       VY_CTL_TENANT_FAIRNESS_BASE, "quotas, then fairness");
_Static_assert(VY_CTL_TENANT_FAIRNESS_BASE + VY_CTL_TENANT_FAIRNESS_SLOTS ==
	       VY_CTL_METRICS_BASE, "tenant fairness, then metrics");
_Static_assert(VY_CTL_METRICS_BASE + VY_CTL_METRICS_SLOTS == VY_CTL_EPOCH,
	       "metrics, then epoch");
_Static_assert(VY_CTL_EPOCH + 1 == VY_CTL_PRIORITY_OFFSETS_BASE,
	       "epoch, then priority offsets");
_Static_assert(VY_CTL_PRIORITY_OFFSETS_BASE + VY_CTL_PRIORITY_OFFSETS_SLOTS ==
	       VY_CTL_PRIORITY_STARVATION, "offsets, then starvation");
_Static_assert(VY_CTL_PRIORITY_STARVATION + 1 ==
	       VY_CTL_PRIORITY_FAIRNESS_BASE, "starvation, then fairness");
_Static_assert(VY_CTL_PRIORITY_FAIRNESS_BASE +
	       VY_CTL_PRIORITY_FAIRNESS_SLOTS == VY_CTL_FAULT_COUNT,
	       "priority fairness, then the fault count");
_Static_assert(VY_CTL_FAULT_COUNT < VY_CTL_OBSERVABLE_BASE &&
	       VY_CTL_OBSERVABLE_BASE == VY_CONTROL_MIN_WORDS,
	       "observables follow the fixed words");
_Static_assert(VY_CONTROL_MIN_BYTES == VY_WIRE_BYTES(VY_CONTROL_MIN_WORDS),
	       "control minimum in bytes");
_Static_assert(VY_CONTROL_PRIORITY_MIN_BYTES == 540, "protocol.md 2.3");
_Static_assert(VY_CTL_PRIORITY_OFFSETS_SLOTS == VY_PRIORITY_LEVELS + 1 &&
	       VY_CTL_PRIORITY_FAIRNESS_SLOTS == VY_PRIORITY_LEVELS &&
	       VY_PRIO_IDLE + 1 == VY_PRIORITY_LEVELS,
	       "one offset per level plus the total, one fairness word each");

/* slots */
_Static_assert(VY_SLOT_BYTES == VY_WIRE_BYTES(VY_SLOT_WORDS), "slot size");
_Static_assert(VY_SLOT_ARG0_WORD + VY_SLOT_ARGS == VY_SLOT_WORDS &&
	       VY_SLOT_STATUS_WORD < VY_SLOT_ARG0_WORD &&
	       VY_SLOT_OPCODE_WORD < VY_SLOT_ARG0_WORD &&
	       VY_SLOT_TENANT_WORD < VY_SLOT_ARG0_WORD &&
	       VY_SLOT_PRIORITY_WORD < VY_SLOT_ARG0_WORD,
	       "four header words, then the arguments");
_Static_assert(VY_WINDOW_PAYLOAD_MAX + 2 == VY_SLOT_ARGS,
	       "a window slot: ticket, class, payload");
_Static_assert(VY_STATUS_FAULT + 1 == VY_STATUS_COUNT, "status count");
_Static_assert(VY_MEMBER_SIZE(struct vy_wf_item, w) == VY_SLOT_BYTES,
	       "a work item holds one slot image");
_Static_assert(VY_MAX_RING_SLOTS == UINT32_MAX / VY_SLOT_WORDS &&
	       VY_MAX_OBSERVABLE_SLOTS == UINT32_MAX - VY_CONTROL_MIN_WORDS &&
	       VY_MAX_DEBUG_RECORDS == UINT32_MAX / VY_DEBUG_RECORD_WORDS,
	       "sizing caps keep word counts in a u32");

/* opcodes */
_Static_assert(VY_OP_BUILTIN_MAX == VY_OP_BATCH_FENCE &&
	       VY_OP_USER_MIN == VY_OP_BUILTIN_MAX + 1,
	       "user opcodes follow the builtins");
_Static_assert(VY_OP_LOAD_MISS >= VY_OP_RESERVED_MIN &&
	       VY_OP_PRINTF <= VY_OP_RESERVED_MAX &&
	       (VY_OP_PACKED_SLOT & VY_OP_SYSTEM_MASK) != 0 &&
	       (VY_OP_SHUTDOWN & VY_OP_SYSTEM_MASK) != 0,
	       "LOAD_MISS and PRINTF are reserved, PACKED and SHUTDOWN system");
_Static_assert(VY_STREAM_OP_CHECKSUM >= VY_OP_USER_MIN &&
	       VY_STREAM_OP_GREP < VY_OP_METRIC_LIMIT,
	       "streaming opcodes are counted user opcodes");

/* debug log */
_Static_assert(VY_DEBUG_BUFFER_WORDS == VY_DEBUG_RECORDS_BASE +
	       VY_DEBUG_RECORD_CAPACITY * VY_DEBUG_RECORD_WORDS &&
	       VY_DEBUG_BUFFER_BYTES == VY_WIRE_BYTES(VY_DEBUG_BUFFER_WORDS),
	       "cursor word, then 64 records");
_Static_assert(sizeof(struct vy_debug_record) ==
	       VY_WIRE_BYTES(VY_DEBUG_RECORD_WORDS),
	       "struct vy_debug_record is one record");

/* IO queue */
_Static_assert(VY_IO_SLOT_BYTES == VY_WIRE_BYTES(VY_IO_SLOT_WORDS) &&
	       VY_IO_QUEUE_BYTES == VY_IO_SLOT_COUNT * VY_IO_SLOT_BYTES &&
	       VY_IO_TAG_WORD + 1 == VY_IO_SLOT_WORDS,
	       "IO slot layout");
_Static_assert(VY_IO_STATUS_EMPTY == VY_STATUS_EMPTY &&
	       VY_IO_STATUS_PUBLISHED == VY_STATUS_PUBLISHED &&
	       VY_IO_STATUS_CLAIMED == VY_STATUS_CLAIMED &&
	       VY_IO_STATUS_DONE == VY_STATUS_DONE,
	       "IO states are the ring states");

/* ------------------------------------------------------------------ */
/* Names                                                               */

/* The one status-name table: snake_case and the upstream spelling. */
static const struct {
	const char *snake;
	const char *upstream;
} status_names[VY_STATUS_COUNT] = {
	[VY_STATUS_EMPTY] = { "empty", "Empty" },
	[VY_STATUS_PUBLISHED] = { "published", "Published" },
	[VY_STATUS_CLAIMED] = { "claimed", "Claimed" },
	[VY_STATUS_DONE] = { "done", "Done" },
	[VY_STATUS_WAIT_IO] = { "wait_io", "WaitIo" },
	[VY_STATUS_YIELD] = { "yield", "Yield" },
	[VY_STATUS_REQUEUE] = { "requeue", "Requeue" },
	[VY_STATUS_FAULT] = { "fault", "Fault" },
};

const char *vy_slot_status_name(uint32_t status)
{
	if (status < VY_STATUS_COUNT)
		return status_names[status].snake;
	return "unknown";
}

const char *vy_slot_status_upstream(uint32_t status, char *tmp,
				    size_t tmplen)
{
	if (status < VY_STATUS_COUNT)
		return status_names[status].upstream;
	snprintf(tmp, tmplen, "Unknown(%u)", status);
	return tmp;
}

/* Compare ignoring case and '_' ("WaitIo" == "wait_io"). */
static bool name_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;

	for (;;) {
		while (i < alen && a[i] == '_')
			i++;
		while (*b == '_')
			b++;
		if (i == alen || !*b)
			return i == alen && !*b;
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
			return false;
		i++;
		b++;
	}
}

/* @len chars through the one number parser (vyre(7), NUMBERS). */
static int parse_u32(const char *s, size_t len, uint32_t *out)
{
	char buf[24];
	uint64_t v;

	if (len >= sizeof(buf) || memchr(s, '\0', len))
		return VY_E_INVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (vy_parse_u64(buf, UINT32_MAX, 0, &v))
		return VY_E_INVAL;
	*out = (uint32_t)v;
	return 0;
}

int vy_slot_status_parse(const char *s, uint32_t *out)
{
	size_t len, i;
	const char *p;

	if (!s || !out)
		return VY_E_INVAL;
	len = strlen(s);
	for (i = 0; i < VY_STATUS_COUNT; i++) {
		/* "WaitIo" folds to "wait_io": snake covers both spellings */
		if (name_eq(s, len, status_names[i].snake)) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	/* "Unknown(9)" / "unknown(9)" */
	p = strchr(s, '(');
	if (p && len > 0 && s[len - 1] == ')' &&
	    name_eq(s, (size_t)(p - s), "unknown"))
		return parse_u32(p + 1, (size_t)(s + len - 1 - (p + 1)), out);
	return parse_u32(s, len, out);
}

static const struct {
	uint32_t op;
	const char *name;
} opcode_names[] = {
	{ VY_OP_NOP, "nop" },
	{ VY_OP_STORE_U32, "store_u32" },
	{ VY_OP_ATOMIC_ADD, "atomic_add" },
	{ VY_OP_LOAD_U32, "load_u32" },
	{ VY_OP_COMPARE_SWAP, "compare_swap" },
	{ VY_OP_MEMCPY, "memcpy" },
	{ VY_OP_DFA_STEP, "dfa_step" },
	{ VY_OP_BATCH_FENCE, "batch_fence" },
	{ VY_OP_PRINTF, "printf" },
	{ VY_OP_PACKED_SLOT, "packed_slot" },
	{ VY_OP_SHUTDOWN, "shutdown" },
	{ VY_OP_LOAD_MISS, "load_miss" },
};

const char *vy_opcode_name(uint32_t op)
{
	size_t i;

	for (i = 0; i < VY_ARRAY_SIZE(opcode_names); i++)
		if (opcode_names[i].op == op)
			return opcode_names[i].name;
	return NULL;
}

const char *vy_opcode_format(uint32_t op, char *buf, size_t len)
{
	const char *name = vy_opcode_name(op);

	if (!buf || len == 0)
		return buf;
	if (name)
		snprintf(buf, len, "%s", name);
	else if (op >= VY_OP_RESERVED_MIN)
		snprintf(buf, len, "0x%x", op);
	else
		snprintf(buf, len, "%u", op);
	return buf;
}

int vy_opcode_parse(const char *s, uint32_t *out)
{
	size_t i, len;

	if (!s || !out)
		return VY_E_INVAL;
	len = strlen(s);
	for (i = 0; i < VY_ARRAY_SIZE(opcode_names); i++) {
		/* exact spelling apart from case: '_' matters here */
		if (strlen(opcode_names[i].name) == len &&
		    !strncasecmp(s, opcode_names[i].name, len)) {
			*out = opcode_names[i].op;
			return 0;
		}
	}
	return parse_u32(s, len, out);
}

/* ------------------------------------------------------------------ */
/* Sizing                                                              */

bool vy_control_byte_len(uint64_t observable_slots, uint64_t *bytes)
{
	if (observable_slots > VY_MAX_OBSERVABLE_SLOTS)
		return false;
	if (bytes)
		*bytes = (VY_CONTROL_MIN_WORDS + observable_slots) *
			 VY_WORD_BYTES;
	return true;
}

bool vy_ring_byte_len(uint64_t slot_count, uint64_t *bytes)
{
	if (slot_count > VY_MAX_RING_SLOTS)
		return false;
	if (bytes)
		*bytes = slot_count * VY_SLOT_BYTES;
	return true;
}

bool vy_debug_log_byte_len(uint64_t record_capacity, uint64_t *bytes)
{
	if (record_capacity > VY_MAX_DEBUG_RECORDS)
		return false;
	if (bytes)
		*bytes = (1 + VY_DEBUG_RECORD_WORDS * record_capacity) *
			 VY_WORD_BYTES;
	return true;
}

int vy_io_queue_byte_len(uint64_t slot_count, size_t *bytes, struct vy_err *e)
{
	if (slot_count == 0)
		return vy_errf(e, VY_E_IO_QUEUE_ZERO_SLOTS,
			       "ask for 1 to 64 IO slots",
			       "io queue needs at least one slot");
	if (slot_count > VY_IO_SLOT_COUNT)
		return vy_errf(e, VY_E_IO_QUEUE_TOO_LARGE,
			       "ask for at most 64 IO slots",
			       "io queue of %llu slots exceeds the 64-slot poll window",
			       (unsigned long long)slot_count);
	if (bytes)
		*bytes = (size_t)slot_count * VY_IO_SLOT_BYTES;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Encoders                                                            */

/* Allocate @len zero bytes into *out (NULL for 0 bytes). */
static int alloc_zero(size_t len, uint8_t **out, struct vy_err *e)
{
	*out = NULL;
	if (len == 0)
		return 0;
	*out = calloc(1, len);
	if (!*out)
		return vy_errf(e, VY_E_NOMEM, "free memory or use a smaller buffer",
			       "cannot allocate %zu bytes", len);
	return 0;
}

static int check_cap(size_t need, size_t cap, const char *what,
		     struct vy_err *e)
{
	if (need > cap)
		return vy_errf(e, VY_E_INVAL,
			       "pass a buffer of the size the sizing function gives",
			       "%s needs %zu bytes, buffer holds %zu", what,
			       need, cap);
	return 0;
}

/* Sizes a buffer for @count items (ring slots, debug records, ...). */
typedef int (*sizer_fn)(uint32_t count, size_t *len, struct vy_err *e);

/* A zeroed buffer of the size @sizer gives for @count, malloc'd. */
static int encode_zero(sizer_fn sizer, uint32_t count, uint8_t **out,
		       size_t *len, struct vy_err *e)
{
	size_t n = 0;
	int ret;

	ret = sizer(count, &n, e);
	if (ret)
		return ret;
	ret = alloc_zero(n, out, e);
	if (ret)
		return ret;
	*len = n;
	return 0;
}

/* The same, zeroed in @buf of @cap bytes; @what names it in errors. */
static int encode_zero_into(sizer_fn sizer, uint32_t count, const char *what,
			    uint8_t *buf, size_t cap, size_t *len,
			    struct vy_err *e)
{
	size_t n = 0;
	int ret;

	ret = sizer(count, &n, e);
	if (ret)
		return ret;
	ret = check_cap(n, cap, what, e);
	if (ret)
		return ret;
	if (n)
		memset(buf, 0, n);
	*len = n;
	return 0;
}

static int control_len(uint32_t obs, size_t *len, struct vy_err *e)
{
	if (obs > VY_MAX_ENCODED_OBSERVABLE_SLOTS)
		return vy_errf(e, VY_E_CONTROL_ENCODE_CAP,
			       "use at most 1048576 observable slots",
			       "%u observable slots exceed the encoder cap of %u",
			       obs, VY_MAX_ENCODED_OBSERVABLE_SLOTS);
	*len = ((size_t)VY_CONTROL_MIN_WORDS + obs) * VY_WORD_BYTES;
	return 0;
}

/* Fill the non-zero words of a zeroed control image. */
static void fill_control(uint8_t *buf, bool shutdown, uint32_t tenants)
{
	uint64_t w, end;

	if (shutdown)
		vy_set_word(buf, VY_CTL_SHUTDOWN, 1);
	vy_set_word(buf, VY_CTL_TENANT_BASE, VY_CTL_TENANT_MASK_DEFAULT);
	end = (uint64_t)VY_CTL_TENANT_MASK_DEFAULT + tenants;
	if (end > VY_CTL_TENANT_QUOTA_BASE)
		end = VY_CTL_TENANT_QUOTA_BASE;
	for (w = VY_CTL_TENANT_MASK_DEFAULT; w < end; w++)
		vy_set_word(buf, (size_t)w, VY_CTL_TENANT_MASK_ALL);
	end = (uint64_t)VY_CTL_TENANT_QUOTA_BASE + tenants;
	if (end > VY_CTL_TENANT_FAIRNESS_BASE)
		end = VY_CTL_TENANT_FAIRNESS_BASE;
	for (w = VY_CTL_TENANT_QUOTA_BASE; w < end; w++)
		vy_set_word(buf, (size_t)w, VY_CTL_TENANT_QUOTA_DEFAULT);
}

int vy_encode_control(bool shutdown, uint32_t tenant_count,
		      uint32_t observable_slots, uint8_t **out, size_t *len,
		      struct vy_err *e)
{
	int ret;

	ret = encode_zero(control_len, observable_slots, out, len, e);
	if (ret)
		return ret;
	fill_control(*out, shutdown, tenant_count);
	return 0;
}

int vy_encode_control_into(bool shutdown, uint32_t tenant_count,
			   uint32_t observable_slots, uint8_t *buf,
			   size_t cap, size_t *len, struct vy_err *e)
{
	int ret;

	ret = encode_zero_into(control_len, observable_slots, "control", buf,
			       cap, len, e);
	if (ret)
		return ret;
	fill_control(buf, shutdown, tenant_count);
	return 0;
}

/* Words 129..134 of a buffer known to hold at least 640 bytes. */
static void put_offsets(uint8_t *buf, uint32_t slot_count)
{
	uint32_t off[VY_CTL_PRIORITY_OFFSETS_SLOTS], i;

	vy_default_priority_offsets(slot_count, off);
	for (i = 0; i < VY_CTL_PRIORITY_OFFSETS_SLOTS; i++)
		vy_set_word(buf, VY_CTL_PRIORITY_OFFSETS_BASE + i, off[i]);
}

int vy_encode_control_with_offsets(bool shutdown, uint32_t tenant_count,
				   uint32_t observable_slots,
				   uint32_t slot_count, uint8_t **out,
				   size_t *len, struct vy_err *e)
{
	int ret;

	ret = vy_encode_control(shutdown, tenant_count, observable_slots, out,
				len, e);
	if (ret)
		return ret;
	put_offsets(*out, slot_count);
	return 0;
}

int vy_encode_control_with_offsets_into(bool shutdown, uint32_t tenant_count,
					uint32_t observable_slots,
					uint32_t slot_count, uint8_t *buf,
					size_t cap, size_t *len,
					struct vy_err *e)
{
	int ret;

	ret = vy_encode_control_into(shutdown, tenant_count, observable_slots,
				     buf, cap, len, e);
	if (ret)
		return ret;
	put_offsets(buf, slot_count);
	return 0;
}

int vy_ring_encode_len(uint32_t slots, size_t *len, struct vy_err *e)
{
	if (slots > VY_MAX_ENCODED_RING_SLOTS)
		return vy_errf(e, VY_E_RING_ENCODE_CAP,
			       "use at most 1048576 ring slots",
			       "ring of %u slots exceeds the encoder cap of %u",
			       slots, VY_MAX_ENCODED_RING_SLOTS);
	*len = (size_t)slots * VY_SLOT_BYTES;
	return 0;
}

static int debug_len(uint32_t records, size_t *len, struct vy_err *e)
{
	if (records > VY_MAX_ENCODED_DEBUG_RECORDS)
		return vy_errf(e, VY_E_DEBUG_LOG_ENCODE_CAP,
			       "use at most 1048576 debug records",
			       "debug log of %u records exceeds the encoder cap of %u",
			       records, VY_MAX_ENCODED_DEBUG_RECORDS);
	*len = (1 + (size_t)VY_DEBUG_RECORD_WORDS * records) * VY_WORD_BYTES;
	return 0;
}

static int io_len(uint32_t slots, size_t *len, struct vy_err *e)
{
	return vy_io_queue_byte_len(slots, len, e);
}

int vy_encode_empty_ring(uint32_t slot_count, uint8_t **out, size_t *len,
			 struct vy_err *e)
{
	return encode_zero(vy_ring_encode_len, slot_count, out, len, e);
}

int vy_encode_empty_ring_into(uint32_t slot_count, uint8_t *buf, size_t cap,
			      size_t *len, struct vy_err *e)
{
	return encode_zero_into(vy_ring_encode_len, slot_count, "ring", buf,
				cap, len, e);
}

int vy_encode_empty_debug_log(uint32_t record_capacity, uint8_t **out,
			      size_t *len, struct vy_err *e)
{
	return encode_zero(debug_len, record_capacity, out, len, e);
}

int vy_encode_empty_debug_log_into(uint32_t record_capacity, uint8_t *buf,
				   size_t cap, size_t *len, struct vy_err *e)
{
	return encode_zero_into(debug_len, record_capacity, "debug log", buf,
				cap, len, e);
}

int vy_encode_empty_io_queue(uint32_t slot_count, uint8_t **out, size_t *len,
			     struct vy_err *e)
{
	return encode_zero(io_len, slot_count, out, len, e);
}

int vy_encode_empty_io_queue_into(uint32_t slot_count, uint8_t *buf,
				  size_t cap, size_t *len, struct vy_err *e)
{
	return encode_zero_into(io_len, slot_count, "io queue", buf, cap, len,
				e);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static int control_check(uint64_t len, int code, struct vy_err *e)
{
	if (len < VY_CONTROL_MIN_BYTES || len % VY_WORD_BYTES)
		return vy_errf(e, code,
			       "pass a control buffer of (160 + observable slots) * 4 bytes",
			       "control buffer of %llu bytes: expected at least 640 bytes and 4-byte alignment",
			       (unsigned long long)len);
	return 0;
}

static int debug_check(uint64_t len, int code, struct vy_err *e)
{
	if (len != VY_DEBUG_BUFFER_BYTES)
		return vy_errf(e, code,
			       "pass a debug log of exactly 1028 bytes (64 records)",
			       "debug log of %llu bytes: expected exactly 1028 bytes for 64 PRINTF records",
			       (unsigned long long)len);
	return 0;
}

static int io_check(uint64_t len, int mis, int partial, int large,
		    struct vy_err *e)
{
	if (len % VY_WORD_BYTES)
		return vy_errf(e, mis,
			       "pass an io queue of slot_count * 32 bytes",
			       "io queue of %llu bytes is not 4-byte aligned",
			       (unsigned long long)len);
	if (len % VY_IO_SLOT_BYTES)
		return vy_errf(e, partial,
			       "pass an io queue of slot_count * 32 bytes",
			       "io queue of %llu bytes is not a multiple of slot size 32",
			       (unsigned long long)len);
	if (len / VY_IO_SLOT_BYTES > VY_IO_SLOT_COUNT)
		return vy_errf(e, large,
			       "pass an io queue of at most 2048 bytes",
			       "io queue of %llu slots exceeds the 64-slot poll window",
			       (unsigned long long)(len / VY_IO_SLOT_BYTES));
	return 0;
}

int vy_validate_control(size_t len, struct vy_err *e)
{
	return control_check(len, VY_E_CONTROL_INVALID, e);
}

int vy_validate_debug_log(size_t len, struct vy_err *e)
{
	return debug_check(len, VY_E_DEBUG_LOG_SIZE, e);
}

int vy_validate_io_queue(size_t len, struct vy_err *e)
{
	return io_check(len, VY_E_IO_QUEUE_MISALIGNED,
			VY_E_IO_QUEUE_PARTIAL_SLOT, VY_E_IO_QUEUE_TOO_LARGE, e);
}

int vy_validate_dispatch(const uint64_t lens[VY_BUF_COUNT],
			 uint64_t slot_count, struct vy_err *e)
{
	int ret;

	ret = control_check(lens[VY_BUF_CONTROL], VY_E_CONTROL_INVALID, e);
	if (ret)
		return ret;
	ret = debug_check(lens[VY_BUF_DEBUG_LOG], VY_E_DEBUG_LOG_SIZE, e);
	if (ret)
		return ret;
	ret = io_check(lens[VY_BUF_IO_QUEUE], VY_E_IO_QUEUE_MISALIGNED,
		       VY_E_IO_QUEUE_PARTIAL_SLOT, VY_E_IO_QUEUE_TOO_LARGE, e);
	if (ret)
		return ret;
	if (slot_count > VY_MAX_RING_SLOTS ||
	    lens[VY_BUF_RING] != slot_count * VY_SLOT_BYTES)
		return vy_errf(e, VY_E_RING_SIZE,
			       "size the ring as the compiled slot count * 64",
			       "ring of %llu bytes does not match %llu compiled slots of 64 bytes",
			       (unsigned long long)lens[VY_BUF_RING],
			       (unsigned long long)slot_count);
	return 0;
}

int vy_validate_readback(const uint64_t *lens, size_t n, uint64_t slot_count,
			 struct vy_err *e)
{
	int ret;

	if (n != VY_BUF_COUNT)
		return vy_errf(e, VY_E_READBACK_BUFFER_COUNT,
			       "read back control, ring, debug log and io queue",
			       "readback returned %zu buffers, expected 4", n);
	ret = control_check(lens[VY_BUF_CONTROL], VY_E_READBACK_CONTROL_INVALID,
			    e);
	if (ret)
		return ret;
	ret = debug_check(lens[VY_BUF_DEBUG_LOG], VY_E_READBACK_DEBUG_LOG_SIZE,
			  e);
	if (ret)
		return ret;
	ret = io_check(lens[VY_BUF_IO_QUEUE], VY_E_READBACK_IO_QUEUE_MISALIGNED,
		       VY_E_READBACK_IO_QUEUE_PARTIAL_SLOT,
		       VY_E_READBACK_IO_QUEUE_TOO_LARGE, e);
	if (ret)
		return ret;
	if (slot_count > VY_MAX_RING_SLOTS)
		return vy_errf(e, VY_E_READBACK_RING_LEN_OVERFLOW,
			       "use at most 268435455 slots",
			       "ring length of %llu slots cannot be expressed",
			       (unsigned long long)slot_count);
	if (lens[VY_BUF_RING] != slot_count * VY_SLOT_BYTES)
		return vy_errf(e, VY_E_READBACK_RING_SIZE,
			       "read back the whole ring of slot_count * 64 bytes",
			       "readback ring of %llu bytes, expected %llu",
			       (unsigned long long)lens[VY_BUF_RING],
			       (unsigned long long)(slot_count * VY_SLOT_BYTES));
	return 0;
}

int vy_readback_counters(const uint64_t lens[VY_BUF_COUNT],
			 struct vy_readback_counters *out, struct vy_err *e)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < VY_BUF_COUNT; i++) {
		if (total + lens[i] < total)
			return vy_errf(e, VY_E_INVAL,
				       "pass the real byte lengths of the four buffers",
				       "readback byte total overflows u64");
		total += lens[i];
	}
	out->control_bytes = lens[VY_BUF_CONTROL];
	out->ring_bytes = lens[VY_BUF_RING];
	out->debug_log_bytes = lens[VY_BUF_DEBUG_LOG];
	out->io_queue_bytes = lens[VY_BUF_IO_QUEUE];
	out->total_bytes = total;
	return 0;
}

int vy_ring_slot_count(uint64_t ring_len, uint32_t *slots, struct vy_err *e)
{
	if (ring_len % VY_SLOT_BYTES)
		return vy_errf(e, VY_E_RING_NOT_WHOLE_SLOTS,
			       "pass a ring of slot_count * 64 bytes",
			       "ring of %llu bytes is not a multiple of the 64-byte slot",
			       (unsigned long long)ring_len);
	if (ring_len / VY_SLOT_BYTES > UINT32_MAX)
		return vy_errf(e, VY_E_SLOT_OUT_OF_RANGE,
			       "use a ring of at most 2^32 - 1 slots",
			       "ring of %llu slots does not fit a u32 slot count",
			       (unsigned long long)(ring_len / VY_SLOT_BYTES));
	*slots = (uint32_t)(ring_len / VY_SLOT_BYTES);
	return 0;
}

int vy_bootstrap_geometry(uint32_t slot_count, uint32_t workgroup_size_x,
			  struct vy_launch_shape *out, struct vy_err *e)
{
	if (slot_count == 0 || workgroup_size_x == 0 ||
	    slot_count % workgroup_size_x)
		return vy_errf(e, VY_E_GEOMETRY_INVALID,
			       "make the slot count a non-zero multiple of the work-group size",
			       "slot_count %u must be a non-zero multiple of workgroup_size_x %u",
			       slot_count, workgroup_size_x);
	out->grid[0] = slot_count / workgroup_size_x;
	out->grid[1] = 1;
	out->grid[2] = 1;
	out->workgroup[0] = workgroup_size_x;
	out->workgroup[1] = 1;
	out->workgroup[2] = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Opcode classes                                                      */

bool vy_opcode_is_system(uint32_t op)
{
	return (op & VY_OP_SYSTEM_MASK) ||
	       (op >= VY_OP_RESERVED_MIN && op <= VY_OP_RESERVED_MAX) ||
	       op <= VY_OP_BUILTIN_MAX;
}

bool vy_opcode_is_builtin(uint32_t op)
{
	return op <= VY_OP_BUILTIN_MAX || op == VY_OP_PACKED_SLOT ||
	       op == VY_OP_PRINTF || op == VY_OP_SHUTDOWN;
}

bool vy_opcode_is_publishable(uint32_t op)
{
	return vy_opcode_is_builtin(op) || !vy_opcode_is_system(op);
}

int vy_opcode_check(uint32_t op, struct vy_err *e)
{
	if (vy_opcode_is_publishable(op))
		return 0;
	return vy_errf(e, VY_E_OPCODE_RESERVED,
		       "use a builtin or a user opcode in 8..0xffef or 0x10000..0x7fffffff",
		       "opcode 0x%x overlaps the reserved system range or uses the high bit",
		       op);
}

/* ------------------------------------------------------------------ */
/* Priority offsets                                                    */

void vy_default_priority_offsets(uint32_t total_slots,
				 uint32_t out[VY_CTL_PRIORITY_OFFSETS_SLOTS])
{
	uint32_t base = total_slots / VY_PRIORITY_LEVELS;
	uint32_t rem = total_slots % VY_PRIORITY_LEVELS;
	uint32_t at = 0, p;

	for (p = 0; p < VY_PRIORITY_LEVELS; p++) {
		out[p] = at;
		at += base + (p == VY_PRIO_NORMAL ? rem : 0);
	}
	out[VY_PRIORITY_LEVELS] = total_slots;
}

int vy_write_default_priority_offsets(uint8_t *control, size_t len,
				      uint32_t total_slots, struct vy_err *e)
{
	uint32_t off[VY_CTL_PRIORITY_OFFSETS_SLOTS];
	uint32_t i;

	if (len % VY_WORD_BYTES)
		return vy_errf(e, VY_E_PRIORITY_CONTROL_MISALIGNED,
			       "pass a control buffer of whole words",
			       "control buffer of %zu bytes is not 4-byte aligned",
			       len);
	if (len < VY_CONTROL_PRIORITY_MIN_BYTES)
		return vy_errf(e, VY_E_PRIORITY_CONTROL_TOO_SHORT,
			       "pass a control buffer of at least 640 bytes",
			       "control buffer of %zu bytes cannot hold priority offset words 129..134 (needs 540)",
			       len);
	vy_default_priority_offsets(total_slots, off);
	for (i = 0; i < VY_CTL_PRIORITY_OFFSETS_SLOTS; i++)
		vy_set_word(control, VY_CTL_PRIORITY_OFFSETS_BASE + i, off[i]);
	return 0;
}

uint32_t vy_priority_probe_count(uint32_t partition_slots,
				 uint32_t worker_width)
{
	uint32_t w = worker_width ? worker_width : 1;

	if (partition_slots == 0)
		return 0;
	return partition_slots / w + (partition_slots % w ? 1 : 0);
}

uint32_t vy_priority_active_lane_count(uint32_t partition_slots,
				       uint32_t worker_width)
{
	uint32_t w = worker_width ? worker_width : 1;

	return partition_slots < w ? partition_slots : w;
}

int vy_priority_probe_budget(uint32_t partition_slots, uint32_t worker_width,
			     uint32_t *out, struct vy_err *e)
{
	uint64_t a = vy_priority_active_lane_count(partition_slots,
						   worker_width);
	uint64_t p = vy_priority_probe_count(partition_slots, worker_width);

	if (a * p > UINT32_MAX)
		return vy_errf(e, VY_E_PROBE_BUDGET_OVERFLOW,
			       "use a smaller partition or a narrower worker width",
			       "%llu active lanes * %llu probes does not fit a u32",
			       (unsigned long long)a, (unsigned long long)p);
	*out = (uint32_t)(a * p);
	return 0;
}
