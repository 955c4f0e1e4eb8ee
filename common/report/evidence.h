/* SPDX-License-Identifier: MIT */
/*
 * evidence.h - the seed's evidence envelopes and readback counters filled
 * from real runs (policy-telemetry.md §2.9, §3.1):
 *   vyre-stream -j   "runtime_io_evidence"  MegakernelRuntimeEvidence
 *   vyre-decode -j   "decode_capacity_evidence"
 *                    TelemetryDecodeCapacityEvidence, and "readback"
 *   vyre-mkdump --check  the readback counters
 * Each JSON object carries the seed's schema_version, its coverage, and
 * "complete" as the seed's is_complete() decides it.
 */
#ifndef VY_REPORT_EVIDENCE_H
#define VY_REPORT_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "device/megakernel.h"
#include "device/stream.h"
#include "telemetry/telemetry.h"
#include "wire/protocol.h"

/*
 * What a stream run's control buffer and ring showed at its end: the
 * megakernel session's (--persistent) or the per-batch kernels' control
 * buffer and descriptor ring (device/stream.h).
 */
struct vy_rep_stream_evidence {
	bool decoded;		/* control and ring were read and decoded */
	struct vy_tel_control_snapshot control;
	struct vy_tel_ring_occupancy occ;
	uint64_t control_decode_ns;	/* vy_tel_control_decode */
	uint64_t ring_decode_ns;	/* vy_tel_decode (occupancy) */
};

/*
 * Decode @control (control_len bytes) and @ring (ring_len bytes, wire
 * layout) into @ev, timing each decode: the body of
 * vy_dev_stream_opts.on_wire_end.  A decode that fails leaves decoded
 * false (the ring and control families are then missing, not made up).
 */
void vy_rep_stream_evidence_decode(struct vy_rep_stream_evidence *ev,
				   const uint8_t *control, size_t control_len,
				   const uint8_t *ring, size_t ring_len);

/*
 * vy_dev_stream_opts.on_session_end body: snapshot the stopped session
 * @mk and decode its control and ring as vy_rep_stream_evidence_decode
 * does.  A snapshot that fails leaves decoded false.
 */
void vy_rep_stream_evidence_capture(struct vy_rep_stream_evidence *ev,
				    struct vy_mk *mk);

/*
 * The runtime IO evidence of a vyre-stream run (new reference):
 *   resident_device_bytes    m->device_bytes
 *   host_copy_bytes          input bytes a host CPU copied on their way
 *                            to the device: buffered reads (the OS copies
 *                            page cache into the slot) + engine memcpy
 *   host_copy_avoided_bytes  input bytes that reached the device with no
 *                            host CPU copy: O_DIRECT reads (disk DMA into
 *                            the slot)
 *   host_copy_avoidance_bps  the seed's formula over those two
 *   dma_bytes                {disk_to_host: O_DIRECT bytes,
 *                             host_to_device: the copy transport's bytes}
 *   ring_occupancy, control_decode_ns, ring_decode_ns  from @ev
 *   control                  @ev's decoded control (report/decode.h
 *                            vy_rep_control_json), only when decoded
 *   coverage, missing, complete
 * Ring and control are covered when @ev was decoded (both paths of a run
 * that ended normally; not when the read-back failed).
 */
json_t *vy_rep_stream_evidence_json(const struct vy_rep_stream_evidence *ev,
				    const struct vy_dev_stream_metrics *m,
				    const struct vy_dev_stream_input *in,
				    size_t nin);

/*
 * TelemetryDecodeCapacityEvidence of one decode (@t with @s, which took
 * @decode_ns), with "complete" and the time.  New reference.
 */
json_t *vy_rep_decode_capacity_json(const struct vy_tel *t,
				    const struct vy_tel_scratch *s,
				    uint64_t decode_ns);

/*
 * MegakernelReadbackCounters of the buffers of lengths @lens (control,
 * ring, debug log, IO queue; a missing buffer counts 0 bytes), plus
 * readback_buffers (the buffers present) and whether the seed's strict
 * readback validation accepts them ("valid", and "error" when not).
 * New reference.
 */
json_t *vy_rep_readback_json(const uint64_t lens[VY_BUF_COUNT],
			     const bool present[VY_BUF_COUNT]);

/*
 * The same as one line: "@prefix readback: control N ring N debug_log N
 * io_queue N total_bytes N readback_buffers N: valid" (or "not a valid
 * readback: why").
 */
void vy_rep_readback_table(FILE *f, const char *prefix,
			   const uint64_t lens[VY_BUF_COUNT],
			   const bool present[VY_BUF_COUNT]);

#endif
