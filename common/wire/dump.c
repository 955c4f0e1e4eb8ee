/* SPDX-License-Identifier: MIT */
/*
 * dump.c - the VYRD snapshot container and raw buffer files.
 *
 * The parser never trusts a stated length: every offset and length is
 * checked against the bytes actually present before it is used, and sums
 * are done in u64 after bounding each term, so no check can wrap.  The
 * stream reader grows its buffer with the bytes it has really read, so a
 * corrupt total_len costs at most what the input supplies.
 */
#include "wire/dump.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "wire/util.h"

/* Header field offsets (vyre-dump(5)). */
#define H_MAGIC 0
#define H_VERSION 4
#define H_HEADER_LEN 6
#define H_FLAGS 8
#define H_COUNT 12
#define H_TOTAL 16
#define H_CAPTURE 24
#define H_SEQUENCE 32
#define H_SLOTS 40
#define H_WGX 44
#define H_WGS 48
#define H_OBS 52
#define H_TENANTS 56
#define H_RESERVED0 60
#define H_RESERVED1 64
#define H_CHECKSUM 72

/* Section table entry field offsets. */
#define S_TYPE 0
#define S_FLAGS 4
#define S_OFFSET 8
#define S_LENGTH 16
#define S_CHECKSUM 24

/* Size rules (protocol.md §1): caps are the encoder caps, 2^20. */
#define CONTROL_MIN_WORDS VY_CONTROL_MIN_WORDS
#define MAX_OBS_WORDS VY_MAX_ENCODED_OBSERVABLE_SLOTS
#define MAX_RING_SLOTS VY_MAX_ENCODED_RING_SLOTS
#define MAX_DEBUG_RECORDS VY_MAX_ENCODED_DEBUG_RECORDS
#define SLOT_BYTES VY_SLOT_BYTES
#define DEBUG_RECORD_BYTES (VY_DEBUG_RECORD_WORDS * VY_WORD_BYTES)
#define IO_SLOT_BYTES VY_IO_SLOT_BYTES
#define IO_MAX_SLOTS VY_IO_SLOT_COUNT

#define TABLE_MAX_BYTES (VY_DUMP_MAX_HEADER_LEN + \
			 VY_DUMP_MAX_SECTIONS * VY_DUMP_SECTION_LEN)

static const char *const buf_names[VY_BUF_COUNT] = {
	"control", "ring", "debug", "io",
};

const char *vy_buf_name(enum vy_buffer_index b)
{
	if ((unsigned)b >= VY_BUF_COUNT)
		return "?";
	return buf_names[b];
}

int vy_buf_parse(const char *name, enum vy_buffer_index *out, struct vy_err *e)
{
	static const struct {
		const char *name;
		enum vy_buffer_index b;
	} names[] = {
		{ "control", VY_BUF_CONTROL }, { "ring", VY_BUF_RING },
		{ "debug", VY_BUF_DEBUG_LOG },     { "debug_log", VY_BUF_DEBUG_LOG },
		{ "io", VY_BUF_IO_QUEUE },           { "io_queue", VY_BUF_IO_QUEUE },
	};
	size_t i;

	for (i = 0; name && i < VY_ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i].name)) {
			*out = names[i].b;
			return 0;
		}
	}
	return vy_errf(e, VY_E_INVAL, "use one of control, ring, debug, io",
		       "unknown buffer '%s' (control, ring, debug, io)",
		       name ? name : "");
}

uint64_t vy_dump_checksum(const void *data, size_t len)
{
	return XXH3_64bits_withSeed(data, len, VY_DUMP_SEED);
}

void vy_snapshot_init(struct vy_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->version = VY_DUMP_VERSION;
}

void vy_snapshot_set_buf(struct vy_snapshot *s, enum vy_buffer_index b,
			 const void *data, size_t len)
{
	if ((unsigned)b >= VY_BUF_COUNT)
		return;
	s->buf[b].data = len ? data : NULL;
	s->buf[b].len = len;
	s->buf[b].present = 1;
}

void vy_snapshot_fill_geometry(struct vy_snapshot *s)
{
	const struct vy_dump_buf *c = &s->buf[VY_BUF_CONTROL];
	const struct vy_dump_buf *r = &s->buf[VY_BUF_RING];

	if (r->present && r->len % SLOT_BYTES == 0 &&
	    r->len / SLOT_BYTES <= UINT32_MAX)
		s->geo.slot_count = (uint32_t)(r->len / SLOT_BYTES);
	if (c->present && c->len % 4 == 0 &&
	    c->len >= CONTROL_MIN_WORDS * 4 &&
	    c->len / 4 - CONTROL_MIN_WORDS <= UINT32_MAX)
		s->geo.observable_slots =
			(uint32_t)(c->len / 4 - CONTROL_MIN_WORDS);
}

int vy_dump_check_buf(enum vy_buffer_index b, size_t len, const char *what,
		      struct vy_err *e)
{
	const char *hint = "capture the buffer again, or rebuild it with "
			   "vyre-mkdump";

	if (!what)
		what = vy_buf_name(b);
	switch (b) {
	case VY_BUF_CONTROL:
		if (len % 4)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not a multiple of the "
				       "4-byte word", what, len);
		if (len < CONTROL_MIN_WORDS * 4)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is less than the 640 "
				       "bytes (160 words) a control buffer "
				       "needs", what, len);
		if (len / 4 - CONTROL_MIN_WORDS > MAX_OBS_WORDS)
			return vy_errf(e, VY_E_TOO_LARGE, hint,
				       "%s: %zu bytes is over the limit of "
				       "160 + %u observable words", what, len,
				       MAX_OBS_WORDS);
		return 0;
	case VY_BUF_RING:
		if (len % SLOT_BYTES)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not a multiple of "
				       "the 64-byte slot", what, len);
		if (len / SLOT_BYTES > MAX_RING_SLOTS)
			return vy_errf(e, VY_E_TOO_LARGE, hint,
				       "%s: %zu slots is over the limit of %u",
				       what, len / SLOT_BYTES, MAX_RING_SLOTS);
		return 0;
	case VY_BUF_DEBUG_LOG:
		if (len < 4)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes has no room for the "
				       "4-byte cursor word", what, len);
		if (len % 4)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not a multiple of the "
				       "4-byte word", what, len);
		if ((len - 4) % DEBUG_RECORD_BYTES)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not a 4-byte cursor "
				       "plus whole 16-byte records", what, len);
		if ((len - 4) / DEBUG_RECORD_BYTES > MAX_DEBUG_RECORDS)
			return vy_errf(e, VY_E_TOO_LARGE, hint,
				       "%s: %zu records is over the limit of %u",
				       what, (len - 4) / DEBUG_RECORD_BYTES,
				       MAX_DEBUG_RECORDS);
		return 0;
	case VY_BUF_IO_QUEUE:
		if (len % 4)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not 4-byte aligned",
				       what, len);
		if (len % IO_SLOT_BYTES)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu bytes is not a multiple of the "
				       "32-byte IO slot", what, len);
		if (len / IO_SLOT_BYTES > IO_MAX_SLOTS)
			return vy_errf(e, VY_E_FORMAT, hint,
				       "%s: %zu IO slots is over the 64-slot "
				       "poll window", what, len / IO_SLOT_BYTES);
		return 0;
	default:
		return vy_errf(e, VY_E_INVAL, NULL, "unknown buffer %d",
			       (int)b);
	}
}

static const char *sec_name(uint32_t type)
{
	switch (type) {
	case VY_DUMP_SEC_CONTROL:
		return "control";
	case VY_DUMP_SEC_RING:
		return "ring";
	case VY_DUMP_SEC_DEBUG:
		return "debug";
	case VY_DUMP_SEC_IO:
		return "io";
	case VY_DUMP_SEC_DEVICE:
		return "device";
	case VY_DUMP_SEC_RUN:
		return "run";
	default:
		return "unknown";
	}
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t le16(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8;
}

static size_t align_up(size_t v)
{
	return (v + VY_DUMP_ALIGN - 1) & ~(size_t)(VY_DUMP_ALIGN - 1);
}

/* ---- the run section ------------------------------------------------ */

static const char *const run_end_names[VY_RUN_END_COUNT] = {
	"running", "ok", "timeout", "stall", "signal", "device_error",
	"kernel_exit",
};

const char *vy_dump_run_end_name(uint32_t end)
{
	return end < VY_RUN_END_COUNT ? run_end_names[end] : "?";
}

int vy_dump_run_end_parse(const char *name, uint32_t *out)
{
	for (uint32_t i = 0; i < VY_RUN_END_COUNT; i++)
		if (!strcmp(name, run_end_names[i])) {
			*out = i;
			return 0;
		}
	return VY_E_INVAL;
}

uint32_t vy_dump_run_line(const struct vy_dump_run *r, uint32_t slot)
{
	if (!r->present || slot >= r->line_count || !r->lines)
		return 0;
	return vy_le32(r->lines + (size_t)slot * 4);
}

/* Bytes of the strings with their padding to a multiple of 4. */
static size_t run_strings_len(const struct vy_dump_run *r)
{
	size_t n = (size_t)r->tool_len + r->cmdline_len + r->work_len;

	return (n + 3) & ~(size_t)3;
}

static size_t run_payload_len(const struct vy_dump_run *r)
{
	return VY_DUMP_RUN_FIXED + run_strings_len(r) +
	       (size_t)r->line_count * 4;
}

/* A string field of the run section: bounded and without NUL. */
static int run_str_ok(const char *p, uint32_t len)
{
	return len <= VY_DUMP_RUN_STR_MAX && (!len || (p && !memchr(p, 0, len)));
}

static int check_run(const struct vy_snapshot *s, struct vy_err *e)
{
	const struct vy_dump_run *r = &s->run;

	if (r->end >= VY_RUN_END_COUNT)
		return vy_errf(e, VY_E_INVAL, NULL, "run section: end %" PRIu32
			       " is not a run end", r->end);
	if (!run_str_ok(r->tool, r->tool_len) ||
	    !run_str_ok(r->cmdline, r->cmdline_len) ||
	    !run_str_ok(r->work, r->work_len))
		return vy_errf(e, VY_E_INVAL, NULL, "run section: a string is "
			       "over %d bytes or holds NUL",
			       VY_DUMP_RUN_STR_MAX);
	if (r->line_count && (r->line_count != s->geo.slot_count || !r->lines))
		return vy_errf(e, VY_E_INVAL, NULL, "run section: %" PRIu32
			       " lines for %" PRIu32 " slots", r->line_count,
			       s->geo.slot_count);
	return 0;
}

/* Write the run payload of @r at @p (run_payload_len bytes, zeroed). */
static void put_run(uint8_t *p, const struct vy_dump_run *r)
{
	uint8_t *q = p + VY_DUMP_RUN_FIXED;

	vy_put_le32(p + 0, r->end);
	vy_put_le32(p + 4, r->exit_status);
	vy_put_le64(p + 8, r->start_ns);
	vy_put_le64(p + 16, r->wall_ns);
	vy_put_le32(p + 24, r->tool_len);
	vy_put_le32(p + 28, r->cmdline_len);
	vy_put_le32(p + 32, r->work_len);
	vy_put_le32(p + 36, r->line_count);
	if (r->tool_len)
		memcpy(q, r->tool, r->tool_len);
	q += r->tool_len;
	if (r->cmdline_len)
		memcpy(q, r->cmdline, r->cmdline_len);
	q += r->cmdline_len;
	if (r->work_len)
		memcpy(q, r->work, r->work_len);
	q = p + VY_DUMP_RUN_FIXED + run_strings_len(r);
	if (r->line_count)
		memcpy(q, r->lines, (size_t)r->line_count * 4);
}

/* Parse the run payload at @p (@len bytes, stream offset @at) into @r. */
static int parse_run(const uint8_t *p, uint64_t len, uint64_t at,
		     uint32_t slot_count, struct vy_dump_run *r,
		     struct vy_err *e)
{
	uint64_t need;

	if (r->present)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": a second run section", at);
	if (len < VY_DUMP_RUN_FIXED)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run section of %" PRIu64 " bytes is shorter "
			       "than its %d fixed bytes", at, len,
			       VY_DUMP_RUN_FIXED);
	r->end = vy_le32(p);
	r->exit_status = vy_le32(p + 4);
	r->start_ns = vy_le64(p + 8);
	r->wall_ns = vy_le64(p + 16);
	r->tool_len = vy_le32(p + 24);
	r->cmdline_len = vy_le32(p + 28);
	r->work_len = vy_le32(p + 32);
	r->line_count = vy_le32(p + 36);
	if (r->end >= VY_RUN_END_COUNT)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run end %" PRIu32 " is not 0..%d", at,
			       r->end, VY_RUN_END_COUNT - 1);
	if (r->tool_len > VY_DUMP_RUN_STR_MAX ||
	    r->cmdline_len > VY_DUMP_RUN_STR_MAX ||
	    r->work_len > VY_DUMP_RUN_STR_MAX)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run section string over %d bytes", at + 24,
			       VY_DUMP_RUN_STR_MAX);
	if (r->line_count && r->line_count != slot_count)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run section has %" PRIu32 " slot lines for "
			       "%" PRIu32 " slots", at + 36, r->line_count,
			       slot_count);
	need = run_payload_len(r);
	if (need != len)
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run section is %" PRIu64 " bytes, its "
			       "fields need %" PRIu64, at, len, need);
	r->tool = (const char *)p + VY_DUMP_RUN_FIXED;
	r->cmdline = r->tool + r->tool_len;
	r->work = r->cmdline + r->cmdline_len;
	if (memchr(r->tool, 0, (size_t)r->tool_len + r->cmdline_len +
				       r->work_len))
		return vy_errf(e, VY_E_FORMAT, NULL, "offset %" PRIu64
			       ": run section string holds NUL",
			       at + VY_DUMP_RUN_FIXED);
	r->lines = r->line_count ? p + VY_DUMP_RUN_FIXED + run_strings_len(r) :
				   NULL;
	r->present = 1;
	return 0;
}

/* Header checksum: header + table with bytes 72..79 read as zero. */
static uint64_t header_checksum(const uint8_t *p, size_t n)
{
	uint8_t tmp[TABLE_MAX_BYTES];

	memcpy(tmp, p, n);
	memset(tmp + H_CHECKSUM, 0, 8);
	return vy_dump_checksum(tmp, n);
}

/* ---- writing -------------------------------------------------------- */

static const uint32_t buf_sec[VY_BUF_COUNT] = {
	VY_DUMP_SEC_CONTROL, VY_DUMP_SEC_RING, VY_DUMP_SEC_DEBUG,
	VY_DUMP_SEC_IO,
};

/* Validate @s for writing; the number of sections in *@nsec. */
static int check_for_write(const struct vy_snapshot *s, unsigned *nsec,
			   struct vy_err *e)
{
	const char *what[VY_BUF_COUNT] = {
		"control buffer", "ring buffer", "debug buffer", "io buffer",
	};
	unsigned n = 0;
	size_t dlen;
	int i, ret;

	for (i = 0; i < VY_BUF_COUNT; i++) {
		const struct vy_dump_buf *b = &s->buf[i];

		if (!b->present)
			continue;
		if (b->len && !b->data)
			return vy_errf(e, VY_E_INVAL, NULL,
				       "%s: %zu bytes but no data", what[i],
				       b->len);
		ret = vy_dump_check_buf((enum vy_buffer_index)i, b->len, what[i], e);
		if (ret)
			return ret;
		n++;
	}
	if (s->buf[VY_BUF_RING].present &&
	    s->buf[VY_BUF_RING].len / SLOT_BYTES != s->geo.slot_count)
		return vy_errf(e, VY_E_INVAL,
			       "call vy_snapshot_fill_geometry",
			       "geometry slot_count %" PRIu32 " does not match "
			       "the ring buffer (%zu slots)", s->geo.slot_count,
			       s->buf[VY_BUF_RING].len / SLOT_BYTES);
	if (s->buf[VY_BUF_CONTROL].present &&
	    s->buf[VY_BUF_CONTROL].len / 4 - CONTROL_MIN_WORDS !=
		    s->geo.observable_slots)
		return vy_errf(e, VY_E_INVAL,
			       "call vy_snapshot_fill_geometry",
			       "geometry observable_slots %" PRIu32 " does not "
			       "match the control buffer (%zu observable "
			       "words)", s->geo.observable_slots,
			       s->buf[VY_BUF_CONTROL].len / 4 -
				       CONTROL_MIN_WORDS);
	dlen = strnlen(s->device, sizeof(s->device));
	if (dlen > VY_DUMP_DEVICE_MAX)
		return vy_errf(e, VY_E_INVAL, NULL,
			       "device name is not NUL-terminated");
	if (!vy_utf8_valid(s->device, dlen))
		return vy_errf(e, VY_E_INVAL, NULL,
			       "device name is not valid UTF-8");
	if (dlen)
		n++;
	if (s->run.present) {
		ret = check_run(s, e);
		if (ret)
			return ret;
		n++;
	}
	*nsec = n;
	return 0;
}

static size_t layout_len(const struct vy_snapshot *s, unsigned nsec)
{
	size_t total = VY_DUMP_HEADER_LEN + (size_t)nsec * VY_DUMP_SECTION_LEN;
	int i;

	for (i = 0; i < VY_BUF_COUNT; i++) {
		if (!s->buf[i].present)
			continue;
		if (s->buf[i].len > VY_DUMP_MAX_BYTES)
			return 0;
		total = align_up(total) + s->buf[i].len;
		if (total > VY_DUMP_MAX_BYTES)
			return 0;
	}
	total = align_up(total) + strnlen(s->device, VY_DUMP_DEVICE_MAX);
	if (s->run.present)
		total = align_up(total) + run_payload_len(&s->run);
	total = align_up(total);
	return total > VY_DUMP_MAX_BYTES ? 0 : total;
}

size_t vy_dump_encoded_len(const struct vy_snapshot *s)
{
	unsigned nsec;

	if (!s || check_for_write(s, &nsec, NULL))
		return 0;
	return layout_len(s, nsec);
}

static void put_section(uint8_t *out, unsigned idx, uint32_t type,
			size_t off, const void *data, size_t len)
{
	uint8_t *t = out + VY_DUMP_HEADER_LEN + idx * VY_DUMP_SECTION_LEN;

	vy_put_le32(t + S_TYPE, type);
	vy_put_le32(t + S_FLAGS, 0);
	vy_put_le64(t + S_OFFSET, off);
	vy_put_le64(t + S_LENGTH, len);
	vy_put_le64(t + S_CHECKSUM, vy_dump_checksum(data, len));
	if (len)
		memcpy(out + off, data, len);
}

int vy_dump_encode(const struct vy_snapshot *s, uint8_t **out, size_t *len,
		   struct vy_err *e)
{
	unsigned nsec, idx = 0;
	size_t total, off, dlen;
	uint8_t *p;
	int i, ret;

	if (!s || !out || !len)
		return vy_errf(e, VY_E_INVAL, NULL, "vy_dump_encode: NULL "
			       "argument");
	ret = check_for_write(s, &nsec, e);
	if (ret)
		return ret;
	total = layout_len(s, nsec);
	if (!total)
		return vy_errf(e, VY_E_TOO_LARGE,
			       "capture fewer slots per snapshot",
			       "snapshot would be over the %u-byte limit",
			       VY_DUMP_MAX_BYTES);
	p = calloc(1, total);
	if (!p)
		return vy_errf(e, VY_E_NOMEM, NULL,
			       "out of memory for a %zu-byte snapshot", total);
	memcpy(p + H_MAGIC, VY_DUMP_MAGIC, 4);
	put_le16(p + H_VERSION, VY_DUMP_VERSION);
	put_le16(p + H_HEADER_LEN, VY_DUMP_HEADER_LEN);
	vy_put_le32(p + H_FLAGS, s->flags);
	vy_put_le32(p + H_COUNT, nsec);
	vy_put_le64(p + H_TOTAL, total);
	vy_put_le64(p + H_CAPTURE, s->capture_ns);
	vy_put_le64(p + H_SEQUENCE, s->sequence);
	vy_put_le32(p + H_SLOTS, s->geo.slot_count);
	vy_put_le32(p + H_WGX, s->geo.workgroup_size_x);
	vy_put_le32(p + H_WGS, s->geo.workgroups);
	vy_put_le32(p + H_OBS, s->geo.observable_slots);
	vy_put_le32(p + H_TENANTS, s->geo.tenant_count);

	off = VY_DUMP_HEADER_LEN + (size_t)nsec * VY_DUMP_SECTION_LEN;
	for (i = 0; i < VY_BUF_COUNT; i++) {
		if (!s->buf[i].present)
			continue;
		off = align_up(off);
		put_section(p, idx++, buf_sec[i], off, s->buf[i].data,
			    s->buf[i].len);
		off += s->buf[i].len;
	}
	dlen = strnlen(s->device, VY_DUMP_DEVICE_MAX);
	if (dlen) {
		off = align_up(off);
		put_section(p, idx++, VY_DUMP_SEC_DEVICE, off, s->device,
			    dlen);
		off += dlen;
	}
	if (s->run.present) {
		size_t rlen = run_payload_len(&s->run);
		uint8_t *tmp = calloc(1, rlen);

		if (!tmp) {
			free(p);
			return vy_errf(e, VY_E_NOMEM, NULL,
				       "out of memory for the run section");
		}
		off = align_up(off);
		put_run(tmp, &s->run);
		put_section(p, idx++, VY_DUMP_SEC_RUN, off, tmp, rlen);
		free(tmp);
	}
	vy_put_le64(p + H_CHECKSUM,
		    header_checksum(p, VY_DUMP_HEADER_LEN +
					       nsec * VY_DUMP_SECTION_LEN));
	*out = p;
	*len = total;
	return 0;
}

int vy_dump_write(FILE *f, const struct vy_snapshot *s, struct vy_err *e)
{
	uint8_t *p;
	size_t n;
	int ret;

	ret = vy_dump_encode(s, &p, &n, e);
	if (ret)
		return ret;
	if (fwrite(p, 1, n, f) != n)
		ret = vy_errf(e, VY_E_IO, NULL, "write error: %s",
			      strerror(errno));
	free(p);
	return ret;
}

int vy_dump_write_fd(int fd, const struct vy_snapshot *s, struct vy_err *e)
{
	uint8_t *p;
	size_t n, done = 0;
	int ret;

	ret = vy_dump_encode(s, &p, &n, e);
	if (ret)
		return ret;
	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = vy_errf(e, VY_E_IO, NULL, "write error: %s",
				      w < 0 ? strerror(errno) : "no progress");
			break;
		}
		done += (size_t)w;
	}
	free(p);
	return ret;
}

/* ---- parsing -------------------------------------------------------- */

enum vy_dump_kind vy_dump_detect(const uint8_t *data, size_t len)
{
	if (!len)
		return VY_DUMP_KIND_EMPTY;
	if (len >= 4 && !memcmp(data, VY_DUMP_MAGIC, 4))
		return VY_DUMP_KIND_VYRD;
	return VY_DUMP_KIND_RAW;
}

static void magic_text(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n && i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'') ?
				 (char)p[i] : '.';
	out[i] = '\0';
}

/*
 * Check the fixed header at @p (@len bytes available).  On success
 * *@total, *@hlen and *@count are set.  Needs no more than the fixed
 * header (VY_DUMP_HEADER_LEN bytes), so the stream reader can call it
 * before it reads the rest.
 */
static int check_header(const uint8_t *p, size_t len, uint64_t base,
			uint64_t *total, size_t *hlen, uint32_t *count,
			struct vy_err *e)
{
	char m[5];
	uint32_t ver, hl, n;
	uint64_t t, need;

	if (len < 4 || memcmp(p, VY_DUMP_MAGIC, 4)) {
		if (len < 4 && (!len || !memcmp(p, VY_DUMP_MAGIC, len)))
			return vy_errf(e, VY_E_TRUNCATED, NULL,
				       "offset %" PRIu64 ": truncated: header "
				       "needs %d bytes, %zu left", base,
				       VY_DUMP_HEADER_LEN, len);
		magic_text(p, len, m);
		return vy_errf(e, VY_E_BAD_MAGIC,
			       "give a VYRD snapshot, or name the raw "
			       "buffer the file holds",
			       "offset %" PRIu64 ": bad magic '%s' (not a vyre "
			       "snapshot)", base, m);
	}
	if (len < 6)
		return vy_errf(e, VY_E_TRUNCATED, NULL,
			       "offset %" PRIu64 ": truncated: header needs %d "
			       "bytes, %zu left", base, VY_DUMP_HEADER_LEN, len);
	ver = le16(p + H_VERSION);
	if (ver != VY_DUMP_VERSION)
		return vy_errf(e, VY_E_BAD_VERSION,
			       "read it with the vyre release that wrote "
			       "it",
			       "offset %" PRIu64 ": unsupported version %" PRIu32
			       " (this build reads %d)", base + H_VERSION, ver,
			       VY_DUMP_VERSION);
	if (len < VY_DUMP_HEADER_LEN)
		return vy_errf(e, VY_E_TRUNCATED, NULL,
			       "offset %" PRIu64 ": truncated: header needs %d "
			       "bytes, %zu left", base, VY_DUMP_HEADER_LEN, len);
	hl = le16(p + H_HEADER_LEN);
	if (hl < VY_DUMP_HEADER_LEN || hl > VY_DUMP_MAX_HEADER_LEN ||
	    hl % VY_DUMP_ALIGN)
		return vy_errf(e, VY_E_FORMAT, NULL,
			       "offset %" PRIu64 ": header length %" PRIu32
			       " is not a multiple of 8 in [%d, %d]",
			       base + H_HEADER_LEN, hl, VY_DUMP_HEADER_LEN,
			       VY_DUMP_MAX_HEADER_LEN);
	n = vy_le32(p + H_COUNT);
	if (n > VY_DUMP_MAX_SECTIONS)
		return vy_errf(e, VY_E_TOO_LARGE, NULL,
			       "offset %" PRIu64 ": %" PRIu32 " sections is "
			       "over the limit of %d", base + H_COUNT, n,
			       VY_DUMP_MAX_SECTIONS);
	t = vy_le64(p + H_TOTAL);
	need = hl + (uint64_t)n * VY_DUMP_SECTION_LEN;
	if (t > VY_DUMP_MAX_BYTES)
		return vy_errf(e, VY_E_TOO_LARGE, NULL,
			       "offset %" PRIu64 ": total length %" PRIu64
			       " is over the %u-byte limit", base + H_TOTAL,
			       t, VY_DUMP_MAX_BYTES);
	if (t < need || t % VY_DUMP_ALIGN)
		return vy_errf(e, VY_E_FORMAT, NULL,
			       "offset %" PRIu64 ": total length %" PRIu64
			       " is not a multiple of 8 of at least %" PRIu64
			       " (header and section table)", base + H_TOTAL,
			       t, need);
	*total = t;
	*hlen = hl;
	*count = n;
	return 0;
}

int vy_dump_parse(const uint8_t *data, size_t len, uint64_t base,
		  struct vy_snapshot *out, size_t *consumed, struct vy_err *e)
{
	uint64_t total, stored, computed, prev_end;
	size_t hlen, tlen, avail;
	uint32_t count, i;
	int ret;

	if (!data && len)
		return vy_errf(e, VY_E_INVAL, NULL, "vy_dump_parse: NULL data");
	ret = check_header(data, len, base, &total, &hlen, &count, e);
	if (ret)
		return ret;
	tlen = hlen + (size_t)count * VY_DUMP_SECTION_LEN;
	if (len < tlen)
		return vy_errf(e, VY_E_TRUNCATED, NULL,
			       "offset %" PRIu64 ": truncated: header and "
			       "section table need %zu bytes, %zu left", base,
			       tlen, len);
	stored = vy_le64(data + H_CHECKSUM);
	computed = header_checksum(data, tlen);
	if (stored != computed)
		return vy_errf(e, VY_E_BAD_CHECKSUM, NULL,
			       "offset %" PRIu64 ": header checksum mismatch "
			       "(stored 0x%016" PRIx64 ", computed 0x%016" PRIx64
			       ")", base + H_CHECKSUM, stored, computed);
	avail = len < total ? len : (size_t)total;

	vy_snapshot_init(out);
	out->version = VY_DUMP_VERSION;
	out->flags = vy_le32(data + H_FLAGS);
	out->capture_ns = vy_le64(data + H_CAPTURE);
	out->sequence = vy_le64(data + H_SEQUENCE);
	out->geo.slot_count = vy_le32(data + H_SLOTS);
	out->geo.workgroup_size_x = vy_le32(data + H_WGX);
	out->geo.workgroups = vy_le32(data + H_WGS);
	out->geo.observable_slots = vy_le32(data + H_OBS);
	out->geo.tenant_count = vy_le32(data + H_TENANTS);
	out->section_count = count;
	out->offset = base;
	out->total_len = total;

	prev_end = tlen;
	for (i = 0; i < count; i++) {
		const uint8_t *t = data + hlen + (size_t)i * VY_DUMP_SECTION_LEN;
		uint64_t toff = base + hlen + (uint64_t)i * VY_DUMP_SECTION_LEN;
		uint32_t type = vy_le32(t + S_TYPE);
		uint64_t off = vy_le64(t + S_OFFSET);
		uint64_t slen = vy_le64(t + S_LENGTH);
		const char *nm = sec_name(type);
		char what[48];
		int b = -1;

		if (off % VY_DUMP_ALIGN)
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "offset %" PRIu64 ": section %" PRIu32
				       " (%s) payload offset %" PRIu64 " is "
				       "misaligned (not a multiple of 8)",
				       toff + S_OFFSET, i, nm, off);
		if (off < prev_end)
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "offset %" PRIu64 ": section %" PRIu32
				       " (%s) payload offset %" PRIu64 " overlaps "
				       "the %s before it (ends at %" PRIu64 ")",
				       toff + S_OFFSET, i, nm, off,
				       i ? "previous payload" : "section table",
				       prev_end);
		if (off > total || slen > total - off)
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "offset %" PRIu64 ": section %" PRIu32
				       " (%s) payload [%" PRIu64 ", +%" PRIu64
				       ") runs past the snapshot end %" PRIu64,
				       toff + S_OFFSET, i, nm, off, slen,
				       total);
		if (off + slen > avail)
			return vy_errf(e, VY_E_TRUNCATED, NULL,
				       "offset %" PRIu64 ": truncated: section "
				       "%" PRIu32 " (%s) needs %" PRIu64
				       " bytes, %" PRIu64 " left", base + off,
				       i, nm, slen,
				       off < avail ? avail - off : 0);
		stored = vy_le64(t + S_CHECKSUM);
		computed = vy_dump_checksum(data + off, (size_t)slen);
		if (stored != computed)
			return vy_errf(e, VY_E_BAD_CHECKSUM,
				       "the file is damaged; capture it "
				       "again",
				       "offset %" PRIu64 ": section %" PRIu32
				       " (%s) checksum mismatch (stored 0x%016"
				       PRIx64 ", computed 0x%016" PRIx64 ")",
				       base + off, i, nm, stored, computed);
		prev_end = off + slen;

		switch (type) {
		case VY_DUMP_SEC_CONTROL:
			b = VY_BUF_CONTROL;
			break;
		case VY_DUMP_SEC_RING:
			b = VY_BUF_RING;
			break;
		case VY_DUMP_SEC_DEBUG:
			b = VY_BUF_DEBUG_LOG;
			break;
		case VY_DUMP_SEC_IO:
			b = VY_BUF_IO_QUEUE;
			break;
		case VY_DUMP_SEC_DEVICE:
			if (out->device[0] || slen > VY_DUMP_DEVICE_MAX ||
			    memchr(data + off, 0, (size_t)slen) || !slen)
				return vy_errf(e, VY_E_FORMAT, NULL,
					       "offset %" PRIu64 ": device "
					       "section %" PRIu32 " must appear "
					       "once and hold 1 to %d bytes "
					       "without NUL (has %" PRIu64 ")",
					       base + off, i,
					       VY_DUMP_DEVICE_MAX, slen);
			/* vyre-dump(5): the name is UTF-8, so JSON can carry it */
			if (!vy_utf8_valid(data + off, (size_t)slen))
				return vy_errf(e, VY_E_FORMAT, NULL,
					       "offset %" PRIu64 ": device "
					       "section %" PRIu32 " is not valid "
					       "UTF-8", base + off, i);
			memcpy(out->device, data + off, (size_t)slen);
			out->device[slen] = '\0';
			continue;
		case VY_DUMP_SEC_RUN:
			ret = parse_run(data + off, slen, base + off,
					out->geo.slot_count, &out->run, e);
			if (ret)
				return ret;
			continue;
		default:
			out->unknown_sections++;
			continue;
		}
		if (out->buf[b].present)
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "offset %" PRIu64 ": section %" PRIu32
				       " is a second %s section",
				       toff + S_TYPE, i, nm);
		snprintf(what, sizeof(what), "offset %" PRIu64 ": %s section",
			 base + off, nm);
		ret = vy_dump_check_buf((enum vy_buffer_index)b, (size_t)slen, what, e);
		if (ret)
			return ret;
		vy_snapshot_set_buf(out, (enum vy_buffer_index)b, data + off,
				    (size_t)slen);
	}
	if (total > len)
		return vy_errf(e, VY_E_TRUNCATED, NULL,
			       "offset %" PRIu64 ": truncated: snapshot needs "
			       "%" PRIu64 " bytes, %zu left", base, total, len);
	if (out->buf[VY_BUF_RING].present &&
	    out->buf[VY_BUF_RING].len / SLOT_BYTES != out->geo.slot_count)
		return vy_errf(e, VY_E_FORMAT, NULL,
			       "offset %" PRIu64 ": slot_count %" PRIu32
			       " does not match the ring section (%zu slots)",
			       base + H_SLOTS, out->geo.slot_count,
			       out->buf[VY_BUF_RING].len / SLOT_BYTES);
	if (out->buf[VY_BUF_CONTROL].present &&
	    out->buf[VY_BUF_CONTROL].len / 4 - CONTROL_MIN_WORDS !=
		    out->geo.observable_slots)
		return vy_errf(e, VY_E_FORMAT, NULL,
			       "offset %" PRIu64 ": observable_slots %" PRIu32
			       " does not match the control section (%zu "
			       "observable words)", base + H_OBS,
			       out->geo.observable_slots,
			       out->buf[VY_BUF_CONTROL].len / 4 -
				       CONTROL_MIN_WORDS);
	if (consumed)
		*consumed = (size_t)total;
	return 0;
}

int vy_dump_from_raw(enum vy_buffer_index b, const uint8_t *data, size_t len,
		     struct vy_snapshot *out, struct vy_err *e)
{
	char what[32];
	int ret;

	snprintf(what, sizeof(what), "%s buffer", vy_buf_name(b));
	ret = vy_dump_check_buf(b, len, what, e);
	if (ret)
		return ret;
	vy_snapshot_init(out);
	vy_snapshot_set_buf(out, b, data, len);
	vy_snapshot_fill_geometry(out);
	return 0;
}

/* ---- stream reader -------------------------------------------------- */

struct vy_dump_reader {
	FILE *f;
	int own;		/* close f in free */
	char *name;
	uint8_t *buf;		/* bytes of the snapshot being read */
	size_t have;		/* valid bytes in buf */
	size_t cap;
	int returned;		/* buf holds the snapshot returned last */
	uint64_t off;		/* stream offset of buf[0] */
	int fatal;		/* sticky error code, 0 if none */
	struct vy_err fatal_err;
};

int vy_dump_reader_new(FILE *f, const char *name, struct vy_dump_reader **out,
		       struct vy_err *e)
{
	struct vy_dump_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	r->name = strdup(name ? name : "<input>");
	if (!r->name) {
		free(r);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	r->f = f;
	*out = r;
	return 0;
}

int vy_dump_reader_open(const char *path, struct vy_dump_reader **out,
			struct vy_err *e)
{
	FILE *f;
	int ret;

	if (!strcmp(path, "-"))
		return vy_dump_reader_new(stdin, "<stdin>", out, e);
	f = fopen(path, "rb");
	if (!f)
		return vy_errf(e, VY_E_IO, NULL, "cannot open %s: %s", path,
			       strerror(errno));
	ret = vy_dump_reader_new(f, path, out, e);
	if (ret) {
		fclose(f);
		return ret;
	}
	(*out)->own = 1;
	return 0;
}

void vy_dump_reader_free(struct vy_dump_reader *r)
{
	if (!r)
		return;
	if (r->own)
		fclose(r->f);
	free(r->name);
	free(r->buf);
	free(r);
}

const char *vy_dump_reader_name(const struct vy_dump_reader *r)
{
	return r->name;
}

uint64_t vy_dump_reader_offset(const struct vy_dump_reader *r)
{
	return r->returned ? r->off + r->have : r->off;
}

/* Drop the snapshot returned by the previous call. */
static void reader_advance(struct vy_dump_reader *r)
{
	if (!r->returned)
		return;
	r->off += r->have;
	r->have = 0;
	r->returned = 0;
}

/*
 * Read until buf holds @want bytes or the input ends.  The buffer grows
 * by doubling with the data actually read, starting at 64 KiB.  Returns
 * 0 (check r->have), VY_E_IO or VY_E_NOMEM.
 */
static int reader_fill(struct vy_dump_reader *r, size_t want,
		       struct vy_err *e)
{
	clearerr(r->f);
	while (r->have < want) {
		size_t chunk, got;

		if (r->have == r->cap) {
			/* at most twice what has really been read */
			size_t ncap = r->cap ? r->cap * 2 : 4096;
			uint8_t *nb;

			if (ncap > want)
				ncap = want;
			nb = realloc(r->buf, ncap);
			if (!nb)
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "out of memory reading %zu "
					       "bytes", ncap);
			r->buf = nb;
			r->cap = ncap;
		}
		chunk = want - r->have;
		if (chunk > r->cap - r->have)
			chunk = r->cap - r->have;
		got = fread(r->buf + r->have, 1, chunk, r->f);
		r->have += got;
		if (got < chunk) {
			if (ferror(r->f))
				return vy_errf(e, VY_E_IO, NULL,
					       "offset %" PRIu64 ": read error: "
					       "%s", r->off + r->have,
					       strerror(errno));
			break;
		}
	}
	return 0;
}

int vy_dump_reader_kind(struct vy_dump_reader *r, struct vy_err *e)
{
	int ret;

	reader_advance(r);
	ret = reader_fill(r, 4, e);
	if (ret)
		return ret;
	return (int)vy_dump_detect(r->buf, r->have);
}

/* Remember a parse error: every later call returns it again. */
static int reader_fail(struct vy_dump_reader *r, int code,
		       const struct vy_err *err)
{
	if (code == VY_E_TRUNCATED || code == VY_E_IO || code == VY_E_NOMEM)
		return code;
	r->fatal = code;
	if (err)
		r->fatal_err = *err;
	return code;
}

int vy_dump_reader_next(struct vy_dump_reader *r, struct vy_snapshot *out,
			struct vy_err *e)
{
	struct vy_err tmp;
	uint64_t total;
	size_t hlen, used;
	uint32_t count;
	int ret;

	vy_err_clear(&tmp);
	if (r->fatal) {
		if (e)
			*e = r->fatal_err;
		return r->fatal;
	}
	reader_advance(r);
	ret = reader_fill(r, VY_DUMP_HEADER_LEN, &tmp);
	if (ret)
		goto fail;
	if (!r->have)
		return 0;
	ret = check_header(r->buf, r->have, r->off, &total, &hlen, &count,
			   &tmp);
	if (ret)
		goto fail;
	ret = reader_fill(r, (size_t)total, &tmp);
	if (ret)
		goto fail;
	ret = vy_dump_parse(r->buf, r->have, r->off, out, &used, &tmp);
	if (ret)
		goto fail;
	r->returned = 1;
	return 1;
fail:
	if (e)
		*e = tmp;
	return reader_fail(r, ret, &tmp);
}

int vy_dump_reader_read_all(struct vy_dump_reader *r, uint8_t **out,
			    size_t *len, struct vy_err *e)
{
	uint8_t *p;
	int ret;

	reader_advance(r);
	for (;;) {
		size_t want = r->cap ? r->cap * 2 : 64 * 1024;

		if (want > (size_t)VY_DUMP_MAX_BYTES + 1)
			want = (size_t)VY_DUMP_MAX_BYTES + 1;
		ret = reader_fill(r, want, e);
		if (ret)
			return ret;
		if (r->have > VY_DUMP_MAX_BYTES)
			return vy_errf(e, VY_E_TOO_LARGE, NULL,
				       "offset %" PRIu64 ": input is over the "
				       "%u-byte limit", r->off + VY_DUMP_MAX_BYTES,
				       VY_DUMP_MAX_BYTES);
		if (r->have < want)
			break;
	}
	p = malloc(r->have ? r->have : 1);
	if (!p)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	if (r->have)
		memcpy(p, r->buf, r->have);
	*out = p;
	*len = r->have;
	r->off += r->have;
	r->have = 0;
	return 0;
}

/* ---- raw buffer files ----------------------------------------------- */

int vy_dump_load_raw(const char *path, enum vy_buffer_index b, uint8_t **out,
		     size_t *len, struct vy_err *e)
{
	struct vy_dump_reader *r;
	char what[32];
	uint8_t *p;
	size_t n;
	int ret;

	if ((unsigned)b >= VY_BUF_COUNT)
		return vy_errf(e, VY_E_INVAL, NULL, "unknown buffer %d", (int)b);
	ret = vy_dump_reader_open(path, &r, e);
	if (ret)
		return ret;
	ret = vy_dump_reader_read_all(r, &p, &n, e);
	vy_dump_reader_free(r);
	if (ret)
		return ret;
	if (vy_dump_detect(p, n) == VY_DUMP_KIND_VYRD) {
		free(p);
		return vy_errf(e, VY_E_FORMAT,
			       "pass the file as a snapshot, not as a raw "
			       "buffer",
			       "offset 0: is a VYRD snapshot, not a raw %s "
			       "buffer", vy_buf_name(b));
	}
	snprintf(what, sizeof(what), "%s file", vy_buf_name(b));
	ret = vy_dump_check_buf(b, n, what, e);
	if (ret) {
		free(p);
		return ret;
	}
	*out = p;
	*len = n;
	return 0;
}
