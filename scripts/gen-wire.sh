#!/bin/sh
# gen-wire.sh h|cl|names TABLE: turn common/wire/wire.def (format in
# common/README.md) into
#   h      the C header the host includes as "wire/wire.h",
#   cl     the #define block the build puts in front of every kernel,
#   names  the constant names, one a line (for scripts/check-wire.sh).
# Writes to stdout; a malformed table is an error (exit 1, FILE:LINE on
# stderr), so a typo never reaches a kernel.
mode=$1 table=$2
case $mode in h | cl | names) ;; *)
	echo "usage: gen-wire.sh h|cl|names TABLE" >&2
	exit 2 ;;
esac
[ -r "$table" ] || { echo "gen-wire.sh: $table: cannot read" >&2; exit 1; }

exec awk -v mode="$mode" -v table="$table" '
function fail(msg) {
	printf "%s:%d: %s\n", table, NR, msg > "/dev/stderr"
	bad = 1
	exit 1
}
function out(s) { if (mode != "names") print s }
BEGIN {
	if (mode == "h") {
		out("/* Generated from " table " by scripts/gen-wire.sh: do not edit. */")
		out("#ifndef VY_WIRE_H")
		out("#define VY_WIRE_H")
	} else if (mode == "cl") {
		out("/* Wire constants, generated from " table " by scripts/gen-wire.sh. */")
	}
}
{
	line = $0
	comment = ""
	if (line ~ /^##/) {
		sub(/^##[ \t]*/, "", line)
		out("")
		out("/* " line " */")
		next
	}
	if (line ~ /^[ \t]*#/ || line ~ /^[ \t]*$/)
		next
	i = index(line, "#")
	if (i) {
		comment = substr(line, i + 1)
		sub(/^[ \t]+/, "", comment)
		line = substr(line, 1, i - 1)
	}
	sub(/[ \t]+$/, "", line)
	n = split(line, f, /[ \t]+/)
	if (f[1] == "")
		fail("a line must not start with blanks")
	if (f[1] == "enum") {
		if (n != 2 || f[2] !~ /^vy_[a-z0-9_]+$/)
			fail("want: enum vy_name")
		if (in_enum)
			fail("enum inside enum")
		in_enum = 1
		out("")
		if (mode == "h")
			out("enum " f[2] " {")
		next
	}
	if (f[1] == "end") {
		if (n != 1 || !in_enum)
			fail("end without enum")
		in_enum = 0
		if (mode == "h")
			out("};")
		next
	}
	if (n != 2)
		fail("want: NAME VALUE [# comment]")
	name = f[1]
	val = f[2]
	if (name !~ /^VY_[A-Z0-9_]+$/)
		fail("name " name " is not VY_[A-Z0-9_]+")
	if (val !~ /^(0x[0-9A-Fa-f]+|[0-9]+)$/)
		fail("value " val " of " name " is not a decimal or 0x number")
	if (length(val) > 10 || (val !~ /^0x/ && length(val) == 10 && val > "4294967295"))
		fail("value " val " of " name " does not fit a u32")
	if (name in seen)
		fail(name " defined twice (line " seen[name] ")")
	seen[name] = NR
	if (mode == "names") {
		print name
		next
	}
	c = comment == "" ? "" : "\t/* " comment " */"
	if (in_enum && mode == "h")
		out("\t" name " = " val "," c)
	else
		out("#define " name " " val "u" c)
}
END {
	if (bad)
		exit 1
	if (in_enum) {
		NR = NR + 1
		fail("enum without end")
	}
	if (mode == "h") {
		out("")
		out("#endif")
	} else if (mode == "cl") {
		# The kernel source follows: its line numbers in build logs.
		out("#line 1")
	}
}
' "$table"
