#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/invoices.sh [INVOICES] [RUNS]: documents published per second: one
# `run --once` (RUNS times, 3) takes INVOICES shipment files (1000), one per
# confirmed order of two lines, with invoice_on = shipment, so each
# shipment's invoice (XML and PDF) is published in that run; invoices/s is
# the count of out/invoices/*.pdf over the run's wall time.  Prints each
# run's figure, and records it for bench/table.py.
set -euo pipefail
invoices=${1:-1000}
runs=${2:-3}
. "$(dirname "$0")/common.sh"

fig="invoices of $invoices shipments"
bench_figure "$fig" "invoices/s" "-" ">= 400"
printf 'quiet_period = 0\ninvoice_on = shipment\n' > "$work/sluice.conf"
python3 "$here/gen_orders.py" $((invoices * 2)) 2 > "$work/orders.csv"
"$sluice" -q --spool "$work/orders" init >/dev/null
cp "$work/orders.csv" "$work/orders/in/orders/orders.csv"
"$sluice" -q --config "$work/sluice.conf" --spool "$work/orders" run --once
mkdir "$work/shipments"
python3 "$here/gen_shipments.py" "$work/orders.csv" "$work/shipments"

for run in $(seq "$runs"); do
	rm -rf "$work/spool"
	cp -a "$work/orders" "$work/spool"
	cp "$work/shipments"/* "$work/spool/in/shipments/"
	/usr/bin/time -f '%e' -o "$work/t" "$sluice" -q --config "$work/sluice.conf" \
		--spool "$work/spool" run --once
	read -r sec < "$work/t"
	pdfs=$(find "$work/spool/out/invoices" -name '*.pdf' | wc -l)
	if [ "$pdfs" -ne "$invoices" ]; then
		echo "bench/invoices.sh: $pdfs invoices for $invoices shipments"
		exit 1
	fi
	rate=$(awk -v n="$pdfs" -v s="$sec" 'BEGIN { print n / (s > 0 ? s : 0.01) }')
	printf 'run %d: %d invoices in %.2f s: %.0f invoices/s\n' "$run" "$pdfs" "$sec" "$rate"
	bench_sample "$fig" sluice "$rate"
done
