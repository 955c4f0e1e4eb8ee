/* SPDX-License-Identifier: MIT */
#include "report/bench.h"
#include "wire/err.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const figures[VY_REP_BENCH_FIGURES] = {
	"items_per_second", "wall_ns", "setup_ns", "latency.p50_ns",
	"latency.p99_ns",
};

/* The number at @path ("a" or "a.b") of @doc; NAN when absent. */
static double figure(json_t *doc, const char *path)
{
	char key[64];
	const char *dot = strchr(path, '.');
	json_t *v;

	if (dot) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		v = json_object_get(json_object_get(doc, key), dot + 1);
	} else {
		v = json_object_get(doc, path);
	}
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* @s with single quotes when it holds anything a shell would split. */
static size_t quote(char *out, const char *s)
{
	size_t n = 0;

	if (*s && !strpbrk(s, " \t\n'\"\\$`*?[]{}();&|<>~#!")) {
		if (out)
			memcpy(out, s, strlen(s));
		return strlen(s);
	}
	if (out)
		out[n] = '\'';
	n++;
	for (; *s; s++) {
		if (*s == '\'') {
			if (out)
				memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			if (out)
				out[n] = *s;
			n++;
		}
	}
	if (out)
		out[n] = '\'';
	return n + 1;
}

void vy_rep_runs_init(struct vy_rep_runs *rs, uint32_t want, int argc,
		      char **argv)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t len = 1, pos = 0;
	int i, k;

	memset(rs, 0, sizeof(*rs));
	rs->want = want;
	for (k = 0; k < VY_REP_BENCH_FIGURES; k++)
		rs->v[k] = calloc(want, sizeof(double));
	gmtime_r(&now, &tm);
	strftime(rs->started_at, sizeof(rs->started_at), "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
	for (i = 0; i < argc; i++)
		len += quote(NULL, argv[i]) + 1;
	rs->command_line = malloc(len);
	if (!rs->command_line)
		return;
	for (i = 0; i < argc; i++) {
		if (i)
			rs->command_line[pos++] = ' ';
		pos += quote(rs->command_line + pos, argv[i]);
	}
	rs->command_line[pos] = '\0';
}

void vy_rep_runs_add(struct vy_rep_runs *rs, json_t *doc)
{
	int k;

	if (rs->n == rs->want)
		return;
	for (k = 0; k < VY_REP_BENCH_FIGURES; k++)
		if (rs->v[k])
			rs->v[k][rs->n] = figure(doc, figures[k]);
	rs->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void vy_rep_runs_finish(const struct vy_rep_runs *rs, json_t *doc)
{
	int k;

	json_object_set_new(doc, "started_at", json_string(rs->started_at));
	if (rs->command_line)
		vy_rep_json_set_name(doc, "command_line", rs->command_line);
	json_object_set_new(doc, "repeat", json_integer(rs->n));
	if (rs->n < 2)
		return;
	for (k = 0; k < VY_REP_BENCH_FIGURES; k++) {
		double *v = rs->v[k], med;
		char key[64], *p;

		if (!v || isnan(v[0]))
			continue;
		qsort(v, rs->n, sizeof(*v), cmp_double);
		/* the median of an even count: the mean of the middle two */
		med = rs->n % 2 ? v[rs->n / 2] :
				  (v[rs->n / 2 - 1] + v[rs->n / 2]) / 2;
		snprintf(key, sizeof(key), "spread_%s", figures[k]);
		for (p = key; *p; p++)
			if (*p == '.')
				*p = '_';
		json_object_set_new(doc, key, json_pack("{s:f,s:f,s:f}",
			"median", med, "min", v[0], "max", v[rs->n - 1]));
	}
}

void vy_rep_runs_free(struct vy_rep_runs *rs)
{
	int k;

	for (k = 0; k < VY_REP_BENCH_FIGURES; k++)
		free(rs->v[k]);
	free(rs->command_line);
}

/* ---- --compare ---- */

static int load_report(const char *prog, const char *path, json_t **out)
{
	json_error_t je;
	json_t *doc;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return VY_EXIT_IO;
	}
	doc = json_loadf(f, 0, &je);
	fclose(f);
	if (!doc) {
		fprintf(stderr, "%s: %s: line %d: %s\n", prog, path, je.line,
			je.text);
		return VY_EXIT_DATA;
	}
	if (!json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "schema")) ||
	    strcmp(json_string_value(json_object_get(doc, "schema")),
		   "vyre-launch/1")) {
		fprintf(stderr, "%s: %s: not a vyre-launch/1 report "
			"(vyre-launch -j writes one)\n", prog, path);
		json_decref(doc);
		return VY_EXIT_DATA;
	}
	*out = doc;
	return 0;
}

/* One row per number of @a (objects one level deep) that @b has too. */
static void compare_rows(FILE *f, json_t *rows, const char *prefix,
			 json_t *a, json_t *b)
{
	const char *key;
	json_t *va;

	json_object_foreach(a, key, va) {
		json_t *vb = json_object_get(b, key);
		char name[128];
		double x, y;

		snprintf(name, sizeof(name), "%s%s", prefix, key);
		if (json_is_object(va) && json_is_object(vb) && !*prefix) {
			char sub[80];

			snprintf(sub, sizeof(sub), "%s.", key);
			compare_rows(f, rows, sub, va, vb);
			continue;
		}
		if (!json_is_number(va) || !json_is_number(vb))
			continue;
		x = json_number_value(va);
		y = json_number_value(vb);
		if (rows) {
			json_array_append_new(rows, json_pack("{s:s,s:f,s:f,s:o}",
				"name", name, "a", x, "b", y, "ratio",
				x ? json_real(y / x) : json_null()));
		} else if (x) {
			fprintf(f, "%-36s %16.6g %16.6g %10.3f\n", name, x, y,
				y / x);
		} else {
			fprintf(f, "%-36s %16.6g %16.6g %10s\n", name, x, y, "-");
		}
	}
}

int vy_rep_launch_compare(FILE *f, const char *prog, const char *a,
			  const char *b, enum vy_rep_format fmt)
{
	json_t *da = NULL, *db = NULL, *rows = NULL;
	int rc;

	rc = load_report(prog, a, &da);
	if (!rc)
		rc = load_report(prog, b, &db);
	if (rc) {
		json_decref(da);
		return rc;
	}
	if (fmt == VY_FMT_JSON || fmt == VY_FMT_JSONL) {
		json_t *doc = json_object();

		rows = json_array();
		compare_rows(f, rows, "", da, db);
		vy_rep_json_set_name(doc, "a", a);
		vy_rep_json_set_name(doc, "b", b);
		json_object_set_new(doc, "figures", rows);
		rc = vy_rep_emit_json(f, doc, "vyre-launch-compare/1",
				      fmt == VY_FMT_JSON) ?
			     VY_EXIT_IO : 0;
		json_decref(doc);
	} else {
		fprintf(f, "%-36s %16s %16s %10s\n", "figure", "A", "B", "B/A");
		compare_rows(f, NULL, "", da, db);
	}
	json_decref(da);
	json_decref(db);
	if (fflush(f) || ferror(f))
		rc = vy_rep_stdout_error(stderr, prog);
	return rc;
}
