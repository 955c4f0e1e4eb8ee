/* SPDX-License-Identifier: MIT */
/*
 * decode.h - one decoded snapshot as vyre-decode reports it, and its
 * writers (JSON, JSON Lines, table, CSV, Prometheus text, annotated hex).
 */
#ifndef VY_REPORT_DECODE_H
#define VY_REPORT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "telemetry/diagnose.h"
#include "telemetry/telemetry.h"
#include "wire/dump.h"
#include "wire/protocol.h"

/* ---- Decode reports (vyre-decode) ---- */

/*
 * A report is one decoded snapshot with everything vyre-decode prints
 * about it: telemetry, counters, the health since the previous snapshot,
 * the debug log and IO queue views, an optional sketch.  The raw buffers
 * are borrowed (they must outlive the report's use).  Build with
 * vy_rep_decode_build(), then write it with one of the writers below.
 * A report is reusable: build into the same structure again and its
 * arrays are reused.
 */

/* Which slot rows a report carries. */
enum vy_rep_slots {
	VY_TEL_SLOTS_NONE = 0,
	VY_TEL_SLOTS_ACTIVE,	/* active statuses only */
	VY_TEL_SLOTS_ALL,
	VY_TEL_SLOTS_FAULTED,	/* status fault only */
	VY_TEL_SLOTS_TENANT,	/* non-empty slots of opts.slot_tenant */
};

struct vy_rep_decode_opts {
	const uint32_t *window_opcodes;	/* --windows */
	size_t n_window_opcodes;
	enum vy_rep_slots slots;	/* --slots */
	uint32_t slot_tenant;		/* --slots tenant=N */
	bool tenants;			/* --tenants: per-tenant summary */
	bool have_opcode;		/* --opcode */
	uint32_t opcode;
	size_t sketch_depth;		/* --sketch DxW; 0 = none */
	size_t sketch_width;
	enum vy_read_mode debug_mode;	/* --debug-log */
	const struct vy_tel_printf_formats *formats; /* may be NULL */
};

struct vy_rep_decode {
	/* where it came from */
	const char *source;		/* file name ("-" = stdin) */
	uint64_t index;			/* snapshot number in this run, from 0 */
	bool has_meta;			/* from a VYRD snapshot */
	uint64_t offset;		/* stream offset of the snapshot */
	uint64_t sequence;
	uint64_t capture_ns;
	const char *device;		/* "" when unknown */
	struct vy_dump_run run;		/* run section (borrowed), if present */
	/* borrowed raw buffers (debug/io NULL when absent) */
	const uint8_t *control;
	size_t control_len;
	const uint8_t *ring;
	size_t ring_len;
	const uint8_t *debug;
	size_t debug_len;
	const uint8_t *io;
	size_t io_len;
	uint64_t base[VY_BUF_COUNT];	/* file offset of each buffer, for messages */
	int err_buf;			/* VY_BUF_* that failed the last build */
	/* decoded */
	struct vy_tel tel;
	struct vy_tel_scratch scratch;
	struct vy_tel_runtime_counters counters;
	uint64_t decode_ns;		/* time vy_tel_decode took */
	size_t *idx;			/* scratch: active windows / slots */
	size_t idx_cap;
	/* health since the previous snapshot */
	bool has_health;
	bool counter_reset;		/* done_count moved backwards */
	uint32_t prev_done_count;
	uint64_t prev_index;
	const char *prev_source;	/* source of the snapshot compared with */
	struct vy_tel_watchdog health;
	/* debug log */
	bool has_debug;
	struct vy_debug_log_view dbg;
	/* io queue */
	bool has_io;
	uint32_t io_slots;
	uint32_t io_status[6];		/* empty, published, claimed, done, ok, error */
	uint32_t io_other;		/* any other status value */
	/* what went wrong (vy_tel_diagnose); its claimed map is what the
	   next snapshot's diagnosis compares with */
	struct vy_tel_diag diag;
	/* --tenants */
	struct vy_tel_tenant_row *tenant_rows;
	size_t n_tenant_rows;
	/* sketch */
	bool has_sketch;
	struct vy_tel_sketch_telemetry sketch;
	const struct vy_rep_decode_opts *opts;
};

void vy_rep_decode_init(struct vy_rep_decode *r);
void vy_rep_decode_free(struct vy_rep_decode *r);

/*
 * Decode the buffers already set in @r (control and ring required; debug
 * and io optional) under @o.  @prev (may be NULL) is the previous report
 * of the stream: its done_count gives the health; a backwards counter
 * sets counter_reset instead of failing.  Errors: the telemetry and
 * protocol validation codes, VY_E_NOMEM; err_buf names the failing buffer
 * and the message starts with "offset N:" where N is base[err_buf] plus
 * the offset inside that buffer.
 */
int vy_rep_decode_build(struct vy_rep_decode *r,
			const struct vy_rep_decode_opts *o,
			const struct vy_rep_decode *prev, struct vy_err *e);

/* True when --strict should fail: a diagnosis finding of severity error
 * (a stall, faulted slots, blocked tenants, debug records dropped, ...). */
bool vy_rep_decode_anomalous(const struct vy_rep_decode *r);

/* The report as one JSON object (no "schema"; vy_rep_emit_json adds it). */
json_t *vy_rep_decode_json(const struct vy_rep_decode *r);
/* The same without the "slots" array (JSON Lines writes slots apart). */
#define VY_TEL_JSON_NO_SLOTS 0x1u
json_t *vy_rep_decode_json_flags(const struct vy_rep_decode *r,
				 unsigned flags);

/*
 * The report's JSON pieces, one object or array each, as they stand in
 * vy_rep_decode_json (u64 values by vy_rep_json_u64).  The conformance runner
 * builds its results with them too.
 */
json_t *vy_rep_control_json(const struct vy_tel_control_snapshot *c);
json_t *vy_rep_occupancy_json(const struct vy_tel_ring_occupancy *o);
json_t *vy_rep_counters_json(const struct vy_tel_runtime_counters *c);
json_t *vy_rep_window_json(const struct vy_tel_window_telemetry *w);
/* Every window of @t, in order. */
json_t *vy_rep_windows_json(const struct vy_tel *t);
/* [[ticket, opcode], ...] of the active windows; @idx: n_windows entries. */
json_t *vy_rep_active_windows_json(const struct vy_tel *t, size_t *idx);
/* {"requeue_count", "aged_promotions", "max_priority_age"} of @t. */
json_t *vy_rep_priority_json(const struct vy_tel *t);
/* The counters of a Count-Min sketch, row by row. */
json_t *vy_rep_cms_json(const struct vy_tel_cms *s);
/*
 * Add the members of @w ("done_delta" .. "suspected_stall") to object @j,
 * after those already there (the report's "health" object leads with the
 * two snapshots it compares).
 */
void vy_rep_watchdog_json_add(json_t *j, const struct vy_tel_watchdog *w);

/* One compact JSON line per slot row selected by opts->slots. */
int vy_rep_decode_slot_lines(FILE *f, const struct vy_rep_decode *r,
			     const char *schema);
/*
 * The diagnosis as table lines ("diagnosis    error: ..."; one "ok" line
 * when there is no finding), then the run section's line when present.
 */
int vy_rep_decode_diagnosis(FILE *f, const struct vy_rep_decode *r);
/*
 * The diagnosis as the JSON array "diagnosis" holds: each finding's
 * slots, items and tenants arrays list at most VY_REP_DIAG_JSON_MAX
 * entries; a longer finding also carries "slot_count" and "tenant_count".
 * New reference.
 */
#define VY_REP_DIAG_JSON_MAX 1000
json_t *vy_rep_diagnosis_json(const struct vy_rep_decode *r);
/* Human summary (table format). */
int vy_rep_decode_table(FILE *f, const struct vy_rep_decode *r);
/* One health line: "health 0 -> 1: ..." (table); only if has_health. */
int vy_rep_decode_health_line(FILE *f, const struct vy_rep_decode *r);
/*
 * CSV: the header and one summary row per report; with opts->slots a
 * slot table instead (one row per selected slot).
 */
int vy_rep_decode_csv_header(FILE *f, const struct vy_rep_decode_opts *o);
int vy_rep_decode_csv(FILE *f, const struct vy_rep_decode *r);
/* Prometheus text exposition of one report. */
int vy_rep_decode_prom(FILE *f, const struct vy_rep_decode *r);
/* Word-indexed hex rows of every buffer, annotated with word names. */
int vy_rep_decode_hex(FILE *f, const struct vy_rep_decode *r);

/*
 * Name of control word @w ("shutdown", "done_count", "tenant_fairness[3]",
 * "metrics[5]", "observable[0]", ...), written into @buf.
 */
const char *vy_rep_control_word_name(uint32_t w, char *buf, size_t len);

/*
 * Read and parse the "ID FORMAT" lines of @path into @pf
 * (vy_tel_printf_formats_free after).  Errors: those of vy_read_file and
 * vy_tel_printf_formats_parse.
 */
int vy_rep_printf_formats_load(const char *path,
			       struct vy_tel_printf_formats *pf,
			       struct vy_err *e);

/*
 * One PRINTF record as every program prints it in JSON:
 * {"fmt_id":N,"args":[A1,A2],"slot":S} plus "text" when @pf (may be NULL)
 * has a format for fmt_id.  New reference.
 */
json_t *vy_rep_printf_json(const struct vy_debug_record *r,
			   const struct vy_tel_printf_formats *pf);

#endif
