/* SPDX-License-Identifier: MIT */
/*
 * vectors.h - the conformance runner's kind registry.
 *
 * Each vector kind (the "kind" field of a case, ../shared/vectors/README.md)
 * is implemented by one handler, registered from its own file with
 *
 *	VV_KIND("publish_slot", run_publish_slot)
 *
 * A handler gets the case and either
 *   - returns 0 and sets *got to a JSON value that the runner compares with
 *     "expected" (every key present in expected, recursively, exact
 *     integers; arrays element by element), or returns 0 with *got NULL
 *     after doing its own checks with vv_mismatch();
 *   - returns a negative VY_E_* code with @e filled: the call failed; the
 *     runner compares vy_err_name(code) with "expected_error" (and, where
 *     the case has one, c->error_detail with "expected_error_detail");
 *   - returns vv_bad_input()'s code when the vector itself is malformed
 *     (a missing field, an integer out of range): the runner reports a
 *     vector error and fails the case whatever it expected;
 *   - returns VV_SKIP after setting c->skip_reason (e.g. no OpenCL device).
 * A kind with no handler is counted as skipped, never passed.
 */
#ifndef VV_VECTORS_H
#define VV_VECTORS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/err.h"

#define VV_SKIP 1

struct vv_case {
	const char *file;
	const char *id;
	const char *kind;
	json_t *input;
	json_t *expected;		/* NULL for an error case */
	const char *expected_error;	/* the code, e.g. "E_MISSING_WORD" */
	/*
	 * Set by a handler that fails with an out-of-memory code: the
	 * {requested, available} the runner compares with the case's
	 * expected_error_detail.  The runner frees it.
	 */
	json_t *error_detail;
	int bad_vector;			/* set by vv_bad_input() */
	unsigned mismatches;
	const char *skip_reason;
	int verbose;
};

typedef int (*vv_fn)(struct vv_case *c, json_t **got, struct vy_err *e);

void vv_register(const char *kind, vv_fn fn);

#define VV_KIND_2(kind, fn, line)                                         \
	__attribute__((constructor)) static void vv_reg_##line(void)     \
	{                                                                \
		vv_register(kind, fn);                                   \
	}
#define VV_KIND_1(kind, fn, line) VV_KIND_2(kind, fn, line)
#define VV_KIND(kind, fn) VV_KIND_1(kind, fn, __LINE__)

/*
 * The vector is malformed (@what names the field): marks the case being
 * run as a vector error and returns VY_E_INVAL with @e filled.
 */
int vv_bad_input(struct vy_err *e, const char *what);

/*
 * Report one mismatch: "FILE: ID: FIELD: expected E, got G", one line:
 * control characters in any part are escaped (\n, \t, \xHH).
 */
void vv_mismatch(struct vv_case *c, const char *field, const char *expected,
		 const char *got);

/* Same with JSON values (either may be NULL = "absent"). */
void vv_mismatch_json(struct vv_case *c, const char *field,
		      const json_t *expected, const json_t *got);

/* Compare @expected (keys present) with @got; report each difference. */
void vv_compare(struct vv_case *c, const char *path, const json_t *expected,
		const json_t *got);

/*
 * JSON <-> u64.  The runner rewrites integer literals outside jansson's
 * signed 64-bit range to vy_rep_json_u64's tagged strings before parsing;
 * vv_get_u64 accepts both forms and fails (never clamps) on a negative
 * value or one above 2^64-1; vv_u64 makes the right form.  vv_get_u64
 * and the comparison also take vy_rep_json_u64's tagged strings, so results
 * built by the library's JSON builders compare as numbers.
 */
json_t *vv_u64(uint64_t v);
int vv_get_u64(const json_t *j, uint64_t *out);
/* Member @key of object @o as u64; @def when absent.  -1 on a bad value. */
int vv_member_u64(const json_t *o, const char *key, uint64_t def,
		  uint64_t *out);
/* Same, u32 (fails above UINT32_MAX). */
int vv_member_u32(const json_t *o, const char *key, uint32_t def,
		  uint32_t *out);
/*
 * A JSON array of u32 into a malloc'd array (never NULL on success; free
 * it).  -1 when @a is not an array or an element is not a u32.
 */
int vv_u32_list(const json_t *a, uint32_t **out, size_t *n);

/* A byte buffer decoded from a vector encoding. Free with free(b->data). */
struct vv_bytes {
	uint8_t *data;
	size_t len;
};

/* Sparse buffer {"byte_len", "words"}. */
int vv_sparse(const json_t *j, struct vv_bytes *out);
/* Ring {"slot_count", "slots", "extra_bytes"?}, or a sparse buffer. */
int vv_ring(const json_t *j, struct vv_bytes *out);
/* Buffer as a sparse JSON value (non-zero words, ascending). */
json_t *vv_sparse_json(const uint8_t *buf, size_t len);
/* Slot status name: "Empty" .. "Fault", or "Unknown(<n>)". */
const char *vv_status_name(uint32_t s, char *tmp, size_t tmplen);
/* Parse a status name back; -1 if unknown text. */
int vv_status_value(const char *name, uint32_t *out);

#endif
