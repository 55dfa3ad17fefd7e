-- SPDX-License-Identifier: ISC
-- sluice ledger, version 7: who asked for an operator's command.
-- actor: the login name of whoever ran the command that added the event
-- (the user sudo was run by, when root ran it under sudo); NULL for what
-- inputs and migrations did, and for commands run before this version.
ALTER TABLE journal ADD COLUMN actor TEXT;
