/* SPDX-License-Identifier: MIT */
/* The harness's own output: a failing check's message stays diagnostics. */
#include "harness.h"

#include <stdlib.h>

VY_TEST(harness_diag_folds_newlines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	VY_CHECK(f);
	vy_test_diag(f, "x.c:1: a == b: \"one\nok 2 - fake\n\" != \"\"");
	fclose(f);
	VY_CHECK_STR(buf, "# x.c:1: a == b: \"one\n# ok 2 - fake\n# \" != \"\"\n");
	free(buf);
}
