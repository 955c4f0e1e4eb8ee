/* SPDX-License-Identifier: MIT */
/*
 * policy_cache.c - the 128-entry LRU launch-recommendation cache
 * (policy-telemetry.md §1.15).
 *
 * Upstream keeps a HashMap plus a scan for the oldest entry on eviction;
 * this is the same with a fixed array: 129 entries (one over capacity
 * while an insert evicts), 256 hash buckets chained through the array.
 * Recency is the upstream clock: a hit or an insert stamps the entry with
 * ++clock, and the clock and stamps are reset when it reaches UINT64_MAX.
 * Stamps only grow, so the entry with the smallest stamp is always the
 * head of a recency list kept alongside; eviction takes it in O(1)
 * instead of upstream's scan (after a clock reset every stamp is 0 and
 * upstream's choice among the ties is its HashMap order; the list keeps
 * the true recency).
 */
#include "policy/cache.h"
#include "policy/cache_priv.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_BUCKETS 256	/* power of two, > capacity */
#define NSLOT (VY_LAUNCH_CACHE_CAPACITY + 1)

struct cache_entry {
	struct vy_pol_launch_policy policy;
	struct vy_pol_launch_request request;
	struct vy_pol_launch_recommendation rec;
	uint64_t last_seen;
	uint32_t hash;
	int16_t next;		/* bucket chain, -1 = end */
	int16_t used;
	int16_t older, newer;	/* recency list, -1 = end */
};

struct vy_pol_launch_cache {
	uint64_t clock, hits, misses;
	size_t entries;
	int16_t oldest, newest;	/* recency list ends, -1 = empty */
	int16_t bucket[CACHE_BUCKETS];
	struct cache_entry e[NSLOT];
};

static bool request_equal(const struct vy_pol_launch_request *a,
			  const struct vy_pol_launch_request *b)
{
	return a->queue_len == b->queue_len &&
	       a->requested_worker_groups == b->requested_worker_groups &&
	       a->max_workgroup_size_x == b->max_workgroup_size_x &&
	       a->max_compute_workgroups_per_dimension ==
		       b->max_compute_workgroups_per_dimension &&
	       a->max_compute_invocations_per_workgroup ==
		       b->max_compute_invocations_per_workgroup &&
	       a->requested_hit_capacity == b->requested_hit_capacity &&
	       a->expected_hits_per_item == b->expected_hits_per_item &&
	       a->hot_opcode_count == b->hot_opcode_count &&
	       a->hot_window_count == b->hot_window_count &&
	       a->requeue_count == b->requeue_count &&
	       a->max_priority_age == b->max_priority_age &&
	       a->graph_node_count == b->graph_node_count &&
	       a->graph_edge_count == b->graph_edge_count &&
	       a->frontier_density_bps == b->frontier_density_bps &&
	       a->memory_pressure_bps == b->memory_pressure_bps &&
	       a->resident_device_bytes == b->resident_device_bytes &&
	       a->device_memory_budget_bytes == b->device_memory_budget_bytes;
}

static bool policy_equal(const struct vy_pol_launch_policy *a,
			 const struct vy_pol_launch_policy *b)
{
	return a->sizing.default_worker_count ==
		       b->sizing.default_worker_count &&
	       a->sizing.occupancy_worker_divisor ==
		       b->sizing.occupancy_worker_divisor &&
	       a->sizing.max_dispatch_workgroups ==
		       b->sizing.max_dispatch_workgroups &&
	       a->sizing.powerful_invocation_threshold ==
		       b->sizing.powerful_invocation_threshold &&
	       a->sizing.powerful_min_worker_groups ==
		       b->sizing.powerful_min_worker_groups &&
	       a->min_hit_capacity == b->min_hit_capacity &&
	       a->hit_capacity_multiplier == b->hit_capacity_multiplier &&
	       a->saturated_waves == b->saturated_waves &&
	       a->hot_opcode_threshold == b->hot_opcode_threshold &&
	       a->hot_window_threshold == b->hot_window_threshold &&
	       a->jit_queue_len_threshold == b->jit_queue_len_threshold &&
	       a->priority_age_threshold == b->priority_age_threshold &&
	       a->sparse_frontier_threshold_bps ==
		       b->sparse_frontier_threshold_bps &&
	       a->dense_frontier_threshold_bps ==
		       b->dense_frontier_threshold_bps &&
	       a->memory_pressure_threshold_bps ==
		       b->memory_pressure_threshold_bps &&
	       a->fusion_edge_threshold == b->fusion_edge_threshold &&
	       a->scratch_bytes_per_hit == b->scratch_bytes_per_hit;
}


static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h;
}

static uint32_t key_hash(const struct vy_pol_launch_policy *p,
			 const struct vy_pol_launch_request *r)
{
	uint64_t h = 0x243F6A8885A308D3ull;

	h = mix(h, (uint64_t)r->queue_len << 32 | r->requested_worker_groups);
	h = mix(h, (uint64_t)r->max_workgroup_size_x << 32 |
			   r->max_compute_workgroups_per_dimension);
	h = mix(h, (uint64_t)r->max_compute_invocations_per_workgroup << 32 |
			   r->requested_hit_capacity);
	h = mix(h, (uint64_t)r->expected_hits_per_item << 32 |
			   r->hot_opcode_count);
	h = mix(h, (uint64_t)r->hot_window_count << 32 | r->max_priority_age);
	h = mix(h, r->requeue_count);
	h = mix(h, (uint64_t)r->graph_node_count << 32 | r->graph_edge_count);
	h = mix(h, (uint64_t)r->frontier_density_bps << 16 |
			   r->memory_pressure_bps);
	h = mix(h, r->resident_device_bytes);
	h = mix(h, r->device_memory_budget_bytes);
	h = mix(h, (uint64_t)p->min_hit_capacity << 32 |
			   p->hit_capacity_multiplier);
	h = mix(h, (uint64_t)p->memory_pressure_threshold_bps << 32 |
			   p->sparse_frontier_threshold_bps);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

void vy_pol_launch_cache_reset(struct vy_pol_launch_cache *c)
{
	size_t i;

	c->clock = c->hits = c->misses = 0;
	c->entries = 0;
	c->oldest = c->newest = -1;
	for (i = 0; i < CACHE_BUCKETS; i++)
		c->bucket[i] = -1;
	for (i = 0; i < NSLOT; i++) {
		c->e[i].used = 0;
		c->e[i].next = -1;
		c->e[i].older = c->e[i].newer = -1;
	}
}

static void lru_remove(struct vy_pol_launch_cache *c, int i)
{
	struct cache_entry *x = &c->e[i];

	if (x->older >= 0)
		c->e[x->older].newer = x->newer;
	else
		c->oldest = x->newer;
	if (x->newer >= 0)
		c->e[x->newer].older = x->older;
	else
		c->newest = x->older;
	x->older = x->newer = -1;
}

static void lru_push_newest(struct vy_pol_launch_cache *c, int i)
{
	struct cache_entry *x = &c->e[i];

	x->older = c->newest;
	x->newer = -1;
	if (c->newest >= 0)
		c->e[c->newest].newer = (int16_t)i;
	else
		c->oldest = (int16_t)i;
	c->newest = (int16_t)i;
}

int vy_pol_launch_cache_new(struct vy_pol_launch_cache **out,
			    struct vy_err *e)
{
	*out = malloc(sizeof(**out));
	if (!*out)
		return vy_errf(e, VY_E_NOMEM, NULL,
			       "out of memory for a launch cache (%zu bytes)",
			       sizeof(**out));
	vy_pol_launch_cache_reset(*out);
	return 0;
}

void vy_pol_launch_cache_free(struct vy_pol_launch_cache *c)
{
	free(c);
}

static _Thread_local struct vy_pol_launch_cache thread_cache;
static _Thread_local int thread_cache_ready;

struct vy_pol_launch_cache *vy_pol_launch_cache_thread(void)
{
	if (!thread_cache_ready) {
		vy_pol_launch_cache_reset(&thread_cache);
		thread_cache_ready = 1;
	}
	return &thread_cache;
}

struct vy_pol_launch_cache_stats vy_pol_launch_cache_stats(const struct vy_pol_launch_cache *c)
{
	struct vy_pol_launch_cache_stats s = { c->entries, c->hits, c->misses };

	return s;
}

static inline uint64_t sat_inc(uint64_t v)
{
	return v == UINT64_MAX ? v : v + 1;
}

static void wrap_clock(struct vy_pol_launch_cache *c)
{
	size_t i;

	if (c->clock != UINT64_MAX)
		return;
	c->clock = 0;
	for (i = 0; i < NSLOT; i++)
		c->e[i].last_seen = 0;
}

static int find(const struct vy_pol_launch_cache *c, uint32_t h,
		const struct vy_pol_launch_policy *p,
		const struct vy_pol_launch_request *r)
{
	int i = c->bucket[h & (CACHE_BUCKETS - 1)];

	while (i >= 0) {
		const struct cache_entry *x = &c->e[i];

		if (x->hash == h && request_equal(&x->request, r) &&
		    policy_equal(&x->policy, p))
			return i;
		i = x->next;
	}
	return -1;
}

bool vy_pol_launch_cache_get(struct vy_pol_launch_cache *c,
			 const struct vy_pol_launch_policy *p,
			 const struct vy_pol_launch_request *r,
			 struct vy_pol_launch_recommendation *out)
{
	uint32_t h = key_hash(p, r);
	int i;

	wrap_clock(c);
	i = find(c, h, p, r);
	if (i < 0) {
		c->misses = sat_inc(c->misses);
		return false;
	}
	c->clock++;
	c->e[i].last_seen = c->clock;
	if (c->newest != i) {
		lru_remove(c, i);
		lru_push_newest(c, i);
	}
	c->hits = sat_inc(c->hits);
	*out = c->e[i].rec;
	return true;
}

static void unlink_slot(struct vy_pol_launch_cache *c, int i)
{
	int16_t *pp = &c->bucket[c->e[i].hash & (CACHE_BUCKETS - 1)];

	while (*pp >= 0 && *pp != i)
		pp = &c->e[*pp].next;
	if (*pp == i)
		*pp = c->e[i].next;
	lru_remove(c, i);
	c->e[i].used = 0;
	c->e[i].next = -1;
	c->entries--;
}

void vy_pol_launch_cache_insert(struct vy_pol_launch_cache *c,
			    const struct vy_pol_launch_policy *p,
			    const struct vy_pol_launch_request *r,
			    const struct vy_pol_launch_recommendation *rec)
{
	uint32_t h = key_hash(p, r);
	int i;

	wrap_clock(c);
	c->clock++;
	i = find(c, h, p, r);
	if (i >= 0) {
		c->e[i].rec = *rec;
		c->e[i].last_seen = c->clock;
		if (c->newest != i) {
			lru_remove(c, i);
			lru_push_newest(c, i);
		}
		return;
	}
	/*
	 * Evicting before inserting is upstream's insert-then-evict: the
	 * victim is the least recent entry, never the new key.
	 */
	if (c->entries >= VY_LAUNCH_CACHE_CAPACITY && c->oldest >= 0) {
		i = c->oldest;
		unlink_slot(c, i);
	} else {
		for (i = 0; i < NSLOT && c->e[i].used; i++)
			;
	}
	/* entries <= capacity before an insert, so a slot is always free. */
	c->e[i].policy = *p;
	c->e[i].request = *r;
	c->e[i].rec = *rec;
	c->e[i].last_seen = c->clock;
	c->e[i].hash = h;
	c->e[i].used = 1;
	c->e[i].next = c->bucket[h & (CACHE_BUCKETS - 1)];
	c->bucket[h & (CACHE_BUCKETS - 1)] = (int16_t)i;
	lru_push_newest(c, i);
	c->entries++;
}
