#!/bin/sh
# device-session.sh - what a lent GPU machine runs, in few calls that each
# fit the device tool's 10-minute limit.  Results go to $OUT (the device
# tool brings back at most 8 files), one file per part.
#
# Usage (repository root, on the GPU machine, after scripts/device-setup.sh):
#   sh scripts/device-session.sh verify      kernel vectors, unit tests and
#                                           the launch CLI tests on the
#                                           default device (the GPU)
#   sh scripts/device-session.sh verify-stream  the stream CLI tests
#   sh scripts/device-session.sh progcache   set-up time cold / warm
#   sh scripts/device-session.sh throughput  scripts/bench-throughput.sh
#                                           with every baseline, and the
#                                           tree in .device/base.tar
#                                           (git archive of the tree before
#                                           the change) as "base"; then one
#                                           vyre-bench-launch --breakdown
#   sh scripts/device-session.sh stream      scripts/bench-stream.sh,
#                                           default and --persistent
#   sh scripts/device-session.sh stream-sweep  the default path, page
#                                           cache hot, with one of chunk,
#                                           dev-slots, qd changed at a time
#   sh scripts/device-session.sh persistent-sweep  --persistent, page cache
#                                           hot, async reads, with 8, 16
#                                           and 32 device slots, and the
#                                           default path beside them
#   sh scripts/device-session.sh latency5    bench-throughput.sh, the tree
#                                           as built and the base tree, 5
#                                           runs (the round trip target is
#                                           a median of 5)
#   sh scripts/device-session.sh ab          bench-throughput.sh, the tree as
#                                           built against the base tree
#                                           only (VARIANTS, default
#                                           "ticket base"), REPS (3) runs,
#                                           then one --breakdown run of
#                                           each tree
#   sh scripts/device-session.sh stage       scripts/bench-stage.sh on the
#                                           GPU (copy transport, no kernel:
#                                           the host's bookkeeping through
#                                           the driver), 1 and 4 threads,
#                                           against the base tree built with
#                                           this tree's vyre-bench-stage
# Every step runs under timeout; a part that times out says so in its file.
# DEV (default gpu) is the -d of the benchmarks, e.g. DEV=cpu to try it.
set -u
OUT=${OUT:-out}
mkdir -p "$OUT"
part=${1:-verify}

# summary LOG: per step, its TAP counts and closing lines
summary() {
	awk '/^## .*: exit/ { if (ok + bad) printf "   %d ok, %d not ok\n", ok, bad
			       ok = bad = 0; print; next }
	     /^## / { print; next }
	     /^ok / { ok++ } /^not ok/ { bad++; print }
	     /^[0-9]+ passed/ { print }' "$1"
}

# step NAME SECONDS CMD...: run CMD under a bound, its output to the log.
step() {
	n=$1 s=$2
	shift 2
	echo "## $n ($(date -u +%H:%M:%SZ))"
	timeout -k 5 "$s" "$@" 2>&1
	rc=$?
	[ $rc -eq 124 ] && echo "## $n: TIMED OUT after $s s"
	echo "## $n: exit $rc"
}

# build_base: the tree in .device/base.tar built in /tmp/vy-base; $base is
# its build folder, or empty when there is none
build_base() {
	base=
	if [ -f .device/base.tar ]; then
		[ -x /tmp/vy-base/build/vyre-bench-launch ] || {
			rm -rf /tmp/vy-base && mkdir -p /tmp/vy-base &&
				tar -xf .device/base.tar -C /tmp/vy-base &&
				make -C /tmp/vy-base -j16 >/dev/null 2>&1
		}
		[ -x /tmp/vy-base/build/vyre-bench-launch ] && base=/tmp/vy-base/build
	fi
}

case $part in
verify)
	{
		step "devices" 30 build/vyre-launch --list-devices
		step "kernel vectors" 180 build/vyre-vectors tests/vectors/kernel.json
		make -j16 build/unit-tests >/dev/null 2>&1
		step "unit tests" 180 build/unit-tests
		for t in t-launch t-launch-seeds t-evidence t-bench-launch; do
			step "$t" 150 sh "tests/cli/$t.sh"
		done
	} >"$OUT/verify.txt" 2>&1
	summary "$OUT/verify.txt" | tail -n 80
	;;
verify-stream)
	{
		for t in t-stream t-stream-loadmiss; do
			step "$t" 280 sh "tests/cli/$t.sh"
		done
	} >"$OUT/verify-stream.txt" 2>&1
	summary "$OUT/verify-stream.txt" | tail -n 80
	;;
progcache)
	step "progcache" 400 sh scripts/bench-progcache.sh -d "${DEV:-gpu}" -n 7 \
		>"$OUT/progcache.md" 2>&1
	cat "$OUT/progcache.md"
	;;
throughput)
	build_base
	v="ticket status notail peritem scan"
	[ -n "$base" ] && v="ticket base status notail peritem scan"
	(
		export OUTDIR=$OUT REPS=${REPS:-3} ITEMS=${ITEMS:-1000000} \
			BATCHES=${BATCHES:-64,4096,65536} VARIANTS="$v" \
			BASE_BUILD=$base
		step "throughput" 440 sh scripts/bench-throughput.sh -d "${DEV:-gpu}" \
			--latency-items 2000
		# where the time goes: per batch, host staging and waiting,
		# commands, status reads, counter looks, DONE_TAIL frees
		step "breakdown" 100 build/vyre-bench-launch -d "${DEV:-gpu}" \
			--latency-items 1000 --throughput-items 2000000 \
			--batches 64,4096,65536 --breakdown
	) >"$OUT/throughput.md" 2>&1
	cat "$OUT/throughput.md"
	;;
stream)
	(
		export REPS=3 OUTDIR=$OUT
		step "stream default" 280 sh scripts/bench-stream.sh /tmp 8 512
		export STREAM_OPTS=--persistent
		step "stream --persistent" 280 \
			sh scripts/bench-stream.sh /tmp 8 512
	) >"$OUT/stream.md" 2>&1
	cat "$OUT/stream.md"
	;;
stream-sweep)
	(
		export REPS=3 OUTDIR=$OUT MODES="hot-async hot-inline" VERIFY=0
		for cfg in "4M 8 32" "1M 8 32" "16M 8 32" "4M 4 32" "4M 16 32" \
			"4M 8 16" "4M 8 64"; do
			set -- $cfg
			export CHUNK=$1 DEV_SLOTS=$2 QD=$3
			step "chunk $1, dev-slots $2, qd $3" 120 \
				sh scripts/bench-stream.sh /tmp 8 512
		done
	) >"$OUT/stream-sweep.md" 2>&1
	cat "$OUT/stream-sweep.md"
	;;
persistent-sweep)
	(
		export REPS=3 MODES=hot-async VERIFY=0
		for ds in 8 16 32; do
			export DEV_SLOTS=$ds OUTDIR=$OUT/ds$ds STREAM_OPTS=--persistent
			step "--persistent, dev-slots $ds" 120 \
				sh scripts/bench-stream.sh /tmp 8 512
		done
		export DEV_SLOTS=8 OUTDIR=$OUT/default STREAM_OPTS=
		step "default path, dev-slots 8" 120 \
			sh scripts/bench-stream.sh /tmp 8 512
	) >"$OUT/persistent-sweep.md" 2>&1
	cat "$OUT/persistent-sweep.md"
	;;
latency5)
	build_base
	(
		export OUTDIR=$OUT REPS=5 ITEMS=${ITEMS:-1000000} \
			BATCHES=${BATCHES:-64,4096,65536} \
			VARIANTS="ticket${base:+ base}" BASE_BUILD=$base
		step "throughput, 5 runs" 300 sh scripts/bench-throughput.sh \
			-d "${DEV:-gpu}" --latency-items 2000
	) >"$OUT/latency5.md" 2>&1
	cat "$OUT/latency5.md"
	;;
ab)
	build_base
	(
		export OUTDIR=$OUT REPS=${REPS:-3} ITEMS=${ITEMS:-1000000} \
			BATCHES=${BATCHES:-64,4096,65536} \
			VARIANTS="${VARIANTS:-ticket${base:+ base}}" BASE_BUILD=$base
		step "throughput, $REPS runs" 330 sh scripts/bench-throughput.sh \
			-d "${DEV:-gpu}" --latency-items 2000
		for b in build $base; do
			step "breakdown, $b" 60 "$b/vyre-bench-launch" \
				-d "${DEV:-gpu}" --latency-items 1000 \
				--throughput-items 2000000 --batches 64,4096,65536 \
				--breakdown
		done
	) >"$OUT/ab.md" 2>&1
	cat "$OUT/ab.md"
	;;
stage)
	build_base
	if [ -n "$base" ]; then
		# the base tree's tool may predate --transport: this tree's
		cp tools/vyre-bench-stage.c /tmp/vy-base/tools/ &&
			make -C /tmp/vy-base -j16 build/vyre-bench-stage \
				>/dev/null 2>&1
	fi
	(
		export OUTDIR=$OUT REPS=${REPS:-5} DEVICE=${DEV:-gpu} \
			CONFIGS="${CONFIGS:-copy-p1 copy-p4}" BASE_BUILD=$base
		step "host alone, $REPS runs" 200 sh scripts/bench-stage.sh
	) >"$OUT/stage.md" 2>&1
	cat "$OUT/stage.md"
	;;
*)
	echo "usage: device-session.sh verify|verify-stream|progcache|throughput|stream|stream-sweep|persistent-sweep|latency5|ab|stage" >&2
	exit 2
	;;
esac
