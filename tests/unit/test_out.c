/* SPDX-License-Identifier: MIT */
/*
 * wire/out.h: the one output helper.  Each test works in its own
 * mkdtemp folder; nothing outside it is written.
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "wire/out.h"
#include "wire/util.h"

/* Entries of @dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static int holds(const char *path, const char *s)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return n == strlen(s) && !memcmp(buf, s, n);
}

static void cleanup(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return;
}

VY_TEST(out_replaces_atomically_keeping_the_mode)
{
	char dir[] = "/tmp/vy-out-XXXXXX", path[64];
	struct vy_out o;
	struct vy_err e;
	struct stat st;

	VY_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	put(path, "old");
	chmod(path, 0600);
	VY_CHECK(vy_out_open(&o, path, &e) == 0);
	fputs("new", o.f);
	VY_CHECK(holds(path, "old"));		/* untouched until commit */
	VY_CHECK_EQ_U64(entries(dir), 2);	/* the file and its temp */
	VY_CHECK(vy_out_commit(&o, &e) == 0);
	VY_CHECK(holds(path, "new"));
	VY_CHECK(stat(path, &st) == 0);
	VY_CHECK_EQ_U64(st.st_mode & 07777, 0600);
	VY_CHECK_EQ_U64(entries(dir), 1);
	cleanup(dir);
}

VY_TEST(out_abort_leaves_the_old_file)
{
	char dir[] = "/tmp/vy-out-XXXXXX", path[64];
	struct vy_out o;
	struct vy_err e;

	VY_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	put(path, "old");
	VY_CHECK(vy_out_open(&o, path, &e) == 0);
	fputs("half", o.f);
	vy_out_abort(&o);
	VY_CHECK(holds(path, "old"));
	VY_CHECK_EQ_U64(entries(dir), 1);
	/* a zeroed struct is safe to abort */
	memset(&o, 0, sizeof(o));
	vy_out_abort(&o);
	cleanup(dir);
}

VY_TEST(out_sigterm_removes_the_temp_file)
{
	char dir[] = "/tmp/vy-out-XXXXXX", path[64];
	int status = 0;
	pid_t pid;

	VY_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	put(path, "old");
	pid = fork();
	if (pid == 0) {
		struct vy_out o;
		struct vy_err e;

		/* as in a program without OpenCL: PoCL, loaded by earlier
		 * tests, keeps an LLVM crash handler on SIGTERM */
		signal(SIGTERM, SIG_DFL);
		if (vy_out_open(&o, path, &e))
			_exit(9);
		fputs("half", o.f);
		fflush(o.f);
		raise(SIGTERM);
		_exit(8);
	}
	VY_CHECK(pid > 0);
	VY_CHECK(waitpid(pid, &status, 0) == pid);
	VY_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	VY_CHECK(holds(path, "old"));
	VY_CHECK_EQ_U64(entries(dir), 1);	/* no *.tmp* left */
	cleanup(dir);
}

VY_TEST(out_symlink_target_replaced)
{
	char dir[] = "/tmp/vy-out-XXXXXX", path[64], link[64];
	struct vy_out o;
	struct vy_err e;
	struct stat st;

	VY_CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	put(path, "old");
	VY_CHECK(symlink("f", link) == 0);
	VY_CHECK(vy_out_open(&o, link, &e) == 0);
	fputs("new", o.f);
	VY_CHECK(vy_out_commit(&o, &e) == 0);
	VY_CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	VY_CHECK(holds(path, "new"));
	cleanup(dir);
}

VY_TEST(out_directory_refused)
{
	char dir[] = "/tmp/vy-out-XXXXXX";
	struct vy_out o;
	struct vy_err e;

	VY_CHECK(mkdtemp(dir));
	VY_CHECK(vy_out_open(&o, dir, &e) == VY_E_IO);
	VY_CHECK(strstr(e.msg, "Is a directory") != NULL);
	cleanup(dir);
}
