# vyre-mkdump: descriptions (JSON and text), raw buffers, streams, every
# --corrupt kind read back by --check (exit 3 naming file and offset),
# exit statuses, atomic output, golden bytes, the README and man examples.
. tests/cli/lib.sh

FIXED='"capture_ns": 1700000000000000000'

# --- options ---------------------------------------------------------------
expect_rc "--help exits 0" 0 vyre-mkdump --help
for o in --output --expr --raw --format --input --corrupt --check --help \
	--version "default: -" "default: vyrd" "default: auto"; do
	contains "--help lists $o" "$OUT" "$o"
done
expect_rc "--version exits 0" 0 vyre-mkdump --version
contains "--version prints the name" "$OUT" "vyre-mkdump "
expect_rc "unknown option exits 2" 2 vyre-mkdump --bogus
contains "unknown option says try --help" "$ERR" "try --help"
expect_rc "--raw with an unknown buffer exits 2" 2 vyre-mkdump --raw rong -e '{}'
expect_rc "--format=raw without --raw exits 2" 2 vyre-mkdump --format raw -e '{}'
expect_rc "--format with an unknown name exits 2" 2 vyre-mkdump --format xml -e '{}'
expect_rc "--corrupt with an unknown kind exits 2" 2 vyre-mkdump --corrupt bits -e '{}'
expect_rc "--expr and a file exits 2" 2 vyre-mkdump -e '{}' "$T/x.json"
expect_rc "--check without files exits 2" 2 vyre-mkdump --check
expect_rc "--corrupt other than truncate on --raw exits 2" 2 \
	vyre-mkdump --raw ring --corrupt checksum -o "$T/r.bin" -e '{"slot_count":1}'
check "no file left after a usage error" ! -e "$T/r.bin"
expect_rc "--corrupt=truncate past the end exits 2" 2 \
	vyre-mkdump --corrupt truncate=1M -o "$T/r.vyrd" -e '{"slot_count":1}'
check "no file left after truncate past the end" ! -e "$T/r.vyrd"
if command -v script >/dev/null 2>&1; then
	script -qec "vyre-mkdump -e '{}'" /dev/null >"$T/tty.out" 2>&1
	rc=$?
	check "binary output to a terminal is refused (exit 2)" "$rc" -eq 2
	contains "terminal refusal says why" "$T/tty.out" "refusing to write binary data to a terminal"
else
	skip "binary output to a terminal is refused" "script(1) not installed"
fi

# --- a full snapshot, golden bytes -----------------------------------------
FULL='{"slot_count": 2, '"$FIXED"', "device": "golden", "tenant_count": 2,
  "observable_slots": 1, "control_words": [[1, 1], [160, 77]],
  "ring": [{"status": "done", "opcode": "store_u32", "args": [7, 160]},
           {"opcode": "printf", "tenant": 1, "priority": 0, "args": [5, 6, 7]}],
  "debug": {"capacity": 2, "records": [[5, 6, 7, 16]]},
  "io": {"slots": 1, "entries": [{"op": "read", "src": 3, "dst": 4,
         "offset": "0x100000000", "bytes": 512, "status": "claimed", "tag": 9}]}}'
expect_rc "full description builds" 0 vyre-mkdump -o "$T/full.vyrd" -e "$FULL"
od -A d -t x1 "$T/full.vyrd" >"$T/full.od"
golden "full snapshot bytes" "$T/full.od" mkdump-full.od
expect_rc "full snapshot passes --check" 0 vyre-mkdump --check "$T/full.vyrd"
contains "--check shows the sections" "$OUT" "sections control:644 ring:128 debug:36 io:32"
contains "--check shows the metadata" "$OUT" "sequence 0, capture_ns 1700000000000000000, device golden, slot_count 2"
contains "--check closing line" "$OUT" "full.vyrd: 1 snapshot, "

cat >"$T/full.txt" <<'EOF'
# the same snapshot in the text form
slot_count 2
capture_ns 1700000000000000000
device golden
tenant_count 2
observable_slots 1
control 1 1
control 160 77          # first observable
slot status=done opcode=store_u32 args=7,160
slot opcode=printf tenant=1 priority=0 args=5,6,7
debug_capacity 2
record 5 6 7 16
io_slots 1
io op=read src=3 dst=4 offset=0x100000000 bytes=512 status=claimed tag=9
EOF
expect_rc "text form builds" 0 vyre-mkdump -o "$T/full-text.vyrd" "$T/full.txt"
check "text form gives the same bytes as JSON" -n "$(cmp "$T/full.vyrd" "$T/full-text.vyrd" && echo same)"
expect_rc "--input=text reads stdin" 0 sh -c "vyre-mkdump --input text -o '$T/full-stdin.vyrd' <'$T/full.txt'"
check "stdin text gives the same bytes" -n "$(cmp "$T/full.vyrd" "$T/full-stdin.vyrd" && echo same)"

# --- the vyre-dump(5) example ----------------------------------------------
expect_rc "vyre-dump(5) example builds" 0 vyre-mkdump -o "$T/ex.vyrd" -e '{"slot_count": 1,
  "capture_ns": 1700000000000000000, "device": "cpu",
  "sections": ["ring"],
  "ring": [{"opcode": "store_u32", "args": [7, 160]}]}'
od -A d -t x1 "$T/ex.vyrd" >"$T/ex.od"
golden "vyre-dump(5) example bytes" "$T/ex.od" mkdump-example.od
missing=
while IFS= read -r l; do
	grep -q -F -- "$l" "$TOP/man/vyre-dump.5" || missing="$missing|$l"
done <"$T/ex.od"
check "vyre-dump(5) shows the example hexdump as produced" -z "$missing"

# --- raw buffers --------------------------------------------------------------
for b in control:640 ring:256 debug:1028 io:2048; do
	name=${b%%:*} size=${b#*:}
	expect_rc "--raw $name builds" 0 vyre-mkdump --raw "$name" -o "$T/$name.bin" -e '{"slot_count": 4}'
	check "--raw $name is $size bytes" "$(wc -c <"$T/$name.bin")" -eq "$size"
	expect_rc "--check --raw $name accepts it" 0 vyre-mkdump --check --raw "$name" "$T/$name.bin"
done
expect_rc "--format=raw --raw=debug_log builds" 0 vyre-mkdump --format raw --raw debug_log -o "$T/d.bin" \
	-e '{"debug": {"capacity": 1, "records": [[1]]}}'
check "small debug log is 20 bytes" "$(wc -c <"$T/d.bin")" -eq 20
od -A d -t x1 "$T/ring.bin" | head -n 1 >"$T/ring.od"
contains "fresh ring slot 0 is empty" "$T/ring.od" "0000000 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
vyre-mkdump --raw control -o "$T/c.bin" -e '{"slot_count": 256, "tenant_count": 1}'
# word 2 = 3, word 3 = mask, word 32 = quota, words 129..134 = offsets
od -A d -t u4 -j 8 -N 8 "$T/c.bin" | head -n 1 >"$T/c.od"
contains "control is the encoder's fresh state" "$T/c.od" "3 4294967295"
od -A n -t u4 -j 516 -N 24 "$T/c.bin" | tr -s ' \n' '  ' >"$T/p.od"
contains "default priority offsets for 256 slots" "$T/p.od" " 0 51 102 154 205 256"
expect_rc "--raw with two snapshots exits 3" 3 vyre-mkdump --raw ring -o "$T/no.bin" -e '[{}, {}]'
expect_rc "--raw of a buffer not in sections exits 3" 3 vyre-mkdump --raw io -o "$T/no.bin" -e '{"sections": ["ring"]}'
check "no file left after --raw errors" ! -e "$T/no.bin"
head -c 1000 "$T/io.bin" >"$T/r1000.bin"
expect_rc "--check --raw ring on 1000 bytes exits 3" 3 vyre-mkdump --check --raw ring "$T/r1000.bin"
contains "raw error names file and rule" "$ERR" "r1000.bin: ring file: 1000 bytes is not a multiple of the 64-byte slot"
expect_rc "--check --raw refuses a snapshot" 3 vyre-mkdump --check --raw ring "$T/ex.vyrd"
contains "snapshot-as-raw error" "$ERR" "ex.vyrd: offset 0: is a VYRD snapshot, not a raw ring buffer"

# --- streams -------------------------------------------------------------------
expect_rc "a stream of three builds" 0 vyre-mkdump -o "$T/s3.vyrd" \
	-e '{"snapshots": [{"slot_count": 1}, {"slot_count": 2}, {"slot_count": 3, "sequence": 99}]}'
expect_rc "the stream passes --check" 0 vyre-mkdump --check "$T/s3.vyrd"
check "--check prints a line per snapshot" "$(grep -c ': snapshot ' "$OUT")" -eq 3
contains "third snapshot keeps its sequence" "$OUT" "snapshot 2 at offset"
contains "sequence given" "$OUT" "sequence 99"
cat "$T/s3.vyrd" "$T/ex.vyrd" >"$T/cat.vyrd"
expect_rc "cat of two streams is a stream" 0 sh -c "vyre-mkdump --check - <'$T/cat.vyrd'"
contains "cat stream has 4 snapshots" "$OUT" "<stdin>: 4 snapshots"
printf 'slot_count 4\nslot opcode=nop\n---\nslot_count 4\n' | vyre-mkdump -o "$T/two.vyrd"
expect_rc "text form '---' separates snapshots" 0 vyre-mkdump --check "$T/two.vyrd"
contains "text stream has 2 snapshots" "$OUT" "two.vyrd: 2 snapshots"

# --- every corruption kind is rejected with exit 3, file and offset ----------
while IFS='|' read -r kind want; do
	expect_rc "--corrupt=$kind builds" 0 vyre-mkdump --corrupt "$kind" -o "$T/bad.vyrd" \
		-e '[{"slot_count": 4}, {"slot_count": 4}]'
	expect_rc "--corrupt=$kind is rejected with exit 3" 3 vyre-mkdump --check "$T/bad.vyrd"
	contains "--corrupt=$kind message" "$ERR" "vyre-mkdump: $T/bad.vyrd: $want"
	contains "--corrupt=$kind keeps the first snapshot readable" "$OUT" "bad.vyrd: snapshot 0 at offset 0"
done <<'EOF'
magic|offset 4184: bad magic 'VYRX' (not a vyre snapshot)
version|offset 4188: unsupported version 2 (this build reads 1)
header-checksum|offset 4256: header checksum mismatch (stored 0x
checksum|offset 4392: section 0 (control) checksum mismatch (stored 0x
misalign|offset 4272: section 0 (control) payload offset 212 is misaligned
geometry|offset 4224: slot_count 5 does not match the ring section (4 slots)
truncate=5000|offset 4392: truncated: section 0 (control) needs 640 bytes, 608 left
EOF
expect_rc "truncate inside the header" 0 vyre-mkdump --corrupt truncate=50 -o "$T/cut.vyrd" -e '{}'
expect_rc "a 50-byte snapshot is rejected" 3 vyre-mkdump --check "$T/cut.vyrd"
contains "header truncation message" "$ERR" "cut.vyrd: offset 0: truncated: header needs 80 bytes, 50 left"
expect_rc "--corrupt=truncate on --raw" 0 vyre-mkdump --raw ring --corrupt truncate=100 -o "$T/rt.bin" -e '{"slot_count": 4}'
check "raw truncation keeps 100 bytes" "$(wc -c <"$T/rt.bin")" -eq 100
expect_rc "empty input is rejected by --check" 3 vyre-mkdump --check /dev/null
expect_rc "--check on a missing file exits 4" 4 vyre-mkdump --check "$T/nope.vyrd"
contains "missing file is named" "$ERR" "nope.vyrd"

# --- bad descriptions: exit 3, file and path or line; nothing written -------
printf 'old' >"$T/keep.vyrd"
while IFS='|' read -r desc want; do
	expect_rc "bad description exits 3: $want" 3 vyre-mkdump -o "$T/keep.vyrd" -e "$desc"
	contains "message: $want" "$ERR" "<expr>: $want"
	check "existing output untouched: $want" "$(cat "$T/keep.vyrd")" = old
done <<'EOF'
{"slot_count": 4, "rign": []}|$: unknown key 'rign'
{"ring": [{"opcode": "frobnicate"}]}|$.ring[0].opcode: unknown opcode 'frobnicate'
{"slot_count": 2, "ring": [{"index": 2}]}|$.ring[0].index: slot 2 is outside the ring of 2 slots
{"slot_count": 2, "ring": [{}, {"index": 0}]}|$.ring[1].index: slot 0 is described twice
{"ring": [{"args": [1,2,3,4,5,6,7,8,9,10,11,12,13]}]}|$.ring[0].args: 13 values, at most 12 allowed
{"slot_count": -1}|$.slot_count: -1 is outside 0..4294967295
{"slot_count": 2000000}|$.slot_count: 
{"observable_slots": 1, "control_words": [[161, 1]]}|$.control_words[0]: word 161 is outside the control buffer of 161 words
{"debug": {"capacity": 1, "records": [[1], [2]]}}|$.debug.records: 2 records do not fit the capacity of 1
{"io": {"slots": 65}}|$.io.slots: 65 IO slots is over the 64-slot window
{"io": {"entries": [{"status": "lost"}]}}|$.io.entries[0].status: unknown IO status 'lost'
{"sections": ["ring", "ring"]}|$.sections[1]: "ring" is listed twice
{"device": 5}|$.device: expected a string
{"device": ""}|$.device: a device name has 1 to 255 bytes and no NUL
{"snapshots": []}|$.snapshots: no snapshots described
{"snapshots": [{}], "x": 1}|$: unknown key 'x'
{"shutdown": 1}|$.shutdown: expected true or false
{"capture_ns": "soon"}|$.capture_ns: 'soon' is not a number
{"slot_count": 4,|line 1, column 
EOF
rm -f "$T/new.vyrd"
expect_rc "bad description leaves no new file" 3 vyre-mkdump -o "$T/new.vyrd" -e '{"rign": 1}'
check "no output file after a bad description" ! -e "$T/new.vyrd"
check "no temporary file left behind" -z "$(ls "$T" | grep 'new.vyrd.tmp')"
printf '{\n  "slot_count": 4,\n  "ring": [\n' >"$T/broken.json"
expect_rc "JSON syntax error exits 3" 3 vyre-mkdump -o "$T/new.vyrd" "$T/broken.json"
contains "syntax error names file and line" "$ERR" "broken.json: line 4"
printf 'slot_count 4\nslot opcode=nop\nslot opcode=wat\n' >"$T/bad.txt"
expect_rc "text form error exits 3" 3 vyre-mkdump -o "$T/new.vyrd" "$T/bad.txt"
contains "text error names file and line" "$ERR" "bad.txt: line 3: \$.snapshots[0].ring[1].opcode: unknown opcode 'wat'"
printf 'slot_count 4\nfrobnicate 1\n' >"$T/bad2.txt"
expect_rc "unknown text directive exits 3" 3 vyre-mkdump -o "$T/new.vyrd" "$T/bad2.txt"
contains "unknown directive names the line" "$ERR" "bad2.txt: line 2: unknown directive 'frobnicate'"
printf 'device\n' >"$T/bad3.txt"
expect_rc "device without a name exits 3" 3 vyre-mkdump -o "$T/new.vyrd" "$T/bad3.txt"
contains "device without a name names the line" "$ERR" "bad3.txt: line 1: 'device' takes a name"
check "no output after text errors" ! -e "$T/new.vyrd"
expect_rc "missing description exits 4" 4 vyre-mkdump -o "$T/new.vyrd" "$T/nope.json"
expect_rc "unwritable output exits 4" 4 vyre-mkdump -o "$T/no/such/dir/x.vyrd" -e '{}'
contains "unwritable output names the path" "$ERR" "no/such/dir/x.vyrd"

# --- the README section and the man page examples run as written --------------
awk '/^<!-- section:vyre-mkdump -->/ { on = 1; next }
	/^<!-- section:/ { on = 0 }
	on' "$TOP/README.md" |
	awk '/^```sh[ \t]*$/ { inb = 1; next } /^```/ { inb = 0 } inb' >"$T/readme.sh"
check "README has a vyre-mkdump example" -s "$T/readme.sh"
mkdir -p "$T/rd"
if (cd "$T/rd" && sh -e "$T/readme.sh") >"$T/readme.out" 2>&1; then
	ok "README vyre-mkdump example runs"
else
	notok "README vyre-mkdump example runs" "$(tail -n 5 "$T/readme.out")"
fi
mandoc -T ascii "$TOP/man/vyre-mkdump.1" 2>/dev/null | col -bx >"$T/man.txt"
if [ -s "$T/man.txt" ]; then
	# the indented example lines of EXAMPLES, less their 14-column indent
	awk '/^EXAMPLES/ { on = 1; next } /^[A-Z]/ { on = 0 }
		on && substr($0, 1, 14) == "              " { print substr($0, 15) }' \
		"$T/man.txt" >"$T/man.sh"
	mkdir -p "$T/mn"
	if (cd "$T/mn" && sh -e "$T/man.sh" && [ -s snap.vyrd ] &&
		[ -s ring.bin ] && [ -s two.vyrd ] && [ -s bad.vyrd ] &&
		[ -s cut.vyrd ] && ! vyre-mkdump --check bad.vyrd &&
		! vyre-mkdump --check cut.vyrd) >"$T/man.out" 2>&1; then
		ok "vyre-mkdump(1) examples run as written"
	else
		notok "vyre-mkdump(1) examples run as written" "$(tail -n 5 "$T/man.out")"
	fi
else
	skip "vyre-mkdump(1) examples run as written" "mandoc not installed"
fi

# --- other readers take what vyre-mkdump writes ----------------------------------
if [ -x "$BUILD/vyre-decode" ]; then
	vyre-mkdump -o "$T/dec.vyrd" -e '{"slot_count": 4, "control_words": [[1, 1]],
		"ring": [{"opcode": "store_u32", "args": [7, 160]}, {"status": "done"}]}'
	expect_rc "vyre-decode reads a vyre-mkdump snapshot" 0 vyre-decode "$T/dec.vyrd"
	vyre-mkdump --corrupt checksum -o "$T/dec-bad.vyrd" -e '{"slot_count": 4}'
	expect_rc "vyre-decode rejects a corrupted one with exit 3" 3 vyre-decode "$T/dec-bad.vyrd"
	contains "vyre-decode names file and offset" "$ERR" "dec-bad.vyrd: offset "
	vyre-mkdump --raw ring -o "$T/dec-ring.bin" -e '{"slot_count": 4, "ring": [{}]}'
	vyre-mkdump --raw control -o "$T/dec-ctl.bin" -e '{"slot_count": 4}'
	expect_rc "vyre-decode reads vyre-mkdump raw buffers" 0 \
		vyre-decode --control "$T/dec-ctl.bin" --ring "$T/dec-ring.bin"
else
	skip "vyre-decode reads vyre-mkdump output" "vyre-decode not built"
fi

# --- the binary inputs of the decode and recommend tests --------------------
# Each committed golden/*.vyrd and *.bin is what vyre-mkdump makes from the
# committed golden/*.mkdump description (UPDATE_GOLDEN=1 remakes them).
G=$TOP/tests/cli/golden
for n in decode-reset decode-fault decode-overflow decode-noring \
	recommend-feedback; do
	expect_rc "$n.mkdump builds" 0 vyre-mkdump -o "$T/$n.vyrd" "$G/$n.mkdump"
	golden "$n.vyrd is its description" "$T/$n.vyrd" "$n.vyrd"
done
cat "$G/decode-run.mkdump" "$G/decode-last.mkdump" >"$T/run.mkdump"
expect_rc "decode-run builds" 0 vyre-mkdump -o "$T/decode-run.vyrd" "$T/run.mkdump"
golden "decode-run.vyrd is its description" "$T/decode-run.vyrd" decode-run.vyrd
for b in ctl:control ring:ring debug:debug io:io; do
	f=decode-${b%%:*}.bin
	expect_rc "$f builds" 0 vyre-mkdump --raw "${b#*:}" -o "$T/$f" "$G/decode-last.mkdump"
	golden "$f is the last snapshot's buffer" "$T/$f" "$f"
done
# decode-corrupt.vyrd: the middle of three snapshots has its last byte (in
# the device section) XORed with 0x5a, which no --corrupt kind does.
expect_rc "decode-corrupt builds" 0 vyre-mkdump -o "$T/c.vyrd" "$G/decode-corrupt.mkdump"
off=$(($(wc -c <"$T/c.vyrd") / 3 * 2 - 8))
byte=$(od -An -tu1 -j "$off" -N1 "$T/c.vyrd")
printf "\\$(printf %o $((byte ^ 0x5a)))" |
	dd of="$T/c.vyrd" bs=1 seek="$off" conv=notrunc 2>/dev/null
golden "decode-corrupt.vyrd is its description, one byte flipped" "$T/c.vyrd" decode-corrupt.vyrd
