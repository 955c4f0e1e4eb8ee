/* SPDX-License-Identifier: MIT */
/*
 * desc.c - build snapshots from a vyre-mkdump description.
 *
 * The control buffer starts from the protocol encoder (encode_control plus
 * the default priority offsets), so an empty description already gives
 * the canonical fresh state; the description then only says what differs.
 * Slot, debug and IO values are not checked for meaning: the tool must be
 * able to make any state a buffer can hold, including the odd ones that
 * tests need.  Every error names the JSON path of the offending value.
 */
#include "desc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/protocol.h"
#include <inttypes.h>

#include "wire/util.h"

#define PATH_MAX_LEN 160

static int bad(struct vy_err *e, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct vy_err *e, const char *path, const char *fmt, ...)
{
	char msg[VY_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vy_errf(e, VY_E_FORMAT, "see vyre-mkdump(1), DESCRIPTION",
		       "%s: %s", path, msg);
}

/* Paths longer than PATH_MAX_LEN are cut; they only appear in messages. */
static void sub(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATH_MAX_LEN, "%s.%s", path, key) >= PATH_MAX_LEN)
		out[PATH_MAX_LEN - 1] = '\0';
}

static void idx(char *out, const char *path, size_t i)
{
	if (snprintf(out, PATH_MAX_LEN, "%s[%zu]", path, i) >= PATH_MAX_LEN)
		out[PATH_MAX_LEN - 1] = '\0';
}

/* Unsigned integer: a JSON integer, or a string "123" / "0x7b". */
static int get_u64(const json_t *v, const char *path, uint64_t max,
		   uint64_t *out, struct vy_err *e)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || (uint64_t)i > max)
			return bad(e, path, "%lld is outside 0..%llu",
				   (long long)i, (unsigned long long)max);
		*out = (uint64_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		if (vy_parse_u64(json_string_value(v), max, 0, out))
			return bad(e, path, "'%s' is not a number in 0..%llu",
				   json_string_value(v),
				   (unsigned long long)max);
		return 0;
	}
	return bad(e, path, "expected an unsigned integer");
}

static int get_u32(const json_t *v, const char *path, uint32_t *out,
		   struct vy_err *e)
{
	uint64_t x;
	int ret = get_u64(v, path, UINT32_MAX, &x, e);

	if (!ret)
		*out = (uint32_t)x;
	return ret;
}

/* Optional member @key of @o as u32; *@out keeps its default if absent. */
static int opt_u32(const json_t *o, const char *path, const char *key,
		   uint32_t *out, struct vy_err *e)
{
	char p[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	sub(p, path, key);
	return get_u32(v, p, out, e);
}

static int opt_bool(const json_t *o, const char *path, const char *key,
		    int *out, struct vy_err *e)
{
	char p[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, key);

	if (!v)
		return 0;
	sub(p, path, key);
	if (!json_is_boolean(v))
		return bad(e, p, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

/* Every key of @o must be in @known (NULL-terminated). */
static int check_keys(const json_t *o, const char *path,
		      const char *const *known, struct vy_err *e)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(o))
		return bad(e, path, "expected an object");
	json_object_foreach((json_t *)o, key, v) {
		for (i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				break;
		if (!known[i]) {
			char list[200] = "";

			for (i = 0; known[i]; i++) {
				if (i)
					strncat(list, ", ",
						sizeof(list) - strlen(list) - 1);
				strncat(list, known[i],
					sizeof(list) - strlen(list) - 1);
			}
			return bad(e, path, "unknown key '%s' (known: %s)", key,
				   list);
		}
	}
	return 0;
}

/* A name or a number, through @parse; @what names the kind in messages. */
static int get_named(const json_t *v, const char *path, const char *what,
		     int (*parse)(const char *, uint32_t *), uint32_t *out,
		     struct vy_err *e)
{
	if (json_is_string(v)) {
		if (parse(json_string_value(v), out))
			return bad(e, path, "unknown %s '%s'", what,
				   json_string_value(v));
		return 0;
	}
	return get_u32(v, path, out, e);
}

static int status_parse(const char *s, uint32_t *out)
{
	return vy_slot_status_parse(s, out);
}

static int opcode_parse(const char *s, uint32_t *out)
{
	return vy_opcode_parse(s, out);
}

static int io_status_parse(const char *s, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t v;
	} names[] = {
		{ "empty", VY_IO_STATUS_EMPTY },
		{ "published", VY_IO_STATUS_PUBLISHED },
		{ "claimed", VY_IO_STATUS_CLAIMED },
		{ "done", VY_IO_STATUS_DONE },
		{ "ok", VY_IO_STATUS_OK },
		{ "error", VY_IO_STATUS_ERROR },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < VY_ARRAY_SIZE(names); i++) {
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].v;
			return 0;
		}
	}
	if (vy_parse_u64(s, UINT32_MAX, 0, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int io_op_parse(const char *s, uint32_t *out)
{
	uint64_t v;

	if (!strcasecmp(s, "read"))
		*out = VY_IO_OP_READ;
	else if (!strcasecmp(s, "write"))
		*out = VY_IO_OP_WRITE;
	else if (!strcasecmp(s, "fence"))
		*out = VY_IO_OP_FENCE;
	else if (vy_parse_u64(s, UINT32_MAX, 0, &v))
		return -1;
	else
		*out = (uint32_t)v;
	return 0;
}

/* An array of at most @max u32 values into @out; *@n = count. */
static int get_u32_array(const json_t *v, const char *path, size_t max,
			 uint32_t *out, size_t *n, struct vy_err *e)
{
	char p[PATH_MAX_LEN];
	size_t i;
	int ret;

	if (!json_is_array(v))
		return bad(e, path, "expected an array of integers");
	if (json_array_size(v) > max)
		return bad(e, path, "%zu values, at most %zu allowed",
			   json_array_size(v), max);
	for (i = 0; i < json_array_size(v); i++) {
		idx(p, path, i);
		ret = get_u32(json_array_get(v, i), p, &out[i], e);
		if (ret)
			return ret;
	}
	*n = json_array_size(v);
	return 0;
}

/* Wrap a protocol encoder error with the description path. */
static int proto_err(struct vy_err *e, const char *path, int code,
		     const struct vy_err *pe)
{
	if (code == VY_E_NOMEM)
		return vy_errf(e, code, NULL, "%s", pe->msg);
	return bad(e, path, "%s", pe->msg);
}

struct geo_in {
	uint32_t slots, obs, tenants, wgx, wgs;
	int shutdown, prio;
};

static int build_control(const json_t *o, const char *path,
			 const struct geo_in *g, struct mk_snap *ms,
			 struct vy_err *e)
{
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	const json_t *words = json_object_get(o, "control_words");
	struct vy_err pe;
	uint8_t *buf;
	size_t len, i;
	int ret;

	sub(p, path, "observable_slots");
	ret = vy_encode_control(g->shutdown, g->tenants, g->obs, &buf, &len,
				&pe);
	if (ret)
		return proto_err(e, p, ret, &pe);
	ms->bufs[VY_BUF_CONTROL] = buf;
	if (g->prio)
		vy_write_default_priority_offsets(buf, len, g->slots, NULL);
	if (!words)
		goto out;
	sub(p, path, "control_words");
	if (!json_is_array(words))
		return bad(e, p, "expected an array of [word, value] pairs");
	for (i = 0; i < json_array_size(words); i++) {
		const json_t *pair = json_array_get(words, i);
		uint32_t w, v;

		idx(q, p, i);
		if (!json_is_array(pair) || json_array_size(pair) != 2)
			return bad(e, q, "expected a [word, value] pair");
		ret = get_u32(json_array_get(pair, 0), q, &w, e);
		if (!ret)
			ret = get_u32(json_array_get(pair, 1), q, &v, e);
		if (ret)
			return ret;
		if (w >= len / 4)
			return bad(e, q, "word %u is outside the control "
				   "buffer of %zu words", w, len / 4);
		vy_set_word(buf, w, v);
	}
out:
	vy_snapshot_set_buf(&ms->snap, VY_BUF_CONTROL, buf, len);
	return 0;
}

static int build_ring(const json_t *o, const char *path,
		      const struct geo_in *g, struct mk_snap *ms,
		      struct vy_err *e)
{
	static const char *const keys[] = {
		"index", "status", "opcode", "tenant", "priority", "args", NULL,
	};
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
	const json_t *slots = json_object_get(o, "ring");
	struct vy_err pe;
	uint8_t *buf, *seen = NULL;
	size_t len, i, n;
	uint32_t next = 0;
	int ret;

	sub(p, path, "slot_count");
	ret = vy_encode_empty_ring(g->slots, &buf, &len, &pe);
	if (ret)
		return proto_err(e, p, ret, &pe);
	ms->bufs[VY_BUF_RING] = buf;
	vy_snapshot_set_buf(&ms->snap, VY_BUF_RING, buf, len);
	if (!slots)
		return 0;
	sub(p, path, "ring");
	if (!json_is_array(slots))
		return bad(e, p, "expected an array of slot objects");
	seen = calloc(g->slots ? g->slots : 1, 1);
	if (!seen)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (i = 0; i < json_array_size(slots); i++) {
		const json_t *s = json_array_get(slots, i);
		uint32_t index = next, status = VY_STATUS_PUBLISHED;
		uint32_t op = VY_OP_NOP, tenant = 0, prio = VY_PRIO_NORMAL;
		uint32_t args[VY_SLOT_ARGS] = { 0 };
		const json_t *v;
		uint8_t *slot;
		size_t k;

		idx(q, p, i);
		ret = check_keys(s, q, keys, e);
		if (!ret)
			ret = opt_u32(s, q, "index", &index, e);
		if (!ret && (v = json_object_get(s, "status"))) {
			sub(r, q, "status");
			ret = get_named(v, r, "slot status", status_parse,
					&status, e);
		}
		if (!ret && (v = json_object_get(s, "opcode"))) {
			sub(r, q, "opcode");
			ret = get_named(v, r, "opcode", opcode_parse, &op, e);
		}
		if (!ret)
			ret = opt_u32(s, q, "tenant", &tenant, e);
		if (!ret)
			ret = opt_u32(s, q, "priority", &prio, e);
		if (!ret && (v = json_object_get(s, "args"))) {
			sub(r, q, "args");
			ret = get_u32_array(v, r, VY_SLOT_ARGS, args, &n, e);
		}
		if (ret)
			goto out;
		if (index >= g->slots) {
			sub(r, q, "index");
			ret = bad(e, r, "slot %u is outside the ring of %u "
				  "slots", index, g->slots);
			goto out;
		}
		if (seen[index]) {
			sub(r, q, "index");
			ret = bad(e, r, "slot %u is described twice", index);
			goto out;
		}
		seen[index] = 1;
		slot = buf + (size_t)index * VY_SLOT_BYTES;
		vy_set_word(slot, VY_SLOT_STATUS_WORD, status);
		vy_set_word(slot, VY_SLOT_OPCODE_WORD, op);
		vy_set_word(slot, VY_SLOT_TENANT_WORD, tenant);
		vy_set_word(slot, VY_SLOT_PRIORITY_WORD, prio);
		for (k = 0; k < VY_SLOT_ARGS; k++)
			vy_set_word(slot, VY_SLOT_ARG0_WORD + k, args[k]);
		next = index + 1;
	}
out:
	free(seen);
	return ret;
}

static int build_debug(const json_t *o, const char *path, struct mk_snap *ms,
		       struct vy_err *e)
{
	static const char *const keys[] = { "capacity", "cursor", "records",
					    NULL };
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	const json_t *d = json_object_get(o, "debug");
	const json_t *recs = NULL;
	uint32_t cap = VY_DEBUG_RECORD_CAPACITY, cursor;
	struct vy_err pe;
	uint8_t *buf;
	size_t len, i, n = 0;
	int ret;

	sub(p, path, "debug");
	if (d) {
		ret = check_keys(d, p, keys, e);
		if (!ret)
			ret = opt_u32(d, p, "capacity", &cap, e);
		if (ret)
			return ret;
		recs = json_object_get(d, "records");
	}
	sub(q, p, "capacity");
	ret = vy_encode_empty_debug_log(cap, &buf, &len, &pe);
	if (ret)
		return proto_err(e, q, ret, &pe);
	ms->bufs[VY_BUF_DEBUG_LOG] = buf;
	vy_snapshot_set_buf(&ms->snap, VY_BUF_DEBUG_LOG, buf, len);
	if (recs) {
		sub(q, p, "records");
		if (!json_is_array(recs))
			return bad(e, q, "expected an array of records");
		n = json_array_size(recs);
		if (n > cap)
			return bad(e, q, "%zu records do not fit the capacity "
				   "of %u", n, cap);
		for (i = 0; i < n; i++) {
			char r[PATH_MAX_LEN];
			uint32_t w[VY_DEBUG_RECORD_WORDS] = { 0 };
			size_t k, got;

			idx(r, q, i);
			ret = get_u32_array(json_array_get(recs, i), r,
					    VY_DEBUG_RECORD_WORDS, w, &got, e);
			if (ret)
				return ret;
			for (k = 0; k < VY_DEBUG_RECORD_WORDS; k++)
				vy_set_word(buf, VY_DEBUG_RECORDS_BASE +
						 i * VY_DEBUG_RECORD_WORDS + k,
					    w[k]);
		}
	}
	cursor = (uint32_t)(n * VY_DEBUG_RECORD_WORDS);
	if (d) {
		ret = opt_u32(d, p, "cursor", &cursor, e);
		if (ret)
			return ret;
	}
	vy_set_word(buf, VY_DEBUG_CURSOR_WORD, cursor);
	return 0;
}

static int build_io(const json_t *o, const char *path, struct mk_snap *ms,
		    struct vy_err *e)
{
	static const char *const keys[] = { "slots", "entries", NULL };
	static const char *const ekeys[] = {
		"index", "op", "src", "dst", "offset", "bytes", "status", "tag",
		NULL,
	};
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
	const json_t *io = json_object_get(o, "io");
	const json_t *ents = NULL;
	uint32_t nslots = VY_IO_SLOT_COUNT, next = 0;
	uint64_t seen = 0;
	uint8_t *buf = NULL;
	size_t len, i;
	int ret;

	sub(p, path, "io");
	if (io) {
		ret = check_keys(io, p, keys, e);
		if (!ret)
			ret = opt_u32(io, p, "slots", &nslots, e);
		if (ret)
			return ret;
		ents = json_object_get(io, "entries");
	}
	if (nslots > VY_IO_SLOT_COUNT) {
		sub(q, p, "slots");
		return bad(e, q, "%u IO slots is over the 64-slot window",
			   nslots);
	}
	/* 0 slots is a valid (empty) queue, though the encoder refuses it */
	len = (size_t)nslots * VY_IO_SLOT_BYTES;
	if (len) {
		buf = calloc(1, len);
		if (!buf)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	ms->bufs[VY_BUF_IO_QUEUE] = buf;
	vy_snapshot_set_buf(&ms->snap, VY_BUF_IO_QUEUE, buf, len);
	if (!ents)
		return 0;
	sub(q, p, "entries");
	if (!json_is_array(ents))
		return bad(e, q, "expected an array of IO entries");
	for (i = 0; i < json_array_size(ents); i++) {
		const json_t *en = json_array_get(ents, i);
		uint32_t index = next, op = VY_IO_OP_READ, src = 0, dst = 0;
		uint32_t bytes = 0, status = VY_IO_STATUS_PUBLISHED, tag = 0;
		uint64_t offset = 0;
		const json_t *v;
		uint8_t *s;

		idx(r, q, i);
		ret = check_keys(en, r, ekeys, e);
		if (!ret)
			ret = opt_u32(en, r, "index", &index, e);
		if (!ret && (v = json_object_get(en, "op"))) {
			char t[PATH_MAX_LEN];

			sub(t, r, "op");
			ret = get_named(v, t, "IO op", io_op_parse, &op, e);
		}
		if (!ret)
			ret = opt_u32(en, r, "src", &src, e);
		if (!ret)
			ret = opt_u32(en, r, "dst", &dst, e);
		if (!ret && (v = json_object_get(en, "offset"))) {
			char t[PATH_MAX_LEN];

			sub(t, r, "offset");
			ret = get_u64(v, t, UINT64_MAX, &offset, e);
		}
		if (!ret)
			ret = opt_u32(en, r, "bytes", &bytes, e);
		if (!ret && (v = json_object_get(en, "status"))) {
			char t[PATH_MAX_LEN];

			sub(t, r, "status");
			ret = get_named(v, t, "IO status", io_status_parse,
					&status, e);
		}
		if (!ret)
			ret = opt_u32(en, r, "tag", &tag, e);
		if (ret)
			return ret;
		if (index >= nslots)
			return bad(e, r, "IO slot %u is outside the queue of "
				   "%u slots", index, nslots);
		if (seen & (1ULL << index))
			return bad(e, r, "IO slot %u is described twice",
				   index);
		seen |= 1ULL << index;
		s = buf + (size_t)index * VY_IO_SLOT_BYTES;
		vy_set_word(s, VY_IO_OP_TYPE_WORD, op);
		vy_set_word(s, VY_IO_SRC_HANDLE_WORD, src);
		vy_set_word(s, VY_IO_DST_HANDLE_WORD, dst);
		vy_set_word(s, VY_IO_OFFSET_LO_WORD, (uint32_t)offset);
		vy_set_word(s, VY_IO_OFFSET_HI_WORD, (uint32_t)(offset >> 32));
		vy_set_word(s, VY_IO_BYTE_COUNT_WORD, bytes);
		vy_set_word(s, VY_IO_STATUS_WORD, status);
		vy_set_word(s, VY_IO_TAG_WORD, tag);
		next = index + 1;
	}
	return 0;
}

/* "sections": which buffers to include; a bit per VY_BUF_*. */
static int get_sections(const json_t *o, const char *path, unsigned *mask,
			struct vy_err *e)
{
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, "sections");
	size_t i;

	*mask = (1u << VY_BUF_COUNT) - 1;
	if (!v)
		return 0;
	sub(p, path, "sections");
	if (!json_is_array(v))
		return bad(e, p, "expected an array of buffer names");
	*mask = 0;
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *s = json_array_get(v, i);
		enum vy_buffer_index b;

		idx(q, p, i);
		if (!json_is_string(s) ||
		    vy_buf_parse(json_string_value(s), &b, NULL))
			return bad(e, q, "expected one of \"control\", "
				   "\"ring\", \"debug\", \"io\"");
		if (*mask & (1u << b))
			return bad(e, q, "\"%s\" is listed twice",
				   json_string_value(s));
		*mask |= 1u << b;
	}
	return 0;
}

/* One "lines" entry: [SLOT, LINE] or "SLOT:LINE". */
static int run_line(const json_t *v, const char *path, uint32_t slots,
		    uint32_t *slot, uint32_t *line, struct vy_err *e)
{
	char q[PATH_MAX_LEN];
	int ret;

	if (json_is_array(v) && json_array_size(v) == 2) {
		idx(q, path, 0);
		ret = get_u32(json_array_get(v, 0), q, slot, e);
		idx(q, path, 1);
		if (!ret)
			ret = get_u32(json_array_get(v, 1), q, line, e);
	} else if (json_is_string(v) && strchr(json_string_value(v), ':')) {
		char tmp[64];
		char *colon;
		uint64_t a, b;

		snprintf(tmp, sizeof(tmp), "%s", json_string_value(v));
		colon = strchr(tmp, ':');
		*colon = '\0';
		if (vy_parse_u64(tmp, UINT32_MAX, 0, &a) ||
		    vy_parse_u64(colon + 1, UINT32_MAX, 0, &b))
			return bad(e, path, "'%s' is not SLOT:LINE",
				   json_string_value(v));
		*slot = (uint32_t)a;
		*line = (uint32_t)b;
		ret = 0;
	} else {
		return bad(e, path, "expected [SLOT, LINE] or \"SLOT:LINE\"");
	}
	if (!ret && *slot >= slots)
		return bad(e, path, "slot %" PRIu32 " is outside the %" PRIu32
			   "-slot ring", *slot, slots);
	return ret;
}

/* The run section: {"end", "exit_status", "start_ns", "wall_ns", "tool",
 * "cmdline", "work", "lines"}. */
static int build_run(const json_t *o, const char *path, uint32_t slots,
		     struct mk_snap *ms, struct vy_err *e)
{
	static const char *const keys[] = {
		"end", "exit_status", "start_ns", "wall_ns", "tool",
		"cmdline", "work", "lines", NULL,
	};
	static const char *const strs[] = { "tool", "cmdline", "work" };
	struct vy_dump_run *r = &ms->snap.run;
	const char **dst[3] = { &r->tool, &r->cmdline, &r->work };
	uint32_t *lens[3] = { &r->tool_len, &r->cmdline_len, &r->work_len };
	char p[PATH_MAX_LEN];
	const json_t *v;
	size_t total = 0, at = 0, i;
	int ret;

	if (!json_is_object(o))
		return bad(e, path, "expected an object");
	ret = check_keys(o, path, keys, e);
	if (ret)
		return ret;
	r->present = 1;
	r->end = VY_RUN_OK;
	if ((v = json_object_get(o, "end"))) {
		sub(p, path, "end");
		if (!json_is_string(v) ||
		    vy_dump_run_end_parse(json_string_value(v), &r->end))
			return bad(e, p, "expected running, ok, timeout, stall, "
				   "signal, device_error or kernel_exit");
	}
	ret = opt_u32(o, path, "exit_status", &r->exit_status, e);
	if (!ret && (v = json_object_get(o, "start_ns"))) {
		sub(p, path, "start_ns");
		ret = get_u64(v, p, UINT64_MAX, &r->start_ns, e);
	}
	if (!ret && (v = json_object_get(o, "wall_ns"))) {
		sub(p, path, "wall_ns");
		ret = get_u64(v, p, UINT64_MAX, &r->wall_ns, e);
	}
	if (ret)
		return ret;
	for (i = 0; i < 3; i++) {
		v = json_object_get(o, strs[i]);
		if (!v)
			continue;
		sub(p, path, strs[i]);
		if (!json_is_string(v) ||
		    json_string_length(v) > VY_DUMP_RUN_STR_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return bad(e, p, "expected a string of at most %d "
				   "bytes without NUL", VY_DUMP_RUN_STR_MAX);
		total += json_string_length(v);
	}
	ms->run_strs = malloc(total + 1);
	if (!ms->run_strs)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	for (i = 0; i < 3; i++) {
		v = json_object_get(o, strs[i]);
		*dst[i] = ms->run_strs + at;
		*lens[i] = v ? (uint32_t)json_string_length(v) : 0;
		if (v)
			memcpy(ms->run_strs + at, json_string_value(v),
			       *lens[i]);
		at += *lens[i];
	}
	if ((v = json_object_get(o, "lines"))) {
		sub(p, path, "lines");
		if (!json_is_array(v))
			return bad(e, p, "expected an array of [SLOT, LINE]");
		ms->run_lines = calloc(slots ? slots : 1, 4);
		if (!ms->run_lines)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		for (i = 0; i < json_array_size(v); i++) {
			char q[PATH_MAX_LEN];
			uint32_t slot = 0, line = 0;

			idx(q, p, i);
			ret = run_line(json_array_get(v, i), q, slots, &slot,
				       &line, e);
			if (ret)
				return ret;
			vy_put_le32(ms->run_lines + (size_t)slot * 4, line);
		}
		r->lines = ms->run_lines;
		r->line_count = slots;
	}
	return 0;
}

static int build_snap(const json_t *o, const char *path, size_t index,
		      struct mk_snap *ms, struct vy_err *e)
{
	static const char *const keys[] = {
		"slot_count", "observable_slots", "tenant_count",
		"workgroup_size_x", "workgroups", "shutdown",
		"priority_offsets", "capture_ns", "sequence", "device",
		"sections", "control_words", "ring", "debug", "io", "run",
		NULL,
	};
	char p[PATH_MAX_LEN];
	struct geo_in g = {
		.slots = VY_BOOTSTRAP_SLOTS, .obs = 0, .tenants = 1,
		.shutdown = 0, .prio = 1,
	};
	struct vy_snapshot *s = &ms->snap;
	const json_t *v;
	unsigned mask;
	int ret;

	vy_snapshot_init(s);
	ret = check_keys(o, path, keys, e);
	if (!ret)
		ret = opt_u32(o, path, "slot_count", &g.slots, e);
	if (!ret)
		ret = opt_u32(o, path, "observable_slots", &g.obs, e);
	if (!ret)
		ret = opt_u32(o, path, "tenant_count", &g.tenants, e);
	if (!ret)
		ret = opt_bool(o, path, "shutdown", &g.shutdown, e);
	if (!ret)
		ret = opt_bool(o, path, "priority_offsets", &g.prio, e);
	if (ret)
		return ret;
	g.wgx = g.slots && g.slots < VY_BOOTSTRAP_WORKGROUP ?
			g.slots : VY_BOOTSTRAP_WORKGROUP;
	ret = opt_u32(o, path, "workgroup_size_x", &g.wgx, e);
	if (ret)
		return ret;
	g.wgs = g.wgx ? (uint32_t)(((uint64_t)g.slots + g.wgx - 1) / g.wgx) :
			0;
	if (!g.wgs)
		g.wgs = 1;
	ret = opt_u32(o, path, "workgroups", &g.wgs, e);
	if (ret)
		return ret;
	s->sequence = index;
	if ((v = json_object_get(o, "sequence"))) {
		sub(p, path, "sequence");
		ret = get_u64(v, p, UINT64_MAX, &s->sequence, e);
		if (ret)
			return ret;
	}
	if ((v = json_object_get(o, "capture_ns"))) {
		sub(p, path, "capture_ns");
		if (json_is_string(v) && !strcmp(json_string_value(v), "now"))
			s->capture_ns = vy_wall_ns();
		else if ((ret = get_u64(v, p, UINT64_MAX, &s->capture_ns, e)))
			return ret;
	}
	if ((v = json_object_get(o, "device"))) {
		sub(p, path, "device");
		if (!json_is_string(v))
			return bad(e, p, "expected a string");
		if (!json_string_length(v) ||
		    json_string_length(v) > VY_DUMP_DEVICE_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return bad(e, p, "a device name has 1 to %d bytes "
				   "and no NUL", VY_DUMP_DEVICE_MAX);
		memcpy(s->device, json_string_value(v), json_string_length(v));
		s->device[json_string_length(v)] = '\0';
	}
	ret = get_sections(o, path, &mask, e);
	if (ret)
		return ret;
	if (mask & (1u << VY_BUF_CONTROL))
		ret = build_control(o, path, &g, ms, e);
	if (!ret && (mask & (1u << VY_BUF_RING)))
		ret = build_ring(o, path, &g, ms, e);
	if (!ret && (mask & (1u << VY_BUF_DEBUG_LOG)))
		ret = build_debug(o, path, ms, e);
	if (!ret && (mask & (1u << VY_BUF_IO_QUEUE)))
		ret = build_io(o, path, ms, e);
	if (ret)
		return ret;
	s->geo.slot_count = g.slots;
	s->geo.observable_slots = g.obs;
	s->geo.tenant_count = g.tenants;
	s->geo.workgroup_size_x = g.wgx;
	s->geo.workgroups = g.wgs;
	if ((v = json_object_get(o, "run"))) {
		sub(p, path, "run");
		return build_run(v, p, g.slots, ms, e);
	}
	return 0;
}

void mk_desc_free(struct mk_desc *d)
{
	size_t i;
	int b;

	for (i = 0; i < d->n; i++)
	{
		for (b = 0; b < VY_BUF_COUNT; b++)
			free(d->snaps[i].bufs[b]);
		free(d->snaps[i].run_strs);
		free(d->snaps[i].run_lines);
	}
	free(d->snaps);
	d->snaps = NULL;
	d->n = 0;
}

int mk_desc_build(json_t *root, struct mk_desc *out, struct vy_err *e)
{
	const json_t *list = root;
	const char *base = "$";
	size_t i, n;
	int ret = 0;

	out->snaps = NULL;
	out->n = 0;
	if (json_is_object(root) && json_object_get(root, "snapshots")) {
		static const char *const keys[] = { "snapshots", NULL };

		ret = check_keys(root, "$", keys, e);
		if (ret)
			return ret;
		list = json_object_get(root, "snapshots");
		base = "$.snapshots";
		if (!json_is_array(list))
			return bad(e, base, "expected an array of snapshots");
	}
	if (json_is_array(list)) {
		n = json_array_size(list);
		if (!n)
			return bad(e, base, "no snapshots described");
	} else if (json_is_object(list)) {
		n = 1;
	} else {
		return bad(e, "$", "expected an object or an array");
	}
	out->snaps = calloc(n, sizeof(*out->snaps));
	if (!out->snaps)
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	out->n = n;
	for (i = 0; i < n && !ret; i++) {
		char p[PATH_MAX_LEN];

		if (json_is_array(list)) {
			idx(p, base, i);
			ret = build_snap(json_array_get(list, i), p, i,
					 &out->snaps[i], e);
		} else {
			ret = build_snap(list, "$", 0, &out->snaps[i], e);
		}
	}
	if (ret)
		mk_desc_free(out);
	return ret;
}
