#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/ingest.sh [LINES] [RUNS]: bulk CSV ingest, validated and applied, against
# the sqlite3 shell's raw .import of the same file (WAL, synchronous=FULL, as
# sluice's ledger), on a generated order file of LINES lines (1000000).
# Prints wall time and peak resident set of each run (GNU time), and fails
# when sluice's peak RSS reaches 64 MiB.  Run from a build: make bench.
set -euo pipefail
lines=${1:-1000000}
runs=${2:-3}
. "$(dirname "$0")/common.sh"

echo "generating $lines order lines ..."
python3 "$here/gen_orders.py" "$lines" > "$work/orders.csv"
size=$(stat -c %s "$work/orders.csv")
printf 'file: %d lines, %d MiB\n\n' "$lines" $((size / 1048576))
printf 'quiet_period = 0\n' > "$work/sluice.conf"

limit_kb=$((64 * 1024))
worst_kb=0
for run in $(seq "$runs"); do
	rm -rf "$work/spool" "$work/import.db"
	"$sluice" -q --spool "$work/spool" init
	cp "$work/orders.csv" "$work/spool/in/orders/orders.csv"
	/usr/bin/time -f '%e %M' -o "$work/t" "$sluice" -q --config "$work/sluice.conf" \
		--spool "$work/spool" run --once
	read -r s_sec s_kb < "$work/t"
	grep -q '<status>accepted</status>' "$work/spool/out/receipts/orders/orders.csv.receipt.xml"
	/usr/bin/time -f '%e %M' -o "$work/t" sqlite3 "$work/import.db" \
		-cmd 'PRAGMA journal_mode=WAL' -cmd 'PRAGMA synchronous=FULL' -cmd '.mode csv' \
		".import $work/orders.csv orders" >/dev/null
	read -r q_sec q_kb < "$work/t"
	awk -v r="$run" -v ss="$s_sec" -v sk="$s_kb" -v qs="$q_sec" -v qk="$q_kb" 'BEGIN {
		printf "run %d: sluice %6.2f s, peak RSS %5.1f MiB | sqlite3 .import %6.2f s, %5.1f MiB | ratio %.2f\n",
		    r, ss, sk / 1024, qs, qk / 1024, ss / qs }'
	[ "$s_kb" -gt "$worst_kb" ] && worst_kb=$s_kb
done
if [ "$worst_kb" -ge "$limit_kb" ]; then
	echo "FAIL: sluice's peak RSS $((worst_kb / 1024)) MiB is not under 64 MiB"
	exit 1
fi
echo "ok: sluice's peak RSS stayed under 64 MiB ($((worst_kb / 1024)) MiB)"
