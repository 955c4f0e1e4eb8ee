#!/bin/sh
# Run every tests/cli/t-*.sh, number their TAP lines, close with
# "N passed, N failed[, N skipped]". A script that exits non-zero without
# reporting a failure counts as one failure.
P=0 F=0 S=0 N=0
for t in tests/cli/t-*.sh; do
	[ -f "$t" ] || continue
	out=$(timeout -k 10 900 sh "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" >/tmp/vy-cli.$$
	# printf, not echo: dash's echo expands backslashes, so a name holding
	# "\n" would print as two lines.
	while IFS= read -r l; do
		case $l in
		"ok - "*"# SKIP"*) S=$((S + 1)); N=$((N + 1)); printf '%s\n' "ok $N ${l#ok }" ;;
		"ok - "*) P=$((P + 1)); N=$((N + 1)); printf '%s\n' "ok $N ${l#ok } [$t]" ;;
		"not ok - "*) F=$((F + 1)); N=$((N + 1)); printf '%s\n' "not ok $N ${l#not ok } [$t]" ;;
		*) printf '%s\n' "$l" ;;
		esac
	done </tmp/vy-cli.$$
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok' /tmp/vy-cli.$$; then
		F=$((F + 1)); N=$((N + 1))
		echo "not ok $N - $t exited $rc"
	fi
	rm -f /tmp/vy-cli.$$
done
if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
