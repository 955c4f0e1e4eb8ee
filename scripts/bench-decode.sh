#!/bin/sh
# bench-decode.sh - vyre-decode throughput against cat, in one run.
#
#   scripts/bench-decode.sh [SLOTS] [RUNS]     (defaults: 1048576, 7)
#
# Builds a ring of SLOTS slots (64 bytes each; the default is 64 MiB) with
# a mix of statuses, opcodes and tenants plus a control buffer, then times,
# side by side on the same warm files:
#   1. cat RING >/dev/null                     (the baseline: reading it)
#   2. vyre-decode --control C --ring RING     (the default summary)
#   3. vyre-decode ... --slots all -f jsonl    (one JSON line per slot)
# Each is run RUNS times; the best run counts. Prints a Markdown section
# for docs/BENCHMARKS.md with the device, date, command and ratios.
# Environment: BUILD (default build), TMPDIR.
set -e
SLOTS=${1:-1048576}
RUNS=${2:-7}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PATH=$BUILD:$PATH
for p in vyre-decode vyre-mkdump; do
	command -v $p >/dev/null || { echo "bench-decode: $p not built (make)" >&2; exit 4; }
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# 16 slots with every status, then doubled up to SLOTS.
vyre-mkdump --raw ring -o "$W/r16" -e 'slot_count 16
slot index=0 status=published opcode=atomic_add tenant=1 args=1,2,3
slot index=1 status=claimed opcode=store_u32 tenant=2 args=4,5
slot index=2 status=done opcode=load_u32 tenant=3 args=6
slot index=3 status=wait_io opcode=0xf101 tenant=4 args=7,0,1
slot index=4 status=yield opcode=0xf101 tenant=4 args=7,1,2
slot index=5 status=requeue opcode=memcpy tenant=5 args=8,9,10
slot index=6 status=fault opcode=dfa_step tenant=6 args=11
slot index=7 status=9 opcode=12 tenant=7
slot index=8 status=published opcode=atomic_add tenant=1 args=1
slot index=9 status=done opcode=atomic_add tenant=1 args=2
slot index=10 status=done opcode=nop tenant=2
slot index=11 status=published opcode=0xf101 tenant=4 args=8,0'
vyre-mkdump --raw control -o "$W/control.bin" -e 'control 1 123456
control 96 1000
control 98 2000
control 64 10
control 65 30'
cp "$W/r16" "$W/ring.bin"
n=16
while [ "$n" -lt "$SLOTS" ]; do
	cat "$W/ring.bin" "$W/ring.bin" >"$W/r2"
	mv "$W/r2" "$W/ring.bin"
	n=$((n * 2))
done
BYTES=$(wc -c <"$W/ring.bin")

now() { date +%s%N; }
# best_ns CMD...: the fastest of RUNS runs, in ns.
best_ns() {
	best=0
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		d=$((t1 - t0))
		if [ "$best" -eq 0 ] || [ "$d" -lt "$best" ]; then best=$d; fi
		i=$((i + 1))
	done
	echo "$best"
}
cat_ring() { cat "$W/ring.bin"; }
decode() { vyre-decode --control "$W/control.bin" --ring "$W/ring.bin"; }
decode_jsonl() {
	vyre-decode --control "$W/control.bin" --ring "$W/ring.bin" \
		--slots all -f jsonl
}

# warm the page cache, check the decoders work
cat "$W/ring.bin" "$W/control.bin" >/dev/null
decode >/dev/null
lines=$(decode_jsonl | wc -l)
[ "$lines" -eq $((n + 1)) ] || { echo "bench-decode: jsonl gave $lines lines" >&2; exit 1; }

cat_ns=$(best_ns cat_ring)
dec_ns=$(best_ns decode)
jl_ns=$(best_ns decode_jsonl)

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
ncpu=$(nproc 2>/dev/null || echo "?")
mbs() { echo "$BYTES $1" | awk '{ printf "%.0f", $1 / ($2 / 1e9) / 1048576 }'; }
ratio=$(echo "$cat_ns $dec_ns" | awk '{ printf "%.2f", $1 / $2 }')
slots_s=$(echo "$n $jl_ns" | awk '{ printf "%.2f", $1 / ($2 / 1e9) / 1e6 }')

cat <<EOF
Device: $cpu ($ncpu CPUs), $(uname -sr); date: $(date -u +%Y-%m-%dT%H:%MZ).
Command: \`scripts/bench-decode.sh $SLOTS $RUNS\` (best of $RUNS runs each, same
files, page cache warm). Ring: $n slots, $BYTES bytes, plus a 640-byte
control buffer.

| what | best time | throughput | vs cat |
|---|---|---|---|
| \`cat ring.bin >/dev/null\` | $((cat_ns / 1000)) µs | $(mbs "$cat_ns") MiB/s | 1.00 |
| \`vyre-decode --control c --ring ring.bin\` (summary) | $((dec_ns / 1000)) µs | $(mbs "$dec_ns") MiB/s | $ratio |
| \`vyre-decode ... --slots all -f jsonl >/dev/null\` | $((jl_ns / 1000)) µs | $slots_s M slots/s | - |

Target: the summary decode at >= 0.5 of cat's throughput (measured: $ratio).
EOF
