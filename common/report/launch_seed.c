/* SPDX-License-Identifier: MIT */
/*
 * launch_seed.c - the seed's run report for vyre-launch (launch_seed.h).
 *
 * Two views of one run sit side by side in the report.  The seed's
 * members keep the seed's meanings so that gates written against
 * upstream read the same numbers: bytes_* count the four ABI buffers
 * (uploaded once, read back once), occupancy and frontier density are
 * the driver's formulas over the published items, and the policy
 * members are the plan made before publication.  What this runtime
 * really moved, queued and waited for is under "runtime".
 */
#include "report/launch_seed.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "device/progcache.h"
#include "policy/seed.h"
#include "report/emit.h"
#include "wire/protocol.h"
#include "wire/util.h"

uint64_t vy_rep_work_count(const struct vy_rep_work *w)
{
	return w->synthetic ? w->synth_n : w->wf.slots;
}

static int same_item(const struct vy_wf_item *a, const struct vy_wf_item *b)
{
	return !memcmp(a->w, b->w, sizeof(a->w));
}

int vy_rep_work_dedupe(struct vy_rep_work *w, uint64_t *removed,
		       struct vy_err *e)
{
	struct vy_workfile *wf = &w->wf;
	size_t cap = 16, out = 0;
	uint32_t *tab;

	*removed = 0;
	if (w->synthetic)
		return vy_errf(e, VY_E_INVAL,
			       "give the items in a WORKFILE to dedupe them",
			       "--dedupe needs a work file: --synthetic items are identical by construction");
	while (cap < 2 * wf->n)
		cap *= 2;
	/* open addressing: index + 1 of a kept item, 0 = empty */
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < wf->n; i++) {
		struct vy_wf_item *it = &wf->items[i];
		size_t h;
		int dup = 0;

		if (!it->fence) {
			h = (size_t)XXH3_64bits(it->w, sizeof(it->w)) &
			    (cap - 1);
			for (; tab[h]; h = (h + 1) & (cap - 1)) {
				if (same_item(&wf->items[tab[h] - 1], it)) {
					dup = 1;
					break;
				}
			}
			if (dup) {
				(*removed)++;
				continue;
			}
			/* kept items only move down: out <= i */
			tab[h] = (uint32_t)out + 1;
		}
		wf->items[out++] = *it;
	}
	free(tab);
	wf->n = out;
	wf->slots -= *removed;
	return 0;
}

int vy_rep_launch_seed_plan(struct vy_mk *mk, const struct vy_dev_limits *lim,
			    struct vy_rep_launch_seed *s, struct vy_err *e)
{
	static const enum vy_dev_tbuf_id abi[4] = {
		VY_TB_CONTROL, VY_TB_RING, VY_TB_DEBUG, VY_TB_IO
	};
	struct vy_pol_launch_policy pol = vy_pol_launch_policy_standard();
	struct vy_pol_launch_request req;
	struct vy_dev_mk_info info;
	uint64_t items = s->initial_items - s->deduped_items, peak;
	size_t len;
	int err;

	vy_dev_mk_get_info(mk, &info);
	s->resident_bytes = 0;
	s->resident_allocations = 0;
	for (int i = 0; i < VY_TB_COUNT; i++) {
		vy_dev_mk_image(mk, (enum vy_dev_tbuf_id)i, &len);
		s->resident_bytes += len;
		s->resident_allocations += len > 0;
	}
	for (int i = 0; i < 4; i++) {
		vy_dev_mk_image(mk, abi[i], &len);
		s->abi_bytes[i] = len;
	}
	vy_rep_launch_request(lim, info.slots, info.persistent, &req);
	req.queue_len = items > UINT32_MAX ? UINT32_MAX : (uint32_t)items;
	req.resident_device_bytes = s->resident_bytes;
	req.device_memory_budget_bytes = s->budget_bytes;
	err = vy_pol_recommend(&pol, &req, NULL, &s->rec, e);
	if (err == VY_E_DEVICE_OUT_OF_MEMORY)
		snprintf(e->hint, sizeof(e->hint),
			 "raise --device-memory-budget to at least %llu or leave it out",
			 (unsigned long long)s->rec.estimated_peak_device_bytes);
	if (err)
		return err;
	/* the seed's driver checks its dispatch peak against the budget too */
	peak = s->rec.estimated_peak_device_bytes + 2 * (s->abi_bytes[0] +
		s->abi_bytes[1] + s->abi_bytes[2] + s->abi_bytes[3]);
	if (s->budget_bytes && peak > s->budget_bytes)
		return vy_errf(e, VY_E_DEVICE_OUT_OF_MEMORY, NULL,
			       "the launch needs an estimated %llu device bytes, over the --device-memory-budget of %llu",
			       (unsigned long long)peak,
			       (unsigned long long)s->budget_bytes);
	return 0;
}

static void set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, vy_rep_json_u64(v));
}

static json_t *seed_telemetry(const struct vy_rep_launch *rp,
			      const struct vy_rep_launch_seed *s)
{
	struct vy_pol_mk_dispatch_telemetry t;
	const struct vy_pol_launch_recommendation *rec = s ? &s->rec : NULL;
	uint64_t zero[4] = { 0, 0, 0, 0 };
	const uint64_t *abi = s ? s->abi_bytes : zero;
	uint64_t items = rp->st.published;
	uint32_t wgx = rp->info.workgroup_size;
	json_t *o = json_object();
	struct vy_err e;

	/*
	 * The report is written whatever happened: counters that overflow
	 * u64 cannot come from a real run, so zeros are honest enough.  An
	 * empty work list is the seed's MegakernelTelemetry::default():
	 * nothing was dispatched.
	 */
	memset(&t, 0, sizeof(t));
	t.topology = VY_TOPO_EMPTY;
	t.pressure = VY_PRESSURE_EMPTY;
	t.execution_mode = VY_MODE_INTERPRETER;
	if (s && s->initial_items == 0)
		goto out;
	if (vy_pol_mk_dispatch_telemetry_fill(&t, abi, 4, abi, 4,
			items > UINT32_MAX ? UINT32_MAX : (uint32_t)items,
			rp->info.slots, wgx ? rp->info.slots / wgx : 0, wgx,
			rec ? rec->estimated_peak_device_bytes : 0, rec, &e))
		memset(&t, 0, sizeof(t));
	t.resident_allocations = s ? s->resident_allocations : 0;
	t.kernel_launches = (uint32_t)rp->st.launches;
	/* one wait per launch for its end, plus every blocking transfer */
	t.sync_points = (uint32_t)(rp->st.launches + rp->st.t.sync_points);
	t.compiled_pipeline_cache_hit =
		rp->info.progcache.state == VY_PROGCACHE_HIT;
	/* one run of one session: its input buffers are made once, never reused */
	t.resident_input_cache_hit = false;
	if (s)
		t.device_memory_budget_bytes = s->budget_bytes;
out:
	set_u64(o, "bytes_uploaded", t.bytes_uploaded);
	set_u64(o, "bytes_read_back", t.bytes_read_back);
	set_u64(o, "bytes_moved", t.bytes_moved);
	set_u64(o, "resident_allocations", t.resident_allocations);
	set_u64(o, "kernel_launches", t.kernel_launches);
	set_u64(o, "sync_points", t.sync_points);
	/*
	 * The seed's names and units (basis points, 1/10000): this object is
	 * upstream's MegakernelTelemetry member for member.
	 */
	set_u64(o, "occupancy_proxy_bps", t.occupancy_proxy_bps);
	set_u64(o, "frontier_density_bps", t.frontier_density_bps);
	set_u64(o, "readback_buffers", t.readback_buffers);
	json_object_set_new(o, "compiled_pipeline_cache_hit",
			    json_boolean(t.compiled_pipeline_cache_hit));
	json_object_set_new(o, "resident_input_cache_hit",
			    json_boolean(t.resident_input_cache_hit));
	json_object_set_new(o, "topology",
			    json_string(vy_pol_topology_name(t.topology)));
	json_object_set_new(o, "pressure",
			    json_string(vy_pol_pressure_name(t.pressure)));
	json_object_set_new(o, "execution_mode", json_string(
		vy_pol_exec_mode_name(t.execution_mode)));
	set_u64(o, "hit_capacity", t.hit_capacity);
	set_u64(o, "estimated_peak_device_bytes",
		t.estimated_peak_device_bytes);
	set_u64(o, "device_memory_budget_bytes",
		t.device_memory_budget_bytes);
	return o;
}

static json_t *runtime_json(const struct vy_rep_launch *rp)
{
	const struct vy_dev_progcache_result *pc = &rp->info.progcache;
	json_t *o = json_object();

	set_u64(o, "bytes_uploaded", rp->st.t.bytes_uploaded);
	set_u64(o, "bytes_read_back", rp->st.t.bytes_read_back);
	set_u64(o, "transfer_commands", rp->st.t.commands);
	set_u64(o, "blocking_waits", rp->st.t.sync_points);
	set_u64(o, "status_reads", rp->st.status_reads);
	set_u64(o, "program_build_ns", pc->build_ns);
	json_object_set_new(o, "program_cache",
			    json_string(vy_dev_progcache_state_name(pc->state)));
	json_object_set_new(o, "program_cache_stored",
			    json_boolean(pc->state != VY_PROGCACHE_OFF &&
					 pc->state != VY_PROGCACHE_HIT &&
					 !pc->store_failed));
	return o;
}

void vy_rep_launch_seed_json(json_t *doc, const struct vy_rep_launch *rp,
			     const struct vy_rep_launch_seed *s)
{
	const struct vy_dev_mk_run_result *r = rp->r;
	uint64_t initial = s ? s->initial_items : r->processed + r->remaining;
	uint64_t processed = r->processed;

	/*
	 * Upstream counts a deduplicated item as processed once its twin
	 * ran: when every published item finished, add them back, capped
	 * at the items given.
	 */
	if (s && s->deduped_items && processed >= rp->st.published)
		processed += s->deduped_items;
	if (processed > initial)
		processed = initial;
	set_u64(doc, "items_processed", processed);
	set_u64(doc, "items_remaining", initial - processed);
	json_object_set_new(doc, "wall_time", json_real(r->wall_ns / 1e9));
	set_u64(doc, "queue_plan_ns", s ? s->queue_plan_ns : 0);
	set_u64(doc, "lineage_ns", 0);
	set_u64(doc, "deduped_items", s ? s->deduped_items : 0);
	set_u64(doc, "lineage_items", 0);
	json_object_set_new(doc, "region_lineage", json_array());
	json_object_set_new(doc, "telemetry", seed_telemetry(rp, s));
	json_object_set_new(doc, "runtime", runtime_json(rp));
}
