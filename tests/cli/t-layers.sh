# scripts/check-layers.sh: the wing rules of common/README.md hold, and a
# wrong include or a name outside the wing's prefix makes the check fail.
. tests/cli/lib.sh

expect_rc "the tree keeps the wing rules" 0 sh scripts/check-layers.sh
contains "one line per wing" "$OUT" "ok - layers: common/device includes only: wire device"

mkdir -p "$T/tree"
cp -r common scripts "$T/tree/"
printf '#include "policy/planner.h"\n' >>"$T/tree/common/wire/util.c"
expect_rc "wire including policy fails the check" 1 sh scripts/check-layers.sh "$T/tree"
contains "the offending line is printed" "$OUT" "common/wire/util.c:"
contains "the offending include is named" "$OUT" '#include "policy/planner.h"'

rm -rf "$T/tree"; mkdir -p "$T/tree"
cp -r common scripts "$T/tree/"
printf '#include "report/emit.h"\n' >>"$T/tree/common/device/cl.h"
expect_rc "device including report fails the check" 1 sh scripts/check-layers.sh "$T/tree"

rm -rf "$T/tree"; mkdir -p "$T/tree"
cp -r common scripts "$T/tree/"
printf 'int vy_rep_sneaky(void);\n' >>"$T/tree/common/wire/util.h"
expect_rc "a report-prefixed name in wire fails the check" 1 sh scripts/check-layers.sh "$T/tree"
contains "the misplaced name is printed" "$OUT" "vy_rep_sneaky"

rm -rf "$T/tree"; mkdir -p "$T/tree"
cp -r common scripts "$T/tree/"
printf 'struct vy_widget {\n\tint x;\n};\n' >>"$T/tree/common/policy/planner.h"
expect_rc "an unprefixed struct in policy fails the check" 1 sh scripts/check-layers.sh "$T/tree"
contains "the unprefixed name is printed" "$OUT" "vy_widget"

# lib.sh: a test name with a newline stays one TAP line, and every line of
# a failure's detail is a comment.
( . "$TOP/tests/cli/lib.sh"; ok "two
lines"; notok "x" "a
not ok - fake" ) >"$T/tap"
check "a name with a newline is one line" "$(grep -c '' "$T/tap")" -eq 4
check "a detail line never starts a TAP line" "$(grep -c '^not ok - fake' "$T/tap")" -eq 0
