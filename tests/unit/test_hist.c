/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "wire/hist.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Small values are exact; an empty histogram answers 0. */
VY_TEST(hist_small_exact)
{
	static struct vy_hist h;
	uint64_t v;

	memset(&h, 0, sizeof(h));
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 0.5), 0);
	for (v = 1; v <= 10; v++)
		vy_hist_add(&h, v);
	VY_CHECK_EQ_U64(h.n, 10);
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 0.5), 5);
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 0.9), 9);
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 1.0), 10);
	VY_CHECK_EQ_U64(h.max, 10);
}

/*
 * Against exact nearest-rank percentiles of spread-out values: never
 * below, at most 1/16 above; the top of the range and u64 max do not
 * overflow a bucket.
 */
VY_TEST(hist_quantiles_within_bound)
{
	static struct vy_hist h;
	static uint64_t v[20000];
	static const double ps[] = { 0.01, 0.5, 0.9, 0.99, 0.999 };
	uint64_t x = 88172645463325252ull;
	size_t i, n = sizeof(v) / sizeof(v[0]);

	memset(&h, 0, sizeof(h));
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = x >> (x % 60);	/* magnitudes from 1 to 2^64 */
		vy_hist_add(&h, v[i]);
	}
	qsort(v, n, sizeof(v[0]), cmp_u64);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		size_t rank = (size_t)(ps[i] * (double)n + 0.999999);
		uint64_t exact = v[rank ? rank - 1 : 0];
		uint64_t got = vy_hist_quantile(&h, ps[i]);

		VY_CHECK(got >= exact);
		VY_CHECK((double)got <= (double)exact * (1.0 + 1.0 / 16) + 1);
	}
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 1.0), v[n - 1]);
	vy_hist_add(&h, UINT64_MAX);
	VY_CHECK_EQ_U64(vy_hist_quantile(&h, 1.0), UINT64_MAX);
}

/* n values at once are n values added one by one; 0 adds none. */
VY_TEST(hist_add_n_is_n_adds)
{
	static struct vy_hist a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	vy_hist_add_n(&a, 1000, 0);
	VY_CHECK_EQ_U64(a.n, 0);
	VY_CHECK_EQ_U64(a.max, 0);
	vy_hist_add_n(&a, 1000, 3);
	vy_hist_add_n(&a, 7, 5);
	vy_hist_add_n(&a, UINT64_MAX, 2);
	for (int i = 0; i < 3; i++)
		vy_hist_add(&b, 1000);
	for (int i = 0; i < 5; i++)
		vy_hist_add(&b, 7);
	vy_hist_add(&b, UINT64_MAX);
	vy_hist_add(&b, UINT64_MAX);
	VY_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	VY_CHECK_EQ_U64(a.n, 10);
	VY_CHECK_EQ_U64(vy_hist_quantile(&a, 0.5), 7);
}
