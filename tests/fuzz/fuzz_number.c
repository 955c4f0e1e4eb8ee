/* SPDX-License-Identifier: MIT */
/*
 * fuzz_number - the one number parser (vy_parse_u64, vy_parse_seconds).
 *
 * Input: 1 byte of options (bit 0: size suffixes; bits 1..7 pick a
 * maximum), then the text.  Checks: no crash or overread; an accepted
 * text is digits (decimal, or hex after 0x) plus at most one suffix, its
 * value is at most the maximum and equals a reference decoding; a
 * leading zero never makes octal; an accepted duration is finite and in
 * range.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/util.h"
#include "check.h"

/* Reference: digits only, wide arithmetic with an overflow flag. */
static int ref_parse(const char *s, uint64_t max, int suffix, uint64_t *out)
{
	unsigned __int128 v = 0;
	unsigned base = 10;
	const char *p = s;
	uint64_t mul = 1;

	if (p[0] == '0' && (p[1] | 0x20) == 'x') {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -1;
	const char *d0 = p;
	for (;; p++) {
		int c = (unsigned char)*p, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		v = v * base + (unsigned)d;
		if (v > UINT64_MAX)
			return -1;
	}
	if (p == d0)
		return -1;
	if (*p && suffix) {
		const char *u = strchr("kKmMgGtT", *p);

		if (!u || !*p)
			return -1;
		mul = 1ULL << (10 * (1 + (u - "kKmMgGtT") / 2));
		p++;
		if (p[0] == 'i' && p[1] == 'B')
			p += 2;
		else if (p[0] == 'B')
			p++;
	}
	if (*p || v * mul > max)
		return -1;
	*out = (uint64_t)(v * mul);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t maxes[] = { UINT64_MAX, UINT32_MAX, 255, 0,
					  1u << 20, 86400000, 1000, 64 };
	uint64_t v = 12345, r = 0, max;
	double d = -1;
	int suffix, got, want;
	char *s;

	if (size < 1 || size > 256)
		return 0;
	suffix = data[0] & 1;
	max = maxes[(data[0] >> 1) % VY_ARRAY_SIZE(maxes)];
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	got = vy_parse_u64(s, max, suffix, &v);
	want = ref_parse(s, max, suffix, &r);
	CHECK((got == 0) == (want == 0));
	if (got == 0) {
		CHECK(v == r && v <= max);
		/* never octal: "0NNN" in decimal digits is its decimal value */
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9' && !suffix)
			CHECK(v == strtoull(s, NULL, 10));
	} else {
		CHECK(v == 12345);
	}
	if (vy_parse_seconds(s, 0, 86400, &d) == 0)
		CHECK(isfinite(d) && d > 0 && d <= 86400);
	free(s);
	return 0;
}
