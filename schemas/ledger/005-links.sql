-- SPDX-License-Identifier: ISC
-- sluice ledger, version 5: orders awaiting payment and their one open
-- payment link.
--
-- An order is awaiting payment from its arrival (its authorization did not
-- cover its grand total) until its due first comes to nothing.
ALTER TABLE orders ADD COLUMN awaiting_payment INTEGER NOT NULL DEFAULT 0
    CHECK (awaiting_payment IN (0, 1));

-- A release request may carry its own payment reference (the PSP reference
-- of money paid on a link that was no longer open); NULL: the order's.
ALTER TABLE payment_requests ADD COLUMN payment_reference TEXT;

-- Whether a payment event counted: an authorization on a link that was no
-- longer open pays nothing (its money is released).
ALTER TABLE payment_events ADD COLUMN applied INTEGER NOT NULL DEFAULT 1
    CHECK (applied IN (0, 1));

-- Links gain the states expired and void, and the instant they expire
-- (ns since the epoch).  A link issued before this version expires 14 days
-- (link_ttl's default) after its document was issued.
CREATE TABLE payment_links_5 (
    link_id      TEXT NOT NULL UNIQUE,
    order_number TEXT NOT NULL REFERENCES orders (order_number),
    n            INTEGER NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('open', 'spent', 'expired', 'void')),
    event_id     TEXT,
    input_id     INTEGER NOT NULL REFERENCES inputs (id),
    expires_ns   INTEGER NOT NULL
);
INSERT INTO payment_links_5 (link_id, order_number, n, amount, status, event_id, input_id,
    expires_ns)
SELECT k.link_id, k.order_number, k.n, k.amount, k.status, k.event_id, k.input_id,
    (coalesce((SELECT unixepoch(d.issued_at) FROM documents d WHERE d.link_id = k.link_id),
    (SELECT i.received_ns / 1000000000 FROM inputs i WHERE i.id = k.input_id)) + 14 * 86400)
    * 1000000000
FROM payment_links k;
DROP TABLE payment_links;
ALTER TABLE payment_links_5 RENAME TO payment_links;
CREATE INDEX links_by_order ON payment_links (order_number);

-- What the customer was shown: the units of each order line cancelled when
-- the link was issued (lines added later are not part of it).
CREATE TABLE payment_link_lines (
    link_id   TEXT NOT NULL,
    line_id   INTEGER NOT NULL,
    cancelled INTEGER NOT NULL CHECK (cancelled >= 0),
    PRIMARY KEY (link_id, line_id)
) WITHOUT ROWID;
-- A link issued before this version shows the lines there were when it
-- was issued (added by its input or before) as they stand now.
INSERT INTO payment_link_lines (link_id, line_id, cancelled)
SELECT k.link_id, l.line_id, l.cancelled FROM payment_links k
JOIN order_lines l ON l.order_number = k.order_number AND l.input_id <= k.input_id;

-- A link issued before this version for what an amendment added stayed
-- open whatever came after, even once its order ended: the link of an
-- order completed, cancelled or archived is void (money paid on it is
-- released, not authorized for an order that has ended).
INSERT INTO journal (at, order_number, type, input_id, command, detail)
SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), k.order_number, 'link_voided', NULL,
    'ledger version 5', json_object('link_id', k.link_id)
FROM payment_links k JOIN orders o ON o.order_number = k.order_number
WHERE k.status = 'open' AND o.status IN ('completed', 'cancelled', 'archived')
ORDER BY k.order_number, k.n;
UPDATE payment_links SET status = 'void' WHERE status = 'open' AND order_number IN
    (SELECT order_number FROM orders WHERE status IN ('completed', 'cancelled', 'archived'));
