#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/bulk.sh [ORDERS]: `sluice bulk ship --all` over ORDERS confirmed orders
# (100000, two lines each), against ingesting the equivalent files: the same
# shipments, one file per order, dropped into in/shipments/ of a copy of the
# same spool and processed by `run --once`.  Both write the same inputs'
# receipts, pro-formas and capture requests.  Prints wall time and peak
# resident set of each (GNU time), and fails when the job's peak RSS reaches
# 64 MiB or an order was not shipped.  Run from a build: make bench.
set -euo pipefail
orders=${1:-100000}
. "$(dirname "$0")/common.sh"

echo "bulk ship: $orders orders of two lines each ..."
printf 'quiet_period = 0\n' > "$work/sluice.conf"
python3 "$here/gen_orders.py" $((orders * 2)) 2 > "$work/orders.csv"
"$sluice" -q --spool "$work/job" init
cp "$work/orders.csv" "$work/job/in/orders/orders.csv"
"$sluice" -q --config "$work/sluice.conf" --spool "$work/job" run --once
cp -a "$work/job" "$work/files"
# the shipments the job writes, as files of their own
python3 "$here/gen_shipments.py" "$work/orders.csv" "$work/files/in/shipments"

/usr/bin/time -f '%e %M' -o "$work/t" "$sluice" -q --config "$work/sluice.conf" \
	--spool "$work/job" bulk ship --all --carrier "Bench Post" > "$work/job.out"
read -r b_sec b_kb < "$work/t"
tail -1 "$work/job.out"
/usr/bin/time -f '%e %M' -o "$work/t" "$sluice" -q --config "$work/sluice.conf" \
	--spool "$work/files" run --once
read -r f_sec f_kb < "$work/t"
awk -v n="$orders" -v bs="$b_sec" -v bk="$b_kb" -v fs="$f_sec" -v fk="$f_kb" 'BEGIN {
	printf "bulk ship %d orders %7.2f s (%6.0f orders/s), peak RSS %5.1f MiB | %d shipment files run --once %7.2f s, %5.1f MiB | ratio %.2f\n",
	    n, bs, n / bs, bk / 1024, n, fs, fk / 1024, bs / fs }'
shipped=$(sqlite3 "$work/job/ledger.db" "SELECT count(*) FROM orders WHERE status = 'processing'")
if [ "$shipped" -ne "$orders" ]; then
	echo "FAIL: $shipped of $orders orders were shipped"
	exit 1
fi
if [ "$b_kb" -ge $((64 * 1024)) ]; then
	echo "FAIL: the job's peak RSS $((b_kb / 1024)) MiB is not under 64 MiB"
	exit 1
fi
echo "ok: every order shipped; the job's peak RSS stayed under 64 MiB ($((b_kb / 1024)) MiB)"
