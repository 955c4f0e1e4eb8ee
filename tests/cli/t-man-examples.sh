# The EXAMPLES of every man page run as written. Each .EX/.EE (or .nf/.fi)
# block of the EXAMPLES section is unescaped and run with build/ on PATH in
# a scratch directory that holds the files the examples name (tests/ is
# linked in, as if run from the repository root).
. tests/cli/lib.sh

W=$T/w
mkdir -p "$W/data"
ln -s "$TOP/tests" "$W/tests"
cd "$W" || exit 1
# files the examples refer to
cp tests/data/sample.work work.txt
vyre-launch --snapshot run.vyrd --interval 1 work.txt >/dev/null 2>&1
printf '\052\000\000\000' >table.bin
printf 'load_miss 7\nfence\ndfa_step 0 0 1\n' >misses.work
printf 'ERROR x\nok\nFATAL y\nERROR z\n' | gzip >app.log.gz
printf 'one\ntwo\n' >a.txt
printf 'three\n' >b.txt
printf '{"queue_len":300,"requested_worker_groups":64,"max_workgroup_size_x":256,"max_compute_workgroups_per_dimension":64,"max_compute_invocations_per_workgroup":256}\n{"queue_len":12,"graph_node_count":400,"requested_worker_groups":64,"max_workgroup_size_x":256,"max_compute_workgroups_per_dimension":64,"max_compute_invocations_per_workgroup":256}\n' >requests.jsonl
printf hello >data/h.bin
head -c 5000 /dev/urandom >data/r.bin
[ -s run.vyrd ] || notok "fixture run.vyrd" "vyre-launch could not write it"

for m in "$TOP"/man/*.[0-9]; do
	page=$(basename "$m")
	awk -v dir="$T" -v page="$page" '
		/^\.SH / { inex = ($0 ~ /^\.SH EXAMPLES/); next }
		inex && /^\.(EX|nf)/ { n++; f = sprintf("%s/%s.ex%02d", dir, page, n); inb = 1; next }
		inex && /^\.(EE|fi)/ { if (inb) close(f); inb = 0; next }
		inb { print > f }
	' "$m"
	for b in "$T/$page".ex*; do
		[ -f "$b" ] || continue
		sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' \
		    -e 's/\\(rs/\\/g' -e 's/\\e/\\/g' -e 's/\\&//g' "$b" >"$b.sh"
		name="$page example $(basename "$b" | sed 's/.*\.ex//'): $(head -n 1 "$b.sh" | cut -c1-50)"
		if timeout -k 5 120 sh -e "$b.sh" >"$T/out" 2>&1; then
			ok "$name"
		else
			notok "$name" "$(tail -n 5 "$T/out")"
		fi
	done
done
