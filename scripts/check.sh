#!/bin/sh
# Run every test suite and print one combined closing line:
#   N passed, N failed[, N skipped]
# Suites: unit (C), conformance vectors (the kernel cases once more on the
# copy transport), fuzz corpus replay, CLI (sh),
# man page lint. Exit 1 if anything failed.
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
export BUILD SHARED
if [ -n "$VY_SANITIZE" ]; then
	# PoCL and the OpenCL loader leak by design at exit; leaks in our own
	# code are still caught by the unit and decoder runs (LSan on).
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
fi
P=0 F=0 S=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# add_counts SUITE: read the last "N passed, N failed[, N skipped]" line of
# $log and add it to the totals; a suite without one counts as 1 failed.
add_counts() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $1: no closing line (crashed?)"
		F=$((F + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped$/\1/p')
	P=$((P + p)); F=$((F + f)); S=$((S + ${s:-0}))
	echo "# $1: $line"
}

echo "# unit tests"
"$BUILD/unit-tests" >"$log" 2>&1
grep -v -E '^ok ' "$log" | grep -v -E '^[0-9]+ passed' || true
add_counts unit

echo "# conformance vectors (tests/vectors, and new or changed files of $SHARED/vectors)"
set -- tests/vectors/*.json
for v in "$SHARED"/vectors/*.json; do
	[ -f "$v" ] || continue
	cmp -s "$v" "tests/vectors/${v##*/}" || set -- "$@" "$v"
done
timeout -k 10 900 "$BUILD/vyre-vectors" "$@" >"$log" 2>&1
grep -v -E '^[0-9]+ passed' "$log" | head -n 50
add_counts vectors

# the same kernel cases through the copy transport, the path a discrete
# GPU takes (queued writes and reads while the kernel runs): on PoCL too
echo "# kernel vectors on the copy transport"
VYRE_TRANSPORT=copy timeout -k 10 600 "$BUILD/vyre-vectors" --kind kernel \
	tests/vectors/kernel.json >"$log" 2>&1
grep -v -E '^[0-9]+ passed' "$log" | head -n 50
add_counts vectors-copy

echo "# layering of common/ (scripts/check-layers.sh)"
sh scripts/check-layers.sh >"$log" 2>&1
grep -v -E '^ok |^[0-9]+ passed' "$log" || true
add_counts layers

echo "# one wire definition (scripts/check-wire.sh)"
sh scripts/check-wire.sh >"$log" 2>&1
grep -v -E '^ok |^[0-9]+ passed' "$log" || true
add_counts wire

echo "# fuzz corpus replay"
: >"$log"
fp=0 ff=0
for r in "$BUILD"/fuzz/replay-fuzz_*; do
	[ -x "$r" ] || continue
	# A name or replay output must not leak raw lines into this log
	# (a stray "N passed, N failed" would be counted): fold the name,
	# indent every output line as a comment.
	name=$(printf '%s' "${r##*/replay-fuzz_}" | tr '\n' ' ')
	corpus=tests/fuzz/corpus/${r##*/replay-fuzz_}
	if [ ! -d "$corpus" ]; then
		echo "not ok - fuzz $name: no corpus for it in tests/fuzz/corpus"; ff=$((ff + 1))
		continue
	fi
	if out=$(timeout -k 10 600 "$r" "$corpus" 2>&1); then
		fp=$((fp + 1))
		echo "ok - fuzz $name: $(echo "$out" | tail -n 1 | cut -d' ' -f1) inputs"
	else
		ff=$((ff + 1))
		echo "not ok - fuzz $name"
		printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
done
echo "$fp passed, $ff failed" >"$log"
add_counts fuzz

echo "# cli tests"
sh tests/cli/run.sh >"$log" 2>&1
grep -v -E '^ok ' "$log" | grep -v -E '^[0-9]+ passed' || true
add_counts cli

echo "# man pages"
mp=0 mf=0
for m in man/*.[0-9]; do
	[ -f "$m" ] || continue
	if out=$(mandoc -T lint -W warning "$m" 2>&1) && [ -z "$out" ]; then
		mp=$((mp + 1))
	else
		mf=$((mf + 1)); echo "not ok - man lint $m"; echo "$out"
	fi
done
echo "$mp passed, $mf failed" >"$log"
add_counts man

if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
