/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the unit-test harness.  A test file defines tests with
 *
 *	VY_TEST(name) { VY_CHECK(expr); VY_CHECK_EQ_U64(a, b); ... }
 *
 * which register themselves at start-up; the one runner (harness.c) runs
 * them in name order, prints TAP-style "ok N - name" / "not ok N - name"
 * lines and closes with "N passed, N failed" (", N skipped" where any).
 * A test calls VY_SKIP("why") when it needs something that is not there.
 * Usage: unit-tests [SUBSTRING] runs only the tests whose name contains it.
 */
#ifndef VY_HARNESS_H
#define VY_HARNESS_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct vy_test {
	const char *name;
	void (*fn)(void);
};

void vy_test_register(const char *name, void (*fn)(void));
void vy_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vy_test_skip(const char *why);
int vy_test_failed(void);
/*
 * Print @msg to @f as TAP diagnostics: every line of it (a check's values
 * may hold newlines) starts with "# ", so none can pass for a result line.
 */
void vy_test_diag(FILE *f, const char *msg);

#define VY_TEST(name)                                                    \
	static void vy_test_##name(void);                                \
	__attribute__((constructor)) static void vy_test_reg_##name(void) \
	{                                                                \
		vy_test_register(#name, vy_test_##name);                 \
	}                                                                \
	static void vy_test_##name(void)

#define VY_CHECK(expr)                                                   \
	do {                                                             \
		if (!(expr)) {                                           \
			vy_test_fail(__FILE__, __LINE__, "%s", #expr);   \
			return;                                          \
		}                                                        \
	} while (0)

#define VY_CHECK_EQ_U64(a, b)                                            \
	do {                                                             \
		uint64_t vy_a_ = (uint64_t)(a), vy_b_ = (uint64_t)(b);   \
		if (vy_a_ != vy_b_) {                                    \
			vy_test_fail(__FILE__, __LINE__,                 \
				     "%s == %s: %" PRIu64 " != %" PRIu64, \
				     #a, #b, vy_a_, vy_b_);              \
			return;                                          \
		}                                                        \
	} while (0)

#define VY_CHECK_STR(a, b)                                               \
	do {                                                             \
		const char *vy_a_ = (a), *vy_b_ = (b);                   \
		if (strcmp(vy_a_, vy_b_)) {                              \
			vy_test_fail(__FILE__, __LINE__,                 \
				     "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				     vy_a_, vy_b_);                      \
			return;                                          \
		}                                                        \
	} while (0)

#define VY_SKIP(why)                                                     \
	do {                                                             \
		vy_test_skip(why);                                       \
		return;                                                  \
	} while (0)

#endif
