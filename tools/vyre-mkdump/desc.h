/* SPDX-License-Identifier: MIT */
/*
 * desc.h - vyre-mkdump's description language: a JSON document (or the
 * line-oriented text form, converted to the same JSON) that says how to
 * build the four buffers of one or more snapshots.  vyre-mkdump(1)
 * documents every key.
 */
#ifndef VY_MKDUMP_DESC_H
#define VY_MKDUMP_DESC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/dump.h"

/* One built snapshot: snap borrows bufs[]. */
struct mk_snap {
	struct vy_snapshot snap;
	uint8_t *bufs[VY_BUF_COUNT];	/* owned; NULL when empty/absent */
	char *run_strs;			/* owned: the run section's strings */
	uint8_t *run_lines;		/* owned: its slot lines */
};

struct mk_desc {
	struct mk_snap *snaps;
	size_t n;
};

/*
 * Build every snapshot @root describes: an object (one snapshot), an
 * object with the single key "snapshots" (an array), or an array.
 * Errors: VY_E_FORMAT with the message "$.path: what is wrong", or
 * VY_E_NOMEM.  On error @out is left empty.
 */
int mk_desc_build(json_t *root, struct mk_desc *out, struct vy_err *e);

void mk_desc_free(struct mk_desc *d);

/*
 * Convert the text form (vyre-mkdump(1), "TEXT FORM") to the JSON form
 * {"snapshots": [...]}.  *@lines gets an object that maps the JSON path
 * of each value made from a line ("$.snapshots[0].ring[2]") to that
 * line's number, for mk_text_line.  Errors: VY_E_FORMAT with "line N:
 * what is wrong", VY_E_NOMEM.  *@out and *@lines are new references.
 */
int mk_text_to_json(const char *text, size_t len, json_t **out,
		    json_t **lines, struct vy_err *e);

/*
 * The line of the text form that made the value at the start of @msg
 * (a "$.path: ..." message of mk_desc_build): the line recorded for the
 * longest prefix of that path; 0 when none.
 */
unsigned mk_text_line(const json_t *lines, const char *msg);

#endif
