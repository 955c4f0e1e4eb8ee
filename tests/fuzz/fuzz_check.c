/* SPDX-License-Identifier: MIT */
/*
 * fuzz_check - the --check gate expressions of vyre-recommend(1) and
 * vyre-launch(1) (FIELD OP VALUE).
 *
 * Input: the expression.  Checks: no crash or overread; an accepted
 * expression evaluates on a real recommendation without crashing and
 * gives its actual value as a NUL-terminated text; a refused one has a
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/check.h"
#include "policy/policy.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vy_pol_launch_recommendation rec;
	static int have;
	struct vy_pol_rec_check c;
	struct vy_err e;
	char actual[64];
	char *s;

	if (size > 4096)
		return 0;
	if (!have) {
		struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
		struct vy_pol_launch_request r =
			vy_pol_launch_request_direct(1000, 8, 256);

		CHECK(vy_pol_recommend(&p, &r, NULL, &rec, &e) == 0);
		have = 1;
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	vy_err_clear(&e);
	if (vy_pol_rec_check_parse(s, &c, &e) == 0) {
		memset(actual, 0x55, sizeof(actual));
		(void)vy_pol_rec_check_eval(&c, &rec, actual, sizeof(actual));
		CHECK(memchr(actual, 0, sizeof(actual)));
		CHECK(memchr(c.text, 0, sizeof(c.text)));
	} else {
		CHECK(e.msg[0]);
	}
	free(s);
	return 0;
}
