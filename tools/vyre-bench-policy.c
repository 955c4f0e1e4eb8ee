/* SPDX-License-Identifier: MIT */
/*
 * vyre-bench-policy - speed of the launch policy, for
 * scripts/bench-recommend.sh.
 *
 *	vyre-bench-policy gen N [SEED]   N varied request lines (JSON Lines)
 *	vyre-bench-policy lib N [SEED]   recommendations per second through
 *	                                 the library: uncached, cached with
 *	                                 every call a hit, cached with every
 *	                                 call a miss
 *
 * The requests cover every topology, pressure class and error (zero
 * limits, out of memory), about one in eight with a previous topology.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/cache.h"
#include "wire/util.h"

static const char *prog = "vyre-bench-policy";

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static uint32_t pick(const uint32_t *v, size_t n)
{
	return v[rnd() % n];
}

struct item {
	struct vy_pol_launch_request r;
	int has_prev;
	enum vy_pol_topology prev;
};

static void make_request(struct item *it)
{
	static const uint32_t xs[] = { 64, 128, 256, 1024 };
	static const uint32_t gs[] = { 16, 64, 1024, 65535 };
	static const uint32_t invs[] = { 256, 1024, 4096 };
	struct vy_pol_launch_request *r = &it->r;
	uint64_t k = rnd();

	memset(it, 0, sizeof(*it));
	r->queue_len = (uint32_t)(rnd() % (k & 1 ? 1000000 : 5000));
	r->requested_worker_groups = (uint32_t)(rnd() % 4 ? rnd() % 1025 : 0);
	r->max_workgroup_size_x = pick(xs, 4);
	r->max_compute_workgroups_per_dimension = pick(gs, 4);
	r->max_compute_invocations_per_workgroup = pick(invs, 3);
	if (rnd() % 64 == 0)
		r->max_workgroup_size_x = 0;		/* zero-limit error */
	r->expected_hits_per_item = (uint32_t)(rnd() % 5);
	r->hot_opcode_count = (uint32_t)(rnd() % 12);
	r->hot_window_count = (uint32_t)(rnd() % 6);
	r->requeue_count = rnd() % 4 ? 0 : rnd() % 100;
	r->max_priority_age = (uint32_t)(rnd() % 64);
	if (rnd() % 4) {
		r->graph_node_count = (uint32_t)(1 + rnd() % 2000000);
		r->graph_edge_count = (uint32_t)(rnd() % 200000);
	}
	if (rnd() % 3 == 0)
		r->frontier_density_bps = (uint16_t)(rnd() % 10001);
	if (rnd() % 3 == 0) {
		r->device_memory_budget_bytes = 1 + rnd() % (4ull << 30);
		r->resident_device_bytes = rnd() % (4ull << 30);
	}
	if (rnd() % 8 == 0) {
		it->has_prev = 1;
		it->prev = (enum vy_pol_topology)(rnd() % VY_TOPO_COUNT);
	}
}

static void print_line(const struct item *it)
{
	const struct vy_pol_launch_request *r = &it->r;
	int i, first = 1;

	putchar('{');
	for (i = 0; i < VY_REQUEST_FIELDS; i++) {
		uint64_t v = vy_pol_request_get(r, i);

		/* Leave most zero fields out, as real producers do. */
		if (v == 0 && i > 4)
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",",
		       vy_request_fields[i].name, v);
		first = 0;
	}
	if (it->has_prev)
		printf(",\"previous_topology\":\"%s\"",
		       vy_pol_topology_name(it->prev));
	fputs("}\n", stdout);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void report(const char *name, uint64_t n, uint64_t ns, uint64_t ok)
{
	printf("%-26s %10" PRIu64 " calls %8.3f s %12.0f /s (%" PRIu64
	       " ok)\n",
	       name, n, secs(ns), (double)n / secs(ns), ok);
}

static int bench_lib(uint64_t n)
{
	struct vy_pol_launch_policy p = vy_pol_launch_policy_standard();
	struct vy_pol_launch_cache *c = NULL;
	struct vy_pol_launch_recommendation rec;
	struct item *items;
	const size_t distinct = 1u << 16;
	uint64_t i, t0, ok;

	items = malloc(distinct * sizeof(*items));
	if (!items || vy_pol_launch_cache_new(&c, NULL)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 4;
	}
	for (i = 0; i < distinct; i++) {
		make_request(&items[i]);
		items[i].has_prev = 0;
	}
	/* Uncached: the pipeline itself. */
	ok = 0;
	t0 = vy_now_ns();
	for (i = 0; i < n; i++)
		ok += vy_pol_recommend(&p, &items[i & (distinct - 1)].r,
					  NULL, &rec, NULL) == 0;
	report("library uncached", n, vy_now_ns() - t0, ok);

	/* Cached, all hits: 64 requests that stay in the 128 entries. */
	vy_pol_launch_cache_reset(c);
	ok = 0;
	t0 = vy_now_ns();
	for (i = 0; i < n; i++)
		ok += vy_pol_recommend(&p, &items[i & 63].r, c, &rec,
					  NULL) == 0;
	report("library cached, hits", n, vy_now_ns() - t0, ok);
	printf("%-26s hits %" PRIu64 " misses %" PRIu64 "\n", "",
	       vy_pol_launch_cache_stats(c).hits, vy_pol_launch_cache_stats(c).misses);

	/* Cached, all misses: probe, compute, insert, evict. */
	vy_pol_launch_cache_reset(c);
	ok = 0;
	t0 = vy_now_ns();
	for (i = 0; i < n; i++)
		ok += vy_pol_recommend(&p, &items[i & (distinct - 1)].r, c,
					  &rec, NULL) == 0;
	report("library cached, misses", n, vy_now_ns() - t0, ok);
	free(items);
	vy_pol_launch_cache_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n, i;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: %s gen N [SEED] | lib N [SEED]\n"
		       "  gen: print N varied request lines (JSON Lines)\n"
		       "  lib: time N library recommendations: uncached,\n"
		       "       cached with hits, cached with misses\n"
		       "SEED defaults to a fixed value, so runs repeat.\n",
		       prog);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s %s\n", prog, VY_VERSION);
		return 0;
	}
	if (argc < 3 || argc > 4 || vy_parse_u64(argv[2], UINT64_MAX, 1, &n) ||
	    (argc == 4 && vy_parse_u64(argv[3], UINT64_MAX, 0, &rng_state))) {
		fprintf(stderr, "%s: usage: %s gen|lib N [SEED]\n%s: try --help\n",
			prog, prog, prog);
		return 2;
	}
	if (rng_state == 0)
		rng_state = 1;
	if (!strcmp(argv[1], "gen")) {
		struct item it;

		for (i = 0; i < n; i++) {
			make_request(&it);
			print_line(&it);
		}
		return fflush(stdout) ? 4 : 0;
	}
	if (!strcmp(argv[1], "lib"))
		return bench_lib(n);
	fprintf(stderr, "%s: unknown mode '%s'\n%s: try --help\n", prog,
		argv[1], prog);
	return 2;
}
