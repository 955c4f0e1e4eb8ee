#!/bin/sh
# The shared option vocabulary (vyre(7) OPTIONS) walked program by
# program: each accepts -h, -V, -f json, -j, -o and -q with the same
# meaning, refuses what it does not take with exit 2 and "try --help",
# and a missing input exits 4 everywhere.
. tests/cli/lib.sh
G=$TOP/tests/cli/golden
DEV=0
have_device && DEV=1
echo hello >"$T/hello.txt"

# Every program: -h and --help print "usage:" and exit 0; -V and
# --version print "PROG VERSION"; an unknown option exits 2 with the hint.
for p in vyre-launch vyre-decode vyre-recommend vyre-stream vyre-mkdump vyre-vectors; do
	for h in -h --help; do
		expect_rc "$p $h exits 0" 0 $p $h
		check "$p $h starts with usage:" "$(head -c 7 "$OUT")" = "usage: "
	done
	for v in -V --version; do
		expect_rc "$p $v exits 0" 0 $p $v
		check "$p $v prints its version" "$(cat "$OUT")" = "$p 0.1.0"
	done
	expect_rc "$p --no-such-option exits 2" 2 $p --no-such-option
	contains "$p unknown option says try --help" "$ERR" "$p: hint: try --help"
done

# name | command that succeeds with the given extra flags (device ones
# only with a device).  -j, -f json: one JSON document with schema and
# version first; -o FILE: the report goes there, stdout stays empty.
cmd() {
	case $1 in
	launch) echo "vyre-launch -d cpu --synthetic 100" ;;
	decode) echo "vyre-decode $G/decode-run.vyrd" ;;
	recommend) echo "vyre-recommend --direct 300,64,256" ;;
	stream) echo "vyre-stream -d cpu $T/hello.txt" ;;
	esac
}
for p in launch decode recommend stream; do
	case $p in launch | stream) [ "$DEV" = 1 ] || { skip "vyre-$p shared options" "no OpenCL device"; continue; } ;; esac
	c=$(cmd $p)
	for j in "-j" "-f json" "--format json" "--format=json"; do
		expect_rc "vyre-$p $j exits 0" 0 $c $j
		check "vyre-$p $j: schema then version" \
			"$(sed -n '2p;3p' "$OUT" | tr -d ' \n')" = "\"schema\":\"vyre-$p/1\",\"version\":\"0.1.0\","
	done
	expect_rc "vyre-$p -f jsonl exits 0" 0 $c -f jsonl
	check "vyre-$p -f jsonl: one document a line, schema and version first" \
		"$(head -n 1 "$OUT" | cut -c1-$((37 + ${#p})))" = "{\"schema\":\"vyre-$p/1\",\"version\":\"0.1.0\""
	expect_rc "vyre-$p -f bogus exits 2" 2 $c -f bogus
	contains "vyre-$p -f bogus names the formats" "$ERR" "unknown format 'bogus'"
	rm -f "$T/o.json"
	expect_rc "vyre-$p -j -o FILE exits 0" 0 $c -j -o "$T/o.json"
	check "vyre-$p -o leaves stdout empty" ! -s "$OUT"
	contains "vyre-$p -o FILE has the report" "$T/o.json" "\"schema\": \"vyre-$p/1\""
	expect_rc "vyre-$p -q exits 0" 0 $c -q
	check "vyre-$p -q: nothing on stderr" ! -s "$ERR"
	expect_rc "vyre-$p -o into a missing directory exits 4" 4 $c -o "$T/no/dir/x"
	# -o is written as every output path (vyre(7), OUTPUT FILES)
	chmod 600 "$T/o.json"
	expect_rc "vyre-$p -o over an old file exits 0" 0 $c -j -o "$T/o.json"
	check "vyre-$p -o keeps the old file's mode" "$(stat -c %a "$T/o.json")" = 600
	check "vyre-$p -o leaves no temporary file" -z "$(ls "$T" | grep '\.tmp')"
	expect_rc "vyre-$p -o /dev/full exits 4" 4 $c -j -o /dev/full
	expect_rc "vyre-$p >/dev/full exits 4" 4 sh -c "$c -j >/dev/full"
	case $p in
	launch) m="vyre-launch -d cpu" ;;
	recommend) m="vyre-recommend --from" ;;
	*) m=${c% *} ;;
	esac
	expect_rc "vyre-$p missing input exits 4" 4 $m "$T/missing-input"
	contains "vyre-$p missing input names the file" "$ERR" "$T/missing-input"
done 2>/dev/null

# -q on a gate: nothing on stdout (launch and recommend; decode --strict
# is in t-decode).
expect_rc "recommend -q gate" 0 vyre-recommend -q --direct 300,64,256 --check 'worker_groups>0'
check "recommend -q: no report" ! -s "$OUT"
if [ "$DEV" = 1 ]; then
	expect_rc "launch -q" 0 vyre-launch -q -d cpu --synthetic 100
	check "launch -q: no report" ! -s "$OUT"
	expect_rc "launch --list-devices -j" 0 vyre-launch --list-devices -j
	contains "launch --list-devices -j is JSON" "$OUT" '"schema": "vyre-launch-devices/1"'
fi

# -d only where a device is opened; the others refuse it, naming vyre(7).
for p in vyre-decode; do
	expect_rc "$p -d exits 2" 2 $p -d cpu "$G/decode-run.vyrd"
done
# Renamed flags: the old names are gone.
expect_rc "launch --slots (now --ring-slots) exits 2" 2 vyre-launch --slots 4 --synthetic 1
expect_rc "launch --batch (now --publish-batch) exits 2" 2 vyre-launch --batch 4 --synthetic 1
expect_rc "stream --direct (now --o-direct) exits 2" 2 vyre-stream --direct on /dev/null
# No arguments where some are required: 2.
expect_rc "recommend with no arguments exits 2" 2 vyre-recommend
expect_rc "launch with no work exits 2" 2 vyre-launch
# A missing value is worded the same everywhere.
for p in "vyre-launch --timeout" "vyre-decode --poll" "vyre-recommend --check" \
	"vyre-stream --chunk" "vyre-mkdump --raw" "vyre-vectors --kind"; do
	expect_rc "${p% *} ${p#* } without a value exits 2" 2 $p
	contains "${p% *}: '${p#* }: needs a value'" "$ERR" "${p% *}: ${p#* }: needs a value"
done
# A missing input exits 4 in the tools too.
expect_rc "vyre-mkdump missing input exits 4" 4 vyre-mkdump -o "$T/x.vyrd" "$T/missing-input"
expect_rc "vyre-mkdump --check missing input exits 4" 4 vyre-mkdump --check "$T/missing-input"
expect_rc "vyre-vectors missing input exits 4" 4 vyre-vectors "$T/missing-input"
contains "vyre-vectors names the missing file" "$ERR" "$T/missing-input"
