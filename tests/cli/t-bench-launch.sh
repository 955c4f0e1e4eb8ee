#!/bin/sh
# vyre-bench-launch, the benchmark behind scripts/bench-launch.sh and
# scripts/bench-throughput.sh: every variant it compares runs every item
# exactly once (the tool checks control word 150 against the items it
# staged and exits non-zero otherwise), and its JSON lines are JSON.
. tests/cli/lib.sh
if ! have_device; then
	skip "vyre-bench-launch variants" "no OpenCL device"
	exit 0
fi
B="vyre-bench-launch -d cpu -j --latency-items 20 --throughput-items 3000 --batches 64,1000"

for v in "" --scan-claim --status-completion --stage-per-item --no-done-tail \
	"--transport copy" "--transport copy --pinned-small-writes"; do
	name=${v:-default}
	expect_rc "$name: runs every item once" 0 $B $v
	check "$name: every line is JSON" "$(jq -c . "$OUT" >/dev/null 2>&1 && echo y)" = y
	check "$name: two throughput points" "$(jq -s '[.[] | select(.batch)] | length' "$OUT")" = 2
	check "$name: persistent items/s is a positive number" \
		"$(jq -s '[.[] | select(.batch) | .persistent_items_per_s > 0] | all' "$OUT")" = true
	check "$name: the ring kept fed runs too" \
		"$(jq -s '[.[] | select(.batch) | .persistent_fed_items_per_s > 0] | all' "$OUT")" = true
done
# the fed run with batches that do not divide the items, and one of a
# single item: every item still runs once (the word is checked)
expect_rc "ring kept fed, uneven batches" 0 vyre-bench-launch -d cpu -j \
	--latency-items 5 --throughput-items 2500 --batches 1,7,3000
check "ring kept fed: three points" \
	"$(jq -s '[.[] | select(.persistent_fed_items_per_s > 0)] | length' "$OUT")" = 3
# the ticket claim sees completion by counter; the baseline does not
run sh -c "$B --batches 1000 --breakdown 2>&1 >/dev/null"
contains "--breakdown counts counter looks" "$OUT" "counter looks"
contains "--breakdown counts DONE_TAIL frees" "$OUT" "freed by DONE_TAIL"
contains "--breakdown: the fed run's line" "$OUT" "fed batch 1000:"
run sh -c "$B --batches 1000 --no-done-tail --breakdown 2>&1 >/dev/null"
check "--no-done-tail: no DONE_TAIL frees" \
	"$(grep -c ' 0.00 freed by DONE_TAIL' "$OUT")" = "$(grep -c 'freed by DONE_TAIL' "$OUT")"
check "default: looks at RETIRED" -n "$(grep '^persistent batch' "$OUT" | grep -v ' 0.0 counter looks')"
run sh -c "$B --batches 1000 --status-completion --breakdown 2>&1 >/dev/null"
check "--status-completion: no counter looks" -n "$(grep '^persistent batch' "$OUT" | grep ' 0.0 counter looks')"
expect_rc "--batches 0 exits 2" 2 vyre-bench-launch -d cpu --batches 0
# --breakdown times the relaunch baseline's kernel on the device
run sh -c "$B --batches 1000 --breakdown 2>&1 >/dev/null"
check "--breakdown: the once kernel's device time" -n "$(grep '^relaunch batch 1000' "$OUT" | grep -v ' 0.0 us in the once kernel')"
# parallel staging and chunked publication: a run of several chunks per
# batch, with two staging threads and with one flush per batch, runs
# every item once; a bad value is one line naming the option, exit 2
for v in "--producers 2 --chunk 100" "--producers 1 --chunk 0" "--producers 3 --chunk 1"; do
	expect_rc "$v: runs every item once" 0 $B --batches 1000,5000 $v
	check "$v: the header says so" \
		"$(head -n 1 "$OUT" | jq -c '[.producers, .chunk]')" = \
		"[$(echo "$v" | sed 's/--producers \([0-9]*\) --chunk \([0-9]*\)/\1,\2/')]"
done
for bad in "--producers 0" "--producers 65" "--producers x" "--chunk -1" "--chunk 2M"; do
	expect_rc "$bad exits 2" 2 vyre-bench-launch -d cpu $bad
	contains "$bad: the message names the option" "$ERR" "bad value '${bad#* }' for ${bad%% *}"
done
run vyre-bench-launch --help
contains "--help documents --producers" "$OUT" "--producers N"
contains "--help documents --chunk" "$OUT" "--chunk N"

# vyre-bench-stage: the host's staging, flushing and freeing, no kernel
expect_rc "bench-stage: a small run" 0 vyre-bench-stage -d cpu --batch 4096 --rounds 3 --producers 2
contains "bench-stage: one line of figures" "$OUT" "batch 4096, chunk 4096, 2 producers:"
check "bench-stage: staging time is a positive number" \
	"$(sed -n 's/.*: \([0-9.]*\) us staging.*/\1/p' "$OUT" | awk '{ print ($1 > 0) }')" = 1
expect_rc "bench-stage --commit" 0 vyre-bench-stage -d cpu --batch 4096 --rounds 3 --producers 2 --commit
contains "bench-stage --commit: the caller's thread alone" "$OUT" "1 producers (reserve/commit)"
expect_rc "bench-stage --batch 0 exits 2" 2 vyre-bench-stage --batch 0
contains "bench-stage --batch 0: names the option" "$ERR" "bad value '0' for --batch"
expect_rc "bench-stage --gap-us 100" 0 vyre-bench-stage -d cpu --batch 4096 --rounds 3 --producers 2 --gap-us 100
expect_rc "bench-stage --gap-us x exits 2" 2 vyre-bench-stage --gap-us x
contains "bench-stage --gap-us x: names the option" "$ERR" "bad value 'x' for --gap-us"
# --transport copy: rows and RETIRED go through the device buffers; a
# poll still frees every batch (the tool exits 5 with a message if not)
expect_rc "bench-stage --transport copy" 0 vyre-bench-stage -d cpu --batch 4096 --rounds 3 --producers 2 --transport copy
contains "bench-stage --transport copy: says so" "$OUT" "2 producers, copy transport:"
expect_rc "bench-stage --transport auto exits 2" 2 vyre-bench-stage --transport auto
contains "bench-stage --transport auto: names the option" "$ERR" "bad value 'auto' for --transport"
