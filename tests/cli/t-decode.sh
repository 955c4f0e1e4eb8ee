# vyre-decode: output formats against golden files, options, --strict.
# Inputs: golden/decode-*.vyrd and *.bin, made by vyre-mkdump from golden/*.mkdump (t-mkdump.sh checks).
. tests/cli/lib.sh

G=tests/cli/golden
RUN=$G/decode-run.vyrd

expect_rc "help exits 0" 0 vyre-decode --help
for o in --control --ring --debug --io --against --follow --poll \
	--keep-going --windows --slots --opcode --sketch --debug-log \
	--printf-formats --format --output --strict --help --version; do
	contains "help lists $o" "$OUT" -- "$o"
done
contains "help shows defaults" "$OUT" "(default table)"
expect_rc "version exits 0" 0 vyre-decode --version
contains "version names the program" "$OUT" "vyre-decode "

expect_rc "table of a 3-snapshot run" 0 vyre-decode -w 0xf101 "$RUN"
golden "table output" "$OUT" decode-run.table
check "stderr empty on success" ! -s "$ERR"
contains "health between snapshots" "$OUT" "health 0 -> 1: done_delta 2"
contains "stall suspected on no progress" "$OUT" "health 1 -> 2: done_delta 0"

expect_rc "json" 0 vyre-decode -j -w 0xf101 --printf-formats "$G/decode-fmt.txt" "$RUN"
# decode_ns is a measured time: the golden holds 0 there
sed 's/"decode_ns": [0-9]*/"decode_ns": 0/' "$OUT" >"$T/run.json"
golden "json output" "$T/run.json" decode-run.json
contains "json schema" "$OUT" '"schema": "vyre-decode/1"'
contains "json seed field names" "$OUT" '"gpu_idle_ppm": 562500'
contains "json enum snake_case" "$OUT" '"stall"'
if command -v jq >/dev/null 2>&1; then
	n=$(jq -s length "$OUT")
	check "json is one object per snapshot" "$n" -eq 3
	v=$(jq -s '.[2].debug_log.records[0].text' "$OUT")
	check "printf format rendered" "$v" = '"answer 42 mask 0x00ff"'
else
	skip "json is one object per snapshot" "jq not installed"
	skip "printf format rendered" "jq not installed"
fi

expect_rc "jsonl with slots" 0 vyre-decode -f jsonl --slots all "$RUN"
n=$(grep -c '"record":"slot"' "$OUT")
check "jsonl has one line per slot (3 x 16)" "$n" -eq 48
n=$(grep -c '"record":"snapshot"' "$OUT")
check "jsonl has one line per snapshot" "$n" -eq 3
expect_rc "jsonl active slots" 0 vyre-decode -f jsonl --slots active "$RUN"
n=$(grep -c '"record":"slot"' "$OUT")
check "only active slots (7 + 5 + 5)" "$n" -eq 17

expect_rc "csv" 0 vyre-decode -f csv -w 0xf101 "$RUN"
golden "csv output" "$OUT" decode-run.csv
n=$(wc -l <"$OUT")
check "csv header plus one row per snapshot" "$n" -eq 4
expect_rc "csv slots" 0 vyre-decode -f csv --slots all "$G/decode-fault.vyrd"
contains "csv slot header" "$OUT" "snapshot,slot_idx,status,status_raw"
contains "csv slot row" "$OUT" "0,3,fault,7,0,1,999,0,0"

expect_rc "prom" 0 vyre-decode -f prom "$RUN"
golden "prom output (last snapshot)" "$OUT" decode-run.prom
expect_rc "prom --output" 0 vyre-decode -f prom -o "$T/vyre.prom" "$RUN"
check "prom --output leaves stdout empty" ! -s "$OUT"
contains "prom file written" "$T/vyre.prom" "vyre_health_suspected_stall 1"
check "no temporary file left" -z "$(ls "$T" | grep tmp)"

# Every Prometheus textfile passes promtool (node_exporter's rules): the
# run, a reset (health), a fault, a debug-log overflow, raw buffers.
for v in run reset fault overflow; do
	vyre-decode -f prom -w atomic_add "$G/decode-$v.vyrd" >"$T/p-$v.prom" 2>/dev/null
	if promtool check metrics <"$T/p-$v.prom" >"$T/pt.out" 2>&1; then
		ok "promtool check metrics: decode-$v"
	else
		notok "promtool check metrics: decode-$v" "$(head -5 "$T/pt.out")"
	fi
done
check "no capture_timestamp sample for an unknown time" \
	"$(grep -c '^vyre_snapshot_capture_timestamp_seconds 0$' "$T"/p-*.prom | grep -v ':0$' | wc -l)" -eq 0
contains "opcode names as label values" "$T/p-run.prom" 'vyre_opcode_executions_total{opcode="atomic_add",opcode_value="2"}'
contains "ratios, not basis points" "$T/p-run.prom" "# TYPE vyre_occupancy_proxy_ratio gauge"
expect_rc "-q --strict: a quiet gate" 1 vyre-decode -q --strict "$G/decode-fault.vyrd"
check "-q prints no report" ! -s "$OUT"

expect_rc "hex of raw buffers" 0 vyre-decode -f hex --control "$G/decode-ctl.bin" \
	--ring "$G/decode-ring.bin" --debug "$G/decode-debug.bin" --io "$G/decode-io.bin"
golden "hex output" "$OUT" decode-raw.hex
contains "hex names control words" "$OUT" "done_count"

expect_rc "raw buffers table" 0 vyre-decode --control "$G/decode-ctl.bin" \
	--ring "$G/decode-ring.bin" --io "$G/decode-io.bin"
contains "raw io queue summarised" "$OUT" "io queue     64 slots: empty 63, published 1"

expect_rc "opcode query (snapshot)" 0 vyre-decode -j --opcode 0xf101 "$RUN"
contains "active slots for opcode" "$OUT" '"61697": ['

expect_rc "windows by name and number, duplicates" 0 vyre-decode -f csv -w 61697,0xf101,store_u32 "$RUN"
contains "two windows" "$OUT" ",2,2,"

expect_rc "sketch" 0 vyre-decode -j --sketch 3x16 "$RUN"
contains "sketch shape" "$OUT" '"width": 16'
expect_rc "sketch in table" 0 vyre-decode --sketch 2x8 "$G/decode-fault.vyrd"
contains "sketch line" "$OUT" "sketch       2x8, total_slots 16, active_slots 0"

# --strict: the answer as an exit status
expect_rc "strict: a stall exits 1" 1 vyre-decode --strict "$RUN"
expect_rc "strict: a faulted slot exits 1" 1 vyre-decode --strict "$G/decode-fault.vyrd"
expect_rc "strict: debug-log overflow exits 1" 1 vyre-decode --strict "$G/decode-overflow.vyrd"
expect_rc "strict: a clean snapshot exits 0" 0 vyre-decode --strict "$G/decode-reset.vyrd"
expect_rc "without --strict anomalies exit 0" 0 vyre-decode "$G/decode-fault.vyrd"
contains "anomaly named" "$OUT" "anomalies    fault"

# a counter reset is a new epoch, not an error
expect_rc "done counter backwards" 0 vyre-decode "$G/decode-reset.vyrd"
contains "reset reported" "$OUT" "done_count reset 9 -> 2 (new epoch)"
expect_rc "reset in json" 0 vyre-decode -j "$G/decode-reset.vyrd"
contains "counter_reset true" "$OUT" '"counter_reset": true'

# stdin, "-" and several files
expect_rc "stdin" 0 sh -c "vyre-decode -f csv < $RUN"
n=$(wc -l <"$OUT")
check "stdin decodes 3 snapshots" "$n" -eq 4
expect_rc "dash" 0 sh -c "cat $RUN | vyre-decode -f csv -"
n=$(wc -l <"$OUT")
check "dash decodes 3 snapshots" "$n" -eq 4
expect_rc "two files" 0 vyre-decode -f csv "$RUN" "$G/decode-reset.vyrd"
n=$(wc -l <"$OUT")
check "two files make one stream of 5" "$n" -eq 6

# --against compares with the last snapshot of an older capture
expect_rc "against" 0 vyre-decode --against "$G/decode-reset.vyrd" -f csv "$G/decode-fault.vyrd"
contains "against: reset from 2 to 1" "$OUT" ",0,0,0,1,0,"
expect_rc "against json" 0 vyre-decode --against "$G/decode-fault.vyrd" -j "$G/decode-reset.vyrd"
contains "against: health in every snapshot" "$OUT" '"previous_done_count": 1'

# debug log modes
expect_rc "lenient overflow" 0 vyre-decode -j "$G/decode-overflow.vyrd"
contains "dropped records" "$OUT" '"dropped": 6'
contains "overflowed flag" "$OUT" '"overflowed": true'

# --output with a stream format holds exactly what stdout would
expect_rc "csv to stdout" 0 vyre-decode -f csv "$RUN"
cp "$OUT" "$T/stdout.csv"
expect_rc "csv --output" 0 vyre-decode -f csv -o "$T/out.csv" "$RUN"
check "csv --output leaves stdout empty" ! -s "$OUT"
check "csv --output equals stdout" -z "$(cmp "$T/stdout.csv" "$T/out.csv" 2>&1)"
expect_rc "against names both files" 0 vyre-decode --against "$G/decode-reset.vyrd" "$G/decode-fault.vyrd"
contains "against table line" "$OUT" "health $G/decode-reset.vyrd#1 -> $G/decode-fault.vyrd#0: done_count reset 2 -> 1"

# Opcode names beside the numbers; window opcodes given in hex come back
# in hex too.
expect_rc "json windows" 0 vyre-decode -j -w 0xf101 "$RUN"
contains "window opcode in hex" "$OUT" '"opcode_hex": "0xf101"'
expect_rc "jsonl slot records" 0 vyre-decode -f jsonl --slots all "$G/decode-fault.vyrd"
contains "jsonl slot record has the opcode name" "$OUT" '"opcode":1,"opcode_name":"store_u32"'
expect_rc "json slot objects" 0 vyre-decode -j --slots all "$G/decode-fault.vyrd"
contains "json slot object has the opcode name" "$OUT" '"opcode_name": "store_u32"'
