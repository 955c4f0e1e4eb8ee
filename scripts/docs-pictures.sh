#!/bin/sh
# Remake the post-mortem pictures under docs/ (README, "Post-mortem of a
# failed run") from real vyre-launch runs on the default device:
#   docs/postmortem-64.svg   a 64-slot ring: faults, blocked tenants, stall
#   docs/postmortem-1m.svg   a 1 048 576-slot ring (aggregated cells)
# and their PNG renders (rsvg-convert).  Usage: sh scripts/docs-pictures.sh
set -e
BUILD=${BUILD:-build}
PATH=$PWD/$BUILD:$PATH
DOCS=$PWD/docs
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# 60 items: 3 out-of-bounds stores, 3 items of tenants without a mask
i=0
while [ $i -lt 60 ]; do
	i=$((i + 1))
	case $i in
	9|30|47) echo "store_u32 7 99999999" ;;
	20|21) echo "atomic_add 1 151 tenant=3" ;;
	52) echo "atomic_add 1 151 tenant=4" ;;
	*) echo "atomic_add 1 150" ;;
	esac
done >"$W/small.work"
timeout 120 vyre-launch --ring-slots 64 --tenants 3 --publish-batch 4 --interval 20 \
	--stall 1 --snapshot "$W/small.vyrd" "$W/small.work" >/dev/null || :
(cd "$W" && vyre-decode -f svg -o "$DOCS/postmortem-64.svg" small.vyrd)

# 200 000 items through a 1M-slot ring: every 50 000th faults, tenant 9
# (no mask) publishes 64 items in the middle
awk 'BEGIN {
	for (i = 1; i <= 200000; i++)
		if (i % 50000 == 0) print "store_u32 7 99999999";
		else if (i > 120000 && i <= 120064) print "atomic_add 1 151 tenant=9";
		else print "atomic_add 1 150";
}' >"$W/big.work"
timeout 300 vyre-launch --ring-slots 1048576 --tenants 3 --interval 200 \
	--stall 2 --timeout 120 --snapshot "$W/big.vyrd" "$W/big.work" \
	>/dev/null || :
(cd "$W" && vyre-decode -f svg -o "$DOCS/postmortem-1m.svg" big.vyrd)
for f in docs/postmortem-64 docs/postmortem-1m; do
	rsvg-convert "$f.svg" -o "$f.png"
done
