# Sourced by every CLI test (tests/cli/t-*.sh). Each check prints one TAP
# line: "ok - NAME", "not ok - NAME" or "ok - NAME # SKIP why".
# Variables: BUILD (binaries), SHARED, T (a fresh temp dir per script),
# OUT/ERR/RC (after run).
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PATH=$BUILD:$PATH
export PATH
TOP=$PWD
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
OUT=$T/.out
ERR=$T/.err
RC=0

# A name or detail with a newline must not leak raw lines into the TAP
# stream: names are folded to one line, every detail line starts "#   ".
oneline() { printf '%s' "$1" | tr '\n' ' '; }
ok() { printf 'ok - %s\n' "$(oneline "$1")"; }
notok() {
	printf 'not ok - %s\n' "$(oneline "$1")"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
skip() { printf 'ok - %s # SKIP %s\n' "$(oneline "$1")" "$(oneline "$2")"; }

# run CMD...: run with a 120 s bound; stdout -> $OUT, stderr -> $ERR.
run() {
	timeout -k 10 120 "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_rc NAME WANT CMD...: run and check the exit status.
expect_rc() {
	_n=$1 _w=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$_w" ]; then
		ok "$_n"
	else
		notok "$_n" "exit $RC, want $_w: $*" "stderr: $(head -c 400 "$ERR")"
	fi
}

# check NAME TEST-ARGS...: ok when `test ARGS` holds.
check() {
	_n=$1
	shift
	if test "$@"; then ok "$_n"; else notok "$_n" "test $*"; fi
}

# contains NAME FILE TEXT: ok when FILE contains TEXT (fixed string).
contains() {
	if grep -q -F -- "$3" "$2"; then
		ok "$1"
	else
		notok "$1" "$2 lacks: $3" "it has: $(head -c 400 "$2")"
	fi
}

# golden NAME FILE GOLDEN: compare FILE with tests/cli/golden/GOLDEN;
# UPDATE_GOLDEN=1 rewrites the golden file instead.
golden() {
	_g=$TOP/tests/cli/golden/$3
	if [ -n "$UPDATE_GOLDEN" ]; then
		mkdir -p "$TOP/tests/cli/golden"
		cp "$2" "$_g"
		ok "$1 (golden updated)"
	elif [ -f "$_g" ] && cmp -s "$2" "$_g"; then
		ok "$1"
	else
		notok "$1" "differs from golden/$3:" \
			"$(diff "$_g" "$2" 2>&1 | head -n 10)"
	fi
}

# have_device: 0 when an OpenCL device can be opened (vyre-launch knows).
have_device() {
	[ -x "$BUILD/vyre-launch" ] || return 1
	timeout 60 "$BUILD/vyre-launch" --list-devices >/dev/null 2>&1
}
