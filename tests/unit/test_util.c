/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "wire/util.h"

VY_TEST(util_le32_roundtrip)
{
	uint8_t b[8];

	vy_put_le32(b, 0x11223344u);
	VY_CHECK_EQ_U64(b[0], 0x44);
	VY_CHECK_EQ_U64(b[3], 0x11);
	VY_CHECK_EQ_U64(vy_le32(b), 0x11223344u);
	vy_put_le64(b, 0x0102030405060708ULL);
	VY_CHECK_EQ_U64(vy_le64(b), 0x0102030405060708ULL);
	VY_CHECK_EQ_U64(b[0], 8);
}

VY_TEST(util_parse_u64_suffixes)
{
	uint64_t v;

	VY_CHECK(vy_parse_u64("64K", UINT64_MAX, 1, &v) == 0);
	VY_CHECK_EQ_U64(v, 65536);
	VY_CHECK(vy_parse_u64("2G", UINT64_MAX, 1, &v) == 0);
	VY_CHECK_EQ_U64(v, 2ULL << 30);
	VY_CHECK(vy_parse_u64("0x10", UINT64_MAX, 0, &v) == 0);
	VY_CHECK_EQ_U64(v, 16);
	VY_CHECK(vy_parse_u64("1MiB", UINT64_MAX, 1, &v) == 0);
	VY_CHECK_EQ_U64(v, 1 << 20);
	VY_CHECK(vy_parse_u64("64K", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("-1", UINT64_MAX, 1, &v) != 0);
	VY_CHECK(vy_parse_u64("", UINT64_MAX, 1, &v) != 0);
	VY_CHECK(vy_parse_u64("12x", UINT64_MAX, 1, &v) != 0);
	VY_CHECK(vy_parse_u64("5G", 0xFFFFFFFFu, 1, &v) != 0);
	VY_CHECK(vy_parse_u64("99999999999999999999", UINT64_MAX, 1, &v) != 0);
	VY_CHECK(vy_parse_u64("18446744073709551615", UINT64_MAX, 0, &v) == 0);
	VY_CHECK_EQ_U64(v, UINT64_MAX);
	VY_CHECK(vy_parse_u64("18446744073709551616", UINT64_MAX, 0, &v) != 0);
	/* a leading zero is decimal, never octal (vyre(7), NUMBERS) */
	VY_CHECK(vy_parse_u64("010", UINT64_MAX, 0, &v) == 0);
	VY_CHECK_EQ_U64(v, 10);
	VY_CHECK(vy_parse_u64("09", UINT64_MAX, 0, &v) == 0);
	VY_CHECK_EQ_U64(v, 9);
	VY_CHECK(vy_parse_u64("0x", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("0xg", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64(" 1", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("+1", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("1 ", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("nan", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("0xFFFFFFFFFFFFFFFF", UINT64_MAX, 0, &v) == 0);
	VY_CHECK(vy_parse_u64("0x10000000000000000", UINT64_MAX, 0, &v) != 0);
	VY_CHECK(vy_parse_u64("16T", UINT64_MAX, 1, &v) == 0);
	VY_CHECK_EQ_U64(v, 16ULL << 40);
}

VY_TEST(util_parse_seconds)
{
	double d = -1;

	VY_CHECK(vy_parse_seconds("10", 0, 86400, &d) == 0 && d == 10);
	VY_CHECK(vy_parse_seconds("0.5", 0, 86400, &d) == 0 && d == 0.5);
	VY_CHECK(vy_parse_seconds("86400", 0, 86400, &d) == 0);
	VY_CHECK(vy_parse_seconds("86401", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("0", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("NaN", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("nan", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("inf", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("1e3", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("-1", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds(".", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("", 0, 86400, &d) != 0);
	VY_CHECK(vy_parse_seconds("99999999999999999999", 0, 86400, &d) != 0);
}

VY_TEST(err_names_and_exit_classes)
{
	struct vy_err e;

	VY_CHECK_STR(vy_err_name(VY_E_SLOT_OUT_OF_RANGE), "E_SLOT_OUT_OF_RANGE");
	VY_CHECK_EQ_U64(vy_err_exit(VY_E_TIMEOUT), VY_EXIT_TIMEOUT);
	VY_CHECK_EQ_U64(vy_err_exit(0), 0);
	VY_CHECK(vy_errf(&e, VY_E_IO, "retry", "x %d", 5) == VY_E_IO);
	VY_CHECK_STR(e.msg, "x 5");
	VY_CHECK_STR(e.hint, "retry");
}

#include "report/emit.h"

VY_TEST(emit_json_u64_and_schema)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_t *o = json_object();

	json_object_set_new(o, "big", vy_rep_json_u64(UINT64_MAX));
	json_object_set_new(o, "small", vy_rep_json_u64(7));
	VY_CHECK(vy_rep_emit_json(f, o, "t/1", 0) == 0);
	fclose(f);
	json_decref(o);
	VY_CHECK_STR(buf, "{\"schema\":\"t/1\",\"version\":\"" VY_VERSION "\",\"big\":18446744073709551615,"
			  "\"small\":7}\n");
	free(buf);
}
