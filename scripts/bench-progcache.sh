#!/bin/sh
# bench-progcache.sh - vyre-launch set-up time with the compiled-program
# cache cold and warm, side by side in one run on one device.
#
#   sh scripts/bench-progcache.sh [-d DEVICE] [-n RUNS]   (defaults: the
#                                   default device, 7 runs of each)
#
# Each run is one `vyre-launch -j --synthetic 1`; what counts is its
# runtime.setup_ns (device open, kernel build, buffers) and
# runtime.program_build_ns (the build alone).  Three configurations:
#   cold        an empty XDG_CACHE_HOME per run: neither vyre's cache nor
#               the driver's own (PoCL keeps one under $XDG_CACHE_HOME/pocl,
#               NVIDIA's under $CUDA_CACHE_PATH)
#               has the kernel
#   driver      --no-cache with the driver's cache warm: what a second run
#               costs without vyre's cache
#   warm        vyre's cache warm (compiled_pipeline_cache_hit true)
# Medians of RUNS runs, and each median as a ratio of the cold one.
# Prints one Markdown table for docs/BENCHMARKS.md.  Needs jq.
set -e
DEV=
RUNS=7
while getopts d:n: o; do
	case $o in
	d) DEV=$OPTARG ;;
	n) RUNS=$OPTARG ;;
	*) echo "usage: bench-progcache.sh [-d DEVICE] [-n RUNS]" >&2; exit 2 ;;
	esac
done
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
L=$BUILD/vyre-launch
[ -x "$L" ] || { echo "bench-progcache: $L not built (make)" >&2; exit 4; }
command -v jq >/dev/null || { echo "bench-progcache: needs jq" >&2; exit 4; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# run CACHE_DIR OUT [options]: one launch, appends "setup build hit" to OUT
run() {
	dir=$1 out=$2
	shift 2
	# CUDA_CACHE_PATH: NVIDIA's driver keeps its own compiled-kernel
	# cache (~/.nv/ComputeCache); cold must not find the kernel there
	XDG_CACHE_HOME=$dir CUDA_CACHE_PATH=$dir/nv timeout 120 "$L" ${DEV:+-d "$DEV"} -j "$@" \
		--synthetic 1 >"$W/r.json" || {
		echo "bench-progcache: vyre-launch failed" >&2
		exit 5
	}
	# -e: a field renamed under the script is an error, never a 0
	jq -er '"\(.setup_ns | numbers) \(.runtime.program_build_ns | numbers) \(.telemetry.compiled_pipeline_cache_hit | booleans)"' \
		"$W/r.json" >>"$out" || {
		echo "bench-progcache: no setup_ns, program_build_ns or cache hit in vyre-launch -j" >&2
		exit 5
	}
}

# median of column $1 of file $2 (ns), in ms with two decimals
median() {
	cut -d' ' -f"$1" "$2" | sort -n | awk '{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		      printf "%.2f", m / 1e6 }'
}

: >"$W/cold" ; : >"$W/driver" ; : >"$W/warm"
mkdir -p "$W/shared"
run "$W/shared" "$W/prime"		# fill both caches once
i=0
while [ $i -lt "$RUNS" ]; do
	# interleaved, so drift in the machine's load hits all three alike
	rm -rf "$W/c$i"
	mkdir -p "$W/c$i"
	run "$W/c$i" "$W/cold"
	run "$W/shared" "$W/driver" --no-cache
	run "$W/shared" "$W/warm"
	i=$((i + 1))
done
name=$(jq -r .device "$W/r.json")
cs=$(median 1 "$W/cold") cb=$(median 2 "$W/cold")
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "device: $name ($(jq -r .transport "$W/r.json") transport)"
echo "command: sh scripts/bench-progcache.sh${DEV:+ -d $DEV} -n $RUNS"
echo
echo "| configuration | cache hit | set-up ms (median) | build ms (median) | set-up vs cold |"
echo "|---|---|---|---|---|"
for c in cold driver warm; do
	s=$(median 1 "$W/$c") b=$(median 2 "$W/$c")
	hit=$(cut -d' ' -f3 "$W/$c" | sort -u | tr '\n' ' ' | sed 's/ $//')
	r=$(awk -v a="$s" -v b="$cs" 'BEGIN { r = 0; if (b > 0) r = a / b; printf "%.3f", r }')
	echo "| $c | $hit | $s | $b | ${r}x |"
done
