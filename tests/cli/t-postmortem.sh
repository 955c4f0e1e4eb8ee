# Post-mortems: the run section, the diagnosis, the post-mortem selectors,
# the SVG picture (rendered by rsvg-convert), vyre-launch --strict and its
# faulted items, and --follow ending with the run.
. tests/cli/lib.sh

# A run as vyre-launch leaves it: 3 faults, 2 blocked tenants, a stall.
cat >"$T/pm.txt" <<'EOD'
slot_count 8
tenant_count 3
control 1 4
slot index=0 status=done opcode=atomic_add tenant=0
slot index=1 status=fault opcode=store_u32 tenant=0 args=7,9999
slot index=2 status=fault opcode=store_u32 tenant=1 args=7,10000
slot index=3 status=published opcode=atomic_add tenant=3 args=1,150
slot index=4 status=published opcode=atomic_add tenant=4 args=1,150
slot index=5 status=fault opcode=store_u32 tenant=0 args=7,10001
run end=stall exit_status=6 work=pm.work wall_ns=3200000000 tool=vyre-launch lines=1:2,2:3,3:5,4:6,5:7
EOD
expect_rc "mkdump writes a run section" 0 vyre-mkdump -o "$T/pm.vyrd" "$T/pm.txt"
expect_rc "mkdump --check reads it" 0 vyre-mkdump --check "$T/pm.vyrd"
expect_rc "decode of a stalled run exits 0" 0 vyre-decode "$T/pm.vyrd"
# the post-mortem's Prometheus textfile (faults, blocked tenants, a
# recorded end) passes promtool too
vyre-decode -f prom "$T/pm.vyrd" >"$T/pm.prom" 2>/dev/null
if promtool check metrics <"$T/pm.prom" >"$T/pt.out" 2>&1; then
	ok "promtool check metrics: a failed run"
else
	notok "promtool check metrics: a failed run" "$(head -5 "$T/pt.out")"
fi
head -n 10 "$OUT" >"$T/head"
contains "first lines name the stall" "$T/head" "diagnosis    error: stalled: 2 slots still to run, the run ended in stall (exit 6)"
contains "first lines name the faulted slots with lines" "$T/head" "3 faulted slots: slot 1 (store_u32, tenant 0, args 7,9999,0, line 2); slot 2 (store_u32, tenant 1, args 7,10000,0, line 3); slot 5"
contains "first lines name the blocked tenants" "$T/head" "blocked tenants 3 (1 slot), 4 (1 slot)"
contains "the run line" "$OUT" "run          ended stall (exit 6) after 3.200 s, work pm.work; vyre-launch"
expect_rc "--strict fails on the diagnosis" 1 vyre-decode --strict "$T/pm.vyrd"
expect_rc "-j carries the diagnosis" 0 vyre-decode -j "$T/pm.vyrd"
contains "json diagnosis: stalled" "$OUT" '"kind": "stalled"'
contains "json diagnosis: blocked tenants" "$OUT" '"tenants": [
        3,
        4
      ]'
contains "json diagnosis: faulted item with its line" "$OUT" '"line": 3'
contains "json run section" "$OUT" '"end": "stall"'
if command -v jq >/dev/null 2>&1; then
	run sh -c "vyre-decode -j '$T/pm.vyrd' | jq -c '[.diagnosis[].kind]'"
	contains "jq .diagnosis lists the kinds" "$OUT" '["stalled","faulted","blocked_tenants"]'
fi

# an older file (no run section) of the same ring still decodes, and a
# healthy ring says so in its first line
grep -v '^run ' "$T/pm.txt" >"$T/old.txt"
vyre-mkdump -o "$T/old.vyrd" "$T/old.txt"
expect_rc "a snapshot without a run section decodes" 0 vyre-decode "$T/old.vyrd"
check "no run line without the section" "$(grep -c '^run ' "$OUT")" -eq 0
vyre-mkdump -o "$T/ok.vyrd" -e '{"slot_count": 4, "ring": [{"status": "done"}]}'
expect_rc "healthy ring" 0 vyre-decode --strict "$T/ok.vyrd"
check "healthy ring: first line says ok" "$(head -n 1 "$OUT")" = "diagnosis    ok: no stall, fault or blocked tenant"

# two snapshots, nothing drained, faults present: not "progressing"
cat "$T/old.vyrd" "$T/old.vyrd" >"$T/still.vyrd"
expect_rc "faults do not hide a ring that does not drain" 0 vyre-decode "$T/still.vyrd"
contains "health line: NOT DRAINING" "$OUT" "fault_slots 3, requeue_slots 0, gpu_idle_ppm 250000, NOT DRAINING"
contains "diagnosis: stalled, nothing drained" "$OUT" "diagnosis    error: stalled: 2 slots still to run, nothing drained since the previous snapshot (done_count 4)"
expect_rc "--strict fails on it" 1 vyre-decode --strict "$T/still.vyrd"

# selectors
expect_rc "--slots faulted" 0 vyre-decode --slots faulted "$T/pm.vyrd"
contains "--slots faulted lists them" "$OUT" "slots        3 (faulted)"
check "--slots faulted: only faults" "$(grep -c '^ .* fault ' "$OUT")" -eq 3
expect_rc "--slots tenant=3" 0 vyre-decode --slots tenant=3 "$T/pm.vyrd"
contains "--slots tenant=3 lists its slot" "$OUT" "slots        1 (tenant 3)"
expect_rc "--slots active" 0 vyre-decode --slots active "$T/pm.vyrd"
contains "--slots active says what it leaves out" "$OUT" "slots        2 (active; 3 faulted not shown: --slots faulted)"
expect_rc "bad --slots tenant=" 2 vyre-decode --slots tenant=x "$T/pm.vyrd"
expect_rc "--tenant-summary" 0 vyre-decode --tenant-summary "$T/pm.vyrd"
contains "--tenant-summary: blocked tenant" "$OUT" "         4          1          0          0          0  0x00000000  blocked"
contains "--tenant-summary: allowed tenant" "$OUT" "         0          0          0          1          2  0xffffffff  allowed"
expect_rc "--tenant-summary -j" 0 vyre-decode --tenant-summary -j "$T/pm.vyrd"
contains "--tenant-summary -j: blocked" "$OUT" '"blocked": true'

# a malformed run section is bad data, exit 3, naming the offset
vyre-mkdump -o "$T/bad.vyrd" "$T/pm.txt"
# the run section is the last (control, ring, debug, io, run); its end
# word is the first of its payload
off=$(od -An -tu8 -j$((80 + 32 * 4 + 8)) -N8 "$T/bad.vyrd" | tr -d ' ')
printf '\011' | dd of="$T/bad.vyrd" bs=1 seek="$off" conv=notrunc 2>/dev/null
expect_rc "corrupt run section exits 3" 3 vyre-decode "$T/bad.vyrd"
contains "corrupt run section names the offset" "$ERR" "bad.vyrd: offset $off: section 4 (run) checksum mismatch"

# --pid/--forever need --follow
expect_rc "--pid without --follow" 2 vyre-decode --pid 1 "$T/pm.vyrd"
expect_rc "--forever without --follow" 2 vyre-decode --forever "$T/pm.vyrd"

# --follow on a file ends with the snapshot that records the run's end
cp "$T/old.vyrd" "$T/grow.vyrd"
(sleep 1; cat "$T/pm.vyrd" >>"$T/grow.vyrd") &
expect_rc "--follow ends after the run's end" 0 timeout 20 vyre-decode --follow --poll 50 "$T/grow.vyrd"
check "--follow decoded both" "$(grep -c '^snapshot' "$OUT")" -eq 2
wait
# ... and when the writer is gone (--pid), even without a recorded end
cp "$T/old.vyrd" "$T/grow2.vyrd"
sleep 1 &
expect_rc "--follow --pid ends with the writer" 0 timeout 20 vyre-decode --follow --poll 50 --pid $! "$T/grow2.vyrd"
wait
# --forever keeps reading until a signal
cp "$T/pm.vyrd" "$T/grow3.vyrd"
run timeout 2 vyre-decode --follow --forever --poll 50 "$T/grow3.vyrd"
check "--forever keeps following past the run's end" "$RC" -eq 124

# ---- the picture ----
if command -v rsvg-convert >/dev/null 2>&1 && command -v pngtopnm >/dev/null 2>&1; then
	# colour of the centre of slot N's cell: "R G B"
	pixel() {
		_x=$(sed -n "s/.*id=\"$2\" x=\"\([0-9]*\)\" y=\"[0-9]*\" width=\"\([0-9]*\)\".*/\1 \2/p" "$1" | awk '{print $1 + 3}')
		_y=$(sed -n "s/.*id=\"$2\" x=\"[0-9]*\" y=\"\([0-9]*\)\".*/\1/p" "$1" | awk '{print $1 + 3}')
		pngtopnm "$1.png" | pamcut -left "$_x" -top "$_y" -width 1 -height 1 |
			pnmtoplainpnm | tail -n +4 | tr -s ' \n' '  ' | sed 's/^ //; s/ $//'
	}
	expect_rc "-f svg" 0 vyre-decode -f svg -o "$T/pm.svg" "$T/pm.vyrd"
	contains "svg is an svg" "$T/pm.svg" '<svg xmlns="http://www.w3.org/2000/svg"'
	check "svg has no script" "$(grep -ci '<script' "$T/pm.svg")" -eq 0
	contains "svg names the stall" "$T/pm.svg" "error: stalled: 2 slots still to run"
	expect_rc "rsvg-convert renders it" 0 rsvg-convert "$T/pm.svg" -o "$T/pm.svg.png"
	check "slot 1 (fault) is red" "$(pixel "$T/pm.svg" slot-1)" = "214 39 40"
	check "slot 0 (done) is green" "$(pixel "$T/pm.svg" slot-0)" = "92 184 92"
	check "slot 3 (blocked tenant) is brown" "$(pixel "$T/pm.svg" slot-3)" = "139 90 43"
	check "slot 7 (empty) is grey" "$(pixel "$T/pm.svg" slot-7)" = "230 230 230"
	# a 1M-slot ring: aggregated, said so, still renders
	vyre-mkdump -o "$T/big.vyrd" -e '{"slot_count": 1048576, "ring": [
		{"index": 0, "status": "fault", "opcode": "store_u32"},
		{"index": 600000, "status": "claimed"}]}'
	expect_rc "-f svg of 1M slots" 0 vyre-decode -f svg -o "$T/big.svg" "$T/big.vyrd"
	contains "1M slots: says it aggregates" "$T/big.svg" "each cell holds 256 slots"
	check "1M slots: a small file" "$(wc -c <"$T/big.svg")" -lt 200000
	expect_rc "rsvg-convert renders 1M slots" 0 rsvg-convert "$T/big.svg" -o "$T/big.svg.png"
	check "1M slots: the cell of slot 0 is red" "$(pixel "$T/big.svg" cell-0)" = "214 39 40"
	check "1M slots: the cell of slot 600000 is orange" "$(pixel "$T/big.svg" cell-2343)" = "240 160 48"
	# a stream of snapshots gets a timeline
	cat "$T/old.vyrd" "$T/pm.vyrd" >"$T/two.vyrd"
	expect_rc "-f svg of a stream" 0 vyre-decode -f svg "$T/two.vyrd"
	contains "stream: timeline" "$OUT" "timeline of 2 snapshots"
else
	skip "svg rendering" "rsvg-convert or pngtopnm missing (librsvg2-bin, netpbm)"
fi

# ---- vyre-launch: the run section, --strict, faulted items ----
if ! have_device; then
	skip "vyre-launch post-mortem" "no OpenCL device"
	exit 0
fi
cat >"$T/broken.work" <<'EOD'
atomic_add 1 150
store_u32 7 99999999
atomic_add 1 151 tenant=3
store_u32 7 99999998
atomic_add 1 152 tenant=4
store_u32 7 99999997
atomic_add 1 153
EOD
expect_rc "broken run stalls" 6 vyre-launch --tenants 3 --stall 1 --snapshot "$T/run.vyrd" "$T/broken.work"
contains "report lists the faulted items with lines" "$OUT" "faulted_item                   item 3, slot 3, $T/broken.work line 4"
expect_rc "decode the broken run" 0 vyre-decode "$T/run.vyrd"
head -n 10 "$OUT" >"$T/head"
contains "launch: stall named" "$T/head" "the run ended in stall (exit 6)"
contains "launch: faults with lines" "$T/head" "args 7,99999999,0, line 2)"
contains "launch: blocked tenants" "$T/head" "blocked tenants 3 (1 slot), 4 (1 slot)"
expect_rc "launch: decode --strict fails" 1 vyre-decode --strict "$T/run.vyrd"
# --strict of vyre-launch: faults without a stall exit 1
printf 'store_u32 7 99999999\natomic_add 1 150\n' >"$T/fault.work"
expect_rc "launch without --strict: faults exit 0" 0 vyre-launch "$T/fault.work"
expect_rc "launch --strict: faults exit 1" 1 vyre-launch --strict -j --snapshot "$T/f.vyrd" "$T/fault.work"
contains "launch -j lists every faulted item" "$OUT" '"faulted_items": [
    {
      "item": 0,
      "slot": 0,
      "line": 1'
contains "launch --strict says why" "$ERR" "1 items faulted (--strict)"
expect_rc "the snapshot records exit 1" 0 vyre-decode -j "$T/f.vyrd"
contains "run section: end ok, exit 1" "$OUT" '"exit_status": 1'
# the stuck example of the README fails --strict from its final snapshot
echo 'atomic_add 1 150 tenant=5' >"$T/stuck.work"
expect_rc "stuck run" 6 vyre-launch --stall 1 --snapshot "$T/stuck.vyrd" "$T/stuck.work"
expect_rc "stuck final snapshot fails --strict" 1 vyre-decode --strict "$T/stuck.vyrd"
# --follow of a pipe and of a file being written end with the run
run sh -c "vyre-launch --interval 100 --stall 1 --snapshot - '$T/stuck.work' 2>/dev/null | timeout 30 vyre-decode --follow"
check "launch | decode --follow ends by itself" "$RC" -eq 0
vyre-launch --interval 50 --stall 2 --snapshot "$T/live.vyrd" "$T/stuck.work" >/dev/null 2>&1 &
sleep 0.5
expect_rc "decode --follow of a live file ends with the run" 0 timeout 30 vyre-decode --follow --poll 50 "$T/live.vyrd"
contains "the followed file's last snapshot has the end" "$OUT" "run          ended stall (exit 6)"
wait

# A device error after the device opened still leaves a final snapshot that
# says so (VYRE_TEST_DEVICE_FAIL simulates one: at set-up, and when the
# buffers cannot be read back, where the host's last copy is kept).
printf 'atomic_add 1 150\natomic_add 1 150\n' >"$T/de.work"
for stage in setup readback; do
	echo old >"$T/de-$stage.vyrd"
	expect_rc "device error at $stage exits 5" 5 env VYRE_TEST_DEVICE_FAIL=$stage \
		vyre-launch --snapshot "$T/de-$stage.vyrd" "$T/de.work"
	contains "device error at $stage is named" "$ERR" "$stage: device error"
	expect_rc "device error at $stage: a final snapshot was written" 0 \
		vyre-decode -j "$T/de-$stage.vyrd"
	contains "device error at $stage: the run section says device_error" \
		"$OUT" '"end": "device_error"'
	expect_rc "device error at $stage fails --strict" 1 \
		vyre-decode --strict "$T/de-$stage.vyrd"
done
vyre-decode -j "$T/de-readback.vyrd" >"$T/de.json"
check "readback failure keeps the host's view of the run (done_count 2)" \
	"$(jq '.control.done_count' "$T/de.json")" -eq 2
