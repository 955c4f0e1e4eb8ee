# LOAD_MISS through the io_uring reader: vyre-launch --resource loads go
# through vy_read_range (common/uring.c); a resource that cannot be read
# completes the IO request with ERROR and the slot ends FAULT.
. tests/cli/lib.sh

if ! have_device; then
	skip "LOAD_MISS through io_uring" "no OpenCL device"
	exit 0
fi
word() { od -An -tu4 -j $(($2 * 4)) -N4 "$1" | tr -d ' '; }

# a resource larger than one read, so the reader's loop is exercised
awk 'BEGIN { printf "%c%c%c%c", 7, 0, 0, 0; for (i = 0; i < 70000; i++) printf "x" }' >"$T/res5.bin"
printf 'load_miss 5\nfence\ndfa_step 0 0 1\n' >"$T/ok.work"
expect_rc "LOAD_MISS served from a file" 0 \
	vyre-launch -j --resource 5="$T/res5.bin" --dump-dir "$T/d1" "$T/ok.work"
contains "no IO errors" "$OUT" '"io_errors": 0'
check "the loaded word reached the data buffer" "$(word "$T/d1/control.bin" 161)" = 7

printf 'load_miss 6\n' >"$T/bad.work"
# a directory opens but every read fails (EISDIR): ERROR, then FAULT
expect_rc "LOAD_MISS whose read fails still ends the run" 0 \
	vyre-launch -j --resource 6="$T" "$T/bad.work"
contains "failed read: ERROR answer" "$OUT" '"io_errors": 1'
contains "failed read: the slot faults" "$OUT" '"items_faulted": 1'
