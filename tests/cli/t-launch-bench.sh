#!/bin/sh
# vyre-launch as a benchmark tool: --repeat N and its spread, run
# metadata, --compare of two reports, the early timeout warning, the
# progress line on a terminal, memory that does not grow with the items.
. tests/cli/lib.sh
if ! have_device; then
	skip "vyre-launch benchmark features" "no OpenCL device"
	exit 0
fi
L="vyre-launch -d cpu --timeout 100"

expect_rc "--repeat 3 exits 0" 0 $L --synthetic 20K --repeat 3
for f in items_per_second wall_ns setup_ns latency_p50_ns latency_p99_ns; do
	for k in median min max; do
		contains "--repeat 3 prints spread_$f.$k" "$OUT" "spread_$f.$k"
	done
done
contains "table says repeat 3" "$OUT" "repeat                         3"
expect_rc "--repeat 2 -j -o" 0 $L --synthetic 20K --repeat 2 -j -o "$T/a.json"
for k in '"repeat": 2' '"started_at": "20' '"command_line": "' '"items_given": 20480' \
	'"setup_ns": ' '"wall_ns": ' '"device": ' '"geometry": {' '"version": "0.1.0"' \
	'"spread_items_per_second": {'; do
	contains "JSON run metadata: $k" "$T/a.json" "$k"
done
contains "latency count is every item" "$T/a.json" '"count": 20480'
expect_rc "--repeat 0 exits 2" 2 $L --synthetic 1K --repeat 0
expect_rc "--repeat with --snapshot exits 2" 2 $L --synthetic 1K --repeat 2 --snapshot "$T/s.vyrd"

# --compare: every number both reports have, with B/A.
expect_rc "second report" 0 $L --synthetic 10K -j -o "$T/b.json"
expect_rc "--compare A B" 0 vyre-launch --compare "$T/a.json" "$T/b.json"
contains "--compare header" "$OUT" "B/A"
contains "--compare ratio of items_given" "$OUT" "0.500"
expect_rc "--compare -j" 0 vyre-launch --compare -j "$T/a.json" "$T/b.json"
contains "--compare -j schema" "$OUT" '"schema": "vyre-launch-compare/1"'
tr -d ' \n' <"$OUT" >"$T/c.json"
contains "--compare -j figure" "$T/c.json" '{"name":"items_given","a":20480.0,"b":10240.0,"ratio":0.5}'
expect_rc "--compare with one report exits 2" 2 vyre-launch --compare "$T/a.json"
expect_rc "--compare with a missing report exits 4" 4 vyre-launch --compare "$T/a.json" "$T/none.json"
contains "--compare names the missing file" "$ERR" "vyre-launch: $T/none.json: No such file"
echo '{"schema":"vyre-decode/1"}' >"$T/d.json"
expect_rc "--compare with another schema exits 3" 3 vyre-launch --compare "$T/a.json" "$T/d.json"

# A synthetic run that cannot finish in the timeout says so early.
expect_rc "80M items in 2 s time out" 6 vyre-launch -d cpu --synthetic 80M --timeout 2
contains "early warning names the timeout" "$ERR" "more than --timeout 2"
contains "early warning gives a timeout" "$ERR" "hint: give --timeout"

# The progress line: on a terminal only, and not with -q.
if command -v script >/dev/null 2>&1; then
	# 20M: long enough for a progress call (every 250 ms) at 10M items/s
	script -qec "vyre-launch -d cpu --synthetic 20M --timeout 100 >/dev/null" /dev/null >"$T/tty.out" 2>&1
	contains "progress line on a terminal" "$T/tty.out" "items/s"
	script -qec "vyre-launch -q -d cpu --synthetic 2M --timeout 100 >/dev/null" /dev/null >"$T/tty.q" 2>&1
	check "no progress line with -q" -z "$(grep 'items/s' "$T/tty.q")"
fi
run vyre-launch -d cpu --synthetic 2M --timeout 100
check "no progress line when stderr is not a terminal" ! -s "$ERR"

# Latencies go to a fixed-size histogram: 20x the items, same memory.
# (not under make sanitize: ASan's quarantine keeps freed memory, 9 MB
# more at 2 M items there, with no growth in the plain build)
if [ -n "$VY_SANITIZE" ]; then
	skip "peak RSS does not grow with the items" "ASan quarantine (make sanitize)"
elif [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M vyre-launch -q -d cpu --synthetic 100K --timeout 100 2>"$T/m1"
	/usr/bin/time -f %M vyre-launch -q -d cpu --synthetic 2M --timeout 100 2>"$T/m2"
	a=$(tail -n1 "$T/m1") b=$(tail -n1 "$T/m2")
	check "peak RSS does not grow with the items ($a -> $b KiB)" "$b" -lt $((a + 8192))
else
	skip "peak RSS does not grow with the items" "/usr/bin/time missing"
fi

# Ratios, not basis points ("bps" reads as bytes per second), except in
# the seed's own telemetry object, which keeps upstream's names and units.
expect_rc "report of a small run" 0 $L -j --synthetic 1K
check "no *_bps figure outside the seed's telemetry" \
	-z "$(jq -c 'del(.telemetry)' "$OUT" | grep -o '[a-z_]*_bps')"
contains "the seed's telemetry keeps its names" "$OUT" '"occupancy_proxy_bps"' 

# A binary snapshot is never written to a terminal.
if command -v script >/dev/null 2>&1; then
	script -qec "vyre-launch -d cpu --synthetic 10 --snapshot -; echo rc=\$?" /dev/null >"$T/snap.tty" 2>&1
	contains "--snapshot - to a terminal exits 2" "$T/snap.tty" "rc=2"
	contains "--snapshot - to a terminal says why" "$T/snap.tty" "standard output is a terminal"
	check "no VYRD bytes on the terminal" -z "$(grep -a VYRD "$T/snap.tty")"
fi
