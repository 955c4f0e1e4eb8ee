/* SPDX-License-Identifier: MIT */
/*
 * fuzz_stream - VYRD snapshot streams with recovery (vyre-decode
 * --keep-going) on arbitrary bytes, fed through a pipe.
 *
 * Checks: every call returns a snapshot, the end or an error with a
 * message that starts with "offset "; skipping always makes progress, so
 * the loop ends; snapshots come out at increasing offsets; every snapshot
 * with control and ring sections decodes or fails cleanly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry/telemetry.h"
#include "report/decode.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vy_rep_decode_opts o = { .slots = VY_TEL_SLOTS_ALL };
	struct vy_tel_stream s;
	struct vy_snapshot snap;
	struct vy_rep_decode r;
	struct vy_err e;
	uint64_t last = 0, steps = 0;
	int fds[2], ret, first = 1;

	/* A pipe buffer holds 64 KiB; larger inputs are cut there. */
	if (size > 60000)
		size = 60000;
	if (pipe(fds))
		return 0;
	if (size && write(fds[1], data, size) != (ssize_t)size) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	close(fds[1]);
	vy_tel_stream_init(&s, fds[0], "fuzz");
	vy_rep_decode_init(&r);
	for (;;) {
		CHECK(steps++ <= size + 2);
		vy_err_clear(&e);
		ret = vy_tel_stream_next(&s, false, &snap, &e);
		if (ret == 0)
			break;
		if (ret == 1) {
			CHECK(first || snap.offset > last);
			first = 0;
			last = snap.offset;
			if (snap.buf[VY_BUF_CONTROL].present &&
			    snap.buf[VY_BUF_RING].present) {
				r.source = "fuzz";
				r.control = snap.buf[0].data ? snap.buf[0].data :
					    (const uint8_t *)"";
				r.control_len = snap.buf[0].len;
				r.ring = snap.buf[1].data ? snap.buf[1].data :
					 (const uint8_t *)"";
				r.ring_len = snap.buf[1].len;
				r.debug = snap.buf[2].present ?
					  (snap.buf[2].data ? snap.buf[2].data :
					   (const uint8_t *)"") : NULL;
				r.debug_len = snap.buf[2].len;
				r.io = NULL;
				vy_rep_decode_build(&r, &o, NULL, &e);
			}
			continue;
		}
		CHECK(ret < 0 && !strncmp(e.msg, "offset ", 7));
		if (ret == VY_E_TRUNCATED)
			break;
		vy_tel_stream_skip(&s);
	}
	vy_rep_decode_free(&r);
	vy_tel_stream_free(&s);
	close(fds[0]);
	return 0;
}
