# vyre-decode --follow: a growing snapshot file and a pipe.
. tests/cli/lib.sh

RUN=tests/cli/golden/decode-run.vyrd
# The three snapshots of decode-run.vyrd are 1864 bytes each.
head -c 1864 "$RUN" >"$T/s0"
tail -c +1865 "$RUN" | head -c 1864 >"$T/s1"
tail -c +3729 "$RUN" >"$T/s2"

# A pipe: each snapshot is decoded when it is complete; EOF ends the run.
expect_rc "follow a pipe" 0 sh -c "(cat $T/s0; sleep 1; cat $T/s1 $T/s2) | vyre-decode --follow -f csv"
n=$(wc -l <"$OUT")
check "pipe: three snapshots" "$n" -eq 4

# A growing file, written in pieces (one snapshot split in two writes).
cp "$T/s0" "$T/grow.vyrd"
vyre-decode --follow --poll 50 -f jsonl "$T/grow.vyrd" >"$T/f.out" 2>"$T/f.err" &
pid=$!
sleep 1
head -c 1000 "$T/s1" >>"$T/grow.vyrd"
sleep 0.5
n=$(grep -c '"record":"snapshot"' "$T/f.out")
check "growing file: first snapshot out before the rest exists" "$n" -eq 1
tail -c +1001 "$T/s1" >>"$T/grow.vyrd"
cat "$T/s2" >>"$T/grow.vyrd"
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
check "growing file: SIGTERM ends with exit 0" "$rc" -eq 0
n=$(grep -c '"record":"snapshot"' "$T/f.out")
check "growing file: all three snapshots" "$n" -eq 3
contains "growing file: health of the last pair" "$T/f.out" '"suspected_stall":true'
check "growing file: no errors" ! -s "$T/f.err"

# --follow with a Prometheus textfile: replaced after every snapshot.
cp "$T/s0" "$T/grow2.vyrd"
vyre-decode --follow --poll 50 -f prom -o "$T/vyre.prom" "$T/grow2.vyrd" 2>"$T/p.err" &
pid=$!
sleep 1
contains "textfile written after the first snapshot" "$T/vyre.prom" "vyre_drained_slots_total 0"
cat "$T/s1" >>"$T/grow2.vyrd"
sleep 1
contains "textfile replaced after the second" "$T/vyre.prom" "vyre_drained_slots_total 2"
n=$(grep -c '^vyre_epoch ' "$T/vyre.prom")
check "textfile holds one exposition" "$n" -eq 1
if promtool check metrics <"$T/vyre.prom" >"$T/pt.out" 2>&1; then
	ok "promtool check metrics: the followed textfile"
else
	notok "promtool check metrics: the followed textfile" "$(head -5 "$T/pt.out")"
fi
kill -INT "$pid"
wait "$pid"
check "SIGINT ends with exit 0" "$?" -eq 0

# A pipe whose writer is still there: SIGTERM ends the wait with exit 0.
mkfifo "$T/fifo"
(cat "$T/s0"; exec sleep 30) >"$T/fifo" 2>/dev/null &
wpid=$!
vyre-decode --follow -f csv "$T/fifo" >"$T/q.out" 2>"$T/q.err" &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
check "pipe: SIGTERM while blocked in read ends with 0" "$?" -eq 0
n=$(wc -l <"$T/q.out")
check "pipe: the snapshot before the signal was printed" "$n" -eq 2
kill "$wpid" 2>/dev/null

# an empty pipe holds no snapshot, with --follow as without (exit 3)
run sh -c ': | vyre-decode --follow'
check "--follow of an empty pipe exits 3 like without --follow" "$RC" -eq 3
contains "--follow of an empty pipe says why" "$ERR" "empty input, no snapshot"
