#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""gen_shipments.py ORDERS_CSV FOLDER: writes into FOLDER one shipment file
per order of ORDERS_CSV (ship-0000001.csv upwards, by order number): one
shipment, by "Bench Post", of every line's whole quantity."""
import csv
import os
import sys

rows = csv.DictReader(open(sys.argv[1]))
lines = {}
for r in rows:
    lines.setdefault(r["order_number"], []).append((r["line_id"], r["quantity"]))
for i, (number, ls) in enumerate(sorted(lines.items()), 1):
    with open(os.path.join(sys.argv[2], "ship-%07d.csv" % i), "w") as f:
        f.write("shipment_id,order_number,carrier,shipped,line_id,quantity\r\n")
        for line_id, qty in ls:
            f.write("S-%s,%s,Bench Post,false,%s,%s\r\n" % (number, number, line_id, qty))
