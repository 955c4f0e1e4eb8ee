/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mkdesc - vyre-mkdump(1) descriptions, text form and JSON form,
 * through the one builder.
 *
 * Input: a description.  Checks: no crash, overread or leak; the text
 * form converts to JSON or fails with "line N: ..."; whatever JSON comes
 * out (from either form) builds or fails with a "$.path: ..." message;
 * every built snapshot has a UTF-8 device name, and one that encodes
 * reads back (vy_dump_encode / vy_dump_parse).  The builder is compiled in from tools/vyre-mkdump/.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/vyre-mkdump/desc.c"
#include "../../tools/vyre-mkdump/text.c"

#define FCHECK(x)                      \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

static void build(json_t *root)
{
	struct mk_desc d = { 0 };
	struct vy_err e;
	size_t i;

	vy_err_clear(&e);
	if (mk_desc_build(root, &d, &e)) {
		FCHECK(d.n == 0 && e.msg[0] == '$');
		return;
	}
	for (i = 0; i < d.n; i++) {
		const struct vy_snapshot *s = &d.snaps[i].snap;
		struct vy_snapshot back;
		uint8_t *buf = NULL;
		size_t len;

		/* vyre-mkdump never writes a name vyre-dump(5) refuses */
		FCHECK(vy_utf8_valid(s->device, strlen(s->device)));
		if (vy_dump_encode(s, &buf, &len, &e) == 0) {
			FCHECK(vy_dump_parse(buf, len, 0, &back, NULL, &e) == 0);
			FCHECK(!strcmp(back.device, s->device));
		}
		free(buf);
	}
	mk_desc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = NULL, *lines = NULL;
	json_error_t je;
	struct vy_err e;

	if (size > 1 << 14)
		return 0;
	vy_err_clear(&e);
	if (mk_text_to_json((const char *)data, size, &root, &lines, &e) == 0) {
		build(root);
		json_decref(root);
		json_decref(lines);
	} else {
		FCHECK(!strncmp(e.msg, "line ", 5));
	}
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
			  &je);
	if (root) {
		build(root);
		json_decref(root);
	}
	return 0;
}
