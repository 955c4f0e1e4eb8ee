/* SPDX-License-Identifier: MIT */
#include "wire/out.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/util.h"

/*
 * Temporary files to remove when a signal ends the program.  The handler
 * may only call async-signal-safe functions, so the names live in fixed
 * arrays and a slot is published by setting its flag after the name.
 */
#define OUT_SLOTS 16
static char tmp_names[OUT_SLOTS][PATH_MAX];
static volatile sig_atomic_t tmp_used[OUT_SLOTS];
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	for (int i = 0; i < OUT_SLOTS; i++)
		if (tmp_used[i])
			unlink(tmp_names[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Only where the signal still has its default action, checked at every
 * open: a program's own handler ends the run through vy_out_abort or
 * vy_out_commit, and a library's crash handler (LLVM in PoCL) is left
 * alone.
 */
static void install_cleanup(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < VY_ARRAY_SIZE(cleanup_signals); i++)
		if (sigaction(cleanup_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL)
			sigaction(cleanup_signals[i], &sa, NULL);
}

static int claim_slot(const char *tmp)
{
	for (int i = 0; i < OUT_SLOTS; i++) {
		if (tmp_used[i])
			continue;
		snprintf(tmp_names[i], sizeof(tmp_names[i]), "%s", tmp);
		tmp_used[i] = 1;
		return i;
	}
	return -1;
}

static int io_err(struct vy_err *e, const char *name, int err)
{
	return vy_errf(e, VY_E_IO, NULL, "%s: %s", name, strerror(err));
}

/* Where a symbolic link points, even when its target does not exist. */
static char *follow(const char *path)
{
	char link[PATH_MAX], *r, *slash;
	ssize_t n;

	r = realpath(path, NULL);
	if (r)
		return r;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return NULL;
	link[n] = '\0';
	slash = strrchr(path, '/');
	if (link[0] == '/' || !slash)
		return strdup(link);
	r = malloc((size_t)(slash - path) + 2 + (size_t)n);
	if (r)
		sprintf(r, "%.*s/%s", (int)(slash - path), path, link);
	return r;
}

/*
 * /dev/stdout, /dev/fd/N and the like name a descriptor the caller
 * already holds: replacing the file behind it would leave that descriptor
 * on an unlinked inode, so they are written directly whatever they are.
 */
static int fd_name(const char *path)
{
	return !strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/stderr") ||
	       !strncmp(path, "/dev/fd/", 8) ||
	       !strncmp(path, "/proc/self/fd/", 14);
}

static void out_free(struct vy_out *o)
{
	/* a zeroed struct vy_out is safe to abort: slot counts with tmp */
	if (o->tmp && o->slot >= 0)
		tmp_used[o->slot] = 0;
	free(o->tmp);
	free(o->target);
	o->tmp = o->target = NULL;
	o->f = NULL;
	o->slot = -1;
}

/* A new file next to @target: O_EXCL under a fresh name. */
static int open_tmp(struct vy_out *o, const struct stat *old, int have_old)
{
	static unsigned seq;
	size_t n = strlen(o->target) + 32;
	int fd = -1;

	o->tmp = malloc(n);
	if (!o->tmp)
		return -1;
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		snprintf(o->tmp, n, "%s.tmp%06x", o->target,
			 (unsigned)(vy_now_ns() ^ (uint64_t)getpid() << 8 ^
				    ++seq) & 0xffffff);
		fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		/* that name is someone else's: never remove it */
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	o->slot = claim_slot(o->tmp);
	if (have_old) {
		/* keep who may read it: a 0600 file stays 0600 */
		if (fchown(fd, old->st_uid, old->st_gid))
			errno = 0;
		fchmod(fd, old->st_mode & 07777);
	}
	return fd;
}

static int out_open(struct vy_out *o, const char *path, bool live,
		    struct vy_err *e)
{
	struct stat st;
	int fd, have_old, err;

	memset(o, 0, sizeof(*o));
	o->slot = -1;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		o->name = "standard output";
		return 0;
	}
	o->name = path;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		o->target = follow(path);
	else
		o->target = strdup(path);
	if (!o->target)
		return io_err(e, path, errno ? errno : ENOMEM);
	have_old = stat(o->target, &st) == 0;
	if (!have_old && errno != ENOENT) {
		err = errno;
		out_free(o);
		return io_err(e, path, err);
	}
	if (have_old && S_ISDIR(st.st_mode)) {
		out_free(o);
		return io_err(e, path, EISDIR);
	}
	install_cleanup();
	if ((have_old && !S_ISREG(st.st_mode)) || fd_name(path))
		fd = open(o->target, O_WRONLY | O_CLOEXEC);
	else if (live)
		fd = open(o->target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0666);
	else
		fd = open_tmp(o, &st, have_old);
	if (fd < 0) {
		err = errno ? errno : ENOMEM;
		vy_out_abort(o);
		return vy_errf(e, VY_E_IO,
			       "check that the folder exists and is writable",
			       "%s: %s", path, strerror(err));
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		err = errno;
		close(fd);
		vy_out_abort(o);
		return io_err(e, path, err);
	}
	return 0;
}

int vy_out_open(struct vy_out *o, const char *path, struct vy_err *e)
{
	return out_open(o, path, false, e);
}

int vy_out_open_live(struct vy_out *o, const char *path, struct vy_err *e)
{
	return out_open(o, path, true, e);
}

static void sync_dir(const char *target)
{
	const char *slash = strrchr(target, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - target + 1),
			 target);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int vy_out_write(struct vy_out *o, const void *buf, size_t len)
{
	errno = 0;
	if (fwrite(buf, 1, len, o->f) == len)
		return 0;
	if (!o->err)
		o->err = errno ? errno : EIO;
	return -1;
}

int vy_out_commit(struct vy_out *o, struct vy_err *e)
{
	int err = o->err;

	if (o->f == stdout) {
		errno = 0;
		if ((fflush(stdout) || ferror(stdout)) && !err)
			err = errno ? errno : EIO;
		o->f = NULL;
		return err ? io_err(e, o->name, err) : 0;
	}
	errno = 0;
	if ((fflush(o->f) || ferror(o->f)) && !err)
		err = errno ? errno : EIO;
	if (!err && o->tmp && fsync(fileno(o->f)))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno;
	o->f = NULL;
	if (!err && o->tmp && rename(o->tmp, o->target))
		err = errno;
	if (err) {
		vy_out_abort(o);
		return io_err(e, o->name, err);
	}
	if (o->tmp)
		sync_dir(o->target);
	out_free(o);
	return 0;
}

void vy_out_abort(struct vy_out *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
