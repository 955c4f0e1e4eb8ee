/* SPDX-License-Identifier: MIT */
/*
 * policy_io.c - requests in, recommendations out, for vyre-recommend.
 *
 * --batch reads a million lines a second or so, which jansson (about
 * 2 us to parse and 2 us to dump a small object) cannot do, so the common
 * shape - a flat object of integers and one string - is parsed and
 * written by hand here.  Anything else (escapes, nested values, signs,
 * fractions) falls back to jansson, which stays the reference for what
 * is valid JSON and for the error text.  vy_rep_recommendation_json() and
 * vy_rep_recommendation_jsonl() produce the same object (a unit test holds
 * them together).
 */
#include "report/recommend.h"
#include "policy/cache.h"
#include "report/emit.h"
#include "wire/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- request parsing --------------------------------------------- */

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int key_index(const char *k, size_t n)
{
	int i;

	for (i = 0; i < VY_REQUEST_FIELDS; i++) {
		const char *name = vy_request_fields[i].name;

		if (strncmp(name, k, n) == 0 && name[n] == '\0')
			return i;
	}
	if (n == 17 && memcmp(k, "previous_topology", 17) == 0)
		return VY_REQUEST_FIELDS;
	return -1;
}

static int set_prev(const char *s, size_t n, bool *has_prev,
		    enum vy_pol_topology *prev, struct vy_err *e)
{
	char tmp[64];

	if (n >= sizeof(tmp) ||
	    (memcpy(tmp, s, n), tmp[n] = '\0', vy_pol_topology_parse(tmp, prev)))
		return vy_errf(e, VY_E_FORMAT,
			       "use empty, sparse_frontier, hybrid_frontier, dense_frontier, fused_dense or memory_constrained",
			       "previous_topology: '%.*s' is not a topology",
			       (int)(n < 40 ? n : 40), s);
	*has_prev = true;
	return 0;
}

static int unknown_field(const char *k, size_t n, struct vy_err *e)
{
	return vy_errf(e, VY_E_FORMAT,
		       "fields are the request field names of vyre-recommend(1)",
		       "unknown field '%.*s'", (int)(n < 60 ? n : 60), k);
}

/* 1 = handled (0 or error in *ret), 0 = not the simple shape. */
static int parse_fast(const char *text, size_t len,
		      struct vy_pol_launch_request *r, bool *has_prev,
		      enum vy_pol_topology *prev, struct vy_err *e, int *ret)
{
	const char *p = text, *end = text + len;

	p = skip_ws(p, end);
	if (p == end || *p++ != '{')
		return 0;
	p = skip_ws(p, end);
	if (p < end && *p == '}') {
		p++;
		goto tail;
	}
	for (;;) {
		const char *k, *v;
		size_t kn;
		int idx;

		if (p == end || *p++ != '"')
			return 0;
		k = p;
		while (p < end && *p != '"' && *p != '\\' &&
		       (unsigned char)*p >= 0x20)
			p++;
		if (p == end || *p != '"')
			return 0;
		kn = (size_t)(p - k);
		p = skip_ws(p + 1, end);
		if (p == end || *p++ != ':')
			return 0;
		p = skip_ws(p, end);
		if (p == end)
			return 0;
		idx = key_index(k, kn);
		if (*p >= '0' && *p <= '9') {
			uint64_t x = 0;

			if (*p == '0' && p + 1 < end && p[1] >= '0' &&
			    p[1] <= '9')
				return 0;	/* leading zero: not JSON */
			for (v = p; p < end && *p >= '0' && *p <= '9'; p++) {
				unsigned d = (unsigned)(*p - '0');

				if (x > (UINT64_MAX - d) / 10) {
					*ret = vy_errf(e, VY_E_FORMAT, NULL,
						       "%.*s: %.*s does not fit 64 bits",
						       (int)kn, k,
						       (int)(p - v + 1), v);
					return 1;
				}
				x = x * 10 + d;
			}
			if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
				return 0;
			if (idx < 0) {
				*ret = unknown_field(k, kn, e);
				return 1;
			}
			if (idx == VY_REQUEST_FIELDS) {
				*ret = vy_errf(e, VY_E_FORMAT, NULL,
					       "previous_topology must be a string");
				return 1;
			}
			*ret = vy_pol_request_set(r, idx, x, e);
			if (*ret) {
				if (e)
					e->code = VY_E_FORMAT;
				*ret = VY_E_FORMAT;
				return 1;
			}
		} else if (*p == '"') {
			v = ++p;
			while (p < end && *p != '"' && *p != '\\' &&
			       (unsigned char)*p >= 0x20)
				p++;
			if (p == end || *p != '"')
				return 0;
			if (idx < 0) {
				*ret = unknown_field(k, kn, e);
				return 1;
			}
			if (idx != VY_REQUEST_FIELDS) {
				*ret = vy_errf(e, VY_E_FORMAT, NULL,
					       "%s: expected a non-negative integer, got a string",
					       vy_request_fields[idx].name);
				return 1;
			}
			*ret = set_prev(v, (size_t)(p - v), has_prev, prev, e);
			if (*ret)
				return 1;
			p++;
		} else {
			return 0;
		}
		p = skip_ws(p, end);
		if (p == end)
			return 0;
		if (*p == '}') {
			p++;
			break;
		}
		if (*p++ != ',')
			return 0;
		p = skip_ws(p, end);
	}
tail:
	p = skip_ws(p, end);
	if (p != end)
		return 0;
	*ret = 0;
	return 1;
}

static int parse_slow(const char *text, size_t len,
		      struct vy_pol_launch_request *r, bool *has_prev,
		      enum vy_pol_topology *prev, struct vy_err *e)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_DECODE_ANY, &je), *v;
	const char *key;
	int ret = 0;

	if (!o)
		return vy_errf(e, VY_E_FORMAT, "each line must be one JSON object",
			       "column %d: %s", je.column, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return vy_errf(e, VY_E_FORMAT, "each line must be one JSON object",
			       "not a JSON object");
	}
	json_object_foreach(o, key, v) {
		int idx = key_index(key, strlen(key));

		if (idx < 0) {
			ret = unknown_field(key, strlen(key), e);
			break;
		}
		if (idx == VY_REQUEST_FIELDS) {
			if (!json_is_string(v)) {
				ret = vy_errf(e, VY_E_FORMAT, NULL,
					      "previous_topology must be a string");
				break;
			}
			ret = set_prev(json_string_value(v),
				       json_string_length(v), has_prev, prev, e);
			if (ret)
				break;
			continue;
		}
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			ret = vy_errf(e, VY_E_FORMAT, NULL,
				      "%s: expected a non-negative integer", key);
			break;
		}
		ret = vy_pol_request_set(r, idx, (uint64_t)json_integer_value(v), e);
		if (ret) {
			if (e)
				e->code = VY_E_FORMAT;
			ret = VY_E_FORMAT;
			break;
		}
	}
	json_decref(o);
	return ret;
}

int vy_rep_request_parse_json(const char *text, size_t len,
			  struct vy_pol_launch_request *r, bool *has_prev,
			  enum vy_pol_topology *prev, struct vy_err *e)
{
	int ret;

	memset(r, 0, sizeof(*r));
	*has_prev = false;
	if (parse_fast(text, len, r, has_prev, prev, e, &ret))
		return ret;
	memset(r, 0, sizeof(*r));
	*has_prev = false;
	return parse_slow(text, len, r, has_prev, prev, e);
}

/* ---- recommendation output --------------------------------------- */

struct json_t *vy_rep_geometry_json(const struct vy_pol_geometry *g)
{
	return json_pack("{s:I, s:I, s:[I, I, I]}",
			 "workgroup_size_x", (json_int_t)g->workgroup_size_x,
			 "slot_count", (json_int_t)g->slot_count,
			 "dispatch_grid", (json_int_t)g->dispatch_grid[0],
			 (json_int_t)g->dispatch_grid[1],
			 (json_int_t)g->dispatch_grid[2]);
}

struct json_t *vy_rep_recommendation_json(const struct vy_pol_launch_recommendation *r)
{
	return vy_rep_recommendation_json_names(r, false);
}

struct json_t *
vy_rep_recommendation_json_names(const struct vy_pol_launch_recommendation *r,
			     bool camel)
{
	json_t *o = json_object();

	json_object_set_new(o, "geometry", vy_rep_geometry_json(&r->geometry));
	json_object_set_new(o, "worker_groups", json_integer(r->worker_groups));
	json_object_set_new(o, "hit_capacity", json_integer(r->hit_capacity));
	json_object_set_new(o, "pressure", json_string(camel ?
			    vy_pol_pressure_camel(r->pressure) :
			    vy_pol_pressure_name(r->pressure)));
	json_object_set_new(o, "execution_mode", json_string(camel ?
			    vy_pol_exec_mode_camel(r->execution_mode) :
			    vy_pol_exec_mode_name(r->execution_mode)));
	json_object_set_new(o, "topology", json_string(camel ?
			    vy_pol_topology_camel(r->topology) :
			    vy_pol_topology_name(r->topology)));
	json_object_set_new(o, "promote_hot_opcodes",
			    json_boolean(r->promote_hot_opcodes));
	json_object_set_new(o, "promote_hot_windows",
			    json_boolean(r->promote_hot_windows));
	json_object_set_new(o, "age_priority_work",
			    json_boolean(r->age_priority_work));
	json_object_set_new(o, "estimated_peak_device_bytes",
			    vy_rep_json_u64(r->estimated_peak_device_bytes));
	json_object_set_new(o, "device_memory_budget_bytes",
			    vy_rep_json_u64(r->device_memory_budget_bytes));
	return o;
}

static inline char *put_bool(char *p, bool b)
{
	return vy_rep_put_str(p, b ? "true" : "false");
}

size_t vy_rep_recommendation_jsonl(char *buf, const struct vy_pol_launch_recommendation *r)
{
	char *p = buf;

	p = vy_rep_put_str(p, "{\"schema\":\"" VY_RECOMMEND_SCHEMA
		       "\",\"version\":\"" VY_VERSION
		       "\",\"geometry\":{\"workgroup_size_x\":");
	p = vy_rep_put_u64(p, r->geometry.workgroup_size_x);
	p = vy_rep_put_str(p, ",\"slot_count\":");
	p = vy_rep_put_u64(p, r->geometry.slot_count);
	p = vy_rep_put_str(p, ",\"dispatch_grid\":[");
	p = vy_rep_put_u64(p, r->geometry.dispatch_grid[0]);
	*p++ = ',';
	p = vy_rep_put_u64(p, r->geometry.dispatch_grid[1]);
	*p++ = ',';
	p = vy_rep_put_u64(p, r->geometry.dispatch_grid[2]);
	p = vy_rep_put_str(p, "]},\"worker_groups\":");
	p = vy_rep_put_u64(p, r->worker_groups);
	p = vy_rep_put_str(p, ",\"hit_capacity\":");
	p = vy_rep_put_u64(p, r->hit_capacity);
	p = vy_rep_put_str(p, ",\"pressure\":\"");
	p = vy_rep_put_str(p, vy_pol_pressure_name(r->pressure));
	p = vy_rep_put_str(p, "\",\"execution_mode\":\"");
	p = vy_rep_put_str(p, vy_pol_exec_mode_name(r->execution_mode));
	p = vy_rep_put_str(p, "\",\"topology\":\"");
	p = vy_rep_put_str(p, vy_pol_topology_name(r->topology));
	p = vy_rep_put_str(p, "\",\"promote_hot_opcodes\":");
	p = put_bool(p, r->promote_hot_opcodes);
	p = vy_rep_put_str(p, ",\"promote_hot_windows\":");
	p = put_bool(p, r->promote_hot_windows);
	p = vy_rep_put_str(p, ",\"age_priority_work\":");
	p = put_bool(p, r->age_priority_work);
	p = vy_rep_put_str(p, ",\"estimated_peak_device_bytes\":");
	p = vy_rep_put_u64(p, r->estimated_peak_device_bytes);
	p = vy_rep_put_str(p, ",\"device_memory_budget_bytes\":");
	p = vy_rep_put_u64(p, r->device_memory_budget_bytes);
	p = vy_rep_put_str(p, "}\n");
	*p = '\0';
	return (size_t)(p - buf);
}

/* A JSON string body; stops early rather than overflow @lim. */
/*
 * A JSON string body that is always valid UTF-8 (vyre-recommend(1)): a
 * byte that does not start a valid sequence becomes U+FFFD, and a
 * sequence that does not fit before @lim is left out whole, never split.
 */
static char *put_escaped(char *p, const char *s, const char *lim)
{
	static const char hex[] = "0123456789abcdef";
	size_t left = strlen(s), k;

	for (; *s && p + 6 < lim; s += k, left -= k) {
		unsigned char c = (unsigned char)*s;

		k = 1;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			p = vy_rep_put_str(p, "\\u00");
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		} else if (c < 0x80) {
			*p++ = (char)c;
		} else if (!(k = vy_utf8_seq((const uint8_t *)s, left))) {
			k = 1;
			p = vy_rep_put_str(p, "\\ufffd");
		} else {
			memcpy(p, s, k);
			p += k;
		}
	}
	return p;
}

size_t vy_rep_policy_error_jsonl(char *buf, int code, const char *msg,
			     const struct vy_pol_launch_recommendation *oom,
			     uint64_t line)
{
	char *p = buf;

	p = vy_rep_put_str(p, "{\"schema\":\"" VY_RECOMMEND_SCHEMA
		       "\",\"version\":\"" VY_VERSION
		       "\",\"error\":{\"code\":\"");
	p = vy_rep_put_str(p, vy_err_name(code));
	p = vy_rep_put_str(p, "\",\"message\":\"");
	/* Leave room for the numbers and the closing braces. */
	p = put_escaped(p, msg, buf + VY_REC_LINE_MAX - 160);
	*p++ = '"';
	if (oom && code == VY_E_DEVICE_OUT_OF_MEMORY) {
		p = vy_rep_put_str(p, ",\"requested\":");
		p = vy_rep_put_u64(p, oom->estimated_peak_device_bytes);
		p = vy_rep_put_str(p, ",\"available\":");
		p = vy_rep_put_u64(p, oom->device_memory_budget_bytes);
	}
	if (line) {
		p = vy_rep_put_str(p, ",\"line\":");
		p = vy_rep_put_u64(p, line);
	}
	p = vy_rep_put_str(p, "}}\n");
	*p = '\0';
	return (size_t)(p - buf);
}

void vy_rep_recommendation_csv_header(FILE *f)
{
	fputs("workgroup_size_x,slot_count,dispatch_grid_x,dispatch_grid_y,"
	      "dispatch_grid_z,worker_groups,hit_capacity,pressure,"
	      "execution_mode,topology,promote_hot_opcodes,"
	      "promote_hot_windows,age_priority_work,"
	      "estimated_peak_device_bytes,device_memory_budget_bytes\n", f);
}

void vy_rep_recommendation_csv_row(FILE *f, const struct vy_pol_launch_recommendation *r)
{
	fprintf(f,
		"%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32
		",%" PRIu32 ",%" PRIu32 ",%s,%s,%s,%s,%s,%s,%" PRIu64
		",%" PRIu64 "\n",
		r->geometry.workgroup_size_x, r->geometry.slot_count,
		r->geometry.dispatch_grid[0], r->geometry.dispatch_grid[1],
		r->geometry.dispatch_grid[2], r->worker_groups, r->hit_capacity,
		vy_pol_pressure_name(r->pressure),
		vy_pol_exec_mode_name(r->execution_mode),
		vy_pol_topology_name(r->topology),
		r->promote_hot_opcodes ? "true" : "false",
		r->promote_hot_windows ? "true" : "false",
		r->age_priority_work ? "true" : "false",
		r->estimated_peak_device_bytes, r->device_memory_budget_bytes);
}

void vy_rep_recommendation_table(FILE *f, const struct vy_pol_launch_recommendation *r)
{
	fprintf(f, "%-28s %s\n", "topology", vy_pol_topology_name(r->topology));
	fprintf(f, "%-28s %s\n", "pressure", vy_pol_pressure_name(r->pressure));
	fprintf(f, "%-28s %s\n", "execution_mode",
		vy_pol_exec_mode_name(r->execution_mode));
	fprintf(f, "%-28s %" PRIu32 "\n", "worker_groups", r->worker_groups);
	fprintf(f, "%-28s %" PRIu32 "\n", "workgroup_size_x",
		r->geometry.workgroup_size_x);
	fprintf(f, "%-28s %" PRIu32 "\n", "slot_count", r->geometry.slot_count);
	fprintf(f, "%-28s [%" PRIu32 ", %" PRIu32 ", %" PRIu32 "]\n",
		"dispatch_grid", r->geometry.dispatch_grid[0],
		r->geometry.dispatch_grid[1], r->geometry.dispatch_grid[2]);
	fprintf(f, "%-28s %" PRIu32 "\n", "hit_capacity", r->hit_capacity);
	fprintf(f, "%-28s %s\n", "promote_hot_opcodes",
		r->promote_hot_opcodes ? "true" : "false");
	fprintf(f, "%-28s %s\n", "promote_hot_windows",
		r->promote_hot_windows ? "true" : "false");
	fprintf(f, "%-28s %s\n", "age_priority_work",
		r->age_priority_work ? "true" : "false");
	fprintf(f, "%-28s %" PRIu64 "\n", "estimated_peak_device_bytes",
		r->estimated_peak_device_bytes);
	fprintf(f, "%-28s %" PRIu64 "%s\n", "device_memory_budget_bytes",
		r->device_memory_budget_bytes,
		r->device_memory_budget_bytes ? "" : " (unbounded)");
}

int vy_rep_rec_checks(FILE *err, const char *prog,
		      const struct vy_pol_rec_check *checks, size_t n,
		      const struct vy_pol_launch_recommendation *rec,
		      uint64_t line)
{
	char actual[64], where[32] = "";
	int failed = 0;
	size_t i;

	if (line)
		snprintf(where, sizeof(where), "line %" PRIu64 ": ", line);
	for (i = 0; i < n; i++) {
		const struct vy_pol_rec_check *c = &checks[i];

		if (vy_pol_rec_check_eval(c, rec, actual, sizeof(actual)))
			continue;
		fprintf(err, "%s: %scheck failed: %s (actual %s)\n", prog,
			where, c->text, actual);
		failed = 1;
	}
	return failed;
}

json_t *vy_rep_rec_checks_json(const struct vy_pol_rec_check *checks, size_t n,
				const struct vy_pol_launch_recommendation *rec)
{
	json_t *arr = json_array();
	char actual[64];
	size_t i;

	for (i = 0; i < n; i++) {
		bool ok = vy_pol_rec_check_eval(&checks[i], rec, actual,
						sizeof(actual));

		json_array_append_new(arr, json_pack("{s:s, s:s, s:b}",
						     "expr", checks[i].text,
						     "actual", actual, "ok", ok));
	}
	return arr;
}

void vy_rep_rec_checks_table(FILE *f, const struct vy_pol_rec_check *checks,
			     size_t n,
			     const struct vy_pol_launch_recommendation *rec)
{
	char actual[64];
	size_t i;

	for (i = 0; i < n; i++) {
		bool ok = vy_pol_rec_check_eval(&checks[i], rec, actual,
						sizeof(actual));

		fprintf(f, "%-28s %s %s (actual %s)\n", "check", checks[i].text,
			ok ? "ok" : "FAILED", actual);
	}
}

/*
 * One input line of at most VY_REC_IN_MAX bytes into @buf (NUL bytes
 * kept: the length counts).  A longer line is read to its end and
 * reported as too long, so memory stays bounded and lines keep pairing
 * with answers.  Returns the length, -1 at the end, -2 on a read error
 * (errno set), -3 for a line that was too long.
 */
static ssize_t read_line(FILE *in, char *buf)
{
	size_t n = 0;
	int c, over = 0;

	errno = 0;
	while ((c = getc(in)) != EOF) {
		if (n < VY_REC_IN_MAX)
			buf[n++] = (char)c;
		else
			over = 1;
		if (c == '\n')
			break;
	}
	if (ferror(in))
		return -2;
	if (c == EOF && !n && !over)
		return -1;
	buf[n] = '\0';
	return over ? -3 : (ssize_t)n;
}

int vy_rep_recommend_batch(FILE *in, const char *in_name, FILE *out,
			   FILE *err, const char *prog,
			   const struct vy_pol_launch_policy *pol,
			   bool hysteresis, bool verbose,
			   const struct vy_pol_rec_check *checks,
			   size_t nchecks)
{
	struct vy_pol_launch_policy p = pol ? *pol :
					vy_pol_launch_policy_standard();
	struct vy_pol_launch_cache *cache = vy_pol_launch_cache_thread();
	char line_out[VY_REC_LINE_MAX];
	char *line = malloc(VY_REC_IN_MAX + 1);
	ssize_t n;
	uint64_t lineno = 0;
	bool have_last = false;
	enum vy_pol_topology last = VY_TOPO_EMPTY;
	int bad_data = 0, negative = 0, refused = 0;

	if (!line) {
		fprintf(err, "%s: %s: out of memory\n", prog, in_name);
		return VY_EXIT_IO;
	}
	while ((n = read_line(in, line)) != -1) {
		struct vy_pol_launch_recommendation rec;
		struct vy_pol_launch_request r;
		enum vy_pol_topology prev;
		bool has_prev;
		struct vy_err e;
		size_t k, len;
		int ret;

		lineno++;
		if (n == -2)
			break;
		if (n == -3) {
			vy_errf(&e, VY_E_FORMAT, NULL, "longer than %d bytes",
				VY_REC_IN_MAX);
			len = vy_rep_policy_error_jsonl(line_out, VY_E_FORMAT,
							e.msg, NULL, lineno);
			fwrite(line_out, 1, len, out);
			bad_data = 1;
			continue;
		}
		/* a NUL is not blank: it gets its error line like any byte */
		for (k = 0; k < (size_t)n && line[k] && strchr(" \t\r\n", line[k]);
		     k++)
			;
		if (k == (size_t)n)
			continue;
		ret = vy_rep_request_parse_json(line, (size_t)n, &r, &has_prev,
					    &prev, &e);
		if (ret) {
			len = vy_rep_policy_error_jsonl(line_out, ret, e.msg, NULL,
						    lineno);
			fwrite(line_out, 1, len, out);
			bad_data = 1;
			continue;
		}
		if (!has_prev && hysteresis && have_last) {
			prev = last;
			has_prev = true;
		}
		if (has_prev)
			ret = vy_pol_recommend_with_previous(&p, &r, prev,
								&rec, &e);
		else
			ret = vy_pol_recommend(&p, &r, cache, &rec, &e);
		if (ret) {
			len = vy_rep_policy_error_jsonl(line_out, ret, e.msg, &rec,
						    lineno);
			fwrite(line_out, 1, len, out);
			if (vy_err_exit(ret) == VY_EXIT_REFUSED)
				refused = 1;
			else
				bad_data = 1;
			continue;
		}
		last = rec.topology;
		have_last = true;
		len = vy_rep_recommendation_jsonl(line_out, &rec);
		fwrite(line_out, 1, len, out);
		if (nchecks && vy_rep_rec_checks(err, prog, checks, nchecks, &rec, lineno))
			negative = 1;
	}
	free(line);
	if (verbose) {
		struct vy_pol_launch_cache_stats cs =
			vy_pol_launch_cache_stats(cache);

		fprintf(err, "%s: launch cache: %zu entries, %llu hits, %llu misses\n",
			prog, cs.entries, (unsigned long long)cs.hits,
			(unsigned long long)cs.misses);
	}
	if (n == -2 || ferror(in)) {
		fprintf(err, "%s: %s: read error: %s\n", prog, in_name,
			strerror(errno ? errno : EIO));
		return VY_EXIT_IO;
	}
	if (fflush(out) || ferror(out))
		return vy_rep_stdout_error(err, prog);
	if (bad_data)
		return VY_EXIT_DATA;
	if (refused)
		return VY_EXIT_REFUSED;
	return negative ? VY_EXIT_NEGATIVE : VY_EXIT_OK;
}
