/* SPDX-License-Identifier: MIT */
/*
 * decode_run.c - vyre-decode's driver (decode_run.h).
 */
#include "report/decode_run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "telemetry/telemetry.h"
#include "wire/dump.h"
#include "wire/protocol.h"
#include "wire/util.h"

void vy_rep_decode_fail(struct vy_rep_decode_ctx *c, const char *file, const struct vy_err *e)
{
	int x = vy_err_exit(e->code);

	/* A NULL @file: the message names what failed (output errors). */
	if (file)
		fprintf(c->err, "%s: %s: ", c->prog, file);
	else
		fprintf(c->err, "%s: ", c->prog);
	fprintf(c->err, "%s\n", e->msg[0] ? e->msg : vy_err_name(e->code));
	if (e->hint[0])
		fprintf(c->err, "%s: hint: %s\n", c->prog, e->hint);
	if (x > c->exit)
		c->exit = x;
}

/* ---- output ---- */

static int acc_append(struct vy_rep_decode_ctx *c, const char *p, size_t n)
{
	if (!n)		/* -f svg adds nothing per snapshot; acc may be NULL */
		return 0;
	if (c->acc_len + n > c->acc_cap) {
		size_t ncap = c->acc_cap ? c->acc_cap : 65536;
		char *q;

		while (ncap < c->acc_len + n)
			ncap *= 2;
		q = realloc(c->acc, ncap);
		if (!q)
			return -1;
		c->acc = q;
		c->acc_cap = ncap;
	}
	memcpy(c->acc + c->acc_len, p, n);
	c->acc_len += n;
	return 0;
}

/* Write what --output should hold now. */
int vy_rep_decode_flush(struct vy_rep_decode_ctx *c)
{
	struct vy_err e;
	const char *p = c->fmt == VY_FMT_PROM ? c->last : c->acc;
	size_t n = c->fmt == VY_FMT_PROM ? c->last_len : c->acc_len;

	if (!c->output)
		return 0;
	vy_err_clear(&e);
	if (vy_write_file_atomic(c->output, p ? p : "", n, &e)) {
		vy_rep_decode_fail(c, NULL, &e);
		return -1;
	}
	return 0;
}

static void render(struct vy_rep_decode_ctx *c, FILE *f, struct vy_rep_decode *r)
{
	json_t *doc;

	switch (c->fmt) {
	case VY_FMT_TABLE:
		if (c->decoded > 1)
			fputc('\n', f);
		vy_rep_decode_diagnosis(f, r);
		vy_rep_decode_health_line(f, r);
		vy_rep_decode_table(f, r);
		break;
	case VY_FMT_JSON:
		doc = vy_rep_decode_json(r);
		vy_rep_emit_json(f, doc, VY_REP_DECODE_SCHEMA, 1);
		json_decref(doc);
		break;
	case VY_FMT_JSONL:
		doc = vy_rep_decode_json_flags(r, VY_TEL_JSON_NO_SLOTS);
		json_object_set_new(doc, "record", json_string("snapshot"));
		vy_rep_emit_json(f, doc, VY_REP_DECODE_SCHEMA, 0);
		json_decref(doc);
		if (c->o.slots != VY_TEL_SLOTS_NONE)
			vy_rep_decode_slot_lines(f, r, VY_REP_DECODE_SCHEMA);
		break;
	case VY_FMT_CSV:
		if (!c->csv_header_done) {
			vy_rep_decode_csv_header(f, &c->o);
			c->csv_header_done = true;
		}
		vy_rep_decode_csv(f, r);
		break;
	case VY_FMT_PROM:
		vy_rep_decode_prom(f, r);
		break;
	case VY_FMT_HEX:
		if (c->decoded > 1)
			fputc('\n', f);
		vy_rep_decode_hex(f, r);
		break;
	case VY_FMT_SVG:
		/* one picture of the whole stream, written at the end */
		if (vy_rep_svg_add(&c->svg, r, NULL))
			c->svg_error = true;
		break;
	}
}

int vy_rep_decode_svg_finish(struct vy_rep_decode_ctx *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	if (!c->svg.n_pts)
		return 0;
	if (!c->output)
		return vy_rep_svg_write(c->out, &c->svg);
	f = open_memstream(&buf, &len);
	if (!f)
		return VY_E_NOMEM;
	vy_rep_svg_write(f, &c->svg);
	ret = fclose(f) ? VY_E_NOMEM : acc_append(c, buf, len) ? VY_E_NOMEM : 0;
	free(buf);
	return ret;
}

static int emit_report(struct vy_rep_decode_ctx *c, struct vy_rep_decode *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (vy_rep_decode_anomalous(r))
		c->anomalous = true;
	if (!c->output && c->fmt != VY_FMT_PROM) {
		render(c, c->out, r);
		if (c->follow)
			fflush(c->out);
		return ferror(c->out) ? -1 : 0;
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	render(c, f, r);
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	if (c->fmt == VY_FMT_PROM) {
		free(c->last);
		c->last = buf;
		c->last_len = len;
		if (!c->output && c->follow) {
			fwrite(buf, 1, len, c->out);
			fflush(c->out);
		}
	} else {
		int ret = acc_append(c, buf, len);

		free(buf);
		if (ret)
			return -1;
	}
	if (c->follow && c->output)
		return vy_rep_decode_flush(c);
	return 0;
}

/* ---- one snapshot ---- */

static struct vy_rep_decode *next_slot(struct vy_rep_decode_ctx *c)
{
	return c->prev == &c->rep[0] ? &c->rep[1] : &c->rep[0];
}

/*
 * Decode @r (its buffers set) and print it.  Returns 0, or the error
 * code with @e filled (nothing printed for the snapshot).
 */
static int decode_one(struct vy_rep_decode_ctx *c, struct vy_rep_decode *r,
		      struct vy_err *e)
{
	const struct vy_rep_decode *prev = c->have_against ? &c->against :
							     c->prev;
	int ret;

	r->index = c->index;
	ret = vy_rep_decode_build(r, &c->o, prev, e);
	if (ret)
		return ret;
	c->index++;
	c->decoded++;
	if (emit_report(c, r) || c->svg_error) {
		vy_errf(e, VY_E_IO, NULL, "%s: write error: %s",
			c->output ? c->output : "<c->out>", strerror(errno));
		c->write_error = true;
		return VY_E_IO;
	}
	c->prev = r;
	return 0;
}

/* Point @r at the buffers of snapshot @s found at @start. */
static int report_from_snapshot(struct vy_rep_decode *r,
				const struct vy_snapshot *s,
				const uint8_t *start, struct vy_err *e)
{
	static const char *const names[VY_BUF_COUNT] = {
		"control", "ring", "debug log", "io queue",
	};
	const uint8_t **ptr[VY_BUF_COUNT] = { &r->control, &r->ring, &r->debug,
					      &r->io };
	size_t *len[VY_BUF_COUNT] = { &r->control_len, &r->ring_len,
				      &r->debug_len, &r->io_len };
	int b;

	r->has_meta = true;
	r->offset = s->offset;
	r->sequence = s->sequence;
	r->capture_ns = s->capture_ns;
	r->device = s->device;
	r->run = s->run;
	for (b = 0; b < VY_BUF_COUNT; b++) {
		const struct vy_dump_buf *d = &s->buf[b];

		*ptr[b] = NULL;
		*len[b] = 0;
		r->base[b] = s->offset;
		if (!d->present) {
			if (b == VY_BUF_CONTROL || b == VY_BUF_RING)
				return vy_errf(e, VY_E_FORMAT,
					       "capture the control and ring buffers in every snapshot",
					       "offset %llu: snapshot has no %s section",
					       (unsigned long long)s->offset,
					       names[b]);
			continue;
		}
		/* A present empty section still counts (an empty ring). */
		*ptr[b] = d->data ? d->data : (const uint8_t *)"";
		*len[b] = d->len;
		if (d->data)
			r->base[b] = s->offset + (uint64_t)(d->data - start);
	}
	return 0;
}

/* ---- snapshot streams ---- */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The snapshot says the run is over: its recorded end, or SHUTDOWN. */
static bool run_ended(const struct vy_snapshot *s,
		      const struct vy_rep_decode *r)
{
	if (s->run.present)
		return s->run.end != VY_RUN_RUNNING;
	return r->tel.control.shutdown;
}

/* --pid: the writer no longer exists (as tail --pid checks it). */
static bool writer_gone(const struct vy_rep_decode_ctx *c)
{
	return c->pid > 0 && kill((pid_t)c->pid, 0) && errno == ESRCH;
}

/*
 * Decode every snapshot of the stream on @fd.  Returns 0 to go on with
 * the next input, -1 to stop (an error without --keep-going).
 */
int vy_rep_decode_stream(struct vy_rep_decode_ctx *c, int fd, const char *name,
		     bool into_against)
{
	struct vy_tel_stream s;
	struct vy_snapshot snap;
	struct vy_err e;
	struct stat st;
	uint64_t skipped = 0, seen = 0;
	bool follow = c->follow && !into_against &&
		      !fstat(fd, &st) && S_ISREG(st.st_mode);
	int ret, result = 0, gone_seen = 0;

	vy_tel_stream_init(&s, fd, name);
	c->run_over = false;	/* each followed file ends with its own run */
	for (;;) {
		bool from_next;

		vy_err_clear(&e);
		if (*c->stop)
			break;
		ret = vy_tel_stream_next(&s, follow, &snap, &e);
		if (ret == 2) {
			if (*c->stop || (follow && c->run_over))
				break;
			if (follow && writer_gone(c)) {
				/* it may have written more before it went */
				if (gone_seen++)
					break;
				continue;
			}
			if (follow)
				sleep_ms(c->poll_ms);
			continue;
		}
		if (ret == 0)
			break;
		from_next = ret < 0;
		if (ret == 1) {
			struct vy_rep_decode *r = into_against ?
				&c->against : next_slot(c);
			const uint8_t *start = s.buf + (snap.offset - s.base);

			r->source = name;
			ret = report_from_snapshot(r, &snap, start, &e);
			if (!ret && into_against) {
				r->index = seen;
				ret = vy_rep_decode_build(r, &c->o, NULL, &e);
				r->device = "";
				if (!ret)
					c->have_against = true;
			} else if (!ret) {
				ret = decode_one(c, r, &e);
				if (!ret && !c->forever && run_ended(&snap, r))
					c->run_over = true;
			}
			seen++;
			if (!ret)
				continue;
		}
		/* A corrupt or truncated snapshot, or a read/write error. */
		if (ret == VY_E_IO || ret == VY_E_NOMEM || !c->keep_going) {
			if (ret == VY_E_BAD_MAGIC && seen == 0)
				snprintf(e.hint, sizeof(e.hint), "for raw "
					 "buffer files use --control FILE "
					 "--ring FILE");
			vy_rep_decode_fail(c, c->write_error ? NULL : name, &e);
			result = -1;
			break;
		}
		vy_rep_decode_fail(c, name, &e);
		skipped++;
		if (from_next) {
			if (ret == VY_E_TRUNCATED)
				break;
			vy_tel_stream_skip(&s);
		}
	}
	if (!result && seen == 0 && skipped == 0 && !*c->stop) {
		vy_errf(&e, VY_E_TRUNCATED, "give a file that holds at least one VYRD snapshot",
			"offset 0: empty input, no snapshot");
		vy_rep_decode_fail(c, name, &e);
	}
	if (skipped)
		fprintf(c->err, "%s: %s: %llu corrupt snapshot%s skipped\n", c->prog,
			name, (unsigned long long)skipped,
			skipped == 1 ? "" : "s");
	vy_tel_stream_free(&s);
	return result;
}

int vy_rep_decode_open(struct vy_rep_decode_ctx *c, const char *path, int *fd)
{
	struct vy_err e;

	if (!strcmp(path, "-")) {
		*fd = STDIN_FILENO;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		vy_errf(&e, VY_E_IO, "check the path and its permissions",
			"cannot open: %s", strerror(errno));
		vy_rep_decode_fail(c, path, &e);
		return -1;
	}
	return 0;
}

/* ---- raw buffer files ---- */

struct rawfile {
	const char *path;
	uint8_t *data;
	size_t len;
	bool mapped;
};

/* Map (regular files) or read (pipes, stdin) a raw buffer file. */
static int load_raw(struct vy_rep_decode_ctx *c, struct rawfile *rf)
{
	struct vy_err e;
	struct stat st;
	int fd;

	vy_err_clear(&e);
	if (!strcmp(rf->path, "-") || stat(rf->path, &st) ||
	    !S_ISREG(st.st_mode) || st.st_size == 0) {
		/* the reader's message names the file already */
		if (vy_read_file_max(rf->path, VY_DUMP_MAX_BYTES, &rf->data,
				     &rf->len, &e)) {
			vy_rep_decode_fail(c, NULL, &e);
			return -1;
		}
		return 0;
	}
	if ((uint64_t)st.st_size > VY_DUMP_MAX_BYTES) {
		vy_errf(&e, VY_E_FORMAT, NULL,
			"larger than the %u-byte limit (%u MiB)",
			VY_DUMP_MAX_BYTES, VY_DUMP_MAX_BYTES >> 20);
		vy_rep_decode_fail(c, rf->path, &e);
		return -1;
	}
	fd = open(rf->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vy_errf(&e, VY_E_IO, "check the path and its permissions",
			"cannot open: %s", strerror(errno));
		vy_rep_decode_fail(c, rf->path, &e);
		return -1;
	}
	rf->len = (size_t)st.st_size;
	rf->data = mmap(NULL, rf->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			fd, 0);
	close(fd);
	if (rf->data == MAP_FAILED) {
		rf->data = NULL;
		vy_errf(&e, VY_E_IO, NULL, "cannot map: %s", strerror(errno));
		vy_rep_decode_fail(c, rf->path, &e);
		return -1;
	}
	rf->mapped = true;
	return 0;
}

static void free_raw(struct rawfile *rf)
{
	if (rf->mapped)
		munmap(rf->data, rf->len);
	else
		free(rf->data);
}

int vy_rep_decode_raw(struct vy_rep_decode_ctx *c, const char *paths[VY_BUF_COUNT])
{
	struct rawfile rf[VY_BUF_COUNT];
	struct vy_rep_decode *r = next_slot(c);
	struct vy_err e;
	int b, ret = 0;

	memset(rf, 0, sizeof(rf));
	for (b = 0; b < VY_BUF_COUNT; b++) {
		rf[b].path = paths[b];
		if (paths[b] && load_raw(c, &rf[b]))
			ret = -1;
	}
	for (b = 0; !ret && b < VY_BUF_COUNT; b++) {
		if (rf[b].path && vy_dump_detect(rf[b].data, rf[b].len) ==
					  VY_DUMP_KIND_VYRD) {
			vy_errf(&e, VY_E_FORMAT,
				"pass a VYRD snapshot as a positional argument",
				"offset 0: is a VYRD snapshot, not a raw buffer");
			vy_rep_decode_fail(c, rf[b].path, &e);
			ret = -1;
		}
		/* the snapshot reader's slot limit holds for raw rings too */
		if (!ret && b == VY_BUF_RING && rf[b].path &&
		    rf[b].len / VY_SLOT_BYTES > VY_MAX_ENCODED_RING_SLOTS) {
			vy_errf(&e, VY_E_TOO_LARGE, NULL,
				"ring file: %zu slots is over the limit of %u",
				rf[b].len / VY_SLOT_BYTES,
				VY_MAX_ENCODED_RING_SLOTS);
			vy_rep_decode_fail(c, rf[b].path, &e);
			ret = -1;
		}
	}
	if (!ret) {
		r->source = paths[VY_BUF_RING];
		r->has_meta = false;
		memset(&r->run, 0, sizeof(r->run));
		r->control = rf[VY_BUF_CONTROL].data;
		r->control_len = rf[VY_BUF_CONTROL].len;
		r->ring = rf[VY_BUF_RING].data ? rf[VY_BUF_RING].data :
						 (const uint8_t *)"";
		r->ring_len = rf[VY_BUF_RING].len;
		r->debug = paths[VY_BUF_DEBUG_LOG] ?
			(rf[VY_BUF_DEBUG_LOG].data ? rf[VY_BUF_DEBUG_LOG].data :
			 (const uint8_t *)"") : NULL;
		r->debug_len = rf[VY_BUF_DEBUG_LOG].len;
		r->io = paths[VY_BUF_IO_QUEUE] ?
			(rf[VY_BUF_IO_QUEUE].data ? rf[VY_BUF_IO_QUEUE].data :
			 (const uint8_t *)"") : NULL;
		r->io_len = rf[VY_BUF_IO_QUEUE].len;
		if (!r->control)
			r->control = (const uint8_t *)"";
		memset(r->base, 0, sizeof(r->base));
		vy_err_clear(&e);
		if (decode_one(c, r, &e)) {
			vy_rep_decode_fail(c, c->write_error ? NULL : paths[r->err_buf],
			     &e);
			ret = -1;
		}
	}
	for (b = 0; b < VY_BUF_COUNT; b++)
		free_raw(&rf[b]);
	return ret;
}

void vy_rep_decode_ctx_free(struct vy_rep_decode_ctx *c)
{
	vy_rep_decode_free(&c->rep[0]);
	vy_rep_decode_free(&c->rep[1]);
	vy_rep_decode_free(&c->against);
	free(c->acc);
	free(c->last);
	vy_rep_svg_free(&c->svg);
}
