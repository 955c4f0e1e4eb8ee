/* SPDX-License-Identifier: MIT */
/*
 * fuzz_printf - PRINTF format files and rendering on arbitrary text.
 *
 * Input: 8 bytes of arguments (two little-endian u32), 1 byte of output
 * size, then a formats file.  Checks: parsing succeeds or fails with a
 * "line N:" message; every parsed format renders into a buffer of any
 * size without overflow and NUL-terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "telemetry/telemetry.h"
#include "wire/util.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vy_tel_printf_formats pf;
	struct vy_err e;
	uint32_t a1, a2;
	size_t cap, i;
	char *out;

	if (size < 9)
		return 0;
	a1 = vy_le32(data);
	a2 = vy_le32(data + 4);
	cap = data[8];
	vy_err_clear(&e);
	if (vy_tel_printf_formats_parse(&pf, (const char *)data + 9, size - 9,
				    &e)) {
		CHECK(!strncmp(e.msg, "line ", 5) || e.code == VY_E_NOMEM);
		return 0;
	}
	out = malloc(cap + 1);
	CHECK(out);
	for (i = 0; i < pf.n; i++) {
		out[cap] = 'X';
		vy_tel_printf_render(pf.fmts[i], a1, a2, out, cap);
		CHECK(out[cap] == 'X');
		if (cap)
			CHECK(memchr(out, '\0', cap) != NULL);
		CHECK(vy_tel_printf_formats_get(&pf, pf.ids[i]) != NULL);
	}
	free(out);
	vy_tel_printf_formats_free(&pf);
	return 0;
}
