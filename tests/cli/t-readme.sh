# Every ```sh block of README.md runs as written: blocks run in order, in
# one scratch directory (as a user would run them from the repository root:
# tests/ and kernels/ are linked in), with build/ on PATH. The blocks at
# the top that show `make demo` / `make check` are ```console, not run here.
. tests/cli/lib.sh

mkdir -p "$T/w"
ln -s "$TOP/tests" "$T/w/tests"
ln -s "$TOP/kernels" "$T/w/kernels"
awk -v dir="$T" '
	/^```sh[ \t]*$/ { n++; f = sprintf("%s/block%02d.sh", dir, n); inb = 1; next }
	/^```/ && inb { inb = 0; close(f); next }
	inb { print > f }
' README.md
found=0
for b in "$T"/block*.sh; do
	[ -f "$b" ] || continue
	found=1
	name="README example $(basename "$b" .sh): $(grep -v '^#' "$b" | head -n 1 | cut -c1-60)"
	if (cd "$T/w" && timeout 300 sh -e "$b") >"$T/out" 2>&1; then
		ok "$name"
	else
		notok "$name" "$(tail -n 5 "$T/out")"
	fi
done
check "README.md has runnable examples" "$found" -eq 1
