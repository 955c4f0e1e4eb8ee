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
#include "policy/policy.h"

#include <string.h>

#define NSLOT (VY_LAUNCH_CACHE_CAPACITY + 1)

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

void vy_pol_launch_cache_init(struct vy_pol_launch_cache *c)
{
	size_t i;

	c->clock = c->hits = c->misses = 0;
	c->entries = 0;
	c->oldest = c->newest = -1;
	for (i = 0; i < VY_LAUNCH_CACHE_BUCKETS; i++)
		c->bucket[i] = -1;
	for (i = 0; i < NSLOT; i++) {
		c->e[i].used = 0;
		c->e[i].next = -1;
		c->e[i].older = c->e[i].newer = -1;
	}
}

static void lru_remove(struct vy_pol_launch_cache *c, int i)
{
	struct vy_pol_launch_cache_entry *x = &c->e[i];

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
	struct vy_pol_launch_cache_entry *x = &c->e[i];

	x->older = c->newest;
	x->newer = -1;
	if (c->newest >= 0)
		c->e[c->newest].newer = (int16_t)i;
	else
		c->oldest = (int16_t)i;
	c->newest = (int16_t)i;
}

static _Thread_local struct vy_pol_launch_cache thread_cache;
static _Thread_local int thread_cache_ready;

struct vy_pol_launch_cache *vy_pol_launch_cache_thread(void)
{
	if (!thread_cache_ready) {
		vy_pol_launch_cache_init(&thread_cache);
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
	int i = c->bucket[h & (VY_LAUNCH_CACHE_BUCKETS - 1)];

	while (i >= 0) {
		const struct vy_pol_launch_cache_entry *x = &c->e[i];

		if (x->hash == h && vy_pol_request_equal(&x->request, r) &&
		    vy_pol_launch_policy_equal(&x->policy, p))
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
	int16_t *pp = &c->bucket[c->e[i].hash & (VY_LAUNCH_CACHE_BUCKETS - 1)];

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
	c->e[i].next = c->bucket[h & (VY_LAUNCH_CACHE_BUCKETS - 1)];
	c->bucket[h & (VY_LAUNCH_CACHE_BUCKETS - 1)] = (int16_t)i;
	lru_push_newest(c, i);
	c->entries++;
}
