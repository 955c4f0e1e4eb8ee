/* SPDX-License-Identifier: MIT */
#include "wire/util.h"
#include "wire/out.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

ssize_t vy_read_full(int fd, void *buf, size_t len)
{
	size_t n = 0;

	while (n < len) {
		ssize_t got = read(fd, (uint8_t *)buf + n, len - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -1;
		if (!got)
			break;
		n += (size_t)got;
	}
	return (ssize_t)n;
}

/*
 * Whole-file reads are bounded (vyre(7), LIMITS): a regular file larger
 * than @max is refused from its size before anything is allocated, and a
 * pipe or device (/dev/zero) is read to at most @max + 1 bytes, so memory
 * never grows past the limit whatever the input.
 */
static int too_big(const char *name, size_t max, struct vy_err *e)
{
	return vy_errf(e, VY_E_FORMAT, NULL,
		       "%s: larger than the %zu-byte limit (%zu MiB)", name,
		       max, max >> 20);
}

static int read_fd(int fd, const char *name, size_t max, uint8_t **out,
		   size_t *len, struct vy_err *e)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf, *nb;
	struct stat st;

	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return vy_errf(e, VY_E_IO, NULL, "%s: %s", name,
				       strerror(EISDIR));
		/* /sys and /proc files say 4096 or 0 whatever they hold */
		if (S_ISREG(st.st_mode) && st.st_size > 0) {
			if ((uint64_t)st.st_size > max)
				return too_big(name, max, e);
			cap = (size_t)st.st_size + 1;
		}
	}
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap);
	if (!buf)
		return vy_errf(e, VY_E_NOMEM, NULL, "%s: out of memory", name);
	for (;;) {
		size_t want;
		ssize_t got;

		if (n == cap) {
			size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;

			if (n > max) {
				free(buf);
				return too_big(name, max, e);
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "%s: out of memory", name);
			}
			buf = nb;
			cap = ncap;
		}
		want = cap - n;
		got = vy_read_full(fd, buf + n, want);
		if (got < 0) {
			int err = errno;

			free(buf);
			return vy_errf(e, VY_E_IO, NULL, "%s: %s", name,
				       strerror(err));
		}
		n += (size_t)got;
		if ((size_t)got < want)
			break;		/* end of input */
	}
	if (n > max) {
		free(buf);
		return too_big(name, max, e);
	}
	*out = buf;
	*len = n;
	return 0;
}

int vy_read_file_max(const char *path, size_t max, uint8_t **out,
		     size_t *len, struct vy_err *e)
{
	int fd, ret;

	if (strcmp(path, "-") == 0)
		return read_fd(STDIN_FILENO, "<stdin>", max, out, len, e);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vy_errf(e, VY_E_IO, "check the path and its permissions",
			       "%s: %s", path, strerror(errno));
	ret = read_fd(fd, path, max, out, len, e);
	close(fd);
	return ret;
}

int vy_read_file(const char *path, uint8_t **out, size_t *len,
		 struct vy_err *e)
{
	return vy_read_file_max(path, VY_READ_MAX, out, len, e);
}

int vy_write_file_atomic(const char *path, const void *buf, size_t len,
			 struct vy_err *e)
{
	struct vy_out o;
	int ret = vy_out_open(&o, path, e);

	if (ret)
		return ret;
	vy_out_write(&o, buf, len);
	/* a short write leaves the stream's error set: commit reports it */
	return vy_out_commit(&o, e);
}

/*
 * The one number parser (vyre(7), NUMBERS): decimal or 0x hex digits, no
 * sign, no blanks, no octal - "010" is ten, as every man page says - and
 * overflow is an error, not a clamp.  strtoull is not used because base 0
 * reads a leading zero as octal and it accepts blanks and signs.
 */
int vy_parse_u64(const char *s, uint64_t max, int allow_suffix,
		 uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	unsigned base = 10, d;
	const char *p = s;

	if (!s)
		return VY_E_INVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return VY_E_INVAL;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return VY_E_INVAL;
		v = v * base + d;
	}
	if (p == s || (base == 16 && p == s + 2))
		return VY_E_INVAL;
	if (*p && allow_suffix) {
		switch (*p) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		case 't': case 'T': mul = 1ULL << 40; break;
		default: return VY_E_INVAL;
		}
		p++;
		if (*p == 'i' && p[1] == 'B')
			p += 2;
		else if (*p == 'B')
			p++;
	}
	if (*p)
		return VY_E_INVAL;
	if (v > max / mul)
		return VY_E_INVAL;
	*out = v * mul;
	return 0;
}

/*
 * Seconds: a decimal number with an optional fraction ("2", "0.25"), no
 * exponent, no sign, no "nan"/"inf" - strtod accepts those and NaN
 * compares false with every bound, which switched the watchdog off.
 */
int vy_parse_seconds(const char *s, double min_excl, double max, double *out)
{
	const char *p = s;
	double v = 0, scale = 1;
	int digits = 0;

	if (!s)
		return VY_E_INVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (digits < 12)
			v = v * 10 + (*p - '0');
		else
			return VY_E_INVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			scale /= 10;
			if (scale > 1e-9)
				v += (*p - '0') * scale;
		}
	}
	if (*p || !digits || !(v > min_excl) || !(v <= max))
		return VY_E_INVAL;
	*out = v;
	return 0;
}

size_t vy_utf8_seq(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t k, i;

	if (!n)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return k;
}

bool vy_utf8_valid(const void *buf, size_t n)
{
	const uint8_t *s = buf;
	size_t k;

	while (n) {
		k = vy_utf8_seq(s, n);
		if (!k)
			return false;
		s += k;
		n -= k;
	}
	return true;
}

uint64_t vy_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t vy_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
