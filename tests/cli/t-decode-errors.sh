# vyre-decode: every malformed-input class and exit status.
. tests/cli/lib.sh

G=tests/cli/golden
RUN=$G/decode-run.vyrd
CTL=$G/decode-ctl.bin
RING=$G/decode-ring.bin

# expect_err NAME RC TEXT CMD...: exit RC, TEXT on stderr, stdout empty.
expect_err() {
	_en=$1 _er=$2 _et=$3
	shift 3
	expect_rc "$_en: exit $_er" "$_er" "$@"
	contains "$_en: message" "$ERR" "$_et"
	check "$_en: nothing on stdout" ! -s "$OUT"
}

# usage errors: exit 2 and "try --help"
expect_err "unknown option" 2 "try --help" vyre-decode --bogus
expect_err "bad format" 2 "--format: unknown format 'xml'" vyre-decode --format xml "$RUN"
expect_err "bad --slots" 2 "--slots: 'some' is not all, active, faulted, tenant=N or none" vyre-decode --slots some "$RUN"
expect_err "bad --sketch" 2 "is not DEPTHxWIDTH" vyre-decode --sketch 3by4 "$RUN"
expect_err "zero --sketch" 2 "has a zero dimension" vyre-decode --sketch 0x4 "$RUN"
expect_err "bad --windows" 2 "--windows: unknown opcode 'frob'" vyre-decode -w 2,frob "$RUN"
expect_err "bad --opcode" 2 "--opcode: unknown opcode" vyre-decode --opcode -1 "$RUN"
expect_err "bad --debug-log" 2 "is not strict or lenient" vyre-decode --debug-log loose "$RUN"
expect_err "bad --poll" 2 "--poll" vyre-decode --poll 0 "$RUN"
expect_err "control without ring" 2 "need both --control and --ring" vyre-decode --control "$CTL"
expect_err "raw and snapshot" 2 "not both" vyre-decode --control "$CTL" --ring "$RING" "$RUN"
expect_err "follow raw" 2 "--follow reads snapshot streams" vyre-decode --follow --control "$CTL" --ring "$RING"

# I/O errors: exit 4
expect_err "missing snapshot file" 4 "vyre-decode: $T/nope.vyrd: cannot open" vyre-decode "$T/nope.vyrd"
expect_err "missing raw file" 4 "nope.bin" vyre-decode --control "$T/nope.bin" --ring "$RING"
expect_err "missing formats file" 4 "nope.txt" vyre-decode --printf-formats "$T/nope.txt" "$RUN"

# raw buffers: truncated, misaligned, wrong kind -> exit 3
head -c 636 "$CTL" >"$T/short.ctl"
expect_err "control too short" 3 "vyre-decode: $T/short.ctl: offset 636: control buffer ends after 636 bytes" \
	vyre-decode --control "$T/short.ctl" --ring "$RING"
head -c 641 /dev/zero >"$T/odd.ctl"
expect_err "control misaligned" 3 "offset 640: control length 641 is not a multiple of 4" \
	vyre-decode --control "$T/odd.ctl" --ring "$RING"
head -c 1000 /dev/zero >"$T/ring.bin"
expect_err "ring not whole slots" 3 "vyre-decode: $T/ring.bin: offset 960: 1000 bytes is not a multiple of the 64-byte slot" \
	vyre-decode --control "$CTL" --ring "$T/ring.bin"
contains "ring error has a hint" "$ERR" "vyre-decode: hint: capture whole 64-byte ring slots"
head -c 6 /dev/zero >"$T/dbg.bin"
expect_err "debug log misaligned" 3 "$T/dbg.bin: offset 0: debug log:" \
	vyre-decode --control "$CTL" --ring "$RING" --debug "$T/dbg.bin"
head -c 40 /dev/zero >"$T/io.bin"
expect_err "io queue partial slot" 3 "$T/io.bin: offset 0: io queue:" \
	vyre-decode --control "$CTL" --ring "$RING" --io "$T/io.bin"
expect_err "snapshot given as raw" 3 "offset 0: is a VYRD snapshot, not a raw buffer" \
	vyre-decode --control "$RUN" --ring "$RING"
expect_err "strict debug log overflow" 3 "debug log" \
	vyre-decode --debug-log strict "$G/decode-overflow.vyrd"
printf '7 fine\nbad line\n' >"$T/fmt.txt"
expect_err "bad formats file" 3 "line 2: bad format id" vyre-decode --printf-formats "$T/fmt.txt" "$RUN"

# snapshot streams
expect_err "raw file as snapshot" 3 "$RING: offset 0: bad magic" vyre-decode "$RING"
contains "bad magic hint" "$ERR" "hint: for raw buffer files use --control FILE --ring FILE"
expect_err "empty input" 3 "offset 0: empty input, no snapshot" vyre-decode /dev/null
head -c 1000 "$RUN" >"$T/trunc.vyrd"
expect_err "truncated snapshot" 3 "truncated" vyre-decode "$T/trunc.vyrd"
head -c 4 "$RUN" >"$T/magic.vyrd"
expect_err "only a magic" 3 "truncated" vyre-decode "$T/magic.vyrd"
expect_err "snapshot without ring" 3 "offset 0: snapshot has no ring section" vyre-decode "$G/decode-noring.vyrd"

# a corrupt snapshot: stop there, unless --keep-going
expect_rc "corrupt stream stops: exit 3" 3 vyre-decode -f csv "$G/decode-corrupt.vyrd"
contains "corrupt: offset and cause" "$ERR" "decode-corrupt.vyrd: offset 3720: section 2 (device) checksum mismatch"
n=$(wc -l <"$OUT")
check "corrupt: only the good snapshot before it printed" "$n" -eq 2
expect_rc "keep-going: exit 3" 3 vyre-decode -f csv --keep-going "$G/decode-corrupt.vyrd"
n=$(wc -l <"$OUT")
check "keep-going: both good snapshots printed" "$n" -eq 3
contains "keep-going: says how many were skipped" "$ERR" "1 corrupt snapshot skipped"
contains "keep-going: the third one follows" "$OUT" ",3728,2,"
# a truncated tail after good snapshots
cat "$RUN" >"$T/tail.vyrd"
head -c 100 "$RUN" >>"$T/tail.vyrd"
expect_rc "truncated tail: exit 3" 3 vyre-decode -f csv "$T/tail.vyrd"
n=$(wc -l <"$OUT")
check "truncated tail: the whole snapshots printed" "$n" -eq 4
contains "truncated tail: offset" "$ERR" "offset 8736: truncated"
# garbage between snapshots, resynchronised on the next magic
head -c 1864 "$RUN" >"$T/junk.vyrd"
printf 'junk!junk!junk!' >>"$T/junk.vyrd"
tail -c +1865 "$RUN" >>"$T/junk.vyrd"
expect_rc "junk between snapshots: keep-going exit 3" 3 vyre-decode -f csv --keep-going "$T/junk.vyrd"
n=$(wc -l <"$OUT")
check "junk: all 3 snapshots recovered" "$n" -eq 4

# write errors
if [ -w /dev/full ]; then
	expect_rc "stdout write error exits 4" 4 sh -c "vyre-decode $RUN >/dev/full"
else
	skip "stdout write error exits 4" "no /dev/full"
fi
expect_err "output into a missing directory" 4 "$T/no/such/dir/x.prom" vyre-decode -f prom -o "$T/no/such/dir/x.prom" "$RUN"
