-- Several processes drain one outbox (a district on PostgreSQL): an item is sent by the process
-- holding its lease (taken just before the attempt, given back after it), so no two send it at
-- once; a lease left by a process that died runs out at lease_until.
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
