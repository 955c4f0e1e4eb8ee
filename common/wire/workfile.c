/* SPDX-License-Identifier: MIT */
#include "wire/workfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

struct wf_tok {
	const char *s;
	size_t len;
	unsigned col;
};

static int wf_push(struct vy_workfile *wf, struct vy_err *e,
		   struct vy_wf_item **it)
{
	if (wf->n == wf->cap) {
		size_t nc = wf->cap ? wf->cap * 2 : 64;
		void *p = realloc(wf->items, nc * sizeof(*wf->items));

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		wf->items = p;
		wf->cap = nc;
	}
	*it = &wf->items[wf->n++];
	memset(*it, 0, sizeof(**it));
	return 0;
}

/* A number token: decimal or 0x hex, fits u32. */
static int wf_num(const char *s, size_t len, uint32_t *out)
{
	char buf[32];
	uint64_t v;

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (vy_parse_u64(buf, UINT32_MAX, 0, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int wf_opcode(const char *s, size_t len, uint32_t *out)
{
	char buf[64];

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return vy_opcode_parse(buf, out) ? -1 : 0;
}

#define WF_ERR(e, name, line, col, ...)                                   \
	wf_err(e, name, line, col, __VA_ARGS__)

static int wf_err(struct vy_err *e, const char *name, unsigned line,
		  unsigned col, const char *fmt, const char *a, size_t alen)
{
	char what[160];

	snprintf(what, sizeof(what), fmt, (int)(alen > 60 ? 60 : alen), a);
	return vy_errf(e, VY_E_WORKFILE,
		       "see vyre-launch(1), WORK FILES, for the grammar",
		       "%s:%u:%u: %s", name, line, col, what);
}

/* One packed inner op "OP[:A,B,...]" into @op/@args. */
static int wf_packed_op(const struct wf_tok *t, const char *name,
			unsigned line, struct vy_packed_op *op,
			uint32_t args[12], struct vy_err *e)
{
	const char *colon = memchr(t->s, ':', t->len);
	size_t oplen = colon ? (size_t)(colon - t->s) : t->len;
	uint32_t opc;
	const char *p, *end = t->s + t->len;

	if (wf_opcode(t->s, oplen, &opc) || opc > 255)
		return WF_ERR(e, name, line, t->col,
			      "unknown packed opcode '%.*s' (names of ops 0..7 or numbers below 256)",
			      t->s, oplen);
	op->opcode = (uint8_t)opc;
	op->args.v = args;
	op->args.n = 0;
	if (!colon)
		return 0;
	p = colon + 1;
	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		size_t l = q ? (size_t)(q - p) : (size_t)(end - p);
		unsigned col = t->col + (unsigned)(p - t->s);

		if (op->args.n == 12)
			return WF_ERR(e, name, line, col,
				      "too many args for one op%.*s", "", 0);
		if (wf_num(p, l, &args[op->args.n]))
			return WF_ERR(e, name, line, col,
				      "bad number '%.*s'", p, l);
		op->args.n++;
		p = q ? q + 1 : end;
		if (q && p == end)
			return WF_ERR(e, name, line, col + (unsigned)l + 1,
				      "missing number after ','%.*s", "", 0);
	}
	return 0;
}

static int wf_line(struct vy_workfile *wf, const char *name, unsigned line,
		   const char *s, size_t len, struct vy_err *e)
{
	struct wf_tok tok[64];
	size_t nt = 0, i = 0;
	struct vy_wf_item *it;
	uint32_t nargs = 0;
	int err, packed;

	while (i < len) {
		size_t j;

		if (s[i] == '#')
			break;
		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		for (j = i; j < len && !isspace((unsigned char)s[j]) &&
			    s[j] != '#';
		     j++)
			;
		if (nt == VY_ARRAY_SIZE(tok))
			return WF_ERR(e, name, line, (unsigned)i + 1,
				      "too many words on one line%.*s", "", 0);
		tok[nt].s = s + i;
		tok[nt].len = j - i;
		tok[nt].col = (unsigned)i + 1;
		nt++;
		i = j;
	}
	if (!nt)
		return 0;
	err = wf_push(wf, e, &it);
	if (err)
		return err;
	it->line = line;
	if (tok[0].len == 5 && !strncasecmp(tok[0].s, "fence", 5)) {
		if (nt > 1)
			return WF_ERR(e, name, line, tok[1].col,
				      "'fence' takes nothing, got '%.*s'",
				      tok[1].s, tok[1].len);
		it->fence = 1;
		return 0;
	}
	wf->slots++;
	it->w[VY_SLOT_PRIORITY_WORD] = VY_PRIO_NORMAL;
	packed = tok[0].len == 6 && !strncasecmp(tok[0].s, "packed", 6);
	if (!packed && wf_opcode(tok[0].s, tok[0].len, &it->w[1]))
		return WF_ERR(e, name, line, tok[0].col,
			      "unknown opcode '%.*s'", tok[0].s, tok[0].len);
	if (!packed && !vy_workfile_opcode_ok(it->w[1]))
		return WF_ERR(e, name, line, tok[0].col,
			      "opcode '%.*s' is reserved (vyre(7), OPCODES)",
			      tok[0].s, tok[0].len);
	if (packed) {
		struct vy_packed_op ops[64];
		uint32_t args[64][12];
		struct vy_err pe;
		size_t nops = 0;

		it->w[1] = VY_OP_PACKED_SLOT;
		for (size_t k = 1; k < nt; k++) {
			const struct wf_tok *t = &tok[k];

			if (t->len > 7 && !strncasecmp(t->s, "tenant=", 7)) {
				if (wf_num(t->s + 7, t->len - 7, &it->w[2]))
					return WF_ERR(e, name, line,
						      t->col + 7,
						      "bad tenant '%.*s'",
						      t->s + 7, t->len - 7);
				continue;
			}
			err = wf_packed_op(t, name, line, &ops[nops],
					   args[nops], e);
			if (err)
				return err;
			nops++;
		}
		if (vy_packed_encode(ops, nops, &it->w[4], &pe))
			return vy_errf(e, VY_E_WORKFILE,
				       "at most 23 ops, and metadata plus args within 12 words",
				       "%s:%u:%u: %.160s", name, line,
				       tok[0].col, pe.msg);
		return 0;
	}
	for (size_t k = 1; k < nt; k++) {
		const struct wf_tok *t = &tok[k];

		if (t->len > 7 && !strncasecmp(t->s, "tenant=", 7)) {
			if (wf_num(t->s + 7, t->len - 7, &it->w[2]))
				return WF_ERR(e, name, line, t->col + 7,
					      "bad tenant '%.*s'", t->s + 7,
					      t->len - 7);
			continue;
		}
		if (t->len > 9 && !strncasecmp(t->s, "priority=", 9)) {
			if (wf_num(t->s + 9, t->len - 9, &it->w[3]) ||
			    it->w[3] >= VY_PRIORITY_LEVELS)
				return WF_ERR(e, name, line, t->col + 9,
					      "bad priority '%.*s' (0..4)",
					      t->s + 9, t->len - 9);
			continue;
		}
		if (memchr(t->s, '=', t->len))
			return WF_ERR(e, name, line, t->col,
				      "unknown option '%.*s' (tenant= or priority=)",
				      t->s, t->len);
		if (nargs == 12)
			return WF_ERR(e, name, line, t->col,
				      "too many args: a slot holds 12%.*s", "",
				      0);
		if (wf_num(t->s, t->len, &it->w[4 + nargs]))
			return WF_ERR(e, name, line, t->col,
				      "bad number '%.*s'", t->s, t->len);
		nargs++;
	}
	return 0;
}

int vy_workfile_parse(const char *text, size_t len, const char *name,
		      struct vy_workfile *out, struct vy_err *e)
{
	size_t i = 0;
	unsigned line = 1;
	int err;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;

		const char *nul = memchr(text + i, '\0', l);

		if (nul) {
			vy_workfile_free(out);
			return vy_errf(e, VY_E_WORKFILE,
				       "use --binary for raw slot records",
				       "%s:%u:%zu: NUL byte in a text work file",
				       name, line, (size_t)(nul - (text + i)) + 1);
		}
		err = wf_line(out, name, line, text + i, l, e);
		if (err) {
			vy_workfile_free(out);
			return err;
		}
		i += l + 1;
		line++;
	}
	return 0;
}

int vy_workfile_parse_binary(const uint8_t *buf, size_t len,
			     const char *name, struct vy_workfile *out,
			     struct vy_err *e)
{
	struct vy_wf_item *it;
	int err;

	memset(out, 0, sizeof(*out));
	if (len % VY_SLOT_BYTES)
		return vy_errf(e, VY_E_WORKFILE,
			       "a binary work file is whole 64-byte slots",
			       "%s: %zu bytes is not a multiple of the 64-byte slot",
			       name, len);
	for (size_t r = 0; r < len / VY_SLOT_BYTES; r++) {
		err = wf_push(out, e, &it);
		if (err) {
			vy_workfile_free(out);
			return err;
		}
		for (int k = 1; k < 16; k++)
			it->w[k] = vy_word(buf + r * VY_SLOT_BYTES, k);
		it->line = (uint32_t)r + 1;
		if (!vy_workfile_opcode_ok(it->w[1])) {
			vy_workfile_free(out);
			return vy_errf(e, VY_E_WORKFILE,
				       "vyre(7), OPCODES: the host refuses them",
				       "%s: record %zu: opcode 0x%x is reserved",
				       name, r + 1, vy_word(buf + r * VY_SLOT_BYTES, 1));
		}
		out->slots++;
	}
	return 0;
}

bool vy_workfile_opcode_ok(uint32_t op)
{
	/* load_miss is reserved but written raw on purpose (vyre(7)) */
	return vy_opcode_is_publishable(op) || op == VY_OP_LOAD_MISS;
}

void vy_workfile_synthetic(uint32_t opcode, uint64_t i, struct vy_wf_item *out)
{
	memset(out, 0, sizeof(*out));
	out->w[1] = opcode;
	out->w[3] = VY_PRIO_NORMAL;
	out->w[4] = 1;
	out->w[5] = 150;
	out->line = (uint32_t)i;
}

void vy_workfile_free(struct vy_workfile *wf)
{
	free(wf->items);
	memset(wf, 0, sizeof(*wf));
}
