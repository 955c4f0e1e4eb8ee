#!/bin/sh
# bench-throughput.sh - device throughput of the megakernel in one run
# (docs/BENCHMARKS.md, "Throughput at scale"): REPS alternating runs of
# vyre-bench-launch as built (ticket claim, completion by the RETIRED
# counter, items staged in place; batch by batch and with the ring kept
# fed) and of each baseline: the scanning claim
# (--scan-claim), a status read per look (--status-completion),
# item-by-item staging (--stage-per-item) and no frees by DONE_TAIL
# (--no-done-tail, variant notail), serial staging with one flush per
# batch (--producers 1 --chunk 0, variant serial: the tree before
# vy_dev_mk_produce and --chunk); on request (VARIANTS) small writes from
# the pinned images (--pinned-small-writes, variant pinned) and batches
# published in chunks of 8192 (--chunk 8192, variant chunked); and
# vyre-launch --synthetic on
# a 256-slot and a 65536-slot ring.  Prints Markdown: medians over the
# runs, every ratio taken against a baseline of the same run.
#
# Usage: sh scripts/bench-throughput.sh [vyre-bench-launch options]
#   e.g. sh scripts/bench-throughput.sh -d gpu
# Environment: BUILD (default build), REPS (3), ITEMS (throughput items per
# point, 2000000), BATCHES (64,1024,4096,16384,65536), SYNTH (vyre-launch
# --synthetic items, 2000000), DEVICE (-d for vyre-launch; default gpu when
# one is listed, else cpu), OUTDIR (raw JSON lines; default a temporary
# directory), VARIANTS (default "ticket scan status peritem serial"; "base" adds
# the default run of another build, BASE_BUILD, e.g. the tree before a
# change, with its vyre-launch --synthetic runs too), TABLES_FROM (a raw
# file of an earlier run: print its tables, run nothing).
set -e
BUILD=${BUILD:-build}
REPS=${REPS:-3}
ITEMS=${ITEMS:-2000000}
BATCHES=${BATCHES:-64,1024,4096,16384,65536}
SYNTH=${SYNTH:-2000000}
VARIANTS=${VARIANTS:-ticket scan status peritem serial}
for p in vyre-bench-launch vyre-launch; do
	if [ ! -x "$BUILD/$p" ]; then
		echo "bench-throughput.sh: $BUILD/$p not built (run make)" >&2
		exit 4
	fi
done
if [ -z "$DEVICE" ]; then
	DEVICE=cpu
	"$BUILD/vyre-launch" --list-devices 2>/dev/null | grep -qi gpu &&
		DEVICE=gpu
fi
# TABLES_FROM=FILE: no runs, the tables of the raw lines in FILE (a run
# cut short by a time limit still has the reps it finished)
if [ -n "${TABLES_FROM:-}" ]; then
	RAW=$TABLES_FROM
	[ -s "$RAW" ] || { echo "bench-throughput.sh: $RAW: no raw lines" >&2; exit 4; }
	# the reps every variant finished: one past the last rep of the
	# vyre-launch lines, which close a rep
	REPS=$(sed -n 's/^{"synthetic":.*"rep":\([0-9]*\),.*/\1/p' "$RAW" | sort -n | tail -n 1)
	REPS=$((${REPS:--1} + 1))
	[ "$REPS" -gt 0 ] || { echo "bench-throughput.sh: $RAW: no finished rep" >&2; exit 4; }
	REPS_DONE=$REPS
	REPS=0
else
	OUTDIR=${OUTDIR:-$(mktemp -d)}
	mkdir -p "$OUTDIR"
	RAW=$OUTDIR/bench-throughput.jsonl
	: >"$RAW"
fi

# num KEY LINE: the number after "KEY": in a one-line JSON object
num() { echo "$2" | sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [ -n "${TABLES_FROM:-}" ]; then
	echo "tables of $RAW ($REPS_DONE finished reps)"
else
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: REPS=$REPS ITEMS=$ITEMS BATCHES=$BATCHES SYNTH=$SYNTH VARIANTS='$VARIANTS' sh scripts/bench-throughput.sh $*"
fi
echo

r=0
while [ "$r" -lt "$REPS" ]; do
	for claim in $VARIANTS; do
		case $claim in
		scan) opt=--scan-claim ;;
		status) opt=--status-completion ;;
		notail) opt=--no-done-tail ;;
		peritem) opt=--stage-per-item ;;
		pinned) opt=--pinned-small-writes ;;
		chunked) opt="--chunk 8192" ;;
		serial) opt="--producers 1 --chunk 0" ;;
		*) opt="" ;;
		esac
		bin=$BUILD
		[ "$claim" = base ] && bin=$BASE_BUILD
		# shellcheck disable=SC2086
		timeout -s KILL 300 "$bin/vyre-bench-launch" -j "$@" $opt \
			--throughput-items "$ITEMS" --batches "$BATCHES" |
			sed "s/^{/{\"claim\":\"$claim\",\"rep\":$r,/" >>"$RAW"
	done
	for b in $BUILD ${BASE_BUILD:+$BASE_BUILD}; do
		for slots in 256 65536; do
			l=$(timeout -s KILL 120 "$b/vyre-launch" -d "$DEVICE" -j \
				--ring-slots "$slots" --synthetic "$SYNTH" | tr -d ' \n')
			echo "{\"synthetic\":$slots,\"build\":\"$b\",\"rep\":$r,\"items_per_second\":$(num items_per_second "$l"),\"end_reason\":\"$(echo "$l" | sed -n 's/.*"end_reason":"\([a-z_]*\)".*/\1/p')\"}" >>"$RAW"
		done
	done
	r=$((r + 1))
done
[ -n "${REPS_DONE:-}" ] && REPS=$REPS_DONE

head -n 1 "$RAW" | sed 's/.*"device":"\([^"]*\)".*"transport":"\([a-z]*\)".*"workgroups":\([0-9]*\),"workgroup_size":\([0-9]*\).*/device: \1; transport \2; persistent geometry \3 x \4 lanes/'
echo
echo "| round trip of one slot, median of $REPS | p50 µs | persistent / relaunch p50 (each run) |"
echo "|---|---:|---|"
for claim in $VARIANTS; do
	rel=$(grep "\"claim\":\"$claim\"" "$RAW" | grep '"latency":"relaunch"')
	per=$(grep "\"claim\":\"$claim\"" "$RAW" | grep '"latency":"persistent"')
	ratios=$(r=0; while [ $r -lt "$REPS" ]; do
		a=$(num p50_ns "$(echo "$per" | grep "\"rep\":$r,")")
		b=$(num p50_ns "$(echo "$rel" | grep "\"rep\":$r,")")
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f ", b ? a / b : 0 }'
		r=$((r + 1)); done)
	p=$(for l in $per; do num p50_ns "$l"; done | median)
	q=$(for l in $rel; do num p50_ns "$l"; done | median)
	echo "| persistent, $claim | $(awk -v v="$p" 'BEGIN { printf "%.1f", v / 1e3 }') | $ratios|"
	echo "| relaunch (in the $claim runs) | $(awk -v v="$q" 'BEGIN { printf "%.1f", v / 1e3 }') | |"
done
echo
# M items/s per variant (persistent, and relaunch staged the same way),
# and the median of per-run persistent / relaunch ratios
echo "| batch | variant | relaunch M items/s | persistent M items/s | persistent / relaunch (median of per-run ratios) | persistent, this / ticket | ring kept fed M items/s | fed / relaunch (median of per-run ratios) |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for b in $(echo "$BATCHES" | tr ',' ' '); do
	tk=$(grep '"claim":"ticket"' "$RAW" | grep "\"batch\":$b," |
		while read -r l; do num persistent_items_per_s "$l"; done | median)
	for claim in $VARIANTS; do
		t=$(grep "\"claim\":\"$claim\"" "$RAW" | grep "\"batch\":$b,")
		rel=$(for l in $t; do num relaunch_items_per_s "$l"; done | median)
		tp=$(for l in $t; do num persistent_items_per_s "$l"; done | median)
		rr=$(for l in $t; do
			awk -v a="$(num persistent_items_per_s "$l")" \
				-v b="$(num relaunch_items_per_s "$l")" \
				'BEGIN { print b ? a / b : 0 }'; done | median)
		# the fed run (a build before it has none: "-")
		fd=$(for l in $t; do num persistent_fed_items_per_s "$l"; done | median)
		fr=$(for l in $t; do
			a=$(num persistent_fed_items_per_s "$l")
			[ -n "$a" ] && awk -v a="$a" \
				-v b="$(num relaunch_items_per_s "$l")" \
				'BEGIN { print b ? a / b : 0 }'; done | median)
		awk -v b="$b" -v c="$claim" -v r="$rel" -v t="$tp" -v rr="$rr" \
			-v k="$tk" -v fd="$fd" -v fr="$fr" 'BEGIN {
			printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s |\n",
			       b, c, r / 1e6, t / 1e6, rr, k ? t / k : 0,
			       fd == "" ? "-" : sprintf("%.2f", fd / 1e6),
			       fr == "" ? "-" : sprintf("%.2f", fr) }'
	done
done
echo
echo "| vyre-launch -d $DEVICE --synthetic $SYNTH | M items/s, median of $REPS | runs |"
echo "|---|---:|---|"
for b in $BUILD ${BASE_BUILD:+$BASE_BUILD}; do
	for slots in 256 65536; do
		l=$(grep "\"synthetic\":$slots,\"build\":\"$b\"," "$RAW")
		m=$(for x in $l; do num items_per_second "$x"; done | median)
		all=$(for x in $l; do awk -v v="$(num items_per_second "$x")" 'BEGIN { printf "%.2f ", v / 1e6 }'; done)
		ends=$(for x in $l; do echo "$x" | sed -n 's/.*"end_reason":"\([a-z_]*\)".*/\1/p'; done | sort -u | tr '\n' ' ')
		echo "| $b --ring-slots $slots | $(awk -v v="$m" 'BEGIN { printf "%.2f", v / 1e6 }') | $all(end: $ends) |"
	done
done
echo
echo "raw: $RAW"
