/* SPDX-License-Identifier: MIT */
/*
 * vyre-bench-stream - the baselines vyre-stream is measured against, on the
 * same files and device, in one run (scripts/bench-stream.sh):
 *
 *   read   (a) io_uring reads alone: the same reader, queue depth, chunk
 *              and registered pinned host slots as vyre-stream, no device
 *   h2d    (b) host-to-device copies alone: the same number of bytes from
 *              the pinned slots into device slots, non-blocking, qd deep
 *   naive  (c) read(2) into ordinary memory, then a blocking
 *              clEnqueueWriteBuffer of each chunk
 *
 * Prints one JSON object: {"schema":"vyre-bench-stream/1", "bytes":...,
 * "read_gbps":..., "h2d_gbps":..., "naive_gbps":..., ...}.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device/cl.h"
#include "report/emit.h"
#include "device/uring.h"
#include "wire/util.h"

static const char *prog = "vyre-bench-stream";

struct bench {
	struct vy_dev_cl cl;
	cl_command_queue q;
	cl_mem pin, dev;
	uint8_t *host;		/* pinned slots (the copy source) */
	uint8_t *rbuf;		/* read destination: host, or aligned memory */
	uint64_t chunk;
	unsigned qd, ds;
	int direct;
	int async;
	char **files;
	int nfiles;
	uint64_t bytes;
};

static int die_cl(const char *what, cl_int rc)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, vy_dev_cl_strerror(rc));
	return 5;
}

/* (a): every file through the io_uring reader into the pinned slots. */
static int bench_read(struct bench *b, double *gbps, uint64_t *bytes)
{
	struct vy_dev_uring_opts ro = { .engine = VY_IO_AUTO, .qd = b->qd,
				     .async = b->async };
	struct iovec *iov = calloc(b->qd, sizeof(*iov));
	struct vy_dev_read_done *d = calloc(b->qd, sizeof(*d));
	int *free_slot = calloc(b->qd, sizeof(int));
	struct vy_reader *r;
	struct vy_err e;
	uint64_t t0, total = 0;
	unsigned i;
	int f, ret;

	if (!iov || !d || !free_slot)
		return 4;
	for (i = 0; i < b->qd; i++) {
		iov[i].iov_base = b->rbuf + i * b->chunk;
		iov[i].iov_len = b->chunk;
		free_slot[i] = 1;
	}
	ro.bufs = iov;
	ro.nbufs = b->qd;
	if (vy_dev_uring_open(&r, &ro, &e) < 0) {
		vy_rep_err(stderr, prog, &e);
		return 4;
	}
	t0 = vy_now_ns();
	for (f = 0; f < b->nfiles; f++) {
		int fd = open(b->files[f], O_RDONLY | (b->direct ? O_DIRECT : 0));
		struct stat st;
		uint64_t off = 0;

		if (fd < 0 || fstat(fd, &st) < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, b->files[f],
				strerror(errno));
			return 4;
		}
		while (off < (uint64_t)st.st_size || vy_dev_uring_inflight(r)) {
			while (off < (uint64_t)st.st_size &&
			       vy_dev_uring_inflight(r) < b->qd) {
				struct vy_dev_read rd;
				uint64_t want = (uint64_t)st.st_size - off;

				for (i = 0; !free_slot[i]; i++)
					;
				if (want > b->chunk)
					want = b->chunk;
				rd.fd = fd;
				rd.off = (int64_t)off;
				rd.buf = b->rbuf + i * b->chunk;
				rd.len = b->direct ? (want + 4095) / 4096 * 4096 :
						     want;
				rd.min = want;
				rd.buf_index = (int)i;
				rd.tag = i;
				rd.async = 0;
				free_slot[i] = 0;
				if (vy_dev_uring_submit(r, &rd, &e) < 0) {
					vy_rep_err(stderr, prog, &e);
					return 4;
				}
				off += want;
			}
			ret = vy_dev_uring_reap(r, d, b->qd, 1, &e);
			if (ret < 0) {
				vy_rep_err(stderr, prog, &e);
				return 4;
			}
			for (i = 0; i < (unsigned)ret; i++) {
				if (d[i].res < 0) {
					fprintf(stderr, "%s: %s: %s\n", prog,
						b->files[f],
						strerror((int)-d[i].res));
					return 4;
				}
				total += (uint64_t)d[i].res;
				free_slot[d[i].tag] = 1;
			}
		}
		close(fd);
	}
	*gbps = (double)total / (double)(vy_now_ns() - t0);
	*bytes = total;
	vy_dev_uring_close(r);
	free(iov);
	free(d);
	free(free_slot);
	return 0;
}

/* (b): @bytes from the pinned slots to the device slots, qd in flight. */
static int bench_h2d(struct bench *b, uint64_t bytes, double *gbps)
{
	cl_event *ev = calloc(b->qd, sizeof(*ev));
	uint64_t t0, off = 0;
	unsigned k = 0;
	cl_int rc;

	if (!ev)
		return 4;
	/* warm the path once */
	rc = clEnqueueWriteBuffer(b->q, b->dev, CL_TRUE, 0, b->chunk, b->host,
				  0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return die_cl("clEnqueueWriteBuffer", rc);
	t0 = vy_now_ns();
	while (off < bytes) {
		uint64_t n = bytes - off < b->chunk ? bytes - off : b->chunk;
		unsigned h = k % b->qd;

		if (ev[h]) {
			clWaitForEvents(1, &ev[h]);
			clReleaseEvent(ev[h]);
		}
		rc = clEnqueueWriteBuffer(b->q, b->dev, CL_FALSE,
					  (k % b->ds) * b->chunk, n,
					  b->host + h * b->chunk, 0, NULL,
					  &ev[h]);
		if (rc != CL_SUCCESS)
			return die_cl("clEnqueueWriteBuffer", rc);
		clFlush(b->q);
		off += n;
		k++;
	}
	clFinish(b->q);
	*gbps = (double)bytes / (double)(vy_now_ns() - t0);
	for (k = 0; k < b->qd; k++)
		if (ev[k])
			clReleaseEvent(ev[k]);
	free(ev);
	return 0;
}

/* (c): read(2) into ordinary memory, then a blocking write per chunk. */
static int bench_naive(struct bench *b, double *gbps, uint64_t *bytes)
{
	uint8_t *buf = NULL;
	uint64_t t0, total = 0;
	unsigned k = 0;
	int f;

	if (posix_memalign((void **)&buf, 4096, b->chunk))
		return 4;
	t0 = vy_now_ns();
	for (f = 0; f < b->nfiles; f++) {
		int fd = open(b->files[f], O_RDONLY | (b->direct ? O_DIRECT : 0));

		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, b->files[f],
				strerror(errno));
			return 4;
		}
		for (;;) {
			ssize_t got = 0, n;
			cl_int rc;

			while ((uint64_t)got < b->chunk) {
				n = read(fd, buf + got, b->chunk - (uint64_t)got);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				got += n;
			}
			if (!got)
				break;
			rc = clEnqueueWriteBuffer(b->q, b->dev, CL_TRUE,
						  (k++ % b->ds) * b->chunk,
						  (size_t)got, buf, 0, NULL,
						  NULL);
			if (rc != CL_SUCCESS)
				return die_cl("clEnqueueWriteBuffer", rc);
			total += (uint64_t)got;
			if ((uint64_t)got < b->chunk)
				break;
		}
		close(fd);
	}
	*gbps = (double)total / (double)(vy_now_ns() - t0);
	*bytes = total;
	free(buf);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: vyre-bench-stream [options] FILE...\n"
"Measure the baselines of vyre-stream on FILEs: (a) io_uring reads alone,\n"
"(b) host-to-device copies alone, (c) read() + clEnqueueWriteBuffer.\n"
"  --chunk SIZE      bytes per chunk (default 4M)\n"
"  --qd N            reads / copies in flight (default 32)\n"
"  --dev-slots N     device slots (default 8)\n"
"  --o-direct on|off O_DIRECT for (a) and (c) (default off)\n"
"  --async-reads     (a) with IOSQE_ASYNC, as vyre-stream --async-reads\n"
"  -d, --device SPEC OpenCL device (default: first GPU, else CPU)\n"
"  -h, --help        this help\n"
"  -V, --version     print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "chunk", required_argument, NULL, 'c' },
		{ "qd", required_argument, NULL, 'q' },
		{ "dev-slots", required_argument, NULL, 's' },
		{ "o-direct", required_argument, NULL, 'D' },
		{ "device", required_argument, NULL, 'd' },
		{ "async-reads", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .chunk = 4u << 20, .qd = 32, .ds = 8 };
	const char *dev = NULL;
	struct vy_err e;
	double ga = 0, gb = 0, gc = 0;
	uint64_t v, bytes = 0, nbytes = 0;
	char desc[256];
	json_t *o;
	cl_int rc;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "d:hV", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (vy_parse_u64(optarg, 64u << 20, 1, &v) ||
			    v < 65536 || (v & (v - 1))) {
				fprintf(stderr, "%s: bad --chunk '%s'\n%s: try --help\n",
					prog, optarg, prog);
				return 2;
			}
			b.chunk = v;
			break;
		case 'q':
		case 's':
			if (vy_parse_u64(optarg, 1024, 0, &v) || !v) {
				fprintf(stderr, "%s: bad count '%s'\n%s: try --help\n",
					prog, optarg, prog);
				return 2;
			}
			if (opt == 'q')
				b.qd = (unsigned)v;
			else
				b.ds = (unsigned)v;
			break;
		case 'D':
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				fprintf(stderr, "%s: bad --o-direct '%s'\n%s: try --help\n",
					prog, optarg, prog);
				return 2;
			}
			b.direct = !strcmp(optarg, "on");
			break;
		case 'd':
			dev = optarg;
			break;
		case 'A':
			b.async = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vyre-bench-stream %s\n", VY_VERSION);
			return 0;
		default:
			fprintf(stderr, "%s: try --help\n", prog);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no files\n%s: try --help\n", prog, prog);
		return 2;
	}
	b.files = argv + optind;
	b.nfiles = argc - optind;
	ret = vy_dev_cl_open(&b.cl, dev, &e);
	if (ret < 0) {
		vy_rep_err(stderr, prog, &e);
		return vy_err_exit(ret);
	}
	b.q = b.cl.q;
	b.pin = clCreateBuffer(b.cl.ctx, CL_MEM_ALLOC_HOST_PTR | CL_MEM_READ_WRITE,
			       b.qd * b.chunk, NULL, &rc);
	if (!b.pin)
		return die_cl("clCreateBuffer", rc);
	b.host = clEnqueueMapBuffer(b.q, b.pin, CL_TRUE,
				    CL_MAP_READ | CL_MAP_WRITE, 0,
				    b.qd * b.chunk, 0, NULL, NULL, &rc);
	if (!b.host)
		return die_cl("clEnqueueMapBuffer", rc);
	/*
	 * Read where vyre-stream reads: the pinned slots when the driver's
	 * pointer is page aligned, else page-aligned memory of our own (what
	 * vyre-stream's shared transport uses).
	 */
	b.rbuf = b.host;
	if ((uintptr_t)b.host % 4096 &&
	    posix_memalign((void **)&b.rbuf, 4096, b.qd * b.chunk))
		return 4;
	b.dev = clCreateBuffer(b.cl.ctx, CL_MEM_READ_ONLY, b.ds * b.chunk, NULL,
			       &rc);
	if (!b.dev)
		return die_cl("clCreateBuffer", rc);
	ret = bench_read(&b, &ga, &bytes);
	if (!ret)
		ret = bench_h2d(&b, bytes, &gb);
	if (!ret)
		ret = bench_naive(&b, &gc, &nbytes);
	if (ret)
		return ret;
	vy_dev_cl_describe(&b.cl.info, desc, sizeof(desc));
	o = json_object();
	json_object_set_new(o, "bytes", vy_rep_json_u64(bytes));
	json_object_set_new(o, "chunk", vy_rep_json_u64(b.chunk));
	json_object_set_new(o, "qd", json_integer(b.qd));
	json_object_set_new(o, "o_direct", json_boolean(b.direct));
	json_object_set_new(o, "read_gbps", json_real(ga));
	json_object_set_new(o, "h2d_gbps", json_real(gb));
	json_object_set_new(o, "naive_gbps", json_real(gc));
	json_object_set_new(o, "device", json_string(desc));
	vy_rep_emit_json(stdout, o, "vyre-bench-stream/1", 0);
	json_decref(o);
	clEnqueueUnmapMemObject(b.q, b.pin, b.host, 0, NULL, NULL);
	clFinish(b.q);
	clReleaseMemObject(b.pin);
	clReleaseMemObject(b.dev);
	vy_dev_cl_close(&b.cl);
	return 0;
}
