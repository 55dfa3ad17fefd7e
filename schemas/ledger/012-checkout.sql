-- SPDX-License-Identifier: ISC
-- sluice ledger, version 12: money captured at checkout.  An order may
-- arrive with part of its authorization captured already (captured_amount,
-- under the PSP's capture_reference); its shipments are charged against
-- that first, each keeping what it took (prepaid), and only the rest of a
-- shipment is requested from the PSP.  Orders and shipments from before
-- have none.
ALTER TABLE orders ADD COLUMN captured_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN capture_reference TEXT;
ALTER TABLE shipments ADD COLUMN prepaid INTEGER NOT NULL DEFAULT 0;
