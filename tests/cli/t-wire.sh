# One wire definition: common/wire/wire.def is the only place a wire
# constant is defined (scripts/check-wire.sh), the generator refuses a
# malformed table, and the build's outputs carry the table's values.
. tests/cli/lib.sh

expect_rc "the tree defines each wire constant once" 0 sh scripts/check-wire.sh
contains "the table parses" "$OUT" "ok - wire: common/wire/wire.def parses"

fresh() {
	rm -rf "$T/tree"; mkdir -p "$T/tree"
	cp -r common scripts kernels bin tools tests "$T/tree/"
}

fresh
printf '#define VY_STATUS_DONE 3u\n' >>"$T/tree/kernels/stream.cl"
expect_rc "a kernel with its own copy fails the check" 1 sh scripts/check-wire.sh "$T/tree"
contains "the kernel's line is printed" "$OUT" "kernels/stream.cl:"
contains "the copied name is printed" "$OUT" "#define VY_STATUS_DONE 3u"

fresh
printf '#  define VY_CTL_EPOCH 128u /* copy */\n' >>"$T/tree/common/telemetry/telemetry.h"
expect_rc "a header with its own copy fails the check" 1 sh scripts/check-wire.sh "$T/tree"
contains "the header's line is printed" "$OUT" "common/telemetry/telemetry.h:"

fresh
printf '#define VY_CTL_EPOCH_NEXT 129u\n#define VY_SLOT_WORDSX 1\n' >>"$T/tree/common/wire/util.h"
expect_rc "a longer name is not a copy" 0 sh scripts/check-wire.sh "$T/tree"

fresh
printf 'VY_SLOT_WORDS 17\n' >>"$T/tree/common/wire/wire.def"
expect_rc "a name defined twice in the table fails" 1 sh scripts/check-wire.sh "$T/tree"
contains "the duplicate is named with its first line" "$ERR" "VY_SLOT_WORDS defined twice"

expect_rc "a value that does not fit a u32 is refused" 1 sh -c \
	"printf 'VY_X 4294967296\n' >'$T/big.def' && sh scripts/gen-wire.sh cl '$T/big.def'"
contains "the line is named" "$ERR" "big.def:1: value 4294967296 of VY_X does not fit a u32"
expect_rc "an enum without end is refused" 1 sh -c \
	"printf 'enum vy_x\nVY_X 1\n' >'$T/open.def' && sh scripts/gen-wire.sh h '$T/open.def'"

# the generated outputs carry the table's values, the kernels get them
check "the C header has the table's value" \
	"$(grep -c '^#define VY_CTL_FAULT_COUNT 141u' "$BUILD/gen/wire/wire.h")" -eq 1
check "the status enum is generated" \
	"$(grep -c 'VY_STATUS_WAIT_IO = 4,' "$BUILD/gen/wire/wire.h")" -eq 1
for k in megakernel stream; do
	check "the embedded $k kernel starts with the wire block" \
		"$(head -n 1 "$BUILD/gen/kernel_$k.cl")" = \
		"$(head -n 1 "$BUILD/gen/wire/wire.cl")"
	check "the $k kernel source follows the block at line 1" \
		"$(grep -n '^#line 1$' "$BUILD/gen/kernel_$k.cl" | cut -d: -f1)" -eq \
		"$(grep -c '' "$BUILD/gen/wire/wire.cl")"
done
