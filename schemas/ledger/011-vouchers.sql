-- SPDX-License-Identifier: ISC
-- sluice ledger, version 11: an order's voucher, and each line's share of
-- it (the line's gross is quantity x unit_price - discount - voucher).
-- Orders from before have none: no code, a value and shares of 0.
ALTER TABLE orders ADD COLUMN voucher_code TEXT;
ALTER TABLE orders ADD COLUMN voucher_value INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN voucher INTEGER NOT NULL DEFAULT 0;
