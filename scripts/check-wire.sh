#!/bin/sh
# check-wire.sh [ROOT]: the wire constants have one definition,
# common/wire/wire.def (common/README.md, "The wire table").  Fails when
# the table does not parse, or when a kernel (kernels/*.cl) or any C file
# under common/, bin/, tools/ or tests/ #defines a name from the table:
# such a copy could silently disagree with the generated header and the
# kernels' block.  Prints each offending line as FILE:LINE: TEXT and ends
# "N passed, N failed".
cd "${1:-.}" || exit 4
P=0 F=0
table=common/wire/wire.def

if names=$(sh scripts/gen-wire.sh names "$table"); then
	echo "ok - wire: $table parses ($(printf '%s\n' "$names" | wc -l | tr -d ' ') constants)"
	P=$((P + 1))
else
	echo "not ok - wire: $table does not parse"
	echo "0 passed, 1 failed"
	exit 1
fi

re=$(printf '%s\n' "$names" | paste -s -d '|' -)
# kernels first, then every C source and header outside the build
bad=$(find kernels common bin tools tests -type f \
	\( -name '*.cl' -o -name '*.c' -o -name '*.h' \) 2>/dev/null |
	sort | while IFS= read -r f; do
		grep -nE "^[[:space:]]*#[[:space:]]*define[[:space:]]+($re)([^A-Za-z0-9_]|\$)" "$f" |
			sed "s|^|$f:|"
	done)
if [ -z "$bad" ]; then
	echo "ok - wire: no kernel or C file defines a constant of $table"
	P=$((P + 1))
else
	printf '%s\n' "$bad" | sed 's/^/#   /'
	echo "not ok - wire: constants of $table defined again (use the table)"
	F=$((F + 1))
fi
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
