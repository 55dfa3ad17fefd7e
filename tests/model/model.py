# SPDX-License-Identifier: ISC
"""A reference model of sluice's domain rules, written from the project's
documentation (doc/contract.md, doc/lifecycle.md, doc/documents.md,
doc/errors.md) and sharing nothing with the C.

The model is fed the same inputs as sluice (as records: the fields of each
record as text, with the line of the file where each field stands) and
predicts every receipt, every order's `order show --json`, and every
document issued.  run_stories.py compares the two after every step.

KNOWN lists the divergences between sluice and its documentation that are
known and not yet fixed: where sluice is known to differ, the model predicts
what the documentation says and marks the prediction with the divergence's
name; the runner reports a mismatch so marked as "known divergence NAME"
instead of a failure.  Remove an entry once sluice is fixed: its stories then
must pass as documented.
"""
import calendar
import copy
import hashlib
import time

from fields import DATE_RE, ID_FIELD, KIND_ORDER, KINDS, check, state_error
from money import (DIGITS, INT64_MAX, MONEY_MAX, fmt_money, fmt_rate, line_amounts, parse_money,
                   parse_rate, part, slice_of)

KNOWN = {
}
# divergences after which the model still follows sluice's ledger: a story
# goes on past them (the others end it)
HARMLESS = set()

DEFERRAL_CODES = {"order_unknown", "shipment_unknown", "request_unknown", "capture_pending",
                  "payment_due"}
DEFER_EXPIRY = 48 * 3600
LINK_TTL = 14 * 86400      # link_ttl, the default
MAX_ERRORS = 100            # max_errors, the default
# The description of a document's shipping line: the label shipping in the
# order's language (doc/documents.md).
SHIPPING_LABEL = {"en": "Shipping", "sv": "Frakt", "de": "Versand"}
DEFAULTS = {"prices_include_vat": "true", "shipping_price": "0", "discount": "0",
            "whole_order": "false", "shipped": "false", "restock": "true",
            "refund_shipping": "false", "return_fee": "0", "status_orders": "confirmed",
            "authorized_amount": "0", "reissue_link": "false"}


class Err:
    """One expected error; None in line or field means "not compared".
    until: of a deferral reason, the time (s) at which its wait expires,
    when not defer_expiry after the input was received."""

    def __init__(self, code, field=None, line=None, known=None, until=None):
        self.code, self.field, self.line, self.known = code, field, line, known
        self.until = until

    def key(self):
        return (self.line, self.field, self.code)

    def __repr__(self):
        return "Err(%r, %r, %r%s)" % (self.code, self.field, self.line,
                                      ", known=%r" % self.known if self.known else "")


class Record:
    """A record as text fields: head {field: text}, lines [{field: text}],
    pos {field or (i, field): line of the file}, first: its first line."""

    def __init__(self, head, lines, pos=None, first=None):
        self.head, self.lines, self.pos, self.first = head, lines, pos or {}, first

    def line_of(self, field, i=None):
        return self.pos.get((i, field) if i is not None else field, self.first)


class Input:
    def __init__(self, kind, name, data, records, received, note=""):
        self.kind, self.name, self.data, self.records = kind, name, data, records
        self.received, self.note = received, note
        self.sha = hashlib.sha256(data).hexdigest()
        self.was_deferred = False
        self.risk = None        # a KNOWN divergence this input may meet
        self.fmt = name.rsplit(".", 1)[-1].lower()


class Outcome:
    def __init__(self, status, errors=(), records=0, known=None):
        self.status, self.errors, self.records = status, list(errors), records
        self.known = known      # the KNOWN divergence that may change this outcome

    def __repr__(self):
        return "Outcome(%s, %r%s)" % (self.status, self.errors,
                                      ", known=%s" % self.known if self.known else "")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def epoch(text):
    """Seconds since the epoch of a date field (a fraction dropped)."""
    m = DATE_RE.match(text)
    t = calendar.timegm(tuple(int(m.group(i)) for i in range(1, 7)))
    z = m.group(8)
    if z not in ("Z", "z"):
        off = (int(z[1:3]) * 60 + int(z[4:6])) * 60
        t -= off if z[0] == "+" else -off
    return t


def duration(text):
    """Seconds of a configured duration ("2h", "90m", "14d", "30")."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    for u in ("ms", "s", "m", "h", "d"):
        if text.endswith(u) and text[:-len(u)].isdigit():
            return int(int(text[:-len(u)]) * units[u])
    return int(text)


class Reject(Exception):
    pass


# ---------------------------------------------------------------- the ledger

class Line:
    def __init__(self, f, currency, incl):
        self.line_id = int(f["line_id"])
        self.sku, self.name = f["sku"], f["name"]
        self.qty = int(f["quantity"])
        self.unit_price = parse_money(f["unit_price"], currency)
        self.discount = parse_money(f["discount"], currency) if f.get("discount") else 0
        self.rate = parse_rate(f["vat_rate"])
        self.take_voucher(0, incl)
        self.shipped = self.cancelled = self.returned = 0

    def take_voucher(self, share, incl):
        """The line's share of the order's voucher comes off its gross."""
        self.voucher = share
        self.gross = self.qty * self.unit_price - self.discount - share
        self.total, self.vat = line_amounts(self.gross, self.rate, incl)

    @property
    def open(self):
        return self.qty - self.shipped - self.cancelled


class Order:
    def __init__(self, number, h, lines):
        self.number = number
        self.currency = h["currency"]
        self.incl = (h.get("prices_include_vat") or "true") == "true"
        self.status = h.get("status") or "confirmed"
        self.hold = False
        self.payment_reference = h.get("payment_reference") or None
        self.language = h.get("language") or "en"   # the default template's otherwise
        self.lines = {}
        for f in lines:
            ln = Line(f, self.currency, self.incl)
            self.lines[ln.line_id] = ln
        self.voucher_code = h.get("voucher_code") or None
        self.voucher_value = parse_money(h["voucher_value"], self.currency) if h.get("voucher_value") else 0
        # the voucher spread over the lines by their gross, in line_id
        # order, by cumulative parts (DOMAIN: vouchers)
        gross = sum(ln.gross for ln in self.lines.values())
        cum = before = 0
        for lid in sorted(self.lines):
            ln = self.lines[lid]
            cum += ln.gross
            upto = part(self.voucher_value, cum, gross) if gross else 0
            ln.take_voucher(upto - before, self.incl)
            before = upto
        sp = h.get("shipping_price")
        self.shipping_price = parse_money(sp, self.currency) if sp else 0
        self.shipping_rate = parse_rate(h.get("shipping_vat_rate")) if h.get("shipping_vat_rate") else 0
        self.ship_total, self.ship_vat = line_amounts(self.shipping_price, self.shipping_rate, self.incl)
        a = h.get("authorized_amount")
        self.authorized = parse_money(a, self.currency) if a else 0
        # captured at checkout: captured money like any capture, spent on
        # the shipments first (each keeps its prepaid part)
        c = h.get("captured_amount")
        self.checkout = parse_money(c, self.currency) if c else 0
        self.capture_reference = h.get("capture_reference") or None
        self.awaiting = False       # awaiting payment: set once at creation, cleared for good
        self.journal = []           # (type, link_id) of its link events and awaiting_payment_ended
        self.captured, self.refunded = self.checkout, 0
        self.shipping_charged = False
        self.shipping_refunded = False
        self.shipments, self.returns, self.requests, self.links = [], [], [], []
        self.documents, self.payments = [], []

    def line_now(self, ln):
        n_left = ln.qty - ln.cancelled
        return part(ln.total, n_left, ln.qty), part(ln.vat, n_left, ln.qty)

    def shipping_counts(self):
        return any(ln.qty > ln.cancelled for ln in self.lines.values())

    def totals(self):
        g = v = 0
        for ln in self.lines.values():
            t, x = self.line_now(ln)
            g += t
            v += x
        if self.shipping_counts():
            g += self.ship_total
            v += self.ship_vat
        return g, v

    def due(self):
        return max(0, self.totals()[0] - self.authorized)

    @property
    def closed(self):
        return self.status in ("completed", "cancelled", "archived")


class Model:
    def __init__(self, config=None):
        """config: the spool's invoice_on and capture_on (doc/configuration.md)."""
        config = config or {}
        self.invoice_on = config.get("invoice_on", "capture")
        self.capture_on = config.get("capture_on", "shipment")
        self.link_ttl = duration(config["link_ttl"]) if config.get("link_ttl") else LINK_TTL
        self.now = None
        self.orders = {}
        self.records = {k: {} for k in KINDS}      # kind -> id -> (canonical, order number)
        self.files = {}                            # sha256 of accepted/duplicate -> record count
        self.shipments = {}                        # id -> dict
        self.returns = {}
        self.requests = {}                         # request id -> dict
        self.links = {}                            # link id -> dict
        self.tokens = {}                           # token -> link id
        self.docs = {}                             # number -> dict
        self.seq = {"INV": 0, "CN": 0}
        self.deferred = []                         # inputs waiting, in arrival order
        self.outcomes = {}                         # (kind, name) -> Outcome, latest

    # ------------------------------------------------------------ the run

    def run(self, new_inputs, now):
        """sluice run --once at clock now over the new inputs: every input
        that is decided or deferred gets its (latest) Outcome."""
        decided = {}
        self.now = now
        pending = list(self.deferred) + list(new_inputs)
        while True:
            pending.sort(key=lambda i: (_kind_rank(i.kind), i.received, i.name))
            progress = False
            waiting = []
            for inp in pending:
                out = self.process(inp)
                if out.status == "deferred":
                    inp.was_deferred = True
                    waiting.append(inp)
                else:
                    progress = True
                # the latest try's outcome: a file still waiting may wait
                # for less after a pass (a shipment's order paid)
                decided[(inp.kind, inp.name)] = out
            pending = waiting
            if not progress or not pending:
                break
        self.deferred = pending
        self.outcomes.update(decided)
        return decided

    def process(self, inp):
        if inp.sha in self.files:
            return Outcome("duplicate", [], self.files[inp.sha])
        saved = self.__dict__.copy()
        work = copy.deepcopy({k: v for k, v in saved.items() if k not in ("deferred", "outcomes")})
        self.__dict__.update(work)
        errors, deferrals, applied, known = [], [], 0, None
        self.cur = inp
        for rec in inp.records:
            # a record with a field error (money in the order's currency
            # among them) is not checked against the rules
            errs = self.field_errors(inp.kind, rec)
            if errs:
                errors += errs
                known = known or next((x.known for x in errs if x.known), None)
                continue
            try:
                r = getattr(self, "apply_" + inp.kind)(rec)
            except Reject as e:
                errs = e.args[0]
                if all(x.code in DEFERRAL_CODES for x in errs):
                    deferrals += errs
                else:
                    errors += [x for x in errs if x.code not in DEFERRAL_CODES]
                known = known or next((x.known for x in errs if x.known), None)
                continue
            if r == "applied":
                applied += 1
            elif isinstance(r, tuple):
                known = known or r[1]
                if r[0] == "applied":
                    applied += 1
        n = len(inp.records)
        if errors or deferrals:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if errors:
                if len(errors) > MAX_ERRORS:
                    errors = errors[:MAX_ERRORS - 1] + [Err("too_many_errors")]
                return Outcome("rejected", errors, n, known)
            # at each try, a wait expires at the earliest of its reasons'
            # ends: defer_expiry after the input was received, or for
            # payment_due the expiry of the order's open link (none: at once)
            ends = [inp.received + DEFER_EXPIRY if x.code != "payment_due" else
                    x.until if x.until is not None else self.now for x in deferrals]
            if self.now >= min(ends):
                return Outcome("rejected", [Err("deferral_expired")], n, known)
            return Outcome("deferred", deferrals, n, known)
        self.files[inp.sha] = n
        return Outcome("accepted" if applied else "duplicate", [], n, known)

    # ------------------------------------------------------------ fields

    def field_errors(self, kind, rec):
        _, head, lines = KINDS[kind]
        currency = None
        if kind in ("orders", "payments", "invoices"):
            currency = rec.head.get("currency")
            if currency not in DIGITS:
                currency = None
        elif kind in ("amendments", "returns"):
            o = self.orders.get(rec.head.get("order_number"))
            currency = o.currency if o else None
        errs = []
        for name, req, ftype in head:
            v = rec.head.get(name)
            if v is None or v == "":
                if req:   # an empty element or cell is named where it stands
                    errs.append(Err("missing_field", name, rec.line_of(name)))
                continue
            c = check(ftype, v, currency)
            if c:
                errs.append(Err(c, name, rec.line_of(name)))
        for i, ln in enumerate(rec.lines):
            for name, req, ftype in lines:
                v = ln.get(name)
                if v is None or v == "":
                    if req:
                        errs.append(Err("missing_field", name, None))
                    continue
                c = check(ftype, v, currency)
                if c:
                    errs.append(Err(c, name, rec.line_of(name, i)))
        field_errors = bool(errs)
        if kind == "orders" and currency and \
                parse_money(rec.head.get("authorized_amount") or "", currency):
            # an order with money authorized names how it was paid (an
            # empty field named where it stands, an absent one at its record)
            errs += [Err("missing_field", f, rec.line_of(f))
                     for f in ("payment_method", "payment_reference") if not rec.head.get(f)]
        # a record with a field error is not checked against these rules
        # (doc/errors.md): a bad authorized_amount is no authorization of 0
        captured = kind == "orders" and currency and not field_errors and \
            parse_money(rec.head.get("captured_amount") or "", currency)
        if captured and not rec.head.get("capture_reference"):
            # money captured at checkout names the PSP's capture, and is
            # authorized money (sluice checks both with the authorization's
            # fields, before the order's other rules)
            errs.append(Err("missing_field", "capture_reference", rec.line_of("capture_reference")))
        if captured and captured > (parse_money(rec.head.get("authorized_amount") or "", currency) or 0):
            errs.append(Err("captured_exceeds_authorized", "captured_amount",
                            rec.line_of("captured_amount")))
        return errs

    def canonical(self, kind, rec):
        """A record's content compared by value, defaults applied."""
        _, head, lines = KINDS[kind]
        o = self.orders.get(rec.head.get("order_number"))
        cur = rec.head.get("currency") if kind in ("orders", "payments", "invoices") else \
            (o.currency if o else None)

        def val(name, ftype, v):
            if v in (None, ""):
                v = DEFAULTS.get("status_orders" if (kind, name) == ("orders", "status") else name)
                if v is None:
                    return None
                if ftype[0] == "money":
                    return 0
            t = ftype[0]
            if t == "money":
                return parse_money(v, cur) if cur else v
            if t == "rate":
                return parse_rate(v)
            if t in ("qty", "int"):
                return int(v)
            return v
        h = tuple(sorted((n, val(n, t, rec.head.get(n))) for n, _, t in head))
        ls = tuple(tuple(sorted((n, val(n, t, ln.get(n))) for n, _, t in lines)) for ln in rec.lines)
        return (h, ls)

    def identity(self, kind, rec):
        """None for a new id; "duplicate"; or raises record_conflict."""
        rid = rec.head[ID_FIELD[kind]]
        old = self.records[kind].get(rid)
        if old is None:
            return None
        new = self.canonical(kind, rec)
        if old[0] == new:
            return "duplicate"
        raise Reject([Err("record_conflict")])

    def remember(self, kind, rec, number):
        self.records[kind][rec.head[ID_FIELD[kind]]] = (self.canonical(kind, rec), number)

    def too_large(self, rec, lines, base):
        """amount_too_large at unit_price of each line whose total (or
        quantity x unit_price) is beyond MONEY_MAX, or whose adding takes the
        total from base beyond it.  sluice is known to accept these
        (overflow_accepted) while the sums fit in 64 bits."""
        errs = []
        total = base
        for i, amount, gross in lines:
            total += amount
            if gross > MONEY_MAX or total > MONEY_MAX:
                errs.append(Err("amount_too_large", "unit_price", rec.line_of("unit_price", i)))
        return errs

    def no_lines(self, element):
        """A record of a kind whose lines are required has none: in XML its
        XSD complains too."""
        errs = [Err("no_lines")]
        if self.cur.fmt == "xml":
            errs.append(Err("xml_schema", element))
        return errs

    def order_of(self, rec, field="order_number"):
        o = self.orders.get(rec.head.get(field))
        if o is None:
            raise Reject([Err("order_unknown", "order_number", rec.line_of(field))])
        return o

    # ------------------------------------------------------------ documents

    def issue(self, o, dtype, number, at, **body):
        doc = dict(body, type=dtype, number=number, issued_at=at,
                   order_number=o.number if o else None)
        self.docs[number] = doc
        if o is not None:
            o.documents.append((dtype, number))
        return doc

    def next_number(self, series):
        self.seq[series] += 1
        return "%s-%06d" % (series, self.seq[series])

    def received_at(self):
        return iso(self.cur.received)

    def request(self, o, rid, rtype, amount, file=False, **extra):
        """file: a capture's file is written even with capture_on = manual
        (a capture action asks for it)."""
        extra.setdefault("payment_reference", o.payment_reference)
        self.requests[rid] = dict(extra, request_id=rid, type=rtype, amount=amount,
                                  status="pending", event_id=None, order=o.number)
        o.requests.append(rid)
        if rtype == "capture" and self.capture_on == "manual" and not file:
            return      # recorded, written as no file
        self.issue_request(o, rid)

    def issue_request(self, o, rid):
        r = self.requests[rid]
        extra = {k: r[k] for k in ("payment_reference", "shipment_id", "return_id") if k in r}
        self.issue(o, r["type"], rid, self.received_at(), amount=r["amount"], currency=o.currency,
                   request_type=r["type"], **extra)

    def request_name(self, prefix, rid):
        """<prefix><id>, or when a request or link has that name (a
        shipment's earlier capture, an order's refund named as a return),
        <prefix><id>-<n>, the first n from 2 that none has (contract.md
        3.8)."""
        name, n = prefix + rid, 2
        while name in self.requests or name in self.links:
            name, n = "%s%s-%d" % (prefix, rid, n), n + 1
        return name

    def capture_name(self, sid):
        return self.request_name("CAP-", sid)

    # ------------------------------------------------------------ orders

    def apply_orders(self, rec):
        h = rec.head
        old = self.records["orders"].get(h["order_number"])
        if old is not None:
            if old[0] == self.canonical("orders", rec):
                return "duplicate"
            raise Reject([Err("order_number_reused", "order_number")])
        errs = []
        cur = h["currency"]
        if not rec.lines:
            errs += self.no_lines("order")
        ids = [ln["line_id"] for ln in rec.lines]
        if len(set(ids)) != len(ids):
            errs.append(Err("duplicate_line_id"))
        big = False
        for ln in rec.lines:
            q, p = int(ln["quantity"]), parse_money(ln["unit_price"], cur)
            d = parse_money(ln["discount"], cur) if ln.get("discount") else 0
            if d > q * p:
                errs.append(Err("discount_too_large", "discount"))
        sp = parse_money(h["shipping_price"], cur) if h.get("shipping_price") else 0
        if sp > 0 and not h.get("shipping_vat_rate"):
            errs.append(Err("shipping_vat_rate_missing"))
        dfields = ["delivery_address1", "delivery_zip", "delivery_city", "delivery_country"]
        code = state_error(h.get("billing_country"), h.get("billing_state"))
        if code:
            errs.append(Err(code, "billing_state", rec.line_of("billing_state")))
        if any(h.get(f) for f in dfields + ["delivery_address2", "delivery_state"]):
            errs += [Err("missing_field", f) for f in dfields if not h.get(f)]
            code = state_error(h.get("delivery_country"), h.get("delivery_state"))
            if code:
                errs.append(Err(code, "delivery_state", rec.line_of("delivery_state")))
        if not rec.lines or len(set(ids)) != len(ids):
            raise Reject(errs)
        # the voucher against the lines' gross, when every line is sound
        grosses = [int(ln["quantity"]) * parse_money(ln["unit_price"], cur) -
                   (parse_money(ln["discount"], cur) if ln.get("discount") else 0) for ln in rec.lines]
        vv = parse_money(h["voucher_value"], cur) if h.get("voucher_value") else 0
        sound = (not any(e.code == "discount_too_large" for e in errs) and sum(grosses) <= INT64_MAX and
                 all(int(ln["quantity"]) * parse_money(ln["unit_price"], cur) <= INT64_MAX
                     for ln in rec.lines))
        if sound and vv > sum(grosses):
            errs.append(Err("voucher_too_large", "voucher_value"))
        spread = vv == 0 or (sound and vv <= sum(grosses))
        if not spread:
            # rejected; sluice spreads none of it meanwhile, so the total
            # it would check grand_total against is unknown
            h = dict(h, voucher_value=None)
        o = Order(h["order_number"], h, rec.lines)
        total = sum(ln.total for ln in o.lines.values()) + o.ship_total
        if any(abs(ln.total) > INT64_MAX for ln in o.lines.values()) or total > INT64_MAX:
            raise Reject(errs + [Err("amount_too_large")])
        if h.get("grand_total") and spread and parse_money(h["grand_total"], cur) != total:
            errs.append(Err("grand_total_mismatch", "grand_total"))
        if "REL-" + o.number in self.requests:
            # the name of its release is a dead link's payment's release
            errs.append(Err("request_id_taken", "order_number", rec.line_of("order_number")))
        if errs:
            raise Reject(errs)
        self.orders[o.number] = o
        self.remember("orders", rec, o.number)
        # not covered by its authorization: awaiting payment, a link for the due
        o.awaiting = o.due() > 0
        self.keep_link(o, 0)
        return "applied"

    # ------------------------------------------------------------ amendments

    def apply_amendments(self, rec):
        h = rec.head
        o = self.order_of(rec)
        if self.identity("amendments", rec) == "duplicate":
            return "duplicate"
        errs = [Err("order_closed")] if o.closed else []
        before = o.due()
        ids = [int(ln["line_id"]) for ln in rec.lines]
        if len(set(ids)) != len(ids):
            errs.append(Err("duplicate_line_id"))
        new = []
        known = None
        for i, ln in enumerate(rec.lines):
            if int(ln["line_id"]) in o.lines:
                errs.append(Err("line_exists", "line_id"))
                continue
            q, p = int(ln["quantity"]), parse_money(ln["unit_price"], o.currency)
            d = parse_money(ln["discount"], o.currency) if ln.get("discount") else 0
            if p is None or d is None:
                errs.append(Err("invalid_money"))     # listed already
                continue
            if d > q * p:
                errs.append(Err("discount_too_large"))
                continue
            new.append((i, Line(ln, o.currency, o.incl)))
        errs += self.too_large(rec, [(i, x.total, max(x.total, x.qty * x.unit_price))
                                     for i, x in new], o.totals()[0])
        new = [x for _, x in new]
        if errs:
            raise Reject(errs)
        if h.get("status") == "confirmed" and o.status == "pending":
            o.status = "confirmed"
        for x in new:
            o.lines[x.line_id] = x
        if h.get("hold"):
            o.hold = h["hold"] == "true"
        self.remember("amendments", rec, o.number)
        self.keep_link(o, before, h.get("reissue_link") == "true")
        self.request_captures(o)
        return "applied"

    # ------------------------------------------------------------ links

    def keep_link(self, o, before, reissue=False):
        """After an applied order, amendment, cancellation or payment whose
        order owed `before`: when the due changed, or a reissue was asked,
        the open links become void and a new one is issued for the whole
        due.  An order whose due is 0 stops awaiting payment for good."""
        after = o.due()
        if after != before or reissue:
            for k in o.links:
                if self.links[k]["status"] == "open":
                    self.links[k]["status"] = "void"
                    o.journal.append(("link_voided", k))
            if after > 0:
                self.issue_link(o, after)
        if after == 0 and o.awaiting:
            o.awaiting = False
            o.journal.append(("awaiting_payment_ended", None))

    def issue_link(self, o, amount):
        """Link n + 1 of the order, for amount, expiring link_ttl after the
        input that caused it was received; its PDF shows the order's lines
        as they stand.  Times here are whole seconds of the stories' clock
        (SLUICE_CLOCK), which sluice moves on by a nanosecond a reading: a
        reading at the very second a link expires is not the model's to
        order against it (the stories keep their clocks off those
        seconds)."""
        lid = "LINK-%s-%d" % (o.number, len(o.links) + 1)
        expires = self.cur.received + self.link_ttl
        self.links[lid] = dict(link_id=lid, amount=amount, status="open", event_id=None,
                               order=o.number, expires=expires)
        o.links.append(lid)
        o.journal.append(("link_created", lid))
        self.issue(o, "link", lid, self.received_at(), amount=amount, currency=o.currency,
                   expires=expires, grand_total=o.totals()[0], language=o.language,
                   line_totals=[o.line_now(ln)[0] for ln in o.lines.values() if ln.qty > ln.cancelled])

    def open_link(self, o):
        return next((self.links[k] for k in o.links if self.links[k]["status"] == "open"), None)

    # ------------------------------------------------------------ cancellations

    def apply_cancellations(self, rec):
        h = rec.head
        o = self.order_of(rec)
        if self.identity("cancellations", rec) == "duplicate":
            return "duplicate"
        errs = [Err("order_closed")] if o.closed else []
        want = {}
        if h.get("whole_order") == "true":
            if o.shipments or o.captured:
                errs.append(Err("order_not_cancellable"))
        elif not rec.lines:
            errs.append(Err("no_lines"))
        for f in rec.lines:
            lid, q = int(f["line_id"]), int(f["quantity"])
            ln = o.lines.get(lid)
            if ln is None:
                errs.append(Err("unknown_line", "line_id"))
                continue
            want[lid] = want.get(lid, 0) + q
            if want[lid] > ln.open:
                errs.append(Err("quantity_not_open", "quantity"))
        if errs:
            raise Reject(errs)
        before = o.due()
        if h.get("whole_order") == "true":
            for ln in o.lines.values():
                ln.cancelled += ln.open
        for lid, q in want.items():
            o.lines[lid].cancelled += q
        self.remember("cancellations", rec, o.number)
        self.keep_link(o, before)
        if all(ln.open == 0 and ln.shipped == 0 for ln in o.lines.values()):
            o.status = "cancelled"
            self.release(o)
            self.refund_checkout(o)
        else:
            self.maybe_complete(o)
        return "applied"

    def release(self, o):
        left = o.authorized - o.captured
        if left > 0:
            self.request(o, "REL-" + o.number, "release", left)

    def refunds(self, o):
        """The order's refunds not failed (pending or succeeded)."""
        return sum(self.requests[r]["amount"] for r in o.requests
                   if self.requests[r]["type"] == "refund" and self.requests[r]["status"] != "failed")

    def checkout_left(self, o):
        return o.checkout - sum(self.shipments[s]["prepaid"] for s in o.shipments)

    def refund_checkout(self, o):
        """An order that ends refunds, once, what was captured at checkout
        and no shipment took, within what is captured and not refunded."""
        if any(self.requests[r]["type"] == "refund" and "return_id" not in self.requests[r]
               for r in o.requests):
            return
        unused = min(self.checkout_left(o), o.captured - self.refunds(o))
        if unused > 0:
            self.request(o, self.request_name("REF-", o.number), "refund", unused,
                         payment_reference=o.capture_reference)

    def maybe_complete(self, o):
        """processing while a shipment is not completed (shipped and paid);
        completed once, besides, every unit is shipped or cancelled."""
        if o.status not in ("confirmed", "processing"):
            return
        done = all(self.shipments[s]["shipped"] and self.shipments[s]["paid"] for s in o.shipments)
        if o.shipments:
            o.status = "confirmed" if done else "processing"
        if not o.shipments or not done:
            return
        if any(ln.open for ln in o.lines.values()):
            return
        o.status = "completed"
        self.release(o)
        self.refund_checkout(o)

    # ------------------------------------------------------------ shipments

    def apply_shipments(self, rec):
        h = rec.head
        sid = h["shipment_id"]
        lines = {}
        for f in rec.lines:
            lines[int(f["line_id"])] = lines.get(int(f["line_id"]), 0) + int(f["quantity"])
        old = self.shipments.get(sid)
        if old is not None:
            if old["order"] != h["order_number"] or old["want"] != lines:
                raise Reject([Err("shipment_conflict")])
            o = self.orders[old["order"]]
            changes = {}
            if h.get("shipped") == "true" and not old["shipped"]:
                changes["shipped"] = True
            for f in ("shipped_at", "carrier", "service", "tracking"):
                if h.get(f) and h[f] != old[f]:
                    changes[f] = h[f]
            if not changes:
                return "duplicate"
            if o.status == "archived":
                raise Reject([Err("order_closed")])
            old.update(changes)
            self.remember("shipments", rec, o.number)
            self.request_captures(o)
            self.maybe_complete(o)
            return "applied"
        o = self.order_of(rec)
        errs = []
        # lifecycle.md names order_closed for a new shipment of a closed
        # order, errors.md order_not_shippable; sluice says the latter
        if o.status not in ("confirmed", "processing") or o.hold:
            errs.append(Err("order_not_shippable"))
        if not rec.lines:
            raise Reject(errs + self.no_lines("shipment"))
        for lid, q in sorted(lines.items()):
            ln = o.lines.get(lid)
            if ln is None:
                errs.append(Err("unknown_line", "line_id"))
            elif q > ln.open:
                errs.append(Err("quantity_not_open", "quantity"))
        if errs:
            raise Reject(errs)
        if o.awaiting:
            # waits for the payment, as long as the order's open link lives
            k = self.open_link(o)
            raise Reject([Err("payment_due", "order_number", rec.line_of("order_number"),
                              until=k["expires"] if k else None)])
        sh = dict(shipment_id=sid, order=o.number, want=lines, shipped=h.get("shipped") == "true",
                  shipped_at=h.get("shipped_at"), carrier=h.get("carrier"),
                  service=h.get("service"), tracking=h.get("tracking"), paid=False,
                  capture="waiting", lines=[], amount=0, vat=0, shipping=0, shipping_vat=0,
                  delivery=None, prepaid=0)
        for lid, q in sorted(lines.items()):
            ln = o.lines[lid]
            amt = slice_of(ln.total, ln.shipped, q, ln.qty)
            vat = slice_of(ln.vat, ln.shipped, q, ln.qty)
            disc = slice_of(ln.discount, ln.shipped, q, ln.qty)
            vch = slice_of(ln.voucher, ln.shipped, q, ln.qty)
            sh["lines"].append(dict(line_id=lid, quantity=q, returned=0, amount=amt, vat=vat,
                                    discount=disc, voucher=vch, start=ln.shipped))
            ln.shipped += q
            sh["amount"] += amt
            sh["vat"] += vat
        if not o.shipping_charged:
            o.shipping_charged = True
            sh["shipping"], sh["shipping_vat"] = o.ship_total, o.ship_vat
            sh["amount"] += o.ship_total
            sh["vat"] += o.ship_vat
        # paid first by what the capture at checkout has left
        sh["prepaid"] = min(max(self.checkout_left(o), 0), sh["amount"])
        self.shipments[sid] = sh
        o.shipments.append(sid)
        self.remember("shipments", rec, o.number)
        self.issue(o, "proforma", "PF-" + sid, self.received_at(), shipment_id=sid)
        prepaid = sh["amount"] > 0 and sh["prepaid"] == sh["amount"]
        if self.invoice_on == "shipment" or prepaid:
            self.invoice_shipment(o, sh, self.received_at())
        if sh["amount"] == 0:
            sh["paid"], sh["capture"] = True, "none"
        elif prepaid:
            sh["paid"], sh["capture"] = True, "captured"
        else:
            self.request_captures(o)
        self.maybe_complete(o)
        return "applied"

    def request_captures(self, o):
        """Requests the waiting captures, in the order their shipments were
        made, while the authorization covers them and the order is not held."""
        if o.hold:
            return
        for sid in o.shipments:
            sh = self.shipments[sid]
            if sh["capture"] != "waiting":
                continue
            if self.capture_on == "shipped" and not sh["shipped"]:
                continue    # requested once marked shipped
            need = sh["amount"] - sh["prepaid"]
            if o.captured + self.pending_captures(o) + need > o.authorized:
                break
            sh["capture"] = "requested"
            self.request(o, self.capture_name(sid), "capture", need, shipment_id=sid)

    def pending_captures(self, o):
        return sum(self.requests[r]["amount"] for r in o.requests
                   if self.requests[r]["type"] == "capture" and self.requests[r]["status"] == "pending")

    # ------------------------------------------------------------ payments

    def apply_payments(self, rec):
        h = rec.head
        o = self.order_of(rec)
        if self.identity("payments", rec) == "duplicate":
            return "duplicate"
        if o.status == "archived":
            raise Reject([Err("order_closed")])
        errs = []
        if h["currency"] != o.currency:
            errs.append(Err("currency_mismatch", "currency"))
        amount = parse_money(h["amount"], o.currency)
        rid = h.get("request_id")
        ok = h["status"] == "success"
        ev = dict(event_id=h["event_id"], type=h["type"], request_id=rid, status=h["status"],
                  amount=amount, occurred_at=h.get("occurred_at"), applied=True)
        link = req = None
        live, pays = False, True
        if h["type"] == "authorization":
            if rid:
                if rid in self.tokens:
                    rid = self.tokens[rid]
                    ev["request_id"] = rid
                elif rid.startswith("v1."):
                    raise Reject(errs + [Err("invalid_token", "request_id")])
                link = self.links.get(rid)
                if link is None:
                    if rid in self.requests:
                        if self.requests[rid]["order"] != o.number:
                            raise Reject(errs + [Err("wrong_order", "request_id")])
                        raise Reject(errs + [Err("request_mismatch", "type")])
                    raise Reject(errs + [Err("request_unknown", "request_id")])
                if link["order"] != o.number:
                    raise Reject(errs + [Err("wrong_order", "request_id")])
                # live: open, and paid before it expired (occurred_at, else
                # when the event was received)
                t = epoch(h["occurred_at"]) if h.get("occurred_at") else self.cur.received
                live = link["status"] == "open" and t < link["expires"]
                if live and link["amount"] != amount:
                    errs.append(Err("request_mismatch", "amount"))
            # money on a dead link, or for an order that has ended, pays
            # nothing: released at once, under a name no one has
            pays = (link is None or live) and o.status not in ("completed", "cancelled")
            if not pays and ok and ("REL-" + h["event_id"] in self.requests or
                                    h["event_id"] in self.orders):
                errs.append(Err("request_id_taken", "event_id"))
        else:
            if not rid:
                raise Reject(errs + [Err("missing_field", "request_id")])
            req = self.requests.get(rid)
            if req is None:
                if rid in self.links or rid in self.tokens:
                    raise Reject(errs + [Err("request_mismatch", "type")])
                raise Reject(errs + [Err("request_unknown", "request_id")])
            if req["order"] != o.number:
                raise Reject(errs + [Err("wrong_order", "request_id")])
            if req["type"] != h["type"]:
                errs.append(Err("request_mismatch", "type"))
            if req["amount"] != amount:
                errs.append(Err("request_mismatch", "amount"))
            if req["status"] != "pending":
                errs.append(Err("request_answered", "request_id"))
        if errs:
            raise Reject(errs)
        before = o.due()
        if h["type"] == "authorization" and not pays:
            # a dead link: an open one expires; money paid on it (or for
            # an order that has ended) pays nothing and is released at once
            if link is not None and link["status"] == "open" and not live:
                # the event that found it expired is named (the docs are
                # silent; sluice shows it as the link's event_id)
                link["status"], link["event_id"] = "expired", h["event_id"]
                o.journal.append(("link_expired", link["link_id"]))
            ev["dead"] = True
            ev["applied"] = False
            if ok:
                self.request(o, "REL-" + h["event_id"], "release", amount,
                             payment_reference=h.get("psp_reference") or o.payment_reference)
        elif h["type"] == "authorization":
            if link is not None and ok:
                link["status"], link["event_id"] = "spent", h["event_id"]
            if ok:
                o.authorized += amount
                if o.payment_reference is None and h.get("psp_reference"):
                    o.payment_reference = h["psp_reference"]
        else:
            req["status"] = "succeeded" if ok else "failed"
            req["event_id"] = h["event_id"]
            if req["type"] == "capture":
                sh = self.shipments[req["shipment_id"]]
                if ok:
                    o.captured += amount
                    sh["paid"], sh["capture"] = True, "captured"
                    if self.invoice_on == "capture":
                        self.invoice_shipment(o, sh, h.get("occurred_at") or self.received_at())
                else:
                    sh["capture"] = "failed"
            elif req["type"] == "refund" and ok:
                o.refunded += amount
        o.payments.append(ev)
        self.remember("payments", rec, o.number)
        self.keep_link(o, before)
        self.request_captures(o)
        self.maybe_complete(o)
        return "applied"

    def invoice_shipment(self, o, sh, at):
        lines = []
        for sl in sh["lines"]:
            ln = o.lines[sl["line_id"]]
            lines.append(dict(description=ln.name, quantity=sl["quantity"], unit_price=ln.unit_price,
                              discount=sl["discount"], voucher=sl["voucher"], rate=ln.rate,
                              vat=sl["vat"], line_total=sl["amount"]))
        if sh["shipping"]:
            lines.append(dict(description=SHIPPING_LABEL[o.language], quantity=1, unit_price=o.shipping_price,
                              discount=0, rate=o.shipping_rate, vat=sh["shipping_vat"],
                              line_total=sh["shipping"]))
        self.issue(o, "invoice", self.next_number("INV"), at, shipment_id=sh["shipment_id"],
                   currency=o.currency, lines=lines, total=sh["amount"])

    # ------------------------------------------------------------ returns

    def apply_returns(self, rec):
        h = rec.head
        o = self.order_of(rec)
        if self.identity("returns", rec) == "duplicate":
            return "duplicate"
        if o.status == "archived":
            raise Reject([Err("order_closed")])     # never waits for an archived order
        sh = self.shipments.get(h["shipment_id"])
        if sh is None:
            raise Reject([Err("shipment_unknown", "shipment_id")])
        if sh["order"] != o.number:
            raise Reject([Err("wrong_order", "shipment_id")])
        errs = []
        want = {}
        for f in rec.lines:
            lid = int(f["line_id"])
            want[lid] = want.get(lid, 0) + int(f["quantity"])
        by_line = {sl["line_id"]: sl for sl in sh["lines"]}
        for lid, q in want.items():
            sl = by_line.get(lid)
            if sl is None:
                errs.append(Err("unknown_line", "line_id"))
            elif sl["returned"] + q > sl["quantity"]:
                errs.append(Err("return_exceeds_shipped", "quantity"))
        refund_shipping = h.get("refund_shipping") == "true"
        if refund_shipping and o.shipping_refunded:
            errs.append(Err("shipping_already_refunded", "refund_shipping"))
        if not rec.lines:
            errs += self.no_lines("return")
        if errs:
            raise Reject(errs)
        parts, lines_amount = [], 0
        for lid, q in sorted(want.items()):
            sl = by_line[lid]
            ln = o.lines[lid]
            amt = slice_of(sl["amount"], sl["returned"], q, sl["quantity"])
            vat = slice_of(sl["vat"], sl["returned"], q, sl["quantity"])
            # the discount of the returned units: their share of what the
            # shipment line was given, split like its amount
            disc = slice_of(sl["discount"], sl["returned"], q, sl["quantity"])
            vch = slice_of(sl["voucher"], sl["returned"], q, sl["quantity"])
            parts.append(dict(line_id=lid, quantity=q, amount=amt, vat=vat, discount=disc,
                              voucher=vch, description=ln.name, unit_price=ln.unit_price,
                              rate=ln.rate))
            lines_amount += amt
        shipping = o.ship_total if refund_shipping else 0
        fee = (parse_money(h["return_fee"], o.currency) or 0) if h.get("return_fee") else 0
        refund = max(0, lines_amount + shipping - fee)
        refunds = self.refunds(o)
        if refund > 0 and refunds + refund > o.captured:
            if refunds + refund <= o.captured + self.pending_captures(o):
                raise Reject([Err("capture_pending", "return_id")])
            raise Reject([Err("refund_exceeds_captured")])
        for p in parts:
            by_line[p["line_id"]]["returned"] += p["quantity"]
            o.lines[p["line_id"]].returned += p["quantity"]
        if refund_shipping:
            o.shipping_refunded = True
        rt = dict(return_id=h["return_id"], shipment_id=sh["shipment_id"], refund=refund,
                  lines_amount=lines_amount, shipping=shipping, return_fee=fee,
                  lines=[dict(line_id=p["line_id"], quantity=p["quantity"], amount=p["amount"])
                         for p in parts])
        self.returns[h["return_id"]] = rt
        o.returns.append(h["return_id"])
        self.remember("returns", rec, o.number)
        if refund > 0:
            # named for the capture that paid the shipment: the checkout's
            # when it paid all of it
            prepaid = sh["amount"] > 0 and sh["prepaid"] == sh["amount"]
            self.request(o, self.request_name("REF-", h["return_id"]), "refund", refund,
                         return_id=h["return_id"],
                         payment_reference=o.capture_reference if prepaid else o.payment_reference)
            lines = [dict(description=p["description"], quantity=p["quantity"],
                          unit_price=p["unit_price"], discount=p["discount"], voucher=p["voucher"],
                          rate=p["rate"], vat=p["vat"], line_total=p["amount"]) for p in parts]
            if shipping:
                lines.append(dict(description=SHIPPING_LABEL[o.language], quantity=1, unit_price=o.shipping_price,
                                  discount=0, rate=o.shipping_rate, vat=o.ship_vat,
                                  line_total=o.ship_total))
            self.issue(o, "credit_note", self.next_number("CN"), self.received_at(),
                       return_id=h["return_id"], currency=o.currency, lines=lines,
                       total=refund, return_fee=fee)
        return "applied"

    # ------------------------------------------------------------ invoices

    def apply_invoices(self, rec):
        h = rec.head
        o = None
        if h.get("order_number"):
            o = self.order_of(rec)
        if self.identity("invoices", rec) == "duplicate":
            return "duplicate"
        errs = []
        if not rec.lines:
            errs += self.no_lines("invoice")
        if h.get("template") and h["template"] != "default":
            errs.append(Err("unknown_template", "template"))
        cur = h["currency"]
        lines, total = [], 0
        for f in rec.lines:
            q, p, r = int(f["quantity"]), parse_money(f["unit_price"], cur), parse_rate(f["vat_rate"])
            net = q * p
            vat = (net * r * 2 + 10000) // 20000
            lines.append(dict(description=f["description"], quantity=q, unit_price=p, discount=0,
                              rate=r, vat=vat, line_total=net + vat))
            total += net + vat
        errs += self.too_large(rec, [(i, x["line_total"], x["line_total"])
                                     for i, x in enumerate(lines)], 0)
        if errs:
            raise Reject(errs)
        self.remember("invoices", rec, None)
        self.issue(o, "invoice", self.next_number("INV"), self.received_at(),
                   invoice_id=h["invoice_id"], currency=cur, lines=lines, total=total,
                   free_order=h.get("order_number"), text=h.get("text"))
        return "applied"

    # ------------------------------------------------------------ actions

    def unsent_capture(self, sid):
        """The shipment's latest capture request when it is pending and no
        file asked for it (capture_on = manual), else None."""
        sh = self.shipments[sid]
        o = self.orders[sh["order"]]
        caps = [r for r in o.requests if self.requests[r]["type"] == "capture" and
                self.requests[r].get("shipment_id") == sid]
        if sh["capture"] != "requested" or not caps:
            return None
        last = caps[-1]
        return last if self.requests[last]["status"] == "pending" and last not in self.docs else None

    def archivable(self, o):
        """The rule of archiving (contract.md 3.8, `sluice order archive`): a
        completed or cancelled order whose requests are all answered and
        whose links are none of them open."""
        return o.status in ("completed", "cancelled") and \
            not any(self.requests[r]["status"] == "pending" for r in o.requests) and \
            not any(self.links[k]["status"] == "open" for k in o.links)

    def apply_actions(self, rec):
        h = rec.head
        o = self.order_of(rec)
        if self.identity("actions", rec) == "duplicate":
            return "duplicate"
        sid = h.get("shipment_id")
        if h["action"] == "archive":
            errs = [Err("invalid_value", "shipment_id")] if sid else []
            if o.status == "archived":
                errs.append(Err("order_closed", "order_number"))
            elif not self.archivable(o):
                errs.append(Err("order_not_archivable", "order_number"))
            if errs:
                raise Reject(errs)
            o.status = "archived"
            self.remember("actions", rec, o.number)
            return "applied"
        if o.status in ("completed", "cancelled", "archived"):
            raise Reject([Err("order_closed", "order_number")])
        if o.hold:
            raise Reject([Err("order_on_hold", "order_number")])
        if sid:
            sh = self.shipments.get(sid)
            if sh is None:
                raise Reject([Err("shipment_unknown", "shipment_id")])
            if sh["order"] != o.number:
                raise Reject([Err("wrong_order", "shipment_id")])
        targets = [s for s in o.shipments if (not sid or s == sid) and
                   (self.shipments[s]["capture"] == "failed" or self.unsent_capture(s))]
        if not targets:
            raise Reject([Err("nothing_to_capture", "shipment_id" if sid else "action")])
        for s in targets:
            sh = self.shipments[s]
            if sh["capture"] != "failed":
                self.issue_request(o, self.unsent_capture(s))
            elif o.captured + self.pending_captures(o) + sh["amount"] - sh["prepaid"] <= o.authorized:
                sh["capture"] = "requested"
                self.request(o, self.capture_name(s), "capture", sh["amount"] - sh["prepaid"],
                             file=True, shipment_id=s)
            else:
                sh["capture"] = "waiting"   # requested when an authorization raises it
        self.remember("actions", rec, o.number)
        self.request_captures(o)
        self.maybe_complete(o)
        return "applied"

    # ------------------------------------------------------------ operators

    def archive(self, number):
        """sluice order archive NUMBER: True when the model expects it done
        (a completed or cancelled order whose requests are all answered and
        whose links are none of them open)."""
        o = self.orders.get(number)
        if o is None or not self.archivable(o):
            return False
        o.status = "archived"
        return True

    # ------------------------------------------------------------ views

    def learn_token(self, token, link_id):
        """A payment link's token as sluice wrote it in out/links."""
        self.tokens[token] = link_id

    def order_view(self, number, now):
        """The fields of `order show --json` at clock now the model
        predicts, formatted."""
        o = self.orders[number]
        c = o.currency

        def m(v):
            return fmt_money(v, c)
        g, v = o.totals()
        view = {
            "order_number": o.number, "status": o.status, "hold": o.hold, "currency": c,
            "grand_total": m(g), "vat_total": m(v), "authorized": m(o.authorized),
            "voucher_code": o.voucher_code, "voucher_value": m(o.voucher_value),
            "captured": m(o.captured), "refunded": m(o.refunded), "due": m(o.due()),
            "captured_amount": m(o.checkout), "capture_reference": o.capture_reference,
            "awaiting_payment": o.awaiting,
            "lines": [], "shipments": [], "returns": [], "requests": [], "links": [], "payments": [],
            "documents": [{"type": t, "number": n} for t, n in o.documents],
        }
        view["_known"] = {}
        for ln in sorted(o.lines.values(), key=lambda x: x.line_id):   # sluice lists by line_id
            t, x = o.line_now(ln)
            view["lines"].append({
                "line_id": ln.line_id, "sku": ln.sku, "quantity": ln.qty, "shipped": ln.shipped,
                "cancelled": ln.cancelled, "returned": ln.returned, "unit_price": m(ln.unit_price),
                "discount": m(ln.discount), "voucher": m(ln.voucher), "vat_rate": fmt_rate(ln.rate),
                "line_total": m(t),
                "vat": m(x)})
        for sid in o.shipments:
            sh = self.shipments[sid]
            view["shipments"].append({
                "shipment_id": sid, "shipped": sh["shipped"], "paid": sh["paid"],
                "completed": sh["shipped"] and sh["paid"], "amount": m(sh["amount"]),
                "vat": m(sh["vat"]), "shipping": m(sh["shipping"]), "prepaid": m(sh["prepaid"]),
                "carrier": sh["carrier"],
                "service": sh["service"], "tracking": sh["tracking"],
                "capture": sh["capture"],
                "lines": [{"line_id": x["line_id"], "quantity": x["quantity"],
                           "returned": x["returned"], "amount": m(x["amount"])}
                          for x in sorted(sh["lines"], key=lambda x: x["line_id"])]})
        for rid in o.returns:
            rt = self.returns[rid]
            view["returns"].append({
                "return_id": rid, "shipment_id": rt["shipment_id"], "refund": m(rt["refund"]),
                "lines_amount": m(rt["lines_amount"]), "shipping": m(rt["shipping"]),
                "return_fee": m(rt["return_fee"]),
                "lines": [{"line_id": x["line_id"], "quantity": x["quantity"], "amount": m(x["amount"])}
                          for x in rt["lines"]]})
        for rid in o.requests:
            r = self.requests[rid]
            view["requests"].append({"request_id": rid, "type": r["type"], "amount": m(r["amount"]),
                                     "status": r["status"], "event_id": r["event_id"]})
        for lid in o.links:
            k = self.links[lid]
            # an open link shows expired once its time is up
            shown = "expired" if k["status"] == "open" and k["expires"] <= now else k["status"]
            view["links"].append({"link_id": lid, "amount": m(k["amount"]), "status": shown,
                                  "event_id": k["event_id"], "expires_at": iso(k["expires"])})
        # the journal's link events in order; the end of awaiting payment
        # (awaiting_payment_ended) only counted, the rules not ordering it among them
        view["events"] = [{"type": t, "link_id": k} for t, k in o.journal if t != "awaiting_payment_ended"]
        view["awaiting_payment_ended"] = sum(1 for t, _ in o.journal if t == "awaiting_payment_ended")
        for i, ev in enumerate(o.payments):
            view["payments"].append({"event_id": ev["event_id"], "type": ev["type"],
                                     "status": ev["status"], "amount": m(ev["amount"]),
                                     "applied": ev["applied"]})
        return view


def _kind_rank(kind):
    return KIND_ORDER.index(kind)
