/* SPDX-License-Identifier: MIT */
/* Unit tests: uring.h reader, stream.h ops, DFA and pipeline. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "device/megakernel.h"
#include "device/stream.h"
#include "device/uring.h"
#include "wire/protocol.h"
#include "wire/util.h"

static uint64_t naive_count(const uint8_t *d, size_t n, const char *const *p,
			    unsigned np)
{
	uint64_t c = 0;
	unsigned k;
	size_t i, l;

	for (k = 0; k < np; k++) {
		/* duplicates count once, as in vy_dev_dfa_build */
		unsigned j, dup = 0;

		for (j = 0; j < k; j++)
			dup |= !strcmp(p[j], p[k]);
		if (dup)
			continue;
		l = strlen(p[k]);
		for (i = 0; i + l <= n; i++)
			c += !memcmp(d + i, p[k], l);
	}
	return c;
}

VY_TEST(stream_dfa_overlapping_matches)
{
	const char *pats[] = { "aa", "a", "aa", "ba" };
	size_t lens[] = { 2, 1, 2, 2 };
	struct vy_dev_op_cfg c = { .op = VY_SCAN_GREP };
	struct vy_dev_stream_result r;
	struct vy_dev_dfa d;

	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 4, NULL) == 0);
	VY_CHECK_EQ_U64(d.npatterns, 3);
	VY_CHECK_EQ_U64(d.maxlen, 2);
	c.dfa = &d;
	vy_dev_ref_init(&r);
	vy_dev_ref_update(&r, &c, "aaaa", 4);	/* a x4 + aa x3 */
	VY_CHECK_EQ_U64(r.count, 7);
	vy_dev_ref_update(&r, &c, "ba", 2);	/* a, ba and "ab" no */
	VY_CHECK_EQ_U64(r.count, 9);
	vy_dev_dfa_free(&d);
}

VY_TEST(stream_dfa_rejects_bad_patterns)
{
	const char *pats[] = { "" };
	size_t lens[] = { 0 };
	struct vy_err e;
	struct vy_dev_dfa d;

	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 1, &e) == VY_E_INVAL);
	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 0, &e) == VY_E_INVAL);
}

VY_TEST(stream_ref_any_split_same_result)
{
	const char *pats[] = { "ab", "bca", "zz" };
	size_t lens[] = { 2, 3, 2 };
	struct vy_dev_dfa d;
	uint8_t buf[4099];
	enum vy_dev_scan ops[] = { VY_SCAN_CHECKSUM, VY_SCAN_COUNT, VY_SCAN_HIST,
				    VY_SCAN_GREP };
	unsigned i, k, o;

	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 3, NULL) == 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = "abcz"[(i * 7 + i / 3) % 4];
	for (o = 0; o < 4; o++) {
		struct vy_dev_op_cfg c = { .op = ops[o], .byte = 'a', .dfa = &d };
		struct vy_dev_stream_result whole, parts;

		vy_dev_ref_init(&whole);
		vy_dev_ref_update(&whole, &c, buf, sizeof(buf));
		for (k = 1; k < 40; k += 3) {
			size_t off = 0;

			vy_dev_ref_init(&parts);
			while (off < sizeof(buf)) {
				size_t n = sizeof(buf) - off < k ?
					sizeof(buf) - off : k;

				vy_dev_ref_update(&parts, &c, buf + off, n);
				off += n;
			}
			VY_CHECK(vy_dev_result_equal(&whole, &parts, ops[o]));
		}
		if (ops[o] == VY_SCAN_GREP)
			VY_CHECK_EQ_U64(whole.count,
					naive_count(buf, sizeof(buf), pats, 3));
	}
	vy_dev_dfa_free(&d);
}

VY_TEST(stream_checksum_definition)
{
	struct vy_dev_op_cfg c = { .op = VY_SCAN_CHECKSUM };
	struct vy_dev_stream_result r;
	char s[64];

	vy_dev_ref_init(&r);
	vy_dev_ref_update(&r, &c, "hello", 5);
	/* w0 = 0x6c6c6568, w1 = 0x6f: s1 = w0 + w1, s2 = w0 + 2 w1 */
	VY_CHECK_EQ_U64(r.s1, 0x6c6c65d7ull);
	VY_CHECK_EQ_U64(r.s2, 0x6c6c6646ull);
	vy_dev_result_format(&r, VY_SCAN_CHECKSUM, s, sizeof(s));
	VY_CHECK_STR(s, "000000006c6c65d7000000006c6c6646");
}

static int tmpfile_with(size_t n, uint8_t **data)
{
	char path[] = "/tmp/vy-test-stream-XXXXXX";
	int fd = mkstemp(path);
	size_t i;

	if (fd < 0)
		return -1;
	unlink(path);
	*data = malloc(n ? n : 1);
	for (i = 0; i < n; i++)
		(*data)[i] = (uint8_t)(i * 131 + (i >> 9));
	if (write(fd, *data, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

static void reader_roundtrip(enum vy_dev_io_engine eng, int simulate)
{
	struct vy_dev_uring_opts o = { .engine = eng, .qd = 4,
				    .simulate_no_uring = simulate };
	struct vy_reader *r;
	struct vy_dev_read_done d[4];
	uint8_t *data, *buf = malloc(3 * 10000);
	int fd = tmpfile_with(25000, &data), n = 0, k, i;

	VY_CHECK(fd >= 0 && buf);
	VY_CHECK(vy_dev_uring_open(&r, &o, NULL) == 0);
	if (simulate)
		VY_CHECK(vy_dev_uring_fallback(r) == EPERM);
	for (i = 0; i < 3; i++) {
		struct vy_dev_read rd = { .fd = fd, .off = i * 10000,
				      .buf = buf + i * 10000, .len = 10000,
				      .min = 10000, .buf_index = -1,
				      .tag = (uint64_t)i };

		VY_CHECK(vy_dev_uring_submit(r, &rd, NULL) == 0);
	}
	while (n < 3) {
		k = vy_dev_uring_reap(r, d + n, 3 - n, 1, NULL);
		VY_CHECK(k >= 0);
		n += k;
	}
	for (i = 0; i < 3; i++)
		VY_CHECK_EQ_U64(d[i].res, d[i].tag == 2 ? 5000 : 10000);
	VY_CHECK(!memcmp(buf, data, 25000));
	vy_dev_uring_close(r);
	free(data);
	free(buf);
	close(fd);
}

VY_TEST(stream_reader_uring)
{
	reader_roundtrip(VY_IO_AUTO, 0);
}

VY_TEST(stream_reader_pread)
{
	reader_roundtrip(VY_IO_PREAD, 0);
}

VY_TEST(stream_reader_fallback_when_uring_refused)
{
	struct vy_dev_uring_opts o = { .engine = VY_IO_URING, .qd = 1,
				    .simulate_no_uring = 1 };
	struct vy_reader *r;
	struct vy_err e;

	reader_roundtrip(VY_IO_AUTO, 1);
	VY_CHECK(vy_dev_uring_open(&r, &o, &e) == VY_E_URING_UNAVAILABLE);
	VY_CHECK(strstr(e.msg, "io_uring_disabled") != NULL);
	VY_CHECK(strstr(e.msg, "seccomp") != NULL);
}

VY_TEST(stream_reader_pipe_short_reads_accumulate)
{
	struct vy_dev_uring_opts o = { .engine = VY_IO_AUTO, .qd = 1 };
	struct vy_reader *r;
	struct vy_dev_read_done d;
	char buf[64];
	int pfd[2], k;

	VY_CHECK(pipe(pfd) == 0);
	VY_CHECK(write(pfd[1], "abc", 3) == 3);
	VY_CHECK(vy_dev_uring_open(&r, &o, NULL) == 0);
	{
		struct vy_dev_read rd = { .fd = pfd[0], .off = -1, .buf = buf,
				      .len = 6, .min = 6, .buf_index = -1 };

		VY_CHECK(vy_dev_uring_submit(r, &rd, NULL) == 0);
	}
	k = vy_dev_uring_reap(r, &d, 1, 0, NULL);
	VY_CHECK(k == 0 || d.res == 3);
	if (k == 0) {
		VY_CHECK(write(pfd[1], "def", 3) == 3);
		do
			k = vy_dev_uring_reap(r, &d, 1, 1, NULL);
		while (k == 0);
		VY_CHECK_EQ_U64(d.res, 6);
		VY_CHECK(!memcmp(buf, "abcdef", 6));
	}
	vy_dev_uring_close(r);
	close(pfd[0]);
	close(pfd[1]);
}

VY_TEST(stream_read_range_service)
{
	uint8_t *data, buf[100];
	char path[] = "/tmp/vy-test-range-XXXXXX";
	int fd = mkstemp(path);
	size_t got;
	struct vy_err e;

	VY_CHECK(fd >= 0);
	close(fd);
	fd = open(path, O_WRONLY);
	data = malloc(300);
	memset(data, 'x', 300);
	data[250] = 'y';
	VY_CHECK(write(fd, data, 300) == 300);
	close(fd);
	VY_CHECK(vy_dev_read_range(path, 200, buf, 100, &got, &e) == 0);
	VY_CHECK_EQ_U64(got, 100);
	VY_CHECK(buf[50] == 'y');
	VY_CHECK(vy_dev_read_range(path, 280, buf, 100, &got, &e) == 0);
	VY_CHECK_EQ_U64(got, 20);
	unlink(path);
	VY_CHECK(vy_dev_read_range(path, 0, buf, 100, &got, &e) == VY_E_IO);
	VY_CHECK(strstr(e.msg, "No such file") != NULL);
	free(data);
}

/* The device pipeline against the CPU reference (skips without OpenCL). */
VY_TEST(stream_pipeline_matches_reference)
{
	const char *pats[] = { "ab", "bca", "zzz" };
	size_t lens[] = { 2, 3, 3 };
	char p1[] = "/tmp/vy-test-pipe-XXXXXX";
	struct vy_dev_stream_input in[3];
	struct vy_dev_stream_metrics m;
	struct vy_dev_stream_opts o;
	struct vy_dev_dfa d;
	struct vy_err e;
	uint8_t *data;
	int fd, op, ret;
	size_t i, n = 3 * 65536 + 5;

	fd = mkstemp(p1);
	VY_CHECK(fd >= 0);
	data = malloc(n);
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)"abcz"[(i * 7 + i / 5) % 4];
	VY_CHECK(write(fd, data, n) == (ssize_t)n);
	close(fd);
	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 3, NULL) == 0);
	for (op = 0; op < 4; op++) {
		vy_dev_stream_opts_init(&o);
		o.op.op = (enum vy_dev_scan)op;
		o.op.byte = 'z';
		o.op.dfa = &d;
		o.chunk = 65536;
		o.qd = 3;
		o.dev_slots = 2;
		o.verify = 1;
		o.transport = op % 2 ? VY_TRANSPORT_COPY : VY_TRANSPORT_AUTO;
		memset(in, 0, sizeof(in));
		in[0].path = p1;
		in[1].path = "/nonexistent/vy";
		in[2].path = p1;
		ret = vy_dev_stream_run(&o, in, 3, &m, &e);
		if (ret == VY_E_NO_DEVICE || ret == VY_E_DEVICE) {
			vy_dev_dfa_free(&d);
			unlink(p1);
			free(data);
			VY_SKIP("no OpenCL device");
		}
		VY_CHECK(ret == 0);
		VY_CHECK(in[0].status == 0 && in[0].verified == 1);
		VY_CHECK(in[2].status == 0 && in[2].verified == 1);
		VY_CHECK(in[1].status == VY_E_IO);
		VY_CHECK_EQ_U64(in[0].res.bytes, n);
		VY_CHECK_EQ_U64(m.failed_files, 1);
		if (op == VY_SCAN_GREP)
			VY_CHECK_EQ_U64(in[0].res.count,
					naive_count(data, n, pats, 3));
	}
	vy_dev_dfa_free(&d);
	unlink(p1);
	free(data);
}

VY_TEST(stream_dfa_too_large)
{
	static char big[VY_DFA_MAX_PATTERN + 2];
	const char *pats[] = { big };
	size_t lens[] = { sizeof(big) - 1 };
	struct vy_err e;
	struct vy_dev_dfa d;

	memset(big, 'a', sizeof(big) - 1);
	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 1, &e) == VY_E_DFA_TOO_LARGE);
	lens[0] = VY_DFA_MAX_PATTERN;
	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 1, &e) == 0);
	VY_CHECK_EQ_U64(d.nstates, VY_DFA_MAX_PATTERN + 1);
	vy_dev_dfa_free(&d);
}

/* --persistent: the megakernel session gives the batch kernels' results. */
VY_TEST(stream_persistent_matches_reference)
{
	const char *pats[] = { "zz", "abcz" };
	size_t lens[] = { 2, 4 };
	char p1[] = "/tmp/vy-test-pk-XXXXXX";
	struct vy_dev_stream_input in[2];
	struct vy_dev_stream_metrics m;
	struct vy_dev_stream_opts o;
	struct vy_dev_dfa d;
	struct vy_err e;
	uint8_t *data;
	size_t i, n = 4 * 65536 + 3;
	int fd, op, ret;

	fd = mkstemp(p1);
	VY_CHECK(fd >= 0);
	data = malloc(n);
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)"abcz"[(i * 5 + i / 7) % 4];
	VY_CHECK(write(fd, data, n) == (ssize_t)n);
	close(fd);
	VY_CHECK(vy_dev_dfa_build(&d, pats, lens, 2, NULL) == 0);
	for (op = 0; op < 4; op++) {
		vy_dev_stream_opts_init(&o);
		o.op.op = (enum vy_dev_scan)op;
		o.op.byte = 'c';
		o.op.dfa = &d;
		o.chunk = 65536;
		o.qd = 4;
		o.dev_slots = 2;
		o.verify = 1;
		o.persistent = 1;
		memset(in, 0, sizeof(in));
		in[0].path = p1;
		in[1].path = p1;
		ret = vy_dev_stream_run(&o, in, 2, &m, &e);
		if (ret == VY_E_NO_DEVICE || ret == VY_E_DEVICE) {
			vy_dev_dfa_free(&d);
			unlink(p1);
			free(data);
			VY_SKIP("no OpenCL device");
		}
		VY_CHECK(ret == 0);
		VY_CHECK(in[0].verified == 1 && in[1].verified == 1);
		VY_CHECK_EQ_U64(m.launches, 1);
		VY_CHECK_EQ_U64(m.chunks, 10);
		if (op == VY_SCAN_GREP)
			VY_CHECK_EQ_U64(in[0].res.count,
					naive_count(data, n, pats, 2));
	}
	vy_dev_dfa_free(&d);
	unlink(p1);
	free(data);
}

extern const char vy_kernel_stream_src[];
extern const size_t vy_kernel_stream_len;

/*
 * The stream opcodes as megakernel user opcodes: staged with
 * vy_dev_mk_stage_op, claimed by the session's loop, counted in
 * DONE_COUNT, the metric words and the fault word like built-in ops.
 */
VY_TEST(stream_opcodes_through_megakernel_session)
{
	struct vy_dev_mk_params p = { 0 };
	struct vy_dev_op_cfg oc = { .op = VY_SCAN_COUNT, .byte = 'c' };
	struct vy_dev_stream_result ref;
	struct vy_dev_mk_done d[4];
	const uint8_t *res;
	uint8_t bytes[64];
	uint32_t a[7] = { 0 }, v = 0;
	struct vy_mk *mk;
	struct vy_err e;
	cl_mem buf;
	cl_int rc;
	uint64_t end;
	int n = 0, k, err;

	for (k = 0; k < 64; k++)
		bytes[k] = (uint8_t)"abcz"[(k * 3 + k / 5) % 4];
	p.persistent = 1;
	p.slots = 4;
	p.tenant_count = 1;
	p.data_words = 8;
	p.user_src = vy_kernel_stream_src;
	p.user_len = vy_kernel_stream_len;
	p.user_options = NULL;
	err = vy_dev_mk_open(&mk, &p, &e);
	if (err == VY_E_NO_DEVICE)
		VY_SKIP("no OpenCL device");
	VY_CHECK(err == 0);
	buf = clCreateBuffer(vy_dev_mk_cl(mk)->ctx,
			     CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
			     sizeof(bytes), bytes, &rc);
	VY_CHECK(buf != NULL);
	VY_CHECK(vy_dev_mk_set_user_buf(mk, buf, sizeof(bytes), &e) == 0);
	VY_CHECK(vy_dev_mk_start(mk, &e) == 0);
	/* count 'c' in bytes [16, 59) into data word 0 */
	a[0] = 16;
	a[2] = 43;
	a[3] = 0;
	a[4] = 'c';
	VY_CHECK(vy_dev_mk_stage_op(mk, 0, VY_STREAM_OP_CHECKSUM + VY_SCAN_COUNT,
				    a, 7, 100, &e) == 0);
	/* checksum of bytes [0, 48) into data words 1-4 */
	a[0] = 0;
	a[2] = 48;
	a[3] = 1;
	VY_CHECK(vy_dev_mk_stage_op(mk, 1, VY_STREAM_OP_CHECKSUM +
				    VY_SCAN_CHECKSUM, a, 7, 101, &e) == 0);
	/* a part past the user buffer faults */
	a[0] = 32;
	a[2] = 33;
	VY_CHECK(vy_dev_mk_stage_op(mk, 2, VY_STREAM_OP_CHECKSUM + VY_SCAN_COUNT,
				    a, 7, 102, &e) == 0);
	VY_CHECK(vy_dev_mk_flush(mk, &e) == 0);
	end = vy_now_ns() + 10000000000ull;
	while (n < 3 && vy_now_ns() < end) {
		k = vy_dev_mk_poll(mk, d + n, 4 - (size_t)n, &e);
		VY_CHECK(k >= 0);
		n += k;
	}
	VY_CHECK_EQ_U64(n, 3);
	for (k = 0; k < 3; k++)
		VY_CHECK_EQ_U64(d[k].status, d[k].tag == 102 ?
				VY_STATUS_FAULT : VY_STATUS_DONE);
	VY_CHECK(vy_dev_mk_read_data(mk, 0, 20, &res, &e) == 0);
	vy_dev_ref_init(&ref);
	vy_dev_ref_update(&ref, &oc, bytes + 16, 43);
	VY_CHECK_EQ_U64(vy_word(res, 0), ref.count);
	oc.op = VY_SCAN_CHECKSUM;
	vy_dev_ref_init(&ref);
	vy_dev_ref_update(&ref, &oc, bytes, 48);
	VY_CHECK_EQ_U64(vy_word(res, 1) | (uint64_t)vy_word(res, 2) << 32,
			ref.s1);
	VY_CHECK_EQ_U64(vy_word(res, 3) | (uint64_t)vy_word(res, 4) << 32,
			ref.s2);
	VY_CHECK(vy_dev_mk_stop(mk, VY_MK_STOP_WAIT_NS, &e) == 0);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_DONE_COUNT, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 3);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_FAULT_COUNT, &v, &e) == 0);
	VY_CHECK_EQ_U64(v, 1);
	VY_CHECK(vy_dev_mk_read_control(mk, VY_CTL_METRICS_BASE +
					VY_STREAM_OP_CHECKSUM + VY_SCAN_COUNT, &v,
					&e) == 0);
	VY_CHECK_EQ_U64(v, 2);
	vy_dev_mk_close(mk);
	clReleaseMemObject(buf);
}

/*
 * Device slots: 8 for a launch per batch; with --persistent, whose slot
 * is held until the host sees its parts DONE (8 streamed 0.57x min(read,
 * copy) on the H200, 32 0.79-0.94x), what 128 MiB holds within 8-32; a
 * given count is kept.
 */
VY_TEST(stream_dev_slots_default_per_path)
{
	struct vy_dev_stream_opts o;

	vy_dev_stream_opts_init(&o);
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 8);
	o.persistent = 1;
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 32);
	o.chunk = 1u << 20;	/* 128 would fit: at most 32 */
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 32);
	o.chunk = 8u << 20;	/* 128 MiB of 8 MiB chunks */
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 16);
	o.chunk = 64u << 20;	/* 2 fit: at least 8 */
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 8);
	o.dev_slots = 3;
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 3);
	o.persistent = 0;
	VY_CHECK_EQ_U64(vy_dev_stream_dev_slots(&o), 3);
}
