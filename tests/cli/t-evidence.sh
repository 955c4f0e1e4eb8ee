# Evidence and readback from real runs: vyre-decode -j's
# decode_capacity_evidence and readback counters, --debug-log strict's
# readback length check, vyre-mkdump --check's counters, vyre-stream -j's
# runtime_io_evidence.
. tests/cli/lib.sh

G=tests/cli/golden
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

# a 1024-byte debug log: the debug parser reads it, a readback never has it
head -c 1024 /dev/zero >"$T/d1024.bin"
head -c 1028 /dev/zero >"$T/d1028.bin"
expect_rc "lenient decode reads a 1024-byte debug log" 0 vyre-decode --control $G/decode-ctl.bin --ring $G/decode-ring.bin --debug "$T/d1024.bin"
expect_rc "strict decode refuses a 1024-byte debug log" 3 vyre-decode --debug-log strict --control $G/decode-ctl.bin --ring $G/decode-ring.bin --debug "$T/d1024.bin"
contains "the refusal names the file and the seed's length" "$ERR" "d1024.bin: offset 0: debug log: 1024 bytes, a readback debug log has exactly 1028 (strict)"
expect_rc "strict decode reads a 1028-byte debug log" 0 vyre-decode --debug-log strict --control $G/decode-ctl.bin --ring $G/decode-ring.bin --debug "$T/d1028.bin"
# an IO queue of 65 slots passes the IO parser's alignment, not a readback
head -c 2080 /dev/zero >"$T/io65.bin"
expect_rc "strict decode refuses a 65-slot IO queue in a readback" 3 vyre-decode --debug-log strict --control $G/decode-ctl.bin --ring $G/decode-ring.bin --debug "$T/d1028.bin" --io "$T/io65.bin"

# readback counters and capacity evidence in vyre-decode -j
expect_rc "decode -j of four raw buffers" 0 vyre-decode -j --control $G/decode-ctl.bin --ring $G/decode-ring.bin --debug $G/decode-debug.bin --io $G/decode-io.bin
c=$(wc -c <$G/decode-ctl.bin) r=$(wc -c <$G/decode-ring.bin) d=$(wc -c <$G/decode-debug.bin) i=$(wc -c <$G/decode-io.bin)
check "readback counters are the buffer lengths" "$(jq -c '.readback | [.control_bytes, .ring_bytes, .debug_log_bytes, .io_queue_bytes, .total_bytes, .readback_buffers]' "$OUT")" = "[$c,$r,$d,$i,$((c + r + d + i)),4]"
check "decode capacity evidence is complete" "$(jq -c '.decode_capacity_evidence | [.schema_version, .complete, .uses_caller_owned_scratch]' "$OUT")" = '[1,true,true]'
check "decode capacity evidence has a time" "$(jq '.decode_capacity_evidence | has("decode_ns")' "$OUT")" = true
expect_rc "decode -j --slots all" 0 vyre-decode -j --slots all --control $G/decode-ctl.bin --ring $G/decode-ring.bin
check "decoded_slot_count is the ring's slots with --slots all" "$(jq '.decode_capacity_evidence | .decoded_slot_count == .ring_slots and .slot_output_capacity >= .decoded_slot_count' "$OUT")" = true

# vyre-mkdump --check prints the counters of every snapshot
expect_rc "mkdump --check" 0 vyre-mkdump --check $G/decode-run.vyrd
contains "--check prints the readback counters" "$OUT" "decode-run.vyrd: #0 readback: control 656 ring 1024 debug_log 0 io_queue 0 total_bytes 1680 readback_buffers 2: not a valid readback: 2 of the 4 ABI buffers"

if ! have_device; then
	skip "evidence from device runs" "no OpenCL device"
	exit 0
fi

# a real run's snapshot is a valid readback, strictly
expect_rc "launch writes a snapshot" 0 vyre-launch --snapshot "$T/run.vyrd" tests/data/sample.work
expect_rc "strict decode of a real run" 0 vyre-decode -j --debug-log strict "$T/run.vyrd"
check "a real run's readback is valid with 4 buffers" "$(jq -c '.readback | [.valid, .readback_buffers, .debug_log_bytes]' "$OUT")" = '[true,4,1028]'
expect_rc "mkdump --check of a real run" 0 vyre-mkdump --check "$T/run.vyrd"
contains "--check says the real readback is valid" "$OUT" "readback_buffers 4: valid"

# vyre-stream -j: runtime IO evidence filled from the run
head -c 300000 /dev/urandom >"$T/in.bin"
expect_rc "stream --persistent -j" 0 vyre-stream --persistent -j "$T/in.bin"
check "persistent stream evidence is complete" "$(jq -c '.runtime_io_evidence | [.schema_version, .complete, .missing]' "$OUT")" = '[1,true,[]]'
check "resident bytes are counted" "$(jq '.runtime_io_evidence.resident_device_bytes > 0' "$OUT")" = true
check "every input byte is either copied or avoided" "$(jq '.runtime_io_evidence | .host_copy_bytes + .host_copy_avoided_bytes' "$OUT")" = 300000
check "the session's ring was decoded" "$(jq '.runtime_io_evidence.ring_occupancy.total_slots > 0' "$OUT")" = true
b=$(jq '.runtime_io_evidence | if .host_copy_bytes + .host_copy_avoided_bytes == 0 then 0 else (.host_copy_avoided_bytes * 10000 / (.host_copy_bytes + .host_copy_avoided_bytes) | floor) end' "$OUT")
check "host_copy_avoidance_bps is the seed's formula" "$(jq '.runtime_io_evidence.host_copy_avoidance_bps' "$OUT")" = "$b"
check "the session's control was decoded: DONE_COUNT and opcode 8 once per ring slot" "$(jq '.runtime_io_evidence.control | .done_count > 0 and .metrics == [[8, .done_count]]' "$OUT")" = true
check "the decoded DONE_COUNT is the session's" "$(jq '.runtime_io_evidence.control.done_count == .metrics.session.done_count' "$OUT")" = true
# the default path launches per batch over a descriptor ring of wire slots
# (2 x dev_slots) and a control buffer, read back once at the end; 64K
# chunks, --qd 2 and --dev-slots 2 make 5 chunks wrap a ring of 4 slots
expect_rc "stream -j (launch per batch)" 0 vyre-stream -j --chunk 64K --qd 2 --dev-slots 2 "$T/in.bin"
check "the default path's evidence is complete" "$(jq -c '.runtime_io_evidence | [.schema_version, .complete, .missing]' "$OUT")" = '[1,true,[]]'
check "its ring occupancy is the descriptor ring's" "$(jq '.runtime_io_evidence.ring_occupancy.total_slots == .metrics.ring_slots and .metrics.ring_slots == 2 * .metrics.dev_slots' "$OUT")" = true
check "the descriptor ring's used slots ended DONE" "$(jq -c '.runtime_io_evidence.ring_occupancy | [.done, .empty + .done == .total_slots]' "$OUT")" = '[4,true]'
check "the decoded DONE_COUNT is the chunks processed" "$(jq -c '[.metrics.chunks, .metrics.done_count, .runtime_io_evidence.control.done_count]' "$OUT")" = '[5,5,5]'
check "opcode 8 counted once per chunk, as --persistent counts a slot" "$(jq -c '.runtime_io_evidence.control.metrics' "$OUT")" = '[[8,5]]'
expect_rc "stream -j grep (launch per batch)" 0 vyre-stream -j --chunk 64K -e ab -e cd "$T/in.bin"
check "grep's evidence is complete with opcode 11 once per chunk" "$(jq -c '[.runtime_io_evidence.complete, .runtime_io_evidence.control.metrics == [[11, .metrics.chunks]]]' "$OUT")" = '[true,true]'
# a run whose control and ring cannot be read back says they are missing
expect_rc "stream --persistent -j whose read-back fails" 0 env VYRE_TEST_DEVICE_FAIL=readback vyre-stream --persistent -j "$T/in.bin"
check "without a read-back ring and control are missing, not made up" "$(jq -c '.runtime_io_evidence | [.complete, .missing, has("control")]' "$OUT")" = '[false,["ring","control"],false]'
expect_rc "stream table output" 0 vyre-stream "$T/in.bin"
check "no evidence in the table output" "$(grep -c runtime_io_evidence "$OUT")" = 0
