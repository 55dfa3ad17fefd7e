#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""gen_orders.py LINES [LINES_PER_ORDER]: writes a valid order CSV of LINES
lines (plus the header) to stdout, LINES_PER_ORDER lines per order (4)."""
import sys

lines = int(sys.argv[1])
per = int(sys.argv[2]) if len(sys.argv) > 2 else 4
out = sys.stdout
out.write("order_number,order_date,market,currency,prices_include_vat,email,first_name,"
          "last_name,billing_address1,billing_zip,billing_city,billing_country,shipping_method,"
          "shipping_price,shipping_vat_rate,payment_method,payment_reference,authorized_amount,"
          "grand_total,line_id,sku,ean,name,quantity,unit_price,discount,vat_rate\n")
n = 0
order = 0
while n < lines:
    order += 1
    k = min(per, lines - n)
    # each line: qty 1-3 x price; prices include VAT, so the total is the sum of grosses
    items = []
    total = 4900
    for j in range(k):
        qty = 1 + (order + j) % 3
        price = 1000 + ((order * 7 + j * 13) % 90000)
        items.append((j + 1, qty, price))
        total += qty * price
    head = ("BN-%08d,2026-11-26T10:%02d:00Z,SE,SEK,true,buyer%d@example.com,Ada,Lindqvist,"
            "Storgatan %d,11151,Stockholm,SE,standard,49.00,25,card,PSP-%d,%d.%02d,%d.%02d" %
            (order, order % 60, order, order % 100, order, total // 100, total % 100,
             total // 100, total % 100))
    for line_id, qty, price in items:
        out.write("%s,%d,SKU-%05d,,Product %d,%d,%d.%02d,,25\n" %
                  (head, line_id, (order + line_id) % 100000, line_id, qty, price // 100, price % 100))
    n += k
