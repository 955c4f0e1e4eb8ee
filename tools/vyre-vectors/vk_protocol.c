/* SPDX-License-Identifier: MIT */
/*
 * vk_protocol.c - the 24 vector kinds of protocol.json (host-side wire
 * codec, protocol.md sections 1-4 and 6; ../shared/vectors/README.md
 * section 3).
 *
 * Besides the "expected" values, the handlers check what the vectors
 * state in prose: a publisher touches only its target slots, and a
 * failing call leaves its buffers unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"
#include "vectors.h"

/* Member @key of @o as u32 (required). */
static int need_u32(const json_t *o, const char *key, uint32_t *out)
{
	if (!json_object_get(o, key))
		return -1;
	return vv_member_u32(o, key, 0, out);
}

static json_t *u32_array_json(const uint32_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static json_t *slot_words_json(const uint8_t *ring, uint32_t slot)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < VY_SLOT_WORDS; i++)
		json_array_append_new(a, json_integer(
			vy_word(ring, (size_t)slot * VY_SLOT_WORDS + i)));
	return a;
}

/* Report every byte outside slots [lo, hi) that differs from @before. */
static void check_untouched(struct vv_case *c, const uint8_t *before,
			    const uint8_t *after, size_t len, uint64_t lo,
			    uint64_t hi)
{
	size_t i;
	char what[96], exp[16], got[16];

	for (i = 0; i < len; i++) {
		uint64_t slot = i / VY_SLOT_BYTES;

		if (slot >= lo && slot < hi)
			continue;
		if (before[i] != after[i]) {
			snprintf(what, sizeof(what), "ring byte %zu", i);
			snprintf(exp, sizeof(exp), "%u", before[i]);
			snprintf(got, sizeof(got), "%u", after[i]);
			vv_mismatch(c, what, exp, got);
			return;
		}
	}
}

/* {"returned", "slots": [{index, words}]} for slots [lo, hi). */
static json_t *slots_result(const uint8_t *ring, uint32_t returned,
			    uint64_t lo, uint64_t hi)
{
	json_t *slots = json_array();
	uint64_t s;

	for (s = lo; s < hi; s++)
		json_array_append_new(slots,
			json_pack("{sIso}", "index", (json_int_t)s, "words",
				  slot_words_json(ring, (uint32_t)s)));
	return json_pack("{sIso}", "returned", (json_int_t)returned, "slots",
			 slots);
}

/* Copy of a buffer, to check that a failing call changed nothing. */
static uint8_t *dup_bytes(const struct vv_bytes *b)
{
	uint8_t *d = malloc(b->len ? b->len : 1);

	if (d && b->len)
		memcpy(d, b->data, b->len);
	return d;
}

/* On error: the buffer must be unchanged. */
static int error_unchanged(struct vv_case *c, int ret, const uint8_t *before,
			   const struct vv_bytes *b)
{
	if (ret < 0 && memcmp(before, b->data, b->len))
		vv_mismatch(c, "buffer after error", "unchanged", "modified");
	return ret;
}

/*
 * Input "ring" into @ring and a copy of it into *@before, to check that a
 * failing publisher changed nothing.  Both are freed on error.
 */
static int load_ring(struct vv_case *c, struct vy_err *e,
		     struct vv_bytes *ring, uint8_t **before)
{
	if (vv_ring(json_object_get(c->input, "ring"), ring))
		return vv_bad_input(e, "ring");
	*before = dup_bytes(ring);
	if (!*before) {
		free(ring->data);
		return vv_bad_input(e, "out of memory");
	}
	return 0;
}

/*
 * After a publisher wrote @returned slots from @start: nothing else in
 * the ring changed; the result is {"returned", "slots"}.
 */
static json_t *published_result(struct vv_case *c, const uint8_t *before,
				const struct vv_bytes *ring, uint32_t start,
				uint32_t returned)
{
	uint64_t end = (uint64_t)start + returned;

	check_untouched(c, before, ring->data, ring->len, start, end);
	return slots_result(ring->data, returned, start, end);
}

static int read_mode(const json_t *in, enum vy_read_mode *m)
{
	const char *s = json_string_value(json_object_get(in, "mode"));

	if (!s)
		return -1;
	if (!strcmp(s, "strict"))
		*m = VY_READ_STRICT;
	else if (!strcmp(s, "lenient"))
		*m = VY_READ_LENIENT;
	else
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */

static int k_byte_len(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const char *fn = json_string_value(json_object_get(c->input, "fn"));
	uint64_t arg, bytes;
	bool ok;

	if (!fn || vv_member_u64(c->input, "arg", 0, &arg))
		return vv_bad_input(e, "fn/arg");
	if (!strcmp(fn, "control_byte_len"))
		ok = vy_control_byte_len(arg, &bytes);
	else if (!strcmp(fn, "ring_byte_len"))
		ok = vy_ring_byte_len(arg, &bytes);
	else if (!strcmp(fn, "debug_log_byte_len"))
		ok = vy_debug_log_byte_len(arg, &bytes);
	else
		return vv_bad_input(e, "fn");
	*got = json_pack("{so}", "value", ok ? vv_u64(bytes) : json_null());
	return 0;
}

static int k_encode_control(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const json_t *sd = json_object_get(c->input, "shutdown");
	uint32_t tenants, obs;
	uint8_t *buf;
	size_t len;
	int ret;

	if (!json_is_boolean(sd) || need_u32(c->input, "tenant_count", &tenants) ||
	    need_u32(c->input, "observable_slots", &obs))
		return vv_bad_input(e, "shutdown/tenant_count/observable_slots");
	ret = vy_encode_control(json_is_true(sd), tenants, obs, &buf, &len, e);
	if (ret)
		return ret;
	*got = vv_sparse_json(buf, len);
	free(buf);
	return 0;
}

/* {byte_len}; the buffer must be all zero. */
static json_t *zero_result(struct vv_case *c, uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i]) {
			vv_mismatch(c, "buffer", "all zero", "non-zero byte");
			break;
		}
	}
	free(buf);
	return json_pack("{so}", "byte_len", vv_u64(len));
}

typedef int (*empty_fn)(uint32_t count, uint8_t **out, size_t *len,
			struct vy_err *e);

/* Encode with @enc for the count at input @key; the result must be zero. */
static int encode_empty(struct vv_case *c, json_t **got, struct vy_err *e,
			const char *key, empty_fn enc)
{
	uint32_t n;
	uint8_t *buf;
	size_t len;
	int ret;

	if (need_u32(c->input, key, &n))
		return vv_bad_input(e, key);
	ret = enc(n, &buf, &len, e);
	if (ret)
		return ret;
	*got = zero_result(c, buf, len);
	return 0;
}

static int k_encode_empty_ring(struct vv_case *c, json_t **got,
			       struct vy_err *e)
{
	return encode_empty(c, got, e, "slot_count", vy_encode_empty_ring);
}

static int k_encode_empty_debug_log(struct vv_case *c, json_t **got,
				    struct vy_err *e)
{
	return encode_empty(c, got, e, "record_capacity",
			    vy_encode_empty_debug_log);
}

static int k_encode_empty_io_queue(struct vv_case *c, json_t **got,
				   struct vy_err *e)
{
	return encode_empty(c, got, e, "slot_count", vy_encode_empty_io_queue);
}

static int k_priority_offsets(struct vv_case *c, json_t **got,
			      struct vy_err *e)
{
	const json_t *cj = json_object_get(c->input, "control");
	uint32_t total, off[VY_CTL_PRIORITY_OFFSETS_SLOTS];
	struct vv_bytes b;
	uint8_t *before;
	int ret;

	if (need_u32(c->input, "total_slots", &total))
		return vv_bad_input(e, "total_slots");
	vy_default_priority_offsets(total, off);
	if (!cj) {
		*got = json_pack("{so}", "offsets",
				 u32_array_json(off, VY_ARRAY_SIZE(off)));
		return 0;
	}
	if (vv_sparse(cj, &b))
		return vv_bad_input(e, "control");
	before = dup_bytes(&b);
	if (!before) {
		free(b.data);
		return vv_bad_input(e, "out of memory");
	}
	ret = vy_write_default_priority_offsets(b.data, b.len, total, e);
	error_unchanged(c, ret, before, &b);
	if (!ret)
		*got = json_pack("{soso}", "offsets",
				 u32_array_json(off, VY_ARRAY_SIZE(off)),
				 "control", vv_sparse_json(b.data, b.len));
	free(before);
	free(b.data);
	return ret;
}

static int k_priority_probe(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const char *fn = json_string_value(json_object_get(c->input, "fn"));
	uint32_t slots, width, v;
	int ret;

	if (!fn || need_u32(c->input, "partition_slots", &slots) ||
	    need_u32(c->input, "worker_width", &width))
		return vv_bad_input(e, "fn/partition_slots/worker_width");
	if (!strcmp(fn, "probe_count")) {
		v = vy_priority_probe_count(slots, width);
	} else if (!strcmp(fn, "active_lane_count")) {
		v = vy_priority_active_lane_count(slots, width);
	} else if (!strcmp(fn, "probe_budget")) {
		ret = vy_priority_probe_budget(slots, width, &v, e);
		if (ret)
			return ret;
	} else {
		return vv_bad_input(e, "fn");
	}
	*got = json_pack("{sI}", "value", (json_int_t)v);
	return 0;
}

static json_t *ok_json(void)
{
	return json_pack("{sb}", "ok", 1);
}

static int k_validate_buffer(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const char *buf = json_string_value(json_object_get(c->input, "buffer"));
	uint64_t len;
	int ret;

	if (!buf || vv_member_u64(c->input, "byte_len", 0, &len))
		return vv_bad_input(e, "buffer/byte_len");
	if (!strcmp(buf, "control"))
		ret = vy_validate_control((size_t)len, e);
	else if (!strcmp(buf, "debug_log"))
		ret = vy_validate_debug_log((size_t)len, e);
	else if (!strcmp(buf, "io_queue"))
		ret = vy_validate_io_queue((size_t)len, e);
	else
		return vv_bad_input(e, "buffer");
	if (ret)
		return ret;
	*got = ok_json();
	return 0;
}

/* buffer_byte_lengths into @lens (room for 8); *n = count. */
static int lengths(const json_t *in, uint64_t *lens, size_t *n)
{
	const json_t *a = json_object_get(in, "buffer_byte_lengths"), *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > 8)
		return -1;
	json_array_foreach(a, i, v)
		if (vv_get_u64(v, &lens[i]))
			return -1;
	*n = json_array_size(a);
	return 0;
}

static int k_dispatch_validate(struct vv_case *c, json_t **got,
			       struct vy_err *e)
{
	uint64_t lens[8], slots;
	size_t n;
	int ret;

	if (lengths(c->input, lens, &n) || n != VY_BUF_COUNT ||
	    vv_member_u64(c->input, "slot_count", 0, &slots))
		return vv_bad_input(e, "buffer_byte_lengths/slot_count");
	ret = vy_validate_dispatch(lens, slots, e);
	if (ret)
		return ret;
	*got = ok_json();
	return 0;
}

static int k_readback_validate(struct vv_case *c, json_t **got,
			       struct vy_err *e)
{
	uint64_t lens[8], slots;
	size_t n;
	int ret;

	if (lengths(c->input, lens, &n) ||
	    vv_member_u64(c->input, "slot_count", 0, &slots))
		return vv_bad_input(e, "buffer_byte_lengths/slot_count");
	ret = vy_validate_readback(lens, n, slots, e);
	if (ret)
		return ret;
	*got = ok_json();
	return 0;
}

static int k_bootstrap_geometry(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	struct vy_launch_shape g;
	uint32_t slots, wg;
	int ret;

	if (need_u32(c->input, "slot_count", &slots) ||
	    need_u32(c->input, "workgroup_size_x", &wg))
		return vv_bad_input(e, "slot_count/workgroup_size_x");
	ret = vy_bootstrap_geometry(slots, wg, &g, e);
	if (ret)
		return ret;
	*got = json_pack("{soso}", "grid", u32_array_json(g.grid, 3),
			 "workgroup", u32_array_json(g.workgroup, 3));
	return 0;
}

static int k_validate_opcode(struct vv_case *c, json_t **got, struct vy_err *e)
{
	uint32_t op;

	if (need_u32(c->input, "opcode", &op))
		return vv_bad_input(e, "opcode");
	*got = json_pack("{sbsbsb}", "system", vy_opcode_is_system(op),
			 "builtin", vy_opcode_is_builtin(op), "publishable",
			 vy_opcode_is_publishable(op));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Publishers                                                          */

static int k_publish_slot(struct vv_case *c, json_t **got, struct vy_err *e)
{
	uint32_t slot, tenant, op, *args = NULL;
	struct vv_bytes ring;
	uint8_t *before;
	size_t nargs;
	int ret;

	if (need_u32(c->input, "slot_idx", &slot) ||
	    need_u32(c->input, "tenant", &tenant) ||
	    need_u32(c->input, "opcode", &op) ||
	    vv_u32_list(json_object_get(c->input, "args"), &args, &nargs))
		return vv_bad_input(e, "slot_idx/tenant/opcode/args");
	ret = load_ring(c, e, &ring, &before);
	if (ret) {
		free(args);
		return ret;
	}
	ret = vy_publish_slot(ring.data, ring.len, slot, tenant, op, args,
			      nargs, e);
	error_unchanged(c, ret, before, &ring);
	if (!ret) {
		check_untouched(c, before, ring.data, ring.len, slot,
				(uint64_t)slot + 1);
		*got = json_pack("{so}", "slot_words",
				 slot_words_json(ring.data, slot));
	}
	free(before);
	free(ring.data);
	free(args);
	return ret;
}

/* items [[opcode, [args]], ...] into a malloc'd array (args malloc'd). */
static int slot_items(const json_t *a, struct vy_slot_item **out, size_t *n)
{
	const json_t *it;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return -1;
	json_array_foreach(a, i, it) {
		uint64_t op;
		uint32_t *v;

		if (vv_get_u64(json_array_get(it, 0), &op) || op > UINT32_MAX ||
		    vv_u32_list(json_array_get(it, 1), &v, &(*out)[i].args.n))
			goto bad;
		(*out)[i].opcode = (uint32_t)op;
		(*out)[i].args.v = v;
		*n = i + 1;
	}
	return 0;
bad:
	for (i = 0; i < *n; i++)
		free((void *)(*out)[i].args.v);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

static void free_items(struct vy_slot_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((void *)items[i].args.v);
	free(items);
}

static int k_batch_publish(struct vv_case *c, json_t **got, struct vy_err *e)
{
	uint32_t start, tenant, tag, returned = 0;
	struct vy_slot_item *items;
	struct vv_bytes ring;
	uint8_t *before;
	size_t n;
	int ret;

	if (need_u32(c->input, "start", &start) ||
	    need_u32(c->input, "tenant", &tenant) ||
	    need_u32(c->input, "batch_tag", &tag) ||
	    slot_items(json_object_get(c->input, "items"), &items, &n))
		return vv_bad_input(e, "start/tenant/batch_tag/items");
	ret = load_ring(c, e, &ring, &before);
	if (ret) {
		free_items(items, n);
		return ret;
	}
	ret = vy_batch_publish(ring.data, ring.len, start, tenant, items, n,
			       tag, &returned, e);
	error_unchanged(c, ret, before, &ring);
	if (!ret)
		*got = published_result(c, before, &ring, start, returned);
	free(before);
	free(ring.data);
	free_items(items, n);
	return ret;
}

/* Host-side decoding of a packed payload (upstream tests' view). */
static json_t *packed_decoded_json(const uint32_t args[VY_SLOT_ARGS])
{
	uint8_t p[VY_SLOT_ARGS * 4];
	json_t *entries = json_array(), *pargs = json_array();
	uint32_t n, t, m, i;

	for (i = 0; i < VY_SLOT_ARGS; i++)
		vy_put_le32(p + 4 * i, args[i]);
	n = p[0];
	t = p[1];
	m = (2 + 2 * n + 3) / 4;
	for (i = 0; i < n && 3 + 2 * i < sizeof(p); i++)
		json_array_append_new(entries, json_pack("[ii]", p[2 + 2 * i],
							 p[3 + 2 * i]));
	for (i = m; i < m + t && i < VY_SLOT_ARGS; i++)
		json_array_append_new(pargs, json_integer(args[i]));
	return json_pack("{sisisoso}", "op_count", (int)n, "total_arg_words",
			 (int)t, "entries", entries, "args", pargs);
}

static int k_publish_packed_slot(struct vv_case *c, json_t **got,
				 struct vy_err *e)
{
	uint32_t slot, tenant, args[VY_SLOT_ARGS], head[4], i;
	struct vy_slot_item *items;
	struct vy_packed_op *ops;
	struct vv_bytes ring;
	uint8_t *before;
	size_t n;
	int ret;

	if (need_u32(c->input, "slot_idx", &slot) ||
	    need_u32(c->input, "tenant", &tenant) ||
	    slot_items(json_object_get(c->input, "ops"), &items, &n))
		return vv_bad_input(e, "slot_idx/tenant/ops");
	ops = calloc(n + 1, sizeof(*ops));
	if (!ops) {
		free_items(items, n);
		return vv_bad_input(e, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if (items[i].opcode > 255) {
			free(ops);
			free_items(items, n);
			return vv_bad_input(e, "inner opcode above 255");
		}
		ops[i].opcode = (uint8_t)items[i].opcode;
		ops[i].args = items[i].args;
	}
	ret = load_ring(c, e, &ring, &before);
	if (ret) {
		free(ops);
		free_items(items, n);
		return ret;
	}
	ret = vy_publish_packed_slot(ring.data, ring.len, slot, tenant, ops, n,
				     e);
	error_unchanged(c, ret, before, &ring);
	if (!ret) {
		check_untouched(c, before, ring.data, ring.len, slot,
				(uint64_t)slot + 1);
		for (i = 0; i < 4; i++)
			head[i] = vy_word(ring.data, (size_t)slot * 16 + i);
		if (head[0] != VY_STATUS_PUBLISHED ||
		    head[1] != VY_OP_PACKED_SLOT || head[2] != tenant ||
		    head[3] != VY_PRIO_NORMAL)
			vv_mismatch(c, "slot words 0..3",
				    "[1, 0x80000001, tenant, 2]", "different");
		for (i = 0; i < VY_SLOT_ARGS; i++)
			args[i] = vy_word(ring.data,
					  (size_t)slot * 16 + 4 + i);
		*got = json_pack("{soso}", "arg_words",
				 u32_array_json(args, VY_SLOT_ARGS),
				 "decoded", packed_decoded_json(args));
	}
	free(before);
	free(ring.data);
	free(ops);
	free_items(items, n);
	return ret;
}

/* items [[opcode, input, output, param], ...] */
static int work_items(const json_t *a, struct vy_work_item **out, size_t *n)
{
	const json_t *it;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return -1;
	json_array_foreach(a, i, it) {
		uint64_t v[4];
		size_t k;

		for (k = 0; k < 4; k++) {
			if (vv_get_u64(json_array_get(it, k), &v[k]) ||
			    v[k] > UINT32_MAX) {
				free(*out);
				*out = NULL;
				return -1;
			}
		}
		(*out)[i].opcode = (uint32_t)v[0];
		(*out)[i].input = (uint32_t)v[1];
		(*out)[i].output = (uint32_t)v[2];
		(*out)[i].param = (uint32_t)v[3];
	}
	*n = json_array_size(a);
	return 0;
}

static int k_publish_work_items(struct vv_case *c, json_t **got,
				struct vy_err *e)
{
	uint32_t start, tenant, returned = 0;
	struct vy_work_item *items;
	struct vv_bytes ring;
	uint8_t *before;
	size_t n;
	int ret;

	if (need_u32(c->input, "start", &start) ||
	    need_u32(c->input, "tenant", &tenant) ||
	    work_items(json_object_get(c->input, "items"), &items, &n))
		return vv_bad_input(e, "start/tenant/items");
	ret = load_ring(c, e, &ring, &before);
	if (ret) {
		free(items);
		return ret;
	}
	ret = vy_publish_work_items(ring.data, ring.len, start, tenant, items,
				    n, &returned, e);
	error_unchanged(c, ret, before, &ring);
	if (!ret)
		*got = published_result(c, before, &ring, start, returned);
	free(before);
	free(ring.data);
	free(items);
	return ret;
}

static int k_encode_work_items_ring(struct vv_case *c, json_t **got,
				    struct vy_err *e)
{
	uint32_t slots, tenant;
	struct vy_work_item *items;
	uint8_t *buf, canary[8];
	size_t n, len;
	int ret;

	if (need_u32(c->input, "slot_count", &slots) ||
	    need_u32(c->input, "tenant", &tenant) ||
	    work_items(json_object_get(c->input, "items"), &items, &n))
		return vv_bad_input(e, "slot_count/tenant/items");
	/* The _into form must not touch the caller's buffer on error. */
	memset(canary, 0xAA, sizeof(canary));
	ret = vy_encode_work_items_ring_into(slots, tenant, items, n, canary,
					     sizeof(canary), &len, NULL);
	if (ret < 0 && ret != VY_E_INVAL) {
		size_t i;

		for (i = 0; i < sizeof(canary); i++)
			if (canary[i] != 0xAA)
				vv_mismatch(c, "buffer after error",
					    "unchanged", "modified");
	}
	ret = vy_encode_work_items_ring(slots, tenant, items, n, &buf, &len, e);
	free(items);
	if (ret)
		return ret;
	*got = json_pack("{so}", "ring", vv_sparse_json(buf, len));
	free(buf);
	return 0;
}

/* [[payload], ...] into vy_args (each v malloc'd). */
static int payloads(const json_t *a, struct vy_args **out, size_t *n)
{
	const json_t *p;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = calloc(json_array_size(a) + 1, sizeof(**out));
	if (!*out)
		return -1;
	json_array_foreach(a, i, p) {
		uint32_t *v;

		if (vv_u32_list(p, &v, &(*out)[i].n))
			return -1;
		(*out)[i].v = v;
		*n = i + 1;
	}
	return 0;
}

static void free_payloads(struct vy_args *p, size_t n)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < n; i++)
		free((void *)p[i].v);
	free(p);
}

static int k_publish_window(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_window w = { 0 };
	struct vy_args *req = NULL, *look = NULL;
	struct vv_bytes ring = { 0 };
	uint8_t *before = NULL;
	uint32_t returned = 0;
	int ret;

	if (need_u32(c->input, "start", &w.start) ||
	    need_u32(c->input, "tenant", &w.tenant) ||
	    need_u32(c->input, "opcode", &w.opcode) ||
	    need_u32(c->input, "ticket", &w.ticket) ||
	    payloads(json_object_get(c->input, "required"), &req,
		     &w.n_required) ||
	    payloads(json_object_get(c->input, "lookahead"), &look,
		     &w.n_lookahead) ||
	    vv_ring(json_object_get(c->input, "ring"), &ring)) {
		ret = vv_bad_input(e, "window");
		goto out;
	}
	w.required = req;
	w.lookahead = look;
	before = dup_bytes(&ring);
	if (!before) {
		ret = vv_bad_input(e, "out of memory");
		goto out;
	}
	ret = vy_publish_window(ring.data, ring.len, &w, &returned, e);
	error_unchanged(c, ret, before, &ring);
	if (!ret)
		*got = published_result(c, before, &ring, w.start, returned);
out:
	free(before);
	free(ring.data);
	free_payloads(req, w.n_required);
	free_payloads(look, w.n_lookahead);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Readers                                                             */

static int k_read_debug_log(struct vv_case *c, json_t **got, struct vy_err *e)
{
	struct vy_debug_log_view v;
	struct vy_debug_record r;
	enum vy_read_mode mode;
	struct vv_bytes b;
	json_t *recs;
	uint32_t i;
	int ret;

	if (read_mode(c->input, &mode) ||
	    vv_sparse(json_object_get(c->input, "debug"), &b))
		return vv_bad_input(e, "mode/debug");
	ret = vy_debug_log_parse(b.data, b.len, mode, &v, e);
	if (ret) {
		free(b.data);
		return ret;
	}
	recs = json_array();
	for (i = 0; i < v.stored; i++) {
		vy_debug_log_record(b.data, i, &r);
		json_array_append_new(recs, json_pack("[IIII]",
			(json_int_t)r.fmt_id, (json_int_t)r.args[0],
			(json_int_t)r.args[1], (json_int_t)r.args[2]));
	}
	*got = json_pack("{sosI}", "records", recs, "dropped",
			 (json_int_t)v.dropped);
	free(b.data);
	return 0;
}

static int k_read_control(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const char *reader = json_string_value(json_object_get(c->input,
							       "reader"));
	uint32_t v = 0, idx = 0, m[VY_CTL_METRICS_SLOTS], i;
	enum vy_read_mode mode;
	struct vv_bytes b;
	json_t *list;
	int ret = 0;

	if (!reader || read_mode(c->input, &mode) ||
	    vv_member_u32(c->input, "index", 0, &idx) ||
	    vv_sparse(json_object_get(c->input, "control"), &b))
		return vv_bad_input(e, "reader/mode/index/control");
	if (!strcmp(reader, "metrics")) {
		ret = vy_read_metrics(b.data, b.len, mode, m, e);
		if (!ret) {
			list = json_array();
			for (i = 0; i < VY_CTL_METRICS_SLOTS; i++)
				if (m[i])
					json_array_append_new(list,
						json_pack("[II]", (json_int_t)i,
							  (json_int_t)m[i]));
			*got = json_pack("{so}", "value", list);
		}
		free(b.data);
		return ret;
	}
	if (!strcmp(reader, "done_count"))
		ret = mode == VY_READ_STRICT ?
		      vy_read_done_count(b.data, b.len, &v, e) :
		      (v = vy_read_done_count_or_zero(b.data, b.len), 0);
	else if (!strcmp(reader, "epoch"))
		ret = mode == VY_READ_STRICT ?
		      vy_read_epoch(b.data, b.len, &v, e) :
		      (v = vy_read_epoch_or_zero(b.data, b.len), 0);
	else if (!strcmp(reader, "observable"))
		ret = mode == VY_READ_STRICT ?
		      vy_read_observable(b.data, b.len, idx, &v, e) :
		      (v = vy_read_observable_or_zero(b.data, b.len, idx), 0);
	else
		ret = vv_bad_input(e, "reader");
	free(b.data);
	if (ret)
		return ret;
	*got = json_pack("{sI}", "value", (json_int_t)v);
	return 0;
}

static int k_count_done_ring_slots(struct vv_case *c, json_t **got,
				   struct vy_err *e)
{
	enum vy_read_mode mode;
	struct vv_bytes b;
	uint32_t n, v = 0;
	int ret;

	if (read_mode(c->input, &mode) || need_u32(c->input, "item_count", &n) ||
	    vv_ring(json_object_get(c->input, "ring"), &b))
		return vv_bad_input(e, "mode/item_count/ring");
	if (mode == VY_READ_STRICT) {
		ret = vy_count_done_ring_slots(b.data, b.len, n, &v, e);
		free(b.data);
		if (ret)
			return ret;
		*got = json_pack("{sI}", "value", (json_int_t)v);
		return 0;
	}
	ret = vy_count_done_ring_slots_lenient(b.data, b.len, n, &v);
	free(b.data);
	*got = json_pack("{so}", "value",
			 ret ? json_integer(v) : json_null());
	return 0;
}

/* ------------------------------------------------------------------ */
/* IO queue                                                            */

static json_t *io_requests_json(const struct vy_io_request *r, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack(
			"{sIsIsIsIsosIsI}", "slot_idx", (json_int_t)r[i].slot_idx,
			"op_type", (json_int_t)r[i].op_type, "src_handle",
			(json_int_t)r[i].src_handle, "dst_handle",
			(json_int_t)r[i].dst_handle, "offset",
			vv_u64(r[i].offset), "byte_count",
			(json_int_t)r[i].byte_count, "tag",
			(json_int_t)r[i].tag));
	return a;
}

static json_t *io_error_json(int ret, const struct vy_err *e)
{
	char tmp[VY_ERR_MSG_MAX + 64];

	snprintf(tmp, sizeof(tmp), "%s: %s", vy_err_name(ret), e->msg);
	return json_pack("{ss}", "error", tmp);
}

/* Argument @i (1-based after the op name) of @op as u32. */
static int op_u32(const json_t *op, size_t i, uint32_t *out)
{
	uint64_t v;

	if (vv_get_u64(json_array_get(op, i), &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Run one io_queue op; *res = its result.  -1 on malformed input. */
static int io_op(struct vv_case *c, struct vv_bytes *q, const json_t *op,
		 json_t **res)
{
	const char *name = json_string_value(json_array_get(op, 0));
	struct vy_io_request reqs[VY_IO_SLOT_COUNT];
	struct vy_io_completion comp;
	struct vy_err e;
	uint32_t a[5];
	size_t n, i;
	uint8_t *before;
	int ret;

	if (!name)
		return -1;
	before = dup_bytes(q);
	if (!before)
		return -1;
	vy_err_clear(&e);
	*res = NULL;
	if (!strcmp(name, "poll") || !strcmp(name, "claim")) {
		ret = !strcmp(name, "poll") ?
		      vy_io_poll(q->data, q->len, reqs, VY_IO_SLOT_COUNT, &n, &e) :
		      vy_io_claim(q->data, q->len, reqs, VY_IO_SLOT_COUNT, &n,
				  &e);
		if (!ret)
			*res = io_requests_json(reqs, n);
	} else if (!strcmp(name, "complete")) {
		if (op_u32(op, 1, &a[0]) ||
		    !json_is_boolean(json_array_get(op, 2)))
			goto bad;
		ret = vy_io_complete(q->data, q->len, a[0],
				     json_is_true(json_array_get(op, 2)), &e);
	} else if (!strcmp(name, "complete_batch")) {
		const json_t *list = json_array_get(op, 1), *it;
		struct vy_io_completion_entry *ents;

		if (!json_is_array(list))
			goto bad;
		ents = calloc(json_array_size(list) + 1, sizeof(*ents));
		if (!ents)
			goto bad;
		json_array_foreach(list, i, it) {
			if (op_u32(it, 0, &ents[i].slot) ||
			    !json_is_boolean(json_array_get(it, 1))) {
				free(ents);
				goto bad;
			}
			ents[i].success = json_is_true(json_array_get(it, 1));
		}
		ret = vy_io_complete_batch(q->data, q->len, ents,
					   json_array_size(list), &e);
		free(ents);
	} else if (!strcmp(name, "publish")) {
		for (i = 0; i < 4; i++)
			if (op_u32(op, i + 1, &a[i]))
				goto bad;
		ret = vy_io_publish(q->data, q->len, a[0], a[1], a[2], a[3], &e);
	} else if (!strcmp(name, "submit_dma_read")) {
		for (i = 0; i < 5; i++)
			if (op_u32(op, i + 1, &a[i]))
				goto bad;
		ret = vy_io_submit_dma_read(q->data, q->len, a[0], a[1], a[2],
					    a[3], a[4], &e);
	} else if (!strcmp(name, "completion")) {
		if (op_u32(op, 1, &a[0]))
			goto bad;
		ret = vy_io_completion(q->data, q->len, a[0], &comp, &e);
		if (ret == 1)
			*res = json_pack("{sIsIsI}", "mapped_slot",
					 (json_int_t)comp.mapped_slot,
					 "byte_count",
					 (json_int_t)comp.byte_count, "tag",
					 (json_int_t)comp.tag);
		else if (ret == 0)
			*res = json_null();
		if (ret > 0)
			ret = 0;
	} else if (!strcmp(name, "is_recycled")) {
		if (op_u32(op, 1, &a[0]))
			goto bad;
		ret = vy_io_is_recycled(q->data, q->len, a[0], &e);
		if (ret >= 0)
			*res = json_boolean(ret == 1);
		if (ret > 0)
			ret = 0;
	} else {
		goto bad;
	}
	if (ret < 0) {
		if (memcmp(before, q->data, q->len))
			vv_mismatch(c, name, "queue unchanged after error",
				    "modified");
		json_decref(*res);
		*res = io_error_json(ret, &e);
	} else if (!*res) {
		*res = json_string("ok");
	}
	free(before);
	return 0;
bad:
	free(before);
	return -1;
}

/* Length of the code part of "E_CODE: text". */
static size_t code_len(const char *s)
{
	return strcspn(s, ":");
}

/*
 * An error result matches when its code matches (README 3.1: "compare the
 * code only"); put the expected text in place so the runner's exact
 * comparison sees equal values.
 */
static void io_match_codes(const json_t *expected, json_t *results)
{
	const json_t *exp = json_object_get(expected, "results");
	json_t *r;
	size_t i;

	json_array_foreach(results, i, r) {
		const char *es = json_string_value(json_object_get(
			json_array_get(exp, i), "error"));
		const char *gs = json_string_value(json_object_get(r, "error"));

		if (es && gs && code_len(es) == code_len(gs) &&
		    !strncmp(es, gs, code_len(es)))
			json_object_set_new(r, "error", json_string(es));
	}
}

static int k_io_queue(struct vv_case *c, json_t **got, struct vy_err *e)
{
	const json_t *ops = json_object_get(c->input, "ops"), *op;
	json_t *results, *res;
	struct vv_bytes q;
	size_t i;

	if (!json_is_array(ops) ||
	    vv_sparse(json_object_get(c->input, "queue"), &q))
		return vv_bad_input(e, "queue/ops");
	results = json_array();
	json_array_foreach(ops, i, op) {
		if (io_op(c, &q, op, &res)) {
			json_decref(results);
			free(q.data);
			return vv_bad_input(e, "io op");
		}
		json_array_append_new(results, res);
	}
	if (c->expected)
		io_match_codes(c->expected, results);
	*got = json_pack("{soso}", "results", results, "queue",
			 vv_sparse_json(q.data, q.len));
	free(q.data);
	return 0;
}

/* ------------------------------------------------------------------ */
/* LOAD_MISS                                                           */

static int k_encode_load_miss(struct vv_case *c, json_t **got,
			      struct vy_err *e)
{
	const json_t *pf = json_object_get(c->input, "prefetch");
	uint8_t slot[VY_SLOT_BYTES];
	uint32_t rid;

	if (need_u32(c->input, "resource_id", &rid) || !json_is_boolean(pf))
		return vv_bad_input(e, "resource_id/prefetch");
	vy_encode_load_miss(rid, json_is_true(pf), slot);
	*got = json_pack("{so}", "words", slot_words_json(slot, 0));
	return 0;
}

static int k_decode_load_miss(struct vv_case *c, json_t **got,
			      struct vy_err *e)
{
	struct vv_bytes b;
	uint64_t slot;
	uint32_t rid;
	bool pf;

	if (vv_member_u64(c->input, "slot", 0, &slot) ||
	    vv_ring(json_object_get(c->input, "ring"), &b))
		return vv_bad_input(e, "slot/ring");
	if (vy_decode_load_miss(b.data, b.len, slot, &rid, &pf))
		*got = json_pack("{s[Ib]}", "value", (json_int_t)rid, pf);
	else
		*got = json_pack("{so}", "value", json_null());
	free(b.data);
	return 0;
}

VV_KIND("byte_len", k_byte_len)
VV_KIND("encode_control", k_encode_control)
VV_KIND("encode_empty_ring", k_encode_empty_ring)
VV_KIND("encode_empty_debug_log", k_encode_empty_debug_log)
VV_KIND("encode_empty_io_queue", k_encode_empty_io_queue)
VV_KIND("priority_offsets", k_priority_offsets)
VV_KIND("priority_probe", k_priority_probe)
VV_KIND("validate_buffer", k_validate_buffer)
VV_KIND("dispatch_validate", k_dispatch_validate)
VV_KIND("readback_validate", k_readback_validate)
VV_KIND("bootstrap_geometry", k_bootstrap_geometry)
VV_KIND("validate_opcode", k_validate_opcode)
VV_KIND("publish_slot", k_publish_slot)
VV_KIND("batch_publish", k_batch_publish)
VV_KIND("publish_packed_slot", k_publish_packed_slot)
VV_KIND("publish_work_items", k_publish_work_items)
VV_KIND("encode_work_items_ring", k_encode_work_items_ring)
VV_KIND("publish_window", k_publish_window)
VV_KIND("read_debug_log", k_read_debug_log)
VV_KIND("read_control", k_read_control)
VV_KIND("count_done_ring_slots", k_count_done_ring_slots)
VV_KIND("io_queue", k_io_queue)
VV_KIND("encode_load_miss", k_encode_load_miss)
VV_KIND("decode_load_miss", k_decode_load_miss)
