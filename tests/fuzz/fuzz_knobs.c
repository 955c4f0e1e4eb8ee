/* SPDX-License-Identifier: MIT */
/*
 * fuzz_knobs - vyre-recommend's --policy parser and --autotune reader on
 * arbitrary bytes.
 *
 * Input: 1 selector byte (even: policy file, odd: autotune reports),
 * then the file.  Checks: no crash or leak; a policy that parses passes
 * the seed's checks and survives --show-policy -j and a parse again
 * unchanged; an autotune that reads picks a candidate no costlier than
 * any other and names a next probe of at least 1 x 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/knobs.h"
#include "report/recommend_knobs.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

static void policy(const uint8_t *d, size_t n)
{
	struct vy_pol_launch_policy p, q;
	struct vy_err e;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	if (vy_rep_policy_parse((const char *)d, n, &p, &e)) {
		CHECK(e.msg[0]);
		return;
	}
	CHECK(vy_pol_launch_policy_validate(&p, &e) == 0);
	f = open_memstream(&out, &olen);
	CHECK(f);
	vy_rep_policy_print(f, VY_FMT_JSON, &p);
	fclose(f);
	CHECK(vy_rep_policy_parse(out, olen, &q, &e) == 0);
	for (int i = 0; i < VY_POLICY_KNOBS; i++)
		CHECK(vy_pol_knob_get(&p, i) == vy_pol_knob_get(&q, i));
	free(out);
}

static void autotune(const uint8_t *d, size_t n)
{
	struct vy_rep_autotune a;
	struct vy_err e;
	FILE *f = fmemopen((void *)d, n ? n : 1, "r");
	FILE *null;

	CHECK(f);
	if (!n) {
		fclose(f);
		return;
	}
	if (vy_rep_autotune_read(f, "fuzz", &a, &e)) {
		CHECK(e.msg[0]);
		fclose(f);
		return;
	}
	fclose(f);
	CHECK(a.n > 0 && a.best < a.n);
	for (size_t i = 0; i < a.n; i++)
		CHECK(!(a.c[i].cost < a.c[a.best].cost));
	CHECK(a.next_workgroups >= 1 && a.next_workgroup_size >= 1);
	null = fopen("/dev/null", "w");
	if (null) {
		vy_rep_autotune_print(null, VY_FMT_JSON, &a);
		vy_rep_autotune_print(null, VY_FMT_TABLE, &a);
		fclose(null);
	}
	vy_rep_autotune_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		autotune(data + 1, size - 1);
	else
		policy(data + 1, size - 1);
	return 0;
}
