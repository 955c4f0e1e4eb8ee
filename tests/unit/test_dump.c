/* SPDX-License-Identifier: MIT */
/*
 * VYRD container and raw buffer files: round trips, streams, and one test
 * per class of malformed input (vyre-dump(5)).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wire/dump.h"
#include "harness.h"
#include "wire/util.h"

/* Fixed test buffers: control with 4 observables, 4 slots, debug, io. */
static uint8_t t_control[(160 + 4) * 4];
static uint8_t t_ring[4 * 64];
static uint8_t t_debug[1028];
static uint8_t t_io[2048];

static void fill_buffers(void)
{
	size_t i;

	for (i = 0; i < sizeof(t_control); i++)
		t_control[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(t_ring); i++)
		t_ring[i] = (uint8_t)(i * 3 + 1);
	for (i = 0; i < sizeof(t_debug); i++)
		t_debug[i] = (uint8_t)(i ^ 0x5a);
	for (i = 0; i < sizeof(t_io); i++)
		t_io[i] = (uint8_t)(i * 11);
}

static void full_snapshot(struct vy_snapshot *s)
{
	fill_buffers();
	vy_snapshot_init(s);
	vy_snapshot_set_buf(s, VY_BUF_CONTROL, t_control, sizeof(t_control));
	vy_snapshot_set_buf(s, VY_BUF_RING, t_ring, sizeof(t_ring));
	vy_snapshot_set_buf(s, VY_BUF_DEBUG_LOG, t_debug, sizeof(t_debug));
	vy_snapshot_set_buf(s, VY_BUF_IO_QUEUE, t_io, sizeof(t_io));
	vy_snapshot_fill_geometry(s);
	s->geo.workgroup_size_x = 4;
	s->geo.workgroups = 1;
	s->geo.tenant_count = 1;
	s->capture_ns = 1700000000123456789ULL;
	s->sequence = 42;
	snprintf(s->device, sizeof(s->device), "%s", "pthread-cpu");
}

/* Recompute the header checksum of the snapshot at @p (after tampering). */
static void refresh_header(uint8_t *p)
{
	size_t n = (p[6] | (size_t)p[7] << 8) + 32 * (size_t)vy_le32(p + 12);
	uint8_t *tmp = malloc(n);

	memcpy(tmp, p, n);
	memset(tmp + 72, 0, 8);
	vy_put_le64(p + 72, vy_dump_checksum(tmp, n));
	free(tmp);
}

/* Section table entry @i of the snapshot at @p. */
static uint8_t *entry(uint8_t *p, unsigned i)
{
	return p + 80 + 32 * i;
}

/*
 * Hand-built snapshot: sections in order, payloads 8-aligned, correct
 * checksums; geometry from the arguments.  Returns the length.
 */
struct tsec {
	uint32_t type;
	const void *data;
	size_t len;
};

static size_t build(uint8_t *out, const struct tsec *s, unsigned n,
		    uint32_t slots, uint32_t obs)
{
	size_t off = 80 + 32 * (size_t)n;
	unsigned i;

	memset(out, 0, 80 + 32 * n);
	memcpy(out, "VYRD", 4);
	out[4] = 1;
	out[6] = 80;
	vy_put_le32(out + 12, n);
	vy_put_le32(out + 40, slots);
	vy_put_le32(out + 52, obs);
	for (i = 0; i < n; i++) {
		off = (off + 7) & ~(size_t)7;
		vy_put_le32(entry(out, i), s[i].type);
		vy_put_le64(entry(out, i) + 8, off);
		vy_put_le64(entry(out, i) + 16, s[i].len);
		vy_put_le64(entry(out, i) + 24,
			    vy_dump_checksum(s[i].data, s[i].len));
		memcpy(out + off, s[i].data, s[i].len);
		off += s[i].len;
	}
	off = (off + 7) & ~(size_t)7;
	vy_put_le64(out + 16, off);
	refresh_header(out);
	return off;
}

static uint8_t big[16384];

static int parse_err(const uint8_t *p, size_t len, struct vy_err *e)
{
	struct vy_snapshot s;

	vy_err_clear(e);
	return vy_dump_parse(p, len, 0, &s, NULL, e);
}

VY_TEST(dump_roundtrip_all_sections)
{
	struct vy_snapshot s, r;
	struct vy_err e;
	uint8_t *p;
	size_t n, used;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, vy_dump_encoded_len(&s));
	VY_CHECK_EQ_U64(n % 8, 0);
	VY_CHECK(!memcmp(p, "VYRD", 4));
	VY_CHECK_EQ_U64(vy_le64(p + 16), n);
	VY_CHECK(vy_dump_parse(p, n, 100, &r, &used, &e) == 0);
	VY_CHECK_EQ_U64(used, n);
	VY_CHECK_EQ_U64(r.offset, 100);
	VY_CHECK_EQ_U64(r.total_len, n);
	VY_CHECK_EQ_U64(r.version, 1);
	VY_CHECK_EQ_U64(r.section_count, 5);
	VY_CHECK_EQ_U64(r.unknown_sections, 0);
	VY_CHECK_EQ_U64(r.capture_ns, 1700000000123456789ULL);
	VY_CHECK_EQ_U64(r.sequence, 42);
	VY_CHECK_EQ_U64(r.geo.slot_count, 4);
	VY_CHECK_EQ_U64(r.geo.observable_slots, 4);
	VY_CHECK_EQ_U64(r.geo.workgroup_size_x, 4);
	VY_CHECK_EQ_U64(r.geo.workgroups, 1);
	VY_CHECK_EQ_U64(r.geo.tenant_count, 1);
	VY_CHECK_STR(r.device, "pthread-cpu");
	VY_CHECK(r.buf[VY_BUF_CONTROL].present);
	VY_CHECK_EQ_U64(r.buf[VY_BUF_CONTROL].len, sizeof(t_control));
	VY_CHECK(!memcmp(r.buf[VY_BUF_CONTROL].data, t_control,
			 sizeof(t_control)));
	VY_CHECK(!memcmp(r.buf[VY_BUF_RING].data, t_ring, sizeof(t_ring)));
	VY_CHECK(!memcmp(r.buf[VY_BUF_DEBUG_LOG].data, t_debug,
			 sizeof(t_debug)));
	VY_CHECK(!memcmp(r.buf[VY_BUF_IO_QUEUE].data, t_io, sizeof(t_io)));
	/* borrowed from the input, 8-aligned */
	VY_CHECK(r.buf[VY_BUF_RING].data >= p && r.buf[VY_BUF_RING].data < p + n);
	VY_CHECK_EQ_U64((r.buf[VY_BUF_RING].data - p) % 8, 0);
	free(p);
}

VY_TEST(dump_roundtrip_partial_and_empty_io)
{
	struct vy_snapshot s, r;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	fill_buffers();
	vy_snapshot_init(&s);
	vy_snapshot_set_buf(&s, VY_BUF_CONTROL, t_control, 640);
	vy_snapshot_set_buf(&s, VY_BUF_IO_QUEUE, NULL, 0);
	vy_snapshot_fill_geometry(&s);
	VY_CHECK_EQ_U64(s.geo.observable_slots, 0);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 80 + 2 * 32 + 640);
	VY_CHECK(vy_dump_parse(p, n, 0, &r, NULL, &e) == 0);
	VY_CHECK(r.buf[VY_BUF_CONTROL].present);
	VY_CHECK(!r.buf[VY_BUF_RING].present);
	VY_CHECK(!r.buf[VY_BUF_DEBUG_LOG].present);
	VY_CHECK(r.buf[VY_BUF_IO_QUEUE].present);
	VY_CHECK_EQ_U64(r.buf[VY_BUF_IO_QUEUE].len, 0);
	VY_CHECK_STR(r.device, "");
	free(p);
}

VY_TEST(dump_writer_rejects_inconsistent_input)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p = NULL;
	size_t n;

	full_snapshot(&s);
	s.geo.slot_count = 5;
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_INVAL);
	VY_CHECK(strstr(e.msg, "slot_count 5") != NULL);
	VY_CHECK_EQ_U64(vy_dump_encoded_len(&s), 0);
	full_snapshot(&s);
	s.geo.observable_slots = 0;
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_INVAL);
	full_snapshot(&s);
	vy_snapshot_set_buf(&s, VY_BUF_RING, t_ring, 100);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "ring buffer: 100 bytes is not a multiple of the "
			    "64-byte slot");
}

VY_TEST(dump_check_buf_rules)
{
	struct vy_err e;

	VY_CHECK(vy_dump_check_buf(VY_BUF_CONTROL, 640, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_CONTROL, 636, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_CONTROL, 642, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_CONTROL, (160 + (1u << 20)) * 4,
				   NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_CONTROL, (161 + (1u << 20)) * 4,
				   NULL, &e) == VY_E_TOO_LARGE);
	VY_CHECK(vy_dump_check_buf(VY_BUF_RING, 0, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_RING, 1000, "ring file", &e) ==
		 VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "ring file: 1000 bytes is not a multiple of the "
			    "64-byte slot");
	VY_CHECK(vy_dump_check_buf(VY_BUF_RING, (size_t)64 << 20, NULL, &e) ==
		 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_RING, ((size_t)64 << 20) + 64, NULL,
				   &e) == VY_E_TOO_LARGE);
	VY_CHECK(vy_dump_check_buf(VY_BUF_DEBUG_LOG, 4, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_DEBUG_LOG, 1028, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_DEBUG_LOG, 0, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_DEBUG_LOG, 1024, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_DEBUG_LOG, 1030, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_IO_QUEUE, 0, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_IO_QUEUE, 2048, NULL, &e) == 0);
	VY_CHECK(vy_dump_check_buf(VY_BUF_IO_QUEUE, 2080, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "64-slot") != NULL);
	VY_CHECK(vy_dump_check_buf(VY_BUF_IO_QUEUE, 36, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_check_buf(VY_BUF_IO_QUEUE, 30, NULL, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "4-byte aligned") != NULL);
}

VY_TEST(dump_buf_names)
{
	enum vy_buffer_index b;
	struct vy_err e;

	VY_CHECK(vy_buf_parse("ring", &b, &e) == 0 && b == VY_BUF_RING);
	VY_CHECK(vy_buf_parse("debug_log", &b, &e) == 0 &&
		 b == VY_BUF_DEBUG_LOG);
	VY_CHECK(vy_buf_parse("io", &b, &e) == 0 && b == VY_BUF_IO_QUEUE);
	VY_CHECK(vy_buf_parse("rings", &b, &e) == VY_E_INVAL);
	VY_CHECK_STR(vy_buf_name(VY_BUF_CONTROL), "control");
	VY_CHECK_STR(vy_buf_name(VY_BUF_IO_QUEUE), "io");
	VY_CHECK_STR(vy_buf_name((enum vy_buffer_index)9), "?");
}

VY_TEST(dump_detect)
{
	VY_CHECK(vy_dump_detect((const uint8_t *)"", 0) == VY_DUMP_KIND_EMPTY);
	VY_CHECK(vy_dump_detect((const uint8_t *)"VYRD", 4) ==
		 VY_DUMP_KIND_VYRD);
	VY_CHECK(vy_dump_detect((const uint8_t *)"VYR", 3) == VY_DUMP_KIND_RAW);
	VY_CHECK(vy_dump_detect((const uint8_t *)"\0\0\0\0", 4) ==
		 VY_DUMP_KIND_RAW);
}

VY_TEST(dump_bad_magic)
{
	struct vy_err e;
	uint8_t p[96] = "ABCDxxxx";

	VY_CHECK(parse_err(p, sizeof(p), &e) == VY_E_BAD_MAGIC);
	VY_CHECK_STR(e.msg, "offset 0: bad magic 'ABCD' (not a vyre snapshot)");
	VY_CHECK(e.hint[0] != '\0');
}

VY_TEST(dump_bad_version)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	p[4] = 9;
	VY_CHECK(parse_err(p, n, &e) == VY_E_BAD_VERSION);
	VY_CHECK_STR(e.msg, "offset 4: unsupported version 9 (this build "
			    "reads 1)");
	free(p);
}

VY_TEST(dump_bad_header_checksum)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	p[24] ^= 1;		/* capture time */
	VY_CHECK(parse_err(p, n, &e) == VY_E_BAD_CHECKSUM);
	VY_CHECK(!strncmp(e.msg, "offset 72: header checksum mismatch (stored "
			  "0x", 44));
	p[24] ^= 1;
	entry(p, 1)[16] ^= 0x40;	/* ring length in the table */
	VY_CHECK(parse_err(p, n, &e) == VY_E_BAD_CHECKSUM);
	free(p);
}

VY_TEST(dump_bad_section_checksum)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n, off;
	char want[64];

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	off = vy_le64(entry(p, 1) + 8);
	p[off + 5] ^= 0x80;
	VY_CHECK(parse_err(p, n, &e) == VY_E_BAD_CHECKSUM);
	snprintf(want, sizeof(want), "offset %zu: section 1 (ring) checksum "
		 "mismatch", off);
	VY_CHECK(!strncmp(e.msg, want, strlen(want)));
	VY_CHECK(strstr(e.msg, "stored 0x") && strstr(e.msg, "computed 0x"));
	free(p);
}

VY_TEST(dump_every_prefix_is_truncated)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n, i;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	for (i = 0; i < n; i++) {
		int ret = parse_err(p, i, &e);

		if (ret != VY_E_TRUNCATED) {
			vy_test_fail(__FILE__, __LINE__, "prefix %zu: %d %s",
				     i, ret, e.msg);
			free(p);
			return;
		}
	}
	VY_CHECK(parse_err(p, 100, &e) == VY_E_TRUNCATED);
	VY_CHECK_STR(e.msg, "offset 0: truncated: header and section table "
			    "need 240 bytes, 100 left");
	VY_CHECK(parse_err(p, 1000, &e) == VY_E_TRUNCATED);
	VY_CHECK_STR(e.msg, "offset 896: truncated: section 1 (ring) needs "
			    "256 bytes, 104 left");
	VY_CHECK(parse_err(p, 3, &e) == VY_E_TRUNCATED);
	free(p);
}

VY_TEST(dump_misaligned_and_overlapping_sections)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	vy_put_le64(entry(p, 1) + 8, vy_le64(entry(p, 1) + 8) + 4);
	refresh_header(p);
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "offset 120: section 1 (ring) payload offset") &&
		 strstr(e.msg, "misaligned"));
	vy_put_le64(entry(p, 1) + 8, 8);
	refresh_header(p);
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "overlaps") != NULL);
	vy_put_le64(entry(p, 1) + 8, n - 8);
	refresh_header(p);
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "runs past the snapshot end") != NULL);
	free(p);
}

VY_TEST(dump_header_field_limits)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	p[6] = 84;
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	VY_CHECK(!strncmp(e.msg, "offset 6: header length 84", 26));
	p[6] = 80;
	vy_put_le32(p + 12, 65);
	VY_CHECK(parse_err(p, n, &e) == VY_E_TOO_LARGE);
	VY_CHECK_STR(e.msg, "offset 12: 65 sections is over the limit of 64");
	vy_put_le32(p + 12, 5);
	vy_put_le64(p + 16, (uint64_t)1 << 40);
	VY_CHECK(parse_err(p, n, &e) == VY_E_TOO_LARGE);
	vy_put_le64(p + 16, 96);
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	vy_put_le64(p + 16, n + 4);
	VY_CHECK(parse_err(p, n, &e) == VY_E_FORMAT);
	free(p);
}

VY_TEST(dump_bad_buffer_sizes_in_sections)
{
	struct vy_err e;
	struct tsec sec[2];
	size_t n;

	fill_buffers();
	sec[0] = (struct tsec){ VY_DUMP_SEC_RING, t_ring, 200 };
	n = build(big, sec, 1, 3, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "offset 112: ring section: 200 bytes is not a "
			    "multiple of the 64-byte slot");
	sec[0] = (struct tsec){ VY_DUMP_SEC_CONTROL, t_control, 600 };
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	sec[0] = (struct tsec){ VY_DUMP_SEC_DEBUG, t_debug, 1000 };
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	sec[0] = (struct tsec){ VY_DUMP_SEC_IO, t_io, 48 };
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	/* a known type twice */
	sec[0] = (struct tsec){ VY_DUMP_SEC_RING, t_ring, 64 };
	sec[1] = sec[0];
	n = build(big, sec, 2, 1, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "second ring section") != NULL);
	/* device names */
	sec[0] = (struct tsec){ VY_DUMP_SEC_DEVICE, "a\0b", 3 };
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	sec[0] = (struct tsec){ VY_DUMP_SEC_DEVICE, "", 0 };
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	sec[0] = (struct tsec){ VY_DUMP_SEC_DEVICE, t_io + 1, 256 };
	memset(t_io, 'x', 300);
	n = build(big, sec, 1, 0, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
}

VY_TEST(dump_geometry_must_match_buffers)
{
	struct vy_err e;
	struct tsec sec[2];
	size_t n;

	fill_buffers();
	sec[0] = (struct tsec){ VY_DUMP_SEC_RING, t_ring, 256 };
	n = build(big, sec, 1, 5, 0);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "offset 40: slot_count 5 does not match the ring "
			    "section (4 slots)");
	sec[0] = (struct tsec){ VY_DUMP_SEC_CONTROL, t_control, 656 };
	n = build(big, sec, 1, 0, 3);
	VY_CHECK(parse_err(big, n, &e) == VY_E_FORMAT);
	VY_CHECK(!strncmp(e.msg, "offset 52: observable_slots 3", 29));
	n = build(big, sec, 1, 0, 4);
	VY_CHECK(parse_err(big, n, &e) == 0);
}

VY_TEST(dump_unknown_sections_are_skipped_but_checked)
{
	struct vy_snapshot r;
	struct vy_err e;
	struct tsec sec[3];
	size_t n;

	fill_buffers();
	sec[0] = (struct tsec){ 77, "future data", 11 };
	sec[1] = (struct tsec){ VY_DUMP_SEC_RING, t_ring, 128 };
	sec[2] = (struct tsec){ VY_DUMP_SEC_DEVICE, "gpu0", 4 };
	n = build(big, sec, 3, 2, 0);
	VY_CHECK(vy_dump_parse(big, n, 0, &r, NULL, &e) == 0);
	VY_CHECK_EQ_U64(r.unknown_sections, 1);
	VY_CHECK_EQ_U64(r.section_count, 3);
	VY_CHECK_EQ_U64(r.buf[VY_BUF_RING].len, 128);
	VY_CHECK_STR(r.device, "gpu0");
	big[80 + 3 * 32 + 2] ^= 1;	/* the unknown payload */
	VY_CHECK(parse_err(big, n, &e) == VY_E_BAD_CHECKSUM);
	VY_CHECK(strstr(e.msg, "section 0 (unknown)") != NULL);
}

VY_TEST(dump_longer_header_is_accepted)
{
	struct vy_snapshot r;
	struct vy_err e;
	size_t n = 80 + 16 + 32 + 64;

	/* header_len 96: a later minor revision with two more fields */
	fill_buffers();
	memset(big, 0, n);
	memcpy(big, "VYRD", 4);
	big[4] = 1;
	big[6] = 96;
	vy_put_le32(big + 12, 1);
	vy_put_le64(big + 16, n);
	vy_put_le32(big + 40, 1);
	vy_put_le64(big + 80, 0x1122334455667788ULL);
	vy_put_le32(big + 96, VY_DUMP_SEC_RING);
	vy_put_le64(big + 96 + 8, 128);
	vy_put_le64(big + 96 + 16, 64);
	vy_put_le64(big + 96 + 24, vy_dump_checksum(t_ring, 64));
	memcpy(big + 128, t_ring, 64);
	refresh_header(big);
	VY_CHECK(vy_dump_parse(big, n, 0, &r, NULL, &e) == 0);
	VY_CHECK_EQ_U64(r.buf[VY_BUF_RING].len, 64);
}

/* A stream of three snapshots, read through a FILE. */
VY_TEST(dump_stream_reader)
{
	struct vy_dump_reader *r;
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p[3], *all;
	size_t n[3], tot = 0;
	FILE *f;
	int i;

	full_snapshot(&s);
	for (i = 0; i < 3; i++) {
		s.sequence = (uint64_t)i;
		VY_CHECK(vy_dump_encode(&s, &p[i], &n[i], &e) == 0);
		tot += n[i];
	}
	all = malloc(tot);
	memcpy(all, p[0], n[0]);
	memcpy(all + n[0], p[1], n[1]);
	memcpy(all + n[0] + n[1], p[2], n[2]);
	f = fmemopen(all, tot, "rb");
	VY_CHECK(f != NULL);
	VY_CHECK(vy_dump_reader_new(f, "mem", &r, &e) == 0);
	VY_CHECK_STR(vy_dump_reader_name(r), "mem");
	VY_CHECK(vy_dump_reader_kind(r, &e) == VY_DUMP_KIND_VYRD);
	for (i = 0; i < 3; i++) {
		VY_CHECK(vy_dump_reader_next(r, &out, &e) == 1);
		VY_CHECK_EQ_U64(out.sequence, (uint64_t)i);
		VY_CHECK_EQ_U64(out.offset, n[0] * (uint64_t)i);
		VY_CHECK(!memcmp(out.buf[VY_BUF_RING].data, t_ring,
				 sizeof(t_ring)));
	}
	VY_CHECK_EQ_U64(vy_dump_reader_offset(r), tot);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == 0);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == 0);
	vy_dump_reader_free(r);
	fclose(f);
	for (i = 0; i < 3; i++)
		free(p[i]);
	free(all);
}

/* Every prefix of a two-snapshot stream: one or two snapshots, then the
 * right kind of ending. */
VY_TEST(dump_stream_every_prefix)
{
	struct vy_dump_reader *r;
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p, *two;
	size_t n, i;
	int ret, got;

	full_snapshot(&s);
	snprintf(s.device, sizeof(s.device), "%s", "");
	vy_snapshot_set_buf(&s, VY_BUF_DEBUG_LOG, t_debug, 4);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	two = malloc(2 * n);
	memcpy(two, p, n);
	memcpy(two + n, p, n);
	for (i = 0; i <= 2 * n; i++) {
		FILE *f = fmemopen(two, i ? i : 1, "rb");

		if (!i)
			fgetc(f);
		VY_CHECK(vy_dump_reader_new(f, "mem", &r, &e) == 0);
		got = 0;
		while ((ret = vy_dump_reader_next(r, &out, &e)) == 1)
			got++;
		vy_dump_reader_free(r);
		fclose(f);
		if (got != (int)(i / n) ||
		    ret != (i % n ? VY_E_TRUNCATED : 0)) {
			vy_test_fail(__FILE__, __LINE__,
				     "prefix %zu: %d snapshots, ret %d (%s)",
				     i, got, ret, e.msg);
			break;
		}
	}
	free(two);
	free(p);
}

/* A file still being written: truncated now, whole later. */
VY_TEST(dump_stream_follow_resumes_after_truncation)
{
	char path[] = "/tmp/vy-test-dump-XXXXXX";
	struct vy_dump_reader *r;
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p;
	size_t n;
	FILE *w;
	int fd;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	fd = mkstemp(path);
	VY_CHECK(fd >= 0);
	w = fdopen(fd, "wb");
	fwrite(p, 1, 50, w);
	fflush(w);
	VY_CHECK(vy_dump_reader_open(path, &r, &e) == 0);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == VY_E_TRUNCATED);
	VY_CHECK_STR(e.msg, "offset 0: truncated: header needs 80 bytes, 50 "
			    "left");
	fwrite(p + 50, 1, 1000, w);
	fflush(w);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == VY_E_TRUNCATED);
	fwrite(p + 1050, 1, n - 1050, w);
	fflush(w);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == 1);
	VY_CHECK_EQ_U64(out.sequence, 42);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == 0);
	vy_dump_reader_free(r);
	fclose(w);
	unlink(path);
	free(p);
}

VY_TEST(dump_stream_errors_are_final)
{
	struct vy_dump_reader *r;
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p, *two;
	size_t n;
	FILE *f;
	char want[80];

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	two = malloc(2 * n);
	memcpy(two, p, n);
	memcpy(two + n, p, n);
	two[n + 4] = 2;		/* second snapshot: version 2 */
	f = fmemopen(two, 2 * n, "rb");
	VY_CHECK(vy_dump_reader_new(f, "mem", &r, &e) == 0);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == 1);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == VY_E_BAD_VERSION);
	snprintf(want, sizeof(want), "offset %zu: unsupported version 2 (this "
		 "build reads 1)", n + 4);
	VY_CHECK_STR(e.msg, want);
	vy_err_clear(&e);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == VY_E_BAD_VERSION);
	VY_CHECK_STR(e.msg, want);
	vy_dump_reader_free(r);
	fclose(f);
	free(two);
	free(p);
}

/* A huge stated length on a short input allocates only what was read. */
VY_TEST(dump_stream_huge_length_short_input)
{
	struct vy_dump_reader *r;
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p;
	size_t n;
	FILE *f;

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	vy_put_le64(p + 16, VY_DUMP_MAX_BYTES);
	refresh_header(p);
	f = fmemopen(p, n, "rb");
	VY_CHECK(vy_dump_reader_new(f, "mem", &r, &e) == 0);
	VY_CHECK(vy_dump_reader_next(r, &out, &e) == VY_E_TRUNCATED);
	VY_CHECK(strstr(e.msg, "snapshot needs 268435456 bytes") != NULL);
	vy_dump_reader_free(r);
	fclose(f);
	free(p);
}

static int write_tmp(char *path, const void *data, size_t len)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

VY_TEST(dump_load_raw)
{
	char path[] = "/tmp/vy-test-raw-XXXXXX";
	char path2[] = "/tmp/vy-test-raw-XXXXXX";
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p, *snap;
	size_t n, sn;

	fill_buffers();
	VY_CHECK(write_tmp(path, t_io, 1000) == 0);
	VY_CHECK(vy_dump_load_raw(path, VY_BUF_RING, &p, &n, &e) ==
		 VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "ring file: 1000 bytes is not a multiple of the "
			    "64-byte slot");
	VY_CHECK(vy_dump_load_raw(path, VY_BUF_IO_QUEUE, &p, &n, &e) ==
		 VY_E_FORMAT);
	VY_CHECK(vy_dump_load_raw(path, VY_BUF_CONTROL, &p, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, 1000);
	VY_CHECK(!memcmp(p, t_io, 1000));
	VY_CHECK(vy_dump_from_raw(VY_BUF_CONTROL, p, n, &s, &e) == 0);
	VY_CHECK_EQ_U64(s.geo.observable_slots, 250 - 160);
	VY_CHECK(vy_dump_encode(&s, &snap, &sn, &e) == 0);
	free(p);
	unlink(path);
	VY_CHECK(write_tmp(path2, snap, sn) == 0);
	VY_CHECK(vy_dump_load_raw(path2, VY_BUF_CONTROL, &p, &n, &e) ==
		 VY_E_FORMAT);
	VY_CHECK_STR(e.msg, "offset 0: is a VYRD snapshot, not a raw control "
			    "buffer");
	unlink(path2);
	free(snap);
	VY_CHECK(vy_dump_load_raw("/nonexistent/x", VY_BUF_RING, &p, &n, &e) ==
		 VY_E_IO);
	VY_CHECK(!strncmp(e.msg, "cannot open /nonexistent/x: ", 28));
	VY_CHECK(vy_dump_from_raw(VY_BUF_RING, t_ring, 65, &s, &e) ==
		 VY_E_FORMAT);
}

VY_TEST(dump_reader_kind_then_read_all)
{
	struct vy_dump_reader *r;
	struct vy_err e;
	uint8_t *p;
	size_t n;
	FILE *f;

	fill_buffers();
	f = fmemopen(t_debug, sizeof(t_debug), "rb");
	VY_CHECK(vy_dump_reader_new(f, "mem", &r, &e) == 0);
	VY_CHECK(vy_dump_reader_kind(r, &e) == VY_DUMP_KIND_RAW);
	VY_CHECK(vy_dump_reader_read_all(r, &p, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, sizeof(t_debug));
	VY_CHECK(!memcmp(p, t_debug, n));
	free(p);
	vy_dump_reader_free(r);
	fclose(f);
}

VY_TEST(dump_write_file_and_fd)
{
	struct vy_snapshot s, out;
	struct vy_err e;
	uint8_t *p, *q;
	size_t n, qn;
	char *mem = NULL;
	size_t mlen = 0;
	FILE *f;
	int fds[2];

	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	f = open_memstream(&mem, &mlen);
	VY_CHECK(vy_dump_write(f, &s, &e) == 0);
	VY_CHECK(vy_dump_write(f, &s, &e) == 0);
	fclose(f);
	VY_CHECK_EQ_U64(mlen, 2 * n);
	VY_CHECK(!memcmp(mem, p, n) && !memcmp(mem + n, p, n));
	free(mem);
	VY_CHECK(pipe(fds) == 0);
	VY_CHECK(vy_dump_write_fd(fds[1], &s, &e) == 0);
	close(fds[1]);
	f = fdopen(fds[0], "rb");
	{
		struct vy_dump_reader *r;

		VY_CHECK(vy_dump_reader_new(f, "pipe", &r, &e) == 0);
		VY_CHECK(vy_dump_reader_next(r, &out, &e) == 1);
		VY_CHECK(vy_dump_encode(&out, &q, &qn, &e) == 0);
		VY_CHECK_EQ_U64(qn, n);
		VY_CHECK(!memcmp(p, q, n));	/* re-encoding is identical */
		free(q);
		vy_dump_reader_free(r);
	}
	fclose(f);
	free(p);
}

/* ---- the run section (type 6) ---- */

static const uint8_t run_lines4[16] = { 0, 0, 0, 0, 7, 0, 0, 0,
					0, 0, 0, 0, 0x2c, 0x01, 0, 0 };

static void with_run(struct vy_snapshot *s)
{
	full_snapshot(s);
	s->run.present = 1;
	s->run.end = VY_RUN_STALL;
	s->run.exit_status = 6;
	s->run.start_ns = 1700000000000000000ULL;
	s->run.wall_ns = 3000000000ULL;
	s->run.tool = "vyre-launch 9";
	s->run.tool_len = 13;
	s->run.cmdline = "vyre-launch x.work";
	s->run.cmdline_len = 18;
	s->run.work = "x.work";
	s->run.work_len = 6;
	s->run.lines = run_lines4;
	s->run.line_count = 4;
}

VY_TEST(dump_run_section_roundtrip)
{
	struct vy_snapshot s, r;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	with_run(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	VY_CHECK_EQ_U64(n, vy_dump_encoded_len(&s));
	VY_CHECK(vy_dump_parse(p, n, 0, &r, NULL, &e) == 0);
	VY_CHECK_EQ_U64(r.section_count, 6);
	VY_CHECK_EQ_U64(r.unknown_sections, 0);
	VY_CHECK(r.run.present);
	VY_CHECK_EQ_U64(r.run.end, VY_RUN_STALL);
	VY_CHECK_EQ_U64(r.run.exit_status, 6);
	VY_CHECK_EQ_U64(r.run.start_ns, 1700000000000000000ULL);
	VY_CHECK_EQ_U64(r.run.wall_ns, 3000000000ULL);
	VY_CHECK_EQ_U64(r.run.tool_len, 13);
	VY_CHECK(!memcmp(r.run.tool, "vyre-launch 9", 13));
	VY_CHECK(!memcmp(r.run.cmdline, "vyre-launch x.work", 18));
	VY_CHECK(!memcmp(r.run.work, "x.work", 6));
	VY_CHECK_EQ_U64(vy_dump_run_line(&r.run, 0), 0);
	VY_CHECK_EQ_U64(vy_dump_run_line(&r.run, 1), 7);
	VY_CHECK_EQ_U64(vy_dump_run_line(&r.run, 3), 300);
	VY_CHECK_EQ_U64(vy_dump_run_line(&r.run, 4), 0);
	VY_CHECK_STR(vy_dump_run_end_name(r.run.end), "stall");
	free(p);
	/* without it (older files): present 0, lines 0 */
	full_snapshot(&s);
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == 0);
	VY_CHECK(vy_dump_parse(p, n, 0, &r, NULL, &e) == 0);
	VY_CHECK(!r.run.present);
	VY_CHECK_EQ_U64(vy_dump_run_line(&r.run, 1), 0);
	free(p);
}

VY_TEST(dump_run_section_writer_checks)
{
	struct vy_snapshot s;
	struct vy_err e;
	uint8_t *p;
	size_t n;

	with_run(&s);
	s.run.line_count = 3;		/* not the slot count */
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_INVAL);
	with_run(&s);
	s.run.end = VY_RUN_END_COUNT;
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_INVAL);
	with_run(&s);
	s.run.work = "a\0b";
	s.run.work_len = 3;
	VY_CHECK(vy_dump_encode(&s, &p, &n, &e) == VY_E_INVAL);
	VY_CHECK_EQ_U64(vy_dump_encoded_len(&s), 0);
}

/* A hand-built run payload: fixed part, @strs bytes, @lines u32. */
static size_t run_payload(uint8_t *out, uint32_t end, uint32_t tl,
			  uint32_t cl, uint32_t wl, uint32_t nl)
{
	size_t n = 40 + ((tl + cl + wl + 3) & ~3u) + 4 * (size_t)nl;

	memset(out, 'a', n);
	vy_put_le32(out, end);
	vy_put_le32(out + 4, 6);
	memset(out + 8, 0, 16);
	vy_put_le32(out + 24, tl);
	vy_put_le32(out + 28, cl);
	vy_put_le32(out + 32, wl);
	vy_put_le32(out + 36, nl);
	memset(out + 40 + tl + cl + wl, 0, n - 40 - tl - cl - wl);
	return n;
}

VY_TEST(dump_run_section_malformed)
{
	static uint8_t pay[512];
	struct tsec sec[3] = {
		{ VY_DUMP_SEC_CONTROL, t_control, sizeof(t_control) },
		{ VY_DUMP_SEC_RING, t_ring, sizeof(t_ring) },
		{ VY_DUMP_SEC_RUN, pay, 0 },
	};
	struct vy_snapshot r;
	struct vy_err e;
	size_t len;

	fill_buffers();
	sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 4);
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == 0);
	VY_CHECK(vy_dump_parse(big, len, 0, &r, NULL, &e) == 0 &&
		 r.run.present && r.run.line_count == 4);
	/* end out of range */
	sec[2].len = run_payload(pay, 7, 3, 2, 1, 4);
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "run end 7") != NULL);
	/* lines for another ring size */
	sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 3);
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "3 slot lines for 4 slots") != NULL);
	/* shorter than its fields say */
	sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 4) - 4;
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	/* shorter than the fixed part */
	sec[2].len = 20;
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	/* a string over the limit */
	sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 4);
	vy_put_le32(pay + 24, VY_DUMP_RUN_STR_MAX + 1);
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	/* NUL inside a string */
	sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 4);
	pay[41] = 0;
	len = build(big, sec, 3, 4, 4);
	VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
	/* twice */
	{
		struct tsec two[4] = { sec[0], sec[1], sec[2], sec[2] };

		sec[2].len = run_payload(pay, VY_RUN_OK, 3, 2, 1, 4);
		two[2] = two[3] = sec[2];
		len = build(big, two, 4, 4, 4);
		VY_CHECK(parse_err(big, len, &e) == VY_E_FORMAT);
		VY_CHECK(strstr(e.msg, "second run section") != NULL);
	}
}
