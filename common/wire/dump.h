/* SPDX-License-Identifier: MIT */
/*
 * dump.h - snapshot files: the VYRD container and raw buffer files.
 *
 * A raw buffer file holds the exact bytes of one of the four ABI buffers
 * (control, ring, debug log, IO queue; protocol.md §1).  A VYRD snapshot
 * holds one capture of up to four of them plus geometry, device name,
 * capture time and a sequence number, each section with its own XXH3-64
 * checksum.  A VYRD stream is a plain concatenation of snapshots, so a pipe
 * can carry many; every snapshot states its total length.  The byte layout
 * is documented in vyre-dump(5); the constants below are that layout.
 *
 * Layout summary (all integers little-endian):
 *
 *	header, VY_DUMP_HEADER_LEN (80) bytes in version 1
 *	  0  magic "VYRD"             4  u16 version (1)
 *	  6  u16 header_len (>= 80)   8  u32 flags (0; readers ignore)
 *	 12  u32 section_count       16  u64 total_len (whole snapshot)
 *	 24  u64 capture_ns          32  u64 sequence
 *	 40  u32 slot_count          44  u32 workgroup_size_x
 *	 48  u32 workgroups          52  u32 observable_slots
 *	 56  u32 tenant_count        60  u32 reserved (0)
 *	 64  u64 reserved (0)        72  u64 header checksum
 *	section table at header_len, section_count entries of 32 bytes:
 *	  0  u32 type   4  u32 flags (0)   8  u64 offset (from snapshot start)
 *	 16  u64 length                    24  u64 XXH3-64 of the payload
 *	payloads, each at an 8-aligned offset, in table order, zero padded;
 *	total_len is a multiple of 8.
 *
 * Checksums are XXH3_64bits (XXH3, 64-bit result, seed 0, default secret).
 * The header checksum covers bytes [0, header_len + 32 * section_count)
 * with its own 8 bytes (72..79) read as zero.
 *
 * Errors: every function returns 0 (or a documented non-negative value) or
 * a negative VY_E_* code and fills @e.  Messages on malformed input begin
 * with the byte offset where the problem is ("offset 24: ...") or with the
 * section name ("ring section: ..."); callers prepend the file name.
 * Codes: VY_E_BAD_MAGIC, VY_E_BAD_VERSION, VY_E_BAD_CHECKSUM,
 * VY_E_TRUNCATED, VY_E_FORMAT (malformed structure or a buffer that breaks
 * the protocol size rules), VY_E_TOO_LARGE (over a limit below),
 * VY_E_NOMEM, VY_E_IO (read/write failure), VY_E_INVAL (bad arguments
 * to a writer).  All map to exit 3 except NOMEM/IO (4) and INVAL (2).
 */
#ifndef VY_DUMP_H
#define VY_DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/err.h"
#include "wire/protocol.h"	/* enum vy_buffer_index: VY_BUF_CONTROL .. */

#define VY_DUMP_MAGIC "VYRD"
#define VY_DUMP_VERSION 1		/* the only version this build reads */
#define VY_DUMP_HEADER_LEN 80		/* header_len written by version 1 */
#define VY_DUMP_SECTION_LEN 32		/* one section table entry */
#define VY_DUMP_ALIGN 8			/* payload offset / total_len alignment */
#define VY_DUMP_MAX_SECTIONS 64		/* more is rejected (VY_E_TOO_LARGE) */
#define VY_DUMP_MAX_HEADER_LEN 4096	/* header_len above is rejected */
#define VY_DUMP_MAX_BYTES (256u << 20)	/* one snapshot or one raw file */
#define VY_DUMP_DEVICE_MAX 255		/* device name bytes, no NUL inside */
#define VY_DUMP_SEED 0			/* XXH3-64 seed of every checksum */

/* Section types (u32 on the wire).  Others are skipped (checksummed). */
enum vy_dump_sec {
	VY_DUMP_SEC_CONTROL = 1,	/* control buffer bytes */
	VY_DUMP_SEC_RING = 2,		/* ring bytes (slot_count * 64) */
	VY_DUMP_SEC_DEBUG = 3,		/* debug log bytes */
	VY_DUMP_SEC_IO = 4,		/* IO queue bytes */
	VY_DUMP_SEC_DEVICE = 5,		/* device name, UTF-8, no NUL */
	VY_DUMP_SEC_RUN = 6,		/* how the run went (struct vy_dump_run) */
};

/*
 * The run section (type 6): how the run that took the snapshot ended (or
 * "running" for a periodic snapshot), for post-mortems.  Payload, all
 * integers little-endian:
 *	 0 u32 end (enum vy_dump_run_end)   4 u32 exit_status
 *	 8 u64 start_ns (wall clock, ns since the Unix epoch)
 *	16 u64 wall_ns (run time up to this snapshot)
 *	24 u32 tool_len  28 u32 cmdline_len  32 u32 work_len
 *	36 u32 line_count (0, or the snapshot's slot_count)
 *	40 tool, cmdline, work bytes (UTF-8, no NUL, each at most
 *	   VY_DUMP_RUN_STR_MAX), then zero padding to a multiple of 4,
 *	   then line_count u32: the work-file line that made each slot's
 *	   last item (0 = none, e.g. never published or synthetic work).
 * The payload is exactly that long.  Older files have no run section and
 * still decode (vy_snapshot.run.present is 0).
 */
enum vy_dump_run_end {
	VY_RUN_RUNNING = 0,		/* a snapshot taken during the run */
	VY_RUN_OK = 1,			/* every item finished */
	VY_RUN_TIMEOUT = 2,		/* the run's time bound ran out */
	VY_RUN_STALL = 3,		/* the watchdog saw no progress */
	VY_RUN_SIGNAL = 4,		/* stopped by SIGINT/SIGTERM */
	VY_RUN_DEVICE_ERROR = 5,	/* the device or runtime failed */
	VY_RUN_KERNEL_EXIT = 6,		/* the kernel ended with work left */
	VY_RUN_END_COUNT
};

#define VY_DUMP_RUN_FIXED 40		/* bytes before the strings */
#define VY_DUMP_RUN_STR_MAX 4096	/* tool, cmdline and work, each */

/*
 * A run section, as parsed or as to be written.  Strings and lines are
 * borrowed (not NUL-terminated when parsed: use the lengths); lines holds
 * line_count little-endian u32 (read them with vy_dump_run_line).
 */
struct vy_dump_run {
	int present;
	uint32_t end;			/* enum vy_dump_run_end */
	uint32_t exit_status;
	uint64_t start_ns;
	uint64_t wall_ns;
	const char *tool;		/* "vyre-launch 0.1.0" */
	uint32_t tool_len;
	const char *cmdline;		/* argv joined by blanks */
	uint32_t cmdline_len;
	const char *work;		/* work file name, "synthetic", "<stdin>" */
	uint32_t work_len;
	const uint8_t *lines;		/* line_count LE u32 */
	uint32_t line_count;
};

/* "running", "ok", "timeout", "stall", "signal", "device_error",
 * "kernel_exit"; "?" out of range. */
const char *vy_dump_run_end_name(uint32_t end);
/* Parse such a name; 0 or VY_E_INVAL. */
int vy_dump_run_end_parse(const char *name, uint32_t *out);
/* The work-file line of slot @slot, 0 when none or not recorded. */
uint32_t vy_dump_run_line(const struct vy_dump_run *r, uint32_t slot);

/* What a file or stream holds (vy_dump_detect). */
enum vy_dump_kind {
	VY_DUMP_KIND_EMPTY = 0,		/* no bytes at all */
	VY_DUMP_KIND_VYRD = 1,		/* starts with "VYRD": a snapshot stream */
	VY_DUMP_KIND_RAW = 2,		/* anything else: one raw buffer */
};

/* Launch geometry recorded with a capture (protocol.md §1.4). */
struct vy_dump_geometry {
	uint32_t slot_count;		/* ring slots; = ring bytes / 64 */
	uint32_t workgroup_size_x;	/* lanes per work-group */
	uint32_t workgroups;		/* work-groups launched */
	uint32_t observable_slots;	/* = control bytes / 4 - 160 */
	uint32_t tenant_count;
};

/* One buffer of a snapshot: bytes are borrowed, never owned. */
struct vy_dump_buf {
	const uint8_t *data;		/* NULL when absent or empty */
	size_t len;			/* bytes */
	int present;			/* the section exists (len may be 0) */
};

/*
 * One snapshot, as parsed or as to be written.  Parsers set every field;
 * buf[].data then points into the parsed bytes (the caller's range for
 * vy_dump_parse, the reader's buffer for vy_dump_reader_next, valid until
 * the next call on that reader or its close).
 */
struct vy_snapshot {
	uint16_t version;		/* parsed: the file's; written: always 1 */
	uint32_t flags;			/* header flags (0; unknown bits kept) */
	uint64_t capture_ns;		/* wall clock, ns since the Unix epoch */
	uint64_t sequence;		/* capture number within a run */
	struct vy_dump_geometry geo;
	char device[VY_DUMP_DEVICE_MAX + 1];	/* NUL-terminated; "" = none */
	struct vy_dump_buf buf[VY_BUF_COUNT];	/* indexed by VY_BUF_* */
	struct vy_dump_run run;		/* run section; run.present = 0: none */
	/* set by parsers only: */
	uint32_t section_count;		/* table entries, known or not */
	uint32_t unknown_sections;	/* entries of unknown type, skipped */
	uint64_t offset;		/* where this snapshot starts in its stream */
	uint64_t total_len;		/* its length in bytes */
};

/* "control", "ring", "debug", "io"; "?" for an out-of-range value. */
const char *vy_buf_name(enum vy_buffer_index b);

/*
 * Parse a buffer name: "control", "ring", "debug" (or "debug_log"), "io"
 * (or "io_queue").  Returns 0 or VY_E_INVAL (message lists the names).
 */
int vy_buf_parse(const char *name, enum vy_buffer_index *out,
		 struct vy_err *e);

/* Zero @s (no buffers, version 1, empty device name). */
void vy_snapshot_init(struct vy_snapshot *s);

/*
 * Attach buffer @b of @len bytes to @s (present = 1).  The bytes are
 * borrowed: they must stay valid while @s is used.
 */
void vy_snapshot_set_buf(struct vy_snapshot *s, enum vy_buffer_index b,
			 const void *data, size_t len);

/*
 * Set geo.slot_count from the ring and geo.observable_slots from the
 * control buffer, where present (lengths that break the rules are left
 * for vy_dump_check_buf to report).
 */
void vy_snapshot_fill_geometry(struct vy_snapshot *s);

/*
 * Check the bytes of one buffer against the size rules a snapshot or raw
 * file must meet (vyre-dump(5), "Buffer rules"):
 *   control: len >= 640 and len % 4 == 0 (at most 160 + 2^20 words);
 *   ring:    len % 64 == 0 (at most 2^20 slots);
 *   debug:   len >= 4, len % 4 == 0 and (len - 4) % 16 == 0 (whole
 *            4-word records; at most 2^20 records).  The cursor is content
 *            and is left to the decoders (strict or lenient);
 *   io:      len % 4 == 0, len % 32 == 0, len / 32 <= 64 (0 is valid).
 * Messages read "ring section: 1000 bytes is not a multiple of the 64-byte
 * slot"; @what names the origin ("ring section", "ring file").
 * Returns 0, VY_E_FORMAT or VY_E_TOO_LARGE.
 */
int vy_dump_check_buf(enum vy_buffer_index b, size_t len, const char *what,
		      struct vy_err *e);

/* ---- writing -------------------------------------------------------- */

/*
 * Bytes vy_dump_encode would produce for @s, or 0 when @s is invalid or
 * over VY_DUMP_MAX_BYTES.
 */
size_t vy_dump_encoded_len(const struct vy_snapshot *s);

/*
 * Encode @s as one VYRD snapshot into a malloc'd buffer (*@out, *@len;
 * the caller frees).  Sections are written in the order control, ring,
 * debug, io, device, run (absent ones omitted; the device section only
 * when the name is not empty, the run section when run.present: its
 * line_count must be 0 or geo.slot_count, its strings at most
 * VY_DUMP_RUN_STR_MAX bytes without NUL).  @s must pass the reader's checks: every present
 * buffer meets vy_dump_check_buf, geo.slot_count equals ring bytes / 64
 * when a ring is present, geo.observable_slots equals control words - 160
 * when control is present (vy_snapshot_fill_geometry sets both).
 * @s->flags is written as is; version, offset, total_len and the parse-only
 * fields are ignored.  Errors: VY_E_INVAL (inconsistent @s; the message
 * says what), VY_E_FORMAT/VY_E_TOO_LARGE (a buffer breaks a rule),
 * VY_E_NOMEM.
 */
int vy_dump_encode(const struct vy_snapshot *s, uint8_t **out, size_t *len,
		   struct vy_err *e);

/*
 * Encode @s and write it to @f (no flush) or to @fd.  Errors as
 * vy_dump_encode, and VY_E_IO.
 */
int vy_dump_write(FILE *f, const struct vy_snapshot *s, struct vy_err *e);
int vy_dump_write_fd(int fd, const struct vy_snapshot *s, struct vy_err *e);

/* ---- reading from memory -------------------------------------------- */

/* EMPTY for @len 0, VYRD when @data starts with "VYRD", else RAW. */
enum vy_dump_kind vy_dump_detect(const uint8_t *data, size_t len);

/*
 * Parse the one snapshot at the start of @data (@len bytes available; the
 * snapshot may be followed by more).  @base is the stream offset of @data
 * and is added to every offset in messages and stored in @out->offset.
 * On success @out borrows from @data, *@consumed (may be NULL) is its
 * total_len, and the next snapshot, if any, starts there.
 *
 * Checks, in this order (the first failure is reported):
 *   len < 4 or magic != "VYRD"       VY_E_TRUNCATED / VY_E_BAD_MAGIC
 *   version != 1                     VY_E_BAD_VERSION (offset 4)
 *   fixed header past @len            VY_E_TRUNCATED
 *   header_len < 80, > 4096 or % 8   VY_E_FORMAT (offset 6)
 *   section_count > 64               VY_E_TOO_LARGE (offset 12)
 *   total_len smaller than header+table, % 8, > VY_DUMP_MAX_BYTES
 *                                    VY_E_FORMAT / VY_E_TOO_LARGE (16)
 *   header + table past @len         VY_E_TRUNCATED
 *   header checksum                  VY_E_BAD_CHECKSUM (offset 72)
 *   per section, in table order (offset of the table field or payload):
 *   offset % 8, offset before the end of the table or of the previous
 *   payload, payload past total_len (VY_E_FORMAT); payload past @len
 *   (VY_E_TRUNCATED, "offset P: truncated: section 1 (ring) needs N
 *   bytes, M left"); payload checksum (VY_E_BAD_CHECKSUM); a known type
 *   twice, device name empty, over 255 bytes or holding NUL (VY_E_FORMAT);
 *   buffer size rules (vy_dump_check_buf);
 *   run section: twice, shorter than its fields say or longer, end out
 *   of range, a string holding NUL or over VY_DUMP_RUN_STR_MAX,
 *   line_count neither 0 nor slot_count (VY_E_FORMAT);
 *   total_len past @len              VY_E_TRUNCATED
 *   geometry: slot_count != ring/64, observable_slots != control/4-160
 *                                    VY_E_FORMAT (offset 40 / 52)
 * Unknown section types are checksummed and counted, then skipped.
 */
int vy_dump_parse(const uint8_t *data, size_t len, uint64_t base,
		  struct vy_snapshot *out, size_t *consumed, struct vy_err *e);

/* ---- reading a stream (pipes: no seeking) --------------------------- */

struct vy_dump_reader;

/*
 * Start reading @f (not closed by the reader).  @name is kept for the
 * caller's messages (vy_dump_reader_name).  Reads nothing yet.
 * Errors: VY_E_NOMEM.
 */
int vy_dump_reader_new(FILE *f, const char *name, struct vy_dump_reader **out,
		       struct vy_err *e);

/*
 * Open @path ("-" = stdin) and start reading it; the reader owns the FILE
 * and closes it (not stdin) in vy_dump_reader_free.  Errors: VY_E_IO
 * (message "cannot open PATH: strerror"), VY_E_NOMEM.
 */
int vy_dump_reader_open(const char *path, struct vy_dump_reader **out,
			struct vy_err *e);

/*
 * Free @r (NULL is fine); closes the FILE only if vy_dump_reader_open
 * opened it.
 */
void vy_dump_reader_free(struct vy_dump_reader *r);

/* The name given at creation (the path for vy_dump_reader_open). */
const char *vy_dump_reader_name(const struct vy_dump_reader *r);

/*
 * What the input holds, from its first bytes (reads up to 4 bytes and keeps
 * them for the next calls, so this works on pipes).  Returns the
 * enum vy_dump_kind (>= 0) or VY_E_IO.
 */
int vy_dump_reader_kind(struct vy_dump_reader *r, struct vy_err *e);

/*
 * Read exactly the next snapshot (never more bytes than it needs, so
 * snapshots are seen as soon as they are written).  Returns 1 with @out
 * filled (borrowing the reader's buffer until the next call or free),
 * 0 on a clean end of input at a snapshot boundary, or an error:
 *   VY_E_TRUNCATED: end of input inside a snapshot ("offset N: truncated:
 *     ..."); the bytes read so far are kept and a later call resumes
 *     (for following a file that is still being written);
 *   any vy_dump_parse error, with stream offsets; these are final: later
 *     calls return the same code and message;
 *   VY_E_IO (read error), VY_E_NOMEM.
 * Memory grows with the bytes actually read, never with a stated length
 * alone, and never past VY_DUMP_MAX_BYTES.
 */
int vy_dump_reader_next(struct vy_dump_reader *r, struct vy_snapshot *out,
			struct vy_err *e);

/* Stream offset of the next unread snapshot (bytes consumed so far). */
uint64_t vy_dump_reader_offset(const struct vy_dump_reader *r);

/*
 * Read everything left (including bytes vy_dump_reader_kind looked at)
 * into a malloc'd buffer (*@out, *@len; the caller frees).  For raw
 * buffer input.  Errors: VY_E_TOO_LARGE (over VY_DUMP_MAX_BYTES),
 * VY_E_IO, VY_E_NOMEM.
 */
int vy_dump_reader_read_all(struct vy_dump_reader *r, uint8_t **out,
			    size_t *len, struct vy_err *e);

/* ---- raw buffer files ----------------------------------------------- */

/*
 * Load @path ("-" = stdin) as raw buffer @b: read it whole (at most
 * VY_DUMP_MAX_BYTES), refuse a VYRD snapshot (VY_E_FORMAT, "offset 0: is a
 * VYRD snapshot, not a raw ring buffer"), check the size rules
 * (vy_dump_check_buf with "ring file").  *@out is malloc'd (the caller
 * frees; an empty valid buffer still gets a non-NULL 1-byte allocation).
 * Messages do not repeat the path except "cannot open PATH: ...".
 */
int vy_dump_load_raw(const char *path, enum vy_buffer_index b, uint8_t **out,
		     size_t *len, struct vy_err *e);

/*
 * Build a snapshot (borrowing @data) from one raw buffer: @out gets
 * buffer @b only and geometry filled from it (vy_snapshot_fill_geometry).
 * Checks the size rules first (VY_E_FORMAT / VY_E_TOO_LARGE).
 */
int vy_dump_from_raw(enum vy_buffer_index b, const uint8_t *data, size_t len,
		     struct vy_snapshot *out, struct vy_err *e);

/* The XXH3-64 (seed VY_DUMP_SEED) the container uses, for tools and tests. */
uint64_t vy_dump_checksum(const void *data, size_t len);

#endif
