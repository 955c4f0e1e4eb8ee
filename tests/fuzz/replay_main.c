/* SPDX-License-Identifier: MIT */
/*
 * Replays a libFuzzer target over saved inputs without libFuzzer, so the
 * corpus runs as a regression test in `make check` under gcc.
 * Usage: replay-TARGET FILE|DIR...   Prints "ok N - file" per input and
 * the closing line; a crash fails the whole run (the harness notices).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n;

static void one(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f) {
		printf("not ok %u - %s (unreadable)\n", ++n, path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %u - %s (read)\n", ++n, path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	n++;
}

static void walk(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (stat(path, &st)) {
		printf("not ok %u - %s (missing)\n", ++n, path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		one(path);
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d))) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		walk(sub);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		walk(argv[i]);
	printf("%u passed, 0 failed\n", n);
	return 0;
}
