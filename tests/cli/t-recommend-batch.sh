# vyre-recommend --batch: JSON Lines in and out, per-line errors,
# --hysteresis, --check per line, exit statuses.
. tests/cli/lib.sh

L='"requested_worker_groups":64,"max_workgroup_size_x":256,"max_compute_workgroups_per_dimension":64,"max_compute_invocations_per_workgroup":256'
cat >"$T/mixed.jsonl" <<EOT
{"queue_len":300,$L}
{"queue_len":1024,$L,"expected_hits_per_item":4,"resident_device_bytes":1024,"device_memory_budget_bytes":65536}
{"queue_len":100}

  {"queue_len" : 12, $L, "graph_node_count":400, "previous_topology":"hybrid_frontier"}
{"queue_len":5,$L,"requeue_count":18446744073709551615}
{"queue\u005flen":5,$L}
{"queue_len":-1,$L}
{"queue_len":1,"bogus":2}
not json
{"queue_len":5,$L,"frontier_density_bps":65536}
EOT
expect_rc "mixed batch exits 3 (malformed lines)" 3 vyre-recommend --batch "$T/mixed.jsonl"
golden "mixed batch golden" "$OUT" recommend-batch.jsonl
check "one output line per non-blank input line" "$(wc -l <"$OUT")" -eq 10
check "nothing on stderr" "$(wc -c <"$ERR")" -eq 0
contains "oom line carries requested/available" "$OUT" '"code":"E_DEVICE_OUT_OF_MEMORY","message":"device out of memory: requested 132096 bytes, available 65536","requested":132096,"available":65536,"line":2'
contains "zero limit line" "$OUT" '"code":"E_GRID_ZERO_MAX_WORKGROUP_SIZE_X"'
contains "malformed line numbered" "$OUT" '"code":"E_FORMAT","message":"unknown field '"'"'bogus'"'"'","line":9'

head -n 2 "$T/mixed.jsonl" >"$T/policy.jsonl"
expect_rc "policy refusals only exit 7" 7 vyre-recommend --batch <"$T/policy.jsonl"
head -n 1 "$T/mixed.jsonl" >"$T/good.jsonl"
expect_rc "all good exits 0 (stdin)" 0 vyre-recommend --batch - <"$T/good.jsonl"
check "one line out" "$(wc -l <"$OUT")" -eq 1
expect_rc "empty input exits 0" 0 vyre-recommend --batch </dev/null
expect_rc "missing input file exits 4" 4 vyre-recommend --batch "$T/none.jsonl"
expect_rc "--batch with --direct exits 2" 2 vyre-recommend --batch --direct 1,2,3
expect_rc "--batch with a field flag exits 2" 2 vyre-recommend --batch --queue-len 3
expect_rc "--batch with --format table exits 2" 2 vyre-recommend --batch --format table
expect_rc "--batch with --format jsonl is fine" 0 vyre-recommend --batch --format jsonl "$T/good.jsonl"

# Density 600, 450, 300, 200 bps: sparse below 500, but a previous hybrid
# holds down to 250 bps.
for q in 24 18 12 8; do
	echo "{\"queue_len\":$q,$L,\"graph_node_count\":400}"
done >"$T/walk.jsonl"
expect_rc "walk without hysteresis" 0 vyre-recommend --batch "$T/walk.jsonl"
check "without hysteresis" "$(grep -o '"topology":"[a-z_]*"' "$OUT" | tr '\n' ' ')" = \
	'"topology":"hybrid_frontier" "topology":"sparse_frontier" "topology":"sparse_frontier" "topology":"sparse_frontier" '
expect_rc "walk with hysteresis" 0 vyre-recommend --batch --hysteresis "$T/walk.jsonl"
check "with hysteresis" "$(grep -o '"topology":"[a-z_]*"' "$OUT" | tr '\n' ' ')" = \
	'"topology":"hybrid_frontier" "topology":"hybrid_frontier" "topology":"hybrid_frontier" "topology":"sparse_frontier" '

# Gates per line.
expect_rc "batch check fails on one line" 1 vyre-recommend --batch \
	--check 'topology!=sparse_frontier' "$T/walk.jsonl"
contains "failure names its line" "$ERR" "vyre-recommend: line 2: check failed: topology!=sparse_frontier (actual sparse_frontier)"
check "three lines fail" "$(grep -c 'check failed' "$ERR")" -eq 3
expect_rc "batch checks hold" 0 vyre-recommend --batch --check 'worker_groups<=64' "$T/walk.jsonl"

# Generated requests (the benchmark's input): one answer per line.
if [ -x "$BUILD/vyre-bench-policy" ]; then
	vyre-bench-policy gen 2000 >"$T/gen.jsonl"
	run vyre-recommend --batch "$T/gen.jsonl"
	check "generated batch: policy refusals only (exit 7)" "$RC" -eq 7
	check "generated batch: 2000 answers" "$(wc -l <"$OUT")" -eq 2000
	check "generated batch: no malformed line" "$(grep -c E_FORMAT "$OUT")" -eq 0
	expect_rc "bench tool usage error exits 2" 2 vyre-bench-policy gen
fi
