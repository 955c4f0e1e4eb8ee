/* SPDX-License-Identifier: MIT */
/*
 * Output and text safety: wire/out.h, the one output helper (each test
 * works in its own mkdtemp folder; nothing outside it is written), and
 * the UTF-8 rule for device names of wire/dump.h.
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "wire/dump.h"
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

/* vyre-dump(5): a device name is UTF-8; neither side lets another through */
VY_TEST(dump_device_name_must_be_utf8)
{
	struct vy_snapshot s, back;
	struct vy_err e;
	uint8_t *buf = NULL, *t, *tmp;
	size_t len, nsec, hl;
	uint64_t off;

	memset(&s, 0, sizeof(s));
	snprintf(s.device, sizeof(s.device), "\xff\xfe");
	VY_CHECK(vy_dump_encode(&s, &buf, &len, &e) == VY_E_INVAL);
	VY_CHECK(strstr(e.msg, "UTF-8") != NULL);
	free(buf);

	snprintf(s.device, sizeof(s.device), "ab");
	VY_CHECK(vy_dump_encode(&s, &buf, &len, &e) == 0);
	VY_CHECK(vy_dump_parse(buf, len, 0, &back, NULL, &e) == 0);
	/* patch the device payload to invalid bytes, checksums kept right,
	 * so only the UTF-8 rule can refuse it */
	nsec = vy_le32(buf + 12);
	hl = buf[6] | buf[7] << 8;
	t = buf + hl + 32 * (nsec - 1);
	off = vy_le64(t + 8);
	VY_CHECK_EQ_U64(vy_le64(t + 16), 2);
	buf[off] = 0xff;
	buf[off + 1] = 0xfe;
	vy_put_le64(t + 24, vy_dump_checksum(buf + off, 2));
	tmp = malloc(hl + 32 * nsec);
	VY_CHECK(tmp != NULL);
	memcpy(tmp, buf, hl + 32 * nsec);
	memset(tmp + 72, 0, 8);
	vy_put_le64(buf + 72, vy_dump_checksum(tmp, hl + 32 * nsec));
	free(tmp);
	VY_CHECK(vy_dump_parse(buf, len, 0, &back, NULL, &e) == VY_E_FORMAT);
	VY_CHECK(strstr(e.msg, "not valid UTF-8") != NULL);
	free(buf);
}
