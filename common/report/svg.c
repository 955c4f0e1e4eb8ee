/* SPDX-License-Identifier: MIT */
/*
 * svg.c - the post-mortem picture of vyre-decode -f svg (svg.h).
 */
#include "report/svg.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wire/protocol.h"
#include "wire/util.h"

/* Colour classes, least serious first: an aggregated cell takes the max. */
enum {
	C_EMPTY, C_DONE, C_UNKNOWN, C_YIELD, C_REQUEUE, C_WAIT_IO,
	C_PUBLISHED, C_CLAIMED, C_BLOCKED, C_FAULT, C_COUNT
};

static const char *const cls_colour[C_COUNT] = {
	"#e6e6e6", "#5cb85c", "#333333", "#66cccc", "#cc66cc", "#9370db",
	"#3b7dd8", "#f0a030", "#8b5a2b", "#d62728",
};

static const char *const cls_name[C_COUNT] = {
	"empty", "done", "unknown", "yield", "requeue", "wait_io",
	"published", "claimed", "blocked tenant", "fault",
};

#define W 960		/* picture width */
#define GW 900		/* grid and chart width */
#define GH 420		/* grid area the cell size is chosen for */
#define X0 30		/* left margin */

void vy_rep_svg_init(struct vy_rep_svg *v)
{
	memset(v, 0, sizeof(*v));
}

void vy_rep_svg_free(struct vy_rep_svg *v)
{
	free(v->cls);
	free(v->pts);
	vy_rep_svg_init(v);
}

static uint8_t status_cls(uint32_t st)
{
	switch (st) {
	case VY_STATUS_EMPTY:
		return C_EMPTY;
	case VY_STATUS_PUBLISHED:
		return C_PUBLISHED;
	case VY_STATUS_CLAIMED:
		return C_CLAIMED;
	case VY_STATUS_DONE:
		return C_DONE;
	case VY_STATUS_WAIT_IO:
		return C_WAIT_IO;
	case VY_STATUS_YIELD:
		return C_YIELD;
	case VY_STATUS_REQUEUE:
		return C_REQUEUE;
	case VY_STATUS_FAULT:
		return C_FAULT;
	default:
		return C_UNKNOWN;
	}
}

/*
 * Add @text as lines of at most 130 characters, broken at blanks (a
 * continuation is indented).  Returns 1 when there is no room left.
 */
static int wrap(struct vy_rep_svg *v, const char *text, int sev)
{
	const size_t width = 130;
	size_t len = strlen(text), at = 0;
	const size_t max = sizeof(v->diag) / sizeof(v->diag[0]);

	if (v->n_diag == max)
		return 1;
	while (at < len && v->n_diag < max) {
		size_t n = len - at, indent = at ? 4 : 0;

		if (n > width - indent) {
			n = width - indent;
			while (n > 20 && text[at + n] != ' ')
				n--;
		}
		snprintf(v->diag[v->n_diag], sizeof(v->diag[0]), "%*s%.*s",
			 (int)indent, "", (int)n, text + at);
		v->diag_sev[v->n_diag++] = sev;
		at += n;
		while (text[at] == ' ')
			at++;
	}
	return 0;
}

int vy_rep_svg_add(struct vy_rep_svg *v, const struct vy_rep_decode *r,
		   struct vy_err *e)
{
	size_t n = r->ring_len / VY_SLOT_BYTES;
	const struct vy_tel_diag *d = &r->diag;
	struct vy_rep_svg_point *pt;

	if (n > v->cls_cap) {
		uint8_t *p = realloc(v->cls, n);

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		v->cls = p;
		v->cls_cap = n;
	}
	for (size_t i = 0; i < n; i++)
		v->cls[i] = status_cls(vy_word(r->ring, i * VY_SLOT_WORDS +
							VY_SLOT_STATUS_WORD));
	v->n_slots = n;
	for (size_t i = 0; i < d->n; i++) {
		const struct vy_tel_finding *f = &d->f[i];

		if (f->kind != VY_TEL_DIAG_BLOCKED_TENANTS)
			continue;
		for (size_t k = 0; k < f->n_slots; k++)
			v->cls[d->slots[f->slot0 + k]] = C_BLOCKED;
	}
	snprintf(v->source, sizeof(v->source), "%s",
		 r->source ? r->source : "-");
	v->index = r->index;
	v->n_diag = 0;
	v->more_diag = 0;
	for (size_t i = 0; i < d->n; i++) {
		char text[400];

		snprintf(text, sizeof(text), "%s: %s",
			 vy_tel_severity_name(d->f[i].severity),
			 d->f[i].message);
		if (wrap(v, text, (int)d->f[i].severity))
			v->more_diag++;
	}
	if (!d->n) {
		snprintf(v->diag[0], sizeof(v->diag[0]),
			 "ok: no stall, fault or blocked tenant");
		v->diag_sev[0] = -1;
		v->n_diag = 1;
	}

	if (v->n_pts == v->pts_cap) {
		size_t nc = v->pts_cap ? v->pts_cap * 2 : 64;
		struct vy_rep_svg_point *p = realloc(v->pts, nc * sizeof(*p));

		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		v->pts = p;
		v->pts_cap = nc;
	}
	pt = &v->pts[v->n_pts++];
	pt->index = r->index;
	pt->queue_depth = r->counters.queue_depth;
	/* the first snapshot: what was done since the start */
	pt->done_delta = r->has_health ? r->health.done_delta :
					 r->tel.control.done_count;
	pt->faults = r->tel.occupancy.fault;
	return 0;
}

/* Text content with &, <, > and " escaped. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			/* control characters are not allowed in XML 1.0 */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

/* The class of cell @c holding slots [c * k, c * k + k). */
static uint8_t cell_cls(const struct vy_rep_svg *v, size_t c, size_t k)
{
	size_t a = c * k, b = a + k < v->n_slots ? a + k : v->n_slots;
	uint8_t m = 0;

	for (size_t i = a; i < b; i++)
		if (v->cls[i] > m)
			m = v->cls[i];
	return m;
}

struct grid {
	size_t k, cells, cols, rows;
	unsigned side;
};

static void grid_layout(const struct vy_rep_svg *v, struct grid *g)
{
	size_t p = 1;
	double s;

	g->k = v->n_slots <= VY_REP_SVG_MAX_CELLS ? 1 :
		(v->n_slots + VY_REP_SVG_MAX_CELLS - 1) / VY_REP_SVG_MAX_CELLS;
	g->cells = (v->n_slots + g->k - 1) / g->k;
	s = g->cells ? floor(sqrt((double)GW * GH / (double)g->cells)) : 40;
	g->side = s > 40 ? 40 : s < 6 ? 6 : (unsigned)s;
	/* a power of two per row: slot numbers are easy to find */
	while (p * 2 <= g->cells && p * 2 <= GW / g->side)
		p *= 2;
	g->cols = p;
	g->rows = g->cells ? (g->cells + p - 1) / p : 0;
}

static void draw_grid(FILE *f, const struct vy_rep_svg *v,
		      const struct grid *g, unsigned y0)
{
	bool each = g->k == 1 && g->side >= 10;

	for (size_t row = 0; row < g->rows; row++) {
		size_t c = row * g->cols, end = c + g->cols;

		if (end > g->cells)
			end = g->cells;
		while (c < end) {
			uint8_t k = cell_cls(v, c, g->k);
			size_t run = 1;
			unsigned x = X0 + (unsigned)(c - row * g->cols) * g->side;
			unsigned y = y0 + (unsigned)row * g->side;

			if (each) {
				fprintf(f, "<rect id=\"slot-%zu\" x=\"%u\" "
					   "y=\"%u\" width=\"%u\" height=\"%u\" "
					   "fill=\"%s\" stroke=\"%s\" "
					   "stroke-width=\"%s\"><title>slot %zu: "
					   "%s</title></rect>\n", c, x, y,
					g->side, g->side, cls_colour[k],
					k == C_FAULT ? "#000000" : "#ffffff",
					k == C_FAULT ? "3" : "1", c,
					cls_name[k]);
				if (g->side >= 28)
					fprintf(f, "<text x=\"%u\" y=\"%u\" "
						   "font-size=\"10\" fill=\"%s\">"
						   "%zu</text>\n", x + 3, y + 12,
						k == C_FAULT || k == C_BLOCKED ||
						k == C_UNKNOWN ? "#ffffff" :
						"#000000", c);
				c++;
				continue;
			}
			/* equal neighbours share one rectangle */
			while (c + run < end && cell_cls(v, c + run, g->k) == k)
				run++;
			fprintf(f, "<rect id=\"cell-%zu\" x=\"%u\" y=\"%u\" "
				   "width=\"%u\" height=\"%u\" fill=\"%s\"/>\n",
				c, x, y, (unsigned)run * g->side, g->side,
				cls_colour[k]);
			c += run;
		}
	}
}

static void draw_legend(FILE *f, const struct vy_rep_svg *v, unsigned y0)
{
	size_t count[C_COUNT] = { 0 };
	unsigned i, shown = 0;

	for (size_t s = 0; s < v->n_slots; s++)
		count[v->cls[s]]++;
	for (i = C_COUNT; i-- > 0;) {
		unsigned x = X0 + (shown % 5) * 180;
		unsigned y = y0 + (shown / 5) * 20;

		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
			   "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>"
			   "<text x=\"%u\" y=\"%u\" font-size=\"12\">%s %zu"
			   "</text>\n", x, y, cls_colour[i],
			i == C_FAULT ? "#000000" : "#999999",
			i == C_FAULT ? "2" : "1", x + 18, y + 11, cls_name[i],
			count[i]);
		shown++;
	}
}

static double scale_y(uint32_t val, uint32_t max, unsigned y0, unsigned h)
{
	return y0 + h - (double)val * h / max;
}

static void draw_timeline(FILE *f, const struct vy_rep_svg *v, unsigned y0)
{
	const unsigned h = 140;
	uint32_t max = 1;
	double dx = v->n_pts > 1 ? (double)GW / (double)(v->n_pts - 1) : 0;
	double bw = dx > 2 ? dx * 0.6 : 1;

	for (size_t i = 0; i < v->n_pts; i++) {
		const struct vy_rep_svg_point *p = &v->pts[i];

		if (p->queue_depth > max)
			max = p->queue_depth;
		if (p->done_delta > max)
			max = p->done_delta;
		if (p->faults > max)
			max = p->faults;
	}
	max += max / 10 + 1;	/* headroom: a line at the top stays visible */
	fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"14\" "
		   "font-weight=\"bold\">timeline of %zu snapshots</text>\n",
		X0, y0 - 8, v->n_pts);
	fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" "
		   "fill=\"#fafafa\" stroke=\"#999999\"/>\n", X0, y0, GW, h);
	fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"11\">%" PRIu32
		   "</text>\n", X0 + 4, y0 + 12, max);
	for (size_t i = 0; i < v->n_pts; i++) {
		const struct vy_rep_svg_point *p = &v->pts[i];
		double x = X0 + dx * (double)i, y = scale_y(p->done_delta, max,
							    y0, h);

		double left = x - bw / 2 < X0 ? X0 : x - bw / 2;
		double right = x + bw / 2 > X0 + GW ? X0 + GW : x + bw / 2;

		/* bars stay inside the chart at both ends */
		if (p->done_delta)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				   "height=\"%.1f\" fill=\"#5cb85c\" "
				   "fill-opacity=\"0.6\"/>\n", left, y,
				right - left, y0 + h - y);
	}
	for (int line = 0; line < 2; line++) {
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" "
			   "stroke-width=\"2\" points=\"",
			line ? "#d62728" : "#3b7dd8");
		for (size_t i = 0; i < v->n_pts; i++) {
			const struct vy_rep_svg_point *p = &v->pts[i];

			fprintf(f, "%s%.1f,%.1f", i ? " " : "",
				X0 + dx * (double)i,
				scale_y(line ? p->faults : p->queue_depth, max,
					y0, h));
		}
		fputs("\"/>\n", f);
	}
	fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"11\">snapshot %"
		   PRIu64 "</text>\n<text x=\"%u\" y=\"%u\" font-size=\"11\" "
		   "text-anchor=\"end\">snapshot %" PRIu64 "</text>\n",
		X0, y0 + h + 14, v->pts[0].index, X0 + GW, y0 + h + 14,
		v->pts[v->n_pts - 1].index);
	fprintf(f, "<g font-size=\"12\"><rect x=\"%u\" y=\"%u\" width=\"12\" "
		   "height=\"3\" fill=\"#3b7dd8\"/><text x=\"%u\" y=\"%u\">"
		   "queue depth</text><rect x=\"%u\" y=\"%u\" width=\"12\" "
		   "height=\"12\" fill=\"#5cb85c\" fill-opacity=\"0.6\"/>"
		   "<text x=\"%u\" y=\"%u\">done per interval</text><rect "
		   "x=\"%u\" y=\"%u\" width=\"12\" height=\"3\" "
		   "fill=\"#d62728\"/><text x=\"%u\" y=\"%u\">faulted slots"
		   "</text></g>\n",
		X0 + 200, y0 + h + 26, X0 + 218, y0 + h + 32,
		X0 + 360, y0 + h + 22, X0 + 378, y0 + h + 32,
		X0 + 540, y0 + h + 26, X0 + 558, y0 + h + 32);
}

int vy_rep_svg_write(FILE *f, const struct vy_rep_svg *v)
{
	struct grid g;
	unsigned y = 30, grid_y, legend_y, height;

	if (!v->n_pts)
		return VY_E_INVAL;
	grid_layout(v, &g);
	grid_y = 30 + 20 * (unsigned)(v->n_diag + !!v->more_diag) + 56;
	legend_y = grid_y + (unsigned)g.rows * g.side + 20;
	height = legend_y + 50 + (v->n_pts > 1 ? 230 : 0);

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		   "height=\"%u\" viewBox=\"0 0 %u %u\" "
		   "font-family=\"DejaVu Sans, Verdana, sans-serif\">\n",
		W, height, W, height);
	fputs("<title>vyre-decode post-mortem: ", f);
	xml_text(f, v->source);
	fputs("</title>\n", f);
	fprintf(f, "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", W,
		height);
	fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"16\" "
		   "font-weight=\"bold\">", X0, y);
	xml_text(f, v->source);
	fprintf(f, ": snapshot %" PRIu64 ", %zu slots</text>\n", v->index,
		v->n_slots);
	for (size_t i = 0; i < v->n_diag; i++) {
		y += 20;
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\" "
			   "fill=\"%s\">", X0, y,
			v->diag_sev[i] == VY_TEL_SEV_ERROR ? "#b00000" :
			v->diag_sev[i] == VY_TEL_SEV_WARNING ? "#a06000" :
			"#207020");
		xml_text(f, v->diag[i]);
		fputs("</text>\n", f);
	}
	if (v->more_diag) {
		y += 20;
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\">and %zu "
			   "more findings (vyre-decode without -f svg)</text>\n",
			X0, y, v->more_diag);
	}
	fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"14\" "
		   "font-weight=\"bold\">ring map of the last snapshot</text>\n",
		X0, grid_y - 26);
	if (g.k == 1)
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\">one cell "
			   "per slot, %zu per row, slot 0 top left</text>\n",
			X0, grid_y - 8, g.cols);
	else
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\">more "
			   "slots than cells: each cell holds %zu slots and "
			   "shows the most serious status among them; %zu "
			   "cells per row</text>\n", X0, grid_y - 8, g.k,
			g.cols);
	if (!v->n_slots)
		fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"12\">the ring "
			   "is empty (0 slots)</text>\n", X0, grid_y + 12);
	draw_grid(f, v, &g, grid_y);
	draw_legend(f, v, legend_y);
	if (v->n_pts > 1)
		draw_timeline(f, v, legend_y + 50 + 40);
	fputs("</svg>\n", f);
	return ferror(f) ? VY_E_IO : 0;
}
