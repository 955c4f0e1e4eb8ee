#!/bin/sh
# bench-stream.sh - vyre-stream end to end against its baselines, measured
# in one run on the same files and device (docs/BENCHMARKS.md, stream):
#   (a) io_uring reads alone, (b) host-to-device copies alone,
#   (c) naive read() + blocking clEnqueueWriteBuffer   (vyre-bench-stream)
# for page-cache-hot input (--o-direct off, files read twice first), once
# with reads issued inline in the submitting thread (vyre-stream
# --inline-reads, vyre-bench-stream's default) and once on io_uring's
# worker threads (vyre-stream's default, vyre-bench-stream --async-reads),
# and for O_DIRECT (--o-direct on).  Each figure is the median of REPS runs.
#
# Usage: sh scripts/bench-stream.sh [DIR [FILES [MIB_PER_FILE]]]
#   DIR           where the input files go (default $TMPDIR or /tmp)
#   FILES         number of files (default 8)
#   MIB_PER_FILE  size of each (default 512)
# Environment: BUILD (default build), DEVICE (-d spec), CHUNK (4M), QD (32),
# DEV_SLOTS (vyre-stream's own default: 8, 32 with --persistent; the
# baselines' 8), REPS (3), OUTDIR (where raw JSON lines go; default DIR),
# STREAM_OPTS (more vyre-stream options, e.g. --persistent), MODES (the
# rows: default "hot-inline hot-async direct"), VERIFY (0: skip the closing
# --verify run).
# Prints a markdown table on stdout.
set -e
BUILD=${BUILD:-build}
DIR=${1:-${TMPDIR:-/tmp}}/vyre-bench-stream
NF=${2:-8}
MIB=${3:-512}
CHUNK=${CHUNK:-4M}
QD=${QD:-32}
DEV_SLOTS=${DEV_SLOTS:-}
# --dev-slots only when DEV_SLOTS is given: otherwise each program's default
DS=""
[ -n "$DEV_SLOTS" ] && DS="--dev-slots $DEV_SLOTS"
REPS=${REPS:-3}
MODES=${MODES:-hot-inline hot-async direct}
VERIFY=${VERIFY:-1}
OUTDIR=${OUTDIR:-$DIR}
DEVOPT=""
[ -n "$DEVICE" ] && DEVOPT="-d $DEVICE"
for p in vyre-stream vyre-bench-stream; do
	if [ ! -x "$BUILD/$p" ]; then
		echo "bench-stream: $BUILD/$p is missing; run make first" >&2
		exit 4
	fi
done
mkdir -p "$DIR" "$OUTDIR"
RAW=$OUTDIR/bench-stream.jsonl
: >"$RAW"

# Inputs: one 64 MiB random block, repeated (generation stays cheap).
if [ ! -f "$DIR/block" ]; then
	head -c 67108864 /dev/urandom >"$DIR/block"
fi
files=""
i=0
while [ "$i" -lt "$NF" ]; do
	f=$DIR/in$i.bin
	if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne $((MIB * 1048576)) ]; then
		: >"$f"
		k=0
		while [ $k -lt $((MIB / 64)) ]; do cat "$DIR/block" >>"$f"; k=$((k + 1)); done
		# the rest of a size that is not a multiple of 64 MiB
		[ $((MIB % 64)) -gt 0 ] &&
			head -c $((MIB % 64 * 1048576)) "$DIR/block" >>"$f"
	fi
	files="$files $f"
	i=$((i + 1))
done

# num KEY LINE: the number after "KEY": in a one-line JSON object
num() { echo "$2" | sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# shellcheck disable=SC2086
run_mode() { # run_mode hot-inline|hot-async|direct
	mode=$1
	d=off
	as=""
	ss=""
	[ "$mode" = direct ] && d=on
	[ "$mode" = hot-async ] && as=--async-reads
	[ "$mode" = hot-inline ] && ss=--inline-reads
	if [ "$d" = off ]; then cat $files >/dev/null; cat $files >/dev/null; fi
	: >"$DIR/a" ; : >"$DIR/b"; : >"$DIR/c"; : >"$DIR/e"
	r=0
	while [ $r -lt "$REPS" ]; do
		l=$(timeout 300 "$BUILD/vyre-bench-stream" $DEVOPT --chunk "$CHUNK" \
			--qd "$QD" $DS --o-direct $d $as $files)
		echo "{\"mode\":\"$mode\",\"baselines\":$l}" >>"$RAW"
		num read_gbps "$l" >>"$DIR/a"
		num h2d_gbps "$l" >>"$DIR/b"
		num naive_gbps "$l" >>"$DIR/c"
		l=$(timeout 300 "$BUILD/vyre-stream" $DEVOPT --chunk "$CHUNK" \
			--qd "$QD" $DS --o-direct $d $ss \
			$STREAM_OPTS --format jsonl $files | tail -n 1)
		echo "{\"mode\":\"$mode\",\"stream\":$l}" >>"$RAW"
		num gbps_end_to_end "$l" >>"$DIR/e"
		r=$((r + 1))
	done
	a=$(median <"$DIR/a"); b=$(median <"$DIR/b")
	c=$(median <"$DIR/c"); e=$(median <"$DIR/e")
	transport=$(echo "$l" | sed -n 's/.*"transport":"\([a-z]*\)".*/\1/p')
	engine=$(echo "$l" | sed -n 's/.*"engine":"\([a-z]*\)".*/\1/p')
	reg=$(echo "$l" | sed -n 's/.*"registered":\([a-z]*\).*/\1/p')
	odf=$(num o_direct_files "$l")
	awk -v m="$mode" -v a="$a" -v b="$b" -v c="$c" -v e="$e" \
		-v t="$transport" -v g="$engine" -v r="$reg" -v o="$odf" 'BEGIN {
		mn = a < b ? a : b
		printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s, %s%s, O_DIRECT files %s |\n",
			m, e, a, b, c, e / mn, e / c, g, t, (r == "true" ? ", registered" : ""), o
	}'
}

dev=$("$BUILD/vyre-stream" $DEVOPT -q --format jsonl /dev/null | tail -n 1 |
	sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
echo "Device: $dev; $NF files x $MIB MiB in $DIR; chunk $CHUNK, qd $QD," \
	"dev-slots ${DEV_SLOTS:-default}; median of $REPS; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| input | vyre-stream GB/s | (a) read GB/s | (b) h2d GB/s | (c) naive GB/s | e2e / min(a,b) | e2e / (c) | path |"
echo "|---|---|---|---|---|---|---|---|"
for m in $MODES; do
	case $m in
	hot-inline | hot-async | direct) run_mode "$m" ;;
	*) echo "bench-stream: unknown mode '$m' in MODES" >&2; exit 2 ;;
	esac
done
[ "$VERIFY" = 0 ] && exit 0
# correctness on this device, same files
# shellcheck disable=SC2086
if timeout 600 "$BUILD/vyre-stream" $DEVOPT -q --chunk "$CHUNK" --verify $files >/dev/null; then
	echo
	echo "--verify: every checksum equals the CPU's"
else
	echo
	echo "--verify: MISMATCH or error (exit $?)"
fi
