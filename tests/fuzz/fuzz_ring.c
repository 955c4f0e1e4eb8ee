/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ring - ring decoding on arbitrary bytes.
 *
 * Input: 1 byte n (window opcodes count, 0..7), n little-endian u32
 * window opcodes, then the ring bytes.  Checks: decode never crashes and
 * validates exactly the 64-byte rule; the occupancy with and without slot
 * rows agree and sums to the slot count; windows are sorted by (ticket,
 * opcode) and unique; active queries and sketches stay within bounds; a
 * second decode into the same buffers gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/telemetry.h"
#include "wire/util.h"

#define CHECK(x)                       \
	do {                           \
		if (!(x))              \
			abort();       \
	} while (0)

static uint8_t ctl[VY_CONTROL_MIN_BYTES];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vy_tel t, u;
	struct vy_tel_scratch s;
	struct vy_tel_sketch_telemetry sk;
	struct vy_tel_runtime_counters c;
	uint32_t ops[8], hot;
	size_t nops, i, *idx, n;
	int ret;

	if (size < 1)
		return 0;
	nops = data[0] % 8;
	if (size < 1 + 4 * nops)
		return 0;
	for (i = 0; i < nops; i++)
		ops[i] = vy_le32(data + 1 + 4 * i);
	data += 1 + 4 * nops;
	size -= 1 + 4 * nops;

	vy_tel_init(&t);
	vy_tel_init(&u);
	vy_tel_scratch_init(&s);
	ret = vy_tel_decode(&t, &s, ctl, sizeof(ctl), data, size, ops,
				  nops, 0, NULL);
	CHECK((ret == 0) == (size % 64 == 0));
	if (ret)
		goto out;
	CHECK(t.n_slots == size / 64);
	CHECK(vy_tel_occupancy_total_slots(&t.occupancy) == t.n_slots);
	CHECK(vy_tel_decode(&u, NULL, ctl, sizeof(ctl), data, size, NULL,
				  0, VY_TEL_NO_SLOTS, NULL) == 0);
	CHECK(!memcmp(&t.occupancy, &u.occupancy, sizeof(t.occupancy)));
	for (i = 1; i < t.n_windows; i++)
		CHECK(t.windows[i - 1].ticket < t.windows[i].ticket ||
		      (t.windows[i - 1].ticket == t.windows[i].ticket &&
		       t.windows[i - 1].opcode < t.windows[i].opcode));
	idx = malloc((t.n_slots + t.n_windows + 1) * sizeof(*idx));
	CHECK(idx);
	n = vy_tel_active_windows(&t, idx);
	CHECK(n <= t.n_windows);
	n = vy_tel_active_slots_for_opcode(&t, nops ? ops[0] : 0, idx);
	for (i = 0; i < n; i++)
		CHECK(idx[i] < t.n_slots &&
		      vy_slot_status_is_active(t.slots[idx[i]].status));
	free(idx);
	vy_tel_runtime_counters_fill(&t, &c);
	CHECK(c.gpu_idle_ppm <= 1000000 && c.frontier_density_bps <= 10000);
	CHECK(vy_tel_hot_window_count(&t, &hot, NULL) == 0);
	vy_tel_sketch_telemetry_init(&sk);
	CHECK(vy_tel_sketch(&t, 2, 7, &sk, NULL) == 0);
	CHECK(sk.total_slots == t.n_slots);
	vy_tel_sketch_telemetry_free(&sk);
	/* the same decode again, into the same buffers */
	n = t.n_windows;
	CHECK(vy_tel_decode(&t, &s, ctl, sizeof(ctl), data, size, ops,
				  nops, 0, NULL) == 0);
	CHECK(t.n_windows == n);
out:
	vy_tel_free(&t);
	vy_tel_free(&u);
	vy_tel_scratch_free(&s);
	return 0;
}
