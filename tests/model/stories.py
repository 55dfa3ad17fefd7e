# SPDX-License-Identifier: ISC
"""Random stories against sluice: from a seed, a deterministic sequence of
steps, each a few input files of any kind (valid or broken, in order or
early, sent again or changed), or an operator's command, or time passing.

The generator reads the model for what exists, and sluice's own output
(out/captures, out/links) for the requests and links to answer, as a PSP
would.  Every input is given as records so that the model can take it.
"""
import copy
import xml.etree.ElementTree as ET
import os
import random
import time

from fields import KINDS
from formats import to_csv, to_xml
from model import Input, Record, iso
from money import DIGITS, fmt_money, fmt_rate, line_amounts, parse_money, parse_rate, part

CURRENCIES = ["SEK", "EUR", "JPY", "KWD", "SEK", "EUR", "USD"]
RATES = [2500, 1200, 600, 0, 1900, 775, 1250, 1000, 500, 2500]
NAMES = ["Shirt", "Tröja", "Åsa's scarf", "葵の傘", "Zoë & co <boots>", "Mug, large", 'Poster "B"',
         "Cap"]
T0 = 1795687200            # 2026-11-26T10:00:00Z


class Step:
    def __init__(self, n, clock):
        self.n, self.clock = n, clock
        self.inputs = []          # Input
        self.commands = []        # ("archive", number)
        self.what = []            # what the step does, for people


def add_input(step, kind, data, recs, note, fmt, name=None):
    """Adds to step the Input of a file (data, its records recs), named
    uniquely unless name is given; returns it."""
    if name is None:
        name = "%03d-%d-%s.%s" % (step.n, len(step.inputs), kind, fmt)
    inp = Input(kind, name, data, recs, step.clock, note)
    step.inputs.append(inp)
    step.what.append("%s: %s" % (name, note))
    return inp


class Script:
    """A story written out, for run_stories.story() as a Generator's is:
    plan(script, model) yields its Steps, each when the step before it is
    done, so that it may read sluice's output (script.root) as a PSP
    would; a failing story is reported as seed NAME."""

    def __init__(self, name, plan, config=None):
        self.seed, self.plan = name, plan
        self.config = dict(config or {})
        self.root = None
        self.n = 0
        self.sent = []            # Inputs accepted or duplicate so far (filled by runner)

    def steps(self, model):
        return self.plan(self, model)

    def add(self, step, kind, records, note, fmt="csv"):
        """Adds to step an Input of records ({head}, [{line}]) in CSV or XML."""
        data, recs = to_csv(kind, records) if fmt == "csv" else to_xml(kind, records)
        return add_input(step, kind, data, recs, note, fmt)

    def order(self, step, number, cur, incl, lines, **head):
        """Adds to step an order (CSV when prices include VAT, else XML)
        paid by card, of lines (line_id, quantity, unit_price, vat_rate,
        discount or ""), with the further header fields head."""
        h = dict({"order_number": number, "order_date": "2026-11-26T09:00:00Z", "market": "M1",
                  "currency": cur, "prices_include_vat": "true" if incl else "false",
                  "email": "buyer@example.com", "billing_address1": "Street 1",
                  "billing_zip": "11111", "billing_city": "City", "billing_country": "SE",
                  "payment_method": "card", "payment_reference": "PSP-" + number}, **head)
        recs = [dict({"line_id": str(lid), "sku": "SKU-%d" % lid, "name": "Item %d" % lid,
                      "quantity": str(q), "unit_price": p, "vat_rate": r},
                     **({"discount": d} if d else {})) for lid, q, p, r, d in lines]
        return self.add(step, "orders", [(h, recs)], "order %s" % number,
                        "csv" if incl else "xml")

    def ship(self, step, sid, number, lines):
        """Adds to step a shipment, shipped, of lines (line_id, quantity)."""
        return self.add(step, "shipments", [({"shipment_id": sid, "order_number": number,
                                              "shipped": "true"},
                                             [{"line_id": str(lid), "quantity": str(q)}
                                              for lid, q in lines])], "ship " + sid)

    def ret(self, step, rid, number, sid, lines, **head):
        """Adds to step a return of shipment sid's lines (line_id,
        quantity), with the further header fields head."""
        return self.add(step, "returns", [(dict({"return_id": rid, "order_number": number,
                                                 "shipment_id": sid}, **head),
                                           [{"line_id": str(lid), "quantity": str(q)}
                                            for lid, q in lines])], "return " + rid)

    def step(self):
        """The next Step, an hour after the one before."""
        self.n += 1
        return Step(self.n, T0 + 3600 * self.n)

    def paid(self, step, model, request_id):
        """Adds to step the PSP's success for a request that the model says
        sluice made (as a PSP would answer it)."""
        r = model.requests[request_id]
        cur = model.orders[r["order"]].currency
        self.add(step, "payments", [({
            "event_id": "EV-" + request_id, "order_number": r["order"], "type": r["type"],
            "request_id": request_id, "status": "success", "currency": cur,
            "amount": fmt_money(r["amount"], cur), "occurred_at": "2026-11-28T12:00:00Z"},
            [])], "%s paid" % request_id)


class Generator:
    def __init__(self, seed, spool_root=None):
        self.rng = random.Random(seed)
        self.seed = seed
        self.root = spool_root
        self.clock = T0
        self.n = 0
        self.serial = 0
        self.future = []          # (kind, records, note) to send at a later step
        self.sent = []            # Inputs accepted or duplicate so far (filled by runner)
        self.hostile = self.rng.random() < 0.3
        # the spool's configuration, drawn apart so that it leaves the
        # stories' draws as they are
        pick = random.Random(seed * 7919 + 1).random()
        self.config = {} if pick < 0.6 else \
            {"invoice_on": "shipment"} if pick < 0.75 else \
            {"capture_on": "shipped"} if pick < 0.9 else {"capture_on": "manual"}
        # a short link_ttl in some stories, so that links expire within them
        ttl = random.Random(seed * 7919 + 2)
        if ttl.random() < 0.4:
            self.config["link_ttl"] = ttl.choice(["2h", "2h", "3h", "90m", "1d"])

    def steps(self, model):
        """The story's steps, each planned from the model's state when the
        step before it is done (run_stories.story())."""
        while True:
            yield self.next_step(model)

    # ------------------------------------------------------------ helpers

    def uid(self, prefix):
        self.serial += 1
        return "%s%d-%d" % (prefix, self.seed % 1000, self.serial)

    def money(self, v, cur):
        return fmt_money(v, cur)

    def price(self, cur):
        d = DIGITS[cur]
        r = self.rng.random()
        if r < 0.1:
            return self.rng.randint(1, 9) * 10 ** d
        if d == 0:
            return self.rng.randint(1, 30000)
        if d == 3:
            return self.rng.randint(1, 60000)
        return self.rng.randint(1, 300000)

    def make_input(self, step, kind, records, note, name=None, fmt=None):
        """An Input of the records in CSV or XML (random), named uniquely."""
        fmt = fmt or self.rng.choice(["csv", "csv", "xml"])
        if fmt == "csv":
            data, recs = to_csv(kind, records, self.rng if self.rng.random() < 0.5 else None)
        else:
            data, recs = to_xml(kind, records, self.rng.choice(["", "", "s", "ns1"]))
        return add_input(step, kind, data, recs, note, fmt, name)

    # ------------------------------------------------------------ records

    def order_record(self, model, number=None, cur=None, status=None):
        cur = cur or self.rng.choice(CURRENCIES)
        incl = self.rng.random() < 0.6
        number = number or self.uid("O")
        nlines = self.rng.randint(1, 4)
        lines = []
        gross_total = 0
        for i in range(nlines):
            q = self.rng.randint(1, 5)
            p = self.price(cur)
            d = self.rng.randint(0, q * p) if self.rng.random() < 0.25 else 0
            r = self.rng.choice(RATES)
            ln = {"line_id": str(i + 1 if self.rng.random() < 0.7 else self.rng.randint(1, 1000) * 10 + i),
                  "sku": "SKU-%d" % self.rng.randint(1, 99), "name": self.rng.choice(NAMES),
                  "quantity": str(q), "unit_price": fmt_money(p, cur), "vat_rate": fmt_rate(r)}
            if d:
                ln["discount"] = fmt_money(d, cur)
            if self.rng.random() < 0.2:
                ln["ean"] = "4006381333931"
            if self.rng.random() < 0.3:
                ln["hs_code"] = "621410"
                ln["country_of_origin"] = "PT"
                ln["weight_grams"] = str(self.rng.randint(0, 5000))
            lines.append(ln)
        # a voucher on some orders (one beyond the lines' gross on a few),
        # spread over the lines as DOMAIN says, for the total sent
        grosses = {int(ln["line_id"]): int(ln["quantity"]) * parse_money(ln["unit_price"], cur) -
                   (parse_money(ln["discount"], cur) if "discount" in ln else 0) for ln in lines}
        voucher = 0
        if self.rng.random() < 0.2 and len(grosses) == len(lines):
            voucher = self.rng.randint(0, sum(grosses.values()) + (1 if self.rng.random() < 0.1 else 0))
        for ln in lines:
            lid = int(ln["line_id"])
            cum = sum(g for k, g in grosses.items() if k <= lid)
            share = part(voucher, cum, sum(grosses.values())) - \
                part(voucher, cum - grosses[lid], sum(grosses.values())) if voucher else 0
            gross_total += line_amounts(grosses[lid] - share, parse_rate(ln["vat_rate"]), incl)[0]
        h = {"order_number": number, "order_date": "2026-11-26T09:00:00Z", "market": "M1",
             "currency": cur, "email": "buyer@example.com", "billing_address1": "Street 1",
             "billing_zip": "11111", "billing_city": "City", "billing_country": "SE",
             "payment_method": "card", "payment_reference": "PSP-" + number}
        if self.rng.random() < 0.5 or not incl:
            h["prices_include_vat"] = "true" if incl else "false"
        if status or self.rng.random() < 0.15:
            h["status"] = status or "pending"
        if self.rng.random() < 0.5:
            sp = self.price(cur) // 10
            sr = self.rng.choice(RATES)
            h["shipping_price"] = fmt_money(sp, cur)
            h["shipping_vat_rate"] = fmt_rate(sr)
            gross_total += line_amounts(sp, sr, incl)[0]
        if self.rng.random() < 0.2:
            h.update(delivery_address1="Other 2", delivery_zip="22222", delivery_city="Lund",
                     delivery_country="SE")
        if self.rng.random() < 0.15:
            # addresses that need a state (a missing or wrong one:
            # test_order_fields.py)
            h.update(billing_country="US", billing_state=self.rng.choice(["CA", "DC", "PR"]))
            if "delivery_country" in h:
                h.update(delivery_country="AU", delivery_state=self.rng.choice(["NSW", "ACT"]))
        for field, values in (("language", ["en", "sv", "de"]),
                              ("delivery_date", ["2026-12-01T00:00:00Z"]),
                              ("internal_comment", ["VIP\ncall first"])):
            if self.rng.random() < 0.1:
                h[field] = self.rng.choice(values)
        if voucher or (self.rng.random() < 0.05):
            h["voucher_value"] = fmt_money(voucher, cur)
            if self.rng.random() < 0.8:
                h["voucher_code"] = self.rng.choice(["SUMMER10", "VIP-2026", "ÅRETS"])
        if self.rng.random() < 0.2:
            h["first_name"] = self.rng.choice(["Åsa", "葵", "Noor"])
        r = self.rng.random()
        if r < 0.25:
            # created in the back office: nothing authorized, paid by its link
            del h["payment_method"], h["payment_reference"]
            if self.rng.random() < 0.3:
                h["authorized_amount"] = fmt_money(0, cur)
            if self.rng.random() < 0.4:
                h["payment_method"] = "link"
        elif r < 0.35 and gross_total > 1:
            # partly authorized
            h["authorized_amount"] = fmt_money(self.rng.randint(1, gross_total - 1), cur)
        else:
            extra = 0 if self.rng.random() < 0.6 else self.rng.randint(0, gross_total)
            h["authorized_amount"] = fmt_money(min(gross_total + extra, 999999999999), cur)
        if "authorized_amount" in h and self.rng.random() < 0.3:
            # paid at checkout (Swish, a card captured at once): all of
            # the authorization, or part of it
            authorized = parse_money(h["authorized_amount"], cur)
            captured = authorized if self.rng.random() < 0.6 else self.rng.randint(0, authorized)
            h["captured_amount"] = fmt_money(captured, cur)
            if captured or self.rng.random() < 0.5:
                h["capture_reference"] = "CHK-" + number
        if self.rng.random() < 0.4:
            h["grand_total"] = fmt_money(gross_total, cur)
        self.last_total = gross_total
        return h, lines

    # ------------------------------------------------------------ mutations

    BAD = {
        "id": ["bad id!", "-x", "x" * 65],
        "money": ["12.3456", "-5.00", "abc", "1e5", "99999999999999"],
        "rate": ["101", "7.755", "x"],
        "qty": ["0", "100001", "1.5"],
        "int": ["0", "abc"],
        "bool": ["yes", "1"],
        "date": ["2026-13-01T00:00:00Z", "2026-11-26", "2026-11-26T10:00:00"],
        "country": ["SWE", "se"],
        "currency": ["XYZ"],
        "email": ["no-at-sign", "a@b@c", "a b@c"],
        "ean": ["4006381333932"],
        "enum": ["maybe"],
        "text": ["x" * 2100],
        "ref": ["bad id!"],
    }

    def mutate(self, kind, h, lines):
        """Changes one field to a bad value (or empties a required one)."""
        _, head, lfields = KINDS[kind]
        where = [("h", n, t, r) for n, r, t in head if n in h]
        for i, ln in enumerate(lines):
            where += [(i, n, t, r) for n, r, t in lfields if n in ln]
        where = [w for w in where if w[2][0] not in ("hs",) and not
                 (w[2][0] == "currency")]
        at, n, t, req = self.rng.choice(where)
        target = h if at == "h" else lines[at]
        if req and self.rng.random() < 0.15:
            target[n] = ""
            return "%s empty" % n
        bad = self.rng.choice(self.BAD[t[0]])
        if t[0] == "text":
            bad = "x" * (t[1] + 1)
        if t[0] == "money" and bad == "12.3456" and DIGITS.get(h.get("currency"), 2) == 4:
            bad = "1"
        target[n] = bad
        return "%s=%r" % (n, bad[:20])

    # ------------------------------------------------------------ reading sluice's output

    def read_out(self, folder):
        """{stem: {element: text}} of the XML documents in out/FOLDER."""
        found = {}
        d = os.path.join(self.root, "out", folder)
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if f.endswith(".xml"):
                try:
                    root = ET.parse(os.path.join(d, f)).getroot()
                except ET.ParseError:
                    continue
                found[f[:-4]] = {c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in root}
        return found

    # ------------------------------------------------------------ the step

    def move_clock(self, model, t):
        """The clock to t, or a little after: never the very second a link
        expires (see Model.issue_link)."""
        while any(k["expires"] == t for k in model.links.values()):
            t += 1
        self.clock = t

    def next_step(self, model):
        """The next Step, planned from the model's state and sluice's output."""
        self.n += 1
        self.move_clock(model, self.clock + self.rng.choice([1, 60, 600, 3600]))
        step = Step(self.n, self.clock)
        if self.future and self.rng.random() < 0.5:
            kind, records, note = self.future.pop(0)
            self.make_input(step, kind, records, note)
            return step
        if self.rng.random() < 0.03 and model.deferred:
            self.move_clock(model, self.clock + 49 * 3600)
            step.clock = self.clock
            step.what.append("49 hours pass")
            return step
        opened = [k for k in model.links.values() if k["status"] == "open" and k["expires"] > self.clock]
        if opened and self.rng.random() < (0.06 if model.link_ttl <= 86400 else 0.015):
            # past the expiry of an open link: to it, a second before, or beyond
            k = self.rng.choice(opened)
            self.move_clock(model, k["expires"] + self.rng.choice([-1, 1, 1, self.rng.randint(2, 3600)]))
            step.clock = self.clock
            step.what.append("the clock goes to %s, %s expires at %s" % (
                iso(self.clock), k["link_id"], iso(k["expires"])))
            return step
        count = 1 if self.rng.random() < 0.7 else self.rng.randint(2, 3)
        for _ in range(count):
            self.one_action(step, model)
        return step

    def one_action(self, step, model):
        orders = [o for o in model.orders.values()]
        live = [o for o in orders if not o.closed]
        acts = [("order", 14), ("bad_order", 4), ("free_invoice", 3), ("early", 3)]
        if self.hostile:
            acts += [("hostile", 3)]
        if orders:
            acts += [("early_answer", 3), ("amend", 5), ("cancel", 4), ("ship", 14), ("ship_update", 5), ("pay", 16),
                     ("authorize", 9), ("return", 7), ("resend", 4), ("conflict", 3),
                     ("archive", 2), ("bad_payment", 3), ("action", 4)]
        total = sum(w for _, w in acts)
        pick = self.rng.uniform(0, total)
        for name, w in acts:
            pick -= w
            if pick <= 0:
                break
        getattr(self, "act_" + name)(step, model, orders, live)

    def pick_order(self, orders, want=None):
        cands = [o for o in orders if want is None or want(o)]
        return self.rng.choice(cands) if cands else None

    # ------------------------------------------------------------ actions

    def act_order(self, step, model, orders, live):
        h, lines = self.order_record(model)
        taken = sorted(k[4:] for k in model.requests if k.startswith("REL-EV"))
        if taken and self.rng.random() < 0.15:
            h["order_number"] = self.rng.choice(taken)
            self.make_input(step, "orders", [(h, lines)], "order %s, named as a release"
                            % h["order_number"])
            return
        if self.rng.random() < 0.2:
            # several orders in one file; sometimes one of them broken, which
            # rejects them all
            recs = [(h, lines)] + [self.order_record(model) for _ in range(self.rng.randint(1, 2))]
            note = "orders %s" % " ".join(r[0]["order_number"] for r in recs)
            if self.rng.random() < 0.3:
                bad = self.rng.choice(recs)
                note += ", %s bad: %s" % (bad[0]["order_number"], self.mutate("orders", *bad))
            self.make_input(step, "orders", recs, note)
            return
        self.make_input(step, "orders", [(h, lines)], "order %s (%s)" % (h["order_number"], h["currency"]))

    def act_bad_order(self, step, model, orders, live):
        h, lines = self.order_record(model)
        cur = h["currency"]
        r = self.rng.random()
        if r < 0.5:
            note = self.mutate("orders", h, lines)
        elif r < 0.6:
            ln = lines[0]
            ln["discount"] = fmt_money(int(ln["quantity"]) * parse_money(ln["unit_price"], cur) + 1, cur)
            note = "discount too large"
        elif r < 0.7:
            h["grand_total"] = fmt_money(self.last_total + 1, cur)
            note = "grand total wrong"
        elif r < 0.8:
            h["authorized_amount"] = fmt_money(self.rng.randint(1, 10 ** DIGITS[cur]), cur)
            gone = self.rng.choice([["payment_method"], ["payment_reference"],
                                    ["payment_method", "payment_reference"]])
            for f in gone:
                h.pop(f, None)
            note = "authorized without %s" % " and ".join(gone)
        elif r < 0.83:
            authorized = parse_money(h.get("authorized_amount") or fmt_money(0, cur), cur)
            if self.rng.random() < 0.5:
                h["captured_amount"] = fmt_money(authorized + 1, cur)
                h["capture_reference"] = "CHK-x"
                note = "captured beyond the authorization"
            else:
                h["captured_amount"] = fmt_money(self.rng.randint(1, max(1, authorized)), cur)
                h.pop("capture_reference", None)
                note = "captured without capture_reference"
        elif r < 0.85:
            h["shipping_price"] = fmt_money(100, cur)
            h.pop("shipping_vat_rate", None)
            h.pop("grand_total", None)
            note = "shipping without rate"
        elif r < 0.92 and len(lines) > 1:
            lines[1]["line_id"] = lines[0]["line_id"]
            note = "duplicate line id"
        elif r < 0.96:
            lines.clear()
            note = "no lines"
        else:
            # the order number of an earlier order, other content
            if orders:
                h["order_number"] = self.rng.choice(orders).number
                h["payment_reference"] = "PSP-other"
                note = "order number reused"
            else:
                note = self.mutate("orders", h, lines)
        self.make_input(step, "orders", [(h, lines)], "bad order: " + note)

    def act_early(self, step, model, orders, live):
        """An order held back: first a file that refers to it (deferred),
        the order itself at a later step."""
        h, lines = self.order_record(model, status="confirmed")
        number = h["order_number"]
        r = self.rng.random()
        if r < 0.4:
            sid = self.uid("SH")
            rec = ({"shipment_id": sid, "order_number": number},
                   [{"line_id": lines[0]["line_id"], "quantity": "1"}])
            recs, note = [rec], "shipment %s before its order" % sid
            o = self.pick_order(live, lambda o: o.awaiting and not o.hold and
                                o.status in ("confirmed", "processing"))
            if o is not None and self.rng.random() < 0.4:
                # and in the same file, one for an order awaiting payment:
                # the file waits for both, and expires at the earlier end
                ln = next(ln for ln in o.lines.values() if ln.open)
                sid2 = self.uid("SH")
                recs.append(({"shipment_id": sid2, "order_number": o.number},
                             [{"line_id": str(ln.line_id), "quantity": "1"}]))
                note += ", and %s for %s (awaiting payment)" % (sid2, o.number)
            self.make_input(step, "shipments", recs, note)
        elif r < 0.7:
            rec = ({"amendment_id": self.uid("AM"), "order_number": number, "hold": "false"}, [])
            self.make_input(step, "amendments", [rec], "amendment before its order")
        else:
            rec = ({"cancellation_id": self.uid("CX"), "order_number": number},
                   [{"line_id": lines[-1]["line_id"], "quantity": "1"}])
            self.make_input(step, "cancellations", [rec], "cancellation before its order")
        self.future.append(("orders", [(h, lines)], "order %s (held back)" % number))

    def act_early_answer(self, step, model, orders, live):
        """A shipment held back, and before it the PSP's answer to its
        capture or a return against it: deferred until it arrives."""
        o = self.pick_order(live, lambda o: o.status in ("confirmed", "processing") and not o.hold
                            and any(ln.open for ln in o.lines.values()))
        if o is None:
            return self.act_ship(step, model, orders, live)
        sid = self.uid("SH")
        h = {"shipment_id": sid, "order_number": o.number}
        lines = [{"line_id": str(ln.line_id), "quantity": str(ln.open)}
                 for ln in o.lines.values() if ln.open][:2]
        trial = copy.deepcopy(model)
        trial.cur = Input("shipments", "trial", b"", [], step.clock)
        try:
            trial.apply_shipments(Record(h, lines))
        except Exception:
            return self.act_ship(step, model, orders, live)
        sh = trial.shipments[sid]
        if self.rng.random() < 0.5:
            ev = self.event(o, "capture", fmt_money(sh["amount"], o.currency), "CAP-" + sid)
            self.make_input(step, "payments", [(ev, [])], "answer to CAP-%s before its shipment" % sid)
        else:
            rt = {"return_id": self.uid("RT"), "order_number": o.number, "shipment_id": sid}
            self.make_input(step, "returns", [(rt, [{"line_id": lines[0]["line_id"], "quantity": "1"}])],
                            "return %s before its shipment %s" % (rt["return_id"], sid))
        self.future.append(("shipments", [(h, lines)], "shipment %s (held back)" % sid))

    def act_amend(self, step, model, orders, live):
        o = self.pick_order(live) or self.rng.choice(orders)
        h = {"amendment_id": self.uid("AM"), "order_number": o.number}
        lines = []
        r = self.rng.random()
        if o.status == "pending" and r < 0.6:
            h["status"] = "confirmed"
            note = "confirm"
        elif r < 0.2:
            h["hold"] = "false" if o.hold else "true"
            note = "hold " + h["hold"]
        elif r < 0.3:
            h.update(delivery_address1="Ny väg 3", delivery_zip="33333", delivery_city="Malmö",
                     delivery_country="SE")
            note = "delivery"
        else:
            nid = max(o.lines) + 1 + self.rng.randint(0, 3)
            cur = o.currency
            q = self.rng.randint(1, 3)
            p = self.price(cur)
            ln = {"line_id": str(nid), "sku": "ADD-%d" % nid, "name": self.rng.choice(NAMES),
                  "quantity": str(q), "unit_price": fmt_money(p, cur),
                  "vat_rate": fmt_rate(self.rng.choice(RATES))}
            if self.rng.random() < 0.2:
                ln["discount"] = fmt_money(self.rng.randint(0, q * p), cur)
            if self.rng.random() < 0.1:
                ln["line_id"] = str(self.rng.choice(list(o.lines)))
                note = "line exists"
            elif self.rng.random() < 0.08:
                note = "bad: " + self.mutate("amendments", h, [ln])
            elif self.rng.random() < 0.03 and self.hostile:
                ln["quantity"] = "100000"
                ln["unit_price"] = fmt_money(999999999999, cur)
                lines.append(dict(ln, line_id=str(nid + 1)))
                note = "overflow"
                lines.append(dict(ln, line_id=str(nid + 2)))
            else:
                note = "add line %d" % nid
            lines.insert(0, ln)
        if self.rng.random() < (0.4 if o.awaiting else 0.1):
            h["reissue_link"] = "true" if self.rng.random() < 0.85 else "false"
            note += ", reissue_link " + h["reissue_link"]
        self.make_input(step, "amendments", [(h, lines)], "amend %s: %s" % (o.number, note))

    def act_cancel(self, step, model, orders, live):
        o = self.pick_order(live) or self.rng.choice(orders)
        h = {"cancellation_id": self.uid("CX"), "order_number": o.number}
        lines = []
        r = self.rng.random()
        if r < 0.2:
            h["whole_order"] = "true"
            note = "whole order"
        else:
            opened = [ln for ln in o.lines.values() if ln.open]
            if opened and r < 0.85:
                ln = self.rng.choice(opened)
                q = self.rng.randint(1, ln.open)
                note = "line %d x %d" % (ln.line_id, q)
            else:
                ln = self.rng.choice(list(o.lines.values()))
                q = ln.open + 1
                note = "too many of line %d" % ln.line_id
            lines.append({"line_id": str(ln.line_id), "quantity": str(q)})
            if self.rng.random() < 0.05:
                lines[0]["line_id"] = "999999"
                note = "unknown line"
            if self.rng.random() < 0.3:
                h["reason"] = "Customer\nchanged mind"
        self.make_input(step, "cancellations", [(h, lines)], "cancel %s: %s" % (o.number, note))

    def act_ship(self, step, model, orders, live):
        o = None
        if self.rng.random() < 0.3:
            o = self.pick_order(live, lambda o: o.awaiting and not o.hold and
                                o.status in ("confirmed", "processing"))
        o = o or self.pick_order(live, lambda o: any(ln.open for ln in o.lines.values())) \
            or self.rng.choice(orders)
        sid = self.uid("SH")
        h = {"shipment_id": sid, "order_number": o.number}
        lines = []
        opened = [ln for ln in o.lines.values() if ln.open]
        r = self.rng.random()
        if opened and r < 0.9:
            for ln in opened:
                if self.rng.random() < 0.6 or not lines:
                    lines.append({"line_id": str(ln.line_id),
                                  "quantity": str(self.rng.randint(1, ln.open))})
            note = "ship"
        else:
            ln = self.rng.choice(list(o.lines.values()))
            lines.append({"line_id": str(ln.line_id), "quantity": str(ln.open + 1)})
            note = "ship too many"
        if self.rng.random() < 0.3:
            h["shipped"] = "true"
            h["shipped_at"] = "2026-11-27T08:00:00Z"
        if self.rng.random() < 0.5:
            h["carrier"] = self.rng.choice(["PostNord", "DHL", "ヤマト"])
        if self.rng.random() < 0.05:
            note = "bad: " + self.mutate("shipments", h, lines)
        self.make_input(step, "shipments", [(h, lines)], "%s %s for %s" % (note, sid, o.number))

    def act_ship_update(self, step, model, orders, live):
        shs = [s for s in model.shipments.values()]
        if not shs:
            return self.act_ship(step, model, orders, live)
        sh = self.rng.choice(shs)
        h = {"shipment_id": sh["shipment_id"], "order_number": sh["order"], "shipped": "true",
             "tracking": "TR%d" % self.rng.randint(1, 3)}
        lines = [{"line_id": str(k), "quantity": str(v)} for k, v in sh["want"].items()]
        self.rng.shuffle(lines)
        note = "mark shipped"
        if self.rng.random() < 0.1:
            lines[0]["quantity"] = str(int(lines[0]["quantity"]) + 1)
            note = "conflicting update"
        self.make_input(step, "shipments", [(h, lines)], "%s %s" % (note, sh["shipment_id"]))

    def event(self, o, etype, amount, request_id=None, status="success", cur=None):
        h = {"event_id": self.uid("EV"), "order_number": o.number, "type": etype,
             "status": status, "amount": amount, "currency": cur or o.currency}
        if request_id:
            h["request_id"] = request_id
        if self.rng.random() < 0.7:
            h["occurred_at"] = "2026-11-28T12:%02d:00Z" % self.rng.randint(0, 59)
        if self.rng.random() < 0.5:
            h["psp_reference"] = "PSP%d" % self.rng.randint(1, 10 ** 6)
        return h

    def act_pay(self, step, model, orders, live):
        """Answers a request that sluice wrote to out/captures (with
        capture_on = manual, the captures the operator asked for)."""
        reqs = self.read_out("captures")
        if self.config.get("capture_on") == "manual":
            for k, r in model.requests.items():
                if r["type"] == "capture" and r["status"] == "pending":
                    o = model.orders[r["order"]]
                    reqs[k] = {"request_id": k, "type": "capture", "order_number": o.number,
                               "amount": fmt_money(r["amount"], o.currency)}
        pend = [r for k, r in reqs.items() if k in model.requests and
                model.requests[k]["status"] == "pending"]
        if not pend:
            if reqs and self.rng.random() < 0.3:
                pend = list(reqs.values())      # answered before
            else:
                return self.act_ship(step, model, orders, live)
        chosen = self.rng.sample(pend, min(len(pend), 1 if self.rng.random() < 0.8 else 3))
        recs, notes = [], []
        for r in chosen:
            o = model.orders.get(r["order_number"])
            if o is None:
                continue
            status = "success" if self.rng.random() < 0.85 else "failed"
            recs.append((self.event(o, r["type"], r["amount"], r["request_id"], status), []))
            notes.append("%s %s %s" % (r["request_id"], status, r["amount"]))
        if recs:
            self.make_input(step, "payments", recs, "; ".join(notes))

    def act_bad_payment(self, step, model, orders, live):
        reqs = self.read_out("captures")
        o = self.rng.choice(orders)
        r = self.rng.random()
        if reqs and r < 0.5:
            q = reqs[self.rng.choice(sorted(reqs))]
            o = model.orders.get(q["order_number"], o)
            what = self.rng.choice(["amount", "type", "currency", "missing", "field"] +
                                   (["other_order"] if self.hostile else []))
            amount = q["amount"]
            h = self.event(o, q["type"], amount, q["request_id"])
            if what == "amount":
                h["amount"] = fmt_money(parse_money(amount, o.currency) + 1, o.currency)
            elif what == "type":
                h["type"] = "refund" if q["type"] != "refund" else "capture"
            elif what == "currency":
                h["currency"] = "EUR" if o.currency != "EUR" else "SEK"
                h["amount"] = fmt_money(parse_money(amount, o.currency), h["currency"]) \
                    if DIGITS[h["currency"]] == DIGITS[o.currency] else h["amount"]
                if DIGITS[h["currency"]] != DIGITS[o.currency]:
                    h["currency"] = {0: "KRW", 2: "GBP", 3: "BHD"}[DIGITS[o.currency]]
            elif what == "missing":
                del h["request_id"]
            elif what == "other_order":
                others = [x for x in orders if x.number != o.number and x.currency == o.currency]
                if others:
                    h["order_number"] = self.rng.choice(others).number
            else:
                what = self.mutate("payments", h, [])
            self.make_input(step, "payments", [(h, [])], "bad payment (%s)" % what)
        else:
            # a capture answer for a request not made yet: deferred
            h = self.event(o, "capture", fmt_money(100, o.currency), "CAP-" + self.uid("NONE"))
            self.make_input(step, "payments", [(h, [])], "answer to an unknown request")

    def act_authorize(self, step, model, orders, live):
        links = self.read_out("links")
        for x in links.values():
            model.learn_token(x["token"], x["link_id"])
        known = [model.links[k] for k in sorted(links) if k in model.links]
        if known and self.rng.random() < 0.8:
            return self.pay_link(step, model, orders, links, known)
        o = self.rng.choice(orders)
        amt = fmt_money(self.price(o.currency), o.currency)
        if o.due() and self.rng.random() < 0.4:
            # the whole due, or part of it, without the link
            amt = fmt_money(self.rng.choice([o.due(), self.rng.randint(1, o.due())]), o.currency)
        h = self.event(o, "authorization", amt, None,
                       "success" if self.rng.random() < 0.9 else "failed")
        note = "authorize %s more" % amt
        if self.hostile and self.rng.random() < 0.2 and model.requests:
            h["request_id"] = self.rng.choice(sorted(model.requests))
            note = "authorization naming a request"
        self.make_input(step, "payments", [(h, [])], note)

    def pay_link(self, step, model, orders, links, known):
        """An authorization naming a link (by id or token): mostly an open
        one for its amount, else a void, spent or expired one, or a wrong
        amount; paid at a time before, at or after the link's expiry."""
        opened = [k for k in known if k["status"] == "open"]
        dead = [k for k in known if k["status"] != "open"]
        k = self.rng.choice(opened if opened and (not dead or self.rng.random() < 0.7) else dead)
        o = model.orders[k["order"]]
        x = links[k["link_id"]]
        ref = k["link_id"] if self.rng.random() < 0.5 else x["token"]
        note = "pay %s link %s" % (k["status"], k["link_id"])
        if self.rng.random() < 0.1 and ref.startswith("v1."):
            ref = ref[:-10] + ("A" if ref[-10] != "A" else "B") + ref[-9:]
            note += " (altered token)"
        amount = k["amount"]
        if self.rng.random() < 0.15:
            amount = self.rng.choice([amount + 1, max(1, amount - 1), self.price(o.currency)])
            note += " wrong amount"
        h = self.event(o, "authorization", fmt_money(amount, o.currency), ref,
                       "success" if self.rng.random() < 0.9 else "failed")
        note += " " + h["status"]
        r = self.rng.random()
        h.pop("occurred_at", None)
        when = None
        if r < 0.3:
            when = self.clock - self.rng.randint(0, 600)
        elif r < 0.5:
            when = k["expires"] + self.rng.choice([-1, 0, 1, self.rng.randint(2, 7200)])
        elif r < 0.55:
            when = k["expires"] - self.rng.randint(2, 7200)
        if when is not None:
            h["occurred_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
            note += " occurred %s (expires %s)" % (h["occurred_at"], iso(k["expires"]))
        if self.rng.random() < 0.08:
            # an event id that names an order: its release could not be named
            h["event_id"] = self.rng.choice(orders).number
            note += ", event id %s" % h["event_id"]
        self.make_input(step, "payments", [(h, [])], note)

    def act_return(self, step, model, orders, live):
        shs = [s for s in model.shipments.values()
               if any(x["returned"] < x["quantity"] for x in s["lines"])]
        if not shs:
            return self.act_ship(step, model, orders, live)
        sh = self.rng.choice(shs)
        o = model.orders[sh["order"]]
        h = {"return_id": self.uid("RT"), "order_number": o.number, "shipment_id": sh["shipment_id"]}
        lines = []
        for x in sh["lines"]:
            left = x["quantity"] - x["returned"]
            if left and (self.rng.random() < 0.6 or not lines):
                lines.append({"line_id": str(x["line_id"]), "quantity": str(self.rng.randint(1, left))})
        note = "return"
        r = self.rng.random()
        if r < 0.1:
            lines[0]["quantity"] = str(int(lines[0]["quantity"]) + sh["lines"][0]["quantity"])
            note = "return too many"
        if self.rng.random() < 0.3:
            h["refund_shipping"] = "true"
        if self.rng.random() < 0.3:
            h["return_fee"] = fmt_money(self.price(o.currency) // 5, o.currency)
        if self.rng.random() < 0.2:
            h["restock"] = "false"
        if self.rng.random() < 0.04:
            note = "bad: " + self.mutate("returns", h, lines)
        self.make_input(step, "returns", [(h, lines)], "%s %s of %s" % (note, h["return_id"], sh["shipment_id"]))

    def act_free_invoice(self, step, model, orders, live):
        cur = self.rng.choice(CURRENCIES)
        h = {"invoice_id": self.uid("FT"), "currency": cur, "email": "ap@example.com",
             "name": self.rng.choice(["Brightside AB", "Müller & Söhne GmbH", "株式会社テスト"]),
             "billing_address1": "Kungsgatan 4", "billing_zip": "11143",
             "billing_city": "Stockholm", "billing_country": "SE"}
        if self.rng.random() < 0.5:
            h["due_date"] = "2026-12-26T00:00:00Z"
        if self.rng.random() < 0.3:
            h["text"] = self.rng.choice(["Workshop, November", "Workshop\nC:\\share\\notes",
                                         "Two lines:\nsecond"])
        if self.rng.random() < 0.2:
            h["template"] = "default" if self.rng.random() < 0.7 else "nosuch"
        lines = [{"description": self.rng.choice(NAMES), "quantity": str(self.rng.randint(1, 4)),
                  "unit_price": fmt_money(self.price(cur), cur),
                  "vat_rate": fmt_rate(self.rng.choice(RATES))}
                 for _ in range(self.rng.randint(1, 3))]
        note = "free-text invoice %s" % h["invoice_id"]
        if self.rng.random() < 0.15:
            note += " bad: " + self.mutate("invoices", h, lines)
        elif self.hostile and self.rng.random() < 0.1:
            lines = [dict(lines[0], quantity="100000", unit_price=fmt_money(999999999999, cur))
                     for _ in range(self.rng.choice([2, 100]))]
            h.pop("template", None)
            note += " overflowing"
        self.make_input(step, "invoices", [(h, lines)], note)

    def act_hostile(self, step, model, orders, live):
        """Text that sluice must refuse or carry whole: control characters,
        bidirectional overrides, noncharacters, CDATA, and two inputs of one
        name in different kinds."""
        h, lines = self.order_record(model)
        r = self.rng.random()
        if r < 0.25:
            lines[0]["name"] = "Shirt\u0085x"
            note = "C1 control in a name"
        elif r < 0.45:
            lines[0]["name"] = "Shirt \u202egnp.exe"
            note = "bidi override in a name"
        elif r < 0.6:
            lines[0]["name"] = "Shirt \ufffe"
            self.make_input(step, "orders", [(h, lines)], "order %s: noncharacter in a name"
                            % h["order_number"], fmt="csv")
            return
        elif r < 0.8:
            lines[0]["name"] = "Shirt & <tie>"
            data, recs = to_xml("orders", [(h, lines)], "", cdata=("name",))
            name = "%03d-%d-orders.xml" % (step.n, len(step.inputs))
            inp = Input("orders", name, data, recs, step.clock, "a name in CDATA")
            step.inputs.append(inp)
            step.what.append("%s: a name in CDATA" % name)
            return
        else:
            # the same name in two kinds
            name = "batch-%03d.csv" % step.n
            self.make_input(step, "orders", [(h, lines)], "order %s" % h["order_number"],
                            name=name, fmt="csv")
            inv = {"invoice_id": self.uid("FT"), "currency": "SEK", "email": "ap@example.com",
                   "name": "Brightside AB", "billing_address1": "Kungsgatan 4",
                   "billing_zip": "11143", "billing_city": "Stockholm", "billing_country": "SE"}
            self.make_input(step, "invoices", [(inv, [{"description": "Fee", "quantity": "1",
                                                       "unit_price": "10.00", "vat_rate": "25"}])],
                            "invoice of the same name", name=name, fmt="csv")
            return
        self.make_input(step, "orders", [(h, lines)], "order %s: %s" % (h["order_number"], note))

    def act_resend(self, step, model, orders, live):
        """An earlier accepted input again: the same bytes, or its records in
        the other format."""
        if not self.sent:
            return self.act_order(step, model, orders, live)
        inp = self.rng.choice(self.sent)
        if self.rng.random() < 0.5:
            ext = inp.name.rsplit(".", 1)[1]
            name = "%03d-%d-%s-again.%s" % (step.n, len(step.inputs), inp.kind, ext)
            new = Input(inp.kind, name, inp.data, inp.records, step.clock, "same bytes as " + inp.name)
            step.inputs.append(new)
            step.what.append("%s: same bytes as %s" % (name, inp.name))
        else:
            fmt = "xml" if inp.name.endswith(".csv") else "csv"
            recs = [(r.head, r.lines) for r in inp.records]
            self.make_input(step, inp.kind, recs, "records of %s again" % inp.name, fmt=fmt)

    CHANGEABLE = {"amendments": ["comment", "unit_price"], "cancellations": ["reason", "quantity"],
                  "payments": ["psp_reference", "occurred_at"], "returns": ["reason", "return_fee"],
                  "invoices": ["text", "unit_price"], "orders": ["payment_reference"],
                  "shipments": [], "actions": []}

    def act_conflict(self, step, model, orders, live):
        """An earlier accepted record, one field changed."""
        cands = [i for i in self.sent if self.CHANGEABLE[i.kind] and len(i.records) == 1]
        if not cands:
            return self.act_order(step, model, orders, live)
        inp = self.rng.choice(cands)
        rec = inp.records[0]
        h, lines = copy.deepcopy(rec.head), copy.deepcopy(rec.lines)
        f = self.rng.choice(self.CHANGEABLE[inp.kind])
        o = model.orders.get(h.get("order_number"))
        cur = h.get("currency") or (o.currency if o else "SEK")
        if f in ("unit_price", "quantity"):
            if not lines:
                return self.act_order(step, model, orders, live)
            old = lines[0][f]
            lines[0][f] = str(int(old) + 1) if f == "quantity" else \
                fmt_money(parse_money(old, cur) + 1, cur)
        elif f == "return_fee":
            h[f] = fmt_money((parse_money(h[f], cur) if h.get(f) else 0) + 1, cur)
        elif f == "occurred_at":
            h[f] = "2026-11-29T00:00:00Z"
        else:
            h[f] = (h.get(f) or "") + " changed"
        self.make_input(step, inp.kind, [(h, lines)], "%s of %s changed" % (f, inp.name))

    def act_action(self, step, model, orders, live):
        """A capture or archive action (in/actions/): mostly for an order with
        a capture to send (failed, or recorded without a file) or one to
        archive; else any order, with a shipment of its own, of another
        order or not known, an order not known, or a broken field."""
        due = [s for s in sorted(model.shipments) if model.shipments[s]["capture"] == "failed"
               or model.unsent_capture(s)]
        ready = [x for x in orders if model.archivable(x)]
        what = self.rng.choice(["capture", "capture", "archive"])
        if (what == "capture" and not due and ready) or (what == "archive" and not ready and due):
            what = "archive" if what == "capture" else "capture"   # mostly one that applies
        o = self.rng.choice(orders)
        sid = None
        if what == "capture" and due and self.rng.random() < 0.8:
            sid = self.rng.choice(due)
            o = model.orders[model.shipments[sid]["order"]]
        elif what == "archive" and ready and self.rng.random() < 0.8:
            o = self.rng.choice(ready)
        h = {"action_id": self.uid("ACT"), "order_number": o.number, "action": what}
        note = "%s %s" % (what, o.number)
        r = self.rng.random()
        if sid is not None and r < 0.5:
            h["shipment_id"] = sid
        elif r < 0.08 and model.shipments:
            h["shipment_id"] = self.rng.choice(sorted(model.shipments))
        elif r < 0.12:
            h["shipment_id"] = self.uid("NOSH")
        elif r < 0.16:
            h["order_number"] = self.uid("NOORD")
        elif r < 0.22:
            note += " bad: " + self.mutate("actions", h, [])
        if "shipment_id" in h:
            note += " (shipment %s)" % h["shipment_id"]
        self.make_input(step, "actions", [(h, [])], note)

    def act_archive(self, step, model, orders, live):
        closed = [o for o in orders if o.status in ("completed", "cancelled")]
        if live and (not closed or self.rng.random() < 0.15):
            closed = live         # refused: not completed or cancelled
        if not closed:
            return self.act_pay(step, model, orders, live)
        o = self.rng.choice(closed)
        step.commands.append(("archive", o.number))
        step.what.append("sluice order archive %s" % o.number)
