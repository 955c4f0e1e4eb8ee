# vyre-launch: the seed's report (all MegakernelReport and
# MegakernelTelemetry members), caps in --list-devices, --dedupe,
# --device-memory-budget, the compiled-program cache and --no-cache.
. tests/cli/lib.sh

# the compiled-program cache of this script only
XDG_CACHE_HOME=$T/cache
export XDG_CACHE_HOME

expect_rc "--dedupe with --synthetic is a usage error" 2 vyre-launch --dedupe --synthetic 4
contains "--dedupe says why" "$ERR" "--dedupe needs a WORKFILE"
expect_rc "bad --device-memory-budget exits 2" 2 vyre-launch --device-memory-budget 12x --synthetic 1
contains "bad budget names the option" "$ERR" "bad --device-memory-budget '12x'"
expect_rc "--help lists --dedupe" 0 vyre-launch --help
contains "--help lists --no-cache" "$OUT" "--no-cache"
contains "--help lists --device-memory-budget" "$OUT" "--device-memory-budget BYTES"

if ! have_device; then
	skip "launch seed report" "no OpenCL device"
	exit 0
fi

# caps next to the limits they come from
expect_rc "--list-devices -j exits 0" 0 vyre-launch --list-devices -j
contains "devices document has its schema" "$OUT" '"schema": "vyre-launch-devices/1"'
check "caps.supported of device 0 is true" "$(jq '.devices[0].caps.supported' "$OUT")" = true
mwc=$(jq '.devices[0].caps.max_worker_count' "$OUT")
cus=$(jq '.devices[0].compute_units' "$OUT")
check "max_worker_count is at least 1 and at most the compute units" "$mwc" -ge 1 -a "$mwc" -le "$cus"
expect_rc "--list-devices table" 0 vyre-launch --list-devices
contains "table shows SUPPORTED and MAX_WORKERS" "$OUT" "SUPPORTED MAX_WORKERS"
expect_rc "more work-groups than max_worker_count exits 2" 2 vyre-launch -d 0:0 --workgroups $((mwc + 1)) --synthetic 1
contains "the refusal names the cap" "$ERR" "max_worker_count is $mwc"

# every member of the seed's report and telemetry, by its seed name
rm -rf "$XDG_CACHE_HOME/vyre"
expect_rc "first run (cold cache) exits 0" 0 vyre-launch -j tests/data/sample.work
cp "$OUT" "$T/first.json"
for k in items_processed items_remaining wall_time queue_plan_ns \
	queue_publish_ns backend_dispatch_ns lineage_ns deduped_items \
	published_items lineage_items telemetry region_lineage; do
	check "report has $k" "$(jq "has(\"$k\")" "$OUT")" = true
done
for k in bytes_uploaded bytes_read_back bytes_moved resident_allocations \
	kernel_launches sync_points occupancy_proxy_bps frontier_density_bps \
	readback_buffers compiled_pipeline_cache_hit resident_input_cache_hit \
	topology pressure execution_mode hit_capacity \
	estimated_peak_device_bytes device_memory_budget_bytes; do
	check "telemetry has $k" "$(jq ".telemetry | has(\"$k\")" "$OUT")" = true
done
check "report has exactly 17 telemetry members" "$(jq '.telemetry | length' "$OUT")" = 17
# the seed's meanings: four ABI buffers each way, 9 items in 256 slots
# of 64 lanes: floor(9 * 10000 / 256) = 351 basis points, as a ratio
up=$(jq '.telemetry.bytes_uploaded' "$OUT")
check "bytes_uploaded = bytes_read_back (the four ABI buffers)" "$up" = "$(jq '.telemetry.bytes_read_back' "$OUT")"
check "bytes_moved = uploaded + read back" "$(jq '.telemetry.bytes_moved' "$OUT")" = $((up * 2))
check "readback_buffers is 4" "$(jq '.telemetry.readback_buffers' "$OUT")" = 4
check "frontier_density_bps is the seed's formula" "$(jq '.telemetry.frontier_density_bps' "$OUT")" = 351
check "occupancy_proxy_bps is the seed's formula" "$(jq '.telemetry.occupancy_proxy_bps' "$OUT")" = 351
check "one launch, at least one sync point" "$(jq -c '[.telemetry.kernel_launches, .telemetry.sync_points >= 1]' "$OUT")" = '[1,true]'
check "no lineage in this runtime" "$(jq -c '[.lineage_ns, .lineage_items, .region_lineage]' "$OUT")" = '[0,0,[]]'
check "first run misses the program cache" "$(jq -c '[.telemetry.compiled_pipeline_cache_hit, .runtime.program_cache]' "$OUT")" = '[false,"miss"]'
check "queue_plan_ns is the host's shaping, below set-up" "$(jq '.queue_plan_ns < .setup_ns' "$OUT")" = true
n=$(ls "$XDG_CACHE_HOME"/vyre/*.clbin 2>/dev/null | wc -l)
check "the first run stored one cache entry" "$n" = 1

expect_rc "second run exits 0" 0 vyre-launch -j tests/data/sample.work
check "second run hits the program cache" "$(jq -c '[.telemetry.compiled_pipeline_cache_hit, .runtime.program_cache]' "$OUT")" = '[true,"hit"]'
expect_rc "--no-cache run exits 0" 0 vyre-launch --no-cache -j tests/data/sample.work
check "--no-cache bypasses the cache" "$(jq -c '[.telemetry.compiled_pipeline_cache_hit, .runtime.program_cache]' "$OUT")" = '[false,"off"]'

# a corrupt entry is rebuilt and rewritten
f=$(ls "$XDG_CACHE_HOME"/vyre/*.clbin)
printf 'not a program' >"$f"
expect_rc "a corrupt cache entry still runs" 0 vyre-launch -j tests/data/sample.work
check "the corrupt entry is reported and rebuilt" "$(jq -r '.runtime.program_cache' "$OUT")" = corrupt
expect_rc "the rewritten entry hits" 0 vyre-launch -j tests/data/sample.work
check "after the rebuild the cache hits" "$(jq '.telemetry.compiled_pipeline_cache_hit' "$OUT")" = true
# an unwritable cache directory costs the entry, never the run
mkdir -p "$T/ro"
: >"$T/ro/vyre"
XDG_CACHE_HOME=$T/ro expect_rc "an unwritable cache still runs" 0 vyre-launch -j tests/data/sample.work
check "nothing stored there" "$(jq -c '[.runtime.program_cache, .runtime.program_cache_stored]' "$OUT")" = '["miss",false]'
# concurrent cold runs: each writes a whole entry, all succeed
rm -rf "$XDG_CACHE_HOME/vyre"
for i in 1 2 3; do
	timeout 60 vyre-launch -j tests/data/sample.work >"$T/c$i.json" 2>&1 &
done
wait
okc=0
for i in 1 2 3; do
	[ "$(jq -r .end_reason "$T/c$i.json" 2>/dev/null)" = ok ] && okc=$((okc + 1))
done
check "three concurrent cold runs all end ok" "$okc" = 3
expect_rc "after them the entry is whole" 0 vyre-launch -j tests/data/sample.work
check "and hits" "$(jq '.telemetry.compiled_pipeline_cache_hit' "$OUT")" = true
check "no temporary files left" "$(ls "$XDG_CACHE_HOME/vyre" | grep -c tmp)" = 0

# --dedupe: 6 items, 3 of them repeats of earlier ones
printf 'atomic_add 1 150\natomic_add 1 150\natomic_add 1 150\natomic_add 2 151\natomic_add 2 151\nstore_u32 7 152\n' >"$T/dup.work"
expect_rc "without --dedupe" 0 vyre-launch -j --dump-dir "$T/nd" "$T/dup.work"
check "without --dedupe nothing is removed" "$(jq -c '[.deduped_items, .published_items]' "$OUT")" = '[0,6]'
word() { od -An -tu4 -j $(($2 * 4)) -N4 "$1" | tr -d ' '; }
check "without --dedupe word 150 counts 3 adds" "$(word "$T/nd/control.bin" 150)" = 3
expect_rc "with --dedupe" 0 vyre-launch -j --dedupe --dump-dir "$T/dd" "$T/dup.work"
check "--dedupe removes 3 and publishes 3" "$(jq -c '[.deduped_items, .published_items]' "$OUT")" = '[3,3]'
check "--dedupe: all 6 count as processed (as upstream)" "$(jq -c '[.items_processed, .items_remaining]' "$OUT")" = '[6,0]'
check "--dedupe changed the result: word 150 is 1" "$(word "$T/dd/control.bin" 150)" = 1
check "--dedupe: word 151 is 2" "$(word "$T/dd/control.bin" 151)" = 2
check "--dedupe: the distinct store ran" "$(word "$T/dd/control.bin" 152)" = 7

# --device-memory-budget: fed to the plan and the report, refused when short
expect_rc "a large budget runs" 0 vyre-launch -j --device-memory-budget 1G tests/data/sample.work
check "the budget is in the report" "$(jq '.telemetry.device_memory_budget_bytes' "$OUT")" = 1073741824
peak=$(jq '.telemetry.estimated_peak_device_bytes' "$OUT")
expect_rc "a budget below the peak is refused (exit 7)" 7 vyre-launch -j --device-memory-budget 4096 --dump-dir "$T/nb" tests/data/sample.work
contains "the refusal names the budget" "$ERR" "device-memory-budget"
check "nothing ran: no dump written" ! -e "$T/nb/control.bin"
expect_rc "a budget of exactly the peak runs" 0 vyre-launch -j --device-memory-budget "$peak" tests/data/sample.work

# an empty work list: the seed's default report, nothing dispatched
printf 'fence\n' >"$T/empty.work"
expect_rc "an empty work list exits 0" 0 vyre-launch -j --dump-dir "$T/de" "$T/empty.work"
check "no launch, no items" "$(jq -c '[.end_reason, .telemetry.kernel_launches, .published_items, .items_processed]' "$OUT")" = '["ok",0,0,0]'
check "the default telemetry (all zero, empty, interpreter)" "$(jq -c '.telemetry | [.bytes_moved, .sync_points, .readback_buffers, .topology, .pressure, .execution_mode]' "$OUT")" = '[0,0,0,"empty","empty","interpreter"]'
check "the snapshot is still written" -s "$T/de/control.bin"
