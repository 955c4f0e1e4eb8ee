# vyre-vectors: usage errors, unknown kinds counted as skipped, mismatches.
. tests/cli/lib.sh

expect_rc "vyre-vectors without files exits 2" 2 vyre-vectors
expect_rc "vyre-vectors unknown option exits 2" 2 vyre-vectors --bogus
expect_rc "vyre-vectors missing file exits 4" 4 vyre-vectors "$T/nope.json"

printf '[{"id":"x1","source":"derived","kind":"no_such_kind","input":{},"expected":{}}]' >"$T/unk.json"
expect_rc "unknown kind is not a failure" 0 vyre-vectors "$T/unk.json"
contains "unknown kind counted as skipped" "$OUT" "0 passed, 0 failed, 1 skipped"

printf '[{"id":"bad' >"$T/trunc.json"
expect_rc "truncated vector file exits 3" 3 vyre-vectors "$T/trunc.json"
contains "truncated file error names the file" "$ERR" "trunc.json"

# expected_error_detail is compared where a case has one.
oom='"kind":"recommend","input":{"policy":"standard","request":{"queue_len":1024,"requested_worker_groups":64,"max_workgroup_size_x":256,"max_compute_workgroups_per_dimension":64,"max_compute_invocations_per_workgroup":256,"expected_hits_per_item":4,"resident_device_bytes":1024,"device_memory_budget_bytes":65536}},"expected_error":"E_DEVICE_OUT_OF_MEMORY"'
printf '[{"id":"oom-ok","source":"derived",%s,"expected_error_detail":{"requested":132096,"available":65536}},{"id":"oom-bad","source":"derived",%s,"expected_error_detail":{"requested":1,"available":65536}}]' "$oom" "$oom" >"$T/detail.json"
expect_rc "wrong expected_error_detail fails" 1 vyre-vectors "$T/detail.json"
contains "error detail mismatch named" "$OUT" "oom-bad: error_detail.requested: expected 1, got 132096"
contains "right error detail passes" "$OUT" "1 passed, 1 failed"

# Integers out of the u64 range are vector errors, never clamped.
printf '[{"id":"big-in","source":"derived","kind":"count_min","input":{"depth":18446744073709551616,"width":2,"ops":[]},"expected_error":"E_SKETCH_DIMENSION_OVERFLOW"}]' >"$T/bigin.json"
expect_rc "input above 2^64-1 is a failure" 1 vyre-vectors "$T/bigin.json"
contains "input above 2^64-1 is a vector error" "$OUT" "big-in: vector error: malformed vector input: depth/width"
printf '[{"id":"neg-in","source":"derived","kind":"count_min","input":{"depth":-1,"width":2,"ops":[]},"expected_error":"E_INVALID_ARGUMENT"}]' >"$T/negin.json"
expect_rc "negative unsigned input is a failure" 1 vyre-vectors "$T/negin.json"
contains "negative unsigned input is a vector error" "$OUT" "neg-in: vector error"
printf '[{"id":"big-out","source":"derived","kind":"count_min","input":{"depth":1,"width":1,"ops":[["add",5,18446744073709551615],["estimate",5]]},"expected":{"estimates":[18446744073709551616]}}]' >"$T/bigout.json"
expect_rc "expected value above 2^64-1 is a failure" 1 vyre-vectors "$T/bigout.json"
contains "expected value above 2^64-1 is a vector error" "$OUT" "big-out: vector error: expected estimates[0] = 18446744073709551616 is above 2^64-1"

# Doubles compare bit for bit: this natural gradient step is -0.0.
ng='"kind":"natural_gradient","input":{"m_inv_sqrt":[1.0],"grad":[0.0],"n":1,"learning_rate":0.5}'
printf '[{"id":"nz","source":"derived",%s,"expected":{"value":[-0.0]}},{"id":"pz","source":"derived",%s,"expected":{"value":[0.0]}}]' "$ng" "$ng" >"$T/zero.json"
expect_rc "+0.0 is not -0.0" 1 vyre-vectors "$T/zero.json"
contains "-0.0 mismatch reported" "$OUT" "pz: value[0]: expected 0.0, got -0.0"
contains "-0.0 equals itself" "$OUT" "1 passed, 1 failed"

# A newline in an id stays on the mismatch line, escaped.
printf '[{"id":"two\\nlines","source":"derived","kind":"count_min","input":{"depth":1,"width":1,"ops":[["estimate",1]]},"expected":{"estimates":[7]}}]' >"$T/nl.json"
expect_rc "case with a newline in its id fails" 1 vyre-vectors "$T/nl.json"
check "newline in an id does not start a line" "$(grep -c '^lines' "$OUT")" = 0
contains "newline in an id is escaped" "$OUT" 'two\nlines: estimates[0]: expected 7, got 0'
printf '[{"id":"skip\\nme","source":"derived","kind":"no_such_kind","input":{},"expected":{}}]' >"$T/nlskip.json"
expect_rc "verbose run of a skipped case" 0 vyre-vectors -v "$T/nlskip.json"
contains "verbose skip line escapes the id" "$OUT" 'skip nlskip.json: skip\nme: no handler for kind no_such_kind'
