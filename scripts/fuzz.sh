#!/bin/sh
# make fuzz: build every tests/fuzz/fuzz_*.c as a libFuzzer target with
# clang (ASan + UBSan) into build-fuzz/ and run each one time-boxed on a
# copy of its saved corpus, so new inputs are never committed blindly.
#
#   FUZZ_SECONDS   seconds per target (default 20)
#   FUZZ_BUILD     build directory (default build-fuzz)
#   FUZZ_JOBS      libFuzzer -jobs/-workers per target (default 1)
#   FUZZ_CC        compiler (default clang)
#   FUZZ_TARGETS   names to run, e.g. "number workfile" (default: all)
#
# Crash reproducers land in build-fuzz/artifacts/NAME/; replay one with
# build-fuzz/NAME FILE.  New corpus inputs found in this run are left in
# build-fuzz/corpus/NAME/ for review (copy the useful ones into
# tests/fuzz/corpus/NAME/).  Exits 1 if any target crashed or failed to
# build, 0 otherwise; the last line is "N passed, N failed".
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_JOBS=${FUZZ_JOBS:-1}
FUZZ_CC=${FUZZ_CC:-clang}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "fuzz: $FUZZ_CC not found" >&2
	echo "fuzz: hint: install clang (scripts/install-deps.sh)" >&2
	exit 4
fi
case $FUZZ_SECONDS in
'' | *[!0-9]*)
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds" >&2
	exit 2
	;;
esac

# The generated wire header and the embedded kernels, from the Makefile's
# own rules, for targets that link code which refers to them.
make --no-print-directory BUILD="$FUZZ_BUILD" CC="$FUZZ_CC" gen || exit 4
objs=$(ls "$FUZZ_BUILD"/obj/gen/*.o)

# libvy once, with the fuzzer's coverage instrumentation, all files at once.
FLAGS="-g -O1 -fno-sanitize-recover=undefined -Icommon -I$FUZZ_BUILD/gen \
-D_GNU_SOURCE -DCL_TARGET_OPENCL_VERSION=300 -DVY_VERSION=\"fuzz\" -std=c11"
mkdir -p "$FUZZ_BUILD/obj"
rm -f "$FUZZ_BUILD"/obj/*.o "$FUZZ_BUILD"/obj/*.fail
echo "# libvy: build common/*/*.c"
for c in common/*/*.c; do
	[ -f "$c" ] || continue
	# wing_file.o: two wings may hold files of the same name
	o=$FUZZ_BUILD/obj/$(echo "${c#common/}" | sed 's,/,_,g; s,\.c$,,').o
	# shellcheck disable=SC2086
	( "$FUZZ_CC" $FLAGS -fsanitize=fuzzer-no-link,address,undefined \
		-c -o "$o" "$c" || : >"$o.fail" ) &
done
wait
if ls "$FUZZ_BUILD"/obj/*.fail >/dev/null 2>&1; then
	echo "not ok - libvy: build failed ($(ls "$FUZZ_BUILD"/obj/*.fail |
		sed 's,.*/,,; s,\.o\.fail$,.c,' | tr '\n' ' '))"
	echo "0 passed, 1 failed"
	exit 1
fi
libobjs=$(ls "$FUZZ_BUILD"/obj/*.o)

P=0 F=0
for src in tests/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	case " ${FUZZ_TARGETS:-$short} " in
	*" $short "*) ;;
	*) continue ;;
	esac
	bin=$FUZZ_BUILD/$name
	echo "# $name: build"
	# shellcheck disable=SC2086
	if ! "$FUZZ_CC" $FLAGS -fsanitize=fuzzer,address,undefined \
		-o "$bin" "$src" $libobjs $objs \
		-ljansson -lxxhash -luring -lOpenCL -lm -lpthread; then
		echo "not ok - $name: build failed"
		F=$((F + 1))
		continue
	fi
	corpus=$FUZZ_BUILD/corpus/$short
	art=$FUZZ_BUILD/artifacts/$short
	rm -rf "$corpus" "$art"
	mkdir -p "$corpus" "$art"
	if [ -d "tests/fuzz/corpus/$short" ]; then
		cp tests/fuzz/corpus/"$short"/* "$corpus"/ 2>/dev/null
	fi
	before=$(ls "$corpus" | wc -l)
	log=$FUZZ_BUILD/$name.log
	par=
	if [ "$FUZZ_JOBS" -gt 1 ]; then
		par="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
	fi
	echo "# $name: run ${FUZZ_SECONDS}s on a copy of tests/fuzz/corpus/$short ($before inputs)"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 $par -artifact_prefix="$art/" \
		"$corpus" >"$log" 2>&1
	rc=$?
	crashes=$(ls "$art" 2>/dev/null)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		awk '{ s += $1 } END { print s + 0 }')
	after=$(ls "$corpus" | wc -l)
	if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
		F=$((F + 1))
		echo "not ok - $name: exit $rc after $runs runs"
		for c in $crashes; do
			echo "#   reproducer: $art/$c (replay: $bin $art/$c)"
		done
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 |
			sed 's/^/#   /'
		echo "#   log: $log"
	else
		P=$((P + 1))
		echo "ok - $name: $runs runs in ${FUZZ_SECONDS}s, corpus $before -> $after (new inputs in $corpus)"
	fi
done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
