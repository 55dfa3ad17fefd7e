-- SPDX-License-Identifier: ISC
-- sluice ledger, version 4: receipts per kind.  A receipt's path depends
-- on whether an input of the same kind and name was received later; this
-- finds the latest one, and every input of a name (moving the receipts of
-- an earlier layout into place).
CREATE INDEX inputs_by_name ON inputs (name, kind, received_ns);
