# vyre-vectors: usage errors, unknown kinds counted as skipped, mismatches.
. tests/cli/lib.sh

expect_rc "vyre-vectors without files exits 2" 2 vyre-vectors
expect_rc "vyre-vectors unknown option exits 2" 2 vyre-vectors --bogus
expect_rc "vyre-vectors missing file exits 3" 3 vyre-vectors "$T/nope.json"

printf '[{"id":"x1","source":"derived","kind":"no_such_kind","input":{},"expected":{}}]' >"$T/unk.json"
expect_rc "unknown kind is not a failure" 0 vyre-vectors "$T/unk.json"
contains "unknown kind counted as skipped" "$OUT" "0 passed, 0 failed, 1 skipped"

printf '[{"id":"bad' >"$T/trunc.json"
expect_rc "truncated vector file exits 3" 3 vyre-vectors "$T/trunc.json"
contains "truncated file error names the file" "$ERR" "trunc.json"
