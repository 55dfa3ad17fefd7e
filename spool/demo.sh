#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# spool/demo.sh: build sluice (installing what it needs on Debian 12), make
# a spool in a temporary folder, drop the example files into it, process
# them, and show what became of each file and the orders in the ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
./bootstrap.sh
sluice=$PWD/build/sluice
examples=$PWD/spool/examples
demo=$(mktemp -d "${TMPDIR:-/tmp}/sluice-demo.XXXXXX")
spool=$demo/spool
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "sluice init: a new spool in $spool"
"$sluice" --spool "$spool" init

say "sluice submit: the example orders (two files) and a broken one"
"$sluice" --spool "$spool" submit orders "$examples/orders.csv" "$examples/orders.xml" \
	"$examples/orders-broken.csv"

say "sluice run --once"
"$sluice" --spool "$spool" run --once

for r in "$spool"/out/receipts/*/*.receipt.xml; do
	say "receipt: ${r#"$spool"/}"
	cat "$r"
done

say "where the input files went"
(cd "$spool" && find archive rejected -type f | sort)

say "sluice order show SL-1004"
"$sluice" --spool "$spool" order show SL-1004

say "sluice order show SL-1004 --json"
"$sluice" --spool "$spool" order show SL-1004 --json

say "the lifecycle: an amendment, a shipment, its capture, a return, a cancellation"
say "(a return arriving before its shipment waits: deferred, then applied)"
"$sluice" --spool "$spool" submit returns "$examples/returns.csv"
"$sluice" --spool "$spool" run --once
grep -E '<status>|<code>' "$spool/out/receipts/returns/returns.csv.receipt.xml"
"$sluice" --spool "$spool" submit amendments "$examples/amendments.csv"
"$sluice" --spool "$spool" submit shipments "$examples/shipments.csv"
"$sluice" --spool "$spool" submit cancellations "$examples/cancellations.xml"
"$sluice" --spool "$spool" run --once
"$sluice" --spool "$spool" submit payments "$examples/payments.xml"
"$sluice" --spool "$spool" submit shipments "$examples/shipments-shipped.xml"
"$sluice" --spool "$spool" run --once
for r in returns/returns.csv amendments/amendments.csv shipments/shipments.csv \
	cancellations/cancellations.xml payments/payments.xml shipments/shipments-shipped.xml; do
	printf '%-34s %s\n' "$r" "$(sed -n 's:.*<status>\(.*\)</status>.*:\1:p' "$spool/out/receipts/$r.receipt.xml")"
done

for number in SL-1001 SL-1002 SL-1003; do
	say "sluice order show $number"
	"$sluice" --spool "$spool" order show "$number"
done

say "the same file again is a duplicate"
"$sluice" --spool "$spool" submit orders "$examples/orders.csv"
"$sluice" --spool "$spool" run --once
grep '<status>' "$spool/out/receipts/orders/orders.csv.receipt.xml"

say "sluice status"
"$sluice" --spool "$spool" status

say "sluice audit: the ledger recomputed from its journal"
"$sluice" --spool "$spool" audit
echo
echo "The spool stays in $demo for you to look around; remove it when done."
