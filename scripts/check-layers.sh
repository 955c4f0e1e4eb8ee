#!/bin/sh
# The one-way rules between the wings of common/ (common/README.md):
#   wire -> nothing; telemetry -> wire; policy -> wire, telemetry;
#   device -> wire; report -> all four.
# Every #include "WING/..." in common/WING2/ must be allowed; an include
# of a bare "name.h" (no wing) is refused too, so a rule cannot be dodged
# through the include path.  Prints each offending line as FILE:LINE: TEXT
# and ends "N passed, N failed" (one test per wing).
cd "${1:-.}" || exit 4
P=0 F=0
allowed() {
	case $1 in
	wire) echo "wire" ;;
	telemetry) echo "wire telemetry" ;;
	policy) echo "wire telemetry policy" ;;
	device) echo "wire device" ;;
	report) echo "wire telemetry policy device report" ;;
	esac
}
for wing in wire telemetry policy device report; do
	bad=0
	ok=$(allowed "$wing")
	for f in common/"$wing"/*.[ch] common/"$wing"/*.def; do
		[ -f "$f" ] || continue
		out=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			while IFS= read -r l; do
				inc=$(printf '%s\n' "$l" | sed -E 's/^[0-9]+:[^"]*"([^"]*)".*/\1/')
				case $inc in
				*/*) w=${inc%%/*} ;;
				*) w="" ;;
				esac
				good=0
				# a wing-private header beside the file is fine
				if [ -z "$w" ] && [ -f "common/$wing/$inc" ]; then
					good=1
				fi
				for a in $ok; do [ "$w" = "$a" ] && good=1; done
				[ $good -eq 1 ] || printf '%s:%s\n' "$f" "$l"
			done)
		if [ -n "$out" ]; then
			printf '%s\n' "$out" | sed 's/^/#   /'
			bad=1
		fi
	done
	if [ $bad -eq 0 ]; then
		echo "ok - layers: common/$wing includes only: $ok"
		P=$((P + 1))
	else
		echo "not ok - layers: common/$wing includes outside: $ok"
		F=$((F + 1))
	fi
done

# One prefix per wing: what a wing's headers declare (functions, struct,
# enum and union tags) starts with its prefix; wire owns plain vy_.
prefix() {
	case $1 in
	wire) echo "vy_" ;;
	telemetry) echo "vy_tel_" ;;
	policy) echo "vy_pol_" ;;
	device) echo "vy_dev_" ;;
	report) echo "vy_rep_" ;;
	esac
}
for wing in wire telemetry policy device report; do
	pre=$(prefix "$wing")
	bad=$(for h in common/"$wing"/*.h; do
		[ -f "$h" ] || continue
		{
			grep -nE '^[a-z_][a-z0-9_ *]*[ *](vy_[a-z0-9_]+)\(' "$h" |
				sed -E 's/^([0-9]+):.*[ *](vy_[a-z0-9_]+)\(.*/\1 \2/'
			grep -nE '^(static inline )?(struct|enum|union) vy_[a-z0-9_]+ *\{' "$h" |
				sed -E 's/^([0-9]+):.*(struct|enum|union) (vy_[a-z0-9_]+).*/\1 \3/'
		} | while read -r ln name; do
			case $wing:$name in
			wire:vy_tel_* | wire:vy_pol_* | wire:vy_dev_* | wire:vy_rep_*)
				echo "$h:$ln: $name" ;;
			wire:*) ;;
			*:"$pre"* | *:"${pre%_}") ;;
			*) echo "$h:$ln: $name" ;;
			esac
		done
	done)
	if [ -z "$bad" ]; then
		echo "ok - names: common/$wing declares only $pre*"
		P=$((P + 1))
	else
		printf '%s\n' "$bad" | sed 's/^/#   /'
		echo "not ok - names: common/$wing declares names outside $pre*"
		F=$((F + 1))
	fi
done
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
