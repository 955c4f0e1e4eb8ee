/* SPDX-License-Identifier: MIT */
/*
 * recommend_knobs.c - --policy, --show-policy and --autotune of
 * vyre-recommend (recommend_knobs.h).
 */
#include "report/recommend_knobs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy/knobs.h"
#include "policy/tune.h"
#include "wire/util.h"

static int set_member(struct vy_pol_launch_policy *p, const char *name,
		      json_t *v, struct vy_err *e)
{
	int idx = vy_pol_knob_index(name);
	json_int_t x;

	if (idx < 0)
		return vy_errf(e, VY_E_FORMAT,
			       "use the names vyre-recommend --show-policy -j writes",
			       "unknown member '%s'", name);
	if (!json_is_integer(v) || (x = json_integer_value(v)) < 0)
		return vy_errf(e, VY_E_FORMAT, NULL,
			       "%s: not a non-negative integer", name);
	return vy_pol_knob_set(p, idx, (uint64_t)x, e);
}

int vy_rep_policy_load(const char *path, struct vy_pol_launch_policy *p,
		       struct vy_err *e)
{
	uint8_t *buf;
	size_t len;
	int err;

	*p = vy_pol_launch_policy_standard();
	/* its errors name the file already */
	err = vy_read_file(path, &buf, &len, e);
	if (err)
		return err;
	err = vy_rep_policy_parse((const char *)buf, len, p, e);
	free(buf);
	if (err && e) {
		char msg[sizeof(e->msg)], hint[sizeof(e->hint)];

		/* copies: vy_errf writes over both; a long path is cut */
		memcpy(msg, e->msg, sizeof(msg));
		memcpy(hint, e->hint, sizeof(hint));
		vy_errf(e, err, hint[0] ? hint : NULL, "%s: %.*s", path,
			(int)(sizeof(msg) - 1), msg);
	}
	return err;
}

int vy_rep_policy_parse(const char *text, size_t len,
			struct vy_pol_launch_policy *p, struct vy_err *e)
{
	json_error_t je;
	const char *k, *k2;
	json_t *doc, *v, *v2;
	int err;

	*p = vy_pol_launch_policy_standard();
	doc = json_loadb(text, len, 0, &je);
	if (!doc)
		return vy_errf(e, VY_E_FORMAT, NULL, "line %d column %d: %s",
			       je.line, je.column, je.text);
	err = 0;
	if (!json_is_object(doc))
		err = vy_errf(e, VY_E_FORMAT, NULL, "not a JSON object");
	json_object_foreach(doc, k, v) {
		char name[128];

		if (err)
			break;
		if (!strcmp(k, "schema")) {
			if (!json_is_string(v) ||
			    strcmp(json_string_value(v), VY_POLICY_SCHEMA))
				err = vy_errf(e, VY_E_FORMAT, NULL,
					      "schema is not \"%s\"",
					      VY_POLICY_SCHEMA);
			continue;
		}
		/* the toolkit version the writer added: any is read */
		if (!strcmp(k, "version")) {
			if (!json_is_string(v))
				err = vy_errf(e, VY_E_FORMAT, NULL,
					      "version is not a string");
			continue;
		}
		if (strcmp(k, "sizing")) {
			err = set_member(p, k, v, e);
			continue;
		}
		if (!json_is_object(v)) {
			err = vy_errf(e, VY_E_FORMAT, NULL,
				      "sizing: not an object");
			continue;
		}
		json_object_foreach(v, k2, v2) {
			snprintf(name, sizeof(name), "sizing.%s", k2);
			err = set_member(p, name, v2, e);
			if (err)
				break;
		}
	}
	json_decref(doc);
	return err ? err : vy_pol_launch_policy_validate(p, e);
}

void vy_rep_policy_print(FILE *f, enum vy_rep_format fmt,
			 const struct vy_pol_launch_policy *p)
{
	json_t *doc, *sizing;

	if (fmt != VY_FMT_JSON && fmt != VY_FMT_JSONL) {
		for (int i = 0; i < VY_POLICY_KNOBS; i++)
			fprintf(f, "%-36s %u\n", vy_pol_knobs[i].name,
				vy_pol_knob_get(p, i));
		return;
	}
	doc = json_object();
	sizing = json_object();
	for (int i = 0; i < VY_POLICY_KNOBS; i++) {
		const char *n = vy_pol_knobs[i].name;
		json_t *v = json_integer(vy_pol_knob_get(p, i));

		if (!strncmp(n, "sizing.", 7))
			json_object_set_new(sizing, n + 7, v);
		else
			json_object_set_new(doc, n, v);
	}
	json_object_set_new(doc, "sizing", sizing);
	vy_rep_emit_json(f, doc, VY_POLICY_SCHEMA, fmt == VY_FMT_JSON);
	json_decref(doc);
}

/* ---- --autotune ---------------------------------------------------- */

static int u64_member(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int candidate(json_t *doc, struct vy_rep_candidate *c)
{
	json_t *g = json_object_get(doc, "geometry");
	const char *end = json_string_value(json_object_get(doc, "end_reason"));
	uint64_t wg, wgs;

	if (!end || !json_is_object(g) || u64_member(g, "workgroups", &wg) ||
	    u64_member(g, "workgroup_size", &wgs) || !wg || !wgs ||
	    wg > UINT32_MAX || wgs > UINT32_MAX ||
	    u64_member(doc, "items_processed", &c->items) ||
	    u64_member(doc, "wall_ns", &c->wall_ns))
		return -1;
	c->workgroups = (uint32_t)wg;
	c->workgroup_size = (uint32_t)wgs;
	c->cost = strcmp(end, "ok") || !c->items ? INFINITY :
		  (double)c->wall_ns / (double)c->items;
	return 0;
}

/* Least-squares slope of @y over @x among the finite @y; 0 without spread. */
static double slope(const double *x, const double *y, size_t n)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		mx += x[i];
		my += y[i];
		m++;
	}
	if (m < 2)
		return 0;
	mx /= (double)m;
	my /= (double)m;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/*
 * The slope along @x at the best candidate @b: over the candidates that
 * share its other size (@y) and lie within one doubling of it, so that a
 * minimum between two worse neighbours gives a slope near 0 (stay) and
 * far-off runs do not pull the step.
 */
static double local_slope(const double *x, const double *y,
			  const double *cost, size_t n, size_t b)
{
	double xs[64], cs[64];
	size_t m = 0;

	for (size_t i = 0; i < n && m < 64; i++) {
		if (y[i] != y[b] || fabs(x[i] - x[b]) > 1)
			continue;
		xs[m] = x[i];
		cs[m++] = cost[i];
	}
	return slope(xs, cs, m);
}

/* a step under 5% relative cost per doubling is noise: stay */
#define STEP_DEAD_BAND 0.05

static uint32_t scale_pow2(uint32_t v, double step)
{
	int k = step > STEP_DEAD_BAND ? 1 : step < -STEP_DEAD_BAND ? -1 : 0;

	if (k > 0)
		return v > UINT32_MAX / 2 ? v : v * 2;
	if (k < 0)
		return v > 1 ? v / 2 : 1;
	return v;
}

static void tune(struct vy_rep_autotune *a)
{
	static const double identity[4] = { 1, 0, 0, 1 };
	size_t n = a->n;
	double *costs = malloc(n * sizeof(double) * 3);
	uint32_t *sizes = malloc(n * sizeof(uint32_t));
	double *x1, *x2, base;

	if (!costs || !sizes) {
		free(costs);
		free(sizes);
		return;
	}
	x1 = costs + n;
	x2 = costs + 2 * n;
	for (size_t i = 0; i < n; i++) {
		costs[i] = a->c[i].cost;
		sizes[i] = a->c[i].workgroup_size;
		x1[i] = log2((double)a->c[i].workgroups);
		x2[i] = log2((double)a->c[i].workgroup_size);
	}
	a->best = vy_pol_best_cost_index(costs, n);
	a->workgroup_size = vy_pol_autotune_workgroup_size(sizes, n, costs, n,
						 a->c[a->best].workgroup_size);
	/* relative costs, so the step is in doublings whatever the unit */
	base = a->c[a->best].cost;
	for (size_t i = 0; i < n; i++)
		costs[i] = isfinite(costs[i]) && base > 0 ?
				   costs[i] / base - 1 : INFINITY;
	a->gradient[0] = local_slope(x1, x2, costs, n, a->best);
	a->gradient[1] = local_slope(x2, x1, costs, n, a->best);
	if (vy_pol_natural_gradient_step(identity, 4, a->gradient, 2, 2, 1.0,
					 a->step) != 2)
		a->step[0] = a->step[1] = 0;
	a->next_workgroups = scale_pow2(a->c[a->best].workgroups, a->step[0]);
	a->next_workgroup_size = scale_pow2(a->c[a->best].workgroup_size,
					    a->step[1]);
	/* a neighbour already measured is no better than the best: stay */
	for (size_t i = 0; i < n; i++) {
		if (a->c[i].workgroups == a->next_workgroups &&
		    a->c[i].workgroup_size == a->next_workgroup_size) {
			a->next_workgroups = a->c[a->best].workgroups;
			a->next_workgroup_size = a->c[a->best].workgroup_size;
			break;
		}
	}
	free(costs);
	free(sizes);
}

int vy_rep_autotune_read(FILE *in, const char *name,
			 struct vy_rep_autotune *out, struct vy_err *e)
{
	size_t cap = 0;
	json_error_t je;
	json_t *doc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		int c;

		/* skip blanks between values; stop at the end */
		while ((c = getc(in)) == ' ' || c == '\n' || c == '\t' ||
		       c == '\r')
			;
		if (c == EOF)
			break;
		ungetc(c, in);
		doc = json_loadf(in, JSON_DISABLE_EOF_CHECK, &je);
		if (!doc) {
			vy_rep_autotune_free(out);
			return vy_errf(e, VY_E_FORMAT, NULL,
				       "%s: report %zu: %s", name,
				       out->n + 1, je.text);
		}
		if (out->n == cap) {
			struct vy_rep_candidate *g;

			cap = cap ? 2 * cap : 16;
			g = realloc(out->c, cap * sizeof(*g));
			if (!g) {
				json_decref(doc);
				vy_rep_autotune_free(out);
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "out of memory");
			}
			out->c = g;
		}
		if (candidate(doc, &out->c[out->n])) {
			json_decref(doc);
			vy_rep_autotune_free(out);
			return vy_errf(e, VY_E_FORMAT,
				       "give the reports vyre-launch -j writes",
				       "%s: report %zu lacks end, items_processed, wall_ns or geometry.workgroups/workgroup_size",
				       name, out->n + 1);
		}
		out->n++;
		json_decref(doc);
	}
	if (ferror(in)) {
		int errnum = errno;

		vy_rep_autotune_free(out);
		return vy_errf(e, VY_E_IO, NULL, "%s: read error: %s", name,
			       strerror(errnum));
	}
	if (!out->n)
		return vy_errf(e, VY_E_INVAL,
			       "run vyre-launch -j with different --workgroups/--workgroup-size and concatenate the reports",
			       "%s: no reports", name);
	tune(out);
	return 0;
}

void vy_rep_autotune_free(struct vy_rep_autotune *a)
{
	free(a->c);
	a->c = NULL;
	a->n = 0;
}

static json_t *cost_json(double c)
{
	return isfinite(c) ? json_real(c) : json_null();
}

void vy_rep_autotune_print(FILE *f, enum vy_rep_format fmt,
			   const struct vy_rep_autotune *a)
{
	const struct vy_rep_candidate *b = &a->c[a->best];
	json_t *doc, *arr;

	if (fmt != VY_FMT_JSON && fmt != VY_FMT_JSONL) {
		for (size_t i = 0; i < a->n; i++)
			fprintf(f, "%-20s %zu: %u x %u, %.1f ns/item%s\n",
				"candidate", i, a->c[i].workgroups,
				a->c[i].workgroup_size, a->c[i].cost,
				i == a->best ? " (best)" : "");
		fprintf(f, "%-20s %u\n%-20s %u\n", "workgroups",
			b->workgroups, "workgroup_size", b->workgroup_size);
		fprintf(f, "%-20s %.4f %.4f\n%-20s %u x %u\n",
			"natural_step", a->step[0] == 0 ? 0.0 : a->step[0],
			a->step[1] == 0 ? 0.0 : a->step[1], "next_probe",
			a->next_workgroups, a->next_workgroup_size);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < a->n; i++)
		json_array_append_new(arr, json_pack("{s:I,s:I,s:o,s:o,s:o}",
			"workgroups", (json_int_t)a->c[i].workgroups,
			"workgroup_size", (json_int_t)a->c[i].workgroup_size,
			"items_processed", vy_rep_json_u64(a->c[i].items),
			"wall_ns", vy_rep_json_u64(a->c[i].wall_ns),
			"cost_ns_per_item", cost_json(a->c[i].cost)));
	doc = json_pack("{s:o,s:I,s:{s:I,s:I},s:I,s:{s:[f,f],s:[f,f],s:{s:I,s:I}}}",
		"candidates", arr, "best", (json_int_t)a->best,
		"geometry", "workgroups", (json_int_t)b->workgroups,
		"workgroup_size", (json_int_t)b->workgroup_size,
		"autotune_workgroup_size", (json_int_t)a->workgroup_size,
		"natural_gradient", "gradient", a->gradient[0], a->gradient[1],
		"step", a->step[0], a->step[1], "next_probe", "workgroups",
		(json_int_t)a->next_workgroups, "workgroup_size",
		(json_int_t)a->next_workgroup_size);
	vy_rep_emit_json(f, doc, VY_AUTOTUNE_SCHEMA, fmt == VY_FMT_JSON);
	json_decref(doc);
}

int vy_rep_autotune_run(FILE *out, FILE *err, const char *prog,
			const char *path, enum vy_rep_format fmt)
{
	struct vy_rep_autotune a;
	struct vy_err e;
	FILE *in = stdin;
	int ret;

	if (strcmp(path, "-")) {
		in = fopen(path, "r");
		if (!in) {
			fprintf(err, "%s: %s: %s\n", prog, path, strerror(errno));
			return VY_EXIT_IO;
		}
	}
	ret = vy_rep_autotune_read(in, strcmp(path, "-") ? path : "<stdin>",
				   &a, &e);
	if (in != stdin)
		fclose(in);
	if (ret) {
		vy_rep_err(err, prog, &e);
		return ret == VY_E_INVAL ? VY_EXIT_DATA : vy_err_exit(ret);
	}
	vy_rep_autotune_print(out, fmt, &a);
	vy_rep_autotune_free(&a);
	return fflush(out) ? VY_EXIT_IO : VY_EXIT_OK;
}
