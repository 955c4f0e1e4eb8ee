# vyre-recommend --policy / --show-policy (the launch policy's thresholds
# from a file, with the seed's errors), -v with --batch (the launch cache
# statistics), --autotune over vyre-launch -j reports.
. tests/cli/lib.sh

XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

expect_rc "--help lists --policy" 0 vyre-recommend --help
for o in --policy --show-policy --autotune --verbose; do
	contains "help lists $o" "$OUT" -- "$o"
done

# the standard policy as a file the toolkit reads back
expect_rc "--show-policy -j" 0 vyre-recommend --show-policy -j
cp "$OUT" "$T/std.json"
contains "policy document has its schema" "$T/std.json" '"schema": "vyre-recommend-policy/1"'
check "12 thresholds and the sizing object" "$(jq 'del(.schema, .version) | length' "$T/std.json")" = 13
check "sizing has its 5 members" "$(jq '.sizing | length' "$T/std.json")" = 5
expect_rc "--policy reads --show-policy's output" 0 vyre-recommend --policy "$T/std.json" --show-policy -j
check "and writes it back unchanged" "$(cmp "$OUT" "$T/std.json" && echo same)" = same
expect_rc "--show-policy table" 0 vyre-recommend --show-policy
contains "table names the threshold" "$OUT" "jit_queue_len_threshold"

# a threshold changes the answer: 200 items are Jit under a 100 threshold
expect_rc "standard policy" 0 vyre-recommend -j --direct 200,8,64
check "standard: interpreter" "$(jq -r .execution_mode "$OUT")" = interpreter
sed 's/"jit_queue_len_threshold": 4096/"jit_queue_len_threshold": 100/' "$T/std.json" >"$T/jit.json"
expect_rc "--policy with a lower JIT threshold" 0 vyre-recommend -j --policy "$T/jit.json" --direct 200,8,64
check "--policy: jit" "$(jq -r .execution_mode "$OUT")" = jit
printf '{"queue_len":200,"requested_worker_groups":8,"max_workgroup_size_x":64,"max_compute_workgroups_per_dimension":8,"max_compute_invocations_per_workgroup":64}\n' >"$T/req.jsonl"
expect_rc "--batch --policy" 0 vyre-recommend --batch --policy "$T/jit.json" "$T/req.jsonl"
contains "--batch uses the policy" "$OUT" '"execution_mode":"jit"'
echo '{"min_hit_capacity": 4096}' >"$T/part.json"
expect_rc "a partial policy keeps the rest standard" 0 vyre-recommend --policy "$T/part.json" --show-policy -j
check "partial: the member given" "$(jq .min_hit_capacity "$OUT")" = 4096
check "partial: the rest standard" "$(jq .jit_queue_len_threshold "$OUT")" = 4096

# the seed's errors, naming the file
echo '{"memory_pressure_threshold_bps": 12000}' >"$T/mem.json"
expect_rc "memory threshold above 10000 exits 2" 2 vyre-recommend --policy "$T/mem.json" --direct 1,1,1
contains "names the file, value and seed error" "$ERR" "mem.json: memory_pressure_threshold_bps 12000 exceeds 10000 (E_MEMORY_THRESHOLD_ABOVE_10000)"
echo '{"dense_frontier_threshold_bps": 65300}' >"$T/hyst.json"
expect_rc "a threshold whose band leaves u16 exits 2" 2 vyre-recommend --policy "$T/hyst.json" --direct 1,1,1
contains "hysteresis bound error" "$ERR" "(E_HYSTERESIS_BOUND)"
echo '{"jit_threshold": 5}' >"$T/unk.json"
expect_rc "unknown member exits 3" 3 vyre-recommend --policy "$T/unk.json" --direct 1,1,1
contains "unknown member named" "$ERR" "unk.json: unknown member 'jit_threshold'"
echo '{"sparse_frontier_threshold_bps": 70000}' >"$T/wide.json"
expect_rc "a value wider than its field exits 2" 2 vyre-recommend --policy "$T/wide.json" --direct 1,1,1
contains "width error" "$ERR" "sparse_frontier_threshold_bps: 70000 does not fit 16 bits"
printf '{"min_hit_capacity": 1,\n  oops}\n' >"$T/syn.json"
expect_rc "bad JSON exits 3" 3 vyre-recommend --policy "$T/syn.json" --direct 1,1,1
contains "bad JSON names the line" "$ERR" "syn.json: line 2"
expect_rc "missing policy file exits 4" 4 vyre-recommend --policy "$T/none.json" --direct 1,1,1
# one line naming the file once (it was named twice)
check "missing policy file: one line naming it" \
	"$(head -n 1 "$ERR")" = "vyre-recommend: $T/none.json: No such file or directory (E_IO)"
mkdir -p "$T/pdir"
expect_rc "a directory as the policy exits 4" 4 vyre-recommend --policy "$T/pdir" --direct 1,1,1
check "a directory as the policy: one line naming it" \
	"$(cat "$ERR")" = "vyre-recommend: $T/pdir: Is a directory (E_IO)"
expect_rc "a directory as the autotune input exits 4" 4 vyre-recommend --autotune "$T/pdir"
contains "a directory as the autotune input: why" "$ERR" "pdir: read error: Is a directory"

# -v: the launch cache statistics of a batch (two equal requests: 1 hit)
cat "$T/req.jsonl" "$T/req.jsonl" >"$T/req2.jsonl"
expect_rc "--batch -v" 0 vyre-recommend --batch -v "$T/req2.jsonl"
contains "-v prints the cache statistics" "$ERR" "vyre-recommend: launch cache: 1 entries, 1 hits, 1 misses"
expect_rc "-v without --batch explains" 0 vyre-recommend -v --direct 1,1,1

# --autotune over reports the toolkit wrote (hand-made here: no device needed)
rep() { printf '{"end_reason": "%s", "items_processed": %s, "wall_ns": %s,\n "geometry": {"slots": 256, "workgroups": %s, "workgroup_size": %s}}\n' "$@"; }
{ rep ok 1000 4000000 1 32; rep ok 1000 2000000 1 64; rep ok 1000 3000000 1 128; rep timeout 10 100 1 256; } >"$T/runs.json"
expect_rc "--autotune" 0 vyre-recommend --autotune "$T/runs.json" -j
check "the cheapest finished run is chosen" "$(jq -c '[.best, .geometry.workgroups, .geometry.workgroup_size]' "$OUT")" = '[1,1,64]'
check "the seed's autotune_workgroup_size agrees" "$(jq .autotune_workgroup_size "$OUT")" = 64
check "a run that did not end ok has no cost" "$(jq '.candidates[3].cost_ns_per_item' "$OUT")" = null
check "a measured minimum stays put" "$(jq -c '.natural_gradient.next_probe | [.workgroups, .workgroup_size]' "$OUT")" = '[1,64]'
{ rep ok 1000 4000000 1 32; rep ok 1000 3000000 1 64; } >"$T/down.json"
expect_rc "--autotune on a falling cost" 0 vyre-recommend --autotune "$T/down.json" -j
check "the step doubles the work-group size" "$(jq -c '.natural_gradient.next_probe | [.workgroups, .workgroup_size]' "$OUT")" = '[1,128]'
expect_rc "--autotune from stdin, table" 0 sh -c "vyre-recommend --autotune - <'$T/runs.json'"
contains "table marks the best" "$OUT" "1 x 64, 2000.0 ns/item (best)"
echo '{"end_reason": "ok"}' >"$T/short.json"
expect_rc "a report without geometry exits 3" 3 vyre-recommend --autotune "$T/short.json"
contains "names the report" "$ERR" "short.json: report 1 lacks"
: >"$T/empty.json"
expect_rc "no reports exits 3" 3 vyre-recommend --autotune "$T/empty.json"
printf '{"end_reason": "ok",' >"$T/cut.json"
expect_rc "a cut report exits 3" 3 vyre-recommend --autotune "$T/cut.json"

if ! have_device; then
	skip "--autotune on vyre-launch reports" "no OpenCL device"
	exit 0
fi
for w in 16 32 64; do
	timeout 60 vyre-launch -j --workgroup-size $w --synthetic 300 || exit 1
done >"$T/launch.json" 2>"$T/launch.err"
check "three vyre-launch -j reports written" "$(jq -s length "$T/launch.json")" = 3
expect_rc "--autotune reads vyre-launch -j reports" 0 vyre-recommend --autotune "$T/launch.json" -j
check "it picks one of the measured sizes" "$(jq '.geometry.workgroup_size | IN(16, 32, 64)' "$OUT")" = true
