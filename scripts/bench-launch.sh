#!/bin/sh
# Persistent megakernel vs relaunch, side by side in one run on one device:
# round-trip latency of one slot (p50, p99) and throughput at batch sizes
# 1, 64 and 4096.  Prints a Markdown block for docs/BENCHMARKS.md.
# Usage: sh scripts/bench-launch.sh [vyre-bench-launch options]
#   e.g. sh scripts/bench-launch.sh -d gpu
#        BUILD=build-mk sh scripts/bench-launch.sh -d 0:0 --latency-items 5000
#        sh scripts/bench-launch.sh -d gpu --breakdown   (host time per call,
#                                                    on stderr)
BUILD=${BUILD:-build}
bin=$BUILD/vyre-bench-launch
if [ ! -x "$bin" ]; then
	echo "bench-launch.sh: $bin not built (run make)" >&2
	exit 4
fi
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "command: sh scripts/bench-launch.sh $*"
echo
timeout -s KILL 600 "$bin" "$@"
