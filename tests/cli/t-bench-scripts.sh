#!/bin/sh
# The benchmark scripts of docs/BENCHMARKS.md run, on tiny inputs, and
# print their tables: a script that no longer runs (an option renamed under
# it) is found here, not on a lent GPU machine.  Timings are not checked.
. tests/cli/lib.sh

run sh scripts/bench-decode.sh 4096 1
check "bench-decode.sh runs" "$RC" = 0
contains "bench-decode.sh prints its table" "$OUT" '| `vyre-decode --control'
run sh scripts/bench-recommend.sh 2000 1 20000
check "bench-recommend.sh runs" "$RC" = 0
contains "bench-recommend.sh prints its table" "$OUT" "vyre-recommend --batch"
if ! have_device; then
	skip "device benchmark scripts" "no OpenCL device"
	exit 0
fi
run sh scripts/bench-launch.sh -d cpu --latency-items 20 --throughput-items 2000 --batches 64
check "bench-launch.sh runs" "$RC" = 0
contains "bench-launch.sh prints its table" "$OUT" "| 64 |"
run env REPS=1 ITEMS=2000 BATCHES=64 SYNTH=2000 VARIANTS="ticket status notail peritem scan serial" \
	OUTDIR="$T/bt" sh scripts/bench-throughput.sh -d cpu --latency-items 20
check "bench-throughput.sh runs" "$RC" = 0
for v in ticket status notail peritem scan serial; do
	contains "bench-throughput.sh: a row for $v" "$OUT" "| 64 | $v |"
done
contains "bench-throughput.sh: vyre-launch rows" "$OUT" "--ring-slots 65536"
check "bench-throughput.sh: the fed column has figures" \
	-z "$(grep '^| 64 | ticket |' "$OUT" | awk -F'|' '$8 + 0 <= 0')"
run env REPS=1 BATCH=4096 ROUNDS=2 BASE_BUILD=build OUTDIR="$T/bst" sh scripts/bench-stage.sh
check "bench-stage.sh runs" "$RC" = 0
for c in commit p1 p2 copy-p1 copy-p2; do
	contains "bench-stage.sh: a total for $c" "$OUT" "| $c | total |"
done
check "bench-stage.sh: the base and ratio columns have figures" \
	"$(grep '^| p1 | total |' "$OUT" | awk -F'|' '{ print ($5 > 0 && $6 > 0) }')" = 1
run env DEVICE=cpu REPS=1 CHUNK=1M OUTDIR="$T/bs" sh scripts/bench-stream.sh "$T" 2 2
check "bench-stream.sh runs" "$RC" = 0
for m in hot-inline hot-async direct; do
	contains "bench-stream.sh: a row for $m" "$OUT" "| $m |"
done
check "bench-stream.sh: no nan" -z "$(grep -i nan "$OUT")"
check "bench-stream.sh: the files were streamed" \
	"$(grep '^| hot-async |' "$OUT" | awk -F'|' '{ print ($3 > 0) }')" = 1
run env DEVICE=cpu REPS=1 CHUNK=1M MODES=hot-async VERIFY=0 OUTDIR="$T/bs" \
	sh scripts/bench-stream.sh "$T" 2 2
check "bench-stream.sh MODES: one row" "$(grep -c '^| hot' "$OUT")" = 1
run sh scripts/bench-progcache.sh -d cpu -n 1
check "bench-progcache.sh runs" "$RC" = 0
contains "bench-progcache.sh: the warm row" "$OUT" "warm"
check "bench-progcache.sh: set-up times are measured, not 0" \
	-z "$(grep -E '^\| (cold|driver|warm) ' "$OUT" | awk -F'|' '$4 + 0 <= 0')"
# the tables again from the raw lines, nothing run: a GPU run cut short by
# its time limit keeps its finished reps
cp "$T/bt/bench-throughput.jsonl" "$T/raw.jsonl"
run env TABLES_FROM="$T/raw.jsonl" VARIANTS="ticket status" BATCHES=64 \
	sh scripts/bench-throughput.sh
check "bench-throughput.sh TABLES_FROM runs" "$RC" = 0
contains "bench-throughput.sh TABLES_FROM: the ticket row" "$OUT" "| 64 | ticket |"
contains "bench-throughput.sh TABLES_FROM: one finished rep" "$OUT" "(1 finished reps)"
check "bench-throughput.sh TABLES_FROM runs nothing" \
	"$(wc -l <"$T/raw.jsonl")" = "$(wc -l <"$T/bt/bench-throughput.jsonl")"
run env TABLES_FROM=/dev/null sh scripts/bench-throughput.sh
check "bench-throughput.sh TABLES_FROM empty: exit 4" "$RC" = 4
