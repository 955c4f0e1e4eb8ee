/* SPDX-License-Identifier: MIT */
/*
 * telemetry_stream.c - VYRD snapshot streams that survive a corrupt
 * snapshot (vyre-decode --keep-going, --follow), and PRINTF format tables.
 */
#include "telemetry/telemetry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/util.h"

#define STREAM_CHUNK (1u << 20)

void vy_tel_stream_init(struct vy_tel_stream *s, int fd, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->name = name;
}

void vy_tel_stream_free(struct vy_tel_stream *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->pos = s->cap = 0;
}

/* Read more bytes: 1 read, 0 end of input, negative error. */
static int fill(struct vy_tel_stream *s, struct vy_err *e)
{
	ssize_t n;

	if (s->pos > 0 && (s->pos == s->len || s->pos >= s->cap / 2)) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->base += s->pos;
		s->len -= s->pos;
		s->pos = 0;
	}
	if (s->cap - s->len < STREAM_CHUNK) {
		size_t ncap = s->cap ? s->cap * 2 : 4 * STREAM_CHUNK;
		uint8_t *p;

		while (ncap - s->len < STREAM_CHUNK)
			ncap *= 2;
		if (ncap > (size_t)VY_DUMP_MAX_BYTES * 2 + 8 * STREAM_CHUNK)
			return vy_errf(e, VY_E_TOO_LARGE, NULL,
				       "offset %llu: snapshot larger than %u bytes",
				       (unsigned long long)(s->base + s->pos),
				       VY_DUMP_MAX_BYTES);
		p = realloc(s->buf, ncap);
		if (!p)
			return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
		s->buf = p;
		s->cap = ncap;
	}
	n = read(s->fd, s->buf + s->len, s->cap - s->len);
	if (n < 0 && errno == EINTR)
		return 2;	/* a signal: let the caller look at it */
	if (n < 0)
		return vy_errf(e, VY_E_IO, NULL, "read error: %s",
			       strerror(errno));
	if (n == 0) {
		s->eof = true;
		return 0;
	}
	s->len += (size_t)n;
	return 1;
}

int vy_tel_stream_next(struct vy_tel_stream *s, bool follow,
		       struct vy_snapshot *out, struct vy_err *e)
{
	int ret;

	s->last_err = 0;
	for (;;) {
		if (s->len > s->pos) {
			size_t used = 0;

			ret = vy_dump_parse(s->buf + s->pos, s->len - s->pos,
					    s->base + s->pos, out, &used, e);
			if (ret == 0) {
				s->pos += used;
				return 1;
			}
			if (ret != VY_E_TRUNCATED || s->eof) {
				if (ret == VY_E_TRUNCATED && follow) {
					s->eof = false;
					return 2;
				}
				s->last_err = ret;
				return ret;
			}
		} else if (s->eof) {
			if (follow) {
				s->eof = false;
				return 2;
			}
			return 0;
		}
		ret = fill(s, e);
		if (ret < 0) {
			s->last_err = ret;
			return ret;
		}
		if (ret == 2)
			return 2;
	}
}

static bool magic_at(const struct vy_tel_stream *s, size_t at)
{
	return at + 4 <= s->len && !memcmp(s->buf + at, VY_DUMP_MAGIC, 4);
}

int vy_tel_stream_skip(struct vy_tel_stream *s)
{
	size_t at;
	uint64_t total = 0;

	/*
	 * The next snapshot starts at the stated length when that is
	 * believable, else at the next "VYRD" magic at any byte offset
	 * (junk between snapshots need not be a multiple of 8 long).
	 */
	if (s->len - s->pos >= 24 && magic_at(s, s->pos))
		total = vy_le64(s->buf + s->pos + 16);
	if (total >= VY_DUMP_HEADER_LEN && total % VY_DUMP_ALIGN == 0 &&
	    total <= VY_DUMP_MAX_BYTES) {
		while (s->len - s->pos < total + 4 && !s->eof)
			if (fill(s, NULL) < 0)
				break;
		if (s->len - s->pos == total ||
		    (s->len - s->pos > total &&
		     magic_at(s, s->pos + (size_t)total))) {
			s->pos += (size_t)total;
			return 0;
		}
	}
	at = 1;
	for (;;) {
		for (; s->pos + at + 4 <= s->len; at++)
			if (magic_at(s, s->pos + at)) {
				s->pos += at;
				return 0;
			}
		if (s->eof) {
			s->pos = s->len;
			return 0;
		}
		if (fill(s, NULL) != 1 && !s->eof) {
			s->pos = s->len;
			return 0;
		}
	}
}

/* ---- PRINTF formats ---- */

void vy_tel_printf_formats_free(struct vy_tel_printf_formats *pf)
{
	size_t i;

	for (i = 0; i < pf->n; i++)
		free(pf->fmts[i]);
	free(pf->fmts);
	free(pf->ids);
	memset(pf, 0, sizeof(*pf));
}

const char *vy_tel_printf_formats_get(const struct vy_tel_printf_formats *pf,
				  uint32_t id)
{
	size_t i = pf->n;

	while (i--)
		if (pf->ids[i] == id)
			return pf->fmts[i];
	return NULL;
}

/* Unquote "..." with \n \t \" \\ escapes in place; -1 if malformed. */
static int unquote(char *s)
{
	char *w = s, *r = s + 1;
	size_t n = strlen(s);

	if (n < 2 || s[n - 1] != '"')
		return -1;
	s[n - 1] = '\0';
	while (*r) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		default: return -1;
		}
		r++;
	}
	*w = '\0';
	return 0;
}

int vy_tel_printf_formats_parse(struct vy_tel_printf_formats *pf, const char *text,
			    size_t len, struct vy_err *e)
{
	size_t pos = 0, line = 0;

	memset(pf, 0, sizeof(*pf));
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, l;
		char *s, *sp, *fmt;
		uint64_t id;
		bool bad_id;
		void *p;

		line++;
		l = end - pos;
		if (l && text[pos + l - 1] == '\r')
			l--;
		s = strndup(text + pos, l);
		pos = end + 1;
		if (!s)
			goto nomem;
		if (!s[0] || s[0] == '#') {
			free(s);
			continue;
		}
		sp = strchr(s, ' ');
		if (!sp)
			sp = strchr(s, '\t');
		if (!sp) {
			free(s);
			vy_tel_printf_formats_free(pf);
			return vy_errf(e, VY_E_FORMAT,
				       "write each line as: ID FORMAT",
				       "line %zu: no format after the id", line);
		}
		*sp = '\0';
		fmt = sp + 1;
		bad_id = vy_parse_u64(s, UINT32_MAX, 0, &id) != 0;
		if (bad_id || (fmt[0] == '"' && unquote(fmt))) {
			const char *what = bad_id ? "format id" :
						    "quoted format";

			free(s);
			vy_tel_printf_formats_free(pf);
			return vy_errf(e, VY_E_FORMAT,
				       "write each line as: ID FORMAT, the id decimal or 0x hex",
				       "line %zu: bad %s", line, what);
		}
		memmove(s, fmt, strlen(fmt) + 1);
		p = realloc(pf->ids, (pf->n + 1) * sizeof(*pf->ids));
		if (!p) {
			free(s);
			goto nomem;
		}
		pf->ids = p;
		p = realloc(pf->fmts, (pf->n + 1) * sizeof(*pf->fmts));
		if (!p) {
			free(s);
			goto nomem;
		}
		pf->fmts = p;
		pf->ids[pf->n] = (uint32_t)id;
		pf->fmts[pf->n++] = s;
	}
	return 0;
nomem:
	vy_tel_printf_formats_free(pf);
	return vy_errf(e, VY_E_NOMEM, NULL, "out of memory");
}

void vy_tel_printf_render(const char *fmt, uint32_t a1, uint32_t a2, char *buf,
		      size_t len)
{
	size_t o = 0;
	int argi = 0;

	if (!len)
		return;
#define PUT(ch)                                \
	do {                                   \
		if (o + 1 < len)               \
			buf[o++] = (ch);       \
	} while (0)
	while (*fmt) {
		const char *start = fmt;
		char spec[16], tmp[48];
		int zero = 0, left = 0, width = 0, n;
		uint32_t v;

		if (*fmt != '%') {
			PUT(*fmt);
			fmt++;
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			PUT('%');
			fmt++;
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '0')
				zero = 1;
			else if (*fmt == '-')
				left = 1;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9' && width <= 32)
			width = width * 10 + (*fmt++ - '0');
		if (width > 32 || !*fmt || !strchr("udixXoc", *fmt) ||
		    argi >= 2) {
			/* Not a conversion we render: copy it as text. */
			if (*fmt)
				fmt++;
			for (; start < fmt; start++)
				PUT(*start);
			continue;
		}
		v = argi++ == 0 ? a1 : a2;
		snprintf(spec, sizeof(spec), "%%%s%s%.0d%s", left ? "-" : "",
			 zero && !left ? "0" : "", width,
			 *fmt == 'c' ? "c" : *fmt == 'd' || *fmt == 'i' ? "d" :
			 *fmt == 'x' ? "x" : *fmt == 'X' ? "X" :
			 *fmt == 'o' ? "o" : "u");
		if (*fmt == 'c')
			n = snprintf(tmp, sizeof(tmp), spec,
				     (v >= 32 && v < 127) ? (int)v : '?');
		else if (*fmt == 'd' || *fmt == 'i')
			n = snprintf(tmp, sizeof(tmp), spec, (int32_t)v);
		else
			n = snprintf(tmp, sizeof(tmp), spec, v);
		fmt++;
		for (int i = 0; i < n && tmp[i]; i++)
			PUT(tmp[i]);
	}
#undef PUT
	buf[o] = '\0';
}
