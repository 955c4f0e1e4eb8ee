# vyre-recommend: formats, errors and exit statuses, --check gates,
# hysteresis, --explain, --from snapshots, --device.
. tests/cli/lib.sh

G=$TOP/tests/cli/golden

expect_rc "help exits 0" 0 vyre-recommend --help
for f in queue-len requested-worker-groups max-workgroup-size-x \
	max-compute-workgroups-per-dimension \
	max-compute-invocations-per-workgroup requested-hit-capacity \
	expected-hits-per-item hot-opcode-count hot-window-count requeue-count \
	max-priority-age graph-node-count graph-edge-count frontier-density-bps \
	memory-pressure-bps resident-device-bytes device-memory-budget-bytes \
	direct previous-topology device from windows batch hysteresis format \
	explain check version; do
	grep -q -e "--$f" "$OUT" || notok "help lists --$f"
done
ok "help lists every option"
expect_rc "version exits 0" 0 vyre-recommend --version
contains "version names the program" "$OUT" "vyre-recommend "

expect_rc "unknown option exits 2" 2 vyre-recommend --bogus
contains "unknown option says try --help" "$ERR" "vyre-recommend: hint: try --help"
expect_rc "bad number exits 2" 2 vyre-recommend --queue-len abc
contains "bad number message" "$ERR" "vyre-recommend: --queue-len: 'abc' is not a number"
expect_rc "u16 field range exits 2" 2 vyre-recommend --frontier-density-bps 70000
expect_rc "bad --direct exits 2" 2 vyre-recommend --direct 1,2
expect_rc "bad topology exits 2" 2 vyre-recommend --previous-topology dense
expect_rc "bad format exits 2" 2 vyre-recommend --format prom
expect_rc "stray argument exits 2" 2 vyre-recommend --direct 1,2,3 extra
expect_rc "--hysteresis without --batch exits 2" 2 vyre-recommend --hysteresis

# The four formats of one recommendation.
expect_rc "direct table" 0 vyre-recommend --direct 300,64,256
golden "direct table golden" "$OUT" recommend-direct.table
expect_rc "direct json" 0 vyre-recommend --direct 300,64,256 -j
golden "direct json golden" "$OUT" recommend-direct.json
expect_rc "direct jsonl" 0 vyre-recommend --direct 300,64,256 --format jsonl
golden "direct jsonl golden" "$OUT" recommend-direct.jsonl
expect_rc "direct csv" 0 vyre-recommend --direct 300,64,256 --format=csv
golden "direct csv golden" "$OUT" recommend-direct.csv
if command -v jq >/dev/null; then
	run vyre-recommend --direct 300,64,256 -j
	check "json schema" "$(jq -r .schema "$OUT")" = "vyre-recommend/1"
	check "json dispatch_grid" "$(jq -c .geometry.dispatch_grid "$OUT")" = "[5,1,1]"
fi

# Field flags override --direct; sizes take suffixes.
expect_rc "flags with suffixes" 0 vyre-recommend --direct 64K,64,256 \
	--graph-node-count 100K --graph-edge-count 128K --hot-opcode-count 8 \
	--max-compute-workgroups-per-dimension 65535 --format jsonl
contains "dense graph, hot opcodes: fused" "$OUT" '"topology":"fused_dense"'
contains "queue 64K gives jit" "$OUT" '"execution_mode":"jit"'

# Policy errors: exit 1; JSON formats also carry the error object.
expect_rc "out of memory (a refusal) exits 7" 7 vyre-recommend --direct 1024,64,256 \
	--expected-hits-per-item 4 --resident-device-bytes 1K \
	--device-memory-budget-bytes 64K -j
contains "oom message on stderr" "$ERR" "requested 132096 bytes, available 65536"
contains "oom object has requested" "$OUT" '"requested":132096,"available":65536'
contains "oom code" "$OUT" '"code":"E_DEVICE_OUT_OF_MEMORY"'
expect_rc "zero limits (a refusal) exit 7" 7 vyre-recommend --queue-len 100
contains "zero limit message" "$ERR" "vyre-recommend: max_workgroup_size_x is 0"
contains "zero limit hint" "$ERR" "vyre-recommend: hint: give the adapter limits"
expect_rc "direct(q,0,x) (a refusal) exits 7" 7 vyre-recommend --direct 100,0,256 --format jsonl
contains "direct(q,0,x) code" "$OUT" E_GRID_ZERO_MAX_WORKGROUPS_PER_DIMENSION
expect_rc "hit capacity overflow (a refusal) exits 7" 7 vyre-recommend --direct 2147483648,64,256

# CI gates.
expect_rc "checks that hold exit 0" 0 vyre-recommend --direct 300,64,256 \
	--check topology=sparse_frontier --check 'worker_groups<=256' \
	--check 'estimated_peak_device_bytes<2G' --check 'execution_mode!=jit' \
	--check 'pressure>=light' --check 'geometry.slot_count==320' \
	--check 'age_priority_work=false'
expect_rc "a failing check exits 1" 1 vyre-recommend --direct 300,64,256 \
	--check 'worker_groups<=32' --check topology=sparse_frontier \
	--check topology=dense_frontier
contains "failure shows the actual value" "$ERR" "check failed: worker_groups<=32 (actual 64)"
contains "second failure reported" "$ERR" "check failed: topology=dense_frontier (actual sparse_frontier)"
check "only the failing checks reported" "$(grep -c 'check failed' "$ERR")" -eq 2
contains "output still printed" "$OUT" "worker_groups"
expect_rc "malformed check exits 2" 2 vyre-recommend --direct 300,64,256 --check 'worker_groups<<3'
expect_rc "unordered enum check exits 2" 2 vyre-recommend --direct 300,64,256 --check 'topology<dense_frontier'
expect_rc "unknown check field exits 2" 2 vyre-recommend --direct 300,64,256 --check 'workers=3'
expect_rc "policy refusal with checks exits 7, not the gate status 1" 7 vyre-recommend --queue-len 5 --check 'worker_groups>0'

# Hysteresis: 300 bps raw is sparse; a previous hybrid holds down to 250.
expect_rc "hysteresis hold" 0 vyre-recommend --direct 12,64,256 \
	--graph-node-count 400 --previous-topology hybrid_frontier --format jsonl
contains "hybrid held at 300 bps" "$OUT" '"topology":"hybrid_frontier"'
expect_rc "hysteresis release" 0 vyre-recommend --direct 9,64,256 \
	--graph-node-count 400 --previous-topology HybridFrontier --format jsonl
contains "sparse below 250 bps" "$OUT" '"topology":"sparse_frontier"'

# --explain: after a table on stdout, else on stderr.
expect_rc "explain" 0 vyre-recommend --direct 12,256,256 --graph-node-count 400 \
	--previous-topology hybrid_frontier --explain
golden "explain golden" "$OUT" recommend-explain.txt
expect_rc "explain with json" 0 vyre-recommend --direct 300,64,256 -j --explain
contains "explain goes to stderr with json" "$ERR" "topology: sparse_frontier, because frontier density 0 bps"
expect_rc "explain of an error" 7 vyre-recommend --direct 1024,64,256 \
	--expected-hits-per-item 4 --resident-device-bytes 1K \
	--device-memory-budget-bytes 64K --explain
contains "explain says where it stopped" "$ERR" "stopped: E_DEVICE_OUT_OF_MEMORY"
contains "explain shows the budget" "$ERR" "budget 65536 bytes: over budget"

# --from: the last snapshot of a stream, with route windows.
expect_rc "from snapshot" 0 vyre-recommend --from "$G/recommend-feedback.vyrd" \
	--windows 64 --format jsonl
golden "from snapshot golden" "$OUT" recommend-from.jsonl
expect_rc "from snapshot without windows" 0 vyre-recommend \
	--from "$G/recommend-feedback.vyrd" --check promote_hot_windows=false \
	--check promote_hot_opcodes=true
expect_rc "from a raw file exits 3" 3 vyre-recommend --from "$G/recommend-direct.csv"
vyre-mkdump -o "$T/bad.vyrd" --corrupt checksum -e 'slot_count 4' 2>/dev/null &&
	{ expect_rc "from a corrupt snapshot exits 3" 3 vyre-recommend --from "$T/bad.vyrd"
	  contains "corrupt snapshot error names the file" "$ERR" "bad.vyrd: offset"; }
expect_rc "from a missing file exits 4" 4 vyre-recommend --from "$T/none.vyrd"
expect_rc "--windows without --from exits 2" 2 vyre-recommend --windows 64

# --device: limits from a real OpenCL device, worker groups capped.
run vyre-recommend --device --queue-len 100000 --format jsonl
if [ "$RC" -eq 5 ]; then
	skip "device limits" "no OpenCL device"
else
	check "device run exits 0" "$RC" -eq 0
	contains "device named" "$OUT" '"device":'
	contains "cap reported" "$OUT" '"worker_cap_applied":true'
	if command -v jq >/dev/null; then
		w=$(jq '.geometry.dispatch_grid[0]' "$OUT")
		r=$(jq .device.resident_worker_groups "$OUT")
		check "work-groups within the resident cap" "$w" -le "$r"
	fi
	expect_rc "device table says capped" 0 vyre-recommend --device=cpu --queue-len 100000
	contains "capped line" "$OUT" "worker_cap"
	expect_rc "--device P:D as a separate word" 0 vyre-recommend --device 0:0 --queue-len 10
	expect_rc "a missing device exits 5" 5 vyre-recommend --device 99:0 --queue-len 10
	contains "missing device hint" "$ERR" "vyre-launch --list-devices"
fi

# The CI example of vyre-recommend(1), as written there.
run vyre-recommend --device --queue-len 2K --graph-node-count 3000 \
	--graph-edge-count 12000 --frontier-density-bps 6800 \
	--resident-device-bytes 1G \
	--device-memory-budget-bytes 2G \
	--check topology=dense_frontier --check 'worker_groups<=256' \
	--check 'estimated_peak_device_bytes<2G' \
	--check 'execution_mode!=jit'
if [ "$RC" -eq 5 ]; then
	skip "man page CI example" "no OpenCL device"
else
	check "man page CI example passes its gates" "$RC" -eq 0
fi

if command -v mandoc >/dev/null; then
	run mandoc -T lint -W warning "$TOP/man/vyre-recommend.1"
	check "vyre-recommend.1 lints clean" "$RC" -eq 0 -a ! -s "$OUT"
else
	skip "vyre-recommend.1 lints clean" "no mandoc"
fi

# No request at all is a usage error (2), not a policy refusal (7).
expect_rc "no arguments exits 2" 2 vyre-recommend
contains "no arguments says what to give" "$ERR" "vyre-recommend: no request: give --device"
# CI gates: the check results are in the JSON; -q prints nothing on
# success and only the failed checks on failure.
expect_rc "-j --check with a failing gate exits 1" 1 vyre-recommend --direct 300,64,256 -j \
	--check 'worker_groups<=256' --check 'worker_groups>1000'
tr -d ' \n' <"$OUT" >"$T/chk.json"
contains "-j has the passing check" "$T/chk.json" '{"expr":"worker_groups<=256","actual":"64","ok":true}'
contains "-j has the failing check" "$T/chk.json" '{"expr":"worker_groups>1000","actual":"64","ok":false}'
expect_rc "-q with checks that hold exits 0" 0 vyre-recommend -q --direct 300,64,256 --check 'worker_groups<=256'
check "-q prints nothing on success" ! -s "$OUT" -a ! -s "$ERR"
expect_rc "-q with a failing check exits 1" 1 vyre-recommend -q --direct 300,64,256 --check 'worker_groups>1000' --check 'worker_groups>0'
check "-q: no report on stdout" ! -s "$OUT"
check "-q: only the failed check on stderr" "$(cat "$ERR")" = "vyre-recommend: check failed: worker_groups>1000 (actual 64)"
expect_rc "table shows the check results" 0 vyre-recommend --direct 300,64,256 --check 'worker_groups<=256'
contains "table check line" "$OUT" "worker_groups<=256 ok (actual 64)"
