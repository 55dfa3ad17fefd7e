-- SPDX-License-Identifier: ISC
-- sluice ledger, version 1: inputs, orders and their lines, the journal
-- and the outbox.  Money is integer minor units of the order's currency;
-- VAT rates are hundredths of a percent (25% = 2500).

-- Every input file that reached an outcome, once per arrival.
CREATE TABLE inputs (
    id           INTEGER PRIMARY KEY,
    work_name    TEXT NOT NULL UNIQUE,      -- its name while claimed
    name         TEXT NOT NULL,             -- the name it arrived under
    kind         TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    received_ns  INTEGER NOT NULL,          -- when it was claimed
    status       TEXT NOT NULL
                 CHECK (status IN ('accepted', 'duplicate', 'deferred', 'rejected')),
    records      INTEGER NOT NULL DEFAULT 0,
    processed_at TEXT NOT NULL,
    error_count  INTEGER NOT NULL DEFAULT 0, -- every error found, listed or not
    filed_as     TEXT NOT NULL               -- its path under archive/ or rejected/
);
CREATE INDEX inputs_by_sha256 ON inputs (sha256, status);
CREATE INDEX inputs_by_status ON inputs (status, id);

-- The errors a receipt lists (at most max_errors per input).
CREATE TABLE input_errors (
    input_id INTEGER NOT NULL REFERENCES inputs (id),
    seq      INTEGER NOT NULL,
    line     INTEGER NOT NULL,
    field    TEXT,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL,
    PRIMARY KEY (input_id, seq)
) WITHOUT ROWID;

-- A rowid table: its rows are large, which WITHOUT ROWID handles worse.
CREATE TABLE orders (
    order_number       TEXT NOT NULL UNIQUE,
    input_id           INTEGER NOT NULL REFERENCES inputs (id),
    content_sha256     TEXT NOT NULL,      -- canonical record content
    order_date         TEXT NOT NULL,
    market             TEXT NOT NULL,
    currency           TEXT NOT NULL,
    prices_include_vat INTEGER NOT NULL,
    status             TEXT NOT NULL CHECK (status IN
                       ('pending', 'confirmed', 'processing', 'completed', 'cancelled', 'archived')),
    hold               INTEGER NOT NULL DEFAULT 0,
    email              TEXT NOT NULL,
    first_name         TEXT,
    last_name          TEXT,
    phone              TEXT,
    billing_address1   TEXT NOT NULL,
    billing_address2   TEXT,
    billing_zip        TEXT NOT NULL,
    billing_city       TEXT NOT NULL,
    billing_country    TEXT NOT NULL,
    delivery_address1  TEXT NOT NULL,
    delivery_address2  TEXT,
    delivery_zip       TEXT NOT NULL,
    delivery_city      TEXT NOT NULL,
    delivery_country   TEXT NOT NULL,
    shipping_method    TEXT,
    shipping_price     INTEGER NOT NULL,
    shipping_vat_rate  INTEGER NOT NULL,
    payment_method     TEXT NOT NULL,
    payment_reference  TEXT NOT NULL,
    authorized         INTEGER NOT NULL,
    comment            TEXT
);

CREATE TABLE order_lines (
    order_number      TEXT NOT NULL REFERENCES orders (order_number),
    line_id           INTEGER NOT NULL,
    input_id          INTEGER NOT NULL REFERENCES inputs (id),
    sku               TEXT NOT NULL,
    ean               TEXT,
    name              TEXT NOT NULL,
    variant           TEXT,
    size              TEXT,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price        INTEGER NOT NULL CHECK (unit_price >= 0),
    discount          INTEGER NOT NULL CHECK (discount >= 0),
    vat_rate          INTEGER NOT NULL CHECK (vat_rate BETWEEN 0 AND 10000),
    country_of_origin TEXT,
    hs_code           TEXT,
    weight_grams      INTEGER,
    shipped           INTEGER NOT NULL DEFAULT 0,
    cancelled         INTEGER NOT NULL DEFAULT 0,
    CHECK (shipped + cancelled <= quantity),
    PRIMARY KEY (order_number, line_id)
) WITHOUT ROWID;

-- Append-only: what changed, from which input (or operator command), when.
CREATE TABLE journal (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    order_number TEXT,
    type         TEXT NOT NULL,
    input_id     INTEGER REFERENCES inputs (id),
    command      TEXT,
    detail       TEXT NOT NULL
);
CREATE INDEX journal_by_order ON journal (order_number, seq);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

-- Output files to write after the commit that queued them.
CREATE TABLE outbox (
    id        INTEGER PRIMARY KEY,
    path      TEXT NOT NULL,               -- relative to the spool root
    doc       TEXT NOT NULL,               -- which renderer
    ref       INTEGER NOT NULL,            -- what it renders (an input id, ...)
    published INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published = 0;
