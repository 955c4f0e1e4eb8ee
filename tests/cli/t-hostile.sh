# Hostile inputs and outputs for every program (issue 10): special files
# as outputs, /dev/zero and huge files as inputs, NaN/inf/octal/overflow
# in numeric flags, NUL / invalid UTF-8 / 10 MB lines, signals during
# writes.  Device nodes are made with mknod inside $T (never the machine's
# /dev/null or /dev/full); those cases are skipped when not root.
. tests/cli/lib.sh

G=tests/cli/golden
RUN=$G/decode-run.vyrd
LIMIT="268435456-byte limit"

# expect_err NAME RC TEXT CMD...: exit RC and TEXT on stderr.
expect_err() {
	_en=$1 _er=$2 _et=$3
	shift 3
	expect_rc "$_en: exit $_er" "$_er" "$@"
	contains "$_en: message" "$ERR" "$_et"
}

# is_dev NAME PATH: PATH is still a character device.
is_dev() { check "$1: still a device" -c "$2"; }

ROOT=0
if [ "$(id -u)" -eq 0 ] && mknod "$T/null" c 1 3 2>/dev/null &&
	mknod "$T/full" c 1 7 2>/dev/null && mknod "$T/zero" c 1 5 2>/dev/null; then
	ROOT=1
	ZERO=$T/zero
else
	ZERO=/dev/zero	# only ever read
fi
skip_dev() { skip "$1" "needs root for mknod"; }

printf 'store_u32 7 150\n' >"$T/w.work"
printf 'data\n' >"$T/f.txt"
vyre-mkdump -o "$T/s.vyrd" -e '{"slot_count": 4}' || echo "not ok - setup"

# --- 1. outputs: devices written, never replaced; symlinks; modes -------
if [ "$ROOT" -eq 1 ]; then
	expect_err "mkdump -o full" 4 "full: No space left on device" \
		vyre-mkdump -o "$T/full" -e '{}'
	is_dev "mkdump -o full" "$T/full"
	expect_rc "mkdump -o null" 0 vyre-mkdump -o "$T/null" -e '{}'
	is_dev "mkdump -o null" "$T/null"
	expect_rc "decode -f prom -o null" 0 vyre-decode -f prom -o "$T/null" "$RUN"
	is_dev "decode -o null" "$T/null"
	expect_err "decode -o full" 4 "full: No space left on device" \
		vyre-decode -f prom -o "$T/full" "$RUN"
	is_dev "decode -o full" "$T/full"
	expect_rc "launch --snapshot null" 0 vyre-launch --snapshot "$T/null" "$T/w.work"
	is_dev "launch --snapshot null" "$T/null"
	expect_err "launch --snapshot full" 4 "full: write error: No space left on device" \
		vyre-launch --snapshot "$T/full" "$T/w.work"
	is_dev "launch --snapshot full" "$T/full"
	mkdir "$T/dd"
	ln -s "$T/full" "$T/dd/ring.bin"
	expect_err "launch --dump-dir, ring.bin -> full" 4 "ring.bin: No space left on device" \
		vyre-launch --dump-dir "$T/dd" "$T/w.work"
	is_dev "--dump-dir through a symlink" "$T/full"
	check "--dump-dir: the symlink stays" -L "$T/dd/ring.bin"
else
	skip_dev "special files as outputs"
fi
printf 'old' >"$T/target"
chmod 600 "$T/target"
ln -s target "$T/link"
expect_rc "mkdump -o through a symlink" 0 vyre-mkdump -o "$T/link" -e '{}'
check "symlink still a symlink" -L "$T/link"
check "its target replaced" "$(head -c 4 "$T/target")" = VYRD
check "mode 0600 kept" "$(stat -c %a "$T/target")" = 600
ln -s nowhere "$T/dangling"
expect_rc "mkdump -o a dangling symlink" 0 vyre-mkdump -o "$T/dangling" -e '{}'
check "dangling symlink: target made" -f "$T/nowhere"
check "dangling symlink: link kept" -L "$T/dangling"
# /dev/fd/1, not /dev/stdout: an old build renamed its temp file over
# the machine's /dev/stdout; in /dev/fd it cannot create one
vyre-decode -f prom -o /dev/fd/1 "$RUN" >"$T/stdout.prom"
check "-o /dev/fd/1 into a regular file: written through the descriptor" \
	-s "$T/stdout.prom"
mkdir "$T/adir"
expect_err "-o a directory" 4 "adir: Is a directory" vyre-mkdump -o "$T/adir" -e '{}'
check "no temporary files left" -z "$(ls "$T" | grep tmp)"

# --- 4. --snapshot keeps the old file until the run ends ----------------
printf 'old' >"$T/snap.vyrd"
expect_rc "launch on a missing device" 5 vyre-launch --device 99 --snapshot "$T/snap.vyrd" "$T/w.work"
check "failed run: old snapshot untouched" "$(cat "$T/snap.vyrd")" = old
expect_rc "launch --snapshot replaces at the end" 0 vyre-launch --snapshot "$T/snap.vyrd" "$T/w.work"
check "snapshot written" "$(head -c 4 "$T/snap.vyrd")" = VYRD

# --- 5. write errors on standard output ----------------------------------
if [ "$ROOT" -eq 1 ]; then
	for c in "vyre-stream -q $T/f.txt" "vyre-stream --format json $T/f.txt" \
		"vyre-launch $T/w.work" "vyre-launch -j $T/w.work" \
		"vyre-mkdump --check $T/s.vyrd" "vyre-decode $RUN" \
		"vyre-recommend --direct 8,8,256" "vyre-vectors --list-kinds"; do
		# shellcheck disable=SC2086
		expect_err "$c >full" 4 "standard output: " sh -c "$c >'$T/full'"
		check "$c >full: one message" "$(grep -c 'standard output: ' "$ERR")" -eq 1
	done
	printf '{"queue_len":5}\n' >"$T/one.jsonl"
	expect_err "recommend --batch >full" 4 "standard output: " \
		sh -c "vyre-recommend --batch '$T/one.jsonl' >'$T/full'"
	check "recommend --batch >full: one message" "$(wc -l <"$ERR")" -eq 1
else
	skip_dev "stdout on a full device"
fi
for c in "vyre-stream -q $T/f.txt" "vyre-launch -j $T/w.work" \
	"vyre-mkdump --check $T/s.vyrd" "vyre-decode $RUN"; do
	expect_err "$c >&-" 4 "standard output: Bad file descriptor" sh -c "$c >&-"
done

# --- 2. bounded whole-file reads ------------------------------------------
truncate -s 10G "$T/sparse"
MEM=
[ -x /usr/bin/time ] && [ -z "${VY_SANITIZE:-}" ] && MEM=1
# big NAME RC CMD...: refused with the limit named, peak RSS under 300 MB.
big() {
	_bn=$1 _br=$2
	shift 2
	if [ -n "$MEM" ]; then
		expect_err "$_bn" "$_br" "$LIMIT" /usr/bin/time -o "$T/mem" -f %M "$@"
		_kb=$(tail -n 1 "$T/mem")
		check "$_bn: peak RSS $_kb KB < 300 MB" "$_kb" -lt 300000
	else
		expect_err "$_bn" "$_br" "$LIMIT" "$@"
	fi
}
for f in "$ZERO" "$T/sparse"; do
	n=${f##*/}
	big "decode --control $n" 3 vyre-decode --control "$f" --ring "$f"
	big "decode --printf-formats $n" 3 vyre-decode --printf-formats "$f" "$RUN"
	big "launch work file $n" 3 vyre-launch "$f"
	big "mkdump description $n" 3 vyre-mkdump -o "$T/x.vyrd" "$f"
	big "stream --patterns-from $n" 3 vyre-stream --patterns-from "$f" "$T/f.txt"
	big "stream --files-from $n" 3 vyre-stream --files-from "$f"
	big "vectors $n" 3 vyre-vectors "$f"
done
# --data is copied into the data buffer, never more than fits
expect_err "launch --data sparse" 3 "$LIMIT" vyre-launch --data "$T/sparse" "$T/w.work"
if [ -n "$MEM" ]; then
	expect_rc "launch --data zero: nothing fits" 0 /usr/bin/time -o "$T/mem" -f %M \
		vyre-launch --data "$ZERO" "$T/w.work"
	_kb=$(tail -n 1 "$T/mem")
	check "launch --data zero: peak RSS $_kb KB < 300 MB" "$_kb" -lt 300000
fi
truncate -s $((64 * 1048577)) "$T/bigring"
head -c 640 /dev/zero >"$T/ctl.bin"
expect_err "raw ring of 1048577 slots" 3 "1048577 slots is over the limit" \
	vyre-decode --control "$T/ctl.bin" --ring "$T/bigring"
expect_err "a directory is named once" 4 "adir: Is a directory" \
	vyre-decode --printf-formats "$T/adir" "$RUN"
check "... not twice" -z "$(grep 'adir: .*adir:' "$ERR")"
expect_err "vectors on a directory is an I/O error" 4 "Is a directory" vyre-vectors "$T/adir"

# --- 3, 9, 16. numbers: NaN, inf, octal, overflow, ranges ---------------
for v in NaN nan inf -1 1e3 0 86401 ''; do
	expect_err "--timeout '$v'" 2 "bad --timeout" vyre-launch --timeout "$v" "$T/w.work"
	expect_err "--stall '$v'" 2 "bad --stall" vyre-launch --stall "$v" "$T/w.work"
done
for v in 0 30 99999 -1 010x 18446744073709551616; do
	expect_err "--tenants $v" 2 "bad --tenants" vyre-launch --tenants "$v" "$T/w.work"
done
expect_err "--ring-slots overflow" 2 "bad --ring-slots" vyre-launch --ring-slots 99999999999999999999 "$T/w.work"
expect_rc "--synthetic 010 is ten" 0 vyre-launch -j --synthetic 010
contains "--synthetic 010: ten items, not eight" "$OUT" '"items_processed": 10,'
printf 'store_u32 010 150\n' >"$T/oct.work"
expect_rc "work file: store_u32 010 150" 0 vyre-launch --dump-dir "$T/oct" "$T/oct.work"
check "control[150] is 10, not 8" "$(od -An -tu4 -j600 -N4 "$T/oct/control.bin" | tr -d ' ')" = 10
# slot_count is 8 here: read as octal, 010 would hold
expect_err "recommend --check slot_count=010 is ten" 1 "check failed: slot_count=010 (actual 8)" \
	vyre-recommend --direct 8,8,256 --check slot_count=010
expect_err "-w ''" 2 "empty opcode" vyre-decode -w '' "$RUN"
expect_err "-w 'nop,'" 2 "empty opcode" vyre-decode -w 'nop,' "$RUN"

# --- 12. reserved opcodes are refused, not published ---------------------
for op in 0xfff0 0xffff 0x80000000; do
	printf '%s 1 2\n' "$op" >"$T/r.work"
	expect_err "work file opcode $op" 2 "is reserved" vyre-launch "$T/r.work"
done
expect_err "--synthetic 5:0xfff0" 2 "reserved opcode" vyre-launch --synthetic 5:0xfff0
printf '\0\0\0\0\360\377\0\0' >"$T/r.bin"
head -c 56 /dev/zero >>"$T/r.bin"
expect_err "binary work file opcode 0xfff0" 2 "record 1: opcode 0xfff0 is reserved" \
	vyre-launch --binary "$T/r.bin"
printf 'nop\nst\0re 1 2\n' >"$T/nul.work"
expect_err "NUL in a work file: its column" 2 "nul.work:2:3: NUL byte" vyre-launch "$T/nul.work"

# --- 6, 7, 8. --batch: read errors, NUL lines, UTF-8, long lines ---------
L='"max_workgroup_size_x":256,"max_compute_workgroups_per_dimension":64,"max_compute_invocations_per_workgroup":256,"requested_worker_groups":64'
printf '{"queue_len":5,%s}\n\000\n{"queue\377\376_len":5}\n{"%s":1}\n' "$L" \
	"$(printf 'x%.0s' $(seq 300))€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€" \
	>"$T/bad.jsonl"
expect_rc "--batch with NUL and invalid UTF-8" 3 vyre-recommend --batch "$T/bad.jsonl"
check "one answer per line (NUL line included)" "$(wc -l <"$OUT")" -eq 4
contains "the NUL line has its error" "$OUT" '"line":2'
if command -v jq >/dev/null 2>&1; then
	check "every answer line is valid JSON (UTF-8)" "$(jq -c . <"$OUT" 2>/dev/null | wc -l)" -eq 4
else
	skip "answers are valid JSON" "jq not installed"
fi
check "no raw invalid byte in the output" -z "$(LC_ALL=C grep -n "$(printf '\377')" "$OUT")"
{ head -c 10485760 /dev/zero | tr '\0' ' '; printf '{}\n{"queue_len":5,%s}\n' "$L"; } >"$T/long.jsonl"
expect_rc "--batch with a 10 MB line" 3 vyre-recommend --batch "$T/long.jsonl"
contains "the long line is answered" "$OUT" '"message":"longer than 65536 bytes","line":1'
check "and the next line still pairs up" "$(wc -l <"$OUT")" -eq 2
expect_err "--batch read error" 4 "adir: read error: Is a directory" vyre-recommend --batch "$T/adir"
if [ -z "${VY_SANITIZE:-}" ]; then
	# getline grew until ENOMEM here and the batch ended with exit 0
	expect_rc "--batch under a memory limit" 3 sh -c \
		"ulimit -v 100000; vyre-recommend --batch '$T/long.jsonl'"
else
	skip "--batch under ulimit -v" "the sanitizers need more address space"
fi

# --- 10. the 'record' leak (ASan) ----------------------------------------
printf 'record 1 2 3 4 5\n' >"$T/r.txt"
expect_err "mkdump: record with 5 words" 3 "takes FMT" vyre-mkdump -o "$T/x.vyrd" "$T/r.txt"

# --- 14. UTF-8: device names, file names -----------------------------------
printf 'slot_count 1\ndevice \377\376\n' >"$T/dev.txt"
expect_err "mkdump: device name not UTF-8" 3 "line 2: not valid UTF-8" vyre-mkdump -o "$T/x.vyrd" "$T/dev.txt"
printf 'x' >"$T/$(printf 'n\377')"
expect_rc "stream: a file name that is not UTF-8" 0 vyre-stream --format jsonl "$T/$(printf 'n\377')"
contains "path escaped, not dropped" "$OUT" '\\xff","path_hex":"'

# --- 13. table output escapes tab and newline ------------------------------
printf 'x' >"$T/a
b"
printf 'x' >"$T/c	d"
expect_rc "stream: names with newline and tab" 0 vyre-stream "$T/a
b" "$T/c	d"
check "one line per file" "$(wc -l <"$OUT")" -eq 2
contains "newline escaped" "$OUT" 'a\nb'
contains "tab escaped" "$OUT" 'c\td'

# --- 15, 11. signals ---------------------------------------------------------
(sleep 5; echo late) | vyre-stream -q >"$T/term.out" 2>"$T/term.err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid" 2>/dev/null
check "vyre-stream exits 143 after SIGTERM" "$?" -eq 143
printf 'old' >"$T/big.vyrd"
vyre-mkdump -o "$T/big.vyrd" -e '{"slot_count": 1048576, "sections": ["ring"]}' &
pid=$!
sleep 0.2
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check "SIGTERM during -o: no temporary file left" -z "$(ls "$T" | grep 'big.vyrd.tmp')"
check "SIGTERM during -o: old file or a whole new one" \
	"$(cat "$T/big.vyrd" | head -c 4)" != ""

# --- 16. smaller ones ---------------------------------------------------------
: >"$T/empty"
expect_err "stream --patterns-from with no patterns" 3 "no patterns" vyre-stream --patterns-from "$T/empty" "$T/f.txt"
if [ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	expect_rc "stream a /sys file" 0 vyre-stream /sys/kernel/mm/transparent_hugepage/enabled
else
	skip "stream a /sys file" "no such /sys file here"
fi
