-- Several workers of one bot share the inbox (a district on PostgreSQL): an update is held by the
-- process that stored it (leased_by, that process's id) while it is handled; a starting worker
-- handles again only the updates not done whose holder is gone (storage/updates.py, take_orphans).
ALTER TABLE inbox ADD COLUMN leased_by TEXT;
