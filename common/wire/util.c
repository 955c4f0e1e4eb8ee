/* SPDX-License-Identifier: MIT */
#include "wire/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int read_stream(FILE *f, const char *name, uint8_t **out, size_t *len,
		       struct vy_err *e)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap), *nb;

	if (!buf)
		return vy_errf(e, VY_E_NOMEM, NULL, "%s: out of memory", name);
	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap > SIZE_MAX / 2) {
				free(buf);
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "%s: input too large", name);
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return vy_errf(e, VY_E_NOMEM, NULL,
					       "%s: out of memory", name);
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				int err = errno;

				free(buf);
				return vy_errf(e, VY_E_IO, NULL, "%s: %s", name,
					       strerror(err));
			}
			break;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}

int vy_read_file(const char *path, uint8_t **out, size_t *len,
		 struct vy_err *e)
{
	FILE *f;
	int ret;

	if (strcmp(path, "-") == 0)
		return read_stream(stdin, "<stdin>", out, len, e);
	f = fopen(path, "rb");
	if (!f)
		return vy_errf(e, VY_E_IO, "check the path and its permissions",
			       "%s: %s", path, strerror(errno));
	ret = read_stream(f, path, out, len, e);
	fclose(f);
	return ret;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int vy_write_file_atomic(const char *path, const void *buf, size_t len,
			 struct vy_err *e)
{
	char tmp[PATH_MAX];
	int fd, err;

	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout))
			return vy_errf(e, VY_E_IO, NULL, "<stdout>: %s",
				       strerror(errno));
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    (int)sizeof(tmp))
		return vy_errf(e, VY_E_IO, NULL, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return vy_errf(e, VY_E_IO,
			       "check that the directory exists and is writable",
			       "%s: %s", path, strerror(errno));
	if (write_all(fd, buf, len) || fsync(fd)) {
		err = errno;
		close(fd);
		unlink(tmp);
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", path, strerror(err));
	}
	fchmod(fd, 0644);
	if (close(fd) || rename(tmp, path)) {
		err = errno;
		unlink(tmp);
		return vy_errf(e, VY_E_IO, NULL, "%s: %s", path, strerror(err));
	}
	return 0;
}

int vy_parse_u64(const char *s, uint64_t max, int allow_suffix,
		 uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return VY_E_INVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return VY_E_INVAL;
	if (*end && allow_suffix) {
		switch (*end) {
		case 'k': case 'K': mul = 1ULL << 10; break;
		case 'm': case 'M': mul = 1ULL << 20; break;
		case 'g': case 'G': mul = 1ULL << 30; break;
		case 't': case 'T': mul = 1ULL << 40; break;
		default: return VY_E_INVAL;
		}
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	}
	if (*end)
		return VY_E_INVAL;
	if (v > max / mul)
		return VY_E_INVAL;
	*out = (uint64_t)v * mul;
	return 0;
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
