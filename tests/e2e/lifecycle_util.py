# SPDX-License-Identifier: ISC
"""Builders of lifecycle input files for the end-to-end tests: one CSV
per call, from keyword fields, in the shape the contract gives."""

ORDER_HEAD = ["order_number", "order_date", "market", "currency", "prices_include_vat", "status",
              "email", "billing_address1", "billing_zip", "billing_city", "billing_country",
              "shipping_price", "shipping_vat_rate", "payment_method", "payment_reference",
              "authorized_amount"]
ORDER_LINE = ["line_id", "sku", "name", "quantity", "unit_price", "discount", "vat_rate"]


def cell(v):
    v = str(v)
    if any(c in v for c in ',"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def csv(columns, rows):
    out = [",".join(columns)]
    for r in rows:
        out.append(",".join(cell(r.get(c, "")) for c in columns))
    return "\n".join(out) + "\n"


def order(number, currency, incl, authorized, lines, shipping="", shipping_rate="", status="",
          **extra):
    """lines: (line_id, quantity, unit_price, vat_rate[, discount]); extra: more fields of
    the head (order_date, market, delivery_country, ...), replacing those given here"""
    head = {"order_number": number, "order_date": "2026-11-26T09:00:00Z", "market": "M",
            "currency": currency, "prices_include_vat": "true" if incl else "false",
            "status": status, "email": "buyer@example.com", "billing_address1": "Street 1",
            "billing_zip": "11111", "billing_city": "City", "billing_country": "SE",
            "shipping_price": shipping, "shipping_vat_rate": shipping_rate, "payment_method": "card",
            "payment_reference": "PSP-" + number, "authorized_amount": authorized}
    head.update(extra)
    rows = []
    for ln in lines:
        row = dict(head, line_id=ln[0], sku="SKU-%s" % ln[0], name="Item %s" % ln[0],
                   quantity=ln[1], unit_price=ln[2], vat_rate=ln[3],
                   discount=ln[4] if len(ln) > 4 else "")
        rows.append(row)
    return csv(ORDER_HEAD + [c for c in extra if c not in ORDER_HEAD] + ORDER_LINE, rows)


def an_order(number):
    """Any order: one line, SEK 100.00 with VAT included, authorized."""
    return order(number, "SEK", True, "100.00", [(1, 1, "100.00", "25")])


def amendment(aid, number, lines=(), **head):
    cols = ["amendment_id", "order_number", "status", "hold", "delivery_address1", "delivery_zip",
            "delivery_city", "delivery_country", "reissue_link", "comment"] + ORDER_LINE
    base = dict(head, amendment_id=aid, order_number=number)
    rows = [dict(base, line_id=l[0], sku="SKU-%s" % l[0], name="Item %s" % l[0], quantity=l[1],
                 unit_price=l[2], vat_rate=l[3]) for l in lines] or [base]
    return csv(cols, rows)


def an_amendment(aid, number):
    """Any amendment: a new delivery address."""
    return amendment(aid, number, delivery_address1="New Street 2", delivery_zip="22222",
                     delivery_city="Town", delivery_country="SE")


def cancellation(cid, number, lines=(), whole=False):
    cols = ["cancellation_id", "order_number", "whole_order", "reason", "line_id", "quantity"]
    base = {"cancellation_id": cid, "order_number": number, "whole_order": "true" if whole else "",
            "reason": "customer asked"}
    rows = [dict(base, line_id=l, quantity=q) for l, q in lines] or [base]
    return csv(cols, rows)


def shipment(sid, number, lines, shipped=False, **head):
    cols = ["shipment_id", "order_number", "carrier", "service", "tracking", "shipped", "shipped_at",
            "line_id", "quantity"]
    base = dict(head, shipment_id=sid, order_number=number, shipped="true" if shipped else "")
    return csv(cols, [dict(base, line_id=l, quantity=q) for l, q in lines])


def payment(eid, number, kind, amount, currency, request_id="", status="success"):
    cols = ["event_id", "order_number", "type", "request_id", "status", "amount", "currency",
            "psp_reference", "occurred_at"]
    return csv(cols, [{"event_id": eid, "order_number": number, "type": kind,
                       "request_id": request_id, "status": status, "amount": amount,
                       "currency": currency, "psp_reference": "PSP-" + eid,
                       "occurred_at": "2026-11-27T10:00:00Z"}])


def ret(rid, number, sid, lines, refund_shipping=False, fee=""):
    cols = ["return_id", "order_number", "shipment_id", "reason", "restock", "refund_shipping",
            "return_fee", "line_id", "quantity"]
    base = {"return_id": rid, "order_number": number, "shipment_id": sid, "reason": "too small",
            "refund_shipping": "true" if refund_shipping else "", "return_fee": fee}
    return csv(cols, [dict(base, line_id=l, quantity=q) for l, q in lines])
