#!/bin/sh
# bench-stage.sh - the host's cost per batch of the megakernel session,
# no kernel (vyre-bench-stage): staging, flushing and freeing by counter,
# for each way of staging (reserve/commit, vy_dev_mk_produce on 1 and 2
# threads) on the shared transport and on the copy transport (rows and
# RETIRED through the device buffers, as on a GPU).  REPS alternating runs
# of this build and, with BASE_BUILD, of another (e.g. the tree before a
# change, built with this tree's tools/vyre-bench-stage.c); prints
# Markdown: medians over the runs, and new / base ratios of the same run.
#
# Usage: sh scripts/bench-stage.sh
# Environment: BUILD (default build), BASE_BUILD (none), REPS (5), BATCH
# (65536), ROUNDS (batches per run, 50), DEVICE (default cpu; a GPU takes
# the copy configurations only), CONFIGS (default "commit p1 p2 copy-p1
# copy-p2"; also p4 and copy-p4: 4 threads), OUTDIR (raw lines; default a
# temporary directory).
set -e
BUILD=${BUILD:-build}
REPS=${REPS:-5}
BATCH=${BATCH:-65536}
ROUNDS=${ROUNDS:-50}
DEVICE=${DEVICE:-cpu}
for b in "$BUILD" ${BASE_BUILD:+"$BASE_BUILD"}; do
	if [ ! -x "$b/vyre-bench-stage" ]; then
		echo "bench-stage.sh: $b/vyre-bench-stage not built (run make)" >&2
		exit 4
	fi
done
OUTDIR=${OUTDIR:-$(mktemp -d)}
mkdir -p "$OUTDIR"
RAW=$OUTDIR/stage.txt
: >"$RAW"
CONFIGS=${CONFIGS:-commit p1 p2 copy-p1 copy-p2}
for name in $CONFIGS; do
	case $name in
	commit | p[124] | copy-p[124]) ;;
	*)
		echo "bench-stage.sh: CONFIGS: unknown configuration '$name'" >&2
		exit 2
		;;
	esac
done
r=0
while [ "$r" -lt "$REPS" ]; do
	for name in $CONFIGS; do
		case $name in
		commit) opts=--commit ;;
		p*) opts="--producers ${name#p}" ;;
		copy-p*) opts="--producers ${name#copy-p} --transport copy" ;;
		esac
		for tree in new ${BASE_BUILD:+base}; do
			b=$BUILD
			[ "$tree" = base ] && b=$BASE_BUILD
			# shellcheck disable=SC2086
			line=$("$b/vyre-bench-stage" -d "$DEVICE" --batch "$BATCH" \
				--rounds "$ROUNDS" $opts)
			printf '%s %s %s\n' "$tree" "$name" "$line" >>"$RAW"
		done
	done
	r=$((r + 1))
done
# "tree config batch ...: A us staging, B us flushing, C us freeing ..."
awk '
function med(key, n,   i, j, t, a) {
	n = cnt[key]
	for (i = 1; i <= n; i++) a[i] = v[key, i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	tree = $1; conf = $2
	for (i = 3; i <= NF; i++) {
		if ($(i + 1) == "us" && $(i + 2) == "staging,") k = "staging"
		else if ($(i + 1) == "us" && $(i + 2) == "flushing,") k = "flushing"
		else if ($(i + 1) == "us" && $(i + 2) == "freeing") k = "freeing"
		else continue
		key = tree SUBSEP conf SUBSEP k
		v[key, ++cnt[key]] = $i
		sum[tree, conf, NR] += $i
	}
	key = tree SUBSEP conf SUBSEP "total"
	v[key, ++cnt[key]] = sum[tree, conf, NR]
	if (!(conf in seen)) { seen[conf] = 1; order[++nc] = conf }
	if (tree == "base") base = 1
}
END {
	printf "| configuration | part | new (us/batch) |"
	if (base) printf " base (us/batch) | new / base |"
	printf "\n|---|---|---|"
	if (base) printf "---|---|"
	printf "\n"
	split("staging flushing freeing total", parts, " ")
	for (c = 1; c <= nc; c++)
		for (p = 1; p <= 4; p++) {
			kn = "new" SUBSEP order[c] SUBSEP parts[p]
			printf "| %s | %s | %.1f |", order[c], parts[p], med(kn)
			if (base) {
				kb = "base" SUBSEP order[c] SUBSEP parts[p]
				r = med(kb) > 0 ? med(kn) / med(kb) : 0
				printf " %.1f | %.2f |", med(kb), r
			}
			printf "\n"
		}
}' "$RAW"
echo
echo "medians of $REPS runs, batch $BATCH, $ROUNDS batches per run; raw lines: $RAW"
