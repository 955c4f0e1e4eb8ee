/* SPDX-License-Identifier: MIT */
/*
 * telemetry.h - decode captured control and ring buffers into a snapshot:
 * control fields, slot rows, occupancy, ticketed route windows, runtime
 * counters, the watchdog between two snapshots, Count-Min sketches,
 * evidence envelopes and readback byte counters.
 *
 * Behaviour follows policy-telemetry.md §2-§3 (upstream vyre-runtime
 * telemetry.rs, telemetry/types.rs, telemetry/sketch.rs, readback.rs).
 * Field names are the upstream names; they are also the JSON keys that
 * vyre-decode(1) prints.
 *
 * Ownership: every output structure is caller-owned and reusable.  A
 * supervisor that decodes at high frequency keeps one struct vy_tel
 * and one struct vy_tel_scratch and passes them to every decode; after the
 * first decode of a given ring size nothing is allocated.  Release them
 * with vy_tel_free() / vy_tel_scratch_free().
 *
 * Errors: functions return 0 or a negative VY_E_* code and fill the
 * struct vy_err (may be NULL).  A failing decode leaves @out in an
 * unspecified but freeable state.  Nothing here prints, exits or aborts.
 *
 * Wire facts: the constants, the slot status enum and the status names
 * are the wire's (wire/protocol.h, generated from wire/wire.def).
 * Telemetry reads slot words 0..3 and args 0..2 (args_prefix); control
 * words SHUTDOWN, DONE_COUNT, TENANT_FAIRNESS, METRICS, EPOCH and
 * PRIORITY_FAIRNESS; a control buffer has at least VY_CONTROL_MIN_BYTES.
 */
#ifndef VY_TELEMETRY_H
#define VY_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include <jansson.h>

#include "wire/dump.h"
#include "wire/err.h"
#include "wire/protocol.h"

/* One non-zero METRICS word: metric index (0..31) and its count. */
struct vy_tel_metric {
	uint32_t index;
	uint32_t count;
};

/* ControlSnapshot (§2.2).  Fixed-size: decoding never allocates. */
struct vy_tel_control_snapshot {
	bool shutdown;		/* word 0 != 0 */
	uint32_t done_count;	/* word 1 */
	uint32_t epoch;		/* word 128 */
	uint32_t n_metrics;	/* entries used in metrics[] */
	struct vy_tel_metric metrics[VY_CTL_METRICS_SLOTS]; /* ascending, >0 */
	uint32_t tenant_fairness[VY_CTL_TENANT_FAIRNESS_SLOTS];	  /* words 64..95 */
	uint32_t priority_fairness[VY_CTL_PRIORITY_FAIRNESS_SLOTS]; /* words 136..140 */
};

/* RingSlotSnapshot (§2.3).  @status is the raw wire value. */
struct vy_tel_ring_slot {
	uint32_t slot_idx;
	uint32_t status;
	uint32_t tenant_id;
	uint32_t opcode;
	uint32_t args_prefix[3];
};

/* RingOccupancy (§2.3): slot count per status. */
struct vy_tel_ring_occupancy {
	uint32_t empty;
	uint32_t published;
	uint32_t claimed;
	uint32_t done;
	uint32_t wait_io;
	uint32_t yield_count;
	uint32_t requeue;
	uint32_t fault;
	uint32_t unknown;
};

/*
 * Fill @o from counts indexed by raw status 0..7, with index 8 for every
 * status above 7 (each count at most UINT32_MAX: a validated ring).
 */
void vy_tel_occupancy_from_counts(struct vy_tel_ring_occupancy *o,
				  const uint64_t cnt[9]);

/* Saturating u32 sum of all nine counts. */
uint32_t vy_tel_occupancy_total_slots(const struct vy_tel_ring_occupancy *o);
/* Saturating sum of everything except empty and done (fault, unknown in). */
uint32_t vy_tel_occupancy_queue_depth(const struct vy_tel_ring_occupancy *o);

/*
 * WindowTelemetry (§2.4): the slots of one (ticket = arg0, opcode) pair
 * among the window opcodes.  tenant_id is the tenant of the lowest slot.
 * required_slots/lookahead_slots count class (arg1) 0 and 1; other
 * classes count in neither.  The status counters skip empty and unknown.
 */
struct vy_tel_window_telemetry {
	uint32_t ticket;
	uint32_t tenant_id;
	uint32_t opcode;
	uint32_t required_slots;
	uint32_t lookahead_slots;
	uint32_t published;
	uint32_t claimed;
	uint32_t done;
	uint32_t wait_io;
	uint32_t yield_count;
	uint32_t requeue;
	uint32_t fault;
};

/* Any of published, claimed, wait_io, yield_count, requeue > 0. */
bool vy_tel_window_telemetry_is_active(const struct vy_tel_window_telemetry *w);

/*
 * RingTelemetry: one decoded snapshot.  slots[] has one row per ring slot
 * in index order (unless decoded with VY_TEL_NO_SLOTS, then n_slots is 0
 * but the occupancy is complete); windows[] is sorted by (ticket, opcode).
 * The arrays belong to the structure and grow as needed; *_cap is their
 * element capacity.  Initialise with vy_tel_init() (or zero it);
 * a caller may also fill it by hand (e.g. from JSON) with malloc'd arrays.
 */
struct vy_tel {
	struct vy_tel_control_snapshot control;
	struct vy_tel_ring_occupancy occupancy;
	struct vy_tel_ring_slot *slots;
	size_t n_slots;
	size_t slots_cap;
	struct vy_tel_window_telemetry *windows;
	size_t n_windows;
	size_t windows_cap;
	uint64_t ring_slot_count;	/* slots in the ring, even with NO_SLOTS */
};

void vy_tel_init(struct vy_tel *t);
void vy_tel_free(struct vy_tel *t);

/*
 * TelemetryDecodeScratch: the sorted distinct window opcodes and the
 * window accumulator table.  clear() keeps the capacity; free() releases.
 */
struct vy_tel_wacc;
struct vy_tel_scratch {
	uint32_t *window_opcodes;
	size_t n_window_opcodes;
	size_t window_opcodes_cap;
	struct vy_tel_wacc *acc;	/* open-addressing table */
	size_t acc_len;			/* windows in the table */
	size_t acc_cap;			/* table size (power of two) */
	uint32_t *acc_order;		/* table index per window, first seen */
	uint64_t bitmap[2];		/* window opcodes below 128 */
};

void vy_tel_scratch_init(struct vy_tel_scratch *s);
void vy_tel_scratch_free(struct vy_tel_scratch *s);

/*
 * Validation alone (§2.2, §2.4):
 *   control: len < 640 or len % 4 != 0 -> VY_E_CONTROL_SNAPSHOT_INVALID;
 *   ring: len % 64 != 0 -> VY_E_RING_NOT_WHOLE_SLOTS; more than
 *   UINT32_MAX slots -> VY_E_RING_TOO_MANY_SLOTS.  A 0-byte ring is valid.
 * Messages name the byte offset where the data goes wrong.
 */
int vy_tel_control_validate(size_t control_len, struct vy_err *e);
int vy_tel_ring_validate(size_t ring_len, struct vy_err *e);

/* Decode the control buffer alone (validates first). */
int vy_tel_control_decode(struct vy_tel_control_snapshot *out, const uint8_t *control,
		      size_t control_len, struct vy_err *e);

/* Flags for vy_tel_decode. */
#define VY_TEL_NO_SLOTS 0x1u	/* count occupancy, do not store slot rows */

/*
 * Decode control + ring (+ route windows for the opcodes in
 * @window_opcodes: any order, duplicates allowed, n = 0 disables
 * grouping) into @out, reusing its arrays and @scratch.  @scratch may be
 * NULL (a temporary one is used).  Errors: the validation codes above,
 * VY_E_NOMEM.
 */
int vy_tel_decode(struct vy_tel *out, struct vy_tel_scratch *scratch,
			const uint8_t *control, size_t control_len,
			const uint8_t *ring, size_t ring_len,
			const uint32_t *window_opcodes, size_t n_window_opcodes,
			unsigned flags, struct vy_err *e);

/*
 * active_slots_for_opcode (§2.5): indices into t->slots of the rows with
 * opcode @opcode and an active status, in slot order.  @out must hold
 * t->n_slots entries.  Returns the count.
 */
size_t vy_tel_active_slots_for_opcode(const struct vy_tel *t,
					    uint32_t opcode, size_t *out);

/* active_windows: indices into t->windows of the active windows. */
size_t vy_tel_active_windows(const struct vy_tel *t, size_t *out);

/* PriorityRequeueAccounting as telemetry sees it (§2.5). */
struct vy_tel_priority_accounting {
	uint64_t requeue_count;		/* occupancy.requeue */
	uint64_t aged_promotions;	/* always 0 from a snapshot */
	uint32_t max_priority_age;	/* always 0 from a snapshot */
};

void vy_tel_priority_accounting(const struct vy_tel *t,
				      struct vy_tel_priority_accounting *out);

/* MegakernelRuntimeCounters (§2.6). */
struct vy_tel_runtime_counters {
	uint32_t total_slots;
	uint32_t queue_depth;
	uint32_t gpu_idle_slots;	/* occupancy.empty */
	uint32_t gpu_idle_ppm;		/* floor(idle * 1e6 / total), 0 if empty */
	uint16_t frontier_density_bps;	/* queue_depth in bps of total */
	uint16_t occupancy_proxy_bps;	/* (total - idle) in bps of total */
	uint32_t drained_slots;		/* control.done_count */
	uint32_t unreclaimed_done_slots; /* occupancy.done */
	uint64_t tenant_fairness_total;
	uint32_t tenant_fairness_skew;	/* max - min over non-zero tenants */
	uint64_t priority_fairness_total;
	uint32_t requeue_slots;
	uint32_t fault_slots;
};

/* Cannot fail: 32 u32 fairness counters always fit a u64 sum. */
void vy_tel_runtime_counters_fill(const struct vy_tel *t,
				   struct vy_tel_runtime_counters *out);

/* MegakernelWatchdogSnapshot (§2.7). */
struct vy_tel_watchdog {
	uint32_t done_delta;
	uint32_t queue_depth;
	uint32_t fault_slots;
	uint32_t requeue_slots;
	uint32_t gpu_idle_ppm;
	bool suspected_stall;	/* queue_depth > 0, done_delta 0, no fault */
};

/*
 * Health of @cur since a snapshot whose DONE_COUNT was @prev_done_count.
 * A done counter below the previous one (a reset, or a u32 wrap, which is
 * not treated modularly) is VY_E_DONE_COUNTER_BACKWARDS: the caller should
 * start a new epoch with @cur as the previous snapshot.
 */
int vy_tel_health(const struct vy_tel *cur,
			uint32_t prev_done_count, struct vy_tel_watchdog *out,
			struct vy_err *e);

/*
 * Launch feedback helpers for recommend_launch (§2.8; the policy module
 * fills its request with these):
 *   hot opcode count = control.n_metrics;
 *   hot window count = windows with required + lookahead >= 4; the sum is
 *   checked: VY_E_ROUTE_WINDOW_DEMAND_OVERFLOW.
 */
uint32_t vy_tel_hot_opcode_count(const struct vy_tel *t);
int vy_tel_hot_window_count(const struct vy_tel *t, uint32_t *out,
				  struct vy_err *e);

/* ---- Count-Min sketch (§2.10) ---- */

struct vy_tel_cms {
	size_t depth;
	size_t width;
	uint64_t *counters;	/* depth * width, row-major */
	size_t cap;		/* allocated counters */
};

uint64_t vy_tel_splitmix64(uint64_t v);
void vy_tel_cms_init(struct vy_tel_cms *s);	/* empty, 0x0, no allocation */
void vy_tel_cms_free(struct vy_tel_cms *s);
/*
 * Set the shape and zero the counters (reusing the allocation when it is
 * big enough).  depth or width 0: VY_E_SKETCH_ZERO_DIMENSION; depth *
 * width overflows size_t: VY_E_SKETCH_DIMENSION_OVERFLOW; the cells fit but
 * their bytes do not, or the allocation fails: VY_E_NOMEM
 * (E_OUT_OF_HOST_MEMORY, as upstream's failing allocation).
 */
int vy_tel_cms_reset_shape(struct vy_tel_cms *s, size_t depth, size_t width,
		       struct vy_err *e);
/* Counter index of @key in @row: row * width + splitmix64(key ^ row*G) % width. */
size_t vy_tel_cms_bucket(const struct vy_tel_cms *s, size_t row, uint32_t key);
/*
 * Checked add in every row, row 0 first.  Amount 0 is a no-op.  A counter
 * that would pass UINT64_MAX: VY_E_SKETCH_COUNTER_OVERFLOW, with the
 * earlier rows already incremented (as upstream).
 */
int vy_tel_cms_add(struct vy_tel_cms *s, uint32_t key, uint64_t amount,
	       struct vy_err *e);
uint64_t vy_tel_cms_estimate(const struct vy_tel_cms *s, uint32_t key);
/*
 * Element-wise checked add of @other.  Different shape:
 * VY_E_SKETCH_SHAPE_MISMATCH; overflow: VY_E_SKETCH_MERGE_OVERFLOW
 * (counters before the failing one are already merged).
 */
int vy_tel_cms_merge(struct vy_tel_cms *s, const struct vy_tel_cms *other,
		 struct vy_err *e);

/* SketchTelemetry: five sketches of one shape plus two totals. */
struct vy_tel_sketch_telemetry {
	struct vy_tel_cms ring_opcode;	/* opcode of every slot, +1 */
	struct vy_tel_cms tenant;		/* tenant of every slot, +1 */
	struct vy_tel_cms status;		/* raw status of every slot, +1 */
	struct vy_tel_cms active_opcode;	/* opcode of active slots, +1 */
	struct vy_tel_cms dispatch_metrics;	/* metric index, +count */
	uint64_t total_slots;
	uint64_t active_slots;
};

void vy_tel_sketch_telemetry_init(struct vy_tel_sketch_telemetry *s);
void vy_tel_sketch_telemetry_free(struct vy_tel_sketch_telemetry *s);
/* Build from a snapshot decoded with slot rows (sketch_into). */
int vy_tel_sketch(const struct vy_tel *t, size_t depth,
			size_t width, struct vy_tel_sketch_telemetry *out,
			struct vy_err *e);

/* ---- Evidence envelopes (§2.9) ---- */

#define VY_RUNTIME_IO_EVIDENCE_SCHEMA_VERSION 1u
#define VY_TELEMETRY_DECODE_CAPACITY_SCHEMA_VERSION 1u

enum vy_tel_evidence_family {
	VY_EVIDENCE_RING,
	VY_EVIDENCE_CONTROL,
	VY_EVIDENCE_COPY,
	VY_EVIDENCE_RESIDENCY,
};

/* "ring", "control", "copy", "residency". */
const char *vy_tel_evidence_family_name(enum vy_tel_evidence_family f);

struct vy_tel_evidence_coverage {
	bool ring;
	bool control;
	bool copy;
	bool residency;
};

struct vy_tel_runtime_evidence {
	uint32_t schema_version;
	uint64_t resident_device_bytes;
	uint64_t host_copy_bytes;		/* copies still required */
	uint64_t host_copy_avoided_bytes;	/* copies avoided */
	struct vy_tel_ring_occupancy ring_occupancy;
	uint64_t control_decode_ns;
	uint64_t ring_decode_ns;
	struct vy_tel_evidence_coverage coverage;
};

/* Schema 1 and full coverage with the given values. */
void vy_tel_runtime_evidence_complete(struct vy_tel_runtime_evidence *out,
				  uint64_t resident, uint64_t copy,
				  uint64_t avoided,
				  const struct vy_tel_ring_occupancy *occ,
				  uint64_t control_ns, uint64_t ring_ns);
/* Missing families in the order ring, control, copy, residency. */
size_t vy_tel_runtime_evidence_missing(const struct vy_tel_runtime_evidence *ev,
				   enum vy_tel_evidence_family out[4]);
bool vy_tel_runtime_evidence_is_complete(const struct vy_tel_runtime_evidence *ev);
/* floor(avoided * 10000 / (copy + avoided)), 0 when both are 0. */
uint16_t vy_tel_runtime_evidence_copy_avoidance_bps(
	const struct vy_tel_runtime_evidence *ev);

struct vy_tel_decode_capacity_evidence {
	uint32_t schema_version;
	size_t decoded_slot_count;
	size_t slot_output_capacity;
	size_t decoded_window_count;
	size_t window_output_capacity;
	size_t window_opcode_scratch_capacity;
	size_t window_accumulator_scratch_capacity;
	bool uses_caller_owned_scratch;
};

void vy_tel_decode_capacity_evidence_fill(
	const struct vy_tel *t, const struct vy_tel_scratch *s,
	struct vy_tel_decode_capacity_evidence *out);
bool vy_tel_decode_capacity_evidence_is_complete(
	const struct vy_tel_decode_capacity_evidence *ev);

/* ---- Readback (§3.1) ---- */

/*
 * MegakernelReadback::slot_count(): ring length / 64.  Errors:
 * VY_E_READBACK_RING_NOT_WHOLE_SLOTS (not a multiple of 64),
 * VY_E_READBACK_RING_LEN_OVERFLOW (more than UINT32_MAX slots).  The
 * four-buffer validation and byte counters are vy_validate_readback() and
 * vy_readback_counters() in protocol.h.
 */
int vy_tel_readback_slot_count(size_t ring_len, uint32_t *out, struct vy_err *e);


/* ---- PRINTF formats (vyre-decode --printf-formats) ---- */

/* Maps PRINTF format ids to format strings (--printf-formats). */
struct vy_tel_printf_formats {
	uint32_t *ids;
	char **fmts;
	size_t n;
};

/*
 * Parse a formats file: one "ID FORMAT" per line (ID decimal or 0x hex,
 * one blank between, FORMAT to the end of the line; optionally in double
 * quotes with \n \t \" \\ escapes); blank lines and lines starting with
 * '#' are skipped.  A later line for the same id wins.  Errors:
 * VY_E_FORMAT ("line N: ..."), VY_E_NOMEM.
 */
int vy_tel_printf_formats_parse(struct vy_tel_printf_formats *pf, const char *text,
			    size_t len, struct vy_err *e);
void vy_tel_printf_formats_free(struct vy_tel_printf_formats *pf);
/* The format of @id, or NULL. */
const char *vy_tel_printf_formats_get(const struct vy_tel_printf_formats *pf,
				  uint32_t id);
/*
 * Render @fmt with the record's two arguments into @buf (always
 * NUL-terminated; truncated to @len).  Conversions: %u %d %i %x %X %o %c
 * with optional '0', '-' flags and a width up to 32, and %%; the first
 * takes @a1, the second @a2; anything else is copied as text.
 */
void vy_tel_printf_render(const char *fmt, uint32_t a1, uint32_t a2, char *buf,
		      size_t len);

/* ---- Snapshot streams with recovery (vyre-decode --keep-going) ---- */

/*
 * Reads VYRD snapshots from a file descriptor with read(2) (so a pipe
 * delivers each snapshot as soon as it is complete) and parses them with
 * vy_dump_parse.  Unlike vy_dump_reader, a corrupt snapshot can be
 * skipped: vy_tel_stream_skip() moves past it (by its stated length when
 * that is sane, else to the next "VYRD" magic).
 */
struct vy_tel_stream {
	int fd;
	const char *name;
	uint8_t *buf;
	size_t len;		/* bytes held */
	size_t pos;		/* start of the next snapshot in buf */
	size_t cap;
	uint64_t base;		/* stream offset of buf[0] */
	bool eof;
	int last_err;		/* error of the last next() (0 if none) */
};

void vy_tel_stream_init(struct vy_tel_stream *s, int fd, const char *name);
void vy_tel_stream_free(struct vy_tel_stream *s);

/*
 * Next snapshot into @out (borrowing the stream's buffer until the next
 * call).  Returns 1 with a snapshot; 0 at a clean end of input; 2 when
 * a signal interrupted the read or, with @follow, when the input ended
 * (cleanly or inside a snapshot): the caller checks why, waits and calls
 * again; or an error: VY_E_TRUNCATED (input
 * ended inside a snapshot), any vy_dump_parse error (a corrupt snapshot:
 * vy_tel_stream_skip() moves past it), VY_E_TOO_LARGE, VY_E_IO,
 * VY_E_NOMEM.  Messages start with "offset N:" (stream offset).
 */
int vy_tel_stream_next(struct vy_tel_stream *s, bool follow,
		       struct vy_snapshot *out, struct vy_err *e);
/* After a parse error: drop the corrupt snapshot.  Returns 0. */
int vy_tel_stream_skip(struct vy_tel_stream *s);

#endif
