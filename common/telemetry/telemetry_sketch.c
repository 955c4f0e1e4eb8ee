/* SPDX-License-Identifier: MIT */
/*
 * telemetry_sketch.c - Count-Min sketches, sketch telemetry, evidence
 * envelopes and readback counters.  policy-telemetry.md §2.9, §2.10, §3.1.
 */
#include "telemetry/telemetry.h"

#include <stdlib.h>
#include <string.h>

#define SPLITMIX_GAMMA 0x9E3779B97F4A7C15ull

uint64_t vy_tel_splitmix64(uint64_t v)
{
	v += SPLITMIX_GAMMA;
	v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
	v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
	return v ^ (v >> 31);
}

void vy_tel_cms_init(struct vy_tel_cms *s)
{
	memset(s, 0, sizeof(*s));
}

void vy_tel_cms_free(struct vy_tel_cms *s)
{
	free(s->counters);
	vy_tel_cms_init(s);
}

int vy_tel_cms_reset_shape(struct vy_tel_cms *s, size_t depth, size_t width,
		       struct vy_err *e)
{
	size_t n;

	if (!depth || !width)
		return vy_errf(e, VY_E_SKETCH_ZERO_DIMENSION,
			       "give the sketch a depth and a width of at least 1",
			       "sketch shape %zux%zu has a zero dimension", depth,
			       width);
	if (depth > SIZE_MAX / width)
		return vy_errf(e, VY_E_SKETCH_DIMENSION_OVERFLOW,
			       "use a smaller sketch depth or width",
			       "sketch shape %zux%zu overflows the host size type",
			       depth, width);
	n = depth * width;
	/*
	 * The cell count fits but its bytes do not: upstream's allocation
	 * fails there, so this is host memory, not a shape error.
	 */
	if (n > SIZE_MAX / sizeof(uint64_t))
		return vy_errf(e, VY_E_NOMEM,
			       "use a smaller sketch depth or width",
			       "out of memory for a %zux%zu sketch (%zu counters of 8 bytes)",
			       depth, width, n);
	if (n > s->cap) {
		uint64_t *p = realloc(s->counters, n * sizeof(*p));

		if (!p)
			return vy_errf(e, VY_E_NOMEM,
				       "use a smaller sketch depth or width",
				       "out of memory for a %zux%zu sketch",
				       depth, width);
		s->counters = p;
		s->cap = n;
	}
	s->depth = depth;
	s->width = width;
	memset(s->counters, 0, n * sizeof(*s->counters));
	return 0;
}

size_t vy_tel_cms_bucket(const struct vy_tel_cms *s, size_t row, uint32_t key)
{
	uint64_t h = vy_tel_splitmix64((uint64_t)key ^
				   ((uint64_t)row * SPLITMIX_GAMMA));

	return row * s->width + (size_t)(h % s->width);
}

int vy_tel_cms_add(struct vy_tel_cms *s, uint32_t key, uint64_t amount,
	       struct vy_err *e)
{
	size_t r;

	if (!amount)
		return 0;
	for (r = 0; r < s->depth; r++) {
		uint64_t *c = &s->counters[vy_tel_cms_bucket(s, r, key)];

		if (*c > UINT64_MAX - amount)
			return vy_errf(e, VY_E_SKETCH_COUNTER_OVERFLOW,
				       "reset the sketch or shard the counted stream",
				       "sketch counter of key %u in row %zu would pass u64::MAX",
				       key, r);
		*c += amount;
	}
	return 0;
}

uint64_t vy_tel_cms_estimate(const struct vy_tel_cms *s, uint32_t key)
{
	uint64_t m = UINT64_MAX;
	size_t r;

	if (!s->depth)
		return 0;
	for (r = 0; r < s->depth; r++) {
		uint64_t c = s->counters[vy_tel_cms_bucket(s, r, key)];

		m = c < m ? c : m;
	}
	return m;
}

int vy_tel_cms_merge(struct vy_tel_cms *s, const struct vy_tel_cms *o, struct vy_err *e)
{
	size_t i, n;

	if (s->depth != o->depth || s->width != o->width)
		return vy_errf(e, VY_E_SKETCH_SHAPE_MISMATCH,
			       "merge sketches built with the same depth and width",
			       "cannot merge a %zux%zu sketch into a %zux%zu one",
			       o->depth, o->width, s->depth, s->width);
	n = s->depth * s->width;
	for (i = 0; i < n; i++) {
		if (s->counters[i] > UINT64_MAX - o->counters[i])
			return vy_errf(e, VY_E_SKETCH_MERGE_OVERFLOW,
				       "reset one of the sketches before merging",
				       "sketch counter %zu would pass u64::MAX in the merge",
				       i);
		s->counters[i] += o->counters[i];
	}
	return 0;
}

void vy_tel_sketch_telemetry_init(struct vy_tel_sketch_telemetry *s)
{
	memset(s, 0, sizeof(*s));
}

void vy_tel_sketch_telemetry_free(struct vy_tel_sketch_telemetry *s)
{
	vy_tel_cms_free(&s->ring_opcode);
	vy_tel_cms_free(&s->tenant);
	vy_tel_cms_free(&s->status);
	vy_tel_cms_free(&s->active_opcode);
	vy_tel_cms_free(&s->dispatch_metrics);
	vy_tel_sketch_telemetry_init(s);
}

int vy_tel_sketch(const struct vy_tel *t, size_t depth,
			size_t width, struct vy_tel_sketch_telemetry *out,
			struct vy_err *e)
{
	struct vy_tel_cms *all[] = { &out->ring_opcode, &out->tenant, &out->status,
				 &out->active_opcode, &out->dispatch_metrics };
	size_t i;
	int ret;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		ret = vy_tel_cms_reset_shape(all[i], depth, width, e);
		if (ret)
			return ret;
	}
	out->total_slots = 0;
	out->active_slots = 0;
	for (i = 0; i < t->n_slots; i++) {
		const struct vy_tel_ring_slot *s = &t->slots[i];

		ret = vy_tel_cms_add(&out->ring_opcode, s->opcode, 1, e);
		if (!ret)
			ret = vy_tel_cms_add(&out->tenant, s->tenant_id, 1, e);
		if (!ret)
			ret = vy_tel_cms_add(&out->status, s->status, 1, e);
		if (!ret && vy_slot_status_is_active(s->status)) {
			out->active_slots++;
			ret = vy_tel_cms_add(&out->active_opcode, s->opcode, 1, e);
		}
		if (ret)
			return ret;
	}
	out->total_slots = t->n_slots;
	for (i = 0; i < t->control.n_metrics; i++) {
		ret = vy_tel_cms_add(&out->dispatch_metrics,
				 t->control.metrics[i].index,
				 t->control.metrics[i].count, e);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- evidence ---- */

static const char *const family_names[] = {
	[VY_EVIDENCE_RING] = "ring",
	[VY_EVIDENCE_CONTROL] = "control",
	[VY_EVIDENCE_COPY] = "copy",
	[VY_EVIDENCE_RESIDENCY] = "residency",
};

const char *vy_tel_evidence_family_name(enum vy_tel_evidence_family f)
{
	return (unsigned)f < 4 ? family_names[f] : "unknown";
}

void vy_tel_runtime_evidence_complete(struct vy_tel_runtime_evidence *out,
				  uint64_t resident, uint64_t copy,
				  uint64_t avoided,
				  const struct vy_tel_ring_occupancy *occ,
				  uint64_t control_ns, uint64_t ring_ns)
{
	memset(out, 0, sizeof(*out));
	out->schema_version = VY_RUNTIME_IO_EVIDENCE_SCHEMA_VERSION;
	out->resident_device_bytes = resident;
	out->host_copy_bytes = copy;
	out->host_copy_avoided_bytes = avoided;
	if (occ)
		out->ring_occupancy = *occ;
	out->control_decode_ns = control_ns;
	out->ring_decode_ns = ring_ns;
	out->coverage.ring = true;
	out->coverage.control = true;
	out->coverage.copy = true;
	out->coverage.residency = true;
}

size_t vy_tel_runtime_evidence_missing(const struct vy_tel_runtime_evidence *ev,
				   enum vy_tel_evidence_family out[4])
{
	size_t n = 0;

	if (!ev->coverage.ring)
		out[n++] = VY_EVIDENCE_RING;
	if (!ev->coverage.control)
		out[n++] = VY_EVIDENCE_CONTROL;
	if (!ev->coverage.copy)
		out[n++] = VY_EVIDENCE_COPY;
	if (!ev->coverage.residency)
		out[n++] = VY_EVIDENCE_RESIDENCY;
	return n;
}

bool vy_tel_runtime_evidence_is_complete(const struct vy_tel_runtime_evidence *ev)
{
	enum vy_tel_evidence_family tmp[4];

	return ev->schema_version == VY_RUNTIME_IO_EVIDENCE_SCHEMA_VERSION &&
	       vy_tel_runtime_evidence_missing(ev, tmp) == 0;
}

uint16_t vy_tel_runtime_evidence_copy_avoidance_bps(
	const struct vy_tel_runtime_evidence *ev)
{
	/* 128-bit so that copy + avoided and avoided * 10000 are exact. */
	unsigned __int128 total = (unsigned __int128)ev->host_copy_bytes +
				  ev->host_copy_avoided_bytes;
	unsigned __int128 bps;

	if (!total)
		return 0;
	bps = (unsigned __int128)ev->host_copy_avoided_bytes * 10000 / total;
	return (uint16_t)(bps > 10000 ? 10000 : bps);
}

void vy_tel_decode_capacity_evidence_fill(
	const struct vy_tel *t, const struct vy_tel_scratch *s,
	struct vy_tel_decode_capacity_evidence *out)
{
	out->schema_version = VY_TELEMETRY_DECODE_CAPACITY_SCHEMA_VERSION;
	out->decoded_slot_count = t->n_slots;
	out->slot_output_capacity = t->slots_cap;
	out->decoded_window_count = t->n_windows;
	out->window_output_capacity = t->windows_cap;
	out->window_opcode_scratch_capacity = s->window_opcodes_cap;
	/* The table holds at most half its size before it grows. */
	out->window_accumulator_scratch_capacity = s->acc_cap / 2;
	out->uses_caller_owned_scratch = true;
}

bool vy_tel_decode_capacity_evidence_is_complete(
	const struct vy_tel_decode_capacity_evidence *ev)
{
	return ev->schema_version ==
		       VY_TELEMETRY_DECODE_CAPACITY_SCHEMA_VERSION &&
	       ev->uses_caller_owned_scratch &&
	       ev->slot_output_capacity >= ev->decoded_slot_count &&
	       ev->window_output_capacity >= ev->decoded_window_count &&
	       ev->window_accumulator_scratch_capacity >=
		       ev->decoded_window_count;
}

/* ---- readback ---- */

int vy_tel_readback_slot_count(size_t ring_len, uint32_t *out, struct vy_err *e)
{
	if (ring_len % VY_SLOT_BYTES)
		return vy_errf(e, VY_E_READBACK_RING_NOT_WHOLE_SLOTS,
			       "read back whole 64-byte ring slots",
			       "readback ring has %zu bytes, not a multiple of 64",
			       ring_len);
	if (ring_len / VY_SLOT_BYTES > UINT32_MAX)
		return vy_errf(e, VY_E_READBACK_RING_LEN_OVERFLOW,
			       "split the ring into smaller shards",
			       "readback ring of %zu slots does not fit u32",
			       ring_len / VY_SLOT_BYTES);
	*out = (uint32_t)(ring_len / VY_SLOT_BYTES);
	return 0;
}
