-- SPDX-License-Identifier: ISC
-- sluice ledger, version 6: what operators watch and purge.

-- The last batch of inputs the pipeline applied, one row that every batch
-- replaces inside its own transaction (sluice metrics reads it).
CREATE TABLE last_batch (
    one         INTEGER PRIMARY KEY CHECK (one = 1),
    ended_at    TEXT NOT NULL,         -- when it was applied, before its commit
    files       INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL       -- from its start to its last input's end
);

-- The outputs written to a path of out/ (sluice purge ages a file by them).
CREATE INDEX outbox_by_path ON outbox (path);
