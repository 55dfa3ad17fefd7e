-- SPDX-License-Identifier: ISC
-- sluice ledger, version 10: an order's regions, language, delivery date,
-- internal comment and extra attributes.  Orders from before have none of
-- them (NULL), which is what an order without them has.
ALTER TABLE orders ADD COLUMN billing_state TEXT;      -- ISO 3166-2 without the country
ALTER TABLE orders ADD COLUMN delivery_state TEXT;
ALTER TABLE orders ADD COLUMN language TEXT;           -- en, sv, de; NULL: the template's
ALTER TABLE orders ADD COLUMN delivery_date TEXT;      -- RFC 3339, as given
ALTER TABLE orders ADD COLUMN internal_comment TEXT;   -- never on a customer's document
-- the delivery address a shipment went to, as the shipment's other
-- delivery_* columns
ALTER TABLE shipments ADD COLUMN delivery_state TEXT;

-- An order's extra attributes (attr_<name> columns, <attribute> elements):
-- part of the order's content, fixed when it arrives.
CREATE TABLE order_attributes (
    order_number TEXT NOT NULL REFERENCES orders (order_number),
    name         TEXT NOT NULL,                       -- 1-32 of a-z 0-9 _
    value        TEXT NOT NULL,
    PRIMARY KEY (order_number, name)
) WITHOUT ROWID;
