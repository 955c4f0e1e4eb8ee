/* SPDX-License-Identifier: MIT */
/*
 * fuzz_request - one vyre-recommend --batch request line.
 *
 * Input: the bytes of one line.  Checks: no crash, overread or leak; the
 * answer line the batch writes - the recommendation or the error line,
 * whose message may quote the input - is always one line of valid JSON
 * (jansson refuses invalid UTF-8) within VY_REC_LINE_MAX.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cache.h"
#include "policy/policy.h"
#include "report/recommend.h"
#include "check.h"

static void valid_line(const char *buf, size_t len)
{
	json_error_t je;
	json_t *j;

	CHECK(len > 0 && len < VY_REC_LINE_MAX && buf[len - 1] == '\n');
	CHECK(memchr(buf, '\n', len) == buf + len - 1);
	j = json_loadb(buf, len, 0, &je);
	CHECK(j && json_is_object(j));
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_pol_launch_recommendation rec;
	struct vy_pol_launch_request r;
	enum vy_pol_topology prev;
	char out[VY_REC_LINE_MAX];
	bool has_prev;
	struct vy_err e;
	size_t len;
	int ret;

	if (size > 1 << 16)
		return 0;
	vy_err_clear(&e);
	ret = vy_rep_request_parse_json((const char *)data, size, &r,
					&has_prev, &prev, &e);
	if (ret) {
		len = vy_rep_policy_error_jsonl(out, ret, e.msg, NULL, 7);
		valid_line(out, len);
		return 0;
	}
	memset(&rec, 0, sizeof(rec));
	if (has_prev)
		ret = vy_pol_recommend_with_previous(&p, &r, prev, &rec, &e);
	else
		ret = vy_pol_recommend(&p, &r, NULL, &rec, &e);
	if (ret)
		len = vy_rep_policy_error_jsonl(out, ret, e.msg, &rec, 7);
	else
		len = vy_rep_recommendation_jsonl(out, &rec);
	valid_line(out, len);
	return 0;
}
