# vyre-launch: options, work files, the ring as a queue, timeout/stall,
# signals, snapshots, LOAD_MISS resources.
. tests/cli/lib.sh

expect_rc "launch --help exits 0" 0 vyre-launch --help
contains "launch --help lists --timeout with its default" "$OUT" "--timeout SEC"
contains "launch --help lists --transport" "$OUT" "--transport KIND"
expect_rc "launch --version exits 0" 0 vyre-launch --version
expect_rc "launch unknown option exits 2" 2 vyre-launch --bogus
contains "launch unknown option says try --help" "$ERR" "try --help"
expect_rc "launch without work exits 2" 2 vyre-launch
expect_rc "launch bad --mode exits 2" 2 vyre-launch --mode sideways --synthetic 1

# work-file syntax errors: line and column, exit 2, before anything runs
printf 'nop\n  stor_u32 1 150\n' >"$T/bad1.work"
expect_rc "unknown opcode exits 2" 2 vyre-launch -d 99:99 "$T/bad1.work"
contains "unknown opcode names line and column" "$ERR" "bad1.work:2:3: unknown opcode 'stor_u32'"
printf 'store_u32 1 15x0\n' >"$T/bad2.work"
expect_rc "bad number exits 2" 2 vyre-launch "$T/bad2.work"
contains "bad number names the column" "$ERR" "bad2.work:1:13: bad number '15x0'"
printf 'nop priority=9\n' >"$T/bad3.work"
expect_rc "bad priority exits 2" 2 vyre-launch "$T/bad3.work"
contains "bad priority names the column" "$ERR" "bad3.work:1:14: bad priority '9'"
printf 'packed store_u32:1,2 bogus:3\n' >"$T/bad4.work"
expect_rc "bad packed op exits 2" 2 vyre-launch "$T/bad4.work"
contains "bad packed op names the column" "$ERR" "bad4.work:1:22: unknown packed opcode 'bogus'"
printf 'fence 3\n' >"$T/bad5.work"
expect_rc "fence with an argument exits 2" 2 vyre-launch "$T/bad5.work"
contains "fence error names the column" "$ERR" "bad5.work:1:7:"

if ! have_device; then
	skip "launch runs" "no OpenCL device"
	exit 0
fi

expect_rc "--list-devices exits 0" 0 vyre-launch --list-devices
contains "--list-devices shows a transport" "$OUT" "TRANSPORT"

# word W of a raw control dump
word() { od -An -tu4 -j $(($2 * 4)) -N4 "$1" | tr -d ' '; }

expect_rc "sample work file runs" 0 vyre-launch --dump-dir "$T/d0" tests/data/sample.work
contains "sample report says ok" "$OUT" "end_reason                     ok"
check "sample: store_u32 landed" "$(word "$T/d0/control.bin" 150)" = 43981
check "sample: two atomic adds" "$(word "$T/d0/control.bin" 151)" = 10
check "sample: packed ops ran" "$(word "$T/d0/control.bin" 154)" = 1
check "sample: batch_fence bumped the epoch" "$(word "$T/d0/control.bin" 128)" = 1

expect_rc "sample work file runs in once mode" 0 vyre-launch --mode once --dump-dir "$T/d1" tests/data/sample.work
check "once mode: same result" "$(word "$T/d1/control.bin" 151)" = 10

# a work file larger than the ring: every item exactly once
awk 'BEGIN { for (i = 0; i < 3000; i++) print "atomic_add 1 150"; print "fence"; for (i = 0; i < 500; i++) print "atomic_add 2 151" }' >"$T/big.work"
expect_rc "3500 items through a 64-slot ring" 0 vyre-launch --ring-slots 64 -j --dump-dir "$T/d2" "$T/big.work"
check "big: word 150 counts 3000 adds" "$(word "$T/d2/control.bin" 150)" = 3000
check "big: word 151 counts 500 adds of 2" "$(word "$T/d2/control.bin" 151)" = 1000
check "big: DONE_COUNT is 3500" "$(word "$T/d2/control.bin" 1)" = 3500
contains "big: json report has the schema" "$OUT" '"schema": "vyre-launch/1"'
contains "big: nothing remaining" "$OUT" '"items_remaining": 0'
expect_rc "big work file in once mode" 0 vyre-launch --mode once --ring-slots 64 --dump-dir "$T/d3" "$T/big.work"
check "once big: word 150 counts 3000 adds" "$(word "$T/d3/control.bin" 150)" = 3000

expect_rc "synthetic 20000 items" 0 vyre-launch --synthetic 20000 --ring-slots 128 --dump-dir "$T/d4"
check "synthetic: word 150 counts 20000" "$(word "$T/d4/control.bin" 150)" = 20000
# staged by three threads (rounds of 8192, split 3 ways): every item once
expect_rc "--producers 3: synthetic 50000 items" 0 vyre-launch --synthetic 50000 \
	--producers 3 --ring-slots 16384 --publish-batch 8192 --dump-dir "$T/d4p"
check "--producers 3: word 150 counts 50000" "$(word "$T/d4p/control.bin" 150)" = 50000
expect_rc "--producers 0 exits 2" 2 vyre-launch --producers 0 --synthetic 5
expect_rc "--producers 65 exits 2" 2 vyre-launch --producers 65 --synthetic 5
contains "--producers 65: names the option" "$ERR" "bad --producers '65'"

# binary work: raw 64-byte slot records (store_u32 77 -> word 155)
printf '\000\000\000\000\001\000\000\000\000\000\000\000\002\000\000\000\115\000\000\000\233\000\000\000' >"$T/rec.bin"
head -c 40 /dev/zero >>"$T/rec.bin"
expect_rc "binary work file" 0 vyre-launch --binary --dump-dir "$T/d5" "$T/rec.bin"
check "binary: store landed" "$(word "$T/d5/control.bin" 155)" = 77
head -c 10 /dev/zero >"$T/short.bin"
expect_rc "binary work file of 10 bytes exits 2" 2 vyre-launch --binary "$T/short.bin"

# no progress (tenant 5 has a zero mask): exit 6 inside the timeout
printf 'atomic_add 1 150 tenant=5\natomic_add 1 150\n' >"$T/stuck.work"
start=$(date +%s)
expect_rc "zero tenant mask ends with exit 6" 6 vyre-launch --stall 1 --timeout 5 --snapshot "$T/stuck.vyrd" "$T/stuck.work"
check "stuck run ended inside the timeout" $(($(date +%s) - start)) -le 8
contains "stuck run says no progress" "$ERR" "no progress"
check "stuck snapshot written" -s "$T/stuck.vyrd"
if [ -x "$BUILD/vyre-decode" ]; then
	expect_rc "stuck snapshot decodes" 0 vyre-decode "$T/stuck.vyrd"
	contains "stuck snapshot shows the published slot" "$OUT" "published 1"
fi
expect_rc "--timeout bounds a run that cannot finish" 6 vyre-launch --stall 60 --timeout 1 "$T/stuck.work"
contains "timeout message" "$ERR" "timeout after 1.0 s"
expect_rc "--timeout 0.05" 6 vyre-launch --stall 60 --timeout 0.05 "$T/stuck.work"
contains "timeout message: the seconds as given" "$ERR" "timeout after 0.05 s"

# SIGINT and SIGTERM mid-run: clean stop, valid snapshot, 130/143
for sig in INT TERM; do
	vyre-launch --synthetic 2000000000 --timeout 60 --snapshot "$T/sig.vyrd" >"$T/sig.out" 2>"$T/sig.err" &
	pid=$!
	sleep 1
	kill -$sig $pid
	wait $pid
	rc=$?
	want=130
	[ $sig = TERM ] && want=143
	check "SIG$sig exits $want" "$rc" -eq "$want"
	contains "SIG$sig report says signal" "$T/sig.out" "end_reason                     signal"
	if [ -x "$BUILD/vyre-decode" ]; then
		expect_rc "SIG$sig snapshot is valid" 0 vyre-decode "$T/sig.vyrd"
	else
		check "SIG$sig snapshot written" -s "$T/sig.vyrd"
	fi
done

# periodic snapshots on stdout
# (a run that cannot progress lasts until the 1 s watchdog, however fast
# the device is, so the stream holds snapshots taken every 20 ms)
echo 'atomic_add 1 150 tenant=5' >"$T/slow.work"
expect_rc "--interval writes a snapshot stream" 6 vyre-launch --stall 1 --timeout 60 --interval 20 --snapshot "$T/stream.vyrd" "$T/slow.work"
n=$(grep -a -o VYRD "$T/stream.vyrd" | wc -l)
check "stream holds several snapshots" "$n" -ge 2
expect_rc "--interval without --snapshot exits 2" 2 vyre-launch --synthetic 10 --interval 20

# LOAD_MISS served from a resource file; unknown ids complete with ERROR
printf '\052\000\000\000' >"$T/res7.bin"
printf 'load_miss 7\nload_miss 8\nfence\ndfa_step 0 0 1\n' >"$T/miss.work"
expect_rc "load_miss with --resource" 0 vyre-launch -j --resource 7="$T/res7.bin" --dump-dir "$T/d6" "$T/miss.work"
contains "load_miss: one error answer" "$OUT" '"io_errors": 1'
contains "load_miss: one fault" "$OUT" '"items_faulted": 1'
check "dfa_step read the loaded resource" "$(word "$T/d6/control.bin" 161)" = 42
expect_rc "--resource without = exits 2" 2 vyre-launch --resource 7 "$T/miss.work"

# the geometry vyre-launch runs is the one vyre-recommend --device prints
# for the same ring, and the policy's choice is reported beside it
member() { sed -n "/\"$1\"/,/}/s/.*\"$2\": *\([0-9]*\).*/\\1/p" "$3" | head -1; }
for slots in 8 256 4096; do
	expect_rc "launch -j, $slots slots" 0 vyre-launch -j --ring-slots $slots --synthetic 100
	cp "$OUT" "$T/geo.json"
	lg=$(member geometry workgroups "$T/geo.json")
	ls=$(member geometry workgroup_size "$T/geo.json")
	check "launch ran the policy's work-groups ($slots slots)" "$lg" = "$(member policy workgroups "$T/geo.json")"
	check "launch ran the policy's work-group size ($slots slots)" "$ls" = "$(member policy workgroup_size "$T/geo.json")"
	expect_rc "recommend --device, queue $slots" 0 vyre-recommend --device --queue-len $slots --format jsonl
	rg=$(sed -n 's/.*"dispatch_grid":\[\([0-9]*\),.*/\1/p' "$OUT")
	rs=$(sed -n 's/.*"workgroup_size_x":\([0-9]*\).*/\1/p' "$OUT")
	check "recommend --device work-groups = launch's ($slots slots)" "$rg" = "$lg"
	check "recommend --device work-group size = launch's ($slots slots)" "$rs" = "$ls"
done
check "the policy's persistent work-group is wider than 2 lanes" "$rs" -gt 2
# values beyond the device are refused, never clamped
expect_rc "--workgroups beyond residency exits 2" 2 vyre-launch --workgroups 100000 --synthetic 10
contains "--workgroups refusal names the limit" "$ERR" "can be resident at once"
expect_rc "--workgroup-size beyond the device exits 2" 2 vyre-launch --workgroup-size 100000 --synthetic 10
contains "--workgroup-size refusal names the limit" "$ERR" "lanes the megakernel may have"
expect_rc "a user geometry runs as given" 0 vyre-launch -j --workgroup-size 16 --synthetic 100
check "the user's work-group size ran" "$(member geometry workgroup_size "$OUT")" = 16

# printf formats
printf '1 value %%u then %%u\n' >"$T/fmts"
expect_rc "printf formats" 0 vyre-launch --printf-formats "$T/fmts" tests/data/sample.work
contains "printf rendered" "$OUT" "value 40 then 2"

# the priority scheduler
expect_rc "priority scheduler runs the sample" 0 vyre-launch --priority --dump-dir "$T/d7" tests/data/sample.work
check "priority: atomic adds landed" "$(word "$T/d7/control.bin" 151)" = 10

# the priority scheduler takes priority from the partition a slot sits in:
# the host places each item by its priority word (fairness words 136..140)
printf 'nop priority=0\nnop priority=0\nnop priority=0\natomic_add 1 150 priority=4\natomic_add 1 150 priority=4\nnop\n' >"$T/prio.work"
expect_rc "priority work file" 0 vyre-launch --priority --dump-dir "$T/d11" "$T/prio.work"
check "priority: 3 CRITICAL claims" "$(word "$T/d11/control.bin" 136)" = 3
check "priority: 1 NORMAL claim" "$(word "$T/d11/control.bin" 138)" = 1
check "priority: 2 IDLE claims" "$(word "$T/d11/control.bin" 140)" = 2

# kernel source override
expect_rc "--kernel-source with the shipped kernel" 0 vyre-launch --kernel-source kernels/megakernel.cl tests/data/sample.work
printf '__kernel void vy_megakernel(void) { broken\n' >"$T/bad.cl"
expect_rc "--kernel-source that does not build exits 5" 5 vyre-launch --kernel-source "$T/bad.cl" tests/data/sample.work
contains "build failure is reported" "$ERR" "program build failed"

# the copy transport (second/third queues) on a CPU device needs a compute
# unit the kernel leaves free: only with two or more CPUs
if [ "$(nproc)" -ge 2 ]; then
	expect_rc "copy transport, persistent" 0 vyre-launch --transport copy --ring-slots 64 --synthetic 3000 --timeout 60 --dump-dir "$T/d8"
	check "copy transport: every item once" "$(word "$T/d8/control.bin" 150)" = 3000
	expect_rc "copy transport, once" 0 vyre-launch --transport copy --mode once --ring-slots 64 --dump-dir "$T/d9" "$T/big.work"
	check "copy transport once: word 150" "$(word "$T/d9/control.bin" 150)" = 3000
	expect_rc "copy transport serves LOAD_MISS" 0 vyre-launch -j --transport copy --resource 7="$T/res7.bin" --dump-dir "$T/d10" "$T/miss.work"
	check "copy transport: dfa_step read the resource" "$(word "$T/d10/control.bin" 161)" = 42
else
	skip "copy transport on a CPU device" "needs 2 CPUs"
fi

# the ticket claim's words 142-144 are its own: an item that writes one
# faults (and is named), the others run; once mode has no claim words
printf 'atomic_add 1 144\natomic_add 1 150\nstore_u32 9 143\n' >"$T/claimw.work"
expect_rc "an item writing the claim's words" 0 vyre-launch -j --dump-dir "$T/d12" "$T/claimw.work"
check "claim words: two faults" "$(jq '.items_faulted' "$OUT")" = 2
check "claim words: the other item ran" "$(word "$T/d12/control.bin" 150)" = 1
check "claim words: RETIRED counts the one that ran" "$(word "$T/d12/control.bin" 144)" = 1
# every fault counted and named, however many one poll finds (a poll
# reports 256: faults beyond it once went uncounted, 512 of these 3000)
awk 'BEGIN { for (i = 0; i < 3000; i++) print "atomic_add 1 144" }' >"$T/f3000.work"
expect_rc "3000 faulting items on a 4096-slot ring" 0 vyre-launch -j --ring-slots 4096 "$T/f3000.work"
check "3000 faulting items: all counted" "$(jq -c '[.items_faulted, (.faulted_items | length)]' "$OUT")" = "[3000,3000]"
# the latency histogram holds every finished item, not the 256 a poll
# reports (it held 2872 of 200000 here)
expect_rc "latency of 200000 items on a 65536-slot ring" 0 vyre-launch -j --synthetic 200000 --ring-slots 65536
check "latency: one value per item" "$(jq -c '[.latency.count, .items_processed]' "$OUT")" = "[200000,200000]"
expect_rc "once mode: the same items" 0 vyre-launch -j --mode once "$T/claimw.work"
check "once mode: no fault" "$(jq '.items_faulted' "$OUT")" = 0
