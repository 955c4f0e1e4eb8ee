#!/bin/sh
# make demo: run the sample work file on the default device and decode the
# final snapshot with vyre-decode (or show the launch report without it).
BUILD=${BUILD:-build}
work=tests/data/sample.work
rep=$(mktemp)
trap 'rm -f "$rep"' EXIT
echo "== OpenCL devices"
"$BUILD/vyre-launch" --list-devices || exit $?
echo
echo "== vyre-launch $work (default device)"
if [ -x "$BUILD/vyre-decode" ]; then
	"$BUILD/vyre-launch" --snapshot - "$work" 2>"$rep" | "$BUILD/vyre-decode"
	rc=$?
	echo
	echo "== its report (abridged)"
	grep -E '^(device|transport|mode|end|items_|latency\.p50|printf|vyre-launch)' "$rep"
else
	"$BUILD/vyre-launch" "$work"
	rc=$?
fi
echo
echo "== 20000 synthetic items streamed through a 64-slot ring"
"$BUILD/vyre-launch" --ring-slots 64 --synthetic 20000 --timeout 60 |
	grep -E '^(end|items_|latency\.p|control\.done)'
exit "$rc"
