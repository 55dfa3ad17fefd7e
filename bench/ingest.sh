#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/ingest.sh [LINES] [RUNS] [BIG_MB]: bulk CSV ingest, validated and
# applied by `run --once`, on a generated order file of LINES lines
# (1000000), RUNS times (3), against two baselines on the same file: the
# sqlite3 shell's raw .import (WAL, synchronous=FULL, as sluice's ledger)
# and bench/baseline_ingest.py, a plain Python script that checks every
# field and inserts the orders and their lines in one transaction.  Then
# sluice's peak resident set on a file of nearly BIG_MB MiB (1024), with
# max_file_size set to BIG_MB MiB.  Prints each run's wall time and peak
# resident set (GNU time), and records them for bench/table.py.
set -euo pipefail
lines=${1:-1000000}
runs=${2:-3}
big_mb=${3:-1024}
. "$(dirname "$0")/common.sh"

fig="ingest $lines lines"
bench_figure "$fig" "s" ".import" "<= 1.2x"
bench_figure "$fig vs Python" "s" "baseline_ingest.py" "<= 0.333x"
bench_figure "peak RSS, $fig" "MiB" "-" "<= 32"
bench_figure "peak RSS, ingest of a $big_mb MiB file" "MiB" "-" "<= 32"

# ingest FILE: `run --once` of FILE in a new spool; sets s_sec and s_kb
ingest() {
	rm -rf "$work/spool"
	"$sluice" -q --spool "$work/spool" init >/dev/null
	cp "$1" "$work/spool/in/orders/orders.csv"
	/usr/bin/time -f '%e %M' -o "$work/t" "$sluice" -q --config "$work/sluice.conf" \
		--spool "$work/spool" run --once
	read -r s_sec s_kb < "$work/t"
	grep -q '<status>accepted</status>' "$work/spool/out/receipts/orders/orders.csv.receipt.xml"
}

echo "generating $lines order lines ..."
python3 "$here/gen_orders.py" "$lines" > "$work/orders.csv"
size=$(stat -c %s "$work/orders.csv")
printf 'file: %d lines, %d MiB\n' "$lines" $((size / 1048576))
printf 'quiet_period = 0\nmax_file_size = %dMiB\n' "$big_mb" > "$work/sluice.conf"

for run in $(seq "$runs"); do
	ingest "$work/orders.csv"
	rm -f "$work/import.db" "$work/python.db"
	/usr/bin/time -f '%e %M' -o "$work/t" sqlite3 "$work/import.db" \
		-cmd 'PRAGMA journal_mode=WAL' -cmd 'PRAGMA synchronous=FULL' -cmd '.mode csv' \
		".import $work/orders.csv orders" >/dev/null
	read -r q_sec q_kb < "$work/t"
	/usr/bin/time -f '%e %M' -o "$work/t" python3 "$here/baseline_ingest.py" \
		"$work/orders.csv" "$work/python.db"
	read -r p_sec p_kb < "$work/t"
	awk -v r="$run" -v ss="$s_sec" -v sk="$s_kb" -v qs="$q_sec" -v qk="$q_kb" \
	    -v ps="$p_sec" -v pk="$p_kb" 'BEGIN {
		printf "run %d: sluice %6.2f s, peak RSS %5.1f MiB | sqlite3 .import %6.2f s, %5.1f MiB | Python %6.2f s, %5.1f MiB\n",
		    r, ss, sk / 1024, qs, qk / 1024, ps, pk / 1024 }'
	bench_sample "$fig" sluice "$s_sec"
	bench_sample "$fig" base "$q_sec"
	bench_sample "$fig vs Python" sluice "$s_sec"
	bench_sample "$fig vs Python" base "$p_sec"
	bench_sample "peak RSS, $fig" sluice "$(awk -v k="$s_kb" 'BEGIN { print k / 1024 }')"
done

echo "generating a file of nearly $big_mb MiB ..."
python3 "$here/gen_orders.py" --mib "$big_mb" > "$work/big.csv"
for run in $(seq "$runs"); do
	ingest "$work/big.csv"
	awk -v r="$run" -v ss="$s_sec" -v sk="$s_kb" -v n="$(stat -c %s "$work/big.csv")" 'BEGIN {
		printf "run %d: sluice, a file of %d bytes: %6.2f s, peak RSS %5.1f MiB\n",
		    r, n, ss, sk / 1024 }'
	bench_sample "peak RSS, ingest of a $big_mb MiB file" sluice \
		"$(awk -v k="$s_kb" 'BEGIN { print k / 1024 }')"
done
