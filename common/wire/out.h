/* SPDX-License-Identifier: MIT */
/*
 * out.h - the one way a program writes an output path (-o, --snapshot,
 * --dump-dir, the Prometheus textfile); vyre(7), OUTPUT FILES.
 *
 *   "-"                 standard output (messages say "standard output")
 *   a regular file, or  replaced atomically: a temporary file in the same
 *   a missing one       folder, fsync, rename; the old file's mode (and,
 *                       when allowed, owner) is kept, a new file gets
 *                       0666 less the umask
 *   a symbolic link     followed; its target is replaced the same way
 *   anything else       (device, FIFO, socket) written directly, never
 *                       replaced, so -o /dev/null stays a device; so are
 *                       /dev/stdout, /dev/stderr and /dev/fd/N whatever
 *                       they point to
 *   a directory         refused
 *
 * Until vy_out_commit the old file is untouched; vy_out_abort, an error
 * in vy_out_commit, and SIGINT/SIGTERM/SIGHUP (when the program has not
 * set its own handler) remove the temporary file.  Every error is
 * VY_E_IO "NAME: strerror" naming the path as given.
 */
#ifndef VY_OUT_H
#define VY_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "wire/err.h"

struct vy_out {
	FILE *f;		/* write here (stdio buffering) */
	const char *name;	/* for messages: the path or "standard output" */
	char *tmp;		/* temporary file, NULL when written directly */
	char *target;		/* what tmp replaces (a symlink followed) */
	int slot;		/* signal cleanup entry, -1 when none */
	int err;		/* first write errno (vy_out_write) */
};

/* Open @path for writing.  @path is borrowed until commit/abort. */
int vy_out_open(struct vy_out *o, const char *path, struct vy_err *e);

/*
 * A stream that others read while it grows (vyre-launch --snapshot FILE
 * with --interval, for vyre-decode --follow): a regular file is written in
 * place, created or truncated here, so it cannot be replaced atomically;
 * everything else as vy_out_open.  Commit flushes, fsyncs and closes.
 */
int vy_out_open_live(struct vy_out *o, const char *path, struct vy_err *e);
/*
 * fwrite @len bytes to o->f, keeping the first errno for vy_out_commit
 * (stdio's error flag alone loses it).  Returns 0 or -1.
 */
int vy_out_write(struct vy_out *o, const void *buf, size_t len);

/*
 * Finish: flush, fsync (files), close, rename over the target.  Reports
 * the first error the stream saw (a full disk, a closed pipe) and then
 * removes the temporary file.  @o is closed either way.
 */
int vy_out_commit(struct vy_out *o, struct vy_err *e);

/* Give up: close and remove the temporary file; the target is untouched. */
void vy_out_abort(struct vy_out *o);

#endif
