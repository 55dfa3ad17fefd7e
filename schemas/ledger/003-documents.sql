-- SPDX-License-Identifier: ISC
-- sluice ledger, version 3: documents.  Invoices, credit notes,
-- pro-formas, payment requests and links as files, their number series,
-- the templates they were rendered with, and free-text invoices.

-- Gap-free number series, one per prefix (INV-, CN-, ...): a number is
-- taken inside the transaction that issues the document.
CREATE TABLE number_series (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
) WITHOUT ROWID;

-- Templates as they were when a document was issued (rendering a document
-- again uses the same text and logo, so it writes the same bytes).
CREATE TABLE templates (
    sha256 TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    text   TEXT NOT NULL,
    logo   BLOB
) WITHOUT ROWID;

CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    type            TEXT NOT NULL CHECK (type IN ('invoice', 'credit_note', 'proforma',
                    'capture', 'refund', 'release', 'link')),
    number          TEXT NOT NULL UNIQUE,  -- INV-000001, CN-000001, PF-<shipment_id>, CAP-..., LINK-...
    order_number    TEXT,                  -- NULL for a free-text invoice of no order
    shipment_id     TEXT,
    return_id       TEXT,
    request_id      TEXT,
    link_id         TEXT,
    invoice_id      TEXT,                  -- a free-text invoice's id
    issued_at       TEXT NOT NULL,         -- from the input that caused it
    template_sha256 TEXT REFERENCES templates (sha256),
    input_id        INTEGER NOT NULL REFERENCES inputs (id)
);
CREATE INDEX documents_by_order ON documents (order_number, id);

-- Where a shipment goes: the delivery address when it was created.
ALTER TABLE shipments ADD COLUMN delivery_address1 TEXT;
ALTER TABLE shipments ADD COLUMN delivery_address2 TEXT;
ALTER TABLE shipments ADD COLUMN delivery_zip TEXT;
ALTER TABLE shipments ADD COLUMN delivery_city TEXT;
ALTER TABLE shipments ADD COLUMN delivery_country TEXT;

-- Free-text invoices (in/invoices/).  Prices exclude VAT.
CREATE TABLE free_invoices (
    invoice_id       TEXT NOT NULL UNIQUE,
    order_number     TEXT,
    input_id         INTEGER NOT NULL REFERENCES inputs (id),
    currency         TEXT NOT NULL,
    email            TEXT NOT NULL,
    name             TEXT NOT NULL,
    billing_address1 TEXT NOT NULL,
    billing_zip      TEXT NOT NULL,
    billing_city     TEXT NOT NULL,
    billing_country  TEXT NOT NULL,
    due_date         TEXT,
    template         TEXT NOT NULL,
    text             TEXT
);

CREATE TABLE free_invoice_lines (
    invoice_id  TEXT NOT NULL,
    n           INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_price  INTEGER NOT NULL,
    vat_rate    INTEGER NOT NULL,
    vat         INTEGER NOT NULL,
    line_total  INTEGER NOT NULL,          -- VAT included
    PRIMARY KEY (invoice_id, n)
) WITHOUT ROWID;
