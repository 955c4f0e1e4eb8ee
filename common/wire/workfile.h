/* SPDX-License-Identifier: MIT */
/*
 * workfile.h - the work-file format of vyre-launch(1).
 *
 * Text form, one slot per line:
 *
 *	# comment (also after an item)
 *	OPCODE [tenant=T] [priority=P] [ARG...]
 *	packed [tenant=T] OP[:ARG[,ARG...]] ...
 *	fence
 *
 * OPCODE is a name (store_u32, atomic_add, load_u32, compare_swap, memcpy,
 * dfa_step, batch_fence, nop, printf, shutdown, load_miss; any case) or a
 * number (decimal or 0x hex).  ARGs are up to 12 numbers; T defaults to 0
 * and P to 2 (NORMAL).  A packed line takes inner ops (names of builtins
 * 0..7 or numbers below 256), each with its comma-separated args, encoded
 * with the host packed encoder (protocol.md 4.4).  "fence" is not a slot:
 * the host waits until everything before it has finished.
 *
 * Binary form: raw 64-byte slot records (protocol.md 3.1); the status word
 * is ignored.
 *
 * Errors: VY_E_WORKFILE with "NAME:LINE:COL: what" (columns count bytes
 * from 1), VY_E_NOMEM.
 */
#ifndef VY_WORKFILE_H
#define VY_WORKFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"

struct vy_wf_item {
	uint32_t w[16];		/* slot image; w[0] unused */
	uint32_t line;		/* source line (text), record number (binary) */
	int fence;		/* a "fence" line: no slot */
};

struct vy_workfile {
	struct vy_wf_item *items;
	size_t n, cap;
	size_t slots;		/* items that are slots (not fences) */
};

/* Parse @len bytes of text named @name.  On error @out is left empty. */
int vy_workfile_parse(const char *text, size_t len, const char *name,
		      struct vy_workfile *out, struct vy_err *e);

/* Parse raw 64-byte records (len must be a multiple of 64). */
int vy_workfile_parse_binary(const uint8_t *buf, size_t len,
			     const char *name, struct vy_workfile *out,
			     struct vy_err *e);

/*
 * The synthetic item @i of a benchmark run: @opcode with args [1, 150]
 * (ATOMIC_ADD adds 1 to control word 150, STORE_U32 stores 1 there).
 */
void vy_workfile_synthetic(uint32_t opcode, uint64_t i, struct vy_wf_item *out);

/*
 * Whether a work item may carry opcode @op: a publishable one
 * (vy_opcode_is_publishable) or load_miss, which is written raw; the
 * parsers and --synthetic refuse the rest of the reserved range.
 */
bool vy_workfile_opcode_ok(uint32_t op);

void vy_workfile_free(struct vy_workfile *wf);

#endif
