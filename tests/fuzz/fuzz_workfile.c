/* SPDX-License-Identifier: MIT */
/*
 * fuzz_workfile - the vyre-launch(1) work-file grammar, text and binary.
 *
 * Input: the bytes of a work file.  Checks: no crash, overread or leak;
 * on success the slot count matches the items that are not fences,
 * every line number is within the text and no slot carries a reserved
 * opcode (vyre(7): the host refuses them); on error the result is empty
 * and the message starts with the name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/workfile.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vy_workfile wf;
	struct vy_err e;
	size_t i, slots = 0, lines = 1;

	if (size > 1 << 16)
		return 0;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	memset(&wf, 0, sizeof(wf));
	vy_err_clear(&e);
	if (vy_workfile_parse((const char *)data, size, "w", &wf, &e) == 0) {
		for (i = 0; i < wf.n; i++) {
			CHECK(wf.items[i].line >= 1 && wf.items[i].line <= lines);
			slots += !wf.items[i].fence;
			CHECK(wf.items[i].fence ||
			      vy_workfile_opcode_ok(wf.items[i].w[1]));
		}
		CHECK(slots == wf.slots);
	} else {
		CHECK(wf.n == 0 && !strncmp(e.msg, "w:", 2));
	}
	vy_workfile_free(&wf);

	memset(&wf, 0, sizeof(wf));
	if (vy_workfile_parse_binary(data, size, "b", &wf, &e) == 0) {
		CHECK(size % 64 == 0 && wf.n == size / 64);
		CHECK(wf.slots == wf.n);
		for (i = 0; i < wf.n; i++)
			CHECK(vy_workfile_opcode_ok(wf.items[i].w[1]));
	} else {
		CHECK(wf.n == 0 && e.msg[0]);
	}
	vy_workfile_free(&wf);
	return 0;
}
