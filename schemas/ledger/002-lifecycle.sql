-- SPDX-License-Identifier: ISC
-- sluice ledger, version 2: the order lifecycle.  Amendments,
-- cancellations, shipments, payment events and returns; the payment
-- requests and links they call for.

-- Whether an order's shipping was refunded (at most once), and the number
-- of its next payment link.
ALTER TABLE orders ADD COLUMN shipping_refunded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN next_link INTEGER NOT NULL DEFAULT 1;

-- Each record of the kinds that are not orders, applied once: its id, and
-- the digest of its content (same id and content again is a duplicate).
CREATE TABLE records (
    kind           TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    order_number   TEXT NOT NULL,
    input_id       INTEGER NOT NULL REFERENCES inputs (id),
    content_sha256 TEXT NOT NULL,
    PRIMARY KEY (kind, record_id)
) WITHOUT ROWID;

CREATE TABLE shipments (
    shipment_id     TEXT NOT NULL UNIQUE,
    order_number    TEXT NOT NULL REFERENCES orders (order_number),
    seq             INTEGER NOT NULL,          -- 1 for the order's first shipment
    input_id        INTEGER NOT NULL REFERENCES inputs (id),
    lines_sha256    TEXT NOT NULL,             -- an update must keep the lines
    carrier         TEXT,
    service         TEXT,
    tracking        TEXT,
    shipped         INTEGER NOT NULL DEFAULT 0,
    shipped_at      TEXT,
    amount          INTEGER NOT NULL,          -- to capture: lines, plus shipping on the first
    vat             INTEGER NOT NULL,
    shipping_amount INTEGER NOT NULL,          -- the shipping part of amount
    capture         TEXT NOT NULL CHECK (capture IN
                    ('none', 'waiting', 'requested', 'captured', 'failed'))
);
CREATE INDEX shipments_by_order ON shipments (order_number, seq);

-- Units first_unit+1 .. first_unit+quantity of an order line, and what
-- they are charged (cumulative allocation of the line's total).
CREATE TABLE shipment_lines (
    shipment_id TEXT NOT NULL,
    line_id     INTEGER NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    first_unit  INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    vat         INTEGER NOT NULL,
    returned    INTEGER NOT NULL DEFAULT 0,
    CHECK (returned <= quantity),
    PRIMARY KEY (shipment_id, line_id)
) WITHOUT ROWID;

CREATE TABLE returns (
    return_id       TEXT NOT NULL UNIQUE,
    order_number    TEXT NOT NULL REFERENCES orders (order_number),
    shipment_id     TEXT NOT NULL REFERENCES shipments (shipment_id),
    input_id        INTEGER NOT NULL REFERENCES inputs (id),
    reason          TEXT,
    restock         INTEGER NOT NULL,
    return_fee      INTEGER NOT NULL,
    lines_amount    INTEGER NOT NULL,
    lines_vat       INTEGER NOT NULL,
    shipping_amount INTEGER NOT NULL,          -- shipping refunded with it
    refund          INTEGER NOT NULL CHECK (refund >= 0)
);
CREATE INDEX returns_by_order ON returns (order_number);

CREATE TABLE return_lines (
    return_id  TEXT NOT NULL,
    line_id    INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    amount     INTEGER NOT NULL,
    vat        INTEGER NOT NULL,
    PRIMARY KEY (return_id, line_id)
) WITHOUT ROWID;

-- Capture, refund and release requests for the PSP (CAP-<shipment_id>,
-- REF-<return_id>, REL-<order_number>), answered once by a payment event.
CREATE TABLE payment_requests (
    request_id   TEXT NOT NULL UNIQUE,
    order_number TEXT NOT NULL REFERENCES orders (order_number),
    type         TEXT NOT NULL CHECK (type IN ('capture', 'refund', 'release')),
    shipment_id  TEXT,
    return_id    TEXT,
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    event_id     TEXT,
    input_id     INTEGER NOT NULL REFERENCES inputs (id)
);
CREATE INDEX requests_by_order ON payment_requests (order_number);

-- Payment links for amounts due (LINK-<order_number>-<n>), spent once by
-- an authorization event that names them.
CREATE TABLE payment_links (
    link_id      TEXT NOT NULL UNIQUE,
    order_number TEXT NOT NULL REFERENCES orders (order_number),
    n            INTEGER NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('open', 'spent')),
    event_id     TEXT,
    input_id     INTEGER NOT NULL REFERENCES inputs (id)
);
CREATE INDEX links_by_order ON payment_links (order_number);

CREATE TABLE payment_events (
    event_id      TEXT NOT NULL UNIQUE,
    order_number  TEXT NOT NULL REFERENCES orders (order_number),
    input_id      INTEGER NOT NULL REFERENCES inputs (id),
    type          TEXT NOT NULL,
    request_id    TEXT,
    status        TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    psp_reference TEXT,
    occurred_at   TEXT
);
CREATE INDEX payment_events_by_order ON payment_events (order_number);

-- Why an input waits (its receipt lists these as errors, status deferred).
CREATE INDEX inputs_deferred ON inputs (id) WHERE status = 'deferred';
