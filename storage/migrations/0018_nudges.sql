-- Nudges (issue 20): when each reminder was owed, so a restart neither repeats nor loses one.
ALTER TABLE med_requests ADD COLUMN reminded_at TEXT;       -- the resident reminded to confirm
ALTER TABLE med_requests ADD COLUMN duty_told_at TEXT;      -- urgent and unclaimed: the volunteers on duty told
ALTER TABLE med_requests ADD COLUMN leader_nudged_at TEXT;  -- still unclaimed after that: the leader told
ALTER TABLE group_buys ADD COLUMN reminded_at TEXT;         -- the households that have not joined reminded
