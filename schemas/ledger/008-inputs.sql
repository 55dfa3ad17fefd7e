-- SPDX-License-Identifier: ISC
-- sluice ledger, version 8: when a deferred input's wait for a payment
-- ends.  A deferred input whose records wait for the payment of an order
-- is rejected when the payment link it waits for expires (or after
-- defer_expiry, when it waits for something else too, whichever comes
-- first); this keeps that link's expiry (ns since the epoch), so that
-- `sluice inputs` can say when the input expires.  NULL: it waits for no
-- link (or was deferred before this version: its next try sets it).
ALTER TABLE inputs ADD COLUMN link_expires_ns INTEGER;
