/* SPDX-License-Identifier: MIT */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>

static struct vy_test *tests;
static size_t ntests, cap;
static int cur_failed, cur_skipped;
static char cur_msg[1024];

void vy_test_register(const char *name, void (*fn)(void))
{
	if (ntests == cap) {
		cap = cap ? cap * 2 : 64;
		tests = realloc(tests, cap * sizeof(*tests));
		if (!tests)
			abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void vy_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	cur_failed = 1;
	n = snprintf(cur_msg, sizeof(cur_msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(cur_msg + n, sizeof(cur_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

void vy_test_skip(const char *why)
{
	cur_skipped = 1;
	snprintf(cur_msg, sizeof(cur_msg), "%s", why);
}

int vy_test_failed(void)
{
	return cur_failed;
}

void vy_test_diag(FILE *f, const char *msg)
{
	const char *p = msg;

	do {
		size_t n = strcspn(p, "\n");

		fprintf(f, "# %.*s\n", (int)n, p);
		p += n;
	} while (*p++);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct vy_test *)a)->name,
		      ((const struct vy_test *)b)->name);
}

int main(int argc, char **argv)
{
	const char *p;
	size_t i;
	unsigned pass = 0, fail = 0, skip = 0, n = 0;

	qsort(tests, ntests, sizeof(*tests), by_name);
	for (i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_failed = cur_skipped = 0;
		cur_msg[0] = '\0';
		tests[i].fn();
		n++;
		if (cur_failed) {
			fail++;
			printf("not ok %u - %s\n", n, tests[i].name);
			vy_test_diag(stdout, cur_msg);
		} else if (cur_skipped) {
			skip++;
			printf("ok %u - %s # SKIP ", n, tests[i].name);
			for (p = cur_msg; *p; p++)
				putchar(*p == '\n' ? ' ' : *p);
			putchar('\n');
		} else {
			pass++;
			printf("ok %u - %s\n", n, tests[i].name);
		}
		fflush(stdout);
	}
	if (skip)
		printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	else
		printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}
