# vyre-stream: results against CPU references on PoCL (or any device),
# edge sizes, pipes, failing inputs, the pread fallback, usage.
. tests/cli/lib.sh

expect_rc "vyre-stream unknown option exits 2" 2 vyre-stream --bogus
contains "unknown option says try --help" "$ERR" "try --help"
expect_rc "vyre-stream --help exits 0" 0 vyre-stream --help
for o in --op --byte --pattern --patterns-from --files-from --chunk --qd \
	--dev-slots --engine --o-direct --no-register --inline-reads --transport --persistent \
	--device --verify --format --progress --quiet --version; do
	if ! grep -q -F -- "$o" "$OUT"; then
		notok "--help lists $o"
	fi
done
ok "--help lists every option"
expect_rc "vyre-stream --version exits 0" 0 vyre-stream --version
expect_rc "bad --chunk exits 2" 2 vyre-stream --chunk 3K /dev/null
expect_rc "--op count without --byte exits 2" 2 vyre-stream --op count
expect_rc "--op grep without a pattern exits 2" 2 vyre-stream --op grep
expect_rc "empty grep pattern exits 2" 2 vyre-stream -e ''

dev() {
	have_device || timeout 60 vyre-stream -q /dev/null >/dev/null 2>&1
}
if ! dev; then
	skip "vyre-stream device tests" "no OpenCL device"
	exit 0
fi

C=65536
# deterministic files: sizes 0, 1, chunk-1, chunk, chunk+1, many chunks
gen() { # gen SIZE FILE: text with words the grep tests look for
	awk -v n="$1" 'BEGIN {
		srand(7); s = "";
		w[0] = "abc"; w[1] = "xyz"; w[2] = "hello "; w[3] = "q";
		w[4] = "\n"; w[5] = "AAAA"; w[6] = "abcabc"; w[7] = "z";
		while (length(s) < n) s = s w[int(rand() * 8)];
		printf "%s", substr(s, 1, n) }' >"$2"
}
sizes="0 1 $((C - 1)) $C $((C + 1)) $((5 * C + 3))"
for s in $sizes; do gen "$s" "$T/f$s"; done
files=""
for s in $sizes; do files="$files $T/f$s"; done

# shellcheck disable=SC2086
expect_rc "checksum --verify on 0, 1, chunk-1, chunk, chunk+1, many chunks" 0 \
	vyre-stream -q --chunk 64K --verify $files
cp "$OUT" "$T/sum64k"
check "one line per input" "$(wc -l <"$T/sum64k")" -eq 6
bad=0
for s in $sizes; do
	line=$(grep -F "$T/f$s	" "$T/sum64k")
	b=$(echo "$line" | cut -f2)
	[ "$b" = "$s" ] || bad=1
done
check "bytes column equals the file sizes" "$bad" -eq 0

printf 'hello' >"$T/hello"
expect_rc "checksum of hello" 0 vyre-stream -q --chunk 64K "$T/hello"
contains "checksum is s1 then s2 (vyre-stream(1))" "$OUT" \
	"000000006c6c65d7000000006c6c6646"

# the checksum does not depend on chunk, engine, transport, O_DIRECT
# shellcheck disable=SC2086
for v in "--chunk 128K" "--engine pread" "--transport copy" \
	"--transport shared" "--o-direct on" "--o-direct off" "--no-register" \
	"--qd 1 --dev-slots 1" "--inline-reads" "--persistent" \
	"--persistent --transport copy"; do
	# shellcheck disable=SC2086
	run vyre-stream -q --chunk 64K $v --verify $files
	if [ "$RC" -eq 2 ] && grep -q "transport" "$ERR"; then
		skip "checksum with $v equals the default" \
			"$(head -n 1 "$ERR" | cut -c1-80)"
	elif [ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/sum64k"; then
		ok "checksum with $v equals the default"
	else
		notok "checksum with $v equals the default" "exit $RC" \
			"$(head -c 300 "$ERR")"
	fi
done

# count BYTE against od
# shellcheck disable=SC2086
expect_rc "count --verify" 0 vyre-stream -q --chunk 64K --op count -b A --verify $files
bad=0
for s in $sizes; do
	want=$(od -An -v -tu1 "$T/f$s" | tr -s ' ' '\n' | grep -c '^65$')
	got=$(grep -F "$T/f$s	" "$OUT" | cut -f3)
	[ "$want" = "$got" ] || { bad=1; echo "# count f$s: want $want got $got"; }
done
check "count -b A equals od | grep -c" "$bad" -eq 0
expect_rc "count -b 0x0a" 0 vyre-stream -q --chunk 64K -b 0x0a "$T/f$((5 * C + 3))"
check "count of newlines equals wc -l" "$(cut -f3 "$OUT")" -eq \
	"$(wc -l <"$T/f$((5 * C + 3))")"

# hist against od | sort | uniq -c
f=$T/f$((5 * C + 3))
expect_rc "hist --verify" 0 vyre-stream -q --chunk 64K --op hist --verify "$f"
cut -f3 "$OUT" | tr ',' '\n' | awk '$1 != 0 { print NR - 1, $1 }' >"$T/h1"
od -An -v -tu1 "$f" | tr -s ' ' '\n' | grep -v '^$' | sort -n | uniq -c |
	awk '{ print $2, $1 }' >"$T/h2"
if cmp -s "$T/h1" "$T/h2"; then ok "hist equals od | sort | uniq -c"; else
	notok "hist equals od | sort | uniq -c" "$(diff "$T/h1" "$T/h2" | head -5)"; fi

# grep: patterns that cannot overlap give the same counts as grep -o
# shellcheck disable=SC2086
expect_rc "grep --verify" 0 vyre-stream -q --chunk 64K -e xyz -e 'hello' --verify $files
bad=0
for s in $sizes; do
	want=$(grep -o -F -e xyz -e hello "$T/f$s" | wc -l)
	got=$(grep -F "$T/f$s	" "$OUT" | cut -f3)
	[ "$want" = "$got" ] || { bad=1; echo "# grep f$s: want $want got $got"; }
done
check "grep counts equal grep -o -F | wc -l" "$bad" -eq 0
# overlapping matches all count: abcabc holds abc twice and bca once
printf 'abcabcabc' >"$T/ov"
expect_rc "grep overlapping" 0 vyre-stream -q --chunk 64K -e abc -e bca -e abcabc "$T/ov"
check "overlapping matches counted (3 abc + 2 bca + 2 abcabc)" \
	"$(cut -f3 "$OUT")" -eq 7
# a match across a chunk boundary
awk -v c=$C 'BEGIN { s = ""; while (length(s) < c - 2) s = s "."; printf "%sNEEDLE%s", s, s }' >"$T/bnd"
expect_rc "grep across a chunk boundary" 0 vyre-stream -q --chunk 64K -e NEEDLE --verify "$T/bnd"
check "match across the chunk boundary counted" "$(cut -f3 "$OUT")" -eq 1
printf 'xyz\nhello\n' >"$T/pats"
expect_rc "grep --patterns-from FILE" 0 vyre-stream -q --chunk 64K --patterns-from "$T/pats" "$f"
check "-f equals -e" "$(cut -f3 "$OUT")" -eq "$(grep -o -F -e xyz -e hello "$f" | wc -l)"

# pipes: one read in flight, same result as the file
run sh -c "cat '$f' | vyre-stream -q --chunk 64K --verify"
want=$(grep -F "$f	" "$T/sum64k" | cut -f2,3)
got=$(cut -f2,3 "$OUT")
check "pipe on stdin gives the file's bytes and checksum" "$got" = "$want"
check "stdin is named -" "$(cut -f1 "$OUT")" = "-"
run sh -c "cat '$f' | vyre-stream -q --chunk 64K -e xyz -e hello -"
check "grep on a pipe" "$(cut -f3 "$OUT")" -eq \
	"$(grep -o -F -e xyz -e hello "$f" | wc -l)"

# standard input that does not start at offset 0
run sh -c "{ head -c 1000 >/dev/null; vyre-stream -q --chunk 64K -; } <'$f'"
check "stdin is read from its current offset" "$(cut -f2 "$OUT")" -eq \
	"$(($(wc -c <"$f") - 1000))"

# SIGINT while a pipe read is in flight: cancel, drain, exit 130
for eng in uring pread; do
	(sleep 5; echo late) | vyre-stream -q --engine $eng >"$T/int.out" 2>"$T/int.err" &
	pid=$!
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	check "SIGINT with a read in flight exits 130 ($eng)" "$rc" -eq 130
done
contains "SIGINT says interrupted" "$T/int.err" "vyre-stream: interrupted"

# a missing file and a directory among good ones: reported, rest go on
expect_rc "missing file among good ones exits 4" 4 \
	vyre-stream -q --chunk 64K "$T/f1" "$T/missing" "$T/hello"
contains "missing file named on stderr" "$ERR" \
	"vyre-stream: $T/missing: No such file or directory"
check "good inputs still reported" "$(wc -l <"$OUT")" -eq 2
expect_rc "directory as input exits 4" 4 vyre-stream -q --chunk 64K "$T" "$T/hello"
contains "directory named on stderr" "$ERR" "vyre-stream: $T: Is a directory"
contains "the file after the directory is reported" "$OUT" "$T/hello"

# --files-from
printf '%s\n' "$T/hello" "$T/f1" >"$T/list"
expect_rc "--files-from LIST" 0 vyre-stream -q --chunk 64K --files-from "$T/list"
check "--files-from reads every path" "$(wc -l <"$OUT")" -eq 2
run sh -c "printf '%s\n' '$T/hello' | vyre-stream -q --chunk 64K --files-from -"
contains "--files-from - reads paths from stdin" "$OUT" "$T/hello"

# the pread fallback
VYRE_STREAM_NO_URING=1 run vyre-stream --chunk 64K --verify $files
if [ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/sum64k"; then
	ok "pread fallback gives the same results"
else
	notok "pread fallback gives the same results" "exit $RC"
fi
contains "fallback notice names the sysctl" "$ERR" "kernel.io_uring_disabled"
contains "fallback notice names seccomp" "$ERR" "seccomp"
VYRE_STREAM_NO_URING=1 run vyre-stream -q --chunk 64K $files
check "-q silences the fallback notice" ! -s "$ERR"
VYRE_STREAM_NO_URING=1 expect_rc "--engine uring forced without io_uring exits 4" 4 \
	vyre-stream --engine uring "$T/hello"
expect_rc "--engine pread" 0 vyre-stream --chunk 64K --engine pread "$T/hello"
contains "metrics name the pread engine" "$ERR" "engine pread"

# --persistent runs through the megakernel session: each chunk goes out
# as parts (128K chunks: 2 parts of 64K), every part is a ring slot the
# session published and saw complete, and the kernel's DONE_COUNT
# (control word 1) counted each one
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "hello %d\n", i }' >"$T/pk.txt"
pkchunks=$((($(wc -c <"$T/pk.txt") + 131071) / 131072))
for v in "" "--op count -b l" "--op hist" "-e llo -e 99"; do
	# shellcheck disable=SC2086
	run vyre-stream -j --persistent --chunk 128K $v --verify "$T/pk.txt"
	if [ "$RC" -eq 2 ] && grep -q "transport" "$ERR"; then
		skip "--persistent $v through the session" "$(head -n 1 "$ERR")"
		continue
	fi
	tr -d ' \n' <"$OUT" >"$T/pk.json"
	want="\"parts_per_chunk\":2,\"published\":$((pkchunks * 2)),\"completed\":$((pkchunks * 2)),\"done_count\":$((pkchunks * 2))"
	if [ "$RC" -eq 0 ] && grep -q -F '"verified":true' "$T/pk.json" &&
	    grep -q -F "$want" "$T/pk.json"; then
		ok "--persistent $v: parts published, completed and counted by the session"
	else
		notok "--persistent $v: parts published, completed and counted by the session" \
			"exit $RC" "$(grep -o '"session".*' "$T/pk.json" | head -c 200)" \
			"$(head -c 300 "$ERR")"
	fi
done
run vyre-stream --persistent --chunk 128K "$T/pk.txt"
if [ "$RC" -eq 0 ]; then
	contains "--persistent metrics name the megakernel session" "$ERR" \
		"ring slots, 2 parts per chunk"
fi

# machine output
expect_rc "--format json with a failure exits 4" 4 vyre-stream --chunk 64K -j "$T/hello" "$T/missing"
tr -d ' \n' <"$OUT" >"$T/flat.json"
bad=0
for k in '"schema":"vyre-stream/1"' '"result":"000000006c6c65d7000000006c6c6646"' \
	'"status":"error"' '"bytes":5' '"gbps_end_to_end"' '"stall_io_s"' \
	'"cpu_copy_bytes":0' '"registered"' '"transport"' '"qd_avg"'; do
	grep -q -F -- "$k" "$T/flat.json" || { bad=1; echo "# json lacks $k"; }
done
check "json document has results and metrics" "$bad" -eq 0
expect_rc "--format jsonl" 0 vyre-stream --chunk 64K --format jsonl --op count -b l "$T/hello"
check "jsonl: one line per input and a metrics line" "$(wc -l <"$OUT")" -eq 2
contains "jsonl result of count" "$OUT" '"result":2'
run vyre-stream --chunk 64K --progress "$T/hello"
contains "--progress or metrics go to stderr" "$ERR" "GB/s"
check "stdout keeps only results" "$(wc -l <"$OUT")" -eq 1
