/* SPDX-License-Identifier: MIT */
/*
 * text.c - the line-oriented text form of a vyre-mkdump description.
 *
 * Each line is a directive; it is turned into the same JSON the JSON form
 * would have, so both forms share one builder and one set of rules.
 * Values stay strings ("12", "0x10", "store_u32") because the builder
 * takes numbers and names in string form anyway.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "desc.h"
#include "wire/util.h"

struct tctx {
	json_t *snaps;		/* the "snapshots" array */
	json_t *cur;		/* the snapshot being filled */
	json_t *lines;		/* path -> line */
	unsigned line;
	struct vy_err *e;
};

static int terr(struct tctx *t, const char *fmt, const char *a)
{
	return vy_errf(t->e, VY_E_FORMAT,
		       "see vyre-mkdump(1), TEXT FORM",
		       fmt, t->line, a);
}

static void note(struct tctx *t, const char *fmt, size_t a, size_t b)
{
	char p[128];

	snprintf(p, sizeof(p), fmt, a, b);
	json_object_set_new(t->lines, p, json_integer(t->line));
}

static size_t cur_index(struct tctx *t)
{
	return json_array_size(t->snaps) - 1;
}

static int new_snapshot(struct tctx *t)
{
	t->cur = json_object();
	if (!t->cur || json_array_append_new(t->snaps, t->cur))
		return vy_errf(t->e, VY_E_NOMEM, NULL, "out of memory");
	note(t, "$.snapshots[%zu]", cur_index(t), 0);
	return 0;
}

/* The array member @key of the current snapshot (or of @in), created. */
static json_t *array_of(json_t *in, const char *key)
{
	json_t *a = json_object_get(in, key);

	if (!a) {
		a = json_array();
		json_object_set_new(in, key, a);
	}
	return a;
}

static json_t *object_of(json_t *in, const char *key)
{
	json_t *o = json_object_get(in, key);

	if (!o) {
		o = json_object();
		json_object_set_new(in, key, o);
	}
	return o;
}

/* Split @s in place into at most @max whitespace-separated words. */
static size_t split(char *s, char **w, size_t max)
{
	size_t n = 0;

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/* "a,b,c" -> ["a","b","c"] */
static json_t *list(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	while (a && *p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, n));
		if (!c)
			break;
		p = c + 1;
	}
	return a;
}

/* key=value words into a new object; "args" and lists become arrays. */
static int kv_object(struct tctx *t, char **w, size_t n, json_t **out)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++) {
		char *eq = strchr(w[i], '=');

		if (!eq || eq == w[i]) {
			json_decref(o);
			return terr(t, "line %u: expected key=value, got '%s'",
				    w[i]);
		}
		*eq = '\0';
		if (!strcmp(w[i], "args") || !strcmp(w[i], "lines"))
			json_object_set_new(o, w[i], list(eq + 1));
		else
			json_object_set_new(o, w[i], json_string(eq + 1));
	}
	*out = o;
	return 0;
}

static const char *const scalars[] = {
	"slot_count", "observable_slots", "tenant_count", "workgroup_size_x",
	"workgroups", "capture_ns", "sequence", NULL,
};

static int directive(struct tctx *t, char *line)
{
	char *w[20];
	size_t n, i;
	json_t *o = NULL;
	int ret;

	/* "device" takes the rest of the line, spaces included */
	while (isspace((unsigned char)*line))
		line++;
	if (!strncmp(line, "device", 6) && isspace((unsigned char)line[6])) {
		char *v = line + 7, *end;

		while (isspace((unsigned char)*v))
			v++;
		end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = '\0';
		json_object_set_new(t->cur, "device", json_string(v));
		note(t, "$.snapshots[%zu].device", cur_index(t), 0);
		return 0;
	}
	n = split(line, w, VY_ARRAY_SIZE(w));
	if (!n)
		return 0;
	if (n > VY_ARRAY_SIZE(w))
		return terr(t, "line %u: too many words%s", "");
	if (!strcmp(w[0], "device"))
		return terr(t, "line %u: '%s' takes a name", w[0]);
	if (!strcmp(w[0], "snapshot") || !strcmp(w[0], "---")) {
		if (n != 1)
			return terr(t, "line %u: '%s' takes no value", w[0]);
		return new_snapshot(t);
	}
	for (i = 0; scalars[i]; i++) {
		if (strcmp(w[0], scalars[i]))
			continue;
		if (n != 2)
			return terr(t, "line %u: '%s' takes one value", w[0]);
		json_object_set_new(t->cur, w[0], json_string(w[1]));
		{
			char p[128];

			snprintf(p, sizeof(p), "$.snapshots[%zu].%s",
				 cur_index(t), w[0]);
			json_object_set_new(t->lines, p,
					    json_integer(t->line));
		}
		return 0;
	}
	if (!strcmp(w[0], "shutdown") || !strcmp(w[0], "priority_offsets")) {
		char p[128];

		if (n != 2 || (strcmp(w[1], "true") && strcmp(w[1], "false")))
			return terr(t, "line %u: '%s' takes true or false",
				    w[0]);
		json_object_set_new(t->cur, w[0],
				    json_boolean(!strcmp(w[1], "true")));
		snprintf(p, sizeof(p), "$.snapshots[%zu].%s", cur_index(t),
			 w[0]);
		json_object_set_new(t->lines, p, json_integer(t->line));
		return 0;
	}
	if (!strcmp(w[0], "sections")) {
		json_t *a = json_array();

		for (i = 1; i < n; i++)
			json_array_append_new(a, json_string(w[i]));
		json_object_set_new(t->cur, "sections", a);
		note(t, "$.snapshots[%zu].sections", cur_index(t), 0);
		return 0;
	}
	if (!strcmp(w[0], "control")) {
		json_t *a = array_of(t->cur, "control_words");
		json_t *pair;

		if (n != 3)
			return terr(t, "line %u: '%s' takes WORD VALUE", w[0]);
		pair = json_pack("[ss]", w[1], w[2]);
		json_array_append_new(a, pair);
		note(t, "$.snapshots[%zu].control_words[%zu]", cur_index(t),
		     json_array_size(a) - 1);
		return 0;
	}
	if (!strcmp(w[0], "run")) {
		ret = kv_object(t, w + 1, n - 1, &o);
		if (ret)
			return ret;
		json_object_set_new(t->cur, "run", o);
		note(t, "$.snapshots[%zu].run", cur_index(t), 0);
		return 0;
	}
	if (!strcmp(w[0], "slot") || !strcmp(w[0], "io")) {
		json_t *a;

		ret = kv_object(t, w + 1, n - 1, &o);
		if (ret)
			return ret;
		if (!strcmp(w[0], "slot")) {
			a = array_of(t->cur, "ring");
			json_array_append_new(a, o);
			note(t, "$.snapshots[%zu].ring[%zu]", cur_index(t),
			     json_array_size(a) - 1);
		} else {
			a = array_of(object_of(t->cur, "io"), "entries");
			json_array_append_new(a, o);
			note(t, "$.snapshots[%zu].io.entries[%zu]",
			     cur_index(t), json_array_size(a) - 1);
		}
		return 0;
	}
	if (!strcmp(w[0], "record")) {
		json_t *a = array_of(object_of(t->cur, "debug"), "records");
		json_t *r;

		if (n < 2 || n > 5)
			return terr(t, "line %u: '%s' takes FMT [A [B [SLOT]]]",
				    w[0]);
		r = json_array();
		for (i = 1; i < n; i++)
			json_array_append_new(r, json_string(w[i]));
		json_array_append_new(a, r);
		note(t, "$.snapshots[%zu].debug.records[%zu]", cur_index(t),
		     json_array_size(a) - 1);
		return 0;
	}
	if (!strcmp(w[0], "debug_capacity") || !strcmp(w[0], "debug_cursor") ||
	    !strcmp(w[0], "io_slots")) {
		const char *key = !strcmp(w[0], "io_slots") ? "slots" :
				  !strcmp(w[0], "debug_cursor") ? "cursor" :
								  "capacity";
		const char *in = !strcmp(w[0], "io_slots") ? "io" : "debug";
		char p[128];

		if (n != 2)
			return terr(t, "line %u: '%s' takes one value", w[0]);
		json_object_set_new(object_of(t->cur, in), key,
				    json_string(w[1]));
		snprintf(p, sizeof(p), "$.snapshots[%zu].%s.%s", cur_index(t),
			 in, key);
		json_object_set_new(t->lines, p, json_integer(t->line));
		return 0;
	}
	return terr(t, "line %u: unknown directive '%s'", w[0]);
}

int mk_text_to_json(const char *text, size_t len, json_t **out,
		    json_t **lines, struct vy_err *e)
{
	struct tctx t = { .e = e };
	json_t *root;
	size_t pos = 0;
	int ret = 0;

	root = json_object();
	t.snaps = json_array();
	t.lines = json_object();
	if (!root || !t.snaps || !t.lines) {
		json_decref(root);
		json_decref(t.snaps);
		json_decref(t.lines);
		return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
	}
	json_object_set_new(root, "snapshots", t.snaps);
	ret = new_snapshot(&t);
	while (!ret && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line = malloc(l + 1), *hash;

		if (!line) {
			ret = vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
			break;
		}
		memcpy(line, text + pos, l);
		line[l] = '\0';
		t.line++;
		if (memchr(line, '\0', l)) {
			free(line);
			ret = terr(&t, "line %u: NUL byte%s", "");
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		/* every value becomes a JSON string, which must be UTF-8 */
		if (!vy_utf8_valid(line, strlen(line))) {
			free(line);
			ret = terr(&t, "line %u: not valid UTF-8%s", "");
			break;
		}
		ret = directive(&t, line);
		free(line);
		pos += l + 1;
	}
	if (ret) {
		json_decref(root);
		json_decref(t.lines);
		return ret;
	}
	*out = root;
	*lines = t.lines;
	return 0;
}

unsigned mk_text_line(const json_t *lines, const char *msg)
{
	const char *key;
	json_t *v;
	size_t best = 0, plen;
	unsigned line = 0;
	const char *colon = strstr(msg, ": ");

	if (!lines || !colon)
		return 0;
	plen = (size_t)(colon - msg);
	json_object_foreach((json_t *)lines, key, v) {
		size_t kl = strlen(key);

		/* a prefix that ends at a path boundary */
		if (kl > plen || kl <= best || strncmp(msg, key, kl))
			continue;
		if (kl < plen && msg[kl] != '.' && msg[kl] != '[')
			continue;
		best = kl;
		line = (unsigned)json_integer_value(v);
	}
	return line;
}
