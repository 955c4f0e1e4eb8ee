/* SPDX-License-Identifier: MIT */
/*
 * err.h - error codes and the context of the last failure.
 *
 * Every library function returns 0 (or a non-negative count) on success and
 * a negative VY_E* code on failure.  When it fails it fills the caller's
 * struct vy_err (if not NULL) with a one-line message (lowercase, no full
 * stop) and, where a fix is known, a hint that ends with a concrete action.
 * Library code never prints, exits or aborts.
 *
 * The codes are listed once, in errcodes.def, as X(NAME, "E_NAME", class).
 * The E_* string is the code used by the test vectors; the class maps the
 * error to the exit status shared by every program (see vyre(7)).
 */
#ifndef VY_ERR_H
#define VY_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses shared by all programs (vyre(7)). */
enum vy_exit {
	VY_EXIT_OK = 0,
	VY_EXIT_NEGATIVE = 1,	/* a gate failed, anomalies found, differ */
	VY_EXIT_USAGE = 2,	/* bad command line or malformed expression */
	VY_EXIT_DATA = 3,	/* bad input data */
	VY_EXIT_IO = 4,		/* I/O or OS error */
	VY_EXIT_DEVICE = 5,	/* device or runtime error */
	VY_EXIT_TIMEOUT = 6,	/* timeout or stall */
	/*
	 * The launch policy refused the request (zero limit, out of memory,
	 * overflow): kept apart from 1 so a CI job can tell "this cannot
	 * run" from "a --check gate failed".
	 */
	VY_EXIT_REFUSED = 7,
};

enum vy_errcode {
	VY_OK = 0,
#define X(name, str, cls) VY_E_##name,
	VY__EFIRST = -1000,
#include "wire/errcodes.def"
#undef X
	VY__ELAST
};

#define VY_ERR_MSG_MAX 256

struct vy_err {
	int code;			/* negative VY_E_* or 0 */
	char msg[VY_ERR_MSG_MAX];	/* what is wrong */
	char hint[VY_ERR_MSG_MAX];	/* how to fix it; may be empty */
};

/* The vector code of @code, e.g. "E_SLOT_OUT_OF_RANGE"; "E_UNKNOWN" else. */
const char *vy_err_name(int code);

/* The exit status (enum vy_exit) that a failure with @code maps to. */
int vy_err_exit(int code);

/*
 * Fill @e (may be NULL) and return @code.  The message is printf-style; the
 * hint may be NULL.  Always returns @code so callers can write
 * `return vy_errf(e, VY_E_X, "fix", "fmt", ...);`.
 */
int vy_errf(struct vy_err *e, int code, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Clear @e (may be NULL). */
void vy_err_clear(struct vy_err *e);

#endif
