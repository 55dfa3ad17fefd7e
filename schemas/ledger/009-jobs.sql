-- SPDX-License-Identifier: ISC
-- sluice ledger, version 9: bulk jobs.  A job is one run of `sluice bulk`
-- that changes orders: one action over a selection, each selected order
-- carried out as an input of its own (or skipped), whose outcome the job
-- keeps, so that `sluice bulk status JOB` can show it later and a later
-- job knows what an interrupted one left in flight.
CREATE TABLE jobs (
    job         TEXT PRIMARY KEY,          -- 8 lower-case letters and digits
    action      TEXT NOT NULL,
    command     TEXT NOT NULL,             -- the selection and options, as given
    actor       TEXT,                      -- the login name of who ran it
    started_ns  INTEGER NOT NULL,
    finished_ns INTEGER                    -- NULL: running, or interrupted
);

-- The orders of a job, in the job's order (seq).  outcome: selected (not
-- yet taken), submitted (its input is in the spool, not yet decided),
-- applied, skipped, deferred (its input waits), rejected, or abandoned
-- (an interrupted job never submitted it).
CREATE TABLE job_orders (
    job          TEXT NOT NULL REFERENCES jobs (job),
    seq          INTEGER NOT NULL,
    order_number TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('selected', 'submitted', 'applied',
                     'skipped', 'deferred', 'rejected', 'abandoned')),
    kind         TEXT,                     -- its input: in/<kind>/<input_name>
    input_name   TEXT,
    code         TEXT,                     -- why it was skipped, waits or was rejected
    message      TEXT,
    PRIMARY KEY (job, seq)
);
CREATE INDEX job_orders_open ON job_orders (order_number)
    WHERE outcome IN ('submitted', 'deferred');
CREATE INDEX job_orders_by_input ON job_orders (input_name, kind)
    WHERE input_name IS NOT NULL;
