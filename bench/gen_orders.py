#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""gen_orders.py LINES [LINES_PER_ORDER]: writes a valid order CSV of LINES
lines (plus the header) to stdout, LINES_PER_ORDER lines per order (4).
gen_orders.py --mib MIB: as many four-line orders as fit in MIB MiB.
Imported, orders() gives the rows of each order, to write under HEADER."""
import sys

HEADER = ("order_number,order_date,market,currency,prices_include_vat,email,first_name,"
          "last_name,billing_address1,billing_zip,billing_city,billing_country,shipping_method,"
          "shipping_price,shipping_vat_rate,payment_method,payment_reference,authorized_amount,"
          "grand_total,line_id,sku,ean,name,quantity,unit_price,discount,vat_rate\n")


def orders(lines, per=4):
    """Yields, for each order in turn, the list of its CSV rows: LINES
    rows in all, PER to an order, order numbers BN-00000001 upwards."""
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
        yield ["%s,%d,SKU-%05d,,Product %d,%d,%d.%02d,,25\n" %
               (head, line_id, (order + line_id) % 100000, line_id, qty, price // 100, price % 100)
               for line_id, qty, price in items]
        n += k


def main():
    out = sys.stdout
    out.write(HEADER)
    if sys.argv[1] == "--mib":
        # stop one order short of the size, so the file stays under it
        room = int(sys.argv[2]) * 1048576 - len(HEADER)
        for rows in orders(sys.maxsize):
            size = sum(len(r) for r in rows)
            if size > room:
                break
            out.writelines(rows)
            room -= size
        return
    lines = int(sys.argv[1])
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    for rows in orders(lines, per):
        out.writelines(rows)


if __name__ == "__main__":
    main()
