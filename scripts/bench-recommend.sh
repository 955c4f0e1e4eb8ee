#!/bin/sh
# bench-recommend.sh - launch-policy throughput, against baselines, in one
# run.
#
#   scripts/bench-recommend.sh [LINES] [RUNS] [CALLS]
#                         (defaults: 1000000 lines, 5 runs, 10000000 calls)
#
# Generates LINES varied request lines (vyre-bench-policy gen: every
# topology and pressure class, zero-limit and out-of-memory errors, one in
# eight with a previous topology), then times, side by side on the same
# warm file:
#   1. cat FILE >/dev/null                         (baseline: reading it)
#   2. wc -l FILE                                  (baseline: a trivial parse)
#   3. vyre-recommend --batch FILE >/dev/null      (parse, policy, JSON out)
#   4. vyre-recommend --batch --hysteresis FILE    (the previous-topology path)
# Each runs RUNS times; the best run counts.  Then the library alone
# (vyre-bench-policy lib CALLS): uncached, cached with every call a hit,
# cached with every call a miss.  Prints a Markdown section for
# docs/BENCHMARKS.md with the machine, date, command and ratios.
# Environment: BUILD (default build), TMPDIR.
set -e
LINES=${1:-1000000}
RUNS=${2:-5}
CALLS=${3:-10000000}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PATH=$BUILD:$PATH
for p in vyre-recommend vyre-bench-policy; do
	command -v $p >/dev/null ||
		{ echo "bench-recommend: $p not built (make)" >&2; exit 4; }
done
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
vyre-bench-policy gen "$LINES" >"$W/req.jsonl"
BYTES=$(wc -c <"$W/req.jsonl")

now() { date +%s%N; }

# best CMD...: the fastest of RUNS runs of CMD (stdout discarded), in ns
# of wall time, then the least CPU time (user + system, ns) of those runs
# where /usr/bin/time is there ("-" otherwise): on a busy machine the
# two differ.
TIMEBIN=
[ -x /usr/bin/time ] && TIMEBIN=/usr/bin/time
best() {
	_b=
	_c=
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(now)
		if [ -n "$TIMEBIN" ]; then
			$TIMEBIN -f '%U %S' -o "$W/cpu" "$@" >/dev/null ||
				[ $? -le 3 ]
		else
			"$@" >/dev/null || [ $? -le 3 ]
		fi
		_t=$(($(now) - _t0))
		if [ -z "$_b" ] || [ "$_t" -lt "$_b" ]; then _b=$_t; fi
		if [ -n "$TIMEBIN" ]; then
			_u=$(awk '{ printf "%.0f", ($1 + $2) * 1e9 }' "$W/cpu")
			if [ -z "$_c" ] || [ "$_u" -lt "$_c" ]; then _c=$_u; fi
		fi
		_i=$((_i + 1))
	done
	echo "$_b ${_c:--}"
}

cat "$W/req.jsonl" >/dev/null	# warm the page cache
set -- $(best cat "$W/req.jsonl"); T_CAT=$1 C_CAT=$2
set -- $(best wc -l "$W/req.jsonl"); T_WC=$1 C_WC=$2
set -- $(best vyre-recommend --batch "$W/req.jsonl"); T_BATCH=$1 C_BATCH=$2
set -- $(best vyre-recommend --batch --hysteresis "$W/req.jsonl")
T_HYST=$1 C_HYST=$2
vyre-recommend --batch "$W/req.jsonl" >"$W/out.jsonl" || true
ERRS=$(grep -c '"error"' "$W/out.jsonl" || true)
LIB=$(vyre-bench-policy lib "$CALLS")

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / (t / 1e9) }'; }
ms() {
	case $1 in -) echo "-" ;; *) awk -v t="$1" 'BEGIN { printf "%.0f ms", t / 1e6 }' ;; esac
}
crate() {
	case $2 in -|0) echo "-" ;; *) rate "$1" "$2" ;; esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
libcol() { echo "$LIB" | awk -v k="$1" 'index($0, k) == 1 { print $(NF - 3) }'; }

CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cat <<EOT
### vyre-recommend: recommendations per second

Machine: $CPU, $(nproc) CPUs, $(uname -sr); load average at the start
$(cut -d' ' -f1-3 /proc/loadavg). Date: $(date -u +%Y-%m-%d). Command:
\`scripts/bench-recommend.sh $LINES $RUNS $CALLS\` (best of $RUNS runs).
Input: $LINES varied request lines, $BYTES bytes; $ERRS of them are
answered with an error line (zero limits, out of memory), as intended.

| what | wall | lines/s (wall) | time vs cat | time vs wc -l | CPU | lines/s (CPU) |
|---|---:|---:|---:|---:|---:|---:|
| \`cat FILE >/dev/null\` (baseline) | $(ms "$T_CAT") | $(rate "$LINES" "$T_CAT") | 1.0x | | $(ms "$C_CAT") | $(crate "$LINES" "$C_CAT") |
| \`wc -l FILE\` (baseline: trivial parse) | $(ms "$T_WC") | $(rate "$LINES" "$T_WC") | $(ratio "$T_WC" "$T_CAT")x | 1.0x | $(ms "$C_WC") | $(crate "$LINES" "$C_WC") |
| \`vyre-recommend --batch FILE\` | $(ms "$T_BATCH") | $(rate "$LINES" "$T_BATCH") | $(ratio "$T_BATCH" "$T_CAT")x | $(ratio "$T_BATCH" "$T_WC")x | $(ms "$C_BATCH") | $(crate "$LINES" "$C_BATCH") |
| \`vyre-recommend --batch --hysteresis FILE\` | $(ms "$T_HYST") | $(rate "$LINES" "$T_HYST") | $(ratio "$T_HYST" "$T_CAT")x | $(ratio "$T_HYST" "$T_WC")x | $(ms "$C_HYST") | $(crate "$LINES" "$C_HYST") |

CPU is user + system time of the least costly run (10 ms resolution;
\`-\` without /usr/bin/time).

Library (\`vyre-bench-policy lib $CALLS\`, one thread, 65536 distinct
requests):

| path | recommendations/s |
|---|---:|
| \`vy_policy_recommend\`, no cache | $(libcol "library uncached") |
| through the 128-entry cache, every call a hit | $(libcol "library cached, hits") |
| through the cache, every call a miss (probe, compute, insert, evict) | $(libcol "library cached, misses") |

Targets: at least 200 000 lines/s through \`--batch\` and 5 000 000/s in
the library uncached.
EOT
